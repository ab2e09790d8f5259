/* nearrepeat: the Knox table against a brute-force pair count, the NearRepeat vignette's two events,
 * p-values of the form (k + 1) / (n + 1), the same table for any thread count, bad input */
#include "testutil.h"
#include "internal/simd.h"

#include <math.h>
#include <string.h>

TU_CTX_FIXTURE

/* Brute force: every pair, its row and column by the definitions in nearrepeat.h. */
static size_t bf_band(double v, const double *b, size_t nb, int right) {
  if (right) {
    if (v > b[nb - 1]) return nb - 1;
    for (size_t i = 0; i + 1 < nb; i++)
      if (v <= b[i + 1]) return i;
  }
  for (size_t i = 0; i + 1 < nb; i++)
    if (v >= b[i] && v < b[i + 1]) return i;
  return nb - 1;
}

static void brute_force(void **state) {
  (void)state;
  enum { N = 700 };
  static double x[N], y[N], t[N], want[8 * 8];
  uint64_t r = 31;
  for (int i = 0; i < N; i++) { /* integer metres and days: many pairs exactly on a break */
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    x[i] = (double)(r % 1500), y[i] = (double)((r >> 20) % 1500), t[i] = (double)((r >> 40) % 60);
    if (i % 25 == 1) x[i] = x[i - 1], y[i] = y[i - 1]; /* repeats at one location */
  }
  const double sb[] = {0, 50, 100, 200, 400}, tb[] = {0, 7, 14, 30};
  for (int frac = 0; frac < 2; frac++)
  for (int dist = 0; dist < 2; dist++)
    for (int right = 0; right < 2; right++) {
      if (frac && dist == 0 && right == 0) /* times off the whole days: the banding without the lookup table */
        for (int i = 0; i < N; i++) t[i] += (i % 4) * 0.25;
      sm_knox_options o = SM_KNOX_OPTIONS_INIT;
      o.space_breaks = sb, o.n_space = 5, o.time_breaks = tb, o.n_time = 4, o.manhattan = dist, o.right_closed = right;
      o.permutations = 19;
      sm_knox *k;
      assert_ok(ctx, sm_knox_test(ctx, N, x, y, t, &o, &k));
      assert_int_equal(k->rows, 6);
      assert_int_equal(k->cols, 4);
      assert_int_equal(k->pairs, (size_t)N * (N - 1) / 2);
      memset(want, 0, sizeof want);
      for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
          double dx = fabs(x[i] - x[j]), dy = fabs(y[i] - y[j]), d = dist ? dx + dy : hypot(dx, dy);
          size_t row = d == 0 ? 0 : 1 + bf_band(d, sb, 5, right), col = bf_band(fabs(t[i] - t[j]), tb, 4, right);
          want[row * 4 + col] += 1;
        }
      for (int c = 0; c < 24; c++)
        if (k->observed[c] != want[c])
          fail_msg("%s %s cell %d: %g, brute force %g", dist ? "manhattan" : "euclidean", right ? "(a,b]" : "[a,b)", c,
                   k->observed[c], want[c]);
      /* p = (k + 1) / (n + 1) */
      for (int c = 0; c < 24; c++) {
        double q = k->p[c] * 20;
        assert_true(fabs(q - round(q)) < 1e-9 && q >= 1 && q <= 20);
      }
      sm_knox_destroy(k);
    }
}

/* docs/methods.md §10: two events 100 m and 3 days apart fall in [100, 200) x [3, 6) with R NearRepeat's
 * defaults (the Near Repeat Calculator shows "101-200 m", "4-6 days"); with (a, b] in 0-100 x 0-3. */
static void vignette_two_events(void **state) {
  (void)state;
  double x[2] = {0, 100}, y[2] = {0, 0}, t[2] = {10, 13};
  const double sb[] = {0, 100, 200, 300}, tb[] = {0, 3, 6, 9};
  sm_knox_options o = SM_KNOX_OPTIONS_INIT;
  o.space_breaks = sb, o.n_space = 4, o.time_breaks = tb, o.n_time = 4, o.permutations = 9;
  sm_knox *k;
  assert_ok(ctx, sm_knox_test(ctx, 2, x, y, t, &o, &k));
  /* rows: same, 0-100, 100-200, 200-300, beyond; columns 0-3, 3-6, 6-9, beyond */
  for (size_t c = 0; c < k->rows * k->cols; c++) assert_true(k->observed[c] == (c == 2 * 4 + 1 ? 1 : 0));
  sm_knox_destroy(k);
  o.right_closed = 1;
  assert_ok(ctx, sm_knox_test(ctx, 2, x, y, t, &o, &k));
  for (size_t c = 0; c < k->rows * k->cols; c++) assert_true(k->observed[c] == (c == 1 * 4 + 0 ? 1 : 0));
  sm_knox_destroy(k);
}

