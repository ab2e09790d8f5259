/* sm_hotspots_run: the pipeline of `safemap hotspots` through the public API, on the bundled Camden data:
 * the numbers the command line prints, its metadata, thread-independence, defaults, versions, refusals. */
#include "testutil.h"

#include <math.h>
#include <string.h>

static sm_ctx *ctx;
static sm_points *points;
static sm_areas *wards;

static int setup(void **state) {
  (void)state;
  if (sm_ctx_create(&ctx) != SM_OK) return 1;
  return tu_read_camden(ctx, &points, &wards, NULL);
}
static int teardown(void **state) {
  (void)state;
  tu_free_camden(ctx, points, wards);
  return 0;
}

static const char *meta(const sm_result *r, const char *key) {
  const char *v = sm_layer_metadata_get(sm_result_layer_named(r, "hotspots"), key);
  return v ? v : "";
}

static int starts(const char *s, const char *prefix) { return s && !strncmp(s, prefix, strlen(prefix)); }

/* The file's bytes (malloc'd), its size in *n. */
static char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)len + 1);
  assert_non_null(b);
  assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  *n = (size_t)len;
  return b;
}

/* opts NULL: the wards, queen contiguity, counts, as `safemap hotspots POINTS --wards W` (20 wards, 2 hot and
 * 0 cold after FDR, 365 points outside, global Moran's I 0.2163, z 2.25, p 0.0122). */
static void wards_defaults(void **state) {
  (void)state;
  sm_result *r = NULL;
  assert_int_equal(sm_hotspots_run(ctx, &r, points, wards, NULL), SM_OK);
  assert_int_equal(sm_result_layer_count(r), 1);
  sm_layer *L = sm_result_layer(r, 0);
  assert_string_equal(sm_layer_name(L), "hotspots");
  assert_int_equal(sm_layer_feature_count(L), 20);
  assert_true(sm_layer_field_index(L, "total") >= 0 && sm_layer_field_index(L, "gi_bin_fdr") >= 0);
  assert_true(sm_layer_field_index(L, "lisa_class") >= 0 && sm_layer_field_index(L, "gi_p_sim") < 0);
  assert_true(sm_result_figure(r, "units") == 20 && sm_result_figure(r, "hot") == 2 && sm_result_figure(r, "cold") == 0);
  assert_true(sm_result_figure(r, "outside") == 365);
  assert_true(fabs(sm_result_figure(r, "global_moran_i") - 0.216263) < 5e-7);
  assert_true(fabs(sm_result_figure(r, "global_moran_z") - 2.25) < 5e-3);
  assert_true(isnan(sm_result_figure(r, "band_m")));
  assert_string_equal(sm_result_text(r, "unit_kind"), "wards");
  assert_string_equal(sm_result_text(r, "weights"), "queen");
  assert_string_equal(meta(r, "weights"), "queen contiguity (spdep poly2nb: shared boundary points)");
  assert_string_equal(meta(r, "value"), "incident count");
  assert_string_equal(meta(r, "points_outside_cells"), "365");
  assert_true(starts(meta(r, "global_moran"), "I 0.216263, E -0.052632, variance 0.0142806 (randomisation), z 2.250"));
  assert_string_equal(meta(r, "option_units"), "wards");
  assert_string_equal(meta(r, "option_weights"), "queen");
  assert_string_equal(meta(r, "input_points"), "6416");
  assert_string_equal(meta(r, "points_outside_areas"), "365");
  sm_result_destroy(r);
}

