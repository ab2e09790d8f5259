/* The plan's layers (plan.h): plan_wards, plan_months, plan_streets, plan_repeats, plan_hot_cells,
 * plan_actions, each with the run's recipe; small counts suppressed where asked. */
#include "internal/plan_run.h"
#include "internal/recipe.h"
#include "internal/result_build.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sm__plan_month(const sm__plan *P, size_t m, char *buf, size_t size) {
  int32_t k = P->m0 + (int32_t)m;
  snprintf(buf, size, "%04d-%02d", (int)(k / 12), (int)(k % 12) + 1);
}

/* ---- columns ------------------------------------------------------------------------------------------- */

typedef struct col {
  const char *name;
  sm_field_type type;
} col;

static sm_status make(sm_ctx *ctx, sm_layer **L, const char *name, sm_geom_type g, const char *crs, const col *cols,
                      size_t n) {
  sm_status st = sm_layer_create(ctx, L, name, g, g == SM_GEOM_NONE ? NULL : crs);
  for (size_t k = 0; !st && k < n; k++) st = sm_layer_add_field(ctx, *L, cols[k].name, cols[k].type, NULL);
  return st;
}

/* A count and its text: NULL and "fewer than K" below K; unknown (known = 0): NULL and `unknown`. */
static sm_status set_count(const sm__plan *P, sm_layer *L, size_t row, size_t f, int known, int64_t v,
                           const char *unknown) {
  sm_ctx *ctx = P->ctx;
  char t[48];
  if (!known) return sm_layer_set_string(ctx, L, row, f + 1, unknown);
  if (P->K && v < (int64_t)P->K) {
    snprintf(t, sizeof t, "fewer than %u", P->K);
    return sm_layer_set_string(ctx, L, row, f + 1, t);
  }
  snprintf(t, sizeof t, "%lld", (long long)v);
  sm_status st = sm_layer_set_int(ctx, L, row, f, v);
  return st ? st : sm_layer_set_string(ctx, L, row, f + 1, t);
}

static int suppressed(const sm__plan *P, int64_t v) { return P->K && v < (int64_t)P->K; }

static sm_status set_double(sm_ctx *ctx, sm_layer *L, size_t row, size_t f, double v) {
  return isnan(v) ? SM_OK : sm_layer_set_double(ctx, L, row, f, v);
}

static int wanted(const sm__plan *P, size_t a) { return P->only < 0 || (size_t)P->only == a; }

/* ---- the recipe of every layer -------------------------------------------------------------------------- */

static sm_status meta(const sm__plan *P, sm_layer *L, const char *method) {
  sm_ctx *ctx = P->ctx;
  const sm_plan_options *o = P->o;
  char first[16], last[16];
  sm__plan_month(P, 0, first, sizeof first), sm__plan_month(P, P->T - 1, last, sizeof last);
  sm_status st = sm__layer_recipe_inputs(ctx, L, P->pts, P->areas);
  if (!st) st = sm_layer_set_metadata(ctx, L, "method", method);
  if (!st) st = sm__layer_meta(ctx, L, "period", "%s to %s (%zu calendar months, the first to the last month of the "
                               "burglaries); last 12 months: the period's last 12; the 12 before: the 12 before them", first,
                               last, P->T);
  if (!st) st = sm_layer_set_metadata(ctx, L, "time_note", P->time_note);
  if (!st) st = sm__layer_meta(ctx, L, "points_in_wards", "%zu of %zu (a point on an edge shared by two wards counted "
                               "in exactly one; %zu in no ward, counted in no ward)", sm_points_count(P->pts) - P->outside,
                               sm_points_count(P->pts), P->outside);
  if (!st) st = sm_layer_set_metadata(ctx, L, "option_ward", o->ward ? o->ward : "(every ward)");
  if (!st) st = sm_layer_set_metadata(ctx, L, "option_households", o->households ? o->households : "(none)");
  if (!st) st = sm_layer_set_metadata(ctx, L, "option_households_id", o->households_id_field ? o->households_id_field : "(the first column)");
  if (!st) st = sm_layer_set_metadata(ctx, L, "option_households_field", o->households_field ? o->households_field : "households");
  if (!st) st = sm__layer_meta(ctx, L, "option_suppress_below", "%u", o->suppress_below);
  if (!st) st = sm_layer_set_metadata(ctx, L, "option_rules", o->rules ? o->rules : "(built-in)");
  if (!st) st = sm__layer_meta(ctx, L, "option_min_trend_months", "%u", o->min_trend_months);
  if (!st) st = sm__layer_meta(ctx, L, "option_top_streets", "%u", o->top_streets);
  if (!st) st = sm__layer_meta(ctx, L, "option_permutations", "%u", o->permutations);
  if (!st) st = sm__layer_meta(ctx, L, "option_seed", "%llu", (unsigned long long)o->seed);
  if (!st && P->K)
    st = sm__layer_meta(ctx, L, "suppression", "counts of burglaries below %u are NULL, with 'fewer than %u' in their "
                        "text columns (and a change, share, rate or list of months made from one is NULL)", P->K, P->K);
  else if (!st) st = sm_layer_set_metadata(ctx, L, "suppression", "none");
  if (!st) st = sm_layer_set_metadata(ctx, L, "trend_method", "Mann-Kendall test of the ward's monthly counts over the "
                                      "period (continuity-corrected Z, two-sided p, tau-a); rising or falling at p < "
                                      "0.05, else no clear trend");
  if (!st) st = sm_layer_set_metadata(ctx, L, "seasonality_method", "the mean count of each calendar month over the "
                                      "period; peak_months the three highest (ties in calendar order)");
  if (!st) st = sm_layer_set_metadata(ctx, L, "rank_method", "rank by burglaries in the period over every ward, 1 = "
                                      "most, ties share the smaller rank; share = ward / all wards' burglaries");
  if (!st && P->hh)
    st = sm_layer_set_metadata(ctx, L, "rate_method", "burglaries in the last 12 months per 1,000 households; the "
                               "borough rate: all wards' burglaries in the last 12 months per 1,000 of all their households");
  if (!st) st = sm_layer_set_metadata(ctx, L, "gi_note", P->where.gi_note ? P->where.gi_note : "");
  if (!st) st = sm_layer_set_metadata(ctx, L, "fishnet_note", P->where.fishnet_note ? P->where.fishnet_note : "");
  if (!st) st = sm_layer_set_metadata(ctx, L, "near_repeat_note", P->where.nr_note ? P->where.nr_note : "");
  const sm__plan_next *X = &P->next;
  if (!st) st = sm_layer_set_metadata(ctx, L, "emerging_note", X->em_note ? X->em_note : "");
  if (!st) st = sm_layer_set_metadata(ctx, L, "kde_note", X->kde_note ? X->kde_note : "");
  if (!st) st = sm_layer_set_metadata(ctx, L, "promap_note", X->pm_note ? X->pm_note : "");
  if (!st) st = sm_layer_set_metadata(ctx, L, "backtest_note", X->bt_note ? X->bt_note : "");
  if (!st && X->bt_ok)
    st = sm__layer_meta(ctx, L, "backtest", "5%% coverage, means over %.0f months: hit rate promap %.17g, kde %.17g, "
                        "last_month %.17g; PAI promap %.17g, kde %.17g, last_month %.17g", X->bt_steps, X->bt_hit[0],
                        X->bt_hit[1], X->bt_hit[2], X->bt_pai[0], X->bt_pai[1], X->bt_pai[2]);
  if (!st) st = sm_layer_set_metadata(ctx, L, "snapping", "police.uk moves every incident to the nearest of a fixed "
                                      "set of snap points (a street or a place) to protect the victim: the same "
                                      "coordinates are one snap point, not one address");
  if (!st) st = sm_layer_set_metadata(ctx, L, "rules", P->rules.source);
  return st;
}

