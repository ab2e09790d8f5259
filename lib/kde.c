/* Kernel density estimation (docs/methods.md §1.1 ArcGIS, §3 QGIS, §4.1 spatstat). */
#include "internal/sm_internal.h"
#include "internal/bands.h"
#include "internal/mpi.h"
#include "internal/radix.h"
#include "internal/simd.h"
#include "internal/limits.h"
#include "internal/recipe.h"

#include <float.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef SM_HAVE_OPENMP
#include <omp.h>
#endif
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF /* the same bits on every code path (eval_strip_for) */
#endif

sm_status sm_kde_options_init(sm_kde_options *opts, int version) {
  if (!opts || version != SM_KDE_OPTIONS_VERSION) return SM_E_INVALID_ARG;
  sm_kde_options d = SM_KDE_OPTIONS_INIT;
  *opts = d;
  return SM_OK;
}

static const char *const kernel_names[SM_KERNEL_END_] = {"quartic", "epanechnikov", "triweight",
                                                          "triangular", "uniform", "gaussian"};
static const char *const conv_names[SM_KDE_CONVENTION_END_] = {"default", "arcgis", "qgis-raw", "qgis-scaled",
                                                               "spatstat"};
static const char *const unit_names[SM_KDE_UNITS_END_] = {"auto", "per-km2", "per-ha", "per-m2", "count",
                                                          "probability"};

const char *sm_kernel_name(sm_kernel k) { return (int)k >= 0 && k < SM_KERNEL_END_ ? kernel_names[k] : NULL; }
sm_kernel sm_kernel_from_name(const char *name) {
  if (!name) return SM_KERNEL_END_;
  if (sm__strcaseeq(name, "biweight")) return SM_KERNEL_QUARTIC;
  if (sm__strcaseeq(name, "disc")) return SM_KERNEL_UNIFORM;
  for (int k = 0; k < SM_KERNEL_END_; k++)
    if (sm__strcaseeq(name, kernel_names[k])) return (sm_kernel)k;
  return SM_KERNEL_END_;
}
const char *sm_kde_convention_name(sm_kde_convention c) {
  return (int)c >= 0 && c < SM_KDE_CONVENTION_END_ ? conv_names[c] : NULL;
}
sm_kde_convention sm_kde_convention_from_name(const char *name) {
  for (int k = 0; name && k < SM_KDE_CONVENTION_END_; k++)
    if (sm__strcaseeq(name, conv_names[k])) return (sm_kde_convention)k;
  return SM_KDE_CONVENTION_END_;
}
sm_kde_units sm_kde_units_from_name(const char *name) {
  for (int k = 0; name && k < SM_KDE_UNITS_END_; k++)
    if (sm__strcaseeq(name, unit_names[k])) return (sm_kde_units)k;
  return SM_KDE_UNITS_END_;
}

/* Per-axis standard deviation of each kernel with unit support radius
 * (spatstat's kernel table; triweight and cone computed the same way:
 * var = E[r^2] / 2 under the radial density). */
static double kernel_sd_unit(sm_kernel k) {
  switch (k) {
  case SM_KERNEL_QUARTIC: return 1.0 / sqrt(8.0);
  case SM_KERNEL_EPANECHNIKOV: return 1.0 / sqrt(6.0);
  case SM_KERNEL_TRIWEIGHT: return 1.0 / sqrt(10.0);
  case SM_KERNEL_TRIANGULAR: return sqrt(0.15);
  case SM_KERNEL_UNIFORM: return 0.5;
  default: return 1.0; /* Gaussian: sigma is the sd */
  }
}

/* ---- bandwidth rules ---------------------------------------------------------- */
typedef struct {
  double d, w;
} dw;
static int cmp_dw(const void *a, const void *b) {
  double x = ((const dw *)a)->d, y = ((const dw *)b)->d;
  return (x > y) - (x < y);
}

sm_status sm_kde_silverman_radius(sm_ctx *ctx, const double *x, const double *y, const double *w, size_t n,
                                  double *radius_out) {
  if (!x || !y || !radius_out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_kde_silverman_radius: NULL argument");
  double sw = 0, mx = 0, my = 0;
  for (size_t i = 0; i < n; i++) {
    double wi = w ? w[i] : 1.0;
    sw += wi, mx += wi * x[i], my += wi * y[i];
  }
  if (n < 2 || !(sw > 0))
    return sm__error(ctx, SM_E_INPUT, "the automatic bandwidth needs at least two points (got %zu); give --bandwidth", n);
  mx /= sw, my /= sw;
  dw *a = sm__malloc(n * sizeof *a);
  if (!a) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  double ss = 0;
  int unit = 1;
  for (size_t i = 0; i < n; i++) {
    double dx = x[i] - mx, dy = y[i] - my, wi = w ? w[i] : 1.0;
    a[i].d = sqrt(dx * dx + dy * dy);
    a[i].w = wi;
    ss += wi * (dx * dx + dy * dy);
    if (wi != 1.0) unit = 0;
  }
  qsort(a, n, sizeof *a, cmp_dw);
  double dm;
  if (unit) { /* the ordinary median */
    dm = n % 2 ? a[n / 2].d : 0.5 * (a[n / 2 - 1].d + a[n / 2].d);
  } else { /* weighted: the first distance where the cumulative weight reaches half */
    double half = sw / 2, cum = 0;
    size_t k = 0;
    for (; k < n; k++) {
      cum += a[k].w;
      if (cum >= half) break;
    }
    dm = (cum == half && k + 1 < n) ? 0.5 * (a[k].d + a[k + 1].d) : a[k < n ? k : n - 1].d;
  }
  sm__free(a);
  double sd = sqrt(ss / sw);
  double h = 0.9 * fmin(sd, sqrt(1.0 / log(2.0)) * dm) * pow(sw, -0.2);
  if (!(h > 0))
    return sm__error(ctx, SM_E_INPUT,
                     "the automatic bandwidth is 0: the points are all at one place (or more than half of them "
                     "are); give --bandwidth");
  *radius_out = h;
  return SM_OK;
}

static sm_status scott_sigma(sm_ctx *ctx, const double *x, const double *y, size_t n, double *out) {
  if (n < 2) return sm__error(ctx, SM_E_INPUT, "Scott's bandwidth needs at least two points (got %zu); give --bandwidth", n);
  double mx = 0, my = 0;
  for (size_t i = 0; i < n; i++) mx += x[i], my += y[i];
  mx /= (double)n, my /= (double)n;
  double vx = 0, vy = 0;
  for (size_t i = 0; i < n; i++) vx += (x[i] - mx) * (x[i] - mx), vy += (y[i] - my) * (y[i] - my);
  vx /= (double)(n - 1), vy /= (double)(n - 1);
  double s = sqrt(sqrt(vx) * sqrt(vy)) * pow((double)n, -1.0 / 6.0);
  if (!(s > 0))
    return sm__error(ctx, SM_E_INPUT, "Scott's bandwidth is 0: the points lie on a line or at one place; give --bandwidth");
  *out = s;
  return SM_OK;
}

/* ---- Diggle's rule (spatstat's bw.diggle; tests/golden/kde/bw_diggle/recipe.txt) ----
 * K(r) by Ripley's isotropic correction on the rectangle, r on 512 steps to
 * rmax = min(short side / 4, sqrt(1000 / (pi lambda))); for each disc radius
 * h = r_i <= rmax / 2 the Berman-Diggle criterion
 * M = (1/lambda - 2 K(h)) / (pi h^2) + J / (pi h^2)^2 with
 * J = 2 h^2 sum_j (acos y - y sqrt(1 - y^2)) (K_{j+1} - K_j), y = r_j / 2h < 1;
 * the first minimum gives sigma = h / 2. Locations carry multiplicities. */
typedef struct {
  double x, y, w;
} pt;

static double ripley_weight(double dL, double dR, double dD, double dU, double d) {
  const double pi = 3.14159265358979323846;
  double aL = dL < d ? acos(dL / d) : 0, aR = dR < d ? acos(dR / d) : 0;
  double aD = dD < d ? acos(dD / d) : 0, aU = dU < d ? acos(dU / d) : 0;
  double cL = fmin(aL, atan2(dU, dL)) + fmin(aL, atan2(dD, dL));
  double cR = fmin(aR, atan2(dU, dR)) + fmin(aR, atan2(dD, dR));
  double cU = fmin(aU, atan2(dL, dU)) + fmin(aU, atan2(dR, dU));
  double cD = fmin(aD, atan2(dL, dD)) + fmin(aD, atan2(dR, dD));
  double ext = (cL + cR + cU + cD) / (2 * pi);
  int corner = (dL < 1e-12) + (dR < 1e-12) + (dD < 1e-12) + (dU < 1e-12);
  if (corner >= 2) ext += 0.25;
  double w = 1.0 / (1.0 - ext);
  return w > 100 ? 100 : w;
}

static sm_status bw_diggle(sm_ctx *ctx, const pt *p, size_t np, const double win[4], double *sigma_out) {
  const double pi = 3.14159265358979323846;
  double wide = win[2] - win[0], high = win[3] - win[1], A = wide * high, n = 0;
  for (size_t i = 0; i < np; i++) n += p[i].w;
  if (n < 2 || np < 2) return sm__error(ctx, SM_E_INPUT, "Diggle's rule needs at least two distinct points");
  double lambda = n / A, rmax = fmin(fmin(wide, high) / 4, sqrt(1000 / (pi * lambda)));
  enum { NR = 512 };
  double rstep = rmax / (NR - 1), r[NR], bins[NR], K[NR];
  for (int k = 0; k < NR; k++) r[k] = k == NR - 1 ? rmax : k * rstep, bins[k] = 0;
  /* ordered pairs within rmax (strictly), binned right-closed; copies of one place at d = 0 */
  for (size_t i = 0; i < np; i++) {
    double xi = p[i].x - win[0], yi = p[i].y - win[1];
    double dL = xi, dR = wide - xi, dD = yi, dU = high - yi;
    if (p[i].w > 1) bins[0] += p[i].w * (p[i].w - 1) * ripley_weight(dL, dR, dD, dU, 0);
    size_t lo = 0, hi = np;
    while (lo < hi) {
      size_t m = (lo + hi) / 2;
      if (p[m].y < p[i].y - rmax) lo = m + 1;
      else hi = m;
    }
    for (size_t j = lo; j < np && p[j].y < p[i].y + rmax; j++) {
      if (j == i) continue;
      double dx = p[j].x - p[i].x, dy = p[j].y - p[i].y, d2 = dx * dx + dy * dy;
      if (!(d2 < rmax * rmax)) continue;
      double d = sqrt(d2);
      long l = (long)ceil(d / rstep);
      if (l >= NR) continue;
      bins[l] += p[i].w * p[j].w * ripley_weight(dL, dR, dD, dU, d);
    }
  }
  double cum = 0, norm = n * (n - 1) / A;
  for (int k = 0; k < NR; k++) cum += bins[k], K[k] = cum / norm;
  int best = -1;
  double bestM = INFINITY;
  for (int i = 1; i < NR && r[i] <= rmax / 2; i++) {
    double h = r[i], J = 0;
    for (int j = 0; j < NR - 1; j++) {
      double y = r[j] / (2 * h);
      if (y >= 1) break;
      J += (acos(y) - y * sqrt(1 - y * y)) * (K[j + 1] - K[j]);
    }
    J *= 2 * h * h;
    double ph2 = pi * h * h, M = (1 / lambda - 2 * K[i]) / ph2 + J / (ph2 * ph2);
    if (M < bestM) bestM = M, best = i;
  }
  if (best < 0) return sm__error(ctx, SM_E_INPUT, "Diggle's rule found no bandwidth");
  if (best == 1 || r[best + 1] > rmax / 2)
    sm__log(ctx, SM_LOG_WARNING, "Diggle's rule chose the end of its range (sigma %.3g m)", r[best] / 2);
  *sigma_out = r[best] / 2;
  return SM_OK;
}

/* ---- merging identical locations -------------------------------------------- */
static double norm_cdf(double z);

/* Likelihood cross-validation (spatstat's bw.ppl) for the Gaussian kernel over
 * the rectangle win, on locations p (weights = multiplicities) sorted by y. */
static sm_status bw_ppl(sm_ctx *ctx, const pt *p, size_t np, const double win[4], double *sigma_out, double *cv_out) {
  if (np < 2) return sm__error(ctx, SM_E_INPUT, "likelihood cross-validation needs at least two distinct points");
  if (np > 50000)
    return sm__error(ctx, SM_E_INVALID_ARG, "likelihood cross-validation costs n^2 and there are %zu locations (at most 50,000); use --bandwidth auto or scott", np);
  /* smallest positive nearest-neighbour distance (locations are distinct) */
  double nn = INFINITY;
  for (size_t i = 0; i < np; i++)
    for (size_t j = i + 1; j < np && p[j].y - p[i].y < nn; j++) nn = fmin(nn, hypot(p[j].x - p[i].x, p[j].y - p[i].y));
  double half_diam = hypot(win[2] - win[0], win[3] - win[1]) / 2;
  const int ns = 16, npix = 128;
  double la = log(nn), by = (log(half_diam) - la) / (ns - 1), best = -INFINITY, best_s = 0;
  double W = 0;
  for (size_t i = 0; i < np; i++) W += p[i].w;
  double px = (win[2] - win[0]) / npix, py = (win[3] - win[1]) / npix;
  const double pi = 3.14159265358979323846;
  for (int k = 0; k < ns; k++) {
    double s = k == ns - 1 ? half_diam : k == 0 ? nn : exp(la + k * by), R = 8 * s, i2s = 1.0 / (2 * s * s);
    double c = 1.0 / (2 * pi * s * s), ll = 0, integral = 0;
    int bad = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(dynamic, 64) reduction(+ : ll) reduction(| : bad)
#endif
    for (size_t i = 0; i < np; i++) {
      double sum = -1.0; /* leave this one point out */
      for (size_t j = 0; j < np; j++) {
        double dx = p[j].x - p[i].x, dy = p[j].y - p[i].y, d2 = dx * dx + dy * dy;
        if (d2 <= R * R) sum += p[j].w * exp(-d2 * i2s);
      }
      double e = (norm_cdf((win[2] - p[i].x) / s) - norm_cdf((win[0] - p[i].x) / s)) *
                 (norm_cdf((win[3] - p[i].y) / s) - norm_cdf((win[1] - p[i].y) / s));
      double lam = c * sum / e;
      if (lam > 0) ll += p[i].w * log(lam);
      else bad = 1;
    }
    if (bad) continue; /* a point with no neighbour at this sigma: log 0 */
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static) reduction(+ : integral)
#endif
    for (int q = 0; q < npix * npix; q++) {
      double ux = win[0] + ((q % npix) + 0.5) * px, uy = win[1] + ((q / npix) + 0.5) * py, sum = 0;
      for (size_t j = 0; j < np; j++) {
        double dx = p[j].x - ux, dy = p[j].y - uy, d2 = dx * dx + dy * dy;
        if (d2 <= R * R) sum += p[j].w * exp(-d2 * i2s);
      }
      double e = (norm_cdf((win[2] - ux) / s) - norm_cdf((win[0] - ux) / s)) *
                 (norm_cdf((win[3] - uy) / s) - norm_cdf((win[1] - uy) / s));
      integral += c * sum / e * px * py;
    }
    double cv = ll - integral;
    sm__log(ctx, SM_LOG_DEBUG, "bw.ppl: sigma %.6g cv %.6g", s, cv);
    if (cv > best) best = cv, best_s = s;
    if ((k & 3) == 3 && sm__progress(ctx, (double)(k + 1) / ns, "likelihood cross-validation")) return SM_E_CANCELLED;
  }
  (void)W;
  if (!(best_s > 0)) return sm__error(ctx, SM_E_INPUT, "likelihood cross-validation found no bandwidth");
  *sigma_out = best_s;
  if (cv_out) *cv_out = best;
  return SM_OK;
}

