/*
** test_risk_score.c -- the risk scorer's bulk kernels against a plain
** per-row path, on random methods, rules and risks, through the public
** C API only.
**
** The reference here is deliberately simple: a risk's cell by a loop over
** its ratings, its acceptance by isms_scorer_accept_one (which walks the
** rules one by one), and the priority order by sorting every risk with a
** comparison written out field by field. Against it: isms_scorer_score,
** isms_scorer_accept, isms_risk_order and isms_scorer_evaluate -- the last
** on every path it has (general; fast with rule masks; fast with one
** accept bit; split over threads), whole or in pieces into several tallies.
*/
#include <stdlib.h>
#include <string.h>

#include "isms.h"
#include "tap.h"

/* xorshift64*: the same numbers on every machine */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint32_t rnd(uint32_t n) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (uint32_t)((rng_state * 0x2545f4914f6cdd1du) >> 32) % n;
}

/* ------------------------------------------------------------- the method */

typedef struct method {
  isms_scorer *s;
  int nf, ntiers[4];
  int ncells;
  int64_t *score;
  int16_t *rank;
} method;

/* Random tiers (1..maxtier; exactly -maxtier if negative) and cells;
** about one cell in 50 left unset (rank 0). With `flat`, every cell gets
** one of two scores and ranks: ties everywhere. */
static int flat;
static void method_new(method *m, int nf, int maxtier) {
  m->nf = nf;
  m->ncells = 1;
  for (int f = 0; f < nf; f++) {
    m->ntiers[f] = maxtier < 0 ? -maxtier : 1 + (int)rnd((uint32_t)maxtier);
    m->ncells *= m->ntiers[f];
  }
  if (isms_scorer_new(nf, m->ntiers, &m->s)) abort();
  m->score = calloc((size_t)m->ncells, sizeof *m->score);
  m->rank = calloc((size_t)m->ncells, sizeof *m->rank);
  for (int c = 0; c < m->ncells; c++) {
    if (rnd(50) == 0) continue;
    m->rank[c] = (int16_t)(flat ? 1 + rnd(2) : 1 + rnd(5));
    /* few distinct scores, so ties on score and on rank get exercised */
    m->score[c] = flat ? m->rank[c] * 1000000
                       : (int64_t)rnd(40) * 250000 + (rnd(20) == 0 ? (int64_t)1 << 36 : 0);
    if (isms_scorer_set_cell(m->s, c, m->score[c], m->rank[c])) abort();
  }
}

static void method_free(method *m) {
  isms_scorer_free(m->s);
  free(m->score);
  free(m->rank);
}

/* Rule sets: "simple" ones test only classes (few kinds) and obligation
** bits 1|2|4, as the one-bit path needs; "wide" ones also many classes,
** obligation bits beyond 4 and levels (the fast path with rule masks);
** "any" ones test everything. */
enum { RULES_NONE, RULES_SIMPLE, RULES_WIDE, RULES_ANY };

static void add_rules(method *m, int kind, int nrules) {
  for (int k = 0; k < nrules && kind != RULES_NONE; k++) {
    isms_accept_rule r;
    memset(&r, 0, sizeof r);
    r.predicate = -1;
    const int wide = kind != RULES_SIMPLE;
    r.residual = wide ? (int)rnd(2) : (int)(rnd(4) == 0);
    if (rnd(2)) r.classes[0] = (uint64_t)1 << rnd(wide ? 64 : 3);
    if (wide && rnd(3) == 0) r.classes[1] = (uint64_t)1 << rnd(64);
    if (rnd(2)) r.obligations = 1 + rnd(wide ? 255 : 7);
    if (wide && rnd(4) == 0) r.levels = 1 + rnd(0x1f);
    if (rnd(3) == 0) r.max_rank = (int)rnd(6);
    if (rnd(3) == 0) {
      r.has_max_score = 1;
      r.max_score = (int64_t)rnd(40) * 250000;
    }
    if (kind == RULES_ANY) {
      if (rnd(4) == 0) r.types = 1 + rnd(0x3f);
      if (rnd(4) == 0) r.categories = 1 + rnd(0xff);
      if (rnd(4) == 0) r.predicate = (int)rnd(8);
    }
    if (isms_scorer_add_rule(m->s, &r)) abort();
  }
}

