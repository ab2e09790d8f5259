/* The plan's spatial analyses, through the library's own pipelines (plan.h): Gi* and local Moran with the
 * wards as units, Gi* on the optimised fishnet (its hot cells placed in the wards by their centres), and the
 * borough's near-repeat window from the Knox test in calendar months. An analysis the data cannot support
 * (SM_E_INPUT from its pipeline) is left out with the reason; any other failure ends the plan. */
#include "internal/geom.h"
#include "internal/plan.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The Knox test's bands: distances in metres, time in calendar months (docs/plan.md). */
static const double NR_SPACE[] = {0, 100, 200, 400};
static const double NR_TIME[] = {0, 1, 2, 3};
/* The most cells the plan's fishnet may have (Camden's optimised fishnet has 2,428). */
#define PLAN_MAX_CELLS 250000.0

void sm__plan_where_free(sm__plan_where *w) {
  if (!w) return;
  sm__free(w->gi_z), sm__free(w->gi_p), sm__free(w->gi_bin), sm__free(w->gi_bin_fdr), sm__free(w->lisa);
  sm__free(w->hot);
  sm_layer_destroy(w->hot_cells);
  sm__free(w->gi_note), sm__free(w->fishnet_note), sm__free(w->nr_note), sm__free(w->gi_recipe);
  sm__free(w->fishnet_recipe), sm__free(w->nr_window), sm__free(w->nr_cells);
  memset(w, 0, sizeof *w);
}

/* An analysis that could not run on these data: keeps the reason, clears the error. Other failures stay. */
static sm_status not_run(sm_ctx *ctx, sm_status st, const char *what, char **note) {
  if (st != SM_E_INPUT) return st;
  *note = sm__asprintf("%s not computed: %s", what, sm_ctx_last_error(ctx));
  sm_ctx_clear_error(ctx);
  return *note ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
}

static long field(sm_ctx *ctx, const sm_layer *L, const char *name, sm_status *st) {
  long f = sm_layer_field_index(L, name);
  if (f < 0 && !*st) *st = sm__error(ctx, SM_E_INVALID_ARG, "plan: the hot spot layer has no column %s", name);
  return f;
}

