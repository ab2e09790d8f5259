/* Tiles of surfaces: the Web Mercator pyramid, colour and value tiles read back with GDAL, the containers
 * (XYZ directory, MBTiles, GeoPackage), the same bytes for 1 and 2 threads, and every bad input. */
#include "testutil.h"

#include <gdal.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <sqlite3.h>

#include "internal/tiles.h"

TU_CTX_FIXTURE

/* Web Mercator's half width from its definition: pi times the WGS 84 semi-major axis. */
#define ORIGIN (M_PI * 6378137.0)
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static void test_tile_bounds(void **state) {
  (void)state;
  double b[4];
  sm_tile_bounds(0, 0, 0, b);
  assert_near(b[0], -20037508.342789244, 1e-6);
  assert_near(b[1], -20037508.342789244, 1e-6);
  assert_near(b[2], 20037508.342789244, 1e-6);
  assert_near(b[3], 20037508.342789244, 1e-6);
  /* the formulas: x from the west edge, y from the north edge, tile side 2 * ORIGIN / 2^z */
  const int zs[][3] = {{1, 1, 0}, {5, 17, 3}, {11, 327, 791}, {14, 8186, 5448}, {18, 130993, 87166}};
  for (size_t k = 0; k < sizeof zs / sizeof *zs; k++) {
    int z = zs[k][0], x = zs[k][1], y = zs[k][2];
    double side = 2 * ORIGIN / pow(2, z);
    sm_tile_bounds(z, x, y, b);
    assert_near(b[0], -ORIGIN + x * side, 1e-6);
    assert_near(b[2], -ORIGIN + (x + 1) * side, 1e-6);
    assert_near(b[3], ORIGIN - y * side, 1e-6);
    assert_near(b[1], ORIGIN - (y + 1) * side, 1e-6);
    int tx, ty;
    sm_tile_of((b[0] + b[2]) / 2, (b[1] + b[3]) / 2, z, &tx, &ty);
    assert_int_equal(tx, x);
    assert_int_equal(ty, y);
  }
  /* the MBTiles specification's example: XYZ 11/327/791 is TMS row 1256 */
  assert_int_equal(sm_tile_tms_row(11, 791), 1256);
  assert_int_equal(sm_tile_tms_row(0, 0), 0);
  /* a point of London (lon -0.1278, lat 51.5074) at zoom 10: tile 511/340, as every slippy map computes */
  double mx = -0.1278 * ORIGIN / 180, my = log(tan(M_PI / 4 + 51.5074 * M_PI / 360)) * 6378137.0;
  int tx, ty;
  sm_tile_of(mx, my, 10, &tx, &ty);
  assert_int_equal(tx, 511);
  assert_int_equal(ty, 340);
}

/* A surface in the British National Grid: 120 x 100 cells of 25 m over Camden, values rising to the east and
 * north, all distinct, with a nodata corner. */
static sm_raster *bng_surface(void) {
  sm_raster *r = NULL;
  assert_int_equal(sm_raster_create(ctx, &r, 120, 100, 527000, 185000, 25, "EPSG:27700"), SM_OK);
  double *v = sm_raster_data(r);
  for (size_t j = 0; j < 100; j++)
    for (size_t i = 0; i < 120; i++) v[j * 120 + i] = (i < 10 && j < 10) ? NAN : 0.01 + i * 0.37 + (99 - j) * 0.0101;
  sm_raster_set_metadata(ctx, r, "name", "kde");
  sm_raster_set_metadata(ctx, r, "units", "crimes per km2");
  sm_raster_set_metadata(ctx, r, "description", "Kernel density of burglary");
  return r;
}

