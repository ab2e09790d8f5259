/**
 * @file safemap/points.h
 * @brief sm_points: incidents as struct-of-arrays in analysis-CRS metres.
 *
 * Each point has x, y (metres, analysis CRS), a time (seconds since
 * 1970-01-01 UTC, or SM_TIME_MISSING), a weight (1 unless a weight column was
 * read) and a category index. A points object read from files also carries
 * the read report: rows read, rows skipped by reason with the first few
 * file:row examples, rows filtered out.
 * @defgroup points Points
 * @{
 */
#ifndef SAFEMAP_POINTS_H
#define SAFEMAP_POINTS_H

#include "context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Incidents. Opaque. */
typedef struct sm_points sm_points;

/** Time value of a point with no time. */
#define SM_TIME_MISSING INT64_MIN

/** Resolution of the times in a points object: the coarsest one seen. */
typedef enum sm_time_res {
  SM_TIME_NONE = 0,   /**< no time column */
  SM_TIME_MONTH = 1,  /**< month only ("YYYY-MM", as police.uk publishes) */
  SM_TIME_DAY = 2,    /**< dates */
  SM_TIME_SECOND = 3  /**< date-times */
} sm_time_res;

/** Why a row was skipped. Appended only. */
typedef enum sm_bad_reason {
  SM_BAD_NO_COORDS = 0,     /**< empty coordinate fields (police.uk has many) or empty geometry */
  SM_BAD_NUMBER = 1,        /**< a coordinate or weight that is not a number */
  SM_BAD_NOT_FINITE = 2,    /**< NaN or infinite coordinate */
  SM_BAD_LATLON_RANGE = 3,  /**< latitude outside -90..90 or longitude outside -180..180 */
  SM_BAD_LATLON_SWAPPED = 4,/**< latitude and longitude look swapped */
  SM_BAD_OUTSIDE_CRS = 5,   /**< outside the analysis CRS's area of use (e.g. 0,0) */
  SM_BAD_TIME = 6,          /**< a time that cannot be parsed */
  SM_BAD_WEIGHT = 7,        /**< a weight that is negative or not finite */
  SM_BAD_GEOMETRY = 8,      /**< a geometry that is not a point */
  SM_BAD_NO_TIME = 9,       /**< an empty time where the source has a time column */
  SM_BAD_FIELDS = 10,       /**< a CSV row too short to hold the columns used */
  SM_BAD_REASON_END_
} sm_bad_reason;

/** Why a good row was left out on purpose. */
typedef enum sm_filter_reason {
  SM_FILTER_TYPE = 0,   /**< category not in the requested list */
  SM_FILTER_TIME = 1,   /**< outside the time range, or no time when a range was asked */
  SM_FILTER_EXTENT = 2, /**< outside the requested extent */
  SM_FILTER_DUPLICATE = 3, /**< a police.uk row repeated from another file: same Crime ID, month and
                                position (overlapping downloads); the first file's row is kept. @since 0.2 */
  SM_FILTER_REASON_END_
} sm_filter_reason;

/** Short description of a skip reason ("no coordinates", ...). @since 0.1 */
SM_API const char *sm_bad_reason_str(sm_bad_reason reason);
/** Short description of a filter reason ("category", ...). @since 0.1 */
SM_API const char *sm_filter_reason_str(sm_filter_reason reason);

/**
 * Makes points from arrays already in metres of `crs`.
 * @param crs analysis CRS ("EPSG:27700", ...), copied.
 * @param x,y n coordinates, copied; must be finite.
 * @param time n times or NULL (all SM_TIME_MISSING); copied.
 * @param weight n weights or NULL (all 1); copied.
 * @param[out] out new points; free with sm_points_destroy().
 * @return SM_OK, SM_E_INVALID_ARG (NULL arrays, non-finite values, n = 0), SM_E_CRS, SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_points_create(sm_ctx *ctx, sm_points **out, const char *crs, size_t n,
                                  const double *x, const double *y, const int64_t *time,
                                  const double *weight);

/** Frees points. NULL is a no-op. @since 0.1 */
SM_API void sm_points_destroy(sm_points *points);

