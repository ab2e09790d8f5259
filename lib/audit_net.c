/* The safety audit's street network: lines noded where they share a vertex (to the millimetre), cut into
 * segments of at most --segment metres that share their end nodes; and a uniform grid for "what is near". */
#include "internal/audit.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* ---- a hash of vertex positions (millimetres) to their count and node -------------------------- */

typedef struct vhash {
  int64_t *kx, *ky;
  uint32_t *count;
  int64_t *node; /* -1 until numbered */
  size_t cap;    /* power of 2 */
} vhash;

static size_t vh_slot(const vhash *h, int64_t kx, int64_t ky) {
  uint64_t z = (uint64_t)kx * 0x9E3779B97F4A7C15ull ^ ((uint64_t)ky + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull;
  z ^= z >> 31;
  size_t i = (size_t)z & (h->cap - 1);
  while (h->count[i] && (h->kx[i] != kx || h->ky[i] != ky)) i = (i + 1) & (h->cap - 1);
  return i;
}

static void vh_key(double x, double y, int64_t *kx, int64_t *ky) {
  *kx = (int64_t)llround(x * 1000.0);
  *ky = (int64_t)llround(y * 1000.0);
}

static sm_status vh_init(sm_ctx *ctx, vhash *h, size_t n) {
  h->cap = 1024;
  while (h->cap < 2 * n + 16) h->cap *= 2;
  h->kx = sm__malloc(h->cap * sizeof *h->kx);
  h->ky = sm__malloc(h->cap * sizeof *h->ky);
  h->count = sm__calloc(h->cap, sizeof *h->count);
  h->node = sm__malloc(h->cap * sizeof *h->node);
  if (!h->kx || !h->ky || !h->count || !h->node) return sm__error(ctx, SM_E_NOMEM, "out of memory (%zu vertices)", n);
  for (size_t i = 0; i < h->cap; i++) h->node[i] = -1;
  return SM_OK;
}

static void vh_free(vhash *h) { sm__free(h->kx), sm__free(h->ky), sm__free(h->count), sm__free(h->node); }

/* ---- segments ----------------------------------------------------------------------------------- */

void sm__net_free(sm__net *net) {
  sm__free(net->off), sm__free(net->vx), sm__free(net->vy), sm__free(net->node_from), sm__free(net->node_to);
  sm__free(net->length), sm__free(net->mx), sm__free(net->my), sm__free(net->street), sm__free(net->chain0);
  memset(net, 0, sizeof *net);
}

typedef struct builder {
  sm_ctx *ctx;
  sm__net *net;
  size_t cap, vcap;
} builder;

static sm_status seg_begin(builder *b, size_t street, int64_t from, double chain0) {
  sm__net *net = b->net;
  if (net->n + 1 >= b->cap) {
    size_t c = b->cap ? 2 * b->cap : 1024;
#define G(a)                                                                                                          \
  do {                                                                                                                \
    void *q_ = sm__realloc(net->a, c * sizeof *(net->a));                                                             \
    if (!q_) return sm__error(b->ctx, SM_E_NOMEM, "out of memory");                                                   \
    net->a = q_;                                                                                                      \
  } while (0)
    G(off); G(node_from); G(node_to); G(length); G(mx); G(my); G(street); G(chain0);
#undef G
    if (!net->n) net->off[0] = 0;
    b->cap = c;
  }
  net->node_from[net->n] = from;
  net->street[net->n] = street;
  net->chain0[net->n] = chain0;
  net->off[net->n + 1] = net->off[net->n];
  return SM_OK;
}

static sm_status seg_vertex(builder *b, double x, double y) {
  sm__net *net = b->net;
  size_t k = net->off[net->n + 1];
  if (k >= b->vcap) {
    size_t c = b->vcap ? 2 * b->vcap : 4096;
    double *nx = sm__realloc(net->vx, c * sizeof *nx);
    if (nx) net->vx = nx;
    double *ny = nx ? sm__realloc(net->vy, c * sizeof *ny) : NULL;
    if (!ny) return sm__error(b->ctx, SM_E_NOMEM, "out of memory");
    net->vy = ny;
    b->vcap = c;
  }
  net->vx[k] = x, net->vy[k] = y;
  net->off[net->n + 1] = k + 1;
  return SM_OK;
}

static void seg_end(builder *b, int64_t to, double length) {
  sm__net *net = b->net;
  size_t i = net->n;
  net->node_to[i] = to;
  net->length[i] = length;
  net->n++;
  sm__net_point_at(net, i, length / 2, &net->mx[i], &net->my[i]);
}

/* Cuts the edge (vertices x/y[0..m], cumulative distances d) from node a to node b into pieces. */
static sm_status cut_edge(builder *b, size_t street, const double *x, const double *y, const double *d, size_t m,
                          int64_t na, int64_t nb, double seg_m, double chain) {
  double L = d[m];
  size_t pieces = (size_t)ceil(L / seg_m - 1e-9);
  if (pieces < 1) pieces = 1;
  double step = L / (double)pieces;
  size_t v = 1; /* next vertex to copy */
  double px = x[0], py = y[0];
  int64_t from = na;
  for (size_t k = 0; k < pieces; k++) {
    sm_status st = seg_begin(b, street, from, chain + (double)k * step);
    if (!st) st = seg_vertex(b, px, py);
    if (st) return st;
    double end = k + 1 == pieces ? L : (double)(k + 1) * step;
    while (v < m && d[v] < end) {
      if ((st = seg_vertex(b, x[v], y[v]))) return st;
      v++;
    }
    double ex, ey;
    if (k + 1 == pieces) {
      ex = x[m], ey = y[m];
    } else {
      size_t j = v; /* d[j-1] < end <= d[j] */
      double t = d[j] > d[j - 1] ? (end - d[j - 1]) / (d[j] - d[j - 1]) : 0;
      ex = x[j - 1] + t * (x[j] - x[j - 1]), ey = y[j - 1] + t * (y[j] - y[j - 1]);
    }
    if ((st = seg_vertex(b, ex, ey))) return st;
    int64_t to = k + 1 == pieces ? nb : (int64_t)b->net->n_nodes++;
    seg_end(b, to, step);
    from = to, px = ex, py = ey;
  }
  return SM_OK;
}

/* The node of a break vertex (numbered on first use). */
static int64_t node_of(vhash *h, sm__net *net, double x, double y) {
  int64_t kx, ky;
  vh_key(x, y, &kx, &ky);
  size_t s = vh_slot(h, kx, ky);
  if (h->node[s] < 0) h->node[s] = (int64_t)net->n_nodes++;
  return h->node[s];
}

/* One line: split at its junction vertices into edges, each cut into pieces. Repeated vertices are dropped. */
static sm_status line_edges(builder *b, vhash *h, const sm__streets *s, size_t li, double seg_m, double **buf,
                            size_t *bcap) {
  size_t o = s->off[li], nv = s->off[li + 1] - o;
  if (*bcap < 3 * nv) {
    sm__free(*buf);
    if (!(*buf = sm__malloc(3 * nv * sizeof **buf))) return sm__error(b->ctx, SM_E_NOMEM, "out of memory");
    *bcap = 3 * nv;
  }
  double *x = *buf, *y = x + nv, *d = y + nv;
  size_t m = 0; /* vertices of the current edge - 1 */
  double chain = 0, edge_chain = 0;
  x[0] = s->vx[o], y[0] = s->vy[o], d[0] = 0;
  int64_t from = node_of(h, b->net, x[0], y[0]);
  for (size_t k = 1; k < nv; k++) {
    double vx = s->vx[o + k], vy = s->vy[o + k];
    double step = hypot(vx - x[m], vy - y[m]);
    if (step < 1e-6) continue;
    m++;
    x[m] = vx, y[m] = vy, d[m] = d[m - 1] + step;
    chain += step;
    int64_t kx, ky;
    vh_key(vx, vy, &kx, &ky);
    int junction = k + 1 == nv || h->count[vh_slot(h, kx, ky)] > 1;
    if (!junction) continue;
    int64_t to = node_of(h, b->net, vx, vy);
    sm_status st = cut_edge(b, li, x, y, d, m, from, to, seg_m, edge_chain);
    if (st) return st;
    from = to, edge_chain = chain;
    x[0] = vx, y[0] = vy, d[0] = 0, m = 0;
  }
  if (m > 0) /* the line ended on a repeated vertex */
    return cut_edge(b, li, x, y, d, m, from, node_of(h, b->net, x[m], y[m]), seg_m, edge_chain);
  return SM_OK;
}

sm_status sm__net_build(sm_ctx *ctx, const sm__streets *s, double seg_m, sm__net *net) {
  memset(net, 0, sizeof *net);
  size_t nv = s->n ? s->off[s->n] : 0;
  vhash h = {0};
  sm_status st = vh_init(ctx, &h, nv);
  for (size_t i = 0; i < nv && !st; i++) {
    int64_t kx, ky;
    vh_key(s->vx[i], s->vy[i], &kx, &ky);
    size_t sl = vh_slot(&h, kx, ky);
    h.kx[sl] = kx, h.ky[sl] = ky;
    h.count[sl]++;
  }
  /* a vertex repeated inside one line (a loop closing on itself) is a junction too, which is right */
  builder b = {ctx, net, 0, 0};
  double *buf = NULL;
  size_t bcap = 0;
  for (size_t li = 0; li < s->n && !st; li++) {
    st = line_edges(&b, &h, s, li, seg_m, &buf, &bcap);
    if (!st && (li & 1023) == 0) st = sm__progress(ctx, (double)li / (double)s->n, "cutting the streets into segments");
  }
  sm__free(buf);
  vh_free(&h);
  if (st) sm__net_free(net);
  else if (!net->n) st = sm__error(ctx, SM_E_INPUT, "the streets have no length: every line is a single point");
  return st;
}

void sm__net_point_at(const sm__net *net, size_t i, double t, double *x, double *y) {
  size_t a = net->off[i], b = net->off[i + 1];
  double acc = 0;
  for (size_t k = a + 1; k < b; k++) {
    double dx = net->vx[k] - net->vx[k - 1], dy = net->vy[k] - net->vy[k - 1], l = hypot(dx, dy);
    if (acc + l >= t || k + 1 == b) {
      double u = l > 0 ? (t - acc) / l : 0;
      if (u < 0) u = 0;
      if (u > 1) u = 1;
      *x = net->vx[k - 1] + u * dx, *y = net->vy[k - 1] + u * dy;
      return;
    }
    acc += l;
  }
  *x = net->vx[a], *y = net->vy[a];
}

double sm__net_distance(const sm__net *net, size_t i, double x, double y, double *along) {
  size_t a = net->off[i], b = net->off[i + 1];
  double best = INFINITY, at = 0, acc = 0;
  for (size_t k = a + 1; k < b; k++) {
    double x0 = net->vx[k - 1], y0 = net->vy[k - 1], dx = net->vx[k] - x0, dy = net->vy[k] - y0;
    double l2 = dx * dx + dy * dy, u = l2 > 0 ? ((x - x0) * dx + (y - y0) * dy) / l2 : 0;
    if (u < 0) u = 0;
    if (u > 1) u = 1;
    double ex = x - (x0 + u * dx), ey = y - (y0 + u * dy), d2 = ex * ex + ey * ey;
    if (d2 < best) best = d2, at = acc + u * sqrt(l2);
    acc += sqrt(l2);
  }
  if (along) *along = at;
  return sqrt(best); /* coordinates in metres: no overflow for hypot to guard against */
}

/* ---- the grid ----------------------------------------------------------------------------------- */

void sm__grid_free(sm__grid *g) {
  sm__free(g->start), sm__free(g->item);
  memset(g, 0, sizeof *g);
}

int sm__grid_range(const sm__grid *g, double x, double y, double r, size_t *i0, size_t *i1, size_t *j0, size_t *j1) {
  double a0 = floor((x - r - g->x0) / g->cell), a1 = floor((x + r - g->x0) / g->cell);
  double b0 = floor((y - r - g->y0) / g->cell), b1 = floor((y + r - g->y0) / g->cell);
  if (a1 < 0 || b1 < 0 || a0 >= (double)g->nx || b0 >= (double)g->ny) return 0;
  *i0 = a0 < 0 ? 0 : (size_t)a0, *j0 = b0 < 0 ? 0 : (size_t)b0;
  *i1 = a1 >= (double)g->nx ? g->nx - 1 : (size_t)a1, *j1 = b1 >= (double)g->ny ? g->ny - 1 : (size_t)b1;
  return 1;
}

sm_status sm__grid_build(sm_ctx *ctx, sm__grid *g, size_t n, const double *x, const double *y, const double *bb,
                         double cell) {
  memset(g, 0, sizeof *g);
  double e[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (size_t i = 0; i < n; i++) {
    double a0 = bb ? bb[4 * i] : x[i], b0 = bb ? bb[4 * i + 1] : y[i];
    double a1 = bb ? bb[4 * i + 2] : x[i], b1 = bb ? bb[4 * i + 3] : y[i];
    e[0] = fmin(e[0], a0), e[1] = fmin(e[1], b0), e[2] = fmax(e[2], a1), e[3] = fmax(e[3], b1);
  }
  if (!n) e[0] = e[1] = 0, e[2] = e[3] = 1;
  /* at most about 4 million cells: a coarser cell over a huge extent */
  while (((e[2] - e[0]) / cell + 1) * ((e[3] - e[1]) / cell + 1) > 4e6) cell *= 2;
  g->x0 = e[0], g->y0 = e[1], g->cell = cell;
  g->nx = (size_t)((e[2] - e[0]) / cell) + 1, g->ny = (size_t)((e[3] - e[1]) / cell) + 1;
  size_t nc = g->nx * g->ny;
  g->start = sm__calloc(nc + 1, sizeof *g->start);
  if (!g->start) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  /* two passes: count the cells each item covers, then place it */
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < n; i++) {
      size_t i0, i1, j0, j1;
      if (bb) {
        double cx = (bb[4 * i] + bb[4 * i + 2]) / 2, cy = (bb[4 * i + 1] + bb[4 * i + 3]) / 2;
        double r = fmax(bb[4 * i + 2] - bb[4 * i], bb[4 * i + 3] - bb[4 * i + 1]) / 2;
        sm__grid_range(g, cx, cy, r, &i0, &i1, &j0, &j1);
      } else {
        sm__grid_range(g, x[i], y[i], 0, &i0, &i1, &j0, &j1);
      }
      for (size_t j = j0; j <= j1; j++)
        for (size_t k = i0; k <= i1; k++) {
          size_t c = j * g->nx + k;
          if (pass == 0) g->start[c + 1]++;
          else g->item[g->start[c]++] = i;
        }
    }
    if (pass == 0) {
      for (size_t c = 0; c < nc; c++) g->start[c + 1] += g->start[c];
      if (!(g->item = sm__malloc((g->start[nc] ? g->start[nc] : 1) * sizeof *g->item))) {
        sm__grid_free(g);
        return sm__error(ctx, SM_E_NOMEM, "out of memory");
      }
    }
  }
  /* the second pass moved each start to the next cell's: shift back */
  for (size_t c = nc; c > 0; c--) g->start[c] = g->start[c - 1];
  g->start[0] = 0;
  return SM_OK;
}

