/* layer + write: columns, metadata, GeoPackage and CSV, atomic writes */
#include "testutil.h"

#include "internal/numfmt.h"
#include "internal/sm_internal.h"

#include <fenv.h>
#include <float.h>
#include <gdal.h>
#include <math.h>
#include <pthread.h>
#include <sys/wait.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

TU_CTX_FIXTURE

static sm_layer *table(void) {
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, "t", SM_GEOM_NONE, NULL));
  size_t a, b, c;
  assert_ok(ctx, sm_layer_add_field(ctx, l, "name", SM_FIELD_STRING, &a));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "n", SM_FIELD_INT64, &b));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "rate", SM_FIELD_DOUBLE, &c));
  const char *names[] = {"plain", "with, comma", "with \"quote\"", NULL};
  for (int i = 0; i < 4; i++) {
    size_t r;
    assert_ok(ctx, sm_layer_add_feature(ctx, l, NULL, 0, &r));
    if (names[i]) assert_ok(ctx, sm_layer_set_string(ctx, l, r, a, names[i]));
    assert_ok(ctx, sm_layer_set_int(ctx, l, r, b, i * 1000000000000LL));
    if (i != 2) assert_ok(ctx, sm_layer_set_double(ctx, l, r, c, i + 0.25));
  }
  assert_ok(ctx, sm_layer_set_metadata(ctx, l, "method", "test"));
  assert_ok(ctx, sm_layer_set_metadata(ctx, l, "method", "test table")); /* replaces */
  return l;
}

static void layer_api(void **state) {
  (void)state;
  sm_layer *l = table();
  assert_int_equal(sm_layer_feature_count(l), 4);
  assert_int_equal(sm_layer_field_count(l), 3);
  assert_int_equal(sm_layer_field_index(l, "RATE"), 2);
  assert_int_equal(sm_layer_field_index(l, "nope"), -1);
  assert_true(sm_layer_is_null(l, 3, 0));
  assert_true(sm_layer_is_null(l, 2, 2));
  assert_true(isnan(sm_layer_get_double(l, 2, 2)));
  assert_int_equal(sm_layer_get_int(l, 3, 1), 3000000000000LL);
  assert_string_equal(sm_layer_metadata_get(l, "method"), "test table");
  assert_int_equal(sm_layer_metadata_count(l), 1);
  /* wrong type, out of range, duplicate column */
  assert_int_equal(sm_layer_set_int(ctx, l, 0, 0, 1), SM_E_INVALID_ARG);
  assert_int_equal(sm_layer_set_int(ctx, l, 9, 1, 1), SM_E_INVALID_ARG);
  assert_int_equal(sm_layer_add_field(ctx, l, "N", SM_FIELD_INT64, NULL), SM_E_INVALID_ARG);
  /* a column added later is NULL for existing rows */
  size_t d;
  assert_ok(ctx, sm_layer_add_field(ctx, l, "late", SM_FIELD_INT64, &d));
  assert_true(sm_layer_is_null(l, 0, d));
  sm_layer_destroy(l);
  sm_layer_destroy(NULL);
}

static char *slurp(const char *p) {
  FILE *f = fopen(p, "rb");
  if (!f) return NULL;
  static char buf[65536];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void csv_output(void **state) {
  (void)state;
  sm_layer *l = table();
  const char *p = tu_path("t.csv");
  assert_ok(ctx, sm_write_layers(ctx, p, &l, 1, NULL));
  assert_string_equal(slurp(p), "name,n,rate\n"
                                "plain,0,0.25\n"
                                "\"with, comma\",1000000000000,1.25\n"
                                "\"with \"\"quote\"\"\",2000000000000,\n"
                                ",3000000000000,3.25\n");
  /* exists: refused, file untouched, no temporary left */
  assert_int_equal(sm_write_layers(ctx, p, &l, 1, NULL), SM_E_IO);
  assert_contains(sm_ctx_last_error(ctx), "exists already");
  assert_contains(slurp(p), "plain,0,0.25");
  assert_int_equal(tu_count_files("safemap-tmp"), 0);
  sm_write_options o = SM_WRITE_OPTIONS_INIT;
  o.overwrite = 1;
  assert_ok(ctx, sm_write_layers(ctx, p, &l, 1, &o));
  /* several layers do not fit in one CSV */
  sm_layer *two[2] = {l, l};
  assert_int_equal(sm_write_layers(ctx, tu_path("two.csv"), two, 2, NULL), SM_E_INVALID_ARG);
  assert_false(tu_exists(tu_path("two.csv")));
  sm_layer_destroy(l);
}

static void bad_paths(void **state) {
  (void)state;
  sm_layer *l = table();
  assert_int_equal(sm_write_layers(ctx, tu_path("no/such/dir/x.gpkg"), &l, 1, NULL), SM_E_IO);
  assert_contains(sm_ctx_last_error(ctx), "does not exist");
  assert_int_equal(sm_write_layers(ctx, tu_path("x.shp"), &l, 1, NULL), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), ".gpkg, .csv or .tif");
  assert_int_equal(sm_write_check(ctx, tu_dir(), NULL), SM_E_INVALID_ARG);
  if (geteuid() != 0) { /* root writes anywhere */
    mkdir(tu_path("ro"), 0555);
    assert_int_equal(sm_write_layers(ctx, tu_path("ro/x.gpkg"), &l, 1, NULL), SM_E_IO);
    assert_contains(sm_ctx_last_error(ctx), "not writable");
  }
  sm_layer_destroy(l);
}

