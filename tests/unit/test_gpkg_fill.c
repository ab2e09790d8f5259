/* Rows written straight into a table's pages (lib/gpkg_fill.c): the same table as the INSERTs make, value
 * for value and storage class for storage class, in a B-tree SQLite passes (PRAGMA integrity_check) and
 * goes on editing; the same bytes on 1 and 3 threads; and every table or file it must not fill is filled
 * by the INSERTs, with the reason in the log. */
#include "testutil.h"

#include "internal/gpkg.h"
#include "internal/gpkg_pages.h"
#include "internal/layer.h"
#include "internal/sm_internal.h"

#include <fcntl.h>
#include <gdal.h>
#include <ogr_api.h>
#include <math.h>
#include <sqlite3.h>

TU_CTX_FIXTURE

static char logbuf[16384];
static void sink(sm_log_level level, const char *msg, void *user) {
  (void)level, (void)user;
  size_t n = strlen(logbuf);
  snprintf(logbuf + n, sizeof logbuf - n, "%s\n", msg);
}

static uint64_t rng;
static uint64_t next(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}

static void exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) fail_msg("%s: %s", sql, err);
}

static const char *TABLE = "CREATE TABLE \"t\" ( \"fid\" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, \"a\" INTEGER, "
                           "\"b\" REAL, \"c\" TEXT, \"d\" TEXT)";

/* A file as GDAL leaves it before the rows go in: gpkg_ogr_contents, some other table's pages first, the
 * empty table t with GDAL's feature-count triggers. `pre` runs first (pragmas), `post` after (a change). */
