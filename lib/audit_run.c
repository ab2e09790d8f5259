/* sm_audit_run: the women's safety audit overlay, from the inputs to scored segments, dark stretches,
 * priorities and ward summaries (safemap audit). */
#include "internal/audit.h"
#include "internal/options.h"
#include "internal/result_build.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

SM__OPTIONS_INIT_FN(sm_audit_options, sm_audit_options_init, SM_AUDIT_OPTIONS_VERSION, SM_AUDIT_OPTIONS_INIT)

/* A positive finite number, or the option's message. */
static sm_status positive(sm_ctx *ctx, const char *opt, double v, double max) {
  if (!(v > 0) || !(v <= max))
    return sm__error(ctx, SM_E_INVALID_ARG, "%s %g must be more than 0 and at most %g", opt, v, max);
  return SM_OK;
}

static sm_status check_options(sm_ctx *ctx, const sm_audit_options *o, int have_crimes) {
  sm_status st = sm__options_version(ctx, "sm_audit_run", o->version, SM_AUDIT_OPTIONS_VERSION);
  if (st) return st;
  if (!o->streets) return sm__error(ctx, SM_E_INVALID_ARG, "--streets is required (street lines: OSM, OS Open Roads, ...)");
  if (!o->lights && !o->defects && !o->audits && !have_crimes && !o->pins && !o->cctv && !o->n_area_counts)
    return sm__error(ctx, SM_E_INVALID_ARG, "nothing to audit the streets with: give at least one of --lights, --defects, "
                     "--audits, --pins, --cctv, --defect-areas or crimes (POINTS)");
  if (o->n_area_counts && !o->area_counts) return sm__error(ctx, SM_E_INVALID_ARG, "area_counts is NULL but n_area_counts %zu", o->n_area_counts);
  for (size_t i = 0; i < o->n_area_counts; i++)
    if (!o->area_counts[i] || !o->area_counts[i][0])
      return sm__error(ctx, SM_E_INVALID_ARG, "--defect-areas: source %zu is empty", i + 1);
  if (o->n_area_counts && !o->area_polygons)
    return sm__error(ctx, SM_E_INVALID_ARG, "--defect-areas needs --defect-area-polygons (the areas' polygons, e.g. LSOA "
                     "2011 for FixMyStreet's counts per LSOA)");
  if (!o->n_area_counts && o->area_polygons)
    return sm__error(ctx, SM_E_INVALID_ARG, "--defect-area-polygons without --defect-areas (the counts per area)");
  if (!o->n_area_counts && o->area_categories)
    return sm__error(ctx, SM_E_INVALID_ARG, "--defect-area-categories without --defect-areas (the counts per area)");
  if ((st = positive(ctx, "--segment", o->segment_m, 10000)) || (st = positive(ctx, "--sample", o->sample_m, 1000)) ||
      (st = positive(ctx, "--maintenance-factor", o->maintenance_factor, 1)) ||
      (st = positive(ctx, "--reach-factor", o->reach_factor, 100)) ||
      (st = positive(ctx, "--lamp-offset", o->lamp_offset_m, 1000)) ||
      (st = positive(ctx, "--defect-radius", o->defect_radius_m, 10000)) ||
      (st = positive(ctx, "lamp_defect_radius_m", o->lamp_defect_radius_m, 1000)) ||
      (st = positive(ctx, "--audit-radius", o->audit_radius_m, 10000)) ||
      (st = positive(ctx, "--crime-radius", o->crime_radius_m, 10000)) ||
      (st = positive(ctx, "--pin-radius", o->pin_radius_m, 10000)) ||
      (st = positive(ctx, "--cctv-radius", o->cctv_radius_m, 1000)))
    return st;
  if (o->sample_m > o->segment_m)
    return sm__error(ctx, SM_E_INVALID_ARG, "--sample %g must not be longer than --segment %g", o->sample_m, o->segment_m);
  if (o->default_height_m != 0 && (st = positive(ctx, "--height", o->default_height_m, 40))) return st;
  if (o->default_height_m != 0 && o->default_height_m < 2)
    return sm__error(ctx, SM_E_INVALID_ARG, "--height %g: a mounting height is 2 to 40 metres", o->default_height_m);
  if (!(o->crime_bandwidth_m >= 0) || !isfinite(o->crime_bandwidth_m))
    return sm__error(ctx, SM_E_INVALID_ARG, "--crime-bandwidth %g must be 0 (automatic) or more", o->crime_bandwidth_m);
  if (!(o->min_dark_m >= 0) || !isfinite(o->min_dark_m))
    return sm__error(ctx, SM_E_INVALID_ARG, "--min-dark %g must be 0 or more", o->min_dark_m);
  if (o->hour < -1 || o->hour > 1439)
    return sm__error(ctx, SM_E_INVALID_ARG, "--hour: %d minutes after midnight is not a time of day (00:00 to 23:59)",
                     o->hour);
  if ((int)o->target < 0 || o->target >= SM_LIGHT_CLASS_END_)
    return sm__error(ctx, SM_E_INVALID_ARG, "--target: unknown class %d (P1 to P6, or auto)", (int)o->target);
  if ((int)o->default_lamp_type < 0 || o->default_lamp_type >= SM_LAMP_TYPE_END_)
    return sm__error(ctx, SM_E_INVALID_ARG, "--lamp-type: unknown type %d", (int)o->default_lamp_type);
  double wsum = 0;
  for (int k = 0; k < SM__C_END; k++) {
    if (!(o->weights[k] >= 0) || !isfinite(o->weights[k]))
      return sm__error(ctx, SM_E_INVALID_ARG, "--priority-weights: weight %d is %g; the weights must be 0 or more", k + 1,
                       o->weights[k]);
    wsum += o->weights[k];
  }
  if (!(wsum > 0)) return sm__error(ctx, SM_E_INVALID_ARG, "--priority-weights: every weight is 0");
  if (o->photometry) {
    sm__photometry ph;
    if ((st = sm__photometry_read(ctx, o->photometry, 1, &ph))) return st;
    sm__photometry_free(&ph);
    if (!o->lights) return sm__error(ctx, SM_E_INVALID_ARG, "--photometry needs --lights (the lamps it describes)");
  }
  if (o->at) {
    int64_t t;
    sm_time_res res;
    if (sm_time_parse(o->at, strlen(o->at), &t, &res) != SM_OK)
      return sm__error(ctx, SM_E_INVALID_ARG, "--at '%s' is not a date (YYYY-MM-DD)", o->at);
  }
  return SM_OK;
}