/* A surface in Web Mercator whose cells are exactly the pixels of zoom 14 tiles 8186..8187 x 5448..5449. */
static sm_raster *merc_surface(void) {
  double b[4], px = 2 * ORIGIN / 256 / pow(2, 14);
  sm_tile_bounds(14, 8186, 5448, b);
  sm_raster *r = NULL;
  assert_int_equal(sm_raster_create(ctx, &r, 512, 512, b[0], b[3], px, "EPSG:3857"), SM_OK);
  double *v = sm_raster_data(r);
  for (size_t k = 0; k < 512 * 512; k++) v[k] = (k % 7 == 3) ? NAN : 1e-3 * (double)k + 1.0 / 3.0;
  sm_raster_set_metadata(ctx, r, "name", "grid");
  return r;
}

/* A PNG tile's RGBA, read with GDAL (a palette PNG through its colour table); 0 when missing. */
static int read_tile(const char *path, unsigned char *rgba) {
  if (!tu_exists(path)) return 0;
  GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
  if (!ds) return 0;
  assert_int_equal(GDALGetRasterXSize(ds), 256);
  CPLErr e;
  if (GDALGetRasterCount(ds) == 1) {
    GDALColorTableH ct = GDALGetRasterColorTable(GDALGetRasterBand(ds, 1));
    assert_non_null(ct);
    static unsigned char ind[256 * 256];
    e = GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Read, 0, 0, 256, 256, ind, 256, 256, GDT_Byte, 0, 0);
    for (int i = 0; i < 256 * 256; i++) {
      const GDALColorEntry *c = GDALGetColorEntry(ct, ind[i]);
      assert_non_null(c);
      rgba[4 * i] = (unsigned char)c->c1, rgba[4 * i + 1] = (unsigned char)c->c2, rgba[4 * i + 2] = (unsigned char)c->c3;
      rgba[4 * i + 3] = (unsigned char)c->c4;
    }
  } else {
    assert_int_equal(GDALGetRasterCount(ds), 4);
    e = GDALDatasetRasterIO(ds, GF_Read, 0, 0, 256, 256, rgba, 256, 256, GDT_Byte, 4, NULL, 4, 1024, 1);
  }
  GDALClose(ds);
  assert_int_equal(e, CE_None);
  return 1;
}

static float decode(const unsigned char *p) {
  uint32_t u = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static void test_value_tiles_exact(void **state) {
  (void)state;
  sm_raster *r = merc_surface();
  sm_tiles_options o;
  sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION);
  o.min_zoom = 14, o.max_zoom = 14;
  sm_tiles_info info;
  const char *dir = tu_path("merc");
  assert_int_equal(sm_tiles_raster(ctx, r, dir, &o, &info), SM_OK);
  assert_int_equal(info.tiles, 4);
  assert_int_equal(info.min_zoom, 14);
  sm_style *st = NULL;
  assert_int_equal(sm_style_for_raster(ctx, r, NULL, &st), SM_OK);
  static unsigned char rgba[256 * 256 * 4], vals[256 * 256 * 4];
  const double *v = sm_raster_values(r);
  for (int tx = 0; tx < 2; tx++)
    for (int ty = 0; ty < 2; ty++) {
      char p[600], pv[600];
      snprintf(p, sizeof p, "%s/grid/14/%d/%d.png", dir, 8186 + tx, 5448 + ty);
      snprintf(pv, sizeof pv, "%s/grid_values/14/%d/%d.png", dir, 8186 + tx, 5448 + ty);
      assert_true(read_tile(p, rgba));
      assert_true(read_tile(pv, vals));
      for (int j = 0; j < 256; j++)
        for (int i = 0; i < 256; i++) {
          double want = v[(size_t)(ty * 256 + j) * 512 + (size_t)(tx * 256 + i)];
          float got = decode(vals + 4 * (j * 256 + i));
          uint8_t c[4];
          sm_style_color(st, want, c);
          if (isnan(want)) {
            uint32_t u;
            memcpy(&u, &got, 4);
            assert_int_equal(u, 0x7FC00000u);
          } else {
            assert_true(got == (float)want);
          }
          assert_memory_equal(rgba + 4 * (j * 256 + i), c, 4);
        }
    }
  sm_style_destroy(st);
  /* the manifest lists the tile set */
  char *json = NULL;
  assert_int_equal(sm__tiles_manifest_read(ctx, dir, &json), SM_OK);
  assert_non_null(strstr(json, "{\"name\": \"grid\", \"kind\": \"raster\""));
  assert_non_null(strstr(json, "\"tiles\": \"grid/{z}/{x}/{y}.png\""));
  assert_non_null(strstr(json, "\"values\": \"grid_values/{z}/{x}/{y}.png\", \"value_encoding\": \"float32-rgba-be\""));
  assert_non_null(strstr(json, "\"minzoom\": 14, \"maxzoom\": 14"));
  assert_non_null(strstr(json, "\"style\": {\"kind\": \"ramp\""));
  sm_free(json);
  sm_raster_destroy(r);
}

