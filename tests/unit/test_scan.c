/* scan: expected counts and the GLR of a cylinder by hand, the most likely cluster = a brute-force search over
 * explicit circles (every share, radius and centre option), a planted cluster found with p < 0.01, p-values over
 * null datasets, the same result for 1 and 2 threads, cancelling, bad input */
#include "testutil.h"
#include "internal/rng.h"

#include <math.h>
#include <string.h>

TU_CTX_FIXTURE

/* 3 locations x 4 steps. Cylinder: locations 0 and 1, steps 2-3. Row totals 10, 6, 4 (C 20); column totals
 * 3, 4, 5, 8: μ = (10 + 6)(5 + 8)/20 = 10.4; observed 3 + 4 + 2 + 3 = 12;
 * LLR = 12 ln(12/10.4) + 8 ln(8/9.6). */
static void by_hand(void **state) {
  (void)state;
  const double c[12] = {1, 2, 3, 4, /* */ 1, 1, 2, 2, /* */ 1, 1, 0, 2};
  const unsigned char in[3] = {1, 1, 0};
  double mu = sm_scan_expected(c, 3, 4, in, 2, 3);
  assert_true(fabs(mu - 10.4) < 1e-12);
  double want = 12 * log(12 / 10.4) + 8 * log(8 / 9.6);
  assert_true(fabs(sm_scan_llr(12, 10.4, 20) - want) < 1e-12);
  assert_true(sm_scan_llr(9, 10.4, 20) == 0); /* fewer than expected: no cluster */
  assert_true(fabs(sm_scan_llr(20, 10, 20) - 20 * log(2.0)) < 1e-12);
}

static void make_cube(double *c, size_t L, size_t T, uint64_t seed, int plant) {
  uint64_t r = seed;
  for (size_t q = 0; q < L * T; q++) { /* Poisson(1.5) background by inversion: the permutation null's dispersion */
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    double u = (double)(r >> 11) * 0x1p-53, pk = exp(-1.5), cum = pk;
    int k = 0;
    while (u > cum && k < 50) k++, pk *= 1.5 / k, cum += pk;
    c[q] = (double)k;
  }
  if (plant) /* three neighbouring locations, the last three steps */
    for (size_t l = 7; l <= 9; l++)
      for (size_t t = T - 3; t < T; t++) c[l * T + t] += 6;
}

static void planted_and_null(void **state) {
  (void)state;
  enum { L = 30, T = 20 };
  double x[L], y[L], c[L * T];
  for (int l = 0; l < L; l++) x[l] = 100.0 * (l % 6), y[l] = 100.0 * (l / 6);
  make_cube(c, L, T, 99, 1);
  sm_scan_options o = SM_SCAN_OPTIONS_INIT;
  o.permutations = 199, o.max_window = 6;
  sm_scan_result *r1, *r2;
  sm_ctx_set_seed(ctx, 4);
  sm_ctx_set_threads(ctx, 1);
  assert_ok(ctx, sm_scan(ctx, L, x, y, T, c, &o, &r1));
  sm_ctx_set_threads(ctx, 2);
  assert_ok(ctx, sm_scan(ctx, L, x, y, T, c, &o, &r2));
  sm_ctx_set_threads(ctx, 0);
  assert_int_equal(r1->n_clusters, r2->n_clusters);
  assert_memory_equal(r1->clusters, r2->clusters, r1->n_clusters * sizeof *r1->clusters);
  const sm_scan_cluster *k = &r1->clusters[0];
  print_message("planted: centre %zu, %zu locations, steps %zu-%zu, observed %g expected %.2f, LLR %.2f, p %.3f\n", k->centre,
                k->locations, k->t_start, k->t_end, k->observed, k->expected, k->llr, k->p);
  assert_true(k->p < 0.01);
  assert_true(k->p_gumbel < 0.01 && k->p_gumbel > 0); /* the Gumbel tail goes below 1/(R + 1) */
  assert_true(k->t_end == T - 1 && k->t_start >= T - 4);
  assert_true(k->centre >= 6 && k->centre <= 10);
  /* the cylinder's figures agree with the building blocks */
  for (size_t i = 1; i < r1->n_clusters; i++) assert_true(r1->clusters[i].llr <= r1->clusters[i - 1].llr);
  sm_scan_result_destroy(r1), sm_scan_result_destroy(r2);
  /* null datasets: the most likely cluster's p is not small every time */
  o.permutations = 99;
  int small = 0;
  double mean = 0, gdiff = 0;
  for (int rep = 0; rep < 10; rep++) {
    make_cube(c, L, T, 1000 + (uint64_t)rep * 7, 0);
    sm_ctx_set_seed(ctx, 50 + (uint64_t)rep);
    assert_ok(ctx, sm_scan(ctx, L, x, y, T, c, &o, &r1));
    double p = r1->clusters[0].p;
    small += p <= 0.05, mean += p;
    gdiff += fabs(r1->clusters[0].p_gumbel - p);
    sm_scan_result_destroy(r1);
  }
  mean /= 10;
  print_message("null: %d of 10 with p <= 0.05, mean p %.3f, mean |Gumbel p - p| %.3f\n", small, mean, gdiff / 10);
  assert_true(small <= 3 && mean > 0.2 && mean < 0.8);
  assert_true(gdiff / 10 < 0.1); /* where p is not small, the Gumbel tail follows the replications */
}

