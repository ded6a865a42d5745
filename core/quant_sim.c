/*
** quant_sim.c -- the Monte Carlo engine of the quantitative method:
** annual loss per risk and for the portfolio, before and after treatment.
**
** Work is split by risk. A worker takes the next risk, simulates all its
** years into one vector (before, then after treatment on the same
** streams), reduces the vector to the risk's statistics at once (exact
** percentiles by selection, no sorting), and adds each year's loss, in
** whole cents, into its own portfolio vector -- and for a treated risk
** (after - before) into a second one, so the portfolio after treatment is
** the first plus the second and untreated risks cost nothing twice.
** Nothing of size risks x years is ever held: memory is a few vectors of
** `iterations` per thread.
**
** Results are the same bytes for any thread count and any order of the
** risks: a risk's draws come from its own stream (the seed and its ref,
** quant_rng.c), its statistics are computed by one thread in a fixed
** order, and the portfolio is a sum of integers (cents), which does not
** depend on the order it is added in. Floating-point sums would.
**
** Loss events of a risk with a constant Poisson rate are drawn for the
** whole run at once: the number of events in N years is Poisson(N lambda),
** and each event falls in a year chosen uniformly -- which gives exactly
** independent Poisson(lambda) counts per year, at a cost that follows the
** events, not the (mostly empty) years.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "quant_internal.h"

#define MAX_ITERATIONS 10000000
#define MAX_THREADS 64
/* Loss events a run may simulate (all risks, all years): beyond it a run
** would take hours; the estimates or the iterations are wrong. */
#define MAX_EVENTS 2e10
/* Portfolio years are summed in cents below 2^63. */
#define CENTS_LIMIT 9.2e16

/* One set of estimates, ready to draw from. */
typedef struct model {
  int events;
  int has_lef;
  isms__dist lef, tef, vuln, primary, sp, secondary;
  double rate;       /* the constant frequency, or -1 when it varies */
  double rate_max;   /* the largest frequency it can take, or -1 when unbounded */
  double mean_rate;  /* for the run's size check */
} model;

typedef struct qrisk {
  char *ref;
  uint64_t key;
  int treated;       /* after differs from before */
  model m[2];
} qrisk;

struct isms_quant {
  qrisk *risks;
  size_t n, cap;
  isms__strmap *refs;
  char errmsg[512];

  /* the run */
  isms_quant_opts opts;
  pthread_t threads[MAX_THREADS];
  int nthreads, joined;
  atomic_size_t next, done;
  atomic_int stop;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int started, active, finished, rc;
  double *z0;                 /* the common factor, when correlated */

  /* results */
  isms_quant_stats *stats[2]; /* per risk */
  uint64_t *sum[2];           /* portfolio loss per year, cents, sorted once finished */
  isms_quant_stats port[2];
};

static int fail(isms_quant *q, int code, const char *fmt, const char *a, const char *b) {
  snprintf(q->errmsg, sizeof q->errmsg, fmt, a, b);
  return code;
}

/* ============================================================ handle */

ISMS_API int isms_quant_new(isms_quant **out) {
  if (!out) return ISMS_MISUSE;
  *out = NULL;
  isms_quant *q = calloc(1, sizeof *q);
  if (!q) return ISMS_NOMEM;
  q->refs = isms__strmap_new();
  if (!q->refs) {
    free(q);
    return ISMS_NOMEM;
  }
  pthread_mutex_init(&q->lock, NULL);
  pthread_cond_init(&q->cond, NULL);
  isms__quant_init();
  *out = q;
  return ISMS_OK;
}

static void join_all(isms_quant *q) {
  if (!q->started || q->joined) return;
  for (int t = 0; t < q->nthreads; t++) pthread_join(q->threads[t], NULL);
  q->joined = 1;
}

ISMS_API void isms_quant_free(isms_quant *q) {
  if (!q) return;
  atomic_store(&q->stop, 1);
  join_all(q);
  for (size_t i = 0; i < q->n; i++) free(q->risks[i].ref);
  free(q->risks);
  isms__strmap_free(q->refs);
  for (int s = 0; s < 2; s++) {
    free(q->stats[s]);
    free(q->sum[s]);
  }
  free(q->z0);
  pthread_mutex_destroy(&q->lock);
  pthread_cond_destroy(&q->cond);
  free(q);
}

ISMS_API const char *isms_quant_errmsg(isms_quant *q) { return q ? q->errmsg : "no handle"; }

ISMS_API size_t isms_quant_count(isms_quant *q) { return q ? q->n : 0; }

/* ============================================================ risks */

static int prepare(isms_quant *q, const char *ref, const char *field, const isms_dist *d,
                   int role, isms__dist *out) {
  char why[256];
  if (d->kind == ISMS_DIST_POISSON)
    return fail(q, ISMS_INPUT, "risk %s: %s: Poisson is the events model (events = poisson), "
                "not an estimate", ref, field);
  if (isms__dist_prepare(d, role, out, why, sizeof why)) {
    snprintf(q->errmsg, sizeof q->errmsg, "risk %s: %s: %s", ref, field, why);
    return ISMS_INPUT;
  }
  return ISMS_OK;
}

/* The largest value a distribution can draw, or -1 when it has no bound. */
static double dist_max(const isms_dist *d) {
  switch (d->kind) {
  case ISMS_DIST_CONSTANT: return d->a;
  case ISMS_DIST_UNIFORM: return d->b;
  case ISMS_DIST_TRIANGULAR:
  case ISMS_DIST_PERT: return d->c;
  default: return -1;
  }
}

