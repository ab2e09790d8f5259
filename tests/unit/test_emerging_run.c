/* sm_emerging_run through the public API alone: the layers, figures and metadata `safemap emerging` writes,
 * the same bits for 1 and 2 threads, the defaults, the options' versions and every refused combination. */
#include "testutil.h"

#include <math.h>
#include <string.h>

static sm_ctx *ctx;
static sm_points *points;
static sm_areas *wards;

static int setup(void **state) {
  (void)state;
  if (sm_ctx_create(&ctx) != SM_OK) return 1;
  char dir[1024], gpkg[1024];
  snprintf(dir, sizeof dir, "%s/data/police/camden_burglary", SM_TEST_SRCDIR);
  snprintf(gpkg, sizeof gpkg, "%s/data/wards/camden_wards_2024.gpkg", SM_TEST_SRCDIR);
  const char *src[] = {dir};
  if (sm_points_read(ctx, &points, src, 1, NULL) != SM_OK) return 1;
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  ao.analysis_crs = sm_points_crs(points);
  return sm_areas_read(ctx, &wards, gpkg, &ao) != SM_OK;
}
static int teardown(void **state) {
  (void)state;
  sm_areas_destroy(wards);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  return 0;
}

/* A file's text (malloc'd). */
static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  assert_non_null(s);
  assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
  s[n] = '\0';
  fclose(f);
  return s;
}

/* Writes the result as OUT.csv + OUT_bins.csv; returns both texts joined (malloc'd). */
static char *as_csv(const sm_result *r, const char *name) {
  sm_write_options wo;
  sm_write_options_init(&wo, SM_WRITE_OPTIONS_VERSION);
  wo.overwrite = 1;
  const char *path = tu_path(name);
  assert_int_equal(sm_result_write(ctx, r, path, &wo), SM_OK);
  char *bins_path = sm_result_csv_path(r, path, 1);
  assert_non_null(bins_path);
  assert_non_null(strstr(bins_path, "_bins.csv"));
  char *a = slurp(path), *b = slurp(bins_path);
  size_t na = strlen(a), nb = strlen(b);
  char *both = malloc(na + nb + 1);
  assert_non_null(both);
  memcpy(both, a, na), memcpy(both + na, b, nb + 1);
  free(a), free(b), sm_free(bins_path);
  return both;
}

static sm_result *run_ok(const sm_emerging_options *o, const sm_areas *areas) {
  sm_result *r = NULL;
  sm_status st = sm_emerging_run(ctx, &r, points, areas, o);
  if (st) fprintf(stderr, "sm_emerging_run: %s\n", sm_ctx_last_error(ctx));
  assert_int_equal(st, SM_OK);
  assert_non_null(r);
  return r;
}

