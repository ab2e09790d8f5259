/* sm_hotspots_run: the whole hot-spot analysis of `safemap hotspots` in one call (hotspot.h): the units
 * (wards, or fishnet / hexagon cells), counts or rates, the weights, ArcGIS Optimized Hot Spot Analysis's
 * choices, Gi*, bins, local and global Moran's I, permutations, and the layer 'hotspots' with its recipe. */
#include "internal/mpi.h"
#include "internal/bands.h"
#include "internal/limits.h"
#include "internal/options.h"
#include "internal/recipe.h"
#include "internal/result_build.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const weights_names[SM_HOTSPOT_WEIGHTS_END_] = {"auto", "queen", "rook", "band",
                                                                   "idw",  "idw2",  "knn"};

const char *sm_hotspot_weights_name(sm_hotspot_weights w) {
  return (int)w >= 0 && w < SM_HOTSPOT_WEIGHTS_END_ ? weights_names[w] : NULL;
}

sm_status sm_hotspot_weights_from_name(sm_ctx *ctx, const char *name, sm_hotspot_weights *out) {
  if (!name || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_hotspot_weights_from_name: NULL argument");
  for (int k = 0; k < SM_HOTSPOT_WEIGHTS_END_; k++)
    if (!strcmp(name, weights_names[k])) return *out = (sm_hotspot_weights)k, SM_OK;
  return sm__error(ctx, SM_E_INVALID_ARG, "unknown --weights '%s' (queen, rook, band, idw, idw2, knn)", name);
}

sm_status sm_hotspots_options_init(sm_hotspots_options *opts, int version) {
  if (!opts || version < 1 || version > SM_HOTSPOTS_OPTIONS_VERSION) return SM_E_INVALID_ARG;
  sm_hotspots_options d = SM_HOTSPOTS_OPTIONS_INIT;
  if (version == 1) memcpy(opts, &d, offsetof(sm_hotspots_options, output)); /* a version-1 struct is shorter */
  else *opts = d;
  opts->version = version;
  return SM_OK;
}

/* Bytes a polygon of the layer and its columns hold (the WKB and its pointer, 14 fields and their empty flags, the
 * class's string, GDAL's writing), as measured on a 480,000-cell fishnet. */
#define LAYER_BYTES_PER_UNIT 500.0

/* One run: the resolved options, the units, their values, the weights and the statistics. */
typedef struct hs_run {
  sm_ctx *ctx;
  const sm_points *p;
  const sm_areas *a;
  int have_areas;           /* areas given (a may be NULL when only the options are checked) */
  sm_hotspots_options o;    /* units and weights resolved; neighbours (knn) and per (rates) with defaults */
  const char *wt;           /* the weights' name */
  int wards, contiguity, knn, idw; /* ward units; queen/rook; knn; 1/d (1) or 1/d² (2) */
  double cell, band;        /* as used: given or chosen */
  int o_cell, o_band;       /* optimised chose the cell size / the band */
  sm_ohsa_cell ocell;
  sm_ohsa_band oband;
  size_t incidents, dropped, outside, n, extended, lonely;
  sm_units *u;
  sm_layer *L;
  sm_weights *w, *wn;       /* with self (Gi*), without (Moran) */
  double *cnt, *cxy;        /* values (counts or rates); ward centroids */
  const double *ux, *uy;    /* unit centres */
  double *z, *pv, *li, *lz, *lp, *gps, *lps;
  int *bin, *binf, *lc;
  sm_moran gm;
  const char *output;       /* written by the run (version 2), or NULL */
  const sm_write_options *wo;
  int raster;               /* output is a GeoTIFF: the grid as bands, no polygons */
  double e[4];              /* the grid's extent */
} hs_run;

static sm_status nomem(sm_ctx *ctx) { return sm__error(ctx, SM_E_NOMEM, "out of memory"); }

/* The option combinations, with the command line's words. */
static sm_status check_combinations(hs_run *r, sm_hotspots_options *o) {
  sm_ctx *ctx = r->ctx;
  if (o->optimised && o->weights != SM_HOTSPOT_WEIGHTS_AUTO && o->weights != SM_HOTSPOT_WEIGHTS_BAND)
    return sm__error(ctx, SM_E_INVALID_ARG, "--optimised uses a fixed distance band (as ArcGIS's Optimized Hot Spot "
                     "Analysis), not --weights %s", sm_hotspot_weights_name(o->weights));
  if (o->optimised && (o->neighbours || o->min_neighbours))
    return sm__error(ctx, SM_E_INVALID_ARG, "--optimised chooses its own distance band; %s is not used with it",
                     o->neighbours ? "--neighbours" : "--min-neighbours");
  if (o->weights == SM_HOTSPOT_WEIGHTS_AUTO)
    o->weights = r->wards && !o->optimised ? SM_HOTSPOT_WEIGHTS_QUEEN : SM_HOTSPOT_WEIGHTS_BAND;
  r->wt = sm_hotspot_weights_name(o->weights);
  r->contiguity = o->weights == SM_HOTSPOT_WEIGHTS_QUEEN || o->weights == SM_HOTSPOT_WEIGHTS_ROOK;
  r->knn = o->weights == SM_HOTSPOT_WEIGHTS_KNN;
  r->idw = o->weights == SM_HOTSPOT_WEIGHTS_IDW ? 1 : o->weights == SM_HOTSPOT_WEIGHTS_IDW2 ? 2 : 0;
  if (!r->wards && r->contiguity)
    return sm__error(ctx, SM_E_INVALID_ARG, "--weights %s is for polygon units (--wards); grid cells take band, idw, "
                     "idw2 or knn", r->wt);
  if (o->neighbours && !r->knn) return sm__error(ctx, SM_E_INVALID_ARG, "--neighbours is for --weights knn");
  if (o->min_neighbours && (r->knn || r->contiguity))
    return sm__error(ctx, SM_E_INVALID_ARG, "--min-neighbours is for --weights band, idw or idw2");
  if ((o->rates || o->per != 0) && !r->wards)
    return sm__error(ctx, SM_E_INVALID_ARG, "--rate-field and --per are for ward units (a field of the --wards layer)");
  if (o->per != 0 && !o->rates) return sm__error(ctx, SM_E_INVALID_ARG, "--per needs --rate-field");
  return SM_OK;
}

/* The numbers: given where they are needed, positive, and only where they are used. */
static sm_status check_numbers(hs_run *r, sm_hotspots_options *o) {
  sm_ctx *ctx = r->ctx;
  if (!r->wards && o->cell_m == 0 && !o->optimised)
    return sm__error(ctx, SM_E_INVALID_ARG, "--cell is required (fishnet cell size in metres), or --optimised");
  if (!r->contiguity && !r->knn && o->band_m == 0 && !o->optimised)
    return sm__error(ctx, SM_E_INVALID_ARG, "--band is required (distance band in metres), or --optimised");
  if (r->wards && o->cell_m != 0) return sm__error(ctx, SM_E_INVALID_ARG, "--cell is for --grid fishnet or hexagon");
  if (r->contiguity && o->band_m != 0)
    return sm__error(ctx, SM_E_INVALID_ARG, "--band is for --weights band, idw or idw2 (not %s contiguity)", r->wt);
  if (o->cell_m != 0 && !(o->cell_m > 0 && isfinite(o->cell_m)))
    return sm__error(ctx, SM_E_INVALID_ARG, "--cell needs metres > 0, not %g", o->cell_m);
  if (r->knn && o->band_m != 0) return sm__error(ctx, SM_E_INVALID_ARG, "--weights knn takes --neighbours, not --band");
  if (o->band_m != 0 && !(o->band_m > 0 && isfinite(o->band_m)))
    return sm__error(ctx, SM_E_INVALID_ARG, "--band needs metres > 0, not %g", o->band_m);
  if (o->per != 0 && !(o->per > 0 && isfinite(o->per)))
    return sm__error(ctx, SM_E_INVALID_ARG, "--per needs a number > 0, not %g", o->per);
  if (o->rates && r->a && !sm_areas_value_field(r->a))
    return sm__error(ctx, SM_E_INVALID_ARG, "--rate-field: the wards were read without a value field "
                     "(sm_areas_options.value_field)");
  return SM_OK;
}

/* Resolves the units and the weights and checks every option. */
static sm_status validate(hs_run *r, const sm_hotspots_options *in) {
  sm_ctx *ctx = r->ctx;
  sm_hotspots_options o = SM_HOTSPOTS_OPTIONS_INIT; /* a version-1 struct ends before `output` */
  memcpy(&o, in, in->version >= 2 ? sizeof o : offsetof(sm_hotspots_options, output));
  if ((int)o.units < 0 || o.units >= SM_UNIT_KIND_END_ || (int)o.weights < 0 || o.weights >= SM_HOTSPOT_WEIGHTS_END_)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_hotspots_run: units or weights out of range");
  if (o.units == SM_UNIT_AREAS && !r->have_areas) return sm__error(ctx, SM_E_INVALID_ARG, "--grid wards needs --wards");
  sm_status st = sm_unit_kind_resolve(ctx, o.units, r->have_areas, &o.units);
  if (st) return st;
  r->wards = o.units == SM_UNIT_AREAS;
  if (!st) st = check_combinations(r, &o);
  if (!st) st = check_numbers(r, &o);
  if (st) return st;
  if (r->knn && !o.neighbours) o.neighbours = 8;
  if (o.rates && o.per == 0) o.per = 1000;
  r->cell = o.cell_m, r->band = o.band_m;
  r->output = o.version >= 2 ? o.output : NULL, r->wo = o.version >= 2 ? o.write : NULL;
  char *style = r->output ? sm_write_style_path(r->output, r->wo) : NULL; /* a GeoTIFF has a style beside it */
  r->raster = style != NULL;
  sm__free(style);
  if (r->raster && o.units != SM_UNIT_FISHNET)
    return sm__error(ctx, SM_E_INVALID_ARG, "'%s': a raster output is for --grid fishnet (square cells); write %s to "
                     ".gpkg or .csv", r->output, r->wards ? "wards" : "hexagons");
  r->o_cell = o.optimised && !r->wards && o.cell_m == 0;
  r->o_band = o.optimised && o.band_m == 0;
  r->o = o;
  return SM_OK;
}

/* Optimized Hot Spot Analysis's first steps (docs/methods.md §1.3): enough incidents (30, or 60 for a grid
 * without a study area, as ArcGIS) and, unless given, the cell size from the incidents in the study area. */
static sm_status optimised_incidents(hs_run *r) {
  sm_ctx *ctx = r->ctx;
  size_t np = sm_points_count(r->p), m = 0, need = !r->wards && !r->a ? 60 : 30, sz = np ? np : 1;
  const double *x = sm_points_x(r->p), *y = sm_points_y(r->p);
  double *ix = sm__malloc(sz * sizeof *ix), *iy = sm__malloc(sz * sizeof *iy);
  int32_t *at = r->a ? sm__malloc(sz * sizeof *at) : NULL;
  sm_status st = !ix || !iy || (r->a && !at) ? nomem(ctx) : SM_OK;
  if (!st && r->a) st = sm_areas_locate(ctx, r->a, r->p, at, NULL);
  for (size_t i = 0; !st && i < np; i++)
    if (!at || at[i] >= 0) ix[m] = x[i], iy[m] = y[i], m++;
  r->incidents = m;
  if (!st && m < need)
    st = sm__error(ctx, SM_E_INPUT, "--optimised needs at least %zu incidents%s (ArcGIS's minimum%s), not %zu", need,
                   r->a ? " in the study area" : "",
                   !r->wards && !r->a ? " for a grid without a study area: give --wards" : "", m);
  if (!st && r->o_cell) st = sm_optimised_cell_size(ctx, m, ix, iy, &r->ocell);
  if (!st && r->o_cell) r->cell = r->ocell.cell_m;
  sm__free(ix), sm__free(iy), sm__free(at);
  return st;
}

/* Rates per `per` of the wards' value field; every ward needs a denominator > 0 (up to 10 named). */
static sm_status ward_rates(hs_run *r) {
  size_t bad = 0;
  sm_buf b = {0};
  sm_status st = SM_OK;
  const char *field = sm_areas_value_field(r->a);
  for (size_t i = 0; !st && i < r->n; i++) {
    double d = sm_areas_value(r->a, i);
    if (!isnan(d) && d > 0) continue;
    if (bad < 10) {
      char val[32];
      const char *name = sm_areas_name(r->a, i);
      if (isnan(d)) snprintf(val, sizeof val, "empty");
      else snprintf(val, sizeof val, "%g", d);
      st = sm__buf_printf(&b, "%sward %s%s%s%s: field %s is %s", bad ? "; " : "", sm_areas_id(r->a, i),
                          name[0] ? " (" : "", name, name[0] ? ")" : "", field, val);
    }
    bad++;
  }
  if (!st && bad > 10) st = sm__buf_printf(&b, "; ... and %zu more wards", bad - 10);
  if (st) st = nomem(r->ctx);
  else if (bad) st = sm__error(r->ctx, SM_E_INPUT, "%s; a rate needs a denominator > 0", b.s);
  sm__free(b.s);
  for (size_t i = 0; !st && i < r->n; i++) r->cnt[i] = r->cnt[i] / sm_areas_value(r->a, i) * r->o.per;
  return st;
}

/* The wards as units: their totals and polygons from the count layer, rates, centroids for distance weights. */
static sm_status ward_units(hs_run *r) {
  sm_ctx *ctx = r->ctx;
  sm_status st = sm_areas_count_points(ctx, &r->L, NULL, r->a, r->p, "hotspots");
  if (st) return st;
  r->n = sm_areas_count(r->a);
  long ft = sm_layer_field_index(r->L, "total");
  r->cnt = sm__malloc((r->n ? r->n : 1) * sizeof *r->cnt);
  if (!r->cnt || ft < 0) return r->cnt ? sm__error(ctx, SM_E_INVALID_ARG, "the count layer has no total") : nomem(ctx);
  for (size_t i = 0; i < r->n; i++) r->cnt[i] = (double)sm_layer_get_int(r->L, i, (size_t)ft);
  const char *os = sm_layer_metadata_get(r->L, "points_outside_areas");
  r->outside = os ? (size_t)strtoull(os, NULL, 10) : 0;
  if (r->o.rates) st = ward_rates(r);
  if (st || r->contiguity) return st;
  /* distance weights between the wards' centroids */
  r->cxy = sm__malloc(2 * (r->n ? r->n : 1) * sizeof *r->cxy);
  if (!r->cxy) return nomem(ctx);
  for (size_t i = 0; i < r->n; i++)
    if (!sm_areas_centroid(r->a, i, &r->cxy[i], &r->cxy[r->n + i]))
      return sm__error(ctx, SM_E_INPUT, "ward %s has no geometry, so no centroid for --weights %s", sm_areas_id(r->a, i),
                       r->wt);
  r->ux = r->cxy, r->uy = r->cxy + r->n;
  return SM_OK;
}

/* What a grid's run holds at most, checked against the memory limit before the cells are made: the points, the
 * cells (centres, numbers, the grid's index), the counts, the statistics, the largest passing need (the FDR's sort,
 * Moran's sums, the permutations' per-thread draws) and the layer's polygons unless a raster is written. */
static sm_status cell_budget(hs_run *r) {
  double cell = r->cell, *e = r->e;
  int hex = r->o.units == SM_UNIT_HEXAGON;
  double fx = hex ? ceil((e[2] - e[0]) / (1.5 * cell / 1.7320508075688772) - 1e-9) + 1 : ceil((e[2] - e[0]) / cell - 1e-9);
  double fy = ceil((e[3] - e[1]) / cell - 1e-9) + (hex ? 1 : 0), nc = fmax(fx, 1) * fmax(fy, 1);
  double pts = sm__points_bytes(r->p), cells = nc * (4 + 8 + 8 + 8), counts = (double)sm_points_count(r->p) * 4 + nc * 8;
  double stats = nc * (5 * 8 + 3 * 4 + (r->o.permutations ? 16 : 0));
  /* the permutations: the centred values, the whole numbers twice (as they are and narrowed), and each thread's slots
   * of every unit, touched only by rows of more than 48 draws or weights that are not all equal (a stencil of a band
   * under 3.5 cells has neither) */
  int few = !r->knn && !r->idw && !r->o.min_neighbours && !r->wards && !hex && r->band / cell < 3.5;
  double pass = fmax(nc * 24, r->o.permutations ? nc * (16 + (few ? 0 : 8.0 * sm__threads(r->ctx))) : 0);
  double layer = r->raster ? 0 : nc * LAYER_BYTES_PER_UNIT;
  /* the raster's rows of blocks and bands of rows, and GDAL's block cache (held to 256 MiB; at most the bands) */
  double writer = r->raster ? 12 * fx * (256 + 64) * 8 + fmin(256.0 * 1024 * 1024, 12 * nc * 8) : 0;
  char a[32], b[32], c[32], d[32], what[400];
  snprintf(what, sizeof what, "the hot-spot analysis of %.0f cells (the points %s, the cells and their counts %s, the "
           "statistics %s%s%s)", nc, sm__fmt_bytes(pts, a, sizeof a), sm__fmt_bytes(cells + counts, b, sizeof b),
           sm__fmt_bytes(stats + pass + writer, c, sizeof c), layer > 0 ? ", the cells' polygons " : "",
           layer > 0 ? sm__fmt_bytes(layer, d, sizeof d) : "");
  return sm__memory_check(r->ctx, pts + cells + counts + stats + pass + layer + writer, what,
                          r->raster || hex ? "use a larger --cell or a smaller --extent"
                                           : "write a raster instead of polygons (-o OUT.tif: a band per field), use a "
                                             "larger --cell or a smaller --extent");
}

/* Fishnet or hexagon cells over the extent (given, the wards', else the points'), in the wards when given;
 * optimised without a study area: only the cells holding an incident (ArcGIS). */
static sm_status cell_units(hs_run *r) {
  sm_ctx *ctx = r->ctx;
  double e[4];
  if (r->o.has_extent) memcpy(e, r->o.extent, sizeof e);
  else if (r->a) sm_areas_extent(r->a, e);
  else sm_units_points_extent(r->p, r->cell, e);
  const char *crs = sm_points_crs(r->p);
  memcpy(r->e, e, sizeof e);
  sm_status st = cell_budget(r);
  if (!st) st = r->o.units == SM_UNIT_HEXAGON ? sm_units_hexagons(ctx, &r->u, e, r->cell, crs, r->a)
                                              : sm_units_fishnet(ctx, &r->u, e, r->cell, crs, r->a);
  if (st) return st;
  r->n = sm_units_count(r->u);
  r->cnt = sm__malloc((r->n ? r->n : 1) * sizeof *r->cnt);
  if (!r->cnt) return nomem(ctx);
  double t0 = sm__now();
  st = sm_units_count_points(ctx, r->u, r->p, r->cnt, &r->outside);
  if (!st) sm__log(ctx, SM_LOG_DEBUG, "the incidents counted into %zu cells in %.3f s", r->n, sm__now() - t0);
  if (!st && r->o.optimised && !r->a) {
    unsigned char *keep = sm__malloc(r->n ? r->n : 1);
    size_t m = 0;
    if (!keep) return nomem(ctx);
    for (size_t i = 0; i < r->n; i++) keep[i] = r->cnt[i] > 0;
    st = sm_units_keep(ctx, r->u, keep, &m);
    for (size_t i = 0, j = 0; !st && i < r->n; i++)
      if (keep[i]) r->cnt[j++] = r->cnt[i];
    sm__free(keep);
    if (!st) r->dropped = r->n - m, r->n = m;
  }
  r->ux = sm_units_x(r->u), r->uy = sm_units_y(r->u);
  if (!st && r->raster) st = sm_layer_create(ctx, &r->L, "hotspots", SM_GEOM_POLYGON, crs); /* its metadata only */
  else if (!st) st = sm_units_layer(ctx, &r->L, r->u, "hotspots");
  return st;
}

/* ArcGIS's minimums on the analysed units: 30 of them, not all the same value. */
static sm_status optimised_units(hs_run *r) {
  size_t n = r->n;
  double mean = 0, var = 0;
  for (size_t i = 0; i < n; i++) mean += r->cnt[i];
  mean /= (double)(n ? n : 1);
  for (size_t i = 0; i < n; i++) var += (r->cnt[i] - mean) * (r->cnt[i] - mean);
  var /= (double)(n ? n : 1);
  const char *what = r->wards ? "wards" : "cells";
  if (n < 30)
    return sm__error(r->ctx, SM_E_INPUT, "--optimised needs at least 30 %s to analyse, not %zu%s", what, n,
                     r->wards ? "" : r->a ? "; use a smaller --cell"
                                          : " (cells holding an incident); use a smaller --cell or give --wards");
  if (!(var > 1e-12))
    return sm__error(r->ctx, SM_E_INPUT, "every one of the %zu %s has the same %s (%g): nothing to find", n, what,
                     r->o.rates ? "rate" : "count", mean);
  if (!r->o_band) return SM_OK;
  sm_status st = sm_optimised_band(r->ctx, n, r->ux, r->uy, r->cnt, &r->oband);
  if (!st) r->band = r->oband.band_m;
  return st;
}

/* Fewer than 3 units: refused before the weights are built (Gi* and Moran's I need 3). */
static sm_status enough_units(hs_run *r) {
  if (r->n >= 3) return SM_OK;
  return sm__error(r->ctx, SM_E_INPUT, "hot-spot statistics need at least 3 %s, not %zu%s", r->wards ? "wards" : "cells",
                   r->n, r->wards ? ": give --wards with more areas, or use --grid fishnet" : ": use a smaller --cell");
}

/* Gi* takes each unit as its own neighbour (weight 1); local and global Moran the same neighbours without. */
static sm_status build_weights(hs_run *r) {
  sm_ctx *ctx = r->ctx;
  size_t n = r->n, k = r->o.neighbours, mn = r->o.min_neighbours;
  if (r->contiguity) {
    int queen = r->o.weights == SM_HOTSPOT_WEIGHTS_QUEEN;
    sm_status st = sm_weights_contiguity(ctx, &r->w, r->a, queen, 0, 1, 1.0);
    return st ? st : sm_weights_contiguity(ctx, &r->wn, r->a, queen, 0, 0, 0);
  }
  if (r->knn && k >= n)
    return sm__error(ctx, SM_E_INPUT, "--neighbours %zu needs more than %zu units, not %zu", k, k, n);
  /* a binary band on a fishnet: the stencil of cell offsets within the band, no table (the same rows, so the same
   * bits: internal/weights.h) */
  size_t nx = 0, ny = 0;
  const size_t *cellno = NULL;
  const int32_t *unit_of = r->u && !r->knn && !r->idw && !mn && !r->o.optimised ? sm__units_grid(r->u, &nx, &ny, &cellno) : NULL;
  if (unit_of && r->band / r->cell < 17) {
    sm_status st = sm__weights_stencil(ctx, &r->w, n, nx, ny, unit_of, cellno, r->ux, r->uy, r->cell, r->band, 1, 1.0);
    if (!st) st = sm_weights_drop_self(ctx, &r->wn, r->w);
    if (!st)
      sm__log(ctx, SM_LOG_DEBUG, "weights: a stencil of %zu cell offsets within %g m (no table)", sm__weights_max_row(r->w),
              r->band);
    return st;
  }
  sm_status st = r->knn ? sm_weights_knn(ctx, &r->w, n, r->ux, r->uy, k, 1, 1.0)
                 : r->idw ? sm_weights_inverse_distance(ctx, &r->w, n, r->ux, r->uy, r->band, r->idw, 1, 1.0)
                          : sm_weights_distance_band(ctx, &r->w, n, r->ux, r->uy, r->band, 1, 1.0);
  if (!st && mn && mn >= n)
    return sm__error(ctx, SM_E_INPUT, "--min-neighbours %zu needs more than %zu units, not %zu", mn, mn, n);
  if (!st && mn) st = sm_weights_min_neighbours(ctx, r->w, r->ux, r->uy, mn, r->idw, &r->extended);
  if (!st) st = sm_weights_drop_self(ctx, &r->wn, r->w);
  return st;
}

/* Units without a neighbour: an error when no unit has one, else a warning naming up to 10. */
static sm_status lonely_units(hs_run *r) {
  size_t n = r->n, lonely = 0;
  for (size_t i = 0; i < n; i++) lonely += sm_weights_neighbours(r->w, i) <= 1;
  r->lonely = lonely;
  if (lonely == n && n >= 3) {
    if (r->contiguity)
      return sm__error(r->ctx, SM_E_INPUT, "no ward shares a boundary with another (%s contiguity)", r->wt);
    if (r->wards)
      return sm__error(r->ctx, SM_E_INPUT, "the band (%g m) is shorter than the distance from every ward's centroid "
                       "to its nearest: no ward has a neighbour", r->band);
    return sm__error(r->ctx, SM_E_INPUT, "the band (%g m) is smaller than the distance between cells (%g m): no cell "
                     "has a neighbour", r->band, r->cell);
  }
  if (!lonely) return SM_OK;
  sm_buf b = {0};
  sm_status st = SM_OK;
  size_t shown = 0;
  for (size_t i = 0; !st && i < n && shown < 10; i++)
    if (sm_weights_neighbours(r->w, i) <= 1) {
      if (r->wards) st = sm__buf_printf(&b, " %s", sm_areas_id(r->a, i));
      else st = sm__buf_printf(&b, " %zu", i);
      shown++;
    }
  if (st) st = nomem(r->ctx);
  else st = sm__layer_warn(r->ctx, r->L, "%zu %s no neighbour (their gi_z is empty):%s%s", lonely,
                           r->wards ? "wards have" : "cells have", b.s ? b.s : "", lonely > shown ? " ..." : "");
  sm__free(b.s);
  return st;
}

/* Gi*, its bins with and without FDR, local and global Moran's I, the permutations (seeded by the options). */
static sm_status statistics(hs_run *r) {
  sm_ctx *ctx = r->ctx;
  size_t n = r->n, sz = n ? n : 1;
  r->z = sm__malloc(sz * sizeof *r->z), r->pv = sm__malloc(sz * sizeof *r->pv);
  r->bin = sm__malloc(sz * sizeof *r->bin), r->binf = sm__malloc(sz * sizeof *r->binf);
  r->li = sm__malloc(sz * sizeof *r->li), r->lz = sm__malloc(sz * sizeof *r->lz);
  r->lp = sm__malloc(sz * sizeof *r->lp), r->lc = sm__malloc(sz * sizeof *r->lc);
  if (!r->z || !r->pv || !r->bin || !r->binf || !r->li || !r->lz || !r->lp || !r->lc) return nomem(ctx);
  double t0 = sm__now();
  sm_status st = sm_gistar(ctx, r->w, r->cnt, n, r->z, r->pv);
  double t1 = sm__now();
  if (!st) st = sm_hotspot_bins(ctx, r->z, r->pv, n, 0, r->bin);
  if (!st) st = sm_hotspot_bins(ctx, r->z, r->pv, n, 1, r->binf);
  double t2 = sm__now();
  if (!st) st = sm_local_moran(ctx, r->wn, r->cnt, n, r->li, r->lz, r->lp, r->lc);
  double t3 = sm__now();
  if (!st) st = sm_global_moran(ctx, r->wn, r->cnt, n, &r->gm);
  if (!st)
    sm__log(ctx, SM_LOG_DEBUG, "statistics of %zu units: Gi* %.3f s, bins with and without FDR %.3f s, local Moran %.3f "
            "s, global Moran %.3f s", n, t1 - t0, t2 - t1, t3 - t2, sm__now() - t3);
  if (st || !r->o.permutations) return st;
  r->gps = sm__malloc(sz * sizeof *r->gps), r->lps = sm__malloc(sz * sizeof *r->lps);
  if (!r->gps || !r->lps) return nomem(ctx);
  uint64_t seed = sm_ctx_seed(ctx); /* the permutations draw from the ctx's seed: the options' for this run */
  sm_ctx_set_seed(ctx, r->o.seed);
  st = sm_hotspot_permutations_both(ctx, r->w, r->wn, r->cnt, n, r->o.permutations, r->gps, r->lps);
  sm_ctx_set_seed(ctx, seed);
  return st;
}

/* The columns after the units' own: count (cells), denominator and rate, neighbours, Gi*, bins, LISA, sims. */
static sm_status columns(hs_run *r) {
  sm_ctx *ctx = r->ctx;
  sm_layer *L = r->L;
  size_t fc = 0, fden = 0, frate = 0, fn, fz, fp, fb, ff, fli, flz, flp, flc, fgs = 0, fls = 0;
  sm_status st = r->wards ? SM_OK : sm_layer_add_field(ctx, L, "count", SM_FIELD_DOUBLE, &fc);
  if (!st && r->o.rates) st = sm_layer_add_field(ctx, L, "denominator", SM_FIELD_DOUBLE, &fden);
  if (!st && r->o.rates) st = sm_layer_add_field(ctx, L, "rate", SM_FIELD_DOUBLE, &frate);
  if (!st) st = sm_layer_add_field(ctx, L, "neighbours", SM_FIELD_INT64, &fn);
  if (!st) st = sm_layer_add_field(ctx, L, "gi_z", SM_FIELD_DOUBLE, &fz);
  if (!st) st = sm_layer_add_field(ctx, L, "gi_p", SM_FIELD_DOUBLE, &fp);
  if (!st) st = sm_layer_add_field(ctx, L, "gi_bin", SM_FIELD_INT64, &fb);
  if (!st) st = sm_layer_add_field(ctx, L, "gi_bin_fdr", SM_FIELD_INT64, &ff);
  if (!st) st = sm_layer_add_field(ctx, L, "lisa_i", SM_FIELD_DOUBLE, &fli);
  if (!st) st = sm_layer_add_field(ctx, L, "lisa_z", SM_FIELD_DOUBLE, &flz);
  if (!st) st = sm_layer_add_field(ctx, L, "lisa_p", SM_FIELD_DOUBLE, &flp);
  if (!st) st = sm_layer_add_field(ctx, L, "lisa_class", SM_FIELD_STRING, &flc);
  if (!st && r->gps) st = sm_layer_add_field(ctx, L, "gi_p_sim", SM_FIELD_DOUBLE, &fgs);
  if (!st && r->lps) st = sm_layer_add_field(ctx, L, "lisa_p_sim", SM_FIELD_DOUBLE, &fls);
  static const char *const cname[] = {"", "HH", "LL", "LH", "HL"};
  for (size_t i = 0; i < r->n && !st; i++) {
    if (!r->wards) st = sm_layer_set_double(ctx, L, i, fc, r->cnt[i]);
    if (!st && r->o.rates) st = sm_layer_set_double(ctx, L, i, fden, sm_areas_value(r->a, i));
    if (!st && r->o.rates) st = sm_layer_set_double(ctx, L, i, frate, r->cnt[i]);
    if (!st) st = sm_layer_set_int(ctx, L, i, fn, (int64_t)sm_weights_neighbours(r->w, i) - 1);
    if (!st && !isnan(r->z[i])) st = sm_layer_set_double(ctx, L, i, fz, r->z[i]);
    if (!st && !isnan(r->pv[i])) st = sm_layer_set_double(ctx, L, i, fp, r->pv[i]);
    if (!st) st = sm_layer_set_int(ctx, L, i, fb, r->bin[i]);
    if (!st) st = sm_layer_set_int(ctx, L, i, ff, r->binf[i]);
    if (!st && !isnan(r->li[i])) st = sm_layer_set_double(ctx, L, i, fli, r->li[i]);
    if (!st && !isnan(r->lz[i])) st = sm_layer_set_double(ctx, L, i, flz, r->lz[i]);
    if (!st && !isnan(r->lp[i])) st = sm_layer_set_double(ctx, L, i, flp, r->lp[i]);
    if (!st) st = sm_layer_set_string(ctx, L, i, flc, cname[r->lc[i]]);
    if (!st && r->gps && !isnan(r->gps[i])) st = sm_layer_set_double(ctx, L, i, fgs, r->gps[i]);
    if (!st && r->lps && !isnan(r->lps[i])) st = sm_layer_set_double(ctx, L, i, fls, r->lps[i]);
  }
  return st || r->wards ? st : sm__layer_whole_to_int(ctx, L, fc);
}

/* The QGIS style of a hot-spot raster: gi_bin_fdr (band `band`) in ArcGIS's colours, as the layer's style. */
static char *raster_qml(int band) {
  static const struct {
    int v;
    const char *label, *color;
  } bins[] = {{-3, "Cold spot, 99% confidence", "#4575b5"}, {-2, "Cold spot, 95% confidence", "#849eba"},
              {-1, "Cold spot, 90% confidence", "#c0ccbe"}, {0, "Not significant", "#f7f7f2"},
              {1, "Hot spot, 90% confidence", "#fab984"},   {2, "Hot spot, 95% confidence", "#ed7551"},
              {3, "Hot spot, 99% confidence", "#d62f27"}};
  sm_buf b = {0};
  int bad = sm__buf_printf(&b, "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.0\" "
                           "styleCategories=\"Symbology\"><pipe><rasterrenderer type=\"paletted\" band=\"%d\" "
                           "opacity=\"1\" alphaBand=\"-1\" nodataColor=\"\"><rasterTransparency/><colorPalette>\n", band);
  for (size_t k = 0; k < sizeof bins / sizeof bins[0] && !bad; k++)
    bad = sm__buf_printf(&b, "<paletteEntry value=\"%d\" color=\"%s\" label=\"%s\" alpha=\"255\"/>\n", bins[k].v,
                         bins[k].color, bins[k].label);
  if (!bad) bad = sm__buf_printf(&b, "</colorPalette></rasterrenderer></pipe></qgis>\n");
  if (bad) sm__free(b.s), b.s = NULL;
  return b.s;
}

/* The fishnet as a GeoTIFF, a band per field, written a band of rows at a time from the top row (the grid's last):
 * nodata where no cell is analysed or a value is empty (gi_z of a cell without a neighbour); the layer's metadata. */
static sm_status write_raster(hs_run *r) {
  sm_ctx *ctx = r->ctx;
  size_t nx, ny;
  const size_t *cellno;
  const int32_t *unit_of = sm__units_grid(r->u, &nx, &ny, &cellno);
  static const char *const names[] = {"count", "neighbours", "gi_z", "gi_p", "gi_bin", "gi_bin_fdr", "lisa_i",
                                      "lisa_z", "lisa_p", "lisa_class", "gi_p_sim", "lisa_p_sim"};
  size_t nb = r->gps ? 12 : 10, rows = 64;
  double t0 = sm__now();
  sm_raster *hd = NULL;
  sm__raster_out *ro = NULL;
  sm_status st = sm__raster_create_header(ctx, &hd, nx, ny, r->e[0], r->e[1] + (double)ny * r->cell, r->cell,
                                          sm_points_crs(r->p));
  for (size_t k = 0; k < sm_layer_metadata_count(r->L) && !st; k++)
    st = sm_raster_set_metadata(ctx, hd, sm_layer_metadata_key(r->L, k), sm_layer_metadata_value(r->L, k));
  if (!st) st = sm_raster_set_metadata(ctx, hd, "name", "hotspots");
  if (!st) st = sm_raster_set_metadata(ctx, hd, "lisa_class", "0 none, 1 HH, 2 LL, 3 LH, 4 HL (p <= 0.05)");
  sm_buf bn = {0};
  for (size_t k = 0; k < nb && !st; k++)
    if (sm__buf_printf(&bn, "%s%s", k ? "," : "", names[k])) st = nomem(ctx);
  if (!st) st = sm_raster_set_metadata(ctx, hd, "bands", bn.s);
  sm__free(bn.s);
  char *qml = st ? NULL : raster_qml(6);
  if (!st && !qml) st = nomem(ctx);
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  if (r->wo) wo = *r->wo;
  wo.float64 = 1; /* the bands hold the layer's numbers exactly */
  if (!st) st = sm__raster_out_open_bands(ctx, &ro, r->output, hd, nb, names, qml, &wo);
  sm__free(qml);
  double *buf = st ? NULL : sm__malloc(nb * rows * nx * sizeof *buf);
  const double *bands[12];
  if (!st && !buf) st = nomem(ctx);
  for (size_t k = 0; k < nb && buf; k++) bands[k] = buf + k * rows * nx;
  double saved[2];
  sm__progress_push(ctx, 0.9, 1.0, saved);
  for (size_t r0 = 0; r0 < ny && !st; r0 += rows) {
    size_t r1 = r0 + rows < ny ? r0 + rows : ny;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static)
#endif
    for (size_t t = r0; t < r1; t++) {
      size_t j = ny - 1 - t; /* the raster's first row is the grid's last */
      for (size_t i = 0; i < nx; i++) {
        double *v[12];
        for (size_t k = 0; k < nb; k++) v[k] = buf + k * rows * nx + (t - r0) * nx + i;
        int32_t u = unit_of[j * nx + i];
        if (u < 0) {
          for (size_t k = 0; k < nb; k++) *v[k] = NAN;
          continue;
        }
        *v[0] = r->cnt[u], *v[1] = (double)sm_weights_neighbours(r->w, (size_t)u) - 1, *v[2] = r->z[u], *v[3] = r->pv[u];
        *v[4] = r->bin[u], *v[5] = r->binf[u], *v[6] = r->li[u], *v[7] = r->lz[u], *v[8] = r->lp[u], *v[9] = r->lc[u];
        if (nb > 10) *v[10] = r->gps[u], *v[11] = r->lps[u];
      }
    }
    st = sm__raster_out_rows_bands(ro, r0, r1, bands);
    if (!st) st = sm__progress(ctx, (double)r1 / (double)ny, "writing the raster");
  }
  sm__progress_pop(ctx, saved);
  sm__free(buf);
  double t1 = sm__now();
  if (ro) {
    sm_status cst = sm__raster_out_close(ro, hd, !st);
    if (!st) st = cst;
  }
  if (!st)
    sm__log(ctx, SM_LOG_DEBUG, "raster of %zu x %zu cells, %zu bands: written in %.3f s, finished (overviews, style) in "
            "%.3f s", nx, ny, nb, t1 - t0, sm__now() - t1);
  sm_raster_destroy(hd);
  return st;
}

