/* Spatial weights built from CSR arrays, and the incremental spatial autocorrelation peaks. Internal. */
#ifndef SM_INTERNAL_WEIGHTS_H
#define SM_INTERNAL_WEIGHTS_H

#include "internal/ctx.h"

/* ---- spatial weights internals -------------------------------------------------- */
/* ArcGIS's incremental spatial autocorrelation peaks over n z-scores (hotspot.c). */
void sm__isa_peaks(const double *z, size_t n, size_t *first, size_t *highest);
/* Weights from CSR arrays (sm__malloc'd; owned by the result, or freed on failure): row i is
 * col/val[off[i] .. off[i+1]), sorted by column; self[i] when i is in its own row (weights.c). */
sm_status sm__weights_from_csr(sm_ctx *ctx, sm_weights **out, size_t n, size_t *off, size_t *col, double *val,
                               unsigned char *self);

/* ---- stencil weights: binary distance bands on a square grid without a table ------------------------------- */
/* The most neighbours (self included) a stencil row may have: a band of about 18 cells. */
#define SM__STENCIL_MAX 1024
/* Binary distance-band weights between the units of a square grid (nx x ny cells numbered row by row; unit_of:
 * cell -> unit or -1 for a cell not analysed; cellno: unit -> cell; x, y the units' centres, as
 * sm_weights_distance_band() takes them), held as the fixed stencil of cell offsets within band_m rather than a
 * table: row i holds exactly the neighbours, in the same order and with the same weights, that
 * sm_weights_distance_band(n, x, y, band_m, self, self_weight) gives it (offsets within a hair of the band are
 * compared per pair, as it compares them). The arrays are borrowed and must outlive the weights. Refused
 * (SM_E_INVALID_ARG) for a band of more than SM__STENCIL_MAX cells. Rows are read with sm__weights_row_get() (or
 * sm_weights_row(), which lends a per-thread copy); sm_weights_drop_self() gives the stencil without self;
 * subset, row standardisation and the minimum-neighbours rule are refused. */
sm_status sm__weights_stencil(sm_ctx *ctx, sm_weights **out, size_t n, size_t nx, size_t ny, const int32_t *unit_of,
                              const size_t *cellno, const double *x, const double *y, double cell_m, double band_m,
                              int self, double self_weight);
/* 1 for stencil weights. */
int sm__weights_is_stencil(const sm_weights *w);
/* Row i: its length, with *index / *weight pointing at the table's row, or (stencil weights) at ibuf / wbuf filled
 * with it (each sm__weights_max_row() long). */
size_t sm__weights_row_get(const sm_weights *w, size_t i, size_t *ibuf, double *wbuf, const size_t **index,
                           const double **weight);
/* The longest row's length (stencil: the offsets, an upper bound). */
size_t sm__weights_max_row(const sm_weights *w);
/* w_ji: unit i's weight in row j (0 when absent). */
double sm__weights_at(const sm_weights *w, size_t j, size_t i);
/* The grid of fishnet units (units.c): NULL for hexagons. */
const int32_t *sm__units_grid(const sm_units *u, size_t *nx, size_t *ny, const size_t **cellno);

#endif
