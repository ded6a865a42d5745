/*
** risks_engine.c -- the bench side of the isms risk-scoring benchmark
** (tests/bench/risks-spec.md), loaded by risks_engine.lua through the FFI.
**
** It makes the input -- the rating, asset class and obligation columns of
** the N*T generated risks (the spec's "generate" step, risks_gen.c) -- and
** hands it to libisms's public API, which does all the engine work:
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

#include "isms.h"
#include "risks_engine.h"
#include "risks_gen.h"

#define RISKS_API __attribute__((visibility("default")))

enum {
  MAX_FACTORS = GEN_MAX_FACTORS,
  MAX_THREADS = 16,
  /* risks per chunk: the buffers ((F + 2) x 64 KiB) stay in L2, and each
  ** isms_scorer_evaluate call's fixed work (folding its counts) is spread
  ** over enough risks */
  CHUNK = 65536
};
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
