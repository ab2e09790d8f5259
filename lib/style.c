/* Styles: one description per layer or surface (kind, field, classes with colours and labels) that the
 * GeoPackage writer turns into QGIS styles, the tiles into colours and the viewer into its legend. */
#include "internal/sm_internal.h"
#include "safemap/style.h"
#include "style_ramps.h"
#include "internal/radix.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sm_style {
  sm_style_kind kind;
  sm_geom_type geom;
  char *field, *title, *units;
  sm_style_class *cls;
  size_t n, cap;
  uint8_t single[4];
  double threshold;   /* ramps: values at or below are transparent */
  double line_width;  /* mm, lines */
  int numeric_values; /* categories: the values are numbers (compared as numbers) */
};

sm_status sm_style_options_init(sm_style_options *o, int version) {
  if (!o || version != SM_STYLE_OPTIONS_VERSION) return SM_E_INVALID_ARG;
  sm_style_options d = SM_STYLE_OPTIONS_INIT;
  *o = d;
  return SM_OK;
}

void sm_style_destroy(sm_style *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) sm__free((char *)s->cls[i].value), sm__free((char *)s->cls[i].label);
  sm__free(s->cls), sm__free(s->field), sm__free(s->title), sm__free(s->units), sm__free(s);
}

static sm_style *style_new(sm_style_kind k, sm_geom_type g, const char *field, const char *title, const char *units) {
  sm_style *s = sm__calloc(1, sizeof *s);
  if (!s) return NULL;
  s->kind = k, s->geom = g, s->threshold = -INFINITY, s->line_width = 0.5;
  s->field = field ? sm__strdup(field) : NULL;
  s->title = sm__strdup(title ? title : "");
  s->units = sm__strdup(units ? units : "");
  if ((field && !s->field) || !s->title || !s->units) {
    sm_style_destroy(s);
    return NULL;
  }
  return s;
}

static int add_class(sm_style *s, double lo, double hi, const char *value, const char *label, const uint8_t rgba[4]) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 8;
    sm_style_class *c = sm__realloc(s->cls, cap * sizeof *c);
    if (!c) return 0;
    s->cls = c, s->cap = cap;
  }
  sm_style_class *c = &s->cls[s->n];
  c->lower = lo, c->upper = hi;
  c->value = value ? sm__strdup(value) : NULL;
  c->label = sm__strdup(label ? label : "");
  memcpy(c->rgba, rgba, 4);
  if ((value && !c->value) || !c->label) {
    sm__free((char *)c->value), sm__free((char *)c->label);
    return 0;
  }
  s->n++;
  return 1;
}

static void hex(const char *h, uint8_t a, uint8_t rgba[4]) {
  unsigned v = (unsigned)strtoul(h + (h[0] == '#'), NULL, 16);
  rgba[0] = (uint8_t)(v >> 16), rgba[1] = (uint8_t)(v >> 8), rgba[2] = (uint8_t)v, rgba[3] = a;
}

/* ---- ramps -------------------------------------------------------------------------------------------- */
static int ramp_index(const char *name) {
  for (size_t i = 0; i < sizeof sm__ramps / sizeof *sm__ramps; i++)
    if (!strcmp(sm__ramps[i].name, name)) return (int)i;
  return -1;
}

static void ramp_at(int r, double t, uint8_t rgb[3]) {
  if (!(t > 0)) t = 0;
  if (t > 1) t = 1;
  int n = sm__ramps[r].n;
  double u = t * (n - 1);
  int k = (int)floor(u);
  if (k >= n - 1) k = n - 2;
  double f = u - k;
  for (int c = 0; c < 3; c++)
    rgb[c] = (uint8_t)lround(sm__ramps[r].stops[k][c] * (1 - f) + sm__ramps[r].stops[k + 1][c] * f);
}

sm_status sm_style_ramp_color(sm_ctx *ctx, const char *ramp, double t, uint8_t rgb[3]) {
  int r = ramp ? ramp_index(ramp) : -1;
  if (r < 0)
    return sm__error(ctx, SM_E_INVALID_ARG, "unknown colour ramp '%s' (viridis, magma, ylorrd, reds, blues, rdbu)",
                     ramp ? ramp : "(null)");
  ramp_at(r, t, rgb);
  return SM_OK;
}

/* Colour k of n classes along a ramp: sequential ramps from a little above their light end. */
static void class_color(int r, size_t k, size_t n, double alpha, uint8_t rgba[4]) {
  double t = n > 1 ? (double)k / (double)(n - 1) : 1;
  if (strcmp(sm__ramps[r].name, "viridis") && strcmp(sm__ramps[r].name, "magma")) t = 0.12 + 0.88 * t;
  ramp_at(r, t, rgba);
  rgba[3] = (uint8_t)lround(255 * alpha);
}

/* ---- labels ------------------------------------------------------------------------------------------- */
static void num(char *b, size_t n, double v) {
  if (v == 0) snprintf(b, n, "0");
  else if (fabs(v) >= 1e6 || fabs(v) < 1e-3) snprintf(b, n, "%.3g", v);
  else if (fabs(v) >= 100) snprintf(b, n, "%.0f", v);
  else snprintf(b, n, "%.3g", v);
}

static void range_label(char *b, size_t n, double lo, double hi) {
  char a[32], c[32];
  num(a, sizeof a, lo), num(c, sizeof c, hi);
  snprintf(b, n, "%s \xe2\x80\x93 %s", a, c);
}

