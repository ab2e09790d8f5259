/**
 * @file safemap/forecast.h
 * @brief Prospective hot-spotting (ProMap) and the evaluation of any risk
 *        surface against later incidents: hit rate, PAI, PEI (docs/methods.md §7).
 * @defgroup forecast Forecasting
 * @{
 */
#ifndef SAFEMAP_FORECAST_H
#define SAFEMAP_FORECAST_H

#include "safemap/raster.h"
#include "safemap/areas.h"
#include "safemap/points.h"
#include "safemap/result.h"

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

/* ---- the forecasting pipelines ---------------------------------------------------------- */

/** The surface sm_forecast_run() computes (--method). */
typedef enum sm_forecast_method {
  SM_FORECAST_PROMAP = 0,     /**< ProMap ("promap"; default) */
  SM_FORECAST_KDE = 1,        /**< quartic KDE of the last kde_months months / kde_weeks weeks ("kde") */
  SM_FORECAST_LAST_MONTH = 2, /**< last month's incidents per cell ("last-month"; monthly steps) */
  SM_FORECAST_LAST_WEEK = 3,  /**< last week's incidents per cell ("last-week"; --bin week) */
  SM_FORECAST_METHOD_END_     /**< sentinel */
} sm_forecast_method;

/** "promap", "kde", "last-month", "last-week"; NULL when out of range. @since 0.2 */
SM_API const char *sm_forecast_method_name(sm_forecast_method method);
/**
 * The method named `name` (as sm_forecast_method_name(); also "last_month", "last_week").
 * @return SM_OK, SM_E_INVALID_ARG (unknown name: the message lists the names).
 * @since 0.2
 */
SM_API sm_status sm_forecast_method_from_name(sm_ctx *ctx, const char *name, sm_forecast_method *out);

/** The forecasting step (--bin). */
typedef enum sm_forecast_bin {
  SM_FORECAST_BIN_MONTH = 0, /**< calendar months ("month"; default: police.uk's dates) */
  SM_FORECAST_BIN_WEEK = 1,  /**< weeks from Monday ("week"; needs dated incidents) */
  SM_FORECAST_BIN_END_       /**< sentinel */
} sm_forecast_bin;

/** "month", "week"; NULL when out of range. @since 0.2 */
SM_API const char *sm_forecast_bin_name(sm_forecast_bin bin);
/**
 * The step named `name` ("month", "week").
 * @return SM_OK, SM_E_INVALID_ARG (unknown name: the message lists the names).
 * @since 0.2
 */
SM_API sm_status sm_forecast_bin_from_name(sm_ctx *ctx, const char *name, sm_forecast_bin *out);

/** Options of sm_forecast_run(). Fields are only appended; set with SM_FORECAST_OPTIONS_INIT or sm_forecast_options_init(). */
typedef struct sm_forecast_options {
  int version;                /**< SM_FORECAST_OPTIONS_VERSION */
  const char *at;             /**< --at: the month forecast ("YYYY-MM"), or with weekly steps a date ("YYYY-MM-DD": the
                                   week holding it); borrowed. NULL (default): the step after the last incident's */
  sm_forecast_method method;  /**< --method: the surface (default SM_FORECAST_PROMAP); ignored with `evaluate` */
  sm_forecast_bin bin;        /**< --bin: monthly (default) or weekly steps */
  double cell_m;              /**< --cell: grid cell in metres (50, ProMap's) */
  int space_bandwidth;        /**< --space-bandwidth: ProMap's reach in cells (8: 400 m at 50 m) */
  int time_bandwidth;         /**< --time-bandwidth: ProMap's reach in steps (0 = 2 months, or 8 weeks: open_cp's) */
  double bandwidth_m;         /**< --bandwidth: KDE radius in metres (250) */
  int kde_months;             /**< --kde-months: the KDE's window in months (0 = 12); monthly steps only */
  int kde_weeks;              /**< --kde-weeks: the KDE's window in weeks (0 = 52); --bin week only */
  const double *coverages;    /**< --coverage: shares of the area flagged, each in (0, 1]; borrowed. NULL = {0.05}.
                                   The first also sizes the top-cells layer */
  size_t n_coverages;         /**< number of coverages (0 with NULL) */
  int coverage_curve;         /**< --coverage curve: 1: every 1% from 1% to 100% (coverages ignored); 0 (default) */
  const sm_raster *evaluate;  /**< --evaluate: score this single-band raster (in the incidents' CRS; nodata cells are
                                   outside the study area) against the `at` step instead of computing a surface;
                                   borrowed. NULL (default) */
  const char *evaluate_label; /**< what to call `evaluate` in messages and the recipe (the CLI: its path); NULL = "the surface" */
} sm_forecast_options;

