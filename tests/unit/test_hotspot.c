/* weights, hotspot, units: Gi*, bins with and without FDR, fishnet counts */
#include "testutil.h"
#include "internal/sm_internal.h"

#include <math.h>

TU_CTX_FIXTURE

/* docs/methods.md §10: PySAL's six points, binary weights within 15, self included. */
static void six_point_vector(void **state) {
  (void)state;
  double x[] = {10, 20, 40, 15, 30, 30}, y[] = {10, 10, 10, 20, 20, 30}, v[] = {2, 3, 3.2, 5, 8, 7};
  double want[] = {-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331};
  sm_weights *w;
  assert_ok(ctx, sm_weights_distance_band(ctx, &w, 6, x, y, 15, 1, 1.0));
  double z[6], p[6];
  assert_ok(ctx, sm_gistar(ctx, w, v, 6, z, p));
  for (int i = 0; i < 6; i++) {
    if (fabs(z[i] - want[i]) > 1e-8) fail_msg("unit %d: z %.10f, want %.8f", i, z[i], want[i]);
    assert_true(fabs(p[i] - erfc(fabs(want[i]) / sqrt(2))) < 1e-8);
  }
  assert_true(sm_weights_has_self(w, 0));
  assert_int_equal(sm_weights_neighbours(w, 0), 3); /* itself, (20,10) at 10, (15,20) at 11.2 */
  sm_weights_destroy(w);
}

/* A hand-checked Benjamini-Hochberg example. */
static void bins_and_fdr(void **state) {
  (void)state;
  double p[] = {0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216};
  double z[10];
  for (int i = 0; i < 10; i++) z[i] = i == 9 ? -1.0 : 1.0;
  int b[10];
  int plain[] = {3, 3, 2, 2, 2, 1, 1, 0, 0, 0};
  assert_ok(ctx, sm_hotspot_bins(ctx, z, p, 10, 0, b));
  for (int i = 0; i < 10; i++) assert_int_equal(b[i], plain[i]);
  /* BH: alpha .01 -> 1 passes (0.001 <= 0.001); .05 -> 2 (0.008 <= 0.010);
   * .10 -> 6 (0.06 <= 0.06, 0.074 > 0.07) */
  int fdr[] = {3, 2, 1, 1, 1, 1, 0, 0, 0, 0};
  assert_ok(ctx, sm_hotspot_bins(ctx, z, p, 10, 1, b));
  for (int i = 0; i < 10; i++) assert_int_equal(b[i], fdr[i]);
}

static void bad_input(void **state) {
  (void)state;
  double x[] = {0, 10, 20}, y[] = {0, 0, 0}, same[] = {4, 4, 4}, z[3];
  sm_weights *w;
  assert_ok(ctx, sm_weights_distance_band(ctx, &w, 3, x, y, 15, 1, 1.0));
  assert_int_equal(sm_gistar(ctx, w, same, 3, z, NULL), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "same value");
  sm_weights_destroy(w);
  assert_ok(ctx, sm_weights_distance_band(ctx, &w, 2, x, y, 15, 1, 1.0));
  assert_int_equal(sm_gistar(ctx, w, same, 2, z, NULL), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "at least 3 units");
  sm_weights_destroy(w);
  assert_int_equal(sm_weights_distance_band(ctx, &w, 3, x, y, 0, 1, 1.0), SM_E_INVALID_ARG);
}

/* Fishnet: 4 rook neighbours + self at a 250 m band on 200 m cells; the same
 * weights and z for 1 and 2 threads; counts of points. */
static void fishnet_weights(void **state) {
  (void)state;
  double e[4] = {529000, 183000, 531000, 185000};
  sm_units *u;
  assert_ok(ctx, sm_units_fishnet(ctx, &u, e, 200, "EPSG:27700", NULL));
  size_t n = sm_units_count(u);
  assert_int_equal(n, 100);
  sm_weights *w1, *w2;
  sm_ctx_set_threads(ctx, 1);
  assert_ok(ctx, sm_weights_distance_band(ctx, &w1, n, sm_units_x(u), sm_units_y(u), 250, 1, 1.0));
  sm_ctx_set_threads(ctx, 2);
  assert_ok(ctx, sm_weights_distance_band(ctx, &w2, n, sm_units_x(u), sm_units_y(u), 250, 1, 1.0));
  sm_ctx_set_threads(ctx, 0);
  assert_int_equal(sm_weights_neighbours(w1, 55), 5);
  assert_int_equal(sm_weights_neighbours(w1, 0), 3); /* a corner */
  for (size_t i = 0; i < n; i++) {
    const size_t *a, *b;
    const double *va, *vb;
    sm_weights_row(w1, i, &a, &va);
    sm_weights_row(w2, i, &b, &vb);
    assert_int_equal(sm_weights_neighbours(w1, i), sm_weights_neighbours(w2, i));
    assert_memory_equal(a, b, sm_weights_neighbours(w1, i) * sizeof *a);
    for (size_t k = 1; k < sm_weights_neighbours(w1, i); k++) assert_true(a[k - 1] < a[k]);
  }
  double x[] = {529050, 529050, 529250, 530999}, y[] = {183050, 183150, 183050, 184999};
  sm_points *p;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", 4, x, y, NULL, NULL));
  double c[100];
  size_t outside;
  assert_ok(ctx, sm_units_count_points(ctx, u, p, c, &outside));
  assert_true(c[0] == 2 && c[1] == 1 && c[99] == 1);
  assert_int_equal(outside, 0);
  sm_layer *L;
  assert_ok(ctx, sm_units_layer(ctx, &L, u, "cells"));
  assert_int_equal(sm_layer_feature_count(L), 100);
  sm_layer_destroy(L);
  sm_points_destroy(p);
  sm_weights_destroy(w1);
  sm_weights_destroy(w2);
  sm_units_destroy(u);
}

