/*
** risk_score.c -- the compiled risk method and its bulk kernels.
**
** A methodology's risk score is a function of at most four factor ratings,
** each a tier 1..15, so every possible result fits in a table of at most
** 15^4 cells. The Lua loader computes that table once -- in exact decimal
** millionths, from a product, a weighted sum, a matrix or the rule file's
** own function -- and hands it over cell by cell. Scoring a risk is then
** an index computation and two loads; no Lua runs per risk.
**
** Acceptance criteria are kept as condition records (isms_scorer_accept_one
** checks them one by one: the reference) and compiled, as they are added,
** into bit masks of rules: which rules a class, type, category, obligation
** byte or level admits, which ones a rank, a score or a verdict byte
** breaks. The bulk kernels then decide a risk with a few loads and ANDs:
** acceptable when the rules that apply are not empty and none of them
** fails. A criterion with a Lua predicate reads its verdict from a bit
** array the caller filled in (the loader runs predicates in the sandbox
** once per distinct risk view).
*/
#include <stdlib.h>
#include <string.h>

#include "isms_internal.h"

#define MAX_FACTORS ISMS_MAX_FACTORS
#define MAX_RULES ISMS__MAX_RULES

/* The masks of rules failing for a score: its max_score rules. */
static uint64_t score_fails(const isms_scorer *s, int64_t score) {
  uint64_t f = 0;
  for (int j = 0; j < s->nscore_rules; j++) {
    int k = s->score_rule[j];
    f |= (uint64_t)(score > s->rules[k].max_score) << k;
  }
  return f;
}

/* The accept bits for a residual of a cell whose level admits the rules
** `admits` and which breaks the rules `fails`: the contexts in which some
** rule of that kind applies and none that applies fails (rule_applies and
** rule_holds below, folded over the contexts 64 at a time). */
static uint64_t accept_bits(const isms_scorer *s, uint64_t admits, uint64_t fails, int res) {
  uint64_t applied = 0, failed = 0;
  if (!s->ctx_ok[res]) return 0;
  for (int k = 0; k < s->nrules; k++) {
    if (s->rules[k].residual != res || !((admits >> k) & 1)) continue;
    applied |= s->ctx_rule[k];
    if ((fails >> k) & 1) failed |= s->ctx_rule[k];
  }
  return applied & ~failed;
}

/* Refreshes a cell's keys and rule masks; its accept bits only if
** `accept` (cells_refresh finds them faster for all cells at once). */
static void cell_update(isms_scorer *s, size_t cell, int accept) {
  isms__cell_rules *cr = &s->cell_rules[cell];
  int rank = s->rank[cell];
  s->cell[0][cell].key = s->cell[1][cell].key = isms__risk_key(rank, s->score[cell], 0);
  if (rank < 1) {  /* not set: an unrated risk, no criterion applies */
    cr->admits = cr->fails = 0;
  } else {
    cr->admits = s->rank_admits[rank];
    cr->fails = s->rank_fails[rank] | score_fails(s, s->score[cell]);
  }
  if (accept)
    for (int res = 0; res < 2; res++)
      s->cell[res][cell].accept = accept_bits(s, cr->admits, cr->fails, res);
}

/* Every cell, after a rule was added. The accept bits depend on a cell's
** two rule masks alone, and cells share few pairs of them (one per level
** and band of max_scores), so they come from a small cache. */
static void cells_refresh(isms_scorer *s) {
  struct {
    uint64_t admits, fails, accept[2];
    int used;
  } memo[64];
  memset(memo, 0, sizeof memo);
  for (size_t cell = 0; cell < s->ncells; cell++) {
    cell_update(s, cell, 0);
    const isms__cell_rules *cr = &s->cell_rules[cell];
    uint64_t h = (cr->admits * 0x9e3779b97f4a7c15u) ^ (cr->fails * 0xc2b2ae3d27d4eb4fu);
    int slot = (int)(h >> 58);
    if (!memo[slot].used || memo[slot].admits != cr->admits || memo[slot].fails != cr->fails) {
      memo[slot].used = 1;
      memo[slot].admits = cr->admits;
      memo[slot].fails = cr->fails;
      for (int res = 0; res < 2; res++)
        memo[slot].accept[res] = accept_bits(s, cr->admits, cr->fails, res);
    }
    s->cell[0][cell].accept = memo[slot].accept[0];
    s->cell[1][cell].accept = memo[slot].accept[1];
  }
}

