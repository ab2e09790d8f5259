/* The safety audit's unsafe-place pins, CCTV coverage and maintenance counts per area, per segment: pins
 * within --pin-radius of each segment's line by factor; the exact share of each segment within some
 * camera's view; each area's reports apportioned to its audited segments by length. With their reasons
 * text, recipe items and figures. */
#include "internal/audit.h"
#include "internal/result_build.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- pins ------------------------------------------------------------------------------------------ */

/* The box of segment s, as a centre and a half-side. */
static void seg_box(const sm__net *net, size_t s, double *cx, double *cy, double *half) {
  double b[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (size_t k = net->off[s]; k < net->off[s + 1]; k++)
    b[0] = fmin(b[0], net->vx[k]), b[1] = fmin(b[1], net->vy[k]), b[2] = fmax(b[2], net->vx[k]), b[3] = fmax(b[3], net->vy[k]);
  *cx = (b[0] + b[2]) / 2, *cy = (b[1] + b[3]) / 2, *half = fmax(b[2] - b[0], b[3] - b[1]) / 2;
}

/* Pins within --pin-radius of each segment's line (each pin once per segment), and by factor. */
static sm_status pins_score(sm__audit *A) {
  const sm__pins *p = &A->pins;
  const sm__net *net = &A->net;
  size_t n = net->n, nf = p->nf;
  double r = A->o->pin_radius_m;
  if (!(A->pins_n = sm__calloc(n ? n : 1, sizeof *A->pins_n)) || !(A->pins_f = sm__calloc((n ? n : 1) * nf, sizeof *A->pins_f)))
    return sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  long *seg = sm__malloc((p->n ? p->n : 1) * sizeof *seg);
  if (!seg) return sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  sm__net_nearest(A->ctx, net, &A->seg_grid, p->n, p->x, p->y, r, seg, NULL, NULL);
  for (size_t i = 0; i < p->n; i++) A->pins_near += seg[i] >= 0;
  sm__free(seg);
  sm__grid g;
  sm_status st = sm__grid_build(A->ctx, &g, p->n, p->x, p->y, NULL, fmax(r, 25));
  if (st) return st;
  /* per segment, over the pins of the cells its box (+ r) covers: each pin lies in one cell, so it is met once */
#pragma omp parallel for schedule(static) num_threads(sm__threads(A->ctx))
  for (long si = 0; si < (long)n; si++) {
    size_t s = (size_t)si, i0, i1, j0, j1;
    double cx, cy, half;
    seg_box(net, s, &cx, &cy, &half);
    if (!sm__grid_range(&g, cx, cy, half + r, &i0, &i1, &j0, &j1)) continue;
    int32_t count = 0, *byf = A->pins_f + s * nf;
    for (size_t j = j0; j <= j1; j++)
      for (size_t c = i0; c <= i1; c++)
        for (size_t q = g.start[j * g.nx + c]; q < g.start[j * g.nx + c + 1]; q++) {
          size_t i = g.item[q];
          if (sm__net_distance(net, s, p->x[i], p->y[i], NULL) > r) continue;
          count++;
          for (size_t k = 0; k < nf; k++)
            if (p->factors[i] >> k & 1u) byf[k]++;
        }
    A->pins_n[s] = count;
  }
  sm__grid_free(&g);
  return SM_OK;
}

void sm__audit_pins_text(const sm__audit *A, size_t s, char *b, size_t size) {
  const sm__pins *p = &A->pins;
  const int32_t *byf = A->pins_f + s * p->nf;
  unsigned char used[SM__PIN_FACTORS] = {0};
  char list[600];
  size_t k = 0;
  list[0] = 0;
  for (size_t m = 0; m < p->nf && k < sizeof list; m++) { /* the factors by count, the most first; ties in order */
    size_t best = SIZE_MAX;
    for (size_t f = 0; f < p->nf; f++)
      if (!used[f] && byf[f] > 0 && (best == SIZE_MAX || byf[f] > byf[best])) best = f;
    if (best == SIZE_MAX) break;
    used[best] = 1;
    k += (size_t)snprintf(list + k, sizeof list - k, "%s%s %d", m ? ", " : "", p->factor[best], (int)byf[best]);
  }
  int n = (int)A->pins_n[s];
  snprintf(b, size, "%d unsafe-place pin%s%s%s%s", n, n == 1 ? "" : "s", list[0] ? " (" : "", list, list[0] ? ")" : "");
}

/* ---- CCTV ------------------------------------------------------------------------------------------ */

static int iv_cmp(const void *a, const void *b) {
  const double *x = a, *y = b;
  if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
  return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* The share of each segment within some camera's view: the union of the intervals along its polyline where
 * it is inside a camera's circle (|P(t) - C|^2 <= r^2 solved on each edge), exact. */
static sm_status cctv_score(sm__audit *A) {
  const sm__cameras *cam = &A->cameras;
  const sm__net *net = &A->net;
  size_t n = net->n;
  if (!(A->cctv_share = sm__calloc(n ? n : 1, sizeof *A->cctv_share)) || !(A->cctv_m = sm__calloc(n ? n : 1, sizeof *A->cctv_m)))
    return sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  sm__grid g;
  sm_status st = sm__grid_build(A->ctx, &g, cam->n, cam->x, cam->y, NULL, fmax(cam->max_r, 25));
  double *iv = NULL; /* pairs: from, to along the segment */
  size_t cap = 0;
  for (size_t s = 0; s < n && !st; s++) {
    size_t i0, i1, j0, j1, ni = 0;
    double cx, cy, half, total = 0;
    seg_box(net, s, &cx, &cy, &half);
    for (size_t k = net->off[s] + 1; k < net->off[s + 1]; k++)
      total += hypot(net->vx[k] - net->vx[k - 1], net->vy[k] - net->vy[k - 1]);
    if (!sm__grid_range(&g, cx, cy, half + cam->max_r, &i0, &i1, &j0, &j1) || !(total > 0)) continue;
    for (size_t j = j0; j <= j1 && !st; j++)
      for (size_t c = i0; c <= i1 && !st; c++)
        for (size_t q = g.start[j * g.nx + c]; q < g.start[j * g.nx + c + 1] && !st; q++) {
          size_t i = g.item[q];
          double r = cam->r[i], acc = 0;
          for (size_t k = net->off[s] + 1; k < net->off[s + 1] && !st; k++) {
            double x0 = net->vx[k - 1], y0 = net->vy[k - 1], dx = net->vx[k] - x0, dy = net->vy[k] - y0;
            double l = hypot(dx, dy);
            if (!(l > 0)) continue;
            double fx = x0 - cam->x[i], fy = y0 - cam->y[i];
            double a = dx * dx + dy * dy, b = 2 * (fx * dx + fy * dy), cc = fx * fx + fy * fy - r * r;
            double disc = b * b - 4 * a * cc;
            if (disc > 0) {
              double sq = sqrt(disc), t0 = (-b - sq) / (2 * a), t1 = (-b + sq) / (2 * a);
              t0 = t0 < 0 ? 0 : t0 > 1 ? 1 : t0;
              t1 = t1 < 0 ? 0 : t1 > 1 ? 1 : t1;
              if (t1 > t0) {
                if (sm__grow((void **)&iv, &cap, 2 * (ni + 1), sizeof *iv)) st = sm__error(A->ctx, SM_E_NOMEM, "out of memory");
                else iv[2 * ni] = acc + t0 * l, iv[2 * ni + 1] = acc + t1 * l, ni++;
              }
            }
            acc += l;
          }
        }
    if (st || !ni) continue;
    qsort(iv, ni, 2 * sizeof *iv, iv_cmp);
    double covered = 0, from = iv[0], to = iv[1];
    for (size_t k = 1; k < ni; k++) {
      if (iv[2 * k] > to) covered += to - from, from = iv[2 * k], to = iv[2 * k + 1];
      else if (iv[2 * k + 1] > to) to = iv[2 * k + 1];
    }
    covered += to - from;
    double share = covered / total;
    A->cctv_share[s] = share > 1 ? 1 : share;
    A->cctv_m[s] = A->cctv_share[s] * net->length[s];
  }
  sm__free(iv);
  sm__grid_free(&g);
  return st;
}

/* ---- maintenance counts per area ---------------------------------------------------------------------- */

/* The years the files span (their distinct months / 12), or 0 when the months are not known. */
static double area_years(const sm__area_counts *a) { return a->months_known && a->months ? (double)a->months / 12.0 : 0; }

/* Each segment's area (the polygon of its middle), and the area's reports apportioned to its audited
 * segments by length; the rate per km of the area's audited street (per year when the months are known). */
static sm_status areas_score(sm__audit *A) {
  const sm__area_counts *a = &A->areac;
  const sm__net *net = &A->net;
  size_t n = net->n, na = sm_areas_count(a->areas);
  double *len = sm__calloc(na ? na : 1, sizeof *len);
  A->area_of = sm__malloc((n ? n : 1) * sizeof *A->area_of);
  A->area_reports = sm__malloc((n ? n : 1) * sizeof *A->area_reports);
  A->area_rate = sm__malloc((n ? n : 1) * sizeof *A->area_rate);
  A->area_km = sm__calloc(na ? na : 1, sizeof *A->area_km);
  if (!len || !A->area_of || !A->area_reports || !A->area_rate || !A->area_km) {
    sm__free(len);
    return sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  }
  sm_points *mid = NULL;
  sm_status st = sm_points_create(A->ctx, &mid, sm_areas_crs(a->areas), n, net->mx, net->my, NULL, NULL);
  if (!st) st = sm_areas_locate(A->ctx, a->areas, mid, A->area_of, NULL);
  sm_points_destroy(mid);
  if (st) return sm__free(len), st;
  for (size_t s = 0; s < n; s++)
    if (A->area_of[s] >= 0) len[A->area_of[s]] += net->length[s];
  for (size_t k = 0; k < na; k++) {
    A->area_km[k] = len[k] / 1000;
    if (a->total[k] > 0 && !(len[k] > 0)) A->area_no_street++, A->area_no_street_reports += a->total[k];
  }
  double years = area_years(a);
  for (size_t s = 0; s < n; s++) {
    int32_t k = A->area_of[s];
    if (k < 0) {
      A->area_reports[s] = A->area_rate[s] = NAN;
      A->area_outside++, A->area_outside_km += net->length[s] / 1000;
      continue;
    }
    A->area_reports[s] = a->total[k] * net->length[s] / len[k];
    A->area_rate[s] = a->total[k] / A->area_km[k] / (years > 0 ? years : 1);
  }
  sm__free(len);
  return SM_OK;
}

void sm__audit_area_text(const sm__audit *A, size_t s, char *b, size_t size) {
  int32_t k = A->area_of[s];
  if (k < 0) {
    snprintf(b, size, "in no area of the maintenance counts");
    return;
  }
  snprintf(b, size, "%.1f area reports per km%s in %s (%g reports there, %.2f km of its streets audited)",
           A->area_rate[s], area_years(&A->areac) > 0 ? " a year" : "", sm_areas_id(A->areac.areas, (size_t)k),
           A->areac.total[k], A->area_km[k]);
}

/* ---- the run ------------------------------------------------------------------------------------------ */

static void add_note(char *b, size_t size, size_t *k, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void add_note(char *b, size_t size, size_t *k, const char *fmt, ...) {
  if (*k >= size) return;
  if (*k) *k += (size_t)snprintf(b + *k, size - *k, "; ");
  if (*k >= size) return;
  va_list ap;
  va_start(ap, fmt);
  *k += (size_t)vsnprintf(b + *k, size - *k, fmt, ap);
  va_end(ap);
}

sm_status sm__audit_inputs_score(sm__audit *A) {
  const sm_audit_options *o = A->o;
  sm_status st = SM_OK;
  if (A->have_pins) st = pins_score(A);
  if (!st && A->have_cctv) st = cctv_score(A);
  if (!st && A->have_area_counts) st = areas_score(A);
  if (st) return st;
  char b[2048];
  size_t k = 0;
  b[0] = 0;
  if (A->have_pins && !A->pins_near)
    add_note(b, sizeof b, &k, "no pin of --pins %s lies within %g m of an audited street: are they the same place?",
             o->pins, o->pin_radius_m);
  if (A->have_area_counts) {
    const sm__area_counts *a = &A->areac;
    if (a->unknown_codes)
      add_note(b, sizeof b, &k, "%g reports of --defect-areas under %zu area code%s that no polygon of "
               "--defect-area-polygons has were left out (the first: %s)", a->unknown_reports, a->unknown_codes,
               a->unknown_codes == 1 ? "" : "s", a->unknown_example);
    /* areas with reports and no audited street are expected (counts for a city, streets of a district): stated
     * in the recipe item, not a warning */
    if (a->categories_missing)
      add_note(b, sizeof b, &k, "--defect-area-categories: %s in no row of --defect-areas", a->categories_missing);
    if (A->area_outside)
      add_note(b, sizeof b, &k, "%zu segments (%.2f km) lie in no area of --defect-area-polygons: their area reports "
               "are NULL", A->area_outside, A->area_outside_km);
  }
  if (!b[0]) return SM_OK;
  return (A->inputs_notes = sm__strdup(b)) ? SM_OK : sm__error(A->ctx, SM_E_NOMEM, "out of memory");
}

void sm__audit_inputs_free(sm__audit *A) {
  sm__pins_free(&A->pins);
  sm__cameras_free(&A->cameras);
  sm__area_counts_free(&A->areac);
  void *arr[] = {A->pins_n, A->pins_f, A->cctv_share, A->cctv_m, A->area_of, A->area_reports, A->area_rate,
                 A->area_km, A->inputs_notes};
  for (size_t k = 0; k < sizeof arr / sizeof arr[0]; k++) sm__free(arr[k]);
}

/* ---- recipe and figures -------------------------------------------------------------------------------- */


/* "2019-01" */
static void month_text(int m, char *b, size_t size) { snprintf(b, size, "%04d-%02d", m / 12, m % 12 + 1); }

sm_status sm__audit_inputs_recipe(const sm__audit *A, sm_layer *L) {
  const sm_audit_options *o = A->o;
  char t[1024];
  sm_status st = SM_OK;
  if (A->have_pins) {
    const sm__pins *p = &A->pins;
    char lumped[200] = "";
    if (p->lumped)
      snprintf(lumped, sizeof lumped, "; %llu factor texts beyond the first %d factors counted as 'other factors'",
               (unsigned long long)p->lumped, SM__PIN_FACTORS - 1);
    sm__audit_tally_text(&p->tally, "pins", t, sizeof t);
    st = sm__audit_meta(A, L, "pins", "%s: %s; %s; input CRS %s; %zu pins within %g m of an audited street; per segment: pins = "
              "the pins within %g m of its line (each pin once per segment, so a pin near a junction counts for each "
              "segment there), pins_<factor> = those of them naming the factor (StreetSafe's: street lighting, "
              "abandoned buildings, poorly designed spaces, vandalism; followed, verbal abuse); s_pins = the "
              "percentile of the pin count among the segments (0 where none)%s", o->pins, t, p->fields, p->input_crs,
              A->pins_near, o->pin_radius_m, o->pin_radius_m, lumped);
  }
  if (!st && A->have_cctv) {
    const sm__cameras *c = &A->cameras;
    sm__audit_tally_text(&c->tally, "cameras", t, sizeof t);
    st = sm__audit_meta(A, L, "cctv", "%s: %s; %s (%zu cameras took --cctv-radius %g m); input CRS %s; cctv_share = the length "
              "of the segment within some camera's radius (the union, along the segment's line, of the intervals "
              "inside each camera's circle: exact, not sampled) / its length; cctv_m = that length in metres; "
              "informational: not in the priority", o->cctv, t, c->fields, c->default_radius, o->cctv_radius_m,
              c->input_crs);
  }
  if (!st && A->have_area_counts) {
    const sm__area_counts *a = &A->areac;
    char given[600], months[300], first[16], last[16];
    size_t k = 0;
    given[0] = 0;
    for (size_t i = 0; i < o->n_area_counts && k < sizeof given; i++)
      k += (size_t)snprintf(given + k, sizeof given - k, "%s%s", i ? ", " : "", o->area_counts[i]);
    if (a->months_known) {
      month_text(a->month_first, first, sizeof first), month_text(a->month_last, last, sizeof last);
      int span = a->month_last - a->month_first + 1;
      snprintf(months, sizeof months, "months %s to %s from the file names (%zu months%s): area_reports_per_km is per "
               "year (the reports x 12 / %zu months)", first, last, a->months,
               (size_t)span > a->months ? ", some months of the range have no file" : "", a->months);
    } else {
      snprintf(months, sizeof months, "not every file name holds a month (YYYY-MM): area_reports_per_km is per km over "
               "all the files, not per year");
    }
    st = sm__audit_meta(A, L, "defect_areas",
              "%s: %zu files, %llu rows, %llu kept (%s%s), %llu of other categories; columns %s; %g reports in areas "
              "of %s (id field %s, %zu areas); %s; apportioned to the segments whose middle lies in each area by "
              "length: area_reports = the area's reports x the segment's length / the area's audited street length "
              "(they sum back to the area's reports); area_reports_per_km = the area's reports / its audited km; "
              "%g reports in %zu area%s with no audited street; %g reports under %zu code%s that no polygon has%s%s%s; "
              "%s", given, a->files, (unsigned long long)a->rows, (unsigned long long)a->rows_kept,
              a->categories ? "categories " : "all categories", a->categories ? a->categories : "",
              (unsigned long long)a->rows_other_category, a->fields, a->reports, o->area_polygons,
              sm_areas_id_field(a->areas), sm_areas_count(a->areas), months, A->area_no_street_reports,
              A->area_no_street, A->area_no_street == 1 ? "" : "s", a->unknown_reports, a->unknown_codes,
              a->unknown_codes == 1 ? "" : "s", a->unknown_codes ? " (the first: " : "",
              a->unknown_codes ? a->unknown_example : "", a->unknown_codes ? ")" : "",
              A->have_defects ? "informational: the point defects of --defects drive s_maintenance"
                              : "s_maintenance = the percentile of area_reports_per_km among the segments (no --defects)");
    if (!st && a->unknown_codes) st = sm_layer_set_metadata(A->ctx, L, "defect_areas_unknown", a->unknown_example);
  }
  return st;
}

sm_status sm__audit_inputs_figures(const sm__audit *A, sm_result *r) {
  sm_status st = SM_OK;
  const sm__net *net = &A->net;
  if (A->have_pins) {
    st = sm__result_figure(A->ctx, r, "pins", (double)A->pins.n);
    if (!st) st = sm__result_figure(A->ctx, r, "pins_near_streets", (double)A->pins_near);
  }
  if (!st && A->have_cctv) {
    double km = 0;
    for (size_t s = 0; s < net->n; s++) km += A->cctv_m[s] / 1000;
    st = sm__result_figure(A->ctx, r, "cctv_cameras", (double)A->cameras.n);
    if (!st) st = sm__result_figure(A->ctx, r, "cctv_km", km);
  }
  if (!st && A->have_area_counts) {
    double on = 0;
    for (size_t s = 0; s < net->n; s++)
      if (!isnan(A->area_reports[s])) on += A->area_reports[s];
    st = sm__result_figure(A->ctx, r, "area_reports", A->areac.reports);
    if (!st) st = sm__result_figure(A->ctx, r, "area_reports_on_streets", on);
  }
  return st;
}
