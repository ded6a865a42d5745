/*
** quant_dist.c -- the distributions of calibrated estimates: their checks
** (with the reason a person can act on), closed-form moments and CDFs (the
** tests compare samplers against them), and preparation for sampling.
**
**   constant     a
**   uniform      a .. b
**   triangular   min a, most likely b, max c
**   PERT         modified PERT (Vose): a + (c - a) Beta(1 + g (b - a) / (c - a),
**                1 + g (c - b) / (c - a)), shape g ("gamma", 4 by default)
**   lognormal    from a central interval: P(a < X < b) = confidence (0.9 by
**                default), so mu = (ln a + ln b) / 2, sigma = (ln b - ln a) / 2z,
**                z = Phi^-1((1 + confidence) / 2)
**   Poisson      mean a (the count of loss events a year)
*/
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant_internal.h"

#define PERT_GAMMA 4.0
#define CONFIDENCE 0.9
/* Phi^-1(0.95), the z of the usual 90% interval, to the last digit. */
#define Z90 1.6448536269514722
#define SQRT2 1.41421356237309504880

static const char *const role_names[] = {"a rate", "a probability", "an amount"};

/* ============================================================ normal quantile */

static double phi_cdf(double z) { return 0.5 * erfc(-z / SQRT2); }

/* Phi^-1(p) for 0.5 < p < 1 by Newton's method from a logistic guess;
** it settles in a handful of steps to the last bits. */
static double phi_inv(double p) {
  if (p == 0.95) return Z90;
  double z = log(p / (1.0 - p)) * 0.6;
  for (int k = 0; k < 60; k++) {
    double dz = (phi_cdf(z) - p) / (exp(-0.5 * z * z) * 0.39894228040143267794);
    z -= dz;
    if (fabs(dz) < 1e-15 * (1.0 + fabs(z))) break;
  }
  return z;
}

/* ============================================================ checks */

static int bad(char *why, size_t n, const char *fmt, double x, double y) {
  if (why && n) snprintf(why, n, fmt, x, y);
  return ISMS_INPUT;
}

static int check(const isms_dist *d, int role, char *why, size_t n) {
  if (!d) return bad(why, n, "no distribution", 0, 0);
  if (role < ISMS_ROLE_RATE || role > ISMS_ROLE_AMOUNT) return bad(why, n, "unknown role", 0, 0);
  const char *what = role_names[role];
  double a = d->a, b = d->b, c = d->c;
  if (!isfinite(a) || !isfinite(b) || !isfinite(c) || !isfinite(d->shape))
    return bad(why, n, "parameters must be finite numbers", 0, 0);
  double lo = a, hi = a;  /* the range the values can take */
  switch (d->kind) {
  case ISMS_DIST_NONE:
    return ISMS_OK;
  case ISMS_DIST_CONSTANT:
    break;
  case ISMS_DIST_UNIFORM:
    if (a > b) return bad(why, n, "low %.17g > high %.17g", a, b);
    hi = b;
    break;
  case ISMS_DIST_TRIANGULAR:
  case ISMS_DIST_PERT:
    if (a > b) return bad(why, n, "min %.17g > most likely %.17g", a, b);
    if (b > c) return bad(why, n, "most likely %.17g > max %.17g", b, c);
    if (a == c) return bad(why, n, "min = max = %.17g; give a constant instead", a, 0);
    if (d->kind == ISMS_DIST_PERT && (d->shape < 0 || d->shape > 1000))
      return bad(why, n, "PERT gamma %.17g out of range (0 < gamma <= 1000)", d->shape, 0);
    hi = c;
    break;
  case ISMS_DIST_LOGNORMAL:
    if (role == ISMS_ROLE_PROBABILITY)
      return bad(why, n, "a probability cannot be lognormal (it has no upper bound)", 0, 0);
    if (!(a > 0)) return bad(why, n, "lognormal low %.17g must be above 0", a, 0);
    if (a >= b) return bad(why, n, "lognormal low %.17g >= high %.17g", a, b);
    if (d->shape != 0 && !(d->shape > 0 && d->shape < 1))
      return bad(why, n, "confidence %.17g must be between 0 and 1 (e.g. 0.9)", d->shape, 0);
    if (log(b) - log(a) > 23.025850929940457)
      return bad(why, n, "lognormal interval %.17g .. %.17g spans more than 10 orders of "
                 "magnitude", a, b);
    hi = b;
    break;
  case ISMS_DIST_POISSON:
    if (role != ISMS_ROLE_RATE) return bad(why, n, "only a count of events can be Poisson", 0, 0);
    if (a > 1e12) return bad(why, n, "Poisson mean %.17g too large (at most 1e12)", a, 0);
    break;
  default:
    return bad(why, n, "unknown distribution kind", 0, 0);
  }
  if (lo < 0) {
    if (why && n) snprintf(why, n, "%.17g is negative; %s cannot be", lo, what);
    return ISMS_INPUT;
  }
  if (role == ISMS_ROLE_PROBABILITY && hi > 1)
    return bad(why, n, "%.17g is above 1; a probability is 0..1", hi, 0);
  if (hi > 1e15) return bad(why, n, "%.17g is too large (at most 1e15)", hi, 0);
  return ISMS_OK;
}

