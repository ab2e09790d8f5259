/* sm_nearrepeat_run: the near-repeat pipeline through the public API, on the bundled Camden burglaries; the
 * numbers are those of safemap nearrepeat (tests/cli/test_nearrepeat.sh). */
#include "testutil.h"

#include <math.h>
#include <string.h>

#define POINTS SM_TEST_SRCDIR "/data/police/camden_burglary"

static sm_ctx *ctx;
static sm_points *pts;
static const double space[] = {0, 100, 200, 400}, months[] = {0, 1, 2, 3};

static int setup(void **state) {
  (void)state;
  if (sm_ctx_create(&ctx) != SM_OK) return 1;
  const char *src[] = {POINTS};
  return sm_points_read(ctx, &pts, src, 1, NULL) != SM_OK;
}
static int teardown(void **state) {
  (void)state;
  sm_points_destroy(pts);
  sm_ctx_destroy(ctx);
  return 0;
}

static size_t col(const sm_layer *L, const char *name) {
  long f = sm_layer_field_index(L, name);
  if (f < 0) fail_msg("no column %s", name);
  return (size_t)f;
}

static sm_nearrepeat_options month_bands(void) {
  sm_nearrepeat_options o = SM_NEARREPEAT_OPTIONS_INIT;
  o.space_bands_m = space, o.n_space_bands = 4, o.time_bands = months, o.n_time_bands = 4;
  o.time_unit = SM_NEARREPEAT_MONTH;
  return o;
}

/* --time-unit month --space-bands 0,100,200,400 --time-bands 0,1,2,3 --permutations 99 --seed 1 */
static void as_cli(void **state) {
  (void)state;
  sm_nearrepeat_options o = month_bands();
  o.permutations = 99, o.seed = 1;
  sm_result *r = NULL;
  assert_ok(ctx, sm_nearrepeat_run(ctx, &r, pts, NULL, &o));
  assert_int_equal(sm_result_layer_count(r), 1);
  const sm_layer *L = sm_result_layer(r, 0);
  assert_string_equal(sm_layer_name(L), "near_repeat");
  assert_int_equal(sm_layer_feature_count(L), 20);
  assert_int_equal(sm_layer_field_count(L), 12);
  assert_true(sm_result_figure(r, "incidents") == 6416 && sm_result_figure(r, "pairs") == 20579320);
  assert_true(sm_result_figure(r, "permutations") == 99 && sm_result_figure(r, "seed") == 1);
  double s = 0;
  for (size_t i = 0; i < 20; i++) s += sm_layer_get_double(L, i, col(L, "observed"));
  assert_true(s == 20579320);
  assert_string_equal(sm_layer_get_string(L, 0, col(L, "space_band")), "same location");
  assert_string_equal(sm_layer_get_string(L, 0, col(L, "time_band")), "0-1 months");
  assert_true(sm_layer_get_double(L, 0, col(L, "observed")) == 1374);
  assert_string_equal(sm_layer_get_string(L, 19, col(L, "space_band")), "beyond 400 m");
  assert_true(sm_layer_is_null(L, 19, col(L, "time_to")));
  assert_true(sm_result_figure(r, "significant") >= 1);
  assert_contains(sm_result_text(r, "significant_1"),
                  "at the same location and 0 to 1 months after an incident, the chance of another is 117% greater than "
                  "if there were no near-repeat pattern (Knox ratio 2.17, p 0.01)");
  assert_contains(sm_layer_metadata_get(L, "method"), "Knox test: 6416 incidents, 20579320 pairs; Manhattan distance; "
                                                      "intervals [a, b); 99 permutations of the dates, seed 1");
  assert_string_equal(sm_layer_metadata_get(L, "space_bands"), "0,100,200,400");
  assert_string_equal(sm_layer_metadata_get(L, "time_bands"), "0,1,2,3");
  assert_string_equal(sm_layer_metadata_get(L, "distance"), "manhattan");
  assert_string_equal(sm_layer_metadata_get(L, "closed"), "left");
  assert_string_equal(sm_layer_metadata_get(L, "time_unit"), "month");
  assert_string_equal(sm_layer_metadata_get(L, "seed"), "1");
  assert_string_equal(sm_layer_metadata_get(L, "input_points"), "6416");
  sm_result_destroy(r);
}

