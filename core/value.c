/*
** value.c -- valuing every asset of the register with a methodology.
**
** The register is read once into columns (C, I, A, stored value, stored
** class), the bulk kernel values them all in one call, and only the assets
** whose value or class moved are written back, each moved field logged:
** one INSERT of every log row and one UPDATE pass over the register, both
** reading the columns in place (below, "the changes as rows"). Reading
** everything first keeps the writes from running under an open SELECT on
** the same table.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isms_internal.h"

#define FOREIGN_MAX 100

typedef struct columns {
  size_t n, cap;
  char *ids;            /* NUL-separated ids */
  size_t ids_used, ids_cap;
  size_t *id_off;
  int8_t *c, *i, *a, *old_cls, *cls;
  double *old_value, *value;
  unsigned char *had_value;
  char *foreign[FOREIGN_MAX];  /* stored class names the methodology lacks */
  int nforeign;
} columns;

static void columns_free(columns *k) {
  for (int f = 0; f < k->nforeign; f++) free(k->foreign[f]);
  free(k->ids);
  free(k->id_off);
  free(k->c);
  free(k->i);
  free(k->a);
  free(k->old_cls);
  free(k->cls);
  free(k->old_value);
  free(k->value);
  free(k->had_value);
}

#define GROW(p, cap) ((p) = realloc((p), (cap) * sizeof *(p)))

static int columns_reserve(columns *k) {
  if (k->n < k->cap) return 0;
  size_t cap = k->cap ? k->cap * 2 : 4096;
  if (!GROW(k->id_off, cap) || !GROW(k->c, cap) || !GROW(k->i, cap) || !GROW(k->a, cap) ||
      !GROW(k->old_cls, cap) || !GROW(k->cls, cap) || !GROW(k->old_value, cap) ||
      !GROW(k->value, cap) || !GROW(k->had_value, cap))
    return -1;
  k->cap = cap;
  return 0;
}

static int columns_add_id(columns *k, const char *id, size_t n) {
  if (k->ids_used + n + 1 > k->ids_cap) {
    size_t cap = k->ids_cap ? k->ids_cap * 2 : 65536;
    while (k->ids_used + n + 1 > cap) cap *= 2;
    char *grown = realloc(k->ids, cap);
    if (!grown) return -1;
    k->ids = grown;
    k->ids_cap = cap;
  }
  memcpy(k->ids + k->ids_used, id, n + 1);
  k->id_off[k->n] = k->ids_used;
  k->ids_used += n + 1;
  return 0;
}

/* Class names to indexes of m. A stored class m does not know (left by
** another methodology) is interned as -2 - k in k->foreign, so it always
** counts as changed and its text is at hand for the log. */
static int8_t class_index(isms_method *m, columns *k, const char *name) {
  if (!name) return -1;
  for (int c = 0; c < isms_method_class_count(m); c++)
    if (strcmp(isms_method_class_name(m, c), name) == 0) return (int8_t)c;
  for (int f = 0; f < k->nforeign; f++)
    if (strcmp(k->foreign[f], name) == 0) return (int8_t)(-2 - f);
  if (k->nforeign == FOREIGN_MAX) return -2 - (FOREIGN_MAX - 1);  /* "other" */
  k->foreign[k->nforeign] = strdup(name);
  return k->foreign[k->nforeign] ? (int8_t)(-2 - k->nforeign++) : -2;
}

static int8_t level(sqlite3_stmt *q, int col) {
  if (sqlite3_column_type(q, col) == SQLITE_NULL) return 0;
  int v = sqlite3_column_int(q, col);
  return (int8_t)(v >= 0 && v <= ISMS_MAX_TIER ? v : 127);
}

