/* safemap scan: the space-time permutation scan statistic (SaTScan's, Kulldorff 2005). */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "Usage: safemap scan POINTS... --wards W -o OUT.gpkg|OUT.csv [options]\n"
    "       safemap scan POINTS... --grid fishnet --cell M [--wards W] -o OUT [options]\n"
    "       safemap scan POINTS... --centres incidents [--wards W] -o OUT [options]\n"
    "\n"
    "Space-time permutation scan statistic, as SaTScan's (Kulldorff et al. 2005): incidents are\n"
    "counted per location (ward centroid, cell centre, or with --centres incidents each distinct\n"
    "incident position) and time step (--bin, a month by default); cylinders are circles around\n"
    "each location, growing by the nearest locations up to\n"
    "--max-share of the incidents (and --max-radius metres), over time windows of up to\n"
    "--max-window steps (half the steps by default; --prospective: only windows ending at the\n"
    "last step, for surveillance). A cylinder's expected count comes from the margins (the\n"
    "locations' totals times the steps' totals over all incidents: no population needed); the\n"
    "most likely cluster has the largest Poisson log-likelihood ratio, secondary clusters the\n"
    "largest among circles sharing no location with a better one; p-values from --permutations\n"
    "replications (999 by default, seeded) in which the incidents' times are shuffled.\n"
    "\n"
    "Output: layer 'scan_clusters' (circles: rank, centre, centre_x, centre_y, radius_m,\n"
    "locations, start, end, observed, expected, relative_risk, llr, p, p_gumbel (the tail of a\n"
    "Gumbel fitted to the replications' maxima: SaTScan's option, below 1/(replications + 1));\n"
    "prospective runs also\n"
    "recurrence = 1 / p in steps and recurrence_years: once in so long by chance when the scan\n"
    "is repeated every step, as SaTScan's recurrence interval), and layer 'scan_locations' (each\n"
    "cluster's locations as points: rank, location, x, y, distance_m from the centre, observed\n"
    "and expected in the cluster's steps, relative_risk); with OUT.csv the clusters go to OUT.csv\n"
    "and the locations to OUT_locations.csv.\n"
    "\n"
    "Options:\n"
    "  --wards PATH           the ward polygons: the locations (default) or, with --grid, the study area\n"
    "  --grid G               wards (default with --wards) | fishnet | hexagon; --cell M for cells\n"
    "  --centres C            units (default) | incidents: every distinct incident position is a\n"
    "                         location and a circle centre (--wards then only bounds the study area)\n"
    "  --bin B                time step: month (default) | quarter | year | week | day | Nd\n"
    "  --max-share S          a circle holds at most this share of the incidents (default 0.5)\n"
    "  --max-radius M         and reaches at most M metres (default: no limit)\n"
    "  --max-window N         steps (default: half the study period)\n"
    "  --prospective          only windows ending at the last step\n"
    "  --permutations N       Monte Carlo replications (default 999); --seed S\n"
    "  -o, --output PATH      .gpkg or .csv     --overwrite\n"
    "  --type, --from, --to, input options as in 'safemap info'; -j, -q, -v\n"
    "\n"
    "Examples (Camden burglary by ward and month, windows of up to 6 months; then circles of\n"
    "up to 500 m around each incident position, in the last 3 months):\n"
    "  safemap scan data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --max-window 6 \\\n"
    "      --permutations 999 --seed 1 -o scan.gpkg\n"
    "  safemap scan data/police/camden_burglary --centres incidents --max-radius 500 --max-window 3 \\\n"
    "      --prospective --seed 1 -o scan_points.gpkg\n";

/* One step's length in years (months as twelfths, days as 1/365.25): the recurrence interval's unit. */
static double step_length_years(const sm_bins *b) {
  switch (b->unit) {
  case SM_BIN_DAY: return 1 / 365.25;
  case SM_BIN_WEEK: return 7 / 365.25;
  case SM_BIN_MONTH: return 1 / 12.0;
  case SM_BIN_QUARTER: return 0.25;
  case SM_BIN_YEAR: return 1;
  default: return b->n_days / 365.25;
  }
}

