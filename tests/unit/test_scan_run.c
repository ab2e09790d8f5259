/* sm_scan_run: the scan pipeline through the public API, on the bundled Camden burglaries and wards; the
 * numbers are those of safemap scan (tests/cli/test_scan.sh). */
#include "testutil.h"

#include <math.h>
#include <string.h>

#define POINTS SM_TEST_SRCDIR "/data/police/camden_burglary"
#define WARDS SM_TEST_SRCDIR "/data/wards/camden_wards_2024.gpkg"

static sm_ctx *ctx;
static sm_points *pts, *recent;
static sm_areas *wards;

static int setup(void **state) {
  (void)state;
  if (sm_ctx_create(&ctx) != SM_OK) return 1;
  const char *src[] = {POINTS};
  if (sm_points_read(ctx, &pts, src, 1, NULL) != SM_OK) return 1;
  sm_read_options ro = SM_READ_OPTIONS_INIT;
  ro.time_from = "2024-07"; /* 8 months: a small scan for the defaults' 999 replications */
  if (sm_points_read(ctx, &recent, src, 1, &ro) != SM_OK) return 1;
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  ao.analysis_crs = sm_points_crs(pts);
  return sm_areas_read(ctx, &wards, WARDS, &ao) != SM_OK;
}
static int teardown(void **state) {
  (void)state;
  sm_areas_destroy(wards);
  sm_points_destroy(recent);
  sm_points_destroy(pts);
  sm_ctx_destroy(ctx);
  return 0;
}

static size_t col(const sm_layer *L, const char *name) {
  long f = sm_layer_field_index(L, name);
  if (f < 0) fail_msg("no column %s in %s", name, sm_layer_name(L));
  return (size_t)f;
}

/* safemap scan POINTS --wards W --max-window 6 --seed 1: 20 locations, 36 steps, 6051 incidents; the most likely
 * cluster is 3 wards within 1378 m of Hampstead Town, 2024-10 to 2024-11, 74 burglaries. */
static void wards_as_cli(void **state) {
  (void)state;
  sm_scan_run_options o;
  assert_ok(ctx, sm_scan_run_options_init(&o, SM_SCAN_RUN_OPTIONS_VERSION));
  o.max_window = 6, o.permutations = 19, o.seed = 1;
  sm_result *r = NULL;
  assert_ok(ctx, sm_scan_run(ctx, &r, pts, wards, &o));
  assert_int_equal(sm_result_layer_count(r), 2);
  assert_string_equal(sm_layer_name(sm_result_layer(r, 0)), "scan_clusters");
  assert_string_equal(sm_layer_name(sm_result_layer(r, 1)), "scan_locations");
  char *comp = sm_result_csv_path(r, "/tmp/s.csv", 1);
  assert_string_equal(comp, "/tmp/s_locations.csv");
  sm_free(comp);
  assert_true(sm_result_figure(r, "locations") == 20 && sm_result_figure(r, "steps") == 36);
  assert_true(sm_result_figure(r, "incidents") == 6051 && sm_result_figure(r, "permutations") == 19);
  assert_true(sm_result_figure(r, "max_window") == 6 && sm_result_figure(r, "seed") == 1);
  assert_true(sm_result_figure(r, "clusters") >= 1);
  assert_string_equal(sm_result_text(r, "step"), "month");
  assert_contains(sm_result_text(r, "cluster_1_where"), "3 locations within 1378 m of Hampstead Town");
  assert_null(sm_result_text(r, "cluster_1_recurrence")); /* retrospective */
  const sm_layer *L = sm_result_layer_named(r, "scan_clusters");
  assert_int_equal(sm_layer_field_count(L), 14);
  assert_string_equal(sm_layer_get_string(L, 0, col(L, "centre")), "E05013659");
  assert_int_equal(sm_layer_get_int(L, 0, col(L, "locations")), 3);
  assert_string_equal(sm_layer_get_string(L, 0, col(L, "start")), "2024-10");
  assert_string_equal(sm_layer_get_string(L, 0, col(L, "end")), "2024-11");
  assert_true(sm_layer_get_double(L, 0, col(L, "observed")) == 74);
  assert_contains(sm_layer_metadata_get(L, "method"), "20 ward centroids x 36 steps of a month; circles up to 0.5 of the "
                                                      "incidents, windows up to 6 steps; 19 replications of the case times, seed 1");
  assert_string_equal(sm_layer_metadata_get(L, "seed"), "1");
  assert_string_equal(sm_layer_metadata_get(L, "grid"), "wards");
  assert_string_equal(sm_layer_metadata_get(L, "centres"), "units");
  assert_string_equal(sm_layer_metadata_get(L, "max_window"), "6");
  assert_string_equal(sm_layer_metadata_get(L, "input_points"), "6416");
  const sm_layer *LL = sm_result_layer_named(r, "scan_locations");
  assert_string_equal(sm_layer_get_string(LL, 0, col(LL, "location")), "E05013659");
  assert_true(sm_layer_get_double(LL, 0, col(LL, "distance_m")) == 0 && sm_layer_get_double(LL, 0, col(LL, "observed")) == 26);
  assert_string_equal(sm_layer_metadata_get(LL, "permutations"), "19");
  /* each cluster's observed is the sum over its locations */
  for (size_t c = 0; c < sm_layer_feature_count(L); c++) {
    double s = 0;
    for (size_t q = 0; q < sm_layer_feature_count(LL); q++)
      if (sm_layer_get_int(LL, q, col(LL, "rank")) == (int64_t)c + 1) s += sm_layer_get_double(LL, q, col(LL, "observed"));
    assert_true(s == sm_layer_get_double(L, c, col(L, "observed")));
  }
  sm_result_destroy(r);
}

