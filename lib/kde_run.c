/* The kde pipeline (kde.h, sm_kde_run): one surface or a dual one, masked to the study area, with its hot-spot
 * areas, the full recipe and the figures `safemap kde` prints. */
#include "internal/bands.h"
#include "internal/mpi.h"
#include "internal/limits.h"
#include "internal/options.h"
#include "internal/recipe.h"
#include "internal/result_build.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
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

sm_status sm_kde_run_options_init(sm_kde_run_options *opts, int version) {
  if (!opts || version < 1 || version > SM_KDE_RUN_OPTIONS_VERSION) return SM_E_INVALID_ARG;
  sm_kde_run_options d = SM_KDE_RUN_OPTIONS_INIT;
  if (version == 1) memcpy(opts, &d, offsetof(sm_kde_run_options, output)); /* a version-1 struct is shorter */
  else *opts = d;
  opts->version = version;
  return SM_OK;
}

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
  if (o->version >= 2 && o->band_rows && !o->output)
    return sm__error(ctx, SM_E_INVALID_ARG, "--band-rows goes with an output file (-o): bands are written as they are done");
  if (o->version >= 2 && o->band_rows && (o->compare || o->n_hotspot_percents || o->keep_surface))
    return sm__error(ctx, SM_E_INVALID_ARG, "--band-rows cannot go with %s: %s needs the whole surface in memory",
                     o->compare ? "--dual" : o->n_hotspot_percents ? "--hotspot-areas" : "--tiles",
                     o->compare ? "a dual surface" : o->n_hotspot_percents ? "the hot-spot areas" : "drawing tiles");
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
  for (size_t s = 0; s < nsets; s++) { /* only the points outside are kept: few, even of tens of millions */
    const double *x = sm_points_x(sets[s]), *y = sm_points_y(sets[s]);
    size_t ns = sm_points_count(sets[s]), out = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static) reduction(+ : out)
