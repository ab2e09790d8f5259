/* safemap emerging: space-time cube, space-time Gi*, Mann-Kendall trends and ArcGIS's emerging hot spot categories. */
#include "cli.h"
#include "legacy.h" /* TEMPORARY */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "Usage: safemap emerging POINTS... --wards W -o OUT.gpkg|OUT.csv [options]\n"
    "       safemap emerging POINTS... --grid fishnet|hexagon --cell M --band M|auto [--wards W] -o OUT [options]\n"
    "\n"
    "Emerging hot spot analysis, as ArcGIS's Create Space Time Cube + Emerging Hot Spot Analysis:\n"
    "the incidents are counted per location (ward, fishnet cell or hexagon) and time step\n"
    "(--bin, a month by default); locations that never had an incident are left out, the others\n"
    "have a count in every step. Each bin gets a Getis-Ord Gi* over its space-time neighbours\n"
    "(the location's neighbours and itself, at the same step and the --time-lag steps before;\n"
    "mean and variance over the whole cube), false discovery rate bins over every bin, and\n"
    "each location a Mann-Kendall trend of its Gi* z series and one of 17 categories:\n"
    "New, Consecutive, Intensifying, Persistent, Diminishing, Sporadic, Oscillating, Historical\n"
    "Hot or Cold Spot, or No Pattern Detected.\n"
    "\n"
    "Output: layer 'emerging' (one polygon per location: unit_id or area_id, count, category,\n"
    "category_code 0..16, hot_steps, cold_steps, percent_hot, percent_cold, final_state,\n"
    "final_run, trend_z, trend_p, trend_tau (of the Gi* z series), count_trend_z, count_trend_p\n"
    "(of the counts), neighbours, simple_category: sfhotspot's Persistent / Emerging / Former /\n"
    "Intermittent Hot or Cold Spot, Mixed or No Pattern, for short series) and table\n"
    "'emerging_bins' (location, step, count, gi_z, gi_p,\n"
    "gi_bin_fdr); with OUT.csv the locations go to OUT.csv and the bins to OUT_bins.csv.\n"
    "\n"
    "Options:\n"
    "  --wards PATH           the ward polygons: the locations (default) or, with --grid, the study area\n"
    "  --grid G               wards (default with --wards) | fishnet | hexagon\n"
    "  --cell M               fishnet cell size, or hexagon centre spacing, in metres\n"
    "  --weights W            queen (default for wards) | rook | band (default for cells; within --band)\n"
    "                         | knn (the --neighbours nearest, default 8)\n"
    "  --band M|auto          distance band in metres between cell centres or ward centroids; auto:\n"
    "                         ArcGIS's Optimized Hot Spot Analysis rule (as hotspots --optimised) on\n"
    "                         each location's total count: the first peak of incremental spatial\n"
    "                         autocorrelation, else the highest, else the mean distance to the k-th\n"
    "                         nearest; printed and kept in the metadata\n"
    "  --bin B                time step: month (default) | quarter | year | week | day | Nd (N days);\n"
    "                         police.uk times are months, so week, day and Nd need dated data\n"
    "  --reference DATE       weeks and N-day steps start on this date (default: Mondays; N days\n"
    "                         ending with the last incident's day, as ArcGIS's END_TIME)\n"
    "  --time-lag K           earlier steps in a bin's neighbourhood (default 1, as ArcGIS)\n"
    "  --rules R              pro (default) | arcmap: ArcMap's Sporadic needs no hot final step\n"
    "  --trend-alpha A        a trend is significant at Mann-Kendall p <= A (default 0.05)\n"
    "  --global-window G      where Gi*'s mean and variance come from: cube (default, every bin) |\n"
    "                         neighbourhood (the bins of the --time-lag window) | step (each step alone)\n"
    "  --permutations N       conditional permutation p-values gi_p_sim (e.g. 199, as sfdep; --seed S),\n"
    "                         and the FDR bins from them instead of the normal p\n"
    "  --extent xmin,ymin,xmax,ymax   fishnet extent (default: the wards' or the points' extent)\n"
    "  -o, --output PATH      .gpkg or .csv     --overwrite\n"
    "  --type, --from, --to, input options as in 'safemap info'; -j, -q, -v\n"
    "\n"
    "It needs at least 10 time steps (ArcGIS's minimum) and refuses steps with no incident\n"
    "anywhere (a gap in the data, not a quiet month: narrow --from/--to or lengthen --bin).\n"
    "\n"
    "Examples (Camden burglary by ward and month; on 250 m cells with a 400 m band by quarter):\n"
    "  safemap emerging data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg -o emerging.gpkg\n"
    "  safemap emerging data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg \\\n"
    "      --grid fishnet --cell 250 --band 400 --bin quarter -o emerging_cells.gpkg\n";

