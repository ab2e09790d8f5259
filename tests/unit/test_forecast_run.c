/* sm_forecast_run, sm_backtest_run: the pipelines behind 'safemap forecast' on the bundled Camden burglaries, through
 * the public API alone; the numbers are the command line's (tests/cli/test_forecast.sh, a run of the CLI). */
#include "testutil.h"

#include <math.h>
#include <string.h>

static sm_ctx *ctx;
static sm_points *pts;
static sm_areas *wards;

static int setup(void **state) {
  (void)state;
  if (sm_ctx_create(&ctx) != SM_OK) return 1;
  sm_read_options ro = SM_READ_OPTIONS_INIT;
  ro.skip_labels = 1;
  return tu_read_camden(ctx, &pts, &wards, &ro);
}

static int teardown(void **state) {
  (void)state;
  tu_free_camden(ctx, pts, wards);
  return 0;
}

/* The row of `L` whose first two string columns are step and method at coverage `cov`; fails when none. */
static size_t row_of(const sm_layer *L, const char *step, const char *method, double cov) {
  for (size_t r = 0; r < sm_layer_feature_count(L); r++)
    if (!strcmp(sm_layer_get_string(L, r, 0), step) && !strcmp(sm_layer_get_string(L, r, 2), method) &&
        sm_layer_get_double(L, r, 3) == cov)
      return r;
  fail_msg("no row %s %s %g", step, method, cov);
  return 0;
}

static void assert_meta(const sm_layer *L, const char *key, const char *want) {
  const char *v = sm_layer_metadata_get(L, key);
  if (!v || strcmp(v, want)) fail_msg("%s: '%s', want '%s'", key, v ? v : "(none)", want);
}

static void assert_status_msg(sm_status got, sm_status want, const char *text) {
  if (got != want) fail_msg("status %s, want %s (%s)", sm_status_str(got), sm_status_str(want), sm_ctx_last_error(ctx));
  assert_contains(sm_ctx_last_error(ctx), text);
}

/* The default back-test (warm-up 12 months, 5% coverage): 24 months x 3 methods, the CLI's rows and means. */
static void backtest_defaults(void **state) {
  (void)state;
  sm_result *r = NULL;
  assert_ok(ctx, sm_backtest_run(ctx, &r, pts, wards, NULL));
  assert_int_equal(sm_result_layer_count(r), 1);
  assert_int_equal(sm_result_raster_count(r), 0);
  const sm_layer *L = sm_result_layer_named(r, "backtest");
  assert_non_null(L);
  assert_int_equal(sm_layer_feature_count(L), 72);
  assert_string_equal(sm_layer_field_name(L, 0), "month");
  size_t k = row_of(L, "2025-02", "kde", 0.05);
  assert_int_equal(sm_layer_get_int(L, k, 1), 177);
  assert_int_equal(sm_layer_get_int(L, k, 4), 995);
  assert_true(sm_layer_get_double(L, k, 6) == 48);
  assert_true(fabs(sm_layer_get_double(L, k, 7) - 0.271186440677966) < 1e-14);
  assert_true(fabs(sm_layer_get_double(L, k, 8) - 5.42100332169321) < 1e-13);
  k = row_of(L, "2023-03", "promap", 0.05);
  assert_int_equal(sm_layer_get_int(L, k, 1), 157);
  assert_true(sm_layer_get_double(L, k, 6) == 42);
  row_of(L, "2025-02", "last_month", 0.05);
  assert_true(sm_result_figure(r, "steps") == 36 && sm_result_figure(r, "warmup") == 12);
  assert_true(sm_result_figure(r, "steps_scored") == 24 && sm_result_figure(r, "coverage") == 0.05);
  /* the CLI: ProMap hit 31.6% PAI 6.32; KDE hit 35.5% PAI 7.09; last month hit 21.9% PAI 4.37 */
  assert_true(fabs(sm_result_figure(r, "mean_hit_rate_promap") - 0.316) < 5e-4);
  assert_true(fabs(sm_result_figure(r, "mean_pai_promap") - 6.32) < 5e-3);
  assert_true(fabs(sm_result_figure(r, "mean_hit_rate_kde") - 0.355) < 5e-4);
  assert_true(fabs(sm_result_figure(r, "mean_pai_kde") - 7.09) < 5e-3);
  assert_true(fabs(sm_result_figure(r, "mean_hit_rate_last") - 0.219) < 5e-4);
  assert_true(fabs(sm_result_figure(r, "mean_pai_last") - 4.37) < 5e-3);
  /* the means are those of the table's rows */
  double sum = 0;
  for (size_t i = 0; i < sm_layer_feature_count(L); i++)
    if (!strcmp(sm_layer_get_string(L, i, 2), "promap") && !sm_layer_is_null(L, i, 8)) sum += sm_layer_get_double(L, i, 8);
  assert_true(fabs(sum / 24 - sm_result_figure(r, "mean_pai_promap")) < 1e-12);
  assert_string_equal(sm_result_text(r, "bin"), "month");
  assert_string_equal(sm_result_text(r, "first_step"), "2022-03");
  assert_string_equal(sm_result_text(r, "last_step"), "2025-02");
  assert_string_equal(sm_result_text(r, "first_scored"), "2023-03");
  assert_contains(sm_layer_metadata_get(L, "method"), "rolling-origin back-test by month: ProMap (50 m cells, < 8 cells, < 2 months)");
  assert_meta(L, "warmup", "12");
  assert_meta(L, "coverage", "0.05");
  assert_meta(L, "kde_months", "12");
  assert_meta(L, "input_points", "6416");
  assert_meta(L, "time_span", "2022-03 to 2025-02");
  assert_contains(sm_layer_metadata_get(L, "input_areas"), "20 ");
  /* to CSV: the table alone */
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  assert_ok(ctx, sm_result_write(ctx, r, tu_path("bt.csv"), &wo));
  const char *cols[] = {"hits"};
  double hits[80];
  assert_int_equal(tu_read_columns(tu_path("bt.csv"), 1, cols, hits, 80), 72);
  sm_result_destroy(r);
}

