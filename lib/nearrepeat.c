/* Knox near-repeat test (docs/methods.md §6): close pairs through a grid, the rest from the sorted times,
 * Monte Carlo permutations of the dates on their own seeded streams. */
#include "internal/knox.h"
#include "internal/mpi.h"
#include "internal/rng.h"
#include "internal/sm_internal.h"
#include "internal/limits.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sm_knox_destroy(sm_knox *k) {
  if (!k) return;
  sm__free(k->observed);
  sm__free(k->sim_mean);
  sm__free(k->sim_median);
  sm__free(k->ratio_mean);
  sm__free(k->ratio_median);
  sm__free(k->p);
  sm__free(k);
}

/* Band of a distance v >= 0 among breaks b[0] = 0 < ... < b[nb-1]: 0 .. nb-2, or nb-1 beyond the last.
 * [a, b) or, right-closed, (a, b] with 0 in the first. */
static size_t band_of(double v, const double *b, size_t nb, int right_closed) {
  size_t lo = 0, hi = nb - 1; /* answer in [0, nb-1] */
  if (right_closed) {
    if (v > b[nb - 1]) return nb - 1;
    while (lo < hi) { /* the first i with v <= b[i + 1] */
      size_t mid = (lo + hi) / 2;
      if (v <= b[mid + 1]) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
  if (v >= b[nb - 1]) return nb - 1;
  while (lo < hi) { /* the first i with v < b[i + 1] */
    size_t mid = (lo + hi) / 2;
    if (v < b[mid + 1]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The close pairs of one row of the table (same place, or one spatial band), in the order found. */
typedef struct pair_list {
  uint32_t *i, *j;
  size_t n, cap;
} pair_list;

/* The close pairs, row by row (rows - 1 lists: the last row, beyond the last break, comes from the totals). */
typedef struct close_pairs {
  pair_list *row;
  size_t rows, n;
} close_pairs;

static int cp_push(close_pairs *c, uint32_t i, uint32_t j, uint16_t row) {
  pair_list *p = &c->row[row];
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 1024;
    uint32_t *a = sm__realloc(p->i, cap * sizeof *a);
    if (!a) return -1;
    p->i = a;
    uint32_t *b = sm__realloc(p->j, cap * sizeof *b);
    if (!b) return -1;
    p->j = b, p->cap = cap;
  }
  p->i[p->n] = i, p->j[p->n] = j, p->n++, c->n++;
  return 0;
}

static void cp_free(close_pairs *c) {
  for (size_t r = 0; c->row && r < c->rows; r++) sm__free(c->row[r].i), sm__free(c->row[r].j);
  sm__free(c->row);
}

/* The table of the close pairs with times tt (or their whole-number offsets ti, banded through lut), and the
 * "beyond" row from the temporal totals. */
static void fill_table(const close_pairs *cp, const double *tt, const int32_t *ti, const uint16_t *lut, const double *tb,
                       size_t nt, int right, const double *total, size_t rows, size_t cols, double *tab) {
  size_t cells = rows * cols;
  uint64_t small[4096], *cnt = cells <= 4096 ? small : sm__calloc(cells, sizeof *cnt);
  if (!cnt) { /* out of memory for a huge table: count in the doubles */
    for (size_t c = 0; c < cells; c++) tab[c] = 0;
    for (size_t r = 0; r < cp->rows; r++)
      for (size_t q = 0; q < cp->row[r].n; q++)
        tab[r * cols + band_of(fabs(tt[cp->row[r].i[q]] - tt[cp->row[r].j[q]]), tb, nt, right)] += 1;
  } else {
    if (cnt == small) memset(small, 0, cells * sizeof *small);
    for (size_t r = 0; r < cp->rows; r++) {
      const uint32_t *pi = cp->row[r].i, *pj = cp->row[r].j;
      uint64_t *rc = cnt + r * cols;
      size_t m = cp->row[r].n;
      if (ti) {
        for (size_t q = 0; q < m; q++) {
          int32_t d = ti[pi[q]] - ti[pj[q]];
          rc[lut[d < 0 ? -d : d]]++;
        }
      } else if (lut) {
        for (size_t q = 0; q < m; q++) rc[lut[(size_t)fabs(tt[pi[q]] - tt[pj[q]])]]++;
      } else {
        for (size_t q = 0; q < m; q++) rc[band_of(fabs(tt[pi[q]] - tt[pj[q]]), tb, nt, right)]++;
      }
    }
    for (size_t c = 0; c < cells; c++) tab[c] = (double)cnt[c];
    if (cnt != small) sm__free(cnt);
  }
  for (size_t c = 0; c < cols; c++) {
    double s = 0;
    for (size_t r = 0; r + 1 < rows; r++) s += tab[r * cols + c];
    tab[(rows - 1) * cols + c] = total[c] - s;
  }
}

/* fill_table for up to 8 permutations at once (whole-number times): the close pairs are streamed from memory
 * once for all of them, and the 8 permuted times of an event sit side by side (ti8[i * 8 + b]), so a pair
 * touches two cache lines for all 8. cnt: 8 × cells counters. */
static void fill_tables8(const close_pairs *cp, const int32_t *ti8, size_t nb, const uint16_t *lut, const double *total,
                         size_t rows, size_t cols, uint32_t *cnt, double *const *tab) {
  size_t cells = rows * cols;
  memset(cnt, 0, 8 * cells * sizeof *cnt);
  for (size_t r = 0; r < cp->rows; r++) {
    const uint32_t *pi = cp->row[r].i, *pj = cp->row[r].j;
    uint32_t *row = cnt + r * cols;
    for (size_t q = 0; q < cp->row[r].n; q++) {
      const int32_t *a = ti8 + (size_t)pi[q] * 8, *c = ti8 + (size_t)pj[q] * 8;
      for (size_t b = 0; b < 8; b++) {
        int32_t d = a[b] - c[b];
        row[b * cells + lut[d < 0 ? -d : d]]++;
      }
    }
  }
  for (size_t b = 0; b < nb; b++) {
    for (size_t k = 0; k < cells; k++) tab[b][k] = (double)cnt[b * cells + k];
    for (size_t k = 0; k < cols; k++) {
      double s = 0;
      for (size_t r = 0; r + 1 < rows; r++) s += tab[b][r * cols + k];
      tab[b][(rows - 1) * cols + k] = total[k] - s;
    }
  }
}

/* The bands and the events of a call: a bad one's status and message, or SM_OK. */
static sm_status knox_check(sm_ctx *ctx, size_t n, const double *x, const double *y, const double *t,
                            const sm_knox_options *o) {
  const double *sb = o->space_breaks, *tb = o->time_breaks;
  size_t ns = o->n_space, nt = o->n_time;
  if (ns < 2 || nt < 2 || ns > 1000 || nt > 1000)
    return sm__error(ctx, SM_E_INVALID_ARG, "the spatial and temporal bands need 2 to 1000 breaks each, not %zu and %zu", ns, nt);
  for (int which = 0; which < 2; which++) {
    const double *b = which ? tb : sb;
    size_t nb = which ? nt : ns;
    if (b[0] != 0)
      return sm__error(ctx, SM_E_INVALID_ARG, "the %s breaks must start at 0, not %g", which ? "time" : "space", b[0]);
    for (size_t i = 1; i < nb; i++)
      if (!(b[i] > b[i - 1]) || !isfinite(b[i]))
        return sm__error(ctx, SM_E_INVALID_ARG, "the %s breaks must increase: %g after %g", which ? "time" : "space", b[i],
                         b[i - 1]);
  }
  if (n < 2) return sm__error(ctx, SM_E_INPUT, "a near-repeat test needs at least 2 events, not %zu", n);
  if (n > UINT32_MAX) return sm__error(ctx, SM_E_INVALID_ARG, "too many events (%zu)", n);
  int one_place = 1, one_time = 1;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]) || !isfinite(y[i]) || !isfinite(t[i]))
      return sm__error(ctx, SM_E_INPUT, "event %zu has a non-finite position or time", i);
    one_place &= x[i] == x[0] && y[i] == y[0];
    one_time &= t[i] == t[0];
  }
  if (one_place) return sm__error(ctx, SM_E_INPUT, "all %zu events are at one place: no spatial distances to band", n);
  if (one_time) return sm__error(ctx, SM_E_INPUT, "all %zu events are at one time: no temporal distances to band", n);
  return SM_OK;
}