/* spdep localG on a real fishnet (tests/golden/hotspot, spdep_gistar.R). */
static void spdep_golden(void **state) {
  (void)state;
  static double F[1400 * 3], G[1400 * 4];
  const char *fc[] = {"x", "y", "count"};
  assert_int_equal(tu_read_columns(SM_TEST_SRCDIR "/tests/golden/hotspot/camden_fishnet_200m.csv", 3, fc, F, 1400), 1400);
  const char *gc[] = {"gi_star_band250", "gi_star_band300", "gi_p_band300", "gi_p_bh_band300"};
  assert_int_equal(tu_read_columns(SM_TEST_SRCDIR "/tests/golden/hotspot/spdep_fishnet.csv", 4, gc, G, 1400), 1400);
  static double x[1400], y[1400], c[1400], z[1400], p[1400];
  for (int i = 0; i < 1400; i++) x[i] = F[3 * i], y[i] = F[3 * i + 1], c[i] = F[3 * i + 2];
  double bands[2] = {250, 300};
  for (int b = 0; b < 2; b++) {
    sm_weights *w;
    assert_ok(ctx, sm_weights_distance_band(ctx, &w, 1400, x, y, bands[b], 1, 1.0));
    assert_ok(ctx, sm_gistar(ctx, w, c, 1400, z, p));
    double worst = 0;
    for (int i = 0; i < 1400; i++) worst = fmax(worst, fabs(z[i] - G[4 * i + b]) / fmax(1.0, fabs(G[4 * i + b])));
    print_message("spdep localG band %g: worst difference %.3g\n", bands[b], worst);
    if (worst > 1e-9) fail_msg("band %g: Gi* differs from spdep by %g", bands[b], worst);
    sm_weights_destroy(w);
  }
  /* FDR bins = the levels at which p.adjust(p, "BH") is <= alpha */
  int bins[1400];
  assert_ok(ctx, sm_hotspot_bins(ctx, z, p, 1400, 1, bins));
  for (int i = 0; i < 1400; i++) {
    assert_true(fabs(p[i] - G[4 * i + 2]) <= 1e-9 * fmax(G[4 * i + 2], 1e-300) + 1e-15);
    double adj = G[4 * i + 3];
    int level = (adj <= 0.10) + (adj <= 0.05) + (adj <= 0.01);
    int want = z[i] > 0 ? level : -level;
    if (bins[i] != want) fail_msg("cell %d: FDR bin %d, spdep BH gives %d (adjusted p %g)", i, bins[i], want, adj);
  }
}

/* spdep localmoran and moran.test on the same fishnet, binary and row-standardised. */
static void spdep_moran_golden(void **state) {
  (void)state;
  static double F[1400 * 3], L[1400 * 6];
  const char *fc[] = {"x", "y", "count"};
  assert_int_equal(tu_read_columns(SM_TEST_SRCDIR "/tests/golden/hotspot/camden_fishnet_200m.csv", 3, fc, F, 1400), 1400);
  const char *lc[] = {"lisa_i_band300", "lisa_z_band300", "lisa_p_band300", "lisa_i_w300", "lisa_z_w300", "lisa_p_w300"};
  assert_int_equal(tu_read_columns(SM_TEST_SRCDIR "/tests/golden/hotspot/spdep_fishnet.csv", 6, lc, L, 1400), 1400);
  static double x[1400], y[1400], c[1400], I[1400], z[1400], p[1400];
  for (int i = 0; i < 1400; i++) x[i] = F[3 * i], y[i] = F[3 * i + 1], c[i] = F[3 * i + 2];
  /* global: I, E, Var, z for styles W and B (spdep_global.csv) */
  const double gW[4] = {0.48755194968397475, -0.00071479628305932811, 0.00018570752406736604, 35.829636089278679};
  const double gB[4] = {0.50013116766944543, -0.00071479628305932811, 0.00018276663368684058, 37.047228327985167};
  for (int style = 0; style < 2; style++) {
    sm_weights *w;
    assert_ok(ctx, sm_weights_distance_band(ctx, &w, 1400, x, y, 300, 0, 0));
    if (style == 1) assert_ok(ctx, sm_weights_row_standardise(ctx, w));
    int cls[1400];
    assert_ok(ctx, sm_local_moran(ctx, w, c, 1400, I, z, p, cls));
    double worst = 0;
    for (int i = 0; i < 1400; i++) {
      const double *want = L + 6 * i + 3 * style;
      worst = fmax(worst, fabs(I[i] - want[0]) / fmax(1.0, fabs(want[0])));
      worst = fmax(worst, fabs(z[i] - want[1]) / fmax(1.0, fabs(want[1])));
      worst = fmax(worst, fabs(p[i] - want[2]) / fmax(1e-300, want[2]) * (want[2] > 1e-12));
    }
    print_message("spdep localmoran %s: worst difference %.3g\n", style ? "W" : "B", worst);
    if (worst > 1e-9) fail_msg("local Moran differs from spdep by %g", worst);
    sm_moran m;
    assert_ok(ctx, sm_global_moran(ctx, w, c, 1400, &m));
    const double *g = style ? gW : gB;
    if (fabs(m.I - g[0]) > 1e-12 || fabs(m.expected - g[1]) > 1e-15 || fabs(m.variance / g[2] - 1) > 1e-9 ||
        fabs(m.z / g[3] - 1) > 1e-9)
      fail_msg("global Moran %s: I %.17g E %.17g V %.17g z %.17g", style ? "W" : "B", m.I, m.expected, m.variance, m.z);
    sm_weights_destroy(w);
  }
  /* Gi* weights (with self) are refused */
  sm_weights *ws;
  assert_ok(ctx, sm_weights_distance_band(ctx, &ws, 1400, x, y, 300, 1, 1.0));
  assert_int_equal(sm_local_moran(ctx, ws, c, 1400, I, z, p, NULL), SM_E_INVALID_ARG);
  sm_weights_destroy(ws);
}

/* Permutation p-values: uniform under the null (iid values, fixed seed), the
 * same for any thread count, small where the analytic p is tiny. */
