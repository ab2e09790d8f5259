/* cube, emerging: time steps, space-time Gi*, Mann-Kendall, the 17 categories under both rule sets */
#include "testutil.h"

#include <math.h>
#include <string.h>

TU_CTX_FIXTURE

static int64_t day(int y, int m, int d) {
  int64_t t;
  sm_time_res r;
  char s[16];
  snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, d);
  assert_int_equal(sm_time_parse(s, strlen(s), &t, &r), SM_OK);
  return t;
}

/* docs/methods.md §1.5's worked vector, and a tie correction by hand. */
static void mann_kendall(void **state) {
  (void)state;
  const double x[] = {1, 3, 2, 5, 4, 6, 8, 7, 9, 10};
  sm_mann_kendall mk;
  sm_mann_kendall_test(x, 10, &mk);
  assert_true(mk.S == 39 && mk.var == 125 && mk.n == 10);
  assert_true(fabs(mk.z - 38 / sqrt(125.0)) < 1e-12 && fabs(mk.z - 3.3988) < 5e-5);
  assert_true(fabs(mk.tau - 0.8667) < 5e-5);
  assert_true(fabs(mk.p - erfc(mk.z / sqrt(2.0))) < 1e-15);
  /* 1,1,2: S = 2; one pair tied: var = (3·2·11 − 2·1·9)/18 = 48/18; z = (2 − 1)/sqrt(var) */
  const double y[] = {1, 1, 2};
  sm_mann_kendall_test(y, 3, &mk);
  assert_true(mk.S == 2 && fabs(mk.var - 48.0 / 18) < 1e-15 && fabs(mk.z - 1 / sqrt(48.0 / 18)) < 1e-15);
  /* a falling series; NaN left out; too short or flat: no trend */
  const double f[] = {5, NAN, 4, 3, 2};
  sm_mann_kendall_test(f, 5, &mk);
  assert_true(mk.n == 4 && mk.S == -6 && mk.z < 0);
  const double g[] = {2, 2, 2, 2};
  sm_mann_kendall_test(g, 4, &mk);
  assert_true(mk.S == 0 && mk.z == 0 && mk.p == 1);
  sm_mann_kendall_test(f, 2, &mk);
  assert_true(mk.z == 0 && mk.p == 1);
}

