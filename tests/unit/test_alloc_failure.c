/* Every pipeline, with its k-th allocation failing for every k until the run needs no more: each failure
 * comes back as SM_E_NOMEM with no result and nothing leaked (the sanitizer build checks the leaks), and
 * the run that needs no failure gives the same figures as one never interrupted. Small data (200
 * incidents over 12 months in 16 square wards of 250 m) keeps the thousands of runs quick. The readers of
 * points and wards are failed the same way. */
#include "testutil.h"

void sm__alloc_fail_after(long k); /* lib/common.c: the allocator's test hook */

static sm_ctx *ctx;
static sm_points *pts;
static sm_areas *wards;

static int setup(void **state) {
  (void)state;
  if (sm_ctx_create(&ctx) != SM_OK) return 1;
  sm_ctx_set_threads(ctx, 2);
  /* incidents: a fixed pseudo-random spread over 1 km, a third of them near one corner in the last months */
  FILE *f = fopen(tu_path("incidents.csv"), "w");
  if (!f) return 1;
  fprintf(f, "x,y,month\n");
  uint64_t s = 7;
  for (int i = 0; i < 200; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    double u = (double)(s >> 11) / 9007199254740992.0;
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    double v = (double)(s >> 11) / 9007199254740992.0;
    int m = i % 12, near = i % 3 == 0 && m >= 8;
    fprintf(f, "%.1f,%.1f,2024-%02d\n", 529000 + (near ? 200 * u : 1000 * u), 184000 + (near ? 200 * v : 1000 * v), m + 1);
  }
  fclose(f);
  f = fopen(tu_path("wards.csv"), "w");
  if (!f) return 1;
  fprintf(f, "WKT,WD24CD,WD24NM\n");
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 4; c++) {
      double x = 529000 + 250 * c, y = 184000 + 250 * r;
      fprintf(f, "\"POLYGON ((%g %g,%g %g,%g %g,%g %g,%g %g))\",W%d%d,Ward %d %d\n", x, y, x, y + 250, x + 250, y + 250,
              x + 250, y, x, y, r, c, r, c);
    }
  fclose(f);
  sm_read_options ro = SM_READ_OPTIONS_INIT;
  ro.x_field = "x", ro.y_field = "y", ro.crs = "EPSG:27700", ro.time_field = "month";
  const char *src[] = {tu_path("incidents.csv")};
  if (sm_points_read(ctx, &pts, src, 1, &ro) != SM_OK) return 1;
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  ao.crs = "EPSG:27700", ao.analysis_crs = sm_points_crs(pts);
  return sm_areas_read(ctx, &wards, tu_path("wards.csv"), &ao) != SM_OK;
}

static int teardown(void **state) {
  (void)state;
  sm_areas_destroy(wards);
  sm_points_destroy(pts);
  sm_ctx_destroy(ctx);
  return 0;
}

typedef sm_status (*run_fn)(sm_result **out, const void *opts);

/* Runs `run` with the k-th allocation failing, k = 1, 2, ... until it succeeds; returns the number of
 * allocations that could fail. */
static long every_failure(const char *what, run_fn run, const void *opts) {
  sm_result *clean = NULL;
  assert_ok(ctx, run(&clean, opts));
  long k = 1;
  for (;; k++) {
    sm_result *r = NULL;
    sm__alloc_fail_after(k);
    sm_status st = run(&r, opts);
    sm__alloc_fail_after(0);
    if (st == SM_OK) {
      /* no allocation failed: the same figures as the clean run */
      assert_int_equal(sm_result_figure_count(r), sm_result_figure_count(clean));
      for (size_t i = 0; i < sm_result_figure_count(r); i++) {
        double a = sm_result_figure_value(r, i), b = sm_result_figure_value(clean, i);
        if (!(a == b || (a != a && b != b))) fail_msg("%s: figure %s %g after, %g clean (allocation %ld failed)", what, sm_result_figure_name(r, i), a, b, k);
      }
      sm_result_destroy(r);
      break;
    }
    if (st != SM_E_NOMEM) fail_msg("%s: allocation %ld failing gave %s (%s), not out of memory", what, k, sm_status_str(st),
                                   sm_ctx_last_error(ctx));
    assert_null(r);
    if (k > 200000) fail_msg("%s: still failing after %ld allocations", what, k);
  }
  sm_result_destroy(clean);
  print_message("%s: %ld allocations, each failure reported\n", what, k - 1);
  return k - 1;
}

