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
** joined with their asset's class and type, or in columns (risk_read.c).
**
** Whole-register writes have bulk calls: a generation from catalog
** templates (isms_risk_generate) and a re-scoring from the columns
** (isms_risk_put_scores) each go through one prepared statement for all
** their rows, in the same transaction and change batch, logged the same.
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

/* Ratings past the fourth, r5..r255: packed one byte each in rx. */
#define NEXTRA (ISMS_MAX_RATINGS - ISMS_MAX_FACTORS)
#define RX_BIT (1u << NFIELDS) /* insert_mask: the INSERT writes rx */

/* The extra rating a field names (0 for r5), or -1. */
static int extra_index(const char *name) {
  if (name[0] != 'r' || name[1] < '1' || name[1] > '9') return -1;
  int k = 0;
  for (const char *p = name + 1; *p; p++) {
    if (*p < '0' || *p > '9' || k > ISMS_MAX_RATINGS) return -1;
    k = k * 10 + (*p - '0');
  }
  return k > ISMS_MAX_FACTORS && k <= ISMS_MAX_RATINGS ? k - ISMS_MAX_FACTORS - 1 : -1;
}

/* A tier position as text ("" or NULL: not rated, 0); -1 if not one. */
static int tier_text(const char *v) {
  if (!v || !*v) return 0;
  int k = 0;
  for (const char *p = v; *p; p++) {
    if (*p < '0' || *p > '9' || k > 255) return -1;
    k = k * 10 + (*p - '0');
  }
  return k >= 1 && k <= 255 ? k : -1;
}

/* Length of rx holding x (trailing zeros dropped). */
static int rx_len(const uint8_t *x) {
  int n = NEXTRA;
  while (n > 0 && !x[n - 1]) n--;
  return n;
}

static int log_extra(isms_db *db, int64_t batch, const char *ref, const char *action, int k,
                     int was, int now) {
  char field[8], a[8], b[8];
  snprintf(field, sizeof field, "r%d", k + ISMS_MAX_FACTORS + 1);
  snprintf(a, sizeof a, "%d", was);
  snprintf(b, sizeof b, "%d", now);
  return isms__log_change(db, batch, "risk", ref, action, field, was ? a : NULL,
                          now ? b : NULL);
}

struct isms_risk_batch {
  isms_db *db;
  int bulk;  /* switched to a rollback journal for this batch (db.c) */
  int64_t batch;
  int64_t created, updated, deleted;
  sqlite3_stmt *select_one;
  sqlite3_stmt *insert;  /* the last INSERT built, for the fields in insert_mask */
  uint32_t insert_mask;
};

static int risk_begin(isms_db *db, const char *command, const char *source, const char *reason,
                      int bulk, isms_risk_batch **out) {
  if (out) *out = NULL;
  if (!db || !out || !command) return ISMS_MISUSE;
  isms__clear_error(db);
  isms_risk_batch *rb = calloc(1, sizeof *rb);
  if (!rb) return isms__fail(db, ISMS_NOMEM, "out of memory");
  rb->db = db;
  rb->bulk = bulk && isms__bulk_journal(db);
  int rc = isms__begin(db);
  if (!rc) rc = isms__batch_open(db, command, source, reason, &rb->batch);
  if (!rc) {
    char sql[512] = "SELECT ";
    for (int k = 0; k < NFIELDS; k++) {
      strcat(sql, risk_fields[k]);
      strcat(sql, ", ");
    }
    strcat(sql, "rx FROM risks WHERE ref = ?1");
    if (sqlite3_prepare_v2(db->sql, sql, -1, &rb->select_one, NULL) != SQLITE_OK)
      rc = isms__fail_sql(db, "reading risks");
  }
  if (rc) {
    isms__rollback(db);
    sqlite3_finalize(rb->select_one);
    if (rb->bulk) isms__wal_journal(db);
    free(rb);
    return rc;
  }
  *out = rb;
  return ISMS_OK;
}