/* One crafted series per outcome, under each rule set; cold ones mirror hot ones. */
static void classify_all(void **state) {
  (void)state;
  const sm_mann_kendall up = {20, 125, 2.5, 0.0124, 0.44, 10}, down = {-20, 125, -2.5, 0.0124, -0.44, 10},
                        flat = {2, 125, 0.09, 0.93, 0.04, 10};
  static const struct {
    int s[10];
    int trend; /* 1 up, -1 down, 0 flat */
    sm_ehsa_category pro, arcmap;
  } cases[] = {
      {{0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0, SM_EHSA_NEW_HOT, SM_EHSA_NEW_HOT},
      {{0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, 0, SM_EHSA_CONSECUTIVE_HOT, SM_EHSA_CONSECUTIVE_HOT},
      {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, SM_EHSA_INTENSIFYING_HOT, SM_EHSA_INTENSIFYING_HOT},
      {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 0, SM_EHSA_PERSISTENT_HOT, SM_EHSA_PERSISTENT_HOT},
      {{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, -1, SM_EHSA_DIMINISHING_HOT, SM_EHSA_DIMINISHING_HOT},
      {{1, 0, 1, 0, 0, 0, 0, 0, 0, 1}, 0, SM_EHSA_SPORADIC_HOT, SM_EHSA_SPORADIC_HOT},
      {{-1, 0, 0, 1, 0, 0, 0, 0, 0, 1}, 0, SM_EHSA_OSCILLATING_HOT, SM_EHSA_OSCILLATING_HOT},
      {{1, 1, 1, 1, 1, 1, 1, 1, 1, 0}, 0, SM_EHSA_HISTORICAL_HOT, SM_EHSA_HISTORICAL_HOT},
      {{0, 0, 0, 0, 0, 0, 0, 0, 0, -1}, 0, SM_EHSA_NEW_COLD, SM_EHSA_NEW_COLD},
      {{0, 0, 0, 0, 0, 0, 0, -1, -1, -1}, 0, SM_EHSA_CONSECUTIVE_COLD, SM_EHSA_CONSECUTIVE_COLD},
      {{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1}, -1, SM_EHSA_INTENSIFYING_COLD, SM_EHSA_INTENSIFYING_COLD},
      {{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1}, 0, SM_EHSA_PERSISTENT_COLD, SM_EHSA_PERSISTENT_COLD},
      {{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1}, 1, SM_EHSA_DIMINISHING_COLD, SM_EHSA_DIMINISHING_COLD},
      {{0, -1, 0, 0, -1, 0, 0, 0, 0, -1}, 0, SM_EHSA_SPORADIC_COLD, SM_EHSA_SPORADIC_COLD},
      {{0, 1, 0, 0, 0, -1, 0, 0, -1, -1}, 0, SM_EHSA_OSCILLATING_COLD, SM_EHSA_OSCILLATING_COLD},
      {{-1, -1, -1, -1, -1, -1, -1, -1, -1, 0}, 0, SM_EHSA_HISTORICAL_COLD, SM_EHSA_HISTORICAL_COLD},
      {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, SM_EHSA_NO_PATTERN, SM_EHSA_NO_PATTERN},
      /* where the wordings differ: hot on and off, never cold, not hot at the end */
      {{1, 0, 1, 0, 0, 1, 0, 0, 0, 0}, 0, SM_EHSA_NO_PATTERN, SM_EHSA_SPORADIC_HOT},
      {{0, -1, 0, 0, 0, 0, -1, 0, 0, 0}, 0, SM_EHSA_NO_PATTERN, SM_EHSA_SPORADIC_COLD},
      /* the same on and off history with a hot final step: Sporadic in both */
      {{1, 0, 1, 0, 0, 1, 0, 0, 0, 1}, 0, SM_EHSA_SPORADIC_HOT, SM_EHSA_SPORADIC_HOT},
      /* overlaps settled by the documented order */
      {{-1, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0, SM_EHSA_NEW_HOT, SM_EHSA_NEW_HOT},           /* new before oscillating */
      {{-1, 0, 0, 0, 0, 0, 0, 1, 1, 1}, 0, SM_EHSA_CONSECUTIVE_HOT, SM_EHSA_CONSECUTIVE_HOT},
      {{0, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 0, SM_EHSA_PERSISTENT_HOT, SM_EHSA_PERSISTENT_HOT}, /* a 90% run is not consecutive */
      {{0, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, SM_EHSA_INTENSIFYING_HOT, SM_EHSA_INTENSIFYING_HOT},
      {{1, 1, 0, 1, 1, 1, 1, 1, 1, 1}, 0, SM_EHSA_PERSISTENT_HOT, SM_EHSA_PERSISTENT_HOT},
      {{1, 0, 0, 1, 1, 1, 1, 1, 1, 1}, 0, SM_EHSA_SPORADIC_HOT, SM_EHSA_SPORADIC_HOT},    /* 80%: not persistent */
      {{1, 1, 1, 1, 1, 1, 1, 1, 1, -1}, 0, SM_EHSA_NEW_COLD, SM_EHSA_NEW_COLD},          /* the last step decides */
      {{1, 0, -1, 0, 0, 0, 0, 0, 0, 0}, 0, SM_EHSA_NO_PATTERN, SM_EHSA_NO_PATTERN},      /* hot and cold, neither now */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const sm_mann_kendall *tr = cases[i].trend > 0 ? &up : cases[i].trend < 0 ? &down : &flat;
    sm_ehsa_detail d;
    sm_ehsa_category a = sm_ehsa_classify(cases[i].s, 10, tr, 0.05, SM_EHSA_PRO, &d);
    sm_ehsa_category b = sm_ehsa_classify(cases[i].s, 10, tr, 0.05, SM_EHSA_ARCMAP, NULL);
    if (a != cases[i].pro || b != cases[i].arcmap)
      fail_msg("case %zu: pro %s (want %s), arcmap %s (want %s)", i, sm_ehsa_category_str(a),
               sm_ehsa_category_str(cases[i].pro), sm_ehsa_category_str(b), sm_ehsa_category_str(cases[i].arcmap));
    assert_int_equal(d.steps, 10);
  }
  /* the 17 outcomes are all reached above */
  int seen[17] = {0};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) seen[cases[i].pro] = seen[cases[i].arcmap] = 1;
  for (int c = 0; c < 17; c++) assert_true(seen[c]);
  /* the detail: consecutive run, counts, final state */
  const int s[10] = {-1, 0, 0, 0, 0, 0, 0, 1, 1, 1};
  sm_ehsa_detail d;
  sm_ehsa_classify(s, 10, &flat, 0.05, SM_EHSA_PRO, &d);
  assert_true(d.hot == 3 && d.cold == 1 && d.final_state == 1 && d.final_run == 3);
  /* 90% of 20 steps is 18: 18 hot with the last is persistent, 17 is sporadic */
  int t20[20];
  for (int i = 0; i < 20; i++) t20[i] = i >= 2;
  assert_int_equal(sm_ehsa_classify(t20, 20, &flat, 0.05, SM_EHSA_PRO, NULL), SM_EHSA_PERSISTENT_HOT);
  t20[5] = 0;
  assert_int_equal(sm_ehsa_classify(t20, 20, &flat, 0.05, SM_EHSA_PRO, NULL), SM_EHSA_SPORADIC_HOT);
  /* a trend at p 0.0124 is not significant at alpha 0.01 */
  const int all[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  assert_int_equal(sm_ehsa_classify(all, 10, &up, 0.01, SM_EHSA_PRO, NULL), SM_EHSA_PERSISTENT_HOT);
  assert_string_equal(sm_ehsa_category_str(SM_EHSA_OSCILLATING_COLD), "Oscillating Cold Spot");
  assert_string_equal(sm_ehsa_category_str(SM_EHSA_NO_PATTERN), "No Pattern Detected");
}

/* sfhotspot's classes on 10 steps (2 recent, 8 older), one series each. */
static void simple_classes(void **state) {
  (void)state;
  static const struct {
    int s[10];
    sm_simple_class want;
  } cases[] = {
      {{0, 1, 1, 1, 1, 1, 1, 0, 1, 1}, SM_SIMPLE_PERSISTENT_HOT},  /* 80% of all */
      {{0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, SM_SIMPLE_EMERGING_HOT},    /* none of the older, half the recent */
      {{1, 1, 0, 0, 0, 0, 0, 0, 0, 0}, SM_SIMPLE_FORMER_HOT},      /* 25% of the older, none recent */
      {{0, 0, 0, 1, 0, 0, 0, 0, 0, 1}, SM_SIMPLE_INTERMITTENT_HOT}, /* 12.5% older, 50% recent, 20% all */
      {{-1, -1, -1, -1, -1, -1, -1, -1, 0, 0}, SM_SIMPLE_PERSISTENT_COLD},
      {{0, 0, 0, 0, 0, 0, 0, 0, -1, -1}, SM_SIMPLE_EMERGING_COLD},
      {{0, -1, 0, 0, 0, 0, 0, 0, 0, 0}, SM_SIMPLE_FORMER_COLD},
      {{-1, 0, 0, 0, 0, 0, 0, 0, -1, 0}, SM_SIMPLE_INTERMITTENT_COLD},
      {{1, 1, 0, 0, 0, 0, 0, 0, 0, -1}, SM_SIMPLE_MIXED},          /* former hot and emerging cold */
      {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, SM_SIMPLE_NONE},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sm_simple_class c = sm_simple_classify(cases[i].s, 10, NULL);
    if (c != cases[i].want)
      fail_msg("case %zu: %s, want %s", i, sm_simple_class_str(c), sm_simple_class_str(cases[i].want));
  }
  /* other thresholds: with persistent_prop 0.9 the first is no longer persistent but intermittent */
  sm_simple_params q = {0.1, 0.9, 0.2};
  assert_int_equal(sm_simple_classify(cases[0].s, 10, &q), SM_SIMPLE_INTERMITTENT_HOT);
  assert_int_equal(sm_simple_classify(cases[0].s, 1, NULL), SM_SIMPLE_NONE);
  assert_string_equal(sm_simple_class_str(SM_SIMPLE_MIXED), "Mixed Hot and Cold Spot");
}

/* A large cube is counted on the threads, each thread the locations of its own range: with weights that are not
 * whole numbers (their sums depend on the order they are added in), the same bits as adding them point by point
 * on one thread, on 1, 2 and 3 threads; the empty bins and steps the same. */
static void cube_weights_on_threads(void **state) {
  (void)state;
  enum { N = 200000, UNITS = 700 };
  double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *w = malloc(N * sizeof *w);
  int64_t *t = malloc(N * sizeof *t);
  int32_t *unit = malloc(N * sizeof *unit);
  assert_true(x && y && w && t && unit);
  uint64_t r = 12345;
  for (size_t i = 0; i < N; i++) {
    r = r * 6364136223846793005ull + 1442695040888963407ull;
    x[i] = (double)(r >> 40 & 1023), y[i] = 7;
    unit[i] = (int32_t)((r >> 20) % (UNITS + 50)) - 50; /* some points in no unit; units 600.. never hit */
    if (unit[i] >= 600) unit[i] = -1;
    t[i] = day(2022, 1, 1) + (int64_t)((r >> 8) % (730 * 86400)); /* two years, to the second */
    w[i] = 0.1 + (double)(r >> 33) / 3e9;                      /* 0.1 .. 3: sums that round */
  }
  sm_points *p;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", N, x, y, t, w));
  sm_bins b;
  assert_int_equal(sm_bins_parse("month", &b), SM_OK);
  /* by hand: the locations are the units hit, in unit order; the steps the 24 months from January 2022 */
  int32_t loc[UNITS];
  size_t L = 0;
  for (int u = 0; u < UNITS; u++) loc[u] = -1;
  for (size_t i = 0; i < N; i++)
    if (unit[i] >= 0) loc[unit[i]] = 0;
  for (int u = 0; u < UNITS; u++)
    if (loc[u] == 0) loc[u] = (int32_t)L++;
  double *want = calloc(L * 24, sizeof *want);
  assert_non_null(want);
  for (size_t i = 0; i < N; i++) {
    if (unit[i] < 0) continue;
    int month = 0;
    while (month < 23 && t[i] >= day(2022 + (month + 1) / 12, (month + 1) % 12 + 1, 1)) month++;
    want[(size_t)loc[unit[i]] * 24 + (size_t)month] += w[i];
  }
  for (int th = 1; th <= 3; th++) {
    sm_ctx_set_threads(ctx, th);
    sm_cube *c;
    assert_ok(ctx, sm_cube_create(ctx, &c, p, unit, UNITS, &b));
    assert_int_equal(sm_cube_locations(c), L);
    assert_int_equal(sm_cube_steps(c), 24);
    assert_memory_equal(sm_cube_counts(c), want, L * 24 * sizeof *want);
    assert_int_equal(sm_cube_empty_steps(c), 0);
    size_t zeros = 0;
    for (size_t q = 0; q < L * 24; q++) zeros += want[q] == 0;
    assert_true(sm_cube_sparseness(c) == (double)zeros / (double)(L * 24));
    sm_cube_destroy(c);
  }
  sm_ctx_set_threads(ctx, 0);
  sm_points_destroy(p);
  free(x), free(y), free(w), free(t), free(unit), free(want);
}

/* Time steps: calendar months and quarters, weeks from Monday or a reference, N days ending with the last day. */
static void cube_steps(void **state) {
  (void)state;
  double x[6] = {5, 5, 15, 15, 5, 25}, y[6] = {5, 5, 5, 5, 5, 5};
  int64_t t[6] = {day(2024, 1, 31), day(2024, 2, 1), day(2024, 2, 29), day(2024, 4, 2), day(2024, 4, 30), day(2024, 3, 3)};
  int32_t unit[6] = {0, 0, 1, 1, 0, -1};
  sm_points *p;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", 6, x, y, t, NULL));
  sm_bins b;
  assert_int_equal(sm_bins_parse("month", &b), SM_OK);
  sm_cube *c;
  assert_ok(ctx, sm_cube_create(ctx, &c, p, unit, 3, &b));
  assert_int_equal(sm_cube_steps(c), 4); /* January to April */
  assert_int_equal(sm_cube_locations(c), 2); /* unit 2 never had an incident */
  assert_true(sm_cube_step_start(c, 0) == day(2024, 1, 1) && sm_cube_step_end(c, 3) == day(2024, 5, 1));
  assert_true(sm_cube_step_start(c, 2) == day(2024, 3, 1));
  const double want[8] = {1, 1, 0, 1, /* unit 1: */ 0, 1, 0, 1};
  assert_memory_equal(sm_cube_counts(c), want, sizeof want);
  assert_int_equal(sm_cube_empty_steps(c), 1); /* March: only the point in no unit */
  assert_true(fabs(sm_cube_sparseness(c) - 3.0 / 8) < 1e-15);
  assert_int_equal(sm_cube_points(c), 5);
  sm_cube_destroy(c);
  assert_int_equal(sm_bins_parse("quarter", &b), SM_OK);
  assert_ok(ctx, sm_cube_create(ctx, &c, p, unit, 3, &b));
  assert_true(sm_cube_steps(c) == 2 && sm_cube_step_start(c, 1) == day(2024, 4, 1));
  sm_cube_destroy(c);
  /* weeks from Monday 2024-01-29: the 31st is in the first; 2024-04-30 (a Tuesday) in the week of the 29th */
  assert_int_equal(sm_bins_parse("week", &b), SM_OK);
  assert_ok(ctx, sm_cube_create(ctx, &c, p, unit, 3, &b));
  assert_true(sm_cube_step_start(c, 0) == day(2024, 1, 29));
  assert_true(sm_cube_step_start(c, sm_cube_steps(c) - 1) == day(2024, 4, 29));
  sm_cube_destroy(c);
  b.reference = day(2024, 1, 31); /* Wednesday weeks */
  assert_ok(ctx, sm_cube_create(ctx, &c, p, unit, 3, &b));
  assert_true(sm_cube_step_start(c, 0) == day(2024, 1, 31));
  sm_cube_destroy(c);
  /* 30 days ending with the last incident's day (the 30th of April): steps end on May 1st 00:00 */
  assert_int_equal(sm_bins_parse("30d", &b), SM_OK);
  assert_true(b.unit == SM_BIN_DAYS && b.n_days == 30);
  assert_ok(ctx, sm_cube_create(ctx, &c, p, unit, 3, &b));
  assert_true(sm_cube_step_end(c, sm_cube_steps(c) - 1) == day(2024, 5, 1));
  assert_true(sm_cube_step_start(c, 0) <= day(2024, 1, 31) && sm_cube_step_end(c, 0) > day(2024, 1, 31));
  sm_cube_destroy(c);
  /* bad: unknown names, no unit, no times */
  assert_int_equal(sm_bins_parse("fortnight", &b), SM_E_INVALID_ARG);
  assert_int_equal(sm_bins_parse("0d", &b), SM_E_INVALID_ARG);
  int32_t none[6] = {-1, -1, -1, -1, -1, -1};
  assert_int_equal(sm_bins_parse("month", &b), SM_OK);
  assert_int_equal(sm_cube_create(ctx, &c, p, none, 3, &b), SM_E_INPUT);
  sm_points_destroy(p);
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", 6, x, y, NULL, NULL));
  assert_int_equal(sm_cube_create(ctx, &c, p, unit, 3, &b), SM_E_INPUT);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "no time"));
  sm_points_destroy(p);
}

/* Space-time Gi* against the formula on explicit space-time neighbour lists, built here by brute force, for
 * lags 0, 1 and 2; the same bits on 1, 2 and 3 threads. */
static void spacetime_gistar(void **state) {
  (void)state;
  enum { L = 36, T = 12 };
  double x[L], y[L], v[L * T], z[L * T], p[L * T], z2[L * T];
  uint64_t r = 77;
  for (int l = 0; l < L; l++) x[l] = 100.0 * (l % 6), y[l] = 100.0 * (l / 6);
  for (int q = 0; q < L * T; q++) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    v[q] = (double)(r % 9);
  }
  sm_weights *w;
  assert_ok(ctx, sm_weights_distance_band(ctx, &w, L, x, y, 150, 1, 1.0));
  for (size_t k = 0; k <= 2; k++) {
    assert_ok(ctx, sm_spacetime_gistar(ctx, w, v, L, T, k, SM_WINDOW_CUBE, z, p));
    double n = L * T, sx = 0, sxx = 0;
    for (int q = 0; q < L * T; q++) sx += v[q], sxx += v[q] * v[q];
    double mean = sx / n, S = sqrt(sxx / n - mean * mean);
    for (int l = 0; l < L; l++)
      for (int t = 0; t < T; t++) {
        double W = 0, S1 = 0, wx = 0;
        for (int j = 0; j < L; j++) {
          if (hypot(x[j] - x[l], y[j] - y[l]) > 150) continue;
          for (int s = t - (int)k; s <= t; s++)
            if (s >= 0) W += 1, S1 += 1, wx += v[j * T + s];
        }
        double want = (wx - mean * W) / (S * sqrt((n * S1 - W * W) / (n - 1)));
        if (fabs(z[l * T + t] - want) > 1e-12 * (1 + fabs(want)))
          fail_msg("k %zu bin (%d, %d): %.15g, want %.15g", k, l, t, z[l * T + t], want);
        assert_true(fabs(p[l * T + t] - erfc(fabs(want) / sqrt(2.0))) < 1e-12);
      }
    for (int th = 1; th <= 3; th++) {
      sm_ctx_set_threads(ctx, th);
      assert_ok(ctx, sm_spacetime_gistar(ctx, w, v, L, T, k, SM_WINDOW_CUBE, z2, NULL));
      assert_memory_equal(z, z2, sizeof z);
    }
    sm_ctx_set_threads(ctx, 0);
  }
  /* the other global windows: the neighbourhood's steps (k = 1), and each step alone (k ignored) */
  for (int win = 1; win <= 2; win++) {
    size_t k = 1, kk = win == 2 ? 0 : 1;
    assert_ok(ctx, sm_spacetime_gistar(ctx, w, v, L, T, k, (sm_global_window)win, z, p));
    for (int t = 0; t < T; t++) {
      int s0 = t - (int)kk < 0 ? 0 : t - (int)kk;
      double n = 0, sx = 0, sxx = 0;
      for (int l = 0; l < L; l++)
        for (int s = s0; s <= t; s++) n += 1, sx += v[l * T + s], sxx += v[l * T + s] * v[l * T + s];
      double mean = sx / n, S = sqrt(sxx / n - mean * mean);
      for (int l = 0; l < L; l++) {
        double W = 0, wx = 0;
        for (int j = 0; j < L; j++)
          if (hypot(x[j] - x[l], y[j] - y[l]) <= 150)
            for (int s = s0; s <= t; s++) W += 1, wx += v[j * T + s];
        double want = (wx - mean * W) / (S * sqrt((n * W - W * W) / (n - 1)));
        if (fabs(z[l * T + t] - want) > 1e-12 * (1 + fabs(want)))
          fail_msg("window %d bin (%d, %d): %.15g, want %.15g", win, l, t, z[l * T + t], want);
      }
    }
  }
  assert_int_equal(sm_spacetime_gistar(ctx, w, v, L, T, 1, (sm_global_window)7, z, p), SM_E_INVALID_ARG);
  /* bad: weights without self, zero variance */
  sm_weights *wn;
  assert_ok(ctx, sm_weights_drop_self(ctx, &wn, w));
  assert_int_equal(sm_spacetime_gistar(ctx, wn, v, L, T, 1, SM_WINDOW_CUBE, z, p), SM_E_INVALID_ARG);
  for (int q = 0; q < L * T; q++) v[q] = 4;
  assert_int_equal(sm_spacetime_gistar(ctx, w, v, L, T, 1, SM_WINDOW_CUBE, z, p), SM_E_INPUT);
  sm_weights_destroy(wn);
  sm_weights_destroy(w);
}

/* Space-time permutation p-values: uniform under the null (iid values, fixed seed), the same for 1 and 2
 * threads, small where the planted cluster is. */
static void spacetime_permutations(void **state) {
  (void)state;
  enum { L = 100, T = 12 };
  static double x[L], y[L], v[L * T], p1[L * T], p2[L * T];
  for (int l = 0; l < L; l++) x[l] = 100.0 * (l % 10), y[l] = 100.0 * (l / 10);
  sm_weights *w;
  assert_ok(ctx, sm_weights_distance_band(ctx, &w, L, x, y, 150, 1, 1.0));
  /* four null datasets pooled: neighbouring bins share neighbours, so one dataset's share wanders */
  size_t lo = 0;
  double mean = 0;
  for (int rep = 0; rep < 4; rep++) {
    uint64_t r = 4242 + 1000 * (uint64_t)rep;
    for (int q = 0; q < L * T; q++) {
      r ^= r << 13, r ^= r >> 7, r ^= r << 17;
      v[q] = (double)(r % 40); /* few ties: tied lags count in both tails and push p up */
    }
    sm_ctx_set_seed(ctx, 9 + (uint64_t)rep);
    sm_ctx_set_threads(ctx, 1);
    assert_ok(ctx, sm_spacetime_permutations(ctx, w, v, L, T, 1, 199, p1));
    sm_ctx_set_threads(ctx, 2);
    assert_ok(ctx, sm_spacetime_permutations(ctx, w, v, L, T, 1, 199, p2));
    sm_ctx_set_threads(ctx, 0);
    assert_memory_equal(p1, p2, sizeof p1);
    for (int q = 0; q < L * T; q++) lo += p1[q] <= 0.05, mean += p1[q];
  }
  mean /= 4 * L * T;
  print_message("space-time permutations under the null: %.3f <= 0.05, mean %.3f\n", (double)lo / (4 * L * T), mean);
  assert_true(lo > 0.035 * 4 * L * T && lo < 0.065 * 4 * L * T);
  assert_true(mean > 0.47 && mean < 0.53);
  /* a planted hot block in the last 4 steps: its centre's last bin is significant */
  for (int l = 0; l < L; l++)
    for (int t = T - 4; t < T; t++)
      if (l % 10 >= 3 && l % 10 <= 5 && l / 10 >= 3 && l / 10 <= 5) v[l * T + t] += 60;
  assert_ok(ctx, sm_spacetime_permutations(ctx, w, v, L, T, 1, 199, p1));
  assert_true(p1[44 * T + T - 1] <= 0.01);
  sm_weights_destroy(w);
}

/* A synthetic city: 20 x 20 cells of 100 m, 24 months of background incidents; a cluster that appears
 * halfway and grows (emerging: New, Consecutive or Intensifying Hot Spot) and one that is strong at first
 * and fades steadily (Diminishing Hot Spot). The whole pipeline: cube, space-time Gi*, FDR, Mann-Kendall, rules. */
static void planted_clusters(void **state) {
  (void)state;
  enum { G = 20, L = G * G, T = 24 };
  static double counts[L * T], z[L * T], pv[L * T];
  static int bin[L * T];
  double x[L], y[L];
  uint64_t r = 2026;
  for (int l = 0; l < L; l++) x[l] = 100.0 * (l % G) + 50, y[l] = 100.0 * (l / G) + 50;
  for (int l = 0; l < L; l++)
    for (int t = 0; t < T; t++) {
      r ^= r << 13, r ^= r >> 7, r ^= r << 17;
      double c = (double)(r % 3); /* background 0..2 */
      int ex = l % G, ey = l / G;
      int in_new = ex >= 3 && ex <= 5 && ey >= 3 && ey <= 5, in_old = ex >= 14 && ex <= 16 && ey >= 14 && ey <= 16;
      if (in_new && t >= T / 2) c += 4 + (double)(t - T / 2);      /* appears halfway, grows */
      if (in_old) c += 16 - 0.4 * (double)t;                        /* strong, fading steadily */
      counts[l * T + t] = c;
    }
  sm_weights *w;
  assert_ok(ctx, sm_weights_distance_band(ctx, &w, L, x, y, 150, 1, 1.0));
  assert_ok(ctx, sm_spacetime_gistar(ctx, w, counts, L, T, 1, SM_WINDOW_CUBE, z, pv));
  assert_ok(ctx, sm_hotspot_bins(ctx, z, pv, L * T, 1, bin));
  int st[T];
  sm_ehsa_category centre_new, centre_old;
  for (int which = 0; which < 2; which++) {
    int l = which ? 15 * G + 15 : 4 * G + 4;
    for (int t = 0; t < T; t++) st[t] = bin[l * T + t] > 0 ? 1 : bin[l * T + t] < 0 ? -1 : 0;
    sm_mann_kendall mk;
    sm_mann_kendall_test(z + l * T, T, &mk);
    sm_ehsa_category c = sm_ehsa_classify(st, T, &mk, 0.05, SM_EHSA_PRO, NULL);
    print_message("%s cluster centre: %s (trend z %.2f)\n", which ? "fading" : "emerging", sm_ehsa_category_str(c), mk.z);
    if (which) centre_old = c;
    else centre_new = c;
  }
  assert_true(centre_new == SM_EHSA_NEW_HOT || centre_new == SM_EHSA_CONSECUTIVE_HOT || centre_new == SM_EHSA_INTENSIFYING_HOT);
  assert_int_equal(centre_old, SM_EHSA_DIMINISHING_HOT);
  /* all locations at once: the same categories, the same bits on 1 and 2 threads */
  static sm_emerging_location r1[L], r2[L];
  sm_ctx_set_threads(ctx, 1);
  assert_ok(ctx, sm_emerging_classify(ctx, z, bin, counts, L, T, 0.05, SM_EHSA_PRO, NULL, r1));
  sm_ctx_set_threads(ctx, 2);
  assert_ok(ctx, sm_emerging_classify(ctx, z, bin, counts, L, T, 0.05, SM_EHSA_PRO, NULL, r2));
  sm_ctx_set_threads(ctx, 0);
  assert_memory_equal(r1, r2, sizeof r1);
  assert_int_equal(r1[4 * G + 4].category, centre_new);
  assert_int_equal(r1[15 * G + 15].category, centre_old);
  /* sfhotspot: hot in 8 of the 20 older steps and all 4 recent ones is Intermittent, not Emerging */
  assert_int_equal(r1[4 * G + 4].simple, SM_SIMPLE_INTERMITTENT_HOT);
  assert_int_equal(r1[15 * G + 15].simple, SM_SIMPLE_PERSISTENT_HOT);
  assert_true(r1[15 * G + 15].count_trend.z < -2);
  /* a background cell far from both has no hot pattern */
  int l = 10 * G + 0;
  for (int t = 0; t < T; t++) st[t] = bin[l * T + t] > 0 ? 1 : bin[l * T + t] < 0 ? -1 : 0;
  sm_mann_kendall mk;
  sm_mann_kendall_test(z + l * T, T, &mk);
  sm_ehsa_category c = sm_ehsa_classify(st, T, &mk, 0.05, SM_EHSA_PRO, NULL);
  assert_true(c == SM_EHSA_NO_PATTERN || c >= SM_EHSA_NEW_COLD);
  sm_weights_destroy(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(mann_kendall), cmocka_unit_test(classify_all), cmocka_unit_test(simple_classes),
                                     cmocka_unit_test(cube_steps), cmocka_unit_test(cube_weights_on_threads), cmocka_unit_test(spacetime_gistar), cmocka_unit_test(spacetime_permutations),
                                     cmocka_unit_test(planted_clusters)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