ISMS_API int isms_dist_check(const isms_dist *d, int role, char *why, size_t whysize) {
  if (why && whysize) why[0] = '\0';
  return check(d, role, why, whysize);
}

static double pert_gamma(const isms_dist *d) { return d->shape > 0 ? d->shape : PERT_GAMMA; }

static void lognormal_params(const isms_dist *d, double *mu, double *sigma) {
  double conf = d->shape > 0 ? d->shape : CONFIDENCE;
  double z = phi_inv(0.5 + 0.5 * conf);
  *mu = 0.5 * (log(d->a) + log(d->b));
  *sigma = (log(d->b) - log(d->a)) / (2.0 * z);
}

int isms__dist_prepare(const isms_dist *d, int role, isms__dist *out, char *why,
                       size_t whysize) {
  memset(out, 0, sizeof *out);
  int rc = check(d, role, why, whysize);
  if (rc) return rc;
  isms__quant_init();
  out->kind = d->kind;
  switch (d->kind) {
  case ISMS_DIST_CONSTANT:
  case ISMS_DIST_POISSON:
    out->value = d->a;
    break;
  case ISMS_DIST_UNIFORM:
    out->lo = d->a, out->span = d->b - d->a;
    break;
  case ISMS_DIST_TRIANGULAR:
    out->lo = d->a, out->span = d->c - d->a;
    out->mode_at = (d->b - d->a) / out->span;
    break;
  case ISMS_DIST_PERT: {
    double g = pert_gamma(d);
    out->lo = d->a, out->span = d->c - d->a;
    double alpha = 1.0 + g * (d->b - d->a) / out->span;
    double beta = 1.0 + g * (d->c - d->b) / out->span;
    out->alpha = alpha, out->beta = beta;
    break;
  }
  case ISMS_DIST_LOGNORMAL:
    lognormal_params(d, &out->mu, &out->sigma);
    break;
  default:
    break;
  }
  return ISMS_OK;
}

/* ============================================================ moments */