ISMS_API int isms_risk_begin(isms_db *db, const char *command, const char *source,
                             const char *reason, isms_risk_batch **out) {
  return risk_begin(db, command, source, reason, 0, out);
}

ISMS_API int isms_risk_begin_bulk(isms_db *db, const char *command, const char *source,
                                  const char *reason, isms_risk_batch **out) {
  return risk_begin(db, command, source, reason, 1, out);
}

static int same(const char *x, const char *y) {
  return x == y || (x && y && strcmp(x, y) == 0);
}

/* Empty text means "no value" (NULL), as in CSV files. */
static const char *norm(const char *v) { return v && *v ? v : NULL; }

/* ------------------------------------------------ the risk's other assets
** Field "assets": the assets a risk is linked to besides its own (a risk to
** a process over every asset that supports it), as links of the record
** kit (record_links: kind 'risk', rel 'assets'), each logged as the kit
** logs a link: entity "link", id "risk / REF / assets / ASSET". */

static int link_log(isms_db *db, int64_t batch, const char *ref, const char *rel,
                    const char *target, int create) {
  size_t len = strlen(ref) + strlen(target) + 32;
  char *id = malloc(len);
  if (!id) return isms__fail(db, ISMS_NOMEM, "out of memory");
  snprintf(id, len, "risk / %s / %s / %s", ref, rel, target);
  int rc;
  if (create) {
    rc = isms__log_change(db, batch, "link", id, "create", NULL, NULL, NULL);
  } else {
    rc = isms__log_change(db, batch, "link", id, "delete", "kind", "risk", NULL);
    if (!rc) rc = isms__log_change(db, batch, "link", id, "delete", "id", ref, NULL);
    if (!rc) rc = isms__log_change(db, batch, "link", id, "delete", "rel", rel, NULL);
    if (!rc) rc = isms__log_change(db, batch, "link", id, "delete", "target", target, NULL);
  }
  free(id);
  return rc;
}

static int is_sep(char c) { return c == ',' || c == ';' || c == ' ' || c == '\t'; }

/* Does the space-, comma- or semicolon-separated list hold id? */
static int list_has(const char *list, const char *id, size_t idn) {
  const char *p = list;
  while (p && *p) {
    while (*p && is_sep(*p)) p++;
    const char *e = p;
    while (*e && !is_sep(*e)) e++;
    if ((size_t)(e - p) == idn && strncmp(p, id, idn) == 0) return 1;
    p = e;
  }
  return 0;
}

