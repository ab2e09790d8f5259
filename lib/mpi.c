/* Ranks of an MPI run: starting MPI, and the few collective steps the pipelines share work with (internal/mpi.h).
 * Built with MPI only when SM_HAVE_MPI is defined; otherwise every context is rank 0 of 1. */
#include "internal/mpi.h"
#include "internal/sm_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef SM_HAVE_MPI
#include <mpi.h>
static MPI_Comm g_comm = MPI_COMM_NULL; /* a copy of MPI_COMM_WORLD: our messages never meet the program's */
static int g_we_started;                /* MPI_Init was ours, so MPI_Finalize is too */
#endif
static int g_rank = 0, g_ranks = 1;

/* The number of ranks an MPI launcher (mpirun, mpiexec, srun) says this process is one of, and the variable that
 * says so; 0 when none does. */
static long launch_ranks(const char **var, const char **value) {
  static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
    const char *v = getenv(vars[i]);
    char *end;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || end == v || n < 1) continue;
    if (var) *var = vars[i];
    if (value) *value = v;
    return n;
  }
  return 0;
}

sm_status sm_mpi_init(int *argc, char ***argv) {
#ifdef SM_HAVE_MPI
  if (g_comm != MPI_COMM_NULL) return SM_OK;
  int inited = 0;
  MPI_Initialized(&inited);
  if (!inited) {
    if (launch_ranks(NULL, NULL) <= 1) return SM_OK; /* one process (no launcher, or one rank): MPI never started */
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return SM_E_DEPENDENCY;
    g_we_started = 1;
  }
  if (MPI_Comm_dup(MPI_COMM_WORLD, &g_comm) != MPI_SUCCESS) return SM_E_DEPENDENCY;
  MPI_Comm_set_errhandler(g_comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(g_comm, &g_rank);
  MPI_Comm_size(g_comm, &g_ranks);
#else
  (void)argc, (void)argv;
#endif
  return SM_OK;
}

void sm_mpi_finalize(void) {
#ifdef SM_HAVE_MPI
  if (g_comm != MPI_COMM_NULL) MPI_Comm_free(&g_comm);
  g_comm = MPI_COMM_NULL;
  if (g_we_started) {
    int fin = 0;
    MPI_Finalized(&fin);
    if (!fin) MPI_Finalize();
    g_we_started = 0;
  }
  g_rank = 0, g_ranks = 1;
#endif
}

void sm__ctx_mpi_attach(sm_ctx *ctx) {
  ctx->rank = g_rank, ctx->ranks = g_ranks;
}

int sm_ctx_rank(const sm_ctx *ctx) { return ctx ? ctx->rank : 0; }
int sm_ctx_ranks(const sm_ctx *ctx) { return ctx && ctx->ranks > 0 ? ctx->ranks : 1; }
int sm__rank(const sm_ctx *ctx) { return sm_ctx_rank(ctx); }
int sm__ranks(const sm_ctx *ctx) { return sm_ctx_ranks(ctx); }

sm_status sm_ctx_check_launch(sm_ctx *ctx) {
  const char *var = NULL, *value = NULL;
  long n = launch_ranks(&var, &value);
  if (n <= 1) return SM_OK;
#ifdef SM_HAVE_MPI
  if (sm__ranks(ctx) == n) return SM_OK;
  if (g_comm == MPI_COMM_NULL)
    return sm__error(ctx, SM_E_UNSUPPORTED, "this process was started as one of %ld ranks (%s=%s), but MPI was not "
                     "started before its context was made: call sm_mpi_init() first", n, var, value);
  return sm__error(ctx, SM_E_UNSUPPORTED,
                   "this process was started as one of %ld ranks (%s=%s), but MPI sees %d: the launcher is not the "
                   "one of the MPI this safemap was built with (%s); start it with that MPI's mpirun, or srun with "
                   "--mpi=pmix", n, var, value, sm__ranks(ctx), sm__mpi_library());
#else
  return sm__error(ctx, SM_E_UNSUPPORTED,
                   "this safemap was built without MPI, but it was started as one of %ld ranks (%s=%s): every rank "
                   "would run the whole command and write the same files. Run it once, without mpirun or srun, or "
                   "use a safemap built with MPI (libopenmpi-dev installed, cmake -DSAFEMAP_MPI=ON)", n, var, value);
#endif
}

const char *sm__mpi_library(void) {
#ifdef SM_HAVE_MPI
  static char v[64];
  if (!v[0]) {
    char full[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    if (MPI_Get_library_version(full, &len) != MPI_SUCCESS) snprintf(full, sizeof full, "MPI");
    size_t k = strcspn(full, ",\n"); /* "Open MPI v4.1.4, package: ..." */
    snprintf(v, sizeof v, "%.*s", (int)(k < sizeof v - 1 ? k : sizeof v - 1), full);
  }
  return v;
#else
  return NULL;
#endif
}

void sm__mpi_block(size_t n, int rank, int ranks, size_t *lo, size_t *hi) {
  size_t R = ranks > 0 ? (size_t)ranks : 1, r = rank >= 0 ? (size_t)rank : 0, q = n / R, m = n % R;
  *lo = r * q + (r < m ? r : m);
  *hi = *lo + q + (r < m);
}

#ifdef SM_HAVE_MPI
static sm_status mpi_failed(sm_ctx *ctx, int rc, const char *what) {
  char s[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, s, &len) != MPI_SUCCESS) snprintf(s, sizeof s, "error %d", rc);
  ctx->mpi_failed = 1;
  return sm__error(ctx, SM_E_DEPENDENCY, "MPI %s failed on rank %d of %d: %s", what, ctx->rank, ctx->ranks, s);
}
#endif

sm_status sm__mpi_agree(sm_ctx *ctx, sm_status st) {
  if (!ctx || ctx->ranks <= 1) return st;
  if (ctx->mpi_failed) return st ? st : ctx->last_status ? ctx->last_status : SM_E_INTERNAL;
#ifdef SM_HAVE_MPI
  int mine = st ? ctx->rank : INT_MAX, first = INT_MAX;
  int rc = MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, g_comm);
  if (rc != MPI_SUCCESS) return mpi_failed(ctx, rc, "agreement");
  if (first == INT_MAX) return SM_OK;
  struct {
    int status;
    char msg[SM_MSG_MAX];
  } m;
  memset(&m, 0, sizeof m);
  if (ctx->rank == first) {
    m.status = (int)st;
    if (first) snprintf(m.msg, sizeof m.msg, "rank %d of %d: %.2000s", first, ctx->ranks, ctx->last_error);
    else snprintf(m.msg, sizeof m.msg, "%s", ctx->last_error);
  }
  rc = MPI_Bcast(&m, (int)sizeof m, MPI_BYTE, first, g_comm);
  ctx->mpi_failed = 1;
  if (rc != MPI_SUCCESS) return mpi_failed(ctx, rc, "agreement");
  return sm__error(ctx, (sm_status)m.status, "%s", m.msg);
#else
  return st;
#endif
}