/* 200 m cells in the wards with a 300 m band: 536 cells, 46 hot and 47 cold, 401 outside, I 0.3225. */
static void fishnet_band(void **state) {
  (void)state;
  sm_hotspots_options o;
  assert_int_equal(sm_hotspots_options_init(&o, SM_HOTSPOTS_OPTIONS_VERSION), SM_OK);
  o.units = SM_UNIT_FISHNET, o.cell_m = 200, o.band_m = 300;
  sm_result *r = NULL;
  assert_int_equal(sm_hotspots_run(ctx, &r, points, wards, &o), SM_OK);
  assert_int_equal(sm_layer_feature_count(sm_result_layer(r, 0)), 536);
  assert_true(sm_result_figure(r, "units") == 536 && sm_result_figure(r, "hot") == 46 && sm_result_figure(r, "cold") == 47);
  assert_true(sm_result_figure(r, "outside") == 401 && sm_result_figure(r, "cell_m") == 200 && sm_result_figure(r, "band_m") == 300);
  assert_true(fabs(sm_result_figure(r, "global_moran_i") - 0.3225) < 5e-5);
  assert_string_equal(sm_result_text(r, "unit_kind"), "fishnet");
  assert_string_equal(sm_result_text(r, "weights"), "band");
  assert_string_equal(meta(r, "weights"), "binary distance band 300 m");
  assert_string_equal(meta(r, "cell_m"), "200");
  assert_string_equal(meta(r, "units"), "square fishnet cells");
  assert_string_equal(meta(r, "option_band_m"), "300");
  sm_result_destroy(r);
  /* k nearest cells: every cell has exactly 6; min-neighbours: 97 cells given more at 210 m */
  o.band_m = 0, o.weights = SM_HOTSPOT_WEIGHTS_KNN, o.neighbours = 6;
  assert_int_equal(sm_hotspots_run(ctx, &r, points, wards, &o), SM_OK);
  assert_string_equal(meta(r, "weights"), "6 nearest cell centres (binary)");
  assert_true(sm_result_figure(r, "neighbours") == 6);
  sm_result_destroy(r);
  o.weights = SM_HOTSPOT_WEIGHTS_BAND, o.neighbours = 0, o.band_m = 210, o.min_neighbours = 4;
  assert_int_equal(sm_hotspots_run(ctx, &r, points, wards, &o), SM_OK);
  assert_string_equal(meta(r, "min_neighbours"), "at least 4 (the nearest cells added to 97 cells)");
  assert_true(sm_result_figure(r, "extended") == 97);
  sm_result_destroy(r);
}

/* Counts of incidents are stored as integers; weighted counts that are not whole stay reals. */
static void count_types(void **state) {
  (void)state;
  sm_hotspots_options o = SM_HOTSPOTS_OPTIONS_INIT;
  o.units = SM_UNIT_FISHNET, o.cell_m = 200, o.band_m = 300;
  sm_result *r = NULL;
  assert_int_equal(sm_hotspots_run(ctx, &r, points, wards, &o), SM_OK);
  const sm_layer *L = sm_result_layer(r, 0);
  size_t fc = (size_t)sm_layer_field_index(L, "count");
  assert_int_equal(sm_layer_field_type(L, fc), SM_FIELD_INT64);
  double total = 0;
  for (size_t i = 0; i < sm_layer_feature_count(L); i++) total += sm_layer_get_double(L, i, fc);
  assert_true(total == 6416 - sm_result_figure(r, "outside"));
  sm_result_destroy(r);
  /* 3 x 3 cells of 100 m, cell c with 2 (c + 1) incidents of weight 0.5: counts 1..9 (whole), then one of 1.25 */
  double x[90], y[90], w[90];
  size_t n = 0;
  for (int c = 0; c < 9; c++)
    for (int k = 0; k < 2 * (c + 1); k++) x[n] = 50 + 100 * (c % 3), y[n] = 50 + 100 * (c / 3), w[n++] = 0.5;
  sm_points *p = NULL;
  assert_int_equal(sm_points_create(ctx, &p, "EPSG:27700", n, x, y, NULL, w), SM_OK);
  o.cell_m = 100, o.band_m = 150;
  assert_int_equal(sm_hotspots_run(ctx, &r, p, NULL, &o), SM_OK);
  L = sm_result_layer(r, 0);
  assert_int_equal(sm_layer_field_type(L, (size_t)sm_layer_field_index(L, "count")), SM_FIELD_INT64);
  sm_result_destroy(r);
  sm_points_destroy(p);
  w[0] = 0.75;
  assert_int_equal(sm_points_create(ctx, &p, "EPSG:27700", n, x, y, NULL, w), SM_OK);
  assert_int_equal(sm_hotspots_run(ctx, &r, p, NULL, &o), SM_OK);
  L = sm_result_layer(r, 0);
  fc = (size_t)sm_layer_field_index(L, "count");
  assert_int_equal(sm_layer_field_type(L, fc), SM_FIELD_DOUBLE);
  total = 0;
  for (size_t i = 0; i < sm_layer_feature_count(L); i++) total += sm_layer_get_double(L, i, fc);
  assert_true(fabs(total - 45.25) < 1e-12);
  sm_result_destroy(r);
  sm_points_destroy(p);
}

