/* sm_emerging_run: emerging hot spot analysis from incidents to the command line's two layers (emerging.h).
 * Every decision `safemap emerging` makes lives here: the locations, the time steps and the cube, the weights
 * and band, the time lag and global window, the permutations, the categories and the recipe. */
#include "internal/mpi.h"
#include "internal/options.h"
#include "internal/trend.h"
#include "internal/recipe.h"
#include "internal/result_build.h"
#include "internal/sm_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- names ------------------------------------------------------------------------------ */

static const char *const window_names[] = {"cube", "neighbourhood", "step"};
static const char *const rules_names[] = {"pro", "arcmap"};
static const char *const weights_names[] = {"auto", "queen", "rook", "band", "knn"};
static const char *const category_names[] = {
    "no_pattern",       "new_hot",          "consecutive_hot",  "intensifying_hot", "persistent_hot",  "diminishing_hot",
    "sporadic_hot",     "oscillating_hot",  "historical_hot",   "new_cold",         "consecutive_cold", "intensifying_cold",
    "persistent_cold",  "diminishing_cold", "sporadic_cold",    "oscillating_cold", "historical_cold"};
/* indexed by sm_bin_unit (1..6) */
static const char *const bin_names[] = {NULL, "day", "week", "month", "quarter", "year", "days"};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static int find_name(const char *const *names, size_t n, const char *name) {
  for (size_t i = 0; name && i < n; i++)
    if (names[i] && !strcmp(names[i], name)) return (int)i;
  return -1;
}

const char *sm_global_window_name(sm_global_window w) {
  return (int)w >= 0 && (size_t)w < COUNT_OF(window_names) ? window_names[w] : NULL;
}
sm_status sm_global_window_from_name(sm_ctx *ctx, const char *name, sm_global_window *out) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_global_window_from_name: NULL argument");
  int k = find_name(window_names, COUNT_OF(window_names), name);
  if (k < 0) return sm__error(ctx, SM_E_INVALID_ARG, "--global-window '%s' is not cube, neighbourhood or step", name ? name : "");
  *out = (sm_global_window)k;
  return SM_OK;
}

const char *sm_ehsa_rules_name(sm_ehsa_rules r) {
  return (int)r >= 0 && (size_t)r < COUNT_OF(rules_names) ? rules_names[r] : NULL;
}
sm_status sm_ehsa_rules_from_name(sm_ctx *ctx, const char *name, sm_ehsa_rules *out) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_ehsa_rules_from_name: NULL argument");
  int k = find_name(rules_names, COUNT_OF(rules_names), name);
  if (k < 0) return sm__error(ctx, SM_E_INVALID_ARG, "--rules '%s' is not pro or arcmap", name ? name : "");
  *out = (sm_ehsa_rules)k;
  return SM_OK;
}

const char *sm_ehsa_category_name(sm_ehsa_category c) {
  return (int)c >= 0 && (size_t)c < COUNT_OF(category_names) ? category_names[c] : NULL;
}
sm_status sm_ehsa_category_from_name(sm_ctx *ctx, const char *name, sm_ehsa_category *out) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_ehsa_category_from_name: NULL argument");
  int k = find_name(category_names, COUNT_OF(category_names), name);
  if (k < 0)
    return sm__error(ctx, SM_E_INVALID_ARG, "unknown category '%s' (no_pattern, new_hot, consecutive_hot, intensifying_hot, "
                                            "persistent_hot, diminishing_hot, sporadic_hot, oscillating_hot, historical_hot, "
                                            "and the same with _cold)", name ? name : "");
  *out = (sm_ehsa_category)k;
  return SM_OK;
}

const char *sm_bin_unit_name(sm_bin_unit u) {
  return (int)u >= 1 && (size_t)u < COUNT_OF(bin_names) ? bin_names[u] : NULL;
}
sm_status sm_bin_unit_from_name(sm_ctx *ctx, const char *name, sm_bin_unit *out) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_bin_unit_from_name: NULL argument");
  int k = find_name(bin_names, COUNT_OF(bin_names), name);
  if (k < 1) return sm__error(ctx, SM_E_INVALID_ARG, "--bin '%s' is not month, quarter, year, week, day or Nd (e.g. 14d)", name ? name : "");
  *out = (sm_bin_unit)k;
  return SM_OK;
}

const char *sm_emerging_weights_name(sm_emerging_weights w) {
  return (int)w >= 0 && (size_t)w < COUNT_OF(weights_names) ? weights_names[w] : NULL;
}
sm_status sm_emerging_weights_from_name(sm_ctx *ctx, const char *name, sm_emerging_weights *out) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_emerging_weights_from_name: NULL argument");
  int k = find_name(weights_names, COUNT_OF(weights_names), name);
  if (k < 0) return sm__error(ctx, SM_E_INVALID_ARG, "unknown --weights '%s' (queen, rook, band, knn)", name ? name : "");
  *out = (sm_emerging_weights)k;
  return SM_OK;
}

/* ---- options ---------------------------------------------------------------------------- */

SM__OPTIONS_INIT_FN(sm_emerging_options, sm_emerging_options_init, SM_EMERGING_OPTIONS_VERSION, SM_EMERGING_OPTIONS_INIT)

