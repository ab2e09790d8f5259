/* io_ogr: a GeoPackage layer read from its pages gives the very points, counts, examples and messages
 * GDAL's stream gives, on any thread count: geometries of every kind (none, empty, multipoint, line),
 * bad and empty times, bad weights, filters, coordinate and weight columns of each type, strict mode;
 * and where the pages cannot be read exactly (a date column, a busy write-ahead log), GDAL reads it. */
#include "testutil.h"

#include "../same_points.h"
#include "internal/reader.h"

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sqlite3.h>

TU_CTX_FIXTURE

static char logbuf[8192];
static void on_log(sm_log_level level, const char *m, void *user) {
  (void)level;
  (void)user;
  size_t n = strlen(logbuf);
  snprintf(logbuf + n, sizeof logbuf - n, "%s\n", m);
}

static void set_field(OGRFeatureH f, OGRFeatureDefnH d, const char *name, const char *v) {
  int i = OGR_FD_GetFieldIndex(d, name);
  assert_true(i >= 0);
  if (v) OGR_F_SetFieldString(f, i, v);
  else OGR_F_SetFieldNull(f, i);
}

/* 3,000 incidents with every kind of row GDAL's stream and the pages must agree on. */
static const char *make_gpkg(void) {
  const char *path = tu_path("incidents_pages.gpkg");
  remove(path);
  GDALAllRegister();
  GDALDriverH drv = GDALGetDriverByName("GPKG");
  GDALDatasetH ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
  assert_non_null(ds);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  OSRImportFromEPSG(srs, 27700);
  OGRLayerH l = GDALDatasetCreateLayer(ds, "incidents", srs, wkbUnknown, NULL);
  assert_non_null(l);
  const struct {
    const char *name;
    OGRFieldType type;
  } fields[] = {{"Month", OFTString},   {"Crime type", OFTString}, {"w", OFTReal},    {"n", OFTInteger},
                {"big", OFTInteger64},  {"Location", OFTString},   {"ex", OFTReal},   {"ny", OFTReal},
                {"Day", OFTDate},       {"wtext", OFTString}};
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
    OGRFieldDefnH fd = OGR_Fld_Create(fields[i].name, fields[i].type);
    assert_int_equal(OGR_L_CreateField(l, fd, 1), OGRERR_NONE);
    OGR_Fld_Destroy(fd);
  }
  OGRFeatureDefnH d = OGR_L_GetLayerDefn(l);
  static const char *cats[] = {"Burglary", "Robbery", "Vehicle crime", "Drugs", NULL, ""};
  assert_int_equal(OGR_L_StartTransaction(l), OGRERR_NONE);
  for (int i = 0; i < 3000; i++) {
    OGRFeatureH f = OGR_F_Create(d);
    double x = 520000 + (i * 37) % 9000 + 0.25, y = 175000 + (i * 53) % 8000 + 0.5;
    char wkt[160];
    if (i % 97 == 5) wkt[0] = 0; /* no geometry */
    else if (i % 89 == 7) snprintf(wkt, sizeof wkt, "POINT EMPTY");
    else if (i % 83 == 9) snprintf(wkt, sizeof wkt, "MULTIPOINT ((%.2f %.2f))", x, y);
    else if (i % 79 == 11) snprintf(wkt, sizeof wkt, "LINESTRING (%.2f %.2f, 1 2)", x, y);
    else if (i % 73 == 13) snprintf(wkt, sizeof wkt, "MULTIPOINT ((1 2), (3 4))");
    else snprintf(wkt, sizeof wkt, "POINT (%.2f %.2f)", x, y);
    if (wkt[0]) {
      OGRGeometryH g = NULL;
      char *w = wkt;
      assert_int_equal(OGR_G_CreateFromWkt(&w, srs, &g), OGRERR_NONE);
      OGR_F_SetGeometryDirectly(f, g);
    }
    char month[16], text[64];
    snprintf(month, sizeof month, "2024-%02d", 1 + i % 12);
    set_field(f, d, "Month", i % 101 == 3 ? "24/13/2024x" : i % 103 == 4 ? "" : i % 107 == 6 ? NULL : month);
    set_field(f, d, "Crime type", cats[i % 6]);
    snprintf(text, sizeof text, "%.17g", i % 61 == 2 ? -1.0 : i * 0.5);
    set_field(f, d, "w", i % 67 == 8 ? NULL : text);
    set_field(f, d, "wtext", i % 59 == 1 ? "heavy" : text);
    snprintf(text, sizeof text, "%d", i % 7);
    set_field(f, d, "n", text);
    snprintf(text, sizeof text, "%lld", (long long)i * 1000000007LL);
    set_field(f, d, "big", text);
    snprintf(text, sizeof text, "On or near Street %d", i % 40);
    set_field(f, d, "Location", i % 50 == 0 ? NULL : text);
    snprintf(text, sizeof text, "%.2f", x);
    set_field(f, d, "ex", i % 71 == 10 ? NULL : text);
    snprintf(text, sizeof text, "%.2f", y);
    set_field(f, d, "ny", text);
    snprintf(text, sizeof text, "2024-%02d-%02d", 1 + i % 12, 1 + i % 28);
    set_field(f, d, "Day", text);
    assert_int_equal(OGR_L_CreateFeature(l, f), OGRERR_NONE);
    OGR_F_Destroy(f);
  }
  assert_int_equal(OGR_L_CommitTransaction(l), OGRERR_NONE);
  OSRDestroySpatialReference(srs);
  GDALClose(ds);
  return path;
}

