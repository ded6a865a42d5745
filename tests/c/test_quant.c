/*
** test_quant.c -- the quantitative engine (core/quant_*.c) through the
** public C API: the generator against known answers, every sampler against
** its closed-form moments and CDF (Kolmogorov-Smirnov, or chi-square for
** Poisson), the two bench models against their exact means,
** percentiles against exact values and a high-iteration reference,
** independence of the risks' streams, the same bytes for any thread count
** and risk order, treatment, and every kind of bad input.
**
** All seeds are fixed, so every check is deterministic; the tolerances are
** 4 to 5 standard errors, so a correct engine passes them with any seed.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isms.h"
#include "tap.h"

static isms_dist dist(int kind, double a, double b, double c, double shape) {
  isms_dist d = {kind, a, b, c, shape};
  return d;
}

static int cmp_d(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* ------------------------------------------------------------ generator */

static void test_known_answers(void) {
  /* xoshiro256** seeded through SplitMix64 with key 42; the values come from
  ** an independent implementation (Python, arbitrary precision). */
  isms_dist u = dist(ISMS_DIST_UNIFORM, 0, 1, 0, 0);
  double v[3];
  is_int(isms_dist_sample(&u, 42, 3, v), ISMS_OK, "sample uniform");
  ok(v[0] == 0.083862971059882163 && v[1] == 0.37898025066266861 &&
         v[2] == 0.68004341102813937,
     "uniform draws of seed 42 match the reference generator (%.17g %.17g %.17g)", v[0], v[1],
     v[2]);
  double w[3];
  isms_dist_sample(&u, 43, 3, w);
  ok(w[0] != v[0] && w[1] != v[1], "another seed, other numbers");
}

/* ------------------------------------------------------------ moments */

typedef struct sample_case {
  const char *name;
  isms_dist d;
} sample_case;

static const sample_case cases[] = {
    {"uniform 2..5", {ISMS_DIST_UNIFORM, 2, 5, 0, 0}},
    {"triangular 1, 2, 5", {ISMS_DIST_TRIANGULAR, 1, 2, 5, 0}},
    {"triangular mode at min", {ISMS_DIST_TRIANGULAR, 0, 0, 3, 0}},
    {"PERT 10k, 30k, 100k (gamma 4)", {ISMS_DIST_PERT, 10000, 30000, 100000, 0}},
    {"PERT 0.0125, 0.05, 0.15 (gamma 4)", {ISMS_DIST_PERT, 0.0125, 0.05, 0.15, 4}},
    {"PERT mode at min (gamma 2)", {ISMS_DIST_PERT, 0, 0, 1, 2}},
    {"PERT symmetric (gamma 10)", {ISMS_DIST_PERT, -0, 50, 100, 10}},
    {"PERT mode at max", {ISMS_DIST_PERT, 5, 9, 9, 4}},
    {"lognormal 90% 10k..100k", {ISMS_DIST_LOGNORMAL, 10000, 100000, 0, 0}},
    {"lognormal 80% 1..1000", {ISMS_DIST_LOGNORMAL, 1, 1000, 0, 0.8}},
    {"lognormal 99% 0.5..2", {ISMS_DIST_LOGNORMAL, 0.5, 2, 0, 0.99}},
};
#define NCASES ((int)(sizeof cases / sizeof cases[0]))

