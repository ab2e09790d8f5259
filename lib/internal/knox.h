/* The Knox permutations' inner count (lib/nearrepeat_lanes.c): 32 permutations of the dates at once, each in a
 * 16-bit lane, and for each temporal break the close pairs whose dates are at least that far apart, counted by
 * comparison (no table lookups, no scattered counters). Whole counts: every code path gives the same numbers. */
#ifndef SM_INTERNAL_KNOX_H
#define SM_INTERNAL_KNOX_H

#include "internal/simd.h"

#include <stddef.h>
#include <stdint.h>

/* Permutations counted together: t[e * SM__KNOX_LANES + l] is event e's date in permutation l (64 bytes). */
#define SM__KNOX_LANES 32
/* The largest span of dates (in whole units from the earliest) the 16-bit lanes hold. */
#define SM__KNOX_SPAN_MAX 32766

/* Adds to ge[k * SM__KNOX_LANES + l] (k < K, l < SM__KNOX_LANES) the number of pairs q < n, events pi[q] and
 * pj[q], whose dates in lane l differ by more than thr[k]: |t[pi[q] * 32 + l] - t[pj[q] * 32 + l]| > thr[k].
 * Dates and thr in 0 .. SM__KNOX_SPAN_MAX. s: the code path (AVX-512 needs AVX-512BW, else AVX2 is used). */
void sm__knox_count_above(sm_simd s, const uint32_t *pi, const uint32_t *pj, size_t n, const int16_t *t,
                          const int16_t *thr, size_t K, uint64_t *ge);

#endif