/* Sets the risk's linked records of rel ("assets", or "threats": the
** threats a risk is linked to besides its own, of the threats table) to
** list (NULL or "": none); *changed gets whether any link came or went. */
static int set_links(isms_risk_batch *rb, const char *ref, const char *rel, const char *list,
                     int *changed) {
  isms_db *db = rb->db;
  *changed = 0;
  sqlite3_stmt *cur = NULL, *ins = NULL, *del = NULL, *asset = NULL;
  int rc = ISMS_OK;
  const int threats = strcmp(rel, "threats") == 0;
  const char *what = threats ? "threat" : "asset";
  char q1[160], q2[160], q3[160];
  snprintf(q1, sizeof q1, "SELECT target FROM record_links WHERE kind = 'risk' AND id = ?1"
           " AND rel = '%s' ORDER BY target", rel);
  snprintf(q2, sizeof q2, "INSERT OR IGNORE INTO record_links(kind, id, rel, target)"
           " VALUES('risk', ?1, '%s', ?2)", rel);
  snprintf(q3, sizeof q3, "DELETE FROM record_links WHERE kind = 'risk' AND id = ?1"
           " AND rel = '%s' AND target = ?2", rel);
  if (sqlite3_prepare_v2(db->sql, q1, -1, &cur, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db->sql, q2, -1, &ins, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db->sql, q3, -1, &del, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db->sql, threats ? "SELECT 1 FROM threats WHERE id = ?1"
                                          : "SELECT 1 FROM assets WHERE id = ?1",
                         -1, &asset, NULL) != SQLITE_OK) {
    rc = isms__fail_sql(db, "writing risk links");
    goto done;
  }
  /* every asset named must exist before anything changes */
  for (const char *p = list; !rc && p && *p;) {
    while (*p && is_sep(*p)) p++;
    const char *e = p;
    while (*e && !is_sep(*e)) e++;
    size_t idn = (size_t)(e - p);
    if (idn) {
      sqlite3_bind_text(asset, 1, p, (int)idn, SQLITE_STATIC);
      int found = sqlite3_step(asset) == SQLITE_ROW;
      sqlite3_reset(asset);
      if (!found)
        rc = isms__fail(db, ISMS_INPUT, "risk %s: %s: no %s '%.*s' in the register", ref, rel,
                        what, (int)idn, p);
    }
    p = e;
  }
  if (rc) goto done;
  /* the links that go */
  sqlite3_bind_text(cur, 1, ref, -1, SQLITE_STATIC);
  char *had = NULL;
  size_t hadn = 0;
  while (!rc && sqlite3_step(cur) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(cur, 0);
    size_t tn = (size_t)sqlite3_column_bytes(cur, 0);
    char *grown = realloc(had, hadn + tn + 2);
    if (!grown) {
      rc = isms__fail(db, ISMS_NOMEM, "out of memory");
      break;
    }
    had = grown;
    memcpy(had + hadn, t, tn);
    had[hadn + tn] = ' ';
    had[hadn + tn + 1] = 0;
    hadn += tn + 1;
    if (!list_has(list, t, tn)) {
      sqlite3_bind_text(del, 1, ref, -1, SQLITE_STATIC);
      sqlite3_bind_text(del, 2, t, (int)tn, SQLITE_STATIC);
      int s = sqlite3_step(del);
      sqlite3_reset(del);
      if (s != SQLITE_DONE) rc = isms__fail_sql(db, "writing risk links");
      if (!rc) rc = link_log(db, rb->batch, ref, rel, t, 0);
      *changed = 1;
    }
  }
  /* the links that come */
  const char *p = list;
  while (!rc && p && *p) {
    while (*p && is_sep(*p)) p++;
    const char *e = p;
    while (*e && !is_sep(*e)) e++;
    size_t idn = (size_t)(e - p);
    if (idn && !list_has(had, p, idn)) {
      char id[256];
      if (idn >= sizeof id) {
        rc = isms__fail(db, ISMS_INPUT, "risk %s: %s: an id of %zu bytes", ref, rel, idn);
        break;
      }
      memcpy(id, p, idn);
      id[idn] = 0;
      sqlite3_bind_text(ins, 1, ref, -1, SQLITE_STATIC);
      sqlite3_bind_text(ins, 2, id, -1, SQLITE_STATIC);
      int s = sqlite3_step(ins);
      int made = sqlite3_changes(db->sql) == 1;
      sqlite3_reset(ins);
      if (s != SQLITE_DONE) rc = isms__fail_sql(db, "writing risk links");
      else if (made) {
        rc = link_log(db, rb->batch, ref, rel, id, 1);
        *changed = 1;
      }
    }
    p = e;
  }
  free(had);
done:
  sqlite3_finalize(cur);
  sqlite3_finalize(ins);
  sqlite3_finalize(del);
  sqlite3_finalize(asset);
  return rc;
}

