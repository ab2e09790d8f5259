/* Getis-Ord Gi* and ArcGIS significance bins (docs/methods.md §1.2, §4.3). */
#include "internal/mpi.h"
#include "internal/rng.h"
#include "internal/radix.h"
#include "internal/sm_internal.h"
#include "internal/limits.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sm_status sm_gistar(sm_ctx *ctx, const sm_weights *w, const double *x, size_t n, double *z, double *p) {
  if (!w || !x || !z) return sm__error(ctx, SM_E_INVALID_ARG, "sm_gistar: NULL argument");
  if (sm_weights_count(w) != n) return sm__error(ctx, SM_E_INVALID_ARG, "sm_gistar: %zu weights rows for %zu values", sm_weights_count(w), n);
  if (n < 3) return sm__error(ctx, SM_E_INPUT, "Gi* needs at least 3 units, not %zu", n);
  double sx = 0, sxx = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i])) return sm__error(ctx, SM_E_INPUT, "unit %zu has a non-finite value", i);
    sx += x[i], sxx += x[i] * x[i];
  }
  double nd = (double)n, mean = sx / nd, var = sxx / nd - mean * mean;
  if (!(var > 0))
    return sm__error(ctx, SM_E_INPUT, "every unit has the same value (%g): Gi* is undefined for zero variance", mean);
  double S = sqrt(var);
  int nt = sm__threads(ctx);
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
  for (size_t i = 0; i < n; i++) {
    const size_t *idx;
    const double *wt;
    size_t ib[SM__STENCIL_MAX];
    double wb[SM__STENCIL_MAX];
    size_t k = sm__weights_row_get(w, i, ib, wb, &idx, &wt);
    double wx = 0, W = 0, S1 = 0;
    for (size_t q = 0; q < k; q++) wx += wt[q] * x[idx[q]], W += wt[q], S1 += wt[q] * wt[q];
    double den = S * sqrt((nd * S1 - W * W) / (nd - 1));
    z[i] = k && den > 0 ? (wx - mean * W) / den : NAN;
    if (p) p[i] = isnan(z[i]) ? NAN : erfc(fabs(z[i]) / sqrt(2.0));
  }
  (void)nt;
  return SM_OK;
}

static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

sm_status sm_hotspot_bins(sm_ctx *ctx, const double *z, const double *p, size_t n, int fdr, int *bin) {
  if (!z || !p || !bin) return sm__error(ctx, SM_E_INVALID_ARG, "sm_hotspot_bins: NULL argument");
  static const double alpha[3] = {0.10, 0.05, 0.01};
  double cut[3] = {0.10, 0.05, 0.01};
  if (fdr) {
    /* Benjamini-Hochberg step-up at each alpha: the largest p_(k) <= k/m alpha */
    double *s = sm__malloc((n ? n : 1) * sizeof *s);
    if (!s) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if (!isnan(p[i])) s[m++] = p[i];
    /* in order on the threads (a radix sort of their keys; 4M p-values of emerging took 45 ms on one) */
    double *tmp = m >= 1024 ? sm__malloc(m * sizeof *tmp) : NULL;
    if (tmp) sm__radix_sort2(s, tmp, m, sizeof *s, 0, -1, sm__threads(ctx));
    else qsort(s, m, sizeof *s, cmp_dbl);
    sm__free(tmp);
    for (int a = 0; a < 3; a++) {
      cut[a] = -1; /* nothing passes */
      for (size_t k = m; k > 0; k--)
        if (s[k - 1] <= (double)k / (double)m * alpha[a]) {
          cut[a] = s[k - 1];
          break;
        }
    }
    sm__free(s);
  }
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static) if (n >= 65536)
#endif
  for (size_t i = 0; i < n; i++) {
    int level = 0;
    if (!isnan(z[i]) && !isnan(p[i]))
      for (int a = 0; a < 3; a++)
        if (p[i] <= cut[a]) level = a + 1;
    bin[i] = z[i] > 0 ? level : -level;
  }
  return SM_OK;
}

