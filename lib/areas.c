/* sm_areas: polygons, repair, and an exact point-in-polygon index.
 *
 * Index: a uniform grid over the areas. Cells no boundary passes through
 * belong wholly to one area (or none) and are classified once by their
 * centre; points in boundary cells are tested exactly against the areas
 * whose bounding box touches the cell. The exact test is the crossing-number
 * rule with half-open edges (an edge counts when y0 <= py < y1 and the point
 * lies strictly left of it), evaluated on edges with a canonical endpoint
 * order, so a point on an edge shared by two areas is inside exactly one of
 * them, identically on every thread. Each area keeps its edges in horizontal
 * bands so a test reads only the edges near the point. */
#include "internal/sm_internal.h"

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

typedef struct edge {
  double x0, y0, x1, y1; /* y0 < y1 */
} edge;

struct sm_areas {
  size_t n;
  char **ids, **names;
  double *area_m2;
  unsigned char **wkb;
  size_t *wkb_n;
  char *id_field, *name_field, *crs, *value_field;
  double *value; /* per area, with value_field */
  double *cxy;   /* per area: centroid x, y (NAN without geometry) */
  size_t repaired;
  long *feat;  /* per area: its feature number in the source (1 = first) */
  char *notes; /* the warnings reading gave, "; " between them, or NULL */
  /* edges of all areas, grouped by area, non-horizontal only */
  edge *edges;
  size_t n_edges, edges_cap;
  size_t *edge_off; /* area k owns edges [edge_off[k], edge_off[k+1]) */
  /* all segments including horizontal ones, for boundary marking */
  edge *segs;
  size_t n_segs, segs_cap;
  double *bb; /* 4 per area: xmin ymin xmax ymax */
  /* bands per area */
  int *nbands;
  double *band_h;
  size_t *band_base; /* into band_start: area k has nbands[k] + 1 entries */
  uint32_t *band_start;
  uint32_t *band_edges;
  /* grid */
  double gx0, gy0, gcell;
  long gw, gh;
  int32_t *cell;      /* >= 0 area, -1 none, -2 boundary (test candidates) */
  uint32_t *cand_off; /* gw*gh + 1 */
  uint32_t *cand;
};

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

/* ---- exact test ---------------------------------------------------------------- */
static inline int band_of(const sm_areas *a, size_t k, double y) {
  double f = (y - a->bb[4 * k + 1]) / a->band_h[k];
  int b = f > 0 ? (int)f : 0;
  return b >= a->nbands[k] ? a->nbands[k] - 1 : b;
}

static int in_area(const sm_areas *a, size_t k, double px, double py) {
  const double *bb = a->bb + 4 * k;
  if (px < bb[0] || px > bb[2] || py < bb[1] || py > bb[3]) return 0;
  int b = band_of(a, k, py);
  const uint32_t *bs = a->band_start + a->band_base[k];
  int c = 0;
  for (uint32_t j = bs[b]; j < bs[b + 1]; j++) {
    const edge *e = &a->edges[a->band_edges[j]];
    if ((e->y0 <= py) && (py < e->y1)) {
      double xi = e->x0 + (py - e->y0) * (e->x1 - e->x0) / (e->y1 - e->y0);
      if (px < xi) c ^= 1;
    }
  }
  return c;
}

static inline int32_t locate_one(const sm_areas *a, double px, double py) {
  if (!(px >= a->gx0 && py >= a->gy0)) return -1;
  long cx = (long)((px - a->gx0) / a->gcell), cy = (long)((py - a->gy0) / a->gcell);
  if (cx >= a->gw || cy >= a->gh) return -1;
  size_t c = (size_t)cy * (size_t)a->gw + (size_t)cx;
  int32_t s = a->cell[c];
  if (s != -2) return s;
  for (uint32_t j = a->cand_off[c]; j < a->cand_off[c + 1]; j++)
    if (in_area(a, a->cand[j], px, py)) return (int32_t)a->cand[j];
  return -1;
}