/* ---- classification ----------------------------------------------------------------------------------- */
static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Fisher's exact optimisation of Jenks natural breaks over sorted v[0..n): k class upper bounds into b. */
static int jenks(const double *v, size_t n, size_t k, double *b) {
  if (k > n) k = n;
  double *var = sm__malloc((n + 1) * (k + 1) * sizeof *var);
  size_t *lo = sm__malloc((n + 1) * (k + 1) * sizeof *lo);
  if (!var || !lo) {
    sm__free(var), sm__free(lo);
    return 0;
  }
#define V(i, j) var[(i) * (k + 1) + (j)]
#define L(i, j) lo[(i) * (k + 1) + (j)]
  for (size_t i = 0; i <= n; i++)
    for (size_t j = 0; j <= k; j++) V(i, j) = INFINITY, L(i, j) = 0;
  V(0, 0) = 0;
  for (size_t i = 1; i <= n; i++) {
    double s = 0, s2 = 0;
    for (size_t m = i; m >= 1; m--) { /* the last class is v[m-1 .. i-1] */
      double x = v[m - 1];
      s += x, s2 += x * x;
      double w = (double)(i - m + 1), ssd = s2 - s * s / w;
      for (size_t j = 1; j <= k; j++) {
        double c = V(m - 1, j - 1) + ssd;
        if (c < V(i, j)) V(i, j) = c, L(i, j) = m;
      }
    }
  }
  size_t i = n;
  for (size_t j = k; j >= 1; j--) {
    b[j - 1] = v[i - 1];
    i = L(i, j) - 1;
  }
#undef V
#undef L
  sm__free(var), sm__free(lo);
  return (int)k;
}

/* Puts the values of ranks idx[0..ni) (increasing) of v[lo..hi) in their sorted places, the rest in between
 * in any order: a multiple quickselect (median of three, three-way partition), a full sort past a depth. */
static void select_ranks(double *v, size_t lo, size_t hi, const size_t *idx, size_t ni, int depth) {
  while (ni && hi - lo > 1) {
    if (depth-- <= 0 || hi - lo < 32) {
      qsort(v + lo, hi - lo, sizeof *v, cmp_d);
      return;
    }
    double a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi - 1];
    double p = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
    size_t lt = lo, i = lo, gt = hi; /* [lo, lt) < p, [lt, gt) == p, [gt, hi) > p */
    while (i < gt) {
      double x = v[i];
      if (x < p) v[i++] = v[lt], v[lt++] = x;
      else if (x > p) v[i] = v[--gt], v[gt] = x;
      else i++;
    }
    size_t nl = 0, ng = 0;
    while (nl < ni && idx[nl] < lt) nl++;
    ng = nl;
    while (ng < ni && idx[ng] < gt) ng++;
    select_ranks(v, lo, lt, idx, nl, depth); /* the ranks below the pivot's */
    idx += ng, ni -= ng, lo = gt;            /* then those above it, in this loop */
  }
}

/* The ranks breaks_of reads of n values, increasing, into r (at most 5,001). */
static size_t ranks_needed(size_t n, sm_style_classes m, size_t k, size_t *r) {
  size_t c = 0;
  if (m == SM_CLASSES_JENKS) {
    size_t ns = n < 5000 ? n : 5000;
    for (size_t i = 0; i < ns; i++) r[c++] = ns > 1 ? (size_t)((double)i * (double)(n - 1) / (double)(ns - 1)) : 0;
  } else if (m == SM_CLASSES_QUANTILE) {
    for (size_t j = 1; j <= k; j++) r[c++] = (size_t)ceil((double)j * (double)n / (double)k) - 1;
  }
  if (!c || r[c - 1] != n - 1) r[c++] = n - 1; /* the maximum */
  return c;
}

/* Upper bounds of the classes of n values (all above lo) from rv, their values at the ranks ranks_needed names,
 * in its order (nr of them: the last is the maximum): at most k, increasing, the last = max. */
static sm_status breaks_of(sm_ctx *ctx, const double *rv, size_t nr, size_t n, double lo, sm_style_classes m,
                           size_t k, double *b, size_t *nb) {
  size_t c = 0;
  double max = rv[nr - 1];
  if (m == SM_CLASSES_EQUAL) {
    for (size_t j = 1; j <= k; j++) b[c++] = j == k ? max : lo + (max - lo) * (double)j / (double)k;
  } else if (m == SM_CLASSES_JENKS) {
    /* at most 5,000 values: evenly spaced order statistics, the maximum included */
    size_t ns = n < 5000 ? n : 5000;
    double *s = sm__malloc(ns * sizeof *s);
    if (!s) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    memcpy(s, rv, ns * sizeof *s);
    int got = jenks(s, ns, k, b);
    sm__free(s);
    if (!got) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    c = (size_t)got;
  } else {
    for (size_t j = 1; j <= k; j++) b[c++] = rv[j - 1];
  }
  /* ties: drop repeated bounds */
  size_t w = 0;
  for (size_t j = 0; j < c; j++)
    if (!w || b[j] > b[w - 1]) b[w++] = b[j];
  *nb = w;
  return SM_OK;
}

