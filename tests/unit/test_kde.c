/* kde: kernels, conventions, bandwidth rules, grids, determinism, bad input */
#include "testutil.h"

#include <math.h>
#include <ogr_api.h>
#include <stdlib.h>

#include "internal/simd.h"

TU_CTX_FIXTURE

static sm_points *pts(size_t n, const double *x, const double *y, const double *w) {
  sm_points *p = NULL;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", n, x, y, NULL, w));
  return p;
}

static double rsum(const sm_raster *r) {
  sm_raster_stats s;
  sm_raster_stats_compute(r, &s);
  return s.sum;
}

/* docs/methods.md §1.1 worked value. */
static void silverman_vector(void **state) {
  (void)state;
  double x[] = {1000, -1000, 0, 0}, y[] = {0, 0, 1000, -1000}, h = 0;
  assert_ok(ctx, sm_kde_silverman_radius(ctx, x, y, NULL, 4, &h));
  if (fabs(h - 682.0725) > 5e-5) fail_msg("radius %.6f, want 682.0725", h);
  /* the same through sm_kde's automatic rule */
  double xs[4], ys[4];
  for (int i = 0; i < 4; i++) xs[i] = x[i] + 529000, ys[i] = y[i] + 183000;
  sm_points *p = pts(4, xs, ys, NULL);
  sm_raster *r;
  sm_kde_info info;
  sm_kde_options o = SM_KDE_OPTIONS_INIT;
  o.cell_m = 50;
  assert_ok(ctx, sm_kde(ctx, &r, p, &o, &info));
  assert_true(fabs(info.bandwidth_m - 682.0725) < 5e-5);
  assert_contains(sm_raster_metadata_get(r, "bandwidth_rule"), "Silverman");
  sm_raster_destroy(r);
  sm_points_destroy(p);
}

/* ArcGIS convention = the closed-form quartic, per km², at cell centres. */
static void arcgis_closed_form(void **state) {
  (void)state;
  double x[] = {529010.0, 529400.0}, y[] = {183020.0, 183300.0}, w[] = {1, 3};
  sm_points *p = pts(2, x, y, w);
  sm_kde_options o = SM_KDE_OPTIONS_INIT;
  o.convention = SM_KDE_ARCGIS;
  o.bandwidth_m = 300;
  o.cell_m = 10;
  sm_raster *r;
  assert_ok(ctx, sm_kde(ctx, &r, p, &o, NULL));
  double gt[6];
  sm_raster_geotransform(r, gt);
  /* ArcGIS grid: the points' extent, shorter side / 250 unless given */
  assert_true(gt[0] == 529010.0 && gt[3] == 183300.0);
  assert_int_equal(sm_raster_width(r), 39);
  assert_int_equal(sm_raster_height(r), 28);
  const double *v = sm_raster_values(r);
  double worst = 0;
  for (size_t j = 0; j < sm_raster_height(r); j++)
    for (size_t i = 0; i < sm_raster_width(r); i++) {
      double cx = gt[0] + (i + 0.5) * gt[1], cy = gt[3] + (j + 0.5) * gt[5], want = 0;
      int any = 0;
      for (int k = 0; k < 2; k++) {
        double d = hypot(cx - x[k], cy - y[k]);
        if (d < 300) {
          double u = d / 300;
          want += w[k] * 3.0 / (M_PI * 300 * 300) * (1 - u * u) * (1 - u * u) * 1e6;
          any = 1;
        }
      }
      double got = v[j * sm_raster_width(r) + i];
      if (!any) {
        assert_true(isnan(got)); /* nodata beyond every point's radius */
        continue;
      }
      worst = fmax(worst, fabs(got - want) / want);
    }
  if (worst > 1e-12) fail_msg("relative error %g", worst);
  assert_string_equal(sm_raster_metadata_get(r, "units"), "weight per square kilometre");
  sm_raster_destroy(r);
  /* only the quartic kernel in ArcGIS */
  o.kernel = SM_KERNEL_GAUSSIAN;
  assert_int_equal(sm_kde(ctx, &r, p, &o, NULL), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "quartic");
  sm_points_destroy(p);
}

/* QGIS "Raw": sum of weight x (1 - u²)² at pixel centres, grid = extent
 * grown by the radius with ceil(size / pixel) + 1 cells (docs/methods.md §3). */
static void qgis_raw_definition(void **state) {
  (void)state;
  double x[] = {529003.0, 529120.5, 529120.5}, y[] = {183007.0, 183051.0, 183051.0};
  sm_points *p = pts(3, x, y, NULL);
  sm_kde_options o = SM_KDE_OPTIONS_INIT;
  o.convention = SM_KDE_QGIS_RAW;
  o.bandwidth_m = 100;
  o.cell_m = 7;
  sm_raster *r;
  sm_kde_info info;
  assert_ok(ctx, sm_kde(ctx, &r, p, &o, &info));
  assert_int_equal(info.n_locations, 2);
  double W = (529120.5 - 529003.0) + 200, H = (183051.0 - 183007.0) + 200;
  assert_int_equal(sm_raster_width(r), (size_t)ceil(W / 7) + 1);
  assert_int_equal(sm_raster_height(r), (size_t)ceil(H / 7) + 1);
  double gt[6];
  sm_raster_geotransform(r, gt);
  assert_true(gt[0] == 529003.0 - 100 && gt[3] == 183051.0 + 100);
  const double *v = sm_raster_values(r);
  for (size_t j = 0; j < sm_raster_height(r); j++)
    for (size_t i = 0; i < sm_raster_width(r); i++) {
      double cx = gt[0] + (i + 0.5) * gt[1], cy = gt[3] + (j + 0.5) * gt[5], want = 0;
      for (int k = 0; k < 3; k++) {
        double u2 = ((cx - x[k]) * (cx - x[k]) + (cy - y[k]) * (cy - y[k])) / 1e4;
        if (u2 <= 1) want += (1 - u2) * (1 - u2);
      }
      double got = v[j * sm_raster_width(r) + i];
      if (want == 0) assert_true(isnan(got));
      else if (fabs(got - want) > 1e-12 * want) fail_msg("cell %zu,%zu: %.17g, want %.17g", i, j, got, want);
    }
  sm_raster_destroy(r);
  /* QGIS Scaled reproduces QGIS's quartic constant: 116/16 = 7.25 x the true one */
  o.convention = SM_KDE_QGIS_SCALED;
  assert_ok(ctx, sm_kde(ctx, &r, p, &o, NULL));
  double peak = 0;
  for (size_t c = 0; c < sm_raster_width(r) * sm_raster_height(r); c++)
    if (!isnan(sm_raster_values(r)[c])) peak = fmax(peak, sm_raster_values(r)[c]);
  sm_raster_destroy(r);
  o.convention = SM_KDE_DEFAULT;
  o.units = SM_KDE_PER_M2;
  assert_ok(ctx, sm_kde(ctx, &r, p, &o, NULL));
  sm_raster_stats s;
  sm_raster_stats_compute(r, &s);
  if (fabs(peak / s.max - 7.25) > 1e-9) fail_msg("QGIS scaled / true = %g, want 7.25", peak / s.max);
  sm_raster_destroy(r);
  sm_points_destroy(p);
}

