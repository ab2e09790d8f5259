/**
 * @file safemap/hotspot.h
 * @brief Getis-Ord Gi*, significance bins, local and global Moran's I
 *        (docs/methods.md §1.2, §4.3).
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

#include "safemap/areas.h"
#include "safemap/points.h"
#include "safemap/result.h"
#include "safemap/units.h"
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

/**
 * Conditional permutation pseudo p-values for Gi* (`moran` = 0) or local
 * Moran's I (`moran` = 1): for each unit, its own value stays in place and
 * its neighbours' values are redrawn nperm times without replacement from
 * the other n − 1 units' values (as spdep's localG_perm/localmoran_perm and
 * PySAL). Two-sided: p = min(1, 2 (min(#sim >= obs, #sim <= obs) + 1) /
 * (nperm + 1)). Each unit's draws come from a random stream keyed by the
 * ctx's seed and the unit, so the result is the same for any thread count.
 * For whole-number values (counts) and rows whose weights are all equal
 * (binary, or row-standardised bands and k-NN) the simulated and observed
 * lags are compared as exact integer sums, so a tie counts in both tails
 * (floating-point sums of the same values in another order can differ in
 * the last bit).
 * @param w Gi*: weights with self; local Moran: without self.
 * @param[out] p_sim n values (NaN for a unit without neighbours).
 * @return SM_OK, SM_E_INVALID_ARG (nperm < 1, weights of the wrong kind),
 *   SM_E_INPUT (fewer than 3 units, zero variance), SM_E_NOMEM, SM_E_CANCELLED.
 * @since 0.1
 */
SM_API sm_status sm_hotspot_permutations(sm_ctx *ctx, const sm_weights *w, const double *x, size_t n, int moran,
                                         unsigned nperm, double *p_sim);

/**
 * sm_hotspot_permutations for Gi* and local Moran's I in one pass: where a
 * unit has the same neighbours (other than itself, in the same order) in
 * both weights, one set of draws serves both statistics, which halves the
 * work. The p-values are bit-identical to two sm_hotspot_permutations calls
 * with the same ctx seed (each unit's draws depend only on the seed and the
 * unit), for any thread count.
 * @param w_gi weights with self (Gi*); @param w_moran the weights without
 *   self (local Moran; binary or row-standardised).
 * @param[out] p_gi, p_moran n values each.
 * @return as sm_hotspot_permutations.
 * @since 0.1
 */
SM_API sm_status sm_hotspot_permutations_both(sm_ctx *ctx, const sm_weights *w_gi, const sm_weights *w_moran,
                                              const double *x, size_t n, unsigned nperm, double *p_gi,
                                              double *p_moran);

/** Local Moran cluster/outlier classes (GeoDa's codes). */
typedef enum sm_lisa_class {
  SM_LISA_NONE = 0, /**< not significant at 0.05 */
  SM_LISA_HH = 1,   /**< high value among high: a hot cluster */
  SM_LISA_LL = 2,   /**< low among low: a cold cluster */
  SM_LISA_LH = 3,   /**< low among high: a low outlier */
  SM_LISA_HL = 4    /**< high among low: a high outlier */
} sm_lisa_class;

/**
 * Local Moran's I as spdep's localmoran (conditional moments, the default
 * since spdep 1.1-8; two-sided p): with z = x − x̄ and m2 = Σz²/n,
 *   I_i = z_i/m2 Σ_j w_ij z_j, E_i = −z_i² W_i / ((n−1) m2),
 *   Var_i = (z_i/m2)² n/(n−2) (S1_i − W_i²/(n−1)) (m2 − z_i²/(n−1)).
 * The class is the quadrant of (z_i, Σ_j w_ij z_j) when p ≤ 0.05.
 * @param w weights without self-neighbours (binary or row-standardised).
 * @param[out] I, z, p, cls n values each (z, p, cls may be NULL); NaN where
 *   a unit has no neighbour.
 * @return SM_OK; SM_E_INPUT (fewer than 3 units, zero variance);
 *   SM_E_INVALID_ARG (a self-neighbour, sizes, NULL).
 * @since 0.1
 */
