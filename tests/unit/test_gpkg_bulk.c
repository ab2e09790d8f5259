/* GeoPackage bulk writing (lib/gpkg_bulk.c): the packed R-tree is a valid SQLite R-tree that answers every
 * window query as one built row by row does; the geometry blobs are GeoPackage's (header, envelope, wrapped
 * single parts); GDAL reads the file back, filters through the index and can edit it afterwards. */
#include "testutil.h"

#include "internal/gpkg.h"
#include "internal/layer.h"
#include "internal/sm_internal.h"

#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <sqlite3.h>

TU_CTX_FIXTURE

static uint64_t rng = 88172645463325252ull;
static double unif(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (double)(rng >> 11) / 9007199254740992.0;
}

static long count_rows(sqlite3 *db, const char *sql) {
  sqlite3_stmt *q = NULL;
  long n = -1;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
  if (sqlite3_step(q) == SQLITE_ROW) n = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  return n;
}

static void check_text(sqlite3 *db, const char *sql, const char *want) {
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(q, 0), want);
  sqlite3_finalize(q);
}

/* n boxes packed, and the same boxes inserted one by one: rtreecheck passes and 40 windows find the same ids
 * as a scan of the boxes. */
static void rtree_of(size_t n) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE p USING rtree(id, minx, maxx, miny, maxy);"
                                    "CREATE VIRTUAL TABLE s USING rtree(id, minx, maxx, miny, maxy)",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sm_rtree_item *it = malloc((n ? n : 1) * sizeof *it), *copy = malloc((n ? n : 1) * sizeof *copy);
  sqlite3_stmt *ins = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO s VALUES (?, ?, ?, ?, ?)", -1, &ins, NULL), SQLITE_OK);
  for (size_t i = 0; i < n; i++) {
    /* clustered points and some long boxes, ids not in order */
    float x = (float)(unif() < 0.5 ? 1000 * unif() : 400 + 20 * unif()), y = (float)(1000 * unif());
    float w = unif() < 0.1 ? (float)(200 * unif()) : 0;
    it[i] = (sm_rtree_item){x, x + w, y, y + w / 2, (int64_t)(n - i) * 3};
    copy[i] = it[i];
    sqlite3_bind_int64(ins, 1, it[i].id);
    sqlite3_bind_double(ins, 2, it[i].x0), sqlite3_bind_double(ins, 3, it[i].x1);
    sqlite3_bind_double(ins, 4, it[i].y0), sqlite3_bind_double(ins, 5, it[i].y1);
    assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  assert_ok(ctx, sm__gpkg_rtree_load(ctx, db, "p", it, n));
  check_text(db, "SELECT rtreecheck('p')", "ok");
  assert_int_equal(count_rows(db, "SELECT count(*) FROM p"), (long)n);
  for (int k = 0; k < 40; k++) {
    double x0 = 1000 * unif(), y0 = 1000 * unif(), x1 = x0 + 150 * unif(), y1 = y0 + 150 * unif();
    long brute = 0;
    for (size_t i = 0; i < n; i++)
      brute += copy[i].x0 <= x1 && copy[i].x1 >= x0 && copy[i].y0 <= y1 && copy[i].y1 >= y0;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*), total(id) FROM %s WHERE minx <= %.17g AND maxx >= %.17g AND miny <= %.17g AND maxy >= %.17g",
             "p", x1, x0, y1, y0);
    assert_int_equal(count_rows(db, sql), brute);
    char sql2[512];
    snprintf(sql2, sizeof sql2,
             "SELECT (SELECT total(id) FROM p WHERE minx <= %.17g AND maxx >= %.17g AND miny <= %.17g AND maxy >= "
             "%.17g) = (SELECT total(id) FROM s WHERE minx <= %.17g AND maxx >= %.17g AND miny <= %.17g AND maxy >= %.17g)",
             x1, x0, y1, y0, x1, x0, y1, y0);
    assert_int_equal(count_rows(db, sql2), 1);
  }
  /* an ordinary R-tree afterwards: rows added and removed through SQLite keep it whole */
  assert_int_equal(sqlite3_exec(db, "INSERT INTO p VALUES (1, 5, 6, 7, 8); DELETE FROM p WHERE id % 7 = 0", NULL, NULL, NULL),
                   SQLITE_OK);
  check_text(db, "SELECT rtreecheck('p')", "ok");
  assert_int_equal(count_rows(db, "SELECT count(*) FROM p WHERE id = 1"), 1);
  free(it), free(copy);
  sqlite3_close(db);
}

