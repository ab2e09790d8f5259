/* safemap scan: the space-time permutation scan statistic (SaTScan's, Kulldorff 2005). */
#include "cli.h"
#include "legacy.h" /* TEMPORARY */

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "Usage: safemap scan POINTS... --wards W -o OUT.gpkg|OUT.csv [options]\n"
    "       safemap scan POINTS... --grid fishnet --cell M [--wards W] -o OUT [options]\n"
    "       safemap scan POINTS... --centres incidents [--wards W] -o OUT [options]\n"
    "\n"
    "Space-time permutation scan statistic, as SaTScan's (Kulldorff et al. 2005): incidents are\n"
    "counted per location (ward centroid, cell centre, or with --centres incidents each distinct\n"
    "incident position) and time step (--bin, a month by default); cylinders are circles around\n"
    "each location, growing by the nearest locations up to\n"
    "--max-share of the incidents (and --max-radius metres), over time windows of up to\n"
    "--max-window steps (half the steps by default; --prospective: only windows ending at the\n"
    "last step, for surveillance). A cylinder's expected count comes from the margins (the\n"
    "locations' totals times the steps' totals over all incidents: no population needed); the\n"
    "most likely cluster has the largest Poisson log-likelihood ratio, secondary clusters the\n"
    "largest among circles sharing no location with a better one; p-values from --permutations\n"
    "replications (999 by default, seeded) in which the incidents' times are shuffled.\n"
    "\n"
    "Output: layer 'scan_clusters' (circles: rank, centre, centre_x, centre_y, radius_m,\n"
    "locations, start, end, observed, expected, relative_risk, llr, p, p_gumbel (the tail of a\n"
    "Gumbel fitted to the replications' maxima: SaTScan's option, below 1/(replications + 1));\n"
    "prospective runs also\n"
    "recurrence = 1 / p in steps and recurrence_years: once in so long by chance when the scan\n"
    "is repeated every step, as SaTScan's recurrence interval), and layer 'scan_locations' (each\n"
    "cluster's locations as points: rank, location, x, y, distance_m from the centre, observed\n"
    "and expected in the cluster's steps, relative_risk); with OUT.csv the clusters go to OUT.csv\n"
    "and the locations to OUT_locations.csv.\n"
    "\n"
    "Options:\n"
    "  --wards PATH           the ward polygons: the locations (default) or, with --grid, the study area\n"
    "  --grid G               wards (default with --wards) | fishnet | hexagon; --cell M for cells\n"
    "  --centres C            units (default) | incidents: every distinct incident position is a\n"
    "                         location and a circle centre (--wards then only bounds the study area)\n"
    "  --bin B                time step: month (default) | quarter | year | week | day | Nd\n"
    "  --max-share S          a circle holds at most this share of the incidents (default 0.5)\n"
    "  --max-radius M         and reaches at most M metres (default: no limit)\n"
    "  --max-window N         steps (default: half the study period)\n"
    "  --prospective          only windows ending at the last step\n"
    "  --permutations N       Monte Carlo replications (default 999); --seed S\n"
    "  -o, --output PATH      .gpkg or .csv     --overwrite\n"
    "  --type, --from, --to, input options as in 'safemap info'; -j, -q, -v\n"
    "\n"
    "Examples (Camden burglary by ward and month, windows of up to 6 months; then circles of\n"
    "up to 500 m around each incident position, in the last 3 months):\n"
    "  safemap scan data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --max-window 6 \\\n"
    "      --permutations 999 --seed 1 -o scan.gpkg\n"
    "  safemap scan data/police/camden_burglary --centres incidents --max-radius 500 --max-window 3 \\\n"
    "      --prospective --seed 1 -o scan_points.gpkg\n";

