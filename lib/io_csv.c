/* CSV sources: police.uk street-level files and generic tables. A big
 * regular file is read on all threads (see read_parallel), with the result of
 * the one-thread reader. */
#include "internal/csv.h"
#include "internal/reader.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#ifdef SM_HAVE_OPENMP
#include <omp.h>
#endif
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static const char *const LON_NAMES[] = {"longitude", "lon", "lng", "long", NULL};
static const char *const LAT_NAMES[] = {"latitude", "lat", NULL};
static const char *const X_NAMES[] = {"x", "easting", "east", "point_x", "xcoord", "x_coord", NULL};
static const char *const Y_NAMES[] = {"y", "northing", "north", "point_y", "ycoord", "y_coord", NULL};
static const char *const TIME_NAMES[] = {"month", "date", "datetime", "date_time", "timestamp", "time",
                                         "occurred", NULL};
static const char *const CAT_NAMES[] = {"crime type", "crime_type", "category", "type", "offence", "offense",
                                        NULL};
static const char *const LABEL_NAMES[] = {"location", NULL};

typedef struct cols {
  long a, b, t, w, cat, label;
  long id; /* police.uk "Crime ID", for repeats across files; -1 otherwise */
  char tname[96];
} cols;

static long find_named(const sm_csv *c, const char *name) {
  for (size_t i = 0; i < c->nf; i++)
    if (sm__strncaseeq(c->fs[i], c->fl[i], name)) return (long)i;
  return -1;
}

static long find_any(const sm_csv *c, const char *const *names) {
  for (int k = 0; names[k]; k++) {
    long i = find_named(c, names[k]);
    if (i >= 0) return i;
  }
  return -1;
}

static char *header_list(const sm_csv *c) {
  sm_buf b = {0};
  for (size_t i = 0; i < c->nf && i < 40; i++) {
    if (i) sm__buf_append(&b, ", ", 2);
    sm__buf_append(&b, c->fs[i], c->fl[i]);
  }
  if (!b.s) sm__buf_append(&b, "", 0);
  return b.s;
}

static sm_status need_col(sm_reader *r, const sm_csv *c, const char *path, const char *opt, const char *name,
                          long *out) {
  *out = find_named(c, name);
  if (*out >= 0) return SM_OK;
  char *h = header_list(c);
  sm_status st = sm__error(r->ctx, SM_E_INVALID_ARG, "%s: no column '%s' (given with %s); its columns are: %s",
                           path, name, opt, h ? h : "");
  sm__free(h);
  return st;
}

static void set_fieldname(char *dst, size_t max, const sm_csv *c, long i) {
  sm__quote(dst, max, c->fs[i], c->fl[i]);
}

static int same_name(const sm_csv *c, size_t i, size_t j) {
  if (c->fl[i] != c->fl[j]) return 0;
  for (size_t q = 0; q < c->fl[i]; q++)
    if (tolower((unsigned char)c->fs[i][q]) != tolower((unsigned char)c->fs[j][q])) return 0;
  return 1;
}

/* A header that names a column in use twice: the first is used (as every lookup takes the first), and
 * the user is told so; --strict refuses. */
static sm_status duplicate_columns(sm_reader *r, const sm_csv *c, const char *path, const cols *k) {
  const long used[] = {k->a, k->b, k->t, k->w, k->cat, k->label, k->id};
  for (size_t u = 0; u < sizeof used / sizeof *used; u++) {
    if (used[u] < 0) continue;
    size_t i = (size_t)used[u];
    for (size_t j = i + 1; j < c->nf; j++) {
      if (!same_name(c, i, j)) continue;
      char q[128];
      sm__quote(q, sizeof q, c->fs[i], c->fl[i]);
      if (r->opts->strict)
        return sm__error(r->ctx, SM_E_INPUT,
                         "%s: the header names column '%s' twice (columns %zu and %zu): rename or remove one "
                         "(--strict makes this an error; without it, column %zu is used)",
                         path, q, i + 1, j + 1, i + 1);
      sm_status st = sm__points_warn(r->ctx, r->p,
                                     "%s: the header names column '%s' twice (columns %zu and %zu); column %zu "
                                     "is used, column %zu ignored: rename or remove one to be sure",
                                     path, q, i + 1, j + 1, i + 1, j + 1);
      if (st) return st;
      break;
    }
  }
  return SM_OK;
}

