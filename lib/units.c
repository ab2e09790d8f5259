/* Analysis units: a square fishnet or a hexagon grid, clipped to a study area. */
#include "internal/sm_internal.h"
#include "internal/limits.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct sm_units {
  size_t n, nx, ny;
  double x0, y0, cell;
  int hex;           /* flat-topped hexagons: column i at x0 + 1.5 R i, odd columns half a cell up */
  char *crs;
  double *cx, *cy;
  size_t *cellno;    /* unit -> j * nx + i */
  int32_t *unit_of;  /* cell -> unit, -1 dropped */
};

void sm_units_destroy(sm_units *u) {
  if (!u) return;
  sm__free(u->crs);
  sm__free(u->cx);
  sm__free(u->cy);
  sm__free(u->cellno);
  sm__free(u->unit_of);
  sm__free(u);
}

size_t sm_units_count(const sm_units *u) { return u ? u->n : 0; }
const double *sm_units_x(const sm_units *u) { return u ? u->cx : NULL; }
const double *sm_units_y(const sm_units *u) { return u ? u->cy : NULL; }
double sm_units_cell_size(const sm_units *u) { return u ? u->cell : NAN; }

/* hexagon geometry: s = centre spacing (across flats), R = s / sqrt 3 the circumradius */
#define HEX_R(s) ((s) / 1.7320508075688772)
static void hex_centre(const sm_units *u, size_t i, size_t j, double *x, double *y) {
  *x = u->x0 + 1.5 * HEX_R(u->cell) * (double)i;
  *y = u->y0 + u->cell * ((double)j + (i & 1 ? 0.5 : 0.0));
}

