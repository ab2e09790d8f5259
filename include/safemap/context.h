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
 * Starts MPI when the process was started by an MPI launcher (mpirun, mpiexec, srun) and this library was built
 * with MPI (`SAFEMAP_MPI`); otherwise does nothing, so a program may always call it. Call it once, from the main
 * thread, before making a context: contexts made afterwards are ranks of the run (sm_ctx_rank()). If the program
 * started MPI itself, the library uses it (a copy of MPI_COMM_WORLD). Pair it with sm_mpi_finalize().
 *
 * With more than one rank, sm_points_read(), sm_areas_read(), sm_kde_run(), sm_hotspots_run(), sm_emerging_run(),
 * sm_nearrepeat_run(), sm_scan_run(), sm_result_write() and sm_tiles_result() are collective: every rank makes the same calls with
 * the same arguments. They share the work out (bands of the surface, units, replications, each replication's
 * random stream keyed by its index), every rank returns the same result, and only rank 0 writes files, which
 * are byte-identical to a run of one process with the same seed. An error on any rank is returned on every rank
 * with the message of the first rank that failed, and nothing is written.
 * @return SM_OK, or SM_E_DEPENDENCY when MPI could not start.
 * @since 0.4
 */
SM_API sm_status sm_mpi_init(int *argc, char ***argv);

/** Ends what sm_mpi_init() started (MPI itself only if it started it). Destroy every context first. @since 0.4 */
SM_API void sm_mpi_finalize(void);

/** This context's rank in an MPI run: 0 to sm_ctx_ranks() - 1; 0 without MPI. Only rank 0 should print. @since 0.4 */
SM_API int sm_ctx_rank(const sm_ctx *ctx);

/** The number of ranks of the run this context belongs to (1 without MPI). @since 0.4 */
SM_API int sm_ctx_ranks(const sm_ctx *ctx);

/**
 * Checks how the process was started. A program that an MPI launcher (mpirun, mpiexec, srun: the environment
 * says so through OMPI_COMM_WORLD_SIZE, PMI_SIZE or SLURM_STEP_NUM_TASKS) started as one of several ranks
 * would have every rank run the whole command and write the same files over each other when this library was
 * built without MPI, or when sm_mpi_init() was not called before the context was made: both are refused, with a
 * message naming the variable and what to do. Call it before the run starts; `safemap` does.
 * @return SM_OK (one process, or the ranks of an MPI run); SM_E_UNSUPPORTED.
 * @since 0.4
 */
SM_API sm_status sm_ctx_check_launch(sm_ctx *ctx);

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

/**
 * The sizes a run may reach before it starts: each pipeline estimates what it would build and refuses with
 * SM_E_INVALID_ARG, before allocating it, when the estimate is more than the limit (the message names the size,
 * the limit and the options to change). Defaults (see sm_limit_default()) let every ordinary run through; raise a
 * limit with sm_ctx_set_limit() (on the command line `--limit KIND=N`).
 * @since 0.2
 */
typedef enum sm_limit {
  SM_LIMIT_CELLS = 0,        /**< "cells": cells of a raster grid (kde, forecast surfaces); default 4e8 (3.2 GB of doubles) */
  SM_LIMIT_UNITS = 1,        /**< "units": fishnet or hexagon cells (each a polygon); default 1e8 */
  SM_LIMIT_STEPS = 2,        /**< "steps": time steps of a space-time cube (emerging, scan, forecast); default 1e5 */
  SM_LIMIT_BINS = 3,         /**< "bins": space-time cells, places x steps (emerging, scan cubes; the back-test's
                                  surfaces x cells); default 1e8 */
  SM_LIMIT_PAIRS = 4,        /**< "pairs": near-repeat close pairs, space-time Gi* neighbour links; default 2e8 */
  SM_LIMIT_CIRCLES = 5,      /**< "circles": location entries of the scan's circles; default 2^28 (3 GiB) */
  SM_LIMIT_PERMUTATIONS = 6, /**< "permutations": permutations x units (hotspots), x pairs (nearrepeat),
                                  x space-time links (emerging), x circle entries (scan); default 1e11 */
  SM_LIMIT_MEMORY = 7,       /**< "memory": bytes a run may hold (its points, grids, bands, tables), estimated before
                                  it allocates them; default half the machine's memory (or of the cgroup's limit).
                                  A surface written to a file that would not fit whole is computed and written in
                                  bands of rows that do (`--memory-limit` on the command line). @since 0.4 */
  SM_LIMIT_END_
} sm_limit;

/**
 * Sets the limit of `kind` (0: back to the default). Whole runs larger than the limit are refused before they start.
 * @return SM_OK, or SM_E_INVALID_ARG (unknown kind, negative or non-finite value).
 * @since 0.2
 */
SM_API sm_status sm_ctx_set_limit(sm_ctx *ctx, sm_limit kind, double value);

/** The limit of `kind` in force (the default unless set); NaN for an unknown kind. @since 0.2 */
SM_API double sm_ctx_limit(const sm_ctx *ctx, sm_limit kind);

/** The default limit of `kind`; NaN for an unknown kind. @since 0.2 */
SM_API double sm_limit_default(sm_limit kind);

/** A limit's name ("cells", "units", "steps", "bins", "pairs", "circles", "permutations", "memory"); "?" if unknown.
 *  @since 0.2 */
SM_API const char *sm_limit_name(sm_limit kind);

/**
 * A memory size as people write it: bytes ("8e9", "8000000000"), K, M, G or T, powers of 1024, with or without
 * "iB"/"B" ("512M", "8G", "1.5GiB"), or a share of the machine's memory ("60%": of what the default limit halves,
 * the physical memory or the cgroup's limit). For sm_ctx_set_limit(ctx, SM_LIMIT_MEMORY, bytes).
 * @return SM_OK, or SM_E_INVALID_ARG (not a size > 0, or a share above 100%: the message shows the forms).
 * @since 0.4
 */
SM_API sm_status sm_memory_size_from_text(sm_ctx *ctx, const char *text, double *bytes);

/**
 * The limit named `name` (as sm_limit_name() spells it).
 * @return SM_OK, or SM_E_INVALID_ARG (unknown name: the message lists the names).
 * @since 0.2
 */
SM_API sm_status sm_limit_from_name(sm_ctx *ctx, const char *name, sm_limit *out);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_CONTEXT_H */
