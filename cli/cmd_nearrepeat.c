/* safemap nearrepeat: the Knox near-repeat table (Near Repeat Calculator, R NearRepeat). */
#include "cli.h"
#include "legacy.h" /* TEMPORARY */

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "Usage: safemap nearrepeat POINTS... --space-bands LIST --time-bands LIST -o OUT.csv|OUT.gpkg [options]\n"
    "\n"
    "Knox near-repeat test, as Ratcliffe's Near Repeat Calculator and R's NearRepeat: every pair of\n"
    "incidents is counted by its spatial distance band and its temporal distance band; the dates\n"
    "are then shuffled over the incidents (--permutations, 999 by default, seeded) to see how many\n"
    "pairs each cell would hold with no space-time interaction. Bands are break lists from 0:\n"
    "--space-bands 0,100,200,300 gives the rows \"same location\" (distance 0), 0-100, 100-200,\n"
    "200-300 and beyond 300 m; --time-bands 0,7,14,21 the columns 0-7, 7-14, 14-21 and beyond 21\n"
    "days. Intervals are [a, b) (--closed left, as R NearRepeat's default) or (a, b] with 0 in the\n"
    "first (--closed right).\n"
    "\n"
    "Output: one row per (spatial band, temporal band), spatial-major: space_band, space_from,\n"
    "space_to, time_band, time_from, time_to (empty 'to' for beyond), observed, sim_mean,\n"
    "sim_median, knox_ratio (observed / sim_mean), knox_ratio_median, p = (#simulations >=\n"
    "observed + 1) / (permutations + 1). A summary sentence per significant near-repeat cell.\n"
    "\n"
    "Options:\n"
    "  --space-bands LIST     metres, increasing, from 0 (required)\n"
    "  --time-bands LIST      days (or months with --time-unit month), increasing, from 0 (required)\n"
    "  --distance D           manhattan (default, as R NearRepeat) | euclidean\n"
    "  --closed C             left (default: [a, b)) | right ((a, b])\n"
    "  --time-unit U          day (default) | month. police.uk dates are months: day bands are\n"
    "                         refused for them; month bands are allowed and labelled as months\n"
    "  --permutations N       Monte Carlo permutations of the dates (default 999); --seed S\n"
    "  -o, --output PATH      .csv or .gpkg     --overwrite\n"
    "  --type, --from, --to, input options as in 'safemap info'; -j, -q, -v\n"
    "\n"
    "Example (Camden burglary, police.uk months: same month or the next ones, within 400 m):\n"
    "  safemap nearrepeat data/police/camden_burglary --time-unit month --space-bands 0,100,200,400 \\\n"
    "      --time-bands 0,1,2,3 --permutations 99 --seed 1 -o near_repeat.csv\n";

static int parse_list(const char *s, double *out, size_t max, size_t *n) {
  *n = 0;
  if (!s || !*s) return -1;
  const char *p = s;
  while (*p) {
    char *end;
    double v = strtod(p, &end);
    if (end == p || *n >= max || !isfinite(v)) return -1;
    out[(*n)++] = v;
    if (*end == ',') p = end + 1;
    else if (*end == 0) p = end;
    else return -1;
  }
  return 0;
}

int cmd_nearrepeat(int argc, char **argv) {
  legacy_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "nearrepeat";
  if (legacy_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  const char *missing = o.n_inputs == 0 ? "no input given" : !o.output ? "-o/--output is required"
                        : !o.space_bands ? "--space-bands is required (e.g. 0,100,200,300)"
                        : !o.time_bands ? "--time-bands is required (e.g. 0,7,14,21)" : NULL;
  if (missing) {
    fprintf(stderr, "safemap nearrepeat: error: %s\nTry 'safemap nearrepeat --help'.\n", missing);
    return 1;
  }
  static double sbk[1000], tbk[1000];
  sm_nearrepeat_options no;
  sm_nearrepeat_options_init(&no, SM_NEARREPEAT_OPTIONS_VERSION);
  if (parse_list(o.space_bands, sbk, 1000, &no.n_space_bands) || no.n_space_bands < 2) {
    fprintf(stderr, "safemap nearrepeat: error: --space-bands '%s' is not a list of at least 2 numbers (0,100,200)\n",
            o.space_bands);
    return 1;
  }
  if (parse_list(o.time_bands, tbk, 1000, &no.n_time_bands) || no.n_time_bands < 2) {
    fprintf(stderr, "safemap nearrepeat: error: --time-bands '%s' is not a list of at least 2 numbers (0,7,14)\n", o.time_bands);
    return 1;
  }
  no.space_bands_m = sbk, no.time_bands = tbk;
  if (o.permutations) no.permutations = (unsigned)o.permutations;
  no.seed = o.seed;
  o.read.skip_labels = 1;
  sm_ctx *ctx = legacy_ctx(&o);
  if (!ctx) return 2;
  sm_write_options wo;
  sm_write_options_init(&wo, SM_WRITE_OPTIONS_VERSION);
  wo.overwrite = o.overwrite;
  sm_points *p = NULL;
  sm_result *r = NULL;
  int rc = 0;
  sm_status st = SM_OK;
  if (o.distance) st = sm_nearrepeat_distance_from_name(ctx, o.distance, &no.distance);
  if (!st && o.closed) st = sm_nearrepeat_closed_from_name(ctx, o.closed, &no.closed);
  if (!st && o.time_unit) st = sm_nearrepeat_time_unit_from_name(ctx, o.time_unit, &no.time_unit);
  if (!st) st = sm_write_check(ctx, o.output, &wo);
  if (!st) st = legacy_read_points(&o, ctx, &p);
  if (!st) st = sm_nearrepeat_run(ctx, &r, p, NULL, &no);
  if (!st) st = sm_result_write(ctx, r, o.output, &wo);
  if (st) {
    rc = legacy_fail(&o, ctx, st);
  } else if (!o.quiet) {
    cli_clear_progress();
    fprintf(stderr, "safemap nearrepeat: %.0f incidents, %.0f pairs, %.0f permutations of the dates\n",
            sm_result_figure(r, "incidents"), sm_result_figure(r, "pairs"), sm_result_figure(r, "permutations"));
    char name[32];
    for (size_t i = 1; snprintf(name, sizeof name, "significant_%zu", i), sm_result_text(r, name); i++)
      fprintf(stderr, "safemap nearrepeat: %s\n", sm_result_text(r, name));
    fprintf(stderr, "safemap nearrepeat: wrote %s\n", o.output);
  }
  sm_result_destroy(r);
  sm_points_destroy(p);
  legacy_ctx_done(ctx);
  return rc;
}
