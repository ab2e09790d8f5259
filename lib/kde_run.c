/* The kde pipeline (kde.h, sm_kde_run): one surface or a dual one, masked to the study area, with its hot-spot
 * areas, the full recipe and the figures `safemap kde` prints. */
#include "internal/options.h"
#include "internal/recipe.h"
#include "internal/result_build.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names -------------------------------------------------------------------------------- */

static const char *const bw_names[SM_BW_END_] = {"fixed", "auto", "scott", "ppl", "diggle"};
static const char *const edge_names[SM_KDE_EDGE_END_] = {"none", "uniform", "diggle"};
static const char *const dual_names[SM_KDE_DUAL_END_] = {"difference", "ratio", "log-ratio"};
static const char *const units_names[SM_KDE_UNITS_END_] = {"auto", "per-km2", "per-ha", "per-m2", "count", "probability"};

const char *sm_kde_units_name(sm_kde_units u) { return (int)u >= 0 && u < SM_KDE_UNITS_END_ ? units_names[u] : NULL; }
const char *sm_bw_rule_name(sm_bw_rule r) { return (int)r >= 0 && r < SM_BW_END_ ? bw_names[r] : NULL; }
const char *sm_kde_edge_name(sm_kde_edge e) { return (int)e >= 0 && e < SM_KDE_EDGE_END_ ? edge_names[e] : NULL; }
const char *sm_kde_dual_op_name(sm_kde_dual_op op) { return (int)op >= 0 && op < SM_KDE_DUAL_END_ ? dual_names[op] : NULL; }

static int find(const char *const *names, int n, const char *name) {
  for (int k = 0; name && k < n; k++)
    if (!strcmp(name, names[k])) return k;
  return -1;
}

sm_status sm_bw_rule_from_name(sm_ctx *ctx, const char *name, sm_bw_rule *out) {
  int k = find(bw_names, SM_BW_END_, name);
  if (k < 0 || !out)
    return sm__error(ctx, SM_E_INVALID_ARG, "unknown bandwidth rule '%s' (fixed, auto, scott, ppl, diggle)", name ? name : "");
  *out = (sm_bw_rule)k;
  return SM_OK;
}
sm_status sm_kde_edge_from_name(sm_ctx *ctx, const char *name, sm_kde_edge *out) {
  int k = find(edge_names, SM_KDE_EDGE_END_, name);
  if (k < 0 || !out) return sm__error(ctx, SM_E_INVALID_ARG, "unknown --edge '%s' (none, uniform, diggle)", name ? name : "");
  *out = (sm_kde_edge)k;
  return SM_OK;
}
sm_status sm_kde_dual_op_from_name(sm_ctx *ctx, const char *name, sm_kde_dual_op *out) {
  int k = find(dual_names, SM_KDE_DUAL_END_, name);
  if (k < 0 || !out)
    return sm__error(ctx, SM_E_INVALID_ARG, "unknown --dual '%s' (difference, ratio, log-ratio)", name ? name : "");
  *out = (sm_kde_dual_op)k;
  return SM_OK;
}

SM__OPTIONS_INIT_FN(sm_kde_run_options, sm_kde_run_options_init, SM_KDE_RUN_OPTIONS_VERSION, SM_KDE_RUN_OPTIONS_INIT)

/* ---- validation ----------------------------------------------------------------------------- */

