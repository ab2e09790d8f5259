/**
 * @file safemap/kde.h
 * @brief Kernel density estimation with explicit conventions.
 *
 * Each point adds weight × K(d) at every cell centre within the kernel's
 * support, where d is the exact distance from the point to the centre and K
 * integrates to 1 over the plane, so the surface integrates to the total
 * weight (away from the edges of the grid). Identical coordinates (police.uk
 * snap points) are merged into one weighted point first: same result, less
 * work. Computed in parallel over strips of rows; each cell sums its points
 * in one fixed order, so the values are bit-identical for any thread count.
 *
 * Conventions reproduce other tools exactly (docs/methods.md §1.1, §3, §4.1):
 * - SM_KDE_ARCGIS: quartic, bandwidth = search radius, default radius by the
 *   spatial Silverman rule, grid = the points' extent, cell = shorter side /
 *   250, values per km², cells beyond every point's radius are nodata.
 * - SM_KDE_QGIS_RAW: QGIS Heatmap "Raw": sum of weight × shape (quartic
 *   (1 - u²)²) with no constant; grid = points' extent grown by the radius,
 *   ceil(size / cell) + 1 cells; nodata beyond every radius.
 * - SM_KDE_QGIS_SCALED: QGIS Heatmap "Scaled", including QGIS's quartic
 *   constant 116/(5π r²)·15/16 (7.25 times too large; fixed after 3.40).
 * - SM_KDE_SPATSTAT: spatstat density.ppp evaluated exactly: bandwidth =
 *   sigma, the kernel's standard deviation per axis (quartic radius =
 *   sigma·√8, Epanechnikov sigma·√6, disc 2·sigma; Gaussian cut at 8 sigma),
 *   values per m², zeros (not nodata) away from the points.
 * - SM_KDE_DEFAULT: ArcGIS-like (quartic, per km², Silverman radius) but the
 *   grid is the points' extent grown by one bandwidth, so the whole surface
 *   is inside it, and cells away from every point are 0.
 * @defgroup kde Kernel density
 * @{
 */
#ifndef SAFEMAP_KDE_H
#define SAFEMAP_KDE_H

#include "safemap/areas.h"
#include "safemap/layer.h"
#include "safemap/points.h"
#include "safemap/raster.h"
#include "safemap/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Kernels; each integrates to 1 over the plane. u = d / radius. */
typedef enum sm_kernel {
  SM_KERNEL_QUARTIC = 0,      /**< 3/(π r²) (1 - u²)², a.k.a. biweight (default) */
  SM_KERNEL_EPANECHNIKOV = 1, /**< 2/(π r²) (1 - u²) */
  SM_KERNEL_TRIWEIGHT = 2,    /**< 4/(π r²) (1 - u²)³ */
  SM_KERNEL_TRIANGULAR = 3,   /**< 3/(π r²) (1 - u), a cone */
  SM_KERNEL_UNIFORM = 4,      /**< 1/(π r²), a disc */
  SM_KERNEL_GAUSSIAN = 5,     /**< exp(-d²/2σ²)/(2πσ²), cut at cutoff·σ and rescaled to integrate to 1 */
  SM_KERNEL_END_
} sm_kernel;

/** Whose definition of the surface to reproduce. */
typedef enum sm_kde_convention {
  SM_KDE_DEFAULT = 0,
  SM_KDE_ARCGIS = 1,
  SM_KDE_QGIS_RAW = 2,
  SM_KDE_QGIS_SCALED = 3,
  SM_KDE_SPATSTAT = 4,
  SM_KDE_CONVENTION_END_
} sm_kde_convention;

/** What a cell value means. */
typedef enum sm_kde_units {
  SM_KDE_UNITS_AUTO = 0,   /**< the convention's own (per km², raw, per m²) */
  SM_KDE_PER_KM2 = 1,      /**< weight per square kilometre */
  SM_KDE_PER_HA = 2,       /**< weight per hectare */
  SM_KDE_PER_M2 = 3,       /**< weight per square metre */
  SM_KDE_COUNT = 4,        /**< expected count in the cell (density × cell area; sums to the weight) */
  SM_KDE_PROBABILITY = 5,  /**< share of the total weight in the cell (sums to 1) */
  SM_KDE_UNITS_END_
} sm_kde_units;

