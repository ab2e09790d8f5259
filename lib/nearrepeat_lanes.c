/* The Knox permutations' inner count (internal/knox.h): for a block of close pairs, each date difference of 32
 * permutations is compared with the temporal breaks in 16-bit lanes, and the comparisons summed in registers. */
#include "internal/knox.h"

#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define KNOX_X86 1
#endif

#define L SM__KNOX_LANES
#define BLOCK 32767 /* pairs between flushes: a 16-bit count never wraps */
#define KC 12       /* breaks per sweep over a block: their counts stay in registers */

/* c[k * L + l] = the pairs of the block above thr[k] in lane l, k < K. */
static void above_base(const uint32_t *pi, const uint32_t *pj, size_t n, const int16_t *t, const int16_t *thr,
                       size_t K, uint16_t *c) {
  memset(c, 0, K * L * sizeof *c);
  for (size_t q = 0; q < n; q++) {
    const int16_t *a = t + (size_t)pi[q] * L, *b = t + (size_t)pj[q] * L;
    int16_t d[L];
    for (size_t l = 0; l < L; l++) d[l] = (int16_t)abs(a[l] - b[l]);
    for (size_t k = 0; k < K; k++)
      for (size_t l = 0; l < L; l++) c[k * L + l] = (uint16_t)(c[k * L + l] + (d[l] > thr[k]));
  }
}

#ifdef KNOX_X86
/* K is a constant where these are inlined (the switch below), so the counters are registers. */
__attribute__((target("avx2"))) static inline __attribute__((always_inline)) void
above_avx2_k(const uint32_t *pi, const uint32_t *pj, size_t n, const int16_t *t, const int16_t *thr, size_t K,
             uint16_t *c) {
  for (size_t h = 0; h < L; h += 16) {
    __m256i acc[KC], th[KC];
    for (size_t k = 0; k < K; k++) acc[k] = _mm256_setzero_si256(), th[k] = _mm256_set1_epi16(thr[k]);
    for (size_t q = 0; q < n; q++) {
      __m256i a = _mm256_loadu_si256((const __m256i *)(t + (size_t)pi[q] * L + h));
      __m256i b = _mm256_loadu_si256((const __m256i *)(t + (size_t)pj[q] * L + h));
      __m256i d = _mm256_abs_epi16(_mm256_sub_epi16(a, b));
      for (size_t k = 0; k < K; k++) acc[k] = _mm256_sub_epi16(acc[k], _mm256_cmpgt_epi16(d, th[k]));
    }
    for (size_t k = 0; k < K; k++) _mm256_storeu_si256((__m256i *)(c + k * L + h), acc[k]);
  }
}

__attribute__((target("avx512f,avx512bw"))) static inline __attribute__((always_inline)) void
above_avx512_k(const uint32_t *pi, const uint32_t *pj, size_t n, const int16_t *t, const int16_t *thr, size_t K,
               uint16_t *c) {
  __m512i acc[KC], th[KC], one = _mm512_set1_epi16(1);
  for (size_t k = 0; k < K; k++) acc[k] = _mm512_setzero_si512(), th[k] = _mm512_set1_epi16(thr[k]);
  for (size_t q = 0; q < n; q++) {
    __m512i a = _mm512_loadu_si512((const void *)(t + (size_t)pi[q] * L));
    __m512i b = _mm512_loadu_si512((const void *)(t + (size_t)pj[q] * L));
    __m512i d = _mm512_abs_epi16(_mm512_sub_epi16(a, b));
    for (size_t k = 0; k < K; k++) acc[k] = _mm512_mask_add_epi16(acc[k], _mm512_cmpgt_epi16_mask(d, th[k]), acc[k], one);
  }
  for (size_t k = 0; k < K; k++) _mm512_storeu_si512((void *)(c + k * L), acc[k]);
}

#define KNOX_CASES(fn)                                                                                                 \
  switch (K) {                                                                                                         \
  case 1: fn(pi, pj, n, t, thr, 1, c); break;                                                                          \
  case 2: fn(pi, pj, n, t, thr, 2, c); break;                                                                          \
  case 3: fn(pi, pj, n, t, thr, 3, c); break;                                                                          \
  case 4: fn(pi, pj, n, t, thr, 4, c); break;                                                                          \
  case 5: fn(pi, pj, n, t, thr, 5, c); break;                                                                          \
  case 6: fn(pi, pj, n, t, thr, 6, c); break;                                                                          \
  case 7: fn(pi, pj, n, t, thr, 7, c); break;                                                                          \
  case 8: fn(pi, pj, n, t, thr, 8, c); break;                                                                          \
  case 9: fn(pi, pj, n, t, thr, 9, c); break;                                                                          \
  case 10: fn(pi, pj, n, t, thr, 10, c); break;                                                                        \
  case 11: fn(pi, pj, n, t, thr, 11, c); break;                                                                        \
  default: fn(pi, pj, n, t, thr, 12, c); break;                                                                        \
  }

__attribute__((target("avx2"))) static void above_avx2(const uint32_t *pi, const uint32_t *pj, size_t n,
                                                        const int16_t *t, const int16_t *thr, size_t K, uint16_t *c) {
  KNOX_CASES(above_avx2_k)
}

__attribute__((target("avx512f,avx512bw"))) static void above_avx512(const uint32_t *pi, const uint32_t *pj, size_t n,
                                                                      const int16_t *t, const int16_t *thr, size_t K,
                                                                      uint16_t *c) {
  KNOX_CASES(above_avx512_k)
}
#endif

void sm__knox_count_above(sm_simd s, const uint32_t *pi, const uint32_t *pj, size_t n, const int16_t *t,
                          const int16_t *thr, size_t K, uint64_t *ge) {
  typedef void (*above_fn)(const uint32_t *, const uint32_t *, size_t, const int16_t *, const int16_t *, size_t,
                           uint16_t *);
  above_fn fn = above_base;
#ifdef KNOX_X86
  if (s == SM_SIMD_AVX512 && __builtin_cpu_supports("avx512bw")) fn = above_avx512;
  else if (s == SM_SIMD_AVX512 || s == SM_SIMD_AVX2) fn = above_avx2;
#else
  (void)s;
#endif
  uint16_t c[KC * L];
  for (size_t q0 = 0; q0 < n; q0 += BLOCK) {
    size_t m = n - q0 < BLOCK ? n - q0 : BLOCK;
    for (size_t k0 = 0; k0 < K; k0 += KC) {
      size_t kc = K - k0 < KC ? K - k0 : KC;
      fn(pi + q0, pj + q0, m, t, thr + k0, kc, c);
      for (size_t k = 0; k < kc; k++)
        for (size_t l = 0; l < L; l++) ge[(k0 + k) * L + l] += c[k * L + l];
    }
  }
}
