/*
** sql_summary.c -- the SQL aggregate isms_summary(x) of every register
** connection: how many non-NULL numbers x gave, their mean, median and
** 90th percentile, as one JSON object
**
**   {"n":100000,"mean":24.5,"median":24.5,"p90":44}
**
** (NULL when there is none). The incident statistics' times to contain
** and to close are one pass over the rows this way, with the time (an
** expression of two columns) computed once per row, instead of a count,
** then a read at the median's rank and one at the 90th percentile's
** (SQLite 3.40 has no median, and computes an expression once per
** aggregate that uses it).
**
** The median is the middle value, or the mean of the two middle values of
** an even count; the 90th percentile is the nearest rank: the value at
** rank ceil(0.9 n) (1-based) of the values in order. The values are kept
** (8 bytes each) and sorted at the end, unless they came in order (from an
** index on x), which is checked in passing. Text, blobs and infinities
** are skipped as NULL is.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "isms_internal.h"

typedef struct summary {
  double *v;
  size_t n, cap;
  double sum;
  int unsorted;  /* a value came after a larger one */
} summary;

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void summary_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  int t = sqlite3_value_numeric_type(argv[0]);
  if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) return;
  summary *s = sqlite3_aggregate_context(ctx, sizeof *s);
  if (!s) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  double x = sqlite3_value_double(argv[0]);
  if (!isfinite(x)) return;
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 256;
    double *v = realloc(s->v, cap * sizeof *v);
    if (!v) {
      sqlite3_result_error_nomem(ctx);
      return;
    }
    s->v = v;
    s->cap = cap;
  }
  if (s->n && x < s->v[s->n - 1]) s->unsorted = 1;
  s->v[s->n++] = x;
  s->sum += x;
}

static void summary_final(sqlite3_context *ctx) {
  summary *s = sqlite3_aggregate_context(ctx, 0);
  if (!s || !s->n) {
    if (s) free(s->v);
    sqlite3_result_null(ctx);
    return;
  }
  size_t n = s->n;
  if (s->unsorted) qsort(s->v, n, sizeof *s->v, by_value);
  double median = (s->v[(n + 1) / 2 - 1] + s->v[(n + 2) / 2 - 1]) / 2;
  size_t p90 = (9 * n + 9) / 10;  /* ceil(0.9 n), 1-based */
  char *json = sqlite3_mprintf("{\"n\":%lld,\"mean\":%.17g,\"median\":%.17g,\"p90\":%.17g}",
                               (long long)n, s->sum / (double)n, median, s->v[p90 - 1]);
  free(s->v);
  if (!json) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_result_text(ctx, json, -1, sqlite3_free);
}

int isms__sql_summary(sqlite3 *sql) {
  return sqlite3_create_function_v2(sql, "isms_summary", 1,
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                    NULL, summary_step, summary_final, NULL);
}
