/* io: police.uk and generic CSVs, OGR sources, bad rows, filters, CRS choice */
#include "testutil.h"

TU_CTX_FIXTURE

static sm_points *read1(const char *path, const sm_read_options *o) {
  sm_points *p = NULL;
  const char *src[] = {path};
  assert_ok(ctx, sm_points_read(ctx, &p, src, 1, o));
  return p;
}

static sm_status read_err(const char *path, const sm_read_options *o) {
  sm_points *p = (sm_points *)1;
  const char *src[] = {path};
  sm_status st = sm_points_read(ctx, &p, src, 1, o);
  assert_int_not_equal(st, SM_OK);
  assert_null(p);
  return st;
}

#define ROW(lon, lat, month, type, loc) "id," month ",Met,Met," lon "," lat ",On or near " loc ",E01,Camden 001A," type ",,\n"

static void policeuk(void **state) {
  (void)state;
  const char *f = tu_write("2024-03-street.csv",
                           PUK_HEADER ROW("-0.141", "51.530", "2024-03", "Burglary", "A Street")
                               ROW("-0.141", "51.530", "2024-03", "Burglary", "A Street")
                               ROW("-0.150", "51.540", "2024-03", "Robbery", "B Road")
                               ",2024-03,Met,Met,,,No location,,,Burglary,,\n" /* no coordinates (row 5) */
                               ROW("abc", "51.540", "2024-03", "Burglary", "C Lane")  /* not a number (row 6) */
                               ROW("NaN", "51.540", "2024-03", "Burglary", "D Lane")  /* NaN (row 7) */
                               ROW("51.540", "-0.150", "2024-03", "Burglary", "E Lane") /* swapped (row 8) */
                               ROW("0.000", "0.000", "2024-03", "Burglary", "Null Island") /* outside (row 9) */
                               ROW("-0.150", "95.0", "2024-03", "Burglary", "F Lane")  /* range (row 10) */
                               ROW("-0.150", "51.540", "2024-3x", "Burglary", "G Lane") /* bad month (row 11) */);
  sm_points *p = read1(f, NULL);
  assert_int_equal(sm_points_count(p), 3);
  assert_int_equal(sm_points_rows_read(p), 10);
  assert_true(sm_points_is_policeuk(p));
  assert_string_equal(sm_points_crs(p), "EPSG:27700");
  assert_string_equal(sm_points_input_crs(p), "EPSG:4326");
  assert_int_equal(sm_points_time_resolution(p), SM_TIME_MONTH);
  assert_int_equal(sm_points_rows_bad(p, SM_BAD_NO_COORDS), 1);
  assert_int_equal(sm_points_rows_bad(p, SM_BAD_NUMBER), 1);
  assert_int_equal(sm_points_rows_bad(p, SM_BAD_NOT_FINITE), 1);
  assert_int_equal(sm_points_rows_bad(p, SM_BAD_LATLON_SWAPPED), 1);
  assert_int_equal(sm_points_rows_bad(p, SM_BAD_OUTSIDE_CRS), 1);
  assert_int_equal(sm_points_rows_bad(p, SM_BAD_LATLON_RANGE), 1);
  assert_int_equal(sm_points_rows_bad(p, SM_BAD_TIME), 1);
  /* examples name file:row, field and value */
  char want[600];
  snprintf(want, sizeof want, "%s:6: field 'Longitude' value 'abc'", f);
  assert_contains(sm_points_bad_example(p, SM_BAD_NUMBER, 0), want);
  snprintf(want, sizeof want, "%s:5:", f);
  assert_contains(sm_points_bad_example(p, SM_BAD_NO_COORDS, 0), want);
  assert_contains(sm_points_bad_example(p, SM_BAD_LATLON_SWAPPED, 0), ":8:");
  assert_contains(sm_points_bad_example(p, SM_BAD_TIME, 0), "field 'Month' value '2024-3x'");
  assert_null(sm_points_bad_example(p, SM_BAD_TIME, 1));
  /* categories, labels, weights, coordinates in metres */
  assert_int_equal(sm_points_category_count(p), 2);
  assert_string_equal(sm_points_category_name(p, (size_t)sm_points_category(p)[2]), "Robbery");
  assert_string_equal(sm_points_label(p, 0), "On or near A Street");
  assert_true(sm_points_weight(p)[0] == 1.0);
  assert_true(sm_points_x(p)[0] > 528000 && sm_points_x(p)[0] < 530500);
  assert_true(sm_points_y(p)[0] > 182500 && sm_points_y(p)[0] < 184000);
  assert_true(sm_points_lon(p)[0] == -0.141);
  sm_stacking sk;
  size_t tp[2], tc[2];
  assert_ok(ctx, sm_points_stacking(ctx, p, &sk, 2, tp, tc));
  assert_int_equal(sk.n_locations, 2);
  assert_int_equal(sk.n_stacked_locations, 1);
  assert_int_equal(tc[0], 2);
  assert_int_equal(tp[0], 0);
  sm_points_destroy(p);

  /* strict: the first bad row is an error naming file:row, field and value */
  sm_read_options o = SM_READ_OPTIONS_INIT;
  o.strict = 1;
  assert_int_equal(read_err(f, &o), SM_E_INPUT);
  snprintf(want, sizeof want, "%s:5:", f);
  assert_contains(sm_ctx_last_error(ctx), want);
  assert_contains(sm_ctx_last_error(ctx), "no coordinates");
}

