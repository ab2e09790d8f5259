/* Opening one of the safety audit's sources, finding its columns, reading positions (audit_src.h). */
#include "internal/audit_src.h"
#include "internal/crs.h"
#include "internal/deps.h"
#include "internal/sm_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


/* "Street Name" -> "streetname" */
void sm__src_norm_name(const char *in, char *out, size_t size) {
  size_t k = 0;
  for (; *in && k + 1 < size; in++)
    if (isalnum((unsigned char)*in)) out[k++] = (char)tolower((unsigned char)*in);
  out[k] = 0;
}

/* The first field whose normalised name is one of names (NULL-terminated, in order of preference); -1. */
int sm__src_find_field(OGRFeatureDefnH defn, const char *const *names) {
  int nf = OGR_FD_GetFieldCount(defn);
  char buf[128];
  for (const char *const *n = names; *n; n++)
    for (int i = 0; i < nf; i++) {
      sm__src_norm_name(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), buf, sizeof buf);
      if (!strcmp(buf, *n)) return i;
    }
  return -1;
}

const char *sm__src_fname(const sm__src *S, int f) { return OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(S->defn, f)); }

/* "lights.csv: line 12" or "lamps.gpkg: layer 'lamps', feature 12" */
void sm__src_where(const sm__src *S, OGRFeatureH f, char *buf, size_t size) {
  long long fid = (long long)OGR_F_GetFID(f);
  if (S->is_csv) snprintf(buf, size, "%s: line %lld", S->source, fid + 1);
  else snprintf(buf, size, "%s: layer '%s', feature %lld", S->source, S->lname, fid);
}

/* The field's text, NULL when unset or NULL; leading and trailing blanks are not removed. */
const char *sm__src_text(sm__src *S, OGRFeatureH f, int fld) {
  if (fld < 0 || !OGR_F_IsFieldSetAndNotNull(f, fld)) return NULL;
  /* GDAL may reuse the text of a number or date field on the next call: a copy in the next of the source's
   * slots, which hold the texts of the last SM__SRC_TEXTS calls */
  const char *t = OGR_F_GetFieldAsString(f, fld);
  size_t k = S->text_next++ % SM__SRC_TEXTS, n = strlen(t) + 1;
  if (n > S->text_cap[k]) {
    char *b = sm__realloc(S->text[k], n);
    if (!b) return S->oom = 1, NULL; /* the reader stops with SM_E_NOMEM after this row */
    S->text[k] = b, S->text_cap[k] = n;
  }
  memcpy(S->text[k], t, n);
  return S->text[k];
}
int sm__src_blank(const char *t) {
  if (!t) return 1;
  while (*t && isspace((unsigned char)*t)) t++;
  return !*t;
}
/* A number from text (blanks around allowed); 1 when it is one. */
int sm__src_number(const char *t, double *v) {
  if (sm__src_blank(t)) return 0;
  char *end;
  *v = strtod(t, &end);
  while (*end && isspace((unsigned char)*end)) end++;
  return end != t && !*end && isfinite(*v);
}

void sm__src_close(sm__src *S) {
  for (size_t k = 0; k < SM__SRC_TEXTS; k++) sm__free(S->text[k]), S->text[k] = NULL, S->text_cap[k] = 0;
  if (S->ct) OCTDestroyCoordinateTransformation(S->ct);
  if (S->src_srs) OSRDestroySpatialReference(S->src_srs);
  if (S->dst_srs) OSRDestroySpatialReference(S->dst_srs);
  if (S->ds) GDALClose(S->ds);
  sm__free(S->input_crs);
  S->ct = NULL, S->src_srs = S->dst_srs = NULL, S->ds = NULL, S->input_crs = NULL;
}

