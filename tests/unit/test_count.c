/* count: sm_count_run on the bundled Camden data equals what `safemap count` writes */
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

/* The CLI's numbers: 6,416 read, 6,051 in 20 wards, 365 outside; Bloomsbury 700; 20 x 36 monthly rows. */
static void camden(void **state) {
  (void)state;
  sm_result *r = NULL;
  assert_ok(ctx, sm_count_run(ctx, &r, pts, wards, NULL));
  assert_int_equal(sm_result_layer_count(r), 2);
  sm_layer *L = sm_result_layer(r, 0), *T = sm_result_layer(r, 1);
  assert_string_equal(sm_layer_name(L), "ward_counts");
  assert_string_equal(sm_layer_name(T), "ward_counts_by_month");
  assert_true(sm_result_figure(r, "rows_read") == 6416 && sm_result_figure(r, "points") == 6416);
  assert_true(sm_result_figure(r, "points_in_areas") == 6051 && sm_result_figure(r, "points_outside_areas") == 365);
  assert_true(sm_result_figure(r, "areas") == 20 && sm_result_figure(r, "rows_skipped") == 0);
  assert_true(sm_result_figure(r, "outside_max_m") > 100 && sm_result_figure(r, "outside_max_m") < 125);
  assert_non_null(strstr(sm_result_text(r, "outside_note"), "365 points lie outside every area, all within 121 m"));
  assert_int_equal(sm_layer_feature_count(L), 20);
  assert_int_equal(sm_layer_feature_count(T), 720);
  int found = 0;
  for (size_t i = 0; i < 20; i++)
    if (!strcmp(sm_layer_get_string(L, i, 1), "Bloomsbury")) found = 1, assert_int_equal(sm_layer_get_int(L, i, 2), 700);
  assert_true(found);
  assert_string_equal(sm_layer_metadata_get(L, "points_outside_areas"), "365");
  assert_string_equal(sm_layer_metadata_get(L, "crs"), "EPSG:27700");
  assert_string_equal(sm_layer_metadata_get(L, "input_rows_read"), "6416");
  assert_string_equal(sm_layer_metadata_get(T, "input_sources"), "36 (police.uk street-level CSVs)");
  char *csv = sm_result_csv_path(r, "/x/out.csv", 1);
  assert_string_equal(csv, "/x/out_by_month.csv");
  sm_free(csv);
  sm_result_destroy(r);
}

/* Options: defaults, versions, the per-area layer alone; refused inputs. */
static void options(void **state) {
  (void)state;
  sm_count_options o;
  assert_int_equal(sm_count_options_init(&o, 0), SM_E_INVALID_ARG);
  assert_int_equal(sm_count_options_init(&o, SM_COUNT_OPTIONS_VERSION + 1), SM_E_INVALID_ARG);
  assert_ok(ctx, sm_count_options_init(&o, SM_COUNT_OPTIONS_VERSION));
  assert_true(o.by_month == 1 && o.layer_name == NULL);
  sm_result *r = NULL;
  o.version = 0;
  assert_int_equal(sm_count_run(ctx, &r, pts, wards, &o), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "options version 0"));
  o.version = SM_COUNT_OPTIONS_VERSION + 1;
  assert_int_equal(sm_count_run(ctx, &r, pts, wards, &o), SM_E_INVALID_ARG);
  assert_null(r);
  o.version = SM_COUNT_OPTIONS_VERSION, o.by_month = 0, o.layer_name = "lsoa_counts";
  assert_ok(ctx, sm_count_run(ctx, &r, pts, wards, &o));
  assert_int_equal(sm_result_layer_count(r), 1);
  assert_string_equal(sm_layer_name(sm_result_layer(r, 0)), "lsoa_counts");
  sm_result_destroy(r);
  r = NULL;
  assert_int_equal(sm_count_run(ctx, &r, pts, NULL, NULL), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "--wards"));
  sm_read_options ro = SM_READ_OPTIONS_INIT;
  ro.types = "Robbery"; /* every row filtered out */
  const char *src[] = {SM_TEST_SRCDIR "/data/police/camden_burglary"};
  sm_points *none = NULL;
  assert_ok(ctx, sm_points_read(ctx, &none, src, 1, &ro));
  assert_int_equal(sm_count_run(ctx, &r, none, wards, NULL), SM_E_INPUT);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "no points to count: 6,416 rows read, every one skipped or filtered out"));
  sm_points_destroy(none);
}

/* Same bits for 1 and 2 threads. */
static void threads(void **state) {
  (void)state;
  sm_result *a = NULL, *b = NULL;
  sm_ctx_set_threads(ctx, 1);
  assert_ok(ctx, sm_count_run(ctx, &a, pts, wards, NULL));
  sm_ctx_set_threads(ctx, 2);
  assert_ok(ctx, sm_count_run(ctx, &b, pts, wards, NULL));
  sm_layer *ta = sm_result_layer(a, 1), *tb = sm_result_layer(b, 1);
  for (size_t i = 0; i < sm_layer_feature_count(ta); i++) assert_int_equal(sm_layer_get_int(ta, i, 4), sm_layer_get_int(tb, i, 4));
  sm_result_destroy(a);
  sm_result_destroy(b);
}

