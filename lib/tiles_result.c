/* Tiles of a file (safemap tiles) and the map of an analysis (--tiles DIR): which writer each input goes
 * to, and the page beside a directory of tiles. */
#include "internal/mpi.h"
#include "internal/sm_internal.h"
#include "internal/tiles.h"

#include <gdal.h>
#include <string.h>
#include <sys/stat.h>

/* 1 when path opens as vector data holding `layer` (or, with no layer, as vector data and not as a raster). */
static int is_vector(sm_ctx *ctx, const char *path, const char *layer) {
  sm__gdal_begin(ctx);
  GDALDatasetH v = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  int yes = 0;
  if (v && layer) {
    yes = GDALDatasetGetLayerByName(v, layer) != NULL;
  } else if (v && GDALDatasetGetLayerCount(v) > 0) {
    GDALDatasetH r = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    yes = r == NULL;
    if (r) GDALClose(r);
  }
  if (v) GDALClose(v);
  sm__gdal_end(ctx);
  return yes;
}

static void add_info(sm_tiles_info *sum, const sm_tiles_info *one, int first) {
  if (first || one->min_zoom < sum->min_zoom) sum->min_zoom = one->min_zoom;
  if (first || one->max_zoom > sum->max_zoom) sum->max_zoom = one->max_zoom;
  for (int k = 0; k < 4; k++)
    if (first || (k < 2 ? one->bounds[k] < sum->bounds[k] : one->bounds[k] > sum->bounds[k])) sum->bounds[k] = one->bounds[k];
  sum->tiles += one->tiles, sum->empty += one->empty, sum->value_tiles += one->value_tiles;
  if (one->values_zoom >= 0) sum->values_zoom = one->values_zoom;
  sum->tile_sets++;
}

sm_status sm_tiles_file(sm_ctx *ctx, const char *path, const char *layer, int band, const char *out,
                        const sm_tiles_options *opts, const sm_viewer_options *viewer, sm_tiles_info *info) {
  if (!path || !*path || !out || !*out)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_tiles_file: %s is missing", path && *path ? "the output" : "the input");
  sm_tiles_options dflt = SM_TILES_OPTIONS_INIT;
  const sm_tiles_options *o = opts ? opts : &dflt;
  sm_tiles_info got = {.values_zoom = -1};
  sm_status st = sm__tiles_format_of(out, o->format) == SM_TILES_XYZ ? sm__viewer_options_check(ctx, viewer) : SM_OK;
  if (st) return st;
  if (is_vector(ctx, path, layer)) {
    if (band)
      return sm__error(ctx, SM_E_INVALID_ARG, "%s: '%s' is a vector layer: a band is chosen only in a raster", path,
                       layer ? layer : "its layer");
    sm_layer *l = NULL;
    st = sm_layer_read(ctx, &l, path, layer);
    if (!st && sm_layer_geom_type(l) == SM_GEOM_NONE)
      st = sm__error(ctx, SM_E_INPUT, "%s: layer '%s' is a table without geometry: nothing to draw on a map", path,
                     sm_layer_name(l));
    sm_tiles_options vo = *o;
    if (!vo.name && l) vo.name = sm_layer_name(l);
    if (!st) st = sm_tiles_vector(ctx, &l, 1, out, &vo, &got);
    sm_layer_destroy(l);
  } else {
    sm_raster *r = NULL;
    st = sm_tiles_read_surface(ctx, path, layer, band, &r);
    if (!st) st = sm_tiles_raster(ctx, r, out, o, &got);
    sm_raster_destroy(r);
  }
  if (st) return st;
  got.tile_sets = 1;
  if (sm__tiles_format_of(out, o->format) == SM_TILES_XYZ) {
    st = sm_tiles_viewer(ctx, out, viewer);
    got.page = !st;
  }
  if (!st && info) *info = got;
  return st;
}

