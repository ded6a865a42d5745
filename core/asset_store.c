/*
** asset_store.c -- writing imported asset batches to the register.
**
** The whole import is one transaction. Into an empty register, rows go in
** with multi-row INSERTs (one statement step per MULTI_ROWS rows, which
** halves the per-row cost of the VDBE); otherwise each row is looked up by
** id and either inserted or compared field by field, and every changed
** field is written to the change log with its old and new value.
**
** Owners, custodians and locations are stored once (parties, locations)
** and referenced; the name -> id maps are kept in memory for the import.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asset_batch.h"

#define MULTI_ROWS 64
#define NPARAM 17  /* parameters per row, numbered as below */

/* Parameter numbers of one row, shared by the INSERT and the UPDATE. */
enum {
  P_ID = 1, P_NAME, P_TYPE, P_OWNER, P_CUSTODIAN, P_LOCATION, P_OUTSOURCED, P_CONTRACT,
  P_GROUP, P_UNITS, P_C, P_I, P_A, P_VALUE, P_CLASS, P_NOTES, P_BATCH
};

static const char insert_head[] =
    "INSERT INTO assets(id, name, type, owner, custodian, location, outsourced, contract, "
    "is_group, units, c, i, a, value, class, notes, created_batch) VALUES";
static const char insert_row[] = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

struct asset_store {
  isms_db *db;
  isms_method *m;
  int64_t batch;
  unsigned char present[ACOL_COUNT];
  int fresh;                      /* the register had no assets */
  int bulk_journal;               /* switched from WAL for this import */
  isms__strmap *parties, *locations;
  sqlite3_stmt *ins_multi, *ins_one, *party_ins, *location_ins, *select_one, *update;
  isms__feed *feed;               /* fresh: the rows' values go to the hash chain too */
  int64_t created, updated, unchanged;
  int classes_moved;              /* an asset's class may have changed (or one was added) */
};

/* ========================================================== set-up */

static int prepare(asset_store *st, const char *sql, sqlite3_stmt **out) {
  if (sqlite3_prepare_v3(st->db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) !=
      SQLITE_OK)
    return isms__fail_sql(st->db, "preparing import");
  return ISMS_OK;
}

static int load_names(asset_store *st, const char *sql, isms__strmap *map) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(st->db->sql, sql, -1, &q, NULL) != SQLITE_OK)
    return isms__fail_sql(st->db, "reading names");
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(q, 1);
    int len = sqlite3_column_bytes(q, 1);
    if (isms__strmap_put(map, name, (size_t)len, sqlite3_column_int64(q, 0))) {
      sqlite3_finalize(q);
      return isms__fail(st->db, ISMS_NOMEM, "out of memory");
    }
  }
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? ISMS_OK : isms__fail_sql(st->db, "reading names");
}

static char *build_insert(int rows) {
  size_t n = sizeof insert_head + (size_t)rows * sizeof insert_row + 8;
  char *sql = malloc(n);
  if (!sql) return NULL;
  char *p = sql + sprintf(sql, "%s", insert_head);
  for (int r = 0; r < rows; r++) p += sprintf(p, "%s%s", r ? "," : "", insert_row);
  return sql;
}

/* UPDATE of the columns the file has; parameters keep their row numbers. */
static void build_update(const unsigned char *present, char *sql, size_t size) {
  static const struct {
    int col;
    const char *set;
  } sets[] = {{ACOL_NAME, "name = ?2"},         {ACOL_TYPE, "type = ?3"},
              {ACOL_OWNER, "owner = ?4"},       {ACOL_CUSTODIAN, "custodian = ?5"},
              {ACOL_LOCATION, "location = ?6"}, {ACOL_OUTSOURCED, "outsourced = ?7"},
              {ACOL_CONTRACT, "contract = ?8"}, {ACOL_GROUP, "is_group = ?9"},
              {ACOL_UNITS, "units = ?10"},      {ACOL_C, "c = ?11, value = ?14, class = ?15"},
              {ACOL_I, "i = ?12"},              {ACOL_A, "a = ?13"},
              {ACOL_NOTES, "notes = ?16"}};
  size_t used = (size_t)snprintf(sql, size, "UPDATE assets SET updated_batch = ?17");
  for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++)
    if (present[sets[k].col])
      used += (size_t)snprintf(sql + used, size - used, ", %s", sets[k].set);
  snprintf(sql + used, size - used, " WHERE id = ?1");
}