/* The close pairs (distance inside the last break) through a grid of cells of at least that distance. The events
 * are renumbered in grid-cell order (tord: their times in that order), so that a pair's two events sit close in
 * memory when the permutations look their times up. st: the status so far (the grid is allocated regardless);
 * returns the status after. */
static sm_status knox_close_pairs(sm_ctx *ctx, size_t n, const double *x, const double *y, const double *t,
                                  const sm_knox_options *o, double *tord, close_pairs *cp, sm_status st) {
  const double *sb = o->space_breaks;
  size_t ns = o->n_space;
  double B = sb[ns - 1], max_pairs = sm__limit(ctx, SM_LIMIT_PAIRS);
  double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  for (size_t i = 0; i < n; i++) x0 = fmin(x0, x[i]), y0 = fmin(y0, y[i]), x1 = fmax(x1, x[i]), y1 = fmax(y1, y[i]);
  double gwf = floor((x1 - x0) / B) + 1, ghf = floor((y1 - y0) / B) + 1;
  while (gwf * ghf > 4.0 * (double)n + 1024) gwf = ceil(gwf / 2), ghf = ceil(ghf / 2); /* coarser: cells >= B */
  double csx = (x1 - x0) / gwf + 1e-9, csy = (y1 - y0) / ghf + 1e-9;
  if (!(csx >= B)) csx = B;
  if (!(csy >= B)) csy = B;
  size_t gw = (size_t)floor((x1 - x0) / csx) + 1, gh = (size_t)floor((y1 - y0) / csy) + 1, nc = gw * gh;
  size_t *off = sm__calloc(nc + 1, sizeof *off), *idx = sm__malloc(n * sizeof *idx), *cell = sm__malloc(n * sizeof *cell);
  if (!off || !idx || !cell) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; !st && i < n; i++) {
    size_t cx = (size_t)((x[i] - x0) / csx), cy = (size_t)((y[i] - y0) / csy);
    if (cx >= gw) cx = gw - 1;
    if (cy >= gh) cy = gh - 1;
    cell[i] = cy * gw + cx, off[cell[i] + 1]++;
  }
  for (size_t c = 0; !st && c < nc; c++) off[c + 1] += off[c];
  if (!st) {
    size_t *fill = sm__malloc(nc * sizeof *fill);
    if (!fill) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    for (size_t c = 0; !st && c < nc; c++) fill[c] = off[c];
    for (size_t i = 0; !st && i < n; i++) idx[fill[cell[i]]++] = i; /* by increasing index within a cell */
    sm__free(fill);
  }
  for (size_t qi = 0; !st && qi < n; qi++) { /* event qi in cell order is idx[qi] */
    size_t i = idx[qi], cx = cell[i] % gw, cy = cell[i] / gw;
    tord[qi] = t[i];
    for (long dy = -1; dy <= 1 && !st; dy++)
      for (long dx = -1; dx <= 1 && !st; dx++) {
        long ax = (long)cx + dx, ay = (long)cy + dy;
        if (ax < 0 || ay < 0 || ax >= (long)gw || ay >= (long)gh) continue;
        size_t c = (size_t)ay * gw + (size_t)ax;
        for (size_t q = off[c]; q < off[c + 1]; q++) {
          if (q <= qi) continue; /* each pair once */
          size_t j = idx[q];
          double ddx = fabs(x[j] - x[i]), ddy = fabs(y[j] - y[i]);
          double d = o->manhattan ? ddx + ddy : hypot(ddx, ddy);
          size_t band = band_of(d, sb, ns, o->right_closed);
          if (band == ns - 1) continue; /* beyond: from the totals */
          uint16_t row = d == 0 ? 0 : (uint16_t)(1 + band);
          if ((double)cp->n >= max_pairs) /* before holding more than the limit */
            st = sm__limit_check(ctx, SM_LIMIT_PAIRS, (double)cp->n + 1, 0, "the close pairs (within the last --space-band)",
                                 "use a smaller last --space-band or fewer incidents (--from, --to, --extent)");
          else if (cp_push(cp, (uint32_t)qi, (uint32_t)q, row))
            st = sm__error(ctx, SM_E_NOMEM, "out of memory (%zu close pairs)", cp->n);
        }
      }
  }
  sm__free(off), sm__free(idx), sm__free(cell);
  return st;
}

