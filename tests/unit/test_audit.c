/* sm_audit_run: the safety audit pipeline on planted streets and lamps, against numbers worked out
 * independently (tests/golden/audit/planted_row.py) or by hand; and each bad input refused or stated. */
#include "testutil.h"

#include <math.h>

TU_CTX_FIXTURE

#define BNG "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::27700\"}},"

/* One residential street from (530000, 180000) 300 m east. */
static const char *street(void) {
  return tu_write("street.geojson",
                  "{\"type\":\"FeatureCollection\"," BNG "\"features\":[{\"type\":\"Feature\",\"properties\":{\"name\":"
                  "\"Test Street\",\"highway\":\"residential\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
                  "[[530000,180000],[530300,180000]]}}]}");
}

/* Lamps at x = 12.5 + 25 k for the k in `ks` (k < 0 ends), 4000 lm, 6 m; extra columns per lamp. */
static const char *lamps(const char *name, const int *ks, const char *const *regime, const char *const *status) {
  char buf[8192];
  size_t n = (size_t)snprintf(buf, sizeof buf, "Unit ID,Easting,Northing,Lumens,Mounting Height,Switch Regime,Status\n");
  for (size_t i = 0; ks[i] >= 0; i++)
    n += (size_t)snprintf(buf + n, sizeof buf - n, "L%d,%.1f,180000,4000,6,%s,%s\n", ks[i], 530012.5 + 25 * ks[i],
                          regime ? regime[i] : "35/18", status ? status[i] : "working");
  return tu_write(name, buf);
}

static size_t col(const sm_layer *L, const char *name) {
  long f = sm_layer_field_index(L, name);
  if (f < 0) fail_msg("layer %s has no column %s", sm_layer_name(L), name);
  return (size_t)f;
}

static sm_result *run(const sm_audit_options *o, const sm_points *crimes) {
  sm_result *r = NULL;
  sm_status st = sm_audit_run(ctx, &r, crimes, NULL, o);
  if (st) fail_msg("sm_audit_run: %s", sm_ctx_last_error(ctx));
  return r;
}

static sm_status run_err(const sm_audit_options *o, const char *want) {
  sm_result *r = NULL;
  sm_status st = sm_audit_run(ctx, &r, NULL, NULL, o);
  assert_null(r);
  if (!strstr(sm_ctx_last_error(ctx), want)) fail_msg("wanted '%s' in: %s", want, sm_ctx_last_error(ctx));
  return st;
}

static const int ROW_GAP[] = {0, 1, 2, 3, 7, 8, 9, 10, 11, -1};

/* The planted row with three lamps missing: the lux of each segment as planted_row.py computes it, and one
 * dark stretch of exactly the planted 75 m. */
