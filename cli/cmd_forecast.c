/* safemap forecast: prospective surfaces (ProMap, KDE, last month's counts), scoring any surface against a later
 * month's incidents, and a rolling back-test of the three. */
#include "cli.h"

#include <math.h>
#include <string.h>

static const cli_command FORECAST = {
    "forecast",
    "POINTS... --backtest [-o TABLE.csv] [options]\n"
    "POINTS... --at YYYY-MM|DATE [--method M] -o SURFACE.tif|SURFACE.gpkg [options]\n"
    "POINTS... --evaluate SURFACE.tif --at YYYY-MM|DATE [-o TABLE.csv] [options]",
    "Prospective hot-spotting by month (--bin month, the default: police.uk's dates) or by week\n"
    "(--bin week, weeks from Monday, for dated incidents), and how good a map is.\n"
    "--at: the risk surface for a month (YYYY-MM) or the week holding a date, from the incidents\n"
    "before it, by --method: promap (default; Bowers, Johnson & Pease; open_cp's weights\n"
    "1/(1+d) 1/(1+age), d in cells with diagonals the same, d < --space-bandwidth cells, age in\n"
    "whole steps < --time-bandwidth), kde (quartic, --bandwidth metres, the last --kde-months\n"
    "months or --kde-weeks weeks) or last-month / last-week (the last step's counts per cell). To\n"
    ".gpkg also layer METHOD_top, the top --coverage cells as polygons with their rank and risk,\n"
    "and, when the step already has incidents, table 'evaluation'.\n"
    "--evaluate: scores any single-band raster in the incidents' CRS (from 'safemap kde', QGIS's\n"
    "heatmap, ...) against the incidents of the --at step (nodata cells are outside the study area).\n"
    "--backtest: for every step after the first --warmup steps, the three predictions from the\n"
    "steps before it are scored against that step's incidents.\n"
    "The grid covers the extent of --wards when given, else the points'. -o: .csv (tables), .tif\n"
    "(surface, with its QGIS style SURFACE.qml beside it) or .gpkg (surface).\n"
    "Scores: hit rate (share of the step's incidents in the flagged cells), PAI (hit rate / area\n"
    "share) and PEI (PAI / the best possible) at each --coverage (share of the area flagged,\n"
    "highest prediction first, ties with fewer incidents first, as R ptools); '--coverage curve'\n"
    "scores every 1% from 1% to 100%. One line per step, method and coverage on stderr (for a\n"
    "curve 1, 5, 10, 20, 50 and 100%); the table (month or week, incidents, method, coverage,\n"
    "cells, area_share, hits, hit_rate, pai, pei) to -o. The tables and the surface's name write\n"
    "the last step's counts last_month / last_week; --method takes either spelling.\n",
    "# Camden burglary: the back-test from month 13 on\n"
    "safemap forecast data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --backtest -o backtest.csv\n"
    "# next month's ProMap surface and its top 5% cells\n"
    "safemap forecast data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --at 2025-03 -o promap.gpkg\n"
    "# how well a KDE of the last year flags February 2025's burglaries, as a curve\n"
    "safemap kde data/police/camden_burglary --to 2025-01 --from 2024-02 --cell 50 --bandwidth 250 -o kde.tif\n"
    "safemap forecast data/police/camden_burglary --evaluate kde.tif --at 2025-02 --coverage curve -o curve.csv\n",
    CLI_G_INPUT | CLI_G_AREAS | CLI_G_OUTPUT | CLI_G_STRICT,
    NULL};

/* --coverage: 'curve', or a list of numbers (the library checks each share is in (0, 1]). */
typedef struct coverage_arg {
  double v[100];
  size_t n;
  int curve;
} coverage_arg;

static int parse_coverage(const char *arg, void *dest) {
  coverage_arg *c = dest;
  c->n = 0;
  c->curve = !strcmp(arg, "curve");
  return c->curve ? 0 : cli_numbers(arg, c->v, sizeof c->v / sizeof c->v[0], &c->n);
}