static sm_status ramp_classes(sm_ctx *ctx, sm_style *s, int r, const double *b, size_t nb, double lo, double alpha) {
  for (size_t j = 0; j < nb; j++) {
    char lab[160];
    double a = j ? b[j - 1] : lo;
    range_label(lab, sizeof lab, a, b[j]);
    if (s->kind == SM_STYLE_CLASSES && *s->units) /* a field's classes: the legend says the units */
      snprintf(lab + strlen(lab), sizeof lab - strlen(lab), " %s", s->units);
    uint8_t c[4];
    class_color(r, j, nb, alpha, c);
    if (!add_class(s, a, b[j], NULL, lab, c)) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  return SM_OK;
}

/* A cell the classes are drawn from: finite, not nodata, above the threshold. */
static inline int drawn(double x, double nd, double thr) { return isfinite(x) && x != nd && x > thr; }

typedef struct {
  size_t lo, hi, j0, j1; /* values_at_ranks: a stretch [lo, hi) of its buf that holds the ranks j0..j1 - 1 */
} sel_job;

/* The values of ranks rk[0..nr) (increasing) among the n cells of v[0..nc) that are drawn (above), into rv. The
 * cells are counted by the top 16 bits of their order-keeping keys (sign, exponent and 4 bits of the fraction:
 * sixteenths of an octave); only the buckets that hold a wanted rank are copied out and put in order, so a surface
 * of millions of cells is read twice and hardly copied. Where the wanted buckets hold most of the cells (Jenks'
 * 5,000 ranks, or values in few octaves) every bucket is copied, each still put in order on its own.
 * The cells are counted and copied on nth threads, each a run of them with counts of its own; a run's cells go after
 * those of the runs before it, so buf is the same as from one thread. The buckets' stretches are then put in order
 * on the threads, a stretch each. */
static sm_status values_at_ranks(sm_ctx *ctx, const double *v, size_t nc, double nd, double thr, size_t n,
                                 const size_t *rk, size_t nr, double *rv) {
  enum { NB = 1 << 16 };
  int nth = sm__threads(ctx);
  if (nth < 1 || nc < ((size_t)1 << 18)) nth = 1;
  size_t *cnt = sm__calloc(NB, sizeof *cnt), *at = sm__malloc(NB * sizeof *at);
  size_t *tcnt = sm__calloc((size_t)nth * NB, sizeof *tcnt); /* each run's counts, then where its cells go */
  unsigned char *want = sm__calloc(NB, 1);
  double *buf = NULL;
  size_t *loc = sm__malloc(nr * sizeof *loc);
  sel_job *sel = sm__malloc(nr * sizeof *sel); /* the stretches to put in order: at most one a rank */
  sm_status st = cnt && at && tcnt && want && loc && sel ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (st) goto done;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nth) schedule(static, 1)
#endif
  for (int t = 0; t < nth; t++) {
    size_t *c = tcnt + (size_t)t * NB, i1 = nc * ((size_t)t + 1) / (size_t)nth;
    for (size_t i = nc * (size_t)t / (size_t)nth; i < i1; i++)
      if (drawn(v[i], nd, thr)) c[sm__radix_key(v[i]) >> 48]++;
  }
  for (int t = 0; t < nth; t++)
    for (size_t bk = 0; bk < NB; bk++) cnt[bk] += tcnt[(size_t)t * NB + bk];
  size_t m = 0, first = 0, j = 0;
  for (size_t bk = 0; bk < NB && j < nr; first += cnt[bk++])
    for (; j < nr && rk[j] < first + cnt[bk]; j++)
      if (!want[bk]) want[bk] = 1, m += cnt[bk];
  if (m > n / 2) /* most cells wanted: every bucket copied (in order, so each rank still in its bucket's stretch) */
    for (size_t bk = 0; bk < NB; bk++) want[bk] = cnt[bk] > 0;
  if (!(buf = sm__malloc((m > n / 2 ? n : m) * sizeof *buf))) {
    st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    goto done;
  }
  /* the wanted buckets, in order, one after the other in buf */
  size_t o = 0;
  for (size_t bk = 0; bk < NB; bk++) at[bk] = want[bk] ? (o += cnt[bk]) - cnt[bk] : 0;
  for (size_t bk = 0; bk < NB; bk++) /* run t's first place in each wanted bucket */
    for (int t = 0; want[bk] && t < nth; t++) {
      size_t c = tcnt[(size_t)t * NB + bk];
      tcnt[(size_t)t * NB + bk] = at[bk], at[bk] += c;
    }
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nth) schedule(static, 1)
#endif
  for (int t = 0; t < nth; t++) {
    size_t *tat = tcnt + (size_t)t * NB, i1 = nc * ((size_t)t + 1) / (size_t)nth;
    for (size_t i = nc * (size_t)t / (size_t)nth; i < i1; i++)
      if (drawn(v[i], nd, thr)) {
        size_t bk = sm__radix_key(v[i]) >> 48;
        if (want[bk]) buf[tat[bk]++] = v[i];
      }
  }
  /* each rank's place in its bucket's stretch of buf; the stretches that hold a rank put in order at those places,
   * each on its own (they are disjoint), on the threads */
  first = 0, o = 0, j = 0;
  size_t nsel = 0;
  for (size_t bk = 0; bk < NB && j < nr; first += cnt[bk++]) {
    if (!want[bk]) continue;
    size_t j0 = j;
    for (; j < nr && rk[j] < first + cnt[bk]; j++) loc[j] = o + (rk[j] - first);
    if (j > j0) sel[nsel++] = (sel_job){o, o + cnt[bk], j0, j};
    o += cnt[bk];
  }
  long ns = (long)nsel;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nth) schedule(dynamic, 1)
#endif
  for (long q = 0; q < ns; q++) {
    const sel_job *b = &sel[q];
    select_ranks(buf, b->lo, b->hi, loc + b->j0, b->j1 - b->j0, 2 * (int)log2((double)(b->hi - b->lo) + 1) + 8);
  }
  for (size_t q = 0; q < nr; q++) rv[q] = buf[loc[q]];
done:
  sm__free(cnt);
  sm__free(tcnt);
  sm__free(at);
  sm__free(want);
  sm__free(buf);
  sm__free(loc);
  sm__free(sel);
  return st;
}

