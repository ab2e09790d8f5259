/**
 * @file safemap/forecast.h
 * @brief Prospective hot-spotting (ProMap) and the evaluation of any risk
 *        surface against later incidents: hit rate, PAI, PEI (REFERENCE.md §7).
 * @defgroup forecast Forecasting
 * @{
 */
#ifndef SAFEMAP_FORECAST_H
#define SAFEMAP_FORECAST_H

#include "raster.h"

#ifdef __cplusplus
extern "C" {
#endif

/** ProMap's parameters (open_cp's defaults: 50 m cells, 8 cells = 400 m, 8 one-week steps). */
typedef struct sm_promap_options {
  double cell_m;          /**< grid cell (50) */
  int space_bandwidth;    /**< cells: weight 0 at this grid distance and beyond (8) */
  int time_bandwidth;     /**< time units: weight 0 at this age and beyond (8) */
  int manhattan;          /**< 0: grid distance with diagonals the same (Chebyshev, open_cp's default); 1: |di| + |dj| */
} sm_promap_options;

#define SM_PROMAP_OPTIONS_INIT {50, 8, 8, 0}

/**
 * ProMap risk surface at time `at` (Bowers, Johnson & Pease 2004; open_cp's
 * ClassicWeight): each cell sums, over the incidents before `at`,
 *   w = 1 / (1 + d) · 1 / (1 + a),
 * d the grid distance (in cells) from the incident's cell, a = floor(at − t)
 * its age in time units, w = 0 when d ≥ space_bandwidth or a ≥ time_bandwidth.
 * The grid covers `extent` (xmin, ymin, xmax, ymax) from its corner.
 * @param t n times in the caller's unit (weeks, or month indices); incidents at or after `at` are ignored.
 * @param[out] out free with sm_raster_destroy().
 * @return SM_OK, SM_E_INVALID_ARG (options, extent, NULL), SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_promap(sm_ctx *ctx, sm_raster **out, size_t n, const double *x, const double *y, const double *t,
                           double at, const double extent[4], const char *crs, const sm_promap_options *opts);

/** One coverage's evaluation. */
typedef struct sm_hit_rate {
  double coverage;   /**< asked: share of the area flagged */
  size_t cells;      /**< flagged cells: the fewest, from the highest prediction, whose area reaches the coverage */
  double area_share; /**< a / A: their share of the area */
  double hits;       /**< incidents in them (n) */
  double hit_rate;   /**< n / N */
  double pai;        /**< (n / N) / (a / A) (Chainey et al. 2008) */
  double pei;        /**< PAI / the best PAI of as many cells (the most incidents) */
} sm_hit_rate;

/**
 * Evaluates a prediction against observed counts per cell: cells ranked by
 * prediction, highest first, ties with the fewer observed incidents first
 * (the minimum PAI a prediction can claim, as R ptools), then by index.
 * @param pred, obs n values per cell; @param area n areas, or NULL for equal cells.
 * @param[out] out one result per coverage (0 < coverage <= 1).
 * @return SM_OK; SM_E_INVALID_ARG (NULL, a coverage outside (0, 1], n 0); SM_E_NOMEM.
 *   With no observed incident, hit_rate, pai and pei are NaN.
 * @since 0.1
 */
SM_API sm_status sm_evaluate_surface(sm_ctx *ctx, size_t n, const double *pred, const double *obs, const double *area,
                                     const double *coverages, size_t n_coverages, sm_hit_rate *out);

/**
 * Scores a raster surface against incidents (x, y in `crs`, which must be the
 * raster's): each incident is counted in the cell holding it ([x0, x0 + cell)
 * from the west, [y1 − cell, y1) from the north edge); nodata cells are
 * outside the study area (neither flagged nor counted), as are incidents
 * beyond the raster (returned in *outside). Then sm_evaluate_surface() over
 * the remaining cells, all of equal area.
 * @param[out] out one result per coverage. @param[out] outside may be NULL.
 * @return SM_OK; SM_E_CRS (the incidents' CRS is not the raster's); SM_E_INPUT (no cell with a value);
 *   SM_E_INVALID_ARG; SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_evaluate_raster(sm_ctx *ctx, const sm_raster *surface, size_t n, const double *x, const double *y,
                                    const char *crs, const double *coverages, size_t n_coverages, sm_hit_rate *out,
                                    size_t *outside);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_FORECAST_H */
