/* The PROJ state of a ctx: its PROJ context (created on first use, calling thread only), the PROJ
 * messages captured into it, and the transformations it keeps for reuse (internal/proj.h). */
#include "internal/proj.h"

#include "internal/sm_internal.h"

#include <stdio.h>

static void proj_logger(void *user, int level, const char *msg) {
  sm__proj_log *l = user;
  if (level <= PJ_LOG_ERROR && msg) snprintf(l->msg, sizeof l->msg, "%s", msg);
}

PJ_CONTEXT *sm__pctx_new(sm__proj_log *log) {
  PJ_CONTEXT *c = proj_context_create();
  if (!c) return NULL;
  log->msg[0] = '\0';
  proj_log_func(c, log, proj_logger);
  proj_context_use_proj4_init_rules(c, 1);
  return c;
}

void *sm__proj_ctx(sm_ctx *ctx) {
  if (!ctx) return NULL;
  if (!ctx->proj_ctx) {
    sm__proj_log *log = sm__calloc(1, sizeof *log);
    if (!log) return NULL;
    PJ_CONTEXT *c = sm__pctx_new(log);
    if (!c) {
      sm__free(log);
      return NULL;
    }
    ctx->proj_ctx = c;
    ctx->proj_log = log;
  }
  ((sm__proj_log *)ctx->proj_log)->msg[0] = '\0';
  return ctx->proj_ctx;
}

void sm__proj_ctx_free(sm_ctx *ctx) {
  for (int i = 0; i < SM_PROJ_OPS; i++) {
    if (ctx->proj_ops[i].op) proj_destroy(ctx->proj_ops[i].op);
    sm__free(ctx->proj_ops[i].src);
    sm__free(ctx->proj_ops[i].dst);
    ctx->proj_ops[i].op = NULL;
    ctx->proj_ops[i].src = ctx->proj_ops[i].dst = NULL;
  }
  if (ctx->proj_ctx) proj_context_destroy(ctx->proj_ctx);
  sm__free(ctx->proj_log);
  ctx->proj_ctx = ctx->proj_log = NULL;
}

/* The calling thread's context and log: the ctx's own, or a fresh one when
 * there is no ctx. Release with pctx_release. */
PJ_CONTEXT *sm__pctx_get(sm_ctx *ctx, sm__proj_log **log, sm__proj_log *local) {
  PJ_CONTEXT *c = sm__proj_ctx(ctx);
  if (c) {
    *log = ctx->proj_log;
    return c;
  }
  *log = local;
  return sm__pctx_new(local);
}

void sm__pctx_release(sm_ctx *ctx, PJ_CONTEXT *c) {
  if (!ctx || c != ctx->proj_ctx) proj_context_destroy(c);
}

/* Creates a CRS object from a user string; NULL with a message on failure. */
