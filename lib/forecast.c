/* ProMap risk surfaces and hit rate / PAI / PEI evaluation (docs/methods.md §7). */
#include "internal/sm_internal.h"
#include "internal/limits.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sm_status sm_promap(sm_ctx *ctx, sm_raster **out, size_t n, const double *x, const double *y, const double *t, double at,
                    const double e[4], const char *crs, const sm_promap_options *o) {
  sm_promap_options d = SM_PROMAP_OPTIONS_INIT;
  if (!o) o = &d;
  if (!out || !e || !crs || (n && (!x || !y || !t))) return sm__error(ctx, SM_E_INVALID_ARG, "sm_promap: NULL argument");
  *out = NULL;
  if (!(o->cell_m > 0) || o->space_bandwidth < 1 || o->time_bandwidth < 1)
    return sm__error(ctx, SM_E_INVALID_ARG, "ProMap: cell %g m, space bandwidth %d cells, time bandwidth %d", o->cell_m,
                     o->space_bandwidth, o->time_bandwidth);
  if (!(e[0] < e[2] && e[1] < e[3]))
    return sm__error(ctx, SM_E_INVALID_ARG, "extent %g,%g,%g,%g is not xmin,ymin,xmax,ymax", e[0], e[1], e[2], e[3]);
  double c = o->cell_m;
  size_t w = (size_t)ceil((e[2] - e[0]) / c - 1e-9), h = (size_t)ceil((e[3] - e[1]) / c - 1e-9);
  if (w < 1) w = 1;
  if (h < 1) h = 1;
  char what[96];
  snprintf(what, sizeof what, "a %zu x %zu grid of %g m cells", w, h, c);
  sm_status lst = sm__limit_check(ctx, SM_LIMIT_CELLS, (double)w * (double)h, (double)w * (double)h * 8, what,
                                  "use a larger --cell or a smaller extent");
  if (lst) return lst;
  sm_raster *r;
  sm_status st = sm_raster_create(ctx, &r, w, h, e[0], e[1] + (double)h * c, c, crs);
  if (st) return st;
  double *v = sm_raster_data(r);
  long sb = o->space_bandwidth;
  for (size_t i = 0; i < n; i++) {
    if (!(t[i] < at) || !isfinite(x[i]) || !isfinite(y[i])) continue;
    double age = floor(at - t[i]);
    if (age >= o->time_bandwidth) continue;
    double fc = floor((x[i] - e[0]) / c), fr = floor((y[i] - e[1]) / c);
    if (fc < 0 || fr < 0 || fc >= (double)w || fr >= (double)h) continue;
    long ci = (long)fc, ri = (long)h - 1 - (long)fr, W = (long)w, H = (long)h;
    double tw = 1.0 / (1.0 + age);
    for (long dr = -(sb - 1); dr <= sb - 1; dr++) {
      long rr = ri + dr;
      if (rr < 0 || rr >= H) continue;
      for (long dc = -(sb - 1); dc <= sb - 1; dc++) {
        long cc = ci + dc;
        if (cc < 0 || cc >= W) continue;
        long dd = o->manhattan ? labs(dr) + labs(dc) : (labs(dr) > labs(dc) ? labs(dr) : labs(dc));
        if (dd >= sb) continue;
        v[(size_t)rr * w + (size_t)cc] += tw / (1.0 + (double)dd);
      }
    }
  }
  char buf[160];
  snprintf(buf, sizeof buf, "ProMap: w = 1/(1+d) 1/(1+age), %s grid distance < %d cells of %g m, age < %d time units",
           o->manhattan ? "Manhattan" : "Chebyshev", o->space_bandwidth, c, o->time_bandwidth);
  st = sm_raster_set_metadata(ctx, r, "method", buf);
  if (st) {
    sm_raster_destroy(r);
    return st;
  }
  *out = r;
  return SM_OK;
}

typedef struct ranked {
  double pred, obs;
  size_t i;
} ranked;

static int cmp_pred(const void *a, const void *b) {
  const ranked *p = a, *q = b;
  if (p->pred != q->pred) return p->pred > q->pred ? -1 : 1; /* highest first */
  if (p->obs != q->obs) return p->obs < q->obs ? -1 : 1;     /* ties: fewer incidents first */
  return (p->i > q->i) - (p->i < q->i);
}

static int cmp_obs(const void *a, const void *b) {
  const ranked *p = a, *q = b;
  if (p->obs != q->obs) return p->obs > q->obs ? -1 : 1;
  return (p->i > q->i) - (p->i < q->i);
}

