/* scan_and_forecast: a space-time permutation scan and a ProMap forecast through the safemap C API.
 *
 *   scan_and_forecast POINTS WARDS
 *
 * Reads police.uk CSVs and ward polygons. The scan (sm_scan_run(), as
 * `safemap scan`): incidents per ward and month, circles around each ward
 * centroid, windows of up to 6 months, 99 seeded replications of the months;
 * prints the clusters and the wards in each from its two layers. The forecast
 * (sm_forecast_run(), as `safemap forecast --at`): ProMap's surface for the
 * last month from the months before it (50 m cells, 400 m, 2 months), scored
 * against that month's incidents: hit rate and PAI at 5% of the area. */
#include <safemap.h>
#include <stdio.h>
#include <string.h>

/* a column of a result layer by name */
#define COL(L, name) ((size_t)sm_layer_field_index(L, name))

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: scan_and_forecast POINTS WARDS\n");
    return 2;
  }
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) != SM_OK) return 2;
  sm_points *points = NULL;
  sm_areas *wards = NULL;
  sm_result *scan = NULL;
  sm_result *forecast = NULL;
  const char *sources[] = {argv[1]};
  sm_status st = sm_points_read(ctx, &points, sources, 1, NULL);
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  if (!st) {
    ao.analysis_crs = sm_points_crs(points);
    st = sm_areas_read(ctx, &wards, argv[2], &ao);
  }
  size_t n = points ? sm_points_count(points) : 0;
  /* the scan: wards by month (the defaults), windows of up to 6 months, 99 replications seeded with 1 */
  sm_scan_run_options so = SM_SCAN_RUN_OPTIONS_INIT;
  so.max_window = 6, so.permutations = 99, so.seed = 1;
  if (!st) st = sm_scan_run(ctx, &scan, points, wards, &so);
  const sm_layer *cl = scan ? sm_result_layer_named(scan, "scan_clusters") : NULL;
  const sm_layer *loc = scan ? sm_result_layer_named(scan, "scan_locations") : NULL;
  for (size_t k = 0; !st && k < sm_layer_feature_count(cl) && k < 3; k++) {
    printf("cluster %zu: %s to %s, %.0f observed vs %.1f expected, LLR %.2f, p %.2f:", k + 1,
           sm_layer_get_string(cl, k, COL(cl, "start")), sm_layer_get_string(cl, k, COL(cl, "end")),
           sm_layer_get_double(cl, k, COL(cl, "observed")), sm_layer_get_double(cl, k, COL(cl, "expected")),
           sm_layer_get_double(cl, k, COL(cl, "llr")), sm_layer_get_double(cl, k, COL(cl, "p")));
    int first = 1;
    for (size_t q = 0; q < sm_layer_feature_count(loc); q++) {
      if (sm_layer_get_int(loc, q, COL(loc, "rank")) != (int64_t)k + 1) continue;
      const char *id = sm_layer_get_string(loc, q, COL(loc, "location")); /* the ward's id: print its name */
      for (size_t w = 0; w < sm_areas_count(wards); w++)
        if (!strcmp(sm_areas_id(wards, w), id)) printf("%s %s", first ? "" : ",", sm_areas_name(wards, w)), first = 0;
    }
    printf("\n");
  }
  /* ProMap for the last month, from the months before it, scored against it (sm_forecast_run, as
   * `safemap forecast --at YYYY-MM`): the defaults are ProMap's 50 m cells and 400 m; 2 months back */
  int64_t last = 0;
  for (size_t i = 0; !st && i < n; i++)
    if (i == 0 || sm_points_time(points)[i] > last) last = sm_points_time(points)[i];
  char at[16] = "";
  if (!st) sm_time_format(last, SM_TIME_MONTH, at, sizeof at);
  sm_forecast_options fo = SM_FORECAST_OPTIONS_INIT;
  fo.at = at, fo.time_bandwidth = 2;
  if (!st) st = sm_forecast_run(ctx, &forecast, points, wards, &fo);
  if (!st) {
    double scored = sm_result_figure(forecast, "incidents_scored");
    printf("ProMap for %s: %.0f of %.0f incidents in the top 5%% of the area (%zu cells): hit rate %.1f%%, PAI %.2f\n", at,
           sm_result_figure(forecast, "hit_rate") * scored, scored,
           sm_layer_feature_count(sm_result_layer_named(forecast, "promap_top")), 100 * sm_result_figure(forecast, "hit_rate"),
           sm_result_figure(forecast, "pai"));
  }
  if (st) fprintf(stderr, "scan_and_forecast: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  sm_result_destroy(forecast);
  sm_result_destroy(scan);
  sm_areas_destroy(wards);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  return st ? 1 : 0;
}