/* The same bits on 1 and 2 threads (Euclidean, (a, b]). */
static void threads(void **state) {
  (void)state;
  sm_nearrepeat_options o = month_bands();
  assert_ok(ctx, sm_nearrepeat_distance_from_name(ctx, "euclidean", &o.distance));
  assert_ok(ctx, sm_nearrepeat_closed_from_name(ctx, "right", &o.closed));
  o.permutations = 19, o.seed = 7;
  sm_result *r1 = NULL, *r2 = NULL;
  sm_ctx_set_threads(ctx, 1);
  assert_ok(ctx, sm_nearrepeat_run(ctx, &r1, pts, NULL, &o));
  sm_ctx_set_threads(ctx, 2);
  assert_ok(ctx, sm_nearrepeat_run(ctx, &r2, pts, NULL, &o));
  sm_ctx_set_threads(ctx, 0);
  const sm_layer *a = sm_result_layer(r1, 0), *b = sm_result_layer(r2, 0);
  for (size_t f = 0; f < sm_layer_field_count(a); f++)
    for (size_t i = 0; i < sm_layer_feature_count(a); i++)
      if (sm_layer_field_type(a, f) == SM_FIELD_DOUBLE) {
        double x = sm_layer_get_double(a, i, f), y = sm_layer_get_double(b, i, f);
        assert_true((isnan(x) && isnan(y)) || memcmp(&x, &y, sizeof x) == 0);
      }
  assert_contains(sm_layer_metadata_get(a, "method"), "Euclidean distance; intervals (a, b], 0 in the first");
  assert_string_equal(sm_layer_metadata_get(a, "closed"), "right");
  sm_result_destroy(r1);
  sm_result_destroy(r2);
}

/* Refused by the run; a bad option (SM_E_INVALID_ARG) already by sm_nearrepeat_options_check() with the same message,
 * before any data, while what depends on the data (SM_E_INPUT) passes the check. */
static void refuse(const sm_points *p, const sm_nearrepeat_options *o, sm_status want, const char *msg) {
  sm_result *r = NULL;
  assert_int_equal(sm_nearrepeat_run(ctx, &r, p, NULL, o), want);
  assert_null(r);
  assert_contains(sm_ctx_last_error(ctx), msg);
  if (want == SM_E_INVALID_ARG) {
    assert_int_equal(sm_nearrepeat_options_check(ctx, o, 0), SM_E_INVALID_ARG);
    assert_contains(sm_ctx_last_error(ctx), msg);
  } else {
    assert_ok(ctx, sm_nearrepeat_options_check(ctx, o, 0));
  }
}