/* Pairs per temporal band over all pairs (the same for every permutation of the times), from the times sorted
 * into ts (n places): total[0 .. nt). */
static void knox_time_totals(size_t n, const double *t, const double *tb, size_t nt, int right_closed, double *ts,
                             double *total) {
  memcpy(ts, t, n * sizeof *ts);
  qsort(ts, n, sizeof *ts, cmp_double);
  /* below[k]: pairs with dt < tb[k] (or <= tb[k] right-closed), k = 1 .. nt-1 */
  double prev = 0;
  for (size_t k = 1; k < nt; k++) {
    double cnt = 0;
    size_t jj = 0;
    for (size_t i = 0; i < n; i++) {
      if (jj < i + 1) jj = i + 1;
      while (jj < n && (right_closed ? ts[jj] - ts[i] <= tb[k] : ts[jj] - ts[i] < tb[k])) jj++;
      cnt += (double)(jj - i - 1);
    }
    total[k - 1] = cnt - prev, prev = cnt;
  }
  double np = (double)n * (double)(n - 1) / 2;
  total[nt - 1] = np - prev;
}

/* The result's shape and its tables of cells = rows x cols, zeroed. */
static sm_status knox_alloc_tables(sm_ctx *ctx, sm_knox *k, size_t n, size_t rows, size_t cols) {
  size_t cells = rows * cols;
  k->rows = rows, k->cols = cols, k->pairs = n * (n - 1) / 2;
  k->observed = sm__calloc(cells, sizeof *k->observed);
  k->sim_mean = sm__calloc(cells, sizeof *k->sim_mean);
  k->sim_median = sm__calloc(cells, sizeof *k->sim_median);
  k->ratio_mean = sm__calloc(cells, sizeof *k->ratio_mean);
  k->ratio_median = sm__calloc(cells, sizeof *k->ratio_median);
  k->p = sm__calloc(cells, sizeof *k->p);
  if (!k->observed || !k->sim_mean || !k->sim_median || !k->ratio_mean || !k->ratio_median || !k->p)
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  return SM_OK;
}