int isms__store_open(isms_db *db, isms_method *m, const char *source, const char *reason,
                     const unsigned char present[ACOL_COUNT], asset_store **out) {
  *out = NULL;
  asset_store *st = calloc(1, sizeof *st);
  if (!st) return isms__fail(db, ISMS_NOMEM, "out of memory");
  st->db = db;
  st->m = m;
  memcpy(st->present, present, ACOL_COUNT);
  st->parties = isms__strmap_new();
  st->locations = isms__strmap_new();
  if (!st->parties || !st->locations) {
    isms__strmap_free(st->parties);
    isms__strmap_free(st->locations);
    free(st);
    return isms__fail(db, ISMS_NOMEM, "out of memory");
  }
  *out = st;
  st->bulk_journal = isms__bulk_journal(db);
  /* Every party and location id this store writes comes from its own maps,
  ** loaded from or inserted into those tables in this transaction, so the
  ** references hold by construction; checking each row again costs a b-tree
  ** search per reference. (The pragma only takes effect outside a transaction.)
  ** Likewise the CHECK constraints on type, flags and units repeat what the
  ** parser validated for every row before it reached this store. */
  isms__exec(db, "PRAGMA foreign_keys = OFF; PRAGMA ignore_check_constraints = ON");
  int rc = isms__begin(db);
  if (rc) return rc;
  if ((rc = isms__batch_open(db, "import assets", source, reason, &st->batch))) return rc;
  if ((rc = load_names(st, "SELECT id, name FROM parties", st->parties)) ||
      (rc = load_names(st, "SELECT id, name FROM locations", st->locations)))
    return rc;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql, "SELECT NOT EXISTS(SELECT 1 FROM assets)", -1, &q, NULL) !=
      SQLITE_OK)
    return isms__fail_sql(db, "reading register");
  st->fresh = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
  sqlite3_finalize(q);
  if (st->fresh) {
    /* The columns of insert_head, in order (P_ID .. P_BATCH). */
    static const char *const cols[NPARAM] = {
        "id", "name", "type", "owner", "custodian", "location", "outsourced", "contract",
        "is_group", "units", "c", "i", "a", "value", "class", "notes", "created_batch"};
    if ((rc = isms__chain_feed(db, "assets", cols, NPARAM, 0, &st->feed))) return rc;
  }

  char *multi = build_insert(MULTI_ROWS), *one = build_insert(1);
  if (!multi || !one) {
    free(multi);
    free(one);
    return isms__fail(db, ISMS_NOMEM, "out of memory");
  }
  char update[512];
  build_update(present, update, sizeof update);
  rc = prepare(st, multi, &st->ins_multi);
  if (!rc) rc = prepare(st, one, &st->ins_one);
  free(multi);
  free(one);
  if (!rc) rc = prepare(st, "INSERT INTO parties(name) VALUES(?)", &st->party_ins);
  if (!rc) rc = prepare(st, "INSERT INTO locations(name) VALUES(?)", &st->location_ins);
  if (!rc)
    rc = prepare(st,
                 "SELECT name, type, owner, custodian, location, outsourced, contract, "
                 "is_group, units, c, i, a, value, class, notes FROM asset_view WHERE id = ?",
                 &st->select_one);
  if (!rc) rc = prepare(st, update, &st->update);
  return rc;
}

/* ========================================================== writing */

/* The id of a party or location name, adding it on first use. */
static int name_id(asset_store *st, isms__strmap *map, sqlite3_stmt *ins, const char *s,
                   size_t n, int64_t *id) {
  if (isms__strmap_get(map, s, n, id)) return ISMS_OK;
  sqlite3_bind_text(ins, 1, s, (int)n, SQLITE_STATIC);
  int rc = sqlite3_step(ins);
  sqlite3_reset(ins);
  if (rc != SQLITE_DONE) return isms__fail_sql(st->db, "storing a name");
  *id = sqlite3_last_insert_rowid(st->db->sql);
  return isms__strmap_put(map, s, n, *id) ? isms__fail(st->db, ISMS_NOMEM, "out of memory")
                                          : ISMS_OK;
}

