/* crs: choice, description, transforms */
#include "testutil.h"

#include <math.h>

static void choose(void **state) {
  (void)state;
  sm_ctx *ctx;
  assert_ok(NULL, sm_ctx_create(&ctx));
  char *c = NULL;
  assert_ok(ctx, sm_crs_choose(ctx, &c, -0.12, 51.5)); /* London */
  assert_string_equal(c, "EPSG:27700");
  sm_free(c);
  assert_ok(ctx, sm_crs_choose(ctx, &c, -3.19, 55.95)); /* Edinburgh */
  assert_string_equal(c, "EPSG:27700");
  sm_free(c);
  assert_ok(ctx, sm_crs_choose(ctx, &c, 2.35, 48.86)); /* Paris: UTM 31N */
  assert_string_equal(c, "EPSG:32631");
  sm_free(c);
  assert_ok(ctx, sm_crs_choose(ctx, &c, 151.2, -33.87)); /* Sydney: UTM 56S */
  assert_string_equal(c, "EPSG:32756");
  sm_free(c);
  assert_int_equal(sm_crs_choose(ctx, &c, 200, 0), SM_E_INVALID_ARG);
  sm_ctx_destroy(ctx);
}

static void describe_and_transform(void **state) {
  (void)state;
  sm_ctx *ctx;
  assert_ok(NULL, sm_ctx_create(&ctx));
  char *name = NULL;
  int pm = -1;
  assert_ok(ctx, sm_crs_describe(ctx, "EPSG:27700", &name, &pm));
  assert_string_equal(name, "OSGB36 / British National Grid");
  assert_int_equal(pm, 1);
  sm_free(name);
  assert_ok(ctx, sm_crs_describe(ctx, "EPSG:4326", NULL, &pm));
  assert_int_equal(pm, 0);
  assert_int_equal(sm_crs_describe(ctx, "EPSG:999999", NULL, NULL), SM_E_CRS);
  /* 4326 -> 27700 -> 4326 round trip, on several threads, same bits as one thread */
  enum { N = 20000 };
  static double x[N], y[N], x1[N], y1[N];
  for (int i = 0; i < N; i++) x[i] = -0.5 + i * 4e-5, y[i] = 51.3 + i * 2e-5;
  memcpy(x1, x, sizeof x), memcpy(y1, y, sizeof y);
  sm_ctx_set_threads(ctx, 2);
  assert_ok(ctx, sm_crs_transform(ctx, "EPSG:4326", "EPSG:27700", N, x, y));
  sm_ctx_set_threads(ctx, 1);
  assert_ok(ctx, sm_crs_transform(ctx, "EPSG:4326", "EPSG:27700", N, x1, y1));
  assert_memory_equal(x, x1, sizeof x);
  assert_memory_equal(y, y1, sizeof y);
  assert_true(x[0] > 500000 && x[0] < 510000 && y[0] > 155000 && y[0] < 165000);
  assert_ok(ctx, sm_crs_transform(ctx, "EPSG:27700", "EPSG:4326", N, x, y));
  double worst = 0;
  for (int i = 0; i < N; i++) {
    worst = fmax(worst, fabs(x[i] - (-0.5 + i * 4e-5)));
    worst = fmax(worst, fabs(y[i] - (51.3 + i * 2e-5)));
  }
  /* the Helmert pipeline is not exactly self-inverse: about 1e-7 degrees (1 cm) */
  if (worst > 1e-6) fail_msg("round trip off by %g degrees", worst);
  assert_int_equal(sm_crs_transform(ctx, "EPSG:4326", "nonsense", 1, x, y), SM_E_CRS);
  assert_contains(sm_ctx_last_error(ctx), "nonsense");
  sm_ctx_destroy(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(choose), cmocka_unit_test(describe_and_transform)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