static void test_moments_and_ks(void) {
  const size_t n = 400000;
  double *v = malloc(n * sizeof *v);
  for (int k = 0; k < NCASES; k++) {
    const isms_dist *d = &cases[k].d;
    double mean, var;
    is_int(isms_dist_moments(d, &mean, &var), ISMS_OK, "%s: moments", cases[k].name);
    is_int(isms_dist_sample(d, 1000 + (uint64_t)k, n, v), ISMS_OK, "%s: sample", cases[k].name);
    /* A lognormal's variance is dominated by its far tail, which no sample
    ** of this size sees: its moments are checked on ln X, normal with the
    ** mu and sigma its interval implies (and the mean of X by model A). */
    int is_ln = d->kind == ISMS_DIST_LOGNORMAL;
    if (is_ln) {
      double conf = d->shape > 0 ? d->shape : 0.9, z = 0;
      for (double lo = 0, hi = 10; hi - lo > 1e-13;) {  /* Phi(z) = (1 + conf) / 2 */
        z = 0.5 * (lo + hi);
        if (0.5 * erfc(-z / sqrt(2.0)) < 0.5 + 0.5 * conf) lo = z;
        else hi = z;
      }
      mean = 0.5 * (log(d->a) + log(d->b));
      double sigma = (log(d->b) - log(d->a)) / (2 * z);
      var = sigma * sigma;
    }
    double s = 0;
    for (size_t i = 0; i < n; i++) s += is_ln ? log(v[i]) : v[i];
    double m = s / n, ss = 0, s4 = 0;
    for (size_t i = 0; i < n; i++) {
      double e = (is_ln ? log(v[i]) : v[i]) - m;
      ss += e * e;
      s4 += e * e * e * e;
    }
    double sv = ss / (n - 1);
    double se_mean = sqrt(var / n);
    double se_var = sqrt((s4 / n - sv * sv) / n);
    ok(fabs(m - mean) < 5 * se_mean, "%s: sample mean%s %.6g vs %.6g (within 5 SE %.3g)",
       cases[k].name, is_ln ? " of ln X" : "", m, mean, se_mean);
    ok(fabs(sv - var) < 5 * se_var, "%s: sample variance%s %.6g vs %.6g (within 5 SE %.3g)",
       cases[k].name, is_ln ? " of ln X" : "", sv, var, se_var);
    /* Kolmogorov-Smirnov against the closed-form CDF; 1.95 / sqrt(n) is the
    ** 0.1% critical value. */
    qsort(v, n, sizeof *v, cmp_d);
    double dmax = 0;
    for (size_t i = 0; i < n; i++) {
      double f;
      isms_dist_cdf(d, v[i], &f);
      double lo = f - (double)i / n, hi = (double)(i + 1) / n - f;
      if (lo > dmax) dmax = lo;
      if (hi > dmax) dmax = hi;
    }
    ok(dmax < 1.95 / sqrt((double)n), "%s: Kolmogorov-Smirnov D = %.5f < %.5f", cases[k].name,
       dmax, 1.95 / sqrt((double)n));
    double lo = v[0], hi = v[n - 1];
    double f0, f1;
    isms_dist_cdf(d, lo, &f0);
    isms_dist_cdf(d, hi, &f1);
    ok(f0 < 1e-4 && f1 > 1 - 1e-4, "%s: draws span the support (%.4g .. %.4g)", cases[k].name,
       lo, hi);
  }
  /* The normal sampler's tail (the ziggurat's base layer beyond R = 3.654):
  ** through a lognormal, the share of draws beyond e^(mu + 3.6541 sigma). */
  isms_dist ln = dist(ISMS_DIST_LOGNORMAL, 1, 100, 0, 0);
  size_t big = 4000000, beyond = 0;
  double *t = malloc(big * sizeof *t);
  isms_dist_sample(&ln, 7, big, t);
  double mu = log(10.0), sigma = log(100.0) / (2 * 1.6448536269514722);
  double cut_hi = exp(mu + 3.6541528853610088 * sigma), cut_lo = exp(mu - 3.6541528853610088 * sigma);
  for (size_t i = 0; i < big; i++) beyond += t[i] > cut_hi || t[i] < cut_lo;
  double p = erfc(3.6541528853610088 / sqrt(2.0));  /* both tails */
  double want = p * big, se = sqrt(want);
  ok(fabs((double)beyond - want) < 5 * se, "normal tails beyond R: %zu draws, expected %.0f +- %.0f",
     beyond, want, se);
  free(t);
  free(v);
}

static void test_poisson(void) {
  const double means[] = {0.5, 7, 50, 5000};
  const size_t n = 400000;
  double *v = malloc(n * sizeof *v);
  for (int k = 0; k < 4; k++) {
    double lam = means[k];
    isms_dist d = dist(ISMS_DIST_POISSON, lam, 0, 0, 0);
    isms_dist_sample(&d, 77 + (uint64_t)k, n, v);
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++) s += v[i];
    double m = s / n;
    for (size_t i = 0; i < n; i++) ss += (v[i] - m) * (v[i] - m);
    ok(fabs(m - lam) < 5 * sqrt(lam / n), "Poisson(%g): mean %.5g", lam, m);
    ok(fabs(ss / (n - 1) - lam) < 5 * lam * sqrt(2.0 / n) + 5 * sqrt(lam / n),
       "Poisson(%g): variance %.5g", lam, ss / (n - 1));
    /* Chi-square over the values with at least 50 expected draws, the rest
    ** pooled into two tails. */
    int lo = (int)floor(lam - 6 * sqrt(lam) - 1), hi = (int)ceil(lam + 6 * sqrt(lam) + 1);
    if (lo < 0) lo = 0;
    int span = hi - lo + 1;
    double *count = calloc((size_t)span + 2, sizeof *count);
    for (size_t i = 0; i < n; i++) {
      int x = (int)v[i];
      if (x < lo) count[0]++;
      else if (x > hi) count[span + 1]++;
      else count[x - lo + 1]++;
    }
    double chi = 0, prev = 0;
    int bins = 0;
    double pool_obs = count[0], pool_exp = 0;
    if (lo > 0) isms_dist_cdf(&d, lo - 1, &prev);
    pool_exp = prev * n;
    for (int x = lo; x <= hi; x++) {
      double f;
      isms_dist_cdf(&d, x, &f);
      double e = (f - prev) * n;
      prev = f;
      if (e < 50) {
        pool_obs += count[x - lo + 1];
        pool_exp += e;
        continue;
      }
      chi += (count[x - lo + 1] - e) * (count[x - lo + 1] - e) / e;
      bins++;
    }
    pool_obs += count[span + 1];
    pool_exp += (1 - prev) * n;
    if (pool_exp >= 50) {
      chi += (pool_obs - pool_exp) * (pool_obs - pool_exp) / pool_exp;
      bins++;
    }
    /* chi-square with bins - 1 degrees of freedom: mean df, sd sqrt(2 df). */
    double df = bins - 1;
    ok(chi < df + 5 * sqrt(2 * df), "Poisson(%g): chi-square %.1f over %d bins", lam, chi, bins);
    free(count);
  }
  free(v);
}