static void make_db(const char *p, int page_size, const char *pre, const char *table, const char *post) {
  unlink(p);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  char sql[256];
  snprintf(sql, sizeof sql, "PRAGMA page_size = %d", page_size);
  exec(db, sql);
  if (pre) exec(db, pre);
  exec(db, "CREATE TABLE gpkg_ogr_contents (table_name TEXT NOT NULL PRIMARY KEY, feature_count INTEGER DEFAULT NULL);"
           "INSERT INTO gpkg_ogr_contents VALUES ('t', 0);"
           "CREATE TABLE seq (i INTEGER PRIMARY KEY AUTOINCREMENT);"
           "CREATE TABLE pad (x); WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 40) "
           "INSERT INTO pad SELECT printf('%0300d', i) FROM k");
  exec(db, table ? table : TABLE);
  exec(db, "CREATE TRIGGER \"trigger_insert_feature_count_t\" AFTER INSERT ON \"t\" BEGIN UPDATE gpkg_ogr_contents "
           "SET feature_count = feature_count + 1 WHERE lower(table_name) = lower('t'); END;"
           "CREATE TRIGGER \"trigger_delete_feature_count_t\" AFTER DELETE ON \"t\" BEGIN UPDATE gpkg_ogr_contents "
           "SET feature_count = feature_count - 1 WHERE lower(table_name) = lower('t'); END;"
           "CREATE TABLE after (y); INSERT INTO after VALUES (1)");
  if (post) exec(db, post);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static const int64_t INTS[] = {0, 1, -1, 2, 127, 128, -128, -129, 32767, 32768, -32768, -32769, 8388607, 8388608,
                               -8388608, -8388609, 2147483647, 2147483648ll, -2147483648ll, -2147483649ll,
                               0x7FFFFFFFFFFFll, 0x800000000000ll, -0x800000000000ll, -0x800000000001ll, INT64_MAX,
                               INT64_MIN};
static const double DBLS[] = {0.0, -0.0, 1.0, -1.0, 2.5, -3.0, 0.1, 1e15, 140737488355327.0, 140737488355328.0,
                              -140737488355328.0, -140737488355329.0, 9007199254740992.0, 1e300, -1e-300, 5e-324,
                              9.2233720368547758e18, -9.2233720368547758e18, 1.5e19};

/* A layer of n rows: integers and doubles at every storage size's edges, NULLs, texts of 0 to `longest`
 * bytes (UTF-8 among them), months. */
static sm_layer *make_layer(size_t n, size_t longest, uint64_t seed) {
  rng = seed;
  sm_layer *l;
  size_t fa, fb, fc, fd;
  assert_ok(ctx, sm_layer_create(ctx, &l, "t", SM_GEOM_NONE, NULL));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "a", SM_FIELD_INT64, &fa));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "b", SM_FIELD_DOUBLE, &fb));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "c", SM_FIELD_STRING, &fc));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "d", SM_FIELD_STRING, &fd));
  char *s = malloc(longest + 1);
  for (size_t r = 0; r < n; r++) {
    size_t row;
    assert_ok(ctx, sm_layer_add_feature(ctx, l, NULL, 0, &row));
    uint64_t u = next();
    if (r % 13 != 5) {
      int64_t a = r % 3 ? INTS[u % (sizeof INTS / sizeof *INTS)] : (int64_t)(next() >> (u % 64));
      assert_ok(ctx, sm_layer_set_int(ctx, l, row, fa, (u & 1) && a != INT64_MIN ? -a : a));
    }
    if (r % 11 != 3) {
      double b = r % 4 ? DBLS[u % (sizeof DBLS / sizeof *DBLS)]
                 : r % 8 == 0 ? (double)(int64_t)(next() >> (u % 64)) * ((u & 2) ? -1 : 1)
                              : ((double)(next() >> 11) - 4e15) / 3.0;
      if (r % 29 == 7) b = r % 58 == 7 ? NAN : -INFINITY; /* not finite: NULL, as bound */
      assert_ok(ctx, sm_layer_set_double(ctx, l, row, fb, b));
    }
    if (r % 7 != 1) {
      size_t len = longest ? (size_t)(next() % (longest + 1)) : 0;
      for (size_t k = 0; k < len; k++) s[k] = (char)('a' + next() % 26);
      s[len] = '\0';
      const char *t = r % 10 == 0 ? "Saint-\xc3\x89tienne \xe2\x80\x93 ward" : r % 10 == 3 ? "" : s;
      assert_ok(ctx, sm_layer_set_string(ctx, l, row, fc, t));
    }
    char mon[16];
    snprintf(mon, sizeof mon, "20%02u-%02u", (unsigned)(r / 12 % 100), (unsigned)(r % 12 + 1));
    assert_ok(ctx, sm_layer_set_string(ctx, l, row, fd, mon));
  }
  free(s);
  return l;
}

/* Every row of t, each value with its storage class, as text. */
static char *dump(const char *p) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(db,
                                      "SELECT group_concat(fid || '|' || quote(a) || '|' || typeof(a) || '|' || "
                                      "quote(b) || '|' || typeof(b) || '|' || quote(c) || '|' || quote(d), char(10)) "
                                      "|| char(10) || (SELECT feature_count FROM gpkg_ogr_contents WHERE table_name "
                                      "= 't') || '|' || (SELECT seq FROM sqlite_sequence WHERE name = 't') || '|' || (SELECT "
                                      "sum(payload) FROM dbstat WHERE name = 't') FROM "
                                      "(SELECT * FROM t ORDER BY fid)",
                                      -1, &q, NULL) != SQLITE_OK)
    fail_msg("%s: %s", p, sqlite3_errmsg(db));
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  const char *t = (const char *)sqlite3_column_text(q, 0);
  char *out = strdup(t ? t : "");
  sqlite3_finalize(q);
  sqlite3_close(db);
  return out;
}

