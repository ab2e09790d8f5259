/* safemap hotspots: Getis-Ord Gi* and local Moran's I on ward, fishnet or hexagon counts. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "Usage: safemap hotspots POINTS... --wards W -o OUT.gpkg|OUT.csv [options]\n"
    "       safemap hotspots POINTS... --cell M --band M|--weights knn [--wards W] -o OUT.gpkg|OUT.csv [options]\n"
    "       safemap hotspots POINTS... --optimised [--wards W [--grid fishnet|hexagon]] -o OUT [options]\n"
    "\n"
    "Counts the incidents per ward (--wards; queen or rook contiguity, as spdep poly2nb) or in\n"
    "a square fishnet or hexagon grid (--grid fishnet|hexagon, --cell metres: the square's side\n"
    "or the spacing of hexagon centres; weights between cell centres: binary within --band metres,\n"
    "inverse distance within it, or the k nearest cells; with --wards only\n"
    "the cells whose centre is in a ward, empty ones included as 0) and computes Getis-Ord\n"
    "Gi* with each unit its own neighbour (the ArcGIS Hot Spot Analysis / spdep localG\n"
    "formula, variance with divisor n).\n"
    "\n"
    "Output layer 'hotspots' (GeoPackage polygons or CSV): unit_id, row, col, count,\n"
    "neighbours, gi_z, gi_p (two-sided), gi_bin (-3..3 at 99/95/90%), gi_bin_fdr (the\n"
    "same after Benjamini-Hochberg false discovery rate control, as ArcGIS), and local\n"
    "Moran's I (spdep localmoran): lisa_i, lisa_z, lisa_p, lisa_class (HH, LL, LH, HL at\n"
    "p <= 0.05). Global Moran's I goes into the layer's metadata.\n"
    "\n"
    "Options:\n"
    "  --wards PATH           the ward polygons: the units (default) or, with --grid fishnet|hexagon, the study area\n"
    "  --grid G               wards (default with --wards) | fishnet | hexagon (flat-topped; six\n"
    "                         neighbours at exactly --cell, so --band 1.1 x cell gives those six)\n"
    "  --weights W            queen (default for wards) | rook: wards sharing a boundary point / segment\n"
    "                         band (default for cells; 1 within --band) | idw (1/d within --band)\n"
    "                         | idw2 (1/d^2 within --band) | knn (the --neighbours nearest): between\n"
    "                         cell centres, or ward centroids\n"
    "  --cell M               fishnet cell size, or hexagon centre spacing, in metres\n"
    "  --band M               distance band in metres for band, idw, idw2 (at least one cell)\n"
    "  --neighbours K         for --weights knn: how many nearest units (default 8)\n"
    "  --rate-field F         ward units: analyse incidents per --per (default 1000) of the wards'\n"
    "                         numeric field F (households, residents), not counts; each ward needs F > 0\n"
    "  --min-neighbours K     band/idw/idw2: a cell with fewer than K neighbours in the band also\n"
    "                         gets its K nearest cells (ArcGIS's Number of Neighbors)\n"
    "  --optimised            ArcGIS Optimized Hot Spot Analysis's choices, each printed and kept in the\n"
    "                         metadata: --cell from the incidents (roof(2 x max(median, mean)) of their\n"
    "                         nearest-neighbour distances, 3-sd locational outliers left out), --band from\n"
    "                         incremental spatial autocorrelation (first peak, else highest, else the mean\n"
    "                         distance to the k-th nearest unit, k = 5% of n in [3, 30]; at least 0.1% of\n"
    "                         the extent); at least 30 incidents (60 for a grid without --wards, where only\n"
    "                         cells holding one are analysed) and 30 units; the result is gi_bin_fdr.\n"
    "                         A given --cell or --band is used as it is. Also --optimized\n"
    "  --permutations N       also conditional permutation pseudo p-values gi_p_sim and lisa_p_sim\n"
    "                         (e.g. 999; two-sided; --seed N makes them reproducible, any -j)\n"
    "  --extent xmin,ymin,xmax,ymax   fishnet extent (default: the wards' or the points' extent)\n"
    "  -o, --output PATH      .gpkg or .csv     --overwrite\n"
    "  --type, --from, --to, input options as in 'safemap info'; -j, -q, -v\n"
    "\n"
    "Examples (Camden burglary by ward; per 1,000 households, with a HOUSEHOLDS field; on 200 m cells\n"
    "with a 300 m band; on the 8 nearest cells; cell and band chosen from the data, in the wards):\n"
    "  safemap hotspots data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg -o wards_hs.gpkg\n"
    "  safemap hotspots data/police/camden_burglary --wards wards_with_households.gpkg --rate-field HOUSEHOLDS -o rates.gpkg\n"
    "  safemap hotspots data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg \\\n"
    "      --grid fishnet --cell 200 --band 300 -o camden_hotspots.gpkg\n"
    "  safemap hotspots data/police/camden_burglary --grid fishnet --cell 200 --weights knn --neighbours 8 \\\n"
    "      -o camden_hotspots_knn.gpkg\n"
    "  safemap hotspots data/police/camden_burglary --optimised --wards data/wards/camden_wards_2024.gpkg \\\n"
    "      --grid fishnet -o camden_optimised.gpkg\n";

/* Optimized Hot Spot Analysis's first steps (REFERENCE.md §1.3): enough incidents (30, or 60 for a grid
 * without a study area, as ArcGIS) and, when --cell is not given, the cell size from the incidents in the
 * study area. Returns 1 after printing an input error; library errors come back in *st. */
