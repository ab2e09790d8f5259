/* Sparse spatial weights (CSR), built through a uniform grid index. */
#include "internal/sm_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct sm_weights {
  size_t n;
  size_t *off; /* n + 1 */
  size_t *col;
  double *val;
  unsigned char *self;
};

void sm_weights_destroy(sm_weights *w) {
  if (!w) return;
  sm__free(w->off);
  sm__free(w->col);
  sm__free(w->val);
  sm__free(w->self);
  sm__free(w);
}

size_t sm_weights_count(const sm_weights *w) { return w ? w->n : 0; }
size_t sm_weights_neighbours(const sm_weights *w, size_t i) { return w && i < w->n ? w->off[i + 1] - w->off[i] : 0; }
int sm_weights_has_self(const sm_weights *w, size_t i) { return w && i < w->n && w->self[i]; }
void sm_weights_row(const sm_weights *w, size_t i, const size_t **index, const double **weight) {
  *index = w->col + w->off[i];
  *weight = w->val + w->off[i];
}

sm_status sm_weights_row_standardise(sm_ctx *ctx, sm_weights *w) {
  if (!w) return sm__error(ctx, SM_E_INVALID_ARG, "sm_weights_row_standardise: NULL");
  for (size_t i = 0; i < w->n; i++) {
    double s = 0;
    for (size_t k = w->off[i]; k < w->off[i + 1]; k++) s += w->val[k];
    if (s > 0)
      for (size_t k = w->off[i]; k < w->off[i + 1]; k++) w->val[k] /= s;
  }
  return SM_OK;
}

static int cmp_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
}

sm_status sm_weights_distance_band(sm_ctx *ctx, sm_weights **out, size_t n, const double *x, const double *y,
                                   double band_m, int self, double self_weight) {
  if (!out || !x || !y || n < 1) return sm__error(ctx, SM_E_INVALID_ARG, "sm_weights_distance_band: no units");
  *out = NULL;
  if (!(band_m > 0) || !isfinite(band_m))
    return sm__error(ctx, SM_E_INVALID_ARG, "the distance band must be > 0 metres, not %g", band_m);
  double xmin = INFINITY, ymin = INFINITY, xmax = -INFINITY, ymax = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]) || !isfinite(y[i]))
      return sm__error(ctx, SM_E_INVALID_ARG, "unit %zu has a non-finite position", i);
    xmin = fmin(xmin, x[i]), ymin = fmin(ymin, y[i]), xmax = fmax(xmax, x[i]), ymax = fmax(ymax, y[i]);
  }
  /* bins of the band's size (at most 4096 a side) */
  double cs = fmax(band_m, fmax(xmax - xmin, ymax - ymin) / 4096);
  size_t gw = (size_t)((xmax - xmin) / cs) + 1, gh = (size_t)((ymax - ymin) / cs) + 1, nb = gw * gh;
  size_t *boff = sm__calloc(nb + 1, sizeof *boff), *bunit = sm__malloc(n * sizeof *bunit), *bin = sm__malloc(n * sizeof *bin);
  sm_weights *w = sm__calloc(1, sizeof *w);
  if (w) {
    w->n = n;
    w->off = sm__calloc(n + 1, sizeof *w->off);
    w->self = sm__calloc(n, 1);
  }
  if (!boff || !bunit || !bin || !w || !w->off || !w->self) {
    sm__free(boff), sm__free(bunit), sm__free(bin);
    sm_weights_destroy(w);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    size_t bx = (size_t)((x[i] - xmin) / cs), by = (size_t)((y[i] - ymin) / cs);
    bin[i] = by * gw + bx;
    boff[bin[i] + 1]++;
  }
  for (size_t b = 0; b < nb; b++) boff[b + 1] += boff[b];
  {
    size_t *fill = sm__malloc(nb * sizeof *fill);
    if (!fill) {
      sm__free(boff), sm__free(bunit), sm__free(bin);
      sm_weights_destroy(w);
      return sm__error(ctx, SM_E_NOMEM, "out of memory");
    }
    memcpy(fill, boff, nb * sizeof *fill);
    for (size_t i = 0; i < n; i++) bunit[fill[bin[i]]++] = i; /* increasing i within a bin */
    sm__free(fill);
  }
  double b2 = band_m * band_m;
  int nt = sm__threads(ctx);
  /* pass 1: counts; pass 2: fill rows, each sorted by index */
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) {
      for (size_t i = 0; i < n; i++) w->off[i + 1] += w->off[i];
      w->col = sm__malloc((w->off[n] ? w->off[n] : 1) * sizeof *w->col);
      w->val = sm__malloc((w->off[n] ? w->off[n] : 1) * sizeof *w->val);
      if (!w->col || !w->val) {
        sm__free(boff), sm__free(bunit), sm__free(bin);
        sm_weights_destroy(w);
        return sm__error(ctx, SM_E_NOMEM, "out of memory (%zu neighbour pairs)", w->off[n]);
      }
    }
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 256)
#endif
    for (size_t i = 0; i < n; i++) {
      size_t bx = bin[i] % gw, by = bin[i] / gw, k = pass ? w->off[i] : 0, cnt = 0;
      for (long dy = -1; dy <= 1; dy++)
        for (long dx = -1; dx <= 1; dx++) {
          long cx = (long)bx + dx, cy = (long)by + dy;
          if (cx < 0 || cy < 0 || cx >= (long)gw || cy >= (long)gh) continue;
          size_t b = (size_t)cy * gw + (size_t)cx;
          for (size_t q = boff[b]; q < boff[b + 1]; q++) {
            size_t j = bunit[q];
            if (j == i && !self) continue;
            double ddx = x[j] - x[i], ddy = y[j] - y[i];
            if (j != i && ddx * ddx + ddy * ddy > b2) continue;
            if (pass) w->col[k++] = j;
            cnt++;
          }
        }
      if (!pass) {
        w->off[i + 1] = cnt;
      } else {
        qsort(w->col + w->off[i], cnt, sizeof *w->col, cmp_size);
        for (size_t q = w->off[i]; q < w->off[i + 1]; q++) w->val[q] = w->col[q] == i ? self_weight : 1.0;
        w->self[i] = (unsigned char)(self != 0);
      }
    }
    if (sm__progress(ctx, 0.5 * (pass + 1), "spatial weights")) {
      sm__free(boff), sm__free(bunit), sm__free(bin);
      sm_weights_destroy(w);
      return SM_E_CANCELLED;
    }
  }
  sm__free(boff), sm__free(bunit), sm__free(bin);
  *out = w;
  return SM_OK;
}