static int stop(double f, const char *m, void *u) {
  (void)f, (void)m, (void)u;
  return 0;
}

static void geopackage_output(void **state) {
  (void)state;
  sm_layer *t = table(), *g;
  assert_ok(ctx, sm_layer_create(ctx, &g, "pts", SM_GEOM_POINT, "EPSG:27700"));
  unsigned char wkb[21] = {1, 1, 0, 0, 0};
  double xy[2] = {529000.5, 183000.25};
  memcpy(wkb + 5, xy, 16);
  assert_ok(ctx, sm_layer_add_feature(ctx, g, wkb, 21, NULL));
  assert_ok(ctx, sm_layer_set_metadata(ctx, g, "method", "points"));
  const char *p = tu_path("out.gpkg");
  sm_layer *both[2] = {g, t};
  /* cancelled: nothing written */
  sm_ctx_set_progress(ctx, stop, NULL);
  assert_int_equal(sm_write_layers(ctx, p, both, 2, NULL), SM_E_CANCELLED);
  sm_ctx_set_progress(ctx, NULL, NULL);
  assert_false(tu_exists(p));
  assert_int_equal(tu_count_files("safemap-tmp"), 0);
  assert_ok(ctx, sm_write_layers(ctx, p, both, 2, NULL));
  GDALDatasetH ds = GDALOpenEx(p, GDAL_OF_VECTOR, NULL, NULL, NULL);
  assert_non_null(ds);
  OGRLayerH L = GDALDatasetGetLayerByName(ds, "pts");
  assert_non_null(L);
  OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(L);
  assert_string_equal(OSRGetAuthorityCode(srs, NULL), "27700");
  OGRFeatureH f = OGR_L_GetNextFeature(L);
  assert_true(OGR_G_GetX(OGR_F_GetGeometryRef(f), 0) == 529000.5);
  OGR_F_Destroy(f);
  assert_string_equal(GDALGetMetadataItem((GDALMajorObjectH)L, "method", NULL), "points");
  OGRLayerH M = GDALDatasetExecuteSQL(ds, "SELECT value FROM safemap_metadata WHERE layer = 't' AND key = 'method'", NULL, NULL);
  assert_non_null(M);
  f = OGR_L_GetNextFeature(M);
  assert_non_null(f);
  assert_string_equal(OGR_F_GetFieldAsString(f, 0), "test table");
  OGR_F_Destroy(f);
  GDALDatasetReleaseResultSet(ds, M);
  OGRLayerH S = GDALDatasetExecuteSQL(ds, "SELECT COUNT(*) FROM gpkg_extensions WHERE table_name = 'pts' AND extension_name = 'gpkg_rtree_index'", NULL, NULL);
  f = OGR_L_GetNextFeature(S);
  assert_int_equal(OGR_F_GetFieldAsInteger(f, 0), 1); /* spatial index */
  OGR_F_Destroy(f);
  GDALDatasetReleaseResultSet(ds, S);
  OGRLayerH T = GDALDatasetGetLayerByName(ds, "t");
  assert_int_equal(OGR_L_GetFeatureCount(T, 1), 4);
  GDALClose(ds);
  sm_layer_destroy(t);
  sm_layer_destroy(g);
}