static int read_columns(isms_db *db, isms_method *m, columns *k) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql, "SELECT id, c, i, a, value, class FROM assets", -1, &q,
                         NULL) != SQLITE_OK)
    return isms__fail_sql(db, "reading assets");
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    if (columns_reserve(k) ||
        columns_add_id(k, (const char *)sqlite3_column_text(q, 0),
                       (size_t)sqlite3_column_bytes(q, 0))) {
      sqlite3_finalize(q);
      return isms__fail(db, ISMS_NOMEM, "out of memory");
    }
    size_t r = k->n++;
    k->c[r] = level(q, 1);
    k->i[r] = level(q, 2);
    k->a[r] = level(q, 3);
    k->had_value[r] = sqlite3_column_type(q, 4) != SQLITE_NULL;
    k->old_value[r] = sqlite3_column_double(q, 4);
    k->old_cls[r] = class_index(m, k, (const char *)sqlite3_column_text(q, 5));
  }
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, "reading assets");
}

/* ------------------------------------------------ the changes as rows
** What moved is written by two statements, not one statement run per row:
** the table-valued function isms_value_rows(COLUMNS, WHAT) reads the
** columns in place and yields, for WHAT = 0, each moved asset (id, value,
** class) and, for WHAT = 1, each moved field (id, field, old, new), in
** asset order, class before value, as the per-row writes did. One INSERT
** ... SELECT and one UPDATE ... FROM then keep their cursors open over
** the whole register, where a statement per row opened and closed the
** change log's six b-trees for every row (most of the time re-valuing
** took). COLUMNS is bound with sqlite3_bind_pointer, so SQL text cannot
** forge it. */

enum { MOVED_CLASS = 1, MOVED_VALUE = 2 };

typedef struct value_run {
  isms_method *m;
  columns *k;
  unsigned char *moved;  /* per asset: MOVED_CLASS | MOVED_VALUE */
  size_t hint;           /* the asset isms_valued found last */
} value_run;

#define RUN_POINTER "isms_value_run"

enum { COL_ID, COL_VALUE, COL_CLASS, COL_FIELD, COL_OLD, COL_NEW, COL_RUN, COL_WHAT };

typedef struct rows_cursor {
  sqlite3_vtab_cursor base;
  const value_run *run;
  int what;
  size_t r;     /* the asset */
  int field;    /* WHAT = 1: MOVED_CLASS or MOVED_VALUE */
  char num[32];
} rows_cursor;

