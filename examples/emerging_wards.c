/* emerging_wards: emerging hot spot categories per ward through the safemap C API.
 *
 *   emerging_wards POINTS WARDS
 *
 * Reads police.uk CSVs and ward polygons, counts the incidents per ward and
 * month (a space-time cube), computes the space-time Gi* of every ward-month
 * (queen neighbours and the month before), Benjamini-Hochberg bins, the
 * Mann-Kendall trend of each ward's z series, and prints each ward's
 * category in ArcGIS Pro's wording. */
#include <safemap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: emerging_wards POINTS WARDS\n");
    return 2;
  }
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) != SM_OK) return 2;
  sm_points *points = NULL;
  sm_areas *wards = NULL;
  sm_cube *cube = NULL;
  sm_weights *all = NULL, *w = NULL;
  int32_t *ward_of = NULL;
  unsigned char *keep = NULL;
  double *z = NULL, *p = NULL;
  int *bin = NULL;
  const char *sources[] = {argv[1]};
  sm_status st = sm_points_read(ctx, &points, sources, 1, NULL);
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  if (!st) {
    ao.analysis_crs = sm_points_crs(points);
    st = sm_areas_read(ctx, &wards, argv[2], &ao);
  }
  size_t nw = wards ? sm_areas_count(wards) : 0;
  if (!st) {
    ward_of = malloc(sm_points_count(points) * sizeof *ward_of), keep = calloc(nw, 1);
    st = ward_of && keep ? sm_areas_locate(ctx, wards, points, ward_of, NULL) : SM_E_NOMEM;
  }
  sm_bins months;
  sm_bins_parse("month", &months);
  if (!st) st = sm_cube_create(ctx, &cube, points, ward_of, nw, &months);
  size_t L = sm_cube_locations(cube), T = sm_cube_steps(cube);
  /* queen neighbours among the wards that had an incident, each its own neighbour */
  for (size_t l = 0; !st && l < L; l++) keep[sm_cube_unit(cube, l)] = 1;
  if (!st) st = sm_weights_contiguity(ctx, &all, wards, 1, 0, 1, 1.0);
  if (!st) st = sm_weights_subset(ctx, &w, all, keep);
  if (!st) {
    z = malloc(L * T * sizeof *z), p = malloc(L * T * sizeof *p), bin = malloc(L * T * sizeof *bin);
    if (!z || !p || !bin) st = SM_E_NOMEM;
  }
  if (!st) st = sm_spacetime_gistar(ctx, w, sm_cube_counts(cube), L, T, 1, SM_WINDOW_CUBE, z, p);
  if (!st) st = sm_hotspot_bins(ctx, z, p, L * T, 1, bin); /* 1: with FDR */
  size_t hot = 0;
  for (size_t l = 0; !st && l < L; l++) {
    int state[1000];
    size_t n = T < 1000 ? T : 1000;
    for (size_t t = 0; t < n; t++) state[t] = bin[l * T + t] > 0 ? 1 : bin[l * T + t] < 0 ? -1 : 0;
    sm_mann_kendall trend;
    sm_mann_kendall_test(z + l * T, n, &trend);
    sm_ehsa_category c = sm_ehsa_classify(state, n, &trend, 0.05, SM_EHSA_PRO, NULL);
    size_t u = sm_cube_unit(cube, l);
    for (size_t t = 0; t < n; t++) hot += state[t] > 0;
    printf("%s %-28s %s (trend z %.2f)\n", sm_areas_id(wards, u), sm_areas_name(wards, u), sm_ehsa_category_str(c), trend.z);
  }
  if (st)
    fprintf(stderr, "emerging_wards: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  else
    printf("%zu wards x %zu months: %zu hot ward-months after FDR\n", L, T, hot);
  free(ward_of), free(keep), free(z), free(p), free(bin);
  sm_weights_destroy(w);
  sm_weights_destroy(all);
  sm_cube_destroy(cube);
  sm_areas_destroy(wards);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  return st ? 1 : 0;
}
