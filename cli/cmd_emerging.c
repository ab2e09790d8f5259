/* safemap emerging: space-time cube, space-time Gi*, Mann-Kendall trends and ArcGIS's emerging hot spot categories. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const cli_command EMERGING = {
    "emerging",
    "POINTS... --wards W -o OUT.gpkg|OUT.csv [options]\n"
    "POINTS... --grid fishnet|hexagon --cell M --band M|auto [--wards W] -o OUT [options]",
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
    "Output: layer 'emerging' (one polygon per location: area_id and area_name for wards, or\n"
    "unit_id, row and col for cells; count, category, category_code 0..16, hot_steps,\n"
    "cold_steps, percent_hot, percent_cold, final_state, final_run, trend_z, trend_p, trend_tau\n"
    "(of the Gi* z series), count_trend_z, count_trend_p (of the counts), neighbours,\n"
    "simple_category: sfhotspot's Persistent / Emerging / Former / Intermittent Hot or Cold\n"
    "Spot, Mixed or No Pattern, for short series) and table 'emerging_bins' (location, step,\n"
    "count, gi_z, gi_p, gi_bin_fdr, and gi_p_sim with --permutations); with OUT.csv the\n"
    "locations go to OUT.csv and the bins to OUT_bins.csv.\n"
    "\n"
    "It needs at least 10 time steps (ArcGIS's minimum) and refuses steps with no incident\n"
    "anywhere (a gap in the data, not a quiet month: narrow --from/--to or lengthen --bin).\n",
    "# Camden burglary by ward and month\n"
    "safemap emerging data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg -o emerging.gpkg\n"
    "# on 250 m cells in the wards with a 400 m band, by quarter\n"
    "safemap emerging data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg \\\n"
    "    --grid fishnet --cell 250 --band 400 --bin quarter -o emerging_cells.gpkg\n",
    CLI_G_INPUT | CLI_G_AREAS | CLI_G_OUTPUT | CLI_G_SEED | CLI_G_STRICT | CLI_G_RANKS,
    "the grid's extent (fishnet or hexagons), metres\n(default: the wards' or the points' extent)"};

/* --band M|auto into the options. */
static int band_value(const char *arg, void *dest) {
  sm_emerging_options *eo = dest;
  char *end;
  if (!strcmp(arg, "auto")) return eo->band_auto = 1, eo->band_m = 0, 0;
  double v = strtod(arg, &end);
  if (!*arg || *end || !(v > 0 && v < 1e300)) return 1;
  return eo->band_auto = 0, eo->band_m = v, 0;
}

/* --reference DATE */
static int date_value(const char *arg, void *dest) {
  sm_time_res res;
  return sm_time_parse(arg, strlen(arg), (int64_t *)dest, &res) != SM_OK;
}

/* The summary: what was analysed, the categories, the overall trend, what was written. */
static void summary(const cli_run *run) {
  const sm_result *r = run->result;
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
  cli_wrote(run);
}

