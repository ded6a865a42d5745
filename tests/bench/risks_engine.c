/*
** risks_engine.c -- the bench side of the isms risk-scoring benchmark
** (tests/bench/risks-spec.md), loaded by risks_engine.lua through the FFI.
**
** It makes the input -- the rating, asset class and obligation columns of
** the N*T generated risks (the spec's "generate" step) -- and hands it to
** libisms's public API, which does all the engine work:
**
**   risks_stream    each thread takes chunks of the risks in turn,
**                   generates each into small buffers it reuses and passes
**                   it to isms_scorer_evaluate, into a tally of its own;
**                   the tallies are merged (isms_risk_tally_merge). All N*T
**                   risks are generated and evaluated; no per-risk array of
**                   N*T entries is ever allocated.
**   risks_generate  the whole columns at once (for re-scoring the same
**                   columns, and for the --unfused comparison);
**   risks_fill_cells  the scorer's cells from the spec's formula, through
**                   isms_scorer_set_cell;
**   risks_tally     the digest aggregates of columns that the separate
**                   kernels (isms_scorer_score, isms_scorer_accept) filled.
*/
#define _DEFAULT_SOURCE 1 /* MAP_ANONYMOUS, MAP_POPULATE */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "isms.h"
#include "risks_engine.h"

#define RISKS_API __attribute__((visibility("default")))

enum {
  MAX_FACTORS = 4,
  MAX_THREADS = 16,
  CHUNK = 16384  /* risks per chunk: the buffers (5 x 16 KiB) stay in L2 */
};
#define MULT 2654435761u

typedef struct gen {
  uint32_t threats;
  int nfactors;
  uint32_t tiers[MAX_FACTORS];
  uint64_t magic[MAX_FACTORS];  /* ceil(2^64 / tiers), for the divisions */
  uint32_t cells;               /* product of the tiers, P_F */
  uint64_t cells_magic;         /* ceil(2^64 / P_F), for h mod P_F */
  uint32_t *digits;             /* cells <= MAX_TABLE: the ratings of h mod P_F */
  int vec;                      /* gen_vec can do it (see there) */
  uint16_t vmul[MAX_FACTORS];   /* mulhi16(x, vmul) = x / tiers (checked) */
} gen;

enum { MAX_TABLE = 1 << 16 };

/* n / d for any 32-bit n and 2 <= d < 2^32, as a multiply (Lemire, Kaser
** and Kurz, "Faster remainder by direct computation", 2019): the ratings
** are mixed-radix digits of the hash, and a hardware division per digit
** would cost more than all the engine's work on the risk. */
static inline uint32_t div_magic(uint32_t n, uint64_t magic) {
  return (uint32_t)(((unsigned __int128)magic * n) >> 64);
}

static void gen_free(gen *g) { free(g->digits); }

/* n mod d, the same way (ibid.); d = 1 gives 0 as it should. */
static inline uint32_t mod_magic(uint32_t n, uint64_t magic, uint32_t d) {
  return (uint32_t)(((unsigned __int128)(magic * n) * d) >> 64);
}

static void gen_vec_init(gen *g, uint64_t cells);

static int gen_init(gen *g, uint32_t threats, int nfactors, const int *tiers) {
  if (nfactors < 1 || nfactors > MAX_FACTORS || !threats) return 1;
  g->threats = threats;
  g->nfactors = nfactors;
  g->digits = NULL;
  uint64_t cells = 1;
  for (int f = 0; f < nfactors; f++) {
    if (tiers[f] < 1 || tiers[f] > 255) return 1;
    g->tiers[f] = (uint32_t)tiers[f];
    g->magic[f] = tiers[f] > 1 ? UINT64_MAX / (uint64_t)tiers[f] + 1 : 0;
    cells *= (uint64_t)tiers[f];
  }
  /* The ratings are the lowest F mixed-radix digits of h, so they depend
  ** on h mod P_F only: with a small P_F, one modulo and a table of the
  ** digits of 0 .. P_F - 1 stand for F divisions. */
  if (cells <= MAX_TABLE) {
    g->cells = (uint32_t)cells;
    g->cells_magic = UINT64_MAX / cells + 1;
    if (!(g->digits = malloc(cells * sizeof *g->digits))) return 1;
    for (uint32_t u = 0; u < cells; u++) {
      uint32_t q = u, packed = 0;
      for (int f = 0; f < nfactors; f++) {
        packed |= (q % g->tiers[f] + 1) << (8 * f);
        q /= g->tiers[f];
      }
      g->digits[u] = packed;
    }
    gen_vec_init(g, cells);
  }
  return 0;
}