static int rows_connect(sqlite3 *sql, void *aux, int argc, const char *const *argv,
                        sqlite3_vtab **vtab, char **err) {
  (void)aux, (void)argc, (void)argv, (void)err;
  int rc = sqlite3_declare_vtab(
      sql, "CREATE TABLE x(id, value, class, field, old, new, run HIDDEN, what HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  *vtab = sqlite3_malloc(sizeof **vtab);
  if (!*vtab) return SQLITE_NOMEM;
  memset(*vtab, 0, sizeof **vtab);
  sqlite3_vtab_config(sql, SQLITE_VTAB_DIRECTONLY);
  return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *vtab) {
  sqlite3_free(vtab);
  return SQLITE_OK;
}

/* Both hidden arguments must be given (equality, usable). */
static int rows_best_index(sqlite3_vtab *vtab, sqlite3_index_info *info) {
  (void)vtab;
  int run = -1, what = -1;
  for (int c = 0; c < info->nConstraint; c++) {
    const struct sqlite3_index_constraint *k = &info->aConstraint[c];
    if (k->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (k->iColumn == COL_RUN) {
      if (!k->usable) return SQLITE_CONSTRAINT;
      run = c;
    } else if (k->iColumn == COL_WHAT) {
      if (!k->usable) return SQLITE_CONSTRAINT;
      what = c;
    }
  }
  if (run < 0 || what < 0) return SQLITE_CONSTRAINT;
  info->aConstraintUsage[run].argvIndex = 1;
  info->aConstraintUsage[run].omit = 1;
  info->aConstraintUsage[what].argvIndex = 2;
  info->aConstraintUsage[what].omit = 1;
  info->estimatedCost = 1e6;
  info->estimatedRows = 1000000;
  return SQLITE_OK;
}

static int rows_open(sqlite3_vtab *vtab, sqlite3_vtab_cursor **cur) {
  (void)vtab;
  rows_cursor *c = sqlite3_malloc(sizeof *c);
  if (!c) return SQLITE_NOMEM;
  memset(c, 0, sizeof *c);
  *cur = &c->base;
  return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *cur) {
  sqlite3_free(cur);
  return SQLITE_OK;
}

/* From (r, field) on, to the first asset (WHAT = 0) or moved field
** (WHAT = 1) at or after it; r == n at the end. */
static void rows_settle(rows_cursor *c) {
  const value_run *run = c->run;
  size_t n = run ? run->k->n : 0;
  while (c->r < n) {
    unsigned char mv = run->moved[c->r];
    if (c->what == 0) {
      if (mv) return;
    } else {
      while (c->field <= MOVED_VALUE && !(mv & c->field)) c->field <<= 1;
      if (c->field <= MOVED_VALUE) return;
    }
    c->r++;
    c->field = MOVED_CLASS;
  }
}

static int rows_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxs, int argc,
                       sqlite3_value **argv) {
  (void)idx, (void)idxs;
  rows_cursor *c = (rows_cursor *)cur;
  c->run = argc == 2 ? sqlite3_value_pointer(argv[0], RUN_POINTER) : NULL;
  c->what = argc == 2 ? sqlite3_value_int(argv[1]) : 0;
  c->r = 0;
  c->field = MOVED_CLASS;
  rows_settle(c);
  return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *cur) {
  rows_cursor *c = (rows_cursor *)cur;
  if (c->what == 0) {
    c->r++;
  } else {
    c->field <<= 1;
  }
  rows_settle(c);
  return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *cur) {
  rows_cursor *c = (rows_cursor *)cur;
  return !c->run || c->r >= c->run->k->n;
}

/* %g, the log's form of a value, with a short path for the small whole
** numbers most methodologies give (the same text %g prints for them). */
static int format_value(char *buf, size_t size, double v) {
  if (v > -1e6 && v < 1e6 && v == (double)(int32_t)v && (v != 0 || !signbit(v))) {
    int32_t x = (int32_t)v;
    char tmp[12];
    int len = 0, neg = x < 0;
    uint32_t u = neg ? (uint32_t)0 - (uint32_t)x : (uint32_t)x;
    do tmp[len++] = (char)('0' + u % 10); while ((u /= 10));
    int at = 0;
    if (neg) buf[at++] = '-';
    while (len) buf[at++] = tmp[--len];
    buf[at] = 0;
    return at;
  }
  return snprintf(buf, size, "%g", v);
}

static const char *class_text(const value_run *run, int8_t cls) {
  if (cls >= 0) return isms_method_class_name(run->m, cls);
  return cls == -1 ? NULL : run->k->foreign[-2 - cls];
}

static void result_text(sqlite3_context *ctx, const char *text) {
  if (text)
    sqlite3_result_text(ctx, text, -1, SQLITE_STATIC);
  else
    sqlite3_result_null(ctx);
}

static int rows_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col) {
  rows_cursor *c = (rows_cursor *)cur;
  const value_run *run = c->run;
  const columns *k = run->k;
  size_t r = c->r;
  int valued = k->cls[r] >= 0;
  switch (col) {
    case COL_ID: result_text(ctx, k->ids + k->id_off[r]); break;
    case COL_VALUE:
      if (valued)
        sqlite3_result_double(ctx, k->value[r]);
      else
        sqlite3_result_null(ctx);
      break;
    case COL_CLASS: result_text(ctx, class_text(run, k->cls[r])); break;
    case COL_FIELD: result_text(ctx, c->field == MOVED_CLASS ? "class" : "value"); break;
    case COL_OLD:
    case COL_NEW: {
      int old = col == COL_OLD;
      if (c->field == MOVED_CLASS) {
        result_text(ctx, class_text(run, old ? k->old_cls[r] : k->cls[r]));
      } else if (old ? k->had_value[r] : valued) {
        int len = format_value(c->num, sizeof c->num, old ? k->old_value[r] : k->value[r]);
        sqlite3_result_text(ctx, c->num, len, SQLITE_TRANSIENT);
      } else {
        sqlite3_result_null(ctx);
      }
      break;
    }
    default: sqlite3_result_null(ctx); break;
  }
  return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid) {
  rows_cursor *c = (rows_cursor *)cur;
  *rowid = (sqlite3_int64)(c->r * 2 + (c->field == MOVED_VALUE));
  return SQLITE_OK;
}