/* The wards by month (safemap emerging POINTS --wards W): what the command line writes. */
static void wards_by_month(void **state) {
  (void)state;
  sm_result *r = run_ok(NULL, wards);
  assert_int_equal(sm_result_layer_count(r), 2);
  sm_layer *L = sm_result_layer(r, 0), *B = sm_result_layer(r, 1);
  assert_string_equal(sm_layer_name(L), "emerging");
  assert_string_equal(sm_layer_name(B), "emerging_bins");
  assert_int_equal(sm_layer_feature_count(L), 20);
  assert_int_equal(sm_layer_feature_count(B), 720);
  double sum = 0;
  long fc = sm_layer_field_index(B, "count");
  for (size_t i = 0; i < 720; i++) sum += sm_layer_get_double(B, i, (size_t)fc);
  assert_true(sum == 6051);
  assert_true(sm_result_figure(r, "locations") == 20 && sm_result_figure(r, "units") == 20);
  assert_true(sm_result_figure(r, "steps") == 36 && sm_result_figure(r, "outside") == 365);
  assert_true(sm_result_figure(r, "no_pattern") == 20 && sm_result_figure(r, "new_hot") == 0);
  assert_true(sm_result_figure(r, "time_lag") == 1 && sm_result_figure(r, "lonely") == 0);
  assert_true(fabs(sm_result_figure(r, "overall_trend_z") - 3.19) < 0.005);
  assert_true(fabs(sm_result_figure(r, "empty_bins_percent") - 1.25) < 1e-9);
  assert_string_equal(sm_result_text(r, "units"), "wards");
  assert_string_equal(sm_result_text(r, "step"), "month");
  assert_string_equal(sm_result_text(r, "first_step"), "2022-03");
  assert_string_equal(sm_result_text(r, "last_step"), "2025-02");
  assert_string_equal(sm_result_text(r, "overall_trend"), "rising");
  assert_null(sm_result_text(r, "band"));
  /* metadata: today's keys, the options, the inputs */
  assert_string_equal(sm_layer_metadata_get(L, "weights"), "queen contiguity, each ward its own neighbour");
  assert_string_equal(sm_layer_metadata_get(B, "time_step"), "month");
  assert_string_equal(sm_layer_metadata_get(L, "time_lag"), "1 (the same location and its neighbours at the 1 step before)");
  assert_string_equal(sm_layer_metadata_get(L, "global_window"), "the whole cube (ArcGIS ENTIRE_CUBE)");
  assert_string_equal(sm_layer_metadata_get(B, "overall_trend"),
                      "Mann-Kendall of the cube's total per step: S 235, z 3.189, p 0.00143, tau 0.373");
  assert_string_equal(sm_layer_metadata_get(L, "grid"), "wards");
  assert_string_equal(sm_layer_metadata_get(B, "input_points"), "6416");
  assert_non_null(sm_layer_metadata_get(L, "input_areas"));
  assert_null(sm_layer_metadata_get(L, "permutations"));
  /* rows as the command line writes them */
  char *csv = as_csv(r, "wards.csv");
  assert_non_null(strstr(csv, "area_id,area_name,count,category,category_code,hot_steps,cold_steps,percent_hot,percent_cold,"
                              "final_state,final_run,trend_z,trend_p,trend_tau,count_trend_z,count_trend_p,neighbours,"
                              "simple_category\n"));
  assert_non_null(strstr(csv, "\nE05013662,Holborn & Covent Garden,675,No Pattern Detected,0,27,0,75,0,,0,0.996670236129997,"
                              "0.318924601418809,0.117460317460317,0.628566255407481,0.529633057962226,2,Intermittent Hot Spot\n"));
  assert_non_null(strstr(csv, "location,step,count,gi_z,gi_p,gi_bin_fdr\nE05013652,2022-03,9,-1.29694704914547,"
                              "0.194649406484957,0\nE05013652,2022-04,6,-2.22816770554465,0.0258693337369886,0\n"));
  /* opts NULL are the defaults */
  sm_emerging_options o;
  assert_int_equal(sm_emerging_options_init(&o, SM_EMERGING_OPTIONS_VERSION), SM_OK);
  sm_result *r2 = run_ok(&o, wards);
  char *csv2 = as_csv(r2, "wards2.csv");
  assert_string_equal(csv, csv2);
  free(csv), free(csv2);
  sm_result_destroy(r2);
  sm_result_destroy(r);
}

/* ArcMap's wording: sporadic hot spots without a hot final step (--rules arcmap). */
static void arcmap_rules(void **state) {
  (void)state;
  sm_emerging_options o = SM_EMERGING_OPTIONS_INIT;
  o.rules = SM_EHSA_ARCMAP;
  sm_result *r = run_ok(&o, wards);
  assert_true(sm_result_figure(r, "sporadic_hot") == 4);
  assert_non_null(strstr(sm_layer_metadata_get(sm_result_layer(r, 0), "rules"), "ArcMap 10.x wording"));
  sm_result_destroy(r);
}