typedef struct di {
  double d;
  size_t i;
} di;
static int cmp_di(const void *p, const void *q) {
  const di *a = p, *b = q;
  if (a->d != b->d) return a->d < b->d ? -1 : 1;
  return (a->i > b->i) - (a->i < b->i);
}

/* The largest LLR over every circle of every centre and every window, the plain way: circles as location flags,
 * expected counts from sm_scan_expected, every window of at most W steps (ending at T - 1 when prospective). */
static double brute_force(size_t L, const double *x, const double *y, size_t T, const double *c, size_t Z, const double *zx,
                          const double *zy, double share, double radius, size_t W, int prospective) {
  double C = 0, best = 0;
  for (size_t q = 0; q < L * T; q++) C += c[q];
  di v[64];
  unsigned char in[64];
  for (size_t z = 0; z < Z; z++) {
    for (size_t l = 0; l < L; l++) v[l].d = hypot(x[l] - zx[z], y[l] - zy[z]), v[l].i = l;
    qsort(v, L, sizeof *v, cmp_di);
    memset(in, 0, sizeof in);
    double cum = 0;
    for (size_t s = 0; s < L; s++) {
      double n_l = 0;
      for (size_t t = 0; t < T; t++) n_l += c[v[s].i * T + t];
      if (s > 0 && (cum + n_l > share * C || (radius > 0 && v[s].d > radius))) break;
      if (s == 0 && radius > 0 && v[s].d > radius) { /* none within the radius: the nearest alone */ }
      cum += n_l, in[v[s].i] = 1;
      for (size_t b = 0; b < T; b++)
        for (size_t a = 0; a <= b; a++) {
          if (b - a + 1 > W || (prospective && b != T - 1)) continue;
          double obs = 0;
          for (size_t l = 0; l < L; l++)
            if (in[l])
              for (size_t t = a; t <= b; t++) obs += c[l * T + t];
          double llr = sm_scan_llr(obs, sm_scan_expected(c, L, T, in, a, b), C);
          if (llr > best) best = llr;
        }
      if (radius > 0 && v[s].d > radius) break;
    }
  }
  return best;
}