/* The options alone (have_areas: the run gets a study area); with `run`, also what needs B's points (compare). */
static sm_status check_options(sm_ctx *ctx, const sm_kde_run_options *o, int have_areas, int run) {
  const sm_kde_options *s = &o->surface;
  sm_status vst_ = sm__options_version(ctx, "sm_kde_run", o->version, SM_KDE_RUN_OPTIONS_VERSION);
  if (vst_) return vst_;
  if (s->version != SM_KDE_OPTIONS_VERSION)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_kde_run: surface options version %d; this library knows %d", s->version,
                     SM_KDE_OPTIONS_VERSION);
  if ((int)s->bandwidth_rule < 0 || s->bandwidth_rule >= SM_BW_END_)
    return sm__error(ctx, SM_E_INVALID_ARG, "--bandwidth needs metres, 'auto', 'scott', 'ppl' or 'diggle'");
  if (s->bandwidth_rule == SM_BW_FIXED && !(s->bandwidth_m > 0 && isfinite(s->bandwidth_m)))
    return sm__error(ctx, SM_E_INVALID_ARG, "the bandwidth must be a distance > 0 in metres, not %g", s->bandwidth_m);
  if ((int)s->edge < 0 || s->edge >= SM_KDE_EDGE_END_) return sm__error(ctx, SM_E_INVALID_ARG, "unknown --edge %d", (int)s->edge);
  if (have_areas && s->edge != SM_KDE_EDGE_NONE) /* the areas are the mask (sm_kde's message) */
    return sm__error(ctx, SM_E_INVALID_ARG,
                     "edge correction works over the grid's rectangle; it cannot be combined with a study-area mask");
  if (s->pilot_bandwidth_m < 0 || isnan(s->pilot_bandwidth_m))
    return sm__error(ctx, SM_E_INVALID_ARG, "--pilot-bandwidth needs metres > 0, not %g", s->pilot_bandwidth_m);
  if (s->adaptive_trim != 0 && !(s->adaptive_trim >= 1))
    return sm__error(ctx, SM_E_INVALID_ARG, "--trim needs a number >= 1, not %g", s->adaptive_trim);
  if ((s->pilot_bandwidth_m > 0 || s->adaptive_trim != 0) && !s->adaptive)
    return sm__error(ctx, SM_E_INVALID_ARG, "--pilot-bandwidth and --trim go with --adaptive");
  if (s->cell_m < 0 || isnan(s->cell_m))
    return sm__error(ctx, SM_E_INVALID_ARG, "--cell needs a size in metres > 0, not %g", s->cell_m);
  if (s->gaussian_cutoff != 0 && !(s->gaussian_cutoff >= 1))
    return sm__error(ctx, SM_E_INVALID_ARG, "--gaussian-cutoff needs a number of standard deviations >= 1, not %g",
                     s->gaussian_cutoff);
  if (o->n_hotspot_percents && !o->hotspot_percents)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_kde_run: n_hotspot_percents without hotspot_percents");
  for (size_t k = 0; k < o->n_hotspot_percents; k++)
    if (!(o->hotspot_percents[k] > 0 && o->hotspot_percents[k] <= 100))
      return sm__error(ctx, SM_E_INVALID_ARG, "--hotspot-areas needs percentages in (0, 100] like 50,75,90, not %g",
                       o->hotspot_percents[k]);
  if (run && !o->compare && (o->normalise || o->epsilon != 0))
    return sm__error(ctx, SM_E_INVALID_ARG, "--compare, --compare-from/--compare-to, --normalise and --epsilon go with --dual");
  if ((int)o->dual < 0 || o->dual >= SM_KDE_DUAL_END_) return sm__error(ctx, SM_E_INVALID_ARG, "unknown --dual %d", (int)o->dual);
  if (!(o->epsilon >= 0)) return sm__error(ctx, SM_E_INVALID_ARG, "--epsilon needs a number >= 0, not %g", o->epsilon);
  return SM_OK;
}

sm_status sm_kde_run_options_check(sm_ctx *ctx, const sm_kde_run_options *opts, int have_areas) {
  sm_kde_run_options d = SM_KDE_RUN_OPTIONS_INIT;
  return check_options(ctx, opts ? opts : &d, have_areas, 0);
}

/* ---- recipe --------------------------------------------------------------------------------- */

/* The options as the command line spells them. */
static sm_status options_text(const sm_kde_run_options *o, const sm_areas *areas, sm_buf *b) {
  const sm_kde_options *s = &o->surface;
  sm_status st = sm__buf_printf(b, "--convention %s --kernel %s --units %s --bandwidth ", sm_kde_convention_name(s->convention),
                                sm_kernel_name(s->kernel), sm_kde_units_name(s->units));
  if (!st) st = s->bandwidth_rule == SM_BW_FIXED ? sm__buf_printf(b, "%g", s->bandwidth_m) : sm__buf_printf(b, "%s", sm_bw_rule_name(s->bandwidth_rule));
  if (!st && s->cell_m > 0) st = sm__buf_printf(b, " --cell %g", s->cell_m);
  if (!st && s->gaussian_cutoff > 0) st = sm__buf_printf(b, " --gaussian-cutoff %g", s->gaussian_cutoff);
  if (!st) st = sm__buf_printf(b, " --edge %s", sm_kde_edge_name(s->edge));
  if (!st && s->adaptive) st = sm__buf_printf(b, " --adaptive");
  if (!st && s->pilot_bandwidth_m > 0) st = sm__buf_printf(b, " --pilot-bandwidth %g", s->pilot_bandwidth_m);
  if (!st && s->adaptive_trim > 0) st = sm__buf_printf(b, " --trim %g", s->adaptive_trim);
  if (!st && s->has_extent)
    st = sm__buf_printf(b, " --extent %.3f,%.3f,%.3f,%.3f", s->extent[0], s->extent[1], s->extent[2], s->extent[3]);
  if (!st && areas) st = sm__buf_printf(b, " --wards (%zu areas)", sm_areas_count(areas));
  for (size_t k = 0; k < o->n_hotspot_percents && !st; k++)
    st = sm__buf_printf(b, "%s%g", k ? "," : " --hotspot-areas ", o->hotspot_percents[k]);
  if (!st && o->compare) st = sm__buf_printf(b, " --dual %s", sm_kde_dual_op_name(o->dual));
  if (!st && o->compare && o->normalise) st = sm__buf_printf(b, " --normalise");
  if (!st && o->compare && o->epsilon > 0) st = sm__buf_printf(b, " --epsilon %g", o->epsilon);
  return st;
}

