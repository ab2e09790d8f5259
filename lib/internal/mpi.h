/* Ranks of an MPI run (lib/mpi.c). Without MPI, or in a process not started by an MPI launcher, a context is
 * rank 0 of 1 and every function here is a no-op that returns at once.
 *
 * The rules that keep the ranks in step (every rank runs the same command on the same contexts):
 *  - a collective call (sm__mpi_agree, sm__mpi_share, sm__mpi_sum, sm__mpi_min) is made by every rank, in the
 *    same order;
 *  - work that may fail on one rank only (reading, allocating, a callback's cancel) is followed by
 *    sm__mpi_agree() before any other collective call: a rank that failed goes straight to its next agree, and
 *    every rank learns there that the run stops, with the message of the first rank that failed;
 *  - once an agree has failed, later agrees on that context return the failure at once without communicating
 *    (every rank took the same branch), so the unwinding paths may agree again freely. Internal. */
#ifndef SM_INTERNAL_MPI_H
#define SM_INTERNAL_MPI_H

#include "safemap.h"

#include <stddef.h>

/* A new context takes the rank and the number of ranks that sm_mpi_init() found. */
void sm__ctx_mpi_attach(sm_ctx *ctx);

/* The MPI library this build uses ("Open MPI v4.1.4"); NULL in a build without MPI. */
const char *sm__mpi_library(void);

/* This context's rank and the number of ranks (0 and 1 without MPI). */
int sm__rank(const sm_ctx *ctx);
int sm__ranks(const sm_ctx *ctx);

/* The block [*lo, *hi) of n items that `rank` of `ranks` takes: contiguous, in rank order, sizes differing by at
 * most one. Ranks beyond n get empty blocks (they idle). */
void sm__mpi_block(size_t n, int rank, int ranks, size_t *lo, size_t *hi);

/* Collective: every rank gives the status of its own work. Returns SM_OK on every rank when every rank succeeded;
 * else, on every rank, the status and message of the lowest rank that failed ("rank R of N: " before the message
 * when that rank is not rank 0, since rank 0 is the one that prints). */
sm_status sm__mpi_agree(sm_ctx *ctx, sm_status st);

/* Collective: `data` holds n items of `size` bytes, each rank having filled its block (sm__mpi_block); afterwards
 * every rank holds all n. Call only after a successful agree. */
sm_status sm__mpi_share(sm_ctx *ctx, void *data, size_t n, size_t size);
/* The same with each rank's items [lo, *hi) given by range() (returning lo) rather than sm__mpi_block. */
sm_status sm__mpi_share_ranges(sm_ctx *ctx, void *data, size_t n, size_t size,
                               size_t (*range)(size_t n, int rank, int ranks, size_t *hi));

/* Collective: v[0..n) summed over the ranks, on every rank (exact: whole numbers). */
sm_status sm__mpi_sum(sm_ctx *ctx, size_t *v, size_t n);
/* Collective: the smallest *v over the ranks, on every rank. */
sm_status sm__mpi_min(sm_ctx *ctx, size_t *v);

/* Point to point, for data that must reach rank 0 in order without being held whole: n doubles from this rank
 * to rank `to`, or from rank `from` into `data`. */
sm_status sm__mpi_send(sm_ctx *ctx, const double *data, size_t n, int to);
sm_status sm__mpi_recv(sm_ctx *ctx, double *data, size_t n, int from);

#endif