/* method, value, weights, units, cell_m, min_neighbours, points_outside_cells, global_moran, lisa,
 * permutations, bins: the keys and texts the command line has always written. */
static sm_status method_metadata(hs_run *r) {
  sm_ctx *ctx = r->ctx;
  sm_layer *L = r->L;
  sm_status st = sm_layer_set_metadata(ctx, L, "method", "Getis-Ord Gi* (each unit its own neighbour with weight 1, "
                                                         "variance divisor n)");
  if (!st && r->o.rates)
    st = sm__layer_meta(ctx, L, "value", "rate: incidents per %g of %s (field denominator)", r->o.per,
                        sm_areas_value_field(r->a));
  else if (!st) st = sm_layer_set_metadata(ctx, L, "value", "incident count");
  if (!st && r->contiguity)
    st = sm__layer_meta(ctx, L, "weights", "%s contiguity (spdep poly2nb: shared boundary points)", r->wt);
  if (!st && !r->contiguity) {
    if (!r->wards) st = sm__layer_meta(ctx, L, "cell_m", "%g", r->cell);
    if (!st) st = sm_layer_set_metadata(ctx, L, "units", r->wards ? "the areas; distances between their centroids"
                                                         : r->o.units == SM_UNIT_HEXAGON
                                                             ? "flat-topped hexagons, cell_m = centre spacing (across flats)"
                                                             : "square fishnet cells");
    if (!st && r->knn)
      st = sm__layer_meta(ctx, L, "weights", "%u nearest %s (binary)", r->o.neighbours,
                          r->wards ? "centroids" : "cell centres");
    else if (!st && r->idw)
      st = sm__layer_meta(ctx, L, "weights", "inverse distance%s within %g m", r->idw == 2 ? " squared" : "", r->band);
    else if (!st) st = sm__layer_meta(ctx, L, "weights", "binary distance band %g m", r->band);
    if (!st && r->o.min_neighbours)
      st = sm__layer_meta(ctx, L, "min_neighbours", "at least %u (the nearest cells added to %zu cells)",
                          r->o.min_neighbours, r->extended);
  }
  if (!st) st = sm__layer_meta(ctx, L, "points_outside_cells", "%zu", r->outside);
  if (!st)
    st = sm__layer_meta(ctx, L, "global_moran", "I %.6f, E %.6f, variance %.6g (randomisation), z %.3f, p one-sided %.3g",
                        r->gm.I, r->gm.expected, r->gm.variance, r->gm.z, r->gm.p_greater);
  if (!st)
    st = sm_layer_set_metadata(ctx, L, "lisa", "local Moran's I as spdep localmoran (conditional moments, two-sided p, "
                               "the same weights without self); class HH/LL/LH/HL where p <= 0.05");
  if (!st && r->gps)
    st = sm__layer_meta(ctx, L, "permutations", "%u conditional permutations, seed %llu; two-sided p = min(1, 2 "
                        "(min(#sim >= obs, #sim <= obs) + 1) / (n + 1))", r->o.permutations,
                        (unsigned long long)r->o.seed);
  if (!st)
    st = sm_layer_set_metadata(ctx, L, "bins", "gi_bin: |z| at 99/95/90% two-sided; gi_bin_fdr: Benjamini-Hochberg at "
                               "0.10, 0.05, 0.01");
  return st;
}

