/* Emerging hot spot analysis (docs/methods.md §1.5): space-time Gi*, Mann-Kendall, the category rules. */
#include "internal/sm_internal.h"
#include "internal/limits.h"
#include "internal/trend.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

sm_status sm_spacetime_gistar(sm_ctx *ctx, const sm_weights *w, const double *x, size_t L, size_t T, size_t k,
                              sm_global_window window, double *z, double *p) {
  if (!w || !x || !z) return sm__error(ctx, SM_E_INVALID_ARG, "sm_spacetime_gistar: NULL argument");
  if (window != SM_WINDOW_CUBE && window != SM_WINDOW_NEIGHBOURHOOD && window != SM_WINDOW_STEP)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_spacetime_gistar: unknown global window %d", (int)window);
  if (sm_weights_count(w) != L)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_spacetime_gistar: %zu weights rows for %zu locations", sm_weights_count(w), L);
  for (size_t l = 0; l < L; l++)
    if (!sm_weights_has_self(w, l))
      return sm__error(ctx, SM_E_INVALID_ARG, "space-time Gi* takes weights with each location its own neighbour");
  size_t n = L * T;
  if (n < 3) return sm__error(ctx, SM_E_INPUT, "space-time Gi* needs at least 3 bins, not %zu", n);
  if (window == SM_WINDOW_STEP) k = 0;
  /* per step: Σx and Σx² over the locations (summed in location order), for the windows */
  double *s1 = sm__calloc(T, sizeof *s1), *s2 = sm__calloc(T, sizeof *s2);
  if (!s1 || !s2) {
    sm__free(s1), sm__free(s2);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  double sx = 0, sxx = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i])) {
      sm__free(s1), sm__free(s2);
      return sm__error(ctx, SM_E_INPUT, "bin %zu has a non-finite value", i);
    }
    sx += x[i], sxx += x[i] * x[i];
  }
  for (size_t l = 0; l < L; l++)
    for (size_t t = 0; t < T; t++) s1[t] += x[l * T + t], s2[t] += x[l * T + t] * x[l * T + t];
  double ndc = (double)n, meanc = sx / ndc, varc = sxx / ndc - meanc * meanc;
  if (!(varc > 0)) {
    sm__free(s1), sm__free(s2);
    return sm__error(ctx, SM_E_INPUT, "every bin has the same value (%g): Gi* is undefined", meanc);
  }
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(dynamic, 64)
#endif
  for (size_t l = 0; l < L; l++) {
    const size_t *idx;
    const double *wt;
    sm_weights_row(w, l, &idx, &wt);
    size_t m = sm_weights_neighbours(w, l);
    double W1 = 0, S11 = 0; /* one step's Σ w and Σ w² */
    for (size_t q = 0; q < m; q++) W1 += wt[q], S11 += wt[q] * wt[q];
    for (size_t t = 0; t < T; t++) {
      size_t s0 = t >= k ? t - k : 0, steps = t - s0 + 1;
      double nd = ndc, mean = meanc, var = varc;
      if (window != SM_WINDOW_CUBE) { /* the window's bins: all locations at steps s0 .. t */
        double a = 0, b = 0;
        for (size_t s = s0; s <= t; s++) a += s1[s], b += s2[s];
        nd = (double)(L * steps), mean = a / nd, var = b / nd - mean * mean;
      }
      double wx = 0;
      for (size_t q = 0; q < m; q++) {
        const double *xj = x + idx[q] * T;
        double a = 0;
        for (size_t s = s0; s <= t; s++) a += xj[s];
        wx += wt[q] * a;
      }
      double W = W1 * (double)steps, S1 = S11 * (double)steps;
      double den = var > 0 ? sqrt(var) * sqrt((nd * S1 - W * W) / (nd - 1)) : 0;
      double zz = m && den > 0 ? (wx - mean * W) / den : NAN;
      z[l * T + t] = zz;
      if (p) p[l * T + t] = isnan(zz) ? NAN : erfc(fabs(zz) / sqrt(2.0));
    }
  }
  sm__free(s1), sm__free(s2);
  return SM_OK;
}