/* ------------------------------------------------------------ models */

/* The bench models for risk i. */
static isms_quant_risk model_a(int i, char *ref) {
  double lam = 0.05 * (1 + i % 20), low = 10000.0 * (1 + i % 10), high = low * (10 + 5 * (i % 7));
  isms_quant_risk r;
  memset(&r, 0, sizeof r);
  r.ref = ref;
  r.events = ISMS_EVENTS_POISSON;
  r.lef = dist(ISMS_DIST_CONSTANT, lam, 0, 0, 0);
  r.primary = dist(ISMS_DIST_LOGNORMAL, low, high, 0, 0.9);
  return r;
}

static isms_quant_risk model_b(int i, char *ref) {
  double lam = 0.05 * (1 + i % 20), low = 10000.0 * (1 + i % 10), high = low * (10 + 5 * (i % 7));
  isms_quant_risk r;
  memset(&r, 0, sizeof r);
  r.ref = ref;
  r.events = ISMS_EVENTS_PRODUCT;
  r.lef = dist(ISMS_DIST_PERT, 0.25 * lam, lam, 3 * lam, 4);
  r.primary = dist(ISMS_DIST_PERT, low, 3 * low, high, 4);
  return r;
}

static isms_quant_opts options(uint64_t seed, int64_t iterations, int threads) {
  isms_quant_opts o;
  memset(&o, 0, sizeof o);
  o.seed = seed, o.iterations = iterations, o.threads = threads;
  o.threshold = -1, o.risk_threshold = -1;
  return o;
}

static void test_bench_models(void) {
  const double exact[2] = {26001722.15, 24894184.03};
  for (int which = 0; which < 2; which++) {
    /* The closed-form mean from the moments, against the figure. */
    double es = 0;
    char ref[32];
    for (int i = 0; i < 100; i++) {
      isms_quant_risk r = which ? model_b(i, ref) : model_a(i, ref);
      double m1, v1, m2, v2;
      isms_dist_moments(&r.lef, &m1, &v1);
      isms_dist_moments(&r.primary, &m2, &v2);
      es += m1 * m2;
    }
    ok(fabs(es - exact[which]) < 0.01, "model %c: E[S] from the moments is %.2f (issue: %.2f)",
       'A' + which, es, exact[which]);
    isms_quant *q;
    isms_quant_new(&q);
    for (int i = 0; i < 100; i++) {
      snprintf(ref, sizeof ref, "R%03d", i);
      isms_quant_risk r = which ? model_b(i, ref) : model_a(i, ref);
      isms_quant_add(q, &r, NULL);
    }
    isms_quant_opts o = options(2026, 100000, 0);
    is_int(isms_quant_run(q, &o), ISMS_OK, "model %c: run", 'A' + which);
    isms_quant_stats s;
    isms_quant_portfolio(q, 0, &s);
    double se = s.sd / sqrt(100000.0);
    ok(fabs(s.mean - exact[which]) < 4 * se,
       "model %c, 100 risks: portfolio mean %.2f within 4 SE (%.0f) of %.2f", 'A' + which,
       s.mean, se, exact[which]);
    /* The portfolio's mean is the sum of the risks' means, to the cent
    ** rounding of each risk-year. */
    double sum = 0;
    for (size_t i = 0; i < 100; i++) {
      isms_quant_stats r;
      isms_quant_risk_stats(q, i, 0, &r);
      sum += r.mean;
    }
    ok(fabs(sum - s.mean) <= 100 * 0.005 + 1e-6, "model %c: risk means add up to the portfolio's",
       'A' + which);
    isms_quant_free(q);
  }
}

static double mean_of(isms_dist d) {
  double m = 0, v = 0;
  isms_dist_moments(&d, &m, &v);
  return m;
}