static sm_status run_count(sm_result **out, const void *o) { return sm_count_run(ctx, out, pts, wards, o); }
static sm_status run_hotspots(sm_result **out, const void *o) { return sm_hotspots_run(ctx, out, pts, wards, o); }
static sm_status run_emerging(sm_result **out, const void *o) { return sm_emerging_run(ctx, out, pts, wards, o); }
static sm_status run_nearrepeat(sm_result **out, const void *o) { return sm_nearrepeat_run(ctx, out, pts, NULL, o); }
static sm_status run_scan(sm_result **out, const void *o) { return sm_scan_run(ctx, out, pts, wards, o); }
static sm_status run_forecast(sm_result **out, const void *o) { return sm_forecast_run(ctx, out, pts, wards, o); }
static sm_status run_backtest(sm_result **out, const void *o) { return sm_backtest_run(ctx, out, pts, wards, o); }
static sm_status run_kde(sm_result **out, const void *o) { return sm_kde_run(ctx, out, pts, wards, o); }

static sm_status run_audit(sm_result **out, const void *o) { return sm_audit_run(ctx, out, pts, wards, o); }
static sm_status run_route(sm_result **out, const void *o) { return sm_route_run(ctx, out, tu_path("audit.gpkg"), o); }

/* The safety audit, then the route over it: streets across the wards, lamps along them (one part-night, one without a wattage), defects
 * and walk audits; the incidents as its crimes. */
static void test_audit(void **state) {
  (void)state;
  FILE *f = fopen(tu_path("streets.geojson"), "w");
  assert_non_null(f);
  fprintf(f, "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
             "\"urn:ogc:def:crs:EPSG::27700\"}},\"features\":[");
  for (int k = 0; k < 6; k++) {
    double c = 184000 + 200 * k, x = 529000 + 200 * k;
    fprintf(f, "%s{\"type\":\"Feature\",\"properties\":{\"name\":\"Row %d\",\"highway\":\"residential\"},"
               "\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[529000,%g],[530000,%g]]}},"
               "{\"type\":\"Feature\",\"properties\":{\"name\":\"Column %d\",\"highway\":\"footway\"},"
               "\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[%g,184000],[%g,185000]]}}",
            k ? "," : "", k, c, c, k, x, x);
  }
  fprintf(f, "]}");
  fclose(f);
  f = fopen(tu_path("lamps.csv"), "w");
  assert_non_null(f);
  fprintf(f, "Easting,Northing,Wattage,Switch Regime,Lamp Type\n");
  for (int k = 0; k < 30; k++)
    fprintf(f, "%d,%d,%s,%s,%s\n", 529000 + 35 * k, 184000 + 200 * (k % 6) + 3, k == 7 ? "" : "70",
            k == 3 ? "00:00-05:30" : "35/18", k % 2 ? "LED" : "SON");
  fclose(f);
  f = fopen(tu_path("defects.csv"), "w");
  assert_non_null(f);
  fprintf(f, "Easting,Northing,Category,Reported,Fixed\n529100,184005,Pothole,2024-01-02,\n"
             "529400,184205,Street light out,2024-02-02,\n529700,184405,Graffiti,2024-01-02,2024-01-09\n");
  fclose(f);
  f = fopen(tu_path("audits.csv"), "w");
  assert_non_null(f);
  fprintf(f, "Easting,Northing,Lighting,Feeling\n529100,184010,1,2\n529500,184400,3,\n");
  fclose(f);
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = tu_path("streets.geojson"), o.lights = tu_path("lamps.csv"), o.defects = tu_path("defects.csv");
  o.audits = tu_path("audits.csv"), o.hour = 60, o.segment_m = 50, o.top = 5;
  assert_true(every_failure("audit", run_audit, &o) > 0);
  /* the route over that audit, written to a GeoPackage */
  sm_result *a = NULL;
  assert_ok(ctx, sm_audit_run(ctx, &a, pts, wards, &o));
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  assert_ok(ctx, sm_result_write(ctx, a, tu_path("audit.gpkg"), &wo));
  sm_result_destroy(a);
  sm_route_options ro = SM_ROUTE_OPTIONS_INIT;
  ro.from_x = 529200, ro.from_y = 184200, ro.to_x = 529800, ro.to_y = 184200; /* along one row: the grid's lines share no vertex */
  assert_true(every_failure("route", run_route, &ro) > 0);
}

static void test_count_and_kde(void **state) {
  (void)state;
  assert_true(every_failure("count", run_count, NULL) > 0);
  sm_kde_run_options ko = SM_KDE_RUN_OPTIONS_INIT;
  ko.surface.bandwidth_m = 150, ko.surface.cell_m = 50;
  double pct[] = {50, 90};
  ko.hotspot_percents = pct, ko.n_hotspot_percents = 2;
  assert_true(every_failure("kde", run_kde, &ko) > 0);
}

