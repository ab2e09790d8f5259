/* layer + write: columns, metadata, GeoPackage and CSV, atomic writes */
#include "testutil.h"

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

static sm_ctx *ctx;
static int setup(void **state) {
  (void)state;
  return sm_ctx_create(&ctx) != SM_OK;
}
static int teardown(void **state) {
  (void)state;
  sm_ctx_destroy(ctx);
  return 0;
}

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

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(layer_api), cmocka_unit_test(csv_output),
                                     cmocka_unit_test(bad_paths), cmocka_unit_test(geopackage_output),
                                     cmocka_unit_test(geotiff_output)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