/* Each path of the simulation against the closed-form mean of its model:
** E[annual loss] = E[frequency] (E[primary] + E[secondary probability]
** E[secondary]) for Poisson events and for FAIR's product alike. */
static void test_path_means(void) {
  struct {
    const char *name;
    int events;
    isms_dist lef, tef, vuln;
  } paths[] = {
      {"Poisson, constant rate (blocks of events)", ISMS_EVENTS_POISSON,
       {ISMS_DIST_CONSTANT, 0.7, 0, 0, 0}, {0}, {0}},
      {"Poisson, PERT rate (thinning)", ISMS_EVENTS_POISSON, {ISMS_DIST_PERT, 0.1, 0.5, 2, 4}, {0},
       {0}},
      {"Poisson, tef x vulnerability (thinning)", ISMS_EVENTS_POISSON, {0},
       {ISMS_DIST_TRIANGULAR, 2, 5, 12, 0}, {ISMS_DIST_UNIFORM, 0.02, 0.1, 0, 0}},
      {"Poisson, lognormal rate (year by year)", ISMS_EVENTS_POISSON,
       {ISMS_DIST_LOGNORMAL, 0.2, 3, 0, 0.9}, {0}, {0}},
      {"Poisson, large constant rate", ISMS_EVENTS_POISSON, {ISMS_DIST_CONSTANT, 40, 0, 0, 0},
       {0}, {0}},
      {"product, tef x vulnerability", ISMS_EVENTS_PRODUCT, {0},
       {ISMS_DIST_PERT, 1, 4, 9, 4}, {ISMS_DIST_PERT, 0.1, 0.2, 0.5, 4}},
  };
  const int64_t n = 200000;
  for (int k = 0; k < 6; k++) {
    isms_quant *q;
    isms_quant_new(&q);
    isms_quant_risk r;
    memset(&r, 0, sizeof r);
    r.ref = "PATH";
    r.events = paths[k].events;
    r.lef = paths[k].lef, r.tef = paths[k].tef, r.vuln = paths[k].vuln;
    r.primary = dist(ISMS_DIST_TRIANGULAR, 1000, 4000, 20000, 0);
    r.secondary_p = dist(ISMS_DIST_PERT, 0.1, 0.3, 0.6, 4);
    r.secondary = dist(ISMS_DIST_UNIFORM, 5000, 15000, 0, 0);
    is_int(isms_quant_add(q, &r, NULL), ISMS_OK, "%s: add", paths[k].name);
    isms_quant_opts o = options(31 + (uint64_t)k, n, 0);
    is_int(isms_quant_run(q, &o), ISMS_OK, "%s: run", paths[k].name);
    isms_quant_stats s;
    isms_quant_risk_stats(q, 0, 0, &s);
    double rate = r.lef.kind ? mean_of(r.lef) : mean_of(r.tef) * mean_of(r.vuln);
    double want = rate * (mean_of(r.primary) + mean_of(r.secondary_p) * mean_of(r.secondary));
    double se = s.sd / sqrt((double)n);
    ok(fabs(s.mean - want) < 4 * se, "%s: mean %.1f vs exact %.1f (4 SE = %.1f)", paths[k].name,
       s.mean, want, 4 * se);
    isms_quant_free(q);
  }
}

/* Percentiles of a risk whose annual loss is exactly lognormal (one event a
** year, product model) against the closed form. */
static void test_percentiles_exact(void) {
  isms_quant *q;
  isms_quant_new(&q);
  isms_quant_risk r;
  memset(&r, 0, sizeof r);
  r.ref = "LN";
  r.events = ISMS_EVENTS_PRODUCT;
  r.lef = dist(ISMS_DIST_CONSTANT, 1, 0, 0, 0);
  r.primary = dist(ISMS_DIST_LOGNORMAL, 1000, 100000, 0, 0.9);
  isms_quant_add(q, &r, NULL);
  const int64_t n = 400000;
  isms_quant_opts o = options(5, n, 1);
  o.risk_threshold = 100000;
  isms_quant_run(q, &o);
  isms_quant_stats s;
  isms_quant_risk_stats(q, 0, 0, &s);
  double mu = log(10000.0), sigma = log(100.0) / (2 * 1.6448536269514722);
  const double ps[4] = {0.5, 0.9, 0.95, 0.99};
  const double got[4] = {s.p50, s.p90, s.p95, s.p99};
  const double zs[4] = {0, 1.2815515655446004, 1.6448536269514722, 2.3263478740408408};
  for (int k = 0; k < 4; k++) {
    double x = exp(mu + zs[k] * sigma);
    double dens = exp(-0.5 * zs[k] * zs[k]) / 2.5066282746310002 / (x * sigma);
    double se = sqrt(ps[k] * (1 - ps[k]) / n) / dens;
    ok(fabs(got[k] - x) < 4 * se, "lognormal risk: p%02.0f %.1f vs exact %.1f (4 SE = %.1f)",
       ps[k] * 100, got[k], x, 4 * se);
  }
  double pex = 0.05;  /* 100000 is the top of the 90% interval */
  ok(fabs(s.p_exceed - pex) < 4 * sqrt(pex * (1 - pex) / n), "P(loss > 100k) = %.4f (exact 0.05)",
     s.p_exceed);
  ok(s.p_loss == 1.0, "every year has its loss");
  /* The portfolio of one risk is that risk, in cents. */
  isms_quant_stats p;
  isms_quant_portfolio(q, 0, &p);
  ok(fabs(p.p90 - s.p90) <= 0.01 && fabs(p.mean - s.mean) <= 0.005,
     "a one-risk portfolio has the risk's percentiles (to the cent)");
  isms_quant_free(q);
}