/* Every kernel carries the points' weight: counts (default convention) sum
 * to it exactly; densities x cell area to it within the midpoint-rule error. */
static void integrates_to_weight(void **state) {
  (void)state;
  double x[] = {529000.3, 529017.9, 528981.2}, y[] = {183000.7, 182990.1, 183022.4}, w[] = {1, 2, 0.5};
  sm_points *p = pts(3, x, y, w);
  for (int k = 0; k < SM_KERNEL_END_; k++) {
    sm_kde_options o = SM_KDE_OPTIONS_INIT;
    o.kernel = (sm_kernel)k;
    o.bandwidth_m = k == SM_KERNEL_GAUSSIAN ? 30 : 100;
    o.cell_m = 1;
    o.units = SM_KDE_COUNT;
    sm_raster *r;
    assert_ok(ctx, sm_kde(ctx, &r, p, &o, NULL));
    double got = rsum(r);
    if (fabs(got - 3.5) > 1e-9) fail_msg("%s: counts sum to %.12f, want 3.5", sm_kernel_name((sm_kernel)k), got);
    sm_raster_destroy(r);
    o.units = SM_KDE_PER_M2;
    assert_ok(ctx, sm_kde(ctx, &r, p, &o, NULL));
    got = rsum(r); /* cell area 1 m² */
    double tol = k == SM_KERNEL_UNIFORM ? 1e-3 : 1e-6; /* a disc on a lattice converges slowly */
    if (fabs(got - 3.5) > tol * 3.5) fail_msg("%s: density integrates to %.12f, want 3.5", sm_kernel_name((sm_kernel)k), got);
    sm_raster_destroy(r);
    o.units = SM_KDE_PROBABILITY;
    assert_ok(ctx, sm_kde(ctx, &r, p, &o, NULL));
    got = rsum(r);
    if (fabs(got - 1.0) > 1e-9) fail_msg("%s: probabilities sum to %.12f", sm_kernel_name((sm_kernel)k), got);
    sm_raster_destroy(r);
  }
  sm_points_destroy(p);
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double urand(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (double)(rng >> 11) / 9007199254740992.0;
}

/* Same bits for 1, 2 and 3 threads; stacked points equal one weighted point. */
static void threads_and_stacking(void **state) {
  (void)state;
  enum { N = 5000 };
  static double x[N], y[N];
  for (int i = 0; i < N; i++) {
    x[i] = 529000 + floor(urand() * 3000);
    y[i] = 183000 + floor(urand() * 2000); /* metre lattice: many identical points */
  }
  sm_points *p = pts(N, x, y, NULL);
  sm_kde_options o = SM_KDE_OPTIONS_INIT;
  o.bandwidth_m = 150;
  o.cell_m = 10;
  sm_raster *r[3];
  sm_kde_info info;
  for (int t = 0; t < 3; t++) {
    sm_ctx_set_threads(ctx, t + 1);
    assert_ok(ctx, sm_kde(ctx, &r[t], p, &o, &info));
  }
  sm_ctx_set_threads(ctx, 0);
  size_t n = sm_raster_width(r[0]) * sm_raster_height(r[0]);
  assert_memory_equal(sm_raster_values(r[0]), sm_raster_values(r[1]), n * sizeof(double));
  assert_memory_equal(sm_raster_values(r[0]), sm_raster_values(r[2]), n * sizeof(double));
  assert_true(info.n_locations < N);
  for (int t = 0; t < 3; t++) sm_raster_destroy(r[t]);
  sm_points_destroy(p);
  /* two stacked points = one point of weight 2 */
  double sx[] = {529100, 529100}, sy[] = {183100, 183100}, w2[] = {2};
  sm_points *a = pts(2, sx, sy, NULL), *b = pts(1, sx, sy, w2);
  sm_raster *ra, *rb;
  assert_ok(ctx, sm_kde(ctx, &ra, a, &o, NULL));
  assert_ok(ctx, sm_kde(ctx, &rb, b, &o, NULL));
  n = sm_raster_width(ra) * sm_raster_height(ra);
  for (size_t c = 0; c < n; c++) assert_true(fabs(sm_raster_values(ra)[c] - sm_raster_values(rb)[c]) <= 1e-12 * sm_raster_values(rb)[c]);
  sm_raster_destroy(ra);
  sm_raster_destroy(rb);
  sm_points_destroy(a);
  sm_points_destroy(b);
}

static void bad_input(void **state) {
  (void)state;
  sm_raster *r = (sm_raster *)1;
  double x1[] = {529000}, y1[] = {183000};
  sm_points *one = pts(1, x1, y1, NULL);
  sm_kde_options o = SM_KDE_OPTIONS_INIT;
  /* one point: the automatic bandwidth is undefined */
  assert_int_equal(sm_kde(ctx, &r, one, &o, NULL), SM_E_INPUT);
  assert_null(r);
  assert_contains(sm_ctx_last_error(ctx), "at least two points");
  assert_contains(sm_ctx_last_error(ctx), "--bandwidth");
  o.bandwidth_rule = SM_BW_SCOTT;
  assert_int_equal(sm_kde(ctx, &r, one, &o, NULL), SM_E_INPUT);
  /* a fixed bandwidth works with one point */
  o.bandwidth_rule = SM_BW_FIXED;
  o.bandwidth_m = 200;
  assert_ok(ctx, sm_kde(ctx, &r, one, &o, NULL));
  sm_raster_destroy(r);
  /* bandwidth <= 0, smaller than a cell */
  o.bandwidth_m = 0;
  assert_int_equal(sm_kde(ctx, &r, one, &o, NULL), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "bandwidth");
  o.bandwidth_m = -5;
  assert_int_equal(sm_kde(ctx, &r, one, &o, NULL), SM_E_INVALID_ARG);
  o.bandwidth_m = 20;
  o.cell_m = 50;
  assert_int_equal(sm_kde(ctx, &r, one, &o, NULL), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "less than a cell");
  /* all points identical: no automatic bandwidth */
  double xs[] = {529000, 529000, 529000}, ys[] = {183000, 183000, 183000};
  sm_points *same = pts(3, xs, ys, NULL);
  sm_kde_options a = SM_KDE_OPTIONS_INIT;
  assert_int_equal(sm_kde(ctx, &r, same, &a, NULL), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "one place");
  /* a grid larger than allowed: refused before allocating, naming the size */
  sm_kde_options g = SM_KDE_OPTIONS_INIT;
  g.bandwidth_m = 1000;
  g.cell_m = 0.01;
  g.has_extent = 1;
  g.extent[0] = 520000, g.extent[1] = 180000, g.extent[2] = 540000, g.extent[3] = 200000;
  assert_int_equal(sm_kde(ctx, &r, same, &g, NULL), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "2000000 x 2000000 grid");
  /* every point outside the extent and beyond reach */
  g.cell_m = 10;
  g.extent[0] = 400000, g.extent[1] = 100000, g.extent[2] = 401000, g.extent[3] = 101000;
  assert_int_equal(sm_kde(ctx, &r, same, &g, NULL), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "outside the extent");
  /* no points at all */
  const char *f = tu_write("kde-empty.csv", PUK_HEADER "x,2024-01,M,M,-0.14,51.53,On or near A,E01,Camden 001A,Robbery,,\n");
  sm_read_options ro = SM_READ_OPTIONS_INIT;
  ro.types = "Burglary";
  sm_points *none = NULL;
  const char *src[] = {f};
  assert_ok(ctx, sm_points_read(ctx, &none, src, 1, &ro));
  assert_int_equal(sm_kde(ctx, &r, none, &g, NULL), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "no points");
  sm_points_destroy(none);
  sm_points_destroy(same);
  sm_points_destroy(one);
}

/* A study-area mask: exactly the cells whose centre is in a ward keep a value. */
static void study_area_mask(void **state) {
  (void)state;
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  ao.analysis_crs = "EPSG:27700";
  sm_areas *wards;
  assert_ok(ctx, sm_areas_read(ctx, &wards, SM_TEST_SRCDIR "/data/wards/camden_wards_2024.gpkg", &ao));
  double x[] = {528000, 529000, 527500}, y[] = {184000, 183000, 185500};
  sm_points *p = pts(3, x, y, NULL);
  sm_kde_options o = SM_KDE_OPTIONS_INIT;
  o.bandwidth_m = 400;
  o.cell_m = 50;
  o.has_extent = 1;
  sm_areas_extent(wards, o.extent);
  o.mask = wards;
  sm_raster *r;
  assert_ok(ctx, sm_kde(ctx, &r, p, &o, NULL));
  size_t w = sm_raster_width(r), h = sm_raster_height(r), inside = 0, valid = 0;
  double gt[6];
  sm_raster_geotransform(r, gt);
  double *cx = malloc(w * h * sizeof *cx), *cy = malloc(w * h * sizeof *cy);
  for (size_t j = 0; j < h; j++)
    for (size_t i = 0; i < w; i++) cx[j * w + i] = gt[0] + (i + 0.5) * gt[1], cy[j * w + i] = gt[3] + (j + 0.5) * gt[5];
  sm_points *centres = pts(w * h, cx, cy, NULL);
  int32_t *where = malloc(w * h * sizeof *where);
  assert_ok(ctx, sm_areas_locate(ctx, wards, centres, where, NULL));
  for (size_t c = 0; c < w * h; c++) {
    inside += where[c] >= 0;
    valid += !isnan(sm_raster_values(r)[c]);
    assert_true((where[c] >= 0) == !isnan(sm_raster_values(r)[c]));
  }
  assert_int_equal(inside, valid);
  assert_true(valid > 1000 && valid < w * h);
  assert_contains(sm_raster_metadata_get(r, "mask"), "outside the study area");
  free(cx), free(cy), free(where);
  sm_points_destroy(centres);
  sm_raster_destroy(r);
  /* a mask in another CRS is refused */
  sm_points *q;
  assert_ok(ctx, sm_points_create(ctx, &q, "EPSG:32630", 3, x, y, NULL, NULL));
  assert_int_equal(sm_kde(ctx, &r, q, &o, NULL), SM_E_CRS);
  sm_points_destroy(q);
  sm_points_destroy(p);
  sm_areas_destroy(wards);
}

/* Hot-spot areas: the highest cells until the share is reached, nested,
 * outlines that cover exactly those cells. */
static void hotspot_areas(void **state) {
  (void)state;
  sm_raster *r;
  assert_ok(ctx, sm_raster_create(ctx, &r, 10, 10, 529000, 183000, 10, "EPSG:27700"));
  double *v = sm_raster_data(r);
  for (int c = 0; c < 100; c++) v[c] = 1;   /* background: 100 */
  v[22] = 100, v[23] = 60, v[33] = 40;      /* a hot block: 200 - 3 */
  v[77] = 50;                               /* a second spot */
  v[0] = NAN;
  /* total = 95 + 100 + 60 + 40 + 50 = 345 */
  double pct[] = {25, 50, 60};
  sm_layer *L;
  assert_ok(ctx, sm_kde_hotspot_areas(ctx, &L, r, pct, 3, "areas"));
  assert_int_equal(sm_layer_feature_count(L), 3);
  /* 25%: 100 (29.0%) -> 1 cell; 50%: 100+60+50 = 210 (60.9%) -> 3 cells; 60%: the same 3 cells */
  int64_t want_cells[] = {1, 3, 3};
  for (size_t k = 0; k < 3; k++) {
    assert_int_equal(sm_layer_get_int(L, k, 3), want_cells[k]);
    assert_true(sm_layer_get_double(L, k, 2) >= pct[k]);
    size_t wn;
    const unsigned char *wkb = sm_layer_get_wkb(L, k, &wn);
    OGRGeometryH g = NULL;
    assert_int_equal(OGR_G_CreateFromWkbEx(wkb, NULL, &g, wn), OGRERR_NONE);
    assert_true(fabs(OGR_G_Area(g) - 100.0 * (double)want_cells[k]) < 1e-6);
    OGR_G_DestroyGeometry(g);
  }
  assert_true(fabs(sm_layer_get_double(L, 1, 2) - 100.0 * 210 / 345) < 1e-9);
  assert_true(sm_layer_get_double(L, 1, 1) == 50); /* threshold: the lowest cell included */
  sm_layer_destroy(L);
  double bad[] = {0};
  assert_int_equal(sm_kde_hotspot_areas(ctx, &L, r, bad, 1, "x"), SM_E_INVALID_ARG);
  for (int c = 0; c < 100; c++) v[c] = 0;
  assert_int_equal(sm_kde_hotspot_areas(ctx, &L, r, pct, 1, "x"), SM_E_INPUT);
  sm_raster_destroy(r);
}

/* Dual surfaces: one grid and bandwidth for both sets, then combined. */
static void dual_surfaces(void **state) {
  (void)state;
  double x[] = {529000, 529300, 529150, 529600}, y[] = {183000, 183100, 183400, 183250}, w2[] = {2, 2, 2, 2};
  sm_points *a = pts(4, x, y, NULL), *b = pts(4, x, y, w2), *c = pts(2, x + 2, y + 2, NULL);
  sm_kde_options o = SM_KDE_OPTIONS_INIT;
  o.cell_m = 20;
  sm_raster *r;
  sm_kde_info info;
  /* A vs A: difference 0, ratio 1 where defined */
  assert_ok(ctx, sm_kde_dual(ctx, &r, a, a, &o, SM_KDE_DIFFERENCE, 0, 0, &info));
  size_t n = sm_raster_width(r) * sm_raster_height(r);
  for (size_t i = 0; i < n; i++) assert_true(sm_raster_values(r)[i] == 0);
  sm_raster_destroy(r);
  /* A vs 2A: ratio 1/2 where B > 0; normalised 1 */
  assert_ok(ctx, sm_kde_dual(ctx, &r, a, b, &o, SM_KDE_RATIO, 0, 0, NULL));
  n = sm_raster_width(r) * sm_raster_height(r);
  size_t defined = 0;
  for (size_t i = 0; i < n; i++) {
    double v = sm_raster_values(r)[i];
    if (isnan(v)) continue;
    defined++;
    if (fabs(v - 0.5) > 1e-12) fail_msg("cell %zu: ratio %.17g", i, v);
  }
  assert_true(defined > n / 4);
  sm_raster_destroy(r);
  assert_ok(ctx, sm_kde_dual(ctx, &r, a, b, &o, SM_KDE_LOG_RATIO, 1, 0, NULL));
  n = sm_raster_width(r) * sm_raster_height(r);
  for (size_t i = 0; i < n; i++)
    if (!isnan(sm_raster_values(r)[i])) assert_true(fabs(sm_raster_values(r)[i]) < 1e-12);
  assert_string_equal(sm_raster_metadata_get(r, "units"), "natural log of the ratio");
  sm_raster_destroy(r);
  /* the pooled grid covers both sets; a regulariser defines the ratio everywhere */
  assert_ok(ctx, sm_kde_dual(ctx, &r, a, c, &o, SM_KDE_RATIO, 0, 0.01, &info));
  n = sm_raster_width(r) * sm_raster_height(r);
  for (size_t i = 0; i < n; i++) assert_false(isnan(sm_raster_values(r)[i]));
  assert_contains(sm_raster_metadata_get(r, "bandwidth_rule"), "pooled");
  sm_raster_destroy(r);
  /* refused: QGIS grids, an empty set */
  o.convention = SM_KDE_QGIS_RAW;
  o.bandwidth_m = 100;
  assert_int_equal(sm_kde_dual(ctx, &r, a, b, &o, SM_KDE_RATIO, 0, 0, NULL), SM_E_INVALID_ARG);
  sm_points_destroy(a), sm_points_destroy(b), sm_points_destroy(c);
}

/* Adaptive bandwidths: sparse points get wider kernels; mass and threads hold. */
static void adaptive_basics(void **state) {
  (void)state;
  enum { N = 400 };
  static double x[N], y[N];
  for (int i = 0; i < N; i++) {
    if (i < 350) x[i] = 529500 + 60 * (urand() - 0.5), y[i] = 183500 + 60 * (urand() - 0.5); /* a dense cluster */
    else x[i] = 528000 + 3000 * urand(), y[i] = 182000 + 3000 * urand();                   /* sparse background */
  }
  sm_points *p = pts(N, x, y, NULL);
  sm_kde_options o = SM_KDE_OPTIONS_INIT;
  o.kernel = SM_KERNEL_GAUSSIAN;
  o.bandwidth_m = 100;
  o.gaussian_cutoff = 8;
  o.cell_m = 10;
  o.units = SM_KDE_PER_M2;
  o.adaptive = 1;
  sm_raster *r1, *r2;
  sm_ctx_set_threads(ctx, 1);
  assert_ok(ctx, sm_kde(ctx, &r1, p, &o, NULL));
  sm_ctx_set_threads(ctx, 2);
  assert_ok(ctx, sm_kde(ctx, &r2, p, &o, NULL));
  sm_ctx_set_threads(ctx, 0);
  size_t n = sm_raster_width(r1) * sm_raster_height(r1);
  assert_memory_equal(sm_raster_values(r1), sm_raster_values(r2), n * sizeof(double));
  double got = rsum(r1) * 100; /* 10 m cells */
  if (fabs(got - N) > 1e-3 * N) fail_msg("adaptive surface integrates to %g, want %d", got, N);
  const char *a = sm_raster_metadata_get(r1, "adaptive");
  assert_non_null(a);
  double G, trim, hmin, hmax;
  assert_int_equal(sscanf(strstr(a, "G = "), "G = %lf, trim %lf; h from %lf to %lf", &G, &trim, &hmin, &hmax), 4);
  assert_true(hmin < 100 && hmax > 100); /* narrower in the cluster, wider outside */
  assert_true(hmax <= 100 * G * 5 / G + 1e-9); /* trimmed at G x 5, divided by gamma = G */
  sm_raster_destroy(r1);
  sm_raster_destroy(r2);
  o.edge = SM_KDE_EDGE_UNIFORM;
  assert_int_equal(sm_kde(ctx, &r1, p, &o, NULL), SM_E_INVALID_ARG);
  sm_points_destroy(p);
}

/* ---- golden: spatstat (tests/golden/kde, made by spatstat_kde.R) ---------------- */
static void spatstat_golden(void **state) {
  (void)state;
  static double P[200 * 3], G[4800 * 6];
  const char *pc[] = {"x", "y", "w"};
  size_t np = tu_read_columns(SM_TEST_SRCDIR "/tests/golden/kde/points.csv", 3, pc, P, 200);
  assert_int_equal(np, 150);
  const char *gc[] = {"x", "y", "gauss_u", "quartic_u", "gauss_w", "quartic_w"};
  size_t ng = tu_read_columns(SM_TEST_SRCDIR "/tests/golden/kde/spatstat_kde.csv", 6, gc, G, 4800);
  static double E[4800 * 6];
  const char *ec[] = {"x", "y", "gauss_edge", "quartic_edge_exact", "gauss_diggle", "quartic_diggle_exact"};
  assert_int_equal(tu_read_columns(SM_TEST_SRCDIR "/tests/golden/kde/spatstat_kde.csv", 6, ec, E, 4800), 4800);
  assert_int_equal(ng, 4800);
  double x[150], y[150], w[150];
  for (size_t i = 0; i < np; i++) x[i] = P[3 * i], y[i] = P[3 * i + 1], w[i] = P[3 * i + 2];
  struct {
    sm_kernel k;
    double sigma;
    int weighted, col;
    sm_kde_edge edge;
    const double *table;
  } runs[] = {{SM_KERNEL_GAUSSIAN, 120, 0, 2, SM_KDE_EDGE_NONE, G},    {SM_KERNEL_QUARTIC, 100, 0, 3, SM_KDE_EDGE_NONE, G},
              {SM_KERNEL_GAUSSIAN, 120, 1, 4, SM_KDE_EDGE_NONE, G},    {SM_KERNEL_QUARTIC, 100, 1, 5, SM_KDE_EDGE_NONE, G},
              {SM_KERNEL_GAUSSIAN, 120, 0, 2, SM_KDE_EDGE_UNIFORM, E}, {SM_KERNEL_QUARTIC, 100, 0, 3, SM_KDE_EDGE_UNIFORM, E},
              {SM_KERNEL_GAUSSIAN, 120, 0, 4, SM_KDE_EDGE_DIGGLE, E},  {SM_KERNEL_QUARTIC, 100, 0, 5, SM_KDE_EDGE_DIGGLE, E}};
  for (int run = 0; run < 8; run++) {
    sm_points *p = pts(np, x, y, runs[run].weighted ? w : NULL);
    sm_kde_options o = SM_KDE_OPTIONS_INIT;
    o.convention = SM_KDE_SPATSTAT;
    o.kernel = runs[run].k;
    o.edge = runs[run].edge;
    o.bandwidth_m = runs[run].sigma;
    o.cell_m = 25;
    o.has_extent = 1;
    o.extent[0] = 529000, o.extent[1] = 182000, o.extent[2] = 531000, o.extent[3] = 183500;
    sm_raster *r;
    assert_ok(ctx, sm_kde(ctx, &r, p, &o, NULL));
    assert_int_equal(sm_raster_width(r), 80);
    assert_int_equal(sm_raster_height(r), 60);
    const double *v = sm_raster_values(r);
    double gt[6], worst = 0;
    sm_raster_geotransform(r, gt);
    for (size_t g = 0; g < ng; g++) {
      size_t i = g % 80, jf = g / 80, j = 59 - jf; /* the file runs south to north */
      assert_true(gt[0] + (i + 0.5) * gt[1] == G[6 * g] && gt[3] + (j + 0.5) * gt[5] == G[6 * g + 1]);
      double want = runs[run].table[6 * g + runs[run].col], got = v[j * 80 + i];
      if (want == 0) {
        assert_true(got == 0);
        continue;
      }
      worst = fmax(worst, fabs(got - want) / want);
    }
    print_message("spatstat run %d: worst relative difference %.3g\n", run, worst);
    /* stated tolerance 1e-9 relative (the issue asks 1e-6) */
    if (worst > 1e-9) fail_msg("run %d: worst relative difference from spatstat %g", run, worst);
    sm_raster_destroy(r);
    sm_points_destroy(p);
  }
  /* bandwidth rules on the unweighted points (bandwidths.csv) */
  double h;
  assert_ok(ctx, sm_kde_silverman_radius(ctx, x, y, NULL, np, &h));
  if (fabs(h - 225.75959850859854) > 1e-9) fail_msg("Silverman radius %.17g", h);
  sm_points *p = pts(np, x, y, NULL);
  sm_kde_options o = SM_KDE_OPTIONS_INIT;
  o.convention = SM_KDE_SPATSTAT;
  o.kernel = SM_KERNEL_GAUSSIAN;
  o.bandwidth_rule = SM_BW_SCOTT;
  o.cell_m = 25;
  sm_raster *r;
  sm_kde_info info;
  assert_ok(ctx, sm_kde(ctx, &r, p, &o, &info));
  if (fabs(info.bandwidth_m - 202.03708986813055) > 1e-9) fail_msg("Scott sigma %.17g", info.bandwidth_m);
  sm_raster_destroy(r);
  /* bw.ppl: the same sigma among spatstat's 16 candidates */
  o.bandwidth_rule = SM_BW_PPL;
  o.has_extent = 1;
  o.extent[0] = 529000, o.extent[1] = 182000, o.extent[2] = 531000, o.extent[3] = 183500;
  assert_ok(ctx, sm_kde(ctx, &r, p, &o, &info));
  if (fabs(info.bandwidth_m / 96.345758536711941 - 1) > 1e-12) fail_msg("bw.ppl sigma %.17g", info.bandwidth_m);
  assert_contains(sm_raster_metadata_get(r, "bandwidth_rule"), "bw.ppl");
  sm_raster_destroy(r);
  /* bw.diggle (tests/golden/kde/bw_diggle): the same grid value */
  o.bandwidth_rule = SM_BW_DIGGLE;
  assert_ok(ctx, sm_kde(ctx, &r, p, &o, &info));
  if (fabs(info.bandwidth_m / 48.801369863013697 - 1) > 1e-12) fail_msg("bw.diggle sigma %.17g", info.bandwidth_m);
  sm_raster_destroy(r);
  sm_points_destroy(p);
}

/* sparr bivariate.density(adapt = TRUE, edge = "none", resolution = 80,
 * intensity = TRUE) on the golden points (tests/golden/kde/adaptive). */
static void sparr_adaptive_golden(void **state) {
  (void)state;
  static double P[200 * 3], Z[6400 * 3];
  const char *pc[] = {"x", "y", "w"};
  size_t np = tu_read_columns(SM_TEST_SRCDIR "/tests/golden/kde/points.csv", 3, pc, P, 200);
  const char *zc[] = {"x", "y", "z_int"};
  size_t nz = tu_read_columns(SM_TEST_SRCDIR "/tests/golden/kde/adaptive/sparr_adaptive.csv", 3, zc, Z, 6400);
  assert_int_equal(nz, 6400);
  double x[150], y[150];
  for (size_t i = 0; i < np; i++) x[i] = P[3 * i], y[i] = P[3 * i + 1];
  sm_points *p = pts(np, x, y, NULL);
  sm_kde_options o = SM_KDE_OPTIONS_INIT;
  o.convention = SM_KDE_SPATSTAT;
  o.kernel = SM_KERNEL_GAUSSIAN;
  o.bandwidth_m = 150;
  o.adaptive = 1;
  o.cell_m = 25;
  o.has_extent = 1;
  o.extent[0] = 529000, o.extent[1] = 181750, o.extent[2] = 531000, o.extent[3] = 183750;
  sm_raster *r;
  assert_ok(ctx, sm_kde(ctx, &r, p, &o, NULL));
  assert_int_equal(sm_raster_width(r), 80);
  assert_int_equal(sm_raster_height(r), 80);
  double worst = 0, gt[6];
  sm_raster_geotransform(r, gt);
  for (size_t g = 0; g < nz; g++) {
    size_t i = g % 80, j = 79 - g / 80;
    assert_true(gt[0] + (i + 0.5) * gt[1] == Z[3 * g] && gt[3] + (j + 0.5) * gt[5] == Z[3 * g + 1]);
    double want = Z[3 * g + 2], got = sm_raster_values(r)[j * 80 + i];
    worst = fmax(worst, fabs(got - want) / want);
  }
  print_message("sparr adaptive: worst relative difference %.3g\n", worst);
  if (worst > 1e-9) fail_msg("sparr adaptive: worst relative difference %g", worst);
  const char *a = sm_raster_metadata_get(r, "adaptive");
  double G, trim, hmin, hmax;
  assert_int_equal(sscanf(strstr(a, "G = "), "G = %lf, trim %lf; h from %lf to %lf", &G, &trim, &hmin, &hmax), 4);
  assert_true(fabs(G / 1170.2235546021811 - 1) < 1e-5); /* metadata prints 6 digits */
  sm_raster_destroy(r);
  sm_points_destroy(p);
}

/* Every code path of the kernel loop (base, AVX2, AVX-512: SAFEMAP_SIMD) gives the same bits, for every kernel,
 * fixed and adaptive bandwidths, on 1 and 2 threads; the paths this CPU cannot run are refused, as are names that
 * are not paths. */
static void code_paths_same_bits(void **state) {
  (void)state;
  enum { N = 3000 };
  static double x[N], y[N], w[N];
  for (int i = 0; i < N; i++) {
    x[i] = 529000 + urand() * 2000; /* anywhere, not on a lattice: rows start and end at any cell */
    y[i] = 183000 + urand() * 1500;
    w[i] = 0.25 + urand();
  }
  sm_points *p = pts(N, x, y, w);
  const char *paths[] = {"base", "avx2", "avx512"};
  for (int k = 0; k < SM_KERNEL_END_; k++)
    for (int adaptive = 0; adaptive < 2; adaptive++) {
      sm_kde_options o = SM_KDE_OPTIONS_INIT;
      o.kernel = (sm_kernel)k;
      o.bandwidth_m = 97;
      o.cell_m = 7;
      o.adaptive = adaptive;
      sm_raster *ref = NULL;
      setenv("SAFEMAP_SIMD", "base", 1);
      assert_ok(ctx, sm_kde(ctx, &ref, p, &o, NULL));
      size_t n = sm_raster_width(ref) * sm_raster_height(ref);
      for (int q = 1; q < 3; q++) {
        setenv("SAFEMAP_SIMD", paths[q], 1);
        for (int t = 1; t <= 2; t++) {
          sm_raster *r = NULL;
          sm_ctx_set_threads(ctx, t);
          sm_status st = sm_kde(ctx, &r, p, &o, NULL);
          if (!sm__simd_runs((sm_simd)q)) {
            assert_int_equal(st, SM_E_UNSUPPORTED);
            assert_non_null(strstr(sm_ctx_last_error(ctx), paths[q]));
            continue;
          }
          assert_ok(ctx, st);
          if (memcmp(sm_raster_values(ref), sm_raster_values(r), n * sizeof(double)))
            fail_msg("%s differs from base: kernel %d adaptive %d threads %d", paths[q], k, adaptive, t);
          sm_raster_destroy(r);
        }
      }
      sm_ctx_set_threads(ctx, 0);
      sm_raster_destroy(ref);
    }
  sm_kde_options o = SM_KDE_OPTIONS_INIT;
  o.bandwidth_m = 97;
  sm_raster *r = NULL;
  setenv("SAFEMAP_SIMD", "sse9", 1);
  assert_int_equal(sm_kde(ctx, &r, p, &o, NULL), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "SAFEMAP_SIMD='sse9' is not a code path"));
  setenv("SAFEMAP_SIMD", "", 1); /* empty: as unset, the widest the CPU runs */
  assert_ok(ctx, sm_kde(ctx, &r, p, &o, NULL));
  sm_raster_destroy(r);
  unsetenv("SAFEMAP_SIMD");
  sm_points_destroy(p);
}