/* Fishnet cells by quarter (--grid fishnet --cell 250 --band 400 --bin quarter): the same bits for 1 and 2 threads. */
static void cells_by_quarter_threads(void **state) {
  (void)state;
  sm_emerging_options o = SM_EMERGING_OPTIONS_INIT;
  o.units = SM_UNIT_FISHNET, o.cell_m = 250, o.band_m = 400, o.bin = SM_BIN_QUARTER;
  char *csv[2];
  for (int t = 0; t < 2; t++) {
    sm_ctx_set_threads(ctx, t + 1);
    sm_result *r = run_ok(&o, wards);
    assert_true(sm_result_figure(r, "locations") == 290 && sm_result_figure(r, "units") == 346);
    assert_true(sm_result_figure(r, "steps") == 13 && sm_result_figure(r, "outside") == 461);
    assert_true(sm_result_figure(r, "consecutive_hot") == 6 && sm_result_figure(r, "intensifying_hot") == 2);
    assert_true(sm_result_figure(r, "sporadic_hot") == 11 && sm_result_figure(r, "new_cold") == 1);
    assert_true(sm_result_figure(r, "no_pattern") == 270 && sm_result_figure(r, "band_m") == 400);
    assert_true(sm_result_figure(r, "lonely") == 1);
    assert_string_equal(sm_result_text(r, "units"), "fishnet");
    assert_string_equal(sm_result_text(r, "first_step"), "2022-01");
    sm_layer *L = sm_result_layer(r, 0);
    assert_string_equal(sm_layer_metadata_get(L, "weights"), "binary distance band 400 m between cell centres, each its own neighbour");
    assert_string_equal(sm_layer_metadata_get(L, "cell"), "250 m");
    assert_string_equal(sm_layer_metadata_get(L, "grid"), "fishnet");
    assert_non_null(strstr(sm_layer_metadata_get(L, "warnings"), "1 locations have no spatial neighbour (only their own past): 284"));
    assert_string_equal(sm_layer_metadata_get(L, "warnings"), sm_layer_metadata_get(sm_result_layer(r, 1), "warnings"));
    csv[t] = as_csv(r, t ? "cells2.csv" : "cells1.csv");
    sm_result_destroy(r);
  }
  sm_ctx_set_threads(ctx, 0);
  assert_non_null(strstr(csv[0], "\n0,0,24,122,Intensifying Hot Spot,3,12,0,92.3076923076923,0,hot,12,2.15410109213832,"
                                 "0.0312322449215439,0.461538461538462,0.80314268217978,0.421892270179954,4,Persistent Hot Spot\n"));
  assert_string_equal(csv[0], csv[1]);
  free(csv[0]), free(csv[1]);
}

/* --permutations 99 --seed 3: gi_p_sim, the same bits for 1 and 2 threads, the seed from the options. */
static void permutations_seeded(void **state) {
  (void)state;
  sm_emerging_options o = SM_EMERGING_OPTIONS_INIT;
  o.permutations = 99, o.seed = 3;
  sm_ctx_set_seed(ctx, 12345); /* not used: the options carry the seed */
  char *csv[2];
  for (int t = 0; t < 2; t++) {
    sm_ctx_set_threads(ctx, t + 1);
    sm_result *r = run_ok(&o, wards);
    sm_layer *B = sm_result_layer(r, 1);
    assert_true(sm_layer_field_index(B, "gi_p_sim") >= 0);
    assert_string_equal(sm_layer_metadata_get(B, "seed"), "3");
    assert_string_equal(sm_layer_metadata_get(B, "permutations"),
                        "99 conditional permutations over the whole cube, seed 3; gi_bin_fdr from gi_p_sim");
    csv[t] = as_csv(r, t ? "perm2.csv" : "perm1.csv");
    sm_result_destroy(r);
  }
  sm_ctx_set_threads(ctx, 0);
  assert_int_equal(sm_ctx_seed(ctx), 12345);
  assert_non_null(strstr(csv[0], "gi_bin_fdr,gi_p_sim\nE05013652,2022-03,9,-1.29694704914547,0.194649406484957,0,0.14\n"));
  assert_string_equal(csv[0], csv[1]);
  free(csv[0]), free(csv[1]);
}

/* --band auto on 250 m cells: ArcGIS's optimised band, in the figures, texts and metadata. */
static void band_auto(void **state) {
  (void)state;
  sm_emerging_options o = SM_EMERGING_OPTIONS_INIT;
  o.units = SM_UNIT_FISHNET, o.cell_m = 250, o.band_auto = 1;
  sm_result *r = run_ok(&o, wards);
  assert_true(fabs(sm_result_figure(r, "band_m") - 1045.12) < 0.005);
  assert_string_equal(sm_result_text(r, "band"),
                      "1045.12 m: the first peak of incremental spatial autocorrelation (global Moran's I z 14.46)");
  assert_non_null(strstr(sm_result_text(r, "band_isa"), "10 bands from 251 m by 198.5 m"));
  assert_non_null(strstr(sm_layer_metadata_get(sm_result_layer(r, 0), "weights"),
                         "binary distance band 1045.12 m between cell centres, each its own neighbour; --band auto: "
                         "1045.12 m: the first peak"));
  sm_result_destroy(r);
}

