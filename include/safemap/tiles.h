/**
 * @file safemap/tiles.h
 * @brief Map tiles from surfaces and layers (XYZ directories, MBTiles 1.3, GeoPackage tiles, Mapbox vector
 * tiles) and an offline web viewer.
 *
 * Tiles are Web Mercator (EPSG:3857), 256 pixels, in the XYZ scheme (row 0 at the north); MBTiles stores
 * rows in the TMS scheme (row 0 at the south: 2^z - 1 - y). A surface is sampled into each tile (nearest
 * neighbour: the cell under each pixel's centre; bilinear, cubic and average through GDAL's warper) and
 * coloured with its style (style.h): the colour tiles, palette PNGs whose entries are transparent and the
 * style's classes. Beside those of one zoom (the values zoom: the first whose pixels are at most half a cell,
 * or the last zoom written when that comes first), value tiles keep the surface's values
 * exactly: each pixel's float32 value in its RGBA bytes (R the most significant byte of the IEEE 754 bits,
 * A the least; nodata and pixels outside the surface are NaN's 0x7FC00000; values at or below the style's
 * threshold, drawn transparent, keep their value), which a viewer decodes to show the value under the cursor
 * and to restyle without re-tiling. Value tiles are always warped with "near" resampling: each pixel holds
 * exactly a cell's value as float32, never an interpolated one. A tile with no pixel drawn is not written
 * (nor its value tile). Layers become Mapbox vector tiles through GDAL's MVT driver.
 *
 * Containers: a directory holds DIR/NAME/z/x/y.png and DIR/NAME_values/z/x/y.png; an MBTiles 1.3 file holds
 * the colour tiles in `tiles` (TMS rows) and the value tiles in a second table `tile_values` of the same
 * columns, with the metadata rows name, format, bounds, center, minzoom, maxzoom, type (overlay), version,
 * description, attribution, and generator, safemap_style (sm_style_json), value_encoding
 * ("float32-rgba-be"), values_table ("tile_values"), values_zoom and safemap_metadata (the surface's metadata as JSON);
 * a GeoPackage holds the tile tables NAME and NAME_values over EPSG:3857 (GDAL's GoogleMapsCompatible
 * matrix set), each with the same items as GDAL metadata (gdalinfo shows them).
 *
 * A directory of tiles also holds `safemap_map.json`, the manifest of what it contains (one entry per tile
 * set: name, kind "raster" or "vector", path template, zooms, bounds, the style as sm_style_json(), the
 * value encoding and values zoom, the metadata of the surface or layer); each writer adds its entry, and
 * sm_tiles_viewer() writes `index.html` from it.
 * @defgroup tiles Tiles
 * @{
 */
#ifndef SAFEMAP_TILES_H
#define SAFEMAP_TILES_H

#include "safemap/layer.h"
#include "safemap/raster.h"
#include "safemap/result.h"
#include "safemap/style.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Where tiles go. */
typedef enum sm_tiles_format {
  SM_TILES_AUTO = 0,    /**< from the output: *.mbtiles, *.gpkg, else a directory */
  SM_TILES_XYZ = 1,     /**< a directory DIR/NAME/z/x/y.png (values: DIR/NAME_values/z/x/y.png) */
  SM_TILES_MBTILES = 2, /**< an MBTiles 1.3 file */
  SM_TILES_GPKG = 3     /**< GeoPackage tiles (a tile matrix set in EPSG:3857) */
} sm_tiles_format;

/** Options of the tile writers. Fields are only appended. */
typedef struct sm_tiles_options {
  int version;              /**< SM_TILES_OPTIONS_VERSION */
  sm_tiles_format format;   /**< default SM_TILES_AUTO */
  int min_zoom, max_zoom;   /**< -1 (default): automatic. The maximum is the first zoom whose pixel is no larger
                                 than the surface's cell (layers: 16); the minimum, the zoom at which the
                                 data's extent fits in one tile, at most the maximum */
  const char *resampling;   /**< surfaces: "near" (default: class colours stay exact), "bilinear", "cubic",
                                 "average" */
  sm_style_options style;   /**< surfaces: ramp, classes, threshold, opacity */
  int values;               /**< surfaces: 1 (default) = value tiles beside the colour tiles */
  size_t max_tiles;         /**< more tiles than this are refused before any is rendered (default 250,000) */
  int overwrite;            /**< 1: replace an existing file or tile set */
  const char *name;         /**< tile set name; NULL = the raster's or layer's "name" */
} sm_tiles_options;

