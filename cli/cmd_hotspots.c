/* safemap hotspots: Getis-Ord Gi* and local Moran's I on ward, fishnet or hexagon counts. */
#include "cli.h"
#include "legacy.h" /* TEMPORARY */

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "Usage: safemap hotspots POINTS... --wards W -o OUT.gpkg|OUT.csv [options]\n"
    "       safemap hotspots POINTS... --cell M --band M|--weights knn [--wards W] -o OUT.gpkg|OUT.csv [options]\n"
    "       safemap hotspots POINTS... --optimised [--wards W [--grid fishnet|hexagon]] -o OUT [options]\n"
    "\n"
    "Counts the incidents per ward (--wards; queen or rook contiguity, as spdep poly2nb) or in\n"
    "a square fishnet or hexagon grid (--grid fishnet|hexagon, --cell metres: the square's side\n"
    "or the spacing of hexagon centres; weights between cell centres: binary within --band metres,\n"
    "inverse distance within it, or the k nearest cells; with --wards only\n"
    "the cells whose centre is in a ward, empty ones included as 0) and computes Getis-Ord\n"
    "Gi* with each unit its own neighbour (the ArcGIS Hot Spot Analysis / spdep localG\n"
    "formula, variance with divisor n).\n"
    "\n"
    "Output layer 'hotspots' (GeoPackage polygons or CSV): unit_id, row, col, count,\n"
    "neighbours, gi_z, gi_p (two-sided), gi_bin (-3..3 at 99/95/90%), gi_bin_fdr (the\n"
    "same after Benjamini-Hochberg false discovery rate control, as ArcGIS), and local\n"
    "Moran's I (spdep localmoran): lisa_i, lisa_z, lisa_p, lisa_class (HH, LL, LH, HL at\n"
    "p <= 0.05). Global Moran's I goes into the layer's metadata.\n"
    "\n"
    "Options:\n"
    "  --wards PATH           the ward polygons: the units (default) or, with --grid fishnet|hexagon, the study area\n"
    "  --grid G               wards (default with --wards) | fishnet | hexagon (flat-topped; six\n"
    "                         neighbours at exactly --cell, so --band 1.1 x cell gives those six)\n"
    "  --weights W            queen (default for wards) | rook: wards sharing a boundary point / segment\n"
    "                         band (default for cells; 1 within --band) | idw (1/d within --band)\n"
    "                         | idw2 (1/d^2 within --band) | knn (the --neighbours nearest): between\n"
    "                         cell centres, or ward centroids\n"
    "  --cell M               fishnet cell size, or hexagon centre spacing, in metres\n"
    "  --band M               distance band in metres for band, idw, idw2 (at least one cell)\n"
    "  --neighbours K         for --weights knn: how many nearest units (default 8)\n"
    "  --rate-field F         ward units: analyse incidents per --per (default 1000) of the wards'\n"
    "                         numeric field F (households, residents), not counts; each ward needs F > 0\n"
    "  --min-neighbours K     band/idw/idw2: a cell with fewer than K neighbours in the band also\n"
    "                         gets its K nearest cells (ArcGIS's Number of Neighbors)\n"
    "  --optimised            ArcGIS Optimized Hot Spot Analysis's choices, each printed and kept in the\n"
    "                         metadata: --cell from the incidents (roof(2 x max(median, mean)) of their\n"
    "                         nearest-neighbour distances, 3-sd locational outliers left out), --band from\n"
    "                         incremental spatial autocorrelation (first peak, else highest, else the mean\n"
    "                         distance to the k-th nearest unit, k = 5% of n in [3, 30]; at least 0.1% of\n"
    "                         the extent); at least 30 incidents (60 for a grid without --wards, where only\n"
    "                         cells holding one are analysed) and 30 units; the result is gi_bin_fdr.\n"
    "                         A given --cell or --band is used as it is. Also --optimized\n"
    "  --permutations N       also conditional permutation pseudo p-values gi_p_sim and lisa_p_sim\n"
    "                         (e.g. 999; two-sided; --seed N makes them reproducible, any -j)\n"
    "  --extent xmin,ymin,xmax,ymax   fishnet extent (default: the wards' or the points' extent)\n"
    "  -o, --output PATH      .gpkg or .csv     --overwrite\n"
    "  --type, --from, --to, input options as in 'safemap info'; -j, -q, -v\n"
    "\n"
    "Examples (Camden burglary by ward; per 1,000 households, with a HOUSEHOLDS field; on 200 m cells\n"
    "with a 300 m band; on the 8 nearest cells; cell and band chosen from the data, in the wards):\n"
    "  safemap hotspots data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg -o wards_hs.gpkg\n"
    "  safemap hotspots data/police/camden_burglary --wards wards_with_households.gpkg --rate-field HOUSEHOLDS -o rates.gpkg\n"
    "  safemap hotspots data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg \\\n"
    "      --grid fishnet --cell 200 --band 300 -o camden_hotspots.gpkg\n"
    "  safemap hotspots data/police/camden_burglary --grid fishnet --cell 200 --weights knn --neighbours 8 \\\n"
    "      -o camden_hotspots_knn.gpkg\n"
    "  safemap hotspots data/police/camden_burglary --optimised --wards data/wards/camden_wards_2024.gpkg \\\n"
    "      --grid fishnet -o camden_optimised.gpkg\n";