/* 1: a read of the pages on 2 or 3 threads is expected to put each run of leaves straight into its place
 * (the table's keys bound every run); 0: to copy the runs after; -1: either. */
static int expect_place = 1;

/* Reads path through GDAL's stream on one thread, then from its pages on 1, 2 and 3 threads (on 2 and 3
 * both ways of joining the threads' runs: each into its place, and copied after): the same points, or
 * the same error. pages: the pages are expected to be read (else GDAL is). */
static void same_both_ways_n(const char *const *src, size_t n_src, const sm_read_options *o, int pages) {
  sm_read_tuning gdal = {0}, copy = {0};
  gdal.csv_parallel_min = copy.csv_parallel_min = (size_t)4 << 20;
  gdal.gdal_only = 1;
  copy.pages_copy = 1;
  sm_points *ref = NULL;
  assert_ok(ctx, sm_ctx_set_threads(ctx, 1));
  sm_status st_ref = sm__points_read_tuned(ctx, &ref, src, n_src, o, &gdal);
  char msg_ref[1024];
  snprintf(msg_ref, sizeof msg_ref, "%s", st_ref ? sm_ctx_last_error(ctx) : "");
  for (int run = 0; run < 5; run++) {
    int threads = run < 3 ? run + 1 : run - 1; /* 1, 2, 3, then 2 and 3 copying the runs */
    const sm_read_tuning *tune = run < 3 ? NULL : &copy;
    assert_ok(ctx, sm_ctx_set_threads(ctx, threads));
    logbuf[0] = 0;
    sm_ctx_set_log(ctx, on_log, SM_LOG_DEBUG, NULL);
    sm_points *p = NULL;
    sm_status st = sm__points_read_tuned(ctx, &p, src, n_src, o, tune);
    sm_ctx_set_log(ctx, NULL, SM_LOG_ERROR, NULL);
    assert_int_equal(st, st_ref);
    if (st) {
      assert_string_equal(sm_ctx_last_error(ctx), msg_ref);
    } else {
      const char *d = sp_diff(ref, p);
      if (d) fail_msg("%d threads%s: %s differs", threads, tune ? " (runs copied)" : "", d);
    }
    if (pages && !strstr(logbuf, "of table 'incidents' read on")) fail_msg("pages not read: %s", logbuf);
    if (!pages && !strstr(logbuf, "read through GDAL, not from its pages")) fail_msg("pages read: %s", logbuf);
    char copied[64]; /* runs copied after: one per thread, the fewest to copy */
    snprintf(copied, sizeof copied, "(%d runs, copied after)", threads);
    if (pages && threads > 1 && (tune || expect_place == 0) && !strstr(logbuf, copied))
      fail_msg("runs not copied, one per thread: %s", logbuf);
    if (pages && threads > 1 && !tune && expect_place == 1 && !strstr(logbuf, "each into its place"))
      fail_msg("runs not read into their places: %s", logbuf);
    sm_points_destroy(p);
  }
  sm_points_destroy(ref);
  assert_ok(ctx, sm_ctx_set_threads(ctx, 0));
}

