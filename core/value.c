/*
** value.c -- valuing every asset of the register with a methodology.
**
** Two passes: the register is read once into columns (C, I, A, stored
** value, stored class), the bulk kernel values them all in one call, and
** only the assets whose value or class moved are written back, each moved
** field logged: one change set of the moves and one UPDATE pass over the
** register, which reads the columns in place (below, "the changes").
** Reading everything first keeps the writes from running under an open
** SELECT on the same table. A large register most of which moves is
** valued in one pass instead: the UPDATE's own scan values each row
** (below, "one pass").
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

/* A rating as the bulk kernel takes it: 0 for none, 127 for a value off
** every scale. */
static int8_t level_of(sqlite3_value *v) {
  if (sqlite3_value_type(v) == SQLITE_NULL) return 0;
  int x = sqlite3_value_int(v);
  return (int8_t)(x >= 0 && x <= ISMS_MAX_TIER ? x : 127);
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
    k->c[r] = level_of(sqlite3_column_value(q, 1));
    k->i[r] = level_of(sqlite3_column_value(q, 2));
    k->a[r] = level_of(sqlite3_column_value(q, 3));
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
        rc = sqlite3_step(st) == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, "valuing assets");
        sqlite3_finalize(st);
      }
    }
    /* The incident touches carry their asset's class (asset_edit.c). */
    int classes = 0;
    for (size_t r = 0; r < k->n && !classes; r++) classes = run.moved[r] & MOVED_CLASS;
    if (!rc && classes) rc = isms__touch_classes(db, NULL);
  }
  free(run.moved);
  return rc;
}

/* ------------------------------------------------ one pass
** A large register (over REWRITE_MIN assets, the size from which the
** hash chain hashes a table whole: chain.c BULK_MIN) is valued in the
** UPDATE's own scan instead: isms_value_row gets each row's id, levels,
** value and class in key order, values it (the bulk kernel, one row),
** writes its moves to the change set, gives the chain the row's key and,
** when it moved, its new value, class and batch (a rewrite, chain.c: the
** chain hashes the rows as they were with those in place, on a thread of
** its own, and the assets are not hashed again at commit), and says
** whether it moved; isms_value_new gives the SET the new value and class.
** The UPDATE runs with the preupdate hook paused. One pass where reading
** the columns first took a second, the UPDATE's per-row hook work as much
** as the rest of it, and passing every column to the function a third
** more (issue #18). */
enum { REWRITE_MIN = 20000 };

#define PASS_POINTER "isms_value_pass"

typedef struct value_pass {
  isms_method *m;
  isms_db *db;
  isms__feed *feed;
  int64_t batch;
  isms__change_set cs;
  int64_t assets, valued, changed;
  int classes_moved;
  const char *new_class;  /* the row the WHERE valued last, for the SET */
  double new_value;
  int new_valued;
} value_pass;

/* One asset valued under m against its stored value (had: not NULL) and
** class: what moved (MOVED_CLASS | MOVED_VALUE), its new value and class
** (-1: unvalued). The one pass and its sample decide alike. */
static unsigned value_moves(isms_method *m, int8_t c, int8_t i, int8_t a, int had, double was,
                            const char *old_class, double *value, int8_t *cls) {
  *value = 0;
  *cls = -1;
  isms_method_value_bulk(m, 1, &c, &i, &a, value, cls);
  int has = *cls >= 0;
  unsigned moved = isms__same_text(old_class, has ? isms_method_class_name(m, *cls) : NULL)
                       ? 0 : MOVED_CLASS;
  if (had != has || (had && was != *value)) moved |= MOVED_VALUE;
  return moved;
}

/* A value as the chain takes it (isms__val: SQLite's type and content). */
static isms__val val_of(sqlite3_value *v) {
  isms__val x = {sqlite3_value_type(v), 0, 0, NULL, 0};
  if (x.type == SQLITE_INTEGER) x.i = sqlite3_value_int64(v);
  else if (x.type == SQLITE_FLOAT) x.d = sqlite3_value_double(v);
  else if (x.type != SQLITE_NULL) {
    x.p = x.type == SQLITE_TEXT ? (const void *)sqlite3_value_text(v) : sqlite3_value_blob(v);
    x.n = (size_t)sqlite3_value_bytes(v);
  }
  return x;
}

