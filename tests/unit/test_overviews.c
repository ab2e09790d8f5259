/* internal/overviews: AVERAGE overviews on the threads, bit for bit those GDAL 3.6 builds for a grid in memory. The
 * reference is GDAL itself: the same floats in a MEM dataset, GDALBuildOverviews("AVERAGE"), every cell compared
 * by its bits. Under another GDAL the writer leaves overviews to GDAL, and these comparisons are skipped. */
#include "testutil.h"

#include "internal/overviews.h"

#include <cpl_conv.h>
#include <float.h>
#include <gdal.h>
#include <math.h>
#include <stdint.h>

TU_CTX_FIXTURE

void sm__alloc_fail_after(long k); /* lib/common.c: the allocator's test hook */

static int gdal36(void) {
  long v = atol(GDALVersionInfo("VERSION_NUM"));
  return v >= 3060000 && v < 3070000;
}

static uint64_t next_u64(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* A surface like a density's: smooth values over several octaves, empty cells alone and in blocks (a whole
 * overview cell of them), values a float epsilon or two from nodata (GDAL counts them empty), pairs whose average is
 * exactly nodata (moved just off it), zeros, tiny and huge values, infinities. */
static void fill(float *v, size_t w, size_t h, float nd, uint64_t seed) {
  uint64_t s = seed;
  for (size_t j = 0; j < h; j++)
    for (size_t i = 0; i < w; i++) {
      uint64_t u = next_u64(&s);
      float x = (float)(1000.0 * exp(-(double)((i * 7 + j * 3) % 97) / 9.0) * (1.0 + (double)(u % 1000) / 1e4));
      switch (u >> 58) {
      case 0: case 1: case 2: x = nd; break;
      case 3: x = isnan(nd) ? NAN : nextafterf(nd, INFINITY); break;
      case 4: x = isnan(nd) ? 0 : nd * (1 + 3e-7f); break;
      case 5: x = 0; break;
      case 6: x = (u >> 20) & 1 ? 1e-38f : 3e38f; break;
      case 7: x = (u >> 20) & 1 ? INFINITY : -INFINITY; break;
      default: break;
      }
      if (((i / 9) + (j / 7)) % 23 == 0) x = nd; /* blocks of empty cells */
      v[j * w + i] = x;
    }
  if (!isnan(nd) && w >= 4 && h >= 4) /* 2 x 2 cells whose average is nodata exactly */
    v[0] = v[w + 1] = nd - 0.5f, v[1] = v[w] = nd + 0.5f;
}

/* GDAL's overviews of v (levels factors) into ref[k], each rw[k] x rh[k]. */
static int gdal_overviews(const float *v, size_t w, size_t h, double nd, const int *levels, int nl, float **ref, int *rw,
                          int *rh) {
  GDALDatasetH ds = GDALCreate(GDALGetDriverByName("MEM"), "", (int)w, (int)h, 1, GDT_Float32, NULL);
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  GDALSetRasterNoDataValue(b, nd);
  assert_int_equal(GDALRasterIO(b, GF_Write, 0, 0, (int)w, (int)h, (void *)v, (int)w, (int)h, GDT_Float32, 0, 0),
                   CE_None);
  assert_int_equal(GDALBuildOverviews(ds, "AVERAGE", nl, (int *)levels, 0, NULL, NULL, NULL), CE_None);
  int n = GDALGetOverviewCount(b);
  for (int k = 0; k < n; k++) {
    GDALRasterBandH o = GDALGetOverview(b, k);
    rw[k] = GDALGetRasterBandXSize(o), rh[k] = GDALGetRasterBandYSize(o);
    ref[k] = malloc((size_t)rw[k] * (size_t)rh[k] * sizeof **ref);
    assert_int_equal(GDALRasterIO(o, GF_Read, 0, 0, rw[k], rh[k], ref[k], rw[k], rh[k], GDT_Float32, 0, 0), CE_None);
  }
  GDALClose(ds);
  return n;
}

