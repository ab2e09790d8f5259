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

#endif
