/* Space-time permutation scan statistic (Kulldorff et al. 2005; docs/methods.md §5). */
#include "internal/mpi.h"
#include "internal/rng.h"
#include "internal/sm_internal.h"
#include "internal/limits.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef SM_HAVE_OPENMP
#include <omp.h>
#endif

void sm_scan_result_destroy(sm_scan_result *r) {
  if (!r) return;
  sm__free(r->clusters), sm__free(r->member_off), sm__free(r->members), sm__free(r->member_dist);
  sm__free(r);
}

double sm_scan_expected(const double *counts, size_t L, size_t T, const unsigned char *in, size_t a, size_t b) {
  double C = 0, R = 0, K = 0;
  for (size_t l = 0; l < L; l++)
    for (size_t t = 0; t < T; t++) {
      double c = counts[l * T + t];
      C += c;
      if (in[l]) R += c;
      if (t >= a && t <= b) K += c;
    }
  return C > 0 ? R * K / C : 0;
}

double sm_scan_llr(double c, double mu, double C) {
  if (!(c > mu) || !(mu > 0) || !(C > c)) return c > mu && C == c && mu > 0 ? c * log(c / mu) : 0;
  return c * log(c / mu) + (C - c) * log((C - c) / (C - mu));
}

/* The best cylinder of one centre. */
typedef struct cand {
  double llr;
  size_t centre, size, a, b;
} cand;

/* Every centre's circle: its locations nearest first, idx[off[z] .. off[z + 1]), and the distance of each. */
typedef struct circles {
  size_t Z;
  size_t *off;
  uint32_t *idx;
  double *rad;
} circles;

static int cmp_cand(const void *p, const void *q) {
  const cand *a = p, *b = q;
  if (a->llr != b->llr) return a->llr > b->llr ? -1 : 1;
  if (a->centre != b->centre) return a->centre < b->centre ? -1 : 1;
  return (a->size > b->size) - (a->size < b->size);
}

typedef struct dist_i {
  double d;
  size_t i;
} dist_i;

static int cmp_dist(const void *p, const void *q) {
  const dist_i *a = p, *b = q;
  if (a->d != b->d) return a->d < b->d ? -1 : 1;
  return (a->i > b->i) - (a->i < b->i);
}

/* Logarithms the windows reuse: ln(K[b + 1] − K[a]) for every window (a ≤ b; when T ≤ 1024) and ln c for whole
 * case counts c ≤ nlnc. With them an upper bound of a window's LLR costs no logarithm:
 *   LLR = c ln(c/μ) + (C − c) ln((C − c)/(C − μ)) ≤ c (ln c − ln μ) − (C − c)(c − μ)/(C − μ)
 * (ln(1 − x) ≤ −x), ln μ = ln R + ln(K[b + 1] − K[a]) − ln C; windows whose bound cannot beat the best so far are
 * skipped. The bound is tight when c ≪ C, so nearly every window is settled without a logarithm. */
typedef struct scan_logs {
  double *lnKd; /* T x T, [a * T + b]; NULL: computed */
  double *lnc;  /* nlnc + 1 */
  size_t nlnc;
  double lnC;
} scan_logs;

static inline double ln_c(const scan_logs *lg, double c) {
  return c <= (double)lg->nlnc ? lg->lnc[(size_t)c] : log(c);
}

/* For a replication, which only needs its largest LLR: LLR(c, μ) falls as μ grows (for μ < c), so a window with
 * c cases can beat the threshold thr only when μ ≤ μ*(c), the root of LLR(c, μ) = thr. The roots are found when
 * first needed for the current threshold (a stamp per c) and make the test of a window one comparison. */
typedef struct mstar_tab {
  double *ms;      /* cap + 1 roots */
  uint32_t *stamp; /* the threshold version each was found for */
  uint32_t ver;
  size_t cap;
} mstar_tab;

/* The root, from above: a μ* no smaller than the true root (so no window that may beat thrm is skipped). */
static double mstar_solve(double c, double thrm, double C) {
  if (!(thrm > 0)) return c;
  double lo = 0, hi = c; /* LLR(c, hi) = 0 < thrm; LLR(c, lo) = +inf */
  for (int it = 0; it < 60 && hi - lo > 1e-13 * c; it++) {
    double mid = 0.5 * (lo + hi);
    if (sm_scan_llr(c, mid, C) >= thrm) lo = mid;
    else hi = mid;
  }
  return hi * (1 + 1e-12);
}

/* The best window of every circle of every centre for counts c (L x T); best[z] (the best circle of centre z)
 * when `best` is given; returns the largest LLR. Without `best` (a replication) only the largest matters, so a
 * window is skipped when it cannot beat the largest so far; with `best`, when it cannot beat its centre's best
 * (ties keep the first, as without skipping: the result is the same). Work buffers per call. */
/* The cases of location l are case_t[case_off[l] .. case_off[l + 1]) (their steps, in any order): a circle's
 * series is built from its locations' cases, its steps with a case kept as a bit set, so a step of the circle
 * costs its new location's cases and the circle's steps with cases, not T. */
typedef struct scan_work {
  uint32_t *O;     /* T: the circle's cases per step (0 outside nz) */
  double *S;       /* T + 1: S[q] = cases in the steps nz[0 .. q) */
  size_t *nz;      /* T: the steps with a case, ascending */
  uint64_t *mask;  /* (T + 63) / 64 */
} scan_work;

static int work_alloc(scan_work *w, size_t T) {
  w->O = sm__calloc(T, sizeof *w->O), w->S = sm__malloc((T + 1) * sizeof *w->S), w->nz = sm__malloc(T * sizeof *w->nz);
  w->mask = sm__calloc((T + 63) / 64, sizeof *w->mask);
  return w->O && w->S && w->nz && w->mask ? 0 : -1;
}

static void work_free(scan_work *w) {
  sm__free(w->O), sm__free(w->S), sm__free(w->nz), sm__free(w->mask);
}

