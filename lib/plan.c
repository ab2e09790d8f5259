/* The plan pipeline (plan.h): per-ward burglary plans' numbers. The counts, changes, trend, seasonality,
 * ranks and rates are computed here from the points located in the wards; the spatial analyses come from
 * plan_where.c, the actions from the rules of plan_rules.c, the layers for where and what from plan_layers.c. */
#include "internal/options.h"
#include "internal/plan.h"
#include "internal/plan_run.h"
#include "internal/recipe.h"
#include "internal/result_build.h"
#include "internal/sm_internal.h"
#include "internal/trend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

SM__OPTIONS_INIT_FN(sm_plan_options, sm_plan_options_init, SM_PLAN_OPTIONS_VERSION, SM_PLAN_OPTIONS_INIT)

static const char *const MONTHS[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

sm_status sm_plan_options_check(sm_ctx *ctx, const sm_plan_options *o) {
  sm_plan_options d = SM_PLAN_OPTIONS_INIT;
  if (!o) o = &d;
  sm_status st = sm__options_version(ctx, "sm_plan_run", o->version, SM_PLAN_OPTIONS_VERSION);
  if (st) return st;
  if (o->min_trend_months < 3)
    return sm__error(ctx, SM_E_INVALID_ARG, "plan: min_trend_months %u: a trend needs at least 3 months",
                     o->min_trend_months);
  if (o->top_streets < 1) return sm__error(ctx, SM_E_INVALID_ARG, "plan: top_streets must be at least 1");
  if (o->permutations < 1) return sm__error(ctx, SM_E_INVALID_ARG, "--permutations must be at least 1");
  if (o->ward && !*o->ward) return sm__error(ctx, SM_E_INVALID_ARG, "--ward: an empty ward code");
  if (!o->households && (o->households_id_field || o->households_field))
    return sm__error(ctx, SM_E_INVALID_ARG, "--households-id and --households-field are for --households");
  sm__plan_rules rules;
  st = sm__plan_rules_load(ctx, o->rules, &rules);
  sm__plan_rules_free(&rules);
  return st;
}

/* ---- counts ------------------------------------------------------------------------------------------ */

/* Locates the points, finds the period and counts ward x month. */
static sm_status count(sm__plan *P) {
  sm_ctx *ctx = P->ctx;
  size_t n = sm_points_count(P->pts);
  const int64_t *t = sm_points_time(P->pts);
  sm_time_res res = sm_points_time_resolution(P->pts);
  if (res == SM_TIME_NONE || !t)
    return sm__error(ctx, SM_E_INPUT, "a plan needs the burglaries' dates (police.uk's Month, or --time COLUMN): the "
                                      "points have none");
  size_t untimed = 0;
  int32_t lo = INT32_MAX, hi = INT32_MIN;
  for (size_t i = 0; i < n; i++) {
    if (t[i] == SM_TIME_MISSING) {
      untimed++;
      continue;
    }
    int32_t m = sm_time_month_index(t[i]);
    lo = m < lo ? m : lo, hi = m > hi ? m : hi;
  }
  if (untimed)
    return sm__error(ctx, SM_E_INPUT, "%zu of the %zu burglaries have no date: a plan counts every burglary by month", untimed, n);
  P->m0 = lo;
  P->T = (size_t)(hi - lo) + 1;
  if (res != SM_TIME_MONTH)
    P->time_note = sm__asprintf("the dates are %s, not months: every burglary is counted in its calendar month (the "
                                "plan is monthly, as police.uk publishes); the near-repeat window is in months too",
                                res == SM_TIME_DAY ? "days" : "dates with times of day");
  else
    P->time_note = sm__asprintf("police.uk dates are months (YYYY-MM): counts by calendar month; nothing finer");
  if (!P->time_note) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  P->ward_of = sm__malloc((n ? n : 1) * sizeof *P->ward_of);
  P->month_of = sm__malloc((n ? n : 1) * sizeof *P->month_of);
  P->cnt = sm__calloc(P->nw * P->T + 1, sizeof *P->cnt);
  if (!P->ward_of || !P->month_of || !P->cnt) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm_status st = sm_areas_locate(ctx, P->areas, P->pts, P->ward_of, &P->outside);
  if (st) return st;
  for (size_t i = 0; i < n; i++) {
    P->month_of[i] = sm_time_month_index(t[i]) - P->m0;
    if (P->ward_of[i] >= 0) P->cnt[(size_t)P->ward_of[i] * P->T + (size_t)P->month_of[i]]++;
  }
  return SM_OK;
}

/* Competition ranks (1 = most; ties share the smaller rank) and the row order: by rank, then code. */
typedef struct rank_key {
  int64_t total;
  const char *code;
  size_t a;
} rank_key;
static int by_rank(const void *x, const void *y) {
  const rank_key *i = x, *j = y;
  if (i->total != j->total) return i->total > j->total ? -1 : 1;
  return strcmp(i->code, j->code);
}
static sm_status figures_per_ward(sm__plan *P) {
  size_t T = P->T, nw = P->nw;
  P->w = sm__calloc(nw ? nw : 1, sizeof *P->w);
  P->order = sm__malloc((nw ? nw : 1) * sizeof *P->order);
  double *series = sm__malloc((T ? T : 1) * sizeof *series);
  if (!P->w || !P->order || !series) {
    sm__free(series);
    return sm__error(P->ctx, SM_E_NOMEM, "out of memory");
  }
  for (size_t a = 0; a < nw; a++) {
    sm__plan_ward *W = &P->w[a];
    const int64_t *c = P->cnt + a * T;
    double sum[12] = {0}, num[12] = {0};
    for (size_t m = 0; m < T; m++) {
      W->total += c[m];
      int cal = (int)(((P->m0 + (int32_t)m) % 12 + 12) % 12);
      sum[cal] += (double)c[m], num[cal] += 1;
      series[m] = (double)c[m];
      if (T >= 12 && m >= T - 12) W->last12 += c[m];
      if (T >= 24 && m >= T - 24 && m < T - 12) W->prev12 += c[m];
    }
    P->btotal += W->total;
    P->blast12 += W->last12;
    P->bprev12 += W->prev12;
    /* the trend */
    if (T < P->o->min_trend_months) {
      W->trend = "not enough data";
      W->trend_note = sm__asprintf("not enough data: %zu month%s in the period; a trend needs at least %u (two seasonal "
                                   "cycles, so that a season is not taken for a trend)", T, T == 1 ? "" : "s",
                                   P->o->min_trend_months);
    } else if (W->total == 0) {
      W->trend = "no burglaries";
      W->trend_note = sm__asprintf("no burglaries in the %zu months: nothing to test", T);
    } else {
      sm_mann_kendall mk;
      if (sm__mann_kendall(series, T, &mk)) {
        sm__free(series);
        return sm__error(P->ctx, SM_E_NOMEM, "out of memory");
      }
      W->mk = mk, W->has_mk = 1;
      W->trend = mk.p < 0.05 ? (mk.z > 0 ? "rising" : "falling") : "no clear trend";
      W->trend_note = sm__asprintf("Mann-Kendall test of the %zu monthly counts: S %.0f, Z %.4f, p %.4g, tau %.4f; "
                                   "significant at p < 0.05", T, mk.S, mk.z, mk.p, mk.tau);
    }
    if (T < 24)
      W->change_note = sm__asprintf("not enough data: %zu month%s in the period; the change needs 24 (the last 12 and "
                                    "the 12 before)", T, T == 1 ? "" : "s");
    else if (W->prev12 == 0)
      W->change_note = sm__asprintf("no burglaries in the 12 months before: no percentage change");
    else
      W->change_note = sm__asprintf("the last 12 months against the 12 before");
    if (!W->trend_note || !W->change_note) {
      sm__free(series);
      return sm__error(P->ctx, SM_E_NOMEM, "out of memory");
    }
    /* seasonality: the three calendar months of highest mean (ties: calendar order) */
    int used[12] = {0};
    W->n_peak = 0;
    for (int k = 0; k < 3 && W->total > 0; k++) {
      int best = -1;
      for (int cal = 0; cal < 12; cal++)
        if (num[cal] > 0 && !used[cal] && (best < 0 || sum[cal] / num[cal] > sum[best] / num[best])) best = cal;
      if (best < 0 || sum[best] == 0) break;
      used[best] = 1;
      if (k == 0) W->peak_mean = sum[best] / num[best];
      snprintf(W->peak + strlen(W->peak), sizeof W->peak - strlen(W->peak), "%s%s", k ? ", " : "", MONTHS[best]);
      W->n_peak++;
    }
  }
  sm__free(series);
  rank_key *k = sm__malloc((nw ? nw : 1) * sizeof *k);
  if (!k) return sm__error(P->ctx, SM_E_NOMEM, "out of memory");
  for (size_t a = 0; a < nw; a++) k[a].total = P->w[a].total, k[a].code = sm_areas_id(P->areas, a), k[a].a = a;
  qsort(k, nw, sizeof *k, by_rank);
  for (size_t i = 0; i < nw; i++) {
    size_t a = P->order[i] = k[i].a;
    P->w[a].rank = i > 0 && k[i - 1].total == k[i].total ? P->w[k[i - 1].a].rank : (long)i + 1;
  }
  sm__free(k);
  return SM_OK;
}

/* ---- the variables of the rules, per ward -------------------------------------------------------------- */

static void num(sm__plan_value *v, double x, int is_count) {
  v->null = isnan(x), v->is_text = 0, v->num = x, v->text = NULL, v->count = is_count;
}
static void text(sm__plan_value *v, const char *s) {
  v->null = s == NULL, v->is_text = 1, v->num = NAN, v->text = s, v->count = 0;
}

void sm__plan_values(const sm__plan *P, size_t a, sm__plan_value *v) {
  const sm__plan_ward *W = &P->w[a];
  const sm__plan_where *G = &P->where;
  int full = P->T >= 24, year = P->T >= 12;
  text(&v[SM_PV_WARD_CODE], sm_areas_id(P->areas, a));
  text(&v[SM_PV_WARD_NAME], sm_areas_name(P->areas, a));
  num(&v[SM_PV_TOTAL], (double)W->total, 1);
  num(&v[SM_PV_LAST12], year ? (double)W->last12 : NAN, 1);
  num(&v[SM_PV_PREV12], full ? (double)W->prev12 : NAN, 1);
  num(&v[SM_PV_CHANGE], full ? (double)(W->last12 - W->prev12) : NAN, 0);
  num(&v[SM_PV_CHANGE_PCT], full && W->prev12 > 0 ? 100.0 * (double)(W->last12 - W->prev12) / (double)W->prev12 : NAN, 0);
  num(&v[SM_PV_MK_S], W->has_mk ? W->mk.S : NAN, 0);
  num(&v[SM_PV_MK_Z], W->has_mk ? W->mk.z : NAN, 0);
  num(&v[SM_PV_MK_P], W->has_mk ? W->mk.p : NAN, 0);
  num(&v[SM_PV_MK_TAU], W->has_mk ? W->mk.tau : NAN, 0);
  text(&v[SM_PV_TREND], W->trend);
  text(&v[SM_PV_PEAK_MONTHS], W->n_peak ? W->peak : NULL);
  num(&v[SM_PV_RANK], (double)W->rank, 0);
  num(&v[SM_PV_WARDS], (double)P->nw, 0);
  num(&v[SM_PV_SHARE_PCT], P->btotal > 0 ? 100.0 * (double)W->total / (double)P->btotal : NAN, 0);
  num(&v[SM_PV_HOUSEHOLDS], P->hh ? P->hh[a] : NAN, 0);
  num(&v[SM_PV_RATE], P->hh && year ? 1000.0 * (double)W->last12 / P->hh[a] : NAN, 0);
  num(&v[SM_PV_BOROUGH_RATE], P->hh && year ? P->brate : NAN, 0);
  text(&v[SM_PV_GI_CLASS], G->gi_ok ? W->gi_class : NULL);
  text(&v[SM_PV_LISA_CLASS], G->gi_ok ? G->lisa[a] : NULL);
  num(&v[SM_PV_HOT_CELLS], G->fishnet_ok ? G->hot[a][0] : NAN, 0);
  num(&v[SM_PV_HOT_CELLS_99], G->fishnet_ok ? G->hot[a][3] : NAN, 0);
  num(&v[SM_PV_HOT_CELLS_95], G->fishnet_ok ? G->hot[a][2] : NAN, 0);
  num(&v[SM_PV_HOT_CELLS_90], G->fishnet_ok ? G->hot[a][1] : NAN, 0);
  num(&v[SM_PV_REPEAT_LOCATIONS], (double)W->repeat_locations, 0);
  num(&v[SM_PV_REPEAT_INCIDENTS], (double)W->repeat_incidents, 1);
  text(&v[SM_PV_TOP_STREET], W->top_street);
  num(&v[SM_PV_NR_SIGNIFICANT], G->nr_ok ? (double)G->nr_significant : NAN, 0);
  num(&v[SM_PV_NR_DISTANCE], G->nr_ok && G->nr_significant ? (G->nr_distance_m > 0 ? G->nr_distance_m : 0) : NAN, 0);
  num(&v[SM_PV_NR_MONTHS], G->nr_ok && G->nr_significant ? G->nr_months - 1 : NAN, 0);
  text(&v[SM_PV_NR_WINDOW], G->nr_ok ? G->nr_window : NULL);
  const sm__plan_next *X = &P->next;
  num(&v[SM_PV_PROMAP_CELLS], X->pm_ok ? (double)X->pm_cells[a] : NAN, 0);
  num(&v[SM_PV_PROMAP_SHARE_PCT], X->pm_ok ? 100.0 * X->pm_share[a] : NAN, 0);
  text(&v[SM_PV_EMERGING_CATEGORY],
       X->em_ok && X->em_category[a] >= 0 ? sm_ehsa_category_str((sm_ehsa_category)X->em_category[a]) : NULL);
}

static void gi_class(sm__plan *P) {
  for (size_t a = 0; a < P->nw; a++) {
    int b = P->where.gi_bin_fdr[a];
    static const char *const pct[4] = {"", "90%", "95%", "99%"};
    if (b == 0) snprintf(P->w[a].gi_class, sizeof P->w[a].gi_class, "not significant");
    else snprintf(P->w[a].gi_class, sizeof P->w[a].gi_class, "%s spot %s", b > 0 ? "hot" : "cold", pct[b > 0 ? b : -b]);
  }
}

/* ---- the run ------------------------------------------------------------------------------------------ */

static void plan_free(sm__plan *P) {
  for (size_t a = 0; P->w && a < P->nw; a++) {
    sm__free(P->w[a].trend_note);
    sm__free(P->w[a].change_note);
    sm__free(P->w[a].top_street);
  }
  sm__free(P->w), sm__free(P->order), sm__free(P->ward_of), sm__free(P->month_of), sm__free(P->cnt), sm__free(P->hh);
  sm__free(P->time_note), sm__free(P->period);
  sm__plan_where_free(&P->where);
  sm__plan_next_free(&P->next);
  sm__plan_rules_free(&P->rules);
}

static sm_status figures(sm__plan *P, sm_result *r, size_t n_actions) {
  sm_ctx *ctx = P->ctx;
  char first[16], last[16];
  sm__plan_month(P, 0, first, sizeof first), sm__plan_month(P, P->T - 1, last, sizeof last);
  size_t hot = 0;
  for (size_t a = 0; a < P->nw; a++)
    if (P->only < 0 || (size_t)P->only == a) hot += (size_t)P->where.hot[a][0];
  size_t n = sm_points_count(P->pts);
  sm_status st = sm__result_figure(ctx, r, "wards", P->only < 0 ? (double)P->nw : 1);
  if (!st) st = sm__result_figure(ctx, r, "points", (double)n);
  if (!st) st = sm__result_figure(ctx, r, "points_in_wards", (double)(n - P->outside));
  if (!st) st = sm__result_figure(ctx, r, "points_outside_wards", (double)P->outside);
  if (!st) st = sm__result_figure(ctx, r, "months", (double)P->T);
  if (!st) st = sm__result_figure(ctx, r, "borough_total", (double)P->btotal);
  if (!st) st = sm__result_figure(ctx, r, "borough_last12", P->T >= 12 ? (double)P->blast12 : NAN);
  if (!st) st = sm__result_figure(ctx, r, "borough_rate_per_1000", P->hh && P->T >= 12 ? P->brate : NAN);
  if (!st) st = sm__result_figure(ctx, r, "near_repeat_significant", P->where.nr_ok ? (double)P->where.nr_significant : NAN);
  if (!st) st = sm__result_figure(ctx, r, "hot_cells", P->where.fishnet_ok ? (double)hot : NAN);
  if (!st) st = sm__result_figure(ctx, r, "actions", (double)n_actions);
  if (!st) st = sm__result_text(ctx, r, "period_first", first);
  if (!st) st = sm__result_text(ctx, r, "period_last", last);
  if (!st) st = sm__result_text(ctx, r, "nr_window", P->where.nr_window ? P->where.nr_window : "");
  if (!st) st = sm__result_text(ctx, r, "gi_note", P->where.gi_note ? P->where.gi_note : "");
  if (!st) st = sm__result_text(ctx, r, "fishnet_note", P->where.fishnet_note ? P->where.fishnet_note : "");
  if (!st) st = sm__result_text(ctx, r, "near_repeat_note", P->where.nr_note ? P->where.nr_note : "");
  if (!st) st = sm__result_text(ctx, r, "time_note", P->time_note);
  const sm__plan_next *X = &P->next;
  static const char *const bt[3] = {"promap", "kde", "last_month"};
  char name[40];
  if (!st) st = sm__result_figure(ctx, r, "backtest_steps", X->bt_ok ? X->bt_steps : NAN);
  for (int k = 0; !st && k < 3; k++) {
    snprintf(name, sizeof name, "backtest_hit_rate_%s", bt[k]);
    st = sm__result_figure(ctx, r, name, X->bt_ok ? X->bt_hit[k] : NAN);
    snprintf(name, sizeof name, "backtest_pai_%s", bt[k]);
    if (!st) st = sm__result_figure(ctx, r, name, X->bt_ok ? X->bt_pai[k] : NAN);
  }
  if (!st) st = sm__result_figure(ctx, r, "promap_cells", X->pm_ok ? (double)X->pm_top : NAN);
  if (!st) st = sm__result_text(ctx, r, "promap_month", X->pm_ok ? X->pm_month : "");
  if (!st) st = sm__result_text(ctx, r, "emerging_note", X->em_note ? X->em_note : "");
  if (!st) st = sm__result_text(ctx, r, "kde_note", X->kde_note ? X->kde_note : "");
  if (!st) st = sm__result_text(ctx, r, "promap_note", X->pm_note ? X->pm_note : "");
  if (!st) st = sm__result_text(ctx, r, "backtest_note", X->bt_note ? X->bt_note : "");
  return st;
}

sm_status sm_plan_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                      const sm_plan_options *opts) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_plan_run: NULL result");
  *out = NULL;
  sm_plan_options d = SM_PLAN_OPTIONS_INIT;
  if (!opts) opts = &d;
  sm_status st = sm__options_version(ctx, "sm_plan_run", opts->version, SM_PLAN_OPTIONS_VERSION);
  if (st) return st;
  if (!points) return sm__error(ctx, SM_E_INVALID_ARG, "sm_plan_run: no points");
  if (!areas) return sm__error(ctx, SM_E_INVALID_ARG, "--wards is required");
  if ((st = sm_plan_options_check(ctx, opts))) return st;
  if ((st = sm__points_usable(ctx, points, areas, "no burglaries to plan with"))) return st;
  sm__plan P;
  memset(&P, 0, sizeof P);
  P.ctx = ctx, P.pts = points, P.areas = areas, P.o = opts, P.nw = sm_areas_count(areas), P.only = -1;
  P.K = opts->suppress_below;
  size_t only = 0;
  if (opts->ward && (st = sm__plan_find_ward(ctx, areas, opts->ward, &only))) return st;
  if (opts->ward) P.only = (long)only;
  st = sm__plan_rules_load(ctx, opts->rules, &P.rules);
  if (!st && opts->households) {
    P.hh = sm__malloc((P.nw ? P.nw : 1) * sizeof *P.hh);
    st = P.hh ? sm__plan_households(ctx, opts->households, opts->households_id_field, opts->households_field, areas, P.hh)
              : sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  if (!st) st = sm__progress(ctx, 0.05, "counting");
  if (!st) st = count(&P);
  if (!st) st = figures_per_ward(&P);
  if (!st && P.hh) {
    double h = 0;
    for (size_t a = 0; a < P.nw; a++) h += P.hh[a];
    P.brate = 1000.0 * (double)P.blast12 / h;
  }
  if (!st) st = sm__plan_where_run(ctx, points, areas, opts->permutations, opts->seed, P.only, &P.where);
  if (!st) gi_class(&P);
  if (!st) st = sm__plan_next_run(ctx, points, areas, &P.where, P.T, P.only, &P.next);
  sm_result *r = NULL;
  size_t n_actions = 0;
  if (!st) st = sm__result_create(ctx, &r);
  if (!st) st = sm__plan_layers(&P, r, &n_actions);
  if (!st) st = figures(&P, r, n_actions);
  if (!st) st = sm__progress(ctx, 1.0, "plan done");
  plan_free(&P);
  if (st) {
    sm_result_destroy(r);
    return st;
  }
  *out = r;
  return SM_OK;
}
