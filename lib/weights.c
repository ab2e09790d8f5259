/* Sparse spatial weights (CSR), built through a uniform grid index. */
#include "internal/limits.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Binary distance-band weights on a square grid, held as the offsets of a stencil (internal/weights.h). */
typedef struct stencil_ofs {
  long dx, dy; /* cell offset: columns, rows */
  int check;   /* 1: the centres' distance is within a hair of the band: compared per pair, as the CSR builder does */
} stencil_ofs;

typedef struct stencil {
  size_t nx, ny;          /* the grid */
  const int32_t *unit_of; /* cell -> unit or -1 (borrowed) */
  const size_t *cellno;   /* unit -> cell (borrowed) */
  const double *x, *y;    /* unit centres (borrowed) */
  double b2;              /* band² */
  int self;               /* each unit its own neighbour (self_weight) */
  double self_weight;
  size_t nofs;
  stencil_ofs ofs[SM__STENCIL_MAX]; /* by row offset, then column offset: increasing unit index */
} stencil;

struct sm_weights {
  size_t n;
  size_t *off; /* n + 1 */
  size_t *col;
  double *val;
  unsigned char *self;
  stencil *st; /* implicit weights (off, col, val and self NULL) */
};

void sm_weights_destroy(sm_weights *w) {
  if (!w) return;
  sm__free(w->off);
  sm__free(w->col);
  sm__free(w->val);
  sm__free(w->self);
  sm__free(w->st);
  sm__free(w);
}

/* Row i of stencil weights into idx/wt (at least SM__STENCIL_MAX each; either may be NULL): the units whose cell is
 * at one of the offsets, in increasing index (the cells are numbered row by row and the units keep their order),
 * those compared per pair kept as sm_weights_distance_band keeps them. Returns the row's length. */
static size_t stencil_row(const stencil *s, size_t i, size_t *idx, double *wt) {
  size_t c = s->cellno[i], cx = c % s->nx, cy = c / s->nx, k = 0;
  for (size_t q = 0; q < s->nofs; q++) {
    const stencil_ofs *o = &s->ofs[q];
    long gx = (long)cx + o->dx, gy = (long)cy + o->dy;
    if (gx < 0 || gy < 0 || gx >= (long)s->nx || gy >= (long)s->ny) continue;
    int32_t j = s->unit_of[(size_t)gy * s->nx + (size_t)gx];
    if (j < 0) continue;
    if ((size_t)j == i) {
      if (!s->self) continue;
      if (idx) idx[k] = i;
      if (wt) wt[k] = s->self_weight;
      k++;
      continue;
    }
    if (o->check) {
      double ddx = s->x[j] - s->x[i], ddy = s->y[j] - s->y[i];
      if (ddx * ddx + ddy * ddy > s->b2) continue;
    }
    if (idx) idx[k] = (size_t)j;
    if (wt) wt[k] = 1.0;
    k++;
  }
  return k;
}

size_t sm_weights_count(const sm_weights *w) { return w ? w->n : 0; }
size_t sm_weights_neighbours(const sm_weights *w, size_t i) {
  if (!w || i >= w->n) return 0;
  return w->st ? stencil_row(w->st, i, NULL, NULL) : w->off[i + 1] - w->off[i];
}
int sm_weights_has_self(const sm_weights *w, size_t i) {
  return w && i < w->n && (w->st ? w->st->self : w->self[i]);
}

size_t sm__weights_row_get(const sm_weights *w, size_t i, size_t *ibuf, double *wbuf, const size_t **index,
                           const double **weight) {
  if (w->st) {
    size_t k = stencil_row(w->st, i, ibuf, wbuf);
    *index = ibuf, *weight = wbuf;
    return k;
  }
  *index = w->col + w->off[i];
  *weight = w->val + w->off[i];
  return w->off[i + 1] - w->off[i];
}

size_t sm__weights_max_row(const sm_weights *w) {
  if (!w) return 0;
  if (w->st) return w->st->nofs;
  size_t m = 0;
  for (size_t i = 0; i < w->n; i++)
    if (w->off[i + 1] - w->off[i] > m) m = w->off[i + 1] - w->off[i];
  return m;
}

int sm__weights_is_stencil(const sm_weights *w) { return w && w->st; }

