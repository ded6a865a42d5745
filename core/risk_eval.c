/*
** risk_eval.c -- scoring, acceptance and prioritising of many risks in one
** pass, into a tally (isms_scorer_evaluate).
**
** The separate kernels (isms_scorer_score, isms_scorer_accept,
** isms_risk_order) each go over the whole set and leave a result array
** behind: for millions of risks that is tens of megabytes written, read
** back and, when freshly allocated, page-faulted in. Here every risk is
** read once and reduced at once, and only the level counts, the score sum,
** the acceptable count and a heap of the k most urgent are kept.
**
** The fast path (eval_fast) computes a block's cells in vector code, then
** per risk: one 16-byte cell record (priority key, accept bits), its
** acceptance -- one bit of the record picked by the risk's class kind and
** obligations when the rules allow (ctx_ok, risk_score.c), else rule masks
** ANDed -- one count per cell (the levels and the score sum come from the
** counts), and one compare against the top k's threshold. Once no risk of
** a block can enter the top k, a method of at most 32 cells only counts
** the block's risks per (cell, context) in L1-resident tables (lean_block):
** acceptance then comes from those counts. The general path (eval_general) takes any columns and fills
** per-risk outputs. Both give exactly what the separate kernels give
** (tests/c/test_risk_score.c checks them against a per-row path).
**
** Callers can feed the columns in pieces (rows numbered from `first`) from
** buffers they refill, and keep one tally per thread; a single large call
** is split over the cores here.
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isms_internal.h"

struct isms_risk_tally {
  isms__topk top;
  uint64_t risks, acceptable, score_sum;
  uint64_t levels[ISMS_MAX_LEVELS + 1];
};

/* ================================================================ tally */

ISMS_API int isms_risk_tally_new(size_t k, isms_risk_tally **out) {
  if (!out) return ISMS_MISUSE;
  *out = NULL;
  if (k > UINT32_MAX) return ISMS_MISUSE;
  isms_risk_tally *t = calloc(1, sizeof *t);
  if (!t) return ISMS_NOMEM;
  if (isms__topk_init(&t->top, k)) {
    free(t);
    return ISMS_NOMEM;
  }
  *out = t;
  return ISMS_OK;
}

ISMS_API void isms_risk_tally_free(isms_risk_tally *t) {
  if (!t) return;
  isms__topk_free(&t->top);
  free(t);
}

ISMS_API void isms_risk_tally_reset(isms_risk_tally *t) {
  if (!t) return;
  isms__topk_clear(&t->top);
  t->risks = t->acceptable = t->score_sum = 0;
  memset(t->levels, 0, sizeof t->levels);
}

ISMS_API int isms_risk_tally_merge(isms_risk_tally *a, const isms_risk_tally *b) {
  if (!a || !b || a->top.k != b->top.k) return ISMS_MISUSE;
  a->risks += b->risks;
  a->acceptable += b->acceptable;
  a->score_sum += b->score_sum;
  for (int r = 0; r <= ISMS_MAX_LEVELS; r++) a->levels[r] += b->levels[r];
  for (size_t i = 0; i < b->top.m; i++)
    isms__topk_offer(&a->top, b->top.h[i].key, b->top.h[i].idx);
  return ISMS_OK;
}

ISMS_API int isms_risk_tally_result(const isms_risk_tally *t, isms_risk_summary *sum,
                                    uint32_t *top, size_t *ntop) {
  if (!t || !sum || (t->top.m && !top)) return ISMS_MISUSE;
  sum->risks = (int64_t)t->risks;
  sum->acceptable = (int64_t)t->acceptable;
  sum->score_sum = (int64_t)t->score_sum;  /* two's complement wrap past 2^63 */
  for (int r = 0; r <= ISMS_MAX_LEVELS; r++) sum->levels[r] = (int64_t)t->levels[r];
  size_t m = t->top.m;
  if (m) {
    isms__keyed *e = malloc(m * sizeof *e);
    if (!e) return ISMS_NOMEM;
    memcpy(e, t->top.h, m * sizeof *e);
    isms__keyed_sort(e, m);
    for (size_t i = 0; i < m; i++) top[i] = e[i].idx;
    free(e);
  }
  if (ntop) *ntop = m;
  return ISMS_OK;
}