/* Works out whether the rules of residual res allow one-bit acceptance
** (see ctx_ok in isms_internal.h) and, if so, the contexts. */
static void contexts_build(isms_scorer *s, int res) {
  int ok = !s->uses[res].type && !s->uses[res].category && !s->uses[res].verdicts;
  for (int k = 0; k < s->nrules; k++)
    if (s->rules[k].residual == res && (s->rules[k].obligations & ~7u)) ok = 0;
  uint64_t kinds[8];
  int nkinds = 0;
  for (unsigned v = 0; v < 256 && ok; v++) {
    int kind = 0;
    while (kind < nkinds && kinds[kind] != s->by_class[res][v]) kind++;
    if (kind == nkinds) {
      if (nkinds == 8) {
        ok = 0;
        break;
      }
      kinds[nkinds++] = s->by_class[res][v];
    }
    s->ctx_class[res][v] = (uint8_t)(8 * kind);
  }
  s->ctx_ok[res] = ok;
  if (!ok) return;
  for (int k = 0; k < s->nrules; k++) {
    if (s->rules[k].residual != res) continue;
    uint64_t in = 0;
    for (int kind = 0; kind < nkinds; kind++)
      for (unsigned o = 0; o < 8; o++)
        if (((kinds[kind] & s->by_oblig[res][o]) >> k) & 1) in |= (uint64_t)1 << (8 * kind + o);
    s->ctx_rule[k] = in;
  }
}

ISMS_API int isms_scorer_new(int nfactors, const int *ntiers, isms_scorer **out) {
  if (!out) return ISMS_MISUSE;
  *out = NULL;
  if (nfactors < 1 || nfactors > MAX_FACTORS || !ntiers) return ISMS_MISUSE;
  isms_scorer *s = calloc(1, sizeof *s);
  if (!s) return ISMS_NOMEM;
  s->nfactors = nfactors;
  s->ncells = 1;
  for (int f = 0; f < nfactors; f++) {
    if (ntiers[f] < 1 || ntiers[f] > ISMS_MAX_TIER) {
      free(s);
      return ISMS_MISUSE;
    }
    s->ntiers[f] = ntiers[f];
    s->stride[f] = s->ncells;  /* factor 0 varies fastest */
    s->ncells *= (size_t)ntiers[f];
  }
  /* one more cell, all zero: the one-pass kernel sends unrated risks there */
  s->score = calloc(s->ncells + 1, sizeof *s->score);
  s->rank = calloc(s->ncells + 1, sizeof *s->rank);
  s->cell[0] = calloc(s->ncells + 1, sizeof *s->cell[0]);
  s->cell[1] = calloc(s->ncells + 1, sizeof *s->cell[1]);
  s->cell_rules = calloc(s->ncells + 1, sizeof *s->cell_rules);
  s->max_key = 3;  /* an unrated risk's: no level, no score, obligations */
  if (!s->score || !s->rank || !s->cell[0] || !s->cell[1] || !s->cell_rules) {
    isms_scorer_free(s);
    return ISMS_NOMEM;
  }
  *out = s;
  return ISMS_OK;
}

/* A scorer whose scores come from a program of stages (method_stage.c):
** the acceptance criteria work as for a table (they read rank and score),
** the table itself is one unused cell. */
ISMS_API int isms_scorer_new_staged(const isms_stages *p, int nfactors, const int *slots,
                                    isms_scorer **out) {
  if (!out) return ISMS_MISUSE;
  *out = NULL;
  if (!p || nfactors < 1 || !slots) return ISMS_MISUSE;
  for (int f = 0; f < nfactors; f++)
    if (slots[f] < 0 || slots[f] >= isms_stages_count(p)) return ISMS_MISUSE;
  const int one = 1;
  int rc = isms_scorer_new(1, &one, out);
  if (rc) return rc;
  isms_scorer *s = *out;
  s->stage_slot = malloc((size_t)nfactors * sizeof *s->stage_slot);
  if (!s->stage_slot) {
    isms_scorer_free(s);
    *out = NULL;
    return ISMS_NOMEM;
  }
  memcpy(s->stage_slot, slots, (size_t)nfactors * sizeof *slots);
  s->nfactors = nfactors;
  s->stages = p;
  return ISMS_OK;
}

int isms__scorer_stage_score(const isms_scorer *s, const isms_risk_cols *c, size_t lo, size_t n,
                             int64_t *score, int16_t *rank) {
  if (s->nfactors > ISMS_MAX_FACTORS) return ISMS_MISUSE;  /* cols carry four */
  const int ns = isms_stages_count(s->stages);
  isms_stage_column *cols = calloc((size_t)ns, sizeof *cols);
  if (!cols) return ISMS_NOMEM;
  for (int f = 0; f < s->nfactors; f++) cols[s->stage_slot[f]].tiers = c->ratings[f] + lo;
  int rc = isms_stages_run(s->stages, n, cols, score, rank);
  free(cols);
  return rc;
}

