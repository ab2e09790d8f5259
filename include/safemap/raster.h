/**
 * @file safemap/raster.h
 * @brief sm_raster: a north-up grid of doubles with square cells, a CRS,
 *        nodata and metadata.
 *
 * Every surface safemap computes (kernel density, ...) is an sm_raster;
 * writers (write.h) take rasters and layers and nothing else. Values are
 * stored row by row from the northernmost row (row 0) westward first
 * (column 0), as GDAL does. NaN marks nodata in memory; writers store it as
 * the raster's nodata value.
 * @defgroup raster Raster
 * @{
 */
#ifndef SAFEMAP_RASTER_H
#define SAFEMAP_RASTER_H

#include "safemap/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A grid of doubles. Opaque. */
typedef struct sm_raster sm_raster;

/**
 * Creates a raster filled with 0.
 * @param width,height number of columns and rows (both > 0).
 * @param x_min western edge, @param y_max northern edge (CRS units, metres).
 * @param cell_m cell side (> 0).
 * @param crs CRS of the grid ("EPSG:27700"), copied.
 * @param[out] out free with sm_raster_destroy().
 * @return SM_OK, SM_E_INVALID_ARG, SM_E_NOMEM (the message names the size).
 * @since 0.1
 */
SM_API sm_status sm_raster_create(sm_ctx *ctx, sm_raster **out, size_t width, size_t height, double x_min,
                                  double y_max, double cell_m, const char *crs);
/** Frees a raster. NULL is a no-op. @since 0.1 */
SM_API void sm_raster_destroy(sm_raster *raster);

/** Number of columns. @since 0.1 */
SM_API size_t sm_raster_width(const sm_raster *raster);
/** Number of rows. @since 0.1 */
SM_API size_t sm_raster_height(const sm_raster *raster);
/** Cell side in CRS units (metres). @since 0.1 */
SM_API double sm_raster_cell_size(const sm_raster *raster);
/** CRS (borrowed). @since 0.1 */
SM_API const char *sm_raster_crs(const sm_raster *raster);
/**
 * Values, width × height doubles, row 0 northernmost. Borrowed and writable;
 * valid as long as the raster. NaN = nodata. @since 0.1
 */
SM_API double *sm_raster_data(sm_raster *raster);
/** Read-only view of the values. @since 0.1 */
SM_API const double *sm_raster_values(const sm_raster *raster);
/**
 * GDAL geotransform: gt[0] = x_min, gt[1] = cell, gt[2] = 0, gt[3] = y_max,
 * gt[4] = 0, gt[5] = -cell. Centre of column i, row j: (gt[0] + (i + 0.5) gt[1],
 * gt[3] + (j + 0.5) gt[5]). @since 0.1
 */
SM_API void sm_raster_geotransform(const sm_raster *raster, double gt[6]);

/**
 * Reads one band of a raster GDAL can open (GeoTIFF, GeoPackage tiles, ...)
 * as doubles: a surface from `safemap kde`, QGIS or another tool, e.g. to be
 * scored with sm_evaluate_raster(). Only north-up rasters with square cells.
 * The CRS becomes "AUTHORITY:CODE" when GDAL identifies one, else its WKT;
 * the band's nodata value is kept (NaN when it has none).
 * @param band 1-based. @param[out] out free with sm_raster_destroy().
 * @return SM_OK; SM_E_IO (not a raster, a read error), SM_E_INPUT (no such band, no geotransform, rotated or
 *   non-square cells), SM_E_CRS (no CRS), SM_E_NOMEM, SM_E_INVALID_ARG.
 * @since 0.1
 */
SM_API sm_status sm_raster_read(sm_ctx *ctx, const char *path, int band, sm_raster **out);

/** Value written for nodata cells (default -9999). @since 0.1 */
SM_API void sm_raster_set_nodata(sm_raster *raster, double nodata);
/** Value written for nodata cells. @since 0.1 */
SM_API double sm_raster_nodata(const sm_raster *raster);

/** Sets (or replaces) a metadata item; both copied. "units" and "description" describe the band. @since 0.1 */
SM_API sm_status sm_raster_set_metadata(sm_ctx *ctx, sm_raster *raster, const char *key, const char *value);
/** Metadata value by key (borrowed), NULL when absent. @since 0.1 */
SM_API const char *sm_raster_metadata_get(const sm_raster *raster, const char *key);
/** Number of metadata items. @since 0.1 */
SM_API size_t sm_raster_metadata_count(const sm_raster *raster);
/** Metadata key i (borrowed). @since 0.1 */
SM_API const char *sm_raster_metadata_key(const sm_raster *raster, size_t i);
/** Metadata value i (borrowed). @since 0.1 */
SM_API const char *sm_raster_metadata_value(const sm_raster *raster, size_t i);

/** Summary of the non-nodata values. */
typedef struct sm_raster_stats {
  size_t n_valid; /**< cells that are not nodata */
  double min, max;
  double sum;     /**< in row order; NaN cells skipped */
} sm_raster_stats;

/** Computes min, max and sum of the valid cells. @since 0.1 */
SM_API void sm_raster_stats_compute(const sm_raster *raster, sm_raster_stats *out);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_RASTER_H */
