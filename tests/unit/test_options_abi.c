/* The options structs are ABI: each has a version first, an _INIT macro and an _init() that refuses a
 * version it does not know; every pipeline refuses an options struct of an unknown version; and a caller
 * built against an older header (a shorter struct with an older version) still works: the library reads
 * only the fields that version had. Public API only. */
#include "testutil.h"

#include <stddef.h>

static sm_ctx *ctx;
static sm_points *pts;
static sm_areas *wards;

static int setup(void **state) {
  (void)state;
  if (sm_ctx_create(&ctx) != SM_OK) return 1;
  return tu_read_camden(ctx, &pts, &wards, NULL);
}

static int teardown(void **state) {
  (void)state;
  tu_free_camden(ctx, pts, wards);
  return 0;
}

/* _init(): the current version gives the _INIT defaults; 0 and current + 1 are refused. */
#define CHECK_INIT(type, init_fn, VERSION, INIT)                                        \
  do {                                                                                 \
    type o_, d_ = INIT;                                                                \
    assert_int_equal(init_fn(&o_, VERSION), SM_OK);                                    \
    assert_int_equal(o_.version, VERSION);                                             \
    assert_int_equal(d_.version, VERSION);                                             \
    assert_int_equal(init_fn(&o_, 0), SM_E_INVALID_ARG);                               \
    assert_int_equal(init_fn(&o_, VERSION + 1), SM_E_INVALID_ARG);                     \
    assert_int_equal(init_fn(NULL, VERSION), SM_E_INVALID_ARG);                        \
  } while (0)

static void test_init_versions(void **state) {
  (void)state;
  CHECK_INIT(sm_read_options, sm_read_options_init, SM_READ_OPTIONS_VERSION, SM_READ_OPTIONS_INIT);
  CHECK_INIT(sm_areas_options, sm_areas_options_init, SM_AREAS_OPTIONS_VERSION, SM_AREAS_OPTIONS_INIT);
  CHECK_INIT(sm_write_options, sm_write_options_init, SM_WRITE_OPTIONS_VERSION, SM_WRITE_OPTIONS_INIT);
  CHECK_INIT(sm_kde_options, sm_kde_options_init, SM_KDE_OPTIONS_VERSION, SM_KDE_OPTIONS_INIT);
  CHECK_INIT(sm_kde_run_options, sm_kde_run_options_init, SM_KDE_RUN_OPTIONS_VERSION, SM_KDE_RUN_OPTIONS_INIT);
  CHECK_INIT(sm_count_options, sm_count_options_init, SM_COUNT_OPTIONS_VERSION, SM_COUNT_OPTIONS_INIT);
  CHECK_INIT(sm_points_summary_options, sm_points_summary_options_init, SM_POINTS_SUMMARY_OPTIONS_VERSION,
             SM_POINTS_SUMMARY_OPTIONS_INIT);
  CHECK_INIT(sm_hotspots_options, sm_hotspots_options_init, SM_HOTSPOTS_OPTIONS_VERSION, SM_HOTSPOTS_OPTIONS_INIT);
  CHECK_INIT(sm_emerging_options, sm_emerging_options_init, SM_EMERGING_OPTIONS_VERSION, SM_EMERGING_OPTIONS_INIT);
  CHECK_INIT(sm_nearrepeat_options, sm_nearrepeat_options_init, SM_NEARREPEAT_OPTIONS_VERSION,
             SM_NEARREPEAT_OPTIONS_INIT);
  CHECK_INIT(sm_scan_run_options, sm_scan_run_options_init, SM_SCAN_RUN_OPTIONS_VERSION, SM_SCAN_RUN_OPTIONS_INIT);
  CHECK_INIT(sm_forecast_options, sm_forecast_options_init, SM_FORECAST_OPTIONS_VERSION, SM_FORECAST_OPTIONS_INIT);
  CHECK_INIT(sm_backtest_options, sm_backtest_options_init, SM_BACKTEST_OPTIONS_VERSION, SM_BACKTEST_OPTIONS_INIT);
  CHECK_INIT(sm_route_options, sm_route_options_init, SM_ROUTE_OPTIONS_VERSION, SM_ROUTE_OPTIONS_INIT);
  CHECK_INIT(sm_plan_options, sm_plan_options_init, SM_PLAN_OPTIONS_VERSION, SM_PLAN_OPTIONS_INIT);
  CHECK_INIT(sm_style_options, sm_style_options_init, SM_STYLE_OPTIONS_VERSION, SM_STYLE_OPTIONS_INIT);
  CHECK_INIT(sm_tiles_options, sm_tiles_options_init, SM_TILES_OPTIONS_VERSION, SM_TILES_OPTIONS_INIT);
  CHECK_INIT(sm_report_options, sm_report_options_init, SM_REPORT_OPTIONS_VERSION, SM_REPORT_OPTIONS_INIT);
  CHECK_INIT(sm_plan_pages_options, sm_plan_pages_options_init, SM_PLAN_PAGES_OPTIONS_VERSION, SM_PLAN_PAGES_OPTIONS_INIT);
}

/* A pipeline given options of version 0 or current + 1 refuses them with a message naming the version,
 * and makes nothing. */
