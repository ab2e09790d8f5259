/* Stable sorts of records by double keys, in linear time (least significant digit radix, 8 bits a pass). */
#ifndef SM_INTERNAL_RADIX_H
#define SM_INTERNAL_RADIX_H

#include <stddef.h>
#include <stdint.h>

/* The key of d that orders as d does: a < b ⇔ key(a) < key(b) for numbers that are not NaN, and -0 and +0 have
 * one key (they compare equal). */
static inline uint64_t sm__radix_key(double d) {
  union {
    double d;
    uint64_t u;
  } v = {d == 0 ? 0.0 : d};
  return v.u >> 63 ? ~v.u : v.u | (UINT64_C(1) << 63);
}

/* Sorts n records of `size` bytes (a multiple of 8, at most 64) by the double at byte offset `major`, ties by the
 * double at `minor` (minor < 0: no second key), keeping equal records in their order: the order a stable
 * comparison sort with `<` on the keys gives (the keys are not NaN). tmp holds n records. Passes whose digit is the
 * same in every record are skipped; nt threads share the counting and the moving. */
void sm__radix_sort2(void *recs, void *tmp, size_t n, size_t size, long major, long minor, int nt);

/* The k-th smallest of a[0..n) (k < n, no NaN), a reordered so that a[i] <= a[k] before k and >= after (Hoare's
 * selection, median-of-three pivots; a range that will not shrink is sorted): the value a sort puts at k. */
double sm__kth_smallest(double *a, size_t n, size_t k);

#endif
