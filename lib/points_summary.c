/* The info pipeline (points.h, sm_points_summary_run): what is in the points and what they allow. */
#include "internal/options.h"
#include "internal/result_build.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

SM__OPTIONS_INIT_FN(sm_points_summary_options, sm_points_summary_options_init, SM_POINTS_SUMMARY_OPTIONS_VERSION, SM_POINTS_SUMMARY_OPTIONS_INIT)

static sm_status fig(sm_ctx *ctx, sm_result *r, const char *name, double v) { return sm__result_figure(ctx, r, name, v); }

static sm_status extent_figures(sm_ctx *ctx, sm_result *r, const sm_points *p) {
  size_t n = sm_points_count(p);
  const double *x = sm_points_x(p), *y = sm_points_y(p), *lon = sm_points_lon(p), *lat = sm_points_lat(p);
  double e[4] = {NAN, NAN, NAN, NAN}, g[4] = {NAN, NAN, NAN, NAN};
  for (size_t i = 0; i < n; i++) {
    e[0] = i ? fmin(e[0], x[i]) : x[i], e[1] = i ? fmin(e[1], y[i]) : y[i];
    e[2] = i ? fmax(e[2], x[i]) : x[i], e[3] = i ? fmax(e[3], y[i]) : y[i];
    if (lon) {
      g[0] = i ? fmin(g[0], lon[i]) : lon[i], g[1] = i ? fmin(g[1], lat[i]) : lat[i];
      g[2] = i ? fmax(g[2], lon[i]) : lon[i], g[3] = i ? fmax(g[3], lat[i]) : lat[i];
    }
  }
  static const char *en[4] = {"xmin", "ymin", "xmax", "ymax"}, *gn[4] = {"lon_min", "lat_min", "lon_max", "lat_max"};
  sm_status st = SM_OK;
  for (int k = 0; k < 4 && !st; k++) st = fig(ctx, r, en[k], e[k]);
  for (int k = 0; k < 4 && !st; k++) st = fig(ctx, r, gn[k], g[k]);
  return st;
}

/* The time span and what its resolution allows. */
static sm_status time_figures(sm_ctx *ctx, sm_result *r, const sm_points *p, int64_t *t0, int64_t *t1) {
  size_t n = sm_points_count(p), untimed = 0;
  sm_time_res res = sm_points_time_resolution(p);
  const int64_t *t = sm_points_time(p);
  *t0 = INT64_MAX, *t1 = INT64_MIN;
  for (size_t i = 0; i < n; i++) {
    if (t[i] == SM_TIME_MISSING) {
      untimed++;
      continue;
    }
    if (t[i] < *t0) *t0 = t[i];
    if (t[i] > *t1) *t1 = t[i];
  }
  char a[40] = "", z[40] = "";
  if (res != SM_TIME_NONE && *t0 <= *t1) sm_time_format(*t0, res, a, sizeof a), sm_time_format(*t1, res, z, sizeof z);
  const char *analyses = res == SM_TIME_MONTH ? "month-only dates: near-repeat analysis in months only (--time-unit month); "
                                                "weekly and daily analyses are not possible"
                                              : "";
  sm_status st = fig(ctx, r, "untimed", (double)untimed);
  if (!st) st = sm__result_text(ctx, r, "time_first", a);
  if (!st) st = sm__result_text(ctx, r, "time_last", z);
  if (!st) st = sm__result_text(ctx, r, "analyses", analyses);
  return st;
}

static sm_status stacking_figures(sm_ctx *ctx, sm_result *r, const sm_points *p, size_t max_top) {
  sm_stacking sk = {0};
  size_t *tp = sm__calloc(max_top + 1, sizeof *tp), *tc = sm__calloc(max_top + 1, sizeof *tc);
  sm_status st = tp && tc ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st && sm_points_count(p)) st = sm_points_stacking(ctx, p, &sk, max_top, tp, tc);
  if (!st) st = fig(ctx, r, "locations", (double)sk.n_locations);
  if (!st) st = fig(ctx, r, "stacked_locations", (double)sk.n_stacked_locations);
  size_t ntop = 0;
  while (ntop < sk.n_top && tc[ntop] > 1) ntop++;
  if (!st) st = fig(ctx, r, "top_count", (double)ntop);
  for (size_t k = 0; k < ntop && !st; k++) {
    char name[48];
    snprintf(name, sizeof name, "top_%zu_points", k);
    st = fig(ctx, r, name, (double)tc[k]);
    snprintf(name, sizeof name, "top_%zu_point", k);
    if (!st) st = fig(ctx, r, name, (double)tp[k]);
  }
  if (!st)
    st = sm__result_text(ctx, r, "stacking_note",
                         sm_points_is_policeuk(p) ? "police.uk moves every crime to an anonymous snap point; stacks are not exact locations" : "");
  sm__free(tp), sm__free(tc);
  return st;
}