/* ---- streets --------------------------------------------------------------------------------------------- */

typedef struct street_key {
  int32_t ward;
  int last12;
  const char *label;
  int64_t count, count12; /* for the entries */
} street_key;

static int by_ward_label(const void *x, const void *y) {
  const street_key *a = x, *b = y;
  if (a->ward != b->ward) return a->ward < b->ward ? -1 : 1;
  return strcmp(a->label, b->label);
}
static int by_ward_count(const void *x, const void *y) {
  const street_key *a = x, *b = y;
  if (a->ward != b->ward) return a->ward < b->ward ? -1 : 1;
  if (a->count != b->count) return a->count > b->count ? -1 : 1;
  return strcmp(a->label, b->label);
}

/* X of "On or near X"; "" when police.uk gives no name ("On or near "). */
static const char *street_of(const char *label) {
  if (strncmp(label, "On or near", 10)) return label;
  label += 10;
  while (*label == ' ') label++;
  return label;
}

static sm_status streets(sm__plan *P, sm_layer **out) {
  sm_ctx *ctx = P->ctx;
  size_t n = sm_points_count(P->pts), k = 0;
  street_key *s = sm__malloc((n ? n : 1) * sizeof *s);
  if (!s) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  size_t unlabelled = 0;
  for (size_t i = 0; i < n; i++) {
    if (P->ward_of[i] < 0) continue;
    const char *lab = sm_points_label(P->pts, i);
    if (!lab || !*street_of(lab)) {
      unlabelled++;
      continue;
    }
    s[k].ward = P->ward_of[i], s[k].label = lab, s[k].last12 = P->month_of[i] >= (int32_t)P->T - 12;
    k++;
  }
  qsort(s, k, sizeof *s, by_ward_label);
  size_t m = 0; /* runs into entries, in place */
  for (size_t i = 0; i < k;) {
    size_t j = i;
    int64_t c12 = 0;
    while (j < k && s[j].ward == s[i].ward && !strcmp(s[j].label, s[i].label)) c12 += s[j].last12, j++;
    s[m] = s[i];
    s[m].count = (int64_t)(j - i), s[m].count12 = c12;
    m++;
    i = j;
  }
  qsort(s, m, sizeof *s, by_ward_count);
  static const col C[] = {{"ward_code", SM_FIELD_STRING}, {"ward_name", SM_FIELD_STRING}, {"rank", SM_FIELD_INT64},
                          {"location", SM_FIELD_STRING},  {"street", SM_FIELD_STRING},    {"count", SM_FIELD_INT64},
                          {"count_text", SM_FIELD_STRING}, {"last12", SM_FIELD_INT64},    {"last12_text", SM_FIELD_STRING}};
  sm_layer *L = NULL;
  sm_status st = make(ctx, &L, "plan_streets", SM_GEOM_NONE, NULL, C, sizeof C / sizeof *C);
  for (size_t i = 0, r = 0; !st && i < m; i++) {
    size_t a = (size_t)s[i].ward;
    r = i > 0 && s[i - 1].ward == s[i].ward ? r + 1 : 1;
    if (r == 1) {
      P->w[a].top_street = sm__strdup(street_of(s[i].label));
      if (!P->w[a].top_street) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    }
    if (st || r > P->o->top_streets || !wanted(P, a)) continue;
    size_t row;
    st = sm_layer_add_feature(ctx, L, NULL, 0, &row);
    if (!st) st = sm_layer_set_string(ctx, L, row, 0, sm_areas_id(P->areas, a));
    if (!st) st = sm_layer_set_string(ctx, L, row, 1, sm_areas_name(P->areas, a));
    if (!st) st = sm_layer_set_int(ctx, L, row, 2, (int64_t)r);
    if (!st) st = sm_layer_set_string(ctx, L, row, 3, s[i].label);
    if (!st) st = sm_layer_set_string(ctx, L, row, 4, street_of(s[i].label));
    if (!st) st = set_count(P, L, row, 5, 1, s[i].count, NULL);
    if (!st) st = set_count(P, L, row, 7, P->T >= 12, s[i].count12, "not enough data (fewer than 12 months)");
  }
  sm__free(s);
  if (!st) st = meta(P, L, "the police.uk Location ('On or near X') of the burglaries in each ward, counted over the "
                            "period (and its last 12 months); the most first, ties by name; top_streets per ward");
  if (!st && unlabelled)
    st = sm__layer_warn(ctx, L, "%zu burglaries in the wards have no street name in their location label "
                        "(police.uk's 'On or near ' alone): not in any street's count", unlabelled);
  if (st) sm_layer_destroy(L);
  else *out = L;
  return st;
}