static void planted_row(void **state) {
  (void)state;
  static const double want[12][2] = {
      {10.576136615114871, 2.0056136215255993},   {10.752144223357373, 2.5439101657391707},
      {10.752144223357373, 2.5439101657391707},   {10.576136615114869, 2.0056136215255993},
      {0.18239730400815202, 0.023060697197491691}, {0.012779391531297276, 0.01140339330933382},
      {0.18239730400815202, 0.023060697197491691}, {10.576136615114871, 2.0056136215255993},
      {10.752144223357373, 2.5439101657391707},   {10.758533919123021, 2.5576106528269049},
      {10.752144223357373, 2.5439101657391707},   {10.576136615114869, 2.0056136215255993}};
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = street(), o.lights = lamps("row.csv", ROW_GAP, NULL, NULL);
  sm_result *r = run(&o, NULL);
  const sm_layer *S = sm_result_layer_named(r, "audit_segments");
  assert_non_null(S);
  assert_int_equal(sm_layer_feature_count(S), 12);
  for (size_t s = 0; s < 12; s++) {
    double a = sm_layer_get_double(S, s, col(S, "lux_avg")), m = sm_layer_get_double(S, s, col(S, "lux_min"));
    assert_true(fabs(a - want[s][0]) <= 1e-12 * want[s][0]);
    assert_true(fabs(m - want[s][1]) <= 1e-12 * want[s][1]);
    assert_true(sm_layer_get_double(S, s, col(S, "length_m")) == 25);
    assert_int_equal(sm_layer_get_int(S, s, col(S, "below_target")), s >= 4 && s <= 6);
    assert_string_equal(sm_layer_get_string(S, s, col(S, "target_class")), "P4");
  }
  const sm_layer *D = sm_result_layer_named(r, "dark_stretches");
  assert_int_equal(sm_layer_feature_count(D), 1);
  assert_true(fabs(sm_layer_get_double(D, 0, col(D, "length_m")) - 75) < 1e-9);
  assert_int_equal(sm_layer_get_int(D, 0, col(D, "segments")), 3);
  assert_int_equal(sm_layer_get_int(D, 0, col(D, "first_segment")), 5);
  assert_string_equal(sm_layer_get_string(D, 0, col(D, "street_name")), "Test Street");
  assert_true(fabs(sm_layer_get_double(D, 0, col(D, "lowest_lux_avg")) - want[5][0]) < 1e-12);
  /* the gap between lit lamps around the dark run: 100 m (from x = 87.5 to 187.5), 25 m elsewhere */
  assert_true(fabs(sm_layer_get_double(S, 5, col(S, "lamp_gap_m")) - 100) < 1e-9);
  assert_true(fabs(sm_layer_get_double(S, 1, col(S, "lamp_gap_m")) - 25) < 1e-9);
  assert_true(fabs(sm_layer_get_double(S, 5, col(S, "nearest_lamp_m")) - 50) < 1e-9);
  assert_true(sm_result_figure(r, "dark_stretches") == 1 && sm_result_figure(r, "segments_below_target") == 3);
  /* --min-dark above the planted length: none */
  sm_result_destroy(r);
  o.min_dark_m = 76;
  r = run(&o, NULL);
  assert_int_equal(sm_layer_feature_count(sm_result_layer_named(r, "dark_stretches")), 0);
  sm_result_destroy(r);
}

/* The light of two lamps is the sum of each one's. */
static void two_lamps_add(void **state) {
  (void)state;
  const int a[] = {3, -1}, b[] = {5, -1}, ab[] = {3, 5, -1};
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = street();
  double lux[3][12];
  const char *files[3] = {lamps("a.csv", a, NULL, NULL), lamps("b.csv", b, NULL, NULL), lamps("ab.csv", ab, NULL, NULL)};
  for (int k = 0; k < 3; k++) {
    o.lights = files[k];
    sm_result *r = run(&o, NULL);
    const sm_layer *S = sm_result_layer_named(r, "audit_segments");
    for (size_t s = 0; s < 12; s++) lux[k][s] = sm_layer_get_double(S, s, col(S, "lux_avg"));
    sm_result_destroy(r);
  }
  for (size_t s = 0; s < 12; s++) assert_true(fabs(lux[2][s] - (lux[0][s] + lux[1][s])) <= 1e-12 * (lux[2][s] + 1e-300));
  assert_true(lux[0][3] > 0 && lux[1][5] > 0 && lux[0][11] == 0); /* beyond 60 m: nothing */
}

/* Part-night lamps are off inside their window, lamps "out" always; the rest stay on. */
static void part_night_and_out(void **state) {
  (void)state;
  const int ks[] = {0, 1, 2, 3, -1};
  const char *regime[] = {"35/18", "00:00-05:30", "Dusk-Dawn", "35/18"}, *status[] = {"working", "ok", "working", "out"};
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = street(), o.lights = lamps("pn.csv", ks, regime, status);
  const int hours[] = {-1, 23 * 60, 60, 5 * 60 + 29, 5 * 60 + 30};
  const int lit[] = {3, 3, 2, 2, 3};
  for (size_t h = 0; h < 5; h++) {
    o.hour = hours[h];
    sm_result *r = run(&o, NULL);
    assert_true(sm_result_figure(r, "lamps_lit") == lit[h]);
    assert_true(sm_result_figure(r, "lamps_out") == 1);
    assert_true(sm_result_figure(r, "lamps_off_at_hour") == 3 - lit[h]);
    const sm_layer *L = sm_result_layer_named(r, "audit_lamps");
    assert_int_equal(sm_layer_get_int(L, 3, col(L, "lit")), 0);
    assert_string_equal(sm_layer_get_string(L, 3, col(L, "state")), "out (status)");
    assert_int_equal(sm_layer_get_int(L, 1, col(L, "lit")), lit[h] == 3);
    if (lit[h] == 2) assert_string_equal(sm_layer_get_string(L, 1, col(L, "state")), hours[h] == 60 ?
                                         "off at 01:00 (part-night 00:00-05:30)" : "off at 05:29 (part-night 00:00-05:30)");
    /* the segment under the part-night lamp (x 37.5) is darker when it is off */
    const sm_layer *S = sm_result_layer_named(r, "audit_segments");
    double lux1 = sm_layer_get_double(S, 1, col(S, "lux_avg"));
    assert_true(lit[h] == 3 ? lux1 > 5 : lux1 < 5);
    sm_result_destroy(r);
  }
}

