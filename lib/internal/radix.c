/* Stable least-significant-digit radix sort of records by one or two double keys. */
#include "radix.h"

#include <stdlib.h>
#include <string.h>

#ifdef SM_HAVE_OPENMP
#include <omp.h>
#endif

enum { RADIX_BITS = 8, RADIX_N = 1 << RADIX_BITS, MAX_THREADS = 16 };

static inline double key_at(const unsigned char *rec, long off) {
  double d;
  memcpy(&d, rec + off, sizeof d);
  return d;
}

/* One pass: the records of src, by digit `shift` of the key at `off`, into dst, stably. The team's threads (at most
 * nt: fewer inside another parallel region or under OMP_THREAD_LIMIT) each count and move a contiguous block; a
 * digit's records go out block after block, so the order of equal digits is kept. */
static void pass(const unsigned char *src, unsigned char *dst, size_t n, size_t size, long off, int shift, int nt,
                 size_t (*cnt)[RADIX_N]) {
  size_t nw = size / 8;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel num_threads(nt)
#endif
  {
#ifdef SM_HAVE_OPENMP
    int t = omp_get_thread_num(), nth = omp_get_num_threads();
#else
    int t = 0, nth = 1;
#endif
    size_t lo = n * (size_t)t / (size_t)nth, hi = n * (size_t)(t + 1) / (size_t)nth;
    size_t *c = cnt[t];
    memset(c, 0, RADIX_N * sizeof *c);
    for (size_t i = lo; i < hi; i++) c[(sm__radix_key(key_at(src + i * size, off)) >> shift) & (RADIX_N - 1)]++;
#ifdef SM_HAVE_OPENMP
#pragma omp barrier
#pragma omp single
#endif
    {
      size_t at = 0;
      for (int b = 0; b < RADIX_N; b++)
        for (int u = 0; u < nth; u++) {
          size_t k = cnt[u][b];
          cnt[u][b] = at;
          at += k;
        }
    }
    for (size_t i = lo; i < hi; i++) {
      const uint64_t *s = (const uint64_t *)(const void *)(src + i * size);
      size_t b = (sm__radix_key(key_at(src + i * size, off)) >> shift) & (RADIX_N - 1);
      uint64_t *d = (uint64_t *)(void *)(dst + c[b]++ * size);
      for (size_t w = 0; w < nw; w++) d[w] = s[w];
    }
  }
}

void sm__radix_sort2(void *recs, void *tmp, size_t n, size_t size, long major, long minor, int nt) {
  if (n < 2) return;
  if (nt < 1) nt = 1;
  if (nt > MAX_THREADS) nt = MAX_THREADS;
  if ((size_t)nt > n / 4096 + 1) nt = (int)(n / 4096 + 1); /* small sorts: one thread */
  size_t cnt[MAX_THREADS][RADIX_N];
  /* Which digits differ between records: a digit every record shares moves nothing. */
  uint64_t and_[2] = {~UINT64_C(0), ~UINT64_C(0)}, or_[2] = {0, 0};
  long offs[2] = {minor, major};
  const unsigned char *r = recs;
  for (int k = 0; k < 2; k++) {
    if (offs[k] < 0) continue;
    uint64_t a = ~UINT64_C(0), o = 0;
    for (size_t i = 0; i < n; i++) {
      uint64_t v = sm__radix_key(key_at(r + i * size, offs[k]));
      a &= v, o |= v;
    }
    and_[k] = a, or_[k] = o;
  }
  unsigned char *src = recs, *dst = tmp;
  for (int k = 0; k < 2; k++) {
    if (offs[k] < 0) continue;
    uint64_t differ = and_[k] ^ or_[k];
    for (int shift = 0; shift < 64; shift += RADIX_BITS) {
      if (!((differ >> shift) & (RADIX_N - 1))) continue;
      pass(src, dst, n, size, offs[k], shift, nt, cnt);
      unsigned char *s = src;
      src = dst, dst = s;
    }
  }
  if (src != recs) memcpy(recs, src, n * size);
}

static int cmp_double(const void *p, const void *q) {
  double x = *(const double *)p, y = *(const double *)q;
  return (x > y) - (x < y);
}

/* The k-th smallest of a[0..n) (k < n, no NaN), a reordered so that a[i] <= a[k] before k and >= after
 * (Hoare's selection; a range that will not shrink is sorted). */
double sm__kth_smallest(double *a, size_t n, size_t k) {
  ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;
  for (int round = 0; lo < hi; round++) {
    if (round > 200) {
      qsort(a + lo, (size_t)(hi - lo + 1), sizeof *a, cmp_double);
      break;
    }
    double x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi]; /* the median of three as the pivot */
    double p = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    ptrdiff_t i = lo, j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) {
        double t = a[i];
        a[i++] = a[j], a[j--] = t;
      }
    }
    if (kk <= j) hi = j;
    else if (kk >= i) lo = i;
    else break;
  }
  return a[k];
}
