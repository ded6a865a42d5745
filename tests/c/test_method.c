/*
** test_method.c -- the methodology tables and the bulk valuation kernel,
** through the public C API only.
*/
#include <stdlib.h>
#include <string.h>

#include "isms.h"
#include "fixtures.h"
#include "tap.h"


static void test_compile_and_value(void) {
  isms_method *m = qism();
  is_int(isms_method_compile(m), ISMS_OK, "qism compiles");
  double v;
  int cls;
  is_int(isms_method_value(m, 4, 3, 3, &v, &cls), ISMS_OK, "value 4,3,3");
  ok(v == 36 && cls == 0, "4x3x3 = 36, class A");
  isms_method_value(m, 2, 2, 2, &v, &cls);
  ok(v == 8 && cls == 1, "2x2x2 = 8, class B");
  isms_method_value(m, 1, 2, 3, &v, &cls);
  ok(v == 6 && cls == 2, "1x2x3 = 6, class C");
  isms_method_value(m, 0, 2, 3, &v, &cls);
  is_int(cls, -1, "a missing level is unvalued");
  is_int(isms_method_value(m, 16, 1, 1, &v, &cls), ISMS_INPUT, "beyond the scale is refused");
  isms_method_free(m);
}

static void test_bulk_matches_single(void) {
  isms_method *m = qism();
  isms_method_compile(m);
  enum { N = 10000 };
  int8_t *c = malloc(N), *i = malloc(N), *a = malloc(N), *cls = malloc(N);
  double *v = malloc(N * sizeof *v);
  srand(7);
  for (int k = 0; k < N; k++) {
    c[k] = (int8_t)(rand() % 6 - 1);  /* -1 .. 4: includes bad and missing */
    i[k] = (int8_t)(rand() % 4);
    a[k] = (int8_t)(rand() % 5);
  }
  is_int(isms_method_value_bulk(m, N, c, i, a, v, cls), ISMS_OK, "bulk kernel runs");
  int agree = 1;
  for (int k = 0; k < N; k++) {
    int want_cls = -1;
    double want_v = 0;
    if (c[k] >= 1 && c[k] <= 4 && i[k] >= 1 && i[k] <= 3 && a[k] >= 1 && a[k] <= 3) {
      int sc;
      isms_method_value(m, c[k], i[k], a[k], &want_v, &sc);
      want_cls = sc;
    }
    if (cls[k] != want_cls || v[k] != want_v) {
      diag("row %d: C=%d I=%d A=%d gave %g/%d, want %g/%d", k, c[k], i[k], a[k], v[k], cls[k],
           want_v, want_cls);
      agree = 0;
      break;
    }
  }
  ok(agree, "bulk kernel agrees with single valuation on %d random rows", N);
  free(c), free(i), free(a), free(cls), free(v);
  isms_method_free(m);
}

static void test_parse(void) {
  isms_method *m = qism();
  int v;
  is_int(isms_method_parse_level(m, ISMS_DIM_C, "sEcReT", 6, &v), ISMS_OK, "labels ignore case");
  is_int(v, 4, "Secret is 4");
  isms_method_parse_level(m, ISMS_DIM_C, "PUBLIC", 6, &v);
  is_int(v, 1, "aliases work");
  isms_method_parse_level(m, ISMS_DIM_I, "3", 1, &v);
  is_int(v, 3, "numbers work");
  is_int(isms_method_parse_level(m, ISMS_DIM_I, "4", 1, &v), ISMS_INPUT, "4 is not an I tier");
  is_str(isms_method_errmsg(m), "4 is out of range; expected 1-3 or Low, Moderate, High",
         "out-of-range message");
  isms_method_parse_level(m, ISMS_DIM_A, "1.5", 3, &v);
  is_str(isms_method_errmsg(m), "'1.5' is not a whole number; expected 1-3 or Low, Moderate, High",
         "decimal message");
  isms_method_free(m);
}

