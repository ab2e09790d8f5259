/* scan: expected counts and the GLR of a cylinder by hand, a planted cluster found with p < 0.01, p-values over
 * null datasets, the same result for 1 and 2 threads, bad input */
#include "testutil.h"

#include <math.h>
#include <string.h>

static sm_ctx *ctx;
static int setup(void **state) {
  (void)state;
  return sm_ctx_create(&ctx) != SM_OK;
}
static int teardown(void **state) {
  (void)state;
  sm_ctx_destroy(ctx);
  return 0;
}

/* 3 locations x 4 steps. Cylinder: locations 0 and 1, steps 2-3. Row totals 10, 6, 4 (C 20); column totals
 * 3, 4, 5, 8: μ = (10 + 6)(5 + 8)/20 = 10.4; observed 3 + 4 + 2 + 3 = 12;
 * LLR = 12 ln(12/10.4) + 8 ln(8/9.6). */
static void by_hand(void **state) {
  (void)state;
  const double c[12] = {1, 2, 3, 4, /* */ 1, 1, 2, 2, /* */ 1, 1, 0, 2};
  const unsigned char in[3] = {1, 1, 0};
  double mu = sm_scan_expected(c, 3, 4, in, 2, 3);
  assert_true(fabs(mu - 10.4) < 1e-12);
  double want = 12 * log(12 / 10.4) + 8 * log(8 / 9.6);
  assert_true(fabs(sm_scan_llr(12, 10.4, 20) - want) < 1e-12);
  assert_true(sm_scan_llr(9, 10.4, 20) == 0); /* fewer than expected: no cluster */
  assert_true(fabs(sm_scan_llr(20, 10, 20) - 20 * log(2.0)) < 1e-12);
}

static void make_cube(double *c, size_t L, size_t T, uint64_t seed, int plant) {
  uint64_t r = seed;
  for (size_t q = 0; q < L * T; q++) { /* Poisson(1.5) background by inversion: the permutation null's dispersion */
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    double u = (double)(r >> 11) * 0x1p-53, pk = exp(-1.5), cum = pk;
    int k = 0;
    while (u > cum && k < 50) k++, pk *= 1.5 / k, cum += pk;
    c[q] = (double)k;
  }
  if (plant) /* three neighbouring locations, the last three steps */
    for (size_t l = 7; l <= 9; l++)
      for (size_t t = T - 3; t < T; t++) c[l * T + t] += 6;
}

static void planted_and_null(void **state) {
  (void)state;
  enum { L = 30, T = 20 };
  double x[L], y[L], c[L * T];
  for (int l = 0; l < L; l++) x[l] = 100.0 * (l % 6), y[l] = 100.0 * (l / 6);
  make_cube(c, L, T, 99, 1);
  sm_scan_options o = SM_SCAN_OPTIONS_INIT;
  o.permutations = 199, o.max_window = 6;
  sm_scan_result *r1, *r2;
  sm_ctx_set_seed(ctx, 4);
  sm_ctx_set_threads(ctx, 1);
  assert_ok(ctx, sm_scan(ctx, L, x, y, T, c, &o, &r1));
  sm_ctx_set_threads(ctx, 2);
  assert_ok(ctx, sm_scan(ctx, L, x, y, T, c, &o, &r2));
  sm_ctx_set_threads(ctx, 0);
  assert_int_equal(r1->n_clusters, r2->n_clusters);
  assert_memory_equal(r1->clusters, r2->clusters, r1->n_clusters * sizeof *r1->clusters);
  const sm_scan_cluster *k = &r1->clusters[0];
  print_message("planted: centre %zu, %zu locations, steps %zu-%zu, observed %g expected %.2f, LLR %.2f, p %.3f\n", k->centre,
                k->locations, k->t_start, k->t_end, k->observed, k->expected, k->llr, k->p);
  assert_true(k->p < 0.01);
  assert_true(k->t_end == T - 1 && k->t_start >= T - 4);
  assert_true(k->centre >= 6 && k->centre <= 10);
  /* the cylinder's figures agree with the building blocks */
  for (size_t i = 1; i < r1->n_clusters; i++) assert_true(r1->clusters[i].llr <= r1->clusters[i - 1].llr);
  sm_scan_result_destroy(r1), sm_scan_result_destroy(r2);
  /* null datasets: the most likely cluster's p is not small every time */
  o.permutations = 99;
  int small = 0;
  double mean = 0;
  for (int rep = 0; rep < 10; rep++) {
    make_cube(c, L, T, 1000 + (uint64_t)rep * 7, 0);
    sm_ctx_set_seed(ctx, 50 + (uint64_t)rep);
    assert_ok(ctx, sm_scan(ctx, L, x, y, T, c, &o, &r1));
    double p = r1->clusters[0].p;
    small += p <= 0.05, mean += p;
    sm_scan_result_destroy(r1);
  }
  mean /= 10;
  print_message("null: %d of 10 with p <= 0.05, mean p %.3f\n", small, mean);
  assert_true(small <= 3 && mean > 0.2 && mean < 0.8);
}

static void bad_input(void **state) {
  (void)state;
  double x[2] = {0, 100}, y[2] = {0, 0}, c[4] = {1, 0, 0, 1}, one[4] = {1, 0, 0, 0}, frac[4] = {1.5, 0, 0, 1};
  sm_scan_result *r;
  assert_int_equal(sm_scan(ctx, 1, x, y, 4, c, NULL, &r), SM_E_INPUT);
  assert_int_equal(sm_scan(ctx, 2, x, y, 1, c, NULL, &r), SM_E_INPUT);
  assert_int_equal(sm_scan(ctx, 2, x, y, 2, one, NULL, &r), SM_E_INPUT);
  assert_int_equal(sm_scan(ctx, 2, x, y, 2, frac, NULL, &r), SM_E_INPUT);
  sm_scan_options o = SM_SCAN_OPTIONS_INIT;
  o.max_share = 0;
  assert_int_equal(sm_scan(ctx, 2, x, y, 2, c, &o, &r), SM_E_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(by_hand), cmocka_unit_test(planted_and_null), cmocka_unit_test(bad_input)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
