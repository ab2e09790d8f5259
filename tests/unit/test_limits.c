/* The run-size limits (sm_ctx_set_limit): each pipeline refuses, before it allocates, a run larger than a limit,
 * naming the size, the limit and the option; a raised limit lets the run through. And surfaces that would hold
 * infinite values or none are refused, never returned. Through the public API alone. */
#include "testutil.h"

#include <math.h>
#include <string.h>
#include <time.h>

#define CRS "EPSG:27700"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* n points on a line from (x0, y0), 37 m apart, weights w (NULL: 1), times t (NULL: none). */
static sm_points *line_points(sm_ctx *ctx, size_t n, const int64_t *t, const double *w) {
  double x[64], y[64];
  for (size_t i = 0; i < n; i++) x[i] = 527000 + 37.0 * (double)i, y[i] = 183000 + 11.0 * (double)(i % 7);
  sm_points *p = NULL;
  if (sm_points_create(ctx, &p, CRS, n, x, y, t, w) != SM_OK) fail_msg("%s", sm_ctx_last_error(ctx));
  return p;
}

static void ctx_api(void **state) {
  (void)state;
  sm_ctx *ctx = NULL;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  assert_true(sm_ctx_limit(ctx, SM_LIMIT_CELLS) == 4e8);
  assert_true(sm_limit_default(SM_LIMIT_UNITS) == 1e8);
  assert_true(sm_ctx_limit(NULL, SM_LIMIT_STEPS) == 1e5);
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_CELLS, 1e9));
  assert_true(sm_ctx_limit(ctx, SM_LIMIT_CELLS) == 1e9);
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_CELLS, 0)); /* back to the default */
  assert_true(sm_ctx_limit(ctx, SM_LIMIT_CELLS) == 4e8);
  assert_int_equal(sm_ctx_set_limit(ctx, SM_LIMIT_CELLS, -1), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--limit cells");
  assert_int_equal(sm_ctx_set_limit(ctx, SM_LIMIT_CELLS, NAN), SM_E_INVALID_ARG);
  assert_int_equal(sm_ctx_set_limit(ctx, (sm_limit)99, 1), SM_E_INVALID_ARG);
  assert_true(isnan(sm_ctx_limit(ctx, (sm_limit)99)));
  for (int k = 0; k < SM_LIMIT_END_; k++) {
    sm_limit back;
    assert_ok(ctx, sm_limit_from_name(ctx, sm_limit_name((sm_limit)k), &back));
    assert_int_equal(back, k);
  }
  sm_limit l;
  assert_int_equal(sm_limit_from_name(ctx, "cels", &l), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "unknown limit 'cels'");
  assert_string_equal(sm_limit_name((sm_limit)99), "?");
  sm_ctx_destroy(ctx);
}

/* kde: the ctx's limit of cells, and sm_kde_options.max_cells before it. */
static void kde_cells(void **state) {
  (void)state;
  sm_ctx *ctx = NULL;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  sm_points *p = line_points(ctx, 20, NULL, NULL);
  sm_kde_options o = SM_KDE_OPTIONS_INIT;
  o.bandwidth_m = 300, o.cell_m = 10, o.has_extent = 1;
  o.extent[0] = 526500, o.extent[1] = 182500, o.extent[2] = 528500, o.extent[3] = 184500; /* 200 x 200 */
  sm_raster *r = NULL;
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_CELLS, 30000));
  double t0 = now();
  assert_int_equal(sm_kde(ctx, &r, p, &o, NULL), SM_E_INVALID_ARG);
  assert_true(now() - t0 < 2);
  assert_null(r);
  assert_contains(sm_ctx_last_error(ctx), "a 200 x 200 grid (40000 cells");
  assert_contains(sm_ctx_last_error(ctx), "more than the limit of 30000 cells: use a larger --cell");
  assert_contains(sm_ctx_last_error(ctx), "--limit cells=N");
  o.max_cells = 50000; /* the call's own limit first */
  assert_ok(ctx, sm_kde(ctx, &r, p, &o, NULL));
  sm_raster_destroy(r), r = NULL;
  o.max_cells = 0;
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_CELLS, 50000));
  assert_ok(ctx, sm_kde(ctx, &r, p, &o, NULL));
  sm_raster_destroy(r);
  sm_points_destroy(p);
  sm_ctx_destroy(ctx);
}

