/* safemap kde: kernel density surface to GeoTIFF or GeoPackage. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const cli_command KDE = {
    "kde",
    "POINTS... -o OUT.tif|OUT.gpkg [options]",
    "Kernel density surface of the incidents, with the convention made explicit:\n"
    "each point adds weight x K(d) at every cell centre within reach, K integrating\n"
    "to 1, so the surface integrates to the number of points. Identical coordinates\n"
    "(police.uk snap points) are merged first. Same bits for any thread count.\n"
    "\n"
    "With --wards the wards are the study area: the grid covers them and cells outside\n"
    "them are nodata (points outside still add to the cells within their reach).\n"
    "\n"
    "OUT.tif is a tiled, compressed GeoTIFF with overviews, and OUT.qml beside it its QGIS\n"
    "style; OUT.gpkg gets a Float32 gridded coverage 'kde', plus the layer kde_hotspot_areas\n"
    "with --hotspot-areas (styled for QGIS in the GeoPackage's layer_styles).\n"
    "\n"
    "A surface too large for --memory-limit (default half the machine's memory) is\n"
    "computed and written in bands of rows, each with the points within reach of it:\n"
    "the same values, in the memory of one band (national grids of billions of cells).\n",
    "# Camden burglary, 2024, 250 m quartic radius, 25 m cells\n"
    "safemap kde data/police/camden_burglary --from 2024-01 --to 2024-12 --bandwidth 250 --cell 25 -o camden_kde.tif\n"
    "gdalinfo -stats camden_kde.tif\n"
    "# the surface on the wards with its 50/75/90% hot-spot areas\n"
    "safemap kde data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --hotspot-areas 50,75,90 -o camden_kde.gpkg\n"
    "# this year against last, on one grid and bandwidth\n"
    "safemap kde data/police/camden_burglary --from 2024-03 --to 2025-02 --compare-from 2023-03 --compare-to 2024-02 --dual difference --bandwidth 300 -o camden_change.tif\n"
    "# the surface and its map tiles (camden_map/kde/z/x/y.png)\n"
    "safemap kde data/police/camden_burglary --bandwidth 250 --cell 25 -o camden_kde.tif --tiles camden_map\n"
    "# a national grid in 8 GB: computed and written a band of rows at a time\n"
    "safemap kde police/ --bandwidth 250 --cell 25 --limit cells=6e8 --memory-limit 8G -o england_wales_kde.tif -v\n",
    CLI_G_INPUT | CLI_G_AREAS | CLI_G_OUTPUT | CLI_G_STRICT | CLI_G_RANKS,
    "grid extent in metres (points outside still count within reach)"};

typedef struct percents {
  double v[16];
  size_t n;
} percents;

static struct {
  sm_kde_run_options ro;
  const char *convention, *kernel, *units, *edge, *dual, *compare, *compare_from, *compare_to, *tiles;
  percents hot;
  int float64, cog;
  unsigned band_rows;
} A = {.ro = SM_KDE_RUN_OPTIONS_INIT};

/* --bandwidth: metres, or a rule name (the library's; "fixed" means metres, so it is not one here). */
static int bandwidth(const char *arg, void *dest) {
  sm_kde_options *s = dest;
  if (strcmp(arg, "fixed") && sm_bw_rule_from_name(NULL, arg, &s->bandwidth_rule) == SM_OK) return 0;
  char *end;
  double v = strtod(arg, &end);
  if (!*arg || *end || !isfinite(v)) return 1;
  s->bandwidth_rule = SM_BW_FIXED, s->bandwidth_m = v; /* <= 0: refused by sm_kde_run_options_check */
  return 0;
}

static int percent_list(const char *arg, void *dest) {
  percents *p = dest;
  return cli_numbers(arg, p->v, sizeof p->v / sizeof p->v[0], &p->n);
}