/* The row of stencil weights sm_weights_row() lends: one per thread, valid until that thread's next call. */
static _Thread_local size_t row_idx[SM__STENCIL_MAX];
static _Thread_local double row_wt[SM__STENCIL_MAX];

void sm_weights_row(const sm_weights *w, size_t i, const size_t **index, const double **weight) {
  if (w->st) {
    sm__weights_row_get(w, i, row_idx, row_wt, index, weight);
    return;
  }
  *index = w->col + w->off[i];
  *weight = w->val + w->off[i];
}

double sm__weights_at(const sm_weights *w, size_t j, size_t i) {
  if (w->st) { /* i in row j: the same offset test from j's side (the band is symmetric: (a - b)² = (b - a)²) */
    const stencil *s = w->st;
    if (i == j) return s->self ? s->self_weight : 0;
    size_t ci = s->cellno[i], cj = s->cellno[j];
    long dx = (long)(ci % s->nx) - (long)(cj % s->nx), dy = (long)(ci / s->nx) - (long)(cj / s->nx);
    for (size_t q = 0; q < s->nofs; q++)
      if (s->ofs[q].dx == dx && s->ofs[q].dy == dy) {
        if (!s->ofs[q].check) return 1.0;
        double ddx = s->x[i] - s->x[j], ddy = s->y[i] - s->y[j];
        return ddx * ddx + ddy * ddy > s->b2 ? 0 : 1.0;
      }
    return 0;
  }
  const size_t *idx = w->col + w->off[j];
  const double *wt = w->val + w->off[j];
  size_t lo = 0, hi = w->off[j + 1] - w->off[j], k = hi;
  while (lo < hi) {
    size_t m = (lo + hi) / 2;
    if (idx[m] < i) lo = m + 1;
    else hi = m;
  }
  return lo < k && idx[lo] == i ? wt[lo] : 0;
}