static void brute_force_circles(void **state) {
  (void)state;
  enum { L = 40, T = 12, Z = 25 };
  double x[L], y[L], c[L * T], zx[Z], zy[Z];
  uint64_t r = 12345;
  for (int l = 0; l < L; l++) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    x[l] = (double)(r % 1000), y[l] = (double)((r >> 20) % 1000);
  }
  for (int z = 0; z < Z; z++) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    zx[z] = (double)(r % 1200) - 100, zy[z] = (double)((r >> 20) % 1200) - 100;
  }
  make_cube(c, L, T, 77, 1);
  const double shares[3] = {0.5, 0.2, 1.0}, radii[3] = {0, 250, 80};
  for (int prosp = 0; prosp < 2; prosp++)
    for (int k = 0; k < 3; k++)
      for (int rr = 0; rr < 3; rr++)
        for (int centres = 0; centres < 2; centres++) {
          sm_scan_options o = SM_SCAN_OPTIONS_INIT;
          o.permutations = 0, o.max_share = shares[k], o.max_radius_m = radii[rr], o.max_window = 5, o.prospective = prosp;
          if (centres) o.n_centres = Z, o.centre_x = zx, o.centre_y = zy;
          sm_scan_result *res;
          assert_ok(ctx, sm_scan(ctx, L, x, y, T, c, &o, &res));
          double want = brute_force(L, x, y, T, c, centres ? Z : L, centres ? zx : x, centres ? zy : y, shares[k], radii[rr], 5, prosp);
          assert_true(res->n_clusters >= 1);
          assert_true(fabs(res->clusters[0].llr - want) <= 1e-12 * want);
          /* the clusters' circles share no location, LLRs fall, and each figure agrees with the building blocks */
          for (size_t i = 1; i < res->n_clusters; i++) assert_true(res->clusters[i].llr <= res->clusters[i - 1].llr);
          const sm_scan_cluster *m = &res->clusters[0];
          assert_true(fabs(sm_scan_llr(m->observed, m->expected, res->total) - m->llr) <= 1e-12 * m->llr);
          assert_true(m->x == (centres ? zx[m->centre] : x[m->centre]) && m->y == (centres ? zy[m->centre] : y[m->centre]));
          /* every cluster's locations: nearest first, the farthest at its radius, no location in two clusters, and
           * together they hold the observed count over the cluster's steps */
          unsigned char seen[L] = {0};
          for (size_t i = 0; i < res->n_clusters; i++) {
            const sm_scan_cluster *cl = &res->clusters[i];
            assert_int_equal(res->member_off[i + 1] - res->member_off[i], cl->locations);
            double obs = 0;
            for (size_t q = res->member_off[i]; q < res->member_off[i + 1]; q++) {
              size_t l = res->members[q];
              assert_false(seen[l]);
              seen[l] = 1;
              double d = hypot(x[l] - cl->x, y[l] - cl->y);
              assert_true(d == res->member_dist[q]);
              if (q > res->member_off[i]) assert_true(res->member_dist[q] >= res->member_dist[q - 1]);
              for (size_t t = cl->t_start; t <= cl->t_end; t++) obs += c[l * T + t];
            }
            assert_true(res->member_dist[res->member_off[i + 1] - 1] == cl->radius_m);
            assert_true(obs == cl->observed);
            if (!centres) assert_int_equal(res->members[res->member_off[i]], cl->centre);
          }
          sm_scan_result_destroy(res);
        }
  /* centres at the locations themselves = the default; a radius beyond every distance = no radius */
  sm_scan_options o = SM_SCAN_OPTIONS_INIT, o2;
  o.permutations = 19, o.max_window = 4;
  o2 = o;
  o2.n_centres = L, o2.centre_x = x, o2.centre_y = y;
  sm_scan_result *a, *b;
  sm_ctx_set_seed(ctx, 9);
  assert_ok(ctx, sm_scan(ctx, L, x, y, T, c, &o, &a));
  assert_ok(ctx, sm_scan(ctx, L, x, y, T, c, &o2, &b));
  assert_int_equal(a->n_clusters, b->n_clusters);
  assert_memory_equal(a->clusters, b->clusters, a->n_clusters * sizeof *a->clusters);
  sm_scan_result_destroy(b);
  o2 = o, o2.max_radius_m = 1e7;
  assert_ok(ctx, sm_scan(ctx, L, x, y, T, c, &o2, &b));
  assert_int_equal(a->n_clusters, b->n_clusters);
  assert_memory_equal(a->clusters, b->clusters, a->n_clusters * sizeof *a->clusters);
  sm_scan_result_destroy(a), sm_scan_result_destroy(b);
}

/* Every replication's largest LLR equals a brute-force search of its shuffled cube (the cases' steps shuffled on
 * stream r, as the library draws them), so the bounds that let a replication skip circles and window ends skip
 * nothing that counts: each cluster's p and its Gumbel p, which moves with every replication's maximum, agree. */