/* The vector loops' corners (kde.c, poly_avx2 and poly_avx512): points on the lattice with a reach of whole cells
 * (cell centres exactly on the reach: 3-4-5 triangles), points on and beyond every side of an extent whose width is
 * no multiple of 4 or 8 (rows whose run of vectors would pass the last column), a reach wider than the 512 columns
 * of squared distances the loops keep at a time, and weights of 0, -0, 1e-300 and 1e200: every path gives base's
 * bits on 1 and 2 threads, and no cell is -0 (the sum the loops' added zeros would change). */
static void code_paths_edges(void **state) {
  (void)state;
  enum { N = 64 };
  static double x[N], y[N], w[N];
  const double weights[] = {1, 0, -0.0, 1e-300, 1e200, 2.5, 0.75};
  struct {
    double cell, bw, ext[4];
    int tops; /* points below the grid, their circles' tops in it: short rows under long ones */
  } cases[] = {
      {10, 50, {1000, 2000, 1000 + 10 * 203, 2000 + 10 * 97}, 0}, /* 203 columns, reach 5 cells */
      {5, 2000, {1000, 2000, 1000 + 5 * 1203, 2000 + 5 * 37}, 0}, /* reach 400 cells: 800 columns a row */
      {5, 2000, {1000, 2000, 1000 + 5 * 1203, 2000 + 5 * 37}, 1},
  };
  const char *paths[] = {"base", "avx2", "avx512"};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const double *e = cases[c].ext, cell = cases[c].cell;
    for (int i = 0; i < N; i++) {
      int col = (i * 37) % 40, row = (i * 11) % 30;
      x[i] = e[0] + (col + 0.5) * cell + (i % 5 == 0 ? 0.5 * cell : 0); /* centres, and cell edges */
      y[i] = e[1] + (row + 0.5) * cell;
      if (i % 8 == 1) x[i] = e[2] - (i % 3) * cell;             /* on and by the right edge */
      if (i % 8 == 2) x[i] = e[2] + 2 * cell + (i % 4) * 0.25;  /* beyond it */
      if (i % 8 == 3) x[i] = e[0] - (i % 3) * cell;             /* left */
      if (i % 8 == 4) y[i] = e[3] + (i % 3) * cell;             /* top */
      if (i % 8 == 5) y[i] = e[1] - 0.5 * cell;                 /* bottom */
      if (i % 8 == 6) x[i] = e[2] - (i % 3) * cell, y[i] = i % 2 ? e[1] : e[3]; /* the right corners */
      w[i] = weights[i % 7];
      if (cases[c].tops) /* away from the left edge, so that rows start after the run does */
        x[i] = e[0] + (300 + col * 13 + 0.5) * cell, y[i] = e[1] - cases[c].bw + (i % 20 + 0.5) * cell;
    }
    sm_points *p = pts(N, x, y, w);
    for (int k = 0; k < SM_KERNEL_END_; k++) {
      sm_kde_options o = SM_KDE_OPTIONS_INIT;
      o.kernel = (sm_kernel)k;
      o.bandwidth_m = cases[c].bw;
      o.cell_m = cell;
      o.has_extent = 1;
      memcpy(o.extent, e, sizeof o.extent);
      sm_raster *ref = NULL;
      setenv("SAFEMAP_SIMD", "base", 1);
      assert_ok(ctx, sm_kde(ctx, &ref, p, &o, NULL));
      size_t n = sm_raster_width(ref) * sm_raster_height(ref);
      const double *rv = sm_raster_values(ref);
      for (size_t i = 0; i < n; i++)
        if (rv[i] == 0 && signbit(rv[i])) fail_msg("case %zu kernel %d: cell %zu is -0", c, k, i);
      for (int q = 1; q < 3; q++) {
        if (!sm__simd_runs((sm_simd)q)) continue;
        setenv("SAFEMAP_SIMD", paths[q], 1);
        for (int t = 1; t <= 2; t++) {
          sm_raster *r = NULL;
          sm_ctx_set_threads(ctx, t);
          assert_ok(ctx, sm_kde(ctx, &r, p, &o, NULL));
          if (memcmp(rv, sm_raster_values(r), n * sizeof(double)))
            fail_msg("%s differs from base: case %zu kernel %d threads %d", paths[q], c, k, t);
          sm_raster_destroy(r);
        }
      }
      sm_ctx_set_threads(ctx, 0);
      sm_raster_destroy(ref);
    }
    sm_points_destroy(p);
  }
  unsetenv("SAFEMAP_SIMD");
}

