/* tiles_vector: layers -> Mapbox vector tiles (directory and MBTiles) read back through GDAL's MVT driver,
 * the GeoJSON scripts and the manifest entry for the viewer, and bad input. */
#include "testutil.h"

#include "internal/sm_internal.h"
#include "internal/tiles_files.h"
#include "safemap/tiles.h"

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <sqlite3.h>

TU_CTX_FIXTURE

#define NPTS 60

static void put_u32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); } /* little-endian hosts (WKB flag 1) */

/* 5 x 5 cells of 250 m in British National Grid (Camden), with a Gi* bin and a z score. */
static sm_layer *cells_named(const char *name) {
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, name, SM_GEOM_POLYGON, "EPSG:27700"));
  size_t fb, fz;
  assert_ok(ctx, sm_layer_add_field(ctx, l, "gi_bin", SM_FIELD_INT64, &fb));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "z", SM_FIELD_DOUBLE, &fz));
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 5; j++) {
      unsigned char w[9 + 4 + 5 * 16];
      w[0] = 1;
      put_u32(w + 1, 3), put_u32(w + 5, 1), put_u32(w + 9, 5);
      double x0 = 528000 + 250.0 * i, y0 = 183000 + 250.0 * j;
      double pts[10] = {x0, y0, x0 + 250, y0, x0 + 250, y0 + 250, x0, y0 + 250, x0, y0};
      memcpy(w + 13, pts, sizeof pts);
      size_t r;
      assert_ok(ctx, sm_layer_add_feature(ctx, l, w, sizeof w, &r));
      int d = abs(i - 2) + abs(j - 2);
      assert_ok(ctx, sm_layer_set_int(ctx, l, r, fb, d == 0 ? 3 : d == 1 ? 2 : 0));
      assert_ok(ctx, sm_layer_set_double(ctx, l, r, fz, 3.5 - d));
    }
  assert_ok(ctx, sm_layer_set_metadata(ctx, l, "method", "Getis-Ord Gi* over 250 m cells"));
  return l;
}

static sm_layer *cells(void) { return cells_named("hotspots"); }

static sm_layer *points(void) {
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, "crimes", SM_GEOM_POINT, "EPSG:27700"));
  size_t ft;
  assert_ok(ctx, sm_layer_add_field(ctx, l, "type", SM_FIELD_STRING, &ft));
  for (int k = 0; k < NPTS; k++) {
    unsigned char w[21] = {1};
    put_u32(w + 1, 1);
    double xy[2] = {528013.7 + (k * 37 % 1231), 183021.3 + (k * 53 % 1229)};
    memcpy(w + 5, xy, 16);
    size_t r;
    assert_ok(ctx, sm_layer_add_feature(ctx, l, w, sizeof w, &r));
    assert_ok(ctx, sm_layer_set_string(ctx, l, r, ft, k % 3 ? "burglary" : "robbery \"street\""));
  }
  return l;
}

static char *slurp(const char *p) {
  FILE *f = fopen(p, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  if (fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
  s[n] = '\0';
  fclose(f);
  return s;
}

/* Opens tiles with GDAL (the MVT driver reads a zoom's directory, the MBTiles driver the maximum zoom of a file)
 * and checks the layers, their fields, and the points' count. */
static void read_back(const char *path) {
  GDALAllRegister();
  const char *drivers[] = {"MVT", "MBTiles", NULL};
  GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, drivers, NULL, NULL);
  assert_non_null(ds);
  assert_int_equal(GDALDatasetGetLayerCount(ds), 2);
  OGRLayerH h = GDALDatasetGetLayerByName(ds, "hotspots"), c = GDALDatasetGetLayerByName(ds, "crimes");
  assert_non_null(h);
  assert_non_null(c);
  OGRFeatureDefnH hd = OGR_L_GetLayerDefn(h);
  assert_true(OGR_FD_GetFieldIndex(hd, "gi_bin") >= 0);
  assert_true(OGR_FD_GetFieldIndex(hd, "z") >= 0);
  assert_true(OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(c), "type") >= 0);
  /* at the maximum zoom every point is in its tile, and near an edge also in the neighbour's buffer: the points
   * at least 1 m apart are the layer's */
  double xy[4 * NPTS][2];
  int n = 0, distinct = 0;
  OGRFeatureH f;
  OGR_L_ResetReading(c);
  while ((f = OGR_L_GetNextFeature(c))) {
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (OGR_G_GetGeometryCount(g) > 0) g = OGR_G_GetGeometryRef(g, 0);
    assert_true(n < 4 * NPTS);
    xy[n][0] = OGR_G_GetX(g, 0), xy[n][1] = OGR_G_GetY(g, 0);
    int seen = 0;
    for (int i = 0; i < n && !seen; i++) seen = fabs(xy[i][0] - xy[n][0]) < 1 && fabs(xy[i][1] - xy[n][1]) < 1;
    distinct += !seen, n++;
    OGR_F_Destroy(f);
  }
  assert_true(n >= NPTS);
  assert_int_equal(distinct, NPTS);
  /* the hot cell's bin survives */
  int hot = 0;
  OGR_L_ResetReading(h);
  while ((f = OGR_L_GetNextFeature(h))) {
    hot += OGR_F_GetFieldAsInteger(f, OGR_FD_GetFieldIndex(hd, "gi_bin")) == 3;
    OGR_F_Destroy(f);
  }
  assert_true(hot >= 1);
  GDALClose(ds);
}