#define SM_FORECAST_OPTIONS_VERSION 1
#define SM_FORECAST_OPTIONS_INIT {SM_FORECAST_OPTIONS_VERSION, NULL, SM_FORECAST_PROMAP, SM_FORECAST_BIN_MONTH, 50, 8, 0, \
    250, 0, 0, NULL, 0, 0, NULL, NULL}

/** Initialises options to their defaults. @return SM_OK, SM_E_INVALID_ARG (NULL, version not in 1..current). @since 0.2 */
SM_API sm_status sm_forecast_options_init(sm_forecast_options *opts, int version);

/**
 * Checks the options alone, as sm_forecast_run() does first, so that a program can refuse
 * them before reading any data: the version, --bin, --cell and --bandwidth (metres > 0),
 * --space-bandwidth, --time-bandwidth, --kde-months / --kde-weeks (and which goes with which
 * step), the coverages, --method last-month / last-week against the step, and the --at text.
 * What depends on the data (the incidents' span, an empty surface) is left to the run.
 * @param have_areas non-zero when areas will be given (either is fine: the grid covers the
 *   areas, else the incidents).
 * @return SM_OK, SM_E_INVALID_ARG with sm_forecast_run()'s message (the options named as the
 *   command line spells them).
 * @since 0.2
 */
SM_API sm_status sm_forecast_options_check(sm_ctx *ctx, const sm_forecast_options *opts, int have_areas);

/**
 * The risk surface of one step (safemap forecast --at), or the scoring of a given surface
 * (safemap forecast --evaluate).
 *
 * Incidents are binned into steps (months, or weeks from Monday); the grid is ProMap's:
 * cells of cell_m from the corner of the areas' extent when `areas` is given, else of the
 * incidents' (sm_units_points_extent()). The surface of the `at` step comes from the incidents
 * before it, by `method`: ProMap (sm_promap(), space_bandwidth cells, time_bandwidth steps), a
 * quartic KDE of bandwidth_m over the last kde_months / kde_weeks steps (expected incidents per
 * cell; only the incidents inside the grid), or the last step's incidents per cell. When the
 * `at` step already has incidents, the surface is scored against them (sm_evaluate_raster()).
 *
 * Result, in writing order: the raster (table `promap`, `kde`, `last_month` or `last_week`:
 * metadata name, description, units and the recipe); layer `<name>_top`, the top first-coverage
 * share of the cells with risk > 0 as polygons (rank, risk); and, when scored, table `evaluation`
 * (month or week, incidents, method, coverage, cells, area_share, hits, hit_rate, pai, pei; one
 * row per coverage; hit_rate, pai, pei null for no incident). With `evaluate`: table `evaluation`
 * alone (method "surface").
 *
 * Figures: "width", "height", "cell_m" (the grid; with `evaluate`, the evaluated raster's),
 * "incidents" (the step's incidents), "incidents_scored" (those on the grid / on valid cells:
 * the table's incidents), "incidents_outside" (those not), "scored" (1 when table `evaluation`
 * exists), and at the first coverage "coverage", "hit_rate", "pai", "pei" when scored.
 * Texts: "method" (the surface's name, or "surface"), "at" (the step: "2025-03", or its Monday),
 * "bin", "first_step", "last_step" (the incidents' span).
 *
 * Every output's metadata: "method" (in words), "bin", "at", "forecast_method", "cell_m",
 * "space_bandwidth", "time_bandwidth", "bandwidth_m", "kde_months" or "kde_weeks", "coverage",
 * "grid_extent", "time_span", "evaluated_surface" (with `evaluate`) and the inputs
 * (safemap_version, input_*); keys a lower-level call already set are kept.
 *
 * @param areas the grid's extent; may be NULL.
 * @param opts NULL = defaults.
 * @param[out] out free with sm_result_destroy().
 * @return SM_OK; SM_E_INVALID_ARG (options: the message names them as the command line does);
 *   SM_E_INPUT (no time, weekly steps on months only, fewer than 2 incidents, an empty surface or
 *   no incident to score: the message names the window and the incidents' span); SM_E_CRS;
 *   SM_E_NOMEM; SM_E_CANCELLED.
 * @since 0.2
 */