/* Permutations (seed from the options): the same CSV bytes for 1 and 2 threads, whatever the ctx's seed. */
static void threads_same_bytes(void **state) {
  (void)state;
  sm_hotspots_options o = SM_HOTSPOTS_OPTIONS_INIT;
  o.cell_m = 200, o.band_m = 300, o.permutations = 199, o.seed = 5;
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  const char *path[2] = {tu_path("perm1.csv"), tu_path("perm2.csv")};
  for (int t = 0; t < 2; t++) {
    sm_result *r = NULL;
    sm_ctx_set_threads(ctx, t + 1);
    sm_ctx_set_seed(ctx, 1000 + (uint64_t)t);
    assert_int_equal(sm_hotspots_run(ctx, &r, points, NULL, &o), SM_OK);
    assert_int_equal(sm_ctx_seed(ctx), 1000 + (uint64_t)t); /* the ctx's seed is left as it was */
    assert_true(sm_result_figure(r, "units") == 1254 && sm_result_figure(r, "hot") == 198);
    assert_true(starts(meta(r, "permutations"), "199 conditional permutations, seed 5;"));
    assert_string_equal(meta(r, "option_seed"), "5");
    assert_int_equal(sm_result_write(ctx, r, path[t], &wo), SM_OK);
    sm_result_destroy(r);
  }
  sm_ctx_set_threads(ctx, 0);
  size_t n1, n2;
  char *a = slurp(path[0], &n1), *b = slurp(path[1], &n2);
  assert_true(n1 == n2 && !memcmp(a, b, n1));
  assert_true(starts(a, "unit_id,row,col,count,neighbours,gi_z,gi_p,gi_bin,gi_bin_fdr,lisa_i,lisa_z,lisa_p,lisa_class,"
                          "gi_p_sim,lisa_p_sim"));
  free(a), free(b);
}

/* Optimized Hot Spot Analysis in the wards: 94 m cells, a 312 m band, 2428 cells. */
static void optimised(void **state) {
  (void)state;
  sm_hotspots_options o = SM_HOTSPOTS_OPTIONS_INIT;
  o.units = SM_UNIT_FISHNET, o.optimised = 1;
  sm_result *r = NULL;
  assert_int_equal(sm_hotspots_run(ctx, &r, points, wards, &o), SM_OK);
  assert_true(sm_result_figure(r, "units") == 2428 && sm_result_figure(r, "cell_m") == 94);
  assert_true(sm_result_figure(r, "band_m") == 312 && sm_result_figure(r, "hot") == 284 && sm_result_figure(r, "cold") == 403);
  assert_true(sm_result_figure(r, "optimised_incidents") == 6051 && sm_result_figure(r, "cells_dropped") == 0);
  assert_true(starts(sm_result_text(r, "optimised_cell"), "94 m = roof(2 x max(median 41.8 m, mean 46.7 m))"));
  assert_true(starts(sm_result_text(r, "optimised_band"), "312 m: no peak"));
  assert_true(starts(meta(r, "optimised_isa"), "10 bands from 95 m by 94 m"));
  assert_string_equal(meta(r, "optimised_cell"), sm_result_text(r, "optimised_cell"));
  sm_result_destroy(r);
  /* the wards themselves are too few */
  o.units = SM_UNIT_AUTO;
  assert_int_equal(sm_hotspots_run(ctx, &r, points, wards, &o), SM_E_INPUT);
  assert_null(r);
  assert_string_equal(sm_ctx_last_error(ctx), "--optimised needs at least 30 wards to analyse, not 20");
}

