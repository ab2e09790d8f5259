/* OGR sources (GeoPackage, GeoJSON, Shapefile, FlatGeobuf, PostGIS, ...),
 * read through GDAL's columnar Arrow stream (GDAL >= 3.6); a GeoPackage table
 * straight from its pages, where that gives what the stream would. */
#include "internal/gpkg_pages.h"
#include "internal/limits.h"
#include "internal/reader.h"

#include <cpl_conv.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_recordbatch.h>
#include <ogr_srs_api.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static const char *const LON_NAMES[] = {"longitude", "lon", "lng", "long", NULL};
static const char *const LAT_NAMES[] = {"latitude", "lat", NULL};
static const char *const X_NAMES[] = {"x", "easting", "point_x", NULL};
static const char *const Y_NAMES[] = {"y", "northing", "point_y", NULL};
static const char *const TIME_NAMES[] = {"month", "date", "datetime", "date_time", "timestamp", "time",
                                         "occurred", NULL};
static const char *const CAT_NAMES[] = {"crime type", "crime_type", "category", "type", "offence", "offense",
                                        NULL};
static const char *const LABEL_NAMES[] = {"location", NULL};

static int bit(const struct ArrowArray *a, int64_t i) {
  if (a->null_count == 0 || !a->buffers[0]) return 1;
  int64_t j = a->offset + i;
  return (((const uint8_t *)a->buffers[0])[j >> 3] >> (j & 7)) & 1;
}

/* String or binary value (formats u, U, z, Z); returns 0 if null. */
static int get_bytes(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i, const char **p,
                     size_t *n) {
  if (!bit(a, i)) return 0;
  int64_t j = a->offset + i;
  const char *data = a->buffers[2];
  if (s->format[0] == 'u' || s->format[0] == 'z') {
    const int32_t *off = a->buffers[1];
    *p = data + off[j];
    *n = (size_t)(off[j + 1] - off[j]);
  } else {
    const int64_t *off = a->buffers[1];
    *p = data + off[j];
    *n = (size_t)(off[j + 1] - off[j]);
  }
  return 1;
}

static int is_string(const struct ArrowSchema *s) { return !strcmp(s->format, "u") || !strcmp(s->format, "U"); }

/* Arrow formats of whole numbers (a category column may hold codes). */
static int is_whole(const struct ArrowSchema *s) { return s->format[0] && strchr("lLiIsScC", s->format[0]) && !s->format[1]; }

/* A whole number of such a column, written out in buf; 0 if null. */
static int get_whole_text(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i, char *buf, size_t bn,
                          const char **p, size_t *n) {
  if (!bit(a, i)) return 0;
  int64_t j = a->offset + i;
  const void *b = a->buffers[1];
  int k;
  switch (s->format[0]) {
  case 'L': k = snprintf(buf, bn, "%llu", (unsigned long long)((const uint64_t *)b)[j]); break;
  case 'l': k = snprintf(buf, bn, "%lld", (long long)((const int64_t *)b)[j]); break;
  case 'i': k = snprintf(buf, bn, "%ld", (long)((const int32_t *)b)[j]); break;
  case 'I': k = snprintf(buf, bn, "%lu", (unsigned long)((const uint32_t *)b)[j]); break;
  case 's': k = snprintf(buf, bn, "%d", ((const int16_t *)b)[j]); break;
  case 'S': k = snprintf(buf, bn, "%u", ((const uint16_t *)b)[j]); break;
  case 'c': k = snprintf(buf, bn, "%d", ((const int8_t *)b)[j]); break;
  default: k = snprintf(buf, bn, "%u", ((const uint8_t *)b)[j]); break;
  }
  *p = buf;
  *n = k > 0 ? (size_t)k : 0;
  return 1;
}

/* Numeric value; returns 0 if null or not numeric, -1 if a string that does not parse. */
static int get_number(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i, double *v) {
  if (!bit(a, i)) return 0;
  int64_t j = a->offset + i;
  const void *b = a->buffers[1];
  switch (s->format[0]) {
  case 'g': *v = ((const double *)b)[j]; return 1;
  case 'f': *v = ((const float *)b)[j]; return 1;
  case 'l': *v = (double)((const int64_t *)b)[j]; return 1;
  case 'L': *v = (double)((const uint64_t *)b)[j]; return 1;
  case 'i': *v = ((const int32_t *)b)[j]; return 1;
  case 'I': *v = ((const uint32_t *)b)[j]; return 1;
  case 's': *v = ((const int16_t *)b)[j]; return 1;
  case 'S': *v = ((const uint16_t *)b)[j]; return 1;
  case 'c': *v = ((const int8_t *)b)[j]; return 1;
  case 'C': *v = ((const uint8_t *)b)[j]; return 1;
  case 'u':
  case 'U': {
    const char *p;
    size_t n;
    get_bytes(s, a, i, &p, &n);
    int e = sm__parse_double(p, n, v);
    return e == 0 ? 1 : e == 1 ? 0 : -1;
  }
  default: return 0;
  }
}

/* Time from text: 1 ok, 0 empty, -1 unparseable. */
static int time_text(const char *p, size_t n, int64_t *t, sm_time_res *res, sm_time_cache *tc) {
  while (n && (*p == ' ')) p++, n--;
  if (!n) return 0;
  return sm__time_parse_cached(tc, p, n, t, res) ? -1 : 1;
}

/* Time value: 1 ok, 0 null/empty, -1 unparseable. */
static int get_time(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i, int64_t *t,
                    sm_time_res *res, sm_time_cache *tc) {
  if (!bit(a, i)) return 0;
  int64_t j = a->offset + i;
  const char *f = s->format;
  if (!strcmp(f, "tdD")) {
    *t = (int64_t)((const int32_t *)a->buffers[1])[j] * 86400;
    *res = SM_TIME_DAY;
    return 1;
  }
  if (!strcmp(f, "tdm")) {
    int64_t ms = ((const int64_t *)a->buffers[1])[j];
    *t = (ms >= 0 ? ms : ms - 999) / 1000;
    *res = SM_TIME_DAY;
    return 1;
  }
  if (f[0] == 't' && f[1] == 's') {
    int64_t v = ((const int64_t *)a->buffers[1])[j], div = 1;
    switch (f[2]) {
    case 'm': div = 1000; break;
    case 'u': div = 1000000; break;
    case 'n': div = 1000000000; break;
    default: div = 1;
    }
    *t = v >= 0 ? v / div : -((-v + div - 1) / div);
    *res = SM_TIME_SECOND;
    return 1;
  }
  if (is_string(s)) {
    const char *p;
    size_t n;
    get_bytes(s, a, i, &p, &n);
    return time_text(p, n, t, res, tc);
  }
  return -1;
}


/* Point from WKB: 1 ok, 0 empty, -1 not a point (type in *type). */
static int wkb_point(const unsigned char *w, size_t n, double *x, double *y, uint32_t *type) {
  if (n < 5) return -1;
  int le = w[0] == 1;
  uint32_t t = sm__wkb_u32(w + 1, le);
  size_t off = 5;
  if (t & 0x20000000u) off += 4; /* EWKB SRID */
  uint32_t base = (t & 0x0fffffffu) % 1000;
  *type = base;
  if (base == 4) { /* MultiPoint with a single point */
    if (n < off + 4) return -1;
    uint32_t cnt = sm__wkb_u32(w + off, le);
    if (cnt == 0) return 0;
    if (cnt != 1) return -1;
    return wkb_point(w + off + 4, n - off - 4, x, y, type);
  }
  if (base != 1) return -1;
  if (n < off + 16) return -1;
  *x = sm__wkb_f64(w + off, le);
  *y = sm__wkb_f64(w + off + 8, le);
  if (isnan(*x) && isnan(*y)) return 0;
  return 1;
}

