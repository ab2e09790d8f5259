/* The PROJ state of a ctx (internal/proj.c): crs.c and context.c both use it, neither uses the other. */
#ifndef SM_PROJ_H
#define SM_PROJ_H

#include "safemap.h"

#include <proj.h>

/* The last error PROJ reported on a context. */
typedef struct sm__proj_log {
  char msg[512];
} sm__proj_log;

/* The ctx's PROJ context, created on first use; NULL on failure. */
void *sm__proj_ctx(sm_ctx *ctx);
/* Frees the ctx's PROJ context and its kept transformations (sm_ctx_destroy). */
void sm__proj_ctx_free(sm_ctx *ctx);
/* A fresh PROJ context whose errors go to log. */
PJ_CONTEXT *sm__pctx_new(sm__proj_log *log);
/* The calling thread's context and log: the ctx's own, or a fresh one when there is no ctx. Release
 * with sm__pctx_release. */
PJ_CONTEXT *sm__pctx_get(sm_ctx *ctx, sm__proj_log **log, sm__proj_log *local);
void sm__pctx_release(sm_ctx *ctx, PJ_CONTEXT *c);

#endif