/* optimised, optimised_cell, optimised_band, optimised_isa: what Optimized Hot Spot Analysis chose, and why. */
static sm_status optimised_metadata(hs_run *r) {
  sm_ctx *ctx = r->ctx;
  char t[1400];
  sm_status st = sm__layer_meta(ctx, r->L, "optimised", "ArcGIS Optimized Hot Spot Analysis's rules (docs/methods.md §1.3): "
                                "%zu incidents%s; %s; the result is gi_bin_fdr (false discovery rate always on)",
                                r->incidents, r->a ? " in the study area" : "",
                                r->wards ? "the wards as units"
                                : r->a   ? "every cell in the study area, empty ones as 0"
                                         : "only the cells holding an incident (no study area given)");
  if (!st && r->o_cell) sm_ohsa_cell_describe(&r->ocell, t, sizeof t), st = sm_layer_set_metadata(ctx, r->L, "optimised_cell", t);
  if (!st && r->o_band) sm_ohsa_band_describe(&r->oband, t, sizeof t), st = sm_layer_set_metadata(ctx, r->L, "optimised_band", t);
  if (!st && r->o_band) sm_ohsa_isa_describe(&r->oband, t, sizeof t), st = sm_layer_set_metadata(ctx, r->L, "optimised_isa", t);
  return st;
}

