/* safemap info: what is in the data, and what is wrong with it. */
#include "cli.h"
#include "legacy.h" /* TEMPORARY */

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "Usage: safemap info POINTS... [--wards W] [options]\n"
    "\n"
    "Reads incidents and reports what is in them and what is wrong with them:\n"
    "rows read and skipped (by reason, with file:row examples), categories, months,\n"
    "extent, CRS, police.uk facts (month-only dates, snap-point stacking) and, with\n"
    "--wards, counts per area and points outside every area.\n"
    "\n"
    "Options:\n"
    "  --wards PATH           area polygons (any OGR source); --wards-layer, --id-field, --name-field\n"
    "  --layer NAME           layer or table of a GeoPackage/PostGIS points source\n"
    "  --lon COL --lat COL    longitude/latitude columns of a generic CSV\n"
    "  --x COL --y COL        projected columns of a generic CSV (needs --crs)\n"
    "  --crs CRS              CRS of the input coordinates (EPSG:27700, ...)\n"
    "  --analysis-crs CRS     analysis CRS (default EPSG:27700 in Great Britain, else UTM)\n"
    "  --time COL --category COL --weight COL   columns of a generic table\n"
    "  --type LIST            keep these categories (police.uk 'Crime type'), comma-separated\n"
    "  --from DATE --to DATE  keep this period (YYYY-MM or YYYY-MM-DD), inclusive\n"
    "  --extent xmin,ymin,xmax,ymax   keep points inside (analysis-CRS metres)\n"
    "  --strict               stop at the first bad row instead of skipping it\n"
    "  -j, --threads N        threads (0 = all cores)\n"
    "  -q, --quiet            errors only     -v, --verbose   more detail\n"
    "\n"
    "Example (City of London, 2023: 797 rows have no coordinates):\n"
    "  safemap info data/police/city_of_london_2023 --type Burglary,Robbery\n"
    "  safemap info data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg\n";

static void print_areas(FILE *f, const legacy_opts *o, const sm_result *res, const sm_areas *areas) {
  char b1[32];
  sm_layer *A = sm_result_layer_named(res, "areas");
  fprintf(f, "By area (%s: %zu areas, id %s, name %s%s):\n", o->wards, sm_areas_count(areas), sm_areas_id_field(areas),
          sm_areas_name_field(areas)[0] ? sm_areas_name_field(areas) : "-",
          sm_areas_repaired_count(areas) ? ", some polygons repaired" : "");
  for (size_t k = 0; A && k < sm_layer_feature_count(A); k++)
    fprintf(f, "  %-12s %-40s %10s\n", sm_layer_get_string(A, k, 0), sm_layer_get_string(A, k, 1),
            cli_num((unsigned long long)sm_layer_get_int(A, k, 2), b1, sizeof b1));
  fprintf(f, "  %-53s %10s\n", "(outside every area)",
          cli_num((unsigned long long)sm_result_figure(res, "points_outside_areas"), b1, sizeof b1));
  const char *note = sm_result_text(res, "outside_note");
  if (note && *note) fprintf(f, "  %s\n", note);
}

static void print_locations(FILE *f, const sm_result *res, const sm_points *p) {
  char b1[32], b2[32], b3[32];
  double n = sm_result_figure(res, "points"), nl = sm_result_figure(res, "locations");
  const char *note = sm_result_text(res, "stacking_note");
  fprintf(f, "Locations: %s distinct for %s points (%.1f points per location; %s locations hold 2 or more)%s%s\n",
          cli_num((unsigned long long)nl, b1, sizeof b1), cli_num((unsigned long long)n, b2, sizeof b2), n / nl,
          cli_num((unsigned long long)sm_result_figure(res, "stacked_locations"), b3, sizeof b3),
          note && *note ? "\n           " : "", note ? note : "");
  size_t ntop = (size_t)sm_result_figure(res, "top_count");
  if (ntop) fprintf(f, "Most stacked locations:\n");
  const double *x = sm_points_x(p), *y = sm_points_y(p), *lon = sm_points_lon(p), *lat = sm_points_lat(p);
  for (size_t i = 0; i < ntop; i++) {
    char k1[48], k2[48];
    snprintf(k1, sizeof k1, "top_%zu_points", i);
    snprintf(k2, sizeof k2, "top_%zu_point", i);
    size_t tp = (size_t)sm_result_figure(res, k2);
    const char *lab = sm_points_label(p, tp);
    fprintf(f, "  %8zu  %-40s  x %.0f y %.0f", (size_t)sm_result_figure(res, k1), lab ? lab : "", x[tp], y[tp]);
    if (lon) fprintf(f, "  (lon %.6f lat %.6f)", lon[tp], lat[tp]);
    fputc('\n', f);
  }
}