/* ---- evaluation ------------------------------------------------------------------ */
typedef struct {
  sm_kernel kernel;
  double R, R2, invR2;  /* support radius */
  double inv2s2;        /* Gaussian: 1 / (2 sigma^2) */
  double cut2h;         /* Gaussian: cutoff^2 / 2, for per-point sigmas */
  double x_min, y_max, cell;
  size_t w, h;
  const double *xc; /* the columns' centres, x_min + (i + 0.5) cell: the kernel loop reads them */
} evalp;

/* The cells one point reaches in one row: [lo, hi] (whole numbers held as doubles; lo > hi: none), and the row's
 * squared distance dy2 from the point. */
typedef struct {
  double lo, hi, dy2;
} kde_rowb;

/* kde_rowb for rows [ja, ja + nr) (the rows in reach of the point, within the strip): the arithmetic of the one-row
 * loop, in a loop of its own so that the rows' square roots and divisions overlap instead of each waiting for the
 * row before it. *mn and *mx: the smallest lo and largest hi (mn > mx: no cell). */
static inline __attribute__((always_inline)) void row_bounds(const evalp *e, double px, double py, double R2, long ja,
                                                             size_t nr, kde_rowb *rb, double *mn, double *mx) {
  const double last = (double)e->w - 1;
  double a = HUGE_VAL, b = -HUGE_VAL;
  for (size_t r = 0; r < nr; r++) {
    double yc = e->y_max - ((double)(ja + (long)r) + 0.5) * e->cell, dy = yc - py, dy2 = dy * dy;
    double lo = 1, hi = 0;
    if (dy2 <= R2) {
      double half = sqrt(R2 - dy2);
      lo = ceil((px - half - e->x_min) / e->cell - 0.5);
      hi = floor((px + half - e->x_min) / e->cell - 0.5);
      if (lo < 0) lo = 0;
      if (hi > last) hi = last;
      if (lo <= hi) {
        a = lo < a ? lo : a;
        b = hi > b ? hi : b;
      }
    }
    rb[r] = (kde_rowb){lo, hi, dy2};
  }
  *mn = a;
  *mx = b;
}

/* The cells of one row from one point, one at a time: every kernel, and the polynomial kernels where a row of
 * vectors would pass the grid's last column. */
static inline __attribute__((always_inline)) void row_cells(const evalp *e, sm_kernel kernel, const kde_rowb *b,
                                                            double px, double pw, double R2, double invR2,
                                                            double inv2s2, double *restrict row) {
  /* locals: the stores to row must not make the compiler reload e (vectorisation); the centres are read, not
   * computed: the same bits, four operations fewer a cell */
  const double *restrict xc = e->xc;
  const double dy2 = b->dy2;
  const int i0 = (int)b->lo, i1 = (int)b->hi; /* int: int32 -> double vectorises */
  switch (kernel) {
  case SM_KERNEL_QUARTIC:
    for (int i = i0; i <= i1; i++) {
      double dx = xc[i] - px, t = 1.0 - (dx * dx + dy2) * invR2;
      t = t > 0 ? t : 0;
      row[i] += pw * t * t;
    }
    break;
  case SM_KERNEL_EPANECHNIKOV:
    for (int i = i0; i <= i1; i++) {
      double dx = xc[i] - px, t = 1.0 - (dx * dx + dy2) * invR2;
      row[i] += pw * (t > 0 ? t : 0);
    }
    break;
  case SM_KERNEL_TRIWEIGHT:
    for (int i = i0; i <= i1; i++) {
      double dx = xc[i] - px, t = 1.0 - (dx * dx + dy2) * invR2;
      t = t > 0 ? t : 0;
      row[i] += pw * t * t * t;
    }
    break;
  case SM_KERNEL_TRIANGULAR:
    for (int i = i0; i <= i1; i++) {
      double dx = xc[i] - px, u = sqrt((dx * dx + dy2) * invR2);
      row[i] += pw * (u < 1 ? 1 - u : 0);
    }
    break;
  case SM_KERNEL_UNIFORM:
    for (int i = i0; i <= i1; i++) {
      double dx = xc[i] - px;
      row[i] += (dx * dx + dy2) <= R2 ? pw : 0;
    }
    break;
  case SM_KERNEL_GAUSSIAN:
    for (int i = i0; i <= i1; i++) {
      double dx = xc[i] - px, d2 = dx * dx + dy2;
      row[i] += d2 <= R2 ? pw * exp(-d2 * inv2s2) : 0;
    }
    break;
  default: break;
  }
}

/* ---- the polynomial kernels, a vector at a time ----------------------------------------------------------------
 * Quartic, Epanechnikov and triweight over one point's rows of a strip, 4 or 8 cells to an instruction (AVX2,
 * AVX-512; on SSE2's two lanes the masks cost more than the remainders they save, and the base path keeps the
 * one-row loop). Every row takes the same run of vectors, from the smallest first cell mn (rounded down to the
 * vector) to the largest last cell mx: no branch depends on the row and no row has a scalar remainder. Every cell
 * in its row's [lo, hi] gets row_cells' arithmetic, operation for operation. A cell of a vector outside [lo, hi]
 * gets t = +0, so a shape of +0 (-0 for a weight of -0), and x + 0 is x: a cell's sum starts at +0 and only +0, -0
 * and positive shapes are added, so no sum is -0, the one value adding zero would change. Those cells are in the
 * same row, which only this thread writes. Each returns 0, having done nothing, when the run would pass the grid's
 * last column (the caller takes those rows one cell at a time). */
#define POLY_PARAMS                                                                                                  \
  const evalp *e, const kde_rowb *rb, size_t nr, double mn, double mx, double px, double pw, double invR2,          \
      double *v /* the first row's column 0 */
typedef int (*poly_fn)(POLY_PARAMS, sm_kernel K);
/* Columns whose squared distance dx * dx from the point is kept for all its rows (a point's rows share it), at a
 * time: 1 KB. */
#define POLY_COLS 128

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define SM_KDE_X86 1

__attribute__((target("avx2"))) static inline __attribute__((always_inline)) int poly_avx2_k(POLY_PARAMS,
                                                                                             const sm_kernel K) {
  size_t a0 = (size_t)mn / 4 * 4, nv = ((size_t)mx - a0) / 4 + 1;
  if (a0 + nv * 4 > e->w) return 0;
  const __m256d vpx = _mm256_set1_pd(px), vpw = _mm256_set1_pd(pw), vinv = _mm256_set1_pd(invR2),
                one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd(), step = _mm256_set1_pd(4.0);
  const __m256d lane = _mm256_set_pd((double)(a0 + 3), (double)(a0 + 2), (double)(a0 + 1), (double)a0);
  __m256d dx2[POLY_COLS / 4];
  for (size_t q0 = 0; q0 < nv; q0 += POLY_COLS / 4) {
    size_t nq = nv - q0 < POLY_COLS / 4 ? nv - q0 : POLY_COLS / 4;
    const double *restrict xc = e->xc + a0 + q0 * 4;
    for (size_t q = 0; q < nq; q++) {
      __m256d dx = _mm256_sub_pd(_mm256_loadu_pd(xc + q * 4), vpx);
      dx2[q] = _mm256_mul_pd(dx, dx);
    }
    const __m256d at0 = _mm256_add_pd(lane, _mm256_set1_pd((double)(q0 * 4)));
    for (size_t r = 0; r < nr; r++) {
      if (!(rb[r].lo <= rb[r].hi)) continue;
      const __m256d vlo = _mm256_set1_pd(rb[r].lo), vhi = _mm256_set1_pd(rb[r].hi), vdy2 = _mm256_set1_pd(rb[r].dy2);
      double *restrict row = v + r * e->w + a0 + q0 * 4;
      __m256d at = at0;
      for (size_t q = 0; q < nq; q++, at = _mm256_add_pd(at, step)) {
        __m256d o = _mm256_loadu_pd(row + q * 4);
        __m256d in = _mm256_and_pd(_mm256_cmp_pd(vlo, at, _CMP_LE_OQ), _mm256_cmp_pd(at, vhi, _CMP_LE_OQ));
        __m256d t = _mm256_sub_pd(one, _mm256_mul_pd(_mm256_add_pd(dx2[q], vdy2), vinv));
        t = _mm256_and_pd(_mm256_max_pd(t, zero), in); /* max(t, 0): t > 0 ? t : 0, NaN included */
        __m256d c = _mm256_mul_pd(vpw, t);
        if (K != SM_KERNEL_EPANECHNIKOV) c = _mm256_mul_pd(c, t);
        if (K == SM_KERNEL_TRIWEIGHT) c = _mm256_mul_pd(c, t);
        _mm256_storeu_pd(row + q * 4, _mm256_add_pd(o, c));
      }
    }
  }
  return 1;
}
/* AVX-512: the compares give a mask register, and the shape's clamp and mask are one instruction. */
__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) int poly_avx512_k(POLY_PARAMS,
                                                                                                  const sm_kernel K) {
  size_t a0 = (size_t)mn / 8 * 8, nv = ((size_t)mx - a0) / 8 + 1;
  if (a0 + nv * 8 > e->w) return 0;
  const __m512d vpx = _mm512_set1_pd(px), vpw = _mm512_set1_pd(pw), vinv = _mm512_set1_pd(invR2),
                one = _mm512_set1_pd(1.0), zero = _mm512_setzero_pd(), step = _mm512_set1_pd(8.0);
  double first[8];
  for (int q = 0; q < 8; q++) first[q] = (double)(a0 + (size_t)q);
  const __m512d lane = _mm512_loadu_pd(first); /* the cells' column numbers */
  __m512d dx2[POLY_COLS / 8];
  for (size_t q0 = 0; q0 < nv; q0 += POLY_COLS / 8) {
    size_t nq = nv - q0 < POLY_COLS / 8 ? nv - q0 : POLY_COLS / 8;
    const double *restrict xc = e->xc + a0 + q0 * 8;
    for (size_t q = 0; q < nq; q++) {
      __m512d dx = _mm512_sub_pd(_mm512_loadu_pd(xc + q * 8), vpx);
      dx2[q] = _mm512_mul_pd(dx, dx);
    }
    const __m512d at0 = _mm512_add_pd(lane, _mm512_set1_pd((double)(q0 * 8)));
    for (size_t r = 0; r < nr; r++) {
      if (!(rb[r].lo <= rb[r].hi)) continue;
      const __m512d vlo = _mm512_set1_pd(rb[r].lo), vhi = _mm512_set1_pd(rb[r].hi), vdy2 = _mm512_set1_pd(rb[r].dy2);
      double *restrict row = v + r * e->w + a0 + q0 * 8;
      __m512d at = at0;
      for (size_t q = 0; q < nq; q++, at = _mm512_add_pd(at, step)) {
        __m512d o = _mm512_loadu_pd(row + q * 8);
        __mmask8 in = _mm512_cmp_pd_mask(vlo, at, _CMP_LE_OQ) & _mm512_cmp_pd_mask(at, vhi, _CMP_LE_OQ);
        __m512d t = _mm512_sub_pd(one, _mm512_mul_pd(_mm512_add_pd(dx2[q], vdy2), vinv));
        t = _mm512_maskz_max_pd(in, t, zero); /* max(t, 0): t > 0 ? t : 0, NaN included */
        __m512d c = _mm512_mul_pd(vpw, t);
        if (K != SM_KERNEL_EPANECHNIKOV) c = _mm512_mul_pd(c, t);
        if (K == SM_KERNEL_TRIWEIGHT) c = _mm512_mul_pd(c, t);
        _mm512_storeu_pd(row + q * 8, _mm512_add_pd(o, c));
      }
    }
  }
  return 1;
}
/* One function a path, the kernel a constant in each copy of the loop. */
#define POLY_DISPATCH(NAME, ATTR)                                                                                    \
  ATTR static int NAME(POLY_PARAMS, sm_kernel K) {                                                                   \
    switch (K) {                                                                                                     \
    case SM_KERNEL_QUARTIC: return NAME##_k(e, rb, nr, mn, mx, px, pw, invR2, v, SM_KERNEL_QUARTIC);               \
    case SM_KERNEL_EPANECHNIKOV: return NAME##_k(e, rb, nr, mn, mx, px, pw, invR2, v, SM_KERNEL_EPANECHNIKOV);     \
    case SM_KERNEL_TRIWEIGHT: return NAME##_k(e, rb, nr, mn, mx, px, pw, invR2, v, SM_KERNEL_TRIWEIGHT);           \
    default: return 0;                                                                                               \
    }                                                                                                                \
  }
