/* sm_areas: reading polygons from any OGR source (fields, CRS, repair, wards left out), the accessors.
 * The checks of what was read are in areas_checks.c, the point-in-area index in areas_index.c. */
#include "internal/mpi.h"
#include "internal/areas_impl.h"

#include <cpl_conv.h>
#include <gdal.h>
#include <geos_c.h>
#include <stddef.h>
#include <stdlib.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>


sm_status sm_areas_options_init(sm_areas_options *opts, int version) {
  if (!opts || version < 1 || version > SM_AREAS_OPTIONS_VERSION) return SM_E_INVALID_ARG;
  sm_areas_options d = SM_AREAS_OPTIONS_INIT;
  if (version == 1) memcpy(opts, &d, offsetof(sm_areas_options, value_field)); /* a version-1 struct is shorter */
  else *opts = d;
  opts->version = version;
  return SM_OK;
}

void sm_areas_destroy(sm_areas *a) {
  if (!a) return;
  for (size_t i = 0; i < a->n; i++) {
    if (a->ids) sm__free(a->ids[i]);
    if (a->names) sm__free(a->names[i]);
    if (a->wkb) sm__free(a->wkb[i]);
  }
  sm__free(a->ids);
  sm__free(a->names);
  sm__free(a->wkb);
  sm__free(a->wkb_n);
  sm__free(a->area_m2);
  sm__free(a->id_field);
  sm__free(a->name_field);
  sm__free(a->value_field);
  sm__free(a->value);
  sm__free(a->cxy);
  sm__free(a->feat);
  sm__free(a->notes);
  sm__free(a->crs);
  sm__free(a->edges);
  sm__free(a->edge_off);
  sm__free(a->segs);
  sm__free(a->bb);
  sm__free(a->nbands);
  sm__free(a->band_h);
  sm__free(a->band_base);
  sm__free(a->band_start);
  sm__free(a->band_edges);
  sm__free(a->cell);
  sm__free(a->cand_off);
  sm__free(a->cand);
  sm__free(a);
}

size_t sm_areas_count(const sm_areas *a) { return a ? a->n : 0; }
const char *sm_areas_id(const sm_areas *a, size_t i) { return a && i < a->n ? a->ids[i] : NULL; }
const char *sm_areas_name(const sm_areas *a, size_t i) { return a && i < a->n ? a->names[i] : NULL; }
double sm_areas_area_m2(const sm_areas *a, size_t i) { return a && i < a->n ? a->area_m2[i] : NAN; }
double sm_areas_value(const sm_areas *a, size_t i) { return a && a->value && i < a->n ? a->value[i] : NAN; }
const char *sm_areas_value_field(const sm_areas *a) { return a ? a->value_field : NULL; }
int sm_areas_centroid(const sm_areas *a, size_t i, double *x, double *y) {
  if (!a || i >= a->n || isnan(a->cxy[2 * i])) return 0;
  *x = a->cxy[2 * i], *y = a->cxy[2 * i + 1];
  return 1;
}
const unsigned char *sm_areas_wkb(const sm_areas *a, size_t i, size_t *size_out) {
  if (!a || i >= a->n) return NULL;
  if (size_out) *size_out = a->wkb_n[i];
  return a->wkb[i];
}
const char *sm_areas_id_field(const sm_areas *a) { return a ? a->id_field : NULL; }
const char *sm_areas_name_field(const sm_areas *a) { return a ? a->name_field : NULL; }
const char *sm_areas_crs(const sm_areas *a) { return a ? a->crs : NULL; }
size_t sm_areas_repaired_count(const sm_areas *a) { return a ? a->repaired : 0; }
const char *sm__areas_notes(const sm_areas *a) { return a ? a->notes : NULL; }

void sm_areas_extent(const sm_areas *a, double e[4]) {
  e[0] = e[1] = INFINITY;
  e[2] = e[3] = -INFINITY;
  for (size_t k = 0; a && k < a->n; k++) {
    if (!(a->bb[4 * k] <= a->bb[4 * k + 2])) continue;
    e[0] = fmin(e[0], a->bb[4 * k]), e[1] = fmin(e[1], a->bb[4 * k + 1]);
    e[2] = fmax(e[2], a->bb[4 * k + 2]), e[3] = fmax(e[3], a->bb[4 * k + 3]);
  }
}

