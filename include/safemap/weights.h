/**
 * @file safemap/weights.h
 * @brief Spatial weights: a sparse matrix w_ij over n units (CSR).
 *
 * Row i lists unit i's neighbours j in increasing order with their weights.
 * Built through a uniform grid index, in parallel, with the same result for
 * any thread count.
 * @defgroup weights Spatial weights
 * @{
 */
#ifndef SAFEMAP_WEIGHTS_H
#define SAFEMAP_WEIGHTS_H

#include "safemap/areas.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Sparse weights. Opaque. */
typedef struct sm_weights sm_weights;

/**
 * Binary fixed-distance-band weights: w_ij = 1 when the distance between
 * units i and j (their x, y in metres) is at most band_m. With `self`, each
 * unit is its own neighbour with weight self_weight (Gi* needs it; ArcGIS's
 * default self-potential is 1).
 * @param[out] out free with sm_weights_destroy().
 * @return SM_OK, SM_E_INVALID_ARG (n < 1, band <= 0, non-finite coordinates),
 *         SM_E_NOMEM, SM_E_CANCELLED.
 * @since 0.1
 */
SM_API sm_status sm_weights_distance_band(sm_ctx *ctx, sm_weights **out, size_t n, const double *x,
                                          const double *y, double band_m, int self, double self_weight);

/**
 * k-nearest-neighbour weights: w_ij = 1 for the k units nearest to i (ties
 * broken by the smaller index), so not symmetric. With `self`, each unit is
 * also its own neighbour.
 * @return SM_OK, SM_E_INVALID_ARG (k < 1 or k >= n, non-finite positions), SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_weights_knn(sm_ctx *ctx, sm_weights **out, size_t n, const double *x, const double *y, size_t k,
                                int self, double self_weight);

/**
 * Inverse-distance weights within a band: w_ij = 1 / d_ij^power for
 * 0 < d_ij <= band_m (power 1 or 2, ArcGIS INVERSE_DISTANCE[_SQUARED] with a
 * threshold); coincident units weigh 1. With `self`, w_ii = self_weight.
 * @return SM_OK, SM_E_INVALID_ARG, SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_weights_inverse_distance(sm_ctx *ctx, sm_weights **out, size_t n, const double *x,
                                             const double *y, double band_m, double power, int self,
                                             double self_weight);

/**
 * The minimum-neighbours rule (ArcGIS's "Number of Neighbors" with a distance
 * band): every unit with fewer than k neighbours (itself not counted) also
 * gets its k nearest units (ties to the smaller index), weighted 1
 * (power 0) or 1/d^power (1 or 2; coincident units 1), as the band's own
 * scheme; the others keep their lists. Rows stay sorted by index; the
 * weights are changed in place (apply before sm_weights_row_standardise()).
 * @param[out] n_extended how many units were given more neighbours; may be NULL.
 * @return SM_OK (also for k = 0: nothing to do), SM_E_INVALID_ARG (k >= the
 *   number of units, power not 0, 1 or 2), SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_weights_min_neighbours(sm_ctx *ctx, sm_weights *w, const double *x, const double *y, size_t k,
                                           double power, size_t *n_extended);

/**
 * Contiguity weights for polygons, as spdep's poly2nb: two areas are queen
 * neighbours when they share a boundary point (a vertex of one within
 * snap_m of a vertex of the other), rook neighbours when they share two or
 * more. Binary; with `self`, each area is its own neighbour (self_weight).
 * @param snap_m vertex tolerance in metres (0 = 1.5e-8, spdep's default sqrt(eps)).
 * @return SM_OK (one area: no neighbours), SM_E_INVALID_ARG (no areas), SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_weights_contiguity(sm_ctx *ctx, sm_weights **out, const sm_areas *areas, int queen, double snap_m,
                                       int self, double self_weight);

/** Frees weights. NULL is a no-op. @since 0.1 */
SM_API void sm_weights_destroy(sm_weights *w);
/** Number of units. @since 0.1 */
SM_API size_t sm_weights_count(const sm_weights *w);
/** Number of neighbours of unit i (self included when it is). @since 0.1 */
SM_API size_t sm_weights_neighbours(const sm_weights *w, size_t i);
/**
 * Row i: its neighbours' indices and weights (borrowed, sm_weights_neighbours(i)
 * entries, increasing index). @since 0.1
 */
SM_API void sm_weights_row(const sm_weights *w, size_t i, const size_t **index, const double **weight);
/** 1 if unit i is its own neighbour. @since 0.1 */
SM_API int sm_weights_has_self(const sm_weights *w, size_t i);
/** Divides each row by its sum (row standardisation); rows without neighbours stay empty. @since 0.1 */
SM_API sm_status sm_weights_row_standardise(sm_ctx *ctx, sm_weights *w);

/**
 * A copy of the weights without the self-neighbours (the weights Gi* takes
 * turned into those local and global Moran's I take): every other neighbour
 * and weight in the same order.
 * @param[out] out free with sm_weights_destroy().
 * @return SM_OK, SM_E_INVALID_ARG, SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_weights_drop_self(sm_ctx *ctx, sm_weights **out, const sm_weights *w);

/**
 * The weights among the units with keep[i] != 0, renumbered in their order
 * (unit i becomes the number of kept units before it); links to dropped
 * units are dropped with them.
 * @param keep sm_weights_count() flags.
 * @param[out] out free with sm_weights_destroy().
 * @return SM_OK, SM_E_INVALID_ARG, SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_weights_subset(sm_ctx *ctx, sm_weights **out, const sm_weights *w, const unsigned char *keep);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_WEIGHTS_H */