static uint32_t be32(const unsigned char *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* SQLite's integrity check, and a header whose page count holds: the file's length, and a change counter
 * equal to the one the count was written at. */
static void check_ok(const char *p) {
  unsigned char hd[100];
  FILE *f = fopen(p, "rb");
  assert_non_null(f);
  assert_int_equal(fread(hd, 1, 100, f), 100);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fclose(f);
  uint32_t ps = (uint32_t)hd[16] << 8 | hd[17];
  if (ps == 1) ps = 65536;
  assert_int_equal(be32(hd + 24), be32(hd + 92));
  assert_int_equal((long)be32(hd + 28) * (long)ps, size);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
  sqlite3_finalize(q);
  sqlite3_close(db);
}

/* The values as stored, read from the pages: the same serial types' kinds and values both ways. */
static void same_storage(const char *p1, const char *p2, size_t n) {
  sm_gpkg_pages *g[2];
  const char *why = NULL;
  const char *ps[2] = {p1, p2};
  sm_gpkg_cursor c[2];
  int pos[4];
  for (int k = 0; k < 2; k++) {
    assert_ok(ctx, sm__gpkg_pages_open(ctx, ps[k], "t", &g[k], &why));
    assert_non_null(g[k]);
    const char *names[4] = {"a", "b", "c", "d"};
    int rowid, dn;
    for (int j = 0; j < 4; j++) pos[j] = sm__gpkg_pages_column(g[k], names[j], &rowid, &dn);
    assert_int_equal(sm__gpkg_cursor_open(&c[k], g[k], 0, sm__gpkg_pages_leaves(g[k]), pos, 4), SM_OK);
  }
  size_t rows = 0;
  for (;;) {
    int64_t id[2];
    sm_gpkg_val v[2][4];
    int e0 = sm__gpkg_cursor_next(&c[0], &id[0], v[0]), e1 = sm__gpkg_cursor_next(&c[1], &id[1], v[1]);
    assert_int_equal(e0, e1);
    if (e0 != 1) break;
    assert_int_equal(id[0], id[1]);
    for (int j = 0; j < 4; j++) {
      assert_int_equal(v[0][j].kind, v[1][j].kind);
      if (v[0][j].kind == SM_GV_INT) assert_int_equal(v[0][j].i, v[1][j].i);
      if (v[0][j].kind == SM_GV_FLOAT) assert_memory_equal(&v[0][j].d, &v[1][j].d, sizeof(double));
      if (v[0][j].kind == SM_GV_TEXT) {
        assert_int_equal(v[0][j].n, v[1][j].n);
        assert_memory_equal(v[0][j].p, v[1][j].p, v[0][j].n);
      }
    }
    rows++;
  }
  assert_int_equal(rows, n);
  for (int k = 0; k < 2; k++) sm__gpkg_cursor_close(&c[k]), sm__gpkg_pages_close(g[k]);
}

static int files_equal(const char *a, const char *b) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
  return system(cmd) == 0;
}

/* n rows at page size ps: by the pages (on 3 threads and on 1) and by the INSERTs; the same table. */
static void both_ways(int ps, size_t n, size_t longest) {
  sm_layer *l = make_layer(n, longest, 0x9E3779B97F4A7C15ull ^ n ^ (uint64_t)ps);
  const char *pp = tu_path("pages.db"), *p1 = tu_path("pages1.db"), *pi = tu_path("inserts.db");
  make_db(pp, ps, NULL, NULL, NULL);
  make_db(p1, ps, NULL, NULL, NULL);
  make_db(pi, ps, NULL, NULL, NULL);
  logbuf[0] = '\0';
  sm_ctx_set_threads(ctx, 3);
  assert_ok(ctx, sm__gpkg_bulk_insert_ways(ctx, pp, &l, 1, 1));
  if (!strstr(logbuf, "rows written into")) fail_msg("page size %d, %zu rows: not written into pages:\n%s", ps, n, logbuf);
  sm_ctx_set_threads(ctx, 1);
  assert_ok(ctx, sm__gpkg_bulk_insert_ways(ctx, p1, &l, 1, 1));
  sm_ctx_set_threads(ctx, 0);
  assert_ok(ctx, sm__gpkg_bulk_insert_ways(ctx, pi, &l, 1, 0));
  assert_true(files_equal(pp, p1));
  check_ok(pp);
  char *a = dump(pp), *b = dump(pi);
  assert_string_equal(a, b);
  free(a), free(b);
  same_storage(pp, pi, n);
  /* an ordinary table afterwards: rows added (the next fid) and removed through SQLite */
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(pp, &db), SQLITE_OK);
  exec(db, "INSERT INTO t (a, c) VALUES (5, 'new'); DELETE FROM t WHERE fid % 3 = 0");
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT seq FROM sqlite_sequence WHERE name = 't'), feature_count FROM gpkg_ogr_contents",
                                      -1, &q, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int64(q, 0), (int64_t)n + 1);
  assert_int_equal(sqlite3_column_int64(q, 1), (int64_t)(n + 1 - (n + 1) / 3));
  sqlite3_finalize(q);
  sqlite3_close(db);
  check_ok(pp);
  sm_layer_destroy(l);
}

