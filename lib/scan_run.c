/* sm_scan_run: the space-time permutation scan from points to its two layers (safemap scan). */
#include "internal/mpi.h"
#include "internal/options.h"
#include "internal/recipe.h"
#include "internal/result_build.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const centres_names[SM_SCAN_CENTRES_END_] = {"units", "incidents"};

const char *sm_scan_centres_name(sm_scan_centres c) {
  return (int)c >= 0 && c < SM_SCAN_CENTRES_END_ ? centres_names[c] : NULL;
}

sm_status sm_scan_centres_from_name(sm_ctx *ctx, const char *name, sm_scan_centres *out) {
  if (!name || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_scan_centres_from_name: NULL argument");
  for (int k = 0; k < SM_SCAN_CENTRES_END_; k++)
    if (!strcmp(name, centres_names[k])) return *out = (sm_scan_centres)k, SM_OK;
  return sm__error(ctx, SM_E_INVALID_ARG, "unknown --centres '%s' (units, incidents)", name);
}

SM__OPTIONS_INIT_FN(sm_scan_run_options, sm_scan_run_options_init, SM_SCAN_RUN_OPTIONS_VERSION, SM_SCAN_RUN_OPTIONS_INIT)

/* Everything a run builds on its way to the layers. */
typedef struct run {
  const sm_scan_run_options *o;
  const sm_points *p;
  const sm_areas *areas;
  sm_unit_kind kind; /* the units (resolved), when centres are units */
  int incidents;
  sm_units *u;
  int32_t *at;
  size_t n_units;
  double *px, *py; /* incident positions */
  sm_cube *cube;
  size_t nl, T, max_window;
  double *lx, *ly; /* the cube's locations */
  sm_scan_result *res;
  sm_time_res fr; /* how steps are written */
} run;

static void run_free(run *s) {
  sm__free(s->at), sm__free(s->px), sm__free(s->py), sm__free(s->lx), sm__free(s->ly);
  sm_scan_result_destroy(s->res);
  sm_cube_destroy(s->cube);
  sm_units_destroy(s->u);
}

/* One step's length in years (months as twelfths, days as 1/365.25): the recurrence interval's unit. */
static double step_length_years(const sm_bins *b) {
  switch (b->unit) {
  case SM_BIN_DAY: return 1 / 365.25;
  case SM_BIN_WEEK: return 7 / 365.25;
  case SM_BIN_MONTH: return 1 / 12.0;
  case SM_BIN_QUARTER: return 0.25;
  case SM_BIN_YEAR: return 1;
  default: return b->n_days / 365.25;
  }
}

/* The options alone (no data needed): what sm_scan_run_options_check() and sm_scan_run() refuse first. */
static sm_status check_options(sm_ctx *ctx, const sm_scan_run_options *o, int have_areas) {
  sm_status vst_ = sm__options_version(ctx, "sm_scan_run", o->version, SM_SCAN_RUN_OPTIONS_VERSION);
  if (vst_) return vst_;
  if ((int)o->centres < 0 || o->centres >= SM_SCAN_CENTRES_END_)
    return sm__error(ctx, SM_E_INVALID_ARG, "--centres: unknown choice %d (units, incidents)", (int)o->centres);
  if ((int)o->grid < 0 || o->grid >= SM_UNIT_KIND_END_)
    return sm__error(ctx, SM_E_INVALID_ARG, "--grid: unknown choice %d (wards, fishnet, hexagon)", (int)o->grid);
  int incidents = o->centres == SM_SCAN_CENTRES_INCIDENTS;
  if (incidents && o->grid != SM_UNIT_AUTO)
    return sm__error(ctx, SM_E_INVALID_ARG, "--centres incidents takes no --grid (each incident position is a location)");
  if (!incidents && !have_areas && o->grid == SM_UNIT_AUTO)
    return sm__error(ctx, SM_E_INVALID_ARG, "give --wards, --grid fishnet --cell M, or --centres incidents");
  if (o->grid == SM_UNIT_AREAS && !have_areas) return sm__error(ctx, SM_E_INVALID_ARG, "--grid wards needs --wards");
  int cells = !incidents && (o->grid == SM_UNIT_FISHNET || o->grid == SM_UNIT_HEXAGON);
  if (cells && o->cell_m == 0) return sm__error(ctx, SM_E_INVALID_ARG, "--cell is required (cell size in metres)");
  if (cells && !(o->cell_m > 0 && isfinite(o->cell_m)))
    return sm__error(ctx, SM_E_INVALID_ARG, "--cell needs metres > 0, not %g", o->cell_m);
  if (!(o->max_share > 0 && o->max_share <= 1))
    return sm__error(ctx, SM_E_INVALID_ARG, "--max-share needs a share in (0, 1], not %g", o->max_share);
  if (!(o->max_radius_m >= 0 && isfinite(o->max_radius_m)))
    return sm__error(ctx, SM_E_INVALID_ARG, "--max-radius needs metres > 0, not %g", o->max_radius_m);
  if (o->max_clusters < 1) return sm__error(ctx, SM_E_INVALID_ARG, "sm_scan_run: max_clusters must be at least 1");
  if (o->bins.unit < SM_BIN_DAY || o->bins.unit > SM_BIN_DAYS || (o->bins.unit == SM_BIN_DAYS && o->bins.n_days < 1))
    return sm__error(ctx, SM_E_INVALID_ARG, "--bin: not a time step (month, quarter, year, week, day or Nd)");
  if (o->has_extent && !(o->extent[2] > o->extent[0] && o->extent[3] > o->extent[1]))
    return sm__error(ctx, SM_E_INVALID_ARG, "--extent needs xmin < xmax and ymin < ymax");
  return SM_OK;
}

sm_status sm_scan_run_options_check(sm_ctx *ctx, const sm_scan_run_options *opts, int have_areas) {
  sm_scan_run_options defaults = SM_SCAN_RUN_OPTIONS_INIT;
  return check_options(ctx, opts ? opts : &defaults, have_areas != 0);
}

typedef struct pos_i {
  double x, y;
  size_t i;
} pos_i;

static int cmp_pos(const void *p, const void *q) {
  const pos_i *a = p, *b = q;
  if (a->x != b->x) return a->x < b->x ? -1 : 1;
  if (a->y != b->y) return a->y < b->y ? -1 : 1;
  return (a->i > b->i) - (a->i < b->i);
}

/* Each distinct incident position (inside the areas when given) is a location, numbered in (x, y) order. */
static sm_status incident_locations(sm_ctx *ctx, run *s) {
  size_t n = sm_points_count(s->p);
  const double *x = sm_points_x(s->p), *y = sm_points_y(s->p);
  pos_i *v = sm__malloc((n ? n : 1) * sizeof *v);
  s->px = sm__malloc((n ? n : 1) * sizeof *s->px), s->py = sm__malloc((n ? n : 1) * sizeof *s->py);
  if (!v || !s->px || !s->py) {
    sm__free(v);
    return sm__error(ctx, SM_E_NOMEM, "out of memory (%zu incidents)", n);
  }
  sm_status st = s->areas ? sm_areas_locate(ctx, s->areas, s->p, s->at, NULL) : SM_OK;
  size_t m = 0;
  for (size_t i = 0; !st && i < n; i++)
    if ((!s->areas || s->at[i] >= 0) && isfinite(x[i]) && isfinite(y[i])) v[m].x = x[i], v[m].y = y[i], v[m].i = i, m++;
  for (size_t i = 0; !st && i < n; i++) s->at[i] = -1;
  if (!st) qsort(v, m, sizeof *v, cmp_pos);
  size_t k = 0;
  for (size_t j = 0; !st && j < m; j++) {
    if (j == 0 || v[j].x != v[j - 1].x || v[j].y != v[j - 1].y) s->px[k] = v[j].x, s->py[k] = v[j].y, k++;
    s->at[v[j].i] = (int32_t)(k - 1);
  }
  sm__free(v);
  s->n_units = k;
  return st;
}

/* The locations' positions: incident positions, ward centroids or cell centres. */
static sm_status location_positions(sm_ctx *ctx, run *s) {
  s->lx = sm__malloc((s->nl ? s->nl : 1) * sizeof *s->lx), s->ly = sm__malloc((s->nl ? s->nl : 1) * sizeof *s->ly);
  if (!s->lx || !s->ly) return sm__error(ctx, SM_E_NOMEM, "out of memory (%zu locations)", s->nl);
  for (size_t l = 0; l < s->nl; l++) {
    size_t un = sm_cube_unit(s->cube, l);
    if (s->incidents) {
      s->lx[l] = s->px[un], s->ly[l] = s->py[un];
    } else if (s->kind == SM_UNIT_AREAS) {
      if (!sm_areas_centroid(s->areas, un, &s->lx[l], &s->ly[l]))
        return sm__error(ctx, SM_E_INPUT, "ward %s has no geometry, so no centroid", sm_areas_id(s->areas, un));
    } else {
      s->lx[l] = sm_units_x(s->u)[un], s->ly[l] = sm_units_y(s->u)[un];
    }
  }
  return SM_OK;
}

/* The locations, the cube of counts, and the scan itself. */
static sm_status scan(sm_ctx *ctx, run *s) {
  const sm_scan_run_options *o = s->o;
  size_t n = sm_points_count(s->p);
  sm_status st = SM_OK;
  if (s->incidents) {
    s->at = sm__malloc((n ? n : 1) * sizeof *s->at);
    st = s->at ? incident_locations(ctx, s) : sm__error(ctx, SM_E_NOMEM, "out of memory (%zu incidents)", n);
  } else {
    st = sm_unit_kind_resolve(ctx, o->grid, s->areas != NULL, &s->kind);
    if (!st && !(s->at = sm__malloc((n ? n : 1) * sizeof *s->at))) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (!st)
      st = sm_units_for_points(ctx, &s->u, s->at, &s->n_units, NULL, s->p, s->areas, s->kind, o->cell_m,
                               o->has_extent ? o->extent : NULL);
  }
  if (!st) st = sm_cube_create(ctx, &s->cube, s->p, s->at, s->n_units, &o->bins);
  if (st) return st;
  s->nl = sm_cube_locations(s->cube), s->T = sm_cube_steps(s->cube);
  if (o->max_window > s->T)
    return sm__error(ctx, SM_E_INPUT, "--max-window %zu steps is longer than the study period (%zu steps of a %s)",
                     o->max_window, s->T, sm_bin_unit_str(o->bins.unit));
  s->max_window = o->max_window ? o->max_window : (s->T + 1) / 2;
  if ((st = location_positions(ctx, s))) return st;
  sm_scan_options so = SM_SCAN_OPTIONS_INIT;
  so.max_share = o->max_share, so.max_radius_m = o->max_radius_m, so.max_window = o->max_window;
  so.prospective = o->prospective, so.permutations = o->permutations, so.max_clusters = o->max_clusters;
  uint64_t seed = sm_ctx_seed(ctx);
  sm_ctx_set_seed(ctx, o->seed);
  st = sm_scan(ctx, s->nl, s->lx, s->ly, s->T, sm_cube_counts(s->cube), &so, &s->res);
  sm_ctx_set_seed(ctx, seed);
  return st;
}

/* A location's id: the ward's id, "incident position N" or "cell N". */
static void location_id(const run *s, size_t un, char *buf, size_t size) {
  if (s->incidents) snprintf(buf, size, "incident position %zu", un);
  else if (s->kind == SM_UNIT_AREAS) snprintf(buf, size, "%s", sm_areas_id(s->areas, un));
  else snprintf(buf, size, "cell %zu", un);
}

/* The circle of a cluster as a 64-gon (radius 0: 50 m around a ward centroid or incident position, half a cell). */
static void circle_wkb(const run *s, const sm_scan_cluster *k, unsigned char *wkb, int nv) {
  uint32_t ty = 3, nr = 1, n = (uint32_t)nv;
  wkb[0] = 1;
  memcpy(wkb + 1, &ty, 4), memcpy(wkb + 5, &nr, 4), memcpy(wkb + 9, &n, 4);
  double rad = k->radius_m > 0 ? k->radius_m : (s->kind == SM_UNIT_AREAS || s->incidents ? 50 : s->o->cell_m / 2);
  for (int v = 0; v < nv; v++) {
    double a = 2 * 3.14159265358979323846 * (v % (nv - 1)) / (nv - 1);
    double vx = k->x + rad * cos(a), vy = k->y + rad * sin(a);
    memcpy(wkb + 13 + 16 * v, &vx, 8), memcpy(wkb + 13 + 16 * v + 8, &vy, 8);
  }
}

static sm_status cluster_row(sm_ctx *ctx, const run *s, sm_layer *L, const size_t *f, size_t c) {
  const sm_scan_cluster *k = &s->res->clusters[c];
  enum { NV = 65 };
  unsigned char wkb[9 + 4 + NV * 16];
  circle_wkb(s, k, wkb, NV);
  size_t row;
  char cs[64], a[32], b[32];
  location_id(s, sm_cube_unit(s->cube, k->centre), cs, sizeof cs);
  sm_time_format(sm_cube_step_start(s->cube, k->t_start), s->fr, a, sizeof a);
  sm_time_format(sm_cube_step_start(s->cube, k->t_end), s->fr, b, sizeof b);
  double step_years = step_length_years(&s->o->bins);
  int pro = s->o->prospective;
  sm_status st = sm_layer_add_feature(ctx, L, wkb, sizeof wkb, &row);
  if (!st) st = sm_layer_set_int(ctx, L, row, f[0], (int64_t)c + 1);
  if (!st) st = sm_layer_set_string(ctx, L, row, f[1], cs);
  if (!st) st = sm_layer_set_double(ctx, L, row, f[2], k->x);
  if (!st) st = sm_layer_set_double(ctx, L, row, f[3], k->y);
  if (!st) st = sm_layer_set_double(ctx, L, row, f[4], k->radius_m);
  if (!st) st = sm_layer_set_int(ctx, L, row, f[5], (int64_t)k->locations);
  if (!st) st = sm_layer_set_string(ctx, L, row, f[6], a);
  if (!st) st = sm_layer_set_string(ctx, L, row, f[7], b);
  if (!st) st = sm_layer_set_double(ctx, L, row, f[8], k->observed);
  if (!st) st = sm_layer_set_double(ctx, L, row, f[9], k->expected);
  if (!st) st = sm_layer_set_double(ctx, L, row, f[10], k->observed / k->expected);
  if (!st) st = sm_layer_set_double(ctx, L, row, f[11], k->llr);
  if (!st && !isnan(k->p)) st = sm_layer_set_double(ctx, L, row, f[12], k->p);
  if (!st && !isnan(k->p_gumbel)) st = sm_layer_set_double(ctx, L, row, f[13], k->p_gumbel);
  if (!st && pro && !isnan(k->p)) st = sm_layer_set_double(ctx, L, row, f[14], 1.0 / k->p);
  if (!st && pro && !isnan(k->p)) st = sm_layer_set_double(ctx, L, row, f[15], step_years / k->p);
  return st;
}

static sm_status clusters_layer(sm_ctx *ctx, const run *s, sm_layer **out) {
  enum { NF = 16 };
  size_t f[NF];
  static const char *const names[NF] = {"rank", "centre", "centre_x", "centre_y", "radius_m", "locations", "start", "end",
                                        "observed", "expected", "relative_risk", "llr", "p", "p_gumbel", "recurrence",
                                        "recurrence_years"};
  static const sm_field_type types[NF] = {SM_FIELD_INT64,  SM_FIELD_STRING, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                          SM_FIELD_DOUBLE, SM_FIELD_INT64,  SM_FIELD_STRING, SM_FIELD_STRING,
                                          SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                          SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE};
  sm_status st = sm_layer_create(ctx, out, "scan_clusters", SM_GEOM_POLYGON, sm_points_crs(s->p));
  /* a retrospective run has no recurrence interval: its two columns are left out */
  int nf = s->o->prospective ? NF : NF - 2;
  for (int i = 0; i < nf && !st; i++) st = sm_layer_add_field(ctx, *out, names[i], types[i], &f[i]);
  for (size_t c = 0; c < s->res->n_clusters && !st; c++) st = cluster_row(ctx, s, *out, f, c);
  return st ? st : sm__layer_whole_to_int(ctx, *out, f[8]);
}

/* Each cluster's locations: SaTScan's location file. */
static sm_status locations_layer(sm_ctx *ctx, const run *s, sm_layer **out) {
  enum { NL = 8 };
  size_t g[NL];
  static const char *const ln[NL] = {"rank", "location", "x", "y", "distance_m", "observed", "expected", "relative_risk"};
  static const sm_field_type lt[NL] = {SM_FIELD_INT64,  SM_FIELD_STRING, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                       SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE};
  sm_status st = sm_layer_create(ctx, out, "scan_locations", SM_GEOM_POINT, sm_points_crs(s->p));
  for (int i = 0; i < NL && !st; i++) st = sm_layer_add_field(ctx, *out, ln[i], lt[i], &g[i]);
  const double *cnt = sm_cube_counts(s->cube), C = s->res->total;
  size_t T = s->T;
  double *colsum = sm__calloc(T ? T : 1, sizeof *colsum);
  if (!st && !colsum) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t q = 0; !st && q < s->nl * T; q++) colsum[q % T] += cnt[q];
  for (size_t c = 0; c < s->res->n_clusters && !st; c++) {
    const sm_scan_cluster *k = &s->res->clusters[c];
    double K = 0;
    for (size_t t = k->t_start; t <= k->t_end; t++) K += colsum[t];
    for (size_t q = s->res->member_off[c]; q < s->res->member_off[c + 1] && !st; q++) {
      size_t l = s->res->members[q], row;
      double obs = 0, tot = 0;
      for (size_t t = 0; t < T; t++) tot += cnt[l * T + t], obs += t >= k->t_start && t <= k->t_end ? cnt[l * T + t] : 0;
      double ex = tot * K / C;
      unsigned char wkb[21];
      uint32_t ty = 1;
      wkb[0] = 1;
      memcpy(wkb + 1, &ty, 4), memcpy(wkb + 5, &s->lx[l], 8), memcpy(wkb + 13, &s->ly[l], 8);
      char id[64];
      location_id(s, sm_cube_unit(s->cube, l), id, sizeof id);
      st = sm_layer_add_feature(ctx, *out, wkb, sizeof wkb, &row);
      if (!st) st = sm_layer_set_int(ctx, *out, row, g[0], (int64_t)c + 1);
      if (!st) st = sm_layer_set_string(ctx, *out, row, g[1], id);
      if (!st) st = sm_layer_set_double(ctx, *out, row, g[2], s->lx[l]);
      if (!st) st = sm_layer_set_double(ctx, *out, row, g[3], s->ly[l]);
      if (!st) st = sm_layer_set_double(ctx, *out, row, g[4], s->res->member_dist[q]);
      if (!st) st = sm_layer_set_double(ctx, *out, row, g[5], obs);
      if (!st) st = sm_layer_set_double(ctx, *out, row, g[6], ex);
      if (!st && ex > 0) st = sm_layer_set_double(ctx, *out, row, g[7], obs / ex);
    }
  }
  sm__free(colsum);
  return st ? st : sm__layer_whole_to_int(ctx, *out, g[5]);
}