/* An upper bound of the LLR of every window of a circle (its steps with cases nz[0 .. nnz), their running cases S,
 * R cases, RC = R / C), in O(nnz): a window's cases are μ + E, where E is at most the largest excess Emax of any
 * run of steps (the running cases less RC K, a largest-subarray pass) and μ at least the least of one step's
 * μmin. With f(c, μ) = c ln(c/μ) − c + μ (ln(1 − x) ≤ −x),
 *   LLR ≤ f(c, μ) + (c − μ)² / (C − μ) ≤ f(μmin + Emax, μmin) + Emax² / (C − R),
 * as f(μ + E, μ) grows with E and falls with μ. A replication skips a circle whose bound is below its threshold:
 * none of its windows could beat it, so the largest LLR is the same. */
static double step_bound(const size_t *nz, size_t nnz, const double *S, const double *K, size_t T, double RC, double R,
                         double C, int prospective) {
  if (!(C > R) || nnz == 0) return INFINITY;
  double pmin = INFINITY, emax = 0, kmin = INFINITY;
  for (size_t q = 0; q < nnz; q++) {
    size_t t = nz[q];
    double p = S[q] - RC * K[t]; /* the excess before a window starting at t */
    pmin = p < pmin ? p : pmin;
    double kd = K[t + 1] - K[t], e = S[q + 1] - RC * K[t + 1] - pmin;
    kmin = kd < kmin ? kd : kmin;
    emax = e > emax ? e : emax;
  }
  if (prospective) { /* the windows end at the last step */
    double e = S[nnz] - RC * K[T] - pmin;
    emax = e > 0 ? e : 0;
  }
  double mu = RC * kmin;
  if (!(mu > 0)) return INFINITY;
  double ub = (mu + emax) * log1p(emax / mu) - emax + emax * emax / (C - R);
  return ub * (1 + 1e-9) + 1e-9; /* room for the rounding of the bound and of the LLRs */
}

/* The same bound for the windows ending at one step: their excess is at most eb (eb = the step's running cases less
 * RC K, less the least of that before any start), their μ at least mub (the shortest window's). With
 * ln(1 + x) ≤ x / √(1 + x), f(μ + E, μ) ≤ E (√(1 + E/μ) − 1), so the windows cannot beat thrm when
 * E (√(1 + E/μ) − 1) < tp = thrm − E² / CR, that is when E³ < μ (2 tp E + tp²): no logarithm, root or division
 * but one, with room for rounding. 1: skip the windows ending here. */
static inline int end_skip(double eb, double mub, double CR, double thrm) {
  if (!(CR > 0) || !(mub > 0)) return 0;
  if (!(eb > 0)) return thrm > 2e-9;
  double tp = (thrm - 1e-9) * (1 - 2e-9) - eb * eb / CR;
  return tp > 0 && eb * eb * eb * (1 + 1e-9) < mub * (2 * tp * eb + tp * tp);
}

static double scan_all(const circles *cs, size_t z0, size_t z1, size_t T, const size_t *case_off, const uint32_t *case_t,
                       const double *rowsum, const double *K, double C, size_t W, int prospective, const scan_logs *lg,
                       cand *best, scan_work *wk, mstar_tab *mt) {
  uint32_t *O = wk->O;
  double *S = wk->S;
  size_t *nz = wk->nz;
  uint64_t *mask = wk->mask;
  const size_t nw = (T + 63) / 64;
  double top = 0, mt_thr = -1;
  const double margin = 1e-9;
  if (mt) mt->ver++;
  const size_t t0 = prospective ? T - W : 0;
  size_t nnz = 0;
  for (size_t z = z0; z < z1; z++) {
    for (size_t q = 0; q < nnz; q++) O[nz[q]] = 0; /* the last circle's steps */
    memset(mask, 0, nw * sizeof *mask);
    nnz = 0;
    double R = 0;
    cand bc = {0, z, 1, 0, 0};
    for (size_t s = 0; s < cs->off[z + 1] - cs->off[z]; s++) {
      size_t l = cs->idx[cs->off[z] + s];
      /* prospective windows lie in the last W steps: only those are summed */
      for (size_t q = case_off[l]; q < case_off[l + 1]; q++) {
        size_t t = case_t[q];
        if (t < t0) continue;
        O[t] += 1, mask[t >> 6] |= (uint64_t)1 << (t & 63);
      }
      R += rowsum[l];
      S[0] = 0, nnz = 0;
      uint64_t run = 0; /* whole cases: the running sum's chain is an integer add */
      for (size_t w = 0; w < nw; w++)
        for (uint64_t m = mask[w]; m; m &= m - 1) {
          size_t t = w * 64 + (size_t)__builtin_ctzll(m);
          run += O[t];
          nz[nnz] = t, S[nnz + 1] = (double)run, nnz++;
        }
      if (!(R > 0)) continue;
      double lnR = log(R) - lg->lnC, RC = R / C, invC = 1 / C;
      /* A window that starts or ends in a step without a case in the circle is never better than the one without
       * that step (the same cases, no more expected), so windows start and end at steps with cases (prospective
       * windows end at the last step regardless). For one end b the starts run without a branch to mispredict:
       * the bound of each (−1 when it has no more cases than expected), and only a bound that may beat the best
       * so far goes on to the exact LLR. */
      double thr = best ? bc.llr : (top > bc.llr ? top : bc.llr), thrm = thr - margin * (thr + 1);
      if (mt && step_bound(nz, nnz, S, K, T, RC, R, C, prospective) < thrm) continue; /* no window can beat it */
      if (mt && thr != mt_thr) mt->ver++, mt_thr = thr;
      size_t lo = 0, qp = 0;
      double pmin = INFINITY; /* the least excess before a start, over the starts qa < qp */
      for (size_t qb = prospective ? nnz : 0; qb <= nnz; qb++) {
        size_t b;
        if (prospective) {
          if (qb != nnz) continue;
          b = T - 1;
          while (lo < nnz && nz[lo] + W <= b) lo++;
        } else {
          if (qb == nnz) break;
          b = nz[qb];
          while (nz[lo] + W <= b) lo++;
        }
        size_t qe = prospective ? nnz : qb + 1;
        double Pb = S[prospective ? nnz : qb + 1], Kb = K[b + 1];
        const double *lnKd_b = lg->lnKd ? lg->lnKd + b : NULL;
        if (mt) { /* a replication: one comparison per window against the roots for the threshold */
          for (; qp < qe; qp++) {
            double p = S[qp] - RC * K[nz[qp]];
            pmin = p < pmin ? p : pmin;
          }
          if (lo >= qe || end_skip(Pb - RC * Kb - pmin, RC * (Kb - K[nz[qe - 1]]), C - R, thrm)) continue;
          for (size_t qa = lo; qa < qe; qa++) {
            size_t a = nz[qa];
            double obs = Pb - S[qa], kd = Kb - K[a];
            size_t ci = (size_t)obs;
            if (mt->stamp[ci] != mt->ver) mt->ms[ci] = mstar_solve(obs, thrm, C), mt->stamp[ci] = mt->ver;
            if (RC * kd > mt->ms[ci]) continue;
            double mu = R * kd / C;
            if (!(obs > mu)) continue;
            double llr = sm_scan_llr(obs, mu, C);
            if (llr > bc.llr) {
              bc.llr = llr, bc.size = s + 1, bc.a = a, bc.b = b;
              if (llr > thr) thr = llr, thrm = thr - margin * (thr + 1), mt->ver++, mt_thr = thr;
            }
          }
          continue;
        }
        for (size_t qa = lo; qa < qe; qa++) {
          size_t a = nz[qa];
          double obs = Pb - S[qa], kd = Kb - K[a], mu_ = RC * kd;
          double lnkd = lnKd_b ? lnKd_b[a * T] : log(kd);
          /* the bound, with 1/C for 1/(C − μ) (smaller, so the bound only grows) */
          double ub = obs * (ln_c(lg, obs) - lnR - lnkd) - (C - obs) * (obs - mu_) * invC;
          ub = obs > mu_ ? ub : -1.0;
          if (ub < thrm) continue;
          double mu = R * kd / C;
          if (!(obs > mu)) continue;
          double llr = sm_scan_llr(obs, mu, C);
          if (llr > bc.llr) {
            bc.llr = llr, bc.size = s + 1, bc.a = a, bc.b = b;
            thr = best ? bc.llr : (top > bc.llr ? top : bc.llr), thrm = thr - margin * (thr + 1);
          }
        }
      }
    }
    if (best) best[z] = bc;
    if (bc.llr > top) top = bc.llr;
  }
  for (size_t q = 0; q < nnz; q++) O[nz[q]] = 0; /* the buffers go back clean */
  memset(mask, 0, nw * sizeof *mask);
  return top;
}