/* The command line's strings as the pipeline's options; 1 after printing a usage error. */
static int hotspots_options(const legacy_opts *o, sm_ctx *ctx, sm_hotspots_options *ho) {
  sm_hotspots_options_init(ho, SM_HOTSPOTS_OPTIONS_VERSION);
  if (o->grid && sm_unit_kind_from_name(ctx, o->grid, &ho->units)) {
    fprintf(stderr, "safemap hotspots: error: unknown --grid '%s' (wards, fishnet, hexagon)\n", o->grid);
    return 1;
  }
  if (o->weights && sm_hotspot_weights_from_name(ctx, o->weights, &ho->weights)) return legacy_fail(o, ctx, SM_E_INVALID_ARG);
  char *end;
  if (o->cell && (ho->cell_m = strtod(o->cell, &end), *end || !(ho->cell_m > 0))) {
    fprintf(stderr, "safemap hotspots: error: --cell needs metres > 0, not '%s'\n", o->cell);
    return 1;
  }
  if (o->band && (ho->band_m = strtod(o->band, &end), *end || !(ho->band_m > 0))) {
    fprintf(stderr, "safemap hotspots: error: --band needs metres > 0, not '%s'\n", o->band);
    return 1;
  }
  ho->has_extent = o->read.has_extent;
  memcpy(ho->extent, o->read.extent, sizeof ho->extent);
  ho->neighbours = (unsigned)o->knn;
  ho->min_neighbours = (unsigned)o->min_neighbours;
  ho->rates = o->rate_field != NULL;
  ho->per = o->per;
  ho->optimised = o->optimised;
  ho->permutations = (unsigned)o->permutations;
  ho->seed = o->seed;
  return 0;
}

/* The summary, from the result's figures. */
static void summary(const legacy_opts *o, const sm_result *res) {
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
  fprintf(stderr, "safemap hotspots: wrote %s\n", o->output);
}

int cmd_hotspots(int argc, char **argv) {
  legacy_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "hotspots";
  if (legacy_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  if (o.n_inputs == 0 || !o.output) {
    fprintf(stderr, "safemap hotspots: error: %s\nTry 'safemap hotspots --help'.\n",
            o.n_inputs == 0 ? "no input given" : "-o/--output is required");
    return 1;
  }
  sm_ctx *ctx = legacy_ctx(&o);
  if (!ctx) return 2;
  sm_hotspots_options ho;
  if (hotspots_options(&o, ctx, &ho)) {
    legacy_ctx_done(ctx);
    return 1;
  }
  o.read.has_extent = 0; /* --extent is the grid's, not a filter of the points */
  o.read.skip_labels = 1;
  sm_write_options wo;
  sm_write_options_init(&wo, SM_WRITE_OPTIONS_VERSION);
  wo.overwrite = o.overwrite;
  sm_points *p = NULL;
  sm_areas *areas = NULL;
  sm_result *res = NULL;
  int rc = 0;
  sm_status st = sm_write_check(ctx, o.output, &wo);
  if (!st) st = legacy_read_points(&o, ctx, &p);
  if (!st && o.wards) st = legacy_read_areas(&o, ctx, p, &areas);
  if (!st) st = sm_hotspots_run(ctx, &res, p, areas, &ho);
  if (!st) st = sm_result_write(ctx, res, o.output, &wo);
  if (st) {
    rc = legacy_fail(&o, ctx, st);
  } else if (!o.quiet) {
    cli_clear_progress();
    summary(&o, res);
  }
  sm_result_destroy(res);
  sm_areas_destroy(areas);
  sm_points_destroy(p);
  legacy_ctx_done(ctx);
  return rc;
}
