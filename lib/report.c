/* safemap report: every analysis of a borough's burglaries through the library's pipelines, in one folder
 * with a front page (index.html), one GeoPackage of everything (report.gpkg), the map (map/) and the ward
 * plans (plans.gpkg). A section the data cannot support says why on the front page; anything else stops. */
#include "internal/result_build.h"
#include "internal/sm_internal.h"
#include "internal/text.h"
#include "internal/tiles_files.h"

#include <errno.h>
#include <geos_c.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SECTIONS 16

typedef struct section {
  char *title, *text; /* text: HTML */
  int note;           /* 1: found nothing, or could not run on this data */
} section;

typedef struct rep {
  sm_ctx *ctx;
  const sm_points *pts;
  const sm_areas *areas;
  const sm_report_options *o;
  char *tmp;        /* the folder being made */
  sm_result *all;   /* every layer and surface, for report.gpkg */
  section sec[MAX_SECTIONS];
  size_t ns;
  char *first, *last; /* the period, "2022-03" */
  size_t tiles;
  /* the analyses' warnings, said on the front page (and at INFO on the caller's log, not as warnings) */
  sm_log_fn log;
  sm_log_level log_level;
  void *log_user;
  sm_buf warnings;
  size_t n_warnings;
} rep;

static sm_status esc(sm_buf *b, const char *s);

static void report_log(sm_log_level level, const char *msg, void *user) {
  rep *R = user;
  if (level == SM_LOG_WARNING) {
    if (R->n_warnings < 20) {
      sm__buf_printf(&R->warnings, "<li>");
      esc(&R->warnings, msg);
      sm__buf_printf(&R->warnings, "</li>\n");
    }
    R->n_warnings++;
    level = SM_LOG_INFO;
  }
  if (R->log && level <= R->log_level) R->log(level, msg, R->log_user);
}

sm_status sm_report_options_init(sm_report_options *o, int version) {
  if (!o || version != SM_REPORT_OPTIONS_VERSION) return SM_E_INVALID_ARG;
  sm_report_options d = SM_REPORT_OPTIONS_INIT;
  *o = d;
  return SM_OK;
}

/* ---- sections ---------------------------------------------------------------------------------------- */
static sm_status esc(sm_buf *b, const char *s) { return sm__html_str(b, s); }

/* Adds a section whose text is printf(fmt, ...) escaped for HTML. */
static sm_status add_section(rep *R, const char *title, int note, const char *fmt, ...) SM_PRINTF(4, 5);
static sm_status add_section(rep *R, const char *title, int note, const char *fmt, ...) {
  if (R->ns == MAX_SECTIONS) return SM_OK;
  va_list ap;
  va_start(ap, fmt);
  char *raw = sm__vasprintf(fmt, ap);
  va_end(ap);
  sm_buf b = {0};
  sm_status st = raw ? esc(&b, raw) : SM_E_NOMEM;
  sm__free(raw);
  char *t = sm__strdup(title);
  if (st || !t || !b.s) {
    sm__free(t), sm__free(b.s);
    return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  }
  R->sec[R->ns++] = (section){t, b.s, note};
  return SM_OK;
}

/* A pipeline's status: data the analysis cannot support (SM_E_INPUT, SM_E_UNSUPPORTED) becomes a note on
 * the front page and the pack goes on (0 returned with *skip = 1); anything else stops the pack. */
static sm_status judge(rep *R, sm_status st, const char *title, int *skip) {
  *skip = 0;
  if (st == SM_OK) return SM_OK;
  if (st != SM_E_INPUT && st != SM_E_UNSUPPORTED) return st;
  *skip = 1;
  return add_section(R, title, 1, "Not run on this data: %s.", sm_ctx_last_error(R->ctx));
}

static sm_status adopt(rep *R, sm_result *r, const char *prefix) { return sm__result_adopt(R->ctx, R->all, r, prefix); }

static double fig(const sm_result *r, const char *name) { return sm_result_figure(r, name); }

/* The map's tile sets, from any thread-free writer call. */
static sm_status map_raster(rep *R, const sm_raster *r) {
  char *dir = sm__asprintf("%s/map", R->tmp);
  if (!dir) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  sm_tiles_options to = SM_TILES_OPTIONS_INIT;
  to.format = SM_TILES_XYZ;
  sm_tiles_info info;
  sm_status st = sm_tiles_raster(R->ctx, r, dir, &to, &info);
  if (!st) R->tiles += info.tiles;
  sm__free(dir);
  return st;
}

static sm_status map_layer(rep *R, sm_layer *l) {
  if (!l || sm_layer_feature_count(l) == 0) return SM_OK;
  char *dir = sm__asprintf("%s/map", R->tmp);
  if (!dir) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  sm_tiles_options to = SM_TILES_OPTIONS_INIT;
  to.format = SM_TILES_XYZ, to.name = sm_layer_name(l), to.max_zoom = 14; /* cells of 50 m and more: 8 px and more */
  sm_tiles_info info;
  sm_status st = sm_tiles_vector(R->ctx, &l, 1, dir, &to, &info);
  if (!st) R->tiles += info.tiles;
  sm__free(dir);
  return st;
}