static inline __attribute__((always_inline)) void gen_table(const gen *g, uint32_t h, size_t n,
                                                           uint8_t *const *rat, const int nf) {
  const uint32_t *digits = g->digits, P = g->cells;
  const uint64_t M = g->cells_magic;
  uint8_t *r0 = rat[0], *r1 = rat[nf > 1], *r2 = rat[nf > 2 ? 2 : 0], *r3 = rat[nf > 3 ? 3 : 0];
  for (size_t x = 0; x < n; x++, h += MULT) {
    const uint32_t d = digits[mod_magic(h, M, P)];
    r0[x] = (uint8_t)d;
    if (nf > 1) r1[x] = (uint8_t)(d >> 8);
    if (nf > 2) r2[x] = (uint8_t)(d >> 16);
    if (nf > 3) r3[x] = (uint8_t)(d >> 24);
  }
}

/* With SSE2 and P_F < 2^15, gen_vec makes 16 risks at a time: u = h mod P_F
** advanced 16 risks a step by additions alone (h grows by 16 * MULT mod 2^32;
** when that wraps, u loses 2^32 mod P_F), then the digits of u in 16-bit
** lanes, each division a high multiply whose exactness over the digit's
** whole range is checked here, once. */
static void gen_vec_init(gen *g, uint64_t cells) {
  g->vec = 0;
#if defined(__SSE2__)
  if (cells >= (1u << 15)) return;
  uint32_t range = (uint32_t)cells;  /* numerator x < range at factor f */
  for (int f = 0; f + 1 < g->nfactors; f++) {
    const uint32_t t = g->tiers[f];
    const uint32_t m = (65536 + t - 1) / t;
    if (t < 2 || m > 0xffff) return;  /* tiers = 1: the scalar paths do that */
    for (uint32_t x = 0; x < range; x++)
      if ((x * m) >> 16 != x / t) return;
    g->vmul[f] = (uint16_t)m;
    range = (range + t - 1) / t;
  }
  g->vec = 1;
#else
  (void)cells;
#endif
}