/* ---- building --------------------------------------------------------------------- */
static sm_status add_ring(sm_ctx *ctx, sm_areas *a, GEOSContextHandle_t h, const GEOSGeometry *ring, double *bb) {
  const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
  unsigned int n = 0;
  if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n)) return sm__error(ctx, SM_E_DEPENDENCY, "GEOS: cannot read a ring");
  double px = 0, py = 0;
  for (unsigned int i = 0; i < n; i++) {
    double x, y;
    GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
    bb[0] = fmin(bb[0], x), bb[1] = fmin(bb[1], y), bb[2] = fmax(bb[2], x), bb[3] = fmax(bb[3], y);
    if (i > 0 && !(x == px && y == py)) {
      edge e;
      if (py < y || (py == y && px < x)) e = (edge){px, py, x, y};
      else e = (edge){x, y, px, py};
      if (sm__grow((void **)&a->segs, &a->segs_cap, a->n_segs + 1, sizeof *a->segs))
        return sm__error(ctx, SM_E_NOMEM, "out of memory");
      a->segs[a->n_segs++] = e;
      if (e.y0 != e.y1) {
        if (sm__grow((void **)&a->edges, &a->edges_cap, a->n_edges + 1, sizeof *a->edges))
          return sm__error(ctx, SM_E_NOMEM, "out of memory");
        a->edges[a->n_edges++] = e;
      }
    }
    px = x, py = y;
  }
  return SM_OK;
}

static sm_status add_polygonal(sm_ctx *ctx, sm_areas *a, GEOSContextHandle_t h, const GEOSGeometry *g, double *bb) {
  int type = GEOSGeomTypeId_r(h, g);
  sm_status st = SM_OK;
  if (type == GEOS_POLYGON) {
    if (GEOSisEmpty_r(h, g)) return SM_OK;
    if ((st = add_ring(ctx, a, h, GEOSGetExteriorRing_r(h, g), bb))) return st;
    int nh = GEOSGetNumInteriorRings_r(h, g);
    for (int i = 0; i < nh && !st; i++) st = add_ring(ctx, a, h, GEOSGetInteriorRingN_r(h, g, i), bb);
    return st;
  }
  if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
    int n = GEOSGetNumGeometries_r(h, g);
    for (int i = 0; i < n && !st; i++) st = add_polygonal(ctx, a, h, GEOSGetGeometryN_r(h, g, i), bb);
  }
  return st;
}

/* Collects polygon parts of g (which may be a collection from MakeValid) as a MultiPolygon. */
static GEOSGeometry *to_multipolygon(GEOSContextHandle_t h, const GEOSGeometry *g) {
  int type = GEOSGeomTypeId_r(h, g);
  if (type == GEOS_MULTIPOLYGON) return GEOSGeom_clone_r(h, g);
  if (type == GEOS_POLYGON) {
    GEOSGeometry *c = GEOSGeom_clone_r(h, g);
    return c ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, &c, 1) : NULL;
  }
  GEOSGeometry *parts[4096];
  unsigned int np = 0;
  int n = GEOSGetNumGeometries_r(h, g);
  for (int i = 0; i < n; i++) {
    const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
    int t = GEOSGeomTypeId_r(h, p);
    if (t == GEOS_POLYGON && np < 4096) {
      parts[np++] = GEOSGeom_clone_r(h, p);
    } else if (t == GEOS_MULTIPOLYGON) {
      int m = GEOSGetNumGeometries_r(h, p);
      for (int j = 0; j < m && np < 4096; j++) parts[np++] = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, p, j));
    }
  }
  return GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, np);
}

static const char *const ID_NAMES[] = {"gss_code", "code", "id", "ward_code", "wardcode", "ons_code", NULL};
static const char *const NAME_NAMES[] = {"name", "ward_name", "wardname", "nm", "label", NULL};

/* A field named like ONS codes: letters + 2 digits + "CD" (WD24CD, LSOA21CD, LAD24CD, ...). */
static int ons_field(const char *f, const char *suffix) {
  size_t n = strlen(f);
  if (n < 5) return 0;
  if (!sm__strcaseeq(f + n - 2, suffix)) return 0;
  if (!(f[n - 3] >= '0' && f[n - 3] <= '9' && f[n - 4] >= '0' && f[n - 4] <= '9')) return 0;
  for (size_t i = 0; i + 4 < n; i++)
    if (!((f[i] >= 'A' && f[i] <= 'Z') || (f[i] >= 'a' && f[i] <= 'z'))) return 0;
  return 1;
}

static int detect_field(OGRFeatureDefnH d, const char *suffix, const char *const *names) {
  int nf = OGR_FD_GetFieldCount(d);
  for (int i = 0; i < nf; i++)
    if (ons_field(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(d, i)), suffix)) return i;
  for (int k = 0; names[k]; k++)
    for (int i = 0; i < nf; i++)
      if (sm__strcaseeq(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(d, i)), names[k])) return i;
  return -1;
}



/* Adds a warning to the areas' notes, "; " between them. */
sm_status sm__areas_reader_note(area_reader *R, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (sm__buf_printf(&R->notes, "%s%s", R->notes.n ? "; " : "", msg)) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  return SM_OK;
}

/* Drops area k (the last one started), which has no geometry, and keeps its
 * id for the note. */
