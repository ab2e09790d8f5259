/* audit_inputs: the safety audit's unsafe-place pins (per segment and per factor), CCTV coverage (the exact
 * share of a segment in some camera's view) and maintenance counts per area (apportioned to the audited
 * segments by length), and each bad input refused with its file, row, field and value. */
#include "testutil.h"

#include <math.h>
#include <string.h>

/* Streets, pins, cameras and areas are in British National Grid metres around (530000, 180000). */
#define GJ_HEAD "{\"type\": \"FeatureCollection\", \"crs\": {\"type\": \"name\", \"properties\": {\"name\": " \
                "\"urn:ogc:def:crs:EPSG::27700\"}}, \"features\": ["
#define GJ_LINE(id, name, coords) "{\"type\": \"Feature\", \"properties\": {\"osm_id\": \"" id "\", \"name\": \"" name \
                                  "\", \"highway\": \"residential\"}, \"geometry\": {\"type\": \"LineString\", " \
                                  "\"coordinates\": [" coords "]}}"
#define GJ_BOX(code, x0, y0, x1, y1) "{\"type\": \"Feature\", \"properties\": {\"LSOA11CD\": \"" code "\"}, \"geometry\": " \
                                     "{\"type\": \"Polygon\", \"coordinates\": [[[" x0 "," y0 "],[" x1 "," y0 "],[" x1 \
                                     "," y1 "],[" x0 "," y1 "],[" x0 "," y0 "]]]}}"

/* A path that stays (tu_path's buffers rotate). */
static const char *keep(const char *path) {
  static char kept[32][512];
  static int k = 0;
  char *b = kept[k++ % 32];
  snprintf(b, 512, "%s", path);
  return b;
}

/* Two streets 100 m long, 200 m apart: A along y = 180000, B along y = 180200. */
static const char *two_streets(void) {
  return keep(tu_write("two_streets.geojson", GJ_HEAD GJ_LINE("1", "A Street", "[530000,180000],[530100,180000]") ","
                  GJ_LINE("2", "B Street", "[530000,180200],[530100,180200]") "]}"));
}

static sm_layer *segments(const sm_result *r) {
  sm_layer *L = sm_result_layer_named(r, "audit_segments");
  assert_non_null(L);
  return L;
}

static size_t fld(const sm_layer *L, const char *name) {
  long k = sm_layer_field_index(L, name);
  if (k < 0) fail_msg("audit_segments has no column %s", name);
  return (size_t)k;
}

static int64_t geti(const sm_layer *L, size_t row, const char *name) { return sm_layer_get_int(L, row, fld(L, name)); }
static double getd(const sm_layer *L, size_t row, const char *name) { return sm_layer_get_double(L, row, fld(L, name)); }

/* ---- pins -------------------------------------------------------------------------------------------- */

static const char *pins_csv(void) {
  /* P1 and P2 near A (factors from columns and a list; Graffiti is vandalism; "dark alley" also a factor_
   * column of the user's); P3 near B; P4 100 m from both; P5 exactly 50 m past A's end (counts). */
  return keep(tu_write("pins.csv",
                  "Easting,Northing,Street Lighting,Followed,Verbal_Abuse,factor_dark_alley,factors\n"
                  "530050,180010,1,yes,,0,\n"
                  "530020,179970,true,no,n,,\"vandalism; Graffiti, dark alley\"\n"
                  "530050,180190,0,N,Y,false,\n"
                  "530050,180100,1,1,1,1,followed\n"
                  "530150,180000,,,,1,\n"));
}

