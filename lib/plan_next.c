/* The plan's "what next" and the remaining "where" (plan.h), through the library's own pipelines: the emerging
 * hot spot category of every ward (the wards as locations) and of the optimised fishnet's cells in it, the
 * borough KDE's 50/75/90% hot-spot areas clipped to each ward (GEOS), ProMap's forecast of the month after the
 * last (its top 5% cells placed in the wards by their centres) and the borough's back-test of ProMap, the KDE and
 * last month's counts. An analysis the data cannot support (SM_E_INPUT from its pipeline, or too few months)
 * is left out with the reason; any other failure ends the plan. */
#include "internal/geom.h"
#include "internal/plan.h"
#include "internal/sm_internal.h"

#include <geos_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double SM__PLAN_KDE_PERCENTS[SM__PLAN_KDE_LEVELS] = {50, 75, 90};
/* ProMap's share of the area flagged, as the back-test scores it. */
static const double COVERAGE = 0.05;
/* The back-test needs this many months, and scores the last BT_SCORED of them. */
#define BT_MONTHS 24
#define BT_SCORED 12
/* Emerging hot spots are thin below this many incidents per location and step on average. */
#define EM_THIN 1.0

void sm__plan_next_free(sm__plan_next *n) {
  if (!n) return;
  sm__free(n->em_category), sm__free(n->em_cells), sm__free(n->em_note);
  sm__free(n->kde_m2), sm_layer_destroy(n->kde_areas), sm__free(n->kde_note);
  sm__free(n->pm_cells), sm__free(n->pm_share), sm_layer_destroy(n->pm_layer), sm__free(n->pm_note);
  sm__free(n->bt_note);
  memset(n, 0, sizeof *n);
}

static sm_status nomem(sm_ctx *ctx) { return sm__error(ctx, SM_E_NOMEM, "out of memory"); }

/* An analysis that could not run on these data: keeps the reason, clears the error. Other failures stay. */
static sm_status not_run(sm_ctx *ctx, sm_status st, const char *what, char **note) {
  if (st != SM_E_INPUT) return st;
  char *t = sm__asprintf("%s not computed: %s", what, sm_ctx_last_error(ctx));
  sm_ctx_clear_error(ctx);
  if (!t) return nomem(ctx);
  sm__free(*note);
  *note = t;
  return SM_OK;
}

static long need_field(sm_ctx *ctx, const sm_layer *L, const char *name, sm_status *st) {
  long f = sm_layer_field_index(L, name);
  if (f < 0 && !*st) *st = sm__error(ctx, SM_E_INVALID_ARG, "plan: layer %s has no column %s", sm_layer_name(L), name);
  return f;
}

/* The ward holding the centre of every polygon of L (-1: none). */
static sm_status centres_in_wards(sm_ctx *ctx, const sm_areas *areas, const sm_layer *L, int32_t *ward, double *cx,
                                  double *cy) {
  size_t n = sm_layer_feature_count(L);
  for (size_t i = 0; i < n; i++) {
    size_t ws;
    const unsigned char *wkb = sm_layer_get_wkb(L, i, &ws);
    if (!sm__plan_cell_centre(wkb, ws, &cx[i], &cy[i]))
      return sm__error(ctx, SM_E_INVALID_ARG, "plan: %s row %zu has no polygon", sm_layer_name(L), i);
  }
  if (!n) return SM_OK;
  sm_points *cp = NULL;
  sm_status st = sm_points_create(ctx, &cp, sm_areas_crs(areas), n, cx, cy, NULL, NULL);
  if (!st) st = sm_areas_locate(ctx, areas, cp, ward, NULL);
  sm_points_destroy(cp);
  return st;
}

/* ---- emerging hot spots ---------------------------------------------------------------------------------- */