ISMS_API void isms_scorer_free(isms_scorer *s) {
  if (!s) return;
  free(s->stage_slot);
  free(s->score);
  free(s->rank);
  free(s->cell[0]);
  free(s->cell[1]);
  free(s->cell_rules);
  free(s);
}

ISMS_API int isms_scorer_cells(const isms_scorer *s) { return s ? (int)s->ncells : 0; }

ISMS_API int isms_scorer_set_cell(isms_scorer *s, int cell, int64_t score, int rank) {
  /* negative scores are allowed (a method rating -3..3); they order as 0 */
  if (!s || s->stages || cell < 0 || (size_t)cell >= s->ncells || rank < 1 ||
      rank > ISMS_MAX_LEVELS || score == INT64_MIN)
    return ISMS_MISUSE;
  s->score[cell] = score;
  s->rank[cell] = (int16_t)rank;
  cell_update(s, (size_t)cell, 1);
  if ((s->cell[0][cell].key | 3u) > s->max_key) s->max_key = s->cell[0][cell].key | 3u;
  return ISMS_OK;
}

/* Sets bit b in tab[v] for the bytes v that pass the test. */
#define MASK_FILL(tab, b, test)                        \
  for (unsigned v = 0; v < 256; v++)                    \
    if (test) (tab)[v] |= (uint64_t)1 << (b)

ISMS_API int isms_scorer_add_rule(isms_scorer *s, const isms_accept_rule *rule) {
  if (!s || !rule || rule->predicate < -1 || rule->predicate > 7 ||
      (rule->residual != 0 && rule->residual != 1))
    return ISMS_MISUSE;
  if (s->nrules == MAX_RULES) return ISMS_INPUT;  /* the loader says so first */
  const int b = s->nrules++;
  s->rules[b] = *rule;
  const isms_accept_rule *r = &s->rules[b];
  /* the byte tables mirror rule_applies and rule_holds below */
  const int res = r->residual;
  const int any_class = !(r->classes[0] | r->classes[1]);
  MASK_FILL(s->by_class[res], b,
            any_class || (v < 128 && ((r->classes[v >> 6] >> (v & 63)) & 1)));
  MASK_FILL(s->by_type[res], b,
            !r->types || (v >= 1 && v <= 32 && ((r->types >> (v - 1)) & 1)));
  MASK_FILL(s->by_category[res], b,
            !r->categories || (v >= 1 && v <= 32 && ((r->categories >> (v - 1)) & 1)));
  MASK_FILL(s->by_oblig[res], b, !r->obligations || (r->obligations & v));
  MASK_FILL(s->verdict_fails[res], b, r->predicate >= 0 && !((v >> r->predicate) & 1));
  for (int rank = 1; rank <= ISMS_MAX_LEVELS; rank++) {
    if (!r->levels || ((r->levels >> (rank - 1)) & 1)) s->rank_admits[rank] |= (uint64_t)1 << b;
    if (r->max_rank > 0 && rank > r->max_rank) s->rank_fails[rank] |= (uint64_t)1 << b;
  }
  if (r->has_max_score) s->score_rule[s->nscore_rules++] = (uint8_t)b;
  s->uses[res].type |= r->types != 0;
  s->uses[res].category |= r->categories != 0;
  s->uses[res].verdicts |= r->predicate >= 0;
  contexts_build(s, res);
  cells_refresh(s);
  return ISMS_OK;
}

/* Does the criterion concern this risk? Empty condition sets match all. */
static int rule_applies(const isms_accept_rule *r, int cls, int type, int category, int rank,
                        unsigned oblig) {
  if (r->classes[0] | r->classes[1]) {
    if (cls < 0 || cls >= 128 || !((r->classes[cls >> 6] >> (cls & 63)) & 1)) return 0;
  }
  if (r->types && (type < 1 || type > 32 || !((r->types >> (type - 1)) & 1))) return 0;
  if (r->categories &&
      (category < 1 || category > 32 || !((r->categories >> (category - 1)) & 1)))
    return 0;
  if (r->levels && (rank < 1 || rank > 32 || !((r->levels >> (rank - 1)) & 1))) return 0;
  if (r->obligations && !(r->obligations & oblig)) return 0;
  return 1;
}