static void pins_per_factor(void **state) {
  (void)state;
  sm_ctx *ctx;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = two_streets(), o.pins = pins_csv(), o.segment_m = 1000;
  sm_result *r[2] = {NULL, NULL};
  for (int t = 0; t < 2; t++) {
    sm_ctx_set_threads(ctx, t + 1);
    assert_ok(ctx, sm_audit_run(ctx, &r[t], NULL, NULL, &o));
  }
  sm_layer *L = segments(r[0]);
  assert_int_equal(sm_layer_feature_count(L), 2);
  assert_true(sm_result_figure(r[0], "pins") == 5 && sm_result_figure(r[0], "pins_near_streets") == 4);
  /* A: P1, P2, P5 */
  assert_int_equal(geti(L, 0, "pins"), 3);
  assert_int_equal(geti(L, 0, "pins_street_lighting"), 2);
  assert_int_equal(geti(L, 0, "pins_followed"), 1);
  assert_int_equal(geti(L, 0, "pins_vandalism"), 1);
  assert_int_equal(geti(L, 0, "pins_dark_alley"), 2);
  assert_int_equal(geti(L, 0, "pins_verbal_abuse"), 0);
  assert_int_equal(geti(L, 0, "pins_abandoned_buildings"), 0);
  /* B: P3 */
  assert_int_equal(geti(L, 1, "pins"), 1);
  assert_int_equal(geti(L, 1, "pins_verbal_abuse"), 1);
  assert_int_equal(geti(L, 1, "pins_street_lighting"), 0);
  /* s_pins: the percentile helper's share of segments with a lower count */
  assert_true(getd(L, 0, "s_pins") == 0.5 && getd(L, 1, "s_pins") == 0);
  assert_contains(sm_layer_get_string(L, 0, fld(L, "reasons")),
                  "3 unsafe-place pins (street lighting 2, dark alley 2, vandalism 1, followed 1)");
  assert_contains(sm_layer_metadata_get(L, "pins"), "5 read, 5 pins used");
  assert_contains(sm_layer_metadata_get(L, "pins"), "factor lists (separated by ; or ,) in factors");
  assert_contains(sm_layer_metadata_get(L, "priority"), "pins = percentile of the unsafe-place pins");
  /* the same for 1 and 2 threads */
  sm_layer *L2 = segments(r[1]);
  for (size_t s = 0; s < 2; s++)
    for (size_t f = 0; f < sm_layer_field_count(L); f++)
      if (sm_layer_field_type(L, f) == SM_FIELD_INT64) assert_true(sm_layer_get_int(L, s, f) == sm_layer_get_int(L2, s, f));
      else if (sm_layer_field_type(L, f) == SM_FIELD_DOUBLE && !sm_layer_is_null(L, s, f))
        assert_memory_equal(&(double){sm_layer_get_double(L, s, f)}, &(double){sm_layer_get_double(L2, s, f)}, sizeof(double));
  sm_result_destroy(r[0]), sm_result_destroy(r[1]);
  sm_ctx_destroy(ctx);
}

/* ---- CCTV -------------------------------------------------------------------------------------------- */

/* An L-shaped street (0,0)-(100,0)-(100,100), one segment of 200 m. Camera 1 at (100,0) radius 20: [80,100]
 * on the first edge and [0,20] on the second; camera 2 at (50,30), blank radius = --cctv-radius 50: half-chord
 * sqrt(50^2 - 30^2) = 40, [10,90]. The union: [10,100] and [100,120] along the street, 110 m of 200. */
static void cctv_exact_share(void **state) {
  (void)state;
  sm_ctx *ctx;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = keep(tu_write("l_street.geojson", GJ_HEAD GJ_LINE("1", "L Street", "[530000,180000],[530100,180000],[530100,180100]") "]}"));
  o.cctv = keep(tu_write("cctv.csv", "Easting,Northing,radius_m\n530100,180000,20\n530050,180030,\n530500,180500,30\n"));
  o.cctv_radius_m = 50, o.segment_m = 1000;
  sm_result *r = NULL;
  assert_ok(ctx, sm_audit_run(ctx, &r, NULL, NULL, &o));
  sm_layer *L = segments(r);
  assert_int_equal(sm_layer_feature_count(L), 1);
  assert_true(fabs(getd(L, 0, "cctv_share") - 110.0 / 200.0) < 1e-9);
  assert_true(fabs(getd(L, 0, "cctv_m") - 110.0) < 1e-9);
  assert_true(fabs(sm_result_figure(r, "cctv_km") - 0.110) < 1e-12);
  assert_true(sm_result_figure(r, "cctv_cameras") == 3);
  /* informational: no part of the priority */
  assert_true(getd(L, 0, "priority") == 0);
  assert_contains(sm_layer_metadata_get(L, "cctv"), "informational: not in the priority");
  assert_contains(sm_layer_metadata_get(L, "cctv"), "1 cameras took --cctv-radius 50 m");
  sm_result_destroy(r);
  /* cut into 8 segments of 25 m: 0-25 has [10,25]; 100-125 has [100,120]; 125-200 none */
  o.segment_m = 25, o.sample_m = 5;
  assert_ok(ctx, sm_audit_run(ctx, &r, NULL, NULL, &o));
  L = segments(r);
  assert_int_equal(sm_layer_feature_count(L), 8);
  static const double want[8] = {15.0 / 25, 1, 1, 1, 20.0 / 25, 0, 0, 0};
  double sum = 0;
  for (size_t s = 0; s < 8; s++) {
    assert_true(fabs(getd(L, s, "cctv_share") - want[s]) < 1e-9);
    sum += getd(L, s, "cctv_m");
  }
  assert_true(fabs(sum - 110) < 1e-9);
  sm_result_destroy(r);
  sm_ctx_destroy(ctx);
}