POLY_DISPATCH(poly_avx2, __attribute__((target("avx2"))))
POLY_DISPATCH(poly_avx512, __attribute__((target("avx512f"))))
#undef POLY_DISPATCH
#endif

/* Rows of bounds worked out at a time (a strip is 16 rows). */
#define KDE_ROWB 32

/* Adds the points' shapes (without the kernel constant) to rows [r0, r1); v holds rows from v_row0 on (the whole
 * grid: 0; a band: its first row). Row and column indices stay those of the whole grid, so the arithmetic of a cell
 * does not depend on the band it is computed in. poly: the code path's vector loop for the polynomial kernels
 * (NULL: none). */
#define EVAL_STRIP_PARAMS \
  const evalp *e, const pt *p, size_t np, size_t r0, size_t r1, double *v, size_t v_row0, const double *pr
static inline __attribute__((always_inline)) void eval_strip_body(EVAL_STRIP_PARAMS, poly_fn poly) {
  double ytop = e->y_max - (double)r0 * e->cell, ybot = e->y_max - (double)r1 * e->cell;
  const sm_kernel kernel = e->kernel;
  if (kernel != SM_KERNEL_QUARTIC && kernel != SM_KERNEL_EPANECHNIKOV && kernel != SM_KERNEL_TRIWEIGHT) poly = NULL;
  /* points are sorted by y: those within R of the strip */
  size_t lo = 0, hi = np;
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    if (p[m].y < ybot - e->R) lo = m + 1;
    else hi = m;
  }
  kde_rowb rb[KDE_ROWB];
  for (size_t k = lo; k < np && p[k].y <= ytop + e->R; k++) {
    const double px = p[k].x, py = p[k].y, pw = p[k].w;
    /* per-point reach (adaptive bandwidths) or the common one; e->R is the largest */
    const double R = pr ? pr[k] : e->R, R2 = R * R, invR2 = 1.0 / R2;
    const double inv2s2 = pr ? e->cut2h / R2 : e->inv2s2; /* Gaussian: R = cutoff sigma */
    /* rows whose centres are within R of the point */
    double jf0 = (e->y_max - (py + R)) / e->cell - 0.5, jf1 = (e->y_max - (py - R)) / e->cell - 0.5;
    long j0 = (long)ceil(jf0), j1 = (long)floor(jf1);
    if (j0 < (long)r0) j0 = (long)r0;
    if (j1 > (long)r1 - 1) j1 = (long)r1 - 1;
    for (long ja = j0; ja <= j1; ja += KDE_ROWB) {
      size_t nr = (size_t)(j1 - ja + 1) < KDE_ROWB ? (size_t)(j1 - ja + 1) : KDE_ROWB;
      double mn, mx;
      row_bounds(e, px, py, R2, ja, nr, rb, &mn, &mx);
      if (!(mn <= mx)) continue;
      double *first = v + ((size_t)ja - v_row0) * e->w;
      if (poly && poly(e, rb, nr, mn, mx, px, pw, invR2, first, kernel)) continue;
      for (size_t r = 0; r < nr; r++)
        if (rb[r].lo <= rb[r].hi) row_cells(e, kernel, &rb[r], px, pw, R2, invR2, inv2s2, first + r * e->w);
    }
  }
}

/* The loop above compiled for each code path (sm__simd_choose): the same operations in the same order, without
 * fused multiply-adds (-std=c11 keeps GCC from contracting; clang is told below), so every path gives the same
 * bits; they differ only in how many cells one instruction takes. */
#ifdef SM_KDE_X86
static void eval_strip_base(EVAL_STRIP_PARAMS) { eval_strip_body(e, p, np, r0, r1, v, v_row0, pr, NULL); }
__attribute__((target("avx2"))) static void eval_strip_avx2(EVAL_STRIP_PARAMS) {
  eval_strip_body(e, p, np, r0, r1, v, v_row0, pr, poly_avx2);
}
#ifdef __clang__
__attribute__((target("avx512f,avx512vl")))
#else
__attribute__((target("avx512f,avx512vl,prefer-vector-width=512")))
#endif
static void eval_strip_avx512(EVAL_STRIP_PARAMS) {
  eval_strip_body(e, p, np, r0, r1, v, v_row0, pr, poly_avx512);
}
#else
static void eval_strip_base(EVAL_STRIP_PARAMS) { eval_strip_body(e, p, np, r0, r1, v, v_row0, pr, NULL); }
#endif
typedef void (*eval_strip_fn)(EVAL_STRIP_PARAMS);
static eval_strip_fn eval_strip_for(sm_simd s) {
#ifdef SM_KDE_X86
  if (s == SM_SIMD_AVX512) return eval_strip_avx512;
  if (s == SM_SIMD_AVX2) return eval_strip_avx2;
#endif
  (void)s;
  return eval_strip_base;
}

/* Shape of the kernel (no constant) at squared distance d2 within reach. */
static inline double shape_at(const evalp *e, double d2) {
  if (d2 > e->R2) return 0;
  double t = 1.0 - d2 * e->invR2;
  switch (e->kernel) {
  case SM_KERNEL_QUARTIC: return t * t;
  case SM_KERNEL_EPANECHNIKOV: return t;
  case SM_KERNEL_TRIWEIGHT: return t * t * t;
  case SM_KERNEL_TRIANGULAR: return 1.0 - sqrt(d2 * e->invR2);
  case SM_KERNEL_UNIFORM: return 1.0;
  default: return exp(-d2 * e->inv2s2);
  }
}

/* Sum of the shape over every cell centre of the (unbounded) lattice within
 * reach of (px, py): the discrete mass of one point. */
static double lattice_sum(const evalp *e, double px, double py) {
  long j0 = (long)ceil((e->y_max - (py + e->R)) / e->cell - 0.5), j1 = (long)floor((e->y_max - (py - e->R)) / e->cell - 0.5);
  double sum = 0;
  for (long j = j0; j <= j1; j++) {
    double dy = e->y_max - ((double)j + 0.5) * e->cell - py, dy2 = dy * dy;
    if (dy2 > e->R2) continue;
    double half = sqrt(e->R2 - dy2);
    long i0 = (long)ceil((px - half - e->x_min) / e->cell - 0.5), i1 = (long)floor((px + half - e->x_min) / e->cell - 0.5);
    for (long i = i0; i <= i1; i++) {
      double dx = e->x_min + ((double)i + 0.5) * e->cell - px;
      sum += shape_at(e, dx * dx + dy2);
    }
  }
  return sum;
}

/* ---- edge correction ------------------------------------------------------------
 * e(u) = integral over the window W = [x1,x2] x [y1,y2] of K(v - u) dv.
 * Gaussian: a product of normal probabilities (spatstat: pnorm, untruncated).
 * Radial polynomial kernels, shape ((R^2 - x^2 - y^2) / R^2)^k: for fixed x
 * the integral over y is a polynomial (closed form); over x, with x = R sin t
 * to remove the square root at the disc's rim, Gauss-Legendre on each piece
 * between the points where the y-limits meet the disc. */
static const double GL_X[10] = {0.0765265211334973, 0.2277858511416451, 0.3737060887154195, 0.5108670019508271,
                                0.6360536807265150, 0.7463319064601508, 0.8391169718222188, 0.9122344282513259,
                                0.9639719272779138, 0.9931285991850949};
static const double GL_W[10] = {0.1527533871307258, 0.1491729864726037, 0.1420961093183820, 0.1316886384491766,
                                0.1181945319615184, 0.1019301198172404, 0.0832767415767048, 0.0626720483341091,
                                0.0406014298003869, 0.0176140071391521};

/* Antiderivative in y of ((c^2 - y^2) / R^2)^k. */
static double poly_y(int k, double c2, double R2, double y) {
  double y2 = y * y;
  switch (k) {
  case 0: return y;
  case 1: return (c2 * y - y * y2 / 3) / R2;
  case 2: return (c2 * c2 * y - 2.0 / 3.0 * c2 * y * y2 + y * y2 * y2 / 5) / (R2 * R2);
  default:
    return (c2 * c2 * c2 * y - c2 * c2 * y * y2 + 0.6 * c2 * y * y2 * y2 - y * y2 * y2 * y2 / 7) / (R2 * R2 * R2);
  }
}