static long find_child(const struct ArrowSchema *sc, const char *name) {
  if (!name) return -1;
  for (int64_t i = 0; i < sc->n_children; i++)
    if (sc->children[i]->name && sm__strcaseeq(sc->children[i]->name, name)) return (long)i;
  return -1;
}

static long find_child_any(const struct ArrowSchema *sc, const char *const *names) {
  for (int k = 0; names[k]; k++) {
    long i = find_child(sc, names[k]);
    if (i >= 0) return i;
  }
  return -1;
}

static sm_status need_child(sm_reader *r, const struct ArrowSchema *sc, const char *src, const char *opt,
                            const char *name, long *out) {
  *out = find_child(sc, name);
  if (*out >= 0) return SM_OK;
  sm_buf b = {0};
  for (int64_t i = 0; i < sc->n_children && i < 40; i++)
    sm__buf_printf(&b, "%s%s", i ? ", " : "", sc->children[i]->name);
  sm_status st = sm__error(r->ctx, SM_E_INVALID_ARG, "%s: no column '%s' (given with %s); its columns are: %s",
                           src, name, opt, b.s ? b.s : "");
  sm__free(b.s);
  return st;
}

static char *srs_to_crs(sm_ctx *ctx, OGRSpatialReferenceH srs) {
  const char *auth = OSRGetAuthorityName(srs, NULL), *code = OSRGetAuthorityCode(srs, NULL);
  if (auth && code) return sm__asprintf("%s:%s", auth, code);
  char *wkt = NULL;
  const char *const wopts[] = {"FORMAT=WKT2_2019", NULL};
  if (OSRExportToWktEx(srs, &wkt, wopts) != OGRERR_NONE || !wkt) return NULL;
  char *norm = NULL;
  if (sm__crs_normalise(ctx, wkt, &norm)) norm = NULL;
  CPLFree(wkt);
  return norm;
}

/* Columns of the stream that safemap uses (-1 = absent). */
typedef struct cols {
  long ga, gb, gg, kt, kc, kw, kl, kfid;
  int use_geom;
} cols;

/* Where take_row finds a row's values: an Arrow batch of GDAL's stream (row i), or, read from the
 * table's pages, v[c] for column c of the stream (read_pages has made each what GDAL's stream would
 * give: NULL, a number, text without NUL, the WKB of a geometry). */
typedef struct rowsrc {
  const struct ArrowSchema *sc;
  const struct ArrowArray *b;
  int64_t i;
  const sm_gpkg_val *v;
} rowsrc;

static int rs_bytes(const rowsrc *rs, long c, const char **p, size_t *n) {
  if (!rs->v) return get_bytes(rs->sc->children[c], rs->b->children[c], rs->i, p, n);
  const sm_gpkg_val *v = &rs->v[c];
  if (v->kind != SM_GV_TEXT && v->kind != SM_GV_BLOB) return 0;
  *p = (const char *)v->p;
  *n = v->n;
  return 1;
}

static int rs_number(const rowsrc *rs, long c, double *x) {
  if (!rs->v) return get_number(rs->sc->children[c], rs->b->children[c], rs->i, x);
  const sm_gpkg_val *v = &rs->v[c];
  switch (v->kind) {
  case SM_GV_INT: *x = (double)v->i; return 1;
  case SM_GV_FLOAT: *x = v->d; return 1;
  case SM_GV_TEXT: {
    int e = sm__parse_double((const char *)v->p, v->n, x);
    return e == 0 ? 1 : e == 1 ? 0 : -1;
  }
  default: return 0;
  }
}

static int rs_time(const rowsrc *rs, long c, int64_t *t, sm_time_res *res, sm_time_cache *tc) {
  if (!rs->v) return get_time(rs->sc->children[c], rs->b->children[c], rs->i, t, res, tc);
  const sm_gpkg_val *v = &rs->v[c];
  return v->kind == SM_GV_TEXT ? time_text((const char *)v->p, v->n, t, res, tc) : 0;
}

/* What take_row keeps from row to row. */
typedef struct row_caches {
  sm_time_cache tc;
  sm_intern_cache cc;
} row_caches;

/* Checks one row and stages it (or counts why not) into r. `row` is its number when the stream has no
 * FID column. */
static sm_status take_row(sm_reader *r, size_t s, const cols *k, const rowsrc *rs, uint64_t row, row_caches *rc) {
  const sm_read_options *o = r->opts;
  const sm_src *src = &r->srcs[s];
  if (k->kfid >= 0) {
    double fv;
    if (rs_number(rs, k->kfid, &fv) > 0) row = (uint64_t)fv;
  }
  r->p->rows_read++;
  int32_t cat = -1;
  const char *cs = "";
  size_t cn = 0;
  char whole[24];
  if (k->kc >= 0 && !(!rs->v && is_whole(rs->sc->children[k->kc])
                          ? get_whole_text(rs->sc->children[k->kc], rs->b->children[k->kc], rs->i, whole,
                                           sizeof whole, &cs, &cn)
                          : rs_bytes(rs, k->kc, &cs, &cn)))
    cn = 0;
  int keep = sm__reader_category(r, &rc->cc, cs, cn, &cat);
  if (keep < 0) return SM_E_NOMEM;
  if (!keep) return SM_OK;
  int64_t t = SM_TIME_MISSING;
  if (k->kt >= 0) {
    sm_time_res res;
    const char *tname = rs->sc->children[k->kt]->name;
    int e = rs_time(rs, k->kt, &t, &res, &rc->tc);
    if (e < 0) return sm__reader_bad(r, SM_BAD_TIME, s, row, "field '%s' is not a date", tname);
    if (e == 0) return sm__reader_bad(r, SM_BAD_NO_TIME, s, row, "field '%s' is empty", tname);
    sm__reader_saw_time(r, res);
  }
  if (!sm__reader_keep_time(r, t)) {
    r->p->filtered[SM_FILTER_TIME]++;
    return SM_OK;
  }
  double a = NAN, b = NAN;
  if (k->use_geom) {
    const char *w;
    size_t wn;
    uint32_t type = 0;
    int e = rs_bytes(rs, k->gg, &w, &wn) ? wkb_point((const unsigned char *)w, wn, &a, &b, &type) : 0;
    if (e == 0) return sm__reader_bad(r, SM_BAD_NO_COORDS, s, row, "empty or missing geometry");
    if (e < 0) return sm__reader_bad(r, SM_BAD_GEOMETRY, s, row, "geometry of WKB type %u is not a point", type);
  } else {
    int ea = rs_number(rs, k->ga, &a);
    int eb = rs_number(rs, k->gb, &b);
    if (ea == 0 || eb == 0) return sm__reader_bad(r, SM_BAD_NO_COORDS, s, row, "%s or %s is empty", src->fa, src->fb);
    if (ea < 0 || eb < 0)
      return sm__reader_bad(r, SM_BAD_NUMBER, s, row, "field '%s' is not a number", ea < 0 ? src->fa : src->fb);
  }
  double wv = 1.0;
  if (k->kw >= 0) {
    int e = rs_number(rs, k->kw, &wv);
    if (e <= 0 || !isfinite(wv) || wv < 0)
      return sm__reader_bad(r, SM_BAD_WEIGHT, s, row, "field '%s' is not a weight >= 0", o->weight_field);
  }
  int32_t label = -1;
  if (k->kl >= 0) {
    const char *ls;
    size_t ln;
    if (rs_bytes(rs, k->kl, &ls, &ln) && ln && (label = sm__strtab_intern(&r->p->labels, ls, ln)) < 0)
      return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
  }
  return sm__reader_push(r, s, row, a, b, t, wv, cat, label);
}

/* Reads every row of a stream into r (a source's reader or a thread's). Row
 * numbers are the features' FIDs. */