sm_status sm__weights_stencil(sm_ctx *ctx, sm_weights **out, size_t n, size_t nx, size_t ny, const int32_t *unit_of,
                              const size_t *cellno, const double *x, const double *y, double cell_m, double band_m,
                              int self, double self_weight) {
  *out = NULL;
  if (!(band_m > 0) || !isfinite(band_m) || !(cell_m > 0) || !isfinite(cell_m))
    return sm__error(ctx, SM_E_INVALID_ARG, "stencil weights: band %g m, cell %g m", band_m, cell_m);
  stencil *s = sm__calloc(1, sizeof *s);
  sm_weights *w = sm__calloc(1, sizeof *w);
  if (!s || !w) {
    sm__free(s), sm__free(w);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  s->nx = nx, s->ny = ny, s->unit_of = unit_of, s->cellno = cellno, s->x = x, s->y = y, s->b2 = band_m * band_m;
  s->self = self != 0, s->self_weight = self_weight;
  /* every offset whose centres can be within the band; those within a hair of it (relative 1e-6 of band²: far
   * more than the rounding of centre differences) are compared per pair */
  double r = band_m / cell_m;
  long R = (long)floor(r * (1 + 1e-6)) + 1;
  size_t m = 0;
  for (long dy = -R; dy <= R; dy++)
    for (long dx = -R; dx <= R; dx++) {
      double d2 = ((double)dx * cell_m) * ((double)dx * cell_m) + ((double)dy * cell_m) * ((double)dy * cell_m);
      if (d2 > s->b2 * (1 + 1e-6) && (dx || dy)) continue;
      if (m == SM__STENCIL_MAX) {
        sm__free(s), sm__free(w);
        return sm__error(ctx, SM_E_INVALID_ARG, "stencil weights: a band of %g cells has more than %d neighbours", r,
                         SM__STENCIL_MAX);
      }
      s->ofs[m++] = (stencil_ofs){dx, dy, (dx || dy) && d2 >= s->b2 * (1 - 1e-6)};
    }
  s->nofs = m;
  w->n = n, w->st = s;
  *out = w;
  return SM_OK;
}

sm_status sm_weights_row_standardise(sm_ctx *ctx, sm_weights *w) {
  if (!w) return sm__error(ctx, SM_E_INVALID_ARG, "sm_weights_row_standardise: NULL");
  if (w->st) return sm__error(ctx, SM_E_INVALID_ARG, "sm_weights_row_standardise: stencil weights are binary");
  for (size_t i = 0; i < w->n; i++) {
    double s = 0;
    for (size_t k = w->off[i]; k < w->off[i + 1]; k++) s += w->val[k];
    if (s > 0)
      for (size_t k = w->off[i]; k < w->off[i + 1]; k++) w->val[k] /= s;
  }
  return SM_OK;
}

static int cmp_size(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return (x > y) - (x < y);
}

/* A row's indices in order: rows are short and come as a few sorted runs (one per grid bin), where an
 * insertion sort beats qsort's calls through a pointer. */
static void sort_row(size_t *c, size_t m) {
  if (m > 64) {
    qsort(c, m, sizeof *c, cmp_size);
    return;
  }
  for (size_t a = 1; a < m; a++) {
    size_t v = c[a], b = a;
    for (; b > 0 && c[b - 1] > v; b--) c[b] = c[b - 1];
    c[b] = v;
  }
}

sm_status sm__weights_from_csr(sm_ctx *ctx, sm_weights **out, size_t n, size_t *off, size_t *col, double *val,
                               unsigned char *self) {
  sm_weights *w = sm__calloc(1, sizeof *w);
  if (!w) {
    sm__free(off), sm__free(col), sm__free(val), sm__free(self);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  w->n = n, w->off = off, w->col = col, w->val = val, w->self = self;
  *out = w;
  return SM_OK;
}

sm_status sm_weights_subset(sm_ctx *ctx, sm_weights **out, const sm_weights *w, const unsigned char *keep) {
  if (!out || !w || !keep) return sm__error(ctx, SM_E_INVALID_ARG, "sm_weights_subset: NULL argument");
  *out = NULL;
  if (w->st) return sm__error(ctx, SM_E_INVALID_ARG, "sm_weights_subset: not for stencil weights");
  size_t n = w->n, m = 0, e = 0;
  size_t *newi = sm__malloc((n ? n : 1) * sizeof *newi);
  if (!newi) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) newi[i] = keep[i] ? m++ : (size_t)-1;
  for (size_t i = 0; i < n; i++)
    if (keep[i])
      for (size_t q = w->off[i]; q < w->off[i + 1]; q++) e += keep[w->col[q]] != 0;
  sm_weights *v = sm__calloc(1, sizeof *v);
  if (v) {
    v->n = m;
    v->off = sm__malloc((m + 1) * sizeof *v->off);
    v->self = sm__calloc(m ? m : 1, 1);
    v->col = sm__malloc((e ? e : 1) * sizeof *v->col);
    v->val = sm__malloc((e ? e : 1) * sizeof *v->val);
  }
  if (!v || !v->off || !v->self || !v->col || !v->val) {
    sm__free(newi);
    sm_weights_destroy(v);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  size_t k = 0, r = 0;
  v->off[0] = 0;
  for (size_t i = 0; i < n; i++) {
    if (!keep[i]) continue;
    for (size_t q = w->off[i]; q < w->off[i + 1]; q++)
      if (keep[w->col[q]]) v->col[k] = newi[w->col[q]], v->val[k] = w->val[q], k++;
    v->self[r] = w->self[i];
    v->off[++r] = k;
  }
  sm__free(newi);
  *out = v;
  return SM_OK;
}

sm_status sm_weights_drop_self(sm_ctx *ctx, sm_weights **out, const sm_weights *w) {
  if (!out || !w) return sm__error(ctx, SM_E_INVALID_ARG, "sm_weights_drop_self: NULL argument");
  *out = NULL;
  if (w->st) { /* the same stencil without self */
    sm_weights *v = sm__calloc(1, sizeof *v);
    stencil *s = sm__malloc(sizeof *s);
    if (!v || !s) {
      sm__free(v), sm__free(s);
      return sm__error(ctx, SM_E_NOMEM, "out of memory");
    }
    *s = *w->st;
    s->self = 0, s->self_weight = 0;
    v->n = w->n, v->st = s;
    *out = v;
    return SM_OK;
  }
  size_t n = w->n, m = 0;
  for (size_t i = 0; i < n; i++) m += w->off[i + 1] - w->off[i] - (w->self[i] ? 1 : 0);
  sm_weights *v = sm__calloc(1, sizeof *v);
  if (v) {
    v->n = n;
    v->off = sm__malloc((n + 1) * sizeof *v->off);
    v->self = sm__calloc(n ? n : 1, 1);
    v->col = sm__malloc((m ? m : 1) * sizeof *v->col);
    v->val = sm__malloc((m ? m : 1) * sizeof *v->val);
  }
  if (!v || !v->off || !v->self || !v->col || !v->val) {
    sm_weights_destroy(v);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  size_t k = 0;
  v->off[0] = 0;
  for (size_t i = 0; i < n; i++) {
    for (size_t q = w->off[i]; q < w->off[i + 1]; q++)
      if (w->col[q] != i) v->col[k] = w->col[q], v->val[k] = w->val[q], k++;
    v->off[i + 1] = k;
  }
  *out = v;
  return SM_OK;
}

/* A uniform grid over the units: bin b holds units bunit[boff[b] .. boff[b+1]),
 * by increasing index; unit i is in bin[i]. */
typedef struct {
  double xmin, ymin, cs;
  size_t gw, gh, nb;
  size_t *boff, *bunit, *bin;
} grid_index;

static void grid_free(grid_index *g) { sm__free(g->boff), sm__free(g->bunit), sm__free(g->bin); }

/* The units' extent; SM_E_INVALID_ARG for a non-finite position. */
static sm_status units_extent(sm_ctx *ctx, size_t n, const double *x, const double *y, double e[4]) {
  e[0] = e[1] = INFINITY, e[2] = e[3] = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]) || !isfinite(y[i])) return sm__error(ctx, SM_E_INVALID_ARG, "unit %zu has a non-finite position", i);
    e[0] = fmin(e[0], x[i]), e[1] = fmin(e[1], y[i]), e[2] = fmax(e[2], x[i]), e[3] = fmax(e[3], y[i]);
  }
  return SM_OK;
}