/* ---- maintenance counts per area --------------------------------------------------------------------- */

/* Area X = x 0..100, area Y = x 100..300 (a street along y = 0 from x 0 to 290, cut into 12 segments of
 * 24.17 m: 4 with their middle in X, 8 in Y), area Z with reports and no street, and a code no polygon has. */
static const char *area_polygons(void) {
  return keep(tu_write("areas.geojson", GJ_HEAD GJ_BOX("E01000001", "530000", "179950", "530100", "180050") ","
                  GJ_BOX("E01000002", "530100", "179950", "530300", "180050") ","
                  GJ_BOX("E01000003", "530000", "180500", "530300", "180600") "]}"));
}

static void apportioned_sums(void **state) {
  (void)state;
  sm_ctx *ctx;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  mkdir(tu_path("counts"), 0755);
  tu_write("counts/2020-03.csv", "lsoa,SHEF_B_CODE,reports,unique_users,average_per_user\n"
                                 "E01000001,B19,7,2,3.5\nE01000002,B25,5,1,5\nE01000002,B1,40,1,40\n"
                                 "E01000003,B28,3,1,3\nE01099999,B19,2,1,2\n");
  tu_write("counts/2020-04.csv", "lsoa,SHEF_B_CODE,reports,unique_users,average_per_user\nE01000001,B28,3,3,1\n");
  const char *src[] = {keep(tu_path("counts"))};
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = keep(tu_write("x_street.geojson", GJ_HEAD GJ_LINE("1", "X Street", "[530000,180000],[530290,180000]") "]}"));
  o.area_counts = src, o.n_area_counts = 1, o.area_polygons = area_polygons();
  o.area_categories = "B19, B25,B28";
  sm_result *r = NULL;
  assert_ok(ctx, sm_audit_run(ctx, &r, NULL, NULL, &o));
  sm_layer *L = segments(r);
  size_t n = sm_layer_feature_count(L);
  assert_int_equal(n, 12);
  double sum[2] = {0, 0}, len[2] = {0, 0};
  for (size_t s = 0; s < n; s++) {
    const char *id = sm_layer_get_string(L, s, fld(L, "area_id"));
    assert_non_null(id);
    int k = !strcmp(id, "E01000002");
    assert_true(k || !strcmp(id, "E01000001"));
    sum[k] += getd(L, s, "area_reports"), len[k] += getd(L, s, "length_m");
    /* per km of the area's audited street, a year (2 months of files) */
    double want = (k ? 5.0 : 10.0) / (k ? 8 : 4) / (290.0 / 12 / 1000) * 6;
    assert_true(fabs(getd(L, s, "area_reports_per_km") - want) < 1e-9 * want);
  }
  assert_true(fabs(sum[0] - 10) < 1e-9 && fabs(sum[1] - 5) < 1e-9);
  assert_true(fabs(len[0] - 4 * 290.0 / 12) < 1e-9);
  assert_true(sm_result_figure(r, "area_reports") == 18); /* 10 + 5 + Z's 3; the unknown code's 2 left out */
  assert_true(fabs(sm_result_figure(r, "area_reports_on_streets") - 15) < 1e-9);
  /* without --defects the area rate makes the maintenance component */
  assert_true(getd(L, 0, "s_maintenance") == 8.0 / 12 && getd(L, 11, "s_maintenance") == 0);
  assert_contains(sm_layer_get_string(L, 0, fld(L, "reasons")), "area reports per km a year in E01000001");
  const char *m = sm_layer_metadata_get(L, "defect_areas");
  assert_contains(m, "months 2020-03 to 2020-04 from the file names (2 months)");
  assert_contains(m, "3 reports in 1 area with no audited street");
  assert_contains(m, "2 reports under 1 code that no polygon has (the first: ");
  assert_contains(m, "2020-03.csv: line 6: 'E01099999')");
  assert_contains(m, "1 of other categories");
  assert_contains(sm_layer_metadata_get(L, "warnings"), "2 reports of --defect-areas under 1 area code that no polygon");
  assert_null(strstr(sm_layer_metadata_get(L, "warnings"), "no audited street"));
  sm_result_destroy(r);
  sm_ctx_destroy(ctx);
}