static void promap_cells(void **state) {
  (void)state;
  sm_ctx *ctx = NULL;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  double x[] = {527010, 527500}, y[] = {183010, 183400}, t[] = {0, 1}, e[4] = {527000, 183000, 529000, 185000};
  sm_promap_options po = SM_PROMAP_OPTIONS_INIT;
  po.cell_m = 10; /* 200 x 200 */
  sm_raster *r = NULL;
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_CELLS, 39999));
  assert_int_equal(sm_promap(ctx, &r, 2, x, y, t, 2, e, CRS, &po), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "a 200 x 200 grid of 10 m cells (40000 cells");
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_CELLS, 40000));
  assert_ok(ctx, sm_promap(ctx, &r, 2, x, y, t, 2, e, CRS, &po));
  sm_raster_destroy(r);
  sm_ctx_destroy(ctx);
}

static void fishnet_units(void **state) {
  (void)state;
  sm_ctx *ctx = NULL;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  double e[4] = {527000, 183000, 528000, 184000};
  sm_units *u = NULL;
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_UNITS, 99));
  assert_int_equal(sm_units_fishnet(ctx, &u, e, 100, CRS, NULL), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "a 10 x 10 fishnet (100 cells");
  assert_contains(sm_ctx_last_error(ctx), "--limit units=N");
  assert_int_equal(sm_units_hexagons(ctx, &u, e, 100, CRS, NULL), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "hexagon grid");
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_UNITS, 100));
  assert_ok(ctx, sm_units_fishnet(ctx, &u, e, 100, CRS, NULL));
  sm_units_destroy(u);
  sm_ctx_destroy(ctx);
}

/* the cube: steps from the first incident to the last, and places x steps */
static void cube_steps_bins(void **state) {
  (void)state;
  sm_ctx *ctx = NULL;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  int64_t t[4] = {0, 86400 * 10, 86400 * 20, 86400 * 99}; /* 100 days */
  sm_points *p = line_points(ctx, 4, t, NULL);
  int32_t unit[4] = {0, 1, 2, 3};
  sm_bins b = {SM_BIN_DAY, 0, SM_TIME_MISSING};
  sm_cube *c = NULL;
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_STEPS, 99));
  assert_int_equal(sm_cube_create(ctx, &c, p, unit, 4, &b), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "the span from the first incident to the last in steps of a day (100 time steps)");
  assert_contains(sm_ctx_last_error(ctx), "--limit steps=N");
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_STEPS, 100));
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_BINS, 399));
  assert_int_equal(sm_cube_create(ctx, &c, p, unit, 4, &b), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "a space-time cube of 4 places x 100 steps (400 space-time cells");
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_BINS, 400));
  assert_ok(ctx, sm_cube_create(ctx, &c, p, unit, 4, &b));
  sm_cube_destroy(c);
  sm_points_destroy(p);
  sm_ctx_destroy(ctx);
}

/* scan: circle entries, then replications x entries */
static void scan_circles_permutations(void **state) {
  (void)state;
  sm_ctx *ctx = NULL;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  enum { L = 30, T = 4 };
  double x[L], y[L], counts[L * T];
  for (size_t l = 0; l < L; l++) {
    x[l] = 527000 + 100.0 * (double)(l % 6), y[l] = 183000 + 100.0 * (double)(l / 6);
    for (size_t t = 0; t < T; t++) counts[l * T + t] = (double)((l * 7 + t * 3) % 5);
  }
  sm_scan_options o = SM_SCAN_OPTIONS_INIT;
  o.permutations = 99;
  sm_scan_result *res = NULL;
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_CIRCLES, 10));
  assert_int_equal(sm_scan(ctx, L, x, y, T, counts, &o, &res), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "the circles of 30 centres");
  assert_contains(sm_ctx_last_error(ctx), "--limit circles=N");
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_CIRCLES, 0));
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_PERMUTATIONS, 1000));
  assert_int_equal(sm_scan(ctx, L, x, y, T, counts, &o, &res), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "99 replications x");
  assert_contains(sm_ctx_last_error(ctx), "--limit permutations=N");
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_PERMUTATIONS, 1e6));
  assert_ok(ctx, sm_scan(ctx, L, x, y, T, counts, &o, &res));
  sm_scan_result_destroy(res);
  sm_ctx_destroy(ctx);
}