static void print_tables(FILE *f, const sm_result *res) {
  char b1[32];
  sm_layer *C = sm_result_layer_named(res, "categories"), *M = sm_result_layer_named(res, "months");
  if (C && sm_layer_feature_count(C)) fprintf(f, "By category:\n");
  for (size_t i = 0; C && i < sm_layer_feature_count(C); i++)
    fprintf(f, "  %-40s %10s\n", sm_layer_get_string(C, i, 0), cli_num((unsigned long long)sm_layer_get_int(C, i, 1), b1, sizeof b1));
  size_t nm = M ? sm_layer_feature_count(M) : 0;
  if (M) fprintf(f, "By month:\n");
  for (size_t i = 0; i < nm; i++)
    fprintf(f, "  %s %10s%s", sm_layer_get_string(M, i, 0), cli_num((unsigned long long)sm_layer_get_int(M, i, 1), b1, sizeof b1),
            (i % 4 == 3 || i + 1 == nm) ? "\n" : "   ");
}

int cmd_info(int argc, char **argv) {
  legacy_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "info";
  if (legacy_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  if (o.n_inputs == 0) {
    fprintf(stderr, "safemap info: error: no input given\nTry 'safemap info --help'.\n");
    return 1;
  }
  sm_ctx *ctx = legacy_ctx(&o);
  if (!ctx) return 2;
  sm_points *p = NULL;
  sm_areas *areas = NULL;
  sm_result *res = NULL;
  int rc = 0;
  sm_status st = legacy_read_points(&o, ctx, &p);
  if (!st && o.wards) st = legacy_read_areas(&o, ctx, p, &areas);
  if (!st) st = sm_points_summary_run(ctx, &res, p, areas, NULL);
  if (st) {
    rc = legacy_fail(&o, ctx, st);
    goto out;
  }
  char b1[32], b2[32];
  FILE *f = stdout;
  cli_clear_progress();
  fprintf(f, "Sources: %.0f%s\n", sm_result_figure(res, "sources"), sm_result_figure(res, "police_uk") == 1 ? " (police.uk street-level CSV)" : "");
  size_t n = (size_t)sm_result_figure(res, "points");
  fprintf(f, "Rows read: %s    points kept: %s\n", cli_num((unsigned long long)sm_result_figure(res, "rows_read"), b1, sizeof b1),
          cli_num(n, b2, sizeof b2));
  cli_print_problems(f, p, 3);
  char *in_name = NULL, *an_name = NULL;
  sm_crs_describe(ctx, sm_points_input_crs(p), &in_name, NULL);
  sm_crs_describe(ctx, sm_points_crs(p), &an_name, NULL);
  fprintf(f, "CRS: input %s (%s), analysis %s (%s), metres\n", sm_points_input_crs(p), in_name ? in_name : "?",
          sm_points_crs(p), an_name ? an_name : "?");
  sm_free(in_name);
  sm_free(an_name);
  if (n) {
    double x0 = sm_result_figure(res, "xmin"), y0 = sm_result_figure(res, "ymin"), x1 = sm_result_figure(res, "xmax"),
           y1 = sm_result_figure(res, "ymax");
    fprintf(f, "Extent (%s): %.0f %.0f %.0f %.0f  (%.1f x %.1f km)\n", sm_points_crs(p), x0, y0, x1, y1, (x1 - x0) / 1000, (y1 - y0) / 1000);
    if (!isnan(sm_result_figure(res, "lon_min")))
      fprintf(f, "Extent (lon/lat): %.6f %.6f %.6f %.6f\n", sm_result_figure(res, "lon_min"), sm_result_figure(res, "lat_min"),
              sm_result_figure(res, "lon_max"), sm_result_figure(res, "lat_max"));
  }
  const char *t0 = sm_result_text(res, "time_first"), *t1 = sm_result_text(res, "time_last"), *an = sm_result_text(res, "analyses");
  if (!t0 || !*t0) {
    fprintf(f, "Time: none\n");
  } else {
    fprintf(f, "Time: %s .. %s%s%s\n", t0, t1, an && *an ? ", " : "", an ? an : "");
    if (sm_result_figure(res, "untimed") > 0)
      fprintf(f, "      %s points have no time\n", cli_num((unsigned long long)sm_result_figure(res, "untimed"), b1, sizeof b1));
  }
  if (n) print_locations(f, res, p);
  print_tables(f, res);
  if (areas) print_areas(f, &o, res, areas);
out:
  sm_result_destroy(res);
  sm_areas_destroy(areas);
  sm_points_destroy(p);
  legacy_ctx_done(ctx);
  return rc;
}
