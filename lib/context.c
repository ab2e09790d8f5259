/* sm_ctx: threads, progress/cancel, log sink, last error, seed. */
#include "internal/mpi.h"
#include "internal/proj.h"
#include "internal/sm_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef SM_HAVE_OPENMP
#include <omp.h>
#endif

sm_status sm_ctx_create(sm_ctx **out) {
  if (!out) return SM_E_INVALID_ARG;
  *out = NULL;
  sm_ctx *ctx = sm__calloc(1, sizeof *ctx);
  if (!ctx) return SM_E_NOMEM;
  ctx->threads = 0;
  ctx->log_level = SM_LOG_WARNING;
  ctx->progress_span = 1.0;
  sm__ctx_mpi_attach(ctx); /* the rank of an MPI run, when sm_mpi_init() started one (lib/mpi.c) */
  sm__gdal_init();
  *out = ctx;
  return SM_OK;
}

void sm_ctx_destroy(sm_ctx *ctx) {
  if (!ctx) return;
  sm__proj_ctx_free(ctx);
  sm__free(ctx);
}

sm_status sm_ctx_set_threads(sm_ctx *ctx, int threads) {
  if (!ctx) return SM_E_INVALID_ARG;
  if (threads < 0) return sm__error(ctx, SM_E_INVALID_ARG, "thread count must be 0 (all cores) or more, not %d", threads);
  ctx->threads = threads;
  return SM_OK;
}

int sm__threads(const sm_ctx *ctx) {
  int n = ctx ? ctx->threads : 0;
  if (n <= 0) {
#ifdef SM_HAVE_OPENMP
    n = omp_get_num_procs();
#else
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    n = c > 0 ? (int)c : 1;
#endif
  }
#ifndef SM_HAVE_OPENMP
  n = 1;
#endif
  return n < 1 ? 1 : n;
}

int sm_ctx_threads(const sm_ctx *ctx) { return sm__threads(ctx); }

void sm_ctx_set_progress(sm_ctx *ctx, sm_progress_fn fn, void *user) {
  if (!ctx) return;
  ctx->progress = fn;
  ctx->progress_user = user;
}

void sm_ctx_set_log(sm_ctx *ctx, sm_log_fn fn, sm_log_level max_level, void *user) {
  if (!ctx) return;
  ctx->log = fn;
  ctx->log_level = max_level;
  ctx->log_user = user;
}

void sm_ctx_set_seed(sm_ctx *ctx, uint64_t seed) {
  if (ctx) ctx->seed = seed;
}
uint64_t sm_ctx_seed(const sm_ctx *ctx) { return ctx ? ctx->seed : 0; }
const char *sm_ctx_last_error(const sm_ctx *ctx) { return ctx ? ctx->last_error : ""; }
sm_status sm_ctx_last_status(const sm_ctx *ctx) { return ctx ? ctx->last_status : SM_OK; }

void sm_ctx_clear_error(sm_ctx *ctx) {
  if (!ctx) return;
  ctx->last_error[0] = '\0';
  ctx->dep_error[0] = '\0';
  ctx->last_status = SM_OK;
  ctx->mpi_failed = 0;
}