static sm_status note_left_out(area_reader *R, size_t k) {
  sm_areas *a = R->a;
  sm_status st = SM_OK;
  if (R->n_no_geom++ < 10) st = sm__buf_printf(&R->left_ids, "%s%s", R->left_ids.n ? ", " : "", a->ids[k]);
  sm__free(a->ids[k]);
  sm__free(a->names[k]);
  a->ids[k] = a->names[k] = NULL;
  a->n = k;
  return st ? sm__error(R->ctx, SM_E_NOMEM, "out of memory") : SM_OK;
}

/* Why GDAL could not open the area source, from what is at the path: missing,
 * a folder, empty, unreadable, or a file that is no vector format GDAL knows.
 * Connection strings and /vsi paths keep GDAL's own words, after ours. */
static sm_status open_failed(sm_ctx *ctx, const char *source) {
  const char *dep = sm__dep_msg(ctx), *sep = dep[0] ? ": " : "";
  struct stat sb;
  if (strncmp(source, "/vsi", 4) && stat(source, &sb) != 0) {
    int e = errno;
    if (strchr(source, ':') && e == ENOENT) /* PG:..., WFS:..., ... */
      return sm__error(ctx, SM_E_IO, "cannot open area source '%s' (no such file, nor a connection GDAL can open)%s%s",
                       source, sep, dep);
    if (e == ENOENT || e == ENOTDIR)
      return sm__error(ctx, SM_E_IO, "cannot open area source '%s': no such file or folder; check the path given with --wards",
                       source);
    return sm__error(ctx, SM_E_IO, "cannot open area source '%s': %s", source, strerror(e));
  }
  if (!strncmp(source, "/vsi", 4))
    return sm__error(ctx, SM_E_IO, "cannot open area source '%s'%s%s", source, sep, dep);
  if (S_ISDIR(sb.st_mode))
    return sm__error(ctx, SM_E_IO,
                     "cannot open area source '%s': it is a folder with no vector data GDAL can read; give the ward "
                     "file itself (e.g. wards.gpkg)",
                     source);
  if (S_ISREG(sb.st_mode) && sb.st_size == 0)
    return sm__error(ctx, SM_E_IO, "cannot open area source '%s': the file is empty (0 bytes)", source);
  FILE *f = fopen(source, "rb");
  if (!f) return sm__error(ctx, SM_E_IO, "cannot open area source '%s': %s", source, strerror(errno));
  fclose(f);
  return sm__error(ctx, SM_E_IO,
                   "cannot open area source '%s': not a vector format GDAL can read (a GeoPackage, shapefile, "
                   "GeoJSON, ...)%s%s",
                   source, dep[0] ? "; GDAL says: " : "", dep);
}

static int polygonal_type(OGRwkbGeometryType t) {
  t = wkbFlatten(t);
  return t == wkbPolygon || t == wkbMultiPolygon || t == wkbCurvePolygon || t == wkbMultiSurface;
}

/* "a (Multi Polygon), b (Point)": the source's layers, for messages. */
static void list_layers(GDALDatasetH ds, char *buf, size_t size) {
  int nl = GDALDatasetGetLayerCount(ds);
  size_t k = 0;
  buf[0] = '\0';
  for (int i = 0; i < nl && k + 1 < size; i++) {
    OGRLayerH l = GDALDatasetGetLayer(ds, i);
    OGRwkbGeometryType t = wkbFlatten(OGR_L_GetGeomType(l));
    int w = snprintf(buf + k, size - k, "%s%s (%s)", i ? ", " : "", OGR_L_GetName(l),
                     t == wkbNone ? "no geometry" : OGRGeometryTypeToName(t));
    if (w < 0) break;
    k += (size_t)w;
  }
  if (k >= size && size > 4) strcpy(buf + size - 4, "...");
}

/* Opens the source and picks the layer: the one named, else the first of
 * polygons, else the first; refuses a layer of other geometries. */