/* Every option as used (option_<name>), and the inputs. */
static sm_status option_metadata(hs_run *r) {
  sm_ctx *ctx = r->ctx;
  sm_layer *L = r->L;
  const sm_hotspots_options *o = &r->o;
  sm_status st = sm_layer_set_metadata(ctx, L, "option_units", sm_unit_kind_name(o->units));
  if (!st) st = sm_layer_set_metadata(ctx, L, "option_weights", r->wt);
  if (!st && !r->wards) st = sm__layer_meta(ctx, L, "option_cell_m", "%.17g", r->cell);
  if (!st && !r->wards && o->has_extent)
    st = sm__layer_meta(ctx, L, "option_extent", "%.17g,%.17g,%.17g,%.17g", o->extent[0], o->extent[1], o->extent[2],
                        o->extent[3]);
  if (!st && !r->contiguity && !r->knn) st = sm__layer_meta(ctx, L, "option_band_m", "%.17g", r->band);
  if (!st && r->knn) st = sm__layer_meta(ctx, L, "option_neighbours", "%u", o->neighbours);
  if (!st && !r->contiguity && !r->knn) st = sm__layer_meta(ctx, L, "option_min_neighbours", "%u", o->min_neighbours);
  if (!st && o->rates) st = sm_layer_set_metadata(ctx, L, "option_rate_field", sm_areas_value_field(r->a));
  if (!st && o->rates) st = sm__layer_meta(ctx, L, "option_per", "%.17g", o->per);
  if (!st) st = sm_layer_set_metadata(ctx, L, "option_optimised", o->optimised ? "yes" : "no");
  if (!st) st = sm__layer_meta(ctx, L, "option_permutations", "%u", o->permutations);
  if (!st && o->permutations) st = sm__layer_meta(ctx, L, "option_seed", "%llu", (unsigned long long)o->seed);
  if (!st) st = sm__layer_recipe_inputs(ctx, L, r->p, r->a);
  return st;
}