/* Bit for bit the same table for 1 and 2 threads (the KDE is parallel), with several coverages. */
static void backtest_threads(void **state) {
  (void)state;
  const double cov[] = {0.01, 0.05, 0.1};
  sm_backtest_options o;
  assert_ok(ctx, sm_backtest_options_init(&o, SM_BACKTEST_OPTIONS_VERSION));
  o.coverages = cov, o.n_coverages = 3, o.warmup = 30;
  sm_result *r[2] = {NULL, NULL};
  for (int t = 0; t < 2; t++) {
    sm_ctx_set_threads(ctx, t + 1);
    assert_ok(ctx, sm_backtest_run(ctx, &r[t], pts, wards, &o));
  }
  sm_ctx_set_threads(ctx, 0);
  const sm_layer *A = sm_result_layer(r[0], 0), *B = sm_result_layer(r[1], 0);
  assert_int_equal(sm_layer_feature_count(A), 6 * 3 * 3);
  assert_int_equal(sm_layer_feature_count(B), 6 * 3 * 3);
  for (size_t i = 0; i < sm_layer_feature_count(A); i++)
    for (size_t f = 3; f < 10; f++) {
      if (f == 4) continue;
      double a = sm_layer_get_double(A, i, f), b = sm_layer_get_double(B, i, f);
      assert_memory_equal(&a, &b, sizeof a);
    }
  assert_meta(A, "coverage", "0.01,0.05,0.1");
  assert_meta(A, "warmup", "30");
  sm_result_destroy(r[0]), sm_result_destroy(r[1]);
}