/* QGIS's raw convention with a bandwidth and cell on a fixed extent (xmin, ymin, xmax, ymax). */
static sm_kde_options qgis_raw_on(double bandwidth, double cell, double x0, double y0, double x1, double y1) {
  sm_kde_options o = SM_KDE_OPTIONS_INIT;
  o.convention = SM_KDE_QGIS_RAW;
  o.bandwidth_m = bandwidth;
  o.cell_m = cell;
  o.has_extent = 1;
  o.extent[0] = x0, o.extent[1] = y0, o.extent[2] = x1, o.extent[3] = y1;
  return o;
}

/* Identical coordinates are merged in a table when many points share a place, and by the sort when most points
 * are distinct (kde.c, mostly_distinct): the weights add in the points' order either way, so the surfaces are the
 * same bits. The same 4,000 points (four in five distinct, the repeats with weights whose sums depend on their
 * order) after 20,000 copies of one point far beyond reach (the table) and alone (the sort). */
static void merge_paths_same_bits(void **state) {
  (void)state;
  enum { N = 4000, FAR = 20000 };
  static double x[FAR + N], y[FAR + N], w[FAR + N];
  const double ws[] = {0.1, 0.2, 0.7, 1e-17, 3};
  for (int i = 0; i < FAR; i++) x[i] = 9e5, y[i] = 9e5, w[i] = 1;
  for (int i = 0; i < N; i++) {
    int at = i % 5 == 4 ? (i * 7) % (i + 1) : i; /* every fifth point repeats an earlier one */
    x[FAR + i] = 529000 + (at % 61) * 13.7 + (at / 61) * 0.01;
    y[FAR + i] = 183000 + (at / 61) * 17.3;
    w[FAR + i] = ws[i % 5];
  }
  sm_kde_options o = qgis_raw_on(120, 9, 528900, 182900, 530000, 184300);
  sm_points *table = pts(FAR + N, x, y, w), *sorted = pts(N, x + FAR, y + FAR, w + FAR);
  sm_raster *a = NULL, *b = NULL;
  sm_kde_info ia, ib;
  assert_ok(ctx, sm_kde(ctx, &a, table, &o, &ia));
  assert_ok(ctx, sm_kde(ctx, &b, sorted, &o, &ib));
  assert_int_equal(ia.n_locations, ib.n_locations + 1);
  assert_true(ib.n_locations < N);
  size_t n = sm_raster_width(a) * sm_raster_height(a);
  assert_int_equal(n, sm_raster_width(b) * sm_raster_height(b));
  if (memcmp(sm_raster_values(a), sm_raster_values(b), n * sizeof(double))) fail_msg("the merges differ");
  sm_raster_destroy(a), sm_raster_destroy(b);
  sm_points_destroy(table), sm_points_destroy(sorted);
}

