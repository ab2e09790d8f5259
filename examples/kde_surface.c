/* kde_surface: a kernel density surface through the safemap C API.
 *
 *   kde_surface POINTS OUT.tif [RADIUS_M]
 *
 * Reads police.uk CSVs (a file, a directory or a glob), computes a quartic
 * kernel density in points per km² (ArcGIS's definition; the radius by its
 * spatial Silverman rule unless given), and writes a GeoTIFF. */
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

  sm_kde_options ko = SM_KDE_OPTIONS_INIT; /* quartic, per km², automatic radius */
  if (argc > 3) ko.bandwidth_m = atof(argv[3]);
  ko.cell_m = 25;
  sm_raster *surface = NULL;
  sm_kde_info info;
  if (!st) st = sm_kde(ctx, &surface, points, &ko, &info);
  if (!st) {
    sm_write_options wo = SM_WRITE_OPTIONS_INIT;
    wo.overwrite = 1;
    st = sm_write_raster(ctx, argv[2], surface, &wo);
  }
  if (st) {
    fprintf(stderr, "kde_surface: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  } else {
    sm_raster_stats s;
    sm_raster_stats_compute(surface, &s);
    printf("%zu points, radius %.1f m (%s), %zu x %zu cells, peak %.1f %s\n", info.n_points, info.radius_m, info.rule,
           info.width, info.height, s.max, sm_raster_metadata_get(surface, "units"));
  }
  sm_raster_destroy(surface);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  return st ? 1 : 0;
}