static const char *locations_text(const run *s) {
  return s->incidents ? "incident positions (circle centres)" : s->kind == SM_UNIT_AREAS ? "ward centroids" : "cell centres";
}

/* The recipe of either layer: the method (today's text), every option, and the inputs. */
static sm_status recipe(sm_ctx *ctx, sm_layer *L, const run *s) {
  const sm_scan_run_options *o = s->o;
  sm_status st = sm__layer_meta(
      ctx, L, "method",
      "space-time permutation scan (Kulldorff 2005): %zu %s x %zu steps of a %s; circles up to %g of the "
      "incidents%s, windows up to %zu steps%s; %u replications of the case times, seed %llu",
      s->nl, locations_text(s), s->T, sm_bin_unit_str(o->bins.unit), o->max_share, o->max_radius_m > 0 ? " and the radius" : "",
      s->max_window, o->prospective ? ", ending at the last step" : "", o->permutations, (unsigned long long)o->seed);
  if (!st) st = sm__layer_meta(ctx, L, "centres", "%s", sm_scan_centres_name(o->centres));
  if (!st && !s->incidents) st = sm__layer_meta(ctx, L, "grid", "%s", sm_unit_kind_name(s->kind));
  if (!st && !s->incidents && s->kind != SM_UNIT_AREAS) st = sm__layer_meta(ctx, L, "cell_m", "%.15g", o->cell_m);
  if (!st && o->has_extent)
    st = sm__layer_meta(ctx, L, "extent", "%.15g,%.15g,%.15g,%.15g", o->extent[0], o->extent[1], o->extent[2], o->extent[3]);
  if (!st && o->bins.unit == SM_BIN_DAYS) st = sm__layer_meta(ctx, L, "bin", "%dd", o->bins.n_days);
  else if (!st) st = sm__layer_meta(ctx, L, "bin", "%s", sm_bin_unit_str(o->bins.unit));
  if (!st) st = sm__layer_meta(ctx, L, "max_share", "%.15g", o->max_share);
  if (!st) st = sm__layer_meta(ctx, L, "max_radius_m", "%.15g", o->max_radius_m);
  if (!st) st = sm__layer_meta(ctx, L, "max_window", "%zu", s->max_window);
  if (!st) st = sm__layer_meta(ctx, L, "prospective", "%s", o->prospective ? "yes" : "no");
  if (!st) st = sm__layer_meta(ctx, L, "permutations", "%u", o->permutations);
  if (!st) st = sm__layer_meta(ctx, L, "seed", "%llu", (unsigned long long)o->seed);
  if (!st) st = sm__layer_meta(ctx, L, "max_clusters", "%zu", o->max_clusters);
  if (!st) st = sm__layer_meta(ctx, L, "locations", "%zu %s", s->nl, locations_text(s));
  if (!st) st = sm__layer_meta(ctx, L, "steps", "%zu", s->T);
  if (!st) st = sm__layer_recipe_inputs(ctx, L, s->p, s->areas);
  return st;
}