sm_status sm_audit_options_check(sm_ctx *ctx, const sm_audit_options *opts, int have_crimes) {
  sm_audit_options d = SM_AUDIT_OPTIONS_INIT;
  return check_options(ctx, opts ? opts : &d, have_crimes);
}

/* ---- the run's state ------------------------------------------------------------------------------ */

static void audit_free(sm__audit *A) {
  if (A->defect_cats)
    for (size_t s = 0; s < A->net.n; s++) sm__free(A->defect_cats[s]);
  sm__streets_free(&A->streets);
  sm__net_free(&A->net);
  sm__grid_free(&A->seg_grid);
  sm__lamps_free(&A->lamps);
  sm__photometry_free(&A->photometry);
  sm__defects_free(&A->defects);
  sm__audits_free(&A->audits);
  sm__audit_inputs_free(A);
  void *arr[] = {A->crs, A->reach, A->lamp_seg, A->lamp_along, A->lamp_dist, A->lux_avg, A->lux_min, A->lamps_lit,
                 A->near_lamp, A->gap, A->cls, A->below, A->defects_n, A->defect_score, A->defect_oldest,
                 A->defect_cats, A->audits_n, A->audit_param, A->audit_mean, A->crimes_n, A->crime_per_100m,
                 A->crime_kde, A->ward, A->notes, A->warnings, A->priority, A->order, A->rank, A->stretch_of};
  for (size_t k = 0; k < sizeof arr / sizeof arr[0]; k++) sm__free(arr[k]);
  for (int k = 0; k < SM__C_END; k++) sm__free(A->s[k]), sm__free(A->c[k]);
}

/* The per-segment arrays. */
static sm_status audit_alloc(sm__audit *A) {
  size_t n = A->net.n ? A->net.n : 1, p = A->audits.p ? A->audits.p : 1;
#define C(a, cnt) if (!((A->a) = sm__calloc((cnt), sizeof *(A->a)))) return sm__error(A->ctx, SM_E_NOMEM, "out of memory (%zu segments)", n)
  C(lux_avg, n); C(lux_min, n); C(lamps_lit, n); C(near_lamp, n); C(gap, n); C(cls, n); C(below, n);
  C(defects_n, n); C(defect_score, n); C(defect_oldest, n); C(defect_cats, n); C(audits_n, n);
  C(audit_param, n * p); C(audit_mean, n); C(crimes_n, n); C(crime_per_100m, n); C(crime_kde, n);
  C(priority, n); C(order, n); C(rank, n); C(stretch_of, n);
  for (int k = 0; k < SM__C_END; k++) {
    C(s[k], n); C(c[k], n);
  }
#undef C
  for (size_t s = 0; s < n; s++) A->stretch_of[s] = -1;
  return SM_OK;
}

/* ---- lamps: where, how high, lit or not at the hour -------------------------------------------------- */

