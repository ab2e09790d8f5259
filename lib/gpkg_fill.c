/* Rows of a table without geometry written straight into its B-tree pages (internal/gpkg.h).
 *
 * An INSERT costs SQLite some 400 ns a row (the statement's program, the record made, the B-tree searched
 * for the rowid); a count's table of 123,120 rows took 0.05 s of a 0.4 s run, on one core. Here the
 * records are made on every core into full leaves, the interior pages above them are built once, and the
 * pages are appended to the file with the table's root page rewritten: what SQLite would read back from
 * the INSERTs, value for value (the same serial types, whole numbers of REAL columns stored as integers
 * as SQLite stores them), in a valid B-tree (PRAGMA integrity_check).
 *
 * The file format is SQLite's (https://www.sqlite.org/fileformat2.html). Only a table as GDAL made it is
 * filled this way: `"fid" INTEGER PRIMARY KEY AUTOINCREMENT`, the layer's columns in order with their
 * plain types, no index, no constraint, no trigger but GDAL's feature counts, empty; in a file of UTF-8,
 * without auto-vacuum, write-ahead log or reserved bytes, that stays below SQLite's lock-byte page at
 * 1 GiB. Anything else goes in by INSERT as before. */
#include "internal/gpkg.h"
#include "internal/layer.h"
#include "internal/sm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { PAGE_INTERIOR = 5, PAGE_LEAF = 13, HEADER = 100, BATCH_BYTES = 16 << 20 };
#define LOCK_BYTE 0x40000000ull /* SQLite's pending byte: its page is never used */
#define MAX_6BYTE 0x7FFFFFFFFFFFll

/* ---- records ------------------------------------------------------------------------------------ */
static int varint_len(uint64_t v) {
  int n = 1;
  if (v > 0x00FFFFFFFFFFFFFFull) return 9;
  while (v >>= 7) n++;
  return n;
}

static int put_varint(unsigned char *p, uint64_t v) {
  if (v > 0x00FFFFFFFFFFFFFFull) {
    p[8] = (unsigned char)v;
    v >>= 8;
    for (int i = 7; i >= 0; i--, v >>= 7) p[i] = (unsigned char)((v & 0x7f) | 0x80);
    return 9;
  }
  unsigned char b[9];
  int n = 0;
  do b[n++] = (unsigned char)((v & 0x7f) | 0x80), v >>= 7;
  while (v);
  b[0] &= 0x7f;
  for (int i = 0; i < n; i++) p[i] = b[n - 1 - i];
  return n;
}

static void put_be(unsigned char *p, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; i--, v >>= 8) p[i] = (unsigned char)v;
}

/* Serial type of an integer and its length (SQLite's sqlite3VdbeSerialType, file format 4). */
static unsigned int_type(int64_t i, int *len) {
  uint64_t u = i < 0 ? ~(uint64_t)i : (uint64_t)i;
  if (i == 0 || i == 1) return *len = 0, 8 + (unsigned)i;
  if (u <= 127) return *len = 1, 1;
  if (u <= 32767) return *len = 2, 2;
  if (u <= 8388607) return *len = 3, 3;
  if (u <= 2147483647) return *len = 4, 4;
  if (u <= (uint64_t)MAX_6BYTE) return *len = 6, 5;
  return *len = 8, 6;
}

/* One value as SQLite stores it: type, body length, and the integer or the double's bits. */
typedef struct {
  uint64_t type;
  int len;
  uint64_t bits;
  const char *s;
} sval;