sm_status sm_style_for_raster(sm_ctx *ctx, const sm_raster *raster, const sm_style_options *opts, sm_style **out) {
  if (!raster || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_style_for_raster: NULL argument");
  *out = NULL;
  sm_style_options d = SM_STYLE_OPTIONS_INIT;
  const sm_style_options *o = opts ? opts : &d;
  if (o->version != SM_STYLE_OPTIONS_VERSION)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_style_options: version %d, expected %d", o->version,
                     SM_STYLE_OPTIONS_VERSION);
  const char *rname = o->ramp ? o->ramp : "viridis";
  int r = ramp_index(rname);
  if (r < 0)
    return sm__error(ctx, SM_E_INVALID_ARG, "unknown colour ramp '%s' (viridis, magma, ylorrd, reds, blues, rdbu)", rname);
  if (o->method < SM_CLASSES_QUANTILE || o->method > SM_CLASSES_FIXED)
    return sm__error(ctx, SM_E_INVALID_ARG, "unknown classification %d", (int)o->method);
  if (o->method != SM_CLASSES_FIXED && (o->n_classes < 2 || o->n_classes > 12))
    return sm__error(ctx, SM_E_INVALID_ARG, "%d classes: give 2 to 12", o->n_classes);
  if (o->method == SM_CLASSES_FIXED) {
    if (!o->breaks || o->n_breaks < 1 || o->n_breaks > 12)
      return sm__error(ctx, SM_E_INVALID_ARG, "fixed classes need 1 to 12 breaks, not %zu", o->breaks ? o->n_breaks : 0);
    for (size_t j = 0; j < o->n_breaks; j++)
      if (!isfinite(o->breaks[j]) || (j && !(o->breaks[j] > o->breaks[j - 1])))
        return sm__error(ctx, SM_E_INVALID_ARG, "the fixed breaks must be finite and increasing (break %zu is %g)", j + 1,
                         o->breaks[j]);
  }
  if (!(o->opacity >= 0 && o->opacity <= 1))
    return sm__error(ctx, SM_E_INVALID_ARG, "opacity %g is not between 0 and 1", o->opacity);
  size_t nc = sm_raster_width(raster) * sm_raster_height(raster), n = 0;
  const double *v = sm_raster_values(raster);
  double nd = sm_raster_nodata(raster), mn = INFINITY;
  int nth = nc >= ((size_t)1 << 18) ? sm__threads(ctx) : 1; /* the least and the count: the same on any number */
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nth) schedule(static) reduction(min : mn)
#endif
  for (size_t i = 0; i < nc; i++)
    if (isfinite(v[i]) && v[i] != nd && v[i] < mn) mn = v[i];
  double thr = o->threshold;
  if (isnan(thr)) thr = mn >= 0 ? 0 : mn;
  if (o->method == SM_CLASSES_FIXED && !(o->breaks[0] > thr))
    return sm__error(ctx, SM_E_INVALID_ARG, "the first fixed break %g is not above the threshold %g", o->breaks[0], thr);
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nth) schedule(static) reduction(+ : n)
#endif
  for (size_t i = 0; i < nc; i++)
    if (drawn(v[i], nd, thr)) n++;
  if (!n) return sm__error(ctx, SM_E_INPUT, "the surface has no value above %g: nothing to draw", thr);
  const char *title = sm_raster_metadata_get(raster, "description");
  if (!title || !*title) title = sm_raster_metadata_get(raster, "name");
  sm_style *s = style_new(SM_STYLE_RAMP, SM_GEOM_NONE, NULL, title && *title ? title : "surface",
                          sm_raster_metadata_get(raster, "units"));
  if (!s) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  s->threshold = thr;
  double b[12];
  size_t nb = 0;
  sm_status st = SM_OK;
  if (o->method == SM_CLASSES_FIXED) {
    memcpy(b, o->breaks, o->n_breaks * sizeof *b);
    nb = o->n_breaks;
  } else {
    /* only the values at the ranks the classes need: a sort of every cell took as long as writing the GeoTIFF
     * (0.9 s for 14 million cells) */
    size_t *rk = sm__malloc(5001 * sizeof *rk);
    double *rv = sm__malloc(5001 * sizeof *rv);
    if (!rk || !rv) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (!st) {
      size_t nr = ranks_needed(n, o->method, (size_t)o->n_classes, rk);
      if ((st = values_at_ranks(ctx, v, nc, nd, thr, n, rk, nr, rv)) == SM_OK)
        st = breaks_of(ctx, rv, nr, n, thr, o->method, (size_t)o->n_classes, b, &nb);
    }
    sm__free(rk);
    sm__free(rv);
  }
  if (!st) st = ramp_classes(ctx, s, r, b, nb, thr, o->opacity);
  if (st) {
    sm_style_destroy(s);
    return st;
  }
  *out = s;
  return SM_OK;
}

/* ---- layers ------------------------------------------------------------------------------------------- */
typedef struct {
  const char *value, *label, *color;
} cat_def;