static void geotiff_output(void **state) {
  (void)state;
  sm_raster *r;
  assert_ok(ctx, sm_raster_create(ctx, &r, 600, 300, 529000, 183000, 5, "EPSG:27700"));
  double *v = sm_raster_data(r);
  for (size_t j = 0; j < 300; j++)
    for (size_t i = 0; i < 600; i++) v[j * 600 + i] = (i + j) % 7 == 0 ? NAN : (double)i * 0.5 + (double)j;
  assert_ok(ctx, sm_raster_set_metadata(ctx, r, "units", "points per square kilometre"));
  assert_ok(ctx, sm_raster_set_metadata(ctx, r, "kernel", "quartic"));
  const char *p = tu_path("k.tif");
  sm_write_options o = SM_WRITE_OPTIONS_INIT;
  o.float64 = 1;
  assert_ok(ctx, sm_write_raster(ctx, p, r, &o));
  assert_int_equal(sm_write_raster(ctx, p, r, &o), SM_E_IO); /* exists */
  assert_int_equal(tu_count_files("safemap-tmp"), 0);
  GDALDatasetH ds = GDALOpen(p, GA_ReadOnly);
  assert_non_null(ds);
  assert_int_equal(GDALGetRasterXSize(ds), 600);
  assert_int_equal(GDALGetRasterYSize(ds), 300);
  double gt[6];
  GDALGetGeoTransform(ds, gt);
  assert_true(gt[0] == 529000 && gt[3] == 183000 && gt[1] == 5 && gt[5] == -5);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(GDALGetProjectionRef(ds));
  OSRAutoIdentifyEPSG(srs);
  assert_string_equal(OSRGetAuthorityCode(srs, NULL), "27700");
  OSRDestroySpatialReference(srs);
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  int has = 0;
  assert_true(GDALGetRasterNoDataValue(b, &has) == -9999 && has);
  assert_string_equal(GDALGetRasterUnitType(b), "points per square kilometre");
  assert_string_equal(GDALGetMetadataItem(ds, "kernel", NULL), "quartic");
  assert_int_equal(GDALGetOverviewCount(b), 1); /* 600 -> 300: one level down to 256 */
  assert_int_equal(GDALGetRasterDataType(b), GDT_Float64);
  double row[600];
  assert_int_equal(GDALRasterIO(b, GF_Read, 0, 10, 600, 1, row, 600, 1, GDT_Float64, 0, 0), CE_None);
  for (size_t i = 0; i < 600; i++) {
    if ((i + 10) % 7 == 0) assert_true(row[i] == -9999);
    else assert_true(row[i] == (double)i * 0.5 + 10);
  }
  GDALClose(ds);
  /* a GeoPackage gridded coverage, with a vector layer beside it */
  assert_ok(ctx, sm_raster_set_metadata(ctx, r, "name", "density"));
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, "areas", SM_GEOM_NONE, NULL));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "pct", SM_FIELD_INT64, NULL));
  assert_ok(ctx, sm_layer_add_feature(ctx, l, NULL, 0, NULL));
  assert_ok(ctx, sm_layer_set_int(ctx, l, 0, 0, 50));
  const char *g = tu_path("run.gpkg");
  const sm_raster *rs[1] = {r};
  assert_ok(ctx, sm_write_geopackage(ctx, g, rs, 1, &l, 1, NULL));
  ds = GDALOpenEx(g, GDAL_OF_RASTER, NULL, NULL, NULL);
  assert_non_null(ds);
  b = GDALGetRasterBand(ds, 1);
  assert_int_equal(GDALGetRasterDataType(b), GDT_Float32);
  assert_int_equal(GDALRasterIO(b, GF_Read, 0, 10, 600, 1, row, 600, 1, GDT_Float64, 0, 0), CE_None);
  for (size_t i = 0; i < 600; i++) {
    if ((i + 10) % 7 == 0) assert_true(row[i] == -9999 || isnan(row[i]));
    else assert_true(row[i] == (double)(float)((double)i * 0.5 + 10));
  }
  GDALClose(ds);
  ds = GDALOpenEx(g, GDAL_OF_VECTOR, NULL, NULL, NULL);
  assert_non_null(GDALDatasetGetLayerByName(ds, "areas"));
  OGRLayerH M = GDALDatasetExecuteSQL(ds, "SELECT value FROM safemap_metadata WHERE layer = 'density' AND key = 'kernel'", NULL, NULL);
  OGRFeatureH f = OGR_L_GetNextFeature(M);
  assert_non_null(f);
  assert_string_equal(OGR_F_GetFieldAsString(f, 0), "quartic");
  OGR_F_Destroy(f);
  GDALDatasetReleaseResultSet(ds, M);
  GDALClose(ds);
  sm_layer_destroy(l);
  /* not to CSV */
  assert_int_equal(sm_write_raster(ctx, tu_path("k.csv"), r, NULL), SM_E_INVALID_ARG);
  sm_raster_destroy(r);
}

/* ---- number formatting: sm__fmt_g15 and sm__fmt_i64 against glibc's printf -------- */
static uint64_t rng_state = 0x853c49e6748fea9bu;
static uint64_t rnd64(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}
static double rnd01(void) { return (double)(rnd64() >> 11) * 0x1p-53; }

typedef struct g15_count {
  long values, fallbacks;
} g15_count;

/* v and -v: the same bytes as snprintf("%.15g"), through sm__fmt_g15 and
 * through its integer path alone wherever that does not give up. The output
 * buffer is a heap block of exactly SM_NUMFMT_MAX bytes, so ASan sees any
 * write past the promised room. */
static void g15_check(double v, g15_count *cnt) {
  static char *out;
  if (!out) out = malloc(SM_NUMFMT_MAX);
  for (int s = 0; s < 2; s++, v = -v) {
    if (!isfinite(v)) return;
    char want[64];
    int wn = snprintf(want, sizeof want, "%.15g", v);
    int n = sm__fmt_g15(v, out);
    if (n != wn || memcmp(out, want, (size_t)wn) != 0) fail_msg("%a: sm__fmt_g15 '%.*s', printf '%s'", v, n, out, want);
    n = sm__fmt_g15_fast(v, out);
    if (n < 0) cnt->fallbacks++;
    else if (n != wn || memcmp(out, want, (size_t)wn) != 0)
      fail_msg("%a: integer path '%.*s', printf '%s'", v, n, out, want);
    cnt->values++;
  }
}

static double from_bits(uint64_t b) {
  double v;
  memcpy(&v, &b, sizeof v);
  return v;
}

/* A 16-digit decimal ending in 5, the tie of two 15-digit values, read as the
 * nearest double: within a fraction of a unit of the tie either way. */
static double decimal_tie(int exp10) {
  char s[64];
  long long n = 100000000000000LL + (long long)(rnd64() % 900000000000000ULL);
  snprintf(s, sizeof s, "%lld5e%d", n, exp10 - 15);
  return strtod(s, NULL);
}