/* --------------------------------------------------------------- the risks */

typedef struct risks {
  size_t n;
  uint8_t *ratings[4];
  int8_t *cls;
  uint8_t *type, *cat, *ob, *ver;
} risks;

/* Asset classes of risks_new: any byte now and then, or (narrow_classes)
** only -1..6 but for one risk in 5000 -- the lean blocks take the first
** and leave a block with any other class to the per-risk loop. */
static int narrow_classes;

static void risks_new(risks *r, const method *m, size_t n) {
  memset(r, 0, sizeof *r);
  r->n = n;
  for (int f = 0; f < m->nf; f++) {
    r->ratings[f] = malloc(n);
    for (size_t i = 0; i < n; i++)  /* 0 (unrated) and too high now and then */
      r->ratings[f][i] = (uint8_t)(rnd(100) == 0 ? rnd(256) : 1 + rnd((uint32_t)m->ntiers[f]));
  }
  r->cls = malloc(n);
  r->type = malloc(n);
  r->cat = malloc(n);
  r->ob = malloc(n);
  r->ver = malloc(n);
  for (size_t i = 0; i < n; i++) {
    if (narrow_classes)
      r->cls[i] = (int8_t)(i % 5000 == 4321 ? 7 + (int)rnd(120) : (int)rnd(8) - 1);
    else
      r->cls[i] = (int8_t)(rnd(10) == 0 ? (int)rnd(256) - 128 : (int)rnd(4) - 1);
    r->type[i] = (uint8_t)(rnd(10) == 0 ? rnd(256) : rnd(8));
    r->cat[i] = (uint8_t)(rnd(10) == 0 ? rnd(256) : rnd(10));
    r->ob[i] = (uint8_t)(rnd(10) == 0 ? rnd(256) : rnd(8));
    r->ver[i] = (uint8_t)rnd(256);
  }
}

static void risks_free(risks *r) {
  for (int f = 0; f < 4; f++) free(r->ratings[f]);
  free(r->cls), free(r->type), free(r->cat), free(r->ob), free(r->ver);
}

/* Which context columns a run passes (bit 0 class, 1 type, 2 category,
** 3 obligations, 4 verdicts). */
static isms_risk_cols cols_of(const risks *r, const method *m, unsigned which, size_t from,
                              size_t n) {
  isms_risk_cols c;
  memset(&c, 0, sizeof c);
  c.n = n;
  for (int f = 0; f < m->nf; f++) c.ratings[f] = r->ratings[f] + from;
  if (which & 1) c.asset_class = r->cls + from;
  if (which & 2) c.asset_type = r->type + from;
  if (which & 4) c.category = r->cat + from;
  if (which & 8) c.obligations = r->ob + from;
  if (which & 16) c.verdicts = r->ver + from;
  return c;
}

/* ------------------------------------------------------------ the reference */

typedef struct ref {
  int64_t *score;
  int16_t *rank;
  uint8_t *acc;
  uint32_t *order;
  int64_t levels[33], acceptable, score_sum;
} ref;

static const risks *sort_r;
static const ref *sort_ref;
static unsigned sort_which;

static int popcount3(unsigned ob) { return (ob & 1) + ((ob >> 1) & 1) + ((ob >> 2) & 1); }

/* rank desc, score desc, obligations carried desc, index asc */
static int cmp_priority(const void *x, const void *y) {
  uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
  const ref *R = sort_ref;
  if (R->rank[a] != R->rank[b]) return R->rank[a] > R->rank[b] ? -1 : 1;
  if (R->score[a] != R->score[b]) return R->score[a] > R->score[b] ? -1 : 1;
  int pa = sort_which & 8 ? popcount3(sort_r->ob[a]) : 0;
  int pb = sort_which & 8 ? popcount3(sort_r->ob[b]) : 0;
  if (pa != pb) return pa > pb ? -1 : 1;
  return a < b ? -1 : a > b;
}

