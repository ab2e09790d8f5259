/* A GeoTIFF's AVERAGE overviews made on the threads, with the bits GDAL 3.6 gives them. */
#ifndef SM_INTERNAL_OVERVIEWS_H
#define SM_INTERNAL_OVERVIEWS_H

#include <stddef.h>

/* The cells of the Float32 grid src (n of them) that are not empty, as GDAL's nodata mask sees them, into valid (1,
 * else 0): not NaN when nodata is NaN, else not within two float epsilons of nodata (GDAL's ARE_REAL_EQUAL). On
 * nth threads. Returns 0, or -1 when nodata is neither NaN nor within Float32's range: GDAL then has no mask, and
 * the caller leaves such a grid to GDAL. */
int sm__overview_valid(const float *src, size_t n, double nodata, unsigned char *valid, int nth);

/* The overview dw x dh of the Float32 grid src (w x h cells, row after row, each cell's valid byte from
 * sm__overview_valid) into dst (dw x dh): each cell the average of the valid cells of src it covers, those partly
 * covered weighted by the part covered; no valid cell: nodata; an average equal to nodata moved just off it. This
 * is what GDAL 3.6's GDALBuildOverviews("AVERAGE") gives a band held in memory (the MEM driver: one row a block,
 * each level made from the full grid), bit for bit: the same weights, the same sums in the same order in double
 * precision, and the same rows of src for each row of dst (GDAL reads src in chunks of rows, chunk_max bytes at
 * most, and clips each row's window to its chunk). The rows of dst are shared among nth threads; a row's bits do
 * not depend on its thread. Returns 0, or -1 when out of memory (dst then undefined). */
int sm__overview_average(const float *src, const unsigned char *valid, size_t w, size_t h, double nodata, float *dst,
                         size_t dw, size_t dh, double chunk_max, int nth);

#endif