ISMS_API int isms_dist_moments(const isms_dist *d, double *mean, double *var) {
  if (!d || !mean || !var) return ISMS_MISUSE;
  if (check(d, ISMS_ROLE_RATE, NULL, 0) && check(d, ISMS_ROLE_AMOUNT, NULL, 0))
    return ISMS_INPUT;
  double a = d->a, b = d->b, c = d->c;
  switch (d->kind) {
  case ISMS_DIST_NONE:
    *mean = *var = 0;
    break;
  case ISMS_DIST_CONSTANT:
    *mean = a, *var = 0;
    break;
  case ISMS_DIST_UNIFORM:
    *mean = 0.5 * (a + b), *var = (b - a) * (b - a) / 12.0;
    break;
  case ISMS_DIST_TRIANGULAR:
    *mean = (a + b + c) / 3.0;
    *var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0;
    break;
  case ISMS_DIST_PERT: {
    double g = pert_gamma(d);
    double m = (a + g * b + c) / (g + 2.0);
    *mean = m, *var = (m - a) * (c - m) / (g + 3.0);
    break;
  }
  case ISMS_DIST_LOGNORMAL: {
    double mu, s;
    lognormal_params(d, &mu, &s);
    *mean = exp(mu + 0.5 * s * s);
    *var = expm1(s * s) * exp(2.0 * mu + s * s);
    break;
  }
  case ISMS_DIST_POISSON:
    *mean = *var = a;
    break;
  default:
    return ISMS_INPUT;
  }
  return ISMS_OK;
}

/* ============================================================ CDFs */