/* The choices once the defaults are resolved. */
typedef struct choice {
  sm_unit_kind kind;        /* SM_UNIT_AREAS, SM_UNIT_FISHNET or SM_UNIT_HEXAGON */
  sm_emerging_weights wt;   /* never AUTO */
  int contiguity, knn;      /* queen or rook; knn */
  size_t lag, k;            /* time lag; knn's k */
} choice;

static sm_status resolve(sm_ctx *ctx, const sm_emerging_options *o, int have_areas, choice *c) {
  sm_status vst_ = sm__options_version(ctx, "sm_emerging_run", o->version, SM_EMERGING_OPTIONS_VERSION);
  if (vst_) return vst_;
  if ((int)o->units < 0 || o->units >= SM_UNIT_KIND_END_)
    return sm__error(ctx, SM_E_INVALID_ARG, "unknown unit kind %d (wards, fishnet, hexagon)", (int)o->units);
  if (o->units == SM_UNIT_AREAS && !have_areas) return sm__error(ctx, SM_E_INVALID_ARG, "--grid wards needs --wards");
  sm_status st = sm_unit_kind_resolve(ctx, o->units, have_areas, &c->kind);
  if (st) return st;
  if ((int)o->weights < 0 || o->weights >= SM_EMERGING_WEIGHTS_END_)
    return sm__error(ctx, SM_E_INVALID_ARG, "unknown weights %d (queen, rook, band, knn)", (int)o->weights);
  int wards = c->kind == SM_UNIT_AREAS;
  c->wt = o->weights != SM_EMERGING_WEIGHTS_AUTO ? o->weights : wards ? SM_EMERGING_WEIGHTS_QUEEN : SM_EMERGING_WEIGHTS_BAND;
  c->contiguity = c->wt == SM_EMERGING_WEIGHTS_QUEEN || c->wt == SM_EMERGING_WEIGHTS_ROOK;
  c->knn = c->wt == SM_EMERGING_WEIGHTS_KNN;
  c->k = o->neighbours ? o->neighbours : 8;
  c->lag = o->global_window == SM_WINDOW_STEP ? 0 : o->time_lag >= 0 ? (size_t)o->time_lag : 1;
  return SM_OK;
}

/* The checks of the weights and the units. */
static sm_status check_space(sm_ctx *ctx, const sm_emerging_options *o, const choice *c) {
  const char *wt = weights_names[c->wt];
  int wards = c->kind == SM_UNIT_AREAS, band_given = o->band_m != 0 || o->band_auto;
  if (!wards && c->contiguity)
    return sm__error(ctx, SM_E_INVALID_ARG, "--weights %s is for ward locations; cells take band or knn", wt);
  if (o->neighbours && !c->knn) return sm__error(ctx, SM_E_INVALID_ARG, "--neighbours is for --weights knn");
  if (!wards && o->cell_m == 0) return sm__error(ctx, SM_E_INVALID_ARG, "--cell is required (cell size in metres)");
  if (c->wt == SM_EMERGING_WEIGHTS_BAND && !band_given)
    return sm__error(ctx, SM_E_INVALID_ARG, "--band is required (distance band in metres)");
  if (c->contiguity && band_given)
    return sm__error(ctx, SM_E_INVALID_ARG, "--band is for --weights band (not %s contiguity)", wt);
  if (wards && o->cell_m != 0) return sm__error(ctx, SM_E_INVALID_ARG, "--cell is for --grid fishnet or hexagon");
  if (!wards && !(o->cell_m > 0 && isfinite(o->cell_m)))
    return sm__error(ctx, SM_E_INVALID_ARG, "--cell needs metres > 0, not '%g'", o->cell_m);
  if (c->knn && band_given) return sm__error(ctx, SM_E_INVALID_ARG, "--weights knn takes --neighbours, not --band");
  if (o->band_auto && o->band_m != 0) return sm__error(ctx, SM_E_INVALID_ARG, "--band is metres or auto, not both");
  if (!o->band_auto && o->band_m != 0 && !(o->band_m > 0 && isfinite(o->band_m)))
    return sm__error(ctx, SM_E_INVALID_ARG, "--band needs metres > 0 or auto, not '%g'", o->band_m);
  if (o->has_extent && !(o->extent[0] < o->extent[2] && o->extent[1] < o->extent[3]))
    return sm__error(ctx, SM_E_INVALID_ARG, "--extent needs xmin < xmax and ymin < ymax");
  return SM_OK;
}