/** How the bandwidth is chosen. */
typedef enum sm_bw_rule {
  SM_BW_FIXED = 0, /**< bandwidth_m as given */
  SM_BW_AUTO = 1,  /**< ArcGIS spatial Silverman: 0.9·min(SD, √(1/ln 2)·Dm)·n^-0.2 (a quartic radius) */
  SM_BW_SCOTT = 2, /**< Scott: geometric mean of sd(x), sd(y) times n^(-1/6) (a standard deviation) */
  SM_BW_PPL = 3,   /**< likelihood cross-validation, as spatstat's bw.ppl: the Gaussian sigma among 16
                        geometric steps from the smallest positive nearest-neighbour distance to half the
                        window's diameter that maximises sum log lambda_-i(x_i) - integral of lambda (uniform
                        edge correction; the integral on a 128 x 128 grid). O(n^2): at most 50,000 locations */
  SM_BW_DIGGLE = 4, /**< Diggle's MSE rule, as spatstat's bw.diggle (Berman-Diggle criterion on Ripley's
                        isotropic K for the rectangular window; the sigma = h / 2 of the best disc radius h) */
  SM_BW_END_
} sm_bw_rule;

/** Edge correction (spatstat's, docs/methods.md §4.1), for a rectangular window (the grid's extent). */
typedef enum sm_kde_edge {
  SM_KDE_EDGE_NONE = 0,    /**< none (default) */
  SM_KDE_EDGE_UNIFORM = 1, /**< divide the value at u by e(u) = the kernel's mass at u inside the window */
  SM_KDE_EDGE_DIGGLE = 2,  /**< Jones-Diggle: weight each point x by 1 / e(x) */
  SM_KDE_EDGE_END_
} sm_kde_edge;

/** Options of sm_kde(). Fields only appended; set with SM_KDE_OPTIONS_INIT. */
typedef struct sm_kde_options {
  int version;                  /**< SM_KDE_OPTIONS_VERSION */
  sm_kde_convention convention; /**< default SM_KDE_DEFAULT */
  sm_kernel kernel;             /**< default quartic; spatstat/QGIS conventions allow their own kernels */
  sm_kde_units units;           /**< default: the convention's */
  sm_bw_rule bandwidth_rule;    /**< default SM_BW_AUTO (SM_BW_FIXED if bandwidth_m > 0 is given) */
  double bandwidth_m;           /**< radius of compact kernels; standard deviation of the Gaussian
                                     (spatstat: always the standard deviation) */
  double gaussian_cutoff;       /**< Gaussian support in standard deviations (0 = 4; spatstat: 8) */
  double cell_m;                /**< cell size; 0 = shorter side of the extent / 250 */
  int has_extent;               /**< 1: use `extent` for the grid */
  double extent[4];             /**< xmin, ymin, xmax, ymax in metres of the points' CRS */
  double max_cells;             /**< refuse grids larger than this (0 = the ctx's limit of cells, SM_LIMIT_CELLS: 4e8 cells,
                                     3.2 GB, unless sm_ctx_set_limit() changed it) */
  const sm_areas *mask;         /**< study area: cells whose centre is in no area become nodata; borrowed; NULL = none */
  sm_kde_edge edge;             /**< edge correction over the grid's rectangle (default and spatstat conventions;
                                     gaussian, quartic, epanechnikov, triweight, uniform kernels) */
  int adaptive;                 /**< 1: Abramson's square-root law (docs/methods.md §4.2, as sparr): point i gets
                                     h_i = h0 min(f(x_i)^-1/2, G trim) / G, f a fixed-bandwidth pilot density,
                                     G the geometric mean of f(x_i)^-1/2; h0 = the bandwidth above */
  double pilot_bandwidth_m;     /**< pilot bandwidth (0 = the bandwidth) */
  double adaptive_trim;         /**< trim (0 = 5, as sparr) */
} sm_kde_options;