/* isms_value_row(PASS, id, c, i, a, value, class): 1 when the row moved. */
static void value_row_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  value_pass *p = sqlite3_value_pointer(argv[0], PASS_POINTER);
  if (!p || argc != 7) {
    sqlite3_result_null(ctx);
    return;
  }
  isms__val id = val_of(argv[1]), ov = val_of(argv[5]);
  int had = ov.type != SQLITE_NULL;
  double was = ov.type == SQLITE_INTEGER ? (double)ov.i : ov.d, value;
  const char *old_class =
      sqlite3_value_type(argv[6]) == SQLITE_TEXT ? (const char *)sqlite3_value_text(argv[6]) : NULL;
  int8_t cls;
  unsigned moved = value_moves(p->m, level_of(argv[2]), level_of(argv[3]), level_of(argv[4]), had,
                               was, old_class, &value, &cls);
  int has = cls >= 0, moved_class = moved & MOVED_CLASS, moved_value = moved & MOVED_VALUE;
  const char *new_class = has ? isms_method_class_name(p->m, cls) : NULL;
  if ((++p->assets & 0x3fff) == 0) isms__bulk_progress(p->db);
  p->valued += has;
  if (moved) {
    char num[2][32];
    int rc = ISMS_OK;
    if (id.type != SQLITE_TEXT) {
      sqlite3_result_error(ctx, "an asset without an id", -1);
      return;
    }
    if (moved_class) rc = isms__change_set_add(&p->cs, id.p, "class", old_class, new_class);
    if (!rc && moved_value) {
      if (had) format_value(num[0], sizeof num[0], was);
      if (has) format_value(num[1], sizeof num[1], value);
      rc = isms__change_set_add(&p->cs, id.p, "value", had ? num[0] : NULL, has ? num[1] : NULL);
    }
    if (rc) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    p->changed++;
    p->classes_moved |= moved_class;
  }
  p->new_class = new_class;
  p->new_value = value;
  p->new_valued = has;
  /* the row as the SET leaves it: value, class, updated_batch */
  isms__val set[3] = {{SQLITE_NULL, 0, 0, NULL, 0},
                      {SQLITE_NULL, 0, 0, NULL, 0},
                      {SQLITE_INTEGER, p->batch, 0, NULL, 0}};
  if (has) {
    set[0] = (isms__val){SQLITE_FLOAT, 0, value, NULL, 0};
    set[1] = (isms__val){SQLITE_TEXT, 0, 0, new_class, strlen(new_class)};
  }
  if (isms__chain_feed_set(p->db, p->feed, &id, moved ? set : NULL)) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_result_int(ctx, moved != 0);
}

/* isms_value_new(PASS, WHAT): the new value (1) or class (2) of the row
** isms_value_row valued last. */
static void value_new_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  value_pass *p = sqlite3_value_pointer(argv[0], PASS_POINTER);
  if (!p || !p->new_valued)
    sqlite3_result_null(ctx);
  else if (sqlite3_value_int(argv[1]) == 1)
    sqlite3_result_double(ctx, p->new_value);
  else
    sqlite3_result_text(ctx, p->new_class, -1, SQLITE_STATIC);
}

/* Whether a quarter of the assets at either end of the key order (a
** sample of SAMPLE each) would move: the one pass hashes every row, which
** costs more than the two passes when few move. */
enum { SAMPLE = 1024 };

static int most_move(isms_db *db, isms_method *m) {
  int moved = 0, seen = 0;
  for (int end = 0; end < 2; end++) {
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db->sql,
                           end ? "SELECT c, i, a, value, class FROM assets ORDER BY id DESC LIMIT ?1"
                               : "SELECT c, i, a, value, class FROM assets ORDER BY id LIMIT ?1",
                           -1, &q, NULL) != SQLITE_OK)
      return 0;
    sqlite3_bind_int(q, 1, SAMPLE);
    while (sqlite3_step(q) == SQLITE_ROW) {
      double value;
      int8_t cls;
      moved += value_moves(m, level_of(sqlite3_column_value(q, 0)),
                           level_of(sqlite3_column_value(q, 1)),
                           level_of(sqlite3_column_value(q, 2)),
                           sqlite3_column_type(q, 3) != SQLITE_NULL, sqlite3_column_double(q, 3),
                           (const char *)sqlite3_column_text(q, 4), &value, &cls) != 0;
      seen++;
    }
    sqlite3_finalize(q);
  }
  return seen > 0 && moved * 4 > seen;
}