/* Defaults: ProMap for the month after the data (2025-03), on the wards' grid, its top 5% of cells; nothing to score. */
static void forecast_defaults(void **state) {
  (void)state;
  sm_result *r = NULL;
  assert_ok(ctx, sm_forecast_run(ctx, &r, pts, wards, NULL));
  assert_int_equal(sm_result_raster_count(r), 1);
  assert_int_equal(sm_result_layer_count(r), 1);
  const sm_raster *R = sm_result_raster(r, 0);
  assert_int_equal(sm_raster_width(R), 153);
  assert_int_equal(sm_raster_height(R), 130);
  assert_string_equal(sm_raster_metadata_get(R, "name"), "promap");
  assert_string_equal(sm_raster_metadata_get(R, "at"), "2025-03");
  assert_string_equal(sm_raster_metadata_get(R, "forecast_method"), "promap");
  assert_string_equal(sm_raster_metadata_get(R, "time_bandwidth"), "2");
  assert_string_equal(sm_raster_metadata_get(R, "input_points"), "6416");
  assert_non_null(sm_raster_metadata_get(R, "description"));
  assert_non_null(sm_raster_metadata_get(R, "units"));
  assert_contains(sm_raster_metadata_get(R, "method"), "ProMap: w = 1/(1+d) 1/(1+age), Chebyshev grid distance < 8 cells of 50 m, age < 2");
  assert_contains(sm_raster_metadata_get(R, "grid_extent"), "wards' extent");
  const sm_layer *T = sm_result_layer_named(r, "promap_top");
  assert_non_null(T);
  assert_int_equal(sm_layer_feature_count(T), 995);
  assert_int_equal(sm_layer_get_int(T, 0, 0), 1);
  for (size_t i = 1; i < 995; i++) assert_true(sm_layer_get_double(T, i, 1) <= sm_layer_get_double(T, i - 1, 1));
  assert_meta(T, "method", "the top 5% of the promap cells for 2025-03 (risk > 0)");
  assert_meta(T, "at", "2025-03");
  assert_null(sm_result_layer_named(r, "evaluation"));
  assert_true(sm_result_figure(r, "scored") == 0 && sm_result_figure(r, "incidents") == 0);
  assert_true(sm_result_figure(r, "width") == 153 && sm_result_figure(r, "height") == 130 && sm_result_figure(r, "cell_m") == 50);
  assert_string_equal(sm_result_text(r, "method"), "promap");
  assert_string_equal(sm_result_text(r, "at"), "2025-03");
  /* a GeoPackage (surface, top cells) and a GeoTIFF; no CSV for a surface */
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  assert_ok(ctx, sm_result_write(ctx, r, tu_path("pm.gpkg"), &wo));
  assert_ok(ctx, sm_result_write(ctx, r, tu_path("pm.tif"), &wo));
  assert_int_equal(sm_result_write(ctx, r, tu_path("pm.csv"), &wo), SM_E_INVALID_ARG);
  sm_result_destroy(r);
}

/* A month that has happened: scored as the back-test scores it (ProMap 2025-02: 44 of 177, PAI 4.97, the install
 * test's example); the KDE's surface is the same for 1 and 2 threads. */