static sm_status lamps_state(sm__audit *A) {
  sm__lamps *l = &A->lamps;
  const sm_audit_options *o = A->o;
  size_t n = l->n ? l->n : 1;
  A->reach = sm__malloc(n * sizeof *A->reach);
  A->lamp_seg = sm__malloc(n * sizeof *A->lamp_seg);
  A->lamp_along = sm__malloc(n * sizeof *A->lamp_along);
  A->lamp_dist = sm__malloc(n * sizeof *A->lamp_dist);
  if (!A->reach || !A->lamp_seg || !A->lamp_along || !A->lamp_dist) return sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  /* the nearest segment within the largest reach a lamp could have */
  double far = o->reach_factor * 40;
  sm__net_nearest(A->ctx, &A->net, &A->seg_grid, l->n, l->x, l->y, far, A->lamp_seg, A->lamp_along, A->lamp_dist);
  /* lamps put out by an open street-light defect within lamp_defect_radius */
  unsigned char *dout = sm__calloc(n, 1);
  if (!dout) return sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  if (A->have_defects) {
    sm__grid g;
    sm_status st = sm__grid_build(A->ctx, &g, l->n, l->x, l->y, NULL, fmax(o->lamp_defect_radius_m, 10));
    if (st) return sm__free(dout), st;
    const sm__defects *d = &A->defects;
    for (size_t i = 0; i < d->n; i++) {
      size_t i0, i1, j0, j1;
      if (!d->is_light[i] || !sm__grid_range(&g, d->x[i], d->y[i], o->lamp_defect_radius_m, &i0, &i1, &j0, &j1)) continue;
      for (size_t j = j0; j <= j1; j++)
        for (size_t c = i0; c <= i1; c++)
          for (size_t q = g.start[j * g.nx + c]; q < g.start[j * g.nx + c + 1]; q++)
            if (hypot(l->x[g.item[q]] - d->x[i], l->y[g.item[q]] - d->y[i]) <= o->lamp_defect_radius_m) dout[g.item[q]] = 1;
    }
    sm__grid_free(&g);
  }
  for (size_t i = 0; i < l->n; i++) {
    if (isnan(l->height[i])) {
      sm_light_class c;
      double h = 6;
      long s = A->lamp_seg[i];
      if (o->default_height_m > 0) h = o->default_height_m;
      else sm__street_defaults(s >= 0 ? A->streets.highway[A->net.street[s]] : NULL, &c, &h);
      l->height[i] = h;
      A->lamps_default_height++;
    }
    A->reach[i] = o->reach_factor * l->height[i];
    l->why_off[i] = l->out[i] ? 1 : dout[i] ? 2 : !sm_light_regime_on(&l->regime[i], o->hour) ? 3 : 0;
    l->on[i] = !l->why_off[i];
    A->lamps_on += l->on[i];
    A->lamps_out += l->why_off[i] == 1;
    A->lamps_defect_out += l->why_off[i] == 2;
    A->lamps_off_hour += l->why_off[i] == 3;
  }
  sm__free(dout);
  /* a lamp within reach of no street lights nothing: when that is every lamp, the inputs do not overlap */
  size_t within = 0;
  for (size_t i = 0; i < l->n; i++) within += A->lamp_seg[i] >= 0 && A->lamp_dist[i] < A->reach[i];
  if (!within) {
    double e[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY}, s[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < l->n; i++)
      e[0] = fmin(e[0], l->x[i]), e[1] = fmin(e[1], l->y[i]), e[2] = fmax(e[2], l->x[i]), e[3] = fmax(e[3], l->y[i]);
    for (size_t k = 0; k < A->net.off[A->net.n]; k++)
      s[0] = fmin(s[0], A->net.vx[k]), s[1] = fmin(s[1], A->net.vy[k]), s[2] = fmax(s[2], A->net.vx[k]),
      s[3] = fmax(s[3], A->net.vy[k]);
    return sm__error(A->ctx, SM_E_INPUT, "no lamp of --lights %s is within reach of any street of --streets %s: the lamps "
                     "lie in %.0f,%.0f .. %.0f,%.0f and the streets in %.0f,%.0f .. %.0f,%.0f (%s); every street would be "
                     "dark. Are they the same place?", o->lights, o->streets, e[0], e[1], e[2], e[3], s[0], s[1], s[2],
                     s[3], A->crs);
  }
  return SM_OK;
}

/* ---- lighting per segment -------------------------------------------------------------------------- */

static sm_status lighting(sm__audit *A) {
  sm__net *net = &A->net;
  const sm_audit_options *o = A->o;
  for (size_t s = 0; s < net->n; s++) {
    sm_light_class c;
    double h;
    sm__street_defaults(A->streets.highway[net->street[s]], &c, &h);
    A->cls[s] = (unsigned char)(o->target != SM_LIGHT_CLASS_AUTO ? o->target : c);
  }
  if (!A->have_lights) return SM_OK;
  sm_status st = sm__audit_illuminance(A->ctx, net, &A->lamps, A->reach, &A->photometry, o->maintenance_factor,
                                       o->sample_m, A->lux_avg, A->lux_min, A->lamps_lit);
  if (st) return st;
  /* lamps count for the distances along the streets when they stand within --lamp-offset of one */
  long *seg = sm__malloc((A->lamps.n ? A->lamps.n : 1) * sizeof *seg);
  if (!seg) return sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < A->lamps.n; i++) seg[i] = A->lamp_dist[i] <= o->lamp_offset_m ? A->lamp_seg[i] : -1;
  st = sm__audit_lamp_distances(A->ctx, net, &A->lamps, seg, A->lamp_along, A->near_lamp, A->gap);
  sm__free(seg);
  for (size_t s = 0; s < net->n && !st; s++) {
    double ta, tm;
    sm_light_class_lux((sm_light_class)A->cls[s], &ta, &tm);
    A->below[s] = A->lux_avg[s] < ta || A->lux_min[s] < tm;
    double da = (ta - A->lux_avg[s]) / ta, dm = (tm - A->lux_min[s]) / tm;
    double d = fmax(da, dm);
    A->s[SM__C_DARK][s] = d < 0 ? 0 : d > 1 ? 1 : d;
  }
  return st;
}

/* ---- maintenance, walk audits, crime ---------------------------------------------------------------- */

typedef struct pair {
  size_t seg, cat;
} pair;

static int pair_cmp(const void *a, const void *b) {
  const pair *x = a, *y = b;
  if (x->seg != y->seg) return x->seg < y->seg ? -1 : 1;
  return x->cat < y->cat ? -1 : x->cat > y->cat;
}

static _Thread_local char *const *cat_names; /* qsort's comparison has no user pointer; set just before (one thread) */
static int cat_cmp(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  int c = strcmp(cat_names[x], cat_names[y]);
  return c ? c : (x < y ? -1 : x > y);
}

/* Open defects within --defect-radius of each segment: how many, their weighted score, the oldest, and the
 * count by category ("Pavement 2; Street light 1", categories in alphabetical order). */
