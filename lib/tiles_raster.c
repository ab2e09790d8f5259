/* Colour and value tiles of a surface.
 *
 * Every thread has its own GDAL dataset over the surface's values, its own transformations and its own PNG
 * encoder (lib/tiles_png.c). With nearest-neighbour resampling (the default, and always for value tiles) a
 * tile's pixels take the cell under their centre, the positions from the exact transformation at every
 * 16th pixel and bilinear in between; bilinear, cubic and average colour tiles are warped by GDAL's warper
 * (an approximating transformer over GDAL's general image-to-image one, its target geotransform set to the
 * tile's). Colour tiles are palette PNGs (transparent, then the style's classes). Tiles in which no cell
 * could be drawn are found from a summed-area table of the drawn cells and never sampled. A tile depends
 * only on its z/x/y, so its bytes do not depend on which thread made it; the tiles are rendered in batches
 * and stored in their fixed order (zoom, column, row) by the calling thread, which also reports progress
 * and hears a cancel between batches. */
#include "internal/sm_internal.h"
#include "internal/tiles.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <gdalwarper.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef SM_HAVE_OPENMP
#include <omp.h>
#define SM_OMP(x) _Pragma(#x)
#else
#define SM_OMP(x)
#endif

#define TILE 256
#define TPIX (TILE * TILE)
#define BATCH 128
#define MAX_ZOOM 24
#define VALUE_ENCODING "float32-rgba-be"

typedef struct job {
  int z, x, y;
} job;

typedef struct rendered {
  unsigned char *png, *vpng; /* sm__malloc'd; NULL when the tile is empty */
  size_t n, vn;
  int failed; /* 1: a dependency failed, 2: out of memory, 3: a file could not be written (errno in `io`) */
  int io;
  int stored, vstored; /* a directory's tile and value tile written by the rendering thread */
  char err[256];
} rendered;

typedef struct worker {
  GDALDatasetH src, dst;
  void *gen, *approx;
  OGRCoordinateTransformationH ct; /* EPSG:3857 -> the surface's CRS */
  double *buf, *vbuf;
  int64_t *idx; /* the cell under each pixel's centre, -1 for none */
  unsigned char *pix;
  uint8_t *ind; /* each pixel's palette entry */
  sm__png png;
  char err[256];
  int ok;
} worker;

typedef struct plan {
  const sm_raster *r;
  double *v; /* the surface's values, its nodata value as NaN */
  const sm_style *style;
  const uint8_t *cls; /* each cell's palette entry (near resampling); NULL otherwise */
  uint8_t pal[4 * 256]; /* the colour tiles' palette: 0 transparent, then the style's classes */
  int npal;
  uint32_t *drawn; /* summed-area table of the cells drawn (not transparent), (w + 1) x (h + 1); NULL: none */
  const char *src_wkt, *dst_wkt;
  GDALResampleAlg alg;
  int values;
  int vzoom; /* the one zoom of the value tiles */
} plan;

static void CPL_STDCALL worker_handler(CPLErr level, CPLErrorNum num, const char *msg) {
  worker *w = CPLGetErrorHandlerUserData();
  (void)num;
  if (w && msg && level >= CE_Failure) snprintf(w->err, sizeof w->err, "GDAL: %s", msg);
}

/* A GDAL dataset over memory that stays ours (bands interleaved by pixel when bands > 1). */
static GDALDatasetH mem_over(void *data, int w, int h, int bands, GDALDataType dt) {
  GDALDatasetH ds = GDALCreate(GDALGetDriverByName("MEM"), "", w, h, 0, dt, NULL);
  if (!ds) return NULL;
  int sz = GDALGetDataTypeSizeBytes(dt);
  for (int b = 0; b < bands; b++) {
    char p[64], po[32], lo[48];
    snprintf(p, sizeof p, "DATAPOINTER=%p", (void *)((unsigned char *)data + (size_t)b * (size_t)sz));
    snprintf(po, sizeof po, "PIXELOFFSET=%d", sz * bands);
    snprintf(lo, sizeof lo, "LINEOFFSET=%lld", (long long)sz * bands * w);
    char *opts[] = {p, po, lo, NULL};
    if (GDALAddBand(ds, dt, opts) != CE_None) {
      GDALClose(ds);
      return NULL;
    }
  }
  return ds;
}

/* The surface as a GDAL dataset over its values (NaN = nodata). */
static GDALDatasetH src_dataset(const plan *p) {
  size_t w = sm_raster_width(p->r), h = sm_raster_height(p->r);
  GDALDatasetH ds = mem_over(p->v, (int)w, (int)h, 1, GDT_Float64);
  if (!ds) return NULL;
  double gt[6];
  sm_raster_geotransform(p->r, gt);
  GDALSetGeoTransform(ds, gt);
  GDALSetProjection(ds, p->src_wkt);
  GDALSetRasterNoDataValue(GDALGetRasterBand(ds, 1), NAN);
  return ds;
}

