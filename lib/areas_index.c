/* The point-in-area index of sm_areas.
 *
 * Index: a uniform grid over the areas. Cells no boundary passes through
 * belong wholly to one area (or none) and are classified once by their
 * centre; points in boundary cells are tested exactly against the areas
 * whose bounding box touches the cell. The exact test is the crossing-number
 * rule with half-open edges (an edge counts when y0 <= py < y1 and the point
 * lies strictly left of it), evaluated on edges with a canonical endpoint
 * order, so a point on an edge shared by two areas is inside exactly one of
 * them, identically on every thread. Each area keeps its edges in horizontal
 * bands so a test reads only the edges near the point. */
#include "internal/areas_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- exact test ---------------------------------------------------------------- */
static inline int band_of(const sm_areas *a, size_t k, double y) {
  double f = (y - a->bb[4 * k + 1]) / a->band_h[k];
  int b = f > 0 ? (int)f : 0;
  return b >= a->nbands[k] ? a->nbands[k] - 1 : b;
}

static int in_area(const sm_areas *a, size_t k, double px, double py) {
  const double *bb = a->bb + 4 * k;
  if (px < bb[0] || px > bb[2] || py < bb[1] || py > bb[3]) return 0;
  int b = band_of(a, k, py);
  const uint32_t *bs = a->band_start + a->band_base[k];
  int c = 0;
  for (uint32_t j = bs[b]; j < bs[b + 1]; j++) {
    const edge *e = &a->edges[a->band_edges[j]];
    if ((e->y0 <= py) && (py < e->y1)) {
      double xi = e->x0 + (py - e->y0) * (e->x1 - e->x0) / (e->y1 - e->y0);
      if (px < xi) c ^= 1;
    }
  }
  return c;
}

static inline int32_t locate_one(const sm_areas *a, double px, double py) {
  if (!(px >= a->gx0 && py >= a->gy0)) return -1;
  long cx = (long)((px - a->gx0) / a->gcell), cy = (long)((py - a->gy0) / a->gcell);
  if (cx >= a->gw || cy >= a->gh) return -1;
  size_t c = (size_t)cy * (size_t)a->gw + (size_t)cx;
  int32_t s = a->cell[c];
  if (s != -2) return s;
  for (uint32_t j = a->cand_off[c]; j < a->cand_off[c + 1]; j++)
    if (in_area(a, a->cand[j], px, py)) return (int32_t)a->cand[j];
  return -1;
}

int32_t sm__areas_locate_xy(const sm_areas *a, double x, double y) { return locate_one(a, x, y); }

/* Bands per area: each area's height cut into up to 4096 bands (about one per
 * 4 edges), and per band the list of the area's edges that reach it. */
