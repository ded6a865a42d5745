/*
** risk_store.c -- writing and reading the risk register.
**
** Risks are written as named text fields (the Lua layer validates ratings,
** categories and acceptance against the methodology first; the schema's
** references and CHECKs stand behind it). A batch of puts and deletes is
** one transaction and one change batch: every created risk, every changed
** field and every deleted risk is logged, and a failure anywhere leaves
** the register as it was.
**
** Risks are read back through the cursor view ISMS_VIEW_RISKS (cursor.c),
** joined with their asset's class and type.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isms_internal.h"

/* Columns a caller may set, in table order. */
static const char *const risk_fields[] = {
    "asset", "threat", "vulnerability", "title", "category", "impacts", "owners",
    "controls", "obligations", "r1", "r2", "r3", "r4", "score", "level", "level_rank",
    "acceptable", "decision", "decided_by", "decided_at", "rationale"};
#define NFIELDS ((int)(sizeof risk_fields / sizeof risk_fields[0]))

static int field_index(const char *name) {
  for (int k = 0; k < NFIELDS; k++)
    if (strcmp(risk_fields[k], name) == 0) return k;
  return -1;
}

struct isms_risk_batch {
  isms_db *db;
  int64_t batch;
  int64_t created, updated, deleted;
  sqlite3_stmt *select_one;
  sqlite3_stmt *insert;  /* the last INSERT built, for the fields in insert_mask */
  uint32_t insert_mask;
};

ISMS_API int isms_risk_begin(isms_db *db, const char *command, const char *source,
                             const char *reason, isms_risk_batch **out) {
  if (out) *out = NULL;
  if (!db || !out || !command) return ISMS_MISUSE;
  isms__clear_error(db);
  isms_risk_batch *rb = calloc(1, sizeof *rb);
  if (!rb) return isms__fail(db, ISMS_NOMEM, "out of memory");
  rb->db = db;
  int rc = isms__begin(db);
  if (!rc) rc = isms__batch_open(db, command, source, reason, &rb->batch);
  if (!rc) {
    char sql[512] = "SELECT ";
    for (int k = 0; k < NFIELDS; k++) {
      strcat(sql, risk_fields[k]);
      strcat(sql, k + 1 < NFIELDS ? ", " : " FROM risks WHERE ref = ?1");
    }
    if (sqlite3_prepare_v2(db->sql, sql, -1, &rb->select_one, NULL) != SQLITE_OK)
      rc = isms__fail_sql(db, "reading risks");
  }
  if (rc) {
    isms__rollback(db);
    sqlite3_finalize(rb->select_one);
    free(rb);
    return rc;
  }
  *out = rb;
  return ISMS_OK;
}

static int same(const char *x, const char *y) {
  return x == y || (x && y && strcmp(x, y) == 0);
}

/* Empty text means "no value" (NULL), as in CSV files. */
static const char *norm(const char *v) { return v && *v ? v : NULL; }