/* Options versions: 0 and one newer than the library are refused. */
static void versions(void **state) {
  (void)state;
  sm_emerging_options o;
  assert_int_equal(sm_emerging_options_init(&o, 0), SM_E_INVALID_ARG);
  assert_int_equal(sm_emerging_options_init(&o, SM_EMERGING_OPTIONS_VERSION + 1), SM_E_INVALID_ARG);
  assert_int_equal(sm_emerging_options_init(NULL, 1), SM_E_INVALID_ARG);
  assert_int_equal(sm_emerging_options_init(&o, 1), SM_OK);
  assert_int_equal(o.version, 1);
  assert_true(o.bin == SM_BIN_MONTH && o.trend_alpha == 0.05 && o.time_lag == -1 && o.reference == SM_TIME_MISSING);
  sm_result *r = NULL;
  o.version = 0;
  assert_int_equal(sm_emerging_run(ctx, &r, points, wards, &o), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "version 0"));
  o.version = SM_EMERGING_OPTIONS_VERSION + 1;
  assert_int_equal(sm_emerging_run(ctx, &r, points, wards, &o), SM_E_INVALID_ARG);
  assert_null(r);
  assert_int_equal(sm_emerging_run(ctx, NULL, points, wards, NULL), SM_E_INVALID_ARG);
  assert_int_equal(sm_emerging_run(ctx, &r, NULL, wards, NULL), SM_E_INVALID_ARG);
}

/* Every refused combination, with the text the command line prints. */
static void refused_options(void **state) {
  (void)state;
  static const struct {
    int set; /* which change */
    int areas;
    const char *msg;
  } cases[] = {
      {1, 1, "--weights rook is for ward locations; cells take band or knn"},
      {2, 1, "--neighbours is for --weights knn"},
      {3, 1, "--cell is required (cell size in metres)"},
      {4, 1, "--band is required (distance band in metres)"},
      {5, 1, "--band is for --weights band (not queen contiguity)"},
      {6, 1, "--cell is for --grid fishnet or hexagon"},
      {7, 1, "--weights knn takes --neighbours, not --band"},
      {8, 1, "--reference sets where weeks or N-day steps start"},
      {9, 1, "--global-window step analyses each step alone: no --time-lag"},
      {10, 1, "--permutations draw from the whole cube: they go with --global-window cube"},
      {11, 0, "--grid wards needs --wards"},
      {12, 1, "--band needs metres > 0 or auto"},
      {13, 1, "--cell needs metres > 0"},
      {14, 1, "--trend-alpha"},
      {15, 1, "--bin '0d' is not month"},
      {16, 1, "--time-lag"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sm_emerging_options o = SM_EMERGING_OPTIONS_INIT;
    switch (cases[i].set) {
    case 1: o.units = SM_UNIT_FISHNET, o.cell_m = 250, o.weights = SM_EMERGING_WEIGHTS_ROOK; break;
    case 2: o.neighbours = 4; break;
    case 3: o.units = SM_UNIT_FISHNET, o.band_m = 400; break;
    case 4: o.units = SM_UNIT_FISHNET, o.cell_m = 250; break;
    case 5: o.band_m = 300; break;
    case 6: o.cell_m = 300; break;
    case 7: o.weights = SM_EMERGING_WEIGHTS_KNN, o.band_m = 300; break;
    case 8: o.reference = 1704067200; break;
    case 9: o.global_window = SM_WINDOW_STEP, o.time_lag = 1; break;
    case 10: o.global_window = SM_WINDOW_STEP, o.permutations = 99; break;
    case 11: o.units = SM_UNIT_AREAS; break;
    case 12: o.units = SM_UNIT_FISHNET, o.cell_m = 250, o.band_m = -1; break;
    case 13: o.units = SM_UNIT_FISHNET, o.cell_m = -5, o.band_m = 400; break;
    case 14: o.trend_alpha = 1.5; break;
    case 15: o.bin = SM_BIN_DAYS; break;
    case 16: o.time_lag = 101; break;
    }
    sm_result *r = NULL;
    assert_int_equal(sm_emerging_options_check(ctx, &o, cases[i].areas), SM_E_INVALID_ARG);
    assert_non_null(strstr(sm_ctx_last_error(ctx), cases[i].msg));
    assert_int_equal(sm_emerging_run(ctx, &r, points, cases[i].areas ? wards : NULL, &o), SM_E_INVALID_ARG);
    if (!strstr(sm_ctx_last_error(ctx), cases[i].msg)) fail_msg("case %d: '%s'", cases[i].set, sm_ctx_last_error(ctx));
    assert_null(r);
  }
}

/* What the data cannot give: too few steps, no neighbour at all, more neighbours than locations. */
static void refused_data(void **state) {
  (void)state;
  sm_result *r = NULL;
  sm_emerging_options o = SM_EMERGING_OPTIONS_INIT;
  o.bin = SM_BIN_YEAR;
  assert_int_equal(sm_emerging_run(ctx, &r, points, wards, &o), SM_E_INPUT);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "4 time steps of a year (2022-01 to 2025-01): emerging hot spot analysis needs at least 10"));
  sm_emerging_options_init(&o, 1);
  o.bin = SM_BIN_WEEK;
  assert_int_equal(sm_emerging_run(ctx, &r, points, wards, &o), SM_E_INPUT);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "week steps need dates"));
  sm_emerging_options_init(&o, 1);
  o.units = SM_UNIT_FISHNET, o.cell_m = 250, o.band_m = 100;
  assert_int_equal(sm_emerging_run(ctx, &r, points, wards, &o), SM_E_INPUT);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "no location has a neighbour"));
  sm_emerging_options_init(&o, 1);
  o.weights = SM_EMERGING_WEIGHTS_KNN, o.neighbours = 25;
  assert_int_equal(sm_emerging_run(ctx, &r, points, wards, &o), SM_E_INPUT);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "--neighbours 25 needs more than 25 locations, not 20"));
  assert_null(r);
}