/* The mean count per location and step, and the share of empty bins, of an emerging run; "" when not thin. */
static sm_status thin_note(sm_ctx *ctx, const sm_result *r, const char *what, sm_buf *note) {
  const sm_layer *L = sm_result_layer_named(r, "emerging");
  long fc = L ? sm_layer_field_index(L, "count") : -1;
  double total = 0, locs = sm_result_figure(r, "locations"), steps = sm_result_figure(r, "steps");
  for (size_t i = 0; fc >= 0 && i < sm_layer_feature_count(L); i++) total += sm_layer_get_double(L, i, (size_t)fc);
  double mean = locs > 0 && steps > 0 ? total / (locs * steps) : NAN;
  if (sm__buf_printf(note, "; %s: %.0f locations x %.0f months, %.2f burglaries per location and month on average, "
                           "%.0f%% of the bins empty",
                     what, locs, steps, mean, sm_result_figure(r, "empty_bins_percent")))
    return nomem(ctx);
  if (mean < EM_THIN &&
      sm__buf_printf(note, " (thin data: fewer than %g burglary per location and month, so a category rests on few "
                           "incidents; read it with the counts)", EM_THIN))
    return nomem(ctx);
  return SM_OK;
}

static sm_status emerging(sm_ctx *ctx, const sm_points *points, const sm_areas *areas, const sm__plan_where *where,
                          sm__plan_next *n) {
  size_t nw = sm_areas_count(areas);
  sm_buf note = {0};
  char *why_w = NULL, *why_c = NULL;
  /* the wards */
  sm_emerging_options eo = SM_EMERGING_OPTIONS_INIT;
  eo.units = SM_UNIT_AREAS;
  sm_result *r = NULL;
  sm_status st = sm_emerging_run(ctx, &r, points, areas, &eo);
  if (st) st = not_run(ctx, st, "the emerging hot spots of the wards", &why_w);
  else {
    const sm_layer *L = sm_result_layer_named(r, "emerging");
    long fid = need_field(ctx, L, "area_id", &st), fc = need_field(ctx, L, "category_code", &st);
    for (size_t i = 0; !st && i < sm_layer_feature_count(L); i++) {
      const char *id = sm_layer_get_string(L, i, (size_t)fid);
      for (size_t a = 0; id && a < nw; a++)
        if (!strcmp(sm_areas_id(areas, a), id)) {
          n->em_category[a] = (int)sm_layer_get_int(L, i, (size_t)fc);
          break;
        }
    }
    if (!st && sm__buf_printf(&note, "emerging hot spot analysis (safemap emerging: space-time Gi* of monthly counts, "
                                     "time lag 1, the whole cube as global window, FDR bins, Mann-Kendall trends, "
                                     "ArcGIS Pro's categories) with the wards as locations, queen contiguity"))
      st = nomem(ctx);
    if (!st) st = thin_note(ctx, r, "wards", &note);
    if (!st) n->em_ok = 1;
  }
  sm_result_destroy(r), r = NULL;
  /* the optimised fishnet's cells */
  if (!st && where->fishnet_ok) {
    sm_emerging_options co = SM_EMERGING_OPTIONS_INIT;
    co.units = SM_UNIT_FISHNET;
    co.cell_m = where->fishnet_cell_m;
    co.weights = SM_EMERGING_WEIGHTS_BAND;
    co.band_m = where->fishnet_band_m;
    st = sm_emerging_run(ctx, &r, points, areas, &co);
    if (st) st = not_run(ctx, st, "the emerging hot spots of the fishnet's cells", &why_c);
    else {
      const sm_layer *L = sm_result_layer_named(r, "emerging");
      size_t m = sm_layer_feature_count(L);
      long fc = need_field(ctx, L, "category_code", &st);
      int32_t *ward = sm__malloc((m ? m : 1) * sizeof *ward);
      double *cx = sm__malloc((m ? m : 1) * sizeof *cx), *cy = sm__malloc((m ? m : 1) * sizeof *cy);
      if (!st && (!ward || !cx || !cy)) st = nomem(ctx);
      if (!st) st = centres_in_wards(ctx, areas, L, ward, cx, cy);
      for (size_t i = 0; !st && i < m; i++) {
        int c = (int)sm_layer_get_int(L, i, (size_t)fc);
        if (ward[i] >= 0 && c >= 0 && c < 17) n->em_cells[ward[i]][c]++;
      }
      sm__free(ward), sm__free(cx), sm__free(cy);
      if (!st && sm__buf_printf(&note, "; the cells: the same on the optimised fishnet of the plan's Gi* (%g m cells "
                                       "in the wards, a distance band of %g m between cell centres; cells without a "
                                       "burglary left out), each cell in the ward holding its centre",
                                where->fishnet_cell_m, where->fishnet_band_m))
        st = nomem(ctx);
      if (!st) st = thin_note(ctx, r, "cells", &note);
      if (!st) n->emc_ok = 1;
    }
    sm_result_destroy(r);
  } else if (!st && sm__buf_printf(&note, "%sthe emerging hot spots of the cells not computed: the plan's optimised "
                                          "fishnet was not made", note.n ? "; " : ""))
    st = nomem(ctx);
  if (!st && why_w && sm__buf_printf(&note, "%s%s", note.n ? "; " : "", why_w)) st = nomem(ctx);
  if (!st && why_c && sm__buf_printf(&note, "%s%s", note.n ? "; " : "", why_c)) st = nomem(ctx);
  sm__free(why_w), sm__free(why_c);
  if (st) sm__free(note.s);
  else n->em_note = note.s;
  return st;
}