ISMS_API int isms_risk_put(isms_risk_batch *rb, const char *ref, int n, const char *const *names,
                           const char *const *values) {
  if (!rb || !ref || !*ref || n < 0 || (n && (!names || !values))) return ISMS_MISUSE;
  isms_db *db = rb->db;
  const char *want[NFIELDS];
  int given[NFIELDS] = {0};
  uint8_t xwant[NEXTRA], xgiven[NEXTRA];
  int any_extra = 0;
  const char *links = NULL, *tlinks = NULL;
  int links_given = 0, tlinks_given = 0;
  memset(xgiven, 0, sizeof xgiven);
  for (int k = 0; k < NFIELDS; k++) want[k] = NULL;
  for (int k = 0; k < n; k++) {
    int f = field_index(names[k]);
    if (f < 0 && names[k] && strcmp(names[k], "assets") == 0) {
      links = values[k];
      links_given = 1;
      continue;
    }
    if (f < 0 && names[k] && strcmp(names[k], "threats") == 0) {
      tlinks = values[k];
      tlinks_given = 1;
      continue;
    }
    if (f < 0) {
      int x = names[k] ? extra_index(names[k]) : -1;
      if (x < 0) return isms__fail(db, ISMS_INPUT, "risk %s: unknown field '%s'", ref, names[k]);
      int tier = tier_text(values[k]);
      if (tier < 0)
        return isms__fail(db, ISMS_INPUT, "risk %s: %s: expected a tier position 1..255, got '%s'",
                          ref, names[k], values[k]);
      xwant[x] = (uint8_t)tier;
      xgiven[x] = 1;
      any_extra = 1;
      continue;
    }
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
    uint8_t rx[NEXTRA];
    memset(rx, 0, sizeof rx);
    for (int x = 0; x < NEXTRA; x++)
      if (xgiven[x]) rx[x] = xwant[x];
    int nrx = any_extra ? rx_len(rx) : 0;
    if (nrx) mask |= RX_BIT;
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
      if (mask & RX_BIT) {
        char ph[16];
        snprintf(ph, sizeof ph, ", ?%d", ++bind);
        strcat(sql, ", rx");
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
    if (mask & RX_BIT) sqlite3_bind_blob(ins, ++bind, rx, nrx, SQLITE_TRANSIENT);
    int s = sqlite3_step(ins);
    sqlite3_reset(ins);
    if (s != SQLITE_DONE) {
      const char *why = sqlite3_errmsg(db->sql);
      if (strstr(why, "FOREIGN KEY"))
        return isms__fail(db, ISMS_INPUT, "risk %s: no asset '%s' in the register", ref, want[0]);
      return isms__fail(db, ISMS_INPUT, "risk %s: %s", ref, why);
    }
    rb->created++;
    int lrc = isms__log_change(db, rb->batch, "risk", ref, "create", NULL, NULL, NULL);
    int moved;
    if (!lrc && links_given) lrc = set_links(rb, ref, "assets", links, &moved);
    if (!lrc && tlinks_given) lrc = set_links(rb, ref, "threats", tlinks, &moved);
    return lrc;
  }
  /* UPDATE the fields that change, logging each. */
  char *old[NFIELDS];
  for (int k = 0; k < NFIELDS; k++) {
    const unsigned char *t = sqlite3_column_text(q, k);
    old[k] = t ? strdup((const char *)t) : NULL;
  }
  uint8_t xold[NEXTRA], xnew[NEXTRA];
  memset(xold, 0, sizeof xold);
  {
    const uint8_t *b = sqlite3_column_blob(q, NFIELDS);
    int nb = b ? sqlite3_column_bytes(q, NFIELDS) : 0;
    memcpy(xold, b ? b : xold, (size_t)(nb < NEXTRA ? nb : NEXTRA));
  }
  sqlite3_reset(q);
  memcpy(xnew, xold, sizeof xnew);
  for (int x = 0; x < NEXTRA; x++)
    if (xgiven[x]) xnew[x] = xwant[x];
  int rx_moves = memcmp(xnew, xold, sizeof xnew) != 0;
  char sql[1024] = "UPDATE risks SET updated_batch = ?1";
  int changed = 0, bind = 2;
  for (int k = 0; k < NFIELDS; k++) {
    if (!given[k] || same(old[k], want[k])) continue;
    char set[64];
    snprintf(set, sizeof set, ", %s = ?%d", risk_fields[k], ++bind);
    strcat(sql, set);
    changed++;
  }
  int rx_bind = 0;
  if (rx_moves) {
    char set[64];
    snprintf(set, sizeof set, ", rx = ?%d", rx_bind = ++bind);
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
      if (rx_bind) {
        int nrx = rx_len(xnew);
        if (nrx) sqlite3_bind_blob(up, rx_bind, xnew, nrx, SQLITE_TRANSIENT);
        else sqlite3_bind_null(up, rx_bind);
      }
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
    for (int k = 0; !rc && k < NFIELDS; k++) {
      if (given[k] && !same(old[k], want[k]))
        rc = isms__log_change(db, rb->batch, "risk", ref, "update", risk_fields[k], old[k],
                              want[k]);
      /* the further ratings where r1..r4 are, before the score */
      if (k == field_index("r4"))
        for (int x = 0; !rc && x < NEXTRA; x++)
          if (xnew[x] != xold[x]) rc = log_extra(db, rb->batch, ref, "update", x, xold[x], xnew[x]);
    }
  }
  int links_moved = 0;
  if (!rc && links_given) rc = set_links(rb, ref, "assets", links, &links_moved);
  int tmoved = 0;
  if (!rc && tlinks_given) rc = set_links(rb, ref, "threats", tlinks, &tmoved);
  if (!rc && (changed || links_moved || tmoved)) rb->updated++;
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
  uint8_t xold[NEXTRA];
  memset(xold, 0, sizeof xold);
  {
    const uint8_t *b = sqlite3_column_blob(q, NFIELDS);
    int nb = b ? sqlite3_column_bytes(q, NFIELDS) : 0;
    memcpy(xold, b ? b : xold, (size_t)(nb < NEXTRA ? nb : NEXTRA));
  }
  sqlite3_reset(q);
  for (int k = 0; !rc && k < NFIELDS; k++) {
    if (old[k]) rc = isms__log_change(db, rb->batch, "risk", ref, "delete", risk_fields[k],
                                      old[k], NULL);
    if (k == field_index("r4"))
      for (int x = 0; !rc && x < NEXTRA; x++)
        if (xold[x]) rc = log_extra(db, rb->batch, ref, "delete", x, xold[x], 0);
  }
  for (int k = 0; k < NFIELDS; k++) free(old[k]);
  if (rc) return rc;
  int moved;
  rc = set_links(rb, ref, "assets", NULL, &moved);  /* its links go with it */
  if (!rc) rc = set_links(rb, ref, "threats", NULL, &moved);
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
                                     const char *cls, const char *title, const char *catalog,
                                     const char *affects, const char *ratings) {
  if (!rb || !kind || !id || !title) return ISMS_MISUSE;
  const char *sql;
  if (strcmp(kind, "threat") == 0)
    sql = "INSERT INTO threats(id, class, title, catalog, affects, ratings)"
          " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET class = ?2,"
          " title = ?3, catalog = ?4, affects = ?5, ratings = ?6";
  else if (strcmp(kind, "vulnerability") == 0)
    sql = "INSERT INTO vulnerabilities(id, title, catalog, ratings) VALUES(?1, ?3, ?4, ?6)"
          " ON CONFLICT(id) DO UPDATE SET title = ?3, catalog = ?4, ratings = ?6";
  else
    return ISMS_MISUSE;
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(rb->db->sql, sql, -1, &st, NULL) != SQLITE_OK)
    return isms__fail_sql(rb->db, "writing catalog entries");
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, cls, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, title, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, catalog, -1, SQLITE_STATIC);
  if (strcmp(kind, "threat") == 0) sqlite3_bind_text(st, 5, norm(affects), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 6, norm(ratings), -1, SQLITE_STATIC);
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
  if (rb->bulk) isms__wal_journal(db);
  if (rep && commit && !rc) {
    memset(rep, 0, sizeof *rep);
    rep->created = rb->created;
    rep->updated = rb->updated;
    rep->batch = rb->batch;
  }
  free(rb);
  return rc;
}