/* Planted near repeats: pairs 20 m and 2 days apart among scattered events. The first cell is far above its
 * permutations (p = 1/(n+1), ratio > 2); the table is the same for 1, 2 and 3 threads. */
static void planted_and_threads(void **state) {
  (void)state;
  enum { N = 600 };
  static double x[N], y[N], t[N];
  uint64_t r = 5;
  for (int i = 0; i < N; i += 2) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    x[i] = (double)(r % 5000), y[i] = (double)((r >> 16) % 5000), t[i] = (double)((r >> 32) % 365);
    x[i + 1] = x[i] + 20, y[i + 1] = y[i], t[i + 1] = t[i] + 2;
  }
  const double sb[] = {0, 50, 100, 200}, tb[] = {0, 7, 14};
  sm_knox_options o = SM_KNOX_OPTIONS_INIT;
  o.space_breaks = sb, o.n_space = 4, o.time_breaks = tb, o.n_time = 3, o.manhattan = 0, o.permutations = 199;
  sm_knox *k[3];
  for (int th = 1; th <= 3; th++) {
    sm_ctx_set_threads(ctx, th);
    sm_ctx_set_seed(ctx, 77);
    assert_ok(ctx, sm_knox_test(ctx, N, x, y, t, &o, &k[th - 1]));
  }
  sm_ctx_set_threads(ctx, 0);
  size_t cells = k[0]->rows * k[0]->cols;
  for (int th = 1; th < 3; th++) {
    assert_memory_equal(k[0]->observed, k[th]->observed, cells * sizeof(double));
    assert_memory_equal(k[0]->sim_mean, k[th]->sim_mean, cells * sizeof(double));
    assert_memory_equal(k[0]->p, k[th]->p, cells * sizeof(double));
  }
  size_t first = 1 * k[0]->cols + 0; /* 0-50 m, 0-7 days */
  assert_true(k[0]->observed[first] >= 300);
  assert_true(k[0]->p[first] == 1.0 / 200);
  assert_true(k[0]->ratio_mean[first] > 2);
  /* every pair is in exactly one cell */
  double s = 0;
  for (size_t c = 0; c < cells; c++) s += k[0]->observed[c];
  assert_true(s == (double)N * (N - 1) / 2);
  for (int th = 0; th < 3; th++) sm_knox_destroy(k[th]);
}

/* The permutations' three ways of counting give the same tables: whole-number dates within 32766 days in 16-bit
 * lanes (each code path: base, AVX2, AVX-512), whole numbers over a longer span (the dates and breaks x 1000) by a
 * lookup table, and dates off the whole days (+ 0.5) by searching the breaks. 400 events at one place put 79,800
 * pairs in one row (more than a 16-bit count holds); 2 to 16 breaks (up to 15 counted, a sweep takes 12), and a
 * break past the span. */
static void lanes_same_as_lookup(void **state) {
  (void)state;
  enum { N = 1200, P = 70 };
  static double x[N], y[N], t[N], tt[N];
  uint64_t r = 99;
  for (int i = 0; i < N; i++) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    x[i] = i < 400 ? 700 : (double)(r % 2000), y[i] = i < 400 ? 900 : (double)((r >> 20) % 2000);
    t[i] = (double)((r >> 40) % 401);
  }
  double sb[] = {0, 100, 250, 500}, tb1[16], tb2[] = {0, 7, 14, 1000}, tbk[16];
  for (int b = 0; b < 16; b++) tb1[b] = 3.0 * b;
  const char *paths[] = {"base", "avx2", "avx512"};
  for (int cfg = 2; cfg <= 17; cfg++) { /* 2 .. 16 breaks 3 days apart, then 4 breaks to 1000 days */
    const double *tb = cfg == 17 ? tb2 : tb1;
    size_t nt = cfg == 17 ? 4 : (size_t)cfg;
    sm_knox_options o = SM_KNOX_OPTIONS_INIT;
    o.space_breaks = sb, o.n_space = 4, o.time_breaks = tb, o.n_time = nt, o.right_closed = cfg % 2, o.permutations = P;
    sm_ctx_set_seed(ctx, 5);
    sm_knox *want, *got;
    for (int i = 0; i < N; i++) tt[i] = t[i] + 0.5;
    assert_ok(ctx, sm_knox_test(ctx, N, x, y, tt, &o, &want));
    size_t cells = want->rows * want->cols;
    for (int way = 0; way < 4; way++) {
      if (way < 3) { /* 16-bit lanes on a code path */
        if (!sm__simd_runs((sm_simd)way)) continue;
        setenv("SAFEMAP_SIMD", paths[way], 1);
        assert_ok(ctx, sm_knox_test(ctx, N, x, y, t, &o, &got));
        unsetenv("SAFEMAP_SIMD");
      } else { /* x 1000: the lookup table of 32-bit dates */
        for (int i = 0; i < N; i++) tt[i] = t[i] * 1000;
        for (size_t b = 0; b < nt; b++) tbk[b] = tb[b] * 1000;
        o.time_breaks = tbk;
        assert_ok(ctx, sm_knox_test(ctx, N, x, y, tt, &o, &got));
        o.time_breaks = tb;
      }
      assert_memory_equal(want->observed, got->observed, cells * sizeof(double));
      for (size_t c = 0; c < cells; c++)
        if (want->sim_mean[c] != got->sim_mean[c] || want->sim_median[c] != got->sim_median[c] || want->p[c] != got->p[c])
          fail_msg("breaks %d, way %d, cell %zu: mean %.17g median %g p %g, by the breaks %.17g %g %g", cfg, way, c,
                   got->sim_mean[c], got->sim_median[c], got->p[c], want->sim_mean[c], want->sim_median[c], want->p[c]);
      sm_knox_destroy(got);
    }
    double same = 0; /* row 0: the pairs at one place, the 400's among them */
    for (size_t c = 0; c < want->cols; c++) same += want->observed[c];
    assert_true(same >= 400 * 399 / 2);
    sm_knox_destroy(want);
  }
  /* a code path that is not one: the lanes refuse it, as the kernel loops do */
  sm_knox_options o = SM_KNOX_OPTIONS_INIT;
  o.space_breaks = sb, o.n_space = 4, o.time_breaks = tb2, o.n_time = 4, o.permutations = 9;
  sm_knox *k = NULL;
  setenv("SAFEMAP_SIMD", "sse9", 1);
  assert_int_equal(sm_knox_test(ctx, N, x, y, t, &o, &k), SM_E_INVALID_ARG);
  unsetenv("SAFEMAP_SIMD");
  assert_null(k);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "SAFEMAP_SIMD='sse9' is not a code path"));
}

