/* kde_run: sm_kde_run on the bundled Camden data equals what `safemap kde` writes */
#include "testutil.h"

#include <math.h>
#include <string.h>

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

/* The README demo: --wards --bandwidth 250 --cell 25 --hotspot-areas 50,75,90 (numbers from the CLI run). */
static void demo(void **state) {
  (void)state;
  sm_kde_run_options o = SM_KDE_RUN_OPTIONS_INIT;
  double pc[] = {50, 75, 90};
  o.surface.bandwidth_rule = SM_BW_FIXED, o.surface.bandwidth_m = 250, o.surface.cell_m = 25;
  o.hotspot_percents = pc, o.n_hotspot_percents = 3;
  sm_result *r = NULL;
  assert_ok(ctx, sm_kde_run(ctx, &r, pts, wards, &o));
  assert_int_equal(sm_result_raster_count(r), 1);
  assert_int_equal(sm_result_layer_count(r), 1);
  sm_raster *k = sm_result_raster(r, 0);
  sm_layer *h = sm_result_layer(r, 0);
  assert_string_equal(sm_raster_metadata_get(k, "name"), "kde");
  assert_string_equal(sm_layer_name(h), "kde_hotspot_areas");
  assert_true(sm_result_figure(r, "points") == 6416 && sm_result_figure(r, "locations") == 1597);
  assert_true(sm_result_figure(r, "width") == 305 && sm_result_figure(r, "height") == 260);
  assert_true(sm_result_figure(r, "bandwidth_m") == 250 && sm_result_figure(r, "radius_m") == 250);
  assert_true(fabs(sm_result_figure(r, "max") - 1814.45) < 0.01);
  assert_string_equal(sm_result_text(r, "kernel"), "quartic");
  assert_string_equal(sm_result_text(r, "rule"), "fixed");
  assert_string_equal(sm_result_text(r, "units"), "points per square kilometre");
  assert_true(sm_result_figure(r, "hotspot_areas") == 3);
  assert_true(fabs(sm_result_figure(r, "hotspot_0_km2") - 4.816) < 5e-4);
  assert_true(fabs(sm_result_figure(r, "hotspot_2_valid_share") - 61.3) < 0.05);
  /* the 9 police.uk locations just south of the wards' extent: explained, not a warning */
  assert_true(sm_result_figure(r, "locations_outside_grid") == 9 && sm_result_figure(r, "points_outside_grid") == 29);
  assert_non_null(strstr(sm_result_text(r, "outside_grid_note"), "9 incident locations (29 points) lie just outside the wards' extent"));
  assert_non_null(strstr(sm_raster_metadata_get(k, "outside_grid"), "the surface is complete"));
  assert_null(sm_raster_metadata_get(k, "warnings"));
  assert_string_equal(sm_raster_metadata_get(k, "bandwidth_m"), "250.000000");
  assert_string_equal(sm_raster_metadata_get(k, "mask"), "45002 cells outside the study area set to nodata");
  assert_string_equal(sm_raster_metadata_get(k, "input_rows_read"), "6416");
  assert_non_null(strstr(sm_raster_metadata_get(k, "options"), "--bandwidth 250 --cell 25"));
  assert_string_equal(sm_layer_metadata_get(h, "hotspot_areas"), "50,75,90");
  assert_string_equal(sm_layer_metadata_get(h, "bandwidth_m"), "250.000000");
  assert_string_equal(sm_layer_metadata_get(h, "input_points"), "6416");
  sm_result_destroy(r);
}

