/* safemap forecast: ProMap surfaces and a rolling back-test of ProMap, KDE and last month's counts. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "Usage: safemap forecast POINTS... --backtest [-o TABLE.csv] [options]\n"
    "       safemap forecast POINTS... --at YYYY-MM -o SURFACE.tif|SURFACE.gpkg [options]\n"
    "\n"
    "Prospective hot-spotting by month. --at: the ProMap risk surface for a month from the\n"
    "incidents before it (Bowers, Johnson & Pease; open_cp's weights 1/(1+d) 1/(1+age), d in\n"
    "cells with diagonals the same, d < --space-bandwidth cells, age in whole months <\n"
    "--time-bandwidth); to .gpkg also layer promap_top, the top --coverage cells as polygons\n"
    "with their rank and risk. --backtest: for every month after the first --warmup months, three\n"
    "predictions from the months before it — ProMap, a quartic KDE of the last --kde-months months\n"
    "(--bandwidth metres) and last month's counts — are scored against that month's incidents:\n"
    "hit rate (share of its incidents in the flagged cells), PAI (hit rate / area share) and PEI\n"
    "(PAI / the best possible) at each --coverage (share of the area flagged, highest prediction\n"
    "first, ties with fewer incidents first). One line per month and method on stderr; the table\n"
    "(month, incidents, method, coverage, cells, hit_rate, pai, pei) to -o.\n"
    "\n"
    "Options:\n"
    "  --cell M               grid cell in metres (default 50, ProMap's)\n"
    "  --space-bandwidth N    ProMap: cells (default 8: 400 m at 50 m)\n"
    "  --time-bandwidth N     ProMap: months (default 2: about open_cp's 8 weeks)\n"
    "  --bandwidth M          KDE radius in metres (default 250)\n"
    "  --kde-months N         KDE of the last N months (default 12)\n"
    "  --coverage LIST        shares of the area flagged (default 0.05)\n"
    "  --warmup N             months before the first scored one (default 12)\n"
    "  --wards PATH           the grid covers the wards' extent (default: the points')\n"
    "  -o, --output PATH      .csv (back-test) or .tif (surface)     --overwrite\n"
    "  --type, --from, --to, input options as in 'safemap info'; -j, -q, -v\n"
    "\n"
    "Examples (Camden burglary: back-test from month 13 on; next month's ProMap surface):\n"
    "  safemap forecast data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --backtest -o backtest.csv\n"
    "  safemap forecast data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --at 2025-03 -o promap.tif\n";

static int parse_month(const char *s, int32_t *m) {
  int64_t t;
  sm_time_res r;
  if (!s || sm_time_parse(s, strlen(s), &t, &r)) return -1;
  *m = sm_time_month_index(t);
  return 0;
}

int cmd_forecast(int argc, char **argv) {
  cli_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "forecast";
  if (cli_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  if (o.n_inputs == 0 || (!o.backtest && !o.at)) {
    fprintf(stderr, "safemap forecast: error: %s\nTry 'safemap forecast --help'.\n",
            o.n_inputs == 0 ? "no input given" : "give --backtest or --at YYYY-MM");
    return 1;
  }
  if (o.at && !o.output) {
    fprintf(stderr, "safemap forecast: error: --at needs -o SURFACE.tif\n");
    return 1;
  }
  int32_t at_m = 0;
  if (o.at && parse_month(o.at, &at_m)) {
    fprintf(stderr, "safemap forecast: error: --at '%s' is not a month (YYYY-MM)\n", o.at);
    return 1;
  }
  double cell = 50, bw = o.bandwidth ? strtod(o.bandwidth, NULL) : 250;
  if (o.cell) cell = strtod(o.cell, NULL);
  if (!(cell > 0) || !(bw > 0)) {
    fprintf(stderr, "safemap forecast: error: --cell and --bandwidth need metres > 0\n");
    return 1;
  }
  sm_promap_options po = SM_PROMAP_OPTIONS_INIT;
  po.cell_m = cell, po.time_bandwidth = 2;
  if (o.space_bandwidth) po.space_bandwidth = (int)o.space_bandwidth;
  if (o.time_bandwidth) po.time_bandwidth = (int)o.time_bandwidth;
  int kde_months = o.kde_months ? (int)o.kde_months : 12, warmup = o.warmup ? (int)o.warmup : 12;
  double cov[32];
  size_t ncov = 1;
  cov[0] = 0.05;
  if (o.coverage) {
    ncov = 0;
    const char *p = o.coverage;
    while (*p && ncov < 32) {
      char *end;
      cov[ncov] = strtod(p, &end);
      if (end == p || !(cov[ncov] > 0 && cov[ncov] <= 1)) {
        fprintf(stderr, "safemap forecast: error: --coverage '%s' is not a list of shares in (0, 1]\n", o.coverage);
        return 1;
      }
      ncov++;
      p = *end == ',' ? end + 1 : end;
      if (*end && *end != ',') {
        fprintf(stderr, "safemap forecast: error: --coverage '%s' is not a list of shares in (0, 1]\n", o.coverage);
        return 1;
      }
    }
  }
  o.read.skip_labels = 1;
  sm_ctx *ctx = cli_ctx(&o);
  if (!ctx) return 2;
  sm_write_options wo;
  sm_write_options_init(&wo, SM_WRITE_OPTIONS_VERSION);
  wo.overwrite = o.overwrite;
  sm_points *p = NULL;
  sm_areas *areas = NULL;
  sm_raster *R = NULL;
  sm_layer *T = NULL;
  double *tm = NULL;
  int rc = 0;
  sm_status st = o.output ? sm_write_check(ctx, o.output, &wo) : SM_OK;
  if (!st) st = cli_read_points(&o, ctx, &p);
  if (!st && o.wards) st = cli_read_areas(&o, ctx, p, &areas);
  size_t n = p ? sm_points_count(p) : 0;
  if (!st && sm_points_time_resolution(p) == SM_TIME_NONE) {
    fprintf(stderr, "safemap forecast: error: the incidents have no time: forecasting needs dates or months (--time COL)\n");
    rc = 1;
    goto out;
  }
  if (!st && n < 2) {
    fprintf(stderr, "safemap forecast: error: %zu incident%s: nothing to forecast from\n", n, n == 1 ? "" : "s");
    rc = 1;
    goto out;
  }
  double e[4];
  const double *x = p ? sm_points_x(p) : NULL, *y = p ? sm_points_y(p) : NULL;
  int32_t m0 = INT32_MAX, m1 = INT32_MIN;
  if (!st) {
    if (areas) sm_areas_extent(areas, e);
    else cli_points_extent(p, cell, e);
    tm = malloc(n * sizeof *tm);
    if (!tm) st = SM_E_NOMEM;
    const int64_t *t = sm_points_time(p);
    for (size_t i = 0; !st && i < n; i++) {
      int32_t mi = sm_time_month_index(t[i]);
      tm[i] = mi;
      if (mi < m0) m0 = mi;
      if (mi > m1) m1 = mi;
    }
  }
  if (!st && o.at) {
    st = sm_promap(ctx, &R, n, x, y, tm, at_m, e, sm_points_crs(p), &po);
    size_t len = strlen(o.output);
    int gpkg = len > 5 && !strcmp(o.output + len - 5, ".gpkg");
    if (!st && gpkg) { /* the surface and its top cells (the first --coverage) as polygons */
      size_t W = sm_raster_width(R), H = sm_raster_height(R), C = W * H, top = (size_t)ceil(cov[0] * (double)C);
      const double *v = sm_raster_values(R);
      size_t *ord = malloc(C * sizeof *ord);
      if (!ord) st = SM_E_NOMEM;
      for (size_t q = 0; !st && q < C; q++) ord[q] = q;
      for (size_t a = 0; !st && a < top && a < C; a++) { /* partial selection: highest first, ties by cell */
        size_t b = a;
        for (size_t q = a + 1; q < C; q++)
          if (v[ord[q]] > v[ord[b]] || (v[ord[q]] == v[ord[b]] && ord[q] < ord[b])) b = q;
        size_t tmp = ord[a];
        ord[a] = ord[b], ord[b] = tmp;
      }
      sm_layer *TL = NULL;
      size_t fr, fv;
      if (!st) st = sm_layer_create(ctx, &TL, "promap_top", SM_GEOM_POLYGON, sm_points_crs(p));
      if (!st) st = sm_layer_add_field(ctx, TL, "rank", SM_FIELD_INT64, &fr);
      if (!st) st = sm_layer_add_field(ctx, TL, "risk", SM_FIELD_DOUBLE, &fv);
      double gt[6];
      sm_raster_geotransform(R, gt);
      for (size_t a = 0; !st && a < top && a < C && v[ord[a]] > 0; a++) {
        size_t q = ord[a], col = q % W, row = q / W, rr;
        double x0 = gt[0] + (double)col * gt[1], y1 = gt[3] + (double)row * gt[5], x1 = x0 + gt[1], y0 = y1 + gt[5];
        double ring[10] = {x0, y0, x1, y0, x1, y1, x0, y1, x0, y0};
        unsigned char wkb[13 + 80];
        uint32_t ty = 3, nr = 1, nv = 5;
        wkb[0] = 1;
        memcpy(wkb + 1, &ty, 4), memcpy(wkb + 5, &nr, 4), memcpy(wkb + 9, &nv, 4), memcpy(wkb + 13, ring, 80);
        st = sm_layer_add_feature(ctx, TL, wkb, sizeof wkb, &rr);
        if (!st) st = sm_layer_set_int(ctx, TL, rr, fr, (int64_t)a + 1);
        if (!st) st = sm_layer_set_double(ctx, TL, rr, fv, v[q]);
      }
      char buf[96];
      snprintf(buf, sizeof buf, "the top %g%% of the ProMap cells for %s (risk > 0)", 100 * cov[0], o.at);
      if (!st) st = sm_layer_set_metadata(ctx, TL, "method", buf);
      if (!st) st = sm_raster_set_metadata(ctx, R, "name", "promap");
      const sm_raster *rs[1] = {R};
      if (!st) st = sm_write_geopackage(ctx, o.output, rs, 1, &TL, 1, &wo);
      sm_layer_destroy(TL);
      free(ord);
    } else if (!st) {
      st = sm_write_raster(ctx, o.output, R, &wo);
    }
    if (!st && !o.quiet) {
      cli_clear_progress();
      fprintf(stderr, "safemap forecast: ProMap surface for %s (%zu x %zu cells of %g m) from the incidents before it: wrote %s\n",
              o.at, sm_raster_width(R), sm_raster_height(R), cell, o.output);
    }
    goto done;
  }
  if (!st && m1 - m0 < warmup) {
    fprintf(stderr, "safemap forecast: error: %d months of incidents: the back-test needs more than --warmup %d\n", m1 - m0 + 1, warmup);
    rc = 1;
    goto out;
  }
  /* the back-test */
  if (!st) {
    size_t f[8];
    static const char *const names[8] = {"month", "incidents", "method", "coverage", "cells", "hit_rate", "pai", "pei"};
    static const sm_field_type types[8] = {SM_FIELD_STRING, SM_FIELD_INT64,  SM_FIELD_STRING, SM_FIELD_DOUBLE,
                                           SM_FIELD_INT64,  SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE};
    st = sm_layer_create(ctx, &T, "backtest", SM_GEOM_NONE, NULL);
    for (int i = 0; i < 8 && !st; i++) st = sm_layer_add_field(ctx, T, names[i], types[i], &f[i]);
    if (!o.quiet) fprintf(stderr, "%-8s %9s  %-10s %8s %7s %7s\n", "month", "incidents", "method", "coverage", "hit", "PAI");
    double *px = malloc(n * sizeof *px), *py = malloc(n * sizeof *py), *obs = NULL, *last = NULL;
    if (!px || !py) st = SM_E_NOMEM;
    double sum_hit[3] = {0}, sum_pai[3] = {0};
    int scored = 0;
    for (int32_t m = m0 + warmup; !st && m <= m1; m++) {
      sm_raster *pm = NULL, *kd = NULL;
      st = sm_promap(ctx, &pm, n, x, y, tm, m, e, sm_points_crs(p), &po);
      size_t W = pm ? sm_raster_width(pm) : 0, H = pm ? sm_raster_height(pm) : 0, C = W * H;
      if (!st && !obs) {
        obs = malloc(C * sizeof *obs), last = malloc(C * sizeof *last);
        if (!obs || !last) st = SM_E_NOMEM;
      }
      /* this month's incidents and last month's, per cell; the KDE's incidents */
      size_t k = 0, here = 0;
      if (!st) {
        memset(obs, 0, C * sizeof *obs), memset(last, 0, C * sizeof *last);
        for (size_t i = 0; i < n; i++) {
          double fc = floor((x[i] - e[0]) / cell), fr = floor((y[i] - e[1]) / cell);
          int in = fc >= 0 && fr >= 0 && fc < (double)W && fr < (double)H;
          size_t q = in ? (H - 1 - (size_t)fr) * W + (size_t)fc : 0;
          if (tm[i] == m && in) obs[q] += 1, here++;
          if (tm[i] == m - 1 && in) last[q] += 1;
          if (tm[i] < m && tm[i] >= m - kde_months && in) px[k] = x[i], py[k] = y[i], k++; /* inside the grid */
        }
      }
      if (!st && k > 0) {
        sm_points *kp = NULL;
        st = sm_points_create(ctx, &kp, sm_points_crs(p), k, px, py, NULL, NULL);
        sm_kde_options ko = SM_KDE_OPTIONS_INIT;
        ko.bandwidth_m = bw, ko.bandwidth_rule = SM_BW_FIXED, ko.cell_m = cell, ko.has_extent = 1;
        ko.extent[0] = e[0], ko.extent[1] = e[1], ko.extent[2] = e[0] + (double)W * cell, ko.extent[3] = e[1] + (double)H * cell;
        ko.units = SM_KDE_COUNT;
        if (!st) st = sm_kde(ctx, &kd, kp, &ko, NULL);
        sm_points_destroy(kp);
        if (!st && (sm_raster_width(kd) != W || sm_raster_height(kd) != H))
          st = SM_E_INTERNAL; /* the grids must match cell for cell */
      }
      char ms[24];
      snprintf(ms, sizeof ms, "%04d-%02d", (int)(m / 12), (int)(m % 12 + 1));
      static const char *const meth[3] = {"promap", "kde", "last_month"};
      for (int j = 0; j < 3 && !st; j++) {
        const double *pred = j == 0 ? sm_raster_values(pm) : j == 1 ? (kd ? sm_raster_values(kd) : last) : last;
        sm_hit_rate hr[32];
        st = sm_evaluate_surface(ctx, C, pred, obs, NULL, cov, ncov, hr);
        for (size_t c = 0; c < ncov && !st; c++) {
          size_t row;
          st = sm_layer_add_feature(ctx, T, NULL, 0, &row);
          if (!st) st = sm_layer_set_string(ctx, T, row, f[0], ms);
          if (!st) st = sm_layer_set_int(ctx, T, row, f[1], (int64_t)here);
          if (!st) st = sm_layer_set_string(ctx, T, row, f[2], meth[j]);
          if (!st) st = sm_layer_set_double(ctx, T, row, f[3], cov[c]);
          if (!st) st = sm_layer_set_int(ctx, T, row, f[4], (int64_t)hr[c].cells);
          if (!st && !isnan(hr[c].hit_rate)) st = sm_layer_set_double(ctx, T, row, f[5], hr[c].hit_rate);
          if (!st && !isnan(hr[c].pai)) st = sm_layer_set_double(ctx, T, row, f[6], hr[c].pai);
          if (!st && !isnan(hr[c].pei)) st = sm_layer_set_double(ctx, T, row, f[7], hr[c].pei);
          if (!st && !o.quiet)
            fprintf(stderr, "%-8s %9zu  %-10s %7.1f%% %6.1f%% %7.2f\n", ms, here, meth[j], 100 * cov[c], 100 * hr[c].hit_rate, hr[c].pai);
          if (c == 0 && !isnan(hr[c].pai)) sum_hit[j] += hr[c].hit_rate, sum_pai[j] += hr[c].pai;
        }
      }
      scored += here > 0;
      sm_raster_destroy(pm);
      sm_raster_destroy(kd);
    }
    free(px), free(py), free(obs), free(last);
    if (!st && !o.quiet && scored) {
      fprintf(stderr, "safemap forecast: mean over %d months at %.1f%% coverage: ProMap hit %.1f%% PAI %.2f; KDE hit %.1f%% PAI %.2f; "
                      "last month hit %.1f%% PAI %.2f\n",
              scored, 100 * cov[0], 100 * sum_hit[0] / scored, sum_pai[0] / scored, 100 * sum_hit[1] / scored, sum_pai[1] / scored,
              100 * sum_hit[2] / scored, sum_pai[2] / scored);
    }
    char buf[300];
    snprintf(buf, sizeof buf, "rolling-origin back-test by month: ProMap (%g m cells, < %d cells, < %d months), quartic KDE "
             "(%g m, last %d months), last month's counts; ranked highest first, ties with fewer incidents first",
             cell, po.space_bandwidth, po.time_bandwidth, bw, kde_months);
    if (!st) st = sm_layer_set_metadata(ctx, T, "method", buf);
    if (!st && o.output) st = sm_write_layers(ctx, o.output, &T, 1, &wo);
    if (!st && !o.quiet && o.output) fprintf(stderr, "safemap forecast: wrote %s\n", o.output);
  }
done:
  if (st) rc = cli_fail(&o, ctx, st);
out:
  free(tm);
  sm_layer_destroy(T);
  sm_raster_destroy(R);
  sm_areas_destroy(areas);
  sm_points_destroy(p);
  cli_ctx_done(ctx);
  return rc;
}
