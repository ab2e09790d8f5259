/* The forecasting pipelines: one step's risk surface or the scoring of a given surface (sm_forecast_run), and the
 * rolling back-test of ProMap, KDE and the last step's counts (sm_backtest_run). */
#include "forecast_internal.h"

#include "internal/limits.h"
#include "internal/options.h"
#include "internal/recipe.h"
#include "internal/result_build.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- names -------------------------------------------------------------------------------------------------- */

static const char *const METHOD_NAMES[SM_FORECAST_METHOD_END_] = {"promap", "kde", "last-month", "last-week"};
static const char *const BIN_NAMES[SM_FORECAST_BIN_END_] = {"month", "week"};

const char *sm_forecast_method_name(sm_forecast_method m) {
  return (int)m >= 0 && m < SM_FORECAST_METHOD_END_ ? METHOD_NAMES[m] : NULL;
}

sm_status sm_forecast_method_from_name(sm_ctx *ctx, const char *name, sm_forecast_method *out) {
  if (!name || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_forecast_method_from_name: NULL argument");
  for (int k = 0; k < SM_FORECAST_METHOD_END_; k++)
    if (!strcmp(name, METHOD_NAMES[k])) return *out = (sm_forecast_method)k, SM_OK;
  if (!strcmp(name, "last_month")) return *out = SM_FORECAST_LAST_MONTH, SM_OK;
  if (!strcmp(name, "last_week")) return *out = SM_FORECAST_LAST_WEEK, SM_OK;
  return sm__error(ctx, SM_E_INVALID_ARG, "unknown --method '%s' (promap, kde, last-month); last-week with --bin week", name);
}

const char *sm_forecast_bin_name(sm_forecast_bin b) { return (int)b >= 0 && b < SM_FORECAST_BIN_END_ ? BIN_NAMES[b] : NULL; }

sm_status sm_forecast_bin_from_name(sm_ctx *ctx, const char *name, sm_forecast_bin *out) {
  if (!name || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_forecast_bin_from_name: NULL argument");
  for (int k = 0; k < SM_FORECAST_BIN_END_; k++)
    if (!strcmp(name, BIN_NAMES[k])) return *out = (sm_forecast_bin)k, SM_OK;
  return sm__error(ctx, SM_E_INVALID_ARG, "--bin '%s': forecasting steps are month or week", name);
}

SM__OPTIONS_INIT_FN(sm_forecast_options, sm_forecast_options_init, SM_FORECAST_OPTIONS_VERSION, SM_FORECAST_OPTIONS_INIT)

SM__OPTIONS_INIT_FN(sm_backtest_options, sm_backtest_options_init, SM_BACKTEST_OPTIONS_VERSION, SM_BACKTEST_OPTIONS_INIT)


/* ---- sm_forecast_run ------------------------------------------------------------------------------------------- */

/* Headline figures of a scored step at the first coverage. */
static sm_status score_figures(sm_ctx *ctx, sm_result *r, const sm_hit_rate *hr) {
  sm_status st = sm__result_figure(ctx, r, "scored", 1);
  if (!st) st = sm__result_figure(ctx, r, "coverage", hr[0].coverage);
  if (!st) st = sm__result_figure(ctx, r, "hit_rate", hr[0].hit_rate);
  if (!st) st = sm__result_figure(ctx, r, "pai", hr[0].pai);
  if (!st) st = sm__result_figure(ctx, r, "pei", hr[0].pei);
  return st;
}

static sm_status common_texts(sm_ctx *ctx, sm_result *r, const fc_params *q, const fc_data *d) {
  sm_status st = sm__result_text(ctx, r, "bin", BIN_NAMES[q->weekly]);
  if (!st) st = sm__result_text(ctx, r, "first_step", d->first);
  if (!st) st = sm__result_text(ctx, r, "last_step", d->last);
  return st;
}

/* --evaluate: a given surface against the incidents of step m. */
static sm_status run_evaluate(sm_ctx *ctx, sm_result *r, const fc_data *d, const fc_params *q, int32_t m, const char *at,
                              const sm_forecast_options *o, recipe_args *ra) {
  const char *label = o->evaluate_label ? o->evaluate_label : "the surface";
  size_t k = sm__fc_step_points(d, m), outside = 0;
  if (k == 0)
    return sm__error(ctx, SM_E_INPUT, "no incident in %s%s to score %s against (the incidents run from %s to %s)",
                     q->weekly ? "the week of " : "", at, label, d->first, d->last);
  sm_hit_rate *hr = sm__malloc(q->ncov * sizeof *hr);
  if (!hr) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  score_table tab = {NULL, {0}};
  sm_status st = sm_evaluate_raster(ctx, o->evaluate, k, d->px, d->py, d->crs, q->cov, q->ncov, hr, &outside);
  if (!st) st = sm__fc_table_create(ctx, &tab, "evaluation", q->weekly);
  if (!st) st = sm__fc_table_add(ctx, &tab, at, k - outside, "surface", hr, q->ncov);
  if (!st) st = sm__layer_meta(ctx, tab.L, "method", "%s scored against the incidents of %s; cells ranked highest first, ties with "
                               "fewer incidents first", label, at);
  if (!st) st = sm__layer_meta(ctx, tab.L, "incidents_outside", "%zu", outside);
  ra->evaluated = label;
  if (!st) st = sm__fc_recipe(ctx, (meta_target){tab.L, NULL}, ra);
  if (!st) st = sm__result_add_layer(ctx, r, tab.L, NULL);
  else sm_layer_destroy(tab.L);
  if (!st) st = sm__result_text(ctx, r, "method", "surface");
  if (!st) st = sm__result_figure(ctx, r, "width", (double)sm_raster_width(o->evaluate));
  if (!st) st = sm__result_figure(ctx, r, "height", (double)sm_raster_height(o->evaluate));
  if (!st) st = sm__result_figure(ctx, r, "cell_m", sm_raster_cell_size(o->evaluate));
  if (!st) st = sm__result_figure(ctx, r, "incidents", (double)k);
  if (!st) st = sm__result_figure(ctx, r, "incidents_scored", (double)(k - outside));
  if (!st) st = sm__result_figure(ctx, r, "incidents_outside", (double)outside);
  if (!st) st = score_figures(ctx, r, hr);
  sm__free(hr);
  return st;
}

/* The surface says nothing when all zero: an error naming the window and the incidents' span. */
static sm_status check_not_empty(sm_ctx *ctx, const sm_raster *R, const fc_data *d, const fc_params *q, int kind,
                                 const char *at) {
  const double *v = sm_raster_values(R);
  size_t C = sm_raster_width(R) * sm_raster_height(R), i = 0;
  while (i < C && v[i] == 0) i++;
  if (i < C) return SM_OK;
  int span = kind == K_PROMAP ? q->time_bw : kind == K_KDE ? q->kde_steps : 1;
  return sm__error(ctx, SM_E_INPUT, "no incident in the %d %s%s before %s, so the %s surface would be empty (the incidents run "
                   "from %s to %s)", span, BIN_NAMES[q->weekly], span == 1 ? "" : "s", at, sm__fc_out_name(q->weekly, kind),
                   d->first, d->last);
}

/* The scoring of a computed surface against step m's incidents on the grid (none: *tab stays NULL). */
static sm_status score_surface(sm_ctx *ctx, sm_result *r, const sm_raster *R, const fc_data *d, const fc_params *q,
                               const char *name, int32_t m, const char *at, score_table *tab) {
  size_t k = sm__fc_step_points(d, m), inside = 0;
  sm_status st = sm__result_figure(ctx, r, "incidents", (double)k);
  for (size_t i = 0; i < k; i++) inside += (size_t)sm__fc_on_grid(d, q->cell, d->px[i], d->py[i], NULL, NULL);
  if (!st) st = sm__result_figure(ctx, r, "incidents_scored", (double)inside);
  if (!st) st = sm__result_figure(ctx, r, "incidents_outside", (double)(k - inside));
  if (st || k == 0) return st ? st : sm__result_figure(ctx, r, "scored", 0);
  sm_hit_rate *hr = sm__malloc(q->ncov * sizeof *hr);
  if (!hr) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  st = sm_evaluate_raster(ctx, R, k, d->px, d->py, d->crs, q->cov, q->ncov, hr, NULL);
  if (!st) st = sm__fc_table_create(ctx, tab, "evaluation", q->weekly);
  if (!st) st = sm__fc_table_add(ctx, tab, at, inside, name, hr, q->ncov);
  if (!st) st = sm__layer_meta(ctx, tab->L, "method", "the %s surface scored against the incidents of %s", name, at);
  if (!st) st = score_figures(ctx, r, hr);
  sm__free(hr);
  return st;
}

/* --at: the surface of step m, its top cells and, when m has incidents, its evaluation. */
static sm_status run_surface(sm_ctx *ctx, sm_result *r, const fc_data *d, const fc_params *q, int kind, int32_t m,
                             const char *at, recipe_args *ra) {
  const char *name = sm__fc_out_name(q->weekly, kind);
  sm_raster *R = NULL;
  sm_layer *top = NULL;
  score_table tab = {NULL, {0}};
  sm_status st = sm__fc_surface(ctx, d, q, kind, m, &R);
  if (!st) st = check_not_empty(ctx, R, d, q, kind, at);
  if (!st) st = score_surface(ctx, r, R, d, q, name, m, at, &tab);
  if (!st) st = sm_raster_set_metadata(ctx, R, "name", name);
  if (!st && kind == K_PROMAP)
    st = sm__fc_put(ctx, (meta_target){NULL, R}, "description", "ProMap risk for %s from the incidents before it", at);
  const char *units = kind == K_PROMAP ? "sum over the earlier incidents of 1/(1+d) 1/(1+age) (d in cells, age in steps)"
                                       : "incidents";
  if (!st) st = sm__fc_put(ctx, (meta_target){NULL, R}, "units", "%s", units);
  ra->method = name;
  if (!st) st = sm__fc_recipe(ctx, (meta_target){NULL, R}, ra);
  if (!st) st = sm__fc_top_layer(ctx, R, q->cov[0], name, d->crs, &top);
  if (!st) st = sm__layer_meta(ctx, top, "method", "the top %g%% of the %s cells for %s (risk > 0)", 100 * q->cov[0], name, at);
  if (!st) st = sm__fc_recipe(ctx, (meta_target){top, NULL}, ra);
  if (!st && tab.L) st = sm__fc_recipe(ctx, (meta_target){tab.L, NULL}, ra);
  if (!st) st = sm__result_figure(ctx, r, "width", (double)sm_raster_width(R));
  if (!st) st = sm__result_figure(ctx, r, "height", (double)sm_raster_height(R));
  if (!st) st = sm__result_figure(ctx, r, "cell_m", q->cell);
  if (!st) st = sm__result_text(ctx, r, "method", name);
  /* the result owns them from here, also on failure */
  if (!st) st = sm__result_add_raster(ctx, r, R), R = NULL;
  if (!st) st = sm__result_add_layer(ctx, r, top, NULL), top = NULL;
  if (!st && tab.L) st = sm__result_add_layer(ctx, r, tab.L, "_evaluation"), tab.L = NULL;
  sm_raster_destroy(R), sm_layer_destroy(top), sm_layer_destroy(tab.L);
  return st;
}

/* The options alone, in the command line's words: q resolved (the caller frees q->cov), *m the --at step. */
static sm_status forecast_options(sm_ctx *ctx, const sm_forecast_options *o, fc_params *q, int32_t *m) {
  memset(q, 0, sizeof *q);
  *m = 0;
  sm_status vst_ = sm__options_version(ctx, "sm_forecast_run", o->version, SM_FORECAST_OPTIONS_VERSION);
  if (vst_) return vst_;
  if ((int)o->method < 0 || o->method >= SM_FORECAST_METHOD_END_)
    return sm__error(ctx, SM_E_INVALID_ARG, "--method: unknown method %d", (int)o->method);
  sm_status st = sm__fc_params_set(ctx, q, o->bin, o->cell_m, o->space_bandwidth, o->time_bandwidth, o->bandwidth_m, o->kde_months,
                                   o->kde_weeks, o->coverages, o->n_coverages, o->coverage_curve);
  if (!st && !o->evaluate && ((o->method == SM_FORECAST_LAST_WEEK && !q->weekly) || (o->method == SM_FORECAST_LAST_MONTH && q->weekly)))
    st = sm__error(ctx, SM_E_INVALID_ARG, "--method %s is for %s: with %s give --method %s", METHOD_NAMES[o->method],
                   q->weekly ? "monthly steps" : "--bin week", q->weekly ? "--bin week" : "monthly steps",
                   q->weekly ? "last-week" : "last-month");
  if (!st && o->at) st = sm__fc_parse_step(ctx, o->at, q->weekly, m);
  return st;
}

sm_status sm_forecast_options_check(sm_ctx *ctx, const sm_forecast_options *opts, int have_areas) {
  (void)have_areas; /* the grid covers the areas when given, else the incidents: both are fine */
  sm_forecast_options def = SM_FORECAST_OPTIONS_INIT;
  fc_params q;
  int32_t m;
  sm_status st = forecast_options(ctx, opts ? opts : &def, &q, &m);
  sm__free(q.cov);
  return st;
}

sm_status sm_forecast_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                          const sm_forecast_options *opts) {
  sm_forecast_options def = SM_FORECAST_OPTIONS_INIT;
  if (!out || !points) return sm__error(ctx, SM_E_INVALID_ARG, "sm_forecast_run: NULL argument");
  *out = NULL;
  const sm_forecast_options *o = opts ? opts : &def;
  fc_params q;
  fc_data d;
  memset(&d, 0, sizeof d);
  int32_t m = 0;
  sm_status st = forecast_options(ctx, o, &q, &m);
  if (!st) st = sm__points_usable(ctx, points, areas, "no incidents to forecast from");
  int kind = o->method == SM_FORECAST_PROMAP ? K_PROMAP : o->method == SM_FORECAST_KDE ? K_KDE : K_LAST;
  if (!st) st = sm__fc_data_prepare(ctx, &d, points, areas, &q);
  if (!st && !o->at) m = d.m1 + 1; /* the step after the last incident's */
  char at[24];
  sm__fc_step_label(m, q.weekly, at, sizeof at);
  sm_result *r = NULL;
  if (!st) st = sm__result_create(ctx, &r);
  recipe_args ra = {&q, &d, NULL, at, NULL, -1, points, areas};
  if (!st) st = common_texts(ctx, r, &q, &d);
  if (!st) st = sm__result_text(ctx, r, "at", at);
  if (!st) st = o->evaluate ? run_evaluate(ctx, r, &d, &q, m, at, o, &ra) : run_surface(ctx, r, &d, &q, kind, m, at, &ra);
  sm__fc_data_free(&d);
  sm__free(q.cov);
  if (st) sm_result_destroy(r), r = NULL;
  *out = r;
  return st;
}

/* ---- sm_backtest_run ------------------------------------------------------------------------------------------- */

/* Step m scored for the three methods; sums of the first coverage's hit rate and PAI per method. */
static sm_status backtest_step(sm_ctx *ctx, score_table *tab, const fc_data *d, const fc_params *q, int32_t m, sm_hit_rate *hr,
                               double sum_hit[3], double sum_pai[3], size_t *here) {
  char ms[24];
  sm__fc_step_label(m, q->weekly, ms, sizeof ms);
  sm_status st = SM_OK;
  *here = 0;
  size_t on_grid = 0;
  for (size_t i = 0; i < d->n; i++) on_grid += d->tm[i] == m && sm__fc_on_grid(d, q->cell, d->x[i], d->y[i], NULL, NULL);
  if (!on_grid) return SM_OK; /* nothing to score: no row (hit rates of no incidents are not numbers) */
  for (int j = 0; j < 3 && !st; j++) {
    sm_raster *S = NULL;
    size_t outside = 0;
    st = sm__fc_surface(ctx, d, q, j, m, &S);
    size_t k = sm__fc_step_points(d, m); /* after sm__fc_surface(): it uses the same scratch */
    if (!st) st = sm_evaluate_raster(ctx, S, k, d->px, d->py, d->crs, q->cov, q->ncov, hr, &outside);
    *here = k - outside;
    if (!st) st = sm__fc_table_add(ctx, tab, ms, *here, sm__fc_out_name(q->weekly, j), hr, q->ncov);
    if (!st && !isnan(hr[0].pai)) sum_hit[j] += hr[0].hit_rate, sum_pai[j] += hr[0].pai;
    sm_raster_destroy(S);
  }
  return st;
}

static sm_status backtest_figures(sm_ctx *ctx, sm_result *r, const fc_data *d, const fc_params *q, int scored,
                                  const double sum_hit[3], const double sum_pai[3]) {
  static const char *const key[3] = {"promap", "kde", "last"};
  char first[24];
  sm__fc_step_label(d->m0 + q->warmup, q->weekly, first, sizeof first);
  sm_status st = common_texts(ctx, r, q, d);
  if (!st) st = sm__result_text(ctx, r, "first_scored", first);
  if (!st) st = sm__result_figure(ctx, r, "steps", (double)(d->m1 - d->m0 + 1));
  if (!st) st = sm__result_figure(ctx, r, "warmup", q->warmup);
  if (!st) st = sm__result_figure(ctx, r, "steps_scored", scored);
  if (!st) st = sm__result_figure(ctx, r, "coverage", q->cov[0]);
  for (int j = 0; j < 3 && !st; j++) {
    char name[40];
    snprintf(name, sizeof name, "mean_hit_rate_%s", key[j]);
    st = sm__result_figure(ctx, r, name, scored ? sum_hit[j] / scored : NAN);
    snprintf(name, sizeof name, "mean_pai_%s", key[j]);
    if (!st) st = sm__result_figure(ctx, r, name, scored ? sum_pai[j] / scored : NAN);
  }
  return st;
}

/* The back-test's size before it starts: its steps, and its surfaces' cells (three a scored step). */
static sm_status backtest_limits(sm_ctx *ctx, const fc_data *d, const fc_params *q) {
  char what[160];
  double steps = (double)d->m1 - d->m0 + 1, scored = (double)d->m1 - (d->m0 + q->warmup) + 1;
  snprintf(what, sizeof what, "the incidents' %.0f %ss from %s to %s", steps, BIN_NAMES[q->weekly], d->first, d->last);
  sm_status st = sm__limit_check(ctx, SM_LIMIT_STEPS, steps, 0, what, "use --from and --to to keep fewer");
  if (st) return st;
  snprintf(what, sizeof what, "the back-test's %.0f steps x 3 surfaces of %zu x %zu cells", scored, d->W, d->H);
  return sm__limit_check(ctx, SM_LIMIT_BINS, scored * 3 * (double)d->W * (double)d->H, 0, what,
                         "use --from and --to to keep fewer steps, a larger --cell or a larger --warmup");
}

/* Every step after the warm-up, as a table. */
static sm_status backtest(sm_ctx *ctx, sm_result *r, const fc_data *d, const fc_params *q, recipe_args *ra) {
  score_table tab = {NULL, {0}};
  sm_hit_rate *hr = sm__malloc(q->ncov * sizeof *hr);
  sm_status st = hr ? sm__fc_table_create(ctx, &tab, "backtest", q->weekly) : sm__error(ctx, SM_E_NOMEM, "out of memory");
  double sum_hit[3] = {0}, sum_pai[3] = {0}, saved[2];
  int scored = 0;
  int32_t first = d->m0 + q->warmup, steps = d->m1 - first + 1;
  for (int32_t m = first; !st && m <= d->m1; m++) {
    size_t here = 0;
    sm__progress_push(ctx, (double)(m - first) / steps, (double)(m - first + 1) / steps, saved);
    st = backtest_step(ctx, &tab, d, q, m, hr, sum_hit, sum_pai, &here);
    sm__progress_pop(ctx, saved);
    if (!st) st = sm__progress(ctx, (double)(m - first + 1) / steps, "back-test");
    scored += here > 0;
  }
  sm__free(hr);
  const char *u = BIN_NAMES[q->weekly];
  if (!st && scored < steps)
    st = sm__layer_warn(ctx, tab.L, "%d of the %d steps after the warm-up have no incident on the grid: they are not scored and "
                        "have no rows (a hit rate of no incidents is not a number)", (int)(steps - scored), (int)steps);
  if (!st)
    st = sm__layer_meta(ctx, tab.L, "method", "rolling-origin back-test by %s: ProMap (%g m cells, < %d cells, < %d %ss), quartic KDE "
                        "(%g m, last %d %ss), last %s's counts; ranked highest first, ties with fewer incidents first",
                        u, q->cell, q->space_bw, q->time_bw, u, q->bw, q->kde_steps, u, u);
  if (!st) st = sm__fc_recipe(ctx, (meta_target){tab.L, NULL}, ra);
  if (!st) st = sm__result_add_layer(ctx, r, tab.L, NULL);
  else sm_layer_destroy(tab.L);
  if (!st) st = backtest_figures(ctx, r, d, q, scored, sum_hit, sum_pai);
  return st;
}

/* The options alone: q resolved, warm-up included (the caller frees q->cov). */
static sm_status backtest_options(sm_ctx *ctx, const sm_backtest_options *o, fc_params *q) {
  memset(q, 0, sizeof *q);
  sm_status vst_ = sm__options_version(ctx, "sm_backtest_run", o->version, SM_BACKTEST_OPTIONS_VERSION);
  if (vst_) return vst_;
  sm_status st = sm__fc_params_set(ctx, q, o->bin, o->cell_m, o->space_bandwidth, o->time_bandwidth, o->bandwidth_m, o->kde_months,
                                   o->kde_weeks, o->coverages, o->n_coverages, o->coverage_curve);
  if (!st && o->warmup < 0) st = sm__error(ctx, SM_E_INVALID_ARG, "--warmup needs a whole number of steps >= 1");
  if (!st) q->warmup = o->warmup ? o->warmup : q->weekly ? 52 : 12;
  return st;
}

sm_status sm_backtest_options_check(sm_ctx *ctx, const sm_backtest_options *opts, int have_areas) {
  (void)have_areas;
  sm_backtest_options def = SM_BACKTEST_OPTIONS_INIT;
  fc_params q;
  sm_status st = backtest_options(ctx, opts ? opts : &def, &q);
  sm__free(q.cov);
  return st;
}

sm_status sm_backtest_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                          const sm_backtest_options *opts) {
  sm_backtest_options def = SM_BACKTEST_OPTIONS_INIT;
  if (!out || !points) return sm__error(ctx, SM_E_INVALID_ARG, "sm_backtest_run: NULL argument");
  *out = NULL;
  const sm_backtest_options *o = opts ? opts : &def;
  fc_params q;
  fc_data d;
  memset(&d, 0, sizeof d);
  sm_status st = backtest_options(ctx, o, &q);
  if (!st) st = sm__points_usable(ctx, points, areas, "no incidents to back-test");
  if (!st) st = sm__fc_data_prepare(ctx, &d, points, areas, &q);
  if (!st && d.m1 - d.m0 < q.warmup)
    st = sm__error(ctx, SM_E_INPUT, "%d %s of incidents: the back-test needs more than --warmup %d", d.m1 - d.m0 + 1,
                   q.weekly ? "weeks" : "months", q.warmup);
  if (!st) st = backtest_limits(ctx, &d, &q);
  sm_result *r = NULL;
  if (!st) st = sm__result_create(ctx, &r);
  recipe_args ra = {&q, &d, NULL, NULL, NULL, q.warmup, points, areas};
  if (!st) st = backtest(ctx, r, &d, &q, &ra);
  sm__fc_data_free(&d);
  sm__free(q.cov);
  if (st) sm_result_destroy(r), r = NULL;
  *out = r;
  return st;
}