/* ---- KDE hot-spot areas in the wards -------------------------------------------------------------------- */

/* The polygons of g as one multipolygon (lines and points of a touching edge left out); NULL when none. */
static GEOSGeometry *polygons_of(GEOSContextHandle_t h, const GEOSGeometry *g) {
  int type = GEOSGeomTypeId_r(h, g);
  if (type == GEOS_POLYGON) {
    if (GEOSisEmpty_r(h, g)) return NULL;
    GEOSGeometry *c = GEOSGeom_clone_r(h, g);
    return c ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, &c, 1) : NULL;
  }
  if (type == GEOS_MULTIPOLYGON) return GEOSisEmpty_r(h, g) ? NULL : GEOSGeom_clone_r(h, g);
  if (type != GEOS_GEOMETRYCOLLECTION) return NULL;
  int k = GEOSGetNumGeometries_r(h, g);
  GEOSGeometry **parts = sm__malloc((size_t)(k > 0 ? k : 1) * sizeof *parts);
  unsigned np = 0;
  for (int i = 0; parts && i < k; i++) {
    GEOSGeometry *p = polygons_of(h, GEOSGetGeometryN_r(h, g, i));
    if (!p) continue;
    for (int j = 0; j < GEOSGetNumGeometries_r(h, p); j++) {
      GEOSGeometry *q = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, p, j));
      if (q) parts[np++] = q;
      if (np == (unsigned)k) break;
    }
    GEOSGeom_destroy_r(h, p);
  }
  GEOSGeometry *out = parts && np ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, np) : NULL;
  sm__free(parts);
  return out;
}

static sm_status kde_layer(sm_ctx *ctx, const sm_areas *areas, sm_layer **out) {
  static const char *const names[5] = {"ward_code", "ward_name", "level", "area_m2", "ward_share"};
  static const sm_field_type types[5] = {SM_FIELD_STRING, SM_FIELD_STRING, SM_FIELD_INT64, SM_FIELD_DOUBLE,
                                         SM_FIELD_DOUBLE};
  sm_status st = sm_layer_create(ctx, out, "plan_kde_areas", SM_GEOM_MULTIPOLYGON, sm_areas_crs(areas));
  for (int k = 0; !st && k < 5; k++) st = sm_layer_add_field(ctx, *out, names[k], types[k], NULL);
  return st;
}

