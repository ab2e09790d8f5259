/* safemap scan: the space-time permutation scan statistic (SaTScan's, Kulldorff 2005). */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "Usage: safemap scan POINTS... --wards W -o OUT.gpkg|OUT.csv [options]\n"
    "       safemap scan POINTS... --grid fishnet --cell M [--wards W] -o OUT [options]\n"
    "\n"
    "Space-time permutation scan statistic, as SaTScan's (Kulldorff et al. 2005): incidents are\n"
    "counted per location (ward or cell centre) and time step (--bin, a month by default);\n"
    "cylinders are circles around each location, growing by the nearest locations up to\n"
    "--max-share of the incidents (and --max-radius metres), over time windows of up to\n"
    "--max-window steps (half the steps by default; --prospective: only windows ending at the\n"
    "last step, for surveillance). A cylinder's expected count comes from the margins (the\n"
    "locations' totals times the steps' totals over all incidents: no population needed); the\n"
    "most likely cluster has the largest Poisson log-likelihood ratio, secondary clusters the\n"
    "largest among circles sharing no location with a better one; p-values from --permutations\n"
    "replications (999 by default, seeded) in which the incidents' times are shuffled.\n"
    "\n"
    "Output: layer 'scan_clusters' (circles: rank, centre, radius_m, locations, start, end,\n"
    "observed, expected, relative_risk, llr, p, recurrence (prospective: 1 / p in steps)).\n"
    "\n"
    "Options:\n"
    "  --wards PATH           the ward polygons: the locations (default) or, with --grid, the study area\n"
    "  --grid G               wards (default with --wards) | fishnet | hexagon; --cell M for cells\n"
    "  --bin B                time step: month (default) | quarter | year | week | day | Nd\n"
    "  --max-share S          a circle holds at most this share of the incidents (default 0.5)\n"
    "  --max-radius M         and reaches at most M metres (default: no limit)\n"
    "  --max-window N         steps (default: half the study period)\n"
    "  --prospective          only windows ending at the last step\n"
    "  --permutations N       Monte Carlo replications (default 999); --seed S\n"
    "  -o, --output PATH      .gpkg or .csv     --overwrite\n"
    "  --type, --from, --to, input options as in 'safemap info'; -j, -q, -v\n"
    "\n"
    "Example (Camden burglary by ward and month, windows of up to 6 months):\n"
    "  safemap scan data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --max-window 6 \\\n"
    "      --permutations 999 --seed 1 -o scan.gpkg\n";

