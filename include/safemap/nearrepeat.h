/**
 * @file safemap/nearrepeat.h
 * @brief Knox near-repeat test (Ratcliffe's Near Repeat Calculator, R's
 *        NearRepeat; REFERENCE.md §6): pairs of events by spatial and
 *        temporal distance band, against Monte Carlo permutations of the dates.
 * @defgroup nearrepeat Near repeats
 * @{
 */
#ifndef SAFEMAP_NEARREPEAT_H
#define SAFEMAP_NEARREPEAT_H

#include "context.h"

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

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_NEARREPEAT_H */