static double inner_y(int k, double R, double x, double y1, double y2) {
  double c2 = R * R - x * x;
  if (c2 <= 0) return 0;
  double c = sqrt(c2), a = fmax(y1, -c), b = fmin(y2, c);
  return b > a ? poly_y(k, c2, R * R, b) - poly_y(k, c2, R * R, a) : 0;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Integral of the shape over the rectangle [x1,x2] x [y1,y2] around a point at 0. */
static double rect_mass(int k, double R, double x1, double x2, double y1, double y2) {
  x1 = fmax(x1, -R), x2 = fmin(x2, R);
  if (!(x2 > x1) || !(y2 > y1) || y1 >= R || y2 <= -R) return 0;
  double t[6];
  int nt = 0;
  t[nt++] = asin(x1 / R);
  t[nt++] = asin(x2 / R);
  double ys[2] = {y1, y2};
  for (int q = 0; q < 2; q++)
    if (fabs(ys[q]) < R) {
      double b = asin(sqrt(R * R - ys[q] * ys[q]) / R); /* where c(x) = |y|: x = +-sqrt(R^2 - y^2) */
      if (-b > t[0] && -b < t[1]) t[nt++] = -b;
      if (b > t[0] && b < t[1]) t[nt++] = b;
    }
  qsort(t, (size_t)nt, sizeof *t, cmp_d);
  double sum = 0;
  for (int p = 0; p + 1 < nt; p++) {
    double lo = t[p], hi = t[p + 1], mid = (lo + hi) / 2, half = (hi - lo) / 2;
    if (!(half > 0)) continue;
    for (int g = 0; g < 10; g++)
      for (int sgn = -1; sgn <= 1; sgn += 2) {
        double th = mid + sgn * half * GL_X[g];
        sum += GL_W[g] * half * inner_y(k, R, R * sin(th), y1, y2) * R * cos(th);
      }
  }
  return sum;
}

static double norm_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

/* e(u) for a point or cell centre (ux, uy); win = xmin, ymin, xmax, ymax. */
static double edge_factor(const evalp *e, double c, double bw, const double win[4], double ux, double uy) {
  if (ux - win[0] >= e->R && win[2] - ux >= e->R && uy - win[1] >= e->R && win[3] - uy >= e->R && e->kernel != SM_KERNEL_GAUSSIAN)
    return 1.0;
  if (e->kernel == SM_KERNEL_GAUSSIAN)
    return (norm_cdf((win[2] - ux) / bw) - norm_cdf((win[0] - ux) / bw)) *
           (norm_cdf((win[3] - uy) / bw) - norm_cdf((win[1] - uy) / bw));
  int k = e->kernel == SM_KERNEL_QUARTIC ? 2 : e->kernel == SM_KERNEL_EPANECHNIKOV ? 1 : e->kernel == SM_KERNEL_TRIWEIGHT ? 3 : 0;
  return c * rect_mass(k, e->R, win[0] - ux, win[2] - ux, win[1] - uy, win[3] - uy);
}

static int kernel_ok(sm_kde_convention c, sm_kernel k) {
  switch (c) {
  case SM_KDE_ARCGIS: return k == SM_KERNEL_QUARTIC;
  case SM_KDE_QGIS_RAW:
  case SM_KDE_QGIS_SCALED: return k != SM_KERNEL_GAUSSIAN;
  case SM_KDE_SPATSTAT:
    return k == SM_KERNEL_GAUSSIAN || k == SM_KERNEL_QUARTIC || k == SM_KERNEL_EPANECHNIKOV || k == SM_KERNEL_UNIFORM;
  default: return 1;
  }
}

/* Normalising constant of a kernel with reach R (Gaussian: sigma = R / cutoff,
 * rescaled to its truncated mass unless spatstat's). */
static double kernel_const(sm_kernel k, double R, double cutoff, int rescale) {
  const double pi = 3.14159265358979323846;
  switch (k) {
  case SM_KERNEL_QUARTIC: return 3.0 / (pi * R * R);
  case SM_KERNEL_EPANECHNIKOV: return 2.0 / (pi * R * R);
  case SM_KERNEL_TRIWEIGHT: return 4.0 / (pi * R * R);
  case SM_KERNEL_TRIANGULAR: return 3.0 / (pi * R * R);
  case SM_KERNEL_UNIFORM: return 1.0 / (pi * R * R);
  default: {
    double sg = R / cutoff;
    return 1.0 / (2 * pi * sg * sg) / (rescale ? 1.0 - exp(-cutoff * cutoff / 2) : 1.0);
  }
  }
}

static double kernel_value(sm_kernel k, double d2, double R, double cutoff) {
  if (d2 > R * R) return 0;
  double t = 1.0 - d2 / (R * R);
  switch (k) {
  case SM_KERNEL_QUARTIC: return t * t;
  case SM_KERNEL_EPANECHNIKOV: return t;
  case SM_KERNEL_TRIWEIGHT: return t * t * t;
  case SM_KERNEL_TRIANGULAR: return 1.0 - sqrt(d2) / R;
  case SM_KERNEL_UNIFORM: return 1.0;
  default: return exp(-d2 * cutoff * cutoff / (2 * R * R));
  }
}

/* Abramson's square-root law (sparr's bivariate.density, adapt = TRUE): the
 * pilot density f (fixed reach Rp, integrating to 1) at every location, then
 * h_i = h0 min(f_i^-1/2, G trim) / gamma with G = gamma = the weighted
 * geometric mean of f_i^-1/2. Returns each location's reach h_i * to_reach.
 * Points are sorted by y; each pilot value sums its neighbours in that order. */
static sm_status adaptive_reach(sm_ctx *ctx, pt *p, size_t np, sm_kernel kernel, double Rp, double to_reach,
                                double cutoff, double h0, double trim, double **reach_out, double *G_out,
                                double *gamma_out, double *hmin, double *hmax) {
  double *f = sm__malloc(np * sizeof *f), *reach = sm__malloc(np * sizeof *reach);
  if (!f || !reach) {
    sm__free(f), sm__free(reach);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  double W = 0;
  for (size_t i = 0; i < np; i++) W += p[i].w;
  double c = kernel_const(kernel, Rp, cutoff, 0) / W;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(dynamic, 256)
#endif
  for (size_t i = 0; i < np; i++) {
    size_t lo = 0, hi = np;
    while (lo < hi) {
      size_t m = (lo + hi) / 2;
      if (p[m].y < p[i].y - Rp) lo = m + 1;
      else hi = m;
    }
    double sum = 0;
    for (size_t j = lo; j < np && p[j].y <= p[i].y + Rp; j++) {
      double dx = p[j].x - p[i].x, dy = p[j].y - p[i].y;
      sum += p[j].w * kernel_value(kernel, dx * dx + dy * dy, Rp, cutoff);
    }
    f[i] = c * sum; /* > 0: each location sees itself */
  }
  double lg = 0;
  for (size_t i = 0; i < np; i++) lg += p[i].w * log(1.0 / sqrt(f[i]));
  double G = exp(lg / W), gamma = G;
  *hmin = INFINITY, *hmax = 0;
  for (size_t i = 0; i < np; i++) {
    double h = h0 * fmin(1.0 / sqrt(f[i]), G * trim) / gamma;
    reach[i] = h * to_reach;
    *hmin = fmin(*hmin, h), *hmax = fmax(*hmax, h);
  }
  sm__free(f);
  *reach_out = reach;
  *G_out = G;
  *gamma_out = gamma;
  return SM_OK;
}

/* sparr's adaptive pilot (tests/golden/kde/adaptive/sparr_adaptive.txt): each
 * point is counted at its nearest pixel centre of the nx x ny grid; the pilot
 * at pixel (i, j) is sum_k kx(i - i_k) ky(j - j_k) / (Sx Sy) with k(d) =
 * exp(-(cell d / hp)^2 / 2) and S the sum of k over d = -n .. n-1 (spatstat's
 * FFT kernel, untruncated); it is scaled to integrate to 1 on the grid and
 * read at each point's pixel. G = gamma = geometric mean of pilot^-1/2; h_k =
 * h0 min(pilot_k^-1/2, trim G) / gamma; the estimate sums Gaussians of sd h_k
 * at the true coordinates. */
static sm_status adaptive_reach_sparr(sm_ctx *ctx, pt *p, size_t np, const double e[4], double cell, size_t nx,
                                      size_t ny, double hp, double h0, double trim, double cutoff, double **reach_out,
                                      double *G_out, double *gamma_out, double *hmin, double *hmax) {
  long *ix = sm__malloc(np * sizeof *ix), *iy = sm__malloc(np * sizeof *iy);
  double *kx = sm__malloc((2 * nx + 1) * sizeof *kx), *ky = sm__malloc((2 * ny + 1) * sizeof *ky);
  double *f = sm__malloc(np * sizeof *f), *reach = sm__malloc(np * sizeof *reach);
  double *cx = sm__malloc(np * sizeof *cx), *cy = sm__malloc(np * sizeof *cy);
  sm_status st = ix && iy && kx && ky && f && reach && cx && cy ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t k = 0; !st && k < np; k++) {
    ix[k] = (long)nearbyint((p[k].x - (e[0] + cell / 2)) / cell);
    iy[k] = (long)nearbyint((p[k].y - (e[1] + cell / 2)) / cell);
    if (ix[k] < 0 || iy[k] < 0 || ix[k] >= (long)nx || iy[k] >= (long)ny)
      st = sm__error(ctx, SM_E_INPUT, "a point at (%.1f, %.1f) is outside the window: sparr's adaptive pilot needs "
                     "every point inside --extent", p[k].x, p[k].y);
  }
  if (!st) {
    /* kernel tables: k[d + n] for d = -n .. n */
    for (long d = -(long)nx; d <= (long)nx; d++) {
      double z = cell * (double)d / hp;
      kx[d + (long)nx] = exp(-0.5 * z * z);
    }
    for (long d = -(long)ny; d <= (long)ny; d++) {
      double z = cell * (double)d / hp;
      ky[d + (long)ny] = exp(-0.5 * z * z);
    }
    /* the pilot's integral on the grid, per point separably */
    double total = 0;
    for (size_t l = 0; l < np; l++) {
      double rx = 0, ry = 0;
      for (long i = 0; i < (long)nx; i++) rx += kx[i - ix[l] + (long)nx];
      for (long j = 0; j < (long)ny; j++) ry += ky[j - iy[l] + (long)ny];
      total += p[l].w * rx * ry;
    }
    /* the pilot at each point's pixel: neighbours within 8 hp (beyond, below 1e-14) */
    double reach_p = 8 * hp;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(dynamic, 256)
#endif
    for (size_t k = 0; k < np; k++) {
      size_t lo = 0, hi = np;
      while (lo < hi) {
        size_t m = (lo + hi) / 2;
        if (p[m].y < p[k].y - reach_p - cell) lo = m + 1;
        else hi = m;
      }
      double sum = 0;
      for (size_t l = lo; l < np && p[l].y <= p[k].y + reach_p + cell; l++)
        sum += p[l].w * kx[ix[k] - ix[l] + (long)nx] * ky[iy[k] - iy[l] + (long)ny];
      f[k] = sum / total / (cell * cell);
    }
    double W = 0, lg = 0;
    for (size_t k = 0; k < np; k++) W += p[k].w, lg += p[k].w * log(1.0 / sqrt(f[k]));
    double G = exp(lg / W);
    *hmin = INFINITY, *hmax = 0;
    for (size_t k = 0; k < np; k++) {
      double h = h0 * fmin(1.0 / sqrt(f[k]), trim * G) / G;
      reach[k] = h * cutoff; /* Gaussian reach: cutoff x sd */
      *hmin = fmin(*hmin, h), *hmax = fmax(*hmax, h);
    }
    *G_out = G, *gamma_out = G;
  }
  sm__free(ix), sm__free(iy), sm__free(kx), sm__free(ky), sm__free(f), sm__free(cx), sm__free(cy);
  if (st) {
    sm__free(reach);
    return st;
  }
  *reach_out = reach;
  return SM_OK;
}

/* ---- sm_kde in stages ----------------------------------------------------------------
 * One estimate's state, filled in by the stages below in their order; sm_kde
 * frees what it holds (locations, adaptive reaches, and the raster on failure). */
struct sm__kde_plan {
  sm_ctx *ctx;
  const sm_points *points;
  const sm_kde_options *opts;
  sm_kde_convention conv;
  sm_kernel kernel;
  sm_kde_units units; /* resolved: never SM_KDE_UNITS_AUTO */
  sm_kde_edge edge;
  size_t n; /* the points */
  const double *X, *Y, *W;
  pt *p; /* locations: identical coordinates merged, sorted by (y, x) */
  size_t np;
  double total_w;
  double bw, sd_unit, cutoff, R, to_reach; /* bandwidth and support radius */
  int bw_is_sigma;
  const char *rule_name;
  double *pr, G, gamma_, h_min, h_max; /* adaptive: a reach per location */
  double e[4], cell;                   /* grid */
  sm_raster *r; /* the whole grid (sm_kde), or a header without cells (bands) */
  evalp ep;
  double kc; /* kernel constant at R, for the polynomial kernels' edge factors */
  int nt, discrete, nodata_beyond;
  double scale; /* the kernel's constant times the unit's scale */
  const char *unit_text;
  sm_kde_options own; /* a copy of the options for a plan (opts points here) */
  size_t masked, n_inf, n_finite; /* over the cells computed so far */
  size_t rows_done;
  sm_simd simd; /* the kernel loop's code path */
  double *xc;   /* ep.xc */
};
typedef struct sm__kde_plan kde_job;

/* Options: convention, kernel, units (AUTO resolved), study-area CRS and edge
 * correction, each checked before anything is allocated. */
static sm_status kde_check_options(kde_job *k) {
  sm_ctx *ctx = k->ctx;
  const sm_kde_options *opts = k->opts;
  sm_kde_convention conv = opts->convention;
  sm_kernel kernel = opts->kernel;
  if ((int)conv < 0 || conv >= SM_KDE_CONVENTION_END_) return sm__error(ctx, SM_E_INVALID_ARG, "unknown KDE convention %d", (int)conv);
  if ((int)kernel < 0 || kernel >= SM_KERNEL_END_) return sm__error(ctx, SM_E_INVALID_ARG, "unknown kernel %d", (int)kernel);
  if (!kernel_ok(conv, kernel))
    return sm__error(ctx, SM_E_INVALID_ARG, "the %s convention has no %s kernel (%s)", conv_names[conv], kernel_names[kernel],
                     conv == SM_KDE_ARCGIS ? "ArcGIS uses the quartic kernel only"
                     : conv == SM_KDE_SPATSTAT ? "spatstat offers gaussian, quartic, epanechnikov and disc"
                                               : "QGIS Heatmap has no Gaussian kernel");
  sm_kde_units units = opts->units;
  if ((int)units < 0 || units >= SM_KDE_UNITS_END_) return sm__error(ctx, SM_E_INVALID_ARG, "unknown units %d", (int)units);
  if (conv == SM_KDE_QGIS_RAW && units != SM_KDE_UNITS_AUTO)
    return sm__error(ctx, SM_E_INVALID_ARG, "QGIS 'Raw' values have no unit; use --convention qgis-scaled or another convention to choose units");
  if (units == SM_KDE_UNITS_AUTO)
    units = conv == SM_KDE_SPATSTAT || conv == SM_KDE_QGIS_SCALED ? SM_KDE_PER_M2 : SM_KDE_PER_KM2;

  if (opts->mask && !sm__crs_equal(ctx, sm_areas_crs(opts->mask), sm_points_crs(k->points)))
    return sm__error(ctx, SM_E_CRS, "the study area is in %s but the points in %s", sm_areas_crs(opts->mask),
                     sm_points_crs(k->points));
  sm_kde_edge edge = opts->edge;
  if ((int)edge < 0 || edge >= SM_KDE_EDGE_END_) return sm__error(ctx, SM_E_INVALID_ARG, "unknown edge correction %d", (int)edge);
  if (edge != SM_KDE_EDGE_NONE) {
    if (conv != SM_KDE_DEFAULT && conv != SM_KDE_SPATSTAT)
      return sm__error(ctx, SM_E_INVALID_ARG, "the %s convention has no edge correction", conv_names[conv]);
    if (kernel == SM_KERNEL_TRIANGULAR)
      return sm__error(ctx, SM_E_INVALID_ARG, "edge correction is not available for the triangular kernel");
    if (opts->mask)
      return sm__error(ctx, SM_E_INVALID_ARG,
                       "edge correction works over the grid's rectangle; it cannot be combined with a study-area mask");
    if (units == SM_KDE_COUNT || units == SM_KDE_PROBABILITY)
      return sm__error(ctx, SM_E_INVALID_ARG, "edge-corrected surfaces are intensities: use per-km2, per-ha or per-m2");
  }
  k->conv = conv, k->kernel = kernel, k->units = units, k->edge = edge;
  return SM_OK;
}

/* The points of weight > 0 with identical coordinates (-0 and +0 alike) merged into p, in the order of their first
 * point, each location's weight the sum of its points' weights added in the points' order: the locations and bits a
 * stable sort followed by a merge of neighbours gives, found through a hash table of the locations (a few hundred
 * thousand for police.uk's millions of points), which stays in cache where a sort of every point would not. Returns
 * the number of locations, or SIZE_MAX when out of memory. */
#define SM_XY_HASH(x, y) \
  ((sm__radix_key(x) * UINT64_C(0x9E3779B97F4A7C15) ^ sm__radix_key(y) * UINT64_C(0xC2B2AE3D27D4EB4F)) >> 20)
/* 1 if most of the first points (up to 2^16) are each their own location: geocoded addresses, not police.uk's snap
 * points. Merging in a table then costs more than it saves the sort, and the sort merges them as well. */
static int mostly_distinct(const double *X, const double *Y, const double *W, size_t n) {
  enum { SAMPLE = 1 << 16, SLOTS = 1 << 17 };
  uint32_t *slot = sm__calloc(SLOTS, sizeof *slot);
  if (!slot) return 0;
  size_t seen = 0, distinct = 0;
  for (size_t i = 0; i < n && seen < SAMPLE; i++) {
    if (!(W[i] > 0)) continue;
    seen++;
    size_t h = (size_t)SM_XY_HASH(X[i], Y[i]) & (SLOTS - 1);
    uint32_t s;
    for (; (s = slot[h]) != 0; h = (h + 1) & (SLOTS - 1))
      if (X[s - 1] == X[i] && Y[s - 1] == Y[i]) break;
    if (!s) slot[h] = (uint32_t)(i + 1), distinct++;
  }
  sm__free(slot);
  return seen >= 1024 && distinct * 4 > seen * 3;
}

/* One thread's run of points [i0, i1) in merge_equal_par: its own locations (x, y: m of them, in the order of their
 * first point) through a table of its own, and each point's number among them in lid (UINT32_MAX: weight <= 0). */
typedef struct merge_run {
  size_t i0, i1, m;
  double *x, *y, *w; /* w: the weights added in the points' order, when the run is all the points */
  uint32_t *gid;     /* m: each location's number overall */
  int oom;
} merge_run;

/* A run's locations; each point's number among them into lid, or (lid NULL: one run) the weights into r->w. */
static void merge_run_find(const double *X, const double *Y, const double *W, merge_run *r, uint32_t *lid) {
  size_t cap = (size_t)1 << 16, lcap = 4096;
  uint32_t *slot = sm__calloc(cap, sizeof *slot);
  r->x = sm__malloc(lcap * sizeof *r->x), r->y = sm__malloc(lcap * sizeof *r->y);
  r->w = lid ? NULL : sm__malloc(lcap * sizeof *r->w);
  if (!slot || !r->x || !r->y || (!lid && !r->w)) r->oom = 1;
  for (size_t i = r->i0; i < r->i1 && !r->oom; i++) {
    if (!(W[i] > 0)) {
      if (lid) lid[i] = UINT32_MAX;
      continue;
    }
    const double x = X[i], y = Y[i];
    size_t h = (size_t)SM_XY_HASH(x, y) & (cap - 1);
    uint32_t s;
    for (; (s = slot[h]) != 0; h = (h + 1) & (cap - 1))
      if (r->x[s - 1] == x && r->y[s - 1] == y) break;
    if (s) {
      if (lid) lid[i] = s - 1;
      else r->w[s - 1] += W[i];
      continue;
    }
    if (r->m == lcap) {
      double *nx = sm__realloc(r->x, 2 * lcap * sizeof *nx), *ny = nx ? sm__realloc(r->y, 2 * lcap * sizeof *ny) : NULL;
      double *nw = ny && !lid ? sm__realloc(r->w, 2 * lcap * sizeof *nw) : NULL;
      if (nx) r->x = nx;
      if (ny) r->y = ny;
      if (nw) r->w = nw;
      if (!nx || !ny || (!lid && !nw)) {
        r->oom = 1;
        break;
      }
      lcap *= 2;
    }
    if (lid) lid[i] = (uint32_t)r->m;
    else r->w[r->m] = W[i];
    r->x[r->m] = x, r->y[r->m] = y, slot[h] = (uint32_t)++r->m;
    if (2 * r->m > cap) { /* half full: twice the slots */
      uint32_t *t = sm__calloc(2 * cap, sizeof *t);
      if (!t) {
        r->oom = 1;
        break;
      }
      sm__free(slot);
      slot = t, cap *= 2;
      for (size_t j = 0; j < r->m; j++) {
        size_t g = (size_t)SM_XY_HASH(r->x[j], r->y[j]) & (cap - 1);
        while (slot[g]) g = (g + 1) & (cap - 1);
        slot[g] = (uint32_t)(j + 1);
      }
    }
  }
  sm__free(slot);
}

/* The table merge on nth threads (1 or more), with the same locations, order and bits for any nth: each thread
 * finds the locations of a run of the points (merge_run_find); the runs' locations are then numbered overall, run
 * after run (a location's place is that of its first point), and the weights added in the points' order. */
static size_t merge_equal_par(const double *X, const double *Y, const double *W, size_t n, pt *p, int nth) {
  if (nth == 1) { /* one run: its locations and weights are the answer */
    merge_run r = {0, n, 0, NULL, NULL, NULL, NULL, 0};
    merge_run_find(X, Y, W, &r, NULL);
    for (size_t k = 0; !r.oom && k < r.m; k++) p[k] = (pt){r.x[k], r.y[k], r.w[k]};
    sm__free(r.x), sm__free(r.y), sm__free(r.w);
    return r.oom ? SIZE_MAX : r.m;
  }
  uint32_t *lid = sm__malloc(n * sizeof *lid);
  merge_run *rs = sm__calloc((size_t)nth, sizeof *rs);
  uint32_t *slot = NULL;
  size_t m = 0, cap = (size_t)1 << 16;
  int oom = !lid || !rs;
  if (!oom) {
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nth) schedule(static, 1)
#endif
    for (int c = 0; c < nth; c++) {
      rs[c].i0 = n * (size_t)c / (size_t)nth, rs[c].i1 = n * ((size_t)c + 1) / (size_t)nth;
      merge_run_find(X, Y, W, &rs[c], lid);
    }
    for (int c = 0; c < nth; c++) oom |= rs[c].oom;
  }
  if (!oom) {
    size_t total = 0;
    for (int c = 0; c < nth; c++) total += rs[c].m;
    while (cap < 2 * total) cap *= 2; /* at most half full: no growing */
    slot = sm__calloc(cap, sizeof *slot);
    oom = !slot;
  }
  for (int c = 0; c < nth && !oom; c++) { /* the runs' locations numbered overall, in run order */
    merge_run *r = &rs[c];
    if (!(r->gid = sm__malloc((r->m ? r->m : 1) * sizeof *r->gid))) {
      oom = 1;
      break;
    }
    for (size_t k = 0; k < r->m; k++) {
      const double x = r->x[k], y = r->y[k];
      size_t h = (size_t)SM_XY_HASH(x, y) & (cap - 1);
      uint32_t s;
      for (; (s = slot[h]) != 0; h = (h + 1) & (cap - 1))
        if (p[s - 1].x == x && p[s - 1].y == y) break;
      if (!s) p[m] = (pt){x, y, 0}, s = slot[h] = (uint32_t)++m;
      r->gid[k] = s - 1;
    }
  }
  for (int c = 0; c < nth && !oom; c++) { /* the weights, in the points' order */
    const merge_run *r = &rs[c];
    for (size_t i = r->i0; i < r->i1; i++)
      if (lid[i] != UINT32_MAX) p[r->gid[lid[i]]].w += W[i];
  }
  for (int c = 0; rs && c < nth; c++) sm__free(rs[c].x), sm__free(rs[c].y), sm__free(rs[c].w), sm__free(rs[c].gid);
  sm__free(rs), sm__free(lid), sm__free(slot);
  return oom ? SIZE_MAX : m;
}

