/* route: the shortest and the safest walking route over a safety audit through the safemap C API.
 *
 *   route AUDIT.gpkg FROM_E FROM_N TO_E TO_N [OUT.gpkg]
 *
 * Reads the audit's street segments (layer audit_segments), finds the shortest route and the route of
 * least safety cost (the default penalties) through SpatiaLite's routing, prints both with their
 * length, darkness and VAWG crime exposure, and writes them to OUT when given: sm_route_run(), as
 * `safemap route`. */
#include <safemap.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: route AUDIT.gpkg FROM_E FROM_N TO_E TO_N [OUT.gpkg]\n");
    return 2;
  }
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) != SM_OK) return 2;
  sm_result *res = NULL;
  sm_route_options o = SM_ROUTE_OPTIONS_INIT;
  o.from_x = atof(argv[2]), o.from_y = atof(argv[3]), o.to_x = atof(argv[4]), o.to_y = atof(argv[5]);
  sm_status st = sm_route_run(ctx, &res, argv[1], &o);
  if (!st) {
    const sm_layer *r = sm_result_layer_named(res, "routes");
    size_t name = (size_t)sm_layer_field_index(r, "route"), len = (size_t)sm_layer_field_index(r, "length_m");
    size_t dark = (size_t)sm_layer_field_index(r, "dark_m"), vawg = (size_t)sm_layer_field_index(r, "crime_exposure");
    size_t segs = (size_t)sm_layer_field_index(r, "segments");
    for (size_t i = 0; i < sm_layer_feature_count(r); i++)
      printf("%-8s %7.1f m  dark %6.1f m  VAWG exposure %5.2f  %3lld segments\n", sm_layer_get_string(r, i, name),
             sm_layer_get_double(r, i, len), sm_layer_get_double(r, i, dark), sm_layer_get_double(r, i, vawg),
             (long long)sm_layer_get_int(r, i, segs));
    printf("the safest route is %.1f m longer\n", sm_result_figure(res, "extra_m"));
  }
  if (!st && argc > 6) {
    sm_write_options wo = SM_WRITE_OPTIONS_INIT;
    const char *inputs[] = {argv[1]};
    wo.overwrite = 1, wo.inputs = inputs, wo.n_inputs = 1;
    st = sm_result_write(ctx, res, argv[6], &wo);
    if (!st) printf("wrote %s\n", argv[6]);
  }
  if (st) fprintf(stderr, "route: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  sm_result_destroy(res);
  sm_ctx_destroy(ctx);
  return st ? 1 : 0;
}