sm_status sm_spacetime_permutations(sm_ctx *ctx, const sm_weights *w, const double *x, size_t L, size_t T, size_t k,
                                    unsigned nperm, double *p_sim) {
  if (!w || !x || !p_sim) return sm__error(ctx, SM_E_INVALID_ARG, "sm_spacetime_permutations: NULL argument");
  if (sm_weights_count(w) != L)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_spacetime_permutations: %zu weights rows for %zu locations", sm_weights_count(w), L);
  size_t n = L * T, links = 0;
  for (size_t l = 0; l < L; l++) {
    if (!sm_weights_has_self(w, l))
      return sm__error(ctx, SM_E_INVALID_ARG, "space-time Gi* takes weights with each location its own neighbour");
    for (size_t t = 0; t < T; t++) links += sm_weights_neighbours(w, l) * (t - (t >= k ? t - k : 0) + 1);
  }
  char what[96];
  snprintf(what, sizeof what, "permutations on %zu space-time links", links);
  sm_status lst = sm__limit_check(ctx, SM_LIMIT_PAIRS, (double)links, (double)links * 16, what,
                                  "use fewer cells, a shorter --time-lag or no permutations");
  if (!lst) {
    snprintf(what, sizeof what, "%u permutations x %zu space-time links", nperm, links);
    lst = sm__limit_check(ctx, SM_LIMIT_PERMUTATIONS, (double)nperm * (double)links, 0, what,
                          "use fewer --permutations, fewer cells or a shorter --time-lag");
  }
  if (lst) return lst;
  /* the explicit space-time neighbour lists: bin (l, t) -> (j, s), sorted by bin index j T + s */
  size_t *off = sm__malloc((n + 1) * sizeof *off), *col = sm__malloc((links ? links : 1) * sizeof *col);
  double *val = sm__malloc((links ? links : 1) * sizeof *val);
  unsigned char *self = sm__malloc(n ? n : 1);
  if (!off || !col || !val || !self) {
    sm__free(off), sm__free(col), sm__free(val), sm__free(self);
    return sm__error(ctx, SM_E_NOMEM, "out of memory (%zu space-time links)", links);
  }
  size_t e = 0;
  off[0] = 0;
  for (size_t l = 0; l < L; l++) {
    const size_t *idx;
    const double *wt;
    sm_weights_row(w, l, &idx, &wt);
    size_t m = sm_weights_neighbours(w, l);
    for (size_t t = 0; t < T; t++) {
      size_t s0 = t >= k ? t - k : 0;
      for (size_t q = 0; q < m; q++) /* rows are sorted by location, so bins come out sorted */
        for (size_t s = s0; s <= t; s++) col[e] = idx[q] * T + s, val[e] = wt[q], e++;
      self[l * T + t] = 1;
      off[l * T + t + 1] = e;
    }
  }
  sm_weights *wst = NULL;
  sm_status st = sm__weights_from_csr(ctx, &wst, n, off, col, val, self);
  if (!st) st = sm_hotspot_permutations(ctx, wst, x, n, 0, nperm, p_sim);
  sm_weights_destroy(wst);
  return st;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Mann-Kendall over the finite values of x; -1 when the copy of a long series cannot be allocated (series
 * up to MK_STACK values, every emerging cube's in practice, need no allocation). */
#define MK_STACK 4096
int sm__mann_kendall(const double *x, size_t n, sm_mann_kendall *out) {
  memset(out, 0, sizeof *out);
  out->p = 1;
  if (!x) return 0;
  double stack[MK_STACK], *v = n <= MK_STACK ? stack : sm__malloc(n * sizeof *v);
  if (!v) {
    out->p = NAN;
    return -1;
  }
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(x[i])) v[m++] = x[i];
  out->n = m;
  if (m < 3) {
    if (v != stack) sm__free(v);
    return 0;
  }
  /* S in whole numbers, two pairs at a time where SSE2 is (a compare's mask is -1 as a whole number): the same
   * sum, without a chain of floating-point adds */
  int64_t Si = 0;
  for (size_t i = 0; i + 1 < m; i++) {
    const double vi = v[i];
    size_t j = i + 1;
#ifdef __SSE2__
    const __m128d c = _mm_set1_pd(vi);
    __m128i acc = _mm_setzero_si128();
    for (; j + 2 <= m; j += 2) {
      __m128d vj = _mm_loadu_pd(v + j);
      acc = _mm_sub_epi64(acc, _mm_castpd_si128(_mm_cmpgt_pd(vj, c)));
      acc = _mm_add_epi64(acc, _mm_castpd_si128(_mm_cmplt_pd(vj, c)));
    }
    int64_t lanes[2];
    _mm_storeu_si128((__m128i *)lanes, acc);
    Si += lanes[0] + lanes[1];
#endif
    for (; j < m; j++) Si += (int64_t)(v[j] > vi) - (int64_t)(v[j] < vi);
  }
  double S = (double)Si;
  /* tie groups: sort (series are short: insertion sort, qsort beyond 64) */
  if (m > 64) {
    qsort(v, m, sizeof *v, cmp_double);
  } else {
    for (size_t a = 1; a < m; a++) {
      double t = v[a];
      size_t b = a;
      for (; b > 0 && v[b - 1] > t; b--) v[b] = v[b - 1];
      v[b] = t;
    }
  }
  double md = (double)m, ties = 0;
  for (size_t i = 0; i < m;) {
    size_t j = i + 1;
    while (j < m && v[j] == v[i]) j++;
    double t = (double)(j - i);
    ties += t * (t - 1) * (2 * t + 5);
    i = j;
  }
  if (v != stack) sm__free(v);
  double var = (md * (md - 1) * (2 * md + 5) - ties) / 18.0;
  out->S = S, out->var = var, out->tau = S / (md * (md - 1) / 2);
  if (var > 0) out->z = S > 0 ? (S - 1) / sqrt(var) : S < 0 ? (S + 1) / sqrt(var) : 0;
  out->p = erfc(fabs(out->z) / sqrt(2.0));
  return 0;
}

void sm_mann_kendall_test(const double *x, size_t n, sm_mann_kendall *out) { (void)sm__mann_kendall(x, n, out); }

const char *sm_ehsa_category_str(sm_ehsa_category c) {
  static const char *const names[] = {"No Pattern Detected",  "New Hot Spot",          "Consecutive Hot Spot",
                                      "Intensifying Hot Spot", "Persistent Hot Spot",  "Diminishing Hot Spot",
                                      "Sporadic Hot Spot",     "Oscillating Hot Spot", "Historical Hot Spot",
                                      "New Cold Spot",         "Consecutive Cold Spot", "Intensifying Cold Spot",
                                      "Persistent Cold Spot",  "Diminishing Cold Spot", "Sporadic Cold Spot",
                                      "Oscillating Cold Spot", "Historical Cold Spot"};
  return (int)c >= 0 && (int)c <= 16 ? names[c] : "?";
}

sm_ehsa_category sm_ehsa_classify(const int *state, size_t T, const sm_mann_kendall *trend, double alpha,
                                  sm_ehsa_rules rules, sm_ehsa_detail *detail) {
  sm_ehsa_detail d;
  memset(&d, 0, sizeof d);
  d.steps = T;
  d.trend_z = trend ? trend->z : 0, d.trend_p = trend ? trend->p : 1;
  sm_ehsa_category c = SM_EHSA_NO_PATTERN;
  if (!state || T == 0) goto done;
  for (size_t t = 0; t < T; t++) d.hot += state[t] > 0, d.cold += state[t] < 0;
  d.final_state = state[T - 1] > 0 ? 1 : state[T - 1] < 0 ? -1 : 0;
  if (d.final_state) {
    for (size_t t = T; t > 0 && (state[t - 1] > 0 ? 1 : state[t - 1] < 0 ? -1 : 0) == d.final_state; t--) d.final_run++;
    int s = d.final_state, base = s > 0 ? 0 : 8;
    size_t same = s > 0 ? d.hot : d.cold, other = s > 0 ? d.cold : d.hot;
    int trend_sig = trend && trend->p <= alpha && trend->S != 0;
    double dir = trend ? (double)s * trend->z : 0;
    if (same == 1) c = (sm_ehsa_category)(base + SM_EHSA_NEW_HOT);
    else if (same == d.final_run && 10 * same < 9 * T) c = (sm_ehsa_category)(base + SM_EHSA_CONSECUTIVE_HOT);
    else if (10 * same >= 9 * T)
      c = (sm_ehsa_category)(base + (trend_sig && dir > 0   ? SM_EHSA_INTENSIFYING_HOT
                                     : trend_sig && dir < 0 ? SM_EHSA_DIMINISHING_HOT
                                                            : SM_EHSA_PERSISTENT_HOT));
    else c = (sm_ehsa_category)(base + (other == 0 ? SM_EHSA_SPORADIC_HOT : SM_EHSA_OSCILLATING_HOT));
  } else if (10 * d.hot >= 9 * T) {
    c = SM_EHSA_HISTORICAL_HOT;
  } else if (10 * d.cold >= 9 * T) {
    c = SM_EHSA_HISTORICAL_COLD;
  } else if (rules == SM_EHSA_ARCMAP && d.hot && !d.cold) {
    c = SM_EHSA_SPORADIC_HOT;
  } else if (rules == SM_EHSA_ARCMAP && d.cold && !d.hot) {
    c = SM_EHSA_SPORADIC_COLD;
  }
done:
  if (detail) *detail = d;
  return c;
}

const char *sm_simple_class_str(sm_simple_class c) {
  static const char *const names[] = {"No Pattern",          "Persistent Hot Spot",  "Emerging Hot Spot",
                                      "Former Hot Spot",     "Intermittent Hot Spot", "Persistent Cold Spot",
                                      "Emerging Cold Spot",  "Former Cold Spot",      "Intermittent Cold Spot",
                                      "Mixed Hot and Cold Spot"};
  return (int)c >= 0 && (int)c <= 9 ? names[c] : "?";
}

/* One side (hot: sign 1, cold: −1): 0 none, 1 persistent, 2 emerging, 3 former, 4 intermittent. */
static int simple_side(const int *state, size_t T, size_t r, int sign, const sm_simple_params *q) {
  size_t all = 0, older = 0, recent = 0;
  for (size_t t = 0; t < T; t++) {
    int hit = sign > 0 ? state[t] > 0 : state[t] < 0;
    all += hit;
    if (t < T - r) older += hit;
    else recent += hit;
  }
  double pa = (double)all / (double)T, po = (double)older / (double)(T - r), pr = (double)recent / (double)r;
  if (pa >= q->persistent_prop) return 1;
  if (po < q->hotspot_prop && pr >= q->recent_prop) return 2;
  if (po >= q->hotspot_prop && pr < q->hotspot_prop) return 3;
  if (pa >= q->hotspot_prop) return 4;
  return 0;
}

sm_simple_class sm_simple_classify(const int *state, size_t T, const sm_simple_params *params) {
  sm_simple_params d = SM_SIMPLE_PARAMS_INIT;
  const sm_simple_params *q = params ? params : &d;
  if (!state || T < 2) return SM_SIMPLE_NONE;
  size_t r = (size_t)floor(q->recent_prop * (double)T);
  if (r < 1) r = 1;
  if (r >= T) r = T - 1;
  int h = simple_side(state, T, r, 1, q), c = simple_side(state, T, r, -1, q);
  if (h && c) return SM_SIMPLE_MIXED;
  if (h) return (sm_simple_class)h;
  if (c) return (sm_simple_class)(4 + c);
  return SM_SIMPLE_NONE;
}

sm_status sm_emerging_classify(sm_ctx *ctx, const double *z, const int *bins, const double *counts, size_t L, size_t T,
                               double alpha, sm_ehsa_rules rules, const sm_simple_params *simple, sm_emerging_location *out) {
  if (!z || !bins || !counts || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_emerging_classify: NULL argument");
  int oom = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel num_threads(sm__threads(ctx)) reduction(| : oom)
#endif
  {
    int *state = sm__malloc((T ? T : 1) * sizeof *state);
    oom |= !state;
#ifdef SM_HAVE_OPENMP
#pragma omp for schedule(dynamic, 256)
#endif
    for (size_t l = 0; l < L; l++) {
      if (!state) continue;
      sm_emerging_location *o = &out[l];
      o->total = 0;
      for (size_t t = 0; t < T; t++)
        state[t] = bins[l * T + t] > 0 ? 1 : bins[l * T + t] < 0 ? -1 : 0, o->total += counts[l * T + t];
      oom |= sm__mann_kendall(z + l * T, T, &o->trend) | sm__mann_kendall(counts + l * T, T, &o->count_trend);
      o->category = sm_ehsa_classify(state, T, &o->trend, alpha, rules, &o->detail);
      o->simple = sm_simple_classify(state, T, simple);
    }
    sm__free(state);
  }
  return oom ? sm__error(ctx, SM_E_NOMEM, "out of memory") : SM_OK;
}
