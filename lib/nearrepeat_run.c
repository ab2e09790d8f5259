/* sm_nearrepeat_run: the Knox near-repeat test from points to its table (safemap nearrepeat). */
#include "internal/mpi.h"
#include "internal/options.h"
#include "internal/recipe.h"
#include "internal/result_build.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const distance_names[SM_NEARREPEAT_DISTANCE_END_] = {"manhattan", "euclidean"};
static const char *const closed_names[SM_NEARREPEAT_CLOSED_END_] = {"left", "right"};
static const char *const unit_names[SM_NEARREPEAT_TIME_UNIT_END_] = {"day", "month"};

const char *sm_nearrepeat_distance_name(sm_nearrepeat_distance v) {
  return (int)v >= 0 && v < SM_NEARREPEAT_DISTANCE_END_ ? distance_names[v] : NULL;
}
const char *sm_nearrepeat_closed_name(sm_nearrepeat_closed v) {
  return (int)v >= 0 && v < SM_NEARREPEAT_CLOSED_END_ ? closed_names[v] : NULL;
}
const char *sm_nearrepeat_time_unit_name(sm_nearrepeat_time_unit v) {
  return (int)v >= 0 && v < SM_NEARREPEAT_TIME_UNIT_END_ ? unit_names[v] : NULL;
}

/* The index of `name` in names[2], or an error naming the option and both names. */
static sm_status from_name(sm_ctx *ctx, const char *option, const char *const *names, const char *name, int *out) {
  if (!name || !out) return sm__error(ctx, SM_E_INVALID_ARG, "%s: NULL argument", option);
  for (int k = 0; k < 2; k++)
    if (!strcmp(name, names[k])) return *out = k, SM_OK;
  return sm__error(ctx, SM_E_INVALID_ARG, "%s '%s' is not %s or %s", option, name, names[0], names[1]);
}

sm_status sm_nearrepeat_distance_from_name(sm_ctx *ctx, const char *name, sm_nearrepeat_distance *out) {
  int k = 0;
  sm_status st = out ? from_name(ctx, "--distance", distance_names, name, &k)
                     : sm__error(ctx, SM_E_INVALID_ARG, "--distance: NULL argument");
  if (!st) *out = (sm_nearrepeat_distance)k;
  return st;
}
sm_status sm_nearrepeat_closed_from_name(sm_ctx *ctx, const char *name, sm_nearrepeat_closed *out) {
  int k = 0;
  sm_status st = out ? from_name(ctx, "--closed", closed_names, name, &k)
                     : sm__error(ctx, SM_E_INVALID_ARG, "--closed: NULL argument");
  if (!st) *out = (sm_nearrepeat_closed)k;
  return st;
}
sm_status sm_nearrepeat_time_unit_from_name(sm_ctx *ctx, const char *name, sm_nearrepeat_time_unit *out) {
  int k = 0;
  sm_status st = out ? from_name(ctx, "--time-unit", unit_names, name, &k)
                     : sm__error(ctx, SM_E_INVALID_ARG, "--time-unit: NULL argument");
  if (!st) *out = (sm_nearrepeat_time_unit)k;
  return st;
}

SM__OPTIONS_INIT_FN(sm_nearrepeat_options, sm_nearrepeat_options_init, SM_NEARREPEAT_OPTIONS_VERSION, SM_NEARREPEAT_OPTIONS_INIT)

/* The breaks of one list: from 0, increasing (as sm_knox_test() says it). */
static sm_status check_breaks(sm_ctx *ctx, const char *which, const double *b, size_t n) {
  if (b[0] != 0) return sm__error(ctx, SM_E_INVALID_ARG, "the %s breaks must start at 0, not %g", which, b[0]);
  for (size_t i = 1; i < n; i++)
    if (!(b[i] > b[i - 1]) || !isfinite(b[i]))
      return sm__error(ctx, SM_E_INVALID_ARG, "the %s breaks must increase: %g after %g", which, b[i], b[i - 1]);
  return SM_OK;
}