static sm_status open_area_layer(area_reader *R) {
  sm_ctx *ctx = R->ctx;
  const char *source = R->source;
  R->ds = GDALOpenEx(source, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  if (!R->ds) return open_failed(ctx, source);
  GDALDatasetH ds = R->ds;
  OGRLayerH layer = NULL;
  int nl = GDALDatasetGetLayerCount(ds);
  char names[1024];
  if (R->opts->layer) {
    if (!(layer = GDALDatasetGetLayerByName(ds, R->opts->layer))) {
      list_layers(ds, names, sizeof names);
      return sm__error(ctx, SM_E_INVALID_ARG, "%s: no layer '%s' (given with --wards-layer); its layers: %s", source,
                       R->opts->layer, nl ? names : "none");
    }
  } else {
    for (int i = 0; i < nl && !layer; i++)
      if (polygonal_type(OGR_L_GetGeomType(GDALDatasetGetLayer(ds, i)))) layer = GDALDatasetGetLayer(ds, i);
    if (!layer && nl > 0) layer = GDALDatasetGetLayer(ds, 0);
    if (!layer) return sm__error(ctx, SM_E_INPUT, "%s: no layer in this data source", source);
  }
  R->layer = layer;
  R->lname = OGR_L_GetName(layer);
  OGRwkbGeometryType lt = wkbFlatten(OGR_L_GetGeomType(layer));
  if (!polygonal_type(lt) && lt != wkbUnknown) {
    int all = !R->opts->layer && nl > 1; /* every layer was looked at */
    list_layers(ds, names, sizeof names);
    return sm__error(ctx, SM_E_GEOMETRY, "%s: layer '%s' holds %s geometries; areas must be polygons%s%s%s", source,
                     R->lname, lt == wkbNone ? "no" : OGRGeometryTypeToName(lt),
                     all ? " (no layer holds polygons; its layers: " : "", all ? names : "", all ? ")" : "");
  }
  R->defn = OGR_L_GetLayerDefn(layer);
  return SM_OK;
}

/* Finds the id, name and value fields (given, or detected by name) and keeps
 * their names in the areas. */
static sm_status find_area_fields(area_reader *R) {
  sm_ctx *ctx = R->ctx;
  sm_areas *a = R->a;
  const sm_areas_options *opts = R->opts;
  const char *source = R->source, *lname = R->lname;
  OGRFeatureDefnH defn = R->defn;
  if (opts->id_field) {
    if ((R->fid_id = OGR_FD_GetFieldIndex(defn, opts->id_field)) < 0)
      return sm__error(ctx, SM_E_INVALID_ARG, "%s: layer '%s' has no field '%s' (given with --id-field)", source, lname,
                       opts->id_field);
  } else {
    R->fid_id = detect_field(defn, "CD", ID_NAMES);
  }
  if (opts->name_field) {
    if ((R->fid_name = OGR_FD_GetFieldIndex(defn, opts->name_field)) < 0)
      return sm__error(ctx, SM_E_INVALID_ARG, "%s: layer '%s' has no field '%s' (given with --name-field)", source,
                       lname, opts->name_field);
  } else {
    R->fid_name = detect_field(defn, "NM", NAME_NAMES);
    if (R->fid_name == R->fid_id) R->fid_name = -1;
  }
  if (R->value_field) {
    if ((R->fid_value = OGR_FD_GetFieldIndex(defn, R->value_field)) < 0)
      return sm__error(ctx, SM_E_INVALID_ARG, "%s: layer '%s' has no field '%s' (the value field)", source, lname,
                       R->value_field);
    if (!(a->value_field = sm__strdup(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, R->fid_value)))))
      return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  a->id_field = sm__strdup(R->fid_id >= 0 ? OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, R->fid_id)) : "FID");
  a->name_field = sm__strdup(R->fid_name >= 0 ? OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, R->fid_name)) : "");
  if (!a->id_field || !a->name_field) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  return SM_OK;
}

/* CRS: the source's (or the one given), then the analysis CRS (given, or
 * chosen at the layer's centre), and the transformation between them. */
static sm_status set_up_area_crs(area_reader *R) {
  sm_ctx *ctx = R->ctx;
  sm_areas *a = R->a;
  const sm_areas_options *opts = R->opts;
  const char *source = R->source, *lname = R->lname;
  sm_status st = SM_OK;
  OGRSpatialReferenceH src_srs = OGR_L_GetSpatialRef(R->layer);
  if (opts->crs) {
    char *norm = NULL;
    if ((st = sm__crs_normalise(ctx, opts->crs, &norm))) return st;
    R->src_srs_owned = OSRNewSpatialReference(NULL);
    OGRErr oe = OSRSetFromUserInput(R->src_srs_owned, norm);
    sm__free(norm);
    if (oe != OGRERR_NONE)
      return sm__error(ctx, SM_E_CRS, "unknown CRS '%s' (given with --crs for the areas)", opts->crs);
    src_srs = R->src_srs_owned;
  }
  if (!src_srs)
    return sm__error(ctx, SM_E_CRS, "%s: layer '%s' has no CRS; say which it is with --wards-crs", source, lname);
  OSRSetAxisMappingStrategy(src_srs, OAMS_TRADITIONAL_GIS_ORDER);
  if (opts->analysis_crs) {
    if ((st = sm__crs_normalise(ctx, opts->analysis_crs, &a->crs))) return st;
  } else {
    OGREnvelope env;
    if (OGR_L_GetExtent(R->layer, &env, 1) != OGRERR_NONE)
      return sm__error(ctx, SM_E_INPUT, "%s: layer '%s' has no features", source, lname);
    double cx = (env.MinX + env.MaxX) / 2, cy = (env.MinY + env.MaxY) / 2;
    char *wkt = NULL;
    OSRExportToWkt(src_srs, &wkt);
    st = wkt ? sm__crs_to_lonlat(ctx, wkt, 1, &cx, &cy) : sm__error(ctx, SM_E_CRS, "%s: cannot read the CRS", source);
    CPLFree(wkt);
    if (st || (st = sm_crs_choose(ctx, &a->crs, cx, cy))) return st;
  }
  R->dst_srs = OSRNewSpatialReference(NULL);
  if (OSRSetFromUserInput(R->dst_srs, a->crs) != OGRERR_NONE)
    return sm__error(ctx, SM_E_CRS, "unknown analysis CRS '%s'", a->crs);
  OSRSetAxisMappingStrategy(R->dst_srs, OAMS_TRADITIONAL_GIS_ORDER);
  if (!OSRIsSame(src_srs, R->dst_srs)) {
    R->ct = OCTNewCoordinateTransformation(src_srs, R->dst_srs);
    if (!R->ct)
      return sm__error(ctx, SM_E_CRS, "%s: cannot transform layer '%s' to %s%s%s", source, lname, a->crs,
                       sm__dep_msg(ctx)[0] ? ": " : "", sm__dep_msg(ctx));
  }
  return SM_OK;
}