static void test_invalid(void) {
  isms_method *m;
  isms_method_new("gappy", &m);
  isms_method_add_tier(m, ISMS_DIM_C, 1, "Low");
  isms_method_add_tier(m, ISMS_DIM_C, 3, "High");
  isms_method_add_tier(m, ISMS_DIM_I, 1, "Low");
  isms_method_add_tier(m, ISMS_DIM_A, 1, "Low");
  int k;
  isms_method_add_class(m, "all", &k);
  isms_method_class_add_range(m, k, 0, 100);
  is_int(isms_method_compile(m), ISMS_INPUT, "a gap in tiers is refused");
  is_str(isms_method_errmsg(m), "scale C: tiers must run 1..3 without gaps; tier 2 is missing",
         "gap message");
  is_int(isms_method_add_tier(m, ISMS_DIM_I, 2, "low"), ISMS_INPUT, "duplicate label refused");
  like(isms_method_errmsg(m), "already names tier 1", "duplicate label message");
  is_int(isms_method_add_tier(m, ISMS_DIM_I, 2, "7"), ISMS_INPUT, "numeric label refused");
  isms_method_free(m);

  m = qism();
  isms_method_add_class(m, "extra", &k);
  isms_method_class_add_value(m, k, 12);
  is_int(isms_method_compile(m), ISMS_INPUT, "overlapping classes are refused");
  is_str(isms_method_errmsg(m),
         "value 12 (C=2, I=2, A=3) falls in both class 'B' and class 'extra'",
         "overlap message names the first cell and both classes");
  isms_method_free(m);
}

/* ======================================================= staged scores */

#define U 1000000LL  /* one, in millionths */
#define NR INT64_MIN

static void test_weighted_value(void) {
  isms_method *m;
  isms_method_new("weighted", &m);
  const char *lmh[3] = {"Low", "Medium", "High"};
  for (int d = 0; d < 3; d++)
    for (int t = 1; t <= 3; t++) isms_method_add_tier(m, d, t, lmh[t - 1]);
  is_int(isms_method_set_weights(m, 500000, 300000, 200000), ISMS_OK, "weights");
  int k;
  isms_method_add_class(m, "low", &k);
  isms_method_class_add_range(m, k, 1, 2.2);
  isms_method_add_class(m, "high", &k);
  isms_method_class_add_range(m, k, 2.3, 3);
  is_int(isms_method_compile(m), ISMS_OK, "compiles");
  double v;
  int cls;
  isms_method_value(m, 3, 2, 1, &v, &cls);
  ok(v == 2.3 && cls == 1, "0.5 x 3 + 0.3 x 2 + 0.2 x 1 is the double nearest 2.3, on the edge of "
     "'high' (got %.17g, class %d)", v, cls);
  is_int(isms_method_set_weights(m, -1, 0, 0), ISMS_INPUT, "a negative weight is refused");
  isms_method_free(m);
}

/* A program: factors a, b (0..9, -1 not rated on a), mean of a, b, c
** (c: 1..5) banded at 3 and 6, a table over the mean's band and b's
** position, levels Low [0, 2], High [3, 9]. */
static isms_stages *program(int *sa, int *sb, int *sc, int *smean, int *stab) {
  isms_stages *p;
  if (isms_stages_new(&p)) abort();
  int64_t v09[11];
  uint8_t rated[11];
  for (int t = 0; t < 10; t++) v09[t] = t * U, rated[t] = 1;
  v09[10] = -U, rated[10] = 0;  /* position 11: not rated */
  int64_t v15[5] = {U, 2 * U, 3 * U, 4 * U, 5 * U};
  if (isms_stages_add_tiers(p, 11, v09, rated, sa) || isms_stages_add_tiers(p, 10, v09, NULL, sb) ||
      isms_stages_add_tiers(p, 5, v15, NULL, sc))
    abort();
  int in[3] = {*sa, *sb, *sc};
  int64_t edges[2] = {3 * U, 6 * U};
  isms_stage_def d = {.op = ISMS_OP_MEAN, .ninputs = 3, .inputs = in, .mask = -1, .nedges = 2,
                      .edges = edges};
  if (isms_stages_add(p, &d, smean)) abort();
  int tin[2] = {*smean, *sb};
  int64_t table[3 * 10];
  for (int c = 0; c < 30; c++) table[c] = (c % 3) * U + (c / 3 >= 5 ? 7 * U : 0);
  isms_stage_def t = {.op = ISMS_OP_TABLE, .ninputs = 2, .inputs = tin, .mask = -1, .table = table};
  if (isms_stages_add(p, &t, stab)) abort();
  return p;
}

