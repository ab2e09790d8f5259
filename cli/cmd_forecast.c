/* safemap forecast: prospective surfaces (ProMap, KDE, last month's counts), scoring any surface against a later
 * month's incidents, and a rolling back-test of the three. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "Usage: safemap forecast POINTS... --backtest [-o TABLE.csv] [options]\n"
    "       safemap forecast POINTS... --at YYYY-MM|DATE [--method M] -o SURFACE.tif|SURFACE.gpkg [options]\n"
    "       safemap forecast POINTS... --evaluate SURFACE.tif --at YYYY-MM|DATE [-o TABLE.csv] [options]\n"
    "\n"
    "Prospective hot-spotting by month (--bin month, the default: police.uk's dates) or by week\n"
    "(--bin week, weeks from Monday, for dated incidents), and how good a map is.\n"
    "--at: the risk surface for a month (YYYY-MM) or the week holding a date, from the incidents\n"
    "before it, by --method: promap (default; Bowers, Johnson & Pease; open_cp's weights\n"
    "1/(1+d) 1/(1+age), d in cells with diagonals the same, d < --space-bandwidth cells, age in\n"
    "whole steps < --time-bandwidth), kde (quartic, --bandwidth metres, the last --kde-months\n"
    "months or --kde-weeks weeks) or last-month / last-week (the last step's counts per cell). To\n"
    ".gpkg also layer METHOD_top, the top --coverage cells as polygons with their rank and risk,\n"
    "and, when the step already has incidents, table 'evaluation'.\n"
    "--evaluate: scores any single-band raster in the incidents' CRS (from 'safemap kde', QGIS's\n"
    "heatmap, ...) against the incidents of the --at step (nodata cells are outside the study area).\n"
    "--backtest: for every step after the first --warmup steps, the three predictions from the\n"
    "steps before it are scored against that step's incidents.\n"
    "Scores: hit rate (share of the step's incidents in the flagged cells), PAI (hit rate / area\n"
    "share) and PEI (PAI / the best possible) at each --coverage (share of the area flagged,\n"
    "highest prediction first, ties with fewer incidents first, as R ptools); '--coverage curve'\n"
    "scores every 1% from 1% to 100%. One line per step, method and coverage on stderr (for a\n"
    "curve 1, 5, 10, 20, 50 and 100%); the table (month or week, incidents, method, coverage,\n"
    "cells, area_share, hits, hit_rate, pai, pei) to -o.\n"
    "\n"
    "Options:\n"
    "  --bin B                month (default) | week (needs dates, not police.uk's months)\n"
    "  --method M             promap (default) | kde | last-month | last-week: the --at surface\n"
    "  --cell M               grid cell in metres (default 50, ProMap's)\n"
    "  --space-bandwidth N    ProMap: cells (default 8: 400 m at 50 m)\n"
    "  --time-bandwidth N     ProMap: steps (default 2 months, or 8 weeks: open_cp's)\n"
    "  --bandwidth M          KDE radius in metres (default 250)\n"
    "  --kde-months N         KDE of the last N months (default 12); --kde-weeks N with --bin week (52)\n"
    "  --coverage LIST        shares of the area flagged (default 0.05), or 'curve'\n"
    "  --warmup N             steps before the first scored one (default 12 months, or 52 weeks)\n"
    "  --wards PATH           the grid covers the wards' extent (default: the points')\n"
    "  -o, --output PATH      .csv (tables), .tif or .gpkg (surface)     --overwrite\n"
    "  --type, --from, --to, input options as in 'safemap info'; -j, -q, -v\n"
    "\n"
    "Examples (Camden burglary: back-test from month 13 on; next month's ProMap surface; how well a\n"
    "KDE of the last year flags February 2025's burglaries, as a curve):\n"
    "  safemap forecast data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --backtest -o backtest.csv\n"
    "  safemap forecast data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --at 2025-03 -o promap.gpkg\n"
    "  safemap kde data/police/camden_burglary --to 2025-01 --from 2024-02 --cell 50 --bandwidth 250 -o kde.tif\n"
    "  safemap forecast data/police/camden_burglary --evaluate kde.tif --at 2025-02 --coverage curve -o curve.csv\n";

/* Whole-number floor division. */
static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/* A time's step: its month index, or its week from Monday (1970-01-05 opens week 1). */
static int32_t step_of(int64_t t, int weekly) {
  return weekly ? (int32_t)floor_div(floor_div(t, 86400) + 3, 7) : sm_time_month_index(t);
}

