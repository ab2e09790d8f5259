/* The readers of incidents (io.c drives them, io_csv.c and io_ogr.c read; internal/reader.c holds what
 * they share). Internal. */
#ifndef SM_READER_H
#define SM_READER_H

#include "internal/sm_internal.h"

#include <string.h>

typedef struct sm_src {
  char *name;     /* as given, for messages */
  size_t start;   /* staged rows [start, end) */
  size_t end;
  int lonlat;     /* coordinates are degrees (EPSG:4326 order lon, lat) */
  char *crs;      /* CRS of the coordinates (normalised) */
  char fa[96];    /* names of the coordinate fields, for messages */
  char fb[96];
  const char *row_word; /* "row" or "feature" */
  int policeuk;   /* a police.uk street-level CSV read as lon/lat */
} sm_src;

/* Internal knobs of the reader, for tests: they cut small files into many
 * chunks so that the parallel CSV reader meets its boundary cases, and read
 * a GeoPackage both ways to compare them. */
typedef struct sm_read_tuning {
  size_t csv_parallel_min; /* smallest CSV file read on several threads (bytes) */
  size_t csv_chunk;        /* target bytes per chunk of a parallel CSV read (>= 1) */
  int gdal_only;           /* read GeoPackage tables through GDAL, never from their pages */
  int pages_copy;          /* join the runs of a table's pages by copying them, as when its keys bound no run */
} sm_read_tuning;

typedef struct sm_reader {
  sm_ctx *ctx;
  const sm_read_options *opts;
  const sm_read_tuning *tune; /* NULL: the defaults */
  sm_points *p;       /* staging: x, y hold the source coordinates until transformed */
  int slot;           /* p, row and srcidx are a fixed slot of another reader's arrays: never grown */
  uint64_t *row;      /* source row (CSV line or feature number) of each staged point */
  size_t row_cap;
  uint32_t *srcidx;   /* source of each staged point */
  size_t srcidx_cap;
  sm_src *srcs;
  size_t n_srcs, srcs_cap;
  char **types;       /* --type list */
  size_t n_types;
  signed char *cat_keep; /* per category index: 0 unknown yet, 1 keep, -1 drop */
  size_t cat_keep_cap;
  int has_from, has_to;
  int64_t t_from, t_to_end; /* keep t_from <= t < t_to_end */
  uint64_t res_seen[4];
  int all_policeuk;
  double box[4];      /* area-of-use box of the previous source's CRS */
  int has_box, box_valid;
  char *last_crs_in, *last_crs_norm; /* normalisation cache */
  /* police.uk rows repeated across files (sm__reader_repeat) */
  uint64_t *idh;      /* hash of each staged row's Crime ID, 0 none; idh_n filled */
  size_t idh_n, idh_cap;
  uint32_t *rep_slot; /* open addressing: staged index + 1, 0 empty */
  size_t rep_cap, rep_n;
  char *rep_example;  /* the first repeat, for the warning */
} sm_reader;

/* Records a skipped row; the example text is "NAME:ROW: <detail>". Returns
 * SM_E_INPUT in strict mode (with the example as the message), else SM_OK. */
sm_status sm__reader_bad(sm_reader *r, sm_bad_reason reason, size_t src, uint64_t row, const char *fmt, ...)
    SM_PRINTF(5, 6);
/* Applies the category filter to a category index (-1 = none). 1 keep, 0 drop. */
int sm__reader_keep_category(sm_reader *r, int32_t cat);
/* Applies the time filter (t may be SM_TIME_MISSING). 1 keep, 0 drop. */
int sm__reader_keep_time(const sm_reader *r, int64_t t);
/* Stages one good row. */
sm_status sm__reader_push(sm_reader *r, size_t src, uint64_t row, double a, double b, int64_t t, double w,
                          int32_t cat, int32_t label);
/* Is this police.uk row (Crime ID id, n > 0 bytes; source coordinates a, b; time t) a repeat of a row
 * staged from another source: same Crime ID, time and coordinates? 1: counted under
 * SM_FILTER_DUPLICATE, the caller drops it; 0: remembered as the next staged row, the caller pushes it;
 * -1: out of memory (message set). Rows with an empty Crime ID are never repeats. */
int sm__reader_repeat(sm_reader *r, size_t src, uint64_t row, const char *id, size_t n, double a, double b, int64_t t);
/* Registers a time resolution seen. */
static inline void sm__reader_saw_time(sm_reader *r, sm_time_res res) { r->res_seen[res]++; }

/* Normalised CRS (cached across sources); *out malloc'd. */
sm_status sm__reader_crs(sm_reader *r, const char *crs, char **out);

/* Repeated values (police.uk: one month per file, few categories) skip the
 * parse or hash: remember the last one. */
typedef struct sm_time_cache {
  struct {
    char s[24];
    uint8_t n;
    sm_time_res res;
    int64_t t;
  } e[64]; /* direct-mapped by a hash of the text; n == 0: empty */
} sm_time_cache;

static inline sm_status sm__time_parse_cached(sm_time_cache *c, const char *s, size_t n, int64_t *t, sm_time_res *res) {
  if (n >= sizeof c->e[0].s) return sm_time_parse(s, n, t, res);
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  h &= 63;
  if (c->e[h].n == n && memcmp(s, c->e[h].s, n) == 0) {
    *t = c->e[h].t;
    *res = c->e[h].res;
    return SM_OK;
  }
  sm_status st = sm_time_parse(s, n, t, res);
  if (!st) {
    memcpy(c->e[h].s, s, n);
    c->e[h].n = (uint8_t)n;
    c->e[h].t = *t;
    c->e[h].res = *res;
  }
  return st;
}

typedef struct sm_intern_cache {
  char s[64];
  size_t n;
  int32_t idx;
  int valid;
} sm_intern_cache;

static inline int32_t sm__intern_cached(sm_intern_cache *c, sm_strtab *t, const char *s, size_t n) {
  if (c->valid && n == c->n && memcmp(s, c->s, n) == 0) return c->idx;
  int32_t idx = sm__strtab_intern(t, s, n);
  if (idx >= 0 && n < sizeof c->s) {
    memcpy(c->s, s, n);
    c->n = n;
    c->idx = idx;
    c->valid = 1;
  }
  return idx;
}

/* Interns a row's category (n = 0: none) and applies the category filter.
 * Returns 1 to keep the row, 0 when the filter left it out (counted), -1 out
 * of memory (message set). */
static inline int sm__reader_category(sm_reader *r, sm_intern_cache *cc, const char *s, size_t n, int32_t *cat) {
  *cat = -1;
  const char *nul = n ? memchr(s, '\0', n) : NULL; /* a NUL byte in the field ends the name, as it would in C */
  if (nul) n = (size_t)(nul - s);
  if (n && (*cat = sm__intern_cached(cc, &r->p->cats, s, n)) < 0) {
    sm__error(r->ctx, SM_E_NOMEM, "out of memory");
    return -1;
  }
  if (sm__reader_keep_category(r, *cat)) return 1;
  r->p->filtered[SM_FILTER_TYPE]++;
  return 0;
}

sm_status sm__read_csv(sm_reader *r, size_t src);
/* sm_points_read with internal knobs (tune may be NULL). */
sm_status sm__points_read_tuned(sm_ctx *ctx, sm_points **out, const char *const *sources, size_t n_sources,
                                const sm_read_options *opts, const sm_read_tuning *tune);
sm_status sm__read_ogr(sm_reader *r, size_t src);

/* Column-name detection helpers. */
int sm__name_in(const char *name, size_t len, const char *const *candidates);

#endif
