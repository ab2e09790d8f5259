/* safety_audit: a women's safety audit of street segments through the safemap C API.
 *
 *   safety_audit STREETS LAMPS CRIMES WARDS OUT.gpkg
 *
 * Puts a lamp-column inventory on a street network at one in the morning, with
 * police.uk crimes of violence against women and girls (the four VAWG types,
 * SM_AUDIT_VAWG_TYPES) and the wards to summarise by: sm_audit_run(), as
 * `safemap audit`. Prints each ward's share of street below its EN 13201
 * lighting target and the first five priorities with their reasons, and writes
 * every layer (audit_segments, dark_stretches, audit_priorities, audit_lamps,
 * audit_wards) with its recipe. */
#include <safemap.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: safety_audit STREETS LAMPS CRIMES WARDS OUT.gpkg\n");
    return 2;
  }
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) != SM_OK) return 2;
  sm_points *crimes = NULL;
  sm_areas *wards = NULL;
  sm_result *res = NULL;
  const char *sources[] = {argv[3]};
  sm_read_options ro = SM_READ_OPTIONS_INIT;
  ro.types = SM_AUDIT_VAWG_TYPES;
  sm_status st = sm_points_read(ctx, &crimes, sources, 1, &ro);
  sm_areas_options wo = SM_AREAS_OPTIONS_INIT;
  if (!st) wo.analysis_crs = sm_points_crs(crimes), st = sm_areas_read(ctx, &wards, argv[4], &wo);
  sm_audit_options o = SM_AUDIT_OPTIONS_INIT;
  o.streets = argv[1], o.lights = argv[2];
  if (!st) st = sm_audit_hour_parse(ctx, "01:00", &o.hour);
  if (!st) st = sm_audit_run(ctx, &res, crimes, wards, &o);
  if (!st) st = sm_result_write(ctx, res, argv[5], NULL);
  if (st) {
    fprintf(stderr, "safety_audit: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  } else {
    printf("%.0f segments, %.1f km; %.1f km below target; %.0f dark stretches\n", sm_result_figure(res, "segments"),
           sm_result_figure(res, "street_km"), sm_result_figure(res, "km_below_target"),
           sm_result_figure(res, "dark_stretches"));
    const sm_layer *w = sm_result_layer_named(res, "audit_wards");
    size_t name = (size_t)sm_layer_field_index(w, "ward_name"), share = (size_t)sm_layer_field_index(w, "share_below_target");
    for (size_t i = 0; i < sm_layer_feature_count(w); i++)
      printf("%-28s %3.0f%% of its street below target\n", sm_layer_get_string(w, i, name),
             100 * sm_layer_get_double(w, i, share));
    const sm_layer *p = sm_result_layer_named(res, "audit_priorities");
    size_t rank = (size_t)sm_layer_field_index(p, "rank"), why = (size_t)sm_layer_field_index(p, "reasons");
    for (size_t i = 0; i < 5 && i < sm_layer_feature_count(p); i++)
      printf("%lld. %s\n", (long long)sm_layer_get_int(p, i, rank), sm_layer_get_string(p, i, why));
  }
  sm_result_destroy(res);
  sm_areas_destroy(wards);
  sm_points_destroy(crimes);
  sm_ctx_destroy(ctx);
  return st ? 1 : 0;
}