/* ================================================================ bulk */

/* Every value a bulk write stores is made here (log actions, flags) or was
** checked once up front (categories), so the schema's CHECKs need not run
** per row -- and an IN list in a CHECK builds a temporary b-tree at every
** execution, which costs as much as the insert it guards. The pragma
** expires prepared statements, so they are recompiled without (and with)
** the checks. */
static void checks_off(isms_db *db) {
  sqlite3_exec(db->sql, "PRAGMA ignore_check_constraints = ON", NULL, NULL, NULL);
}

static void checks_on(isms_db *db) {
  sqlite3_exec(db->sql, "PRAGMA ignore_check_constraints = OFF", NULL, NULL, NULL);
}

/* A row the schema (or a trigger) refused is the caller's input; anything
** else is the storage failing. */
static int write_failed(isms_db *db, const char *ref) {
  int ec = sqlite3_errcode(db->sql) & 0xff;
  int code = ec == SQLITE_CONSTRAINT ? ISMS_INPUT : ec == SQLITE_NOMEM ? ISMS_NOMEM : ISMS_STORAGE;
  return isms__fail(db, code, "risk %s: %s", ref, sqlite3_errmsg(db->sql));
}

static const char *const categories[] = {"management", "operational", "reputation",
                                         "governance", "project"};

