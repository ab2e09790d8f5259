/* The pieces of the forecasting pipelines (forecast_run.c): steps, the shared parameters, the incidents on ProMap's
 * grid, the surfaces, the score tables, the recipes and the top cells. */
#include "forecast_internal.h"
#include "internal/limits.h"

#include "internal/recipe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- steps -------------------------------------------------------------------------------------------------- */

/* Whole-number floor division. */
static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/* A time's step: its month index, or its week from Monday (1970-01-05 opens week 1). */
static int32_t step_of(int64_t t, int weekly) {
  return weekly ? (int32_t)floor_div(floor_div(t, 86400) + 3, 7) : sm_time_month_index(t);
}

/* A step's label: "YYYY-MM", or the date of its Monday. */
void sm__fc_step_label(int32_t m, int weekly, char *buf, size_t size) {
  if (weekly) sm_time_format(((int64_t)m * 7 - 3) * 86400, SM_TIME_DAY, buf, size);
  else snprintf(buf, size, "%04d-%02d", (int)floor_div(m, 12), (int)(m - 12 * floor_div(m, 12) + 1));
}

/* --at: a month (YYYY-MM), or with weekly steps a date (the week holding it). */
sm_status sm__fc_parse_step(sm_ctx *ctx, const char *s, int weekly, int32_t *m) {
  int64_t t;
  sm_time_res r;
  if (sm_time_parse(s, strlen(s), &t, &r) || (weekly && r < SM_TIME_DAY))
    return sm__error(ctx, SM_E_INVALID_ARG, "--at '%s' is not a %s", s,
                     weekly ? "date (YYYY-MM-DD): the week holding it" : "month (YYYY-MM)");
  *m = step_of(t, weekly);
  return SM_OK;
}

/* ---- the parameters both pipelines share ---------------------------------------------------------------------- */

const char *sm__fc_out_name(int weekly, int kind) {
  static const char *const names[2][3] = {{"promap", "kde", "last_month"}, {"promap", "kde", "last_week"}};
  return names[weekly != 0][kind];
}

/* Checks and resolves the shared options (as the command line names them). */
sm_status sm__fc_params_set(sm_ctx *ctx, fc_params *p, sm_forecast_bin bin, double cell, int sbw, int tbw, double bw,
                            int kde_months, int kde_weeks, const double *cov, size_t ncov, int curve) {
  memset(p, 0, sizeof *p);
  if ((int)bin < 0 || bin >= SM_FORECAST_BIN_END_) return sm__error(ctx, SM_E_INVALID_ARG, "--bin: unknown step %d", (int)bin);
  int w = p->weekly = bin == SM_FORECAST_BIN_WEEK;
  if ((w && kde_months) || (!w && kde_weeks))
    return sm__error(ctx, SM_E_INVALID_ARG, "%s", w ? "--kde-months is for monthly steps: with --bin week give --kde-weeks"
                                                    : "--kde-weeks is for --bin week: with monthly steps give --kde-months");
  if (!(cell > 0) || !(bw > 0) || !isfinite(cell) || !isfinite(bw))
    return sm__error(ctx, SM_E_INVALID_ARG, "--cell and --bandwidth need metres > 0");
  if (sbw < 1 || tbw < 0) return sm__error(ctx, SM_E_INVALID_ARG, "--space-bandwidth and --time-bandwidth need whole numbers >= 1");
  if (kde_months < 0 || kde_weeks < 0)
    return sm__error(ctx, SM_E_INVALID_ARG, "--kde-%s needs a whole number >= 1", w ? "weeks" : "months");
  if (ncov && !cov) return sm__error(ctx, SM_E_INVALID_ARG, "coverages: NULL with a count of %zu", ncov);
  p->cell = cell, p->bw = bw, p->space_bw = sbw, p->time_bw = tbw ? tbw : w ? 8 : 2;
  p->kde_steps = w ? (kde_weeks ? kde_weeks : 52) : (kde_months ? kde_months : 12);
  p->curve = curve != 0;
  size_t n = p->curve ? 100 : ncov ? ncov : 1;
  sm_buf b = {0};
  sm_status st = SM_OK;
  for (size_t k = 0; !p->curve && k < ncov && !st; k++) st = sm__buf_printf(&b, "%s%g", k ? "," : "", cov[k]);
  if (st) return sm__free(b.s), sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t k = 0; !p->curve && k < ncov; k++)
    if (!(cov[k] > 0 && cov[k] <= 1)) {
      st = sm__error(ctx, SM_E_INVALID_ARG, "--coverage '%s' is not a list of shares in (0, 1] (or 'curve')", b.s);
      sm__free(b.s);
      return st;
    }
  snprintf(p->cov_text, sizeof p->cov_text, "%s", p->curve ? "curve" : ncov ? b.s : "0.05");
  sm__free(b.s);
  if (!(p->cov = sm__malloc(n * sizeof *p->cov))) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t k = 0; k < n; k++) p->cov[k] = p->curve ? (double)(k + 1) / 100.0 : ncov ? cov[k] : 0.05;
  p->ncov = n;
  return SM_OK;
}