/* ---- repeat locations -------------------------------------------------------------------------------------- */

typedef struct rep_key {
  int32_t ward, month;
  double x, y, lon, lat;
  size_t i;
  int64_t count; /* for the entries: points at the location; `i` the first */
  size_t from;   /* the entry's first key in the sorted keys */
} rep_key;

static int by_place(const void *p, const void *q) {
  const rep_key *a = p, *b = q;
  if (a->ward != b->ward) return a->ward < b->ward ? -1 : 1;
  if (a->x != b->x) return a->x < b->x ? -1 : 1;
  if (a->y != b->y) return a->y < b->y ? -1 : 1;
  return a->month < b->month ? -1 : a->month > b->month;
}
static int by_repeats(const void *p, const void *q) {
  const rep_key *a = p, *b = q;
  if (a->ward != b->ward) return a->ward < b->ward ? -1 : 1;
  if (a->count != b->count) return a->count > b->count ? -1 : 1;
  if (a->lon != b->lon) return a->lon < b->lon ? -1 : 1;
  if (a->lat != b->lat) return a->lat < b->lat ? -1 : 1;
  return a->from < b->from ? -1 : a->from > b->from;
}

static sm_status repeats(sm__plan *P, sm_layer **out) {
  sm_ctx *ctx = P->ctx;
  size_t n = sm_points_count(P->pts), k = 0;
  const double *x = sm_points_x(P->pts), *y = sm_points_y(P->pts), *lon = sm_points_lon(P->pts),
               *lat = sm_points_lat(P->pts);
  int32_t from = P->T >= 12 ? (int32_t)P->T - 12 : 0;
  rep_key *s = sm__malloc((n ? n : 1) * sizeof *s), *e = sm__malloc((n ? n : 1) * sizeof *e);
  if (!s || !e) {
    sm__free(s), sm__free(e);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    if (P->ward_of[i] < 0 || P->month_of[i] < from) continue;
    rep_key r = {P->ward_of[i], P->month_of[i], x[i], y[i], lon ? lon[i] : x[i], lon ? lat[i] : y[i], i, 0, 0};
    s[k++] = r;
  }
  qsort(s, k, sizeof *s, by_place);
  size_t m = 0;
  for (size_t i = 0; i < k;) {
    size_t j = i;
    while (j < k && s[j].ward == s[i].ward && s[j].x == s[i].x && s[j].y == s[i].y) j++;
    if (j - i >= 2) e[m] = s[i], e[m].count = (int64_t)(j - i), e[m].from = i, m++;
    i = j;
  }
  qsort(e, m, sizeof *e, by_repeats);
  static const col C[] = {{"ward_code", SM_FIELD_STRING}, {"ward_name", SM_FIELD_STRING}, {"rank", SM_FIELD_INT64},
                          {"location", SM_FIELD_STRING},  {"lon", SM_FIELD_DOUBLE},       {"lat", SM_FIELD_DOUBLE},
                          {"count", SM_FIELD_INT64},      {"count_text", SM_FIELD_STRING}, {"months", SM_FIELD_STRING}};
  sm_layer *L = NULL;
  sm_status st = make(ctx, &L, "plan_repeats", SM_GEOM_POINT, sm_points_crs(P->pts), C, sizeof C / sizeof *C);
  sm_buf months = {0};
  for (size_t i = 0, r = 0; !st && i < m; i++) {
    size_t a = (size_t)e[i].ward;
    r = i > 0 && e[i - 1].ward == e[i].ward ? r + 1 : 1;
    P->w[a].repeat_locations++;
    P->w[a].repeat_incidents += e[i].count;
    if (!wanted(P, a)) continue;
    unsigned char wkb[21];
    wkb[0] = 1;
    uint32_t type = 1;
    memcpy(wkb + 1, &type, 4), memcpy(wkb + 5, &e[i].x, 8), memcpy(wkb + 13, &e[i].y, 8);
    size_t row;
    st = sm_layer_add_feature(ctx, L, wkb, sizeof wkb, &row);
    if (!st) st = sm_layer_set_string(ctx, L, row, 0, sm_areas_id(P->areas, a));
    if (!st) st = sm_layer_set_string(ctx, L, row, 1, sm_areas_name(P->areas, a));
    if (!st) st = sm_layer_set_int(ctx, L, row, 2, (int64_t)r);
    if (!st) st = sm_layer_set_string(ctx, L, row, 3, sm_points_label(P->pts, e[i].i));
    if (!st && lon) st = sm_layer_set_double(ctx, L, row, 4, lon[e[i].i]);
    if (!st && lat) st = sm_layer_set_double(ctx, L, row, 5, lat[e[i].i]);
    if (!st) st = set_count(P, L, row, 6, 1, e[i].count, NULL);
    months.n = 0;
    if (months.s) months.s[0] = 0;
    for (size_t j = e[i].from; !st && j < e[i].from + (size_t)e[i].count && !suppressed(P, e[i].count);) {
      size_t q = j;
      while (q < e[i].from + (size_t)e[i].count && s[q].month == s[j].month) q++;
      char mo[16];
      sm__plan_month(P, (size_t)s[j].month, mo, sizeof mo);
      if (q - j > 1 ? sm__buf_printf(&months, "%s%s (%zu)", months.n ? ", " : "", mo, q - j)
                    : sm__buf_printf(&months, "%s%s", months.n ? ", " : "", mo))
        st = sm__error(ctx, SM_E_NOMEM, "out of memory");
      j = q;
    }
    if (!st) st = sm_layer_set_string(ctx, L, row, 8, months.s ? months.s : "");
  }
  sm__free(months.s);
  sm__free(s), sm__free(e);
  if (!st)
    st = meta(P, L, "repeat locations: the same snap point (exactly the same coordinates) with 2 or more burglaries in "
                    "the period's last 12 months, per ward; the most first, ties by longitude then latitude; months "
                    "lists each month once, with the number when more than one");
  if (st) sm_layer_destroy(L);
  else *out = L;
  return st;
}