static void rtree_sizes(void **state) {
  (void)state;
  size_t sizes[] = {0, 1, 2, 50, 51, 52, 2601, 2602, 20000};
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) rtree_of(sizes[k]);
}

static uint32_t u32le(const unsigned char *b) {
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static double f64le(const unsigned char *b) {
  double d;
  memcpy(&d, b, 8); /* the test machine is little-endian, as the blob */
  return d;
}

static size_t wkb_line(unsigned char *w, const double *xy, uint32_t np) {
  w[0] = 1;
  uint32_t t = 2;
  memcpy(w + 1, &t, 4), memcpy(w + 5, &np, 4), memcpy(w + 9, xy, 16 * np);
  return 9 + 16 * (size_t)np;
}

static void blobs(void **state) {
  (void)state;
  unsigned char w[256], *b = NULL;
  size_t bn = 0;
  int empty = -1;
  double e[4];
  /* a point: header, no envelope, the WKB as it was */
  unsigned char pt[21] = {1, 1, 0, 0, 0};
  double xy[6] = {529000.5, 183000.25, 529010, 182990, 529005, 183020};
  memcpy(pt + 5, xy, 16);
  assert_ok(ctx, sm__gpkg_blob(ctx, SM_GEOM_POINT, 27700, pt, 21, &b, &bn, &empty, e));
  assert_int_equal(bn, 8 + 21);
  assert_memory_equal(b, "GP\0\x01", 4);
  assert_int_equal(u32le(b + 4), 27700);
  assert_memory_equal(b + 8, pt, 21);
  assert_int_equal(empty, 0);
  assert_true(e[0] == 529000.5 && e[3] == 183000.25);
  sm__free(b);
  /* a line: the XY envelope minx, maxx, miny, maxy */
  size_t n = wkb_line(w, xy, 3);
  assert_ok(ctx, sm__gpkg_blob(ctx, SM_GEOM_LINESTRING, 27700, w, n, &b, &bn, &empty, e));
  assert_int_equal(bn, 8 + 32 + n);
  assert_int_equal(b[3], 0x03);
  assert_true(f64le(b + 8) == 529000.5 && f64le(b + 16) == 529010 && f64le(b + 24) == 182990 && f64le(b + 32) == 183020);
  assert_memory_equal(b + 40, w, n);
  sm__free(b);
  /* a line in a multiline layer: wrapped as a multiline of one */
  assert_ok(ctx, sm__gpkg_blob(ctx, SM_GEOM_MULTILINESTRING, 4326, w, n, &b, &bn, &empty, e));
  assert_int_equal(bn, 8 + 32 + 9 + n);
  assert_int_equal(b[40], 1);
  assert_int_equal(u32le(b + 41), 5);
  assert_int_equal(u32le(b + 45), 1);
  assert_memory_equal(b + 49, w, n);
  OGRGeometryH g = NULL;
  assert_int_equal(OGR_G_CreateFromWkbEx(b + 40, NULL, &g, bn - 40), OGRERR_NONE);
  assert_int_equal(OGR_G_GetGeometryType(g), wkbMultiLineString);
  OGR_G_DestroyGeometry(g);
  sm__free(b);
  /* POINT EMPTY: the empty flag, no envelope */
  double nan2[2] = {NAN, NAN};
  memcpy(pt + 5, nan2, 16);
  assert_ok(ctx, sm__gpkg_blob(ctx, SM_GEOM_POINT, 27700, pt, 21, &b, &bn, &empty, e));
  assert_int_equal(empty, 1);
  assert_int_equal(b[3], 0x11);
  sm__free(b);
  /* a collection of two polygons in a multipolygon layer: converted, as GDAL writes it */
  g = OGR_G_CreateGeometry(wkbGeometryCollection);
  for (int k = 0; k < 2; k++) {
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing), poly = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_AddPoint_2D(ring, k * 10, 0), OGR_G_AddPoint_2D(ring, k * 10 + 5, 0), OGR_G_AddPoint_2D(ring, k * 10 + 5, 5);
    OGR_G_AddPoint_2D(ring, k * 10, 0);
    OGR_G_AddGeometryDirectly(poly, ring);
    OGR_G_AddGeometryDirectly(g, poly);
  }
  n = (size_t)OGR_G_WkbSize(g);
  OGR_G_ExportToIsoWkb(g, wkbNDR, w);
  OGR_G_DestroyGeometry(g);
  assert_ok(ctx, sm__gpkg_blob(ctx, SM_GEOM_MULTIPOLYGON, 27700, w, n, &b, &bn, &empty, e));
  assert_int_equal(u32le(b + 41), 6);
  assert_true(e[0] == 0 && e[1] == 15 && e[2] == 0 && e[3] == 5);
  sm__free(b);
  /* bad WKB: cut short, an unknown type, a count past the end, trailing bytes, a line in a polygon layer */
  n = wkb_line(w, xy, 3);
  assert_int_equal(sm__gpkg_blob(ctx, SM_GEOM_LINESTRING, 27700, w, n - 1, &b, &bn, &empty, e), SM_E_GEOMETRY);
  assert_null(b);
  assert_contains(sm_ctx_last_error(ctx), "bad WKB");
  assert_int_equal(sm__gpkg_blob(ctx, SM_GEOM_LINESTRING, 27700, w, n + 1, &b, &bn, &empty, e), SM_E_GEOMETRY);
  w[1] = 99;
  assert_int_equal(sm__gpkg_blob(ctx, SM_GEOM_LINESTRING, 27700, w, n, &b, &bn, &empty, e), SM_E_GEOMETRY);
  w[1] = 2, w[5] = 0xff, w[6] = 0xff;
  assert_int_equal(sm__gpkg_blob(ctx, SM_GEOM_LINESTRING, 27700, w, n, &b, &bn, &empty, e), SM_E_GEOMETRY);
  n = wkb_line(w, xy, 3);
  assert_int_equal(sm__gpkg_blob(ctx, SM_GEOM_POLYGON, 27700, w, n, &b, &bn, &empty, e), SM_E_GEOMETRY);
  assert_contains(sm_ctx_last_error(ctx), "a line where a polygon belongs");
  /* a line with a coordinate that is not a number (only a point may be empty) */
  double bad_xy[4] = {1, 2, 3, NAN};
  n = wkb_line(w, bad_xy, 2);
  assert_int_equal(sm__gpkg_blob(ctx, SM_GEOM_LINESTRING, 27700, w, n, &b, &bn, &empty, e), SM_E_GEOMETRY);
}