static sm_status wards_gi(sm_ctx *ctx, const sm_points *points, const sm_areas *areas, sm__plan_where *w) {
  sm_hotspots_options ho = SM_HOTSPOTS_OPTIONS_INIT;
  ho.units = SM_UNIT_AREAS;
  sm_result *r = NULL;
  sm_status st = sm_hotspots_run(ctx, &r, points, areas, &ho);
  if (st) return not_run(ctx, st, "Gi* with the wards as units", &w->gi_note);
  const sm_layer *L = sm_result_layer_named(r, "hotspots");
  long fid = field(ctx, L, "area_id", &st), fz = field(ctx, L, "gi_z", &st), fp = field(ctx, L, "gi_p", &st);
  long fb = field(ctx, L, "gi_bin", &st), ff = field(ctx, L, "gi_bin_fdr", &st), fl = field(ctx, L, "lisa_class", &st);
  for (size_t i = 0; !st && i < sm_layer_feature_count(L); i++) {
    const char *id = sm_layer_get_string(L, i, (size_t)fid);
    for (size_t a = 0; id && a < sm_areas_count(areas); a++) {
      if (strcmp(sm_areas_id(areas, a), id)) continue;
      w->gi_z[a] = sm_layer_get_double(L, i, (size_t)fz);
      w->gi_p[a] = sm_layer_get_double(L, i, (size_t)fp);
      w->gi_bin[a] = (int)sm_layer_get_int(L, i, (size_t)fb);
      w->gi_bin_fdr[a] = (int)sm_layer_get_int(L, i, (size_t)ff);
      const char *lc = sm_layer_get_string(L, i, (size_t)fl);
      snprintf(w->lisa[a], sizeof w->lisa[a], "%s", lc ? lc : "");
      break;
    }
  }
  if (!st) {
    w->gi_ok = 1;
    w->gi_note = sm__asprintf("Gi* (self included) and local Moran's I of the burglary counts with the %zu wards as units, "
                              "%s weights; gi_class from gi_bin_fdr (Benjamini-Hochberg); global Moran's I %.4f (z %.2f)",
                              sm_areas_count(areas), sm_result_text(r, "weights") ? sm_result_text(r, "weights") : "queen",
                              sm_result_figure(r, "global_moran_i"), sm_result_figure(r, "global_moran_z"));
    if (!w->gi_note) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  sm_result_destroy(r);
  return st;
}

/* Centre of a polygon's first ring's bounding box (a fishnet cell: its centre). */
int sm__plan_cell_centre(const unsigned char *wkb, size_t n, double *x, double *y) {
  if (!wkb || n < 13) return 0;
  int le = wkb[0] == 1;
  uint32_t type = sm__wkb_u32(wkb + 1, le) % 1000;
  size_t off = 5;
  if (type == 6) { /* a multipolygon: its first polygon */
    if (n < 18) return 0;
    off = 9 + 5;
    le = wkb[9] == 1;
  } else if (type != 3)
    return 0;
  if (n < off + 8) return 0;
  uint32_t np = sm__wkb_u32(wkb + off + 4, le);
  if (np == 0 || n < off + 8 + (size_t)np * 16) return 0;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (uint32_t k = 0; k < np; k++) {
    double px = sm__wkb_f64(wkb + off + 8 + (size_t)k * 16, le), py = sm__wkb_f64(wkb + off + 16 + (size_t)k * 16, le);
    x0 = px < x0 ? px : x0, x1 = px > x1 ? px : x1, y0 = py < y0 ? py : y0, y1 = py > y1 ? py : y1;
  }
  *x = (x0 + x1) / 2, *y = (y0 + y1) / 2;
  return 1;
}

static sm_status hot_layer(sm_ctx *ctx, const sm_areas *areas, const sm_layer *L, const size_t *rows,
                           const int32_t *ward, size_t nh, long only, sm_layer **out) {
  sm_layer *H = NULL;
  size_t f[6];
  sm_status st = sm_layer_create(ctx, &H, "plan_hot_cells", SM_GEOM_POLYGON, sm_areas_crs(areas));
  const char *names[6] = {"ward_code", "ward_name", "cell_id", "count", "gi_z", "gi_bin_fdr"};
  const sm_field_type types[6] = {SM_FIELD_STRING, SM_FIELD_STRING, SM_FIELD_INT64, SM_FIELD_INT64, SM_FIELD_DOUBLE,
                                  SM_FIELD_INT64};
  for (int k = 0; !st && k < 6; k++) st = sm_layer_add_field(ctx, H, names[k], types[k], &f[k]);
  long fu = sm_layer_field_index(L, "unit_id"), fc = sm_layer_field_index(L, "count"),
       fz = sm_layer_field_index(L, "gi_z"), fb = sm_layer_field_index(L, "gi_bin_fdr");
  if (!st && (fu < 0 || fc < 0 || fz < 0 || fb < 0))
    st = sm__error(ctx, SM_E_INVALID_ARG, "plan: the fishnet layer lacks unit_id, count, gi_z or gi_bin_fdr");
  for (size_t k = 0; !st && k < nh; k++) {
    if (ward[k] < 0 || (only >= 0 && ward[k] != only)) continue;
    size_t ws, row;
    const unsigned char *wkb = sm_layer_get_wkb(L, rows[k], &ws);
    st = sm_layer_add_feature(ctx, H, wkb, ws, &row);
    if (!st) st = sm_layer_set_string(ctx, H, row, f[0], sm_areas_id(areas, (size_t)ward[k]));
    if (!st) st = sm_layer_set_string(ctx, H, row, f[1], sm_areas_name(areas, (size_t)ward[k]));
    if (!st) st = sm_layer_set_int(ctx, H, row, f[2], sm_layer_get_int(L, rows[k], (size_t)fu));
    if (!st) st = sm_layer_set_int(ctx, H, row, f[3], (int64_t)llround(sm_layer_get_double(L, rows[k], (size_t)fc)));
    if (!st) st = sm_layer_set_double(ctx, H, row, f[4], sm_layer_get_double(L, rows[k], (size_t)fz));
    if (!st) st = sm_layer_set_int(ctx, H, row, f[5], sm_layer_get_int(L, rows[k], (size_t)fb));
  }
  if (st) sm_layer_destroy(H);
  else *out = H;
  return st;
}

static sm_status fishnet(sm_ctx *ctx, const sm_points *points, const sm_areas *areas, long only, sm__plan_where *w) {
  /* the cell size the optimised run will choose, and the grid it makes over the wards: refused above
   * PLAN_MAX_CELLS (incidents packed into a few metres would ask for millions of cells) */
  sm_ohsa_cell oc;
  sm_status cst = sm_optimised_cell_size(ctx, sm_points_count(points), sm_points_x(points), sm_points_y(points), &oc);
  if (cst) return not_run(ctx, cst, "the optimised fishnet's Gi*", &w->fishnet_note);
  double e[4];
  sm_areas_extent(areas, e);
  double cells = ceil((e[2] - e[0]) / oc.cell_m) * ceil((e[3] - e[1]) / oc.cell_m);
  if (cells > PLAN_MAX_CELLS) {
    w->fishnet_note = sm__asprintf("the optimised fishnet's Gi* not computed: its cell size, %.0f m, would make %.0f cells "
                                   "over the wards (more than %.0f): the burglaries are too close together for a fishnet",
                                   oc.cell_m, cells, PLAN_MAX_CELLS);
    return w->fishnet_note ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  sm_hotspots_options ho = SM_HOTSPOTS_OPTIONS_INIT;
  ho.units = SM_UNIT_FISHNET;
  ho.optimised = 1;
  sm_result *r = NULL;
  sm_status st = sm_hotspots_run(ctx, &r, points, areas, &ho);
  if (st) return not_run(ctx, st, "the optimised fishnet's Gi*", &w->fishnet_note);
  const sm_layer *L = sm_result_layer_named(r, "hotspots");
  long fb = field(ctx, L, "gi_bin_fdr", &st);
  size_t n = sm_layer_feature_count(L), nh = 0;
  size_t *rows = st ? NULL : sm__malloc((n ? n : 1) * sizeof *rows);
  double *cx = st ? NULL : sm__malloc((n ? n : 1) * sizeof *cx), *cy = st ? NULL : sm__malloc((n ? n : 1) * sizeof *cy);
  int32_t *ward = st ? NULL : sm__malloc((n ? n : 1) * sizeof *ward);
  if (!st && (!rows || !cx || !cy || !ward)) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; !st && i < n; i++) {
    if (sm_layer_get_int(L, i, (size_t)fb) <= 0) continue;
    size_t ws;
    const unsigned char *wkb = sm_layer_get_wkb(L, i, &ws);
    if (!sm__plan_cell_centre(wkb, ws, &cx[nh], &cy[nh]))
      st = sm__error(ctx, SM_E_INVALID_ARG, "plan: fishnet cell %zu has no polygon", i);
    rows[nh++] = i;
  }
  sm_points *cp = NULL;
  if (!st && nh) st = sm_points_create(ctx, &cp, sm_areas_crs(areas), nh, cx, cy, NULL, NULL);
  if (!st && nh) st = sm_areas_locate(ctx, areas, cp, ward, NULL);
  for (size_t k = 0; !st && k < nh; k++) {
    if (ward[k] < 0) continue;
    int b = (int)sm_layer_get_int(L, rows[k], (size_t)fb);
    w->hot[ward[k]][0]++;
    if (b >= 1 && b <= 3) w->hot[ward[k]][b]++;
  }
  if (!st) st = hot_layer(ctx, areas, L, rows, ward, nh, only, &w->hot_cells);
  if (!st) {
    w->fishnet_ok = 1;
    w->fishnet_cell_m = sm_result_figure(r, "cell_m");
    w->fishnet_band_m = sm_result_figure(r, "band_m");
    w->fishnet_note = sm__asprintf("Gi* on a fishnet of %g m cells in the wards (Optimized Hot Spot Analysis's rules, as "
                                   "safemap hotspots --optimised --grid fishnet): cell %s; band %s; a hot cell has "
                                   "gi_bin_fdr 1, 2, 3 (90, 95, 99%%) and is in the ward holding its centre",
                                   sm_result_figure(r, "cell_m"),
                                   sm_result_text(r, "optimised_cell") ? sm_result_text(r, "optimised_cell") : "given",
                                   sm_result_text(r, "optimised_band") ? sm_result_text(r, "optimised_band") : "given");
    if (!w->fishnet_note) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  sm_points_destroy(cp);
  sm__free(rows), sm__free(cx), sm__free(cy), sm__free(ward);
  sm_result_destroy(r);
  return st;
}

/* The significant cells of the Knox table, and the window they make in words. */
static sm_status knox(sm_ctx *ctx, const sm_points *points, unsigned permutations, uint64_t seed, sm__plan_where *w) {
  sm_nearrepeat_options no = SM_NEARREPEAT_OPTIONS_INIT;
  no.space_bands_m = NR_SPACE, no.n_space_bands = sizeof NR_SPACE / sizeof *NR_SPACE;
  no.time_bands = NR_TIME, no.n_time_bands = sizeof NR_TIME / sizeof *NR_TIME;
  no.time_unit = SM_NEARREPEAT_MONTH;
  no.permutations = permutations;
  no.seed = seed;
  sm_result *r = NULL;
  sm_status st = sm_nearrepeat_run(ctx, &r, points, NULL, &no);
  if (st) return not_run(ctx, st, "the near-repeat window", &w->nr_note);
  const sm_layer *L = sm_result_layer_named(r, "near_repeat");
  long fst = sm_layer_field_index(L, "space_to"), ftt = sm_layer_field_index(L, "time_to"),
       fk = sm_layer_field_index(L, "knox_ratio"), fp = sm_layer_field_index(L, "p");
  if (fst < 0 || ftt < 0 || fk < 0 || fp < 0)
    st = sm__error(ctx, SM_E_INVALID_ARG, "plan: the Knox table lacks space_to, time_to, knox_ratio or p");
  double dmax = -1, kmax = 0;
  int tmax = 0;
  for (size_t i = 0; !st && i < sm_layer_feature_count(L); i++) {
    double to = sm_layer_get_double(L, i, (size_t)fst), tt = sm_layer_get_double(L, i, (size_t)ftt);
    double k = sm_layer_get_double(L, i, (size_t)fk), p = sm_layer_get_double(L, i, (size_t)fp);
    if (isnan(to) || isnan(tt) || !(p <= 0.05) || !(k >= 1.2)) continue; /* beyond the bands, or not significant */
    w->nr_significant++;
    if (to > dmax) dmax = to;
    if ((int)tt > tmax) tmax = (int)tt;
    if (k > kmax) kmax = k;
  }
  sm_buf cells = {0};
  char name[32];
  for (size_t i = 1; !st && (snprintf(name, sizeof name, "significant_%zu", i), sm_result_text(r, name)); i++)
    if (sm__buf_printf(&cells, "%s%s", cells.n ? "; " : "", sm_result_text(r, name))) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  w->nr_cells = cells.s;
  if (!st) {
    w->nr_ok = 1;
    char where[64], when[96];
    if (dmax <= 0) snprintf(where, sizeof where, "the same address (police.uk snap point)");
    else snprintf(where, sizeof where, "homes within %g m", dmax);
    if (tmax <= 1) snprintf(when, sizeof when, "in the same calendar month");
    else snprintf(when, sizeof when, "in the same calendar month and the next %d month%s", tmax - 1, tmax > 2 ? "s" : "");
    w->nr_distance_m = dmax < 0 ? NAN : dmax;
    w->nr_months = tmax;
    if (w->nr_significant)
      w->nr_window = sm__asprintf("after a burglary, %s %s at raised risk %s (Knox ratio up to %.2f, p <= 0.05); "
                                  "police.uk dates are months, so the window is not resolvable finer than a month",
                                  where, dmax <= 0 ? "is" : "are", when, kmax);
    else
      w->nr_window = sm__asprintf("no near-repeat pattern: no band within %g m and %g months has a Knox ratio of 1.2 or "
                                  "more at p <= 0.05 (police.uk dates are months: nothing finer than a month can be seen)",
                                  NR_SPACE[no.n_space_bands - 1], NR_TIME[no.n_time_bands - 1]);
    w->nr_note = sm__asprintf("Knox test of the borough's burglaries (safemap nearrepeat): space bands 0,100,200,400 m "
                              "(manhattan, [a, b)), time bands 0,1,2,3 calendar months, %u permutations of the dates, "
                              "seed %llu; a band is significant at p <= 0.05 with a Knox ratio of 1.2 or more (%zu); %s",
                              permutations, (unsigned long long)seed, w->nr_significant, cells.s ? cells.s : "none");
    if (!w->nr_window || !w->nr_note) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  sm_result_destroy(r);
  return st;
}

sm_status sm__plan_where_run(sm_ctx *ctx, const sm_points *points, const sm_areas *areas, unsigned permutations,
                             uint64_t seed, long only, sm__plan_where *w) {
  memset(w, 0, sizeof *w);
  size_t n = sm_areas_count(areas), m = n ? n : 1;
  w->gi_z = sm__malloc(m * sizeof *w->gi_z), w->gi_p = sm__malloc(m * sizeof *w->gi_p);
  w->gi_bin = sm__calloc(m, sizeof *w->gi_bin), w->gi_bin_fdr = sm__calloc(m, sizeof *w->gi_bin_fdr);
  w->lisa = sm__calloc(m, sizeof *w->lisa), w->hot = sm__calloc(m, sizeof *w->hot);
  if (!w->gi_z || !w->gi_p || !w->gi_bin || !w->gi_bin_fdr || !w->lisa || !w->hot)
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) w->gi_z[i] = w->gi_p[i] = NAN;
  w->nr_distance_m = NAN;
  double saved[2];
  sm__progress_push(ctx, 0.3, 0.5, saved);
  sm_status st = wards_gi(ctx, points, areas, w);
  sm__progress_pop(ctx, saved);
  sm__progress_push(ctx, 0.5, 0.7, saved);
  if (!st) st = fishnet(ctx, points, areas, only, w);
  sm__progress_pop(ctx, saved);
  sm__progress_push(ctx, 0.7, 0.95, saved);
  if (!st) st = knox(ctx, points, permutations, seed, w);
  sm__progress_pop(ctx, saved);
  return st;
}