/* The checks of the time steps and the statistics. */
static sm_status check_time(sm_ctx *ctx, const sm_emerging_options *o) {
  if (!sm_bin_unit_name(o->bin)) return sm__error(ctx, SM_E_INVALID_ARG, "unknown --bin unit %d", (int)o->bin);
  if (o->bin == SM_BIN_DAYS && !(o->bin_days >= 1 && o->bin_days <= 3660))
    return sm__error(ctx, SM_E_INVALID_ARG, "--bin '%ud' is not month, quarter, year, week, day or Nd (e.g. 14d)", o->bin_days);
  if (o->reference != SM_TIME_MISSING && o->bin != SM_BIN_WEEK && o->bin != SM_BIN_DAYS)
    return sm__error(ctx, SM_E_INVALID_ARG, "--reference sets where weeks or N-day steps start; months, quarters and "
                                            "years are calendar ones");
  if (!sm_ehsa_rules_name(o->rules)) return sm__error(ctx, SM_E_INVALID_ARG, "unknown rules %d (pro, arcmap)", (int)o->rules);
  if (!sm_global_window_name(o->global_window))
    return sm__error(ctx, SM_E_INVALID_ARG, "unknown global window %d (cube, neighbourhood, step)", (int)o->global_window);
  if (o->time_lag < -1 || o->time_lag > 100)
    return sm__error(ctx, SM_E_INVALID_ARG, "--time-lag needs a whole number from 0 to 100, not %d", o->time_lag);
  if (o->global_window == SM_WINDOW_STEP && o->time_lag > 0)
    return sm__error(ctx, SM_E_INVALID_ARG, "--global-window step analyses each step alone: no --time-lag");
  if (o->permutations && o->global_window != SM_WINDOW_CUBE)
    return sm__error(ctx, SM_E_INVALID_ARG, "--permutations draw from the whole cube: they go with --global-window cube");
  if (!(o->trend_alpha > 0 && o->trend_alpha < 1))
    return sm__error(ctx, SM_E_INVALID_ARG, "--trend-alpha needs a p-value between 0 and 1, not '%g'", o->trend_alpha);
  return SM_OK;
}

sm_status sm_emerging_options_check(sm_ctx *ctx, const sm_emerging_options *o, int have_areas) {
  if (!o) return sm__error(ctx, SM_E_INVALID_ARG, "sm_emerging_options_check: NULL options");
  choice c;
  sm_status st = resolve(ctx, o, have_areas, &c);
  if (!st) st = check_space(ctx, o, &c);
  if (!st) st = check_time(ctx, o);
  return st;
}

/* ---- the run ---------------------------------------------------------------------------- */

typedef struct run {
  sm_ctx *ctx;
  const sm_emerging_options *o;
  const sm_points *p;
  const sm_areas *a;
  choice c;
  sm_bins bins;
  sm_time_res fr;         /* how the steps are written: months or days */
  char step_name[32];     /* "month", "14 days" */
  char first[32], last[32];
  sm_units *u;            /* the cells (NULL for wards) */
  int32_t *at;            /* each point's unit */
  size_t n_units, outside;
  sm_cube *cube;
  size_t L, T;
  const double *cnt;
  double *cxy;            /* ward centroids: x[L], y[L] */
  sm_weights *w;
  double band;
  int have_oband;
  sm_ohsa_band oband;
  char band_text[1200], isa_text[1200];
  size_t lonely;
  char *warning;          /* the locations without a spatial neighbour */
  double *z, *pv, *psim;
  int *bin;
  sm_mann_kendall overall;
  size_t ncat[17];
  sm_layer *LL, *BL;
} run;

static int locate(run *R) {
  sm_ctx *ctx = R->ctx;
  size_t n = sm_points_count(R->p);
  char b[32];
  if (n == 0)
    return sm__error(ctx, SM_E_INPUT, "no incidents: %s rows read, every one skipped or filtered out",
                     sm__thousands(sm_points_rows_read(R->p), b, sizeof b));
  R->at = sm__malloc(n * sizeof *R->at);
  if (!R->at) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  return sm_units_for_points(ctx, &R->u, R->at, &R->n_units, &R->outside, R->p, R->a, R->c.kind, R->o->cell_m,
                             R->o->has_extent ? R->o->extent : NULL);
}

/* The steps with no incident anywhere, as "2023-06 2023-07" (at most 10, then " ..."). */
static sm_status empty_steps_error(run *R) {
  sm_buf b = {0};
  size_t shown = 0, E = sm_cube_empty_steps(R->cube);
  sm_status st = SM_OK;
  for (size_t t = 0; t < R->T && shown < 10 && !st; t++) {
    int any = 0;
    for (size_t l = 0; l < R->L && !any; l++) any = R->cnt[l * R->T + t] != 0;
    if (any) continue;
    char s[32];
    sm_time_format(sm_cube_step_start(R->cube, t), R->fr, s, sizeof s);
    st = sm__buf_printf(&b, " %s", s), shown++;
  }
  if (!st)
    st = sm__error(R->ctx, SM_E_INPUT, "%zu of the %zu time steps from %s to %s have no incident anywhere:%s%s; a gap in "
                                       "the data, not a quiet %s: narrow --from/--to or lengthen --bin",
                   E, R->T, R->first, R->last, b.s ? b.s : "", E > shown ? " ..." : "", sm_bin_unit_str(R->bins.unit));
  else
    st = sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  sm__free(b.s);
  return st;
}

