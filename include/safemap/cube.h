/**
 * @file safemap/cube.h
 * @brief sm_cube: a space-time cube of incident counts, locations × time steps.
 *
 * As ArcGIS's Create Space Time Cube By Aggregating Points (docs/methods.md
 * §1.4): incidents are counted per location (a fishnet cell, a hexagon or a
 * ward) and time step; a location that ever had an incident has a count in
 * every step (0 when empty), a location that never had one is left out.
 * @defgroup cube Space-time cube
 * @{
 */
#ifndef SAFEMAP_CUBE_H
#define SAFEMAP_CUBE_H

#include "points.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The length of a time step. */
typedef enum sm_bin_unit {
  SM_BIN_DAY = 1,     /**< calendar days (UTC) */
  SM_BIN_WEEK = 2,    /**< 7 days from a Monday 00:00 UTC, or from the reference time's weekday and hour */
  SM_BIN_MONTH = 3,   /**< calendar months */
  SM_BIN_QUARTER = 4, /**< calendar quarters (January, April, July, October) */
  SM_BIN_YEAR = 5,    /**< calendar years */
  SM_BIN_DAYS = 6     /**< n_days days; the last step ends with the last incident's day (ArcGIS's END_TIME
                           alignment), or steps start at the reference time */
} sm_bin_unit;

/** How incidents are binned in time. */
typedef struct sm_bins {
  sm_bin_unit unit;
  int n_days;        /**< SM_BIN_DAYS: days per step, 1..3660 */
  int64_t reference; /**< SM_BIN_WEEK, SM_BIN_DAYS: a step starts here (seconds since 1970, UTC); SM_TIME_MISSING: the default */
} sm_bins;

/**
 * Parses "day", "week", "month", "quarter", "year" or "Nd" (N days, e.g.
 * "14d") into `out` (reference SM_TIME_MISSING).
 * @return SM_OK or SM_E_INVALID_ARG (no message is set).
 * @since 0.1
 */
SM_API sm_status sm_bins_parse(const char *text, sm_bins *out);

/** Name of a step length: "month", "14 days", ... (a static string for the fixed units). @since 0.1 */
SM_API const char *sm_bin_unit_str(sm_bin_unit unit);

/** A space-time cube. Opaque. */
typedef struct sm_cube sm_cube;

/**
 * Builds the cube: each point with unit_of_point[i] >= 0 adds its weight (1
 * unless the points have a weight column) to (its unit, its step). Steps
 * run from the one holding the earliest such point to the one holding the
 * latest.
 * @param unit_of_point sm_points_count() unit indices, -1 for a point in no unit.
 * @param n_units number of units (unit indices are below it).
 * @param[out] out free with sm_cube_destroy().
 * @return SM_OK; SM_E_INPUT with a message for points without times (no
 *   time column, or a point with none), month-only times (police.uk) asked
 *   for day, week or N-day steps, no point in any unit; SM_E_INVALID_ARG,
 *   SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_cube_create(sm_ctx *ctx, sm_cube **out, const sm_points *points, const int32_t *unit_of_point,
                                size_t n_units, const sm_bins *bins);
/** @since 0.1 */
SM_API void sm_cube_destroy(sm_cube *cube);
/** Locations: the units that had an incident in some step. @since 0.1 */
SM_API size_t sm_cube_locations(const sm_cube *cube);
/** The unit of location `loc`. @since 0.1 */
SM_API size_t sm_cube_unit(const sm_cube *cube, size_t loc);
/** Time steps. @since 0.1 */
SM_API size_t sm_cube_steps(const sm_cube *cube);
/** Start of step t (seconds since 1970, UTC; inclusive). @since 0.1 */
SM_API int64_t sm_cube_step_start(const sm_cube *cube, size_t t);
/** End of step t (exclusive): the next step's start. @since 0.1 */
SM_API int64_t sm_cube_step_end(const sm_cube *cube, size_t t);
/** Counts, location-major: counts[loc * steps + t] (borrowed). @since 0.1 */
SM_API const double *sm_cube_counts(const sm_cube *cube);
/** Share of the location × step bins that are 0. @since 0.1 */
SM_API double sm_cube_sparseness(const sm_cube *cube);
/** Steps with no incident anywhere. @since 0.1 */
SM_API size_t sm_cube_empty_steps(const sm_cube *cube);
/** Time resolution of the incidents. @since 0.1 */
SM_API sm_time_res sm_cube_time_resolution(const sm_cube *cube);
/** The binning. @since 0.1 */
SM_API const sm_bins *sm_cube_bins(const sm_cube *cube);
/** Points counted (in a unit). @since 0.1 */
SM_API size_t sm_cube_points(const sm_cube *cube);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_CUBE_H */
