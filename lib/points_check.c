/* Are points fit for an analysis: at least one point, and with areas, points and areas that overlap.
 * Every pipeline that takes points asks here first, so the refusal and its words are the same
 * whichever command (or library caller) runs it. */
#include "internal/sm_internal.h"

#include <math.h>
#include <stdio.h>

/* What to do about the largest reason rows were lost to. */
static const char *bad_hint(sm_bad_reason r) {
  switch (r) {
  case SM_BAD_NO_COORDS:
    return "rows without coordinates cannot be mapped: check that the coordinate columns are the right ones "
           "(--lon/--lat or --x/--y)";
  case SM_BAD_LATLON_SWAPPED: return "name the coordinate columns the right way round with --lon/--lat";
  case SM_BAD_OUTSIDE_CRS:
    return "check the coordinate columns and --crs (and --analysis-crs when given): the values do not lie "
           "where that CRS is used";
  case SM_BAD_TIME:
  case SM_BAD_NO_TIME: return "name the right time column with --time, or fix the dates";
  default: return "fix the rows shown, or name the right columns (--lon/--lat, --x/--y, --time, --weight)";
  }
}

static const char *filter_hint(sm_filter_reason r) {
  switch (r) {
  case SM_FILTER_TYPE: return "check --type against the categories the data holds (safemap info lists them)";
  case SM_FILTER_TIME: return "check --from/--to against the months the data holds (safemap info lists them)";
  case SM_FILTER_EXTENT: return "check --extent: it is xmin,ymin,xmax,ymax in metres of the analysis CRS";
  default: return "the rows repeat rows of other files";
  }
}

/* The message for no point at all: the read report in one line. */
static sm_status empty_message(sm_ctx *ctx, const sm_points *p, const char *empty) {
  sm_buf b = {0};
  char n1[32], n2[32];
  sm_status st = sm__buf_printf(&b, "%s: %s rows read, every one skipped or filtered out", empty,
                                sm__thousands(p->rows_read, n1, sizeof n1));
  if (!st && p->sources) st = sm__buf_printf(&b, " (%s)", p->sources);
  uint64_t most = 0;
  const char *hint = NULL;
  const char *sep = ": ";
  for (int r = 0; r < SM_BAD_REASON_END_ && !st; r++) {
    if (!p->bad[r]) continue;
    st = sm__buf_printf(&b, "%s%s skipped for %s", sep, sm__thousands(p->bad[r], n2, sizeof n2),
                        sm_bad_reason_str((sm_bad_reason)r));
    if (!st && p->n_examples[r]) st = sm__buf_printf(&b, " (e.g. %s)", p->examples[r][0]);
    if (p->bad[r] > most) most = p->bad[r], hint = bad_hint((sm_bad_reason)r);
    sep = "; ";
  }
  for (int r = 0; r < SM_FILTER_REASON_END_ && !st; r++) {
    if (!p->filtered[r]) continue;
    st = sm__buf_printf(&b, "%s%s left out by the %s filter", sep, sm__thousands(p->filtered[r], n2, sizeof n2),
                        sm_filter_reason_str((sm_filter_reason)r));
    if (p->filtered[r] > most) most = p->filtered[r], hint = filter_hint((sm_filter_reason)r);
    sep = "; ";
  }
  if (!st && hint) st = sm__buf_printf(&b, ". To fix: %s", hint);
  if (st) {
    sm__free(b.s);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  st = sm__error(ctx, SM_E_INPUT, "%s", b.s);
  sm__free(b.s);
  return st;
}

/* Extent of the points in the analysis CRS (NaN coordinates left out), each of nth threads taking a run of them
 * (10 million points: 50 ms on one thread through libm's fmin and fmax). */
static void points_extent(const sm_points *p, double e[4], int nth) {
  enum { MAXT = 64 };
  double te[MAXT][4];
  if (nth < 1 || p->n < ((size_t)1 << 16)) nth = 1;
  if (nth > MAXT) nth = MAXT;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nth) schedule(static, 1)
#endif
  for (int t = 0; t < nth; t++) {
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    const size_t i1 = p->n * ((size_t)t + 1) / (size_t)nth;
    for (size_t i = p->n * (size_t)t / (size_t)nth; i < i1; i++) {
      const double x = p->x[i], y = p->y[i];
      x0 = x < x0 ? x : x0, y0 = y < y0 ? y : y0;
      x1 = x > x1 ? x : x1, y1 = y > y1 ? y : y1;
    }
    te[t][0] = x0, te[t][1] = y0, te[t][2] = x1, te[t][3] = y1;
  }
  e[0] = e[1] = INFINITY;
  e[2] = e[3] = -INFINITY;
  for (int t = 0; t < nth; t++) {
    e[0] = fmin(e[0], te[t][0]), e[1] = fmin(e[1], te[t][1]);
    e[2] = fmax(e[2], te[t][2]), e[3] = fmax(e[3], te[t][3]);
  }
}