#if defined(__SSE2__)
/* Ratings of risks from hash h on, 16 at a time; returns how many it made
** (n rounded down to 16), the caller makes the rest. */
static inline __attribute__((always_inline)) size_t gen_vec_nf(const gen *g, uint32_t h,
                                                               size_t n, uint8_t *const *rat,
                                                               const int nf) {
  const uint32_t P = g->cells;
  const uint32_t step = 16u * MULT;  /* mod 2^32 */
  /* h is kept with its top bit flipped, so "h + step wrapped", an unsigned
  ** h + step < step, is a signed compare */
  const __m128i vstep = _mm_set1_epi32((int)step);
  const __m128i vstep_s = _mm_set1_epi32((int)(step ^ 0x80000000u));
  const __m128i vAP = _mm_set1_epi32((int)(step % P) - (int)P);
  const __m128i vB = _mm_set1_epi32((int)(uint32_t)(((uint64_t)1 << 32) % P));
  const __m128i vP = _mm_set1_epi32((int)P), one16 = _mm_set1_epi16(1);
  __m128i vmul[MAX_FACTORS], vtier[MAX_FACTORS];
  for (int f = 0; f < MAX_FACTORS; f++) {
    vmul[f] = _mm_set1_epi16((short)g->vmul[f]);
    vtier[f] = _mm_set1_epi16((short)g->tiers[f]);
  }
  uint8_t *r0 = rat[0], *r1 = rat[nf > 1], *r2 = rat[nf > 2 ? 2 : 0], *r3 = rat[nf > 3 ? 3 : 0];
  uint32_t hh[16], uu[16];
  for (int i = 0; i < 16; i++) {
    hh[i] = (h + (uint32_t)i * MULT) ^ 0x80000000u;
    uu[i] = mod_magic(h + (uint32_t)i * MULT, g->cells_magic, P);
  }
  /* 16 risks a step, in four vectors of 4: u's update is a chain of
  ** dependent operations, so two steps' worth run side by side */
  __m128i h0 = _mm_loadu_si128((const __m128i *)hh);
  __m128i h1 = _mm_loadu_si128((const __m128i *)(hh + 4));
  __m128i h2 = _mm_loadu_si128((const __m128i *)(hh + 8));
  __m128i h3 = _mm_loadu_si128((const __m128i *)(hh + 12));
  __m128i u0 = _mm_loadu_si128((const __m128i *)uu);
  __m128i u1 = _mm_loadu_si128((const __m128i *)(uu + 4));
  __m128i u2 = _mm_loadu_si128((const __m128i *)(uu + 8));
  __m128i u3 = _mm_loadu_si128((const __m128i *)(uu + 12));
  /* digit f of x = q - (q / tiers) * tiers with q / tiers = mulhi16(q, vmul) */
#define DIGIT(rf, f, at)                                                                 \
  do {                                                                                   \
    __m128i d = q;                                                                       \
    if ((f) + 1 < nf) { /* the last digit is what is left: u < P_F */                    \
      __m128i nq = _mm_mulhi_epu16(q, vmul[f]);                                          \
      d = _mm_sub_epi16(q, _mm_mullo_epi16(nq, vtier[f]));                               \
      q = nq;                                                                            \
    }                                                                                    \
    d = _mm_add_epi16(d, one16);                                                         \
    _mm_storel_epi64((__m128i *)((rf) + (at)), _mm_packus_epi16(d, d));                  \
  } while (0)
#define DIGITS(ua, ub, at)                                                               \
  do {                                                                                   \
    __m128i q = _mm_packs_epi32(ua, ub); /* u < 2^15: 16 bits */                         \
    DIGIT(r0, 0, at);                                                                    \
    if (nf > 1) DIGIT(r1, 1, at);                                                        \
    if (nf > 2) DIGIT(r2, 2, at);                                                        \
    if (nf > 3) DIGIT(r3, 3, at);                                                        \
  } while (0)
  /* h += step; u += step mod P (less P), less 2^32 mod P where h wrapped,
  ** then back into 0..P-1 by adding P to negative lanes, twice */
#define ADVANCE(hv, uv)                                                                  \
  do {                                                                                   \
    hv = _mm_add_epi32(hv, vstep);                                                       \
    __m128i w = _mm_cmpgt_epi32(vstep_s, hv);                                            \
    uv = _mm_sub_epi32(_mm_add_epi32(uv, vAP), _mm_and_si128(w, vB));                    \
    uv = _mm_add_epi32(uv, _mm_and_si128(_mm_srai_epi32(uv, 31), vP));                   \
    uv = _mm_add_epi32(uv, _mm_and_si128(_mm_srai_epi32(uv, 31), vP));                   \
  } while (0)
  size_t x = 0;
  for (; x + 16 <= n; x += 16) {
    DIGITS(u0, u1, x);
    DIGITS(u2, u3, x + 8);
    ADVANCE(h0, u0);
    ADVANCE(h1, u1);
    ADVANCE(h2, u2);
    ADVANCE(h3, u3);
  }
#undef DIGIT
#undef DIGITS
#undef ADVANCE
  return x;
}

