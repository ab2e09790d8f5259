/* Stencil weights (binary distance bands on a fishnet, no table) against the CSR table of sm_weights_distance_band:
 * the same rows, and every statistic bit for bit (memcmp): Gi* z and p, the bins with and without FDR, local
 * Moran's I, z, p and class, global Moran's I, the permutations' p-values, on 1 and 2 threads. */
#include "testutil.h"
#include "internal/sm_internal.h"

#include <math.h>

TU_CTX_FIXTURE

enum { MAXN = 40 * 36 };

typedef struct stats {
  double z[MAXN], p[MAXN], li[MAXN], lz[MAXN], lp[MAXN], pg[MAXN], pm[MAXN], pg1[MAXN], pm1[MAXN];
  int bin[MAXN], binf[MAXN], lc[MAXN];
  sm_moran gm;
} stats;

static void compute(sm_weights *w, sm_weights *wn, const double *v, size_t n, int threads, stats *s) {
  memset(s, 0, sizeof *s);
  sm_ctx_set_threads(ctx, threads);
  assert_ok(ctx, sm_gistar(ctx, w, v, n, s->z, s->p));
  assert_ok(ctx, sm_hotspot_bins(ctx, s->z, s->p, n, 0, s->bin));
  assert_ok(ctx, sm_hotspot_bins(ctx, s->z, s->p, n, 1, s->binf));
  assert_ok(ctx, sm_local_moran(ctx, wn, v, n, s->li, s->lz, s->lp, s->lc));
  assert_ok(ctx, sm_global_moran(ctx, wn, v, n, &s->gm));
  sm_ctx_set_seed(ctx, 2026);
  assert_ok(ctx, sm_hotspot_permutations_both(ctx, w, wn, v, n, 99, s->pg, s->pm));
  assert_ok(ctx, sm_hotspot_permutations(ctx, w, v, n, 0, 49, s->pg1));
  assert_ok(ctx, sm_hotspot_permutations(ctx, wn, v, n, 1, 49, s->pm1));
  sm_ctx_set_threads(ctx, 0);
}

static void same_rows(const sm_weights *a, const sm_weights *b, size_t n) {
  assert_int_equal(sm_weights_count(a), sm_weights_count(b));
  for (size_t i = 0; i < n; i++) {
    size_t ka = sm_weights_neighbours(a, i), kb = sm_weights_neighbours(b, i);
    if (ka != kb) fail_msg("unit %zu: %zu neighbours in the table, %zu in the stencil", i, ka, kb);
    assert_int_equal(sm_weights_has_self(a, i), sm_weights_has_self(b, i));
    const size_t *ia, *ib;
    const double *wa, *wb;
    sm_weights_row(a, i, &ia, &wa);
    size_t bi[SM__STENCIL_MAX];
    double bw[SM__STENCIL_MAX];
    assert_int_equal(sm__weights_row_get(b, i, bi, bw, &ib, &wb), kb);
    assert_memory_equal(ia, ib, ka * sizeof *ia);
    assert_memory_equal(wa, wb, ka * sizeof *wa);
    for (size_t q = 0; q < ka; q++) assert_true(sm__weights_at(a, ia[q], i) == sm__weights_at(b, ia[q], i));
  }
  /* the lent row of sm_weights_row() is the same row */
  const size_t *ia, *ib;
  const double *wa, *wb;
  sm_weights_row(a, n / 2, &ia, &wa);
  sm_weights_row(b, n / 2, &ib, &wb);
  assert_memory_equal(ia, ib, sm_weights_neighbours(a, n / 2) * sizeof *ia);
}

static void same_stats(const stats *a, const stats *b, size_t n) {
  assert_memory_equal(a->z, b->z, n * sizeof *a->z);
  assert_memory_equal(a->p, b->p, n * sizeof *a->p);
  assert_memory_equal(a->bin, b->bin, n * sizeof *a->bin);
  assert_memory_equal(a->binf, b->binf, n * sizeof *a->binf);
  assert_memory_equal(a->li, b->li, n * sizeof *a->li);
  assert_memory_equal(a->lz, b->lz, n * sizeof *a->lz);
  assert_memory_equal(a->lp, b->lp, n * sizeof *a->lp);
  assert_memory_equal(a->lc, b->lc, n * sizeof *a->lc);
  assert_memory_equal(&a->gm, &b->gm, sizeof a->gm);
  assert_memory_equal(a->pg, b->pg, n * sizeof *a->pg);
  assert_memory_equal(a->pm, b->pm, n * sizeof *a->pm);
  assert_memory_equal(a->pg1, b->pg1, n * sizeof *a->pg1);
  assert_memory_equal(a->pm1, b->pm1, n * sizeof *a->pm1);
}

/* A 40 x 36 fishnet of `cell` m at an origin with a fraction (the centres' differences then round, so a band of a
 * whole number of cells keeps some pairs at exactly one band and drops others: both ways must agree), with or
 * without cells dropped as a study area drops them, whole-number counts (the exact permutation path) or
 * fractional values; bands of 1, 1.5 and 2.5 cells. */