static sm_status resolve(sm_reader *r, size_t s, const sm_csv *c, cols *k) {
  const sm_read_options *o = r->opts;
  sm_src *src = &r->srcs[s];
  const char *path = src->name;
  sm_status st;
  k->a = k->b = k->t = k->w = k->cat = k->label = k->id = -1;
  int policeuk = find_named(c, "Longitude") >= 0 && find_named(c, "Latitude") >= 0 &&
                 find_named(c, "Month") >= 0 && find_named(c, "Crime type") >= 0 &&
                 find_named(c, "Falls within") >= 0;
  if (!policeuk) r->all_policeuk = 0;
  int lonlat = 1;
  if (o->x_field || o->y_field) {
    if (!o->x_field || !o->y_field)
      return sm__error(r->ctx, SM_E_INVALID_ARG, "give both --x and --y (or --lon and --lat)");
    if ((st = need_col(r, c, path, "--x", o->x_field, &k->a)) || (st = need_col(r, c, path, "--y", o->y_field, &k->b)))
      return st;
    lonlat = 0;
  } else if (o->lon_field || o->lat_field) {
    if (!o->lon_field || !o->lat_field)
      return sm__error(r->ctx, SM_E_INVALID_ARG, "give both --lon and --lat (or --x and --y)");
    if ((st = need_col(r, c, path, "--lon", o->lon_field, &k->a)) ||
        (st = need_col(r, c, path, "--lat", o->lat_field, &k->b)))
      return st;
  } else {
    k->a = find_any(c, LON_NAMES);
    k->b = find_any(c, LAT_NAMES);
    if (k->a < 0 || k->b < 0) {
      k->a = find_any(c, X_NAMES);
      k->b = find_any(c, Y_NAMES);
      lonlat = 0;
    }
    if (k->a < 0 || k->b < 0) {
      char *h = header_list(c);
      st = sm__error(r->ctx, SM_E_INPUT,
                     "%s: missing coordinate columns: found no Longitude/Latitude (lon, lng, lat) nor "
                     "x/y (Easting/Northing) column; its columns are: %s. Name them with --lon/--lat or --x/--y",
                     path, h ? h : "");
      sm__free(h);
      return st;
    }
  }
  if (!lonlat && !o->crs)
    return sm__error(r->ctx, SM_E_INVALID_ARG,
                     "%s: columns '%.*s'/'%.*s' are projected coordinates: say which CRS they are in with --crs "
                     "(British National Grid: --crs EPSG:27700)",
                     path, (int)c->fl[k->a], c->fs[k->a], (int)c->fl[k->b], c->fs[k->b]);
  const char *crs = o->crs ? o->crs : "EPSG:4326";
  if ((st = sm__reader_crs(r, crs, &src->crs))) return st;
  if (o->crs) lonlat = sm__crs_is_geographic(r->ctx, src->crs);
  src->lonlat = lonlat;
  src->policeuk = policeuk && lonlat;
  set_fieldname(src->fa, sizeof src->fa, c, k->a);
  set_fieldname(src->fb, sizeof src->fb, c, k->b);
  if (o->time_field) {
    if ((st = need_col(r, c, path, "--time", o->time_field, &k->t))) return st;
  } else {
    k->t = find_any(c, TIME_NAMES);
  }
  if (k->t >= 0) set_fieldname(k->tname, sizeof k->tname, c, k->t);
  if (o->category_field) {
    if ((st = need_col(r, c, path, "--category", o->category_field, &k->cat))) return st;
  } else {
    k->cat = find_any(c, CAT_NAMES);
  }
  if (o->weight_field && (st = need_col(r, c, path, "--weight", o->weight_field, &k->w))) return st;
  k->label = o->skip_labels ? -1 : find_any(c, LABEL_NAMES);
  if (policeuk) k->id = find_named(c, "Crime ID");
  if (r->n_types && k->cat < 0)
    return sm__error(r->ctx, SM_E_INVALID_ARG,
                     "%s: --type needs a category column, and none was found (name it with --category)", path);
  if ((r->has_from || r->has_to) && k->t < 0)
    return sm__error(r->ctx, SM_E_INVALID_ARG,
                     "%s: --from/--to need a time column, and none was found (name it with --time)", path);
  return duplicate_columns(r, c, path, k);
}

static void trim(const char **s, size_t *n) {
  while (*n && (**s == ' ' || **s == '\t')) (*s)++, (*n)--;
  while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) (*n)--;
}

/* Field i of the current record, trimmed ("" when absent). */
static void field(const sm_csv *c, long i, const char **s, size_t *n) {
  *s = "";
  *n = 0;
  if (i >= 0 && (size_t)i < c->nf) {
    *s = c->fs[i];
    *n = c->fl[i];
    trim(s, n);
  }
}

/* ---- one record --------------------------------------------------------------- */
/* A skipped row, kept as what its message needs: the text is only formatted
 * when it is used (the first examples of a reason, or --strict). */
typedef struct csv_bad {
  uint64_t row;
  const char *v; /* the offending value, in the CSV buffer */
  size_t vn;
  size_t nf;     /* fields in the row (BAD_FIELDS) */
  uint8_t reason;
  uint8_t kind;  /* BK_* */
  uint8_t second; /* v is the second coordinate's value */
} csv_bad;

enum { BK_FIELDS, BK_NO_TIME, BK_TIME, BK_NO_COORDS, BK_ONE_COORD, BK_NUMBER, BK_WEIGHT };

/* Records a skipped row through sm__reader_bad, with the same words whoever
 * found it (the one-thread reader or a chunk). */
static sm_status report_bad(sm_reader *r, size_t s, const cols *k, size_t need, const csv_bad *b) {
  if (r->p->n_examples[b->reason] >= 5 && !r->opts->strict) /* counted, not shown */
    return sm__reader_bad(r, (sm_bad_reason)b->reason, s, b->row, "%s", "");
  const sm_src *src = &r->srcs[s];
  /* the field v is from, and the other coordinate field */
  const char *vf = b->second ? src->fb : src->fa, *of = b->second ? src->fa : src->fb;
  char d[768], q[128];
  sm__quote(q, sizeof q, b->v, b->vn);
  switch (b->kind) {
  case BK_FIELDS: snprintf(d, sizeof d, "the row has %zu fields; the columns used need %zu", b->nf, need); break;
  case BK_NO_TIME: snprintf(d, sizeof d, "field '%s' is empty", k->tname); break;
  case BK_TIME: snprintf(d, sizeof d, "field '%s' value '%s' is not a date", k->tname, q); break;
  case BK_NO_COORDS: snprintf(d, sizeof d, "fields '%s' and '%s' are empty", src->fa, src->fb); break;
  case BK_ONE_COORD: snprintf(d, sizeof d, "field '%s' is empty ('%s' is '%s')", of, vf, q); break;
  case BK_NUMBER: snprintf(d, sizeof d, "field '%s' value '%s' is not a number", vf, q); break;
  default: snprintf(d, sizeof d, "field '%s' value '%s' is not a weight >= 0", r->opts->weight_field, q); break;
  }
  return sm__reader_bad(r, (sm_bad_reason)b->reason, s, b->row, "%s", d);
}