/* The rows of L whose INT64 field `field` is not 0 (the significant cells), as a new layer `name` for the map. */
static sm_status nonzero_rows(sm_ctx *ctx, const sm_layer *L, const char *field, const char *name, sm_layer **out) {
  *out = NULL;
  long f = sm_layer_field_index(L, field);
  if (f < 0) return SM_OK;
  sm_layer *l = NULL;
  sm_status st = sm_layer_create(ctx, &l, name, sm_layer_geom_type(L), sm_layer_crs(L));
  size_t nf = sm_layer_field_count(L);
  for (size_t c = 0; c < nf && !st; c++) st = sm_layer_add_field(ctx, l, sm_layer_field_name(L, c), sm_layer_field_type(L, c), NULL);
  for (size_t i = 0; i < sm_layer_metadata_count(L) && !st; i++)
    st = sm_layer_set_metadata(ctx, l, sm_layer_metadata_key(L, i), sm_layer_metadata_value(L, i));
  for (size_t r = 0; r < sm_layer_feature_count(L) && !st; r++) {
    if (sm_layer_is_null(L, r, (size_t)f) || sm_layer_get_int(L, r, (size_t)f) == 0) continue;
    size_t n = 0, row = 0;
    const unsigned char *wkb = sm_layer_get_wkb(L, r, &n);
    st = sm_layer_add_feature(ctx, l, wkb, n, &row);
    for (size_t c = 0; c < nf && !st; c++) {
      if (sm_layer_is_null(L, r, c)) continue;
      switch (sm_layer_field_type(L, c)) {
      case SM_FIELD_INT64: st = sm_layer_set_int(ctx, l, row, c, sm_layer_get_int(L, r, c)); break;
      case SM_FIELD_DOUBLE: st = sm_layer_set_double(ctx, l, row, c, sm_layer_get_double(L, r, c)); break;
      default: st = sm_layer_set_string(ctx, l, row, c, sm_layer_get_string(L, r, c));
      }
    }
  }
  if (st) sm_layer_destroy(l);
  else *out = l;
  return st;
}

/* ---- the analyses ------------------------------------------------------------------------------------ */
static sm_status do_count(rep *R) {
  sm_result *r = NULL;
  int skip;
  sm_status st = judge(R, sm_count_run(R->ctx, &r, R->pts, R->areas, NULL), "Burglaries per ward", &skip);
  if (st || skip) return st;
  sm_layer *l = sm_result_layer(r, 0);
  long f = sm_layer_field_index(l, "total"), nf = sm_layer_field_index(l, "area_name");
  size_t best = 0;
  double bv = -1, tot = 0;
  for (size_t i = 0; f >= 0 && i < sm_layer_feature_count(l); i++) {
    double v = sm_layer_get_double(l, i, (size_t)f);
    tot += isfinite(v) ? v : 0;
    if (v > bv) bv = v, best = i;
  }
  const char *name = nf >= 0 ? sm_layer_get_string(l, best, (size_t)nf) : NULL;
  char a[32], c[32], d[32];
  sm__thousands((unsigned long long)tot, a, sizeof a), sm__thousands((unsigned long long)bv, c, sizeof c);
  sm__thousands((unsigned long long)fig(r, "points_outside_areas"), d, sizeof d);
  st = add_section(R, "Burglaries per ward", 0,
                   "%s burglaries in %zu wards; the most in %s (%s, %.1f%%). Points outside every ward: %s.", a,
                   sm_layer_feature_count(l), name ? name : "?", c, tot > 0 ? 100 * bv / tot : 0, d);
  if (!st) st = adopt(R, r, NULL);
  sm_result_destroy(r);
  return st;
}

static sm_status do_kde(rep *R) {
  static const double pct[] = {50, 75, 90};
  sm_kde_run_options ko = SM_KDE_RUN_OPTIONS_INIT;
  ko.hotspot_percents = pct, ko.n_hotspot_percents = 3;
  sm_result *r = NULL;
  int skip;
  sm_status st = judge(R, sm_kde_run(R->ctx, &r, R->pts, R->areas, &ko), "Density (KDE)", &skip);
  if (st || skip) return st;
  const sm_raster *s = sm_result_raster(r, 0);
  const char *bws = sm_raster_metadata_get(s, "bandwidth_m"), *cells = sm_raster_metadata_get(s, "cell_m");
  double bw = bws ? strtod(bws, NULL) : NAN, cell = cells ? strtod(cells, NULL) : NAN;
  sm_layer *areas = sm_result_layer_count(r) ? sm_result_layer(r, 0) : NULL;
  st = add_section(R, "Density (KDE)", 0,
                   "A quartic kernel density surface (bandwidth %.0f m, cells of %.0f m: the library's rules from the "
                   "data); %zu hot-spot areas hold 50%%, 75%% and 90%% of the density.",
                   bw, cell, areas ? sm_layer_feature_count(areas) : 0);
  if (!st) st = map_raster(R, s);
  if (!st && areas) st = map_layer(R, areas);
  if (!st) st = adopt(R, r, NULL);
  sm_result_destroy(r);
  return st;
}