/* P(X >= x) for the Gumbel distribution fitted by moments to the n replication maxima m (Kulldorff's
 * Gumbel approximation in SaTScan): scale β = s √6 / π, location μ = mean − γ β; NaN for fewer than 10 or no spread. */
static double gumbel_p(const double *m, unsigned n, double x) {
  if (n < 10) return NAN;
  double mean = 0, ss = 0;
  for (unsigned r = 0; r < n; r++) mean += m[r];
  mean /= n;
  for (unsigned r = 0; r < n; r++) ss += (m[r] - mean) * (m[r] - mean);
  double sd = sqrt(ss / (n - 1));
  if (!(sd > 0)) return NAN;
  double beta = sd * sqrt(6.0) / 3.14159265358979323846, mu = mean - 0.57721566490153286061 * beta;
  return -expm1(-exp(-(x - mu) / beta));
}

/* A bucket grid over the locations for the circles' radius (buckets of at least the radius, at most 4096 a side). */
typedef struct bucket_grid {
  double x0, y0, g;
  size_t nx, ny;
  size_t *start; /* nx * ny + 1 */
  uint32_t *item;
} bucket_grid;

static int grid_build(bucket_grid *bg, size_t L, const double *x, const double *y, double radius) {
  double e[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (size_t l = 0; l < L; l++) e[0] = fmin(e[0], x[l]), e[1] = fmin(e[1], y[l]), e[2] = fmax(e[2], x[l]), e[3] = fmax(e[3], y[l]);
  double g = radius, span = fmax(e[2] - e[0], e[3] - e[1]);
  if (span / g > 4096) g = span / 4096;
  bg->x0 = e[0], bg->y0 = e[1], bg->g = g;
  bg->nx = (size_t)((e[2] - e[0]) / g) + 1, bg->ny = (size_t)((e[3] - e[1]) / g) + 1;
  bg->start = sm__calloc(bg->nx * bg->ny + 1, sizeof *bg->start), bg->item = sm__malloc((L ? L : 1) * sizeof *bg->item);
  size_t *b = sm__malloc((L ? L : 1) * sizeof *b);
  if (!bg->start || !bg->item || !b) {
    sm__free(b);
    return -1;
  }
  for (size_t l = 0; l < L; l++) {
    size_t cx = (size_t)((x[l] - e[0]) / g), cy = (size_t)((y[l] - e[1]) / g);
    if (cx >= bg->nx) cx = bg->nx - 1;
    if (cy >= bg->ny) cy = bg->ny - 1;
    b[l] = cy * bg->nx + cx, bg->start[b[l] + 1]++;
  }
  for (size_t k = 0; k < bg->nx * bg->ny; k++) bg->start[k + 1] += bg->start[k];
  size_t *fill = sm__malloc((bg->nx * bg->ny + 1) * sizeof *fill);
  if (!fill) {
    sm__free(b);
    return -1;
  }
  memcpy(fill, bg->start, (bg->nx * bg->ny + 1) * sizeof *fill);
  for (size_t l = 0; l < L; l++) bg->item[fill[b[l]]++] = (uint32_t)l;
  sm__free(fill), sm__free(b);
  return 0;
}

/* One centre's circle into di[0 .. return): the locations nearest first (ties by index) while within the radius
 * and, after the first, within the share of cases. */
static size_t one_circle(const bucket_grid *bg, size_t L, const double *x, const double *y, const double *rowsum,
                         double cap, double radius, double px, double py, dist_i *di) {
  size_t n = 0;
  if (bg) {
    long r = (long)ceil(radius / bg->g);
    long cx = (long)floor((px - bg->x0) / bg->g), cy = (long)floor((py - bg->y0) / bg->g);
    for (long j = cy - r; j <= cy + r; j++) {
      if (j < 0 || j >= (long)bg->ny) continue;
      for (long i = cx - r; i <= cx + r; i++) {
        if (i < 0 || i >= (long)bg->nx) continue;
        size_t k = (size_t)j * bg->nx + (size_t)i;
        for (size_t q = bg->start[k]; q < bg->start[k + 1]; q++) {
          size_t l = bg->item[q];
          double d = hypot(x[l] - px, y[l] - py);
          if (d <= radius) di[n].d = d, di[n].i = l, n++;
        }
      }
    }
  } else {
    for (size_t l = 0; l < L; l++) di[l].d = hypot(x[l] - px, y[l] - py), di[l].i = l;
    n = L;
  }
  qsort(di, n, sizeof *di, cmp_dist);
  double cum = 0;
  size_t s = 0;
  for (; s < n; s++) {
    if (s > 0 && cum + rowsum[di[s].i] > cap) break;
    cum += rowsum[di[s].i];
  }
  if (s == 0) { /* no location within the radius of this centre: its nearest one alone */
    size_t best = 0;
    double bd = INFINITY;
    for (size_t l = 0; l < L; l++) {
      double d = hypot(x[l] - px, y[l] - py);
      if (d < bd) bd = d, best = l;
    }
    di[0].d = bd, di[0].i = best, s = 1;
  }
  return s;
}

/* Where the circles come from: the locations, their cases, the limits of a circle and the centres (NULL: the
 * locations). */
typedef struct circle_src {
  const bucket_grid *bg; /* NULL: no radius, every location is looked at */
  size_t L;
  const double *x, *y, *rowsum;
  double cap, radius;
  const double *zx, *zy;
} circle_src;

/* Centre z's circle into di[0 .. return) (one_circle). */
static size_t centre_circle(const circle_src *src, size_t z, dist_i *di) {
  return one_circle(src->bg, src->L, src->x, src->y, src->rowsum, src->cap, src->radius, src->zx ? src->zx[z] : src->x[z],
                    src->zy ? src->zy[z] : src->y[z], di);
}

/* Whether the circles of the Z centres would hold more than max_entries entries, told from a sample of up to 64
 * centres before any time is spent on them all; *estimate: the entries extrapolated, when too many. di: L places. */
static int circles_too_many(const circle_src *src, size_t Z, dist_i *di, size_t max_entries, size_t *estimate) {
  size_t m = Z < 64 ? Z : 64;
  double sum = 0;
  for (size_t k = 0; k < m; k++) {
    size_t z = Z * k / m;
    sum += (double)centre_circle(src, z, di);
  }
  double est = m ? sum / (double)m * (double)Z : 0;
  if (est > (double)max_entries) {
    *estimate = (size_t)est;
    return 1;
  }
  return 0;
}

/* The circles of centres [z0, z1) into arrays of their own (*ii, *rr: locations and distances, the return their
 * count), each circle's size in off[z + 1]; *built counts the entries of all threads (atomically). Stops at the
 * first allocation failure (*oom) or when the entries pass max_entries (*too_many), or when either is already set
 * (the calling thread's own flags). */
static size_t circles_chunk(const circle_src *src, size_t z0, size_t z1, dist_i *di, size_t *off, size_t *built,
                            size_t max_entries, int *oom, int *too_many, uint32_t **ii_out, double **rr_out) {
  size_t cap_n = 0, n = 0;
  uint32_t *ii = NULL;
  double *rr = NULL;
  for (size_t z = z0; z < z1 && !*oom && !*too_many; z++) {
    size_t s = centre_circle(src, z, di);
    if (n + s > cap_n) {
      size_t nc = cap_n ? 2 * cap_n : 4096;
      while (nc < n + s) nc *= 2;
      uint32_t *ni = sm__realloc(ii, nc * sizeof *ni);
      if (ni) ii = ni;
      double *nr = ni ? sm__realloc(rr, nc * sizeof *nr) : NULL;
      if (nr) rr = nr;
      if (!ni || !nr) {
        *oom = 1;
        break;
      }
      cap_n = nc;
    }
    for (size_t q = 0; q < s; q++) ii[n + q] = (uint32_t)di[q].i, rr[n + q] = di[q].d;
    n += s;
    off[z + 1] = s;
    size_t so_far;
#ifdef SM_HAVE_OPENMP
#pragma omp atomic capture
#endif
    so_far = *built += s;
    if (so_far > max_entries) *too_many = 1;
  }
  *ii_out = ii, *rr_out = rr;
  return n;
}

/* The status once the nt chunks are built (too many entries, out of memory, or SM_OK), and on success the chunks
 * pi/pr (pn entries each) joined in centre order into cs, cs->off made cumulative. */
static sm_status circles_join(sm_ctx *ctx, circles *cs, int nt, uint32_t *const *pi, double *const *pr, const size_t *pn,
                              int oom, int too_many, size_t estimate, size_t max_entries) {
  size_t Z = cs->Z;
  sm_status st = SM_OK;
  size_t total = 0;
  for (int k = 0; pn && k < nt; k++) total += pn[k];
  if (too_many || (!oom && total > max_entries)) {
    char what[96];
    snprintf(what, sizeof what, "the circles of %zu centres, %s", Z, estimate ? "about" : "more than the limit");
    double size = estimate ? (double)estimate : (double)max_entries + 1;
    st = sm__limit_check(ctx, SM_LIMIT_CIRCLES, size, size * 12, what,
                         "limit them with a radius (--max-radius) or a smaller share (--max-share)");
  }
  else if (oom)
    st = sm__error(ctx, SM_E_NOMEM, "out of memory building the circles of %zu centres", Z);
  if (!st) {
    cs->idx = sm__malloc((total ? total : 1) * sizeof *cs->idx), cs->rad = sm__malloc((total ? total : 1) * sizeof *cs->rad);
    if (!cs->idx || !cs->rad) st = sm__error(ctx, SM_E_NOMEM, "out of memory (%zu circle entries)", total);
  }
  if (!st) {
    for (size_t z = 0; z < Z; z++) cs->off[z + 1] += cs->off[z];
    size_t q = 0;
    for (int k = 0; k < nt; k++) {
      memcpy(cs->idx + q, pi[k], pn[k] * sizeof *cs->idx), memcpy(cs->rad + q, pr[k], pn[k] * sizeof *cs->rad);
      q += pn[k];
    }
  }
  return st;
}

/* The circles of all centres, in parallel: each thread a contiguous run of centres into its own arrays, joined in
 * centre order (the same circles for any thread count). */
static sm_status build_circles(sm_ctx *ctx, circles *cs, size_t L, const double *x, const double *y, const double *rowsum,
                               double cap, double radius, size_t Z, const double *zx, const double *zy) {
  bucket_grid bg = {0};
  int use_grid = radius > 0;
  if (use_grid && grid_build(&bg, L, x, y, radius)) {
    sm__free(bg.start), sm__free(bg.item);
    return sm__error(ctx, SM_E_NOMEM, "out of memory (%zu locations)", L);
  }
  const circle_src src = {use_grid ? &bg : NULL, L, x, y, rowsum, cap, radius, zx, zy};
  cs->Z = Z;
  cs->off = sm__calloc(Z + 1, sizeof *cs->off);
  int nt = sm__threads(ctx);
  if (nt < 1) nt = 1;
  if ((size_t)nt > Z) nt = (int)(Z ? Z : 1);
  uint32_t **pi = sm__calloc((size_t)nt, sizeof *pi);
  double **pr = sm__calloc((size_t)nt, sizeof *pr);
  size_t *pn = sm__calloc((size_t)nt, sizeof *pn);
  int oom = !cs->off || !pi || !pr || !pn;
  /* at most the limit of circle entries (by default 2^28, 12 bytes each: 3 GiB); a sample of the centres tells early when the circles would be
   * more, before any time is spent on them */
  const double lim = sm__limit(ctx, SM_LIMIT_CIRCLES);
  const size_t max_entries = lim < (double)SIZE_MAX / 2 ? (size_t)lim : SIZE_MAX / 2;
  int too_many = 0;
  size_t built = 0, estimate = 0;
  dist_i *di0 = oom ? NULL : sm__malloc((L ? L : 1) * sizeof *di0);
  if (!oom && !di0) oom = 1;
  if (!oom) too_many = circles_too_many(&src, Z, di0, max_entries, &estimate);
  sm__free(di0);
  if (!oom && !too_many) {
#ifdef SM_HAVE_OPENMP
#pragma omp parallel num_threads(nt) reduction(| : oom, too_many)
#endif
    {
#ifdef SM_HAVE_OPENMP
      int tid = omp_get_thread_num(), nthr = omp_get_num_threads();
#else
      int tid = 0, nthr = 1;
#endif
      dist_i *di = sm__malloc(L * sizeof *di);
      oom |= !di;
      for (int k = tid; k < nt && di; k += nthr) { /* chunk k: centres [z0, z1) */
        size_t z0 = Z * (size_t)k / (size_t)nt, z1 = Z * ((size_t)k + 1) / (size_t)nt;
        pn[k] = circles_chunk(&src, z0, z1, di, cs->off, &built, max_entries, &oom, &too_many, &pi[k], &pr[k]);
      }
      sm__free(di);
    }
  }
  sm_status st = circles_join(ctx, cs, nt, pi, pr, pn, oom, too_many, estimate, max_entries);
  for (int k = 0; k < nt; k++) { /* either list may be missing when its allocation failed */
    if (pi) sm__free(pi[k]);
    if (pr) sm__free(pr[k]);
  }
  sm__free(pi), sm__free(pr), sm__free(pn);
  sm__free(bg.start), sm__free(bg.item);
  return st;
}

/* The options, the locations, the centres and the counts of a call: a bad one's status and message, or SM_OK and
 * the total of the cases in *C. */
static sm_status scan_check(sm_ctx *ctx, size_t L, const double *x, const double *y, size_t T, const double *counts,
                            const sm_scan_options *o, double *C_out) {
  if (!(o->max_share > 0 && o->max_share <= 1) || o->max_radius_m < 0 || o->max_clusters < 1)
    return sm__error(ctx, SM_E_INVALID_ARG, "scan: a circle's share must be in (0, 1], not %g", o->max_share);
  if (o->n_centres && (!o->centre_x || !o->centre_y))
    return sm__error(ctx, SM_E_INVALID_ARG, "scan: %zu centres without their coordinates", o->n_centres);
  if (L < 2) return sm__error(ctx, SM_E_INPUT, "a space-time scan needs at least 2 locations, not %zu", L);
  if (L > UINT32_MAX) return sm__error(ctx, SM_E_INVALID_ARG, "%zu locations: at most %u", L, UINT32_MAX);
  if (T < 2) return sm__error(ctx, SM_E_INPUT, "a space-time scan needs at least 2 time steps, not %zu", T);
  for (size_t l = 0; l < L; l++)
    if (!isfinite(x[l]) || !isfinite(y[l])) return sm__error(ctx, SM_E_INPUT, "location %zu has no finite position", l);
  for (size_t z = 0; z < o->n_centres; z++)
    if (!isfinite(o->centre_x[z]) || !isfinite(o->centre_y[z]))
      return sm__error(ctx, SM_E_INPUT, "centre %zu has no finite position", z);
  double C = 0;
  for (size_t q = 0; q < L * T; q++) {
    if (!(counts[q] >= 0) || counts[q] != floor(counts[q]) || counts[q] > 1e9)
      return sm__error(ctx, SM_E_INPUT, "location %zu, step %zu: %g cases is not a whole number", q / T, q % T, counts[q]);
    C += counts[q];
  }
  if (C < 2) return sm__error(ctx, SM_E_INPUT, "a space-time scan needs at least 2 cases, not %g", C);
  if (C > UINT32_MAX) return sm__error(ctx, SM_E_INPUT, "%g cases: at most %u", C, UINT32_MAX);
  *C_out = C;
  return SM_OK;
}

/* The margins of the counts (L x T): cases per location (rowsum), per step (colsum) and their running total K
 * (K[t] = cases before step t; T + 1 places). */
static void scan_margins(size_t L, size_t T, const double *counts, double *rowsum, double *colsum, double *K) {
  for (size_t l = 0; l < L; l++)
    for (size_t t = 0; t < T; t++) rowsum[l] += counts[l * T + t], colsum[t] += counts[l * T + t];
  for (size_t t = 0; t < T; t++) K[t + 1] = K[t] + colsum[t];
}

/* The most cases a circle holds (a window holds at most its circle's cases: the tables of logarithms and roots
 * need no more). */
static size_t circles_cap_cases(const circles *cs, size_t Z, const double *rowsum) {
  size_t cap_cases = 0;
  for (size_t z = 0; z < Z; z++) {
    double tot = 0;
    for (size_t q = cs->off[z]; q < cs->off[z + 1]; q++) tot += rowsum[cs->idx[q]];
    if ((size_t)tot > cap_cases) cap_cases = (size_t)tot;
  }
  return cap_cases;
}

/* The tables of lg (lg->lnC set): ln c for c up to cap_cases (none beyond 16 million) and, for T <= 1024,
 * ln(K[b + 1] − K[a]) of every window. */
static sm_status logs_build(sm_ctx *ctx, scan_logs *lg, size_t cap_cases, size_t T, const double *K) {
  lg->nlnc = cap_cases < 16000000 ? cap_cases : 0;
  lg->lnc = sm__malloc((lg->nlnc + 1) * sizeof *lg->lnc);
  if (T <= 1024) lg->lnKd = sm__malloc(T * T * sizeof *lg->lnKd);
  if (!lg->lnc || (T <= 1024 && !lg->lnKd)) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t k = 0; k <= lg->nlnc; k++) lg->lnc[k] = k ? log((double)k) : 0; /* 0 cases: never above μ */
  for (size_t a = 0; lg->lnKd && a < T; a++)
    for (size_t b = a; b < T; b++) lg->lnKd[a * T + b] = log(K[b + 1] - K[a]);
  return SM_OK;
}

