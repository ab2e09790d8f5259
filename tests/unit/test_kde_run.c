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
  } cases[] = {{0, "options version 0"}, {1, "options version 3"}, {2, "--hotspot-areas"}, {3, "go with --dual"},
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

/* A surface computed and written in bands of rows has the cells of the whole surface, bit for bit, whatever the
 * bands (1, 7, 64 rows; 1 and 2 threads), for the conventions, kernels, a mask, edge correction and adaptive
 * bandwidths; read back from GeoTIFF (Float64), GeoPackage (Float32 like the whole one) and a COG. */
static void bands_equal_whole(void **state) {
  (void)state;
  static const struct {
    sm_kde_convention conv;
    sm_kernel kernel;
    int mask, edge, adaptive;
  } cases[] = {{SM_KDE_DEFAULT, SM_KERNEL_QUARTIC, 1, 0, 0},  {SM_KDE_ARCGIS, SM_KERNEL_QUARTIC, 0, 0, 0},
               {SM_KDE_QGIS_RAW, SM_KERNEL_TRIWEIGHT, 0, 0, 0}, {SM_KDE_SPATSTAT, SM_KERNEL_GAUSSIAN, 0, 1, 0},
               {SM_KDE_DEFAULT, SM_KERNEL_EPANECHNIKOV, 0, 0, 1}};
  static const size_t rows[] = {1, 7, 64};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    sm_kde_run_options o = SM_KDE_RUN_OPTIONS_INIT;
    o.surface.convention = cases[c].conv, o.surface.kernel = cases[c].kernel;
    o.surface.bandwidth_rule = SM_BW_FIXED, o.surface.bandwidth_m = cases[c].conv == SM_KDE_SPATSTAT ? 120 : 300;
    o.surface.cell_m = 40, o.surface.edge = cases[c].edge ? SM_KDE_EDGE_UNIFORM : SM_KDE_EDGE_NONE;
    o.surface.adaptive = cases[c].adaptive;
    sm_areas *mask = cases[c].mask ? wards : NULL;
    sm_result *whole = NULL;
    assert_ok(ctx, sm_kde_run(ctx, &whole, pts, mask, &o));
    const sm_raster *w = sm_result_raster(whole, 0);
    size_t nc = sm_raster_width(w) * sm_raster_height(w);
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
      sm_write_options wo = SM_WRITE_OPTIONS_INIT;
      wo.overwrite = 1, wo.float64 = 1, wo.cog = k == 2;
      o.output = tu_path("bands.tif"), o.write = &wo, o.band_rows = rows[k];
      sm_ctx_set_threads(ctx, (int)(k % 2) + 1);
      sm_result *b = NULL;
      assert_ok(ctx, sm_kde_run(ctx, &b, pts, mask, &o));
      assert_int_equal(sm_result_raster_count(b), 0); /* written in bands: not held */
      assert_true(sm_result_figure(b, "band_rows") == (double)rows[k]);
      assert_true(sm_result_figure(b, "bands") == ceil(sm_result_figure(b, "height") / (double)rows[k]));
      assert_string_equal(sm_result_text(b, "output"), tu_path("bands.tif"));
      static const char *const same[] = {"min", "max", "valid_cells", "width", "height", "locations", "radius_m"};
      for (size_t f = 0; f < sizeof same / sizeof same[0]; f++)
        assert_true(sm_result_figure(b, same[f]) == sm_result_figure(whole, same[f]));
      sm_raster *back = NULL;
      assert_ok(ctx, sm_raster_read(ctx, tu_path("bands.tif"), 1, &back));
      const double *v = sm_raster_values(back), *x = sm_raster_values(w);
      size_t differ = 0;
      for (size_t i = 0; i < nc; i++) differ += isnan(x[i]) ? !(isnan(v[i]) || v[i] == sm_raster_nodata(back)) : v[i] != x[i];
      assert_int_equal(differ, 0);
      sm_raster_destroy(back);
      sm_result_destroy(b);
    }
    /* GeoPackage: Float32 cells, the same as the whole surface written there */
    sm_write_options wo = SM_WRITE_OPTIONS_INIT;
    wo.overwrite = 1;
    assert_ok(ctx, sm_result_write(ctx, whole, tu_path("whole.gpkg"), &wo));
    o.output = tu_path("bands.gpkg"), o.write = &wo, o.band_rows = 5;
    sm_result *b = NULL;
    assert_ok(ctx, sm_kde_run(ctx, &b, pts, mask, &o));
    sm_raster *rw = NULL, *rb = NULL;
    assert_ok(ctx, sm_raster_read(ctx, tu_path("whole.gpkg"), 1, &rw));
    assert_ok(ctx, sm_raster_read(ctx, tu_path("bands.gpkg"), 1, &rb));
    assert_int_equal(memcmp(sm_raster_values(rw), sm_raster_values(rb), nc * sizeof(double)), 0);
    sm_raster_destroy(rw), sm_raster_destroy(rb);
    sm_result_destroy(b);
    sm_result_destroy(whole);
  }
  sm_ctx_set_threads(ctx, 0);
}

