/* safemap info: what is in the data, and what is wrong with it. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const cli_command INFO = {
    "info",
    "POINTS... [--wards W] [options]",
    "Reads incidents and reports what is in them and what is wrong with them:\n"
    "rows read and skipped (by reason, with file:row examples), categories, months,\n"
    "extent, CRS, police.uk facts (month-only dates, snap-point stacking) and, with\n"
    "--wards, counts per area and points outside every area. It writes no file.\n",
    "# what is in the bundled data, and the count per 2024 ward\n"
    "safemap info data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg\n"
    "# only some categories and a period\n"
    "safemap info data/police/camden_burglary --type Burglary --from 2024-01 --to 2024-12\n",
    CLI_G_INPUT | CLI_G_AREAS | CLI_G_STRICT,
    NULL};

static void print_areas(FILE *f, const char *wards, const sm_result *res, const sm_areas *areas) {
  char b1[32];
  sm_layer *A = sm_result_layer_named(res, "areas");
  fprintf(f, "By area (%s: %zu areas, id %s, name %s%s):\n", wards, sm_areas_count(areas), sm_areas_id_field(areas),
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

static void report(const cli_run *r) {
  const sm_result *res = r->result;
  const sm_points *p = r->points;
  sm_ctx *ctx = r->ctx;
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
  if (r->areas) print_areas(f, r->o.wards, res, r->areas);
}

int cmd_info(int argc, char **argv) {
  cli_run r;
  if (!cli_start(&r, &INFO, NULL, CLI_NEEDS_INPUT | CLI_WITH_LABELS, NULL, argc, argv)) return cli_finish(&r);
  int quiet = r.o.quiet;
  r.o.quiet = 1; /* cli_read prints the rows skipped when none is kept: info prints them itself, on stdout */
  int ok = cli_read(&r);
  r.o.quiet = quiet;
  if (ok && cli_write(&r, sm_points_summary_run(r.ctx, &r.result, r.points, r.areas, NULL))) report(&r);
  return cli_finish(&r);
}