/* Walk audits: the inverse-distance mean by hand; none nearby is NULL, never 0. */
static void audit_by_hand(void **state) {
  (void)state;
  const int ks[] = {0, 1, -1};
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = street(), o.lights = lamps("au_l.csv", ks, NULL, NULL);
  /* segment 1's middle is (530012.5, 180000): distances 10, 20, 20 */
  o.audits = tu_write("audits.csv", "Easting,Northing,Lighting,Feeling\n530012.5,180010,3,2\n530012.5,179980,0,\n"
                                    "530032.5,180000,2,1\n");
  sm_result *r = run(&o, NULL);
  const sm_layer *S = sm_result_layer_named(r, "audit_segments");
  double want_l = (3 / 10.0 + 0 / 20.0 + 2 / 20.0) / (1 / 10.0 + 1 / 20.0 + 1 / 20.0); /* 2 */
  double want_f = (2 / 10.0 + 1 / 20.0) / (1 / 10.0 + 1 / 20.0);                      /* 5/3: the blank is not 0 */
  assert_true(fabs(sm_layer_get_double(S, 0, col(S, "audit_lighting")) - want_l) < 1e-12);
  assert_true(fabs(sm_layer_get_double(S, 0, col(S, "audit_feeling")) - want_f) < 1e-12);
  assert_int_equal(sm_layer_get_int(S, 0, col(S, "audits_n")), 3);
  assert_true(fabs(sm_layer_get_double(S, 0, col(S, "audit_mean")) - (want_l + want_f) / 2) < 1e-12);
  /* segment 11's middle (287.5) is 255 m from every audit: NULL */
  assert_true(sm_layer_is_null(S, 11, col(S, "audit_lighting")));
  assert_true(sm_layer_is_null(S, 11, col(S, "s_perception")));
  assert_int_equal(sm_layer_get_int(S, 11, col(S, "audits_n")), 0);
  sm_result_destroy(r);
}

/* Every segment's contributions add up to its priority; ranks follow the priority. */
static void priority_sums(void **state) {
  (void)state;
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = street(), o.lights = lamps("pr.csv", ROW_GAP, NULL, NULL);
  o.defects = tu_write("defects.csv", "Easting,Northing,Category,Reported,Fixed\n530150,180005,Pavement defect,2024-01-02,\n"
                                      "530160,180010,Pothole,2024-01-05,2024-02-01\n530290,180003,Graffiti,2024-02-01,\n");
  o.audits = tu_write("pr_audits.csv", "Easting,Northing,Feeling\n530160,180000,0\n530240,180000,3\n");
  o.at = "2024-03-01";
  sm_result *r = run(&o, NULL);
  const sm_layer *S = sm_result_layer_named(r, "audit_segments");
  const char *cs[] = {"c_darkness", "c_maintenance", "c_perception", "c_pins", "c_crime"};
  double prev = INFINITY;
  for (size_t rank = 1; rank <= 12; rank++)
    for (size_t s = 0; s < 12; s++) {
      if ((size_t)sm_layer_get_int(S, s, col(S, "rank")) != rank) continue;
      double p = sm_layer_get_double(S, s, col(S, "priority")), sum = 0;
      for (int k = 0; k < 5; k++) sum += sm_layer_get_double(S, s, col(S, cs[k]));
      assert_true(fabs(sum - p) <= 1e-12 * (p + 1));
      assert_true(p <= prev);
      prev = p;
    }
  /* the darkest segment with the open footway defect tops the list, and says why */
  const sm_layer *P = sm_result_layer_named(r, "audit_priorities");
  assert_int_equal(sm_layer_get_int(P, 0, col(P, "segment_id")), 6);
  const char *why = sm_layer_get_string(P, 0, col(P, "reasons"));
  assert_non_null(strstr(why, "below P4: 0.0 lx average"));
  assert_non_null(strstr(why, "1 open defect (Pavement defect 1)"));
  /* open at the date: the pothole was fixed before it */
  assert_true(sm_result_figure(r, "defects_open") == 2);
  sm_result_destroy(r);
}