/* ---- the incidents in steps, on ProMap's grid ------------------------------------------------------------------ */

void sm__fc_data_free(fc_data *d) {
  sm__free(d->tm), sm__free(d->px), sm__free(d->py);
  d->tm = d->px = d->py = NULL;
}

sm_status sm__fc_data_prepare(sm_ctx *ctx, fc_data *d, const sm_points *p, const sm_areas *areas, const fc_params *q) {
  memset(d, 0, sizeof *d);
  size_t n = sm_points_count(p);
  if (sm_points_time_resolution(p) == SM_TIME_NONE)
    return sm__error(ctx, SM_E_INPUT, "the incidents have no time: forecasting needs dates or months (--time COL)");
  if (q->weekly && sm_points_time_resolution(p) == SM_TIME_MONTH)
    return sm__error(ctx, SM_E_INPUT, "--bin week needs dates, but the incidents' times are months only (police.uk "
                                      "publishes months): forecast by month");
  if (n < 2) return sm__error(ctx, SM_E_INPUT, "%zu incident%s: nothing to forecast from", n, n == 1 ? "" : "s");
  if (areas && !sm__crs_equal(ctx, sm_areas_crs(areas), sm_points_crs(p)))
    return sm__error(ctx, SM_E_CRS, "the wards are in %s but the incidents in %s", sm_areas_crs(areas), sm_points_crs(p));
  if (areas) sm_areas_extent(areas, d->e);
  else sm_units_points_extent(p, q->cell, d->e);
  d->from_areas = areas != NULL;
  double c = q->cell;
  d->W = (size_t)ceil((d->e[2] - d->e[0]) / c - 1e-9), d->H = (size_t)ceil((d->e[3] - d->e[1]) / c - 1e-9); /* sm_promap's */
  if (d->W < 1) d->W = 1;
  if (d->H < 1) d->H = 1;
  char what[96];
  snprintf(what, sizeof what, "a %zu x %zu grid of %g m cells", d->W, d->H, c);
  sm_status lst = sm__limit_check(ctx, SM_LIMIT_CELLS, (double)d->W * (double)d->H, (double)d->W * (double)d->H * 8, what,
                                  areas ? "use a larger --cell or smaller --wards" : "use a larger --cell or a smaller --extent");
  if (lst) return lst;
  d->tm = sm__malloc(n * sizeof *d->tm), d->px = sm__malloc(n * sizeof *d->px), d->py = sm__malloc(n * sizeof *d->py);
  if (!d->tm || !d->px || !d->py) return sm__error(ctx, SM_E_NOMEM, "out of memory"); /* the caller frees */
  const int64_t *t = sm_points_time(p);
  d->m0 = INT32_MAX, d->m1 = INT32_MIN;
  for (size_t i = 0; i < n; i++) {
    int32_t mi = step_of(t[i], q->weekly);
    d->tm[i] = mi;
    if (mi < d->m0) d->m0 = mi;
    if (mi > d->m1) d->m1 = mi;
  }
  d->n = n, d->x = sm_points_x(p), d->y = sm_points_y(p), d->crs = sm_points_crs(p);
  sm__fc_step_label(d->m0, q->weekly, d->first, sizeof d->first), sm__fc_step_label(d->m1, q->weekly, d->last, sizeof d->last);
  return SM_OK;
}