/* The nc cases as lists per location (location-major): (*case_t)[(*case_off)[l] .. (*case_off)[l + 1]) are l's
 * steps. Both arrays are handed back, allocated or not, for the caller to free. */
static sm_status cases_by_location(sm_ctx *ctx, size_t L, size_t T, const double *counts, size_t nc, size_t **case_off_out,
                                   uint32_t **case_t_out) {
  size_t *case_off = *case_off_out = sm__malloc((L + 1) * sizeof *case_off);
  uint32_t *ct = *case_t_out = sm__malloc((nc ? nc : 1) * sizeof *ct);
  if (!case_off || !ct) return sm__error(ctx, SM_E_NOMEM, "out of memory (%zu cases)", nc);
  size_t q = 0;
  for (size_t l = 0; l < L; l++) {
    case_off[l] = q;
    for (size_t t = 0; t < T; t++)
      for (double k = 0; k < counts[l * T + t]; k++) ct[q++] = (uint32_t)t;
  }
  case_off[L] = q;
  return SM_OK;
}

/* What every scan of the cylinders reads: the circles, the cases per location, the margins and the logarithms. */
typedef struct scan_input {
  const circles *cs;
  size_t T, W;
  const size_t *case_off;
  const uint32_t *case_t;
  const double *rowsum, *K;
  double C;
  int prospective;
  const scan_logs *lg;
} scan_input;

