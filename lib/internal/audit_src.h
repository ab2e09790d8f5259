/* Opening one of the safety audit's point or line sources (any OGR source or CSV), finding its columns by
 * name, reading positions into the analysis CRS, and naming rows in messages (audit_src.c). Internal. */
#ifndef SM_INTERNAL_AUDIT_SRC_H
#define SM_INTERNAL_AUDIT_SRC_H
#include "internal/audit.h"

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#define SM__SRC_TEXTS 64

/* One opened source: its layer, where positions come from, and the transformation to the analysis CRS. */
typedef struct sm__src {
  sm_ctx *ctx;
  const char *what;   /* "lights", "streets", ... (the option without dashes) */
  const char *source; /* as given */
  GDALDatasetH ds;
  OGRLayerH layer;
  OGRFeatureDefnH defn;
  const char *lname;
  int is_csv;
  int fx, fy;         /* coordinate columns, or -1: the geometry */
  OGRSpatialReferenceH src_srs, dst_srs;
  OGRCoordinateTransformationH ct;
  char *input_crs;
  char xy_note[160];  /* "Easting/Northing (EPSG:27700, ...)" when positions come from columns */
  char *text[SM__SRC_TEXTS]; /* copies of field texts (sm__src_text) */
  size_t text_cap[SM__SRC_TEXTS];
  size_t text_next;
  int oom;            /* a copy could not be made: the reader fails with SM_E_NOMEM */
} sm__src;
#define SM__SRC_INIT(ctx, what, source) {ctx, what, source, NULL, NULL, NULL, NULL, 0, -1, -1, NULL, NULL, NULL, NULL, {0}, {0}, {0}, 0, 0}

/* "Street Name" -> "streetname": lower case, letters and digits only. */
void sm__src_norm_name(const char *in, char *out, size_t size);
/* The first field whose normalised name is one of names (NULL-terminated, in order of preference); -1. */
int sm__src_find_field(OGRFeatureDefnH defn, const char *const *names);
/* A field's name. */
const char *sm__src_fname(const sm__src *S, int f);
/* "lights.csv: line 12" or "lamps.gpkg: layer 'lamps', feature 12". */
void sm__src_where(const sm__src *S, OGRFeatureH f, char *buf, size_t size);
/* The field's text, NULL when unset or NULL: a copy, valid until SM__SRC_TEXTS more calls or sm__src_close()
 * (GDAL's own text of a number or date field may be replaced by the next call). */
const char *sm__src_text(sm__src *S, OGRFeatureH f, int fld);
/* 1 when t is NULL, empty or blanks. */
int sm__src_blank(const char *t);
/* A number from text (blanks around allowed); 1 when it is one. */
int sm__src_number(const char *t, double *v);
/* Opens the source (call between sm__gdal_begin/end) and picks the layer: named, or the first (with
 * want_lines, the first holding lines). */
sm_status sm__src_open(sm__src *S, const char *layer_name, int want_lines);
/* The transformation to the analysis CRS `crs` from `from` (a CRS text) or, NULL, the layer's (none: an error). */
sm_status sm__src_crs(sm__src *S, const char *crs, const char *from);
/* Where a point table's positions come from: the geometry (any source but a CSV), Easting/Northing columns
 * (British National Grid unless crs_given), X/Y columns (crs_given needed) or Longitude/Latitude. */
sm_status sm__src_positions(sm__src *S, const char *crs, const char *crs_given);
/* The position of a point feature in the analysis CRS; 0 when it has none (why: which field and value). */
int sm__src_point(sm__src *S, OGRFeatureH f, double *x, double *y, char *why, size_t size);
/* Counts a row skipped for want of a position, keeping the first as the example. */
void sm__src_skip(const sm__src *S, OGRFeatureH f, sm__audit_tally *t, const char *why);
void sm__src_close(sm__src *S);

#endif
