/* Fuzz target: a table read straight from the pages of an SQLite file (lib/gpkg_pages.c), the file being the
 * input's bytes: the B-tree walk, runs of leaves in two parts, records spilling into overflow pages, serial
 * types. Against SQLite itself: when the walk ends without finding damage and SQLite reads the table to its
 * end, both give the same rows with the same values (any difference aborts); whatever the bytes, nothing is
 * read outside the pages (ASan). Seeds: tables of columns a, b, c, d under page sizes of 512 bytes. */
#include "fuzz_common.h"

#include "internal/gpkg_pages.h"
#include "internal/sm_internal.h"

#include <sqlite3.h>

static sm_ctx *g_ctx;
static fz_file g_file;

/* Does SQLite's value at column j of q equal v? */
static int same(sqlite3_stmt *q, int j, const sm_gpkg_val *v) {
  int t = sqlite3_column_type(q, j);
  switch (v->kind) {
  case SM_GV_ABSENT: return 1; /* the column's default: not in the record */
  case SM_GV_NULL: return t == SQLITE_NULL;
  case SM_GV_INT:
    return (t == SQLITE_INTEGER && sqlite3_column_int64(q, j) == v->i) ||
           (t == SQLITE_FLOAT && sqlite3_column_double(q, j) == (double)v->i); /* REAL affinity */
  case SM_GV_FLOAT: {
    double d = sqlite3_column_double(q, j);
    return t == SQLITE_FLOAT && (d == v->d || (isnan(d) && isnan(v->d)));
  }
  case SM_GV_TEXT:
  case SM_GV_BLOB: {
    if (t != (v->kind == SM_GV_TEXT ? SQLITE_TEXT : SQLITE_BLOB)) return 0;
    const void *p = t == SQLITE_TEXT ? (const void *)sqlite3_column_text(q, j) : sqlite3_column_blob(q, j);
    return (size_t)sqlite3_column_bytes(q, j) == v->n && (v->n == 0 || memcmp(p, v->p, v->n) == 0);
  }
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 512 || size > 1 << 16) return 0;
  sm_ctx *ctx = fz_ctx(&g_ctx, 1);
  fz_file_open(&g_file, "gpkg", ".sqlite");
  fz_file_put(&g_file, data, size);
  sm_gpkg_pages *g = NULL;
  const char *why = NULL;
  if (sm__gpkg_pages_open(ctx, g_file.path, "t", &g, &why) != SM_OK) abort();
  if (!g) {
    if (!why) abort();
    return 0;
  }
  int pos[4];
  const char *names[] = {"a", "b", "c", "d"};
  int np = 0;
  for (int j = 0; j < 4; j++) {
    int rowid, dflt_null;
    int at = sm__gpkg_pages_column(g, names[j], &rowid, &dflt_null);
    if (at >= 0) pos[np++] = at;
  }
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT rowid%s%s%s%s FROM t", np > 0 ? ", a" : "", np > 1 ? ", b" : "",
           np > 2 ? ", c" : "", np > 3 ? ", d" : "");
  int sqlite_ok = np == 4 && sqlite3_open_v2(g_file.path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
                  sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK;
  size_t leaves = sm__gpkg_pages_leaves(g);
  int walked = 1, differ = 0;
  for (int part = 0; part < 2 && walked; part++) {
    sm_gpkg_cursor c;
    if (sm__gpkg_cursor_open(&c, g, leaves * (size_t)part / 2, leaves * (size_t)(part + 1) / 2, pos, np)) abort();
    int64_t id;
    sm_gpkg_val v[4];
    int e;
    while ((e = sm__gpkg_cursor_next(&c, &id, v)) == 1) {
      size_t sum = 0;
      for (int j = 0; j < np; j++)
        if (v[j].kind == SM_GV_TEXT || v[j].kind == SM_GV_BLOB)
          for (size_t b = 0; b < v[j].n; b++) sum += v[j].p[b]; /* every byte handed out is readable */
      (void)sum;
      if (!sqlite_ok) continue;
      if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite_ok = 0; /* SQLite found damage, or fewer rows: no comparison */
        continue;
      }
      if (sqlite3_column_int64(q, 0) != id) differ = 1;
      for (int j = 0; j < np; j++) differ |= !same(q, j + 1, &v[j]);
    }
    if (e < 0 && !c.why) abort();
    walked = e == 0;
    sm__gpkg_cursor_close(&c);
  }
  /* both read the whole table: the same rows (SQLite finding damage at the end is no difference) */
  if (walked && sqlite_ok && (differ || sqlite3_step(q) == SQLITE_ROW)) {
    fprintf(stderr, "the pages and SQLite differ\n");
    abort();
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  sm__gpkg_pages_close(g);
  return 0;
}