/* The options from the command line; 0 or 1 (with the message printed). */
static int scan_options(const legacy_opts *o, sm_ctx *ctx, sm_scan_run_options *so) {
  sm_scan_run_options_init(so, SM_SCAN_RUN_OPTIONS_VERSION);
  if (o->centres && sm_scan_centres_from_name(ctx, o->centres, &so->centres)) return legacy_fail(o, ctx, SM_E_INVALID_ARG);
  if (o->grid && sm_unit_kind_from_name(ctx, o->grid, &so->grid)) {
    fprintf(stderr, "safemap scan: error: unknown --grid '%s' (wards, fishnet, hexagon)\n", o->grid);
    return 1;
  }
  if (o->cell && !((so->cell_m = strtod(o->cell, NULL)) > 0)) {
    fprintf(stderr, "safemap scan: error: --cell needs metres > 0, not '%s'\n", o->cell);
    return 1;
  }
  if (sm_bins_parse(o->bin ? o->bin : "month", &so->bins)) {
    fprintf(stderr, "safemap scan: error: --bin '%s' is not month, quarter, year, week, day or Nd\n", o->bin);
    return 1;
  }
  if (o->read.has_extent) so->has_extent = 1, memcpy(so->extent, o->read.extent, sizeof so->extent);
  if (o->max_share) so->max_share = o->max_share;
  if (o->max_radius) so->max_radius_m = o->max_radius;
  if (o->max_window) so->max_window = (size_t)o->max_window;
  so->prospective = o->prospective;
  if (o->permutations) so->permutations = (unsigned)o->permutations;
  so->seed = o->seed;
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

int cmd_scan(int argc, char **argv) {
  legacy_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "scan";
  if (legacy_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  const char *missing = o.n_inputs == 0 ? "no input given" : !o.output ? "-o/--output is required" : NULL;
  if (missing) {
    fprintf(stderr, "safemap scan: error: %s\nTry 'safemap scan --help'.\n", missing);
    return 1;
  }
  sm_ctx *ctx = legacy_ctx(&o);
  if (!ctx) return 2;
  sm_scan_run_options so;
  if (scan_options(&o, ctx, &so)) {
    legacy_ctx_done(ctx);
    return 1;
  }
  o.read.has_extent = 0; /* the extent is the cells', not a filter of the incidents */
  o.read.skip_labels = 1;
  sm_write_options wo;
  sm_write_options_init(&wo, SM_WRITE_OPTIONS_VERSION);
  wo.overwrite = o.overwrite;
  sm_points *p = NULL;
  sm_areas *areas = NULL;
  sm_result *r = NULL;
  int rc = 0, csv;
  char *loc_path = legacy_companion_csv(o.output, "_locations", &csv);
  sm_status st = csv && !loc_path ? SM_E_NOMEM : sm_write_check(ctx, o.output, &wo);
  if (!st && loc_path) st = sm_write_check(ctx, loc_path, &wo);
  if (!st) st = legacy_read_points(&o, ctx, &p);
  if (!st && o.wards) st = legacy_read_areas(&o, ctx, p, &areas);
  if (!st) st = sm_scan_run(ctx, &r, p, areas, &so);
  if (!st) st = sm_result_write(ctx, r, o.output, &wo);
  if (st) {
    rc = legacy_fail(&o, ctx, st);
  } else if (!o.quiet) {
    cli_clear_progress();
    fprintf(stderr, "safemap scan: %.0f locations with an incident, %.0f steps, %.0f incidents, %.0f replications\n",
            sm_result_figure(r, "locations"), sm_result_figure(r, "steps"), sm_result_figure(r, "incidents"),
            sm_result_figure(r, "permutations"));
    if (sm_result_figure(r, "clusters") == 0)
      fprintf(stderr, "safemap scan: no cluster: no cylinder holds more incidents than its locations' and steps' totals "
                      "predict\n");
    print_clusters(r);
    if (loc_path) fprintf(stderr, "safemap scan: wrote %s and %s\n", o.output, loc_path);
    else fprintf(stderr, "safemap scan: wrote %s\n", o.output);
  }
  free(loc_path);
  sm_result_destroy(r);
  sm_areas_destroy(areas);
  sm_points_destroy(p);
  legacy_ctx_done(ctx);
  return rc;
}
