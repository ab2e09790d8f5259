/* Optimized Hot Spot Analysis's choices from the data (docs/methods.md §1.3): the cell size from the incidents'
 * nearest-neighbour distances, the distance band from incremental spatial autocorrelation, with ArcGIS's
 * fallbacks and limits. */
#include "internal/sm_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ArcGIS's roof(): the whole number above a distance, int(v) + 1 (so 253.0 gives 254). */
static double roof(double v) { return floor(v) + 1.0; }

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int cmp_xy(const void *a, const void *b) {
  const double *p = a, *q = b;
  if (p[0] != q[0]) return p[0] < q[0] ? -1 : 1;
  return (p[1] > q[1]) - (p[1] < q[1]);
}

static double median_sorted(const double *d, size_t n) {
  return n % 2 ? d[n / 2] : 0.5 * (d[n / 2 - 1] + d[n / 2]);
}

/* The nearest-neighbour distances of the distinct locations among (x, y) with locational outliers (a
 * distance at least k_sd population standard deviations above the mean) set aside, as ArcGIS's
 * LocationInfo: when every distance is the same (a grid) there are no outliers. */
typedef struct nn_info {
  size_t n_locations, n_outliers, n_kept;
  double mean, median, max, sd; /* mean, median and largest of the kept distances; sd of all */
  double standard_distance;     /* of the distinct locations: sqrt(mean dx² + mean dy²) */
} nn_info;

static sm_status nearest_info(sm_ctx *ctx, size_t n, const double *x, const double *y, double k_sd, nn_info *out) {
  memset(out, 0, sizeof *out);
  double *xy = sm__malloc(2 * n * sizeof *xy);
  if (!xy) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) xy[2 * i] = x[i], xy[2 * i + 1] = y[i];
  qsort(xy, n, 2 * sizeof *xy, cmp_xy);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (m == 0 || xy[2 * i] != xy[2 * (m - 1)] || xy[2 * i + 1] != xy[2 * (m - 1) + 1])
      xy[2 * m] = xy[2 * i], xy[2 * m + 1] = xy[2 * i + 1], m++;
  out->n_locations = m;
  if (m < 2) {
    sm__free(xy);
    return sm__error(ctx, SM_E_INPUT, "all %zu locations are the same place: no distances to choose a scale from", n);
  }
  double *ux = sm__malloc(m * sizeof *ux), *uy = sm__malloc(m * sizeof *uy), *d = sm__malloc(m * sizeof *d);
  sm_weights *w = NULL;
  sm_status st = !ux || !uy || !d ? sm__error(ctx, SM_E_NOMEM, "out of memory") : SM_OK;
  double mx = 0, my = 0;
  for (size_t i = 0; !st && i < m; i++) ux[i] = xy[2 * i], uy[i] = xy[2 * i + 1], mx += ux[i], my += uy[i];
  sm__free(xy);
  if (!st) st = sm_weights_knn(ctx, &w, m, ux, uy, 1, 0, 0);
  if (!st) {
    mx /= (double)m, my /= (double)m;
    double sxx = 0, mean = 0, var = 0;
    for (size_t i = 0; i < m; i++) {
      const size_t *idx;
      const double *wt;
      sm_weights_row(w, i, &idx, &wt);
      d[i] = hypot(ux[idx[0]] - ux[i], uy[idx[0]] - uy[i]);
      mean += d[i];
      sxx += (ux[i] - mx) * (ux[i] - mx) + (uy[i] - my) * (uy[i] - my);
    }
    mean /= (double)m;
    for (size_t i = 0; i < m; i++) var += (d[i] - mean) * (d[i] - mean);
    out->sd = sqrt(var / (double)m);
    out->standard_distance = sqrt(sxx / (double)m);
    size_t kept = 0;
    for (size_t i = 0; i < m; i++)
      if (!(out->sd > 0 && k_sd > 0) || (d[i] - mean) / out->sd < k_sd) d[kept++] = d[i];
    out->n_kept = kept, out->n_outliers = m - kept;
    qsort(d, kept, sizeof *d, cmp_double);
    double s = 0;
    for (size_t i = 0; i < kept; i++) s += d[i];
    out->mean = s / (double)kept, out->median = median_sorted(d, kept), out->max = d[kept - 1];
  }
  sm_weights_destroy(w);
  sm__free(ux), sm__free(uy), sm__free(d);
  return st;
}

