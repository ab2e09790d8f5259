/* Space-time permutation scan statistic (Kulldorff et al. 2005; REFERENCE.md §5). */
#include "internal/sm_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sm_scan_result_destroy(sm_scan_result *r) {
  if (!r) return;
  sm__free(r->clusters);
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

typedef struct cand {
  double llr;
  size_t centre, size, a, b;
} cand;

typedef struct order_ctx {
  size_t *idx; /* L x S: for each centre, its circle's locations nearest first */
  double *rad; /* L x S: the radius with that many */
  size_t *size; /* L: how many the circle may take */
  size_t S;
} order_ctx;

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

/* The best window of every circle of every centre for counts c (L x T); best[centre * S + size - 1] when
 * `best` is given; returns the largest LLR. Work buffers per call. */
static double scan_all(const order_ctx *oc, size_t L, size_t T, const double *c, const double *rowsum, const double *K,
                       double C, size_t W, int prospective, cand *best, double *O, double *P, size_t *nz) {
  double top = 0;
  for (size_t z = 0; z < L; z++) {
    memset(O, 0, T * sizeof *O);
    double R = 0;
    for (size_t s = 0; s < oc->size[z]; s++) {
      size_t l = oc->idx[z * oc->S + s];
      const double *cl = c + l * T;
      for (size_t t = 0; t < T; t++) O[t] += cl[t];
      R += rowsum[l];
      P[0] = 0;
      size_t nnz = 0;
      for (size_t t = 0; t < T; t++) {
        P[t + 1] = P[t] + O[t];
        if (O[t] > 0) nz[nnz++] = t;
      }
      cand bc = {0, z, s + 1, 0, 0};
      /* A window that starts or ends in a step without a case in the circle is never better than the one without
       * that step (the same cases, no more expected), so windows start and end at steps with cases (prospective
       * windows end at the last step regardless). */
      if (prospective) {
        size_t b = T - 1;
        for (size_t q = 0; q < nnz; q++) {
          size_t a = nz[q];
          if (a + W <= b) continue;
          double obs = P[b + 1] - P[a], mu = R * (K[b + 1] - K[a]) / C;
          if (!(obs > mu)) continue;
          double llr = sm_scan_llr(obs, mu, C);
          if (llr > bc.llr) bc.llr = llr, bc.a = a, bc.b = b;
        }
      } else {
        size_t lo = 0;
        for (size_t qb = 0; qb < nnz; qb++) {
          size_t b = nz[qb];
          while (nz[lo] + W <= b) lo++;
          for (size_t qa = lo; qa <= qb; qa++) {
            size_t a = nz[qa];
            double obs = P[b + 1] - P[a], mu = R * (K[b + 1] - K[a]) / C;
            if (!(obs > mu)) continue;
            double llr = sm_scan_llr(obs, mu, C);
            if (llr > bc.llr) bc.llr = llr, bc.a = a, bc.b = b;
          }
        }
      }
      if (best) best[z * oc->S + s] = bc;
      if (bc.llr > top) top = bc.llr;
    }
  }
  return top;
}

static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

