/* points: creation from arrays, accessors, stacking */
#include "testutil.h"

#include <math.h>

static void create_and_stack(void **state) {
  (void)state;
  sm_ctx *ctx;
  assert_ok(NULL, sm_ctx_create(&ctx));
  double x[] = {1, 2, 1, 3, 1, 2}, y[] = {5, 5, 5, 5, 5, 5}, w[] = {1, 2, 3, 4, 5, 6};
  sm_points *p;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", 6, x, y, NULL, w));
  assert_int_equal(sm_points_count(p), 6);
  assert_string_equal(sm_points_crs(p), "EPSG:27700");
  assert_true(sm_points_weight(p)[5] == 6);
  assert_true(sm_points_time(p)[0] == SM_TIME_MISSING);
  assert_int_equal(sm_points_category(p)[0], -1);
  assert_null(sm_points_label(p, 0));
  assert_int_equal(sm_points_time_resolution(p), SM_TIME_NONE);
  sm_stacking s;
  size_t tp[5], tc[5];
  assert_ok(ctx, sm_points_stacking(ctx, p, &s, 5, tp, tc));
  assert_int_equal(s.n_locations, 3);
  assert_int_equal(s.n_stacked_locations, 2);
  assert_int_equal(s.n_top, 3);
  assert_int_equal(tc[0], 3);
  assert_int_equal(tp[0], 0);
  assert_int_equal(tc[1], 2);
  assert_int_equal(tp[1], 1);
  assert_int_equal(tc[2], 1);
  sm_points_destroy(p);
  /* bad arguments */
  double bad[] = {1, NAN};
  assert_int_equal(sm_points_create(ctx, &p, "EPSG:27700", 2, bad, y, NULL, NULL), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "point 1");
  double neg[] = {1, -1};
  assert_int_equal(sm_points_create(ctx, &p, "EPSG:27700", 2, x, y, NULL, neg), SM_E_INVALID_ARG);
  assert_int_equal(sm_points_create(ctx, &p, "EPSG:27700", 0, x, y, NULL, NULL), SM_E_INVALID_ARG);
  assert_int_equal(sm_points_create(ctx, &p, "not a crs", 2, x, y, NULL, NULL), SM_E_CRS);
  assert_string_equal(sm_bad_reason_str(SM_BAD_NO_COORDS), "no coordinates");
  for (int r = 0; r < SM_BAD_REASON_END_; r++) assert_string_not_equal(sm_bad_reason_str((sm_bad_reason)r), "unknown reason");
  sm_points_destroy(NULL);
  sm_ctx_destroy(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(create_and_stack)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
