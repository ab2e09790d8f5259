/**
 * @file safemap/write.h
 * @brief Writing layers to GeoPackage and CSV, atomically.
 *
 * Every file is written under a temporary name in the same directory
 * (".safemap-tmp-<pid>-<n>.<ext>") and renamed only when complete, so a
 * failed or cancelled run leaves no partial output. An existing file is
 * replaced only with `overwrite`, and never when it is one of the run's
 * inputs (sm_write_options.inputs). A write first removes the temporary
 * files that a killed process (one that no longer runs) left in the output's
 * directory, with a warning on the ctx log. A program that handles SIGINT or
 * SIGTERM calls sm_cleanup_temporary_files() from its handler.
 *
 * GeoPackage: one table per layer with its CRS and an R-tree spatial index;
 * the layer metadata goes into the standard gpkg_metadata table (shown by
 * QGIS) and into a plain table `safemap_metadata` (layer, key, value).
 * Every layer with geometry gets its QGIS style (sm_style_for_layer()) as the
 * default style in the standard `layer_styles` table, the one QGIS writes
 * when it saves a style into a GeoPackage: QGIS applies it when the layer is
 * opened, other programs ignore it. A hot-spot layer's other ways to be drawn
 * (by `gi_bin`, `gi_bin_fdr` or `lisa_class`; sm_style_for_field()) are
 * further, non-default styles named after the field. (QGIS 3.22 reads no style from that table
 * for a GeoPackage raster, so gridded coverages get none.)
 * GeoTIFF: the surface's QGIS style (sm_style_for_raster() with the
 * defaults) goes into a sidecar NAME.qml beside NAME.tif, which QGIS loads as
 * the raster's default style; the two are written, refused and replaced
 * together (sm_write_style_path()). See docs/styles.md.
 * CSV: one layer, one row per feature, no geometry; RFC 4180 quoting.
 * @defgroup write Output
 * @{
 */
#ifndef SAFEMAP_WRITE_H
#define SAFEMAP_WRITE_H

#include "safemap/layer.h"
#include "safemap/raster.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options of sm_write_layers(). Fields are only appended. */
typedef struct sm_write_options {
  int version;        /**< SM_WRITE_OPTIONS_VERSION */
  int overwrite;      /**< 1: replace an existing file */
  const char *format; /**< "GPKG", "CSV" or "GTiff"; NULL = from the extension (.gpkg, .csv, .tif) */
  int float64;        /**< rasters: 1 = Float64 cells (default Float32) */
  int cog;            /**< rasters: 1 = Cloud Optimized GeoTIFF */
  /** Version 2: the inputs of the run, as given to the readers (files, globs, directories, the areas'
   *  source; connection strings are ignored). An output that is one of them — the same file (device and
   *  inode: a link or another spelling is caught), a match of a glob, a .csv that sm_points_read() would
   *  read in a directory — is refused with SM_E_INVALID_ARG, even with `overwrite`. NULL = none. @since 0.2 */
  const char *const *inputs;
  size_t n_inputs; /**< Version 2: the number of `inputs`. @since 0.2 */
} sm_write_options;

#define SM_WRITE_OPTIONS_VERSION 2
#define SM_WRITE_OPTIONS_INIT {SM_WRITE_OPTIONS_VERSION, 0, NULL, 0, 0, NULL, 0}

/**
 * Initialises options to their defaults. Version 1 (a struct without `inputs`) is accepted and only its
 * fields are written.
 * @return SM_OK or SM_E_INVALID_ARG (unknown version).
 * @since 0.1
 */
SM_API sm_status sm_write_options_init(sm_write_options *opts, int version);

/**
 * Removes the temporary files of the writes under way in this process (and, for a set of CSV files being
 * moved into place, puts back the files already replaced), so that a program stopped by a signal leaves no
 * partial output. Async-signal-safe: it only reads a fixed table and calls unlink() and rename(); call it
 * from a SIGINT/SIGTERM handler, then end the process (the writes under way cannot go on). The library
 * installs no signal handler itself.
 * @since 0.2
 */
SM_API void sm_cleanup_temporary_files(void);

/**
 * Writes layers to one file.
 * @param path output file; its directory must exist and be writable.
 * @param layers n layers (CSV takes exactly one).
 * @return SM_OK, SM_E_INVALID_ARG (unknown format, CSV with several
 *         layers, `path` is one of opts->inputs), SM_E_IO (exists without overwrite, directory missing or
 *         not writable, write failed), SM_E_CRS, SM_E_DEPENDENCY, SM_E_NOMEM,
 *         SM_E_CANCELLED. On failure no file is left at `path` (an existing
 *         one is left untouched).
 * @since 0.1
 */
SM_API sm_status sm_write_layers(sm_ctx *ctx, const char *path, sm_layer *const *layers,
                                 size_t n, const sm_write_options *opts);

/**
 * Writes a raster to a GeoTIFF (.tif, .tiff): tiled 256 x 256, DEFLATE with
 * the floating-point predictor, overviews (average) down to 256 cells, the
 * CRS, nodata (NaN cells), the band's units and description, and the
 * raster's metadata as GDAL metadata items. With `cog`, a Cloud Optimized
 * GeoTIFF. Beside it, its QGIS style (sm_write_style_path()), moved into
 * place with it: a failure leaves neither. To .gpkg: a gridded coverage, as sm_write_geopackage(). Atomic
 * like sm_write_layers().
 * @return SM_OK, SM_E_INVALID_ARG (not .tif or .gpkg), SM_E_IO, SM_E_CRS,
 *         SM_E_DEPENDENCY, SM_E_NOMEM, SM_E_CANCELLED.
 * @since 0.1
 */
SM_API sm_status sm_write_raster(sm_ctx *ctx, const char *path, const sm_raster *raster,
                                 const sm_write_options *opts);

/**
 * Writes rasters and layers into one GeoPackage: each raster as a gridded
 * coverage (Float32 TIFF tiles, its table named by its "name" metadata item,
 * else "raster"), each layer as in sm_write_layers(), and every item of
 * metadata in `safemap_metadata`. Atomic like sm_write_layers().
 * @return as sm_write_layers().
 * @since 0.1
 */
SM_API sm_status sm_write_geopackage(sm_ctx *ctx, const char *path, const sm_raster *const *rasters,
                                     size_t n_rasters, sm_layer *const *layers, size_t n_layers,
                                     const sm_write_options *opts);

/**
 * The QGIS style file written beside a GeoTIFF: `path` with its last extension replaced by ".qml"
 * (out/kde.tif -> out/kde.qml), where QGIS looks for a raster's default style.
 * @param opts NULL for the defaults (the format from the extension).
 * @return the path, free with sm_free(); NULL when `path` is not a GeoTIFF (or out of memory).
 * @since 0.3
 */
SM_API char *sm_write_style_path(const char *path, const sm_write_options *opts);

/**
 * Checks up front that `path` could be written: format known, directory
 * exists and is writable, not one of opts->inputs (version 2), no existing
 * file unless overwrite; for a GeoTIFF the same of its style file
 * (sm_write_style_path()). Lets a program fail before a long computation.
 * @return as sm_write_layers().
 * @since 0.1
 */
SM_API sm_status sm_write_check(sm_ctx *ctx, const char *path, const sm_write_options *opts);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_WRITE_H */
