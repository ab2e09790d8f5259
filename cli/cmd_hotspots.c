/* safemap hotspots: Getis-Ord Gi* and local Moran's I on ward, fishnet or hexagon counts. */
#include "cli.h"

#include <math.h>
#include <string.h>

static const cli_command HOTSPOTS = {
    "hotspots",
    "POINTS... --wards W -o OUT.gpkg|OUT.csv [options]\n"
    "POINTS... --cell M --band M|--weights knn [--wards W] -o OUT.gpkg|OUT.csv|OUT.tif [options]\n"
    "POINTS... --optimised [--wards W [--grid fishnet|hexagon]] -o OUT [options]",
    "Counts the incidents per ward (--wards; queen or rook contiguity, as spdep poly2nb) or in\n"
    "a square fishnet or hexagon grid (--grid fishnet|hexagon, --cell metres: the square's side\n"
    "or the spacing of hexagon centres; weights between cell centres: binary within --band metres,\n"
    "inverse distance within it, or the k nearest cells; with --wards only\n"
    "the cells whose centre is in a ward, empty ones included as 0) and computes Getis-Ord\n"
    "Gi* with each unit its own neighbour (the ArcGIS Hot Spot Analysis / spdep localG\n"
    "formula, variance with divisor n).\n"
    "\n"
    "Output layer 'hotspots' (GeoPackage polygons or CSV), one row per unit: with ward units\n"
    "area_id, area_name, total, one column per category (e.g. burglary), area_km2, per_km2\n"
    "(as safemap count; with --rate-field also denominator and rate); with cells unit_id, row,\n"
    "col, count. Then neighbours, gi_z, gi_p (two-sided), gi_bin (-3..3 at 99/95/90%),\n"
    "gi_bin_fdr (the same after Benjamini-Hochberg false discovery rate control, as ArcGIS),\n"
    "and local Moran's I (spdep localmoran): lisa_i, lisa_z, lisa_p, lisa_class (HH, LL, LH,\n"
    "HL at p <= 0.05); with --permutations also gi_p_sim and lisa_p_sim. Global Moran's I\n"
    "goes into the layer's metadata.\n"
    "\n"
    "A fishnet written to OUT.tif is a GeoTIFF with one band per field (count, neighbours, gi_z,\n"
    "gi_p, gi_bin, gi_bin_fdr, lisa_i, lisa_z, lisa_p, lisa_class as 0 none, 1 HH, 2 LL, 3 LH,\n"
    "4 HL, gi_p_sim, lisa_p_sim; nodata outside the study area) and a QGIS style of gi_bin_fdr:\n"
    "no polygons are made, so national grids fit. A run that would hold more than\n"
    "--memory-limit stops first, naming what it needs.\n",
    "# Camden burglary by ward\n"
    "safemap hotspots data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg -o wards_hs.gpkg\n"
    "# per hectare of each ward (a numeric ward field; households or residents work the same way)\n"
    "ogr2ogr wards_ha.gpkg data/wards/camden_wards_2024.gpkg -dialect sqlite \\\n"
    "    -sql \"SELECT *, ST_Area(geom) / 10000 AS hectares FROM wards\" -nln wards\n"
    "safemap hotspots data/police/camden_burglary --wards wards_ha.gpkg --rate-field hectares --per 1 -o rates.gpkg\n"
    "# on 200 m cells in the wards with a 300 m band\n"
    "safemap hotspots data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg \\\n"
    "    --grid fishnet --cell 200 --band 300 -o camden_hotspots.gpkg\n"
    "# on the 8 nearest cells\n"
    "safemap hotspots data/police/camden_burglary --grid fishnet --cell 200 --weights knn --neighbours 8 \\\n"
    "    -o camden_hotspots_knn.gpkg\n"
    "# cell and band chosen from the data, in the wards\n"
    "safemap hotspots data/police/camden_burglary --optimised --wards data/wards/camden_wards_2024.gpkg \\\n"
    "    --grid fishnet -o camden_optimised.gpkg\n"
    "# England and Wales on 100 m cells (33 million) as a raster, in 8 GiB\n"
    "safemap hotspots ew60M --grid fishnet --cell 100 --band 250 --permutations 99 --seed 1 \\\n"
    "    --memory-limit 8G -o ew_hotspots.tif\n",
    CLI_G_INPUT | CLI_G_AREAS | CLI_G_OUTPUT | CLI_G_SEED | CLI_G_STRICT | CLI_G_RANKS,
    "the grid's extent (fishnet or hexagons), metres\n(default: the wards' or the points' extent)"};