static void ref_run(ref *R, const method *m, const risks *r, unsigned which, int residual) {
  size_t n = r->n;
  R->score = malloc(n * sizeof *R->score);
  R->rank = malloc(n * sizeof *R->rank);
  R->acc = malloc(n);
  R->order = malloc(n * sizeof *R->order);
  memset(R->levels, 0, sizeof R->levels);
  R->acceptable = R->score_sum = 0;
  for (size_t i = 0; i < n; i++) {
    int cell = 0, stride = 1, rated = 1;
    for (int f = 0; f < m->nf; f++) {
      int t = r->ratings[f][i];
      if (t < 1 || t > m->ntiers[f]) rated = 0;
      cell += (t - 1) * stride;
      stride *= m->ntiers[f];
    }
    R->score[i] = rated ? m->score[cell] : 0;
    R->rank[i] = rated ? m->rank[cell] : 0;
    R->acc[i] = 0 < isms_scorer_accept_one(
        m->s, residual, R->rank[i], R->score[i], which & 1 ? r->cls[i] : -1,
        which & 2 ? r->type[i] : 0, which & 4 ? r->cat[i] : 0, which & 8 ? r->ob[i] : 0,
        which & 16 ? r->ver[i] : 0);
    R->levels[R->rank[i]]++;
    R->acceptable += R->acc[i];
    R->score_sum += R->score[i];
    R->order[i] = (uint32_t)i;
  }
  sort_r = r, sort_ref = R, sort_which = which;
  qsort(R->order, n, sizeof *R->order, cmp_priority);
}

static void ref_free(ref *R) { free(R->score), free(R->rank), free(R->acc), free(R->order); }

/* ---------------------------------------------------------------- the tests */

/* The separate kernels: score, accept and order against the reference. */
static int check_separate(const method *m, const risks *r, unsigned which, int residual,
                          const ref *R, const char *what) {
  size_t n = r->n;
  isms_risk_cols c = cols_of(r, m, which, 0, n);
  int64_t *score = malloc(n * sizeof *score);
  int16_t *rank = malloc(n * sizeof *rank);
  uint8_t *acc = malloc(n);
  uint32_t *order = malloc(n * sizeof *order);
  c.score = score, c.rank = rank;
  int good = isms_scorer_score(m->s, &c) == ISMS_OK &&
             isms_scorer_accept(m->s, &c, residual, acc) == ISMS_OK;
  for (size_t i = 0; good && i < n; i++) {
    if (score[i] != R->score[i] || rank[i] != R->rank[i] || acc[i] != R->acc[i]) {
      diag("%s: risk %zu: score %lld rank %d acceptable %d, want %lld %d %d", what, i,
           (long long)score[i], rank[i], acc[i], (long long)R->score[i], R->rank[i], R->acc[i]);
      good = 0;
    }
  }
  /* the top 100 (heap) and the whole order (sort) */
  size_t ks[2] = {n < 100 ? n : 100, n};
  for (int x = 0; x < 2 && good; x++) {
    good = isms_risk_order(n, rank, score, which & 8 ? r->ob : NULL, ks[x], order) == ISMS_OK &&
           memcmp(order, R->order, ks[x] * sizeof *order) == 0;
    if (!good) diag("%s: isms_risk_order with k = %zu differs", what, ks[x]);
  }
  free(score), free(rank), free(acc), free(order);
  return good;
}