static void page_sizes_and_depths(void **state) {
  (void)state;
  sm_ctx_set_log(ctx, sink, SM_LOG_DEBUG, NULL);
  const int sizes[] = {512, 1024, 4096, 65536};
  const size_t rows[] = {1, 2, 7, 300, 5000};
  for (size_t i = 0; i < 4; i++)
    for (size_t k = 0; k < 5; k++) both_ways(sizes[i], rows[k], sizes[i] == 512 ? 300 : sizes[i] == 1024 ? 900 : 2000);
  /* three and four levels of pages above the leaves at 512 bytes */
  both_ways(512, 20000, 40);
  both_ways(512, 70000, 20);
  /* texts of nearly the longest record a 1 KiB leaf holds (989 bytes) */
  both_ways(1024, 400, 955);
  sm_ctx_set_log(ctx, NULL, SM_LOG_DEBUG, NULL);
}

/* The pages alone, before SQLite writes to the file again: a header and a B-tree SQLite reads as they are. */
static void pages_alone(void **state) {
  (void)state;
  const int sizes[] = {512, 4096, 65536};
  for (int i = 0; i < 3; i++) {
    sm_layer *l = make_layer(3000, 200, 11);
    const char *p = tu_path("alone.db");
    make_db(p, sizes[i], NULL, NULL, NULL);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    sm_gpkg_fill f;
    assert_ok(ctx, sm__gpkg_fill_check(ctx, db, l, &f));
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    assert_true(f.root > 0);
    assert_ok(ctx, sm__gpkg_fill_write(ctx, p, &f));
    assert_int_equal(f.done, 1);
    sm__gpkg_fill_free(&f);
    check_ok(p);
    sm_layer_destroy(l);
  }
}

/* A file or table the pages must not take: the INSERTs take it, the log says why, the table is the same. */
static void declined(int ps, const char *pre, const char *table, const char *post, size_t longest, const char *why) {
  sm_layer *l = make_layer(500, longest, 77);
  const char *pp = tu_path("declined.db"), *pi = tu_path("declined_inserts.db");
  make_db(pp, ps, pre, table, post);
  make_db(pi, ps, pre, table, post);
  logbuf[0] = '\0';
  assert_ok(ctx, sm__gpkg_bulk_insert_ways(ctx, pp, &l, 1, 1));
  char want[128];
  snprintf(want, sizeof want, "not written into pages (%s)", why);
  if (!strstr(logbuf, want)) fail_msg("wanted '%s' in the log:\n%s", want, logbuf);
  assert_null(strstr(logbuf, "rows written into"));
  assert_ok(ctx, sm__gpkg_bulk_insert_ways(ctx, pi, &l, 1, 0));
  char *a = dump(pp), *b = dump(pi);
  assert_string_equal(a, b);
  free(a), free(b);
  sm_layer_destroy(l);
}