/* A band reaching no other cell is refused; one reaching most but not all warns, naming the cells. */
static void lonely(void **state) {
  (void)state;
  sm_hotspots_options o = SM_HOTSPOTS_OPTIONS_INIT;
  o.cell_m = 200, o.band_m = 150;
  sm_result *r = NULL;
  assert_int_equal(sm_hotspots_run(ctx, &r, points, NULL, &o), SM_E_INPUT);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "no cell has a neighbour"));
  o.cell_m = 20000, o.band_m = 30000;
  assert_int_equal(sm_hotspots_run(ctx, &r, points, NULL, &o), SM_E_INPUT);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "need at least 3 cells, not 1"));
  o.optimised = 1, o.cell_m = 0, o.band_m = 0;
  assert_int_equal(sm_hotspots_run(ctx, &r, points, NULL, &o), SM_OK);
  assert_true(sm_result_figure(r, "units") == 1035 && sm_result_figure(r, "cells_dropped") == 4635);
  assert_true(sm_result_figure(r, "lonely") == 1);
  assert_string_equal(meta(r, "warnings"), "1 cells have no neighbour (their gi_z is empty): 1026");
  sm_result_destroy(r);
}

/* Rates per ward: 3 x 3 square wards, every ward's denominator > 0, rate = total / denominator x per. */
static void rates(void **state) {
  (void)state;
  char gj[4096];
  int k = snprintf(gj, sizeof gj, "{\"type\":\"FeatureCollection\",\"features\":[");
  for (int i = 0; i < 9; i++) {
    double x = 529000 + 1000 * (i % 3), y = 183000 + 1000 * (i / 3);
    k += snprintf(gj + k, sizeof gj - (size_t)k,
                  "%s{\"type\":\"Feature\",\"properties\":{\"code\":\"W%d\",\"name\":\"Ward %d\",\"hh\":%d,\"bad\":%d},"
                  "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}}",
                  i ? "," : "", i, i, 100 + 50 * i, i % 4 ? 10 : 0, x, y, x + 1000, y, x + 1000, y + 1000, x, y + 1000, x, y);
  }
  snprintf(gj + k, sizeof gj - (size_t)k, "]}");
  const char *wpath = tu_write("wards9.geojson", gj);
  char csv[8192] = "x,y\n";
  size_t m = strlen(csv);
  for (int i = 0; i < 9; i++)
    for (int j = 0; j <= (i * 7) % 11; j++)
      m += (size_t)snprintf(csv + m, sizeof csv - m, "%d,%d\n", 529100 + 1000 * (i % 3) + 10 * j, 183100 + 1000 * (i / 3));
  const char *ppath = tu_write("points9.csv", csv);
  sm_read_options ro = SM_READ_OPTIONS_INIT;
  ro.x_field = "x", ro.y_field = "y", ro.crs = "EPSG:27700";
  sm_points *p = NULL;
  sm_areas *a = NULL;
  assert_int_equal(sm_points_read(ctx, &p, &ppath, 1, &ro), SM_OK);
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  ao.crs = "EPSG:27700", ao.analysis_crs = sm_points_crs(p), ao.id_field = "code", ao.name_field = "name";
  ao.value_field = "hh";
  assert_int_equal(sm_areas_read(ctx, &a, wpath, &ao), SM_OK);
  sm_hotspots_options o = SM_HOTSPOTS_OPTIONS_INIT;
  o.rates = 1, o.per = 10;
  sm_result *r = NULL;
  assert_int_equal(sm_hotspots_run(ctx, &r, p, a, &o), SM_OK);
  sm_layer *L = sm_result_layer(r, 0);
  long ft = sm_layer_field_index(L, "total"), fd = sm_layer_field_index(L, "denominator"), fr = sm_layer_field_index(L, "rate");
  assert_true(ft >= 0 && fd >= 0 && fr >= 0);
  for (size_t i = 0; i < 9; i++) {
    double d = sm_layer_get_double(L, i, (size_t)fd);
    assert_true(d == 100 + 50 * (double)i);
    assert_true(fabs(sm_layer_get_double(L, i, (size_t)fr) - (double)sm_layer_get_int(L, i, (size_t)ft) / d * 10) < 1e-12);
  }
  assert_string_equal(meta(r, "value"), "rate: incidents per 10 of hh (field denominator)");
  assert_string_equal(sm_result_text(r, "rate_field"), "hh");
  assert_true(sm_result_figure(r, "per") == 10 && sm_result_figure(r, "units") == 9);
  sm_result_destroy(r);
  sm_areas_destroy(a);
  /* a zero denominator: every such ward named in one message */
  ao.value_field = "bad";
  assert_int_equal(sm_areas_read(ctx, &a, wpath, &ao), SM_OK);
  assert_int_equal(sm_hotspots_run(ctx, &r, p, a, &o), SM_E_INPUT);
  assert_string_equal(sm_ctx_last_error(ctx), "ward W0 (Ward 0): field bad is 0; ward W4 (Ward 4): field bad is 0; "
                                              "ward W8 (Ward 8): field bad is 0; a rate needs a denominator > 0");
  sm_areas_destroy(a);
  sm_points_destroy(p);
}

