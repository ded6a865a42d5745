/*
** quant_store.c -- storing a finished quantitative run: one quant_runs row
** with the portfolio before and after treatment, the loss exceedance curve
** at the caller's losses, before and after, and one quant_results row per risk with
** the level and acceptance the caller's bands and criteria gave it. One
** transaction and one change batch ("quant run"); the run is logged as one
** created record, its rows point at it.
*/
#include <stdio.h>
#include <string.h>

#include "quant_internal.h"

#define MAX_POINTS 1000

static int bind_stats(sqlite3_stmt *st, int at, const isms_quant_stats *s) {
  const double v[9] = {s->mean, s->sd, s->p50, s->p90, s->p95, s->p99, s->max, s->p_exceed,
                       s->p_loss};
  for (int k = 0; k < 9; k++) sqlite3_bind_double(st, at + k, v[k]);
  return at + 9;
}

static void bind_text_or_null(sqlite3_stmt *st, int at, const char *s) {
  if (s) sqlite3_bind_text(st, at, s, -1, SQLITE_STATIC);
  else sqlite3_bind_null(st, at);
}

static void bind_flag(sqlite3_stmt *st, int at, const int8_t *flags, size_t i) {
  if (flags && flags[i] >= 0) sqlite3_bind_int(st, at, flags[i] ? 1 : 0);
  else sqlite3_bind_null(st, at);
}

static int fail(isms_db *db, int code, const char *msg) {
  return isms__fail(db, code, "quant: %s", msg);
}