static void value_of(const sm_layer_col *c, size_t r, sval *v) {
  v->s = NULL;
  if (c->null[r]) {
    v->type = 0, v->len = 0;
    return;
  }
  switch (c->type) {
  case SM_FIELD_INT64:
    v->type = int_type(c->i[r], &v->len);
    v->bits = (uint64_t)c->i[r];
    return;
  case SM_FIELD_DOUBLE: {
    double d = c->d[r];
    if (!isfinite(d)) { /* bound as NULL by the INSERTs too */
      v->type = 0, v->len = 0;
      return;
    }
    /* REAL affinity: a whole number that fits in 6 bytes is stored as an integer (-0.0 as 0) */
    if (d >= -(double)MAX_6BYTE - 1 && d <= (double)MAX_6BYTE && d == (double)(int64_t)d) {
      v->type = int_type((int64_t)d, &v->len);
      v->bits = (uint64_t)(int64_t)d;
      return;
    }
    v->type = 7, v->len = 8;
    memcpy(&v->bits, &d, 8);
    return;
  }
  case SM_FIELD_STRING: {
    size_t n = strlen(c->s[r]);
    v->type = 13 + 2 * (uint64_t)n, v->len = -1, v->bits = n, v->s = c->s[r];
    return;
  }
  }
}

static uint64_t body_len(const sval *v) { return v->len >= 0 ? (uint64_t)v->len : v->bits; }

/* The record of row r: header (its size, then a NULL for fid and each column's type), then the bodies. */
static uint64_t record_size(const sm_layer_col *cols, size_t nc, size_t r) {
  uint64_t h = 1, b = 0; /* fid: serial type 0 */
  for (size_t c = 0; c < nc; c++) {
    sval v;
    value_of(&cols[c], r, &v);
    h += (uint64_t)varint_len(v.type), b += body_len(&v);
  }
  uint64_t hl = h + 1;
  while ((uint64_t)varint_len(hl) + h != hl) hl = h + (uint64_t)varint_len(hl);
  return hl + b;
}

static void put_record(unsigned char *p, const sm_layer_col *cols, size_t nc, size_t r, uint64_t size) {
  uint64_t h = 1, b = 0;
  for (size_t c = 0; c < nc; c++) {
    sval v;
    value_of(&cols[c], r, &v);
    h += (uint64_t)varint_len(v.type), b += body_len(&v);
  }
  uint64_t hl = size - b;
  unsigned char *q = p + put_varint(p, hl), *body = p + hl;
  *q++ = 0;
  for (size_t c = 0; c < nc; c++) {
    sval v;
    value_of(&cols[c], r, &v);
    q += put_varint(q, v.type);
    if (v.s) memcpy(body, v.s, v.bits), body += v.bits;
    else if (v.len) put_be(body, v.bits, v.len), body += v.len;
  }
}

/* ---- the check --------------------------------------------------------------------------------- */
static int one_int(sqlite3 *db, const char *sql, int64_t *v) {
  sqlite3_stmt *q = NULL;
  int ok = sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW;
  if (ok) *v = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  return ok;
}

static const char *type_name(sm_field_type t) {
  return t == SM_FIELD_INT64 ? "INTEGER" : t == SM_FIELD_DOUBLE ? "REAL" : "TEXT";
}

