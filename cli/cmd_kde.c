/* safemap kde: kernel density surface to GeoTIFF. */
#include "cli.h"

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

int cmd_kde(int argc, char **argv) {
  cli_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "kde";
  if (cli_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  const char *missing = o.n_inputs == 0 ? "no input given" : !o.output ? "-o/--output is required" : NULL;
  if (missing) {
    fprintf(stderr, "safemap kde: error: %s\nTry 'safemap kde --help'.\n", missing);
    return 1;
  }
  sm_kde_options ko;
  sm_kde_options_init(&ko, SM_KDE_OPTIONS_VERSION);
  char *end;
  if (o.convention && (ko.convention = sm_kde_convention_from_name(o.convention)) == SM_KDE_CONVENTION_END_) {
    fprintf(stderr, "safemap kde: error: unknown --convention '%s' (default, arcgis, qgis-raw, qgis-scaled, spatstat)\n", o.convention);
    return 1;
  }
  if (o.kernel && (ko.kernel = sm_kernel_from_name(o.kernel)) == SM_KERNEL_END_) {
    fprintf(stderr, "safemap kde: error: unknown --kernel '%s' (quartic, epanechnikov, triweight, triangular, uniform, gaussian)\n", o.kernel);
    return 1;
  }
  if (o.units && (ko.units = sm_kde_units_from_name(o.units)) == SM_KDE_UNITS_END_) {
    fprintf(stderr, "safemap kde: error: unknown --units '%s' (per-km2, per-ha, per-m2, count, probability)\n", o.units);
    return 1;
  }
  if (o.bandwidth) {
    if (!strcmp(o.bandwidth, "auto")) ko.bandwidth_rule = SM_BW_AUTO;
    else if (!strcmp(o.bandwidth, "scott")) ko.bandwidth_rule = SM_BW_SCOTT;
    else if (!strcmp(o.bandwidth, "ppl")) ko.bandwidth_rule = SM_BW_PPL;
    else if (!strcmp(o.bandwidth, "diggle")) ko.bandwidth_rule = SM_BW_DIGGLE;
    else {
      ko.bandwidth_rule = SM_BW_FIXED;
      ko.bandwidth_m = strtod(o.bandwidth, &end);
      if (*end || end == o.bandwidth) {
        fprintf(stderr, "safemap kde: error: --bandwidth needs metres, 'auto', 'scott', 'ppl' or 'diggle', not '%s'\n", o.bandwidth);
        return 1;
      }
    }
  }
  if (o.edge) {
    if (!strcmp(o.edge, "none")) ko.edge = SM_KDE_EDGE_NONE;
    else if (!strcmp(o.edge, "uniform")) ko.edge = SM_KDE_EDGE_UNIFORM;
    else if (!strcmp(o.edge, "diggle")) ko.edge = SM_KDE_EDGE_DIGGLE;
    else {
      fprintf(stderr, "safemap kde: error: unknown --edge '%s' (none, uniform, diggle)\n", o.edge);
      return 1;
    }
  }
  ko.adaptive = o.adaptive;
  if (o.pilot) {
    ko.pilot_bandwidth_m = strtod(o.pilot, &end);
    if (*end || end == o.pilot || !(ko.pilot_bandwidth_m > 0)) {
      fprintf(stderr, "safemap kde: error: --pilot-bandwidth needs metres > 0, not '%s'\n", o.pilot);
      return 1;
    }
  }
  if (o.trim) {
    ko.adaptive_trim = strtod(o.trim, &end);
    if (*end || end == o.trim || !(ko.adaptive_trim >= 1)) {
      fprintf(stderr, "safemap kde: error: --trim needs a number >= 1, not '%s'\n", o.trim);
      return 1;
    }
  }
  if ((o.pilot || o.trim) && !o.adaptive) {
    fprintf(stderr, "safemap kde: error: --pilot-bandwidth and --trim go with --adaptive\n");
    return 1;
  }
  if (o.cell) {
    ko.cell_m = strtod(o.cell, &end);
    if (*end || end == o.cell || !(ko.cell_m > 0)) {
      fprintf(stderr, "safemap kde: error: --cell needs a size in metres > 0, not '%s'\n", o.cell);
      return 1;
    }
  }
  if (o.gaussian_cutoff) {
    ko.gaussian_cutoff = strtod(o.gaussian_cutoff, &end);
    if (*end || end == o.gaussian_cutoff || !(ko.gaussian_cutoff >= 1)) {
      fprintf(stderr, "safemap kde: error: --gaussian-cutoff needs a number of standard deviations >= 1, not '%s'\n", o.gaussian_cutoff);
      return 1;
    }
  }
  double pcts[16];
  size_t npct = 0;
  if (o.hotspot_areas) {
    const char *q = o.hotspot_areas;
    while (*q && npct < 16) {
      pcts[npct] = strtod(q, &end);
      if (end == q || !(pcts[npct] > 0 && pcts[npct] <= 100) || (*end && *end != ',')) {
        fprintf(stderr, "safemap kde: error: --hotspot-areas needs percentages in (0, 100] like 50,75,90, not '%s'\n",
                o.hotspot_areas);
        return 1;
      }
      npct++;
      q = *end ? end + 1 : end;
    }
    size_t ol = strlen(o.output);
    if (ol < 5 || strcmp(o.output + ol - 5, ".gpkg") != 0) {
      fprintf(stderr, "safemap kde: error: hot-spot areas are polygons: write to a GeoPackage (-o OUT.gpkg)\n");
      return 1;
    }
  }
  sm_kde_dual_op dual = SM_KDE_DUAL_END_;
  double eps = 0;
  if (o.dual) {
    if (!strcmp(o.dual, "difference")) dual = SM_KDE_DIFFERENCE;
    else if (!strcmp(o.dual, "ratio")) dual = SM_KDE_RATIO;
    else if (!strcmp(o.dual, "log-ratio")) dual = SM_KDE_LOG_RATIO;
    else {
      fprintf(stderr, "safemap kde: error: unknown --dual '%s' (difference, ratio, log-ratio)\n", o.dual);
      return 1;
    }
  } else if (o.compare || o.compare_from || o.compare_to || o.normalise || o.epsilon) {
    fprintf(stderr, "safemap kde: error: --compare, --compare-from/--compare-to, --normalise and --epsilon go with --dual\n");
    return 1;
  }
  if (o.epsilon) {
    eps = strtod(o.epsilon, &end);
    if (*end || end == o.epsilon || !(eps >= 0)) {
      fprintf(stderr, "safemap kde: error: --epsilon needs a number >= 0, not '%s'\n", o.epsilon);
      return 1;
    }
  }
  /* --extent is the grid here, not a filter: points outside reach into it. */
  if (o.read.has_extent) {
    ko.has_extent = 1;
    memcpy(ko.extent, o.read.extent, sizeof ko.extent);
    o.read.has_extent = 0;
  }
  o.read.skip_labels = 1;
  sm_ctx *ctx = cli_ctx(&o);
  if (!ctx) return 2;
  sm_write_options wo;
  sm_write_options_init(&wo, SM_WRITE_OPTIONS_VERSION);
  wo.overwrite = o.overwrite;
  wo.float64 = o.float64;
  wo.cog = o.cog;
  sm_points *p = NULL;
  sm_areas *areas = NULL;
  sm_raster *r = NULL;
  sm_kde_info info;
  int rc = 0;
  sm_status st = sm_write_check(ctx, o.output, &wo);
  if (!st) st = cli_read_points(&o, ctx, &p);
  if (!st && o.wards) {
    if (!(st = cli_read_areas(&o, ctx, p, &areas))) {
      if (!ko.has_extent) {
        sm_areas_extent(areas, ko.extent);
        ko.has_extent = 1;
      }
      ko.mask = areas; /* cells outside the wards are nodata */
    }
  }
  sm_layer *hsa = NULL;
  sm_points *pb = NULL;
  if (!st && dual != SM_KDE_DUAL_END_) {
    sm_read_options rb = o.read;
    if (o.compare_from || o.compare_to) rb.time_from = o.compare_from, rb.time_to = o.compare_to;
    rb.analysis_crs = sm_points_crs(p);
    const char *const *srcs = o.inputs;
    size_t nsrc = o.n_inputs;
    const char *one[1] = {o.compare};
    if (o.compare) srcs = one, nsrc = 1;
    st = sm_points_read(ctx, &pb, srcs, nsrc, &rb);
    if (!st) st = sm_kde_dual(ctx, &r, p, pb, &ko, dual, o.normalise, eps, &info);
  } else if (!st) {
    st = sm_kde(ctx, &r, p, &ko, &info);
  }
  if (!st) st = sm_raster_set_metadata(ctx, r, "name", "kde");
  if (!st && npct) st = sm_kde_hotspot_areas(ctx, &hsa, r, pcts, npct, "kde_hotspot_areas");
  if (!st) {
    size_t ol = strlen(o.output);
    int gpkg = ol >= 5 && strcmp(o.output + ol - 5, ".gpkg") == 0;
    const sm_raster *rs[1] = {r};
    st = gpkg ? sm_write_geopackage(ctx, o.output, rs, 1, &hsa, hsa ? 1 : 0, &wo) : sm_write_raster(ctx, o.output, r, &wo);
  }
  if (st) {
    rc = cli_fail(&o, ctx, st);
  } else if (!o.quiet) {
    cli_clear_progress();
    char b1[32], b2[32];
    sm_raster_stats s;
    sm_raster_stats_compute(r, &s);
    fprintf(stderr, "safemap kde: %s points at %s locations, %s kernel, bandwidth %.1f m (%s), reach %.1f m\n",
            cli_num(info.n_points, b1, sizeof b1), cli_num(info.n_locations, b2, sizeof b2),
            sm_raster_metadata_get(r, "kernel"), info.bandwidth_m, info.rule, info.radius_m);
    fprintf(stderr, "safemap kde: %zu x %zu cells of %.2f m (%s convention); values %.6g .. %.6g %s\n", info.width,
            info.height, info.cell_m, sm_raster_metadata_get(r, "convention"), s.min, s.max,
            sm_raster_metadata_get(r, "units"));
    unsigned long long bad = 0;
    for (int k = 0; k < SM_BAD_REASON_END_; k++) bad += sm_points_rows_bad(p, (sm_bad_reason)k);
    if (bad) cli_print_problems(stderr, p, 2);
    for (size_t k = 0; hsa && k < sm_layer_feature_count(hsa); k++)
      fprintf(stderr, "safemap kde: %g%% of the density lies in %.3f km2 (%.1f%% of the grid's valid cells)\n",
              sm_layer_get_double(hsa, k, 0), sm_layer_get_double(hsa, k, 4),
              100.0 * (double)sm_layer_get_int(hsa, k, 3) / (double)s.n_valid);
    fprintf(stderr, "safemap kde: wrote %s\n", o.output);
  }
  sm_layer_destroy(hsa);
  sm_points_destroy(pb);
  sm_raster_destroy(r);
  sm_areas_destroy(areas);
  sm_points_destroy(p);
  cli_ctx_done(ctx);
  return rc;
}