/* The data: every centre's best cylinder into best, centres in parallel blocks of 64 (nth threads). */
static sm_status best_cylinders(sm_ctx *ctx, const scan_input *in, int nth, cand *best) {
  const circles *cs = in->cs;
  size_t Z = cs->Z;
  int oom = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel num_threads(nth) reduction(| : oom)
#endif
  {
    scan_work wk;
    int bad = work_alloc(&wk, in->T);
    oom |= bad;
#ifdef SM_HAVE_OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
    for (size_t z0 = 0; z0 < Z; z0 += 64)
      if (!bad)
        scan_all(cs, z0, z0 + 64 < Z ? z0 + 64 : Z, in->T, in->case_off, in->case_t, in->rowsum, in->K, in->C, in->W,
                 in->prospective, in->lg, best, &wk, NULL);
    work_free(&wk);
  }
  return oom ? sm__error(ctx, SM_E_NOMEM, "out of memory") : SM_OK;
}

/* Replication r: the cases' steps shuffled over the cases on stream r (the same cases per location, their steps
 * shuffled: each location keeps its case count), and the largest LLR of its cylinders. tt (nc), wk, mt: the
 * thread's buffers. */
static double one_replication(const scan_input *in, uint64_t seed, unsigned r, size_t nc, uint32_t *tt, scan_work *wk,
                              mstar_tab *mt) {
  memcpy(tt, in->case_t, nc * sizeof *tt);
  sm__rng s = sm__rng_stream(seed, SM__RNG_KEY_SCAN_REP, r);
  for (size_t i = nc - 1; i > 0; i--) {
    size_t j = sm__rng_below_fast(&s, i + 1);
    uint32_t tmp = tt[i];
    tt[i] = tt[j], tt[j] = tmp;
  }
  return scan_all(in->cs, 0, in->cs->Z, in->T, in->case_off, tt, in->rowsum, in->K, in->C, in->W, in->prospective, in->lg,
                  NULL, wk, mt);
}