SM_API sm_status sm_local_moran(sm_ctx *ctx, const sm_weights *w, const double *x, size_t n, double *I, double *z,
                                double *p, int *cls);

/** Global Moran's I with its moments under randomisation (spdep moran.test's default). */
typedef struct sm_moran {
  double I;          /**< Moran's I */
  double expected;   /**< −1/(n−1) */
  double variance;   /**< under randomisation (with the kurtosis b2) */
  double z;          /**< (I − E) / sqrt(variance) */
  double p_greater;  /**< one-sided p for positive autocorrelation (spdep's default) */
  double p_two_sided;
} sm_moran;

/**
 * Global Moran's I (docs/methods.md §4.3): I = n/S0 Σ_ij w_ij z_i z_j / Σ z_i²,
 * randomisation variance with S0, S1, S2 and b2 = n Σz⁴ / (Σz²)².
 * @return SM_OK, SM_E_INPUT (fewer than 4 units, zero variance, no weight),
 *   SM_E_INVALID_ARG.
 * @since 0.1
 */
SM_API sm_status sm_global_moran(sm_ctx *ctx, const sm_weights *w, const double *x, size_t n, sm_moran *out);

/** One distance band of an incremental spatial autocorrelation run. */
typedef struct sm_isa_band {
  double band_m;  /**< the distance band (metres) */
  sm_moran moran; /**< global Moran's I with binary weights within it */
  size_t min_neighbours, max_neighbours; /**< over the units (itself not counted) */
} sm_isa_band;

/**
 * Incremental spatial autocorrelation (ArcGIS's tool of that name,
 * docs/methods.md §1.3): global Moran's I and its z under randomisation for
 * binary distance-band weights (no self) at start_m, start_m + increment_m,
 * ... (n_bands bands), each row-standardised when `row_standardise` (as
 * ArcGIS's default). A peak is, as ArcGIS has it, a band after which z
 * falls, with a rise somewhere before it and z > 1.65; the first and the
 * highest peaks say at which scale the clustering is most pronounced.
 * @param start_m first band; 0 = the largest nearest-neighbour distance, so
 *   every unit has a neighbour (ArcGIS's default).
 * @param increment_m step; 0 = the mean nearest-neighbour distance (ArcGIS's default).
 * @param[out] out n_bands results.
 * @param[out] first_peak, max_peak band indices, or (size_t)-1 without a peak; may be NULL.
 * @return SM_OK, SM_E_INVALID_ARG (n_bands < 1, negative distances, fewer
 *   than 4 units), SM_E_INPUT (zero variance), SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_incremental_autocorrelation(sm_ctx *ctx, size_t n, const double *x, const double *y,
                                                const double *v, double start_m, double increment_m, size_t n_bands,
                                                int row_standardise, sm_isa_band *out, size_t *first_peak,
                                                size_t *max_peak);

/* ---- Optimized Hot Spot Analysis (docs/methods.md §1.3) ------------------------------------ */

/** The cell size Optimized Hot Spot Analysis picks from the incidents. */
typedef struct sm_ohsa_cell {
  double cell_m;        /**< the chosen cell size (metres) */
  double mean_nn_m;     /**< mean nearest-neighbour distance of the distinct, non-outlying locations */
  double median_nn_m;   /**< their median */
  double threshold_m;   /**< roof of their largest: every non-outlier has a neighbour within it */
  double min_m, max_m;  /**< the limits: shorter side of the points' extent / 250; roof(10% of the longer side) */
  int clamped;          /**< -1 raised to min_m, 1 lowered to max_m, 0 neither */
  size_t n_points, n_locations, n_outliers; /**< points; distinct locations; locational outliers among them */
} sm_ohsa_cell;