/* Non-zero when (x, y) falls in a grid cell. */
int sm__fc_on_grid(const fc_data *d, double c, double x, double y, size_t *col, size_t *row) {
  double fc = floor((x - d->e[0]) / c), fr = floor((y - d->e[1]) / c);
  if (!(fc >= 0 && fr >= 0 && fc < (double)d->W && fr < (double)d->H)) return 0;
  if (col) *col = (size_t)fc, *row = d->H - 1 - (size_t)fr;
  return 1;
}

/* The KDE of the last kde_steps steps before m, of the incidents inside the grid (a zero surface when none). */
static sm_status kde_surface(sm_ctx *ctx, const fc_data *d, const fc_params *q, int32_t m, sm_raster **out) {
  size_t k = 0, W = d->W, H = d->H;
  double c = q->cell;
  for (size_t i = 0; i < d->n; i++)
    if (d->tm[i] < m && d->tm[i] >= m - q->kde_steps && sm__fc_on_grid(d, c, d->x[i], d->y[i], NULL, NULL))
      d->px[k] = d->x[i], d->py[k] = d->y[i], k++;
  if (k == 0) return sm_raster_create(ctx, out, W, H, d->e[0], d->e[1] + (double)H * c, c, d->crs);
  sm_points *kp = NULL;
  sm_raster *kd = NULL;
  sm_status st = sm_points_create(ctx, &kp, d->crs, k, d->px, d->py, NULL, NULL);
  sm_kde_options ko = SM_KDE_OPTIONS_INIT;
  ko.bandwidth_m = q->bw, ko.bandwidth_rule = SM_BW_FIXED, ko.cell_m = c, ko.has_extent = 1;
  ko.extent[0] = d->e[0], ko.extent[1] = d->e[1], ko.extent[2] = d->e[0] + (double)W * c, ko.extent[3] = d->e[1] + (double)H * c;
  ko.units = SM_KDE_COUNT;
  if (!st) st = sm_kde(ctx, &kd, kp, &ko, NULL);
  sm_points_destroy(kp);
  if (!st && (sm_raster_width(kd) != W || sm_raster_height(kd) != H))
    st = sm__error(ctx, SM_E_INTERNAL, "the KDE's grid is not ProMap's"); /* the grids must match */
  if (st) sm_raster_destroy(kd), kd = NULL;
  *out = kd;
  return st;
}

/* The surface of `kind` for step m from the incidents before it, on ProMap's grid. */
sm_status sm__fc_surface(sm_ctx *ctx, const fc_data *d, const fc_params *q, int kind, int32_t m, sm_raster **out) {
  *out = NULL;
  if (kind == K_PROMAP) {
    sm_promap_options po = SM_PROMAP_OPTIONS_INIT;
    po.cell_m = q->cell, po.space_bandwidth = q->space_bw, po.time_bandwidth = q->time_bw;
    return sm_promap(ctx, out, d->n, d->x, d->y, d->tm, m, d->e, d->crs, &po);
  }
  if (kind == K_KDE) return kde_surface(ctx, d, q, m, out);
  double c = q->cell;
  sm_raster *r = NULL;
  sm_status st = sm_raster_create(ctx, &r, d->W, d->H, d->e[0], d->e[1] + (double)d->H * c, c, d->crs);
  double *v = st ? NULL : sm_raster_data(r);
  size_t col, row;
  for (size_t i = 0; !st && i < d->n; i++)
    if (d->tm[i] == m - 1 && sm__fc_on_grid(d, c, d->x[i], d->y[i], &col, &row)) v[row * d->W + col] += 1;
  const char *desc = q->weekly ? "last week's incidents per cell" : "last month's incidents per cell";
  if (!st) st = sm_raster_set_metadata(ctx, r, "description", desc);
  if (st) sm_raster_destroy(r), r = NULL;
  *out = r;
  return st;
}