/* A compound risk: percentiles of 100k years against a reference of 2M.
** The spread of a 100k-year percentile is measured, not assumed: ten runs
** with other seeds give its standard deviation; their mean must sit within
** 4 standard errors of the reference (whose own error, from 2M years, is
** added), and each run within 4.5 standard deviations. */
static void compound_percentiles(uint64_t seed, int64_t years, double *p) {
  isms_quant *q;
  isms_quant_new(&q);
  isms_quant_risk r;
  memset(&r, 0, sizeof r);
  r.ref = "COMPOUND";
  r.events = ISMS_EVENTS_POISSON;
  r.lef = dist(ISMS_DIST_PERT, 1, 3, 8, 4);  /* a rate that varies year to year */
  r.primary = dist(ISMS_DIST_LOGNORMAL, 5000, 200000, 0, 0.9);
  r.secondary_p = dist(ISMS_DIST_UNIFORM, 0.1, 0.3, 0, 0);
  r.secondary = dist(ISMS_DIST_TRIANGULAR, 10000, 20000, 80000, 0);
  isms_quant_add(q, &r, NULL);
  isms_quant_opts o = options(seed, years, 0);
  isms_quant_run(q, &o);
  isms_quant_stats s;
  isms_quant_risk_stats(q, 0, 0, &s);
  p[0] = s.p50, p[1] = s.p90, p[2] = s.p95, p[3] = s.p99;
  isms_quant_free(q);
}

static void test_percentiles_reference(void) {
  enum { RUNS = 10 };
  double ref[4], got[RUNS][4];
  compound_percentiles(11, 2000000, ref);
  for (int k = 0; k < RUNS; k++) compound_percentiles(100 + (uint64_t)k, 100000, got[k]);
  const char *names[4] = {"p50", "p90", "p95", "p99"};
  for (int j = 0; j < 4; j++) {
    double m = 0, ss = 0, far = 0;
    for (int k = 0; k < RUNS; k++) m += got[k][j];
    m /= RUNS;
    for (int k = 0; k < RUNS; k++) ss += (got[k][j] - m) * (got[k][j] - m);
    double sd = sqrt(ss / (RUNS - 1));
    for (int k = 0; k < RUNS; k++)
      if (fabs(got[k][j] - ref[j]) > far) far = fabs(got[k][j] - ref[j]);
    double se = sd * sqrt(1.0 / RUNS + 100000.0 / 2000000.0);
    ok(fabs(m - ref[j]) < 4 * se && far < 4.5 * sd * sqrt(1.05),
       "compound risk: %s of 100k years %.0f (sd %.0f over %d seeds) vs 2M-year reference %.0f",
       names[j], m, sd, RUNS, ref[j]);
  }
}

/* ------------------------------------------------------------ streams */

static double implied_corr(isms_quant *q) {
  isms_quant_stats a, b, p;
  isms_quant_risk_stats(q, 0, 0, &a);
  isms_quant_risk_stats(q, 1, 0, &b);
  isms_quant_portfolio(q, 0, &p);
  return (p.sd * p.sd - a.sd * a.sd - b.sd * b.sd) / (2 * a.sd * b.sd);
}

static void test_independence(void) {
  for (int corr = 0; corr < 2; corr++) {
    isms_quant *q;
    isms_quant_new(&q);
    const char *refs[2] = {"ASSET-1/T-FIRE", "ASSET-2/T-FIRE"};
    for (int i = 0; i < 2; i++) {
      isms_quant_risk r = model_b(3, (char *)refs[i]);
      isms_quant_add(q, &r, NULL);
    }
    isms_quant_opts o = options(1, 200000, 0);
    o.correlation = corr ? 0.5 : 0;
    is_int(isms_quant_run(q, &o), ISMS_OK, "two identical risks, correlation %g: run",
           o.correlation);
    double c = implied_corr(q);
    if (!corr)
      ok(fabs(c) < 4 / sqrt(200000.0),
         "identical estimates, different refs: independent streams (correlation %.4f)", c);
    else
      ok(c > 0.25 && c < 0.6, "with correlation 0.5 the risks move together (correlation %.3f)",
         c);
    isms_quant_stats a, b;
    isms_quant_risk_stats(q, 0, 0, &a);
    isms_quant_risk_stats(q, 1, 0, &b);
    ok(a.mean != b.mean, "their draws differ");
    isms_quant_free(q);
  }
}