sm_status sm_scan(sm_ctx *ctx, size_t L, const double *x, const double *y, size_t T, const double *counts,
                  const sm_scan_options *opts, sm_scan_result **out) {
  sm_scan_options d = SM_SCAN_OPTIONS_INIT;
  const sm_scan_options *o = opts ? opts : &d;
  if (!x || !y || !counts || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_scan: NULL argument");
  *out = NULL;
  if (!(o->max_share > 0 && o->max_share <= 1) || o->max_radius_m < 0 || o->max_clusters < 1)
    return sm__error(ctx, SM_E_INVALID_ARG, "scan: a circle's share must be in (0, 1], not %g", o->max_share);
  if (L < 2) return sm__error(ctx, SM_E_INPUT, "a space-time scan needs at least 2 locations, not %zu", L);
  if (L > 10000)
    return sm__error(ctx, SM_E_INVALID_ARG, "%zu locations: this scan holds every circle in memory (at most 10,000 locations); "
                                            "use larger cells or wards", L);
  if (T < 2) return sm__error(ctx, SM_E_INPUT, "a space-time scan needs at least 2 time steps, not %zu", T);
  double C = 0;
  for (size_t q = 0; q < L * T; q++) {
    if (!(counts[q] >= 0) || counts[q] != floor(counts[q]) || counts[q] > 1e9)
      return sm__error(ctx, SM_E_INPUT, "location %zu, step %zu: %g cases is not a whole number", q / T, q % T, counts[q]);
    C += counts[q];
  }
  if (C < 2) return sm__error(ctx, SM_E_INPUT, "a space-time scan needs at least 2 cases, not %g", C);
  size_t W = o->max_window ? o->max_window : (T + 1) / 2;
  if (W > T) W = T;
  double *rowsum = sm__calloc(L, sizeof *rowsum), *K = sm__calloc(T + 1, sizeof *K);
  order_ctx oc = {0};
  oc.S = L;
  oc.idx = sm__malloc(L * L * sizeof *oc.idx), oc.rad = sm__malloc(L * L * sizeof *oc.rad), oc.size = sm__calloc(L, sizeof *oc.size);
  dist_i *di = sm__malloc(L * sizeof *di);
  cand *best = sm__malloc(L * L * sizeof *best);
  sm_status st = !rowsum || !K || !oc.idx || !oc.rad || !oc.size || !di || !best ? sm__error(ctx, SM_E_NOMEM, "out of memory (%zu locations)", L) : SM_OK;
  double *colsum = st ? NULL : sm__calloc(T, sizeof *colsum);
  if (!st && !colsum) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t l = 0; !st && l < L; l++)
    for (size_t t = 0; t < T; t++) rowsum[l] += counts[l * T + t], colsum[t] += counts[l * T + t];
  for (size_t t = 0; !st && t < T; t++) K[t + 1] = K[t] + colsum[t];
  /* circles: nearest first, within the share of cases and the radius */
  for (size_t z = 0; !st && z < L; z++) {
    for (size_t l = 0; l < L; l++) di[l].d = hypot(x[l] - x[z], y[l] - y[z]), di[l].i = l;
    qsort(di, L, sizeof *di, cmp_dist);
    double cum = 0;
    size_t s = 0;
    for (; s < L; s++) {
      if (o->max_radius_m > 0 && di[s].d > o->max_radius_m) break;
      if (s > 0 && cum + rowsum[di[s].i] > o->max_share * C) break;
      cum += rowsum[di[s].i];
      oc.idx[z * L + s] = di[s].i, oc.rad[z * L + s] = di[s].d;
    }
    oc.size[z] = s ? s : 1;
    if (!s) oc.idx[z * L] = z, oc.rad[z * L] = 0;
  }
  double *O = st ? NULL : sm__malloc(T * sizeof *O), *Pf = st ? NULL : sm__malloc((T + 1) * sizeof *Pf);
  if (!st && (!O || !Pf)) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  double top = 0;
  size_t *nz = st ? NULL : sm__malloc(T * sizeof *nz);
  if (!st && !nz) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) top = scan_all(&oc, L, T, counts, rowsum, K, C, W, o->prospective, best, O, Pf, nz);
  (void)top;
  /* the replications: the cases' times shuffled over the cases */
  unsigned Rn = o->permutations;
  double *repmax = Rn ? sm__malloc(Rn * sizeof *repmax) : NULL;
  size_t nc = (size_t)C;
  uint32_t *cl = st ? NULL : sm__malloc(nc * sizeof *cl), *ct = st ? NULL : sm__malloc(nc * sizeof *ct);
  if (!st && ((Rn && !repmax) || !cl || !ct)) st = sm__error(ctx, SM_E_NOMEM, "out of memory (%zu cases)", nc);
  if (!st) {
    size_t q = 0;
    for (size_t l = 0; l < L; l++)
      for (size_t t = 0; t < T; t++)
        for (double k = 0; k < counts[l * T + t]; k++) cl[q] = (uint32_t)l, ct[q] = (uint32_t)t, q++;
  }
  uint64_t seed = sm_ctx_seed(ctx);
  int oom = 0;
  if (!st && Rn) {
#ifdef SM_HAVE_OPENMP
#pragma omp parallel num_threads(sm__threads(ctx)) reduction(| : oom)
#endif
    {
      uint32_t *tt = malloc(nc * sizeof *tt);
      double *cc = malloc(L * T * sizeof *cc), *o2 = malloc(T * sizeof *o2), *p2 = malloc((T + 1) * sizeof *p2);
      size_t *nz2 = malloc(T * sizeof *nz2);
      oom |= !tt || !cc || !o2 || !p2 || !nz2;
#ifdef SM_HAVE_OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
      for (unsigned r = 0; r < Rn; r++) {
        if (!tt || !cc || !o2 || !p2 || !nz2) continue;
        memcpy(tt, ct, nc * sizeof *tt);
        uint64_t s = mix64(seed ^ (0xA24BAED4963EE407ull * ((uint64_t)r + 1)));
        for (size_t i = nc - 1; i > 0; i--) {
          s += 0x9E3779B97F4A7C15ull;
          size_t j = (size_t)(((__uint128_t)mix64(s) * (__uint128_t)(i + 1)) >> 64);
          uint32_t tmp = tt[i];
          tt[i] = tt[j], tt[j] = tmp;
        }
        memset(cc, 0, L * T * sizeof *cc);
        for (size_t i = 0; i < nc; i++) cc[(size_t)cl[i] * T + tt[i]] += 1;
        repmax[r] = scan_all(&oc, L, T, cc, rowsum, K, C, W, o->prospective, NULL, o2, p2, nz2);
      }
      free(tt), free(cc), free(o2), free(p2), free(nz2);
    }
    if (oom) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  /* clusters: the best cylinders whose circles share no location with a better one */
  sm_scan_result *res = NULL;
  if (!st) {
    size_t nb = 0;
    for (size_t z = 0; z < L; z++)
      for (size_t s = 0; s < oc.size[z]; s++)
        if (best[z * L + s].llr > 0) best[nb++] = best[z * L + s];
    qsort(best, nb, sizeof *best, cmp_cand);
    res = sm__calloc(1, sizeof *res);
    unsigned char *used = sm__calloc(L, 1);
    if (res) res->clusters = sm__malloc(o->max_clusters * sizeof *res->clusters);
    if (!res || !used || !res->clusters) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    for (size_t q = 0; !st && q < nb && res->n_clusters < o->max_clusters; q++) {
      const cand *b = &best[q];
      int overlap = 0;
      for (size_t s = 0; s < b->size && !overlap; s++) overlap = used[oc.idx[b->centre * L + s]];
      if (overlap) continue;
      for (size_t s = 0; s < b->size; s++) used[oc.idx[b->centre * L + s]] = 1;
      sm_scan_cluster *k = &res->clusters[res->n_clusters++];
      k->centre = b->centre, k->locations = b->size, k->radius_m = oc.rad[b->centre * L + b->size - 1];
      k->t_start = b->a, k->t_end = b->b, k->llr = b->llr;
      double R = 0, obs = 0;
      for (size_t s = 0; s < b->size; s++) {
        size_t l = oc.idx[b->centre * L + s];
        R += rowsum[l];
        for (size_t t = b->a; t <= b->b; t++) obs += counts[l * T + t];
      }
      k->observed = obs, k->expected = R * (K[b->b + 1] - K[b->a]) / C;
      unsigned ge = 0;
      for (unsigned r = 0; r < Rn; r++) ge += repmax[r] >= k->llr;
      k->p = Rn ? ((double)ge + 1) / ((double)Rn + 1) : NAN;
    }
    sm__free(used);
    if (res) res->total = C;
  }
  sm__free(rowsum), sm__free(colsum), sm__free(K), sm__free(oc.idx), sm__free(oc.rad), sm__free(oc.size), sm__free(di);
  sm__free(best), sm__free(O), sm__free(Pf), sm__free(nz), sm__free(repmax), sm__free(cl), sm__free(ct);
  if (st) {
    sm_scan_result_destroy(res);
    return st;
  }
  *out = res;
  return SM_OK;
}
