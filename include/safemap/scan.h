/**
 * @file safemap/scan.h
 * @brief Space-time permutation scan statistic (Kulldorff et al. 2005, as
 *        SaTScan; REFERENCE.md §5): cylinders of space and time with more
 *        cases than the space-time independence of the data predicts.
 * @defgroup scan Scan statistic
 * @{
 */
#ifndef SAFEMAP_SCAN_H
#define SAFEMAP_SCAN_H

#include "context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The scan's limits. */
typedef struct sm_scan_options {
  double max_share;      /**< a circle holds at most this share of all cases (SaTScan's default 0.5) */
  double max_radius_m;   /**< and reaches at most this far (0: no limit) */
  size_t max_window;     /**< time windows of at most this many steps (0: half the steps, SaTScan's default) */
  int prospective;       /**< 1: only windows that end at the last step */
  unsigned permutations; /**< Monte Carlo replications of the case times (999) */
  size_t max_clusters;   /**< the most likely cluster and up to this many − 1 secondary ones that do not overlap it (10) */
  size_t n_centres;      /**< 0: circles centred on each location; else on these n_centres points (SaTScan's grid file), */
  const double *centre_x; /**< e.g. the incidents' positions (metres, the locations' CRS; borrowed) */
  const double *centre_y;
} sm_scan_options;

#define SM_SCAN_OPTIONS_INIT {0.5, 0, 0, 0, 999, 10, 0, NULL, NULL}

/** One cluster. */
typedef struct sm_scan_cluster {
  size_t centre;       /**< its centre: a location, or an index into the options' centres */
  double x, y;         /**< the centre's position */
  double radius_m;     /**< the distance to its farthest location */
  size_t locations;    /**< locations in the circle */
  size_t t_start, t_end; /**< its steps, inclusive */
  double observed;     /**< cases in the cylinder */
  double expected;     /**< Σ (cases at the location) (cases at the step) / C over the cylinder */
  double llr;          /**< c log(c/μ) + (C − c) log((C − c)/(C − μ)) */
  double p;            /**< (#replications whose largest LLR >= llr + 1) / (replications + 1) */
  double p_gumbel;     /**< P(max LLR >= llr) under a Gumbel fitted to the replications' maxima by moments
                            (SaTScan's option: p below 1/(replications + 1)); NaN with fewer than 10 replications */
} sm_scan_cluster;

/** The result: clusters by LLR, highest first. */
typedef struct sm_scan_result {
  size_t n_clusters;
  sm_scan_cluster *clusters;
  double total;        /**< C */
  size_t *member_off;  /**< n_clusters + 1: cluster k's locations are members[member_off[k] .. member_off[k + 1]) */
  size_t *members;     /**< the locations of each cluster's circle, nearest its centre first */
  double *member_dist; /**< and their distances from the centre (metres) */
} sm_scan_result;

/** Frees a result. @since 0.1 */
SM_API void sm_scan_result_destroy(sm_scan_result *r);

/**
 * The expected count of one cylinder under space-time independence,
 * μ = Σ_{l in the circle} Σ_{t in the window} c_l· c_·t / C (a building block, for tests).
 * @param counts L × T, location-major. @param in L flags: the circle.
 * @since 0.1
 */
SM_API double sm_scan_expected(const double *counts, size_t L, size_t T, const unsigned char *in, size_t t_start,
                               size_t t_end);

/** The Poisson log-likelihood ratio of a cylinder with c cases against μ expected of C (0 unless c > μ). @since 0.1 */
SM_API double sm_scan_llr(double c, double mu, double C);

/**
 * The space-time permutation scan: circles centred on each location (or on
 * each of the options' centres), growing by the nearest locations (ties by
 * index) up to max_share of the cases (and max_radius_m; a centre with no
 * location within the radius takes its nearest alone), time windows up to max_window steps (ending at the last
 * step when prospective); the cylinder with the largest LLR is the most
 * likely cluster, then each centre's best cylinder in LLR order when its
 * circle shares no location with an earlier one (as SaTScan). The circles
 * are held once (a CSR list of at most 2^28 entries, 3 GiB: a radius keeps them
 * small); each replication scans them all, in time O(circles × windows). Their p-values come from `permutations` replications in
 * which the cases' times are shuffled over the cases (the locations and the
 * time profile stay), each on its own seeded stream: the same result for
 * any thread count.
 * @param x, y L location positions (metres); @param counts L × T cases, location-major, whole numbers.
 * @param[out] out free with sm_scan_result_destroy().
 * @return SM_OK, SM_E_INVALID_ARG, SM_E_INPUT (fewer than 2 cases, one location, one step, non-whole counts, a
 *   position that is not finite), SM_E_NOMEM (also: circles of more than 2^28 entries, found early from a sample of centres), SM_E_CANCELLED (the
 *   context's progress callback, called between batches of replications, said stop).
 * @since 0.1
 */
SM_API sm_status sm_scan(sm_ctx *ctx, size_t L, const double *x, const double *y, size_t T, const double *counts,
                         const sm_scan_options *opts, sm_scan_result **out);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_SCAN_H */
