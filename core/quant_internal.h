/*
** quant_internal.h -- the random streams and samplers of the quantitative
** risk engine (quant_rng.c, quant_dist.c, quant_sim.c), shared between
** those files only. The samplers are inline: the simulation draws a few
** hundred million numbers a run, and a call per draw would cost more than
** the draw.
**
** Generator: xoshiro256** 1.0 (Blackman and Vigna, 2018), 256 bits of
** state, period 2^256 - 1, with its published jump polynomial (2^128
** steps). A state is seeded from a 64-bit key through SplitMix64 (Steele,
** Lea and Flood, 2014), the seeding its authors recommend. See
** docs/quantitative.md, "Random streams".
*/
#ifndef ISMS_QUANT_INTERNAL_H
#define ISMS_QUANT_INTERNAL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "isms_internal.h"

/* The samplers sit in the simulation's innermost loops: inlined always,
** so a draw costs no call and no spilled registers. */
#define ISMS__HOT static inline __attribute__((always_inline))

/* ------------------------------------------------------------ generator */

typedef struct isms__rng {
  uint64_t s[4];
} isms__rng;

static inline uint64_t isms__rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

ISMS__HOT uint64_t isms__rng_next(isms__rng *r) {
  uint64_t *s = r->s;
  const uint64_t out = isms__rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = isms__rotl(s[3], 45);
  return out;
}

/* [0, 1) in steps of 2^-53. */
ISMS__HOT double isms__rng_unit(isms__rng *r) {
  return (double)(isms__rng_next(r) >> 11) * 0x1.0p-53;
}

