/*
** risk_after.c -- the risk register as it stands after treatment
** (isms_risk_table_after), for a heat map whose axes are computed.
**
** A heat map over stored ratings moves each treated risk from its cell to
** its residual one with a few counts (report_scan.c). When the axes are
** stages of a staged score (OWASP's impact x likelihood bands), a risk's
** residual cell is only known by running the score over its residual
** ratings. Here the treatments (by risk) are laid over the table's rating
** columns: a column no treatment changes is the table's own, a changed
** one is copied once and patched with the residual positions (rr1..rr4
** and the bytes of rrx), so the stage kernels read "after treatment" as
** plain columns, without a row per risk in Lua.
*/
#include <stdlib.h>
#include <string.h>

#include "isms_internal.h"

typedef struct after {
  isms_risk_after pub;
  const uint8_t *col[ISMS_MAX_RATINGS];
  uint8_t *own[ISMS_MAX_RATINGS];   /* the copies this owns (NULL: the table's column) */
  uint8_t *zeros;                   /* a column of n zeros for ratings the table lacks */
  int16_t *rank;
  uint8_t *keep;
} after;

ISMS_API void isms_risk_after_free(isms_risk_after *pub) {
  if (!pub) return;
  after *a = (after *)pub;
  for (int f = 0; f < ISMS_MAX_RATINGS; f++) free(a->own[f]);
  free(a->zeros);
  free(a->rank);
  free(a->keep);
  free(a);
}

/* The column of rating f, copied from the table's (or zeros) on first
** change; NULL when out of memory. */
static uint8_t *own_column(after *a, const isms_risk_table *t, int f) {
  if (a->own[f]) return a->own[f];
  size_t n = t->n ? t->n : 1;
  uint8_t *c = isms_column_alloc(n);
  if (!c) return NULL;
  if (f < t->nratings && t->n) memcpy(c, t->rating[f], t->n);
  a->own[f] = c;
  a->col[f] = c;
  return c;
}

ISMS_API int isms_risk_table_after(isms_db *db, const isms_risk_table *t,
                                   isms_risk_after **out) {
  if (!db || !t || !out) return ISMS_MISUSE;
  *out = NULL;
  after *a = calloc(1, sizeof *a);
  size_t n = t->n ? t->n : 1;
  if (a) {
    a->rank = isms_column_alloc(n * sizeof *a->rank);
    a->keep = isms_column_alloc(n);
    a->zeros = isms_column_alloc(n);
  }
  if (!a || !a->rank || !a->keep || !a->zeros) {
    isms_risk_after_free(a ? &a->pub : NULL);
    return isms__fail(db, ISMS_NOMEM, "out of memory reading the treatments");
  }
  if (t->n) memcpy(a->rank, t->level_rank, t->n * sizeof *a->rank);
  memset(a->keep, 1, t->n);
  int nr = t->nratings;
  for (int f = 0; f < ISMS_MAX_RATINGS; f++) a->col[f] = f < nr ? t->rating[f] : a->zeros;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(db->sql,
                         "SELECT risk, option = 'avoid', residual_rank, rr1, rr2, rr3, rr4, rrx "
                         "FROM treatments",
                         -1, &q, NULL) != SQLITE_OK) {
    isms_risk_after_free(&a->pub);
    return isms__fail_sql(db, "reading the treatments");
  }
  int s, rc = ISMS_OK;
  while ((s = sqlite3_step(q)) == SQLITE_ROW) {
    const char *ref = (const char *)sqlite3_column_text(q, 0);
    int64_t i = isms_risk_table_find(t, ref);
    if (i < 0) continue;  /* a risk without its asset is not in the table */
    a->pub.treated++;
    if (sqlite3_column_int(q, 1)) {  /* avoided: no residual risk */
      a->keep[i] = 0;
      a->pub.avoided++;
      continue;
    }
    if (sqlite3_column_type(q, 2) != SQLITE_NULL && sqlite3_column_int(q, 2) > 0)
      a->rank[i] = (int16_t)sqlite3_column_int(q, 2);
    /* residual positions: rr1..rr4, then one byte a factor in rrx; 0 or
    ** NULL leaves the factor as rated */
    uint8_t pos[ISMS_MAX_RATINGS];
    int np = 0;
    for (int f = 0; f < ISMS_MAX_FACTORS; f++) {
      int v = sqlite3_column_type(q, 3 + f) == SQLITE_NULL ? 0 : sqlite3_column_int(q, 3 + f);
      pos[np++] = (uint8_t)(v > 0 && v < 256 ? v : 0);
    }
    const uint8_t *rx = sqlite3_column_blob(q, 7);
    int nrx = rx ? sqlite3_column_bytes(q, 7) : 0;
    for (int k = 0; k < nrx && np < ISMS_MAX_RATINGS; k++) pos[np++] = rx[k];
    for (int f = 0; f < np; f++) {
      if (!pos[f] || a->col[f][i] == pos[f]) continue;
      uint8_t *c = own_column(a, t, f);
      if (!c) {
        rc = isms__fail(db, ISMS_NOMEM, "out of memory reading the treatments");
        break;
      }
      c[i] = pos[f];
      if (f + 1 > nr) nr = f + 1;
    }
    if (rc) break;
  }
  if (!rc && s != SQLITE_DONE) rc = isms__fail_sql(db, "reading the treatments");
  sqlite3_finalize(q);
  if (rc) {
    isms_risk_after_free(&a->pub);
    return rc;
  }
  a->pub.n = t->n;
  a->pub.nratings = nr;
  a->pub.rating = a->col;
  a->pub.rank = a->rank;
  a->pub.keep = a->keep;
  *out = &a->pub;
  return ISMS_OK;
}