static sm_status make_cube(run *R) {
  const sm_emerging_options *o = R->o;
  R->bins.unit = o->bin, R->bins.n_days = o->bin == SM_BIN_DAYS ? (int)o->bin_days : 0, R->bins.reference = o->reference;
  sm_status st = sm_cube_create(R->ctx, &R->cube, R->p, R->at, R->n_units, &R->bins);
  if (st) return st;
  R->L = sm_cube_locations(R->cube), R->T = sm_cube_steps(R->cube), R->cnt = sm_cube_counts(R->cube);
  R->fr = o->bin == SM_BIN_MONTH || o->bin == SM_BIN_QUARTER || o->bin == SM_BIN_YEAR ? SM_TIME_MONTH : SM_TIME_DAY;
  sm_time_format(sm_cube_step_start(R->cube, 0), R->fr, R->first, sizeof R->first);
  sm_time_format(sm_cube_step_start(R->cube, R->T - 1), R->fr, R->last, sizeof R->last);
  if (o->bin == SM_BIN_DAYS) snprintf(R->step_name, sizeof R->step_name, "%d days", R->bins.n_days);
  else snprintf(R->step_name, sizeof R->step_name, "%s", sm_bin_unit_str(o->bin));
  if (R->T < 10)
    return sm__error(R->ctx, SM_E_INPUT, "%zu time steps of a %s (%s to %s): emerging hot spot analysis needs at least 10 "
                                         "(ArcGIS's minimum); use shorter steps (--bin) or a longer period",
                     R->T, sm_bin_unit_str(o->bin), R->first, R->last);
  if (sm_cube_empty_steps(R->cube)) return empty_steps_error(R);
  if (R->L < 3)
    return sm__error(R->ctx, SM_E_INPUT, "only %zu location%s had an incident: at least 3 are needed", R->L, R->L == 1 ? "" : "s");
  return SM_OK;
}

/* The locations' points: ward centroids, or the kept cells' centres. */
static sm_status location_points(run *R, const double **x, const double **y) {
  if (R->c.kind != SM_UNIT_AREAS) {
    *x = sm_units_x(R->u), *y = sm_units_y(R->u);
    return SM_OK;
  }
  if (!R->cxy) {
    R->cxy = sm__malloc(2 * R->L * sizeof *R->cxy);
    if (!R->cxy) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
    for (size_t l = 0; l < R->L; l++)
      if (!sm_areas_centroid(R->a, sm_cube_unit(R->cube, l), &R->cxy[l], &R->cxy[R->L + l]))
        return sm__error(R->ctx, SM_E_INPUT, "ward %s has no geometry, so no centroid", sm_areas_id(R->a, sm_cube_unit(R->cube, l)));
  }
  *x = R->cxy, *y = R->cxy + R->L;
  return SM_OK;
}

/* ArcGIS's optimised band of the locations' totals over the whole period (--band auto). */
static sm_status auto_band(run *R, const double *x, const double *y) {
  double *tot = sm__calloc(R->L, sizeof *tot);
  if (!tot) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  for (size_t q = 0; q < R->L * R->T; q++) tot[q / R->T] += R->cnt[q];
  sm_status st = sm_optimised_band(R->ctx, R->L, x, y, tot, &R->oband);
  sm__free(tot);
  if (st) return st;
  R->have_oband = 1, R->band = R->oband.band_m;
  sm_ohsa_band_describe(&R->oband, R->band_text, sizeof R->band_text);
  sm_ohsa_isa_describe(&R->oband, R->isa_text, sizeof R->isa_text);
  return SM_OK;
}

/* Every location without a spatial neighbour: an error when none has one, else a warning naming them. */
static sm_status check_lonely(run *R) {
  for (size_t l = 0; l < R->L; l++) R->lonely += sm_weights_neighbours(R->w, l) <= 1;
  if (R->lonely == R->L) {
    if (R->c.contiguity)
      return sm__error(R->ctx, SM_E_INPUT, "no location shares a boundary with another (%s contiguity)", weights_names[R->c.wt]);
    return sm__error(R->ctx, SM_E_INPUT, "the band (%g m) is shorter than the distance from every location to its nearest: "
                                         "no location has a neighbour", R->band);
  }
  if (!R->lonely) return SM_OK;
  sm_buf b = {0};
  size_t shown = 0;
  sm_status st = sm__buf_printf(&b, "%zu locations have no spatial neighbour (only their own past):", R->lonely);
  for (size_t l = 0; l < R->L && shown < 10 && !st; l++)
    if (sm_weights_neighbours(R->w, l) <= 1) {
      if (R->c.kind == SM_UNIT_AREAS) st = sm__buf_printf(&b, " %s", sm_areas_id(R->a, sm_cube_unit(R->cube, l)));
      else st = sm__buf_printf(&b, " %zu", l);
      shown++;
    }
  if (!st && R->lonely > shown) st = sm__buf_printf(&b, " ...");
  if (st) {
    sm__free(b.s);
    return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  }
  R->warning = b.s;
  return SM_OK;
}

/* The weights among the locations, each its own neighbour (Gi*). */
static sm_status make_weights(run *R) {
  sm_ctx *ctx = R->ctx;
  unsigned char *keep = sm__calloc(R->n_units ? R->n_units : 1, 1);
  if (!keep) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t l = 0; l < R->L; l++) keep[sm_cube_unit(R->cube, l)] = 1;
  sm_status st = SM_OK;
  if (R->c.contiguity) {
    sm_weights *all = NULL;
    st = sm_weights_contiguity(ctx, &all, R->a, R->c.wt == SM_EMERGING_WEIGHTS_QUEEN, 0, 1, 1.0);
    if (!st) st = sm_weights_subset(ctx, &R->w, all, keep);
    sm_weights_destroy(all);
  } else if (R->c.kind != SM_UNIT_AREAS) {
    st = sm_units_keep(ctx, R->u, keep, NULL);
  }
  sm__free(keep);
  if (st) return st;
  if (!R->c.contiguity) {
    const double *x = NULL, *y = NULL;
    st = location_points(R, &x, &y);
    R->band = R->o->band_m;
    if (!st && R->o->band_auto && !R->c.knn) st = auto_band(R, x, y);
    if (!st && R->c.knn && R->c.k >= R->L)
      st = sm__error(ctx, SM_E_INPUT, "--neighbours %zu needs more than %zu locations, not %zu", R->c.k, R->c.k, R->L);
    if (!st)
      st = R->c.knn ? sm_weights_knn(ctx, &R->w, R->L, x, y, R->c.k, 1, 1.0)
                    : sm_weights_distance_band(ctx, &R->w, R->L, x, y, R->band, 1, 1.0);
  }
  return st ? st : check_lonely(R);
}

