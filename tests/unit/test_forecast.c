/* forecast: PAI/PEI against the ptools worked example, ProMap weights by hand */
#include "testutil.h"

#include <math.h>

static sm_ctx *ctx;
static int setup(void **state) {
  (void)state;
  return sm_ctx_create(&ctx) != SM_OK;
}
static int teardown(void **state) {
  (void)state;
  sm_ctx_destroy(ctx);
  return 0;
}

/* REFERENCE.md §10 (R ptools' example): observed 6,7,3,2,1,0, predicted 8,4,4,2,1,0, unit areas: PAI of the top
 * 1, 2, 3 cells 1.8947, 1.4211, 1.6842 (the tie 4,4 ranks the cell with fewer incidents first). */
static void ptools_pai(void **state) {
  (void)state;
  const double obs[6] = {6, 7, 3, 2, 1, 0}, pred[6] = {8, 4, 4, 2, 1, 0};
  const double cov[4] = {1.0 / 6, 2.0 / 6, 3.0 / 6, 1.0};
  sm_hit_rate h[4];
  assert_ok(ctx, sm_evaluate_surface(ctx, 6, pred, obs, NULL, cov, 4, h));
  const double want[3] = {1.8947, 1.4211, 1.6842};
  for (int k = 0; k < 3; k++) {
    assert_int_equal(h[k].cells, (size_t)k + 1);
    if (fabs(h[k].pai - want[k]) > 5e-5) fail_msg("top %d: PAI %.6f, want %.4f", k + 1, h[k].pai, want[k]);
  }
  assert_true(fabs(h[0].pai - (6.0 / 19) / (1.0 / 6)) < 1e-12 && fabs(h[1].hits - 9) < 1e-12);
  /* PEI: the best single cell holds 7: PAI 2.2105; top 2 best 13 */
  assert_true(fabs(h[0].pei - 6.0 / 7) < 1e-12);
  assert_true(fabs(h[1].pei - 9.0 / 13) < 1e-12);
  assert_true(h[3].hit_rate == 1 && fabs(h[3].pai - 1) < 1e-12 && h[3].area_share == 1);
  /* areas: a cell twice the size halves its PAI */
  const double area[6] = {2, 1, 1, 1, 1, 1};
  const double c1 = 2.0 / 7;
  assert_ok(ctx, sm_evaluate_surface(ctx, 6, pred, obs, area, &c1, 1, h));
  assert_true(h[0].cells == 1 && fabs(h[0].pai - (6.0 / 19) / (2.0 / 7)) < 1e-12);
  /* bad: coverage 0; no incidents gives NaN */
  const double z = 0, zero[6] = {0};
  assert_int_equal(sm_evaluate_surface(ctx, 6, pred, obs, NULL, &z, 1, h), SM_E_INVALID_ARG);
  assert_ok(ctx, sm_evaluate_surface(ctx, 6, pred, zero, NULL, cov, 1, h));
  assert_true(isnan(h[0].pai));
}

/* ProMap by hand: one incident 1 unit old in cell (5, 5) of a 20 x 20 grid of 50 m: w = 1/(1+d) 1/2 within 8 cells
 * (Chebyshev), 0 beyond; a second one 8 units old adds nothing; one in the future adds nothing. */
static void promap_weights(void **state) {
  (void)state;
  double e[4] = {0, 0, 1000, 1000};
  double x[3] = {275, 275, 600}, y[3] = {275, 275, 600}, t[3] = {9, 2, 11};
  sm_raster *r;
  sm_promap_options o = SM_PROMAP_OPTIONS_INIT;
  assert_ok(ctx, sm_promap(ctx, &r, 3, x, y, t, 10, e, "EPSG:27700", &o));
  assert_int_equal(sm_raster_width(r), 20);
  const double *v = sm_raster_values(r);
  /* (col, row from the bottom) -> index with row 0 at the top */
#define AT(c, rb) v[(size_t)(19 - (rb)) * 20 + (size_t)(c)]
  assert_true(AT(5, 5) == 0.5);
  assert_true(AT(6, 5) == 0.25 && AT(6, 6) == 0.25);      /* d 1, diagonals the same */
  assert_true(fabs(AT(12, 5) - 0.5 / 8) < 1e-15);         /* d 7 */
  assert_true(AT(13, 5) == 0 && AT(5, 13) == 0);          /* d 8: none */
  double s = 0;
  for (size_t i = 0; i < 400; i++) s += v[i];
  double want = 0; /* the sum over the Chebyshev rings inside the grid: the incident is 5 cells from two edges */
  for (int c = 0; c < 20; c++)
    for (int rb = 0; rb < 20; rb++) {
      int d = abs(c - 5) > abs(rb - 5) ? abs(c - 5) : abs(rb - 5);
      if (d < 8) want += 0.5 / (1 + d);
    }
  assert_true(fabs(s - want) < 1e-12);
#undef AT
  sm_raster_destroy(r);
  o.cell_m = 0;
  assert_int_equal(sm_promap(ctx, &r, 3, x, y, t, 10, e, "EPSG:27700", &o), SM_E_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(ptools_pai), cmocka_unit_test(promap_weights)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