static void test_hotspots(void **state) {
  (void)state;
  sm_hotspots_options ho = SM_HOTSPOTS_OPTIONS_INIT;
  ho.permutations = 19, ho.seed = 3;
  assert_true(every_failure("hotspots (wards)", run_hotspots, &ho) > 0);
  ho.units = SM_UNIT_FISHNET, ho.cell_m = 100, ho.band_m = 150;
  assert_true(every_failure("hotspots (cells)", run_hotspots, &ho) > 0);
}

static void test_emerging(void **state) {
  (void)state;
  sm_emerging_options eo = SM_EMERGING_OPTIONS_INIT;
  assert_true(every_failure("emerging", run_emerging, &eo) > 0);
}

static void test_nearrepeat_and_scan(void **state) {
  (void)state;
  double sb[] = {0, 100, 200}, tb[] = {0, 1, 2};
  sm_nearrepeat_options no = SM_NEARREPEAT_OPTIONS_INIT;
  no.space_bands_m = sb, no.n_space_bands = 3, no.time_bands = tb, no.n_time_bands = 3;
  no.time_unit = SM_NEARREPEAT_MONTH, no.permutations = 19;
  assert_true(every_failure("nearrepeat", run_nearrepeat, &no) > 0);
  sm_scan_run_options so = SM_SCAN_RUN_OPTIONS_INIT;
  so.permutations = 19;
  assert_true(every_failure("scan", run_scan, &so) > 0);
}

static void test_forecast(void **state) {
  (void)state;
  sm_forecast_options fo = SM_FORECAST_OPTIONS_INIT;
  fo.cell_m = 100;
  assert_true(every_failure("forecast", run_forecast, &fo) > 0);
  sm_backtest_options bo = SM_BACKTEST_OPTIONS_INIT;
  bo.cell_m = 100, bo.warmup = 8;
  assert_true(every_failure("backtest", run_backtest, &bo) > 0);
}

/* The readers: points (CSV, one and two threads) and areas, with each allocation failing in turn. */
typedef sm_status (*read_fn)(void *out);
static sm_status read_points_1(void *out) {
  sm_read_options ro = SM_READ_OPTIONS_INIT;
  ro.x_field = "x", ro.y_field = "y", ro.crs = "EPSG:27700", ro.time_field = "month";
  const char *src[] = {tu_path("incidents.csv")};
  return sm_points_read(ctx, out, src, 1, &ro);
}
static sm_status read_areas_1(void *out) {
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  ao.crs = "EPSG:27700", ao.analysis_crs = sm_points_crs(pts);
  return sm_areas_read(ctx, out, tu_path("wards.csv"), &ao);
}

static long every_read_failure(const char *what, read_fn rd, int areas) {
  long k = 1;
  for (;; k++) {
    void *obj = NULL;
    sm__alloc_fail_after(k);
    sm_status st = rd(&obj);
    sm__alloc_fail_after(0);
    if (st == SM_OK) {
      if (areas) {
        assert_int_equal(sm_areas_count(obj), sm_areas_count(wards));
        sm_areas_destroy(obj);
      } else {
        assert_int_equal(sm_points_count(obj), sm_points_count(pts));
        sm_points_destroy(obj);
      }
      break;
    }
    if (st != SM_E_NOMEM) fail_msg("%s: allocation %ld failing gave %s (%s), not out of memory", what, k, sm_status_str(st),
                                   sm_ctx_last_error(ctx));
    assert_null(obj);
    if (k > 200000) fail_msg("%s: still failing after %ld allocations", what, k);
  }
  print_message("%s: %ld allocations, each failure reported\n", what, k - 1);
  return k - 1;
}

static void test_readers(void **state) {
  (void)state;
  assert_true(every_read_failure("read points (2 threads)", read_points_1, 0) > 0);
  sm_ctx_set_threads(ctx, 1);
  assert_true(every_read_failure("read points (1 thread)", read_points_1, 0) > 0);
  sm_ctx_set_threads(ctx, 2);
  assert_true(every_read_failure("read areas", read_areas_1, 1) > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_count_and_kde), cmocka_unit_test(test_hotspots), cmocka_unit_test(test_emerging),
      cmocka_unit_test(test_nearrepeat_and_scan), cmocka_unit_test(test_forecast), cmocka_unit_test(test_readers),
      cmocka_unit_test(test_audit),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