/* The same bits for 1 and 2 threads. */
static void threads_same_bits(void **state) {
  (void)state;
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = SM_TEST_SRCDIR "/data/streets/holborn_bloomsbury_osm.gpkg";
  o.lights = SM_TEST_SRCDIR "/data/lighting/camden_lamps_holborn_bloomsbury.csv";
  o.audits = SM_TEST_SRCDIR "/data/synthetic/walk_audits_synthetic.csv";
  o.hour = 60;
  sm_result *r[2];
  for (int t = 0; t < 2; t++) {
    sm_ctx_set_threads(ctx, t + 1);
    r[t] = run(&o, NULL);
  }
  sm_ctx_set_threads(ctx, 0);
  for (size_t i = 0; i < sm_result_layer_count(r[0]); i++) {
    const sm_layer *a = sm_result_layer(r[0], i), *b = sm_result_layer(r[1], i);
    assert_int_equal(sm_layer_feature_count(a), sm_layer_feature_count(b));
    for (size_t f = 0; f < sm_layer_field_count(a); f++)
      for (size_t row = 0; row < sm_layer_feature_count(a); row++) {
        if (sm_layer_field_type(a, f) == SM_FIELD_STRING) {
          const char *x = sm_layer_get_string(a, row, f), *y = sm_layer_get_string(b, row, f);
          assert_true((!x && !y) || (x && y && !strcmp(x, y)));
          continue;
        }
        double x = sm_layer_get_double(a, row, f), y = sm_layer_get_double(b, row, f);
        assert_memory_equal(&x, &y, sizeof x);
      }
  }
  assert_true(sm_result_figure(r[0], "segments") > 1000);
  sm_result_destroy(r[0]), sm_result_destroy(r[1]);
}

/* Lamps in longitude/latitude are moved into the streets' CRS: the lamps land within 10 cm of where they were
 * planted (the test's own transformation, sm_crs_transform, and the reader's, GDAL's, may differ by
 * centimetres), and the light of the lit segments is the same to 1% (in the dark ones, a sample exactly 60 m from a
 * lamp may fall either side of its reach). */
static void lamps_other_crs(void **state) {
  (void)state;
  double x[9], y[9];
  for (int i = 0; i < 9; i++) x[i] = 530012.5 + 25 * ROW_GAP[i], y[i] = 180000;
  assert_int_equal(sm_crs_transform(ctx, "EPSG:27700", "EPSG:4326", 9, x, y), SM_OK);
  char buf[2048];
  size_t n = (size_t)snprintf(buf, sizeof buf, "Longitude,Latitude,Lumens,Mounting Height\n");
  for (int i = 0; i < 9; i++) n += (size_t)snprintf(buf + n, sizeof buf - n, "%.12f,%.12f,4000,6\n", x[i], y[i]);
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = street(), o.lights = tu_write("lonlat.csv", buf);
  sm_result *r = run(&o, NULL);
  o.lights = lamps("bng.csv", ROW_GAP, NULL, NULL);
  sm_result *q = run(&o, NULL);
  const sm_layer *a = sm_result_layer_named(r, "audit_segments"), *b = sm_result_layer_named(q, "audit_segments");
  for (size_t s = 0; s < 12; s++) {
    double u = sm_layer_get_double(a, s, col(a, "lux_avg")), v = sm_layer_get_double(b, s, col(b, "lux_avg"));
    if (v > 1 && !(fabs(u - v) <= 1e-2 * v)) fail_msg("segment %zu: %.17g vs %.17g", s, u, v);
  }
  assert_non_null(strstr(sm_layer_metadata_get(a, "lights"), "Longitude/Latitude (EPSG:4326)"));
  const sm_layer *L = sm_result_layer_named(r, "audit_lamps");
  for (size_t i = 0; i < 9; i++) {
    size_t wn;
    const unsigned char *w = sm_layer_get_wkb(L, i, &wn);
    double px, py;
    memcpy(&px, w + 5, 8), memcpy(&py, w + 13, 8);
    assert_true(fabs(px - (530012.5 + 25 * ROW_GAP[i])) < 0.1 && fabs(py - 180000) < 0.1);
  }
  sm_result_destroy(r), sm_result_destroy(q);
}

