/* The areas' representation and the reader's state, shared by areas.c (reading), areas_checks.c (ids
 * and overlaps) and areas_index.c (the point-in-area index). Internal to those files. */
#ifndef SM_INTERNAL_AREAS_IMPL_H
#define SM_INTERNAL_AREAS_IMPL_H

#include "internal/sm_internal.h"

#include <gdal.h>
#include <geos_c.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

/* Areas with a coordinate farther than this from the analysis CRS's origin (metres) are refused. */
#define SM_AREAS_MAX_COORD 1e9

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

/* Adds a warning to the areas' notes (sm__areas_notes), "; " between them. */
sm_status sm__areas_reader_note(area_reader *R, const char *fmt, ...) SM_PRINTF(2, 3);
/* Refuses duplicate ids, naming the first in feature order (sorted: any number of areas). */
sm_status sm__areas_check_ids(area_reader *R);
/* Reports areas whose interiors overlap (GEOS STRtree); refused under strict. */
sm_status sm__areas_check_overlaps(area_reader *R);
/* Builds the point-in-area index (bands of edges per area, a grid of cells). */
sm_status sm__areas_build_index(sm_ctx *ctx, sm_areas *a);

#endif
