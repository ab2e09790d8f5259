/* The surface to tile from a file: one band of a GeoTIFF, a GeoPackage raster table or any raster GDAL opens,
 * with its description, units and metadata; a multi-band image is refused unless a band is chosen. */
#include "internal/sm_internal.h"
#include "internal/tiles.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>
#include <stdio.h>
#include <string.h>

/* The tables a GeoPackage holds, for messages: "a, b (rasters); c (layers)". */
static void list_tables(GDALDatasetH r, GDALDatasetH v, char *b, size_t n) {
  b[0] = '\0';
  char **sub = r ? GDALGetMetadata(r, "SUBDATASETS") : NULL;
  for (char **s = sub; s && *s; s++) {
    const char *eq = strstr(*s, "_NAME=");
    if (!eq) continue;
    const char *t = strrchr(eq, ':');
    snprintf(b + strlen(b), n - strlen(b), "%s%s", b[0] ? ", " : "", t ? t + 1 : eq + 6);
  }
  if (!sub && r) {
    const char *t = GDALGetMetadataItem(r, "IDENTIFIER", NULL);
    snprintf(b + strlen(b), n - strlen(b), "%s", t ? t : "one raster");
  }
  if (r) snprintf(b + strlen(b), n - strlen(b), " (raster%s)", sub ? "s" : "");
  int nl = v ? GDALDatasetGetLayerCount(v) : 0;
  for (int i = 0; i < nl; i++)
    snprintf(b + strlen(b), n - strlen(b), "%s%s", i ? ", " : r ? "; " : "",
             OGR_L_GetName(GDALDatasetGetLayer(v, i)));
  if (nl) snprintf(b + strlen(b), n - strlen(b), " (layer%s)", nl > 1 ? "s" : "");
  if (!b[0]) snprintf(b, n, "nothing");
}

/* A tile set name from a file or table name: letters, digits, '_', '-' and '.'; others become '_'. */
static char *name_of(const char *path, const char *layer) {
  const char *base = layer;
  if (!base) {
    base = strrchr(path, '/');
    base = base ? base + 1 : path;
  }
  char *s = sm__strdup(base);
  if (!s) return NULL;
  if (!layer) {
    char *dot = strrchr(s, '.');
    if (dot && dot != s) *dot = '\0';
  }
  for (char *c = s; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ||
          *c == '.'))
      *c = '_';
  if (s[0] == '.') s[0] = '_';
  if (strlen(s) > 100) s[100] = '\0';
  return s;
}

sm_status sm_tiles_read_surface(sm_ctx *ctx, const char *path, const char *layer, int band, sm_raster **out) {
  if (!path || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_tiles_read_surface: NULL argument");
  *out = NULL;
  if (band < 0) return sm__error(ctx, SM_E_INVALID_ARG, "band %d: bands are numbered from 1", band);
  sm__gdal_begin(ctx);
  sm_status st = SM_OK;
  char *open = NULL;
  GDALDatasetH r = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
  GDALDatasetH ds = NULL;
  if (layer) {
    int is_gpkg = r && !strcmp(GDALGetDriverShortName(GDALGetDatasetDriver(r)), "GPKG");
    GDALDatasetH v = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!r && !v) st = sm__error(ctx, SM_E_IO, "%s: not a file GDAL can open", path);
    else if (v && GDALDatasetGetLayerByName(v, layer))
      st = sm__error(ctx, SM_E_UNSUPPORTED, "%s: '%s' is a vector layer: vector layers make vector tiles (sm_tiles_vector)",
                     path, layer);
    else if (!(open = sm__asprintf("GPKG:%s:%s", path, layer))) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    else if (!is_gpkg || !(ds = GDALOpenEx(open, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL))) {
      char list[1024];
      list_tables(r, v, list, sizeof list);
      st = sm__error(ctx, SM_E_INPUT, "%s has no raster table '%s'; it holds %s", path, layer, list);
    }
    if (v) GDALClose(v);
  } else if (!r) {
    st = sm__error(ctx, SM_E_IO, "%s: not a raster GDAL can open", path);
  } else if (GDALGetRasterCount(r) == 0 && CSLCount(GDALGetMetadata(r, "SUBDATASETS")) > 0) {
    char list[1024];
    list_tables(r, NULL, list, sizeof list);
    st = sm__error(ctx, SM_E_INPUT, "%s holds several rasters: choose one with --layer (%s)", path, list);
  } else {
    ds = r, r = NULL;
  }
  if (r) GDALClose(r);
  const char *src = open ? open : path;
  int nb = ds ? GDALGetRasterCount(ds) : 0;
  if (!st && band == 0 && nb > 1) {
    int rgb = GDALGetRasterColorInterpretation(GDALGetRasterBand(ds, 1)) == GCI_RedBand;
    st = sm__error(ctx, SM_E_INPUT,
                   "%s has %d bands%s: tiles are coloured from the values of one band; choose it with --band N (1 to %d)",
                   path, nb, rgb ? " (an RGB image, already coloured)" : "", nb);
  }
  if (!st && nb == 0) st = sm__error(ctx, SM_E_INPUT, "%s: no band to read", path);
  sm_raster *sr = NULL;
  if (!st) st = sm_raster_read(ctx, src, band ? band : 1, &sr);
  /* what the file says about the band and how it was made */
  if (!st) {
    GDALRasterBandH b = GDALGetRasterBand(ds, band ? band : 1);
    char **md = GDALGetMetadata(ds, NULL);
    for (char **m = md; m && *m && !st; m++) {
      char *key = NULL;
      const char *val = CPLParseNameValue(*m, &key);
      if (key && val && strcmp(key, "AREA_OR_POINT")) st = sm_raster_set_metadata(ctx, sr, key, val);
      CPLFree(key);
    }
    const char *units = GDALGetRasterUnitType(b), *desc = GDALGetDescription(b);
    if (!st && units && *units) st = sm_raster_set_metadata(ctx, sr, "units", units);
    if (!st && desc && *desc && !sm_raster_metadata_get(sr, "description"))
      st = sm_raster_set_metadata(ctx, sr, "description", desc);
    if (!st && !sm_raster_metadata_get(sr, "name")) {
      char *n = name_of(path, layer);
      st = n ? sm_raster_set_metadata(ctx, sr, "name", n) : sm__error(ctx, SM_E_NOMEM, "out of memory");
      sm__free(n);
    }
    if (!st) st = sm_raster_set_metadata(ctx, sr, "source", path);
  }
  if (ds) GDALClose(ds);
  sm__free(open);
  sm__gdal_end(ctx);
  if (st) {
    sm_raster_destroy(sr);
    return st;
  }
  *out = sr;
  return SM_OK;
}