/* An IES file whose table is the cosine source gives the cosine model's light (to the interpolation of its 5°
 * table); the wrong names and files are refused. */
static void photometry(void **state) {
  (void)state;
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = street(), o.lights = tu_write("ies_lamps.csv", "Easting,Northing,Lumens,Mounting Height,Lamp Type\n"
                                                           "530037.5,180000,4000,6,LED\n530087.5,180000,4000,6,SON\n");
  sm_result *plain = run(&o, NULL);
  o.photometry = "LED=" SM_TEST_SRCDIR "/tests/data/ies/cosine.ies";
  sm_result *ies = run(&o, NULL);
  const sm_layer *a = sm_result_layer_named(plain, "audit_segments"), *b = sm_result_layer_named(ies, "audit_segments");
  for (size_t s = 0; s < 6; s++) {
    double u = sm_layer_get_double(a, s, col(a, "lux_avg")), v = sm_layer_get_double(b, s, col(b, "lux_avg"));
    if (!(fabs(u - v) <= 2e-3 * u)) fail_msg("segment %zu: %.17g with the file, %.17g without", s, v, u);
  }
  assert_non_null(strstr(sm_layer_metadata_get(b, "photometry"), "LED: "));
  assert_non_null(strstr(sm_layer_metadata_get(b, "photometry"), "other types: the cosine point source"));
  sm_result_destroy(plain), sm_result_destroy(ies);
  o.photometry = "LED=" SM_TEST_SRCDIR "/tests/data/ies/missing.ies";
  assert_int_equal(run_err(&o, "missing.ies"), SM_E_IO);
  o.photometry = "plasma=a.ies";
  assert_int_equal(run_err(&o, "--photometry: 'plasma' is not a lamp type"), SM_E_INVALID_ARG);
  o.photometry = "LED=a.ies,SON=b.ies,LED=c.ies";
  assert_int_equal(run_err(&o, "--photometry names type LED twice (a.ies and c.ies)"), SM_E_INVALID_ARG);
  o.photometry = "LED";
  assert_int_equal(run_err(&o, "each item is TYPE=FILE.ies"), SM_E_INVALID_ARG);
}

/* ---- bad input: each refused with file, row, field and value, or counted and stated --------------- */

static void streets_not_lines(void **state) {
  (void)state;
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = tu_write("points.geojson", "{\"type\":\"FeatureCollection\"," BNG "\"features\":[{\"type\":\"Feature\","
                                         "\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[530000,180000]}}]}");
  o.lights = lamps("nl.csv", ROW_GAP, NULL, NULL);
  assert_int_equal(run_err(&o, "the streets must be lines"), SM_E_INPUT);
}

static void streets_no_crs(void **state) {
  (void)state;
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = tu_write("nocrs.csv", "WKT,name\n\"LINESTRING (530000 180000,530300 180000)\",A\n");
  o.lights = lamps("nc.csv", ROW_GAP, NULL, NULL);
  assert_int_equal(run_err(&o, "has no CRS"), SM_E_CRS);
  /* lamps in X/Y columns with no CRS said */
  o.streets = street();
  o.lights = tu_write("xy.csv", "X,Y,Wattage\n530010,180000,70\n");
  assert_int_equal(run_err(&o, "the positions in columns X/Y have no CRS; say which it is with --lights-crs"), SM_E_CRS);
  o.lights_crs = "EPSG:27700";
  sm_result *r = run(&o, NULL);
  sm_result_destroy(r);
  /* the same for defects, walk audits, pins and cameras: each has its own --*-crs */
  o.defects = tu_write("dxy.csv", "X,Y,Category,Reported,Fixed\n530100,180000,Pothole,2023-01-01,\n");
  assert_int_equal(run_err(&o, "--defects"), SM_E_CRS);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "have no CRS; say which it is with --defects-crs"));
  o.defects_crs = "EPSG:27700";
  o.audits = tu_write("axy.csv", "X,Y,lighting,feeling\n530100,180000,1,2\n");
  assert_int_equal(run_err(&o, "say which it is with --audits-crs"), SM_E_CRS);
  o.audits_crs = "EPSG:27700";
  o.pins = tu_write("pxy.csv", "X,Y,street_lighting\n530100,180000,1\n");
  assert_int_equal(run_err(&o, "say which it is with --pins-crs"), SM_E_CRS);
  o.pins_crs = "EPSG:27700";
  o.cctv = tu_write("cxy.csv", "X,Y\n530100,180000\n");
  assert_int_equal(run_err(&o, "say which it is with --cctv-crs"), SM_E_CRS);
  o.cctv_crs = "EPSG:27700";
  r = run(&o, NULL);
  assert_true(sm_result_figure(r, "defects_open") == 1 && sm_result_figure(r, "audits") == 1);
  assert_true(sm_result_figure(r, "pins") == 1);
  sm_result_destroy(r);
}