static const sqlite3_module rows_module = {
    .iVersion = 0,
    .xConnect = rows_connect,
    .xBestIndex = rows_best_index,
    .xDisconnect = rows_disconnect,
    .xOpen = rows_open,
    .xClose = rows_close,
    .xFilter = rows_filter,
    .xNext = rows_next,
    .xEof = rows_eof,
    .xColumn = rows_column,
    .xRowid = rows_rowid,
};

/* isms_valued(RUN, ID, WHAT): for the asset ID, WHAT 0: 1 if its value or
** class moved, else 0; 1: its new value; 2: its new class. The UPDATE
** scans the register in the order read_columns read it, so the asset is
** nearly always the one looked up last or the next; else a binary search
** (ids are in the primary key's order: BINARY, that of strcmp). */
static void valued_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  value_run *run = sqlite3_value_pointer(argv[0], RUN_POINTER);
  const char *id = (const char *)sqlite3_value_text(argv[1]);
  if (!run || !id) {
    sqlite3_result_null(ctx);
    return;
  }
  const columns *k = run->k;
  size_t r = run->hint, n = k->n;
  if (!(r < n && strcmp(k->ids + k->id_off[r], id) == 0) &&
      !(++r < n && strcmp(k->ids + k->id_off[r], id) == 0)) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      int cmp = strcmp(k->ids + k->id_off[mid], id);
      if (cmp == 0) {
        lo = mid;
        break;
      }
      if (cmp < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
    r = lo;
    if (!(r < n && strcmp(k->ids + k->id_off[r], id) == 0)) {
      sqlite3_result_int(ctx, 0);  /* not read: added since? never in one transaction */
      return;
    }
  }
  run->hint = r;
  switch (sqlite3_value_int(argv[2])) {
    case 0: sqlite3_result_int(ctx, run->moved[r] != 0); break;
    case 1:
      if (k->cls[r] >= 0)
        sqlite3_result_double(ctx, k->value[r]);
      else
        sqlite3_result_null(ctx);
      break;
    default: result_text(ctx, class_text(run, k->cls[r])); break;
  }
}

/* Runs SQL with ?1 = the batch and ?2 = the run. unchecked: compiled
** without the table's CHECK constraints, for an INSERT whose checked
** columns are literals in SQL (SQLite 3.40 builds a temporary table for
** change_log's "action IN (...)" check at every row; a flag pragma takes
** effect at prepare and expires statements when set, so it stays on until
** the statement is done). */
static int run_rows_sql(isms_db *db, const char *sql, int64_t batch, value_run *run,
                        int unchecked) {
  sqlite3_stmt *st;
  if (unchecked) sqlite3_exec(db->sql, "PRAGMA ignore_check_constraints = ON", NULL, NULL, NULL);
  int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, batch);
    sqlite3_bind_pointer(st, 2, run, RUN_POINTER, NULL);
    rc = sqlite3_step(st);
    rc = rc == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, "valuing assets");
    sqlite3_finalize(st);
  } else {
    rc = isms__fail_sql(db, "valuing assets");
  }
  if (unchecked) sqlite3_exec(db->sql, "PRAGMA ignore_check_constraints = OFF", NULL, NULL, NULL);
  return rc;
}