/* A chunk's own string table: indices in order of first appearance. Faster
 * than sm_strtab (whole words hashed, lengths compared, the strings packed
 * together where compares find them in cache), and the merge only needs the
 * order. */
typedef struct csv_tab {
  char *text;      /* the strings, back to back */
  size_t used, room;
  size_t *off, *len;
  uint64_t *hash;
  size_t n, cap;
  uint32_t *slots; /* index + 1, 0 empty */
  size_t nslots;
} csv_tab;

static uint64_t tab_hash(const char *s, size_t n) {
  uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ull, v;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    memcpy(&v, s + i, 8);
    h = (h ^ v) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  if (i < n) {
    if (n >= 8) { /* the last eight bytes, overlapping: no call to memcpy */
      memcpy(&v, s + n - 8, 8);
    } else {
      v = 0;
      for (; i < n; i++) v = v << 8 | (unsigned char)s[i];
    }
    h = (h ^ v) * 0xc4ceb9fe1a85ec53ull;
  }
  return h ^ (h >> 29);
}

/* Index of s (n bytes), added if new; -1 out of memory. */
static int32_t tab_intern(csv_tab *t, const char *s, size_t n) {
  if (t->n * 2 >= t->nslots) {
    size_t ns = t->nslots ? t->nslots * 2 : 64;
    uint32_t *sl = sm__calloc(ns, sizeof *sl);
    if (!sl) return -1;
    for (size_t k = 0; k < t->n; k++) {
      size_t j = t->hash[k] & (ns - 1);
      while (sl[j]) j = (j + 1) & (ns - 1);
      sl[j] = (uint32_t)(k + 1);
    }
    sm__free(t->slots);
    t->slots = sl;
    t->nslots = ns;
  }
  uint64_t h = tab_hash(s, n);
  size_t j = h & (t->nslots - 1);
  for (; t->slots[j]; j = (j + 1) & (t->nslots - 1)) {
    uint32_t k = t->slots[j] - 1;
    if (t->hash[k] == h && t->len[k] == n && memcmp(t->text + t->off[k], s, n) == 0) return (int32_t)k;
  }
  if (t->n >= INT32_MAX - 1) return -1;
  if (t->n == t->cap) {
    size_t nc = t->cap ? t->cap * 2 : 64;
    size_t *no = sm__realloc(t->off, nc * sizeof *no);
    if (!no) return -1;
    t->off = no;
    size_t *nl = sm__realloc(t->len, nc * sizeof *nl);
    if (!nl) return -1;
    t->len = nl;
    uint64_t *nh = sm__realloc(t->hash, nc * sizeof *nh);
    if (!nh) return -1;
    t->hash = nh;
    t->cap = nc;
  }
  if (sm__grow((void **)&t->text, &t->room, t->used + n + 1, 1)) return -1;
  memcpy(t->text + t->used, s, n);
  t->off[t->n] = t->used;
  t->used += n;
  t->len[t->n] = n;
  t->hash[t->n] = h;
  t->slots[j] = (uint32_t)(t->n + 1);
  return (int32_t)t->n++;
}

static void tab_free(csv_tab *t) {
  sm__free(t->text);
  sm__free(t->off);
  sm__free(t->len);
  sm__free(t->hash);
  sm__free(t->slots);
  memset(t, 0, sizeof *t);
}

/* Rows of one chunk of a parallel read, before the in-order merge. */
typedef struct csv_rec {
  double a, b, w;
  int64_t t;
  uint64_t row;         /* line, numbered from CHUNK_LINE0 at the chunk start */
  int32_t cat, label;   /* indices into the chunk's own tables */
  uint32_t id_off, id_len; /* police.uk Crime ID: bytes [id_off, id_off + id_len) of the chunk */
} csv_rec;

typedef struct csv_part {
  size_t lo, hi;        /* bytes [lo, hi) of the file: whole records */
  const char *text;     /* the chunk's first byte (its Crime IDs are read there at the merge) */
  atomic_int done;      /* parsed (release: the rest is written) */
  int rc;               /* parser's final SM_CSV_* (EOF or an error) */
  int nomem;            /* out of memory outside the parser */
  uint64_t next_line;   /* parser's next_line at the end (chunk numbering) */
  uint64_t rows;        /* non-blank records */
  csv_rec *rec;
  size_t n, cap;
  csv_bad *bad;
  size_t nbad, badcap;
  csv_tab cats, labels;
  signed char *keep;    /* category filter by chunk index: 0 unknown, 1 keep, -1 drop */
  size_t keep_cap;
  uint64_t filtered[SM_FILTER_REASON_END_];
  uint64_t res_seen[4];
} csv_part;

/* Chunks number their lines from 2 so that the parser's line-1 BOM rule never
 * applies inside a file. */
#define CHUNK_LINE0 2

static int wanted_category(const sm_reader *r, const char *name, size_t n) {
  for (size_t i = 0; i < r->n_types; i++)
    if (sm__strncaseeq(name, n, r->types[i])) return 1;
  return 0;
}