/**
 * Optimized Hot Spot Analysis's fishnet/hexagon cell size (ArcGIS's rule):
 * over the distinct locations, the nearest-neighbour distances d; the
 * locational outliers are those with (d − mean) / sd ≥ 3 (population sd;
 * none when every d is equal); of the others,
 *   cell = roof(2 × max(median d, mean d)),   roof(v) = floor(v) + 1,
 * kept within [min_m, max_m]. ArcGIS's lower limit is its default raster
 * cell size; safemap takes the rule it uses elsewhere (shorter side / 250).
 * @param x, y n incident coordinates (metres).
 * @return SM_OK, SM_E_INVALID_ARG, SM_E_INPUT (fewer than 2 distinct locations), SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_optimised_cell_size(sm_ctx *ctx, size_t n, const double *x, const double *y, sm_ohsa_cell *out);

/** How the distance band was chosen. */
typedef enum sm_ohsa_band_rule {
  SM_OHSA_BAND_FIRST_PEAK = 1,       /**< the first peak of incremental spatial autocorrelation */
  SM_OHSA_BAND_MAX_PEAK = 2,         /**< its highest peak (not reached: a highest peak implies a first) */
  SM_OHSA_BAND_KNN = 3,              /**< no peak: the mean distance to the k-th nearest unit */
  SM_OHSA_BAND_STANDARD_DISTANCE = 4 /**< no peak, and that mean exceeded one standard distance */
} sm_ohsa_band_rule;

#define SM_OHSA_ISA_BANDS 10 /**< bands of the incremental spatial autocorrelation run */

/** The distance band Optimized Hot Spot Analysis picks, and the evidence. */
typedef struct sm_ohsa_band {
  double band_m;               /**< the chosen band (metres) */
  sm_ohsa_band_rule rule;
  double isa_start_m, isa_increment_m; /**< the bands tried: start + i × increment, i < n_isa */
  double isa_max_m;            /**< one standard distance of the units: no band beyond it */
  int isa_rescaled;            /**< the default bands ran past isa_max_m and were spread below it */
  int grid;                    /**< every unit's nearest neighbour at the same distance (bands + 0.001 m) */
  size_t n_isa;                /**< bands run (0 when they could not be spread) */
  sm_isa_band isa[SM_OHSA_ISA_BANDS];
  size_t first_peak, max_peak; /**< indices into isa, or (size_t)-1 */
  size_t knn_k;                /**< the no-peak fallback: k = 5% of n within [3, 30] ... */
  double knn_mean_m;           /**< ... the mean distance to the k-th nearest unit ... */
  double standard_distance_m;  /**< ... capped at one standard distance */
  double min_band_m;           /**< 0.1% of the longer side of the units' extent */
  int raised_to_min;           /**< the band was raised to min_band_m */
} sm_ohsa_band;

/**
 * Optimized Hot Spot Analysis's distance band (ArcGIS's rule): incremental
 * spatial autocorrelation (row-standardised binary bands, global Moran's z)
 * over 10 bands starting at roof(the largest non-outlying nearest-neighbour
 * distance) in steps of their mean, spread between that start (or 20% of it
 * when the start itself is too far) and one standard distance of the units
 * when the 10 bands would pass it; the first peak (z falls after it, has
 * risen before it, z > 1.65), else the highest peak, else
 * roof(mean distance to the k-th nearest unit), k = 5% of n within [3, 30],
 * or roof(one standard distance) when that is smaller; at least 0.1% of the
 * longer side of the units' extent. Units without a neighbour at a band stay
 * in its Moran's I with a zero lag (spdep's zero.policy); ArcGIS leaves them out.
 * @param x, y, v n unit centres (metres) and values (counts or rates).
 * @return SM_OK, SM_E_INVALID_ARG, SM_E_INPUT (fewer than 4 units, all at
 *   one place, zero variance), SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_optimised_band(sm_ctx *ctx, size_t n, const double *x, const double *y, const double *v,
                                   sm_ohsa_band *out);

/**
 * What Optimized Hot Spot Analysis chose as the cell size, and why, in one
 * sentence (for messages and metadata): "94 m = roof(2 x max(median ...".
 * Writes at most `size` bytes, always terminated.
 * @since 0.2
 */