#define SM_KDE_OPTIONS_VERSION 1
#define SM_KDE_OPTIONS_INIT {SM_KDE_OPTIONS_VERSION, SM_KDE_DEFAULT, SM_KERNEL_QUARTIC, SM_KDE_UNITS_AUTO, \
    SM_BW_AUTO, 0, 0, 0, 0, {0, 0, 0, 0}, 0, NULL, SM_KDE_EDGE_NONE, 0, 0, 0}

/** Initialises options to their defaults. @return SM_OK or SM_E_INVALID_ARG. @since 0.1 */
SM_API sm_status sm_kde_options_init(sm_kde_options *opts, int version);

/** What sm_kde() chose. */
typedef struct sm_kde_info {
  double bandwidth_m;     /**< bandwidth in the convention's meaning (radius or sigma) */
  double radius_m;        /**< support radius actually used */
  const char *rule;       /**< "fixed", "spatial Silverman (ArcGIS)", "Scott" (static string) */
  double cell_m;
  size_t width, height;
  size_t n_points;        /**< points used */
  size_t n_locations;     /**< distinct locations after merging identical coordinates */
  size_t n_outside;       /**< points outside the grid (they still add to cells within reach) */
  double total_weight;
} sm_kde_info;

/**
 * Computes a kernel density surface.
 * @param[out] out the surface, in the points' CRS; free with sm_raster_destroy().
 *   Its metadata records the convention, kernel, bandwidth and rule, units,
 *   cell size, grid rule, points and weight.
 * @param[out] info what was chosen; may be NULL.
 * @return SM_OK; SM_E_INPUT (no points; automatic bandwidth undefined: one
 *   point or all at one place; every point outside the extent and beyond
 *   reach); SM_E_INVALID_ARG (bandwidth <= 0 or smaller than a cell, cell
 *   <= 0, bad extent, kernel not offered by the convention, grid larger than
 *   max_cells: the message names the size, nothing is allocated);
 *   SM_E_NOMEM; SM_E_CANCELLED.
 * @since 0.1
 */
SM_API sm_status sm_kde(sm_ctx *ctx, sm_raster **out, const sm_points *points, const sm_kde_options *opts,
                        sm_kde_info *info);

/**
 * The ArcGIS default search radius (spatial Silverman rule, docs/methods.md
 * §1.1): 0.9·min(SD, √(1/ln 2)·Dm)·n^(-0.2), with the weighted mean centre,
 * weighted median distance Dm, weighted standard distance SD and n the
 * total weight. Four points at (±1000, 0), (0, ±1000) give 682.0725 m.
 * @return SM_OK or SM_E_INPUT (fewer than two distinct points).
 * @since 0.1
 */
SM_API sm_status sm_kde_silverman_radius(sm_ctx *ctx, const double *x, const double *y, const double *w, size_t n,
                                         double *radius_out);

/** How two surfaces are combined by sm_kde_dual(). */
typedef enum sm_kde_dual_op {
  SM_KDE_DIFFERENCE = 0, /**< A - B, in the units of the surfaces (e.g. this year minus last, per km²) */
  SM_KDE_RATIO = 1,      /**< (A + eps·max B) / (B + eps·max B); nodata where that divides by 0 */
  SM_KDE_LOG_RATIO = 2,  /**< ln of the ratio (0 = no difference) */
  SM_KDE_DUAL_END_
} sm_kde_dual_op;

/**
 * Dual kernel density: two point sets on one grid with one bandwidth, then
 * combined (this period vs the last; burglaries vs households). The grid and
 * the bandwidth (its rule applied to both sets pooled) are chosen as
 * sm_kde() would for the pooled points; then each set is estimated with them.
 * With `normalise`, each surface is first divided by its total weight, so
 * the ratio is a relative risk (as sparr's risk()).
 * @param epsilon ratio regulariser (0 = none), a share of the maximum of B.
 * @param[out] out the combined surface; its metadata records both sets.
 * @return as sm_kde(); SM_E_INVALID_ARG also for the QGIS conventions (their
 *   grid rule depends on each set) and an unknown op.
 * @since 0.1
 */
