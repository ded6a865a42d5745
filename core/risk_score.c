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
** Acceptance criteria are compiled into small condition records checked in
** a loop per risk; a criterion with a Lua predicate reads its verdict from
** a bit array the caller filled in (the loader runs predicates in the
** sandbox once per distinct risk view).
*/
#include <stdlib.h>
#include <string.h>

#include "isms_internal.h"

#define MAX_FACTORS 4
#define MAX_RULES 64

struct isms_scorer {
  int nfactors;
  int ntiers[MAX_FACTORS];
  size_t stride[MAX_FACTORS];
  size_t ncells;
  int64_t *score;     /* per cell, millionths */
  int16_t *rank;      /* per cell, 1..levels; 0 until set */
  isms_accept_rule rules[MAX_RULES];
  int nrules;
};

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
  s->score = calloc(s->ncells, sizeof *s->score);
  s->rank = calloc(s->ncells, sizeof *s->rank);
  if (!s->score || !s->rank) {
    isms_scorer_free(s);
    return ISMS_NOMEM;
  }
  *out = s;
  return ISMS_OK;
}

ISMS_API void isms_scorer_free(isms_scorer *s) {
  if (!s) return;
  free(s->score);
  free(s->rank);
  free(s);
}

ISMS_API int isms_scorer_cells(const isms_scorer *s) { return s ? (int)s->ncells : 0; }

ISMS_API int isms_scorer_set_cell(isms_scorer *s, int cell, int64_t score, int rank) {
  if (!s || cell < 0 || (size_t)cell >= s->ncells || rank < 1 || rank > ISMS_MAX_LEVELS ||
      score < 0)
    return ISMS_MISUSE;
  s->score[cell] = score;
  s->rank[cell] = (int16_t)rank;
  return ISMS_OK;
}

ISMS_API int isms_scorer_add_rule(isms_scorer *s, const isms_accept_rule *rule) {
  if (!s || !rule || rule->predicate < -1 || rule->predicate > 7) return ISMS_MISUSE;
  if (s->nrules == MAX_RULES) return ISMS_INPUT;  /* the loader says so first */
  s->rules[s->nrules++] = *rule;
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
  for (int f = 0; f < s->nfactors; f++)
    if (!c->ratings[f]) return ISMS_MISUSE;
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
  if (!s || !c || !c->score || !c->rank || !acceptable) return ISMS_MISUSE;
  for (int k = 0; k < s->nrules; k++)
    if (s->rules[k].predicate >= 0 && s->rules[k].residual == residual && !c->verdicts)
      return ISMS_MISUSE;  /* a predicate's verdicts are needed */
  for (size_t i = 0; i < c->n; i++) {
    acceptable[i] = 0 < isms_scorer_accept_one(
        s, residual, c->rank[i], c->score[i], c->asset_class ? c->asset_class[i] : -1,
        c->asset_type ? c->asset_type[i] : 0, c->category ? c->category[i] : 0,
        c->obligations ? c->obligations[i] : 0, c->verdicts ? c->verdicts[i] : 0);
  }
  return ISMS_OK;
}
