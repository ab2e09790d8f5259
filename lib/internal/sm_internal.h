/* Internal declarations shared by lib/ sources, never installed: includes every private header of
 * lib/internal/ (one per concern). A new source may include only the ones it needs. */
#ifndef SM_INTERNAL_H
#define SM_INTERNAL_H

#include "safemap.h"

#include <stdbool.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/areas.h"
#include "internal/crs.h"
#include "internal/ctx.h"
#include "internal/dates.h"
#include "internal/deps.h"
#include "internal/geom.h"
#include "internal/layer.h"
#include "internal/points.h"
#include "internal/text.h"
#include "internal/weights.h"

#endif