/* Many points on several threads are merged run by run (kde.c, merge_equal_par): the same locations and weights,
 * added in the points' order, so the same bits on 1, 2 and 3 threads. 200,000 points at 3,000 places (weights
 * whose sums depend on their order, some of weight 0, -0 and +0 alike). */
static void merge_threads_same_bits(void **state) {
  (void)state;
  enum { N = 200000 };
  static double x[N], y[N], w[N];
  const double ws[] = {0.1, 0.2, 0.7, 1e-17, 3, 0};
  uint64_t r = 17;
  for (int i = 0; i < N; i++) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    int at = (int)(r % 3000);
    x[i] = at == 0 ? (i % 2 ? -0.0 : 0.0) : 529000 + (at % 50) * 11.3, y[i] = at == 0 ? 0 : 183000 + (at / 50) * 9.7;
    w[i] = ws[(r >> 32) % 6];
  }
  sm_kde_options o = qgis_raw_on(100, 10, 528900, 182900, 529700, 183700);
  sm_points *p = pts(N, x, y, w);
  sm_raster *ra[3];
  sm_kde_info info[3];
  for (int t = 0; t < 3; t++) {
    sm_ctx_set_threads(ctx, t + 1);
    assert_ok(ctx, sm_kde(ctx, &ra[t], p, &o, &info[t]));
  }
  sm_ctx_set_threads(ctx, 0);
  size_t n = sm_raster_width(ra[0]) * sm_raster_height(ra[0]);
  for (int t = 1; t < 3; t++) {
    assert_int_equal(info[t].n_locations, info[0].n_locations);
    if (memcmp(sm_raster_values(ra[0]), sm_raster_values(ra[t]), n * sizeof(double)))
      fail_msg("%d threads: a different surface", t + 1);
  }
  assert_int_equal(info[0].n_locations, 3000);
  for (int t = 0; t < 3; t++) sm_raster_destroy(ra[t]);
  sm_points_destroy(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(silverman_vector),      cmocka_unit_test(arcgis_closed_form),
      cmocka_unit_test(qgis_raw_definition),   cmocka_unit_test(integrates_to_weight),
      cmocka_unit_test(threads_and_stacking),  cmocka_unit_test(bad_input),
      cmocka_unit_test(spatstat_golden),       cmocka_unit_test(study_area_mask),
      cmocka_unit_test(hotspot_areas),         cmocka_unit_test(dual_surfaces),
      cmocka_unit_test(adaptive_basics),       cmocka_unit_test(sparr_adaptive_golden),
      cmocka_unit_test(code_paths_same_bits),  cmocka_unit_test(code_paths_edges),
      cmocka_unit_test(merge_paths_same_bits), cmocka_unit_test(merge_threads_same_bits),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