int32_t sm__areas_locate_xy(const sm_areas *a, double x, double y) { return locate_one(a, x, y); }

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

static sm_status build_index(sm_ctx *ctx, sm_areas *a);

/* State of one sm_areas_read: the source, its layer and fields, the CRS
 * transformation and the GEOS context, shared by the stages below. */
typedef struct area_reader {
  sm_ctx *ctx;
  sm_areas *a;
  const char *source;
  const sm_areas_options *opts;
  const char *value_field;
  GDALDatasetH ds;
  OGRLayerH layer;
  const char *lname;
  OGRFeatureDefnH defn;
  int fid_id, fid_name, fid_value;
  OGRSpatialReferenceH dst_srs, src_srs_owned;
  OGRCoordinateTransformationH ct;
  sm_geos g;
  GEOSWKBReader *rd;
  GEOSWKBWriter *wr;
  size_t cap; /* slots allocated in the per-area arrays */
  size_t n_no_geom; /* features without geometry, left out */
  sm_buf left_ids;  /* the first 10 of their ids */
  sm_buf notes;     /* warnings kept with the areas (sm__areas_notes) */
} area_reader;

/* Adds a warning to the areas' notes, "; " between them. */
static sm_status add_note(area_reader *R, const char *fmt, ...) SM_PRINTF(2, 3);
static sm_status add_note(area_reader *R, const char *fmt, ...) {
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
    if ((st = add_note(R, "%s area%s without geometry left out (%s)", sm__thousands(R->n_no_geom, num, sizeof num),
                       R->n_no_geom == 1 ? "" : "s", R->left_ids.s)))
      return st;
  }
  a->edge_off[a->n] = a->n_edges;
  return SM_OK;
}

typedef struct {
  const char *id;
  size_t k;
} id_ref;

static int cmp_id_ref(const void *p, const void *q) {
  const id_ref *x = p, *y = q;
  int c = strcmp(x->id, y->id);
  return c ? c : (x->k > y->k) - (x->k < y->k);
}

/* Duplicate ids make per-area outputs ambiguous (two rows, or one sum, for
 * one id): refused, naming the first duplicate in feature order and how many
 * ids are duplicated. Sorted, so any number of areas is checked. */
static sm_status check_unique_ids(area_reader *R) {
  sm_areas *a = R->a;
  if (R->fid_id < 0 || a->n < 2) return SM_OK; /* FIDs are unique */
  id_ref *r = sm__malloc(a->n * sizeof *r);
  if (!r) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < a->n; i++) r[i] = (id_ref){a->ids[i], i};
  qsort(r, a->n, sizeof *r, cmp_id_ref);
  size_t dup = 0, first = SIZE_MAX, second = 0;
  for (size_t i = 1; i < a->n; i++) {
    if (strcmp(r[i].id, r[i - 1].id)) continue;
    if (i < 2 || strcmp(r[i - 1].id, r[i - 2].id)) dup++; /* a new duplicated id */
    if (r[i - 1].k < first || (r[i - 1].k == first && r[i].k < second)) first = r[i - 1].k, second = r[i].k;
  }
  sm__free(r);
  if (!dup) return SM_OK;
  char more[64] = "";
  if (dup > 1) snprintf(more, sizeof more, " (and %zu other ids are used more than once)", dup - 1);
  return sm__error(R->ctx, SM_E_INPUT,
                   "%s: id '%s' in field %s is used by features %ld and %ld%s; choose a unique field with --id-field",
                   R->source, a->ids[first], a->id_field, a->feat[first], a->feat[second], more);
}

/* ---- overlapping areas ------------------------------------------------------------- */
typedef struct {
  size_t *c;
  size_t n, cap;
  int oom;
} hit_list;

static void strtree_hit(void *item, void *user) {
  hit_list *L = user;
  if (sm__grow((void **)&L->c, &L->cap, L->n + 1, sizeof *L->c)) {
    L->oom = 1;
    return;
  }
  L->c[L->n++] = (size_t)(uintptr_t)item - 1; /* items are k + 1: never NULL */
}