/* ---- months ---------------------------------------------------------------------------------------------- */

static sm_status months(const sm__plan *P, sm_layer **out) {
  sm_ctx *ctx = P->ctx;
  static const col C[] = {{"ward_code", SM_FIELD_STRING}, {"ward_name", SM_FIELD_STRING}, {"month", SM_FIELD_STRING},
                          {"count", SM_FIELD_INT64},      {"count_text", SM_FIELD_STRING},
                          {"rolling12", SM_FIELD_INT64},  {"rolling12_text", SM_FIELD_STRING}};
  sm_layer *L = NULL;
  sm_status st = make(ctx, &L, "plan_months", SM_GEOM_NONE, NULL, C, sizeof C / sizeof *C);
  for (size_t k = 0; !st && k < P->nw; k++) {
    size_t a = P->order[k];
    if (!wanted(P, a)) continue;
    const int64_t *c = P->cnt + a * P->T;
    int64_t roll = 0;
    for (size_t m = 0; !st && m < P->T; m++) {
      roll += c[m] - (m >= 12 ? c[m - 12] : 0);
      char mo[16];
      sm__plan_month(P, m, mo, sizeof mo);
      size_t row;
      st = sm_layer_add_feature(ctx, L, NULL, 0, &row);
      if (!st) st = sm_layer_set_string(ctx, L, row, 0, sm_areas_id(P->areas, a));
      if (!st) st = sm_layer_set_string(ctx, L, row, 1, sm_areas_name(P->areas, a));
      if (!st) st = sm_layer_set_string(ctx, L, row, 2, mo);
      if (!st) st = set_count(P, L, row, 3, 1, c[m], NULL);
      if (!st) st = set_count(P, L, row, 5, m >= 11, roll, "");
    }
  }
  if (!st) st = meta(P, L, "burglaries per ward and calendar month over the period, zeros included; rolling12: the 12 "
                            "months ending with the month (none in the first 11)");
  if (st) sm_layer_destroy(L);
  else *out = L;
  return st;
}

/* ---- actions --------------------------------------------------------------------------------------------- */

