/**
 * @file safemap/nearrepeat.h
 * @brief Knox near-repeat test (Ratcliffe's Near Repeat Calculator, R's
 *        NearRepeat; docs/methods.md §6): pairs of events by spatial and
 *        temporal distance band, against Monte Carlo permutations of the dates.
 * @defgroup nearrepeat Near repeats
 * @{
 */
#ifndef SAFEMAP_NEARREPEAT_H
#define SAFEMAP_NEARREPEAT_H

#include "context.h"
#include "safemap/areas.h"
#include "safemap/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The bands and the test. */
typedef struct sm_knox_options {
  const double *space_breaks; /**< metres, increasing, the first 0: bands [b_i, b_i+1) and "beyond" [b_last, ∞) */
  size_t n_space;             /**< at least 2 */
  const double *time_breaks;  /**< time units (days or months), increasing, the first 0; bands as for space */
  size_t n_time;              /**< at least 2 */
  int manhattan;              /**< 1: |dx| + |dy| (R NearRepeat's default), 0: Euclidean */
  int right_closed;           /**< 1: bands (a, b] (and [0, b_1]) instead of [a, b) (R's cut(right = TRUE)) */
  unsigned permutations;      /**< Monte Carlo permutations of the dates (999 as R NearRepeat; NRC uses 20 or 100) */
} sm_knox_options;

/** Defaults: Manhattan distance, [a, b) bands, 999 permutations; no breaks (the caller sets them). */
#define SM_KNOX_OPTIONS_INIT {NULL, 0, NULL, 0, 1, 0, 999}

/**
 * The Knox table: rows are the spatial bands — "same location" (distance 0),
 * then one per break interval, then "beyond" — and columns the temporal
 * bands — one per break interval, then "beyond". Row-major, (n_space + 1)
 * rows × n_time columns. Pairs are unordered (each pair of events once).
 */
typedef struct sm_knox {
  size_t rows, cols;
  double *observed;     /**< pairs per cell */
  double *sim_mean;     /**< mean over the permutations */
  double *sim_median;   /**< median over the permutations */
  double *ratio_mean;   /**< observed / sim_mean (Knox ratio; NaN when the mean is 0) */
  double *ratio_median; /**< observed / sim_median */
  double *p;            /**< (#{simulated >= observed} + 1) / (permutations + 1) */
  size_t pairs;         /**< n (n − 1) / 2 */
} sm_knox;

/** Frees a table. @since 0.1 */
SM_API void sm_knox_destroy(sm_knox *k);

/**
 * The Knox near-repeat test. Pairs within the last finite spatial break are
 * found through a grid index and counted exactly; the "beyond" row is the
 * temporal totals (from the sorted times) minus the rest, so the work grows
 * with the close pairs, not with n². Each permutation shuffles the times
 * over the events with its own seeded stream (the ctx's seed and the
 * permutation's number): the same table for any thread count.
 * @param x, y n event positions (metres); @param t n times in the break units (days or months).
 * @param[out] out free with sm_knox_destroy().
 * @return SM_OK; SM_E_INVALID_ARG (breaks not increasing or not from 0,
 *   fewer than 2 breaks, NULL); SM_E_INPUT (fewer than 2 events, all at one
 *   place, all at one time, a non-finite value); SM_E_NOMEM; SM_E_CANCELLED.
 * @since 0.1
 */
SM_API sm_status sm_knox_test(sm_ctx *ctx, size_t n, const double *x, const double *y, const double *t,
                              const sm_knox_options *opts, sm_knox **out);

/* ---- the pipeline: points in, the Knox table out --------------------------------------------- */

/** How far apart two incidents are. */
typedef enum sm_nearrepeat_distance {
  SM_NEARREPEAT_MANHATTAN = 0, /**< |dx| + |dy| ("manhattan", R NearRepeat's default) */
  SM_NEARREPEAT_EUCLIDEAN = 1, /**< straight line ("euclidean") */
  SM_NEARREPEAT_DISTANCE_END_  /**< sentinel */
} sm_nearrepeat_distance;

/** Which end of a band is in it. */
typedef enum sm_nearrepeat_closed {
  SM_NEARREPEAT_CLOSED_LEFT = 0,  /**< [a, b) ("left", R NearRepeat's default) */
  SM_NEARREPEAT_CLOSED_RIGHT = 1, /**< (a, b], 0 in the first ("right") */
  SM_NEARREPEAT_CLOSED_END_       /**< sentinel */
} sm_nearrepeat_closed;

/** The unit of the time bands. */
typedef enum sm_nearrepeat_time_unit {
  SM_NEARREPEAT_DAY = 0,       /**< days ("day"): needs dated incidents */
  SM_NEARREPEAT_MONTH = 1,     /**< calendar months ("month"): also for police.uk's month-only dates */
  SM_NEARREPEAT_TIME_UNIT_END_ /**< sentinel */
} sm_nearrepeat_time_unit;