static void same_layers(const sm_layer *a, const sm_layer *b) {
  assert_int_equal(sm_layer_feature_count(a), sm_layer_feature_count(b));
  assert_int_equal(sm_layer_field_count(a), sm_layer_field_count(b));
  for (size_t f = 0; f < sm_layer_field_count(a); f++)
    for (size_t i = 0; i < sm_layer_feature_count(a); i++) {
      if (sm_layer_field_type(a, f) == SM_FIELD_DOUBLE) {
        double x = sm_layer_get_double(a, i, f), y = sm_layer_get_double(b, i, f);
        assert_true((isnan(x) && isnan(y)) || memcmp(&x, &y, sizeof x) == 0);
      } else if (sm_layer_field_type(a, f) == SM_FIELD_INT64) {
        assert_true(sm_layer_get_int(a, i, f) == sm_layer_get_int(b, i, f));
      }
    }
}

/* --centres incidents --max-radius 500 --max-window 3 --prospective --permutations 99 --seed 1: 1516 incident positions;
 * the same bits on 1 and 2 threads; the recurrence in words. */
static void incidents_threads(void **state) {
  (void)state;
  sm_scan_run_options o = SM_SCAN_RUN_OPTIONS_INIT;
  assert_ok(ctx, sm_scan_centres_from_name(ctx, "incidents", &o.centres));
  o.max_radius_m = 500, o.max_window = 3, o.prospective = 1, o.permutations = 99, o.seed = 1;
  sm_result *r1 = NULL, *r2 = NULL;
  sm_ctx_set_threads(ctx, 1);
  assert_ok(ctx, sm_scan_run(ctx, &r1, pts, wards, &o));
  sm_ctx_set_threads(ctx, 2);
  assert_ok(ctx, sm_scan_run(ctx, &r2, pts, wards, &o));
  sm_ctx_set_threads(ctx, 0);
  assert_true(sm_result_figure(r1, "locations") == 1516 && sm_result_figure(r1, "incidents") == 6051);
  for (size_t i = 0; i < 2; i++) same_layers(sm_result_layer(r1, i), sm_result_layer(r2, i));
  const sm_layer *L = sm_result_layer(r1, 0);
  assert_int_equal(sm_layer_field_count(L), 16);
  for (size_t c = 0; c < sm_layer_feature_count(L); c++) assert_string_equal(sm_layer_get_string(L, c, col(L, "end")), "2025-02");
  assert_contains(sm_result_text(r1, "cluster_1_where"), "of an incident position at (");
  /* p at its floor 1/100: once in 100 months */
  assert_true(sm_layer_get_double(L, 0, col(L, "p")) == 0.01);
  assert_string_equal(sm_result_text(r1, "cluster_1_recurrence"), "once in 100 months (8.33 years)");
  assert_string_equal(sm_layer_metadata_get(L, "centres"), "incidents");
  assert_null(sm_layer_metadata_get(L, "grid"));
  assert_string_equal(sm_layer_metadata_get(L, "prospective"), "yes");
  /* a one-location cluster is the position itself, not "within 0 m" */
  for (size_t c = 0; c < sm_layer_feature_count(L); c++) {
    char name[48];
    snprintf(name, sizeof name, "cluster_%zu_where", c + 1);
    if (sm_layer_get_int(L, c, col(L, "locations")) == 1) assert_contains(sm_result_text(r1, name), "1 location (the incident position itself) at (");
    assert_null(strstr(sm_result_text(r1, name), "within 0 m"));
  }
  sm_result_destroy(r1);
  sm_result_destroy(r2);
}

