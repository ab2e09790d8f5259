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

#endif