/* Whole-number times (days, months) over a modest span: a pair's temporal band is a table lookup on the integer
 * difference, and the times are 32-bit. *lut: the band of every difference 0 .. span (NULL for other times, or
 * when st already failed); *tmin: the earliest time; *span: the latest less the earliest. Returns the status after. */
static sm_status knox_lut(sm_ctx *ctx, size_t n, const double *t, const sm_knox_options *o, sm_status st, uint16_t **lut_out,
                          double *tmin_out, size_t *span_out) {
  int whole = 1;
  double tmin = INFINITY, tmax = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    whole &= t[i] == floor(t[i]) && fabs(t[i]) < 1e9;
    tmin = fmin(tmin, t[i]), tmax = fmax(tmax, t[i]);
  }
  size_t span = whole && tmax - tmin <= 4e6 ? (size_t)(tmax - tmin) : 0;
  whole = whole && tmax - tmin <= 4e6;
  uint16_t *lut = whole && !st ? sm__malloc((span + 1) * sizeof *lut) : NULL;
  if (whole && !st && !lut) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t dtv = 0; lut && dtv <= span; dtv++)
    lut[dtv] = (uint16_t)band_of((double)dtv, o->time_breaks, o->n_time, o->right_closed);
  *lut_out = lut, *tmin_out = tmin, *span_out = span;
  return st;
}