static void permutations(void **state) {
  (void)state;
  double e[4] = {0, 0, 4000, 4000};
  sm_units *u;
  assert_ok(ctx, sm_units_fishnet(ctx, &u, e, 100, "EPSG:27700", NULL));
  size_t n = sm_units_count(u);
  assert_int_equal(n, 1600);
  static double v[1600], p1[1600], p2[1600];
  uint64_t r = 12345;
  for (size_t i = 0; i < n; i++) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    v[i] = (double)(r % 10); /* iid: no spatial pattern */
  }
  for (int moran = 0; moran < 2; moran++) {
    sm_weights *w;
    assert_ok(ctx, sm_weights_distance_band(ctx, &w, n, sm_units_x(u), sm_units_y(u), 150, !moran, 1.0));
    sm_ctx_set_seed(ctx, 2026);
    sm_ctx_set_threads(ctx, 1);
    assert_ok(ctx, sm_hotspot_permutations(ctx, w, v, n, moran, 199, p1));
    sm_ctx_set_threads(ctx, 2);
    assert_ok(ctx, sm_hotspot_permutations(ctx, w, v, n, moran, 199, p2));
    sm_ctx_set_threads(ctx, 0);
    assert_memory_equal(p1, p2, n * sizeof *p1);
    size_t below05 = 0, below50 = 0;
    double mean = 0;
    for (size_t i = 0; i < n; i++) below05 += p1[i] <= 0.05, below50 += p1[i] <= 0.5, mean += p1[i];
    mean /= (double)n;
    print_message("%s permutations under the null: %.3f <= 0.05, %.3f <= 0.5, mean %.3f\n", moran ? "Moran" : "Gi*",
                  (double)below05 / n, (double)below50 / n, mean);
    assert_true(below05 > 0.03 * n && below05 < 0.07 * n);
    assert_true(below50 > 0.45 * n && below50 < 0.55 * n);
    assert_true(mean > 0.45 && mean < 0.55);
    /* another seed, other draws */
    sm_ctx_set_seed(ctx, 7);
    assert_ok(ctx, sm_hotspot_permutations(ctx, w, v, n, moran, 199, p2));
    assert_memory_not_equal(p1, p2, n * sizeof *p1);
    if (!moran) assert_int_equal(sm_hotspot_permutations(ctx, w, v, n, 1, 99, p2), SM_E_INVALID_ARG);
    sm_weights_destroy(w);
  }
  sm_units_destroy(u);
}

/* Gi* and local Moran in one pass equal two separate passes bit for bit:
 * binary and row-standardised Moran weights (shared draws), and weights whose
 * neighbours differ (a smaller Moran band: separate draws), on 1 and 2 threads. */
static void permutations_both(void **state) {
  (void)state;
  double e[4] = {0, 0, 3000, 3000};
  sm_units *u;
  assert_ok(ctx, sm_units_fishnet(ctx, &u, e, 100, "EPSG:27700", NULL));
  size_t n = sm_units_count(u);
  static double v[900], g1[900], m1[900], g2[900], m2[900];
  uint64_t r = 99;
  for (size_t i = 0; i < n; i++) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    v[i] = (double)(r % 7) + (i % 30 < 10 ? 3 : 0); /* a pattern, so there are small p-values too */
  }
  sm_weights *wg;
  assert_ok(ctx, sm_weights_distance_band(ctx, &wg, n, sm_units_x(u), sm_units_y(u), 250, 1, 1.0));
  for (int kind = 0; kind < 3; kind++) {
    sm_weights *wm;
    assert_ok(ctx, sm_weights_distance_band(ctx, &wm, n, sm_units_x(u), sm_units_y(u), kind == 2 ? 150 : 250, 0, 1.0));
    if (kind == 1) assert_ok(ctx, sm_weights_row_standardise(ctx, wm));
    sm_ctx_set_seed(ctx, 11);
    sm_ctx_set_threads(ctx, 1);
    assert_ok(ctx, sm_hotspot_permutations(ctx, wg, v, n, 0, 99, g1));
    assert_ok(ctx, sm_hotspot_permutations(ctx, wm, v, n, 1, 99, m1));
    for (int t = 1; t <= 2; t++) {
      sm_ctx_set_threads(ctx, t);
      assert_ok(ctx, sm_hotspot_permutations_both(ctx, wg, wm, v, n, 99, g2, m2));
      assert_memory_equal(g1, g2, n * sizeof *g1);
      assert_memory_equal(m1, m2, n * sizeof *m1);
    }
    sm_ctx_set_threads(ctx, 0);
    size_t small = 0;
    for (size_t i = 0; i < n; i++) small += g1[i] <= 0.05;
    assert_true(small > 0);
    /* the roles are checked: Moran weights with self are refused */
    assert_int_equal(sm_hotspot_permutations_both(ctx, wg, wg, v, n, 99, g2, m2), SM_E_INVALID_ARG);
    sm_weights_destroy(wm);
  }
  sm_weights_destroy(wg);
  sm_units_destroy(u);
}

/* When every unit is every other's neighbour a permutation only reorders the
 * same values, so every simulated lag ties with the observed one and p is 1;
 * with counts the sums are exact, so the ties are exact whatever the order. */
static void permutations_exact_ties(void **state) {
  (void)state;
  enum { N = 12 };
  double x[N], y[N], v[N], pg[N], pm[N];
  for (int i = 0; i < N; i++) x[i] = 10.0 * (i % 4), y[i] = 10.0 * (i / 4), v[i] = (double)((i * 7) % 11);
  sm_weights *wg, *wm;
  assert_ok(ctx, sm_weights_distance_band(ctx, &wg, N, x, y, 100, 1, 1.0));
  assert_ok(ctx, sm_weights_drop_self(ctx, &wm, wg));
  assert_ok(ctx, sm_weights_row_standardise(ctx, wm));
  sm_ctx_set_seed(ctx, 3);
  assert_ok(ctx, sm_hotspot_permutations_both(ctx, wg, wm, v, N, 999, pg, pm));
  for (int i = 0; i < N; i++) {
    assert_true(pg[i] == 1.0);
    assert_true(pm[i] == 1.0 || v[i] * N == 60.0); /* (a unit at the mean has no sign: p 1 too) */
  }
  sm_weights_destroy(wg);
  sm_weights_destroy(wm);
}

/* Global Moran's I sums blocks of rows in parallel: the same bits for 1, 2 and 3 threads. */
static void global_moran_threads(void **state) {
  (void)state;
  double e[4] = {0, 0, 7000, 7000};
  sm_units *u;
  assert_ok(ctx, sm_units_fishnet(ctx, &u, e, 100, "EPSG:27700", NULL));
  size_t n = sm_units_count(u);
  assert_int_equal(n, 4900);
  static double v[4900];
  for (size_t i = 0; i < n; i++) v[i] = (double)((i * 37) % 13) + 0.25 * (double)(i % 70 < 20);
  sm_weights *w;
  assert_ok(ctx, sm_weights_distance_band(ctx, &w, n, sm_units_x(u), sm_units_y(u), 250, 0, 0));
  assert_ok(ctx, sm_weights_row_standardise(ctx, w));
  sm_moran m[3];
  for (int t = 1; t <= 3; t++) {
    sm_ctx_set_threads(ctx, t);
    assert_ok(ctx, sm_global_moran(ctx, w, v, n, &m[t - 1]));
  }
  sm_ctx_set_threads(ctx, 0);
  assert_memory_equal(&m[0], &m[1], sizeof m[0]);
  assert_memory_equal(&m[0], &m[2], sizeof m[0]);
  sm_weights_destroy(w);
  sm_units_destroy(u);
}