static void forecast_scored(void **state) {
  (void)state;
  sm_forecast_options o = SM_FORECAST_OPTIONS_INIT;
  o.at = "2025-02";
  sm_result *r = NULL;
  assert_ok(ctx, sm_forecast_run(ctx, &r, pts, wards, &o));
  const sm_layer *E = sm_result_layer_named(r, "evaluation");
  assert_non_null(E);
  assert_int_equal(sm_layer_feature_count(E), 1);
  assert_int_equal(sm_layer_get_int(E, 0, 1), 177);
  assert_true(sm_layer_get_double(E, 0, 6) == 44);
  assert_true(fabs(sm_layer_get_double(E, 0, 8) - 4.96925304488544) < 1e-13);
  assert_meta(E, "method", "the promap surface scored against the incidents of 2025-02");
  assert_true(sm_result_figure(r, "scored") == 1 && sm_result_figure(r, "incidents") == 177);
  assert_true(fabs(sm_result_figure(r, "hit_rate") - 0.248587570621469) < 1e-14);
  assert_string_equal(sm_layer_name(sm_result_layer(r, 0)), "promap_top");
  assert_string_equal(sm_layer_name(sm_result_layer(r, 1)), "evaluation");
  /* --evaluate that surface: the same figures, the label in the recipe */
  sm_forecast_options e = SM_FORECAST_OPTIONS_INIT;
  e.at = "2025-02", e.evaluate = sm_result_raster(r, 0), e.evaluate_label = "pm.tif";
  sm_result *s = NULL;
  assert_ok(ctx, sm_forecast_run(ctx, &s, pts, NULL, &e));
  assert_int_equal(sm_result_raster_count(s), 0);
  const sm_layer *F = sm_result_layer_named(s, "evaluation");
  assert_non_null(F);
  assert_string_equal(sm_layer_get_string(F, 0, 2), "surface");
  assert_true(sm_layer_get_double(F, 0, 6) == 44 && sm_layer_get_int(F, 0, 1) == 177);
  assert_contains(sm_layer_metadata_get(F, "method"), "pm.tif scored against the incidents of 2025-02; cells ranked");
  assert_meta(F, "evaluated_surface", "pm.tif");
  assert_true(sm_result_figure(s, "incidents_outside") == 0);
  sm_result_destroy(s);
  e.at = "2026-01";
  assert_status_msg(sm_forecast_run(ctx, &s, pts, NULL, &e), SM_E_INPUT,
                    "no incident in 2026-01 to score pm.tif against (the incidents run from 2022-03 to 2025-02)");
  assert_null(s);
  sm_result_destroy(r);
  /* the KDE with a curve of coverages: 100 rows; the same bits for 1 and 2 threads */
  o.method = SM_FORECAST_KDE, o.coverage_curve = 1;
  sm_result *k[2] = {NULL, NULL};
  for (int t = 0; t < 2; t++) {
    sm_ctx_set_threads(ctx, t + 1);
    assert_ok(ctx, sm_forecast_run(ctx, &k[t], pts, wards, &o));
  }
  sm_ctx_set_threads(ctx, 0);
  const sm_raster *A = sm_result_raster(k[0], 0), *B = sm_result_raster(k[1], 0);
  assert_memory_equal(sm_raster_values(A), sm_raster_values(B), 153 * 130 * sizeof(double));
  assert_string_equal(sm_raster_metadata_get(A, "name"), "kde");
  assert_string_equal(sm_raster_metadata_get(A, "description"), "kernel density"); /* sm_kde's, kept */
  assert_string_equal(sm_raster_metadata_get(A, "kde_months"), "12");
  E = sm_result_layer_named(k[0], "evaluation");
  assert_int_equal(sm_layer_feature_count(E), 100);
  assert_true(sm_layer_get_double(E, 4, 6) == 48); /* 5%: the back-test's row */
  assert_int_equal(sm_layer_feature_count(sm_result_layer_named(k[0], "kde_top")), 199); /* the top 1% */
  assert_meta(E, "coverage", "curve");
  sm_result_destroy(k[0]), sm_result_destroy(k[1]);
}

/* Weekly steps on dated incidents: half of each week's 40 in one 100 m square. */
static sm_points *weekly_points(void) {
  enum { N = 30 * 40 };
  static double x[N], y[N];
  static int64_t t[N];
  unsigned s = 7;
  for (int w = 0; w < 30; w++)
    for (int i = 0; i < 40; i++) {
      int k = w * 40 + i;
      s = s * 1103515245u + 12345u;
      double u = (double)(s >> 8) / 16777216.0, v = (double)((s * 2654435761u) >> 8) / 16777216.0;
      x[k] = i < 20 ? 530000 + 100 * u : 528000 + 4000 * u;
      y[k] = i < 20 ? 182000 + 100 * v : 180000 + 4000 * v;
      t[k] = 1704067200 + (int64_t)(w * 7 + i % 7) * 86400; /* from Monday 2024-01-01 */
    }
  sm_points *p = NULL;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", N, x, y, t, NULL));
  return p;
}

