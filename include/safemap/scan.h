/**
 * @file safemap/scan.h
 * @brief Space-time permutation scan statistic (Kulldorff et al. 2005, as
 *        SaTScan; docs/methods.md §5): cylinders of space and time with more
 *        cases than the space-time independence of the data predicts.
 * @defgroup scan Scan statistic
 * @{
 */
#ifndef SAFEMAP_SCAN_H
#define SAFEMAP_SCAN_H

#include "context.h"
#include "safemap/cube.h"
#include "safemap/result.h"
#include "safemap/units.h"

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

/* ---- the pipeline: points in, clusters and their locations out ------------------------------ */

/** Where the scan's locations (and circle centres) are. */
typedef enum sm_scan_centres {
  SM_SCAN_CENTRES_UNITS = 0,     /**< the analysis units: ward centroids or cell centres ("units") */
  SM_SCAN_CENTRES_INCIDENTS = 1, /**< every distinct incident position ("incidents") */
  SM_SCAN_CENTRES_END_           /**< sentinel */
} sm_scan_centres;

/** "units", "incidents"; NULL when out of range. @since 0.2 */
SM_API const char *sm_scan_centres_name(sm_scan_centres centres);
/**
 * The choice named `name` (as sm_scan_centres_name()).
 * @return SM_OK, SM_E_INVALID_ARG (unknown name: the message lists the names).
 * @since 0.2
 */
SM_API sm_status sm_scan_centres_from_name(sm_ctx *ctx, const char *name, sm_scan_centres *out);

/** The options of sm_scan_run() (the pipeline; sm_scan_options are sm_scan()'s limits). */
typedef struct sm_scan_run_options {
  int version;             /**< SM_SCAN_RUN_OPTIONS_VERSION */
  sm_scan_centres centres; /**< the locations: units (default) or every distinct incident position (--centres) */
  sm_unit_kind grid;       /**< with units: SM_UNIT_AUTO (default: the wards; without areas an error), wards, fishnet or
                                hexagon cells (--grid); with incidents only SM_UNIT_AUTO */
  double cell_m;           /**< cell size in metres for fishnet / hexagon units (--cell; 0, required for cells) */
  int has_extent;          /**< 1: the cells cover `extent` (--extent); 0 (default): the areas' extent, else the points' */
  double extent[4];        /**< xmin, ymin, xmax, ymax in the points' CRS when has_extent */
  sm_bins bins;            /**< the time step (--bin; a month: {SM_BIN_MONTH, 0, SM_TIME_MISSING}) */
  double max_share;        /**< a circle holds at most this share of the incidents (--max-share; 0.5) */
  double max_radius_m;     /**< and reaches at most this far (--max-radius; 0: no limit) */
  size_t max_window;       /**< windows of at most this many steps (--max-window; 0: half the steps) */
  int prospective;         /**< 1: only windows ending at the last step (--prospective; 0) */
  unsigned permutations;   /**< Monte Carlo replications of the incidents' times (--permutations; 999; 0: no p-values) */
  uint64_t seed;           /**< the replications' seed (--seed; 0) */
  size_t max_clusters;     /**< the most likely cluster and up to this many - 1 secondary ones (no CLI option; 10) */
} sm_scan_run_options;

#define SM_SCAN_RUN_OPTIONS_VERSION 1
#define SM_SCAN_RUN_OPTIONS_INIT                                                                                     \
  {SM_SCAN_RUN_OPTIONS_VERSION, SM_SCAN_CENTRES_UNITS, SM_UNIT_AUTO, 0, 0, {0, 0, 0, 0},                              \
   {SM_BIN_MONTH, 0, SM_TIME_MISSING}, 0.5, 0, 0, 0, 999, 0, 10}

/**
 * Sets `opts` to the defaults (SM_SCAN_RUN_OPTIONS_INIT) of `version`.
 * @return SM_OK, SM_E_INVALID_ARG (version not in 1..SM_SCAN_RUN_OPTIONS_VERSION, or NULL).
 * @since 0.2
 */
SM_API sm_status sm_scan_run_options_init(sm_scan_run_options *opts, int version);

/**
 * Checks the options alone, as sm_scan_run() does first, so that a program can
 * refuse a bad option or combination before reading any data, with the same
 * messages ("--centres incidents takes no --grid (each incident position is a
 * location)", "--cell is required (cell size in metres)"); what depends on the
 * data (a window longer than the study period, too few locations) is left to the run.
 * @param opts NULL: the defaults. @param have_areas non-zero when the run will be given areas (wards).
 * @return SM_OK or SM_E_INVALID_ARG.
 * @since 0.2
 */
SM_API sm_status sm_scan_run_options_check(sm_ctx *ctx, const sm_scan_run_options *opts, int have_areas);

/**
 * The space-time permutation scan of `points` (safemap scan): the incidents
 * are counted per location — the areas' centroids (the areas as units), the
 * centres of fishnet / hexagon cells of cell_m (kept inside the areas when
 * given), or every distinct incident position (inside the areas when given;
 * numbered in (x, y) order) — and per time step (opts->bins); then sm_scan()
 * with the options' limits, its replications seeded with opts->seed (the
 * same result for any thread count).
 *
 * Layers, in the order the command line writes them:
 * - "scan_clusters" (polygons: the circles; radius 0 drawn as 50 m, or half a
 *   cell): rank, centre, centre_x, centre_y, radius_m, locations, start, end,
 *   observed, expected, relative_risk, llr, p, p_gumbel, and when prospective
 *   recurrence (1 / p, in steps) and recurrence_years;
 * - "scan_locations" (points; CSV companion "_locations"): each cluster's
 *   locations: rank, location, x, y, distance_m, observed, expected,
 *   relative_risk.
 * Both carry the recipe: method, every option (centres, grid, cell_m, extent,
 * bin, max_share, max_radius_m, max_window, prospective, permutations, seed,
 * max_clusters), the locations and steps, and the inputs read.
 *
 * Figures: "locations" (locations with an incident), "steps", "incidents",
 * "permutations", "seed", "max_window" (the windows' limit used), "clusters".
 * Texts: "step" (the step's name: "month", ...), and for each cluster k
 * (1-based) "cluster_<k>_where" (where it is, in words: "3 locations within
 * 1378 m of Hampstead Town", "1 location (the incident position itself) at
 * (529000, 183000)") and, when prospective, "cluster_<k>_recurrence" ("once in
 * 100 months (8.33 years)"; the steps to two significant figures below 10 and
 * whole above; the years when at least one, to as many figures as the steps, at most 3).
 *
 * @param areas the wards: the units (grid auto or wards) or the study area; may be NULL for cells and incidents.
 * @param opts NULL: the defaults.
 * @param[out] out free with sm_result_destroy().
 * @return SM_OK; SM_E_INVALID_ARG (a bad option or combination: the message names the option as the command line
 *   spells it, e.g. "--centres incidents takes no --grid"); SM_E_INPUT (no time, a window longer than the study
 *   period, a ward without geometry, and sm_scan()'s: fewer than 2 locations, steps or incidents); SM_E_CRS;
 *   SM_E_NOMEM; SM_E_CANCELLED.
 * @since 0.2
 */
SM_API sm_status sm_scan_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                             const sm_scan_run_options *opts);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_SCAN_H */