static sm_status maintenance(sm__audit *A) {
  if (!A->have_defects) return SM_OK;
  const sm__defects *d = &A->defects;
  const sm__net *net = &A->net;
  const sm__grid *g = &A->seg_grid;
  double r = A->o->defect_radius_m;
  for (size_t s = 0; s < net->n; s++) A->defect_oldest[s] = NAN;
  size_t *cat = sm__malloc((d->n ? d->n : 1) * sizeof *cat), *mark = sm__malloc(net->n * sizeof *mark), ncat = 0;
  pair *pr = NULL;
  size_t np = 0, pcap = 0;
  sm_status st = cat && mark ? SM_OK : sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  size_t *by = st ? NULL : sm__malloc((d->n ? d->n : 1) * sizeof *by);
  if (!st && !by) st = sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  if (!st) { /* category numbers in alphabetical order */
    for (size_t i = 0; i < d->n; i++) by[i] = i;
    cat_names = d->category;
    qsort(by, d->n, sizeof *by, cat_cmp);
    for (size_t k = 0; k < d->n; k++) cat[by[k]] = k && strcmp(d->category[by[k]], d->category[by[k - 1]]) ? ++ncat : ncat;
    if (d->n) ncat++;
  }
  sm__free(by);
  for (size_t s = 0; s < net->n && !st; s++) mark[s] = SIZE_MAX;
  for (size_t i = 0; i < d->n && !st; i++) {
    size_t i0, i1, j0, j1;
    if (!sm__grid_range(g, d->x[i], d->y[i], r, &i0, &i1, &j0, &j1)) continue;
    for (size_t j = j0; j <= j1 && !st; j++)
      for (size_t c = i0; c <= i1 && !st; c++)
        for (size_t q = g->start[j * g->nx + c]; q < g->start[j * g->nx + c + 1] && !st; q++) {
          size_t s = g->item[q];
          if (mark[s] == i) continue; /* a segment listed in two cells */
          mark[s] = i;
          if (sm__net_distance(net, s, d->x[i], d->y[i], NULL) > r) continue;
          A->defects_n[s]++;
          A->defect_score[s] += d->weight[i];
          if (!isnan(d->age_days[i]) && !(d->age_days[i] <= A->defect_oldest[s])) A->defect_oldest[s] = d->age_days[i];
          if (sm__grow((void **)&pr, &pcap, np + 1, sizeof *pr)) st = sm__error(A->ctx, SM_E_NOMEM, "out of memory");
          else pr[np].seg = s, pr[np].cat = cat[i], np++;
        }
  }
  if (!st && np) qsort(pr, np, sizeof *pr, pair_cmp);
  /* the first defect of each category, for its name */
  size_t *name_of = st ? NULL : sm__malloc((ncat ? ncat : 1) * sizeof *name_of);
  if (!st && !name_of) st = sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = d->n; i-- > 0 && !st;) name_of[cat[i]] = i;
  for (size_t a = 0; a < np && !st;) {
    size_t s = pr[a].seg;
    char buf[1024];
    int k = 0;
    buf[0] = 0;
    while (a < np && pr[a].seg == s) {
      size_t b = a;
      while (b < np && pr[b].seg == s && pr[b].cat == pr[a].cat) b++;
      if (k >= 0 && (size_t)k < sizeof buf)
        k += snprintf(buf + k, sizeof buf - (size_t)k, "%s%s %zu", k ? "; " : "", d->category[name_of[pr[a].cat]], b - a);
      a = b;
    }
    if (!(A->defect_cats[s] = sm__strdup(buf))) st = sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  }
  sm__free(name_of), sm__free(pr), sm__free(cat), sm__free(mark);
  return st;
}

/* Inverse-distance means of each audit parameter within --audit-radius of each segment's middle
 * (weights 1/d, d at least 1 m); NaN with no audit nearby. */
static sm_status walk_audits(sm__audit *A) {
  const sm__audits *a = &A->audits;
  const sm__net *net = &A->net;
  size_t p = a->p ? a->p : 1;
  for (size_t s = 0; s < net->n; s++) {
    A->audit_mean[s] = NAN;
    for (size_t k = 0; k < p; k++) A->audit_param[s * p + k] = NAN;
  }
  if (!A->have_audits) return SM_OK;
  sm__grid g;
  double r = A->o->audit_radius_m;
  sm_status st = sm__grid_build(A->ctx, &g, a->n, a->x, a->y, NULL, r);
  if (st) return st;
#pragma omp parallel for schedule(static) num_threads(sm__threads(A->ctx))
  for (long si = 0; si < (long)net->n; si++) {
    size_t s = (size_t)si, i0, i1, j0, j1;
    double num[64] = {0}, den[64] = {0};
    int32_t used = 0;
    if (sm__grid_range(&g, net->mx[s], net->my[s], r, &i0, &i1, &j0, &j1)) {
      /* audits in index order, whatever the cells: the same sums for any grid */
      for (size_t j = j0; j <= j1; j++)
        for (size_t c = i0; c <= i1; c++)
          for (size_t q = g.start[j * g.nx + c]; q < g.start[j * g.nx + c + 1]; q++) {
            size_t i = g.item[q];
            double d = hypot(a->x[i] - net->mx[s], a->y[i] - net->my[s]);
            if (d > r) continue;
            double w = 1 / fmax(d, 1);
            used++;
            for (size_t k = 0; k < a->p && k < 64; k++) {
              double v = a->score[i * a->p + k];
              if (!isnan(v)) num[k] += w * v, den[k] += w;
            }
          }
    }
    A->audits_n[s] = used;
    double sum = 0;
    int np = 0;
    for (size_t k = 0; k < a->p && k < 64; k++) {
      double v = den[k] > 0 ? num[k] / den[k] : NAN;
      A->audit_param[s * a->p + k] = v;
      if (!isnan(v)) sum += v, np++;
    }
    A->audit_mean[s] = np ? sum / np : NAN;
    A->s[SM__C_PERC][s] = np ? 1 - A->audit_mean[s] / 3 : 0;
  }
  sm__grid_free(&g);
  return SM_OK;
}
/* VAWG crimes: each to its nearest segment within --crime-radius (per 100 m of it), and their quartic kernel
 * density at each segment's middle: the kde module's default definition (3 / (pi R^2) (1 - d^2/R^2)^2 per
 * point, per km^2; R from --crime-bandwidth, else its spatial Silverman rule, sm_kde_silverman_radius),
 * evaluated exactly at the point rather than read from a grid. */
