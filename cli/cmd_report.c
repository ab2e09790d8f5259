/* safemap report: the whole pack (every analysis, the map, the ward plans, one front page) in one folder. */
#include "cli.h"

#include <string.h>

static const cli_command REPORT = {
    "report",
    "POINTS... --wards W -o DIR [--households CSV] [--suppress-below K] [--title TEXT] [options]",
    "The whole monthly pack from a borough's burglaries, in one folder: counts per ward,\n"
    "the kernel density surface and its 50/75/90% hot-spot areas, Gi* and local Moran's\n"
    "I by ward and on an optimised fishnet (cell and band chosen from the data),\n"
    "emerging hot spots by ward (by month, or by quarter when no ward shows a monthly\n"
    "pattern), the near-repeat window (Knox, calendar months), space-time clusters\n"
    "(scan, wards, windows of up to 6 months), next month's ProMap forecast with its top\n"
    "cells merged into areas and the back-test of ProMap, KDE and last month's counts,\n"
    "and the ward plans. Each analysis runs through the library as its own command\n"
    "does. A section the data cannot support says so and why on the front page.\n"
    "\n"
    "DIR/index.html is the front page (a finding per analysis, with its numbers);\n"
    "DIR/map/index.html the map (surface, hot-spot areas, hot cells, emerging wards,\n"
    "ProMap areas; offline); DIR/report.gpkg every layer and surface, each with how it\n"
    "was made; DIR/plans/ the ward plans (a page per ward, plans.gpkg). The folder is\n"
    "made under a temporary name and moved into place when complete: a failed run\n"
    "leaves nothing.\n",
    "# Camden's pack, March 2022 to February 2025\n"
    "safemap report data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg -o camden_report\n"
    "xdg-open camden_report/index.html\n",
    CLI_G_INPUT | CLI_G_AREAS | CLI_G_OUTPUT | CLI_G_SEED | CLI_G_STRICT,
    NULL};

int cmd_report(int argc, char **argv) {
  sm_report_options ro;
  sm_report_options_init(&ro, SM_REPORT_OPTIONS_VERSION);
  cli_opt opts[] = {
      CLI_O_STRING("households", &ro.households, "CSV", "ward code and households per ward, for the plans' rates"),
      CLI_O_UINT("suppress-below", &ro.suppress_below, "K", 0, 1000000,
                 "counts of burglaries below K as \"fewer than K\" in the plans (default 0: none)"),
      CLI_O_STRING("title", &ro.title, "TEXT", "the front page's title (default: Burglary report, FIRST to LAST)"),
      CLI_O_UINT("permutations", &ro.permutations, "N", 1, 1000000,
                 "replications of the near-repeat and scan tests (default 999)"),
      CLI_O_END};
  cli_run r;
  if (!cli_start(&r, &REPORT, opts, CLI_NEEDS_INPUT | CLI_NEEDS_WARDS | CLI_WITH_LABELS | CLI_OUTPUT_IS_DIR, NULL, argc, argv))
    return cli_finish(&r);
  if (!r.o.output) {
    r.rc = cli_usage_error("report", "-o/--output DIR is required (the report's folder)");
    return cli_finish(&r);
  }
  ro.seed = r.o.seed, ro.overwrite = r.o.overwrite;
  if (ro.households) cli_protect(&r, ro.households);
  sm_report_info info;
  if (cli_read(&r)) {
    sm_status st = sm_report_run(r.ctx, r.points, r.areas, r.o.output, &ro, &info);
    if (st) cli_error(&r, st);
    else if (cli_talk(&r)) {
      char b[32];
      fprintf(stderr, "safemap report: %zu sections (%zu found nothing or could not run on this data), %zu layers, %s map "
                      "tiles in %.1f s\n",
              info.sections, info.notes, info.layers, cli_num(info.tiles, b, sizeof b), info.seconds);
      fprintf(stderr, "safemap report: wrote %s; open %s/index.html\n", r.o.output, r.o.output);
    }
  }
  return cli_finish(&r);
}