/* Runs model B's first n risks in the given order on t threads; stats by ref. */
static void run_order(int n, int reverse, int threads, uint64_t seed, isms_quant_stats *out,
                      isms_quant_stats *port, double *curve) {
  isms_quant *q;
  isms_quant_new(&q);
  char ref[32];
  for (int k = 0; k < n; k++) {
    int i = reverse ? n - 1 - k : k;
    snprintf(ref, sizeof ref, "RISK-%d", i);
    isms_quant_risk r = (i % 2) ? model_a(i, ref) : model_b(i, ref);
    isms_quant_risk after = r;
    after.primary.a *= 0.5, after.primary.b *= 0.5, after.primary.c *= 0.5;
    isms_quant_add(q, &r, i % 3 == 0 ? &after : NULL);
  }
  isms_quant_opts o = options(seed, 30000, threads);
  o.threshold = 2000000;
  o.risk_threshold = 50000;
  isms_quant_run(q, &o);
  for (int k = 0; k < n; k++) {
    int i = reverse ? n - 1 - k : k;
    isms_quant_risk_stats(q, (size_t)k, 0, &out[2 * i]);
    isms_quant_risk_stats(q, (size_t)k, 1, &out[2 * i + 1]);
  }
  isms_quant_portfolio(q, 0, &port[0]);
  isms_quant_portfolio(q, 1, &port[1]);
  double x[8] = {0, 1e5, 5e5, 1e6, 2e6, 3e6, 5e6, 1e7};
  isms_quant_exceedance(q, 0, 8, x, curve);
  isms_quant_exceedance(q, 1, 8, x, curve + 8);
  isms_quant_free(q);
}

static void test_reproducible(void) {
  enum { N = 40 };
  isms_quant_stats a[2 * N], b[2 * N], pa[2], pb[2];
  double ca[16], cb[16];
  run_order(N, 0, 1, 7, a, pa, ca);
  const int threads[3] = {2, 3, 8};
  for (int t = 0; t < 3; t++) {
    run_order(N, t % 2, threads[t], 7, b, pb, cb);
    ok(memcmp(a, b, sizeof a) == 0 && memcmp(pa, pb, sizeof pa) == 0 &&
           memcmp(ca, cb, sizeof ca) == 0,
       "seed 7: the same bytes on 1 and %d threads, risks %s", threads[t],
       t % 2 ? "in reverse order" : "in the same order");
  }
  run_order(N, 0, 2, 8, b, pb, cb);
  ok(memcmp(pa, pb, sizeof pa) != 0, "seed 8 gives other results");
  /* The exceedance curve falls, starts at the share of years with a loss,
  ** and the treated portfolio sits below the untreated one. */
  int falls = 1;
  for (int k = 1; k < 8; k++) falls &= ca[k] <= ca[k - 1] && ca[8 + k] <= ca[8 + k - 1];
  ok(falls, "the loss exceedance curves never rise");
  ok(ca[0] == pa[0].p_loss, "P(loss > 0) is the share of years with a loss");
  ok(pa[1].mean < pa[0].mean && pa[1].p90 < pa[0].p90, "treatment lowers the portfolio");
  ok(fabs(pa[0].p_exceed - ca[4]) < 1e-12, "the threshold's probability is on the curve");
  /* Untreated risks keep their statistics; treated ones (every third, the
  ** magnitude halved) lose about half their mean. */
  int same = 1, halved = 1;
  for (int i = 0; i < N; i++) {
    if (i % 3) same &= memcmp(&a[2 * i], &a[2 * i + 1], sizeof a[0]) == 0;
    else halved &= fabs(a[2 * i + 1].mean / a[2 * i].mean - 0.5) < 0.05;
  }
  ok(same, "an untreated risk is the same after treatment");
  ok(halved, "halving the magnitude halves the mean (within 5%%)");
  double sum[2] = {0, 0};
  for (int i = 0; i < N; i++) sum[0] += a[2 * i].mean, sum[1] += a[2 * i + 1].mean;
  ok(fabs(sum[0] - pa[0].mean) <= N * 0.005 && fabs(sum[1] - pa[1].mean) <= N * 0.005,
     "the portfolio's means before and after are the sums of the risks'");
}

/* ------------------------------------------------------------ progress */