static void *make_transformer(GDALDatasetH src, const char *dst_wkt, void **approx) {
  char *opts[] = {NULL, NULL};
  char *d = sm__asprintf("DST_SRS=%s", dst_wkt);
  if (!d) return NULL;
  opts[0] = d;
  void *gen = GDALCreateGenImgProjTransformer2(src, NULL, opts);
  sm__free(d);
  if (gen && approx) {
    *approx = GDALCreateApproxTransformer(GDALGenImgProjTransform, gen, 0.125);
    if (!*approx) {
      GDALDestroyGenImgProjTransformer(gen);
      return NULL;
    }
  }
  return gen;
}

static void worker_free(worker *w) {
  if (w->ct) OCTDestroyCoordinateTransformation(w->ct);
  sm__png_free(&w->png);
  sm__free(w->idx), sm__free(w->ind);
  if (w->approx) GDALDestroyApproxTransformer(w->approx);
  if (w->gen) GDALDestroyGenImgProjTransformer(w->gen);
  if (w->src) GDALClose(w->src);
  if (w->dst) GDALClose(w->dst);
  sm__free(w->buf), sm__free(w->vbuf), sm__free(w->pix);
}

static void worker_init(worker *w, const plan *p) {
  memset(w, 0, sizeof *w);
  w->buf = sm__malloc(TPIX * sizeof *w->buf);
  w->vbuf = sm__malloc(TPIX * sizeof *w->vbuf);
  w->pix = sm__malloc(TPIX * 4);
  w->idx = sm__malloc(TPIX * sizeof *w->idx);
  w->ind = sm__malloc(TPIX);
  if (!w->buf || !w->vbuf || !w->pix || !w->idx || !w->ind) {
    snprintf(w->err, sizeof w->err, "out of memory");
    return;
  }
  w->src = src_dataset(p);
  if (w->src) w->gen = make_transformer(w->src, p->dst_wkt, &w->approx);
  if (w->gen) w->dst = mem_over(w->buf, TILE, TILE, 1, GDT_Float64);
  if (!w->dst) {
    if (!w->err[0]) snprintf(w->err, sizeof w->err, "GDAL cannot set up the warp of the surface");
    return;
  }
  GDALSetProjection(w->dst, p->dst_wkt);
  GDALSetRasterNoDataValue(GDALGetRasterBand(w->dst, 1), NAN);
  OGRSpatialReferenceH a = OSRNewSpatialReference(p->dst_wkt), b = OSRNewSpatialReference(p->src_wkt);
  if (a && b) {
    OSRSetAxisMappingStrategy(a, OAMS_TRADITIONAL_GIS_ORDER), OSRSetAxisMappingStrategy(b, OAMS_TRADITIONAL_GIS_ORDER);
    w->ct = OCTNewCoordinateTransformation(a, b);
  }
  if (a) OSRDestroySpatialReference(a);
  if (b) OSRDestroySpatialReference(b);
  w->ok = 1; /* without ct, every tile goes through GDAL's warper */
}

/* Warps the surface into tile (z, x, y) with alg: out gets 256 x 256 values, NaN where there is none. */
static int warp(worker *w, const job *j, GDALResampleAlg alg, double *out) {
  double b[4], gt[6];
  sm_tile_bounds(j->z, j->x, j->y, b);
  gt[0] = b[0], gt[1] = (b[2] - b[0]) / TILE, gt[2] = 0, gt[3] = b[3], gt[4] = 0, gt[5] = -(b[3] - b[1]) / TILE;
  GDALSetGenImgProjTransformerDstGeoTransform(w->gen, gt);
  GDALSetGeoTransform(w->dst, gt);
  for (size_t i = 0; i < TPIX; i++) w->buf[i] = NAN;
  GDALWarpOptions *wo = GDALCreateWarpOptions();
  wo->hSrcDS = w->src, wo->hDstDS = w->dst, wo->nBandCount = 1;
  wo->panSrcBands = CPLMalloc(sizeof(int)), wo->panDstBands = CPLMalloc(sizeof(int));
  wo->panSrcBands[0] = wo->panDstBands[0] = 1;
  wo->padfSrcNoDataReal = CPLMalloc(sizeof(double)), wo->padfDstNoDataReal = CPLMalloc(sizeof(double));
  wo->padfSrcNoDataReal[0] = wo->padfDstNoDataReal[0] = NAN;
  wo->eResampleAlg = alg, wo->eWorkingDataType = GDT_Float64;
  wo->pfnTransformer = GDALApproxTransform, wo->pTransformerArg = w->approx;
  wo->papszWarpOptions = CSLSetNameValue(NULL, "INIT_DEST", "NO_DATA");
  GDALWarpOperationH op = GDALCreateWarpOperation(wo);
  int ok = op && GDALChunkAndWarpImage(op, 0, 0, TILE, TILE) == CE_None;
  if (op) GDALDestroyWarpOperation(op);
  GDALDestroyWarpOptions(wo);
  if (ok && out != w->buf) memcpy(out, w->buf, TPIX * sizeof *out);
  return ok;
}