static int cmp_size_t(const void *p, const void *q) {
  size_t x = *(const size_t *)p, y = *(const size_t *)q;
  return (x > y) - (x < y);
}

/* An overlap counts when it is more than 1 m² and more than 0.01 % of the
 * smaller of the two areas: less is a sliver of digitising or rounding. */
static double overlap_threshold(const sm_areas *a, size_t i, size_t j) {
  return fmax(1.0, 1e-4 * fmin(a->area_m2[i], a->area_m2[j]));
}

/* The overlaps found, for one message: how many pairs and the first few. */
typedef struct {
  size_t pairs, unchecked;
  sm_buf text;
} overlaps;

static sm_status note_overlap(area_reader *R, overlaps *O, size_t i, size_t j, double m2) {
  const sm_areas *a = R->a;
  if (++O->pairs > 5) return SM_OK;
  char num[32];
  if (sm__buf_printf(&O->text, "%s'%s'%s%s%s and '%s'%s%s%s by %s m²", O->text.n ? "; " : "", a->ids[i],
                     a->names[i][0] ? " (" : "", a->names[i], a->names[i][0] ? ")" : "", a->ids[j],
                     a->names[j][0] ? " (" : "", a->names[j], a->names[j][0] ? ")" : "",
                     sm__thousands((unsigned long long)llround(m2), num, sizeof num)))
    return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  return SM_OK;
}

/* The pairs (i, j > i) among the areas whose envelopes meet area i's
 * (GEOS STRtree), measured: their intersection's area. */
static sm_status overlaps_of(area_reader *R, GEOSGeometry **g, GEOSSTRtree *tree, size_t i, hit_list *L, overlaps *O) {
  GEOSContextHandle_t h = R->g.handle;
  L->n = 0;
  GEOSSTRtree_query_r(h, tree, g[i], strtree_hit, L);
  if (L->oom) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  qsort(L->c, L->n, sizeof *L->c, cmp_size_t);
  const GEOSPreparedGeometry *pg = NULL;
  sm_status st = SM_OK;
  for (size_t q = 0; q < L->n && !st; q++) {
    size_t j = L->c[q];
    if (j <= i) continue;
    const double *bi = R->a->bb + 4 * i, *bj = R->a->bb + 4 * j;
    double thr = overlap_threshold(R->a, i, j);
    double bw = fmin(bi[2], bj[2]) - fmax(bi[0], bj[0]), bh = fmin(bi[3], bj[3]) - fmax(bi[1], bj[1]);
    if (!(bw > 0 && bh > 0 && bw * bh > thr)) continue; /* the envelopes' overlap is already too small */
    if (!pg && !(pg = GEOSPrepare_r(h, g[i]))) return sm__error(R->ctx, SM_E_DEPENDENCY, "GEOS: %s", R->g.msg);
    if (GEOSPreparedIntersects_r(h, pg, g[j]) != 1) continue;
    GEOSGeometry *x = GEOSIntersection_r(h, g[i], g[j]);
    double m2 = 0;
    if (!x || !GEOSArea_r(h, x, &m2)) O->unchecked++;
    else if (m2 > thr) st = note_overlap(R, O, i, j, m2);
    if (x) GEOSGeom_destroy_r(h, x);
  }
  if (pg) GEOSPreparedGeom_destroy_r(h, pg);
  return st;
}

/* Areas whose interiors overlap (more than a sliver) would share points: a
 * point in both is counted once, in the first of the two in source order (the
 * index's rule). Reported as a warning naming the pairs and the overlaps'
 * areas, or refused with --strict. */