/* Gi* of every bin, the permutations, the FDR bins and the trend of the cube's total per step. */
static sm_status statistics(run *R) {
  sm_ctx *ctx = R->ctx;
  size_t n = R->L * R->T;
  R->z = sm__malloc(n * sizeof *R->z), R->pv = sm__malloc(n * sizeof *R->pv), R->bin = sm__malloc(n * sizeof *R->bin);
  double *tot = sm__calloc(R->T, sizeof *tot);
  if (!R->z || !R->pv || !R->bin || !tot) {
    sm__free(tot);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  for (size_t q = 0; q < n; q++) tot[q % R->T] += R->cnt[q];
  int oom = sm__mann_kendall(tot, R->T, &R->overall);
  sm__free(tot);
  if (oom) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm_status st = sm_spacetime_gistar(ctx, R->w, R->cnt, R->L, R->T, R->c.lag, R->o->global_window, R->z, R->pv);
  if (!st && R->o->permutations) { /* significance from the permutations, as sfdep's emerging_hotspot_analysis */
    R->psim = sm__malloc(n * sizeof *R->psim);
    if (!R->psim) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    uint64_t seed = sm_ctx_seed(ctx);
    sm_ctx_set_seed(ctx, R->o->seed);
    st = sm_spacetime_permutations(ctx, R->w, R->cnt, R->L, R->T, R->c.lag, R->o->permutations, R->psim);
    sm_ctx_set_seed(ctx, seed);
  }
  if (!st) st = sm_hotspot_bins(ctx, R->z, R->psim ? R->psim : R->pv, n, 1, R->bin);
  return st;
}

/* The locations' polygons: the wards (area_id, area_name) or the cells (unit_id, row, col). */
static sm_status location_geometry(run *R) {
  sm_ctx *ctx = R->ctx;
  if (R->c.kind != SM_UNIT_AREAS) return sm_units_layer(ctx, &R->LL, R->u, "emerging");
  size_t fid, fname;
  sm_status st = sm_layer_create(ctx, &R->LL, "emerging", SM_GEOM_MULTIPOLYGON, sm_areas_crs(R->a));
  if (!st) st = sm_layer_add_field(ctx, R->LL, "area_id", SM_FIELD_STRING, &fid);
  if (!st) st = sm_layer_add_field(ctx, R->LL, "area_name", SM_FIELD_STRING, &fname);
  for (size_t l = 0; !st && l < R->L; l++) {
    size_t wkbn, row, i = sm_cube_unit(R->cube, l);
    const unsigned char *wkb = sm_areas_wkb(R->a, i, &wkbn);
    st = sm_layer_add_feature(ctx, R->LL, wkb, wkbn, &row);
    if (!st) st = sm_layer_set_string(ctx, R->LL, row, fid, sm_areas_id(R->a, i));
    if (!st) st = sm_layer_set_string(ctx, R->LL, row, fname, sm_areas_name(R->a, i));
  }
  return st;
}

/* One row of the locations' layer. */
static sm_status location_row(run *R, size_t l, const size_t f[16], const sm_emerging_location *r) {
  sm_ctx *ctx = R->ctx;
  sm_layer *L = R->LL;
  const sm_ehsa_detail *d = &r->detail;
  double T = (double)R->T;
  sm_status st = sm_layer_set_double(ctx, L, l, f[0], r->total);
  if (!st) st = sm_layer_set_string(ctx, L, l, f[1], sm_ehsa_category_str(r->category));
  if (!st) st = sm_layer_set_int(ctx, L, l, f[2], (int64_t)r->category);
  if (!st) st = sm_layer_set_int(ctx, L, l, f[3], (int64_t)d->hot);
  if (!st) st = sm_layer_set_int(ctx, L, l, f[4], (int64_t)d->cold);
  if (!st) st = sm_layer_set_double(ctx, L, l, f[5], 100.0 * (double)d->hot / T);
  if (!st) st = sm_layer_set_double(ctx, L, l, f[6], 100.0 * (double)d->cold / T);
  if (!st) st = sm_layer_set_string(ctx, L, l, f[7], d->final_state > 0 ? "hot" : d->final_state < 0 ? "cold" : "");
  if (!st) st = sm_layer_set_int(ctx, L, l, f[8], (int64_t)d->final_run);
  if (!st) st = sm_layer_set_double(ctx, L, l, f[9], r->trend.z);
  if (!st) st = sm_layer_set_double(ctx, L, l, f[10], r->trend.p);
  if (!st) st = sm_layer_set_double(ctx, L, l, f[11], r->trend.tau);
  if (!st) st = sm_layer_set_double(ctx, L, l, f[12], r->count_trend.z);
  if (!st) st = sm_layer_set_double(ctx, L, l, f[13], r->count_trend.p);
  if (!st) st = sm_layer_set_int(ctx, L, l, f[14], (int64_t)sm_weights_neighbours(R->w, l) - 1);
  if (!st) st = sm_layer_set_string(ctx, L, l, f[15], sm_simple_class_str(r->simple));
  return st;
}

/* Layer 'emerging': each location's category and the figures behind it. */
static sm_status locations_layer(run *R) {
  static const char *const names[16] = {"count", "category", "category_code", "hot_steps", "cold_steps",
                                        "percent_hot", "percent_cold", "final_state", "final_run", "trend_z",
                                        "trend_p", "trend_tau", "count_trend_z", "count_trend_p", "neighbours",
                                        "simple_category"};
  static const sm_field_type types[16] = {SM_FIELD_DOUBLE, SM_FIELD_STRING, SM_FIELD_INT64, SM_FIELD_INT64,
                                          SM_FIELD_INT64,  SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_STRING,
                                          SM_FIELD_INT64,  SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                          SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_INT64,  SM_FIELD_STRING};
  size_t f[16];
  sm_status st = location_geometry(R);
  for (int i = 0; i < 16 && !st; i++) st = sm_layer_add_field(R->ctx, R->LL, names[i], types[i], &f[i]);
  if (st) return st;
  sm_emerging_location *res = sm__malloc(R->L * sizeof *res);
  if (!res) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  st = sm_emerging_classify(R->ctx, R->z, R->bin, R->cnt, R->L, R->T, R->o->trend_alpha, R->o->rules, NULL, res);
  for (size_t l = 0; l < R->L && !st; l++) {
    R->ncat[res[l].category]++;
    st = location_row(R, l, f, &res[l]);
  }
  sm__free(res);
  return st ? st : sm__layer_whole_to_int(R->ctx, R->LL, f[0]);
}

/* Table 'emerging_bins': every location and step. */
static sm_status bins_layer(run *R) {
  sm_ctx *ctx = R->ctx;
  sm_layer *B;
  int wards = R->c.kind == SM_UNIT_AREAS;
  size_t fl, fs, fc, fz, fp, fb, fps = 0;
  sm_status st = sm_layer_create(ctx, &R->BL, "emerging_bins", SM_GEOM_NONE, NULL);
  B = R->BL;
  if (!st) st = sm_layer_add_field(ctx, B, "location", wards ? SM_FIELD_STRING : SM_FIELD_INT64, &fl);
  if (!st) st = sm_layer_add_field(ctx, B, "step", SM_FIELD_STRING, &fs);
  if (!st) st = sm_layer_add_field(ctx, B, "count", SM_FIELD_DOUBLE, &fc);
  if (!st) st = sm_layer_add_field(ctx, B, "gi_z", SM_FIELD_DOUBLE, &fz);
  if (!st) st = sm_layer_add_field(ctx, B, "gi_p", SM_FIELD_DOUBLE, &fp);
  if (!st) st = sm_layer_add_field(ctx, B, "gi_bin_fdr", SM_FIELD_INT64, &fb);
  if (!st && R->psim) st = sm_layer_add_field(ctx, B, "gi_p_sim", SM_FIELD_DOUBLE, &fps);
  if (st) return st;
  size_t L = R->L, T = R->T, n = L * T;
  if ((st = sm__layer_add_rows(ctx, B, n))) return st; /* row l * T + t: location l at step t */
  char(*steps)[32] = sm__malloc(T * sizeof *steps);
  if (!steps) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t t = 0; t < T; t++) sm_time_format(sm_cube_step_start(R->cube, t), R->fr, steps[t], sizeof steps[t]);
  /* The texts pooled once, on this thread: the steps in the first location's rows, each ward's id in its first
   * row; every other row shares them (sm__layer_string_as), and the rows are filled on the threads. */
  for (size_t t = 0; t < T && !st; t++) st = sm_layer_set_string(ctx, B, t, fs, steps[t]);
  for (size_t l = 0; wards && l < L && !st; l++)
    st = sm_layer_set_string(ctx, B, l * T, fl, sm_areas_id(R->a, sm_cube_unit(R->cube, l)));
  int bad = 0;
  if (!st) {
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static) reduction(| : bad) if (n >= 65536)
#endif
    for (size_t q = 0; q < n; q++) {
      size_t l = q / T, t = q % T;
      if (l) sm__layer_string_as(B, q, fs, t);
      if (wards) {
        if (t) sm__layer_string_as(B, q, fl, l * T);
      } else {
        bad |= sm_layer_set_int(NULL, B, q, fl, (int64_t)l) != SM_OK;
      }
      bad |= sm_layer_set_double(NULL, B, q, fc, R->cnt[q]) != SM_OK;
      if (!isnan(R->z[q])) bad |= sm_layer_set_double(NULL, B, q, fz, R->z[q]) != SM_OK;
      if (!isnan(R->pv[q])) bad |= sm_layer_set_double(NULL, B, q, fp, R->pv[q]) != SM_OK;
      bad |= sm_layer_set_int(NULL, B, q, fb, R->bin[q]) != SM_OK;
      if (R->psim && !isnan(R->psim[q])) bad |= sm_layer_set_double(NULL, B, q, fps, R->psim[q]) != SM_OK;
    }
  }
  if (!st && bad) st = sm__error(ctx, SM_E_INTERNAL, "emerging_bins: a cell could not be set (a bug in safemap)");
  sm__free(steps);
  return st ? st : sm__layer_whole_to_int(ctx, B, fc);
}