#endif
    for (size_t i = 0; i < ns; i++) out += !(x[i] >= e[0] && x[i] <= e[2] && y[i] >= e[1] && y[i] <= e[3]);
    n += out;
  }
  if (!n) return SM_OK; /* none outside (the QGIS conventions' grid holds every point) */
  double *xy = sm__malloc(n * 2 * sizeof *xy);
  if (!xy) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t s = 0; s < nsets; s++) {
    const double *x = sm_points_x(sets[s]), *y = sm_points_y(sets[s]);
    for (size_t i = 0; i < sm_points_count(sets[s]); i++) {
      if (x[i] >= e[0] && x[i] <= e[2] && y[i] >= e[1] && y[i] <= e[3]) continue;
      double dx = fmax(fmax(e[0] - x[i], x[i] - e[2]), 0), dy = fmax(fmax(e[1] - y[i], y[i] - e[3]), 0);
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

/* The figures' cells with a value, least and largest (no sum: none of them is one, and the rest do not depend on the
 * order), on the threads. */
static void grid_extremes(sm_ctx *ctx, const sm_raster *r, sm_raster_stats *rs) {
  const double *v = sm_raster_values(r);
  size_t n = sm_raster_width(r) * sm_raster_height(r), valid = 0;
  double lo = INFINITY, hi = -INFINITY;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static) reduction(+ : valid) reduction(min : lo) \
    reduction(max : hi)
#endif
  for (size_t i = 0; i < n; i++)
    if (!isnan(v[i])) {
      valid++;
      lo = v[i] < lo ? v[i] : lo;
      hi = v[i] > hi ? v[i] : hi;
    }
  memset(rs, 0, sizeof *rs);
  rs->n_valid = valid, rs->min = valid ? lo : NAN, rs->max = valid ? hi : NAN;
}

static sm_status surface_figures(sm_ctx *ctx, sm_result *res, const sm_raster *r, const sm_raster_stats *stats,
                                 const sm_kde_info *info) {
  sm_raster_stats rs;
  if (stats) rs = *stats;
  else grid_extremes(ctx, r, &rs);
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

/* ---- whole or in bands ------------------------------------------------------------------------------------ */

/* Whole (*rows = 0) or the rows of a band: the whole grid when it fits the memory limit and the limit of cells and
 * no band size is asked for; else bands when the surface goes to a file and nothing needs it whole; else a refusal
 * saying what it would need. *bytes: the estimate of what the run holds. */
static sm_status plan_bands(sm_ctx *ctx, sm__kde_plan *plan, const sm_points *points, const sm_kde_run_options *o,
                            const char *output, size_t *rows, double *bytes) {
  const sm_raster *hd = sm__kde_plan_header(plan);
  size_t w = sm_raster_width(hd), h = sm_raster_height(hd);
  double fixed = sm__points_bytes(points) + sm__kde_plan_bytes(plan), whole = sm__grid_bytes(w, h);
  double lim = sm__limit(ctx, SM_LIMIT_MEMORY), cells = (double)w * (double)h;
  double max_cells = o->surface.max_cells > 0 ? o->surface.max_cells : sm__limit(ctx, SM_LIMIT_CELLS);
  size_t asked = o->version >= 2 ? o->band_rows : 0;
  char what[160], a[32], b[32];
  *rows = 0, *bytes = fixed + whole;
  if (cells > max_cells) { /* the guard against a mistaken --cell, for grids held whole or in bands */
    snprintf(what, sizeof what, "a %zu x %zu grid", w, h);
    return sm__limit_check_at(ctx, SM_LIMIT_CELLS, o->surface.max_cells, cells, cells * 8, what,
                              "use a larger --cell or a smaller --extent");
  }
  if (!asked && fixed + whole <= lim) return SM_OK;
  const char *whole_for = !output ? "a surface returned rather than written (no output file)"
                          : o->n_hotspot_percents ? "--hotspot-areas"
                          : (o->version >= 2 && o->keep_surface) ? "--tiles"
                                                                 : NULL;
  if (whole_for) {
    snprintf(what, sizeof what, "the %zu x %zu surface held whole (for %s), with the points (%s),", w, h, whole_for,
             sm__fmt_bytes(fixed, a, sizeof a));
    return sm__memory_check(ctx, fixed + whole, what,
                            output ? "write the surface alone to a file (it is then computed in bands), use a larger "
                                     "--cell or a smaller --extent"
                                   : "give an output file (it is then computed in bands), use a larger --cell or a "
                                     "smaller --extent");
  }
  size_t r = asked;
  if (!r) {
    /* as many rows as fit, up to bands of about 256 MiB (larger ones save nothing; smaller ones share out) */
    double per_row = sm__band_bytes(w, h, 1) - sm__band_bytes(w, h, 0);
    double room = (lim - fixed - sm__band_bytes(w, h, 0)) / per_row, cap = fmax(256, 268435456.0 / per_row);
    if (room > cap) room = cap;
    r = room >= (double)h ? h : room >= 256 ? (size_t)(room / 256) * 256 : room >= 1 ? (size_t)room : 0;
  }
  if (r > h) r = h;
  double need = fixed + sm__band_bytes(w, h, r ? r : 1);
  if (!r || need > lim) {
    snprintf(what, sizeof what, "one band of %zu row%s of the %zu x %zu surface, with the points (%s),", r ? r : 1,
             r > 1 ? "s" : "", w, h, sm__fmt_bytes(fixed, a, sizeof a));
    sm_status st = sm__memory_check(ctx, need, what, "use a larger --cell, a smaller --extent or fewer --band-rows");
    if (st) return st;
  }
  *rows = r, *bytes = need;
  sm__log(ctx, SM_LOG_INFO, "the %zu x %zu surface (%s whole) is computed and written in bands of %zu rows (%s each; "
          "memory limit %s)", w, h, sm__fmt_bytes(whole, a, sizeof a), r, sm__fmt_bytes(sm__band_bytes(w, h, r), b, sizeof b),
          sm__fmt_bytes(lim, what, sizeof what));
  return SM_OK;
}

/* The cells' statistics, in row order as sm_raster_stats_compute takes them. */
static void band_stats(sm_raster_stats *rs, const double *band, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isnan(band[i])) {
      rs->n_valid++, rs->sum += band[i];
      if (band[i] < rs->min) rs->min = band[i];
      if (band[i] > rs->max) rs->max = band[i];
    }
}

/* The surface computed band by band into `output`; the statistics of its cells. Nothing is left at `output` on
 * failure. With the ranks of an MPI run, band b is computed by rank b mod N, in rounds of N bands; after each round
 * the ranks agree that every band of it was computed, and rank 0 writes them in order (its own, then each other
 * rank's, received into the same buffer), so the file is the one a single process writes. Ranks beyond the
 * number of bands idle. */
static sm_status write_bands(sm_ctx *ctx, sm__kde_plan *plan, const char *output, const sm_write_options *wo, size_t rows,
                             sm_raster_stats *rs, sm_kde_info *info) {
  sm_raster *hd = sm__kde_plan_header(plan);
  size_t w = sm_raster_width(hd), h = sm_raster_height(hd), nb = (h + rows - 1) / rows;
  int rank = sm__rank(ctx), ranks = sm__ranks(ctx);
  double *band = sm__malloc(rows * w * sizeof *band);
  sm_status st = band ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory for a band of %zu x %zu cells", w, rows);
  sm__raster_out *ro = NULL;
  if (!st && rank == 0) st = sm__raster_out_open(ctx, &ro, output, hd, wo);
  st = sm__mpi_agree(ctx, st);
  rs->n_valid = 0, rs->min = INFINITY, rs->max = -INFINITY, rs->sum = 0;
  double t_sum = 0, t_write = 0, saved[2];
  sm__progress_push(ctx, 0, ranks > 1 ? (double)nb / (double)((nb + (size_t)ranks - 1) / (size_t)ranks) : 1, saved);
  for (size_t b0 = 0; b0 < nb && !st; b0 += (size_t)ranks) {
    size_t mine = b0 + (size_t)rank, r0 = mine * rows, r1 = r0 + rows < h ? r0 + rows : h;
    double t0 = sm__now();
    if (mine < nb) st = sm__kde_plan_band(plan, r0, r1, band);
    st = sm__mpi_agree(ctx, st); /* every band of the round is computed, or every rank stops */
    double t1 = sm__now();
    t_sum += t1 - t0;
    if (st) break;
    if (rank == 0) {
      sm_status wst = SM_OK;
      for (size_t q = 0; q < (size_t)ranks && b0 + q < nb; q++) {
        size_t a = (b0 + q) * rows, z = a + rows < h ? a + rows : h;
        if (q) st = sm__mpi_recv(ctx, band, (z - a) * w, (int)q);
        if (st) break;
        band_stats(rs, band, (z - a) * w);
        if (!wst) wst = sm__raster_out_rows(ro, a, z, band); /* after a failure, the round's bands are still received */
      }
      if (!st) st = wst;
    } else if (mine < nb) {
      st = sm__mpi_send(ctx, band, (r1 - r0) * w, 0);
    }
    t_write += sm__now() - t1;
  }
  sm__progress_pop(ctx, saved);
  st = sm__mpi_agree(ctx, st); /* rank 0 wrote every band */
  sm__free(band);
  if (!st) st = sm__kde_plan_sum_counts(plan);
  if (!st && ranks > 1) st = sm__mpi_share(ctx, rs, 1, sizeof *rs); /* rank 0 saw every cell */
  if (!st) st = sm__kde_plan_finish(plan, info);
  double t2 = sm__now();
  if (ro) {
    sm_status cst = sm__raster_out_close(ro, hd, st == SM_OK);
    if (!st) st = cst;
  }
  st = sm__mpi_agree(ctx, st); /* the file is in place */
  sm__log(ctx, SM_LOG_DEBUG, "bands: kernel sums %.3f s, %s %.3f s, finishing the file %.3f s", t_sum,
          ranks > 1 ? (rank ? "sending" : "receiving and writing") : "writing", t_write, sm__now() - t2);
  if (rs->n_valid == 0) rs->min = rs->max = NAN;
  return st;
}

static sm_status kde_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                         const sm_kde_run_options *opts);