/* 5,000 lines and a row without geometry through sm_write_layers: GDAL reads them back, finds them through the
 * index with a spatial filter, reports the extent and the count, and adds a feature afterwards (the triggers). */
static void written_and_read(void **state) {
  (void)state;
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, "lines", SM_GEOM_MULTILINESTRING, "EPSG:27700"));
  size_t f;
  assert_ok(ctx, sm_layer_add_field(ctx, l, "k", SM_FIELD_INT64, &f));
  const size_t n = 5000;
  double xs[5000], ys[5000];
  for (size_t i = 0; i < n; i++) {
    unsigned char w[64];
    xs[i] = 500000 + 10000 * unif(), ys[i] = 180000 + 10000 * unif();
    double xy[4] = {xs[i], ys[i], xs[i] + 20, ys[i] + 10};
    size_t wn = wkb_line(w, xy, 2);
    size_t row;
    assert_ok(ctx, sm_layer_add_feature(ctx, l, i == 7 ? NULL : w, i == 7 ? 0 : wn, &row));
    assert_ok(ctx, sm_layer_set_int(ctx, l, row, f, (int64_t)i));
  }
  const char *p = tu_path("bulk.gpkg");
  assert_ok(ctx, sm_write_layers(ctx, p, &l, 1, NULL));
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  check_text(db, "SELECT rtreecheck('rtree_lines_geom')", "ok");
  assert_int_equal(count_rows(db, "SELECT count(*) FROM rtree_lines_geom"), (long)n - 1);
  assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_lines_geom_%'"), 6);
  assert_int_equal(count_rows(db, "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'lines'"), (long)n);
  sqlite3_close(db);

  GDALDatasetH ds = GDALOpenEx(p, GDAL_OF_VECTOR | GDAL_OF_UPDATE, NULL, NULL, NULL);
  assert_non_null(ds);
  OGRLayerH L = GDALDatasetGetLayerByName(ds, "lines");
  assert_int_equal(OGR_L_GetGeomType(L), wkbMultiLineString);
  assert_int_equal(OGR_L_GetFeatureCount(L, 0), (GIntBig)n);
  OGREnvelope env;
  assert_int_equal(OGR_L_GetExtent(L, &env, 0), OGRERR_NONE);
  double x0 = INFINITY, x1 = -INFINITY;
  for (size_t i = 0; i < n; i++)
    if (i != 7) x0 = fmin(x0, xs[i]), x1 = fmax(x1, xs[i] + 20);
  assert_true(fabs(env.MinX - x0) < 1e-6 && fabs(env.MaxX - x1) < 1e-6); /* GDAL reads it back with 15 digits */
  /* a window: the features GDAL finds through the index are those whose box meets it */
  double wx0 = 503000, wy0 = 183000, wx1 = 504000, wy1 = 184500;
  size_t want = 0;
  for (size_t i = 0; i < n; i++)
    want += i != 7 && xs[i] <= wx1 && xs[i] + 20 >= wx0 && ys[i] <= wy1 && ys[i] + 10 >= wy0;
  OGR_L_SetSpatialFilterRect(L, wx0, wy0, wx1, wy1);
  size_t got = 0;
  OGRFeatureH ft;
  while ((ft = OGR_L_GetNextFeature(L))) {
    int64_t k = OGR_F_GetFieldAsInteger64(ft, 0);
    assert_int_equal(OGR_F_GetFID(ft), k + 1);
    got++;
    OGR_F_Destroy(ft);
  }
  assert_int_equal(got, want);
  assert_true(want > 5);
  OGR_L_SetSpatialFilter(L, NULL);
  /* edited afterwards by GDAL: the R-tree follows */
  ft = OGR_F_Create(OGR_L_GetLayerDefn(L));
  OGRGeometryH g = OGR_G_CreateGeometry(wkbMultiLineString), ln = OGR_G_CreateGeometry(wkbLineString);
  OGR_G_AddPoint_2D(ln, 400000, 100000), OGR_G_AddPoint_2D(ln, 400001, 100001);
  OGR_G_AddGeometryDirectly(g, ln);
  OGR_F_SetGeometryDirectly(ft, g);
  assert_int_equal(OGR_L_CreateFeature(L, ft), OGRERR_NONE);
  assert_int_equal(OGR_F_GetFID(ft), (GIntBig)n + 1);
  OGR_F_Destroy(ft);
  GDALClose(ds);
  assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(count_rows(db, "SELECT count(*) FROM rtree_lines_geom WHERE maxx < 450000"), 1);
  check_text(db, "SELECT rtreecheck('rtree_lines_geom')", "ok");
  sqlite3_close(db);
  sm_layer_destroy(l);
}

