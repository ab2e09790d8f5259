/**
 * @file safemap/areas.h
 * @brief sm_areas: polygons (wards, LSOAs, study areas) with ids, names and
 *        a point-in-polygon index; counts of points per area.
 *
 * Areas are read from any OGR polygon source and transformed to the
 * analysis CRS. Invalid polygons are repaired (GEOS MakeValid) with a
 * warning naming them. Point assignment is exact and deterministic: a point
 * belongs to an area by the half-open crossing rule (a point on an edge
 * shared by two areas goes to exactly one of them, whatever the thread
 * count); where areas overlap, the first one in source order wins.
 *
 * sm_areas_read() refuses an area without an id (its id field NULL or blank)
 * and two areas with one id; leaves out an area without geometry with a
 * warning (strict: refuses it); and warns of areas whose interiors overlap by
 * more than 1 m² and 0.01 % of the smaller (strict: refuses them). Those
 * warnings also go into the `warnings` metadata of sm_areas_count_points()'s
 * layer.
 * @defgroup areas Areas
 * @{
 */
#ifndef SAFEMAP_AREAS_H
#define SAFEMAP_AREAS_H

#include "layer.h"
#include "points.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Polygons with ids, names and a spatial index. Opaque. */
typedef struct sm_areas sm_areas;

/** Options of sm_areas_read(). Fields are only appended. */
typedef struct sm_areas_options {
  int version;              /**< SM_AREAS_OPTIONS_VERSION */
  const char *layer;        /**< layer name; NULL = the first polygon layer */
  const char *id_field;     /**< id column; NULL = detect (WD24CD, WD22CD, GSS_CODE, LSOA21CD, ...) */
  const char *name_field;   /**< name column; NULL = detect (WD24NM, NAME, ...) */
  const char *crs;          /**< CRS of the source if it has none; NULL = from the source */
  const char *analysis_crs; /**< CRS to work in (use sm_points_crs()); NULL = EPSG:27700 in GB, else UTM */
  int strict;               /**< 1: an invalid polygon is an error instead of being repaired */
  /** Version 2: a numeric field read for each area (e.g. households, the
   *  denominator of a rate; sm_areas_value()); NULL = none. A number stored
   *  as text is accepted; other text is an SM_E_INPUT error naming the area. */
  const char *value_field;
} sm_areas_options;

#define SM_AREAS_OPTIONS_VERSION 2
#define SM_AREAS_OPTIONS_INIT {SM_AREAS_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, 0, NULL}

/** Initialises options to their defaults. @return SM_OK or SM_E_INVALID_ARG. @since 0.1 */
SM_API sm_status sm_areas_options_init(sm_areas_options *opts, int version);

/**
 * Reads polygons and builds their index.
 * @param source a file or connection string ("PG:...").
 * @param[out] out free with sm_areas_destroy().
 * @return SM_OK; SM_E_IO (cannot open: the message says whether the path is
 *         missing, a folder, empty or not a vector format), SM_E_INVALID_ARG
 *         (no such layer, its layers listed; unknown id/name field),
 *         SM_E_INPUT (no features, an area without an id, duplicate ids),
 *         SM_E_GEOMETRY (not a polygon layer; no area with a geometry; in
 *         strict mode an invalid polygon, an area without geometry or
 *         overlapping areas; a polygon beyond repair), SM_E_CRS
 *         (no CRS and none given, unknown CRS), SM_E_NOMEM, SM_E_CANCELLED.
 * @since 0.1
 */
SM_API sm_status sm_areas_read(sm_ctx *ctx, sm_areas **out, const char *source,
                               const sm_areas_options *opts);

/** Area i's value_field, NAN when the field is empty there or none was asked for. @since 0.1 */
SM_API double sm_areas_value(const sm_areas *areas, size_t i);
/**
 * Area i's centroid (GEOS, of the repaired polygons) in the analysis CRS.
 * @return 1, or 0 (x, y untouched) when the area has no geometry.
 * @since 0.1
 */
SM_API int sm_areas_centroid(const sm_areas *areas, size_t i, double *x, double *y);
/** The value field's name as in the source, or NULL. @since 0.1 */
SM_API const char *sm_areas_value_field(const sm_areas *areas);

/** Frees areas. NULL is a no-op. @since 0.1 */
SM_API void sm_areas_destroy(sm_areas *areas);