static void same_both_ways(const char *path, const sm_read_options *o, int pages) {
  const char *src[] = {path};
  same_both_ways_n(src, 1, o, pages);
}

static void no_value(sqlite3_context *c, int n, sqlite3_value **v) {
  (void)n;
  (void)v;
  sqlite3_result_null(c);
}

static void pages_same_as_gdal(void **state) {
  (void)state;
  const char *path = make_gpkg();
  sm_read_options o = SM_READ_OPTIONS_INIT;
  same_both_ways(path, &o, 1); /* geometry, Month, Crime type, Location */
  sm_points *p = NULL;
  const char *src[] = {path};
  assert_ok(ctx, sm_points_read(ctx, &p, src, 1, &o));
  /* the cases are there: bad geometries, bad and empty times */
  assert_true(sm_points_rows_bad(p, SM_BAD_NO_COORDS) > 20 && sm_points_rows_bad(p, SM_BAD_GEOMETRY) > 20);
  assert_true(sm_points_rows_bad(p, SM_BAD_TIME) > 20 && sm_points_rows_bad(p, SM_BAD_NO_TIME) > 20);
  assert_true(sm_points_count(p) > 2500);
  sm_points_destroy(p);
  o.weight_field = "w"; /* real, with NULLs and negatives */
  o.types = "Burglary,Robbery";
  o.time_from = "2024-03";
  same_both_ways(path, &o, 1);
  o.weight_field = "n"; /* 32-bit integers */
  same_both_ways(path, &o, 1);
  o.weight_field = "big"; /* 64-bit integers */
  same_both_ways(path, &o, 1);
  o.weight_field = "wtext"; /* numbers as text, one word among them */
  same_both_ways(path, &o, 1);
  sm_read_options c = SM_READ_OPTIONS_INIT; /* coordinates from columns */
  c.x_field = "ex";
  c.y_field = "ny";
  c.crs = "EPSG:27700";
  same_both_ways(path, &c, 1);
  c.strict = 1; /* the first bad row, in FID order, is the error */
  same_both_ways(path, &c, 1);
  o.strict = 1;
  same_both_ways(path, &o, 1);
  /* after other sources: the table's categories and labels join those already read */
  char cp[512];
  snprintf(cp, sizeof cp, "%s", tu_path("incidents_pages_copy.gpkg"));
  FILE *fi = fopen(path, "rb"), *fo = fopen(cp, "wb");
  assert_true(fi && fo);
  char buf[65536];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, fi)) > 0) assert_int_equal(fwrite(buf, 1, got, fo), got);
  fclose(fi);
  fclose(fo);
  const char *csv = tu_write("first.csv", "x,y,Month,Crime type,Location\n"
                                          "521000,176000,2024-02,Theft,On or near Street 3\n"
                                          "521500,176500,2024-03,Robbery,A Lane\n");
  sm_read_options m = SM_READ_OPTIONS_INIT; /* the CSV's x/y found by name, the tables' geometries used */
  m.crs = "EPSG:27700";
  const char *two[] = {csv, path};
  same_both_ways_n(two, 2, &m, 1);
  const char *both[] = {path, cp};
  same_both_ways_n(both, 2, &m, 1);
  /* a time column of dates: GDAL converts them, so GDAL reads the table */
  sm_read_options t = SM_READ_OPTIONS_INIT;
  t.time_field = "Day";
  same_both_ways(path, &t, 0);
  t.time_field = "n"; /* numbers: not dates to GDAL's stream, so not to the pages */
  same_both_ways(path, &t, 0);
  /* a category of whole numbers: their digits name the categories (GDAL reads it) */
  sm_read_options k = SM_READ_OPTIONS_INIT;
  k.category_field = "n";
  same_both_ways(path, &k, 0);
  assert_ok(ctx, sm_points_read(ctx, &p, src, 1, &k));
  assert_int_equal(sm_points_category_count(p), 7);
  assert_string_equal(sm_points_category_name(p, sm_points_category(p)[0]), "0");
  sm_points_destroy(p);
  k.category_field = "w"; /* numbers with decimals name no category: refused */
  p = (sm_points *)1;
  assert_int_equal(sm_points_read(ctx, &p, src, 1, &k), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--category column 'w' holds neither text nor whole numbers");
  /* a write-ahead log with changes in it: GDAL (through SQLite) reads it */
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  const char *fns[] = {"ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"}; /* named by the R-tree triggers */
  for (int i = 0; i < 5; i++)
    assert_int_equal(sqlite3_create_function(db, fns[i], 1, SQLITE_UTF8, NULL, no_value, NULL, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL; UPDATE incidents SET \"Month\" = '2023-12' "
                                    "WHERE fid % 5 = 0",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  same_both_ways(path, &o, 0);
  sqlite3_close(db);
}

/* The table changed with SQL: the GeoPackage's R-tree triggers name functions plain SQLite lacks. */
static void change(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  const char *fns[] = {"ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"};
  for (int i = 0; i < 5; i++)
    assert_int_equal(sqlite3_create_function(db, fns[i], 1, SQLITE_UTF8, NULL, no_value, NULL, NULL), SQLITE_OK);
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) fail_msg("%s: %s", sql, err ? err : "?");
  sqlite3_close(db);
}

/* Each thread's runs of leaves written straight into their places: with every label empty (no label
 * array, as GDAL's read gives), with rows deleted here and there, and with rowids so far apart that the
 * runs are copied after instead. */
static void pages_runs_in_place(void **state) {
  (void)state;
  const char *path = make_gpkg();
  sm_read_options o = SM_READ_OPTIONS_INIT;
  change(path, "UPDATE incidents SET \"Location\" = NULL");
  same_both_ways(path, &o, 1);
  sm_points *p = NULL;
  const char *src[] = {path};
  assert_ok(ctx, sm_ctx_set_threads(ctx, 2));
  assert_ok(ctx, sm_points_read(ctx, &p, src, 1, &o));
  assert_null(p->label);
  sm_points_destroy(p);
  change(path, "DELETE FROM incidents WHERE fid % 13 = 5 OR (fid > 1000 AND fid < 1400)");
  same_both_ways(path, &o, 1);
  o.time_from = "2024-06"; /* and rows filtered out */
  same_both_ways(path, &o, 1);
  change(path, "UPDATE incidents SET fid = fid * 100000 WHERE fid > 2000");
  expect_place = 0;
  same_both_ways(path, &o, 1);
  /* slots that would come near the memory limit: copied after, where the limit meets the rows as read */
  path = make_gpkg();
  o.time_from = NULL;
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_MEMORY, 250e3));
  same_both_ways(path, &o, 1);
  assert_ok(ctx, sm_ctx_set_limit(ctx, SM_LIMIT_MEMORY, 0));
  expect_place = 1;
  same_both_ways(path, &o, 1);
  /* two leaves swapped under the root: rows outside their leaves' keys, so a damaged tree; GDAL reads it (every
   * label empty: the label array made for the slots is given back) */
  change(path, "UPDATE incidents SET \"Location\" = NULL");
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_master "
                                          "WHERE name = 'incidents'", -1, &q, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  long root = (long)sqlite3_column_int64(q, 0), ps = (long)sqlite3_column_int64(q, 1);
  sqlite3_finalize(q);
  sqlite3_close(db);
  FILE *f = fopen(path, "r+b");
  assert_non_null(f);
  unsigned char *b = malloc((size_t)ps);
  assert_non_null(b);
  fseek(f, (root - 1) * ps, SEEK_SET);
  assert_int_equal(fread(b, 1, (size_t)ps, f), (size_t)ps);
  assert_int_equal(b[0], 5); /* an interior page over the leaves */
  unsigned o1 = (unsigned)b[14] << 8 | b[15], o2 = (unsigned)b[16] << 8 | b[17];
  unsigned char t4[4];
  memcpy(t4, b + o1, 4), memcpy(b + o1, b + o2, 4), memcpy(b + o2, t4, 4);
  fseek(f, (root - 1) * ps, SEEK_SET);
  assert_int_equal(fwrite(b, 1, (size_t)ps, f), (size_t)ps);
  fclose(f);
  free(b);
  same_both_ways(path, &o, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pages_same_as_gdal),
      cmocka_unit_test(pages_runs_in_place),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
