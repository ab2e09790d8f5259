/* safemap kde: kernel density surface to GeoTIFF. */
#include "cli.h"
#include "legacy.h" /* TEMPORARY */

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "Usage: safemap kde POINTS... -o OUT.tif [options]\n"
    "\n"
    "Kernel density surface of the incidents, with the convention made explicit:\n"
    "each point adds weight x K(d) at every cell centre within reach, K integrating\n"
    "to 1, so the surface integrates to the number of points. Identical coordinates\n"
    "(police.uk snap points) are merged first. Same bits for any thread count.\n"
    "\n"
    "Options:\n"
    "  -o, --output PATH      output GeoTIFF (.tif: tiled, compressed, with overviews) or GeoPackage\n"
    "                         (.gpkg: a Float32 gridded coverage 'kde', plus the hot-spot areas)\n"
    "  --convention C         default | arcgis | qgis-raw | qgis-scaled | spatstat (default: default)\n"
    "                           default: quartic, points per km2, ArcGIS radius rule, grid = points' extent\n"
    "                                    grown by one bandwidth, 0 away from the points\n"
    "                           arcgis:  ArcGIS Pro Kernel Density (grid = points' extent, nodata beyond reach)\n"
    "                           qgis-raw, qgis-scaled: QGIS Heatmap 'Raw' / 'Scaled' (its quartic constant included)\n"
    "                           spatstat: density.ppp evaluated exactly; --bandwidth is sigma; per m2\n"
    "  --kernel K             quartic (default) | epanechnikov | triweight | triangular | uniform | gaussian\n"
    "  --bandwidth B          metres (search radius; the standard deviation for gaussian and spatstat),\n"
    "                         or auto (ArcGIS spatial Silverman rule, default), scott, or ppl (likelihood\n"
    "                         cross-validation as spatstat's bw.ppl; at most 50,000 distinct locations)\n"
    "                         or diggle (Diggle's MSE rule as spatstat's bw.diggle)\n"
    "  --gaussian-cutoff N    gaussian support in standard deviations (default 4; spatstat 8)\n"
    "  --adaptive             Abramson's square-root law (as sparr): wider kernels where points are sparse;\n"
    "                         --pilot-bandwidth M (default: the bandwidth), --trim T (default 5)\n"
    "  --cell M               cell size in metres (default: shorter side of the extent / 250)\n"
    "  --edge E               none (default) | uniform | diggle: edge correction over the grid's rectangle,\n"
    "                         as spatstat (default and spatstat conventions)\n"
    "  --units U              per-km2 | per-ha | per-m2 | count | probability (default: the convention's)\n"
    "  --extent xmin,ymin,xmax,ymax   grid extent in metres (points outside still count within reach)\n"
    "  --wards PATH           study area: the grid covers the wards, cells outside them are nodata\n"
    "  --hotspot-areas LIST   percentages, e.g. 50,75,90: polygons of the smallest area holding that\n"
    "                         share of the density (layer kde_hotspot_areas; needs -o OUT.gpkg)\n"
    "  --dual OP              difference | ratio | log-ratio of this surface (A) and a second one (B)\n"
    "                         on the same grid and bandwidth (chosen on both sets pooled)\n"
    "  --compare SOURCE       B's points (default: the same inputs); --compare-from/--compare-to DATE\n"
    "                         B's period (e.g. last year against this year's --from/--to)\n"
    "  --normalise            divide each surface by its total first (relative risk)\n"
    "  --epsilon E            ratio regulariser: E x max(B) added to both (default 0)\n"
    "  --float64 --cog        Float64 cells; Cloud Optimized GeoTIFF\n"
    "  --type, --from, --to, --layer, --lon/--lat, --x/--y, --crs, --analysis-crs, --time,\n"
    "  --category, --weight   input options and filters, as in 'safemap info'\n"
    "  --overwrite  --strict  -j/--threads N  -q  -v\n"
    "\n"
    "Example (Camden burglary, 2024, 250 m quartic radius, 25 m cells):\n"
    "  safemap kde data/police/camden_burglary --from 2024-01 --to 2024-12 \\\n"
    "      --bandwidth 250 --cell 25 -o camden_kde.tif\n"
    "  gdalinfo -stats camden_kde.tif\n"
    "  safemap kde data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg \\\n"
    "      --hotspot-areas 50,75,90 -o camden_kde.gpkg\n"
    "  safemap kde data/police/camden_burglary --from 2024-03 --to 2025-02 --compare-from 2023-03 \\\n"
    "      --compare-to 2024-02 --dual difference --bandwidth 300 -o camden_change.tif\n";