static int optimised_incidents(const cli_opts *o, sm_ctx *ctx, const sm_points *p, const sm_areas *areas, int grid,
                               double *cell, sm_ohsa_cell *oc, size_t *n_used, sm_status *st) {
  size_t np = sm_points_count(p), m = 0, need = grid && !areas ? 60 : 30;
  const double *x = sm_points_x(p), *y = sm_points_y(p);
  double *ix = malloc((np ? np : 1) * sizeof *ix), *iy = malloc((np ? np : 1) * sizeof *iy);
  int32_t *at = areas ? malloc((np ? np : 1) * sizeof *at) : NULL;
  int rc = 0;
  if (!ix || !iy || (areas && !at)) *st = SM_E_NOMEM;
  if (!*st && areas) *st = sm_areas_locate(ctx, areas, p, at, NULL);
  for (size_t i = 0; !*st && i < np; i++)
    if (!at || at[i] >= 0) ix[m] = x[i], iy[m] = y[i], m++;
  *n_used = m;
  if (!*st && m < need) {
    fprintf(stderr, "safemap hotspots: error: --optimised needs at least %zu incidents%s (ArcGIS's minimum%s), not %zu\n",
            need, areas ? " in the study area" : "", grid && !areas ? " for a grid without a study area: give --wards" : "", m);
    rc = 1;
  }
  if (!*st && !rc && grid && !o->cell) {
    *st = sm_optimised_cell_size(ctx, m, ix, iy, oc);
    if (!*st) *cell = oc->cell_m;
  }
  free(ix), free(iy), free(at);
  return rc;
}

/* What --optimised chose and why, for stderr and the metadata. */
static void optimised_cell_text(const sm_ohsa_cell *c, char *buf, size_t size) {
  snprintf(buf, size,
           "%g m = roof(2 x max(median %.1f m, mean %.1f m)) of the nearest-neighbour distances of %zu distinct "
           "locations (%zu incidents), %zu locational outlier%s (3 sd) left out%s",
           c->cell_m, c->median_nn_m, c->mean_nn_m, c->n_locations, c->n_points, c->n_outliers,
           c->n_outliers == 1 ? "" : "s",
           c->clamped < 0 ? "; raised to the smallest cell (shorter side of the extent / 250)"
           : c->clamped > 0 ? "; lowered to 10% of the extent's longer side" : "");
}