static sm_status raster_recipe(sm_ctx *ctx, sm_raster *r, const sm_kde_run_options *o, const sm_points *points,
                               const sm_areas *areas) {
  sm_buf b = {0};
  sm_status st = options_text(o, areas, &b);
  if (!st) st = sm_raster_set_metadata(ctx, r, "options", b.s ? b.s : "");
  sm__free(b.s);
  if (!st) st = sm_raster_set_metadata(ctx, r, "name", "kde");
  if (!st) st = sm_raster_set_metadata(ctx, r, "edge", sm_kde_edge_name(o->surface.edge));
  if (!st) st = sm_raster_set_metadata(ctx, r, "adaptive", o->surface.adaptive ? "yes" : "no");
  if (!st) st = sm_raster_set_metadata(ctx, r, "grid_extent", o->surface.has_extent ? "given (--extent)"
                                                            : areas ? "the study area's (--wards) extent"
                                                                    : "the convention's rule from the points");
  if (!st && o->compare) st = sm__raster_meta(ctx, r, "set_b_points", "%zu", sm_points_count(o->compare));
  if (!st) st = sm__raster_recipe_inputs(ctx, r, points, areas);
  return st;
}

/* The hot-spot layer carries the surface's recipe too: the keys it does not have itself. */
static sm_status layer_recipe(sm_ctx *ctx, sm_layer *L, const sm_raster *r, const sm_kde_run_options *o,
                              const sm_points *points, const sm_areas *areas) {
  sm_status st = SM_OK;
  for (size_t k = 0; k < sm_raster_metadata_count(r) && !st; k++) {
    const char *key = sm_raster_metadata_key(r, k);
    if (strcmp(key, "name") && strcmp(key, "description") && strcmp(key, "method") && !sm_layer_metadata_get(L, key))
      st = sm_layer_set_metadata(ctx, L, key, sm_raster_metadata_value(r, k));
  }
  sm_buf b = {0};
  for (size_t k = 0; k < o->n_hotspot_percents && !st; k++) st = sm__buf_printf(&b, "%s%g", k ? "," : "", o->hotspot_percents[k]);
  if (!st) st = sm_layer_set_metadata(ctx, L, "hotspot_areas", b.s ? b.s : "");
  sm__free(b.s);
  if (!st) st = sm__layer_recipe_inputs(ctx, L, points, areas);
  return st;
}

/* ---- incident locations outside the grid ----------------------------------------------------------- */

typedef struct {
  size_t n_points, n_locations, beyond_reach;
  double max_m;
} outside_grid;

static int cmp_xy(const void *a, const void *b) {
  const double *p = a, *q = b;
  return p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : p[1] < q[1] ? -1 : p[1] > q[1];
}

