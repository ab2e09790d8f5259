/* Reading a single-band, north-up raster with square cells through GDAL (any format it opens). */
#include "internal/sm_internal.h"

#include <gdal.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdlib.h>
#include <string.h>

sm_status sm_raster_read(sm_ctx *ctx, const char *path, int band, sm_raster **out) {
  if (!path || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_raster_read: NULL argument");
  *out = NULL;
  GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
  if (!ds) return sm__error(ctx, SM_E_IO, "%s: not a raster GDAL can open", path);
  sm_status st = SM_OK;
  int nb = GDALGetRasterCount(ds);
  if (band < 1 || band > nb) st = sm__error(ctx, SM_E_INPUT, "%s: no band %d (%d band%s)", path, band, nb, nb == 1 ? "" : "s");
  double gt[6];
  if (!st && GDALGetGeoTransform(ds, gt) != CE_None)
    st = sm__error(ctx, SM_E_INPUT, "%s: no georeferencing (geotransform)", path);
  if (!st && (gt[2] != 0 || gt[4] != 0 || !(gt[1] > 0) || !(gt[5] < 0) || fabs(gt[1] + gt[5]) > 1e-9 * gt[1]))
    st = sm__error(ctx, SM_E_INPUT, "%s: cells of %g x %g (rotation %g, %g): only north-up rasters with square cells are read",
                   path, gt[1], -gt[5], gt[2], gt[4]);
  const char *wkt = st ? NULL : GDALGetProjectionRef(ds);
  if (!st && (!wkt || !*wkt)) st = sm__error(ctx, SM_E_CRS, "%s: the raster has no CRS", path);
  char *crs = NULL;
  if (!st) {
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    const char *name = NULL, *code = NULL;
    if (srs && OSRImportFromWkt(srs, (char **)&wkt) == OGRERR_NONE) {
      OSRAutoIdentifyEPSG(srs);
      name = OSRGetAuthorityName(srs, NULL), code = OSRGetAuthorityCode(srs, NULL);
    }
    char buf[64];
    if (name && code && (size_t)snprintf(buf, sizeof buf, "%s:%s", name, code) < sizeof buf) crs = sm__strdup(buf);
    else crs = sm__strdup(GDALGetProjectionRef(ds));
    if (srs) OSRDestroySpatialReference(srs);
    if (!crs) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  size_t w = st ? 0 : (size_t)GDALGetRasterXSize(ds), h = st ? 0 : (size_t)GDALGetRasterYSize(ds);
  sm_raster *r = NULL;
  if (!st) st = sm_raster_create(ctx, &r, w, h, gt[0], gt[3], gt[1], crs);
  if (!st) {
    GDALRasterBandH b = GDALGetRasterBand(ds, band);
    int has_nd = 0;
    double nd = GDALGetRasterNoDataValue(b, &has_nd);
    if (GDALRasterIO(b, GF_Read, 0, 0, (int)w, (int)h, sm_raster_data(r), (int)w, (int)h, GDT_Float64, 0, 0) != CE_None)
      st = sm__error(ctx, SM_E_IO, "%s: reading band %d failed: %s", path, band, CPLGetLastErrorMsg());
    if (!st && has_nd) sm_raster_set_nodata(r, nd);
    else if (!st) sm_raster_set_nodata(r, NAN);
  }
  sm__free(crs);
  GDALClose(ds);
  if (st) {
    sm_raster_destroy(r);
    return st;
  }
  *out = r;
  return SM_OK;
}