static void declines(void **state) {
  (void)state;
  sm_ctx_set_log(ctx, sink, SM_LOG_DEBUG, NULL);
  declined(4096, NULL, NULL, "CREATE INDEX ta ON t (a)", 20, "an index");
  declined(4096, NULL, NULL, "CREATE TRIGGER x AFTER INSERT ON t BEGIN UPDATE after SET y = y + 1; END", 20,
           "a trigger");
  declined(4096, NULL,
           "CREATE TABLE \"t\" ( \"fid\" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, \"a\" INTEGER, \"b\" REAL, "
           "\"c\" TEXT, \"d\" TEXT CHECK (length(d) = 7))",
           NULL, 20, "a constraint");
  declined(4096, NULL,
           "CREATE TABLE \"t\" ( \"fid\" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, \"a\" INTEGER, \"b\" REAL, \"c\" "
           "TEXT, \"d\" TEXT UNIQUE)",
           NULL, 20, "an index");
  declined(4096, NULL, "CREATE TABLE \"t\" ( \"fid\" INTEGER PRIMARY KEY, \"a\" INTEGER, \"b\" REAL, \"c\" TEXT, \"d\" TEXT)",
           NULL, 20, "not GDAL's fid");
  declined(4096, NULL,
           "CREATE TABLE \"t\" ( \"fid\" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, \"a\" INTEGER, \"b\" REAL, \"c\" "
           "TEXT, \"d\" TEXT, \"e\" TEXT)",
           NULL, 20, "other columns");
  declined(4096, NULL,
           "CREATE TABLE \"t\" ( \"fid\" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, \"a\" INTEGER, \"b\" TEXT, \"c\" "
           "TEXT, \"d\" TEXT)",
           NULL, 20, "other columns");
  declined(4096, NULL,
           "CREATE TABLE \"t\" ( \"fid\" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, \"a\" INTEGER, \"b\" REAL, "
           "\"c\" TEXT, \"d\" TEXT NOT NULL)",
           NULL, 20, "other columns");
  declined(4096, NULL, NULL, "INSERT INTO t (fid, a) VALUES (9000, 1)", 20, "not empty");
  declined(4096, "PRAGMA auto_vacuum = FULL", NULL, NULL, 20, "auto-vacuum");
  declined(4096, "PRAGMA encoding = 'UTF-16le'", NULL, NULL, 20, "not UTF-8");
  declined(4096, "PRAGMA journal_mode = WAL", NULL, NULL, 20, "write-ahead log");
  declined(1024, NULL, NULL, NULL, 1200, "a row longer than a page");
  sm_ctx_set_log(ctx, NULL, SM_LOG_DEBUG, NULL);
}

/* A file whose pages would reach SQLite's lock-byte page (1 GiB): left to the INSERTs. The file is made that
 * long by its header and a hole. */
static void lock_byte_page(void **state) {
  (void)state;
  sm_ctx_set_log(ctx, sink, SM_LOG_DEBUG, NULL);
  const char *p = tu_path("big.db");
  make_db(p, 65536, NULL, NULL, NULL);
  uint32_t pages = 16380; /* the lock-byte page is 16385 */
  int fd = open(p, O_RDWR);
  assert_true(fd >= 0);
  unsigned char b[4] = {(unsigned char)(pages >> 24), (unsigned char)(pages >> 16), (unsigned char)(pages >> 8),
                        (unsigned char)pages};
  assert_int_equal(pwrite(fd, b, 4, 28), 4);
  assert_int_equal(ftruncate(fd, (off_t)pages * 65536), 0);
  close(fd);
  sm_layer *l = make_layer(20000, 600, 5);
  logbuf[0] = '\0';
  assert_ok(ctx, sm__gpkg_bulk_insert_ways(ctx, p, &l, 1, 1));
  if (!strstr(logbuf, "not written into pages (1 GiB)")) fail_msg("%s", logbuf);
  char *a = dump(p);
  assert_non_null(strstr(a, "\n20000|20000"));
  free(a);
  sm_layer_destroy(l);
  unlink(p);
  sm_ctx_set_log(ctx, NULL, SM_LOG_DEBUG, NULL);
}
/* Through the writer, into a GeoPackage GDAL makes: two tables without geometry filled one after the other and
 * a point layer inserted, in one file that SQLite checks whole and GDAL reads back value for value. */