static void test_stages(void) {
  int sa, sb, sc, smean, stab;
  isms_stages *p = program(&sa, &sb, &sc, &smean, &stab);
  is_int(isms_stages_count(p), 5, "five slots");
  is_int(isms_stages_slot_den(p, smean), 3, "a mean keeps its count as denominator");
  is_int(isms_stages_slot_positions(p, smean), 3, "three bands");
  /* the mean as the result, levels by lower edge: Low below 3, High from 3 */
  is_int(isms_stages_set_result(p, smean), ISMS_OK, "result");
  is_int(isms_stages_add_level(p, INT64_MIN + 1, 3 * U, 1, 1), ISMS_OK, "Low");
  is_int(isms_stages_add_level(p, 3 * U, INT64_MAX, 0, 2), ISMS_OK, "High");
  is_int(isms_stages_add_level(p, 2 * U, 4 * U, 0, 3), ISMS_INPUT, "overlapping levels refused");
  is_str(isms_stages_errmsg(p), "level intervals overlap", "overlap message");
  /* rows: a b c positions */
  uint8_t a[5] = {3, 4, 11, 0, 10}, b[5] = {4, 4, 5, 5, 10}, c[5] = {2, 1, 1, 1, 5};
  isms_stage_column cols[5] = {{0}};
  cols[sa].tiers = a, cols[sb].tiers = b, cols[sc].tiers = c;
  int64_t score[5];
  int16_t rank[5];
  is_int(isms_stages_run(p, 5, cols, score, rank), ISMS_OK, "runs");
  /* row 0: (2 + 3 + 2) / 3 = 2.333333: Low; row 1: (3 + 3 + 1) / 3 = 2.333333;
  ** row 2: a not rated; row 3: a missing; row 4: (9 + 9 + 5) / 3 = 7.666667 */
  ok(score[0] == 2333333 && rank[0] == 1, "7/3 rounds to 2.333333, Low (%lld, %d)",
     (long long)score[0], rank[0]);
  ok(score[2] == 0 && rank[2] == 0, "a not rated tier gives a not rated result");
  ok(score[3] == 0 && rank[3] == 0, "a missing rating gives a not rated result");
  ok(score[4] == 7666667 && rank[4] == 2, "23/3 is 7.666667, High");
  /* exactness: 8/3 = 2.666667 < 3, 9/3 = 3 exactly */
  uint8_t a2[2] = {3, 4}, b2[2] = {4, 4}, c2[2] = {3, 2};  /* 2+3+3 = 8, 3+3+2 = 8... */
  a2[1] = 4, b2[1] = 4, c2[1] = 3;                          /* 3+3+3 = 9 */
  cols[sa].tiers = a2, cols[sb].tiers = b2, cols[sc].tiers = c2;
  isms_stages_run(p, 2, cols, score, rank);
  ok(rank[0] == 1 && rank[1] == 2, "8/3 is Low, 9/3 is High: the band edge is exact");
  /* the trace: every slot's numerator and position */
  int64_t num[2 * 5];
  uint16_t pos[2 * 5];
  is_int(isms_stages_trace(p, 2, cols, num, pos), ISMS_OK, "trace");
  ok(num[smean] == 8 * U && pos[smean] == 1, "the mean's numerator 8 (8/3 < 3) and band 1");
  ok(num[5 + smean] == 9 * U && pos[5 + smean] == 2, "9/3 = 3: band 2");
  ok(num[5 + stab] == 1 * U, "the table cell of band 2 and b at position 4: cell 10 = 1");
  /* misuse */
  is_int(isms_stages_run(NULL, 1, cols, score, rank), ISMS_MISUSE, "no program");
  int in[1] = {99}, out;
  isms_stage_def bad = {.op = ISMS_OP_SUM, .ninputs = 1, .inputs = in, .mask = -1};
  is_int(isms_stages_add(p, &bad, &out), ISMS_INPUT, "a later slot is refused");
  like(isms_stages_errmsg(p), "not an earlier slot", "later slot message");
  in[0] = sa;
  int64_t e2[2] = {5 * U, 5 * U};
  bad.nedges = 2, bad.edges = e2;
  is_int(isms_stages_add(p, &bad, &out), ISMS_INPUT, "edges that do not rise are refused");
  isms_stages_free(p);
  isms_stages_free(NULL);
  ok(1, "freeing NULL stages is a no-op");
}

