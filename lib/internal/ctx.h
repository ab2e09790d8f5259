/* The ctx's inside, and errors, logging and progress reported through it. Internal. */
#ifndef SM_INTERNAL_CTX_H
#define SM_INTERNAL_CTX_H

#include "safemap.h"
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define SM_MSG_MAX 2048

struct sm_ctx {
  int threads;
  sm_progress_fn progress;
  void *progress_user;
  sm_log_fn log;
  sm_log_level log_level;
  void *log_user;
  uint64_t seed;
  /* the run-size limits of sm_ctx_set_limit (0: the default; lib/limits.c) */
  double limits[SM_LIMIT_END_];
  /* MPI: this process's rank of `ranks` (0 of 1 without MPI); mpi_failed: an agreement has failed, the ranks
   * are unwinding (lib/mpi.c) */
  int rank, ranks, mpi_failed;
  sm_status last_status;
  char last_error[SM_MSG_MAX];
  /* Last message a dependency (GDAL/PROJ/GEOS) reported while captured. */
  char dep_error[SM_MSG_MAX];
  /* Progress mapping of the current step: fraction f is reported as
   * base + f * span, so nested steps compose. */
  double progress_base, progress_span;
  /* PROJ context of the calling thread, created on first use. */
  void *proj_ctx;
  void *proj_log;
  /* Transformations made on proj_ctx, kept for reuse (calling thread only): enough for every UTM zone of
   * both hemispheres, so that a ctx reading lon/lat files from anywhere makes each operation once. */
#define SM_PROJ_OPS 128
  struct {
    char *src, *dst;
    void *op; /* PJ * */
  } proj_ops[SM_PROJ_OPS];
};

/* ---- errors, logging, progress ------------------------------------------ */
#if defined(__GNUC__)
#define SM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SM_PRINTF(a, b)
#endif

/* Sets the ctx message and returns `status`. */
sm_status sm__error(sm_ctx *ctx, sm_status status, const char *fmt, ...) SM_PRINTF(3, 4);
void sm__log(sm_ctx *ctx, sm_log_level level, const char *fmt, ...) SM_PRINTF(3, 4);
/* Reports progress of the current step; returns SM_E_CANCELLED (with a
 * message) when the callback says stop, else SM_OK. */
sm_status sm__progress(sm_ctx *ctx, double fraction, const char *message);
/* Narrows the progress range for a sub-step: [base, base + span] of the current one.
 * Returns the previous range in saved[2] for sm__progress_pop. */
void sm__progress_push(sm_ctx *ctx, double from, double to, double saved[2]);
void sm__progress_pop(sm_ctx *ctx, const double saved[2]);
int sm__threads(const sm_ctx *ctx);
/* Monotonic seconds, for the step timings logged at SM_LOG_DEBUG. */
double sm__now(void);

#endif