typedef struct {
  const char *k;
  uint64_t v;
} kv;

static int cmp_kv(const void *a, const void *b) {
  const kv *x = a, *y = b;
  if (x->v != y->v) return x->v > y->v ? -1 : 1;
  return strcmp(x->k, y->k);
}

/* A table of (text, count) rows. */
static sm_status table(sm_ctx *ctx, sm_layer **out, const char *name, const char *key, const kv *rows, size_t n) {
  size_t fk, fc;
  sm_status st = sm_layer_create(ctx, out, name, SM_GEOM_NONE, NULL);
  if (!st) st = sm_layer_add_field(ctx, *out, key, SM_FIELD_STRING, &fk);
  if (!st) st = sm_layer_add_field(ctx, *out, "count", SM_FIELD_INT64, &fc);
  for (size_t i = 0; i < n && !st; i++) {
    size_t row;
    st = sm_layer_add_feature(ctx, *out, NULL, 0, &row);
    if (!st) st = sm_layer_set_string(ctx, *out, row, fk, rows[i].k);
    if (!st) st = sm_layer_set_int(ctx, *out, row, fc, (int64_t)rows[i].v);
  }
  return st;
}

static sm_status categories(sm_ctx *ctx, sm_result *res, const sm_points *p) {
  size_t n = sm_points_count(p), nc = sm_points_category_count(p), m = 0;
  const int32_t *cat = sm_points_category(p);
  uint64_t *cc = sm__calloc(nc + 1, sizeof *cc);
  kv *kvs = sm__calloc(nc + 1, sizeof *kvs);
  sm_layer *L = NULL;
  sm_status st = cc && kvs ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st && nc) {
    for (size_t i = 0; i < n; i++) cc[cat[i] < 0 ? nc : (size_t)cat[i]]++;
    for (size_t c = 0; c < nc; c++)
      if (cc[c]) kvs[m++] = (kv){sm_points_category_name(p, c), cc[c]};
    if (cc[nc]) kvs[m++] = (kv){"(no category)", cc[nc]};
    qsort(kvs, m, sizeof *kvs, cmp_kv);
  }
  if (!st) st = table(ctx, &L, "categories", "category", kvs, m);
  if (!st) st = sm__result_add_layer(ctx, res, L, NULL);
  else sm_layer_destroy(L);
  sm__free(cc), sm__free(kvs);
  return st;
}

static sm_status months(sm_ctx *ctx, sm_result *res, const sm_points *p, int64_t t0, int64_t t1) {
  if (sm_points_time_resolution(p) == SM_TIME_NONE || t0 > t1) return SM_OK;
  int32_t m0 = sm_time_month_index(t0), m1 = sm_time_month_index(t1);
  size_t nm = (size_t)(m1 - m0 + 1), n = sm_points_count(p);
  if (nm > 100000) return SM_OK; /* not a crime series: no table */
  const int64_t *t = sm_points_time(p);
  kv *rows = sm__calloc(nm, sizeof *rows);
  char *names = sm__calloc(nm, 16);
  sm_layer *L = NULL;
  sm_status st = rows && names ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < n && !st; i++)
    if (t[i] != SM_TIME_MISSING) rows[sm_time_month_index(t[i]) - m0].v++;
  for (size_t i = 0; i < nm && !st; i++) {
    snprintf(names + 16 * i, 16, "%04d-%02d", (m0 + (int)i) / 12, (m0 + (int)i) % 12 + 1);
    rows[i].k = names + 16 * i;
  }
  if (!st) st = table(ctx, &L, "months", "month", rows, nm);
  if (!st) st = sm__result_add_layer(ctx, res, L, "_months");
  else sm_layer_destroy(L);
  sm__free(rows), sm__free(names);
  return st;
}