/* A value as bound, for the hash chain's feed, into its slot (v: NULL
** when not wanted). */
static void val_int(isms__val *v, int64_t x) {
  if (v) *v = (isms__val){SQLITE_INTEGER, x, 0, NULL, 0};
}

static void val_text(isms__val *v, const char *s, size_t n) {
  if (v) *v = (isms__val){SQLITE_TEXT, 0, 0, s, n};
}

static void val_null(isms__val *v) {
  if (v) *v = (isms__val){SQLITE_NULL, 0, 0, NULL, 0};
}

#define SLOT(P) (v ? &v[(P) - 1] : NULL)

static void bind_text_or_null(sqlite3_stmt *q, int p, const asset_batch *b, size_t r,
                              int col, isms__val *v) {
  const asset_span *sp = &b->text[r][col];
  if (sp->len) {
    sqlite3_bind_text(q, p, b->arena + sp->off, (int)sp->len, SQLITE_STATIC);
    val_text(v, b->arena + sp->off, sp->len);
  } else {
    sqlite3_bind_null(q, p);
    val_null(v);
  }
}

static int bind_name(asset_store *st, sqlite3_stmt *q, int p, const asset_batch *b, size_t r,
                     int col, isms__strmap *map, sqlite3_stmt *ins, isms__val *v) {
  const asset_span *sp = &b->text[r][col];
  if (!sp->len) {
    val_null(v);
    return sqlite3_bind_null(q, p), ISMS_OK;
  }
  int64_t id;
  int rc = name_id(st, map, ins, b->arena + sp->off, sp->len, &id);
  if (!rc) sqlite3_bind_int64(q, p, id);
  val_int(v, id);
  return rc;
}

static void bind_level(sqlite3_stmt *q, int p, int8_t x, isms__val *v) {
  if (x > 0) {
    sqlite3_bind_int(q, p, x);
    val_int(v, x);
  } else {
    sqlite3_bind_null(q, p);
    val_null(v);
  }
}

static void bind_int(sqlite3_stmt *q, int p, int64_t x, isms__val *v) {
  sqlite3_bind_int64(q, p, x);
  val_int(v, x);
}

/* Binds row r of b at parameter offset base (0 for the first row); v, if
** not NULL, gets the values bound (NPARAM of them, by parameter). */
static int bind_row(asset_store *st, sqlite3_stmt *q, int base, const asset_batch *b,
                    size_t r, isms__val *v) {
  int rc;
  size_t idn = b->text[r][ACOL_ID].len, namen = b->text[r][ACOL_NAME].len;
  sqlite3_bind_text(q, base + P_ID, asset_text(b, r, ACOL_ID), (int)idn, SQLITE_STATIC);
  val_text(SLOT(P_ID), asset_text(b, r, ACOL_ID), idn);
  sqlite3_bind_text(q, base + P_NAME, asset_text(b, r, ACOL_NAME), (int)namen, SQLITE_STATIC);
  val_text(SLOT(P_NAME), asset_text(b, r, ACOL_NAME), namen);
  bind_int(q, base + P_TYPE, b->type[r], SLOT(P_TYPE));
  if ((rc = bind_name(st, q, base + P_OWNER, b, r, ACOL_OWNER, st->parties, st->party_ins, SLOT(P_OWNER))) ||
      (rc = bind_name(st, q, base + P_CUSTODIAN, b, r, ACOL_CUSTODIAN, st->parties,
                      st->party_ins, SLOT(P_CUSTODIAN))) ||
      (rc = bind_name(st, q, base + P_LOCATION, b, r, ACOL_LOCATION, st->locations,
                      st->location_ins, SLOT(P_LOCATION))))
    return rc;
  bind_int(q, base + P_OUTSOURCED, b->outsourced[r], SLOT(P_OUTSOURCED));
  bind_text_or_null(q, base + P_CONTRACT, b, r, ACOL_CONTRACT, SLOT(P_CONTRACT));
  bind_int(q, base + P_GROUP, b->group[r], SLOT(P_GROUP));
  bind_int(q, base + P_UNITS, b->units[r], SLOT(P_UNITS));
  bind_level(q, base + P_C, b->c[r], SLOT(P_C));
  bind_level(q, base + P_I, b->i[r], SLOT(P_I));
  bind_level(q, base + P_A, b->a[r], SLOT(P_A));
  if (b->cls[r] >= 0) {
    const char *cls = isms_method_class_name(st->m, b->cls[r]);
    sqlite3_bind_double(q, base + P_VALUE, b->value[r]);
    sqlite3_bind_text(q, base + P_CLASS, cls, -1, SQLITE_STATIC);
    if (v) {
      *SLOT(P_VALUE) = (isms__val){SQLITE_FLOAT, 0, b->value[r], NULL, 0};
      val_text(SLOT(P_CLASS), cls, strlen(cls));
    }
  } else {
    sqlite3_bind_null(q, base + P_VALUE);
    sqlite3_bind_null(q, base + P_CLASS);
    val_null(SLOT(P_VALUE));
    val_null(SLOT(P_CLASS));
  }
  bind_text_or_null(q, base + P_NOTES, b, r, ACOL_NOTES, SLOT(P_NOTES));
  bind_int(q, base + P_BATCH, st->batch, SLOT(P_BATCH));
  return ISMS_OK;
}

