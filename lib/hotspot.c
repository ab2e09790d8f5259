/* Getis-Ord Gi* and ArcGIS significance bins (REFERENCE.md §1.2, §4.3). */
#include "internal/sm_internal.h"

#include <math.h>
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
    sm_weights_row(w, i, &idx, &wt);
    size_t k = sm_weights_neighbours(w, i);
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
    qsort(s, m, sizeof *s, cmp_dbl);
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
  for (size_t i = 0; i < n; i++) {
    int level = 0;
    if (!isnan(z[i]) && !isnan(p[i]))
      for (int a = 0; a < 3; a++)
        if (p[i] <= cut[a]) level = a + 1;
    bin[i] = z[i] > 0 ? level : -level;
  }
  return SM_OK;
}