/* sm__reader_category for a chunk: its own table and filter memo. */
static int part_category(const sm_reader *r, csv_part *pt, const char *s, size_t n, int32_t *cat) {
  *cat = -1;
  if (n && (*cat = tab_intern(&pt->cats, s, n)) < 0) return -1;
  int keep = 1;
  if (r->n_types) {
    size_t i = (size_t)*cat, old = pt->keep_cap;
    if (*cat < 0) {
      keep = 0;
    } else if (i < old || !sm__grow((void **)&pt->keep, &pt->keep_cap, i + 1, 1)) {
      if (pt->keep_cap > old) memset(pt->keep + old, 0, pt->keep_cap - old);
      if (!pt->keep[i]) pt->keep[i] = wanted_category(r, pt->cats.text + pt->cats.off[i], pt->cats.len[i]) ? 1 : -1;
      keep = pt->keep[i] > 0;
    } else {
      keep = wanted_category(r, pt->cats.text + pt->cats.off[i], pt->cats.len[i]); /* no room for the memo */
    }
  }
  if (!keep) pt->filtered[SM_FILTER_TYPE]++;
  return keep;
}

enum { ROW_KEEP, ROW_BAD, ROW_SKIP, ROW_NOMEM };

typedef struct csv_row {
  double a, b, w;
  int64_t t;
  int32_t cat, label;
  const char *id;       /* police.uk Crime ID (idn 0: none) */
  size_t idn;
  csv_bad bad;
} csv_row;

static int row_bad(csv_row *o, sm_bad_reason reason, int kind, const char *v, size_t vn, int second) {
  o->bad.reason = (uint8_t)reason;
  o->bad.kind = (uint8_t)kind;
  o->bad.v = v;
  o->bad.vn = vn;
  o->bad.second = (uint8_t)second;
  return ROW_BAD;
}

/* Judges one non-blank record: ROW_KEEP (values in *o), ROW_BAD (o->bad),
 * ROW_SKIP (left out by a filter, counted) or ROW_NOMEM. Categories and labels
 * go to the points' tables (pt NULL: the one-thread reader) or to the chunk's.
 * The one place that decides what a row is, whatever the thread count. */
static int eval_row(sm_reader *r, const cols *k, size_t need, const sm_csv *c, csv_part *pt, sm_time_cache *tc,
                    sm_intern_cache *cc, csv_row *o) {
  o->bad.row = c->line;
  o->bad.nf = c->nf;
  if (c->nf < need) return row_bad(o, SM_BAD_FIELDS, BK_FIELDS, "", 0, 0);
  const char *cs;
  size_t cn;
  field(c, k->cat, &cs, &cn);
  int keep = pt ? part_category(r, pt, cs, cn, &o->cat) : sm__reader_category(r, cc, cs, cn, &o->cat);
  if (keep < 0) return ROW_NOMEM;
  if (!keep) return ROW_SKIP;
  o->t = SM_TIME_MISSING;
  if (k->t >= 0) {
    const char *ts;
    size_t tn;
    field(c, k->t, &ts, &tn);
    if (!tn) return row_bad(o, SM_BAD_NO_TIME, BK_NO_TIME, "", 0, 0);
    sm_time_res res;
    if (sm__time_parse_cached(tc, ts, tn, &o->t, &res)) return row_bad(o, SM_BAD_TIME, BK_TIME, ts, tn, 0);
    if (pt) pt->res_seen[res]++;
    else sm__reader_saw_time(r, res);
  }
  if (!sm__reader_keep_time(r, o->t)) {
    if (pt) pt->filtered[SM_FILTER_TIME]++;
    else r->p->filtered[SM_FILTER_TIME]++;
    return ROW_SKIP;
  }
  const char *as, *bs;
  size_t an, bn;
  field(c, k->a, &as, &an);
  field(c, k->b, &bs, &bn);
  if (an == 0 && bn == 0) return row_bad(o, SM_BAD_NO_COORDS, BK_NO_COORDS, "", 0, 0);
  if (an == 0 || bn == 0)
    return an ? row_bad(o, SM_BAD_NO_COORDS, BK_ONE_COORD, as, an, 0)
              : row_bad(o, SM_BAD_NO_COORDS, BK_ONE_COORD, bs, bn, 1);
  int ea = sm__parse_double(as, an, &o->a), eb = sm__parse_double(bs, bn, &o->b);
  if (ea) return row_bad(o, SM_BAD_NUMBER, BK_NUMBER, as, an, 0);
  if (eb) return row_bad(o, SM_BAD_NUMBER, BK_NUMBER, bs, bn, 1);
  o->w = 1.0;
  if (k->w >= 0) {
    const char *ws;
    size_t wn;
    field(c, k->w, &ws, &wn);
    int ew = sm__parse_double(ws, wn, &o->w);
    if (ew || !isfinite(o->w) || o->w < 0) return row_bad(o, SM_BAD_WEIGHT, BK_WEIGHT, ws, wn, 0);
  }
  field(c, k->id, &o->id, &o->idn);
  o->label = -1;
  if (k->label >= 0) {
    const char *ls;
    size_t ln;
    field(c, k->label, &ls, &ln);
    if (ln && (o->label = pt ? tab_intern(&pt->labels, ls, ln) : sm__strtab_intern(&r->p->labels, ls, ln)) < 0)
      return ROW_NOMEM;
  }
  return ROW_KEEP;
}