static double dist_mean(const isms_dist *d) {
  double m = 0, v = 0;
  return isms_dist_moments(d, &m, &v) == ISMS_OK ? m : 0;
}

static int build(isms_quant *q, const isms_quant_risk *r, model *m) {
  const char *ref = r->ref;
  int rc;
  memset(m, 0, sizeof *m);
  if (r->events != ISMS_EVENTS_POISSON && r->events != ISMS_EVENTS_PRODUCT)
    return fail(q, ISMS_INPUT, "risk %s: events: expected poisson or product%s", ref, "");
  m->events = r->events;
  m->has_lef = r->lef.kind != ISMS_DIST_NONE;
  if (m->has_lef) {
    if ((rc = prepare(q, ref, "lef", &r->lef, ISMS_ROLE_RATE, &m->lef))) return rc;
    m->rate = r->lef.kind == ISMS_DIST_CONSTANT ? r->lef.a : -1;
    m->rate_max = dist_max(&r->lef);
    m->mean_rate = dist_mean(&r->lef);
  } else {
    if (r->tef.kind == ISMS_DIST_NONE)
      return fail(q, ISMS_INPUT, "risk %s: no frequency: give lef, or tef and vulnerability%s",
                  ref, "");
    if ((rc = prepare(q, ref, "tef", &r->tef, ISMS_ROLE_RATE, &m->tef))) return rc;
    if (r->vuln.kind == ISMS_DIST_NONE)
      return fail(q, ISMS_INPUT, "risk %s: tef without vulnerability%s", ref, "");
    if ((rc = prepare(q, ref, "vulnerability", &r->vuln, ISMS_ROLE_PROBABILITY, &m->vuln)))
      return rc;
    m->rate = r->tef.kind == ISMS_DIST_CONSTANT && r->vuln.kind == ISMS_DIST_CONSTANT
                  ? r->tef.a * r->vuln.a
                  : -1;
    double tmax = dist_max(&r->tef), vmax = dist_max(&r->vuln);
    m->rate_max = tmax >= 0 && vmax >= 0 ? tmax * vmax : -1;
    m->mean_rate = dist_mean(&r->tef) * dist_mean(&r->vuln);
  }
  if (r->primary.kind == ISMS_DIST_NONE)
    return fail(q, ISMS_INPUT, "risk %s: no primary loss magnitude%s", ref, "");
  if ((rc = prepare(q, ref, "primary", &r->primary, ISMS_ROLE_AMOUNT, &m->primary))) return rc;
  if ((rc = prepare(q, ref, "secondary_probability", &r->secondary_p, ISMS_ROLE_PROBABILITY,
                    &m->sp)))
    return rc;
  if ((rc = prepare(q, ref, "secondary", &r->secondary, ISMS_ROLE_AMOUNT, &m->secondary)))
    return rc;
  if ((r->secondary.kind == ISMS_DIST_NONE) != (r->secondary_p.kind == ISMS_DIST_NONE))
    return fail(q, ISMS_INPUT, "risk %s: secondary loss needs both a probability and a "
                "magnitude%s", ref, "");
  return ISMS_OK;
}

ISMS_API int isms_quant_add(isms_quant *q, const isms_quant_risk *before,
                            const isms_quant_risk *after) {
  if (!q || !before) return ISMS_MISUSE;
  if (q->started) return fail(q, ISMS_MISUSE, "risks cannot be added once the run started%s%s",
                              "", "");
  q->errmsg[0] = '\0';
  const char *ref = before->ref;
  if (!ref || !*ref) return fail(q, ISMS_INPUT, "a risk without a ref%s%s", "", "");
  if (strlen(ref) > 4096) return fail(q, ISMS_INPUT, "risk ref too long%s%s", "", "");
  if (q->n == q->cap) {
    size_t cap = q->cap ? q->cap * 2 : 64;
    qrisk *nr = realloc(q->risks, cap * sizeof *nr);
    if (!nr) return ISMS_NOMEM;
    q->risks = nr, q->cap = cap;
  }
  qrisk *r = &q->risks[q->n];
  memset(r, 0, sizeof *r);
  int rc = build(q, before, &r->m[0]);
  if (!rc && after) {
    rc = build(q, after, &r->m[1]);
    if (rc) {
      /* name the scenario in the message */
      static const char tag[] = "after treatment: ";
      size_t len = strnlen(q->errmsg, sizeof q->errmsg - sizeof tag);
      memmove(q->errmsg + sizeof tag - 1, q->errmsg, len);
      memcpy(q->errmsg, tag, sizeof tag - 1);
      q->errmsg[sizeof tag - 1 + len] = '\0';
    }
  }
  if (rc) return rc;
  if (!after) r->m[1] = r->m[0];
  r->treated = after != NULL;
  int64_t dummy;
  int added = isms__strmap_add(q->refs, ref, strlen(ref), (int64_t)q->n, &dummy);
  if (added < 0) return ISMS_NOMEM;
  if (added == 1) return fail(q, ISMS_INPUT, "risk %s is given twice%s", ref, "");
  r->ref = strdup(ref);
  if (!r->ref) return ISMS_NOMEM;
  q->n++;
  return ISMS_OK;
}

/* ============================================================ one risk */

/* ------------------------------------------------------------ batches */

/* Draws are made a chunk at a time into arrays, so each distribution's
** loop is tight and the exponentials of lognormals run four at a time. */
#define CHUNK 1024

typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4i __attribute__((vector_size(32)));