ISMS_API int isms_quant_save(isms_db *db, isms_quant *q, const isms_quant_record *rec,
                             int64_t *run) {
  if (!db) return ISMS_MISUSE;
  isms__clear_error(db);
  if (!q || !rec || !run || !rec->method) return fail(db, ISMS_MISUSE, "bad arguments");
  if (!isms__quant_ready(q)) return fail(db, ISMS_MISUSE, "the run has not finished");
  if (rec->npoints > MAX_POINTS || (rec->npoints && !rec->curve_loss))
    return fail(db, ISMS_MISUSE, "bad curve points");
  const isms_quant_opts *o = isms__quant_opts(q);
  if (o->seed > (uint64_t)INT64_MAX) return fail(db, ISMS_INPUT, "seed above 2^63 - 1");
  size_t n = isms_quant_count(q);
  *run = 0;
  int rc;
  int64_t batch = 0;
  sqlite3_stmt *st = NULL;
  if ((rc = isms__begin(db))) return rc;
  if ((rc = isms__batch_open(db, "quant run", rec->method, rec->reason, &batch))) goto out;
  isms_quant_stats before, after;
  isms_quant_portfolio(q, 0, &before);
  isms_quant_portfolio(q, 1, &after);
  const char *sql_run =
      "INSERT INTO quant_runs(batch, method, currency, metric, seed, iterations, correlation, "
      "risks, threshold, control_cost, mean, sd, p50, p90, p95, p99, max, p_exceed, p_loss, "
      "after_mean, after_sd, after_p50, after_p90, after_p95, after_p99, after_max, "
      "after_p_exceed, after_p_loss, risk_threshold) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
      "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, "
      "?27, ?28, ?29)";
  if (sqlite3_prepare_v2(db->sql, sql_run, -1, &st, NULL) != SQLITE_OK) {
    rc = isms__fail_sql(db, "storing a quant run");
    goto out;
  }
  sqlite3_bind_int64(st, 1, batch);
  sqlite3_bind_text(st, 2, rec->method, -1, SQLITE_STATIC);
  bind_text_or_null(st, 3, rec->currency);
  bind_text_or_null(st, 4, rec->metric);
  sqlite3_bind_int64(st, 5, (int64_t)o->seed);
  sqlite3_bind_int64(st, 6, o->iterations);
  sqlite3_bind_double(st, 7, o->correlation);
  sqlite3_bind_int64(st, 8, (int64_t)n);
  if (o->threshold >= 0) sqlite3_bind_double(st, 9, o->threshold);
  else sqlite3_bind_null(st, 9);
  sqlite3_bind_double(st, 10, rec->control_cost);
  bind_stats(st, bind_stats(st, 11, &before), &after);
  if (o->risk_threshold >= 0) sqlite3_bind_double(st, 29, o->risk_threshold);
  else sqlite3_bind_null(st, 29);
  if (sqlite3_step(st) != SQLITE_DONE) {
    rc = isms__fail_sql(db, "storing a quant run");
    goto out;
  }
  sqlite3_finalize(st);
  st = NULL;
  *run = sqlite3_last_insert_rowid(db->sql);

  if (rec->npoints > 0) {
    double pb[MAX_POINTS], pa[MAX_POINTS];
    const double *x = rec->curve_loss;
    isms_quant_exceedance(q, 0, rec->npoints, x, pb);
    isms_quant_exceedance(q, 1, rec->npoints, x, pa);
    if (sqlite3_prepare_v2(db->sql,
                           "INSERT INTO quant_curve(run, point, loss, before, after) "
                           "VALUES(?1, ?2, ?3, ?4, ?5)",
                           -1, &st, NULL) != SQLITE_OK) {
      rc = isms__fail_sql(db, "storing a loss exceedance curve");
      goto out;
    }
    for (size_t k = 0; k < rec->npoints; k++) {
      sqlite3_bind_int64(st, 1, *run);
      sqlite3_bind_int64(st, 2, (int64_t)k + 1);
      sqlite3_bind_double(st, 3, x[k]);
      sqlite3_bind_double(st, 4, pb[k]);
      sqlite3_bind_double(st, 5, pa[k]);
      if (sqlite3_step(st) != SQLITE_DONE) {
        rc = isms__fail_sql(db, "storing a loss exceedance curve");
        goto out;
      }
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
  }

  const char *sql_risk =
      "INSERT INTO quant_results(run, risk, mean, sd, p50, p90, p95, p99, max, p_exceed, "
      "p_loss, level, acceptable, after_mean, after_sd, after_p50, after_p90, after_p95, "
      "after_p99, after_max, after_p_exceed, after_p_loss, after_level, after_acceptable, "
      "cost) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
      "?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)";
  if (sqlite3_prepare_v2(db->sql, sql_risk, -1, &st, NULL) != SQLITE_OK) {
    rc = isms__fail_sql(db, "storing quant results");
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    isms_quant_stats sb, sa;
    isms_quant_risk_stats(q, i, 0, &sb);
    isms_quant_risk_stats(q, i, 1, &sa);
    sqlite3_bind_int64(st, 1, *run);
    sqlite3_bind_text(st, 2, isms__quant_ref(q, i), -1, SQLITE_STATIC);
    bind_stats(st, 3, &sb);
    bind_text_or_null(st, 12, rec->level ? rec->level[i] : NULL);
    bind_flag(st, 13, rec->acceptable, i);
    bind_stats(st, 14, &sa);
    bind_text_or_null(st, 23, rec->after_level ? rec->after_level[i] : NULL);
    bind_flag(st, 24, rec->after_acceptable, i);
    sqlite3_bind_double(st, 25, rec->cost ? rec->cost[i] : 0);
    if (sqlite3_step(st) != SQLITE_DONE) {
      rc = isms__fail_sql(db, "storing quant results");
      goto out;
    }
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  st = NULL;
  char id[32];
  snprintf(id, sizeof id, "%lld", (long long)*run);
  if ((rc = isms__log_change(db, batch, "quant_run", id, "create", NULL, NULL, NULL))) goto out;
  if ((rc = isms__batch_close(db, batch, 1, 0, 0))) goto out;
  rc = isms__commit(db);
out:
  sqlite3_finalize(st);
  if (rc) {
    isms__rollback(db);
    *run = 0;
  }
  return rc;
}