static cli_opt OPTS[] = {
    CLI_O_STRING("convention", &A.convention, "default|arcgis|qgis-raw|qgis-scaled|spatstat",
                 "whose definition to reproduce (default: default):\n"
                 "  default: quartic, points per km2, ArcGIS radius rule, grid = the points'\n"
                 "    extent grown by one bandwidth, 0 away from the points\n"
                 "  arcgis: ArcGIS Pro Kernel Density (grid = points' extent, nodata beyond reach)\n"
                 "  qgis-raw, qgis-scaled: QGIS Heatmap 'Raw' / 'Scaled' (its quartic constant\n"
                 "    included)\n"
                 "  spatstat: density.ppp evaluated exactly; --bandwidth is sigma; per m2"),
    CLI_O_STRING("kernel", &A.kernel, "K", /* the names would be cut in the help's 63-character head */
                 "quartic (default) | epanechnikov | triweight | triangular | uniform | gaussian"),
    CLI_O_CUSTOM("bandwidth", &A.ro.surface, "M|auto|scott|ppl|diggle", "metres > 0 or a rule (auto, scott, ppl, diggle)",
                 bandwidth,
                 "metres (search radius; the standard deviation for gaussian and spatstat),\n"
                 "or auto (ArcGIS spatial Silverman rule, default), scott, ppl (likelihood\n"
                 "cross-validation as spatstat's bw.ppl; at most 50,000 distinct locations)\n"
                 "or diggle (Diggle's MSE rule as spatstat's bw.diggle)"),
    CLI_O_NUMBER("gaussian-cutoff", &A.ro.surface.gaussian_cutoff, "N", 1, 0, CLI_HUGE, 0,
                 "a number of standard deviations >= 1", "gaussian support in standard deviations (default 4; spatstat 8)"),
    CLI_O_FLAG("adaptive", 0, &A.ro.surface.adaptive, "Abramson's square-root law (as sparr): wider kernels where points are sparse"),
    CLI_O_METRES("pilot-bandwidth", &A.ro.surface.pilot_bandwidth_m, "pilot bandwidth of --adaptive (default: the bandwidth)"),
    CLI_O_NUMBER("trim", &A.ro.surface.adaptive_trim, "T", 1, 0, CLI_HUGE, 0, NULL, "cap of the adaptive factor (default 5)"),
    CLI_O_METRES("cell", &A.ro.surface.cell_m, "cell size in metres (default: shorter side of the extent / 250)"),
    CLI_O_STRING("edge", &A.edge, "none|uniform|diggle",
                 "edge correction over the grid's rectangle, as spatstat (default none;\n"
                 "default and spatstat conventions, not with --wards)"),
    CLI_O_STRING("units", &A.units, "per-km2|per-ha|per-m2|count|probability", "the values' units (default: the convention's)"),
    CLI_O_CUSTOM("hotspot-areas", &A.hot, "LIST", "percentages in (0, 100] like 50,75,90", percent_list,
                 "percentages, e.g. 50,75,90: polygons of the smallest area holding that\n"
                 "share of the density (layer kde_hotspot_areas; needs -o OUT.gpkg)"),
    CLI_O_STRING("dual", &A.dual, "difference|ratio|log-ratio",
                 "this surface (A) against a second one (B) on the same grid and\n"
                 "bandwidth (chosen on both sets pooled)"),
    CLI_O_STRING("compare", &A.compare, "SOURCE", "B's points (default: the same inputs)"),
    CLI_O_STRING("compare-from", &A.compare_from, "DATE", "B's period from this month or day (e.g. last year against\n"
                                                           "this year's --from/--to)"),
    CLI_O_STRING("compare-to", &A.compare_to, "DATE", "B's period up to this month or day"),
    CLI_O_FLAG("normalise", 0, &A.ro.normalise, "divide each surface by its total first (relative risk)"),
    CLI_O_NUMBER("epsilon", &A.ro.epsilon, "E", 0, 0, CLI_HUGE, 0, NULL, "ratio regulariser: E x max(B) added to both (default 0)"),
    CLI_O_FLAG("float64", 0, &A.float64, "Float64 cells (default Float32)"),
    CLI_O_FLAG("cog", 0, &A.cog, "Cloud Optimized GeoTIFF"),
    CLI_O_UINT("band-rows", &A.band_rows, "N", 1, 1u << 30,
               "compute and write the surface N rows at a time (default: whole when it\n"
               "fits --memory-limit, else as many rows as fit; the values do not change)"),
    CLI_O_STRING("tiles", &A.tiles, "DIR", "also the map: the surface (DIR/kde/z/x/y.png and value tiles) and\n"
                                           "the hot-spot areas as tiles in DIR with the page DIR/index.html\n"
                                           "(zooms, ramp and classes as safemap tiles' defaults)"),
    CLI_O_END};