/* Colour and value tiles of a surface in another CRS: pixels whose centre falls well inside a cell (the warp's
 * approximation moves a sample by at most an eighth of a cell) hold that cell's colour and value. */
static void test_colours_at_known_cells(void **state) {
  (void)state;
  sm_raster *r = bng_surface();
  sm_tiles_options o;
  sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION);
  o.style.ramp = "magma";
  sm_tiles_info info;
  const char *dir = tu_path("bng");
  assert_int_equal(sm_tiles_raster(ctx, r, dir, &o, &info), SM_OK);
  /* automatic zooms: 25 m cells at 51.5 N are 40 m of Web Mercator: zoom 12's pixels (38 m) are the first
   * not larger; the 3 km x 2.5 km extent fits one tile at zoom 13 -> at most 12 */
  assert_int_equal(info.max_zoom, 12);
  assert_true(info.min_zoom <= 12 && info.min_zoom >= 10);
  assert_true(info.bounds[0] > -0.2 && info.bounds[2] < -0.1 && info.bounds[1] > 51.5 && info.bounds[3] < 51.6);
  sm_style *st = NULL;
  assert_int_equal(sm_style_for_raster(ctx, r, &o.style, &st), SM_OK);
  OGRSpatialReferenceH m = OSRNewSpatialReference(NULL), b = OSRNewSpatialReference(NULL);
  OSRImportFromEPSG(m, 3857), OSRImportFromEPSG(b, 27700);
  OSRSetAxisMappingStrategy(m, OAMS_TRADITIONAL_GIS_ORDER), OSRSetAxisMappingStrategy(b, OAMS_TRADITIONAL_GIS_ORDER);
  OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(m, b);
  static unsigned char rgba[256 * 256 * 4], vals[256 * 256 * 4];
  const double *v = sm_raster_values(r);
  int checked = 0, z = 12;
  for (int tx = 2040; tx < 2050; tx++)
    for (int ty = 1360; ty < 1370; ty++) {
      char p[600], pv[600];
      snprintf(p, sizeof p, "%s/kde/%d/%d/%d.png", dir, z, tx, ty);
      snprintf(pv, sizeof pv, "%s/kde_values/%d/%d/%d.png", dir, z, tx, ty);
      if (!read_tile(p, rgba)) continue;
      assert_true(read_tile(pv, vals));
      double tb[4];
      sm_tile_bounds(z, tx, ty, tb);
      for (int j = 1; j < 256; j += 3)
        for (int i = 2; i < 256; i += 3) {
          double x = tb[0] + (i + 0.5) * (tb[2] - tb[0]) / 256, y = tb[3] - (j + 0.5) * (tb[3] - tb[1]) / 256;
          assert_true(OCTTransform(ct, 1, &x, &y, NULL));
          double fi = (x - 527000) / 25, fj = (185000 - y) / 25;
          if (fi < 0 || fj < 0 || fi >= 120 || fj >= 100) continue;
          double di = fi - floor(fi), dj = fj - floor(fj);
          if (di < 0.2 || di > 0.8 || dj < 0.2 || dj > 0.8) continue;
          double want = v[(size_t)fj * 120 + (size_t)fi];
          uint8_t c[4];
          sm_style_color(st, want, c);
          assert_memory_equal(rgba + 4 * (j * 256 + i), c, 4);
          float got = decode(vals + 4 * (j * 256 + i));
          if (isnan(want)) assert_true(isnan(got));
          else assert_true(got == (float)want);
          checked++;
        }
    }
  assert_true(checked > 100);
  OCTDestroyCoordinateTransformation(ct);
  OSRDestroySpatialReference(m), OSRDestroySpatialReference(b);
  sm_style_destroy(st);
  sm_raster_destroy(r);
}