static void g15_matches_printf(void **state) {
  (void)state;
  g15_count bits = {0}, sub = {0}, typical = {0}, ties = {0}, pow10 = {0}, ints = {0}, special = {0};
  /* any bit pattern: every exponent, huge, tiny */
  for (int i = 0; i < 1000000; i++) g15_check(from_bits(rnd64()), &bits);
  for (int i = 0; i < 100000; i++) g15_check(from_bits(rnd64() >> 12), &sub); /* subnormals */
  /* what hot-spot tables hold: coordinates and counts, z-scores, p-values */
  for (int i = 0; i < 300000; i++) {
    g15_check(rnd01() * 1e7, &typical);
    g15_check((rnd01() - 0.5) * 20, &typical);
    g15_check(pow(10, -300 * rnd01()), &typical);
    g15_check(rnd01(), &typical);
  }
  /* whole numbers of 1 to 17 digits: the integer path below 10^15, above it not */
  for (int i = 0; i < 200000; i++) {
    double p = pow(10, (double)(rnd64() % 17));
    g15_check(floor(rnd01() * 10 * p), &ints);
    g15_check(floor(rnd01() * 10 * p) + 0.5, &ints);
  }
  /* near ties at the 15th digit, at every scale, and their neighbours */
  for (int i = 0; i < 300000; i++) {
    double v = decimal_tie((int)(rnd64() % 600) - 300);
    g15_check(v, &ties);
    g15_check(nextafter(v, INFINITY), &ties);
    g15_check(nextafter(v, 0), &ties);
  }
  /* near powers of ten: where the exponent and the fixed/exponent form change */
  for (int e = -323; e <= 308; e++) {
    const char *forms[] = {"1e%d", "9.999999999999995e%d", "9.99999999999999e%d", "1.00000000000001e%d", "5e%d"};
    for (int f = 0; f < 5; f++) {
      char s[64];
      snprintf(s, sizeof s, forms[f], e - (f == 1 || f == 2));
      double v = strtod(s, NULL), up = v, down = v;
      g15_check(v, &pow10);
      for (int k = 0; k < 20; k++) {
        g15_check(up = nextafter(up, INFINITY), &pow10);
        g15_check(down = nextafter(down, 0), &pow10);
      }
    }
  }
  const double list[] = {0.0, 0.5, 2.5, 0.125, 1e15 - 0.5, 999999999999999.5, 100000000000000.5, 100000000000001.5,
                         9.9999999999999995, 0.1 + 0.2, 1.0 / 3, 2.0 / 3, 1e15, 1e14, 1e16, 1e21, 1e22, 1e23, 1e-4,
                         1e-5, 0.0001, 0.00001, 0.000123456789012345, 123456789012345.6, 999999999999999.0,
                         999999999999999.4, 999999999999999.6, 9007199254740992.0, 9007199254740993.0, DBL_MAX,
                         DBL_MIN, DBL_TRUE_MIN, DBL_EPSILON, 1.7976931348623157e308, 2.2250738585072009e-308,
                         4.9406564584124654e-324, M_PI, M_E, 529000.5, 183000.25, 0.05, 0.95, 1.96, 2.576};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) g15_check(list[i], &special);
  /* what it looks like, and which it leaves to printf: exact ties */
  char out[SM_NUMFMT_MAX];
  assert_int_equal(sm__fmt_g15(-0.0, out), 2);
  assert_memory_equal(out, "-0", 2);
  assert_int_equal(sm__fmt_g15(1e15, out), 5);
  assert_memory_equal(out, "1e+15", 5);
  assert_int_equal(sm__fmt_g15(0.000123456789012345, out), 20);
  assert_memory_equal(out, "0.000123456789012345", 20);
  assert_int_equal(sm__fmt_g15_fast(999999999999999.5, out), -1); /* rounds half to even, to 1e+15 */
  assert_int_equal(sm__fmt_g15_fast(100000000000000.5, out), -1);
  assert_int_equal(sm__fmt_g15_fast(NAN, out), -1);
  assert_true(sm__fmt_g15_fast(0.1 + 0.2, out) == 3 && memcmp(out, "0.3", 3) == 0);
  print_message("sm__fmt_g15: %ld random bit patterns (%ld to printf), %ld subnormals (%ld), %ld typical (%ld), "
                "%ld whole numbers (%ld), %ld near 15-digit ties (%ld), %ld near powers of ten (%ld), %ld listed (%ld)\n",
                bits.values, bits.fallbacks, sub.values, sub.fallbacks, typical.values, typical.fallbacks, ints.values,
                ints.fallbacks, ties.values, ties.fallbacks, pow10.values, pow10.fallbacks, special.values,
                special.fallbacks);
  /* the integer path does the work: printf only near ties (2^-12 of a unit, ~1 in 2000) */
  assert_true(bits.fallbacks * 500 < bits.values);
  assert_true(sub.fallbacks * 500 < sub.values);
  assert_true(typical.fallbacks * 500 < typical.values);
  assert_true(pow10.fallbacks * 100 < pow10.values);
  assert_true(ties.fallbacks * 10 < ties.values);
}

static void i64_matches_printf(void **state) {
  (void)state;
  const int64_t list[] = {0, 1, -1, 9, 10, -10, 99, 100, 999999999999999999, 1000000000000000000, INT64_MAX,
                          INT64_MIN, INT64_MIN + 1, INT32_MAX, INT32_MIN, 4294967296};
  char out[SM_NUMFMT_MAX], want[32];
  for (size_t i = 0; i < sizeof list / sizeof list[0] + 1000000; i++) {
    int64_t v = i < sizeof list / sizeof list[0] ? list[i] : (int64_t)(rnd64() >> (rnd64() % 64));
    if (i % 2 && v != INT64_MIN) v = -v;
    int wn = snprintf(want, sizeof want, "%lld", (long long)v);
    int n = sm__fmt_i64(v, out);
    if (n != wn || memcmp(out, want, (size_t)wn) != 0) fail_msg("%lld: '%.*s'", (long long)v, n, out);
  }
}

