/*
** risk_order.c -- prioritising risks (guideline 6.2 j): by level, then
** score, then how many legal, regulatory and contractual obligations the
** risk carries, then register order, so the result is total and repeatable.
**
** Each risk becomes one 64-bit key (rank | score | obligations) with its
** index as the tie-break. The top k of millions come from a bounded heap
** in one pass; a full order is a sort of the keys.
*/
#include <stdlib.h>

#include "isms_internal.h"

typedef struct keyed {
  uint64_t key;  /* larger is more urgent */
  uint32_t idx;  /* smaller wins a tie */
} keyed;

#define SCORE_BITS 40  /* millionths: scores up to about 1.1 million */

static uint64_t key_of(int16_t rank, int64_t score, uint8_t oblig) {
  uint64_t s = score < 0 ? 0 : (uint64_t)score;
  if (s >= ((uint64_t)1 << SCORE_BITS)) s = ((uint64_t)1 << SCORE_BITS) - 1;
  unsigned pop = (unsigned)__builtin_popcount(oblig & 7u);
  return ((uint64_t)(uint16_t)(rank < 0 ? 0 : rank) << 48) | (s << 2) | pop;
}

/* a before b in priority order? */
static int before(const keyed *a, const keyed *b) {
  return a->key != b->key ? a->key > b->key : a->idx < b->idx;
}

static int cmp_keyed(const void *x, const void *y) {
  const keyed *a = x, *b = y;
  return before(a, b) ? -1 : before(b, a) ? 1 : 0;
}

/* The heap keeps the k best seen so far with the worst of them on top. */
static void sift_down(keyed *h, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, w = i;
    if (l < n && before(&h[w], &h[l])) w = l;
    if (r < n && before(&h[w], &h[r])) w = r;
    if (w == i) return;
    keyed t = h[i];
    h[i] = h[w];
    h[w] = t;
    i = w;
  }
}

ISMS_API int isms_risk_order(size_t n, const int16_t *rank, const int64_t *score,
                             const uint8_t *obligations, size_t k, uint32_t *out) {
  if ((n && (!rank || !score || !out)) || n > UINT32_MAX) return ISMS_MISUSE;
  if (k > n) k = n;
  if (k == 0) return ISMS_OK;
  keyed *h = malloc((k < n / 8 ? k : n) * sizeof *h);
  if (!h) return ISMS_NOMEM;
  if (k < n / 8) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      keyed e = {key_of(rank[i], score[i], obligations ? obligations[i] : 0), (uint32_t)i};
      if (m < k) {
        h[m++] = e;
        if (m == k)
          for (size_t j = k / 2 + 1; j-- > 0;) sift_down(h, k, j);
      } else if (before(&e, &h[0])) {
        h[0] = e;
        sift_down(h, k, 0);
      }
    }
    qsort(h, k, sizeof *h, cmp_keyed);
  } else {
    for (size_t i = 0; i < n; i++)
      h[i] = (keyed){key_of(rank[i], score[i], obligations ? obligations[i] : 0), (uint32_t)i};
    qsort(h, n, sizeof *h, cmp_keyed);
  }
  for (size_t i = 0; i < k; i++) out[i] = h[i].idx;
  free(h);
  return ISMS_OK;
}
