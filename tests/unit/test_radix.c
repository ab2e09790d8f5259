/* internal/radix: stable radix sort of records by double keys, against a stable comparison sort */
#include "testutil.h"

#include "internal/radix.h"

#include <math.h>
#include <stddef.h>

typedef struct {
  double x, y, w;
} rec3;

typedef struct {
  double v;
  uint64_t id;
} rec2;

static uint64_t next_u64(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* the order of a stable sort by (y, x) with <: ties broken by the original position, held in w */
static int cmp_yx_pos(const void *a, const void *b) {
  const rec3 *p = a, *q = b;
  if (p->y != q->y) return p->y < q->y ? -1 : 1;
  if (p->x != q->x) return p->x < q->x ? -1 : 1;
  return p->w < q->w ? -1 : p->w > q->w;
}

/* Coordinates from a small set (many ties, as snapped points), with -0 beside +0, negatives, infinities and
 * values a few units in the last place apart. */
static double pick(uint64_t *s, int spread) {
  static const double special[] = {0.0, -0.0, -1.5, 1.5, 1e-300, -1e-300, INFINITY, -INFINITY, 530000.25, 530000.5};
  uint64_t u = next_u64(s);
  if (u % 7 == 0) return special[(u >> 8) % (sizeof special / sizeof *special)];
  double base = 500000.0 + (double)((u >> 16) % (uint64_t)spread) * 10.0;
  return (u >> 40) & 1 ? nextafter(base, INFINITY) : base;
}

static void check_sort(size_t n, int spread, int nt, uint64_t seed) {
  rec3 *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *tmp = malloc(n * sizeof *tmp);
  assert_non_null(a);
  assert_non_null(b);
  assert_non_null(tmp);
  uint64_t s = seed;
  for (size_t i = 0; i < n; i++) a[i] = (rec3){pick(&s, spread), pick(&s, spread), (double)i};
  memcpy(b, a, n * sizeof *a);
  qsort(b, n, sizeof *b, cmp_yx_pos);
  sm__radix_sort2(a, tmp, n, sizeof *a, (long)offsetof(rec3, y), (long)offsetof(rec3, x), nt);
  /* the same records in the same order: the bits of x and y too (-0 stays -0, in its place) */
  if (n && memcmp(a, b, n * sizeof *a) != 0) {
    for (size_t i = 0; i < n; i++)
      if (memcmp(a + i, b + i, sizeof *a))
        fail_msg("n %zu threads %d: record %zu is (%g, %g) #%g, want (%g, %g) #%g", n, nt, i, a[i].x, a[i].y, a[i].w,
                 b[i].x, b[i].y, b[i].w);
  }
  free(a);
  free(b);
  free(tmp);
}

static void matches_stable_sort(void **state) {
  (void)state;
  size_t sizes[] = {0, 1, 2, 3, 17, 1000, 4097, 100000};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    for (int nt = 1; nt <= 3; nt++) {
      check_sort(sizes[i], 50, nt, 42 + i);    /* many ties */
      check_sort(sizes[i], 1 << 20, nt, 7 + i); /* few */
    }
}

/* One key, 16-byte records; all keys equal: nothing moves. */
static void one_key(void **state) {
  (void)state;
  enum { N = 50000 };
  rec2 *a = malloc(N * sizeof *a), *tmp = malloc(N * sizeof *tmp);
  assert_non_null(a);
  assert_non_null(tmp);
  uint64_t s = 3;
  for (size_t i = 0; i < N; i++) a[i] = (rec2){(double)(next_u64(&s) % 1000) - 500.0, i};
  sm__radix_sort2(a, tmp, N, sizeof *a, (long)offsetof(rec2, v), -1, 2);
  for (size_t i = 1; i < N; i++) {
    assert_true(a[i - 1].v <= a[i].v);
    if (a[i - 1].v == a[i].v) assert_true(a[i - 1].id < a[i].id);
  }
  for (size_t i = 0; i < N; i++) a[i] = (rec2){2.5, i};
  sm__radix_sort2(a, tmp, N, sizeof *a, (long)offsetof(rec2, v), -1, 2);
  for (size_t i = 0; i < N; i++) assert_true(a[i].id == i);
  free(a);
  free(tmp);
}

static void keys_order_as_numbers(void **state) {
  (void)state;
  const double v[] = {-INFINITY, -1e308, -2.0, -1.0, -1e-310, 0.0, 1e-310, 1.0, 2.0, 1e308, INFINITY};
  for (size_t i = 1; i < sizeof v / sizeof *v; i++) assert_true(sm__radix_key(v[i - 1]) < sm__radix_key(v[i]));
  assert_true(sm__radix_key(-0.0) == sm__radix_key(0.0));
}
static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* sm__kth_smallest: for every k of arrays sorted, reversed, all equal, organ-pipe, with few values and random, the
 * value a sort puts at k, with nothing larger before it and nothing smaller after. */
static void kth_smallest_is_a_sorts(void **state) {
  (void)state;
  uint64_t r = 12345;
  const size_t sizes[] = {1, 2, 3, 7, 64, 1001};
  for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
    for (int shape = 0; shape < 6; shape++) {
      size_t n = sizes[si];
      double *a = malloc(n * sizeof *a), *sorted = malloc(n * sizeof *a), *w = malloc(n * sizeof *a);
      for (size_t i = 0; i < n; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        a[i] = shape == 0 ? (double)i : shape == 1 ? (double)(n - i) : shape == 2 ? 5.0
               : shape == 3 ? (double)(i < n / 2 ? i : n - i) : shape == 4 ? (double)(r % 3) : (double)(r >> 11) * 0x1p-53;
      }
      memcpy(sorted, a, n * sizeof *a);
      qsort(sorted, n, sizeof *a, cmp_d);
      for (size_t k = 0; k < n; k++) {
        memcpy(w, a, n * sizeof *a);
        double v = sm__kth_smallest(w, n, k);
        assert_true(v == sorted[k]);
        for (size_t i = 0; i < n; i++) assert_true(i < k ? w[i] <= v : i > k ? w[i] >= v : w[i] == v);
      }
      free(a), free(sorted), free(w);
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(matches_stable_sort),
      cmocka_unit_test(one_key),
      cmocka_unit_test(keys_order_as_numbers),
      cmocka_unit_test(kth_smallest_is_a_sorts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