/* ============================================================ the kernel */

/* Stand-ins for absent columns, read a block at a time: the value each
** bulk kernel assumes when a column is missing (class -1, all else 0). */
#define BLOCK 1024
#define FAST_CELLS 4096  /* eval_fast counts per cell on the stack up to this */
static const uint8_t zeros[BLOCK];
static uint8_t no_class[BLOCK];
static pthread_once_t no_class_once = PTHREAD_ONCE_INIT;
static void no_class_init(void) { memset(no_class, 0xff, sizeof no_class); }

/* Acceptance criteria of a kind that does not exist (residual not 0 or 1)
** apply to nothing. */
static const uint64_t no_rules[256];

typedef struct eval_job {
  const isms_scorer *s;
  const isms_risk_cols *c;
  const uint64_t *bc, *bt, *bg, *bo, *vf;  /* the residual's rule tables */
  uint64_t base;          /* fast: the rules type, category and verdicts let apply */
  int fast;               /* eval_fast can do it: 1 with masks, 2 with bits */
  int residual;           /* 1 for residual criteria, else 0 (tables of the fast path) */
  size_t lo, hi;          /* rows [lo, hi) of c */
  uint32_t first;         /* the number of row 0 */
  uint8_t *acceptable;
  isms_risk_tally *t;
} eval_job;

/* The general slice: any columns, optional per-risk outputs. The cell of
** a risk with any rating outside its factor's tiers (0 = unrated) is the
** all-zero cell after the last. */
static void eval_general(const eval_job *J) {
  const isms_scorer *s = J->s;
  const isms_risk_cols *c = J->c;
  const isms__cell *cells = s->cell[0];
  const int nf = s->nfactors;
  const uint64_t *bc = J->bc, *bt = J->bt, *bg = J->bg, *bo = J->bo, *vf = J->vf;
  isms__topk *top = &J->t->top;
  uint64_t hist[ISMS_MAX_LEVELS + 1] = {0};
  uint64_t sum = 0, acc = 0;
  for (size_t b0 = J->lo; b0 < J->hi; b0 += BLOCK) {
    const size_t len = J->hi - b0 < BLOCK ? J->hi - b0 : BLOCK;
    const uint8_t *cl = c->asset_class ? (const uint8_t *)c->asset_class + b0 : no_class;
    const uint8_t *ty = c->asset_type ? c->asset_type + b0 : zeros;
    const uint8_t *ca = c->category ? c->category + b0 : zeros;
    const uint8_t *ob = c->obligations ? c->obligations + b0 : zeros;
    const uint8_t *ve = c->verdicts ? c->verdicts + b0 : zeros;
    for (size_t i = 0; i < len; i++) {
      size_t cell = 0;
      int rated = 1;
      for (int f = 0; f < nf; f++) {
        unsigned t = c->ratings[f][b0 + i] - 1u;
        if (t >= (unsigned)s->ntiers[f]) rated = 0;
        cell += t * s->stride[f];
      }
      if (!rated) cell = s->ncells;
      const isms__cell *ce = &cells[cell];
      const isms__cell_rules *cr = &s->cell_rules[cell];
      const unsigned o = ob[i];
      uint64_t a = cr->admits & bc[cl[i]] & bt[ty[i]] & bg[ca[i]] & bo[o];
      unsigned ok = a != 0 && (a & (cr->fails | vf[ve[i]])) == 0;
      acc += ok;
      sum += (uint64_t)s->score[cell];
      hist[ce->key >> 48]++;
      isms__topk_offer(top, ce->key | ((0xE994u >> ((o & 7u) * 2)) & 3u),
                       J->first + (uint32_t)(b0 + i));
      if (J->acceptable) J->acceptable[b0 + i] = (uint8_t)ok;
      if (c->score) c->score[b0 + i] = s->score[cell];
      if (c->rank) c->rank[b0 + i] = (int16_t)(ce->key >> 48);
    }
  }
  isms_risk_tally *t = J->t;
  t->risks += J->hi - J->lo;
  t->acceptable += acc;
  t->score_sum += sum;
  for (int r = 0; r <= ISMS_MAX_LEVELS; r++) t->levels[r] += hist[r];
}