ISMS_API int isms_risk_put(isms_risk_batch *rb, const char *ref, int n, const char *const *names,
                           const char *const *values) {
  if (!rb || !ref || !*ref || n < 0 || (n && (!names || !values))) return ISMS_MISUSE;
  isms_db *db = rb->db;
  const char *want[NFIELDS];
  int given[NFIELDS] = {0};
  for (int k = 0; k < NFIELDS; k++) want[k] = NULL;
  for (int k = 0; k < n; k++) {
    int f = field_index(names[k]);
    if (f < 0) return isms__fail(db, ISMS_INPUT, "risk %s: unknown field '%s'", ref, names[k]);
    want[f] = norm(values[k]);
    given[f] = 1;
  }
  sqlite3_stmt *q = rb->select_one;
  sqlite3_bind_text(q, 1, ref, -1, SQLITE_STATIC);
  int step = sqlite3_step(q);
  if (step != SQLITE_ROW && step != SQLITE_DONE) {
    sqlite3_reset(q);
    return isms__fail_sql(db, "reading risks");
  }
  int rc = ISMS_OK;
  if (step == SQLITE_DONE) {
    sqlite3_reset(q);
    if (!want[0] || !want[1])
      return isms__fail(db, ISMS_INPUT, "risk %s: a new risk needs an asset and a threat", ref);
    /* INSERT with every given field; the rest take their defaults. A
    ** generation puts the same fields for every risk: reuse the statement. */
    uint32_t mask = 0;
    for (int k = 0; k < NFIELDS; k++)
      if (given[k]) mask |= 1u << k;
    if (!rb->insert || rb->insert_mask != mask) {
      char sql[1024] = "INSERT INTO risks(ref, created_batch", vals[256] = "?1, ?2";
      int bind = 2;
      for (int k = 0; k < NFIELDS; k++) {
        if (!given[k]) continue;
        strcat(sql, ", ");
        strcat(sql, risk_fields[k]);
        char ph[16];
        snprintf(ph, sizeof ph, ", ?%d", ++bind);
        strcat(vals, ph);
      }
      strcat(sql, ") VALUES(");
      strcat(sql, vals);
      strcat(sql, ")");
      sqlite3_finalize(rb->insert);
      rb->insert = NULL;
      if (sqlite3_prepare_v2(db->sql, sql, -1, &rb->insert, NULL) != SQLITE_OK)
        return isms__fail_sql(db, "writing risks");
      rb->insert_mask = mask;
    }
    sqlite3_stmt *ins = rb->insert;
    sqlite3_bind_text(ins, 1, ref, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 2, rb->batch);
    int bind = 2;
    for (int k = 0; k < NFIELDS; k++)
      if (given[k]) sqlite3_bind_text(ins, ++bind, want[k], -1, SQLITE_STATIC);
    int s = sqlite3_step(ins);
    sqlite3_reset(ins);
    if (s != SQLITE_DONE) {
      const char *why = sqlite3_errmsg(db->sql);
      if (strstr(why, "FOREIGN KEY"))
        return isms__fail(db, ISMS_INPUT, "risk %s: no asset '%s' in the register", ref, want[0]);
      return isms__fail(db, ISMS_INPUT, "risk %s: %s", ref, why);
    }
    rb->created++;
    return isms__log_change(db, rb->batch, "risk", ref, "create", NULL, NULL, NULL);
  }
  /* UPDATE the fields that change, logging each. */
  char *old[NFIELDS];
  for (int k = 0; k < NFIELDS; k++) {
    const unsigned char *t = sqlite3_column_text(q, k);
    old[k] = t ? strdup((const char *)t) : NULL;
  }
  sqlite3_reset(q);
  char sql[1024] = "UPDATE risks SET updated_batch = ?1";
  int changed = 0, bind = 2;
  for (int k = 0; k < NFIELDS; k++) {
    if (!given[k] || same(old[k], want[k])) continue;
    char set[64];
    snprintf(set, sizeof set, ", %s = ?%d", risk_fields[k], ++bind);
    strcat(sql, set);
    changed++;
  }
  strcat(sql, " WHERE ref = ?2");
  if (changed) {
    sqlite3_stmt *up;
    if (sqlite3_prepare_v2(db->sql, sql, -1, &up, NULL) != SQLITE_OK) {
      rc = isms__fail_sql(db, "writing risks");
    } else {
      sqlite3_bind_int64(up, 1, rb->batch);
      sqlite3_bind_text(up, 2, ref, -1, SQLITE_STATIC);
      bind = 2;
      for (int k = 0; k < NFIELDS; k++)
        if (given[k] && !same(old[k], want[k]))
          sqlite3_bind_text(up, ++bind, want[k], -1, SQLITE_STATIC);
      int s = sqlite3_step(up);
      sqlite3_finalize(up);
      if (s != SQLITE_DONE) {
        const char *why = sqlite3_errmsg(db->sql);
        rc = strstr(why, "FOREIGN KEY")
                 ? isms__fail(db, ISMS_INPUT, "risk %s: no asset '%s' in the register", ref,
                              want[0] ? want[0] : "")
                 : isms__fail(db, ISMS_INPUT, "risk %s: %s", ref, why);
      }
    }
    for (int k = 0; !rc && k < NFIELDS; k++)
      if (given[k] && !same(old[k], want[k]))
        rc = isms__log_change(db, rb->batch, "risk", ref, "update", risk_fields[k], old[k],
                              want[k]);
    if (!rc) rb->updated++;
  }
  for (int k = 0; k < NFIELDS; k++) free(old[k]);
  return rc;
}