/* (0, 1): never 0, so its logarithm is finite. */
ISMS__HOT double isms__rng_open(isms__rng *r) {
  return ((double)(isms__rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

/* 0 .. n-1 by multiply-and-shift (Lemire); the bias is at most n / 2^64. */
ISMS__HOT uint64_t isms__rng_below(isms__rng *r, uint64_t n) {
  return (uint64_t)(((unsigned __int128)isms__rng_next(r) * n) >> 64);
}

/* SplitMix64's output function: a bijective 64-bit mixer. */
static inline uint64_t isms__mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

/* quant_rng.c */
ISMS_HIDDEN void isms__rng_seed(isms__rng *r, uint64_t key);
ISMS_HIDDEN void isms__rng_jump(isms__rng *r);
/* The key of a risk's stream: the seed mixed with a hash of its ref. */
ISMS_HIDDEN uint64_t isms__stream_key(uint64_t seed, const char *ref);

/* ------------------------------------------------------------ exp */

/* exp(mu + sigma z) for lognormal draws, without libm's call: 2^n e^r with
** n = round(x / ln 2) (Cody and Waite's two-part ln 2) and e^r, |r| <= ln 2
** / 2, by its Taylor polynomial of degree 12 (truncation below 2e-16).
** Arguments are kept within [-708, 709], where 2^n stays a normal number.
** quant_sim.c runs the same steps four lanes at a time. */
#define ISMS__EXP_MIN (-708.0)
#define ISMS__EXP_MAX 709.0
#define ISMS__INV_LN2 1.4426950408889634074
#define ISMS__LN2_HI 6.93147180369123816490e-01
#define ISMS__LN2_LO 1.90821492927058770002e-10
#define ISMS__EXP_POLY(r)                                                            \
  (1.0 + (r) * (1.0 + (r) * (1.0 / 2 + (r) * (1.0 / 6 + (r) * (1.0 / 24 +              \
   (r) * (1.0 / 120 + (r) * (1.0 / 720 + (r) * (1.0 / 5040 + (r) * (1.0 / 40320 +       \
   (r) * (1.0 / 362880 + (r) * (1.0 / 3628800 + (r) * (1.0 / 39916800 +               \
   (r) * (1.0 / 479001600)))))))))))))

ISMS__HOT double isms__exp_affine(double mu, double sigma, double z) {
  double x = mu + sigma * z;
  x = x < ISMS__EXP_MIN ? ISMS__EXP_MIN : x;
  x = x > ISMS__EXP_MAX ? ISMS__EXP_MAX : x;
  double kd = x * ISMS__INV_LN2 + 0x1.8p52;
  int64_t k, shift_bits, scale_bits;
  double shift = 0x1.8p52, scale;
  memcpy(&k, &kd, sizeof k);
  memcpy(&shift_bits, &shift, sizeof shift_bits);
  k -= shift_bits;
  kd -= 0x1.8p52;
  double r = (x - kd * ISMS__LN2_HI) - kd * ISMS__LN2_LO;
  scale_bits = (k + 1023) << 52;
  memcpy(&scale, &scale_bits, sizeof scale);
  return ISMS__EXP_POLY(r) * scale;
}

/* ------------------------------------------------------------ normal */

/* Ziggurat tables (Marsaglia and Tsang, 2000) for 256 layers, built once
** by isms__quant_init: x[i] the right edge of layer i (x[0] the base
** layer's equivalent width, x[1] = R, x[256] = 0), f[i] = exp(-x[i]^2/2),
** k[i] = 2^53 x[i+1] / x[i], the part of layer i wholly under the curve. */
typedef struct isms__zig {
  double x[257], f[257];
  uint64_t k[256];
  double xs[256];  /* x[i] / 2^53 */
} isms__zig;
ISMS_HIDDEN extern isms__zig isms__zig_tab;
#define ISMS__ZIG_R 3.6541528853610088

ISMS_HIDDEN void isms__quant_init(void);

ISMS_HIDDEN double isms__normal_slow(isms__rng *r, uint64_t u);

/* A standard normal deviate: one draw gives the layer (bits 0-7), the sign
** (bit 8) and a 53-bit position (bits 11-63); about 99% of deviates stop at
** the first compare. */
ISMS__HOT double isms__normal(isms__rng *r) {
  uint64_t u = isms__rng_next(r);
  unsigned i = (unsigned)(u & 0xff);
  uint64_t m = u >> 11;
  if (__builtin_expect(m < isms__zig_tab.k[i], 1)) {
    double x = (double)m * isms__zig_tab.xs[i];
    return (u & 0x100) ? -x : x;
  }
  return isms__normal_slow(r, u);
}

/* ------------------------------------------------------------ Poisson */

/* ln k! for k >= 0 (table below 256, Stirling's series above). */
ISMS_HIDDEN double isms__log_factorial(uint64_t k);

/* Poisson by inversion from 0, for small means; e = exp(-lambda). */
static inline uint64_t isms__poisson_small(isms__rng *r, double lambda, double e) {
  double u = isms__rng_unit(r);
  double p = e, f = e;
  uint64_t k = 0;
  while (u >= f && k < 1000) {
    k++;
    p *= lambda / (double)k;
    f += p;
    if (p == 0.0) break;  /* the rest of the tail is below double precision */
  }
  return k;
}

ISMS_HIDDEN uint64_t isms__poisson_ptrs(isms__rng *r, double lambda);

/* Poisson(lambda) for any lambda >= 0: inversion below 12, else Hormann's
** transformed rejection (PTRS, 1993). */
static inline uint64_t isms__poisson(isms__rng *r, double lambda) {
  if (lambda <= 0.0) return 0;
  if (lambda < 12.0) return isms__poisson_small(r, lambda, exp(-lambda));
  return isms__poisson_ptrs(r, lambda);
}

/* ------------------------------------------------------------ PERT */

/* The standard beta density of a PERT (both shapes >= 1, so it is bounded
** and unimodal) sampled by rejection from a piecewise-constant envelope:
** [0, 1] cut into 256 equal cells, each covered by the density's maximum
** over the cell (hi) and known to be above its minimum (lo, the squeeze).
** A cell is picked by Walker's alias method in proportion to hi, a point
** uniformly in it, and a height uniformly under hi: below lo it is taken at
** once (about 98% of draws: three draws of the generator and no logarithm),
** else it is taken when under the density. Exact but for the 2^-53 steps of
** the alias thresholds. The table is built per risk, by the worker. */
#define ISMS__PERT_CELLS 256
typedef struct isms__pert_tab {
  double prob[ISMS__PERT_CELLS];   /* keep the cell when a 53-bit draw is below */
  double hi[ISMS__PERT_CELLS], lo[ISMS__PERT_CELLS];
  uint8_t alias[ISMS__PERT_CELLS];
  double am1, bm1, top;            /* log density: am1 ln x + bm1 ln(1 - x) - top */
} isms__pert_tab;

ISMS_HIDDEN void isms__pert_table(isms__pert_tab *t, double alpha, double beta);
/* The density (scaled to a peak of 1) at x, for the rare draws the squeeze
** does not settle. */
ISMS_HIDDEN double isms__pert_density(const isms__pert_tab *t, double x);

ISMS__HOT double isms__pert_std(const isms__pert_tab *t, isms__rng *r) {
  for (;;) {
    uint64_t u = isms__rng_next(r);
    unsigned k = (unsigned)(u & 0xff);
    if ((double)(u >> 11) * 0x1.0p-53 >= t->prob[k]) k = t->alias[k];
    /* One more draw: its high half places the point in the cell (a step of
    ** 2^-40 of the range), its low half its height (2^-32 of hi). */
    uint64_t v = isms__rng_next(r);
    double x = ((double)k + (double)(v >> 32) * 0x1.0p-32) * (1.0 / ISMS__PERT_CELLS);
    double y = (double)(v & 0xffffffffu) * 0x1.0p-32 * t->hi[k];
    if (y < t->lo[k] || y < isms__pert_density(t, x)) return x;
  }
}

/* ------------------------------------------------------------ distributions */

/* A distribution made ready to draw from: the public isms_dist turned into
** the numbers its sampler needs. A PERT draws from tab, which the caller
** builds (isms__dist_tables) before drawing. */
typedef struct isms__dist {
  int kind;          /* enum isms_dist_kind; ISMS_DIST_NONE draws 0 */
  double lo, span;   /* uniform, triangular, PERT: lo + span * variate */
  double mode_at;    /* triangular: (mode - lo) / span */
  double mu, sigma;  /* lognormal: of the underlying normal */
  double alpha, beta;  /* PERT: shapes of the standard beta */
  double value;      /* constant */
  const isms__pert_tab *tab;  /* PERT */
} isms__dist;

/* Checks d (see isms_dist_check) and prepares it; 0, or ISMS_INPUT with a
** reason in why. */
ISMS_HIDDEN int isms__dist_prepare(const isms_dist *d, int role, isms__dist *out, char *why,
                                   size_t whysize);

ISMS__HOT double isms__dist_draw(const isms__dist *d, isms__rng *r) {
  switch (d->kind) {
  case ISMS_DIST_CONSTANT:
    return d->value;
  case ISMS_DIST_UNIFORM:
    return d->lo + d->span * isms__rng_unit(r);
  case ISMS_DIST_TRIANGULAR: {
    double u = isms__rng_unit(r);
    double c = d->mode_at;
    double t = u < c ? sqrt(u * c) : 1.0 - sqrt((1.0 - u) * (1.0 - c));
    return d->lo + d->span * t;
  }
  case ISMS_DIST_PERT:
    return d->lo + d->span * isms__pert_std(d->tab, r);
  case ISMS_DIST_LOGNORMAL:
    return isms__exp_affine(d->mu, d->sigma, isms__normal(r));
  default:
    return 0.0;
  }
}

/* ------------------------------------------------------------ runs */

/* quant_sim.c, for quant_store.c: a finished run's options, a risk's ref,
** and whether the results are ready (1) or not (0). */
ISMS_HIDDEN const isms_quant_opts *isms__quant_opts(isms_quant *q);
ISMS_HIDDEN const char *isms__quant_ref(isms_quant *q, size_t i);
ISMS_HIDDEN int isms__quant_ready(isms_quant *q);

#endif /* ISMS_QUANT_INTERNAL_H */
