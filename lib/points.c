/* sm_points: storage, accessors, stacking summary. */
#include "internal/limits.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const bad_names[SM_BAD_REASON_END_] = {
    "no coordinates",        "not a number",         "NaN or infinite coordinate",
    "lat/lon out of range",  "lat/lon swapped",      "outside the CRS's area of use",
    "unparseable time",      "bad weight",           "not a point geometry",
    "no time",               "too few fields",
};
static const char *const filter_names[SM_FILTER_REASON_END_] = {"category", "time range", "extent", "duplicate"};

const char *sm_bad_reason_str(sm_bad_reason r) {
  return ((int)r >= 0 && r < SM_BAD_REASON_END_) ? bad_names[r] : "unknown reason";
}
const char *sm_filter_reason_str(sm_filter_reason r) {
  return ((int)r >= 0 && r < SM_FILTER_REASON_END_) ? filter_names[r] : "unknown filter";
}

sm_status sm__points_alloc(sm_ctx *ctx, sm_points **out) {
  sm_points *p = sm__calloc(1, sizeof *p);
  if (!p) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm__strtab_init(&p->cats);
  sm__strtab_init(&p->labels);
  *out = p;
  return SM_OK;
}

sm_status sm__points_reserve(sm_ctx *ctx, sm_points *p, size_t need, int with_lonlat, int with_label) {
  if (need <= p->cap && (!with_lonlat || p->lon) && (!with_label || p->label)) return SM_OK;
  size_t cap = p->cap ? p->cap : 1024;
  while (cap < need) cap *= 2;
  /* the memory limit, before the arrays grow (a national read that cannot fit stops here, not at the end) */
  double per = 2 * sizeof(double) + sizeof(int64_t) + sizeof(double) + sizeof(int32_t) +
               ((with_lonlat || p->lon) ? 2 * sizeof(double) : 0) + ((with_label || p->label) ? sizeof(int32_t) : 0);
  {
    char what[160];
    snprintf(what, sizeof what, "holding the points (%zu read so far, room for %zu more)", p->n, cap - p->n);
    sm_status st = sm__memory_check(ctx, (double)cap * per, what,
                                    "read fewer (--from/--to, --type, --extent or fewer files)");
    if (st) return st;
  }
#define GROW(f)                                                     \
  do {                                                              \
    void *q = sm__realloc(p->f, cap * sizeof *p->f);                \
    if (!q) return sm__error(ctx, SM_E_NOMEM, "out of memory");      \
    p->f = q;                                                       \
  } while (0)
  GROW(x);
  GROW(y);
  GROW(t);
  GROW(w);
  GROW(cat);
  if (with_lonlat || p->lon) {
    GROW(lon);
    GROW(lat);
  }
  if (with_label || p->label) {
    int fresh = p->label == NULL;
    GROW(label);
    if (fresh)
      for (size_t i = 0; i < p->n; i++) p->label[i] = -1;
  }
#undef GROW
  p->cap = cap;
  return SM_OK;
}

void sm_points_destroy(sm_points *p) {
  if (!p) return;
  sm__free(p->x);
  sm__free(p->y);
  sm__free(p->lon);
  sm__free(p->lat);
  sm__free(p->t);
  sm__free(p->w);
  sm__free(p->cat);
  sm__free(p->label);
  sm__strtab_free(&p->cats);
  sm__strtab_free(&p->labels);
  sm__free(p->crs);
  sm__free(p->input_crs);
  sm__free(p->sources);
  sm__free(p->warnings);
  for (int r = 0; r < SM_BAD_REASON_END_; r++)
    for (size_t i = 0; i < p->n_examples[r]; i++) sm__free(p->examples[r][i]);
  sm__free(p);
}

sm_status sm_points_create(sm_ctx *ctx, sm_points **out, const char *crs, size_t n, const double *x,
                           const double *y, const int64_t *time, const double *weight) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_points_create: out is NULL");
  *out = NULL;
  if (!crs || !x || !y) return sm__error(ctx, SM_E_INVALID_ARG, "sm_points_create: crs, x and y are required");
  if (n == 0) return sm__error(ctx, SM_E_INVALID_ARG, "sm_points_create: no points");
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]) || !isfinite(y[i]))
      return sm__error(ctx, SM_E_INVALID_ARG, "sm_points_create: point %zu has a non-finite coordinate", i);
    if (weight && (!isfinite(weight[i]) || weight[i] < 0))
      return sm__error(ctx, SM_E_INVALID_ARG, "sm_points_create: point %zu has weight %g", i, weight[i]);
  }
  char *norm = NULL;
  sm_status st = sm__crs_normalise(ctx, crs, &norm);
  if (st) return st;
  sm_points *p = NULL;
  if ((st = sm__points_alloc(ctx, &p))) {
    sm__free(norm);
    return st;
  }
  p->crs = norm;
  p->input_crs = sm__strdup(norm);
  if (!p->input_crs || (st = sm__points_reserve(ctx, p, n, 0, 0))) {
    sm_points_destroy(p);
    return st ? st : sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  memcpy(p->x, x, n * sizeof *x);
  memcpy(p->y, y, n * sizeof *y);
  p->time_res = time ? SM_TIME_SECOND : SM_TIME_NONE;
  for (size_t i = 0; i < n; i++) {
    p->t[i] = time ? time[i] : SM_TIME_MISSING;
    p->w[i] = weight ? weight[i] : 1.0;
    p->cat[i] = -1;
  }
  p->n = n;
  p->rows_read = n;
  *out = p;
  return SM_OK;
}