/* ArcGIS's incremental spatial autocorrelation peaks (returnPeakIndices):
 * a fall after a rise, z > 1.65; the rising flag is never reset. */
static void isa_peak_rule(void **state) {
  (void)state;
  size_t f, m;
  const double a[] = {1, 3, 2, 1.5};
  sm__isa_peaks(a, 4, &f, &m);
  assert_int_equal(f, 1), assert_int_equal(m, 1);
  const double b[] = {1, 1.6, 1.2, 2, 3, 2.5}; /* the first fall is below 1.65 */
  sm__isa_peaks(b, 6, &f, &m);
  assert_int_equal(f, 4), assert_int_equal(m, 4);
  const double c[] = {1, 3, 3, 2}; /* a plateau: its last band */
  sm__isa_peaks(c, 4, &f, &m);
  assert_int_equal(f, 2), assert_int_equal(m, 2);
  const double d[] = {5, 4, 3}; /* falls without a rise before */
  sm__isa_peaks(d, 3, &f, &m);
  assert_int_equal(f, (size_t)-1), assert_int_equal(m, (size_t)-1);
  const double e[] = {1, 2, 5, 4, 6, 3}; /* two peaks, the second higher */
  sm__isa_peaks(e, 6, &f, &m);
  assert_int_equal(f, 2), assert_int_equal(m, 4);
  const double g[] = {1, 3, 2, 1.8}; /* every later fall counts too */
  sm__isa_peaks(g, 4, &f, &m);
  assert_int_equal(f, 1), assert_int_equal(m, 1);
  const double h[] = {1, 2, 3, 4}; /* rises to the end: none */
  sm__isa_peaks(h, 4, &f, &m);
  assert_int_equal(f, (size_t)-1);
}

/* Optimized Hot Spot Analysis's cell size on hand-made points: a 10 x 10
 * lattice of 50 m (nearest neighbour 50 m), coincident copies (one location
 * each) and one far point (a locational outlier); a row of points whose cell
 * would pass 10% of the extent. */
static void optimised_cell(void **state) {
  (void)state;
  static double x[300], y[300];
  size_t n = 0;
  for (int j = 0; j < 10; j++)
    for (int i = 0; i < 10; i++) x[n] = 50.0 * i, y[n] = 50.0 * j, n++;
  for (int i = 0; i < 20; i++) x[n] = x[i], y[n] = y[i], n++; /* coincident */
  x[n] = 5000, y[n] = 0, n++;                                  /* 4,550 m from the lattice */
  sm_ohsa_cell c;
  assert_ok(ctx, sm_optimised_cell_size(ctx, n, x, y, &c));
  assert_int_equal(c.n_points, 121);
  assert_int_equal(c.n_locations, 101);
  assert_int_equal(c.n_outliers, 1);
  assert_true(c.mean_nn_m == 50 && c.median_nn_m == 50 && c.threshold_m == 51);
  assert_true(c.cell_m == 101); /* roof(2 x 50) */
  assert_true(c.min_m == 450.0 / 250 && c.max_m == 501 && c.clamped == 0);
  /* ten points 100 m apart on a line: roof(200) = 201 > roof(10% of 900 m) = 91 */
  for (int i = 0; i < 10; i++) x[i] = 100.0 * i, y[i] = 7;
  assert_ok(ctx, sm_optimised_cell_size(ctx, 10, x, y, &c));
  assert_true(c.cell_m == 91 && c.clamped == 1 && c.min_m == 900.0 / 250);
  /* one place only */
  for (int i = 0; i < 10; i++) x[i] = 3, y[i] = 4;
  assert_int_equal(sm_optimised_cell_size(ctx, 10, x, y, &c), SM_E_INPUT);
}

/* Optimized Hot Spot Analysis's band on a 10 x 10 grid of 100 m: the
 * incremental autocorrelation bands (start roof(100) + 0.001 m for a grid,
 * spread below one standard distance, sqrt(165000) m) and, for iid values
 * (no peak), the fallback: the mean distance
 * to the 5th nearest cell (k = 5% of 100), brute force here. A planted
 * cluster gives a peak and its band. */
static void optimised_band(void **state) {
  (void)state;
  enum { N = 100 };
  double x[N], y[N], v[N];
  uint64_t r = 7919; /* iid values 0..9: every band's z is below 1.65 (checked below), so no peak */
  for (int i = 0; i < N; i++) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    x[i] = 100.0 * (i % 10), y[i] = 100.0 * (i / 10), v[i] = (double)(r % 10);
  }
  sm_ohsa_band b;
  assert_ok(ctx, sm_optimised_band(ctx, N, x, y, v, &b));
  double sd = sqrt(165000.0);
  assert_true(b.grid && b.isa_rescaled && b.n_isa == 10);
  assert_true(fabs(b.isa_start_m - 101.001) < 1e-12);
  assert_true(fabs(b.isa_increment_m - (sd - 101) / 10) < 1e-9);
  assert_true(fabs(b.isa_max_m - sd) < 1e-9);
  for (int i = 0; i < 10; i++) assert_true(b.isa[i].moran.z < 1.65);
  assert_int_equal(b.first_peak, (size_t)-1);
  assert_int_equal(b.rule, SM_OHSA_BAND_KNN);
  assert_int_equal(b.knn_k, 5);
  double mean5 = 0;
  for (int i = 0; i < N; i++) {
    double d[N - 1];
    int m = 0;
    for (int j = 0; j < N; j++)
      if (j != i) d[m++] = hypot(x[j] - x[i], y[j] - y[i]);
    for (int a = 0; a < 5; a++) /* partial selection sort: the 5 smallest */
      for (int c = a + 1; c < m; c++)
        if (d[c] < d[a]) {
          double t = d[a];
          d[a] = d[c], d[c] = t;
        }
    mean5 += d[4];
  }
  mean5 /= N;
  assert_true(fabs(b.knn_mean_m - mean5) < 1e-9);
  assert_true(b.band_m == floor(mean5) + 1 && !b.raised_to_min);
  /* a planted cluster of high values: a peak, and the band is that band */
  for (int i = 0; i < N; i++) v[i] = (i % 10 < 4 && i / 10 < 4) ? 10 + (i % 3) : (i % 7);
  assert_ok(ctx, sm_optimised_band(ctx, N, x, y, v, &b));
  assert_true(b.first_peak != (size_t)-1);
  assert_int_equal(b.rule, SM_OHSA_BAND_FIRST_PEAK);
  assert_true(b.band_m == b.isa[b.first_peak].band_m);
  assert_true(b.isa[b.first_peak].moran.z > 1.65 && b.isa[b.first_peak + 1].moran.z < b.isa[b.first_peak].moran.z);
  print_message("planted cluster: band %.3f m, rule %d, first peak %zu\n", b.band_m, (int)b.rule, b.first_peak);
  /* zero variance; too few units */
  for (int i = 0; i < N; i++) v[i] = 2;
  assert_int_equal(sm_optimised_band(ctx, N, x, y, v, &b), SM_E_INPUT);
  assert_int_equal(sm_optimised_band(ctx, 3, x, y, v, &b), SM_E_INPUT);
}

