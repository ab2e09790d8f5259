/* emerging_wards: emerging hot spot categories per ward through the safemap C API.
 *
 *   emerging_wards POINTS WARDS
 *
 * Reads police.uk CSVs and ward polygons and runs the emerging hot spot
 * pipeline (sm_emerging_run, as `safemap emerging`): incidents per ward and
 * month (a space-time cube), the space-time Gi* of every ward-month (queen
 * neighbours and the month before), Benjamini-Hochberg bins, the
 * Mann-Kendall trend of each ward's z series and its category in ArcGIS
 * Pro's wording; then prints each ward's row of the result's 'emerging' layer. */
#include <safemap.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: emerging_wards POINTS WARDS\n");
    return 2;
  }
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) != SM_OK) return 2;
  sm_points *points = NULL;
  sm_areas *wards = NULL;
  sm_result *result = NULL;
  const char *sources[] = {argv[1]};
  sm_status st = sm_points_read(ctx, &points, sources, 1, NULL);
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  if (!st) {
    ao.analysis_crs = sm_points_crs(points);
    st = sm_areas_read(ctx, &wards, argv[2], &ao);
  }
  /* the defaults: the wards by month, queen neighbours, time lag 1, ArcGIS Pro's rules */
  sm_emerging_options opts = SM_EMERGING_OPTIONS_INIT;
  if (!st) st = sm_emerging_run(ctx, &result, points, wards, &opts);
  if (st) {
    fprintf(stderr, "emerging_wards: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  } else {
    const sm_layer *L = sm_result_layer_named(result, "emerging");
    long id = sm_layer_field_index(L, "area_id"), name = sm_layer_field_index(L, "area_name");
    long cat = sm_layer_field_index(L, "category"), tz = sm_layer_field_index(L, "trend_z");
    long hot_steps = sm_layer_field_index(L, "hot_steps");
    long long hot = 0;
    for (size_t l = 0; l < sm_layer_feature_count(L); l++) {
      printf("%s %-28s %s (trend z %.2f)\n", sm_layer_get_string(L, l, (size_t)id), sm_layer_get_string(L, l, (size_t)name),
             sm_layer_get_string(L, l, (size_t)cat), sm_layer_get_double(L, l, (size_t)tz));
      hot += sm_layer_get_int(L, l, (size_t)hot_steps);
    }
    printf("%.0f wards x %.0f months: %lld hot ward-months after FDR\n", sm_result_figure(result, "locations"),
           sm_result_figure(result, "steps"), hot);
  }
  sm_result_destroy(result);
  sm_areas_destroy(wards);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  return st ? 1 : 0;
}
