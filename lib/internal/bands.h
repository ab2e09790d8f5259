/* Surfaces too large to hold in memory: computed and written a band of rows at a time, so that a grid of
 * billions of cells needs the memory of one band. Internal. */
#ifndef SM_INTERNAL_BANDS_H
#define SM_INTERNAL_BANDS_H

#include "safemap.h"

/* A raster with its grid, CRS, nodata and metadata but no cells (sm_raster_data() is NULL): what a banded
 * surface is described by while its bands go to a file. Free with sm_raster_destroy(). */
sm_status sm__raster_create_header(sm_ctx *ctx, sm_raster **out, size_t width, size_t height, double x_min, double y_max,
                                   double cell_m, const char *crs);

/* ---- writing a raster band by band ------------------------------------------------------------------------------- */
typedef struct sm__raster_out sm__raster_out;

/* Opens `path` (GeoTIFF, COG or GeoPackage, as sm_write_raster() writes them) for the grid of `header` under a
 * temporary name: nothing is at `path` until sm__raster_out_close() commits. */
sm_status sm__raster_out_open(sm_ctx *ctx, sm__raster_out **out, const char *path, const sm_raster *header,
                              const sm_write_options *opts);
/* sm__raster_out_open for a GeoTIFF (or COG) of n_bands bands named `names` (their descriptions; every band has the
 * header's nodata), with the QGIS style `qml` written beside it as it is (NULL: classed on band 1, as one band). A
 * GeoPackage raster holds one band: more are refused. Several bands' overviews are the nearest cell, not the mean, and
 * GDAL's block cache is held to 256 MiB until the file is closed. */
sm_status sm__raster_out_open_bands(sm_ctx *ctx, sm__raster_out **out, const char *path, const sm_raster *header,
                                    size_t n_bands, const char *const *names, const char *qml,
                                    const sm_write_options *opts);
/* sm__raster_out_rows for every band: values[k] holds band k's rows. */
sm_status sm__raster_out_rows_bands(sm__raster_out *o, size_t r0, size_t r1, const double *const *values);
/* Rows [r0, r1) of the grid, (r1 - r0) x width values, row r0 first; NaN is nodata. In order: r0 is the row after
 * the last one given (the rows are gathered into whole rows of the file's blocks, each written once). */
sm_status sm__raster_out_rows(sm__raster_out *o, size_t r0, size_t r1, const double *values);
/* Finishes the file with the metadata of `header` (as it is now: bands may have added to it), the overviews and,
 * for a GeoTIFF, the QGIS style beside it, then moves both into place; commit 0 (a failed run) removes
 * everything. Frees `o` in every case. */
sm_status sm__raster_out_close(sm__raster_out *o, const sm_raster *header, int commit);

/* Bytes a band of `rows` rows of a width x height grid needs while it is computed and written. */
double sm__band_bytes(size_t width, size_t height, size_t rows);
/* Bytes the same grid needs when it is computed whole in memory and written (cells, GDAL's copy, overviews,
 * the style's sort). */
double sm__grid_bytes(size_t width, size_t height);

/* ---- the kernel density surface by bands ------------------------------------------------------------------------ */
typedef struct sm__kde_plan sm__kde_plan;

/* Everything of sm_kde() up to the kernel sums: options, locations, bandwidth, grid, weights; the header raster
 * carries the grid and the metadata. No cell is allocated. */
sm_status sm__kde_plan_create(sm_ctx *ctx, const sm_points *points, const sm_kde_options *opts, sm__kde_plan **out);
/* The whole grid in memory, as sm_kde() returns it (the limit of cells checked first); the plan is spent. */
sm_status sm__kde_plan_whole(sm__kde_plan *k, sm_raster **out, sm_kde_info *info);
/* The grid (borrowed; its metadata is complete after sm__kde_plan_finish()). */
sm_raster *sm__kde_plan_header(sm__kde_plan *k);
/* The kernel's reach (the largest, with adaptive bandwidths). */
double sm__kde_plan_radius(const sm__kde_plan *k);
/* Bytes of the plan itself (the merged locations), for the memory budget. */
double sm__kde_plan_bytes(const sm__kde_plan *k);
/* Rows [r0, r1) of the surface into `band` ((r1 - r0) x width values): the same arithmetic, cell by cell, as
 * sm_kde() computing the whole grid, so the values are bit-identical whatever the bands. Also counts the band's
 * masked, infinite and valid cells into the plan. */
sm_status sm__kde_plan_band(sm__kde_plan *k, size_t r0, size_t r1, double *band);
/* With the ranks of an MPI run, each having computed some of the bands: the counts of masked, infinite and valid
 * cells summed over the ranks (collective; a no-op with one process). */
sm_status sm__kde_plan_sum_counts(sm__kde_plan *k);
/* After every band: the mask's count in the metadata, the checks on the whole surface (no infinite cell, some
 * valid cell), and `info`. */
sm_status sm__kde_plan_finish(sm__kde_plan *k, sm_kde_info *info);
void sm__kde_plan_destroy(sm__kde_plan *k);

#endif
