/* Point-in-area lookup without a points object. Internal. */
#ifndef SM_INTERNAL_AREAS_H
#define SM_INTERNAL_AREAS_H

#include "internal/ctx.h"

/* ---- areas internals ----------------------------------------------------------- */
/* Area containing (x, y) by the half-open rule, or -1. Thread-safe. */
int32_t sm__areas_locate_xy(const sm_areas *areas, double x, double y);
/* The warnings reading the areas gave that an output should carry (areas
 * left out for want of a geometry, overlapping areas), "; " between them; NULL
 * when none. Borrowed. */
const char *sm__areas_notes(const sm_areas *areas);
/* sm_areas_count_points(), also handing over (when where_out is not NULL) the area of each point as
 * sm_areas_locate() gives it, for the caller to free with sm__free(). */
sm_status sm__areas_count_points_where(sm_ctx *ctx, sm_layer **areas_out, sm_layer **table_out,
                                      const sm_areas *areas, const sm_points *points, const char *name,
                                      int32_t **where_out);

#endif