/* ---- the CSV writer: the old stdio writer's bytes, for any thread count --------------- */
/* The writer as it was before the parallel one: the reference. */
static void ref_str(FILE *f, const char *s) {
  if (!s) return;
  int q = strpbrk(s, ",\"\r\n") != NULL || (s[0] == ' ') || (s[0] && s[strlen(s) - 1] == ' ');
  if (!q) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void ref_write(const char *path, const sm_layer *l) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  size_t nf = sm_layer_field_count(l), n = sm_layer_feature_count(l);
  for (size_t c = 0; c < nf; c++) {
    if (c) fputc(',', f);
    ref_str(f, sm_layer_field_name(l, c));
  }
  fputc('\n', f);
  for (size_t r = 0; r < n; r++) {
    for (size_t c = 0; c < nf; c++) {
      if (c) fputc(',', f);
      if (sm_layer_is_null(l, r, c)) continue;
      switch (sm_layer_field_type(l, c)) {
      case SM_FIELD_INT64: fprintf(f, "%lld", (long long)sm_layer_get_int(l, r, c)); break;
      case SM_FIELD_DOUBLE: {
        double v = sm_layer_get_double(l, r, c);
        if (isfinite(v)) fprintf(f, "%.15g", v);
        break;
      }
      case SM_FIELD_STRING: ref_str(f, sm_layer_get_string(l, r, c)); break;
      }
    }
    fputc('\n', f);
  }
  assert_int_equal(fclose(f), 0);
}

static int same_file(const char *a, const char *b) {
  FILE *f = fopen(a, "rb"), *g = fopen(b, "rb");
  int same = f && g;
  while (same) {
    char x[65536], y[65536];
    size_t n = fread(x, 1, sizeof x, f), m = fread(y, 1, sizeof y, g);
    same = n == m && memcmp(x, y, n) == 0;
    if (n == 0) break;
  }
  if (f) fclose(f);
  if (g) fclose(g);
  return same;
}

/* More rows than two rounds of 65536 and a partial block; every kind of cell. */
static sm_layer *mixed_table(size_t rows) {
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, "mixed", SM_GEOM_NONE, NULL));
  const char *names[] = {"id", "x, y", "name", "z", "say \"n\"", " p"};
  const sm_field_type types[] = {SM_FIELD_INT64, SM_FIELD_DOUBLE, SM_FIELD_STRING,
                                 SM_FIELD_DOUBLE, SM_FIELD_INT64, SM_FIELD_DOUBLE};
  for (int c = 0; c < 6; c++) assert_ok(ctx, sm_layer_add_field(ctx, l, names[c], types[c], NULL));
  const char *strs[] = {"plain", "with, comma", "with \"quote\"", " lead", "trail ", "", "multi\nline", "cr\r", "x"};
  for (size_t r = 0; r < rows; r++) {
    assert_ok(ctx, sm_layer_add_feature(ctx, l, NULL, 0, NULL));
    uint64_t k = rnd64();
    int64_t id = k % 97 == 0 ? INT64_MIN : k % 89 == 0 ? INT64_MAX : (int64_t)r - 1000;
    assert_ok(ctx, sm_layer_set_int(ctx, l, r, 0, id));
    double x = k % 5 == 0 ? from_bits(rnd64()) : k % 5 == 1 ? rnd01() * 1e6 : k % 5 == 2 ? decimal_tie(3) : floor(rnd01() * 100);
    if (k % 13) assert_ok(ctx, sm_layer_set_double(ctx, l, r, 1, x)); /* NaN, Inf: empty */
    if (k % 11) assert_ok(ctx, sm_layer_set_string(ctx, l, r, 2, strs[(k >> 8) % 9]));
    assert_ok(ctx, sm_layer_set_double(ctx, l, r, 3, (rnd01() - 0.5) * 8));
    if (k % 3) assert_ok(ctx, sm_layer_set_int(ctx, l, r, 4, (int64_t)(k >> 20) % 1000));
    assert_ok(ctx, sm_layer_set_double(ctx, l, r, 5, k % 7 ? pow(10, -320 * rnd01()) : -0.0));
  }
  return l;
}

typedef struct progress_log {
  int calls;
  int other_thread;
  pthread_t caller;
  double last;
} progress_log;

static int log_progress(double f, const char *m, void *u) {
  progress_log *p = u;
  if (!pthread_equal(pthread_self(), p->caller)) p->other_thread = 1;
  if (!strcmp(m, "writing CSV")) p->calls++, p->last = f;
  return 1;
}

static int cancel_writing(double f, const char *m, void *u) {
  (void)f, (void)u;
  return strcmp(m, "writing CSV") != 0;
}

