/* safemap forecast: prospective surfaces (ProMap, KDE, last month's counts), scoring any surface against a later
 * month's incidents, and a rolling back-test of the three. */
#include "cli.h"
#include "legacy.h" /* TEMPORARY */

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "Usage: safemap forecast POINTS... --backtest [-o TABLE.csv] [options]\n"
    "       safemap forecast POINTS... --at YYYY-MM|DATE [--method M] -o SURFACE.tif|SURFACE.gpkg [options]\n"
    "       safemap forecast POINTS... --evaluate SURFACE.tif --at YYYY-MM|DATE [-o TABLE.csv] [options]\n"
    "\n"
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
    "Scores: hit rate (share of the step's incidents in the flagged cells), PAI (hit rate / area\n"
    "share) and PEI (PAI / the best possible) at each --coverage (share of the area flagged,\n"
    "highest prediction first, ties with fewer incidents first, as R ptools); '--coverage curve'\n"
    "scores every 1% from 1% to 100%. One line per step, method and coverage on stderr (for a\n"
    "curve 1, 5, 10, 20, 50 and 100%); the table (month or week, incidents, method, coverage,\n"
    "cells, area_share, hits, hit_rate, pai, pei) to -o.\n"
    "\n"
    "Options:\n"
    "  --bin B                month (default) | week (needs dates, not police.uk's months)\n"
    "  --method M             promap (default) | kde | last-month | last-week: the --at surface\n"
    "  --cell M               grid cell in metres (default 50, ProMap's)\n"
    "  --space-bandwidth N    ProMap: cells (default 8: 400 m at 50 m)\n"
    "  --time-bandwidth N     ProMap: steps (default 2 months, or 8 weeks: open_cp's)\n"
    "  --bandwidth M          KDE radius in metres (default 250)\n"
    "  --kde-months N         KDE of the last N months (default 12); --kde-weeks N with --bin week (52)\n"
    "  --coverage LIST        shares of the area flagged (default 0.05), or 'curve'\n"
    "  --warmup N             steps before the first scored one (default 12 months, or 52 weeks)\n"
    "  --wards PATH           the grid covers the wards' extent (default: the points')\n"
    "  -o, --output PATH      .csv (tables), .tif or .gpkg (surface)     --overwrite\n"
    "  --type, --from, --to, input options as in 'safemap info'; -j, -q, -v\n"
    "\n"
    "Examples (Camden burglary: back-test from month 13 on; next month's ProMap surface; how well a\n"
    "KDE of the last year flags February 2025's burglaries, as a curve):\n"
    "  safemap forecast data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --backtest -o backtest.csv\n"
    "  safemap forecast data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --at 2025-03 -o promap.gpkg\n"
    "  safemap kde data/police/camden_burglary --to 2025-01 --from 2024-02 --cell 50 --bandwidth 250 -o kde.tif\n"
    "  safemap forecast data/police/camden_burglary --evaluate kde.tif --at 2025-02 --coverage curve -o curve.csv\n";