/* near-repeat: close pairs, then permutations x pairs */
static void knox_pairs_permutations(void **state) {
  (void)state;
  sm_ctx *ctx = NULL;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  enum { N = 40 };
  double x[N], y[N], t[N];
  for (size_t i = 0; i < N; i++) x[i] = 527000 + 10.0 * (double)i, y[i] = 183000, t[i] = (double)(i * 7 % 30);
  double sb[] = {0, 100, 200}, tb[] = {0, 7, 14};
  sm_knox_options o = SM_KNOX_OPTIONS_INIT;
  o.space_breaks = sb, o.n_space = 3, o.time_breaks = tb, o.n_time = 3, o.permutations = 99;
  sm_knox *k = NULL;
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_PAIRS, 100));
  assert_int_equal(sm_knox_test(ctx, N, x, y, t, &o, &k), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "the close pairs (within the last --space-band)");
  assert_contains(sm_ctx_last_error(ctx), "--limit pairs=N");
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_PAIRS, 0));
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_PERMUTATIONS, 1000));
  assert_int_equal(sm_knox_test(ctx, N, x, y, t, &o, &k), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "99 permutations x");
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_PERMUTATIONS, 1e6));
  assert_ok(ctx, sm_knox_test(ctx, N, x, y, t, &o, &k));
  sm_knox_destroy(k);
  k = NULL; /* the permutations' tables and dates within the memory limit */
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_MEMORY, 1000));
  assert_int_equal(sm_knox_test(ctx, N, x, y, t, &o, &k), SM_E_INVALID_ARG);
  assert_null(k);
  assert_contains(sm_ctx_last_error(ctx), "the Knox test of 40 events with 99 permutations");
  assert_contains(sm_ctx_last_error(ctx), "more than the memory limit of 1 KiB");
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_MEMORY, 0));
  sm_ctx_destroy(ctx);
}

/* the back-test: its steps x 3 surfaces x cells, before the first surface */
static void backtest_bins(void **state) {
  (void)state;
  sm_ctx *ctx = NULL;
  sm_points *pts = NULL;
  sm_areas *wards = NULL;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  sm_read_options ro = SM_READ_OPTIONS_INIT;
  ro.skip_labels = 1;
  assert_int_equal(tu_read_camden(ctx, &pts, &wards, &ro), 0);
  sm_backtest_options o = SM_BACKTEST_OPTIONS_INIT;
  o.cell_m = 200;
  sm_result *r = NULL;
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_BINS, 1000));
  double t0 = now();
  assert_int_equal(sm_backtest_run(ctx, &r, pts, wards, &o), SM_E_INVALID_ARG);
  assert_true(now() - t0 < 2);
  assert_contains(sm_ctx_last_error(ctx), "the back-test's 24 steps x 3 surfaces of");
  assert_contains(sm_ctx_last_error(ctx), "--limit bins=N");
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_STEPS, 35));
  assert_int_equal(sm_backtest_run(ctx, &r, pts, wards, &o), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "the incidents' 36 months");
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_STEPS, 0));
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_BINS, 1e7));
  assert_ok(ctx, sm_backtest_run(ctx, &r, pts, wards, &o));
  sm_result_destroy(r);
  tu_free_camden(ctx, pts, wards);
}

/* A back-test step with no incident: no row of empty scores, a warning in the table's metadata. */
static void backtest_empty_step(void **state) {
  (void)state;
  sm_ctx *ctx = NULL;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  enum { N = 60 };
  int64_t t[N];
  for (size_t i = 0; i < N; i++) { /* months 0 .. 14 of 2024-2025, none in month 13 */
    int m = (int)(i % 15);
    if (m == 13) m = 12;
    t[i] = (int64_t)(1704067200 + (int64_t)m * 31 * 86400 + 86400 * 2);
  }
  sm_points *p = line_points(ctx, N, t, NULL);
  sm_backtest_options o = SM_BACKTEST_OPTIONS_INIT;
  o.warmup = 12;
  sm_result *r = NULL;
  assert_ok(ctx, sm_backtest_run(ctx, &r, p, NULL, &o));
  const sm_layer *L = sm_result_layer(r, 0);
  for (size_t row = 0; row < sm_layer_feature_count(L); row++) assert_false(isnan(sm_layer_get_double(L, row, 7)));
  assert_int_equal(sm_layer_feature_count(L), 2 * 3); /* two scored months x three methods */
  assert_contains(sm_layer_metadata_get(L, "warnings"), "1 of the 3 steps after the warm-up have no incident on the grid");
  sm_result_destroy(r);
  sm_points_destroy(p);
  sm_ctx_destroy(ctx);
}

