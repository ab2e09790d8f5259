/* Rows into GeoPackage tables straight through SQLite.
 *
 * GDAL makes each table (columns, CRS, gpkg_contents, gpkg_geometry_columns) and is closed; the rows then go
 * in here with prepared INSERTs, the geometries as GeoPackage blobs made from the layer's WKB, and each
 * feature table's R-tree is packed bottom-up into SQLite's own R-tree tables. Through OGR a feature costs
 * some 8 us and GDAL 3.6's R-tree another 12 us (600,000 street segments: 12 s); here both take a tenth
 * of that. The file is what GDAL would write: the same blobs, the same R-tree extension rows and triggers
 * (GeoPackage 1.2, F.3), the extent in gpkg_contents and the count in gpkg_ogr_contents. A table without
 * geometry is first offered to gpkg_fill.c, which writes its rows straight into its pages with SQLite closed;
 * what that declines is inserted here. */
#include "internal/gpkg.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <ogr_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- WKB: checked walk for the envelope --------------------------------------------------------- */
typedef struct {
  const unsigned char *p;
  size_t n, i, npts;
  double e[4];
} wkb_rd;

static int rd_u32(wkb_rd *r, int le, uint32_t *v) {
  if (r->n - r->i < 4) return 0;
  const unsigned char *b = r->p + r->i;
  *v = le ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24
          : (uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
  r->i += 4;
  return 1;
}

static double rd_f64(const unsigned char *b, int le) {
  uint64_t u = 0;
  for (int k = 0; k < 8; k++) u |= (uint64_t)b[le ? k : 7 - k] << (8 * k);
  double d;
  memcpy(&d, &u, 8);
  return d;
}

/* count points; a point (is_point) of two NaNs is POINT EMPTY, any other NaN coordinate is refused */
static int rd_points(wkb_rd *r, int le, uint32_t count, int is_point) {
  if ((r->n - r->i) / 16 < count) return 0;
  for (uint32_t k = 0; k < count; k++, r->i += 16) {
    double x = rd_f64(r->p + r->i, le), y = rd_f64(r->p + r->i + 8, le);
    if (isnan(x) || isnan(y)) {
      if (is_point && isnan(x) && isnan(y)) continue;
      return 0;
    }
    if (r->npts++ == 0) {
      r->e[0] = r->e[1] = x;
      r->e[2] = r->e[3] = y;
    } else {
      r->e[0] = fmin(r->e[0], x), r->e[1] = fmax(r->e[1], x);
      r->e[2] = fmin(r->e[2], y), r->e[3] = fmax(r->e[3], y);
    }
  }
  return 1;
}

/* One 2D geometry (ISO types 1-7) at r->i; 0 when malformed or with a coordinate that is not a number. */
static int rd_geom(wkb_rd *r, int depth, uint32_t *type) {
  if (depth > 4 || r->n - r->i < 5 || r->p[r->i] > 1) return 0;
  int le = r->p[r->i++];
  uint32_t t, c, c2, sub;
  if (!rd_u32(r, le, &t) || t < 1 || t > 7) return 0;
  *type = t;
  if (t == 1) return rd_points(r, le, 1, 1);
  if (!rd_u32(r, le, &c)) return 0;
  if (t == 2) return rd_points(r, le, c, 0);
  if (t == 3) {
    for (uint32_t k = 0; k < c; k++)
      if (!rd_u32(r, le, &c2) || !rd_points(r, le, c2, 0)) return 0;
    return 1;
  }
  if (c > r->n - r->i) return 0; /* every part takes at least a byte */
  for (uint32_t k = 0; k < c; k++) {
    if (!rd_geom(r, depth + 1, &sub)) return 0;
    if (t != 7 && sub != t - 3) return 0;
  }
  return 1;
}

OGRwkbGeometryType sm__ogr_geom_type(sm_geom_type t) {
  switch (t) {
  case SM_GEOM_POINT: return wkbPoint;
  case SM_GEOM_LINESTRING: return wkbLineString;
  case SM_GEOM_POLYGON: return wkbPolygon;
  case SM_GEOM_MULTILINESTRING: return wkbMultiLineString;
  case SM_GEOM_MULTIPOLYGON: return wkbMultiPolygon;
  default: return wkbNone;
  }
}

static const char *type_word(uint32_t t) {
  static const char *w[] = {"geometry", "point", "line", "polygon", "multipoint", "multiline", "multipolygon",
                            "geometry collection"};
  return t < 8 ? w[t] : "geometry";
}

static void put_u32le(unsigned char *b, uint32_t v) {
  for (int k = 0; k < 4; k++) b[k] = (unsigned char)(v >> (8 * k));
}

static void put_f64le(unsigned char *b, double d) {
  uint64_t u;
  memcpy(&u, &d, 8);
  for (int k = 0; k < 8; k++) b[k] = (unsigned char)(u >> (8 * k));
}

sm_status sm__gpkg_blob(sm_ctx *ctx, sm_geom_type t, int32_t srs_id, const unsigned char *wkb, size_t n,
                        unsigned char **blob, size_t *blob_n, int *empty, double env[4]) {
  *blob = NULL;
  *blob_n = 0;
  wkb_rd r = {.p = wkb, .n = n};
  uint32_t wt = 0, want = t == SM_GEOM_MULTILINESTRING ? 5 : (uint32_t)t;
  int ok = rd_geom(&r, 0, &wt) && r.i == n;
  if (!ok) return sm__error(ctx, SM_E_GEOMETRY, "bad WKB (%zu bytes)", n);
  unsigned char *conv = NULL;
  if (wt != want && !(want >= 4 && wt == want - 3)) {
    /* another type (a collection from an overlay, say): converted as GDAL would write it */
    OGRGeometryH g = NULL;
    if (OGR_G_CreateFromWkbEx(wkb, NULL, &g, n) != OGRERR_NONE)
      return sm__error(ctx, SM_E_GEOMETRY, "bad WKB (%zu bytes)", n);
    g = OGR_G_ForceTo(g, sm__ogr_geom_type(t), NULL);
    size_t cn = g ? (size_t)OGR_G_WkbSize(g) : 0;
    if (cn && (conv = sm__malloc(cn)) && OGR_G_ExportToIsoWkb(g, wkbNDR, conv) == OGRERR_NONE) {
      r = (wkb_rd){.p = conv, .n = cn};
      ok = rd_geom(&r, 0, &wt) && r.i == cn && wt == want;
    } else
      ok = 0;
    OGR_G_DestroyGeometry(g);
    if (!ok) {
      sm__free(conv);
      return sm__error(ctx, SM_E_GEOMETRY, "a %s where a %s belongs", type_word(wt), type_word(want));
    }
    wkb = conv, n = cn;
  }
  int wrap = wt != want; /* a single part in a multi layer */
  *empty = r.npts == 0;
  int has_env = !*empty && want != 1;
  size_t total = 8 + (has_env ? 32 : 0) + (wrap ? 9 : 0) + n;
  unsigned char *b = sm__malloc(total);
  if (!b) {
    sm__free(conv);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  b[0] = 'G', b[1] = 'P', b[2] = 0;
  b[3] = (unsigned char)(0x01 | (has_env ? 0x02 : 0) | (*empty ? 0x10 : 0));
  put_u32le(b + 4, (uint32_t)srs_id);
  size_t o = 8;
  if (has_env) {
    for (int k = 0; k < 4; k++) put_f64le(b + o + 8 * (size_t)k, r.e[k]);
    o += 32;
  }
  if (wrap) {
    b[o] = 1;
    put_u32le(b + o + 1, want);
    put_u32le(b + o + 5, 1);
    o += 9;
  }
  memcpy(b + o, wkb, n);
  sm__free(conv);
  memcpy(env, r.e, sizeof r.e);
  *blob = b;
  *blob_n = total;
  return SM_OK;
}

/* ---- R-tree, packed sort-tile-recursive ---------------------------------------------------------- */
static int by_x(const void *a, const void *b) {
  const sm_rtree_item *p = a, *q = b;
  double u = (double)p->x0 + p->x1, v = (double)q->x0 + q->x1;
  if (u != v) return u < v ? -1 : 1;
  u = (double)p->y0 + p->y1, v = (double)q->y0 + q->y1;
  if (u != v) return u < v ? -1 : 1;
  return (p->id > q->id) - (p->id < q->id);
}

static int by_y(const void *a, const void *b) {
  const sm_rtree_item *p = a, *q = b;
  double u = (double)p->y0 + p->y1, v = (double)q->y0 + q->y1;
  if (u != v) return u < v ? -1 : 1;
  u = (double)p->x0 + p->x1, v = (double)q->x0 + q->x1;
  if (u != v) return u < v ? -1 : 1;
  return (p->id > q->id) - (p->id < q->id);
}

/* Orders items so that consecutive runs of m are the nodes: vertical slices of about sqrt(nodes) nodes
 * by x, each slice by y. */
static void str_order(sm_rtree_item *it, size_t n, size_t m) {
  qsort(it, n, sizeof *it, by_x);
  size_t nodes = (n + m - 1) / m, s = (size_t)ceil(sqrt((double)nodes)), slice = s * m;
  for (size_t i = 0; i < n; i += slice) qsort(it + i, n - i < slice ? n - i : slice, sizeof *it, by_y);
}

static void put_u16be(unsigned char *b, unsigned v) {
  b[0] = (unsigned char)(v >> 8);
  b[1] = (unsigned char)v;
}

static void put_i64be(unsigned char *b, int64_t v) {
  uint64_t u = (uint64_t)v;
  for (int k = 0; k < 8; k++) b[k] = (unsigned char)(u >> (56 - 8 * k));
}

static void put_f32be(unsigned char *b, float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  for (int k = 0; k < 4; k++) b[k] = (unsigned char)(u >> (24 - 8 * k));
}

#define SM_RTREE_MAX_LEVELS 16

sm_status sm__gpkg_rtree_load(sm_ctx *ctx, sqlite3 *db, const char *name, sm_rtree_item *items, size_t n) {
  if (n == 0) return SM_OK;
  sm_status st = SM_OK;
  sqlite3_stmt *q = NULL;
  /* The table's node size is its root's: SQLite sized it from the page size when it was created. */
  char *sql = sqlite3_mprintf("SELECT length(data) FROM \"%w_node\" WHERE nodeno = 1", name);
  int node_size = 0;
  if (sql && sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
    node_size = sqlite3_column_int(q, 0);
  sqlite3_finalize(q);
  sqlite3_free(sql);
  size_t m = node_size > 4 ? ((size_t)node_size - 4) / 24 : 0;
  if (m < 4) return sm__error(ctx, SM_E_IO, "R-tree '%s': no root node (%s)", name, sqlite3_errmsg(db));

  /* levels bottom-up: lv[0] are the features, lv[k + 1] the boxes of lv[k]'s nodes (id = node index) */
  sm_rtree_item *lv[SM_RTREE_MAX_LEVELS] = {items};
  size_t cnt[SM_RTREE_MAX_LEVELS] = {n}, nodes[SM_RTREE_MAX_LEVELS], nl = 0;
  for (;;) {
    str_order(lv[nl], cnt[nl], m);
    nodes[nl] = (cnt[nl] + m - 1) / m;
    if (nodes[nl] == 1) break;
    if (nl + 1 == SM_RTREE_MAX_LEVELS) {
      st = sm__error(ctx, SM_E_INTERNAL, "R-tree '%s': too deep", name);
      break;
    }
    sm_rtree_item *up = sm__malloc(nodes[nl] * sizeof *up);
    if (!up) {
      st = sm__error(ctx, SM_E_NOMEM, "out of memory");
      break;
    }
    for (size_t j = 0; j < nodes[nl]; j++) {
      const sm_rtree_item *c = lv[nl] + j * m;
      size_t k1 = cnt[nl] - j * m < m ? cnt[nl] - j * m : m;
      up[j] = (sm_rtree_item){c[0].x0, c[0].x1, c[0].y0, c[0].y1, (int64_t)j};
      for (size_t k = 1; k < k1; k++) {
        up[j].x0 = fminf(up[j].x0, c[k].x0), up[j].x1 = fmaxf(up[j].x1, c[k].x1);
        up[j].y0 = fminf(up[j].y0, c[k].y0), up[j].y1 = fmaxf(up[j].y1, c[k].y1);
      }
    }
    lv[++nl] = up;
    cnt[nl] = nodes[nl - 1];
  }
  size_t top = nl; /* lv[top] holds the root's cells */
  /* node numbers: the root is 1, then each level below in order */
  int64_t base[SM_RTREE_MAX_LEVELS];
  base[top] = 1;
  for (size_t k = top; k-- > 0;) base[k] = base[k + 1] + (int64_t)nodes[k + 1];

  unsigned char *blob = st ? NULL : sm__calloc(1, (size_t)node_size);
  if (!st && !blob) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  sqlite3_stmt *wn = NULL, *wr = NULL, *wp = NULL;
  char *s1 = sqlite3_mprintf("INSERT OR REPLACE INTO \"%w_node\" (nodeno, data) VALUES (?, ?)", name);
  char *s2 = sqlite3_mprintf("INSERT INTO \"%w_rowid\" (rowid, nodeno) VALUES (?, ?)", name);
  char *s3 = sqlite3_mprintf("INSERT INTO \"%w_parent\" (nodeno, parentnode) VALUES (?, ?)", name);
  if (!st && (!s1 || !s2 || !s3 || sqlite3_prepare_v2(db, s1, -1, &wn, NULL) != SQLITE_OK ||
              sqlite3_prepare_v2(db, s2, -1, &wr, NULL) != SQLITE_OK ||
              sqlite3_prepare_v2(db, s3, -1, &wp, NULL) != SQLITE_OK))
    st = sm__error(ctx, SM_E_IO, "R-tree '%s': %s", name, sqlite3_errmsg(db));
  sqlite3_free(s1), sqlite3_free(s2), sqlite3_free(s3);
  for (size_t k = 0; k <= top && !st; k++) {
    for (size_t j = 0; j < nodes[k] && !st; j++) {
      const sm_rtree_item *c = lv[k] + j * m;
      size_t k1 = cnt[k] - j * m < m ? cnt[k] - j * m : m;
      memset(blob, 0, (size_t)node_size);
      put_u16be(blob, k == top ? (unsigned)top : 0); /* the tree's depth, kept in the root */
      put_u16be(blob + 2, (unsigned)k1);
      for (size_t i = 0; i < k1; i++) {
        unsigned char *cell = blob + 4 + 24 * i;
        put_i64be(cell, k == 0 ? c[i].id : base[k - 1] + c[i].id);
        put_f32be(cell + 8, c[i].x0);
        put_f32be(cell + 12, c[i].x1);
        put_f32be(cell + 16, c[i].y0);
        put_f32be(cell + 20, c[i].y1);
      }
      int64_t no = base[k] + (int64_t)j;
      sqlite3_bind_int64(wn, 1, no);
      sqlite3_bind_blob(wn, 2, blob, node_size, SQLITE_STATIC);
      if (sqlite3_step(wn) != SQLITE_DONE) st = sm__error(ctx, SM_E_IO, "R-tree '%s': %s", name, sqlite3_errmsg(db));
      sqlite3_reset(wn);
      for (size_t i = 0; i < k1 && !st; i++) {
        /* a leaf's cells map each feature to it; an inner node's cells are their children's parent */
        sqlite3_stmt *w = k == 0 ? wr : wp;
        sqlite3_bind_int64(w, 1, k == 0 ? c[i].id : base[k - 1] + c[i].id);
        sqlite3_bind_int64(w, 2, no);
        if (sqlite3_step(w) != SQLITE_DONE)
          st = sm__error(ctx, SM_E_IO, "R-tree '%s': %s", name, sqlite3_errmsg(db));
        sqlite3_reset(w);
      }
    }
  }
  sqlite3_finalize(wn), sqlite3_finalize(wr), sqlite3_finalize(wp);
  sm__free(blob);
  for (size_t k = 1; k <= nl; k++) sm__free(lv[k]);
  return st;
}

/* ---- tables ----------------------------------------------------------------------------------------- */
static sm_status sql_quote(sm_buf *b, const char *name) {
  sm_status st = sm__buf_append(b, "\"", 1);
  for (const char *c = name; *c && !st; c++) st = *c == '"' ? sm__buf_append(b, "\"\"", 2) : sm__buf_append(b, c, 1);
  return st ? st : sm__buf_append(b, "\"", 1);
}

static sm_status exec(sm_ctx *ctx, sqlite3 *db, const char *what, char *sql) {
  sm_status st = SM_OK;
  if (!sql) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) st = sm__error(ctx, SM_E_IO, "%s: %s", what, sqlite3_errmsg(db));
  sqlite3_free(sql);
  return st;
}

/* float bounds that hold the double ones, as SQLite's R-tree rounds */
static float f_down(double d) {
  float f = (float)d;
  return (double)f > d ? nextafterf(f, -INFINITY) : f;
}
static float f_up(double d) {
  float f = (float)d;
  return (double)f < d ? nextafterf(f, INFINITY) : f;
}

/* The R-tree, its extension row and the GeoPackage 1.2 triggers that keep it in step with later edits
 * (ST_* are the reader's functions: GDAL and QGIS have them). */
static sm_status make_rtree(sm_ctx *ctx, sqlite3 *db, const char *t, const char *g, sm_rtree_item *it, size_t n) {
  char *r = sqlite3_mprintf("rtree_%s_%s", t, g);
  if (!r) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm_status st = exec(ctx, db, t, sqlite3_mprintf("CREATE VIRTUAL TABLE \"%w\" USING rtree(id, minx, maxx, miny, maxy)", r));
  if (!st) st = sm__gpkg_rtree_load(ctx, db, r, it, n);
  if (!st)
    st = exec(ctx, db, t,
              sqlite3_mprintf("CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, "
                              "extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, "
                              "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)); "
                              "INSERT INTO gpkg_extensions VALUES (%Q, %Q, 'gpkg_rtree_index', "
                              "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
                              t, g));
  static const char *trig[] = {
      "CREATE TRIGGER \"%w_insert\" AFTER INSERT ON \"%w\" WHEN (new.\"%w\" NOT NULL AND NOT ST_IsEmpty(NEW.\"%w\")) "
      "BEGIN INSERT OR REPLACE INTO \"%w\" VALUES (NEW.\"fid\",ST_MinX(NEW.\"%w\"), ST_MaxX(NEW.\"%w\"),"
      "ST_MinY(NEW.\"%w\"), ST_MaxY(NEW.\"%w\")); END",
      "CREATE TRIGGER \"%w_update1\" AFTER UPDATE OF \"%w\" ON \"%w\" WHEN OLD.\"fid\" = NEW.\"fid\" AND "
      "(NEW.\"%w\" NOTNULL AND NOT ST_IsEmpty(NEW.\"%w\")) BEGIN INSERT OR REPLACE INTO \"%w\" VALUES "
      "(NEW.\"fid\",ST_MinX(NEW.\"%w\"), ST_MaxX(NEW.\"%w\"),ST_MinY(NEW.\"%w\"), ST_MaxY(NEW.\"%w\")); END",
      "CREATE TRIGGER \"%w_update2\" AFTER UPDATE OF \"%w\" ON \"%w\" WHEN OLD.\"fid\" = NEW.\"fid\" AND "
      "(NEW.\"%w\" ISNULL OR ST_IsEmpty(NEW.\"%w\")) BEGIN DELETE FROM \"%w\" WHERE id = OLD.\"fid\"; END",
      "CREATE TRIGGER \"%w_update3\" AFTER UPDATE ON \"%w\" WHEN OLD.\"fid\" != NEW.\"fid\" AND "
      "(NEW.\"%w\" NOTNULL AND NOT ST_IsEmpty(NEW.\"%w\")) BEGIN DELETE FROM \"%w\" WHERE id = OLD.\"fid\"; "
      "INSERT OR REPLACE INTO \"%w\" VALUES (NEW.\"fid\",ST_MinX(NEW.\"%w\"), ST_MaxX(NEW.\"%w\"),"
      "ST_MinY(NEW.\"%w\"), ST_MaxY(NEW.\"%w\")); END",
      "CREATE TRIGGER \"%w_update4\" AFTER UPDATE ON \"%w\" WHEN OLD.\"fid\" != NEW.\"fid\" AND "
      "(NEW.\"%w\" ISNULL OR ST_IsEmpty(NEW.\"%w\")) BEGIN DELETE FROM \"%w\" WHERE id IN (OLD.\"fid\", NEW.\"fid\"); END",
      "CREATE TRIGGER \"%w_delete\" AFTER DELETE ON \"%w\" WHEN old.\"%w\" NOT NULL BEGIN DELETE FROM \"%w\" "
      "WHERE id = OLD.\"fid\"; END"};
  if (!st) st = exec(ctx, db, t, sqlite3_mprintf(trig[0], r, t, g, g, r, g, g, g, g));
  if (!st) st = exec(ctx, db, t, sqlite3_mprintf(trig[1], r, g, t, g, g, r, g, g, g, g));
  if (!st) st = exec(ctx, db, t, sqlite3_mprintf(trig[2], r, g, t, g, g, r));
  if (!st) st = exec(ctx, db, t, sqlite3_mprintf(trig[3], r, t, g, g, r, r, g, g, g, g));
  if (!st) st = exec(ctx, db, t, sqlite3_mprintf(trig[4], r, t, g, g, r));
  if (!st) st = exec(ctx, db, t, sqlite3_mprintf(trig[5], r, t, g, r));
  sqlite3_free(r);
  return st;
}

/* The geometry column and CRS id GDAL gave a feature table. */
static sm_status geom_column(sm_ctx *ctx, sqlite3 *db, const char *t, char **col, int32_t *srs) {
  sqlite3_stmt *q = NULL;
  *col = NULL;
  if (sqlite3_prepare_v2(db, "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE lower(table_name) = lower(?)",
                         -1, &q, NULL) == SQLITE_OK) {
    sqlite3_bind_text(q, 1, t, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
      *col = sm__strdup((const char *)sqlite3_column_text(q, 0));
      *srs = (int32_t)sqlite3_column_int(q, 1);
    }
  }
  sqlite3_finalize(q);
  return *col ? SM_OK : sm__error(ctx, SM_E_IO, "layer '%s': no geometry column (%s)", t, sqlite3_errmsg(db));
}

/* The statement inserting `rows` rows at once: INSERT INTO t (fid[, geom], f1, ...) VALUES (?, ...), (?, ...)... */
static sm_status insert_stmt(sm_ctx *ctx, sqlite3 *db, const sm_layer *l, const char *gcol, size_t rows,
                             sqlite3_stmt **stmt) {
  size_t nf = sm_layer_field_count(l);
  sm_buf q = {0};
  sm_status st = sm__buf_append(&q, "INSERT INTO main.", 17);
  if (!st) st = sql_quote(&q, sm_layer_name(l));
  if (!st) st = sm__buf_append(&q, " (\"fid\"", 7);
  if (!st && gcol) st = sm__buf_append(&q, ",", 1);
  if (!st && gcol) st = sql_quote(&q, gcol);
  for (size_t c = 0; c < nf && !st; c++) {
    st = sm__buf_append(&q, ",", 1);
    if (!st) st = sql_quote(&q, sm_layer_field_name(l, c));
  }
  if (!st) st = sm__buf_append(&q, ") VALUES ", 9);
  for (size_t r = 0; r < rows && !st; r++) {
    st = sm__buf_append(&q, r ? ",(?" : "(?", r ? 3 : 2);
    for (size_t c = 0; c < nf + (gcol != NULL) && !st; c++) st = sm__buf_append(&q, ",?", 2);
    if (!st) st = sm__buf_append(&q, ")", 1);
  }
  *stmt = NULL;
  if (!st && sqlite3_prepare_v2(db, q.s, -1, stmt, NULL) != SQLITE_OK)
    st = sm__error(ctx, SM_E_IO, "layer '%s': %s", sm_layer_name(l), sqlite3_errmsg(db));
  sm__free(q.s);
  return st;
}

/* Rows a statement inserts: one statement per row costs more in SQLite's statement set-up (the AUTOINCREMENT
 * bookkeeping of the fid among it) than in the row itself. */
#define INSERT_ROWS 64

static sm_status insert_layer(sm_ctx *ctx, sqlite3 *db, const sm_layer *l) {
  const char *name = sm_layer_name(l);
  size_t nf = sm_layer_field_count(l), nr = sm_layer_feature_count(l);
  sm_geom_type gt = sm_layer_geom_type(l);
  char *gcol = NULL;
  int32_t srs = 0;
  sm_status st = gt == SM_GEOM_NONE ? SM_OK : geom_column(ctx, db, name, &gcol, &srs);
  /* GDAL's per-row feature-count trigger scans gpkg_ogr_contents on every insert: lift it, insert, set
   * the count once, put it back. */
  char *trig_sql = NULL;
  if (!st) {
    sqlite3_stmt *t = NULL;
    char *tq = sqlite3_mprintf("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = "
                               "'trigger_insert_feature_count_%q'", name);
    if (tq && sqlite3_prepare_v2(db, tq, -1, &t, NULL) == SQLITE_OK && sqlite3_step(t) == SQLITE_ROW)
      trig_sql = sm__strdup((const char *)sqlite3_column_text(t, 0));
    sqlite3_finalize(t);
    sqlite3_free(tq);
    if (trig_sql) st = exec(ctx, db, name, sqlite3_mprintf("DROP TRIGGER \"trigger_insert_feature_count_%w\"", name));
  }
  /* rows per statement: INSERT_ROWS, fewer when the columns are many (this SQLite's limit on parameters) */
  size_t per = nr < INSERT_ROWS ? nr : INSERT_ROWS, np = nf + 1 + (gcol != NULL);
  int maxp = sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
  if (maxp > 0 && per * np > (size_t)maxp) per = (size_t)maxp / np;
  if (!per) per = 1;
  sqlite3_stmt *stmt = NULL, *tail = NULL; /* per rows; the nr % per left at the end */
  if (!st) st = insert_stmt(ctx, db, l, gcol, per, &stmt);
  if (!st && nr % per) st = insert_stmt(ctx, db, l, gcol, nr % per, &tail);
  unsigned char **blobs = gcol ? sm__calloc(per, sizeof *blobs) : NULL;
  if (!st && gcol && !blobs) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm_rtree_item *items = gcol && nr ? sm__malloc(nr * sizeof *items) : NULL;
  if (!st && gcol && nr && !items) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  size_t ni = 0;
  double ext[4] = {INFINITY, -INFINITY, INFINITY, -INFINITY};
  int gk = gcol ? 2 : 1; /* first attribute parameter after fid (and geometry) */
  double t0 = sm__now();
  for (size_t r = 0; r < nr && !st; r++) {
    size_t j = r % per, r0 = r - j; /* this row's place in its statement; the statement's first row */
    sqlite3_stmt *w = r0 + per <= nr ? stmt : tail;
    int b0 = (int)(j * np); /* parameters of the rows before this one in the statement */
    sqlite3_bind_int64(w, b0 + 1, (sqlite3_int64)r + 1);
    unsigned char *blob = NULL;
    if (gcol) {
      size_t wn = 0, bn = 0;
      const unsigned char *wkb = sm_layer_get_wkb(l, r, &wn);
      int empty = 0;
      double e[4];
      if (wkb && (st = sm__gpkg_blob(ctx, gt, srs, wkb, wn, &blob, &bn, &empty, e))) {
        char why[160];
        snprintf(why, sizeof why, "%s", sm_ctx_last_error(ctx));
        sm__error(ctx, st, "layer '%s', feature %zu: %s", name, r + 1, why);
        break;
      }
      blobs[j] = blob;
      if (blob) sqlite3_bind_blob(w, b0 + 2, blob, (int)bn, SQLITE_STATIC);
      else sqlite3_bind_null(w, b0 + 2);
      if (blob && !empty) {
        items[ni++] = (sm_rtree_item){f_down(e[0]), f_up(e[1]), f_down(e[2]), f_up(e[3]), (int64_t)r + 1};
        ext[0] = fmin(ext[0], e[0]), ext[1] = fmax(ext[1], e[1]);
        ext[2] = fmin(ext[2], e[2]), ext[3] = fmax(ext[3], e[3]);
      }
    }
    for (size_t c = 0; c < nf; c++) {
      int k = b0 + (int)c + gk + 1;
      if (sm_layer_is_null(l, r, c)) {
        sqlite3_bind_null(w, k);
        continue;
      }
      switch (sm_layer_field_type(l, c)) {
      case SM_FIELD_INT64: sqlite3_bind_int64(w, k, sm_layer_get_int(l, r, c)); break;
      case SM_FIELD_DOUBLE: {
        double v = sm_layer_get_double(l, r, c);
        if (isfinite(v)) sqlite3_bind_double(w, k, v);
        else sqlite3_bind_null(w, k);
        break;
      }
      case SM_FIELD_STRING: sqlite3_bind_text(w, k, sm_layer_get_string(l, r, c), -1, SQLITE_STATIC); break;
      }
    }
    if (j + 1 < per && r + 1 < nr) continue; /* the statement's rows are not all bound yet */
    if (sqlite3_step(w) != SQLITE_DONE) /* which of the rows failed SQLite does not say */
      st = r0 == r ? sm__error(ctx, SM_E_IO, "layer '%s', row %zu: %s", name, r + 1, sqlite3_errmsg(db))
                   : sm__error(ctx, SM_E_IO, "layer '%s', rows %zu to %zu: %s", name, r0 + 1, r + 1, sqlite3_errmsg(db));
    sqlite3_reset(w);
    if (blobs)
      for (size_t i = 0; i <= j; i++) sm__free(blobs[i]), blobs[i] = NULL;
    if (!st && (r >> 16) != ((r + 1) >> 16)) st = sm__progress(ctx, (double)r / (double)nr, "writing");
  }
  if (blobs)
    for (size_t i = 0; i < per; i++) sm__free(blobs[i]);
  sm__free(blobs);
  sqlite3_finalize(stmt);
  sqlite3_finalize(tail);
  double t1 = sm__now();
  if (!st && gcol) st = make_rtree(ctx, db, name, gcol, items, ni);
  sm__log(ctx, SM_LOG_DEBUG, "layer '%s': %zu rows in %.3f s, R-tree in %.3f s", name, nr, t1 - t0, sm__now() - t1);
  sm__free(items);
  if (!st && gcol && ni) { /* bound, not printed: SQLite's own reading of a decimal may be off by an ulp */
    sqlite3_stmt *u = NULL;
    if (sqlite3_prepare_v2(db, "UPDATE gpkg_contents SET min_x = ?, max_x = ?, min_y = ?, max_y = ? "
                               "WHERE lower(table_name) = lower(?)", -1, &u, NULL) == SQLITE_OK) {
      for (int k = 0; k < 4; k++) sqlite3_bind_double(u, k + 1, ext[k]);
      sqlite3_bind_text(u, 5, name, -1, SQLITE_STATIC);
    }
    if (!u || sqlite3_step(u) != SQLITE_DONE) st = sm__error(ctx, SM_E_IO, "layer '%s': %s", name, sqlite3_errmsg(db));
    sqlite3_finalize(u);
  }
  if (!st)
    st = exec(ctx, db, name,
              sqlite3_mprintf("UPDATE gpkg_ogr_contents SET feature_count = %lld WHERE lower(table_name) = lower(%Q)",
                              (long long)nr, name));
  if (!st && trig_sql && sqlite3_exec(db, trig_sql, NULL, NULL, NULL) != SQLITE_OK)
    st = sm__error(ctx, SM_E_IO, "layer '%s': %s", name, sqlite3_errmsg(db));
  sm__free(trig_sql);
  sm__free(gcol);
  return st;
}

/* A table filled through its pages: its feature count, and the AUTOINCREMENT's last fid, as the INSERTs
 * would have left them. */
static sm_status filled_layer(sm_ctx *ctx, sqlite3 *db, const sm_layer *l) {
  const char *name = sm_layer_name(l);
  long long nr = (long long)sm_layer_feature_count(l);
  sm_status st = exec(ctx, db, name,
                      sqlite3_mprintf("UPDATE gpkg_ogr_contents SET feature_count = %lld WHERE lower(table_name) = "
                                      "lower(%Q)",
                                      nr, name));
  if (!st)
    st = exec(ctx, db, name,
              sqlite3_mprintf("UPDATE sqlite_sequence SET seq = max(seq, %lld) WHERE name = (SELECT name FROM "
                              "sqlite_master WHERE type = 'table' AND lower(name) = lower(%Q)); INSERT INTO "
                              "sqlite_sequence (name, seq) SELECT name, %lld FROM sqlite_master WHERE type = 'table' "
                              "AND lower(name) = lower(%Q) AND name NOT IN (SELECT name FROM sqlite_sequence)",
                              nr, name, nr, name));
  return st;
}

static sm_status open_db(sm_ctx *ctx, const char *path, sqlite3 **db) {
  *db = NULL;
  if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) return SM_OK;
  sm_status st = sm__error(ctx, SM_E_IO, "cannot reopen '%s': %s", path, *db ? sqlite3_errmsg(*db) : "out of memory");
  sqlite3_close(*db);
  *db = NULL;
  return st;
}

sm_status sm__gpkg_bulk_insert_ways(sm_ctx *ctx, const char *path, sm_layer *const *layers, size_t n, int pages) {
  sqlite3 *db = NULL;
  sm_gpkg_fill *fill = sm__calloc(n ? n : 1, sizeof *fill);
  if (!fill) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  /* tables without geometry: written into their pages first, with SQLite closed */
  sm_status st = SM_OK;
  size_t nfill = 0;
  for (size_t i = 0; i < n && pages; i++) nfill += sm_layer_geom_type(layers[i]) == SM_GEOM_NONE;
  if (nfill) {
    st = open_db(ctx, path, &db);
    for (size_t i = 0; i < n && !st; i++)
      if (sm_layer_geom_type(layers[i]) == SM_GEOM_NONE && !(st = sm__gpkg_fill_check(ctx, db, layers[i], &fill[i])) &&
          !fill[i].root)
        sm__log(ctx, SM_LOG_DEBUG, "layer '%s': rows inserted, not written into pages (%s)", sm_layer_name(layers[i]),
                fill[i].why);
    if (db && sqlite3_close(db) != SQLITE_OK && !st) st = sm__error(ctx, SM_E_IO, "cannot close '%s'", path);
    for (size_t i = 0; i < n && !st; i++) st = sm__gpkg_fill_write(ctx, path, &fill[i]);
  }
  if (!st) st = open_db(ctx, path, &db);
  if (!st)
    st = exec(ctx, db, path,
              sqlite3_mprintf("PRAGMA synchronous=OFF; PRAGMA journal_mode=MEMORY; PRAGMA temp_store=MEMORY; "
                              "PRAGMA cache_size=-262144; BEGIN"));
  for (size_t i = 0; i < n && !st; i++) st = fill[i].done ? filled_layer(ctx, db, layers[i]) : insert_layer(ctx, db, layers[i]);
  if (!st) st = exec(ctx, db, path, sqlite3_mprintf("COMMIT"));
  if (db && sqlite3_close(db) != SQLITE_OK && !st) st = sm__error(ctx, SM_E_IO, "cannot close '%s'", path);
  for (size_t i = 0; i < n; i++) sm__gpkg_fill_free(&fill[i]);
  sm__free(fill);
  return st;
}

sm_status sm__gpkg_bulk_insert(sm_ctx *ctx, const char *path, sm_layer *const *layers, size_t n) {
  return sm__gpkg_bulk_insert_ways(ctx, path, layers, n, 1);
}