static sm_status read_stream(sm_reader *r, size_t s, struct ArrowArrayStream *stream, const struct ArrowSchema *sc,
                             const cols *k, GIntBig total, int progress, uint64_t *rows_out) {
  sm_ctx *ctx = r->ctx;
  sm_status st = SM_OK;
  uint64_t seq = 0;
  row_caches rc;
  memset(&rc, 0, sizeof rc);
  for (;;) {
    struct ArrowArray batch;
    memset(&batch, 0, sizeof batch);
    sm__dep_clear(ctx);
    if (stream->get_next(stream, &batch) != 0) {
      const char *e = stream->get_last_error(stream);
      st = sm__error(ctx, SM_E_IO, "%s: read error after %llu features: %s", r->srcs[s].name,
                     (unsigned long long)seq, e ? e : sm__dep_msg(ctx));
      break;
    }
    if (!batch.release) break;
    if (batch.length == 0) {
      /* GDAL 3.6's GeoPackage stream answers a damaged page with an empty batch, and the same one again
       * when asked for the next: an error if GDAL said one, else the end */
      batch.release(&batch);
      if (sm__dep_msg(ctx)[0])
        st = sm__error(ctx, SM_E_IO, "%s: read error after %llu features: %s", r->srcs[s].name,
                       (unsigned long long)seq, sm__dep_msg(ctx));
      break;
    }
    rowsrc rs = {sc, &batch, 0, NULL};
    for (int64_t i = 0; i < batch.length && !st; i++) {
      rs.i = i;
      st = take_row(r, s, k, &rs, ++seq, &rc);
    }
    batch.release(&batch);
    if (st) break;
    if (progress && total > 0 && (st = sm__progress(ctx, (double)seq / (double)total, "reading"))) break;
  }
  *rows_out = seq;
  return st;
}

/* ---- parallel reading of large GeoPackage layers through GDAL ------------------
 * For a table its pages cannot give (read_pages declined). SQLite decoding
 * dominates reading a big GeoPackage. Each thread opens the file itself and
 * streams one FID range; the ranges are merged in FID order, so the points,
 * their order and every count are the same as read by one thread. */
enum { PAR_MIN_FEATURES = 200000 };
/* Threads from which FID ranges pay. GDAL's GeoPackage Arrow stream decodes on a thread of its own while the
 * caller takes the batches, but only for a layer without a filter: a range's filter turns that off and costs some
 * 60% more a row (GDAL 3.6; 1M points: one stream on 2 cores 0.29 s, two ranges 0.37 s). */
enum { PAR_MIN_THREADS = 3 };

static int parallel_ok(sm_ctx *ctx, GDALDatasetH ds, OGRLayerH layer, GIntBig total) {
  if (sm__threads(ctx) < PAR_MIN_THREADS || total < PAR_MIN_FEATURES) return 0;
  GDALDriverH drv = GDALGetDatasetDriver(ds);
  if (!drv || strcmp(GDALGetDriverShortName(drv), "GPKG") != 0) return 0;
  const char *fid = OGR_L_GetFIDColumn(layer);
  return fid && *fid;
}

typedef struct part {
  sm_reader r;
  sm_ctx *ctx;
  sm_status st;
  uint64_t rows;
  GIntBig lo, hi;  /* FIDs [lo, hi), or leaves of the table's pages */
  const char *why; /* read_part_pages: why GDAL must read the table instead */
  int32_t *cmap, *lmap;
  size_t at;       /* where its points go */
  size_t slot;     /* read into a slot of the source's arrays (at, room for `slot` points); 0: its own */
} part;

static void part_free(part *pt) {
  if (pt->slot && pt->r.p) { /* the arrays are the source's */
    sm_points *q = pt->r.p;
    q->x = q->y = q->w = NULL;
    q->t = NULL;
    q->cat = q->label = NULL;
    pt->r.row = NULL;
    pt->r.srcidx = NULL;
  }
  sm_points_destroy(pt->r.p);
  sm__free(pt->r.row);
  sm__free(pt->r.srcidx);
  sm__free(pt->r.cat_keep);
  sm__free(pt->cmap);
  sm__free(pt->lmap);
  sm_ctx_destroy(pt->ctx);
}

static void parts_free(part *parts, int nt) {
  for (int i = 0; parts && i < nt; i++) part_free(&parts[i]);
  sm__free(parts);
}

/* nt readers like r, each with its own points and context; the ranges [lo, hi) split n evenly. */
static sm_status parts_new(sm_reader *r, int nt, GIntBig first, GIntBig n, part **out) {
  sm_ctx *ctx = r->ctx;
  part *parts = *out = sm__calloc((size_t)nt, sizeof *parts);
  if (!parts) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (int i = 0; i < nt; i++) {
    part *pt = &parts[i];
    pt->r = *r;
    pt->r.p = NULL;
    pt->r.row = NULL;
    pt->r.srcidx = NULL;
    pt->r.row_cap = pt->r.srcidx_cap = pt->r.cat_keep_cap = 0;
    pt->r.cat_keep = NULL;
    memset(pt->r.res_seen, 0, sizeof pt->r.res_seen);
    pt->lo = first + n * i / nt;
    pt->hi = first + n * (i + 1) / nt;
    sm_status st = sm_ctx_create(&pt->ctx) ? SM_E_NOMEM : sm__points_alloc(ctx, &pt->r.p);
    if (st) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    pt->r.ctx = pt->ctx;
  }
  return SM_OK;
}