/* Cells: fishnet of 500 m inside the wards, quarters (2022-03 to 2025-02: 13 of them), as --grid fishnet --cell 500 --bin quarter. */
static void fishnet_cells(void **state) {
  (void)state;
  sm_scan_run_options o = SM_SCAN_RUN_OPTIONS_INIT;
  assert_ok(ctx, sm_unit_kind_from_name(ctx, "fishnet", &o.grid));
  o.cell_m = 500, o.permutations = 9, o.seed = 2;
  assert_int_equal(sm_bins_parse("quarter", &o.bins), SM_OK);
  sm_result *r = NULL;
  assert_ok(ctx, sm_scan_run(ctx, &r, pts, wards, &o));
  const sm_layer *L = sm_result_layer(r, 0);
  assert_true(strncmp(sm_layer_get_string(L, 0, col(L, "centre")), "cell ", 5) == 0);
  assert_string_equal(sm_layer_metadata_get(L, "grid"), "fishnet");
  assert_string_equal(sm_layer_metadata_get(L, "cell_m"), "500");
  assert_string_equal(sm_layer_metadata_get(L, "bin"), "quarter");
  assert_true(sm_result_figure(r, "steps") == 13 && sm_result_figure(r, "locations") == 80);
  assert_true(sm_result_figure(r, "incidents") == 5671);
  assert_string_equal(sm_result_text(r, "cluster_1_where"), "4 locations within 707 m of a cell centre at (525701, 183797)");
  assert_string_equal(sm_layer_get_string(L, 0, col(L, "start")), "2024-01");
  assert_true(sm_layer_get_double(L, 0, col(L, "observed")) == 120);
  sm_result_destroy(r);
}

/* NULL options: the defaults (the wards, half the steps, 999 replications, seed 0). */
static void defaults(void **state) {
  (void)state;
  sm_result *r = NULL;
  assert_ok(ctx, sm_scan_run(ctx, &r, recent, wards, NULL));
  assert_true(sm_result_figure(r, "steps") == 8 && sm_result_figure(r, "max_window") == 4);
  assert_true(sm_result_figure(r, "permutations") == 999 && sm_result_figure(r, "seed") == 0);
  const sm_layer *L = sm_result_layer(r, 0);
  assert_string_equal(sm_layer_metadata_get(L, "max_share"), "0.5");
  assert_string_equal(sm_layer_metadata_get(L, "max_radius_m"), "0");
  assert_string_equal(sm_layer_metadata_get(L, "grid"), "wards");
  sm_result_destroy(r);
  /* without areas the default (units) has no units */
  assert_int_equal(sm_scan_run(ctx, &r, recent, NULL, NULL), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "give --wards, --grid fishnet --cell M, or --centres incidents");
  assert_null(r);
}

/* Refused by the run; a bad option (SM_E_INVALID_ARG) already by sm_scan_run_options_check() with the same message,
 * before any data, while what depends on the data (SM_E_INPUT) passes the check. */
static void refuse(const sm_scan_run_options *o, const sm_areas *a, sm_status want, const char *msg) {
  sm_result *r = NULL;
  assert_int_equal(sm_scan_run(ctx, &r, pts, a, o), want);
  assert_null(r);
  assert_contains(sm_ctx_last_error(ctx), msg);
  if (want == SM_E_INVALID_ARG) {
    assert_int_equal(sm_scan_run_options_check(ctx, o, a != NULL), SM_E_INVALID_ARG);
    assert_contains(sm_ctx_last_error(ctx), msg);
  } else {
    assert_ok(ctx, sm_scan_run_options_check(ctx, o, a != NULL));
  }
}

