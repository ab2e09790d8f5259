/* safemap nearrepeat: the Knox near-repeat test (Near Repeat Calculator, R NearRepeat). */
#include "cli.h"

#include <stdio.h>

static const cli_command NEARREPEAT = {
    "nearrepeat",
    "POINTS... --space-bands LIST --time-bands LIST -o OUT.csv|OUT.gpkg [options]",
    "Knox near-repeat test, as Ratcliffe's Near Repeat Calculator and R's NearRepeat: every pair of\n"
    "incidents is counted by its spatial distance band and its temporal distance band; the dates\n"
    "are then shuffled over the incidents (--permutations, 999 by default, seeded) to see how many\n"
    "pairs each cell would hold with no space-time interaction. Bands are break lists from 0:\n"
    "--space-bands 0,100,200,300 gives the rows \"same location\" (distance 0), 0-100, 100-200,\n"
    "200-300 and beyond 300 m; --time-bands 0,7,14,21 the columns 0-7, 7-14, 14-21 and beyond 21\n"
    "days. Intervals are [a, b) (--closed left, as R NearRepeat's default) or (a, b] with 0 in the\n"
    "first (--closed right). police.uk dates are months: day bands are refused for them; month\n"
    "bands (--time-unit month) are allowed and labelled as months.\n"
    "\n"
    "Output: one row per (spatial band, temporal band), spatial-major: space_band, space_from,\n"
    "space_to, time_band, time_from, time_to (empty 'to' for beyond), observed, sim_mean,\n"
    "sim_median, knox_ratio (observed / sim_mean), p = (#simulations >= observed + 1) /\n"
    "(permutations + 1), knox_ratio_median (observed / sim_median). A summary sentence per\n"
    "significant near-repeat cell.\n",
    "# Camden burglary, police.uk months: same month or the next ones, within 400 m\n"
    "safemap nearrepeat data/police/camden_burglary --time-unit month --space-bands 0,100,200,400 \\\n"
    "    --time-bands 0,1,2,3 --permutations 99 --seed 1 -o near_repeat.csv\n",
    CLI_G_INPUT | CLI_G_OUTPUT | CLI_G_SEED | CLI_G_STRICT | CLI_G_RANKS,
    NULL};

static void summary(const cli_run *r) {
  const sm_result *res = r->result;
  fprintf(stderr, "safemap nearrepeat: %.0f incidents, %.0f pairs, %.0f permutations of the dates\n",
          sm_result_figure(res, "incidents"), sm_result_figure(res, "pairs"), sm_result_figure(res, "permutations"));
  char name[32];
  for (size_t i = 1; snprintf(name, sizeof name, "significant_%zu", i), sm_result_text(res, name); i++)
    fprintf(stderr, "safemap nearrepeat: %s\n", sm_result_text(res, name));
  cli_wrote(r);
}

/* One band list ("0,100,200") into `out`; 1 to go on. */
static int bands(cli_run *r, const char *option, const char *text, const char *eg, double *out, size_t *n) {
  if (!cli_numbers(text, out, 1000, n) && *n >= 2) return 1;
  fprintf(stderr, "safemap nearrepeat: error: %s '%s' is not a list of at least 2 numbers (%s)\n", option, text, eg);
  return r->rc = 1, 0;
}

/* The bands, the choices by name (the library's names and messages) and the seed into `no`, then the options
 * checked as a whole before anything is read. 1 to go on. */
static int options(cli_run *r, sm_nearrepeat_options *no, const char *sb, const char *tb, const char *distance,
                   const char *closed, const char *unit) {
  static double sbk[1000], tbk[1000];
  if (!sb || !tb) {
    r->rc = cli_usage_error("nearrepeat", "%s", !sb ? "--space-bands is required (e.g. 0,100,200,300)"
                                                    : "--time-bands is required (e.g. 0,7,14,21)");
    return 0;
  }
  if (!bands(r, "--space-bands", sb, "0,100,200", sbk, &no->n_space_bands) ||
      !bands(r, "--time-bands", tb, "0,7,14", tbk, &no->n_time_bands))
    return 0;
  no->space_bands_m = sbk, no->time_bands = tbk;
  no->seed = r->o.seed;
  sm_status st = SM_OK;
  if (distance) st = sm_nearrepeat_distance_from_name(r->ctx, distance, &no->distance);
  if (!st && closed) st = sm_nearrepeat_closed_from_name(r->ctx, closed, &no->closed);
  if (!st && unit) st = sm_nearrepeat_time_unit_from_name(r->ctx, unit, &no->time_unit);
  if (!st) st = sm_nearrepeat_options_check(r->ctx, no, 0);
  return st ? cli_error(r, st) : 1;
}

int cmd_nearrepeat(int argc, char **argv) {
  sm_nearrepeat_options no;
  sm_nearrepeat_options_init(&no, SM_NEARREPEAT_OPTIONS_VERSION);
  const char *sb = NULL, *tb = NULL, *distance = NULL, *closed = NULL, *unit = NULL;
  cli_opt opts[] = {
      CLI_O_STRING("space-bands", &sb, "LIST", "metres, increasing, from 0 (required): 0,100,200,300"),
      CLI_O_STRING("time-bands", &tb, "LIST", "days (or months with --time-unit month), increasing, from 0\n"
                                              "(required): 0,7,14,21"),
      CLI_O_STRING("distance", &distance, "manhattan|euclidean", "manhattan (default, as R NearRepeat) or euclidean"),
      CLI_O_STRING("closed", &closed, "left|right", "left (default: [a, b)) or right ((a, b], 0 in the first)"),
      CLI_O_STRING("time-unit", &unit, "day|month", "day (default) or month (police.uk dates are months: day\n"
                                                    "bands are refused for them)"),
      CLI_O_UINT("permutations", &no.permutations, "N", 1, 1000000,
                 "Monte Carlo permutations of the dates (default 999)"),
      CLI_O_END};
  cli_run r;
  if (cli_start(&r, &NEARREPEAT, opts, CLI_NEEDS_INPUT | CLI_NEEDS_OUTPUT, NULL, argc, argv) &&
      options(&r, &no, sb, tb, distance, closed, unit) && cli_read(&r) &&
      cli_write(&r, sm_nearrepeat_run(r.ctx, &r.result, r.points, NULL, &no)) && cli_talk(&r))
    summary(&r);
  return cli_finish(&r);
}