static void read_part(part *pt, size_t s, const char *lname, const char *const *ign, const cols *k) {
  sm_reader *r = &pt->r;
  sm_ctx *ctx = pt->ctx;
  const char *name = r->srcs[s].name;
  sm__gdal_begin(ctx);
  struct ArrowArrayStream stream;
  memset(&stream, 0, sizeof stream);
  struct ArrowSchema schema;
  memset(&schema, 0, sizeof schema);
  GDALDatasetH ds = GDALOpenEx(name, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  OGRLayerH layer = ds ? GDALDatasetGetLayerByName(ds, lname) : NULL;
  if (!layer) {
    pt->st = sm__error(ctx, SM_E_IO, "cannot open '%s' again to read it in parallel: %s", name, sm__dep_msg(ctx));
  } else {
    OGR_L_SetIgnoredFields(layer, (const char **)ign);
    char filter[256];
    snprintf(filter, sizeof filter, "\"%s\" >= %lld AND \"%s\" < %lld", OGR_L_GetFIDColumn(layer), (long long)pt->lo,
             OGR_L_GetFIDColumn(layer), (long long)pt->hi);
    char *opts_arrow[] = {"INCLUDE_FID=YES", "MAX_FEATURES_IN_BATCH=65536", NULL};
    if (OGR_L_SetAttributeFilter(layer, filter) != OGRERR_NONE || !OGR_L_GetArrowStream(layer, &stream, opts_arrow) ||
        stream.get_schema(&stream, &schema) != 0) {
      pt->st = sm__error(ctx, SM_E_DEPENDENCY, "%s: cannot read FIDs %lld..%lld: %s", name, (long long)pt->lo,
                         (long long)pt->hi, sm__dep_msg(ctx));
    } else {
      /* Same columns as the first stream (ignored fields and filter do not reorder). */
      pt->st = read_stream(r, s, &stream, &schema, k, 0, 0, &pt->rows);
    }
  }
  if (schema.release) schema.release(&schema);
  if (stream.release) stream.release(&stream);
  if (ds) GDALClose(ds);
  sm__gdal_end(ctx);
}

/* Names a part's categories and labels in the reader's tables (pt->cmap, pt->lmap) and adds its counts,
 * examples and rows to the reader's. */
static sm_status part_tally(sm_reader *r, part *pt, uint64_t *rows_out) {
  sm_points *p = r->p, *q = pt->r.p;
  if ((q->cats.n && !(pt->cmap = sm__malloc(q->cats.n * sizeof *pt->cmap))) ||
      (q->labels.n && !(pt->lmap = sm__malloc(q->labels.n * sizeof *pt->lmap))))
    return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
  for (size_t j = 0; j < q->cats.n; j++)
    if ((pt->cmap[j] = sm__strtab_intern(&p->cats, q->cats.strs[j], strlen(q->cats.strs[j]))) < 0)
      return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
  for (size_t j = 0; j < q->labels.n; j++)
    if ((pt->lmap[j] = sm__strtab_intern(&p->labels, q->labels.strs[j], strlen(q->labels.strs[j]))) < 0)
      return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
  p->rows_read += q->rows_read;
  for (int k = 0; k < SM_BAD_REASON_END_; k++) {
    p->bad[k] += q->bad[k];
    for (size_t e = 0; e < q->n_examples[k]; e++) {
      if (p->n_examples[k] < 5) {
        p->examples[k][p->n_examples[k]++] = q->examples[k][e];
        q->examples[k][e] = NULL;
      }
    }
  }
  for (int k = 0; k < SM_FILTER_REASON_END_; k++) p->filtered[k] += q->filtered[k];
  for (int k = 0; k < 4; k++) r->res_seen[k] += pt->r.res_seen[k];
  *rows_out += pt->rows;
  return SM_OK;
}

/* Appends the threads' points to the source's reader, in order (the first error of a part, in order,
 * stops it): their categories and labels named again in the reader's tables, their counts and
 * examples added; then the points copied on the threads. */
static sm_status parts_merge(sm_reader *r, part *parts, int nt, uint64_t *rows_out) {
  sm_points *p = r->p;
  *rows_out = 0;
  for (int i = 0; i < nt; i++)
    if (parts[i].st) return sm__error(r->ctx, parts[i].st, "%s", sm_ctx_last_error(parts[i].ctx));
  /* Into a reader with nothing yet, the first part's arrays are taken as they are (its categories and
   * labels, named in order into empty tables, keep their numbers): only the others are copied. */
  int adopt = nt > 0 && p->n == 0 && !p->lon && p->cats.n == 0 && p->labels.n == 0;
  if (adopt) {
    sm_points *q = parts[0].r.p;
#define SWAP_PTR(a, b) \
  do {                 \
    void *t_ = (a);    \
    (a) = (b);         \
    (b) = t_;          \
  } while (0)
    SWAP_PTR(p->x, q->x);
    SWAP_PTR(p->y, q->y);
    SWAP_PTR(p->t, q->t);
    SWAP_PTR(p->w, q->w);
    SWAP_PTR(p->cat, q->cat);
    SWAP_PTR(p->label, q->label);
    SWAP_PTR(r->row, parts[0].r.row);
    SWAP_PTR(r->srcidx, parts[0].r.srcidx);
#undef SWAP_PTR
    size_t c = p->cap;
    p->cap = q->cap, q->cap = c;
    c = r->row_cap;
    r->row_cap = parts[0].r.row_cap, parts[0].r.row_cap = c;
    c = r->srcidx_cap;
    r->srcidx_cap = parts[0].r.srcidx_cap, parts[0].r.srcidx_cap = c;
    p->n = q->n;
  }
  size_t total = p->n;
  int labels = 0;
  for (int i = 0; i < nt; i++) {
    part *pt = &parts[i];
    labels |= pt->r.p->label != NULL;
    sm_status st = part_tally(r, pt, rows_out);
    if (st) return st;
    if (!(adopt && i == 0)) {
      pt->at = total;
      total += pt->r.p->n;
    }
  }
  if (sm__points_reserve(r->ctx, p, total, 0, labels) ||
      sm__grow((void **)&r->row, &r->row_cap, total, sizeof *r->row) ||
      sm__grow((void **)&r->srcidx, &r->srcidx_cap, total, sizeof *r->srcidx))
    return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
  /* Copied in pieces, so that every thread copies (and takes the first touch of the new memory) even
   * when one part is left to copy. */
  enum { PIECE = 1 << 16 };
  size_t np = 0;
  for (int i = adopt; i < nt; i++) np += (parts[i].r.p->n + PIECE - 1) / PIECE;
  size_t *piece = sm__malloc((np ? np : 1) * 2 * sizeof *piece); /* part, first point */
  if (!piece) return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
  np = 0;
  for (int i = adopt; i < nt; i++)
    for (size_t j = 0; j < parts[i].r.p->n; j += PIECE) piece[2 * np] = (size_t)i, piece[2 * np + 1] = j, np++;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(r->ctx)) schedule(dynamic, 1)
#endif
  for (long g = 0; g < (long)np; g++) {
    const part *pt = &parts[piece[2 * g]];
    const sm_points *q = pt->r.p;
    size_t j0 = piece[2 * g + 1], n = q->n - j0 < PIECE ? q->n - j0 : PIECE, b = pt->at + j0;
    memcpy(p->x + b, q->x + j0, n * sizeof *q->x);
    memcpy(p->y + b, q->y + j0, n * sizeof *q->y);
    memcpy(p->t + b, q->t + j0, n * sizeof *q->t);
    memcpy(p->w + b, q->w + j0, n * sizeof *q->w);
    memcpy(r->row + b, pt->r.row + j0, n * sizeof *r->row);
    memcpy(r->srcidx + b, pt->r.srcidx + j0, n * sizeof *r->srcidx);
    for (size_t j = j0; j < j0 + n; j++) {
      p->cat[pt->at + j] = q->cat[j] < 0 ? -1 : pt->cmap[q->cat[j]];
      if (p->label) p->label[pt->at + j] = (q->label && q->label[j] >= 0) ? pt->lmap[q->label[j]] : -1;
    }
  }
  sm__free(piece);
  p->n = total;
  return SM_OK;
}

/* Gives each run of leaves a slot in the source's arrays, sized by the rowids the table's B-tree bounds
 * the run by, so that the threads write their points where they stay. 1 when done; 0 when the runs are
 * copied after instead (no bound, or rowids so sparse that the slots would be far larger than the rows),
 * or *st an error. *fresh_label: the label array was made here. */
static int parts_slots(sm_reader *r, part *parts, int np, const sm_gpkg_pages *g, int labels, int *fresh_label,
                       sm_status *st) {
  sm_points *p = r->p;
  size_t base = p->n, total = 0, bound[64];
  *fresh_label = 0;
  if (np > 64) return 0;
  for (int i = 0; i < np; i++) {
    uint64_t b;
    if (!sm__gpkg_pages_rows_at_most(g, (size_t)parts[i].lo, (size_t)parts[i].hi, &b) || b > SIZE_MAX / 64 - total)
      return 0;
    bound[i] = (size_t)b;
    total += (size_t)b;
  }
  if (total > 2 * sm__gpkg_pages_rows_guess(g) + 4096) return 0;
  /* Slots near the memory limit (their rowids may leave room for rows that are not there, and the arrays grow
   * by doubling): copied after instead, where the limit meets the rows as read. */
  double per = 2 * sizeof(double) + sizeof(int64_t) + sizeof(double) + sizeof(int32_t) + sizeof *r->row +
               sizeof *r->srcidx + (p->lon ? 2 * sizeof(double) : 0) + ((labels || p->label) ? sizeof(int32_t) : 0);
  if (2 * (double)(base + total) * per > sm__limit(r->ctx, SM_LIMIT_MEMORY)) return 0;
  *fresh_label = labels && !p->label;
  if ((*st = sm__points_reserve(r->ctx, p, base + total, 0, labels)) ||
      sm__grow((void **)&r->row, &r->row_cap, base + total, sizeof *r->row) ||
      sm__grow((void **)&r->srcidx, &r->srcidx_cap, base + total, sizeof *r->srcidx)) {
    if (!*st) *st = sm__error(r->ctx, SM_E_NOMEM, "out of memory");
    return 0;
  }
  size_t next = base;
  for (int i = 0; i < np; i++) {
    part *pt = &parts[i];
    sm_points *q = pt->r.p;
    size_t at = pt->at = next;
    pt->slot = bound[i];
    next += bound[i];
    q->x = p->x + at;
    q->y = p->y + at;
    q->t = p->t + at;
    q->w = p->w + at;
    q->cat = p->cat + at;
    q->label = labels ? p->label + at : NULL;
    q->cap = pt->slot;
    pt->r.row = r->row + at;
    pt->r.srcidx = r->srcidx + at;
    pt->r.row_cap = pt->r.srcidx_cap = pt->slot;
    pt->r.slot = 1;
    if (!pt->slot) pt->slot = 1; /* an empty run: still the source's arrays (and no room) */
  }
  return 1;
}