static sm_status check_overlaps(area_reader *R) {
  sm_areas *a = R->a;
  size_t n = a->n;
  if (n < 2) return SM_OK;
  GEOSContextHandle_t h = R->g.handle;
  GEOSGeometry **g = sm__calloc(n, sizeof *g);
  GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
  hit_list L = {0};
  overlaps O = {0};
  sm_status st = g && tree ? SM_OK : sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < n && !st; i++) {
    if (!(g[i] = GEOSWKBReader_read_r(h, R->rd, a->wkb[i], a->wkb_n[i])))
      st = sm__error(R->ctx, SM_E_DEPENDENCY, "GEOS: cannot read area '%s' back: %s", a->ids[i], R->g.msg);
    else
      GEOSSTRtree_insert_r(h, tree, g[i], (void *)(uintptr_t)(i + 1));
  }
  for (size_t i = 0; i < n && !st; i++) {
    st = overlaps_of(R, g, tree, i, &L, &O);
    if (!st && (i & 63) == 63) st = sm__progress(R->ctx, 0.8 + 0.1 * (double)i / (double)n, "checking areas for overlaps");
  }
  if (tree) GEOSSTRtree_destroy_r(h, tree);
  for (size_t i = 0; g && i < n; i++)
    if (g[i]) GEOSGeom_destroy_r(h, g[i]);
  sm__free(g);
  sm__free(L.c);
  char num[32];
  if (!st && O.pairs) {
    const char *many = O.pairs > 5 ? ", ..." : "";
    sm__thousands(O.pairs, num, sizeof num);
    if (R->opts->strict)
      st = sm__error(R->ctx, SM_E_GEOMETRY, "%s: layer '%s': %s pair%s of areas overlap: %s%s (--strict)", R->source,
                     R->lname, num, O.pairs == 1 ? "" : "s", O.text.s, many);
    else {
      sm__log(R->ctx, SM_LOG_WARNING,
              "%s: %s pair%s of areas overlap: %s%s; a point in two areas is counted once, in the first of them in "
              "the source's order",
              R->source, num, O.pairs == 1 ? "" : "s", O.text.s, many);
      st = add_note(R, "%s pair%s of areas overlap (%s%s); a point in two is counted in the first in the source's order",
                    num, O.pairs == 1 ? "" : "s", O.text.s, many);
    }
  }
  if (!st && O.unchecked) {
    sm__log(R->ctx, SM_LOG_WARNING, "%s: GEOS could not measure the overlap of %zu pair%s of areas; they were not checked",
            R->source, O.unchecked, O.unchecked == 1 ? "" : "s");
    st = add_note(R, "the overlap of %zu pair%s of areas could not be measured", O.unchecked, O.unchecked == 1 ? "" : "s");
  }
  sm__free(O.text.s);
  return st;
}

