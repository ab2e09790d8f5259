/**
 * @file safemap/result.h
 * @brief sm_result: what every analysis pipeline returns — its layers and
 *        rasters, each carrying its full recipe as metadata, and the run's
 *        headline figures.
 *
 * Every pipeline (sm_count_run(), sm_hotspots_run(), sm_emerging_run(),
 * sm_nearrepeat_run(), sm_scan_run(), sm_forecast_run(), sm_backtest_run(),
 * sm_kde_run()) has the same shape:
 *
 *     sm_status sm_X_run(sm_ctx *ctx, sm_result **out, const sm_points *points,
 *                        const sm_areas *areas, const sm_X_options *opts);
 *
 * and hands back one sm_result. Its layers and rasters are what the command
 * line writes; sm_result_write() writes them the same way from any caller.
 * The figures are the numbers a caller prints or tests ("units", "hot",
 * "global_moran_i", ...), each documented with its pipeline.
 * @defgroup result Results
 * @{
 */
#ifndef SAFEMAP_RESULT_H
#define SAFEMAP_RESULT_H

#include "safemap/layer.h"
#include "safemap/raster.h"
#include "safemap/write.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The outcome of one pipeline run. Opaque. */
typedef struct sm_result sm_result;

/** Frees a result with its layers and rasters. NULL is a no-op. @since 0.2 */
SM_API void sm_result_destroy(sm_result *result);

/** Number of layers. @since 0.2 */
SM_API size_t sm_result_layer_count(const sm_result *result);
/** Layer i (borrowed: lives as long as the result), NULL when out of range. @since 0.2 */
SM_API sm_layer *sm_result_layer(const sm_result *result, size_t i);
/** The layer called `name` (borrowed), or NULL. @since 0.2 */
SM_API sm_layer *sm_result_layer_named(const sm_result *result, const char *name);
/** Number of rasters. @since 0.2 */
SM_API size_t sm_result_raster_count(const sm_result *result);
/** Raster i (borrowed), NULL when out of range. @since 0.2 */
SM_API sm_raster *sm_result_raster(const sm_result *result, size_t i);

/** Number of headline figures. @since 0.2 */
SM_API size_t sm_result_figure_count(const sm_result *result);
/** Name of figure i (borrowed), NULL when out of range. @since 0.2 */
SM_API const char *sm_result_figure_name(const sm_result *result, size_t i);
/** Value of figure i, NaN when out of range. @since 0.2 */
SM_API double sm_result_figure_value(const sm_result *result, size_t i);
/** The figure called `name`, or NaN when the run has no such figure. @since 0.2 */
SM_API double sm_result_figure(const sm_result *result, const char *name);
/** A text figure (a chosen rule, a month) called `name` (borrowed), or NULL. @since 0.2 */
SM_API const char *sm_result_text(const sm_result *result, const char *name);

/** Number of text figures. @since 0.3 */
SM_API size_t sm_result_text_count(const sm_result *result);
/** Name of text figure i (borrowed), NULL when out of range. @since 0.3 */
SM_API const char *sm_result_text_name(const sm_result *result, size_t i);
/** Value of text figure i (borrowed), NULL when out of range. @since 0.3 */
SM_API const char *sm_result_text_value(const sm_result *result, size_t i);

/**
 * Writes the result to `path`, its format from the extension or opts->format:
 * - GeoPackage (.gpkg): every raster and layer, with their metadata;
 * - CSV (.csv): the first layer to `path` and each further layer to a
 *   companion file named after it (OUT.csv, OUT_by_month.csv): all or none.
 *   Every file is checked first and written under a temporary name; then
 *   the companions are moved into place and `path` last. When a move fails
 *   the files already moved are put back as they were (a replaced file is
 *   restored from a link kept beside it). When the process is stopped by a
 *   signal whose handler calls sm_cleanup_temporary_files(), the same
 *   happens. When it is killed outright (kill -9, a power cut) in the
 *   instant between two moves, the set may be mixed; a list of the set
 *   (".safemap-tmp-<pid>-<n>.set") stays beside it, and the next write into
 *   that directory puts every file of the set back as it was, with a
 *   warning.
 * - GeoTIFF (.tif): the first raster (a result without one is refused).
 * Atomic, like sm_write_layers(); an existing file is kept unless
 * opts->overwrite; no file (nor companion) may be one of opts->inputs.
 * @return SM_OK, SM_E_INVALID_ARG (a format that cannot hold the result, a
 *         file that is one of opts->inputs), SM_E_IO,
 *         SM_E_DEPENDENCY, SM_E_NOMEM, SM_E_CANCELLED.
 * @since 0.2
 */
SM_API sm_status sm_result_write(sm_ctx *ctx, const sm_result *result, const char *path,
                                 const sm_write_options *opts);
/**
 * The companion CSV of layer i when the result is written to `path` as CSV
 * (malloc'd, free with sm_free()), or NULL when `path` is not a CSV or the
 * layer is the first. Lets a program name every file it will write.
 * @since 0.2
 */
SM_API char *sm_result_csv_path(const sm_result *result, const char *path, size_t i);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_RESULT_H */