static sm_status overlap(sm_ctx *ctx, const sm_points *p, const sm_areas *a) {
  if (!a || !sm_areas_count(a) || !p->crs || !sm_areas_crs(a)) return SM_OK;
  if (strcmp(p->crs, sm_areas_crs(a)) && !sm__crs_equal(ctx, p->crs, sm_areas_crs(a))) return SM_OK;
  double pe[4], ae[4];
  points_extent(p, pe, sm__threads(ctx));
  sm_areas_extent(a, ae);
  if (!(ae[0] <= ae[2]) || !(ae[1] <= ae[3])) return SM_OK; /* no extent: nothing to compare */
  if (pe[0] <= ae[2] && ae[0] <= pe[2] && pe[1] <= ae[3] && ae[1] <= pe[3]) return SM_OK;
  double dx = fmax(0, fmax(ae[0] - pe[2], pe[0] - ae[2])), dy = fmax(0, fmax(ae[1] - pe[3], pe[1] - ae[3]));
  char how[256] = "";
  if (p->crs_auto)
    snprintf(how, sizeof how,
             " The analysis CRS %s was chosen from the points' centre (longitude %.6g, latitude %.6g); give "
             "--analysis-crs to choose it yourself.",
             p->crs, p->crs_lon, p->crs_lat);
  return sm__error(ctx, SM_E_INPUT,
                   "the points and the areas (--wards) do not overlap: the points%s%s%s cover x %.0f to %.0f, "
                   "y %.0f to %.0f, the areas x %.0f to %.0f, y %.0f to %.0f (metres of %s, %.1f km apart), so "
                   "every area would count 0. Check that the areas are those of the data's place, and that the "
                   "coordinate columns (--lon/--lat or --x/--y) and --crs are right.%s",
                   p->sources ? " (" : "", p->sources ? p->sources : "", p->sources ? ")" : "", pe[0], pe[2], pe[1],
                   pe[3], ae[0], ae[2], ae[1], ae[3], p->crs, hypot(dx, dy) / 1000, how);
}

sm_status sm__points_usable(sm_ctx *ctx, const sm_points *p, const sm_areas *a, const char *empty) {
  if (!p) return sm__error(ctx, SM_E_INVALID_ARG, "no points given");
  if (p->n == 0) return empty_message(ctx, p, empty && *empty ? empty : "no points");
  return overlap(ctx, p, a);
}

sm_status sm_points_check(sm_ctx *ctx, const sm_points *points, const sm_areas *areas) {
  return sm__points_usable(ctx, points, areas, "no points");
}

double sm__points_bytes(const sm_points *p) {
  if (!p) return 0;
  double per = 3 * sizeof(double) + sizeof(int64_t) + sizeof(int32_t); /* x, y, w, t, cat */
  if (p->lon) per += 2 * sizeof(double);
  if (p->label) per += sizeof(int32_t);
  return (double)p->cap * per;
}