/* "unknown --OPT 'NAME' (a, b, c)" with the library's names, for the name lookups that take no ctx. */
static int unknown(const char *opt, const char *arg, const char *(*name)(int), int from, int end) {
  char list[200] = "";
  for (int k = from; k < end; k++)
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k > from ? ", " : "", name(k));
  return cli_usage_error("kde", "unknown --%s '%s' (%s)", opt, arg, list);
}
static const char *conv_name(int k) { return sm_kde_convention_name((sm_kde_convention)k); }
static const char *kernel_name(int k) { return sm_kernel_name((sm_kernel)k); }
static const char *units_name(int k) { return sm_kde_units_name((sm_kde_units)k); }

/* The names into the options, and what the command line alone can tell; 0 after printing the error. */
static int kde_options(cli_run *r) {
  sm_kde_options *s = &A.ro.surface;
  const char *out = r->o.output;
  size_t ol = strlen(out);
  if (ol >= 4 && (!strcmp(out + ol - 4, ".csv") || !strcmp(out + ol - 4, ".CSV"))) {
    r->rc = cli_usage_error("kde", "'%s': write rasters to .tif or .gpkg", out);
    return 0;
  }
  if (A.hot.n && (ol < 5 || strcmp(out + ol - 5, ".gpkg"))) {
    r->rc = cli_usage_error("kde", "hot-spot areas are polygons: write to a GeoPackage (-o OUT.gpkg)");
    return 0;
  }
  if (A.convention && (s->convention = sm_kde_convention_from_name(A.convention)) == SM_KDE_CONVENTION_END_)
    r->rc = unknown("convention", A.convention, conv_name, 0, SM_KDE_CONVENTION_END_);
  else if (A.kernel && (s->kernel = sm_kernel_from_name(A.kernel)) == SM_KERNEL_END_)
    r->rc = unknown("kernel", A.kernel, kernel_name, 0, SM_KERNEL_END_);
  else if (A.units && (s->units = sm_kde_units_from_name(A.units)) == SM_KDE_UNITS_END_)
    r->rc = unknown("units", A.units, units_name, SM_KDE_UNITS_AUTO + 1, SM_KDE_UNITS_END_);
  else if (!A.dual && (A.compare || A.compare_from || A.compare_to || A.ro.normalise || cli_given(OPTS, "epsilon")))
    r->rc = cli_usage_error("kde", "--compare, --compare-from/--compare-to, --normalise and --epsilon go with --dual");
  if (r->rc) return 0;
  sm_status st = A.edge ? sm_kde_edge_from_name(r->ctx, A.edge, &s->edge) : SM_OK;
  if (!st && A.dual) st = sm_kde_dual_op_from_name(r->ctx, A.dual, &A.ro.dual);
  if (r->has_extent) { /* --extent is the grid here, not a filter: points outside reach into it */
    s->has_extent = 1;
    memcpy(s->extent, r->extent, sizeof s->extent);
  }
  A.ro.hotspot_percents = A.hot.v, A.ro.n_hotspot_percents = A.hot.n;
  if (!st) st = sm_kde_run_options_check(r->ctx, &A.ro, r->o.wards != NULL);
  r->wo.float64 = A.float64, r->wo.cog = A.cog;
  /* the run writes the surface itself: in bands of rows when it is too large to hold whole */
  A.ro.output = out, A.ro.write = &r->wo, A.ro.band_rows = A.band_rows, A.ro.keep_surface = A.tiles != NULL;
  cli_protect(r, A.compare); /* read too: -o may not replace it */
  return st ? cli_error(r, st) : 1;
}