/* The scores table, one line per step, method and coverage (for a curve 1, 5, 10, 20, 50 and 100%). */
static void print_table(const sm_layer *L, int weekly, int curve) {
  int w = weekly ? 10 : 8;
  fprintf(stderr, "%-*s %9s  %-10s %8s %7s %7s\n", w, weekly ? "week" : "month", "incidents", "method", "coverage", "hit", "PAI");
  size_t n = sm_layer_feature_count(L);
  for (size_t r = 0; r < n; r++) {
    size_t c = r % (curve ? 100 : n);
    if (curve && !(c == 0 || c == 4 || c == 9 || c == 19 || c == 49 || c == 99)) continue;
    double hit = sm_layer_is_null(L, r, 7) ? NAN : sm_layer_get_double(L, r, 7);
    double pai = sm_layer_is_null(L, r, 8) ? NAN : sm_layer_get_double(L, r, 8);
    fprintf(stderr, "%-*s %9lld  %-10s %7.1f%% %6.1f%% %7.2f\n", w, sm_layer_get_string(L, r, 0), (long long)sm_layer_get_int(L, r, 1),
            sm_layer_get_string(L, r, 2), 100 * sm_layer_get_double(L, r, 3), 100 * hit, pai);
  }
}

/* What the run found, on stderr. */
static void print_summary(const cli_run *r, int backtest, const char *evaluate, int weekly, int curve) {
  const sm_result *res = r->result;
  const sm_layer *T = sm_result_layer_named(res, backtest ? "backtest" : "evaluation");
  if (T) print_table(T, weekly, curve);
  const char *u = weekly ? "week" : "month";
  double scored = sm_result_figure(res, "steps_scored"), outside = sm_result_figure(res, "incidents_outside");
  if (backtest && scored > 0)
    fprintf(stderr, "safemap forecast: mean over %.0f %ss at %.1f%% coverage: ProMap hit %.1f%% PAI %.2f; KDE hit %.1f%% PAI %.2f; "
                    "last %s hit %.1f%% PAI %.2f\n", scored, u, 100 * sm_result_figure(res, "coverage"),
            100 * sm_result_figure(res, "mean_hit_rate_promap"), sm_result_figure(res, "mean_pai_promap"),
            100 * sm_result_figure(res, "mean_hit_rate_kde"), sm_result_figure(res, "mean_pai_kde"), u,
            100 * sm_result_figure(res, "mean_hit_rate_last"), sm_result_figure(res, "mean_pai_last"));
  if (evaluate && outside > 0)
    fprintf(stderr, "safemap forecast: %.0f of the %.0f incidents of %s fall outside the surface or on nodata cells: not counted\n",
            outside, sm_result_figure(res, "incidents"), sm_result_text(res, "at"));
  if (!backtest && !evaluate)
    fprintf(stderr, "safemap forecast: %s surface for %s (%.0f x %.0f cells of %g m) from the incidents before it%s: wrote %s\n",
            sm_result_text(res, "method"), sm_result_text(res, "at"), sm_result_figure(res, "width"), sm_result_figure(res, "height"),
            sm_result_figure(res, "cell_m"), sm_result_figure(res, "scored") > 0 ? ", scored against its incidents" : "", r->o.output);
  else if (r->o.output)
    fprintf(stderr, "safemap forecast: wrote %s\n", r->o.output);
}

/* Which run the options ask for: a usage error, or NULL. */
static const char *mode_error(int backtest, const char *at, const char *evaluate, const char *method, const char *output) {
  return !backtest && !at ? "give --backtest, --at YYYY-MM, or --evaluate SURFACE --at YYYY-MM"
         : backtest && (at || evaluate) ? "--backtest scores every month: it takes no --at or --evaluate"
         : evaluate && method ? "--evaluate scores the given surface: it takes no --method"
         : at && !evaluate && !output ? "--at needs -o SURFACE.tif or SURFACE.gpkg" : NULL;
}