ISMS_API int isms_risk_delete(isms_risk_batch *rb, const char *ref) {
  if (!rb || !ref) return ISMS_MISUSE;
  isms_db *db = rb->db;
  sqlite3_stmt *q = rb->select_one;
  sqlite3_bind_text(q, 1, ref, -1, SQLITE_STATIC);
  if (sqlite3_step(q) != SQLITE_ROW) {
    sqlite3_reset(q);
    return isms__fail(db, ISMS_NOTFOUND, "no risk '%s' in the register", ref);
  }
  /* A deleted risk logs every field it had, so it can be reconstructed. */
  int rc = ISMS_OK;
  char *old[NFIELDS];
  for (int k = 0; k < NFIELDS; k++) {
    const unsigned char *t = sqlite3_column_text(q, k);
    old[k] = t ? strdup((const char *)t) : NULL;
  }
  sqlite3_reset(q);
  for (int k = 0; !rc && k < NFIELDS; k++)
    if (old[k]) rc = isms__log_change(db, rb->batch, "risk", ref, "delete", risk_fields[k],
                                      old[k], NULL);
  for (int k = 0; k < NFIELDS; k++) free(old[k]);
  if (rc) return rc;
  sqlite3_stmt *del;
  if (sqlite3_prepare_v2(db->sql, "DELETE FROM risks WHERE ref = ?1", -1, &del, NULL) !=
      SQLITE_OK)
    return isms__fail_sql(db, "deleting risks");
  sqlite3_bind_text(del, 1, ref, -1, SQLITE_STATIC);
  int s = sqlite3_step(del);
  sqlite3_finalize(del);
  if (s != SQLITE_DONE) return isms__fail_sql(db, "deleting risks");
  rb->deleted++;
  return ISMS_OK;
}

ISMS_API int isms_risk_catalog_entry(isms_risk_batch *rb, const char *kind, const char *id,
                                     const char *cls, const char *title, const char *catalog) {
  if (!rb || !kind || !id || !title) return ISMS_MISUSE;
  const char *sql;
  if (strcmp(kind, "threat") == 0)
    sql = "INSERT INTO threats(id, class, title, catalog) VALUES(?1, ?2, ?3, ?4)"
          " ON CONFLICT(id) DO UPDATE SET class = ?2, title = ?3, catalog = ?4";
  else if (strcmp(kind, "vulnerability") == 0)
    sql = "INSERT INTO vulnerabilities(id, title, catalog) VALUES(?1, ?3, ?4)"
          " ON CONFLICT(id) DO UPDATE SET title = ?3, catalog = ?4";
  else
    return ISMS_MISUSE;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(rb->db->sql, sql, -1, &st, NULL) != SQLITE_OK)
    return isms__fail_sql(rb->db, "writing catalog entries");
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, cls, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, title, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, catalog, -1, SQLITE_STATIC);
  int s = sqlite3_step(st);
  sqlite3_finalize(st);
  return s == SQLITE_DONE ? ISMS_OK : isms__fail_sql(rb->db, "writing catalog entries");
}

ISMS_API int isms_risk_end(isms_risk_batch *rb, int commit, isms_import_report *rep) {
  if (!rb) return ISMS_MISUSE;
  isms_db *db = rb->db;
  int rc = ISMS_OK;
  sqlite3_finalize(rb->select_one);
  sqlite3_finalize(rb->insert);
  if (commit) {
    rc = isms__batch_close(db, rb->batch, rb->created, rb->updated, rb->deleted);
    if (!rc) rc = isms__commit(db);
  }
  if (!commit || rc) isms__rollback(db);
  if (rep && commit && !rc) {
    memset(rep, 0, sizeof *rep);
    rep->created = rb->created;
    rep->updated = rb->updated;
    rep->batch = rb->batch;
  }
  free(rb);
  return rc;
}