static unsigned char *png_of(worker *w, size_t *n) { return sm__png_rgba(&w->png, w->pix, TILE, TILE, n); }

/* The float32 of v in RGBA, R the most significant byte; NaN (no value) as 0x7FC00000. */
static void value_rgba(double v, unsigned char *p) {
  uint32_t u = 0x7FC00000u;
  if (!isnan(v)) {
    float f = (float)v;
    memcpy(&u, &f, 4);
  }
  p[0] = (unsigned char)(u >> 24), p[1] = (unsigned char)(u >> 16), p[2] = (unsigned char)(u >> 8), p[3] = (unsigned char)u;
}

/* Nearest neighbour without the warper: the exact transformation at every SAMPLE-th pixel corner of the tile
 * (17 x 17 points), bilinear in between (off by under a hundredth of a 10 m cell even at zoom 10), and each
 * pixel takes the cell under its centre: w->idx. box: the cells under the tile, [c0, c1) x [r0, r1) before
 * clamping. 0 when a point cannot be transformed (GDAL's warper then does the tile). */
#define SAMPLE 16
#define GRID (TILE / SAMPLE + 1)
static int sample(worker *w, const plan *p, const job *j, double box[4]) {
  if (!w->ct) return 0;
  double b[4], x[GRID * GRID], y[GRID * GRID], gt[6];
  int ok[GRID * GRID];
  sm_tile_bounds(j->z, j->x, j->y, b);
  double res = (b[2] - b[0]) / TILE;
  for (int k = 0; k < GRID * GRID; k++) x[k] = b[0] + (k % GRID) * SAMPLE * res, y[k] = b[3] - (k / GRID) * SAMPLE * res;
  if (!OCTTransformEx(w->ct, GRID * GRID, x, y, NULL, ok)) return 0;
  sm_raster_geotransform(p->r, gt);
  box[0] = box[1] = INFINITY, box[2] = box[3] = -INFINITY;
  for (int k = 0; k < GRID * GRID; k++) {
    if (!ok[k] || !isfinite(x[k]) || !isfinite(y[k])) return 0;
    x[k] = (x[k] - gt[0]) / gt[1], y[k] = (y[k] - gt[3]) / gt[5];
    box[0] = fmin(box[0], x[k]), box[2] = fmax(box[2], x[k]), box[1] = fmin(box[1], y[k]), box[3] = fmax(box[3], y[k]);
  }
  const double W = (double)sm_raster_width(p->r), H = (double)sm_raster_height(p->r);
  const int64_t wi = (int64_t)sm_raster_width(p->r);
  double ex[GRID], ey[GRID];
  for (int py = 0; py < TILE; py++) {
    int gy = py / SAMPLE;
    double v = (py - gy * SAMPLE + 0.5) / SAMPLE;
    for (int g = 0; g < GRID; g++) { /* the row of pixel centres crosses each grid column here */
      int k = gy * GRID + g;
      ex[g] = (1 - v) * x[k] + v * x[k + GRID], ey[g] = (1 - v) * y[k] + v * y[k + GRID];
    }
    int64_t *out = w->idx + py * TILE;
    for (int gx = 0; gx < GRID - 1; gx++) {
      double dx = (ex[gx + 1] - ex[gx]) / SAMPLE, dy = (ey[gx + 1] - ey[gx]) / SAMPLE;
      for (int q = 0; q < SAMPLE; q++) {
        double fi = ex[gx] + (q + 0.5) * dx, fj = ey[gx] + (q + 0.5) * dy;
        out[gx * SAMPLE + q] = fi >= 0 && fi < W && fj >= 0 && fj < H ? (int64_t)fj * wi + (int64_t)fi : -1;
      }
    }
  }
  return 1;
}

/* 1 when no cell that could colour a pixel of the tile is drawn: the cells under the tile (box, from sample()
 * or from GDAL's transformer) widened by the resampling's reach, counted in the summed-area table. */