static sm_status csv_fail(sm_ctx *ctx, const char *path, int rc, uint64_t line) {
  if (rc == SM_CSV_ENOMEM) return sm__error(ctx, SM_E_NOMEM, "out of memory reading %s", path);
  if (rc == SM_CSV_EQUOTE)
    return sm__error(ctx, SM_E_INPUT, "%s:%llu: a quoted field is never closed", path, (unsigned long long)line);
  return sm__error(ctx, SM_E_IO, "%s: read error: %s", path, strerror(errno));
}

/* ---- one thread ---------------------------------------------------------------- */
/* Reads the records after the header, pushing each kept row. size > 0: the
 * file's size, for progress. */
static sm_status read_rows(sm_reader *r, size_t s, const cols *k, size_t need, sm_csv *c, long size) {
  sm_ctx *ctx = r->ctx;
  sm_status st = SM_OK;
  uint64_t rows = 0;
  sm_time_cache tcache = {0};
  sm_intern_cache ccache = {0};
  csv_row o;
  int rc, rep;
  while ((rc = sm__csv_next(c)) == SM_CSV_RECORD) {
    if (c->nf == 1 && c->fl[0] == 0) continue; /* blank line */
    rows++;
    r->p->rows_read++;
    switch (eval_row(r, k, need, c, NULL, &tcache, &ccache, &o)) {
    case ROW_BAD: st = report_bad(r, s, k, need, &o.bad); break;
    case ROW_SKIP: break;
    case ROW_NOMEM: st = sm__error(ctx, SM_E_NOMEM, "out of memory"); break;
    default:
      if ((rep = sm__reader_repeat(r, s, c->line, o.id, o.idn, o.a, o.b, o.t)) != 0) {
        st = rep < 0 ? SM_E_NOMEM : SM_OK;
        break;
      }
      st = sm__reader_push(r, s, c->line, o.a, o.b, o.t, o.w, o.cat, o.label);
      if (!st && (rows & 0xffff) == 0 && size > 0) {
        double at = c->f ? (double)ftell(c->f) : (double)c->pos;
        st = sm__progress(ctx, at / (double)size, "reading");
      }
    }
    if (st) return st;
  }
  if (rc < 0) return csv_fail(ctx, r->srcs[s].name, rc, c->next_line);
  if (rows == 0) return sm__error(ctx, SM_E_INPUT, "%s: the file has a header but no data rows", r->srcs[s].name);
  return SM_OK;
}

/* ---- all threads ---------------------------------------------------------------- */
/* A big regular file is mapped and cut into chunks of whole records. The
 * chunks are parsed in parallel, each into its own rows, skipped-row notes
 * and string tables, and merged in file order on the calling thread through
 * the same sm__reader_push, report_bad and sm__strtab_intern calls as
 * read_rows makes, so the points, their order, the interned indices, the
 * counts, the examples and the first --strict error are the same for any
 * thread count.
 *
 * Where records start: just after a newline the parser is either between
 * records or inside a quoted field, and only quote characters move it from one
 * to the other. A quote opens a field right after a separator or a newline
 * that ended a record; inside, "" stands for a quote and a lone quote closes
 * it. So the state at each candidate cut (just after a newline) follows from
 * the quotes alone, found by a vector scan: each span between cuts is run from
 * both possible entry states in parallel, then the spans are chained from the
 * end of the header. */

/* First quote or NUL byte in [i, hi), or hi: one pass for both. */
static size_t next_quote_or_nul(const char *b, size_t i, size_t hi) {
#ifdef __SSE2__
  const __m128i q = _mm_set1_epi8('"'), z = _mm_setzero_si128();
  for (; i + 16 <= hi; i += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
    int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, z)));
    if (m) return i + (size_t)__builtin_ctz((unsigned)m);
  }
#endif
  while (i < hi && b[i] != '"' && b[i] != '\0') i++;
  return i;
}

/* State at hi (1: inside quotes) entering [lo, hi) outside (out[0]) and
 * inside (out[1]) quotes; lo follows a newline. The two runs meet at the
 * first quote they read alike, and go on as one. Returns 1, out unset, if
 * [lo, hi) holds a NUL byte. */
static int quote_states(const char *b, size_t size, size_t lo, size_t hi, char sep, unsigned char out[2]) {
  int in[2] = {0, 1}, lanes = 2;
  size_t pair[2] = {0, 0}; /* a quote a run has taken as the second of "" */
  for (size_t i = lo; i < hi;) {
    size_t j = next_quote_or_nul(b, i, hi);
    if (j == hi) break;
    if (!b[j]) return 1;
    for (int e = 0; e < lanes; e++) {
      if (pair[e] == j) continue;
      if (in[e]) {
        if (j + 1 < size && b[j + 1] == '"') pair[e] = j + 1;
        else in[e] = 0;
      } else if (b[j - 1] == sep || b[j - 1] == '\n') {
        in[e] = 1;
      }
    }
    if (lanes == 2 && in[0] == in[1] && (pair[0] == j + 1) == (pair[1] == j + 1)) lanes = 1;
    i = j + 1;
  }
  out[0] = (unsigned char)in[0];
  out[1] = (unsigned char)(lanes == 1 ? in[0] : in[1]);
  return 0;
}

/* First record start in (lo, hi) when lo is inside a quoted field; 0 if none. */
static size_t after_quoted(const char *b, size_t size, size_t lo, size_t hi, char sep) {
  size_t i = lo;
  int in = 1;
  while (i < hi) {
    if (in) {
      const char *q = memchr(b + i, '"', hi - i);
      if (!q) return 0;
      size_t j = (size_t)(q - b);
      if (j + 1 < size && b[j + 1] == '"') {
        i = j + 2;
        continue;
      }
      in = 0;
      i = j + 1;
    } else {
      const char *nl = memchr(b + i, '\n', hi - i);
      if (!nl) return 0;
      size_t e = (size_t)(nl - b);
      const char *q = memchr(b + i, '"', e - i);
      if (!q) return e + 1;
      size_t j = (size_t)(q - b);
      if (b[j - 1] == sep || b[j - 1] == '\n') in = 1;
      i = j + 1;
    }
  }
  return 0;
}