/* --coverage: 'curve', or a list of shares (the library checks each is in (0, 1]); 1 after printing an error. */
static int parse_coverage(const char *text, double **cov, size_t *n, int *curve) {
  *cov = NULL, *n = 0, *curve = text && !strcmp(text, "curve");
  if (!text || *curve) return 0;
  size_t max = 1;
  for (const char *c = text; *c; c++) max += *c == ',';
  if (!(*cov = malloc(max * sizeof **cov))) return 1;
  for (const char *p = text; *p;) {
    char *end;
    double v = strtod(p, &end);
    if (end == p || (*end && *end != ',')) {
      fprintf(stderr, "safemap forecast: error: --coverage '%s' is not a list of shares in (0, 1] (or 'curve')\n", text);
      return 1;
    }
    (*cov)[(*n)++] = v;
    p = *end == ',' ? end + 1 : end;
  }
  return 0;
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
static void print_summary(const legacy_opts *o, const sm_result *res, int weekly, int curve) {
  cli_clear_progress();
  const sm_layer *T = sm_result_layer_named(res, o->backtest ? "backtest" : "evaluation");
  if (T) print_table(T, weekly, curve);
  const char *u = weekly ? "week" : "month";
  double scored = sm_result_figure(res, "steps_scored"), outside = sm_result_figure(res, "incidents_outside");
  if (o->backtest && scored > 0)
    fprintf(stderr, "safemap forecast: mean over %.0f %ss at %.1f%% coverage: ProMap hit %.1f%% PAI %.2f; KDE hit %.1f%% PAI %.2f; "
                    "last %s hit %.1f%% PAI %.2f\n", scored, u, 100 * sm_result_figure(res, "coverage"),
            100 * sm_result_figure(res, "mean_hit_rate_promap"), sm_result_figure(res, "mean_pai_promap"),
            100 * sm_result_figure(res, "mean_hit_rate_kde"), sm_result_figure(res, "mean_pai_kde"), u,
            100 * sm_result_figure(res, "mean_hit_rate_last"), sm_result_figure(res, "mean_pai_last"));
  if (o->evaluate && outside > 0)
    fprintf(stderr, "safemap forecast: %.0f of the %.0f incidents of %s fall outside the surface or on nodata cells: not counted\n",
            outside, sm_result_figure(res, "incidents"), sm_result_text(res, "at"));
  if (!o->backtest && !o->evaluate)
    fprintf(stderr, "safemap forecast: %s surface for %s (%.0f x %.0f cells of %g m) from the incidents before it%s: wrote %s\n",
            sm_result_text(res, "method"), sm_result_text(res, "at"), sm_result_figure(res, "width"), sm_result_figure(res, "height"),
            sm_result_figure(res, "cell_m"), sm_result_figure(res, "scored") > 0 ? ", scored against its incidents" : "", o->output);
  else if (o->output)
    fprintf(stderr, "safemap forecast: wrote %s\n", o->output);
}

/* The pipeline the options ask for. */
static sm_status run(const legacy_opts *o, sm_ctx *ctx, sm_result **res, const sm_points *p, const sm_areas *areas,
                     const sm_raster *R, sm_forecast_bin bin, sm_forecast_method method, const double *cov, size_t ncov,
                     int curve) {
  if (o->backtest) {
    sm_backtest_options bo;
    sm_backtest_options_init(&bo, SM_BACKTEST_OPTIONS_VERSION);
    bo.bin = bin, bo.coverages = cov, bo.n_coverages = ncov, bo.coverage_curve = curve;
    if (o->cell) bo.cell_m = strtod(o->cell, NULL);
    if (o->bandwidth) bo.bandwidth_m = strtod(o->bandwidth, NULL);
    if (o->space_bandwidth) bo.space_bandwidth = (int)o->space_bandwidth;
    bo.time_bandwidth = (int)o->time_bandwidth, bo.kde_months = (int)o->kde_months, bo.kde_weeks = (int)o->kde_weeks;
    bo.warmup = (int)o->warmup;
    return sm_backtest_run(ctx, res, p, areas, &bo);
  }
  sm_forecast_options fo;
  sm_forecast_options_init(&fo, SM_FORECAST_OPTIONS_VERSION);
  fo.at = o->at, fo.method = method, fo.bin = bin, fo.coverages = cov, fo.n_coverages = ncov, fo.coverage_curve = curve;
  if (o->cell) fo.cell_m = strtod(o->cell, NULL);
  if (o->bandwidth) fo.bandwidth_m = strtod(o->bandwidth, NULL);
  if (o->space_bandwidth) fo.space_bandwidth = (int)o->space_bandwidth;
  fo.time_bandwidth = (int)o->time_bandwidth, fo.kde_months = (int)o->kde_months, fo.kde_weeks = (int)o->kde_weeks;
  fo.evaluate = R, fo.evaluate_label = o->evaluate;
  return sm_forecast_run(ctx, res, p, areas, &fo);
}

int cmd_forecast(int argc, char **argv) {
  legacy_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "forecast";
  if (legacy_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  const char *bad = o.n_inputs == 0 ? "no input given"
                    : !o.backtest && !o.at ? "give --backtest, --at YYYY-MM, or --evaluate SURFACE --at YYYY-MM"
                    : o.backtest && (o.at || o.evaluate) ? "--backtest scores every month: it takes no --at or --evaluate"
                    : o.evaluate && o.method ? "--evaluate scores the given surface: it takes no --method"
                    : o.at && !o.evaluate && !o.output ? "--at needs -o SURFACE.tif or SURFACE.gpkg" : NULL;
  if (bad) {
    fprintf(stderr, "safemap forecast: error: %s\nTry 'safemap forecast --help'.\n", bad);
    return 1;
  }
  double *cov = NULL;
  size_t ncov = 0;
  int curve = 0;
  if (parse_coverage(o.coverage, &cov, &ncov, &curve)) return free(cov), 1;
  o.read.skip_labels = 1;
  sm_ctx *ctx = legacy_ctx(&o);
  if (!ctx) return free(cov), 2;
  sm_write_options wo;
  sm_write_options_init(&wo, SM_WRITE_OPTIONS_VERSION);
  wo.overwrite = o.overwrite;
  sm_points *p = NULL;
  sm_areas *areas = NULL;
  sm_raster *R = NULL;
  sm_result *res = NULL;
  sm_forecast_bin bin = SM_FORECAST_BIN_MONTH;
  sm_forecast_method method = SM_FORECAST_PROMAP;
  sm_status st = o.bin ? sm_forecast_bin_from_name(ctx, o.bin, &bin) : SM_OK;
  if (!st && o.method) st = sm_forecast_method_from_name(ctx, o.method, &method);
  if (!st && o.output) st = sm_write_check(ctx, o.output, &wo);
  if (!st && o.evaluate) st = sm_raster_read(ctx, o.evaluate, 1, &R);
  if (!st) st = legacy_read_points(&o, ctx, &p);
  if (!st && o.wards) st = legacy_read_areas(&o, ctx, p, &areas);
  if (!st) st = run(&o, ctx, &res, p, areas, R, bin, method, cov, ncov, curve);
  if (!st && o.output) st = sm_result_write(ctx, res, o.output, &wo);
  if (!st && !o.quiet) print_summary(&o, res, bin == SM_FORECAST_BIN_WEEK, curve);
  int rc = st ? legacy_fail(&o, ctx, st) : 0;
  sm_result_destroy(res);
  sm_raster_destroy(R);
  sm_areas_destroy(areas);
  sm_points_destroy(p);
  legacy_ctx_done(ctx);
  free(cov);
  return rc;
}