/* Values a large register in the UPDATE's scan; *done 0 when this path
** does not apply (then nothing was written) and the two passes run. */
static int value_one_pass(isms_db *db, isms_method *m, int64_t batch, isms_value_report *out,
                          int *done) {
  *done = 0;
  if (isms__chain_table_rows(db, "assets") <= REWRITE_MIN || !most_move(db, m)) return ISMS_OK;
  value_pass p;
  memset(&p, 0, sizeof p);
  p.m = m;
  p.db = db;
  p.batch = batch;
  static const char *const set[] = {"value", "class", "updated_batch"};
  int rc = isms__chain_rewrite_set(db, "assets", set, 3, &p.feed);
  if (rc || !p.feed) return rc;
  *done = 1;
  /* registered once, as register_sql does: redefining a function is
  ** refused while another statement of the connection runs */
  sqlite3_stmt *probe;
  int known = sqlite3_prepare_v2(db->sql, "SELECT isms_value_row(NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
                                 " isms_value_new(NULL, 0)",
                                 -1, &probe, NULL) == SQLITE_OK;
  if (known) sqlite3_finalize(probe);
  sqlite3_stmt *st = NULL;
  if (!known &&
      (sqlite3_create_function_v2(db->sql, "isms_value_row", 7, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                  NULL, value_row_fn, NULL, NULL, NULL) != SQLITE_OK ||
       sqlite3_create_function_v2(db->sql, "isms_value_new", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                  NULL, value_new_fn, NULL, NULL, NULL) != SQLITE_OK)) {
    rc = isms__fail_sql(db, "valuing assets");
  } else if (sqlite3_prepare_v2(db->sql,
                                "UPDATE assets SET value = isms_value_new(?2, 1),"
                                " class = isms_value_new(?2, 2), updated_batch = ?1"
                                " WHERE isms_value_row(?2, id, c, i, a, value, class)",
                                -1, &st, NULL) != SQLITE_OK) {
    rc = isms__fail_sql(db, "valuing assets");
  } else {
    sqlite3_bind_int64(st, 1, batch);
    sqlite3_bind_pointer(st, 2, &p, PASS_POINTER, NULL);
    int paused = isms__chain_pause(db, p.feed);
    int xs = sqlite3_step(st);
    if (xs != SQLITE_DONE) fprintf(stderr, "DBG step %d ext %d %s\n", xs, sqlite3_extended_errcode(db->sql), sqlite3_errmsg(db->sql));
    rc = xs == SQLITE_DONE ? ISMS_OK : isms__fail_sql(db, "valuing assets");
    if (paused) {
      isms__chain_resume(db);
      if (p.changed) isms__chain_rewrote(db, p.feed);
    }
  }
  sqlite3_finalize(st);
  if (!rc) rc = isms__change_set_write(db, batch, "asset", &p.cs);
  /* The incident touches carry their asset's class (asset_edit.c). */
  if (!rc && p.classes_moved) rc = isms__touch_classes(db, NULL);
  out->assets = p.assets;
  out->valued = p.valued;
  out->changed = p.changed;
  isms__change_set_free(&p.cs);
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
  isms_value_report got;
  memset(&got, 0, sizeof got);
  int one_pass = 0;
  if (!(rc = isms__batch_open(db, "value", source, reason, &batch)) &&
      !(rc = value_one_pass(db, m, batch, &got, &one_pass)) && !one_pass &&
      !(rc = read_columns(db, m, &k))) {
    isms_method_value_bulk(m, k.n, k.c, k.i, k.a, k.value, k.cls);
    rc = write_changes(db, m, &k, batch, &changed);
    got.assets = (int64_t)k.n;
    for (size_t r = 0; r < k.n; r++) got.valued += k.cls[r] >= 0;
    got.changed = changed;
  }
  if (!rc) rc = isms__batch_close(db, batch, 0, got.changed, 0);
  if (!rc) rc = isms__commit(db);
  if (rc) isms__rollback(db);
  if (bulk) isms__wal_journal(db);
  if (!rc && rep) {
    *rep = got;
    rep->unvalued = rep->assets - rep->valued;
    rep->batch = batch;
  }
  columns_free(&k);
  return rc;
}