SM_API void sm_ohsa_cell_describe(const sm_ohsa_cell *cell, char *buf, size_t size);
/**
 * The distance band and the rule that chose it, in one sentence
 * ("312 m: the first peak of incremental spatial autocorrelation (global Moran's I z 5.21)").
 * @since 0.2
 */
SM_API void sm_ohsa_band_describe(const sm_ohsa_band *band, char *buf, size_t size);
/**
 * The incremental spatial autocorrelation run behind the band: the bands
 * tried and each one's global Moran's z ("10 bands from 95 m by 94 m: 95 m z 3.10, ...").
 * @since 0.2
 */
SM_API void sm_ohsa_isa_describe(const sm_ohsa_band *band, char *buf, size_t size);

/* ---- the whole analysis in one call -------------------------------------------------------- */

/** The spatial weights of a hot-spot analysis (--weights). */
typedef enum sm_hotspot_weights {
  SM_HOTSPOT_WEIGHTS_AUTO = 0,  /**< queen for ward units (unless optimised), band otherwise ("auto") */
  SM_HOTSPOT_WEIGHTS_QUEEN = 1, /**< wards sharing a boundary point, as spdep poly2nb ("queen") */
  SM_HOTSPOT_WEIGHTS_ROOK = 2,  /**< wards sharing a boundary segment ("rook") */
  SM_HOTSPOT_WEIGHTS_BAND = 3,  /**< 1 within band_m between unit centres ("band") */
  SM_HOTSPOT_WEIGHTS_IDW = 4,   /**< 1/d within band_m ("idw") */
  SM_HOTSPOT_WEIGHTS_IDW2 = 5,  /**< 1/d² within band_m ("idw2") */
  SM_HOTSPOT_WEIGHTS_KNN = 6,   /**< 1 for the `neighbours` nearest unit centres ("knn") */
  SM_HOTSPOT_WEIGHTS_END_       /**< sentinel */
} sm_hotspot_weights;

/** "auto", "queen", "rook", "band", "idw", "idw2", "knn"; NULL when out of range. @since 0.2 */
SM_API const char *sm_hotspot_weights_name(sm_hotspot_weights weights);
/**
 * The weights named `name` (as sm_hotspot_weights_name()).
 * @return SM_OK, SM_E_INVALID_ARG (unknown name: "unknown --weights 'x' (queen, rook, band, idw, idw2, knn)").
 * @since 0.2
 */
SM_API sm_status sm_hotspot_weights_from_name(sm_ctx *ctx, const char *name, sm_hotspot_weights *out);