/* The keys `safemap emerging` has always written. */
static sm_status method_metadata(run *R, sm_layer *X) {
  sm_ctx *ctx = R->ctx;
  const choice *c = &R->c;
  int wards = c->kind == SM_UNIT_AREAS;
  sm_global_window win = R->o->global_window;
  sm_status st = sm_layer_set_metadata(ctx, X, "method", "emerging hot spot analysis (ArcGIS Emerging Hot Spot Analysis; "
                                                         "docs/methods.md §1.5): space-time Gi* with the whole cube as global "
                                                         "window, FDR bins over every bin, Mann-Kendall trend of each "
                                                         "location's Gi* z series");
  if (!st) st = sm_layer_set_metadata(ctx, X, "time_step", R->step_name);
  if (!st)
    st = sm__layer_meta(ctx, X, "cube", "%zu locations x %zu steps; %.2f%% of the bins empty; locations without an incident left out",
                        R->L, R->T, 100 * sm_cube_sparseness(R->cube));
  if (!st)
    st = sm__layer_meta(ctx, X, "time_lag", "%zu (the same location and its neighbours at the %zu step%s before)", c->lag,
                        c->lag, c->lag == 1 ? "" : "s");
  if (!st)
    st = sm_layer_set_metadata(ctx, X, "global_window", win == SM_WINDOW_CUBE ? "the whole cube (ArcGIS ENTIRE_CUBE)"
                                                        : win == SM_WINDOW_STEP ? "each step alone (ArcGIS INDIVIDUAL_TIME_STEP)"
                                                                                : "the time-lag window's steps (ArcGIS NEIGHBORHOOD_TIME_STEP)");
  if (st) return st;
  if (c->contiguity) st = sm__layer_meta(ctx, X, "weights", "%s contiguity, each ward its own neighbour", weights_names[c->wt]);
  else if (c->knn) st = sm__layer_meta(ctx, X, "weights", "%zu nearest %s, each its own neighbour", c->k, wards ? "ward centroids" : "cells");
  else
    st = sm__layer_meta(ctx, X, "weights", "binary distance band %g m between %s, each its own neighbour%s%s", R->band,
                        wards ? "ward centroids" : "cell centres", R->have_oband ? "; --band auto: " : "", R->band_text);
  if (!st)
    st = sm__layer_meta(ctx, X, "rules", "%s wording; significant = FDR bin at 90%%+; 90%% of the steps = 10 x count >= 9 x "
                                         "steps; trend significant at Mann-Kendall p <= %g",
                        R->o->rules == SM_EHSA_PRO ? "ArcGIS Pro" : "ArcMap 10.x", R->o->trend_alpha);
  if (!st)
    st = sm_layer_set_metadata(ctx, X, "simple_category", "sfhotspot hotspot_classify classes from the same FDR bins: "
                                                          "hotspot_prop 0.1, persistent_prop 0.8, recent_prop 0.2 (the last "
                                                          "floor(0.2 x steps) steps are recent)");
  if (!st)
    st = sm__layer_meta(ctx, X, "overall_trend", "Mann-Kendall of the cube's total per step: S %.0f, z %.3f, p %.3g, tau %.3f",
                        R->overall.S, R->overall.z, R->overall.p, R->overall.tau);
  if (!st && R->psim)
    st = sm__layer_meta(ctx, X, "permutations", "%u conditional permutations over the whole cube, seed %" PRIu64 "; gi_bin_fdr from gi_p_sim",
                        R->o->permutations, R->o->seed);
  return st;
}