static void weekly(void **state) {
  (void)state;
  sm_points *p = weekly_points();
  sm_backtest_options b = SM_BACKTEST_OPTIONS_INIT;
  b.bin = SM_FORECAST_BIN_WEEK, b.warmup = 20;
  sm_result *r = NULL;
  assert_ok(ctx, sm_backtest_run(ctx, &r, p, NULL, &b));
  const sm_layer *L = sm_result_layer(r, 0);
  assert_string_equal(sm_layer_field_name(L, 0), "week");
  assert_int_equal(sm_layer_feature_count(L), 30);
  assert_string_equal(sm_layer_get_string(L, 0, 0), "2024-05-20");
  for (size_t i = 0; i < 30; i++)
    if (!strcmp(sm_layer_get_string(L, i, 2), "promap")) assert_true(sm_layer_get_double(L, i, 7) >= 0.45);
  assert_string_equal(sm_layer_get_string(L, 2, 2), "last_week");
  assert_true(sm_result_figure(r, "steps_scored") == 10);
  assert_meta(L, "kde_weeks", "52");
  assert_meta(L, "time_bandwidth", "8");
  assert_contains(sm_layer_metadata_get(L, "grid_extent"), "incidents' extent");
  sm_result_destroy(r);
  sm_forecast_options o = SM_FORECAST_OPTIONS_INIT;
  o.bin = SM_FORECAST_BIN_WEEK, o.at = "2024-07-24", o.method = SM_FORECAST_LAST_WEEK;
  assert_ok(ctx, sm_forecast_run(ctx, &r, p, NULL, &o));
  assert_string_equal(sm_result_text(r, "at"), "2024-07-22");
  assert_string_equal(sm_result_text(r, "method"), "last_week");
  assert_string_equal(sm_raster_metadata_get(sm_result_raster(r, 0), "description"), "last week's incidents per cell");
  assert_non_null(sm_result_layer_named(r, "last_week_top"));
  sm_result_destroy(r);
  /* refused: a month for --at, --kde-months, last-month */
  o.method = SM_FORECAST_PROMAP, o.at = "2024-07";
  assert_status_msg(sm_forecast_run(ctx, &r, p, NULL, &o), SM_E_INVALID_ARG, "--at '2024-07' is not a date (YYYY-MM-DD): the week holding it");
  o.at = "2024-07-24", o.kde_months = 3;
  assert_status_msg(sm_forecast_run(ctx, &r, p, NULL, &o), SM_E_INVALID_ARG, "--kde-months is for monthly steps: with --bin week give --kde-weeks");
  o.kde_months = 0, o.method = SM_FORECAST_LAST_MONTH;
  assert_status_msg(sm_forecast_run(ctx, &r, p, NULL, &o), SM_E_INVALID_ARG, "--method last-month is for monthly steps");
  assert_null(r);
  sm_points_destroy(p);
}

