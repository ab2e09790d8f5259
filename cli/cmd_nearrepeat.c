/* safemap nearrepeat: the Knox near-repeat table (Near Repeat Calculator, R NearRepeat). */
#include "cli.h"

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

static void fmt_num(char *buf, size_t n, double v) { snprintf(buf, n, "%g", v); }

int cmd_nearrepeat(int argc, char **argv) {
  cli_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "nearrepeat";
  if (cli_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  const char *missing = o.n_inputs == 0 ? "no input given" : !o.output ? "-o/--output is required"
                        : !o.space_bands ? "--space-bands is required (e.g. 0,100,200,300)"
                        : !o.time_bands ? "--time-bands is required (e.g. 0,7,14,21)" : NULL;
  if (missing) {
    fprintf(stderr, "safemap nearrepeat: error: %s\nTry 'safemap nearrepeat --help'.\n", missing);
    return 1;
  }
  static double sbk[1000], tbk[1000];
  size_t ns, nt;
  if (parse_list(o.space_bands, sbk, 1000, &ns) || ns < 2) {
    fprintf(stderr, "safemap nearrepeat: error: --space-bands '%s' is not a list of at least 2 numbers (0,100,200)\n", o.space_bands);
    return 1;
  }
  if (parse_list(o.time_bands, tbk, 1000, &nt) || nt < 2) {
    fprintf(stderr, "safemap nearrepeat: error: --time-bands '%s' is not a list of at least 2 numbers (0,7,14)\n", o.time_bands);
    return 1;
  }
  int manhattan = 1, right = 0, months = 0;
  if (o.distance && !strcmp(o.distance, "euclidean")) manhattan = 0;
  else if (o.distance && strcmp(o.distance, "manhattan")) {
    fprintf(stderr, "safemap nearrepeat: error: --distance '%s' is not manhattan or euclidean\n", o.distance);
    return 1;
  }
  if (o.closed && !strcmp(o.closed, "right")) right = 1;
  else if (o.closed && strcmp(o.closed, "left")) {
    fprintf(stderr, "safemap nearrepeat: error: --closed '%s' is not left or right\n", o.closed);
    return 1;
  }
  if (o.time_unit && !strcmp(o.time_unit, "month")) months = 1;
  else if (o.time_unit && strcmp(o.time_unit, "day")) {
    fprintf(stderr, "safemap nearrepeat: error: --time-unit '%s' is not day or month\n", o.time_unit);
    return 1;
  }
  o.read.skip_labels = 1;
  sm_ctx *ctx = cli_ctx(&o);
  if (!ctx) return 2;
  sm_write_options wo;
  sm_write_options_init(&wo, SM_WRITE_OPTIONS_VERSION);
  wo.overwrite = o.overwrite;
  sm_points *p = NULL;
  sm_knox *k = NULL;
  sm_layer *L = NULL;
  double *tt = NULL;
  int rc = 0;
  sm_status st = sm_write_check(ctx, o.output, &wo);
  if (!st) st = cli_read_points(&o, ctx, &p);
  size_t n = p ? sm_points_count(p) : 0;
  if (!st) {
    sm_time_res res = sm_points_time_resolution(p);
    if (res == SM_TIME_NONE) {
      fprintf(stderr, "safemap nearrepeat: error: the incidents have no time: a near-repeat test needs dates (--time COL)\n");
      rc = 1;
      goto out;
    }
    if (res == SM_TIME_MONTH && !months) {
      fprintf(stderr, "safemap nearrepeat: error: the incidents' dates are months only (as police.uk publishes them): "
                      "near repeats at day resolution need dated data; use --time-unit month (bands in months)\n");
      rc = 1;
      goto out;
    }
    tt = malloc((n ? n : 1) * sizeof *tt);
    if (!tt) st = SM_E_NOMEM;
    const int64_t *t = sm_points_time(p);
    for (size_t i = 0; !st && i < n; i++) {
      if (t[i] == SM_TIME_MISSING) {
        fprintf(stderr, "safemap nearrepeat: error: incident %zu has no time\n", i);
        rc = 1;
        goto out;
      }
      tt[i] = months ? (double)sm_time_month_index(t[i]) : (double)t[i] / 86400.0;
    }
  }
  sm_knox_options ko = SM_KNOX_OPTIONS_INIT;
  ko.space_breaks = sbk, ko.n_space = ns, ko.time_breaks = tbk, ko.n_time = nt;
  ko.manhattan = manhattan, ko.right_closed = right;
  if (o.permutations) ko.permutations = (unsigned)o.permutations;
  if (!st) st = sm_knox_test(ctx, n, sm_points_x(p), sm_points_y(p), tt, &ko, &k);
  if (!st) {
    double beyond_pairs = 0, close_pairs = 0;
    for (size_t c = 0; c < k->cols; c++) beyond_pairs += k->observed[(k->rows - 1) * k->cols + c];
    close_pairs = (double)k->pairs - beyond_pairs;
    if (close_pairs == 0) {
      fprintf(stderr, "safemap nearrepeat: error: no pair of the %zu incidents is within %g m: the spatial bands cover "
                      "nothing; widen --space-bands\n", n, sbk[ns - 1]);
      rc = 1;
      goto out;
    }
  }
  const char *unit = months ? "months" : "days";
  if (!st) {
    size_t f[11];
    static const char *const names[11] = {"space_band", "space_from", "space_to", "time_band", "time_from", "time_to",
                                          "observed", "sim_mean", "sim_median", "knox_ratio", "p"};
    static const sm_field_type types[11] = {SM_FIELD_STRING, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_STRING,
                                            SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                            SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE};
    size_t fkm;
    st = sm_layer_create(ctx, &L, "near_repeat", SM_GEOM_NONE, NULL);
    for (int i = 0; i < 11 && !st; i++) st = sm_layer_add_field(ctx, L, names[i], types[i], &f[i]);
    if (!st) st = sm_layer_add_field(ctx, L, "knox_ratio_median", SM_FIELD_DOUBLE, &fkm);
    for (size_t r = 0; r < k->rows && !st; r++)
      for (size_t c = 0; c < k->cols && !st; c++) {
        size_t row, q = r * k->cols + c;
        char sl[96], tl[96], a[32], b[32];
        double s0 = r == 0 ? 0 : sbk[r - 1], s1 = r == 0 ? 0 : r < k->rows - 1 ? sbk[r] : NAN;
        double t0 = tbk[c], t1 = c < k->cols - 1 ? tbk[c + 1] : NAN;
        fmt_num(a, sizeof a, s0), fmt_num(b, sizeof b, s1);
        if (r == 0) snprintf(sl, sizeof sl, "same location");
        else if (r == k->rows - 1) snprintf(sl, sizeof sl, "beyond %s m", a);
        else snprintf(sl, sizeof sl, "%s-%s m", a, b);
        fmt_num(a, sizeof a, t0), fmt_num(b, sizeof b, t1);
        if (c == k->cols - 1) snprintf(tl, sizeof tl, "beyond %s %s", a, unit);
        else snprintf(tl, sizeof tl, "%s-%s %s", a, b, unit);
        st = sm_layer_add_feature(ctx, L, NULL, 0, &row);
        if (!st) st = sm_layer_set_string(ctx, L, row, f[0], sl);
        if (!st) st = sm_layer_set_double(ctx, L, row, f[1], s0);
        if (!st && !isnan(s1)) st = sm_layer_set_double(ctx, L, row, f[2], s1);
        if (!st) st = sm_layer_set_string(ctx, L, row, f[3], tl);
        if (!st) st = sm_layer_set_double(ctx, L, row, f[4], t0);
        if (!st && !isnan(t1)) st = sm_layer_set_double(ctx, L, row, f[5], t1);
        if (!st) st = sm_layer_set_double(ctx, L, row, f[6], k->observed[q]);
        if (!st && !isnan(k->sim_mean[q])) st = sm_layer_set_double(ctx, L, row, f[7], k->sim_mean[q]);
        if (!st && !isnan(k->sim_median[q])) st = sm_layer_set_double(ctx, L, row, f[8], k->sim_median[q]);
        if (!st && !isnan(k->ratio_mean[q])) st = sm_layer_set_double(ctx, L, row, f[9], k->ratio_mean[q]);
        if (!st && !isnan(k->p[q])) st = sm_layer_set_double(ctx, L, row, f[10], k->p[q]);
        if (!st && !isnan(k->ratio_median[q])) st = sm_layer_set_double(ctx, L, row, fkm, k->ratio_median[q]);
      }
    char buf[300];
    snprintf(buf, sizeof buf, "Knox test: %zu incidents, %zu pairs; %s distance; intervals %s; %u permutations of the dates, seed %llu; "
             "p = (#sim >= observed + 1) / (permutations + 1)%s",
             n, k->pairs, manhattan ? "Manhattan" : "Euclidean", right ? "(a, b], 0 in the first" : "[a, b)", ko.permutations,
             (unsigned long long)o.seed, months ? "; time in calendar months (police.uk month-only dates)" : "; time in days");
    if (!st) st = sm_layer_set_metadata(ctx, L, "method", buf);
  }
  if (!st) st = sm_write_layers(ctx, o.output, &L, 1, &wo);
  if (st) {
    rc = cli_fail(&o, ctx, st);
  } else if (!o.quiet) {
    cli_clear_progress();
    fprintf(stderr, "safemap nearrepeat: %zu incidents, %zu pairs, %u permutations of the dates\n", n, k->pairs, ko.permutations);
    /* the Near Repeat Calculator's sentence for each significant, meaningful cell (p <= 0.05, ratio >= 1.2) */
    for (size_t r = 0; r + 1 < k->rows; r++)
      for (size_t c = 0; c + 1 < k->cols; c++) {
        size_t q = r * k->cols + c;
        if (!(k->p[q] <= 0.05 && k->ratio_mean[q] >= 1.2)) continue;
        char where[80];
        if (r == 0) snprintf(where, sizeof where, "at the same location");
        else snprintf(where, sizeof where, "%g to %g m away", sbk[r - 1], sbk[r]);
        fprintf(stderr, "safemap nearrepeat: %s and %g to %g %s after an incident, the chance of another is %.0f%% greater "
                        "than if there were no near-repeat pattern (Knox ratio %.2f, p %.3g)\n",
                where, tbk[c], tbk[c + 1], unit, 100 * (k->ratio_mean[q] - 1), k->ratio_mean[q], k->p[q]);
      }
    fprintf(stderr, "safemap nearrepeat: wrote %s\n", o.output);
  }
out:
  free(tt);
  sm_layer_destroy(L);
  sm_knox_destroy(k);
  sm_points_destroy(p);
  cli_ctx_done(ctx);
  return rc;
}