static int box_empty(const plan *p, const double box_in[4]) {
  double pad = 3 + 2 * ceil(fmax(box_in[2] - box_in[0], box_in[3] - box_in[1]) / TILE); /* kernels reach further when shrinking */
  double W = (double)sm_raster_width(p->r), H = (double)sm_raster_height(p->r);
  double x0 = fmax(0, floor(box_in[0] - pad)), y0 = fmax(0, floor(box_in[1] - pad));
  double x1 = fmin(W, ceil(box_in[2] + pad)), y1 = fmin(H, ceil(box_in[3] + pad));
  if (x0 >= x1 || y0 >= y1) return 1;
  size_t c0 = (size_t)x0, c1 = (size_t)x1, r0 = (size_t)y0, r1 = (size_t)y1, s = (size_t)W + 1;
  uint32_t n = p->drawn[r1 * s + c1] - p->drawn[r0 * s + c1] - p->drawn[r1 * s + c0] + p->drawn[r0 * s + c0];
  return n == 0;
}

/* box_empty() for a tile sample() could not do, the cells under it from GDAL's transformer. */
static int surely_empty(worker *w, const plan *p, const job *j) {
  double b[4], gt[6], x[81], y[81], z[81], box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  int ok[81];
  sm_tile_bounds(j->z, j->x, j->y, b);
  gt[0] = b[0], gt[1] = (b[2] - b[0]) / TILE, gt[2] = 0, gt[3] = b[3], gt[4] = 0, gt[5] = -(b[3] - b[1]) / TILE;
  GDALSetGenImgProjTransformerDstGeoTransform(w->gen, gt);
  for (int k = 0; k < 81; k++) x[k] = (k % 9) * TILE / 8.0, y[k] = (k / 9) * TILE / 8.0, z[k] = 0;
  if (!GDALGenImgProjTransform(w->gen, TRUE, 81, x, y, z, ok)) return 0;
  for (int k = 0; k < 81; k++) {
    if (!ok[k] || !isfinite(x[k]) || !isfinite(y[k])) return 0;
    box[0] = fmin(box[0], x[k]), box[2] = fmax(box[2], x[k]), box[1] = fmin(box[1], y[k]), box[3] = fmax(box[3], y[k]);
  }
  return p->drawn && box_empty(p, box);
}

static void render(worker *w, const plan *p, const job *j, rendered *o) {
  memset(o, 0, sizeof *o);
  if (!w->ok) {
    o->failed = 1;
    snprintf(o->err, sizeof o->err, "%s", w->err);
    return;
  }
  w->err[0] = '\0';
  double box[4];
  int sampled = sample(w, p, j, box);
  if (sampled ? p->drawn && box_empty(p, box) : surely_empty(w, p, j)) return;
  int any = 0, indexed = 1;
  if (sampled && p->cls) { /* near: each pixel the colour of its cell */
    for (size_t i = 0; i < TPIX; i++) {
      w->ind[i] = w->idx[i] < 0 ? 0 : p->cls[w->idx[i]];
      any |= w->ind[i];
    }
  } else {
    if (!warp(w, j, p->alg, w->buf)) goto fail;
    for (size_t i = 0; i < TPIX; i++) {
      uint8_t *c = w->pix + 4 * i;
      sm_style_color(p->style, w->buf[i], c);
      if (!c[3]) memset(c, 0, 4);
      any |= c[3];
      int e = 0;
      while (e < p->npal && memcmp(p->pal + 4 * e, c, 4)) e++;
      if (e == p->npal) indexed = 0;
      else w->ind[i] = (uint8_t)e;
    }
  }
  if (!any) return; /* empty: not written */
  o->png = indexed ? sm__png_indexed(&w->png, w->ind, TILE, TILE, p->pal, p->npal, &o->n) : png_of(w, &o->n);
  if (!o->png) goto fail;
  if (!p->values || j->z != p->vzoom) return;
  if (sampled) { /* values are never interpolated */
    for (size_t i = 0; i < TPIX; i++) value_rgba(w->idx[i] < 0 ? NAN : p->v[w->idx[i]], w->pix + 4 * i);
  } else {
    const double *v = w->buf;
    if (p->alg != GRA_NearestNeighbour) {
      if (!warp(w, j, GRA_NearestNeighbour, w->vbuf)) goto fail;
      v = w->vbuf;
    }
    for (size_t i = 0; i < TPIX; i++) value_rgba(v[i], w->pix + 4 * i);
  }
  if (!(o->vpng = png_of(w, &o->vn))) goto fail;
  return;
fail:
  sm__free(o->png), sm__free(o->vpng);
  o->png = o->vpng = NULL;
  o->failed = w->err[0] ? 1 : 2;
  snprintf(o->err, sizeof o->err, "%s", w->err[0] ? w->err : "out of memory");
}