/* The cells of a block of risks, as 16-bit numbers (fast path: at most
** FAST_CELLS cells), sixteen risks at a time in the compiler's generic
** vectors (AVX2 in eval_run's AVX2 copy, two SSE2 or NEON registers
** elsewhere). Any rating outside its factor's tiers (0 = unrated) sends the
** risk to the all-zero cell `none`; uint16_t arithmetic wraps only for
** such a rating. */
#if defined(__GNUC__) && !defined(__clang__)
/* the helpers below pass 32-byte vectors, but are always inlined: no call
** ever crosses the ABI GCC warns about */
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
typedef uint16_t u16x16 __attribute__((vector_size(32)));
typedef int16_t s16x16 __attribute__((vector_size(32)));
typedef uint8_t u8x16 __attribute__((vector_size(16)));

static inline __attribute__((always_inline)) u16x16 widen16(const uint8_t *p) {
  u8x16 b;
  memcpy(&b, p, sizeof b);
  return __builtin_convertvector(b, u16x16);
}

/* A method's tiers and strides, in every lane. */
typedef struct cell_consts {
  u16x16 nt[ISMS_MAX_FACTORS], st[ISMS_MAX_FACTORS], none;
  uint16_t nt1[ISMS_MAX_FACTORS], st1[ISMS_MAX_FACTORS], none1;
} cell_consts;

static void cell_consts_init(cell_consts *k, const isms_scorer *s) {
  memset(k, 0, sizeof *k);
  for (int f = 0; f < s->nfactors; f++) {
    k->nt1[f] = (uint16_t)s->ntiers[f];
    k->st1[f] = (uint16_t)s->stride[f];
    k->nt[f] = (u16x16){0} + k->nt1[f];
    k->st[f] = (u16x16){0} + k->st1[f];
  }
  k->none1 = (uint16_t)s->ncells;
  k->none = (u16x16){0} + k->none1;
}

/* The cells of risks i .. i + 15 of the block. A rating r is bad unless
** 1 <= r <= tiers: (r - 1) | (tiers - r) is then negative as an int16_t,
** and its sign bit, spread by an arithmetic shift, is the lane's mask (no
** vector compare: GCC splits shifts and arithmetic of a vector twice the
** machine's width into two halves, but compares into single lanes). */
static inline __attribute__((always_inline)) u16x16 cells16(const cell_consts *k,
                                                            const uint8_t *const *r, size_t i,
                                                            const int nf) {
  const s16x16 one = (s16x16){0} + 1;
  s16x16 v = (s16x16)widen16(r[0] + i);
  s16x16 bad = (v - one) | ((s16x16)k->nt[0] - v);
  u16x16 cell = (u16x16)(v - one);
  for (int f = 1; f < nf; f++) {
    v = (s16x16)widen16(r[f] + i);
    bad |= (v - one) | ((s16x16)k->nt[f] - v);
    cell += (u16x16)(v - one) * k->st[f];
  }
  const u16x16 mask = (u16x16)(bad >> 15);
  return (cell & ~mask) | (k->none & mask);
}

/* The cell of risk i of the block, one at a time (a block's tail). */
static inline __attribute__((always_inline)) uint16_t cell1(const cell_consts *k,
                                                           const uint8_t *const *r, size_t i,
                                                           const int nf) {
  uint16_t t = (uint16_t)(r[0][i] - 1), bad = t >= k->nt1[0], cell = t;
  for (int f = 1; f < nf; f++) {
    t = (uint16_t)(r[f][i] - 1);
    bad |= t >= k->nt1[f];
    cell = (uint16_t)(cell + t * k->st1[f]);
  }
  return bad ? k->none1 : cell;
}