static void part_free(csv_part *pt) {
  sm__free(pt->rec);
  sm__free(pt->bad);
  sm__free(pt->keep);
  tab_free(&pt->cats);
  tab_free(&pt->labels);
  pt->rec = NULL;
  pt->bad = NULL;
  pt->keep = NULL;
}

/* Parses one chunk (any thread): nothing here touches the reader's points or
 * its ctx. Returns 1 if the chunk stopped the read (an error to report, or
 * the first bad row under --strict): later chunks need not be parsed. */
static int parse_part(sm_reader *r, const cols *k, size_t need, char *buf, csv_part *pt) {
  sm_csv c;
  pt->text = buf + pt->lo;
  sm__csv_open_span(&c, buf + pt->lo, pt->hi - pt->lo, CHUNK_LINE0);
  sm_time_cache tc;
  memset(&tc, 0, sizeof tc);
  csv_row o;
  int rc, stop = 0;
  /* room for rows of 64 bytes: growing by copies costs more than untouched pages */
  if (sm__grow((void **)&pt->rec, &pt->cap, (pt->hi - pt->lo) / 64 + 16, sizeof *pt->rec)) {
    pt->nomem = 1;
    return 1;
  }
  while (!stop && (rc = sm__csv_next(&c)) == SM_CSV_RECORD) {
    if (c.nf == 1 && c.fl[0] == 0) continue; /* blank line */
    pt->rows++;
    switch (eval_row(r, k, need, &c, pt, &tc, NULL, &o)) {
    case ROW_KEEP:
      if (sm__grow((void **)&pt->rec, &pt->cap, pt->n + 1, sizeof *pt->rec)) {
        pt->nomem = stop = 1;
        break;
      }
      size_t off = o.idn ? (size_t)(o.id - pt->text) : 0;
      int fits = o.idn && off <= UINT32_MAX && o.idn <= UINT32_MAX;
      pt->rec[pt->n++] = (csv_rec){o.a, o.b, o.w, o.t, c.line, o.cat, o.label, fits ? (uint32_t)off : 0,
                                   fits ? (uint32_t)o.idn : 0};
      break;
    case ROW_BAD:
      if (sm__grow((void **)&pt->bad, &pt->badcap, pt->nbad + 1, sizeof *pt->bad)) {
        pt->nomem = stop = 1;
        break;
      }
      pt->bad[pt->nbad++] = o.bad;
      stop = r->opts->strict;
      break;
    case ROW_NOMEM: pt->nomem = stop = 1; break;
    default: break;
    }
  }
  if (!stop && rc < 0) {
    pt->rc = rc;
    stop = 1;
  }
  pt->next_line = c.next_line;
  sm__csv_close(&c);
  return stop;
}

/* Merges one parsed chunk into the reader, in file order. base: the file's
 * line number at the chunk's first byte. */
static sm_status merge_part(sm_reader *r, size_t s, const cols *k, size_t need, const csv_part *pt, uint64_t base) {
  sm_ctx *ctx = r->ctx;
  sm_points *p = r->p;
  sm_status st = SM_OK;
  int32_t *cmap = sm__malloc((pt->cats.n + pt->labels.n) * sizeof *cmap), *lmap = cmap + pt->cats.n;
  if (!cmap) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  /* A chunk's strings in their order of first appearance, after the earlier
   * chunks': the indices the one-thread reader gives. */
  for (size_t i = 0; i < pt->cats.n && !st; i++)
    if ((cmap[i] = sm__strtab_intern(&p->cats, pt->cats.text + pt->cats.off[i], pt->cats.len[i])) < 0)
      st = SM_E_NOMEM;
  for (size_t i = 0; i < pt->labels.n && !st; i++)
    if ((lmap[i] = sm__strtab_intern(&p->labels, pt->labels.text + pt->labels.off[i], pt->labels.len[i])) < 0)
      st = SM_E_NOMEM;
  if (st) {
    sm__free(cmap);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  p->rows_read += pt->rows;
  p->filtered[SM_FILTER_TYPE] += pt->filtered[SM_FILTER_TYPE];
  p->filtered[SM_FILTER_TIME] += pt->filtered[SM_FILTER_TIME];
  for (int i = 0; i < 4; i++) r->res_seen[i] += pt->res_seen[i];
  for (size_t i = 0; i < pt->n && !st; i++) {
    const csv_rec *e = &pt->rec[i];
    int rep = sm__reader_repeat(r, s, base + e->row - CHUNK_LINE0, pt->text + e->id_off, e->id_len, e->a, e->b, e->t);
    if (rep) {
      st = rep < 0 ? SM_E_NOMEM : SM_OK;
      continue;
    }
    st = sm__reader_push(r, s, base + e->row - CHUNK_LINE0, e->a, e->b, e->t, e->w, e->cat < 0 ? -1 : cmap[e->cat],
                         e->label < 0 ? -1 : lmap[e->label]);
  }
  sm__free(cmap);
  /* Pushes and skipped rows only meet in --strict, where the chunk ends at its
   * first bad row: after every row kept before it. */
  for (size_t i = 0; i < pt->nbad && !st; i++) {
    csv_bad b = pt->bad[i];
    b.row = base + b.row - CHUNK_LINE0;
    st = report_bad(r, s, k, need, &b);
  }
  if (!st && pt->nomem) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st && pt->rc < 0) st = csv_fail(ctx, r->srcs[s].name, pt->rc, base + pt->next_line - CHUNK_LINE0);
  return st;
}

