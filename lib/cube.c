/* Space-time cube: incident counts per location and time step (docs/methods.md §1.4). */
#include "internal/sm_internal.h"
#include "internal/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef SM_HAVE_OPENMP
#include <omp.h>
#endif

struct sm_cube {
  size_t n_loc, n_steps, n_points, empty_steps;
  size_t *unit;        /* location -> unit */
  int64_t *start;      /* n_steps + 1 boundaries */
  double *counts;      /* n_loc * n_steps */
  double sparseness;
  sm_time_res res;
  sm_bins bins;
};

static const int64_t DAY = 86400;

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

sm_status sm_bins_parse(const char *text, sm_bins *out) {
  if (!text || !out) return SM_E_INVALID_ARG;
  memset(out, 0, sizeof *out);
  out->reference = SM_TIME_MISSING;
  static const struct {
    const char *name;
    sm_bin_unit unit;
  } names[] = {{"day", SM_BIN_DAY},         {"week", SM_BIN_WEEK}, {"month", SM_BIN_MONTH},
               {"quarter", SM_BIN_QUARTER}, {"year", SM_BIN_YEAR}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (!strcmp(text, names[i].name)) {
      out->unit = names[i].unit;
      return SM_OK;
    }
  char *end;
  long n = strtol(text, &end, 10);
  if (end != text && (!strcmp(end, "d") || !strcmp(end, "D")) && n >= 1 && n <= 3660 && text[0] != '+' && text[0] != ' ') {
    out->unit = SM_BIN_DAYS, out->n_days = (int)n;
    return SM_OK;
  }
  return SM_E_INVALID_ARG;
}

const char *sm_bin_unit_str(sm_bin_unit u) {
  switch (u) {
  case SM_BIN_DAY: return "day";
  case SM_BIN_WEEK: return "week";
  case SM_BIN_MONTH: return "month";
  case SM_BIN_QUARTER: return "quarter";
  case SM_BIN_YEAR: return "year";
  case SM_BIN_DAYS: return "N days";
  }
  return "?";
}

/* The step holding time t, as an absolute number (days, weeks, months, ... since an origin), and the start
 * of absolute step k. `origin` is the start of step 0 for weeks and N-day steps. */
static int64_t step_of(const sm_bins *b, int64_t origin, int64_t t) {
  int64_t d = floor_div(t, DAY);
  int y;
  unsigned m, dd;
  switch (b->unit) {
  case SM_BIN_DAY: return d;
  case SM_BIN_WEEK: return floor_div(t - origin, 7 * DAY);
  case SM_BIN_DAYS: return floor_div(t - origin, (int64_t)b->n_days * DAY);
  default: break;
  }
  sm__civil_from_days(d, &y, &m, &dd);
  int64_t mi = (int64_t)y * 12 + (int64_t)m - 1;
  if (b->unit == SM_BIN_MONTH) return mi;
  if (b->unit == SM_BIN_QUARTER) return floor_div(mi, 3);
  return y;
}

static int64_t step_start(const sm_bins *b, int64_t origin, int64_t k) {
  switch (b->unit) {
  case SM_BIN_DAY: return k * DAY;
  case SM_BIN_WEEK: return origin + k * 7 * DAY;
  case SM_BIN_DAYS: return origin + k * (int64_t)b->n_days * DAY;
  case SM_BIN_MONTH: return sm__days_from_civil(floor_div(k, 12), (unsigned)(k - floor_div(k, 12) * 12) + 1, 1) * DAY;
  case SM_BIN_QUARTER: return sm__days_from_civil(floor_div(3 * k, 12), (unsigned)(3 * k - floor_div(3 * k, 12) * 12) + 1, 1) * DAY;
  case SM_BIN_YEAR: return sm__days_from_civil(k, 1, 1) * DAY;
  }
  return 0;
}

void sm_cube_destroy(sm_cube *c) {
  if (!c) return;
  sm__free(c->unit);
  sm__free(c->start);
  sm__free(c->counts);
  sm__free(c);
}

size_t sm_cube_locations(const sm_cube *c) { return c ? c->n_loc : 0; }
size_t sm_cube_unit(const sm_cube *c, size_t loc) { return c && loc < c->n_loc ? c->unit[loc] : (size_t)-1; }
size_t sm_cube_steps(const sm_cube *c) { return c ? c->n_steps : 0; }
int64_t sm_cube_step_start(const sm_cube *c, size_t t) { return c && t < c->n_steps ? c->start[t] : SM_TIME_MISSING; }
int64_t sm_cube_step_end(const sm_cube *c, size_t t) { return c && t < c->n_steps ? c->start[t + 1] : SM_TIME_MISSING; }
const double *sm_cube_counts(const sm_cube *c) { return c ? c->counts : NULL; }
double sm_cube_sparseness(const sm_cube *c) { return c ? c->sparseness : 0; }
size_t sm_cube_empty_steps(const sm_cube *c) { return c ? c->empty_steps : 0; }
sm_time_res sm_cube_time_resolution(const sm_cube *c) { return c ? c->res : SM_TIME_NONE; }
const sm_bins *sm_cube_bins(const sm_cube *c) { return c ? &c->bins : NULL; }
size_t sm_cube_points(const sm_cube *c) { return c ? c->n_points : 0; }

sm_status sm_cube_create(sm_ctx *ctx, sm_cube **out, const sm_points *p, const int32_t *unit_of_point, size_t n_units,
                         const sm_bins *bins) {
  if (!out || !p || !unit_of_point || !bins) return sm__error(ctx, SM_E_INVALID_ARG, "sm_cube_create: NULL argument");
  *out = NULL;
  if (bins->unit < SM_BIN_DAY || bins->unit > SM_BIN_DAYS || (bins->unit == SM_BIN_DAYS && (bins->n_days < 1 || bins->n_days > 3660)))
    return sm__error(ctx, SM_E_INVALID_ARG, "time steps: unknown unit %d or %d days", (int)bins->unit, bins->n_days);
  size_t n = sm_points_count(p);
  const int64_t *t = sm_points_time(p);
  const double *wt = sm_points_weight(p);
  sm_time_res res = sm_points_time_resolution(p);
  if (res == SM_TIME_NONE || !t)
    return sm__error(ctx, SM_E_INPUT, "the incidents have no time: a space-time cube needs a time column (--time COL)");
  if (res == SM_TIME_MONTH && (bins->unit == SM_BIN_DAY || bins->unit == SM_BIN_WEEK || bins->unit == SM_BIN_DAYS))
    return sm__error(ctx, SM_E_INPUT,
                     "the incidents' times are months only (as police.uk publishes them): %s steps need dates; "
                     "use --bin month, quarter or year",
                     bins->unit == SM_BIN_DAYS ? "N-day" : sm_bin_unit_str(bins->unit));
  int64_t tmin = INT64_MAX, tmax = INT64_MIN;
  size_t used = 0;
  for (size_t i = 0; i < n; i++) {
    if (unit_of_point[i] < 0) continue;
    if ((size_t)unit_of_point[i] >= n_units)
      return sm__error(ctx, SM_E_INVALID_ARG, "point %zu: unit %d of %zu", i, (int)unit_of_point[i], n_units);
    if (t[i] == SM_TIME_MISSING) return sm__error(ctx, SM_E_INPUT, "incident %zu has no time", i);
    if (t[i] < tmin) tmin = t[i];
    if (t[i] > tmax) tmax = t[i];
    used++;
  }
  if (!used) return sm__error(ctx, SM_E_INPUT, "no incident is in any unit: the cube would be empty");
  /* the origin of week and N-day steps */
  int64_t origin = 0;
  if (bins->unit == SM_BIN_WEEK)
    origin = bins->reference != SM_TIME_MISSING ? bins->reference : 4 * DAY; /* 1970-01-05 was a Monday */
  if (bins->unit == SM_BIN_DAYS)
    origin = bins->reference != SM_TIME_MISSING ? bins->reference : (floor_div(tmax, DAY) + 1) * DAY; /* ends with the last day */
  int64_t k0 = step_of(bins, origin, tmin), k1 = step_of(bins, origin, tmax);
  char what[96];
  snprintf(what, sizeof what, "the span from the first incident to the last in steps of a %s", sm_bin_unit_str(bins->unit));
  sm_status lst = sm__limit_check(ctx, SM_LIMIT_STEPS, (double)(k1 - k0) + 1, 0, what, "use longer steps (--bin) or --from and --to");
  if (lst) return lst;
  size_t T = (size_t)(k1 - k0 + 1);
  /* the locations: units with an incident */
  size_t *loc_of_unit = sm__malloc((n_units ? n_units : 1) * sizeof *loc_of_unit);
  sm_cube *c = sm__calloc(1, sizeof *c);
  if (!loc_of_unit || !c) {
    sm__free(loc_of_unit), sm__free(c);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  for (size_t u = 0; u < n_units; u++) loc_of_unit[u] = (size_t)-1;
  for (size_t i = 0; i < n; i++)
    if (unit_of_point[i] >= 0) loc_of_unit[unit_of_point[i]] = 0;
  size_t L = 0;
  for (size_t u = 0; u < n_units; u++)
    if (loc_of_unit[u] == 0) loc_of_unit[u] = L++;
  snprintf(what, sizeof what, "a space-time cube of %zu places x %zu steps", L, T);
  lst = sm__limit_check(ctx, SM_LIMIT_BINS, (double)L * (double)T, (double)L * (double)T * 8, what,
                        "use larger cells (--cell), longer steps (--bin) or --from and --to");
  if (lst) {
    sm__free(loc_of_unit), sm__free(c);
    return lst;
  }
  c->n_loc = L, c->n_steps = T, c->n_points = used, c->res = res, c->bins = *bins;
  c->unit = sm__malloc(L * sizeof *c->unit);
  c->start = sm__malloc((T + 1) * sizeof *c->start);
  c->counts = sm__calloc(L * T, sizeof *c->counts);
  if (!c->unit || !c->start || !c->counts) {
    sm__free(loc_of_unit);
    sm_cube_destroy(c);
    return sm__error(ctx, SM_E_NOMEM, "out of memory (%zu locations x %zu steps)", L, T);
  }
  for (size_t u = 0; u < n_units; u++)
    if (loc_of_unit[u] != (size_t)-1) c->unit[loc_of_unit[u]] = u;
  for (size_t k = 0; k <= T; k++) c->start[k] = step_start(bins, origin, k0 + (int64_t)k);
  /* Counted on the threads, each thread the locations of its own range: every point looked at by each, added
   * only by the thread whose locations hold it, so that each bin adds its weights in the points' order on
   * one thread (the same bits on any number of threads) and the bins' pages are first touched by their
   * thread. Then each thread's empty bins and the steps its locations hit. */
  int nt = sm__threads(ctx);
  unsigned char *hit = sm__calloc((size_t)nt * T, 1);
  if (!hit) {
    sm__free(loc_of_unit);
    sm_cube_destroy(c);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  size_t zeros = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel num_threads(nt) reduction(+ : zeros) if (n >= 65536)
#endif
  {
    int me = 0, nth = 1;
#ifdef SM_HAVE_OPENMP
    me = omp_get_thread_num(), nth = omp_get_num_threads();
#endif
    size_t lo = L * (size_t)me / (size_t)nth, hi = L * ((size_t)me + 1) / (size_t)nth;
    for (size_t i = 0; i < n; i++) {
      if (unit_of_point[i] < 0) continue;
      size_t l = loc_of_unit[unit_of_point[i]];
      if (l < lo || l >= hi) continue;
      size_t k = (size_t)(step_of(bins, origin, t[i]) - k0);
      c->counts[l * T + k] += wt ? wt[i] : 1.0;
    }
    unsigned char *h = hit + (size_t)me * T;
    for (size_t q = lo * T; q < hi * T; q++) {
      zeros += c->counts[q] == 0;
      h[q % T] |= c->counts[q] != 0;
    }
  }
  sm__free(loc_of_unit);
  c->sparseness = (double)zeros / (double)(L * T);
  for (size_t k = 0; k < T; k++) {
    unsigned char any = 0;
    for (int j = 0; j < nt; j++) any |= hit[(size_t)j * T + k];
    c->empty_steps += !any;
  }
  sm__free(hit);
  *out = c;
  return SM_OK;
}