/* What the permutations read and where they write. */
typedef struct knox_job {
  const close_pairs *cp;
  const double *tord;  /* n: the times in grid-cell order */
  const double *tb;    /* nt temporal breaks */
  const double *total; /* cols: pairs per temporal band */
  const uint16_t *lut; /* whole-number times: the band of each difference; NULL: other times */
  size_t n, nt, rows, cols;
  int right_closed;
  double tmin;
  uint64_t seed;
  unsigned P;
  double *sims; /* P tables of rows x cols */
  /* Dates within SM__KNOX_SPAN_MAX whole units: 32 permutations a pass in 16-bit lanes (knox_pass_lanes). */
  const int16_t *t16; /* n: the dates less the earliest, in grid-cell order; NULL: not this way */
  const int16_t *thr; /* cols - 1: the largest difference in band k or before, k < cols - 1 */
  sm_simd simd;
} knox_job;

/* Permutations a pass counts together: 32 in 16-bit lanes, 8 with other whole-number dates, else 1. */
static size_t knox_per_pass(const knox_job *jb) { return jb->t16 ? SM__KNOX_LANES : jb->lut ? 8 : 1; }

/* The shuffled dates of permutation r: Fisher-Yates over the n events on stream r (whatever the dates' type). */
#define KNOX_SHUFFLE(tp, n, seed, r, type)                                                                             \
  do {                                                                                                                 \
    sm__rng s_ = sm__rng_stream((seed), SM__RNG_KEY_KNOX_PERM, (r));                                                   \
    for (size_t i_ = (n) - 1; i_ > 0; i_--) {                                                                          \
      size_t j_ = sm__rng_below_fast(&s_, i_ + 1);                                                                     \
      type tmp_ = (tp)[i_];                                                                                            \
      (tp)[i_] = (tp)[j_], (tp)[j_] = tmp_;                                                                            \
    }                                                                                                                  \
  } while (0)

/* Lanes pass bi: permutations 32 bi .. 32 bi + 31 (those below P), lane l holding permutation 32 bi + l. For each
 * row's close pairs and each break, the pairs above it (sm__knox_count_above); a band's count is the difference of
 * two of these. tp: n dates; tl: n x 32 (64-byte aligned); ge: (cols - 1) x 32 counts. The thread's buffers. */
static void knox_pass_lanes(const knox_job *jb, size_t bi, int16_t *tp, int16_t *tl, uint64_t *ge) {
  size_t n = jb->n, rows = jb->rows, cols = jb->cols, cells = rows * cols, K = cols - 1;
  size_t r0 = SM__KNOX_LANES * bi, r1 = r0 + SM__KNOX_LANES < jb->P ? r0 + SM__KNOX_LANES : jb->P;
  for (size_t r = r0; r < r1; r++) {
    memcpy(tp, jb->t16, n * sizeof *tp);
    KNOX_SHUFFLE(tp, n, jb->seed, r, int16_t);
    for (size_t i = 0; i < n; i++) tl[i * SM__KNOX_LANES + (r - r0)] = tp[i];
  }
  for (size_t b = r1 - r0; b < SM__KNOX_LANES; b++) /* unused lanes: any valid dates, their counts are dropped */
    for (size_t i = 0; i < n; i++) tl[i * SM__KNOX_LANES + b] = tl[i * SM__KNOX_LANES];
  for (size_t row = 0; row < jb->cp->rows; row++) {
    const pair_list *pl = &jb->cp->row[row];
    memset(ge, 0, K * SM__KNOX_LANES * sizeof *ge);
    sm__knox_count_above(jb->simd, pl->i, pl->j, pl->n, tl, jb->thr, K, ge);
    for (size_t b = 0; b < r1 - r0; b++) {
      double *tab = jb->sims + (r0 + b) * cells + row * cols;
      uint64_t prev = pl->n; /* pairs in band k or later, k = 0 */
      for (size_t k = 0; k < K; k++) tab[k] = (double)(prev - ge[k * SM__KNOX_LANES + b]), prev = ge[k * SM__KNOX_LANES + b];
      tab[K] = (double)prev;
    }
  }
  for (size_t b = 0; b < r1 - r0; b++) { /* beyond the last spatial break: from the temporal totals */
    double *tab = jb->sims + (r0 + b) * cells;
    for (size_t c = 0; c < cols; c++) {
      double s = 0;
      for (size_t r = 0; r + 1 < rows; r++) s += tab[r * cols + c];
      tab[(rows - 1) * cols + c] = jb->total[c] - s;
    }
  }
}