static inline __attribute__((always_inline)) void cells_of(const cell_consts *k,
                                                           const uint8_t *const *r, size_t len,
                                                           uint16_t *out, const int nf) {
  size_t i = 0;
  for (; i + 16 <= len; i += 16) {
    const u16x16 cell = cells16(k, r, i, nf);
    memcpy(out + i, &cell, sizeof cell);
  }
  for (; i < len; i++) out[i] = cell1(k, r, i, nf);
}

/* Lean blocks count risks per (cell, asset class byte, obligations) in a
** table of (ncells + 1) * 64 counters: up to LEAN_CELLS cells it stays in
** L1. The whole index -- cell * 64 + (class + 1) * 8 + obligations -- is
** computed in vector code straight from the ratings, so each risk then
** costs one increment; the class bytes become contexts (ctx_class) once,
** when the counts are folded. That needs every class of the block in
** -1..6: lean_block returns 0, having counted nothing, when one is not
** (the caller then takes the block risk by risk). The counts fit in 32
** bits: a slice is at most UINT32_MAX rows (risk numbers). */
#define LEAN_CELLS 32
#define LEAN_COPIES 4  /* risks in turn count into 4 tables: no chain of increments */
static inline __attribute__((always_inline)) int lean_block(
    const cell_consts *k, const uint8_t *const *r, const uint8_t *cl, const uint8_t *ob,
    size_t len, uint32_t *hist, size_t span, const int nf) {
  uint16_t idx[BLOCK];
  size_t i = 0;
  const u16x16 seven = (u16x16){0} + 7, one = (u16x16){0} + 1, byte = (u16x16){0} + 0xff;
  u16x16 off = {0};  /* lanes whose class + 1 is past 7 */
  for (; i + 16 <= len; i += 16) {
    const u16x16 cls = (widen16(cl + i) + one) & byte;
    off |= cls & ~seven;
    const u16x16 v = (cells16(k, r, i, nf) << 6) + (cls << 3) + (widen16(ob + i) & seven);
    memcpy(idx + i, &v, sizeof v);
  }
  unsigned bad = 0;
  for (int x = 0; x < 16; x++) bad |= off[x];
  for (; i < len; i++) {
    const unsigned cls = (uint8_t)(cl[i] + 1u);
    bad |= cls & ~7u;
    idx[i] = (uint16_t)((cell1(k, r, i, nf) << 6) + (cls << 3) + (ob[i] & 7u));
  }
  if (bad) return 0;
  for (i = 0; i + 4 <= len; i += 4) {
    hist[idx[i]]++;
    hist[span + idx[i + 1]]++;
    hist[2 * span + idx[i + 2]]++;
    hist[3 * span + idx[i + 3]]++;
  }
  for (; i < len; i++) hist[idx[i]]++;
  return 1;
}

