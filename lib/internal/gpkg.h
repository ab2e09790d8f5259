/* Bulk writing of GeoPackage tables through SQLite (lib/gpkg_bulk.c), after GDAL has made the empty
 * tables with their columns, CRS and contents rows. */
#ifndef SM_INTERNAL_GPKG_H
#define SM_INTERNAL_GPKG_H

#include "safemap.h"

#include <ogr_api.h>
#include <sqlite3.h>
#include <stdint.h>

/* The OGR geometry type of a layer type (wkbNone for tables). */
OGRwkbGeometryType sm__ogr_geom_type(sm_geom_type t);

/* One R-tree entry: a feature's box (float, rounded outwards) and its fid. */
typedef struct sm_rtree_item {
  float x0, x1, y0, y1;
  int64_t id;
} sm_rtree_item;

/* A GeoPackage geometry blob (GP header, envelope unless a point, then ISO WKB) for a row's WKB in a
 * layer of type t: a single polygon or line in a multi layer is wrapped into the multi type. On success
 * *blob (sm__malloc'd) and its size; *empty when the geometry is empty; env[4] = minx, maxx, miny, maxy.
 * SM_E_GEOMETRY when the WKB is malformed, has a NaN coordinate (other than POINT EMPTY's) or is of another
 * type. */
sm_status sm__gpkg_blob(sm_ctx *ctx, sm_geom_type t, int32_t srs_id, const unsigned char *wkb, size_t n,
                        unsigned char **blob, size_t *blob_n, int *empty, double env[4]);

/* Fills the (just created, empty) SQLite R-tree virtual table `name` with items, packed bottom-up
 * (sort-tile-recursive) straight into its _node, _rowid and _parent tables: what inserting them one by
 * one would index, some 30 times faster. items is reordered. */
sm_status sm__gpkg_rtree_load(sm_ctx *ctx, sqlite3 *db, const char *name, sm_rtree_item *items, size_t n);

/* Inserts every layer's rows into its table of the GeoPackage `path` (closed by GDAL; the tables exist
 * and are empty), with the geometry blobs, R-trees with the GeoPackage triggers, extents and feature
 * counts of feature tables. */
sm_status sm__gpkg_bulk_insert(sm_ctx *ctx, const char *path, sm_layer *const *layers, size_t n);

#endif