SM_API sm_status sm_forecast_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                                 const sm_forecast_options *opts);

/** Options of sm_backtest_run(). Fields are only appended; set with SM_BACKTEST_OPTIONS_INIT or sm_backtest_options_init(). */
typedef struct sm_backtest_options {
  int version;             /**< SM_BACKTEST_OPTIONS_VERSION */
  sm_forecast_bin bin;     /**< --bin: monthly (default) or weekly steps */
  double cell_m;           /**< --cell: grid cell in metres (50) */
  int space_bandwidth;     /**< --space-bandwidth: ProMap's reach in cells (8) */
  int time_bandwidth;      /**< --time-bandwidth: ProMap's reach in steps (0 = 2 months, or 8 weeks) */
  double bandwidth_m;      /**< --bandwidth: KDE radius in metres (250) */
  int kde_months;          /**< --kde-months: the KDE's window in months (0 = 12); monthly steps only */
  int kde_weeks;           /**< --kde-weeks: the KDE's window in weeks (0 = 52); --bin week only */
  const double *coverages; /**< --coverage: shares of the area flagged, each in (0, 1]; borrowed. NULL = {0.05} */
  size_t n_coverages;      /**< number of coverages (0 with NULL) */
  int coverage_curve;      /**< --coverage curve: 1: every 1% from 1% to 100%; 0 (default) */
  int warmup;              /**< --warmup: steps before the first scored one (0 = 12 months, or 52 weeks) */
} sm_backtest_options;

#define SM_BACKTEST_OPTIONS_VERSION 1
#define SM_BACKTEST_OPTIONS_INIT {SM_BACKTEST_OPTIONS_VERSION, SM_FORECAST_BIN_MONTH, 50, 8, 0, 250, 0, 0, NULL, 0, 0, 0}

/** Initialises options to their defaults. @return SM_OK, SM_E_INVALID_ARG (NULL, version not in 1..current). @since 0.2 */
SM_API sm_status sm_backtest_options_init(sm_backtest_options *opts, int version);

/**
 * Checks the options alone, as sm_backtest_run() does first (the version, --bin, the grid,
 * ProMap's and the KDE's parameters, the coverages, --warmup), before any data is read; that
 * the incidents span more steps than the warm-up is left to the run.
 * @param have_areas non-zero when areas will be given (either is fine).
 * @return SM_OK, SM_E_INVALID_ARG with sm_backtest_run()'s message.
 * @since 0.2
 */
SM_API sm_status sm_backtest_options_check(sm_ctx *ctx, const sm_backtest_options *opts, int have_areas);

/**
 * A rolling-origin back-test (safemap forecast --backtest): for every step after the first
 * `warmup` steps of the incidents, ProMap, the KDE and the last step's counts (as
 * sm_forecast_run() makes them, on the same grid) from the steps before it are scored against
 * that step's incidents at every coverage.
 *
 * Result: table `backtest` (month or week, incidents, method, coverage, cells, area_share, hits,
 * hit_rate, pai, pei; per step the methods promap, kde, last_month / last_week, each one row per
 * coverage), with the recipe as sm_forecast_run()'s plus "warmup".
 *
 * Figures: "steps" (from the first incident's step to the last's), "warmup", "steps_scored"
 * (scored steps with an incident on the grid), "coverage" (the first), and over the scored steps
 * at the first coverage "mean_hit_rate_promap", "mean_pai_promap", "mean_hit_rate_kde",
 * "mean_pai_kde", "mean_hit_rate_last", "mean_pai_last" (NaN when no step is scored).
 * Texts: "bin", "first_step", "last_step", "first_scored" (the first step scored).
 *
 * @param areas the grid's extent; may be NULL. @param opts NULL = defaults.
 * @param[out] out free with sm_result_destroy().
 * @return SM_OK; SM_E_INVALID_ARG (options); SM_E_INPUT (no time, weekly steps on months only,
 *   fewer than 2 incidents, no more steps than --warmup); SM_E_CRS; SM_E_NOMEM; SM_E_CANCELLED.
 * @since 0.2
 */
SM_API sm_status sm_backtest_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                                 const sm_backtest_options *opts);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_FORECAST_H */