/* The hot-spot level polygons clipped to every ward: areas into n->kde_m2, rows (of ward `only`, or all). */
static sm_status clip(sm_ctx *ctx, const sm_areas *areas, const sm_layer *H, long only, sm__plan_next *n) {
  size_t nw = sm_areas_count(areas), nh = sm_layer_feature_count(H);
  sm_status st = SM_OK;
  long fp = need_field(ctx, H, "percent", &st);
  if (st) return st;
  int lvl_of[SM__PLAN_KDE_LEVELS * 2];
  for (size_t i = 0; i < nh && i < SM__PLAN_KDE_LEVELS * 2; i++) {
    double p = sm_layer_get_double(H, i, (size_t)fp);
    lvl_of[i] = -1;
    for (int k = 0; k < SM__PLAN_KDE_LEVELS; k++)
      if (p == SM__PLAN_KDE_PERCENTS[k]) lvl_of[i] = k;
  }
  sm_geos g;
  if ((st = sm__geos_init(ctx, &g))) return st;
  GEOSContextHandle_t h = g.handle;
  GEOSWKBReader *rd = GEOSWKBReader_create_r(h);
  GEOSWKBWriter *wr = GEOSWKBWriter_create_r(h);
  GEOSGeometry **lv = sm__calloc(nh ? nh : 1, sizeof *lv), **wd = sm__calloc(nw ? nw : 1, sizeof *wd);
  if (!rd || !wr) st = sm__error(ctx, SM_E_DEPENDENCY, "GEOS: cannot create a WKB reader or writer");
  else if (!lv || !wd) st = nomem(ctx);
  if (!st) GEOSWKBWriter_setByteOrder_r(h, wr, GEOS_WKB_NDR);
  for (size_t i = 0; !st && i < nh; i++) {
    size_t ws;
    const unsigned char *wkb = sm_layer_get_wkb(H, i, &ws);
    if (wkb && ws && !(lv[i] = GEOSWKBReader_read_r(h, rd, wkb, ws)))
      st = sm__error(ctx, SM_E_DEPENDENCY, "GEOS: cannot read the KDE's %g%% hot-spot area: %s",
                     sm_layer_get_double(H, i, (size_t)fp), g.msg);
  }
  for (size_t a = 0; !st && a < nw; a++) {
    size_t ws;
    const unsigned char *wkb = sm_areas_wkb(areas, a, &ws);
    if (!(wd[a] = GEOSWKBReader_read_r(h, rd, wkb, ws)))
      st = sm__error(ctx, SM_E_DEPENDENCY, "GEOS: cannot read ward %s: %s", sm_areas_id(areas, a), g.msg);
  }
  /* rows by ward (the areas' order), then level */
  for (size_t a = 0; !st && a < nw; a++) {
    for (int k = 0; !st && k < SM__PLAN_KDE_LEVELS; k++) {
      for (size_t i = 0; !st && i < nh && i < SM__PLAN_KDE_LEVELS * 2; i++) {
        if (lvl_of[i] != k || !lv[i]) continue;
        GEOSGeometry *x = GEOSIntersection_r(h, lv[i], wd[a]);
        if (!x) {
          st = sm__error(ctx, SM_E_DEPENDENCY,
                         "GEOS: the KDE's %g%% hot-spot area and ward %s cannot be intersected: %s",
                         SM__PLAN_KDE_PERCENTS[k], sm_areas_id(areas, a), g.msg);
          break;
        }
        GEOSGeometry *m = polygons_of(h, x);
        GEOSGeom_destroy_r(h, x);
        double m2 = 0;
        if (m && !GEOSArea_r(h, m, &m2)) m2 = 0;
        n->kde_m2[a][k] += m2;
        if (m && m2 > 0 && (only < 0 || (size_t)only == a)) {
          size_t wn = 0, row;
          unsigned char *out = GEOSWKBWriter_write_r(h, wr, m, &wn);
          if (!out) st = sm__error(ctx, SM_E_DEPENDENCY, "GEOS: cannot write a clipped hot-spot area: %s", g.msg);
          if (!st) st = sm_layer_add_feature(ctx, n->kde_areas, out, wn, &row);
          if (out) GEOSFree_r(h, out);
          double wa = sm_areas_area_m2(areas, a);
          if (!st) st = sm_layer_set_string(ctx, n->kde_areas, row, 0, sm_areas_id(areas, a));
          if (!st) st = sm_layer_set_string(ctx, n->kde_areas, row, 1, sm_areas_name(areas, a));
          if (!st) st = sm_layer_set_int(ctx, n->kde_areas, row, 2, (int64_t)SM__PLAN_KDE_PERCENTS[k]);
          if (!st) st = sm_layer_set_double(ctx, n->kde_areas, row, 3, m2);
          if (!st && wa > 0) st = sm_layer_set_double(ctx, n->kde_areas, row, 4, m2 / wa);
        }
        if (m) GEOSGeom_destroy_r(h, m);
      }
    }
  }
  for (size_t i = 0; lv && i < nh; i++)
    if (lv[i]) GEOSGeom_destroy_r(h, lv[i]);
  for (size_t a = 0; wd && a < nw; a++)
    if (wd[a]) GEOSGeom_destroy_r(h, wd[a]);
  sm__free(lv), sm__free(wd);
  if (rd) GEOSWKBReader_destroy_r(h, rd);
  if (wr) GEOSWKBWriter_destroy_r(h, wr);
  sm__geos_finish(&g);
  return st;
}