/* Binds row r for the fresh INSERT and feeds its values to the chain. */
static int bind_fed(asset_store *st, sqlite3_stmt *q, int base, const asset_batch *b,
                    size_t r) {
  isms__val v[NPARAM];
  int rc = bind_row(st, q, base, b, r, st->feed ? v : NULL);
  if (!rc && st->feed) rc = isms__chain_feed_row(st->db, st->feed, v);
  return rc;
}

static int step_done(asset_store *st, sqlite3_stmt *q, const asset_batch *b, size_t r) {
  int rc = sqlite3_step(q);
  sqlite3_reset(q);
  if (rc == SQLITE_DONE) return ISMS_OK;
  return isms__fail(st->db, ISMS_STORAGE, "line %lld: storing asset '%s': %s",
                    (long long)b->line[r], asset_text(b, r, ACOL_ID),
                    sqlite3_errmsg(st->db->sql));
}

static int insert_fresh(asset_store *st, const asset_batch *b) {
  size_t r = 0;
  int rc;
  for (; r + MULTI_ROWS <= b->n; r += MULTI_ROWS) {
    for (int k = 0; k < MULTI_ROWS; k++)
      if ((rc = bind_fed(st, st->ins_multi, k * NPARAM, b, r + (size_t)k))) return rc;
    if ((rc = step_done(st, st->ins_multi, b, r))) return rc;
  }
  for (; r < b->n; r++) {
    if ((rc = bind_fed(st, st->ins_one, 0, b, r)) || (rc = step_done(st, st->ins_one, b, r)))
      return rc;
  }
  st->created += (int64_t)b->n;
  return ISMS_OK;
}

/* ------------------------------------------------------------ update */

/* The register's text form of column col of row r, as asset_view shows it
** (and as the change log records it); NULL for an empty cell. */
static const char *new_text(const asset_batch *b, size_t r, int col, char *buf,
                            size_t size) {
  switch (col) {
    case ACOL_TYPE: return isms__asset_types[b->type[r] - 1];
    case ACOL_OUTSOURCED: return b->outsourced[r] ? "1" : "0";
    case ACOL_GROUP: return b->group[r] ? "1" : "0";
    case ACOL_UNITS: snprintf(buf, size, "%d", (int)b->units[r]); return buf;
    case ACOL_C: case ACOL_I: case ACOL_A: {
      int8_t v = col == ACOL_C ? b->c[r] : col == ACOL_I ? b->i[r] : b->a[r];
      if (!v) return NULL;
      snprintf(buf, size, "%d", v);
      return buf;
    }
    default:
      return b->text[r][col].len ? asset_text(b, r, col) : NULL;
  }
}

/* asset_view columns of select_one, by CSV column (-1: not selected). */
static const int view_column[ACOL_COUNT] = {-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14};
enum { VIEW_VALUE = 12, VIEW_CLASS = 13 };