static sm_status actions(const sm__plan *P, sm_layer **out, char **summary, size_t *n_actions) {
  sm_ctx *ctx = P->ctx;
  static const col C[] = {{"ward_code", SM_FIELD_STRING}, {"ward_name", SM_FIELD_STRING}, {"rule", SM_FIELD_STRING},
                          {"action", SM_FIELD_STRING},    {"trigger", SM_FIELD_STRING},   {"variable", SM_FIELD_STRING},
                          {"value", SM_FIELD_DOUBLE}};
  sm_layer *L = NULL;
  sm_status st = make(ctx, &L, "plan_actions", SM_GEOM_NONE, NULL, C, sizeof C / sizeof *C);
  sm__plan_value v[SM_PV_END_];
  for (size_t k = 0; !st && k < P->nw; k++) {
    size_t a = P->order[k];
    sm__plan_values(P, a, v);
    sm_buf sum = {0};
    for (size_t q = 0; !st && q < P->rules.n; q++) {
      const sm__plan_rule *R = &P->rules.r[q];
      if (!sm__plan_rule_fires(R, v)) continue;
      char *text = NULL, *trigger = NULL;
      st = sm__plan_rule_apply(ctx, R, v, P->K, &text, &trigger);
      if (!st && sm__buf_printf(&sum, "%s%s", sum.n ? "; " : "", text)) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
      size_t row;
      if (!st && wanted(P, a)) {
        (*n_actions)++;
        st = sm_layer_add_feature(ctx, L, NULL, 0, &row);
        if (!st) st = sm_layer_set_string(ctx, L, row, 0, sm_areas_id(P->areas, a));
        if (!st) st = sm_layer_set_string(ctx, L, row, 1, sm_areas_name(P->areas, a));
        if (!st) st = sm_layer_set_string(ctx, L, row, 2, R->id);
        if (!st) st = sm_layer_set_string(ctx, L, row, 3, text);
        if (!st) st = sm_layer_set_string(ctx, L, row, 4, trigger);
        if (!st && R->n_tests) {
          int var = R->test[0].var;
          st = sm_layer_set_string(ctx, L, row, 5, sm__plan_var_name(var));
          if (!st && !v[var].is_text && !(v[var].count && P->K && fabs(v[var].num) < P->K))
            st = set_double(ctx, L, row, 6, v[var].num);
        }
      }
      sm__free(text), sm__free(trigger);
    }
    if (!st && !sum.s && sm__buf_printf(&sum, "no rule triggered")) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    summary[a] = sum.s;
    if (st) break;
  }
  if (!st) st = meta(P, L, "the rules (docs/plan_rules.md) over each ward's numbers: one row per rule a ward triggers, "
                            "with the number that triggered it (trigger; variable and value of its first test)");
  if (st) sm_layer_destroy(L);
  else *out = L;
  return st;
}

/* ---- wards ----------------------------------------------------------------------------------------------- */

enum {
  W_CODE, W_NAME, W_RANK, W_TOTAL, W_TOTAL_T, W_LAST12, W_LAST12_T, W_PREV12, W_PREV12_T, W_CHANGE, W_CHANGE_PCT,
  W_CHANGE_NOTE, W_MK_S, W_MK_Z, W_MK_P, W_MK_TAU, W_TREND, W_TREND_NOTE, W_PEAK, W_PEAK_MEAN, W_SHARE, W_HH, W_RATE,
  W_BRATE, W_GI_Z, W_GI_P, W_GI_BIN, W_GI_BIN_FDR, W_GI_CLASS, W_LISA, W_HOT, W_HOT99, W_HOT95, W_HOT90, W_REP_LOC,
  W_REP_INC, W_REP_INC_T, W_TOP_STREET, W_NR_WINDOW, W_REASONS, W_ACTIONS, W_EM_CAT, W_EM_CELLS, W_KDE50, W_KDE75,
  W_KDE90, W_PM_CELLS, W_PM_SHARE, W_END_
};
static const col WC[W_END_] = {
    {"ward_code", SM_FIELD_STRING}, {"ward_name", SM_FIELD_STRING}, {"rank", SM_FIELD_INT64},
    {"total", SM_FIELD_INT64}, {"total_text", SM_FIELD_STRING}, {"last12", SM_FIELD_INT64},
    {"last12_text", SM_FIELD_STRING}, {"prev12", SM_FIELD_INT64}, {"prev12_text", SM_FIELD_STRING},
    {"change", SM_FIELD_INT64}, {"change_pct", SM_FIELD_DOUBLE}, {"change_note", SM_FIELD_STRING},
    {"mk_s", SM_FIELD_DOUBLE}, {"mk_z", SM_FIELD_DOUBLE}, {"mk_p", SM_FIELD_DOUBLE}, {"mk_tau", SM_FIELD_DOUBLE},
    {"trend", SM_FIELD_STRING}, {"trend_note", SM_FIELD_STRING}, {"peak_months", SM_FIELD_STRING},
    {"peak_mean", SM_FIELD_DOUBLE}, {"share", SM_FIELD_DOUBLE}, {"households", SM_FIELD_DOUBLE},
    {"rate_per_1000", SM_FIELD_DOUBLE}, {"borough_rate_per_1000", SM_FIELD_DOUBLE}, {"gi_z", SM_FIELD_DOUBLE},
    {"gi_p", SM_FIELD_DOUBLE}, {"gi_bin", SM_FIELD_INT64}, {"gi_bin_fdr", SM_FIELD_INT64},
    {"gi_class", SM_FIELD_STRING}, {"lisa_class", SM_FIELD_STRING}, {"hot_cells", SM_FIELD_INT64},
    {"hot_cells_99", SM_FIELD_INT64}, {"hot_cells_95", SM_FIELD_INT64}, {"hot_cells_90", SM_FIELD_INT64},
    {"repeat_locations", SM_FIELD_INT64}, {"repeat_incidents", SM_FIELD_INT64},
    {"repeat_incidents_text", SM_FIELD_STRING}, {"top_street", SM_FIELD_STRING}, {"nr_window", SM_FIELD_STRING},
    {"reasons", SM_FIELD_STRING}, {"actions", SM_FIELD_STRING}, {"emerging_category", SM_FIELD_STRING},
    {"emerging_cells", SM_FIELD_STRING}, {"kde_area_50_m2", SM_FIELD_DOUBLE}, {"kde_area_75_m2", SM_FIELD_DOUBLE},
    {"kde_area_90_m2", SM_FIELD_DOUBLE}, {"promap_cells", SM_FIELD_INT64}, {"promap_share", SM_FIELD_DOUBLE}};