/* B of a dual surface: --compare SOURCE, or the same inputs over --compare-from/--compare-to. */
static int read_compare(cli_run *r, sm_points **b) {
  sm_read_options rb = r->o.read;
  if (A.compare_from || A.compare_to) rb.time_from = A.compare_from, rb.time_to = A.compare_to;
  rb.analysis_crs = sm_points_crs(r->points);
  const char *one[1] = {A.compare};
  sm_status st = A.compare ? sm_points_read(r->ctx, b, one, 1, &rb) : sm_points_read(r->ctx, b, r->o.inputs, r->o.n_inputs, &rb);
  return st ? cli_error(r, st) : 1;
}

static void summary(const cli_run *r) {
  const sm_result *res = r->result;
  char b1[32], b2[32];
  fprintf(stderr, "safemap kde: %s points at %s locations, %s kernel, bandwidth %.1f m (%s), reach %.1f m\n",
          cli_num((unsigned long long)sm_result_figure(res, "points"), b1, sizeof b1),
          cli_num((unsigned long long)sm_result_figure(res, "locations"), b2, sizeof b2), sm_result_text(res, "kernel"),
          sm_result_figure(res, "bandwidth_m"), sm_result_text(res, "rule"), sm_result_figure(res, "radius_m"));
  fprintf(stderr, "safemap kde: %.0f x %.0f cells of %.2f m (%s convention); values %.6g .. %.6g %s\n",
          sm_result_figure(res, "width"), sm_result_figure(res, "height"), sm_result_figure(res, "cell_m"),
          sm_result_text(res, "convention"), sm_result_figure(res, "min"), sm_result_figure(res, "max"), sm_result_text(res, "units"));
  unsigned long long bad = 0;
  for (int k = 0; k < SM_BAD_REASON_END_; k++) bad += sm_points_rows_bad(r->points, (sm_bad_reason)k);
  if (bad) cli_print_problems(stderr, r->points, 2);
  for (size_t k = 0; k < (size_t)sm_result_figure(res, "hotspot_areas"); k++) {
    char n1[64], n2[64], n3[64];
    snprintf(n1, sizeof n1, "hotspot_%zu_percent", k);
    snprintf(n2, sizeof n2, "hotspot_%zu_km2", k);
    snprintf(n3, sizeof n3, "hotspot_%zu_valid_share", k);
    fprintf(stderr, "safemap kde: %g%% of the density lies in %.3f km2 (%.1f%% of the grid's valid cells)\n",
            sm_result_figure(res, n1), sm_result_figure(res, n2), sm_result_figure(res, n3));
  }
  cli_wrote(r);
}

int cmd_kde(int argc, char **argv) {
  cli_run r;
  sm_points *b = NULL;
  if (cli_start(&r, &KDE, OPTS, CLI_NEEDS_INPUT | CLI_NEEDS_OUTPUT, NULL, argc, argv) && kde_options(&r) && cli_tiles_check(&r, A.tiles) && cli_read(&r) &&
      (!A.dual || read_compare(&r, &b))) {
    A.ro.compare = b;
    sm_status st = sm_kde_run(r.ctx, &r.result, r.points, r.areas, &A.ro); /* it writes -o itself */
    if ((!st || cli_error(&r, st)) && cli_tiles(&r, A.tiles) && cli_talk(&r))
      summary(&r);
  }
  sm_points_destroy(b);
  return cli_finish(&r);
}
