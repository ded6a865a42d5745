/*
** risk_order.c -- prioritising risks (guideline 6.2 j): by level, then
** score, then how many legal, regulatory and contractual obligations the
** risk carries, then register order, so the result is total and repeatable.
**
** Each risk becomes one 64-bit key (rank | score | obligations, see
** isms__risk_key) with its index as the tie-break. The top k of millions
** come from a bounded heap in one pass -- the same heap the one-pass
** evaluation (risk_eval.c) keeps in a tally; a full order is a sort.
*/
#include <stdlib.h>

#include "isms_internal.h"

/* a before b in priority order? */
static int before(const isms__keyed *a, const isms__keyed *b) {
  return a->key != b->key ? a->key > b->key : a->idx < b->idx;
}

static int cmp_keyed(const void *x, const void *y) {
  const isms__keyed *a = x, *b = y;
  return before(a, b) ? -1 : before(b, a) ? 1 : 0;
}

void isms__keyed_sort(isms__keyed *e, size_t n) { qsort(e, n, sizeof *e, cmp_keyed); }

/* ----------------------------------------------------------- bounded heap */

/* The heap keeps the k best seen so far with the worst of them on top. */
static void sift_down(isms__keyed *h, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, w = i;
    if (l < n && before(&h[w], &h[l])) w = l;
    if (r < n && before(&h[w], &h[r])) w = r;
    if (w == i) return;
    isms__keyed t = h[i];
    h[i] = h[w];
    h[w] = t;
    i = w;
  }
}

int isms__topk_init(isms__topk *t, size_t k) {
  t->k = k;
  t->m = 0;
  t->h = NULL;
  /* k = 0 keeps nothing: no key reaches the threshold (keys use 56 bits) */
  t->thr = k ? 0 : UINT64_MAX;
  if (k && !(t->h = malloc(k * sizeof *t->h))) return ISMS_NOMEM;
  return ISMS_OK;
}

void isms__topk_free(isms__topk *t) {
  free(t->h);
  t->h = NULL;
}

void isms__topk_clear(isms__topk *t) {
  t->m = 0;
  t->thr = t->k ? 0 : UINT64_MAX;
}

void isms__topk_push(isms__topk *t, uint64_t key, uint32_t idx) {
  isms__keyed e = {key, idx};
  if (t->m < t->k) {
    t->h[t->m++] = e;
    if (t->m == t->k) {
      for (size_t j = t->k / 2 + 1; j-- > 0;) sift_down(t->h, t->k, j);
      t->thr = t->h[0].key;
    }
  } else if (before(&e, &t->h[0])) {
    /* an equal key with a smaller index also gets in: offers need not
    ** come in index order */
    t->h[0] = e;
    sift_down(t->h, t->k, 0);
    t->thr = t->h[0].key;
  }
}

ISMS_API int isms_risk_order(size_t n, const int16_t *rank, const int64_t *score,
                             const uint8_t *obligations, size_t k, uint32_t *out) {
  if ((n && (!rank || !score || !out)) || n > UINT32_MAX) return ISMS_MISUSE;
  if (k > n) k = n;
  if (k == 0) return ISMS_OK;
  if (k < n / 8) {
    isms__topk t;
    if (isms__topk_init(&t, k)) return ISMS_NOMEM;
    for (size_t i = 0; i < n; i++)
      isms__topk_offer(&t, isms__risk_key(rank[i], score[i], obligations ? obligations[i] : 0),
                       (uint32_t)i);
    isms__keyed_sort(t.h, t.m);
    for (size_t i = 0; i < k; i++) out[i] = t.h[i].idx;
    isms__topk_free(&t);
    return ISMS_OK;
  }
  isms__keyed *h = malloc(n * sizeof *h);
  if (!h) return ISMS_NOMEM;
  for (size_t i = 0; i < n; i++)
    h[i] = (isms__keyed){isms__risk_key(rank[i], score[i], obligations ? obligations[i] : 0),
                         (uint32_t)i};
  isms__keyed_sort(h, n);
  for (size_t i = 0; i < k; i++) out[i] = h[i].idx;
  free(h);
  return ISMS_OK;
}