static sm_status categories(sm_ctx *ctx, sm_style *s, const cat_def *c, size_t n, uint8_t alpha, int numeric) {
  s->numeric_values = numeric;
  for (size_t i = 0; i < n; i++) {
    uint8_t rgba[4];
    hex(c[i].color, alpha, rgba);
    double v = numeric ? strtod(c[i].value, NULL) : NAN;
    if (!add_class(s, v, v, c[i].value, c[i].label, rgba)) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  return SM_OK;
}

/* Gi* bins: ArcGIS's hot spot colours. */
static const cat_def GI[] = {{"3", "Hot spot, 99% confidence", "#d62f27"},  {"2", "Hot spot, 95% confidence", "#ed7551"},
                             {"1", "Hot spot, 90% confidence", "#fab984"},  {"0", "Not significant", "#f7f7f2"},
                             {"-1", "Cold spot, 90% confidence", "#c0ccbe"}, {"-2", "Cold spot, 95% confidence", "#849eba"},
                             {"-3", "Cold spot, 99% confidence", "#4575b5"}};
/* local Moran: GeoDa's cluster map colours */
static const cat_def LISA[] = {{"HH", "High-High", "#ff0000"}, {"LL", "Low-Low", "#0000ff"},
                               {"HL", "High-Low", "#f4ada8"},  {"LH", "Low-High", "#a7adf9"},
                               {"", "Not significant", "#eeeeee"}};
/* the 17 emerging hot spot categories: reds for hot, blues for cold, as ArcGIS's map */
static const cat_def EHSA[] = {{"New Hot Spot", "New hot spot", "#8c0000"},
                               {"Consecutive Hot Spot", "Consecutive hot spot", "#c03030"},
                               {"Intensifying Hot Spot", "Intensifying hot spot", "#e31a1c"},
                               {"Persistent Hot Spot", "Persistent hot spot", "#f0504a"},
                               {"Diminishing Hot Spot", "Diminishing hot spot", "#f88570"},
                               {"Sporadic Hot Spot", "Sporadic hot spot", "#fbb4a0"},
                               {"Oscillating Hot Spot", "Oscillating hot spot", "#e38b9e"},
                               {"Historical Hot Spot", "Historical hot spot", "#f5d1cb"},
                               {"New Cold Spot", "New cold spot", "#00306e"},
                               {"Consecutive Cold Spot", "Consecutive cold spot", "#1f4f9a"},
                               {"Intensifying Cold Spot", "Intensifying cold spot", "#2b6ec0"},
                               {"Persistent Cold Spot", "Persistent cold spot", "#4a8ad4"},
                               {"Diminishing Cold Spot", "Diminishing cold spot", "#73a7e0"},
                               {"Sporadic Cold Spot", "Sporadic cold spot", "#a2c4ea"},
                               {"Oscillating Cold Spot", "Oscillating cold spot", "#8a9ed6"},
                               {"Historical Cold Spot", "Historical cold spot", "#cfdcf2"},
                               {"No Pattern Detected", "No pattern detected", "#ebebeb"}};
static const cat_def LAMPS[] = {{"1", "Lit at the hour", "#ffd21f"}, {"0", "Not lit (out or switched off)", "#3c3c3c"}};
static const cat_def ROUTES[] = {{"safest", "Safest route", "#1a9850"}, {"shortest", "Shortest route", "#5e5e5e"}};
static const cat_def HOTAREAS[] = {{"50", "Densest area holding 50% of the density", "#bd0026"},
                                   {"75", "75%", "#fd8d3c"},
                                   {"90", "90%", "#fed976"}};

#define NCAT(a) (sizeof a / sizeof *a)

/* Graduated classes of a numeric field from the layer's values. */
static sm_status field_classes(sm_ctx *ctx, sm_style *s, const sm_layer *l, long f, const char *ramp, size_t k,
                               sm_style_classes m, double alpha, const double *fixed, size_t nfixed) {
  int r = ramp_index(ramp);
  size_t n = sm_layer_feature_count(l), c = 0;
  double b[12];
  size_t nb = 0;
  double lo = 0;
  if (fixed) {
    memcpy(b, fixed, nfixed * sizeof *b);
    nb = nfixed;
  } else {
    double *v = sm__malloc((n ? n : 1) * sizeof *v);
    if (!v) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
      double x = sm_layer_get_double(l, i, (size_t)f);
      if (isfinite(x)) v[c++] = x;
    }
    if (!c) {
      sm__free(v);
      uint8_t g[4] = {200, 200, 200, 200};
      memcpy(s->single, g, 4);
      s->kind = SM_STYLE_SINGLE;
      sm__free(s->field);
      s->field = NULL;
      return SM_OK;
    }
    qsort(v, c, sizeof *v, cmp_d);
    lo = v[0];
    size_t *rk = sm__malloc(5001 * sizeof *rk);
    double *rv = sm__malloc(5001 * sizeof *rv);
    sm_status st = rk && rv ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (!st) {
      size_t nr = ranks_needed(c, m, k, rk);
      for (size_t i = 0; i < nr; i++) rv[i] = v[rk[i]];
      st = breaks_of(ctx, rv, nr, c, lo, m, k, b, &nb);
    }
    sm__free(rk);
    sm__free(rv);
    sm__free(v);
    if (st) return st;
  }
  s->threshold = -INFINITY;
  return ramp_classes(ctx, s, r, b, nb, lo, alpha);
}

/* The style of layer l: coloured by the field `want`, or (NULL) by the field that decides. */
static sm_status style_of(sm_ctx *ctx, const sm_layer *l, const char *want, sm_style **out) {
  *out = NULL;
  const char *name = sm_layer_name(l);
  sm_geom_type g = sm_layer_geom_type(l);
  long f;
  sm_style *s = NULL;
  sm_status st = SM_OK;
  size_t nl = strlen(name);
#define HAS(fld) (sm_layer_field_index(l, fld) >= 0 && (!want || !strcmp(want, fld)))
#define NEW(kind, field, title, units)                                                                             \
  do {                                                                                                             \
    if (!(s = style_new(kind, g, field, title, units))) return sm__error(ctx, SM_E_NOMEM, "out of memory");       \
  } while (0)
  if (g == SM_GEOM_NONE && !want) {
    NEW(SM_STYLE_SINGLE, NULL, name, NULL);
  } else if (HAS("gi_bin") || HAS("gi_bin_fdr")) {
    /* Optimized Hot Spot Analysis's result is the bin with the false discovery rate correction */
    int fdr = want ? !strcmp(want, "gi_bin_fdr")
                   : sm_layer_field_index(l, "gi_bin_fdr") >= 0 &&
                         (sm_layer_field_index(l, "gi_bin") < 0 || sm_layer_metadata_get(l, "optimised"));
    NEW(SM_STYLE_CATEGORIES, fdr ? "gi_bin_fdr" : "gi_bin",
        fdr ? "Gi* hot and cold spots (false discovery rate correction)" : "Gi* hot and cold spots", NULL);
    st = categories(ctx, s, GI, NCAT(GI), 230, 1);
  } else if (HAS("lisa_class")) {
    NEW(SM_STYLE_CATEGORIES, "lisa_class", "Local Moran's I clusters", NULL);
    st = categories(ctx, s, LISA, NCAT(LISA), 230, 0);
  } else if (!strcmp(name, "emerging") && HAS("category")) {
    NEW(SM_STYLE_CATEGORIES, "category", "Emerging hot spots", NULL);
    st = categories(ctx, s, EHSA, NCAT(EHSA), 230, 0);
  } else if (!strcmp(name, "audit_segments") && HAS("priority")) {
    f = sm_layer_field_index(l, "priority");
    NEW(SM_STYLE_CLASSES, "priority", "Safety audit priority (0 to 100)", NULL);
    static const double PB[] = {20, 40, 60, 80, 100};
    s->line_width = 0.7;
    st = field_classes(ctx, s, l, f, "ylorrd", 5, SM_CLASSES_FIXED, 1, PB, 5);
  } else if (!want && !strcmp(name, "dark_stretches")) {
    NEW(SM_STYLE_SINGLE, NULL, "Dark stretches (below the lighting target)", NULL);
    hex("#49006a", 255, s->single);
    s->line_width = 1.4;
  } else if (!want && !strcmp(name, "audit_priorities")) {
    NEW(SM_STYLE_SINGLE, NULL, "Top priorities", NULL);
    hex("#e31a1c", 255, s->single);
    s->line_width = 1.8;
  } else if (!strcmp(name, "audit_lamps") && HAS("lit")) {
    NEW(SM_STYLE_CATEGORIES, "lit", "Lamps at the hour", NULL);
    st = categories(ctx, s, LAMPS, NCAT(LAMPS), 255, 1);
  } else if (!strcmp(name, "audit_wards") && HAS("share_below_target")) {
    f = sm_layer_field_index(l, "share_below_target");
    NEW(SM_STYLE_CLASSES, "share_below_target", "Share of street length below the lighting target", NULL);
    st = field_classes(ctx, s, l, f, "reds", 5, SM_CLASSES_QUANTILE, 0.75, NULL, 0);
  } else if ((!strcmp(name, "routes") || !strcmp(name, "route_segments")) && HAS("route")) {
    NEW(SM_STYLE_CATEGORIES, "route", "Walking routes", NULL);
    s->line_width = 1.6;
    st = categories(ctx, s, ROUTES, NCAT(ROUTES), 255, 0);
  } else if (HAS("percent") && sm_layer_field_index(l, "threshold") >= 0) {
    NEW(SM_STYLE_CATEGORIES, "percent", "KDE hot-spot areas", NULL);
    st = categories(ctx, s, HOTAREAS, NCAT(HOTAREAS), 45, 1);
  } else if (nl > 4 && !strcmp(name + nl - 4, "_top") && HAS("risk")) {
    f = sm_layer_field_index(l, "risk");
    NEW(SM_STYLE_CLASSES, "risk", "Forecast top cells (risk)", NULL);
    st = field_classes(ctx, s, l, f, "reds", 4, SM_CLASSES_QUANTILE, 0.8, NULL, 0);
  } else if (!strcmp(name, "promap_areas") && HAS("share")) {
    f = sm_layer_field_index(l, "share");
    NEW(SM_STYLE_CLASSES, "share", "Next month's forecast areas (share of expected burglaries)", NULL);
    st = field_classes(ctx, s, l, f, "reds", 4, SM_CLASSES_QUANTILE, 0.8, NULL, 0);
  } else if (!want && !strcmp(name, "scan_clusters")) {
    NEW(SM_STYLE_SINGLE, NULL, "Space-time scan clusters", NULL);
    hex("#e31a1c", 90, s->single);
  } else if (HAS("per_km2") && sm_layer_field_index(l, "total") >= 0) {
    f = sm_layer_field_index(l, "per_km2");
    NEW(SM_STYLE_CLASSES, "per_km2", "Crimes per km\xc2\xb2", "per km\xc2\xb2");
    st = field_classes(ctx, s, l, f, "ylorrd", 5, SM_CLASSES_QUANTILE, 0.8, NULL, 0);
  } else if (want) {
    return sm__error(ctx, SM_E_INVALID_ARG, "layer '%s' has no field '%s' that safemap knows how to colour", name, want);
  } else {
    NEW(SM_STYLE_SINGLE, NULL, name, NULL);
    hex(g == SM_GEOM_POINT ? "#6a51a3" : "#3182bd", g == SM_GEOM_POLYGON || g == SM_GEOM_MULTIPOLYGON ? 120 : 255,
        s->single);
  }
#undef NEW
#undef HAS
  if (st) {
    sm_style_destroy(s);
    return st;
  }
  *out = s;
  return SM_OK;
}