sm_status sm_areas_read(sm_ctx *ctx, sm_areas **out, const char *source, const sm_areas_options *opts) {
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
  sm_status st = open_area_layer(&R);
  if (!st) st = find_area_fields(&R);
  if (!st) st = set_up_area_crs(&R);
  if (!st) st = start_geos(&R);
  if (!st) st = read_area_features(&R);
  if (!st) st = check_unique_ids(&R);
  if (!st) st = check_overlaps(&R);
  if (!st) st = build_index(ctx, a);
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

/* Bands per area: each area's height cut into up to 4096 bands (about one per
 * 4 edges), and per band the list of the area's edges that reach it. */
static sm_status build_bands(sm_ctx *ctx, sm_areas *a) {
  a->nbands = sm__malloc(a->n * sizeof *a->nbands);
  a->band_h = sm__malloc(a->n * sizeof *a->band_h);
  a->band_base = sm__malloc(a->n * sizeof *a->band_base);
  if (!a->nbands || !a->band_h || !a->band_base) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  size_t total_bands = 0;
  for (size_t k = 0; k < a->n; k++) {
    size_t ne = a->edge_off[k + 1] - a->edge_off[k];
    int nb = (int)(ne / 4);
    if (nb < 1) nb = 1;
    if (nb > 4096) nb = 4096;
    double hgt = a->bb[4 * k + 3] - a->bb[4 * k + 1];
    if (!(hgt > 0)) nb = 1, hgt = 1;
    a->nbands[k] = nb;
    a->band_h[k] = hgt / nb;
    a->band_base[k] = total_bands;
    total_bands += (size_t)nb + 1;
  }
  a->band_start = sm__calloc(total_bands + 1, sizeof *a->band_start);
  if (!a->band_start) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  size_t total_entries = 0;
  for (size_t k = 0; k < a->n; k++) {
    uint32_t *bs = a->band_start + a->band_base[k];
    for (size_t j = a->edge_off[k]; j < a->edge_off[k + 1]; j++) {
      int b0 = band_of(a, k, a->edges[j].y0), b1 = band_of(a, k, a->edges[j].y1);
      for (int b = b0; b <= b1; b++) bs[b + 1]++;
      total_entries += (size_t)(b1 - b0 + 1);
    }
  }
  if (total_entries >= UINT32_MAX) return sm__error(ctx, SM_E_INVALID_ARG, "areas are too large to index");
  {
    uint32_t run = 0;
    for (size_t k = 0; k < a->n; k++) {
      uint32_t *bs = a->band_start + a->band_base[k];
      bs[0] = run;
      for (int b = 1; b <= a->nbands[k]; b++) bs[b] += bs[b - 1];
      run = bs[a->nbands[k]];
    }
  }
  a->band_edges = sm__malloc((total_entries ? total_entries : 1) * sizeof *a->band_edges);
  uint32_t *fill = sm__malloc((total_bands ? total_bands : 1) * sizeof *fill);
  if (!a->band_edges || !fill) {
    sm__free(fill);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  memcpy(fill, a->band_start, total_bands * sizeof *fill);
  for (size_t k = 0; k < a->n; k++) {
    uint32_t *fb = fill + a->band_base[k];
    for (size_t j = a->edge_off[k]; j < a->edge_off[k + 1]; j++) {
      int b0 = band_of(a, k, a->edges[j].y0), b1 = band_of(a, k, a->edges[j].y1);
      for (int b = b0; b <= b1; b++) a->band_edges[fb[b]++] = (uint32_t)j;
    }
  }
  sm__free(fill);
  return SM_OK;
}

/* Lays the grid over all areas (about 8 cells per boundary segment) and
 * allocates its cells, their candidate offsets and the boundary marks
 * (*boundary, *ncell). Without any geometry the grid is empty and *boundary
 * stays NULL. */
static sm_status place_grid(sm_ctx *ctx, sm_areas *a, unsigned char **boundary, size_t *ncell_out) {
  *boundary = NULL;
  double xmin = INFINITY, ymin = INFINITY, xmax = -INFINITY, ymax = -INFINITY;
  for (size_t k = 0; k < a->n; k++) {
    if (!(a->bb[4 * k] <= a->bb[4 * k + 2])) continue;
    xmin = fmin(xmin, a->bb[4 * k]), ymin = fmin(ymin, a->bb[4 * k + 1]);
    xmax = fmax(xmax, a->bb[4 * k + 2]), ymax = fmax(ymax, a->bb[4 * k + 3]);
  }
  if (!(xmin <= xmax)) { /* no geometry at all */
    a->gw = a->gh = 0;
    a->gx0 = a->gy0 = 0;
    a->gcell = 1;
    a->cell = sm__calloc(1, sizeof *a->cell);
    a->cand_off = sm__calloc(1, sizeof *a->cand_off);
    a->cand = sm__calloc(1, sizeof *a->cand);
    return a->cell && a->cand_off && a->cand ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  double W = xmax - xmin, H = ymax - ymin, ext = fmax(W, H);
  /* About 8 cells per boundary segment: most points then fall in cells no
   * boundary crosses and need no test at all. */
  double target = 8.0 * (double)a->n_segs;
  if (target < 4096) target = 4096;
  if (target > 4e6) target = 4e6;
  double cell = sqrt(fmax(W, ext * 1e-3) * fmax(H, ext * 1e-3) / target);
  if (!(cell > 0)) cell = 1;
  a->gcell = cell;
  a->gx0 = xmin - cell * 0.5;
  a->gy0 = ymin - cell * 0.5;
  a->gw = (long)ceil((xmax - a->gx0) / cell) + 1;
  a->gh = (long)ceil((ymax - a->gy0) / cell) + 1;
  size_t ncell = (size_t)a->gw * (size_t)a->gh;
  a->cell = sm__malloc(ncell * sizeof *a->cell);
  unsigned char *bd = sm__calloc(ncell, 1);
  a->cand_off = sm__calloc(ncell + 1, sizeof *a->cand_off);
  if (!a->cell || !bd || !a->cand_off) {
    sm__free(bd);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  *boundary = bd;
  *ncell_out = ncell;
  return SM_OK;
}

#define CX(x) ((long)floor(((x) - a->gx0) / cell))
#define CY(y) ((long)floor(((y) - a->gy0) / cell))
#define CLAMPX(c) ((c) < 0 ? 0 : (c) >= a->gw ? a->gw - 1 : (c))
#define CLAMPY(c) ((c) < 0 ? 0 : (c) >= a->gh ? a->gh - 1 : (c))

/* Marks every cell a segment passes through (conservatively). */
static void mark_boundary_cells(const sm_areas *a, unsigned char *boundary) {
  const double cell = a->gcell, eps = cell * 1e-6;
  for (size_t j = 0; j < a->n_segs; j++) {
    const edge *e = &a->segs[j];
    long r0 = CLAMPY(CY(e->y0 - eps)), r1 = CLAMPY(CY(e->y1 + eps));
    for (long r = r0; r <= r1; r++) {
      double ya = fmax(e->y0, a->gy0 + (double)r * cell), yb = fmin(e->y1, a->gy0 + (double)(r + 1) * cell);
      double xa, xb;
      if (e->y1 == e->y0) {
        xa = fmin(e->x0, e->x1), xb = fmax(e->x0, e->x1);
      } else {
        double t0 = (ya - e->y0) / (e->y1 - e->y0), t1 = (yb - e->y0) / (e->y1 - e->y0);
        t0 = fmax(0, fmin(1, t0)), t1 = fmax(0, fmin(1, t1));
        double x0 = e->x0 + t0 * (e->x1 - e->x0), x1 = e->x0 + t1 * (e->x1 - e->x0);
        xa = fmin(x0, x1), xb = fmax(x0, x1);
      }
      long c0 = CLAMPX(CX(xa - eps)), c1 = CLAMPX(CX(xb + eps));
      for (long c = c0; c <= c1; c++) boundary[(size_t)r * (size_t)a->gw + (size_t)c] = 1;
    }
  }
}

/* Candidates: areas whose bounding box touches the cell, in area order
 * (pass 0 counts them per cell, pass 1 lists them). */
static sm_status list_candidates(sm_ctx *ctx, sm_areas *a, size_t ncell) {
  const double cell = a->gcell, eps = cell * 1e-6;
  for (int pass = 0; pass < 2; pass++) {
    uint32_t *fillc = NULL;
    if (pass == 1) {
      for (size_t c = 0; c < ncell; c++) a->cand_off[c + 1] += a->cand_off[c];
      a->cand = sm__malloc((a->cand_off[ncell] ? a->cand_off[ncell] : 1) * sizeof *a->cand);
      fillc = sm__malloc(ncell * sizeof *fillc);
      if (!a->cand || !fillc) {
        sm__free(fillc);
        return sm__error(ctx, SM_E_NOMEM, "out of memory");
      }
      memcpy(fillc, a->cand_off, ncell * sizeof *fillc);
    }
    for (size_t k = 0; k < a->n; k++) {
      const double *bb = a->bb + 4 * k;
      if (!(bb[0] <= bb[2])) continue;
      long c0 = CLAMPX(CX(bb[0] - eps)), c1 = CLAMPX(CX(bb[2] + eps));
      long r0 = CLAMPY(CY(bb[1] - eps)), r1 = CLAMPY(CY(bb[3] + eps));
      for (long r = r0; r <= r1; r++)
        for (long c = c0; c <= c1; c++) {
          size_t ci = (size_t)r * (size_t)a->gw + (size_t)c;
          if (pass == 0) {
            if (a->cand_off[ci + 1] == UINT32_MAX - 1) return sm__error(ctx, SM_E_INVALID_ARG, "areas are too large to index");
            a->cand_off[ci + 1]++;
          } else {
            a->cand[fillc[ci]++] = (uint32_t)k;
          }
        }
    }
    sm__free(fillc);
  }
  return SM_OK;
}

#undef CX
#undef CY
#undef CLAMPX
#undef CLAMPY

/* Classifies cells: boundary cells keep their candidates; others take the
 * first area containing their centre. */
static void classify_cells(sm_ctx *ctx, sm_areas *a, const unsigned char *boundary, size_t ncell) {
  const double cell = a->gcell;
  long gw = a->gw;
  int nt = sm__threads(ctx);
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
  for (size_t c = 0; c < ncell; c++) {
    if (boundary[c]) {
      a->cell[c] = a->cand_off[c + 1] > a->cand_off[c] ? -2 : -1;
      continue;
    }
    double px = a->gx0 + ((double)(c % (size_t)gw) + 0.5) * cell, py = a->gy0 + ((double)(c / (size_t)gw) + 0.5) * cell;
    int32_t s = -1;
    for (uint32_t j = a->cand_off[c]; j < a->cand_off[c + 1] && s < 0; j++)
      if (in_area(a, a->cand[j], px, py)) s = (int32_t)a->cand[j];
    a->cell[c] = s;
  }
  (void)nt;
}

/* The point-in-polygon index: edge bands per area, then the grid, its
 * boundary cells and candidates, and the classification of the other cells;
 * the boundary segments are dropped once used. */
static sm_status build_index(sm_ctx *ctx, sm_areas *a) {
  sm_status st = build_bands(ctx, a);
  if (st) return st;
  unsigned char *boundary = NULL;
  size_t ncell = 0;
  if ((st = place_grid(ctx, a, &boundary, &ncell)) || !boundary) return st;
  mark_boundary_cells(a, boundary);
  if ((st = list_candidates(ctx, a, ncell))) {
    sm__free(boundary);
    return st;
  }
  classify_cells(ctx, a, boundary, ncell);
  sm__free(boundary);
  sm__free(a->segs);
  a->segs = NULL;
  a->n_segs = a->segs_cap = 0;
  return SM_OK;
}

sm_status sm_areas_locate(sm_ctx *ctx, const sm_areas *a, const sm_points *p, int32_t *area_of_point,
                          size_t *n_outside_out) {
  if (!a || !p || (!area_of_point && sm_points_count(p)))
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_areas_locate: NULL argument");
  if (!sm__crs_equal(ctx, a->crs, p->crs))
    return sm__error(ctx, SM_E_CRS, "points are in %s but areas in %s; read the areas with analysis_crs = sm_points_crs()",
                     p->crs, a->crs);
  size_t n = p->n, outside = 0;
  const size_t chunk = 1u << 16;
  size_t nchunks = (n + chunk - 1) / chunk;
  int nt = sm__threads(ctx);
  sm_status st = SM_OK;
  /* Chunks of work between progress/cancel checks on the calling thread. */
  size_t per_round = (size_t)nt * 8;
  for (size_t c0 = 0; c0 < nchunks && !st; c0 += per_round) {
    size_t c1 = c0 + per_round < nchunks ? c0 + per_round : nchunks;
    size_t lo = c0 * chunk, hi = c1 * chunk < n ? c1 * chunk : n;
    size_t out_round = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) reduction(+ : out_round)
#endif
    for (size_t i = lo; i < hi; i++) {
      int32_t k = locate_one(a, p->x[i], p->y[i]);
      area_of_point[i] = k;
      out_round += k < 0;
    }
    outside += out_round;
    st = sm__progress(ctx, (double)hi / (double)(n ? n : 1), "assigning points to areas");
  }
  if (st) return st;
  if (n_outside_out) *n_outside_out = outside;
  return sm__progress(ctx, 1.0, "assigning points to areas");
}
