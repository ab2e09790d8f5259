/**
 * @file safemap/hotspot.h
 * @brief Getis-Ord Gi* and significance bins (REFERENCE.md §1.2, §4.3).
 *
 * Gi* (self included) as ArcGIS's Hot Spot Analysis and spdep's localG:
 *   x̄ = Σx/n, S = sqrt(Σx²/n − x̄²) (divisor n),
 *   z_i = (Σ_j w_ij x_j − x̄ W_i) / (S sqrt((n S1_i − W_i²) / (n − 1))),
 *   W_i = Σ_j w_ij, S1_i = Σ_j w_ij²; p two-sided from the normal.
 * Bins as ArcGIS: ±3/±2/±1 at 99/95/90 %; with FDR, Benjamini-Hochberg
 * run separately at 0.10, 0.05 and 0.01 over all units (z and p unchanged).
 * @defgroup hotspot Hot-spot statistics
 * @{
 */
#ifndef SAFEMAP_HOTSPOT_H
#define SAFEMAP_HOTSPOT_H

#include "safemap/weights.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Gi* z-scores and two-sided p-values.
 * @param w weights with self included (sm_weights_has_self), n units.
 * @param x n values (counts, rates).
 * @param[out] z n z-scores; NaN for a unit without neighbours.
 * @param[out] p n two-sided p-values (may be NULL).
 * @return SM_OK; SM_E_INPUT (fewer than 3 units; zero variance: every
 *   value equal); SM_E_INVALID_ARG (sizes differ, NULL).
 * @since 0.1
 */
SM_API sm_status sm_gistar(sm_ctx *ctx, const sm_weights *w, const double *x, size_t n, double *z, double *p);

/**
 * Significance bins −3..3 from z and two-sided p (ArcGIS Gi_Bin): |bin| = 3,
 * 2, 1 at p ≤ 0.01, 0.05, 0.10 with the sign of z; with `fdr`, a unit keeps
 * level α only if its p passes the Benjamini-Hochberg step-up at α over all
 * n units. NaN z gives 0.
 * @param[out] bin n values.
 * @return SM_OK, SM_E_INVALID_ARG, SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_hotspot_bins(sm_ctx *ctx, const double *z, const double *p, size_t n, int fdr, int *bin);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_HOTSPOT_H */
