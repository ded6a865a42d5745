/*
** risks_gen.c -- the benchmark's input generator (tests/bench/risks-spec.md
** section 2; risks_gen.h). The ratings of risk k are the mixed-radix
** digits of its hash h = k * 2654435761 mod 2^32; they are made in vector
** code (SSE2, or AVX2 where the CPU has it, chosen at run time as NumPy
** does) when the spec's tiers allow, else by table or by division. Every
** path makes the same bytes: the digests of each bench run are compared
** with the per-row Lua and NumPy baselines'.
*/
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__SSE2__) && defined(__x86_64__) && defined(__GNUC__)
#define GEN_AVX2 1
#include <immintrin.h>
#endif

#include "isms.h"
#include "risks_gen.h"

#define MULT 2654435761u

enum { MAX_TABLE = 1 << 16 };

/* n / d for any 32-bit n and 2 <= d < 2^32, as a multiply (Lemire, Kaser
** and Kurz, "Faster remainder by direct computation", 2019): the ratings
** are mixed-radix digits of the hash, and a hardware division per digit
** would cost more than all the engine's work on the risk. */
static inline uint32_t div_magic(uint32_t n, uint64_t magic) {
  return (uint32_t)(((unsigned __int128)magic * n) >> 64);
}

void gen_free(gen *g) { free(g->digits); }

/* n mod d, the same way (ibid.); d = 1 gives 0 as it should. */
static inline uint32_t mod_magic(uint32_t n, uint64_t magic, uint32_t d) {
  return (uint32_t)(((unsigned __int128)(magic * n) * d) >> 64);
}

static void gen_vec_init(gen *g, uint64_t cells);

int gen_init(gen *g, uint32_t threats, int nfactors, const int *tiers) {
  if (nfactors < 1 || nfactors > GEN_MAX_FACTORS || !threats) return 1;
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

/* With SSE2 and P_F < 2^15, gen_vec makes 16 risks a step (gen_avx2: 32):
** u = h mod P_F advanced a step by additions alone (h grows by 16 * MULT
** mod 2^32; when that wraps, u loses 2^32 mod P_F), then the digits of u
** in 16-bit lanes, each division a high multiply whose exactness over the
** digit's whole range is checked here, once. */
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
#if defined(GEN_AVX2)
  /* AVX2 where libisms runs its AVX2 kernels (ISMS_DISABLE_AVX2 turns both off) */
  if (__builtin_cpu_supports("avx2") && strcmp(isms_kernels(), "avx2") == 0) g->vec = 2;
#endif
#else
  (void)cells;
#endif
}

#if defined(__SSE2__)
/* The start of a vector walk of `lanes` risks a step from hash h, for both
** copies: each lane's h (top bit flipped, so "h + step wrapped" is a signed
** compare) and u = h mod P_F, and the step's constants: u advances by
** ap = (step mod P_F) - P_F, less b = 2^32 mod P_F where h wrapped. */
typedef struct gen_walk {
  uint32_t step;
  int32_t ap, b;
} gen_walk;

static inline gen_walk gen_walk_start(const gen *g, uint32_t h, uint32_t lanes, uint32_t *hh,
                                      uint32_t *uu) {
  const uint32_t P = g->cells;
  for (uint32_t i = 0; i < lanes; i++) {
    hh[i] = (h + i * MULT) ^ 0x80000000u;
    uu[i] = mod_magic(h + i * MULT, g->cells_magic, P);
  }
  const uint32_t step = lanes * MULT;  /* mod 2^32 */
  return (gen_walk){step, (int32_t)(step % P) - (int32_t)P,
                    (int32_t)(uint32_t)(((uint64_t)1 << 32) % P)};
}