/* The options the keys above do not already name (the time step, weights, band, rules and trend alpha are in
 * time_step, weights and rules), under their command-line names, and the inputs. Kept short: the layer's
 * metadata is what ogrinfo -so lists. */
static sm_status option_metadata(run *R, sm_layer *X) {
  sm_ctx *ctx = R->ctx;
  const sm_emerging_options *o = R->o;
  sm_status st = sm_layer_set_metadata(ctx, X, "grid", sm_unit_kind_name(R->c.kind));
  if (!st && R->c.kind != SM_UNIT_AREAS) st = sm__layer_meta(ctx, X, "cell", "%g m", o->cell_m);
  if (!st && o->has_extent)
    st = sm__layer_meta(ctx, X, "extent", "%g,%g,%g,%g", o->extent[0], o->extent[1], o->extent[2], o->extent[3]);
  if (!st && o->reference != SM_TIME_MISSING) {
    char t[40];
    sm_time_format(o->reference, SM_TIME_SECOND, t, sizeof t);
    st = sm_layer_set_metadata(ctx, X, "reference", t);
  }
  if (!st && R->c.knn) st = sm__layer_meta(ctx, X, "neighbours", "%zu", R->c.k);
  if (!st && R->psim) st = sm__layer_meta(ctx, X, "seed", "%" PRIu64, o->seed);
  if (!st) st = sm__layer_recipe_inputs(ctx, X, R->p, R->a);
  return st;
}

