/* hotspot_map: a density surface and the optimised Gi* hot cells on one offline map page.
 *
 *   hotspot_map POINTS WARDS DIR
 *
 * Reads police.uk CSVs and ward polygons, runs the kde pipeline (sm_kde_run(), with its 50/75/90% hot-spot
 * areas) and the optimised hot-spot pipeline on a fishnet (sm_hotspots_run()), and writes both as map tiles
 * into DIR with sm_tiles_result() (what `--tiles DIR` does): the surface as colour and value tiles, the
 * layers as vector tiles, and DIR/index.html, a page that opens from the folder with no network. */
#include <safemap.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: hotspot_map POINTS WARDS DIR\n");
    return 2;
  }
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) != SM_OK) return 2;
  sm_points *points = NULL;
  sm_areas *wards = NULL;
  const char *sources[] = {argv[1]};
  sm_status st = sm_points_read(ctx, &points, sources, 1, NULL);
  if (!st) st = sm_areas_read(ctx, &wards, argv[2], NULL);

  static const double percents[] = {50, 75, 90};
  sm_kde_run_options ko = SM_KDE_RUN_OPTIONS_INIT;
  ko.hotspot_percents = percents, ko.n_hotspot_percents = 3;
  sm_hotspots_options ho = SM_HOTSPOTS_OPTIONS_INIT;
  ho.units = SM_UNIT_FISHNET, ho.optimised = 1;
  sm_result *kde = NULL, *cells = NULL;
  if (!st) st = sm_kde_run(ctx, &kde, points, wards, &ko);
  if (!st) st = sm_hotspots_run(ctx, &cells, points, wards, &ho);

  sm_tiles_options to = SM_TILES_OPTIONS_INIT; /* zooms from the cell size, viridis, quantile classes */
  to.overwrite = 1;
  sm_viewer_options vo = SM_VIEWER_OPTIONS_INIT;
  vo.title = "Burglary density and hot cells";
  sm_tiles_info a, b;
  if (!st) st = sm_tiles_result(ctx, kde, argv[3], &to, &vo, &a);
  if (!st) st = sm_tiles_result(ctx, cells, argv[3], &to, &vo, &b);
  if (st)
    fprintf(stderr, "hotspot_map: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  else
    printf("%zu surface and area tiles (zooms %d-%d, values at zoom %d), %zu tiles of %.0f hot and %.0f cold cells; "
           "open %s/index.html\n",
           a.tiles, a.min_zoom, a.max_zoom, a.values_zoom, b.tiles, sm_result_figure(cells, "hot"),
           sm_result_figure(cells, "cold"), argv[3]);
  sm_result_destroy(kde), sm_result_destroy(cells);
  sm_areas_destroy(wards);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  return st ? 1 : 0;
}