/* Why the table is not filled this way (a static phrase), NULL if it is; sets f->root and f->page_size. */
static const char *table_fits(sqlite3 *db, const sm_layer *l, sm_gpkg_fill *f) {
  const char *name = sm_layer_name(l);
  int64_t v = 0;
  if (!one_int(db, "PRAGMA auto_vacuum", &v) || v != 0) return "auto-vacuum";
  sqlite3_stmt *q = NULL;
  const char *why = NULL;
  if (sqlite3_prepare_v2(db, "PRAGMA encoding", -1, &q, NULL) != SQLITE_OK || sqlite3_step(q) != SQLITE_ROW ||
      strcmp((const char *)sqlite3_column_text(q, 0), "UTF-8") != 0)
    why = "not UTF-8";
  sqlite3_finalize(q);
  if (why) return why;
  if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL) != SQLITE_OK || sqlite3_step(q) != SQLITE_ROW ||
      sqlite3_stricmp((const char *)sqlite3_column_text(q, 0), "wal") == 0)
    why = "write-ahead log";
  sqlite3_finalize(q);
  if (why) return why;
  if (!one_int(db, "PRAGMA page_size", &v) || v < 512 || v > 65536) return "page size";
  f->page_size = (uint32_t)v;

  /* the table as GDAL made it: its statement, root page, one table of that name */
  char *sql = sqlite3_mprintf("SELECT sql, rootpage, (SELECT count(*) FROM sqlite_master WHERE lower(tbl_name) = "
                              "lower(%Q) AND type <> 'trigger') FROM sqlite_master WHERE type = 'table' AND "
                              "lower(name) = lower(%Q)",
                              name, name);
  if (!sql || sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK || sqlite3_step(q) != SQLITE_ROW)
    why = "no such table";
  else if (sqlite3_column_int64(q, 2) != 1)
    why = "an index";
  else {
    const char *s = (const char *)sqlite3_column_text(q, 0);
    int64_t root = sqlite3_column_int64(q, 1);
    if (!s || !strstr(s, "\"fid\" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL")) why = "not GDAL's fid";
    else if (sqlite3_strlike("%CHECK%", s, 0) == 0 || sqlite3_strlike("%REFERENCES%", s, 0) == 0 ||
             sqlite3_strlike("%UNIQUE%", s, 0) == 0 || sqlite3_strlike("%WITHOUT%", s, 0) == 0 ||
             sqlite3_strlike("%GENERATED%", s, 0) == 0 || sqlite3_strlike("%COLLATE%", s, 0) == 0)
      why = "a constraint";
    else if (root < 2 || root > UINT32_MAX)
      why = "root page";
    else
      f->root = (uint32_t)root;
  }
  sqlite3_finalize(q);
  sqlite3_free(sql);
  if (why) return why;

  /* its columns: fid, then the layer's, with their plain types, none NOT NULL, none hidden */
  size_t nf = sm_layer_field_count(l), k = 0;
  sql = sqlite3_mprintf("SELECT name, type, \"notnull\", pk, hidden FROM pragma_table_xinfo(%Q) ORDER BY cid", name);
  if (!sql || sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) why = "no columns";
  while (!why && sqlite3_step(q) == SQLITE_ROW) {
    const char *cn = (const char *)sqlite3_column_text(q, 0), *ct = (const char *)sqlite3_column_text(q, 1);
    int nn = sqlite3_column_int(q, 2), pk = sqlite3_column_int(q, 3), hid = sqlite3_column_int(q, 4);
    if (hid) why = "hidden column";
    else if (k == 0) why = cn && strcmp(cn, "fid") == 0 && pk == 1 ? NULL : "not GDAL's fid";
    else if (k > nf || pk || nn || !cn || !ct || strcmp(cn, sm_layer_field_name(l, k - 1)) != 0 ||
             sqlite3_stricmp(ct, type_name(sm_layer_field_type(l, k - 1))) != 0)
      why = "other columns";
    k++;
  }
  sqlite3_finalize(q);
  sqlite3_free(sql);
  if (!why && k != nf + 1) why = "other columns";
  if (why) return why;

  /* no trigger but GDAL's feature counts; no foreign key; no row */
  sql = sqlite3_mprintf("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND lower(tbl_name) = lower(%Q) "
                        "AND name NOT IN ('trigger_insert_feature_count_' || %Q, 'trigger_delete_feature_count_' || %Q)",
                        name, name, name);
  if (!sql || !one_int(db, sql, &v) || v) why = "a trigger";
  sqlite3_free(sql);
  if (why) return why;
  sql = sqlite3_mprintf("SELECT count(*) FROM pragma_foreign_key_list(%Q)", name);
  if (!sql || !one_int(db, sql, &v) || v) why = "a foreign key";
  sqlite3_free(sql);
  if (why) return why;
  sql = sqlite3_mprintf("SELECT EXISTS (SELECT 1 FROM \"%w\")", name);
  if (!sql || !one_int(db, sql, &v) || v) why = "not empty";
  sqlite3_free(sql);
  return why;
}