/* Ward contiguity: the neighbour lists, Gi*, local and global Moran's I of
 * spdep (poly2nb, localG, localmoran, moran.test; tests/golden/hotspot/wards). */
static void spdep_wards_golden(void **state) {
  (void)state;
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  ao.analysis_crs = "EPSG:27700";
  sm_areas *a;
  assert_ok(ctx, sm_areas_read(ctx, &a, SM_TEST_SRCDIR "/data/wards/camden_wards_2024.gpkg", &ao));
  size_t n = sm_areas_count(a);
  assert_int_equal(n, 20);
  /* neighbours.csv: contiguity,from_id,to_id */
  FILE *f = fopen(SM_TEST_SRCDIR "/tests/golden/hotspot/wards/neighbours.csv", "r");
  assert_non_null(f);
  char line[256];
  int want[2][20][20];
  memset(want, 0, sizeof want);
  if (!fgets(line, sizeof line, f)) fail_msg("empty neighbours.csv");
  while (fgets(line, sizeof line, f)) {
    char kind[16], from[16], to[16];
    if (sscanf(line, "%15[^,],%15[^,],%15[^,\n]", kind, from, to) != 3) continue;
    int q = !strcmp(kind, "queen") ? 0 : 1, fi = -1, ti = -1;
    for (size_t k = 0; k < n; k++) {
      if (!strcmp(sm_areas_id(a, k), from)) fi = (int)k;
      if (!strcmp(sm_areas_id(a, k), to)) ti = (int)k;
    }
    assert_true(fi >= 0 && ti >= 0);
    want[q][fi][ti] = 1;
  }
  fclose(f);
  for (int q = 0; q < 2; q++) {
    sm_weights *w;
    assert_ok(ctx, sm_weights_contiguity(ctx, &w, a, q == 0, 0, 0, 0));
    for (size_t i = 0; i < n; i++) {
      const size_t *idx;
      const double *wt;
      sm_weights_row(w, i, &idx, &wt);
      int got[20] = {0};
      for (size_t k = 0; k < sm_weights_neighbours(w, i); k++) got[idx[k]] = 1;
      for (size_t j = 0; j < n; j++)
        if (got[j] != want[q][i][j]) fail_msg("%s: %s-%s is %d, spdep says %d", q ? "rook" : "queen", sm_areas_id(a, i), sm_areas_id(a, j), got[j], want[q][i][j]);
    }
    sm_weights_destroy(w);
  }
  /* statistics on the ward totals */
  static double S[20 * 7];
  const char *sc[] = {"total", "gi_queen", "lisa_i_queen", "lisa_z_queen", "lisa_p_queen", "lisa_i_queen_w", "lisa_z_queen_w"};
  assert_int_equal(tu_read_columns(SM_TEST_SRCDIR "/tests/golden/hotspot/wards/wards_stats.csv", 7, sc, S, 20), 20);
  double x[20], z[20], p[20], I[20], zz[20], pp[20];
  for (int i = 0; i < 20; i++) x[i] = S[7 * i];
  sm_weights *ws, *wn;
  assert_ok(ctx, sm_weights_contiguity(ctx, &ws, a, 1, 0, 1, 1.0));
  assert_ok(ctx, sm_weights_contiguity(ctx, &wn, a, 1, 0, 0, 0));
  assert_ok(ctx, sm_gistar(ctx, ws, x, 20, z, p));
  assert_ok(ctx, sm_local_moran(ctx, wn, x, 20, I, zz, pp, NULL));
  for (int i = 0; i < 20; i++) {
    if (fabs(z[i] - S[7 * i + 1]) > 1e-9) fail_msg("ward %d Gi* %.17g, spdep %.17g", i, z[i], S[7 * i + 1]);
    if (fabs(I[i] - S[7 * i + 2]) > 1e-9 || fabs(zz[i] - S[7 * i + 3]) > 1e-9 || fabs(pp[i] - S[7 * i + 4]) > 1e-9)
      fail_msg("ward %d local Moran differs from spdep", i);
  }
  assert_ok(ctx, sm_weights_row_standardise(ctx, wn));
  assert_ok(ctx, sm_local_moran(ctx, wn, x, 20, I, zz, pp, NULL));
  for (int i = 0; i < 20; i++)
    if (fabs(I[i] - S[7 * i + 5]) > 1e-9 || fabs(zz[i] - S[7 * i + 6]) > 1e-9) fail_msg("ward %d local Moran (W) differs", i);
  sm_moran m;
  assert_ok(ctx, sm_global_moran(ctx, wn, x, 20, &m));
  if (fabs(m.I - 0.3228964967981347) > 1e-12 || fabs(m.variance / 0.016097669005184154 - 1) > 1e-9 ||
      fabs(m.z - 2.9597901136460814) > 1e-9)
    fail_msg("global Moran (queen, W): I %.17g V %.17g z %.17g", m.I, m.variance, m.z);
  sm_weights_destroy(ws);
  sm_weights_destroy(wn);
  sm_areas_destroy(a);
}

