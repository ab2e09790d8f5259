/**
 * @file safemap/units.h
 * @brief Analysis units: a square fishnet over an extent, optionally clipped
 *        to a study area, and counts of points in them.
 *
 * Cells are kept when their centre lies in the study area, so empty cells
 * inside it are units with count 0 (as ArcGIS's aggregation into a fishnet
 * clipped to the study area).
 * @defgroup units Analysis units
 * @{
 */
#ifndef SAFEMAP_UNITS_H
#define SAFEMAP_UNITS_H

#include "safemap/areas.h"
#include "safemap/layer.h"
#include "safemap/points.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Analysis units. Opaque. */
typedef struct sm_units sm_units;

/**
 * A fishnet of square cells of cell_m from (extent xmin, ymin), enough to
 * cover the extent; with `clip`, only the cells whose centre lies in one of
 * its areas.
 * @param crs the cells' CRS (metres), copied; must match clip's.
 * @param[out] out free with sm_units_destroy().
 * @return SM_OK, SM_E_INVALID_ARG (cell <= 0, bad extent, more than 1e8
 *   cells: the message names the size), SM_E_CRS, SM_E_INPUT (no cell kept),
 *   SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_units_fishnet(sm_ctx *ctx, sm_units **out, const double extent[4], double cell_m, const char *crs,
                                  const sm_areas *clip);
/**
 * A grid of flat-topped hexagons whose centres are `spacing` metres apart
 * (the width across flats; each hexagon's area is (sqrt 3 / 2) spacing²), so
 * the six neighbours of a hexagon lie at exactly `spacing`. Columns step
 * 1.5 spacing / sqrt 3 in x from the extent's corner (xmin, ymin), which is
 * the first centre; odd columns sit half a spacing higher; the grid covers
 * the extent. With `clip`, only the hexagons whose centre lies in one of its
 * areas. Row and col of sm_units_layer() are the row in a column and the
 * column. Counting gives a point to the hexagon holding it (the nearest
 * centre; on an edge, the lower row-major cell number).
 * @param[out] out free with sm_units_destroy().
 * @return as sm_units_fishnet().
 * @since 0.1
 */
SM_API sm_status sm_units_hexagons(sm_ctx *ctx, sm_units **out, const double extent[4], double spacing, const char *crs,
                                   const sm_areas *clip);
/** Non-zero when the units are hexagons. @since 0.1 */
SM_API int sm_units_is_hexagons(const sm_units *units);
/** Frees units. NULL is a no-op. @since 0.1 */
SM_API void sm_units_destroy(sm_units *units);
/** Number of units. @since 0.1 */
SM_API size_t sm_units_count(const sm_units *units);
/** Centres (x, borrowed). @since 0.1 */
SM_API const double *sm_units_x(const sm_units *units);
/** Centres (y, borrowed). @since 0.1 */
SM_API const double *sm_units_y(const sm_units *units);
/** Cell size in metres. @since 0.1 */
SM_API double sm_units_cell_size(const sm_units *units);

/**
 * Keeps the units with keep[i] != 0, in their order (unit i becomes the
 * number of kept units before it); the others' cells then belong to no unit
 * (their points count as outside). As ArcGIS's Optimized Hot Spot Analysis
 * without a study area: only the cells holding an incident are analysed.
 * @param keep sm_units_count() flags.
 * @param[out] n_kept the new count; may be NULL.
 * @return SM_OK, SM_E_INVALID_ARG (NULL), SM_E_INPUT (nothing kept: the units are unchanged).
 * @since 0.1
 */
SM_API sm_status sm_units_keep(sm_ctx *ctx, sm_units *units, const unsigned char *keep, size_t *n_kept);

/**
 * Sums the points' weights (counts when unweighted) per unit; a point on a
 * cell edge belongs to the cell above/right (floor rule).
 * @param[out] counts sm_units_count() values.
 * @param[out] n_outside points in no unit; may be NULL.
 * @return SM_OK, SM_E_CRS (different CRSs), SM_E_INVALID_ARG.
 * @since 0.1
 */