static int known_category(const char *s) {
  for (int k = 0; k < 5; k++)
    if (strcmp(s, categories[k]) == 0) return 1;
  return 0;
}

static int generate(isms_risk_batch *rb, size_t n, const isms_risk_template *tpl,
                    int64_t *created);

/* Generation: one INSERT ... ON CONFLICT DO NOTHING, prepared once, per
** asset and template; a row it really inserted is a created risk. The
** fields left out (score, level, ...) take their defaults, as a put of
** an unrated new risk leaves them. */
ISMS_API int isms_risk_generate(isms_risk_batch *rb, size_t n, const isms_risk_template *tpl,
                                int64_t *created) {
  if (created) *created = 0;
  if (!rb || (n && !tpl)) return ISMS_MISUSE;
  for (size_t k = 0; k < n; k++)
    if (!tpl[k].threat || !*tpl[k].threat || !tpl[k].title) return ISMS_MISUSE;
  isms_db *db = rb->db;
  /* The schema's CHECK on category, checked here once per template. */
  for (size_t k = 0; k < n; k++)
    if (norm(tpl[k].category) && !known_category(tpl[k].category))
      return isms__fail(db, ISMS_INPUT, "threat %s: unknown category '%s'", tpl[k].threat,
                        tpl[k].category);
  checks_off(db);
  int rc = generate(rb, n, tpl, created);
  checks_on(db);
  return rc;
}