/* The memory limit: a surface larger than it goes into bands by itself; one too small for a band of one row, or a
 * surface that must be held whole (hot-spot areas, no output file, keep_surface), is refused before anything is
 * written, naming what it needs. */
static void memory_limit(void **state) {
  (void)state;
  sm_kde_run_options o = SM_KDE_RUN_OPTIONS_INIT;
  o.surface.bandwidth_rule = SM_BW_FIXED, o.surface.bandwidth_m = 250, o.surface.cell_m = 2;
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  o.output = tu_path("limited.tif"), o.write = &wo;
  sm_result *r = NULL;
  /* 3979 x 3461 cells: about 294 MB whole; a band needs the style's sample (8M cells, 134 MB) and a row of blocks */
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_MEMORY, 200e6));
  assert_ok(ctx, sm_kde_run(ctx, &r, pts, NULL, &o));
  assert_true(sm_result_figure(r, "width") == 3979 && sm_result_figure(r, "height") == 3461);
  double br = sm_result_figure(r, "band_rows");
  assert_true(sm_result_figure(r, "bands") == ceil(3461 / br) && br >= 256 && fmod(br, 256) == 0); /* whole blocks */
  assert_true(sm_result_figure(r, "memory_bytes") <= 200e6);
  sm_result_destroy(r);
  remove(tu_path("limited.tif")), remove(tu_path("limited.qml"));
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_MEMORY, 100 * 1048576.0));
  assert_int_equal(sm_kde_run(ctx, &r, pts, NULL, &o), SM_E_INVALID_ARG);
  assert_null(r);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "one band of 1 row of the 3979 x 3461 surface"));
  assert_non_null(strstr(sm_ctx_last_error(ctx), "more than the memory limit of 100 MiB"));
  assert_false(tu_exists(tu_path("limited.tif")));
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_MEMORY, 200e6));
  double pc[] = {50};
  o.hotspot_percents = pc, o.n_hotspot_percents = 1, o.output = tu_path("limited.gpkg");
  assert_int_equal(sm_kde_run(ctx, &r, pts, NULL, &o), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "held whole (for --hotspot-areas)"));
  assert_false(tu_exists(tu_path("limited.gpkg")));
  o.n_hotspot_percents = 0, o.hotspot_percents = NULL, o.output = NULL;
  assert_int_equal(sm_kde_run(ctx, &r, pts, NULL, &o), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "give an output file"));
  o.output = tu_path("limited.tif"), o.keep_surface = 1;
  assert_int_equal(sm_kde_run(ctx, &r, pts, NULL, &o), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "held whole (for --tiles)"));
  assert_false(tu_exists(tu_path("limited.tif")));
  o.keep_surface = 0, o.band_rows = 3, o.output = NULL;
  assert_int_equal(sm_kde_run(ctx, &r, pts, NULL, &o), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "--band-rows goes with an output file"));
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_MEMORY, 0));
  /* sizes as people write them */
  double b = 0;
  assert_ok(ctx, sm_memory_size_from_text(ctx, "512M", &b));
  assert_true(b == 512.0 * 1024 * 1024);
  assert_ok(ctx, sm_memory_size_from_text(ctx, "1.5GiB", &b));
  assert_true(b == 1.5 * 1024 * 1024 * 1024);
  assert_ok(ctx, sm_memory_size_from_text(ctx, "8e9", &b));
  assert_true(b == 8e9);
  assert_ok(ctx, sm_memory_size_from_text(ctx, "50%", &b));
  assert_true(b == sm_limit_default(SM_LIMIT_MEMORY));
  static const char *const bad[] = {"", "-1G", "8X", "G", "150%", "0"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(sm_memory_size_from_text(ctx, bad[i], &b), SM_E_INVALID_ARG);
    assert_non_null(strstr(sm_ctx_last_error(ctx), "is not a size"));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(demo), cmocka_unit_test(extent_and_threads), cmocka_unit_test(refused),
                                     cmocka_unit_test(checked_before_reading), cmocka_unit_test(dual_same), cmocka_unit_test(bands_equal_whole),
                                     cmocka_unit_test(memory_limit)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
