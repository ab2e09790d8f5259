/* safemap count: points per ward, per category and per month. */
#include "cli.h"

#include <string.h>

static const cli_command COUNT = {
    "count",
    "POINTS... --wards W -o OUT.gpkg|OUT.csv [options]",
    "Counts the incidents in each area (ward, LSOA, ...). A point on an edge shared by\n"
    "two areas is counted once, in exactly one of them; points outside every area are\n"
    "counted and reported.\n"
    "\n"
    "OUT.gpkg gets two layers:\n"
    "  ward_counts           the area polygons with area_id, area_name, total, one column\n"
    "                        per category (e.g. burglary), area_km2 and per_km2\n"
    "  ward_counts_by_month  area_id, area_name, month (YYYY-MM), category, count:\n"
    "                        every area x month x category, zeros included\n"
    "plus safemap_metadata (how each layer was made). OUT.csv gets the per-area table\n"
    "and OUT_by_month.csv the long table.\n",
    "# Camden burglary, March 2022 to February 2025, by 2024 ward\n"
    "safemap count data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg -o camden_counts.gpkg\n"
    "ogrinfo camden_counts.gpkg -sql \"SELECT area_name, total FROM ward_counts ORDER BY total DESC LIMIT 5\"\n",
    CLI_G_INPUT | CLI_G_AREAS | CLI_G_OUTPUT | CLI_G_STRICT,
    NULL};

static void summary(const cli_run *r) {
  const sm_result *res = r->result;
  char b1[32], b2[32], b3[32], b4[32];
  fprintf(stderr, "safemap count: %s rows read, %s points kept, %s in %.0f areas, %s outside every area\n",
          cli_num((unsigned long long)sm_result_figure(res, "rows_read"), b1, sizeof b1),
          cli_num((unsigned long long)sm_result_figure(res, "points"), b2, sizeof b2),
          cli_num((unsigned long long)sm_result_figure(res, "points_in_areas"), b3, sizeof b3),
          sm_result_figure(res, "areas"), cli_num((unsigned long long)sm_result_figure(res, "points_outside_areas"), b4, sizeof b4));
  const char *note = sm_result_text(res, "outside_note");
  if (note && *note) fprintf(stderr, "safemap count: %s\n", note);
  if (sm_result_figure(res, "rows_skipped") > 0) cli_print_problems(stderr, r->points, 2);
  cli_wrote(r);
}

int cmd_count(int argc, char **argv) {
  cli_run r;
  if (cli_start(&r, &COUNT, NULL, CLI_NEEDS_INPUT | CLI_NEEDS_WARDS | CLI_NEEDS_OUTPUT, "_by_month", argc, argv) &&
      cli_read(&r) && cli_write(&r, sm_count_run(r.ctx, &r.result, r.points, r.areas, NULL)) && cli_talk(&r))
    summary(&r);
  return cli_finish(&r);
}