/* The runs read into their slots (parts_slots), in order: their counts added, each run moved down to
 * follow the one before when rows were left out, and their categories and labels renumbered in place on
 * the threads. */
static sm_status parts_place(sm_reader *r, part *parts, int np, int fresh_label, uint64_t *rows_out) {
  sm_points *p = r->p;
  *rows_out = 0;
  for (int i = 0; i < np; i++)
    if (parts[i].st) return sm__error(r->ctx, parts[i].st, "%s", sm_ctx_last_error(parts[i].ctx));
  size_t to = p->n;
  int labels_seen = 0;
  for (int i = 0; i < np; i++) {
    part *pt = &parts[i];
    const sm_points *q = pt->r.p;
    sm_status st = part_tally(r, pt, rows_out);
    if (st) return st;
    labels_seen |= q->labels.n > 0;
    size_t n = q->n;
    if (pt->at != to && n) {
      size_t at = pt->at;
      memmove(p->x + to, p->x + at, n * sizeof *p->x);
      memmove(p->y + to, p->y + at, n * sizeof *p->y);
      memmove(p->t + to, p->t + at, n * sizeof *p->t);
      memmove(p->w + to, p->w + at, n * sizeof *p->w);
      memmove(p->cat + to, p->cat + at, n * sizeof *p->cat);
      if (p->label) memmove(p->label + to, p->label + at, n * sizeof *p->label);
      memmove(r->row + to, r->row + at, n * sizeof *r->row);
      memmove(r->srcidx + to, r->srcidx + at, n * sizeof *r->srcidx);
    }
    pt->at = to;
    to += n;
  }
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(r->ctx)) schedule(dynamic, 1)
#endif
  for (int i = 0; i < np; i++) {
    const part *pt = &parts[i];
    const sm_points *q = pt->r.p;
    int same_c = 1, same_l = 1;
    for (size_t j = 0; j < q->cats.n && same_c; j++) same_c = pt->cmap[j] == (int32_t)j;
    for (size_t j = 0; j < q->labels.n && same_l; j++) same_l = pt->lmap[j] == (int32_t)j;
    if (!same_c)
      for (size_t j = pt->at; j < pt->at + q->n; j++)
        if (p->cat[j] >= 0) p->cat[j] = pt->cmap[p->cat[j]];
    if (!same_l && p->label)
      for (size_t j = pt->at; j < pt->at + q->n; j++)
        if (p->label[j] >= 0) p->label[j] = pt->lmap[p->label[j]];
  }
  p->n = to;
  if (fresh_label && !labels_seen) {
    sm__free(p->label);
    p->label = NULL;
  }
  return SM_OK;
}

static sm_status read_parallel(sm_reader *r, size_t s, GDALDatasetH ds, OGRLayerH layer, const char **ign,
                               const cols *k, uint64_t *rows_out) {
  sm_ctx *ctx = r->ctx;
  const char *fidcol = OGR_L_GetFIDColumn(layer), *lname = OGR_L_GetName(layer);
  /* FID range straight from SQLite: GDAL's ExecuteSQL costs ~0.2 s here. */
  GIntBig lo = 0, hi = -1;
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    /* two subqueries: SQLite optimises a lone MIN() or MAX(), not both together */
    char *sql = sqlite3_mprintf("SELECT (SELECT MIN(\"%w\") FROM \"%w\"), (SELECT MAX(\"%w\") FROM \"%w\")", fidcol,
                                lname, fidcol, lname);
    if (sql && sqlite3_open_v2(r->srcs[s].name, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
        sqlite3_column_type(q, 0) == SQLITE_INTEGER) {
      lo = sqlite3_column_int64(q, 0);
      hi = sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    sqlite3_free(sql);
  }
  if (hi < lo) { /* could not tell: read on one thread */
    struct ArrowArrayStream stream;
    struct ArrowSchema schema;
    memset(&stream, 0, sizeof stream);
    memset(&schema, 0, sizeof schema);
    char *opts_arrow[] = {"INCLUDE_FID=YES", "MAX_FEATURES_IN_BATCH=65536", NULL};
    sm_status st = SM_E_DEPENDENCY;
    OGR_L_ResetReading(layer);
    if (OGR_L_GetArrowStream(layer, &stream, opts_arrow) && stream.get_schema(&stream, &schema) == 0)
      st = read_stream(r, s, &stream, &schema, k, OGR_L_GetFeatureCount(layer, 0), 1, rows_out);
    else
      st = sm__error(ctx, SM_E_DEPENDENCY, "%s: cannot read layer '%s'", r->srcs[s].name, lname);
    if (schema.release) schema.release(&schema);
    if (stream.release) stream.release(&stream);
    return st;
  }
  int nt = sm__threads(ctx);
  if (nt > 16) nt = 16;
  part *parts = NULL;
  sm_status st = parts_new(r, nt, lo, hi - lo + 1, &parts);
  if (!st) {
    sm__log(ctx, SM_LOG_DEBUG, "%s: reading FIDs %lld..%lld on %d threads", r->srcs[s].name, (long long)lo,
            (long long)hi, nt);
    double t0 = sm__now();
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 1)
#endif
    for (int i = 0; i < nt; i++) read_part(&parts[i], s, lname, (const char *const *)ign, k);
    double t1 = sm__now();
    st = parts_merge(r, parts, nt, rows_out);
    sm__log(ctx, SM_LOG_DEBUG, "parallel read %.3f s, merge %.3f s", t1 - t0, sm__now() - t1);
  }
  parts_free(parts, nt);
  return st ? st : sm__progress(ctx, 1.0, "reading");
}

/* State of one sm__read_ogr: the source's layer, its Arrow stream and schema,
 * and the columns found in it. */
typedef struct ogr_source {
  sm_reader *r;
  size_t s;
  GDALDatasetH ds;
  OGRLayerH layer;
  OGRFeatureDefnH defn;
  int has_geom;
  GIntBig total;
  const char **ign_list; /* fields GDAL need not read */
  int par;               /* read in parallel (read_parallel) */
  struct ArrowArrayStream stream;
  struct ArrowSchema schema;
  int lonlat;
  cols k;
} ogr_source;

/* Opens the source and picks the layer: the one named, else the first of
 * points, else the first; refuses a layer of other geometries or without
 * features. */