typedef struct pos_i {
  double x, y;
  size_t i;
} pos_i;

static int cmp_pos(const void *p, const void *q) {
  const pos_i *a = p, *b = q;
  if (a->x != b->x) return a->x < b->x ? -1 : 1;
  if (a->y != b->y) return a->y < b->y ? -1 : 1;
  return (a->i > b->i) - (a->i < b->i);
}

/* Each distinct incident position (inside the wards when given) is a location, numbered in (x, y) order. */
static sm_status incident_locations(sm_ctx *ctx, const sm_points *p, const sm_areas *areas, int32_t **at, size_t *n_loc,
                                    double **px, double **py) {
  size_t n = sm_points_count(p);
  const double *x = sm_points_x(p), *y = sm_points_y(p);
  *at = malloc((n ? n : 1) * sizeof **at);
  pos_i *v = malloc((n ? n : 1) * sizeof *v);
  *px = malloc((n ? n : 1) * sizeof **px), *py = malloc((n ? n : 1) * sizeof **py);
  if (!*at || !v || !*px || !*py) {
    free(v);
    return SM_E_NOMEM;
  }
  sm_status st = areas ? sm_areas_locate(ctx, areas, p, *at, NULL) : SM_OK;
  size_t m = 0;
  for (size_t i = 0; !st && i < n; i++)
    if ((!areas || (*at)[i] >= 0) && isfinite(x[i]) && isfinite(y[i])) v[m].x = x[i], v[m].y = y[i], v[m].i = i, m++;
  for (size_t i = 0; !st && i < n; i++) (*at)[i] = -1;
  if (!st) qsort(v, m, sizeof *v, cmp_pos);
  size_t k = 0;
  for (size_t j = 0; !st && j < m; j++) {
    if (j == 0 || v[j].x != v[j - 1].x || v[j].y != v[j - 1].y) (*px)[k] = v[j].x, (*py)[k] = v[j].y, k++;
    (*at)[v[j].i] = (int32_t)(k - 1);
  }
  free(v);
  *n_loc = k;
  return st;
}