/* A number (> lo, or >= lo with `or_equal`; NULL lo: any), or 1 after printing "--opt needs WHAT, not 'TEXT'". */
static int num(const char *text, const char *opt, const char *what, double *v, const double *lo, int or_equal) {
  char *end;
  *v = strtod(text, &end);
  if (end != text && !*end && (!lo || *v > *lo || (or_equal && *v == *lo))) return 0;
  fprintf(stderr, "safemap kde: error: %s needs %s, not '%s'\n", opt, what, text);
  return 1;
}

/* The command line into the pipeline's options; 1 after printing a usage error. */
static int kde_options(const legacy_opts *o, sm_kde_run_options *ro, double *pcts, size_t *npct) {
  sm_kde_options *ko = &ro->surface;
  if (o->convention && (ko->convention = sm_kde_convention_from_name(o->convention)) == SM_KDE_CONVENTION_END_) {
    fprintf(stderr, "safemap kde: error: unknown --convention '%s' (default, arcgis, qgis-raw, qgis-scaled, spatstat)\n", o->convention);
    return 1;
  }
  if (o->kernel && (ko->kernel = sm_kernel_from_name(o->kernel)) == SM_KERNEL_END_) {
    fprintf(stderr, "safemap kde: error: unknown --kernel '%s' (quartic, epanechnikov, triweight, triangular, uniform, gaussian)\n", o->kernel);
    return 1;
  }
  if (o->units && (ko->units = sm_kde_units_from_name(o->units)) == SM_KDE_UNITS_END_) {
    fprintf(stderr, "safemap kde: error: unknown --units '%s' (per-km2, per-ha, per-m2, count, probability)\n", o->units);
    return 1;
  }
  if (o->bandwidth && strcmp(o->bandwidth, "fixed") && sm_bw_rule_from_name(NULL, o->bandwidth, &ko->bandwidth_rule)) {
    ko->bandwidth_rule = SM_BW_FIXED;
    if (num(o->bandwidth, "--bandwidth", "metres, 'auto', 'scott', 'ppl' or 'diggle'", &ko->bandwidth_m, NULL, 0)) return 1;
  }
  if (o->edge && sm_kde_edge_from_name(NULL, o->edge, &ko->edge)) {
    fprintf(stderr, "safemap kde: error: unknown --edge '%s' (none, uniform, diggle)\n", o->edge);
    return 1;
  }
  ko->adaptive = o->adaptive;
  const double zero = 0, one = 1;
  if ((o->pilot && num(o->pilot, "--pilot-bandwidth", "metres > 0", &ko->pilot_bandwidth_m, &zero, 0)) ||
      (o->trim && num(o->trim, "--trim", "a number >= 1", &ko->adaptive_trim, &one, 1)) ||
      (o->cell && num(o->cell, "--cell", "a size in metres > 0", &ko->cell_m, &zero, 0)) ||
      (o->gaussian_cutoff &&
       num(o->gaussian_cutoff, "--gaussian-cutoff", "a number of standard deviations >= 1", &ko->gaussian_cutoff, &one, 1)) ||
      (o->epsilon && num(o->epsilon, "--epsilon", "a number >= 0", &ro->epsilon, &zero, 1)))
    return 1;
  for (const char *q = o->hotspot_areas; q && *q && *npct < 16;) {
    char *end;
    pcts[*npct] = strtod(q, &end);
    if (end == q || (*end && *end != ',')) {
      fprintf(stderr, "safemap kde: error: --hotspot-areas needs percentages in (0, 100] like 50,75,90, not '%s'\n", o->hotspot_areas);
      return 1;
    }
    (*npct)++;
    q = *end ? end + 1 : end;
  }
  ro->hotspot_percents = pcts, ro->n_hotspot_percents = *npct;
  size_t ol = strlen(o->output);
  if (ol >= 4 && (!strcmp(o->output + ol - 4, ".csv") || !strcmp(o->output + ol - 4, ".CSV"))) {
    fprintf(stderr, "safemap kde: error: '%s': write rasters to .tif or .gpkg\n", o->output); /* before any work */
    return 1;
  }
  if (*npct && (ol < 5 || strcmp(o->output + ol - 5, ".gpkg") != 0)) {
    fprintf(stderr, "safemap kde: error: hot-spot areas are polygons: write to a GeoPackage (-o OUT.gpkg)\n");
    return 1;
  }
  if (o->dual && sm_kde_dual_op_from_name(NULL, o->dual, &ro->dual)) {
    fprintf(stderr, "safemap kde: error: unknown --dual '%s' (difference, ratio, log-ratio)\n", o->dual);
    return 1;
  }
  if (!o->dual && (o->compare || o->compare_from || o->compare_to || o->normalise || o->epsilon)) {
    fprintf(stderr, "safemap kde: error: --compare, --compare-from/--compare-to, --normalise and --epsilon go with --dual\n");
    return 1;
  }
  ro->normalise = o->normalise;
  /* --extent is the grid here, not a filter: points outside reach into it. */
  if (o->read.has_extent) {
    ko->has_extent = 1;
    memcpy(ko->extent, o->read.extent, sizeof ko->extent);
  }
  return 0;
}