static sm_status kde(sm_ctx *ctx, const sm_points *points, const sm_areas *areas, long only, sm__plan_next *n) {
  sm_kde_run_options ko = SM_KDE_RUN_OPTIONS_INIT;
  ko.hotspot_percents = SM__PLAN_KDE_PERCENTS;
  ko.n_hotspot_percents = SM__PLAN_KDE_LEVELS;
  sm_result *r = NULL;
  sm_status st = kde_layer(ctx, areas, &n->kde_areas);
  if (!st) st = sm_kde_run(ctx, &r, points, areas, &ko);
  /* the options are the defaults: an invalid argument is the data's bandwidth or cell (a kernel smaller than a
   * cell, a grid over the limit), not the plan's */
  if (st == SM_E_INVALID_ARG && n->kde_areas) st = SM_E_INPUT;
  if (st) return not_run(ctx, st, "the KDE hot-spot areas", &n->kde_note);
  const sm_layer *H = sm_result_layer_named(r, "kde_hotspot_areas");
  if (!H) st = sm__error(ctx, SM_E_INVALID_ARG, "plan: the KDE gave no hot-spot areas");
  if (!st) st = clip(ctx, areas, H, only, n);
  if (!st) {
    n->kde_ok = 1;
    n->kde_note = sm__asprintf("a borough KDE of every burglary of the period (safemap kde --wards W --hotspot-areas "
                               "50,75,90: the library's defaults): %s kernel, bandwidth %.1f m (%s), %g m cells over "
                               "the wards' extent, cells outside the wards nodata; its 50, 75 and 90%% hot-spot areas "
                               "(the fewest cells holding that share of the surface) intersected with each ward "
                               "(GEOS); kde_area_*_m2 the areas in m2, ward_share their share of the ward's area",
                               sm_result_text(r, "kernel") ? sm_result_text(r, "kernel") : "quartic",
                               sm_result_figure(r, "bandwidth_m"),
                               sm_result_text(r, "rule") ? sm_result_text(r, "rule") : "default rule",
                               sm_result_figure(r, "cell_m"));
    if (!n->kde_note) st = nomem(ctx);
  }
  sm_result_destroy(r);
  return st;
}

/* ---- ProMap's forecast ---------------------------------------------------------------------------------- */

static sm_status promap_layer(sm_ctx *ctx, const sm_areas *areas, sm_layer **out) {
  static const char *const names[5] = {"ward_code", "ward_name", "cell_id", "rank", "expected"};
  static const sm_field_type types[5] = {SM_FIELD_STRING, SM_FIELD_STRING, SM_FIELD_INT64, SM_FIELD_INT64,
                                         SM_FIELD_DOUBLE};
  sm_status st = sm_layer_create(ctx, out, "plan_promap_cells", SM_GEOM_POLYGON, sm_areas_crs(areas));
  for (int k = 0; !st && k < 5; k++) st = sm_layer_add_field(ctx, *out, names[k], types[k], NULL);
  return st;
}