/* The points of weight > 0 into p, those at identical coordinates merged into the first (weights added in the
 * points' order); the number of locations (SIZE_MAX: out of memory). When most points are distinct, or there are
 * too many for the table's 32-bit indices, they are copied as they are and kde_merge_locations merges them after
 * sorting: the sort is stable, so the weights add in the same order and give the same bits. Otherwise the table
 * (merge_equal_par), on the threads when the points are many. */
static size_t merge_equal(const double *X, const double *Y, const double *W, size_t n, pt *p, int nth) {
  size_t m = 0;
  if (n >= UINT32_MAX || mostly_distinct(X, Y, W, n)) {
    for (size_t i = 0; i < n; i++)
      if (W[i] > 0) p[m++] = (pt){X[i], Y[i], W[i]};
    return m;
  }
  return merge_equal_par(X, Y, W, n, p, nth > 1 && n >= ((size_t)1 << 17) ? nth : 1);
}
#undef SM_XY_HASH

/* Locations: points of weight > 0 sorted by (y, x) for the strips, identical
 * coordinates merged (weights added); their total weight. */
static sm_status kde_merge_locations(kde_job *k) {
  size_t n = sm_points_count(k->points);
  if (n == 0) return sm__error(k->ctx, SM_E_INPUT, "no points to estimate a density from");
  const double *X = sm_points_x(k->points), *Y = sm_points_y(k->points), *W = sm_points_weight(k->points);
  k->n = n, k->X = X, k->Y = Y, k->W = W;
  char what[128];
  snprintf(what, sizeof what, "merging the coordinates of %zu points, with the points themselves,", n);
  sm_status mst = sm__memory_check(k->ctx, sm__points_bytes(k->points) + (double)n * (2.0 * sizeof(pt) + 8.0), what,
                                   "read fewer points (--from/--to, --type, --extent)");
  if (mst) return mst;
  double t0 = sm__now();
  pt *p = sm__malloc(n * sizeof *p);
  if (!p) return sm__error(k->ctx, SM_E_NOMEM, "out of memory");
  k->p = p;
  size_t np = merge_equal(X, Y, W, n, p, sm__threads(k->ctx));
  if (np == SIZE_MAX) return sm__error(k->ctx, SM_E_NOMEM, "out of memory");
  if (np && np < n) { /* police.uk's millions of points are a few hundred thousand locations: give the rest back */
    pt *q = sm__realloc(p, np * sizeof *p);
    if (q) k->p = p = q;
  }
  /* by (y, x) for the strips */
  pt *tmp = sm__malloc((np ? np : 1) * sizeof *tmp);
  if (!tmp) return sm__error(k->ctx, SM_E_NOMEM, "out of memory");
  sm__radix_sort2(p, tmp, np, sizeof *p, (long)offsetof(pt, y), (long)offsetof(pt, x), sm__threads(k->ctx));
  sm__free(tmp);
  size_t m = 0; /* (mostly distinct, or more than 4G points: merged here, among neighbours) */
  for (size_t i = 0; i < np; i++) {
    if (m && p[m - 1].x == p[i].x && p[m - 1].y == p[i].y) p[m - 1].w += p[i].w;
    else p[m++] = p[i];
  }
  np = m;
  double total_w = 0;
  for (size_t i = 0; i < np; i++) total_w += p[i].w;
  k->np = np, k->total_w = total_w;
  sm__log(k->ctx, SM_LOG_DEBUG, "%zu points merged into %zu locations in %.3f s", n, np, sm__now() - t0);
  if (np == 0) return sm__error(k->ctx, SM_E_INPUT, "every point has weight 0");
  if (!isfinite(total_w)) {
    double wmax = 0;
    for (size_t i = 0; i < np; i++) wmax = fmax(wmax, p[i].w);
    return sm__error(k->ctx, SM_E_INPUT, "the weights (--weight) add up to more than a number can hold (the largest is %g): "
                     "the density would be infinite; rescale the weight column", wmax);
  }
  return SM_OK;
}

/* ArcGIS's spatial Silverman radius (a quartic radius) on the weighted locations. */
static sm_status kde_rule_silverman(kde_job *k, double *h) {
  size_t np = k->np;
  sm_status st = SM_OK;
  double *xs = sm__malloc(np * sizeof *xs), *ys = sm__malloc(np * sizeof *ys), *ws = sm__malloc(np * sizeof *ws);
  if (!xs || !ys || !ws) st = sm__error(k->ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; !st && i < np; i++) xs[i] = k->p[i].x, ys[i] = k->p[i].y, ws[i] = k->p[i].w;
  if (!st) st = sm_kde_silverman_radius(k->ctx, xs, ys, ws, np, h);
  sm__free(xs), sm__free(ys), sm__free(ws);
  return st;
}

/* Scott's sigma on every point as read (unmerged, unweighted). */
static sm_status kde_rule_scott(kde_job *k, double *sigma) {
  size_t n = k->n;
  sm_status st = SM_OK;
  double *xs = sm__malloc(n * sizeof *xs), *ys = sm__malloc(n * sizeof *ys);
  if (!xs || !ys) st = sm__error(k->ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; !st && i < n; i++) xs[i] = k->X[i], ys[i] = k->Y[i];
  if (!st) st = scott_sigma(k->ctx, xs, ys, n, sigma);
  sm__free(xs), sm__free(ys);
  return st;
}

/* Diggle's rule or likelihood cross-validation on spatstat's window: the
 * extent, else the locations' bounding box. */
static sm_status kde_rule_window(kde_job *k, sm_bw_rule rule, double *sigma) {
  double win[4];
  if (k->opts->has_extent) memcpy(win, k->opts->extent, sizeof win);
  else {
    win[0] = win[1] = INFINITY, win[2] = win[3] = -INFINITY;
    for (size_t i = 0; i < k->np; i++)
      win[0] = fmin(win[0], k->p[i].x), win[1] = fmin(win[1], k->p[i].y), win[2] = fmax(win[2], k->p[i].x),
      win[3] = fmax(win[3], k->p[i].y);
  }
  return rule == SM_BW_DIGGLE ? bw_diggle(k->ctx, k->p, k->np, win, sigma) : bw_ppl(k->ctx, k->p, k->np, win, sigma, NULL);
}

/* Bandwidth by its rule (fixed, ArcGIS Silverman, Scott, ppl, Diggle) in the
 * convention's meaning (radius or sigma), then the support radius R. */