/* The fast slice: no per-risk outputs, at most FAST_CELLS cells, and of
** the context columns only asset class and obligations matter (the rules
** of this kind test no type, category or predicate, or those columns are
** absent: a constant mask). A block's cells are computed first, in vector
** code; then each risk costs its cell record, its acceptance -- with
** `bits` (ctx_ok) one bit of the record picked by the risk's context, else
** a few rule masks ANDed -- one count per cell (levels and the score sum
** come from the counts) and one compare against the top k's threshold. */
static inline __attribute__((always_inline)) void eval_fast(const eval_job *J, const int nf,
                                                            const int bits) {
  const isms_scorer *s = J->s;
  const isms_risk_cols *c = J->c;
  const int res = J->residual;
  const isms__cell *cells = s->cell[res];
  const isms__cell_rules *crules = s->cell_rules;
  const uint64_t *bc = J->bc, *bo = J->bo;
  const uint64_t base = J->base;
  const uint8_t *ctx_class = s->ctx_class[res];
  cell_consts kc;
  cell_consts_init(&kc, s);
  isms__topk *top = &J->t->top;
  uint32_t cnt[FAST_CELLS];
  uint16_t cell[BLOCK];
  memset(cnt, 0, (s->ncells + 1) * sizeof cnt[0]);
  /* the (cell, context) counts of lean blocks: with few cells only */
  const int lean = s->ncells + 1 <= LEAN_CELLS;
  uint32_t hist[LEAN_COPIES * LEAN_CELLS * 64];
  const size_t span = (s->ncells + 1) * 64;
  if (bits && lean) memset(hist, 0, LEAN_COPIES * span * sizeof hist[0]);
  uint64_t acc = 0;
  for (size_t b0 = J->lo; b0 < J->hi; b0 += BLOCK) {
    const size_t len = J->hi - b0 < BLOCK ? J->hi - b0 : BLOCK;
    const uint8_t *r[ISMS_MAX_FACTORS];
    for (int f = 0; f < nf; f++) r[f] = c->ratings[f] + b0;
    const uint8_t *cl = c->asset_class ? (const uint8_t *)c->asset_class + b0 : no_class;
    const uint8_t *ob = c->obligations ? c->obligations + b0 : zeros;
    const uint32_t idx0 = J->first + (uint32_t)b0;
    /* Once the top k are all of the highest key there is, only a risk
    ** numbered below the last of them could still get in: when none in
    ** this block is, the block needs no compare that can come out true
    ** (with few cells, many risks reach that key, and the branch would
    ** guess wrong on each). */
    uint64_t gate = top->thr;
    if (!top->k || (top->m == top->k && gate >= s->max_key && top->h[0].idx < idx0))
      gate = UINT64_MAX;
    /* Nothing of the block can enter the top k and acceptance is one bit
    ** of the cell's record: only count the risks per (cell, class,
    ** obligations); the acceptable count comes from those counts at the
    ** end. */
    if (bits && lean && gate == UINT64_MAX && lean_block(&kc, r, cl, ob, len, hist, span, nf))
      continue;
    cells_of(&kc, r, len, cell, nf);
    for (size_t i = 0; i < len; i++) {
      const isms__cell *ce = &cells[cell[i]];
      const unsigned o = ob[i];
      if (bits) {
        acc += (ce->accept >> (ctx_class[cl[i]] + (o & 7u))) & 1u;
      } else {
        const isms__cell_rules *cr = &crules[cell[i]];
        uint64_t a = cr->admits & base & bc[cl[i]] & bo[o];
        acc += (a != 0) & ((a & cr->fails) == 0);
      }
      cnt[cell[i]]++;
      /* the obligations add 0..3 to the key: most risks fall short anyway */
      if (__builtin_expect((ce->key | 3u) >= gate, 0)) {
        isms__topk_offer(top, ce->key | ((0xE994u >> ((o & 7u) * 2)) & 3u), idx0 + (uint32_t)i);
        gate = top->thr;
      }
    }
  }
  if (bits && lean) {
    /* per cell and class byte, the 8 obligation counts; the accept bits
    ** of those 8 contexts are one byte of the cell's record */
    for (size_t k = 0; k <= s->ncells; k++) {
      const uint64_t ok = cells[k].accept;
      for (unsigned cls = 0; cls < 8; cls++) {  /* the class byte + 1 */
        const uint32_t *h0 = hist + k * 64 + cls * 8, *h1 = h0 + span, *h2 = h1 + span;
        const uint32_t *h3 = h2 + span;
        const unsigned bits8 = (unsigned)(ok >> ctx_class[(uint8_t)(cls - 1u)]) & 0xffu;
        uint64_t all = 0, in = 0;
        for (unsigned o = 0; o < 8; o++) {
          const uint64_t h = (uint64_t)h0[o] + h1[o] + h2[o] + h3[o];
          all += h;
          in += h & (0 - (uint64_t)((bits8 >> o) & 1u));
        }
        cnt[k] += (uint32_t)all;
        acc += in;
      }
    }
  }
  isms_risk_tally *t = J->t;
  uint64_t sum = 0, lv[4][ISMS_MAX_LEVELS + 1];  /* four copies: no chain of increments */
  memset(lv, 0, sizeof lv);
  for (size_t k = 0; k <= s->ncells; k++) {
    lv[k & 3][cells[k].key >> 48] += cnt[k];
    sum += (uint64_t)cnt[k] * (uint64_t)s->score[k];
  }
  for (int r = 0; r <= ISMS_MAX_LEVELS; r++)
    t->levels[r] += lv[0][r] + lv[1][r] + lv[2][r] + lv[3][r];
  t->risks += J->hi - J->lo;
  t->acceptable += acc;
  t->score_sum += sum;
}