static void lower(atomic_size_t *v, size_t to) {
  size_t cur = atomic_load(v);
  while (to < cur && !atomic_compare_exchange_weak(v, &cur, to)) {
  }
}

typedef struct csv_merge {
  size_t done;    /* chunks merged */
  uint64_t base;  /* file line at the next chunk's start */
  uint64_t rows;  /* non-blank records merged */
} csv_merge;

/* Merges the parsed chunks that come next in file order (calling thread). */
static sm_status merge_ready(sm_reader *r, size_t s, const cols *k, size_t need, csv_part *parts, size_t np,
                             size_t size, csv_merge *m) {
  while (m->done < np && atomic_load_explicit(&parts[m->done].done, memory_order_acquire)) {
    csv_part *pt = &parts[m->done++];
    sm_status st = merge_part(r, s, k, need, pt, m->base);
    m->base += pt->next_line - CHUNK_LINE0;
    m->rows += pt->rows;
    part_free(pt);
    if (!st) st = sm__progress(r->ctx, (double)pt->hi / (double)size, "reading");
    if (st) return st;
  }
  return SM_OK;
}

/* Reads the records after the header (c is just past it) on nt threads, in
 * chunks of about `chunk` bytes. buf: the whole file, writable. */
static sm_status read_parallel(sm_reader *r, size_t s, const cols *k, size_t need, sm_csv *c, char *buf, size_t size,
                               int nt, size_t chunk) {
  sm_ctx *ctx = r->ctx;
  size_t start = c->pos;
  if (start >= size) return read_rows(r, s, k, need, c, (long)size);
  const char sep = c->sep;
  double t0 = sm__now();
  /* Candidate cuts: after the first newline at least `chunk` bytes on; the last 2 * nt chunks' bytes cut four
   * times finer, so that the threads finish together (a whole chunk left to one thread kept the other waiting
   * for 7-15 ms at 1M rows). */
  size_t tail = chunk >= ((size_t)1 << 18) ? 2 * (size_t)nt * chunk : 0;
  size_t ncut = 1, cutcap = (size - start) / chunk + 2 + (tail ? 8 * (size_t)nt : 0);
  size_t *cut = sm__malloc(cutcap * sizeof *cut);
  unsigned char *ends = NULL;
  csv_part *parts = NULL;
  if (!cut) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  cut[0] = start;
  for (;;) {
    size_t at = cut[ncut - 1] + (size - cut[ncut - 1] <= tail ? chunk / 4 : chunk) - 1;
    const char *nl = at < size ? memchr(buf + at, '\n', size - at) : NULL;
    if (!nl || (size_t)(nl - buf) + 1 >= size || ncut == cutcap) break;
    cut[ncut++] = (size_t)(nl - buf) + 1;
  }
  ends = sm__malloc(2 * ncut);
  parts = sm__calloc(ncut, sizeof *parts);
  if (!ends || !parts) {
    sm__free(cut);
    sm__free(ends);
    sm__free(parts);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  /* Quote state at every cut; and a NUL byte anywhere makes the string
   * tables' indices depend on their history (they compare C strings), which
   * only the one-thread order reproduces. */
  int nul = 0;
  long nc = (long)ncut;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) reduction(| : nul)
#endif
  for (long i = 0; i < nc; i++)
    nul |= quote_states(buf, size, cut[i], i + 1 < nc ? cut[i + 1] : size, sep, ends + 2 * i);
  if (nul) {
    sm__free(cut);
    sm__free(ends);
    sm__free(parts);
    sm__log(ctx, SM_LOG_DEBUG, "%s: a NUL byte: read on one thread", r->srcs[s].name);
    return read_rows(r, s, k, need, c, (long)size);
  }
  /* Chain the states; a cut inside quotes moves on to the next record start
   * (or goes, when there is none before the next cut). */
  size_t np = 0;
  int in = 0;
  for (size_t i = 0; i < ncut; i++) {
    size_t lo = cut[i], hi = i + 1 < ncut ? cut[i + 1] : size;
    size_t at = in ? after_quoted(buf, size, lo, hi, sep) : lo;
    if (at && at < hi) {
      if (np) parts[np - 1].hi = at;
      parts[np].lo = at;
      parts[np].hi = hi;
      atomic_init(&parts[np].done, 0);
      np++;
    } else {
      parts[np - 1].hi = hi;
    }
    in = ends[2 * i + in];
  }
  sm__free(cut);
  sm__free(ends);
  double t1 = sm__now();
  /* Parse on every thread, in the caller's locale (strtod's decimal point,
   * isspace); the calling thread also merges, as soon as the next chunk in
   * file order is ready. */
  locale_t loc = uselocale((locale_t)0);
  atomic_size_t next, stop;
  atomic_init(&next, 0);
  atomic_init(&stop, np); /* chunks after this one need not be parsed */
  csv_merge m = {0, c->next_line, 0};
  sm_status st = SM_OK;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel num_threads(nt)
#endif
  {
#ifdef SM_HAVE_OPENMP
    int caller = omp_get_thread_num() == 0;
#else
    int caller = 1;
#endif
    locale_t own = uselocale(loc);
    for (;;) {
      size_t i = atomic_fetch_add(&next, 1);
      if (i >= np || i > atomic_load(&stop)) break;
      if (parse_part(r, k, need, buf, &parts[i])) lower(&stop, i);
      atomic_store_explicit(&parts[i].done, 1, memory_order_release);
      if (caller && !st && (st = merge_ready(r, s, k, need, parts, np, size, &m))) lower(&stop, 0);
    }
    uselocale(own);
  }
  if (!st) st = merge_ready(r, s, k, need, parts, np, size, &m);
  sm__log(ctx, SM_LOG_DEBUG, "%s: %zu chunks on %d threads: cut %.3f s, parse and merge %.3f s", r->srcs[s].name,
          np, nt, t1 - t0, sm__now() - t1);
  for (size_t i = m.done; i < np; i++) part_free(&parts[i]);
  sm__free(parts);
  if (!st && m.rows == 0)
    st = sm__error(ctx, SM_E_INPUT, "%s: the file has a header but no data rows", r->srcs[s].name);
  return st;
}