/* ---- bad inputs ---------------------------------------------------------------------------------------- */

/* Runs with the options, expects `status` and a message holding `text`. */
static void refused(sm_ctx *ctx, const sm_audit_options *o, sm_status status, const char *text) {
  sm_result *r = NULL;
  sm_status st = sm_audit_run(ctx, &r, NULL, NULL, o);
  if (st != status) fail_msg("expected %s, got %s: %s", sm_status_str(status), sm_status_str(st), sm_ctx_last_error(ctx));
  assert_null(r);
  assert_contains(sm_ctx_last_error(ctx), text);
}

static void bad_inputs(void **state) {
  (void)state;
  sm_ctx *ctx;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = two_streets();
  /* a factor value that is not a yes or a no */
  o.pins = keep(tu_write("bad_pins.csv", "Easting,Northing,followed\n530050,180010,1\n530050,180020,maybe\n"));
  refused(ctx, &o, SM_E_INPUT, "bad_pins.csv: line 3: field 'followed' value 'maybe': a factor column holds 1/0");
  o.pins = NULL;
  /* a camera's radius as text, 0, negative */
  o.cctv = keep(tu_write("bad_cctv.csv", "Easting,Northing,radius\n530050,180010,wide\n"));
  refused(ctx, &o, SM_E_INPUT, "bad_cctv.csv: line 2: field 'radius' value 'wide': a camera's radius is a number");
  o.cctv = keep(tu_write("bad_cctv0.csv", "Easting,Northing,view_m\n530050,180010,12\n530050,180010,0\n"));
  refused(ctx, &o, SM_E_INPUT, "bad_cctv0.csv: line 3: field 'view_m' value '0'");
  o.cctv = keep(tu_write("bad_cctv1.csv", "Easting,Northing,range\n530050,180010,-5\n"));
  refused(ctx, &o, SM_E_INPUT, "bad_cctv1.csv: line 2: field 'range' value '-5'");
  o.cctv = NULL;
  /* counts per area */
  const char *src[1];
  o.area_counts = src, o.n_area_counts = 1, o.area_polygons = area_polygons();
  src[0] = keep(tu_write("neg_2020-01.csv", "lsoa,SHEF_B_CODE,reports\nE01000001,B19,2\nE01000002,B19,-3\n"));
  refused(ctx, &o, SM_E_INPUT, "neg_2020-01.csv: line 3: field 'reports' value '-3': a count of reports is a number 0 or more");
  src[0] = keep(tu_write("text_2020-01.csv", "lsoa,SHEF_B_CODE,reports\nE01000001,B19,many\n"));
  refused(ctx, &o, SM_E_INPUT, "text_2020-01.csv: line 2: field 'reports' value 'many'");
  src[0] = keep(tu_write("nocode_2020-01.csv", "lsoa,SHEF_B_CODE,reports\nE01000001,B19,1\n ,B19,1\n"));
  refused(ctx, &o, SM_E_INPUT, "nocode_2020-01.csv: line 3: field 'lsoa' value ' ': a row needs an area code");
  src[0] = keep(tu_write("nocount_2020-01.csv", "lsoa,SHEF_B_CODE,unique_users\nE01000001,B19,1\n"));
  refused(ctx, &o, SM_E_INPUT, "nocount_2020-01.csv: line 1: no count column (reports, count, n); the columns are: "
                               "lsoa,SHEF_B_CODE,unique_users");
  src[0] = keep(tu_write("noarea_2020-01.csv", "ward,SHEF_B_CODE,reports\nE01000001,B19,1\n"));
  refused(ctx, &o, SM_E_INPUT, "noarea_2020-01.csv: line 1: no area code column");
  src[0] = keep(tu_write("nocat_2020-01.csv", "lsoa,reports\nE01000001,1\n"));
  o.area_categories = "B19";
  refused(ctx, &o, SM_E_INPUT, "nocat_2020-01.csv: line 1: no category column");
  o.area_categories = NULL;
  /* codes of other areas (LSOA 2021 against 2011 polygons, say) */
  src[0] = keep(tu_write("other_2020-01.csv", "lsoa,SHEF_B_CODE,reports\nE01033333,B19,1\nE01033334,B19,2\nE01033333,B25,1\n"));
  refused(ctx, &o, SM_E_INPUT, "none of the 2 area codes (the first: ");
  assert_contains(sm_ctx_last_error(ctx), "other_2020-01.csv: line 2: 'E01033333') is an id of --defect-area-polygons");
  /* categories that keep nothing */
  src[0] = keep(tu_write("cats_2020-01.csv", "lsoa,SHEF_B_CODE,reports\nE01000001,B19,1\n"));
  o.area_categories = "B99";
  refused(ctx, &o, SM_E_INPUT, "no row to count in 1 files (1 rows, none in the categories B99)");
  o.area_categories = NULL;
  /* a missing file, polygons that cannot be read */
  src[0] = keep(tu_path("missing_2020-01.csv"));
  refused(ctx, &o, SM_E_IO, "--defect-areas: cannot open");
  src[0] = keep(tu_path("cats_2020-01.csv"));
  o.area_polygons = keep(tu_path("missing_polygons.gpkg"));
  refused(ctx, &o, SM_E_IO, "--defect-area-polygons ");
  sm_ctx_destroy(ctx);
}