static inline __attribute__((always_inline)) void *eval_body(void *arg) {
  const eval_job *J = arg;
  if (!J->fast) {
    eval_general(J);
    return NULL;
  }
  const int bits = J->fast == 2;
  switch (J->s->nfactors * 2 + bits) {
    case 2: eval_fast(J, 1, 0); break;
    case 3: eval_fast(J, 1, 1); break;
    case 4: eval_fast(J, 2, 0); break;
    case 5: eval_fast(J, 2, 1); break;
    case 6: eval_fast(J, 3, 0); break;
    case 7: eval_fast(J, 3, 1); break;
    case 8: eval_fast(J, 4, 0); break;
    default: eval_fast(J, 4, 1); break;
  }
  return NULL;
}

static void *eval_run_base(void *arg) { return eval_body(arg); }
#if defined(ISMS_HAVE_AVX2)
ISMS_AVX2_TARGET static void *eval_run_avx2(void *arg) { return eval_body(arg); }
#endif

/* One slice: the AVX2 copy of the kernels where the CPU has it. */
static void *eval_run(void *arg) {
#if defined(ISMS_HAVE_AVX2)
  if (isms__use_avx2()) return eval_run_avx2(arg);
#endif
  return eval_run_base(arg);
}

/* ============================================================== threads */

#define MAX_THREADS 16
#define ROWS_PER_THREAD ((size_t)1 << 18)  /* below this a thread costs more than it saves */

static long cpus = 1;
static pthread_once_t cpus_once = PTHREAD_ONCE_INIT;
static void cpus_init(void) {
  long v = sysconf(_SC_NPROCESSORS_ONLN);  /* reads /sys: once */
  cpus = v < 1 ? 1 : v;
}

int isms__threads_for(size_t n) {
  pthread_once(&cpus_once, cpus_init);
  size_t t = n / ROWS_PER_THREAD;
  if (t > (size_t)cpus) t = (size_t)cpus;
  if (t > MAX_THREADS) t = MAX_THREADS;
  return t < 1 ? 1 : (int)t;
}

/* A staged scorer (method_stage.c): the program scores a piece of rows
** at a time (over the cores), then acceptance and the tally go over the
** piece's scores and ranks. */
#define STAGED_PIECE 65536
static int eval_staged(const isms_scorer *s, isms_risk_cols *c, int residual, uint32_t first,
                       uint8_t *acceptable, isms_risk_tally *t) {
  int64_t *score = malloc(STAGED_PIECE * sizeof *score);
  int16_t *rank = malloc(STAGED_PIECE * sizeof *rank);
  uint8_t *acc = malloc(STAGED_PIECE);
  int rc = score && rank && acc ? ISMS_OK : ISMS_NOMEM;
  uint64_t hist[ISMS_MAX_LEVELS + 1] = {0};
  uint64_t sum = 0, nacc = 0;
  for (size_t lo = 0; rc == ISMS_OK && lo < c->n; lo += STAGED_PIECE) {
    const size_t len = c->n - lo < STAGED_PIECE ? c->n - lo : STAGED_PIECE;
    int64_t *sc = c->score ? c->score + lo : score;
    int16_t *rk = c->rank ? c->rank + lo : rank;
    rc = isms__scorer_stage_score(s, c, lo, len, sc, rk);
    if (rc) break;
    isms_risk_cols piece = *c;
    piece.n = len;
    piece.score = sc;
    piece.rank = rk;
    piece.asset_class = c->asset_class ? c->asset_class + lo : NULL;
    piece.asset_type = c->asset_type ? c->asset_type + lo : NULL;
    piece.category = c->category ? c->category + lo : NULL;
    piece.obligations = c->obligations ? c->obligations + lo : NULL;
    piece.verdicts = c->verdicts ? c->verdicts + lo : NULL;
    uint8_t *a = acceptable ? acceptable + lo : acc;
    rc = isms_scorer_accept(s, &piece, residual, a);
    if (rc) break;
    for (size_t i = 0; i < len; i++) {
      const int r = rk[i] < 0 || rk[i] > ISMS_MAX_LEVELS ? 0 : rk[i];
      hist[r]++;
      sum += (uint64_t)sc[i];
      nacc += a[i];
      const unsigned o = piece.obligations ? piece.obligations[i] : 0;
      isms__topk_offer(&t->top, isms__risk_key(r, sc[i], o), first + (uint32_t)(lo + i));
    }
  }
  if (rc == ISMS_OK) {
    t->risks += c->n;
    t->acceptable += nacc;
    t->score_sum += sum;
    for (int r = 0; r <= ISMS_MAX_LEVELS; r++) t->levels[r] += hist[r];
  }
  free(score);
  free(rank);
  free(acc);
  return rc;
}