sm_status sm_kde_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                     const sm_kde_run_options *opts) {
  sm_status st = sm__mpi_agree(ctx, kde_run(ctx, out, points, areas, opts)); /* every rank ends as the first failed */
  if (st && out) sm_result_destroy(*out), *out = NULL;
  return st;
}

static sm_status kde_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                         const sm_kde_run_options *opts) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_kde_run: NULL result");
  *out = NULL;
  sm_kde_run_options d = SM_KDE_RUN_OPTIONS_INIT;
  if (!opts) opts = &d;
  sm_status st = check_options(ctx, opts, areas != NULL, 1);
  if (st) return st;
  if (!points) return sm__error(ctx, SM_E_INVALID_ARG, "sm_kde_run: no points");
  if ((st = sm__points_usable(ctx, points, areas, "no points to estimate a density from"))) return st;
  const char *output = opts->version >= 2 ? opts->output : NULL;
  const sm_write_options *wo = opts->version >= 2 ? opts->write : NULL;
  if (output && (st = sm_write_check(ctx, output, wo))) return st;
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
  sm__kde_plan *plan = NULL;
  sm_kde_info info;
  sm_raster_stats bstats;
  size_t rows = 0;
  double bytes = 0, saved[2];
  sm__progress_push(ctx, 0, opts->n_hotspot_percents || output ? 0.8 : 1.0, saved);
  if (opts->compare) {
    st = sm_kde_dual(ctx, &r, points, opts->compare, &ko, opts->dual, opts->normalise, opts->epsilon, &info);
  } else {
    st = sm__kde_plan_create(ctx, points, &ko, &plan);
    if (!st) st = plan_bands(ctx, plan, points, opts, output, &rows, &bytes);
    st = sm__mpi_agree(ctx, st);
    if (!st && sm__ranks(ctx) > 1) { /* ranks on machines of different sizes: the smallest band any of them takes */
      size_t m = rows ? rows : SIZE_MAX;
      st = sm__mpi_min(ctx, &m);
      rows = m == SIZE_MAX ? 0 : m;
    }
    if (!st && !rows) st = sm__kde_plan_whole(plan, &r, &info);
  }
  if (!st) st = sm__result_create(ctx, &res);
  sm_raster *hd = rows ? sm__kde_plan_header(plan) : r; /* a banded surface is described by the plan's header */
  if (!st) st = raster_recipe(ctx, hd, opts, points, areas);
  if (!st) st = report_outside(ctx, res, hd, &ko, opts, points, from_areas, rows ? sm__kde_plan_radius(plan)
                                                                                            : info.radius_m);
  if (!st && rows) st = write_bands(ctx, plan, output, wo, rows, &bstats, &info);
  sm__progress_pop(ctx, saved);
  if (!st && opts->n_hotspot_percents)
    st = sm_kde_hotspot_areas(ctx, &L, r, opts->hotspot_percents, opts->n_hotspot_percents, "kde_hotspot_areas");
  if (!st && L) st = layer_recipe(ctx, L, r, opts, points, areas);
  if (!st) st = surface_figures(ctx, res, hd, rows ? &bstats : NULL, &info);
  if (!st) st = hotspot_figures(ctx, res, L, sm_result_figure(res, "valid_cells"));
  if (!st) st = sm__result_figure(ctx, res, "bands", rows ? ceil((double)info.height / (double)rows) : 1);
  if (!st) st = sm__result_figure(ctx, res, "band_rows", rows ? (double)rows : (double)info.height);
  if (!st) st = sm__result_figure(ctx, res, "memory_bytes", bytes);
  if (!st && output) st = sm__result_text(ctx, res, "output", output);
  if (!st && r) {
    st = sm__result_add_raster(ctx, res, r);
    r = NULL;
  }
  if (!st && L) {
    st = sm__result_add_layer(ctx, res, L, "_kde_hotspot_areas");
    L = NULL;
  }
  if (!st && output && !rows) { /* whole: written as sm_result_write writes it */
    double saved2[2];
    sm__progress_push(ctx, 0.8, 1.0, saved2);
    st = sm_result_write(ctx, res, output, wo);
    sm__progress_pop(ctx, saved2);
  }
  sm__kde_plan_destroy(plan);
  sm_raster_destroy(r);
  sm_layer_destroy(L);
  if (st) {
    sm_result_destroy(res);
    return st;
  }
  *out = res;
  return sm__progress(ctx, 1.0, "kernel density");
}