/* The numbers and words a caller prints (documented with sm_hotspots_run). */
static sm_status figures(hs_run *r, sm_result *res) {
  sm_ctx *ctx = r->ctx;
  size_t hot = 0, cold = 0, few = 0;
  for (size_t i = 0; i < r->n; i++) hot += r->binf[i] > 0, cold += r->binf[i] < 0;
  for (size_t i = 0; i < r->n; i++) few += sm_weights_neighbours(r->w, i) - 1 < 8;
  sm_status st = sm__result_figure(ctx, res, "units", (double)r->n);
  if (!st) st = sm__result_figure(ctx, res, "outside", (double)r->outside);
  if (!st) st = sm__result_figure(ctx, res, "hot", (double)hot);
  if (!st) st = sm__result_figure(ctx, res, "cold", (double)cold);
  if (!st) st = sm__result_figure(ctx, res, "global_moran_i", r->gm.I);
  if (!st) st = sm__result_figure(ctx, res, "global_moran_z", r->gm.z);
  if (!st) st = sm__result_figure(ctx, res, "global_moran_p", r->gm.p_greater);
  if (!st) st = sm__result_figure(ctx, res, "lonely", (double)r->lonely);
  if (!st && !r->wards) st = sm__result_figure(ctx, res, "cell_m", r->cell);
  if (!st && !r->contiguity && !r->knn) st = sm__result_figure(ctx, res, "band_m", r->band);
  if (!st && r->knn) st = sm__result_figure(ctx, res, "neighbours", (double)r->o.neighbours);
  if (!st && r->o.rates) st = sm__result_figure(ctx, res, "per", r->o.per);
  if (!st && r->o.min_neighbours) st = sm__result_figure(ctx, res, "extended", (double)r->extended);
  if (!st) st = sm__result_text(ctx, res, "unit_kind", sm_unit_kind_name(r->o.units));
  if (!st) st = sm__result_text(ctx, res, "weights", r->wt);
  if (!st && r->o.rates) st = sm__result_text(ctx, res, "rate_field", sm_areas_value_field(r->a));
  if (st || !r->o.optimised) return st;
  char t[1400];
  st = sm__result_figure(ctx, res, "optimised_incidents", (double)r->incidents);
  if (!st) st = sm__result_figure(ctx, res, "cells_dropped", (double)r->dropped);
  if (!st) st = sm__result_figure(ctx, res, "few_neighbours_share", r->n ? (double)few / (double)r->n : 0);
  if (!st && r->o_cell) sm_ohsa_cell_describe(&r->ocell, t, sizeof t), st = sm__result_text(ctx, res, "optimised_cell", t);
  if (!st && r->o_band) sm_ohsa_band_describe(&r->oband, t, sizeof t), st = sm__result_text(ctx, res, "optimised_band", t);
  if (!st && r->o_band) sm_ohsa_isa_describe(&r->oband, t, sizeof t), st = sm__result_text(ctx, res, "optimised_isa", t);
  return st;
}