/* Opens the source and picks the layer (named, or the first one; for streets the first holding lines). */
sm_status sm__src_open(sm__src *S, const char *layer_name, int want_lines) {
  sm_ctx *ctx = S->ctx;
  S->ds = GDALOpenEx(S->source, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  if (!S->ds) {
    struct stat sb;
    int exists = stat(S->source, &sb) == 0;
    const char *why = !exists ? (strchr(S->source, ':') ? "GDAL cannot open it" : "no such file")
                      : S_ISDIR(sb.st_mode) ? "it is a folder, not a file"
                      : sb.st_size == 0     ? "the file is empty (0 bytes)"
                                            : "not a vector format GDAL reads";
    const char *dep = sm__dep_msg(ctx);
    return sm__error(ctx, SM_E_IO, "--%s %s: cannot open it: %s%s%s%s", S->what, S->source, why, dep[0] ? " (" : "",
                     dep, dep[0] ? ")" : "");
  }
  GDALDriverH drv = GDALGetDatasetDriver(S->ds);
  S->is_csv = drv && !strcmp(GDALGetDriverShortName(drv), "CSV");
  int nl = GDALDatasetGetLayerCount(S->ds);
  if (layer_name) {
    if (!(S->layer = GDALDatasetGetLayerByName(S->ds, layer_name)))
      return sm__error(ctx, SM_E_INPUT, "--%s %s has no layer '%s'", S->what, S->source, layer_name);
  } else {
    for (int i = 0; i < nl && !S->layer; i++) {
      OGRLayerH l = GDALDatasetGetLayer(S->ds, i);
      OGRwkbGeometryType t = wkbFlatten(OGR_L_GetGeomType(l));
      if (!want_lines || t == wkbLineString || t == wkbMultiLineString) S->layer = l;
    }
    if (!S->layer && nl > 0) S->layer = GDALDatasetGetLayer(S->ds, 0);
    if (!S->layer) return sm__error(ctx, SM_E_INPUT, "--%s %s has no layer", S->what, S->source);
  }
  S->lname = OGR_L_GetName(S->layer);
  S->defn = OGR_L_GetLayerDefn(S->layer);
  return SM_OK;
}

/* The analysis CRS and the transformation to it from `from` (a user CRS text, or the layer's). */
sm_status sm__src_crs(sm__src *S, const char *crs, const char *from) {
  sm_ctx *ctx = S->ctx;
  S->src_srs = OSRNewSpatialReference(NULL);
  S->dst_srs = OSRNewSpatialReference(NULL);
  if (!S->src_srs || !S->dst_srs) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (from) {
    if (OSRSetFromUserInput(S->src_srs, from) != OGRERR_NONE)
      return sm__error(ctx, SM_E_CRS, "--%s %s: unknown CRS '%s'", S->what, S->source, from);
  } else {
    OGRSpatialReferenceH l = OGR_L_GetSpatialRef(S->layer);
    if (!l)
      return sm__error(ctx, SM_E_CRS, "--%s %s: layer '%s' has no CRS; give it one (ogr2ogr -a_srs EPSG:27700)%s",
                       S->what, S->source, S->lname, !strcmp(S->what, "lights") ? " or use --lights-crs" : "");
    OSRDestroySpatialReference(S->src_srs);
    S->src_srs = OSRClone(l);
  }
  if (OSRSetFromUserInput(S->dst_srs, crs) != OGRERR_NONE)
    return sm__error(ctx, SM_E_CRS, "unknown analysis CRS '%s'", crs);
  OSRSetAxisMappingStrategy(S->src_srs, OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy(S->dst_srs, OAMS_TRADITIONAL_GIS_ORDER);
  const char *auth = OSRGetAuthorityName(S->src_srs, NULL), *code = OSRGetAuthorityCode(S->src_srs, NULL);
  S->input_crs = auth && code ? sm__asprintf("%s:%s", auth, code) : sm__strdup(from ? from : "the layer's");
  if (!S->input_crs) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!OSRIsSame(S->src_srs, S->dst_srs) && !(S->ct = OCTNewCoordinateTransformation(S->src_srs, S->dst_srs)))
    return sm__error(ctx, SM_E_CRS, "--%s %s: cannot transform %s to %s%s%s", S->what, S->source, S->input_crs, crs,
                     sm__dep_msg(ctx)[0] ? ": " : "", sm__dep_msg(ctx));
  return SM_OK;
}

/* Where a point table's positions come from: the geometry (any source but a CSV), Easting/Northing or X/Y
 * columns (with `crs_given`, or British National Grid for Easting/Northing), or Longitude/Latitude. */
sm_status sm__src_positions(sm__src *S, const char *crs, const char *crs_given) {
  static const char *const EN_X[] = {"easting", "eastings", "bngeasting", NULL}, *const EN_Y[] = {"northing", "northings", "bngnorthing", NULL};
  static const char *const XY_X[] = {"x", "xcoord", "xcoordinate", NULL}, *const XY_Y[] = {"y", "ycoord", "ycoordinate", NULL};
  static const char *const LL_X[] = {"longitude", "lon", "long", "lng", NULL}, *const LL_Y[] = {"latitude", "lat", NULL};
  S->fx = S->fy = -1;
  if (!S->is_csv && OGR_FD_GetGeomFieldCount(S->defn) > 0) return sm__src_crs(S, crs, crs_given);
  int ex = sm__src_find_field(S->defn, EN_X), ey = sm__src_find_field(S->defn, EN_Y);
  int xx = sm__src_find_field(S->defn, XY_X), xy = sm__src_find_field(S->defn, XY_Y);
  int lx = sm__src_find_field(S->defn, LL_X), ly = sm__src_find_field(S->defn, LL_Y);
  const char *from = crs_given;
  if (ex >= 0 && ey >= 0) {
    S->fx = ex, S->fy = ey;
    if (!from) from = "EPSG:27700";
    snprintf(S->xy_note, sizeof S->xy_note, "%s/%s (%s%s)", sm__src_fname(S, ex), sm__src_fname(S, ey), from,
             crs_given ? "" : ", British National Grid, as Easting/Northing columns are in GB");
  } else if (lx >= 0 && ly >= 0 && !crs_given) {
    S->fx = lx, S->fy = ly, from = "EPSG:4326";
    snprintf(S->xy_note, sizeof S->xy_note, "%s/%s (EPSG:4326)", sm__src_fname(S, lx), sm__src_fname(S, ly));
  } else if (xx >= 0 && xy >= 0) {
    if (!from)
      return sm__error(S->ctx, SM_E_CRS, "--%s %s: the positions in columns %s/%s have no CRS; say which it is with --%s-crs",
                       S->what, S->source, sm__src_fname(S, xx), sm__src_fname(S, xy), S->what);
    S->fx = xx, S->fy = xy;
    snprintf(S->xy_note, sizeof S->xy_note, "%s/%s (%s)", sm__src_fname(S, xx), sm__src_fname(S, xy), from);
  } else if (lx >= 0 && ly >= 0) {
    S->fx = lx, S->fy = ly;
    snprintf(S->xy_note, sizeof S->xy_note, "%s/%s (%s)", sm__src_fname(S, lx), sm__src_fname(S, ly), from);
  } else {
    return sm__error(S->ctx, SM_E_INPUT,
                     "--%s %s: no position columns (Easting/Northing, X/Y or Longitude/Latitude) and no geometry",
                     S->what, S->source);
  }
  return sm__src_crs(S, crs, from);
}

/* The position of a point feature in the analysis CRS; 0 when it has none (why says which field and value). */
int sm__src_point(sm__src *S, OGRFeatureH f, double *x, double *y, char *why, size_t size) {
  if (S->fx >= 0) {
    const char *tx = sm__src_text(S, f, S->fx), *ty = sm__src_text(S, f, S->fy);
    if (!sm__src_number(tx, x)) return snprintf(why, size, "field '%s' value '%s'", sm__src_fname(S, S->fx), tx ? tx : ""), 0;
    if (!sm__src_number(ty, y)) return snprintf(why, size, "field '%s' value '%s'", sm__src_fname(S, S->fy), ty ? ty : ""), 0;
    if (*x == 0 && *y == 0) return snprintf(why, size, "position 0,0"), 0;
  } else {
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (!g || OGR_G_IsEmpty(g)) return snprintf(why, size, "no geometry"), 0;
    if (wkbFlatten(OGR_G_GetGeometryType(g)) != wkbPoint)
      return snprintf(why, size, "a %s, not a point", OGRGeometryTypeToName(OGR_G_GetGeometryType(g))), 0;
    *x = OGR_G_GetX(g, 0), *y = OGR_G_GetY(g, 0);
  }
  if (S->ct && !OCTTransform(S->ct, 1, x, y, NULL)) return snprintf(why, size, "a position that cannot be transformed"), 0;
  if (!isfinite(*x) || !isfinite(*y)) return snprintf(why, size, "a position that is not finite"), 0;
  return 1;
}

/* Counts a row skipped for want of a position, keeping the first as the example. */
void sm__src_skip(const sm__src *S, OGRFeatureH f, sm__audit_tally *t, const char *why) {
  if (!t->no_position++) {
    char w[200];
    sm__src_where(S, f, w, sizeof w);
    snprintf(t->example, sizeof t->example, "%s: %s", w, why);
  }
}