static sm_status metadata(run *R) {
  sm_layer *both[2] = {R->LL, R->BL};
  sm_status st = SM_OK;
  for (int i = 0; i < 2 && !st; i++) {
    st = method_metadata(R, both[i]);
    if (!st) st = option_metadata(R, both[i]);
  }
  if (!st && R->warning) { /* logged once, recorded in both */
    st = sm__layer_warn(R->ctx, R->LL, "%s", R->warning);
    if (!st) st = sm_layer_set_metadata(R->ctx, R->BL, "warnings", sm_layer_metadata_get(R->LL, "warnings"));
  }
  return st;
}

/* The headline figures and texts (documented at sm_emerging_run). */
static sm_status figures(run *R, sm_result *r) {
  sm_ctx *ctx = R->ctx;
  sm_status st = sm__result_figure(ctx, r, "locations", (double)R->L);
  if (!st) st = sm__result_figure(ctx, r, "units", (double)R->n_units);
  if (!st) st = sm__result_figure(ctx, r, "steps", (double)R->T);
  if (!st) st = sm__result_figure(ctx, r, "empty_bins_percent", 100 * sm_cube_sparseness(R->cube));
  if (!st) st = sm__result_figure(ctx, r, "outside", (double)R->outside);
  if (!st) st = sm__result_figure(ctx, r, "time_lag", (double)R->c.lag);
  if (!st && !R->c.contiguity && !R->c.knn) st = sm__result_figure(ctx, r, "band_m", R->band);
  if (!st && R->c.knn) st = sm__result_figure(ctx, r, "neighbours", (double)R->c.k);
  if (!st) st = sm__result_figure(ctx, r, "lonely", (double)R->lonely);
  if (!st) st = sm__result_figure(ctx, r, "overall_trend_S", R->overall.S);
  if (!st) st = sm__result_figure(ctx, r, "overall_trend_z", R->overall.z);
  if (!st) st = sm__result_figure(ctx, r, "overall_trend_p", R->overall.p);
  if (!st) st = sm__result_figure(ctx, r, "overall_trend_tau", R->overall.tau);
  for (int c = 0; c < 17 && !st; c++) st = sm__result_figure(ctx, r, category_names[c], (double)R->ncat[c]);
  if (!st) st = sm__result_text(ctx, r, "units", sm_unit_kind_name(R->c.kind));
  if (!st) st = sm__result_text(ctx, r, "step", R->step_name);
  if (!st) st = sm__result_text(ctx, r, "first_step", R->first);
  if (!st) st = sm__result_text(ctx, r, "last_step", R->last);
  const char *trend = R->overall.p <= R->o->trend_alpha ? (R->overall.z > 0 ? "rising" : "falling") : "no significant trend";
  if (!st) st = sm__result_text(ctx, r, "overall_trend", trend);
  if (!st && R->have_oband) st = sm__result_text(ctx, r, "band", R->band_text);
  if (!st && R->have_oband) st = sm__result_text(ctx, r, "band_isa", R->isa_text);
  return st;
}

static void run_free(run *R) {
  sm__free(R->at), sm__free(R->cxy), sm__free(R->z), sm__free(R->pv), sm__free(R->psim), sm__free(R->bin);
  sm__free(R->warning);
  sm_layer_destroy(R->LL);
  sm_layer_destroy(R->BL);
  sm_weights_destroy(R->w);
  sm_cube_destroy(R->cube);
  sm_units_destroy(R->u);
}

static sm_status emerging_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                              const sm_emerging_options *opts);

sm_status sm_emerging_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                          const sm_emerging_options *opts) {
  /* with MPI ranks: every rank ends as the first that failed */
  sm_status st = sm__mpi_agree(ctx, emerging_run(ctx, out, points, areas, opts));
  if (st && out) sm_result_destroy(*out), *out = NULL;
  return st;
}

static sm_status emerging_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                              const sm_emerging_options *opts) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_emerging_run: NULL result");
  *out = NULL;
  if (!points) return sm__error(ctx, SM_E_INVALID_ARG, "sm_emerging_run: NULL points");
  sm_emerging_options defaults = SM_EMERGING_OPTIONS_INIT;
  run R;
  memset(&R, 0, sizeof R);
  R.ctx = ctx, R.o = opts ? opts : &defaults, R.p = points, R.a = areas;
  sm_status st = sm_emerging_options_check(ctx, R.o, areas != NULL);
  if (!st) st = resolve(ctx, R.o, areas != NULL, &R.c);
  if (!st) st = sm__points_usable(ctx, points, areas, "no incidents");
  if (!st) st = locate(&R);
  if (!st) st = make_cube(&R);
  if (!st) st = make_weights(&R);
  if (!st) st = statistics(&R);
  if (!st) st = locations_layer(&R);
  if (!st) st = bins_layer(&R);
  if (!st) st = metadata(&R);
  sm_result *r = NULL;
  if (!st) st = sm__result_create(ctx, &r);
  if (!st) st = figures(&R, r);
  if (!st) st = sm__result_add_layer(ctx, r, R.LL, NULL), R.LL = NULL;
  if (!st) st = sm__result_add_layer(ctx, r, R.BL, "_bins"), R.BL = NULL;
  run_free(&R);
  if (st) {
    sm_result_destroy(r);
    return st;
  }
  *out = r;
  return SM_OK;
}