sm_status sm_local_moran(sm_ctx *ctx, const sm_weights *w, const double *x, size_t n, double *I, double *z, double *p,
                         int *cls) {
  if (!w || !x || !I) return sm__error(ctx, SM_E_INVALID_ARG, "sm_local_moran: NULL argument");
  if (sm_weights_count(w) != n) return sm__error(ctx, SM_E_INVALID_ARG, "sm_local_moran: %zu weights rows for %zu values", sm_weights_count(w), n);
  if (n < 3) return sm__error(ctx, SM_E_INPUT, "local Moran's I needs at least 3 units, not %zu", n);
  for (size_t i = 0; i < n; i++)
    if (sm_weights_has_self(w, i))
      return sm__error(ctx, SM_E_INVALID_ARG, "local Moran's I takes weights without self-neighbours (unit %zu has itself)", i);
  double sx = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i])) return sm__error(ctx, SM_E_INPUT, "unit %zu has a non-finite value", i);
    sx += x[i];
  }
  double nd = (double)n, mean = sx / nd, m2 = 0;
  for (size_t i = 0; i < n; i++) m2 += (x[i] - mean) * (x[i] - mean);
  m2 /= nd;
  if (!(m2 > 0)) return sm__error(ctx, SM_E_INPUT, "every unit has the same value (%g): Moran's I is undefined", mean);
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static)
#endif
  for (size_t i = 0; i < n; i++) {
    const size_t *idx;
    const double *wt;
    size_t ib[SM__STENCIL_MAX];
    double wb[SM__STENCIL_MAX];
    size_t k = sm__weights_row_get(w, i, ib, wb, &idx, &wt);
    double zi = x[i] - mean, lag = 0, W = 0, S1 = 0;
    for (size_t q = 0; q < k; q++) lag += wt[q] * (x[idx[q]] - mean), W += wt[q], S1 += wt[q] * wt[q];
    double Ii = zi / m2 * lag;
    double E = -zi * zi * W / ((nd - 1) * m2);
    double V = (zi / m2) * (zi / m2) * nd / (nd - 2) * (S1 - W * W / (nd - 1)) * (m2 - zi * zi / (nd - 1));
    double zz = k && V > 0 ? (Ii - E) / sqrt(V) : NAN;
    I[i] = k ? Ii : NAN;
    if (z) z[i] = zz;
    double pp = isnan(zz) ? NAN : erfc(fabs(zz) / sqrt(2.0));
    if (p) p[i] = pp;
    if (cls) {
      int c = SM_LISA_NONE;
      if (!isnan(pp) && pp <= 0.05) c = zi > 0 ? (lag > 0 ? SM_LISA_HH : SM_LISA_HL) : (lag < 0 ? SM_LISA_LL : SM_LISA_LH);
      cls[i] = c;
    }
  }
  return SM_OK;
}

