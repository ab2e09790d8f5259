/* A table of a GeoPackage read straight from its pages (internal/gpkg_pages.h). The file format is
 * SQLite's (https://www.sqlite.org/fileformat2.html): a table is a B-tree of pages keyed by rowid; its
 * interior pages (type 5) hold child page numbers, its leaves (type 13) the rows, each a record: a header
 * of serial types, then the values. A row longer than a page spills into a chain of overflow pages. */
#include "internal/gpkg_pages.h"
#include "internal/sm_internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* RUN_BYTES: consecutive leaves read at once. 128 KiB keeps a thread's run in its core's cache (1 MiB of L2
 * here) while it is parsed: count 1M on 2 threads read in 0.10-0.11 s against 0.13-0.14 s with 1 MiB runs. */
enum { PAGE_INTERIOR = 5, PAGE_LEAF = 13, MAX_DEPTH = 40, RUN_BYTES = 1 << 17 };

struct sm_gpkg_pages {
  sqlite3 *db;          /* holds the read transaction */
  sqlite3_file *file;   /* its handle of the file: pages are read through it */
  uint32_t page_size, usable;
  uint64_t n_pages;
  uint32_t *leaves;
  size_t n_leaves, leaves_cap;
  /* Rowids: those of leaf i lie in (upper[i-1], upper[i]] (first_key - 1 before the first leaf), as the
   * interior pages' keys say; upper[] of the last leaf is its last rowid. bounded: those keys were
   * read and rise from leaf to leaf, so the cursor holds every row to them. */
  int64_t *upper, first_key;
  size_t upper_cap;
  int bounded;
  uint32_t cells_hint; /* the larger count of cells of the first and last leaves */
  struct column {
    char *name;
    unsigned char rowid;     /* the INTEGER PRIMARY KEY */
    unsigned char dflt_null; /* its default is NULL */
  } *cols;                   /* in record order */
  size_t n_cols, cols_cap;
  unsigned char *walk; /* a page buffer per level of the B-tree */
};