static sm_status do_hotspots(rep *R, int cells) {
  sm_hotspots_options ho = SM_HOTSPOTS_OPTIONS_INIT;
  const char *title = cells ? "Hot and cold cells (optimised Gi*)" : "Hot and cold wards (Gi*)";
  if (cells) ho.units = SM_UNIT_FISHNET, ho.optimised = 1;
  sm_result *r = NULL;
  int skip;
  sm_status st = judge(R, sm_hotspots_run(R->ctx, &r, R->pts, R->areas, &ho), title, &skip);
  if (st || skip) return st;
  double hot = fig(r, "hot"), cold = fig(r, "cold"), units = fig(r, "units");
  if (cells)
    st = add_section(R, title, hot + cold == 0,
                     "%.0f cells of %.0f m (chosen from the incidents' spacing), band %.0f m: %.0f hot and %.0f cold at "
                     "90%% or more after the false discovery rate correction; global Moran's I %.3f (p %s%.2g).",
                     units, fig(r, "cell_m"), fig(r, "band_m"), hot, cold, fig(r, "global_moran_i"),
                     fig(r, "global_moran_p") < 1e-300 ? "< " : "", fmax(fig(r, "global_moran_p"), 1e-300));
  else
    st = add_section(R, title, hot + cold == 0,
                     "%.0f wards (queen contiguity): %.0f hot and %.0f cold at 90%% or more after the false discovery "
                     "rate correction; global Moran's I %.3f (p %.2g).",
                     units, hot, cold, fig(r, "global_moran_i"), fig(r, "global_moran_p"));
  if (!st && cells && sm_result_layer_count(r)) { /* the map: the hot and cold cells alone */
    sm_layer *sig = NULL;
    st = nonzero_rows(R->ctx, sm_result_layer(r, 0), "gi_bin_fdr", "hot_cold_cells", &sig);
    if (!st && sig) st = map_layer(R, sig);
    sm_layer_destroy(sig);
  }
  if (!st) st = adopt(R, r, cells ? "cells_" : "wards_");
  sm_result_destroy(r);
  return st;
}

/* Emerging hot spots by ward and month; when no ward shows a pattern, by quarter, and the section says why. */
static sm_status do_emerging(rep *R) {
  const char *title = "Emerging hot spots";
  static const char *const CAT[] = {"new_hot", "consecutive_hot", "intensifying_hot", "persistent_hot", "diminishing_hot",
                                    "sporadic_hot", "oscillating_hot", "historical_hot", "new_cold", "consecutive_cold",
                                    "intensifying_cold", "persistent_cold", "diminishing_cold", "sporadic_cold",
                                    "oscillating_cold", "historical_cold"};
  sm_result *r = NULL;
  sm_status st = SM_OK;
  double patterns = 0, per = 0;
  const char *step = "month";
  for (int pass = 0; pass < 2 && !st; pass++) {
    sm_emerging_options eo = SM_EMERGING_OPTIONS_INIT;
    eo.bin = pass ? SM_BIN_QUARTER : SM_BIN_MONTH;
    sm_result_destroy(r), r = NULL;
    int skip;
    st = judge(R, sm_emerging_run(R->ctx, &r, R->pts, R->areas, &eo), title, &skip);
    if (st || skip) return st;
    patterns = 0;
    for (size_t k = 0; k < sizeof CAT / sizeof *CAT; k++) patterns += isfinite(fig(r, CAT[k])) ? fig(r, CAT[k]) : 0;
    double n = (double)sm_points_count(R->pts) - (isfinite(fig(r, "outside")) ? fig(r, "outside") : 0);
    if (pass == 0) per = n / (fig(r, "units") * fig(r, "steps"));
    step = pass ? "quarter" : "month";
    if (patterns > 0) break;
  }
  if (patterns > 0) {
    sm_buf b = {0};
    for (size_t k = 0; k < sizeof CAT / sizeof *CAT && !st; k++)
      if (fig(r, CAT[k]) > 0) {
        const char *name = sm_ehsa_category_str((sm_ehsa_category)(k + 1));
        st = sm__buf_printf(&b, "%s%.0f %s", b.s ? ", " : "", fig(r, CAT[k]), name ? name : CAT[k]);
      }
    if (!st)
      st = add_section(R, title, 0, "By %s, the wards' categories: %s (%.1f burglaries per ward and month).%s", step,
                       b.s ? b.s : "", per,
                       strcmp(step, "month") ? " By month no ward showed a pattern: monthly counts per ward are too few "
                                               "for significant hot spots in enough months." : "");
    sm__free(b.s);
  } else {
    st = add_section(R, title, 1,
                     "No ward shows an emerging pattern by month or by quarter: %.1f burglaries per ward and month "
                     "are too few for a ward to be a significant hot or cold spot in enough steps; a larger area "
                     "(a group of boroughs) or a longer period would be needed.",
                     per);
  }
  if (!st && patterns > 0 && sm_result_layer_count(r)) st = map_layer(R, sm_result_layer(r, 0));
  if (!st) st = adopt(R, r, NULL);
  sm_result_destroy(r);
  return st;
}