static void csv_threads_identical(void **state) {
  (void)state;
  sm_layer *l = mixed_table(150000);
  const char *ref = tu_path("ref.csv");
  ref_write(ref, l);
  sm_write_options o = SM_WRITE_OPTIONS_INIT;
  o.overwrite = 1;
  const int threads[] = {1, 2, 3, 8};
  for (int i = 0; i < 4; i++) {
    assert_ok(ctx, sm_ctx_set_threads(ctx, threads[i]));
    progress_log pl = {0, 0, pthread_self(), 0};
    sm_ctx_set_progress(ctx, log_progress, &pl);
    assert_ok(ctx, sm_write_layers(ctx, tu_path("mixed.csv"), &l, 1, &o));
    sm_ctx_set_progress(ctx, NULL, NULL);
    if (!same_file(ref, tu_path("mixed.csv"))) fail_msg("%d threads: not the reference bytes", threads[i]);
    /* after rows 65536 and 131072, as the row-by-row writer did; on this thread */
    assert_int_equal(pl.calls, 2);
    assert_true(pl.last == 131071.0 / 150000.0);
    assert_false(pl.other_thread);
  }
  /* cancelled while writing: nothing left behind */
  sm_ctx_set_progress(ctx, cancel_writing, NULL);
  assert_int_equal(sm_write_layers(ctx, tu_path("cancelled.csv"), &l, 1, NULL), SM_E_CANCELLED);
  sm_ctx_set_progress(ctx, NULL, NULL);
  assert_false(tu_exists(tu_path("cancelled.csv")));
  assert_int_equal(tu_count_files("safemap-tmp"), 0);
  /* printf rounds in the caller's rounding mode: then printf it is */
  assert_int_equal(fesetround(FE_UPWARD), 0);
  ref_write(tu_path("ref_up.csv"), l);
  sm_status st = sm_write_layers(ctx, tu_path("mixed_up.csv"), &l, 1, &o);
  fesetround(FE_TONEAREST);
  assert_ok(ctx, st);
  assert_true(same_file(tu_path("ref_up.csv"), tu_path("mixed_up.csv")));
  assert_false(same_file(ref, tu_path("mixed_up.csv")));
  /* out of memory at each allocation in turn: SM_E_NOMEM, no file */
  for (long k = 1;; k++) {
    sm__alloc_fail_after(k);
    st = sm_write_layers(ctx, tu_path("oom.csv"), &l, 1, NULL);
    sm__alloc_fail_after(0);
    if (st == SM_OK) break;
    assert_int_equal(st, SM_E_NOMEM);
    assert_false(tu_exists(tu_path("oom.csv")));
    assert_int_equal(tu_count_files("safemap-tmp"), 0);
  }
  assert_true(same_file(ref, tu_path("oom.csv")));
  assert_ok(ctx, sm_ctx_set_threads(ctx, 0));
  sm_layer_destroy(l);
  /* no rows; no columns */
  assert_ok(ctx, sm_layer_create(ctx, &l, "empty", SM_GEOM_NONE, NULL));
  assert_ok(ctx, sm_write_layers(ctx, tu_path("nocols.csv"), &l, 1, NULL));
  assert_string_equal(slurp(tu_path("nocols.csv")), "\n");
  assert_ok(ctx, sm_layer_add_field(ctx, l, "a b", SM_FIELD_DOUBLE, NULL));
  assert_ok(ctx, sm_write_layers(ctx, tu_path("norows.csv"), &l, 1, NULL));
  assert_string_equal(slurp(tu_path("norows.csv")), "a b\n");
  sm_layer_destroy(l);
}

static char logged[4096];
static void keep_log(sm_log_level level, const char *msg, void *user) {
  (void)level, (void)user;
  size_t n = strlen(logged);
  snprintf(logged + n, sizeof logged - n, "%s\n", msg);
}

static void read_text(const char *path, char *buf, size_t n) {
  FILE *f = fopen(path, "rb");
  buf[0] = '\0';
  if (!f) return;
  size_t k = fread(buf, 1, n - 1, f);
  buf[k] = '\0';
  fclose(f);
}

/* Temporary files of a process that no longer runs (kill -9) go at the next write into their folder, each
 * named in a warning; those of a live process stay; an unfinished set of CSV files is put back. */
static void stale_temps(void **state) {
  (void)state;
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  assert_true(dead > 0);
  waitpid(dead, NULL, 0);
  char n1[64], n2[64], n3[64], live[64], bak[64], set[64], list[256], buf[64];
  snprintf(n1, sizeof n1, ".safemap-tmp-%ld-7.gpkg", (long)dead);
  snprintf(n2, sizeof n2, ".safemap-tmp-%ld-7.gpkg-journal", (long)dead);
  snprintf(n3, sizeof n3, ".safemap-tmp-%ld-8.tif.aux.xml", (long)dead);
  snprintf(live, sizeof live, ".safemap-tmp-%ld-7.csv", (long)getppid());
  snprintf(bak, sizeof bak, ".safemap-tmp-%ld-9.bak", (long)dead);
  snprintf(set, sizeof set, ".safemap-tmp-%ld-10.set", (long)dead);
  snprintf(list, sizeof list, "stale_a.csv\t%s\nstale_b.csv\t\n", bak);
  tu_write(n1, "x"), tu_write(n2, "x"), tu_write(n3, "x"), tu_write(live, "x");
  tu_write("stale_a.csv", "new a\n"), tu_write(bak, "old a\n"), tu_write("stale_b.csv", "new b\n");
  tu_write(set, list);
  logged[0] = '\0';
  sm_ctx_set_log(ctx, keep_log, SM_LOG_WARNING, NULL);
  sm_layer *l = table();
  assert_ok(ctx, sm_write_layers(ctx, tu_path("after_kill.csv"), &l, 1, NULL));
  sm_ctx_set_log(ctx, NULL, SM_LOG_ERROR, NULL);
  sm_layer_destroy(l);
  assert_false(tu_exists(tu_path(n1)));
  assert_false(tu_exists(tu_path(n2)));
  assert_false(tu_exists(tu_path(n3)));
  assert_false(tu_exists(tu_path(set)));
  assert_false(tu_exists(tu_path(bak)));
  assert_true(tu_exists(tu_path(live))); /* its process runs: it may be writing */
  assert_contains(logged, n1);
  assert_contains(logged, "left by an interrupted run");
  read_text(tu_path("stale_a.csv"), buf, sizeof buf);
  assert_string_equal(buf, "old a\n");
  assert_false(tu_exists(tu_path("stale_b.csv")));
  assert_contains(logged, "stale_b.csv' removed");
  unlink(tu_path(live));
  unlink(tu_path("stale_a.csv"));
  unlink(tu_path("after_kill.csv"));
  assert_int_equal(tu_count_files("safemap-tmp"), 0);
}