/* isms_scorer_evaluate over pieces of the columns (pieces = 1: whole;
** negative: -pieces, the last first), into `ntally` tallies taken in turn,
** merged at the end; with outputs (score, rank, acceptable) or without. */
static int check_evaluate(const method *m, const risks *r, unsigned which, int residual,
                          const ref *R, size_t k, long npieces, int ntally, int outputs,
                          const char *what) {
  const size_t pieces = (size_t)(npieces < 0 ? -npieces : npieces);
  size_t n = r->n;
  isms_risk_tally *t[4];
  for (int x = 0; x < ntally; x++)
    if (isms_risk_tally_new(k, &t[x])) return 0;
  int64_t *score = outputs ? malloc(n * sizeof *score) : NULL;
  int16_t *rank = outputs ? malloc(n * sizeof *rank) : NULL;
  uint8_t *acc = outputs ? malloc(n) : NULL;
  int good = 1;
  for (size_t q = 0; q < pieces && good; q++) {
    size_t p = npieces < 0 ? pieces - 1 - q : q;
    size_t from = n * p / pieces, to = n * (p + 1) / pieces;
    isms_risk_cols c = cols_of(r, m, which, from, to - from);
    if (outputs) c.score = score + from, c.rank = rank + from;
    good = isms_scorer_evaluate(m->s, &c, residual, (uint32_t)from, outputs ? acc + from : NULL,
                                t[q % (size_t)ntally]) == ISMS_OK;
  }
  for (int x = 1; x < ntally && good; x++) good = isms_risk_tally_merge(t[0], t[x]) == ISMS_OK;
  isms_risk_summary sum;
  uint32_t *top = malloc((k ? k : 1) * sizeof *top);
  size_t ntop = 0;
  if (good) good = isms_risk_tally_result(t[0], &sum, top, &ntop) == ISMS_OK;
  if (good) {
    int same_levels = memcmp(sum.levels, R->levels, sizeof R->levels) == 0;
    size_t want_top = k < n ? k : n;
    good = sum.risks == (int64_t)n && same_levels && sum.acceptable == R->acceptable &&
           sum.score_sum == R->score_sum && ntop == want_top &&
           memcmp(top, R->order, want_top * sizeof *top) == 0;
    if (!good)
      diag("%s: risks %lld acceptable %lld (want %lld) sum %lld (want %lld) levels %s, "
           "top %zu %s",
           what, (long long)sum.risks, (long long)sum.acceptable, (long long)R->acceptable,
           (long long)sum.score_sum, (long long)R->score_sum, same_levels ? "same" : "differ",
           ntop, ntop == want_top && !memcmp(top, R->order, want_top * sizeof *top) ? "same"
                                                                                    : "differs");
  }
  for (size_t i = 0; outputs && good && i < n; i++) {
    if (score[i] != R->score[i] || rank[i] != R->rank[i] || acc[i] != R->acc[i]) {
      diag("%s: risk %zu's outputs differ", what, i);
      good = 0;
    }
  }
  for (int x = 0; x < ntally; x++) isms_risk_tally_free(t[x]);
  free(top), free(score), free(rank), free(acc);
  return good;
}

/* The library runs the AVX2 copy of its kernels where the CPU has it;
** tests/run.sh runs this file a second time with ISMS_DISABLE_AVX2=1, for
** the baseline copy, and the names say which copy ran (isms_kernels). */
static const char *kernels = "";

