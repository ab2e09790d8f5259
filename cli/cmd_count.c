/* safemap count: points per ward, per category and per month. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "Usage: safemap count POINTS... --wards W -o OUT.gpkg|OUT.csv [options]\n"
    "\n"
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
    "and OUT_by_month.csv the long table.\n"
    "\n"
    "Options:\n"
    "  -o, --output PATH      output .gpkg or .csv (required)\n"
    "  --wards PATH           area polygons (required); --wards-layer NAME, --wards-crs CRS\n"
    "  --id-field F           area id column (default: detected, e.g. WD24CD, GSS_CODE)\n"
    "  --name-field F         area name column (default: detected, e.g. WD24NM, NAME)\n"
    "  --overwrite            replace an existing output\n"
    "  --type LIST --from DATE --to DATE --extent ...   filters, as in 'safemap info'\n"
    "  --layer, --lon/--lat, --x/--y, --crs, --analysis-crs, --time, --category, --weight\n"
    "                         input options, as in 'safemap info'\n"
    "  --strict               stop at the first bad row or invalid polygon\n"
    "  -j, --threads N        threads (0 = all cores)\n"
    "  -q, --quiet            errors only     -v, --verbose   more detail\n"
    "\n"
    "Example (Camden burglary, March 2022 to February 2025, by 2024 ward):\n"
    "  safemap count data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg \\\n"
    "      -o camden_counts.gpkg\n"
    "  ogrinfo camden_counts.gpkg ward_counts -sql \"SELECT area_name, total FROM ward_counts ORDER BY total DESC LIMIT 5\"\n";

int cmd_count(int argc, char **argv) {
  cli_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "count";
  if (cli_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  const char *missing = o.n_inputs == 0 ? "no input given" : !o.wards ? "--wards is required" : !o.output ? "-o/--output is required" : NULL;
  if (missing) {
    fprintf(stderr, "safemap count: error: %s\nTry 'safemap count --help'.\n", missing);
    return 1;
  }
  sm_ctx *ctx = cli_ctx(&o);
  if (!ctx) return 2;
  o.read.skip_labels = 1; /* location labels are for 'info' */
  sm_write_options wo;
  sm_write_options_init(&wo, SM_WRITE_OPTIONS_VERSION);
  wo.overwrite = o.overwrite;
  sm_count_options co;
  sm_count_options_init(&co, SM_COUNT_OPTIONS_VERSION);
  /* OUT.csv's companion: the second layer of the result. */
  int csv;
  char *month_path = cli_companion_csv(o.output, "_by_month", &csv);
  sm_points *p = NULL;
  sm_areas *areas = NULL;
  sm_result *res = NULL;
  /* Fail before the work if the output cannot be written. */
  sm_status st = sm_write_check(ctx, o.output, &wo);
  if (!st && month_path) st = sm_write_check(ctx, month_path, &wo);
  if (!st) st = cli_read_points(&o, ctx, &p);
  if (!st && sm_points_count(p) == 0 && !o.quiet) {
    cli_clear_progress();
    cli_print_problems(stderr, p, 2); /* why nothing is left, before the error */
  }
  if (!st && sm_points_count(p) > 0) st = cli_read_areas(&o, ctx, p, &areas);
  if (!st) st = sm_count_run(ctx, &res, p, areas, &co);
  if (!st) st = sm_result_write(ctx, res, o.output, &wo);
  int rc = 0;
  if (st) {
    rc = cli_fail(&o, ctx, st);
  } else if (!o.quiet) {
    cli_clear_progress();
    char b1[32], b2[32], b3[32], b4[32];
    fprintf(stderr, "safemap count: %s rows read, %s points kept, %s in %.0f areas, %s outside every area\n",
            cli_num((unsigned long long)sm_result_figure(res, "rows_read"), b1, sizeof b1),
            cli_num((unsigned long long)sm_result_figure(res, "points"), b2, sizeof b2),
            cli_num((unsigned long long)sm_result_figure(res, "points_in_areas"), b3, sizeof b3),
            sm_result_figure(res, "areas"), cli_num((unsigned long long)sm_result_figure(res, "points_outside_areas"), b4, sizeof b4));
    const char *note = sm_result_text(res, "outside_note");
    if (note && *note) fprintf(stderr, "safemap count: %s\n", note);
    if (sm_result_figure(res, "rows_skipped") > 0) cli_print_problems(stderr, p, 2);
    fprintf(stderr, "safemap count: wrote %s%s%s\n", o.output, month_path ? " and " : "", month_path ? month_path : "");
  }
  free(month_path);
  sm_result_destroy(res);
  sm_areas_destroy(areas);
  sm_points_destroy(p);
  cli_ctx_done(ctx);
  return rc;
}