static sm_status open_points_layer(ogr_source *O) {
  sm_ctx *ctx = O->r->ctx;
  const sm_read_options *o = O->r->opts;
  const char *name = O->r->srcs[O->s].name;
  O->ds = GDALOpenEx(name, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  if (!O->ds)
    return sm__error(ctx, SM_E_IO, "cannot open '%s' as a vector data source%s%s", name,
                     sm__dep_msg(ctx)[0] ? ": " : "", sm__dep_msg(ctx));
  OGRLayerH layer = NULL;
  if (o->layer) {
    layer = GDALDatasetGetLayerByName(O->ds, o->layer);
    if (!layer) return sm__error(ctx, SM_E_INVALID_ARG, "%s: no layer '%s'", name, o->layer);
  } else {
    int nl = GDALDatasetGetLayerCount(O->ds);
    for (int i = 0; i < nl && !layer; i++) {
      OGRLayerH l = GDALDatasetGetLayer(O->ds, i);
      OGRwkbGeometryType gt = wkbFlatten(OGR_L_GetGeomType(l));
      if (gt == wkbPoint || gt == wkbMultiPoint) layer = l;
    }
    if (!layer && nl > 0) layer = GDALDatasetGetLayer(O->ds, 0);
    if (!layer) return sm__error(ctx, SM_E_INPUT, "%s: no layer in this data source", name);
  }
  O->layer = layer;
  O->defn = OGR_L_GetLayerDefn(layer);
  O->has_geom = OGR_FD_GetGeomFieldCount(O->defn) > 0;
  OGRwkbGeometryType gt = wkbFlatten(OGR_L_GetGeomType(layer));
  if (O->has_geom && gt != wkbPoint && gt != wkbMultiPoint && gt != wkbUnknown && gt != wkbNone)
    return sm__error(ctx, SM_E_GEOMETRY, "%s: layer '%s' holds %s geometries; incidents must be points", name,
                     OGR_L_GetName(layer), OGRGeometryTypeToName(gt));
  O->total = OGR_L_GetFeatureCount(layer, 0);
  if (O->total == 0) return sm__error(ctx, SM_E_INPUT, "%s: layer '%s' has no features", name, OGR_L_GetName(layer));
  return SM_OK;
}

/* Read only the columns that can be used: far less for SQLite to decode. */
static sm_status ignore_unused_fields(ogr_source *O) {
  const sm_read_options *o = O->r->opts;
  int nf = OGR_FD_GetFieldCount(O->defn), ni = 0;
  const char **ign = sm__calloc((size_t)nf + 2, sizeof *ign);
  if (!ign) return sm__error(O->r->ctx, SM_E_NOMEM, "out of memory");
  for (int i = 0; i < nf; i++) {
    const char *fn = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(O->defn, i));
    const char *given[] = {o->x_field, o->y_field, o->lon_field, o->lat_field, o->time_field, o->weight_field,
                           o->category_field};
    int want = 0;
    for (int k = 0; k < 7; k++)
      if (given[k] && sm__strcaseeq(given[k], fn)) want = 1;
    size_t fl = strlen(fn);
    int coords_from_columns = !O->has_geom || o->x_field || o->lon_field;
    if ((coords_from_columns && (sm__name_in(fn, fl, LON_NAMES) || sm__name_in(fn, fl, LAT_NAMES) ||
                                 sm__name_in(fn, fl, X_NAMES) || sm__name_in(fn, fl, Y_NAMES))) ||
        sm__name_in(fn, fl, TIME_NAMES) || sm__name_in(fn, fl, CAT_NAMES) ||
        (!o->skip_labels && sm__name_in(fn, fl, LABEL_NAMES)))
      want = 1;
    if (!want) ign[ni++] = fn;
  }
  ign[ni++] = "OGR_STYLE";
  ign[ni] = NULL;
  OGR_L_SetIgnoredFields(O->layer, ign);
  O->ign_list = ign;
  return SM_OK;
}

/* Opens the layer's Arrow stream and reads its schema. A parallel read only
 * needs the schema here: an empty selection gives it without GDAL starting to
 * read the table. */
static sm_status open_arrow_stream(ogr_source *O) {
  sm_ctx *ctx = O->r->ctx;
  const char *name = O->r->srcs[O->s].name;
  char *opts_arrow[] = {"INCLUDE_FID=YES", "MAX_FEATURES_IN_BATCH=65536", NULL};
  O->par = parallel_ok(ctx, O->ds, O->layer, O->total);
  if (O->par) OGR_L_SetAttributeFilter(O->layer, "1 = 0");
  if (!OGR_L_GetArrowStream(O->layer, &O->stream, opts_arrow))
    return sm__error(ctx, SM_E_DEPENDENCY, "%s: cannot read layer '%s'%s%s", name, OGR_L_GetName(O->layer),
                     sm__dep_msg(ctx)[0] ? ": " : "", sm__dep_msg(ctx));
  if (O->stream.get_schema(&O->stream, &O->schema) != 0)
    return sm__error(ctx, SM_E_DEPENDENCY, "%s: cannot read the schema: %s", name,
                     O->stream.get_last_error(&O->stream) ? O->stream.get_last_error(&O->stream) : "");
  return SM_OK;
}

/* Coordinates: the point geometry, or lon/lat or x/y columns (given, or found
 * by name). */
static sm_status find_coordinate_columns(ogr_source *O) {
  sm_reader *r = O->r;
  sm_ctx *ctx = r->ctx;
  const sm_read_options *o = r->opts;
  const char *name = r->srcs[O->s].name;
  const struct ArrowSchema *schema = &O->schema;
  cols *k = &O->k;
  if (o->x_field || o->y_field || o->lon_field || o->lat_field) {
    const char *fa = o->x_field ? o->x_field : o->lon_field, *fb = o->y_field ? o->y_field : o->lat_field;
    if (!fa || !fb) return sm__error(ctx, SM_E_INVALID_ARG, "give both --lon and --lat, or both --x and --y");
    sm_status st;
    if ((st = need_child(r, schema, name, o->x_field ? "--x" : "--lon", fa, &k->ga)) ||
        (st = need_child(r, schema, name, o->y_field ? "--y" : "--lat", fb, &k->gb)))
      return st;
    O->lonlat = o->x_field == NULL;
  } else if (O->has_geom) {
    const char *gname = OGR_L_GetGeometryColumn(O->layer);
    k->gg = find_child(schema, gname && *gname ? gname : "wkb_geometry");
    for (int64_t i = 0; k->gg < 0 && i < schema->n_children; i++)
      if (!strcmp(schema->children[i]->format, "z") || !strcmp(schema->children[i]->format, "Z")) k->gg = (long)i;
    if (k->gg < 0) return sm__error(ctx, SM_E_DEPENDENCY, "%s: the geometry column is missing from the stream", name);
    k->use_geom = 1;
  } else {
    k->ga = find_child_any(schema, LON_NAMES);
    k->gb = find_child_any(schema, LAT_NAMES);
    if (k->ga < 0 || k->gb < 0) {
      k->ga = find_child_any(schema, X_NAMES);
      k->gb = find_child_any(schema, Y_NAMES);
      O->lonlat = 0;
    }
    if (k->ga < 0 || k->gb < 0)
      return sm__error(ctx, SM_E_INPUT,
                       "%s: missing coordinate columns: layer '%s' has no point geometry and no Longitude/Latitude "
                       "or x/y column; name them with --lon/--lat or --x/--y",
                       name, OGR_L_GetName(O->layer));
  }
  return SM_OK;
}

/* The source's CRS (the layer's, or given; columns without --crs are lon/lat)
 * and the names its coordinates go by in messages. */
static sm_status set_source_crs(ogr_source *O) {
  sm_reader *r = O->r;
  sm_ctx *ctx = r->ctx;
  const sm_read_options *o = r->opts;
  sm_src *src = &r->srcs[O->s];
  const char *name = src->name;
  const struct ArrowSchema *schema = &O->schema;
  long ga = O->k.ga, gb = O->k.gb;
  sm_status st;
  if (O->k.use_geom) {
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(O->layer);
    if (o->crs) {
      if ((st = sm__reader_crs(r, o->crs, &src->crs))) return st;
    } else if (srs) {
      src->crs = srs_to_crs(ctx, srs);
      if (!src->crs)
        return sm__error(ctx, SM_E_CRS, "%s: cannot identify the CRS of layer '%s'", name, OGR_L_GetName(O->layer));
    } else {
      return sm__error(ctx, SM_E_CRS, "%s: layer '%s' has no CRS; say which it is with --crs", name,
                       OGR_L_GetName(O->layer));
    }
    O->lonlat = sm__crs_is_geographic(ctx, src->crs);
    snprintf(src->fa, sizeof src->fa, "%s", O->lonlat ? "lon" : "x");
    snprintf(src->fb, sizeof src->fb, "%s", O->lonlat ? "lat" : "y");
  } else {
    if (!O->lonlat && !o->crs)
      return sm__error(ctx, SM_E_INVALID_ARG, "%s: columns '%s'/'%s' are projected coordinates: give their CRS with --crs",
                       name, schema->children[ga]->name, schema->children[gb]->name);
    if ((st = sm__reader_crs(r, o->crs ? o->crs : "EPSG:4326", &src->crs))) return st;
    if (o->crs) O->lonlat = sm__crs_is_geographic(ctx, src->crs);
    snprintf(src->fa, sizeof src->fa, "%s", schema->children[ga]->name);
    snprintf(src->fb, sizeof src->fb, "%s", schema->children[gb]->name);
  }
  src->lonlat = O->lonlat;
  return SM_OK;
}

