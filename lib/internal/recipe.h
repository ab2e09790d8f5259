/* What every output records of how it was made, beyond its own method's parameters: the inputs read,
 * skipped and left out, the version, and the warnings the run gave. Shared by every pipeline so that a
 * layer or raster made through the library says the same as one made through the command line. */
#ifndef SM_RECIPE_H
#define SM_RECIPE_H

#include "safemap.h"

/* The inputs: safemap_version, sources, points_read, rows_skipped (with reasons), rows_left_out (by
 * filter), points_used, input_crs, analysis_crs, time_resolution, police_uk; and, when areas are given,
 * areas (count, id and name fields, CRS). points or areas may be NULL. */
sm_status sm__layer_recipe_inputs(sm_ctx *ctx, sm_layer *layer, const sm_points *points, const sm_areas *areas);
sm_status sm__raster_recipe_inputs(sm_ctx *ctx, sm_raster *raster, const sm_points *points, const sm_areas *areas);

/* Logs a warning on the ctx and appends it to the "warnings" item ("; " between warnings). */
sm_status sm__layer_warn(sm_ctx *ctx, sm_layer *layer, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
sm_status sm__raster_warn(sm_ctx *ctx, sm_raster *raster, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Sets key to a printf-formatted value. */
sm_status sm__layer_meta(sm_ctx *ctx, sm_layer *layer, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
sm_status sm__raster_meta(sm_ctx *ctx, sm_raster *raster, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