/* The Rn replications' largest LLRs into repmax, replications in parallel (nth threads), in batches with the
 * progress between them (a callback may stop the run). With the ranks of an MPI run each takes a block of the
 * replications, and the maxima are then shared: replication r is drawn from stream r whichever rank draws it. */
static sm_status scan_replications(sm_ctx *ctx, const scan_input *in, int nth, unsigned Rn, uint64_t seed, size_t cap_cases,
                                   size_t nc, double *repmax) {
  sm_status st = SM_OK;
  int oom = 0;
  unsigned batch = (unsigned)(nth > 0 ? 4 * nth : 4);
  size_t lo = 0, hi = Rn;
  sm__mpi_block(Rn, sm__rank(ctx), sm__ranks(ctx), &lo, &hi); /* with MPI ranks: this rank's replications */
  double t0 = sm__now();
  for (unsigned r0 = (unsigned)lo; !st && r0 < hi; r0 += batch) {
    unsigned r1 = r0 + batch < hi ? r0 + batch : (unsigned)hi;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel num_threads(nth) reduction(| : oom)
#endif
    {
      uint32_t *tt = sm__malloc(nc * sizeof *tt);
      scan_work wk;
      int bad = work_alloc(&wk, in->T);
      mstar_tab mt = {sm__malloc((cap_cases + 1) * sizeof(double)), sm__calloc(cap_cases + 1, sizeof(uint32_t)), 0, cap_cases};
      bad |= !tt || !mt.ms || !mt.stamp;
      oom |= bad;
#ifdef SM_HAVE_OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
      for (unsigned r = r0; r < r1; r++) {
        if (bad) continue;
        repmax[r] = one_replication(in, seed, r, nc, tt, &wk, &mt);
      }
      sm__free(tt), sm__free(mt.ms), sm__free(mt.stamp);
      work_free(&wk);
    }
    if (oom) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (!st) st = sm__progress(ctx, (double)(r1 - lo) / (double)(hi - lo), "scan replications");
  }
  double t1 = sm__now();
  st = sm__mpi_agree(ctx, st); /* every rank's replications are done, then every rank gets every maximum */
  double t2 = sm__now();
  if (!st) st = sm__mpi_share(ctx, repmax, Rn, sizeof *repmax);
  if (sm__ranks(ctx) > 1)
    sm__log(ctx, SM_LOG_DEBUG, "scan: rank %d of %d ran its %zu of the %u replications in %.3f s, waited %.3f s for "
            "the others, shared the maxima in %.3f s", sm__rank(ctx), sm__ranks(ctx), hi - lo, Rn, t1 - t0, t2 - t1,
            sm__now() - t2);
  return st;
}

