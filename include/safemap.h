/**
 * @file safemap.h
 * @brief Umbrella header of safemap, a library for crime hot-spot analysis
 *        and women's safety audits.
 *
 * Include this, link safemap::safemap (CMake) or `pkg-config --libs safemap`.
 * Call sm_version_check(SM_VERSION_NUMBER) once at start-up to make sure the
 * library loaded at run time matches the headers.
 */
#ifndef SAFEMAP_H
#define SAFEMAP_H

#include "safemap/common.h"
#include "safemap/version.h"
#include "safemap/context.h"
#include "safemap/crs.h"
#include "safemap/points.h"
#include "safemap/io.h"
#include "safemap/areas.h"
#include "safemap/layer.h"
#include "safemap/raster.h"
#include "safemap/kde.h"
#include "safemap/units.h"
#include "safemap/weights.h"
#include "safemap/hotspot.h"
#include "safemap/cube.h"
#include "safemap/emerging.h"
#include "safemap/nearrepeat.h"
#include "safemap/forecast.h"
#include "safemap/scan.h"
#include "safemap/write.h"
#include "safemap/style.h"
#include "safemap/tiles.h"
#include "safemap/result.h"
#include "safemap/count.h"
#include "safemap/audit.h"
#include "safemap/route.h"
#include "safemap/plan.h"
#include "safemap/report.h"

#endif /* SAFEMAP_H */