/* The GEOS context and its WKB reader and (ISO, 2D) writer. */
static sm_status start_geos(area_reader *R) {
  sm_status st = sm__geos_init(R->ctx, &R->g);
  if (st) return st;
  GEOSContextHandle_t h = R->g.handle;
  R->rd = GEOSWKBReader_create_r(h);
  R->wr = GEOSWKBWriter_create_r(h);
  GEOSWKBWriter_setFlavor_r(h, R->wr, GEOS_WKB_ISO);
  GEOSWKBWriter_setOutputDimension_r(h, R->wr, 2);
  return SM_OK;
}

/* Doubles the per-area arrays (256 slots at first); on failure the arrays
 * already grown stay with the areas, to be freed with them. */
static sm_status grow_area_arrays(area_reader *R) {
  sm_areas *a = R->a;
  size_t nc = R->cap ? R->cap * 2 : 256;
  char **ids = sm__realloc(a->ids, nc * sizeof *ids), **names = ids ? sm__realloc(a->names, nc * sizeof *names) : NULL;
  if (ids) a->ids = ids;
  if (names) a->names = names;
  unsigned char **wkb = names ? sm__realloc(a->wkb, nc * sizeof *wkb) : NULL;
  if (wkb) a->wkb = wkb;
  size_t *wn = wkb ? sm__realloc(a->wkb_n, nc * sizeof *wn) : NULL;
  if (wn) a->wkb_n = wn;
  double *ar = wn ? sm__realloc(a->area_m2, nc * sizeof *ar) : NULL;
  if (ar) a->area_m2 = ar;
  size_t *eo = ar ? sm__realloc(a->edge_off, (nc + 1) * sizeof *eo) : NULL;
  if (eo) a->edge_off = eo;
  double *bb = eo ? sm__realloc(a->bb, 4 * nc * sizeof *bb) : NULL;
  if (bb) a->bb = bb;
  double *va = bb ? sm__realloc(a->value, nc * sizeof *va) : NULL;
  if (va) a->value = va;
  double *cc = va ? sm__realloc(a->cxy, 2 * nc * sizeof *cc) : NULL;
  if (cc) a->cxy = cc;
  long *fe = cc ? sm__realloc(a->feat, nc * sizeof *fe) : NULL;
  if (fe) a->feat = fe;
  if (!fe) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  a->bb = bb;
  R->cap = nc;
  return SM_OK;
}

/* Starts area k = a->n from feature f: its id, name and value, an empty
 * bounding box, and the words naming it in messages (who). */