/* The options alone (no data needed): what sm_nearrepeat_options_check() and sm_nearrepeat_run() refuse first. */
static sm_status check_options(sm_ctx *ctx, const sm_nearrepeat_options *o) {
  sm_status vst_ = sm__options_version(ctx, "sm_nearrepeat_run", o->version, SM_NEARREPEAT_OPTIONS_VERSION);
  if (vst_) return vst_;
  if (!o->space_bands_m || !o->n_space_bands)
    return sm__error(ctx, SM_E_INVALID_ARG, "--space-bands is required (e.g. 0,100,200,300)");
  if (!o->time_bands || !o->n_time_bands)
    return sm__error(ctx, SM_E_INVALID_ARG, "--time-bands is required (e.g. 0,7,14,21)");
  if (o->n_space_bands < 2)
    return sm__error(ctx, SM_E_INVALID_ARG, "--space-bands needs at least 2 numbers (0,100,200), not %zu", o->n_space_bands);
  if (o->n_time_bands < 2)
    return sm__error(ctx, SM_E_INVALID_ARG, "--time-bands needs at least 2 numbers (0,7,14), not %zu", o->n_time_bands);
  if ((int)o->distance < 0 || o->distance >= SM_NEARREPEAT_DISTANCE_END_)
    return sm__error(ctx, SM_E_INVALID_ARG, "--distance: unknown choice %d (manhattan, euclidean)", (int)o->distance);
  if ((int)o->closed < 0 || o->closed >= SM_NEARREPEAT_CLOSED_END_)
    return sm__error(ctx, SM_E_INVALID_ARG, "--closed: unknown choice %d (left, right)", (int)o->closed);
  if ((int)o->time_unit < 0 || o->time_unit >= SM_NEARREPEAT_TIME_UNIT_END_)
    return sm__error(ctx, SM_E_INVALID_ARG, "--time-unit: unknown choice %d (day, month)", (int)o->time_unit);
  sm_status st = check_breaks(ctx, "space", o->space_bands_m, o->n_space_bands);
  return st ? st : check_breaks(ctx, "time", o->time_bands, o->n_time_bands);
}

sm_status sm_nearrepeat_options_check(sm_ctx *ctx, const sm_nearrepeat_options *opts, int have_areas) {
  (void)have_areas;
  sm_nearrepeat_options defaults = SM_NEARREPEAT_OPTIONS_INIT;
  return check_options(ctx, opts ? opts : &defaults);
}

/* The incidents' times in the bands' unit (sm__malloc'd). */
static sm_status event_times(sm_ctx *ctx, const sm_points *p, int months, double **out) {
  size_t n = sm_points_count(p);
  sm_time_res res = sm_points_time_resolution(p);
  if (res == SM_TIME_NONE)
    return sm__error(ctx, SM_E_INPUT, "the incidents have no time: a near-repeat test needs dates (--time COL)");
  if (res == SM_TIME_MONTH && !months)
    return sm__error(ctx, SM_E_INPUT, "the incidents' dates are months only (as police.uk publishes them): near repeats at "
                                      "day resolution need dated data; use --time-unit month (bands in months)");
  double *tt = sm__malloc((n ? n : 1) * sizeof *tt);
  if (!tt) return sm__error(ctx, SM_E_NOMEM, "out of memory (%zu incidents)", n);
  const int64_t *t = sm_points_time(p);
  for (size_t i = 0; i < n; i++) {
    if (t[i] == SM_TIME_MISSING) {
      sm__free(tt);
      return sm__error(ctx, SM_E_INPUT, "incident %zu has no time", i);
    }
    tt[i] = months ? (double)sm_time_month_index(t[i]) : (double)t[i] / 86400.0;
  }
  *out = tt;
  return SM_OK;
}

static sm_status knox(sm_ctx *ctx, const sm_points *p, const sm_nearrepeat_options *o, sm_knox **k) {
  double *tt = NULL;
  size_t n = sm_points_count(p);
  sm_status st = event_times(ctx, p, o->time_unit == SM_NEARREPEAT_MONTH, &tt);
  if (st) return st;
  sm_knox_options ko = SM_KNOX_OPTIONS_INIT;
  ko.space_breaks = o->space_bands_m, ko.n_space = o->n_space_bands;
  ko.time_breaks = o->time_bands, ko.n_time = o->n_time_bands;
  ko.manhattan = o->distance == SM_NEARREPEAT_MANHATTAN, ko.right_closed = o->closed == SM_NEARREPEAT_CLOSED_RIGHT;
  ko.permutations = o->permutations;
  uint64_t seed = sm_ctx_seed(ctx);
  sm_ctx_set_seed(ctx, o->seed);
  st = sm_knox_test(ctx, n, sm_points_x(p), sm_points_y(p), tt, &ko, k);
  sm_ctx_set_seed(ctx, seed);
  sm__free(tt);
  if (st) return st;
  double beyond = 0;
  for (size_t c = 0; c < (*k)->cols; c++) beyond += (*k)->observed[((*k)->rows - 1) * (*k)->cols + c];
  if ((double)(*k)->pairs - beyond == 0)
    return sm__error(ctx, SM_E_INPUT, "no pair of the %zu incidents is within %g m: the spatial bands cover nothing; "
                                      "widen --space-bands", n, o->space_bands_m[o->n_space_bands - 1]);
  return SM_OK;
}

