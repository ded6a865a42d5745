/*
** method_stage.c -- staged risk scores, computed column by column.
**
** A tabulated score (risk_score.c) holds the result of every combination
** of factor tiers: at most four factors of fifteen tiers. Methods such as
** OWASP's risk rating (sixteen factors of ten tiers: 10^16 combinations),
** scores that read the asset (its C, I and A, its value) or the threat
** (the properties it affects), and aggregates over related records do not
** fit a table. Here they are a small program of stages over slots:
**
**   input slots   a column the caller gives: tier positions (uint8, mapped
**                 to values by a table: values need not be 1..n), values in
**                 millionths, or related records (offsets + values);
**   stage slots   a built-in reduction of earlier slots (sum, mean, min,
**                 max, product, weighted sum, count at or above a
**                 threshold, the first rated), or a table over slots that
**                 have positions (a tabulated rule-file function, a
**                 matrix), optionally over a subset of its inputs picked
**                 per row by a bit mask (the properties a threat affects);
**                 optionally banded by edges, and then optionally taking
**                 the band's value.
**
** The result slot is banded into risk levels by intervals. A risk with an
** input "not rated" (position 0, a tier declared not rated, INT64_MIN in a
** value column, records not given) gets a not rated result: rank 0.
**
** Every value is an int64 count of millionths. A mean keeps its exact
** numerator (its denominator is the number of inputs), so its bands and
** levels compare exactly (num >= edge * den); stages reading it take it
** rounded half away from zero. A product and a weighted sum are rounded
** the same way after each multiplication (128-bit intermediates).
**
** The kernel runs a block of rows through every stage in turn, so each
** stage is a tight loop over a few arrays of the first-level cache; large
** inputs are split over the cores. Sums and means of tiers read the rating
** columns directly (byte adds when the tiers step evenly), tiers are
** turned into values only for stages that need them, and a result that
** is a table gets its level per cell, once.
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isms_internal.h"

#define NR INT64_MIN
#define UNIT 1000000
#define BLOCK 256
#define MAX_SLOTS 4096
#define MAX_TABLE ((size_t)1 << 24)
#define MAX_THREADS 64
#define MIN_ROWS_PER_THREAD 65536
#define SLOT_STRIDE (2 * BLOCK + 24)  /* int64s per slot in a work area */
#define POS_STRIDE (BLOCK + 40)       /* uint16s per slot */
/* A fused sum of at most FUSED_MAX tier values, each below FUSED_LIMIT in
** size, stays above -2^59 unless a term is FUSED_NR: one compare at the
** end finds a not rated input instead of one per term. */
#define FUSED_LIMIT ((int64_t)1 << 53)
#define FUSED_NR (-((int64_t)1 << 60))
#define FUSED_MAX 64

enum { K_TIERS, K_VALUES, K_RECORDS, K_STAGE };

typedef struct slot {
  int kind;
  int npos;              /* positions 1..npos (tiers, bands); 0: none */
  int64_t den;           /* the denominator of num (a mean's input count), else 1 */
  int opden;             /* the op's own denominator before band values replace it */
  int need_val, need_pos; /* a later stage reads the rounded value, the position */
  int need_arr;          /* K_TIERS: a stage reads the values as an array (not fused) */
  int fused;             /* a sum or mean reading its tier inputs straight from the
                            columns (tabs), without arrays of values in between */
  int64_t *tabs;         /* K_TIERS: tab with FUSED_NR for not rated, for fused sums */
  int linear;            /* K_TIERS: position p (1..nrated) is worth lin_a * p + lin_b */
  int nrated;            /* K_TIERS: the rated positions are 1..nrated */
  int64_t lin_a, lin_b;
  int lin_sum;           /* a fused sum of linear tiers of one lin_a: byte adds */
  int64_t lin_base;      /* its sum of the inputs' lin_b */
  uint16_t *lin_edges;   /* its band edges as sums of positions (lin_a > 0), or NULL */
  int need_num;          /* a later stage (or the result, or a trace) reads num */
  int in_num;            /* the op reads its inputs' numerators (all of one den) */
  /* K_TIERS: the value of each position; NR for 0, past the tiers, not rated */
  int64_t *tab;
  /* K_STAGE */
  int op, ninputs, mask;
  int *inputs;
  uint64_t *pick;        /* with a mask: the bit that picks each input */
  int64_t *weights;      /* ISMS_OP_WEIGHTED */
  int64_t threshold;     /* ISMS_OP_COUNT */
  int64_t *table;        /* ISMS_OP_TABLE */
  size_t *stride;
  int nedges;
  int64_t *edges;        /* as given */
  int64_t *sedges;       /* edges * opden (saturated) */
  int64_t *band_values;  /* nedges + 1, or NULL */
} slot;

typedef struct level {
  int64_t lo, hi;        /* scaled by the result's den */
  int rank;
} level;

struct isms_stages {
  slot *slots;
  int nslots, cap;
  int result;            /* -1 until set */
  level *levels;
  int nlevels;
  /* A result that is a table of at most MAX_CELL_RANKS cells: each cell's
  ** level, so a row's level is one load (the OWASP severity matrix). */
  uint8_t *cell_rank;
  char *errmsg;
};
#define MAX_CELL_RANKS ((size_t)1 << 20)

/* ================================================================ errors */

