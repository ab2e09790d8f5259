/* gpkg_pages: a table read from its pages gives every row and value SQLite gives (page sizes, reserved
 * bytes, trees of several levels, rows spilling into overflow pages, deleted rows, columns added later),
 * whatever the runs of leaves the walk is split into; what it cannot read exactly it declines; a
 * damaged file stops a walk with a reason, never a crash. */
#include "testutil.h"

#include "internal/gpkg_pages.h"

#include <sqlite3.h>

TU_CTX_FIXTURE

static void exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
  if (rc != SQLITE_OK) fail_msg("%s: %s", sql, err ? err : "?");
}

static sqlite3 *create(const char *path, int page_size, int reserve) {
  remove(path);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  char sql[64];
  snprintf(sql, sizeof sql, "PRAGMA page_size = %d", page_size);
  exec(db, sql);
  if (reserve) assert_int_equal(sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve), SQLITE_OK);
  return db;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* Table t: values of every storage class and integer size, texts up to 30,000 bytes (overflow chains),
 * some rows deleted, then columns e (default NULL) and f (default 7) added and more rows written. */
static void fill(sqlite3 *db, int rows) {
  exec(db, "CREATE TABLE t (fid INTEGER PRIMARY KEY AUTOINCREMENT, a, b TEXT, c REAL, d BLOB)");
  exec(db, "BEGIN");
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t (a, b, c, d) VALUES (?, ?, ?, ?)", -1, &q, NULL), SQLITE_OK);
  static char text[30001];
  for (int i = 0; i < rows; i++) {
    static const int64_t ints[] = {0, 1, -1, 127, -128, 32767, -32768, 8388607, -8388608, 2147483647,
                                   -2147483647 - 1, 140737488355327, -140737488355328, INT64_MAX, INT64_MIN, 2};
    switch (next() % 4) {
    case 0: sqlite3_bind_int64(q, 1, ints[next() % 16]); break;
    case 1: sqlite3_bind_double(q, 1, (double)(int64_t)next() / 3.0); break;
    case 2: sqlite3_bind_null(q, 1); break;
    default: sqlite3_bind_text(q, 1, "x\0y", 3, SQLITE_STATIC); /* a NUL inside */
    }
    size_t n = next() % 50 == 0 ? next() % 30000 : next() % 40;
    for (size_t j = 0; j < n; j++) text[j] = (char)('a' + (i + j) % 26);
    sqlite3_bind_text(q, 2, text, (int)n, SQLITE_TRANSIENT);
    if (next() % 5) sqlite3_bind_double(q, 3, i * 0.25);
    else sqlite3_bind_null(q, 3);
    if (next() % 3) sqlite3_bind_blob(q, 4, text, (int)(n / 2), SQLITE_TRANSIENT);
    else sqlite3_bind_zeroblob(q, 4, 0);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_reset(q);
  }
  sqlite3_finalize(q);
  exec(db, "DELETE FROM t WHERE fid % 7 = 3");
  exec(db, "COMMIT");
  exec(db, "ALTER TABLE t ADD COLUMN e INTEGER");
  exec(db, "ALTER TABLE t ADD COLUMN f INTEGER DEFAULT 7");
  exec(db, "INSERT INTO t (a, b, e, f) SELECT a, b, 5, NULL FROM t WHERE fid % 11 = 1");
}

