/*
** value.c -- valuing every asset of the register with a methodology.
**
** The register is read once into columns (C, I, A, stored value, stored
** class), the bulk kernel values them all in one call, and only the assets
** whose value or class moved are written back, each moved field logged:
** one change set of the moves and one UPDATE pass over the register,
** which reads the columns in place (below, "the changes"). Reading
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

/* ------------------------------------------------ the changes
** What moved is written by two statements, not one per row: the moves
** as one change set (change_set.c: a line per moved field, in asset
** order, class before value, as per-field change_log rows had them), and
** one UPDATE pass over the register that asks isms_valued for each row's
** new valuation. A change_log row per moved field cost three times the
** import of the assets (issue #18). */

enum { MOVED_CLASS = 1, MOVED_VALUE = 2 };

typedef struct value_run {
  isms_method *m;
  columns *k;
  unsigned char *moved;  /* per asset: MOVED_CLASS | MOVED_VALUE */
  size_t hint;           /* the asset isms_valued found last */
  /* a rewrite (below): the columns the UPDATE sets, in table order */
  int64_t batch;
  int col_id, col_value, col_class, col_batch;
} value_run;

#define RUN_POINTER "isms_value_run"

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

/* isms_valued(RUN, ID, WHAT): for the asset ID, WHAT 0: 1 if its value or
** class moved, else 0; 1: its new value; 2: its new class. The UPDATE
** scans the register in the order read_columns read it, so the asset is
** nearly always the one looked up last or the next; else a binary search
** (ids are in the primary key's order: BINARY, that of strcmp). */
static size_t find_asset(value_run *run, const char *id) {
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
    if (!(r < n && strcmp(k->ids + k->id_off[r], id) == 0)) return SIZE_MAX;
  }
  run->hint = r;
  return r;
}

static void valued_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  value_run *run = sqlite3_value_pointer(argv[0], RUN_POINTER);
  const char *id = (const char *)sqlite3_value_text(argv[1]);
  if (!run || !id) {
    sqlite3_result_null(ctx);
    return;
  }
  const columns *k = run->k;
  size_t r = find_asset(run, id);
  if (r == SIZE_MAX) {
    sqlite3_result_int(ctx, 0);  /* not read: added since? never in one transaction */
    return;
  }
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

/* Registers isms_valued on the connection once; it stays (it holds
** nothing: each statement binds its run). Checked by preparing a use, as
** redefining a function is refused while another statement of the
** connection runs. */
static int register_sql(isms_db *db) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db->sql, "SELECT isms_valued(NULL, NULL, 0)", -1, &st, NULL) ==
      SQLITE_OK) {
    sqlite3_finalize(st);
    return ISMS_OK;
  }
  if (sqlite3_create_function_v2(db->sql, "isms_valued", 3, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL,
                                 valued_fn, NULL, NULL, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "valuing assets");
  return ISMS_OK;
}

/* A re-valuation that moves most of a large register rewrites the table
** (chain.c, "rewrites"): a worker hashes every row as the UPDATE leaves
** it, read as committed with this run's value, class and batch patched
** in, while the UPDATE runs without the preupdate hook; the assets are
** not hashed again at commit. The sizes are those from which the chain
** hashes a table whole (chain.c BULK_MIN). */
enum { REWRITE_MIN = 20000 };

/* The worker's row r (in key order, as read_columns read them): the
** moved ones get the new value, class and batch. Nonzero when the row is
** not the asset read_columns read at r. Reads the run only. */
static int patch_row(void *ctx, int64_t r, isms__val *vals) {
  const value_run *run = ctx;
  const columns *k = run->k;
  const isms__val *id = &vals[run->col_id];
  if (r < 0 || (size_t)r >= k->n || id->type != SQLITE_TEXT) return -1;
  const char *want = k->ids + k->id_off[r];
  if (strlen(want) != id->n || memcmp(want, id->p, id->n) != 0) return -1;
  if (!run->moved[r]) return 0;
  const char *cls = class_text(run, k->cls[r]);
  vals[run->col_value] = k->cls[r] >= 0 ? (isms__val){SQLITE_FLOAT, 0, k->value[r], NULL, 0}
                                        : (isms__val){SQLITE_NULL, 0, 0, NULL, 0};
  vals[run->col_class] = cls ? (isms__val){SQLITE_TEXT, 0, 0, cls, strlen(cls)}
                             : (isms__val){SQLITE_NULL, 0, 0, NULL, 0};
  vals[run->col_batch] = (isms__val){SQLITE_INTEGER, run->batch, 0, NULL, 0};
  return 0;
}