/** "manhattan", "euclidean"; NULL when out of range. @since 0.2 */
SM_API const char *sm_nearrepeat_distance_name(sm_nearrepeat_distance v);
/** The metric named `name`. @return SM_OK, SM_E_INVALID_ARG (unknown: the message lists the names). @since 0.2 */
SM_API sm_status sm_nearrepeat_distance_from_name(sm_ctx *ctx, const char *name, sm_nearrepeat_distance *out);
/** "left", "right"; NULL when out of range. @since 0.2 */
SM_API const char *sm_nearrepeat_closed_name(sm_nearrepeat_closed v);
/** The side named `name`. @return SM_OK, SM_E_INVALID_ARG (unknown: the message lists the names). @since 0.2 */
SM_API sm_status sm_nearrepeat_closed_from_name(sm_ctx *ctx, const char *name, sm_nearrepeat_closed *out);
/** "day", "month"; NULL when out of range. @since 0.2 */
SM_API const char *sm_nearrepeat_time_unit_name(sm_nearrepeat_time_unit v);
/** The unit named `name`. @return SM_OK, SM_E_INVALID_ARG (unknown: the message lists the names). @since 0.2 */
SM_API sm_status sm_nearrepeat_time_unit_from_name(sm_ctx *ctx, const char *name, sm_nearrepeat_time_unit *out);

/** The options of sm_nearrepeat_run(). */
typedef struct sm_nearrepeat_options {
  int version;                       /**< SM_NEARREPEAT_OPTIONS_VERSION */
  const double *space_bands_m;       /**< metres, increasing, from 0 (--space-bands; required; borrowed) */
  size_t n_space_bands;              /**< at least 2 */
  const double *time_bands;          /**< in time_unit, increasing, from 0 (--time-bands; required; borrowed) */
  size_t n_time_bands;               /**< at least 2 */
  sm_nearrepeat_distance distance;   /**< --distance (manhattan) */
  sm_nearrepeat_closed closed;       /**< --closed (left: [a, b)) */
  sm_nearrepeat_time_unit time_unit; /**< --time-unit (day; refused for month-only dates) */
  unsigned permutations;             /**< Monte Carlo permutations of the dates (--permutations; 999) */
  uint64_t seed;                     /**< the permutations' seed (--seed; 0) */
} sm_nearrepeat_options;

#define SM_NEARREPEAT_OPTIONS_VERSION 1
#define SM_NEARREPEAT_OPTIONS_INIT                                                                                   \
  {SM_NEARREPEAT_OPTIONS_VERSION, NULL, 0, NULL, 0, SM_NEARREPEAT_MANHATTAN, SM_NEARREPEAT_CLOSED_LEFT,             \
   SM_NEARREPEAT_DAY, 999, 0}

/**
 * Sets `opts` to the defaults (SM_NEARREPEAT_OPTIONS_INIT) of `version`.
 * @return SM_OK, SM_E_INVALID_ARG (version not in 1..SM_NEARREPEAT_OPTIONS_VERSION, or NULL).
 * @since 0.2
 */
SM_API sm_status sm_nearrepeat_options_init(sm_nearrepeat_options *opts, int version);

/**
 * Checks the options alone, as sm_nearrepeat_run() does first, so that a
 * program can refuse them before reading any data, with the same messages:
 * bands missing or fewer than 2 ("--space-bands is required"), breaks not from
 * 0 or not increasing ("the space breaks must increase: 100 after 200"), a bad
 * choice. What depends on the data (day bands on month-only dates, no pair
 * within the bands) is left to the run.
 * @param opts NULL: the defaults, which have no bands (refused).
 * @param have_areas not used (the test takes no areas); 0.
 * @return SM_OK or SM_E_INVALID_ARG.
 * @since 0.2
 */
SM_API sm_status sm_nearrepeat_options_check(sm_ctx *ctx, const sm_nearrepeat_options *opts, int have_areas);

/**
 * The Knox near-repeat test of `points` (safemap nearrepeat): the incidents'
 * times in days or calendar months, then sm_knox_test() with the options'
 * bands, metric and side, its permutations seeded with opts->seed (the same
 * table for any thread count).
 *
 * Layer "near_repeat" (no geometry), one row per (spatial band, temporal
 * band), spatial-major: space_band, space_from, space_to, time_band,
 * time_from, time_to (empty 'to' for beyond), observed, sim_mean,
 * sim_median, knox_ratio, p, knox_ratio_median; its recipe: method, every
 * option (space_bands, time_bands, distance, closed, time_unit,
 * permutations, seed) and the inputs read.
 *
 * Figures: "incidents", "pairs", "permutations", "seed", "significant" (the
 * cells with p <= 0.05 and a Knox ratio >= 1.2, within the bands). Texts:
 * "significant_<k>" (k from 1): the Near Repeat Calculator's sentence for each
 * ("at the same location and 0 to 1 months after an incident, the chance of
 * another is 35% greater than if there were no near-repeat pattern (Knox
 * ratio 1.35, p 0.01)").
 *
 * @param areas not used (NULL).
 * @param opts the bands are required: NULL options are refused like missing bands.
 * @param[out] out free with sm_result_destroy().
 * @return SM_OK; SM_E_INVALID_ARG (no or bad bands, a bad choice; the message names the option as the command line
 *   spells it); SM_E_INPUT (no time, day bands on month-only dates, an incident without a time, no pair within the
 *   bands, and sm_knox_test()'s: fewer than 2 events, one place, one time); SM_E_NOMEM; SM_E_CANCELLED.
 * @since 0.2
 */
SM_API sm_status sm_nearrepeat_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                                   const sm_nearrepeat_options *opts);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_NEARREPEAT_H */