static int stop_at_half(double f, const char *msg, void *user) {
  (void)msg;
  ++*(int *)user;
  return f < 0.5; /* non-zero: go on */
}

/* The progress callback is called between groups of permutations and can stop the test. */
static void cancel(void **state) {
  (void)state;
  enum { N = 300 };
  static double x[N], y[N], t[N];
  for (int i = 0; i < N; i++) x[i] = (double)(i % 20) * 30, y[i] = (double)(i / 20) * 30, t[i] = (double)((i * 37) % 200);
  const double sb[] = {0, 50, 100}, tb[] = {0, 7, 14};
  sm_knox_options o = SM_KNOX_OPTIONS_INIT;
  o.space_breaks = sb, o.n_space = 3, o.time_breaks = tb, o.n_time = 3, o.permutations = 999;
  int calls = 0;
  sm_ctx_set_progress(ctx, stop_at_half, &calls);
  sm_knox *k = NULL;
  assert_int_equal(sm_knox_test(ctx, N, x, y, t, &o, &k), SM_E_CANCELLED);
  assert_null(k);
  assert_true(calls > 1);
  sm_ctx_set_progress(ctx, NULL, NULL);
}

static void bad_input(void **state) {
  (void)state;
  double x[3] = {0, 10, 20}, y[3] = {0, 0, 0}, t[3] = {1, 2, 3}, same[3] = {5, 5, 5};
  const double sb[] = {0, 100}, tb[] = {0, 7}, bad1[] = {0, 100, 50}, bad2[] = {10, 100};
  sm_knox_options o = SM_KNOX_OPTIONS_INIT;
  o.space_breaks = sb, o.n_space = 2, o.time_breaks = tb, o.n_time = 2, o.permutations = 9;
  sm_knox *k;
  assert_int_equal(sm_knox_test(ctx, 1, x, y, t, &o, &k), SM_E_INPUT); /* fewer than 2 events */
  assert_int_equal(sm_knox_test(ctx, 3, same, same, t, &o, &k), SM_E_INPUT); /* one place */
  assert_non_null(strstr(sm_ctx_last_error(ctx), "one place"));
  assert_int_equal(sm_knox_test(ctx, 3, x, y, same, &o, &k), SM_E_INPUT); /* one time */
  assert_non_null(strstr(sm_ctx_last_error(ctx), "one time"));
  o.space_breaks = bad1, o.n_space = 3;
  assert_int_equal(sm_knox_test(ctx, 3, x, y, t, &o, &k), SM_E_INVALID_ARG);
  o.space_breaks = bad2, o.n_space = 2;
  assert_int_equal(sm_knox_test(ctx, 3, x, y, t, &o, &k), SM_E_INVALID_ARG);
  o.space_breaks = sb, o.n_space = 1;
  assert_int_equal(sm_knox_test(ctx, 3, x, y, t, &o, &k), SM_E_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(brute_force), cmocka_unit_test(vignette_two_events),
                                     cmocka_unit_test(planted_and_threads), cmocka_unit_test(lanes_same_as_lookup),
                                     cmocka_unit_test(cancel),
                                     cmocka_unit_test(bad_input)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