static void envelope(size_t n, const double *x, const double *y, double *width, double *height) {
  double e[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (size_t i = 0; i < n; i++)
    e[0] = fmin(e[0], x[i]), e[1] = fmin(e[1], y[i]), e[2] = fmax(e[2], x[i]), e[3] = fmax(e[3], y[i]);
  *width = e[2] - e[0], *height = e[3] - e[1];
}

sm_status sm_optimised_cell_size(sm_ctx *ctx, size_t n, const double *x, const double *y, sm_ohsa_cell *out) {
  if (!x || !y || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_optimised_cell_size: NULL argument");
  memset(out, 0, sizeof *out);
  nn_info nn;
  sm_status st = nearest_info(ctx, n, x, y, 3.0, &nn);
  if (st) return st;
  double w, h;
  envelope(n, x, y, &w, &h);
  double lo = fmin(w, h) > 0 ? fmin(w, h) / 250.0 : fmax(w, h) / 250.0;
  double hi = roof(0.1 * fmax(w, h));
  double cell = roof(fmax(nn.median, nn.mean) * 2.0);
  out->n_points = n, out->n_locations = nn.n_locations, out->n_outliers = nn.n_outliers;
  out->mean_nn_m = nn.mean, out->median_nn_m = nn.median, out->threshold_m = roof(nn.max);
  out->min_m = lo, out->max_m = hi;
  if (cell < lo) cell = lo, out->clamped = -1;
  else if (cell > hi) cell = hi, out->clamped = 1;
  out->cell_m = cell;
  return SM_OK;
}

sm_status sm_optimised_band(sm_ctx *ctx, size_t n, const double *x, const double *y, const double *v,
                            sm_ohsa_band *out) {
  if (!x || !y || !v || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_optimised_band: NULL argument");
  memset(out, 0, sizeof *out);
  if (n < 4) return sm__error(ctx, SM_E_INPUT, "choosing a distance band needs at least 4 units, not %zu", n);
  nn_info nn;
  sm_status st = nearest_info(ctx, n, x, y, 3.0, &nn);
  if (st) return st;
  double w, h;
  envelope(n, x, y, &w, &h);
  /* the bands: from the distance that gives every (non-outlying) unit a neighbour, by the mean
   * nearest-neighbour distance, 10 of them, all within one standard distance */
  double beg = roof(nn.max), inc = nn.mean, maxd = nn.standard_distance;
  out->isa_max_m = maxd;
  if (beg + (double)(SM_OHSA_ISA_BANDS - 1) * inc > maxd) {
    if (beg > maxd) beg = 0.2 * maxd;
    inc = (maxd - beg) / (double)SM_OHSA_ISA_BANDS;
    out->isa_rescaled = 1;
  }
  out->grid = !(nn.sd > 0);
  if (out->grid) beg += 0.001; /* a grid's neighbours sit exactly on the band */
  out->isa_start_m = beg, out->isa_increment_m = inc, out->n_isa = SM_OHSA_ISA_BANDS;
  size_t fp = (size_t)-1, mp = (size_t)-1;
  if (inc > 0) {
    st = sm_incremental_autocorrelation(ctx, n, x, y, v, beg, inc, SM_OHSA_ISA_BANDS, 1, out->isa, &fp, &mp);
    if (st) return st;
  } else {
    out->n_isa = 0;
  }
  out->first_peak = fp, out->max_peak = mp;
  if (fp != (size_t)-1) {
    out->band_m = out->isa[fp].band_m, out->rule = SM_OHSA_BAND_FIRST_PEAK;
  } else if (mp != (size_t)-1) {
    out->band_m = out->isa[mp].band_m, out->rule = SM_OHSA_BAND_MAX_PEAK;
  } else { /* no peak: the mean distance to the k-th nearest, k = 5% of n within [3, 30] */
    size_t k = (size_t)((double)n * 0.05);
    if (k < 3) k = 3;
    if (k > 30) k = 30;
    if (k >= n) k = n - 1;
    sm_weights *kw;
    if ((st = sm_weights_knn(ctx, &kw, n, x, y, k, 0, 0))) return st;
    double s = 0, mx = 0, my = 0, sxx = 0;
    for (size_t i = 0; i < n; i++) {
      const size_t *idx;
      const double *wt;
      sm_weights_row(kw, i, &idx, &wt);
      double dk = 0;
      for (size_t q = 0; q < sm_weights_neighbours(kw, i); q++) dk = fmax(dk, hypot(x[idx[q]] - x[i], y[idx[q]] - y[i]));
      s += dk, mx += x[i], my += y[i];
    }
    sm_weights_destroy(kw);
    mx /= (double)n, my /= (double)n;
    for (size_t i = 0; i < n; i++) sxx += (x[i] - mx) * (x[i] - mx) + (y[i] - my) * (y[i] - my);
    out->knn_k = k, out->knn_mean_m = s / (double)n, out->standard_distance_m = sqrt(sxx / (double)n);
    if (out->knn_mean_m > out->standard_distance_m)
      out->band_m = roof(out->standard_distance_m), out->rule = SM_OHSA_BAND_STANDARD_DISTANCE;
    else
      out->band_m = roof(out->knn_mean_m), out->rule = SM_OHSA_BAND_KNN;
  }
  out->min_band_m = 0.001 * fmax(w, h);
  if (out->band_m < out->min_band_m) out->band_m = out->min_band_m, out->raised_to_min = 1;
  return SM_OK;
}

/* ---- the choices in words (messages and metadata) ---------------------------------------- */

void sm_ohsa_cell_describe(const sm_ohsa_cell *c, char *buf, size_t size) {
  if (!buf || !size) return;
  if (!c) {
    buf[0] = '\0';
    return;
  }
  snprintf(buf, size,
           "%g m = roof(2 x max(median %.1f m, mean %.1f m)) of the nearest-neighbour distances of %zu distinct "
           "locations (%zu incidents), %zu locational outlier%s (3 sd) left out%s",
           c->cell_m, c->median_nn_m, c->mean_nn_m, c->n_locations, c->n_points, c->n_outliers,
           c->n_outliers == 1 ? "" : "s",
           c->clamped < 0   ? "; raised to the smallest cell (shorter side of the extent / 250)"
           : c->clamped > 0 ? "; lowered to 10% of the extent's longer side"
                            : "");
}

void sm_ohsa_band_describe(const sm_ohsa_band *b, char *buf, size_t size) {
  if (!buf || !size) return;
  buf[0] = '\0';
  if (!b) return;
  int k = 0;
  if (b->rule == SM_OHSA_BAND_FIRST_PEAK || b->rule == SM_OHSA_BAND_MAX_PEAK) {
    size_t i = b->rule == SM_OHSA_BAND_FIRST_PEAK ? b->first_peak : b->max_peak;
    k = snprintf(buf, size, "%g m: the %s peak of incremental spatial autocorrelation (global Moran's I z %.2f)",
                 b->band_m, b->rule == SM_OHSA_BAND_FIRST_PEAK ? "first" : "highest", b->isa[i].moran.z);
  } else {
    k = snprintf(buf, size, "%g m: no peak of incremental spatial autocorrelation, so %s", b->band_m,
                 b->rule == SM_OHSA_BAND_KNN ? "the mean distance to the k-th nearest unit" : "one standard distance");
    if (k > 0 && (size_t)k < size)
      k += snprintf(buf + k, size - (size_t)k, " (k = %zu, mean %.1f m, standard distance %.1f m)", b->knn_k,
                    b->knn_mean_m, b->standard_distance_m);
  }
  if (k > 0 && (size_t)k < size && b->raised_to_min)
    snprintf(buf + k, size - (size_t)k, "; raised to 0.1%% of the extent (%.1f m)", b->min_band_m);
}

/* A distance as people read it: whole metres when it is one (to the millimetre), else one decimal. */
static int metres(char *buf, size_t size, double m) {
  double r = floor(m + 0.5);
  return fabs(m - r) < 0.0005 ? snprintf(buf, size, "%.0f m", r) : snprintf(buf, size, "%.1f m", m);
}

void sm_ohsa_isa_describe(const sm_ohsa_band *b, char *buf, size_t size) {
  if (!buf || !size) return;
  buf[0] = '\0';
  if (!b) return;
  /* on a grid every band is 0.001 m past a whole distance so that the neighbours at exactly it count */
  double lift = b->grid ? 0.001 : 0;
  char a[32], c[32];
  metres(a, sizeof a, b->isa_start_m - lift);
  metres(c, sizeof c, b->isa_increment_m);
  int k = snprintf(buf, size, "%zu bands from %s by %s%s%s:", b->n_isa, a, c,
                   b->isa_rescaled ? " (spread below one standard distance)" : "",
                   b->grid ? " (every unit's nearest neighbour at the same distance: each band 1 mm longer, so "
                             "neighbours at exactly it count)"
                           : "");
  for (size_t i = 0; i < b->n_isa && k > 0 && (size_t)k < size; i++) {
    metres(a, sizeof a, b->isa[i].band_m - lift);
    k += snprintf(buf + k, size - (size_t)k, "%s %s z %.2f", i ? "," : "", a, b->isa[i].moran.z);
  }
}