/* A per-property maximum over a mask, a first, a count and records. */
static void test_stage_subsets(void) {
  isms_stages *p;
  isms_stages_new(&p);
  int sc, si, sa, smask, srec;
  isms_stages_add_values(p, &sc);
  isms_stages_add_values(p, &si);
  isms_stages_add_values(p, &sa);
  isms_stages_add_values(p, &smask);
  isms_stages_add_records(p, &srec);
  int in[3] = {sc, si, sa}, bits[3] = {0, 1, 2}, smax, sfirst, scount, ssum;
  isms_stage_def mx = {.op = ISMS_OP_MAX, .ninputs = 3, .inputs = in, .mask = smask, .bits = bits};
  is_int(isms_stages_add(p, &mx, &smax), ISMS_OK, "a masked maximum");
  isms_stage_def first = {.op = ISMS_OP_FIRST, .ninputs = 3, .inputs = in, .mask = -1};
  is_int(isms_stages_add(p, &first, &sfirst), ISMS_OK, "a first");
  int rin[1] = {srec};
  isms_stage_def cnt = {.op = ISMS_OP_COUNT, .ninputs = 1, .inputs = rin, .mask = -1,
                        .threshold = 3 * U};
  is_int(isms_stages_add(p, &cnt, &scount), ISMS_OK, "a count of records");
  isms_stage_def sum = {.op = ISMS_OP_SUM, .ninputs = 1, .inputs = rin, .mask = -1};
  is_int(isms_stages_add(p, &sum, &ssum), ISMS_OK, "a sum of records");
  isms_stage_def wrong = {.op = ISMS_OP_PRODUCT, .ninputs = 1, .inputs = rin, .mask = -1};
  int out;
  is_int(isms_stages_add(p, &wrong, &out), ISMS_INPUT, "a product of records is refused");
  isms_stages_set_result(p, smax);
  isms_stages_add_level(p, INT64_MIN + 1, INT64_MAX, 0, 1);
  int64_t c[3] = {4 * U, NR, 1 * U}, i[3] = {1 * U, 2 * U, 2 * U}, a[3] = {2 * U, 3 * U, 9 * U};
  int64_t mask[3] = {2 | 4, 2, NR};
  uint32_t off[4] = {0, 3, 3, 4};
  int64_t rec[4] = {5 * U, 1 * U, 3 * U, 7 * U};
  isms_stage_column cols[9] = {{0}};
  cols[sc].values = c, cols[si].values = i, cols[sa].values = a, cols[smask].values = mask;
  cols[srec].offsets = off, cols[srec].values = rec;
  int64_t num[3 * 9];
  uint16_t pos[3 * 9];
  const int n = isms_stages_count(p);
  is_int(isms_stages_trace(p, 3, cols, num, pos), ISMS_OK, "trace");
  ok(num[smax] == 2 * U, "I and A: max(1, 2) = 2, C left out");
  ok(num[n + smax] == 2 * U, "I alone: 2; C not rated does not count as it is left out");
  ok(num[2 * n + smax] == 9 * U, "an unknown mask picks all three");
  ok(num[n + sfirst] == 2 * U, "first skips a not rated C");
  ok(num[scount] == 2 * U && num[ssum] == 9 * U, "records 5, 1, 3: two at or above 3, sum 9");
  ok(num[n + scount] == 0 && num[n + ssum] == 0, "no records: count 0, sum 0");
  isms_stages_free(p);
}