static int generate(isms_risk_batch *rb, size_t n, const isms_risk_template *tpl,
                    int64_t *created) {
  isms_db *db = rb->db;
  sqlite3_stmt *assets = NULL, *ins = NULL;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT a.id, a.type, p.name FROM assets a"
                         " LEFT JOIN parties p ON p.id = a.owner ORDER BY a.id",
                         -1, &assets, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db->sql,
                         "INSERT INTO risks(ref, created_batch, asset, threat, vulnerability,"
                         " title, category, impacts, owners) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                         " ?8, ?9) ON CONFLICT(ref) DO NOTHING",
                         -1, &ins, NULL) != SQLITE_OK) {
    int rc = isms__fail_sql(db, "writing risks");
    sqlite3_finalize(assets);
    return rc;
  }
  sqlite3_bind_int64(ins, 2, rb->batch);
  int rc = ISMS_OK, s;
  int64_t made = 0;
  char *ref = NULL;
  size_t refcap = 0;
  while (!rc && (s = sqlite3_step(assets)) == SQLITE_ROW) {
    const char *id = (const char *)sqlite3_column_text(assets, 0);
    size_t idn = (size_t)sqlite3_column_bytes(assets, 0);
    int type = sqlite3_column_int(assets, 1);
    uint32_t bit = type >= 1 && type <= 32 ? (uint32_t)1 << (type - 1) : 0;
    sqlite3_bind_text(ins, 3, id, (int)idn, SQLITE_STATIC);
    sqlite3_bind_text(ins, 9, (const char *)sqlite3_column_text(assets, 2), -1,
                      SQLITE_STATIC);
    for (size_t k = 0; k < n && !rc; k++) {
      const isms_risk_template *p = &tpl[k];
      if (!(p->types & bit)) continue;
      size_t tn = strlen(p->threat), vn = p->vulnerability ? strlen(p->vulnerability) : 0;
      size_t need = idn + 1 + tn + (p->vulnerability ? 1 + vn : 0) + 1;
      if (need > refcap) {
        char *grown = realloc(ref, need * 2);
        if (!grown) {
          rc = isms__fail(db, ISMS_NOMEM, "out of memory");
          break;
        }
        ref = grown;
        refcap = need * 2;
      }
      /* ASSET/THREAT[/VULNERABILITY], as risk_register.lua names them */
      char *w = ref;
      memcpy(w, id, idn);
      w += idn;
      *w++ = '/';
      memcpy(w, p->threat, tn);
      w += tn;
      if (p->vulnerability) {
        *w++ = '/';
        memcpy(w, p->vulnerability, vn);
        w += vn;
      }
      *w = 0;
      sqlite3_bind_text(ins, 1, ref, (int)(w - ref), SQLITE_STATIC);
      sqlite3_bind_text(ins, 4, p->threat, -1, SQLITE_STATIC);
      sqlite3_bind_text(ins, 5, norm(p->vulnerability), -1, SQLITE_STATIC);
      sqlite3_bind_text(ins, 6, norm(p->title), -1, SQLITE_STATIC);
      sqlite3_bind_text(ins, 7, norm(p->category), -1, SQLITE_STATIC);
      sqlite3_bind_text(ins, 8, norm(p->impacts), -1, SQLITE_STATIC);
      int st = sqlite3_step(ins);
      sqlite3_reset(ins);
      if (st != SQLITE_DONE) {
        rc = write_failed(db, ref);
        break;
      }
      if (sqlite3_changes(db->sql) == 1) {
        rc = isms__log_change(db, rb->batch, "risk", ref, "create", NULL, NULL, NULL);
        made++;
      }
    }
  }
  if (!rc && s != SQLITE_DONE) rc = isms__fail_sql(db, "reading assets");
  sqlite3_finalize(assets);
  sqlite3_finalize(ins);
  free(ref);
  if (!rc) {
    rb->created += made;
    if (created) *created = made;
  }
  return rc;
}

static void text_int(char *buf, size_t size, int64_t v) {
  snprintf(buf, size, "%lld", (long long)v);
}

static int put_scores(isms_risk_batch *rb, const isms_risk_table *t, const int64_t *score,
                      const int16_t *rank, const uint8_t *acceptable,
                      const char *const *level_names, int64_t *written);

/* Re-scoring: compares each row's new score, level and acceptance with
** what the table holds (as a put of those four fields would), writes the
** rows that moved through one prepared UPDATE and logs each moved field. */
ISMS_API int isms_risk_put_scores(isms_risk_batch *rb, const isms_risk_table *t,
                                  const int64_t *score, const int16_t *rank,
                                  const uint8_t *acceptable, int nlevels,
                                  const char *const *level_names, int64_t *written) {
  if (written) *written = 0;
  if (!rb || !t || (t->n && (!score || !rank || !acceptable)) || nlevels < 0 ||
      (nlevels && !level_names))
    return ISMS_MISUSE;
  for (size_t i = 0; i < t->n; i++)
    if (rank[i] < 0 || rank[i] > nlevels) return ISMS_MISUSE;
  checks_off(rb->db);
  int rc = put_scores(rb, t, score, rank, acceptable, level_names, written);
  checks_on(rb->db);
  return rc;
}