static sm_status kde_bandwidth(kde_job *k) {
  sm_ctx *ctx = k->ctx;
  const sm_kde_options *opts = k->opts;
  sm_kernel kernel = k->kernel;
  sm_kde_convention conv = k->conv;
  sm_status st = SM_OK;
  sm_bw_rule rule = opts->bandwidth_rule;
  if (rule == SM_BW_AUTO && opts->bandwidth_m > 0) rule = SM_BW_FIXED;
  double bw = opts->bandwidth_m, sd_unit = kernel_sd_unit(kernel);
  const char *rule_name = "fixed";
  double cutoff = opts->gaussian_cutoff > 0 ? opts->gaussian_cutoff : conv == SM_KDE_SPATSTAT ? 8.0 : 4.0;
  int bw_is_sigma = conv == SM_KDE_SPATSTAT || kernel == SM_KERNEL_GAUSSIAN;
  if (rule == SM_BW_FIXED) {
    if (!(bw > 0) || !isfinite(bw))
      return sm__error(ctx, SM_E_INVALID_ARG, "the bandwidth must be a distance > 0 in metres, not %g", bw);
  } else if (k->np == 1 && k->n > 1) {
    return sm__error(ctx, SM_E_INPUT,
                     "all %zu points are at one place: an automatic bandwidth is undefined; give --bandwidth", k->n);
  } else if (rule == SM_BW_AUTO) {
    /* a quartic radius; other kernels get the same standard deviation */
    double h = 0;
    if ((st = kde_rule_silverman(k, &h))) return st;
    double sigma = h / sqrt(8.0);
    bw = bw_is_sigma ? sigma : (kernel == SM_KERNEL_QUARTIC ? h : sigma / sd_unit);
    rule_name = "spatial Silverman (ArcGIS default radius)";
  } else if (rule == SM_BW_SCOTT) {
    double sigma = 0;
    if ((st = kde_rule_scott(k, &sigma))) return st;
    bw = bw_is_sigma ? sigma : sigma / sd_unit;
    rule_name = "Scott (isotropic)";
  } else if (rule == SM_BW_DIGGLE || rule == SM_BW_PPL) {
    double sigma = 0;
    if ((st = kde_rule_window(k, rule, &sigma))) return st;
    bw = bw_is_sigma ? sigma : sigma / sd_unit;
    rule_name = rule == SM_BW_DIGGLE ? "Diggle's MSE rule (spatstat bw.diggle)" : "likelihood cross-validation (spatstat bw.ppl)";
  } else {
    return sm__error(ctx, SM_E_INVALID_ARG, "unknown bandwidth rule %d", (int)rule);
  }
  double R;
  if (kernel == SM_KERNEL_GAUSSIAN) R = cutoff * bw;
  else R = conv == SM_KDE_SPATSTAT ? bw / sd_unit : bw;
  k->bw = bw, k->sd_unit = sd_unit, k->cutoff = cutoff, k->bw_is_sigma = bw_is_sigma, k->rule_name = rule_name;
  k->R = R;
  /* bandwidth (in the convention's meaning) -> support radius */
  k->to_reach = R / bw;
  k->h_min = bw, k->h_max = bw;
  return SM_OK;
}

/* Adaptive pilot of the default convention (Abramson's square-root law, as
 * sparr), exact at the locations before the grid: the grid then grows by the
 * widest reach. Also refuses adaptive estimates the convention has not. */
static sm_status kde_pilot_exact(kde_job *k) {
  const sm_kde_options *opts = k->opts;
  if (!opts->adaptive) return SM_OK;
  if (k->conv != SM_KDE_DEFAULT && k->conv != SM_KDE_SPATSTAT)
    return sm__error(k->ctx, SM_E_INVALID_ARG, "the %s convention has no adaptive bandwidth", conv_names[k->conv]);
  if (k->edge != SM_KDE_EDGE_NONE)
    return sm__error(k->ctx, SM_E_INVALID_ARG, "edge correction is not available with adaptive bandwidths");
  if (k->conv == SM_KDE_DEFAULT) {
    double hp = opts->pilot_bandwidth_m > 0 ? opts->pilot_bandwidth_m : k->bw;
    double trim = opts->adaptive_trim > 0 ? opts->adaptive_trim : 5.0;
    sm_status st = adaptive_reach(k->ctx, k->p, k->np, k->kernel, hp * k->to_reach, k->to_reach, k->cutoff, k->bw, trim,
                                  &k->pr, &k->G, &k->gamma_, &k->h_min, &k->h_max);
    if (st) return st;
    k->R = k->h_max * k->to_reach;
  }
  return SM_OK;
}

/* Grid extent (given, else the locations' box, grown by R except in ArcGIS
 * and spatstat), refused if every location is beyond reach; the cell size. */
static sm_status kde_grid_extent(kde_job *k) {
  sm_ctx *ctx = k->ctx;
  const sm_kde_options *opts = k->opts;
  const pt *p = k->p;
  size_t np = k->np;
  double *e = k->e, R = k->R;
  if (opts->has_extent) {
    memcpy(e, opts->extent, 4 * sizeof *e);
    if (!(e[0] < e[2] && e[1] < e[3]) || !isfinite(e[0]) || !isfinite(e[1]) || !isfinite(e[2]) || !isfinite(e[3]))
      return sm__error(ctx, SM_E_INVALID_ARG, "extent %g,%g,%g,%g is not xmin,ymin,xmax,ymax", e[0], e[1], e[2], e[3]);
  } else {
    e[0] = e[1] = INFINITY, e[2] = e[3] = -INFINITY;
    for (size_t i = 0; i < np; i++) {
      e[0] = fmin(e[0], p[i].x), e[1] = fmin(e[1], p[i].y), e[2] = fmax(e[2], p[i].x), e[3] = fmax(e[3], p[i].y);
    }
    if (k->conv != SM_KDE_ARCGIS && k->conv != SM_KDE_SPATSTAT) e[0] -= R, e[1] -= R, e[2] += R, e[3] += R;
    if (!(e[0] < e[2] && e[1] < e[3])) { /* all points on one line: a square around them */
      double half = fmax(R, 1.0);
      double cx = (e[0] + e[2]) / 2, cy = (e[1] + e[3]) / 2, hw = fmax(e[2] - e[0], e[3] - e[1]) / 2 + half;
      e[0] = cx - hw, e[2] = cx + hw, e[1] = cy - hw, e[3] = cy + hw;
    }
  }
  size_t out_of_reach = 0, outside = 0;
  for (size_t i = 0; i < np; i++) {
    int in = p[i].x >= e[0] && p[i].x <= e[2] && p[i].y >= e[1] && p[i].y <= e[3];
    outside += !in;
    out_of_reach += p[i].x < e[0] - R || p[i].x > e[2] + R || p[i].y < e[1] - R || p[i].y > e[3] + R;
  }
  if (out_of_reach == np)
    return sm__error(ctx, SM_E_INPUT,
                     "all %zu points are outside the extent %.1f,%.1f,%.1f,%.1f and beyond the kernel's reach (%.1f m): "
                     "the surface would be empty; check --extent and the CRS",
                     np, e[0], e[1], e[2], e[3], R);
  if (outside)
    sm__log(ctx, SM_LOG_DEBUG, "%zu of %zu locations are outside the grid's extent; they add to the cells within %.1f m",
            outside, np, R);
  double cell = opts->cell_m;
  if (cell == 0) cell = fmin(e[2] - e[0], e[3] - e[1]) / 250.0;
  if (!(cell > 0) || !isfinite(cell))
    return sm__error(ctx, SM_E_INVALID_ARG, "the cell size must be > 0 metres, not %g", opts->cell_m);
  k->cell = cell;
  return SM_OK;
}

/* Adaptive pilot of the spatstat convention (sparr's): on this grid's pixels,
 * Gaussian kernel only. */
static sm_status kde_pilot_sparr(kde_job *k) {
  const sm_kde_options *opts = k->opts;
  if (!opts->adaptive || k->conv != SM_KDE_SPATSTAT) return SM_OK;
  if (k->kernel != SM_KERNEL_GAUSSIAN)
    return sm__error(k->ctx, SM_E_INVALID_ARG, "the spatstat convention's adaptive estimate (sparr's) uses the gaussian kernel");
  const double *e = k->e;
  double cell = k->cell;
  double hp = opts->pilot_bandwidth_m > 0 ? opts->pilot_bandwidth_m : k->bw;
  double trim = opts->adaptive_trim > 0 ? opts->adaptive_trim : 5.0;
  size_t nx = (size_t)ceil((e[2] - e[0]) / cell - 1e-9), ny = (size_t)ceil((e[3] - e[1]) / cell - 1e-9);
  sm_status st = adaptive_reach_sparr(k->ctx, k->p, k->np, e, cell, nx ? nx : 1, ny ? ny : 1, hp, k->bw, trim, k->cutoff,
                                      &k->pr, &k->G, &k->gamma_, &k->h_min, &k->h_max);
  if (st) return st;
  k->R = k->h_max * k->to_reach;
  return SM_OK;
}

/* The grid's size (the reach against the cell) and the evaluation's parameters. */
static sm_status kde_grid_size(kde_job *k) {
  sm_ctx *ctx = k->ctx;
  const double *e = k->e;
  double R = k->R, cell = k->cell;
  if (k->pr && k->h_min * k->to_reach < cell)
    sm__log(ctx, SM_LOG_WARNING, "the smallest adaptive bandwidth reaches %.3g m, less than a cell (%.3g m)",
            k->h_min * k->to_reach, cell);
  if (!k->pr && R < cell)
    return sm__error(ctx, SM_E_INVALID_ARG,
                     "the kernel reaches %.3g m, less than a cell (%.3g m): the surface would be isolated spikes; "
                     "use a larger --bandwidth or a smaller --cell",
                     R, cell);
  double fw = ceil((e[2] - e[0]) / cell - 1e-9), fh = ceil((e[3] - e[1]) / cell - 1e-9);
  if (k->conv == SM_KDE_QGIS_RAW || k->conv == SM_KDE_QGIS_SCALED) fw += 1, fh += 1;
  if (fw < 1) fw = 1;
  if (fh < 1) fh = 1;
  if (!(fw <= INT32_MAX && fh <= INT32_MAX && fw * fh <= 9e15))
    return sm__error(ctx, SM_E_INVALID_ARG, "a %.0f x %.0f grid is more than a raster file can hold (2^31 - 1 cells a side): "
                     "use a larger --cell or a smaller --extent", fw, fh);
  double bw = k->bw, cutoff = k->cutoff;
  k->ep = (evalp){k->kernel, R, R * R, 1.0 / (R * R), 1.0 / (2 * bw * bw), cutoff * cutoff / 2, e[0], e[3], cell, (size_t)fw, (size_t)fh,
                  NULL};
  if (!(k->xc = sm__malloc((size_t)fw * sizeof *k->xc))) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < (size_t)fw; i++) k->xc[i] = e[0] + ((double)i + 0.5) * cell;
  k->ep.xc = k->xc;
  return SM_OK;
}

/* The whole grid in memory: at most max_cells cells (or the ctx's limit of cells). */
static sm_status kde_grid_raster(kde_job *k) {
  double fw = (double)k->ep.w, fh = (double)k->ep.h;
  char what[96];
  snprintf(what, sizeof what, "a %.0f x %.0f grid", fw, fh);
  sm_status lst = sm__limit_check_at(k->ctx, SM_LIMIT_CELLS, k->opts->max_cells, fw * fh, fw * fh * 8, what,
                                     "use a larger --cell or a smaller --extent");
  if (lst) return lst;
  return sm_raster_create(k->ctx, &k->r, k->ep.w, k->ep.h, k->e[0], k->e[3], k->cell, sm_points_crs(k->points));
}

/* Location weights for the evaluation: Jones-Diggle's 1 / e(x_i); in the
 * default convention's counts and shares each location's discrete mass on
 * the lattice; adaptive, each location's own kernel constant. */
static sm_status kde_location_weights(kde_job *k) {
  sm_ctx *ctx = k->ctx;
  pt *p = k->p;
  size_t np = k->np;
  const evalp *ep = &k->ep;
  const double *e = k->e;
  double bw = k->bw;
  /* Kernel constant (integrates to 1), for the polynomial kernels' edge
   * factors (the Gaussian's is closed form and does not use it). */
  double kc = k->kc = kernel_const(k->kernel, k->R, k->cutoff, 0);
  /* Jones-Diggle: each point weighs 1 / e(point). */
  if (k->edge == SM_KDE_EDGE_DIGGLE) {
    double win[4] = {e[0], e[1], e[2], e[3]};
    int bad = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static) reduction(| : bad)
#endif
    for (size_t i = 0; i < np; i++) {
      double f = edge_factor(ep, kc, bw, win, p[i].x, p[i].y);
      if (f > 0) p[i].w /= f;
      else bad = 1;
    }
    if (bad)
      return sm__error(ctx, SM_E_INPUT, "a point lies outside the window: Diggle's edge correction needs every point inside the extent");
  }

  /* Counts and shares in the default convention conserve mass exactly: each
   * location is scaled by its discrete mass on the lattice, so its cells sum
   * to its weight (the exact constant leaves the midpoint-rule error: 1e-4
   * for the disc). */
  k->discrete = k->conv == SM_KDE_DEFAULT && !k->pr && (k->units == SM_KDE_COUNT || k->units == SM_KDE_PROBABILITY);
  if (k->discrete) {
    int bad = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static) reduction(| : bad)
#endif
    for (size_t i = 0; i < np; i++) {
      double sum = lattice_sum(ep, p[i].x, p[i].y);
      if (sum > 0) p[i].w /= sum;
      else bad = 1;
    }
    if (bad) return sm__error(ctx, SM_E_INVALID_ARG, "the kernel covers no cell centre at some points: use a larger --bandwidth");
  }

  /* Adaptive: each location carries its own kernel constant. */
  if (k->pr)
    for (size_t i = 0; i < np; i++) p[i].w *= kernel_const(k->kernel, k->pr[i], k->cutoff, k->conv != SM_KDE_SPATSTAT);
  return SM_OK;
}

