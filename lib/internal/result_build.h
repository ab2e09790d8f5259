/* Building an sm_result inside a pipeline (result.c). */
#ifndef SM_RESULT_BUILD_H
#define SM_RESULT_BUILD_H

#include "safemap.h"

/* An empty result. */
sm_status sm__result_create(sm_ctx *ctx, sm_result **out);
/* Takes ownership of `layer` (also on failure); csv_suffix names its companion CSV ("_by_month"; NULL
 * for the first layer, or "_" + the layer's name). */
sm_status sm__result_add_layer(sm_ctx *ctx, sm_result *r, sm_layer *layer, const char *csv_suffix);
/* Takes ownership of `raster` (also on failure). */
sm_status sm__result_add_raster(sm_ctx *ctx, sm_result *r, sm_raster *raster);
/* Sets (or replaces) a figure. */
sm_status sm__result_figure(sm_ctx *ctx, sm_result *r, const char *name, double value);
/* Moves every layer and raster of src into dst (src keeps its figures and texts), the layers renamed
 * prefix + name when prefix is not NULL. On failure what was not moved is freed. */
sm_status sm__result_adopt(sm_ctx *ctx, sm_result *dst, sm_result *src, const char *prefix);
/* Sets (or replaces) a text figure (copied). */
sm_status sm__result_text(sm_ctx *ctx, sm_result *r, const char *name, const char *value);

#endif
