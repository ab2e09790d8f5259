/* CRS helpers over PROJ (crs.c). Internal. */
#ifndef SM_INTERNAL_CRS_H
#define SM_INTERNAL_CRS_H

#include "internal/ctx.h"

/* ---- CRS internals ---------------------------------------------------------- */
/* Area of use in degrees of a CRS; returns 0 if unknown. */
int sm__crs_area_of_use(sm_ctx *ctx, const char *crs, double bbox[4]);
/* "EPSG:4326"-style identifier of a user CRS (or its WKT when no code); malloc'd. */
sm_status sm__crs_normalise(sm_ctx *ctx, const char *crs, char **out);
/* 1 if two CRS strings denote the same CRS. */
int sm__crs_equal(sm_ctx *ctx, const char *a, const char *b);
/* Transforms from src to EPSG:4326 lon/lat (calling thread, cached operation). */
sm_status sm__crs_to_lonlat(sm_ctx *ctx, const char *src, size_t n, double *x, double *y);
/* Longitude/latitude on src's own datum (inverse = 0), or back (1): the projection alone, tens of metres
 * from WGS84 at most, for choices and plausibility boxes, not for results; far cheaper to set up. */
sm_status sm__crs_lonlat_approx(sm_ctx *ctx, const char *src, int inverse, size_t n, double *x, double *y);
/* Is the CRS geographic (degrees)? */
int sm__crs_is_geographic(sm_ctx *ctx, const char *crs);

#endif
