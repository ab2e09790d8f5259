/**
 * @file safemap/io.h
 * @brief Reading incidents from CSV (police.uk or generic) and any OGR source.
 *
 * Sources may be files, globs ("data/2024-*.csv"), directories (every .csv
 * inside, sorted) or GDAL connection strings ("PG:dbname=crime", with
 * `layer` naming the table). police.uk street-level CSVs are recognised by
 * their header and need no options. Rows that cannot be used are skipped,
 * counted by reason and kept as examples on the points object (see points.h);
 * with `strict` the first such row is an error instead. Nothing is dropped
 * silently. Where a source has a time column, a row with an empty time is
 * skipped (SM_BAD_NO_TIME). Rows are named by their line in a CSV and by
 * their FID in an OGR source. A GeoPackage table is read straight from its
 * SQLite pages, on every thread, under a read transaction, and merged in FID
 * order: the same points, messages and counts as through GDAL, whatever the
 * thread count. Where that could differ from GDAL (a time column of dates, a
 * write-ahead log with changes in it, a view, a damaged page) GDAL reads it.
 * @defgroup io Input
 * @{
 */
#ifndef SAFEMAP_IO_H
#define SAFEMAP_IO_H

#include "points.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options of sm_points_read(). Fields are only appended; set with SM_READ_OPTIONS_INIT. */
typedef struct sm_read_options {
  int version;                /**< SM_READ_OPTIONS_VERSION */
  const char *layer;          /**< OGR layer or table name; NULL = the first layer */
  const char *x_field;        /**< projected x column (needs `crs`); NULL = detect */
  const char *y_field;        /**< projected y column */
  const char *lon_field;      /**< longitude column (degrees, EPSG:4326); NULL = detect */
  const char *lat_field;      /**< latitude column */
  const char *time_field;     /**< time column; NULL = detect ("Month", "date", ...) */
  const char *weight_field;   /**< weight column; NULL = every point weighs 1 */
  const char *category_field; /**< category column; NULL = detect ("Crime type", ...) */
  const char *crs;            /**< CRS of the input coordinates; NULL = from the source */
  const char *analysis_crs;   /**< analysis CRS; NULL = EPSG:27700 in GB, else local UTM */
  const char *types;          /**< keep only these categories, comma-separated, case-insensitive; NULL = all */
  const char *time_from;      /**< keep times >= this ("YYYY-MM" or "YYYY-MM-DD"); NULL = open */
  const char *time_to;        /**< keep times up to the end of this period; NULL = open */
  int has_extent;             /**< 1 to keep only points inside `extent` */
  double extent[4];           /**< xmin, ymin, xmax, ymax in analysis-CRS metres */
  int strict;                 /**< 1: the first bad row is an error (SM_E_INPUT) */
  int skip_labels;            /**< 1: do not read location labels (police.uk "Location"); faster */
} sm_read_options;

#define SM_READ_OPTIONS_VERSION 1
#define SM_READ_OPTIONS_INIT {SM_READ_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, \
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, {0, 0, 0, 0}, 0, 0}

/**
 * Initialises options to their defaults.
 * @return SM_OK or SM_E_INVALID_ARG (unknown version).
 * @since 0.1
 */
SM_API sm_status sm_read_options_init(sm_read_options *opts, int version);

/**
 * Reads incidents from one or more sources into one points object, in the
 * analysis CRS. Progress is reported per source and per step.
 * @param sources n_sources paths, globs, directories or connection strings.
 * @param opts options, or NULL for defaults.
 * @param[out] out the points (possibly with zero points if every row was
 *             skipped or filtered); free with sm_points_destroy().
 * @return SM_OK; SM_E_IO (cannot open or read, no file matches a glob),
 *         SM_E_INPUT (empty file, header only, no coordinate columns, a bad
 *         row in strict mode), SM_E_CRS (unknown CRS), SM_E_INVALID_ARG
 *         (bad option: unknown column, bad date), SM_E_NOMEM, SM_E_CANCELLED.
 *         The message names the file, row, field and value.
 * @since 0.1
 */
SM_API sm_status sm_points_read(sm_ctx *ctx, sm_points **out, const char *const *sources,
                                size_t n_sources, const sm_read_options *opts);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_IO_H */
