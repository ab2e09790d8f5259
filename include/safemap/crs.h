/**
 * @file safemap/crs.h
 * @brief Analysis CRS choice and coordinate transforms (PROJ inside).
 *
 * Everything is analysed in metres. The default analysis CRS is EPSG:27700
 * (British National Grid) for data in Great Britain, else the UTM zone of the
 * data's centre. Coordinates are always in GIS order: x = longitude or
 * easting, y = latitude or northing.
 * @defgroup crs CRS
 * @{
 */
#ifndef SAFEMAP_CRS_H
#define SAFEMAP_CRS_H

#include "context.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Chooses the analysis CRS for data whose centre is at (lon, lat) degrees:
 * "EPSG:27700" inside Great Britain's area of use, else "EPSG:326zz" (north)
 * or "EPSG:327zz" (south).
 * @param[out] out the CRS as "EPSG:n"; free with sm_free().
 * @return SM_OK, SM_E_INVALID_ARG (not finite or out of range), SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_crs_choose(sm_ctx *ctx, char **out, double lon, double lat);

/**
 * Checks a CRS given by the user ("EPSG:27700", WKT, a PROJ string, ...).
 * @param[out] name_out its name ("OSGB36 / British National Grid"); free with
 *             sm_free(); may be NULL.
 * @param[out] projected_metres_out 1 if projected with metre units; may be NULL.
 * @return SM_OK, SM_E_CRS (unknown CRS, with PROJ's message), SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_crs_describe(sm_ctx *ctx, const char *crs, char **name_out,
                                 int *projected_metres_out);

/**
 * Transforms n coordinates in place from `src` to `dst` (GIS axis order),
 * in parallel. Points that cannot be transformed become NaN.
 * @return SM_OK, SM_E_CRS, SM_E_NOMEM, SM_E_CANCELLED.
 * @since 0.1
 */
SM_API sm_status sm_crs_transform(sm_ctx *ctx, const char *src, const char *dst, size_t n,
                                  double *x, double *y);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_CRS_H */