SM_API sm_status sm_kde_dual(sm_ctx *ctx, sm_raster **out, const sm_points *a, const sm_points *b,
                             const sm_kde_options *opts, sm_kde_dual_op op, int normalise, double epsilon,
                             sm_kde_info *info);

/**
 * Hot-spot areas of a surface: for each percentage p, the smallest set of
 * cells holding p% of the surface's mass (the highest cells, taken until
 * their sum reaches p% of the total; cells tied with the last one are
 * included), as one MultiPolygon per p whose outline follows cell edges
 * (4-connected). Levels are nested: 50% lies inside 75%.
 * @param percents n values in (0, 100].
 * @param name layer name (copied).
 * @param[out] out polygon layer with fields percent, threshold (lowest cell
 *   value included, the surface's units), share (% of the mass actually
 *   held), cells, area_km2; free with sm_layer_destroy().
 * @return SM_OK, SM_E_INVALID_ARG (percent out of range), SM_E_INPUT (the
 *   surface has no positive value), SM_E_NOMEM, SM_E_DEPENDENCY.
 * @since 0.1
 */
SM_API sm_status sm_kde_hotspot_areas(sm_ctx *ctx, sm_layer **out, const sm_raster *surface, const double *percents,
                                      size_t n, const char *name);

/** Name of a kernel ("quartic", ...), or NULL. @since 0.1 */
SM_API const char *sm_kernel_name(sm_kernel kernel);
/** Kernel by name (case-insensitive; "biweight" = quartic, "disc" = uniform); SM_KERNEL_END_ if unknown. @since 0.1 */
SM_API sm_kernel sm_kernel_from_name(const char *name);
/** Name of a convention ("arcgis", "qgis-raw", ...), or NULL. @since 0.1 */
SM_API const char *sm_kde_convention_name(sm_kde_convention c);
/** Convention by name; SM_KDE_CONVENTION_END_ if unknown. @since 0.1 */
SM_API sm_kde_convention sm_kde_convention_from_name(const char *name);
/** Units by name ("per-km2", "per-ha", "per-m2", "count", "probability"); SM_KDE_UNITS_END_ if unknown. @since 0.1 */
SM_API sm_kde_units sm_kde_units_from_name(const char *name);
/** Name of units ("auto", "per-km2", ...), or NULL. @since 0.2 */
SM_API const char *sm_kde_units_name(sm_kde_units units);

/** Name of a bandwidth rule: "fixed", "auto", "scott", "ppl", "diggle" (as --bandwidth spells them), or NULL. @since 0.2 */
SM_API const char *sm_bw_rule_name(sm_bw_rule rule);
/** Bandwidth rule by name; SM_E_INVALID_ARG with a message listing the names when unknown. @since 0.2 */
SM_API sm_status sm_bw_rule_from_name(sm_ctx *ctx, const char *name, sm_bw_rule *out);
/** Name of an edge correction: "none", "uniform", "diggle" (as --edge), or NULL. @since 0.2 */
SM_API const char *sm_kde_edge_name(sm_kde_edge edge);
/** Edge correction by name; SM_E_INVALID_ARG ("unknown --edge '...' (none, uniform, diggle)") when unknown. @since 0.2 */
SM_API sm_status sm_kde_edge_from_name(sm_ctx *ctx, const char *name, sm_kde_edge *out);
/** Name of a dual operation: "difference", "ratio", "log-ratio" (as --dual), or NULL. @since 0.2 */
SM_API const char *sm_kde_dual_op_name(sm_kde_dual_op op);
/** Dual operation by name; SM_E_INVALID_ARG ("unknown --dual '...' (difference, ratio, log-ratio)") when unknown. @since 0.2 */
SM_API sm_status sm_kde_dual_op_from_name(sm_ctx *ctx, const char *name, sm_kde_dual_op *out);

