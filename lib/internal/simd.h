/* Which vector instructions the kernel loops use: the widest this CPU has, or the ones SAFEMAP_SIMD names. */
#ifndef SM_INTERNAL_SIMD_H
#define SM_INTERNAL_SIMD_H

#include "safemap/context.h"

typedef enum { SM_SIMD_BASE, SM_SIMD_AVX2, SM_SIMD_AVX512, SM_SIMD_END_ } sm_simd;

/* The code path for this run into *out: the environment variable SAFEMAP_SIMD (base, avx2 or avx512) when set
 * and not empty, else the widest the CPU runs. Every path gives the same bits (no fused multiply-adds; the same
 * operations in the same order), so SAFEMAP_SIMD is for measuring and testing them. A name that is not a path, or
 * a path this CPU cannot run, is an error (SM_E_INVALID_ARG, SM_E_UNSUPPORTED) on ctx. */
sm_status sm__simd_choose(sm_ctx *ctx, sm_simd *out);
/* "base" (the compiler's default: SSE2 on x86-64), "avx2", "avx512". */
const char *sm__simd_name(sm_simd s);
/* 1 if this CPU (and this build) runs path s. */
int sm__simd_runs(sm_simd s);

#endif