static sm_status make_units(sm_ctx *ctx, sm_units **out, const double e[4], double cell, const char *crs,
                            const sm_areas *clip, int hex) {
  if (!out || !e || !crs) return sm__error(ctx, SM_E_INVALID_ARG, "sm_units_fishnet: NULL argument");
  *out = NULL;
  if (!(cell > 0) || !isfinite(cell)) return sm__error(ctx, SM_E_INVALID_ARG, "the cell size must be > 0 metres, not %g", cell);
  if (!(e[0] < e[2] && e[1] < e[3]))
    return sm__error(ctx, SM_E_INVALID_ARG, "extent %g,%g,%g,%g is not xmin,ymin,xmax,ymax", e[0], e[1], e[2], e[3]);
  if (clip && !sm__crs_equal(ctx, sm_areas_crs(clip), crs))
    return sm__error(ctx, SM_E_CRS, "the study area is in %s, the cells in %s", sm_areas_crs(clip), crs);
  double fx = ceil((e[2] - e[0]) / cell - 1e-9), fy = ceil((e[3] - e[1]) / cell - 1e-9);
  if (hex) /* centres from the extent's corner to past its far edges */
    fx = ceil((e[2] - e[0]) / (1.5 * HEX_R(cell)) - 1e-9) + 1, fy = ceil((e[3] - e[1]) / cell - 1e-9) + 1;
  if (fx < 1) fx = 1;
  if (fy < 1) fy = 1;
  char what[96];
  snprintf(what, sizeof what, "a %.0f x %.0f %s", fx, fy, hex ? "hexagon grid" : "fishnet");
  sm_status lst = sm__limit_check(ctx, SM_LIMIT_UNITS, fx * fy, fx * fy * 40, what, "use a larger --cell or a smaller --extent");
  if (lst) return lst;
  sm_units *u = sm__calloc(1, sizeof *u);
  if (!u) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  u->nx = (size_t)fx, u->ny = (size_t)fy, u->x0 = e[0], u->y0 = e[1], u->cell = cell, u->hex = hex;
  size_t nc = u->nx * u->ny;
  u->crs = sm__strdup(crs);
  u->unit_of = sm__malloc(nc * sizeof *u->unit_of);
  u->cx = sm__malloc(nc * sizeof *u->cx);
  u->cy = sm__malloc(nc * sizeof *u->cy);
  u->cellno = sm__malloc(nc * sizeof *u->cellno);
  if (!u->crs || !u->unit_of || !u->cx || !u->cy || !u->cellno) {
    sm_units_destroy(u);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  for (size_t c = 0; c < nc; c++) {
    double x = e[0] + ((double)(c % u->nx) + 0.5) * cell, y = e[1] + ((double)(c / u->nx) + 0.5) * cell;
    if (hex) hex_centre(u, c % u->nx, c / u->nx, &x, &y);
    if (clip && sm__areas_locate_xy(clip, x, y) < 0) {
      u->unit_of[c] = -1;
      continue;
    }
    u->unit_of[c] = (int32_t)u->n;
    u->cx[u->n] = x, u->cy[u->n] = y, u->cellno[u->n] = c;
    u->n++;
  }
  if (u->n == 0) {
    sm_units_destroy(u);
    return sm__error(ctx, SM_E_INPUT, "no %s has its centre in the study area", hex ? "hexagon" : "fishnet cell");
  }
  *out = u;
  return SM_OK;
}

sm_status sm_units_fishnet(sm_ctx *ctx, sm_units **out, const double e[4], double cell, const char *crs,
                           const sm_areas *clip) {
  return make_units(ctx, out, e, cell, crs, clip, 0);
}

sm_status sm_units_hexagons(sm_ctx *ctx, sm_units **out, const double e[4], double spacing, const char *crs,
                            const sm_areas *clip) {
  return make_units(ctx, out, e, spacing, crs, clip, 1);
}

int sm_units_is_hexagons(const sm_units *u) { return u && u->hex; }

const int32_t *sm__units_grid(const sm_units *u, size_t *nx, size_t *ny, const size_t **cellno) {
  if (!u || u->hex) return NULL;
  *nx = u->nx, *ny = u->ny, *cellno = u->cellno;
  return u->unit_of;
}

sm_status sm_units_keep(sm_ctx *ctx, sm_units *u, const unsigned char *keep, size_t *n_kept) {
  if (!u || !keep) return sm__error(ctx, SM_E_INVALID_ARG, "sm_units_keep: NULL argument");
  size_t m = 0;
  for (size_t i = 0; i < u->n; i++) m += keep[i] != 0;
  if (m == 0) return sm__error(ctx, SM_E_INPUT, "no unit is kept");
  for (size_t c = 0; c < u->nx * u->ny; c++) u->unit_of[c] = -1;
  m = 0;
  for (size_t i = 0; i < u->n; i++) {
    if (!keep[i]) continue;
    u->cx[m] = u->cx[i], u->cy[m] = u->cy[i], u->cellno[m] = u->cellno[i];
    u->unit_of[u->cellno[m]] = (int32_t)m;
    m++;
  }
  u->n = m;
  if (n_kept) *n_kept = m;
  return SM_OK;
}

/* The grid cell holding (x, y), or -1 outside the grid: the nearest hexagon
 * centre (a hexagon grid is the Voronoi diagram of its centres; a point on
 * an edge goes to the smaller cell number) if the point is in that hexagon. */
static long hex_cell(const sm_units *u, double x, double y) {
  double R = HEX_R(u->cell), s = u->cell;
  double fi = floor((x - u->x0) / (1.5 * R));
  long best = -1;
  double bd = INFINITY;
  for (double i = fi - 1; i <= fi + 1; i++) {
    if (i < 0 || i >= (double)u->nx) continue;
    double j = floor((y - u->y0) / s - ((long)i & 1 ? 0.5 : 0.0) + 0.5);
    for (double jj = j - 1; jj <= j + 1; jj++) {
      if (jj < 0 || jj >= (double)u->ny) continue;
      double cx, cy;
      hex_centre(u, (size_t)i, (size_t)jj, &cx, &cy);
      double d = (x - cx) * (x - cx) + (y - cy) * (y - cy);
      long c = (long)jj * (long)u->nx + (long)i;
      if (d < bd || (d == bd && c < best)) bd = d, best = c;
    }
  }
  if (best < 0) return -1;
  double cx, cy;
  hex_centre(u, (size_t)best % u->nx, (size_t)best / u->nx, &cx, &cy);
  double dx = fabs(x - cx), dy = fabs(y - cy);
  if (dy > s / 2 * (1 + 1e-12) || 1.7320508075688772 * dx + dy > s * (1 + 1e-12)) return -1; /* off the grid's edge */
  return best;
}

sm_status sm_units_locate(sm_ctx *ctx, const sm_units *u, const sm_points *p, int32_t *unit_of_point, size_t *n_outside) {
  if (!u || !p || !unit_of_point) return sm__error(ctx, SM_E_INVALID_ARG, "sm_units_locate: NULL argument");
  if (!sm__crs_equal(ctx, u->crs, sm_points_crs(p)))
    return sm__error(ctx, SM_E_CRS, "the points are in %s, the cells in %s", sm_points_crs(p), u->crs);
  const double *x = sm_points_x(p), *y = sm_points_y(p);
  size_t n = sm_points_count(p), outside = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static) reduction(+ : outside)
#endif
  for (size_t i = 0; i < n; i++) {
    long c;
    if (u->hex) {
      c = hex_cell(u, x[i], y[i]);
    } else {
      double fi = floor((x[i] - u->x0) / u->cell), fj = floor((y[i] - u->y0) / u->cell);
      c = fi < 0 || fj < 0 || fi >= (double)u->nx || fj >= (double)u->ny ? -1 : (long)((size_t)fj * u->nx + (size_t)fi);
    }
    unit_of_point[i] = c < 0 ? -1 : u->unit_of[c];
    outside += unit_of_point[i] < 0;
  }
  if (n_outside) *n_outside = outside;
  return SM_OK;
}