int cmd_forecast(int argc, char **argv) {
  sm_forecast_options fo;
  sm_backtest_options bo;
  sm_forecast_options_init(&fo, SM_FORECAST_OPTIONS_VERSION);
  sm_backtest_options_init(&bo, SM_BACKTEST_OPTIONS_VERSION);
  const char *method = NULL, *bin = NULL, *evaluate = NULL, *tiles = NULL;
  int backtest = 0;
  coverage_arg cov = {{0}, 0, 0};
  /* the whole-number options are the options' int fields (CLI_UINT writes them as unsigned, 1..1000); the shared
   * fields are parsed into fo and copied to bo for --backtest */
  cli_opt own[] = {
      CLI_O_FLAG("backtest", 0, &backtest, "the rolling back-test of ProMap, KDE and the last step's counts"),
      CLI_O_STRING("at", &fo.at, "YYYY-MM|DATE", "the month (or with --bin week the week holding DATE) to predict or score"),
      CLI_O_STRING("evaluate", &evaluate, "RASTER", "score this single-band raster (in the incidents' CRS) against the --at step"),
      CLI_O_STRING("method", &method, "promap|kde|last-month|last-week",
                   "the --at surface (default promap); last-week with --bin week;\n"
                   "last_month / last_week, as the tables write them, are accepted too"),
      CLI_O_STRING("bin", &bin, "month|week", "the steps: month (default) | week (needs dates, not police.uk's months)"),
      CLI_O_METRES("cell", &fo.cell_m, "grid cell in metres (default 50, ProMap's)"),
      CLI_O_UINT("space-bandwidth", &fo.space_bandwidth, "N", 1, 1000, "ProMap: cells (default 8: 400 m at 50 m)"),
      CLI_O_UINT("time-bandwidth", &fo.time_bandwidth, "N", 1, 1000, "ProMap: steps (default 2 months, or 8 weeks: open_cp's)"),
      CLI_O_METRES("bandwidth", &fo.bandwidth_m, "KDE radius in metres (default 250)"),
      CLI_O_UINT("kde-months", &fo.kde_months, "N", 1, 1000, "KDE of the last N months (default 12)"),
      CLI_O_UINT("kde-weeks", &fo.kde_weeks, "N", 1, 1000, "KDE of the last N weeks, with --bin week (default 52)"),
      CLI_O_CUSTOM("coverage", &cov, "LIST", "shares of the area in (0, 1], comma-separated, or 'curve'", parse_coverage,
                   "shares of the area flagged (default 0.05), or 'curve'"),
      CLI_O_UINT("warmup", &bo.warmup, "N", 1, 1000, "steps before the first scored one (default 12 months, or 52 weeks)"),
      CLI_O_STRING("tiles", &tiles, "DIR", "also the map: the surface and its top cells as tiles in DIR with the\n"
                                         "page DIR/index.html (as safemap tiles makes them)"),
      CLI_O_END};
  cli_run r;
  if (!cli_start(&r, &FORECAST, own, CLI_NEEDS_INPUT, NULL, argc, argv)) return cli_finish(&r);
  const char *bad = mode_error(backtest, fo.at, evaluate, method, r.o.output);
  if (!bad && tiles && (backtest || evaluate)) bad = "--tiles maps a forecast, not --backtest or --evaluate (they make tables)";
  if (bad) {
    r.rc = cli_usage_error(FORECAST.name, "%s", bad);
    return cli_finish(&r);
  }
  fo.coverages = cov.n ? cov.v : NULL, fo.n_coverages = cov.n, fo.coverage_curve = cov.curve;
  fo.evaluate_label = evaluate;
  sm_status st = bin ? sm_forecast_bin_from_name(r.ctx, bin, &fo.bin) : SM_OK;
  if (!st && method) st = sm_forecast_method_from_name(r.ctx, method, &fo.method);
  bo.bin = fo.bin, bo.cell_m = fo.cell_m, bo.space_bandwidth = fo.space_bandwidth, bo.time_bandwidth = fo.time_bandwidth;
  bo.bandwidth_m = fo.bandwidth_m, bo.kde_months = fo.kde_months, bo.kde_weeks = fo.kde_weeks;
  bo.coverages = fo.coverages, bo.n_coverages = fo.n_coverages, bo.coverage_curve = fo.coverage_curve;
  if (!st) st = backtest ? sm_backtest_options_check(r.ctx, &bo, r.o.wards != NULL) : sm_forecast_options_check(r.ctx, &fo, r.o.wards != NULL);
  sm_raster *R = NULL;
  cli_protect(&r, evaluate); /* read too: -o may not replace it */
  if (!st && evaluate) st = sm_raster_read(r.ctx, evaluate, 1, &R);
  fo.evaluate = R;
  if (st) cli_error(&r, st);
  else if (cli_tiles_check(&r, tiles) && cli_read(&r) &&
           cli_write(&r, backtest ? sm_backtest_run(r.ctx, &r.result, r.points, r.areas, &bo)
                                  : sm_forecast_run(r.ctx, &r.result, r.points, r.areas, &fo)) &&
           cli_tiles(&r, tiles) && cli_talk(&r))
    print_summary(&r, backtest, evaluate, fo.bin == SM_FORECAST_BIN_WEEK, cov.curve);
  sm_raster_destroy(R);
  return cli_finish(&r);
}
