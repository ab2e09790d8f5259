/* sm_layer: column-wise features + metadata. */
#include "internal/meta.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <string.h>

typedef struct col {
  char *name;
  sm_field_type type;
  int64_t *i;
  double *d;
  char **s;             /* rows point into the pool: long tables repeat few strings (months, ward names) */
  unsigned char *null;
  char **pool;          /* the column's distinct strings, an open-addressing hash set (owned) */
  size_t pool_cap, pool_n;
} col;

static uint64_t str_hash(const char *v) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (const unsigned char *c = (const unsigned char *)v; *c; c++) h = (h ^ *c) * 1099511628211ull;
  return h;
}

/* The pooled copy of v (added when new), NULL when out of memory. */
static char *intern(col *k, const char *v) {
  if (k->pool_n * 2 >= k->pool_cap) { /* grow to keep the load at most 1/2 */
    size_t nc = k->pool_cap ? 2 * k->pool_cap : 64;
    char **np = sm__calloc(nc, sizeof *np);
    if (!np) return NULL;
    for (size_t q = 0; q < k->pool_cap; q++)
      if (k->pool[q]) {
        size_t h = (size_t)str_hash(k->pool[q]) & (nc - 1);
        while (np[h]) h = (h + 1) & (nc - 1);
        np[h] = k->pool[q];
      }
    sm__free(k->pool);
    k->pool = np, k->pool_cap = nc;
  }
  size_t h = (size_t)str_hash(v) & (k->pool_cap - 1);
  for (; k->pool[h]; h = (h + 1) & (k->pool_cap - 1))
    if (!strcmp(k->pool[h], v)) return k->pool[h];
  char *d = sm__strdup(v);
  if (d) k->pool[h] = d, k->pool_n++;
  return d;
}

struct sm_layer {
  char *name, *crs;
  sm_geom_type gt;
  size_t n, cap;
  unsigned char **wkb;
  size_t *wkb_n;
  col *cols;
  size_t ncols;
  sm__meta md;
};