/* The options as the library takes them; 1 after printing an error about a value. */
static int options(const legacy_opts *o, sm_ctx *ctx, sm_emerging_options *eo) {
  sm_emerging_options_init(eo, SM_EMERGING_OPTIONS_VERSION);
  char *end;
  sm_status st = o->grid ? sm_unit_kind_from_name(ctx, o->grid, &eo->units) : SM_OK;
  if (!st && o->weights) st = sm_emerging_weights_from_name(ctx, o->weights, &eo->weights);
  if (!st && o->rules) st = sm_ehsa_rules_from_name(ctx, o->rules, &eo->rules);
  if (!st && o->global_window) st = sm_global_window_from_name(ctx, o->global_window, &eo->global_window);
  if (!st && o->bin) {
    long nd = strtol(o->bin, &end, 10);
    if (end != o->bin && isdigit((unsigned char)o->bin[0]) && (!strcmp(end, "d") || !strcmp(end, "D")))
      eo->bin = SM_BIN_DAYS, eo->bin_days = nd > 0 && nd < 100000 ? (unsigned)nd : 0;
    else
      st = sm_bin_unit_from_name(ctx, o->bin, &eo->bin);
  }
  if (st) return legacy_fail(o, ctx, st);
  if (o->cell) {
    eo->cell_m = strtod(o->cell, &end);
    if (*end || !(eo->cell_m > 0)) {
      fprintf(stderr, "safemap emerging: error: --cell needs metres > 0, not '%s'\n", o->cell);
      return 1;
    }
  }
  if (o->band && !strcmp(o->band, "auto")) eo->band_auto = 1;
  else if (o->band) {
    eo->band_m = strtod(o->band, &end);
    if (*end || !(eo->band_m > 0)) {
      fprintf(stderr, "safemap emerging: error: --band needs metres > 0 or auto, not '%s'\n", o->band);
      return 1;
    }
  }
  eo->has_extent = o->read.has_extent;
  if (eo->has_extent) memcpy(eo->extent, o->read.extent, sizeof eo->extent);
  if (o->has_reference) eo->reference = o->reference;
  eo->neighbours = (unsigned)o->knn;
  if (o->has_time_lag) eo->time_lag = (int)o->time_lag;
  if (o->trend_alpha > 0) eo->trend_alpha = o->trend_alpha;
  eo->permutations = (unsigned)o->permutations;
  eo->seed = (uint64_t)o->seed;
  return 0;
}