/* The options alone: the new radii, the inputs that now count, the area options together. */
static void options_checked(void **state) {
  (void)state;
  sm_ctx *ctx;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = "s.gpkg";
  assert_int_equal(sm_audit_options_check(ctx, &o, 0), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--pins, --cctv, --defect-areas");
  o.pins = "p.csv";
  assert_ok(ctx, sm_audit_options_check(ctx, &o, 0));
  o.pins = NULL, o.cctv = "c.csv";
  assert_ok(ctx, sm_audit_options_check(ctx, &o, 0));
  o.pin_radius_m = 0;
  assert_int_equal(sm_audit_options_check(ctx, &o, 0), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--pin-radius 0 must be more than 0");
  o.pin_radius_m = 50, o.cctv_radius_m = -1;
  assert_int_equal(sm_audit_options_check(ctx, &o, 0), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--cctv-radius -1");
  o.cctv_radius_m = NAN;
  assert_int_equal(sm_audit_options_check(ctx, &o, 0), SM_E_INVALID_ARG);
  o.cctv_radius_m = 30, o.cctv = NULL;
  const char *src[] = {"counts"};
  o.area_counts = src, o.n_area_counts = 1;
  assert_int_equal(sm_audit_options_check(ctx, &o, 0), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--defect-areas needs --defect-area-polygons");
  o.area_polygons = "lsoa.gpkg";
  assert_ok(ctx, sm_audit_options_check(ctx, &o, 0));
  o.n_area_counts = 0, o.area_counts = NULL, o.pins = "p.csv";
  assert_int_equal(sm_audit_options_check(ctx, &o, 0), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--defect-area-polygons without --defect-areas");
  o.area_polygons = NULL, o.area_categories = "B19";
  assert_int_equal(sm_audit_options_check(ctx, &o, 0), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--defect-area-categories without --defect-areas");
  sm_ctx_destroy(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(pins_per_factor), cmocka_unit_test(cctv_exact_share),
                                     cmocka_unit_test(apportioned_sums), cmocka_unit_test(bad_inputs),
                                     cmocka_unit_test(options_checked)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