static void directory(void **state) {
  (void)state;
  sm_layer *ls[2] = {cells(), points()};
  sm_tiles_options o;
  assert_ok(ctx, sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION));
  o.max_zoom = 15;
  sm_tiles_info info;
  const char *dir = tu_path("vt");
  assert_ok(ctx, sm_tiles_vector(ctx, ls, 2, dir, &o, &info));
  assert_int_equal(info.max_zoom, 15);
  assert_true(info.min_zoom >= 10 && info.min_zoom <= 15); /* a 1.25 km square fits one tile at zoom 13 or so */
  assert_true(info.tiles > 0);
  assert_true(info.bounds[0] > -0.2 && info.bounds[2] < -0.1 && info.bounds[1] > 51.5 && info.bounds[3] < 51.6);
  char p[600];
  snprintf(p, sizeof p, "%s/layers/metadata.json", dir);
  assert_true(tu_exists(p));
  snprintf(p, sizeof p, "%s/layers/15", dir);
  read_back(p);

  /* the manifest's entry and the layers' scripts */
  snprintf(p, sizeof p, "%s/safemap_map.json", dir);
  char *m = slurp(p);
  assert_non_null(m);
  assert_non_null(strstr(m, "{\"name\": \"layers\", \"kind\": \"vector\", \"tiles\": \"layers/{z}/{x}/{y}.pbf\""));
  assert_non_null(strstr(m, "\"geometry\": \"polygon\""));
  assert_non_null(strstr(m, "\"geometry\": \"point\""));
  assert_non_null(strstr(m, "\"kind\": \"categories\", \"field\": \"gi_bin\""));
  assert_non_null(strstr(m, "\"geojson\": \"safemap_layers/layers/crimes.js\""));
  assert_non_null(strstr(m, "\"metadata\": {\"method\": \"Getis-Ord Gi* over 250 m cells\"}"));
  free(m);
  snprintf(p, sizeof p, "%s/safemap_layers/layers/crimes.js", dir);
  char *js = slurp(p);
  assert_non_null(js);
  assert_memory_equal(js, "SAFEMAP_LAYER(\"layers/crimes\", {\"type\": \"FeatureCollection\"", 57);
  assert_non_null(strstr(js, "\"robbery \\\"street\\\"\""));
  /* lon/lat with 6 decimals */
  char *c = strstr(js, "\"coordinates\": [ ");
  assert_non_null(c);
  double lon, lat;
  assert_int_equal(sscanf(c, "\"coordinates\": [ %lf, %lf", &lon, &lat), 2);
  assert_true(lon > -0.2 && lon < -0.1 && lat > 51.5 && lat < 51.6);
  free(js);

  /* exists: refused without overwrite, nothing changed; replaced with it */
  assert_int_equal(sm_tiles_vector(ctx, ls, 2, dir, &o, NULL), SM_E_IO);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "exists already"));
  o.overwrite = 1;
  assert_ok(ctx, sm_tiles_vector(ctx, ls, 2, dir, &o, NULL));
  snprintf(p, sizeof p, "%s/layers/15", dir);
  read_back(p);
  /* no temporary left */
  char cmd[700];
  snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c safemap-", dir);
  FILE *f = popen(cmd, "r");
  int left = -1;
  assert_int_equal(fscanf(f, "%d", &left), 1);
  pclose(f);
  assert_int_equal(left, 0);
  sm_layer_destroy(ls[0]), sm_layer_destroy(ls[1]);
}

