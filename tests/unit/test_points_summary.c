/* points_summary: sm_points_summary_run on the Camden data equals what `safemap info` prints */
#include "testutil.h"

#include <math.h>
#include <string.h>

static void camden(void **state) {
  (void)state;
  sm_ctx *ctx;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  const char *src[] = {SM_TEST_SRCDIR "/data/police/camden_burglary"};
  sm_points *p = NULL;
  sm_areas *w = NULL;
  assert_ok(ctx, sm_points_read(ctx, &p, src, 1, NULL));
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  ao.analysis_crs = sm_points_crs(p);
  assert_ok(ctx, sm_areas_read(ctx, &w, SM_TEST_SRCDIR "/data/wards/camden_wards_2024.gpkg", &ao));
  sm_result *r = NULL;
  assert_ok(ctx, sm_points_summary_run(ctx, &r, p, w, NULL));
  assert_true(sm_result_figure(r, "points") == 6416 && sm_result_figure(r, "sources") == 36);
  assert_true(sm_result_figure(r, "locations") == 1597 && sm_result_figure(r, "stacked_locations") == 1108);
  assert_true(sm_result_figure(r, "top_count") == 5 && sm_result_figure(r, "top_0_points") == 34);
  assert_string_equal(sm_result_text(r, "time_first"), "2022-03");
  assert_string_equal(sm_result_text(r, "time_last"), "2025-02");
  assert_non_null(strstr(sm_result_text(r, "analyses"), "near-repeat analysis in months only (--time-unit month)"));
  assert_true(sm_result_figure(r, "points_outside_areas") == 365);
  assert_non_null(strstr(sm_result_text(r, "outside_note"), "all within 121 m"));
  assert_int_equal(sm_layer_feature_count(sm_result_layer_named(r, "months")), 36);
  assert_int_equal(sm_layer_get_int(sm_result_layer_named(r, "categories"), 0, 1), 6416);
  assert_int_equal(sm_layer_feature_count(sm_result_layer_named(r, "areas")), 20);
  sm_result_destroy(r);
  sm_points_summary_options o;
  assert_int_equal(sm_points_summary_options_init(&o, 0), SM_E_INVALID_ARG);
  assert_ok(ctx, sm_points_summary_options_init(&o, SM_POINTS_SUMMARY_OPTIONS_VERSION));
  o.version = SM_POINTS_SUMMARY_OPTIONS_VERSION + 1;
  assert_int_equal(sm_points_summary_run(ctx, &r, p, NULL, &o), SM_E_INVALID_ARG);
  o.version = 0;
  assert_int_equal(sm_points_summary_run(ctx, &r, p, NULL, &o), SM_E_INVALID_ARG);
  assert_null(r);
  sm_areas_destroy(w);
  sm_points_destroy(p);
  sm_ctx_destroy(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(camden)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