/* The ward's numbers in one paragraph, in the words of a plan. */
static sm_status reasons(const sm__plan *P, size_t a, const sm__plan_value *v, char **out) {
  const sm__plan_ward *W = &P->w[a];
  char b[8][128], first[16], last[16];
  sm__plan_month(P, 0, first, sizeof first), sm__plan_month(P, P->T - 1, last, sizeof last);
  unsigned K = P->K;
  sm_buf t = {0};
  int bad = 0;
  if (W->total == 0)
    bad |= sm__buf_printf(&t, "No burglaries were recorded in this ward from %s to %s (rank %ld of %zu wards).", first,
                          last, W->rank, P->nw) != SM_OK;
  else
    bad |= sm__buf_printf(&t, "%s burglaries from %s to %s, rank %ld of %zu wards%s%s%s.",
                          sm__plan_value_str(&v[SM_PV_TOTAL], SM_PV_TOTAL, K, b[0], sizeof b[0]), first, last, W->rank,
                          P->nw, v[SM_PV_SHARE_PCT].null || suppressed(P, W->total) ? "" : " (",
                          v[SM_PV_SHARE_PCT].null || suppressed(P, W->total)
                              ? ""
                              : sm__plan_value_str(&v[SM_PV_SHARE_PCT], SM_PV_SHARE_PCT, K, b[1], sizeof b[1]),
                          v[SM_PV_SHARE_PCT].null || suppressed(P, W->total) ? "" : "% of the borough's)") != SM_OK;
  if (P->T >= 24)
    bad |= sm__buf_printf(&t, " %s in the last 12 months against %s in the 12 before%s%s%s.",
                          sm__plan_value_str(&v[SM_PV_LAST12], SM_PV_LAST12, K, b[2], sizeof b[2]),
                          sm__plan_value_str(&v[SM_PV_PREV12], SM_PV_PREV12, K, b[3], sizeof b[3]),
                          v[SM_PV_CHANGE_PCT].null || suppressed(P, W->last12) || suppressed(P, W->prev12) ? "" : " (",
                          v[SM_PV_CHANGE_PCT].null || suppressed(P, W->last12) || suppressed(P, W->prev12)
                              ? ""
                              : sm__plan_value_str(&v[SM_PV_CHANGE_PCT], SM_PV_CHANGE_PCT, K, b[4], sizeof b[4]),
                          v[SM_PV_CHANGE_PCT].null || suppressed(P, W->last12) || suppressed(P, W->prev12) ? "" : "%)") != SM_OK;
  else bad |= sm__buf_printf(&t, " Change on the year before: %s.", W->change_note) != SM_OK;
  if (W->has_mk)
    bad |= sm__buf_printf(&t, " Trend: %s (Mann-Kendall Z %.2f, p %.2g).", W->trend, W->mk.z, W->mk.p) != SM_OK;
  else if (W->total > 0) bad |= sm__buf_printf(&t, " Trend: %s.", W->trend_note) != SM_OK;
  if (W->n_peak) bad |= sm__buf_printf(&t, " Peak months: %s.", W->peak) != SM_OK;
  if (!v[SM_PV_RATE].null && suppressed(P, W->last12))
    bad |= sm__buf_printf(&t, " Rate per 1,000 households: not shown (fewer than %u burglaries in the last 12 months; "
                          "borough %.1f).", K, P->brate) != SM_OK;
  else if (!v[SM_PV_RATE].null)
    bad |= sm__buf_printf(&t, " %s burglaries a year per 1,000 households (borough %.1f).",
                          sm__plan_value_str(&v[SM_PV_RATE], SM_PV_RATE, K, b[5], sizeof b[5]), P->brate) != SM_OK;
  if (P->where.gi_ok)
    bad |= sm__buf_printf(&t, " Gi* among the wards: %s%s%s.", W->gi_class, P->where.lisa[a][0] ? "; local Moran: " : "",
                          P->where.lisa[a]) != SM_OK;
  if (P->where.fishnet_ok) bad |= sm__buf_printf(&t, " Hot cells: %d.", P->where.hot[a][0]) != SM_OK;
  if (W->repeat_locations)
    bad |= sm__buf_printf(&t, " Repeat locations in the last 12 months: %zu (%s burglaries).", W->repeat_locations,
                          sm__plan_value_str(&v[SM_PV_REPEAT_INCIDENTS], SM_PV_REPEAT_INCIDENTS, K, b[6], sizeof b[6])) != SM_OK;
  if (W->top_street) bad |= sm__buf_printf(&t, " Most burglaries: %s.", W->top_street) != SM_OK;
  const sm__plan_next *X = &P->next;
  if (X->em_ok && X->em_category[a] >= 0)
    bad |= sm__buf_printf(&t, " Emerging hot spot analysis: %s.", v[SM_PV_EMERGING_CATEGORY].text) != SM_OK;
  if (X->pm_ok)
    bad |= sm__buf_printf(&t, " Next month (%s): %lld of ProMap's %zu top cells (%.1f%% of the borough's forecast).",
                          X->pm_month, (long long)X->pm_cells[a], X->pm_top, 100 * X->pm_share[a]) != SM_OK;
  if (bad) {
    sm__free(t.s);
    return sm__error(P->ctx, SM_E_NOMEM, "out of memory");
  }
  *out = t.s;
  return SM_OK;
}

/* The categories of the fishnet's cells in ward a, counted: "2 new hot spots, 1 persistent hot spot" ("" when no
 * cell has a pattern); ArcGIS's names in lower case. */