static void test_progress(void) {
  isms_quant *q;
  isms_quant_new(&q);
  char ref[32];
  for (int i = 0; i < 50; i++) {
    snprintf(ref, sizeof ref, "P%d", i);
    isms_quant_risk r = model_b(i, ref);
    isms_quant_add(q, &r, NULL);
  }
  isms_quant_opts o = options(3, 20000, 2);
  is_int(isms_quant_start(q, &o), ISMS_OK, "start");
  isms_quant_risk r = model_b(0, "LATE");
  is_int(isms_quant_add(q, &r, NULL), ISMS_MISUSE, "no risk joins a running simulation");
  isms_quant_stats s;
  double progress = -1, last = 0;
  int finished = 0, monotone = 1, polls = 0, waits_ok = 1;
  while (!finished) {
    waits_ok &= isms_quant_wait(q, 5, &progress, &finished) == ISMS_OK;
    polls++;
    monotone &= progress >= last && progress <= 1;
    last = progress;
  }
  ok(waits_ok, "every wait succeeds");
  ok(monotone && progress == 1, "progress rises to 1 (%d polls)", polls);
  is_int(isms_quant_portfolio(q, 0, &s), ISMS_OK, "results once finished");
  is_int(isms_quant_start(q, &o), ISMS_MISUSE, "a handle runs once");
  isms_quant_free(q);
  isms_quant_free(NULL);
}

/* ------------------------------------------------------------ bad input */

static void check_dist(isms_dist d, int role, const char *want, const char *what) {
  char why[256];
  is_int(isms_dist_check(&d, role, why, sizeof why), ISMS_INPUT, "%s: refused", what);
  like(why, want, "%s: says why", what);
}

static void test_bad_input(void) {
  check_dist(dist(ISMS_DIST_PERT, 5, 3, 9, 4), ISMS_ROLE_AMOUNT, "min 5 > most likely 3",
             "PERT min > most likely");
  check_dist(dist(ISMS_DIST_TRIANGULAR, 1, 9, 6, 0), ISMS_ROLE_AMOUNT, "most likely 9 > max 6",
             "triangular most likely > max");
  check_dist(dist(ISMS_DIST_PERT, 4, 4, 4, 4), ISMS_ROLE_AMOUNT, "give a constant",
             "PERT min = max");
  check_dist(dist(ISMS_DIST_CONSTANT, -0.5, 0, 0, 0), ISMS_ROLE_RATE, "negative",
             "negative frequency");
  check_dist(dist(ISMS_DIST_PERT, -1, 2, 3, 4), ISMS_ROLE_RATE, "negative",
             "PERT frequency from below 0");
  check_dist(dist(ISMS_DIST_LOGNORMAL, 500, 500, 0, 0), ISMS_ROLE_AMOUNT, "low 500 >= high 500",
             "lognormal low = high");
  check_dist(dist(ISMS_DIST_LOGNORMAL, 900, 100, 0, 0), ISMS_ROLE_AMOUNT, ">= high",
             "lognormal low > high");
  check_dist(dist(ISMS_DIST_LOGNORMAL, 0, 100, 0, 0), ISMS_ROLE_AMOUNT, "above 0",
             "lognormal low 0");
  check_dist(dist(ISMS_DIST_LOGNORMAL, 1, 100, 0, 1.5), ISMS_ROLE_AMOUNT, "confidence",
             "confidence above 1");
  check_dist(dist(ISMS_DIST_UNIFORM, 0.2, 1.5, 0, 0), ISMS_ROLE_PROBABILITY, "above 1",
             "probability above 1");
  check_dist(dist(ISMS_DIST_LOGNORMAL, 0.1, 0.5, 0, 0), ISMS_ROLE_PROBABILITY, "cannot be lognormal",
             "lognormal probability");
  check_dist(dist(ISMS_DIST_UNIFORM, 5, 2, 0, 0), ISMS_ROLE_AMOUNT, "low 5 > high 2",
             "uniform low > high");
  check_dist(dist(ISMS_DIST_CONSTANT, NAN, 0, 0, 0), ISMS_ROLE_AMOUNT, "finite", "NaN");
  check_dist(dist(ISMS_DIST_PERT, 1, 2, 3, -1), ISMS_ROLE_AMOUNT, "gamma", "negative gamma");
  check_dist(dist(42, 1, 2, 3, 0), ISMS_ROLE_AMOUNT, "unknown distribution", "unknown kind");

  isms_quant *q;
  isms_quant_new(&q);
  isms_quant_risk r = model_a(1, "R1");
  is_int(isms_quant_add(q, &r, NULL), ISMS_OK, "a good risk");
  is_int(isms_quant_add(q, &r, NULL), ISMS_INPUT, "the same ref twice");
  like(isms_quant_errmsg(q), "R1 is given twice", "names the ref");
  isms_quant_risk bad = model_a(2, "R2");
  bad.lef = dist(ISMS_DIST_CONSTANT, -1, 0, 0, 0);
  is_int(isms_quant_add(q, &bad, NULL), ISMS_INPUT, "a negative frequency");
  like(isms_quant_errmsg(q), "risk R2: lef: -1 is negative", "names risk and field");
  bad = model_a(2, "R2");
  isms_quant_risk after = bad;
  after.primary = dist(ISMS_DIST_LOGNORMAL, 10, 1, 0, 0);
  is_int(isms_quant_add(q, &bad, &after), ISMS_INPUT, "bad estimates after treatment");
  like(isms_quant_errmsg(q), "after treatment: risk R2: primary:", "says which scenario");
  bad = model_a(2, "R2");
  bad.lef = dist(ISMS_DIST_POISSON, 1, 0, 0, 0);
  is_int(isms_quant_add(q, &bad, NULL), ISMS_INPUT, "Poisson as an estimate");
  bad = model_a(2, "R2");
  bad.secondary = dist(ISMS_DIST_CONSTANT, 5, 0, 0, 0);
  is_int(isms_quant_add(q, &bad, NULL), ISMS_INPUT, "secondary loss without its probability");
  bad = model_a(2, "R2");
  bad.lef.kind = ISMS_DIST_NONE;
  is_int(isms_quant_add(q, &bad, NULL), ISMS_INPUT, "no frequency");
  like(isms_quant_errmsg(q), "give lef, or tef and vulnerability", "says what to give");
  bad.tef = dist(ISMS_DIST_CONSTANT, 4, 0, 0, 0);
  bad.vuln = dist(ISMS_DIST_CONSTANT, 1.2, 0, 0, 0);
  is_int(isms_quant_add(q, &bad, NULL), ISMS_INPUT, "a vulnerability above 1");
  like(isms_quant_errmsg(q), "vulnerability: 1.2 is above 1", "names the field");
  is_int(isms_quant_count(q), 1, "refused risks are not kept");

  isms_quant_opts o = options(1, 0, 0);
  is_int(isms_quant_start(q, &o), ISMS_INPUT, "0 iterations");
  like(isms_quant_errmsg(q), "iterations: 0 is out of range", "says so");
  o.iterations = 10000001;
  is_int(isms_quant_start(q, &o), ISMS_INPUT, "beyond the iteration limit");
  o.iterations = 1000, o.threads = 65;
  is_int(isms_quant_start(q, &o), ISMS_INPUT, "65 threads");
  o.threads = 0, o.correlation = 1.5;
  is_int(isms_quant_start(q, &o), ISMS_INPUT, "correlation above 1");
  o.correlation = 0;
  is_int(isms_quant_run(q, &o), ISMS_OK, "the good risk still runs");
  isms_quant_free(q);

  /* Years too large to add up in cents are refused, not wrapped. */
  isms_quant_new(&q);
  r = model_a(0, "HUGE");
  r.events = ISMS_EVENTS_PRODUCT;
  r.lef = dist(ISMS_DIST_CONSTANT, 1e6, 0, 0, 0);
  r.primary = dist(ISMS_DIST_CONSTANT, 1e15, 0, 0, 0);
  isms_quant_add(q, &r, NULL);
  o = options(1, 100, 1);
  is_int(isms_quant_run(q, &o), ISMS_INPUT, "a year of 1e21 is refused");
  like(isms_quant_errmsg(q), "check the estimates' units", "says what to check");
  isms_quant_free(q);

  isms_quant_new(&q);
  o = options(1, 100, 1);
  is_int(isms_quant_run(q, &o), ISMS_INPUT, "no risks");
  isms_quant_free(q);
}

