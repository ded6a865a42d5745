/*
** risks_engine.h -- the calls of the bench side (risks_engine.c) of the
** isms risk-scoring benchmark. They are documented at their definitions.
**
** risks_engine.lua reads the block between the FFI markers verbatim into
** ffi.cdef (after libisms's own block, which declares the isms_ types), so
** it must stay free of macros and preprocessor lines.
*/
#ifndef RISKS_ENGINE_H
#define RISKS_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "isms.h"

/* RISKS-FFI-BEGIN */
int risks_generate(uint32_t assets, uint32_t threats, int nfactors, const int *tiers,
                   uint8_t *const *ratings, int8_t *asset_class, uint8_t *obligations,
                   int threads);
int risks_stream(uint32_t assets, uint32_t threats, int nfactors, const int *tiers,
                 const isms_scorer *s, int threads, size_t topk, isms_risk_tally *tally);
int risks_fill_cells(isms_scorer *s, int nfactors, const int *tiers, int nlevels,
                     const int64_t *lo, const int64_t *hi, const int *matrix);
void risks_tally(size_t n, const int16_t *rank, const int64_t *score,
                 const uint8_t *acceptable, int64_t *levels, int64_t *accepted,
                 int64_t *score_sum);
/* RISKS-FFI-END */

#endif
