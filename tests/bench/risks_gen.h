/*
** risks_gen.h -- the benchmark's input generator (risks-spec.md section 2):
** the rating, asset class and obligation columns of risks k0 .. k0 + n - 1
** of the spec's N*T, made in bulk (risks_gen.c). Bench-side code: the
** engine itself only ever sees the columns.
*/
#ifndef RISKS_GEN_H
#define RISKS_GEN_H

#include <stddef.h>
#include <stdint.h>

enum { GEN_MAX_FACTORS = 4 };

/* Bytes the generator may write past the n it is asked for: the class and
** obligation buffers must have this much room after them. */
enum { GEN_SLACK = 16 };

typedef struct gen {
  uint32_t threats;
  int nfactors;
  uint32_t tiers[GEN_MAX_FACTORS];
  uint64_t magic[GEN_MAX_FACTORS];  /* ceil(2^64 / tiers), for the divisions */
  uint32_t cells;                   /* product of the tiers, P_F */
  uint64_t cells_magic;             /* ceil(2^64 / P_F), for h mod P_F */
  uint32_t *digits;                 /* cells <= 2^16: the ratings of h mod P_F */
  int vec;                          /* 0 scalar, 1 SSE2, 2 AVX2 (see gen_vec_init) */
  uint16_t vmul[GEN_MAX_FACTORS];   /* mulhi16(x, vmul) = x / tiers (checked) */
} gen;

/* 0, or 1 for a shape it cannot make (1..4 factors of 1..255 tiers, T >= 1). */
int gen_init(gen *g, uint32_t threats, int nfactors, const int *tiers);
void gen_free(gen *g);
/* Risks k0 .. k0 + n - 1 into rat[f][0..n), cls[0..n), ob[0..n); cls and
** ob may be written up to GEN_SLACK bytes further. */
void gen_range(const gen *g, uint64_t k0, size_t n, uint8_t *const *rat, int8_t *cls,
               uint8_t *ob);

#endif
