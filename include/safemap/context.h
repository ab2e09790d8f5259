/**
 * @file safemap/context.h
 * @brief sm_ctx: threads, progress/cancel, log sink, last error, random seed.
 *
 * Every call takes a context first. A context may be used by one thread at a
 * time; objects (points, areas, layers) are not bound to a context and may be
 * passed between contexts. The library never prints, exits or aborts: it
 * returns a status and leaves the message on the context.
 * @defgroup context Context
 * @{
 */
#ifndef SAFEMAP_CONTEXT_H
#define SAFEMAP_CONTEXT_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Run-time state handed to every call. Opaque. */
typedef struct sm_ctx sm_ctx;

/**
 * Progress and cancel callback (GDAL's shape). `fraction` runs from 0 to 1
 * and 1.0 is always sent on completion; `message` names the step. Return
 * non-zero to continue, 0 to cancel: the running call then returns
 * SM_E_CANCELLED. Always called from the calling thread, never from a worker.
 */
typedef int (*sm_progress_fn)(double fraction, const char *message, void *user);

/** Severity of a log message. */
typedef enum sm_log_level {
  SM_LOG_ERROR = 0,
  SM_LOG_WARNING = 1,
  SM_LOG_INFO = 2,
  SM_LOG_DEBUG = 3
} sm_log_level;

/** Log sink: receives warnings (repaired polygons, skipped rows, ...) and information. */
typedef void (*sm_log_fn)(sm_log_level level, const char *message, void *user);

/**
 * Creates a context: threads = all cores, no progress callback, no log sink
 * (messages dropped), seed 0.
 * @param[out] out the new context; free with sm_ctx_destroy().
 * @return SM_OK, SM_E_INVALID_ARG (out is NULL), SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_ctx_create(sm_ctx **out);

/** Destroys a context. NULL is a no-op. @since 0.1 */
SM_API void sm_ctx_destroy(sm_ctx *ctx);

/**
 * Sets the number of threads parallel work may use (0 = all cores).
 * Results are bit-identical for any thread count.
 * @return SM_OK or SM_E_INVALID_ARG (negative).
 * @since 0.1
 */
SM_API sm_status sm_ctx_set_threads(sm_ctx *ctx, int threads);

/** The thread count parallel work will use (resolved: never 0). @since 0.1 */
SM_API int sm_ctx_threads(const sm_ctx *ctx);

/** Installs (or with NULL removes) the progress/cancel callback. @since 0.1 */
SM_API void sm_ctx_set_progress(sm_ctx *ctx, sm_progress_fn fn, void *user);

/**
 * Installs (or with NULL removes) the log sink; messages above `max_level`
 * are not formatted at all.
 * @since 0.1
 */
SM_API void sm_ctx_set_log(sm_ctx *ctx, sm_log_fn fn, sm_log_level max_level, void *user);

/** Sets the seed of every random stream (permutations, simulations). @since 0.1 */
SM_API void sm_ctx_set_seed(sm_ctx *ctx, uint64_t seed);

/** The seed set with sm_ctx_set_seed() (0 by default). @since 0.1 */
SM_API uint64_t sm_ctx_seed(const sm_ctx *ctx);

/**
 * The message of the last failed call on this context ("" if none).
 * Borrowed: valid until the next call on this context.
 * @since 0.1
 */
SM_API const char *sm_ctx_last_error(const sm_ctx *ctx);

/** The status of the last failed call on this context (SM_OK if none). @since 0.1 */
SM_API sm_status sm_ctx_last_status(const sm_ctx *ctx);

/** Forgets the last error. @since 0.1 */
SM_API void sm_ctx_clear_error(sm_ctx *ctx);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_CONTEXT_H */