/* Every row of t through the pages, in `parts` runs of leaves, equals SQLite's answer. */
static void same_as_sqlite(const char *path, sqlite3 *db, int parts) {
  const char *why = "?";
  sm_gpkg_pages *g = NULL;
  assert_ok(ctx, sm__gpkg_pages_open(ctx, path, "T", &g, &why)); /* names without regard to case */
  if (!g) fail_msg("declined: %s", why);
  const char *names[] = {"fid", "a", "b", "c", "d", "e", "f"};
  int pos[7];
  for (int j = 0; j < 7; j++) {
    int rowid, dflt_null;
    pos[j] = sm__gpkg_pages_column(g, names[j], &rowid, &dflt_null);
    assert_int_equal(pos[j], j);
    assert_int_equal(rowid, j == 0);
    assert_int_equal(dflt_null, j != 6);
  }
  int rowid, dflt_null;
  assert_int_equal(sm__gpkg_pages_column(g, "nope", &rowid, &dflt_null), -1);
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT rowid, a, b, c, d, e, f FROM t ORDER BY rowid", -1, &q, NULL),
                   SQLITE_OK);
  size_t leaves = sm__gpkg_pages_leaves(g), rows = 0;
  uint64_t bounds = 0;
  for (int k = 0; k < parts; k++) {
    sm_gpkg_cursor c;
    size_t lo = leaves * k / parts, hi = leaves * (k + 1) / parts, rows_before = rows;
    uint64_t bound = 0;
    assert_int_equal(sm__gpkg_pages_rows_at_most(g, lo, hi, &bound), 1);
    bounds += bound;
    assert_int_equal(sm__gpkg_cursor_open(&c, g, lo, hi, pos, 7), SM_OK);
    int64_t id;
    sm_gpkg_val v[7];
    int e;
    while ((e = sm__gpkg_cursor_next(&c, &id, v)) == 1) {
      assert_int_equal(sqlite3_step(q), SQLITE_ROW);
      rows++;
      assert_true(id == sqlite3_column_int64(q, 0));
      assert_int_equal(v[0].kind, SM_GV_NULL); /* the rowid alias is stored as NULL */
      for (int j = 1; j < 7; j++) {
        int t = sqlite3_column_type(q, j);
        if (v[j].kind == SM_GV_ABSENT) { /* a row older than the column: its default */
          assert_true(j >= 5);
          if (j == 5) assert_int_equal(t, SQLITE_NULL);
          else assert_true(sqlite3_column_int64(q, j) == 7);
          continue;
        }
        switch (t) {
        case SQLITE_NULL: assert_int_equal(v[j].kind, SM_GV_NULL); break;
        case SQLITE_INTEGER:
          assert_int_equal(v[j].kind, SM_GV_INT);
          assert_true(v[j].i == sqlite3_column_int64(q, j));
          break;
        case SQLITE_FLOAT:
          /* a REAL column keeps whole numbers as integers: SQLite converts them back */
          if (v[j].kind == SM_GV_INT) assert_true((double)v[j].i == sqlite3_column_double(q, j));
          else assert_true(v[j].kind == SM_GV_FLOAT && v[j].d == sqlite3_column_double(q, j));
          break;
        default: {
          assert_int_equal(v[j].kind, t == SQLITE_TEXT ? SM_GV_TEXT : SM_GV_BLOB);
          const void *p = t == SQLITE_TEXT ? (const void *)sqlite3_column_text(q, j) : sqlite3_column_blob(q, j);
          assert_int_equal(v[j].n, (size_t)sqlite3_column_bytes(q, j));
          assert_true(v[j].n == 0 || memcmp(v[j].p, p, v[j].n) == 0);
        }
        }
      }
    }
    assert_int_equal(e, 0);
    assert_true(rows - rows_before <= bound); /* the run holds no more rows than its keys allow */
    sm__gpkg_cursor_close(&c);
  }
  /* the runs' bounds together: the rowids from the first to the last */
  sqlite3_stmt *m;
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT max(rowid) - min(rowid) + 1 FROM t", -1, &m, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(m), SQLITE_ROW);
  assert_true(bounds == (uint64_t)sqlite3_column_int64(m, 0));
  sqlite3_finalize(m);
  assert_int_equal(sqlite3_step(q), SQLITE_DONE);
  sqlite3_finalize(q);
  assert_true(rows > 0);
  sm__gpkg_pages_close(g);
}

static void every_row_as_sqlite(void **state) {
  (void)state;
  const int sizes[][3] = {{512, 0, 3000}, {512, 32, 3000}, {4096, 0, 20000}, {65536, 0, 5000}, {1024, 0, 1}};
  for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
    const char *path = tu_path("pages.sqlite");
    sqlite3 *db = create(path, sizes[s][0], sizes[s][1]);
    fill(db, sizes[s][2]);
    const int parts[] = {1, 2, 3, 7};
    for (int k = 0; k < 4; k++) same_as_sqlite(path, db, parts[k]);
    sqlite3_close(db);
  }
}

static void declines(const char *path, const char *table, const char *reason) {
  const char *why = NULL;
  sm_gpkg_pages *g = (sm_gpkg_pages *)1;
  assert_ok(ctx, sm__gpkg_pages_open(ctx, path, table, &g, &why));
  assert_null(g);
  assert_non_null(why);
  assert_contains(why, reason);
}