static sm_status do_nearrepeat(rep *R) {
  static const double sb[] = {0, 100, 200, 400}, tb[] = {0, 1, 2, 3};
  sm_nearrepeat_options no = SM_NEARREPEAT_OPTIONS_INIT;
  no.space_bands_m = sb, no.n_space_bands = 4, no.time_bands = tb, no.n_time_bands = 4;
  no.time_unit = SM_NEARREPEAT_MONTH, no.permutations = R->o->permutations, no.seed = R->o->seed;
  sm_result *r = NULL;
  int skip;
  const char *title = "Near repeats (Knox test, months)";
  sm_status st = judge(R, sm_nearrepeat_run(R->ctx, &r, R->pts, NULL, &no), title, &skip);
  if (st || skip) return st;
  const char *s1 = sm_result_text(r, "significant_1");
  st = add_section(R, title, !s1,
                   "%.0f significant space-time bands (p <= 0.05, Knox ratio >= 1.2) of 9 within 400 m and 3 months%s%s. "
                   "police.uk gives months only: the window cannot be finer than a month.",
                   fig(r, "significant"), s1 ? "; for example, " : "", s1 ? s1 : "");
  if (!st) st = adopt(R, r, NULL);
  sm_result_destroy(r);
  return st;
}

static sm_status do_scan(rep *R) {
  sm_scan_run_options so = SM_SCAN_RUN_OPTIONS_INIT;
  so.max_window = 6, so.permutations = R->o->permutations, so.seed = R->o->seed;
  sm_result *r = NULL;
  int skip;
  const char *title = "Space-time clusters (scan)";
  sm_status st = judge(R, sm_scan_run(R->ctx, &r, R->pts, R->areas, &so), title, &skip);
  if (st || skip) return st;
  sm_layer *l = sm_result_layer_count(r) ? sm_result_layer(r, 0) : NULL;
  long fp = l ? sm_layer_field_index(l, "p") : -1, fs = l ? sm_layer_field_index(l, "start") : -1;
  long fe = l ? sm_layer_field_index(l, "end") : -1, fr = l ? sm_layer_field_index(l, "relative_risk") : -1;
  size_t sig = 0;
  for (size_t i = 0; fp >= 0 && i < sm_layer_feature_count(l); i++) sig += sm_layer_get_double(l, i, (size_t)fp) <= 0.05;
  const char *w = sm_result_text(r, "cluster_1_where");
  if (sig > 0 && fs >= 0 && fe >= 0 && fr >= 0)
    st = add_section(R, title, 0,
                     "%zu significant cluster%s (p <= 0.05, %u replications, windows of up to 6 months); the most "
                     "likely: %s, %s to %s, relative risk %.2f (p %.3g).",
                     sig, sig == 1 ? "" : "s", R->o->permutations, w ? w : "?", sm_layer_get_string(l, 0, (size_t)fs),
                     sm_layer_get_string(l, 0, (size_t)fe), sm_layer_get_double(l, 0, (size_t)fr),
                     sm_layer_get_double(l, 0, (size_t)fp));
  else
    st = add_section(R, title, 1, "No significant cluster (p <= 0.05, %u replications, windows of up to 6 months).",
                     R->o->permutations);
  if (!st) st = adopt(R, r, NULL);
  sm_result_destroy(r);
  return st;
}

/* ProMap's top cells merged into areas (GEOS union of the cells), each with its share of the surface's total
 * risk: the part of next month's expected burglaries it holds. */