/* The incidents of step m (into d->px, d->py); returns how many. */
size_t sm__fc_step_points(const fc_data *d, int32_t m) {
  size_t k = 0;
  for (size_t i = 0; i < d->n; i++)
    if (d->tm[i] == m) d->px[k] = d->x[i], d->py[k] = d->y[i], k++;
  return k;
}

/* ---- tables and recipes --------------------------------------------------------------------------------------- */

sm_status sm__fc_table_create(sm_ctx *ctx, score_table *t, const char *name, int weekly) {
  const char *const names[10] = {weekly ? "week" : "month", "incidents", "method", "coverage", "cells",
                                 "area_share",              "hits",      "hit_rate", "pai",     "pei"};
  static const sm_field_type types[10] = {SM_FIELD_STRING, SM_FIELD_INT64,  SM_FIELD_STRING, SM_FIELD_DOUBLE, SM_FIELD_INT64,
                                          SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE};
  sm_status st = sm_layer_create(ctx, &t->L, name, SM_GEOM_NONE, NULL);
  for (int i = 0; i < 10 && !st; i++) st = sm_layer_add_field(ctx, t->L, names[i], types[i], &t->f[i]);
  return st;
}

/* One scored step and method: a row per coverage (hit rate, PAI, PEI null when the step has no incident). */
sm_status sm__fc_table_add(sm_ctx *ctx, score_table *t, const char *step, size_t incidents, const char *method,
                           const sm_hit_rate *hr, size_t ncov) {
  sm_status st = SM_OK;
  for (size_t c = 0; c < ncov && !st; c++) {
    size_t row;
    st = sm_layer_add_feature(ctx, t->L, NULL, 0, &row);
    if (!st) st = sm_layer_set_string(ctx, t->L, row, t->f[0], step);
    if (!st) st = sm_layer_set_int(ctx, t->L, row, t->f[1], (int64_t)incidents);
    if (!st) st = sm_layer_set_string(ctx, t->L, row, t->f[2], method);
    if (!st) st = sm_layer_set_double(ctx, t->L, row, t->f[3], hr[c].coverage);
    if (!st) st = sm_layer_set_int(ctx, t->L, row, t->f[4], (int64_t)hr[c].cells);
    if (!st) st = sm_layer_set_double(ctx, t->L, row, t->f[5], hr[c].area_share);
    if (!st) st = sm_layer_set_double(ctx, t->L, row, t->f[6], hr[c].hits);
    if (!st && !isnan(hr[c].hit_rate)) st = sm_layer_set_double(ctx, t->L, row, t->f[7], hr[c].hit_rate);
    if (!st && !isnan(hr[c].pai)) st = sm_layer_set_double(ctx, t->L, row, t->f[8], hr[c].pai);
    if (!st && !isnan(hr[c].pei)) st = sm_layer_set_double(ctx, t->L, row, t->f[9], hr[c].pei);
  }
  return st;
}