/* A step's label: "YYYY-MM", or the date of its Monday. */
static void step_label(int32_t m, int weekly, char *buf, size_t size) {
  if (weekly) sm_time_format(((int64_t)m * 7 - 3) * 86400, SM_TIME_DAY, buf, size);
  else snprintf(buf, size, "%04d-%02d", (int)floor_div(m, 12), (int)(m - 12 * floor_div(m, 12) + 1));
}

/* --at: a month (YYYY-MM), or with weekly steps a date (the week holding it). */
static int parse_step(const char *s, int weekly, int32_t *m) {
  int64_t t;
  sm_time_res r;
  if (!s || sm_time_parse(s, strlen(s), &t, &r) || (weekly && r < SM_TIME_DAY)) return -1;
  *m = step_of(t, weekly);
  return 0;
}

enum { M_PROMAP, M_KDE, M_LAST };
static const char *const METHOD[2][3] = {{"promap", "kde", "last_month"}, {"promap", "kde", "last_week"}};

/* What every surface needs. */
typedef struct fc_data {
  size_t n;
  const double *x, *y, *tm; /* tm: month index of each incident */
  double e[4], cell, bw;
  int kde_steps, weekly;
  const char *crs;
  sm_promap_options po;
  double *px, *py; /* n scratch */
} fc_data;

/* The surface of `method` for month m from the incidents before it, on ProMap's grid over e. */
static sm_status surface(sm_ctx *ctx, const fc_data *d, int method, int32_t m, sm_raster **out) {
  sm_raster *pm = NULL;
  sm_status st = sm_promap(ctx, &pm, d->n, d->x, d->y, d->tm, m, d->e, d->crs, &d->po);
  if (st || method == M_PROMAP) {
    *out = pm;
    return st;
  }
  size_t W = sm_raster_width(pm), H = sm_raster_height(pm), k = 0;
  sm_raster_destroy(pm);
  double c = d->cell;
  if (method == M_LAST) {
    sm_raster *r = NULL;
    st = sm_raster_create(ctx, &r, W, H, d->e[0], d->e[1] + (double)H * c, c, d->crs);
    double *v = st ? NULL : sm_raster_data(r);
    for (size_t i = 0; !st && i < d->n; i++) {
      double fc = floor((d->x[i] - d->e[0]) / c), fr = floor((d->y[i] - d->e[1]) / c);
      if (d->tm[i] == m - 1 && fc >= 0 && fr >= 0 && fc < (double)W && fr < (double)H) v[(H - 1 - (size_t)fr) * W + (size_t)fc] += 1;
    }
    if (!st) st = sm_raster_set_metadata(ctx, r, "description", d->weekly ? "last week's incidents per cell" : "last month's incidents per cell");
    *out = r;
    return st;
  }
  for (size_t i = 0; i < d->n; i++) { /* the KDE's incidents: the last kde_steps steps, inside the grid */
    double fc = floor((d->x[i] - d->e[0]) / c), fr = floor((d->y[i] - d->e[1]) / c);
    if (d->tm[i] < m && d->tm[i] >= m - d->kde_steps && fc >= 0 && fr >= 0 && fc < (double)W && fr < (double)H)
      d->px[k] = d->x[i], d->py[k] = d->y[i], k++;
  }
  sm_raster *kd = NULL;
  if (k == 0) /* nothing to smooth: a zero surface */
    return sm_raster_create(ctx, out, W, H, d->e[0], d->e[1] + (double)H * c, c, d->crs);
  sm_points *kp = NULL;
  st = sm_points_create(ctx, &kp, d->crs, k, d->px, d->py, NULL, NULL);
  sm_kde_options ko = SM_KDE_OPTIONS_INIT;
  ko.bandwidth_m = d->bw, ko.bandwidth_rule = SM_BW_FIXED, ko.cell_m = c, ko.has_extent = 1;
  ko.extent[0] = d->e[0], ko.extent[1] = d->e[1], ko.extent[2] = d->e[0] + (double)W * c, ko.extent[3] = d->e[1] + (double)H * c;
  ko.units = SM_KDE_COUNT;
  if (!st) st = sm_kde(ctx, &kd, kp, &ko, NULL);
  sm_points_destroy(kp);
  if (!st && (sm_raster_width(kd) != W || sm_raster_height(kd) != H)) st = SM_E_INTERNAL; /* the grids must match */
  if (st) sm_raster_destroy(kd), kd = NULL;
  *out = kd;
  return st;
}