static void same_bytes_any_threads(void **state) {
  (void)state;
  sm_layer *ls[2] = {cells(), points()};
  sm_tiles_options o;
  assert_ok(ctx, sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION));
  o.max_zoom = 14;
  sm_ctx_set_threads(ctx, 1);
  assert_ok(ctx, sm_tiles_vector(ctx, ls, 2, tu_path("vt1"), &o, NULL));
  sm_ctx_set_threads(ctx, 2);
  assert_ok(ctx, sm_tiles_vector(ctx, ls, 2, tu_path("vt2"), &o, NULL));
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "diff -r '%s' '%s' > /dev/null", tu_path("vt1"), tu_path("vt2"));
  assert_int_equal(system(cmd), 0);
  sm_layer_destroy(ls[0]), sm_layer_destroy(ls[1]);
}

static void mbtiles(void **state) {
  (void)state;
  sm_layer *ls[2] = {cells(), points()};
  sm_tiles_options o;
  assert_ok(ctx, sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION));
  o.max_zoom = 15;
  o.name = "camden";
  sm_tiles_info info;
  const char *out = tu_path("vt.mbtiles");
  assert_ok(ctx, sm_tiles_vector(ctx, ls, 2, out, &o, &info));
  assert_true(info.tiles > 0);
  read_back(out);
  sqlite3 *db;
  assert_int_equal(sqlite3_open_v2(out, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *s;
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT name, value FROM metadata ORDER BY name", -1, &s, NULL), SQLITE_OK);
  int seen = 0;
  while (sqlite3_step(s) == SQLITE_ROW) {
    const char *k = (const char *)sqlite3_column_text(s, 0), *v = (const char *)sqlite3_column_text(s, 1);
    if (!strcmp(k, "json")) seen |= 1, assert_non_null(strstr(v, "\"vector_layers\""));
    if (!strcmp(k, "name")) seen |= 2, assert_string_equal(v, "camden");
    if (!strcmp(k, "format")) seen |= 4, assert_string_equal(v, "pbf");
    if (!strcmp(k, "safemap")) seen |= 8, assert_non_null(strstr(v, "Getis-Ord"));
  }
  assert_int_equal(seen, 15);
  sqlite3_finalize(s);
  sqlite3_close(db);
  /* no manifest, no scripts beside an MBTiles file */
  assert_false(tu_exists(tu_path("safemap_map.json")));
  assert_int_equal(sm_tiles_vector(ctx, ls, 2, out, &o, NULL), SM_E_IO);
  sm_layer_destroy(ls[0]), sm_layer_destroy(ls[1]);
}

static void bad_input(void **state) {
  (void)state;
  sm_layer *ls[2] = {cells(), NULL};
  sm_tiles_options o;
  assert_ok(ctx, sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION));
  const char *dir = tu_path("bad");
  /* no layers */
  assert_int_equal(sm_tiles_vector(ctx, ls, 0, dir, &o, NULL), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "no layer"));
  assert_int_equal(sm_tiles_vector(ctx, NULL, 1, dir, &o, NULL), SM_E_INVALID_ARG);
  /* a table without geometry */
  assert_ok(ctx, sm_layer_create(ctx, &ls[1], "counts", SM_GEOM_NONE, NULL));
  assert_int_equal(sm_tiles_vector(ctx, ls, 2, dir, &o, NULL), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "'counts' is a table without geometry"));
  sm_layer_destroy(ls[1]);
  /* a layer with no features: nothing to tile */
  assert_ok(ctx, sm_layer_create(ctx, &ls[1], "none", SM_GEOM_POINT, "EPSG:27700"));
  assert_int_equal(sm_tiles_vector(ctx, ls + 1, 1, dir, &o, NULL), SM_E_INPUT);
  /* two layers of one name */
  sm_layer *twice[2] = {ls[0], ls[0]};
  assert_int_equal(sm_tiles_vector(ctx, twice, 2, dir, &o, NULL), SM_E_INVALID_ARG);
  /* zooms */
  o.min_zoom = 12, o.max_zoom = 10;
  assert_int_equal(sm_tiles_vector(ctx, ls, 1, dir, &o, NULL), SM_E_INVALID_ARG);
  o.min_zoom = -1, o.max_zoom = 25;
  assert_int_equal(sm_tiles_vector(ctx, ls, 1, dir, &o, NULL), SM_E_INVALID_ARG);
  /* more tiles than allowed: refused before anything is written */
  o.max_zoom = 18, o.max_tiles = 50;
  assert_int_equal(sm_tiles_vector(ctx, ls, 1, dir, &o, NULL), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "more than the limit of 50"));
  /* GeoPackage: not for vector tiles */
  o.max_zoom = 14, o.max_tiles = 250000;
  assert_int_equal(sm_tiles_vector(ctx, ls, 1, tu_path("x.gpkg"), &o, NULL), SM_E_INVALID_ARG);
  /* a tile set name that is a path */
  o.name = "../up";
  assert_int_equal(sm_tiles_vector(ctx, ls, 1, dir, &o, NULL), SM_E_INVALID_ARG);
  o.name = NULL;
  /* a file where the directory should be */
  tu_write("afile", "x");
  assert_int_equal(sm_tiles_vector(ctx, ls, 1, tu_path("afile"), &o, NULL), SM_E_IO);
  assert_false(tu_exists(dir)); /* nothing made by the refusals */
  sm_layer_destroy(ls[0]), sm_layer_destroy(ls[1]);
}