/* ---- the plan: zooms, tiles, names ----------------------------------------------------------------- */
static sm_status resampling_of(sm_ctx *ctx, const char *name, GDALResampleAlg *alg) {
  static const struct {
    const char *name;
    GDALResampleAlg alg;
  } A[] = {{"near", GRA_NearestNeighbour}, {"bilinear", GRA_Bilinear}, {"cubic", GRA_Cubic}, {"average", GRA_Average}};
  if (!name) name = "near";
  for (size_t i = 0; i < sizeof A / sizeof *A; i++)
    if (!strcmp(name, A[i].name)) {
      *alg = A[i].alg;
      return SM_OK;
    }
  return sm__error(ctx, SM_E_INVALID_ARG, "unknown resampling '%s' (near, bilinear, cubic, average)", name);
}

static sm_status check_name(sm_ctx *ctx, const char *name) {
  size_t n = strlen(name);
  int ok = n > 0 && n <= 100 && name[0] != '.';
  for (size_t i = 0; ok && i < n; i++)
    ok = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9') ||
         name[i] == '_' || name[i] == '-' || name[i] == '.';
  if (ok) return SM_OK;
  char q[128];
  sm__quote(q, sizeof q, name, n);
  return sm__error(ctx, SM_E_INVALID_ARG,
                   "tile set name '%s': use 1 to 100 letters, digits, '_', '-' or '.', not starting with '.'", q);
}

/* The tiles of zoom z covering the extent m (EPSG:3857). */
static void tile_range(const double m[4], int z, int r[4]) {
  double eps = 2 * SM_MERC_ORIGIN / ldexp(1, z) * 1e-9;
  sm_tile_of(m[0], m[3], z, &r[0], &r[1]);
  sm_tile_of(m[2] - eps, m[1] + eps, z, &r[2], &r[3]);
}

static sm_status choose_zooms(sm_ctx *ctx, const sm_tiles_options *o, const double m[4], double res, int *zmin, int *zmax) {
  int amax = 0;
  while (amax < MAX_ZOOM && 2 * SM_MERC_ORIGIN / TILE / ldexp(1, amax) > res * (1 + 1e-9)) amax++;
  double span = fmax(m[2] - m[0], m[3] - m[1]);
  int amin = 0;
  while (amin < amax && 2 * SM_MERC_ORIGIN / ldexp(1, amin + 1) >= span) amin++;
  int lo = o->min_zoom, hi = o->max_zoom;
  if ((lo != -1 && (lo < 0 || lo > MAX_ZOOM)) || (hi != -1 && (hi < 0 || hi > MAX_ZOOM)))
    return sm__error(ctx, SM_E_INVALID_ARG, "zoom %d is not within 0 to %d", lo != -1 && (lo < 0 || lo > MAX_ZOOM) ? lo : hi,
                     MAX_ZOOM);
  if (lo != -1 && hi != -1 && lo > hi)
    return sm__error(ctx, SM_E_INVALID_ARG, "zoom range %d-%d: the first zoom is above the last", lo, hi);
  if (lo == -1) lo = hi != -1 && amin > hi ? hi : amin;
  if (hi == -1) hi = amax < lo ? lo : amax;
  *zmin = lo, *zmax = hi;
  return SM_OK;
}

static double lat_of(double my) { return atan(sinh(my / SM_MERC_ORIGIN * M_PI)) * 180 / M_PI; }

static sm_status put(sm_buf *b, const char *s) { return sm__buf_append(b, s, strlen(s)); }

/* {"key": "value", ...} of the surface's metadata. */
static sm_status metadata_json(const sm_raster *r, sm_buf *b) {
  sm_status st = put(b, "{");
  for (size_t i = 0; i < sm_raster_metadata_count(r) && !st; i++) {
    if (i) st = put(b, ", ");
    if (!st) st = sm__json_str(b, sm_raster_metadata_key(r, i));
    if (!st) st = put(b, ": ");
    if (!st) st = sm__json_str(b, sm_raster_metadata_value(r, i));
  }
  return st ? st : put(b, "}");
}

static sm_status manifest_entry(const char *name, const char *desc, const sm__tileset_meta *m, int values, sm_buf *b) {
  sm_status st = put(b, "{\"name\": ");
  if (!st) st = sm__json_str(b, name);
  if (!st) st = put(b, ", \"kind\": \"raster\", \"description\": ");
  if (!st) st = sm__json_str(b, desc);
  if (!st) st = sm__buf_printf(b, ", \"tiles\": \"%s/{z}/{x}/{y}.png\", \"values\": ", name);
  if (!st) st = values ? sm__buf_printf(b, "\"%s_values/{z}/{x}/{y}.png\", \"value_encoding\": \"%s\", \"values_zoom\": %d", name,
                                        VALUE_ENCODING, m->values_zoom)
                       : put(b, "null, \"value_encoding\": null, \"values_zoom\": null");
  if (!st)
    st = sm__buf_printf(b, ", \"minzoom\": %d, \"maxzoom\": %d, \"bounds\": [%.9f, %.9f, %.9f, %.9f], \"style\": %s, \"metadata\": %s}",
                        m->min_zoom, m->max_zoom, m->bounds[0], m->bounds[1], m->bounds[2], m->bounds[3], m->style_json,
                        m->metadata_json);
  return st;
}