int cmd_scan(int argc, char **argv) {
  cli_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "scan";
  if (cli_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  int hexagons, wards_units;
  if (cli_grid_choice(&o, &hexagons, &wards_units)) return 1;
  const char *missing = o.n_inputs == 0 ? "no input given" : !o.output ? "-o/--output is required"
                        : !o.wards && !o.grid ? "give --wards or --grid fishnet --cell M"
                        : !wards_units && !o.cell ? "--cell is required (cell size in metres)" : NULL;
  if (missing) {
    fprintf(stderr, "safemap scan: error: %s\nTry 'safemap scan --help'.\n", missing);
    return 1;
  }
  double cell = o.cell ? strtod(o.cell, NULL) : 0;
  if (!wards_units && !(cell > 0)) {
    fprintf(stderr, "safemap scan: error: --cell needs metres > 0, not '%s'\n", o.cell);
    return 1;
  }
  sm_bins bins;
  if (sm_bins_parse(o.bin ? o.bin : "month", &bins)) {
    fprintf(stderr, "safemap scan: error: --bin '%s' is not month, quarter, year, week, day or Nd\n", o.bin);
    return 1;
  }
  sm_scan_options so = SM_SCAN_OPTIONS_INIT;
  if (o.max_share) so.max_share = o.max_share;
  if (o.max_radius) so.max_radius_m = o.max_radius;
  if (o.max_window) so.max_window = (size_t)o.max_window;
  so.prospective = o.prospective;
  if (o.permutations) so.permutations = (unsigned)o.permutations;
  double extent[4];
  int has_extent = o.read.has_extent;
  if (has_extent) memcpy(extent, o.read.extent, sizeof extent);
  o.read.has_extent = 0;
  o.read.skip_labels = 1;
  sm_ctx *ctx = cli_ctx(&o);
  if (!ctx) return 2;
  sm_write_options wo;
  sm_write_options_init(&wo, SM_WRITE_OPTIONS_VERSION);
  wo.overwrite = o.overwrite;
  sm_points *p = NULL;
  sm_areas *areas = NULL;
  sm_units *u = NULL;
  sm_cube *cube = NULL;
  sm_scan_result *res = NULL;
  sm_layer *L = NULL;
  int32_t *at = NULL;
  double *lx = NULL, *ly = NULL;
  int rc = 0;
  size_t n_units = 0, nl = 0, T = 0;
  sm_status st = sm_write_check(ctx, o.output, &wo);
  if (!st) st = cli_read_points(&o, ctx, &p);
  if (!st && o.wards) st = cli_read_areas(&o, ctx, p, &areas);
  if (!st)
    st = cli_locations(&o, ctx, p, areas, wards_units, hexagons, cell, has_extent ? extent : NULL, &u, &n_units, &at, NULL);
  if (!st) st = sm_cube_create(ctx, &cube, p, at, n_units, &bins);
  if (!st) {
    nl = sm_cube_locations(cube), T = sm_cube_steps(cube);
    if (so.max_window > T) {
      fprintf(stderr, "safemap scan: error: --max-window %zu steps is longer than the study period (%zu steps of a %s)\n",
              so.max_window, T, sm_bin_unit_str(bins.unit));
      rc = 1;
      goto out;
    }
    lx = malloc(nl * sizeof *lx), ly = malloc(nl * sizeof *ly);
    if (!lx || !ly) st = SM_E_NOMEM;
    for (size_t l = 0; !st && l < nl; l++) {
      size_t un = sm_cube_unit(cube, l);
      if (wards_units) {
        if (!sm_areas_centroid(areas, un, &lx[l], &ly[l])) {
          fprintf(stderr, "safemap scan: error: %s: ward %s has no geometry, so no centroid\n", o.wards, sm_areas_id(areas, un));
          rc = 1;
          goto out;
        }
      } else {
        lx[l] = sm_units_x(u)[un], ly[l] = sm_units_y(u)[un];
      }
    }
  }
  if (!st) st = sm_scan(ctx, nl, lx, ly, T, sm_cube_counts(cube), &so, &res);
  if (!st) {
    sm_time_res fr = bins.unit == SM_BIN_MONTH || bins.unit == SM_BIN_QUARTER || bins.unit == SM_BIN_YEAR ? SM_TIME_MONTH : SM_TIME_DAY;
    size_t f[12];
    static const char *const names[12] = {"rank", "centre", "radius_m", "locations", "start", "end", "observed", "expected",
                                          "relative_risk", "llr", "p", "recurrence"};
    static const sm_field_type types[12] = {SM_FIELD_INT64, SM_FIELD_STRING, SM_FIELD_DOUBLE, SM_FIELD_INT64,
                                            SM_FIELD_STRING, SM_FIELD_STRING, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                            SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE};
    st = sm_layer_create(ctx, &L, "scan_clusters", SM_GEOM_POLYGON, sm_points_crs(p));
    for (int i = 0; i < 12 && !st; i++) st = sm_layer_add_field(ctx, L, names[i], types[i], &f[i]);
    for (size_t c = 0; c < res->n_clusters && !st; c++) {
      const sm_scan_cluster *k = &res->clusters[c];
      enum { NV = 65 };
      unsigned char wkb[9 + 4 + NV * 16];
      uint32_t one = 1, ty = 3, nr = 1, nv = NV;
      wkb[0] = 1;
      memcpy(wkb + 1, &ty, 4), memcpy(wkb + 5, &nr, 4), memcpy(wkb + 9, &nv, 4);
      (void)one;
      double rad = k->radius_m > 0 ? k->radius_m : (wards_units ? 50 : cell / 2);
      for (int v = 0; v < NV; v++) {
        double a = 2 * 3.14159265358979323846 * (v % (NV - 1)) / (NV - 1);
        double px = lx[k->centre] + rad * cos(a), py = ly[k->centre] + rad * sin(a);
        memcpy(wkb + 13 + 16 * v, &px, 8), memcpy(wkb + 13 + 16 * v + 8, &py, 8);
      }
      size_t row;
      char cs[64], a[32], b[32];
      size_t un = sm_cube_unit(cube, k->centre);
      if (wards_units) snprintf(cs, sizeof cs, "%s", sm_areas_id(areas, un));
      else snprintf(cs, sizeof cs, "cell %zu", un);
      sm_time_format(sm_cube_step_start(cube, k->t_start), fr, a, sizeof a);
      sm_time_format(sm_cube_step_start(cube, k->t_end), fr, b, sizeof b);
      st = sm_layer_add_feature(ctx, L, wkb, sizeof wkb, &row);
      if (!st) st = sm_layer_set_int(ctx, L, row, f[0], (int64_t)c + 1);
      if (!st) st = sm_layer_set_string(ctx, L, row, f[1], cs);
      if (!st) st = sm_layer_set_double(ctx, L, row, f[2], k->radius_m);
      if (!st) st = sm_layer_set_int(ctx, L, row, f[3], (int64_t)k->locations);
      if (!st) st = sm_layer_set_string(ctx, L, row, f[4], a);
      if (!st) st = sm_layer_set_string(ctx, L, row, f[5], b);
      if (!st) st = sm_layer_set_double(ctx, L, row, f[6], k->observed);
      if (!st) st = sm_layer_set_double(ctx, L, row, f[7], k->expected);
      if (!st) st = sm_layer_set_double(ctx, L, row, f[8], k->observed / k->expected);
      if (!st) st = sm_layer_set_double(ctx, L, row, f[9], k->llr);
      if (!st && !isnan(k->p)) st = sm_layer_set_double(ctx, L, row, f[10], k->p);
      if (!st && so.prospective && !isnan(k->p)) st = sm_layer_set_double(ctx, L, row, f[11], 1.0 / k->p);
    }
    char buf[320];
    snprintf(buf, sizeof buf, "space-time permutation scan (Kulldorff 2005): %zu locations x %zu steps of a %s; circles up to %g of the "
             "incidents%s, windows up to %zu steps%s; %u replications of the case times, seed %llu",
             nl, T, sm_bin_unit_str(bins.unit), so.max_share, so.max_radius_m > 0 ? " and the radius" : "",
             so.max_window ? so.max_window : (T + 1) / 2, so.prospective ? ", ending at the last step" : "", so.permutations,
             (unsigned long long)o.seed);
    if (!st) st = sm_layer_set_metadata(ctx, L, "method", buf);
  }
  if (!st) st = sm_write_layers(ctx, o.output, &L, 1, &wo);
  if (st) {
    rc = cli_fail(&o, ctx, st);
  } else if (!o.quiet) {
    cli_clear_progress();
    fprintf(stderr, "safemap scan: %zu locations with an incident, %zu steps, %.0f incidents, %u replications\n", nl, T, res->total,
            so.permutations);
    for (size_t c = 0; c < res->n_clusters && c < 5; c++) {
      const sm_scan_cluster *k = &res->clusters[c];
      char a[32], b[32];
      sm_time_res fr = bins.unit == SM_BIN_MONTH || bins.unit == SM_BIN_QUARTER || bins.unit == SM_BIN_YEAR ? SM_TIME_MONTH : SM_TIME_DAY;
      sm_time_format(sm_cube_step_start(cube, k->t_start), fr, a, sizeof a);
      sm_time_format(sm_cube_step_start(cube, k->t_end), fr, b, sizeof b);
      fprintf(stderr, "safemap scan: %s cluster: %zu location%s within %.0f m of %s, %s to %s: %.0f observed, %.1f expected (%.2fx), LLR %.2f, p %.3g\n",
              c ? "secondary" : "most likely", k->locations, k->locations == 1 ? "" : "s", k->radius_m,
              wards_units ? sm_areas_name(areas, sm_cube_unit(cube, k->centre)) : "a cell", a, b, k->observed, k->expected,
              k->observed / k->expected, k->llr, k->p);
    }
    fprintf(stderr, "safemap scan: wrote %s\n", o.output);
  }
out:
  free(at), free(lx), free(ly);
  sm_layer_destroy(L);
  sm_scan_result_destroy(res);
  sm_cube_destroy(cube);
  sm_units_destroy(u);
  sm_areas_destroy(areas);
  sm_points_destroy(p);
  cli_ctx_done(ctx);
  return rc;
}