int cmd_hotspots(int argc, char **argv) {
  cli_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "hotspots";
  if (cli_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  /* units: the wards when given (unless --grid fishnet|hexagon), else a fishnet */
  int hexagons, wards_units;
  if (cli_grid_choice(&o, &hexagons, &wards_units)) return 1;
  if (o.optimised && o.weights && strcmp(o.weights, "band")) {
    fprintf(stderr, "safemap hotspots: error: --optimised uses a fixed distance band (as ArcGIS's Optimized Hot Spot "
                    "Analysis), not --weights %s\n", o.weights);
    return 1;
  }
  if (o.optimised && (o.knn || o.min_neighbours)) {
    fprintf(stderr, "safemap hotspots: error: --optimised chooses its own distance band; %s is not used with it\n",
            o.knn ? "--neighbours" : "--min-neighbours");
    return 1;
  }
  const char *wt = o.weights ? o.weights : wards_units && !o.optimised ? "queen" : "band";
  int contiguity = !strcmp(wt, "queen") || !strcmp(wt, "rook"), knn = !strcmp(wt, "knn");
  int idw = !strcmp(wt, "idw") ? 1 : !strcmp(wt, "idw2") ? 2 : 0;
  if (!contiguity && !knn && !idw && strcmp(wt, "band")) {
    fprintf(stderr, "safemap hotspots: error: unknown --weights '%s' (queen, rook, band, idw, idw2, knn)\n", wt);
    return 1;
  }
  if (!wards_units && contiguity) {
    fprintf(stderr, "safemap hotspots: error: --weights %s is for polygon units (--wards); grid cells take band, idw, idw2 or knn\n", wt);
    return 1;
  }
  if (o.knn && !knn) {
    fprintf(stderr, "safemap hotspots: error: --neighbours is for --weights knn\n");
    return 1;
  }
  if (o.min_neighbours && (knn || contiguity)) {
    fprintf(stderr, "safemap hotspots: error: --min-neighbours is for --weights band, idw or idw2\n");
    return 1;
  }
  size_t k = o.knn ? (size_t)o.knn : 8;
  if ((o.rate_field || o.per) && !wards_units) {
    fprintf(stderr, "safemap hotspots: error: --rate-field and --per are for ward units (a field of the --wards layer)\n");
    return 1;
  }
  if (o.per && !o.rate_field) {
    fprintf(stderr, "safemap hotspots: error: --per needs --rate-field\n");
    return 1;
  }
  double per = o.per ? o.per : 1000;
  const char *missing = o.n_inputs == 0 ? "no input given" : !o.output ? "-o/--output is required"
                        : !wards_units && !o.cell && !o.optimised ? "--cell is required (fishnet cell size in metres), or --optimised"
                        : !contiguity && !knn && !o.band && !o.optimised ? "--band is required (distance band in metres), or --optimised"
                        : NULL;
  if (missing) {
    fprintf(stderr, "safemap hotspots: error: %s\nTry 'safemap hotspots --help'.\n", missing);
    return 1;
  }
  char *end;
  double cell = 0, band = 0;
  if (wards_units && o.cell) {
    fprintf(stderr, "safemap hotspots: error: --cell is for --grid fishnet or hexagon\n");
    return 1;
  }
  if (contiguity && o.band) {
    fprintf(stderr, "safemap hotspots: error: --band is for --weights band, idw or idw2 (not %s contiguity)\n", wt);
    return 1;
  }
  if (!wards_units && o.cell) {
    cell = strtod(o.cell, &end);
    if (*end || !(cell > 0)) {
      fprintf(stderr, "safemap hotspots: error: --cell needs metres > 0, not '%s'\n", o.cell);
      return 1;
    }
  }
  if (!contiguity) {
    if (o.band && knn) {
      fprintf(stderr, "safemap hotspots: error: --weights knn takes --neighbours, not --band\n");
      return 1;
    }
    band = knn || !o.band ? 0 : strtod(o.band, &end);
    if (!knn && o.band && (*end || !(band > 0))) {
      fprintf(stderr, "safemap hotspots: error: --band needs metres > 0, not '%s'\n", o.band);
      return 1;
    }
  }
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
  sm_weights *w = NULL, *wn = NULL;
  size_t extended = 0;
  const double *ux = NULL, *uy = NULL;
  double *cxy = NULL;
  sm_moran gm;
  double *li = NULL, *lz = NULL, *lp = NULL, *gps = NULL, *lps = NULL;
  int *lc = NULL;
  sm_layer *L = NULL;
  double *cnt = NULL, *z = NULL, *pv = NULL, *raw = NULL;
  int *bin = NULL, *binf = NULL;
  int rc = 0;
  size_t n = 0, outside = 0;
  sm_status st = sm_write_check(ctx, o.output, &wo);
  if (!st) st = cli_read_points(&o, ctx, &p);
  if (!st && o.wards) st = cli_read_areas(&o, ctx, p, &areas);
  sm_ohsa_cell ocell;
  sm_ohsa_band oband;
  memset(&ocell, 0, sizeof ocell);
  memset(&oband, 0, sizeof oband);
  size_t o_incidents = 0, o_dropped = 0;
  int o_cell = o.optimised && !wards_units && !o.cell, o_band = o.optimised && !o.band;
  if (!st && o.optimised && optimised_incidents(&o, ctx, p, areas, !wards_units, &cell, &ocell, &o_incidents, &st)) {
    rc = 1;
    goto out;
  }
  if (!st && o_cell && !o.quiet) {
    char t[400];
    optimised_cell_text(&ocell, t, sizeof t);
    fprintf(stderr, "safemap hotspots: optimised: cell size %s\n", t);
  }
  sm_layer *WL = NULL, *WT = NULL;
  if (wards_units) {
    /* the wards' totals and polygons come from the count layer */
    if (!st) st = sm_areas_count_points(ctx, &WL, &WT, areas, p, "hotspots");
    if (!st) {
      n = sm_areas_count(areas);
      long ft = sm_layer_field_index(WL, "total");
      cnt = malloc(n * sizeof *cnt);
      if (!cnt) st = SM_E_NOMEM;
      for (size_t i = 0; !st && i < n; i++) cnt[i] = (double)sm_layer_get_int(WL, i, (size_t)ft);
      const char *os = sm_layer_metadata_get(WL, "points_outside_areas");
      outside = os ? strtoull(os, NULL, 10) : 0;
    }
    if (!st && o.rate_field) {
      /* rates per `per` of the denominator; every ward needs a positive one */
      size_t bad = 0;
      for (size_t i = 0; i < n; i++) {
        double d = sm_areas_value(areas, i);
        if (isnan(d) || !(d > 0)) {
          char val[32];
          if (isnan(d)) snprintf(val, sizeof val, "empty");
          else snprintf(val, sizeof val, "%g", d);
          if (bad < 10)
            fprintf(stderr, "safemap hotspots: error: %s: ward %s%s%s%s: field %s is %s; a rate needs a denominator > 0\n",
                    o.wards, sm_areas_id(areas, i), sm_areas_name(areas, i)[0] ? " (" : "", sm_areas_name(areas, i),
                    sm_areas_name(areas, i)[0] ? ")" : "", sm_areas_value_field(areas), val);
          bad++;
        }
      }
      if (bad) {
        if (bad > 10) fprintf(stderr, "safemap hotspots: error: ... and %zu more wards\n", bad - 10);
        rc = 1;
        goto out;
      }
      raw = malloc(n * sizeof *raw);
      if (!raw) st = SM_E_NOMEM;
      for (size_t i = 0; !st && i < n; i++) raw[i] = cnt[i], cnt[i] = cnt[i] / sm_areas_value(areas, i) * per;
    }
    if (!st && contiguity) st = sm_weights_contiguity(ctx, &w, areas, !strcmp(wt, "queen"), 0, 1, 1.0);
    if (!st && contiguity) st = sm_weights_contiguity(ctx, &wn, areas, !strcmp(wt, "queen"), 0, 0, 0);
    if (!st && !contiguity) { /* distance weights between the wards' centroids */
      cxy = malloc(2 * n * sizeof *cxy);
      if (!cxy) st = SM_E_NOMEM;
      for (size_t i = 0; !st && i < n; i++)
        if (!sm_areas_centroid(areas, i, &cxy[i], &cxy[n + i])) {
          fprintf(stderr, "safemap hotspots: error: %s: ward %s has no geometry, so no centroid for --weights %s\n", o.wards,
                  sm_areas_id(areas, i), wt);
          rc = 1;
          goto out;
        }
      ux = cxy, uy = cxy + n;
    }
  } else {
    if (!st && !has_extent) {
      if (areas) sm_areas_extent(areas, extent);
      else cli_points_extent(p, cell, extent);
    }
    if (!st && hexagons) st = sm_units_hexagons(ctx, &u, extent, cell, sm_points_crs(p), areas);
    if (!st && !hexagons) st = sm_units_fishnet(ctx, &u, extent, cell, sm_points_crs(p), areas);
    if (!st) {
      n = sm_units_count(u);
      cnt = malloc(n * sizeof *cnt);
      if (!cnt) st = SM_E_NOMEM;
    }
    if (!st) st = sm_units_count_points(ctx, u, p, cnt, &outside);
    if (!st && o.optimised && !areas) { /* no study area: only the cells holding an incident (ArcGIS) */
      unsigned char *keep = malloc(n);
      if (!keep) st = SM_E_NOMEM;
      size_t m = 0;
      for (size_t i = 0; !st && i < n; i++) keep[i] = cnt[i] > 0;
      if (!st) st = sm_units_keep(ctx, u, keep, &m);
      for (size_t i = 0, j = 0; !st && i < n; i++)
        if (keep[i]) cnt[j++] = cnt[i];
      free(keep);
      if (!st) o_dropped = n - m, n = m;
    }
    ux = sm_units_x(u), uy = sm_units_y(u);
  }
  if (!st && o.optimised) { /* ArcGIS's minimums on the analysed units */
    double mean = 0, var = 0;
    for (size_t i = 0; i < n; i++) mean += cnt[i];
    mean /= (double)(n ? n : 1);
    for (size_t i = 0; i < n; i++) var += (cnt[i] - mean) * (cnt[i] - mean);
    var /= (double)(n ? n : 1);
    if (n < 30) {
      fprintf(stderr, "safemap hotspots: error: --optimised needs at least 30 %s to analyse, not %zu%s\n",
              wards_units ? "wards" : "cells", n, wards_units ? "" : areas ? "; use a smaller --cell" : " (cells holding an incident); use a smaller --cell or give --wards");
      rc = 1;
      goto out;
    }
    if (!(var > 1e-12)) {
      fprintf(stderr, "safemap hotspots: error: every one of the %zu %s has the same %s (%g): nothing to find\n", n,
              wards_units ? "wards" : "cells", raw ? "rate" : "count", mean);
      rc = 1;
      goto out;
    }
  }
  if (!st && o_band) {
    st = sm_optimised_band(ctx, n, ux, uy, cnt, &oband);
    if (!st) band = oband.band_m;
    if (!st && !o.quiet) {
      char t[1200];
      cli_optimised_isa_text(&oband, t, sizeof t);
      fprintf(stderr, "safemap hotspots: optimised: incremental spatial autocorrelation over %s\n", t);
      cli_optimised_band_text(&oband, t, sizeof t);
      fprintf(stderr, "safemap hotspots: optimised: distance band %s\n", t);
    }
  }
  if (!st && !contiguity) {
    if (knn && k >= n) {
      fprintf(stderr, "safemap hotspots: error: --neighbours %zu needs more than %zu units, not %zu\n", k, k, n);
      rc = 1;
      goto out;
    }
    /* Gi* takes each unit as its own neighbour (weight 1); local and global Moran do not */
    if (!st && knn) st = sm_weights_knn(ctx, &w, n, ux, uy, k, 1, 1.0);
    if (!st && idw) st = sm_weights_inverse_distance(ctx, &w, n, ux, uy, band, idw, 1, 1.0);
    if (!st && !knn && !idw) st = sm_weights_distance_band(ctx, &w, n, ux, uy, band, 1, 1.0);
    if (!st && o.min_neighbours && (size_t)o.min_neighbours >= n) {
      fprintf(stderr, "safemap hotspots: error: --min-neighbours %ld needs more than %ld units, not %zu\n", o.min_neighbours,
              o.min_neighbours, n);
      rc = 1;
      goto out;
    }
    if (!st && o.min_neighbours) st = sm_weights_min_neighbours(ctx, w, ux, uy, (size_t)o.min_neighbours, idw, &extended);
    if (!st) st = sm_weights_drop_self(ctx, &wn, w); /* the same neighbours for local and global Moran */
  }
  if (!st) {
    z = malloc(n * sizeof *z), pv = malloc(n * sizeof *pv);
    bin = malloc(n * sizeof *bin), binf = malloc(n * sizeof *binf);
    li = malloc(n * sizeof *li), lz = malloc(n * sizeof *lz), lp = malloc(n * sizeof *lp), lc = malloc(n * sizeof *lc);
    if (!z || !pv || !bin || !binf || !li || !lz || !lp || !lc) st = SM_E_NOMEM;
  }
  if (!st) {
    size_t lonely = 0;
    for (size_t i = 0; i < n; i++) lonely += sm_weights_neighbours(w, i) <= 1;
    if (lonely == n && n >= 3) {
      if (contiguity)
        fprintf(stderr, "safemap hotspots: error: no ward shares a boundary with another (%s contiguity)\n", wt);
      else if (wards_units)
        fprintf(stderr, "safemap hotspots: error: the band (%g m) is shorter than the distance from every ward's centroid "
                        "to its nearest: no ward has a neighbour\n", band);
      else
        fprintf(stderr, "safemap hotspots: error: the band (%g m) is smaller than the distance between cells (%g m): "
                        "no cell has a neighbour\n", band, cell);
      rc = 1;
      goto out;
    }
    if (lonely && !o.quiet) {
      fprintf(stderr, "safemap hotspots: warning: %zu %s no neighbour (their gi_z is empty):", lonely,
              wards_units ? "wards have" : "cells have");
      size_t shown = 0;
      for (size_t i = 0; i < n && shown < 10; i++)
        if (sm_weights_neighbours(w, i) <= 1) {
          fprintf(stderr, " %s", wards_units ? sm_areas_id(areas, i) : "");
          if (!wards_units) fprintf(stderr, "%zu", i);
          shown++;
        }
      fprintf(stderr, "%s\n", lonely > shown ? " ..." : "");
    }
  }
  if (!st) st = sm_gistar(ctx, w, cnt, n, z, pv);
  if (!st) st = sm_hotspot_bins(ctx, z, pv, n, 0, bin);
  if (!st) st = sm_hotspot_bins(ctx, z, pv, n, 1, binf);
  /* local and global Moran's I: the same neighbours without self */
  if (!st) st = sm_local_moran(ctx, wn, cnt, n, li, lz, lp, lc);
  if (!st) st = sm_global_moran(ctx, wn, cnt, n, &gm);
  if (!st && o.permutations > 0) {
    gps = malloc(n * sizeof *gps), lps = malloc(n * sizeof *lps);
    if (!gps || !lps) st = SM_E_NOMEM;
    if (!st) st = sm_hotspot_permutations_both(ctx, w, wn, cnt, n, (unsigned)o.permutations, gps, lps);
  }
  if (!st) {
    if (wards_units) L = WL, WL = NULL;
    else st = sm_units_layer(ctx, &L, u, "hotspots");
  }
  if (!st) {
    size_t fc, fn, fz, fp, fb, ff;
    st = wards_units ? SM_OK : sm_layer_add_field(ctx, L, "count", SM_FIELD_DOUBLE, &fc);
    (void)fc;
    size_t fden = 0, frate = 0;
    if (!st && raw) st = sm_layer_add_field(ctx, L, "denominator", SM_FIELD_DOUBLE, &fden);
    if (!st && raw) st = sm_layer_add_field(ctx, L, "rate", SM_FIELD_DOUBLE, &frate);
    if (!st) st = sm_layer_add_field(ctx, L, "neighbours", SM_FIELD_INT64, &fn);
    if (!st) st = sm_layer_add_field(ctx, L, "gi_z", SM_FIELD_DOUBLE, &fz);
    if (!st) st = sm_layer_add_field(ctx, L, "gi_p", SM_FIELD_DOUBLE, &fp);
    if (!st) st = sm_layer_add_field(ctx, L, "gi_bin", SM_FIELD_INT64, &fb);
    if (!st) st = sm_layer_add_field(ctx, L, "gi_bin_fdr", SM_FIELD_INT64, &ff);
    size_t fli, flz, flp, flc;
    if (!st) st = sm_layer_add_field(ctx, L, "lisa_i", SM_FIELD_DOUBLE, &fli);
    if (!st) st = sm_layer_add_field(ctx, L, "lisa_z", SM_FIELD_DOUBLE, &flz);
    if (!st) st = sm_layer_add_field(ctx, L, "lisa_p", SM_FIELD_DOUBLE, &flp);
    if (!st) st = sm_layer_add_field(ctx, L, "lisa_class", SM_FIELD_STRING, &flc);
    size_t fgs = 0, fls = 0;
    if (!st && gps) st = sm_layer_add_field(ctx, L, "gi_p_sim", SM_FIELD_DOUBLE, &fgs);
    if (!st && lps) st = sm_layer_add_field(ctx, L, "lisa_p_sim", SM_FIELD_DOUBLE, &fls);
    for (size_t i = 0; i < n && !st; i++) {
      if (!wards_units) st = sm_layer_set_double(ctx, L, i, fc, cnt[i]);
      if (!st && raw) st = sm_layer_set_double(ctx, L, i, fden, sm_areas_value(areas, i));
      if (!st && raw) st = sm_layer_set_double(ctx, L, i, frate, cnt[i]);
      if (!st) st = sm_layer_set_int(ctx, L, i, fn, (int64_t)sm_weights_neighbours(w, i) - 1);
      if (!st && !isnan(z[i])) st = sm_layer_set_double(ctx, L, i, fz, z[i]);
      if (!st && !isnan(pv[i])) st = sm_layer_set_double(ctx, L, i, fp, pv[i]);
      if (!st) st = sm_layer_set_int(ctx, L, i, fb, bin[i]);
      if (!st) st = sm_layer_set_int(ctx, L, i, ff, binf[i]);
      static const char *const cname[] = {"", "HH", "LL", "LH", "HL"};
      if (!st && !isnan(li[i])) st = sm_layer_set_double(ctx, L, i, fli, li[i]);
      if (!st && !isnan(lz[i])) st = sm_layer_set_double(ctx, L, i, flz, lz[i]);
      if (!st && !isnan(lp[i])) st = sm_layer_set_double(ctx, L, i, flp, lp[i]);
      if (!st) st = sm_layer_set_string(ctx, L, i, flc, cname[lc[i]]);
      if (!st && gps && !isnan(gps[i])) st = sm_layer_set_double(ctx, L, i, fgs, gps[i]);
      if (!st && lps && !isnan(lps[i])) st = sm_layer_set_double(ctx, L, i, fls, lps[i]);
    }
    char buf[96];
    if (!st) st = sm_layer_set_metadata(ctx, L, "method", "Getis-Ord Gi* (each unit its own neighbour with weight 1, variance divisor n)");
    if (raw) {
      snprintf(buf, sizeof buf, "rate: incidents per %g of %s (field denominator)", per, sm_areas_value_field(areas));
      if (!st) st = sm_layer_set_metadata(ctx, L, "value", buf);
    } else if (!st) {
      st = sm_layer_set_metadata(ctx, L, "value", "incident count");
    }
    if (contiguity) {
      snprintf(buf, sizeof buf, "%s contiguity (spdep poly2nb: shared boundary points)", wt);
      if (!st) st = sm_layer_set_metadata(ctx, L, "weights", buf);
    } else {
      snprintf(buf, sizeof buf, "%g", cell);
      if (!st && !wards_units) st = sm_layer_set_metadata(ctx, L, "cell_m", buf);
      if (!st) st = sm_layer_set_metadata(ctx, L, "units", wards_units ? "the areas; distances between their centroids"
                                                           : hexagons ? "flat-topped hexagons, cell_m = centre spacing (across flats)"
                                                                      : "square fishnet cells");
      if (knn) snprintf(buf, sizeof buf, "%zu nearest %s (binary)", k, wards_units ? "centroids" : "cell centres");
      else if (idw) snprintf(buf, sizeof buf, "inverse distance%s within %g m", idw == 2 ? " squared" : "", band);
      else snprintf(buf, sizeof buf, "binary distance band %g m", band);
      if (!st) st = sm_layer_set_metadata(ctx, L, "weights", buf);
      if (o.min_neighbours) {
        snprintf(buf, sizeof buf, "at least %ld (the nearest cells added to %zu cells)", o.min_neighbours, extended);
        if (!st) st = sm_layer_set_metadata(ctx, L, "min_neighbours", buf);
      }
    }
    snprintf(buf, sizeof buf, "%zu", outside);
    if (!st) st = sm_layer_set_metadata(ctx, L, "points_outside_cells", buf);
    char gbuf[200];
    snprintf(gbuf, sizeof gbuf, "I %.6f, E %.6f, variance %.6g (randomisation), z %.3f, p one-sided %.3g", gm.I, gm.expected,
             gm.variance, gm.z, gm.p_greater);
    if (!st) st = sm_layer_set_metadata(ctx, L, "global_moran", gbuf);
    if (!st) st = sm_layer_set_metadata(ctx, L, "lisa", "local Moran's I as spdep localmoran (conditional moments, two-sided p, the same weights without self); class HH/LL/LH/HL where p <= 0.05");
    if (!st && gps) {
      snprintf(gbuf, sizeof gbuf, "%ld conditional permutations, seed %llu; two-sided p = min(1, 2 (min(#sim >= obs, #sim <= obs) + 1) / (n + 1))",
               o.permutations, (unsigned long long)o.seed);
      st = sm_layer_set_metadata(ctx, L, "permutations", gbuf);
    }
    if (!st) st = sm_layer_set_metadata(ctx, L, "bins", "gi_bin: |z| at 99/95/90% two-sided; gi_bin_fdr: Benjamini-Hochberg at 0.10, 0.05, 0.01");
    if (!st && o.optimised) {
      char t[1400];
      snprintf(t, sizeof t, "ArcGIS Optimized Hot Spot Analysis's rules (REFERENCE.md 1.3): %zu incidents%s; %s; the result is "
               "gi_bin_fdr (false discovery rate always on)", o_incidents, areas ? " in the study area" : "",
               wards_units ? "the wards as units" : areas ? "every cell in the study area, empty ones as 0"
                                                     : "only the cells holding an incident (no study area given)");
      st = sm_layer_set_metadata(ctx, L, "optimised", t);
      if (!st && o_cell) optimised_cell_text(&ocell, t, sizeof t), st = sm_layer_set_metadata(ctx, L, "optimised_cell", t);
      if (!st && o_band) cli_optimised_band_text(&oband, t, sizeof t), st = sm_layer_set_metadata(ctx, L, "optimised_band", t);
      if (!st && o_band) cli_optimised_isa_text(&oband, t, sizeof t), st = sm_layer_set_metadata(ctx, L, "optimised_isa", t);
    }
  }
  if (!st) st = sm_write_layers(ctx, o.output, &L, 1, &wo);
  if (st) {
    rc = cli_fail(&o, ctx, st);
  } else if (!o.quiet) {
    cli_clear_progress();
    int hot = 0, cold = 0;
    char nb[32], rb[80];
    for (size_t i = 0; i < n; i++) hot += binf[i] > 0, cold += binf[i] < 0;
    char how[80];
    if (contiguity) snprintf(how, sizeof how, "%s contiguity", wt);
    else if (knn) snprintf(how, sizeof how, "%zu nearest neighbours", k);
    else snprintf(how, sizeof how, "%s %g m", idw == 2 ? "1/d^2 within" : idw ? "1/d within" : "band", band);
    if (wards_units)
      fprintf(stderr, "safemap hotspots: %zu wards, %s%s%s%s; %d hot and %d cold at 90%%+ after FDR; %zu points outside the wards\n",
              n, how, raw ? ", rates per " : "", raw ? (snprintf(nb, sizeof nb, "%g", per), nb) : "",
              raw ? (snprintf(rb, sizeof rb, " %s", sm_areas_value_field(areas)), rb) : "", hot, cold, outside);
    else
      fprintf(stderr, "safemap hotspots: %zu %s of %g m, %s; %d hot and %d cold at 90%%+ after FDR; %zu points outside the cells\n",
              n, hexagons ? "hexagons" : "cells", cell, how, hot, cold, outside);
    fprintf(stderr, "safemap hotspots: global Moran's I %.4f (z %.2f, p %.3g)\n", gm.I, gm.z, gm.p_greater);
    if (o.optimised) {
      size_t few = 0;
      for (size_t i = 0; i < n; i++) few += sm_weights_neighbours(w, i) - 1 < 8;
      if (o_dropped)
        fprintf(stderr, "safemap hotspots: optimised: %zu cells without an incident left out (no study area: give --wards "
                        "to analyse every cell in it)\n", o_dropped);
      fprintf(stderr, "safemap hotspots: optimised: %.1f%% of the %s have fewer than 8 neighbours within %g m; the hot "
                      "and cold spots are gi_bin_fdr\n", 100.0 * (double)few / (double)n, wards_units ? "wards" : "cells", band);
    }
    fprintf(stderr, "safemap hotspots: wrote %s\n", o.output);
  }
out:
  free(cxy), free(raw), free(cnt), free(z), free(pv), free(bin), free(binf), free(li), free(lz), free(lp), free(lc), free(gps), free(lps);
  sm_weights_destroy(wn);
  sm_layer_destroy(L);
  sm_layer_destroy(WL);
  sm_layer_destroy(WT);
  sm_weights_destroy(w);
  sm_units_destroy(u);
  sm_areas_destroy(areas);
  sm_points_destroy(p);
  cli_ctx_done(ctx);
  return rc;
}