/* Ours against GDAL's at every level, on 1 and 3 threads, bit for bit. */
static void compare(size_t w, size_t h, double nd, const int *levels, int nl, uint64_t seed) {
  float *v = malloc(w * h * sizeof *v);
  unsigned char *ok = malloc(w * h), *ok3 = malloc(w * h);
  fill(v, w, h, (float)nd, seed);
  assert_int_equal(sm__overview_valid(v, w * h, nd, ok, 1), 0);
  assert_int_equal(sm__overview_valid(v, w * h, nd, ok3, 3), 0);
  assert_memory_equal(ok, ok3, w * h);
  float *ref[16];
  int rw[16], rh[16];
  int n = gdal_overviews(v, w, h, nd, levels, nl, ref, rw, rh);
  assert_int_equal(n, nl);
  for (int k = 0; k < n; k++) {
    size_t cells = (size_t)rw[k] * (size_t)rh[k];
    float *a = malloc(cells * sizeof *a), *b = malloc(cells * sizeof *b);
    sm__overview_average(v, ok, w, h, nd, a, (size_t)rw[k], (size_t)rh[k], 10485760, 1);
    sm__overview_average(v, ok, w, h, nd, b, (size_t)rw[k], (size_t)rh[k], 10485760, 3);
    assert_memory_equal(a, b, cells * sizeof *a);
    size_t differ = 0, first = SIZE_MAX;
    for (size_t i = 0; i < cells; i++)
      if (memcmp(&a[i], &ref[k][i], sizeof *a) != 0 && !(isnan(a[i]) && isnan(ref[k][i]))) {
        if (first == SIZE_MAX) first = i;
        differ++;
      }
    if (differ)
      fail_msg("%zu x %zu, nodata %g, level %d (%d x %d): %zu cells differ, the first at row %zu column %zu: %.9g "
               "against GDAL's %.9g", w, h, nd, levels[k], rw[k], rh[k], differ, first / (size_t)rw[k],
               first % (size_t)rw[k], (double)a[first], (double)ref[k][first]);
    free(a), free(b), free(ref[k]);
  }
  free(v), free(ok), free(ok3);
}

static void matches_gdal(void **state) {
  (void)state;
  GDALAllRegister();
  if (!gdal36()) skip();
  static const int l248[] = {2, 4, 8}, l2[] = {2}, l3[] = {3}, l5[] = {5}, l16[] = {16};
  /* a density's grid: 2051 x 2051 cells, read by GDAL in chunks of 512 rows (the rows at their seams clipped) */
  compare(2051, 2051, -9999, l248, 3, 1);
  /* an exact halving, where every weight is 1 */
  compare(512, 512, -9999, l2, 1, 2);
  /* wide and short, tall and narrow: several chunks each way */
  compare(5003, 1201, -9999, l248, 3, 3);
  compare(1000, 3000, -9999, l248, 3, 4);
  /* odd factors, and a level that leaves one row */
  compare(301, 299, -9999, l3, 1, 5);
  compare(257, 263, -9999, l5, 1, 6);
  compare(17, 33, -9999, l16, 1, 7);
  /* nodata 0 (its replacement is the least normal float), a positive nodata, NaN as nodata */
  compare(777, 555, 0, l248, 3, 8);
  compare(640, 480, 255, l2, 1, 9);
  compare(999, 1003, NAN, l248, 3, 10);
}

/* A smaller chunk (GDAL_OVR_CHUNK_MAX_SIZE) moves the seams; the same rows are still clipped as GDAL clips them. */
static void chunk_seams(void **state) {
  (void)state;
  GDALAllRegister();
  if (!gdal36()) skip();
  CPLSetConfigOption("GDAL_OVR_CHUNK_MAX_SIZE", "100000");
  size_t w = 613, h = 997;
  float *v = malloc(w * h * sizeof *v);
  unsigned char *ok = malloc(w * h);
  fill(v, w, h, -9999, 11);
  assert_int_equal(sm__overview_valid(v, w * h, -9999, ok, 2), 0);
  static const int l[] = {2, 4};
  float *ref[4];
  int rw[4], rh[4];
  int n = gdal_overviews(v, w, h, -9999, l, 2, ref, rw, rh);
  CPLSetConfigOption("GDAL_OVR_CHUNK_MAX_SIZE", NULL);
  for (int k = 0; k < n; k++) {
    size_t cells = (size_t)rw[k] * (size_t)rh[k];
    float *a = malloc(cells * sizeof *a), *b = malloc(cells * sizeof *b);
    sm__overview_average(v, ok, w, h, -9999, a, (size_t)rw[k], (size_t)rh[k], 100000, 2);
    sm__overview_average(v, ok, w, h, -9999, b, (size_t)rw[k], (size_t)rh[k], 10485760, 2);
    assert_memory_equal(a, ref[k], cells * sizeof *a);
    assert_memory_not_equal(b, ref[k], cells * sizeof *b); /* the seams matter */
    free(a), free(b), free(ref[k]);
  }
  free(v), free(ok);
}

/* A nodata value no float holds: GDAL has no mask for it, and the caller must leave the grid to GDAL. */
static void nodata_out_of_range(void **state) {
  (void)state;
  float v[4] = {1, 2, 3, 4};
  unsigned char ok[4];
  assert_int_equal(sm__overview_valid(v, 4, 1e300, ok, 1), -1);
  assert_int_equal(sm__overview_valid(v, 4, -1e39, ok, 1), -1);
  assert_int_equal(sm__overview_valid(v, 4, INFINITY, ok, 1), 0);
  assert_int_equal(sm__overview_valid(v, 4, -FLT_MAX, ok, 1), 0);
}

/* The GeoTIFF at path (w x h cells) has nl overview levels, each equal bit for bit to GDAL's AVERAGE of the file's own
 * cells at the factors levels. */