sm_status sm_global_moran(sm_ctx *ctx, const sm_weights *w, const double *x, size_t n, sm_moran *out) {
  if (!w || !x || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_global_moran: NULL argument");
  if (sm_weights_count(w) != n) return sm__error(ctx, SM_E_INVALID_ARG, "sm_global_moran: %zu weights rows for %zu values", sm_weights_count(w), n);
  if (n < 4) return sm__error(ctx, SM_E_INPUT, "global Moran's I needs at least 4 units, not %zu", n);
  double nd = (double)n, mean = 0;
  for (size_t i = 0; i < n; i++) mean += x[i];
  mean /= nd;
  double s2 = 0, s4 = 0, cross = 0, S0 = 0, S1 = 0, S2 = 0;
  /* per block of rows, partial sums added in block order: the same bits for any thread count */
  enum { BLOCK = 2048 };
  size_t nb = (n + BLOCK - 1) / BLOCK;
  double *colsum = sm__calloc(n, sizeof *colsum), *rowsum = sm__calloc(n, sizeof *rowsum);
  double *part = sm__calloc(nb * 5, sizeof *part);
  if (!colsum || !rowsum || !part) {
    sm__free(colsum), sm__free(rowsum), sm__free(part);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(dynamic, 1)
#endif
  for (size_t b = 0; b < nb; b++) {
    double ps2 = 0, ps4 = 0, pc = 0, p0 = 0, p1 = 0;
    size_t ib[SM__STENCIL_MAX];
    double wb[SM__STENCIL_MAX];
    size_t i1 = (b + 1) * BLOCK < n ? (b + 1) * BLOCK : n;
    for (size_t i = b * BLOCK; i < i1; i++) {
      double zi = x[i] - mean;
      ps2 += zi * zi, ps4 += zi * zi * zi * zi;
      const size_t *idx;
      const double *wt;
      size_t k = sm__weights_row_get(w, i, ib, wb, &idx, &wt);
      for (size_t q = 0; q < k; q++) {
        size_t j = idx[q];
        pc += wt[q] * zi * (x[j] - mean);
        p0 += wt[q];
        rowsum[i] += wt[q];
        double wji = sm__weights_at(w, j, i);
        p1 += wt[q] * wt[q] + wt[q] * wji; /* (1/2) sum (w_ij + w_ji)^2 over ordered pairs */
      }
    }
    double *pp = part + 5 * b;
    pp[0] = ps2, pp[1] = ps4, pp[2] = pc, pp[3] = p0, pp[4] = p1;
  }
  for (size_t b = 0; b < nb; b++) {
    const double *pp = part + 5 * b;
    s2 += pp[0], s4 += pp[1], cross += pp[2], S0 += pp[3], S1 += pp[4];
  }
  sm__free(part);
  for (size_t i = 0; i < n; i++) {
    const size_t *idx;
    const double *wt;
    size_t ib[SM__STENCIL_MAX];
    double wb[SM__STENCIL_MAX];
    size_t k = sm__weights_row_get(w, i, ib, wb, &idx, &wt);
    for (size_t q = 0; q < k; q++) colsum[idx[q]] += wt[q];
  }
  for (size_t i = 0; i < n; i++) S2 += (rowsum[i] + colsum[i]) * (rowsum[i] + colsum[i]);
  sm__free(colsum), sm__free(rowsum);
  if (!(s2 > 0)) return sm__error(ctx, SM_E_INPUT, "every unit has the same value: Moran's I is undefined");
  if (!(S0 > 0)) return sm__error(ctx, SM_E_INPUT, "no unit has a neighbour: Moran's I is undefined");
  double I = nd / S0 * cross / s2, E = -1.0 / (nd - 1), b2 = nd * s4 / (s2 * s2);
  double V = (nd * ((nd * nd - 3 * nd + 3) * S1 - nd * S2 + 3 * S0 * S0) -
              b2 * ((nd * nd - nd) * S1 - 2 * nd * S2 + 6 * S0 * S0)) /
                 ((nd - 1) * (nd - 2) * (nd - 3) * S0 * S0) -
             E * E;
  out->I = I, out->expected = E, out->variance = V;
  out->z = (I - E) / sqrt(V);
  out->p_greater = 0.5 * erfc(out->z / sqrt(2.0));
  out->p_two_sided = erfc(fabs(out->z) / sqrt(2.0));
  return SM_OK;
}

/* ---- permutations ------------------------------------------------------------------ */
/* One unit's neighbours other than itself, for the permutations: their weights in row order. */
typedef struct perm_row {
  size_t m;
  const size_t *idx; /* the row's neighbour indices (self included, skipped by `self_at`) */
  size_t k, self_at; /* row length; position of self in the row, or k when absent */
  double *wv;        /* the m non-self weights */
  int binary;        /* every non-self weight is 1: the lag is a plain sum (same bits) */
  int uniform;       /* every non-self weight is the same w > 0: the lag orders as Σ x_j */
  double obs;        /* observed Σ_j w_ij (x_j − x̄) over the non-self neighbours */
  int64_t obs_int;   /* observed Σ_j x_j, when the values are whole numbers */
} perm_row;

static void perm_row_init(perm_row *pr, const sm_weights *w, size_t i, const double *xc, const int32_t *xi,
                          size_t *ibuf, double *rbuf, double *wbuf) {
  const double *wt;
  pr->k = sm__weights_row_get(w, i, ibuf, rbuf, &pr->idx, &wt);
  pr->self_at = pr->k, pr->m = 0, pr->wv = wbuf, pr->binary = 1, pr->uniform = 1, pr->obs = 0, pr->obs_int = 0;
  for (size_t q = 0; q < pr->k; q++) {
    if (pr->idx[q] == i) {
      pr->self_at = q;
      continue;
    }
    pr->wv[pr->m++] = wt[q];
    pr->binary &= wt[q] == 1.0;
    pr->uniform &= wt[q] == pr->wv[0] && wt[q] > 0;
    pr->obs += wt[q] * xc[pr->idx[q]];
    if (xi) pr->obs_int += xi[pr->idx[q]];
  }
}

/* The same non-self neighbours in the same order: one set of draws serves both statistics. */
static int perm_rows_same(const perm_row *a, const perm_row *b) {
  if (a->m != b->m) return 0;
  size_t qa = 0, qb = 0;
  for (size_t t = 0; t < a->m; t++, qa++, qb++) {
    if (qa == a->self_at) qa++;
    if (qb == b->self_at) qb++;
    if (a->idx[qa] != b->idx[qb]) return 0;
  }
  return 1;
}

/* The units drawn in the current permutation: stamp[j] == gen. A new permutation takes the next gen, so
 * nothing is cleared (a bitmap needs clearing and measured slower). */
typedef struct drawn_slot {
  uint32_t stamp; /* == gen: drawn in the current permutation */
  int32_t x;      /* the unit's value, for whole numbers: one cache line per draw, not two */
} drawn_slot;
typedef struct drawn_set {
  uint32_t gen;
  drawn_slot *slot; /* n entries */
} drawn_set;

/* m distinct units other than i into draw[], each uniform over those not drawn yet (rejection). */
static inline void draw_distinct(sm__rng *s, size_t i, size_t n, size_t m, drawn_set *d, size_t *restrict draw) {
  if (++d->gen == 0) { /* wrapped after 2^32 permutations: start afresh */
    for (size_t j = 0; j < n; j++) d->slot[j].stamp = 0;
    d->gen = 1;
  }
  drawn_slot *restrict slot = d->slot;
  uint32_t gen = d->gen;
  for (size_t q = 0; q < m; q++) {
    size_t j;
    do {
      j = sm__rng_below(s, n - 1);
      j += j >= i;
    } while (slot[j].stamp == gen);
    slot[j].stamp = gen;
    draw[q] = j;
  }
}

/* draw_distinct summing the drawn whole-number values on the way (the same draws). */
static inline int64_t draw_distinct_sum(sm__rng *s, size_t i, size_t n, size_t m, drawn_set *d) {
  if (++d->gen == 0) {
    for (size_t j = 0; j < n; j++) d->slot[j].stamp = 0;
    d->gen = 1;
  }
  drawn_slot *restrict slot = d->slot;
  uint32_t gen = d->gen;
  int64_t sum = 0;
  for (size_t q = 0; q < m; q++) {
    size_t j;
    do {
      j = sm__rng_below(s, n - 1);
      j += j >= i;
    } while (slot[j].stamp == gen);
    slot[j].stamp = gen;
    sum += slot[j].x;
  }
  return sum;
}

/* The units' whole-number values as narrow as they fit: a byte, two, or four each (one of the three is set). */
typedef struct narrow_values {
  const int8_t *x8;
  const int16_t *x16;
  const int32_t *x32;
} narrow_values;

/* draw_distinct_sum for a few draws: the same draws (a unit drawn already in this permutation is drawn again),
 * found among the draws themselves rather than in an array of every unit, and the values read from the narrowest
 * array. On a national grid the array of every unit is far larger than the cache and each draw missed it waiting for
 * the last; here the reads of one permutation do not wait for each other. */
enum { SMALL_DRAWS = 48 };
/* Units up to which a bit a unit (128 KB at most, in the core's cache) finds a unit drawn again in one test, where
 * the draws compared among themselves take m / 2 tests a draw; the bits of a permutation's draws are cleared after
 * it, word by word (a word holds only bits of this permutation's draws). */
#define DRAWN_BITS_MAX ((size_t)1 << 20)
static inline int64_t draw_distinct_sum_small(sm__rng *s, size_t i, size_t n, size_t m, const narrow_values *v,
                                              size_t *restrict drawn, uint64_t *restrict bits) {
  int64_t sum = 0;
  if (bits) {
    for (size_t q = 0; q < m; q++) {
      size_t j;
      do {
        j = sm__rng_below(s, n - 1);
        j += j >= i;
      } while (bits[j >> 6] >> (j & 63) & 1);
      bits[j >> 6] |= (uint64_t)1 << (j & 63);
      drawn[q] = j;
    }
    for (size_t q = 0; q < m; q++) bits[drawn[q] >> 6] = 0;
  } else {
    for (size_t q = 0; q < m; q++) {
      size_t j;
      int dup;
      do {
        j = sm__rng_below(s, n - 1);
        j += j >= i;
        dup = 0;
        for (size_t t = 0; t < q; t++) dup |= drawn[t] == j;
      } while (dup);
      drawn[q] = j;
    }
  }
  if (v->x8)
    for (size_t q = 0; q < m; q++) sum += v->x8[drawn[q]];
  else if (v->x16)
    for (size_t q = 0; q < m; q++) sum += v->x16[drawn[q]];
  else
    for (size_t q = 0; q < m; q++) sum += v->x32[drawn[q]];
  return sum;
}

/*
 * The permutation loop of one unit for one or two statistics (`b` NULL: one). Draws are distinct units other
 * than i (draw_distinct); the
 * stream of unit i depends only on the seed and i, so the draws — and the p-values — are the same whichever
 * thread runs the unit, and the same whether the two statistics are run together or one at a time.
 * `sa`/`sb` are the signs the simulated lags are ordered by (local Moran: sign of z_i; Gi*: 1).
 */
static void perm_unit(uint64_t seed, size_t i, size_t n, const double *restrict xc, unsigned nperm,
                      const perm_row *a, double sa, const perm_row *b, double sb, drawn_set *seen,
                      size_t *restrict draw, unsigned *ge, unsigned *le) {
  const size_t m = a->m;
  const double oa = sa * a->obs, ob = b ? sb * b->obs : 0;
  const double *restrict wa = a->binary ? NULL : a->wv;
  const double *restrict wb = b && !b->binary ? b->wv : NULL;
  const int two = b != NULL;
  sm__rng s = sm__rng_stream_unmixed(seed, SM__RNG_KEY_HOTSPOT_UNIT, i);
  unsigned gea = 0, lea = 0, geb = 0, leb = 0;
  for (unsigned r = 0; r < nperm; r++) {
    draw_distinct(&s, i, n, m, seen, draw); /* distinct draws from the other n − 1 units */
    /* the gathers are independent loads; the sums keep the draw order (the same bits as one at a time) */
    double la = 0, lb = 0;
    if (!wa && !two) {
      for (size_t q = 0; q < m; q++) la += xc[draw[q]];
    } else {
      for (size_t q = 0; q < m; q++) {
        double v = xc[draw[q]];
        la += wa ? wa[q] * v : v;
        if (two) lb += wb ? wb[q] * v : v;
      }
    }
    double va = sa * la;
    gea += va >= oa, lea += va <= oa;
    if (two) {
      double vb = sb * lb;
      geb += vb >= ob, leb += vb <= ob;
    }
  }
  ge[0] = gea, le[0] = lea;
  if (two) ge[1] = geb, le[1] = leb;
}

/*
 * perm_unit for whole-number values and rows whose non-self weights are all equal (binary or
 * row-standardised bands and k-NN on counts): the lag is w (Σ x_j − m x̄) with w > 0, so it orders as the
 * whole-number sum Σ x_j, summed exactly. Ties between a simulated and the observed lag are then exact
 * (floating-point sums of the same numbers in another order can differ in the last bit and break them).
 * The draws are perm_unit's.
 */
static void perm_unit_int(uint64_t seed, size_t i, size_t n, unsigned nperm, size_t m, int64_t obs, int sa, int two,
                          int sb, drawn_set *seen, const narrow_values *nv, size_t *drawn, uint64_t *bits, unsigned *ge,
                          unsigned *le) {
  sm__rng s = sm__rng_stream_unmixed(seed, SM__RNG_KEY_HOTSPOT_UNIT, i);
  unsigned g = 0, l = 0, gb = 0, lb = 0;
  const int64_t oa = sa * obs, ob = sb * obs;
  for (unsigned r = 0; r < nperm; r++) {
    int64_t sum =
        m <= SMALL_DRAWS ? draw_distinct_sum_small(&s, i, n, m, nv, drawn, bits) : draw_distinct_sum(&s, i, n, m, seen);
    int64_t va = sa * sum;
    g += va >= oa, l += va <= oa;
    if (two) {
      int64_t vb = sb * sum;
      gb += vb >= ob, lb += vb <= ob;
    }
  }
  ge[0] = g, le[0] = l;
  if (two) ge[1] = gb, le[1] = lb;
}

/* Gi* (w_gi, self included) and/or local Moran (w_moran, no self) permutation p-values; either may be NULL. */
static sm_status permutations(sm_ctx *ctx, const sm_weights *wg, const sm_weights *wm, const double *x, size_t n,
                              unsigned nperm, double *pg, double *pm) {
  if (!x || (!wg && !wm) || (wg && !pg) || (wm && !pm))
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_hotspot_permutations: NULL argument");
  if (nperm < 1) return sm__error(ctx, SM_E_INVALID_ARG, "the number of permutations must be at least 1");
  const sm_weights *ws[2] = {wg, wm};
  size_t kmax = 1;
  for (int t = 0; t < 2; t++) {
    if (!ws[t]) continue;
    if (sm_weights_count(ws[t]) != n)
      return sm__error(ctx, SM_E_INVALID_ARG, "%zu weights rows for %zu values", sm_weights_count(ws[t]), n);
    for (size_t i = 0; i < n; i++) {
      if (t ? sm_weights_has_self(ws[t], i) : !sm_weights_has_self(ws[t], i))
        return sm__error(ctx, SM_E_INVALID_ARG, t ? "local Moran's I takes weights without self-neighbours"
                                                  : "Gi* takes weights with each unit its own neighbour");
    }
    size_t k = sm__weights_max_row(ws[t]);
    if (k > kmax) kmax = k;
  }
  if (n < 3) return sm__error(ctx, SM_E_INPUT, "permutations need at least 3 units, not %zu", n);
  char what[96];
  snprintf(what, sizeof what, "%u permutations x %zu units", nperm, n);
  sm_status lst = sm__limit_check(ctx, SM_LIMIT_PERMUTATIONS, (double)nperm * (double)n, 0, what,
                                  "use fewer --permutations or fewer units (a larger --cell)");
  if (lst) return lst;
  double mean = 0, var = 0;
  for (size_t i = 0; i < n; i++) mean += x[i];
  mean /= (double)n;
  for (size_t i = 0; i < n; i++) var += (x[i] - mean) * (x[i] - mean);
  if (!(var > 0)) return sm__error(ctx, SM_E_INPUT, "every unit has the same value: nothing to permute");
  double *xc = sm__malloc(n * sizeof *xc);
  if (!xc) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) xc[i] = x[i] - mean;
  /* whole numbers (counts): the exact path of perm_unit_int */
  int32_t *xi = sm__malloc(n * sizeof *xi);
  for (size_t i = 0; xi && i < n; i++) {
    if (!(fabs(x[i]) <= 1e9) || x[i] != floor(x[i])) {
      sm__free(xi), xi = NULL;
      break;
    }
    xi[i] = (int32_t)x[i];
  }
  /* the whole numbers as narrow as they fit, for draw_distinct_sum_small */
  int32_t lo = 0, hi = 0;
  for (size_t i = 0; xi && i < n; i++) lo = xi[i] < lo ? xi[i] : lo, hi = xi[i] > hi ? xi[i] : hi;
  int8_t *x8 = xi && lo >= INT8_MIN && hi <= INT8_MAX ? sm__malloc(n * sizeof *x8) : NULL;
  int16_t *x16 = xi && !x8 && lo >= INT16_MIN && hi <= INT16_MAX ? sm__malloc(n * sizeof *x16) : NULL;
  for (size_t i = 0; x8 && i < n; i++) x8[i] = (int8_t)xi[i];
  for (size_t i = 0; x16 && i < n; i++) x16[i] = (int16_t)xi[i];
  narrow_values nv = {x8, x16, x8 || x16 ? NULL : xi};
  uint64_t seed = sm_ctx_seed(ctx);
  int nt = sm__threads(ctx);
  size_t chunk = 1024, done = 0, u_lo = 0, u_hi = n;
  sm__mpi_block(n, sm__rank(ctx), sm__ranks(ctx), &u_lo, &u_hi); /* with MPI ranks: this rank's units */

  double t0 = sm__now();
  sm_status st = SM_OK;
  int oom = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel num_threads(nt) reduction(| : oom)
#endif
  {
    /* the units' values in the slots are filled when a unit first needs them (with x8, few or none do: the slots
     * are then never touched, and a large calloc takes no memory until it is) */
    drawn_set set = {0, sm__calloc(n, sizeof *set.slot)}, *seen = &set;
    int filled = !xi;
    size_t *draw = sm__malloc(kmax * sizeof *draw);
    double *wa = sm__malloc(kmax * sizeof *wa), *wb = sm__malloc(kmax * sizeof *wb);
    double *ra = sm__malloc(kmax * sizeof *ra), *rb_ = sm__malloc(kmax * sizeof *rb_);
    size_t *ia = sm__malloc(kmax * sizeof *ia), *ib = sm__malloc(kmax * sizeof *ib);
    uint64_t *bits = n <= DRAWN_BITS_MAX ? sm__calloc((n + 63) / 64, sizeof *bits) : NULL;
    int mine = !set.slot || !draw || !wa || !wb || !ra || !rb_ || !ia || !ib || (n <= DRAWN_BITS_MAX && !bits);
    for (size_t c0 = u_lo; c0 < u_hi; c0 += chunk * (size_t)nt) {
      size_t c1 = c0 + chunk * (size_t)nt < u_hi ? c0 + chunk * (size_t)nt : u_hi;
#ifdef SM_HAVE_OPENMP
#pragma omp for schedule(dynamic, 64)
#endif
      for (size_t i = c0; i < c1; i++) {
        if (mine || st) continue;
        perm_row pa, pb;
        perm_row *rows[2] = {NULL, NULL};
        if (wg) perm_row_init(&pa, wg, i, xc, xi, ia, ra, wa), rows[0] = &pa;
        if (wm) perm_row_init(&pb, wm, i, xc, xi, ib, rb_, wb), rows[1] = &pb;
        double sgn = xc[i] > 0 ? 1.0 : xc[i] < 0 ? -1.0 : 0.0; /* local Moran orders by z_i × lag */
        double *outs[2] = {pg, pm}, signs[2] = {1.0, sgn};
        unsigned ge[2], le[2];
        int joint = rows[0] && rows[1] && perm_rows_same(rows[0], rows[1]);
        int exact[2] = {xi && rows[0] && rows[0]->uniform, xi && rows[1] && rows[1]->uniform};
        if (joint && exact[0] != exact[1]) joint = 0;
        for (int t = 0; t < 2; t++) {
          if (!rows[t]) continue;
          if (rows[t]->m == 0 || rows[t]->m > n - 1) {
            outs[t][i] = NAN;
            continue;
          }
          if ((exact[0] || exact[1]) && !filled && rows[t]->m > SMALL_DRAWS) {
            for (size_t j = 0; j < n; j++) set.slot[j].x = xi[j];
            filled = 1;
          }
          if (joint && exact[0]) {
            perm_unit_int(seed, i, n, nperm, rows[0]->m, rows[0]->obs_int, 1, 1, (int)sgn, seen, &nv, draw, bits, ge, le);
          } else if (joint) {
            perm_unit(seed, i, n, xc, nperm, rows[0], signs[0], rows[1], signs[1], seen, draw, ge, le);
          } else if (exact[t]) {
            perm_unit_int(seed, i, n, nperm, rows[t]->m, rows[t]->obs_int, (int)signs[t], 0, 0, seen, &nv, draw, bits,
                          ge + t, le + t);
          } else {
            perm_unit(seed, i, n, xc, nperm, rows[t], signs[t], NULL, 0, seen, draw, ge + t, le + t);
          }
          for (int u = joint ? 0 : t; u <= (joint ? 1 : t); u++) {
            double pp = 2.0 * ((double)(ge[u] < le[u] ? ge[u] : le[u]) + 1.0) / ((double)nperm + 1.0);
            outs[u][i] = pp > 1 ? 1 : pp;
          }
          if (joint) break;
        }
      }
#ifdef SM_HAVE_OPENMP
#pragma omp single
#endif
      {
        done = c1;
        if (!st && !oom) st = sm__progress(ctx, (double)(done - u_lo) / (double)(u_hi - u_lo), "permutations");
      }
    }
    oom |= mine;
    sm__free(set.slot), sm__free(draw), sm__free(wa), sm__free(wb), sm__free(ra), sm__free(rb_), sm__free(ia),
        sm__free(ib), sm__free(bits);
  }
  sm__free(xc), sm__free(xi), sm__free(x8), sm__free(x16);
  if (oom && !st) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  double t1 = sm__now();
  st = sm__mpi_agree(ctx, st); /* every rank's units are done, then every rank gets every p-value */
  double t2 = sm__now();
  if (!st && pg) st = sm__mpi_share(ctx, pg, n, sizeof *pg);
  if (!st && pm) st = sm__mpi_share(ctx, pm, n, sizeof *pm);
  if (!st)
    sm__log(ctx, SM_LOG_DEBUG, "permutations: %zu of the %zu units x %u draws of their neighbours (%s) in %.3f s on %d "
            "threads; waited %.3f s for the other ranks, shared the p-values in %.3f s", u_hi - u_lo, n, nperm,
            wg && wm ? "Gi* and local Moran" : wg ? "Gi*" : "local Moran", t1 - t0, nt, t2 - t1, sm__now() - t2);
  return st;
}

sm_status sm_hotspot_permutations(sm_ctx *ctx, const sm_weights *w, const double *x, size_t n, int moran,
                                  unsigned nperm, double *p_sim) {
  if (!w || !p_sim) return sm__error(ctx, SM_E_INVALID_ARG, "sm_hotspot_permutations: NULL argument");
  return moran ? permutations(ctx, NULL, w, x, n, nperm, NULL, p_sim) : permutations(ctx, w, NULL, x, n, nperm, p_sim, NULL);
}

sm_status sm_hotspot_permutations_both(sm_ctx *ctx, const sm_weights *w_gi, const sm_weights *w_moran, const double *x,
                                       size_t n, unsigned nperm, double *p_gi, double *p_moran) {
  if (!w_gi || !w_moran || !p_gi || !p_moran)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_hotspot_permutations_both: NULL argument");
  return permutations(ctx, w_gi, w_moran, x, n, nperm, p_gi, p_moran);
}

/* ---- incremental spatial autocorrelation (docs/methods.md §1.3) --------------------------- */
/* ArcGIS's peak rule: band b is a peak when z falls after it (z[b+1] < z[b]), z has risen somewhere
 * before it, and z[b] > 1.65 (significant at 90%). The rising flag is never reset, so every fall after the
 * first rise counts (a plateau's last band too); the first and the last bands are never peaks. The
 * highest peak is the first of the largest z. (size_t)-1: none. */
void sm__isa_peaks(const double *z, size_t n, size_t *first, size_t *highest) {
  size_t fp = (size_t)-1, mp = (size_t)-1;
  int risen = 0;
  for (size_t b = 0; b + 1 < n; b++) {
    if (z[b + 1] > z[b]) risen = 1;
    if (z[b + 1] < z[b] && risen && z[b] > 1.65) {
      if (fp == (size_t)-1) fp = b;
      if (mp == (size_t)-1 || z[b] > z[mp]) mp = b;
    }
  }
  *first = fp, *highest = mp;
}

sm_status sm_incremental_autocorrelation(sm_ctx *ctx, size_t n, const double *x, const double *y, const double *v,
                                         double start_m, double increment_m, size_t n_bands, int row_standardise,
                                         sm_isa_band *out, size_t *first_peak, size_t *max_peak) {
  if (first_peak) *first_peak = (size_t)-1;
  if (max_peak) *max_peak = (size_t)-1;
  if (!x || !y || !v || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_incremental_autocorrelation: NULL argument");
  if (n < 4) return sm__error(ctx, SM_E_INVALID_ARG, "incremental spatial autocorrelation needs at least 4 units, not %zu", n);
  if (n_bands < 1 || !(start_m >= 0) || !(increment_m >= 0) || !isfinite(start_m) || !isfinite(increment_m))
    return sm__error(ctx, SM_E_INVALID_ARG, "bands: start %g m, increment %g m, %zu bands", start_m, increment_m, n_bands);
  if (start_m == 0 || increment_m == 0) { /* from the nearest-neighbour distances */
    sm_weights *nn;
    sm_status st = sm_weights_knn(ctx, &nn, n, x, y, 1, 0, 0);
    if (st) return st;
    double dmax = 0, dsum = 0;
    for (size_t i = 0; i < n; i++) {
      const size_t *idx;
      const double *wt;
      sm_weights_row(nn, i, &idx, &wt);
      double d = hypot(x[idx[0]] - x[i], y[idx[0]] - y[i]);
      dmax = fmax(dmax, d), dsum += d;
    }
    sm_weights_destroy(nn);
    if (start_m == 0) start_m = dmax * (1 + 1e-12); /* inclusive of the farthest pair */
    if (increment_m == 0) increment_m = dsum / (double)n;
    if (!(start_m > 0) || !(increment_m > 0))
      return sm__error(ctx, SM_E_INPUT, "every unit is at the same place: no distance band to start from");
  }
  for (size_t b = 0; b < n_bands; b++) {
    sm_weights *w;
    double band = start_m + (double)b * increment_m;
    sm_status st = sm_weights_distance_band(ctx, &w, n, x, y, band, 0, 0);
    if (!st && row_standardise) st = sm_weights_row_standardise(ctx, w);
    if (!st) st = sm_global_moran(ctx, w, v, n, &out[b].moran);
    if (!st) {
      out[b].band_m = band;
      out[b].min_neighbours = (size_t)-1, out[b].max_neighbours = 0;
      for (size_t i = 0; i < n; i++) {
        size_t k = sm_weights_neighbours(w, i);
        if (k < out[b].min_neighbours) out[b].min_neighbours = k;
        if (k > out[b].max_neighbours) out[b].max_neighbours = k;
      }
    }
    sm_weights_destroy(w);
    if (st) return st;
  }
  double *zs = sm__malloc(n_bands * sizeof *zs);
  if (!zs) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t b = 0; b < n_bands; b++) zs[b] = out[b].moran.z;
  size_t fp, mp;
  sm__isa_peaks(zs, n_bands, &fp, &mp);
  sm__free(zs);
  if (first_peak) *first_peak = fp;
  if (max_peak) *max_peak = mp;
  return SM_OK;
}