/* Queen and rook differ where squares meet at a corner only. */
static void queen_rook_squares(void **state) {
  (void)state;
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, "sq", SM_GEOM_POLYGON, "EPSG:27700"));
  size_t fid;
  assert_ok(ctx, sm_layer_add_field(ctx, l, "GSS_CODE", SM_FIELD_STRING, &fid));
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++) {
      double x0 = 529000 + 100 * c, y0 = 183000 + 100 * r;
      double ring[10] = {x0, y0, x0, y0 + 100, x0 + 100, y0 + 100, x0 + 100, y0, x0, y0};
      unsigned char wkb[93];
      uint32_t t = 3, nr = 1, np = 5;
      wkb[0] = 1;
      memcpy(wkb + 1, &t, 4), memcpy(wkb + 5, &nr, 4), memcpy(wkb + 9, &np, 4), memcpy(wkb + 13, ring, 80);
      size_t row;
      assert_ok(ctx, sm_layer_add_feature(ctx, l, wkb, sizeof wkb, &row));
      char id[8];
      snprintf(id, sizeof id, "s%d", r * 3 + c);
      assert_ok(ctx, sm_layer_set_string(ctx, l, row, fid, id));
    }
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  assert_ok(ctx, sm_write_layers(ctx, tu_path("sq.gpkg"), &l, 1, &wo));
  sm_layer_destroy(l);
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  ao.analysis_crs = "EPSG:27700";
  sm_areas *a;
  assert_ok(ctx, sm_areas_read(ctx, &a, tu_path("sq.gpkg"), &ao));
  sm_weights *q, *r;
  assert_ok(ctx, sm_weights_contiguity(ctx, &q, a, 1, 0, 0, 0));
  assert_ok(ctx, sm_weights_contiguity(ctx, &r, a, 0, 0, 0, 0));
  assert_int_equal(sm_weights_neighbours(q, 4), 8);
  assert_int_equal(sm_weights_neighbours(r, 4), 4);
  assert_int_equal(sm_weights_neighbours(q, 0), 3);
  assert_int_equal(sm_weights_neighbours(r, 0), 2);
  sm_weights_destroy(q);
  sm_weights_destroy(r);
  sm_areas_destroy(a);
}

/* k nearest neighbours against a brute-force search: random points, a dense
 * cluster with far outliers, and a lattice full of distance ties (broken by
 * the smaller index); the same lists for 1 and 2 threads. */
static int cmp_pair(const void *a, const void *b) {
  const double *p = a, *q = b;
  if (p[0] != q[0]) return p[0] < q[0] ? -1 : 1;
  return (p[1] > q[1]) - (p[1] < q[1]);
}
static void knn_brute_force(void **state) {
  (void)state;
  enum { N = 900 };
  static double x[N], y[N], pair[N][2];
  uint64_t r = 99;
  for (int layout = 0; layout < 3; layout++) {
    for (size_t i = 0; i < N; i++) {
      r ^= r << 13, r ^= r >> 7, r ^= r << 17;
      double a = (double)(r % 100000) / 100.0, b = (double)((r >> 20) % 100000) / 100.0;
      if (layout == 0) x[i] = a, y[i] = b;
      else if (layout == 1) x[i] = i < 5 ? 1e6 * (double)i : a / 100, y[i] = i < 5 ? -3e5 : b / 100;
      else x[i] = (double)(i % 30) * 10, y[i] = (double)(i / 30) * 10;
    }
    size_t ks[] = {1, 4, 8, 20};
    for (size_t t = 0; t < 4; t++) {
      size_t k = ks[t];
      sm_weights *w, *w2;
      sm_ctx_set_threads(ctx, 1);
      assert_ok(ctx, sm_weights_knn(ctx, &w, N, x, y, k, t == 1, 1.0));
      sm_ctx_set_threads(ctx, 2);
      assert_ok(ctx, sm_weights_knn(ctx, &w2, N, x, y, k, t == 1, 1.0));
      sm_ctx_set_threads(ctx, 0);
      for (size_t i = 0; i < N; i++) {
        size_t m = 0;
        for (size_t j = 0; j < N; j++)
          if (j != i) pair[m][0] = hypot(x[j] - x[i], y[j] - y[i]), pair[m][1] = (double)j, m++;
        qsort(pair, m, sizeof pair[0], cmp_pair);
        unsigned char want[N] = {0};
        for (size_t q = 0; q < k; q++) want[(size_t)pair[q][1]] = 1;
        if (t == 1) want[i] = 1;
        const size_t *idx, *idx2;
        const double *wt, *wt2;
        sm_weights_row(w, i, &idx, &wt);
        sm_weights_row(w2, i, &idx2, &wt2);
        assert_int_equal(sm_weights_neighbours(w, i), k + (t == 1));
        assert_memory_equal(idx, idx2, (k + (t == 1)) * sizeof *idx);
        for (size_t q = 0; q < k + (t == 1); q++) {
          if (!want[idx[q]]) fail_msg("layout %d k %zu unit %zu: neighbour %zu is not among the nearest", layout, k, i, idx[q]);
          assert_true(wt[q] == 1.0);
          if (q) assert_true(idx[q - 1] < idx[q]);
        }
      }
      sm_weights_destroy(w);
      sm_weights_destroy(w2);
    }
  }
  sm_weights *w;
  assert_int_equal(sm_weights_knn(ctx, &w, N, x, y, 0, 0, 0), SM_E_INVALID_ARG);
  assert_int_equal(sm_weights_knn(ctx, &w, 3, x, y, 3, 0, 0), SM_E_INVALID_ARG);
  x[7] = NAN;
  assert_int_equal(sm_weights_knn(ctx, &w, N, x, y, 4, 0, 0), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "unit 7"));
}

/* Inverse-distance weights: 1/d and 1/d^2 within the band, 1 for a coincident
 * pair, none beyond the band; a power other than 1 or 2 is refused. */
static void inverse_distance(void **state) {
  (void)state;
  double x[] = {0, 3, 0, 0, 100}, y[] = {0, 4, 0, 10, 0};
  for (int pw = 1; pw <= 2; pw++) {
    sm_weights *w;
    assert_ok(ctx, sm_weights_inverse_distance(ctx, &w, 5, x, y, 10, pw, 1, 1.0));
    const size_t *idx;
    const double *wt;
    sm_weights_row(w, 0, &idx, &wt);
    assert_int_equal(sm_weights_neighbours(w, 0), 4); /* itself, 1 at 5, 2 at 0, 3 at 10 */
    double want[] = {1.0, pw == 1 ? 0.2 : 0.04, 1.0, pw == 1 ? 0.1 : 0.01};
    for (int q = 0; q < 4; q++) {
      assert_int_equal(idx[q], (size_t)q);
      assert_true(fabs(wt[q] - want[q]) < 1e-15);
    }
    assert_int_equal(sm_weights_neighbours(w, 4), 1); /* only itself */
    sm_weights_destroy(w);
  }
  sm_weights *w;
  assert_int_equal(sm_weights_inverse_distance(ctx, &w, 5, x, y, 10, 3, 1, 1.0), SM_E_INVALID_ARG);
}

/* kNN (k = 6) and inverse-distance (1/d, 1/d^2 within 300 m) weights on
 * jittered fishnet centres: Gi*, local and global Moran against spdep
 * (tests/golden/hotspot/spdep_knn_idw.R). Tolerance 1e-9 relative. */
