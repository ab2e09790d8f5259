/* AVERAGE overviews of a Float32 grid, computed as GDAL 3.6 computes them for a band in memory (internal/overviews.h),
 * but on every thread. Compiled with -ffp-contract=off: no product may be fused into a sum, as GDAL's are not. */
#include "internal/overviews.h"
#include "internal/alloc.h"

#include <float.h>
#include <math.h>
#include <stdint.h>

/* GDAL's ARE_REAL_EQUAL<float>(a, b) with its default of 2 ulp, in float arithmetic. */
static inline int near_equal(float a, float b) { return a == b || fabsf(a - b) < FLT_EPSILON * fabsf(a + b) * 2; }

int sm__overview_valid(const float *src, size_t n, double nodata, unsigned char *valid, int nth) {
  int is_nan = isnan(nodata) != 0;
  if (!is_nan && !isinf(nodata) && !(nodata >= -FLT_MAX && nodata <= FLT_MAX)) return -1;
  const float nd = (float)nodata;
  if (nth < 1 || n < ((size_t)1 << 16)) nth = 1;
  (void)nth;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nth) schedule(static)
#endif
  for (size_t i = 0; i < n; i++) valid[i] = is_nan ? !isnan(src[i]) : !near_equal(src[i], nd);
  return 0;
}

/* Where GDAL reads the columns of a row of dst from: the first and past-the-last column of src, and the weights of
 * the first and last (GDAL's PrecomputedXValue). */
typedef struct {
  int x0, x1;
  double wl, wr;
} span_x;

/* One row of dst from the rows [ys0, ys1) of src that GDAL's chunk [c0, c1) allows it. */
static void average_row(const float *src, const unsigned char *valid, int w, const span_x *sx, int dw, int row,
                        double yratio, int c0, int c1, float nd, float repl, float *out) {
  double y0 = row * yratio;
  int ys0 = (int)(y0 + 1e-8);
  if (ys0 < c0) ys0 = c0;
  double y1 = (row + 1) * yratio;
  int ys1 = (int)ceil(y1 - 1e-8);
  if (ys1 == ys0) ++ys1;
  if (ys1 > c1) ys1 = c1;
  const double wb = (ys0 + 1 == ys1) ? 1.0 : 1.0 - (y0 - ys0), wt = 1.0 - (ys1 - y1);
  for (int i = 0; i < dw; i++) {
    const int x0 = sx[i].x0, x1 = sx[i].x1;
    double total = 0, weight = 0;
    size_t count = 0;
    for (int y = ys0; y < ys1; y++) {
      const float *v = src + (size_t)y * (size_t)w;
      const unsigned char *ok = valid + (size_t)y * (size_t)w;
      double line = 0, wline = 0;
      if (ok[x0]) {
        count++;
        wline = sx[i].wl;
        line = v[x0] * sx[i].wl;
      }
      if (x0 + 1 < x1) {
        for (int x = x0 + 1; x + 1 < x1; x++)
          if (ok[x]) {
            count++;
            wline += 1;
            line += v[x];
          }
        if (ok[x1 - 1]) {
          count++;
          wline += sx[i].wr;
          line += v[x1 - 1] * sx[i].wr;
        }
      }
      const double wy = y == ys0 ? wb : y + 1 == ys1 ? wt : 1.0;
      total += line * wy;
      weight += wline * wy;
    }
    if (!count) {
      out[i] = nd;
      continue;
    }
    float a = (float)(total / weight);
    out[i] = a == nd ? repl : a;
  }
}

int sm__overview_average(const float *src, const unsigned char *valid, size_t w, size_t h, double nodata, float *dst,
                         size_t dw, size_t dh, double chunk_max, int nth) {
  const int W = (int)w, H = (int)h, DW = (int)dw, DH = (int)dh;
  const double xratio = (double)W / DW, yratio = (double)H / DH;
  const float nd = (float)nodata;
  /* GDAL's replacement for an average equal to nodata (GetReplacementValueIfNoData for Float32) */
  const float repl = nd == 0 ? FLT_MIN : (float)(nd + 1e-7 * nd);
  span_x *sx = sm__malloc((size_t)(DW ? DW : 1) * sizeof *sx);
  int *chunk_of = sm__malloc((size_t)(DH ? DH : 1) * 2 * sizeof *chunk_of); /* each row's chunk [c0, c1); -1: none */
  if (!sx || !chunk_of) {
    sm__free(sx), sm__free(chunk_of);
    return -1;
  }
  for (int i = 0; i < DW; i++) {
    double x0 = i * xratio, x1 = (i + 1) * xratio;
    int a = (int)(x0 + 1e-8), b = (int)ceil(x1 - 1e-8);
    if (a < 0) a = 0;
    if (b == a) b++;
    if (b > W) b = W;
    sx[i].x0 = a, sx[i].x1 = b;
    sx[i].wl = (b == a + 1) ? 1.0 : 1 - (x0 - a);
    sx[i].wr = 1 - (b - x1);
  }
  /* GDAL's chunks of rows: a MEM band's block is one row; at least twice the factor, doubled up to chunk_max */
  int factor = (int)((double)W / DW + 0.5), fy = (int)((double)H / DH + 0.5);
  if (fy > factor) factor = fy;
  if (factor < 1) factor = 1;
  int64_t rows = 2 * factor > 1 ? 2 * factor : 1;
  double bytes = 4.0 * (double)rows * W;
  if (!(bytes > chunk_max))
    while (bytes * 2 < chunk_max) rows *= 2, bytes = 4.0 * (double)rows * W;
  for (int r = 0; r < DH; r++) chunk_of[2 * r] = -1;
  int step = rows > INT32_MAX ? INT32_MAX : (int)rows;
  for (int c0 = 0; c0 < H; c0 += step) {
    if (step + c0 > H || step + c0 < c0) step = H - c0;
    int d0 = (int)(0.5 + c0 / yratio);
    if (d0 == DH) continue;
    int d1 = (int)(0.5 + (c0 + step) / yratio);
    if (c0 + step == H) d1 = DH;
    for (int r = d0 < 0 ? 0 : d0; r < d1 && r < DH; r++) chunk_of[2 * r] = c0, chunk_of[2 * r + 1] = c0 + step;
  }
  if (nth < 1 || w * h < ((size_t)1 << 16)) nth = 1;
  (void)nth;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nth) schedule(dynamic, 8)
#endif
  for (int r = 0; r < DH; r++) {
    float *out = dst + (size_t)r * dw;
    if (chunk_of[2 * r] < 0) { /* no chunk writes it: GDAL's overview keeps its zeros */
      for (int i = 0; i < DW; i++) out[i] = 0;
      continue;
    }
    average_row(src, valid, W, sx, DW, r, yratio, chunk_of[2 * r], chunk_of[2 * r + 1], nd, repl, out);
  }
  sm__free(sx), sm__free(chunk_of);
  return 0;
}