static size_t gen_vec(const gen *g, uint32_t h, size_t n, uint8_t *const *rat) {
  switch (g->nfactors) {
    case 1: return gen_vec_nf(g, h, n, rat, 1);
    case 2: return gen_vec_nf(g, h, n, rat, 2);
    case 3: return gen_vec_nf(g, h, n, rat, 3);
    default: return gen_vec_nf(g, h, n, rat, 4);
  }
}
#endif

/* 0 1 2 .. 7 0 1 .. : obligations as they count up along an asset's threats */
static const uint8_t ob_pattern[16] = {0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7};

/* Risks k0 .. k0 + n - 1 into rat[f][0..n), cls[0..n), ob[0..n). */
static void gen_range(const gen *g, uint64_t k0, size_t n, uint8_t *const *rat, int8_t *cls,
                      uint8_t *ob) {
  const uint32_t T = g->threats;
  uint64_t i = k0 / T;
  uint32_t j = (uint32_t)(k0 % T);
  for (size_t x = 0; x < n;) {  /* asset by asset: class and obligations */
    const size_t run = T - j < n - x ? T - j : n - x;
    const uint8_t c = (uint8_t)((i * 7) % 3);
    /* (i*31 + j*17) mod 8 = (i*31 mod 8 + j) mod 8, as 17 = 2*8 + 1: the
    ** obligations of an asset's threats count up mod 8 from (i*31 + j0*17)
    ** mod 8, a slice of the repeating pattern 0..7 */
    const uint32_t start = (uint32_t)((i * 31 + (uint64_t)j * 17) & 7);
    const uint64_t c8 = c * UINT64_C(0x0101010101010101);
    size_t y = 0;
    for (; y + 8 <= run; y += 8) {  /* 8 risks a store (a call per asset costs more) */
      memcpy(cls + x + y, &c8, 8);
      memcpy(ob + x + y, ob_pattern + ((start + y) & 7), 8);
    }
    for (; y < run; y++) {
      cls[x + y] = (int8_t)c;
      ob[x + y] = (uint8_t)((start + y) & 7);
    }
    x += run;
    i++;
    j = 0;
  }
  /* rating_f = 1 + (h / P_f) mod tiers_f */
  uint32_t h = (uint32_t)k0 * MULT;  /* the hash of k wraps mod 2^32 */
  const int nf = g->nfactors;
  uint8_t *rest[MAX_FACTORS];
  for (int f = 0; f < nf; f++) rest[f] = rat[f];
#if defined(__SSE2__)
  if (g->vec) {
    size_t done = gen_vec(g, h, n, rat);
    for (int f = 0; f < nf; f++) rest[f] += done;
    h += (uint32_t)done * MULT;
    n -= done;
  }
#endif
  rat = rest;
  if (g->digits) {
    switch (nf) {
      case 1: gen_table(g, h, n, rat, 1); break;
      case 2: gen_table(g, h, n, rat, 2); break;
      case 3: gen_table(g, h, n, rat, 3); break;
      default: gen_table(g, h, n, rat, 4); break;
    }
    return;
  }
  for (size_t x = 0; x < n; x++, h += MULT) {  /* successive divisions by the tiers */
    uint32_t q = h;
    for (int f = 0; f < nf; f++) {
      const uint32_t d = g->tiers[f];
      const uint32_t nq = d == 1 ? q : div_magic(q, g->magic[f]);
      rat[f][x] = (uint8_t)(q - nq * d + 1);
      q = nq;
    }
  }
}

static int threads_for(int threads, uint64_t n) {
  if (threads <= 0) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    threads = cpus < 1 ? 1 : (int)cpus;
  }
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (n < ((uint64_t)1 << 17)) threads = 1;  /* not worth a thread */
  return threads;
}