static void replications_by_brute_force(void **state) {
  (void)state;
  enum { L = 40, T = 12, P = 29 };
  double x[L], y[L], c[L * T], cr[L * T], m[P];
  uint64_t r = 4242;
  for (int l = 0; l < L; l++) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    x[l] = (double)(r % 1000), y[l] = (double)((r >> 20) % 1000);
  }
  make_cube(c, L, T, 78, 1);
  size_t nc = 0;
  for (size_t q = 0; q < L * T; q++) nc += (size_t)c[q];
  uint32_t *tt = malloc(nc * sizeof *tt), *tl = malloc(nc * sizeof *tl);
  assert_non_null(tt), assert_non_null(tl);
  const double radii[2] = {0, 250};
  for (int prosp = 0; prosp < 2; prosp++)
    for (int rr = 0; rr < 2; rr++) {
      sm_scan_options o = SM_SCAN_OPTIONS_INIT;
      o.permutations = P, o.max_share = 0.5, o.max_radius_m = radii[rr], o.max_window = 5, o.prospective = prosp;
      sm_ctx_set_seed(ctx, 21);
      sm_scan_result *res;
      assert_ok(ctx, sm_scan(ctx, L, x, y, T, c, &o, &res));
      double mean = 0, ss = 0;
      for (unsigned k = 0; k < P; k++) {
        size_t q = 0; /* the cases location by location, their steps ascending: as the library lists them */
        for (size_t l = 0; l < L; l++)
          for (size_t t = 0; t < T; t++)
            for (double e = 0; e < c[l * T + t]; e++) tl[q] = (uint32_t)l, tt[q++] = (uint32_t)t;
        sm__rng s = sm__rng_stream(21, SM__RNG_KEY_SCAN_REP, k);
        for (size_t i = nc - 1; i > 0; i--) {
          size_t j = sm__rng_below_fast(&s, i + 1);
          uint32_t tmp = tt[i];
          tt[i] = tt[j], tt[j] = tmp;
        }
        memset(cr, 0, sizeof cr);
        for (q = 0; q < nc; q++) cr[tl[q] * T + tt[q]] += 1;
        m[k] = brute_force(L, x, y, T, cr, L, x, y, 0.5, radii[rr], 5, prosp);
        mean += m[k];
      }
      mean /= P;
      for (unsigned k = 0; k < P; k++) ss += (m[k] - mean) * (m[k] - mean);
      double beta = sqrt(ss / (P - 1)) * sqrt(6.0) / 3.14159265358979323846, mu = mean - 0.57721566490153286061 * beta;
      assert_true(res->n_clusters >= 2);
      for (size_t i = 0; i < res->n_clusters; i++) {
        const sm_scan_cluster *cl = &res->clusters[i];
        unsigned ge = 0, ge_lo = 0; /* maxima at or above the LLR, counted with and without a tie in the last bits */
        for (unsigned k = 0; k < P; k++) ge += m[k] >= cl->llr * (1 + 1e-12), ge_lo += m[k] >= cl->llr * (1 - 1e-12);
        double pg = -expm1(-exp(-(cl->llr - mu) / beta));
        if (!(cl->p >= (ge + 1.0) / (P + 1) && cl->p <= (ge_lo + 1.0) / (P + 1)) || !(fabs(cl->p_gumbel - pg) <= 1e-9 * pg))
          fail_msg("prospective %d radius %g cluster %zu (LLR %.6f): p %g (brute force %g), Gumbel p %.12g (brute force "
                   "%.12g)", prosp, radii[rr], i, cl->llr, cl->p, (ge + 1.0) / (P + 1), cl->p_gumbel, pg);
      }
      sm_scan_result_destroy(res);
    }
  free(tt), free(tl);
}

static int stop_at_half(double f, const char *msg, void *user) {
  (void)msg;
  ++*(int *)user;
  return f < 0.5; /* non-zero: go on */
}

static void cancel(void **state) {
  (void)state;
  enum { L = 30, T = 20 };
  double x[L], y[L], c[L * T];
  for (int l = 0; l < L; l++) x[l] = 100.0 * (l % 6), y[l] = 100.0 * (l / 6);
  make_cube(c, L, T, 5, 0);
  int calls = 0;
  sm_ctx_set_progress(ctx, stop_at_half, &calls);
  sm_scan_options o = SM_SCAN_OPTIONS_INIT;
  sm_scan_result *r = NULL;
  assert_int_equal(sm_scan(ctx, L, x, y, T, c, &o, &r), SM_E_CANCELLED);
  assert_null(r);
  assert_true(calls > 1);
  sm_ctx_set_progress(ctx, NULL, NULL);
}

static void bad_input(void **state) {
  (void)state;
  double x[2] = {0, 100}, y[2] = {0, 0}, c[4] = {1, 0, 0, 1}, one[4] = {1, 0, 0, 0}, frac[4] = {1.5, 0, 0, 1};
  sm_scan_result *r;
  assert_int_equal(sm_scan(ctx, 1, x, y, 4, c, NULL, &r), SM_E_INPUT);
  assert_int_equal(sm_scan(ctx, 2, x, y, 1, c, NULL, &r), SM_E_INPUT);
  assert_int_equal(sm_scan(ctx, 2, x, y, 2, one, NULL, &r), SM_E_INPUT);
  assert_int_equal(sm_scan(ctx, 2, x, y, 2, frac, NULL, &r), SM_E_INPUT);
  sm_scan_options o = SM_SCAN_OPTIONS_INIT;
  o.max_share = 0;
  assert_int_equal(sm_scan(ctx, 2, x, y, 2, c, &o, &r), SM_E_INVALID_ARG);
  o.max_share = 0.5, o.n_centres = 3; /* centres without coordinates */
  assert_int_equal(sm_scan(ctx, 2, x, y, 2, c, &o, &r), SM_E_INVALID_ARG);
  double nx[2] = {0, NAN};
  assert_int_equal(sm_scan(ctx, 2, nx, y, 2, c, NULL, &r), SM_E_INPUT);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "location 1"));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(by_hand), cmocka_unit_test(planted_and_null),
                                     cmocka_unit_test(brute_force_circles),
                                     cmocka_unit_test(replications_by_brute_force), cmocka_unit_test(cancel), cmocka_unit_test(bad_input)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