static sm_status measure_outside(sm_ctx *ctx, const sm_points *const *sets, size_t nsets, const double e[4], double reach,
                                 outside_grid *og) {
  memset(og, 0, sizeof *og);
  size_t n = 0, m = 0;
  for (size_t s = 0; s < nsets; s++) n += sm_points_count(sets[s]);
  double *xy = sm__malloc((n ? n : 1) * 2 * sizeof *xy);
  if (!xy) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t s = 0; s < nsets; s++) {
    const double *x = sm_points_x(sets[s]), *y = sm_points_y(sets[s]);
    for (size_t i = 0; i < sm_points_count(sets[s]); i++) {
      double dx = fmax(fmax(e[0] - x[i], x[i] - e[2]), 0), dy = fmax(fmax(e[1] - y[i], y[i] - e[3]), 0);
      if (x[i] >= e[0] && x[i] <= e[2] && y[i] >= e[1] && y[i] <= e[3]) continue;
      double d = sqrt(dx * dx + dy * dy);
      og->max_m = fmax(og->max_m, d);
      og->beyond_reach += d > reach;
      xy[2 * m] = x[i], xy[2 * m + 1] = y[i], m++;
    }
  }
  qsort(xy, m, 2 * sizeof *xy, cmp_xy);
  for (size_t i = 0; i < m; i++) og->n_locations += i == 0 || cmp_xy(xy + 2 * (i - 1), xy + 2 * i) != 0;
  og->n_points = m;
  sm__free(xy);
  return SM_OK;
}

/* Says what the locations outside the grid mean: info when the grid is the study area's and each of them still
 * reaches it, else a warning; recorded as "outside_grid" either way. */
static sm_status report_outside(sm_ctx *ctx, sm_result *res, sm_raster *r, const sm_kde_options *s,
                                const sm_kde_run_options *o, const sm_points *points, int wards, double reach) {
  double e[4];
  if (s->has_extent) {
    memcpy(e, s->extent, sizeof e);
  } else {
    double gt[6];
    sm_raster_geotransform(r, gt);
    e[0] = gt[0], e[3] = gt[3], e[2] = gt[0] + (double)sm_raster_width(r) * gt[1];
    e[1] = gt[3] - (double)sm_raster_height(r) * gt[1];
  }
  const sm_points *sets[2] = {points, o->compare};
  outside_grid og;
  sm_status st = measure_outside(ctx, sets, o->compare ? 2 : 1, e, reach, &og);
  if (!st) st = sm__result_figure(ctx, res, "locations_outside_grid", (double)og.n_locations);
  if (!st) st = sm__result_figure(ctx, res, "points_outside_grid", (double)og.n_points);
  if (!st) st = sm__result_figure(ctx, res, "outside_grid_max_m", og.max_m);
  if (st || !og.n_points) return st ? st : sm__result_text(ctx, res, "outside_grid_note", "");
  char msg[600];
  int k = snprintf(msg, sizeof msg, "%zu incident location%s (%zu point%s) lie%s %soutside the %s, up to %.0f m beyond it%s; ",
                   og.n_locations, og.n_locations == 1 ? "" : "s", og.n_points, og.n_points == 1 ? "" : "s",
                   og.n_locations == 1 ? "s" : "", wards && !og.beyond_reach ? "just " : "",
                   wards ? "wards' extent" : s->has_extent ? "grid's extent (--extent)" : "grid's extent", ceil(og.max_m),
                   wards && sm_points_is_policeuk(points) ? " (police.uk snap points beyond the boundary)" : "");
  if (og.beyond_reach)
    snprintf(msg + k, sizeof msg - (size_t)k, "%zu of those points lie beyond the kernel's reach (%.1f m) and add nothing to it",
             og.beyond_reach, reach);
  else
    snprintf(msg + k, sizeof msg - (size_t)k, "their kernels still reach into it (%.1f m) and are counted: the surface is complete",
             reach);
  st = sm_raster_set_metadata(ctx, r, "outside_grid", msg);
  if (!st) st = sm__result_text(ctx, res, "outside_grid_note", msg);
  if (st) return st;
  if (wards && !og.beyond_reach) {
    sm__log(ctx, SM_LOG_INFO, "%s", msg);
    return SM_OK;
  }
  return sm__raster_warn(ctx, r, "%s", msg);
}

/* ---- the pipeline ------------------------------------------------------------------------------------ */