ISMS_API int isms_scorer_evaluate(const isms_scorer *s, isms_risk_cols *c, int residual,
                                  uint32_t first, uint8_t *acceptable, isms_risk_tally *t) {
  if (!s || !c || !t) return ISMS_MISUSE;
  if (c->n && c->n > (size_t)UINT32_MAX - first + 1) return ISMS_MISUSE;  /* 32-bit numbers */
  for (int f = 0; f < s->nfactors && f < ISMS_MAX_FACTORS; f++)
    if (!c->ratings[f]) return ISMS_MISUSE;
  for (int k = 0; k < s->nrules; k++)
    if (s->rules[k].predicate >= 0 && s->rules[k].residual == residual && !c->verdicts)
      return ISMS_MISUSE;  /* a predicate's verdicts are needed */
  if (s->stages) return eval_staged(s, c, residual, first, acceptable, t);
  pthread_once(&no_class_once, no_class_init);
  const int r = residual == 1;
  eval_job job = {s, c, residual == 0 || residual == 1 ? s->by_class[r] : no_rules,
                  s->by_type[r], s->by_category[r], s->by_oblig[r], s->verdict_fails[r],
                  0, 0, r, 0, c->n, first, acceptable, t};
  /* The fast path folds type, category and verdicts into one mask when
  ** they are constant: the column is absent, or no rule looks at it. */
  const isms__uses *u = &s->uses[r];
  if (!acceptable && !c->score && !c->rank && s->ncells + 1 <= FAST_CELLS &&
      (!c->asset_type || !u->type) && (!c->category || !u->category) &&
      (!c->verdicts || !u->verdicts)) {
    job.fast = 1;
    /* no verdicts fail here: a predicate rule of this kind needs the
    ** column (checked above), and with the column it is not used */
    job.base = job.bt[0] & job.bg[0];
    if (s->ctx_ok[r] && (residual == 0 || residual == 1)) job.fast = 2;
  }
  int nthreads = isms__threads_for(c->n);
  if (nthreads == 1) {
    eval_run(&job);
    return ISMS_OK;
  }
  eval_job jobs[MAX_THREADS];
  isms_risk_tally *part[MAX_THREADS] = {0};
  pthread_t tid[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  int rc = ISMS_OK;
  for (int i = 0; i < nthreads; i++) {
    jobs[i] = job;
    jobs[i].lo = c->n * (size_t)i / (size_t)nthreads;
    jobs[i].hi = c->n * (size_t)(i + 1) / (size_t)nthreads;
    /* slice 0 goes straight into t; the others into tallies of their own */
    if (i > 0 && isms_risk_tally_new(t->top.k, &part[i])) rc = ISMS_NOMEM;
    jobs[i].t = i ? part[i] : t;
  }
  if (rc == ISMS_OK) {
    for (int i = 1; i < nthreads; i++)
      started[i] = pthread_create(&tid[i], NULL, eval_run, &jobs[i]) == 0;
    eval_run(&jobs[0]);
    for (int i = 1; i < nthreads; i++) {
      if (started[i])
        pthread_join(tid[i], NULL);
      else
        eval_run(&jobs[i]);  /* no thread: do its share here */
      isms_risk_tally_merge(t, part[i]);
    }
  }
  for (int i = 1; i < nthreads; i++) isms_risk_tally_free(part[i]);
  return rc;
}