static sm_status promap_areas(rep *R, const sm_result *r, sm_layer **out) {
  *out = NULL;
  sm_layer *top = sm_result_layer_named(r, "promap_top");
  const sm_raster *s = sm_result_raster_count(r) ? sm_result_raster(r, 0) : NULL;
  if (!top || !s || sm_layer_feature_count(top) == 0) return SM_OK;
  long fr = sm_layer_field_index(top, "risk");
  double total = 0;
  const double *v = sm_raster_values(s), nd = sm_raster_nodata(s);
  for (size_t k = 0; k < sm_raster_width(s) * sm_raster_height(s); k++)
    if (v[k] != nd && isfinite(v[k]) && v[k] > 0) total += v[k];
  GEOSContextHandle_t h = GEOS_init_r();
  size_t n = sm_layer_feature_count(top);
  GEOSGeometry **g = sm__calloc(n, sizeof *g);
  double *cx = sm__malloc(n * sizeof *cx), *cy = sm__malloc(n * sizeof *cy);
  sm_status st = h && g && cx && cy ? SM_OK : sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  GEOSWKBReader *rd = h ? GEOSWKBReader_create_r(h) : NULL;
  for (size_t i = 0; i < n && !st; i++) {
    size_t len = 0;
    const unsigned char *wkb = sm_layer_get_wkb(top, i, &len);
    g[i] = wkb ? GEOSWKBReader_read_r(h, rd, wkb, len) : NULL;
    GEOSGeometry *c = g[i] ? GEOSGetCentroid_r(h, g[i]) : NULL;
    if (!c || !GEOSGeomGetX_r(h, c, &cx[i]) || !GEOSGeomGetY_r(h, c, &cy[i]))
      st = sm__error(R->ctx, SM_E_DEPENDENCY, "GEOS: cannot read ProMap's top cell %zu", i + 1);
    if (c) GEOSGeom_destroy_r(h, c);
  }
  GEOSGeometry *coll = NULL, *u = NULL;
  if (!st) {
    GEOSGeometry **copy = sm__malloc(n * sizeof *copy);
    for (size_t i = 0; copy && i < n; i++) copy[i] = GEOSGeom_clone_r(h, g[i]);
    coll = copy ? GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, copy, (unsigned)n) : NULL;
    sm__free(copy);
    u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
    if (!u) st = sm__error(R->ctx, SM_E_DEPENDENCY, "GEOS: cannot merge ProMap's top cells");
  }
  sm_layer *l = NULL;
  size_t f_id = 0, f_cells = 0, f_area = 0, f_share = 0, f_risk = 0;
  if (!st) st = sm_layer_create(R->ctx, &l, "promap_areas", SM_GEOM_POLYGON, sm_layer_crs(top));
  if (!st) st = sm_layer_add_field(R->ctx, l, "area_id", SM_FIELD_INT64, &f_id);
  if (!st) st = sm_layer_add_field(R->ctx, l, "cells", SM_FIELD_INT64, &f_cells);
  if (!st) st = sm_layer_add_field(R->ctx, l, "area_m2", SM_FIELD_DOUBLE, &f_area);
  if (!st) st = sm_layer_add_field(R->ctx, l, "risk", SM_FIELD_DOUBLE, &f_risk);
  if (!st) st = sm_layer_add_field(R->ctx, l, "share", SM_FIELD_DOUBLE, &f_share);
  int np = u ? GEOSGetNumGeometries_r(h, u) : 0;
  GEOSWKBWriter *wr = h ? GEOSWKBWriter_create_r(h) : NULL;
  if (wr) GEOSWKBWriter_setByteOrder_r(h, wr, GEOS_WKB_NDR);
  for (int p = 0; p < np && !st; p++) {
    const GEOSGeometry *part = GEOSGetGeometryN_r(h, u, p);
    const GEOSPreparedGeometry *pp = GEOSPrepare_r(h, part);
    double risk = 0, area = 0;
    int64_t cells = 0;
    for (size_t i = 0; pp && i < n; i++) {
      GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, cx[i], cy[i]);
      if (pt && GEOSPreparedContains_r(h, pp, pt) == 1) cells++, risk += fr >= 0 ? sm_layer_get_double(top, i, (size_t)fr) : 0;
      if (pt) GEOSGeom_destroy_r(h, pt);
    }
    if (pp) GEOSPreparedGeom_destroy_r(h, pp);
    GEOSArea_r(h, part, &area);
    size_t len = 0, row = 0;
    unsigned char *wkb = GEOSWKBWriter_write_r(h, wr, part, &len);
    st = wkb ? sm_layer_add_feature(R->ctx, l, wkb, len, &row) : sm__error(R->ctx, SM_E_DEPENDENCY, "GEOS: cannot write an area");
    if (wkb) GEOSFree_r(h, wkb);
    if (!st) st = sm_layer_set_int(R->ctx, l, row, f_id, p + 1);
    if (!st) st = sm_layer_set_int(R->ctx, l, row, f_cells, cells);
    if (!st) st = sm_layer_set_double(R->ctx, l, row, f_area, area);
    if (!st) st = sm_layer_set_double(R->ctx, l, row, f_risk, risk);
    if (!st) st = sm_layer_set_double(R->ctx, l, row, f_share, total > 0 ? risk / total : NAN);
  }
  for (size_t k = 0; !st && k < sm_layer_metadata_count(top); k++)
    if (strcmp(sm_layer_metadata_key(top, k), "method") && strcmp(sm_layer_metadata_key(top, k), "DESCRIPTION"))
      st = sm_layer_set_metadata(R->ctx, l, sm_layer_metadata_key(top, k), sm_layer_metadata_value(top, k));
  if (!st)
    st = sm_layer_set_metadata(R->ctx, l, "method",
                               "ProMap's top cells merged into areas (GEOS union of the cells); share: the area's part of "
                               "the surface's total risk, i.e. of next month's expected burglaries");
  if (wr) GEOSWKBWriter_destroy_r(h, wr);
  if (rd) GEOSWKBReader_destroy_r(h, rd);
  if (u) GEOSGeom_destroy_r(h, u);
  if (coll) GEOSGeom_destroy_r(h, coll);
  for (size_t i = 0; g && i < n; i++)
    if (g[i]) GEOSGeom_destroy_r(h, g[i]);
  sm__free(g), sm__free(cx), sm__free(cy);
  if (h) GEOS_finish_r(h);
  if (st) sm_layer_destroy(l);
  else *out = l;
  return st;
}