/* The summary: what was analysed, the categories, the overall trend, what was written. */
static void summary(const legacy_opts *o, const sm_result *r) {
  const char *units = sm_result_text(r, "units");
  int wards = !strcmp(units, "wards"), hex = !strcmp(units, "hexagon");
  const char *band = sm_result_text(r, "band");
  if (band) {
    fprintf(stderr, "safemap emerging: band auto: incremental spatial autocorrelation over %s\n", sm_result_text(r, "band_isa"));
    fprintf(stderr, "safemap emerging: band auto: %s\n", band);
  }
  fprintf(stderr, "safemap emerging: %.0f %s with an incident (of %.0f), %.0f steps of a %s from %s to %s; %.1f%% of the bins are empty\n",
          sm_result_figure(r, "locations"), wards ? "wards" : hex ? "hexagons" : "cells", sm_result_figure(r, "units"),
          sm_result_figure(r, "steps"), sm_result_text(r, "step"), sm_result_text(r, "first_step"),
          sm_result_text(r, "last_step"), sm_result_figure(r, "empty_bins_percent"));
  fprintf(stderr, "safemap emerging: %.0f locations:", sm_result_figure(r, "locations"));
  int first = 1;
  for (int c = 1; c <= 16; c++) {
    double n = sm_result_figure(r, sm_ehsa_category_name((sm_ehsa_category)c));
    if (n > 0) fprintf(stderr, "%s %.0f %s", first ? "" : ",", n, sm_ehsa_category_str((sm_ehsa_category)c)), first = 0;
  }
  fprintf(stderr, "%s%.0f %s\n", first ? " " : ", ", sm_result_figure(r, sm_ehsa_category_name(SM_EHSA_NO_PATTERN)),
          sm_ehsa_category_str(SM_EHSA_NO_PATTERN));
  fprintf(stderr, "safemap emerging: overall trend of the incidents per step: Mann-Kendall z %.2f, p %.3g (%s)\n",
          sm_result_figure(r, "overall_trend_z"), sm_result_figure(r, "overall_trend_p"), sm_result_text(r, "overall_trend"));
  double outside = sm_result_figure(r, "outside");
  if (outside > 0) fprintf(stderr, "safemap emerging: %.0f incidents outside every %s\n", outside, wards ? "ward" : "cell");
  char *bins = sm_result_csv_path(r, o->output, 1);
  fprintf(stderr, "safemap emerging: wrote %s%s%s\n", o->output, bins ? " and " : "", bins ? bins : "");
  sm_free(bins);
}

int cmd_emerging(int argc, char **argv) {
  legacy_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "emerging";
  if (legacy_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  const char *missing = o.n_inputs == 0 ? "no input given" : !o.output ? "-o/--output is required" : NULL;
  if (missing) {
    fprintf(stderr, "safemap emerging: error: %s\nTry 'safemap emerging --help'.\n", missing);
    return 1;
  }
  sm_ctx *ctx = legacy_ctx(&o);
  if (!ctx) return 2;
  sm_emerging_options eo;
  int rc = options(&o, ctx, &eo);
  sm_status st = rc ? SM_OK : sm_emerging_options_check(ctx, &eo, o.wards != NULL);
  if (rc || st) {
    if (!rc && (rc = legacy_fail(&o, ctx, st)) && strstr(sm_ctx_last_error(ctx), " is required"))
      fprintf(stderr, "Try 'safemap emerging --help'.\n");
    legacy_ctx_done(ctx);
    return rc;
  }
  o.read.has_extent = 0; /* --extent is the cells' extent, not a filter */
  o.read.skip_labels = 1;
  int csv;
  char *bins_path = legacy_companion_csv(o.output, "_bins", &csv);
  sm_write_options wo;
  sm_write_options_init(&wo, SM_WRITE_OPTIONS_VERSION);
  wo.overwrite = o.overwrite;
  sm_points *p = NULL;
  sm_areas *areas = NULL;
  sm_result *r = NULL;
  st = sm_write_check(ctx, o.output, &wo);
  if (!st && bins_path) st = sm_write_check(ctx, bins_path, &wo);
  if (!st) st = legacy_read_points(&o, ctx, &p);
  if (!st && (sm_points_count(p) == 0 || (!o.quiet && (sm_points_rows_bad(p, SM_BAD_TIME) || sm_points_rows_bad(p, SM_BAD_NO_TIME))))) {
    cli_clear_progress(); /* rows without a usable time are left out of every step: show them */
    cli_print_problems(stderr, p, 3);
  }
  if (!st && o.wards) st = legacy_read_areas(&o, ctx, p, &areas);
  if (!st) st = sm_emerging_run(ctx, &r, p, areas, &eo);
  if (!st) st = sm_result_write(ctx, r, o.output, &wo);
  if (st) {
    rc = legacy_fail(&o, ctx, st);
  } else if (!o.quiet) {
    cli_clear_progress();
    summary(&o, r);
  }
  free(bins_path);
  sm_result_destroy(r);
  sm_areas_destroy(areas);
  sm_points_destroy(p);
  legacy_ctx_done(ctx);
  return rc;
}