/* Rows go to SQLite many to a statement: every row lands with its own fid and values, in full statements and in
 * the shorter last one, for a table without geometry, a point layer, and a table so wide that fewer rows fit a
 * statement. */
static void check_rows(const char *p, const char *table, size_t nrows, size_t nf) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  char *sql = sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY fid", table);
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
  int gk = sqlite3_column_count(q) - 1 - (int)nf; /* 1 with a geometry column */
  size_t r = 0;
  while (sqlite3_step(q) == SQLITE_ROW) {
    assert_int_equal(sqlite3_column_int64(q, 0), (sqlite3_int64)r + 1);
    if (gk) assert_int_equal(sqlite3_column_bytes(q, 1), 8 + 21); /* header (a point has no envelope), WKB point */
    for (size_t c = 0; c < nf; c++) {
      int k = 1 + gk + (int)c;
      if ((r + c) % 7 == 3) {
        assert_int_equal(sqlite3_column_type(q, k), SQLITE_NULL);
        continue;
      }
      switch (c % 3) {
      case 0: assert_int_equal(sqlite3_column_int64(q, k), (sqlite3_int64)(r * 1000 + c)); break;
      case 1: assert_true(sqlite3_column_double(q, k) == (double)r + 0.25 * (double)c); break;
      default: {
        char want[64];
        snprintf(want, sizeof want, "r%zu c%zu", r, c);
        assert_string_equal((const char *)sqlite3_column_text(q, k), want);
      }
      }
    }
    r++;
  }
  assert_int_equal(r, nrows);
  sqlite3_finalize(q);
  sqlite3_free(sql);
  sqlite3_close(db);
}