/* Bins of side cs (at least 1/4096 of the extent); 0, or -1 when out of memory. */
static int grid_build(grid_index *g, size_t n, const double *x, const double *y, const double e[4], double cs) {
  memset(g, 0, sizeof *g);
  g->cs = fmax(cs, fmax(e[2] - e[0], e[3] - e[1]) / 4096);
  if (!(g->cs > 0)) g->cs = 1;
  g->xmin = e[0], g->ymin = e[1];
  g->gw = (size_t)((e[2] - e[0]) / g->cs) + 1, g->gh = (size_t)((e[3] - e[1]) / g->cs) + 1, g->nb = g->gw * g->gh;
  g->boff = sm__calloc(g->nb + 1, sizeof *g->boff);
  g->bunit = sm__malloc(n * sizeof *g->bunit);
  g->bin = sm__malloc(n * sizeof *g->bin);
  size_t *fill = sm__malloc(g->nb * sizeof *fill);
  if (!g->boff || !g->bunit || !g->bin || !fill) {
    sm__free(fill);
    grid_free(g);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    g->bin[i] = (size_t)((y[i] - g->ymin) / g->cs) * g->gw + (size_t)((x[i] - g->xmin) / g->cs);
    g->boff[g->bin[i] + 1]++;
  }
  for (size_t b = 0; b < g->nb; b++) g->boff[b + 1] += g->boff[b];
  memcpy(fill, g->boff, g->nb * sizeof *fill);
  for (size_t i = 0; i < n; i++) g->bunit[fill[g->bin[i]]++] = i; /* increasing i within a bin */
  sm__free(fill);
  return 0;
}