static int rule_holds(const isms_accept_rule *r, int rank, int64_t score, unsigned verdicts) {
  if (r->max_rank > 0 && rank > r->max_rank) return 0;
  if (r->has_max_score && score > r->max_score) return 0;
  if (r->predicate >= 0 && !((verdicts >> r->predicate) & 1)) return 0;
  return 1;
}

ISMS_API int isms_scorer_accept_one(const isms_scorer *s, int residual, int rank, int64_t score,
                                    int asset_class, int asset_type, int category,
                                    unsigned obligations, unsigned verdicts) {
  if (!s || rank < 1) return 0;
  int applied = 0;
  for (int k = 0; k < s->nrules; k++) {
    const isms_accept_rule *r = &s->rules[k];
    if (r->residual != residual) continue;
    if (!rule_applies(r, asset_class, asset_type, category, rank, obligations)) continue;
    if (!rule_holds(r, rank, score, verdicts)) return -1;
    applied = 1;
  }
  return applied;
}

ISMS_API int isms_scorer_score(const isms_scorer *s, isms_risk_cols *c) {
  if (!s || !c || !c->score || !c->rank) return ISMS_MISUSE;
  for (int f = 0; f < s->nfactors && f < ISMS_MAX_FACTORS; f++)
    if (!c->ratings[f]) return ISMS_MISUSE;
  if (s->stages) return isms__scorer_stage_score(s, c, 0, c->n, c->score, c->rank);
  const int nf = s->nfactors;
  for (size_t i = 0; i < c->n; i++) {
    size_t cell = 0;
    int rated = 1;
    for (int f = 0; f < nf; f++) {
      unsigned t = c->ratings[f][i];
      /* One unsigned compare rejects both 0 (unrated) and too high. */
      if (t - 1u >= (unsigned)s->ntiers[f]) rated = 0;
      cell += (size_t)(t - 1u) * s->stride[f];
    }
    c->score[i] = rated ? s->score[cell] : 0;
    c->rank[i] = rated ? s->rank[cell] : 0;
  }
  return ISMS_OK;
}

ISMS_API int isms_scorer_accept(const isms_scorer *s, const isms_risk_cols *c, int residual,
                                uint8_t *acceptable) {
  /* the scores are read only by max_score criteria: without any, they may be absent */
  if (!s || !c || (!c->score && s->nscore_rules) || !c->rank || !acceptable) return ISMS_MISUSE;
  for (int k = 0; k < s->nrules; k++)
    if (s->rules[k].predicate >= 0 && s->rules[k].residual == residual && !c->verdicts)
      return ISMS_MISUSE;  /* a predicate's verdicts are needed */
  if (residual != 0 && residual != 1) {  /* no criterion of that kind */
    memset(acceptable, 0, c->n);
    return ISMS_OK;
  }
  const uint64_t *bc = s->by_class[residual], *bt = s->by_type[residual];
  const uint64_t *bg = s->by_category[residual], *bo = s->by_oblig[residual];
  const uint64_t *vf = s->verdict_fails[residual];
  /* an absent column reads as accept_one's default */
  const uint64_t base = (c->asset_class ? ~(uint64_t)0 : bc[(uint8_t)-1]) &
                        (c->asset_type ? ~(uint64_t)0 : bt[0]) &
                        (c->category ? ~(uint64_t)0 : bg[0]) &
                        (c->obligations ? ~(uint64_t)0 : bo[0]);
  const uint64_t vbase = c->verdicts ? 0 : vf[0];
  for (size_t i = 0; i < c->n; i++) {
    int rank = c->rank[i];
    if ((unsigned)(rank - 1) >= ISMS_MAX_LEVELS) {  /* unrated, or beyond the tables */
      acceptable[i] = 0 < isms_scorer_accept_one(
          s, residual, rank, c->score ? c->score[i] : 0, c->asset_class ? c->asset_class[i] : -1,
          c->asset_type ? c->asset_type[i] : 0, c->category ? c->category[i] : 0,
          c->obligations ? c->obligations[i] : 0, c->verdicts ? c->verdicts[i] : 0);
      continue;
    }
    uint64_t a = base & s->rank_admits[rank];
    if (c->asset_class) a &= bc[(uint8_t)c->asset_class[i]];
    if (c->asset_type) a &= bt[c->asset_type[i]];
    if (c->category) a &= bg[c->category[i]];
    if (c->obligations) a &= bo[c->obligations[i]];
    uint64_t f = s->rank_fails[rank] | (c->score ? score_fails(s, c->score[i]) : 0) |
                 (c->verdicts ? vf[c->verdicts[i]] : vbase);
    acceptable[i] = a != 0 && (a & f) == 0;
  }
  return ISMS_OK;
}