static void invalid(void **state) {
  (void)state;
  sm_scan_run_options o;
  assert_int_equal(sm_scan_run_options_init(&o, 0), SM_E_INVALID_ARG);
  assert_int_equal(sm_scan_run_options_init(&o, SM_SCAN_RUN_OPTIONS_VERSION + 1), SM_E_INVALID_ARG);
  assert_ok(ctx, sm_scan_run_options_init(&o, SM_SCAN_RUN_OPTIONS_VERSION));
  o.version = 0;
  refuse(&o, wards, SM_E_INVALID_ARG, "options version 0");
  o.version = SM_SCAN_RUN_OPTIONS_VERSION + 1;
  refuse(&o, wards, SM_E_INVALID_ARG, "options version 2");
  sm_scan_run_options d = SM_SCAN_RUN_OPTIONS_INIT;
  o = d, o.centres = SM_SCAN_CENTRES_INCIDENTS, o.grid = SM_UNIT_FISHNET, o.cell_m = 100;
  refuse(&o, NULL, SM_E_INVALID_ARG, "--centres incidents takes no --grid (each incident position is a location)");
  o = d, o.grid = SM_UNIT_FISHNET;
  refuse(&o, wards, SM_E_INVALID_ARG, "--cell is required (cell size in metres)");
  o.cell_m = -5;
  refuse(&o, wards, SM_E_INVALID_ARG, "--cell needs metres > 0");
  o = d, o.grid = SM_UNIT_AREAS;
  refuse(&o, NULL, SM_E_INVALID_ARG, "--grid wards needs --wards");
  o = d, o.max_share = 2;
  refuse(&o, wards, SM_E_INVALID_ARG, "--max-share needs a share in (0, 1]");
  o = d, o.max_window = 40;
  refuse(&o, wards, SM_E_INPUT, "--max-window 40 steps is longer than the study period (36 steps of a month)");
  o = d, o.centres = (sm_scan_centres)7;
  refuse(&o, wards, SM_E_INVALID_ARG, "--centres");
  /* enum names */
  sm_scan_centres c;
  assert_int_equal(sm_scan_centres_from_name(ctx, "places", &c), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "unknown --centres 'places' (units, incidents)");
  for (int k = 0; k < SM_SCAN_CENTRES_END_; k++) {
    assert_ok(ctx, sm_scan_centres_from_name(ctx, sm_scan_centres_name((sm_scan_centres)k), &c));
    assert_int_equal(c, k);
  }
  assert_null(sm_scan_centres_name(SM_SCAN_CENTRES_END_));
  /* the check alone: the defaults need areas; cells and incident positions do not */
  assert_ok(ctx, sm_scan_run_options_check(ctx, NULL, 1));
  assert_int_equal(sm_scan_run_options_check(ctx, NULL, 0), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "give --wards, --grid fishnet --cell M, or --centres incidents");
  o = d, o.grid = SM_UNIT_HEXAGON, o.cell_m = 250;
  assert_ok(ctx, sm_scan_run_options_check(ctx, &o, 0));
  o = d, o.centres = SM_SCAN_CENTRES_INCIDENTS;
  assert_ok(ctx, sm_scan_run_options_check(ctx, &o, 0));
  o = d, o.bins.unit = SM_BIN_DAYS, o.bins.n_days = 0;
  assert_int_equal(sm_scan_run_options_check(ctx, &o, 1), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--bin: not a time step");
  o = d, o.has_extent = 1, o.extent[0] = 10, o.extent[2] = 5, o.extent[3] = 1;
  assert_int_equal(sm_scan_run_options_check(ctx, &o, 1), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--extent needs xmin < xmax");
  o = d, o.version = 0;
  assert_int_equal(sm_scan_run_options_check(ctx, &o, 1), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "options version 0");
  assert_int_equal(sm_scan_run(ctx, NULL, pts, wards, NULL), SM_E_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(wards_as_cli), cmocka_unit_test(incidents_threads),
                                     cmocka_unit_test(fishnet_cells), cmocka_unit_test(defaults),
                                     cmocka_unit_test(invalid)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