/* The time, category, weight, label and FID columns (given, or found by
 * name); --type and --from/--to need theirs. */
static sm_status find_attribute_columns(ogr_source *O) {
  sm_reader *r = O->r;
  sm_ctx *ctx = r->ctx;
  const sm_read_options *o = r->opts;
  const char *name = r->srcs[O->s].name;
  const struct ArrowSchema *schema = &O->schema;
  cols *k = &O->k;
  sm_status st;
  k->kl = o->skip_labels ? -1 : find_child_any(schema, LABEL_NAMES);
  if (o->time_field) {
    if ((st = need_child(r, schema, name, "--time", o->time_field, &k->kt))) return st;
  } else {
    k->kt = find_child_any(schema, TIME_NAMES);
  }
  if (o->category_field) {
    if ((st = need_child(r, schema, name, "--category", o->category_field, &k->kc))) return st;
  } else {
    k->kc = find_child_any(schema, CAT_NAMES);
  }
  if (k->kc >= 0 && !is_string(schema->children[k->kc])) {
    if (!o->category_field) k->kc = -1; /* found by name, but not text: no category */
    else if (!is_whole(schema->children[k->kc]))
      return sm__error(ctx, SM_E_INVALID_ARG,
                       "%s: --category column '%s' holds neither text nor whole numbers (Arrow format '%s')", name,
                       o->category_field, schema->children[k->kc]->format);
  }
  if (k->kl >= 0 && !is_string(schema->children[k->kl])) k->kl = -1;
  if (o->weight_field && (st = need_child(r, schema, name, "--weight", o->weight_field, &k->kw))) return st;
  if (r->n_types && k->kc < 0)
    return sm__error(ctx, SM_E_INVALID_ARG, "%s: --type needs a category column, and none was found (name it with --category)",
                     name);
  if ((r->has_from || r->has_to) && k->kt < 0)
    return sm__error(ctx, SM_E_INVALID_ARG, "%s: --from/--to need a time column, and none was found (name it with --time)",
                     name);
  const char *fidname = OGR_L_GetFIDColumn(O->layer);
  k->kfid = find_child(schema, fidname && *fidname ? fidname : "OGC_FID");
  if (k->kfid < 0) k->kfid = find_child(schema, "OGC_FID");
  return SM_OK;
}

/* ---- a GeoPackage table read from its pages ---------------------------------
 * Each thread walks its own run of the table's leaves (internal/gpkg_pages.h) and stages the rows; the
 * runs are merged in rowid order, so the points, their order, every count and every message are those
 * of GDAL's stream, which gives the same rows in the same order. A value is taken only where GDAL's
 * stream would give it unchanged (below); at any other, the pages are left and GDAL reads the table. */

/* What GDAL's stream makes of a column's values, by the column's OGR type. */
typedef enum { WANT_ROWID, WANT_GEOM, WANT_TEXT, WANT_REAL, WANT_INT32, WANT_INT64 } want_kind;

enum { PAGE_COLS = 8 };
typedef struct page_cols {
  int n;                               /* columns read */
  long child[PAGE_COLS];               /* their column of the stream */
  int pos[PAGE_COLS];                  /* their position in a record */
  want_kind want[PAGE_COLS];
  unsigned char dflt_null[PAGE_COLS];  /* rows older than the column hold NULL */
} page_cols;

/* Column c of the stream, for the roles text_only (time, category, label: text, as the stream
 * names it) or numbers (coordinates, weight). 0 ok, 1 declined (*why). */
static int page_column(const ogr_source *O, const sm_gpkg_pages *g, page_cols *pc, long c, int text_only,
                       const char **why) {
  if (c < 0) return 0;
  for (int j = 0; j < pc->n; j++)
    if (pc->child[j] == c) {
      if (text_only && pc->want[j] != WANT_TEXT) return *why = "a text column that is not text", 1;
      return 0;
    }
  const char *name = O->schema.children[c]->name;
  int rowid = 0, dflt_null = 0, pos = sm__gpkg_pages_column(g, name, &rowid, &dflt_null);
  if (pos < 0 || pc->n == PAGE_COLS) return *why = "a column the table does not hold", 1;
  want_kind w;
  if (c == O->k.kfid) {
    if (!rowid) return *why = "its FID column is not the table's rowid", 1;
    w = WANT_ROWID;
  } else if (c == O->k.gg) {
    w = WANT_GEOM;
  } else {
    int fi = OGR_FD_GetFieldIndex(O->defn, name);
    if (fi < 0) return *why = "a column GDAL does not list", 1;
    OGRFieldDefnH fd = OGR_FD_GetFieldDefn(O->defn, fi);
    OGRFieldType ft = OGR_Fld_GetType(fd);
    OGRFieldSubType sub = OGR_Fld_GetSubType(fd);
    if (ft == OFTString) w = WANT_TEXT;
    else if (ft == OFTReal && sub == OFSTNone) w = WANT_REAL;
    else if (ft == OFTInteger && sub == OFSTNone) w = WANT_INT32;
    else if (ft == OFTInteger64 && sub == OFSTNone) w = WANT_INT64;
    else return *why = "a column of dates, times, booleans or bytes", 1;
    if (text_only && w != WANT_TEXT) return *why = "a text column that is not text", 1;
  }
  pc->child[pc->n] = c;
  pc->pos[pc->n] = pos;
  pc->want[pc->n] = w;
  pc->dflt_null[pc->n] = (unsigned char)dflt_null;
  pc->n++;
  return 0;
}

/* A record's value made what GDAL's stream gives (rowid: the row's key): 1, or 0 when GDAL would
 * convert it (then GDAL reads the table). */
static int page_value(want_kind w, int dflt_null, int64_t rowid, sm_gpkg_val *v) {
  if (v->kind == SM_GV_ABSENT) {
    if (!dflt_null) return 0;
    v->kind = SM_GV_NULL;
  }
  switch (w) {
  case WANT_ROWID: /* an INTEGER PRIMARY KEY is stored as NULL */
    if (v->kind != SM_GV_NULL) return 0;
    v->kind = SM_GV_INT;
    v->i = rowid;
    return 1;
  case WANT_GEOM: {
    /* GDAL's stream: the WKB after a valid GeoPackage header; anything else is no geometry. */
    static const unsigned char DIMS[8] = {0, 2, 3, 3, 4, 255, 255, 255};
    const unsigned char *b = v->p;
    unsigned dim = v->kind == SM_GV_BLOB && v->n >= 8 && b[0] == 'G' && b[1] == 'P' && b[2] == 0
                       ? DIMS[(b[3] >> 1) & 7]
                       : 255;
    size_t head = 8 + 16 * (size_t)dim;
    if (dim == 255 || v->n <= head) {
      v->kind = SM_GV_NULL;
      return 1;
    }
    v->p += head;
    v->n -= head;
    return 1;
  }
  case WANT_TEXT:
    if (v->kind == SM_GV_TEXT) {
      const unsigned char *nul = v->n ? memchr(v->p, 0, v->n) : NULL; /* GDAL takes the text to its NUL */
      if (nul) v->n = (size_t)(nul - v->p);
      return 1;
    }
    return v->kind == SM_GV_NULL;
  case WANT_REAL: return v->kind == SM_GV_NULL || v->kind == SM_GV_INT || v->kind == SM_GV_FLOAT;
  case WANT_INT64: return v->kind == SM_GV_NULL || v->kind == SM_GV_INT;
  case WANT_INT32:
    return v->kind == SM_GV_NULL || (v->kind == SM_GV_INT && v->i >= INT32_MIN && v->i <= INT32_MAX);
  }
  return 0;
}