/** Options of sm_hotspots_run(). Fields are only ever appended. */
typedef struct sm_hotspots_options {
  int version;                /**< SM_HOTSPOTS_OPTIONS_VERSION */
  sm_unit_kind units;         /**< --grid: SM_UNIT_AUTO (default: the areas when given, else a fishnet),
                                   SM_UNIT_AREAS, SM_UNIT_FISHNET or SM_UNIT_HEXAGON; with areas, a grid
                                   keeps the cells whose centre is in one (the study area), empty ones as 0 */
  double cell_m;              /**< --cell: the fishnet's cell side, or the hexagons' centre spacing, in
                                   metres; grids only; 0 (default) = none: required unless `optimised` */
  int has_extent;             /**< --extent: 1 = the grid covers `extent`; 0 (default) = the areas'
                                   extent when given, else the points' */
  double extent[4];           /**< the grid's xmin, ymin, xmax, ymax (analysis CRS) with has_extent */
  sm_hotspot_weights weights; /**< --weights: default SM_HOTSPOT_WEIGHTS_AUTO (queen for ward units
                                   unless optimised, else band); queen and rook only for ward units;
                                   the others between cell centres or ward centroids */
  double band_m;              /**< --band: the distance band in metres of band, idw, idw2; 0 (default)
                                   = none: required for them unless `optimised` (which chooses it) */
  unsigned neighbours;        /**< --neighbours: k of knn; 0 (default) = 8 */
  unsigned min_neighbours;    /**< --min-neighbours: band, idw, idw2: a unit with fewer neighbours also
                                   gets its min_neighbours nearest (ArcGIS's Number of Neighbors);
                                   0 (default) = none */
  int rates;                  /**< --rate-field: 1 = analyse incidents per `per` of the areas' value
                                   field (read with sm_areas_options.value_field = the field), every
                                   ward's > 0; ward units only; 0 (default) = counts */
  double per;                 /**< --per: rates per this much of the denominator; 0 (default) = 1000 */
  int optimised;              /**< --optimised: ArcGIS Optimized Hot Spot Analysis's rules: at least 30
                                   incidents (60 for a grid without areas, when only the cells holding
                                   one are analysed) and 30 units, not all the same value; the cell size
                                   (unless cell_m) and the band (unless band_m) chosen from the data
                                   (sm_optimised_cell_size(), sm_optimised_band()); weights band only;
                                   the result is gi_bin_fdr. 0 (default) = off */
  unsigned permutations;      /**< --permutations: conditional permutation pseudo p-values gi_p_sim and
                                   lisa_p_sim (e.g. 999); 0 (default) = none */
  uint64_t seed;              /**< --seed: the permutations' random streams (any thread count gives the
                                   same p-values); default 0 */
  /* version 2 */
  const char *output;         /**< -o: the run writes the result there itself (as sm_result_write() with `write`).
                                   A GeoTIFF (.tif; a COG with write->cog) is for fishnet cells: a raster of the
                                   grid, one Float64 band per field (count, neighbours, gi_z, gi_p, gi_bin,
                                   gi_bin_fdr, lisa_i, lisa_z, lisa_p, lisa_class as 0 none, 1 HH, 2 LL, 3 LH,
                                   4 HL, then gi_p_sim, lisa_p_sim with permutations), nodata -9999 where no cell is
                                   analysed or a value is empty, the run's metadata as the layer's, and a QGIS style
                                   of gi_bin_fdr beside it; the cells' polygons are then never made, so a national
                                   100 m fishnet fits in memory. NULL (default): nothing is written and the result
                                   holds the layer. @since 0.4 */
  const sm_write_options *write; /**< options of that write (overwrite, COG, inputs); NULL = defaults. @since 0.4 */
} sm_hotspots_options;

#define SM_HOTSPOTS_OPTIONS_VERSION 2
#define SM_HOTSPOTS_OPTIONS_INIT                                                                                     \
  { SM_HOTSPOTS_OPTIONS_VERSION, SM_UNIT_AUTO, 0, 0, {0, 0, 0, 0}, SM_HOTSPOT_WEIGHTS_AUTO, 0, 0, 0, 0, 0, 0, 0, 0,  \
    NULL, NULL }

/** Initialises options to their defaults; a version-1 struct (without `output` and `write`) gets only its own fields.
 *  @return SM_OK, SM_E_INVALID_ARG (NULL, version < 1 or too new). @since 0.2 */
SM_API sm_status sm_hotspots_options_init(sm_hotspots_options *opts, int version);

/**
 * Checks options before any data is read: the combinations and numbers
 * sm_hotspots_run() would refuse, with the same messages (those that depend
 * on the data — minimums, denominators — are left to the run).
 * @param have_areas 1 when the run will be given areas.
 * @return SM_OK or SM_E_INVALID_ARG.
 * @since 0.2
 */