/* Pass bi of the permutations: with whole-number times permutations 8 bi .. 8 bi + 7 (those below P), counted
 * together by fill_tables8; otherwise permutation bi alone. tp, tib, cnt: the thread's buffers. */
static void knox_pass(const knox_job *jb, size_t bi, double *tp, int32_t *tib, uint32_t *cnt) {
  const uint16_t *lut = jb->lut;
  size_t n = jb->n, cells = jb->rows * jb->cols;
  unsigned P = jb->P;
  size_t r0 = lut ? 8 * bi : bi, r1 = lut ? (r0 + 8 < P ? r0 + 8 : P) : bi + 1;
  double *tabs[8];
  for (size_t r = r0; r < r1; r++) {
    memcpy(tp, jb->tord, n * sizeof *tp);
    KNOX_SHUFFLE(tp, n, jb->seed, r, double);
    tabs[r - r0] = jb->sims + r * cells;
    if (lut) {
      for (size_t i = 0; i < n; i++) tib[i * 8 + (r - r0)] = (int32_t)(tp[i] - jb->tmin);
    } else {
      fill_table(jb->cp, tp, NULL, NULL, jb->tb, jb->nt, jb->right_closed, jb->total, jb->rows, jb->cols, tabs[0]);
    }
  }
  if (lut) {
    for (size_t b = r1 - r0; b < 8; b++) /* unused lanes: any valid times, their counts are dropped */
      for (size_t i = 0; i < n; i++) tib[i * 8 + b] = tib[i * 8];
    fill_tables8(jb->cp, tib, r1 - r0, lut, jb->total, jb->rows, jb->cols, cnt, tabs);
  }
}

/* The permutations [w lo, w hi) of the passes [lo, hi) a rank takes (sm__mpi_block), w permutations a pass. */
static size_t knox_range_w(size_t w, size_t P, int rank, int ranks, size_t *hi) {
  size_t a, b;
  sm__mpi_block((P + w - 1) / w, rank, ranks, &a, &b);
  *hi = w * b < P ? w * b : P;
  return w * a < P ? w * a : P;
}
static size_t knox_range8(size_t P, int rank, int ranks, size_t *hi) { return knox_range_w(8, P, rank, ranks, hi); }
static size_t knox_range32(size_t P, int rank, int ranks, size_t *hi) {
  return knox_range_w(SM__KNOX_LANES, P, rank, ranks, hi);
}

/* The P permutations of the dates over the events into jb->sims: passes in parallel (8 permutations a pass with
 * whole-number times), in groups of passes with the progress between them (a callback may stop the run). With the
 * ranks of an MPI run each takes a block of the passes, and the tables are then shared: permutation r is drawn from
 * stream r whichever rank draws it. */