static uint32_t be16(const unsigned char *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A varint at p (at most 9 bytes, not past end): its length, 0 when it runs past end. */
static int varint(const unsigned char *p, const unsigned char *end, uint64_t *v) {
  uint64_t x = 0;
  for (int i = 0; i < 8; i++) {
    if (p + i >= end) return 0;
    x = (x << 7) | (p[i] & 0x7f);
    if (!(p[i] & 0x80)) {
      *v = x;
      return i + 1;
    }
  }
  if (p + 8 >= end) return 0;
  *v = (x << 8) | p[8];
  return 9;
}

static int read_at(const sm_gpkg_pages *g, void *buf, size_t n, uint64_t page) {
  return g->file->pMethods->xRead(g->file, buf, (int)n, (sqlite3_int64)(page - 1) * g->page_size) == SQLITE_OK;
}

static int add_leaf(sm_gpkg_pages *g, uint32_t page, int64_t upper) {
  if ((g->n_leaves == g->leaves_cap &&
       sm__grow((void **)&g->leaves, &g->leaves_cap, g->n_leaves + 1, sizeof *g->leaves)) ||
      (g->n_leaves == g->upper_cap && sm__grow((void **)&g->upper, &g->upper_cap, g->n_leaves + 1, sizeof *g->upper)))
    return -1;
  if (g->n_leaves && upper <= g->upper[g->n_leaves - 1]) g->bounded = 0;
  g->upper[g->n_leaves] = upper;
  g->leaves[g->n_leaves++] = page;
  return 0;
}

/* Lists the leaves under interior page `page` at `depth` (leaves at leaf_depth), whose rowids are at most
 * `upper` (its parent's key). 0 ok, -1 out of memory, 1 damaged (*why). */
static int walk(sm_gpkg_pages *g, uint32_t page, int depth, int leaf_depth, int64_t upper, const char **why) {
  if (page < 2 || page > g->n_pages || g->n_leaves > g->n_pages) return *why = "a page number outside the file", 1;
  if (depth == leaf_depth) return add_leaf(g, page, upper);
  unsigned char *b = g->walk + (size_t)depth * g->page_size;
  if (!read_at(g, b, g->page_size, page)) return *why = "a page that could not be read", 1;
  if (b[0] != PAGE_INTERIOR) return *why = "a damaged B-tree page", 1;
  uint32_t n = be16(b + 3);
  if (12 + 2 * n > g->usable) return *why = "a damaged B-tree page", 1;
  for (uint32_t i = 0; i <= n; i++) {
    uint32_t child;
    int64_t key = upper;
    if (i < n) {
      uint32_t off = be16(b + 12 + 2 * i);
      uint64_t k;
      if (off + 4 > g->usable) return *why = "a damaged B-tree page", 1;
      child = be32(b + off);
      if (!varint(b + off + 4, b + g->usable, &k) || (int64_t)k > upper) g->bounded = 0; /* keys out of order */
      else key = (int64_t)k;
    } else {
      child = be32(b + 8);
    }
    int e = walk(g, child, depth + 1, leaf_depth, key, why);
    if (e) return e;
  }
  return 0;
}

/* The first column of a statement's first row, as text; 0 when none. */
static int query_text(sqlite3 *db, const char *sql, char *out, size_t n) {
  sqlite3_stmt *q = NULL;
  int ok = sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
           sqlite3_column_text(q, 0);
  if (ok) snprintf(out, n, "%s", (const char *)sqlite3_column_text(q, 0));
  sqlite3_finalize(q);
  return ok;
}

/* The table's row in the schema, its columns, the file's header. 0 ok, -1 out of memory, 1 declined. */
static int read_schema(sm_gpkg_pages *g, const char *table, uint32_t *root, const char **why) {
  sqlite3 *db = g->db;
  sqlite3_stmt *q = NULL;
  *why = "its schema could not be read";
  if (sqlite3_prepare_v2(db, "SELECT type, rootpage FROM sqlite_master WHERE name = ?1 COLLATE NOCASE", -1, &q,
                         NULL) != SQLITE_OK)
    return 1;
  sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
  int rows = 0;
  while (sqlite3_step(q) == SQLITE_ROW) {
    rows++;
    const char *type = (const char *)sqlite3_column_text(q, 0);
    *root = (uint32_t)sqlite3_column_int64(q, 1);
    if (!type || strcmp(type, "table") != 0 || *root < 2) *why = "it is a view or a virtual table", rows = 99;
  }
  sqlite3_finalize(q);
  if (rows != 1) return 1;
  char mode[32] = "";
  if (!query_text(db, "PRAGMA encoding", mode, sizeof mode) || strcmp(mode, "UTF-8") != 0)
    return *why = "its text is not UTF-8", 1;
  if (query_text(db, "PRAGMA journal_mode", mode, sizeof mode) && !strcasecmp(mode, "wal")) {
    /* Pages in the log are newer than the file's: read only when the log is empty. */
    const char *fn = sqlite3_db_filename(db, "main");
    char *wal = fn ? sqlite3_mprintf("%s-wal", fn) : NULL;
    struct stat sb;
    int busy = !wal || (stat(wal, &sb) == 0 && sb.st_size > 0);
    sqlite3_free(wal);
    if (busy) return *why = "its write-ahead log holds changes", 1;
  }
  char *sql = sqlite3_mprintf("PRAGMA table_xinfo(\"%w\")", table);
  if (!sql) return -1;
  int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
  sqlite3_free(sql);
  if (rc != SQLITE_OK) return 1;
  int n_pk = 0, e = 0;
  while (!e && sqlite3_step(q) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(q, 1), *type = (const char *)sqlite3_column_text(q, 2);
    if ((size_t)sqlite3_column_int(q, 0) != g->n_cols || !name || sqlite3_column_int(q, 6) != 0) {
      *why = "it has generated or hidden columns";
      e = 1;
    } else if (sm__grow((void **)&g->cols, &g->cols_cap, g->n_cols + 1, sizeof *g->cols) ||
               !(g->cols[g->n_cols].name = sm__strdup(name))) {
      e = -1;
    } else {
      struct column *c = &g->cols[g->n_cols++];
      int pk = sqlite3_column_int(q, 5);
      n_pk += pk > 0;
      c->rowid = pk > 0 && type && !strcasecmp(type, "INTEGER");
      c->dflt_null = sqlite3_column_type(q, 4) == SQLITE_NULL;
    }
  }
  sqlite3_finalize(q);
  if (e) return e;
  if (g->n_cols == 0) return *why = "its columns could not be listed", 1;
  if (n_pk > 1)
    for (size_t i = 0; i < g->n_cols; i++) g->cols[i].rowid = 0; /* a key of several columns is no rowid */
  /* Reading sqlite_master took the shared lock, which the open transaction keeps until the connection
   * closes: no writer can change the file meanwhile. */
  unsigned char h[100];
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &g->file) != SQLITE_OK || !g->file ||
      !g->file->pMethods || g->file->pMethods->xRead(g->file, h, 100, 0) != SQLITE_OK)
    return *why = "its file could not be read", 1;
  uint32_t ps = be16(h + 16);
  g->page_size = ps == 1 ? 65536 : ps;
  if (g->page_size < 512 || (g->page_size & (g->page_size - 1)) || h[20] > g->page_size - 480)
    return *why = "its header is damaged", 1;
  g->usable = g->page_size - h[20];
  sqlite3_int64 size = 0;
  if (g->file->pMethods->xFileSize(g->file, &size) != SQLITE_OK || size < (sqlite3_int64)g->page_size)
    return *why = "its file could not be read", 1;
  g->n_pages = (uint64_t)size / g->page_size;
  return 0;
}