static sm_status crime(sm__audit *A) {
  const sm_points *p = A->crimes;
  const sm__net *net = &A->net;
  size_t n = p ? sm_points_count(p) : 0;
  if (!n) return SM_OK;
  const double *x = sm_points_x(p), *y = sm_points_y(p), *w = sm_points_weight(p);
  long *seg = sm__malloc(n * sizeof *seg);
  if (!seg) return sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  sm__net_nearest(A->ctx, net, &A->seg_grid, n, x, y, A->o->crime_radius_m, seg, NULL, NULL);
  for (size_t i = 0; i < n; i++)
    if (seg[i] >= 0) A->crimes_n[seg[i]]++;
  sm__free(seg);
  for (size_t s = 0; s < net->n; s++) A->crime_per_100m[s] = 100.0 * A->crimes_n[s] / net->length[s];
  double R = A->o->crime_bandwidth_m;
  if (!(R > 0)) {
    if (sm_kde_silverman_radius(A->ctx, x, y, w, n, &R) != SM_OK || !(R > 0)) {
      sm_ctx_clear_error(A->ctx);
      R = 200; /* fewer than two places: no spread to measure (stated in the recipe) */
      A->crime_bandwidth_fixed = 1;
    }
  }
  A->crime_bandwidth = R;
  /* The crimes in cell order (cells of R / 2, so a row of the cells within R of a point is one run of
   * consecutive values): the kernel sums read memory in order and vectorise. */
  sm__grid g;
  sm_status st = sm__grid_build(A->ctx, &g, n, x, y, NULL, R / 2);
  if (st) return st;
  double *cx = sm__malloc(3 * n * sizeof *cx), *cy = cx + n, *cw = cy + n;
  if (!cx) {
    sm__grid_free(&g);
    return sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  }
  for (size_t q = 0; q < n; q++) cx[q] = x[g.item[q]], cy[q] = y[g.item[q]], cw[q] = w[g.item[q]];
  const double c = 3.0 / (M_PI * R * R) * 1e6, inv = 1 / (R * R);
#pragma omp parallel for schedule(dynamic, 256) num_threads(sm__threads(A->ctx))
  for (long si = 0; si < (long)net->n; si++) {
    size_t s = (size_t)si, i0, i1, j0, j1;
    double sum = 0, mx = net->mx[s], my = net->my[s];
    if (sm__grid_range(&g, mx, my, R, &i0, &i1, &j0, &j1))
      for (size_t j = j0; j <= j1; j++) {
        size_t q0 = g.start[j * g.nx + i0], q1 = g.start[j * g.nx + i1 + 1];
#pragma omp simd reduction(+ : sum)
        for (size_t q = q0; q < q1; q++) {
          double dx = cx[q] - mx, dy = cy[q] - my, t = 1 - (dx * dx + dy * dy) * inv;
          sum += t > 0 ? cw[q] * t * t : 0;
        }
      }
    A->crime_kde[s] = c * sum;
  }
  sm__free(cx);
  sm__grid_free(&g);
  return sm__progress(A->ctx, 1, "crimes near the streets");
}

/* The ward of each segment's middle; with wards, the segments in none are left out (counted and stated). */
static sm_status clip_to_wards(sm__audit *A) {
  size_t n = A->net.n;
  if (!(A->ward = sm__malloc((n ? n : 1) * sizeof *A->ward))) return sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  for (size_t s = 0; s < n; s++) A->ward[s] = -1;
  if (!A->wards) return SM_OK;
  sm_points *mid = NULL;
  unsigned char *keep = NULL;
  sm_status st = sm_points_create(A->ctx, &mid, A->crs, n, A->net.mx, A->net.my, NULL, NULL);
  if (!st) st = sm_areas_locate(A->ctx, A->wards, mid, A->ward, NULL);
  sm_points_destroy(mid);
  if (!st && !(keep = sm__malloc(n))) st = sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  size_t m = 0;
  for (size_t s = 0; s < n && !st; s++) {
    keep[s] = A->ward[s] >= 0;
    if (keep[s]) A->ward[m++] = A->ward[s];
    else A->outside_wards++, A->outside_wards_km += A->net.length[s] / 1000;
  }
  if (!st && !m)
    st = sm__error(A->ctx, SM_E_INPUT, "no street of --streets %s lies in the wards (%zu segments, all outside): are the "
                   "streets and --wards the same place?", A->o->streets, n);
  if (!st) st = sm__net_keep(A->ctx, &A->net, keep);
  sm__free(keep);
  return st;
}