size_t sm_points_count(const sm_points *p) { return p ? p->n : 0; }
const double *sm_points_x(const sm_points *p) { return p ? p->x : NULL; }
const double *sm_points_y(const sm_points *p) { return p ? p->y : NULL; }
const double *sm_points_lon(const sm_points *p) { return p ? p->lon : NULL; }
const double *sm_points_lat(const sm_points *p) { return p ? p->lat : NULL; }
const int64_t *sm_points_time(const sm_points *p) { return p ? p->t : NULL; }
const double *sm_points_weight(const sm_points *p) { return p ? p->w : NULL; }
const int32_t *sm_points_category(const sm_points *p) { return p ? p->cat : NULL; }
size_t sm_points_category_count(const sm_points *p) { return p ? p->cats.n : 0; }
const char *sm_points_category_name(const sm_points *p, size_t i) {
  return p && i < p->cats.n ? p->cats.strs[i] : NULL;
}
const char *sm_points_label(const sm_points *p, size_t i) {
  if (!p || !p->label || i >= p->n || p->label[i] < 0) return NULL;
  return p->labels.strs[p->label[i]];
}
const char *sm_points_crs(const sm_points *p) { return p ? p->crs : NULL; }
const char *sm_points_input_crs(const sm_points *p) { return p ? p->input_crs : NULL; }
sm_time_res sm_points_time_resolution(const sm_points *p) { return p ? p->time_res : SM_TIME_NONE; }
int sm_points_is_policeuk(const sm_points *p) { return p ? p->policeuk : 0; }
size_t sm_points_source_count(const sm_points *p) { return p ? p->n_sources : 0; }
uint64_t sm_points_rows_read(const sm_points *p) { return p ? p->rows_read : 0; }
uint64_t sm_points_rows_bad(const sm_points *p, sm_bad_reason r) {
  return p && (int)r >= 0 && r < SM_BAD_REASON_END_ ? p->bad[r] : 0;
}
uint64_t sm_points_rows_filtered(const sm_points *p, sm_filter_reason r) {
  return p && (int)r >= 0 && r < SM_FILTER_REASON_END_ ? p->filtered[r] : 0;
}
size_t sm_points_bad_example_count(const sm_points *p, sm_bad_reason r) {
  return p && (int)r >= 0 && r < SM_BAD_REASON_END_ ? p->n_examples[r] : 0;
}
const char *sm_points_bad_example(const sm_points *p, sm_bad_reason r, size_t i) {
  if (!p || (int)r < 0 || r >= SM_BAD_REASON_END_ || i >= p->n_examples[r]) return NULL;
  return p->examples[r][i];
}
const char *sm_points_warnings(const sm_points *p) { return p ? p->warnings : NULL; }

sm_status sm__points_warn(sm_ctx *ctx, sm_points *p, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sm__log(ctx, SM_LOG_WARNING, "%s", msg);
  char *all = p->warnings ? sm__asprintf("%s; %s", p->warnings, msg) : sm__strdup(msg);
  if (!all) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm__free(p->warnings);
  p->warnings = all;
  return SM_OK;
}

/* ---- stacking --------------------------------------------------------------- */
typedef struct {
  double x, y;
  size_t i;
} xy_idx;

static int cmp_xy(const void *a, const void *b) {
  const xy_idx *p = a, *q = b;
  if (p->x != q->x) return p->x < q->x ? -1 : 1;
  if (p->y != q->y) return p->y < q->y ? -1 : 1;
  return p->i < q->i ? -1 : (p->i > q->i);
}

typedef struct {
  size_t first, count;
} loc_run;

static int cmp_run(const void *a, const void *b) {
  const loc_run *r = a, *s = b;
  if (r->count != s->count) return r->count > s->count ? -1 : 1;
  return r->first < s->first ? -1 : (r->first > s->first);
}

sm_status sm_points_stacking(sm_ctx *ctx, const sm_points *p, sm_stacking *out, size_t max_top,
                             size_t *top_point, size_t *top_count) {
  if (!p || !out || (max_top && (!top_point || !top_count)))
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_points_stacking: NULL argument");
  memset(out, 0, sizeof *out);
  if (p->n == 0) return SM_OK;
  xy_idx *idx = sm__malloc(p->n * sizeof *idx);
  if (!idx) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < p->n; i++) idx[i] = (xy_idx){p->x[i], p->y[i], i};
  qsort(idx, p->n, sizeof *idx, cmp_xy);
  loc_run *runs = sm__malloc(p->n * sizeof *runs);
  if (!runs) {
    sm__free(idx);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  size_t nr = 0;
  for (size_t i = 0; i < p->n;) {
    size_t j = i + 1;
    while (j < p->n && idx[j].x == idx[i].x && idx[j].y == idx[i].y) j++;
    runs[nr].first = idx[i].i; /* smallest index: sorted by index within ties */
    runs[nr].count = j - i;
    if (j - i > 1) out->n_stacked_locations++;
    nr++;
    i = j;
  }
  out->n_locations = nr;
  if (max_top) {
    qsort(runs, nr, sizeof *runs, cmp_run);
    size_t k = nr < max_top ? nr : max_top;
    for (size_t i = 0; i < k; i++) {
      top_point[i] = runs[i].first;
      top_count[i] = runs[i].count;
    }
    out->n_top = k;
  }
  sm__free(runs);
  sm__free(idx);
  return SM_OK;
}