static sm_status read_area_attributes(area_reader *R, OGRFeatureH f, long fno, char *who, size_t who_size) {
  sm_areas *a = R->a;
  int fid_id = R->fid_id, fid_name = R->fid_name, fid_value = R->fid_value;
  size_t k = a->n;
  if (fid_id >= 0) { /* an area without an id cannot be told apart in the outputs */
    const char *v = OGR_F_IsFieldSetAndNotNull(f, fid_id) ? OGR_F_GetFieldAsString(f, fid_id) : NULL;
    size_t sp = v ? strspn(v, " \t") : 0;
    if (!v || !v[sp]) {
      const char *nm = fid_name >= 0 && OGR_F_IsFieldSetAndNotNull(f, fid_name) ? OGR_F_GetFieldAsString(f, fid_name) : "";
      return sm__error(R->ctx, SM_E_INPUT,
                       "%s: layer '%s', feature %ld (FID %lld%s%s) has no id: its field %s is %s; give every area an "
                       "id, or choose another field with --id-field",
                       R->source, R->lname, fno, (long long)OGR_F_GetFID(f), nm[0] ? ", " : "", nm,
                       a->id_field, !v ? "NULL" : "empty");
    }
  }
  a->ids[k] = a->names[k] = NULL;
  a->wkb[k] = NULL;
  a->feat[k] = fno;
  a->n++;
  a->ids[k] = fid_id >= 0 && OGR_F_IsFieldSetAndNotNull(f, fid_id) ? sm__strdup(OGR_F_GetFieldAsString(f, fid_id))
                                                                   : sm__asprintf("%lld", (long long)OGR_F_GetFID(f));
  a->names[k] = sm__strdup(fid_name >= 0 && OGR_F_IsFieldSetAndNotNull(f, fid_name) ? OGR_F_GetFieldAsString(f, fid_name) : "");
  a->edge_off[k] = a->n_edges;
  double *bb = a->bb + 4 * k;
  bb[0] = bb[1] = INFINITY;
  bb[2] = bb[3] = -INFINITY;
  a->area_m2[k] = 0;
  a->wkb_n[k] = 0;
  if (!a->ids[k] || !a->names[k]) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  snprintf(who, who_size, "%s '%s'%s%s%s (feature %ld)", a->id_field, a->ids[k], a->names[k][0] ? " (" : "",
           a->names[k], a->names[k][0] ? ")" : "", fno);
  a->value[k] = NAN;
  a->cxy[2 * k] = a->cxy[2 * k + 1] = NAN;
  if (fid_value >= 0 && OGR_F_IsFieldSetAndNotNull(f, fid_value)) {
    OGRFieldType ft = OGR_Fld_GetType(OGR_FD_GetFieldDefn(R->defn, fid_value));
    if (ft == OFTInteger || ft == OFTInteger64 || ft == OFTReal) {
      a->value[k] = OGR_F_GetFieldAsDouble(f, fid_value);
    } else {
      const char *txt = OGR_F_GetFieldAsString(f, fid_value);
      char *end;
      double v = strtod(txt, &end);
      while (*end == ' ') end++;
      if (end == txt || *end || !isfinite(v))
        return sm__error(R->ctx, SM_E_INPUT, "%s: area %s: field %s is '%s', not a number", R->source, who,
                         a->value_field, txt);
      a->value[k] = v;
    }
  }
  return SM_OK;
}

/* The feature's geometry as 2D ISO WKB in the analysis CRS (*wb, from
 * sm__malloc); *wb stays NULL for a feature without geometry (warned). Curves
 * become polygons; other geometries are refused. */
static sm_status area_geometry_wkb(area_reader *R, OGRFeatureH f, const char *who, unsigned char **wb, int *wn) {
  sm_ctx *ctx = R->ctx;
  const char *source = R->source;
  *wb = NULL;
  OGRGeometryH og = OGR_F_GetGeometryRef(f);
  if (!og || OGR_G_IsEmpty(og)) {
    if (R->opts->strict)
      return sm__error(ctx, SM_E_GEOMETRY, "%s: layer '%s': area %s has %s geometry (--strict)", source, R->lname, who,
                       og ? "an empty" : "no");
    sm__log(ctx, SM_LOG_WARNING, "%s: area %s has %s geometry; it is left out of every output", source, who,
            og ? "an empty" : "no");
    return SM_OK;
  }
  OGRwkbGeometryType gt = wkbFlatten(OGR_G_GetGeometryType(og));
  if (gt == wkbCurvePolygon || gt == wkbMultiSurface) {
    og = OGR_G_ForceToMultiPolygon(OGR_G_Clone(og));
    OGR_F_SetGeometryDirectly(f, og);
    gt = wkbMultiPolygon;
  }
  if (gt != wkbPolygon && gt != wkbMultiPolygon)
    return sm__error(ctx, SM_E_GEOMETRY, "%s: area %s is a %s, not a polygon", source, who, OGRGeometryTypeToName(gt));
  if (R->ct && OGR_G_Transform(og, R->ct) != OGRERR_NONE)
    return sm__error(ctx, SM_E_CRS, "%s: area %s cannot be transformed to %s", source, who, R->a->crs);
  OGR_G_FlattenTo2D(og);
  *wn = OGR_G_WkbSize(og);
  *wb = sm__malloc((size_t)*wn);
  if (!*wb) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  OGR_G_ExportToIsoWkb(og, wkbNDR, *wb);
  return SM_OK;
}

/* Reads the WKB (freeing it) into GEOS as a valid MultiPolygon: an invalid
 * polygon is refused with --strict, else repaired with MakeValid (warned,
 * counted) or refused if nothing polygonal is left. */