static unsigned char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)len + 1);
  *n = fread(b, 1, (size_t)len, f);
  fclose(f);
  return b;
}

static void same_file(const char *a, const char *b) {
  size_t na = 0, nb = 0;
  unsigned char *x = slurp(a, &na), *y = slurp(b, &nb);
  assert_non_null(x);
  assert_non_null(y);
  assert_int_equal(na, nb);
  assert_memory_equal(x, y, na);
  free(x), free(y);
}

static void tiles_with(int threads, const char *out, sm_tiles_options *o) {
  sm_raster *r = bng_surface();
  sm_ctx_set_threads(ctx, threads);
  o->overwrite = 1;
  assert_int_equal(sm_tiles_raster(ctx, r, out, o, NULL), SM_OK);
  sm_ctx_set_threads(ctx, 0);
  sm_raster_destroy(r);
}

/* Every tile, the MBTiles file and the GeoPackage file: the same bytes for 1 and 2 threads. */
static void test_same_bytes_threads(void **state) {
  (void)state;
  setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  sm_tiles_options o;
  sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION);
  o.min_zoom = 10, o.max_zoom = 16, o.resampling = "bilinear"; /* some 300 tiles: several batches */
  const char *outs[][2] = {{"t1", "t2"}, {"t1.mbtiles", "t2.mbtiles"}, {"t1.gpkg", "t2.gpkg"}};
  for (int k = 0; k < 3; k++) {
    tiles_with(1, tu_path(outs[k][0]), &o);
    tiles_with(2, tu_path(outs[k][1]), &o);
    if (k) same_file(tu_path(outs[k][0]), tu_path(outs[k][1]));
  }
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "diff -r '%s' '%s' >/dev/null", tu_path("t1"), tu_path("t2"));
  assert_int_equal(system(cmd), 0);
  snprintf(cmd, sizeof cmd, "test $(find '%s/kde' -name '*.png' | wc -l) -gt 80", tu_path("t1"));
  assert_int_equal(system(cmd), 0);
  unsetenv("SOURCE_DATE_EPOCH");
}

static int q_int(sqlite3 *db, const char *q) {
  sqlite3_stmt *s = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, q, -1, &s, NULL), SQLITE_OK);
  int v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
  sqlite3_finalize(s);
  return v;
}