static void spdep_knn_idw_golden(void **state) {
  (void)state;
  enum { N = 1400 };
  static double F[N * 9], x[N], y[N], c[N], a[N], b[N], pv[N];
  const char *fc[] = {"x", "y", "count", "gi_knn6", "lisa_knn6", "lisa_z_knn6", "gi_idw300", "gi_idw2_300", "lisa_idw300"};
  assert_int_equal(tu_read_columns(SM_TEST_SRCDIR "/tests/golden/hotspot/spdep_knn_idw.csv", 9, fc, F, N), N);
  for (int i = 0; i < N; i++) x[i] = F[9 * i], y[i] = F[9 * i + 1], c[i] = F[9 * i + 2];
#define CLOSE(got, want, what)                                                                                          \
  do {                                                                                                                 \
    double worst_ = 0;                                                                                                 \
    for (int i = 0; i < N; i++) worst_ = fmax(worst_, fabs((got)[i] - F[9 * i + (want)]) / fmax(1.0, fabs(F[9 * i + (want)]))); \
    print_message("spdep %s: worst difference %.3g\n", what, worst_);                                                  \
    if (worst_ > 1e-9) fail_msg("%s differs from spdep by %g", what, worst_);                                          \
  } while (0)
  sm_weights *w;
  assert_ok(ctx, sm_weights_knn(ctx, &w, N, x, y, 6, 1, 1.0));
  assert_ok(ctx, sm_gistar(ctx, w, c, N, a, pv));
  CLOSE(a, 3, "localG knn6");
  sm_weights_destroy(w);
  assert_ok(ctx, sm_weights_knn(ctx, &w, N, x, y, 6, 0, 0));
  assert_ok(ctx, sm_local_moran(ctx, w, c, N, a, b, pv, NULL));
  CLOSE(a, 4, "localmoran Ii knn6");
  CLOSE(b, 5, "localmoran Z.Ii knn6");
  sm_moran gm[2];
  assert_ok(ctx, sm_global_moran(ctx, w, c, N, &gm[0]));
  sm_weights_destroy(w);
  for (int pw = 1; pw <= 2; pw++) {
    assert_ok(ctx, sm_weights_inverse_distance(ctx, &w, N, x, y, 300, pw, 1, 1.0));
    assert_ok(ctx, sm_gistar(ctx, w, c, N, a, pv));
    CLOSE(a, pw == 1 ? 6 : 7, pw == 1 ? "localG idw 300" : "localG idw2 300");
    sm_weights_destroy(w);
  }
  assert_ok(ctx, sm_weights_inverse_distance(ctx, &w, N, x, y, 300, 1, 0, 0));
  assert_ok(ctx, sm_local_moran(ctx, w, c, N, a, b, pv, NULL));
  CLOSE(a, 8, "localmoran Ii idw 300");
  assert_ok(ctx, sm_global_moran(ctx, w, c, N, &gm[1]));
  sm_weights_destroy(w);
#undef CLOSE
  static double G[2 * 3];
  const char *gc[] = {"I", "expectation", "variance"};
  assert_int_equal(tu_read_columns(SM_TEST_SRCDIR "/tests/golden/hotspot/spdep_knn_idw_global.csv", 3, gc, G, 2), 2);
  for (int k = 0; k < 2; k++) {
    print_message("moran.test %s: I %.12f (spdep %.12f), variance %.6g (spdep %.6g)\n", k ? "idw300" : "knn6", gm[k].I,
                  G[3 * k], gm[k].variance, G[3 * k + 2]);
    assert_true(fabs(gm[k].I - G[3 * k]) < 1e-10);
    assert_true(fabs(gm[k].expected - G[3 * k + 1]) < 1e-15);
    assert_true(fabs(gm[k].variance - G[3 * k + 2]) < 1e-9 * G[3 * k + 2]);
  }
}

/* The minimum-neighbours rule on a line of units: short rows gain their k
 * nearest (weighted 1, or 1/d when the band is inverse-distance), the self
 * weight and rows with enough neighbours stay as they were. */
static void min_neighbours(void **state) {
  (void)state;
  double x[] = {0, 10, 20, 1000, 1005, 5000}, y[] = {0, 0, 0, 0, 0, 0};
  /* neighbours (self not counted) after the rule with k = 2, band 15 */
  size_t want[6][2] = {{1, 2}, {0, 2}, {0, 1}, {2, 4}, {2, 3}, {3, 4}};
  for (int pw = 0; pw <= 1; pw++) {
    sm_weights *w;
    if (pw) assert_ok(ctx, sm_weights_inverse_distance(ctx, &w, 6, x, y, 15, 1, 1, 1.0));
    else assert_ok(ctx, sm_weights_distance_band(ctx, &w, 6, x, y, 15, 1, 1.0));
    size_t ext = 99;
    assert_ok(ctx, sm_weights_min_neighbours(ctx, w, x, y, 2, pw, &ext));
    assert_int_equal(ext, 5); /* all but unit 1, which has 0 and 2 within 15 m */
    for (size_t i = 0; i < 6; i++) {
      const size_t *idx;
      const double *wt;
      sm_weights_row(w, i, &idx, &wt);
      assert_int_equal(sm_weights_neighbours(w, i), 3);
      assert_true(sm_weights_has_self(w, i));
      size_t m = 0;
      for (size_t q = 0; q < 3; q++) {
        if (q) assert_true(idx[q - 1] < idx[q]);
        if (idx[q] == i) {
          assert_true(wt[q] == 1.0);
          continue;
        }
        assert_int_equal(idx[q], want[i][m]);
        m++;
        double d = fabs(x[idx[q]] - x[i]);
        assert_true(fabs(wt[q] - (pw ? 1.0 / d : 1.0)) < 1e-15);
      }
    }
    /* already satisfied: nothing changes */
    assert_ok(ctx, sm_weights_min_neighbours(ctx, w, x, y, 2, pw, &ext));
    assert_int_equal(ext, 0);
    assert_int_equal(sm_weights_min_neighbours(ctx, w, x, y, 6, pw, NULL), SM_E_INVALID_ARG);
    assert_int_equal(sm_weights_min_neighbours(ctx, w, x, y, 2, 3, NULL), SM_E_INVALID_ARG);
    sm_weights_destroy(w);
  }
}

/* Hexagons: every point of the extent falls in the hexagon with the nearest
 * centre (brute force), the six neighbours lie at exactly the spacing, and
 * each polygon has area (sqrt 3 / 2) s^2 and contains its centre's points. */
