/* scan_and_forecast: a space-time permutation scan and a ProMap forecast through the safemap C API.
 *
 *   scan_and_forecast POINTS WARDS
 *
 * Reads police.uk CSVs and ward polygons. The scan: incidents per ward and
 * month, circles around each ward centroid, windows of up to 6 months, 99
 * seeded replications of the months; prints the clusters and the wards in
 * each. The forecast: ProMap's surface for the last month from the months
 * before it (50 m cells, 400 m, 2 months), scored against that month's
 * incidents: hit rate and PAI at 5% of the area. */
#include <safemap.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: scan_and_forecast POINTS WARDS\n");
    return 2;
  }
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) != SM_OK) return 2;
  sm_ctx_set_seed(ctx, 1);
  sm_points *points = NULL;
  sm_areas *wards = NULL;
  sm_cube *cube = NULL;
  sm_scan_result *scan = NULL;
  sm_raster *risk = NULL;
  int32_t *ward_of = NULL;
  double *cx = NULL, *cy = NULL, *month = NULL, *lx = NULL, *ly = NULL;
  const char *sources[] = {argv[1]};
  sm_status st = sm_points_read(ctx, &points, sources, 1, NULL);
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  if (!st) {
    ao.analysis_crs = sm_points_crs(points);
    st = sm_areas_read(ctx, &wards, argv[2], &ao);
  }
  size_t n = points ? sm_points_count(points) : 0, nw = wards ? sm_areas_count(wards) : 0;
  if (!st) {
    ward_of = malloc(n * sizeof *ward_of);
    st = ward_of ? sm_areas_locate(ctx, wards, points, ward_of, NULL) : SM_E_NOMEM;
  }
  sm_bins months;
  sm_bins_parse("month", &months);
  if (!st) st = sm_cube_create(ctx, &cube, points, ward_of, nw, &months);
  size_t L = cube ? sm_cube_locations(cube) : 0, T = cube ? sm_cube_steps(cube) : 0;
  if (!st) {
    cx = malloc(L * sizeof *cx), cy = malloc(L * sizeof *cy);
    if (!cx || !cy) st = SM_E_NOMEM;
  }
  for (size_t l = 0; !st && l < L; l++)
    if (!sm_areas_centroid(wards, sm_cube_unit(cube, l), &cx[l], &cy[l])) st = SM_E_INPUT;
  sm_scan_options so = SM_SCAN_OPTIONS_INIT;
  so.max_window = 6, so.permutations = 99;
  if (!st) st = sm_scan(ctx, L, cx, cy, T, sm_cube_counts(cube), &so, &scan);
  for (size_t k = 0; !st && k < scan->n_clusters && k < 3; k++) {
    const sm_scan_cluster *c = &scan->clusters[k];
    char a[16], b[16];
    sm_time_format(sm_cube_step_start(cube, c->t_start), SM_TIME_MONTH, a, sizeof a);
    sm_time_format(sm_cube_step_start(cube, c->t_end), SM_TIME_MONTH, b, sizeof b);
    printf("cluster %zu: %s to %s, %.0f observed vs %.1f expected, LLR %.2f, p %.2f:", k + 1, a, b, c->observed, c->expected,
           c->llr, c->p);
    for (size_t q = scan->member_off[k]; q < scan->member_off[k + 1]; q++)
      printf("%s %s", q > scan->member_off[k] ? "," : "", sm_areas_name(wards, sm_cube_unit(cube, scan->members[q])));
    printf("\n");
  }
  /* ProMap for the last month, from the months before it, scored against it */
  int32_t last = 0;
  if (!st) {
    month = malloc(n * sizeof *month), lx = malloc(n * sizeof *lx), ly = malloc(n * sizeof *ly);
    if (!month || !lx || !ly) st = SM_E_NOMEM;
  }
  for (size_t i = 0; !st && i < n; i++) {
    month[i] = sm_time_month_index(sm_points_time(points)[i]);
    if (i == 0 || month[i] > last) last = (int32_t)month[i];
  }
  double extent[4];
  if (!st) sm_areas_extent(wards, extent);
  sm_promap_options po = SM_PROMAP_OPTIONS_INIT;
  po.time_bandwidth = 2; /* months */
  if (!st) st = sm_promap(ctx, &risk, n, sm_points_x(points), sm_points_y(points), month, last, extent, sm_points_crs(points), &po);
  size_t m = 0;
  for (size_t i = 0; !st && i < n; i++)
    if (month[i] == last) lx[m] = sm_points_x(points)[i], ly[m] = sm_points_y(points)[i], m++;
  const double coverage = 0.05;
  sm_hit_rate hr;
  size_t outside = 0;
  if (!st) st = sm_evaluate_raster(ctx, risk, m, lx, ly, sm_points_crs(points), &coverage, 1, &hr, &outside);
  if (!st)
    printf("ProMap for %04d-%02d: %zu of %zu incidents in the top 5%% of the area (%zu cells): hit rate %.1f%%, PAI %.2f\n",
           (int)(last / 12), (int)(last % 12 + 1), (size_t)hr.hits, m - outside, hr.cells, 100 * hr.hit_rate, hr.pai);
  if (st) fprintf(stderr, "scan_and_forecast: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  free(ward_of), free(cx), free(cy), free(month), free(lx), free(ly);
  sm_raster_destroy(risk);
  sm_scan_result_destroy(scan);
  sm_cube_destroy(cube);
  sm_areas_destroy(wards);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  return st ? 1 : 0;
}
