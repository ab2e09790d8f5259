/* forecast: PAI/PEI against the ptools worked example, ProMap weights by hand */
#include "testutil.h"

#include <math.h>

TU_CTX_FIXTURE

/* docs/methods.md §10 (R ptools' example): observed 6,7,3,2,1,0, predicted 8,4,4,2,1,0, unit areas: PAI of the top
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

/* A surface written as GeoTIFF and read back, then scored: 4 x 2 cells of 100 m from (0, 0), values
 *   row 0 (north, y 100-200): 5 4 3 nodata
 *   row 1 (south, y   0-100): 2 1 0 0
 * incidents: two in the 5 cell, one in the 3 cell, one in the 1 cell, one on the nodata cell and one beyond the
 * raster (both outside the study area). Cells with a value: 7; N = 4. At coverage 2/7 the top two cells (5, 4)
 * hold 2: hit rate 0.5, PAI 0.5 / (2/7) = 1.75; the best two cells hold 3 (PEI 2/3). */
static void raster_evaluation(void **state) {
  (void)state;
  sm_raster *r;
  assert_ok(ctx, sm_raster_create(ctx, &r, 4, 2, 0, 200, 100, "EPSG:27700"));
  const double v[8] = {5, 4, 3, -1, 2, 1, 0, 0};
  memcpy(sm_raster_data(r), v, sizeof v);
  sm_raster_set_nodata(r, -1);
  sm_write_options wo;
  sm_write_options_init(&wo, SM_WRITE_OPTIONS_VERSION);
  const char *path = tu_path("surface.tif");
  assert_ok(ctx, sm_write_raster(ctx, path, r, &wo));
  sm_raster_destroy(r);
  assert_ok(ctx, sm_raster_read(ctx, path, 1, &r));
  assert_int_equal(sm_raster_width(r), 4);
  assert_int_equal(sm_raster_height(r), 2);
  assert_true(sm_raster_cell_size(r) == 100);
  assert_string_equal(sm_raster_crs(r), "EPSG:27700");
  assert_true(sm_raster_nodata(r) == -1);
  for (int q = 0; q < 8; q++) assert_true(sm_raster_values(r)[q] == v[q]);
  const double x[6] = {50, 60, 250, 150, 350, 900}, y[6] = {150, 199, 120, 50, 150, 50};
  const double cov[2] = {2.0 / 7, 1};
  sm_hit_rate hr[2];
  size_t outside;
  assert_ok(ctx, sm_evaluate_raster(ctx, r, 6, x, y, "EPSG:27700", cov, 2, hr, &outside));
  assert_int_equal(outside, 2);
  assert_int_equal(hr[0].cells, 2);
  assert_true(hr[0].hits == 2 && fabs(hr[0].hit_rate - 0.5) < 1e-15);
  assert_true(fabs(hr[0].pai - 1.75) < 1e-12);
  assert_true(fabs(hr[0].pei - 2.0 / 3) < 1e-12);
  assert_true(hr[1].cells == 7 && hr[1].hits == 4 && fabs(hr[1].pai - 1) < 1e-15);
  /* another CRS, all nodata, not a raster */
  assert_int_equal(sm_evaluate_raster(ctx, r, 6, x, y, "EPSG:3857", cov, 2, hr, NULL), SM_E_CRS);
  for (int q = 0; q < 8; q++) sm_raster_data(r)[q] = -1;
  assert_int_equal(sm_evaluate_raster(ctx, r, 6, x, y, "EPSG:27700", cov, 2, hr, NULL), SM_E_INPUT);
  sm_raster_destroy(r);
  assert_int_equal(sm_raster_read(ctx, tu_write("not.tif", "hello"), 1, &r), SM_E_IO);
  assert_int_equal(sm_raster_read(ctx, path, 2, &r), SM_E_INPUT);
  assert_null(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(ptools_pai), cmocka_unit_test(promap_weights),
                                     cmocka_unit_test(raster_evaluation)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