/* Registers isms_value_rows and isms_valued on the connection once; they
** stay (they hold nothing: each statement binds its run). Checked by
** preparing a use, as redefining a function is refused while another
** statement of the connection runs. */
static int register_sql(isms_db *db) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT isms_valued(NULL, NULL, 0) FROM isms_value_rows(NULL, 0)",
                         -1, &st, NULL) == SQLITE_OK) {
    sqlite3_finalize(st);
    return ISMS_OK;
  }
  if (sqlite3_create_module_v2(db->sql, "isms_value_rows", &rows_module, NULL, NULL) !=
          SQLITE_OK ||
      sqlite3_create_function_v2(db->sql, "isms_valued", 3, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL,
                                 valued_fn, NULL, NULL, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "valuing assets");
  return ISMS_OK;
}

static int write_changes(isms_db *db, isms_method *m, columns *k, int64_t batch,
                         int64_t *changed) {
  value_run run = {m, k, malloc(k->n ? k->n : 1), 0};
  if (!run.moved) return isms__fail(db, ISMS_NOMEM, "out of memory");
  for (size_t r = 0; r < k->n; r++) {
    int had = k->had_value[r], has = k->cls[r] >= 0;
    unsigned char mv = k->old_cls[r] != k->cls[r] ? MOVED_CLASS : 0;
    if (had != has || (had && k->old_value[r] != k->value[r])) mv |= MOVED_VALUE;
    run.moved[r] = mv;
    *changed += mv != 0;
  }
  int rc = ISMS_OK;
  if (*changed) {
    rc = register_sql(db);
    if (!rc)
      rc = run_rows_sql(db,
                        "INSERT INTO change_log(batch, entity, entity_id, action, field, old, new)"
                        " SELECT ?1, 'asset', id, 'update', field, old, new"
                        " FROM isms_value_rows(?2, 1)",
                        batch, &run, 1);
    /* A scan of the register that rewrites the moved rows as it passes
    ** them (SQLite's one-pass UPDATE); a join with isms_value_rows would
    ** first copy the moved rows to a temporary table. */
    if (!rc)
      rc = run_rows_sql(db,
                        "UPDATE assets SET value = isms_valued(?2, id, 1),"
                        " class = isms_valued(?2, id, 2), updated_batch = ?1"
                        " WHERE isms_valued(?2, id, 0)",
                        batch, &run, 0);
    /* The incident touches carry their asset's class (asset_edit.c). */
    int classes = 0;
    for (size_t r = 0; r < k->n && !classes; r++) classes = run.moved[r] & MOVED_CLASS;
    if (!rc && classes) rc = isms__touch_classes(db, NULL);
  }
  free(run.moved);
  return rc;
}

ISMS_API int isms_value_assets(isms_db *db, isms_method *m, const char *reason,
                               isms_value_report *rep) {
  if (!db || !m) return ISMS_MISUSE;
  isms__clear_error(db);
  if (rep) memset(rep, 0, sizeof *rep);
  if (!isms__method_is_compiled(m))
    return isms__fail(db, ISMS_MISUSE, "methodology '%s' is not compiled", isms_method_name(m));
  columns k;
  memset(&k, 0, sizeof k);
  int64_t batch = 0, changed = 0;
  int bulk = isms__bulk_journal(db);
  int rc = isms__begin(db);
  if (rc) {
    if (bulk) isms__wal_journal(db);
    return rc;
  }
  char source[160];
  snprintf(source, sizeof source, "methodology %s", isms_method_name(m));
  if (!(rc = isms__batch_open(db, "value", source, reason, &batch)) &&
      !(rc = read_columns(db, m, &k))) {
    isms_method_value_bulk(m, k.n, k.c, k.i, k.a, k.value, k.cls);
    rc = write_changes(db, m, &k, batch, &changed);
  }
  if (!rc) rc = isms__batch_close(db, batch, 0, changed, 0);
  if (!rc) rc = isms__commit(db);
  if (rc) isms__rollback(db);
  if (bulk) isms__wal_journal(db);
  if (!rc && rep) {
    rep->assets = (int64_t)k.n;
    for (size_t r = 0; r < k.n; r++) rep->valued += k.cls[r] >= 0;
    rep->unvalued = rep->assets - rep->valued;
    rep->changed = changed;
    rep->batch = batch;
  }
  columns_free(&k);
  return rc;
}