sm_status sm_layer_create(sm_ctx *ctx, sm_layer **out, const char *name, sm_geom_type gt, const char *crs) {
  if (!out || !name || !*name) return sm__error(ctx, SM_E_INVALID_ARG, "sm_layer_create: name is required");
  *out = NULL;
  if (gt != SM_GEOM_NONE && !crs) return sm__error(ctx, SM_E_INVALID_ARG, "sm_layer_create: a CRS is required");
  sm_layer *l = sm__calloc(1, sizeof *l);
  if (!l) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  l->name = sm__strdup(name);
  l->crs = crs ? sm__strdup(crs) : NULL;
  l->gt = gt;
  if (!l->name || (crs && !l->crs)) {
    sm_layer_destroy(l);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  *out = l;
  return SM_OK;
}

void sm_layer_destroy(sm_layer *l) {
  if (!l) return;
  for (size_t r = 0; r < l->n; r++) sm__free(l->wkb ? l->wkb[r] : NULL);
  sm__free(l->wkb);
  sm__free(l->wkb_n);
  for (size_t c = 0; c < l->ncols; c++) {
    col *k = &l->cols[c];
    for (size_t q = 0; q < k->pool_cap; q++) sm__free(k->pool[q]);
    sm__free(k->pool);
    sm__free(k->s);
    sm__free(k->i);
    sm__free(k->d);
    sm__free(k->null);
    sm__free(k->name);
  }
  sm__free(l->cols);
  sm__meta_free(&l->md);
  sm__free(l->name);
  sm__free(l->crs);
  sm__free(l);
}

/* Room for cap rows in a column; rows n..cap null (set here when init, else by the caller). */
static int col_alloc_init(col *k, size_t cap, size_t n, int init) {
  void *q;
  if (!(q = sm__realloc(k->null, cap))) return -1;
  k->null = q;
  if (init) memset(k->null + n, 1, cap - n);
  switch (k->type) {
  case SM_FIELD_INT64:
    if (!(q = sm__realloc(k->i, cap * sizeof *k->i))) return -1;
    k->i = q;
    break;
  case SM_FIELD_DOUBLE:
    if (!(q = sm__realloc(k->d, cap * sizeof *k->d))) return -1;
    k->d = q;
    break;
  case SM_FIELD_STRING:
    if (!(q = sm__realloc(k->s, cap * sizeof *k->s))) return -1;
    k->s = q;
    if (init) memset(k->s + n, 0, (cap - n) * sizeof *k->s);
    break;
  }
  return 0;
}

long sm_layer_field_index(const sm_layer *l, const char *name) {
  if (!l || !name) return -1;
  for (size_t c = 0; c < l->ncols; c++)
    if (sm__strcaseeq(l->cols[c].name, name)) return (long)c;
  return -1;
}

sm_status sm_layer_add_field(sm_ctx *ctx, sm_layer *l, const char *name, sm_field_type type, size_t *index_out) {
  if (!l || !name || !*name) return sm__error(ctx, SM_E_INVALID_ARG, "sm_layer_add_field: name is required");
  if (type != SM_FIELD_INT64 && type != SM_FIELD_DOUBLE && type != SM_FIELD_STRING)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_layer_add_field: unknown type %d", (int)type);
  if (sm_layer_field_index(l, name) >= 0)
    return sm__error(ctx, SM_E_INVALID_ARG, "layer '%s' already has a column '%s'", l->name, name);
  col *cols = sm__realloc(l->cols, (l->ncols + 1) * sizeof *cols);
  if (!cols) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  l->cols = cols;
  col *k = &cols[l->ncols];
  memset(k, 0, sizeof *k);
  k->type = type;
  if (!(k->name = sm__strdup(name)) || col_alloc_init(k, l->cap ? l->cap : 1, 0, 1)) {
    sm__free(k->name);
    sm__free(k->null);
    sm__free(k->i);
    sm__free(k->d);
    sm__free(k->s);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  if (index_out) *index_out = l->ncols;
  l->ncols++;
  return SM_OK;
}

/* Room for cap rows; the new ones null when init (else the caller makes them so, before l->cap says they exist). */
static sm_status grow_rows(sm_ctx *ctx, sm_layer *l, size_t cap, int init) {
  void *q = sm__realloc(l->wkb, cap * sizeof *l->wkb);
  if (!q) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  l->wkb = q;
  if (!(q = sm__realloc(l->wkb_n, cap * sizeof *l->wkb_n))) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  l->wkb_n = q;
  for (size_t c = 0; c < l->ncols; c++)
    if (col_alloc_init(&l->cols[c], cap, l->n, init)) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (init) l->cap = cap;
  return SM_OK;
}

sm_status sm__layer_reserve(sm_ctx *ctx, sm_layer *l, size_t rows) {
  if (!l) return sm__error(ctx, SM_E_INVALID_ARG, "sm__layer_reserve: layer is NULL");
  if (rows <= l->cap) return SM_OK;
  sm_status st = grow_rows(ctx, l, rows, 0);
  if (st) return st;
  /* The new rows made null on the threads: the first writes to fresh memory, the page faults, shared among them
   * (on some virtual machines a page's first touch costs microseconds). */
  size_t n0 = l->n, ncols = l->ncols;
  col *cols = l->cols;
  unsigned char **wkb = l->wkb;
  size_t *wkb_n = l->wkb_n;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static) if (rows - n0 >= 65536)
#endif
  for (size_t r = n0; r < rows; r++) {
    wkb[r] = NULL, wkb_n[r] = 0;
    for (size_t c = 0; c < ncols; c++) {
      cols[c].null[r] = 1;
      if (cols[c].type == SM_FIELD_INT64) cols[c].i[r] = 0;
      else if (cols[c].type == SM_FIELD_DOUBLE) cols[c].d[r] = 0;
      else cols[c].s[r] = NULL;
    }
  }
  l->cap = rows;
  return SM_OK;
}

sm_status sm__layer_add_rows(sm_ctx *ctx, sm_layer *l, size_t n) {
  if (!l) return sm__error(ctx, SM_E_INVALID_ARG, "sm__layer_add_rows: layer is NULL");
  if (n > SIZE_MAX - l->n) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm_status st = sm__layer_reserve(ctx, l, l->n + n); /* the rows past n are NULL already */
  if (st) return st;
  l->n += n;
  return SM_OK;
}

sm_status sm_layer_add_feature(sm_ctx *ctx, sm_layer *l, const unsigned char *wkb, size_t wkb_size, size_t *row_out) {
  if (!l) return sm__error(ctx, SM_E_INVALID_ARG, "sm_layer_add_feature: layer is NULL");
  if (wkb && !wkb_size) return sm__error(ctx, SM_E_INVALID_ARG, "sm_layer_add_feature: empty WKB");
  if (l->n == l->cap) {
    sm_status st = grow_rows(ctx, l, l->cap ? l->cap * 2 : 64, 1);
    if (st) return st;
  }
  unsigned char *g = NULL;
  if (wkb) {
    if (!(g = sm__malloc(wkb_size))) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    memcpy(g, wkb, wkb_size);
  }
  l->wkb[l->n] = g;
  l->wkb_n[l->n] = wkb ? wkb_size : 0;
  for (size_t c = 0; c < l->ncols; c++) {
    l->cols[c].null[l->n] = 1;
    if (l->cols[c].s) l->cols[c].s[l->n] = NULL;
  }
  if (row_out) *row_out = l->n;
  l->n++;
  return SM_OK;
}

static col *cell(sm_ctx *ctx, sm_layer *l, size_t row, size_t field, sm_field_type type, sm_status *st) {
  if (!l || row >= l->n || field >= l->ncols || l->cols[field].type != type) {
    *st = sm__error(ctx, SM_E_INVALID_ARG, "layer '%s': no %s cell at row %zu, column %zu", l ? l->name : "?",
                    type == SM_FIELD_INT64 ? "integer" : type == SM_FIELD_DOUBLE ? "real" : "text", row, field);
    return NULL;
  }
  *st = SM_OK;
  return &l->cols[field];
}

sm_status sm_layer_set_int(sm_ctx *ctx, sm_layer *l, size_t row, size_t field, int64_t v) {
  sm_status st;
  col *k = cell(ctx, l, row, field, SM_FIELD_INT64, &st);
  if (!k) return st;
  k->i[row] = v;
  k->null[row] = 0;
  return SM_OK;
}

sm_status sm_layer_set_double(sm_ctx *ctx, sm_layer *l, size_t row, size_t field, double v) {
  sm_status st;
  col *k = cell(ctx, l, row, field, SM_FIELD_DOUBLE, &st);
  if (!k) return st;
  k->d[row] = v;
  k->null[row] = 0;
  return SM_OK;
}

sm_status sm_layer_set_string(sm_ctx *ctx, sm_layer *l, size_t row, size_t field, const char *v) {
  sm_status st;
  col *k = cell(ctx, l, row, field, SM_FIELD_STRING, &st);
  if (!k) return st;
  char *d = NULL;
  if (v && !(d = intern(k, v))) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  k->s[row] = d;
  k->null[row] = v == NULL;
  return SM_OK;
}

void sm__layer_string_as(sm_layer *l, size_t row, size_t field, size_t from) {
  col *k = &l->cols[field];
  k->s[row] = k->s[from];
  k->null[row] = k->null[from];
}

sm_status sm_layer_set_metadata(sm_ctx *ctx, sm_layer *l, const char *key, const char *value) {
  return sm__meta_set(ctx, l ? &l->md : NULL, key, value, "sm_layer_set_metadata");
}

const char *sm_layer_name(const sm_layer *l) { return l ? l->name : NULL; }
const char *sm_layer_crs(const sm_layer *l) { return l ? l->crs : NULL; }
sm_geom_type sm_layer_geom_type(const sm_layer *l) { return l ? l->gt : SM_GEOM_NONE; }
size_t sm_layer_feature_count(const sm_layer *l) { return l ? l->n : 0; }
size_t sm_layer_field_count(const sm_layer *l) { return l ? l->ncols : 0; }
const char *sm_layer_field_name(const sm_layer *l, size_t f) { return l && f < l->ncols ? l->cols[f].name : NULL; }
sm_field_type sm_layer_field_type(const sm_layer *l, size_t f) {
  return l && f < l->ncols ? l->cols[f].type : SM_FIELD_STRING;
}
sm_status sm__layer_whole_to_int(sm_ctx *ctx, sm_layer *l, size_t f) {
  if (!l || f >= l->ncols) return sm__error(ctx, SM_E_INVALID_ARG, "sm__layer_whole_to_int: no field %zu", f);
  col *k = &l->cols[f];
  if (k->type != SM_FIELD_DOUBLE) return SM_OK;
  for (size_t r = 0; r < l->n; r++)
    if (!k->null[r] && !(fabs(k->d[r]) <= 9007199254740992.0 && k->d[r] == floor(k->d[r]))) return SM_OK;
  _Static_assert(sizeof(double) == 8 && sizeof(int64_t) == 8, "a double's bytes hold an int64");
  /* in place: an int64 in each double's 8 bytes */
  unsigned char *b = (unsigned char *)k->d;
  for (size_t r = 0; r < l->n; r++) {
    double d;
    memcpy(&d, b + 8 * r, 8);
    int64_t v = k->null[r] ? 0 : (int64_t)d;
    memcpy(b + 8 * r, &v, 8);
  }
  k->i = (int64_t *)(void *)b, k->d = NULL, k->type = SM_FIELD_INT64;
  return SM_OK;
}

void sm__layer_column(const sm_layer *l, size_t f, sm_layer_col *out) {
  const col *k = &l->cols[f];
  out->type = k->type;
  out->null = k->null;
  out->i = k->i;
  out->d = k->d;
  out->s = k->s;
}
const int64_t *sm_layer_column_int(const sm_layer *l, size_t f) {
  return l && f < l->ncols && l->n && l->cols[f].type == SM_FIELD_INT64 ? l->cols[f].i : NULL;
}
const double *sm_layer_column_double(const sm_layer *l, size_t f) {
  return l && f < l->ncols && l->n && l->cols[f].type == SM_FIELD_DOUBLE ? l->cols[f].d : NULL;
}
const unsigned char *sm_layer_column_null(const sm_layer *l, size_t f) {
  return l && f < l->ncols && l->n ? l->cols[f].null : NULL;
}
int sm_layer_is_null(const sm_layer *l, size_t r, size_t f) {
  return !l || r >= l->n || f >= l->ncols || l->cols[f].null[r];
}
int64_t sm_layer_get_int(const sm_layer *l, size_t r, size_t f) {
  if (sm_layer_is_null(l, r, f) || l->cols[f].type != SM_FIELD_INT64) return 0;
  return l->cols[f].i[r];
}
double sm_layer_get_double(const sm_layer *l, size_t r, size_t f) {
  if (sm_layer_is_null(l, r, f) || l->cols[f].type == SM_FIELD_STRING) return NAN;
  return l->cols[f].type == SM_FIELD_INT64 ? (double)l->cols[f].i[r] : l->cols[f].d[r];
}
const char *sm_layer_get_string(const sm_layer *l, size_t r, size_t f) {
  if (sm_layer_is_null(l, r, f) || l->cols[f].type != SM_FIELD_STRING) return NULL;
  return l->cols[f].s[r];
}
const unsigned char *sm_layer_get_wkb(const sm_layer *l, size_t r, size_t *size_out) {
  if (!l || r >= l->n) return NULL;
  if (size_out) *size_out = l->wkb_n[r];
  return l->wkb[r];
}
size_t sm_layer_metadata_count(const sm_layer *l) { return l ? l->md.n : 0; }
const char *sm_layer_metadata_key(const sm_layer *l, size_t i) { return l && i < l->md.n ? l->md.key[i] : NULL; }
const char *sm_layer_metadata_value(const sm_layer *l, size_t i) { return l && i < l->md.n ? l->md.value[i] : NULL; }
const char *sm_layer_metadata_get(const sm_layer *l, const char *key) {
  return l ? sm__meta_get(&l->md, key) : NULL;
}

sm_status sm__layer_rename(sm_ctx *ctx, sm_layer *l, const char *name) {
  if (!l || !name || !*name) return sm__error(ctx, SM_E_INVALID_ARG, "sm__layer_rename: no name");
  char *n = sm__strdup(name);
  if (!n) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm__free(l->name);
  l->name = n;
  return SM_OK;
}