static sm_status promap(sm_ctx *ctx, const sm_points *points, const sm_areas *areas, long only, sm__plan_next *n) {
  sm_forecast_options fo = SM_FORECAST_OPTIONS_INIT;
  fo.method = SM_FORECAST_PROMAP;
  fo.coverages = &COVERAGE, fo.n_coverages = 1;
  sm_result *r = NULL;
  sm_status st = promap_layer(ctx, areas, &n->pm_layer);
  if (!st) st = sm_forecast_run(ctx, &r, points, areas, &fo);
  if (st) return not_run(ctx, st, "ProMap's forecast", &n->pm_note);
  const sm_layer *T = sm_result_layer_named(r, "promap_top");
  const sm_raster *R = sm_result_raster_count(r) ? sm_result_raster(r, 0) : NULL;
  if (!T || !R) st = sm__error(ctx, SM_E_INVALID_ARG, "plan: the forecast gave no surface or no top cells");
  long frank = T ? need_field(ctx, T, "rank", &st) : -1, frisk = T ? need_field(ctx, T, "risk", &st) : -1;
  size_t m = T ? sm_layer_feature_count(T) : 0;
  int32_t *ward = sm__malloc((m ? m : 1) * sizeof *ward);
  double *cx = sm__malloc((m ? m : 1) * sizeof *cx), *cy = sm__malloc((m ? m : 1) * sizeof *cy);
  if (!st && (!ward || !cx || !cy)) st = nomem(ctx);
  if (!st) st = centres_in_wards(ctx, areas, T, ward, cx, cy);
  double total = 0, gt[6];
  size_t W = R ? sm_raster_width(R) : 0, H = R ? sm_raster_height(R) : 0;
  if (!st) {
    const double *v = sm_raster_values(R);
    for (size_t i = 0; i < W * H; i++)
      if (isfinite(v[i]) && v[i] > 0) total += v[i];
    sm_raster_geotransform(R, gt);
  }
  for (size_t i = 0; !st && i < m; i++) {
    if (ward[i] < 0) continue;
    double risk = sm_layer_get_double(T, i, (size_t)frisk);
    n->pm_cells[ward[i]]++;
    n->pm_share[ward[i]] += total > 0 ? risk / total : 0;
    if (only >= 0 && ward[i] != only) continue;
    long col = (long)floor((cx[i] - gt[0]) / gt[1]), row_ = (long)floor((cy[i] - gt[3]) / gt[5]);
    size_t ws, row;
    const unsigned char *wkb = sm_layer_get_wkb(T, i, &ws);
    st = sm_layer_add_feature(ctx, n->pm_layer, wkb, ws, &row);
    if (!st) st = sm_layer_set_string(ctx, n->pm_layer, row, 0, sm_areas_id(areas, (size_t)ward[i]));
    if (!st) st = sm_layer_set_string(ctx, n->pm_layer, row, 1, sm_areas_name(areas, (size_t)ward[i]));
    if (!st) st = sm_layer_set_int(ctx, n->pm_layer, row, 2, (int64_t)row_ * (int64_t)W + col);
    if (!st) st = sm_layer_set_int(ctx, n->pm_layer, row, 3, sm_layer_get_int(T, i, (size_t)frank));
    if (!st) st = sm_layer_set_double(ctx, n->pm_layer, row, 4, risk);
  }
  sm__free(ward), sm__free(cx), sm__free(cy);
  if (!st) {
    n->pm_ok = 1;
    n->pm_top = m;
    snprintf(n->pm_month, sizeof n->pm_month, "%s", sm_result_text(r, "at") ? sm_result_text(r, "at") : "");
    n->pm_note = sm__asprintf("ProMap's forecast for %s, the month after the last (safemap forecast --wards W: the "
                              "library's defaults, %g m cells from the corner of the wards' extent, %d cells = %g m, "
                              "the last %d months, open_cp's weights); its top %g%% of the cells with risk > 0 (%zu "
                              "cells, ranked; the coverage the back-test scores) placed in the ward holding their "
                              "centre; cell_id = row x %zu + column of the grid (row 0 northernmost); expected: the "
                              "cell's ProMap risk; promap_share: the ward's top cells' risk over the whole surface's",
                              n->pm_month, fo.cell_m, fo.space_bandwidth, fo.cell_m * fo.space_bandwidth, 2,
                              100 * COVERAGE, m, W);
    if (!n->pm_note) st = nomem(ctx);
  }
  sm_result_destroy(r);
  return st;
}

/* ---- the back-test ---------------------------------------------------------------------------------------- */