/* Kernel sums (shapes without the constant) of rows [r0, r1) into v (which holds rows from r0 on), in strips of
 * 16 rows, in rounds between progress checks (the fraction of the whole grid's rows). */
static sm_status kde_kernel_sums(kde_job *k, size_t r0, size_t r1, double *v) {
  sm_ctx *ctx = k->ctx;
  const evalp *ep = &k->ep;
  const pt *p = k->p;
  const double *pr = k->pr;
  size_t np = k->np;
  sm_status st = SM_OK;
  int nt = k->nt = sm__threads(ctx);
  const eval_strip_fn ev = eval_strip_for(k->simd);
  size_t rows_per = 16, nstrips = (r1 - r0 + rows_per - 1) / rows_per;
  size_t per_round = (size_t)nt * 8;
  double t0 = sm__now();
  for (size_t s0 = 0; s0 < nstrips && !st; s0 += per_round) {
    size_t s1 = s0 + per_round < nstrips ? s0 + per_round : nstrips;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
#endif
    for (size_t s = s0; s < s1; s++) {
      size_t a = r0 + s * rows_per, b = a + rows_per < r1 ? a + rows_per : r1;
      ev(ep, p, np, a, b, v, r0, pr);
    }
    size_t done = k->rows_done + (s1 * rows_per < r1 - r0 ? s1 * rows_per : r1 - r0);
    st = sm__progress(ctx, (double)done / (double)ep->h, "kernel density");
  }
  k->rows_done += r1 - r0;
  sm__log(ctx, SM_LOG_DEBUG, "kernel sums on %zu x %zu cells (rows %zu to %zu) from %zu locations in %.3f s (%s)",
          ep->w, r1 - r0, r0, r1 - 1, np, sm__now() - t0, sm__simd_name(k->simd));
  return st;
}

/* Units: the kernel's constant in the convention times the unit's scale
 * (per km², per ha, per m², count, share), the unit's text; cells beyond
 * every point's reach nodata in ArcGIS and QGIS. */
static void kde_units_prepare(kde_job *k) {
  sm_kernel kernel = k->kernel;
  sm_kde_convention conv = k->conv;
  double R = k->R, bw = k->bw, cutoff = k->cutoff, cell = k->cell;
  int discrete = k->discrete;
  sm_kde_units units = k->units;
  double c;
  double pi = 3.14159265358979323846;
  switch (kernel) {
  case SM_KERNEL_QUARTIC: c = conv == SM_KDE_QGIS_SCALED ? 116.0 / (5.0 * pi * R * R) * 15.0 / 16.0 : 3.0 / (pi * R * R); break;
  case SM_KERNEL_EPANECHNIKOV: c = 2.0 / (pi * R * R); break;
  case SM_KERNEL_TRIWEIGHT: c = 4.0 / (pi * R * R); break;
  case SM_KERNEL_TRIANGULAR: c = 3.0 / (pi * R * R); break;
  case SM_KERNEL_UNIFORM: c = 1.0 / (pi * R * R); break;
  default: /* spatstat cuts at 8 sigma and does not rescale (docs/methods.md §4.1) */
    c = 1.0 / (2 * pi * bw * bw) / (conv == SM_KDE_SPATSTAT ? 1.0 : 1.0 - exp(-cutoff * cutoff / 2));
    break;
  }
  if (conv == SM_KDE_QGIS_RAW || discrete || k->pr) c = 1.0;
  double scale = 1.0;
  const char *unit_text = "points per square metre";
  switch (units) {
  case SM_KDE_PER_KM2: scale = 1e6, unit_text = "points per square kilometre"; break;
  case SM_KDE_PER_HA: scale = 1e4, unit_text = "points per hectare"; break;
  case SM_KDE_PER_M2: scale = 1, unit_text = "points per square metre"; break;
  case SM_KDE_COUNT: scale = discrete ? 1.0 : cell * cell, unit_text = "expected points in the cell"; break;
  case SM_KDE_PROBABILITY: scale = (discrete ? 1.0 : cell * cell) / k->total_w, unit_text = "share of all points in the cell"; break;
  default: break;
  }
  if (conv == SM_KDE_QGIS_RAW) scale = 1, unit_text = "QGIS raw: sum of weight x (1 - u^2)^k, no unit";
  if (sm_points_weight(k->points)) {
    int weighted = 0;
    for (size_t i = 0; i < k->n && !weighted; i++) weighted = k->W[i] != 1.0;
    if (weighted && strncmp(unit_text, "points", 6) == 0) unit_text = units == SM_KDE_PER_KM2 ? "weight per square kilometre"
                                                                   : units == SM_KDE_PER_HA ? "weight per hectare"
                                                                                            : "weight per square metre";
  }
  k->nodata_beyond = conv == SM_KDE_ARCGIS || conv == SM_KDE_QGIS_RAW || conv == SM_KDE_QGIS_SCALED;
  k->scale = c * scale;
  k->unit_text = unit_text;
}

/* The units on n cells of kernel sums. */
static void kde_units_apply(const kde_job *k, double *v, size_t n) {
  int nodata_beyond = k->nodata_beyond, nt = n >= ((size_t)1 << 16) ? k->nt : 1;
  double kk = k->scale;
  (void)nt;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
  for (size_t i = 0; i < n; i++) v[i] = (nodata_beyond && v[i] == 0) ? NAN : v[i] * kk;
}

/* Uniform edge correction (value / e(u) at each cell centre), then the study
 * area: cells whose centre lies in no area are nodata. */
static void kde_edge_and_mask(kde_job *k, size_t r0, size_t r1, double *v) {
  const evalp *ep = &k->ep;
  double cell = k->cell;
  int nt = k->nt;
  if (k->edge == SM_KDE_EDGE_UNIFORM) {
    const double *e = k->e;
    double win[4] = {e[0], e[1], e[2], e[3]};
    double kc = k->kc, bw = k->bw;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
    for (size_t j = r0; j < r1; j++)
      for (size_t i = 0; i < ep->w; i++) {
        double f = edge_factor(ep, kc, bw, win, ep->x_min + ((double)i + 0.5) * cell, ep->y_max - ((double)j + 0.5) * cell);
        if (f > 0) v[(j - r0) * ep->w + i] /= f;
      }
  }
  size_t masked = 0;
  if (k->opts->mask) {
    const sm_areas *mask = k->opts->mask;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) reduction(+ : masked)
#endif
    for (size_t j = r0; j < r1; j++)
      for (size_t i = 0; i < ep->w; i++) {
        double cx = ep->x_min + ((double)i + 0.5) * cell, cy = ep->y_max - ((double)j + 0.5) * cell;
        if (sm__areas_locate_xy(mask, cx, cy) < 0) {
          v[(j - r0) * ep->w + i] = NAN;
          masked++;
        }
      }
  }
  k->masked += masked;
}

/* Points outside the grid still reach into it; count them for the record. */
static size_t kde_count_outside(const kde_job *k) {
  size_t outside = 0;
  for (size_t i = 0; i < k->np; i++)
    if (k->p[i].x < k->e[0] || k->p[i].x > k->e[2] || k->p[i].y < k->e[1] || k->p[i].y > k->e[3]) outside++;
  return outside;
}

/* Metadata: how the surface was made, on the raster. */
static sm_status kde_metadata(kde_job *k) {
  const sm_kde_options *opts = k->opts;
  sm_kde_convention conv = k->conv;
  sm_kernel kernel = k->kernel;
  const double *e = k->e;
  double cell = k->cell;
  sm_status st = SM_OK;
  char buf[128];
  struct {
    const char *k;
    char v[128];
  } md[20];
  int nm = 0;
#define MD(key, ...) (snprintf(md[nm].v, sizeof md[nm].v, __VA_ARGS__), md[nm++].k = (key))
  MD("method", "kernel density estimation");
  MD("convention", "%s", conv_names[conv]);
  MD("kernel", "%s", kernel_names[kernel]);
  MD("bandwidth_m", "%.6f", k->bw);
  MD("bandwidth_meaning", "%s", k->bw_is_sigma ? "standard deviation of the kernel" : "search radius");
  MD("bandwidth_rule", "%s", k->rule_name);
  MD("support_radius_m", "%.6f", k->R);
  MD("units", "%s", k->unit_text);
  MD("cell_m", "%.6f", cell);
  MD("grid", "%zu x %zu cells from (%.3f, %.3f) to (%.3f, %.3f); values at cell centres", k->ep.w, k->ep.h, e[0], e[3] - cell * (double)k->ep.h,
     e[0] + cell * (double)k->ep.w, e[3]);
  MD("points", "%zu", k->n);
  MD("locations", "%zu (identical coordinates merged)", k->np);
  MD("total_weight", "%.6f", k->total_w);
  MD("outside_cells", "%s", k->nodata_beyond ? "nodata beyond every point's reach" : "0 beyond every point's reach");
  if (kernel == SM_KERNEL_GAUSSIAN)
    MD("gaussian_cutoff_sd", "%.3f%s", k->cutoff, conv == SM_KDE_SPATSTAT ? " (as spatstat, not rescaled)" : " (kernel rescaled to integrate to 1)");
  if (k->pr)
    MD("adaptive", "Abramson square-root law: h_i = h0 min(f^-1/2, G trim) / G, G = %.6g, trim %.3g; h from %.3f to %.3f m",
       k->G, opts->adaptive_trim > 0 ? opts->adaptive_trim : 5.0, k->h_min, k->h_max);
  if (k->edge != SM_KDE_EDGE_NONE)
    MD("edge_correction", "%s over the grid's rectangle", k->edge == SM_KDE_EDGE_UNIFORM ? "uniform (value / e(u))" : "Jones-Diggle (weights 1 / e(x_i))");
  if (opts->mask) MD("mask", "%zu cells outside the study area set to nodata", k->masked);
  if (k->discrete) MD("normalisation", "each location scaled by its discrete mass on the grid: cells sum exactly to the weight");
  if (conv == SM_KDE_QGIS_SCALED && kernel == SM_KERNEL_QUARTIC)
    MD("note", "reproduces QGIS's quartic 'Scaled' constant 116/(5 pi r^2) x 15/16, 7.25 times too large");
#undef MD
  for (int i = 0; i < nm && !st; i++) st = sm_raster_set_metadata(k->ctx, k->r, md[i].k, md[i].v);
  snprintf(buf, sizeof buf, "%s", sm_version_string());
  if (!st) st = sm_raster_set_metadata(k->ctx, k->r, "safemap_version", buf);
  if (!st) st = sm_raster_set_metadata(k->ctx, k->r, "description", "kernel density");
  return st;
}

/* Counts the infinite and the valid cells of n computed cells. */
static void kde_count_cells(kde_job *k, const double *v, size_t n) {
  size_t inf = 0, finite = 0;
  int nt = n >= ((size_t)1 << 16) ? k->nt : 1;
  (void)nt;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) reduction(+ : inf, finite)
#endif
  for (size_t i = 0; i < n; i++) inf += isinf(v[i]) != 0, finite += isfinite(v[i]) != 0;
  k->n_inf += inf, k->n_finite += finite;
}

/* A surface is written only when its values are numbers: an infinite cell (weights so large that a cell's sum or its
 * scaling overflows) or no cell with a value at all is an error, never a file of inf or NaN. */
static sm_status kde_check_finite(kde_job *k) {
  size_t C = k->ep.w * k->ep.h;
  if (k->n_inf)
    return sm__error(k->ctx, SM_E_INPUT, "%zu of the %zu cells of the density are infinite (the weights, --weight, are too large "
                     "for their sum in a cell): rescale the weight column", k->n_inf, C);
  if (!k->n_finite) return sm__error(k->ctx, SM_E_INPUT, "no cell of the density has a value (every cell is outside the mask)");
  return SM_OK;
}

/* Rows [r0, r1) of the surface into v: kernel sums, units, edge correction and mask, then the cells counted. */
static sm_status kde_rows(kde_job *k, size_t r0, size_t r1, double *v) {
  sm_status st = kde_kernel_sums(k, r0, r1, v);
  if (st) return st;
  size_t n = (r1 - r0) * k->ep.w;
  kde_units_apply(k, v, n);
  kde_edge_and_mask(k, r0, r1, v);
  kde_count_cells(k, v, n);
  return SM_OK;
}

/* The whole grid into v: with the ranks of an MPI run, each computes a block of rows (the same arithmetic, cell by
 * cell, as one process computing them all), then every rank receives every block and the cell counts are summed.
 * The progress of rank 0's block stands for the whole (the blocks are the same size). */
static sm_status kde_rows_shared(kde_job *k, double *v) {
  sm_ctx *ctx = k->ctx;
  size_t w = k->ep.w, h = k->ep.h, lo = 0, hi = h;
  int ranks = sm__ranks(ctx);
  if (ranks <= 1) return kde_rows(k, 0, h, v);
  sm__mpi_block(h, sm__rank(ctx), ranks, &lo, &hi);
  double saved[2];
  sm__progress_push(ctx, 0, hi > lo ? (double)h / (double)(hi - lo) : 1, saved);
  sm_status st = hi > lo ? kde_rows(k, lo, hi, v + lo * w) : SM_OK;
  sm__progress_pop(ctx, saved);
  st = sm__mpi_agree(ctx, st);
  if (!st) st = sm__mpi_share(ctx, v, h, w * sizeof *v);
  return st ? st : sm__kde_plan_sum_counts(k);
}

/* Every stage before the kernel sums (the grid's size known, no cell allocated). */
static sm_status kde_prepare(kde_job *k) {
  sm_status st = kde_check_options(k);
  if (!st) st = sm__simd_choose(k->ctx, &k->simd);
  if (!st) st = kde_merge_locations(k);
  if (!st) st = kde_bandwidth(k);
  if (!st) st = kde_pilot_exact(k);
  if (!st) st = kde_grid_extent(k);
  if (!st) st = kde_pilot_sparr(k);
  if (!st) st = kde_grid_size(k);
  if (!st) st = kde_location_weights(k);
  if (!st) kde_units_prepare(k);
  return st;
}