static sm_status surface_figures(sm_ctx *ctx, sm_result *res, const sm_raster *r, const sm_kde_info *info) {
  sm_raster_stats rs;
  sm_raster_stats_compute(r, &rs);
  sm_status st = sm__result_figure(ctx, res, "points", (double)info->n_points);
  if (!st) st = sm__result_figure(ctx, res, "locations", (double)info->n_locations);
  if (!st) st = sm__result_figure(ctx, res, "bandwidth_m", info->bandwidth_m);
  if (!st) st = sm__result_figure(ctx, res, "radius_m", info->radius_m);
  if (!st) st = sm__result_figure(ctx, res, "cell_m", info->cell_m);
  if (!st) st = sm__result_figure(ctx, res, "width", (double)info->width);
  if (!st) st = sm__result_figure(ctx, res, "height", (double)info->height);
  if (!st) st = sm__result_figure(ctx, res, "min", rs.min);
  if (!st) st = sm__result_figure(ctx, res, "max", rs.max);
  if (!st) st = sm__result_figure(ctx, res, "valid_cells", (double)rs.n_valid);
  const char *kernel = sm_raster_metadata_get(r, "kernel"), *conv = sm_raster_metadata_get(r, "convention"),
             *units = sm_raster_metadata_get(r, "units");
  if (!st) st = sm__result_text(ctx, res, "kernel", kernel ? kernel : "");
  if (!st) st = sm__result_text(ctx, res, "rule", info->rule ? info->rule : "");
  if (!st) st = sm__result_text(ctx, res, "convention", conv ? conv : "");
  if (!st) st = sm__result_text(ctx, res, "units", units ? units : "");
  return st;
}

static sm_status hotspot_figures(sm_ctx *ctx, sm_result *res, const sm_layer *L, double valid_cells) {
  size_t n = L ? sm_layer_feature_count(L) : 0;
  sm_status st = sm__result_figure(ctx, res, "hotspot_areas", (double)n);
  for (size_t k = 0; k < n && !st; k++) {
    char name[64];
    snprintf(name, sizeof name, "hotspot_%zu_percent", k);
    st = sm__result_figure(ctx, res, name, sm_layer_get_double(L, k, 0));
    snprintf(name, sizeof name, "hotspot_%zu_km2", k);
    if (!st) st = sm__result_figure(ctx, res, name, sm_layer_get_double(L, k, 4));
    snprintf(name, sizeof name, "hotspot_%zu_valid_share", k);
    if (!st) st = sm__result_figure(ctx, res, name, 100.0 * (double)sm_layer_get_int(L, k, 3) / valid_cells);
  }
  return st;
}

sm_status sm_kde_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                     const sm_kde_run_options *opts) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_kde_run: NULL result");
  *out = NULL;
  sm_kde_run_options d = SM_KDE_RUN_OPTIONS_INIT;
  if (!opts) opts = &d;
  sm_status st = check_options(ctx, opts, areas != NULL, 1);
  if (st) return st;
  if (!points) return sm__error(ctx, SM_E_INVALID_ARG, "sm_kde_run: no points");
  if ((st = sm__points_usable(ctx, points, areas, "no points to estimate a density from"))) return st;
  sm_kde_options ko = opts->surface;
  ko.mask = areas; /* cells outside the study area are nodata */
  int from_areas = areas && !ko.has_extent;
  if (from_areas) {
    sm_areas_extent(areas, ko.extent);
    ko.has_extent = 1;
  }
  sm_raster *r = NULL;
  sm_layer *L = NULL;
  sm_result *res = NULL;
  sm_kde_info info;
  double saved[2];
  sm__progress_push(ctx, 0, opts->n_hotspot_percents ? 0.8 : 1.0, saved);
  st = opts->compare ? sm_kde_dual(ctx, &r, points, opts->compare, &ko, opts->dual, opts->normalise, opts->epsilon, &info)
                     : sm_kde(ctx, &r, points, &ko, &info);
  sm__progress_pop(ctx, saved);
  if (!st) st = sm__result_create(ctx, &res);
  if (!st) st = raster_recipe(ctx, r, opts, points, areas);
  if (!st) st = report_outside(ctx, res, r, &ko, opts, points, from_areas, info.radius_m);
  if (!st && opts->n_hotspot_percents)
    st = sm_kde_hotspot_areas(ctx, &L, r, opts->hotspot_percents, opts->n_hotspot_percents, "kde_hotspot_areas");
  if (!st && L) st = layer_recipe(ctx, L, r, opts, points, areas);
  if (!st) st = surface_figures(ctx, res, r, &info);
  if (!st) st = hotspot_figures(ctx, res, L, sm_result_figure(res, "valid_cells"));
  if (!st) {
    st = sm__result_add_raster(ctx, res, r);
    r = NULL;
  }
  if (!st && L) {
    st = sm__result_add_layer(ctx, res, L, "_kde_hotspot_areas");
    L = NULL;
  }
  sm_raster_destroy(r);
  sm_layer_destroy(L);
  if (st) {
    sm_result_destroy(res);
    return st;
  }
  *out = res;
  return sm__progress(ctx, 1.0, "kernel density");
}