/* ---- the source -------------------------------------------------------------------- */
sm_status sm__read_csv(sm_reader *r, size_t s) {
  sm_ctx *ctx = r->ctx;
  const char *path = r->srcs[s].name;
  FILE *f = fopen(path, "rb");
  if (!f) return sm__error(ctx, SM_E_IO, "cannot open '%s': %s", path, strerror(errno));
  long fsize = -1;
  if (fseek(f, 0, SEEK_END) == 0) fsize = ftell(f);
  rewind(f);
  /* A big regular file is read on all threads (read_parallel); pipes, small
   * files and one thread stream it. */
  int nt = sm__threads(ctx);
  size_t pmin = r->tune ? r->tune->csv_parallel_min : (size_t)4 << 20;
  char *map = NULL, *whole = NULL;
  struct stat sb;
  if (fsize > 0) { /* old Mac line ends (CR alone): read whole, and made LF */
    char peek[8192];
    size_t got = fread(peek, 1, sizeof peek, f);
    rewind(f);
    if (sm__csv_cr_only(peek, got)) {
      if (!(whole = sm__malloc((size_t)fsize + 1))) {
        fclose(f);
        return sm__error(ctx, SM_E_NOMEM, "out of memory");
      }
      if (fread(whole, 1, (size_t)fsize, f) != (size_t)fsize) {
        sm__free(whole);
        fclose(f);
        return sm__error(ctx, SM_E_IO, "%s: read error: %s", path, strerror(errno));
      }
      sm__csv_cr_to_lf(whole, (size_t)fsize);
      sm__log(ctx, SM_LOG_INFO, "%s: its lines end in CR alone (old Mac line ends); read as such", path);
    }
  }
  if (!whole && nt > 1 && fsize > 0 && (size_t)fsize >= pmin && fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) &&
      (long long)sb.st_size == (long long)fsize) {
    /* Private and writable: the parser unescapes quoted fields in place.
     * Mapped rather than read: no copy of the file, which costs more than
     * the parsing saves on two cores. (A file truncated by another process
     * while it is mapped raises SIGBUS, where reading it gives short data.) */
    void *mm = mmap(NULL, (size_t)fsize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fileno(f), 0);
    if (mm != MAP_FAILED) map = mm;
  }
  sm_csv c;
  char *span = map ? map : whole;
  if (span ? sm__csv_open_span(&c, span, (size_t)fsize, 1) : sm__csv_open_file(&c, f)) {
    if (map) munmap(map, (size_t)fsize);
    sm__free(whole);
    fclose(f);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  sm_status st = SM_OK;
  int rc = sm__csv_next(&c);
  if (rc == SM_CSV_EOF || (rc == SM_CSV_RECORD && c.nf == 1 && c.fl[0] == 0 && sm__csv_next(&c) == SM_CSV_EOF)) {
    st = sm__error(ctx, SM_E_INPUT, "%s: the file is empty", path);
    goto done;
  }
  if (rc < 0) {
    st = csv_fail(ctx, path, rc, c.next_line);
    goto done;
  }
  for (size_t i = 0; i < c.nf; i++)
    if (memchr(c.fs[i], '\r', c.fl[i])) { /* a stream that could not be looked at first */
      st = sm__error(ctx, SM_E_INPUT,
                     "%s: its lines end in CR alone (old Mac line ends), which cannot be read from a pipe: "
                     "save it as a file, or convert the line ends to LF (tr '\\r' '\\n')", path);
      goto done;
    }
  cols k;
  if ((st = resolve(r, s, &c, &k))) goto done;
  size_t need = 0;
  long ks[6] = {k.a, k.b, k.t, k.w, k.cat, k.label};
  for (int i = 0; i < 6; i++)
    if (ks[i] + 1 > (long)need) need = (size_t)ks[i] + 1;
  if (map) {
    size_t chunk = (size_t)fsize / ((size_t)nt * 8);
    if (chunk < ((size_t)1 << 20)) chunk = (size_t)1 << 20;
    if (chunk > ((size_t)8 << 20)) chunk = (size_t)8 << 20;
    if (r->tune && r->tune->csv_chunk) chunk = r->tune->csv_chunk;
    st = read_parallel(r, s, &k, need, &c, map, (size_t)fsize, nt, chunk);
  } else {
    st = read_rows(r, s, &k, need, &c, fsize);
  }
done:
  sm__csv_close(&c);
  if (map) munmap(map, (size_t)fsize);
  sm__free(whole);
  fclose(f);
  return st;
}