/* Cluster k from the cylinder b: its centre, circle and window, its cases observed and expected, and its p-values
 * against the Rn replications' largest LLRs. */
static void cluster_fill(sm_scan_cluster *k, const cand *b, const scan_input *in, const sm_scan_options *o, const double *x,
                         const double *y, const double *counts, const double *repmax, unsigned Rn) {
  const circles *cs = in->cs;
  const uint32_t *ci = cs->idx + cs->off[b->centre];
  size_t T = in->T;
  k->centre = b->centre, k->locations = b->size, k->radius_m = cs->rad[cs->off[b->centre] + b->size - 1];
  k->x = o->n_centres ? o->centre_x[b->centre] : x[b->centre], k->y = o->n_centres ? o->centre_y[b->centre] : y[b->centre];
  k->t_start = b->a, k->t_end = b->b, k->llr = b->llr;
  double R = 0, obs = 0;
  for (size_t s = 0; s < b->size; s++) {
    size_t l = ci[s];
    R += in->rowsum[l];
    for (size_t t = b->a; t <= b->b; t++) obs += counts[l * T + t];
  }
  k->observed = obs, k->expected = R * (in->K[b->b + 1] - in->K[b->a]) / in->C;
  unsigned ge = 0;
  for (unsigned r = 0; r < Rn; r++) ge += repmax[r] >= k->llr;
  k->p = Rn ? ((double)ge + 1) / ((double)Rn + 1) : NAN;
  k->p_gumbel = gumbel_p(repmax, Rn, k->llr);
}

/* The clusters into a new result *res (handed back, allocated or not): each centre's best cylinder (best, Z of
 * them, compacted and sorted in place) by LLR, those whose circles share no location (of L) with a better one, up
 * to o->max_clusters. */
static sm_status pick_clusters(sm_ctx *ctx, const scan_input *in, cand *best, size_t Z, size_t L, const sm_scan_options *o,
                               const double *x, const double *y, const double *counts, const double *repmax, unsigned Rn,
                               sm_scan_result **res_out) {
  sm_status st = SM_OK;
  const circles *cs = in->cs;
  size_t nb = 0;
  for (size_t z = 0; z < Z; z++)
    if (best[z].llr > 0) best[nb++] = best[z];
  qsort(best, nb, sizeof *best, cmp_cand);
  sm_scan_result *res = *res_out = sm__calloc(1, sizeof *res);
  unsigned char *used = sm__calloc(L, 1);
  if (res) res->clusters = sm__malloc(o->max_clusters * sizeof *res->clusters);
  if (!res || !used || !res->clusters) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t q = 0; !st && q < nb && res->n_clusters < o->max_clusters; q++) {
    const cand *b = &best[q];
    const uint32_t *ci = cs->idx + cs->off[b->centre];
    int overlap = 0;
    for (size_t s = 0; s < b->size && !overlap; s++) overlap = used[ci[s]];
    if (overlap) continue;
    for (size_t s = 0; s < b->size; s++) used[ci[s]] = 1;
    cluster_fill(&res->clusters[res->n_clusters++], b, in, o, x, y, counts, repmax, Rn);
  }
  sm__free(used);
  if (res) res->total = in->C;
  return st;
}