/* ---- the kde pipeline ------------------------------------------------------------------- */

/**
 * Options of sm_kde_run(): the surface's own parameters (an embedded
 * sm_kde_options, so that sm_kde() and the pipeline share one definition),
 * then what the command adds around it. Fields are only ever appended; set
 * with SM_KDE_RUN_OPTIONS_INIT or sm_kde_run_options_init().
 */
typedef struct sm_kde_run_options {
  int version;               /**< SM_KDE_RUN_OPTIONS_VERSION */
  sm_kde_options surface;    /**< the surface (defaults: SM_KDE_OPTIONS_INIT): convention (--convention), kernel
                                  (--kernel), units (--units), bandwidth_rule + bandwidth_m (--bandwidth: a rule
                                  name sets the rule, metres set SM_BW_FIXED and bandwidth_m), gaussian_cutoff
                                  (--gaussian-cutoff, >= 1), cell_m (--cell, > 0), has_extent + extent (--extent:
                                  the grid, not a filter; default the areas' extent when areas are given, else
                                  the convention's rule), edge (--edge), adaptive (--adaptive), pilot_bandwidth_m
                                  (--pilot-bandwidth, > 0) and adaptive_trim (--trim, >= 1), both only with
                                  adaptive; max_cells. surface.mask is ignored: the mask is the `areas` argument */
  const double *hotspot_percents; /**< --hotspot-areas: percentages in (0, 100] (borrowed); NULL = none */
  size_t n_hotspot_percents;      /**< how many (default 0) */
  const sm_points *compare;  /**< --dual: B's points (--compare SOURCE, or the same inputs over
                                  --compare-from/--compare-to), borrowed; NULL (default) = one surface */
  sm_kde_dual_op dual;       /**< --dual: how A and B combine (default SM_KDE_DIFFERENCE); only with compare */
  int normalise;             /**< --normalise: each surface divided by its total first (default 0); only with compare */
  double epsilon;            /**< --epsilon: ratio regulariser, >= 0 (default 0); only with compare */
  /* version 2 */
  const char *output;        /**< -o: the run writes the surface there itself (.tif, .gpkg; as sm_result_write() with
                                  `write`), computing it whole when it fits the memory limit (SM_LIMIT_MEMORY),
                                  else in bands of rows (the limit of cells, SM_LIMIT_CELLS, holds for both), each written as it is done, so that the
                                  grid need not fit in memory. NULL (default): the surface is returned, whole.
                                  @since 0.4 */
  const sm_write_options *write; /**< options of that write (overwrite, COG, Float64, inputs); NULL = defaults. @since 0.4 */
  size_t band_rows;          /**< --band-rows: rows of the grid computed and written at a time; 0 (default) = the
                                  whole grid when it fits, else as many rows as the memory limit allows (a multiple of
                                  256, the GeoTIFF's block height, when it can; at most about 256 MiB a band). Only with `output`. The values do
                                  not depend on it. @since 0.4 */
  int keep_surface;          /**< 1: the result must hold the surface (the caller draws tiles from it): a surface too
                                  large to hold whole is refused rather than written in bands. @since 0.4 */
} sm_kde_run_options;

#define SM_KDE_RUN_OPTIONS_VERSION 2
#define SM_KDE_RUN_OPTIONS_INIT {SM_KDE_RUN_OPTIONS_VERSION, SM_KDE_OPTIONS_INIT, NULL, 0, NULL, SM_KDE_DIFFERENCE, 0, 0, \
    NULL, NULL, 0, 0}

/** Initialises options to their defaults; a version-1 struct (without the fields of version 2) gets only its own
 *  fields. @return SM_OK, or SM_E_INVALID_ARG unless 1 <= version <= SM_KDE_RUN_OPTIONS_VERSION. @since 0.2 */
SM_API sm_status sm_kde_run_options_init(sm_kde_run_options *opts, int version);

