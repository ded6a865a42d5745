/*
** value.c -- valuing every asset of the register with a methodology.
**
** The register is read once into columns (C, I, A, stored value, stored
** class), the bulk kernel values them all in one call, and only the assets
** whose value or class moved are written back, each change logged. Reading
** everything first keeps the UPDATEs from running under an open SELECT on
** the same table.
*/
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

static int write_changes(isms_db *db, isms_method *m, columns *k, int64_t batch,
                         int64_t *changed) {
  sqlite3_stmt *u;
  if (sqlite3_prepare_v2(db->sql,
                         "UPDATE assets SET value = ?2, class = ?3, updated_batch = ?4 "
                         "WHERE id = ?1",
                         -1, &u, NULL) != SQLITE_OK)
    return isms__fail_sql(db, "valuing assets");
  int rc = ISMS_OK;
  for (size_t r = 0; r < k->n && !rc; r++) {
    int valued = k->cls[r] >= 0, logged;
    int8_t old = k->old_cls[r];
    const char *id = k->ids + k->id_off[r];
    rc = isms__log_valuation(db, batch, id,
                             old >= 0 ? isms_method_class_name(m, old)
                                      : old == -1 ? NULL : k->foreign[-2 - old],
                             k->had_value[r], k->old_value[r],
                             valued ? isms_method_class_name(m, k->cls[r]) : NULL, valued,
                             k->value[r], &logged);
    if (rc) break;
    if (!logged) continue;  /* neither class nor value moved */
    sqlite3_bind_text(u, 1, id, -1, SQLITE_STATIC);
    if (valued) {
      sqlite3_bind_double(u, 2, k->value[r]);
      sqlite3_bind_text(u, 3, isms_method_class_name(m, k->cls[r]), -1, SQLITE_STATIC);
    } else {
      sqlite3_bind_null(u, 2);
      sqlite3_bind_null(u, 3);
    }
    sqlite3_bind_int64(u, 4, batch);
    if (sqlite3_step(u) != SQLITE_DONE) rc = isms__fail_sql(db, "valuing assets");
    sqlite3_reset(u);
    (*changed)++;
  }
  sqlite3_finalize(u);
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
