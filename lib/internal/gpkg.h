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

/* A table without geometry whose rows go straight into its B-tree pages (gpkg_fill.c). */
typedef struct sm_gpkg_fill {
  const sm_layer *layer;
  uint32_t root;      /* the table's root page; 0: its rows go in by INSERT */
  uint32_t page_size;
  uint32_t *rec;      /* each row's record size */
  const char *why;    /* why not (a static phrase) */
  int done;           /* the rows are in the file */
} sm_gpkg_fill;

/* Whether layer l's table in db (open, outside a transaction) takes its rows straight into its pages: a
 * table as GDAL makes it (fid, the layer's columns), empty, in a file of UTF-8 without auto-vacuum or WAL,
 * no record longer than a page. SM_OK with f->root set if so; f->root 0 and f->why if not; SM_E_NOMEM. */
sm_status sm__gpkg_fill_check(sm_ctx *ctx, sqlite3 *db, const sm_layer *l, sm_gpkg_fill *f);
/* Writes the rows into the file `path`, closed by SQLite: full leaves and the interior pages above them
 * appended, the root page rewritten, the header's page count and change counter updated. f->done 0 with
 * nothing changed when the file is not as checked or would reach SQLite's lock-byte page at 1 GiB.
 * Threads: the leaves are made on every thread; the bytes do not depend on how many. */
sm_status sm__gpkg_fill_write(sm_ctx *ctx, const char *path, sm_gpkg_fill *f);
void sm__gpkg_fill_free(sm_gpkg_fill *f);

/* Inserts every layer's rows into its table of the GeoPackage `path` (closed by GDAL; the tables exist
 * and are empty), with the geometry blobs, R-trees with the GeoPackage triggers, extents and feature
 * counts of feature tables. */
sm_status sm__gpkg_bulk_insert(sm_ctx *ctx, const char *path, sm_layer *const *layers, size_t n);
/* The same; pages 0: every table by INSERT (for tests comparing the two ways). */
sm_status sm__gpkg_bulk_insert_ways(sm_ctx *ctx, const char *path, sm_layer *const *layers, size_t n, int pages);

#endif