/* A staged scorer behind the usual scorer calls: score, accept, order and
** the one-pass evaluation agree with each other. */
static void test_staged_scorer(void) {
  isms_stages *p;
  isms_stages_new(&p);
  int64_t v[6];
  for (int t = 0; t < 6; t++) v[t] = (t - 2) * U;  /* -2 .. 3: negative scores too */
  int sa, sb, ssum;
  isms_stages_add_tiers(p, 6, v, NULL, &sa);
  isms_stages_add_tiers(p, 6, v, NULL, &sb);
  int in[2] = {sa, sb};
  isms_stage_def d = {.op = ISMS_OP_SUM, .ninputs = 2, .inputs = in, .mask = -1};
  isms_stages_add(p, &d, &ssum);
  isms_stages_set_result(p, ssum);
  isms_stages_add_level(p, INT64_MIN + 1, 0, 1, 1);  /* below 0 */
  isms_stages_add_level(p, 0, 3 * U, 1, 2);          /* 0 to below 3 */
  isms_stages_add_level(p, 3 * U, INT64_MAX, 0, 3);
  isms_scorer *s;
  int slots[2] = {sa, sb};
  is_int(isms_scorer_new_staged(p, 2, slots, &s), ISMS_OK, "a staged scorer");
  is_int(isms_scorer_set_cell(s, 0, 1, 1), ISMS_MISUSE, "it has no cells to set");
  isms_accept_rule rule = {.residual = 0, .max_rank = 2, .predicate = -1};
  is_int(isms_scorer_add_rule(s, &rule), ISMS_OK, "a criterion");
  enum { N = 5000 };
  uint8_t *ra = malloc(N), *rb = malloc(N), *ob = malloc(N), *acc = malloc(N), *acc2 = malloc(N);
  int64_t *score = malloc(N * sizeof *score), *score2 = malloc(N * sizeof *score2);
  int16_t *rank = malloc(N * sizeof *rank), *rank2 = malloc(N * sizeof *rank2);
  srand(16);
  for (int k = 0; k < N; k++) ra[k] = (uint8_t)(rand() % 8), rb[k] = (uint8_t)(rand() % 7),
                              ob[k] = (uint8_t)(rand() % 8);
  isms_risk_cols c = {.n = N, .ratings = {ra, rb}, .obligations = ob, .score = score, .rank = rank};
  is_int(isms_scorer_score(s, &c), ISMS_OK, "scores through the program");
  is_int(isms_scorer_accept(s, &c, 0, acc), ISMS_OK, "accepts");
  int agree = 1;
  for (int k = 0; k < N && agree; k++) {
    const int rated = ra[k] >= 1 && ra[k] <= 6 && rb[k] >= 1 && rb[k] <= 6;
    const int64_t want = rated ? (ra[k] - 3 + rb[k] - 3) * U : 0;
    const int wrank = !rated ? 0 : want < 0 ? 1 : want < 3 * U ? 2 : 3;
    agree = score[k] == want && rank[k] == wrank && acc[k] == (rated && wrank <= 2);
    if (!agree) diag("row %d: %d %d gave %lld/%d/%d", k, ra[k], rb[k], (long long)score[k], rank[k],
                     acc[k]);
  }
  ok(agree, "scores, levels and acceptance of %d rows, not rated ones among them", N);
  isms_risk_tally *t;
  isms_risk_tally_new(10, &t);
  isms_risk_cols c2 = {.n = N, .ratings = {ra, rb}, .obligations = ob, .score = score2,
                       .rank = rank2};
  is_int(isms_scorer_evaluate(s, &c2, 0, 0, acc2, t), ISMS_OK, "the one-pass evaluation runs");
  isms_risk_summary sum;
  uint32_t top[10], want_top[10];
  size_t ntop;
  isms_risk_tally_result(t, &sum, top, &ntop);
  int64_t levels[4] = {0}, nacc = 0, total = 0;
  for (int k = 0; k < N; k++) levels[rank[k]]++, nacc += acc[k], total += score[k];
  ok(sum.risks == N && sum.levels[0] == levels[0] && sum.levels[3] == levels[3] &&
     sum.acceptable == nacc && sum.score_sum == total, "the tally agrees with the separate kernels");
  isms_risk_order(N, rank, score, ob, 10, want_top);
  ok(ntop == 10 && memcmp(top, want_top, sizeof top) == 0, "and so do the ten most urgent");
  ok(memcmp(acc, acc2, N) == 0 && memcmp(score, score2, N * sizeof *score) == 0,
     "and the per-risk outputs");
  c2.score = NULL;  /* no criterion has a max_score: the scores are not needed */
  is_int(isms_scorer_accept(s, &c2, 0, acc2), ISMS_OK, "acceptance without the scores");
  ok(memcmp(acc, acc2, N) == 0, "gives the same");
  isms_accept_rule by_score = {.residual = 0, .has_max_score = 1, .max_score = U, .predicate = -1};
  isms_scorer_add_rule(s, &by_score);
  is_int(isms_scorer_accept(s, &c2, 0, acc2), ISMS_MISUSE, "but a max_score criterion needs them");
  isms_risk_tally_free(t);
  isms_scorer_free(s);
  isms_stages_free(p);
  free(ra), free(rb), free(ob), free(acc), free(acc2), free(score), free(score2), free(rank),
      free(rank2);
}