/* The summary, from the result's figures. */
static void summary(const cli_run *r) {
  const sm_result *res = r->result;
  const char *wt = sm_result_text(res, "weights"), *kind = sm_result_text(res, "unit_kind");
  double band = sm_result_figure(res, "band_m");
  int wards = !strcmp(kind, "wards");
  char how[80], rate[96] = "";
  if (!strcmp(wt, "queen") || !strcmp(wt, "rook")) snprintf(how, sizeof how, "%s contiguity", wt);
  else if (!strcmp(wt, "knn")) snprintf(how, sizeof how, "%.0f nearest neighbours", sm_result_figure(res, "neighbours"));
  else snprintf(how, sizeof how, "%s %g m", !strcmp(wt, "idw2") ? "1/d^2 within" : !strcmp(wt, "idw") ? "1/d within" : "band", band);
  if (sm_result_text(res, "rate_field"))
    snprintf(rate, sizeof rate, ", rates per %g %s", sm_result_figure(res, "per"), sm_result_text(res, "rate_field"));
  if (sm_result_text(res, "optimised_cell"))
    fprintf(stderr, "safemap hotspots: optimised: cell size %s\n", sm_result_text(res, "optimised_cell"));
  if (sm_result_text(res, "optimised_isa"))
    fprintf(stderr, "safemap hotspots: optimised: incremental spatial autocorrelation over %s\n", sm_result_text(res, "optimised_isa"));
  if (sm_result_text(res, "optimised_band"))
    fprintf(stderr, "safemap hotspots: optimised: distance band %s\n", sm_result_text(res, "optimised_band"));
  if (wards)
    fprintf(stderr, "safemap hotspots: %.0f wards, %s%s; %.0f hot and %.0f cold at 90%%+ after FDR; %.0f points outside the wards\n",
            sm_result_figure(res, "units"), how, rate, sm_result_figure(res, "hot"), sm_result_figure(res, "cold"),
            sm_result_figure(res, "outside"));
  else
    fprintf(stderr, "safemap hotspots: %.0f %s of %g m, %s; %.0f hot and %.0f cold at 90%%+ after FDR; %.0f points outside the cells\n",
            sm_result_figure(res, "units"), !strcmp(kind, "hexagon") ? "hexagons" : "cells", sm_result_figure(res, "cell_m"),
            how, sm_result_figure(res, "hot"), sm_result_figure(res, "cold"), sm_result_figure(res, "outside"));
  fprintf(stderr, "safemap hotspots: global Moran's I %.4f (z %.2f, p %.3g)\n", sm_result_figure(res, "global_moran_i"),
          sm_result_figure(res, "global_moran_z"), sm_result_figure(res, "global_moran_p"));
  if (!isnan(sm_result_figure(res, "few_neighbours_share"))) { /* optimised */
    if (sm_result_figure(res, "cells_dropped") > 0)
      fprintf(stderr, "safemap hotspots: optimised: %.0f cells without an incident left out (no study area: give --wards "
                      "to analyse every cell in it)\n", sm_result_figure(res, "cells_dropped"));
    fprintf(stderr, "safemap hotspots: optimised: %.1f%% of the %s have fewer than 8 neighbours within %g m; the hot "
                    "and cold spots are gi_bin_fdr\n", 100.0 * sm_result_figure(res, "few_neighbours_share"),
            wards ? "wards" : "cells", band);
  }
  cli_wrote(r);
}