/* exp(mu + sigma z) over v[0..n) (z in, the value out), the way
** isms__exp_affine does it one at a time: the same operations in the same
** order, so a value does not depend on its place in the array. */
ISMS__HOT void exp_affine_body(double *v, size_t n, double mu, double sigma) {
  size_t i = 0;
  const v4d lo = {ISMS__EXP_MIN, ISMS__EXP_MIN, ISMS__EXP_MIN, ISMS__EXP_MIN};
  const v4d hi = {ISMS__EXP_MAX, ISMS__EXP_MAX, ISMS__EXP_MAX, ISMS__EXP_MAX};
  const v4d shift = {0x1.8p52, 0x1.8p52, 0x1.8p52, 0x1.8p52};
  for (; i + 4 <= n; i += 4) {
    v4d x;
    memcpy(&x, v + i, sizeof x);
    x = mu + sigma * x;
    v4i below = x < lo, above = x > hi;
    x = (v4d)(((v4i)x & ~below) | ((v4i)lo & below));
    x = (v4d)(((v4i)x & ~above) | ((v4i)hi & above));
    v4d kd = x * ISMS__INV_LN2 + shift;
    v4i k = (v4i)kd - (v4i)shift;
    kd = kd - shift;
    v4d r = (x - kd * ISMS__LN2_HI) - kd * ISMS__LN2_LO;
    v4d p = ISMS__EXP_POLY(r);
    v4d scale = (v4d)((k + 1023) << 52);
    x = p * scale;
    memcpy(v + i, &x, sizeof x);
  }
  for (; i < n; i++) v[i] = isms__exp_affine(mu, sigma, v[i]);
}

/* Two copies, as the scoring kernels (cpu.c): AVX2 does the four lanes in
** one instruction where the baseline needs two. Neither uses FMA, so both
** give the same bits. */
#if defined(ISMS_HAVE_AVX2)
ISMS_AVX2_TARGET static void exp_affine_avx2(double *v, size_t n, double mu, double sigma) {
  exp_affine_body(v, n, mu, sigma);
}
#endif
static void exp_affine_base(double *v, size_t n, double mu, double sigma) {
  exp_affine_body(v, n, mu, sigma);
}
static void exp_affine_many(double *v, size_t n, double mu, double sigma) {
#if defined(ISMS_HAVE_AVX2)
  if (isms__use_avx2()) {
    exp_affine_avx2(v, n, mu, sigma);
    return;
  }
#endif
  exp_affine_base(v, n, mu, sigma);
}

static void draw_many(const isms__dist *d, isms__rng *r, size_t n, double *out) {
  switch (d->kind) {
  case ISMS_DIST_CONSTANT:
    for (size_t i = 0; i < n; i++) out[i] = d->value;
    break;
  case ISMS_DIST_UNIFORM:
    for (size_t i = 0; i < n; i++) out[i] = d->lo + d->span * isms__rng_unit(r);
    break;
  case ISMS_DIST_PERT:
    for (size_t i = 0; i < n; i++) out[i] = d->lo + d->span * isms__pert_std(d->tab, r);
    break;
  case ISMS_DIST_LOGNORMAL:
    for (size_t i = 0; i < n; i++) out[i] = isms__normal(r);
    exp_affine_many(out, n, d->mu, d->sigma);
    break;
  case ISMS_DIST_NONE:
    memset(out, 0, n * sizeof *out);
    break;
  default:
    for (size_t i = 0; i < n; i++) out[i] = isms__dist_draw(d, r);
    break;
  }
}

/* Scratch of one worker for the simulation: chunk arrays, and the years'
** rates of a block for thinning. */
#define BLOCK 4096
typedef struct sim_buf {
  uint32_t at[CHUNK];
  double a[CHUNK], b[CHUNK], x[CHUNK], p[CHUNK];
  /* thinning: a year's rate, drawn when the year first has a candidate;
  ** stamp[y] == block says it is drawn in the current block */
  double rate[BLOCK];
  uint32_t stamp[BLOCK];
  uint32_t block;
} sim_buf;

/* The frequency of one year. */
static inline double draw_rate(const model *m, isms__rng *f) {
  if (m->has_lef) return isms__dist_draw(&m->lef, f);
  double t = isms__dist_draw(&m->tef, f);
  return t * isms__dist_draw(&m->vuln, f);
}

/* One loss event: primary, and secondary with its probability. */
static inline double draw_event(const model *m, isms__rng *g, isms__rng *h) {
  double x = isms__dist_draw(&m->primary, g);
  if (m->secondary.kind != ISMS_DIST_NONE) {
    double p = isms__dist_draw(&m->sp, h);
    if (isms__rng_unit(h) < p) x += isms__dist_draw(&m->secondary, h);
  }
  return x;
}

/* The magnitudes of c events falling in the years buf->at[0..c) of block. */
static void land_events(const model *m, isms__rng *g, isms__rng *h, sim_buf *buf, size_t c,
                        double *block) {
  if (c == 0) return;
  double *x = buf->x;
  draw_many(&m->primary, g, c, x);
  if (m->secondary.kind != ISMS_DIST_NONE)
    for (size_t e = 0; e < c; e++) {
      double sp = isms__dist_draw(&m->sp, h);
      if (isms__rng_unit(h) < sp) x[e] += isms__dist_draw(&m->secondary, h);
    }
  for (size_t e = 0; e < c; e++) block[buf->at[e]] += x[e];
}