static void test_mbtiles(void **state) {
  (void)state;
  sm_raster *r = bng_surface();
  sm_tiles_options o;
  sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION);
  o.min_zoom = 11, o.max_zoom = 12;
  sm_tiles_info info;
  const char *out = tu_path("kde.mbtiles"), *dir = tu_path("kde_dir");
  assert_int_equal(sm_tiles_raster(ctx, r, out, &o, &info), SM_OK);
  assert_int_equal(sm_tiles_raster(ctx, r, dir, &o, NULL), SM_OK);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(out, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(q_int(db, "SELECT count(*) FROM tiles"), (int)info.tiles);
  /* value tiles at one zoom only, beside every colour tile of that zoom */
  assert_true(info.values_zoom >= 11 && info.values_zoom <= 12);
  assert_int_equal(q_int(db, "SELECT count(*) FROM tile_values"), (int)info.value_tiles);
  char vq[160];
  snprintf(vq, sizeof vq, "SELECT count(*) FROM tiles WHERE zoom_level = %d", info.values_zoom);
  assert_int_equal(q_int(db, vq), (int)info.value_tiles);
  assert_int_equal(q_int(db, "SELECT count(DISTINCT zoom_level) FROM tile_values"), 1);
  assert_int_equal(q_int(db, "SELECT min(zoom_level) FROM tiles"), 11);
  assert_int_equal(q_int(db, "SELECT value FROM metadata WHERE name = 'maxzoom'"), 12);
  const char *need[] = {"name", "format", "bounds", "center", "minzoom", "maxzoom", "type", "version", "description",
                        "attribution", "safemap_style", "value_encoding", "values_table"};
  for (size_t k = 0; k < sizeof need / sizeof *need; k++) {
    char q[200];
    snprintf(q, sizeof q, "SELECT count(*) FROM metadata WHERE name = '%s' AND length(value) > 0", need[k]);
    assert_int_equal(q_int(db, q), 1);
  }
  assert_int_equal(q_int(db, "SELECT count(*) FROM metadata WHERE name = 'format' AND value = 'png'"), 1);
  assert_int_equal(q_int(db, "SELECT count(*) FROM metadata WHERE name = 'type' AND value = 'overlay'"), 1);
  /* rows are TMS: each MBTiles tile is the directory's tile at row 2^z - 1 - row, the same bytes */
  sqlite3_stmt *s = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles", -1, &s, NULL),
                   SQLITE_OK);
  int n = 0;
  while (sqlite3_step(s) == SQLITE_ROW) {
    int z = sqlite3_column_int(s, 0), x = sqlite3_column_int(s, 1), row = sqlite3_column_int(s, 2);
    char p[600];
    snprintf(p, sizeof p, "%s/kde/%d/%d/%d.png", dir, z, x, (1 << z) - 1 - row);
    size_t len = 0;
    unsigned char *b = slurp(p, &len);
    assert_non_null(b);
    assert_int_equal(len, (size_t)sqlite3_column_bytes(s, 3));
    assert_memory_equal(b, sqlite3_column_blob(s, 3), len);
    free(b);
    n++;
  }
  assert_int_equal(n, (int)info.tiles);
  sqlite3_finalize(s);
  sqlite3_close(db);
  /* GDAL reads it as a raster */
  GDALDatasetH ds = GDALOpen(out, GA_ReadOnly);
  assert_non_null(ds);
  assert_int_equal(GDALGetRasterCount(ds), 4);
  GDALClose(ds);
  sm_raster_destroy(r);
}

static void test_geopackage(void **state) {
  (void)state;
  sm_raster *r = bng_surface();
  sm_tiles_options o;
  sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION);
  o.min_zoom = 11, o.max_zoom = 13;
  sm_tiles_info info;
  const char *out = tu_path("kde_tiles.gpkg");
  assert_int_equal(sm_tiles_raster(ctx, r, out, &o, &info), SM_OK);
  GDALDatasetH ds = GDALOpen(out, GA_ReadOnly); /* two tile tables: subdatasets */
  assert_non_null(ds);
  GDALClose(ds);
  char p[700];
  snprintf(p, sizeof p, "GPKG:%s:kde", out);
  ds = GDALOpen(p, GA_ReadOnly);
  assert_non_null(ds);
  assert_int_equal(GDALGetRasterCount(ds), 4);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(GDALGetProjectionRef(ds));
  assert_string_equal(OSRGetAuthorityCode(srs, NULL), "3857");
  OSRDestroySpatialReference(srs);
  double gt[6];
  GDALGetGeoTransform(ds, gt);
  assert_near(gt[1], 2 * ORIGIN / 256 / 8192, 1e-6); /* zoom 13's pixels at full resolution */
  assert_true(GDALGetOverviewCount(GDALGetRasterBand(ds, 1)) >= 1);
  assert_non_null(GDALGetMetadataItem(ds, "safemap_style", NULL));
  /* the pixel at a cell well inside the surface has the cell's colour */
  static unsigned char px[4];
  int col = (int)((-0.14 * ORIGIN / 180 - gt[0]) / gt[1]), row = (int)((gt[3] - log(tan(M_PI / 4 + 51.54 * M_PI / 360)) * 6378137.0) / -gt[5]);
  assert_int_equal(GDALDatasetRasterIO(ds, GF_Read, col, row, 1, 1, px, 1, 1, GDT_Byte, 4, NULL, 4, 4, 1), CE_None);
  assert_int_not_equal(px[3], 0);
  GDALClose(ds);
  snprintf(p, sizeof p, "GPKG:%s:kde_values", out);
  ds = GDALOpen(p, GA_ReadOnly);
  assert_non_null(ds);
  assert_string_equal(GDALGetMetadataItem(ds, "value_encoding", NULL), "float32-rgba-be");
  GDALClose(ds);
  sm_raster_destroy(r);
}