/* FNV-1a over the bytes of a run of run_order: what both copies of the
** vector kernels must agree on. */
static uint64_t run_digest(void) {
  enum { N = 40 };
  isms_quant_stats st[2 * N], port[2];
  double curve[16];
  run_order(N, 0, 2, 7, st, port, curve);
  uint64_t h = 0xcbf29ce484222325u;
  const unsigned char *parts[3] = {(const unsigned char *)st, (const unsigned char *)port,
                                   (const unsigned char *)curve};
  const size_t sizes[3] = {sizeof st, sizeof port, sizeof curve};
  for (int k = 0; k < 3; k++)
    for (size_t i = 0; i < sizes[k]; i++) h = (h ^ parts[k][i]) * 0x100000001b3u;
  return h;
}

/* The lognormal's exponential runs in an AVX2 copy where the CPU has it
** (core/cpu.c): this process's results against a child's with the
** baseline copy forced. */
static void test_kernel_copies(const char *self) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "ISMS_DISABLE_AVX2=1 '%s' --digest", self);
  FILE *p = popen(cmd, "r");
  unsigned long long child = 0;
  int got = p && fscanf(p, "%llx", &child) == 1;
  if (p) pclose(p);
  ok(got, "the baseline copy runs (%s)", isms_kernels());
  ok(got && child == run_digest(), "the %s and baseline kernels give the same bytes",
     isms_kernels());
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--digest") == 0) {
    printf("%llx\n", (unsigned long long)run_digest());
    return 0;
  }
  test_known_answers();
  test_moments_and_ks();
  test_poisson();
  test_bench_models();
  test_path_means();
  test_percentiles_exact();
  test_percentiles_reference();
  test_independence();
  test_reproducible();
  test_progress();
  test_bad_input();
  test_kernel_copies(argv[0]);
  return done_testing();
}