sm_status sm_weights_distance_band(sm_ctx *ctx, sm_weights **out, size_t n, const double *x, const double *y,
                                   double band_m, int self, double self_weight) {
  if (!out || !x || !y || n < 1) return sm__error(ctx, SM_E_INVALID_ARG, "sm_weights_distance_band: no units");
  *out = NULL;
  if (!(band_m > 0) || !isfinite(band_m))
    return sm__error(ctx, SM_E_INVALID_ARG, "the distance band must be > 0 metres, not %g", band_m);
  double e[4];
  sm_status est = units_extent(ctx, n, x, y, e);
  if (est) return est;
  grid_index g; /* bins of the band's size */
  sm_weights *w = sm__calloc(1, sizeof *w);
  if (w) {
    w->n = n;
    w->off = sm__calloc(n + 1, sizeof *w->off);
    w->self = sm__calloc(n, 1);
  }
  if (!w || !w->off || !w->self || grid_build(&g, n, x, y, e, band_m)) {
    sm_weights_destroy(w);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  size_t gw = g.gw, gh = g.gh, *boff = g.boff, *bunit = g.bunit, *bin = g.bin;
  double b2 = band_m * band_m;
  int nt = sm__threads(ctx);
  /* pass 1: counts; pass 2: fill rows, each sorted by index */
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1) {
      for (size_t i = 0; i < n; i++) w->off[i + 1] += w->off[i];
      char what[160];
      snprintf(what, sizeof what, "the table of distance-band weights of %zu units (%zu neighbour pairs within %g m)", n, w->off[n],
               band_m);
      sm_status mst = sm__memory_check(ctx, (double)w->off[n] * (sizeof *w->col + sizeof *w->val), what,
                                       "use a smaller --band, a larger --cell or a smaller --extent");
      if (mst) {
        grid_free(&g);
        sm_weights_destroy(w);
        return mst;
      }
      w->col = sm__malloc((w->off[n] ? w->off[n] : 1) * sizeof *w->col);
      w->val = sm__malloc((w->off[n] ? w->off[n] : 1) * sizeof *w->val);
      if (!w->col || !w->val) {
        size_t pairs = w->off[n];
        grid_free(&g);
        sm_weights_destroy(w);
        return sm__error(ctx, SM_E_NOMEM, "out of memory (%zu neighbour pairs)", pairs);
      }
    }
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 256)
#endif
    for (size_t i = 0; i < n; i++) {
      size_t bx = bin[i] % gw, by = bin[i] / gw, k = pass ? w->off[i] : 0, cnt = 0;
      for (long dy = -1; dy <= 1; dy++)
        for (long dx = -1; dx <= 1; dx++) {
          long cx = (long)bx + dx, cy = (long)by + dy;
          if (cx < 0 || cy < 0 || cx >= (long)gw || cy >= (long)gh) continue;
          size_t b = (size_t)cy * gw + (size_t)cx;
          for (size_t q = boff[b]; q < boff[b + 1]; q++) {
            size_t j = bunit[q];
            if (j == i && !self) continue;
            double ddx = x[j] - x[i], ddy = y[j] - y[i];
            if (j != i && ddx * ddx + ddy * ddy > b2) continue;
            if (pass) w->col[k++] = j;
            cnt++;
          }
        }
      if (!pass) {
        w->off[i + 1] = cnt;
      } else {
        sort_row(w->col + w->off[i], cnt);
        for (size_t q = w->off[i]; q < w->off[i + 1]; q++) w->val[q] = w->col[q] == i ? self_weight : 1.0;
        w->self[i] = (unsigned char)(self != 0);
      }
    }
    if (sm__progress(ctx, 0.5 * (pass + 1), "spatial weights")) {
      grid_free(&g);
      sm_weights_destroy(w);
      return SM_E_CANCELLED;
    }
  }
  grid_free(&g);
  *out = w;
  return SM_OK;
}

/* ---- contiguity ---------------------------------------------------------------------- */
typedef struct {
  double x, y;
  uint32_t a;
} vtx;

static int cmp_vtx(const void *p, const void *q) {
  const vtx *a = p, *b = q;
  if (a->x != b->x) return a->x < b->x ? -1 : 1;
  if (a->y != b->y) return a->y < b->y ? -1 : 1;
  return (a->a > b->a) - (a->a < b->a);
}


/* Appends the vertices of a (Multi)Polygon WKB; returns bytes read or 0. */
static size_t wkb_vertices(const unsigned char *w, size_t n, uint32_t area, vtx **v, size_t *nv, size_t *cap) {
  if (n < 9) return 0;
  int le = w[0] == 1;
  uint32_t type = sm__wkb_u32(w + 1, le) % 1000, cnt = sm__wkb_u32(w + 5, le);
  size_t off = 9;
  if (type == 6) {
    for (uint32_t k = 0; k < cnt; k++) {
      size_t used = wkb_vertices(w + off, n - off, area, v, nv, cap);
      if (!used) return 0;
      off += used;
    }
    return off;
  }
  if (type != 3) return 0;
  for (uint32_t r = 0; r < cnt; r++) {
    if (off + 4 > n) return 0;
    uint32_t np = sm__wkb_u32(w + off, le);
    off += 4;
    if (off + 16 * (size_t)np > n) return 0;
    for (uint32_t q = 0; q + 1 < np; q++) { /* the closing point repeats the first */
      if (sm__grow((void **)v, cap, *nv + 1, sizeof **v)) return 0;
      (*v)[(*nv)++] = (vtx){sm__wkb_f64(w + off + 16 * q, le), sm__wkb_f64(w + off + 16 * q + 8, le), area};
    }
    off += 16 * (size_t)np;
  }
  return off;
}