static int n_progress, cancel_after;
static int progress(double f, const char *msg, void *user) {
  (void)f, (void)msg, (void)user;
  return ++n_progress < cancel_after;
}

static void test_cancel_leaves_nothing(void **state) {
  (void)state;
  sm_raster *r = bng_surface();
  sm_tiles_options o;
  sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION);
  o.min_zoom = 10, o.max_zoom = 15;
  const char *outs[] = {"cancel_dir", "cancel.mbtiles", "cancel.gpkg"};
  for (int k = 0; k < 3; k++) {
    n_progress = 0, cancel_after = 2;
    sm_ctx_set_progress(ctx, progress, NULL);
    assert_int_equal(sm_tiles_raster(ctx, r, tu_path(outs[k]), &o, NULL), SM_E_CANCELLED);
    sm_ctx_set_progress(ctx, NULL, NULL);
    assert_false(tu_exists(tu_path(outs[k])));
  }
  assert_int_equal(tu_count_files("safemap-tmp"), 0);
  sm_raster_destroy(r);
}

static void test_no_crs(void **state) {
  (void)state;
  sm_raster *r = NULL;
  assert_int_equal(sm_raster_create(ctx, &r, 10, 10, 0, 100, 10, ""), SM_OK);
  sm_raster_data(r)[5] = 1;
  assert_int_equal(sm_tiles_raster(ctx, r, tu_path("nocrs"), NULL, NULL), SM_E_CRS);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "no CRS"));
  assert_false(tu_exists(tu_path("nocrs")));
  sm_raster_destroy(r);
  assert_int_equal(sm_raster_create(ctx, &r, 10, 10, 0, 100, 10, "EPSG:999999"), SM_OK);
  sm_raster_data(r)[5] = 1;
  assert_int_equal(sm_tiles_raster(ctx, r, tu_path("badcrs"), NULL, NULL), SM_E_CRS);
  assert_false(tu_exists(tu_path("badcrs")));
  sm_raster_destroy(r);
}

static void test_all_nodata(void **state) {
  (void)state;
  sm_raster *r = bng_surface();
  double *v = sm_raster_data(r);
  for (size_t k = 0; k < 12000; k++) v[k] = NAN;
  assert_int_equal(sm_tiles_raster(ctx, r, tu_path("allnd"), NULL, NULL), SM_E_INPUT);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "nodata"));
  assert_false(tu_exists(tu_path("allnd")));
  /* all zero: nothing above the threshold, nothing drawn */
  for (size_t k = 0; k < 12000; k++) v[k] = 0;
  assert_int_equal(sm_tiles_raster(ctx, r, tu_path("allzero.mbtiles"), NULL, NULL), SM_E_INPUT);
  assert_false(tu_exists(tu_path("allzero.mbtiles")));
  sm_raster_destroy(r);
}