/** Number of areas. @since 0.1 */
SM_API size_t sm_areas_count(const sm_areas *areas);
/** Id of area i (borrowed). @since 0.1 */
SM_API const char *sm_areas_id(const sm_areas *areas, size_t i);
/** Name of area i (borrowed; "" when the source has no name field). @since 0.1 */
SM_API const char *sm_areas_name(const sm_areas *areas, size_t i);
/** Area of area i in square metres (analysis CRS). @since 0.1 */
SM_API double sm_areas_area_m2(const sm_areas *areas, size_t i);
/** ISO WKB of area i in the analysis CRS (borrowed). @since 0.1 */
SM_API const unsigned char *sm_areas_wkb(const sm_areas *areas, size_t i, size_t *size_out);
/** Field used for ids (borrowed; "FID" when none was found). @since 0.1 */
SM_API const char *sm_areas_id_field(const sm_areas *areas);
/** Field used for names (borrowed; "" when none). @since 0.1 */
SM_API const char *sm_areas_name_field(const sm_areas *areas);
/** Analysis CRS (borrowed). @since 0.1 */
SM_API const char *sm_areas_crs(const sm_areas *areas);
/** Bounding box of all areas: xmin, ymin, xmax, ymax (analysis CRS). @since 0.1 */
SM_API void sm_areas_extent(const sm_areas *areas, double extent[4]);
/** Number of polygons that were invalid and repaired. @since 0.1 */
SM_API size_t sm_areas_repaired_count(const sm_areas *areas);

/**
 * Finds the area of every point, in parallel.
 * @param[out] area_of_point n = sm_points_count() entries: area index, or -1 outside every area.
 * @param[out] n_outside_out number of points in no area; may be NULL.
 * @return SM_OK, SM_E_CRS (points and areas in different CRSs), SM_E_INVALID_ARG,
 *         SM_E_CANCELLED.
 * @since 0.1
 */
SM_API sm_status sm_areas_locate(sm_ctx *ctx, const sm_areas *areas, const sm_points *points,
                                 int32_t *area_of_point, size_t *n_outside_out);

/**
 * Counts points per area.
 * @param[out] areas_out polygon layer "ward_counts"-style (named `name`):
 *   area_id, area_name, total, one INT64 column per category, area_km2,
 *   per_km2 (total per km²). A category's column is its name in lower case
 *   with other characters than a-z, 0-9 as '_' (e.g. "burglary"), cut to 63
 *   characters, with "_2", "_3", ... when a reserved name (fid, geom, total,
 *   ...) or an earlier category's column has it regardless of case; the
 *   metadata item category_columns maps each column to its category. More
 *   than 200 categories: SM_E_INPUT.
 * @param[out] table_out attribute table "<name>_by_month": area_id,
 *   area_name, month ("YYYY-MM"; "" for points without time), category,
 *   count: one row per area × month × category in the data, zeros included,
 *   months from the first to the last present. May be NULL.
 * @param name name of the polygon layer.
 * @return SM_OK, SM_E_CRS, SM_E_INVALID_ARG, SM_E_INPUT (more than 200
 *         categories), SM_E_NOMEM, SM_E_CANCELLED.
 * @since 0.1
 */
SM_API sm_status sm_areas_count_points(sm_ctx *ctx, sm_layer **areas_out, sm_layer **table_out,
                                       const sm_areas *areas, const sm_points *points,
                                       const char *name);

/** How far the points outside every area lie from the nearest one (sm_areas_outside_distance()). */
typedef struct sm_areas_outside {
  size_t n_points;    /**< points in no area */
  size_t n_locations; /**< their distinct coordinates */
  double max_m;       /**< the largest distance from such a point to the nearest area's boundary (0: none) */
  double median_m;    /**< the median of those distances (0: none) */
} sm_areas_outside;

/**
 * Measures the points outside every area: each one's distance to the nearest
 * area (the closest point of any area's boundary), summarised as the largest
 * and the median. Tells apart points just beyond the outer boundary (police.uk
 * snap points on streets over the border) from data that the areas do not cover.
 * @param area_of_point as filled by sm_areas_locate() (-1: outside every area).
 * @param[out] out the summary.
 * @return SM_OK, SM_E_INVALID_ARG (NULL), SM_E_NOMEM.
 * @since 0.2
 */
SM_API sm_status sm_areas_outside_distance(sm_ctx *ctx, const sm_areas *areas, const sm_points *points,
                                           const int32_t *area_of_point, sm_areas_outside *out);

/**
 * The points outside every area, in words for a summary, e.g. "365 points lie
 * outside every area, all within 121 m of one: police.uk moves each incident to
 * a snap point on a nearby street, and those just beyond the areas' outer
 * boundary fall outside them; they are left out of the counts". police_uk:
 * non-zero when the points are police.uk's (sm_points_is_policeuk()). Writes ""
 * when no point is outside.
 * @since 0.2
 */
SM_API void sm_areas_outside_describe(const sm_areas_outside *outside, int police_uk, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_AREAS_H */
