/**
 * @file safemap/emerging.h
 * @brief Emerging hot spot analysis: space-time Gi*, Mann-Kendall trends and
 *        the 17 categories of ArcGIS's Emerging Hot Spot Analysis
 *        (REFERENCE.md §1.5), with Pro's and ArcMap's wording selectable.
 * @defgroup emerging Emerging hot spots
 * @{
 */
#ifndef SAFEMAP_EMERGING_H
#define SAFEMAP_EMERGING_H

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
 * Mann-Kendall trend test of a series in time order (REFERENCE.md §1.5; the
 * worked vector 1,3,2,5,4,6,8,7,9,10 gives S 39, var 125, z 3.3988, tau
 * 0.8667). Non-finite values are left out. Fewer than 3 values, or all
 * tied, give S 0, z 0, p 1.
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

/** sfhotspot's simpler classes (hotspot_classify; REFERENCE.md §4.6), for short series. */
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

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_EMERGING_H */