/* Renders every tile of jobs[0..n) and stores them in order. */
static sm_status render_all(sm_ctx *ctx, const plan *p, const job *jobs, size_t n, sm__tile_store *store,
                            sm_tiles_info *info) {
  rendered *res = sm__calloc(BATCH, sizeof *res);
  if (!res) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  int nt = sm__threads(ctx);
  if ((size_t)nt > n) nt = n ? (int)n : 1;
  sm_status st = SM_OK;
  int stop = 0, dir = sm__tile_store_is_dir(store);
  SM_OMP(omp parallel num_threads(nt))
  {
    worker w;
    CPLPushErrorHandlerEx(worker_handler, &w);
    worker_init(&w, p);
    for (size_t b0 = 0; b0 < n; b0 += BATCH) {
      size_t nb = n - b0 < BATCH ? n - b0 : BATCH;
      SM_OMP(omp for schedule(dynamic, 1))
      for (size_t i = 0; i < nb; i++) {
        rendered *o = &res[i];
        render(&w, p, &jobs[b0 + i], o);
        if (dir && o->png && !o->failed) { /* a directory's files are written here, in parallel */
          const job *j = &jobs[b0 + i];
          o->io = sm__tile_store_write_file(store, j->z, j->x, j->y, 0, o->png, o->n);
          if (!o->io && o->vpng) o->io = sm__tile_store_write_file(store, j->z, j->x, j->y, 1, o->vpng, o->vn);
          if (o->io) o->failed = 3;
          else o->stored = 1, o->vstored = o->vpng != NULL;
          sm__free(o->png), sm__free(o->vpng);
          o->png = o->vpng = NULL;
        }
      }
      SM_OMP(omp master)
      {
        for (size_t i = 0; i < nb; i++) {
          const job *j = &jobs[b0 + i];
          rendered *o = &res[i];
          if (!st && o->failed == 3)
            st = sm__error(ctx, SM_E_IO, "cannot write tile %d/%d/%d: %s", j->z, j->x, j->y, strerror(o->io));
          else if (!st && o->failed)
            st = sm__error(ctx, o->failed == 2 ? SM_E_NOMEM : SM_E_DEPENDENCY, "tile %d/%d/%d: %s", j->z, j->x, j->y, o->err);
          if (!st && o->stored) {
            info->tiles++;
            info->value_tiles += (size_t)o->vstored;
          } else if (!st && o->png) {
            st = sm__tile_store_put(ctx, store, j->z, j->x, j->y, 0, o->png, o->n);
            if (!st && o->vpng) st = sm__tile_store_put(ctx, store, j->z, j->x, j->y, 1, o->vpng, o->vn);
            if (!st && o->vpng) info->value_tiles++;
            if (!st) info->tiles++;
          } else if (!st) {
            info->empty++;
          }
          sm__free(o->png), sm__free(o->vpng);
          o->png = o->vpng = NULL;
        }
        if (!st) st = sm__progress(ctx, 0.02 + 0.95 * (double)(b0 + nb) / (double)n, "rendering tiles");
        if (st) stop = 1;
      }
      SM_OMP(omp barrier)
      if (stop) break;
    }
    worker_free(&w);
    CPLPopErrorHandler();
  }
  sm__free(res);
  return st;
}