/* One value of a native SQL query on a GeoPackage (malloc'd; NULL when no row or NULL). */
static char *sql_text(GDALDatasetH ds, const char *sql) {
  OGRLayerH R = GDALDatasetExecuteSQL(ds, sql, NULL, NULL);
  if (!R) return NULL;
  OGRFeatureH f = OGR_L_GetNextFeature(R);
  char *v = f && OGR_F_IsFieldSetAndNotNull(f, 0) ? strdup(OGR_F_GetFieldAsString(f, 0)) : NULL;
  if (f) OGR_F_Destroy(f);
  GDALDatasetReleaseResultSet(ds, R);
  return v;
}

static void assert_sql(GDALDatasetH ds, const char *sql, const char *want) {
  char *v = sql_text(ds, sql);
  if (!want) {
    if (v) fail_msg("%s: '%s', want NULL", sql, v);
  } else if (!v || strcmp(v, want)) {
    fail_msg("%s: '%s', want '%s'", sql, v ? v : "(null)", want);
  }
  free(v);
}

/* Every layer with geometry gets its QGIS style as the default in layer_styles, QGIS's own table. */
static void geopackage_styles(void **state) {
  (void)state;
  const char *longname = "a_layer_name_longer_than_thirty_bytes";
  sm_layer *t = table(), *h, *g;
  size_t f;
  assert_ok(ctx, sm_layer_create(ctx, &h, "hotspots", SM_GEOM_POINT, "EPSG:27700"));
  assert_ok(ctx, sm_layer_add_field(ctx, h, "gi_bin", SM_FIELD_INT64, &f));
  assert_ok(ctx, sm_layer_add_field(ctx, h, "lisa_class", SM_FIELD_STRING, NULL));
  unsigned char wkb[21] = {1, 1, 0, 0, 0};
  double xy[2] = {529000.5, 183000.25};
  memcpy(wkb + 5, xy, 16);
  assert_ok(ctx, sm_layer_add_feature(ctx, h, wkb, 21, NULL));
  assert_ok(ctx, sm_layer_set_int(ctx, h, 0, f, 3));
  assert_ok(ctx, sm_layer_create(ctx, &g, longname, SM_GEOM_POINT, "EPSG:27700"));
  assert_ok(ctx, sm_layer_add_feature(ctx, g, wkb, 21, NULL));
  sm_layer *all[3] = {h, t, g};
  const char *p = tu_path("styles.gpkg");
  assert_ok(ctx, sm_write_layers(ctx, p, all, 3, NULL));
  GDALDatasetH ds = GDALOpenEx(p, GDAL_OF_VECTOR, NULL, NULL, NULL);
  assert_non_null(ds);
  assert_sql(ds, "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'", "attributes");
  assert_sql(ds, "SELECT COUNT(*) FROM layer_styles", "3"); /* not the table without geometry */
  assert_sql(ds, "SELECT COUNT(*) FROM layer_styles WHERE useAsDefault", "2"); /* one per layer */
  /* the hot-spot layer's other way to be drawn, by its local Moran's I classes: not the default */
  assert_sql(ds, "SELECT styleName || '|' || useAsDefault FROM layer_styles WHERE f_table_name = 'hotspots' AND id > 1",
             "lisa_class|0");
  assert_sql(ds, "SELECT type FROM pragma_table_info('layer_styles') WHERE name = 'useAsDefault'", "BOOLEAN");
  assert_sql(ds, "SELECT type FROM pragma_table_info('layer_styles') WHERE name = 'update_time'", "DATETIME");
  assert_sql(ds, "SELECT type FROM pragma_table_info('layer_styles') WHERE name = 'styleName'", "TEXT(30)");
  assert_sql(ds, "SELECT pk FROM pragma_table_info('layer_styles') WHERE name = 'id'", "1");
  const char *row = "SELECT f_table_catalog || '|' || f_table_schema || '|' || f_geometry_column || '|' || styleName || '|' "
                    "|| useAsDefault || '|' || styleSLD || '|' || owner || '|' || IFNULL(update_time, 'NULL') "
                    "FROM layer_styles WHERE f_table_name = 'hotspots'";
  assert_sql(ds, row, "||geom|hotspots|1|||NULL"); /* the first row: the default */
  assert_sql(ds, "SELECT description FROM layer_styles WHERE f_table_name = 'hotspots'",
             "Gi* hot and cold spots; written by safemap " SM_VERSION_STRING);
  /* the QML is the style's */
  sm_style *style;
  char *qml;
  assert_ok(ctx, sm_style_for_layer(ctx, h, &style));
  assert_ok(ctx, sm_style_qml(ctx, style, SM_GEOM_POINT, &qml));
  char *stored = sql_text(ds, "SELECT styleQML FROM layer_styles WHERE f_table_name = 'hotspots'");
  assert_non_null(stored);
  assert_string_equal(stored, qml);
  assert_contains(stored, "categorizedSymbol");
  free(stored);
  sm_free(qml);
  sm_style_destroy(style);
  /* a long layer name: styleName (30 characters in QGIS's table) is cut, the table named in full */
  assert_sql(ds, "SELECT styleName FROM layer_styles WHERE f_table_name = 'a_layer_name_longer_than_thirty_bytes'",
             "a_layer_name_longer_than_thirt");
  GDALClose(ds);
  /* tables only: no layer_styles */
  const char *q = tu_path("table_only.gpkg");
  assert_ok(ctx, sm_write_layers(ctx, q, &t, 1, NULL));
  ds = GDALOpenEx(q, GDAL_OF_VECTOR, NULL, NULL, NULL);
  assert_null(GDALDatasetGetLayerByName(ds, "layer_styles"));
  GDALClose(ds);
  sm_layer_destroy(t), sm_layer_destroy(h), sm_layer_destroy(g);
}