/* B of a dual surface: --compare SOURCE, or the same inputs over --compare-from/--compare-to. */
static sm_status read_compare(const legacy_opts *o, sm_ctx *ctx, const sm_points *a, sm_points **b) {
  sm_read_options rb = o->read;
  if (o->compare_from || o->compare_to) rb.time_from = o->compare_from, rb.time_to = o->compare_to;
  rb.analysis_crs = sm_points_crs(a);
  const char *one[1] = {o->compare};
  return o->compare ? sm_points_read(ctx, b, one, 1, &rb) : sm_points_read(ctx, b, o->inputs, o->n_inputs, &rb);
}

static void summary(const sm_result *res, const sm_points *p, const char *output) {
  char b1[32], b2[32];
  fprintf(stderr, "safemap kde: %s points at %s locations, %s kernel, bandwidth %.1f m (%s), reach %.1f m\n",
          cli_num((unsigned long long)sm_result_figure(res, "points"), b1, sizeof b1),
          cli_num((unsigned long long)sm_result_figure(res, "locations"), b2, sizeof b2), sm_result_text(res, "kernel"),
          sm_result_figure(res, "bandwidth_m"), sm_result_text(res, "rule"), sm_result_figure(res, "radius_m"));
  fprintf(stderr, "safemap kde: %.0f x %.0f cells of %.2f m (%s convention); values %.6g .. %.6g %s\n",
          sm_result_figure(res, "width"), sm_result_figure(res, "height"), sm_result_figure(res, "cell_m"),
          sm_result_text(res, "convention"), sm_result_figure(res, "min"), sm_result_figure(res, "max"), sm_result_text(res, "units"));
  unsigned long long bad = 0;
  for (int k = 0; k < SM_BAD_REASON_END_; k++) bad += sm_points_rows_bad(p, (sm_bad_reason)k);
  if (bad) cli_print_problems(stderr, p, 2);
  for (size_t k = 0; k < (size_t)sm_result_figure(res, "hotspot_areas"); k++) {
    char n1[64], n2[64], n3[64];
    snprintf(n1, sizeof n1, "hotspot_%zu_percent", k);
    snprintf(n2, sizeof n2, "hotspot_%zu_km2", k);
    snprintf(n3, sizeof n3, "hotspot_%zu_valid_share", k);
    fprintf(stderr, "safemap kde: %g%% of the density lies in %.3f km2 (%.1f%% of the grid's valid cells)\n",
            sm_result_figure(res, n1), sm_result_figure(res, n2), sm_result_figure(res, n3));
  }
  fprintf(stderr, "safemap kde: wrote %s\n", output);
}

int cmd_kde(int argc, char **argv) {
  legacy_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "kde";
  if (legacy_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  const char *missing = o.n_inputs == 0 ? "no input given" : !o.output ? "-o/--output is required" : NULL;
  if (missing) {
    fprintf(stderr, "safemap kde: error: %s\nTry 'safemap kde --help'.\n", missing);
    return 1;
  }
  sm_kde_run_options ro;
  sm_kde_run_options_init(&ro, SM_KDE_RUN_OPTIONS_VERSION);
  double pcts[16];
  size_t npct = 0;
  if (kde_options(&o, &ro, pcts, &npct)) return 1;
  o.read.has_extent = 0; /* the grid, not a filter */
  o.read.skip_labels = 1;
  sm_ctx *ctx = legacy_ctx(&o);
  if (!ctx) return 2;
  sm_write_options wo;
  sm_write_options_init(&wo, SM_WRITE_OPTIONS_VERSION);
  wo.overwrite = o.overwrite;
  wo.float64 = o.float64;
  wo.cog = o.cog;
  sm_points *p = NULL, *pb = NULL;
  sm_areas *areas = NULL;
  sm_result *res = NULL;
  int rc = 0;
  sm_status st = sm_write_check(ctx, o.output, &wo);
  if (!st) st = legacy_read_points(&o, ctx, &p);
  if (!st && o.wards) st = legacy_read_areas(&o, ctx, p, &areas);
  if (!st && o.dual) st = read_compare(&o, ctx, p, &pb);
  ro.compare = pb;
  if (!st) st = sm_kde_run(ctx, &res, p, areas, &ro);
  if (!st) st = sm_result_write(ctx, res, o.output, &wo);
  if (st) {
    rc = legacy_fail(&o, ctx, st);
  } else if (!o.quiet) {
    cli_clear_progress();
    summary(res, p, o.output);
  }
  sm_result_destroy(res);
  sm_points_destroy(pb);
  sm_areas_destroy(areas);
  sm_points_destroy(p);
  legacy_ctx_done(ctx);
  return rc;
}