/* "once in 100 months (8.33 years)": the steps to 2 significant figures below 10, whole above (p from
 * replications has no more); the years, when at least one, to as many figures as the steps (at most 3). */
static void recurrence_text(double p, const sm_bins *b, char *buf, size_t size) {
  double steps = 1 / p, n = steps >= 10 ? round(steps) : round(steps * 10) / 10;
  int digits = n >= 100 ? 3 : 2;
  double years = n * step_length_years(b);
  char step[32];
  if (b->unit == SM_BIN_DAYS) snprintf(step, sizeof step, "step%s of %d days", n == 1 ? "" : "s", b->n_days);
  else snprintf(step, sizeof step, "%s%s", sm_bin_unit_str(b->unit), n == 1 ? "" : "s");
  int k = snprintf(buf, size, "once in %g %s", n, step);
  if (b->unit != SM_BIN_YEAR && years >= 1 && k > 0 && (size_t)k < size)
    snprintf(buf + k, size - (size_t)k, " (%.*g year%s)", digits, years, years == 1 ? "" : "s");
}

/* Where cluster c is, in words. */
static void where_text(const run *s, const sm_scan_cluster *k, char *buf, size_t size) {
  size_t un = sm_cube_unit(s->cube, k->centre);
  int wards = !s->incidents && s->kind == SM_UNIT_AREAS;
  const char *what = s->incidents ? "incident position" : "cell centre";
  if (k->locations == 1 && wards) snprintf(buf, size, "1 location (%s itself)", sm_areas_name(s->areas, un));
  else if (k->locations == 1) snprintf(buf, size, "1 location (the %s itself) at (%.0f, %.0f)", what, k->x, k->y);
  else if (wards)
    snprintf(buf, size, "%zu locations within %.0f m of %s", k->locations, k->radius_m, sm_areas_name(s->areas, un));
  else snprintf(buf, size, "%zu locations within %.0f m of a%s %s at (%.0f, %.0f)", k->locations, k->radius_m,
                s->incidents ? "n" : "", what, k->x, k->y);
}