static void lamps_without_position(void **state) {
  (void)state;
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = street();
  o.lights = tu_write("nopos.csv", "Easting,Northing,Wattage\n,,70\nabc,180000,70\n");
  assert_int_equal(run_err(&o, "no lamp with a usable position: 2 rows read; the first: "), SM_E_INPUT);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "nopos.csv: line 2: field 'Easting' value ''"));
  /* some without: skipped, counted and stated */
  o.lights = tu_write("somepos.csv", "Easting,Northing,Wattage\n530010,180000,70\n,,70\n");
  sm_result *r = run(&o, NULL);
  const char *m = sm_layer_metadata_get(sm_result_layer(r, 0), "lights");
  assert_non_null(strstr(m, "2 read, 1 lamps used, 1 skipped without a position (the first: "));
  assert_non_null(strstr(m, "somepos.csv: line 3: field 'Easting' value '')"));
  sm_result_destroy(r);
}

static void bad_wattage(void **state) {
  (void)state;
  const char *bad[] = {"0", "-5", "abc"};
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = street();
  for (int k = 0; k < 3; k++) {
    char csv[200], want[200];
    snprintf(csv, sizeof csv, "Easting,Northing,Wattage\n530010,180000,70\n530040,180000,%s\n", bad[k]);
    o.lights = tu_write("watt.csv", csv);
    snprintf(want, sizeof want, "watt.csv: line 3: field 'Wattage' value '%s': a lamp's wattage must be a positive number", bad[k]);
    assert_int_equal(run_err(&o, want), SM_E_INPUT);
  }
  /* empty: the inventory's median, counted and stated */
  o.lights = tu_write("watt_empty.csv", "Easting,Northing,Wattage\n530010,180000,70\n530040,180000,\n530070,180000,90\n");
  sm_result *r = run(&o, NULL);
  assert_non_null(strstr(sm_layer_metadata_get(sm_result_layer(r, 0), "warnings"),
                         "1 lamps of --lights have no wattage or lumens (the first: "));
  const sm_layer *L = sm_result_layer_named(r, "audit_lamps");
  assert_true(sm_layer_get_double(L, 1, col(L, "flux_lm")) == 80 * 90); /* median 80 W × HPS 90 lm/W */
  sm_result_destroy(r);
}

static void unknown_lamp_type(void **state) {
  (void)state;
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = street();
  o.lights = tu_write("types.csv", "Easting,Northing,Wattage,Lamp Type\n530010,180000,50,LED\n530040,180000,50,plasma\n");
  sm_result *r = run(&o, NULL);
  const sm_layer *L = sm_result_layer_named(r, "audit_lamps");
  assert_true(sm_layer_get_double(L, 0, col(L, "flux_lm")) == 5000);
  assert_true(sm_layer_get_double(L, 1, col(L, "flux_lm")) == 4500); /* the default, HPS */
  assert_int_equal(sm_layer_get_int(L, 1, col(L, "type_given")), 0);
  assert_non_null(strstr(sm_layer_metadata_get(L, "lamp_types"), "1 lamps with an unrecognised type took the default HPS"));
  sm_result_destroy(r);
}

