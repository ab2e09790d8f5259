/**
 * @file safemap/report.h
 * @brief The whole monthly pack in one call (`safemap report`): every analysis
 *        of a borough's burglaries with defaults taken from the data, in one
 *        folder with one front page, one GeoPackage and one map.
 *
 * sm_report_run() calls the library's pipelines, never the command line:
 * sm_count_run() (wards), sm_kde_run() (its 50/75/90% hot-spot areas),
 * sm_hotspots_run() with the wards as units and on an optimised fishnet,
 * sm_emerging_run() (wards, months), sm_nearrepeat_run() (calendar months),
 * sm_scan_run() (wards, months), sm_forecast_run() (ProMap for the month
 * after the last, its top cells merged into areas) and sm_backtest_run(),
 * and sm_plan_run() (the ward plans). A section the data cannot support (too
 * few incidents for an optimised fishnet, no emerging pattern, fewer than 24
 * months for a back-test) says so and why on the front page, and the pack
 * goes on; a failure that is not about the data (a file that cannot be
 * written, memory, a cancel) stops it and leaves nothing.
 * @defgroup report Report
 * @{
 */
#ifndef SAFEMAP_REPORT_H
#define SAFEMAP_REPORT_H

#include "safemap/areas.h"
#include "safemap/points.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options of sm_report_run(). Fields are only ever appended; set with SM_REPORT_OPTIONS_INIT or sm_report_options_init(). */
typedef struct sm_report_options {
  int version;                /**< SM_REPORT_OPTIONS_VERSION */
  const char *title;          /**< the front page's title; NULL (default) = "Burglary report, FIRST to LAST" */
  const char *households;     /**< a CSV of ward code and households for the plans' rates (sm_plan_options); NULL = none */
  unsigned suppress_below;    /**< counts of incidents below this shown as "fewer than K" in the plans; 0 = none */
  unsigned permutations;      /**< Monte Carlo replications of the near-repeat and scan tests (default 999) */
  uint64_t seed;              /**< their seed (default 0) */
  int overwrite;              /**< 1: replace an existing folder */
} sm_report_options;

#define SM_REPORT_OPTIONS_VERSION 1
#define SM_REPORT_OPTIONS_INIT {SM_REPORT_OPTIONS_VERSION, NULL, NULL, 0, 999, 0, 0}

/** Initialises options to their defaults. @return SM_OK, or SM_E_INVALID_ARG (NULL, unknown version). @since 0.3 */
SM_API sm_status sm_report_options_init(sm_report_options *opts, int version);

/** What sm_report_run() made. */
typedef struct sm_report_info {
  size_t sections;     /**< analyses run */
  size_t notes;        /**< sections that found nothing or could not run on this data (said on the front page) */
  size_t layers;       /**< layers and surfaces in report.gpkg */
  size_t tiles;        /**< map tiles */
  double seconds;      /**< wall time */
} sm_report_info;

/**
 * The pack, into the folder `dir` (made under a temporary name beside it and
 * moved into place when complete):
 * - `index.html`: the front page: the period and totals, each analysis's
 *   finding in a sentence with its numbers (or why it found nothing), links
 *   to the map, the plans and the files;
 * - `report.gpkg`: every layer and surface, each with how it was made, named
 *   as their commands name them (ward_counts, kde, kde_hotspot_areas,
 *   emerging, near_repeat, scan_clusters, promap, promap_top, backtest, ...)
 *   but for the two hot-spot layers, `wards_hotspots` and `cells_hotspots`,
 *   and with `promap_areas`: ProMap's top cells merged into areas (a GEOS
 *   union), each with its share of next month's expected burglaries;
 * - `map/`: the KDE surface, its hot-spot areas, the optimised Gi* cells, the
 *   wards' emerging categories and next month's ProMap areas as tiles with
 *   the offline map page (sm_tiles_result());
 * - `plans/`: the ward plans (sm_plan_run()) as pages (plans/index.html, a page per ward) with every figure
 *   in plans/plans.gpkg and plans/plans*.csv (sm_plan_write()).
 * @param points the burglaries with their months; @param areas the wards.
 * @param[out] info may be NULL.
 * @return SM_OK; SM_E_INVALID_ARG (bad options, no wards); SM_E_IO (the
 *   folder exists without overwrite; cannot write); SM_E_INPUT (no points,
 *   points without dates); SM_E_NOMEM; SM_E_CANCELLED; a pipeline's error
 *   that is not about the data.
 * @since 0.3
 */
SM_API sm_status sm_report_run(sm_ctx *ctx, const sm_points *points, const sm_areas *areas, const char *dir,
                               const sm_report_options *opts, sm_report_info *info);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_REPORT_H */
