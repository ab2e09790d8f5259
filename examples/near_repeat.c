/* near_repeat: a Knox near-repeat table through the safemap C API.
 *
 *   near_repeat POINTS
 *
 * Reads police.uk CSVs (month-only dates, so time bands in months), counts
 * the pairs of incidents by distance band (same location, 0-100, 100-200,
 * 200-400 m, beyond) and month band (0-1, 1-2, beyond), shuffles the months
 * over the incidents 99 times (seeded), and prints each cell's observed
 * pairs, Knox ratio and p: sm_nearrepeat_run(), as `safemap nearrepeat`. */
#include <safemap.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: near_repeat POINTS\n");
    return 2;
  }
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) != SM_OK) return 2;
  sm_points *points = NULL;
  sm_result *res = NULL;
  const char *sources[] = {argv[1]};
  sm_status st = sm_points_read(ctx, &points, sources, 1, NULL);
  const double space[] = {0, 100, 200, 400}, time[] = {0, 1, 2};
  sm_nearrepeat_options o = SM_NEARREPEAT_OPTIONS_INIT;
  o.space_bands_m = space, o.n_space_bands = 4, o.time_bands = time, o.n_time_bands = 3;
  o.time_unit = SM_NEARREPEAT_MONTH, o.permutations = 99, o.seed = 1;
  if (!st) st = sm_nearrepeat_run(ctx, &res, points, NULL, &o);
  if (st) {
    fprintf(stderr, "near_repeat: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  } else {
    const sm_layer *k = sm_result_layer(res, 0);
    size_t sb = (size_t)sm_layer_field_index(k, "space_band"), tb = (size_t)sm_layer_field_index(k, "time_band");
    size_t ob = (size_t)sm_layer_field_index(k, "observed"), kr = (size_t)sm_layer_field_index(k, "knox_ratio");
    size_t p = (size_t)sm_layer_field_index(k, "p");
    printf("%.0f incidents, %.0f pairs\n", sm_result_figure(res, "incidents"), sm_result_figure(res, "pairs"));
    for (size_t i = 0; i < sm_layer_feature_count(k); i++)
      printf("%-14s %-11s %10.0f pairs  Knox ratio %.2f  p %.2f\n", sm_layer_get_string(k, i, sb), sm_layer_get_string(k, i, tb),
             sm_layer_get_double(k, i, ob), sm_layer_get_double(k, i, kr), sm_layer_get_double(k, i, p));
  }
  sm_result_destroy(res);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  return st ? 1 : 0;
}