static sm_status knox_permutations(sm_ctx *ctx, const knox_job *jb) {
  const uint16_t *lut = jb->lut;
  size_t n = jb->n, cells = jb->rows * jb->cols, w = knox_per_pass(jb);
  int oom = 0, lanes = jb->t16 != NULL;
  size_t nbatch = ((size_t)jb->P + w - 1) / w;
  int nth = sm__threads(ctx);
  size_t group = (size_t)(nth > 0 ? 4 * nth : 4), lo = 0, hi = nbatch;
  sm__mpi_block(nbatch, sm__rank(ctx), sm__ranks(ctx), &lo, &hi); /* with MPI ranks: this rank's passes */
  sm_status st = sm__progress(ctx, 0.0, "Knox permutations");
  double t0 = sm__now();
  for (size_t g0 = lo; !st && g0 < hi; g0 += group) {
    size_t g1 = g0 + group < hi ? g0 + group : hi;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel num_threads(nth) reduction(| : oom)
#endif
    {
      double *tp = lanes ? NULL : sm__malloc(n * sizeof *tp);
      int32_t *tib = lut && !lanes ? sm__malloc(8 * n * sizeof *tib) : NULL;
      uint32_t *cnt = lut && !lanes ? sm__malloc(8 * cells * sizeof *cnt) : NULL;
      int16_t *tp16 = lanes ? sm__malloc(n * sizeof *tp16) : NULL;
      char *tl_mem = lanes ? sm__malloc(n * SM__KNOX_LANES * sizeof(int16_t) + 64) : NULL;
      int16_t *tl = tl_mem ? (int16_t *)(tl_mem + (64 - (uintptr_t)tl_mem % 64) % 64) : NULL; /* a cache line an event */
      uint64_t *ge = lanes ? sm__malloc((jb->cols - 1) * SM__KNOX_LANES * sizeof *ge) : NULL;
      int bad = lanes ? !tp16 || !tl || !ge : !tp || (lut && (!tib || !cnt));
      oom |= bad;
#ifdef SM_HAVE_OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
      for (size_t bi = g0; bi < g1; bi++) {
        if (bad) continue;
        if (lanes) knox_pass_lanes(jb, bi, tp16, tl, ge);
        else knox_pass(jb, bi, tp, tib, cnt);
      }
      sm__free(tp), sm__free(tib), sm__free(cnt), sm__free(tp16), sm__free(tl_mem), sm__free(ge);
    }
    if (oom) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (!st) st = sm__progress(ctx, (double)(g1 - lo) / (double)(hi - lo), "Knox permutations");
  }
  double t1 = sm__now();
  st = sm__mpi_agree(ctx, st); /* every rank's permutations are done, then every rank gets every table */
  double t2 = sm__now();
  if (!st)
    st = sm__mpi_share_ranges(ctx, jb->sims, jb->P, cells * sizeof *jb->sims, lanes ? knox_range32 : lut ? knox_range8 : NULL);
  if (sm__ranks(ctx) > 1)
    sm__log(ctx, SM_LOG_DEBUG, "Knox: rank %d of %d drew its %zu of the %zu passes in %.3f s, waited %.3f s for the "
            "others, shared the tables in %.3f s", sm__rank(ctx), sm__ranks(ctx), hi - lo, nbatch, t1 - t0, t2 - t1,
            sm__now() - t2);
  else
    sm__log(ctx, SM_LOG_DEBUG, "Knox: %u permutations in %.3f s (%zu a pass%s%s)", jb->P, t1 - t0, w,
            lanes ? ", 16-bit lanes, " : "", lanes ? sm__simd_name(jb->simd) : "");
  return st;
}

/* Each cell's statistics over the P permutations' tables sims: their mean and median, the observed count's ratios
 * to them, and the pseudo p-value (NaN without permutations). */
static sm_status knox_stats(sm_ctx *ctx, sm_knox *k, const double *sims, unsigned P, size_t cells) {
  sm_status st = SM_OK;
  double *col = P ? sm__malloc(P * sizeof *col) : NULL;
  if (P && !col) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t c = 0; !st && c < cells; c++) {
    double obs = k->observed[c], sum = 0;
    unsigned ge = 0;
    for (unsigned r = 0; r < P; r++) {
      col[r] = sims[(size_t)r * cells + c];
      sum += col[r], ge += col[r] >= obs;
    }
    if (P) {
      qsort(col, P, sizeof *col, cmp_double);
      k->sim_mean[c] = sum / P;
      k->sim_median[c] = P % 2 ? col[P / 2] : 0.5 * (col[P / 2 - 1] + col[P / 2]);
      k->p[c] = ((double)ge + 1) / ((double)P + 1);
    } else {
      k->sim_mean[c] = k->sim_median[c] = k->p[c] = NAN;
    }
    k->ratio_mean[c] = k->sim_mean[c] > 0 ? obs / k->sim_mean[c] : NAN;
    k->ratio_median[c] = k->sim_median[c] > 0 ? obs / k->sim_median[c] : NAN;
  }
  sm__free(col);
  return st;
}