static int put_scores(isms_risk_batch *rb, const isms_risk_table *t, const int64_t *score,
                      const int16_t *rank, const uint8_t *acceptable,
                      const char *const *level_names, int64_t *written) {
  isms_db *db = rb->db;
  sqlite3_stmt *up;
  if (sqlite3_prepare_v2(db->sql,
                         "UPDATE risks SET score = ?3, level = ?4, level_rank = ?5,"
                         " acceptable = ?6, updated_batch = ?1 WHERE ref = ?2",
                         -1, &up, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "writing risks");
  sqlite3_bind_int64(up, 1, rb->batch);
  int rc = ISMS_OK;
  int64_t n = 0;
  for (size_t i = 0; i < t->n && !rc; i++) {
    int r = rank[i];
    int had_score = (t->flags[i] & ISMS_RISK_SCORED) != 0;
    const char *old_level = t->level[i] >= 0 ? t->level_names[t->level[i]] : NULL;
    const char *new_level = r > 0 ? level_names[r - 1] : NULL;
    int old_acc = t->acceptable[i], new_acc = r > 0 ? acceptable[i] != 0 : -1;
    int score_moves = r > 0 ? !had_score || t->score[i] != score[i] : had_score;
    int level_moves = !same(old_level, new_level);
    if (!score_moves && !level_moves && !(r > 0 && old_acc != new_acc)) continue;
    const char *ref = t->text + t->ref[i];
    sqlite3_bind_text(up, 2, ref, -1, SQLITE_STATIC);
    if (r > 0) {
      sqlite3_bind_int64(up, 3, score[i]);
      sqlite3_bind_text(up, 4, new_level, -1, SQLITE_STATIC);
      sqlite3_bind_int(up, 5, r);
      sqlite3_bind_int(up, 6, new_acc);
    } else {
      for (int b = 3; b <= 6; b++) sqlite3_bind_null(up, b);
    }
    int s = sqlite3_step(up);
    sqlite3_reset(up);
    if (s != SQLITE_DONE) {
      rc = write_failed(db, ref);
      break;
    }
    /* The log, field by field in table order, as isms_risk_put writes it. */
    char was[32], now[32];
    if (score_moves) {
      text_int(was, sizeof was, t->score[i]);
      text_int(now, sizeof now, score[i]);
      rc = isms__log_change(db, rb->batch, "risk", ref, "update", "score",
                            had_score ? was : NULL, r > 0 ? now : NULL);
    }
    if (!rc && level_moves)
      rc = isms__log_change(db, rb->batch, "risk", ref, "update", "level", old_level,
                            new_level);
    int old_rank = t->level_rank[i];
    if (!rc && old_rank != r) {
      text_int(was, sizeof was, old_rank);
      text_int(now, sizeof now, r);
      rc = isms__log_change(db, rb->batch, "risk", ref, "update", "level_rank",
                            old_rank ? was : NULL, r ? now : NULL);
    }
    if (!rc && old_acc != new_acc) {
      text_int(was, sizeof was, old_acc);
      text_int(now, sizeof now, new_acc);
      rc = isms__log_change(db, rb->batch, "risk", ref, "update", "acceptable",
                            old_acc >= 0 ? was : NULL, new_acc >= 0 ? now : NULL);
    }
    n++;
  }
  sqlite3_finalize(up);
  if (!rc) {
    rb->updated += n;
    if (written) *written = n;
  }
  return rc;
}