/* Starts a rewrite of the assets; *feed NULL when the chain takes none. */
static int start_rewrite(isms_db *db, value_run *run, isms__feed **feed) {
  *feed = NULL;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql, "SELECT cid, name FROM pragma_table_info('assets')", -1, &q,
                         NULL) != SQLITE_OK)
    return isms__fail_sql(db, "valuing assets");
  run->col_id = run->col_value = run->col_class = run->col_batch = -1;
  while (sqlite3_step(q) == SQLITE_ROW) {
    int cid = sqlite3_column_int(q, 0);
    const char *name = (const char *)sqlite3_column_text(q, 1);
    if (strcmp(name, "id") == 0) run->col_id = cid;
    if (strcmp(name, "value") == 0) run->col_value = cid;
    if (strcmp(name, "class") == 0) run->col_class = cid;
    if (strcmp(name, "updated_batch") == 0) run->col_batch = cid;
  }
  sqlite3_finalize(q);
  if (run->col_id < 0 || run->col_value < 0 || run->col_class < 0 || run->col_batch < 0)
    return ISMS_OK;
  return isms__chain_rewrite(db, "assets", patch_row, run, feed);
}

/* The moved fields as one change set: per asset, class then value, old
** and new as the log writes them. */
static int log_moves(isms_db *db, const value_run *run, int64_t batch) {
  isms__change_set cs;
  memset(&cs, 0, sizeof cs);
  const columns *k = run->k;
  char was[32], now[32];
  int rc = ISMS_OK;
  for (size_t r = 0; !rc && r < k->n; r++) {
    unsigned char mv = run->moved[r];
    if (!mv) continue;
    const char *id = k->ids + k->id_off[r];
    if (mv & MOVED_CLASS)
      rc = isms__change_set_add(&cs, id, "class", class_text(run, k->old_cls[r]),
                                class_text(run, k->cls[r]));
    if (!rc && (mv & MOVED_VALUE)) {
      if (k->had_value[r]) format_value(was, sizeof was, k->old_value[r]);
      if (k->cls[r] >= 0) format_value(now, sizeof now, k->value[r]);
      rc = isms__change_set_add(&cs, id, "value", k->had_value[r] ? was : NULL,
                                k->cls[r] >= 0 ? now : NULL);
    }
  }
  if (rc) rc = isms__fail(db, ISMS_NOMEM, "out of memory");
  if (!rc) rc = isms__change_set_write(db, batch, "asset", &cs);
  isms__change_set_free(&cs);
  return rc;
}

static int write_changes(isms_db *db, isms_method *m, columns *k, int64_t batch,
                         int64_t *changed) {
  value_run run;
  memset(&run, 0, sizeof run);
  run.m = m;
  run.k = k;
  run.moved = malloc(k->n ? k->n : 1);
  run.batch = batch;
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
    /* For most of a large register, a rewrite: its worker hashes the rows
    ** while the change set is written and the UPDATE runs. */
    isms__feed *rewrite = NULL;
    if (!rc && *changed > REWRITE_MIN && (size_t)*changed > k->n / 4)
      rc = start_rewrite(db, &run, &rewrite);
    if (!rc) rc = log_moves(db, &run, batch);
    /* A scan of the register that rewrites the moved rows as it passes
    ** them (SQLite's one-pass UPDATE). */
    if (!rc) {
      sqlite3_stmt *st;
      if (sqlite3_prepare_v2(db->sql,
                             "UPDATE assets SET value = isms_valued(?2, id, 1),"
                             " class = isms_valued(?2, id, 2), updated_batch = ?1"
                             " WHERE isms_valued(?2, id, 0)",
                             -1, &st, NULL) != SQLITE_OK) {
        rc = isms__fail_sql(db, "valuing assets");
      } else {
        sqlite3_bind_int64(st, 1, batch);
        sqlite3_bind_pointer(st, 2, &run, RUN_POINTER, NULL);
        int paused = rewrite && isms__chain_pause(db, rewrite);
        rc = sqlite3_step(st) == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, "valuing assets");
        if (paused) isms__chain_resume(db);
        sqlite3_finalize(st);
      }
    }
    /* the worker reads this run: done before it goes */
    if (rewrite) isms__chain_rewrite_join(rewrite);
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
  /* WAL, not the bulk journal of an import: a rewrite's worker reads the
  ** register as committed while this write runs (chain.c), and every page
  ** it changes is written twice either way. */
  int rc = isms__begin(db);
  if (rc) return rc;
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
