/* burglary_report: the whole pack of a borough's burglaries in one folder (what `safemap report` makes).
 *
 *   burglary_report POINTS WARDS DIR
 *
 * sm_report_run() runs every analysis through the library (counts, KDE, Gi* by ward and on an optimised
 * fishnet, emerging hot spots, near repeats, the scan, ProMap and its back-test, the ward plans) and writes
 * DIR/index.html (a finding per analysis), DIR/report.gpkg, DIR/map/ and DIR/plans.gpkg. */
#include <safemap.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: burglary_report POINTS WARDS DIR\n");
    return 2;
  }
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) != SM_OK) return 2;
  sm_points *points = NULL;
  sm_areas *wards = NULL;
  const char *sources[] = {argv[1]}; /* the location labels ("On or near ...") are read: the plans' streets */
  sm_status st = sm_points_read(ctx, &points, sources, 1, NULL);
  if (!st) st = sm_areas_read(ctx, &wards, argv[2], NULL);
  sm_report_options opts = SM_REPORT_OPTIONS_INIT;
  opts.permutations = 99, opts.seed = 1, opts.overwrite = 1;
  sm_report_info info;
  if (!st) st = sm_report_run(ctx, points, wards, argv[3], &opts, &info);
  if (st)
    fprintf(stderr, "burglary_report: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  else
    printf("%zu sections (%zu found nothing), %zu layers, %zu map tiles in %.1f s; open %s/index.html\n", info.sections,
           info.notes, info.layers, info.tiles, info.seconds, argv[3]);
  sm_areas_destroy(wards);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  return st ? 1 : 0;
}