static sm_status figures(sm_ctx *ctx, sm_result *r, const run *s) {
  const sm_scan_run_options *o = s->o;
  sm_status st = sm__result_figure(ctx, r, "locations", (double)s->nl);
  if (!st) st = sm__result_figure(ctx, r, "steps", (double)s->T);
  if (!st) st = sm__result_figure(ctx, r, "incidents", s->res->total);
  if (!st) st = sm__result_figure(ctx, r, "permutations", o->permutations);
  if (!st) st = sm__result_figure(ctx, r, "seed", (double)o->seed);
  if (!st) st = sm__result_figure(ctx, r, "max_window", (double)s->max_window);
  if (!st) st = sm__result_figure(ctx, r, "clusters", (double)s->res->n_clusters);
  if (!st) st = sm__result_text(ctx, r, "step", sm_bin_unit_str(o->bins.unit));
  for (size_t c = 0; c < s->res->n_clusters && !st; c++) {
    const sm_scan_cluster *k = &s->res->clusters[c];
    char name[48], text[256];
    where_text(s, k, text, sizeof text);
    snprintf(name, sizeof name, "cluster_%zu_where", c + 1);
    st = sm__result_text(ctx, r, name, text);
    if (!st && o->prospective && !isnan(k->p)) {
      recurrence_text(k->p, &o->bins, text, sizeof text);
      snprintf(name, sizeof name, "cluster_%zu_recurrence", c + 1);
      st = sm__result_text(ctx, r, name, text);
    }
  }
  return st;
}