static sm_status emerging_cells(const sm__plan *P, size_t a, char **out) {
  sm_buf t = {0};
  int bad = sm__buf_printf(&t, "%s", "") != SM_OK;
  for (int c = 1; !bad && c < 17; c++) {
    int k = P->next.em_cells[a][c];
    if (!k) continue;
    char name[48];
    snprintf(name, sizeof name, "%s", sm_ehsa_category_str((sm_ehsa_category)c));
    for (char *q = name; *q; q++)
      if (*q >= 'A' && *q <= 'Z') *q = (char)(*q - 'A' + 'a');
    bad = sm__buf_printf(&t, "%s%d %s%s", t.n ? ", " : "", k, name, k > 1 ? "s" : "") != SM_OK;
  }
  if (bad) {
    sm__free(t.s);
    return sm__error(P->ctx, SM_E_NOMEM, "out of memory");
  }
  *out = t.s;
  return SM_OK;
}

static sm_status ward_row(const sm__plan *P, sm_layer *L, size_t a, const char *summary) {
  sm_ctx *ctx = P->ctx;
  const sm__plan_ward *W = &P->w[a];
  const sm__plan_where *G = &P->where;
  sm__plan_value v[SM_PV_END_];
  sm__plan_values(P, a, v);
  size_t ws, row;
  const unsigned char *wkb = sm_areas_wkb(P->areas, a, &ws);
  sm_status st = sm_layer_add_feature(ctx, L, wkb, ws, &row);
  int year = P->T >= 12, full = P->T >= 24;
  int hide_change = suppressed(P, W->last12) || suppressed(P, W->prev12);
  if (!st) st = sm_layer_set_string(ctx, L, row, W_CODE, sm_areas_id(P->areas, a));
  if (!st) st = sm_layer_set_string(ctx, L, row, W_NAME, sm_areas_name(P->areas, a));
  if (!st) st = sm_layer_set_int(ctx, L, row, W_RANK, W->rank);
  if (!st) st = set_count(P, L, row, W_TOTAL, 1, W->total, NULL);
  if (!st) st = set_count(P, L, row, W_LAST12, year, W->last12, "not enough data (fewer than 12 months)");
  if (!st) st = set_count(P, L, row, W_PREV12, full, W->prev12, "not enough data (fewer than 24 months)");
  if (!st && full && !hide_change) st = sm_layer_set_int(ctx, L, row, W_CHANGE, W->last12 - W->prev12);
  if (!st && !hide_change) st = set_double(ctx, L, row, W_CHANGE_PCT, v[SM_PV_CHANGE_PCT].num);
  if (!st) st = sm_layer_set_string(ctx, L, row, W_CHANGE_NOTE, full && hide_change ? "suppressed: made from a count below the threshold" : W->change_note);
  if (!st && W->has_mk) st = sm_layer_set_double(ctx, L, row, W_MK_S, W->mk.S);
  if (!st && W->has_mk) st = sm_layer_set_double(ctx, L, row, W_MK_Z, W->mk.z);
  if (!st && W->has_mk) st = sm_layer_set_double(ctx, L, row, W_MK_P, W->mk.p);
  if (!st && W->has_mk) st = sm_layer_set_double(ctx, L, row, W_MK_TAU, W->mk.tau);
  if (!st) st = sm_layer_set_string(ctx, L, row, W_TREND, W->trend);
  if (!st) st = sm_layer_set_string(ctx, L, row, W_TREND_NOTE, W->trend_note);
  if (!st) st = sm_layer_set_string(ctx, L, row, W_PEAK, W->peak);
  if (!st && W->n_peak && !suppressed(P, W->total)) st = sm_layer_set_double(ctx, L, row, W_PEAK_MEAN, W->peak_mean);
  if (!st && !suppressed(P, W->total)) st = set_double(ctx, L, row, W_SHARE, v[SM_PV_SHARE_PCT].num / 100.0);
  if (!st && P->hh) st = sm_layer_set_double(ctx, L, row, W_HH, P->hh[a]);
  if (!st && !suppressed(P, W->last12)) st = set_double(ctx, L, row, W_RATE, v[SM_PV_RATE].num);
  if (!st) st = set_double(ctx, L, row, W_BRATE, v[SM_PV_BOROUGH_RATE].num);
  if (!st && G->gi_ok) {
    st = set_double(ctx, L, row, W_GI_Z, G->gi_z[a]);
    if (!st) st = set_double(ctx, L, row, W_GI_P, G->gi_p[a]);
    if (!st) st = sm_layer_set_int(ctx, L, row, W_GI_BIN, G->gi_bin[a]);
    if (!st) st = sm_layer_set_int(ctx, L, row, W_GI_BIN_FDR, G->gi_bin_fdr[a]);
    if (!st) st = sm_layer_set_string(ctx, L, row, W_GI_CLASS, W->gi_class);
    if (!st) st = sm_layer_set_string(ctx, L, row, W_LISA, G->lisa[a]);
  }
  for (int k = 0; !st && G->fishnet_ok && k < 4; k++)
    st = sm_layer_set_int(ctx, L, row, k == 0 ? W_HOT : (size_t)(W_HOT90 - (k - 1)), G->hot[a][k]);
  if (!st) st = sm_layer_set_int(ctx, L, row, W_REP_LOC, (int64_t)W->repeat_locations);
  if (!st) st = set_count(P, L, row, W_REP_INC, 1, W->repeat_incidents, NULL);
  if (!st) st = sm_layer_set_string(ctx, L, row, W_TOP_STREET, W->top_street);
  if (!st) st = sm_layer_set_string(ctx, L, row, W_NR_WINDOW, G->nr_ok ? G->nr_window : G->nr_note);
  char *why = NULL;
  if (!st) st = reasons(P, a, v, &why);
  if (!st) st = sm_layer_set_string(ctx, L, row, W_REASONS, why);
  sm__free(why);
  if (!st) st = sm_layer_set_string(ctx, L, row, W_ACTIONS, summary);
  const sm__plan_next *X = &P->next;
  if (!st && X->em_ok) st = sm_layer_set_string(ctx, L, row, W_EM_CAT, v[SM_PV_EMERGING_CATEGORY].text);
  char *cells = NULL;
  if (!st && X->emc_ok) st = emerging_cells(P, a, &cells);
  if (!st && X->emc_ok) st = sm_layer_set_string(ctx, L, row, W_EM_CELLS, cells);
  sm__free(cells);
  for (int k = 0; !st && X->kde_ok && k < SM__PLAN_KDE_LEVELS; k++)
    st = sm_layer_set_double(ctx, L, row, W_KDE50 + (size_t)k, X->kde_m2[a][k]);
  if (!st && X->pm_ok) st = sm_layer_set_int(ctx, L, row, W_PM_CELLS, X->pm_cells[a]);
  if (!st && X->pm_ok) st = sm_layer_set_double(ctx, L, row, W_PM_SHARE, X->pm_share[a]);
  return st;
}