/* The continued fraction of the incomplete beta function (the even and odd
** steps of its standard expansion), by the modified Lentz method. */
static double beta_fraction(double a, double b, double x) {
  const double tiny = 1e-300;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  if (fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double f = d;
  for (int m = 1; m <= 10000; m++) {
    double m2 = 2.0 * m;
    double num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
    d = 1.0 + num * d;
    c = 1.0 + num / c;
    if (fabs(d) < tiny) d = tiny;
    if (fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    f *= d * c;
    num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
    d = 1.0 + num * d;
    c = 1.0 + num / c;
    if (fabs(d) < tiny) d = tiny;
    if (fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    double step = d * c;
    f *= step;
    if (fabs(step - 1.0) < 1e-15) break;
  }
  return f;
}

/* The regularized incomplete beta function I_x(a, b). */
static double beta_reg(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  double lbeta = lgamma(a) + lgamma(b) - lgamma(a + b);
  double front = exp(a * log(x) + b * log1p(-x) - lbeta);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_fraction(a, b, x) / a;
  return 1.0 - front * beta_fraction(b, a, 1.0 - x) / b;
}

ISMS_API int isms_dist_cdf(const isms_dist *d, double x, double *p) {
  if (!d || !p) return ISMS_MISUSE;
  if (check(d, ISMS_ROLE_RATE, NULL, 0) && check(d, ISMS_ROLE_AMOUNT, NULL, 0))
    return ISMS_INPUT;
  double a = d->a, b = d->b, c = d->c;
  switch (d->kind) {
  case ISMS_DIST_NONE:
    *p = x >= 0 ? 1 : 0;
    break;
  case ISMS_DIST_CONSTANT:
    *p = x >= a ? 1 : 0;
    break;
  case ISMS_DIST_UNIFORM:
    *p = x <= a ? 0 : x >= b ? 1 : (x - a) / (b - a);
    break;
  case ISMS_DIST_TRIANGULAR:
    if (x <= a) *p = 0;
    else if (x >= c) *p = 1;
    else if (x <= b) *p = (x - a) * (x - a) / ((c - a) * (b - a));
    else *p = 1.0 - (c - x) * (c - x) / ((c - a) * (c - b));
    break;
  case ISMS_DIST_PERT: {
    double g = pert_gamma(d);
    double alpha = 1.0 + g * (b - a) / (c - a), beta = 1.0 + g * (c - b) / (c - a);
    *p = beta_reg(alpha, beta, (x - a) / (c - a));
    break;
  }
  case ISMS_DIST_LOGNORMAL: {
    double mu, s;
    lognormal_params(d, &mu, &s);
    *p = x <= 0 ? 0 : phi_cdf((log(x) - mu) / s);
    break;
  }
  case ISMS_DIST_POISSON: {
    if (x < 0) {
      *p = 0;
      break;
    }
    double k = floor(x), sum = 0;
    for (double j = 0; j <= k && j < 1e7; j++)
      sum += exp(-a + (a > 0 ? j * log(a) : (j == 0 ? 0 : -INFINITY)) - lgamma(j + 1.0));
    *p = sum > 1 ? 1 : sum;
    break;
  }
  default:
    return ISMS_INPUT;
  }
  return ISMS_OK;
}

/* ============================================================ PERT tables */

/* ln of the standard beta density without its constant; a shape of exactly
** 1 contributes nothing (0 * ln 0 would be NaN at the ends). */
static double log_beta_kernel(double am1, double bm1, double x) {
  double v = 0;
  if (am1 != 0) v += am1 * log(x);
  if (bm1 != 0) v += bm1 * log1p(-x);
  return v;
}

double isms__pert_density(const isms__pert_tab *t, double x) {
  return exp(log_beta_kernel(t->am1, t->bm1, x) - t->top);
}

void isms__pert_table(isms__pert_tab *t, double alpha, double beta) {
  const int K = ISMS__PERT_CELLS;
  t->am1 = alpha - 1.0, t->bm1 = beta - 1.0;
  double mode = alpha + beta > 2.0 ? t->am1 / (alpha + beta - 2.0) : 0.5;
  t->top = log_beta_kernel(t->am1, t->bm1, mode);
  double edge[ISMS__PERT_CELLS + 1];
  for (int k = 0; k <= K; k++) edge[k] = isms__pert_density(t, (double)k / K);
  double total = 0;
  for (int k = 0; k < K; k++) {
    double a = edge[k], b = edge[k + 1];
    int has_mode = mode >= (double)k / K && mode <= (double)(k + 1) / K;
    /* Unimodal: the extremes of a cell are at its ends, or at the mode. */
    t->hi[k] = has_mode ? 1.0 : (a > b ? a : b);
    t->lo[k] = a < b ? a : b;
    total += t->hi[k];
  }
  /* Walker's alias table (Vose's construction): cell k keeps itself with
  ** probability prob[k], else passes to alias[k]. */
  double p[ISMS__PERT_CELLS];
  int small[ISMS__PERT_CELLS], large[ISMS__PERT_CELLS], ns = 0, nl = 0;
  for (int k = 0; k < K; k++) {
    p[k] = t->hi[k] * K / total;
    t->alias[k] = (uint8_t)k;
    if (p[k] < 1.0) small[ns++] = k;
    else large[nl++] = k;
  }
  while (ns > 0 && nl > 0) {
    int s = small[--ns], l = large[nl - 1];
    t->prob[s] = p[s];
    t->alias[s] = (uint8_t)l;
    p[l] -= 1.0 - p[s];
    if (p[l] < 1.0) {
      nl--;
      small[ns++] = l;
    }
  }
  while (nl > 0) t->prob[large[--nl]] = 2.0;  /* always kept */
  while (ns > 0) t->prob[small[--ns]] = 2.0;  /* rounding left it a hair below 1 */
}

/* ============================================================ sampling */

ISMS_API int isms_dist_sample(const isms_dist *d, uint64_t seed, size_t n, double *out) {
  if (!d || (n && !out)) return ISMS_MISUSE;
  isms__dist pd;
  int role = d->kind == ISMS_DIST_POISSON ? ISMS_ROLE_RATE : ISMS_ROLE_AMOUNT;
  int rc = isms__dist_prepare(d, role, &pd, NULL, 0);
  if (rc) return rc;
  isms__rng r;
  isms__rng_seed(&r, seed);
  isms__pert_tab tab;
  if (d->kind == ISMS_DIST_PERT) {
    isms__pert_table(&tab, pd.alpha, pd.beta);
    pd.tab = &tab;
  }
  if (d->kind == ISMS_DIST_POISSON) {
    for (size_t i = 0; i < n; i++) out[i] = (double)isms__poisson(&r, d->a);
  } else {
    for (size_t i = 0; i < n; i++) out[i] = isms__dist_draw(&pd, &r);
  }
  return ISMS_OK;
}
