/* kde_ranks: a kernel density surface computed by the ranks of an MPI job through the safemap C API.
 *
 *   mpirun -np 4 kde_ranks POINTS OUT.tif     (or ./kde_ranks POINTS OUT.tif: one process)
 *
 * sm_mpi_init() starts MPI when an MPI launcher started the program and the library was built with MPI (else it
 * does nothing). Every rank then makes the same calls: each reads the points, the rows of the surface are shared
 * out (in bands, as large as the memory limit allows, when the grid is too large to hold), and rank 0 writes the
 * GeoTIFF, byte-identical to one process's. Only rank 0 prints; an error on any rank reaches every rank. */
#include <safemap.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (sm_mpi_init(&argc, &argv) != SM_OK) return 2;
  if (argc < 3) {
    fprintf(stderr, "usage: kde_ranks POINTS OUT.tif\n");
    sm_mpi_finalize();
    return 2;
  }
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) != SM_OK) return 2;
  sm_status st = sm_ctx_check_launch(ctx); /* several ranks, but this library without MPI: refused */
  sm_points *points = NULL;
  sm_result *res = NULL;
  const char *sources[] = {argv[1]};
  if (!st) st = sm_points_read(ctx, &points, sources, 1, NULL);
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  sm_kde_run_options o = SM_KDE_RUN_OPTIONS_INIT;
  o.surface.bandwidth_m = 250, o.surface.cell_m = 25;
  o.output = argv[2], o.write = &wo; /* the run writes the surface itself: whole, or band by band */
  if (!st) st = sm_kde_run(ctx, &res, points, NULL, &o);
  if (sm_ctx_rank(ctx) == 0) {
    if (st)
      fprintf(stderr, "kde_ranks: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
    else
      printf("%d rank(s): a %.0f x %.0f surface in %.0f band(s) written to %s\n", sm_ctx_ranks(ctx),
             sm_result_figure(res, "width"), sm_result_figure(res, "height"), sm_result_figure(res, "bands"), argv[2]);
  }
  sm_result_destroy(res);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  sm_mpi_finalize();
  return st ? 1 : 0;
}
