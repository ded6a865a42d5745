/*
** quant_rng.c -- random streams for the quantitative engine: seeding and
** jumping xoshiro256**, the stream key of a risk, the ziggurat tables of
** the normal sampler and its slow path, and the Poisson sampler for large
** means.
**
** A risk's stream is keyed by the run's seed and its ref, never by its
** position: the same risk gets the same numbers whatever else is in the
** run, in whatever order, on however many threads. Within a risk, the
** stream is split with jump() (2^128 steps each) into sub-streams: 0 the
** frequency (counts, years of events), 1 the primary magnitude, 2 the
** secondary loss, 3 the correlation score, 4 the years' rates when they
** vary -- so changing one estimate (a treatment) leaves the draws of the
** others where they were.
*/
#include <pthread.h>
#include <string.h>

#include "quant_internal.h"

/* ============================================================ streams */

void isms__rng_seed(isms__rng *r, uint64_t key) {
  /* SplitMix64: state += golden gamma, output = mix(state). Four outputs
  ** are never all zero in practice; guard anyway (xoshiro's one bad state). */
  uint64_t x = key;
  for (int k = 0; k < 4; k++) {
    x += 0x9e3779b97f4a7c15u;
    r->s[k] = isms__mix64(x);
  }
  if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;
}

/* Equivalent to 2^128 calls of next: the published jump polynomial. */
void isms__rng_jump(isms__rng *r) {
  static const uint64_t jump[4] = {0x180ec6d33cfd0abau, 0xd5a61266f0c9392cu,
                                   0xa9582618e03fc9aau, 0x39abdc4529b1661cu};
  uint64_t t[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4; i++)
    for (int b = 0; b < 64; b++) {
      if (jump[i] & ((uint64_t)1 << b))
        for (int k = 0; k < 4; k++) t[k] ^= r->s[k];
      (void)isms__rng_next(r);
    }
  memcpy(r->s, t, sizeof t);
}

/* FNV-1a (64 bits) of the ref, then both halves through the mixer, so
** nearby seeds and refs that differ in one byte give unrelated keys. */
uint64_t isms__stream_key(uint64_t seed, const char *ref) {
  uint64_t h = 0xcbf29ce484222325u;
  for (const unsigned char *p = (const unsigned char *)ref; *p; p++) {
    h ^= *p;
    h *= 0x100000001b3u;
  }
  return isms__mix64(isms__mix64(seed) ^ isms__mix64(h + 0x9e3779b97f4a7c15u));
}

/* ============================================================ tables */

isms__zig isms__zig_tab;
static double log_fact[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static double gauss(double x) { return exp(-0.5 * x * x); }

static void tables_init(void) {
  isms__zig *z = &isms__zig_tab;
  const double r = ISMS__ZIG_R;
  /* Area of each layer: the base layer is the rectangle under f(R) plus
  ** the tail beyond R (erfc gives it exactly). */
  const double v = r * gauss(r) + 1.25331413731550025121 /* sqrt(pi / 2) */ * erfc(r / sqrt(2.0));
  z->x[0] = v / gauss(r);
  z->x[1] = r;
  for (int i = 1; i < 255; i++) {
    double y = gauss(z->x[i]) + v / z->x[i];
    z->x[i + 1] = y < 1.0 ? sqrt(-2.0 * log(y)) : 0.0;
  }
  z->x[256] = 0.0;
  for (int i = 0; i <= 256; i++) z->f[i] = gauss(z->x[i]);
  for (int i = 0; i < 256; i++) {
    z->k[i] = (uint64_t)(ldexp(z->x[i + 1] / z->x[i], 53));
    z->xs[i] = ldexp(z->x[i], -53);
  }
  for (int k = 0; k < 256; k++) log_fact[k] = lgamma((double)k + 1.0);
}

void isms__quant_init(void) { pthread_once(&tables_once, tables_init); }

/* The 1% of normal deviates that miss the rectangle: the tail beyond R
** (Marsaglia, 1964) for the base layer, else the wedge under the curve;
** a point above the curve starts over with a fresh draw. */
double isms__normal_slow(isms__rng *r, uint64_t u) {
  const isms__zig *z = &isms__zig_tab;
  for (;;) {
    unsigned i = (unsigned)(u & 0xff);
    uint64_t m = u >> 11;
    double x = (double)m * z->xs[i];
    if (m < z->k[i]) return (u & 0x100) ? -x : x;
    if (i == 0) {
      double a, b;
      do {
        a = -log(isms__rng_open(r)) / ISMS__ZIG_R;
        b = -log(isms__rng_open(r));
      } while (b + b < a * a);
      x = ISMS__ZIG_R + a;
      return (u & 0x100) ? -x : x;
    }
    double y = z->f[i] + isms__rng_unit(r) * (z->f[i + 1] - z->f[i]);
    if (y < gauss(x)) return (u & 0x100) ? -x : x;
    u = isms__rng_next(r);
  }
}

/* ============================================================ Poisson */

double isms__log_factorial(uint64_t k) {
  if (k < 256) return log_fact[k];
  /* Stirling's series for ln Gamma(x), x = k + 1 >= 257: the first terms
  ** left out are below 1e-17 of the result. */
  double x = (double)k + 1.0, x2 = x * x;
  return (x - 0.5) * log(x) - x + 0.91893853320467274178 +
         (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / (1260.0 * x2)) / x2) / x;
}

/* Hormann, "The transformed rejection method for generating Poisson random
** variables" (1993), algorithm PTRS, for lambda >= 10. */
uint64_t isms__poisson_ptrs(isms__rng *r, double lambda) {
  const double slam = sqrt(lambda), loglam = log(lambda);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    double u = isms__rng_unit(r) - 0.5;
    double v = isms__rng_open(r);
    double us = 0.5 - fabs(u);
    double k = floor((2.0 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return (uint64_t)k;
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (log(v) + log(inv_alpha) - log(a / (us * us) + b) <=
        -lambda + k * loglam - isms__log_factorial((uint64_t)k))
      return (uint64_t)k;
  }
}