static void test_too_many_tiles(void **state) {
  (void)state;
  sm_raster *r = bng_surface();
  sm_tiles_options o;
  sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION);
  o.min_zoom = 10, o.max_zoom = 18, o.max_tiles = 1000;
  n_progress = 0, cancel_after = 1000000;
  sm_ctx_set_progress(ctx, progress, NULL);
  assert_int_equal(sm_tiles_raster(ctx, r, tu_path("many"), &o, NULL), SM_E_INVALID_ARG);
  sm_ctx_set_progress(ctx, NULL, NULL);
  assert_int_equal(n_progress, 0); /* refused before any tile */
  const char *msg = sm_ctx_last_error(ctx);
  assert_non_null(strstr(msg, "more than the limit of 1000"));
  assert_non_null(strstr(msg, "zooms 10-18"));
  assert_false(tu_exists(tu_path("many")));
  sm_raster_destroy(r);
}

static void test_exists_without_overwrite(void **state) {
  (void)state;
  sm_raster *r = bng_surface();
  sm_tiles_options o;
  sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION);
  o.min_zoom = 11, o.max_zoom = 11;
  const char *outs[] = {"ex_dir", "ex.mbtiles", "ex.gpkg"};
  for (int k = 0; k < 3; k++) {
    const char *p = tu_path(outs[k]);
    assert_int_equal(sm_tiles_raster(ctx, r, p, &o, NULL), SM_OK);
    struct stat a, b;
    assert_int_equal(stat(k ? p : tu_path("ex_dir/kde"), &a), 0);
    assert_int_equal(sm_tiles_raster(ctx, r, p, &o, NULL), SM_E_IO);
    assert_non_null(strstr(sm_ctx_last_error(ctx), "exists already"));
    assert_int_equal(stat(k ? p : tu_path("ex_dir/kde"), &b), 0);
    assert_int_equal(a.st_ino, b.st_ino);
    o.overwrite = 1;
    assert_int_equal(sm_tiles_raster(ctx, r, p, &o, NULL), SM_OK);
    o.overwrite = 0;
  }
  /* another tile set goes beside the first in the same directory, and the manifest lists both */
  o.name = "second";
  assert_int_equal(sm_tiles_raster(ctx, r, tu_path("ex_dir"), &o, NULL), SM_OK);
  char *json = NULL;
  assert_int_equal(sm__tiles_manifest_read(ctx, tu_path("ex_dir"), &json), SM_OK);
  assert_non_null(strstr(json, "{\"name\": \"kde\""));
  assert_non_null(strstr(json, "{\"name\": \"second\""));
  sm_free(json);
  assert_int_equal(tu_count_files("safemap-tmp"), 0);
  sm_raster_destroy(r);
}

static void test_bad_options(void **state) {
  (void)state;
  sm_raster *r = bng_surface();
  sm_tiles_options o;
  sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION);
  o.resampling = "lanczos";
  assert_int_equal(sm_tiles_raster(ctx, r, tu_path("bad"), &o, NULL), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "lanczos"));
  sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION);
  o.min_zoom = 14, o.max_zoom = 12;
  assert_int_equal(sm_tiles_raster(ctx, r, tu_path("bad"), &o, NULL), SM_E_INVALID_ARG);
  o.min_zoom = 3, o.max_zoom = 31;
  assert_int_equal(sm_tiles_raster(ctx, r, tu_path("bad"), &o, NULL), SM_E_INVALID_ARG);
  sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION);
  o.name = "../escape";
  assert_int_equal(sm_tiles_raster(ctx, r, tu_path("bad"), &o, NULL), SM_E_INVALID_ARG);
  sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION);
  o.style.ramp = "rainbow";
  assert_int_equal(sm_tiles_raster(ctx, r, tu_path("bad"), &o, NULL), SM_E_INVALID_ARG);
  assert_false(tu_exists(tu_path("bad")));
  sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION);
  o.version = 99;
  assert_int_equal(sm_tiles_raster(ctx, r, tu_path("bad"), &o, NULL), SM_E_INVALID_ARG);
  assert_int_equal(sm_tiles_options_init(&o, 7), SM_E_INVALID_ARG);
  assert_int_equal(sm_tiles_raster(ctx, NULL, tu_path("bad"), NULL, NULL), SM_E_INVALID_ARG);
  /* a file where the directory should be */
  tu_write("afile", "x");
  assert_int_equal(sm_tiles_raster(ctx, r, tu_path("afile"), NULL, NULL), SM_E_IO);
  sm_raster_destroy(r);
}