static int update_existing(asset_store *st, const asset_batch *b, size_t r, int *changed) {
  sqlite3_stmt *q = st->select_one;
  const char *id = asset_text(b, r, ACOL_ID);
  *changed = 0;
  int rc = ISMS_OK;
  for (int col = ACOL_NAME; col < ACOL_COUNT && !rc; col++) {
    if (!st->present[col]) continue;
    char buf[32];
    const char *now = new_text(b, r, col, buf, sizeof buf);
    const char *old = (const char *)sqlite3_column_text(q, view_column[col]);
    if (isms__same_text(old, now)) continue;
    ++*changed;
    rc = isms__log_change(st->db, st->batch, "asset", id, "update",
                          isms__asset_col_names[col], old, now);
  }
  if (!rc && st->present[ACOL_C]) {
    /* Valuation follows C, I and A: log the class and value it moves to. */
    int valued = b->cls[r] >= 0, logged;
    rc = isms__log_valuation(st->db, st->batch, id,
                             (const char *)sqlite3_column_text(q, VIEW_CLASS),
                             sqlite3_column_type(q, VIEW_VALUE) != SQLITE_NULL,
                             sqlite3_column_double(q, VIEW_VALUE),
                             valued ? isms_method_class_name(st->m, b->cls[r]) : NULL, valued,
                             b->value[r], &logged);
    *changed += logged;
    if (logged) st->classes_moved = 1;
  }
  return rc;
}

static int upsert(asset_store *st, const asset_batch *b) {
  int rc = ISMS_OK;
  for (size_t r = 0; r < b->n && !rc; r++) {
    sqlite3_stmt *q = st->select_one;
    sqlite3_bind_text(q, 1, asset_text(b, r, ACOL_ID), (int)b->text[r][ACOL_ID].len,
                      SQLITE_STATIC);
    int step = sqlite3_step(q);
    if (step == SQLITE_DONE) {
      sqlite3_reset(q);
      if (!(rc = bind_row(st, st->ins_one, 0, b, r, NULL)) &&
          !(rc = step_done(st, st->ins_one, b, r)))
        st->created++;
      continue;
    }
    if (step != SQLITE_ROW) {
      sqlite3_reset(q);
      return isms__fail_sql(st->db, "reading asset");
    }
    int changed;
    rc = update_existing(st, b, r, &changed);
    sqlite3_reset(q);
    if (rc) break;
    if (!changed) {
      st->unchanged++;
      continue;
    }
    if (!(rc = bind_row(st, st->update, 0, b, r, NULL)) &&
        !(rc = step_done(st, st->update, b, r)))
      st->updated++;
  }
  return rc;
}

int isms__store_write(asset_store *st, const asset_batch *b) {
  return st->fresh ? insert_fresh(st, b) : upsert(st, b);
}

/* ========================================================== finish */

int isms__store_finish(asset_store *st, int ok, isms_import_report *rep) {
  int rc = ISMS_OK;
  if (ok) {
    /* An incident touch names the class of its asset (asset_edit.c): an
    ** asset added again after a deletion, or valued anew, moves it. */
    if (st->created || st->classes_moved) rc = isms__touch_classes(st->db, NULL);
    if (!rc) rc = isms__batch_close(st->db, st->batch, st->created, st->updated, 0);
    if (!rc) rc = isms__commit(st->db);
  }
  if (!ok || rc) isms__rollback(st->db);
  if (rep && ok && !rc) {
    rep->created = st->created;
    rep->updated = st->updated;
    rep->unchanged = st->unchanged;
    rep->batch = st->batch;
  }
  if (st->bulk_journal) isms__wal_journal(st->db);
  isms__exec(st->db, "PRAGMA foreign_keys = ON; PRAGMA ignore_check_constraints = OFF");
  sqlite3_stmt *all[] = {st->ins_multi, st->ins_one, st->party_ins, st->location_ins,
                         st->select_one, st->update};
  for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) sqlite3_finalize(all[k]);
  isms__strmap_free(st->parties);
  isms__strmap_free(st->locations);
  free(st);
  return rc;
}