static void geopackage_of_three_layers(void **state) {
  (void)state;
  sm_ctx_set_log(ctx, sink, SM_LOG_DEBUG, NULL);
  logbuf[0] = '\0';
  sm_layer *l[3];
  l[0] = make_layer(4000, 60, 1);
  l[1] = make_layer(9000, 30, 2);
  assert_ok(ctx, sm__layer_rename(ctx, l[1], "second table"));
  assert_ok(ctx, sm_layer_create(ctx, &l[2], "pts", SM_GEOM_POINT, "EPSG:27700"));
  size_t fk;
  assert_ok(ctx, sm_layer_add_field(ctx, l[2], "k", SM_FIELD_INT64, &fk));
  for (size_t i = 0; i < 500; i++) {
    unsigned char w[21] = {1, 1, 0, 0, 0};
    double xy[2] = {530000 + (double)i, 180000 + (double)i};
    memcpy(w + 5, xy, 16);
    size_t row;
    assert_ok(ctx, sm_layer_add_feature(ctx, l[2], w, sizeof w, &row));
    assert_ok(ctx, sm_layer_set_int(ctx, l[2], row, fk, (int64_t)i));
  }
  const char *p = tu_path("three.gpkg");
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  assert_ok(ctx, sm_write_layers(ctx, p, l, 3, &wo));
  assert_non_null(strstr(logbuf, "layer 't': 4000 rows written into"));
  assert_non_null(strstr(logbuf, "layer 'second table': 9000 rows written into"));
  check_ok(p);
  GDALDatasetH ds = GDALOpenEx(p, GDAL_OF_VECTOR, NULL, NULL, NULL);
  assert_non_null(ds);
  for (int k = 0; k < 2; k++) {
    OGRLayerH L = GDALDatasetGetLayerByName(ds, sm_layer_name(l[k]));
    assert_non_null(L);
    size_t n = sm_layer_feature_count(l[k]);
    assert_int_equal(OGR_L_GetFeatureCount(L, 1), (GIntBig)n);
    OGRFeatureH f;
    size_t r = 0;
    OGR_L_ResetReading(L);
    while ((f = OGR_L_GetNextFeature(L))) {
      assert_int_equal(OGR_F_GetFID(f), (GIntBig)r + 1);
      for (int c = 0; c < 4; c++) {
        if (sm_layer_is_null(l[k], r, (size_t)c)) {
          assert_false(OGR_F_IsFieldSetAndNotNull(f, c));
          continue;
        }
        sm_field_type t = sm_layer_field_type(l[k], (size_t)c);
        if (t == SM_FIELD_INT64) assert_int_equal(OGR_F_GetFieldAsInteger64(f, c), sm_layer_get_int(l[k], r, (size_t)c));
        else if (t == SM_FIELD_STRING)
          assert_string_equal(OGR_F_GetFieldAsString(f, c), sm_layer_get_string(l[k], r, (size_t)c));
        else if (isfinite(sm_layer_get_double(l[k], r, (size_t)c)))
          assert_true(OGR_F_GetFieldAsDouble(f, c) == sm_layer_get_double(l[k], r, (size_t)c));
        else
          assert_false(OGR_F_IsFieldSetAndNotNull(f, c));
      }
      OGR_F_Destroy(f);
      r++;
    }
    assert_int_equal(r, n);
  }
  assert_int_equal(OGR_L_GetFeatureCount(GDALDatasetGetLayerByName(ds, "pts"), 1), 500);
  GDALClose(ds);
  for (int k = 0; k < 3; k++) sm_layer_destroy(l[k]);
  sm_ctx_set_log(ctx, NULL, SM_LOG_DEBUG, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(page_sizes_and_depths),
      cmocka_unit_test(pages_alone),
      cmocka_unit_test(declines),
      cmocka_unit_test(lock_byte_page),
      cmocka_unit_test(geopackage_of_three_layers),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
