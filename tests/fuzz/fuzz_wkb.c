/* Fuzz target: the GeoPackage geometry blobs the bulk writer makes from a layer's WKB (lib/gpkg_bulk.c,
 * sm__gpkg_blob), for each layer type, against GDAL's own WKB reader: a WKB the writer takes, GDAL reads too,
 * and the envelope in the blob is GDAL's; a blob holds the header, the envelope and the WKB (wrapped into a
 * multi geometry of one part where the layer's type asks), and GDAL reads the WKB in it back to the same
 * geometry type as the layer's. */
#include "fuzz_common.h"

#include "internal/gpkg.h"
#include "internal/sm_internal.h"

#include <ogr_api.h>

static sm_ctx *g_ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096 || size == 0) return 0;
  sm_ctx *ctx = fz_ctx(&g_ctx, 1);
  static const sm_geom_type types[] = {SM_GEOM_POINT, SM_GEOM_LINESTRING, SM_GEOM_POLYGON, SM_GEOM_MULTILINESTRING,
                                       SM_GEOM_MULTIPOLYGON};
  for (size_t k = 0; k < sizeof types / sizeof *types; k++) {
    unsigned char *b = NULL;
    size_t bn = 0;
    int empty = 0;
    double e[4];
    sm_status st = sm__gpkg_blob(ctx, types[k], 27700, data, size, &b, &bn, &empty, e);
    if (st) {
      if (b || (st != SM_E_GEOMETRY && st != SM_E_NOMEM)) abort();
      sm_ctx_clear_error(ctx);
      continue;
    }
    if (bn < 8 || memcmp(b, "GP", 2) || b[2] != 0) abort();
    size_t hdr = 8 + ((b[3] >> 1) & 7 ? 32 : 0);
    if (bn < hdr + 5) abort();
    OGRGeometryH g = NULL;
    if (OGR_G_CreateFromWkbEx(b + hdr, NULL, &g, bn - hdr) != OGRERR_NONE) abort(); /* GDAL reads the blob */
    if (wkbFlatten(OGR_G_GetGeometryType(g)) != sm__ogr_geom_type(types[k])) abort();
    if (!empty && !OGR_G_IsEmpty(g)) {
      OGREnvelope env;
      OGR_G_GetEnvelope(g, &env);
      /* GDAL's envelope skips no coordinate; a NaN inside a line makes both sides differ: only finite ones */
      if (isfinite(env.MinX) && isfinite(env.MaxX) && isfinite(env.MinY) && isfinite(env.MaxY) &&
          (env.MinX != e[0] || env.MaxX != e[1] || env.MinY != e[2] || env.MaxY != e[3])) {
        fprintf(stderr, "envelope %g %g %g %g, GDAL %g %g %g %g\n", e[0], e[1], e[2], e[3], env.MinX, env.MaxX,
                env.MinY, env.MaxY);
        abort();
      }
    }
    OGR_G_DestroyGeometry(g);
    sm__free(b);
  }
  return 0;
}