/* The incidents of month m (positions into d->px, d->py); returns how many. */
static size_t month_points(const fc_data *d, int32_t m) {
  size_t k = 0;
  for (size_t i = 0; i < d->n; i++)
    if (d->tm[i] == m) d->px[k] = d->x[i], d->py[k] = d->y[i], k++;
  return k;
}

typedef struct score_table {
  sm_layer *L;
  size_t f[10];
  int curve, quiet, weekly;
} score_table;

static sm_status table_create(sm_ctx *ctx, score_table *t, const char *name) {
  const char *const names[10] = {t->weekly ? "week" : "month", "incidents", "method", "coverage", "cells", "area_share", "hits", "hit_rate", "pai", "pei"};
  static const sm_field_type types[10] = {SM_FIELD_STRING, SM_FIELD_INT64,  SM_FIELD_STRING, SM_FIELD_DOUBLE, SM_FIELD_INT64,
                                          SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE};
  sm_status st = sm_layer_create(ctx, &t->L, name, SM_GEOM_NONE, NULL);
  for (int i = 0; i < 10 && !st; i++) st = sm_layer_add_field(ctx, t->L, names[i], types[i], &t->f[i]);
  if (!st && !t->quiet)
    fprintf(stderr, "%-*s %9s  %-10s %8s %7s %7s\n", t->weekly ? 10 : 8, t->weekly ? "week" : "month", "incidents", "method", "coverage",
            "hit", "PAI");
  return st;
}

/* One scored month and method: a row per coverage, and the printed lines. */
static sm_status table_add(sm_ctx *ctx, score_table *t, const char *month, size_t incidents, const char *method,
                           const sm_hit_rate *hr, size_t ncov) {
  sm_status st = SM_OK;
  for (size_t c = 0; c < ncov && !st; c++) {
    size_t row;
    st = sm_layer_add_feature(ctx, t->L, NULL, 0, &row);
    if (!st) st = sm_layer_set_string(ctx, t->L, row, t->f[0], month);
    if (!st) st = sm_layer_set_int(ctx, t->L, row, t->f[1], (int64_t)incidents);
    if (!st) st = sm_layer_set_string(ctx, t->L, row, t->f[2], method);
    if (!st) st = sm_layer_set_double(ctx, t->L, row, t->f[3], hr[c].coverage);
    if (!st) st = sm_layer_set_int(ctx, t->L, row, t->f[4], (int64_t)hr[c].cells);
    if (!st) st = sm_layer_set_double(ctx, t->L, row, t->f[5], hr[c].area_share);
    if (!st) st = sm_layer_set_double(ctx, t->L, row, t->f[6], hr[c].hits);
    if (!st && !isnan(hr[c].hit_rate)) st = sm_layer_set_double(ctx, t->L, row, t->f[7], hr[c].hit_rate);
    if (!st && !isnan(hr[c].pai)) st = sm_layer_set_double(ctx, t->L, row, t->f[8], hr[c].pai);
    if (!st && !isnan(hr[c].pei)) st = sm_layer_set_double(ctx, t->L, row, t->f[9], hr[c].pei);
    int show = !t->curve || c == 0 || c == 4 || c == 9 || c == 19 || c == 49 || c == 99;
    if (!st && !t->quiet && show)
      fprintf(stderr, "%-*s %9zu  %-10s %7.1f%% %6.1f%% %7.2f\n", t->weekly ? 10 : 8, month, incidents, method, 100 * hr[c].coverage,
              100 * hr[c].hit_rate, hr[c].pai);
  }
  return st;
}