static void read_part_pages(part *pt, size_t s, const sm_gpkg_pages *g, const page_cols *pc, const cols *k,
                            const struct ArrowSchema *sc) {
  sm_gpkg_cursor cur;
  sm_gpkg_val raw[PAGE_COLS];
  sm_gpkg_val *v = sm__calloc((size_t)sc->n_children, sizeof *v);
  row_caches *rc = sm__calloc(1, sizeof *rc);
  if (!v || !rc || sm__gpkg_cursor_open(&cur, g, (size_t)pt->lo, (size_t)pt->hi, pc->pos, pc->n)) {
    pt->st = sm__error(pt->ctx, SM_E_NOMEM, "out of memory");
    sm__free(v);
    sm__free(rc);
    return;
  }
  rowsrc rs = {sc, NULL, 0, v};
  for (;;) {
    int64_t rowid;
    int e = sm__gpkg_cursor_next(&cur, &rowid, raw);
    if (e <= 0) {
      if (e < 0) pt->why = cur.why;
      break;
    }
    int j = 0;
    while (j < pc->n && page_value(pc->want[j], pc->dflt_null[j], rowid, &raw[j])) {
      v[pc->child[j]] = raw[j];
      j++;
    }
    if (j < pc->n) {
      pt->why = "a value GDAL would convert";
      break;
    }
    pt->rows++;
    if ((pt->st = take_row(&pt->r, s, k, &rs, pt->rows, rc))) break;
  }
  sm__gpkg_cursor_close(&cur);
  sm__free(v);
  sm__free(rc);
}

/* Reads a GeoPackage table from its pages: 1 when read (*st its status), 0 when GDAL must read it (the
 * reason logged). */
static int read_pages(const ogr_source *O, uint64_t *rows_out, sm_status *st) {
  sm_reader *r = O->r;
  size_t s = O->s;
  sm_ctx *ctx = r->ctx;
  const char *name = r->srcs[s].name, *why = NULL;
  GDALDriverH drv = GDALGetDatasetDriver(O->ds);
  if ((r->tune && r->tune->gdal_only) || !drv || strcmp(GDALGetDriverShortName(drv), "GPKG") != 0 || O->k.kfid < 0)
    return 0;
  double t0 = sm__now();
  sm_gpkg_pages *g = NULL;
  if ((*st = sm__gpkg_pages_open(ctx, name, OGR_L_GetName(O->layer), &g, &why))) return 1;
  page_cols pc = {0};
  const cols *k = &O->k;
  if (g && !(page_column(O, g, &pc, k->kfid, 0, &why) || page_column(O, g, &pc, k->gg, 0, &why) ||
             page_column(O, g, &pc, k->ga, 0, &why) || page_column(O, g, &pc, k->gb, 0, &why) ||
             page_column(O, g, &pc, k->kw, 0, &why) || page_column(O, g, &pc, k->kt, 1, &why) ||
             page_column(O, g, &pc, k->kc, 1, &why) || page_column(O, g, &pc, k->kl, 1, &why))) {
    size_t leaves = sm__gpkg_pages_leaves(g);
    int nt = sm__threads(ctx);
    if (nt > 16) nt = 16;
    /* A few runs of leaves per thread, taken in turn, so that no thread waits long for the last one. */
    int np = nt > 1 ? 4 * nt : 1;
    if ((size_t)np > leaves / 16 + 1) np = (int)(leaves / 16 + 1); /* a small table: fewer runs, one thread */
    if (nt > np) nt = np;
    part *parts = NULL;
    int slots = 0, fresh_label = 0;
    if ((*st = parts_new(r, np, 0, (GIntBig)leaves, &parts)) ||
        (np > 1 && !(r->tune && r->tune->pages_copy) &&
         (slots = parts_slots(r, parts, np, g, k->kl >= 0, &fresh_label, st), *st))) {
      parts_free(parts, np);
      sm__gpkg_pages_close(g);
      return 1;
    }
    if (!slots && np > nt) { /* runs to be copied after: one per thread, the fewest to copy */
      parts_free(parts, np);
      parts = NULL;
      np = nt;
      if ((*st = parts_new(r, np, 0, (GIntBig)leaves, &parts))) {
        parts_free(parts, np);
        sm__gpkg_pages_close(g);
        return 1;
      }
    }
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
#endif
    for (int i = 0; i < np; i++) read_part_pages(&parts[i], s, g, &pc, k, &O->schema);
    for (int i = 0; i < np && !why; i++) why = parts[i].why;
    double t1 = sm__now();
    if (!why) {
      *st = slots ? parts_place(r, parts, np, fresh_label, rows_out) : parts_merge(r, parts, np, rows_out);
      sm__log(ctx, SM_LOG_DEBUG, "%s: %zu pages of table '%s' read on %d threads (%d runs, %s) in %.3f s, %s in %.3f s",
              name, leaves, OGR_L_GetName(O->layer), nt, np, slots ? "each into its place" : "copied after", t1 - t0,
              slots ? "placed" : "merged", sm__now() - t1);
    } else if (fresh_label) { /* read through GDAL instead: no label array unless a label is read */
      sm__free(r->p->label);
      r->p->label = NULL;
    }
    parts_free(parts, np);
  }
  sm__gpkg_pages_close(g);
  if (why) {
    sm__log(ctx, SM_LOG_DEBUG, "%s: table '%s' read through GDAL, not from its pages: %s", name,
            OGR_L_GetName(O->layer), why);
    return 0;
  }
  if (!*st) *st = sm__progress(ctx, 1.0, "reading");
  return 1;
}

/* Reads the rows: in parallel (each thread its own stream) or from the stream. */
static sm_status read_ogr_rows(ogr_source *O) {
  sm_reader *r = O->r;
  uint64_t rows = 0;
  sm_status st;
  if (read_pages(O, &rows, &st)) {
    /* read from the table's pages */
  } else if (O->par) {
    O->stream.release(&O->stream); /* the threads open their own */
    memset(&O->stream, 0, sizeof O->stream);
    OGR_L_SetAttributeFilter(O->layer, NULL);
    st = read_parallel(r, O->s, O->ds, O->layer, O->ign_list, &O->k, &rows);
  } else {
    st = read_stream(r, O->s, &O->stream, &O->schema, &O->k, O->total, 1, &rows);
  }
  if (!st && rows == 0) st = sm__error(r->ctx, SM_E_INPUT, "%s: layer has no features", r->srcs[O->s].name);
  return st;
}

sm_status sm__read_ogr(sm_reader *r, size_t s) {
  sm_ctx *ctx = r->ctx;
  r->srcs[s].row_word = "feature";
  r->all_policeuk = 0;
  sm__gdal_begin(ctx);
  ogr_source O = {.r = r, .s = s, .lonlat = 1, .k = {-1, -1, -1, -1, -1, -1, -1, -1, 0}};
  sm_status st = open_points_layer(&O);
  if (!st) st = ignore_unused_fields(&O);
  if (!st) st = open_arrow_stream(&O);
  if (!st) st = find_coordinate_columns(&O);
  if (!st) st = set_source_crs(&O);
  if (!st) st = find_attribute_columns(&O);
  if (!st) st = read_ogr_rows(&O);
  if (O.schema.release) O.schema.release(&O.schema);
  if (O.stream.release) O.stream.release(&O.stream);
  if (O.ds) GDALClose(O.ds);
  sm__free(O.ign_list);
  sm__gdal_end(ctx);
  return st;
}