/** Number of points kept. @since 0.1 */
SM_API size_t sm_points_count(const sm_points *points);
/** x in metres of the analysis CRS. Borrowed, n values. @since 0.1 */
SM_API const double *sm_points_x(const sm_points *points);
/** y in metres of the analysis CRS. Borrowed, n values. @since 0.1 */
SM_API const double *sm_points_y(const sm_points *points);
/** Input longitude (degrees) if the input was lon/lat, else NULL. Borrowed. @since 0.1 */
SM_API const double *sm_points_lon(const sm_points *points);
/** Input latitude (degrees) if the input was lon/lat, else NULL. Borrowed. @since 0.1 */
SM_API const double *sm_points_lat(const sm_points *points);
/** Times (seconds since 1970-01-01 UTC, SM_TIME_MISSING when none). Borrowed. @since 0.1 */
SM_API const int64_t *sm_points_time(const sm_points *points);
/** Weights (1 unless a weight column was read). Borrowed. @since 0.1 */
SM_API const double *sm_points_weight(const sm_points *points);
/** Category index of each point, -1 when none. Borrowed. @since 0.1 */
SM_API const int32_t *sm_points_category(const sm_points *points);
/** Number of distinct categories. @since 0.1 */
SM_API size_t sm_points_category_count(const sm_points *points);
/** Name of category i (borrowed), NULL when out of range. @since 0.1 */
SM_API const char *sm_points_category_name(const sm_points *points, size_t i);
/** Location label of point i (police.uk "Location"), borrowed; NULL when none. @since 0.1 */
SM_API const char *sm_points_label(const sm_points *points, size_t i);
/** Analysis CRS ("EPSG:27700"). Borrowed. @since 0.1 */
SM_API const char *sm_points_crs(const sm_points *points);
/** CRS of the input coordinates as read ("EPSG:4326", ...). Borrowed. @since 0.1 */
SM_API const char *sm_points_input_crs(const sm_points *points);
/** Coarsest time resolution seen. @since 0.1 */
SM_API sm_time_res sm_points_time_resolution(const sm_points *points);
/** 1 if every source was a police.uk street-level CSV. @since 0.1 */
SM_API int sm_points_is_policeuk(const sm_points *points);

/** Number of sources (files, layers) read. @since 0.1 */
SM_API size_t sm_points_source_count(const sm_points *points);
/** Rows (features) seen in all sources, header excluded. @since 0.1 */
SM_API uint64_t sm_points_rows_read(const sm_points *points);
/** Rows skipped for `reason`. @since 0.1 */
SM_API uint64_t sm_points_rows_bad(const sm_points *points, sm_bad_reason reason);
/** Rows left out by the filter `reason`. @since 0.1 */
SM_API uint64_t sm_points_rows_filtered(const sm_points *points, sm_filter_reason reason);
/** Number of stored examples for `reason` (at most 5). @since 0.1 */
SM_API size_t sm_points_bad_example_count(const sm_points *points, sm_bad_reason reason);
/**
 * Example i of rows skipped for `reason`: "FILE:ROW: field 'Longitude' value ''".
 * Borrowed; NULL when out of range. @since 0.1
 */
SM_API const char *sm_points_bad_example(const sm_points *points, sm_bad_reason reason, size_t i);
/**
 * The reader's warnings, "; " between them (also logged on the ctx at SM_LOG_WARNING as they arose):
 * a column name used twice in a header, police.uk rows repeated across files, coordinates that look
 * swapped in every row. Borrowed; NULL when there was none. @since 0.2
 */
SM_API const char *sm_points_warnings(const sm_points *points);

typedef struct sm_areas sm_areas; /* safemap/areas.h */

/**
 * Are these points fit for an analysis (with these areas)? Every pipeline that takes points calls it
 * before it works; callers may call it first to fail early.
 * - At least one point: else SM_E_INPUT, the message giving the rows read, why each was skipped or left
 *   out (counts per reason, an example row of each skip reason) and the sources read.
 * - With areas (may be NULL): the points' extent overlaps the areas' extent. Points and areas that do not
 *   overlap at all give a table of zeros, never an answer: SM_E_INPUT, the message giving both extents in
 *   the analysis CRS, and how the analysis CRS was chosen when it was chosen from the points.
 * @return SM_OK, SM_E_INVALID_ARG (points NULL), SM_E_INPUT.
 * @since 0.2
 */
SM_API sm_status sm_points_check(sm_ctx *ctx, const sm_points *points, const sm_areas *areas);

/** Distinct locations and the most stacked ones (police.uk snap points). */
typedef struct sm_stacking {
  size_t n_locations;         /**< distinct (x, y) */
  size_t n_stacked_locations; /**< locations holding 2 or more points */
  size_t n_top;               /**< entries filled in `top_point` / `top_count` */
} sm_stacking;

