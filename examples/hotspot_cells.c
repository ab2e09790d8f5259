/* hotspot_cells: Getis-Ord Gi* hot spots on a fishnet through the safemap C API.
 *
 *   hotspot_cells POINTS WARDS OUT.gpkg [CELL_M|auto BAND_M|auto]
 *
 * Reads police.uk CSVs and ward polygons and runs the hot-spot pipeline
 * (sm_hotspots_run, as `safemap hotspots --wards W --grid fishnet`): 200 m
 * cells over the wards (cells whose centre is in a ward; empty ones count as
 * 0), the incidents per cell, binary weights within a 300 m band (each cell
 * its own neighbour, as ArcGIS's Hot Spot Analysis), Gi*, the
 * Benjamini-Hochberg bins (-3..3) and local Moran's I, written to a
 * GeoPackage with their recipe. "auto" chooses the cell size from the
 * incidents in the wards and the band from the cells' counts as ArcGIS's
 * Optimized Hot Spot Analysis does (the options' `optimised`). */
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
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) != SM_OK) return 2;
  sm_points *points = NULL;
  sm_areas *wards = NULL;
  sm_result *result = NULL;

  const char *sources[] = {argv[1]};
  sm_status st = sm_points_read(ctx, &points, sources, 1, NULL);
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  if (!st) {
    ao.analysis_crs = sm_points_crs(points); /* wards in the incidents' metres */
    st = sm_areas_read(ctx, &wards, argv[2], &ao);
  }
  sm_hotspots_options ho = SM_HOTSPOTS_OPTIONS_INIT;
  ho.units = SM_UNIT_FISHNET; /* the wards are the study area, the cells the units */
  ho.cell_m = auto_cell ? 0 : argc > 4 ? atof(argv[4]) : 200;
  ho.band_m = auto_band ? 0 : argc > 5 ? atof(argv[5]) : 300;
  ho.optimised = auto_cell || auto_band; /* 0 (not given) is chosen from the data */
  if (!st) st = sm_hotspots_run(ctx, &result, points, wards, &ho);
  if (!st) {
    sm_write_options wo = SM_WRITE_OPTIONS_INIT;
    wo.overwrite = 1;
    st = sm_result_write(ctx, result, argv[3], &wo);
  }
  if (st)
    fprintf(stderr, "hotspot_cells: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  else
    printf("%.0f cells of %g m, band %g m: %.0f hot and %.0f cold at 90%%+ after FDR (%.0f points outside)\n",
           sm_result_figure(result, "units"), sm_result_figure(result, "cell_m"), sm_result_figure(result, "band_m"),
           sm_result_figure(result, "hot"), sm_result_figure(result, "cold"), sm_result_figure(result, "outside"));
  sm_result_destroy(result);
  sm_areas_destroy(wards);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  return st ? 1 : 0;
}