static sm_status area_multipolygon(area_reader *R, unsigned char *wb, int wn, const char *who, GEOSGeometry **out) {
  sm_ctx *ctx = R->ctx;
  const char *source = R->source;
  GEOSContextHandle_t h = R->g.handle;
  GEOSGeometry *gg = GEOSWKBReader_read_r(h, R->rd, wb, (size_t)wn);
  sm__free(wb);
  if (!gg) return sm__error(ctx, SM_E_GEOMETRY, "%s: area %s cannot be read: %s", source, who, R->g.msg);
  if (GEOSisValid_r(h, gg) != 1) {
    char *reason = GEOSisValidReason_r(h, gg);
    if (R->opts->strict) {
      sm_status st = sm__error(ctx, SM_E_GEOMETRY, "%s: area %s is an invalid polygon: %s (--strict)", source, who,
                               reason ? reason : "");
      GEOSFree_r(h, reason);
      GEOSGeom_destroy_r(h, gg);
      return st;
    }
    GEOSGeometry *fixed = GEOSMakeValid_r(h, gg);
    GEOSGeometry *mp = fixed ? to_multipolygon(h, fixed) : NULL;
    if (fixed) GEOSGeom_destroy_r(h, fixed);
    if (!mp || GEOSisEmpty_r(h, mp)) {
      sm_status st = sm__error(ctx, SM_E_GEOMETRY, "%s: area %s is an invalid polygon (%s) and cannot be repaired",
                               source, who, reason ? reason : "");
      GEOSFree_r(h, reason);
      if (mp) GEOSGeom_destroy_r(h, mp);
      GEOSGeom_destroy_r(h, gg);
      return st;
    }
    sm__log(ctx, SM_LOG_WARNING, "%s: area %s was an invalid polygon (%s); repaired with GEOS MakeValid", source,
            who, reason ? reason : "");
    GEOSFree_r(h, reason);
    GEOSGeom_destroy_r(h, gg);
    gg = mp;
    R->a->repaired++;
  } else {
    GEOSGeometry *mp = to_multipolygon(h, gg);
    GEOSGeom_destroy_r(h, gg);
    gg = mp;
    if (!gg) return sm__error(ctx, SM_E_DEPENDENCY, "GEOS: %s", R->g.msg);
  }
  *out = gg;
  return SM_OK;
}

/* Keeps area k's geometry (destroying gg): its area, centroid and WKB, and
 * its edges and bounding box for the index. */
static sm_status store_area_geometry(area_reader *R, size_t k, GEOSGeometry *gg, const char *who) {
  sm_areas *a = R->a;
  GEOSContextHandle_t h = R->g.handle;
  GEOSArea_r(h, gg, &a->area_m2[k]);
  GEOSGeometry *cen = GEOSGetCentroid_r(h, gg);
  if (cen && !GEOSisEmpty_r(h, cen)) {
    GEOSGeomGetX_r(h, cen, &a->cxy[2 * k]);
    GEOSGeomGetY_r(h, cen, &a->cxy[2 * k + 1]);
  }
  if (cen) GEOSGeom_destroy_r(h, cen);
  a->wkb[k] = GEOSWKBWriter_write_r(h, R->wr, gg, &a->wkb_n[k]);
  sm_status st = add_polygonal(R->ctx, a, h, gg, a->bb + 4 * k);
  GEOSGeom_destroy_r(h, gg);
  if (st) return st;
  /* a million kilometres from the CRS's origin is no place on Earth: the wrong CRS, or broken coordinates */
  const double *bb = a->bb + 4 * k;
  for (int j = 0; j < 4; j++)
    if (!(fabs(bb[j]) <= SM_AREAS_MAX_COORD))
      return sm__error(R->ctx, SM_E_GEOMETRY,
                       "%s: area %s has a coordinate of %g m in %s, more than 1e9 m from its origin: is the wards' CRS "
                       "right (--wards-crs)?", R->source, who, bb[j], a->crs);
  if (!a->wkb[k]) return sm__error(R->ctx, SM_E_DEPENDENCY, "GEOS: cannot write area %s", who);
  /* GEOS allocates with malloc: the buffer is released with sm__free. */
  return SM_OK;
}

