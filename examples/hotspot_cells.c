/* hotspot_cells: Getis-Ord Gi* hot spots on a fishnet through the safemap C API.
 *
 *   hotspot_cells POINTS WARDS OUT.gpkg [CELL_M|auto BAND_M|auto]
 *
 * Reads police.uk CSVs and ward polygons, lays 200 m cells over the wards
 * (cells whose centre is in a ward; empty ones count as 0), counts the
 * incidents per cell, weights cells within a 300 m band (each cell its own
 * neighbour, as ArcGIS's Hot Spot Analysis), and writes gi_z and the
 * Benjamini-Hochberg bins (-3..3) to a GeoPackage. "auto" chooses the cell
 * size from the incidents in the wards and the band from the cells' counts
 * as ArcGIS's Optimized Hot Spot Analysis does (sm_optimised_cell_size,
 * sm_optimised_band). */
#include <safemap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: hotspot_cells POINTS WARDS OUT.gpkg [CELL_M|auto BAND_M|auto]\n");
    return 2;
  }
  int auto_cell = argc > 4 && !strcmp(argv[4], "auto"), auto_band = argc > 5 && !strcmp(argv[5], "auto");
  double cell = argc > 4 && !auto_cell ? atof(argv[4]) : 200, band = argc > 5 && !auto_band ? atof(argv[5]) : 300;
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) != SM_OK) return 2;
  sm_points *points = NULL;
  sm_areas *wards = NULL;
  sm_units *cells = NULL;
  sm_weights *w = NULL;
  sm_layer *layer = NULL;
  double *count = NULL, *z = NULL, *p = NULL;
  int *bin = NULL;
  size_t n = 0, outside = 0;

  const char *sources[] = {argv[1]};
  sm_status st = sm_points_read(ctx, &points, sources, 1, NULL);
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  if (!st) {
    ao.analysis_crs = sm_points_crs(points); /* wards in the incidents' metres */
    st = sm_areas_read(ctx, &wards, argv[2], &ao);
  }
  if (!st && auto_cell) { /* the incidents in the wards: their nearest-neighbour distances give the cell */
    size_t np = sm_points_count(points), m = 0;
    int32_t *ward = malloc(np * sizeof *ward);
    double *x = malloc(np * sizeof *x), *y = malloc(np * sizeof *y);
    sm_ohsa_cell oc;
    st = ward && x && y ? sm_areas_locate(ctx, wards, points, ward, NULL) : SM_E_NOMEM;
    for (size_t i = 0; !st && i < np; i++)
      if (ward[i] >= 0) x[m] = sm_points_x(points)[i], y[m] = sm_points_y(points)[i], m++;
    if (!st) st = sm_optimised_cell_size(ctx, m, x, y, &oc);
    if (!st) cell = oc.cell_m;
    free(ward), free(x), free(y);
  }
  if (!st) {
    double extent[4];
    sm_areas_extent(wards, extent);
    st = sm_units_fishnet(ctx, &cells, extent, cell, sm_points_crs(points), wards);
  }
  if (!st) {
    n = sm_units_count(cells);
    count = malloc(n * sizeof *count), z = malloc(n * sizeof *z), p = malloc(n * sizeof *p), bin = malloc(n * sizeof *bin);
    if (!count || !z || !p || !bin) st = SM_E_NOMEM;
  }
  if (!st) st = sm_units_count_points(ctx, cells, points, count, &outside);
  if (!st && auto_band) { /* incremental spatial autocorrelation of the counts, and its fallbacks */
    sm_ohsa_band ob;
    st = sm_optimised_band(ctx, n, sm_units_x(cells), sm_units_y(cells), count, &ob);
    if (!st) band = ob.band_m;
  }
  /* binary weights within the band, self included (weight 1) for Gi* */
  if (!st) st = sm_weights_distance_band(ctx, &w, n, sm_units_x(cells), sm_units_y(cells), band, 1, 1.0);
  if (!st) st = sm_gistar(ctx, w, count, n, z, p);
  if (!st) st = sm_hotspot_bins(ctx, z, p, n, 1, bin); /* 1: with FDR */
  if (!st) st = sm_units_layer(ctx, &layer, cells, "hotspots");
  size_t fc, fz, fb;
  if (!st) st = sm_layer_add_field(ctx, layer, "count", SM_FIELD_DOUBLE, &fc);
  if (!st) st = sm_layer_add_field(ctx, layer, "gi_z", SM_FIELD_DOUBLE, &fz);
  if (!st) st = sm_layer_add_field(ctx, layer, "gi_bin_fdr", SM_FIELD_INT64, &fb);
  int hot = 0, cold = 0;
  for (size_t i = 0; !st && i < n; i++) {
    st = sm_layer_set_double(ctx, layer, i, fc, count[i]);
    if (!st) st = sm_layer_set_double(ctx, layer, i, fz, z[i]);
    if (!st) st = sm_layer_set_int(ctx, layer, i, fb, bin[i]);
    hot += bin[i] > 0, cold += bin[i] < 0;
  }
  if (!st) {
    sm_write_options wo = SM_WRITE_OPTIONS_INIT;
    wo.overwrite = 1;
    st = sm_write_layers(ctx, argv[3], &layer, 1, &wo);
  }
  if (st)
    fprintf(stderr, "hotspot_cells: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  else
    printf("%zu cells of %g m, band %g m: %d hot and %d cold at 90%%+ after FDR (%zu points outside)\n", n, cell, band,
           hot, cold, outside);
  free(count), free(z), free(p), free(bin);
  sm_layer_destroy(layer);
  sm_weights_destroy(w);
  sm_units_destroy(cells);
  sm_areas_destroy(wards);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  return st ? 1 : 0;
}