static void hexagons(void **state) {
  (void)state;
  double e[4] = {1000, 2000, 2000, 2700}, s = 100;
  sm_units *u;
  assert_ok(ctx, sm_units_hexagons(ctx, &u, e, s, "EPSG:27700", NULL));
  assert_true(sm_units_is_hexagons(u));
  size_t n = sm_units_count(u);
  const double *cx = sm_units_x(u), *cy = sm_units_y(u);
  enum { NP = 5000 };
  static double px[NP], py[NP], c[NP], want[NP];
  uint64_t r = 7;
  for (size_t i = 0; i < NP; i++) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    px[i] = e[0] + (double)(r % 100000) / 1e5 * (e[2] - e[0]);
    py[i] = e[1] + (double)((r >> 24) % 100000) / 1e5 * (e[3] - e[1]);
  }
  memset(want, 0, sizeof want);
  for (size_t i = 0; i < NP; i++) {
    size_t best = 0;
    double bd = INFINITY;
    for (size_t k = 0; k < n; k++) {
      double d = hypot(px[i] - cx[k], py[i] - cy[k]);
      if (d < bd) bd = d, best = k;
    }
    assert_true(bd <= s / sqrt(3) + 1e-9); /* within the circumradius */
    want[best]++;
  }
  sm_points *p;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", NP, px, py, NULL, NULL));
  size_t outside;
  assert_ok(ctx, sm_units_count_points(ctx, u, p, c, &outside));
  assert_int_equal(outside, 0);
  assert_memory_equal(c, want, n * sizeof *c);
  sm_weights *w;
  assert_ok(ctx, sm_weights_distance_band(ctx, &w, n, cx, cy, 1.01 * s, 0, 0));
  size_t six = 0;
  for (size_t i = 0; i < n; i++) {
    const size_t *idx;
    const double *wt;
    sm_weights_row(w, i, &idx, &wt);
    assert_true(sm_weights_neighbours(w, i) <= 6);
    six += sm_weights_neighbours(w, i) == 6;
    for (size_t q = 0; q < sm_weights_neighbours(w, i); q++)
      assert_true(fabs(hypot(cx[idx[q]] - cx[i], cy[idx[q]] - cy[i]) - s) < 1e-9);
  }
  assert_true(six > n / 2);
  sm_weights_destroy(w);
  sm_layer *l;
  assert_ok(ctx, sm_units_layer(ctx, &l, u, "hex"));
  assert_int_equal(sm_layer_feature_count(l), n);
  sm_layer_destroy(l);
  sm_points_destroy(p);
  sm_units_destroy(u);
  assert_int_equal(sm_units_hexagons(ctx, &u, e, 0, "EPSG:27700", NULL), SM_E_INVALID_ARG);
}

/* Incremental spatial autocorrelation with ArcGIS's default bands against
 * spdep moran.test at each band, styles W and B (tests/golden/hotspot/spdep_isa.R);
 * the peak is at the ninth band. Bands to 1e-9 relative, I and z to 1e-8. */
static void spdep_isa_golden(void **state) {
  (void)state;
  enum { N = 1400 };
  static double F[N * 3], x[N], y[N], c[N], G[10 * 9];
  const char *fc[] = {"x", "y", "count"};
  assert_int_equal(tu_read_columns(SM_TEST_SRCDIR "/tests/golden/hotspot/spdep_knn_idw.csv", 3, fc, F, N), N);
  for (int i = 0; i < N; i++) x[i] = F[3 * i], y[i] = F[3 * i + 1], c[i] = F[3 * i + 2];
  const char *gc[] = {"band", "I_W", "z_W", "var_W", "I_B", "z_B", "var_B", "card_min", "card_max"};
  assert_int_equal(tu_read_columns(SM_TEST_SRCDIR "/tests/golden/hotspot/spdep_isa.csv", 9, gc, G, 10), 10);
  sm_isa_band b[10];
  for (int style = 0; style < 2; style++) {
    size_t fp, mp;
    assert_ok(ctx, sm_incremental_autocorrelation(ctx, N, x, y, c, 0, 0, 10, style == 0, b, &fp, &mp));
    for (int k = 0; k < 10; k++) {
      const double *g = G + 9 * k;
      assert_true(fabs(b[k].band_m - g[0]) < 1e-9 * g[0]);
      double I = g[style ? 4 : 1], z = g[style ? 5 : 2];
      if (fabs(b[k].moran.I - I) > 1e-8 || fabs(b[k].moran.z - z) > 1e-8 * fabs(z))
        fail_msg("style %s band %d: I %.12g z %.12g, spdep %.12g %.12g", style ? "B" : "W", k, b[k].moran.I, b[k].moran.z, I, z);
      assert_int_equal(b[k].min_neighbours, (size_t)g[7]);
      assert_int_equal(b[k].max_neighbours, (size_t)g[8]);
    }
    assert_int_equal(fp, 8);
    assert_int_equal(mp, 8);
  }
  /* given bands; bad arguments */
  size_t fp;
  assert_ok(ctx, sm_incremental_autocorrelation(ctx, N, x, y, c, 300, 100, 3, 1, b, &fp, NULL));
  assert_true(b[2].band_m == 500);
  assert_int_equal(fp, (size_t)-1); /* z rises through all three: no peak */
  assert_int_equal(sm_incremental_autocorrelation(ctx, N, x, y, c, 300, 100, 0, 1, b, NULL, NULL), SM_E_INVALID_ARG);
  assert_int_equal(sm_incremental_autocorrelation(ctx, 3, x, y, c, 300, 100, 2, 1, b, NULL, NULL), SM_E_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(six_point_vector), cmocka_unit_test(bins_and_fdr),
                                     cmocka_unit_test(bad_input), cmocka_unit_test(fishnet_weights),
                                     cmocka_unit_test(spdep_golden), cmocka_unit_test(spdep_moran_golden),
                                     cmocka_unit_test(permutations), cmocka_unit_test(permutations_both),
                                     cmocka_unit_test(spdep_wards_golden),
                                     cmocka_unit_test(queen_rook_squares), cmocka_unit_test(knn_brute_force),
                                     cmocka_unit_test(inverse_distance), cmocka_unit_test(spdep_knn_idw_golden),
                                     cmocka_unit_test(min_neighbours), cmocka_unit_test(hexagons),
                                     cmocka_unit_test(spdep_isa_golden),
                                     cmocka_unit_test(isa_peak_rule), cmocka_unit_test(permutations_exact_ties),
                                     cmocka_unit_test(global_moran_threads), cmocka_unit_test(optimised_cell),
                                     cmocka_unit_test(optimised_band)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