/* A given --extent that leaves points outside: a warning, in "warnings". Same bits for 1 and 2 threads. */
static void extent_and_threads(void **state) {
  (void)state;
  sm_kde_run_options o;
  assert_ok(ctx, sm_kde_run_options_init(&o, SM_KDE_RUN_OPTIONS_VERSION));
  o.surface.bandwidth_rule = SM_BW_FIXED, o.surface.bandwidth_m = 300, o.surface.cell_m = 50;
  o.surface.has_extent = 1;
  double e[4] = {527000, 183000, 529000, 185000};
  memcpy(o.surface.extent, e, sizeof e);
  sm_result *a = NULL, *b = NULL;
  sm_ctx_set_threads(ctx, 1);
  assert_ok(ctx, sm_kde_run(ctx, &a, pts, NULL, &o));
  sm_ctx_set_threads(ctx, 2);
  assert_ok(ctx, sm_kde_run(ctx, &b, pts, NULL, &o));
  sm_raster *ra = sm_result_raster(a, 0), *rb = sm_result_raster(b, 0);
  size_t n = sm_raster_width(ra) * sm_raster_height(ra);
  assert_int_equal(memcmp(sm_raster_values(ra), sm_raster_values(rb), n * sizeof(double)), 0);
  assert_non_null(strstr(sm_raster_metadata_get(ra, "warnings"), "outside the grid's extent (--extent)"));
  assert_true(sm_result_figure(a, "hotspot_areas") == 0);
  sm_result_destroy(a);
  sm_result_destroy(b);
  /* opts NULL: the defaults (Silverman radius, the points' extent grown by it) */
  assert_ok(ctx, sm_kde_run(ctx, &a, pts, NULL, NULL));
  assert_string_equal(sm_result_text(a, "rule"), "spatial Silverman (ArcGIS default radius)");
  assert_true(sm_result_figure(a, "locations_outside_grid") == 0);
  sm_result_destroy(a);
}

/* Versions and option combinations refused, with the option named as on the command line. */
static void refused(void **state) {
  (void)state;
  sm_kde_run_options o;
  assert_int_equal(sm_kde_run_options_init(&o, 0), SM_E_INVALID_ARG);
  assert_int_equal(sm_kde_run_options_init(&o, SM_KDE_RUN_OPTIONS_VERSION + 1), SM_E_INVALID_ARG);
  static const struct {
    int what;
    const char *msg;
  } cases[] = {{0, "options version 0"}, {1, "options version 2"}, {2, "--hotspot-areas"}, {3, "go with --dual"},
               {4, "go with --adaptive"}, {5, "--cell"}, {6, "--epsilon"}, {7, "--gaussian-cutoff"}};
  double bad[] = {150};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sm_kde_run_options_init(&o, SM_KDE_RUN_OPTIONS_VERSION);
    switch (cases[i].what) {
    case 0: o.version = 0; break;
    case 1: o.version = SM_KDE_RUN_OPTIONS_VERSION + 1; break;
    case 2: o.hotspot_percents = bad, o.n_hotspot_percents = 1; break;
    case 3: o.normalise = 1; break;
    case 4: o.surface.adaptive_trim = 3; break;
    case 5: o.surface.cell_m = -1; break;
    case 6: o.compare = pts, o.epsilon = -1; break;
    default: o.surface.gaussian_cutoff = 0.5; break;
    }
    sm_result *r = NULL;
    assert_int_equal(sm_kde_run(ctx, &r, pts, NULL, &o), SM_E_INVALID_ARG);
    assert_null(r);
    assert_non_null(strstr(sm_ctx_last_error(ctx), cases[i].msg));
  }
  sm_kde_edge e;
  assert_int_equal(sm_kde_edge_from_name(ctx, "sideways", &e), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "unknown --edge 'sideways' (none, uniform, diggle)"));
  sm_bw_rule br;
  assert_ok(ctx, sm_bw_rule_from_name(ctx, "diggle", &br));
  assert_int_equal(br, SM_BW_DIGGLE);
  assert_string_equal(sm_bw_rule_name(SM_BW_PPL), "ppl");
  sm_kde_dual_op d;
  assert_ok(ctx, sm_kde_dual_op_from_name(ctx, "log-ratio", &d));
  assert_string_equal(sm_kde_dual_op_name(d), "log-ratio");
}

