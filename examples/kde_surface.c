/* kde_surface: a kernel density surface through the safemap C API.
 *
 *   kde_surface POINTS OUT.tif [RADIUS_M]
 *
 * Reads police.uk CSVs (a file, a directory or a glob), computes a quartic
 * kernel density in points per km² (ArcGIS's definition; the radius by its
 * spatial Silverman rule unless given) with the kde pipeline (sm_kde_run(),
 * what `safemap kde` runs), and writes a GeoTIFF with its recipe. */
#include <safemap.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: kde_surface POINTS OUT.tif [RADIUS_M]\n");
    return 2;
  }
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) != SM_OK) return 2;
  sm_points *points = NULL;
  const char *sources[] = {argv[1]};
  sm_status st = sm_points_read(ctx, &points, sources, 1, NULL);

  sm_kde_run_options ko = SM_KDE_RUN_OPTIONS_INIT; /* quartic, per km², automatic radius */
  if (argc > 3) ko.surface.bandwidth_m = atof(argv[3]);
  ko.surface.cell_m = 25;
  sm_result *kde = NULL;
  if (!st) st = sm_kde_run(ctx, &kde, points, NULL, &ko);
  if (!st) {
    sm_write_options wo = SM_WRITE_OPTIONS_INIT;
    wo.overwrite = 1;
    st = sm_result_write(ctx, kde, argv[2], &wo);
  }
  if (st) {
    fprintf(stderr, "kde_surface: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  } else {
    printf("%.0f points, radius %.1f m (%s), %.0f x %.0f cells, peak %.1f %s\n", sm_result_figure(kde, "points"),
           sm_result_figure(kde, "radius_m"), sm_result_text(kde, "rule"), sm_result_figure(kde, "width"),
           sm_result_figure(kde, "height"), sm_result_figure(kde, "max"),
           sm_raster_metadata_get(sm_result_raster(kde, 0), "units"));
  }
  sm_result_destroy(kde);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  return st ? 1 : 0;
}