static void hs_free(hs_run *r) {
  sm__free(r->cnt), sm__free(r->cxy), sm__free(r->z), sm__free(r->pv), sm__free(r->bin), sm__free(r->binf);
  sm__free(r->li), sm__free(r->lz), sm__free(r->lp), sm__free(r->lc), sm__free(r->gps), sm__free(r->lps);
  sm_weights_destroy(r->w);
  sm_weights_destroy(r->wn);
  sm_layer_destroy(r->L);
  sm_units_destroy(r->u);
}

static sm_status check_version(sm_ctx *ctx, const sm_hotspots_options *opts) {
  sm_status vst_ = sm__options_version(ctx, "sm_hotspots_run", opts->version, SM_HOTSPOTS_OPTIONS_VERSION);
  if (vst_) return vst_;
  return SM_OK;
}

sm_status sm_hotspots_options_check(sm_ctx *ctx, const sm_hotspots_options *opts, int have_areas) {
  sm_hotspots_options defaults = SM_HOTSPOTS_OPTIONS_INIT;
  if (!opts) opts = &defaults;
  sm_status st = check_version(ctx, opts);
  if (st) return st;
  hs_run r;
  memset(&r, 0, sizeof r);
  r.ctx = ctx, r.have_areas = have_areas != 0;
  return validate(&r, opts);
}