#ifdef SM_HAVE_MPI
#define SM_MPI_CHUNK ((size_t)1 << 30) /* bytes per message: counts are ints */
#endif

sm_status sm__mpi_share(sm_ctx *ctx, void *data, size_t n, size_t size) {
  return sm__mpi_share_ranges(ctx, data, n, size, NULL);
}

sm_status sm__mpi_share_ranges(sm_ctx *ctx, void *data, size_t n, size_t size, size_t (*range)(size_t n, int rank, int ranks, size_t *hi)) {
  if (!ctx || ctx->ranks <= 1) return SM_OK;
#ifdef SM_HAVE_MPI
  for (int r = 0; r < ctx->ranks; r++) { /* each rank's block from it to every other: an all-gather in place */
    size_t lo, hi;
    if (range) lo = range(n, r, ctx->ranks, &hi);
    else sm__mpi_block(n, r, ctx->ranks, &lo, &hi);
    unsigned char *p = (unsigned char *)data + lo * size;
    for (size_t left = hi > lo ? (hi - lo) * size : 0; left;) {
      size_t k = left < SM_MPI_CHUNK ? left : SM_MPI_CHUNK;
      int rc = MPI_Bcast(p, (int)k, MPI_BYTE, r, g_comm);
      if (rc != MPI_SUCCESS) return mpi_failed(ctx, rc, "gathering the results");
      p += k, left -= k;
    }
  }
#else
  (void)data, (void)n, (void)size, (void)range;
#endif
  return SM_OK;
}

sm_status sm__mpi_sum(sm_ctx *ctx, size_t *v, size_t n) {
  if (!ctx || ctx->ranks <= 1 || !n) return SM_OK;
#ifdef SM_HAVE_MPI
  unsigned long long *a = sm__malloc(2 * n * sizeof *a);
  if (!a) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) a[i] = v[i];
  int rc = MPI_Allreduce(a, a + n, (int)n, MPI_UNSIGNED_LONG_LONG, MPI_SUM, g_comm);
  for (size_t i = 0; rc == MPI_SUCCESS && i < n; i++) v[i] = (size_t)a[n + i];
  sm__free(a);
  if (rc != MPI_SUCCESS) return mpi_failed(ctx, rc, "summing");
#else
  (void)v;
#endif
  return SM_OK;
}

sm_status sm__mpi_min(sm_ctx *ctx, size_t *v) {
  if (!ctx || ctx->ranks <= 1) return SM_OK;
#ifdef SM_HAVE_MPI
  unsigned long long a = *v, b = 0;
  int rc = MPI_Allreduce(&a, &b, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, g_comm);
  if (rc != MPI_SUCCESS) return mpi_failed(ctx, rc, "agreeing on a size");
  *v = (size_t)b;
#endif
  return SM_OK;
}

sm_status sm__mpi_send(sm_ctx *ctx, const double *data, size_t n, int to) {
#ifdef SM_HAVE_MPI
  for (size_t left = n; left;) {
    size_t k = left < SM_MPI_CHUNK / sizeof *data ? left : SM_MPI_CHUNK / sizeof *data;
    int rc = MPI_Send(data, (int)k, MPI_DOUBLE, to, 17, g_comm);
    if (rc != MPI_SUCCESS) return mpi_failed(ctx, rc, "sending a band");
    data += k, left -= k;
  }
  return SM_OK;
#else
  (void)data, (void)n, (void)to;
  return sm__error(ctx, SM_E_INTERNAL, "sm__mpi_send without MPI");
#endif
}

sm_status sm__mpi_recv(sm_ctx *ctx, double *data, size_t n, int from) {
#ifdef SM_HAVE_MPI
  for (size_t left = n; left;) {
    size_t k = left < SM_MPI_CHUNK / sizeof *data ? left : SM_MPI_CHUNK / sizeof *data;
    int rc = MPI_Recv(data, (int)k, MPI_DOUBLE, from, 17, g_comm, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) return mpi_failed(ctx, rc, "receiving a band");
    data += k, left -= k;
  }
  return SM_OK;
#else
  (void)data, (void)n, (void)from;
  return sm__error(ctx, SM_E_INTERNAL, "sm__mpi_recv without MPI");
#endif
}