static sm_status scan_run_local(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                                const sm_scan_run_options *opts);

sm_status sm_scan_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                      const sm_scan_run_options *opts) {
  /* with MPI ranks: every rank ends as the first that failed */
  sm_status st = sm__mpi_agree(ctx, scan_run_local(ctx, out, points, areas, opts));
  if (st && out) sm_result_destroy(*out), *out = NULL;
  return st;
}

static sm_status scan_run_local(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                                const sm_scan_run_options *opts) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_scan_run: NULL argument");
  *out = NULL;
  sm_scan_run_options defaults = SM_SCAN_RUN_OPTIONS_INIT;
  const sm_scan_run_options *o = opts ? opts : &defaults;
  if (!points) return sm__error(ctx, SM_E_INVALID_ARG, "sm_scan_run: NULL points");
  sm_status st = check_options(ctx, o, areas != NULL);
  if (!st) st = sm__points_usable(ctx, points, areas, "no incidents");
  if (st) return st;
  run s = {0};
  s.o = o, s.p = points, s.areas = areas, s.incidents = o->centres == SM_SCAN_CENTRES_INCIDENTS;
  s.fr = o->bins.unit == SM_BIN_MONTH || o->bins.unit == SM_BIN_QUARTER || o->bins.unit == SM_BIN_YEAR ? SM_TIME_MONTH
                                                                                                     : SM_TIME_DAY;
  sm_result *r = NULL;
  sm_layer *L = NULL, *LL = NULL;
  st = scan(ctx, &s);
  if (!st) st = clusters_layer(ctx, &s, &L);
  if (!st) st = recipe(ctx, L, &s);
  if (!st) st = locations_layer(ctx, &s, &LL);
  if (!st) st = recipe(ctx, LL, &s);
  if (!st) st = sm__result_create(ctx, &r);
  if (!st) st = sm__result_add_layer(ctx, r, L, NULL), L = NULL;
  if (!st) st = sm__result_add_layer(ctx, r, LL, "_locations"), LL = NULL;
  if (!st) st = figures(ctx, r, &s);
  sm_layer_destroy(L), sm_layer_destroy(LL);
  run_free(&s);
  if (st) sm_result_destroy(r);
  else *out = r;
  return st;
}