static sm_status table_row(sm_ctx *ctx, sm_layer *L, const size_t *f, const sm_knox *k, const sm_nearrepeat_options *o,
                           size_t r, size_t c) {
  const double *sbk = o->space_bands_m, *tbk = o->time_bands;
  const char *unit = o->time_unit == SM_NEARREPEAT_MONTH ? "months" : "days";
  size_t row, q = r * k->cols + c;
  char sl[96], tl[96], a[32], b[32];
  double s0 = r == 0 ? 0 : sbk[r - 1], s1 = r == 0 ? 0 : r < k->rows - 1 ? sbk[r] : NAN;
  double t0 = tbk[c], t1 = c < k->cols - 1 ? tbk[c + 1] : NAN;
  snprintf(a, sizeof a, "%g", s0), snprintf(b, sizeof b, "%g", s1);
  if (r == 0) snprintf(sl, sizeof sl, "same location");
  else if (r == k->rows - 1) snprintf(sl, sizeof sl, "beyond %s m", a);
  else snprintf(sl, sizeof sl, "%s-%s m", a, b);
  snprintf(a, sizeof a, "%g", t0), snprintf(b, sizeof b, "%g", t1);
  if (c == k->cols - 1) snprintf(tl, sizeof tl, "beyond %s %s", a, unit);
  else snprintf(tl, sizeof tl, "%s-%s %s", a, b, unit);
  sm_status st = sm_layer_add_feature(ctx, L, NULL, 0, &row);
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
  if (!st && !isnan(k->ratio_median[q])) st = sm_layer_set_double(ctx, L, row, f[11], k->ratio_median[q]);
  return st;
}

/* "0,100,200" */
static void list_text(const double *v, size_t n, char *buf, size_t size) {
  size_t k = 0;
  buf[0] = 0;
  for (size_t i = 0; i < n && k + 1 < size; i++) {
    int w = snprintf(buf + k, size - k, "%s%.15g", i ? "," : "", v[i]);
    if (w < 0) break;
    k += (size_t)w;
  }
}

static sm_status recipe(sm_ctx *ctx, sm_layer *L, const sm_knox *k, const sm_nearrepeat_options *o, const sm_points *p) {
  int months = o->time_unit == SM_NEARREPEAT_MONTH, right = o->closed == SM_NEARREPEAT_CLOSED_RIGHT;
  sm_status st = sm__layer_meta(
      ctx, L, "method",
      "Knox test: %zu incidents, %zu pairs; %s distance; intervals %s; %u permutations of the dates, seed %llu; "
      "p = (#sim >= observed + 1) / (permutations + 1)%s",
      sm_points_count(p), k->pairs, o->distance == SM_NEARREPEAT_MANHATTAN ? "Manhattan" : "Euclidean",
      right ? "(a, b], 0 in the first" : "[a, b)", o->permutations, (unsigned long long)o->seed,
      months ? "; time in calendar months (police.uk month-only dates)" : "; time in days");
  char buf[2048];
  list_text(o->space_bands_m, o->n_space_bands, buf, sizeof buf);
  if (!st) st = sm__layer_meta(ctx, L, "space_bands", "%s", buf);
  list_text(o->time_bands, o->n_time_bands, buf, sizeof buf);
  if (!st) st = sm__layer_meta(ctx, L, "time_bands", "%s", buf);
  if (!st) st = sm__layer_meta(ctx, L, "distance", "%s", sm_nearrepeat_distance_name(o->distance));
  if (!st) st = sm__layer_meta(ctx, L, "closed", "%s", sm_nearrepeat_closed_name(o->closed));
  if (!st) st = sm__layer_meta(ctx, L, "time_unit", "%s", sm_nearrepeat_time_unit_name(o->time_unit));
  if (!st) st = sm__layer_meta(ctx, L, "permutations", "%u", o->permutations);
  if (!st) st = sm__layer_meta(ctx, L, "seed", "%llu", (unsigned long long)o->seed);
  if (!st) st = sm__layer_recipe_inputs(ctx, L, p, NULL);
  return st;
}