static sm_layer *numbered_layer(const char *name, sm_geom_type gt, size_t nrows, size_t nf) {
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, name, gt, gt == SM_GEOM_NONE ? NULL : "EPSG:27700"));
  for (size_t c = 0; c < nf; c++) {
    char fn[32];
    snprintf(fn, sizeof fn, "f%zu", c);
    assert_ok(ctx, sm_layer_add_field(ctx, l, fn, c % 3 == 0 ? SM_FIELD_INT64 : c % 3 == 1 ? SM_FIELD_DOUBLE : SM_FIELD_STRING, NULL));
  }
  for (size_t r = 0; r < nrows; r++) {
    unsigned char w[21] = {1, 1, 0, 0, 0};
    double xy[2] = {500000 + (double)r, 180000 + (double)r};
    memcpy(w + 5, xy, 16);
    size_t row;
    assert_ok(ctx, sm_layer_add_feature(ctx, l, gt == SM_GEOM_NONE ? NULL : w, gt == SM_GEOM_NONE ? 0 : 21, &row));
    for (size_t c = 0; c < nf; c++) {
      if ((r + c) % 7 == 3) continue; /* left null */
      char t[64];
      snprintf(t, sizeof t, "r%zu c%zu", r, c);
      if (c % 3 == 0) assert_ok(ctx, sm_layer_set_int(ctx, l, row, c, (int64_t)(r * 1000 + c)));
      else if (c % 3 == 1) assert_ok(ctx, sm_layer_set_double(ctx, l, row, c, (double)r + 0.25 * (double)c));
      else assert_ok(ctx, sm_layer_set_string(ctx, l, row, c, t));
    }
  }
  return l;
}

static void batched_rows(void **state) {
  (void)state;
  const size_t rows[] = {1, 63, 64, 65, 130, 1000};
  for (size_t k = 0; k < sizeof rows / sizeof *rows; k++) {
    sm_layer *ls[2] = {numbered_layer("tab", SM_GEOM_NONE, rows[k], 5), numbered_layer("pts", SM_GEOM_POINT, rows[k], 4)};
    const char *p = tu_path("batched.gpkg");
    sm_write_options wo = SM_WRITE_OPTIONS_INIT;
    wo.overwrite = 1;
    assert_ok(ctx, sm_write_layers(ctx, p, ls, 2, &wo));
    check_rows(p, "tab", rows[k], 5);
    check_rows(p, "pts", rows[k], 4);
    sm_layer_destroy(ls[0]), sm_layer_destroy(ls[1]);
  }
  /* 700 columns, 100 rows: fewer rows a statement where SQLite allows 32766 parameters (its default) */
  sm_layer *w = numbered_layer("wide", SM_GEOM_NONE, 100, 700);
  const char *p = tu_path("wide.gpkg");
  assert_ok(ctx, sm_write_layers(ctx, p, &w, 1, NULL));
  check_rows(p, "wide", 100, 700);
  sm_layer_destroy(w);
}

/* A layer given room for its rows first (sm__layer_reserve, the new rows made null on 2 threads): every cell not
 * set is null, rows past the room still grow it, and a whole-valued real column becomes integers in place. */