/* Reads every feature of the layer into an area, in source order. */
static sm_status read_area_features(area_reader *R) {
  sm_ctx *ctx = R->ctx;
  sm_areas *a = R->a;
  sm_status st = SM_OK;
  GIntBig nfeat = OGR_L_GetFeatureCount(R->layer, 1);
  OGR_L_ResetReading(R->layer);
  OGRFeatureH f;
  long fno = 0;
  while ((f = OGR_L_GetNextFeature(R->layer))) {
    fno++;
    size_t k = a->n;
    char who[512];
    unsigned char *wb = NULL;
    int wn = 0;
    if (a->n == R->cap) st = grow_area_arrays(R);
    if (!st) st = read_area_attributes(R, f, fno, who, sizeof who);
    if (!st) st = area_geometry_wkb(R, f, who, &wb, &wn);
    OGR_F_Destroy(f);
    if (st) return st;
    if (!wb) { /* no geometry: left out (warned) */
      if ((st = note_left_out(R, k))) return st;
      continue;
    }
    GEOSGeometry *gg = NULL;
    if ((st = area_multipolygon(R, wb, wn, who, &gg)) || (st = store_area_geometry(R, k, gg, who))) return st;
    if (nfeat > 0 && (fno & 63) == 0 && (st = sm__progress(ctx, 0.8 * (double)fno / (double)nfeat, "reading areas")))
      return st;
  }
  if (a->n == 0 && R->n_no_geom)
    return sm__error(ctx, SM_E_GEOMETRY, "%s: layer '%s': none of its %zu features has a geometry", R->source, R->lname,
                     R->n_no_geom);
  if (a->n == 0) return sm__error(ctx, SM_E_INPUT, "%s: layer '%s' has no features", R->source, R->lname);
  if (R->n_no_geom) {
    char num[32];
    if (R->left_ids.n > 0 && (st = sm__buf_printf(&R->left_ids, "%s", R->n_no_geom > 10 ? ", ..." : "")))
      return sm__error(ctx, SM_E_NOMEM, "out of memory");
    if ((st = sm__areas_reader_note(R, "%s area%s without geometry left out (%s)", sm__thousands(R->n_no_geom, num, sizeof num),
                       R->n_no_geom == 1 ? "" : "s", R->left_ids.s)))
      return st;
  }
  a->edge_off[a->n] = a->n_edges;
  return SM_OK;
}

static sm_status areas_read(sm_ctx *ctx, sm_areas **out, const char *source, const sm_areas_options *opts);

sm_status sm_areas_read(sm_ctx *ctx, sm_areas **out, const char *source, const sm_areas_options *opts) {
  sm_status st = sm__mpi_agree(ctx, areas_read(ctx, out, source, opts));
  if (st && out) sm_areas_destroy(*out), *out = NULL; /* another rank failed: every rank stops */
  return st;
}

static sm_status areas_read(sm_ctx *ctx, sm_areas **out, const char *source, const sm_areas_options *opts) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_areas_read: out is NULL");
  *out = NULL;
  if (!source || !*source) return sm__error(ctx, SM_E_INVALID_ARG, "no area source given");
  sm_areas_options defaults = SM_AREAS_OPTIONS_INIT;
  if (!opts) opts = &defaults;
  if (opts->version < 1 || opts->version > SM_AREAS_OPTIONS_VERSION)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_areas_options version %d is not 1 to %d", opts->version,
                     SM_AREAS_OPTIONS_VERSION);
  sm_areas *a = sm__calloc(1, sizeof *a);
  if (!a) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  area_reader R = {.ctx = ctx, .a = a, .source = source, .opts = opts, .fid_id = -1, .fid_name = -1, .fid_value = -1};
  R.value_field = opts->version >= 2 ? opts->value_field : NULL;
  sm__gdal_begin(ctx);
  double t0 = sm__now(), t1 = t0, t2 = t0;
  sm_status st = open_area_layer(&R);
  if (!st) st = find_area_fields(&R);
  if (!st) st = set_up_area_crs(&R);
  if (!st) st = start_geos(&R);
  if (!st) st = read_area_features(&R);
  if (!st) t1 = sm__now(), st = sm__areas_check_ids(&R);
  if (!st) st = sm__areas_check_overlaps(&R);
  if (!st) t2 = sm__now(), st = sm__areas_build_index(ctx, a);
  if (!st)
    sm__log(ctx, SM_LOG_DEBUG, "areas: %zu read in %.3f s, checked in %.3f s, indexed in %.3f s", a->n, t1 - t0,
            t2 - t1, sm__now() - t2);
  if (!st) st = sm__progress(ctx, 1.0, "areas ready");
  if (R.rd) GEOSWKBReader_destroy_r(R.g.handle, R.rd);
  if (R.wr) GEOSWKBWriter_destroy_r(R.g.handle, R.wr);
  sm__geos_finish(&R.g);
  if (R.ct) OCTDestroyCoordinateTransformation(R.ct);
  if (R.dst_srs) OSRDestroySpatialReference(R.dst_srs);
  if (R.src_srs_owned) OSRDestroySpatialReference(R.src_srs_owned);
  if (R.ds) GDALClose(R.ds);
  sm__gdal_end(ctx);
  sm__free(R.left_ids.s);
  a->notes = R.notes.s; /* freed with the areas */
  if (st) {
    sm_areas_destroy(a);
    return st;
  }
  *out = a;
  return SM_OK;
}
