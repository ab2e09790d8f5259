/* Capturing GDAL's messages into the ctx. Internal. */
#ifndef SM_INTERNAL_DEPS_H
#define SM_INTERNAL_DEPS_H

#include "internal/ctx.h"

/* ---- dependency error capture ------------------------------------------- */
/* Routes GDAL errors of this thread into ctx->dep_error while active. */
void sm__gdal_begin(sm_ctx *ctx);
void sm__gdal_end(sm_ctx *ctx);
/* "GDAL: <message>" or "" */
const char *sm__dep_msg(const sm_ctx *ctx);
/* Forgets the last dependency error (before a call whose own failure must be told apart). */
void sm__dep_clear(sm_ctx *ctx);
void sm__gdal_init(void);

#endif