static int cmp_share(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? 1 : x > y ? -1 : 0;
}

static sm_status do_forecast(rep *R) {
  const char *title = "Next month (ProMap)";
  sm_result *r = NULL;
  int skip;
  sm_status st = judge(R, sm_forecast_run(R->ctx, &r, R->pts, R->areas, NULL), title, &skip);
  if (st || skip) return st;
  sm_layer *areas = NULL;
  st = promap_areas(R, r, &areas);
  size_t na = areas ? sm_layer_feature_count(areas) : 0;
  double top3 = 0, all = 0;
  if (!st && na) {
    long fs = sm_layer_field_index(areas, "share");
    double *sh = sm__malloc(na * sizeof *sh);
    if (!sh) st = sm__error(R->ctx, SM_E_NOMEM, "out of memory");
    for (size_t i = 0; sh && i < na; i++) sh[i] = sm_layer_get_double(areas, i, (size_t)fs), all += sh[i];
    if (sh) qsort(sh, na, sizeof *sh, cmp_share);
    for (size_t i = 0; sh && i < na && i < 3; i++) top3 += sh[i];
    sm__free(sh);
  }
  const char *at = sm_result_text(r, "at");
  if (!st)
    st = add_section(R, title, 0,
                     "ProMap's forecast for %s: its top 5%% of cells form %zu areas holding %.1f%% of the expected "
                     "burglaries; the three largest shares hold %.1f%%.",
                     at ? at : "next month", na, 100 * all, 100 * top3);
  if (!st && areas) st = map_layer(R, areas);
  if (!st && areas) st = sm__result_add_layer(R->ctx, r, areas, NULL), areas = NULL;
  sm_layer_destroy(areas);
  if (!st) st = adopt(R, r, NULL);
  sm_result_destroy(r);
  if (st) return st;
  /* how well it would have done: the back-test */
  title = "How far to trust the forecast (back-test)";
  st = judge(R, sm_backtest_run(R->ctx, &r, R->pts, R->areas, NULL), title, &skip);
  if (st || skip) return st;
  if (isfinite(fig(r, "mean_hit_rate_promap")))
    st = add_section(R, title, 0,
                     "Over %.0f months scored, flagging 5%% of the area: ProMap found %.1f%% of the next month's "
                     "burglaries (PAI %.1f), a KDE of the last 12 months %.1f%% (PAI %.1f), last month's counts %.1f%% "
                     "(PAI %.1f).",
                     fig(r, "steps_scored"), 100 * fig(r, "mean_hit_rate_promap"), fig(r, "mean_pai_promap"),
                     100 * fig(r, "mean_hit_rate_kde"), fig(r, "mean_pai_kde"), 100 * fig(r, "mean_hit_rate_last"),
                     fig(r, "mean_pai_last"));
  else
    st = add_section(R, title, 1, "No month could be scored: %.0f months, %.0f of them warm-up.", fig(r, "steps"),
                     fig(r, "warmup"));
  if (!st) st = adopt(R, r, NULL);
  sm_result_destroy(r);
  return st;
}