sm_status sm_units_count_points(sm_ctx *ctx, const sm_units *u, const sm_points *p, double *counts, size_t *n_outside) {
  if (!u || !p || !counts) return sm__error(ctx, SM_E_INVALID_ARG, "sm_units_count_points: NULL argument");
  size_t n = sm_points_count(p);
  int32_t *at = sm__malloc((n ? n : 1) * sizeof *at);
  if (!at) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm_status st = sm_units_locate(ctx, u, p, at, n_outside);
  if (!st) {
    const double *w = sm_points_weight(p);
    memset(counts, 0, u->n * sizeof *counts);
    for (size_t i = 0; i < n; i++) /* in point order: the same sums as ever */
      if (at[i] >= 0) counts[at[i]] += w[i];
  }
  sm__free(at);
  return st;
}

sm_status sm_units_layer(sm_ctx *ctx, sm_layer **out, const sm_units *u, const char *name) {
  if (!out || !u || !name) return sm__error(ctx, SM_E_INVALID_ARG, "sm_units_layer: NULL argument");
  *out = NULL;
  sm_layer *L;
  sm_status st = sm_layer_create(ctx, &L, name, SM_GEOM_POLYGON, u->crs);
  size_t f_id, f_row, f_col;
  if (!st) st = sm_layer_add_field(ctx, L, "unit_id", SM_FIELD_INT64, &f_id);
  if (!st) st = sm_layer_add_field(ctx, L, "row", SM_FIELD_INT64, &f_row);
  if (!st) st = sm_layer_add_field(ctx, L, "col", SM_FIELD_INT64, &f_col);
  for (size_t k = 0; k < u->n && !st; k++) {
    size_t i = u->cellno[k] % u->nx, j = u->cellno[k] / u->nx;
    double x0 = u->x0 + (double)i * u->cell, y0 = u->y0 + (double)j * u->cell, x1 = x0 + u->cell, y1 = y0 + u->cell;
    double ring[14] = {x0, y0, x0, y1, x1, y1, x1, y0, x0, y0};
    uint32_t t = 3, nr = 1, np = 5;
    if (u->hex) { /* clockwise from the left vertex, as the squares */
      double cx, cy, R = HEX_R(u->cell), h = u->cell / 2;
      hex_centre(u, i, j, &cx, &cy);
      double hx[14] = {cx - R, cy, cx - R / 2, cy + h, cx + R / 2, cy + h, cx + R, cy,
                       cx + R / 2, cy - h, cx - R / 2, cy - h, cx - R, cy};
      memcpy(ring, hx, sizeof ring);
      np = 7;
    }
    unsigned char wkb[1 + 4 + 4 + 4 + 112];
    const uint16_t one = 1;
    wkb[0] = *(const unsigned char *)&one; /* host byte order, as the numbers below */
    memcpy(wkb + 1, &t, 4);
    memcpy(wkb + 5, &nr, 4);
    memcpy(wkb + 9, &np, 4);
    memcpy(wkb + 13, ring, np * 16);
    size_t row;
    st = sm_layer_add_feature(ctx, L, wkb, 13 + np * 16, &row);
    if (!st) st = sm_layer_set_int(ctx, L, row, f_id, (int64_t)k);
    if (!st) st = sm_layer_set_int(ctx, L, row, f_row, (int64_t)j);
    if (!st) st = sm_layer_set_int(ctx, L, row, f_col, (int64_t)i);
  }
  if (st) {
    sm_layer_destroy(L);
    return st;
  }
  *out = L;
  return SM_OK;
}