/**
 * Checks options before any data is read: the numbers and combinations
 * sm_kde_run() would refuse, with the same messages (a fixed bandwidth <= 0,
 * an edge correction with a study area, --pilot-bandwidth/--trim without
 * --adaptive, hot-spot percentages out of (0, 100], ...). What needs the
 * points is left to the run: --normalise and --epsilon without `compare`
 * (B is read after this check), and sm_kde()'s own checks of the kernel,
 * units and edge correction against the convention.
 * @param have_areas 1 when the run will be given areas (the study-area mask).
 * @return SM_OK or SM_E_INVALID_ARG.
 * @since 0.2
 */
SM_API sm_status sm_kde_run_options_check(sm_ctx *ctx, const sm_kde_run_options *opts, int have_areas);

/**
 * The kde pipeline, as `safemap kde`: a kernel density surface (sm_kde()),
 * or with opts->compare a dual surface of A = points and B = compare
 * (sm_kde_dual()); with areas, the grid covers the areas' extent (unless
 * surface.has_extent) and cells outside them are nodata; with
 * hotspot_percents, the hot-spot areas (sm_kde_hotspot_areas()).
 *
 * Result: the raster "kde" (metadata "name"), then with percentages the layer
 * "kde_hotspot_areas". Both carry the surface's recipe (sm_kde()'s keys), the
 * options as the command line spells them ("options": "--convention default
 * --kernel quartic --bandwidth 250 ..."), hotspot_areas, the inputs
 * (input_sources, input_rows_read, ...; input_areas with areas) and
 * "outside_grid" when incident locations lie outside the grid's extent.
 * Those locations are not lost: their kernels still add to the cells within
 * reach. When the grid is the areas' extent this is reported at info level
 * (police.uk snap points just beyond the boundary; the surface over the areas
 * is complete); when it is a given extent, as a warning (also in "warnings").
 *
 * With `output` (version 2) the run writes the surface itself. When the grid, with GDAL's copy and the style's,
 * does not fit the memory limit, or `band_rows` is given, it is computed in bands of
 * rows: each band sums the locations within the kernel's reach of it (a halo of one bandwidth) in the same order
 * as the whole grid would, so every cell has the same bits, and is written before the next is computed. The
 * result then holds no raster, only the figures and texts ("output" names the file, "bands" and "band_rows" say
 * how it was cut). A banded surface cannot have hot-spot areas, a dual surface or `keep_surface`: those need it
 * whole, and such a run is refused before it computes anything (the message says how much memory it needs).
 * The style written beside a GeoTIFF is classed on every cell up to 8,388,608 cells, else on every k-th cell.
 * A memory limit too small for one band of one row is refused, naming the least limit that would do.
 * With the ranks of an MPI run (sm_mpi_init()) the call is collective: the rows of a whole surface, or the bands,
 * are shared out, rank 0 writes, every rank returns the same result, and the file is the one a single process
 * writes.
 *
 * Figures: "points", "locations", "bandwidth_m", "radius_m", "cell_m",
 * "width", "height", "min", "max", "valid_cells", "bands" (1 when whole), "band_rows", "memory_bytes" (the
 * estimate the run was planned with), "locations_outside_grid",
 * "points_outside_grid", "outside_grid_max_m" (farthest such point from the
 * grid's edge), "hotspot_areas" (how many levels) and per level k = 0, 1, ...
 * "hotspot_<k>_percent", "hotspot_<k>_km2", "hotspot_<k>_valid_share" (% of
 * the grid's valid cells). Texts: "kernel", "rule" (the bandwidth rule in
 * words), "convention", "units", "outside_grid_note" ("" when none).
 *
 * @param points A (required); @param areas study area, or NULL.
 * @param opts NULL = defaults.
 * @param[out] out free with sm_result_destroy().
 * @return SM_OK; SM_E_INVALID_ARG (a bad option or combination, with the
 *   option named as on the command line; an unknown options version);
 *   otherwise as sm_kde() / sm_kde_dual() / sm_kde_hotspot_areas().
 * @since 0.2
 */
SM_API sm_status sm_kde_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                            const sm_kde_run_options *opts);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_KDE_H */