static sm_status do_plan(rep *R) {
  sm_plan_options po = SM_PLAN_OPTIONS_INIT;
  po.households = R->o->households, po.suppress_below = R->o->suppress_below, po.seed = R->o->seed;
  po.permutations = R->o->permutations;
  sm_result *r = NULL;
  int skip;
  const char *title = "Ward plans";
  sm_status st = judge(R, sm_plan_run(R->ctx, &r, R->pts, R->areas, &po), title, &skip);
  if (st || skip) return st;
  const char *f = sm_result_text(r, "period_first"), *l = sm_result_text(r, "period_last");
  if (f && !R->first) R->first = sm__strdup(f);
  if (l && !R->last) R->last = sm__strdup(l);
  char *path = sm__asprintf("%s/plans", R->tmp);
  sm_plan_pages_options pp = SM_PLAN_PAGES_OPTIONS_INIT;
  st = path ? sm_plan_write(R->ctx, r, path, &pp) : sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  sm__free(path);
  if (!st)
    st = add_section(R, title, 0,
                     "A plan for each of %.0f wards from %s to %s, with %.0f actions from the rules; the near-repeat "
                     "window: %s. Each ward's plan is a page in plans/ (printable on A4); every figure is in "
                     "plans/plans.gpkg.",
                     fig(r, "wards"), f ? f : "?", l ? l : "?", fig(r, "actions"),
                     sm_result_text(r, "nr_window") ? sm_result_text(r, "nr_window") : "none found");
  sm_result_destroy(r);
  return st;
}

/* ---- the front page ---------------------------------------------------------------------------------- */
static sm_status front_page(rep *R, const char *title, double seconds) {
  sm_buf b = {0};
  char npts[32];
  sm__thousands(sm_points_count(R->pts), npts, sizeof npts);
  sm_status st = sm__buf_printf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
  if (!st) st = esc(&b, title);
  if (!st)
    st = sm__buf_printf(
        &b, "</title>\n<style>\nbody{font:15px/1.45 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;"
            "color:#222}\nh1{font-size:1.6em;margin-bottom:.2em}\n.sub{color:#555;margin-top:0}\n"
            "section{border-left:4px solid #2b6ec0;padding:.2em 0 .2em 1em;margin:1em 0}\n"
            "section.note{border-color:#b0b0b0;color:#444}\nh2{font-size:1.1em;margin:.2em 0}\n"
            "ul.files li{margin:.2em 0}\nfooter{color:#666;font-size:.85em;margin-top:2em}\n"
            "@media print{section{break-inside:avoid}}\n</style>\n</head>\n<body>\n<h1>");
  if (!st) st = esc(&b, title);
  if (!st)
    st = sm__buf_printf(&b,
                        "</h1>\n<p class=\"sub\">%s burglaries, %zu wards. <a href=\"map/index.html\">Open the map</a>"
                        " (works offline) · <a href=\"plans/index.html\">the ward plans</a> · every layer in "
                        "<a href=\"report.gpkg\">report.gpkg</a> (open it in QGIS).</p>\n",
                        npts, sm_areas_count(R->areas));
  for (size_t i = 0; i < R->ns && !st; i++) {
    st = sm__buf_printf(&b, "<section%s>\n<h2>", R->sec[i].note ? " class=\"note\"" : "");
    if (!st) st = esc(&b, R->sec[i].title);
    if (!st) st = sm__buf_printf(&b, "</h2>\n<p>%s</p>\n</section>\n", R->sec[i].text);
  }
  if (!st && R->n_warnings)
    st = sm__buf_printf(&b, "<section class=\"note\">\n<h2>Notes from the analyses</h2>\n<ul>\n%s</ul>%s\n</section>\n",
                        R->warnings.s ? R->warnings.s : "", R->n_warnings > 20 ? "<p>(the first 20)</p>" : "");
  if (!st)
    st = sm__buf_printf(&b,
                        "<footer>Made with safemap %s in %.1f s. Crime data: police.uk, Contains public sector "
                        "information licensed under the Open Government Licence v3.0. Each layer records how it "
                        "was made (its metadata in report.gpkg).</footer>\n</body>\n</html>\n",
                        sm_version_string(), seconds);
  char *path = st ? NULL : sm__asprintf("%s/index.html", R->tmp);
  if (!st && !path) st = sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  else if (st) st = sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  if (!st) st = sm__tiles_write_file(R->ctx, path, b.s, b.n);
  sm__free(path), sm__free(b.s);
  return st;
}