/* Ratings of risks from hash h on, 16 at a time; returns how many it made
** (n rounded down to 16), the caller makes the rest. */
static inline __attribute__((always_inline)) size_t gen_vec_nf(const gen *g, uint32_t h,
                                                               size_t n, uint8_t *const *rat,
                                                               const int nf) {
  uint32_t hh[16], uu[16];
  const gen_walk walk = gen_walk_start(g, h, 16, hh, uu);
  const __m128i vstep = _mm_set1_epi32((int)walk.step);
  const __m128i vstep_s = _mm_set1_epi32((int)(walk.step ^ 0x80000000u));
  const __m128i vAP = _mm_set1_epi32(walk.ap), vB = _mm_set1_epi32(walk.b);
  const __m128i vP = _mm_set1_epi32((int)g->cells), one16 = _mm_set1_epi16(1);
  __m128i vmul[GEN_MAX_FACTORS], vtier[GEN_MAX_FACTORS];
  for (int f = 0; f < GEN_MAX_FACTORS; f++) {
    vmul[f] = _mm_set1_epi16((short)g->vmul[f]);
    vtier[f] = _mm_set1_epi16((short)g->tiers[f]);
  }
  uint8_t *r0 = rat[0], *r1 = rat[nf > 1], *r2 = rat[nf > 2 ? 2 : 0], *r3 = rat[nf > 3 ? 3 : 0];
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

#if defined(GEN_AVX2)
/* gen_vec_nf in AVX2: 32 risks a step, in four vectors of 8. */
static inline __attribute__((always_inline, target("avx2"))) size_t gen_avx2_nf(
    const gen *g, uint32_t h, size_t n, uint8_t *const *rat, const int nf) {
  uint32_t hh[32], uu[32];
  const gen_walk walk = gen_walk_start(g, h, 32, hh, uu);
  const __m256i vstep = _mm256_set1_epi32((int)walk.step);
  const __m256i vstep_s = _mm256_set1_epi32((int)(walk.step ^ 0x80000000u));
  const __m256i vAP = _mm256_set1_epi32(walk.ap), vB = _mm256_set1_epi32(walk.b);
  const __m256i vP = _mm256_set1_epi32((int)g->cells), one16 = _mm256_set1_epi16(1);
  __m256i vmul[GEN_MAX_FACTORS], vtier[GEN_MAX_FACTORS];
  for (int f = 0; f < GEN_MAX_FACTORS; f++) {
    vmul[f] = _mm256_set1_epi16((short)g->vmul[f]);
    vtier[f] = _mm256_set1_epi16((short)g->tiers[f]);
  }
  uint8_t *r0 = rat[0], *r1 = rat[nf > 1], *r2 = rat[nf > 2 ? 2 : 0], *r3 = rat[nf > 3 ? 3 : 0];
  __m256i h0 = _mm256_loadu_si256((const __m256i *)hh);
  __m256i h1 = _mm256_loadu_si256((const __m256i *)(hh + 8));
  __m256i h2 = _mm256_loadu_si256((const __m256i *)(hh + 16));
  __m256i h3 = _mm256_loadu_si256((const __m256i *)(hh + 24));
  __m256i u0 = _mm256_loadu_si256((const __m256i *)uu);
  __m256i u1 = _mm256_loadu_si256((const __m256i *)(uu + 8));
  __m256i u2 = _mm256_loadu_si256((const __m256i *)(uu + 16));
  __m256i u3 = _mm256_loadu_si256((const __m256i *)(uu + 24));
  /* as in gen_vec_nf; the 16 digits of a vector go out as 16 bytes in
  ** order: low and high halves packed together */
#define DIGIT(rf, f, at)                                                                 \
  do {                                                                                   \
    __m256i d = q;                                                                       \
    if ((f) + 1 < nf) {                                                                  \
      __m256i nq = _mm256_mulhi_epu16(q, vmul[f]);                                       \
      d = _mm256_sub_epi16(q, _mm256_mullo_epi16(nq, vtier[f]));                         \
      q = nq;                                                                            \
    }                                                                                    \
    d = _mm256_add_epi16(d, one16);                                                      \
    _mm_storeu_si128((__m128i *)((rf) + (at)),                                           \
                     _mm_packus_epi16(_mm256_castsi256_si128(d),                         \
                                      _mm256_extracti128_si256(d, 1)));                  \
  } while (0)
  /* packs works within 128-bit halves: the permute puts risks in order */
#define DIGITS(ua, ub, at)                                                               \
  do {                                                                                   \
    __m256i q = _mm256_permute4x64_epi64(_mm256_packs_epi32(ua, ub), 0xD8);              \
    DIGIT(r0, 0, at);                                                                    \
    if (nf > 1) DIGIT(r1, 1, at);                                                        \
    if (nf > 2) DIGIT(r2, 2, at);                                                        \
    if (nf > 3) DIGIT(r3, 3, at);                                                        \
  } while (0)
#define ADVANCE(hv, uv)                                                                  \
  do {                                                                                   \
    hv = _mm256_add_epi32(hv, vstep);                                                    \
    __m256i w = _mm256_cmpgt_epi32(vstep_s, hv);                                         \
    uv = _mm256_sub_epi32(_mm256_add_epi32(uv, vAP), _mm256_and_si256(w, vB));           \
    uv = _mm256_add_epi32(uv, _mm256_and_si256(_mm256_srai_epi32(uv, 31), vP));          \
    uv = _mm256_add_epi32(uv, _mm256_and_si256(_mm256_srai_epi32(uv, 31), vP));          \
  } while (0)
  size_t x = 0;
  for (; x + 32 <= n; x += 32) {
    DIGITS(u0, u1, x);
    DIGITS(u2, u3, x + 16);
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

__attribute__((target("avx2"))) static size_t gen_avx2(const gen *g, uint32_t h, size_t n,
                                                       uint8_t *const *rat) {
  switch (g->nfactors) {
    case 1: return gen_avx2_nf(g, h, n, rat, 1);
    case 2: return gen_avx2_nf(g, h, n, rat, 2);
    case 3: return gen_avx2_nf(g, h, n, rat, 3);
    default: return gen_avx2_nf(g, h, n, rat, 4);
  }
}
#endif

/* 0 1 2 .. 7 0 1 .. : obligations as they count up along an asset's threats */
static const uint8_t ob_pattern[24] = {0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3,
                                       4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7};

/* Risks k0 .. k0 + n - 1 into rat[f][0..n), cls[0..n), ob[0..n). */
void gen_range(const gen *g, uint64_t k0, size_t n, uint8_t *const *rat, int8_t *cls,
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
    uint8_t c16[16];
    memset(c16, c, sizeof c16);
    /* 16 risks a store; a store may run past the asset into the next
    ** one's risks, which come next and overwrite it, but never past n */
    size_t y = 0;
    for (; y < run && x + y + 16 <= n; y += 16) {
      memcpy(cls + x + y, c16, 16);
      memcpy(ob + x + y, ob_pattern + ((start + y) & 7), 16);
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
  uint8_t *rest[GEN_MAX_FACTORS];
  for (int f = 0; f < nf; f++) rest[f] = rat[f];
#if defined(__SSE2__)
  if (g->vec) {
#if defined(GEN_AVX2)
    size_t done = g->vec == 2 ? gen_avx2(g, h, n, rat) : gen_vec(g, h, n, rat);
#else
    size_t done = gen_vec(g, h, n, rat);
#endif
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