static void bad_regime_and_status(void **state) {
  (void)state;
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = street();
  o.lights = tu_write("regime.csv", "Easting,Northing,Wattage,Switch Regime\n530010,180000,50,35/18\n530040,180000,50,sometimes\n");
  assert_int_equal(run_err(&o, "regime.csv: line 3: field 'Switch Regime' value 'sometimes': not a switching regime"),
                   SM_E_INPUT);
  o.lights = tu_write("status.csv", "Easting,Northing,Wattage,Status\n530010,180000,50,maybe\n");
  assert_int_equal(run_err(&o, "status.csv: line 2: field 'Status' value 'maybe': not a lamp status"), SM_E_INPUT);
}

static void bad_audit_score(void **state) {
  (void)state;
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = street();
  o.audits = tu_write("score.csv", "Easting,Northing,Lighting,Openness\n530010,180000,2,1\n530040,180000,4,1\n");
  assert_int_equal(run_err(&o, "score.csv: line 3: field 'Lighting' value '4': audit scores are 0 to 3"), SM_E_INPUT);
  o.audits = tu_write("score2.csv", "Easting,Northing,Lighting\n530010,180000,-1\n");
  assert_int_equal(run_err(&o, "score2.csv: line 2: field 'Lighting' value '-1'"), SM_E_INPUT);
  o.audits = tu_write("score3.csv", "Easting,Northing,Lighting\n530010,180000,good\n");
  assert_int_equal(run_err(&o, "value 'good': audit scores are 0 to 3"), SM_E_INPUT);
}

static void defect_fixed_before_reported(void **state) {
  (void)state;
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = street();
  o.defects = tu_write("fixed.csv", "Easting,Northing,Category,Reported,Fixed\n530010,180000,Pothole,2024-03-05,2024-02-01\n");
  assert_int_equal(run_err(&o, "fixed.csv: line 2: fixed before it was reported: field 'Fixed' value '2024-02-01', "
                               "field 'Reported' value '2024-03-05'"), SM_E_INPUT);
}

static void no_lamp_within_reach(void **state) {
  (void)state;
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = street();
  o.lights = tu_write("far.csv", "Easting,Northing,Wattage\n535000,185000,70\n");
  assert_int_equal(run_err(&o, "no lamp of --lights"), SM_E_INPUT);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "is within reach of any street"));
}

static void options_refused(void **state) {
  (void)state;
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  assert_int_equal(sm_audit_options_check(ctx, &o, 0), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "--streets is required"));
  o.streets = "x.gpkg";
  assert_int_equal(sm_audit_options_check(ctx, &o, 0), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "nothing to audit the streets with"));
  assert_int_equal(sm_audit_options_check(ctx, &o, 1), SM_OK);
  o.sample_m = 30;
  assert_int_equal(sm_audit_options_check(ctx, &o, 1), SM_E_INVALID_ARG);
  o.sample_m = 5, o.weights[0] = -1;
  assert_int_equal(sm_audit_options_check(ctx, &o, 1), SM_E_INVALID_ARG);
  for (int k = 0; k < 5; k++) o.weights[k] = 0;
  assert_int_equal(sm_audit_options_check(ctx, &o, 1), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "every weight is 0"));
  sm_audit_options v;
  assert_int_equal(sm_audit_options_init(&v, 2), SM_E_INVALID_ARG);
  assert_int_equal(sm_audit_options_init(&v, 1), SM_OK);
  assert_true(v.segment_m == 25 && v.hour == -1 && v.weights[0] == 0.35);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(planted_row),          cmocka_unit_test(two_lamps_add),
      cmocka_unit_test(part_night_and_out),   cmocka_unit_test(audit_by_hand),
      cmocka_unit_test(priority_sums),        cmocka_unit_test(threads_same_bits),
      cmocka_unit_test(lamps_other_crs),      cmocka_unit_test(streets_not_lines),
      cmocka_unit_test(streets_no_crs),       cmocka_unit_test(lamps_without_position),
      cmocka_unit_test(bad_wattage),          cmocka_unit_test(unknown_lamp_type),
      cmocka_unit_test(bad_regime_and_status), cmocka_unit_test(bad_audit_score),
      cmocka_unit_test(defect_fixed_before_reported), cmocka_unit_test(no_lamp_within_reach),
      cmocka_unit_test(options_refused),      cmocka_unit_test(photometry),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
