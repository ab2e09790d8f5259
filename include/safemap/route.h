/**
 * @file safemap/route.h
 * @brief The shortest and the safest walking route between two points over
 *        the street segments of a safety audit (the `audit_segments` layer
 *        that `safemap audit` writes), found by libspatialite's routing
 *        (CreateRouting and a VirtualRouting table, Dijkstra).
 * @defgroup route Routes
 * @{
 */
#ifndef SAFEMAP_ROUTE_H
#define SAFEMAP_ROUTE_H

#include <math.h>

#include "context.h"
#include "safemap/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The layer sm_route_run() reads. */
#define SM_ROUTE_LAYER "audit_segments"

/** The options of sm_route_run(). */
typedef struct sm_route_options {
  int version;          /**< SM_ROUTE_OPTIONS_VERSION */
  double from_x;        /**< the start: easting (or longitude) (--from E,N|LON,LAT; required: NaN is "not given") */
  double from_y;        /**< the start: northing (or latitude) */
  double to_x;          /**< the end (--to; required) */
  double to_y;          /**< the end */
  const char *from_crs; /**< the CRS of both endpoints (--from-crs, "EPSG:4326", ...); NULL: the audit's CRS, except
                             that an endpoint with |x| <= 180 and |y| <= 90 is taken as longitude, latitude (WGS 84) */
  double snap_m;        /**< farthest an endpoint may be from the nearest node (segment end), metres (--snap; 100) */
  const char *hour;     /**< the hour of the walk, "HH:MM" (--hour), recorded; refused when the audit's metadata
                             has another `hour`; NULL: not given */
  double k_dark;        /**< penalty per unit of s_darkness (--penalties dark=; 2) */
  double k_dark_flag;   /**< penalty of a segment below its lighting target (below_target = 1) (dark_flag=; 1) */
  double k_maintenance; /**< penalty per unit of s_maintenance (maintenance=; 0.5) */
  double k_crime;       /**< penalty per unit of s_crime (crime=; 1) */
  double k_perception;  /**< penalty per unit of s_perception (perception=; 0.5) */
} sm_route_options;

#define SM_ROUTE_OPTIONS_VERSION 1
#define SM_ROUTE_OPTIONS_INIT {SM_ROUTE_OPTIONS_VERSION, NAN, NAN, NAN, NAN, NULL, 100, NULL, 2, 1, 0.5, 1, 0.5}

/**
 * Sets `opts` to the defaults (SM_ROUTE_OPTIONS_INIT) of `version`.
 * @return SM_OK, SM_E_INVALID_ARG (version not in 1..SM_ROUTE_OPTIONS_VERSION, or NULL).
 * @since 0.2
 */
SM_API sm_status sm_route_options_init(sm_route_options *opts, int version);

/**
 * Sets the penalties named in `text`, "dark=2,dark_flag=1,maintenance=0.5,crime=1,perception=0.5" (any of the
 * five, in any order; the others keep their value), as --penalties does.
 * @return SM_OK; SM_E_INVALID_ARG (an unknown name, a name given twice, a value that is not a number or is
 *   negative; the message names the item and lists the names), opts unchanged then.
 * @since 0.2
 */
SM_API sm_status sm_route_penalties_parse(sm_ctx *ctx, const char *text, sm_route_options *opts);

/**
 * Checks the options alone, as sm_route_run() does first, so that a program can refuse them before reading
 * anything, with the same messages: --from or --to missing or not finite, --snap not > 0, a penalty < 0 or not
 * finite, --hour not HH:MM, an unknown --from-crs.
 * @param opts NULL: the defaults, which have no endpoints (refused).
 * @return SM_OK, SM_E_INVALID_ARG or SM_E_CRS.
 * @since 0.2
 */
SM_API sm_status sm_route_options_check(sm_ctx *ctx, const sm_route_options *opts);

/**
 * The shortest and the safest walking route between two points (safemap route).
 *
 * Reads the layer `audit_segments` of `audit` (a GeoPackage, or any vector source GDAL reads): LINESTRING in a
 * projected CRS, one feature per street segment drawn from node_from to node_to, with the columns node_from,
 * node_to (INTEGER), length_m, below_target (0/1), s_darkness, s_maintenance, s_perception (NULL read as 0),
 * s_crime and vawg_per_100m; street_name when present; other columns are ignored. Walking is undirected: each
 * segment is an arc both ways. The safety cost of a segment is
 *
 *   length_m × (1 + k_dark·s_darkness + k_dark_flag·below_target + k_maintenance·s_maintenance
 *               + k_crime·s_crime + k_perception·s_perception)
 *
 * Each endpoint is snapped to the nearest node (a segment's end) within snap_m. The arcs are loaded into an
 * in-memory SQLite database with SpatiaLite, CreateRouting() builds one routing network on length_m and one on
 * the safety cost, and each route is one query of its VirtualRouting table (Dijkstra). Where several routes cost
 * exactly the same, SpatiaLite's Dijkstra picks one.
 *
 * Layer "routes" (LINESTRING, the audit's CRS), 2 rows, "shortest" then "safest": route, length_m, dark_m (length
 * on below_target segments), crime_exposure (Σ length_m × vawg_per_100m / 100), defect_exposure
 * (Σ length_m × s_maintenance), cost (the safety cost of the route, whichever it is), segments, extra_m (safest
 * − shortest length; 0 on the shortest row), from_node, to_node, streets (the street names in order).
 * Layer "route_segments" (LINESTRING, each drawn in the direction walked): route, seq (from 1), segment_fid (the
 * audit feature's FID), node_from, node_to (as walked), length_m, cost, below_target, street_name.
 * Metadata of both: method, cost_formula, penalties, hour, audit, audit_layer, audit_segments, audit_crs, from,
 * to, from_snap_m, to_snap_m, from_node, to_node, safemap_version.
 *
 * Figures: shortest_m, safest_m, extra_m, shortest_dark_m, safest_dark_m, shortest_crime_exposure,
 * safest_crime_exposure, shortest_defect_exposure, safest_defect_exposure, shortest_cost, safest_cost,
 * shortest_segments, safest_segments, from_snap_m, to_snap_m, from_node, to_node, segments_read.
 *
 * @param audit the audit file (read only).
 * @param opts the endpoints are required: NULL options are refused like a missing --from.
 * @param[out] out free with sm_result_destroy().
 * @return SM_OK; SM_E_INVALID_ARG (the options, as sm_route_options_check()); SM_E_IO (the file cannot be opened);
 *   SM_E_INPUT (no audit_segments layer, a missing column, a NULL or negative length, a NULL or out-of-range score,
 *   an audit made for another --hour, an endpoint farther than snap_m from every node, both endpoints at one node,
 *   endpoints on separate parts of the network); SM_E_GEOMETRY (not lines); SM_E_CRS (no CRS, a geographic CRS,
 *   an endpoint that cannot be transformed); SM_E_DEPENDENCY (SQLite or SpatiaLite failed); SM_E_NOMEM.
 * @since 0.2
 */
SM_API sm_status sm_route_run(sm_ctx *ctx, sm_result **out, const char *audit, const sm_route_options *opts);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_ROUTE_H */