int cmd_scan(int argc, char **argv) {
  cli_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "scan";
  if (cli_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  int hexagons, wards_units;
  if (cli_grid_choice(&o, &hexagons, &wards_units)) return 1;
  int incidents = 0;
  if (o.centres && !strcmp(o.centres, "incidents")) incidents = 1, wards_units = 0;
  else if (o.centres && strcmp(o.centres, "units")) {
    fprintf(stderr, "safemap scan: error: unknown --centres '%s' (units, incidents)\n", o.centres);
    return 1;
  }
  const char *missing = o.n_inputs == 0 ? "no input given" : !o.output ? "-o/--output is required"
                        : incidents && o.grid ? "--centres incidents takes no --grid (each incident position is a location)"
                        : !incidents && !o.wards && !o.grid ? "give --wards, --grid fishnet --cell M, or --centres incidents"
                        : !incidents && !wards_units && !o.cell ? "--cell is required (cell size in metres)" : NULL;
  if (missing) {
    fprintf(stderr, "safemap scan: error: %s\nTry 'safemap scan --help'.\n", missing);
    return 1;
  }
  double cell = o.cell ? strtod(o.cell, NULL) : 0;
  if (!wards_units && !incidents && !(cell > 0)) {
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
  sm_layer *L = NULL, *LL = NULL;
  int32_t *at = NULL;
  double *lx = NULL, *ly = NULL, *px = NULL, *py = NULL;
  int rc = 0;
  size_t n_units = 0, nl = 0, T = 0;
  int csv;
  char *loc_path = cli_companion_csv(o.output, "_locations", &csv);
  sm_status st = csv && !loc_path ? SM_E_NOMEM : sm_write_check(ctx, o.output, &wo);
  if (!st && loc_path) st = sm_write_check(ctx, loc_path, &wo);
  if (!st) st = cli_read_points(&o, ctx, &p);
  if (!st && o.wards) st = cli_read_areas(&o, ctx, p, &areas);
  if (!st && incidents) st = incident_locations(ctx, p, areas, &at, &n_units, &px, &py);
  else if (!st)
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
      if (incidents) {
        lx[l] = px[un], ly[l] = py[un];
      } else if (wards_units) {
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
    enum { NF = 16 };
    size_t f[NF];
    static const char *const names[NF] = {"rank", "centre", "centre_x", "centre_y", "radius_m", "locations", "start", "end",
                                          "observed", "expected", "relative_risk", "llr", "p", "p_gumbel", "recurrence", "recurrence_years"};
    static const sm_field_type types[NF] = {SM_FIELD_INT64, SM_FIELD_STRING, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                            SM_FIELD_INT64, SM_FIELD_STRING, SM_FIELD_STRING, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                            SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                            SM_FIELD_DOUBLE};
    double step_years = step_length_years(&bins);
    st = sm_layer_create(ctx, &L, "scan_clusters", SM_GEOM_POLYGON, sm_points_crs(p));
    /* a retrospective run has no recurrence interval: its two columns are left out */
    int nf = so.prospective ? NF : NF - 2;
    for (int i = 0; i < nf && !st; i++) st = sm_layer_add_field(ctx, L, names[i], types[i], &f[i]);
    for (size_t c = 0; c < res->n_clusters && !st; c++) {
      const sm_scan_cluster *k = &res->clusters[c];
      enum { NV = 65 };
      unsigned char wkb[9 + 4 + NV * 16];
      uint32_t one = 1, ty = 3, nr = 1, nv = NV;
      wkb[0] = 1;
      memcpy(wkb + 1, &ty, 4), memcpy(wkb + 5, &nr, 4), memcpy(wkb + 9, &nv, 4);
      (void)one;
      double rad = k->radius_m > 0 ? k->radius_m : (wards_units || incidents ? 50 : cell / 2);
      for (int v = 0; v < NV; v++) {
        double a = 2 * 3.14159265358979323846 * (v % (NV - 1)) / (NV - 1);
        double vx = k->x + rad * cos(a), vy = k->y + rad * sin(a);
        memcpy(wkb + 13 + 16 * v, &vx, 8), memcpy(wkb + 13 + 16 * v + 8, &vy, 8);
      }
      size_t row;
      char cs[64], a[32], b[32];
      size_t un = sm_cube_unit(cube, k->centre);
      if (wards_units) snprintf(cs, sizeof cs, "%s", sm_areas_id(areas, un));
      else if (incidents) snprintf(cs, sizeof cs, "incident position %zu", un);
      else snprintf(cs, sizeof cs, "cell %zu", un);
      sm_time_format(sm_cube_step_start(cube, k->t_start), fr, a, sizeof a);
      sm_time_format(sm_cube_step_start(cube, k->t_end), fr, b, sizeof b);
      st = sm_layer_add_feature(ctx, L, wkb, sizeof wkb, &row);
      if (!st) st = sm_layer_set_int(ctx, L, row, f[0], (int64_t)c + 1);
      if (!st) st = sm_layer_set_string(ctx, L, row, f[1], cs);
      if (!st) st = sm_layer_set_double(ctx, L, row, f[2], k->x);
      if (!st) st = sm_layer_set_double(ctx, L, row, f[3], k->y);
      if (!st) st = sm_layer_set_double(ctx, L, row, f[4], k->radius_m);
      if (!st) st = sm_layer_set_int(ctx, L, row, f[5], (int64_t)k->locations);
      if (!st) st = sm_layer_set_string(ctx, L, row, f[6], a);
      if (!st) st = sm_layer_set_string(ctx, L, row, f[7], b);
      if (!st) st = sm_layer_set_double(ctx, L, row, f[8], k->observed);
      if (!st) st = sm_layer_set_double(ctx, L, row, f[9], k->expected);
      if (!st) st = sm_layer_set_double(ctx, L, row, f[10], k->observed / k->expected);
      if (!st) st = sm_layer_set_double(ctx, L, row, f[11], k->llr);
      if (!st && !isnan(k->p)) st = sm_layer_set_double(ctx, L, row, f[12], k->p);
      if (!st && !isnan(k->p_gumbel)) st = sm_layer_set_double(ctx, L, row, f[13], k->p_gumbel);
      if (!st && so.prospective && !isnan(k->p)) st = sm_layer_set_double(ctx, L, row, f[14], 1.0 / k->p);
      if (!st && so.prospective && !isnan(k->p)) st = sm_layer_set_double(ctx, L, row, f[15], step_years / k->p);
    }
    char buf[400];
    snprintf(buf, sizeof buf, "space-time permutation scan (Kulldorff 2005): %zu %s x %zu steps of a %s; circles up to %g of the "
             "incidents%s, windows up to %zu steps%s; %u replications of the case times, seed %llu",
             nl, incidents ? "incident positions (circle centres)" : wards_units ? "ward centroids" : "cell centres", T,
             sm_bin_unit_str(bins.unit), so.max_share, so.max_radius_m > 0 ? " and the radius" : "",
             so.max_window ? so.max_window : (T + 1) / 2, so.prospective ? ", ending at the last step" : "", so.permutations,
             (unsigned long long)o.seed);
    if (!st) st = sm_layer_set_metadata(ctx, L, "method", buf);
  }
  if (!st) { /* each cluster's locations: SaTScan's location file */
    enum { NL = 8 };
    size_t g[NL];
    static const char *const ln[NL] = {"rank", "location", "x", "y", "distance_m", "observed", "expected", "relative_risk"};
    static const sm_field_type lt[NL] = {SM_FIELD_INT64,  SM_FIELD_STRING, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                         SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE};
    st = sm_layer_create(ctx, &LL, "scan_locations", SM_GEOM_POINT, sm_points_crs(p));
    for (int i = 0; i < NL && !st; i++) st = sm_layer_add_field(ctx, LL, ln[i], lt[i], &g[i]);
    const double *cnt = sm_cube_counts(cube), C = res->total;
    double *colsum = calloc(T, sizeof *colsum);
    if (!st && !colsum) st = SM_E_NOMEM;
    for (size_t q = 0; !st && q < nl * T; q++) colsum[q % T] += cnt[q];
    for (size_t c = 0; c < res->n_clusters && !st; c++) {
      const sm_scan_cluster *k = &res->clusters[c];
      double K = 0;
      for (size_t t = k->t_start; t <= k->t_end; t++) K += colsum[t];
      for (size_t q = res->member_off[c]; q < res->member_off[c + 1] && !st; q++) {
        size_t l = res->members[q], un = sm_cube_unit(cube, l), row;
        double obs = 0, tot = 0;
        for (size_t t = 0; t < T; t++) tot += cnt[l * T + t], obs += t >= k->t_start && t <= k->t_end ? cnt[l * T + t] : 0;
        double ex = tot * K / C;
        unsigned char wkb[21];
        uint32_t ty = 1;
        wkb[0] = 1;
        memcpy(wkb + 1, &ty, 4), memcpy(wkb + 5, &lx[l], 8), memcpy(wkb + 13, &ly[l], 8);
        char id[64];
        if (wards_units) snprintf(id, sizeof id, "%s", sm_areas_id(areas, un));
        else if (incidents) snprintf(id, sizeof id, "incident position %zu", un);
        else snprintf(id, sizeof id, "cell %zu", un);
        st = sm_layer_add_feature(ctx, LL, wkb, sizeof wkb, &row);
        if (!st) st = sm_layer_set_int(ctx, LL, row, g[0], (int64_t)c + 1);
        if (!st) st = sm_layer_set_string(ctx, LL, row, g[1], id);
        if (!st) st = sm_layer_set_double(ctx, LL, row, g[2], lx[l]);
        if (!st) st = sm_layer_set_double(ctx, LL, row, g[3], ly[l]);
        if (!st) st = sm_layer_set_double(ctx, LL, row, g[4], res->member_dist[q]);
        if (!st) st = sm_layer_set_double(ctx, LL, row, g[5], obs);
        if (!st) st = sm_layer_set_double(ctx, LL, row, g[6], ex);
        if (!st && ex > 0) st = sm_layer_set_double(ctx, LL, row, g[7], obs / ex);
      }
    }
    free(colsum);
  }
  if (!st) st = cli_write_two(ctx, o.output, loc_path, L, LL, &wo);
  if (st) {
    rc = cli_fail(&o, ctx, st);
  } else if (!o.quiet) {
    cli_clear_progress();
    fprintf(stderr, "safemap scan: %zu locations with an incident, %zu steps, %.0f incidents, %u replications\n", nl, T, res->total,
            so.permutations);
    if (res->n_clusters == 0)
      fprintf(stderr, "safemap scan: no cluster: no cylinder holds more incidents than its locations' and steps' totals predict\n");
    for (size_t c = 0; c < res->n_clusters && c < 5; c++) {
      const sm_scan_cluster *k = &res->clusters[c];
      char a[32], b[32];
      sm_time_res fr = bins.unit == SM_BIN_MONTH || bins.unit == SM_BIN_QUARTER || bins.unit == SM_BIN_YEAR ? SM_TIME_MONTH : SM_TIME_DAY;
      sm_time_format(sm_cube_step_start(cube, k->t_start), fr, a, sizeof a);
      sm_time_format(sm_cube_step_start(cube, k->t_end), fr, b, sizeof b);
      char where[160];
      if (wards_units) snprintf(where, sizeof where, "%s", sm_areas_name(areas, sm_cube_unit(cube, k->centre)));
      else snprintf(where, sizeof where, "%s at (%.0f, %.0f)", incidents ? "an incident position" : "a cell centre", k->x, k->y);
      char rec[96] = "";
      if (so.prospective && !isnan(k->p))
        snprintf(rec, sizeof rec, ", recurrence once in %.0f %ss (%.3g years)", 1.0 / k->p, sm_bin_unit_str(bins.unit),
                 step_length_years(&bins) / k->p);
      char gum[48] = "";
      if (!isnan(k->p_gumbel) && k->p * (so.permutations + 1.0) < 1.5) /* p at its floor: the Gumbel tail says more */
        snprintf(gum, sizeof gum, " (Gumbel p %.2g)", k->p_gumbel);
      fprintf(stderr, "safemap scan: %s cluster: %zu location%s within %.0f m of %s, %s to %s: %.0f observed, %.1f expected (%.2fx), LLR %.2f, p %.3g%s%s\n",
              c ? "secondary" : "most likely", k->locations, k->locations == 1 ? "" : "s", k->radius_m, where, a, b,
              k->observed, k->expected, k->observed / k->expected, k->llr, k->p, gum, rec);
    }
    if (loc_path) fprintf(stderr, "safemap scan: wrote %s and %s\n", o.output, loc_path);
    else fprintf(stderr, "safemap scan: wrote %s\n", o.output);
  }
out:
  free(at), free(lx), free(ly), free(px), free(py);
  sm_layer_destroy(L), sm_layer_destroy(LL);
  free(loc_path);
  sm_scan_result_destroy(res);
  sm_cube_destroy(cube);
  sm_units_destroy(u);
  sm_areas_destroy(areas);
  sm_points_destroy(p);
  cli_ctx_done(ctx);
  return rc;
}