/* Weights: each point counts its weight; whole sums stay INT64, others are DOUBLE; the metadata says so. */
static void weighted(void **state) {
  (void)state;
  size_t n = sm_points_count(pts);
  double *w = malloc(n * sizeof *w);
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < n; i++) w[i] = pass ? 0.1 : 2;
    sm_points *p = NULL;
    assert_ok(ctx, sm_points_create(ctx, &p, sm_points_crs(pts), n, sm_points_x(pts), sm_points_y(pts),
                                    sm_points_time(pts), w));
    sm_result *r = NULL;
    assert_ok(ctx, sm_count_run(ctx, &r, p, wards, NULL));
    sm_layer *L = sm_result_layer(r, 0), *T = sm_result_layer(r, 1);
    assert_non_null(sm_layer_metadata_get(L, "weights"));
    assert_non_null(sm_layer_metadata_get(T, "weights"));
    assert_true(sm_result_figure(r, "points_in_areas") == 6051); /* points, not weights */
    assert_int_equal(sm_layer_field_type(L, 2), pass ? SM_FIELD_DOUBLE : SM_FIELD_INT64);
    assert_int_equal(sm_layer_field_type(T, 4), pass ? SM_FIELD_DOUBLE : SM_FIELD_INT64);
    double month_sum = 0;
    for (size_t i = 0; i < sm_layer_feature_count(T); i++) month_sum += sm_layer_get_double(T, i, 4);
    assert_true(fabs(month_sum - 6051 * w[0]) < 1e-9);
    for (size_t i = 0; i < 20; i++)
      if (!strcmp(sm_layer_get_string(L, i, 1), "Bloomsbury")) assert_true(fabs(sm_layer_get_double(L, i, 2) - 700 * w[0]) < 1e-9);
    sm_result_destroy(r);
    sm_points_destroy(p);
  }
  free(w);
}

/* 20 copies of the Camden points (128,320: the counting is shared among the threads) with uneven weights: the
 * sums are the same to the bit on 1, 2 and 3 threads, and the wards' totals those made by hand (to 1e-12). */
static void threads_weighted_same_bits(void **state) {
  (void)state;
  size_t n0 = sm_points_count(pts), n = 20 * n0;
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *w = malloc(n * sizeof *w);
  int64_t *t = malloc(n * sizeof *t);
  for (size_t i = 0; i < n; i++) {
    x[i] = sm_points_x(pts)[i % n0], y[i] = sm_points_y(pts)[i % n0], t[i] = sm_points_time(pts)[i % n0];
    w[i] = 0.1 + 1.0 / (double)(1 + i % 977);
  }
  sm_points *p = NULL;
  assert_ok(ctx, sm_points_create(ctx, &p, sm_points_crs(pts), n, x, y, t, w));
  int32_t *where = malloc(n * sizeof *where);
  assert_ok(ctx, sm_areas_locate(ctx, wards, p, where, NULL));
  double *total = calloc(sm_areas_count(wards), sizeof *total);
  for (size_t i = 0; i < n; i++)
    if (where[i] >= 0) total[where[i]] += w[i];
  sm_result *r[3] = {NULL, NULL, NULL};
  for (int k = 0; k < 3; k++) {
    sm_ctx_set_threads(ctx, k + 1);
    assert_ok(ctx, sm_count_run(ctx, &r[k], p, wards, NULL));
    assert_true(sm_result_figure(r[k], "points_in_areas") == 20 * 6051);
    sm_layer *L = sm_result_layer(r[k], 0), *T = sm_result_layer(r[k], 1), *T0 = sm_result_layer(r[0], 1);
    sm_layer *L0 = sm_result_layer(r[0], 0);
    for (size_t a = 0; a < sm_layer_feature_count(L); a++) {
      assert_true(fabs(sm_layer_get_double(L, a, 2) - total[a]) <= 1e-12 * total[a]);
      assert_memory_equal(&(double){sm_layer_get_double(L, a, 2)}, &(double){sm_layer_get_double(L0, a, 2)}, sizeof(double));
    }
    assert_int_equal(sm_layer_feature_count(T), sm_layer_feature_count(T0));
    for (size_t i = 0; i < sm_layer_feature_count(T); i++)
      assert_memory_equal(&(double){sm_layer_get_double(T, i, 4)}, &(double){sm_layer_get_double(T0, i, 4)}, sizeof(double));
  }
  sm_ctx_set_threads(ctx, 0);
  for (int k = 0; k < 3; k++) sm_result_destroy(r[k]);
  sm_points_destroy(p);
  free(x), free(y), free(w), free(t), free(where), free(total);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(camden), cmocka_unit_test(options), cmocka_unit_test(threads),
                                     cmocka_unit_test(weighted), cmocka_unit_test(threads_weighted_same_bits)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