int cmd_emerging(int argc, char **argv) {
  sm_emerging_options eo;
  sm_emerging_options_init(&eo, SM_EMERGING_OPTIONS_VERSION);
  const char *grid = NULL, *weights = NULL, *bin = NULL, *rules = NULL, *window = NULL, *tiles = NULL;
  long time_lag = 0;
  cli_opt own[] = {
      CLI_O_STRING("grid", &grid, "wards|fishnet|hexagon",
                   "the locations: the wards (default with --wards), a square fishnet or\n"
                   "flat-topped hexagons; a grid with --wards keeps the cells whose centre\n"
                   "is in a ward (the study area)"),
      CLI_O_METRES("cell", &eo.cell_m, "fishnet cell size, or hexagon centre spacing, in metres"),
      CLI_O_STRING("weights", &weights, "queen|rook|band|knn",
                   "queen (default for wards) | rook | band (default for cells; within --band)\n"
                   "| knn (the --neighbours nearest, default 8)"),
      CLI_O_CUSTOM("band", &eo, "M|auto", "metres > 0 or auto", band_value,
                   "distance band in metres between cell centres or ward centroids; auto:\n"
                   "ArcGIS's Optimized Hot Spot Analysis rule (as hotspots --optimised) on\n"
                   "each location's total count: the first peak of incremental spatial\n"
                   "autocorrelation, else the highest, else the mean distance to the k-th\n"
                   "nearest; printed and kept in the metadata"),
      CLI_O_UINT("neighbours", &eo.neighbours, "K", 1, 1000, "for --weights knn: how many nearest units (default 8)"),
      CLI_O_STRING("bin", &bin, "month|quarter|year|week|day|Nd",
                   "time step: month (default) | quarter | year | week | day | Nd (N days);\n"
                   "police.uk times are months, so week, day and Nd need dated data"),
      CLI_O_CUSTOM("reference", &eo.reference, "DATE", "a date (YYYY-MM-DD)", date_value,
                   "weeks and N-day steps start on this date (default: Mondays; N days\n"
                   "ending with the last incident's day, as ArcGIS's END_TIME)"),
      CLI_O_INT("time-lag", &time_lag, "K", 0, 100, "earlier steps in a bin's neighbourhood (default 1, as ArcGIS)"),
      CLI_O_STRING("rules", &rules, "pro|arcmap", "pro (default) | arcmap: ArcMap's Sporadic needs no hot final step"),
      CLI_O_NUMBER("trend-alpha", &eo.trend_alpha, "A", 0, 1, 1, 1, "a number between 0 and 1",
                   "a trend is significant at Mann-Kendall p <= A (default 0.05)"),
      CLI_O_STRING("global-window", &window, "cube|neighbourhood|step",
                   "where Gi*'s mean and variance come from: cube (default, every bin) |\n"
                   "neighbourhood (the bins of the --time-lag window) | step (each step alone)"),
      CLI_O_UINT("permutations", &eo.permutations, "N", 1, 1000000,
                 "conditional permutation p-values gi_p_sim (e.g. 199, as sfdep; --seed S),\n"
                 "and the FDR bins from them instead of the normal p"),
      CLI_O_STRING("tiles", &tiles, "DIR", "also the map: the units and their categories as tiles in DIR\n"
                                         "with the page DIR/index.html (as safemap tiles makes them)"),
      CLI_O_END};
  cli_run r;
  if (!cli_start(&r, &EMERGING, own, CLI_NEEDS_INPUT | CLI_NEEDS_OUTPUT, "_bins", argc, argv)) return cli_finish(&r);
  sm_status st = grid ? sm_unit_kind_from_name(r.ctx, grid, &eo.units) : SM_OK;
  if (!st && weights) st = sm_emerging_weights_from_name(r.ctx, weights, &eo.weights);
  if (!st && rules) st = sm_ehsa_rules_from_name(r.ctx, rules, &eo.rules);
  if (!st && window) st = sm_global_window_from_name(r.ctx, window, &eo.global_window);
  sm_bins b;
  if (!st && bin && !sm_bins_parse(bin, &b)) eo.bin = b.unit, eo.bin_days = (unsigned)b.n_days;
  else if (!st && bin) st = sm_bin_unit_from_name(r.ctx, bin, &eo.bin); /* the library's message for a bad one */
  if (cli_given(own, "time-lag")) eo.time_lag = (int)time_lag;
  eo.has_extent = r.has_extent;
  memcpy(eo.extent, r.extent, sizeof eo.extent);
  eo.seed = r.o.seed;
  int checked = !st;
  if (!st) st = sm_emerging_options_check(r.ctx, &eo, r.o.wards != NULL);
  if (st) {
    cli_error(&r, st);
    if (checked && strstr(sm_ctx_last_error(r.ctx), " is required")) fprintf(stderr, "Try 'safemap emerging --help'.\n");
    return cli_finish(&r);
  }
  if (!cli_tiles_check(&r, tiles) || !cli_read(&r)) return cli_finish(&r);
  if (!r.o.quiet && sm_points_count(r.points) > 0 &&
      (sm_points_rows_bad(r.points, SM_BAD_TIME) || sm_points_rows_bad(r.points, SM_BAD_NO_TIME))) {
    cli_clear_progress(); /* rows without a usable time are left out of every step: show them */
    cli_print_problems(stderr, r.points, 3);
  }
  if (cli_write(&r, sm_emerging_run(r.ctx, &r.result, r.points, r.areas, &eo)) && cli_tiles(&r, tiles) && cli_talk(&r))
    summary(&r);
  return cli_finish(&r);
}