/* ---- the run ----------------------------------------------------------------------------------------- */
sm_status sm_report_run(sm_ctx *ctx, const sm_points *points, const sm_areas *areas, const char *dir,
                        const sm_report_options *opts, sm_report_info *info) {
  sm_report_options dflt = SM_REPORT_OPTIONS_INIT;
  const sm_report_options *o = opts ? opts : &dflt;
  if (!points || !dir || !*dir)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_report_run: %s is missing", points ? "the folder" : "the points");
  if (!areas) return sm__error(ctx, SM_E_INVALID_ARG, "a report needs the wards (--wards)");
  if (o->version != SM_REPORT_OPTIONS_VERSION)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_report_options version %d is not %d", o->version, SM_REPORT_OPTIONS_VERSION);
  struct stat sb;
  if (stat(dir, &sb) == 0 && !o->overwrite)
    return sm__error(ctx, SM_E_IO, "'%s' exists already; nothing was written (use --overwrite to replace it)", dir);
  if (stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
    return sm__error(ctx, SM_E_IO, "'%s' exists and is not a folder: the report is a folder", dir);
  double t0 = sm__now();
  rep R = {.ctx = ctx, .pts = points, .areas = areas, .o = o};
  const char *slash = strrchr(dir, '/');
  R.tmp = slash ? sm__asprintf("%.*s/.%s.tmp-%ld", (int)(slash - dir), dir, slash + 1, (long)getpid())
                : sm__asprintf(".%s.tmp-%ld", dir, (long)getpid());
  sm_status st = R.tmp ? sm__result_create(ctx, &R.all) : sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) sm__tiles_rm_tree(R.tmp);
  if (!st) st = sm__tiles_mkdirs(ctx, R.tmp);
  int made = !st;
  static const char *const STEP[] = {"counting", "density", "hot wards", "hot cells", "emerging hot spots",
                                     "near repeats", "scan", "forecast", "ward plans", "map and files"};
  /* the analyses' warnings go to the front page; each analysis's progress into its tenth */
  R.log = ctx->log, R.log_level = ctx->log_level, R.log_user = ctx->log_user;
  ctx->log = report_log, ctx->log_user = &R;
  if (!R.log || ctx->log_level < SM_LOG_WARNING) ctx->log_level = SM_LOG_WARNING; /* warnings always, for the page */
  for (int k = 0; k < 10 && !st; k++) {
    st = sm__progress(ctx, k / 10.0, STEP[k]);
    if (st) break;
    sm__log(ctx, SM_LOG_INFO, "report: %s", STEP[k]);
    double saved[2], tk = sm__now();
    sm__progress_push(ctx, k / 10.0, (k + 1) / 10.0, saved);
    switch (k) {
    case 0: st = do_count(&R); break;
    case 1: st = do_kde(&R); break;
    case 2: st = do_hotspots(&R, 0); break;
    case 3: st = do_hotspots(&R, 1); break;
    case 4: st = do_emerging(&R); break;
    case 5: st = do_nearrepeat(&R); break;
    case 6: st = do_scan(&R); break;
    case 7: st = do_forecast(&R); break;
    case 8: st = do_plan(&R); break;
    default: {
      char *p = sm__asprintf("%s/report.gpkg", R.tmp), *m = sm__asprintf("%s/map", R.tmp);
      sm_write_options wo = SM_WRITE_OPTIONS_INIT;
      st = p && m ? sm_result_write(ctx, R.all, p, &wo) : sm__error(ctx, SM_E_NOMEM, "out of memory");
      sm_viewer_options vo = SM_VIEWER_OPTIONS_INIT;
      char *t = sm__asprintf("Burglary, %s to %s", R.first ? R.first : "?", R.last ? R.last : "?");
      vo.title = t;
      if (!st && R.tiles) st = sm_tiles_viewer(ctx, m, &vo);
      sm__free(p), sm__free(m), sm__free(t);
    }
    }
    sm__progress_pop(ctx, saved);
    sm__log(ctx, SM_LOG_DEBUG, "report: %s took %.2f s", STEP[k], sm__now() - tk);
  }
  ctx->log = R.log, ctx->log_user = R.log_user, ctx->log_level = R.log_level;
  char *title = NULL;
  if (!st) {
    title = o->title ? sm__strdup(o->title)
                     : sm__asprintf("Burglary report, %s to %s", R.first ? R.first : "?", R.last ? R.last : "?");
    st = title ? front_page(&R, title, sm__now() - t0) : sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  /* into place: an existing folder (with overwrite) goes only once the new one is complete */
  if (!st) {
    char *old = sm__asprintf("%s.old-%ld", dir, (long)getpid());
    int had = stat(dir, &sb) == 0;
    if (!old) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    else if (had && rename(dir, old) != 0) st = sm__error(ctx, SM_E_IO, "cannot replace '%s': %s", dir, strerror(errno));
    else if (rename(R.tmp, dir) != 0) {
      st = sm__error(ctx, SM_E_IO, "cannot write '%s': %s", dir, strerror(errno));
      if (had) rename(old, dir);
    } else if (had) {
      sm__tiles_rm_tree(old);
    }
    sm__free(old);
  }
  if (st && made) sm__tiles_rm_tree(R.tmp);
  if (!st && info) {
    size_t notes = 0;
    for (size_t i = 0; i < R.ns; i++) notes += (size_t)R.sec[i].note;
    *info = (sm_report_info){R.ns, notes, sm_result_layer_count(R.all) + sm_result_raster_count(R.all), R.tiles,
                             sm__now() - t0};
  }
  if (!st) sm__progress(ctx, 1.0, "report written");
  for (size_t i = 0; i < R.ns; i++) sm__free(R.sec[i].title), sm__free(R.sec[i].text);
  sm_result_destroy(R.all);
  sm__free(R.tmp), sm__free(R.first), sm__free(R.last), sm__free(title), sm__free(R.warnings.s);
  return st;
}