static sm_status area_table(sm_ctx *ctx, sm_layer **L, const sm_areas *areas, const uint64_t *ac) {
  size_t fi, fn, fc, na = sm_areas_count(areas);
  sm_status st = sm_layer_create(ctx, L, "areas", SM_GEOM_NONE, NULL);
  if (!st) st = sm_layer_add_field(ctx, *L, "area_id", SM_FIELD_STRING, &fi);
  if (!st) st = sm_layer_add_field(ctx, *L, "area_name", SM_FIELD_STRING, &fn);
  if (!st) st = sm_layer_add_field(ctx, *L, "count", SM_FIELD_INT64, &fc);
  for (size_t k = 0; k < na && !st; k++) {
    size_t row;
    st = sm_layer_add_feature(ctx, *L, NULL, 0, &row);
    if (!st) st = sm_layer_set_string(ctx, *L, row, fi, sm_areas_id(areas, k));
    if (!st) st = sm_layer_set_string(ctx, *L, row, fn, sm_areas_name(areas, k));
    if (!st) st = sm_layer_set_int(ctx, *L, row, fc, (int64_t)ac[k]);
  }
  return st;
}

/* Points per area, and how far those outside every area lie. */
static sm_status area_counts(sm_ctx *ctx, sm_result *res, const sm_points *p, const sm_areas *areas) {
  size_t n = sm_points_count(p), na = sm_areas_count(areas), outside = 0;
  int32_t *where = sm__malloc((n ? n : 1) * sizeof *where);
  uint64_t *ac = sm__calloc(na ? na : 1, sizeof *ac);
  sm_layer *L = NULL;
  sm_areas_outside o = {0};
  sm_status st = where && ac ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) st = sm_areas_locate(ctx, areas, p, where, &outside);
  if (!st) st = sm_areas_outside_distance(ctx, areas, p, where, &o);
  for (size_t i = 0; i < n && !st; i++)
    if (where[i] >= 0) ac[where[i]]++;
  char note[512];
  sm_areas_outside_describe(&o, sm_points_is_policeuk(p), note, sizeof note);
  if (!st) st = area_table(ctx, &L, areas, ac);
  if (!st) st = sm__result_add_layer(ctx, res, L, "_areas");
  else sm_layer_destroy(L);
  if (!st) st = fig(ctx, res, "points_outside_areas", (double)outside);
  if (!st) st = fig(ctx, res, "outside_max_m", o.max_m);
  if (!st) st = sm__result_text(ctx, res, "outside_note", note);
  sm__free(where), sm__free(ac);
  return st;
}

sm_status sm_points_summary_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                                const sm_points_summary_options *opts) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_points_summary_run: NULL result");
  *out = NULL;
  sm_points_summary_options d = SM_POINTS_SUMMARY_OPTIONS_INIT;
  if (!opts) opts = &d;
  sm_status vst_ = sm__options_version(ctx, "sm_points_summary_run", opts->version, SM_POINTS_SUMMARY_OPTIONS_VERSION);
  if (vst_) return vst_;
  if (!points) return sm__error(ctx, SM_E_INVALID_ARG, "sm_points_summary_run: no points");
  sm_result *r = NULL;
  int64_t t0, t1;
  sm_status st = sm__result_create(ctx, &r);
  if (!st) st = fig(ctx, r, "sources", (double)sm_points_source_count(points));
  if (!st) st = fig(ctx, r, "police_uk", sm_points_is_policeuk(points) ? 1 : 0);
  if (!st) st = fig(ctx, r, "rows_read", (double)sm_points_rows_read(points));
  if (!st) st = fig(ctx, r, "points", (double)sm_points_count(points));
  if (!st) st = extent_figures(ctx, r, points);
  if (!st) st = time_figures(ctx, r, points, &t0, &t1);
  if (!st) st = stacking_figures(ctx, r, points, opts->max_top);
  if (!st) st = categories(ctx, r, points);
  if (!st) st = months(ctx, r, points, t0, t1);
  if (!st && areas) st = area_counts(ctx, r, points, areas);
  if (st) {
    sm_result_destroy(r);
    return st;
  }
  *out = r;
  return SM_OK;
}