static sm_status build_bands(sm_ctx *ctx, sm_areas *a) {
  a->nbands = sm__malloc(a->n * sizeof *a->nbands);
  a->band_h = sm__malloc(a->n * sizeof *a->band_h);
  a->band_base = sm__malloc(a->n * sizeof *a->band_base);
  if (!a->nbands || !a->band_h || !a->band_base) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  size_t total_bands = 0;
  for (size_t k = 0; k < a->n; k++) {
    size_t ne = a->edge_off[k + 1] - a->edge_off[k];
    int nb = (int)(ne / 4);
    if (nb < 1) nb = 1;
    if (nb > 4096) nb = 4096;
    double hgt = a->bb[4 * k + 3] - a->bb[4 * k + 1];
    if (!(hgt > 0)) nb = 1, hgt = 1;
    a->nbands[k] = nb;
    a->band_h[k] = hgt / nb;
    a->band_base[k] = total_bands;
    total_bands += (size_t)nb + 1;
  }
  a->band_start = sm__calloc(total_bands + 1, sizeof *a->band_start);
  if (!a->band_start) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  size_t total_entries = 0;
  for (size_t k = 0; k < a->n; k++) {
    uint32_t *bs = a->band_start + a->band_base[k];
    for (size_t j = a->edge_off[k]; j < a->edge_off[k + 1]; j++) {
      int b0 = band_of(a, k, a->edges[j].y0), b1 = band_of(a, k, a->edges[j].y1);
      for (int b = b0; b <= b1; b++) bs[b + 1]++;
      total_entries += (size_t)(b1 - b0 + 1);
    }
  }
  if (total_entries >= UINT32_MAX) return sm__error(ctx, SM_E_INVALID_ARG, "areas are too large to index");
  {
    uint32_t run = 0;
    for (size_t k = 0; k < a->n; k++) {
      uint32_t *bs = a->band_start + a->band_base[k];
      bs[0] = run;
      for (int b = 1; b <= a->nbands[k]; b++) bs[b] += bs[b - 1];
      run = bs[a->nbands[k]];
    }
  }
  a->band_edges = sm__malloc((total_entries ? total_entries : 1) * sizeof *a->band_edges);
  uint32_t *fill = sm__malloc((total_bands ? total_bands : 1) * sizeof *fill);
  if (!a->band_edges || !fill) {
    sm__free(fill);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  memcpy(fill, a->band_start, total_bands * sizeof *fill);
  for (size_t k = 0; k < a->n; k++) {
    uint32_t *fb = fill + a->band_base[k];
    for (size_t j = a->edge_off[k]; j < a->edge_off[k + 1]; j++) {
      int b0 = band_of(a, k, a->edges[j].y0), b1 = band_of(a, k, a->edges[j].y1);
      for (int b = b0; b <= b1; b++) a->band_edges[fb[b]++] = (uint32_t)j;
    }
  }
  sm__free(fill);
  return SM_OK;
}

/* Lays the grid over all areas (about 8 cells per boundary segment) and
 * allocates its cells, their candidate offsets and the boundary marks
 * (*boundary, *ncell). Without any geometry the grid is empty and *boundary
 * stays NULL. */
static sm_status place_grid(sm_ctx *ctx, sm_areas *a, unsigned char **boundary, size_t *ncell_out) {
  *boundary = NULL;
  double xmin = INFINITY, ymin = INFINITY, xmax = -INFINITY, ymax = -INFINITY;
  for (size_t k = 0; k < a->n; k++) {
    if (!(a->bb[4 * k] <= a->bb[4 * k + 2])) continue;
    xmin = fmin(xmin, a->bb[4 * k]), ymin = fmin(ymin, a->bb[4 * k + 1]);
    xmax = fmax(xmax, a->bb[4 * k + 2]), ymax = fmax(ymax, a->bb[4 * k + 3]);
  }
  if (!(xmin <= xmax)) { /* no geometry at all */
    a->gw = a->gh = 0;
    a->gx0 = a->gy0 = 0;
    a->gcell = 1;
    a->cell = sm__calloc(1, sizeof *a->cell);
    a->cand_off = sm__calloc(1, sizeof *a->cand_off);
    a->cand = sm__calloc(1, sizeof *a->cand);
    return a->cell && a->cand_off && a->cand ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  double W = xmax - xmin, H = ymax - ymin, ext = fmax(W, H);
  /* About 8 cells per boundary segment: most points then fall in cells no
   * boundary crosses and need no test at all. */
  double target = 8.0 * (double)a->n_segs;
  if (target < 4096) target = 4096;
  if (target > 4e6) target = 4e6;
  double cell = sqrt(fmax(W, ext * 1e-3)) * sqrt(fmax(H, ext * 1e-3)) / sqrt(target); /* no overflow */
  if (!(cell > 0)) cell = 1;
  a->gcell = cell;
  a->gx0 = xmin - cell * 0.5;
  a->gy0 = ymin - cell * 0.5;
  a->gw = (long)ceil((xmax - a->gx0) / cell) + 1;
  a->gh = (long)ceil((ymax - a->gy0) / cell) + 1;
  size_t ncell = (size_t)a->gw * (size_t)a->gh;
  a->cell = sm__malloc(ncell * sizeof *a->cell);
  unsigned char *bd = sm__calloc(ncell, 1);
  a->cand_off = sm__calloc(ncell + 1, sizeof *a->cand_off);
  if (!a->cell || !bd || !a->cand_off) {
    sm__free(bd);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  *boundary = bd;
  *ncell_out = ncell;
  return SM_OK;
}

#define CX(x) ((long)floor(((x) - a->gx0) / cell))
#define CY(y) ((long)floor(((y) - a->gy0) / cell))
#define CLAMPX(c) ((c) < 0 ? 0 : (c) >= a->gw ? a->gw - 1 : (c))
#define CLAMPY(c) ((c) < 0 ? 0 : (c) >= a->gh ? a->gh - 1 : (c))

/* Marks every cell a segment passes through (conservatively). */
static void mark_boundary_cells(const sm_areas *a, unsigned char *boundary) {
  const double cell = a->gcell, eps = cell * 1e-6;
  for (size_t j = 0; j < a->n_segs; j++) {
    const edge *e = &a->segs[j];
    long r0 = CLAMPY(CY(e->y0 - eps)), r1 = CLAMPY(CY(e->y1 + eps));
    for (long r = r0; r <= r1; r++) {
      double ya = fmax(e->y0, a->gy0 + (double)r * cell), yb = fmin(e->y1, a->gy0 + (double)(r + 1) * cell);
      double xa, xb;
      if (e->y1 == e->y0) {
        xa = fmin(e->x0, e->x1), xb = fmax(e->x0, e->x1);
      } else {
        double t0 = (ya - e->y0) / (e->y1 - e->y0), t1 = (yb - e->y0) / (e->y1 - e->y0);
        t0 = fmax(0, fmin(1, t0)), t1 = fmax(0, fmin(1, t1));
        double x0 = e->x0 + t0 * (e->x1 - e->x0), x1 = e->x0 + t1 * (e->x1 - e->x0);
        xa = fmin(x0, x1), xb = fmax(x0, x1);
      }
      long c0 = CLAMPX(CX(xa - eps)), c1 = CLAMPX(CX(xb + eps));
      for (long c = c0; c <= c1; c++) boundary[(size_t)r * (size_t)a->gw + (size_t)c] = 1;
    }
  }
}

/* Candidates: areas whose bounding box touches the cell, in area order
 * (pass 0 counts them per cell, pass 1 lists them). */
static sm_status list_candidates(sm_ctx *ctx, sm_areas *a, size_t ncell) {
  const double cell = a->gcell, eps = cell * 1e-6;
  for (int pass = 0; pass < 2; pass++) {
    uint32_t *fillc = NULL;
    if (pass == 1) {
      for (size_t c = 0; c < ncell; c++) a->cand_off[c + 1] += a->cand_off[c];
      a->cand = sm__malloc((a->cand_off[ncell] ? a->cand_off[ncell] : 1) * sizeof *a->cand);
      fillc = sm__malloc(ncell * sizeof *fillc);
      if (!a->cand || !fillc) {
        sm__free(fillc);
        return sm__error(ctx, SM_E_NOMEM, "out of memory");
      }
      memcpy(fillc, a->cand_off, ncell * sizeof *fillc);
    }
    for (size_t k = 0; k < a->n; k++) {
      const double *bb = a->bb + 4 * k;
      if (!(bb[0] <= bb[2])) continue;
      long c0 = CLAMPX(CX(bb[0] - eps)), c1 = CLAMPX(CX(bb[2] + eps));
      long r0 = CLAMPY(CY(bb[1] - eps)), r1 = CLAMPY(CY(bb[3] + eps));
      for (long r = r0; r <= r1; r++)
        for (long c = c0; c <= c1; c++) {
          size_t ci = (size_t)r * (size_t)a->gw + (size_t)c;
          if (pass == 0) {
            if (a->cand_off[ci + 1] == UINT32_MAX - 1) return sm__error(ctx, SM_E_INVALID_ARG, "areas are too large to index");
            a->cand_off[ci + 1]++;
          } else {
            a->cand[fillc[ci]++] = (uint32_t)k;
          }
        }
    }
    sm__free(fillc);
  }
  return SM_OK;
}

#undef CX
#undef CY
#undef CLAMPX
#undef CLAMPY

/* Classifies cells: boundary cells keep their candidates; others take the
 * first area containing their centre. */
static void classify_cells(sm_ctx *ctx, sm_areas *a, const unsigned char *boundary, size_t ncell) {
  const double cell = a->gcell;
  long gw = a->gw;
  int nt = sm__threads(ctx);
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
  for (size_t c = 0; c < ncell; c++) {
    if (boundary[c]) {
      a->cell[c] = a->cand_off[c + 1] > a->cand_off[c] ? -2 : -1;
      continue;
    }
    double px = a->gx0 + ((double)(c % (size_t)gw) + 0.5) * cell, py = a->gy0 + ((double)(c / (size_t)gw) + 0.5) * cell;
    int32_t s = -1;
    for (uint32_t j = a->cand_off[c]; j < a->cand_off[c + 1] && s < 0; j++)
      if (in_area(a, a->cand[j], px, py)) s = (int32_t)a->cand[j];
    a->cell[c] = s;
  }
  (void)nt;
}

/* The point-in-polygon index: edge bands per area, then the grid, its
 * boundary cells and candidates, and the classification of the other cells;
 * the boundary segments are dropped once used. */
sm_status sm__areas_build_index(sm_ctx *ctx, sm_areas *a) {
  sm_status st = build_bands(ctx, a);
  if (st) return st;
  unsigned char *boundary = NULL;
  size_t ncell = 0;
  if ((st = place_grid(ctx, a, &boundary, &ncell)) || !boundary) return st;
  mark_boundary_cells(a, boundary);
  if ((st = list_candidates(ctx, a, ncell))) {
    sm__free(boundary);
    return st;
  }
  classify_cells(ctx, a, boundary, ncell);
  sm__free(boundary);
  sm__free(a->segs);
  a->segs = NULL;
  a->n_segs = a->segs_cap = 0;
  return SM_OK;
}

sm_status sm_areas_locate(sm_ctx *ctx, const sm_areas *a, const sm_points *p, int32_t *area_of_point,
                          size_t *n_outside_out) {
  if (!a || !p || (!area_of_point && sm_points_count(p)))
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_areas_locate: NULL argument");
  if (!sm__crs_equal(ctx, a->crs, p->crs))
    return sm__error(ctx, SM_E_CRS, "points are in %s but areas in %s; read the areas with analysis_crs = sm_points_crs()",
                     p->crs, a->crs);
  size_t n = p->n, outside = 0;
  const size_t chunk = 1u << 16;
  size_t nchunks = (n + chunk - 1) / chunk;
  int nt = sm__threads(ctx);
  sm_status st = SM_OK;
  /* Chunks of work between progress/cancel checks on the calling thread. */
  size_t per_round = (size_t)nt * 8;
  for (size_t c0 = 0; c0 < nchunks && !st; c0 += per_round) {
    size_t c1 = c0 + per_round < nchunks ? c0 + per_round : nchunks;
    size_t lo = c0 * chunk, hi = c1 * chunk < n ? c1 * chunk : n;
    size_t out_round = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) reduction(+ : out_round)
#endif
    for (size_t i = lo; i < hi; i++) {
      int32_t k = locate_one(a, p->x[i], p->y[i]);
      area_of_point[i] = k;
      out_round += k < 0;
    }
    outside += out_round;
    st = sm__progress(ctx, (double)hi / (double)(n ? n : 1), "assigning points to areas");
  }
  if (st) return st;
  if (n_outside_out) *n_outside_out = outside;
  return sm__progress(ctx, 1.0, "assigning points to areas");
}