sm_status sm_tiles_raster(sm_ctx *ctx, const sm_raster *r, const char *out, const sm_tiles_options *opts,
                          sm_tiles_info *info_out) {
  sm_tiles_options dflt = SM_TILES_OPTIONS_INIT;
  const sm_tiles_options *o = opts ? opts : &dflt;
  if (!r || !out || !*out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_tiles_raster: %s is missing", r ? "the output" : "the surface");
  if (o->version != SM_TILES_OPTIONS_VERSION)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_tiles_options version %d is not %d", o->version, SM_TILES_OPTIONS_VERSION);
  if (o->format < SM_TILES_AUTO || o->format > SM_TILES_GPKG)
    return sm__error(ctx, SM_E_INVALID_ARG, "unknown tile format %d", (int)o->format);
  if (o->max_tiles == 0) return sm__error(ctx, SM_E_INVALID_ARG, "max_tiles is 0: no tile may be made");
  sm_tiles_info info = {0};
  plan p = {.r = r, .values = o->values ? 1 : 0};
  sm_status st = resampling_of(ctx, o->resampling, &p.alg);
  const char *name = o->name ? o->name : sm_raster_metadata_get(r, "name");
  if (!name || !*name) name = "surface";
  if (!st) st = check_name(ctx, name);
  if (st) return st;
  const char *crs = sm_raster_crs(r);
  if (!crs || !*crs) return sm__error(ctx, SM_E_CRS, "the surface '%s' has no CRS: its cells cannot be placed on a map", name);
  size_t ncell = sm_raster_width(r) * sm_raster_height(r), valid = 0;
  if (sm_raster_width(r) > INT32_MAX || sm_raster_height(r) > INT32_MAX)
    return sm__error(ctx, SM_E_INVALID_ARG, "the surface '%s' is too large for GDAL", name);
  if (!(p.v = sm__malloc(ncell * sizeof *p.v))) return sm__error(ctx, SM_E_NOMEM, "out of memory (a copy of '%s')", name);
  const double *rv = sm_raster_values(r), nd = sm_raster_nodata(r);
  for (size_t k = 0; k < ncell; k++) {
    p.v[k] = rv[k] == nd ? NAN : rv[k];
    valid += !isnan(p.v[k]);
  }
  if (valid == 0) {
    sm__free(p.v);
    return sm__error(ctx, SM_E_INPUT, "the surface '%s' has no value (every cell is nodata): no tiles made", name);
  }

  sm__gdal_begin(ctx);
  sm_style *style = NULL;
  char *src_wkt = NULL, *dst_wkt = NULL, *style_json = NULL;
  job *jobs = NULL;
  sm__tile_store *store = NULL;
  sm_buf meta = {0}, entry = {0};
  OGRSpatialReferenceH s1 = OSRNewSpatialReference(NULL), s2 = OSRNewSpatialReference(NULL);
  if (OSRSetFromUserInput(s1, crs) != OGRERR_NONE || OSRExportToWkt(s1, &src_wkt) != OGRERR_NONE)
    st = sm__error(ctx, SM_E_CRS, "the surface's CRS '%.200s' is unknown", crs);
  if (!st && (OSRImportFromEPSG(s2, 3857) != OGRERR_NONE || OSRExportToWkt(s2, &dst_wkt) != OGRERR_NONE))
    st = sm__error(ctx, SM_E_CRS, "cannot make EPSG:3857 (Web Mercator): %s", sm__dep_msg(ctx));
  OSRDestroySpatialReference(s1), OSRDestroySpatialReference(s2);
  p.src_wkt = src_wkt, p.dst_wkt = dst_wkt;

  /* the extent and resolution in Web Mercator */
  double merc[4] = {0}, res = 0;
  if (!st) {
    GDALDatasetH src = src_dataset(&p);
    void *gen = src ? make_transformer(src, dst_wkt, NULL) : NULL;
    double gt[6];
    int px = 0, ln = 0;
    if (!gen || GDALSuggestedWarpOutput2(src, GDALGenImgProjTransform, gen, gt, &px, &ln, merc, 0) != CE_None)
      st = sm__error(ctx, SM_E_CRS, "cannot place the surface in Web Mercator (EPSG:3857) from '%.200s': %s", crs,
                     sm__dep_msg(ctx));
    else
      res = gt[1];
    if (gen) GDALDestroyGenImgProjTransformer(gen);
    if (src) GDALClose(src);
  }
  for (int k = 0; k < 4 && !st; k++) merc[k] = fmax(-SM_MERC_ORIGIN, fmin(SM_MERC_ORIGIN, merc[k]));
  int zmin = 0, zmax = 0;
  if (!st) st = choose_zooms(ctx, o, merc, res, &zmin, &zmax);
  /* value tiles at one zoom: the first whose pixels are at most half a cell (so that a pixel's value is the
   * cell under it, or a neighbour's only within a quarter cell of their edge), within the zooms written */
  p.vzoom = 0;
  while (p.vzoom < MAX_ZOOM && 2 * SM_MERC_ORIGIN / TILE / ldexp(1, p.vzoom) > res / 2 * (1 + 1e-9)) p.vzoom++;
  p.vzoom = p.vzoom > zmax ? zmax : p.vzoom < zmin ? zmin : p.vzoom;

  /* the tiles, counted before any is made */
  size_t n = 0;
  double count = 0;
  for (int z = zmin; z <= zmax && !st; z++) {
    int t[4];
    tile_range(merc, z, t);
    count += (double)(t[2] - t[0] + 1) * (double)(t[3] - t[1] + 1);
  }
  if (!st && count > (double)o->max_tiles)
    st = sm__error(ctx, SM_E_INVALID_ARG,
                   "zooms %d-%d of '%s' make %.0f tiles, more than the limit of %zu: choose fewer zooms (--zoom) or raise "
                   "the limit (--max-tiles)",
                   zmin, zmax, name, count, o->max_tiles);
  if (!st && !(jobs = sm__malloc((size_t)count * sizeof *jobs))) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (int z = zmin; z <= zmax && !st; z++) {
    int t[4];
    tile_range(merc, z, t);
    for (int x = t[0]; x <= t[2]; x++)
      for (int y = t[1]; y <= t[3]; y++) jobs[n++] = (job){z, x, y};
  }

  if (!st) st = sm_style_for_raster(ctx, r, &o->style, &style);
  if (!st) st = sm_style_json(ctx, style, &style_json);
  p.style = style;
  /* the colour tiles' palette: transparent, then each class's colour */
  p.npal = 1;
  for (size_t k = 0; !st && k < sm_style_class_count(style) && p.npal < 256; k++) {
    sm_style_class c;
    sm_style_class_get(style, k, &c);
    memcpy(p.pal + 4 * p.npal++, c.rgba[3] ? c.rgba : (const uint8_t[4]){0, 0, 0, 0}, 4);
  }
  uint8_t *cell_cls = NULL;
  if (!st && (sm_raster_width(r) + 1) * (sm_raster_height(r) + 1) < UINT32_MAX) {
    /* each cell's palette entry (near: the pixels' colours), and the summed-area table of the cells drawn;
     * cubic convolution may overshoot above the threshold between cells below it: no shortcut then */
    size_t w = sm_raster_width(r), h = sm_raster_height(r), s = w + 1;
    cell_cls = sm__malloc(ncell);
    if (cell_cls && p.alg != GRA_Cubic) p.drawn = sm__calloc(s * (h + 1), sizeof *p.drawn);
    for (size_t j = 0; cell_cls && j < h; j++) {
      uint32_t row = 0;
      for (size_t i = 0; i < w; i++) {
        uint8_t c[4];
        sm_style_color(style, p.v[j * w + i], c);
        int e = 0;
        if (c[3])
          while (e < p.npal && memcmp(p.pal + 4 * e, c, 4)) e++;
        if (e == p.npal) { /* a colour the classes do not list: no palette */
          sm__free(cell_cls), cell_cls = NULL;
          break;
        }
        cell_cls[j * w + i] = (uint8_t)e;
        row += e != 0;
        if (p.drawn) p.drawn[(j + 1) * s + i + 1] = p.drawn[j * s + i + 1] + row;
      }
    }
    if (!cell_cls) sm__free(p.drawn), p.drawn = NULL;
    if (p.alg == GRA_NearestNeighbour) p.cls = cell_cls;
  }
  if (!st) st = metadata_json(r, &meta) ? sm__error(ctx, SM_E_NOMEM, "out of memory") : SM_OK;
  if (!st) st = sm__progress(ctx, 0.01, "starting the tiles");
  if (!st) st = sm__tile_store_open(ctx, out, o->format, name, "png", p.values, o->overwrite, &store);

  info.min_zoom = zmin, info.max_zoom = zmax, info.values_zoom = p.values ? p.vzoom : -1;
  info.bounds[0] = merc[0] / SM_MERC_ORIGIN * 180, info.bounds[2] = merc[2] / SM_MERC_ORIGIN * 180;
  info.bounds[1] = lat_of(merc[1]), info.bounds[3] = lat_of(merc[3]);
  if (!st) {
    double t0 = sm__now();
    st = render_all(ctx, &p, jobs, n, store, &info);
    sm__log(ctx, SM_LOG_DEBUG, "%zu tiles rendered (%zu empty) in %.3f s", info.tiles, info.empty, sm__now() - t0);
  }
  if (!st && info.tiles == 0)
    st = sm__error(ctx, SM_E_INPUT, "no cell of '%s' is drawn (every tile is empty): nothing written", name);
  const char *desc = sm_raster_metadata_get(r, "description");
  if (!desc) desc = name;
  sm__tileset_meta m = {desc, style_json, p.values ? VALUE_ENCODING : NULL, zmin, zmax, p.vzoom,
                        {info.bounds[0], info.bounds[1], info.bounds[2], info.bounds[3]},
                        {merc[0], merc[1], merc[2], merc[3]}, meta.s};
  if (!st && manifest_entry(name, desc, &m, p.values, &entry)) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) {
    st = sm__tile_store_finish(ctx, store, &m, entry.s);
    store = NULL;
  }
  sm__tile_store_abort(store);
  sm__gdal_end(ctx);
  if (!st) sm__progress(ctx, 1.0, "tiles written");
  if (!st && info_out) *info_out = info;
  sm_style_destroy(style);
  sm__free(style_json), sm__free(meta.s), sm__free(entry.s), sm__free(jobs), sm__free(p.v), sm__free(p.drawn), sm__free(cell_cls);
  CPLFree(src_wkt), CPLFree(dst_wkt);
  return st;
}