static sm_status hotspots_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                              const sm_hotspots_options *opts);

sm_status sm_hotspots_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                          const sm_hotspots_options *opts) {
  /* with MPI ranks: every rank ends as the first that failed */
  sm_status st = sm__mpi_agree(ctx, hotspots_run(ctx, out, points, areas, opts));
  if (st && out) sm_result_destroy(*out), *out = NULL;
  return st;
}

static sm_status hotspots_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                              const sm_hotspots_options *opts) {
  if (!out || !points) return sm__error(ctx, SM_E_INVALID_ARG, "sm_hotspots_run: NULL argument");
  *out = NULL;
  sm_hotspots_options defaults = SM_HOTSPOTS_OPTIONS_INIT;
  if (!opts) opts = &defaults;
  sm_status st = check_version(ctx, opts);
  if (st) return st;
  hs_run r;
  memset(&r, 0, sizeof r);
  r.ctx = ctx, r.p = points, r.a = areas, r.have_areas = areas != NULL;
  st = validate(&r, opts);
  if (!st && r.output) st = sm_write_check(ctx, r.output, r.wo);
  if (!st) st = sm__points_usable(ctx, points, areas, "no incidents");
  if (!st && r.o.optimised) st = optimised_incidents(&r);
  if (!st) st = r.wards ? ward_units(&r) : cell_units(&r);
  if (!st && r.o.optimised) st = optimised_units(&r);
  if (!st) st = enough_units(&r);
  if (!st) st = build_weights(&r);
  if (!st) st = lonely_units(&r);
  if (!st) st = statistics(&r);
  if (!st && !r.raster) st = columns(&r);
  if (!st) st = method_metadata(&r);
  if (!st && r.o.optimised) st = optimised_metadata(&r);
  if (!st) st = option_metadata(&r);
  if (r.raster) { /* every rank has every value: rank 0 writes, once every rank is known to have them */
    st = sm__mpi_agree(ctx, st);
    if (!st && sm__rank(ctx) == 0) st = write_raster(&r);
    st = sm__mpi_agree(ctx, st);
  }
  sm_result *res = NULL;
  if (!st) st = sm__result_create(ctx, &res);
  if (!st) st = figures(&r, res); /* before the layer moves into the result: it reads the weights only */
  if (!st && r.raster) st = sm__result_text(ctx, res, "output", r.output);
  if (!st && !r.raster) st = sm__result_add_layer(ctx, res, r.L, NULL), r.L = NULL;
  if (!st && r.output && !r.raster) st = sm_result_write(ctx, res, r.output, r.wo);
  if (st) sm_result_destroy(res);
  else *out = res;
  hs_free(&r);
  return st;
}