/* sm_kde_run_options_check refuses before any data is read what the run refuses, with the same message; what
 * needs B's points (--normalise without compare) is left to the run. */
static void checked_before_reading(void **state) {
  (void)state;
  static const struct {
    int what, areas;
    const char *msg;
  } cases[] = {{0, 0, "options version 0"}, {1, 0, "--hotspot-areas"}, {2, 0, "go with --adaptive"}, {3, 0, "--cell"},
               {4, 0, "--gaussian-cutoff"}, {5, 0, "--epsilon"}, {6, 0, "the bandwidth must be a distance > 0 in metres, not 0"},
               {7, 1, "cannot be combined with a study-area mask"}};
  double bad[] = {50, 0};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sm_kde_run_options o = SM_KDE_RUN_OPTIONS_INIT;
    switch (cases[i].what) {
    case 0: o.version = 0; break;
    case 1: o.hotspot_percents = bad, o.n_hotspot_percents = 2; break;
    case 2: o.surface.pilot_bandwidth_m = 100; break;
    case 3: o.surface.cell_m = -1; break;
    case 4: o.surface.gaussian_cutoff = 0.5; break;
    case 5: o.epsilon = -1; break;
    case 6: o.surface.bandwidth_rule = SM_BW_FIXED; break;
    default: o.surface.edge = SM_KDE_EDGE_UNIFORM; break;
    }
    assert_int_equal(sm_kde_run_options_check(ctx, &o, cases[i].areas), SM_E_INVALID_ARG);
    if (!strstr(sm_ctx_last_error(ctx), cases[i].msg)) fail_msg("case %d: '%s'", cases[i].what, sm_ctx_last_error(ctx));
    sm_result *r = NULL;
    assert_int_equal(sm_kde_run(ctx, &r, pts, cases[i].areas ? wards : NULL, &o), SM_E_INVALID_ARG);
    assert_null(r);
    if (!strstr(sm_ctx_last_error(ctx), cases[i].msg)) fail_msg("run, case %d: '%s'", cases[i].what, sm_ctx_last_error(ctx));
  }
  sm_kde_run_options o = SM_KDE_RUN_OPTIONS_INIT;
  assert_ok(ctx, sm_kde_run_options_check(ctx, NULL, 0));
  o.surface.edge = SM_KDE_EDGE_UNIFORM;
  assert_ok(ctx, sm_kde_run_options_check(ctx, &o, 0)); /* no mask: allowed */
  o = (sm_kde_run_options)SM_KDE_RUN_OPTIONS_INIT;
  o.normalise = 1, o.epsilon = 0.01; /* compare is set once B is read */
  assert_ok(ctx, sm_kde_run_options_check(ctx, &o, 1));
  o.surface.bandwidth_rule = SM_BW_FIXED, o.surface.bandwidth_m = 250;
  assert_ok(ctx, sm_kde_run_options_check(ctx, &o, 0));
}

/* A dual surface of a set against itself is 0 wherever defined. */
static void dual_same(void **state) {
  (void)state;
  sm_kde_run_options o = SM_KDE_RUN_OPTIONS_INIT;
  o.surface.bandwidth_rule = SM_BW_FIXED, o.surface.bandwidth_m = 300, o.surface.cell_m = 100;
  o.compare = pts;
  sm_result *r = NULL;
  assert_ok(ctx, sm_kde_run(ctx, &r, pts, NULL, &o));
  assert_true(sm_result_figure(r, "min") == 0 && sm_result_figure(r, "max") == 0);
  assert_non_null(strstr(sm_raster_metadata_get(sm_result_raster(r, 0), "options"), "--dual difference"));
  sm_result_destroy(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(demo), cmocka_unit_test(extent_and_threads), cmocka_unit_test(refused),
                                     cmocka_unit_test(checked_before_reading), cmocka_unit_test(dual_same)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