/* Each cluster's locations and their distances from its centre, cluster by cluster (member_off). */
static sm_status cluster_members(sm_ctx *ctx, sm_scan_result *res, const circles *cs) {
  sm_status st = SM_OK;
  size_t nm = 0;
  for (size_t k = 0; k < res->n_clusters; k++) nm += res->clusters[k].locations;
  res->member_off = sm__malloc((res->n_clusters + 1) * sizeof *res->member_off);
  res->members = sm__malloc((nm ? nm : 1) * sizeof *res->members);
  res->member_dist = sm__malloc((nm ? nm : 1) * sizeof *res->member_dist);
  if (!res->member_off || !res->members || !res->member_dist) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  else res->member_off[0] = 0;
  for (size_t k = 0, q = 0; !st && k < res->n_clusters; k++) {
    res->member_off[k] = q;
    const sm_scan_cluster *m = &res->clusters[k];
    for (size_t j = 0; j < m->locations; j++, q++)
      res->members[q] = cs->idx[cs->off[m->centre] + j], res->member_dist[q] = cs->rad[cs->off[m->centre] + j];
    res->member_off[k + 1] = q;
  }
  return st;
}

sm_status sm_scan(sm_ctx *ctx, size_t L, const double *x, const double *y, size_t T, const double *counts,
                  const sm_scan_options *opts, sm_scan_result **out) {
  sm_scan_options d = SM_SCAN_OPTIONS_INIT;
  const sm_scan_options *o = opts ? opts : &d;
  if (!x || !y || !counts || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_scan: NULL argument");
  *out = NULL;
  double C = 0;
  sm_status st = scan_check(ctx, L, x, y, T, counts, o, &C);
  if (st) return st;
  size_t W = o->max_window ? o->max_window : (T + 1) / 2;
  if (W > T) W = T;
  size_t Z = o->n_centres ? o->n_centres : L;
  double t0 = sm__now();
  double *rowsum = sm__calloc(L, sizeof *rowsum), *K = sm__calloc(T + 1, sizeof *K), *colsum = sm__calloc(T, sizeof *colsum);
  cand *best = sm__malloc(Z * sizeof *best);
  circles cs = {0};
  st = !rowsum || !K || !colsum || !best ? sm__error(ctx, SM_E_NOMEM, "out of memory (%zu locations)", L) : SM_OK;
  if (!st) scan_margins(L, T, counts, rowsum, colsum, K);
  if (!st) st = build_circles(ctx, &cs, L, x, y, rowsum, o->max_share * C, o->max_radius_m, Z, o->n_centres ? o->centre_x : NULL,
                              o->n_centres ? o->centre_y : NULL);
  if (!st) sm__log(ctx, SM_LOG_DEBUG, "scan: %zu circles of %zu centres in %.3f s", cs.off[Z], Z, sm__now() - t0);
  size_t cap_cases = st ? 0 : circles_cap_cases(&cs, Z, rowsum);
  scan_logs lg = {NULL, NULL, 0, log(C)};
  if (!st) st = logs_build(ctx, &lg, cap_cases, T, K);
  size_t nc = (size_t)C, *case_off = NULL;
  uint32_t *ct = NULL;
  if (!st) st = cases_by_location(ctx, L, T, counts, nc, &case_off, &ct);
  const scan_input in = {&cs, T, W, case_off, ct, rowsum, K, C, o->prospective, &lg};
  /* the data: every centre's best cylinder */
  int nth = sm__threads(ctx);
  double t1 = sm__now();
  if (!st) st = best_cylinders(ctx, &in, nth, best);
  if (!st) sm__log(ctx, SM_LOG_DEBUG, "scan: the data's best cylinders in %.3f s", sm__now() - t1);
  if (!st && o->permutations) {
    char what[96];
    snprintf(what, sizeof what, "%u replications x %zu circle entries", o->permutations, cs.off[Z]);
    st = sm__limit_check(ctx, SM_LIMIT_PERMUTATIONS, (double)o->permutations * (double)cs.off[Z], 0, what,
                         "use fewer --permutations, a smaller --max-radius or --max-share");
  }
  if (!st) st = sm__progress(ctx, 0.0, "scan replications");
  /* the replications: the cases' times shuffled over the cases */
  unsigned Rn = o->permutations;
  double *repmax = Rn ? sm__malloc(Rn * sizeof *repmax) : NULL;
  if (!st && Rn && !repmax) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  uint64_t seed = sm_ctx_seed(ctx);
  t1 = sm__now();
  if (!st) st = scan_replications(ctx, &in, nth, Rn, seed, cap_cases, nc, repmax);
  if (!st && Rn) sm__log(ctx, SM_LOG_DEBUG, "scan: %u replications in %.3f s", Rn, sm__now() - t1);
  /* clusters: each centre's best cylinder, by LLR; those whose circles share no location with a better one */
  sm_scan_result *res = NULL;
  if (!st) st = pick_clusters(ctx, &in, best, Z, L, o, x, y, counts, repmax, Rn, &res);
  if (!st) st = cluster_members(ctx, res, &cs);
  sm__free(rowsum), sm__free(colsum), sm__free(K), sm__free(cs.off), sm__free(cs.idx), sm__free(cs.rad);
  sm__free(best), sm__free(repmax), sm__free(case_off), sm__free(ct);
  sm__free(lg.lnc), sm__free(lg.lnKd);
  if (st) {
    sm_scan_result_destroy(res);
    return st;
  }
  *out = res;
  return SM_OK;
}