static sm_status table(sm_ctx *ctx, const sm_knox *k, const sm_nearrepeat_options *o, const sm_points *p, sm_layer **out) {
  enum { NF = 12 };
  size_t f[NF];
  static const char *const names[NF] = {"space_band", "space_from", "space_to",   "time_band", "time_from", "time_to",
                                        "observed",   "sim_mean",   "sim_median", "knox_ratio", "p", "knox_ratio_median"};
  static const sm_field_type types[NF] = {SM_FIELD_STRING, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_STRING,
                                          SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                          SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE};
  sm_status st = sm_layer_create(ctx, out, "near_repeat", SM_GEOM_NONE, NULL);
  for (int i = 0; i < NF && !st; i++) st = sm_layer_add_field(ctx, *out, names[i], types[i], &f[i]);
  for (size_t r = 0; r < k->rows && !st; r++)
    for (size_t c = 0; c < k->cols && !st; c++) st = table_row(ctx, *out, f, k, o, r, c);
  if (!st) st = recipe(ctx, *out, k, o, p);
  return st;
}

/* The headline figures, and the Near Repeat Calculator's sentence for each significant, meaningful cell
 * (p <= 0.05, ratio >= 1.2) within the bands. */
static sm_status figures(sm_ctx *ctx, sm_result *r, const sm_knox *k, const sm_nearrepeat_options *o, const sm_points *p) {
  const double *sbk = o->space_bands_m, *tbk = o->time_bands;
  const char *unit = o->time_unit == SM_NEARREPEAT_MONTH ? "months" : "days";
  sm_status st = sm__result_figure(ctx, r, "incidents", (double)sm_points_count(p));
  if (!st) st = sm__result_figure(ctx, r, "pairs", (double)k->pairs);
  if (!st) st = sm__result_figure(ctx, r, "permutations", o->permutations);
  if (!st) st = sm__result_figure(ctx, r, "seed", (double)o->seed);
  size_t n = 0;
  for (size_t row = 0; row + 1 < k->rows && !st; row++)
    for (size_t c = 0; c + 1 < k->cols && !st; c++) {
      size_t q = row * k->cols + c;
      if (!(k->p[q] <= 0.05 && k->ratio_mean[q] >= 1.2)) continue;
      char where[80], name[32], text[400];
      if (row == 0) snprintf(where, sizeof where, "at the same location");
      else snprintf(where, sizeof where, "%g to %g m away", sbk[row - 1], sbk[row]);
      snprintf(text, sizeof text, "%s and %g to %g %s after an incident, the chance of another is %.0f%% greater than if "
               "there were no near-repeat pattern (Knox ratio %.2f, p %.3g)",
               where, tbk[c], tbk[c + 1], unit, 100 * (k->ratio_mean[q] - 1), k->ratio_mean[q], k->p[q]);
      snprintf(name, sizeof name, "significant_%zu", ++n);
      st = sm__result_text(ctx, r, name, text);
    }
  if (!st) st = sm__result_figure(ctx, r, "significant", (double)n);
  return st;
}

static sm_status nearrepeat_run_local(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                                      const sm_nearrepeat_options *opts);

sm_status sm_nearrepeat_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                            const sm_nearrepeat_options *opts) {
  /* with MPI ranks: every rank ends as the first that failed */
  sm_status st = sm__mpi_agree(ctx, nearrepeat_run_local(ctx, out, points, areas, opts));
  if (st && out) sm_result_destroy(*out), *out = NULL;
  return st;
}

static sm_status nearrepeat_run_local(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                                      const sm_nearrepeat_options *opts) {
  (void)areas;
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_nearrepeat_run: NULL argument");
  *out = NULL;
  sm_nearrepeat_options defaults = SM_NEARREPEAT_OPTIONS_INIT;
  const sm_nearrepeat_options *o = opts ? opts : &defaults;
  if (!points) return sm__error(ctx, SM_E_INVALID_ARG, "sm_nearrepeat_run: NULL points");
  sm_status st = check_options(ctx, o);
  if (!st) st = sm__points_usable(ctx, points, NULL, "no incidents");
  if (st) return st;
  sm_knox *k = NULL;
  sm_layer *L = NULL;
  sm_result *r = NULL;
  st = knox(ctx, points, o, &k);
  if (!st) st = table(ctx, k, o, points, &L);
  if (!st) st = sm__result_create(ctx, &r);
  if (!st) st = sm__result_add_layer(ctx, r, L, NULL), L = NULL;
  if (!st) st = figures(ctx, r, k, o, points);
  sm_layer_destroy(L);
  sm_knox_destroy(k);
  if (st) sm_result_destroy(r);
  else *out = r;
  return st;
}