/* One random method and risk set, every kernel and path on it. */
static void check_case(int nf, int maxtier, int rule_kind, int nrules, size_t n, unsigned which,
                       const char *name) {
  method m;
  method_new(&m, nf, maxtier);
  add_rules(&m, rule_kind, nrules);
  risks r;
  risks_new(&r, &m, n);
  /* a predicate rule needs the verdicts column */
  if (rule_kind == RULES_ANY) which |= 16;
  int all = 1;
  for (int residual = 0; residual <= 2; residual++) {
    ref R;
    ref_run(&R, &m, &r, which, residual);
    char what[160];
    snprintf(what, sizeof what, "%s, residual %d", name, residual);
    all &= check_separate(&m, &r, which, residual, &R, what);
    all &= check_evaluate(&m, &r, which, residual, &R, 100, 1, 1, 0, what);
    all &= check_evaluate(&m, &r, which, residual, &R, 100, 1, 1, 1, what);
    all &= check_evaluate(&m, &r, which, residual, &R, 37, 7, 3, 0, what);
    all &= check_evaluate(&m, &r, which, residual, &R, 0, 3, 2, 0, what);
    all &= check_evaluate(&m, &r, which, residual, &R, n + 5, 2, 1, 0, what);
    all &= check_evaluate(&m, &r, which, residual, &R, 50, -9, 1, 0, what);
    all &= check_evaluate(&m, &r, which, residual, &R, 100, -5, 2, 0, what);
    ref_free(&R);
  }
  ok(all, "%s: %zu risks, %d factor(s), %d cells: all kernels%s agree with the per-row path",
     name, n, nf, m.ncells, kernels);
  risks_free(&r);
  method_free(&m);
}

static void test_random(void) {
  /* the fast path with one accept bit: simple rules, class + obligations */
  check_case(3, 10, RULES_SIMPLE, 4, 20000, 1 | 8, "one-bit path");
  check_case(1, 15, RULES_SIMPLE, 3, 5000, 1 | 8, "one factor");
  check_case(2, 5, RULES_SIMPLE, 6, 5000, 1 | 8, "two factors");
  /* few cells, the top k soon full of the highest key: lean blocks */
  check_case(2, -5, RULES_SIMPLE, 6, 200000, 1 | 8, "two factors, lean blocks");
  check_case(1, -4, RULES_SIMPLE, 3, 50000, 1, "one factor, lean blocks");
  narrow_classes = 1;  /* classes -1..6 (one risk in 5000 not): most blocks lean */
  check_case(2, -5, RULES_SIMPLE, 6, 200000, 1 | 8, "two factors, lean blocks, classes -1..6");
  check_case(1, -4, RULES_SIMPLE, 3, 50000, 1, "one factor, lean blocks, classes -1..6");
  narrow_classes = 0;
  check_case(4, 7, RULES_SIMPLE, 5, 5000, 1 | 8, "four factors");
  check_case(3, 10, RULES_SIMPLE, 4, 5000, 1, "no obligations column");
  check_case(3, 10, RULES_SIMPLE, 4, 5000, 8, "no class column");
  check_case(3, 10, RULES_NONE, 0, 5000, 1 | 8, "no rules");
  /* type and category columns that no rule looks at stay on the fast path */
  check_case(3, 10, RULES_SIMPLE, 4, 5000, 1 | 2 | 4 | 8, "unused type and category");
  /* the fast path with rule masks */
  check_case(3, 6, RULES_WIDE, 12, 20000, 1 | 8, "mask path");
  check_case(2, 9, RULES_WIDE, 30, 20000, 1 | 2 | 4 | 8, "mask path, unused columns");
  /* rules on everything: the general path */
  check_case(3, 6, RULES_ANY, 12, 20000, 1 | 2 | 4 | 8, "rules on everything");
  check_case(3, 6, RULES_ANY, 12, 5000, 1 | 8, "rules on absent columns");
  check_case(4, -15, RULES_ANY, 20, 20000, 1 | 2 | 4 | 8, "general path");
  check_case(4, -15, RULES_SIMPLE, 4, 5000, 1 | 8, "many cells, simple rules");
  check_case(3, -15, RULES_SIMPLE, 4, 5000, 1 | 8, "3375 cells, simple rules");
  check_case(2, 4, RULES_ANY, 64, 5000, 1 | 2 | 4 | 8, "64 rules");
  /* ties everywhere: thousands of risks share the highest priority key */
  flat = 1;
  check_case(1, -3, RULES_SIMPLE, 3, 20000, 1 | 8, "ties, one factor");
  check_case(2, -2, RULES_WIDE, 5, 20000, 1 | 8, "ties, masks");
  check_case(2, -5, RULES_SIMPLE, 3, 600000, 1 | 8, "ties, threads");
  flat = 0;
  /* large enough for evaluate to split over threads */
  check_case(3, 10, RULES_SIMPLE, 4, 600000, 1 | 8, "threads");
  check_case(3, 10, RULES_WIDE, 8, 600000, 1 | 8, "threads, masks");
  check_case(3, 10, RULES_ANY, 8, 600000, 1 | 2 | 4 | 8, "threads, general");
}