/* A GeoTIFF's QGIS style beside it: written, refused, replaced and left out with it. */
static void geotiff_style_sidecar(void **state) {
  (void)state;
  char *sp = sm_write_style_path("out/kde.tif", NULL);
  assert_string_equal(sp, "out/kde.qml");
  sm_free(sp);
  sp = sm_write_style_path("a.b/kde.v2.TIFF", NULL);
  assert_string_equal(sp, "a.b/kde.v2.qml");
  sm_free(sp);
  sm_write_options gt = SM_WRITE_OPTIONS_INIT;
  gt.format = "GTiff";
  sp = sm_write_style_path("a.b/surface", &gt);
  assert_string_equal(sp, "a.b/surface.qml");
  sm_free(sp);
  assert_null(sm_write_style_path("kde.gpkg", NULL));
  assert_null(sm_write_style_path("kde.csv", NULL));
  assert_null(sm_write_style_path(NULL, NULL));

  sm_raster *r;
  assert_ok(ctx, sm_raster_create(ctx, &r, 20, 10, 529000, 183000, 5, "EPSG:27700"));
  double *v = sm_raster_data(r);
  for (size_t i = 0; i < 200; i++) v[i] = (double)(i % 17);
  const char *tif = tu_path("side.tif"), *qmlp = tu_path("side.qml");
  assert_ok(ctx, sm_write_raster(ctx, tif, r, NULL));
  assert_true(tu_exists(tif) && tu_exists(qmlp));
  sm_style *style;
  char *qml;
  assert_ok(ctx, sm_style_for_raster(ctx, r, NULL, &style));
  assert_ok(ctx, sm_style_qml(ctx, style, SM_GEOM_NONE, &qml));
  assert_string_equal(slurp(qmlp), qml);
  assert_contains(qml, "singlebandpseudocolor");
  sm_free(qml);
  sm_style_destroy(style);
  /* refused without overwrite, for the GeoTIFF and for the style alone */
  assert_int_equal(sm_write_raster(ctx, tif, r, NULL), SM_E_IO);
  assert_contains(sm_ctx_last_error(ctx), "side.tif' exists already");
  unlink(tif);
  assert_int_equal(sm_write_check(ctx, tif, NULL), SM_E_IO);
  assert_contains(sm_ctx_last_error(ctx), "side.qml' (the style beside");
  assert_int_equal(sm_write_raster(ctx, tif, r, NULL), SM_E_IO);
  assert_false(tu_exists(tif));
  /* replaced with overwrite */
  tu_write("side.qml", "old");
  sm_write_options o = SM_WRITE_OPTIONS_INIT;
  o.overwrite = 1;
  assert_ok(ctx, sm_write_raster(ctx, tif, r, &o));
  assert_contains(slurp(qmlp), "singlebandpseudocolor");
  assert_int_equal(tu_count_files("safemap-tmp"), 0);
  /* nothing to colour: a grey style */
  for (size_t i = 0; i < 200; i++) v[i] = 0;
  assert_ok(ctx, sm_write_raster(ctx, tif, r, &o));
  assert_contains(slurp(qmlp), "singlebandgray");
  sm_raster_destroy(r);
  /* a failed write leaves neither file */
  assert_ok(ctx, sm_raster_create(ctx, &r, 20, 10, 529000, 183000, 5, "EPSG:nonsense"));
  const char *bad = tu_path("bad.tif");
  assert_int_equal(sm_write_raster(ctx, bad, r, NULL), SM_E_CRS);
  assert_false(tu_exists(bad));
  assert_false(tu_exists(tu_path("bad.qml")));
  assert_int_equal(tu_count_files("safemap-tmp"), 0);
  sm_raster_destroy(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(layer_api), cmocka_unit_test(csv_output),
                                     cmocka_unit_test(bad_paths), cmocka_unit_test(geopackage_output),
                                     cmocka_unit_test(geotiff_output), cmocka_unit_test(g15_matches_printf),
                                     cmocka_unit_test(i64_matches_printf), cmocka_unit_test(csv_threads_identical),
                                     cmocka_unit_test(stale_temps), cmocka_unit_test(geopackage_styles),
                                     cmocka_unit_test(geotiff_style_sidecar)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