/* Versions, names, and every refused combination with the command line's words. */
static void refusals(void **state) {
  (void)state;
  sm_hotspots_options o;
  assert_int_equal(sm_hotspots_options_init(&o, 0), SM_E_INVALID_ARG);
  assert_int_equal(sm_hotspots_options_init(&o, SM_HOTSPOTS_OPTIONS_VERSION + 1), SM_E_INVALID_ARG);
  assert_int_equal(sm_hotspots_options_init(NULL, 1), SM_E_INVALID_ARG);
  sm_result *r = NULL;
  o = (sm_hotspots_options)SM_HOTSPOTS_OPTIONS_INIT;
  o.version = 0;
  assert_int_equal(sm_hotspots_run(ctx, &r, points, wards, &o), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "options version 0"));
  o.version = SM_HOTSPOTS_OPTIONS_VERSION + 1;
  assert_int_equal(sm_hotspots_run(ctx, &r, points, wards, &o), SM_E_INVALID_ARG);
  assert_int_equal(sm_hotspots_run(ctx, NULL, points, wards, NULL), SM_E_INVALID_ARG);

  sm_hotspot_weights w;
  for (int i = 0; i < SM_HOTSPOT_WEIGHTS_END_; i++) {
    assert_int_equal(sm_hotspot_weights_from_name(ctx, sm_hotspot_weights_name((sm_hotspot_weights)i), &w), SM_OK);
    assert_int_equal(w, i);
  }
  assert_null(sm_hotspot_weights_name(SM_HOTSPOT_WEIGHTS_END_));
  assert_int_equal(sm_hotspot_weights_from_name(ctx, "cosine", &w), SM_E_INVALID_ARG);
  assert_string_equal(sm_ctx_last_error(ctx), "unknown --weights 'cosine' (queen, rook, band, idw, idw2, knn)");

  static const struct {
    int wards, units, weights, optimised, rates;
    double cell, band, per;
    unsigned k, min_k;
    const char *msg;
  } bad[] = {
      {0, SM_UNIT_AREAS, 0, 0, 0, 0, 0, 0, 0, 0, "--grid wards needs --wards"},
      {0, 0, SM_HOTSPOT_WEIGHTS_KNN, 1, 0, 0, 0, 0, 0, 0, "--optimised uses a fixed distance band (as ArcGIS's Optimized Hot Spot Analysis), not --weights knn"},
      {0, 0, 0, 1, 0, 0, 0, 0, 3, 0, "--optimised chooses its own distance band; --neighbours is not used with it"},
      {0, 0, 0, 1, 0, 0, 0, 0, 0, 3, "--optimised chooses its own distance band; --min-neighbours is not used with it"},
      {0, 0, SM_HOTSPOT_WEIGHTS_QUEEN, 0, 0, 200, 0, 0, 0, 0, "--weights queen is for polygon units (--wards); grid cells take band, idw, idw2 or knn"},
      {0, 0, 0, 0, 0, 200, 300, 0, 4, 0, "--neighbours is for --weights knn"},
      {0, 0, SM_HOTSPOT_WEIGHTS_KNN, 0, 0, 200, 0, 0, 0, 4, "--min-neighbours is for --weights band, idw or idw2"},
      {0, 0, 0, 0, 1, 200, 300, 0, 0, 0, "--rate-field and --per are for ward units (a field of the --wards layer)"},
      {1, 0, 0, 0, 0, 0, 0, 100, 0, 0, "--per needs --rate-field"},
      {0, 0, 0, 0, 0, 0, 300, 0, 0, 0, "--cell is required (fishnet cell size in metres), or --optimised"},
      {0, 0, SM_HOTSPOT_WEIGHTS_IDW, 0, 0, 200, 0, 0, 0, 0, "--band is required (distance band in metres), or --optimised"},
      {1, 0, 0, 0, 0, 200, 0, 0, 0, 0, "--cell is for --grid fishnet or hexagon"},
      {1, 0, SM_HOTSPOT_WEIGHTS_QUEEN, 0, 0, 0, 100, 0, 0, 0, "--band is for --weights band, idw or idw2 (not queen contiguity)"},
      {0, 0, 0, 0, 0, -5, 300, 0, 0, 0, "--cell needs metres > 0, not -5"},
      {0, 0, SM_HOTSPOT_WEIGHTS_KNN, 0, 0, 200, 300, 0, 0, 0, "--weights knn takes --neighbours, not --band"},
      {0, 0, 0, 0, 0, 200, -1, 0, 0, 0, "--band needs metres > 0, not -1"},
      {1, 0, 0, 0, 1, 0, 0, 0, 0, 0, "--rate-field: the wards were read without a value field (sm_areas_options.value_field)"},
      {1, 0, 0, 0, 1, 0, 0, -2, 0, 0, "--per needs a number > 0, not -2"},
      {1, 0, SM_HOTSPOT_WEIGHTS_KNN, 0, 0, 0, 0, 0, 20, 0, "--neighbours 20 needs more than 20 units, not 20"},
      {1, 0, SM_HOTSPOT_WEIGHTS_BAND, 0, 0, 0, 100, 0, 0, 0, "the band (100 m) is shorter than the distance from every ward's centroid to its nearest: no ward has a neighbour"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    o = (sm_hotspots_options)SM_HOTSPOTS_OPTIONS_INIT;
    o.units = (sm_unit_kind)bad[i].units, o.weights = (sm_hotspot_weights)bad[i].weights;
    o.optimised = bad[i].optimised, o.rates = bad[i].rates, o.cell_m = bad[i].cell, o.band_m = bad[i].band;
    o.per = bad[i].per, o.neighbours = bad[i].k, o.min_neighbours = bad[i].min_k;
    r = NULL;
    sm_status st = sm_hotspots_run(ctx, &r, points, bad[i].wards ? wards : NULL, &o);
    if (st == SM_OK || strcmp(sm_ctx_last_error(ctx), bad[i].msg)) {
      print_error("case %zu: status %d, message '%s', want '%s'\n", i, (int)st, sm_ctx_last_error(ctx), bad[i].msg);
      sm_result_destroy(r);
      fail();
    }
    assert_null(r);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(wards_defaults), cmocka_unit_test(fishnet_band), cmocka_unit_test(threads_same_bytes),
      cmocka_unit_test(optimised),      cmocka_unit_test(lonely),       cmocka_unit_test(rates),
      cmocka_unit_test(refusals),       cmocka_unit_test(count_types),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