/* ---- the units of an analysis ----------------------------------------------------------- */

static const char *const unit_kind_names[SM_UNIT_KIND_END_] = {"auto", "wards", "fishnet", "hexagon"};

const char *sm_unit_kind_name(sm_unit_kind kind) {
  return (int)kind >= 0 && kind < SM_UNIT_KIND_END_ ? unit_kind_names[kind] : NULL;
}

sm_status sm_unit_kind_from_name(sm_ctx *ctx, const char *name, sm_unit_kind *out) {
  if (!name || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_unit_kind_from_name: NULL argument");
  for (int k = 0; k < SM_UNIT_KIND_END_; k++)
    if (!strcmp(name, unit_kind_names[k])) return *out = (sm_unit_kind)k, SM_OK;
  if (!strcmp(name, "areas")) return *out = SM_UNIT_AREAS, SM_OK;
  if (!strcmp(name, "hexagons")) return *out = SM_UNIT_HEXAGON, SM_OK;
  return sm__error(ctx, SM_E_INVALID_ARG, "unknown grid '%s' (wards, fishnet, hexagon)", name);
}

sm_status sm_unit_kind_resolve(sm_ctx *ctx, sm_unit_kind kind, int have_areas, sm_unit_kind *out) {
  if (!out || (int)kind < 0 || kind >= SM_UNIT_KIND_END_)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_unit_kind_resolve: bad argument");
  if (kind == SM_UNIT_AUTO) kind = have_areas ? SM_UNIT_AREAS : SM_UNIT_FISHNET;
  if (kind == SM_UNIT_AREAS && !have_areas)
    return sm__error(ctx, SM_E_INVALID_ARG, "the wards as units need ward polygons (--wards)");
  *out = kind;
  return SM_OK;
}

void sm_units_points_extent(const sm_points *p, double cell, double e[4]) {
  const double *x = sm_points_x(p), *y = sm_points_y(p);
  e[0] = e[1] = INFINITY, e[2] = e[3] = -INFINITY;
  for (size_t i = 0; i < sm_points_count(p); i++)
    e[0] = fmin(e[0], x[i]), e[1] = fmin(e[1], y[i]), e[2] = fmax(e[2], x[i]), e[3] = fmax(e[3], y[i]);
  /* the farthest point must fall in a cell: cells are [a, a + cell), so a span of whole cells gets one more */
  for (int k = 0; k < 2; k++) {
    double span = e[k + 2] - e[k];
    if (!(span > 0) || floor(span / cell) == span / cell) e[k + 2] += cell;
  }
}

sm_status sm_units_for_points(sm_ctx *ctx, sm_units **u, int32_t *unit_of_point, size_t *n_units, size_t *outside,
                              const sm_points *p, const sm_areas *areas, sm_unit_kind kind, double cell,
                              const double *extent) {
  if (!u || !unit_of_point || !n_units || !p) return sm__error(ctx, SM_E_INVALID_ARG, "sm_units_for_points: NULL argument");
  *u = NULL, *n_units = 0;
  sm_status st = sm_unit_kind_resolve(ctx, kind, areas != NULL, &kind);
  if (st) return st;
  if (kind == SM_UNIT_AREAS) {
    *n_units = sm_areas_count(areas);
    return sm_areas_locate(ctx, areas, p, unit_of_point, outside);
  }
  double e[4];
  if (extent) memcpy(e, extent, sizeof e);
  else if (areas) sm_areas_extent(areas, e);
  else sm_units_points_extent(p, cell, e);
  st = kind == SM_UNIT_HEXAGON ? sm_units_hexagons(ctx, u, e, cell, sm_points_crs(p), areas)
                               : sm_units_fishnet(ctx, u, e, cell, sm_points_crs(p), areas);
  if (!st) *n_units = sm_units_count(*u), st = sm_units_locate(ctx, *u, p, unit_of_point, outside);
  if (st) sm_units_destroy(*u), *u = NULL, *n_units = 0;
  return st;
}
