/* sm_raster: grid of doubles + geotransform + CRS + nodata + metadata. */
#include "internal/meta.h"
#include "internal/sm_internal.h"
#include "internal/bands.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct sm_raster {
  size_t w, h;
  double x_min, y_max, cell;
  char *crs;
  double nodata;
  double *v;
  sm__meta md;
};

/* Cells of large grids sit on transparent huge pages where the system allows:
 * faulting in 4 KB pages from several threads at once contends on the
 * kernel's locks. Zeroed on nth threads, a huge page at a time to whichever
 * thread is free (the kernel clears each page as it is first touched: 34 MB
 * took 20-35 ms on one thread when the pages were small; and pages the
 * machine has not touched for a while cost ten times those it has, so a
 * fixed share of them left one thread clearing for 40 ms while the other
 * waited). */
static double *alloc_cells(size_t n, int nth) {
  size_t bytes = n * sizeof(double);
  if (bytes < (8u << 20)) return sm__calloc(n, sizeof(double));
  void *p = NULL;
  size_t huge = 2u << 20, rounded = (bytes + huge - 1) / huge * huge;
  if (posix_memalign(&p, huge, rounded) != 0) return NULL;
#ifdef MADV_HUGEPAGE
  madvise(p, rounded, MADV_HUGEPAGE);
#endif
  long pages = (long)(rounded / huge);
  (void)nth;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nth > 0 ? nth : 1) schedule(dynamic, 1)
#endif
  for (long c = 0; c < pages; c++) {
    size_t at = (size_t)c * huge;
    memset((char *)p + at, 0, at + huge > bytes ? bytes - at : huge);
  }
  return p;
}

sm_status sm_raster_create(sm_ctx *ctx, sm_raster **out, size_t width, size_t height, double x_min, double y_max,
                           double cell_m, const char *crs) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_raster_create: out is NULL");
  *out = NULL;
  if (!width || !height || !(cell_m > 0) || !isfinite(x_min) || !isfinite(y_max) || !crs)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_raster_create: bad grid %zu x %zu, cell %g", width, height, cell_m);
  if (width > SIZE_MAX / height / sizeof(double))
    return sm__error(ctx, SM_E_NOMEM, "a grid of %zu x %zu cells does not fit in memory", width, height);
  sm_raster *r = sm__calloc(1, sizeof *r);
  if (!r) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  r->w = width, r->h = height, r->x_min = x_min, r->y_max = y_max, r->cell = cell_m;
  r->nodata = -9999;
  r->crs = sm__strdup(crs);
  r->v = alloc_cells(width * height, sm__threads(ctx));
  if (!r->crs || !r->v) {
    sm_raster_destroy(r);
    return sm__error(ctx, SM_E_NOMEM, "out of memory for a grid of %zu x %zu cells (%.1f MB)", width, height,
                     (double)width * (double)height * 8 / 1e6);
  }
  *out = r;
  return SM_OK;
}

sm_status sm__raster_create_header(sm_ctx *ctx, sm_raster **out, size_t width, size_t height, double x_min, double y_max,
                                   double cell_m, const char *crs) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm__raster_create_header: out is NULL");
  *out = NULL;
  if (!width || !height || !(cell_m > 0) || !isfinite(x_min) || !isfinite(y_max) || !crs)
    return sm__error(ctx, SM_E_INVALID_ARG, "bad grid %zu x %zu, cell %g", width, height, cell_m);
  sm_raster *r = sm__calloc(1, sizeof *r);
  if (!r) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  r->w = width, r->h = height, r->x_min = x_min, r->y_max = y_max, r->cell = cell_m;
  r->nodata = -9999;
  if (!(r->crs = sm__strdup(crs))) {
    sm_raster_destroy(r);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  *out = r;
  return SM_OK;
}

void sm_raster_destroy(sm_raster *r) {
  if (!r) return;
  sm__meta_free(&r->md);
  sm__free(r->v);
  sm__free(r->crs);
  sm__free(r);
}

size_t sm_raster_width(const sm_raster *r) { return r ? r->w : 0; }
size_t sm_raster_height(const sm_raster *r) { return r ? r->h : 0; }
double sm_raster_cell_size(const sm_raster *r) { return r ? r->cell : NAN; }
const char *sm_raster_crs(const sm_raster *r) { return r ? r->crs : NULL; }
double *sm_raster_data(sm_raster *r) { return r ? r->v : NULL; }
const double *sm_raster_values(const sm_raster *r) { return r ? r->v : NULL; }
void sm_raster_set_nodata(sm_raster *r, double nodata) {
  if (r) r->nodata = nodata;
}
double sm_raster_nodata(const sm_raster *r) { return r ? r->nodata : NAN; }

void sm_raster_geotransform(const sm_raster *r, double gt[6]) {
  gt[0] = r->x_min, gt[1] = r->cell, gt[2] = 0;
  gt[3] = r->y_max, gt[4] = 0, gt[5] = -r->cell;
}

sm_status sm_raster_set_metadata(sm_ctx *ctx, sm_raster *r, const char *key, const char *value) {
  return sm__meta_set(ctx, r ? &r->md : NULL, key, value, "sm_raster_set_metadata");
}

const char *sm_raster_metadata_get(const sm_raster *r, const char *key) {
  return r ? sm__meta_get(&r->md, key) : NULL;
}
size_t sm_raster_metadata_count(const sm_raster *r) { return r ? r->md.n : 0; }
const char *sm_raster_metadata_key(const sm_raster *r, size_t i) { return r && i < r->md.n ? r->md.key[i] : NULL; }
const char *sm_raster_metadata_value(const sm_raster *r, size_t i) { return r && i < r->md.n ? r->md.value[i] : NULL; }

void sm_raster_stats_compute(const sm_raster *r, sm_raster_stats *s) {
  memset(s, 0, sizeof *s);
  s->min = INFINITY;
  s->max = -INFINITY;
  if (!r) return;
  size_t n = r->w * r->h;
  for (size_t i = 0; i < n; i++) {
    double v = r->v[i];
    if (isnan(v)) continue;
    s->n_valid++;
    s->sum += v;
    if (v < s->min) s->min = v;
    if (v > s->max) s->max = v;
  }
  if (!s->n_valid) s->min = s->max = NAN;
}