/* Fills loss[0..n) with the annual losses of model m. */
static void simulate(const model *m, uint64_t key, size_t n, double *loss, sim_buf *buf) {
  isms__rng f, g, h;
  isms__rng_seed(&f, key);
  g = f;
  isms__rng_jump(&g);  /* primary magnitude */
  h = g;
  isms__rng_jump(&h);  /* secondary */
  if (m->events == ISMS_EVENTS_PRODUCT) {
    for (size_t y0 = 0; y0 < n; y0 += CHUNK) {
      size_t c = n - y0 < CHUNK ? n - y0 : CHUNK;
      double *a = buf->a, *b = buf->b, *x = buf->x, *p = buf->p;
      draw_many(m->has_lef ? &m->lef : &m->tef, &f, c, a);
      if (!m->has_lef) {
        draw_many(&m->vuln, &f, c, b);
        for (size_t i = 0; i < c; i++) a[i] *= b[i];
      }
      draw_many(&m->primary, &g, c, x);
      if (m->secondary.kind != ISMS_DIST_NONE) {
        draw_many(&m->sp, &h, c, p);
        draw_many(&m->secondary, &h, c, b);
        for (size_t i = 0; i < c; i++) x[i] += p[i] * b[i];
      }
      for (size_t i = 0; i < c; i++) loss[y0 + i] = a[i] * x[i];
    }
    return;
  }
  if (m->rate >= 0) {
    /* A constant rate: the years go in blocks of BLOCK; the number of
    ** events in a block is Poisson(BLOCK rate), and each falls in a year of
    ** the block chosen uniformly, which makes the years' counts exactly
    ** independent Poisson(rate). The work follows the events, not the
    ** (mostly empty) years, and a block's years stay in the first-level
    ** cache while events land in them. */
    for (size_t y0 = 0; y0 < n; y0 += BLOCK) {
      size_t nb = n - y0 < BLOCK ? n - y0 : BLOCK;
      double *block = loss + y0;
      memset(block, 0, nb * sizeof *block);
      uint64_t events = isms__poisson(&f, m->rate * (double)nb);
      while (events > 0) {
        size_t c = events < CHUNK ? (size_t)events : CHUNK;
        for (size_t e = 0; e < c; e++) buf->at[e] = (uint32_t)isms__rng_below(&f, nb);
        land_events(m, &g, &h, buf, c, block);
        events -= c;
      }
    }
    return;
  }
  if (m->rate_max >= 0) {
    /* A rate that varies from year to year but has a maximum: thinning
    ** (Lewis and Shedler, 1979). Candidates come at the maximum rate as
    ** above, and one in year y is kept with probability rate_y / max --
    ** which leaves Poisson(rate_y) events in the year. A year's rate is
    ** drawn (from a stream of its own) only once the year has a candidate:
    ** in a year without one, no rate would give it an event. */
    isms__rng rr = h;
    isms__rng_jump(&rr);
    isms__rng_jump(&rr);
    const double top = m->rate_max;
    for (size_t y0 = 0; y0 < n; y0 += BLOCK) {
      size_t nb = n - y0 < BLOCK ? n - y0 : BLOCK;
      double *block = loss + y0;
      memset(block, 0, nb * sizeof *block);
      if (++buf->block == 0) {  /* the stamps wrapped: start them over */
        memset(buf->stamp, 0, sizeof buf->stamp);
        buf->block = 1;
      }
      uint64_t candidates = isms__poisson(&f, top * (double)nb);
      while (candidates > 0) {
        size_t c = candidates < CHUNK ? (size_t)candidates : CHUNK, kept = 0;
        for (size_t e = 0; e < c; e++) {
          uint32_t y = (uint32_t)isms__rng_below(&f, nb);
          double u = isms__rng_unit(&f) * top;
          if (buf->stamp[y] != buf->block) {
            buf->stamp[y] = buf->block;
            buf->rate[y] = draw_rate(m, &rr);
          }
          buf->at[kept] = y;
          kept += u < buf->rate[y];
        }
        land_events(m, &g, &h, buf, kept, block);
        candidates -= c;
      }
    }
    return;
  }
  for (size_t y = 0; y < n; y++) {
    uint64_t k = isms__poisson(&f, m->rate >= 0 ? m->rate : draw_rate(m, &f));
    double x = 0;
    for (uint64_t j = 0; j < k; j++) x += draw_event(m, &g, &h);
    loss[y] = x;
  }
}

/* ------------------------------------------------------------ selection */