/* A layer over the GeoJSON limit: no script, a note in the manifest; the others still get theirs. */
static void too_big_for_the_page(void **state) {
  (void)state;
  sm_layer *ls[2] = {cells(), points()};
  sm_tiles_options o;
  assert_ok(ctx, sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION));
  o.max_zoom = 14;
  size_t saved = sm__tiles_geojson_max;
  sm__tiles_geojson_max = 5000; /* the cells are 6.2 kB as GeoJSON, the points 8.1 kB */
  const char *dir = tu_path("big");
  sm_status st = sm_tiles_vector(ctx, ls, 1, dir, &o, NULL);
  sm__tiles_geojson_max = 9000;
  if (!st) st = sm_tiles_vector(ctx, ls + 1, 1, dir, &(sm_tiles_options){.version = 1, .format = SM_TILES_AUTO,
                                  .min_zoom = -1, .max_zoom = 14, .values = 1, .max_tiles = 1000, .name = "pts"}, NULL);
  sm__tiles_geojson_max = saved;
  assert_ok(ctx, st);
  char p[600];
  snprintf(p, sizeof p, "%s/safemap_layers/layers/hotspots.js", dir);
  assert_false(tu_exists(p));
  snprintf(p, sizeof p, "%s/safemap_layers/pts/crimes.js", dir);
  assert_true(tu_exists(p));
  snprintf(p, sizeof p, "%s/safemap_map.json", dir);
  char *m = slurp(p);
  assert_non_null(strstr(m, "\"geojson\": null, \"note\": \"more than 0.00477 MB as GeoJSON: in the vector tiles only"));
  assert_non_null(strstr(m, "{\"name\": \"pts\", \"kind\": \"vector\""));
  assert_non_null(strstr(m, "{\"name\": \"layers\", \"kind\": \"vector\"")); /* both tile sets listed */
  free(m);
  sm_layer_destroy(ls[0]), sm_layer_destroy(ls[1]);
}

/* Layer names become file names: other characters replaced, and two that meet get a number. */
static void script_names(void **state) {
  (void)state;
  sm_layer *ls[2] = {cells_named("cells 250m"), cells_named("cells_250m")};
  sm_tiles_options o;
  assert_ok(ctx, sm_tiles_options_init(&o, SM_TILES_OPTIONS_VERSION));
  o.max_zoom = 13;
  const char *dir = tu_path("names");
  assert_ok(ctx, sm_tiles_vector(ctx, ls, 2, dir, &o, NULL));
  char p[600];
  snprintf(p, sizeof p, "%s/safemap_map.json", dir);
  char *m = slurp(p);
  assert_non_null(strstr(m, "{\"name\": \"cells 250m\", "));
  assert_non_null(strstr(m, "\"geojson\": \"safemap_layers/layers/cells_250m.js\""));
  assert_non_null(strstr(m, "\"geojson\": \"safemap_layers/layers/cells_250m_2.js\""));
  free(m);
  snprintf(p, sizeof p, "%s/safemap_layers/layers/cells_250m_2.js", dir);
  char *js = slurp(p);
  assert_non_null(js);
  assert_memory_equal(js, "SAFEMAP_LAYER(\"layers/cells_250m_2\", ", 36);
  free(js);
  sm_layer_destroy(ls[0]), sm_layer_destroy(ls[1]);
}