/* Runs fn(job[t]) for t = 0..threads-1, on threads 1.. and this one. */
static void run_all(void *(*fn)(void *), void *jobs, size_t size, int threads) {
  pthread_t tid[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  for (int t = 1; t < threads; t++)
    started[t] = pthread_create(&tid[t], NULL, fn, (char *)jobs + (size_t)t * size) == 0;
  fn(jobs);
  for (int t = 1; t < threads; t++) {
    if (started[t])
      pthread_join(tid[t], NULL);
    else
      fn((char *)jobs + (size_t)t * size);  /* no thread: do its share here */
  }
}

/* ============================================================ streaming */

typedef struct stream_job {
  const gen *g;
  const isms_scorer *s;
  uint64_t n;                 /* risks 0 .. n - 1 in all */
  _Atomic uint64_t *next;     /* the first risk of the next chunk to take */
  isms_risk_tally *tally;
  int rc;
} stream_job;

static void *stream_run(void *arg) {
  stream_job *J = arg;
  /* The chunk buffers, mapped with their pages in: faulting fresh pages in
  ** one by one costs about 10 us a page on some virtual machines, a
  ** noticeable part of the whole run. */
  const size_t size = (size_t)CHUNK * (size_t)(J->g->nfactors + 2);
#ifndef MAP_POPULATE
#define MAP_POPULATE 0
#endif
  uint8_t *buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (buf == MAP_FAILED) {
    J->rc = ISMS_NOMEM;
    return NULL;
  }
  isms_risk_cols cols = {0};
  uint8_t *rat[MAX_FACTORS];
  for (int f = 0; f < J->g->nfactors; f++) cols.ratings[f] = rat[f] = buf + (size_t)f * CHUNK;
  int8_t *cls = (int8_t *)(buf + (size_t)J->g->nfactors * CHUNK);
  uint8_t *ob = buf + (size_t)(J->g->nfactors + 1) * CHUNK;
  cols.asset_class = cls;
  cols.obligations = ob;
  /* Chunks are taken in turn rather than split up front: a thread whose
  ** core is busy elsewhere then holds up nobody. */
  while (!J->rc) {
    const uint64_t k = atomic_fetch_add_explicit(J->next, CHUNK, memory_order_relaxed);
    if (k >= J->n) break;
    const size_t n = J->n - k < CHUNK ? (size_t)(J->n - k) : CHUNK;
    gen_range(J->g, k, n, rat, cls, ob);
    cols.n = n;
    J->rc = isms_scorer_evaluate(J->s, &cols, 0, (uint32_t)k, NULL, J->tally);
  }
  munmap(buf, size);
  return NULL;
}

/* Generates and evaluates all assets * threats risks (initial acceptance)
** into tally, an empty one keeping topk; threads 0 = one per core. */
RISKS_API int risks_stream(uint32_t assets, uint32_t threats, int nfactors, const int *tiers,
                           const isms_scorer *s, int threads, size_t topk,
                           isms_risk_tally *tally) {
  gen g;
  const uint64_t n = (uint64_t)assets * threats;
  if (n > UINT32_MAX + (uint64_t)1 || gen_init(&g, threats, nfactors, tiers)) return ISMS_MISUSE;
  threads = threads_for(threads, n);
  _Atomic uint64_t next = 0;
  stream_job jobs[MAX_THREADS];
  int rc = ISMS_OK;
  for (int t = 0; t < threads; t++) {
    /* thread 0 fills the caller's tally, the others tallies of their own */
    jobs[t] = (stream_job){&g, s, n, &next, t ? NULL : tally, ISMS_OK};
    if (t && isms_risk_tally_new(topk, &jobs[t].tally)) rc = ISMS_NOMEM;
  }
  if (rc == ISMS_OK) run_all(stream_run, jobs, sizeof jobs[0], threads);
  for (int t = 0; t < threads; t++) {
    if (rc == ISMS_OK && jobs[t].rc) rc = jobs[t].rc;
    if (t > 0 && jobs[t].tally) {
      if (rc == ISMS_OK) rc = isms_risk_tally_merge(tally, jobs[t].tally);
      isms_risk_tally_free(jobs[t].tally);
    }
  }
  gen_free(&g);
  return rc;
}

/* ================================================ whole columns at once */

typedef struct gen_job {
  const gen *g;
  uint64_t k0, k1;
  uint8_t *const *ratings;
  int8_t *cls;
  uint8_t *ob;
} gen_job;

static void *gen_run(void *arg) {
  const gen_job *J = arg;
  uint8_t *rat[MAX_FACTORS];
  for (int f = 0; f < J->g->nfactors; f++) rat[f] = J->ratings[f] + J->k0;
  gen_range(J->g, J->k0, (size_t)(J->k1 - J->k0), rat, J->cls + J->k0, J->ob + J->k0);
  return NULL;
}

/* Fills ratings[f][k], asset_class[k] and obligations[k] for every risk
** k = i * threats + j of the spec; tiers up to 255; threads 0 = one per core. */
RISKS_API int risks_generate(uint32_t assets, uint32_t threats, int nfactors, const int *tiers,
                             uint8_t *const *ratings, int8_t *asset_class,
                             uint8_t *obligations, int threads) {
  gen g;
  const uint64_t n = (uint64_t)assets * threats;
  if (gen_init(&g, threats, nfactors, tiers)) return 1;
  threads = threads_for(threads, n);
  gen_job jobs[MAX_THREADS];
  for (int t = 0; t < threads; t++)
    jobs[t] = (gen_job){&g, n * (uint64_t)t / (uint64_t)threads,
                        n * (uint64_t)(t + 1) / (uint64_t)threads, ratings, asset_class,
                        obligations};
  run_all(gen_run, jobs, sizeof jobs[0], threads);
  gen_free(&g);
  return 0;
}

/* ================================================================ cells */

/* Sets every cell of s (nfactors factors of tiers[f] tiers; cell = sum of
** (rating_f - 1) * P_f, factor 0 fastest) from the spec: with matrix NULL
** ("product"), score = product of the ratings * 10^6 and rank = the first
** of the nlevels bands [lo, hi] that holds it; with a matrix (2 factors,
** row-major tiers[0] x tiers[1]), rank = the matrix cell and score =
** rank * 10^6. Returns 0, or 1 + the first cell whose score is in no band
** (a method libisms would not build), or -1 if set_cell refuses. */
RISKS_API int risks_fill_cells(isms_scorer *s, int nfactors, const int *tiers, int nlevels,
                               const int64_t *lo, const int64_t *hi, const int *matrix) {
  const int ncells = isms_scorer_cells(s);
  for (int cell = 0; cell < ncells; cell++) {
    int64_t score = 0;
    int rank = 0;
    if (matrix) {
      rank = matrix[(cell % tiers[0]) * tiers[1] + (cell / tiers[0]) % tiers[1]];
      score = (int64_t)rank * 1000000;
    } else {
      int64_t p = 1;
      for (int f = 0, rest = cell; f < nfactors; f++) {
        p *= rest % tiers[f] + 1;
        rest /= tiers[f];
      }
      score = p * 1000000;
      for (int r = 0; r < nlevels && !rank; r++)
        if (score >= lo[r] && score <= hi[r]) rank = r + 1;
      if (!rank) return 1 + cell;
    }
    if (isms_scorer_set_cell(s, cell, score, rank)) return -1;
  }
  return 0;
}

/* The digest aggregates of columns filled by the separate kernels
** (isms_scorer_score, isms_scorer_accept): risks per rank 0..32, the
** acceptable count and the sum of the scores. */
RISKS_API void risks_tally(size_t n, const int16_t *rank, const int64_t *score,
                           const uint8_t *acceptable, int64_t *levels, int64_t *accepted,
                           int64_t *score_sum) {
  uint64_t sum = 0, acc = 0;
  for (int r = 0; r <= 32; r++) levels[r] = 0;
  for (size_t i = 0; i < n; i++) {
    levels[rank[i] >= 0 && rank[i] <= 32 ? rank[i] : 0]++;
    sum += (uint64_t)score[i];
    acc += acceptable[i] != 0;
  }
  *accepted = (int64_t)acc;
  *score_sum = (int64_t)sum;
}