static void assert_file_overviews(const char *path, size_t w, size_t h, const int *levels, int nl) {
  GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
  assert_non_null(ds);
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  float *f = malloc(w * h * sizeof *f);
  assert_int_equal(GDALRasterIO(b, GF_Read, 0, 0, (int)w, (int)h, f, (int)w, (int)h, GDT_Float32, 0, 0), CE_None);
  float *ref[16];
  int rw[16], rh[16];
  assert_int_equal(GDALGetOverviewCount(b), nl);
  assert_int_equal(gdal_overviews(f, w, h, -9999, levels, nl, ref, rw, rh), nl);
  for (int k = 0; k < nl; k++) {
    GDALRasterBandH o = GDALGetOverview(b, k);
    assert_int_equal(GDALGetRasterBandXSize(o), rw[k]);
    assert_int_equal(GDALGetRasterBandYSize(o), rh[k]);
    float *got = malloc((size_t)rw[k] * (size_t)rh[k] * sizeof *got);
    assert_int_equal(GDALRasterIO(o, GF_Read, 0, 0, rw[k], rh[k], got, rw[k], rh[k], GDT_Float32, 0, 0), CE_None);
    assert_memory_equal(got, ref[k], (size_t)rw[k] * (size_t)rh[k] * sizeof *got);
    free(got), free(ref[k]);
  }
  GDALClose(ds);
  free(f);
}

/* What sm_write_raster puts in a GeoTIFF: its overviews are GDAL's AVERAGE of the file's own cells. */
static void geotiff_overviews(void **state) {
  (void)state;
  if (!gdal36()) skip();
  size_t w = 1301, h = 1099;
  sm_raster *r;
  assert_ok(ctx, sm_raster_create(ctx, &r, w, h, 529000, 183000, 10, "EPSG:27700"));
  double *d = sm_raster_data(r);
  float *f = malloc(w * h * sizeof *f);
  fill(f, w, h, -9999, 12);
  for (size_t i = 0; i < w * h; i++) d[i] = f[i] == -9999 ? NAN : (double)f[i] * (1 + 1e-9); /* doubles, rounded */
  const char *p = tu_path("ovr.tif");
  assert_ok(ctx, sm_write_raster(ctx, p, r, NULL));
  static const int l[] = {2, 4};
  assert_file_overviews(p, w, h, l, 2);
  free(f);
  sm_raster_destroy(r);
}

/* Out of memory. sm__overview_average itself says so (never a grid left unwritten). sm_write_raster, with each of its
 * allocations failed in turn: SM_E_NOMEM and no file (nor temporary file), or the file whole, its overviews GDAL's
 * AVERAGE of its cells (made by GDAL when the grid's valid bytes could not be held). */
static void out_of_memory(void **state) {
  (void)state;
  enum { W = 64, H = 64 };
  static float v[W * H], d[(W / 2) * (H / 2)];
  static unsigned char ok[W * H];
  fill(v, W, H, -9999, 13);
  assert_int_equal(sm__overview_valid(v, W * H, -9999, ok, 1), 0);
  for (long k = 1; k <= 2; k++) {
    sm__alloc_fail_after(k);
    assert_int_equal(sm__overview_average(v, ok, W, H, -9999, d, W / 2, H / 2, 10485760, 1), -1);
    sm__alloc_fail_after(0);
  }
  assert_int_equal(sm__overview_average(v, ok, W, H, -9999, d, W / 2, H / 2, 10485760, 1), 0);
  if (!gdal36()) return;
  size_t w = 530, h = 211;
  sm_raster *r;
  assert_ok(ctx, sm_raster_create(ctx, &r, w, h, 529000, 183000, 10, "EPSG:27700"));
  double *dv = sm_raster_data(r);
  float *f = malloc(w * h * sizeof *f);
  fill(f, w, h, -9999, 14);
  for (size_t i = 0; i < w * h; i++) dv[i] = f[i] == -9999 ? NAN : (double)f[i];
  int failed = 0, written = 0;
  for (long k = 1; k <= 60; k++) {
    char name[32];
    snprintf(name, sizeof name, "oom%ld.tif", k);
    const char *p = tu_path(name);
    sm__alloc_fail_after(k);
    sm_status st = sm_write_raster(ctx, p, r, NULL);
    sm__alloc_fail_after(0);
    assert_int_equal(tu_count_files("safemap-tmp"), 0);
    if (st) {
      assert_int_equal(st, SM_E_NOMEM);
      assert_false(tu_exists(p));
      failed++;
      continue;
    }
    written++;
    static const int l[] = {2};
    assert_file_overviews(p, w, h, l, 1);
  }
  assert_true(failed > 3 && written > 0);
  free(f);
  sm_raster_destroy(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(matches_gdal),
      cmocka_unit_test(chunk_seams),
      cmocka_unit_test(nodata_out_of_range),
      cmocka_unit_test(geotiff_overviews),
      cmocka_unit_test(out_of_memory),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