#define SM_TILES_OPTIONS_VERSION 1
#define SM_TILES_OPTIONS_INIT                                                                                        \
  {SM_TILES_OPTIONS_VERSION, SM_TILES_AUTO, -1, -1, NULL, SM_STYLE_OPTIONS_INIT, 1, 250000, 0, NULL}

/** What a writer made. */
typedef struct sm_tiles_info {
  int min_zoom, max_zoom;
  size_t tiles;         /**< tiles written (colour tiles, or vector tiles) */
  size_t empty;         /**< tiles skipped as empty */
  double bounds[4];     /**< west, south, east, north in degrees */
  int values_zoom;      /**< the zoom of the value tiles; -1 without them */
  size_t value_tiles;   /**< value tiles written */
  size_t tile_sets;     /**< tile sets written (sm_tiles_file(), sm_tiles_result()) */
  int page;             /**< 1 when the map page (index.html) was written */
} sm_tiles_info;

/** Initialises options to their defaults. @return SM_OK or SM_E_INVALID_ARG (unknown version). @since 0.3 */
SM_API sm_status sm_tiles_options_init(sm_tiles_options *opts, int version);

/**
 * Colour tiles (and value tiles) of a single-band surface, rendered in parallel (the ctx's threads), the same
 * bytes for any number of threads; empty tiles are not written. Progress and cancel through the ctx.
 * @param out a directory (created; tiles go under out/NAME/), a .mbtiles or a .gpkg file.
 * @param[out] info may be NULL.
 * @return SM_OK, SM_E_INVALID_ARG (bad options, a zoom range making more tiles than max_tiles: refused before
 *         any tile is made, the message names the count), SM_E_CRS (no CRS, or one PROJ cannot place in Web
 *         Mercator), SM_E_INPUT (every cell nodata, nothing above the threshold), SM_E_IO (the output, or
 *         out/NAME, exists without overwrite; cannot write), SM_E_NOMEM, SM_E_DEPENDENCY (GDAL failed on a
 *         tile), SM_E_CANCELLED. On failure nothing is left at `out` (a directory keeps what it held before).
 *         A GeoPackage's dates are SOURCE_DATE_EPOCH when that is set, else the time of the call: with it set,
 *         every container is the same bytes from run to run.
 * @since 0.3
 */
SM_API sm_status sm_tiles_raster(sm_ctx *ctx, const sm_raster *surface, const char *out,
                                 const sm_tiles_options *opts, sm_tiles_info *info);

/**
 * Reads the surface to tile: one band of a raster GDAL opens (safemap's GeoTIFF, a GeoPackage raster table,
 * another tool's surface), with the band's description and units and the file's metadata items; "name" (the
 * tile set's default name) is the table's or the file's base name when the file has none, and "source" is
 * the path.
 * @param layer a GeoPackage's raster table; NULL = the file's only raster.
 * @param band 1-based; 0 = the only band: a multi-band (RGB) raster is then refused, as its colours are not
 *        values to colour.
 * @param[out] out free with sm_raster_destroy().
 * @return SM_OK, SM_E_IO (not a file GDAL opens), SM_E_INPUT (several bands and band 0, no such band, no such
 *         table: the message lists those there are; several rasters and no layer), SM_E_UNSUPPORTED (layer is
 *         a vector layer: those make vector tiles), SM_E_CRS (no CRS), SM_E_NOMEM.
 * @since 0.3
 */
SM_API sm_status sm_tiles_read_surface(sm_ctx *ctx, const char *path, const char *layer, int band, sm_raster **out);

/**
 * Mapbox vector tiles of layers (each a layer of the tiles, with its fields), through GDAL's MVT driver.
 * @param out a directory (tiles under out/NAME/z/x/y.pbf, NAME from opts->name or "layers") or a .mbtiles
 *        file (with the `json` metadata and its `vector_layers`).
 * @since 0.3
 */
SM_API sm_status sm_tiles_vector(sm_ctx *ctx, sm_layer *const *layers, size_t n, const char *out,
                                 const sm_tiles_options *opts, sm_tiles_info *info);