sm_status sm__fc_put(sm_ctx *ctx, meta_target o, const char *key, const char *fmt, ...) {
  if (o.L ? sm_layer_metadata_get(o.L, key) != NULL : sm_raster_metadata_get(o.R, key) != NULL) return SM_OK;
  char v[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(v, sizeof v, fmt, ap);
  va_end(ap);
  return o.L ? sm_layer_set_metadata(ctx, o.L, key, v) : sm_raster_set_metadata(ctx, o.R, key, v);
}

sm_status sm__fc_recipe(sm_ctx *ctx, meta_target o, const recipe_args *a) {
  const fc_params *q = a->q;
  const fc_data *d = a->d;
  sm_status st = sm__fc_put(ctx, o, "bin", "%s", sm_forecast_bin_name((sm_forecast_bin)q->weekly));
  if (!st && a->at) st = sm__fc_put(ctx, o, "at", "%s", a->at);
  if (!st && a->method) st = sm__fc_put(ctx, o, "forecast_method", "%s", a->method);
  if (!st && a->evaluated) st = sm__fc_put(ctx, o, "evaluated_surface", "%s", a->evaluated);
  if (!st && !a->evaluated) {
    st = sm__fc_put(ctx, o, "cell_m", "%g", q->cell);
    if (!st) st = sm__fc_put(ctx, o, "space_bandwidth", "%d", q->space_bw);
    if (!st) st = sm__fc_put(ctx, o, "time_bandwidth", "%d", q->time_bw);
    if (!st) st = sm__fc_put(ctx, o, "bandwidth_m", "%g", q->bw);
    if (!st) st = sm__fc_put(ctx, o, q->weekly ? "kde_weeks" : "kde_months", "%d", q->kde_steps);
    if (!st) st = sm__fc_put(ctx, o, "grid_extent", "%.3f,%.3f,%.3f,%.3f (%zu x %zu cells from the corner of the %s extent)", d->e[0],
                      d->e[1], d->e[0] + (double)d->W * q->cell, d->e[1] + (double)d->H * q->cell, d->W, d->H,
                      d->from_areas ? "wards'" : "incidents'");
  }
  if (!st) st = sm__fc_put(ctx, o, "coverage", "%s", q->cov_text);
  if (!st && a->warmup >= 0) st = sm__fc_put(ctx, o, "warmup", "%d", a->warmup);
  if (!st) st = sm__fc_put(ctx, o, "time_span", "%s to %s", d->first, d->last);
  if (!st) st = o.L ? sm__layer_recipe_inputs(ctx, o.L, a->points, a->areas) : sm__raster_recipe_inputs(ctx, o.R, a->points, a->areas);
  return st;
}

/* The top share `cov` of the surface's cells with risk > 0 as polygons, highest first, ties by cell. */
typedef struct ranked_cell {
  double v;
  size_t i;
} ranked_cell;

static int cmp_cell(const void *a, const void *b) {
  const ranked_cell *p = a, *q = b;
  if (p->v != q->v) return p->v > q->v ? -1 : 1;
  return (p->i > q->i) - (p->i < q->i);
}

sm_status sm__fc_top_layer(sm_ctx *ctx, const sm_raster *R, double cov, const char *name, const char *crs, sm_layer **out) {
  size_t W = sm_raster_width(R), H = sm_raster_height(R), C = W * H, top = (size_t)ceil(cov * (double)C), fr, fv;
  const double *v = sm_raster_values(R);
  ranked_cell *ord = sm__malloc(C * sizeof *ord);
  if (!ord) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t q = 0; q < C; q++) ord[q].v = isnan(v[q]) ? -INFINITY : v[q], ord[q].i = q;
  qsort(ord, C, sizeof *ord, cmp_cell);
  char lname[64];
  snprintf(lname, sizeof lname, "%s_top", name);
  sm_layer *L = NULL;
  sm_status st = sm_layer_create(ctx, &L, lname, SM_GEOM_POLYGON, crs);
  if (!st) st = sm_layer_add_field(ctx, L, "rank", SM_FIELD_INT64, &fr);
  if (!st) st = sm_layer_add_field(ctx, L, "risk", SM_FIELD_DOUBLE, &fv);
  double gt[6];
  sm_raster_geotransform(R, gt);
  for (size_t a = 0; !st && a < top && a < C && ord[a].v > 0; a++) {
    size_t q = ord[a].i, col = q % W, row = q / W, rr;
    double x0 = gt[0] + (double)col * gt[1], y1 = gt[3] + (double)row * gt[5], x1 = x0 + gt[1], y0 = y1 + gt[5];
    double ring[10] = {x0, y0, x1, y0, x1, y1, x0, y1, x0, y0};
    unsigned char wkb[13 + 80];
    uint32_t ty = 3, nr = 1, nv = 5;
    wkb[0] = 1;
    memcpy(wkb + 1, &ty, 4), memcpy(wkb + 5, &nr, 4), memcpy(wkb + 9, &nv, 4), memcpy(wkb + 13, ring, 80);
    st = sm_layer_add_feature(ctx, L, wkb, sizeof wkb, &rr);
    if (!st) st = sm_layer_set_int(ctx, L, rr, fr, (int64_t)a + 1);
    if (!st) st = sm_layer_set_double(ctx, L, rr, fv, v[q]);
  }
  sm__free(ord);
  if (st) sm_layer_destroy(L), L = NULL;
  *out = L;
  return st;
}