SM_API sm_status sm_units_count_points(sm_ctx *ctx, const sm_units *units, const sm_points *points, double *counts,
                                       size_t *n_outside);

/**
 * The unit of every point (the same rule as sm_units_count_points), in parallel.
 * @param[out] unit_of_point sm_points_count() values: unit index, or -1 in no unit.
 * @param[out] n_outside points in no unit; may be NULL.
 * @return SM_OK, SM_E_CRS (different CRSs), SM_E_INVALID_ARG.
 * @since 0.1
 */
SM_API sm_status sm_units_locate(sm_ctx *ctx, const sm_units *units, const sm_points *points, int32_t *unit_of_point,
                                 size_t *n_outside);

/**
 * The units as a polygon layer `name` with INT64 fields unit_id (0..n-1 in
 * unit order), row and col (of the fishnet, row 0 southernmost).
 * @param[out] out free with sm_layer_destroy().
 * @since 0.1
 */
SM_API sm_status sm_units_layer(sm_ctx *ctx, sm_layer **out, const sm_units *units, const char *name);

/* ---- the units of an analysis ----------------------------------------------------------- */

/** Which units an analysis counts incidents in. */
typedef enum sm_unit_kind {
  SM_UNIT_AUTO = 0,    /**< the areas when given, else a square fishnet */
  SM_UNIT_AREAS = 1,   /**< the areas (wards) themselves ("wards") */
  SM_UNIT_FISHNET = 2, /**< square cells ("fishnet") */
  SM_UNIT_HEXAGON = 3, /**< flat-topped hexagons ("hexagon") */
  SM_UNIT_KIND_END_    /**< sentinel */
} sm_unit_kind;

/** "auto", "wards", "fishnet", "hexagon"; NULL when out of range. @since 0.2 */
SM_API const char *sm_unit_kind_name(sm_unit_kind kind);
/**
 * The kind named `name` (as sm_unit_kind_name(); also "areas", "hexagons").
 * @return SM_OK, SM_E_INVALID_ARG (unknown name: the message lists the names).
 * @since 0.2
 */
SM_API sm_status sm_unit_kind_from_name(sm_ctx *ctx, const char *name, sm_unit_kind *out);
/**
 * Resolves SM_UNIT_AUTO (the areas when `have_areas`, else a fishnet) and
 * checks the choice: SM_UNIT_AREAS needs areas.
 * @return SM_OK, SM_E_INVALID_ARG.
 * @since 0.2
 */
SM_API sm_status sm_unit_kind_resolve(sm_ctx *ctx, sm_unit_kind kind, int have_areas, sm_unit_kind *out);

/**
 * The points' extent for a grid of `cell_m` metres, widened so that the
 * farthest point falls in a cell (cells are half-open: [a, a + cell)).
 * @since 0.2
 */
SM_API void sm_units_points_extent(const sm_points *points, double cell_m, double extent[4]);

/**
 * The units of an analysis and every point's unit: the areas themselves
 * (kind SM_UNIT_AREAS; *units_out is NULL), or fishnet / hexagon cells of
 * `cell_m` over `extent` (NULL: the areas' extent when given, else the
 * points'), kept where their centre lies in an area when areas are given.
 * @param[out] units_out the cells (free with sm_units_destroy()), or NULL for areas.
 * @param[out] unit_of_point sm_points_count() values, caller-allocated: unit index or -1.
 * @param[out] n_units number of units.
 * @param[out] n_outside points in no unit; may be NULL.
 * @return SM_OK, SM_E_INVALID_ARG, SM_E_CRS, SM_E_INPUT (no cell kept), SM_E_NOMEM.
 * @since 0.2
 */
SM_API sm_status sm_units_for_points(sm_ctx *ctx, sm_units **units_out, int32_t *unit_of_point, size_t *n_units,
                                     size_t *n_outside, const sm_points *points, const sm_areas *areas,
                                     sm_unit_kind kind, double cell_m, const double *extent);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_UNITS_H */