/**
 * Counts distinct locations (exactly equal x and y) and finds the `max_top`
 * most stacked ones, ties broken by the smaller first point index.
 * @param[out] out summary.
 * @param[out] top_point index of a point at each top location (may be NULL when max_top is 0).
 * @param[out] top_count number of points there.
 * @return SM_OK, SM_E_INVALID_ARG, SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_points_stacking(sm_ctx *ctx, const sm_points *points, sm_stacking *out,
                                    size_t max_top, size_t *top_point, size_t *top_count);

/**
 * Formats a time at a resolution: "2024-03" (month), "2024-03-05" (day),
 * "2024-03-05T10:00:00Z" (second); "" for SM_TIME_MISSING.
 * @return number of characters written (excluding NUL), as snprintf.
 * @since 0.1
 */
SM_API int sm_time_format(int64_t t, sm_time_res res, char *buf, size_t size);

/**
 * Parses "YYYY-MM", "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z]" (or a space
 * instead of T), "DD/MM/YYYY" (UK day first) and "YYYY/MM/DD".
 * @param[out] t_out seconds since 1970-01-01 UTC (start of the period).
 * @param[out] res_out resolution of the text.
 * @return SM_OK or SM_E_INPUT (no message is set: the caller reports it).
 * @since 0.1
 */
SM_API sm_status sm_time_parse(const char *text, size_t len, int64_t *t_out, sm_time_res *res_out);

/** Month index of a time: year * 12 + (month - 1). @since 0.1 */
SM_API int32_t sm_time_month_index(int64_t t);


/* ---- the info pipeline ---------------------------------------------------------------------- */

typedef struct sm_result sm_result; /* safemap/result.h */
typedef struct sm_areas sm_areas;   /* safemap/areas.h */

/** Options of sm_points_summary_run(). Fields are only ever appended; set with SM_POINTS_SUMMARY_OPTIONS_INIT. */
typedef struct sm_points_summary_options {
  int version;    /**< SM_POINTS_SUMMARY_OPTIONS_VERSION */
  size_t max_top; /**< how many of the most stacked locations to list (default 5; no CLI option) */
} sm_points_summary_options;

#define SM_POINTS_SUMMARY_OPTIONS_VERSION 1
#define SM_POINTS_SUMMARY_OPTIONS_INIT {SM_POINTS_SUMMARY_OPTIONS_VERSION, 5}

/** Initialises options to their defaults. @return SM_OK, or SM_E_INVALID_ARG unless 1 <= version <= current. @since 0.2 */
SM_API sm_status sm_points_summary_options_init(sm_points_summary_options *opts, int version);

/**
 * What is in the points, as `safemap info` reports it: extent, time span and
 * which analyses its resolution allows, stacking on snap points, counts by
 * category and month, and with areas the count per area and the points
 * outside every area (measured: sm_areas_outside_distance()).
 *
 * Layers (tables): "categories" (category, count; most first, then by name;
 * "(no category)" for points without one), "months" (month, count; first to
 * last month, zeros included; absent without time), and with areas "areas"
 * (area_id, area_name, count). CSV companions "_months", "_areas".
 *
 * Figures: "sources", "police_uk" (1/0), "rows_read", "points", "xmin",
 * "ymin", "xmax", "ymax" (analysis CRS), "lon_min", "lat_min", "lon_max",
 * "lat_max" (NaN without lon/lat), "untimed", "locations",
 * "stacked_locations", "top_count" and per k < top_count "top_<k>_points",
 * "top_<k>_point" (a point's index there); with areas "points_outside_areas",
 * "outside_max_m". Texts: "time_first", "time_last" ("" without time),
 * "analyses" (what the time resolution allows, e.g. "month-only dates:
 * near-repeat analysis in months only (--time-unit month); weekly and daily
 * analyses are not possible"), "stacking_note", "outside_note".
 *
 * @param areas NULL, or the areas to count in (same CRS).
 * @param opts NULL = defaults.
 * @param[out] out free with sm_result_destroy().
 * @return SM_OK, SM_E_INVALID_ARG (NULL, options version), SM_E_CRS, SM_E_NOMEM.
 * @since 0.2
 */
SM_API sm_status sm_points_summary_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                                       const sm_points_summary_options *opts);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_POINTS_H */