/* Versions, names and every refusal, with the command line's words. */
static void refusals(void **state) {
  (void)state;
  sm_result *r = (sm_result *)&r;
  sm_forecast_options o = SM_FORECAST_OPTIONS_INIT;
  sm_backtest_options b = SM_BACKTEST_OPTIONS_INIT;
  assert_int_equal(sm_forecast_options_init(&o, 0), SM_E_INVALID_ARG);
  assert_int_equal(sm_forecast_options_init(&o, SM_FORECAST_OPTIONS_VERSION + 1), SM_E_INVALID_ARG);
  assert_int_equal(sm_backtest_options_init(&b, 0), SM_E_INVALID_ARG);
  assert_int_equal(sm_backtest_options_init(&b, SM_BACKTEST_OPTIONS_VERSION + 1), SM_E_INVALID_ARG);
  o.version = 0;
  assert_status_msg(sm_forecast_run(ctx, &r, pts, wards, &o), SM_E_INVALID_ARG, "options version 0");
  assert_null(r);
  o.version = SM_FORECAST_OPTIONS_VERSION + 1;
  assert_int_equal(sm_forecast_run(ctx, &r, pts, wards, &o), SM_E_INVALID_ARG);
  b.version = 0;
  assert_int_equal(sm_backtest_run(ctx, &r, pts, wards, &b), SM_E_INVALID_ARG);
  b.version = SM_BACKTEST_OPTIONS_VERSION + 1;
  assert_int_equal(sm_backtest_run(ctx, &r, pts, wards, &b), SM_E_INVALID_ARG);
  assert_int_equal(sm_forecast_run(ctx, &r, NULL, wards, NULL), SM_E_INVALID_ARG);
  assert_int_equal(sm_backtest_run(ctx, NULL, pts, wards, NULL), SM_E_INVALID_ARG);
  /* names */
  sm_forecast_method m;
  sm_forecast_bin bin;
  for (int k = 0; k < SM_FORECAST_METHOD_END_; k++) {
    assert_ok(ctx, sm_forecast_method_from_name(ctx, sm_forecast_method_name((sm_forecast_method)k), &m));
    assert_int_equal(m, k);
  }
  assert_ok(ctx, sm_forecast_method_from_name(ctx, "last_month", &m));
  assert_int_equal(m, SM_FORECAST_LAST_MONTH);
  assert_null(sm_forecast_method_name(SM_FORECAST_METHOD_END_));
  assert_status_msg(sm_forecast_method_from_name(ctx, "hunch", &m), SM_E_INVALID_ARG, "unknown --method 'hunch' (promap, kde, last-month)");
  assert_ok(ctx, sm_forecast_bin_from_name(ctx, "week", &bin));
  assert_int_equal(bin, SM_FORECAST_BIN_WEEK);
  assert_string_equal(sm_forecast_bin_name(SM_FORECAST_BIN_MONTH), "month");
  assert_status_msg(sm_forecast_bin_from_name(ctx, "quarter", &bin), SM_E_INVALID_ARG, "--bin 'quarter': forecasting steps are month or week");
  /* options */
  sm_forecast_options_init(&o, SM_FORECAST_OPTIONS_VERSION);
  o.at = "March";
  assert_status_msg(sm_forecast_run(ctx, &r, pts, wards, &o), SM_E_INVALID_ARG, "--at 'March' is not a month (YYYY-MM)");
  o.at = "2025-01", o.cell_m = 0;
  assert_status_msg(sm_forecast_run(ctx, &r, pts, wards, &o), SM_E_INVALID_ARG, "--cell and --bandwidth need metres > 0");
  o.cell_m = 50, o.bandwidth_m = -1;
  assert_status_msg(sm_forecast_run(ctx, &r, pts, wards, &o), SM_E_INVALID_ARG, "--cell and --bandwidth need metres > 0");
  o.bandwidth_m = 250, o.kde_weeks = 10;
  assert_status_msg(sm_forecast_run(ctx, &r, pts, wards, &o), SM_E_INVALID_ARG, "--kde-weeks is for --bin week: with monthly steps give --kde-months");
  o.kde_weeks = 0, o.method = SM_FORECAST_LAST_WEEK;
  assert_status_msg(sm_forecast_run(ctx, &r, pts, wards, &o), SM_E_INVALID_ARG, "--method last-week is for --bin week");
  o.method = SM_FORECAST_PROMAP;
  const double cov[] = {0, 0.05};
  o.coverages = cov, o.n_coverages = 2;
  assert_status_msg(sm_forecast_run(ctx, &r, pts, wards, &o), SM_E_INVALID_ARG, "--coverage '0,0.05' is not a list of shares in (0, 1]");
  o.coverages = NULL, o.n_coverages = 0, o.space_bandwidth = 0;
  assert_status_msg(sm_forecast_run(ctx, &r, pts, wards, &o), SM_E_INVALID_ARG, "--space-bandwidth");
  /* the data */
  o.space_bandwidth = 8, o.at = "2030-01";
  assert_status_msg(sm_forecast_run(ctx, &r, pts, wards, &o), SM_E_INPUT,
                    "no incident in the 2 months before 2030-01, so the promap surface would be empty (the incidents run from 2022-03 to 2025-02)");
  o.at = "2022-03", o.method = SM_FORECAST_KDE;
  assert_status_msg(sm_forecast_run(ctx, &r, pts, wards, &o), SM_E_INPUT, "no incident in the 12 months before 2022-03, so the kde surface would be empty");
  o.method = SM_FORECAST_PROMAP, o.at = NULL, o.bin = SM_FORECAST_BIN_WEEK;
  assert_status_msg(sm_forecast_run(ctx, &r, pts, wards, &o), SM_E_INPUT, "--bin week needs dates, but the incidents' times are months only");
  sm_backtest_options_init(&b, SM_BACKTEST_OPTIONS_VERSION);
  b.warmup = 40;
  assert_status_msg(sm_backtest_run(ctx, &r, pts, wards, &b), SM_E_INPUT, "36 months of incidents: the back-test needs more than --warmup 40");
  assert_null(r);
  const double x[] = {529000, 529100}, y[] = {183000, 183000};
  const int64_t t[] = {1700000000, 1700000000};
  sm_points *p = NULL;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", 2, x, y, NULL, NULL));
  assert_status_msg(sm_backtest_run(ctx, &r, p, NULL, NULL), SM_E_INPUT, "the incidents have no time: forecasting needs dates or months");
  sm_points_destroy(p);
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", 1, x, y, t, NULL));
  assert_status_msg(sm_forecast_run(ctx, &r, p, NULL, NULL), SM_E_INPUT, "1 incident: nothing to forecast from");
  sm_points_destroy(p);
  assert_null(r);
}