sm_status sm__gpkg_fill_check(sm_ctx *ctx, sqlite3 *db, const sm_layer *l, sm_gpkg_fill *f) {
  memset(f, 0, sizeof *f);
  f->layer = l;
  size_t nr = sm_layer_feature_count(l), nf = sm_layer_field_count(l);
  if (sm_layer_geom_type(l) != SM_GEOM_NONE) return f->why = "a geometry column", SM_OK;
  if (nr == 0) return f->why = "no rows", SM_OK;
  if (nr >= UINT32_MAX) return f->why = "too many rows", SM_OK;
  if ((f->why = table_fits(db, l, f))) return f->root = 0, SM_OK;

  /* each row's cell: its payload size, its rowid, its record; every record on its leaf (no overflow) */
  sm_layer_col *cols = sm__malloc((nf ? nf : 1) * sizeof *cols);
  f->rec = sm__malloc(nr * sizeof *f->rec);
  if (!cols || !f->rec) {
    sm__free(cols);
    sm__gpkg_fill_free(f);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  for (size_t c = 0; c < nf; c++) sm__layer_column(l, c, &cols[c]);
  uint64_t max_local = f->page_size - 35, too_big = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static) if (nr >= 16384) reduction(| : too_big)
#endif
  for (size_t r = 0; r < nr; r++) {
    uint64_t rec = record_size(cols, nf, r);
    too_big |= rec > max_local;
    f->rec[r] = (uint32_t)(rec > max_local ? 0 : rec);
  }
  sm__free(cols);
  if (too_big) {
    sm__gpkg_fill_free(f);
    f->why = "a row longer than a page";
  }
  return SM_OK;
}

void sm__gpkg_fill_free(sm_gpkg_fill *f) {
  sm__free(f->rec);
  f->rec = NULL, f->root = 0;
}

/* ---- the pages ---------------------------------------------------------------------------------- */
static int pread_all(int fd, unsigned char *p, size_t n, uint64_t at) {
  while (n) {
    ssize_t k = pread(fd, p, n, (off_t)at);
    if (k <= 0) return k == 0 ? (errno = EIO, -1) : -1;
    p += k, n -= (size_t)k, at += (uint64_t)k;
  }
  return 0;
}

static int pwrite_all(int fd, const unsigned char *p, size_t n, uint64_t at) {
  while (n) {
    ssize_t k = pwrite(fd, p, n, (off_t)at);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    p += k, n -= (size_t)k, at += (uint64_t)k;
  }
  return 0;
}