static void filters_real(void **state) {
  (void)state;
  mkdir(tu_path("months"), 0755);
  tu_write("months/2024-01-x-street.csv", PUK_HEADER ROW("-0.141", "51.530", "2024-01", "Burglary", "A")
                                             ROW("-0.142", "51.531", "2024-01", "Robbery", "B"));
  tu_write("months/2024-02-x-street.csv", PUK_HEADER ROW("-0.141", "51.530", "2024-02", "Burglary", "A")
                                             ROW("-0.142", "51.531", "2024-02", "burglary", "B"));
  tu_write("months/2024-03-x-street.csv", PUK_HEADER ROW("-0.141", "51.530", "2024-03", "Burglary", "A"));
  /* a directory reads every CSV in name order; a glob the same */
  sm_points *p = read1(tu_path("months"), NULL);
  assert_int_equal(sm_points_count(p), 5);
  assert_int_equal(sm_points_source_count(p), 3);
  sm_points_destroy(p);
  p = read1(tu_path("months/2024-0[12]-*.csv"), NULL);
  assert_int_equal(sm_points_count(p), 4);
  sm_points_destroy(p);
  sm_read_options o = SM_READ_OPTIONS_INIT;
  o.types = "burglary"; /* case-insensitive */
  o.time_from = "2024-02";
  o.time_to = "2024-02";
  p = read1(tu_path("months"), &o);
  assert_int_equal(sm_points_count(p), 2);
  assert_int_equal(sm_points_rows_filtered(p, SM_FILTER_TYPE), 1);
  assert_int_equal(sm_points_rows_filtered(p, SM_FILTER_TIME), 2);
  sm_points_destroy(p);
  sm_read_options e = SM_READ_OPTIONS_INIT;
  e.has_extent = 1;
  e.extent[0] = 529000, e.extent[1] = 182000, e.extent[2] = 529200, e.extent[3] = 184000;
  p = read1(tu_path("months"), &e);
  size_t kept = sm_points_count(p);
  assert_int_equal(kept + sm_points_rows_filtered(p, SM_FILTER_EXTENT), 5);
  sm_points_destroy(p);
  /* option errors */
  sm_read_options bad = SM_READ_OPTIONS_INIT;
  bad.time_from = "March";
  assert_int_equal(read_err(tu_path("months"), &bad), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--from 'March'");
  sm_read_options bad2 = SM_READ_OPTIONS_INIT;
  bad2.time_from = "2024-03", bad2.time_to = "2024-01";
  assert_int_equal(read_err(tu_path("months"), &bad2), SM_E_INVALID_ARG);
  assert_int_equal(read_err(tu_path("months/nothing-*.csv"), NULL), SM_E_IO);
  assert_contains(sm_ctx_last_error(ctx), "no file matches");
}

static void empty_and_header_only(void **state) {
  (void)state;
  const char *e = tu_write("empty.csv", "");
  assert_int_equal(read_err(e, NULL), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "empty.csv: the file is empty");
  const char *h = tu_write("header.csv", PUK_HEADER);
  assert_int_equal(read_err(h, NULL), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "header but no data rows");
  const char *m = tu_write("nocoords.csv", "id,when,what\n1,2024-01-01,x\n");
  assert_int_equal(read_err(m, NULL), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "missing coordinate columns");
  assert_contains(sm_ctx_last_error(ctx), "id, when, what");
  assert_int_equal(read_err(tu_path("does-not-exist.csv"), NULL), SM_E_IO);
  assert_contains(sm_ctx_last_error(ctx), "does-not-exist.csv");
}

static void generic_csv(void **state) {
  (void)state;
  const char *f = tu_write("bng.csv", "easting,northing,date,offence,households\n"
                                      "529000,183000,2024-05-06,Burglary,10\n"
                                      "529100,183100,2024-05-07T22:15:00,Theft,-1\n"
                                      "529200,183200,,Burglary,5\n"
                                      "529300,183300,2024-05-08,Burglary,7\n"
                                      "529400,183400\n");
  /* projected columns need a CRS */
  assert_int_equal(read_err(f, NULL), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--crs");
  sm_read_options o = SM_READ_OPTIONS_INIT;
  o.crs = "EPSG:27700";
  o.weight_field = "households";
  sm_points *p = read1(f, &o);
  assert_int_equal(sm_points_count(p), 2);
  assert_int_equal(sm_points_rows_bad(p, SM_BAD_WEIGHT), 1);  /* weight -1 */
  assert_int_equal(sm_points_rows_bad(p, SM_BAD_NO_TIME), 1); /* empty date */
  assert_contains(sm_points_bad_example(p, SM_BAD_NO_TIME, 0), "bng.csv:4: field 'date' is empty");
  assert_int_equal(sm_points_rows_bad(p, SM_BAD_FIELDS), 1); /* 2 fields of 5 */
  assert_contains(sm_points_bad_example(p, SM_BAD_FIELDS, 0), "bng.csv:6: the row has 2 fields");
  assert_true(sm_points_x(p)[0] == 529000 && sm_points_y(p)[0] == 183000); /* no transform */
  assert_true(sm_points_weight(p)[1] == 7);
  assert_int_equal(sm_points_time_resolution(p), SM_TIME_DAY);
  assert_false(sm_points_is_policeuk(p));
  sm_points_destroy(p);
  o.crs = "EPSG:999999";
  assert_int_equal(read_err(f, &o), SM_E_CRS);
  assert_contains(sm_ctx_last_error(ctx), "EPSG:999999");
  sm_read_options c = SM_READ_OPTIONS_INIT;
  c.lon_field = "lng";
  c.lat_field = "lat";
  assert_int_equal(read_err(f, &c), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "no column 'lng'");
}

/* Outside Great Britain: the local UTM zone. */
static void utm_choice(void **state) {
  (void)state;
  const char *f = tu_write("nyc.csv", "lon,lat\n-73.98,40.75\n-73.99,40.76\n");
  sm_points *p = read1(f, NULL);
  assert_string_equal(sm_points_crs(p), "EPSG:32618");
  assert_true(sm_points_x(p)[0] > 580000 && sm_points_x(p)[0] < 590000);
  sm_points_destroy(p);
  sm_read_options o = SM_READ_OPTIONS_INIT;
  o.analysis_crs = "EPSG:4326"; /* degrees are refused */
  assert_int_equal(read_err(f, &o), SM_E_CRS);
  assert_contains(sm_ctx_last_error(ctx), "metres");
}

/* Points from an OGR source (GeoPackage written by the library itself). */
static void geopackage_points(void **state) {
  (void)state;
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, "incidents", SM_GEOM_POINT, "EPSG:27700"));
  size_t fm, fc;
  assert_ok(ctx, sm_layer_add_field(ctx, l, "Month", SM_FIELD_STRING, &fm));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "Crime type", SM_FIELD_STRING, &fc));
  for (int i = 0; i < 100; i++) {
    unsigned char wkb[21] = {1, 1, 0, 0, 0};
    double x = 529000 + i, y = 183000 + 2 * i;
    memcpy(wkb + 5, &x, 8);
    memcpy(wkb + 13, &y, 8);
    size_t r;
    assert_ok(ctx, sm_layer_add_feature(ctx, l, i == 77 ? NULL : wkb, 21, &r));
    assert_ok(ctx, sm_layer_set_string(ctx, l, r, fm, i < 50 ? "2024-01" : "2024-02"));
    assert_ok(ctx, sm_layer_set_string(ctx, l, r, fc, "Burglary"));
  }
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  const char *g = tu_path("incidents.gpkg");
  assert_ok(ctx, sm_write_layers(ctx, g, &l, 1, &wo));
  sm_layer_destroy(l);
  sm_read_options o = SM_READ_OPTIONS_INIT;
  o.time_from = "2024-02";
  sm_points *p = read1(g, &o);
  assert_int_equal(sm_points_count(p), 49);
  assert_int_equal(sm_points_rows_read(p), 100);
  assert_int_equal(sm_points_rows_bad(p, SM_BAD_NO_COORDS), 1); /* feature 78 had no geometry */
  assert_contains(sm_points_bad_example(p, SM_BAD_NO_COORDS, 0), ": feature 78:");
  assert_int_equal(sm_points_rows_filtered(p, SM_FILTER_TIME), 50);
  assert_true(sm_points_x(p)[0] == 529050 && sm_points_y(p)[0] == 183100);
  assert_string_equal(sm_points_crs(p), "EPSG:27700");
  assert_null(sm_points_lon(p));
  sm_points_destroy(p);
  /* a polygon layer is not points */
  o.layer = "safemap_metadata";
  assert_int_equal(read_err(g, &o), SM_E_INPUT); /* no geometry and no coordinate columns */
  o.layer = "nope";
  assert_int_equal(read_err(g, &o), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "no layer 'nope'");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(policeuk), cmocka_unit_test(filters_real),
      cmocka_unit_test(empty_and_header_only), cmocka_unit_test(generic_csv), cmocka_unit_test(utm_choice),
      cmocka_unit_test(geopackage_points),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