sm_status sm__net_grid(sm_ctx *ctx, const sm__net *net, double cell, sm__grid *g) {
  double *bb = sm__malloc((net->n ? net->n : 1) * 4 * sizeof *bb);
  if (!bb) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t s = 0; s < net->n; s++) {
    double *b = bb + 4 * s;
    b[0] = b[1] = INFINITY, b[2] = b[3] = -INFINITY;
    for (size_t k = net->off[s]; k < net->off[s + 1]; k++) {
      b[0] = fmin(b[0], net->vx[k]), b[1] = fmin(b[1], net->vy[k]);
      b[2] = fmax(b[2], net->vx[k]), b[3] = fmax(b[3], net->vy[k]);
    }
  }
  sm_status st = sm__grid_build(ctx, g, net->n, NULL, NULL, bb, cell);
  sm__free(bb);
  return st;
}

void sm__net_nearest(const sm_ctx *ctx, const sm__net *net, const sm__grid *g, size_t n, const double *x,
                     const double *y, double radius, long *seg, double *along, double *dist) {
#pragma omp parallel for schedule(static) num_threads(sm__threads(ctx))
  for (long pi = 0; pi < (long)n; pi++) {
    size_t p = (size_t)pi, i0, i1, j0, j1;
    double best = INFINITY, at = 0;
    long bs = -1;
    /* a growing window: a segment found within r is the nearest (any nearer one is in the window too) */
    for (double r = fmin(radius, g->cell); !(best <= r); r = fmin(2 * r, radius)) {
      best = INFINITY, bs = -1;
      if (sm__grid_range(g, x[p], y[p], r, &i0, &i1, &j0, &j1))
        for (size_t j = j0; j <= j1; j++)
          for (size_t c = i0; c <= i1; c++)
            for (size_t q = g->start[j * g->nx + c]; q < g->start[j * g->nx + c + 1]; q++) {
              size_t s = g->item[q];
              double a, d = sm__net_distance(net, s, x[p], y[p], &a);
              if (d < best || (d == best && (long)s < bs)) best = d, bs = (long)s, at = a;
            }
      if (r >= radius) break;
    }
    int ok = best <= radius;
    seg[p] = ok ? bs : -1;
    if (along) along[p] = ok ? at : NAN;
    if (dist) dist[p] = ok ? best : NAN;
  }
}
sm_status sm__net_keep(sm_ctx *ctx, sm__net *net, const unsigned char *keep) {
  (void)ctx;
  size_t m = 0, v = 0;
  for (size_t s = 0; s < net->n; s++) {
    if (!keep[s]) continue;
    size_t a = net->off[s], b = net->off[s + 1], start = v;
    for (size_t k = a; k < b; k++) net->vx[v] = net->vx[k], net->vy[v] = net->vy[k], v++;
    net->off[m] = start; /* off[m] <= off[s]: nothing read later is overwritten */
    net->node_from[m] = net->node_from[s], net->node_to[m] = net->node_to[s], net->length[m] = net->length[s];
    net->mx[m] = net->mx[s], net->my[m] = net->my[s], net->street[m] = net->street[s], net->chain0[m] = net->chain0[s];
    m++;
  }
  net->off[m] = v;
  net->n = m;
  return SM_OK;
}