SM_API sm_status sm_hotspots_options_check(sm_ctx *ctx, const sm_hotspots_options *opts, int have_areas);

/**
 * Hot-spot analysis, as `safemap hotspots`: counts the points per unit (the
 * areas, or fishnet / hexagon cells), optionally as rates, and computes
 * Getis-Ord Gi* (each unit its own neighbour, weight 1), its bins -3..3 with
 * and without Benjamini-Hochberg FDR, local Moran's I (spdep localmoran, the
 * same neighbours without self), global Moran's I and, with permutations,
 * conditional permutation pseudo p-values.
 *
 * The memory the run will hold (the points, the cells, the statistics and,
 * unless a raster is written, the layer's polygons) is checked against the
 * memory limit (SM_LIMIT_MEMORY) before the cells are made: a run that
 * cannot fit is refused (SM_E_INVALID_ARG) naming what it needs. A binary
 * distance band on a fishnet keeps no table of neighbour pairs: each cell's
 * neighbours are a fixed stencil of cell offsets, read in the same order as
 * the table would hold them, so every value has the same bits either way.
 *
 * The result has one layer "hotspots" (polygons): for ward units the columns
 * of sm_areas_count_points() (area_id, area_name, total, categories,
 * area_km2, per_km2), with rates denominator and rate; for cells unit_id,
 * row, col, count; then neighbours, gi_z, gi_p, gi_bin, gi_bin_fdr, lisa_i,
 * lisa_z, lisa_p, lisa_class and with permutations gi_p_sim, lisa_p_sim. Its
 * metadata: method, value, weights, units, cell_m, min_neighbours,
 * points_outside_cells, global_moran, lisa, permutations, bins, optimised,
 * optimised_cell, optimised_band, optimised_isa (as they apply), every option
 * as option_<name> (option_units, option_weights, option_cell_m, option_extent,
 * option_band_m, option_neighbours, option_min_neighbours, option_rate_field,
 * option_per, option_optimised, option_permutations, option_seed), the inputs
 * (sm_result's recipe) and the warnings (units without a neighbour).
 *
 * Figures: "units" (analysed), "outside" (points in no unit), "hot", "cold"
 * (gi_bin_fdr > 0, < 0), "global_moran_i", "global_moran_z",
 * "global_moran_p" (one-sided), "lonely" (units without a neighbour);
 * "cell_m" (grids), "band_m" (band, idw, idw2), "neighbours" (knn), "per"
 * (rates), "extended" (min_neighbours: units given more neighbours);
 * optimised: "optimised_incidents", "cells_dropped" (cells without an
 * incident left out when there are no areas), "few_neighbours_share" (0..1:
 * units with fewer than 8 neighbours). Texts: "unit_kind" (wards, fishnet,
 * hexagon), "weights" (queen, rook, band, idw, idw2, knn), "rate_field"
 * (rates); optimised: "optimised_cell" (when chosen), "optimised_band",
 * "optimised_isa" (when chosen); "output" when the run wrote a raster there
 * (the result then holds no layer).
 *
 * @param points the incidents (analysis CRS, metres).
 * @param areas the wards: the units, or a grid's study area; NULL for none.
 * @param opts NULL for the defaults.
 * @param[out] out free with sm_result_destroy().
 * @return SM_OK; SM_E_INVALID_ARG (bad options or combinations: the message
 *   names them as the command line does, e.g. "--neighbours is for --weights
 *   knn"); SM_E_INPUT (a ward's denominator not > 0, too few incidents or
 *   units for optimised, every value equal, no unit with a neighbour, fewer
 *   than 3 units); SM_E_CRS, SM_E_NOMEM, SM_E_CANCELLED.
 * @since 0.2
 */
SM_API sm_status sm_hotspots_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                                 const sm_hotspots_options *opts);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_HOTSPOT_H */