static void what_it_declines(void **state) {
  (void)state;
  const char *path = tu_path("declines.sqlite");
  sqlite3 *db = create(path, 4096, 0);
  exec(db, "CREATE TABLE t (fid INTEGER PRIMARY KEY, a TEXT); INSERT INTO t (a) VALUES ('x'), ('y');"
           "CREATE VIEW v AS SELECT * FROM t;"
           "CREATE TABLE w (k TEXT PRIMARY KEY, a) WITHOUT ROWID; INSERT INTO w VALUES ('k', 1);"
           "CREATE VIRTUAL TABLE r USING rtree(id, x0, x1);"
           "CREATE TABLE g (fid INTEGER PRIMARY KEY, a INTEGER, b INTEGER AS (a * 2));");
  declines(path, "v", "view");
  declines(path, "w", "WITHOUT ROWID");
  declines(path, "r", "virtual");
  declines(path, "g", "generated or hidden");
  declines(path, "missing", "schema");
  declines(tu_path("no such file.sqlite"), "t", "");
  /* a write-ahead log with frames in it holds pages newer than the file's */
  exec(db, "PRAGMA journal_mode = WAL; INSERT INTO t (a) VALUES ('z')");
  declines(path, "t", "write-ahead log");
  sqlite3_close(db); /* the last connection folds the log into the file */
  const char *why = NULL;
  sm_gpkg_pages *g = NULL;
  assert_ok(ctx, sm__gpkg_pages_open(ctx, path, "t", &g, &why));
  assert_non_null(g);
  sm__gpkg_pages_close(g);
  /* text stored as UTF-16 */
  const char *p16 = tu_path("utf16.sqlite");
  db = create(p16, 4096, 0);
  exec(db, "PRAGMA encoding = 'UTF-16le'; CREATE TABLE t (fid INTEGER PRIMARY KEY, a TEXT); INSERT INTO t (a) "
           "VALUES ('x')");
  sqlite3_close(db);
  declines(p16, "t", "UTF-8");
}

/* Damage: a leaf that is not a leaf stops the walk with a reason; random damage anywhere never reads
 * outside the pages (run under AddressSanitizer in CI). */
static void damaged_pages(void **state) {
  (void)state;
  const char *path = tu_path("damaged.sqlite");
  sqlite3 *db = create(path, 512, 0);
  fill(db, 800);
  sqlite3_stmt *q;
  int leaf = 0;
  assert_int_equal(
      sqlite3_prepare_v2(db, "SELECT pageno FROM dbstat WHERE name = 't' AND pagetype = 'leaf' LIMIT 1 OFFSET 5",
                         -1, &q, NULL),
      SQLITE_OK);
  if (sqlite3_step(q) == SQLITE_ROW) leaf = sqlite3_column_int(q, 0);
  sqlite3_finalize(q);
  sqlite3_close(db);
  assert_true(leaf > 1);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  unsigned char *orig = malloc((size_t)size), *bad = malloc((size_t)size);
  fseek(f, 0, SEEK_SET);
  assert_int_equal(fread(orig, 1, (size_t)size, f), (size_t)size);
  fclose(f);
  int walked = 0, stopped = 0;
  for (int round = 0; round < 300; round++) {
    memcpy(bad, orig, (size_t)size);
    if (round == 0) {
      bad[(size_t)(leaf - 1) * 512] = 2; /* the leaf's type */
    } else {
      int hits = 1 + (int)(next() % 8);
      for (int h = 0; h < hits; h++) bad[512 + next() % (uint64_t)(size - 512)] = (unsigned char)next();
    }
    const char *dp = tu_path("damaged_copy.sqlite");
    f = fopen(dp, "wb");
    fwrite(bad, 1, (size_t)size, f);
    fclose(f);
    const char *why = NULL;
    sm_gpkg_pages *g = NULL;
    assert_ok(ctx, sm__gpkg_pages_open(ctx, dp, "t", &g, &why));
    if (!g) {
      assert_non_null(why);
      continue;
    }
    int pos[] = {1, 2, 3, 4, 5, 6};
    sm_gpkg_cursor c;
    assert_int_equal(sm__gpkg_cursor_open(&c, g, 0, sm__gpkg_pages_leaves(g), pos, 6), SM_OK);
    int64_t id;
    sm_gpkg_val v[6];
    int e;
    size_t bytes = 0;
    while ((e = sm__gpkg_cursor_next(&c, &id, v)) == 1)
      for (int j = 0; j < 6; j++)
        if (v[j].kind == SM_GV_TEXT || v[j].kind == SM_GV_BLOB)
          for (size_t b = 0; b < v[j].n; b++) bytes += v[j].p[b]; /* every byte handed out is readable */
    if (round == 0) {
      assert_int_equal(e, -1);
      assert_string_equal(c.why, "a damaged B-tree page");
    }
    if (e < 0) assert_non_null(c.why);
    walked++;
    stopped += e < 0;
    (void)bytes;
    sm__gpkg_cursor_close(&c);
    sm__gpkg_pages_close(g);
  }
  free(orig);
  free(bad);
  assert_true(walked > 100 && stopped > 20); /* the damage reached the walk, and some stopped it */
}