static void one_case(double cell, double band_cells, int drop, int whole) {
  double e[4] = {531234.7, 181777.3, 531234.7 + 40 * cell, 181777.3 + 36 * cell};
  sm_units *u;
  assert_ok(ctx, sm_units_fishnet(ctx, &u, e, cell, "EPSG:27700", NULL));
  assert_int_equal(sm_units_count(u), 40 * 36);
  if (drop) { /* a ragged study area: a disc with bites out of it */
    unsigned char keep[MAXN];
    for (size_t c = 0; c < MAXN; c++) {
      long i = (long)(c % 40), j = (long)(c / 40);
      keep[c] = (i - 20) * (i - 20) + (j - 18) * (j - 18) < 17 * 17 && (i * 7 + j * 3) % 11 != 0;
    }
    size_t m;
    assert_ok(ctx, sm_units_keep(ctx, u, keep, &m));
    assert_true(m > 400 && m < 900);
  }
  size_t n = sm_units_count(u), nx, ny;
  const size_t *cellno;
  const int32_t *unit_of = sm__units_grid(u, &nx, &ny, &cellno);
  assert_non_null(unit_of);
  double *v = malloc(n * sizeof *v);
  uint64_t r = 99;
  for (size_t i = 0; i < n; i++) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    long i0 = (long)(cellno[i] % nx), j0 = (long)(cellno[i] / nx);
    double hot = (i0 - 12) * (i0 - 12) + (j0 - 10) * (j0 - 10) < 30 ? 6 : 0; /* a hot spot */
    v[i] = whole ? (double)(r % 4) + hot : (double)(r % 1000) / 97.0 + hot;
  }
  double band = band_cells * cell;
  sm_weights *w, *wn, *sw, *swn;
  assert_ok(ctx, sm_weights_distance_band(ctx, &w, n, sm_units_x(u), sm_units_y(u), band, 1, 1.0));
  assert_ok(ctx, sm_weights_drop_self(ctx, &wn, w));
  assert_ok(ctx, sm__weights_stencil(ctx, &sw, n, nx, ny, unit_of, cellno, sm_units_x(u), sm_units_y(u), cell, band, 1,
                                     1.0));
  assert_ok(ctx, sm_weights_drop_self(ctx, &swn, sw));
  assert_true(sm__weights_is_stencil(sw) && sm__weights_is_stencil(swn) && !sm__weights_is_stencil(w));
  same_rows(w, sw, n);
  same_rows(wn, swn, n);
  static stats a, b;
  for (int t = 1; t <= 2; t++) {
    compute(w, wn, v, n, t, &a);
    compute(sw, swn, v, n, t, &b);
    same_stats(&a, &b, n);
  }
  print_message("cell %g, band %g cells, %s, %s values: %zu units, %zu stencil offsets; Moran's I %.6f\n", cell,
                band_cells, drop ? "study area" : "whole grid", whole ? "whole" : "fractional", n,
                sm__weights_max_row(sw), a.gm.I);
  sm_weights_destroy(w), sm_weights_destroy(wn), sm_weights_destroy(sw), sm_weights_destroy(swn);
  sm_units_destroy(u);
  free(v);
}

static void stencil_equals_table(void **state) {
  (void)state;
  const double bands[] = {1, 1.5, 2.5};
  for (int drop = 0; drop < 2; drop++)
    for (int b = 0; b < 3; b++)
      for (int whole = 0; whole < 2; whole++) one_case(100, bands[b], drop, whole);
  one_case(0.3, 1, 0, 1); /* a cell that is not a whole number of metres */
  one_case(37.5, 2.5, 1, 0);
}

/* What the stencil refuses: too wide a band, and the operations of tables. */
static void stencil_refusals(void **state) {
  (void)state;
  double e[4] = {0, 0, 1000, 1000};
  sm_units *u;
  assert_ok(ctx, sm_units_fishnet(ctx, &u, e, 10, "EPSG:27700", NULL));
  size_t nx, ny;
  const size_t *cellno;
  const int32_t *unit_of = sm__units_grid(u, &nx, &ny, &cellno);
  sm_weights *w = NULL, *o = NULL;
  assert_int_equal(sm__weights_stencil(ctx, &w, sm_units_count(u), nx, ny, unit_of, cellno, sm_units_x(u),
                                       sm_units_y(u), 10, 200, 1, 1.0), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "more than 1024 neighbours"));
  assert_null(w);
  assert_ok(ctx, sm__weights_stencil(ctx, &w, sm_units_count(u), nx, ny, unit_of, cellno, sm_units_x(u), sm_units_y(u),
                                     10, 25, 1, 1.0));
  unsigned char keep[10000] = {1};
  assert_int_equal(sm_weights_subset(ctx, &o, w, keep), SM_E_INVALID_ARG);
  assert_int_equal(sm_weights_row_standardise(ctx, w), SM_E_INVALID_ARG);
  assert_int_equal(sm_weights_min_neighbours(ctx, w, sm_units_x(u), sm_units_y(u), 3, 0, NULL), SM_E_INVALID_ARG);
  sm_weights_destroy(w);
  sm_units_destroy(u);
  double h[4] = {0, 0, 1000, 1000};
  assert_ok(ctx, sm_units_hexagons(ctx, &u, h, 100, "EPSG:27700", NULL));
  assert_null(sm__units_grid(u, &nx, &ny, &cellno)); /* hexagons keep the table */
  sm_units_destroy(u);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(stencil_equals_table), cmocka_unit_test(stencil_refusals)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
