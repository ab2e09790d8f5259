/* safemap scan: the space-time permutation scan statistic (SaTScan's, Kulldorff 2005). */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const cli_command SCAN = {
    "scan",
    "POINTS... --wards W -o OUT.gpkg|OUT.csv [options]\n"
    "POINTS... --grid fishnet --cell M [--wards W] -o OUT [options]\n"
    "POINTS... --centres incidents [--wards W] -o OUT [options]",
    "Space-time permutation scan statistic, as SaTScan's (Kulldorff et al. 2005): incidents are\n"
    "counted per location (ward centroid, cell centre, or with --centres incidents each distinct\n"
    "incident position) and time step (--bin, a month by default); cylinders are circles around\n"
    "each location, growing by the nearest locations up to --max-share of the incidents (and\n"
    "--max-radius metres), over time windows of up to --max-window steps (half the steps by\n"
    "default; --prospective: only windows ending at the last step, for surveillance). A\n"
    "cylinder's expected count comes from the margins (the locations' totals times the steps'\n"
    "totals over all incidents: no population needed); the most likely cluster has the largest\n"
    "Poisson log-likelihood ratio, secondary clusters the largest among circles sharing no\n"
    "location with a better one; p-values from --permutations replications (999 by default,\n"
    "seeded) in which the incidents' times are shuffled. --wards gives the locations (the\n"
    "default) or, with --grid or --centres incidents, only the study area.\n"
    "\n"
    "Output: layer 'scan_clusters' (circles: rank, centre, centre_x, centre_y, radius_m,\n"
    "locations, start, end, observed, expected, relative_risk, llr, p, p_gumbel (the tail of a\n"
    "Gumbel fitted to the replications' maxima: SaTScan's option, below 1/(replications + 1));\n"
    "prospective runs also recurrence = 1 / p in steps and recurrence_years: once in so long by\n"
    "chance when the scan is repeated every step, as SaTScan's recurrence interval), and layer\n"
    "'scan_locations' (each cluster's locations as points: rank, location, x, y, distance_m from\n"
    "the centre, observed and expected in the cluster's steps, relative_risk); with OUT.csv the\n"
    "clusters go to OUT.csv and the locations to OUT_locations.csv.\n",
    "# Camden burglary by ward and month, windows of up to 6 months\n"
    "safemap scan data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --max-window 6 \\\n"
    "    --permutations 999 --seed 1 -o scan.gpkg\n"
    "# circles of up to 500 m around each incident position, in the last 3 months\n"
    "safemap scan data/police/camden_burglary --centres incidents --max-radius 500 --max-window 3 \\\n"
    "    --prospective --seed 1 -o scan_points.gpkg\n",
    CLI_G_INPUT | CLI_G_AREAS | CLI_G_OUTPUT | CLI_G_SEED | CLI_G_STRICT | CLI_G_RANKS,
    "the cells' extent for --grid fishnet|hexagon, in metres (default:\n"
    "the wards', else the points'); it does not filter the incidents"};

/* --max-window: a whole number of steps into the options' size_t (no CLI_O_ entry for size_t). */
static int steps_value(const char *arg, void *dest) {
  char *end;
  unsigned long v = strtoul(arg, &end, 10);
  if (!*arg || *arg == '-' || *end || v < 1 || v > 100000) return 1;
  *(size_t *)dest = (size_t)v;
  return 0;
}

/* The clusters, from the clusters layer's columns and the result's words. */
static void print_clusters(const sm_result *r) {
  const sm_layer *L = sm_result_layer_named(r, "scan_clusters");
  enum { START, END, OBS, EXP, RR, LLR, P, PG, NC };
  static const char *const cols[NC] = {"start", "end", "observed", "expected", "relative_risk", "llr", "p", "p_gumbel"};
  long f[NC];
  for (int i = 0; i < NC; i++) f[i] = sm_layer_field_index(L, cols[i]);
  double reps = sm_result_figure(r, "permutations");
  for (size_t c = 0; c < sm_layer_feature_count(L) && c < 5; c++) {
    double v[NC];
    for (int i = OBS; i < NC; i++) v[i] = sm_layer_get_double(L, c, (size_t)f[i]);
    char name[48], rec[160] = "", gum[48] = "";
    snprintf(name, sizeof name, "cluster_%zu_recurrence", c + 1);
    if (sm_result_text(r, name)) snprintf(rec, sizeof rec, ", recurrence %s", sm_result_text(r, name));
    if (!isnan(v[PG]) && v[P] * (reps + 1) < 1.5) /* p at its floor: the Gumbel tail says more */
      snprintf(gum, sizeof gum, " (Gumbel p %.2g)", v[PG]);
    snprintf(name, sizeof name, "cluster_%zu_where", c + 1);
    fprintf(stderr, "safemap scan: %s cluster: %s, %s to %s: %.0f observed, %.1f expected (%.2fx), LLR %.2f, p %.3g%s%s\n",
            c ? "secondary" : "most likely", sm_result_text(r, name), sm_layer_get_string(L, c, (size_t)f[START]),
            sm_layer_get_string(L, c, (size_t)f[END]), v[OBS], v[EXP], v[RR], v[LLR], v[P], gum, rec);
  }
}