static int stop_at_tiles(double f, const char *m, void *u) {
  (void)f, (void)u;
  return strstr(m, "cutting") != NULL;
}

/* Cancelled: SM_E_CANCELLED, and nothing left in the directory. */
static void cancelled(void **state) {
  (void)state;
  sm_layer *ls[1] = {cells()};
  sm_ctx_set_progress(ctx, stop_at_tiles, NULL);
  const char *dir = tu_path("cancel");
  assert_int_equal(sm_tiles_vector(ctx, ls, 1, dir, NULL, NULL), SM_E_CANCELLED);
  sm_ctx_set_progress(ctx, NULL, NULL);
  assert_false(tu_exists(dir));
  /* what a killed run left (a process that is gone) goes at the next write; a running one's stays */
  char left[600], running[600];
  snprintf(left, sizeof left, "%s/.safemap-mvt-999999999-0/12/1/2.pbf", dir);
  snprintf(running, sizeof running, "%s/.safemap-mvt-%ld-77", dir, (long)getppid());
  char cmd[2400];
  snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\" '%s' && touch '%s'", left, running, left);
  assert_int_equal(system(cmd), 0);
  assert_ok(ctx, sm_tiles_vector(ctx, ls, 1, dir, NULL, NULL));
  snprintf(left, sizeof left, "%s/.safemap-mvt-999999999-0", dir);
  assert_false(tu_exists(left));
  assert_true(tu_exists(running));
  sm_layer_destroy(ls[0]);
}

/* sm_layer_read: a GeoPackage layer as an sm_layer (the bundled wards), and what it refuses. */
static void layer_read(void **state) {
  (void)state;
  sm_layer *l = NULL;
  assert_ok(ctx, sm_layer_read(ctx, &l, TU_CAMDEN_WARDS, NULL)); /* the file's only layer */
  assert_string_equal(sm_layer_name(l), "wards");
  assert_int_equal(sm_layer_geom_type(l), SM_GEOM_MULTIPOLYGON);
  assert_string_equal(sm_layer_crs(l), "EPSG:27700");
  assert_int_equal(sm_layer_feature_count(l), 20);
  long code = sm_layer_field_index(l, "WD24CD");
  assert_true(code >= 0);
  assert_int_equal(sm_layer_field_type(l, (size_t)code), SM_FIELD_STRING);
  assert_int_equal(strncmp(sm_layer_get_string(l, 0, (size_t)code), "E05", 3), 0);
  size_t n = 0;
  const unsigned char *wkb = sm_layer_get_wkb(l, 0, &n);
  assert_non_null(wkb);
  assert_true(n > 9 && wkb[0] == 1 && wkb[1] == 6); /* little-endian ISO WKB multipolygon, 2D */
  assert_string_equal(sm_layer_metadata_get(l, "source"), TU_CAMDEN_WARDS);
  sm_layer_destroy(l);
  l = NULL;
  assert_int_equal(sm_layer_read(ctx, &l, TU_CAMDEN_WARDS, "nope"), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "has no layer 'nope'; it holds wards");
  assert_null(l);
  assert_int_equal(sm_layer_read(ctx, &l, tu_path("missing.gpkg"), NULL), SM_E_IO);
  assert_int_equal(sm_layer_read(ctx, NULL, TU_CAMDEN_WARDS, NULL), SM_E_INVALID_ARG);
  /* a layer of several geometry types */
  const char *gj = tu_write("mixed.geojson",
                            "{\"type\": \"FeatureCollection\", \"features\": ["
                            "{\"type\": \"Feature\", \"properties\": {}, \"geometry\": {\"type\": \"Point\", \"coordinates\": [0, 51]}},"
                            "{\"type\": \"Feature\", \"properties\": {}, \"geometry\": {\"type\": \"LineString\", "
                            "\"coordinates\": [[0, 51], [1, 52]]}}]}");
  assert_int_equal(sm_layer_read(ctx, &l, gj, NULL), SM_E_UNSUPPORTED);
  assert_contains(sm_ctx_last_error(ctx), "mixed");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(layer_read),
      cmocka_unit_test(directory),
      cmocka_unit_test(same_bytes_any_threads),
      cmocka_unit_test(mbtiles),
      cmocka_unit_test(bad_input),
      cmocka_unit_test(too_big_for_the_page),
      cmocka_unit_test(cancelled),
      cmocka_unit_test(script_names),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