static void test_contracts(void) {
  int tiers[2] = {3, 3};
  isms_scorer *s;
  is_int(isms_scorer_new(2, tiers, &s), ISMS_OK, "scorer");
  for (int c = 0; c < 9; c++) isms_scorer_set_cell(s, c, c * 1000000, 1 + c / 3);
  isms_accept_rule r;
  memset(&r, 0, sizeof r);
  r.predicate = 2;
  r.residual = 2;
  is_int(isms_scorer_add_rule(s, &r), ISMS_MISUSE, "a rule's residual is 0 or 1");
  r.residual = 0;
  is_int(isms_scorer_add_rule(s, &r), ISMS_OK, "a predicate rule");

  uint8_t rat[4] = {1, 2, 3, 0}, ver[4] = {4, 4, 0, 4};
  isms_risk_cols c;
  memset(&c, 0, sizeof c);
  c.n = 4;
  c.ratings[0] = c.ratings[1] = rat;
  isms_risk_tally *t;
  is_int(isms_risk_tally_new(2, &t), ISMS_OK, "tally");
  is_int(isms_scorer_evaluate(s, &c, 0, 0, NULL, t), ISMS_MISUSE,
         "a predicate rule needs the verdicts");
  is_int(isms_scorer_evaluate(s, &c, 1, 0, NULL, t), ISMS_OK, "not for the other kind");
  c.verdicts = ver;
  is_int(isms_scorer_evaluate(s, &c, 0, UINT32_MAX - 2, NULL, t), ISMS_MISUSE,
         "row numbers must fit 32 bits");
  is_int(isms_scorer_evaluate(s, &c, 0, UINT32_MAX - 3, NULL, t), ISMS_OK,
         "the last row may be 2^32 - 1");
  isms_risk_tally_reset(t);
  is_int(isms_scorer_evaluate(s, &c, 0, 10, NULL, t), ISMS_OK, "after a reset");
  isms_risk_summary sum;
  uint32_t top[2];
  size_t ntop;
  is_int(isms_risk_tally_result(t, &sum, top, &ntop), ISMS_OK, "result");
  ok(sum.risks == 4 && sum.levels[0] == 1 && sum.levels[1] == 1 && sum.levels[2] == 1 &&
         sum.levels[3] == 1 && sum.acceptable == 2 && sum.score_sum == 12000000,
     "counts: one unrated risk, one per level, 2 acceptable by their verdicts");
  ok(ntop == 2 && top[0] == 12 && top[1] == 11, "top 2, numbered from `first`");
  isms_risk_tally *t3;
  isms_risk_tally_new(3, &t3);
  is_int(isms_risk_tally_merge(t, t3), ISMS_MISUSE, "tallies of another k do not merge");
  is_int(isms_scorer_evaluate(NULL, &c, 0, 0, NULL, t), ISMS_MISUSE, "no scorer");
  c.ratings[1] = NULL;
  is_int(isms_scorer_evaluate(s, &c, 0, 0, NULL, t), ISMS_MISUSE, "a factor's ratings missing");
  isms_risk_tally_free(t);
  isms_risk_tally_free(t3);
  isms_risk_tally_free(NULL);
  isms_scorer_free(s);
  ok(1, "freeing NULL is a no-op");
}

int main(void) {
  if (strcmp(isms_kernels(), "baseline") == 0) kernels = " (baseline copy)";
  test_random();
  test_contracts();
  return done_testing();
}