static void reserved_layer(void **state) {
  (void)state;
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, "t", SM_GEOM_NONE, NULL));
  size_t fi, fd, fs, fw;
  assert_ok(ctx, sm_layer_add_field(ctx, l, "i", SM_FIELD_INT64, &fi));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "d", SM_FIELD_DOUBLE, &fd));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "s", SM_FIELD_STRING, &fs));
  assert_ok(ctx, sm_ctx_set_threads(ctx, 2));
  assert_ok(ctx, sm_layer_add_feature(ctx, l, NULL, 0, NULL)); /* a row before: kept */
  assert_ok(ctx, sm_layer_set_int(ctx, l, 0, fi, 7));
  const size_t n = 100000;
  assert_ok(ctx, sm__layer_reserve(ctx, l, n));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "w", SM_FIELD_DOUBLE, &fw)); /* a field added after */
  for (size_t r = 1; r < n + 10; r++) { /* 10 rows past the room */
    size_t row;
    assert_ok(ctx, sm_layer_add_feature(ctx, l, NULL, 0, &row));
    assert_int_equal(row, r);
    if (r % 3 == 0) assert_ok(ctx, sm_layer_set_int(ctx, l, r, fi, (int64_t)r));
    if (r % 5 == 0) assert_ok(ctx, sm_layer_set_string(ctx, l, r, fs, r % 2 ? "odd" : "even"));
    assert_ok(ctx, sm_layer_set_double(ctx, l, r, fd, (double)(r % 11)));
    if (r % 7 == 0) assert_ok(ctx, sm_layer_set_double(ctx, l, r, fw, 0.5));
  }
  assert_ok(ctx, sm_ctx_set_threads(ctx, 0));
  assert_int_equal(sm_layer_get_int(l, 0, fi), 7);
  assert_true(sm_layer_is_null(l, 0, fd) && sm_layer_is_null(l, 0, fs) && sm_layer_is_null(l, 0, fw));
  for (size_t r = 1; r < n + 10; r++) {
    assert_int_equal(sm_layer_is_null(l, r, fi), r % 3 != 0);
    if (r % 3 == 0) assert_int_equal(sm_layer_get_int(l, r, fi), (int64_t)r);
    assert_int_equal(sm_layer_is_null(l, r, fs), r % 5 != 0);
    if (r % 5 == 0) assert_string_equal(sm_layer_get_string(l, r, fs), r % 2 ? "odd" : "even");
    assert_int_equal(sm_layer_is_null(l, r, fw), r % 7 != 0);
  }
  assert_ok(ctx, sm__layer_whole_to_int(ctx, l, fd)); /* whole: integers now */
  assert_int_equal(sm_layer_field_type(l, fd), SM_FIELD_INT64);
  assert_true(sm_layer_is_null(l, 0, fd));
  for (size_t r = 1; r < n + 10; r++) assert_int_equal(sm_layer_get_int(l, r, fd), (int64_t)(r % 11));
  assert_ok(ctx, sm__layer_whole_to_int(ctx, l, fw)); /* 0.5: stays real */
  assert_int_equal(sm_layer_field_type(l, fw), SM_FIELD_DOUBLE);
  assert_true(sm_layer_get_double(l, 7, fw) == 0.5);
  sm_layer_destroy(l);
}

/* A malformed geometry stops the write with the layer and feature named, and nothing is left behind. */
static void bad_geometry(void **state) {
  (void)state;
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, "pts", SM_GEOM_POINT, "EPSG:27700"));
  unsigned char ok[21] = {1, 1, 0, 0, 0}, bad[9] = {1, 1, 0, 0, 0, 1, 2, 3, 4};
  assert_ok(ctx, sm_layer_add_feature(ctx, l, ok, 21, NULL));
  assert_ok(ctx, sm_layer_add_feature(ctx, l, bad, 9, NULL));
  const char *p = tu_path("bad.gpkg");
  assert_int_equal(sm_write_layers(ctx, p, &l, 1, NULL), SM_E_GEOMETRY);
  assert_contains(sm_ctx_last_error(ctx), "layer 'pts', feature 2: bad WKB");
  assert_false(tu_exists(p));
  assert_int_equal(tu_count_files("safemap-tmp"), 0);
  sm_layer_destroy(l);
}

int main(void) {
  GDALAllRegister();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rtree_sizes),
      cmocka_unit_test(blobs),
      cmocka_unit_test(written_and_read),
      cmocka_unit_test(bad_geometry),
      cmocka_unit_test(batched_rows),
      cmocka_unit_test(reserved_layer),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
