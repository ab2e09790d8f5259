/**
 * @file safemap/count.h
 * @brief The count pipeline: incidents per area, per category and per month,
 *        as `safemap count` writes them.
 * @defgroup count Counts per area
 * @{
 */
#ifndef SAFEMAP_COUNT_H
#define SAFEMAP_COUNT_H

#include "safemap/areas.h"
#include "safemap/points.h"
#include "safemap/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options of sm_count_run(). Fields are only ever appended; set with SM_COUNT_OPTIONS_INIT or sm_count_options_init(). */
typedef struct sm_count_options {
  int version;            /**< SM_COUNT_OPTIONS_VERSION */
  const char *layer_name; /**< name of the per-area layer (default NULL = "ward_counts"; the monthly table is
                               "<name>_by_month"); no CLI option */
  int by_month;           /**< 1 (default): also the area x month x category table; 0: the per-area layer alone;
                               no CLI option (`safemap count` always writes both) */
} sm_count_options;

#define SM_COUNT_OPTIONS_VERSION 1
#define SM_COUNT_OPTIONS_INIT {SM_COUNT_OPTIONS_VERSION, NULL, 1}

/** Initialises options to their defaults. @return SM_OK, or SM_E_INVALID_ARG unless 1 <= version <= SM_COUNT_OPTIONS_VERSION. @since 0.2 */
SM_API sm_status sm_count_options_init(sm_count_options *opts, int version);

/**
 * Counts the points in each area, as `safemap count`: a point on an edge
 * shared by two areas is counted once, in exactly one of them; points outside
 * every area are counted, measured (sm_areas_outside_distance()) and reported.
 *
 * Layers, in the order `safemap count` writes them:
 * - "ward_counts" (opts->layer_name): the area polygons with area_id,
 *   area_name, total, one column per category, area_km2, per_km2
 *   (sm_areas_count_points());
 * - "ward_counts_by_month" (with opts->by_month): area_id, area_name, month,
 *   category, count, zeros included; its CSV companion is OUT_by_month.csv.
 * Each carries its recipe: the keys of sm_areas_count_points(), the options
 * (layer_name, by_month), the inputs (sm__layer_recipe_inputs: input_sources,
 * input_rows_read, ...) and, when points lie outside every area,
 * points_outside_note (the text below).
 *
 * Figures: "rows_read", "rows_skipped" (bad rows, every reason), "points" (kept),
 * "areas", "points_in_areas", "points_outside_areas", "outside_max_m" and
 * "outside_median_m" (distance of the outside points to the nearest area);
 * text "outside_note" (sm_areas_outside_describe(); "" when none is outside).
 *
 * @param points the incidents (not empty); @param areas the areas (required).
 * @param opts NULL = defaults.
 * @param[out] out free with sm_result_destroy().
 * @return SM_OK; SM_E_INVALID_ARG (NULL, an options version this library does
 *   not know); SM_E_INPUT (no points to count); SM_E_CRS; SM_E_NOMEM; SM_E_CANCELLED.
 * @since 0.2
 */
SM_API sm_status sm_count_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                              const sm_count_options *opts);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_COUNT_H */