int cmd_hotspots(int argc, char **argv) {
  sm_hotspots_options ho;
  sm_hotspots_options_init(&ho, SM_HOTSPOTS_OPTIONS_VERSION);
  const char *grid = NULL, *weights = NULL, *rate_field = NULL, *tiles = NULL;
  cli_opt own[] = {
      CLI_O_STRING("grid", &grid, "wards|fishnet|hexagon",
                   "the units: the wards (default with --wards), a square fishnet or\n"
                   "flat-topped hexagons (six neighbours at exactly --cell, so --band\n"
                   "1.1 x cell gives those six); a grid with --wards keeps the cells whose\n"
                   "centre is in a ward (the study area), empty ones included as 0"),
      CLI_O_STRING("weights", &weights, "queen|rook|band|idw|idw2|knn",
                   "queen (default for wards) | rook: wards sharing a boundary point / segment;\n"
                   "band (default for cells; 1 within --band) | idw (1/d within --band)\n"
                   "| idw2 (1/d^2 within --band) | knn (the --neighbours nearest): between\n"
                   "cell centres, or ward centroids"),
      CLI_O_METRES("cell", &ho.cell_m, "fishnet cell size, or hexagon centre spacing, in metres"),
      CLI_O_METRES("band", &ho.band_m, "distance band in metres for band, idw, idw2 (at least one cell)"),
      CLI_O_UINT("neighbours", &ho.neighbours, "K", 1, 1000, "for --weights knn: how many nearest units (default 8)"),
      CLI_O_UINT("min-neighbours", &ho.min_neighbours, "K", 1, 1000,
                 "band/idw/idw2: a unit with fewer than K neighbours in the band also\n"
                 "gets its K nearest (ArcGIS's Number of Neighbors)"),
      CLI_O_STRING("rate-field", &rate_field, "F",
                   "ward units: analyse incidents per --per of the wards' numeric field F\n"
                   "(households, residents), not counts; each ward needs F > 0"),
      CLI_O_NUMBER("per", &ho.per, "N", 0, 1, CLI_HUGE, 0, NULL, "with --rate-field: rates per N of F (default 1000)"),
      CLI_O_FLAG("optimised", 0, &ho.optimised,
                 "ArcGIS Optimized Hot Spot Analysis's choices, each printed and kept in\n"
                 "the metadata: --cell from the incidents (roof(2 x max(median, mean)) of\n"
                 "their nearest-neighbour distances, 3-sd locational outliers left out),\n"
                 "--band from incremental spatial autocorrelation (first peak, else highest,\n"
                 "else the mean distance to the k-th nearest unit, k = 5% of n in [3, 30];\n"
                 "at least 0.1% of the extent); at least 30 incidents (60 for a grid without\n"
                 "--wards, where only cells holding one are analysed) and 30 units; the\n"
                 "result is gi_bin_fdr. A given --cell or --band is used as it is.\n"
                 "Also --optimized"),
      CLI_O_FLAG("optimized", 0, &ho.optimised, NULL),
      CLI_O_UINT("permutations", &ho.permutations, "N", 1, 1000000,
                 "also conditional permutation pseudo p-values gi_p_sim and lisa_p_sim\n"
                 "(e.g. 999; two-sided; --seed N makes them reproducible, any -j)"),
      CLI_O_STRING("tiles", &tiles, "DIR", "also the map: the units and their classes as tiles in DIR with the\n"
                                         "page DIR/index.html (as safemap tiles makes them)"),
      CLI_O_END};
  cli_run r;
  if (!cli_start(&r, &HOTSPOTS, own, CLI_NEEDS_INPUT | CLI_NEEDS_OUTPUT, NULL, argc, argv)) return cli_finish(&r);
  sm_status st = grid ? sm_unit_kind_from_name(r.ctx, grid, &ho.units) : SM_OK;
  if (!st && weights) st = sm_hotspot_weights_from_name(r.ctx, weights, &ho.weights);
  ho.has_extent = r.has_extent;
  memcpy(ho.extent, r.extent, sizeof ho.extent);
  ho.rates = rate_field != NULL;
  ho.seed = r.o.seed;
  if (!st) st = sm_hotspots_options_check(r.ctx, &ho, r.o.wards != NULL);
  if (st) return cli_error(&r, st), cli_finish(&r);
  r.value_field = rate_field;
  ho.output = r.o.output, ho.write = &r.wo; /* the run writes -o itself: a .tif without making the cells' polygons */
  char *tif = sm_write_style_path(r.o.output, &r.wo);
  if (tiles && tif) r.rc = cli_usage_error("hotspots", "--tiles draws the cells' polygons: write them to .gpkg or .csv, "
                                           "not to a raster");
  sm_free(tif);
  if (!r.rc && cli_tiles_check(&r, tiles) && cli_read(&r)) {
    st = sm_hotspots_run(r.ctx, &r.result, r.points, r.areas, &ho);
    if ((!st || cli_error(&r, st)) && cli_tiles(&r, tiles) && cli_talk(&r)) summary(&r);
  }
  return cli_finish(&r);
}
