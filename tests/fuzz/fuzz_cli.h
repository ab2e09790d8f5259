/* What the fuzz targets of the command line share: the commands themselves (the CLI's objects are linked
 * in, so the option tables are the real ones), stopped before they read or write anything: the link
 * replaces cli_read and sm_raster_read (-Wl,--wrap, tests/CMakeLists.txt) by refusals, so a command runs
 * its parser, its own checks and the library's options checks, and stops there. Nothing is written: -o is
 * only checked (sm_write_check looks at the directory). The commands print their usage errors to stderr:
 * run libFuzzer with -close_fd_mask=3 (tests/fuzz/README.md). */
#ifndef SM_FUZZ_CLI_H
#define SM_FUZZ_CLI_H

#include "fuzz_common.h"

/* kde keeps its options in file-scope statics: this program has its own copy of the command (renamed),
 * whose statics go back to their first state before each run. */
#define cmd_kde fz_cmd_kde
#include "../../cli/cmd_kde.c"
#undef cmd_kde

int __wrap_cli_read(cli_run *r);
sm_status __wrap_sm_raster_read(sm_ctx *ctx, const char *path, int band, sm_raster **out);
sm_status __wrap_sm_route_run(sm_ctx *ctx, sm_result **out, const char *audit, const sm_route_options *opts);
sm_status __wrap_sm_tiles_file(sm_ctx *ctx, const char *path, const char *layer, int band, const char *out,
                               const sm_tiles_options *opts, const sm_viewer_options *viewer, sm_tiles_info *info);

int __wrap_cli_read(cli_run *r) {
  r->rc = 1;
  return 0;
}

sm_status __wrap_sm_raster_read(sm_ctx *ctx, const char *path, int band, sm_raster **out) {
  (void)ctx, (void)path, (void)band;
  if (out) *out = NULL;
  return SM_E_IO;
}

/* route reads its audit through SpatiaLite, not cli_read: refused the same way */
sm_status __wrap_sm_route_run(sm_ctx *ctx, sm_result **out, const char *audit, const sm_route_options *opts) {
  (void)ctx, (void)audit, (void)opts;
  if (out) *out = NULL;
  return SM_E_IO;
}

/* tiles reads its input through sm_tiles_file, not cli_read: refused the same way */
sm_status __wrap_sm_tiles_file(sm_ctx *ctx, const char *path, const char *layer, int band, const char *out,
                               const sm_tiles_options *opts, const sm_viewer_options *viewer, sm_tiles_info *info) {
  (void)ctx, (void)path, (void)layer, (void)band, (void)out, (void)opts, (void)viewer, (void)info;
  return SM_E_IO;
}

static int fz_kde(int argc, char **argv) {
  static unsigned char first[sizeof A];
  static int saved;
  if (!saved) memcpy(first, &A, sizeof A), saved = 1;
  memcpy(&A, first, sizeof A);
  return fz_cmd_kde(argc, argv);
}

typedef struct fz_command {
  const char *name;
  int (*fn)(int, char **);
} fz_command;

static const fz_command FZ_COMMANDS[] = {{"info", cmd_info},         {"count", cmd_count},           {"kde", fz_kde},
                                         {"hotspots", cmd_hotspots}, {"emerging", cmd_emerging},     {"nearrepeat", cmd_nearrepeat},
                                         {"scan", cmd_scan},         {"forecast", cmd_forecast},     {"audit", cmd_audit},
                                         {"route", cmd_route},       {"tiles", cmd_tiles},           {"plan", cmd_plan},
                                         {"report", cmd_report}};
#define FZ_N_COMMANDS (sizeof FZ_COMMANDS / sizeof FZ_COMMANDS[0])

/* Runs command `cmd` (NULL: by argv[0], else the first) on argv; argv[0] is the command's name. Returns its
 * exit code, which must be 0 (--help) or 1 (a usage error, or the refused read). */
static int fz_run(int argc, char **argv) {
  const fz_command *c = &FZ_COMMANDS[0];
  for (size_t i = 0; i < FZ_N_COMMANDS; i++)
    if (!strcmp(argv[0], FZ_COMMANDS[i].name)) c = &FZ_COMMANDS[i];
  int rc = c->fn(argc, argv);
  if (rc != 0 && rc != 1) {
    fprintf(stderr, "safemap %s: exit code %d without reading anything\n", c->name, rc);
    abort();
  }
  return rc;
}

#endif