static sm_status wards(const sm__plan *P, char **summary, sm_layer **out) {
  sm_layer *L = NULL;
  sm_status st = make(P->ctx, &L, "plan_wards", SM_GEOM_MULTIPOLYGON, sm_areas_crs(P->areas), WC, W_END_);
  for (size_t k = 0; !st && k < P->nw; k++)
    if (wanted(P, P->order[k])) st = ward_row(P, L, P->order[k], summary[P->order[k]]);
  if (!st) st = meta(P, L, "per-ward burglary plan: counts, the last 12 months against the 12 before, the Mann-Kendall "
                            "trend, seasonality, rank and share, rates, Gi* and local Moran among the wards, the "
                            "fishnet's hot cells, repeat locations, the top street, the near-repeat window, the "
                            "reasons and the actions of the rules");
  if (!st && P->where.nr_cells) st = sm_layer_set_metadata(P->ctx, L, "near_repeat_cells", P->where.nr_cells);
  if (st) sm_layer_destroy(L);
  else *out = L;
  return st;
}

sm_status sm__plan_layers(sm__plan *P, sm_result *r, size_t *n_actions) {
  sm_ctx *ctx = P->ctx;
  sm_layer *Ls[8] = {NULL};
  char **summary = sm__calloc(P->nw ? P->nw : 1, sizeof *summary);
  sm_status st = summary ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) st = streets(P, &Ls[2]);
  if (!st) st = repeats(P, &Ls[3]);
  if (!st) st = months(P, &Ls[1]);
  if (!st) st = actions(P, &Ls[5], summary, n_actions);
  if (!st) st = wards(P, summary, &Ls[0]);
  if (!st) {
    Ls[4] = P->where.hot_cells;
    P->where.hot_cells = NULL;
    static const col H[] = {{"ward_code", SM_FIELD_STRING}, {"ward_name", SM_FIELD_STRING}, {"cell_id", SM_FIELD_INT64},
                            {"count", SM_FIELD_INT64},      {"gi_z", SM_FIELD_DOUBLE},      {"gi_bin_fdr", SM_FIELD_INT64}};
    if (!Ls[4]) /* the fishnet was not run: the same columns, no row */
      st = make(ctx, &Ls[4], "plan_hot_cells", SM_GEOM_POLYGON, sm_areas_crs(P->areas), H, sizeof H / sizeof *H);
    if (!st) st = meta(P, Ls[4], "the optimised fishnet's hot cells (gi_bin_fdr > 0) whose centre is in a ward");
  }
  if (!st) {
    Ls[6] = P->next.kde_areas, P->next.kde_areas = NULL;
    Ls[7] = P->next.pm_layer, P->next.pm_layer = NULL;
    if (!Ls[6] || !Ls[7]) st = sm__error(ctx, SM_E_INVALID_ARG, "plan: the KDE or ProMap layer was not made");
  }
  if (!st)
    st = meta(P, Ls[6], "the borough KDE's 50, 75 and 90% hot-spot areas clipped to each ward (kde_note): one row per "
                        "ward and level with a part in the ward; area_m2, ward_share of the ward's area");
  if (!st) st = meta(P, Ls[7], "ProMap's top 5% cells for the month after the last (promap_note) whose centre is in a "
                               "ward: rank among the borough's top cells, expected = the cell's ProMap risk");
  for (size_t a = 0; summary && a < P->nw; a++) sm__free(summary[a]);
  sm__free(summary);
  static const char *const suffix[8] = {NULL,         "_months",  "_streets",   "_repeats",
                                        "_hot_cells", "_actions", "_kde_areas", "_promap_cells"};
  for (int k = 0; k < 8; k++) {
    if (!st) st = sm__result_add_layer(ctx, r, Ls[k], suffix[k]);
    else sm_layer_destroy(Ls[k]);
  }
  return st;
}
