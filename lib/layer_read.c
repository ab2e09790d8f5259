/* sm_layer_read(): a vector layer GDAL opens (a GeoPackage layer, a shapefile, GeoJSON, ...) as an sm_layer:
 * its fields (integers as INT64, reals as DOUBLE, anything else as its text), its geometries as 2D ISO WKB,
 * its CRS and its metadata items. */
#include "internal/sm_internal.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <string.h>

/* "a, b, c" of the layers of ds, for messages. */
static void layer_list(GDALDatasetH ds, char *b, size_t n) {
  b[0] = '\0';
  int nl = GDALDatasetGetLayerCount(ds);
  for (int i = 0; i < nl; i++)
    snprintf(b + strlen(b), n - strlen(b), "%s%s", i ? ", " : "", OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
  if (!b[0]) snprintf(b, n, "no layer");
}

static sm_status geom_type_of(sm_ctx *ctx, const char *path, OGRLayerH L, sm_geom_type *t) {
  OGRwkbGeometryType g = wkbFlatten(OGR_L_GetGeomType(L));
  switch (g) {
  case wkbNone: *t = SM_GEOM_NONE; return SM_OK;
  case wkbPoint: *t = SM_GEOM_POINT; return SM_OK;
  case wkbLineString: *t = SM_GEOM_LINESTRING; return SM_OK;
  case wkbPolygon: *t = SM_GEOM_POLYGON; return SM_OK;
  case wkbMultiLineString: *t = SM_GEOM_MULTILINESTRING; return SM_OK;
  case wkbMultiPolygon: *t = SM_GEOM_MULTIPOLYGON; return SM_OK;
  default:
    return sm__error(ctx, SM_E_UNSUPPORTED,
                     "%s: layer '%s' holds %s geometries; safemap layers hold points, lines, polygons, multi-lines or "
                     "multi-polygons, one type a layer",
                     path, OGR_L_GetName(L), g == wkbUnknown ? "mixed (unknown)" : OGRGeometryTypeToName(g));
  }
}

/* The layer's CRS as "EPSG:N" when it has an EPSG code, else as WKT; NULL (and SM_OK) when it has none. */
static sm_status crs_of(sm_ctx *ctx, OGRLayerH L, char **out) {
  *out = NULL;
  OGRSpatialReferenceH s = OGR_L_GetSpatialRef(L);
  if (!s) return SM_OK;
  const char *auth = OSRGetAuthorityName(s, NULL), *code = OSRGetAuthorityCode(s, NULL);
  if (auth && code && !strcmp(auth, "EPSG")) {
    *out = sm__asprintf("EPSG:%s", code);
  } else {
    char *w = NULL;
    if (OSRExportToWkt(s, &w) == OGRERR_NONE && w) *out = sm__strdup(w);
    CPLFree(w);
  }
  return *out ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
}

static sm_status read_features(sm_ctx *ctx, const char *path, OGRLayerH L, sm_layer *out, const size_t *cols, int nf) {
  OGRFeatureDefnH d = OGR_L_GetLayerDefn(L);
  sm_geom_type t = sm_layer_geom_type(out);
  unsigned char *wkb = NULL;
  size_t cap = 0;
  sm_status st = SM_OK;
  OGRFeatureH f;
  OGR_L_ResetReading(L);
  while (!st && (f = OGR_L_GetNextFeature(L))) {
    OGRGeometryH g = t == SM_GEOM_NONE ? NULL : OGR_F_GetGeometryRef(f);
    size_t n = 0;
    if (g && !OGR_G_IsEmpty(g)) {
      OGRGeometryH c = OGR_G_Clone(g);
      if (c) OGR_G_FlattenTo2D(c);
      n = c ? (size_t)OGR_G_WkbSize(c) : 0;
      if (!c) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
      else if (n > cap && sm__grow((void **)&wkb, &cap, n, 1)) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
      else if (OGR_G_ExportToIsoWkb(c, wkbNDR, wkb) != OGRERR_NONE)
        st = sm__error(ctx, SM_E_GEOMETRY, "%s: layer '%s', feature FID %lld: its geometry cannot be read", path,
                       OGR_L_GetName(L), (long long)OGR_F_GetFID(f));
      if (c) OGR_G_DestroyGeometry(c);
    }
    size_t row = 0;
    if (!st) st = sm_layer_add_feature(ctx, out, n ? wkb : NULL, n, &row);
    for (int i = 0; i < nf && !st; i++) {
      if (!OGR_F_IsFieldSetAndNotNull(f, i)) continue;
      OGRFieldType ft = OGR_Fld_GetType(OGR_FD_GetFieldDefn(d, i));
      if (ft == OFTInteger || ft == OFTInteger64) st = sm_layer_set_int(ctx, out, row, cols[i], OGR_F_GetFieldAsInteger64(f, i));
      else if (ft == OFTReal) st = sm_layer_set_double(ctx, out, row, cols[i], OGR_F_GetFieldAsDouble(f, i));
      else st = sm_layer_set_string(ctx, out, row, cols[i], OGR_F_GetFieldAsString(f, i));
    }
    OGR_F_Destroy(f);
  }
  sm__free(wkb);
  return st;
}

sm_status sm_layer_read(sm_ctx *ctx, sm_layer **out, const char *path, const char *name) {
  if (!out || !path || !*path) return sm__error(ctx, SM_E_INVALID_ARG, "sm_layer_read: %s is missing", out ? "the path" : "out");
  *out = NULL;
  sm__gdal_begin(ctx);
  GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  sm_status st = ds ? SM_OK : sm__error(ctx, SM_E_IO, "%s: not vector data GDAL can open: %s", path, sm__dep_msg(ctx));
  OGRLayerH L = NULL;
  char list[1024];
  if (!st) {
    layer_list(ds, list, sizeof list);
    if (name) {
      if (!(L = GDALDatasetGetLayerByName(ds, name))) st = sm__error(ctx, SM_E_INPUT, "%s has no layer '%s'; it holds %s", path, name, list);
    } else if (GDALDatasetGetLayerCount(ds) == 1) {
      L = GDALDatasetGetLayer(ds, 0);
    } else {
      st = sm__error(ctx, SM_E_INPUT, "%s holds %s: choose a layer (%s)", path,
                     GDALDatasetGetLayerCount(ds) ? "several layers" : "no layer", list);
    }
  }
  sm_geom_type t = SM_GEOM_NONE;
  char *crs = NULL;
  if (!st) st = geom_type_of(ctx, path, L, &t);
  if (!st) st = crs_of(ctx, L, &crs);
  if (!st && t != SM_GEOM_NONE && !crs)
    st = sm__error(ctx, SM_E_CRS, "%s: layer '%s' has no CRS: its features cannot be placed on a map", path, OGR_L_GetName(L));
  sm_layer *l = NULL;
  if (!st) st = sm_layer_create(ctx, &l, OGR_L_GetName(L), t, t == SM_GEOM_NONE ? NULL : crs);
  OGRFeatureDefnH d = L ? OGR_L_GetLayerDefn(L) : NULL;
  int nf = d ? OGR_FD_GetFieldCount(d) : 0;
  size_t *cols = !st && nf ? sm__calloc((size_t)nf, sizeof *cols) : NULL;
  if (!st && nf && !cols) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (int i = 0; i < nf && !st; i++) {
    OGRFieldDefnH fd = OGR_FD_GetFieldDefn(d, i);
    OGRFieldType ft = OGR_Fld_GetType(fd);
    sm_field_type type = ft == OFTInteger || ft == OFTInteger64 ? SM_FIELD_INT64 : ft == OFTReal ? SM_FIELD_DOUBLE : SM_FIELD_STRING;
    st = sm_layer_add_field(ctx, l, OGR_Fld_GetNameRef(fd), type, &cols[i]);
  }
  if (!st) st = read_features(ctx, path, L, l, cols, nf);
  /* how the layer was made, as far as the file says, and where it came from */
  char **md = !st ? GDALGetMetadata((GDALMajorObjectH)L, NULL) : NULL;
  for (char **m = md; m && *m && !st; m++) {
    char *key = NULL;
    const char *val = CPLParseNameValue(*m, &key);
    if (key && val) st = sm_layer_set_metadata(ctx, l, key, val);
    CPLFree(key);
  }
  if (!st) st = sm_layer_set_metadata(ctx, l, "source", path);
  sm__free(cols), sm__free(crs);
  if (ds) GDALClose(ds);
  sm__gdal_end(ctx);
  if (st) {
    sm_layer_destroy(l);
    return st;
  }
  *out = l;
  return SM_OK;
}