int cmd_forecast(int argc, char **argv) {
  cli_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "forecast";
  if (cli_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  const char *bad = o.n_inputs == 0 ? "no input given"
                    : !o.backtest && !o.at ? "give --backtest, --at YYYY-MM, or --evaluate SURFACE --at YYYY-MM"
                    : o.backtest && (o.at || o.evaluate) ? "--backtest scores every month: it takes no --at or --evaluate"
                    : o.evaluate && o.method ? "--evaluate scores the given surface: it takes no --method"
                    : o.at && !o.evaluate && !o.output ? "--at needs -o SURFACE.tif or SURFACE.gpkg" : NULL;
  if (bad) {
    fprintf(stderr, "safemap forecast: error: %s\nTry 'safemap forecast --help'.\n", bad);
    return 1;
  }
  int weekly = o.bin && !strcmp(o.bin, "week");
  if (o.bin && !weekly && strcmp(o.bin, "month")) {
    fprintf(stderr, "safemap forecast: error: --bin '%s': forecasting steps are month or week\n", o.bin);
    return 1;
  }
  if ((weekly && o.kde_months) || (!weekly && o.kde_weeks)) {
    fprintf(stderr, "safemap forecast: error: %s\n", weekly ? "--kde-months is for monthly steps: with --bin week give --kde-weeks"
                                                            : "--kde-weeks is for --bin week: with monthly steps give --kde-months");
    return 1;
  }
  int method = M_PROMAP;
  if (o.method) {
    if (!strcmp(o.method, "promap")) method = M_PROMAP;
    else if (!strcmp(o.method, "kde")) method = M_KDE;
    else if (!strcmp(o.method, weekly ? "last-week" : "last-month") || !strcmp(o.method, weekly ? "last_week" : "last_month"))
      method = M_LAST;
    else {
      fprintf(stderr, "safemap forecast: error: unknown --method '%s' (promap, kde, %s)\n", o.method, weekly ? "last-week" : "last-month");
      return 1;
    }
  }
  int32_t at_m = 0;
  if (o.at && parse_step(o.at, weekly, &at_m)) {
    fprintf(stderr, "safemap forecast: error: --at '%s' is not a %s\n", o.at, weekly ? "date (YYYY-MM-DD): the week holding it" : "month (YYYY-MM)");
    return 1;
  }
  double cell = 50, bw = o.bandwidth ? strtod(o.bandwidth, NULL) : 250;
  if (o.cell) cell = strtod(o.cell, NULL);
  if (!(cell > 0) || !(bw > 0)) {
    fprintf(stderr, "safemap forecast: error: --cell and --bandwidth need metres > 0\n");
    return 1;
  }
  sm_promap_options po = SM_PROMAP_OPTIONS_INIT;
  po.cell_m = cell, po.time_bandwidth = weekly ? 8 : 2;
  if (o.space_bandwidth) po.space_bandwidth = (int)o.space_bandwidth;
  if (o.time_bandwidth) po.time_bandwidth = (int)o.time_bandwidth;
  int kde_steps = weekly ? (o.kde_weeks ? (int)o.kde_weeks : 52) : (o.kde_months ? (int)o.kde_months : 12);
  int warmup = o.warmup ? (int)o.warmup : weekly ? 52 : 12;
  double cov[100];
  size_t ncov = 1;
  int curve = o.coverage && !strcmp(o.coverage, "curve");
  cov[0] = 0.05;
  if (curve) {
    for (int k = 0; k < 100; k++) cov[k] = (k + 1) / 100.0;
    ncov = 100;
  } else if (o.coverage) {
    ncov = 0;
    const char *p = o.coverage;
    while (*p) {
      char *end;
      double v = strtod(p, &end);
      if (end == p || !(v > 0 && v <= 1) || (*end && *end != ',') || ncov == 100) {
        fprintf(stderr, "safemap forecast: error: --coverage '%s' is not a list of shares in (0, 1] (or 'curve')\n", o.coverage);
        return 1;
      }
      cov[ncov++] = v;
      p = *end == ',' ? end + 1 : end;
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
  score_table tab = {NULL, {0}, curve, o.quiet, weekly};
  fc_data d;
  memset(&d, 0, sizeof d);
  double *tm = NULL;
  int rc = 0;
  sm_status st = o.output ? sm_write_check(ctx, o.output, &wo) : SM_OK;
  if (!st && o.evaluate) st = sm_raster_read(ctx, o.evaluate, 1, &R);
  if (!st) st = cli_read_points(&o, ctx, &p);
  if (!st && o.wards) st = cli_read_areas(&o, ctx, p, &areas);
  size_t n = p ? sm_points_count(p) : 0;
  if (!st && sm_points_time_resolution(p) == SM_TIME_NONE) {
    fprintf(stderr, "safemap forecast: error: the incidents have no time: forecasting needs dates or months (--time COL)\n");
    rc = 1;
    goto out;
  }
  if (!st && weekly && sm_points_time_resolution(p) == SM_TIME_MONTH) {
    fprintf(stderr, "safemap forecast: error: --bin week needs dates, but the incidents' times are months only (police.uk "
                    "publishes months): forecast by month\n");
    rc = 1;
    goto out;
  }
  if (!st && n < 2) {
    fprintf(stderr, "safemap forecast: error: %zu incident%s: nothing to forecast from\n", n, n == 1 ? "" : "s");
    rc = 1;
    goto out;
  }
  int32_t m0 = INT32_MAX, m1 = INT32_MIN;
  if (!st) {
    if (areas) sm_areas_extent(areas, d.e);
    else cli_points_extent(p, cell, d.e);
    tm = malloc(n * sizeof *tm), d.px = malloc(n * sizeof *d.px), d.py = malloc(n * sizeof *d.py);
    if (!tm || !d.px || !d.py) st = SM_E_NOMEM;
    const int64_t *t = sm_points_time(p);
    for (size_t i = 0; !st && i < n; i++) {
      int32_t mi = step_of(t[i], weekly);
      tm[i] = mi;
      if (mi < m0) m0 = mi;
      if (mi > m1) m1 = mi;
    }
    d.n = n, d.x = sm_points_x(p), d.y = sm_points_y(p), d.tm = tm, d.cell = cell, d.bw = bw, d.kde_steps = kde_steps, d.weekly = weekly;
    d.crs = sm_points_crs(p), d.po = po;
  }
  char ms[24];
  if (o.at) step_label(at_m, weekly, ms, sizeof ms);
  if (!st && o.evaluate) { /* any surface against the month's incidents */
    size_t k = month_points(&d, at_m), outside = 0;
    if (k == 0) {
      char a[24], b[24];
      step_label(m0, weekly, a, sizeof a), step_label(m1, weekly, b, sizeof b);
      fprintf(stderr, "safemap forecast: error: no incident in %s%s to score %s against (the incidents run from %s to %s)\n",
              weekly ? "the week of " : "", ms, o.evaluate, a, b);
      rc = 1;
      goto out;
    }
    sm_hit_rate hr[100];
    st = sm_evaluate_raster(ctx, R, k, d.px, d.py, d.crs, cov, ncov, hr, &outside);
    if (!st) st = table_create(ctx, &tab, "evaluation");
    if (!st) st = table_add(ctx, &tab, ms, k - outside, "surface", hr, ncov);
    if (!st && !o.quiet && outside)
      fprintf(stderr, "safemap forecast: %zu of the %zu incidents of %s fall outside the surface or on nodata cells: not counted\n",
              outside, k, ms);
    char buf[1200];
    snprintf(buf, sizeof buf, "%s scored against the incidents of %s; cells ranked highest first, ties with fewer incidents first",
             o.evaluate, ms);
    if (!st) st = sm_layer_set_metadata(ctx, tab.L, "method", buf);
    if (!st && o.output) st = sm_write_layers(ctx, o.output, &tab.L, 1, &wo);
    if (!st && !o.quiet && o.output) fprintf(stderr, "safemap forecast: wrote %s\n", o.output);
    goto done;
  }
  if (!st && o.at) {
    st = surface(ctx, &d, method, at_m, &R);
    if (!st) { /* an all-zero map flags nothing: say why instead of writing it */
      const double *v = sm_raster_values(R);
      size_t C = sm_raster_width(R) * sm_raster_height(R), q = 0;
      while (q < C && v[q] == 0) q++;
      if (q == C) {
        int span = method == M_PROMAP ? po.time_bandwidth : method == M_KDE ? kde_steps : 1;
        const char *u = weekly ? "week" : "month";
        char a[24], b[24];
        step_label(m0, weekly, a, sizeof a), step_label(m1, weekly, b, sizeof b);
        fprintf(stderr, "safemap forecast: error: no incident in the %d %s%s before %s, so the %s surface would be empty "
                        "(the incidents run from %s to %s)\n", span, u, span == 1 ? "" : "s", ms, METHOD[weekly][method], a, b);
        rc = 1;
        goto out;
      }
    }
    size_t len = strlen(o.output), k = month_points(&d, at_m);
    int gpkg = len > 5 && !strcmp(o.output + len - 5, ".gpkg");
    sm_hit_rate hr[100];
    if (!st && k > 0) { /* a month that has happened: how well the surface flags it */
      st = sm_evaluate_raster(ctx, R, k, d.px, d.py, d.crs, cov, ncov, hr, NULL);
      if (!st) st = table_create(ctx, &tab, "evaluation");
      size_t inside = 0;
      for (size_t i = 0; i < k; i++) {
        double fc = floor((d.px[i] - d.e[0]) / cell), fr = floor((d.py[i] - d.e[1]) / cell);
        inside += fc >= 0 && fr >= 0 && fc < (double)sm_raster_width(R) && fr < (double)sm_raster_height(R);
      }
      if (!st) st = table_add(ctx, &tab, ms, inside, METHOD[weekly][method], hr, ncov);
    }
    if (!st) st = sm_raster_set_metadata(ctx, R, "name", METHOD[weekly][method]);
    if (!st && gpkg) { /* the surface, its top cells (the first --coverage) as polygons, the evaluation */
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
      sm_layer *TL[2] = {NULL, tab.L};
      size_t fr, fv;
      char lname[32];
      snprintf(lname, sizeof lname, "%s_top", METHOD[weekly][method]);
      if (!st) st = sm_layer_create(ctx, &TL[0], lname, SM_GEOM_POLYGON, sm_points_crs(p));
      if (!st) st = sm_layer_add_field(ctx, TL[0], "rank", SM_FIELD_INT64, &fr);
      if (!st) st = sm_layer_add_field(ctx, TL[0], "risk", SM_FIELD_DOUBLE, &fv);
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
        st = sm_layer_add_feature(ctx, TL[0], wkb, sizeof wkb, &rr);
        if (!st) st = sm_layer_set_int(ctx, TL[0], rr, fr, (int64_t)a + 1);
        if (!st) st = sm_layer_set_double(ctx, TL[0], rr, fv, v[q]);
      }
      char buf[128];
      snprintf(buf, sizeof buf, "the top %g%% of the %s cells for %s (risk > 0)", 100 * cov[0], METHOD[weekly][method], ms);
      if (!st) st = sm_layer_set_metadata(ctx, TL[0], "method", buf);
      snprintf(buf, sizeof buf, "the %s surface scored against the incidents of %s", METHOD[weekly][method], ms);
      if (!st && tab.L) st = sm_layer_set_metadata(ctx, tab.L, "method", buf);
      const sm_raster *rs[1] = {R};
      if (!st) st = sm_write_geopackage(ctx, o.output, rs, 1, TL, tab.L ? 2 : 1, &wo);
      sm_layer_destroy(TL[0]);
      free(ord);
    } else if (!st) {
      st = sm_write_raster(ctx, o.output, R, &wo);
    }
    if (!st && !o.quiet) {
      cli_clear_progress();
      fprintf(stderr, "safemap forecast: %s surface for %s (%zu x %zu cells of %g m) from the incidents before it%s: wrote %s\n",
              METHOD[weekly][method], ms, sm_raster_width(R), sm_raster_height(R), cell,
              k ? ", scored against its incidents" : "", o.output);
    }
    goto done;
  }
  if (!st && m1 - m0 < warmup) {
    fprintf(stderr, "safemap forecast: error: %d %s of incidents: the back-test needs more than --warmup %d\n", m1 - m0 + 1,
            weekly ? "weeks" : "months", warmup);
    rc = 1;
    goto out;
  }
  /* the back-test */
  if (!st) {
    st = table_create(ctx, &tab, "backtest");
    double sum_hit[3] = {0}, sum_pai[3] = {0};
    int scored = 0;
    for (int32_t m = m0 + warmup; !st && m <= m1; m++) {
      step_label(m, weekly, ms, sizeof ms);
      size_t here = 0;
      for (int j = 0; j < 3 && !st; j++) {
        sm_raster *S = NULL;
        sm_hit_rate hr[100];
        size_t outside = 0;
        st = surface(ctx, &d, j, m, &S);
        size_t k = month_points(&d, m); /* after surface(): it uses the same scratch */
        if (!st) st = sm_evaluate_raster(ctx, S, k, d.px, d.py, d.crs, cov, ncov, hr, &outside);
        here = k - outside;
        if (!st) st = table_add(ctx, &tab, ms, here, METHOD[weekly][j], hr, ncov);
        if (!st && !isnan(hr[0].pai)) sum_hit[j] += hr[0].hit_rate, sum_pai[j] += hr[0].pai;
        sm_raster_destroy(S);
      }
      scored += here > 0;
    }
    if (!st && !o.quiet && scored) {
      fprintf(stderr, "safemap forecast: mean over %d %s at %.1f%% coverage: ProMap hit %.1f%% PAI %.2f; KDE hit %.1f%% PAI %.2f; "
                      "last %s hit %.1f%% PAI %.2f\n",
              scored, weekly ? "weeks" : "months", 100 * cov[0], 100 * sum_hit[0] / scored, sum_pai[0] / scored, 100 * sum_hit[1] / scored, sum_pai[1] / scored,
              weekly ? "week" : "month", 100 * sum_hit[2] / scored, sum_pai[2] / scored);
    }
    char buf[300];
    const char *u = weekly ? "week" : "month";
    snprintf(buf, sizeof buf, "rolling-origin back-test by %s: ProMap (%g m cells, < %d cells, < %d %ss), quartic KDE "
             "(%g m, last %d %ss), last %s's counts; ranked highest first, ties with fewer incidents first",
             u, cell, po.space_bandwidth, po.time_bandwidth, u, bw, kde_steps, u, u);
    if (!st) st = sm_layer_set_metadata(ctx, tab.L, "method", buf);
    if (!st && o.output) st = sm_write_layers(ctx, o.output, &tab.L, 1, &wo);
    if (!st && !o.quiet && o.output) fprintf(stderr, "safemap forecast: wrote %s\n", o.output);
  }
done:
  if (st) rc = cli_fail(&o, ctx, st);
out:
  free(tm), free(d.px), free(d.py);
  sm_layer_destroy(tab.L);
  sm_raster_destroy(R);
  sm_areas_destroy(areas);
  sm_points_destroy(p);
  cli_ctx_done(ctx);
  return rc;
}