static void summary(const cli_run *r) {
  const sm_result *res = r->result;
  fprintf(stderr, "safemap scan: %.0f locations with an incident, %.0f steps, %.0f incidents, %.0f replications\n",
          sm_result_figure(res, "locations"), sm_result_figure(res, "steps"), sm_result_figure(res, "incidents"),
          sm_result_figure(res, "permutations"));
  if (sm_result_figure(res, "clusters") == 0)
    fprintf(stderr, "safemap scan: no cluster: no cylinder holds more incidents than its locations' and steps' totals "
                    "predict\n");
  print_clusters(res);
  cli_wrote(r);
}

/* The choices by name (the library's names and messages), the grid's extent and the seed into `so`, then the
 * options checked as a whole before anything is read. 1 to go on. */
static int choices(cli_run *r, sm_scan_run_options *so, const char *grid, const char *centres, const char *bin) {
  if (centres && sm_scan_centres_from_name(r->ctx, centres, &so->centres)) return cli_error(r, SM_E_INVALID_ARG);
  if (grid && sm_unit_kind_from_name(r->ctx, grid, &so->grid)) { /* the library's message does not say "--grid" */
    fprintf(stderr, "safemap scan: error: unknown --grid '%s' (wards, fishnet, hexagon)\n", grid);
    return r->rc = 1, 0;
  }
  if (bin && sm_bins_parse(bin, &so->bins)) { /* sm_bins_parse sets no message */
    fprintf(stderr, "safemap scan: error: --bin '%s' is not month, quarter, year, week, day or Nd\n", bin);
    return r->rc = 1, 0;
  }
  so->has_extent = r->has_extent;
  memcpy(so->extent, r->extent, sizeof so->extent);
  so->seed = r->o.seed;
  sm_status st = sm_scan_run_options_check(r->ctx, so, r->o.wards != NULL);
  return st ? cli_error(r, st) : 1;
}

int cmd_scan(int argc, char **argv) {
  sm_scan_run_options so;
  sm_scan_run_options_init(&so, SM_SCAN_RUN_OPTIONS_VERSION);
  const char *grid = NULL, *centres = NULL, *bin = NULL;
  cli_opt opts[] = {
      CLI_O_STRING("grid", &grid, "wards|fishnet|hexagon",
                   "the locations: the wards (default with --wards) or cells of\n--cell M (the wards then only bound the study area)"),
      CLI_O_METRES("cell", &so.cell_m, "cell size (hexagon spacing) in metres, for --grid fishnet|hexagon"),
      CLI_O_STRING("centres", &centres, "units|incidents",
                   "units (default): the wards or cells; incidents: every distinct\n"
                   "incident position is a location and a circle centre (--wards\n"
                   "then only bounds the study area)"),
      CLI_O_STRING("centers", &centres, "units|incidents", NULL),
      CLI_O_STRING("bin", &bin, "B", "time step: month (default) | quarter | year | week | day | Nd"),
      CLI_O_NUMBER("max-share", &so.max_share, "S", 0, 1, 1, 0, "a share in (0, 1]",
                   "a circle holds at most this share of the incidents (default 0.5)"),
      CLI_O_METRES("max-radius", &so.max_radius_m, "and reaches at most M metres (default: no limit)"),
      CLI_O_CUSTOM("max-window", &so.max_window, "N", "a whole number of steps >= 1", steps_value,
                   "longest time window, in steps (default: half the study period)"),
      CLI_O_FLAG("prospective", 0, &so.prospective, "only windows ending at the last step (surveillance)"),
      CLI_O_UINT("permutations", &so.permutations, "N", 1, 1000000, "Monte Carlo replications (default 999)"),
      CLI_O_END};
  cli_run r;
  if (cli_start(&r, &SCAN, opts, CLI_NEEDS_INPUT | CLI_NEEDS_OUTPUT, "_locations", argc, argv) &&
      choices(&r, &so, grid, centres, bin) && cli_read(&r) &&
      cli_write(&r, sm_scan_run(r.ctx, &r.result, r.points, r.areas, &so)) && cli_talk(&r))
    summary(&r);
  return cli_finish(&r);
}