sm_status sm_evaluate_surface(sm_ctx *ctx, size_t n, const double *pred, const double *obs, const double *area,
                              const double *cov, size_t nc, sm_hit_rate *out) {
  if (!pred || !obs || !cov || !out || n == 0) return sm__error(ctx, SM_E_INVALID_ARG, "sm_evaluate_surface: no cells or a NULL argument");
  for (size_t k = 0; k < nc; k++)
    if (!(cov[k] > 0 && cov[k] <= 1)) return sm__error(ctx, SM_E_INVALID_ARG, "coverage %g is not in (0, 1]", cov[k]);
  ranked *a = sm__malloc(n * sizeof *a), *b = sm__malloc(n * sizeof *b);
  if (!a || !b) {
    sm__free(a), sm__free(b);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  double N = 0, A = 0;
  for (size_t i = 0; i < n; i++) {
    a[i].pred = isfinite(pred[i]) ? pred[i] : -INFINITY, a[i].obs = obs[i], a[i].i = i;
    N += obs[i], A += area ? area[i] : 1.0;
  }
  memcpy(b, a, n * sizeof *a);
  qsort(a, n, sizeof *a, cmp_pred);
  qsort(b, n, sizeof *b, cmp_obs);
  for (size_t k = 0; k < nc; k++) {
    sm_hit_rate *h = &out[k];
    memset(h, 0, sizeof *h);
    h->coverage = cov[k];
    double target = cov[k] * A * (1 - 1e-12), cum = 0, hits = 0, best = 0;
    size_t m = 0;
    while (m < n && (m == 0 || cum < target)) {
      cum += area ? area[a[m].i] : 1.0;
      hits += a[m].obs, best += b[m].obs;
      m++;
    }
    h->cells = m, h->area_share = cum / A, h->hits = hits;
    h->hit_rate = N > 0 ? hits / N : NAN;
    h->pai = N > 0 ? h->hit_rate / h->area_share : NAN;
    double best_area = 0;
    for (size_t q = 0; q < m; q++) best_area += area ? area[b[q].i] : 1.0;
    double best_pai = N > 0 && best > 0 ? (best / N) / (best_area / A) : NAN;
    h->pei = N > 0 && best > 0 ? h->pai / best_pai : NAN;
  }
  sm__free(a), sm__free(b);
  return SM_OK;
}

sm_status sm_evaluate_raster(sm_ctx *ctx, const sm_raster *r, size_t n, const double *x, const double *y, const char *crs,
                             const double *cov, size_t nc, sm_hit_rate *out, size_t *outside) {
  if (!r || (n && (!x || !y)) || !crs || !cov || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_evaluate_raster: NULL argument");
  if (outside) *outside = 0;
  if (!sm__crs_equal(ctx, crs, sm_raster_crs(r)))
    return sm__error(ctx, SM_E_CRS, "the incidents are in %s but the surface in %s: reproject one of them", crs, sm_raster_crs(r));
  size_t W = sm_raster_width(r), H = sm_raster_height(r);
  double gt[6], nd = sm_raster_nodata(r);
  sm_raster_geotransform(r, gt);
  const double *v = sm_raster_values(r);
  /* cells with a value, compacted; slot[q] their place (SIZE_MAX: nodata) */
  size_t *slot = sm__malloc(W * H * sizeof *slot), m = 0;
  double *pred = sm__malloc(W * H * sizeof *pred), *obs = sm__calloc(W * H, sizeof *obs);
  if (!slot || !pred || !obs) {
    sm__free(slot), sm__free(pred), sm__free(obs);
    return sm__error(ctx, SM_E_NOMEM, "out of memory (%zu cells)", W * H);
  }
  for (size_t q = 0; q < W * H; q++) {
    int none = isnan(v[q]) || v[q] == nd;
    slot[q] = none ? SIZE_MAX : m;
    if (!none) pred[m++] = v[q];
  }
  size_t out_n = 0;
  for (size_t i = 0; i < n; i++) {
    double fc = floor((x[i] - gt[0]) / gt[1]), fr = floor((gt[3] - y[i]) / gt[1]);
    if (!(fc >= 0 && fr >= 0 && fc < (double)W && fr < (double)H)) {
      out_n++;
      continue;
    }
    size_t s = slot[(size_t)fr * W + (size_t)fc];
    if (s == SIZE_MAX) out_n++;
    else obs[s] += 1;
  }
  sm_status st = m ? sm_evaluate_surface(ctx, m, pred, obs, NULL, cov, nc, out)
                   : sm__error(ctx, SM_E_INPUT, "the surface has no cell with a value (all nodata)");
  if (outside) *outside = out_n;
  sm__free(slot), sm__free(pred), sm__free(obs);
  return st;
}