sm_status sm_tiles_result_check(sm_ctx *ctx, const char *dir, const sm_tiles_options *opts) {
  if (!dir || !*dir) return sm__error(ctx, SM_E_INVALID_ARG, "the map's directory is missing");
  sm_tiles_options dflt = SM_TILES_OPTIONS_INIT;
  const sm_tiles_options *o = opts ? opts : &dflt;
  if (o->version != SM_TILES_OPTIONS_VERSION)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_tiles_options version %d is not %d", o->version, SM_TILES_OPTIONS_VERSION);
  if (sm__tiles_format_of(dir, o->format) != SM_TILES_XYZ)
    return sm__error(ctx, SM_E_INVALID_ARG,
                     "the map of an analysis goes into a directory (its tile sets and the page), not into '%s'", dir);
  struct stat sb;
  if (stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
    return sm__error(ctx, SM_E_IO, "'%s' exists and is not a directory: the map's tile sets and page go in a directory", dir);
  return SM_OK;
}

static sm_status tiles_result(sm_ctx *ctx, const sm_result *result, const char *dir, const sm_tiles_options *opts,
                              const sm_viewer_options *viewer, sm_tiles_info *info);

sm_status sm_tiles_result(sm_ctx *ctx, const sm_result *result, const char *dir, const sm_tiles_options *opts,
                          const sm_viewer_options *viewer, sm_tiles_info *info) {
  /* the ranks of an MPI run hold the same result: rank 0 makes the tiles */
  if (info) memset(info, 0, sizeof *info);
  sm_status st = sm__mpi_agree(ctx, SM_OK); /* a rank that failed before is at its own agreement: nothing made */
  if (!st && sm__rank(ctx) == 0) st = tiles_result(ctx, result, dir, opts, viewer, info);
  st = sm__mpi_agree(ctx, st);
  if (!st && info && sm__ranks(ctx) > 1) st = sm__mpi_share(ctx, info, 1, sizeof *info); /* rank 0's figures */
  return st;
}

static sm_status tiles_result(sm_ctx *ctx, const sm_result *result, const char *dir, const sm_tiles_options *opts,
                              const sm_viewer_options *viewer, sm_tiles_info *info) {
  if (!result) return sm__error(ctx, SM_E_INVALID_ARG, "sm_tiles_result: the result is missing");
  sm_tiles_options dflt = SM_TILES_OPTIONS_INIT;
  const sm_tiles_options *o = opts ? opts : &dflt;
  sm_status st0 = sm_tiles_result_check(ctx, dir, o);
  if (!st0) st0 = sm__viewer_options_check(ctx, viewer);
  if (st0) return st0;
  size_t nr = sm_result_raster_count(result), nl = sm_result_layer_count(result), ng = 0;
  for (size_t i = 0; i < nl; i++) ng += sm_layer_geom_type(sm_result_layer(result, i)) != SM_GEOM_NONE;
  if (nr + ng == 0) return sm__error(ctx, SM_E_INVALID_ARG, "this result has no surface and no layer with geometry to map");
  sm_tiles_info sum = {.values_zoom = -1}, one;
  sm_status st = SM_OK;
  for (size_t i = 0; i < nr && !st; i++) {
    sm_tiles_options ro = *o;
    ro.name = NULL, ro.format = SM_TILES_XYZ;
    memset(&one, 0, sizeof one);
    st = sm_tiles_raster(ctx, sm_result_raster(result, i), dir, &ro, &one);
    if (!st) add_info(&sum, &one, sum.tile_sets == 0);
  }
  for (size_t i = 0; i < nl && !st; i++) {
    sm_layer *l = sm_result_layer(result, i);
    if (sm_layer_geom_type(l) == SM_GEOM_NONE || sm_layer_feature_count(l) == 0) continue;
    sm_tiles_options vo = SM_TILES_OPTIONS_INIT;
    vo.format = SM_TILES_XYZ, vo.overwrite = o->overwrite, vo.max_tiles = o->max_tiles, vo.name = sm_layer_name(l);
    memset(&one, 0, sizeof one);
    one.values_zoom = -1;
    st = sm_tiles_vector(ctx, &l, 1, dir, &vo, &one);
    if (!st) add_info(&sum, &one, sum.tile_sets == 0);
  }
  if (!st) st = sm_tiles_viewer(ctx, dir, viewer);
  sum.page = !st;
  if (!st && info) *info = sum;
  return st;
}