static void invalid(void **state) {
  (void)state;
  sm_nearrepeat_options o;
  assert_int_equal(sm_nearrepeat_options_init(&o, 0), SM_E_INVALID_ARG);
  assert_int_equal(sm_nearrepeat_options_init(&o, SM_NEARREPEAT_OPTIONS_VERSION + 1), SM_E_INVALID_ARG);
  assert_ok(ctx, sm_nearrepeat_options_init(&o, SM_NEARREPEAT_OPTIONS_VERSION));
  assert_true(o.permutations == 999 && o.distance == SM_NEARREPEAT_MANHATTAN && o.time_unit == SM_NEARREPEAT_DAY);
  /* the defaults have no bands */
  refuse(pts, NULL, SM_E_INVALID_ARG, "--space-bands is required");
  o = month_bands();
  o.version = 0;
  refuse(pts, &o, SM_E_INVALID_ARG, "options version 0");
  o.version = SM_NEARREPEAT_OPTIONS_VERSION + 1;
  refuse(pts, &o, SM_E_INVALID_ARG, "options version 2");
  o = month_bands(), o.time_bands = NULL;
  refuse(pts, &o, SM_E_INVALID_ARG, "--time-bands is required");
  o = month_bands(), o.n_space_bands = 1;
  refuse(pts, &o, SM_E_INVALID_ARG, "--space-bands needs at least 2 numbers");
  /* day bands on police.uk months */
  o = month_bands(), o.time_unit = SM_NEARREPEAT_DAY;
  refuse(pts, &o, SM_E_INPUT, "dates are months only (as police.uk publishes them): near repeats at day resolution need dated data");
  const double bad[] = {0, 200, 100};
  o = month_bands(), o.space_bands_m = bad, o.n_space_bands = 3;
  refuse(pts, &o, SM_E_INVALID_ARG, "the space breaks must increase: 100 after 200");
  const double late[] = {1, 2};
  o = month_bands(), o.time_bands = late, o.n_time_bands = 2;
  refuse(pts, &o, SM_E_INVALID_ARG, "the time breaks must start at 0, not 1");
  o = month_bands();
  assert_ok(ctx, sm_nearrepeat_options_check(ctx, &o, 0));
  o = month_bands(), o.distance = (sm_nearrepeat_distance)5;
  refuse(pts, &o, SM_E_INVALID_ARG, "--distance");
  /* no pair within the bands */
  const char *far = tu_write("far.csv", "x,y,date\n529000,183000,2024-01-01\n539000,183000,2024-01-05\n529000,193000,2024-02-01\n");
  sm_read_options ro = SM_READ_OPTIONS_INIT;
  ro.x_field = "x", ro.y_field = "y", ro.crs = "EPSG:27700", ro.time_field = "date";
  sm_points *fp = NULL;
  const char *src[] = {far};
  assert_ok(ctx, sm_points_read(ctx, &fp, src, 1, &ro));
  const double s100[] = {0, 100}, d7[] = {0, 7};
  sm_nearrepeat_options d = SM_NEARREPEAT_OPTIONS_INIT;
  d.space_bands_m = s100, d.n_space_bands = 2, d.time_bands = d7, d.n_time_bands = 2, d.permutations = 9;
  refuse(fp, &d, SM_E_INPUT, "no pair of the 3 incidents is within 100 m: the spatial bands cover nothing");
  sm_points_destroy(fp);
  /* enum names */
  sm_nearrepeat_distance dm;
  sm_nearrepeat_closed cl;
  sm_nearrepeat_time_unit tu;
  assert_int_equal(sm_nearrepeat_distance_from_name(ctx, "chebyshev", &dm), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--distance 'chebyshev' is not manhattan or euclidean");
  assert_int_equal(sm_nearrepeat_closed_from_name(ctx, "both", &cl), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--closed 'both' is not left or right");
  assert_int_equal(sm_nearrepeat_time_unit_from_name(ctx, "week", &tu), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--time-unit 'week' is not day or month");
  for (int k = 0; k < 2; k++) {
    assert_ok(ctx, sm_nearrepeat_distance_from_name(ctx, sm_nearrepeat_distance_name((sm_nearrepeat_distance)k), &dm));
    assert_ok(ctx, sm_nearrepeat_closed_from_name(ctx, sm_nearrepeat_closed_name((sm_nearrepeat_closed)k), &cl));
    assert_ok(ctx, sm_nearrepeat_time_unit_from_name(ctx, sm_nearrepeat_time_unit_name((sm_nearrepeat_time_unit)k), &tu));
    assert_true((int)dm == k && (int)cl == k && (int)tu == k);
  }
  assert_null(sm_nearrepeat_distance_name(SM_NEARREPEAT_DISTANCE_END_));
  assert_null(sm_nearrepeat_closed_name(SM_NEARREPEAT_CLOSED_END_));
  assert_null(sm_nearrepeat_time_unit_name(SM_NEARREPEAT_TIME_UNIT_END_));
  assert_int_equal(sm_nearrepeat_run(ctx, NULL, pts, NULL, NULL), SM_E_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(as_cli), cmocka_unit_test(threads), cmocka_unit_test(invalid)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