/* kde: weights whose sum overflows, a cell that overflows, a dual surface with no value */
static void kde_non_finite(void **state) {
  (void)state;
  sm_ctx *ctx = NULL;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  double w[4] = {1e308, 1e308, 1e308, 1e308};
  sm_points *p = line_points(ctx, 4, NULL, w);
  sm_kde_options o = SM_KDE_OPTIONS_INIT;
  o.bandwidth_m = 300, o.cell_m = 20;
  sm_raster *r = NULL;
  assert_int_equal(sm_kde(ctx, &r, p, &o, NULL), SM_E_INPUT);
  assert_null(r);
  assert_contains(sm_ctx_last_error(ctx), "the weights (--weight) add up to more than a number can hold");
  sm_points_destroy(p);
  /* the total holds, but the density per square kilometre does not */
  double w2[2] = {8e307, 8e307};
  double x2[2] = {527000, 527000.5}, y2[2] = {183000, 183000};
  assert_ok(ctx, sm_points_create(ctx, &p, CRS, 2, x2, y2, NULL, w2));
  o.bandwidth_m = 50, o.cell_m = 5, o.units = SM_KDE_PER_KM2;
  assert_int_equal(sm_kde(ctx, &r, p, &o, NULL), SM_E_INPUT);
  assert_null(r);
  assert_contains(sm_ctx_last_error(ctx), "cells of the density are infinite");
  sm_points_destroy(p);
  /* two sets far apart: the log ratio has no value anywhere */
  double xa[3] = {524000, 524100, 524200}, xb[3] = {531000, 531100, 531200}, yy[3] = {183000, 183050, 183100};
  sm_points *a = NULL, *b = NULL;
  assert_ok(ctx, sm_points_create(ctx, &a, CRS, 3, xa, yy, NULL, NULL));
  assert_ok(ctx, sm_points_create(ctx, &b, CRS, 3, xb, yy, NULL, NULL));
  sm_kde_options d = SM_KDE_OPTIONS_INIT;
  d.bandwidth_m = 300, d.cell_m = 25;
  assert_int_equal(sm_kde_dual(ctx, &r, a, b, &d, SM_KDE_LOG_RATIO, 0, 0, NULL), SM_E_INPUT);
  assert_null(r);
  assert_contains(sm_ctx_last_error(ctx), "no cell of the dual surface has a value");
  /* the ratio is 0 wherever it has a value: written, with a warning */
  assert_ok(ctx, sm_kde_dual(ctx, &r, a, b, &d, SM_KDE_RATIO, 0, 0, NULL));
  assert_contains(sm_raster_metadata_get(r, "warnings"), "the ratio is 0 wherever it has a value");
  sm_raster_destroy(r);
  sm_points_destroy(a), sm_points_destroy(b);
  sm_ctx_destroy(ctx);
}

/* The memory limit: its default is half the machine's memory; the distance-band weights that would not fit are
 * refused after counting the pairs, before the pairs are allocated, naming them and what they need. */
static void memory_weights(void **state) {
  (void)state;
  sm_ctx *ctx = NULL;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  double def = sm_limit_default(SM_LIMIT_MEMORY);
  assert_true(def > 1e8 && def == sm_ctx_limit(ctx, SM_LIMIT_MEMORY));
  assert_string_equal(sm_limit_name(SM_LIMIT_MEMORY), "memory");
  double x[400], y[400];
  for (size_t i = 0; i < 400; i++) x[i] = 527000 + 10.0 * (double)(i % 20), y[i] = 183000 + 10.0 * (double)(i / 20);
  sm_weights *w = NULL;
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_MEMORY, 1000)); /* 1000 bytes: not 400 units' neighbours */
  assert_int_equal(sm_weights_distance_band(ctx, &w, 400, x, y, 25, 1, 1.0), SM_E_INVALID_ARG);
  assert_null(w);
  assert_contains(sm_ctx_last_error(ctx), "the table of distance-band weights of 400 units (");
  assert_contains(sm_ctx_last_error(ctx), "more than the memory limit of 1 KiB");
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_MEMORY, 0));
  assert_ok(ctx, sm_weights_distance_band(ctx, &w, 400, x, y, 25, 1, 1.0));
  sm_weights_destroy(w);
  sm_ctx_destroy(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ctx_api),          cmocka_unit_test(kde_cells),
      cmocka_unit_test(promap_cells),     cmocka_unit_test(fishnet_units),
      cmocka_unit_test(cube_steps_bins),  cmocka_unit_test(scan_circles_permutations),
      cmocka_unit_test(knox_pairs_permutations), cmocka_unit_test(backtest_bins),
      cmocka_unit_test(backtest_empty_step), cmocka_unit_test(kde_non_finite),
      cmocka_unit_test(memory_weights),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
