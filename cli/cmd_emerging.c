/* safemap emerging: space-time cube, space-time Gi*, Mann-Kendall trends and ArcGIS's emerging hot spot categories. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "Usage: safemap emerging POINTS... --wards W -o OUT.gpkg|OUT.csv [options]\n"
    "       safemap emerging POINTS... --grid fishnet|hexagon --cell M --band M|auto [--wards W] -o OUT [options]\n"
    "\n"
    "Emerging hot spot analysis, as ArcGIS's Create Space Time Cube + Emerging Hot Spot Analysis:\n"
    "the incidents are counted per location (ward, fishnet cell or hexagon) and time step\n"
    "(--bin, a month by default); locations that never had an incident are left out, the others\n"
    "have a count in every step. Each bin gets a Getis-Ord Gi* over its space-time neighbours\n"
    "(the location's neighbours and itself, at the same step and the --time-lag steps before;\n"
    "mean and variance over the whole cube), false discovery rate bins over every bin, and\n"
    "each location a Mann-Kendall trend of its Gi* z series and one of 17 categories:\n"
    "New, Consecutive, Intensifying, Persistent, Diminishing, Sporadic, Oscillating, Historical\n"
    "Hot or Cold Spot, or No Pattern Detected.\n"
    "\n"
    "Output: layer 'emerging' (one polygon per location: unit_id or area_id, count, category,\n"
    "category_code 0..16, hot_steps, cold_steps, percent_hot, percent_cold, final_state,\n"
    "final_run, trend_z, trend_p, trend_tau (of the Gi* z series), count_trend_z, count_trend_p\n"
    "(of the counts), neighbours, simple_category: sfhotspot's Persistent / Emerging / Former /\n"
    "Intermittent Hot or Cold Spot, Mixed or No Pattern, for short series) and table\n"
    "'emerging_bins' (location, step, count, gi_z, gi_p,\n"
    "gi_bin_fdr); with OUT.csv the locations go to OUT.csv and the bins to OUT_bins.csv.\n"
    "\n"
    "Options:\n"
    "  --wards PATH           the ward polygons: the locations (default) or, with --grid, the study area\n"
    "  --grid G               wards (default with --wards) | fishnet | hexagon\n"
    "  --cell M               fishnet cell size, or hexagon centre spacing, in metres\n"
    "  --weights W            queen (default for wards) | rook | band (default for cells; within --band)\n"
    "                         | knn (the --neighbours nearest, default 8)\n"
    "  --band M|auto          distance band in metres between cell centres or ward centroids; auto:\n"
    "                         ArcGIS's Optimized Hot Spot Analysis rule (as hotspots --optimised) on\n"
    "                         each location's total count: the first peak of incremental spatial\n"
    "                         autocorrelation, else the highest, else the mean distance to the k-th\n"
    "                         nearest; printed and kept in the metadata\n"
    "  --bin B                time step: month (default) | quarter | year | week | day | Nd (N days);\n"
    "                         police.uk times are months, so week, day and Nd need dated data\n"
    "  --reference DATE       weeks and N-day steps start on this date (default: Mondays; N days\n"
    "                         ending with the last incident's day, as ArcGIS's END_TIME)\n"
    "  --time-lag K           earlier steps in a bin's neighbourhood (default 1, as ArcGIS)\n"
    "  --rules R              pro (default) | arcmap: ArcMap's Sporadic needs no hot final step\n"
    "  --trend-alpha A        a trend is significant at Mann-Kendall p <= A (default 0.05)\n"
    "  --global-window G      where Gi*'s mean and variance come from: cube (default, every bin) |\n"
    "                         neighbourhood (the bins of the --time-lag window) | step (each step alone)\n"
    "  --permutations N       conditional permutation p-values gi_p_sim (e.g. 199, as sfdep; --seed S),\n"
    "                         and the FDR bins from them instead of the normal p\n"
    "  --extent xmin,ymin,xmax,ymax   fishnet extent (default: the wards' or the points' extent)\n"
    "  -o, --output PATH      .gpkg or .csv     --overwrite\n"
    "  --type, --from, --to, input options as in 'safemap info'; -j, -q, -v\n"
    "\n"
    "It needs at least 10 time steps (ArcGIS's minimum) and refuses steps with no incident\n"
    "anywhere (a gap in the data, not a quiet month: narrow --from/--to or lengthen --bin).\n"
    "\n"
    "Examples (Camden burglary by ward and month; on 250 m cells with a 400 m band by quarter):\n"
    "  safemap emerging data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg -o emerging.gpkg\n"
    "  safemap emerging data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg \\\n"
    "      --grid fishnet --cell 250 --band 400 --bin quarter -o emerging_cells.gpkg\n";

int cmd_emerging(int argc, char **argv) {
  cli_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "emerging";
  if (cli_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  int hexagons, wards_units;
  if (cli_grid_choice(&o, &hexagons, &wards_units)) return 1;
  const char *wt = o.weights ? o.weights : wards_units ? "queen" : "band";
  int contiguity = !strcmp(wt, "queen") || !strcmp(wt, "rook"), knn = !strcmp(wt, "knn");
  if (!contiguity && !knn && strcmp(wt, "band")) {
    fprintf(stderr, "safemap emerging: error: unknown --weights '%s' (queen, rook, band, knn)\n", wt);
    return 1;
  }
  if (!wards_units && contiguity) {
    fprintf(stderr, "safemap emerging: error: --weights %s is for ward locations; cells take band or knn\n", wt);
    return 1;
  }
  if (o.knn && !knn) {
    fprintf(stderr, "safemap emerging: error: --neighbours is for --weights knn\n");
    return 1;
  }
  const char *missing = o.n_inputs == 0 ? "no input given" : !o.output ? "-o/--output is required"
                        : !wards_units && !o.cell ? "--cell is required (cell size in metres)"
                        : !contiguity && !knn && !o.band ? "--band is required (distance band in metres)" : NULL;
  if (missing) {
    fprintf(stderr, "safemap emerging: error: %s\nTry 'safemap emerging --help'.\n", missing);
    return 1;
  }
  if (contiguity && o.band) {
    fprintf(stderr, "safemap emerging: error: --band is for --weights band (not %s contiguity)\n", wt);
    return 1;
  }
  if (wards_units && o.cell) {
    fprintf(stderr, "safemap emerging: error: --cell is for --grid fishnet or hexagon\n");
    return 1;
  }
  char *end;
  double cell = 0, band = 0;
  if (!wards_units) {
    cell = strtod(o.cell, &end);
    if (*end || !(cell > 0)) {
      fprintf(stderr, "safemap emerging: error: --cell needs metres > 0, not '%s'\n", o.cell);
      return 1;
    }
  }
  int band_auto = o.band && !strcmp(o.band, "auto");
  if (o.band) {
    if (knn) {
      fprintf(stderr, "safemap emerging: error: --weights knn takes --neighbours, not --band\n");
      return 1;
    }
    band = band_auto ? 0 : strtod(o.band, &end);
    if (!band_auto && (*end || !(band > 0))) {
      fprintf(stderr, "safemap emerging: error: --band needs metres > 0 or auto, not '%s'\n", o.band);
      return 1;
    }
  }
  sm_bins bins;
  if (sm_bins_parse(o.bin ? o.bin : "month", &bins)) {
    fprintf(stderr, "safemap emerging: error: --bin '%s' is not month, quarter, year, week, day or Nd (e.g. 14d)\n", o.bin);
    return 1;
  }
  if (o.has_reference) {
    if (bins.unit != SM_BIN_WEEK && bins.unit != SM_BIN_DAYS) {
      fprintf(stderr, "safemap emerging: error: --reference sets where weeks or N-day steps start; months, quarters and years are calendar ones\n");
      return 1;
    }
    bins.reference = o.reference;
  }
  sm_ehsa_rules rules = SM_EHSA_PRO;
  if (o.rules && !strcmp(o.rules, "arcmap")) rules = SM_EHSA_ARCMAP;
  else if (o.rules && strcmp(o.rules, "pro")) {
    fprintf(stderr, "safemap emerging: error: --rules '%s' is not pro or arcmap\n", o.rules);
    return 1;
  }
  sm_global_window window = SM_WINDOW_CUBE;
  if (o.global_window && !strcmp(o.global_window, "neighbourhood")) window = SM_WINDOW_NEIGHBOURHOOD;
  else if (o.global_window && !strcmp(o.global_window, "step")) window = SM_WINDOW_STEP;
  else if (o.global_window && strcmp(o.global_window, "cube")) {
    fprintf(stderr, "safemap emerging: error: --global-window '%s' is not cube, neighbourhood or step\n", o.global_window);
    return 1;
  }
  if (window == SM_WINDOW_STEP && o.has_time_lag && o.time_lag > 0) {
    fprintf(stderr, "safemap emerging: error: --global-window step analyses each step alone: no --time-lag\n");
    return 1;
  }
  if (o.permutations && window != SM_WINDOW_CUBE) {
    fprintf(stderr, "safemap emerging: error: --permutations draw from the whole cube: they go with --global-window cube\n");
    return 1;
  }
  size_t lag = window == SM_WINDOW_STEP ? 0 : o.has_time_lag ? (size_t)o.time_lag : 1, k = o.knn ? (size_t)o.knn : 8;
  double alpha = o.trend_alpha > 0 ? o.trend_alpha : 0.05;
  double extent[4];
  int has_extent = o.read.has_extent;
  if (has_extent) memcpy(extent, o.read.extent, sizeof extent);
  o.read.has_extent = 0;
  o.read.skip_labels = 1;
  int csv;
  char *bins_path = cli_companion_csv(o.output, "_bins", &csv);

  sm_ctx *ctx = cli_ctx(&o);
  if (!ctx) {
    free(bins_path);
    return 2;
  }
  sm_write_options wo;
  sm_write_options_init(&wo, SM_WRITE_OPTIONS_VERSION);
  wo.overwrite = o.overwrite;
  sm_points *p = NULL;
  sm_areas *areas = NULL;
  sm_units *u = NULL;
  sm_cube *cube = NULL;
  sm_weights *wall = NULL, *w = NULL;
  sm_layer *LL = NULL, *BL = NULL;
  int32_t *at = NULL;
  unsigned char *keep = NULL;
  double *cxy = NULL, *z = NULL, *pv = NULL, *psim = NULL;
  int *bin = NULL;
  int rc = 0;
  size_t n_units = 0, outside = 0, L = 0, T = 0;
  size_t ncat[17] = {0};
  sm_status st = sm_write_check(ctx, o.output, &wo);
  if (!st && bins_path) st = sm_write_check(ctx, bins_path, &wo);
  if (!st) st = cli_read_points(&o, ctx, &p);
  if (!st && sm_points_count(p) == 0) { /* e.g. every time unparseable: say which rows and why */
    if (!o.quiet) cli_clear_progress();
    cli_print_problems(stderr, p, 3);
    char b[32];
    fprintf(stderr, "safemap emerging: error: no incidents: %s rows read, every one skipped or filtered out\n",
            cli_num(sm_points_rows_read(p), b, sizeof b));
    rc = 1;
    goto out;
  }
  if (!st && !o.quiet && (sm_points_rows_bad(p, SM_BAD_TIME) || sm_points_rows_bad(p, SM_BAD_NO_TIME))) {
    cli_clear_progress(); /* rows without a usable time are left out of every step: show them */
    cli_print_problems(stderr, p, 3);
  }
  if (!st && o.wards) st = cli_read_areas(&o, ctx, p, &areas);
  if (!st)
    st = cli_locations(&o, ctx, p, areas, wards_units, hexagons, cell, has_extent ? extent : NULL, &u, &n_units, &at, &outside);
  if (!st) st = sm_cube_create(ctx, &cube, p, at, n_units, &bins);
  if (!st) {
    L = sm_cube_locations(cube), T = sm_cube_steps(cube);
    sm_time_res fr = bins.unit == SM_BIN_MONTH || bins.unit == SM_BIN_QUARTER || bins.unit == SM_BIN_YEAR ? SM_TIME_MONTH : SM_TIME_DAY;
    char a[32], b[32];
    sm_time_format(sm_cube_step_start(cube, 0), fr, a, sizeof a);
    sm_time_format(sm_cube_step_start(cube, T - 1), fr, b, sizeof b);
    if (T < 10) {
      fprintf(stderr, "safemap emerging: error: %zu time steps of a %s (%s to %s): emerging hot spot analysis needs at "
                      "least 10 (ArcGIS's minimum); use shorter steps (--bin) or a longer period\n",
              T, sm_bin_unit_str(bins.unit), a, b);
      rc = 1;
      goto out;
    }
    if (sm_cube_empty_steps(cube)) {
      fprintf(stderr, "safemap emerging: error: %zu of the %zu time steps from %s to %s have no incident anywhere:", sm_cube_empty_steps(cube), T, a, b);
      const double *c = sm_cube_counts(cube);
      size_t shown = 0;
      for (size_t t = 0; t < T && shown < 10; t++) {
        int any = 0;
        for (size_t l = 0; l < L && !any; l++) any = c[l * T + t] != 0;
        if (!any) {
          char s[32];
          sm_time_format(sm_cube_step_start(cube, t), fr, s, sizeof s);
          fprintf(stderr, " %s", s), shown++;
        }
      }
      fprintf(stderr, "%s; a gap in the data, not a quiet %s: narrow --from/--to or lengthen --bin\n",
              sm_cube_empty_steps(cube) > shown ? " ..." : "", sm_bin_unit_str(bins.unit));
      rc = 1;
      goto out;
    }
    if (L < 3) {
      fprintf(stderr, "safemap emerging: error: only %zu location%s had an incident: at least 3 are needed\n", L, L == 1 ? "" : "s");
      rc = 1;
      goto out;
    }
    if (!o.quiet)
      fprintf(stderr, "safemap emerging: %zu %s with an incident (of %zu), %zu steps of a %s from %s to %s; %.1f%% of the bins are empty\n",
              L, wards_units ? "wards" : hexagons ? "hexagons" : "cells", n_units, T,
              bins.unit == SM_BIN_DAYS ? (snprintf(b, sizeof b, "%d days", bins.n_days), b) : sm_bin_unit_str(bins.unit), a,
              (sm_time_format(sm_cube_step_start(cube, T - 1), fr, b, sizeof b), b), 100 * sm_cube_sparseness(cube));
  }
  /* the weights among the locations, each its own neighbour (Gi*) */
  if (!st) {
    keep = calloc(n_units ? n_units : 1, 1);
    if (!keep) st = SM_E_NOMEM;
    for (size_t l = 0; !st && l < L; l++) keep[sm_cube_unit(cube, l)] = 1;
  }
  if (!st && wards_units && contiguity) {
    st = sm_weights_contiguity(ctx, &wall, areas, !strcmp(wt, "queen"), 0, 1, 1.0);
    if (!st) st = sm_weights_subset(ctx, &w, wall, keep);
  } else if (!st && wards_units) {
    cxy = malloc(2 * L * sizeof *cxy);
    if (!cxy) st = SM_E_NOMEM;
    for (size_t l = 0; !st && l < L; l++)
      if (!sm_areas_centroid(areas, sm_cube_unit(cube, l), &cxy[l], &cxy[L + l])) {
        fprintf(stderr, "safemap emerging: error: %s: ward %s has no geometry, so no centroid\n", o.wards, sm_areas_id(areas, sm_cube_unit(cube, l)));
        rc = 1;
        goto out;
      }
  } else if (!st) {
    st = sm_units_keep(ctx, u, keep, NULL);
  }
  sm_ohsa_band oband;
  char band_text[1200] = "";
  if (!st && band_auto) { /* the optimised band of the locations' totals over the whole period */
    const double *x = wards_units ? cxy : sm_units_x(u), *y = wards_units ? cxy + L : sm_units_y(u);
    double *tot = calloc(L ? L : 1, sizeof *tot);
    const double *c = sm_cube_counts(cube);
    if (!tot) st = SM_E_NOMEM;
    for (size_t q = 0; !st && q < L * T; q++) tot[q / T] += c[q];
    if (!st) st = sm_optimised_band(ctx, L, x, y, tot, &oband);
    free(tot);
    if (!st) {
      band = oband.band_m;
      cli_optimised_band_text(&oband, band_text, sizeof band_text);
      if (!o.quiet) {
        char t[1200];
        cli_optimised_isa_text(&oband, t, sizeof t);
        fprintf(stderr, "safemap emerging: band auto: incremental spatial autocorrelation over %s\n", t);
        fprintf(stderr, "safemap emerging: band auto: %s\n", band_text);
      }
    }
  }
  if (!st && !contiguity) {
    const double *x = wards_units ? cxy : sm_units_x(u), *y = wards_units ? cxy + L : sm_units_y(u);
    if (knn && k >= L) {
      fprintf(stderr, "safemap emerging: error: --neighbours %zu needs more than %zu locations, not %zu\n", k, k, L);
      rc = 1;
      goto out;
    }
    st = knn ? sm_weights_knn(ctx, &w, L, x, y, k, 1, 1.0) : sm_weights_distance_band(ctx, &w, L, x, y, band, 1, 1.0);
  }
  if (!st) {
    size_t lonely = 0;
    for (size_t l = 0; l < L; l++) lonely += sm_weights_neighbours(w, l) <= 1;
    if (lonely == L) {
      if (contiguity)
        fprintf(stderr, "safemap emerging: error: no location shares a boundary with another (%s contiguity)\n", wt);
      else
        fprintf(stderr, "safemap emerging: error: the band (%g m) is shorter than the distance from every location to its "
                        "nearest: no location has a neighbour\n", band);
      rc = 1;
      goto out;
    }
    if (lonely && !o.quiet) {
      fprintf(stderr, "safemap emerging: warning: %zu locations have no spatial neighbour (only their own past):", lonely);
      size_t shown = 0;
      for (size_t l = 0; l < L && shown < 10; l++)
        if (sm_weights_neighbours(w, l) <= 1) {
          if (wards_units) fprintf(stderr, " %s", sm_areas_id(areas, sm_cube_unit(cube, l)));
          else fprintf(stderr, " %zu", l);
          shown++;
        }
      fprintf(stderr, "%s\n", lonely > shown ? " ..." : "");
    }
  }
  if (!st) {
    z = malloc(L * T * sizeof *z), pv = malloc(L * T * sizeof *pv);
    bin = malloc(L * T * sizeof *bin);
    if (!z || !pv || !bin) st = SM_E_NOMEM;
  }
  const double *cnt = cube ? sm_cube_counts(cube) : NULL;
  sm_mann_kendall overall; /* the trend of the whole cube: total incidents per step */
  memset(&overall, 0, sizeof overall);
  if (!st) {
    double *tot = calloc(T, sizeof *tot);
    if (!tot) st = SM_E_NOMEM;
    for (size_t q = 0; !st && q < L * T; q++) tot[q % T] += cnt[q];
    if (!st) sm_mann_kendall_test(tot, T, &overall);
    free(tot);
  }
  if (!st) st = sm_spacetime_gistar(ctx, w, cnt, L, T, lag, window, z, pv);
  if (!st && o.permutations) { /* significance from the permutations, as sfdep's emerging_hotspot_analysis */
    psim = malloc(L * T * sizeof *psim);
    st = psim ? sm_spacetime_permutations(ctx, w, cnt, L, T, lag, (unsigned)o.permutations, psim) : SM_E_NOMEM;
  }
  if (!st) st = sm_hotspot_bins(ctx, z, psim ? psim : pv, L * T, 1, bin);
  /* the locations' layer */
  if (!st && wards_units) {
    size_t fid, fname;
    st = sm_layer_create(ctx, &LL, "emerging", SM_GEOM_MULTIPOLYGON, sm_areas_crs(areas));
    if (!st) st = sm_layer_add_field(ctx, LL, "area_id", SM_FIELD_STRING, &fid);
    if (!st) st = sm_layer_add_field(ctx, LL, "area_name", SM_FIELD_STRING, &fname);
    for (size_t l = 0; !st && l < L; l++) {
      size_t wkbn, row;
      const unsigned char *wkb = sm_areas_wkb(areas, sm_cube_unit(cube, l), &wkbn);
      st = sm_layer_add_feature(ctx, LL, wkb, wkbn, &row);
      if (!st) st = sm_layer_set_string(ctx, LL, row, fid, sm_areas_id(areas, sm_cube_unit(cube, l)));
      if (!st) st = sm_layer_set_string(ctx, LL, row, fname, sm_areas_name(areas, sm_cube_unit(cube, l)));
    }
  } else if (!st) {
    st = sm_units_layer(ctx, &LL, u, "emerging");
  }
  if (!st) {
    size_t f[16];
    static const char *const names[16] = {"count", "category", "category_code", "hot_steps", "cold_steps",
                                          "percent_hot", "percent_cold", "final_state", "final_run", "trend_z",
                                          "trend_p", "trend_tau", "count_trend_z", "count_trend_p", "neighbours",
                                          "simple_category"};
    static const sm_field_type types[16] = {SM_FIELD_DOUBLE, SM_FIELD_STRING, SM_FIELD_INT64, SM_FIELD_INT64,
                                            SM_FIELD_INT64,  SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_STRING,
                                            SM_FIELD_INT64,  SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                            SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_INT64,  SM_FIELD_STRING};
    for (int i = 0; i < 16 && !st; i++) st = sm_layer_add_field(ctx, LL, names[i], types[i], &f[i]);
    sm_emerging_location *res = malloc((L ? L : 1) * sizeof *res);
    if (!res) st = SM_E_NOMEM;
    if (!st) st = sm_emerging_classify(ctx, z, bin, cnt, L, T, alpha, rules, NULL, res);
    for (size_t l = 0; l < L && !st; l++) {
      const sm_emerging_location *r = &res[l];
      const sm_ehsa_detail *d = &r->detail;
      sm_ehsa_category c = r->category;
      ncat[c]++;
      st = sm_layer_set_double(ctx, LL, l, f[0], r->total);
      if (!st) st = sm_layer_set_string(ctx, LL, l, f[1], sm_ehsa_category_str(c));
      if (!st) st = sm_layer_set_int(ctx, LL, l, f[2], (int64_t)c);
      if (!st) st = sm_layer_set_int(ctx, LL, l, f[3], (int64_t)d->hot);
      if (!st) st = sm_layer_set_int(ctx, LL, l, f[4], (int64_t)d->cold);
      if (!st) st = sm_layer_set_double(ctx, LL, l, f[5], 100.0 * (double)d->hot / (double)T);
      if (!st) st = sm_layer_set_double(ctx, LL, l, f[6], 100.0 * (double)d->cold / (double)T);
      if (!st) st = sm_layer_set_string(ctx, LL, l, f[7], d->final_state > 0 ? "hot" : d->final_state < 0 ? "cold" : "");
      if (!st) st = sm_layer_set_int(ctx, LL, l, f[8], (int64_t)d->final_run);
      if (!st) st = sm_layer_set_double(ctx, LL, l, f[9], r->trend.z);
      if (!st) st = sm_layer_set_double(ctx, LL, l, f[10], r->trend.p);
      if (!st) st = sm_layer_set_double(ctx, LL, l, f[11], r->trend.tau);
      if (!st) st = sm_layer_set_double(ctx, LL, l, f[12], r->count_trend.z);
      if (!st) st = sm_layer_set_double(ctx, LL, l, f[13], r->count_trend.p);
      if (!st) st = sm_layer_set_int(ctx, LL, l, f[14], (int64_t)sm_weights_neighbours(w, l) - 1);
      if (!st) st = sm_layer_set_string(ctx, LL, l, f[15], sm_simple_class_str(r->simple));
    }
    free(res);
  }
  /* the bins' table */
  if (!st) {
    size_t fl, fs, fc, fz, fp, fb;
    sm_time_res fr = bins.unit == SM_BIN_MONTH || bins.unit == SM_BIN_QUARTER || bins.unit == SM_BIN_YEAR ? SM_TIME_MONTH : SM_TIME_DAY;
    st = sm_layer_create(ctx, &BL, "emerging_bins", SM_GEOM_NONE, NULL);
    if (!st) st = sm_layer_add_field(ctx, BL, "location", wards_units ? SM_FIELD_STRING : SM_FIELD_INT64, &fl);
    if (!st) st = sm_layer_add_field(ctx, BL, "step", SM_FIELD_STRING, &fs);
    if (!st) st = sm_layer_add_field(ctx, BL, "count", SM_FIELD_DOUBLE, &fc);
    if (!st) st = sm_layer_add_field(ctx, BL, "gi_z", SM_FIELD_DOUBLE, &fz);
    if (!st) st = sm_layer_add_field(ctx, BL, "gi_p", SM_FIELD_DOUBLE, &fp);
    if (!st) st = sm_layer_add_field(ctx, BL, "gi_bin_fdr", SM_FIELD_INT64, &fb);
    size_t fps = 0;
    if (!st && psim) st = sm_layer_add_field(ctx, BL, "gi_p_sim", SM_FIELD_DOUBLE, &fps);
    char (*steps)[32] = malloc(T * sizeof *steps);
    if (!steps) st = SM_E_NOMEM;
    for (size_t t = 0; !st && t < T; t++) sm_time_format(sm_cube_step_start(cube, t), fr, steps[t], sizeof steps[t]);
    for (size_t l = 0; l < L && !st; l++)
      for (size_t t = 0; t < T && !st; t++) {
        size_t row, q = l * T + t;
        st = sm_layer_add_feature(ctx, BL, NULL, 0, &row);
        if (!st) st = wards_units ? sm_layer_set_string(ctx, BL, row, fl, sm_areas_id(areas, sm_cube_unit(cube, l)))
                                  : sm_layer_set_int(ctx, BL, row, fl, (int64_t)l);
        if (!st) st = sm_layer_set_string(ctx, BL, row, fs, steps[t]);
        if (!st) st = sm_layer_set_double(ctx, BL, row, fc, cnt[q]);
        if (!st && !isnan(z[q])) st = sm_layer_set_double(ctx, BL, row, fz, z[q]);
        if (!st && !isnan(pv[q])) st = sm_layer_set_double(ctx, BL, row, fp, pv[q]);
        if (!st) st = sm_layer_set_int(ctx, BL, row, fb, bin[q]);
        if (!st && psim && !isnan(psim[q])) st = sm_layer_set_double(ctx, BL, row, fps, psim[q]);
      }
    free(steps);
  }
  if (!st) {
    char buf[1700];
    sm_layer *both[2] = {LL, BL};
    for (int i = 0; i < 2 && !st; i++) {
      sm_layer *X = both[i];
      st = sm_layer_set_metadata(ctx, X, "method", "emerging hot spot analysis (ArcGIS Emerging Hot Spot Analysis; REFERENCE.md 1.5): "
                                                   "space-time Gi* with the whole cube as global window, FDR bins over every bin, "
                                                   "Mann-Kendall trend of each location's Gi* z series");
      if (bins.unit == SM_BIN_DAYS) snprintf(buf, sizeof buf, "%d days", bins.n_days);
      else snprintf(buf, sizeof buf, "%s", sm_bin_unit_str(bins.unit));
      if (!st) st = sm_layer_set_metadata(ctx, X, "time_step", buf);
      snprintf(buf, sizeof buf, "%zu locations x %zu steps; %.2f%% of the bins empty; locations without an incident left out", L, T, 100 * sm_cube_sparseness(cube));
      if (!st) st = sm_layer_set_metadata(ctx, X, "cube", buf);
      snprintf(buf, sizeof buf, "%zu (the same location and its neighbours at the %zu step%s before)", lag, lag, lag == 1 ? "" : "s");
      if (!st) st = sm_layer_set_metadata(ctx, X, "time_lag", buf);
      if (!st)
        st = sm_layer_set_metadata(ctx, X, "global_window", window == SM_WINDOW_CUBE ? "the whole cube (ArcGIS ENTIRE_CUBE)"
                                                            : window == SM_WINDOW_STEP ? "each step alone (ArcGIS INDIVIDUAL_TIME_STEP)"
                                                                                       : "the time-lag window's steps (ArcGIS NEIGHBORHOOD_TIME_STEP)");
      if (contiguity) snprintf(buf, sizeof buf, "%s contiguity, each ward its own neighbour", wt);
      else if (knn) snprintf(buf, sizeof buf, "%zu nearest %s, each its own neighbour", k, wards_units ? "ward centroids" : "cells");
      else snprintf(buf, sizeof buf, "binary distance band %g m between %s, each its own neighbour%s%s", band,
                    wards_units ? "ward centroids" : "cell centres", band_auto ? "; --band auto: " : "", band_text);
      if (!st) st = sm_layer_set_metadata(ctx, X, "weights", buf);
      snprintf(buf, sizeof buf, "%s wording; significant = FDR bin at 90%%+; 90%% of the steps = 10 x count >= 9 x steps; trend significant at Mann-Kendall p <= %g",
               rules == SM_EHSA_PRO ? "ArcGIS Pro" : "ArcMap 10.x", alpha);
      if (!st) st = sm_layer_set_metadata(ctx, X, "rules", buf);
      if (!st)
        st = sm_layer_set_metadata(ctx, X, "simple_category", "sfhotspot hotspot_classify classes from the same FDR bins: "
                                                              "hotspot_prop 0.1, persistent_prop 0.8, recent_prop 0.2 (the last "
                                                              "floor(0.2 x steps) steps are recent)");
      snprintf(buf, sizeof buf, "Mann-Kendall of the cube's total per step: S %.0f, z %.3f, p %.3g, tau %.3f", overall.S, overall.z,
               overall.p, overall.tau);
      if (!st) st = sm_layer_set_metadata(ctx, X, "overall_trend", buf);
      if (psim) {
        snprintf(buf, sizeof buf, "%ld conditional permutations over the whole cube, seed %llu; gi_bin_fdr from gi_p_sim", o.permutations,
                 (unsigned long long)o.seed);
        if (!st) st = sm_layer_set_metadata(ctx, X, "permutations", buf);
      }
    }
  }
  if (!st) st = cli_write_two(ctx, o.output, bins_path, LL, BL, &wo);
  if (st) {
    rc = cli_fail(&o, ctx, st);
  } else if (!o.quiet) {
    cli_clear_progress();
    fprintf(stderr, "safemap emerging: %zu locations:", L);
    int first = 1;
    for (int c = 1; c <= 16; c++)
      if (ncat[c]) fprintf(stderr, "%s %zu %s", first ? "" : ",", ncat[c], sm_ehsa_category_str((sm_ehsa_category)c)), first = 0;
    fprintf(stderr, "%s%zu %s\n", first ? " " : ", ", ncat[0], sm_ehsa_category_str(SM_EHSA_NO_PATTERN));
    fprintf(stderr, "safemap emerging: overall trend of the incidents per step: Mann-Kendall z %.2f, p %.3g (%s)\n", overall.z,
            overall.p, overall.p <= alpha ? (overall.z > 0 ? "rising" : "falling") : "no significant trend");
    if (outside) fprintf(stderr, "safemap emerging: %zu incidents outside every %s\n", outside, wards_units ? "ward" : "cell");
    fprintf(stderr, "safemap emerging: wrote %s%s%s\n", o.output, csv ? " and " : "", csv ? bins_path : "");
  }
out:
  free(bins_path), free(at), free(keep), free(cxy), free(z), free(pv), free(psim), free(bin);
  sm_layer_destroy(LL);
  sm_layer_destroy(BL);
  sm_weights_destroy(w);
  sm_weights_destroy(wall);
  sm_cube_destroy(cube);
  sm_units_destroy(u);
  sm_areas_destroy(areas);
  sm_points_destroy(p);
  cli_ctx_done(ctx);
  return rc;
}