sm_status sm_style_for_layer(sm_ctx *ctx, const sm_layer *l, sm_style **out) {
  if (!l || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_style_for_layer: NULL argument");
  return style_of(ctx, l, NULL, out);
}

sm_status sm_style_for_field(sm_ctx *ctx, const sm_layer *l, const char *field, sm_style **out) {
  if (out) *out = NULL;
  if (!l || !field || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_style_for_field: NULL argument");
  return style_of(ctx, l, field, out);
}

/* ---- reading a style ---------------------------------------------------------------------------------- */
sm_style_kind sm_style_get_kind(const sm_style *s) { return s ? s->kind : SM_STYLE_SINGLE; }
const char *sm_style_field(const sm_style *s) { return s ? s->field : NULL; }
const char *sm_style_title(const sm_style *s) { return s ? s->title : NULL; }
const char *sm_style_units(const sm_style *s) { return s ? s->units : NULL; }
sm_geom_type sm_style_geom_type(const sm_style *s) { return s ? s->geom : SM_GEOM_NONE; }
size_t sm_style_class_count(const sm_style *s) { return s ? s->n : 0; }

sm_status sm_style_class_get(const sm_style *s, size_t i, sm_style_class *out) {
  if (!s || !out || i >= s->n) return SM_E_INVALID_ARG;
  *out = s->cls[i];
  return SM_OK;
}

void sm_style_single_color(const sm_style *s, uint8_t rgba[4]) {
  if (s) memcpy(rgba, s->single, 4);
  else memset(rgba, 0, 4);
}

void sm_style_color(const sm_style *s, double v, uint8_t rgba[4]) {
  memset(rgba, 0, 4);
  if (!s || isnan(v) || !s->n) return;
  if (s->kind == SM_STYLE_CATEGORIES) {
    for (size_t i = 0; i < s->n; i++)
      if (s->cls[i].lower == v) {
        memcpy(rgba, s->cls[i].rgba, 4);
        return;
      }
    return;
  }
  if (v <= s->threshold) return;
  if (s->kind == SM_STYLE_RAMP && v <= s->cls[0].lower) return;
  if (s->kind == SM_STYLE_CLASSES && v < s->cls[0].lower) return;
  /* the first class whose upper bound holds v; above the last, the last */
  size_t a = 0, b = s->n - 1;
  while (a < b) {
    size_t m = (a + b) / 2;
    if (v <= s->cls[m].upper) b = m;
    else a = m + 1;
  }
  memcpy(rgba, s->cls[a].rgba, 4);
}

void sm_style_color_text(const sm_style *s, const char *value, uint8_t rgba[4]) {
  memset(rgba, 0, 4);
  if (!s || s->kind != SM_STYLE_CATEGORIES) return;
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->cls[i].value, value ? value : "")) {
      memcpy(rgba, s->cls[i].rgba, 4);
      return;
    }
}