/* Street with no lamp at all (lit or not) within 100 m of its middle: likely outside the inventory. */
static sm_status coverage(sm__audit *A) {
  const sm__lamps *l = &A->lamps;
  sm__grid g;
  sm_status st = sm__grid_build(A->ctx, &g, l->n, l->x, l->y, NULL, 100);
  for (size_t s = 0; s < A->net.n && !st; s++) {
    size_t i0, i1, j0, j1;
    int near = 0;
    if (sm__grid_range(&g, A->net.mx[s], A->net.my[s], 100, &i0, &i1, &j0, &j1))
      for (size_t j = j0; j <= j1 && !near; j++)
        for (size_t c = i0; c <= i1 && !near; c++)
          for (size_t q = g.start[j * g.nx + c]; q < g.start[j * g.nx + c + 1] && !near; q++)
            near = hypot(l->x[g.item[q]] - A->net.mx[s], l->y[g.item[q]] - A->net.my[s]) <= 100;
    if (!near) A->unlit_km += A->net.length[s] / 1000;
  }
  sm__grid_free(&g);
  return st;
}

/* The run's own warnings and notes, once: logged here, and on every layer through the recipe. */
static sm_status notes(sm__audit *A) {
  char w[3072], n[1024];
  size_t k = 0;
  w[0] = n[0] = 0;
  if (A->have_lights && A->lamps.no_watts)
    snprintf(w, sizeof w, "%zu lamps of --lights have no wattage or lumens (the first: %s): each was taken as the "
             "inventory's median, %g W", A->lamps.no_watts, A->lamps.no_watts_example, A->lamps.median_watts);
  if (A->outside_wards)
    k += (size_t)snprintf(n + k, sizeof n - k, "%zu street segments (%.2f km) outside every ward were left out",
                          A->outside_wards, A->outside_wards_km);
  if (A->have_lights && A->unlit_km > 0 && k < sizeof n)
    k += (size_t)snprintf(n + k, sizeof n - k, "%s%.2f km of street have no lamp at all within 100 m: dark there, or "
                          "beyond the lamp inventory (private or park paths, another council's streets)",
                          k ? "; " : "", A->unlit_km);
  if (A->inputs_notes) {
    size_t wk = strlen(w);
    snprintf(w + wk, sizeof w - wk, "%s%s", wk ? "; " : "", A->inputs_notes);
  }
  if (w[0]) sm__log(A->ctx, SM_LOG_WARNING, "%s", w);
  if (n[0]) sm__log(A->ctx, SM_LOG_INFO, "%s", n);
  if ((w[0] && !(A->warnings = sm__strdup(w))) || (n[0] && !(A->notes = sm__strdup(n))))
    return sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  return SM_OK;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* s[k] = the share of segments with a lower value than v[s] (0 where v[s] is 0): a percentile in 0..1. */
static sm_status percentile(sm__audit *A, const double *v, double *out) {
  size_t n = A->net.n;
  double *sorted = sm__malloc(n * sizeof *sorted);
  if (!sorted) return sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  for (size_t s = 0; s < n; s++) sorted[s] = isnan(v[s]) ? 0 : v[s]; /* NaN (none) ranks as 0 */
  qsort(sorted, n, sizeof *sorted, cmp_double);
  for (size_t s = 0; s < n; s++) {
    if (!(v[s] > 0)) {
      out[s] = 0;
      continue;
    }
    size_t lo = 0, hi = n; /* the first index holding v[s] */
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (sorted[mid] < v[s]) lo = mid + 1;
      else hi = mid;
    }
    out[s] = (double)lo / (double)n;
  }
  sm__free(sorted);
  return SM_OK;
}

static _Thread_local const sm__audit *order_of; /* set just before the sort, on one thread */
static int by_priority(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  double px = order_of->priority[x], py = order_of->priority[y];
  if (px != py) return px > py ? -1 : 1;
  return x < y ? -1 : x > y;
}

/* The components' contributions, the priority index (their sum, 0..100) and the ranks. */
static sm_status priorities(sm__audit *A) {
  size_t n = A->net.n;
  /* maintenance: the point defects; without them, the reports per km of the segment's area */
  sm_status st = percentile(A, A->have_defects || !A->have_area_counts ? A->defect_score : A->area_rate, A->s[SM__C_MAINT]);
  if (!st && A->have_pins) st = percentile(A, A->pins_n, A->s[SM__C_PINS]);
  if (!st) st = percentile(A, A->crime_kde, A->s[SM__C_CRIME]);
  if (st) return st;
  double wsum = 0;
  for (int k = 0; k < SM__C_END; k++) wsum += A->o->weights[k];
  for (size_t s = 0; s < n; s++) {
    double p = 0;
    for (int k = 0; k < SM__C_END; k++) {
      A->c[k][s] = 100.0 * A->o->weights[k] * A->s[k][s] / wsum;
      p += A->c[k][s];
    }
    A->priority[s] = p;
    A->order[s] = s;
  }
  order_of = A;
  qsort(A->order, n, sizeof *A->order, by_priority);
  for (size_t k = 0; k < n; k++) A->rank[A->order[k]] = k + 1;
  return SM_OK;
}

/* ---- dark stretches ---------------------------------------------------------------------------------- */

static size_t uf_find(size_t *parent, size_t i) {
  while (parent[i] != i) parent[i] = parent[parent[i]], i = parent[i];
  return i;
}

static int same_street(const sm__audit *A, size_t a, size_t b) {
  const char *x = A->streets.name[A->net.street[a]], *y = A->streets.name[A->net.street[b]];
  return x && y && !strcmp(x, y);
}