/** Options of sm_tiles_viewer(). Fields are only appended. */
typedef struct sm_viewer_options {
  int version;         /**< SM_VIEWER_OPTIONS_VERSION */
  const char *title;   /**< page title; NULL = "safemap" */
  const char *basemap; /**< a tile URL template ({z}/{x}/{y}) for a base map; NULL (default) = none: the page
                            then needs no network */
} sm_viewer_options;

#define SM_VIEWER_OPTIONS_VERSION 1
#define SM_VIEWER_OPTIONS_INIT {SM_VIEWER_OPTIONS_VERSION, NULL, NULL}

/**
 * Writes dir/index.html and what it needs (the Leaflet library, its licence, the page's script and the
 * manifest as a script) for the tile sets listed in dir/safemap_map.json. The page opens from the file
 * system with no network: the surfaces, the layers with popups of their fields, a legend with units and
 * classes, a layer switcher, the value under the cursor, and an "About this map" panel with the metadata.
 * @return SM_OK, SM_E_INPUT (no manifest, or no tile set in it), SM_E_IO, SM_E_NOMEM.
 * @since 0.3
 */
SM_API sm_status sm_tiles_viewer(sm_ctx *ctx, const char *dir, const sm_viewer_options *opts);

/**
 * Tiles of a file, as `safemap tiles` makes them: a surface (a raster, read as sm_tiles_read_surface() reads
 * it, with `layer` a GeoPackage's raster table and `band`) becomes colour and value tiles (sm_tiles_raster());
 * a vector layer (`layer` names it, or the file holds only vector data and one layer; read with
 * sm_layer_read()) becomes vector tiles (sm_tiles_vector()), its tile set named opts->name or the layer. When
 * `out` is a directory the map page is written too (sm_tiles_viewer(), with `viewer`; NULL = defaults).
 * @return as sm_tiles_read_surface(), sm_layer_read() and the writers; SM_E_INVALID_ARG for a band with a
 *         vector layer.
 * @since 0.3
 */
SM_API sm_status sm_tiles_file(sm_ctx *ctx, const char *path, const char *layer, int band, const char *out,
                               const sm_tiles_options *opts, const sm_viewer_options *viewer, sm_tiles_info *info);

/**
 * The map of an analysis (`--tiles DIR` of kde, hotspots, emerging, forecast): into the directory `dir`, every
 * surface of the result as colour and value tiles (its tile set named by the surface's "name": kde, promap),
 * every layer with geometry as vector tiles in a tile set named by the layer (kde_hotspot_areas, hotspots,
 * emerging, promap_top, scan_clusters, ...; attribute tables are left out), then the map page
 * (sm_tiles_viewer()) showing them with any tile sets already in `dir`. opts apply to the surfaces (its name
 * is ignored); layers take the vector tiles' default zooms. A tile set of the same name already in `dir` is
 * replaced only with opts->overwrite.
 * @param[out] info the sums over the tile sets (zooms: the widest range); may be NULL.
 * @return SM_OK; SM_E_INVALID_ARG (dir is an .mbtiles or .gpkg file: an analysis makes several tile sets and a
 *         page, which go in a directory; the result has nothing to map); the writers' errors.
 * @since 0.3
 */
SM_API sm_status sm_tiles_result(sm_ctx *ctx, const sm_result *result, const char *dir, const sm_tiles_options *opts,
                                 const sm_viewer_options *viewer, sm_tiles_info *info);

/**
 * Checks, before an analysis runs, what sm_tiles_result() would refuse whatever the result: `dir` is not a
 * directory output (an .mbtiles or .gpkg name, or an existing file), or the options are bad.
 * @return SM_OK, SM_E_INVALID_ARG, SM_E_IO.
 * @since 0.3
 */
SM_API sm_status sm_tiles_result_check(sm_ctx *ctx, const char *dir, const sm_tiles_options *opts);

/** The EPSG:3857 bounds (minx, miny, maxx, maxy, metres) of XYZ tile (z, x, y). @since 0.3 */
SM_API void sm_tile_bounds(int z, int x, int y, double b[4]);
/** The MBTiles (TMS) row of XYZ row y at zoom z: 2^z - 1 - y. @since 0.3 */
SM_API int sm_tile_tms_row(int z, int y);
/** The XYZ tile holding EPSG:3857 point (mx, my) at zoom z (clamped to the pyramid). @since 0.3 */
SM_API void sm_tile_of(double mx, double my, int z, int *x, int *y);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_TILES_H */