/* Rowids from 1 to n: each run of leaves holds exactly the rows its keys bound. Then two leaves swapped
 * in the root's list: the walk meets rows outside the keys of the place it found them in and stops
 * ("a damaged B-tree page"), so no run yields more rows than its bound. */
static void rows_bounded_by_keys(void **state) {
  (void)state;
  const char *path = tu_path("bounded.sqlite");
  sqlite3 *db = create(path, 1024, 0);
  exec(db, "CREATE TABLE t (fid INTEGER PRIMARY KEY, a TEXT); BEGIN");
  for (int i = 0; i < 800; i++) {
    char sql[160];
    snprintf(sql, sizeof sql, "INSERT INTO t (a) VALUES ('row %d of the table, forty bytes or so')", i);
    exec(db, sql);
  }
  exec(db, "COMMIT");
  sqlite3_stmt *q;
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_master WHERE name = 't'", -1, &q, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(q), SQLITE_ROW);
  long root = (long)sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  sqlite3_close(db);
  int pos[] = {1};
  for (int round = 0; round < 2; round++) {
    const char *why = NULL;
    sm_gpkg_pages *g = NULL;
    assert_ok(ctx, sm__gpkg_pages_open(ctx, path, "t", &g, &why));
    assert_non_null(g);
    size_t leaves = sm__gpkg_pages_leaves(g), rows = 0;
    assert_true(leaves > 10);
    int stopped = 0;
    for (size_t lo = 0; lo < leaves; lo += 3) {
      size_t hi = lo + 3 < leaves ? lo + 3 : leaves, n = 0;
      uint64_t bound = 0;
      assert_int_equal(sm__gpkg_pages_rows_at_most(g, lo, hi, &bound), 1);
      sm_gpkg_cursor c;
      assert_int_equal(sm__gpkg_cursor_open(&c, g, lo, hi, pos, 1), SM_OK);
      int64_t id;
      sm_gpkg_val v[1];
      int e;
      while ((e = sm__gpkg_cursor_next(&c, &id, v)) == 1) n++;
      if (e < 0) {
        assert_string_equal(c.why, "a damaged B-tree page");
        stopped++;
      }
      assert_true(n <= bound);
      if (round == 0) assert_true(n == bound); /* rowids without gaps: the bound is the count */
      rows += n;
      sm__gpkg_cursor_close(&c);
    }
    sm__gpkg_pages_close(g);
    if (round == 0) {
      assert_int_equal(rows, 800);
      assert_int_equal(stopped, 0);
      /* swap the second and third children of the root (an interior page over the leaves) */
      FILE *f = fopen(path, "r+b");
      assert_non_null(f);
      unsigned char b[1024];
      fseek(f, (root - 1) * 1024, SEEK_SET);
      assert_int_equal(fread(b, 1, sizeof b, f), sizeof b);
      assert_int_equal(b[0], 5);
      unsigned o1 = (unsigned)b[14] << 8 | b[15], o2 = (unsigned)b[16] << 8 | b[17];
      unsigned char t[4];
      memcpy(t, b + o1, 4);
      memcpy(b + o1, b + o2, 4);
      memcpy(b + o2, t, 4);
      fseek(f, (root - 1) * 1024, SEEK_SET);
      assert_int_equal(fwrite(b, 1, sizeof b, f), sizeof b);
      fclose(f);
    } else {
      assert_true(stopped > 0);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_row_as_sqlite),
      cmocka_unit_test(what_it_declines),
      cmocka_unit_test(damaged_pages),
      cmocka_unit_test(rows_bounded_by_keys),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