/* Maximal runs of below-target segments along a street: joined at a node where the street simply goes on
 * (two segments meet) or where both carry the same street name; kept when at least --min-dark long. */
static sm_status dark_stretches(sm__audit *A) {
  const sm__net *net = &A->net;
  size_t n = net->n, nn = net->n_nodes;
  if (!A->have_lights) return SM_OK;
  size_t *parent = sm__malloc(n * sizeof *parent), *deg_off = sm__calloc(nn + 1, sizeof *deg_off);
  size_t *adj = sm__malloc(2 * n * sizeof *adj), *fill = sm__malloc((nn ? nn : 1) * sizeof *fill);
  double *len = sm__calloc(n, sizeof *len);
  sm_status st = parent && deg_off && adj && fill && len ? SM_OK : sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  if (!st) {
    for (size_t s = 0; s < n; s++) parent[s] = s, deg_off[net->node_from[s] + 1]++, deg_off[net->node_to[s] + 1]++;
    for (size_t v = 0; v < nn; v++) deg_off[v + 1] += deg_off[v];
    memcpy(fill, deg_off, nn * sizeof *fill);
    for (size_t s = 0; s < n; s++) adj[fill[net->node_from[s]]++] = s, adj[fill[net->node_to[s]]++] = s;
    for (size_t v = 0; v < nn; v++) {
      size_t a0 = deg_off[v], a1 = deg_off[v + 1], deg = a1 - a0;
      for (size_t i = a0; i < a1; i++)
        for (size_t j = i + 1; j < a1; j++) {
          size_t a = adj[i], b = adj[j];
          if (!A->below[a] || !A->below[b] || a == b) continue;
          if (deg == 2 || same_street(A, a, b)) {
            size_t ra = uf_find(parent, a), rb = uf_find(parent, b);
            if (ra != rb) parent[ra < rb ? rb : ra] = ra < rb ? ra : rb;
          }
        }
    }
    for (size_t s = 0; s < n; s++)
      if (A->below[s]) len[uf_find(parent, s)] += net->length[s];
    /* stretch numbers in the order of their first segment */
    for (size_t s = 0; s < n; s++) A->stretch_of[s] = -1;
    for (size_t s = 0; s < n; s++) {
      if (!A->below[s]) continue;
      size_t r = uf_find(parent, s);
      if (len[r] + 1e-9 < A->o->min_dark_m) continue;
      if (A->stretch_of[r] < 0) A->stretch_of[r] = (long)A->n_stretches++;
      A->stretch_of[s] = A->stretch_of[r];
    }
  }
  sm__free(parent), sm__free(deg_off), sm__free(adj), sm__free(fill), sm__free(len);
  return st;
}

/* ---- the run ---------------------------------------------------------------------------------------- */

static sm_status figures(sm__audit *A, sm_result *r) {
  const sm__net *net = &A->net;
  double km = 0, below_km = 0, dark_km = 0;
  size_t below = 0, crimes = 0, defects = A->have_defects ? A->defects.n : 0;
  for (size_t s = 0; s < net->n; s++) {
    km += net->length[s] / 1000;
    if (A->below[s]) below++, below_km += net->length[s] / 1000;
    if (A->stretch_of[s] >= 0) dark_km += net->length[s] / 1000;
    crimes += (size_t)A->crimes_n[s];
  }
  struct { const char *k; double v; } F[] = {
      {"segments", (double)net->n}, {"street_km", km}, {"lamps", (double)A->lamps.n},
      {"lamps_working", (double)(A->lamps.n - A->lamps_out - A->lamps_defect_out)},
      {"lamps_lit", (double)A->lamps_on}, {"lamps_off_at_hour", (double)A->lamps_off_hour},
      {"lamps_out", (double)(A->lamps_out + A->lamps_defect_out)}, {"segments_below_target", (double)below},
      {"km_below_target", below_km}, {"dark_stretches", (double)A->n_stretches}, {"dark_km", dark_km},
      {"crimes", (double)(A->crimes ? sm_points_count(A->crimes) : 0)}, {"crimes_on_streets", (double)crimes},
      {"defects_open", (double)defects}, {"audits", (double)(A->have_audits ? A->audits.n : 0)}};
  sm_status st = SM_OK;
  for (size_t k = 0; k < sizeof F / sizeof F[0] && !st; k++) st = sm__result_figure(A->ctx, r, F[k].k, F[k].v);
  if (!st) st = sm__audit_inputs_figures(A, r);
  for (size_t k = 0; k < 3 && k < net->n && !st; k++) {
    char name[16], buf[600], text[700];
    size_t s = A->order[k];
    if (A->priority[s] <= 0) break;
    sm__audit_reasons(A, s, buf, sizeof buf);
    const char *street = A->streets.name[net->street[s]];
    snprintf(text, sizeof text, "%s (segment %zu, priority %.1f): %s", street ? street : "unnamed street", s + 1,
             A->priority[s], buf);
    snprintf(name, sizeof name, "top_%zu", k + 1);
    st = sm__result_text(A->ctx, r, name, text);
  }
  return st;
}

/* The analysis CRS: the crimes', else the wards', else chosen at the streets' centre. */
static sm_status choose_crs(sm__audit *A) {
  const char *c = A->crimes ? sm_points_crs(A->crimes) : A->wards ? sm_areas_crs(A->wards) : NULL;
  if (c) return (A->crs = sm__strdup(c)) ? SM_OK : sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  return sm__audit_streets_crs(A->ctx, A->o, &A->crs);
}