static sm_status backtest(sm_ctx *ctx, const sm_points *points, const sm_areas *areas, size_t T, sm__plan_next *n) {
  n->bt_steps = NAN;
  for (int k = 0; k < 3; k++) n->bt_hit[k] = n->bt_pai[k] = NAN;
  if (T < BT_MONTHS) {
    n->bt_note = sm__asprintf("not enough data: %zu month%s; the back-test needs %d (a year to learn from and the "
                              "last %d months to score)", T, T == 1 ? "" : "s", BT_MONTHS, BT_SCORED);
    return n->bt_note ? SM_OK : nomem(ctx);
  }
  sm_backtest_options bo = SM_BACKTEST_OPTIONS_INIT;
  bo.coverages = &COVERAGE, bo.n_coverages = 1;
  bo.warmup = (int)(T - BT_SCORED);
  sm_result *r = NULL;
  sm_status st = sm_backtest_run(ctx, &r, points, areas, &bo);
  if (st) return not_run(ctx, st, "the back-test", &n->bt_note);
  static const char *const hit[3] = {"mean_hit_rate_promap", "mean_hit_rate_kde", "mean_hit_rate_last"};
  static const char *const pai[3] = {"mean_pai_promap", "mean_pai_kde", "mean_pai_last"};
  n->bt_steps = sm_result_figure(r, "steps_scored");
  for (int k = 0; k < 3; k++) n->bt_hit[k] = sm_result_figure(r, hit[k]), n->bt_pai[k] = sm_result_figure(r, pai[k]);
  const char *from = sm_result_text(r, "first_scored"), *to = sm_result_text(r, "last_step");
  if (!(n->bt_steps > 0))
    n->bt_note =
        sm__asprintf("the back-test scored no month: no burglary on the grid in the last %d months", BT_SCORED);
  else
    n->bt_note = sm__asprintf("ProMap found %.0f%% of next month's burglaries in %g%% of the area (PAI %.1f); KDE "
                              "%.0f%%; last month's counts %.0f%% (means over the %.0f months scored, %s to %s; each "
                              "month predicted from the months before it, as safemap forecast --backtest --warmup %d "
                              "--wards W)", 100 * n->bt_hit[0], 100 * COVERAGE, n->bt_pai[0], 100 * n->bt_hit[1],
                              100 * n->bt_hit[2], n->bt_steps, from ? from : "?", to ? to : "?", bo.warmup);
  if (!n->bt_note) st = nomem(ctx);
  if (!st) n->bt_ok = n->bt_steps > 0;
  sm_result_destroy(r);
  return st;
}

sm_status sm__plan_next_run(sm_ctx *ctx, const sm_points *points, const sm_areas *areas, const sm__plan_where *where,
                            size_t T, long only, sm__plan_next *n) {
  memset(n, 0, sizeof *n);
  size_t nw = sm_areas_count(areas), m = nw ? nw : 1;
  n->em_category = sm__malloc(m * sizeof *n->em_category);
  n->em_cells = sm__calloc(m, sizeof *n->em_cells);
  n->kde_m2 = sm__calloc(m, sizeof *n->kde_m2);
  n->pm_cells = sm__calloc(m, sizeof *n->pm_cells);
  n->pm_share = sm__calloc(m, sizeof *n->pm_share);
  if (!n->em_category || !n->em_cells || !n->kde_m2 || !n->pm_cells || !n->pm_share) return nomem(ctx);
  for (size_t a = 0; a < nw; a++) n->em_category[a] = -1;
  /* each step in its share of the progress, its time logged at -v -v */
  static const char *const what[4] = {"emerging hot spots", "KDE hot-spot areas", "ProMap forecast", "back-test"};
  sm_status st = SM_OK;
  for (int k = 0; !st && k < 4; k++) {
    double saved[2], t0 = sm__now();
    sm__progress_push(ctx, 0.95 + 0.01 * k, 0.96 + 0.01 * k, saved);
    st = k == 0   ? emerging(ctx, points, areas, where, n)
         : k == 1 ? kde(ctx, points, areas, only, n)
         : k == 2 ? promap(ctx, points, areas, only, n)
                  : backtest(ctx, points, areas, T, n);
    sm__progress_pop(ctx, saved);
    sm__log(ctx, SM_LOG_DEBUG, "plan: %s in %.3f s", what[k], sm__now() - t0);
  }
  return st;
}