#define CHECK_RUN(type, INIT, VERSION, run)                                             \
  do {                                                                                 \
    type o_ = INIT;                                                                    \
    sm_result *r_ = NULL;                                                              \
    o_.version = 0;                                                                    \
    assert_int_equal(run(ctx, &r_, pts, wards, &o_), SM_E_INVALID_ARG);                \
    assert_null(r_);                                                                   \
    assert_contains(sm_ctx_last_error(ctx), "version");                                \
    o_.version = VERSION + 1;                                                          \
    assert_int_equal(run(ctx, &r_, pts, wards, &o_), SM_E_INVALID_ARG);                \
    assert_null(r_);                                                                   \
  } while (0)

static void test_run_versions(void **state) {
  (void)state;
  CHECK_RUN(sm_count_options, SM_COUNT_OPTIONS_INIT, SM_COUNT_OPTIONS_VERSION, sm_count_run);
  CHECK_RUN(sm_kde_run_options, SM_KDE_RUN_OPTIONS_INIT, SM_KDE_RUN_OPTIONS_VERSION, sm_kde_run);
  CHECK_RUN(sm_hotspots_options, SM_HOTSPOTS_OPTIONS_INIT, SM_HOTSPOTS_OPTIONS_VERSION, sm_hotspots_run);
  CHECK_RUN(sm_emerging_options, SM_EMERGING_OPTIONS_INIT, SM_EMERGING_OPTIONS_VERSION, sm_emerging_run);
  CHECK_RUN(sm_nearrepeat_options, SM_NEARREPEAT_OPTIONS_INIT, SM_NEARREPEAT_OPTIONS_VERSION, sm_nearrepeat_run);
  CHECK_RUN(sm_scan_run_options, SM_SCAN_RUN_OPTIONS_INIT, SM_SCAN_RUN_OPTIONS_VERSION, sm_scan_run);
  CHECK_RUN(sm_forecast_options, SM_FORECAST_OPTIONS_INIT, SM_FORECAST_OPTIONS_VERSION, sm_forecast_run);
  CHECK_RUN(sm_backtest_options, SM_BACKTEST_OPTIONS_INIT, SM_BACKTEST_OPTIONS_VERSION, sm_backtest_run);
  CHECK_RUN(sm_plan_options, SM_PLAN_OPTIONS_INIT, SM_PLAN_OPTIONS_VERSION, sm_plan_run);
}

/* sm_areas_options as a program built against version 1 of the header has it: no value_field. */
typedef struct areas_options_v1 {
  int version;
  const char *layer, *id_field, *name_field, *crs, *analysis_crs;
  int strict;
} areas_options_v1;

static void test_older_version(void **state) {
  (void)state;
  /* the version-1 fields lie where the current struct has them */
  assert_int_equal(offsetof(areas_options_v1, strict), offsetof(sm_areas_options, strict));
  assert_true(sizeof(areas_options_v1) <= offsetof(sm_areas_options, value_field) + sizeof(void *));
  /* the heap copy is exactly the old size: reading past it is caught by the sanitizers */
  areas_options_v1 *v1 = malloc(sizeof *v1);
  assert_non_null(v1);
  assert_int_equal(sm_areas_options_init((sm_areas_options *)(void *)v1, 1), SM_OK);
  assert_int_equal(v1->version, 1);
  v1->analysis_crs = sm_points_crs(pts);
  sm_areas *a = NULL;
  assert_ok(ctx, sm_areas_read(ctx, &a, SM_TEST_SRCDIR "/data/wards/camden_wards_2024.gpkg",
                               (const sm_areas_options *)(const void *)v1));
  assert_int_equal(sm_areas_count(a), 20);
  assert_null(sm_areas_value_field(a));
  /* and the result runs through a pipeline like any other */
  sm_result *r = NULL;
  assert_ok(ctx, sm_count_run(ctx, &r, pts, a, NULL));
  assert_true(sm_result_figure(r, "points_in_areas") == 6051);
  sm_result_destroy(r);
  sm_areas_destroy(a);
  free(v1);
}

/* sm_hotspots_options as a program built against version 1 of the header has it: no output, no write. */
typedef struct hotspots_options_v1 {
  int version;
  sm_unit_kind units;
  double cell_m;
  int has_extent;
  double extent[4];
  sm_hotspot_weights weights;
  double band_m;
  unsigned neighbours, min_neighbours;
  int rates;
  double per;
  int optimised;
  unsigned permutations;
  uint64_t seed;
} hotspots_options_v1;

/* The run of a version-1 struct returns the layer as before. */
static void test_hotspots_version1(void **state) {
  (void)state;
  assert_int_equal(offsetof(hotspots_options_v1, seed), offsetof(sm_hotspots_options, seed));
  assert_int_equal(sizeof(hotspots_options_v1), offsetof(sm_hotspots_options, output));
  hotspots_options_v1 *v1 = malloc(sizeof *v1); /* exactly the old size: reading past it is caught by the sanitizers */
  assert_non_null(v1);
  sm_hotspots_options *o = (sm_hotspots_options *)(void *)v1;
  assert_int_equal(sm_hotspots_options_init(o, 1), SM_OK);
  assert_int_equal(v1->version, 1);
  v1->units = SM_UNIT_FISHNET, v1->cell_m = 400, v1->band_m = 600;
  assert_ok(ctx, sm_hotspots_options_check(ctx, o, 0));
  sm_result *r = NULL;
  assert_ok(ctx, sm_hotspots_run(ctx, &r, pts, NULL, o));
  assert_int_equal(sm_result_layer_count(r), 1);
  assert_null(sm_result_text(r, "output"));
  sm_result_destroy(r);
  free(v1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_init_versions),
      cmocka_unit_test(test_run_versions),
      cmocka_unit_test(test_older_version),
      cmocka_unit_test(test_hotspots_version1),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
