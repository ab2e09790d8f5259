/* count_wards: burglaries per ward through the safemap C API.
 *
 *   count_wards POINTS WARDS [OUT.gpkg]
 *
 * Reads police.uk CSVs (a file, a directory or a glob) and a ward polygon
 * layer, counts the points in each ward, prints the five busiest wards and,
 * given OUT.gpkg, writes the ward layer and the ward x month table. */
#include <safemap.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(sm_ctx *ctx, sm_status st) {
  fprintf(stderr, "count_wards: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: count_wards POINTS WARDS [OUT.gpkg]\n");
    return 2;
  }
  if (!sm_version_check(SM_VERSION_NUMBER)) {
    fprintf(stderr, "count_wards: built for safemap %s but %s is loaded\n", SM_VERSION_STRING, sm_version_string());
    return 2;
  }
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) != SM_OK) return 2;

  /* 1. Incidents, in metres of the analysis CRS (EPSG:27700 for GB data). */
  sm_points *points = NULL;
  const char *sources[] = {argv[1]};
  sm_read_options ro = SM_READ_OPTIONS_INIT;
  ro.types = "Burglary";
  sm_status st = sm_points_read(ctx, &points, sources, 1, &ro);
  if (st) return fail(ctx, st);
  printf("%zu burglaries in %s (analysis CRS %s)\n", sm_points_count(points), argv[1], sm_points_crs(points));

  /* 2. Wards, transformed to the same CRS. */
  sm_areas *wards = NULL;
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  ao.analysis_crs = sm_points_crs(points);
  if ((st = sm_areas_read(ctx, &wards, argv[2], &ao))) return fail(ctx, st);

  /* 3. Counts per ward (a polygon layer) and per ward x month (a table). */
  sm_layer *per_ward = NULL, *per_month = NULL;
  if ((st = sm_areas_count_points(ctx, &per_ward, &per_month, wards, points, "ward_counts"))) return fail(ctx, st);
  size_t total = (size_t)sm_layer_field_index(per_ward, "total");
  size_t name = (size_t)sm_layer_field_index(per_ward, "area_name");
  size_t n = sm_layer_feature_count(per_ward);
  for (int k = 0; k < 5 && k < (int)n; k++) { /* five busiest, simple selection */
    size_t best = 0;
    int64_t bv = -1;
    for (size_t r = 0; r < n; r++) {
      int64_t v = sm_layer_get_int(per_ward, r, total);
      if (v > bv) bv = v, best = r;
    }
    printf("  %-30s %lld\n", sm_layer_get_string(per_ward, best, name), (long long)bv);
    sm_layer_set_int(ctx, per_ward, best, total, -1 - bv); /* mark as taken */
  }
  for (size_t r = 0; r < n; r++) { /* restore */
    int64_t v = sm_layer_get_int(per_ward, r, total);
    if (v < 0) sm_layer_set_int(ctx, per_ward, r, total, -1 - v);
  }
  printf("outside every ward: %s\n", sm_layer_metadata_get(per_ward, "points_outside_areas"));

  /* 4. Write both to one GeoPackage, atomically. */
  if (argc > 3) {
    sm_write_options wo = SM_WRITE_OPTIONS_INIT;
    wo.overwrite = 1;
    sm_layer *layers[] = {per_ward, per_month};
    if ((st = sm_write_layers(ctx, argv[3], layers, 2, &wo))) return fail(ctx, st);
    printf("wrote %s\n", argv[3]);
  }
  sm_layer_destroy(per_ward);
  sm_layer_destroy(per_month);
  sm_areas_destroy(wards);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  return 0;
}