static int sfail(isms_stages *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int sfail(isms_stages *p, int code, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  free(p->errmsg);
  p->errmsg = strdup(buf);
  return code;
}

ISMS_API const char *isms_stages_errmsg(const isms_stages *p) {
  if (!p) return "out of memory or no stages";
  return p->errmsg ? p->errmsg : "not an error";
}

/* ============================================================ arithmetic */

/* num / den rounded half away from zero; den > 0. */
static inline int64_t div_round(int64_t num, int64_t den) {
  if (den == 1) return num;
  if (num > -((int64_t)1 << 61) && num < ((int64_t)1 << 61) && den < ((int64_t)1 << 30))
    return num >= 0 ? (2 * num + den) / (2 * den) : -((-2 * num + den) / (2 * den));
  __int128 n = num, d = den;
  __int128 q = n >= 0 ? (2 * n + d) / (2 * d) : -((-2 * n + d) / (2 * d));
  return (int64_t)q;
}

static inline int64_t clamp128(__int128 v) {
  if (v > INT64_MAX) return INT64_MAX;
  if (v <= (__int128)NR) return NR + 1;
  return (int64_t)v;
}

static inline int64_t div_round128(__int128 n, int64_t den) {
  __int128 d = den;
  __int128 q = n >= 0 ? (2 * n + d) / (2 * d) : -((-2 * n + d) / (2 * d));
  return clamp128(q);
}

/* =========================================================== life cycle */

ISMS_API int isms_stages_new(isms_stages **out) {
  if (!out) return ISMS_MISUSE;
  *out = calloc(1, sizeof **out);
  if (!*out) return ISMS_NOMEM;
  (*out)->result = -1;
  return ISMS_OK;
}

static void slot_free(slot *s) {
  free(s->tab);
  free(s->tabs);
  free(s->inputs);
  free(s->pick);
  free(s->weights);
  free(s->table);
  free(s->stride);
  free(s->edges);
  free(s->sedges);
  free(s->band_values);
  free(s->lin_edges);
}

ISMS_API void isms_stages_free(isms_stages *p) {
  if (!p) return;
  for (int k = 0; k < p->nslots; k++) slot_free(&p->slots[k]);
  free(p->slots);
  free(p->levels);
  free(p->cell_rank);
  free(p->errmsg);
  free(p);
}

ISMS_API int isms_stages_count(const isms_stages *p) { return p ? p->nslots : 0; }

ISMS_API int isms_stages_slot_den(const isms_stages *p, int slot_index) {
  if (!p || slot_index < 0 || slot_index >= p->nslots) return 0;
  return (int)p->slots[slot_index].den;
}

ISMS_API int isms_stages_slot_positions(const isms_stages *p, int slot_index) {
  if (!p || slot_index < 0 || slot_index >= p->nslots) return 0;
  return p->slots[slot_index].npos;
}

static slot *slot_push(isms_stages *p) {
  if (p->nslots == MAX_SLOTS) return NULL;
  if (p->nslots == p->cap) {
    int cap = p->cap ? 2 * p->cap : 16;
    slot *s = realloc(p->slots, (size_t)cap * sizeof *s);
    if (!s) return NULL;
    p->slots = s;
    p->cap = cap;
  }
  slot *s = &p->slots[p->nslots];
  memset(s, 0, sizeof *s);
  s->den = 1;
  s->opden = 1;
  s->mask = -1;
  return s;
}

/* ================================================================ inputs */

ISMS_API int isms_stages_add_tiers(isms_stages *p, int ntiers, const int64_t *values,
                                   const uint8_t *rated, int *out) {
  if (!p || !values || !out || ntiers < 1 || ntiers > 254) return ISMS_MISUSE;
  slot *s = slot_push(p);
  if (!s) return sfail(p, ISMS_NOMEM, "out of memory (or more than %d slots)", MAX_SLOTS);
  s->kind = K_TIERS;
  s->npos = ntiers;
  s->tab = malloc(256 * sizeof *s->tab);
  s->tabs = malloc(256 * sizeof *s->tabs);
  if (!s->tab || !s->tabs) {
    slot_free(s);
    return sfail(p, ISMS_NOMEM, "out of memory");
  }
  for (int v = 0; v < 256; v++) s->tab[v] = s->tabs[v] = NR;
  for (int t = 0; t < ntiers; t++) {
    if (values[t] <= -FUSED_LIMIT || values[t] >= FUSED_LIMIT) {
      slot_free(s);
      return sfail(p, ISMS_INPUT, "tier %d: a value beyond 2^53 millionths", t + 1);
    }
    if (!rated || rated[t]) s->tab[t + 1] = values[t];
  }
  for (int v = 0; v < 256; v++) s->tabs[v] = s->tab[v] == NR ? FUSED_NR : s->tab[v];
  /* linear: the rated tiers come first and step evenly (0..9, 1..5, 0..100) */
  int nrated = 0;
  while (nrated < ntiers && (!rated || rated[nrated])) nrated++;
  int rest_unrated = 1;
  for (int t = nrated; t < ntiers; t++) rest_unrated &= rated && !rated[t];
  s->nrated = nrated;
  s->lin_a = nrated > 1 ? values[1] - values[0] : 0;
  s->lin_b = values[0] - s->lin_a;
  s->linear = rest_unrated && nrated >= 1 && nrated < 255;
  for (int t = 0; s->linear && t < nrated; t++)
    s->linear = values[t] == s->lin_a * (t + 1) + s->lin_b;
  *out = p->nslots++;
  return ISMS_OK;
}

ISMS_API int isms_stages_add_values(isms_stages *p, int *out) {
  if (!p || !out) return ISMS_MISUSE;
  slot *s = slot_push(p);
  if (!s) return sfail(p, ISMS_NOMEM, "out of memory (or more than %d slots)", MAX_SLOTS);
  s->kind = K_VALUES;
  *out = p->nslots++;
  return ISMS_OK;
}

ISMS_API int isms_stages_add_records(isms_stages *p, int *out) {
  if (!p || !out) return ISMS_MISUSE;
  slot *s = slot_push(p);
  if (!s) return sfail(p, ISMS_NOMEM, "out of memory (or more than %d slots)", MAX_SLOTS);
  s->kind = K_RECORDS;
  *out = p->nslots++;
  return ISMS_OK;
}

/* ================================================================ stages */

static int64_t sat_mul(int64_t a, int64_t b) { return clamp128((__int128)a * b); }

ISMS_API int isms_stages_add(isms_stages *p, const isms_stage_def *d, int *out) {
  if (!p || !d || !out) return ISMS_MISUSE;
  if (d->op < ISMS_OP_SUM || d->op > ISMS_OP_FIRST)
    return sfail(p, ISMS_MISUSE, "unknown operation %d", d->op);
  if (d->ninputs < 1 || !d->inputs) return sfail(p, ISMS_INPUT, "a stage needs inputs");
  if (d->nedges < 0 || (d->nedges && !d->edges)) return ISMS_MISUSE;
  for (int k = 0; k < d->ninputs; k++) {
    int in = d->inputs[k];
    if (in < 0 || in >= p->nslots)
      return sfail(p, ISMS_INPUT, "input %d: slot %d is not an earlier slot", k + 1, in);
    if (p->slots[in].kind == K_RECORDS && (d->ninputs != 1 || d->op == ISMS_OP_TABLE ||
                                           d->op == ISMS_OP_WEIGHTED || d->op == ISMS_OP_PRODUCT ||
                                           d->op == ISMS_OP_FIRST))
      return sfail(p, ISMS_INPUT, "related records are aggregated alone, by sum, mean, min, "
                   "max or count");
    if (d->op == ISMS_OP_TABLE && p->slots[in].npos < 1)
      return sfail(p, ISMS_INPUT, "input %d: a table reads tiers or bands", k + 1);
  }
  if (d->mask >= p->nslots || (d->mask >= 0 && p->slots[d->mask].kind == K_RECORDS))
    return sfail(p, ISMS_INPUT, "mask: not an earlier value slot");
  if (d->mask >= 0 && (d->op == ISMS_OP_MEAN || d->op == ISMS_OP_TABLE || d->ninputs > 62))
    return sfail(p, ISMS_INPUT, "a subset is reduced by sum, min, max, product, weighted or "
                 "count, over at most 62 inputs");
  if (d->op == ISMS_OP_WEIGHTED && !d->weights) return ISMS_MISUSE;
  for (int e = 1; e < d->nedges; e++)
    if (d->edges[e] <= d->edges[e - 1])
      return sfail(p, ISMS_INPUT, "band edges must rise");
  size_t tsize = 1;
  if (d->op == ISMS_OP_TABLE) {
    for (int k = 0; k < d->ninputs; k++) {
      tsize *= (size_t)p->slots[d->inputs[k]].npos;
      if (tsize > MAX_TABLE) return sfail(p, ISMS_INPUT, "table of more than %zu cells", MAX_TABLE);
    }
    if (!d->table) return ISMS_MISUSE;
  }
  slot *s = slot_push(p);
  if (!s) return sfail(p, ISMS_NOMEM, "out of memory (or more than %d slots)", MAX_SLOTS);
  s->kind = K_STAGE;
  s->op = d->op;
  s->ninputs = d->ninputs;
  s->mask = d->mask;
  s->threshold = d->threshold;
  s->nedges = d->nedges;
  const int records = p->slots[d->inputs[0]].kind == K_RECORDS;
  s->opden = d->op == ISMS_OP_MEAN && !records ? d->ninputs : 1;
  /* Sums, minima, maxima and firsts of means of one denominator stay
  ** exact numerators of that denominator: no rounding, no division. */
  const int64_t den0 = p->slots[d->inputs[0]].den;
  int same = den0 > 1 && d->mask < 0 && !records &&
             (d->op == ISMS_OP_SUM || d->op == ISMS_OP_MIN || d->op == ISMS_OP_MAX ||
              d->op == ISMS_OP_FIRST);
  for (int k = 1; same && k < d->ninputs; k++) same = p->slots[d->inputs[k]].den == den0;
  if (same) {
    s->in_num = 1;
    s->opden = (int)den0;
  }
  s->den = d->band_values ? 1 : s->opden;
  s->npos = d->nedges ? d->nedges + 1 : 0;
  s->inputs = malloc((size_t)d->ninputs * sizeof *s->inputs);
  int fail = !s->inputs;
  if (!fail) memcpy(s->inputs, d->inputs, (size_t)d->ninputs * sizeof *s->inputs);
  if (!fail && d->mask >= 0) {
    s->pick = malloc((size_t)d->ninputs * sizeof *s->pick);
    fail = !s->pick;
    for (int k = 0; !fail && k < d->ninputs; k++) {
      const int b = d->bits ? d->bits[k] : k;
      if (b < 0 || b > 62) fail = 1;
      else s->pick[k] = (uint64_t)1 << b;
    }
  }
  if (!fail && d->op == ISMS_OP_WEIGHTED) {
    s->weights = malloc((size_t)d->ninputs * sizeof *s->weights);
    fail = !s->weights;
    if (!fail) memcpy(s->weights, d->weights, (size_t)d->ninputs * sizeof *s->weights);
  }
  if (!fail && d->op == ISMS_OP_TABLE) {
    s->table = malloc(tsize * sizeof *s->table);
    s->stride = malloc((size_t)d->ninputs * sizeof *s->stride);
    fail = !s->table || !s->stride;
    if (!fail) {
      memcpy(s->table, d->table, tsize * sizeof *s->table);
      size_t st = 1;
      for (int k = 0; k < d->ninputs; k++) {  /* the first input varies fastest */
        s->stride[k] = st;
        st *= (size_t)p->slots[d->inputs[k]].npos;
      }
    }
  }
  if (!fail && d->nedges) {
    s->edges = malloc((size_t)d->nedges * sizeof *s->edges);
    s->sedges = malloc((size_t)d->nedges * sizeof *s->sedges);
    fail = !s->edges || !s->sedges;
    if (!fail)
      for (int e = 0; e < d->nedges; e++) {
        s->edges[e] = d->edges[e];
        s->sedges[e] = sat_mul(d->edges[e], s->opden);
      }
    if (!fail && d->band_values) {
      s->band_values = malloc((size_t)(d->nedges + 1) * sizeof *s->band_values);
      fail = !s->band_values;
      if (!fail) memcpy(s->band_values, d->band_values, (size_t)(d->nedges + 1) * sizeof(int64_t));
    }
  } else if (!fail && d->band_values) {
    fail = 1;
  }
  if (fail) {
    slot_free(s);
    return sfail(p, d->band_values && !d->nedges ? ISMS_MISUSE : ISMS_NOMEM,
                 "out of memory, or band values without edges");
  }
  /* a sum or mean of tiers alone reads them straight from the columns */
  s->fused = (d->op == ISMS_OP_SUM || d->op == ISMS_OP_MEAN) && d->mask < 0 &&
             d->ninputs <= FUSED_MAX;
  for (int k = 0; s->fused && k < d->ninputs; k++)
    s->fused = p->slots[d->inputs[k]].kind == K_TIERS;
  /* of linear tiers of one step, the sum of the positions is enough:
  ** byte adds, sixteen rows at a time (sums of 64 positions fit 16 bits) */
  s->lin_sum = s->fused;
  for (int k = 0; s->lin_sum && k < d->ninputs; k++) {
    const slot *in = &p->slots[d->inputs[k]];
    s->lin_sum = in->linear && in->lin_a == p->slots[d->inputs[0]].lin_a;
    s->lin_base += in->lin_b;
  }
  /* what this stage reads of its inputs: positions (a table), numerators
  ** (in_num), else the rounded values */
  for (int k = 0; k < d->ninputs; k++) {
    slot *in = &p->slots[d->inputs[k]];
    if (d->op == ISMS_OP_TABLE) in->need_pos = 1;
    else if (!s->in_num) in->need_val = in->need_num = 1;
    else in->need_num = 1;
    if (!s->fused) in->need_arr = 1;
  }
  if (d->mask >= 0) {
    slot *mk = &p->slots[d->mask];
    mk->need_val = mk->need_arr = mk->need_num = 1;
  }
  /* a banded sum of evenly stepped tiers bands its sum of positions:
  ** num >= edge exactly when sum >= ceil((edge - base) / a), for a > 0 */
  const int64_t lin_a = s->lin_sum ? p->slots[d->inputs[0]].lin_a : 0;
  if (s->lin_sum && s->nedges && lin_a > 0 && !s->band_values) {
    s->lin_edges = malloc((size_t)s->nedges * sizeof *s->lin_edges);
    for (int e = 0; s->lin_edges && e < s->nedges; e++) {
      const __int128 gap = (__int128)s->sedges[e] - s->lin_base;
      __int128 t = gap <= 0 ? 0 : (gap + lin_a - 1) / lin_a;
      s->lin_edges[e] = (uint16_t)(t > 65535 ? 65535 : t);  /* sums stay below 16320 */
    }
  }
  *out = p->nslots++;
  return ISMS_OK;
}

/* ================================================================ levels */

ISMS_API int isms_stages_set_result(isms_stages *p, int slot_index) {
  if (!p || slot_index < 0 || slot_index >= p->nslots || p->slots[slot_index].kind == K_RECORDS)
    return ISMS_MISUSE;
  p->result = slot_index;
  p->slots[slot_index].need_num = 1;
  p->nlevels = 0;
  free(p->cell_rank);
  p->cell_rank = NULL;
  return ISMS_OK;
}

static int level_of(const isms_stages *p, int64_t num);

/* Each cell's level, for a result that is a plain table (see cell_rank). */
static void cell_ranks(isms_stages *p) {
  const slot *s = &p->slots[p->result];
  if (s->kind != K_STAGE || s->op != ISMS_OP_TABLE || s->band_values) return;
  size_t cells = 1;
  for (int k = 0; k < s->ninputs; k++) cells *= (size_t)p->slots[s->inputs[k]].npos;
  if (cells > MAX_CELL_RANKS) return;
  if (!p->cell_rank && !(p->cell_rank = malloc(cells))) return;  /* then rows band one by one */
  for (size_t c = 0; c < cells; c++)
    p->cell_rank[c] = (uint8_t)(s->table[c] == NR ? 0 : level_of(p, s->table[c]));
}

ISMS_API int isms_stages_add_level(isms_stages *p, int64_t lo, int64_t hi, int hi_open,
                                   int rank) {
  if (!p || p->result < 0 || lo > hi || (hi_open && lo == hi) || rank < 1 ||
      rank > ISMS_MAX_LEVELS)
    return ISMS_MISUSE;
  /* The level follows the exact value num / den: lo * den <= num <= hi * den
  ** (< for an open end). Saturated ends stand for unbounded ones. */
  const int64_t den = p->slots[p->result].den;
  const int64_t slo = sat_mul(lo, den);
  int64_t shi = sat_mul(hi, den);
  if (hi_open && shi != INT64_MAX) shi--;
  level *lv = realloc(p->levels, (size_t)(p->nlevels + 1) * sizeof *lv);
  if (!lv) return sfail(p, ISMS_NOMEM, "out of memory");
  p->levels = lv;
  int at = p->nlevels;
  while (at > 0 && lv[at - 1].lo > slo) at--;
  if ((at > 0 && lv[at - 1].hi >= slo) || (at < p->nlevels && lv[at].lo <= shi))
    return sfail(p, ISMS_INPUT, "level intervals overlap");
  memmove(&lv[at + 1], &lv[at], (size_t)(p->nlevels - at) * sizeof *lv);
  lv[at].lo = slo;
  lv[at].hi = shi;
  lv[at].rank = rank;
  p->nlevels++;
  cell_ranks(p);
  return ISMS_OK;
}

/* The level of an exact result numerator; 0 if in none. */
static int level_of(const isms_stages *p, int64_t num) {
  if (p->nlevels <= 8) {  /* a few compares, no branches */
    int rank = 0;
    for (int l = 0; l < p->nlevels; l++)
      rank += (num >= p->levels[l].lo && num <= p->levels[l].hi) * p->levels[l].rank;
    return rank;
  }
  int lo = 0, hi = p->nlevels - 1, found = -1;
  while (lo <= hi) {  /* the last interval starting at or below num */
    int mid = (lo + hi) / 2;
    if (p->levels[mid].lo <= num) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found >= 0 && num <= p->levels[found].hi ? p->levels[found].rank : 0;
}

/* ================================================================ kernel */

/* One block's arrays per slot: num (exact numerator), val (the value other
** stages read: num rounded by den) and pos (tier or band, 0 = not rated). */
typedef struct work {
  const int64_t **num, **val;
  const uint16_t **pos;
  int64_t *mem;
  uint16_t *pmem;
  uint32_t cell[BLOCK];  /* the result table's cell of each row (cell_rank) */
} work;

static int work_init(const isms_stages *p, work *w) {
  const int n = p->nslots;
  w->num = calloc((size_t)n, sizeof *w->num);
  w->val = calloc((size_t)n, sizeof *w->val);
  w->pos = calloc((size_t)n, sizeof *w->pos);
  w->mem = malloc((size_t)n * SLOT_STRIDE * sizeof *w->mem);
  w->pmem = malloc((size_t)n * POS_STRIDE * sizeof *w->pmem);
  if (!w->num || !w->val || !w->pos || !w->mem || !w->pmem) return ISMS_NOMEM;
  return ISMS_OK;
}

static void work_free(work *w) {
  free(w->num);
  free(w->val);
  free(w->pos);
  free(w->mem);
  free(w->pmem);
}

/* Each slot's arrays lie a little more than 4 KiB apart: arrays exactly
** 4 KiB apart share first-level cache sets and stall on 4K aliasing
** (a block's loop reads one and stores another). */
static inline int64_t *wnum(const work *w, int s) { return w->mem + (size_t)s * SLOT_STRIDE; }
static inline int64_t *wval(const work *w, int s) {
  return w->mem + (size_t)s * SLOT_STRIDE + BLOCK + 8;
}
static inline uint16_t *wpos(const work *w, int s) { return w->pmem + (size_t)s * POS_STRIDE; }

static const uint8_t none_tiers[BLOCK];
static int64_t none_values[BLOCK];
static pthread_once_t none_once = PTHREAD_ONCE_INIT;
static void none_init(void) {
  for (int r = 0; r < BLOCK; r++) none_values[r] = NR;
}

/* Reduction over the records of each row (a related-record aggregate). */
static inline __attribute__((always_inline)) void run_records(const slot *s, const isms_stage_column *c, size_t b0, size_t len,
                        int64_t *num) {
  const uint32_t *off = c->offsets;
  const int64_t *v = c->values;
  for (size_t r = 0; r < len; r++) {
    const uint32_t a = off[b0 + r], b = off[b0 + r + 1];
    int64_t out;
    if (s->op == ISMS_OP_COUNT) {
      int64_t cnt = 0;
      for (uint32_t j = a; j < b; j++) cnt += v[j] != NR && v[j] >= s->threshold;
      out = cnt * UNIT;
    } else if (a == b) {
      out = s->op == ISMS_OP_SUM ? 0 : NR;
    } else {
      __int128 acc = s->op == ISMS_OP_MIN || s->op == ISMS_OP_MAX ? v[a] : 0;
      int bad = 0;
      for (uint32_t j = a; j < b; j++) {
        const int64_t x = v[j];
        bad |= x == NR;
        if (s->op == ISMS_OP_MIN) acc = x < acc ? x : acc;
        else if (s->op == ISMS_OP_MAX) acc = x > acc ? x : acc;
        else acc += x;
      }
      if (bad) out = NR;
      else if (s->op == ISMS_OP_MEAN) out = div_round128(acc, (int64_t)(b - a));
      else out = clamp128(acc);
    }
    num[r] = out;
  }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"  /* vectors are passed only to inlined helpers */
#endif
typedef uint8_t lin_u8 __attribute__((vector_size(16)));
typedef uint16_t lin_u16 __attribute__((vector_size(32)));

/* A sum of linear tiers of one step a: a x (the sum of the positions) + the
** sum of the offsets; a row with a position outside 1..nrated (0, beyond,
** a not rated tier) is not rated. Sixteen rows at a time, in bytes and
** 16-bit sums. */
static inline __attribute__((always_inline)) void lin_sum(const isms_stages *p, const slot *s, const isms_stage_column *cols,
                    size_t b0, size_t len, int64_t *num, uint16_t *ps) {
  uint16_t acc[BLOCK];
  uint8_t bad[BLOCK];
  memset(acc, 0, len * sizeof acc[0]);
  memset(bad, 0, len);
  for (int k = 0; k < s->ninputs; k++) {
    const slot *in = &p->slots[s->inputs[k]];
    const uint8_t *t = cols[s->inputs[k]].tiers ? cols[s->inputs[k]].tiers + b0 : none_tiers;
    const uint8_t nr = (uint8_t)in->nrated;
    const lin_u8 one = (lin_u8){0} + 1, lim = (lin_u8){0} + nr;
    size_t r = 0;
    for (; r + 16 <= len; r += 16) {
      lin_u8 v, b;
      lin_u16 a;
      memcpy(&v, t + r, 16);
      memcpy(&b, bad + r, 16);
      memcpy(&a, acc + r, 32);
      a += __builtin_convertvector(v, lin_u16);
      b |= (lin_u8)((lin_u8)(v - one) >= lim);
      memcpy(acc + r, &a, 32);
      memcpy(bad + r, &b, 16);
    }
    for (; r < len; r++) {
      acc[r] = (uint16_t)(acc[r] + t[r]);
      bad[r] |= (uint8_t)(t[r] - 1u) >= nr;
    }
  }
  if (ps) {  /* the bands, in 16-bit sums of positions */
    for (size_t r = 0; r < len; r++) {
      unsigned b = 1;
      for (int e = 0; e < s->nedges; e++) b += acc[r] >= s->lin_edges[e];
      ps[r] = (uint16_t)(bad[r] ? 0 : b);
    }
  }
  if (!num) return;
  const int64_t a = p->slots[s->inputs[0]].lin_a, base = s->lin_base;
  for (size_t r = 0; r < len; r++) {  /* branch-free: NR where bad */
    const int64_t x = a * acc[r] + base, m = -(int64_t)(bad[r] != 0);
    num[r] = (x & ~m) | (NR & m);
  }
}

/* The stage's op over a block, into num (exact numerator, NR when not rated). */
static inline __attribute__((always_inline)) void run_op(const isms_stages *p, const slot *s, work *w,
                   const isms_stage_column *cols, size_t b0, size_t len, int64_t *num) {
  const int ni = s->ninputs;
  const int *in = s->inputs;
  if (s->lin_sum) {
    lin_sum(p, s, cols, b0, len, num, NULL);
    return;
  }
  if (s->fused) {
    /* row by row, the terms straight from the rating columns */
    const uint8_t *t[FUSED_MAX];
    const int64_t *tb[FUSED_MAX];
    for (int k = 0; k < ni; k++) {
      t[k] = cols[in[k]].tiers ? cols[in[k]].tiers + b0 : none_tiers;
      tb[k] = p->slots[in[k]].tabs;
    }
    size_t r = 0;
    for (; r + 4 <= len; r += 4) {  /* four rows at once: the pointers load once */
      int64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (int k = 0; k < ni; k++) {
        const uint8_t *tk = t[k] + r;
        const int64_t *bk = tb[k];
        a0 += bk[tk[0]];
        a1 += bk[tk[1]];
        a2 += bk[tk[2]];
        a3 += bk[tk[3]];
      }
      num[r] = a0 < FUSED_NR / 2 ? NR : a0;
      num[r + 1] = a1 < FUSED_NR / 2 ? NR : a1;
      num[r + 2] = a2 < FUSED_NR / 2 ? NR : a2;
      num[r + 3] = a3 < FUSED_NR / 2 ? NR : a3;
    }
    for (; r < len; r++) {
      int64_t acc = 0;
      for (int k = 0; k < ni; k++) acc += tb[k][t[k][r]];
      num[r] = acc < FUSED_NR / 2 ? NR : acc;
    }
    return;
  }
  const int64_t *mask = s->mask >= 0 ? w->val[s->mask] : NULL;
  const int64_t *const *src = s->in_num ? w->num : w->val;
  uint8_t nr[BLOCK];  /* rows with an input not rated */
  switch (s->op) {
  case ISMS_OP_SUM:
  case ISMS_OP_MEAN:
    if (!mask) {
      /* column by column, not rated kept aside: loops the compiler vectorises */
      const int64_t *v0 = src[in[0]];
      for (size_t r = 0; r < len; r++) {
        num[r] = v0[r];
        nr[r] = v0[r] == NR;
      }
      for (int k = 1; k < ni; k++) {
        const int64_t *v = src[in[k]];
        for (size_t r = 0; r < len; r++) {
          num[r] = (int64_t)((uint64_t)num[r] + (uint64_t)v[r]);
          nr[r] |= v[r] == NR;
        }
      }
      for (size_t r = 0; r < len; r++) num[r] = nr[r] ? NR : num[r];
      return;
    }
    break;
  case ISMS_OP_MIN:
  case ISMS_OP_MAX:
    if (!mask) {
      const int64_t *v0 = src[in[0]];
      const int max = s->op == ISMS_OP_MAX;
      for (size_t r = 0; r < len; r++) {
        num[r] = v0[r];
        nr[r] = v0[r] == NR;
      }
      for (int k = 1; k < ni; k++) {
        const int64_t *v = src[in[k]];
        for (size_t r = 0; r < len; r++) {
          const int64_t a = num[r], b = v[r];
          num[r] = max ? (b > a ? b : a) : (b < a ? b : a);
          nr[r] |= b == NR;
        }
      }
      for (size_t r = 0; r < len; r++) num[r] = nr[r] ? NR : num[r];
      return;
    }
    break;
  case ISMS_OP_FIRST:
    if (!mask) {
      const int64_t *v0 = src[in[0]];
      for (size_t r = 0; r < len; r++) num[r] = v0[r];
      for (int k = 1; k < ni; k++) {
        const int64_t *v = src[in[k]];
        for (size_t r = 0; r < len; r++) {  /* branch-free: v where num is NR */
          const int64_t m = -(int64_t)(num[r] == NR);
          num[r] = (num[r] & ~m) | (v[r] & m);
        }
      }
      return;
    }
    for (size_t r = 0; r < len; r++) {
      uint64_t bits = ~(uint64_t)0;
      if (mask[r] != NR) bits = (uint64_t)mask[r];
      int64_t v = NR;
      for (int k = 0; k < ni && v == NR; k++)
        if (bits & s->pick[k]) v = src[in[k]][r];
      num[r] = v;
    }
    return;
  case ISMS_OP_TABLE: {
    const int keep = p->cell_rank && s == &p->slots[p->result];
    if (ni == 2) {  /* a matrix: rows and columns */
      const uint16_t *p0 = w->pos[in[0]], *p1 = w->pos[in[1]];
      const size_t st1 = s->stride[1];
      for (size_t r = 0; r < len; r++) {
        const unsigned a = p0[r], b = p1[r];
        const int bad = (a == 0) | (b == 0);
        const size_t cell = bad ? 0 : (size_t)(a - 1u) + (size_t)(b - 1u) * st1;
        const int64_t v = s->table[cell];
        num[r] = bad ? NR : v;
        if (keep) w->cell[r] = bad ? UINT32_MAX : (uint32_t)cell;
      }
      return;
    }
    for (size_t r = 0; r < len; r++) {
      size_t cell = 0;
      int bad = 0;
      for (int k = 0; k < ni; k++) {
        const unsigned ps = w->pos[in[k]][r];
        bad |= ps == 0;
        cell += (size_t)(ps - 1u) * s->stride[k];
      }
      num[r] = bad ? NR : s->table[cell];
      if (keep) w->cell[r] = bad ? UINT32_MAX : (uint32_t)cell;
    }
    return;
  }
  default:
    break;
  }
  /* the general row loop: products, weights, counts, and masked subsets */
  for (size_t r = 0; r < len; r++) {
    uint64_t bits = ~(uint64_t)0;
    if (mask && mask[r] != NR) bits = (uint64_t)mask[r];
    int any = 0, bad = 0;
    __int128 acc = 0;
    int64_t cnt = 0;
    for (int k = 0; k < ni; k++) {
      if (mask && !(bits & s->pick[k])) continue;
      const int64_t x = w->val[in[k]][r];
      if (x == NR) {
        bad = 1;
        break;
      }
      switch (s->op) {
      case ISMS_OP_SUM: acc += x; break;
      case ISMS_OP_MIN: acc = !any || x < acc ? x : acc; break;
      case ISMS_OP_MAX: acc = !any || x > acc ? x : acc; break;
      case ISMS_OP_PRODUCT:
        acc = !any ? (__int128)x : (__int128)div_round128(acc * x, UNIT);
        break;
      case ISMS_OP_WEIGHTED: acc += (__int128)s->weights[k] * x; break;
      case ISMS_OP_COUNT: cnt += x >= s->threshold; break;
      default: break;
      }
      any = 1;
    }
    if (bad || (!any && s->op != ISMS_OP_COUNT)) num[r] = NR;
    else if (s->op == ISMS_OP_WEIGHTED) num[r] = div_round128(acc, UNIT);
    else if (s->op == ISMS_OP_COUNT) num[r] = cnt * UNIT;
    else num[r] = clamp128(acc);
  }
}

/* Runs rows [b0, b0 + len) through every slot of the program. */
static inline __attribute__((always_inline)) void run_block(const isms_stages *p, work *w, const isms_stage_column *cols, size_t b0,
                      size_t len, int trace, int want0, int want1) {
  for (int si = 0; si < p->nslots; si++) {
    const slot *s = &p->slots[si];
    if (s->kind == K_TIERS) {
      const uint8_t *t = cols[si].tiers ? cols[si].tiers + b0 : none_tiers;
      int64_t *v = wnum(w, si);
      uint16_t *ps = wpos(w, si);
      if (s->need_arr || trace)
        for (size_t r = 0; r < len; r++) v[r] = s->tab[t[r]];
      if (s->need_pos || trace)
        for (size_t r = 0; r < len; r++) ps[r] = (uint16_t)(v[r] == NR ? 0 : t[r]);
      else if (si == want0 || si == want1)  /* a heat map's axis: positions only */
        for (size_t r = 0; r < len; r++) ps[r] = (uint16_t)(s->tab[t[r]] == NR ? 0 : t[r]);
      w->num[si] = w->val[si] = v;
      w->pos[si] = ps;
    } else if (s->kind == K_VALUES) {
      w->num[si] = w->val[si] = cols[si].values ? cols[si].values + b0 : none_values;
      w->pos[si] = NULL;
    } else if (s->kind == K_RECORDS) {
      w->num[si] = w->val[si] = NULL;
    } else {
      int64_t *num = wnum(w, si);
      const slot *first = &p->slots[s->inputs[0]];
      if (s->lin_edges) {
        /* sum and bands straight from the columns; the sum only if read */
        uint16_t *ps = wpos(w, si);
        int64_t *nm = s->need_num || trace ? num : NULL;
        lin_sum(p, s, cols, b0, len, nm, ps);
        w->num[si] = w->val[si] = nm;
        w->pos[si] = ps;
        if (nm && s->opden > 1 && (s->need_val || trace || si == p->result)) {
          int64_t *v = wval(w, si);
          for (size_t r = 0; r < len; r++) v[r] = nm[r] == NR ? NR : div_round(nm[r], s->opden);
          w->val[si] = v;
        }
        continue;
      }
      if (first->kind == K_RECORDS && !cols[s->inputs[0]].offsets) {
        for (size_t r = 0; r < len; r++) num[r] = NR;  /* records not given */
      } else if (first->kind == K_RECORDS) {
        run_records(s, &cols[s->inputs[0]], b0, len, num);
      } else {
        run_op(p, s, w, cols, b0, len, num);
      }
      w->num[si] = num;
      w->val[si] = num;
      w->pos[si] = NULL;
      if (s->nedges) {
        /* edge by edge over the block, then not rated rows to 0 */
        uint16_t *ps = wpos(w, si);
        for (size_t r = 0; r < len; r++) ps[r] = 1;
        for (int e = 0; e < s->nedges; e++) {
          const int64_t edge = s->sedges[e];
          for (size_t r = 0; r < len; r++) ps[r] = (uint16_t)(ps[r] + (num[r] >= edge));
        }
        for (size_t r = 0; r < len; r++) ps[r] = (uint16_t)(num[r] == NR ? 0 : ps[r]);
        w->pos[si] = ps;
        if (s->band_values) {
          int64_t *v = wval(w, si);
          for (size_t r = 0; r < len; r++) v[r] = ps[r] ? s->band_values[ps[r] - 1] : NR;
          w->num[si] = w->val[si] = v;
          continue;
        }
      }
      if (s->opden > 1 && (s->need_val || trace || si == p->result)) {
        int64_t *v = wval(w, si);
        for (size_t r = 0; r < len; r++) v[r] = num[r] == NR ? NR : div_round(num[r], s->opden);
        w->val[si] = v;
      }
    }
  }
}

typedef struct run_job {
  const isms_stages *p;
  const isms_stage_column *cols;
  size_t lo, hi;
  int64_t *score;
  int16_t *rank;
  int64_t *trace_num;   /* trace: nslots per row, or NULL */
  uint16_t *trace_pos;
  int rc;
  /* isms_stages_cells: the axes' slots (-1: none), the rank and keep
  ** columns given, and this slice's counts (na x nb x ISMS_REPORT_RANKS) */
  int ax0, ax1;
  const int16_t *given_rank;
  const uint8_t *keep;
  uint32_t *counts;
  int na, nb;
} run_job;

static inline __attribute__((always_inline)) void slice_body(void *arg) {
  run_job *J = arg;
  pthread_once(&none_once, none_init);
  const isms_stages *p = J->p;
  work w;
  if (work_init(p, &w)) {
    work_free(&w);
    J->rc = ISMS_NOMEM;
    return;
  }
  const int res = p->result;
  const int n = p->nslots;
  /* Columns read through an index (an asset's C, I, A or value, what a
  ** threat affects) are gathered block by block; then every column is
  ** handed to the block from its row b0, so the block runs from row 0. */
  int indexed = 0;
  for (int si = 0; si < n; si++)
    if (J->cols[si].index && p->slots[si].kind != K_RECORDS && p->slots[si].kind != K_STAGE)
      indexed = 1;
  isms_stage_column *local = NULL;
  uint8_t *gt = NULL;
  int64_t *gv = NULL;
  if (indexed) {
    local = calloc((size_t)n, sizeof *local);
    gt = malloc((size_t)n * BLOCK);
    gv = malloc((size_t)n * BLOCK * sizeof *gv);
    if (!local || !gt || !gv) {
      free(local);
      free(gt);
      free(gv);
      work_free(&w);
      J->rc = ISMS_NOMEM;
      return;
    }
  }
  for (size_t b0 = J->lo; b0 < J->hi; b0 += BLOCK) {
    const size_t len = J->hi - b0 < BLOCK ? J->hi - b0 : BLOCK;
    if (indexed) {
      for (int si = 0; si < n; si++) {
        const isms_stage_column *c = &J->cols[si];
        isms_stage_column *l = &local[si];
        const int kind = p->slots[si].kind;
        memset(l, 0, sizeof *l);
        if (kind == K_STAGE) continue;
        if (kind == K_RECORDS) {
          l->values = c->values;
          l->offsets = c->offsets ? c->offsets + b0 : NULL;
        } else if (!c->index) {
          l->tiers = c->tiers ? c->tiers + b0 : NULL;
          l->values = c->values ? c->values + b0 : NULL;
        } else if (kind == K_TIERS && c->tiers) {
          uint8_t *g = gt + (size_t)si * BLOCK;
          const uint32_t *ix = c->index + b0;
          for (size_t r = 0; r < len; r++) g[r] = ix[r] == UINT32_MAX ? 0 : c->tiers[ix[r]];
          l->tiers = g;
        } else if (kind == K_VALUES && c->values) {
          int64_t *g = gv + (size_t)si * BLOCK;
          const uint32_t *ix = c->index + b0;
          for (size_t r = 0; r < len; r++) g[r] = ix[r] == UINT32_MAX ? NR : c->values[ix[r]];
          l->values = g;
        }
      }
    }
    /* one call (the block is inlined once): the gathered columns from row
    ** 0, or the caller's from row b0 */
    run_block(p, &w, indexed ? local : J->cols, indexed ? 0 : b0, len, J->trace_num != NULL,
              J->ax0, J->ax1);
    if (J->counts) {
      /* a heat map: each kept row in the cell of its axes' positions and
      ** its rank (given, or the program's own) */
      const uint16_t *pa = w.pos[J->ax0], *pb = J->ax1 >= 0 ? w.pos[J->ax1] : NULL;
      const int64_t *num = w.num[res];
      for (size_t r = 0; r < len; r++) {
        const size_t i = b0 + r;
        if (J->keep && !J->keep[i]) continue;
        int rk;
        if (J->given_rank) rk = J->given_rank[i];
        else if (p->cell_rank) rk = w.cell[r] == UINT32_MAX ? 0 : p->cell_rank[w.cell[r]];
        else rk = num[r] == NR ? 0 : level_of(p, num[r]);
        if (rk < 0) rk = 0;
        if (rk >= ISMS_REPORT_RANKS) rk = ISMS_REPORT_RANKS - 1;
        unsigned a = pa ? pa[r] : 0, b = pb ? pb[r] : 0;
        if ((int)a >= J->na || (int)b >= J->nb) a = b = 0;  /* past 255: not placed */
        J->counts[((size_t)a * (size_t)J->nb + b) * ISMS_REPORT_RANKS + (size_t)rk]++;
      }
      continue;
    }
    if ((J->score || J->rank) && p->cell_rank) {
      const int64_t *val = w.val[res];
      for (size_t r = 0; r < len; r++) {
        const int lv = w.cell[r] == UINT32_MAX ? 0 : p->cell_rank[w.cell[r]];
        if (J->score) J->score[b0 + r] = lv ? val[r] : 0;
        if (J->rank) J->rank[b0 + r] = (int16_t)lv;
      }
    } else if (J->score || J->rank) {
      const int64_t *num = w.num[res], *val = w.val[res];
      for (size_t r = 0; r < len; r++) {
        const int lv = num[r] == NR ? 0 : level_of(p, num[r]);
        if (J->score) J->score[b0 + r] = lv ? val[r] : 0;
        if (J->rank) J->rank[b0 + r] = (int16_t)lv;
      }
    }
    if (J->trace_num)
      for (size_t r = 0; r < len; r++)
        for (int si = 0; si < n; si++) {
          J->trace_num[(b0 + r) * (size_t)n + si] = w.num[si] ? w.num[si][r] : NR;
          J->trace_pos[(b0 + r) * (size_t)n + si] = w.pos[si] ? w.pos[si][r] : 0;
        }
  }
  free(local);
  free(gt);
  free(gv);
  work_free(&w);
  J->rc = ISMS_OK;
}

/* The kernels twice, as risk_eval.c does: the baseline copy and, where the
** CPU has it, an AVX2 one (64-bit compares and blends in vectors);
** isms__use_avx2 picks, ISMS_DISABLE_AVX2 forces the baseline. */
static void *run_slice_base(void *arg) {
  slice_body(arg);
  return NULL;
}
#if defined(ISMS_HAVE_AVX2)
ISMS_AVX2_TARGET static void *run_slice_avx2(void *arg) {
  slice_body(arg);
  return NULL;
}
#endif

static void *run_slice(void *arg) {
#if defined(ISMS_HAVE_AVX2)
  if (isms__use_avx2()) return run_slice_avx2(arg);
#endif
  return run_slice_base(arg);
}

static int cpus(void) {
  long v = sysconf(_SC_NPROCESSORS_ONLN);
  return v < 1 ? 1 : v > MAX_THREADS ? MAX_THREADS : (int)v;
}

/* A missing column (NULL) reads as not rated: no tier, no value, records
** not known. */
static int check_columns(const isms_stages *p, size_t n, const isms_stage_column *cols) {
  if (p->result < 0) return ISMS_MISUSE;
  if (n == 0) return ISMS_OK;
  if (!cols) return ISMS_MISUSE;
  for (int si = 0; si < p->nslots; si++) {
    const slot *s = &p->slots[si];
    if (s->kind == K_RECORDS && cols[si].offsets && !cols[si].values && cols[si].offsets[n])
      return ISMS_MISUSE;
  }
  return ISMS_OK;
}

/* How n rows split into slices for the cores: the slice count, and each
** slice's rows [lo, hi), starting on a block boundary so blocks are whole
** but the last. */
static int plan_slices(size_t n, size_t lo[MAX_THREADS], size_t hi[MAX_THREADS]) {
  int nt = cpus();
  if ((size_t)nt * MIN_ROWS_PER_THREAD > n) nt = (int)(n / MIN_ROWS_PER_THREAD);
  if (nt < 1) nt = 1;
  const size_t per = (n + (size_t)nt - 1) / (size_t)nt;
  const size_t step = (per + BLOCK - 1) / BLOCK * BLOCK;
  for (int i = 0; i < nt; i++) {
    lo[i] = (size_t)i * step;
    hi[i] = lo[i] + step;
    if (lo[i] > n) lo[i] = n;
    if (hi[i] > n || i == nt - 1) hi[i] = n;
  }
  return nt;
}

/* Runs the slices of jobs[0 .. nt) on threads (the first on the caller's). */
static void run_jobs(run_job *jobs, int nt) {
  pthread_t tid[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  for (int i = 1; i < nt; i++)
    started[i] = pthread_create(&tid[i], NULL, run_slice, &jobs[i]) == 0;
  run_slice(&jobs[0]);
  for (int i = 1; i < nt; i++) {
    if (started[i]) pthread_join(tid[i], NULL);
    else run_slice(&jobs[i]);
  }
}

ISMS_API int isms_stages_run(const isms_stages *p, size_t n, const isms_stage_column *cols,
                             int64_t *score, int16_t *rank) {
  if (!p) return ISMS_MISUSE;
  int rc = check_columns(p, n, cols);
  if (rc || n == 0) return rc;
  run_job jobs[MAX_THREADS];
  size_t lo[MAX_THREADS], hi[MAX_THREADS];
  int nt = plan_slices(n, lo, hi);
  for (int i = 0; i < nt; i++)
    jobs[i] = (run_job){p, cols, lo[i], hi[i], score, rank, NULL, NULL, ISMS_OK, -1, -1,
                        NULL, NULL, NULL, 0, 0};
  run_jobs(jobs, nt);
  for (int i = 0; i < nt; i++)
    if (jobs[i].rc) return jobs[i].rc;
  return ISMS_OK;
}

ISMS_API int isms_stages_trace(const isms_stages *p, size_t n, const isms_stage_column *cols,
                               int64_t *num, uint16_t *pos) {
  if (!p || !num || !pos) return ISMS_MISUSE;
  int rc = check_columns(p, n, cols);
  if (rc || n == 0) return rc;
  run_job job = {p, cols, 0, n, NULL, NULL, num, pos, ISMS_OK, -1, -1, NULL, NULL, NULL, 0, 0};
  run_slice(&job);
  return job.rc;
}

ISMS_API int isms_stages_cells(const isms_stages *p, size_t n, const isms_stage_column *cols,
                               int row_slot, int col_slot, const int16_t *rank,
                               const uint8_t *keep, uint32_t *counts) {
  if (!p || !counts || row_slot < 0 || row_slot >= p->nslots || col_slot >= p->nslots)
    return ISMS_MISUSE;
  if (p->slots[row_slot].npos < 1 || (col_slot >= 0 && p->slots[col_slot].npos < 1))
    return sfail((isms_stages *)p, ISMS_MISUSE, "an axis of a heat map needs tiers or bands");
  int rc = check_columns(p, n, cols);
  if (rc || n == 0) return rc;
  /* each slice counts into cells of the axes' own size, added up after */
  const int na = p->slots[row_slot].npos + 1 > 256 ? 256 : p->slots[row_slot].npos + 1;
  const int nb = col_slot < 0 ? 1 : p->slots[col_slot].npos + 1 > 256 ? 256
                                   : p->slots[col_slot].npos + 1;
  const size_t ncells = (size_t)na * (size_t)nb * ISMS_REPORT_RANKS;
  run_job jobs[MAX_THREADS];
  size_t lo[MAX_THREADS], hi[MAX_THREADS];
  int nt = plan_slices(n, lo, hi);
  for (int i = 0; i < nt; i++) {
    jobs[i] = (run_job){p, cols, lo[i], hi[i], NULL, NULL, NULL, NULL, ISMS_OK, row_slot,
                        col_slot, rank, keep, calloc(ncells, sizeof(uint32_t)), na, nb};
    if (!jobs[i].counts) {
      for (int k = 0; k <= i; k++) free(jobs[k].counts);
      return ISMS_NOMEM;
    }
  }
  run_jobs(jobs, nt);
  rc = ISMS_OK;
  for (int i = 0; i < nt; i++) {
    if (jobs[i].rc) rc = jobs[i].rc;
    for (int a = 0; a < na && !rc; a++)
      for (int b = 0; b < nb; b++)
        for (int k = 0; k < ISMS_REPORT_RANKS; k++)
          counts[((size_t)a * 256 + (size_t)b) * ISMS_REPORT_RANKS + (size_t)k] +=
              jobs[i].counts[((size_t)a * (size_t)nb + (size_t)b) * ISMS_REPORT_RANKS + (size_t)k];
    free(jobs[i].counts);
  }
  return rc;
}
