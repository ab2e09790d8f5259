/**
 * @file safemap/emerging.h
 * @brief Emerging hot spot analysis: space-time Gi*, Mann-Kendall trends and
 *        the 17 categories of ArcGIS's Emerging Hot Spot Analysis
 *        (docs/methods.md §1.5), with Pro's and ArcMap's wording selectable.
 * @defgroup emerging Emerging hot spots
 * @{
 */
#ifndef SAFEMAP_EMERGING_H
#define SAFEMAP_EMERGING_H

#include "cube.h"
#include "result.h"
#include "units.h"
#include "weights.h"

#ifdef __cplusplus
extern "C" {
#endif

/** ArcGIS's Define Global Window: which bins the mean and variance of Gi* come from. */
typedef enum sm_global_window {
  SM_WINDOW_CUBE = 0,          /**< every bin of the cube (ArcGIS's default, ENTIRE_CUBE) */
  SM_WINDOW_NEIGHBOURHOOD = 1, /**< the bins of steps t − k .. t, all locations (NEIGHBORHOOD_TIME_STEP) */
  SM_WINDOW_STEP = 2           /**< the bins of step t alone; k is then 0 (INDIVIDUAL_TIME_STEP) */
} sm_global_window;

/**
 * Space-time Getis-Ord Gi* of every bin of a cube of L locations × T steps
 * (values location-major: x[l * T + t]): the neighbours of bin (l, t) are the
 * bins (j, s) with j a spatial neighbour of l (w's row l, itself included
 * with its weight) and t − k ≤ s ≤ t (fewer in the first k steps). With the
 * global window's n bins, their mean x̄ and S = sqrt(Σx²/n − x̄²),
 *   z = (Σ w x − x̄ Σ w) / (S sqrt((n Σ w² − (Σ w)²) / (n − 1))),
 * the Gi* of sm_gistar on the space-time neighbour lists (spdep localG with
 * those lists over the window's bins gives the same). Two-sided p.
 * Parallel; the same bits for any thread count.
 * @param w spatial weights between the L locations, each with itself (Gi*).
 * @param k time lag: previous steps in the neighbourhood (ArcGIS's
 *   Neighborhood Time Step; 1 by default there); ignored for SM_WINDOW_STEP.
 * @param[out] z, p L T values each (p may be NULL); NaN where undefined
 *   (no neighbour, or a window with one value everywhere).
 * @return SM_OK, SM_E_INVALID_ARG (sizes, NULL, w without self, window),
 *   SM_E_INPUT (fewer than 3 bins, zero variance over the cube, a non-finite value).
 * @since 0.1
 */
SM_API sm_status sm_spacetime_gistar(sm_ctx *ctx, const sm_weights *w, const double *x, size_t L, size_t T, size_t k,
                                     sm_global_window window, double *z, double *p);

/**
 * Conditional permutation pseudo p-values of the space-time Gi* (the whole
 * cube as global window): each bin keeps its value and its space-time
 * neighbours' values are redrawn nperm times from the other L T − 1 bins
 * (sm_hotspot_permutations on the explicit space-time neighbour lists, as
 * sfdep's emerging_hotspot_analysis; seeded by the ctx, the same for any
 * thread count). Two-sided p = min(1, 2 (min(#sim >= obs, #sim <= obs) + 1) / (nperm + 1)).
 * @param[out] p_sim L T values.
 * @return SM_OK, SM_E_INVALID_ARG (as sm_spacetime_gistar; more than 2e8
 *   space-time links), SM_E_INPUT, SM_E_NOMEM, SM_E_CANCELLED.
 * @since 0.1
 */
SM_API sm_status sm_spacetime_permutations(sm_ctx *ctx, const sm_weights *w, const double *x, size_t L, size_t T, size_t k,
                                           unsigned nperm, double *p_sim);

/** A Mann-Kendall trend test. */
typedef struct sm_mann_kendall {
  double S;   /**< Σ_{i<j} sign(x_j − x_i) */
  double var; /**< [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)] / 18, t the sizes of groups of tied values */
  double z;   /**< (S − 1)/√var for S > 0, (S + 1)/√var for S < 0, else 0 (continuity correction) */
  double p;   /**< two-sided normal p */
  double tau; /**< Kendall's tau-a: S / (n(n − 1)/2) */
  size_t n;   /**< values used (the finite ones) */
} sm_mann_kendall;

/**
 * Mann-Kendall trend test of a series in time order (docs/methods.md §1.5; the
 * worked vector 1,3,2,5,4,6,8,7,9,10 gives S 39, var 125, z 3.3988, tau
 * 0.8667). Non-finite values are left out. Fewer than 3 values, or all
 * tied, give S 0, z 0, p 1. Series of up to 4096 values need no memory; a
 * longer one whose copy cannot be allocated gives p NaN.
 * @since 0.1
 */
SM_API void sm_mann_kendall_test(const double *x, size_t n, sm_mann_kendall *out);

/** Which wording of the category definitions. */
typedef enum sm_ehsa_rules {
  SM_EHSA_PRO = 0,   /**< ArcGIS Pro: a sporadic hot spot is hot in the final step */
  SM_EHSA_ARCMAP = 1 /**< ArcMap 10.x: a sporadic hot spot need not be hot in the final step */
} sm_ehsa_rules;

/** The 16 patterns and "no pattern" (ArcGIS's names). */
typedef enum sm_ehsa_category {
  SM_EHSA_NO_PATTERN = 0,
  SM_EHSA_NEW_HOT = 1,
  SM_EHSA_CONSECUTIVE_HOT = 2,
  SM_EHSA_INTENSIFYING_HOT = 3,
  SM_EHSA_PERSISTENT_HOT = 4,
  SM_EHSA_DIMINISHING_HOT = 5,
  SM_EHSA_SPORADIC_HOT = 6,
  SM_EHSA_OSCILLATING_HOT = 7,
  SM_EHSA_HISTORICAL_HOT = 8,
  SM_EHSA_NEW_COLD = 9,
  SM_EHSA_CONSECUTIVE_COLD = 10,
  SM_EHSA_INTENSIFYING_COLD = 11,
  SM_EHSA_PERSISTENT_COLD = 12,
  SM_EHSA_DIMINISHING_COLD = 13,
  SM_EHSA_SPORADIC_COLD = 14,
  SM_EHSA_OSCILLATING_COLD = 15,
  SM_EHSA_HISTORICAL_COLD = 16
} sm_ehsa_category;

/** "New Hot Spot", ..., "No Pattern Detected" (ArcGIS's PATTERN text). @since 0.1 */
SM_API const char *sm_ehsa_category_str(sm_ehsa_category c);

/** The figures a category was decided on. */
typedef struct sm_ehsa_detail {
  size_t steps;          /**< T */
  size_t hot, cold;      /**< significant hot / cold steps */
  int final_state;       /**< the last step: 1 hot, −1 cold, 0 not significant */
  size_t final_run;      /**< length of the run of final_state ending at the last step (0 when not significant) */
  double trend_z, trend_p; /**< the Mann-Kendall trend of the Gi* z series */
} sm_ehsa_detail;

/**
 * Classifies one location from its T step states and the trend of its Gi*
 * z series. "Significant" is a nonzero FDR bin (90% or more); "90% of the
 * steps" is 10 × count >= 9 T; a significant trend has p <= trend_alpha.
 * The last step decides the family:
 * - significant (hot; cold mirrored, with the trend's sign reversed):
 *   New (its only hot step), Consecutive (every hot step in one final run,
 *   fewer than 90%), Intensifying / Persistent / Diminishing (hot in at
 *   least 90%: significant upward trend / none / downward), Sporadic (fewer
 *   than 90%, never cold), Oscillating (fewer than 90%, cold at some step);
 * - not significant: Historical (hot in at least 90%, or cold); with
 *   SM_EHSA_ARCMAP also Sporadic (hot in some step, never cold; or mirrored);
 *   else no pattern.
 * The documented order New, Consecutive, ... settles the overlaps of the
 * published wording (a location cold earlier and hot now for the first time
 * is New, not Oscillating).
 * @param state T values: 1 hot, −1 cold, 0 not significant, in time order.
 * @param[out] detail may be NULL.
 * @since 0.1
 */
SM_API sm_ehsa_category sm_ehsa_classify(const int *state, size_t T, const sm_mann_kendall *trend, double trend_alpha,
                                         sm_ehsa_rules rules, sm_ehsa_detail *detail);

/** sfhotspot's simpler classes (hotspot_classify; docs/methods.md §4.6), for short series. */
typedef enum sm_simple_class {
  SM_SIMPLE_NONE = 0,
  SM_SIMPLE_PERSISTENT_HOT = 1,
  SM_SIMPLE_EMERGING_HOT = 2,
  SM_SIMPLE_FORMER_HOT = 3,
  SM_SIMPLE_INTERMITTENT_HOT = 4,
  SM_SIMPLE_PERSISTENT_COLD = 5,
  SM_SIMPLE_EMERGING_COLD = 6,
  SM_SIMPLE_FORMER_COLD = 7,
  SM_SIMPLE_INTERMITTENT_COLD = 8,
  SM_SIMPLE_MIXED = 9
} sm_simple_class;

/** sfhotspot's thresholds (its defaults: 0.1, 0.8, 0.2). */
typedef struct sm_simple_params {
  double hotspot_prop;    /**< a share of steps that makes a hot (cold) spot at all */
  double persistent_prop; /**< a share of all steps that makes it persistent */
  double recent_prop;     /**< the share of steps that are recent (floor, at least 1), and the share of them that makes it emerging */
} sm_simple_params;

#define SM_SIMPLE_PARAMS_INIT {0.1, 0.8, 0.2}

/**
 * sfhotspot's classes from T step states (1 hot, −1 cold, 0 neither): with
 * r = max(1, floor(recent_prop T)) recent steps and the T − r before them,
 * hot is Persistent (hot in >= persistent_prop of all steps), else Emerging
 * (hot in < hotspot_prop of the older steps and >= recent_prop of the recent
 * ones), else Former (>= hotspot_prop of the older, < hotspot_prop of the
 * recent), else Intermittent (>= hotspot_prop of all); cold the same; a
 * location with both a hot and a cold class is Mixed. The recent steps are
 * exactly the last r (sfhotspot 0.9 counts r + 1 of them over r).
 * @return SM_SIMPLE_NONE when T < 2.
 * @since 0.1
 */
SM_API sm_simple_class sm_simple_classify(const int *state, size_t T, const sm_simple_params *params);

/** "Persistent Hot Spot", ..., "Mixed Hot and Cold Spot", "No Pattern". @since 0.1 */
SM_API const char *sm_simple_class_str(sm_simple_class c);

/** Everything decided about one location. */
typedef struct sm_emerging_location {
  sm_ehsa_category category;     /**< ArcGIS's category */
  sm_simple_class simple;        /**< sfhotspot's class */
  sm_ehsa_detail detail;         /**< the figures the category was decided on */
  sm_mann_kendall trend;         /**< of the Gi* z series */
  sm_mann_kendall count_trend;   /**< of the counts */
  double total;                  /**< incidents over all steps */
} sm_emerging_location;

/**
 * Classifies every location of a cube at once, in parallel (the same result
 * for any thread count): the step states from the FDR bins (nonzero =
 * significant), sm_mann_kendall_test of the z series and of the counts,
 * sm_ehsa_classify and sm_simple_classify.
 * @param z, bins, counts L T values each, location-major (as sm_spacetime_gistar).
 * @param simple sfhotspot's thresholds; NULL for its defaults.
 * @param[out] out L results.
 * @return SM_OK, SM_E_INVALID_ARG (NULL), SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_emerging_classify(sm_ctx *ctx, const double *z, const int *bins, const double *counts, size_t L,
                                      size_t T, double trend_alpha, sm_ehsa_rules rules, const sm_simple_params *simple,
                                      sm_emerging_location *out);

/* ---- the pipeline: points in, the command line's layers out ------------------------------- */

/** "cube", "neighbourhood", "step" (as --global-window); NULL when out of range. @since 0.2 */
SM_API const char *sm_global_window_name(sm_global_window window);
/**
 * The global window named `name` (as sm_global_window_name()).
 * @return SM_OK, SM_E_INVALID_ARG (unknown name: the message lists the names).
 * @since 0.2
 */
SM_API sm_status sm_global_window_from_name(sm_ctx *ctx, const char *name, sm_global_window *out);

/** "pro", "arcmap" (as --rules); NULL when out of range. @since 0.2 */
SM_API const char *sm_ehsa_rules_name(sm_ehsa_rules rules);
/**
 * The rule set named `name` (as sm_ehsa_rules_name()).
 * @return SM_OK, SM_E_INVALID_ARG (unknown name: the message lists the names).
 * @since 0.2
 */
SM_API sm_status sm_ehsa_rules_from_name(sm_ctx *ctx, const char *name, sm_ehsa_rules *out);

/**
 * A category's short name: "no_pattern", "new_hot", "consecutive_hot", ...,
 * "historical_cold" (also the names of sm_emerging_run()'s category figures);
 * NULL when out of range.
 * @since 0.2
 */
SM_API const char *sm_ehsa_category_name(sm_ehsa_category c);
/**
 * The category named `name` (as sm_ehsa_category_name()).
 * @return SM_OK, SM_E_INVALID_ARG (unknown name: the message lists the names).
 * @since 0.2
 */
SM_API sm_status sm_ehsa_category_from_name(sm_ctx *ctx, const char *name, sm_ehsa_category *out);

/**
 * A time step's unit as --bin names it: "day", "week", "month", "quarter",
 * "year", "days" (SM_BIN_DAYS: N-day steps, --bin Nd); NULL when out of range.
 * @since 0.2
 */
SM_API const char *sm_bin_unit_name(sm_bin_unit unit);
/**
 * The unit named `name` (as sm_bin_unit_name()). "Nd" texts are not names:
 * give SM_BIN_DAYS and the number of days (sm_emerging_options.bin_days), or
 * parse the text with sm_bins_parse().
 * @return SM_OK, SM_E_INVALID_ARG (unknown name: the message lists the names).
 * @since 0.2
 */
SM_API sm_status sm_bin_unit_from_name(sm_ctx *ctx, const char *name, sm_bin_unit *out);

/** The spatial weights between the locations of an emerging hot spot analysis. */
typedef enum sm_emerging_weights {
  SM_EMERGING_WEIGHTS_AUTO = 0,  /**< queen for wards, band for cells ("auto") */
  SM_EMERGING_WEIGHTS_QUEEN = 1, /**< wards sharing a boundary point ("queen") */
  SM_EMERGING_WEIGHTS_ROOK = 2,  /**< wards sharing a boundary edge ("rook") */
  SM_EMERGING_WEIGHTS_BAND = 3,  /**< binary distance band between cell centres or ward centroids ("band") */
  SM_EMERGING_WEIGHTS_KNN = 4,   /**< the k nearest cell centres or ward centroids ("knn") */
  SM_EMERGING_WEIGHTS_END_       /**< sentinel */
} sm_emerging_weights;

/** "auto", "queen", "rook", "band", "knn" (as --weights); NULL when out of range. @since 0.2 */
SM_API const char *sm_emerging_weights_name(sm_emerging_weights weights);
/**
 * The weights named `name` (as sm_emerging_weights_name()).
 * @return SM_OK, SM_E_INVALID_ARG (unknown name: the message lists the names).
 * @since 0.2
 */
SM_API sm_status sm_emerging_weights_from_name(sm_ctx *ctx, const char *name, sm_emerging_weights *out);

/** The choices of an emerging hot spot analysis (sm_emerging_run()). Fields are only ever appended. */
typedef struct sm_emerging_options {
  int version;                   /**< SM_EMERGING_OPTIONS_VERSION */
  sm_unit_kind units;            /**< the locations (--grid): SM_UNIT_AUTO (default: the wards when given, else a
                                      fishnet), SM_UNIT_AREAS, SM_UNIT_FISHNET, SM_UNIT_HEXAGON */
  double cell_m;                 /**< fishnet cell size, or hexagon centre spacing, in metres (--cell); required
                                      for cells, 0 (default) for wards */
  int has_extent;                /**< non-zero: the cells cover `extent` (--extent); 0 (default): the wards' or
                                      the points' extent */
  double extent[4];              /**< xmin, ymin, xmax, ymax in metres, with has_extent (--extent) */
  sm_bin_unit bin;               /**< the time step (--bin): SM_BIN_MONTH (default), SM_BIN_QUARTER, SM_BIN_YEAR,
                                      SM_BIN_WEEK, SM_BIN_DAY, SM_BIN_DAYS (bin_days days) */
  unsigned bin_days;             /**< days per step with SM_BIN_DAYS, 1..3660 (--bin Nd); 0 (default) otherwise */
  int64_t reference;             /**< weeks and N-day steps start here (seconds since 1970, UTC; --reference);
                                      SM_TIME_MISSING (default): Mondays, or N days ending with the last
                                      incident's day */
  sm_emerging_weights weights;   /**< the spatial weights (--weights): SM_EMERGING_WEIGHTS_AUTO (default: queen
                                      for wards, band for cells) */
  double band_m;                 /**< the distance band in metres with band weights (--band M); 0 (default)
                                      with band_auto or other weights */
  int band_auto;                 /**< non-zero: ArcGIS's optimised band on each location's total (--band auto);
                                      0 (default) */
  unsigned neighbours;           /**< k of knn weights (--neighbours); 0 (default): 8 */
  int time_lag;                  /**< earlier steps in a bin's neighbourhood, 0..100 (--time-lag); -1 (default):
                                      1 as ArcGIS, 0 with SM_WINDOW_STEP */
  sm_ehsa_rules rules;           /**< the categories' wording (--rules): SM_EHSA_PRO (default) | SM_EHSA_ARCMAP */
  double trend_alpha;            /**< a Mann-Kendall trend is significant at p <= this (--trend-alpha); 0.05 (default) */
  sm_global_window global_window; /**< where Gi*'s mean and variance come from (--global-window): SM_WINDOW_CUBE
                                       (default) | SM_WINDOW_NEIGHBOURHOOD | SM_WINDOW_STEP */
  unsigned permutations;         /**< conditional permutations for gi_p_sim, the FDR bins then from them
                                      (--permutations); 0 (default): none, the normal p */
  uint64_t seed;                 /**< the permutations' random seed (--seed); 0 (default) */
} sm_emerging_options;

#define SM_EMERGING_OPTIONS_VERSION 1
#define SM_EMERGING_OPTIONS_INIT                                                                                       \
  {                                                                                                                    \
    SM_EMERGING_OPTIONS_VERSION, SM_UNIT_AUTO, 0.0, 0, {0.0, 0.0, 0.0, 0.0}, SM_BIN_MONTH, 0u, SM_TIME_MISSING,        \
        SM_EMERGING_WEIGHTS_AUTO, 0.0, 0, 0u, -1, SM_EHSA_PRO, 0.05, SM_WINDOW_CUBE, 0u, 0u                            \
  }

/**
 * Fills `opts` with the defaults of options version `version`.
 * @return SM_OK, SM_E_INVALID_ARG (NULL, version < 1 or > SM_EMERGING_OPTIONS_VERSION).
 * @since 0.2
 */
SM_API sm_status sm_emerging_options_init(sm_emerging_options *opts, int version);

/**
 * Checks the options alone, as sm_emerging_run() does first, so that a
 * program can refuse a bad combination before reading any data.
 * @param have_areas non-zero when areas (wards) will be given.
 * @return SM_OK, SM_E_INVALID_ARG with the message naming the options as the
 *   command line spells them ("--neighbours is for --weights knn").
 * @since 0.2
 */
SM_API sm_status sm_emerging_options_check(sm_ctx *ctx, const sm_emerging_options *opts, int have_areas);

/**
 * Emerging hot spot analysis from incidents, as `safemap emerging` (ArcGIS's
 * Create Space Time Cube + Emerging Hot Spot Analysis; docs/methods.md §1.4-1.5):
 * - the locations: the wards, or fishnet / hexagon cells of cell_m over the
 *   extent (clipped to the wards when given; sm_units_for_points());
 * - the space-time cube of counts per location and time step (sm_cube_create();
 *   locations that never had an incident left out), which needs at least 10
 *   steps (ArcGIS's minimum), no step without an incident anywhere and 3
 *   locations;
 * - spatial weights among the locations, each its own neighbour (queen / rook
 *   contiguity of the wards, a distance band — given, or ArcGIS's optimised band
 *   on each location's total — or the k nearest);
 * - the space-time Gi* of every bin (sm_spacetime_gistar()) with the time lag
 *   and global window, optionally conditional permutation p-values
 *   (sm_spacetime_permutations(), seeded by opts->seed), FDR bins over every bin;
 * - each location's Mann-Kendall trends and categories (sm_emerging_classify()),
 *   and the trend of the cube's total per step.
 *
 * The result holds layer "emerging" (one polygon per location: unit_id, row,
 * col or area_id, area_name; count, category, category_code, hot_steps,
 * cold_steps, percent_hot, percent_cold, final_state, final_run, trend_z,
 * trend_p, trend_tau, count_trend_z, count_trend_p, neighbours,
 * simple_category) and table "emerging_bins" (location, step, count, gi_z,
 * gi_p, gi_bin_fdr, with permutations gi_p_sim; its CSV companion is
 * OUT_bins.csv), each with the full recipe as metadata.
 *
 * Figures: "locations" (with an incident), "units" (all the wards or cells),
 * "steps", "empty_bins_percent", "outside" (incidents in no location),
 * "time_lag", "band_m" (band weights), "neighbours" (knn), "lonely" (locations
 * without a spatial neighbour), "overall_trend_S", "overall_trend_z",
 * "overall_trend_p", "overall_trend_tau", and one per category named by
 * sm_ehsa_category_name() ("new_hot", ..., "no_pattern"): its locations.
 * Texts: "units" (sm_unit_kind_name() of the locations: "wards", "fishnet",
 * "hexagon"), "step" ("month", "14 days"), "first_step", "last_step"
 * ("2022-03"), "overall_trend" ("rising", "falling", "no significant trend"),
 * and with --band auto "band" (sm_ohsa_band_describe()) and "band_isa"
 * (sm_ohsa_isa_describe()).
 *
 * Parallel where its parts are; the same bits for any thread count.
 * @param points the incidents, with times.
 * @param areas the wards: the locations, or with cells the study area; may be NULL for cells.
 * @param opts NULL for the defaults (SM_EMERGING_OPTIONS_INIT).
 * @param[out] out free with sm_result_destroy().
 * @return SM_OK; SM_E_INVALID_ARG (options: the message names them as the
 *   command line does; version 0 or newer than this library); SM_E_INPUT (no
 *   incidents, no times, fewer than 10 steps, a step without an incident
 *   anywhere, fewer than 3 locations, no location with a neighbour);
 *   SM_E_CRS, SM_E_NOMEM, SM_E_CANCELLED.
 * @since 0.2
 */
SM_API sm_status sm_emerging_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                                 const sm_emerging_options *opts);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_EMERGING_H */