static inline void swap_d(double *a, double *b) {
  double t = *a;
  *a = *b;
  *b = t;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* Puts the k-th smallest of v[0..n) at v[k], smaller ones before it and
** larger ones after (Hoare's FIND with a median-of-three pivot; a run of
** bad pivots falls back to sorting). Used on small sets. */
static void select_kth(double *v, size_t n, size_t k) {
  size_t lo = 0, hi = n - 1;
  int budget = 64;
  while (hi > lo) {
    if (--budget == 0) {
      qsort(v + lo, hi - lo + 1, sizeof *v, cmp_double);
      return;
    }
    size_t mid = lo + (hi - lo) / 2;
    if (v[mid] < v[lo]) swap_d(&v[mid], &v[lo]);
    if (v[hi] < v[lo]) swap_d(&v[hi], &v[lo]);
    if (v[hi] < v[mid]) swap_d(&v[hi], &v[mid]);
    double pivot = v[mid];
    size_t i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot) i++;
      while (pivot < v[j]) j--;
      if (i <= j) {
        swap_d(&v[i], &v[j]);
        i++;
        if (j == 0) break;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/* Radix selection over positive doubles, whose bit patterns order as the
** numbers do: a histogram of 4096 bins, 32 to an octave below the largest
** value (smaller values share bin 0), finds the bin of each rank; one more
** pass gathers those bins' values, and a small selection finishes. Three
** linear passes in all, instead of the partitions of a quickselect. */
#define SEL_BINS 4096
#define SEL_SHIFT 47

typedef struct selector {
  uint32_t hist[SEL_BINS];
  int16_t slot[SEL_BINS];
} selector;

static inline uint64_t bits_of(double x) {
  uint64_t b;
  memcpy(&b, &x, sizeof b);
  return b;
}

static inline size_t bin_of(double x, uint64_t base) {
  uint64_t b = bits_of(x) >> SEL_SHIFT;
  return b > base ? (size_t)(b - base) : 0;
}

/* The order statistics rank[0..nrank) (ascending, 0-based) of the nv
** positive values v, into out; tmp holds nv values. */
static void select_ranks(const double *v, size_t nv, double vmax, const size_t *rank,
                         int nrank, double *out, double *tmp, selector *sel) {
  uint64_t top = bits_of(vmax) >> SEL_SHIFT;
  uint64_t base = top >= SEL_BINS - 1 ? top - (SEL_BINS - 1) : 0;
  memset(sel->hist, 0, sizeof sel->hist);
  for (size_t j = 0; j < nv; j++) sel->hist[bin_of(v[j], base)]++;
  /* The bin of each rank and its rank inside the bin. */
  size_t bin[8], inside[8], start[8];
  int nslots = 0;
  size_t cum = 0, b = 0;
  for (int q = 0; q < nrank; q++) {
    size_t r = rank[q] < nv ? rank[q] : nv - 1;
    while (cum + sel->hist[b] <= r) cum += sel->hist[b++];
    bin[q] = b, inside[q] = r - cum;
  }
  memset(sel->slot, 0xff, sizeof sel->slot);
  size_t off = 0;
  for (int q = 0; q < nrank; q++) {
    if (sel->slot[bin[q]] >= 0) continue;
    sel->slot[bin[q]] = (int16_t)nslots;
    start[nslots++] = off;
    off += sel->hist[bin[q]];
  }
  size_t fill[8];
  memcpy(fill, start, sizeof fill);
  for (size_t j = 0; j < nv; j++) {
    int s = sel->slot[bin_of(v[j], base)];
    if (s >= 0) tmp[fill[s]++] = v[j];
  }
  for (int q = 0; q < nrank; q++) {
    int s = sel->slot[bin[q]];
    double *set = tmp + start[s];
    size_t cnt = sel->hist[bin[q]];
    select_kth(set, cnt, inside[q]);
    out[q] = set[inside[q]];
  }
}

/* The statistics of n annual losses (loss is left as it was). */
/* A year's loss in whole cents. The run refuses (finish_run) portfolios
** whose years could reach 2^63 cents, so the clamp never changes a value
** that is kept, and the integer sums (modulo 2^64) are exact. */
static inline uint64_t to_cents(double x) {
  double c = x * 100.0 + 0.5;
  c = c < 0x1.0p63 ? c : 0x1.0p63 - 1024.0;
  return (uint64_t)(int64_t)c;
}

/* The years' losses, in cents, go into the portfolio while the statistics
** read them (one pass instead of two): add[y] += cents unless add is NULL,
** sub[y] -= cents unless sub is NULL. */
static inline size_t scan(const double *loss, size_t n, double *scratch, double threshold,
                          uint64_t *add, uint64_t *sub, double *sum_out, double *max_out,
                          size_t *over_out) {
  size_t nv = 0, over = 0;
  double sum = 0, max = 0;
  for (size_t y = 0; y < n; y++) {
    double x = loss[y];
    scratch[nv] = x;  /* kept when positive: no branch on a coin toss */
    nv += x > 0;
    sum += x;
    max = x > max ? x : max;
    over += x > threshold;
    if (add) add[y] += to_cents(x);
    if (sub) sub[y] -= to_cents(x);
  }
  *sum_out = sum, *max_out = max, *over_out = over;
  return nv;
}

static void reduce(const double *loss, size_t n, double *scratch, double *tmp, selector *sel,
                   double threshold, uint64_t *add, uint64_t *sub, isms_quant_stats *st) {
  size_t nv, over;
  double sum, max;
  /* One copy of the loop per use, so the tests on add and sub leave it. */
  if (add && sub) nv = scan(loss, n, scratch, threshold, add, sub, &sum, &max, &over);
  else if (add) nv = scan(loss, n, scratch, threshold, add, NULL, &sum, &max, &over);
  else nv = scan(loss, n, scratch, threshold, NULL, NULL, &sum, &max, &over);
  if (threshold < 0) over = 0;
  double mean = sum / (double)n;
  double ss = (double)(n - nv) * mean * mean;
  for (size_t j = 0; j < nv; j++) {
    double d = scratch[j] - mean;
    ss += d * d;
  }
  st->mean = mean;
  st->sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
  st->max = max;
  st->p_exceed = threshold >= 0 ? (double)over / (double)n : 0;
  st->p_loss = (double)nv / (double)n;
  /* NumPy's default ("linear"): h = (n - 1) p, between order statistics
  ** floor(h) and floor(h) + 1. */
  static const double ps[4] = {0.50, 0.90, 0.95, 0.99};
  size_t rank[8];
  double frac[4], os[8];
  for (int q = 0; q < 4; q++) {
    double h = (double)(n - 1) * ps[q];
    size_t lo = (size_t)h;
    frac[q] = h - (double)lo;
    rank[2 * q] = lo;
    rank[2 * q + 1] = lo + 1 < n ? lo + 1 : lo;
  }
  /* Ranks below the count of loss-free years are 0; the others are
  ** ranks among the years with a loss. */
  size_t zeros = n - nv, vrank[8];
  int nv_ranks = 0;
  for (int k = 0; k < 8; k++) {
    os[k] = 0;
    if (rank[k] >= zeros) vrank[nv_ranks++] = rank[k] - zeros;
  }
  if (nv_ranks > 0) select_ranks(scratch, nv, max, vrank, nv_ranks, os + (8 - nv_ranks), tmp, sel);
  double *p[4] = {&st->p50, &st->p90, &st->p95, &st->p99};
  for (int q = 0; q < 4; q++) *p[q] = os[2 * q] + frac[q] * (os[2 * q + 1] - os[2 * q]);
}

/* ------------------------------------------------------------ correlation */

typedef struct keyed_d {
  double v;
  uint32_t i;
} keyed_d;

static int cmp_keyed(const void *x, const void *y) {
  const keyed_d *a = x, *b = y;
  if (a->v != b->v) return (a->v > b->v) - (a->v < b->v);
  return (a->i > b->i) - (a->i < b->i);
}

/* Reorders the years of loss so that their ranks follow the score
** sqrt(rho) Z0 + sqrt(1 - rho) Zi (a one-factor Gaussian copula): two risks'
** losses then have the rank correlation of their scores, their
** distributions unchanged. */
static void correlate(const isms_quant *q, uint64_t key, size_t n, double *loss,
                      double *sorted, keyed_d *score) {
  isms__rng c;
  isms__rng_seed(&c, key);
  for (int j = 0; j < 3; j++) isms__rng_jump(&c);  /* the fourth sub-stream */
  double rho = q->opts.correlation, a = sqrt(rho), b = sqrt(1.0 - rho);
  for (size_t y = 0; y < n; y++) {
    score[y].v = a * q->z0[y] + b * isms__normal(&c);
    score[y].i = (uint32_t)y;
  }
  qsort(score, n, sizeof *score, cmp_keyed);
  memcpy(sorted, loss, n * sizeof *loss);
  qsort(sorted, n, sizeof *sorted, cmp_double);
  for (size_t k = 0; k < n; k++) loss[score[k].i] = sorted[k];
}

/* ============================================================ workers */


typedef struct worker_buf {
  double *loss, *scratch, *tmp, *sorted;
  selector sel;
  sim_buf sim;
  isms__pert_tab tab[6];
  keyed_d *score;
  uint64_t *sum[2];
} worker_buf;

static void buf_free(worker_buf *w) {
  free(w->loss);
  free(w->scratch);
  free(w->tmp);
  free(w->sorted);
  free(w->score);
  free(w->sum[0]);
  free(w->sum[1]);
}

/* A copy of m whose PERT estimates draw from tables of the worker's. */
static void with_tables(const model *src, model *dst, isms__pert_tab *tab) {
  *dst = *src;
  isms__dist *d[6] = {&dst->lef, &dst->tef, &dst->vuln, &dst->primary, &dst->sp,
                      &dst->secondary};
  for (int k = 0; k < 6; k++)
    if (d[k]->kind == ISMS_DIST_PERT) {
      isms__pert_table(&tab[k], d[k]->alpha, d[k]->beta);
      d[k]->tab = &tab[k];
    }
}

static int finish_run(isms_quant *q);

static void *worker(void *arg) {
  isms_quant *q = arg;
  size_t n = (size_t)q->opts.iterations;
  worker_buf *wb = calloc(1, sizeof *wb);
  if (!wb) {
    pthread_mutex_lock(&q->lock);
    q->rc = ISMS_NOMEM;
    snprintf(q->errmsg, sizeof q->errmsg, "out of memory");
    atomic_store(&q->stop, 1);
    if (--q->active == 0) {
      q->finished = 1;
      pthread_cond_broadcast(&q->cond);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
  }
  worker_buf *w = wb;
  int corr = q->opts.correlation > 0;
  w->loss = calloc(n, sizeof *w->loss);
  w->scratch = malloc(n * sizeof *w->scratch);
  w->tmp = malloc(n * sizeof *w->tmp);
  w->sum[0] = calloc(n, sizeof *w->sum[0]);
  w->sum[1] = calloc(n, sizeof *w->sum[1]);
  if (corr) {
    w->sorted = malloc(n * sizeof *w->sorted);
    w->score = malloc(n * sizeof *w->score);
  }
  int rc = ISMS_OK;
  if (!w->loss || !w->scratch || !w->tmp || !w->sum[0] || !w->sum[1] ||
      (corr && (!w->sorted || !w->score)))
    rc = ISMS_NOMEM;
  while (!rc && !atomic_load(&q->stop)) {
    size_t i = atomic_fetch_add(&q->next, 1);
    if (i >= q->n) break;
    const qrisk *r = &q->risks[i];
    /* sum[0]: the portfolio before treatment; sum[1]: what treatment
    ** changes in it (after - before, modulo 2^64), so an untreated risk
    ** costs nothing more. */
    for (int sc = 0; sc < 1 + r->treated; sc++) {
      model m;
      with_tables(&r->m[sc], &m, w->tab);
      simulate(&m, r->key, n, w->loss, &w->sim);
      if (!corr) {
        /* The portfolio's sums ride along with the statistics' scan. */
        uint64_t *add = sc == 0 ? w->sum[0] : w->sum[1];
        uint64_t *sub = sc == 0 && r->treated ? w->sum[1] : NULL;
        reduce(w->loss, n, w->scratch, w->tmp, &w->sel, q->opts.risk_threshold, add, sub,
               &q->stats[sc][i]);
        continue;
      }
      reduce(w->loss, n, w->scratch, w->tmp, &w->sel, q->opts.risk_threshold, NULL, NULL,
             &q->stats[sc][i]);
      correlate(q, r->key, n, w->loss, w->sorted, w->score);
      const double *loss = w->loss;
      if (sc == 0) {
        uint64_t *s0 = w->sum[0];
        for (size_t y = 0; y < n; y++) s0[y] += to_cents(loss[y]);
        if (r->treated) {
          uint64_t *d = w->sum[1];
          for (size_t y = 0; y < n; y++) d[y] -= to_cents(loss[y]);
        }
      } else {
        uint64_t *d = w->sum[1];
        for (size_t y = 0; y < n; y++) d[y] += to_cents(loss[y]);
      }
    }
    if (!r->treated) q->stats[1][i] = q->stats[0][i];
    atomic_fetch_add(&q->done, 1);
  }
  pthread_mutex_lock(&q->lock);
  if (rc && !q->rc) {
    q->rc = rc;
    snprintf(q->errmsg, sizeof q->errmsg, "out of memory for %zu iterations", n);
    atomic_store(&q->stop, 1);
  }
  if (!q->rc) {
    /* Integer sums: the order the workers arrive in does not matter. */
    for (int s = 0; s < 2; s++)
      for (size_t y = 0; y < n; y++) q->sum[s][y] += w->sum[s][y];
  }
  buf_free(w);
  free(wb);
  if (--q->active == 0) {
    if (!q->rc) q->rc = finish_run(q);
    q->finished = 1;
    pthread_cond_broadcast(&q->cond);
  }
  pthread_mutex_unlock(&q->lock);
  return NULL;
}

static int cmp_u64(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return (a > b) - (a < b);
}

/* The k-th smallest of the sorted portfolio years, in money. */
static double year_at(const uint64_t *v, size_t k) { return (double)v[k] / 100.0; }

static double quantile_sorted(const uint64_t *v, size_t n, double p) {
  double h = (double)(n - 1) * p;
  size_t lo = (size_t)h;
  size_t hi = lo + 1 < n ? lo + 1 : lo;
  double a = year_at(v, lo), b = year_at(v, hi);
  return a + (h - (double)lo) * (b - a);
}

/* Count of sorted years above x (money). */
static size_t above(const uint64_t *v, size_t n, double x) {
  if (x < 0) return n;
  double c = floor(x * 100.0);
  if (c >= 18446744073709549568.0) return 0;
  uint64_t t = (uint64_t)c;
  size_t lo = 0, hi = n;  /* first index with v > t */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (v[mid] > t) hi = mid;
    else lo = mid + 1;
  }
  return n - lo;
}

/* Sorts the portfolio years and computes their statistics (the last worker,
** under the lock). */
static int finish_run(isms_quant *q) {
  size_t n = (size_t)q->opts.iterations;
  /* No year can be above the sum of the risks' worst years: when that is
  ** below the limit, every cent was counted exactly. */
  for (int s = 0; s < 2; s++) {
    double bound = 0;
    for (size_t i = 0; i < q->n; i++) bound += q->stats[s][i].max;
    if (!(bound < CENTS_LIMIT)) {
      snprintf(q->errmsg, sizeof q->errmsg, "simulated years reach %.3g%s, beyond the %.3g "
               "a portfolio year can hold; check the estimates' units", bound,
               s ? " after treatment" : "", CENTS_LIMIT);
      return ISMS_INPUT;
    }
  }
  for (size_t y = 0; y < n; y++) q->sum[1][y] += q->sum[0][y];
  for (int s = 0; s < 2; s++) {
    uint64_t *v = q->sum[s];
    unsigned __int128 total = 0;
    size_t nloss = 0;
    for (size_t y = 0; y < n; y++) {
      total += v[y];
      nloss += v[y] > 0;
    }
    double mean = (double)total / 100.0 / (double)n, ss = 0;
    for (size_t y = 0; y < n; y++) {
      double d = (double)v[y] / 100.0 - mean;
      ss += d * d;
    }
    qsort(v, n, sizeof *v, cmp_u64);
    isms_quant_stats *st = &q->port[s];
    st->mean = mean;
    st->sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
    st->p50 = quantile_sorted(v, n, 0.50);
    st->p90 = quantile_sorted(v, n, 0.90);
    st->p95 = quantile_sorted(v, n, 0.95);
    st->p99 = quantile_sorted(v, n, 0.99);
    st->max = year_at(v, n - 1);
    st->p_exceed = q->opts.threshold >= 0 ? (double)above(v, n, q->opts.threshold) / (double)n
                                          : 0;
    st->p_loss = (double)nloss / (double)n;
  }
  return ISMS_OK;
}

/* ============================================================ run */

static int cpu_count(void) {
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  return c < 1 ? 1 : c > MAX_THREADS ? MAX_THREADS : (int)c;
}

ISMS_API int isms_quant_start(isms_quant *q, const isms_quant_opts *opts) {
  if (!q || !opts) return ISMS_MISUSE;
  if (q->started) return fail(q, ISMS_MISUSE, "a handle runs once%s%s", "", "");
  q->errmsg[0] = '\0';
  char num[64];
  if (opts->iterations < 1 || opts->iterations > MAX_ITERATIONS) {
    snprintf(num, sizeof num, "%lld", (long long)opts->iterations);
    return fail(q, ISMS_INPUT, "iterations: %s is out of range (1 .. %s)", num, "10000000");
  }
  if (opts->threads < 0 || opts->threads > MAX_THREADS) {
    snprintf(num, sizeof num, "%d", opts->threads);
    return fail(q, ISMS_INPUT, "threads: %s is out of range (0 = automatic .. %s)", num, "64");
  }
  if (!(opts->correlation >= 0 && opts->correlation <= 1)) {
    snprintf(num, sizeof num, "%.17g", opts->correlation);
    return fail(q, ISMS_INPUT, "correlation: %s is out of range (0 .. 1)%s", num, "");
  }
  if (!isfinite(opts->threshold) || !isfinite(opts->risk_threshold))
    return fail(q, ISMS_INPUT, "thresholds must be finite numbers%s%s", "", "");
  if (q->n == 0) return fail(q, ISMS_INPUT, "no risks to simulate%s%s", "", "");
  double events = 0;
  for (size_t i = 0; i < q->n; i++)
    for (int s = 0; s < 1 + q->risks[i].treated; s++)
      if (q->risks[i].m[s].events == ISMS_EVENTS_POISSON)
        events += q->risks[i].m[s].mean_rate * (double)opts->iterations;
  if (events > MAX_EVENTS) {
    snprintf(num, sizeof num, "%.3g", events);
    return fail(q, ISMS_INPUT, "about %s loss events to simulate (at most %s): lower the "
                "iterations or the frequencies", num, "2e10");
  }
  q->opts = *opts;
  size_t n = (size_t)opts->iterations;
  for (int s = 0; s < 2; s++) {
    q->stats[s] = calloc(q->n, sizeof *q->stats[s]);
    q->sum[s] = calloc(n, sizeof *q->sum[s]);
    if (!q->stats[s] || !q->sum[s]) return ISMS_NOMEM;
  }
  for (size_t i = 0; i < q->n; i++)
    q->risks[i].key = isms__stream_key(opts->seed, q->risks[i].ref);
  if (opts->correlation > 0) {
    q->z0 = malloc(n * sizeof *q->z0);
    if (!q->z0) return ISMS_NOMEM;
    isms__rng c;
    isms__rng_seed(&c, isms__mix64(opts->seed ^ 0x5851f42d4c957f2du));
    for (size_t y = 0; y < n; y++) q->z0[y] = isms__normal(&c);
  }
  int threads = opts->threads ? opts->threads : cpu_count();
  if ((size_t)threads > q->n) threads = (int)q->n;
  atomic_store(&q->next, 0);
  atomic_store(&q->done, 0);
  atomic_store(&q->stop, 0);
  q->started = 1;
  q->active = threads;
  q->nthreads = 0;
  for (int t = 0; t < threads; t++) {
    if (pthread_create(&q->threads[t], NULL, worker, q) != 0) {
      /* The threads running finish the work; count out those never made. */
      pthread_mutex_lock(&q->lock);
      q->active -= threads - t;
      if (t == 0) {
        q->finished = 1;
        q->rc = ISMS_NOMEM;
        snprintf(q->errmsg, sizeof q->errmsg, "cannot start a thread");
      }
      pthread_mutex_unlock(&q->lock);
      break;
    }
    q->nthreads++;
  }
  return ISMS_OK;
}

ISMS_API int isms_quant_wait(isms_quant *q, int timeout_ms, double *progress, int *finished) {
  if (!q || !q->started) return ISMS_MISUSE;
  pthread_mutex_lock(&q->lock);
  if (!q->finished && timeout_ms > 0) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    while (!q->finished)
      if (pthread_cond_timedwait(&q->cond, &q->lock, &until) != 0) break;
  }
  int done = q->finished, rc = q->rc;
  pthread_mutex_unlock(&q->lock);
  if (done) join_all(q);
  if (progress) *progress = q->n ? (double)atomic_load(&q->done) / (double)q->n : 1;
  if (finished) *finished = done;
  return rc;
}

ISMS_API int isms_quant_run(isms_quant *q, const isms_quant_opts *opts) {
  int rc = isms_quant_start(q, opts);
  if (rc) return rc;
  int finished = 0;
  while (!finished)
    if ((rc = isms_quant_wait(q, 1000, NULL, &finished))) return rc;
  return ISMS_OK;
}

/* ============================================================ results */

static int ready(isms_quant *q) {
  if (!q || !q->started || !q->finished || q->rc) return 0;
  join_all(q);
  return 1;
}

ISMS_API int isms_quant_risk_stats(isms_quant *q, size_t i, int after, isms_quant_stats *out) {
  if (!ready(q) || !out || i >= q->n || (after != 0 && after != 1)) return ISMS_MISUSE;
  *out = q->stats[after][i];
  return ISMS_OK;
}

ISMS_API int isms_quant_portfolio(isms_quant *q, int after, isms_quant_stats *out) {
  if (!ready(q) || !out || (after != 0 && after != 1)) return ISMS_MISUSE;
  *out = q->port[after];
  return ISMS_OK;
}

ISMS_API int isms_quant_exceedance(isms_quant *q, int after, size_t n, const double *loss,
                                   double *prob) {
  if (!ready(q) || (after != 0 && after != 1) || (n && (!loss || !prob))) return ISMS_MISUSE;
  size_t years = (size_t)q->opts.iterations;
  for (size_t k = 0; k < n; k++)
    prob[k] = (double)above(q->sum[after], years, loss[k]) / (double)years;
  return ISMS_OK;
}

ISMS_API int isms_quant_quantile(isms_quant *q, int after, double p, double *loss) {
  if (!ready(q) || (after != 0 && after != 1) || !loss || !(p >= 0 && p <= 1))
    return ISMS_MISUSE;
  *loss = quantile_sorted(q->sum[after], (size_t)q->opts.iterations, p);
  return ISMS_OK;
}


/* For quant_store.c (declared in quant_internal.h). */
const isms_quant_opts *isms__quant_opts(isms_quant *q) { return &q->opts; }
const char *isms__quant_ref(isms_quant *q, size_t i) { return q->risks[i].ref; }
int isms__quant_ready(isms_quant *q) { return ready(q); }