static sm_status read_inputs(sm__audit *A) {
  const sm_audit_options *o = A->o;
  sm_status st = sm__progress(A->ctx, 0, "reading the streets");
  if (!st) st = sm__audit_read_streets(A->ctx, o, A->crs, &A->streets);
  if (!st && o->lights && !(st = sm__progress(A->ctx, 0.1, "reading the lamps")))
    st = sm__audit_read_lamps(A->ctx, o, A->crs, &A->lamps), A->have_lights = !st;
  if (!st && o->photometry) st = sm__photometry_read(A->ctx, o->photometry, 0, &A->photometry);
  if (!st && o->defects && !(st = sm__progress(A->ctx, 0.15, "reading the defects")))
    st = sm__audit_read_defects(A->ctx, o, A->crs, &A->defects), A->have_defects = !st;
  if (!st && o->audits && !(st = sm__progress(A->ctx, 0.2, "reading the walk audits")))
    st = sm__audit_read_audits(A->ctx, o, A->crs, &A->audits), A->have_audits = !st;
  if (!st && o->pins && !(st = sm__progress(A->ctx, 0.2, "reading the unsafe-place pins")))
    st = sm__audit_read_pins(A->ctx, o, A->crs, &A->pins), A->have_pins = !st;
  if (!st && o->cctv && !(st = sm__progress(A->ctx, 0.2, "reading the CCTV cameras")))
    st = sm__audit_read_cameras(A->ctx, o, A->crs, &A->cameras), A->have_cctv = !st;
  if (!st && o->n_area_counts && !(st = sm__progress(A->ctx, 0.2, "reading the maintenance counts per area")))
    st = sm__audit_read_area_counts(A->ctx, o, A->crs, &A->areac), A->have_area_counts = !st;
  return st;
}

/* How long each step took, at -v -v. */
static void took(sm_ctx *ctx, const char *what, double *t) {
  double now = sm__now();
  sm__log(ctx, SM_LOG_DEBUG, "audit: %s in %.3f s", what, now - *t);
  *t = now;
}

sm_status sm_audit_run(sm_ctx *ctx, sm_result **out, const sm_points *crimes, const sm_areas *wards,
                       const sm_audit_options *opts) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_audit_run: NULL argument");
  *out = NULL;
  sm_audit_options defaults = SM_AUDIT_OPTIONS_INIT;
  const sm_audit_options *o = opts ? opts : &defaults;
  sm_status st = check_options(ctx, o, crimes != NULL);
  if (st) return st;
  if (crimes && wards && strcmp(sm_points_crs(crimes), sm_areas_crs(wards)))
    return sm__error(ctx, SM_E_CRS, "the crimes are in %s but the wards in %s; read the wards with analysis_crs = "
                     "sm_points_crs()", sm_points_crs(crimes), sm_areas_crs(wards));
  sm__audit A;
  memset(&A, 0, sizeof A);
  A.ctx = ctx, A.o = o, A.crimes = crimes && sm_points_count(crimes) ? crimes : NULL, A.wards = wards;
  sm_result *r = NULL;
  double saved[2];
  double t = sm__now();
  st = choose_crs(&A);
  if (!st) st = read_inputs(&A);
  took(ctx, "inputs read", &t);
  if (!st && !(st = sm__progress(ctx, 0.25, "cutting the streets into segments"))) {
    sm__progress_push(ctx, 0.25, 0.3, saved);
    st = sm__net_build(ctx, &A.streets, o->segment_m, &A.net);
    sm__progress_pop(ctx, saved);
  }
  if (!st) st = clip_to_wards(&A);
  if (!st) st = sm__net_grid(ctx, &A.net, 50, &A.seg_grid);
  if (!st) st = audit_alloc(&A);
  took(ctx, "streets cut into segments", &t);
  if (!st && A.have_lights) st = lamps_state(&A);
  if (!st && A.have_lights) st = coverage(&A);
  if (!st && (A.have_pins || A.have_cctv || A.have_area_counts) &&
      !(st = sm__progress(ctx, 0.3, "pins, CCTV and maintenance per area")))
    st = sm__audit_inputs_score(&A);
  if (!st) st = notes(&A);
  took(ctx, "lamps placed and other inputs scored", &t);
  if (!st) {
    sm__progress_push(ctx, 0.3, 0.7, saved);
    st = lighting(&A);
    sm__progress_pop(ctx, saved);
  }
  took(ctx, "light modelled and gaps measured", &t);
  if (!st && !(st = sm__progress(ctx, 0.7, "maintenance and walk audits"))) st = maintenance(&A);
  if (!st) st = walk_audits(&A);
  took(ctx, "defects and walk audits", &t);
  if (!st && !(st = sm__progress(ctx, 0.75, "crimes near the streets"))) {
    sm__progress_push(ctx, 0.75, 0.85, saved);
    st = crime(&A);
    sm__progress_pop(ctx, saved);
  }
  took(ctx, "crimes counted and their density", &t);
  if (!st) st = priorities(&A);
  if (!st) st = dark_stretches(&A);
  if (!st && !(st = sm__progress(ctx, 0.9, "writing the layers"))) st = sm__result_create(ctx, &r);
  if (!st) st = sm__audit_layers(&A, r);
  if (!st) st = figures(&A, r);
  took(ctx, "priorities, stretches and layers", &t);
  if (!st && A.notes) st = sm__result_text(ctx, r, "note", A.notes);
  if (!st) st = sm__progress(ctx, 1, "done");
  audit_free(&A);
  if (st) sm_result_destroy(r);
  else *out = r;
  return st;
}