/* The rowid of cell `i` of leaf page b: 1, or 0 when it cannot be read. */
static int cell_key(const sm_gpkg_pages *g, const unsigned char *b, uint32_t i, int64_t *key) {
  const unsigned char *end = b + g->usable;
  uint32_t off = be16(b + 8 + 2 * i);
  uint64_t total, k;
  int a;
  if (off < 8 || off >= g->usable || !(a = varint(b + off, end, &total)) || !varint(b + off + a, end, &k)) return 0;
  *key = (int64_t)k;
  return 1;
}

/* The first rowid of the first leaf, and the last of the last (the bound of the last leaf): read from
 * those two leaves (into g->walk). Leaves the table unbounded when they do not agree with the keys. */
static void ends(sm_gpkg_pages *g) {
  size_t n = g->n_leaves;
  unsigned char *b = g->walk;
  int64_t first = 0, last = 0;
  uint32_t cells = 0;
  int ok = n > 0 && read_at(g, b, g->page_size, g->leaves[0]) && b[0] == PAGE_LEAF &&
           8 + 2 * (cells = be16(b + 3)) <= g->usable;
  if (ok && n == 1 && cells == 0) { /* an empty table: a root leaf with no cell, bounded by no row */
    g->first_key = 1;
    g->upper[0] = 0;
    return;
  }
  g->cells_hint = cells;
  ok = ok && cells > 0 && cell_key(g, b, 0, &first) && read_at(g, b, g->page_size, g->leaves[n - 1]) &&
       b[0] == PAGE_LEAF && 8 + 2 * (cells = be16(b + 3)) <= g->usable && cells > 0 &&
       cell_key(g, b, cells - 1, &last);
  if (cells > g->cells_hint) g->cells_hint = cells;
  if (!ok || first == INT64_MIN || first > g->upper[0] || last > g->upper[n - 1] ||
      (n > 1 && last <= g->upper[n - 2]) || last < first) {
    g->bounded = 0;
    return;
  }
  g->first_key = first;
  g->upper[n - 1] = last;
}