static uint32_t be16(const unsigned char *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t cell_size(const sm_gpkg_fill *f, size_t r) {
  return (uint32_t)varint_len(f->rec[r]) + (uint32_t)varint_len(r + 1) + f->rec[r];
}

/* A leaf of rows [r0, r1) into page p: cells from the end of the page down, their pointers in rowid order. */
static void put_leaf(unsigned char *p, uint32_t usable, const sm_gpkg_fill *f, const sm_layer_col *cols, size_t nc,
                     size_t r0, size_t r1) {
  memset(p, 0, usable);
  p[0] = PAGE_LEAF;
  put_be(p + 3, r1 - r0, 2);
  uint32_t at = usable;
  for (size_t r = r0; r < r1; r++) {
    at -= cell_size(f, r);
    put_be(p + 8 + 2 * (r - r0), at, 2);
    unsigned char *q = p + at;
    q += put_varint(q, f->rec[r]);
    q += put_varint(q, r + 1);
    put_record(q, cols, nc, r, f->rec[r]);
  }
  put_be(p + 5, at == 65536 ? 0 : at, 2);
}

/* An interior page over children [c0, c1) of pg/key: a cell (child, its largest rowid) for each but the
 * last, which is the right child. */
static void put_interior(unsigned char *p, uint32_t usable, const uint32_t *pg, const uint64_t *key, size_t c0,
                         size_t c1) {
  memset(p, 0, usable);
  p[0] = PAGE_INTERIOR;
  put_be(p + 3, c1 - 1 - c0, 2);
  put_be(p + 8, pg[c1 - 1], 4);
  uint32_t at = usable;
  for (size_t c = c0; c + 1 < c1; c++) {
    unsigned char cell[13];
    put_be(cell, pg[c], 4);
    int n = 4 + put_varint(cell + 4, key[c]);
    at -= (uint32_t)n;
    memcpy(p + at, cell, (size_t)n);
    put_be(p + 12 + 2 * (c - c0), at, 2);
  }
  put_be(p + 5, at == 65536 ? 0 : at, 2);
}

sm_status sm__gpkg_fill_write(sm_ctx *ctx, const char *path, sm_gpkg_fill *f) {
  f->done = 0;
  if (!f->root || !f->rec) return SM_OK;
  const sm_layer *l = f->layer;
  size_t nr = sm_layer_feature_count(l), nf = sm_layer_field_count(l);
  uint32_t ps = f->page_size;
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return sm__error(ctx, SM_E_IO, "cannot reopen '%s': %s", path, strerror(errno));
  sm_status st = SM_OK;
  unsigned char hd[HEADER], *root = NULL, *buf = NULL;
  uint32_t *first = NULL, *pg = NULL;
  uint64_t *key = NULL;
  sm_layer_col *cols = NULL;
  const char *why = NULL;
  double t0 = sm__now();
  off_t size = lseek(fd, 0, SEEK_END);
  if (size < 0 || pread_all(fd, hd, HEADER, 0)) {
    st = sm__error(ctx, SM_E_IO, "cannot read '%s': %s", path, strerror(errno));
    goto done;
  }
  /* the file as checked: its page size, no reserved bytes, legacy journal, UTF-8, format 4, no auto-vacuum,
   * and a page count that holds (the change counter it was made at equals the file's) */
  uint32_t hps = be16(hd + 16) == 1 ? 65536 : be16(hd + 16), pages = be32(hd + 28);
  if (memcmp(hd, "SQLite format 3", 16) != 0 || hps != ps || hd[18] != 1 || hd[19] != 1 || hd[20] != 0 ||
      be32(hd + 24) != be32(hd + 92) || be32(hd + 44) != 4 || be32(hd + 52) != 0 || be32(hd + 56) != 1 ||
      (uint64_t)size != (uint64_t)pages * ps || f->root > pages) {
    why = "its header";
    goto done;
  }
  root = sm__malloc(ps);
  if (!root) {
    st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    goto done;
  }
  if (pread_all(fd, root, ps, (uint64_t)(f->root - 1) * ps)) {
    st = sm__error(ctx, SM_E_IO, "cannot read '%s': %s", path, strerror(errno));
    goto done;
  }
  if (root[0] != PAGE_LEAF || be16(root + 3) != 0) {
    why = "its root page";
    goto done;
  }

  /* the leaves, filled in row order: each row's cell and its pointer while they fit */
  size_t nl = 0, cap = 1024;
  first = sm__malloc(cap * sizeof *first);
  if (!first) goto oom;
  first[0] = 0;
  for (size_t r = 0, used = 8; r < nr; r++) {
    uint32_t cs = cell_size(f, r);
    if (used + 2 + cs > ps && r > first[nl]) {
      if (nl + 2 > cap) {
        uint32_t *g = sm__realloc(first, 2 * cap * sizeof *g);
        if (!g) goto oom;
        first = g, cap *= 2;
      }
      first[++nl] = (uint32_t)r, used = 8;
    }
    used += 2 + cs;
  }
  first[++nl] = (uint32_t)nr;
  /* the pages above: per level, nodes of up to `per` children, the children shared out evenly */
  uint32_t fanout = (ps - 12) / (2 + 4 + (uint32_t)varint_len(nr)) + 1;
  size_t total = nl, lv = nl;
  while (lv > 1) lv = (lv + fanout - 1) / fanout, total += lv;
  /* pages appended: every leaf and inner node but the top one, which is the root page */
  uint64_t first_new = (uint64_t)pages + 1, last = (uint64_t)pages + total - 1;
  if (last * ps > LOCK_BYTE) {
    why = "1 GiB";
    goto done;
  }
  pg = sm__malloc(total * sizeof *pg), key = sm__malloc(total * sizeof *key);
  cols = sm__malloc((nf ? nf : 1) * sizeof *cols);
  if (!pg || !key || !cols) goto oom;
  for (size_t c = 0; c < nf; c++) sm__layer_column(l, c, &cols[c]);
  for (size_t j = 0; j < nl; j++) pg[j] = nl == 1 ? f->root : (uint32_t)(first_new + j), key[j] = first[j + 1];

  /* the leaves, a batch of pages at a time on every thread, then written at their place */
  size_t per_batch = BATCH_BYTES / ps ? BATCH_BYTES / ps : 1;
  buf = sm__malloc((nl < per_batch ? nl : per_batch) * (size_t)ps);
  if (!buf) goto oom;
  for (size_t b = 0; b < nl && !st; b += per_batch) {
    size_t e = b + per_batch < nl ? b + per_batch : nl;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static) if (e - b >= 8)
#endif
    for (size_t j = b; j < e; j++) put_leaf(buf + (j - b) * ps, ps, f, cols, nf, first[j], first[j + 1]);
    if (pwrite_all(fd, buf, (e - b) * ps, (uint64_t)(pg[b] - 1) * ps))
      st = sm__error(ctx, SM_E_IO, "cannot write '%s': %s", path, strerror(errno));
  }
  /* the levels above, bottom up; the top node into the root page */
  size_t c0 = 0, nc = nl, next = nl;
  uint64_t at_page = first_new + (nl > 1 ? nl : 0);
  while (!st && nc > 1) {
    size_t nodes = (nc + fanout - 1) / fanout;
    for (size_t j = 0; j < nodes && !st; j++) {
      size_t a = c0 + nc * j / nodes, z = c0 + nc * (j + 1) / nodes;
      uint32_t no = nodes == 1 ? f->root : (uint32_t)at_page++;
      put_interior(buf, ps, pg, key, a, z);
      pg[next] = no, key[next] = key[z - 1], next++;
      if (pwrite_all(fd, buf, ps, (uint64_t)(no - 1) * ps))
        st = sm__error(ctx, SM_E_IO, "cannot write '%s': %s", path, strerror(errno));
    }
    c0 += nc, nc = nodes;
  }
  if (!st && at_page != first_new + total - 1) st = sm__error(ctx, SM_E_INTERNAL, "table '%s': pages miscounted", sm_layer_name(l));
  /* the header: the page count, and the change counter with the version it is valid for */
  if (!st) {
    uint32_t counter = be32(hd + 24) + 1;
    put_be(hd + 24, counter, 4);
    put_be(hd + 28, last, 4);
    put_be(hd + 92, counter, 4);
    put_be(hd + 96, (uint64_t)sqlite3_libversion_number(), 4);
    if (pwrite_all(fd, hd, HEADER, 0)) st = sm__error(ctx, SM_E_IO, "cannot write '%s': %s", path, strerror(errno));
  }
  if (!st) {
    f->done = 1;
    sm__log(ctx, SM_LOG_DEBUG, "layer '%s': %zu rows written into %zu pages in %.3f s", sm_layer_name(l), nr, total,
            sm__now() - t0);
  }
  goto done;
oom:
  st = sm__error(ctx, SM_E_NOMEM, "out of memory");
done:
  if (why) sm__log(ctx, SM_LOG_DEBUG, "layer '%s': rows inserted, not written into pages (%s)", sm_layer_name(l), why);
  if (close(fd) != 0 && !st) st = sm__error(ctx, SM_E_IO, "cannot write '%s': %s", path, strerror(errno));
  sm__free(root), sm__free(buf), sm__free(first), sm__free(pg), sm__free(key), sm__free(cols);
  return st;
}
