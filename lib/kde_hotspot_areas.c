/* Hot-spot areas: the smallest set of cells holding a share of a surface's mass. */
#include "internal/sm_internal.h"

#include <gdal.h>
#include <gdal_alg.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_desc(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x < y) - (x > y);
}

/* Polygons of the cells >= t, as one ISO WKB MultiPolygon (malloc'd). */
static sm_status outline(sm_ctx *ctx, const sm_raster *r, double t, unsigned char **wkb, size_t *wkb_n) {
  size_t w = sm_raster_width(r), h = sm_raster_height(r);
  const double *v = sm_raster_values(r);
  GDALDriverH mem = GDALGetDriverByName("MEM");
  GDALDatasetH ds = mem ? GDALCreate(mem, "", (int)w, (int)h, 1, GDT_Byte, NULL) : NULL;
  if (!ds) return sm__error(ctx, SM_E_DEPENDENCY, "GDAL: cannot make a %zu x %zu mask: %s", w, h, sm__dep_msg(ctx));
  double gt[6];
  sm_raster_geotransform(r, gt);
  GDALSetGeoTransform(ds, gt);
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  unsigned char *row = sm__malloc(w);
  sm_status st = row ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t j = 0; j < h && !st; j++) {
    for (size_t i = 0; i < w; i++) row[i] = !isnan(v[j * w + i]) && v[j * w + i] >= t;
    if (GDALRasterIO(b, GF_Write, 0, (int)j, (int)w, 1, row, (int)w, 1, GDT_Byte, 0, 0) != CE_None)
      st = sm__error(ctx, SM_E_DEPENDENCY, "GDAL: %s", sm__dep_msg(ctx));
  }
  sm__free(row);
  GDALDriverH vdrv = GDALGetDriverByName("Memory");
  GDALDatasetH vds = vdrv ? GDALCreate(vdrv, "", 0, 0, 0, GDT_Unknown, NULL) : NULL;
  OGRLayerH L = vds ? GDALDatasetCreateLayer(vds, "p", NULL, wkbPolygon, NULL) : NULL;
  if (!st && !L) st = sm__error(ctx, SM_E_DEPENDENCY, "GDAL: cannot make a memory layer");
  if (!st) {
    OGRFieldDefnH fd = OGR_Fld_Create("v", OFTInteger);
    OGR_L_CreateField(L, fd, 1);
    OGR_Fld_Destroy(fd);
    /* the band is its own mask: only the cells >= t become polygons */
    if (GDALPolygonize(b, b, L, 0, NULL, NULL, NULL) != CE_None)
      st = sm__error(ctx, SM_E_DEPENDENCY, "GDAL: cannot trace the areas: %s", sm__dep_msg(ctx));
  }
  if (!st) {
    OGRGeometryH mp = OGR_G_CreateGeometry(wkbMultiPolygon);
    OGR_L_ResetReading(L);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(L))) {
      OGRGeometryH g = OGR_F_GetGeometryRef(f);
      if (g) OGR_G_AddGeometry(mp, g);
      OGR_F_Destroy(f);
    }
    int n = OGR_G_WkbSize(mp);
    *wkb = sm__malloc((size_t)n);
    if (!*wkb) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    else {
      OGR_G_ExportToIsoWkb(mp, wkbNDR, *wkb);
      *wkb_n = (size_t)n;
    }
    OGR_G_DestroyGeometry(mp);
  }
  if (vds) GDALClose(vds);
  GDALClose(ds);
  return st;
}

sm_status sm_kde_hotspot_areas(sm_ctx *ctx, sm_layer **out, const sm_raster *r, const double *pct, size_t n,
                               const char *name) {
  if (!out || !r || (n && !pct) || !name) return sm__error(ctx, SM_E_INVALID_ARG, "sm_kde_hotspot_areas: NULL argument");
  *out = NULL;
  for (size_t k = 0; k < n; k++)
    if (!(pct[k] > 0 && pct[k] <= 100))
      return sm__error(ctx, SM_E_INVALID_ARG, "a hot-spot area holds a share in (0, 100] %%, not %g", pct[k]);
  size_t w = sm_raster_width(r), h = sm_raster_height(r), m = 0;
  const double *v = sm_raster_values(r);
  double *s = sm__malloc(w * h * sizeof *s);
  if (!s) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < w * h; i++)
    if (!isnan(v[i]) && v[i] > 0) s[m++] = v[i];
  if (m == 0) {
    sm__free(s);
    return sm__error(ctx, SM_E_INPUT, "the surface has no positive value: no hot-spot area");
  }
  qsort(s, m, sizeof *s, cmp_desc);
  double total = 0;
  for (size_t i = 0; i < m; i++) total += s[i];
  sm_layer *L = NULL;
  sm__gdal_begin(ctx);
  sm_status st = sm_layer_create(ctx, &L, name, SM_GEOM_MULTIPOLYGON, sm_raster_crs(r));
  size_t f_pct, f_t, f_share, f_cells, f_km2;
  if (!st) st = sm_layer_add_field(ctx, L, "percent", SM_FIELD_DOUBLE, &f_pct);
  if (!st) st = sm_layer_add_field(ctx, L, "threshold", SM_FIELD_DOUBLE, &f_t);
  if (!st) st = sm_layer_add_field(ctx, L, "share", SM_FIELD_DOUBLE, &f_share);
  if (!st) st = sm_layer_add_field(ctx, L, "cells", SM_FIELD_INT64, &f_cells);
  if (!st) st = sm_layer_add_field(ctx, L, "area_km2", SM_FIELD_DOUBLE, &f_km2);
  double cell = sm_raster_cell_size(r);
  for (size_t k = 0; k < n && !st; k++) {
    double goal = total * pct[k] / 100.0, cum = 0;
    size_t i = 0;
    while (i < m && cum < goal) cum += s[i++];
    double t = s[i ? i - 1 : 0];
    while (i < m && s[i] == t) cum += s[i++]; /* ties go in together */
    unsigned char *wkb = NULL;
    size_t wn = 0, row;
    st = outline(ctx, r, t, &wkb, &wn);
    if (!st) st = sm_layer_add_feature(ctx, L, wkb, wn, &row);
    sm__free(wkb);
    if (!st) st = sm_layer_set_double(ctx, L, row, f_pct, pct[k]);
    if (!st) st = sm_layer_set_double(ctx, L, row, f_t, t);
    if (!st) st = sm_layer_set_double(ctx, L, row, f_share, 100.0 * cum / total);
    if (!st) st = sm_layer_set_int(ctx, L, row, f_cells, (int64_t)i);
    if (!st) st = sm_layer_set_double(ctx, L, row, f_km2, (double)i * cell * cell / 1e6);
  }
  sm__gdal_end(ctx);
  sm__free(s);
  if (!st) st = sm_layer_set_metadata(ctx, L, "method", "hot-spot areas: smallest set of cells holding each share of the density");
  const char *src_units = sm_raster_metadata_get(r, "units");
  if (!st && src_units) st = sm_layer_set_metadata(ctx, L, "threshold_units", src_units);
  if (!st) st = sm_layer_set_metadata(ctx, L, "safemap_version", sm_version_string());
  if (st) {
    sm_layer_destroy(L);
    return st;
  }
  *out = L;
  return SM_OK;
}