/* The enums' names, both ways; unknown names list the known ones. */
static void names(void **state) {
  (void)state;
  sm_global_window w;
  sm_ehsa_rules ru;
  sm_ehsa_category c;
  sm_bin_unit b;
  sm_emerging_weights we;
  for (int i = 0; i < 3; i++) {
    assert_int_equal(sm_global_window_from_name(ctx, sm_global_window_name((sm_global_window)i), &w), SM_OK);
    assert_int_equal((int)w, i);
  }
  for (int i = 0; i < 2; i++) {
    assert_int_equal(sm_ehsa_rules_from_name(ctx, sm_ehsa_rules_name((sm_ehsa_rules)i), &ru), SM_OK);
    assert_int_equal((int)ru, i);
  }
  for (int i = 0; i <= 16; i++) {
    assert_int_equal(sm_ehsa_category_from_name(ctx, sm_ehsa_category_name((sm_ehsa_category)i), &c), SM_OK);
    assert_int_equal((int)c, i);
  }
  for (int i = 1; i <= 6; i++) {
    assert_int_equal(sm_bin_unit_from_name(ctx, sm_bin_unit_name((sm_bin_unit)i), &b), SM_OK);
    assert_int_equal((int)b, i);
  }
  for (int i = 0; i < SM_EMERGING_WEIGHTS_END_; i++) {
    assert_int_equal(sm_emerging_weights_from_name(ctx, sm_emerging_weights_name((sm_emerging_weights)i), &we), SM_OK);
    assert_int_equal((int)we, i);
  }
  assert_string_equal(sm_ehsa_category_name(SM_EHSA_NEW_HOT), "new_hot");
  assert_string_equal(sm_ehsa_category_name(SM_EHSA_HISTORICAL_COLD), "historical_cold");
  assert_null(sm_ehsa_category_name((sm_ehsa_category)17));
  assert_null(sm_global_window_name((sm_global_window)3));
  assert_null(sm_bin_unit_name((sm_bin_unit)0));
  assert_null(sm_emerging_weights_name(SM_EMERGING_WEIGHTS_END_));
  assert_int_equal(sm_global_window_from_name(ctx, "x", &w), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "--global-window 'x' is not cube, neighbourhood or step"));
  assert_int_equal(sm_ehsa_rules_from_name(ctx, "desktop", &ru), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "--rules 'desktop' is not pro or arcmap"));
  assert_int_equal(sm_bin_unit_from_name(ctx, "fortnight", &b), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "--bin 'fortnight' is not month"));
  assert_int_equal(sm_emerging_weights_from_name(ctx, "cosine", &we), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "unknown --weights 'cosine' (queen, rook, band, knn)"));
  assert_int_equal(sm_ehsa_category_from_name(ctx, "hot", &c), SM_E_INVALID_ARG);
  assert_int_equal(sm_ehsa_category_from_name(ctx, NULL, &c), SM_E_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(wards_by_month),   cmocka_unit_test(arcmap_rules),    cmocka_unit_test(cells_by_quarter_threads),
      cmocka_unit_test(permutations_seeded), cmocka_unit_test(band_auto),  cmocka_unit_test(versions),
      cmocka_unit_test(refused_options),  cmocka_unit_test(refused_data),    cmocka_unit_test(names),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