/* ---- QGIS style (QML) --------------------------------------------------------------------------------- */
static sm_status xml_text(sm_buf *b, const char *t) {
  sm_status st = SM_OK;
  for (const char *c = t ? t : ""; *c && !st; c++) {
    switch (*c) {
    case '&': st = sm__buf_append(b, "&amp;", 5); break;
    case '<': st = sm__buf_append(b, "&lt;", 4); break;
    case '>': st = sm__buf_append(b, "&gt;", 4); break;
    case '"': st = sm__buf_append(b, "&quot;", 6); break;
    default: st = sm__buf_append(b, c, 1);
    }
  }
  return st;
}

static sm_status qml_symbol(sm_buf *b, const sm_style *s, sm_geom_type g, int name, const uint8_t c[4]) {
  const char *type = g == SM_GEOM_POINT                                     ? "marker"
                     : g == SM_GEOM_LINESTRING || g == SM_GEOM_MULTILINESTRING ? "line"
                                                                           : "fill";
  sm_status st = sm__buf_printf(b, "<symbol type=\"%s\" name=\"%d\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">", type, name);
  if (st) return st;
  char col[40];
  snprintf(col, sizeof col, "%u,%u,%u,%u", c[0], c[1], c[2], c[3]);
  if (!strcmp(type, "fill"))
    st = sm__buf_printf(b,
                        "<layer class=\"SimpleFill\" enabled=\"1\" locked=\"0\" pass=\"0\"><Option type=\"Map\">"
                        "<Option name=\"color\" type=\"QString\" value=\"%s\"/>"
                        "<Option name=\"outline_color\" type=\"QString\" value=\"90,90,90,%u\"/>"
                        "<Option name=\"outline_style\" type=\"QString\" value=\"solid\"/>"
                        "<Option name=\"outline_width\" type=\"QString\" value=\"0.1\"/>"
                        "<Option name=\"outline_width_unit\" type=\"QString\" value=\"MM\"/>"
                        "<Option name=\"style\" type=\"QString\" value=\"solid\"/></Option></layer>",
                        col, c[3] < 128 ? 200u : 110u);
  else if (!strcmp(type, "line"))
    st = sm__buf_printf(b,
                        "<layer class=\"SimpleLine\" enabled=\"1\" locked=\"0\" pass=\"0\"><Option type=\"Map\">"
                        "<Option name=\"capstyle\" type=\"QString\" value=\"round\"/>"
                        "<Option name=\"joinstyle\" type=\"QString\" value=\"round\"/>"
                        "<Option name=\"line_color\" type=\"QString\" value=\"%s\"/>"
                        "<Option name=\"line_style\" type=\"QString\" value=\"solid\"/>"
                        "<Option name=\"line_width\" type=\"QString\" value=\"%g\"/>"
                        "<Option name=\"line_width_unit\" type=\"QString\" value=\"MM\"/></Option></layer>",
                        col, s->line_width);
  else
    st = sm__buf_printf(b,
                        "<layer class=\"SimpleMarker\" enabled=\"1\" locked=\"0\" pass=\"0\"><Option type=\"Map\">"
                        "<Option name=\"color\" type=\"QString\" value=\"%s\"/>"
                        "<Option name=\"name\" type=\"QString\" value=\"circle\"/>"
                        "<Option name=\"outline_color\" type=\"QString\" value=\"40,40,40,255\"/>"
                        "<Option name=\"outline_width\" type=\"QString\" value=\"0.1\"/>"
                        "<Option name=\"size\" type=\"QString\" value=\"2\"/>"
                        "<Option name=\"size_unit\" type=\"QString\" value=\"MM\"/></Option></layer>",
                        col);
  return st ? st : sm__buf_append(b, "</symbol>", 9);
}

static sm_status qml_raster(sm_buf *b, const sm_style *s) {
  double hi = s->cls[s->n - 1].upper, lo = s->cls[0].lower;
  sm_status st = sm__buf_printf(
      b,
      "<pipe><rasterrenderer type=\"singlebandpseudocolor\" band=\"1\" opacity=\"1\" alphaBand=\"-1\" "
      "classificationMin=\"%.17g\" classificationMax=\"%.17g\" nodataColor=\"\"><rasterTransparency/>"
      "<minMaxOrigin><limits>None</limits><extent>WholeRaster</extent><statAccuracy>Estimated</statAccuracy>"
      "<cumulativeCutLower>0.02</cumulativeCutLower><cumulativeCutUpper>0.98</cumulativeCutUpper>"
      "<stdDevFactor>2</stdDevFactor></minMaxOrigin><rastershader><colorrampshader colorRampType=\"DISCRETE\" "
      "classificationMode=\"3\" clip=\"0\" minimumValue=\"%.17g\" maximumValue=\"%.17g\" labelPrecision=\"4\">"
      "<item alpha=\"0\" value=\"%.17g\" label=\"",
      lo, hi, lo, hi, lo);
  /* the transparent entry's legend line says what is not drawn, and the units of every class below it */
  char thr[32], lab[200];
  num(thr, sizeof thr, lo);
  if (*s->units) snprintf(lab, sizeof lab, "%s or less: not drawn (values in %s)", thr, s->units);
  else snprintf(lab, sizeof lab, "%s or less: not drawn", thr);
  if (!st) st = xml_text(b, lab);
  if (!st) st = sm__buf_append(b, "\" color=\"#000000\"/>", 19);
  for (size_t i = 0; i < s->n && !st; i++) {
    const sm_style_class *c = &s->cls[i];
    if (i + 1 < s->n) st = sm__buf_printf(b, "<item alpha=\"%u\" value=\"%.17g\" label=\"", c->rgba[3], c->upper);
    else st = sm__buf_printf(b, "<item alpha=\"%u\" value=\"inf\" label=\"", c->rgba[3]);
    if (!st) st = xml_text(b, c->label);
    if (!st) st = sm__buf_printf(b, "\" color=\"#%02x%02x%02x\"/>", c->rgba[0], c->rgba[1], c->rgba[2]);
  }
  if (!st)
    st = sm__buf_printf(b, "</colorrampshader></rastershader></rasterrenderer>"
                           "<brightnesscontrast brightness=\"0\" contrast=\"0\" gamma=\"1\"/>"
                           "<huesaturation saturation=\"0\" grayscaleMode=\"0\" colorizeOn=\"0\"/>"
                           "<rasterresampler maxOversampling=\"2\"/></pipe><blendMode>0</blendMode>");
  return st;
}

sm_status sm_style_qml(sm_ctx *ctx, const sm_style *s, sm_geom_type g, char **qml) {
  if (!s || !qml) return sm__error(ctx, SM_E_INVALID_ARG, "sm_style_qml: NULL argument");
  *qml = NULL;
  sm_buf b = {0};
  sm_status st = sm__buf_printf(&b, "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
                                    "<qgis version=\"3.22.0\" styleCategories=\"Symbology|Labeling|Legend\">");
  if (!st && s->kind == SM_STYLE_RAMP && s->n) {
    st = qml_raster(&b, s);
  } else if (!st && (s->kind == SM_STYLE_SINGLE || !s->n)) {
    st = sm__buf_printf(&b, "<renderer-v2 type=\"singleSymbol\" symbollevels=\"0\" enableorderby=\"0\" "
                            "forceraster=\"0\"><symbols>");
    if (!st) st = qml_symbol(&b, s, g, 0, s->single);
    if (!st) st = sm__buf_printf(&b, "</symbols></renderer-v2>");
  } else if (!st) {
    int cat = s->kind == SM_STYLE_CATEGORIES;
    st = sm__buf_printf(&b, "<renderer-v2 type=\"%s\" attr=\"", cat ? "categorizedSymbol" : "graduatedSymbol");
    if (!st) st = xml_text(&b, s->field);
    if (!st)
      st = sm__buf_printf(&b, "\" symbollevels=\"0\" enableorderby=\"0\" forceraster=\"0\"%s><%s>",
                          cat ? "" : " graduatedMethod=\"GraduatedColor\"", cat ? "categories" : "ranges");
    for (size_t i = 0; i < s->n && !st; i++) {
      const sm_style_class *c = &s->cls[i];
      if (cat) {
        st = sm__buf_printf(&b, "<category render=\"true\" symbol=\"%zu\" value=\"", i);
        if (!st) st = xml_text(&b, c->value);
      } else {
        st = sm__buf_printf(&b, "<range render=\"true\" symbol=\"%zu\" lower=\"%.17g\" upper=\"%.17g\"", i, c->lower,
                            c->upper);
      }
      if (!st) st = sm__buf_printf(&b, "%slabel=\"", cat ? "\" " : " ");
      if (!st) st = xml_text(&b, c->label);
      if (!st) st = sm__buf_append(&b, "\"/>", 3);
    }
    if (!st) st = sm__buf_printf(&b, "</%s><symbols>", cat ? "categories" : "ranges");
    for (size_t i = 0; i < s->n && !st; i++) st = qml_symbol(&b, s, g, (int)i, s->cls[i].rgba);
    if (!st) st = sm__buf_printf(&b, "</symbols></renderer-v2>");
  }
  if (!st) st = sm__buf_printf(&b, "</qgis>\n");
  if (st) {
    sm__free(b.s);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  *qml = b.s;
  return SM_OK;
}

/* ---- JSON for the viewer ------------------------------------------------------------------------------ */
static sm_status json_num(sm_buf *b, double v) {
  if (isfinite(v)) return sm__buf_printf(b, "%.17g", v);
  return sm__buf_append(b, "null", 4);
}

sm_status sm_style_json(sm_ctx *ctx, const sm_style *s, char **json) {
  if (!s || !json) return sm__error(ctx, SM_E_INVALID_ARG, "sm_style_json: NULL argument");
  *json = NULL;
  static const char *const kinds[] = {"single", "categories", "classes", "ramp"};
  sm_buf b = {0};
  sm_status st = sm__buf_printf(&b, "{\"kind\": \"%s\", \"field\": ", kinds[s->kind]);
  if (!st) st = s->field ? sm__json_str(&b, s->field) : sm__buf_append(&b, "null", 4);
  if (!st) st = sm__buf_append(&b, ", \"title\": ", 11);
  if (!st) st = sm__json_str(&b, s->title);
  if (!st) st = sm__buf_append(&b, ", \"units\": ", 11);
  if (!st) st = sm__json_str(&b, s->units);
  if (!st) st = sm__buf_append(&b, ", \"threshold\": ", 15);
  if (!st) st = json_num(&b, s->threshold);
  if (!st)
    st = sm__buf_printf(&b, ", \"color\": \"#%02x%02x%02x\", \"opacity\": %.3g, \"line_width_mm\": %g, \"classes\": [",
                        s->single[0], s->single[1], s->single[2], s->single[3] / 255.0, s->line_width);
  for (size_t i = 0; i < s->n && !st; i++) {
    const sm_style_class *c = &s->cls[i];
    st = sm__buf_append(&b, i ? ", {\"lower\": " : "{\"lower\": ", i ? 12 : 10);
    if (!st) st = json_num(&b, c->lower);
    if (!st) st = sm__buf_append(&b, ", \"upper\": ", 11);
    if (!st) st = json_num(&b, c->upper);
    if (!st) st = sm__buf_append(&b, ", \"value\": ", 11);
    if (!st) st = c->value ? sm__json_str(&b, c->value) : sm__buf_append(&b, "null", 4);
    if (!st) st = sm__buf_append(&b, ", \"label\": ", 11);
    if (!st) st = sm__json_str(&b, c->label);
    /* the class that is no finding (Gi*'s and local Moran's not significant, no emerging pattern): a map that
     * lays it over a surface draws its outline only */
    int neutral = c->value && (!strcmp(c->label, "Not significant") || !strcmp(c->label, "No pattern detected"));
    if (!st)
      st = sm__buf_printf(&b, ", \"color\": \"#%02x%02x%02x\", \"opacity\": %.3g%s}", c->rgba[0], c->rgba[1], c->rgba[2],
                          c->rgba[3] / 255.0, neutral ? ", \"neutral\": true" : "");
  }
  if (!st) st = sm__buf_append(&b, "]}", 2);
  if (st) {
    sm__free(b.s);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  *json = b.s;
  return SM_OK;
}