static void test_no_values(void **state) {
  (void)state;
  sm_raster *r = bng_surface();
  sm_tiles_options o;
  sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION);
  o.min_zoom = 11, o.max_zoom = 11, o.values = 0;
  assert_int_equal(sm_tiles_raster(ctx, r, tu_path("nv"), &o, NULL), SM_OK);
  assert_true(tu_exists(tu_path("nv/kde/11")));
  assert_false(tu_exists(tu_path("nv/kde_values")));
  assert_int_equal(sm_tiles_raster(ctx, r, tu_path("nv.mbtiles"), &o, NULL), SM_OK);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(tu_path("nv.mbtiles"), &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'tile_values'"), 0);
  assert_int_equal(q_int(db, "SELECT count(*) FROM metadata WHERE name = 'value_encoding'"), 0);
  sqlite3_close(db);
  sm_raster_destroy(r);
}

/* sm_tiles_read_surface: one band of values; an RGB image refused unless a band is chosen; its metadata. */
static void test_read_surface(void **state) {
  (void)state;
  const char *path = tu_path("rgb.tif");
  GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, 20, 10, 3, GDT_Float32, NULL);
  double gt[6] = {527000, 25, 0, 185000, 0, -25};
  GDALSetGeoTransform(ds, gt);
  GDALSetProjection(ds, "EPSG:27700");
  GDALSetMetadataItem(ds, "method", "test surface", NULL);
  float v[200];
  for (int b = 1; b <= 3; b++) {
    for (int k = 0; k < 200; k++) v[k] = (float)(b * 1000 + k);
    assert_int_equal(GDALRasterIO(GDALGetRasterBand(ds, b), GF_Write, 0, 0, 20, 10, v, 20, 10, GDT_Float32, 0, 0), CE_None);
  }
  GDALSetRasterUnitType(GDALGetRasterBand(ds, 2), "crimes per km2");
  GDALClose(ds);
  sm_raster *r = NULL;
  assert_int_equal(sm_tiles_read_surface(ctx, path, NULL, 0, &r), SM_E_INPUT);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "has 3 bands"));
  assert_null(r);
  assert_int_equal(sm_tiles_read_surface(ctx, path, NULL, 4, &r), SM_E_INPUT);
  assert_int_equal(sm_tiles_read_surface(ctx, path, NULL, 2, &r), SM_OK);
  assert_true(sm_raster_values(r)[7] == 2007);
  assert_string_equal(sm_raster_metadata_get(r, "name"), "rgb");
  assert_string_equal(sm_raster_metadata_get(r, "method"), "test surface");
  assert_string_equal(sm_raster_metadata_get(r, "units"), "crimes per km2");
  assert_null(sm_raster_metadata_get(r, "AREA_OR_POINT"));
  sm_raster_destroy(r);
  assert_int_equal(sm_tiles_read_surface(ctx, tu_path("nothing.tif"), NULL, 0, &r), SM_E_IO);
  assert_int_equal(sm_tiles_read_surface(ctx, path, "kde", 0, &r), SM_E_INPUT); /* not a GeoPackage */
}

int main(void) {
  GDALAllRegister();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tile_bounds),          cmocka_unit_test(test_value_tiles_exact),
      cmocka_unit_test(test_colours_at_known_cells), cmocka_unit_test(test_same_bytes_threads),
      cmocka_unit_test(test_mbtiles),              cmocka_unit_test(test_geopackage),
      cmocka_unit_test(test_cancel_leaves_nothing), cmocka_unit_test(test_no_crs),
      cmocka_unit_test(test_all_nodata),           cmocka_unit_test(test_too_many_tiles),
      cmocka_unit_test(test_exists_without_overwrite), cmocka_unit_test(test_bad_options),
      cmocka_unit_test(test_no_values),            cmocka_unit_test(test_read_surface),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