/* Columns read through an index (a column per asset read through each
** risk's asset): the same results as the columns copied out row by row,
** over many blocks and threads, with UINT32_MAX read as not rated. */
static void test_stage_index(void) {
  isms_stages *p;
  isms_stages_new(&p);
  int64_t v[5];
  for (int t = 0; t < 5; t++) v[t] = (t + 1) * U;
  int st, sv, sr, sum, band;
  isms_stages_add_tiers(p, 5, v, NULL, &st);   /* the asset's tier */
  isms_stages_add_values(p, &sv);              /* the asset's value */
  isms_stages_add_tiers(p, 5, v, NULL, &sr);   /* a rating of the risk's own */
  int in[3] = {st, sv, sr};
  isms_stage_def d = {.op = ISMS_OP_SUM, .ninputs = 3, .inputs = in, .mask = -1};
  is_int(isms_stages_add(p, &d, &sum), ISMS_OK, "a sum over an asset's tier and value and a rating");
  int64_t edges[1] = {8 * U};
  int bin[1] = {sum};
  isms_stage_def b = {.op = ISMS_OP_MAX, .ninputs = 1, .inputs = bin, .mask = -1, .nedges = 1,
                      .edges = edges};
  is_int(isms_stages_add(p, &b, &band), ISMS_OK, "banded");
  isms_stages_set_result(p, band);
  isms_stages_add_level(p, INT64_MIN + 1, INT64_MAX, 0, 1);
  enum { NA = 7, N = 300000 };
  uint8_t atier[NA] = {1, 2, 3, 4, 5, 0, 2};
  int64_t avalue[NA] = {U / 2, 1 * U, NR, 3 * U, 4 * U, 5 * U, -2 * U};
  uint32_t *index = malloc(N * sizeof *index);
  uint8_t *rating = malloc(N), *tcopy = malloc(N);
  int64_t *vcopy = malloc(N * sizeof *vcopy);
  int64_t *s1 = malloc(N * sizeof *s1), *s2 = malloc(N * sizeof *s2);
  int16_t *r1 = malloc(N * sizeof *r1), *r2 = malloc(N * sizeof *r2);
  for (size_t i = 0; i < N; i++) {
    index[i] = i % 11 == 10 ? UINT32_MAX : (uint32_t)((i * 7919) % NA);
    rating[i] = (uint8_t)(i % 6);
    tcopy[i] = index[i] == UINT32_MAX ? 0 : atier[index[i]];
    vcopy[i] = index[i] == UINT32_MAX ? NR : avalue[index[i]];
  }
  isms_stage_column by_index[5] = {{0}}, copied[5] = {{0}};
  by_index[st].tiers = atier, by_index[st].index = index;
  by_index[sv].values = avalue, by_index[sv].index = index;
  by_index[sr].tiers = rating;
  copied[st].tiers = tcopy, copied[sv].values = vcopy, copied[sr].tiers = rating;
  is_int(isms_stages_run(p, N, by_index, s1, r1), ISMS_OK, "run through the index");
  is_int(isms_stages_run(p, N, copied, s2, r2), ISMS_OK, "run over the copies");
  ok(memcmp(s1, s2, N * sizeof *s1) == 0 && memcmp(r1, r2, N * sizeof *r1) == 0,
     "the same scores and ranks for 300,000 rows");
  size_t rated = 0;
  for (size_t i = 0; i < N; i++) rated += r1[i] > 0;
  ok(rated > 0 && rated < N, "some rows rated, some not (UINT32_MAX, tier 0, value NR)");
  ok(r1[10] == 0, "an index of UINT32_MAX is not rated");
  /* row 1: asset (7919 % 7) = 2: tier 3 + value NR -> not rated */
  ok(r1[1] == 0, "a not rated value through the index");
  /* row 0: asset 0: tier 1 (1) + value 0.5 + rating 0 (not rated) -> not rated; row 7:
  ** asset (7 * 7919) % 7 = 0: 1 + 0.5 + rating 1 (1) = 2.5, band 1 */
  ok(r1[7] == 1 && s1[7] == 5 * U / 2, "1 + 0.5 + 1 = 2.5");
  int64_t num[8 * 5];
  uint16_t pos[8 * 5];
  is_int(isms_stages_trace(p, 8, by_index, num, pos), ISMS_OK, "a trace through the index");
  ok(num[7 * 5 + sum] == 5 * U / 2 && pos[7 * 5 + band] == 1 && pos[7 * 5 + st] == 1,
     "the trace: sum 2.5, band 1 (below 8), the asset's tier 1");
  /* a heat map over the band and the asset's tier (read through the
  ** index), counted on threads, against the rows scored above */
  enum { CELLS = 256 * 256 * ISMS_REPORT_RANKS };
  uint32_t *got = calloc(CELLS, sizeof *got), *want = calloc(CELLS, sizeof *want);
  for (size_t i = 0; i < N; i++) {
    unsigned a = r1[i] ? (s1[i] >= 8 * U ? 2 : 1) : 0;
    want[((size_t)a * 256 + tcopy[i]) * ISMS_REPORT_RANKS + (size_t)r1[i]]++;
  }
  is_int(isms_stages_cells(p, N, by_index, band, st, NULL, NULL, got), ISMS_OK, "a heat map");
  ok(memcmp(got, want, CELLS * sizeof *got) == 0,
     "its counts are the rows' bands and tiers, at the program's own rank");
  /* given ranks, and rows left out: only even rows, each at rank 3 */
  int16_t *given = malloc(N * sizeof *given);
  uint8_t *keep = malloc(N);
  memset(want, 0, CELLS * sizeof *want);
  memset(got, 0, CELLS * sizeof *got);
  for (size_t i = 0; i < N; i++) {
    given[i] = 3;
    keep[i] = i % 2 == 0;
    unsigned a = r1[i] ? (s1[i] >= 8 * U ? 2 : 1) : 0;
    if (keep[i]) want[((size_t)a * 256 + tcopy[i]) * ISMS_REPORT_RANKS + 3]++;
  }
  is_int(isms_stages_cells(p, N, by_index, band, st, given, keep, got), ISMS_OK, "kept rows");
  ok(memcmp(got, want, CELLS * sizeof *got) == 0, "the rows kept, at the ranks given");
  is_int(isms_stages_cells(p, N, by_index, sv, st, NULL, NULL, got), ISMS_MISUSE,
         "an axis without positions is refused");
  free(got), free(want), free(given), free(keep);
  free(index), free(rating), free(tcopy), free(vcopy), free(s1), free(s2), free(r1), free(r2);
  isms_stages_free(p);
}

int main(void) {
  test_compile_and_value();
  test_staged_scorer();
  test_weighted_value();
  test_stages();
  test_stage_subsets();
  test_stage_index();
  test_bulk_matches_single();
  test_parse();
  test_invalid();
  isms_method_free(NULL);
  ok(1, "freeing NULL is a no-op");
  return done_testing();
}