static void kde_fill_info(const kde_job *k, sm_kde_info *info) {
  if (!info) return;
  info->bandwidth_m = k->bw, info->radius_m = k->R, info->rule = k->rule_name, info->cell_m = k->cell;
  info->width = k->ep.w, info->height = k->ep.h, info->n_points = k->n, info->n_locations = k->np;
  info->n_outside = kde_count_outside(k);
  info->total_weight = k->total_w;
}

sm_status sm_kde(sm_ctx *ctx, sm_raster **out, const sm_points *points, const sm_kde_options *opts, sm_kde_info *info) {
  if (!out || !points) return sm__error(ctx, SM_E_INVALID_ARG, "sm_kde: NULL argument");
  *out = NULL;
  sm_kde_options d = SM_KDE_OPTIONS_INIT;
  if (!opts) opts = &d;
  if (opts->version != SM_KDE_OPTIONS_VERSION)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_kde_options version %d is not %d", opts->version, SM_KDE_OPTIONS_VERSION);
  sm__kde_plan *k = NULL;
  sm_status st = sm__kde_plan_create(ctx, points, opts, &k);
  if (!st) st = sm__kde_plan_whole(k, out, info);
  sm__kde_plan_destroy(k);
  return st;
}

/* ---- the same surface by bands (internal/bands.h) ----------------------------------------------------------------- */
sm_status sm__kde_plan_create(sm_ctx *ctx, const sm_points *points, const sm_kde_options *opts, sm__kde_plan **out) {
  *out = NULL;
  if (!points || !opts) return sm__error(ctx, SM_E_INVALID_ARG, "sm__kde_plan_create: NULL argument");
  if (opts->version != SM_KDE_OPTIONS_VERSION)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_kde_options version %d is not %d", opts->version, SM_KDE_OPTIONS_VERSION);
  kde_job *k = sm__calloc(1, sizeof *k);
  if (!k) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  k->ctx = ctx, k->points = points, k->own = *opts, k->opts = &k->own;
  sm_status st = kde_prepare(k);
  if (!st) st = sm__raster_create_header(ctx, &k->r, k->ep.w, k->ep.h, k->e[0], k->e[3], k->cell, sm_points_crs(points));
  if (!st) st = kde_metadata(k); /* the mask's count is set again at the end */
  if (st) {
    sm__kde_plan_destroy(k);
    return st;
  }
  *out = k;
  return SM_OK;
}

sm_status sm__kde_plan_whole(sm__kde_plan *k, sm_raster **out, sm_kde_info *info) {
  *out = NULL;
  sm_raster *header = k->r;
  k->r = NULL;
  sm_status st = kde_grid_raster(k);
  if (st) {
    k->r = header;
    return st;
  }
  sm_raster_destroy(header);
  st = kde_rows_shared(k, sm_raster_data(k->r));
  if (!st) st = sm__kde_plan_finish(k, info);
  if (st) return st;
  *out = k->r;
  k->r = NULL;
  return sm__progress(k->ctx, 1.0, "kernel density");
}

sm_raster *sm__kde_plan_header(sm__kde_plan *k) { return k->r; }

double sm__kde_plan_radius(const sm__kde_plan *k) { return k->R; }

double sm__kde_plan_bytes(const sm__kde_plan *k) {
  return (double)k->np * (double)(sizeof(pt) + (k->pr ? sizeof(double) : 0));
}

sm_status sm__kde_plan_band(sm__kde_plan *k, size_t r0, size_t r1, double *band) {
  if (!(r0 < r1 && r1 <= k->ep.h)) return sm__error(k->ctx, SM_E_INVALID_ARG, "rows %zu to %zu are not in the grid", r0, r1);
  memset(band, 0, (r1 - r0) * k->ep.w * sizeof *band);
  return kde_rows(k, r0, r1, band);
}

sm_status sm__kde_plan_sum_counts(sm__kde_plan *k) {
  size_t c[3] = {k->masked, k->n_inf, k->n_finite};
  sm_status st = sm__mpi_sum(k->ctx, c, 3);
  if (!st) k->masked = c[0], k->n_inf = c[1], k->n_finite = c[2];
  return st;
}

sm_status sm__kde_plan_finish(sm__kde_plan *k, sm_kde_info *info) {
  sm_status st = kde_metadata(k);
  if (!st) st = kde_check_finite(k);
  if (!st) kde_fill_info(k, info);
  return st;
}

void sm__kde_plan_destroy(sm__kde_plan *k) {
  if (!k) return;
  sm__free(k->p);
  sm__free(k->pr);
  sm__free(k->xc);
  sm_raster_destroy(k->r);
  sm__free(k);
}

/* A dual surface must say something: infinite cells (a ratio that overflows) or no cell with a value (the sets'
 * densities never overlap) are errors; a ratio that is the same wherever it has a value is written with a warning. */
static sm_status dual_check_values(sm_ctx *ctx, sm_raster *r, const double *v, size_t nc, sm_kde_dual_op op) {
  size_t inf = 0, finite = 0, same = 0;
  double first = NAN;
  for (size_t i = 0; i < nc; i++) {
    if (isinf(v[i])) inf++;
    if (!isfinite(v[i])) continue;
    if (!finite++) first = v[i];
    same += v[i] == first;
  }
  if (inf)
    return sm__error(ctx, SM_E_INPUT, "%zu cells of the dual surface are infinite (the two densities differ by more than a "
                     "number can hold): use --epsilon E > 0 or rescale the weights", inf);
  if (!finite)
    return sm__error(ctx, SM_E_INPUT, "no cell of the dual surface has a value: the two sets' densities do not overlap "
                     "anywhere; use --epsilon E > 0 or a larger --bandwidth");
  if (op != SM_KDE_DIFFERENCE && same == finite)
    return sm__raster_warn(ctx, r, "the %s is %g wherever it has a value (%zu of %zu cells): the two sets' densities hardly "
                           "overlap; use --epsilon E > 0 or a larger --bandwidth", op == SM_KDE_RATIO ? "ratio" : "log ratio",
                           first, finite, nc);
  return SM_OK;
}

/* ---- dual surfaces ------------------------------------------------------------------ */
sm_status sm_kde_dual(sm_ctx *ctx, sm_raster **out, const sm_points *a, const sm_points *b, const sm_kde_options *opts,
                      sm_kde_dual_op op, int normalise, double epsilon, sm_kde_info *info) {
  if (!out || !a || !b) return sm__error(ctx, SM_E_INVALID_ARG, "sm_kde_dual: NULL argument");
  *out = NULL;
  sm_kde_options o = SM_KDE_OPTIONS_INIT;
  if (opts) o = *opts;
  if ((int)op < 0 || op >= SM_KDE_DUAL_END_) return sm__error(ctx, SM_E_INVALID_ARG, "unknown dual operation %d", (int)op);
  if (o.convention == SM_KDE_QGIS_RAW || o.convention == SM_KDE_QGIS_SCALED)
    return sm__error(ctx, SM_E_INVALID_ARG, "dual surfaces need one grid for both sets; the QGIS conventions grow the grid from each set");
  if (!(epsilon >= 0)) return sm__error(ctx, SM_E_INVALID_ARG, "the ratio regulariser must be >= 0, not %g", epsilon);
  if (!sm__crs_equal(ctx, sm_points_crs(a), sm_points_crs(b)))
    return sm__error(ctx, SM_E_CRS, "the two point sets are in different CRSs (%s, %s)", sm_points_crs(a), sm_points_crs(b));
  size_t na = sm_points_count(a), nb = sm_points_count(b);
  if (na == 0 || nb == 0)
    return sm__error(ctx, SM_E_INPUT, "the %s point set is empty: nothing to compare", na == 0 ? "first" : "second");
  /* Pooled points decide the grid and the bandwidth. */
  double *x = sm__malloc((na + nb) * sizeof *x), *y = sm__malloc((na + nb) * sizeof *y),
         *w = sm__malloc((na + nb) * sizeof *w);
  sm_status st = x && y && w ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) {
    memcpy(x, sm_points_x(a), na * sizeof *x), memcpy(x + na, sm_points_x(b), nb * sizeof *x);
    memcpy(y, sm_points_y(a), na * sizeof *y), memcpy(y + na, sm_points_y(b), nb * sizeof *y);
    memcpy(w, sm_points_weight(a), na * sizeof *w), memcpy(w + na, sm_points_weight(b), nb * sizeof *w);
  }
  sm_points *pool = NULL;
  sm_raster *rp = NULL, *ra = NULL, *rb = NULL;
  sm_kde_info ip, ia, ib;
  if (!st) st = sm_points_create(ctx, &pool, sm_points_crs(a), na + nb, x, y, NULL, w);
  sm__free(x), sm__free(y), sm__free(w);
  if (!st) st = sm_kde(ctx, &rp, pool, &o, &ip);
  sm_points_destroy(pool);
  if (!st) {
    double gt[6];
    sm_raster_geotransform(rp, gt);
    o.bandwidth_rule = SM_BW_FIXED;
    o.bandwidth_m = ip.bandwidth_m;
    o.cell_m = ip.cell_m;
    o.has_extent = 1;
    o.extent[0] = gt[0], o.extent[3] = gt[3];
    o.extent[2] = gt[0] + (double)ip.width * ip.cell_m;
    o.extent[1] = gt[3] - (double)ip.height * ip.cell_m;
    sm_raster_destroy(rp);
    rp = NULL;
    st = sm_kde(ctx, &ra, a, &o, &ia);
  }
  if (!st) st = sm_kde(ctx, &rb, b, &o, &ib);
  if (!st && (sm_raster_width(ra) != sm_raster_width(rb) || sm_raster_height(ra) != sm_raster_height(rb)))
    st = sm__error(ctx, SM_E_INTERNAL, "dual surfaces on different grids");
  if (!st) {
    size_t nc = sm_raster_width(ra) * sm_raster_height(ra);
    double *va = sm_raster_data(ra);
    const double *vb = sm_raster_values(rb);
    double sa = normalise ? 1.0 / ia.total_weight : 1.0, sb = normalise ? 1.0 / ib.total_weight : 1.0, maxb = 0;
    for (size_t i = 0; i < nc; i++)
      if (!isnan(vb[i])) maxb = fmax(maxb, vb[i] * sb);
    double add = epsilon * maxb;
    for (size_t i = 0; i < nc; i++) {
      double A = va[i] * sa, B = vb[i] * sb;
      /* subnormal values (the kernels' rims) carry no precision: they are 0 */
      if (fabs(A) < DBL_MIN) A = 0;
      if (fabs(B) < DBL_MIN) B = 0;
      if (isnan(A) || isnan(B)) {
        va[i] = NAN;
        continue;
      }
      if (op == SM_KDE_DIFFERENCE) va[i] = A - B;
      else if (B + add > 0 && A + add > 0) va[i] = op == SM_KDE_RATIO ? (A + add) / (B + add) : log((A + add) / (B + add));
      else if (B + add > 0) va[i] = op == SM_KDE_RATIO ? 0 : NAN; /* ratio 0: log undefined */
      else va[i] = NAN;
    }
    st = dual_check_values(ctx, ra, va, nc, op);
    char buf[160];
    const char *opn = op == SM_KDE_DIFFERENCE ? "difference A - B" : op == SM_KDE_RATIO ? "ratio A / B" : "log ratio ln(A / B)";
    if (!st) st = sm_raster_set_metadata(ctx, ra, "dual", opn);
    snprintf(buf, sizeof buf, "%zu points (weight %.6g)", ia.n_points, ia.total_weight);
    if (!st) st = sm_raster_set_metadata(ctx, ra, "set_a", buf);
    snprintf(buf, sizeof buf, "%zu points (weight %.6g)", ib.n_points, ib.total_weight);
    if (!st) st = sm_raster_set_metadata(ctx, ra, "set_b", buf);
    snprintf(buf, sizeof buf, "%s; bandwidth chosen on both sets pooled", ip.rule);
    if (!st) st = sm_raster_set_metadata(ctx, ra, "bandwidth_rule", buf);
    if (!st && normalise) st = sm_raster_set_metadata(ctx, ra, "normalised", "each surface divided by its total weight (relative risk)");
    if (!st && op != SM_KDE_DIFFERENCE) {
      snprintf(buf, sizeof buf, "%g x max(B) added to both", epsilon);
      st = sm_raster_set_metadata(ctx, ra, "ratio_regulariser", buf);
    }
    if (!st && op != SM_KDE_DIFFERENCE) st = sm_raster_set_metadata(ctx, ra, "units", op == SM_KDE_RATIO ? "ratio" : "natural log of the ratio");
    if (!st && op == SM_KDE_DIFFERENCE && normalise) {
      const char *u = sm_raster_metadata_get(ra, "units");
      snprintf(buf, sizeof buf, "share of each set's weight: %s", u ? u : "");
      st = sm_raster_set_metadata(ctx, ra, "units", buf);
    }
    if (!st) st = sm_raster_set_metadata(ctx, ra, "description", "dual kernel density");
  }
  sm_raster_destroy(rp);
  sm_raster_destroy(rb);
  if (st) {
    sm_raster_destroy(ra);
    return st;
  }
  if (info) {
    *info = ia;
    info->n_points = ia.n_points + ib.n_points;
    info->n_locations = ip.n_locations;
    info->total_weight = ia.total_weight + ib.total_weight;
  }
  *out = ra;
  return SM_OK;
}