typedef struct {
  uint32_t a, b;
} pair_ab;
static int cmp_pair(const void *p, const void *q) {
  const pair_ab *x = p, *y = q;
  if (x->a != y->a) return x->a < y->a ? -1 : 1;
  return (x->b > y->b) - (x->b < y->b);
}

sm_status sm_weights_contiguity(sm_ctx *ctx, sm_weights **out, const sm_areas *areas, int queen, double snap,
                                int self, double self_weight) {
  if (!out || !areas) return sm__error(ctx, SM_E_INVALID_ARG, "sm_weights_contiguity: NULL argument");
  *out = NULL;
  if (snap <= 0) snap = 1.4901161193847656e-08; /* sqrt(DBL_EPSILON), spdep's default */
  size_t na = sm_areas_count(areas), nv = 0, cap = 0;
  if (na == 0) return sm__error(ctx, SM_E_INVALID_ARG, "contiguity weights need at least one area, not 0");
  vtx *v = NULL;
  for (size_t k = 0; k < na; k++) {
    size_t wn = 0;
    const unsigned char *wkb = sm_areas_wkb(areas, k, &wn);
    size_t before = nv;
    if (wkb && wn && !wkb_vertices(wkb, wn, (uint32_t)k, &v, &nv, &cap)) {
      sm__free(v);
      return sm__error(ctx, SM_E_NOMEM, "out of memory reading area %zu's vertices", k);
    }
    /* one copy of each vertex per area */
    if (nv > before) qsort(v + before, nv - before, sizeof *v, cmp_vtx); /* v is NULL while no area had a vertex */
    size_t m = before;
    for (size_t q = before; q < nv; q++)
      if (m == before || v[q].x != v[m - 1].x || v[q].y != v[m - 1].y) v[m++] = v[q];
    nv = m;
  }
  if (nv) qsort(v, nv, sizeof *v, cmp_vtx);
  /* pairs of vertices of different areas within snap: one entry per pair */
  pair_ab *pr = NULL;
  size_t np = 0, pcap = 0;
  for (size_t i = 0; i < nv; i++)
    for (size_t j = i + 1; j < nv && v[j].x - v[i].x <= snap; j++) {
      if (v[j].a == v[i].a || fabs(v[j].y - v[i].y) > snap) continue;
      if (sm__grow((void **)&pr, &pcap, np + 2, sizeof *pr)) {
        sm__free(v), sm__free(pr);
        return sm__error(ctx, SM_E_NOMEM, "out of memory");
      }
      pr[np++] = (pair_ab){v[i].a, v[j].a};
      pr[np++] = (pair_ab){v[j].a, v[i].a};
    }
  sm__free(v);
  if (np) qsort(pr, np, sizeof *pr, cmp_pair); /* pr is NULL without a pair (one area, or none touching) */
  sm_weights *w = sm__calloc(1, sizeof *w);
  if (w) {
    w->n = na;
    w->off = sm__calloc(na + 1, sizeof *w->off);
    w->self = sm__calloc(na ? na : 1, 1);
    w->col = sm__malloc((np + na + 1) * sizeof *w->col);
    w->val = sm__malloc((np + na + 1) * sizeof *w->val);
  }
  if (!w || !w->off || !w->self || !w->col || !w->val) {
    sm__free(pr);
    sm_weights_destroy(w);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  size_t k = 0, q = 0;
  for (uint32_t a = 0; a < na; a++) {
    w->off[a] = k;
    int self_done = !self;
    while (q < np && pr[q].a == a) {
      uint32_t b = pr[q].b;
      size_t shared = 0;
      while (q < np && pr[q].a == a && pr[q].b == b) shared++, q++;
      if (!self_done && b > a) w->col[k] = a, w->val[k++] = self_weight, self_done = 1;
      if (shared >= (queen ? 1u : 2u)) w->col[k] = b, w->val[k++] = 1.0;
    }
    if (!self_done) w->col[k] = a, w->val[k++] = self_weight;
    w->self[a] = (unsigned char)(self != 0);
  }
  w->off[na] = k;
  sm__free(pr);
  *out = w;
  return SM_OK;
}

/* ---- k nearest neighbours --------------------------------------------------------------- */
typedef struct {
  double d2;
  size_t j;
} cand;

static int cmp_cand(const void *a, const void *b) {
  const cand *p = a, *q = b;
  if (p->d2 != q->d2) return p->d2 < q->d2 ? -1 : 1;
  return (p->j > q->j) - (p->j < q->j);
}

sm_status sm_weights_knn(sm_ctx *ctx, sm_weights **out, size_t n, const double *x, const double *y, size_t k, int self,
                         double self_weight) {
  if (!out || !x || !y) return sm__error(ctx, SM_E_INVALID_ARG, "sm_weights_knn: NULL argument");
  *out = NULL;
  if (k < 1 || k >= n) return sm__error(ctx, SM_E_INVALID_ARG, "k nearest neighbours needs 1 <= k < %zu units, not k = %zu", n, k);
  double e[4];
  sm_status est = units_extent(ctx, n, x, y, e);
  if (est) return est;
  double area = fmax((e[2] - e[0]) * (e[3] - e[1]), 1e-9);
  grid_index g; /* bins holding about k units each */
  sm_weights *w = sm__calloc(1, sizeof *w);
  size_t per = k + (self ? 1 : 0);
  if (w) {
    w->n = n;
    w->off = sm__malloc((n + 1) * sizeof *w->off);
    w->self = sm__calloc(n, 1);
    w->col = sm__malloc(n * per * sizeof *w->col);
    w->val = sm__malloc(n * per * sizeof *w->val);
  }
  if (!w || !w->off || !w->self || !w->col || !w->val || grid_build(&g, n, x, y, e, sqrt(area * (double)k / (double)n))) {
    sm_weights_destroy(w);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  double cs = g.cs;
  size_t gw = g.gw, gh = g.gh, *boff = g.boff, *bunit = g.bunit, *bin = g.bin;
  for (size_t i = 0; i <= n; i++) w->off[i] = i * per;
  int oom = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(dynamic, 256) reduction(| : oom)
#endif
  for (size_t i = 0; i < n; i++) {
    size_t bx = bin[i] % gw, by = bin[i] / gw, cap = 4 * k + 16, m = 0;
    cand *c = sm__malloc(cap * sizeof *c);
    if (!c) {
      oom = 1;
      continue;
    }
    /* rings of bins until the k-th candidate is nearer than any unseen unit can be */
    long R = (long)(gw > gh ? gw : gh);
    for (long r = 0; r <= R && !oom; r++) {
      /* the ring's cells only: top and bottom rows, then the side columns */
      for (long step = 0; step < (r ? 8 * r : 1) && !oom; step++) {
        long dx, dy;
        if (!r) dx = 0, dy = 0;
        else if (step < 2 * r + 1) dx = step - r, dy = -r;
        else if (step < 4 * r + 2) dx = step - (3 * r + 1), dy = r;
        else if (step < 6 * r + 1) dx = -r, dy = step - (5 * r + 1);
        else dx = r, dy = step - (7 * r);
        long cx = (long)bx + dx, cy = (long)by + dy;
        if (cx < 0 || cy < 0 || cx >= (long)gw || cy >= (long)gh) continue;
        size_t b = (size_t)cy * gw + (size_t)cx;
        for (size_t q = boff[b]; q < boff[b + 1]; q++) {
          size_t j = bunit[q];
          if (j == i) continue;
          if (m == cap) {
            cand *nc = sm__realloc(c, 2 * cap * sizeof *c);
            if (!nc) {
              oom = 1;
              break;
            }
            c = nc, cap *= 2;
          }
          double ddx = x[j] - x[i], ddy = y[j] - y[i];
          c[m++] = (cand){ddx * ddx + ddy * ddy, j};
        }
      }
      if (oom || m < k) continue;
      qsort(c, m, sizeof *c, cmp_cand);
      double reach = (double)r * cs; /* every unit nearer than this has been seen */
      if (c[k - 1].d2 < reach * reach) break;
    }
    if (!oom) {
      size_t *cols = w->col + i * per;
      size_t t = 0;
      for (size_t q = 0; q < k; q++) cols[t++] = c[q].j;
      if (self) cols[t++] = i;
      qsort(cols, t, sizeof *cols, cmp_size);
      for (size_t q = 0; q < t; q++) w->val[i * per + q] = cols[q] == i ? self_weight : 1.0;
      w->self[i] = (unsigned char)(self != 0);
    }
    sm__free(c);
  }
  grid_free(&g);
  if (oom) {
    sm_weights_destroy(w);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  *out = w;
  return SM_OK;
}

sm_status sm_weights_inverse_distance(sm_ctx *ctx, sm_weights **out, size_t n, const double *x, const double *y,
                                      double band_m, double power, int self, double self_weight) {
  if (!(power == 1 || power == 2))
    return sm__error(ctx, SM_E_INVALID_ARG, "inverse-distance weights take power 1 or 2, not %g", power);
  sm_status st = sm_weights_distance_band(ctx, out, n, x, y, band_m, self, self_weight);
  if (st) return st;
  sm_weights *w = *out;
  for (size_t i = 0; i < n; i++)
    for (size_t q = w->off[i]; q < w->off[i + 1]; q++) {
      size_t j = w->col[q];
      if (j == i) continue;
      double d = hypot(x[j] - x[i], y[j] - y[i]);
      w->val[q] = d > 0 ? (power == 1 ? 1.0 / d : 1.0 / (d * d)) : 1.0;
    }
  return SM_OK;
}

/* ---- minimum number of neighbours (ArcGIS "Number of Neighbors" with a band) ------------- */
sm_status sm_weights_min_neighbours(sm_ctx *ctx, sm_weights *w, const double *x, const double *y, size_t k,
                                    double power, size_t *n_extended) {
  if (n_extended) *n_extended = 0;
  if (!w || !x || !y) return sm__error(ctx, SM_E_INVALID_ARG, "sm_weights_min_neighbours: NULL argument");
  if (w->st) return sm__error(ctx, SM_E_INVALID_ARG, "sm_weights_min_neighbours: not for stencil weights");
  if (!(power == 0 || power == 1 || power == 2))
    return sm__error(ctx, SM_E_INVALID_ARG, "the added neighbours' weights take power 0, 1 or 2, not %g", power);
  size_t n = w->n, short_rows = 0;
  if (k == 0) return SM_OK;
  if (k >= n) return sm__error(ctx, SM_E_INVALID_ARG, "at least %zu neighbours needs more than %zu units, not %zu", k, k, n);
  for (size_t i = 0; i < n; i++) short_rows += w->off[i + 1] - w->off[i] - (w->self[i] ? 1 : 0) < k;
  if (!short_rows) return SM_OK;
  sm_weights *nn;
  sm_status st = sm_weights_knn(ctx, &nn, n, x, y, k, 0, 0);
  if (st) return st;
  /* the union of each short row with its k nearest: at most k more entries per row */
  size_t cap = w->off[n] + short_rows * k;
  size_t *off = sm__malloc((n + 1) * sizeof *off), *col = sm__malloc(cap * sizeof *col);
  double *val = sm__malloc(cap * sizeof *val);
  if (!off || !col || !val) {
    sm__free(off), sm__free(col), sm__free(val);
    sm_weights_destroy(nn);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  size_t t = 0;
  for (size_t i = 0; i < n; i++) {
    off[i] = t;
    size_t a = w->off[i], ae = w->off[i + 1];
    if (ae - a - (w->self[i] ? 1 : 0) >= k) {
      for (; a < ae; a++) col[t] = w->col[a], val[t++] = w->val[a];
      continue;
    }
    if (n_extended) (*n_extended)++;
    size_t b = nn->off[i], be = nn->off[i + 1];
    while (a < ae || b < be) { /* both sorted by index */
      if (b == be || (a < ae && w->col[a] <= nn->col[b])) {
        if (b < be && w->col[a] == nn->col[b]) b++;
        col[t] = w->col[a], val[t++] = w->val[a], a++;
      } else {
        size_t j = nn->col[b++];
        double d = hypot(x[j] - x[i], y[j] - y[i]);
        col[t] = j, val[t++] = power == 0 || !(d > 0) ? 1.0 : power == 1 ? 1.0 / d : 1.0 / (d * d);
      }
    }
  }
  off[n] = t;
  sm_weights_destroy(nn);
  sm__free(w->off), sm__free(w->col), sm__free(w->val);
  w->off = off, w->col = col, w->val = val;
  return SM_OK;
}