/* The options alone, before any data: the run's refusals with its messages, and the data's left to the run. */
static void options_check(void **state) {
  (void)state;
  sm_forecast_options o;
  sm_backtest_options b;
  assert_ok(ctx, sm_forecast_options_check(ctx, NULL, 0));
  assert_ok(ctx, sm_backtest_options_check(ctx, NULL, 1));
  sm_forecast_options_init(&o, SM_FORECAST_OPTIONS_VERSION);
  o.at = "2030-01"; /* no incident before it: the data's to say */
  assert_ok(ctx, sm_forecast_options_check(ctx, &o, 1));
  o.version = 0;
  assert_status_msg(sm_forecast_options_check(ctx, &o, 1), SM_E_INVALID_ARG, "options version 0");
  o.version = SM_FORECAST_OPTIONS_VERSION, o.at = "March";
  assert_status_msg(sm_forecast_options_check(ctx, &o, 1), SM_E_INVALID_ARG, "--at 'March' is not a month (YYYY-MM)");
  o.at = "2025-01", o.method = SM_FORECAST_METHOD_END_;
  assert_status_msg(sm_forecast_options_check(ctx, &o, 1), SM_E_INVALID_ARG, "--method: unknown method");
  o.method = SM_FORECAST_LAST_WEEK;
  assert_status_msg(sm_forecast_options_check(ctx, &o, 0), SM_E_INVALID_ARG, "--method last-week is for --bin week");
  o.bin = SM_FORECAST_BIN_WEEK, o.at = "2025-01-15";
  assert_ok(ctx, sm_forecast_options_check(ctx, &o, 0));
  o.kde_months = 3;
  assert_status_msg(sm_forecast_options_check(ctx, &o, 0), SM_E_INVALID_ARG, "--kde-months is for monthly steps: with --bin week give --kde-weeks");
  o.kde_months = 0, o.at = "2025-01";
  assert_status_msg(sm_forecast_options_check(ctx, &o, 0), SM_E_INVALID_ARG, "--at '2025-01' is not a date (YYYY-MM-DD)");
  sm_forecast_options_init(&o, SM_FORECAST_OPTIONS_VERSION);
  o.cell_m = 0;
  assert_status_msg(sm_forecast_options_check(ctx, &o, 0), SM_E_INVALID_ARG, "--cell and --bandwidth need metres > 0");
  o.cell_m = 50;
  const double cov[] = {0.05, 1.5};
  o.coverages = cov, o.n_coverages = 2;
  assert_status_msg(sm_forecast_options_check(ctx, &o, 0), SM_E_INVALID_ARG, "--coverage '0.05,1.5' is not a list of shares in (0, 1]");
  o.coverage_curve = 1; /* the curve replaces the list */
  assert_ok(ctx, sm_forecast_options_check(ctx, &o, 0));
  sm_backtest_options_init(&b, SM_BACKTEST_OPTIONS_VERSION);
  b.warmup = 40; /* more than the data's 36 months: the run's to say */
  assert_ok(ctx, sm_backtest_options_check(ctx, &b, 1));
  b.warmup = -1;
  assert_status_msg(sm_backtest_options_check(ctx, &b, 1), SM_E_INVALID_ARG, "--warmup needs a whole number of steps >= 1");
  b.warmup = 0, b.bin = SM_FORECAST_BIN_MONTH, b.kde_weeks = 10;
  assert_status_msg(sm_backtest_options_check(ctx, &b, 1), SM_E_INVALID_ARG, "--kde-weeks is for --bin week");
  b.kde_weeks = 0, b.space_bandwidth = 0;
  assert_status_msg(sm_backtest_options_check(ctx, &b, 1), SM_E_INVALID_ARG, "--space-bandwidth");
  b.space_bandwidth = 8, b.version = SM_BACKTEST_OPTIONS_VERSION + 1;
  assert_status_msg(sm_backtest_options_check(ctx, &b, 1), SM_E_INVALID_ARG, "options version");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(backtest_defaults), cmocka_unit_test(backtest_threads),
                                     cmocka_unit_test(forecast_defaults), cmocka_unit_test(forecast_scored), cmocka_unit_test(weekly),
                                     cmocka_unit_test(refusals), cmocka_unit_test(options_check)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