sm_status sm__gpkg_pages_open(sm_ctx *ctx, const char *path, const char *table, sm_gpkg_pages **out,
                              const char **why) {
  *out = NULL;
  sm_gpkg_pages *g = sm__calloc(1, sizeof *g);
  if (!g) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  int e = 1;
  uint32_t root = 0;
  *why = "the file could not be opened by SQLite";
  if (sqlite3_open_v2(path, &g->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK &&
      sqlite3_exec(g->db, "PRAGMA mmap_size = 0; BEGIN", NULL, NULL, NULL) == SQLITE_OK)
    e = read_schema(g, table, &root, why);
  if (!e && !(g->walk = sm__malloc((size_t)MAX_DEPTH * g->page_size))) e = -1;
  if (!e) {
    /* Every leaf of a B-tree is at the same depth: the first child's path finds it, so the leaves
     * themselves need not be read to be listed. */
    int depth = 0;
    uint32_t page = root;
    for (;; depth++) {
      if (depth >= MAX_DEPTH || page < 2 || page > g->n_pages || !read_at(g, g->walk, g->page_size, page)) {
        *why = "a damaged B-tree page";
        e = 1;
        break;
      }
      unsigned char t = g->walk[0];
      if (t == PAGE_LEAF) break;
      if (t == 2 || t == 10) {
        *why = "it is a table WITHOUT ROWID";
        e = 1;
        break;
      }
      uint32_t off = be16(g->walk + 12);
      if (t != PAGE_INTERIOR || be16(g->walk + 3) == 0 || off + 4 > g->usable) {
        *why = "a damaged B-tree page";
        e = 1;
        break;
      }
      page = be32(g->walk + off);
    }
    g->bounded = 1;
    if (!e) e = walk(g, root, 0, depth, INT64_MAX, why);
    if (!e && g->bounded) ends(g);
  }
  if (e) {
    sm__gpkg_pages_close(g);
    return e < 0 ? sm__error(ctx, SM_E_NOMEM, "out of memory") : SM_OK;
  }
  sm__free(g->walk);
  g->walk = NULL;
  *out = g;
  *why = NULL;
  return SM_OK;
}

void sm__gpkg_pages_close(sm_gpkg_pages *g) {
  if (!g) return;
  if (g->db) sqlite3_close(g->db); /* ends the read transaction */
  for (size_t i = 0; i < g->n_cols; i++) sm__free(g->cols[i].name);
  sm__free(g->cols);
  sm__free(g->leaves);
  sm__free(g->upper);
  sm__free(g->walk);
  sm__free(g);
}

size_t sm__gpkg_pages_leaves(const sm_gpkg_pages *g) { return g->n_leaves; }

uint64_t sm__gpkg_pages_rows_guess(const sm_gpkg_pages *g) { return (uint64_t)g->n_leaves * g->cells_hint; }

int sm__gpkg_pages_rows_at_most(const sm_gpkg_pages *g, size_t lo, size_t hi, uint64_t *n) {
  if (!g->bounded || lo > hi || hi > g->n_leaves) return 0;
  if (lo == hi) {
    *n = 0;
    return 1;
  }
  int64_t below = lo ? g->upper[lo - 1] : g->first_key - 1;
  *n = (uint64_t)g->upper[hi - 1] - (uint64_t)below;
  return 1;
}

int sm__gpkg_pages_column(const sm_gpkg_pages *g, const char *name, int *rowid, int *dflt_null) {
  int at = -1;
  for (size_t i = 0; i < g->n_cols && at < 0; i++)
    if (!strcmp(g->cols[i].name, name)) at = (int)i;
  for (size_t i = 0; i < g->n_cols && at < 0; i++)
    if (!strcasecmp(g->cols[i].name, name)) at = (int)i;
  if (at >= 0) {
    *rowid = g->cols[at].rowid;
    *dflt_null = g->cols[at].dflt_null;
  }
  return at;
}

sm_status sm__gpkg_cursor_open(sm_gpkg_cursor *c, const sm_gpkg_pages *g, size_t lo, size_t hi, const int *pos,
                               int n_pos) {
  memset(c, 0, sizeof *c);
  c->g = g;
  c->leaf = lo;
  c->leaf_end = hi;
  c->pos = pos;
  c->n_pos = n_pos;
  c->max_pos = -1;
  for (int j = 0; j < n_pos; j++)
    if (pos[j] > c->max_pos) c->max_pos = pos[j];
  c->buf_pages = RUN_BYTES / g->page_size ? RUN_BYTES / g->page_size : 1;
  c->buf = sm__malloc(c->buf_pages * g->page_size);
  c->ovf = sm__malloc(g->page_size);
  c->col_off = sm__malloc(((size_t)c->max_pos + 1) * sizeof *c->col_off);
  c->col_type = sm__malloc(((size_t)c->max_pos + 1) * sizeof *c->col_type);
  if (!c->buf || !c->ovf || !c->col_off || !c->col_type) {
    sm__gpkg_cursor_close(c);
    return SM_E_NOMEM;
  }
  return SM_OK;
}

void sm__gpkg_cursor_close(sm_gpkg_cursor *c) {
  sm__free(c->buf);
  sm__free(c->spill);
  sm__free(c->ovf);
  sm__free(c->col_off);
  sm__free(c->col_type);
  c->buf = c->spill = c->ovf = NULL;
  c->col_off = NULL;
  c->col_type = NULL;
}

/* Loads the next leaf: 1, 0 at the end, -1 (why). Consecutive pages are read at once. */
static int next_leaf(sm_gpkg_cursor *c) {
  const sm_gpkg_pages *g = c->g;
  if (c->leaf >= c->leaf_end) return 0;
  size_t k = c->leaf - c->run_at;
  if (!c->run_n || c->leaf < c->run_at || k >= c->run_n) {
    size_t n = 1;
    while (c->leaf + n < c->leaf_end && n < c->buf_pages && g->leaves[c->leaf + n] == g->leaves[c->leaf + n - 1] + 1)
      n++;
    if (!read_at(g, c->buf, n * g->page_size, g->leaves[c->leaf])) {
      c->why = "a page could not be read";
      return -1;
    }
    c->run_at = c->leaf;
    c->run_n = n;
    k = 0;
  }
  const unsigned char *b = c->buf + k * g->page_size;
  c->page_no = g->leaves[c->leaf];
  c->leaf++;
  if (b[0] != PAGE_LEAF) {
    c->why = "a damaged B-tree page";
    return -1;
  }
  c->n_cells = (int)be16(b + 3);
  if (8 + 2 * (uint32_t)c->n_cells > g->usable) {
    c->why = "a damaged B-tree page";
    return -1;
  }
  if (g->bounded) {
    size_t i = c->leaf - 1;
    c->key_lo = i ? g->upper[i - 1] : g->first_key - 1;
    c->key_hi = g->upper[i];
  }
  c->page = b;
  c->cell = 0;
  return 1;
}

/* The payload of a cell whose local part is `local` bytes at p, followed by the first overflow page's
 * number: gathered into c->spill. */
static const unsigned char *gather(sm_gpkg_cursor *c, const unsigned char *p, size_t local, uint64_t total) {
  const sm_gpkg_pages *g = c->g;
  size_t per = g->usable - 4;
  if ((total - local) / per >= g->n_pages) { /* more overflow pages than the file has */
    c->why = "a damaged record";
    return NULL;
  }
  if (total > c->spill_cap) {
    unsigned char *s = sm__realloc(c->spill, (size_t)total);
    if (!s) {
      c->why = "out of memory";
      return NULL;
    }
    c->spill = s;
    c->spill_cap = (size_t)total;
  }
  memcpy(c->spill, p, local);
  size_t have = local;
  uint32_t next = be32(p + local);
  uint64_t hops = (total - local + per - 1) / per;
  while (have < total) {
    if (!hops-- || next < 2 || next > g->n_pages || !read_at(g, c->ovf, g->page_size, next)) {
      c->why = "a damaged overflow page";
      return NULL;
    }
    size_t take = total - have < per ? (size_t)(total - have) : per;
    memcpy(c->spill + have, c->ovf + 4, take);
    have += take;
    next = be32(c->ovf);
  }
  return c->spill;
}

static int64_t be_int(const unsigned char *p, int n) {
  uint64_t v = p[0] & 0x80 ? ~(uint64_t)0 : 0;
  for (int i = 0; i < n; i++) v = (v << 8) | p[i];
  return (int64_t)v;
}

static const unsigned char SERIAL_SIZE[10] = {0, 1, 2, 3, 4, 6, 8, 8, 0, 0};

int sm__gpkg_cursor_next(sm_gpkg_cursor *c, int64_t *rowid, sm_gpkg_val *v) {
  const sm_gpkg_pages *g = c->g;
  while (!c->page || c->cell >= c->n_cells) {
    int e = next_leaf(c);
    if (e <= 0) return e;
  }
  const unsigned char *b = c->page, *end = b + g->usable;
  uint32_t off = be16(b + 8 + 2 * c->cell);
  c->cell++;
  c->why = "a damaged record";
  if (off < 8 + 2 * (uint32_t)c->n_cells || off >= g->usable) return -1;
  const unsigned char *p = b + off;
  uint64_t total, key;
  int a = varint(p, end, &total);
  if (!a) return -1;
  p += a;
  if (!(a = varint(p, end, &key))) return -1;
  p += a;
  *rowid = (int64_t)key;
  if (g->bounded) { /* rising, and within the leaf's keys: so a run of leaves holds no more rows than its bound */
    if (*rowid <= c->key_lo || *rowid > c->key_hi) {
      c->why = "a damaged B-tree page";
      return -1;
    }
    c->key_lo = *rowid;
  }
  /* How much of the payload the leaf holds (the file format's rule for table leaves). */
  uint64_t x = g->usable - 35, local = total;
  if (total > x) {
    uint64_t m = ((uint64_t)(g->usable - 12) * 32 / 255) - 23, k = m + (total - m) % (g->usable - 4);
    local = k <= x ? k : m;
  }
  if ((size_t)(end - p) < local + (local < total ? 4 : 0)) return -1;
  const unsigned char *rec = local < total ? gather(c, p, (size_t)local, total) : p;
  if (!rec) return -1;
  uint64_t hs;
  if (!(a = varint(rec, rec + total, &hs)) || hs > total || hs < (uint64_t)a) return -1;
  const unsigned char *h = rec + a, *he = rec + hs;
  uint64_t body = hs;
  int ncol = 0;
  while (ncol <= c->max_pos && h < he) {
    uint64_t t;
    if (!(a = varint(h, he, &t)) || t == 10 || t == 11) return -1;
    h += a;
    uint64_t sz = t < 10 ? SERIAL_SIZE[t] : (t - 12) / 2;
    if (body + sz > total) return -1;
    c->col_off[ncol] = (uint32_t)body;
    c->col_type[ncol] = t;
    body += sz;
    ncol++;
  }
  for (int j = 0; j < c->n_pos; j++) {
    int q = c->pos[j];
    sm_gpkg_val *o = &v[j];
    if (q >= ncol) {
      o->kind = SM_GV_ABSENT;
      continue;
    }
    uint64_t t = c->col_type[q];
    const unsigned char *d = rec + c->col_off[q];
    if (t == 0) {
      o->kind = SM_GV_NULL;
    } else if (t <= 6) {
      o->kind = SM_GV_INT;
      o->i = be_int(d, SERIAL_SIZE[t]);
    } else if (t == 7) {
      uint64_t u = (uint64_t)be_int(d, 8);
      memcpy(&o->d, &u, 8);
      o->kind = SM_GV_FLOAT;
    } else if (t == 8 || t == 9) {
      o->kind = SM_GV_INT;
      o->i = (int64_t)(t - 8);
    } else {
      o->kind = t & 1 ? SM_GV_TEXT : SM_GV_BLOB;
      o->p = d;
      o->n = (size_t)((t - 12) / 2);
    }
  }
  c->why = NULL;
  return 1;
}