sm_status sm_knox_test(sm_ctx *ctx, size_t n, const double *x, const double *y, const double *t,
                       const sm_knox_options *o, sm_knox **out) {
  if (!x || !y || !t || !o || !out || !o->space_breaks || !o->time_breaks)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_knox_test: NULL argument");
  *out = NULL;
  sm_status st = knox_check(ctx, n, x, y, t, o);
  if (st) return st;
  size_t nt = o->n_time;
  size_t rows = o->n_space + 1, cols = nt, cells = rows * cols;
  /* ---- close pairs (distance inside the last break) through a grid of B-sized cells */
  close_pairs cp = {sm__calloc(rows - 1, sizeof *cp.row), rows - 1, 0};
  double *tord = sm__malloc(n * sizeof *tord);
  if (!tord || !cp.row) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  double tc0 = sm__now();
  st = knox_close_pairs(ctx, n, x, y, t, o, tord, &cp, st);
  if (!st) sm__log(ctx, SM_LOG_DEBUG, "Knox: %zu close pairs in %.3f s", cp.n, sm__now() - tc0);
  /* ---- pairs per temporal band over all pairs (the same for every permutation of the times) */
  double *total = sm__calloc(cols, sizeof *total);
  double *ts = sm__malloc(n * sizeof *ts);
  if (!st && (!total || !ts)) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) knox_time_totals(n, t, o->time_breaks, nt, o->right_closed, ts, total);
  sm__free(ts);
  /* ---- the observed table, then the permutations */
  unsigned P = o->permutations;
  if (!st && P) {
    char what[96];
    snprintf(what, sizeof what, "%u permutations x %zu close pairs", P, cp.n);
    st = sm__limit_check(ctx, SM_LIMIT_PERMUTATIONS, (double)P * (double)cp.n, 0, what,
                         "use fewer --permutations or a smaller last --space-band");
  }
  if (!st && P) { /* the close pairs held, the permutations' tables, and each thread's dates (32 lanes of 2 bytes at most) */
    int nth = sm__threads(ctx);
    double bytes = (double)cp.n * 8 + (double)P * (double)cells * 8 + (double)(nth > 0 ? nth : 1) * (double)n * 66;
    char what[96];
    snprintf(what, sizeof what, "the Knox test of %zu events with %u permutations", n, P);
    st = sm__memory_check(ctx, bytes, what, "use fewer incidents (--from, --to, --extent) or fewer threads (-j)");
  }
  sm_knox *k = sm__calloc(1, sizeof *k);
  double *sims = P ? sm__malloc((size_t)P * cells * sizeof *sims) : NULL;
  if (!st && (!k || (P && !sims))) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) st = knox_alloc_tables(ctx, k, n, rows, cols);
  uint16_t *lut;
  double tmin;
  size_t span;
  st = knox_lut(ctx, n, t, o, st, &lut, &tmin, &span);
  if (!st) fill_table(&cp, tord, NULL, lut, o->time_breaks, nt, o->right_closed, total, rows, cols, k->observed);
  knox_job jb = {&cp, tord, o->time_breaks, total, lut, n, nt, rows, cols, o->right_closed, tmin, sm_ctx_seed(ctx), P, sims,
                 NULL, NULL, SM_SIMD_BASE};
  int16_t *t16 = NULL, *thr = NULL;
  if (!st && P && lut && span <= SM__KNOX_SPAN_MAX) { /* 16-bit lanes: the dates and each band's last difference */
    st = sm__simd_choose(ctx, &jb.simd);
    t16 = sm__malloc(n * sizeof *t16), thr = sm__malloc((cols - 1) * sizeof *thr);
    if (!st && (!t16 || !thr)) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    for (size_t i = 0; !st && i < n; i++) t16[i] = (int16_t)(tord[i] - tmin);
    for (size_t c = 0, d = 0; !st && c + 1 < cols; c++) { /* the first difference in band c + 1 or later, less 1 */
      while (d <= span && lut[d] <= c) d++;
      thr[c] = (int16_t)(d - 1);
    }
    jb.t16 = t16, jb.thr = thr;
  }
  if (!st && P) st = knox_permutations(ctx, &jb);
  sm__free(lut), sm__free(t16), sm__free(thr);
  if (!st) st = knox_stats(ctx, k, sims, P, cells);
  sm__free(sims), sm__free(total), sm__free(tord);
  cp_free(&cp);
  if (st) {
    sm_knox_destroy(k);
    return st;
  }
  *out = k;
  return SM_OK;
}
