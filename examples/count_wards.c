/* count_wards: burglaries per ward through the safemap C API.
 *
 *   count_wards POINTS WARDS [OUT.gpkg]
 *
 * Reads police.uk CSVs (a file, a directory or a glob) and a ward polygon
 * layer, counts the points in each ward with the count pipeline
 * (sm_count_run(), what `safemap count` runs), prints the five busiest wards
 * and, given OUT.gpkg, writes the ward layer and the ward x month table with
 * their recipe. */
#include <safemap.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(sm_ctx *ctx, sm_status st) {
  fprintf(stderr, "count_wards: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  return 1;
}

static const sm_layer *by_total; /* for the sort */
static size_t total_col;
static int busier(const void *a, const void *b) {
  int64_t x = sm_layer_get_int(by_total, *(const size_t *)a, total_col);
  int64_t y = sm_layer_get_int(by_total, *(const size_t *)b, total_col);
  return (x < y) - (x > y);
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

  /* 3. The count pipeline: a ward layer and a ward x month table, each with its recipe. */
  sm_result *counts = NULL;
  if ((st = sm_count_run(ctx, &counts, points, wards, NULL))) return fail(ctx, st);
  const sm_layer *per_ward = sm_result_layer_named(counts, "ward_counts");
  by_total = per_ward, total_col = (size_t)sm_layer_field_index(per_ward, "total");
  size_t name = (size_t)sm_layer_field_index(per_ward, "area_name"), n = sm_layer_feature_count(per_ward);
  size_t *order = malloc((n ? n : 1) * sizeof *order);
  if (!order) return 2;
  for (size_t r = 0; r < n; r++) order[r] = r;
  qsort(order, n, sizeof *order, busier);
  for (size_t k = 0; k < 5 && k < n; k++)
    printf("  %-30s %lld\n", sm_layer_get_string(per_ward, order[k], name),
           (long long)sm_layer_get_int(per_ward, order[k], total_col));
  free(order);
  printf("outside every ward: %.0f\n", sm_result_figure(counts, "points_outside_areas"));

  /* 4. Write both layers and their recipe to one GeoPackage, atomically. */
  if (argc > 3) {
    sm_write_options wo = SM_WRITE_OPTIONS_INIT;
    wo.overwrite = 1;
    if ((st = sm_result_write(ctx, counts, argv[3], &wo))) return fail(ctx, st);
    printf("wrote %s\n", argv[3]);
  }
  sm_result_destroy(counts);
  sm_areas_destroy(wards);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  return 0;
}
