/* The checks of areas just read: duplicate ids, and areas whose interiors overlap. */
#include "internal/areas_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#ifdef SM_HAVE_OPENMP
#include <omp.h>
#endif

typedef struct {
  const char *id;
  size_t k;
} id_ref;

static int cmp_id_ref(const void *p, const void *q) {
  const id_ref *x = p, *y = q;
  int c = strcmp(x->id, y->id);
  return c ? c : (x->k > y->k) - (x->k < y->k);
}

/* Duplicate ids make per-area outputs ambiguous (two rows, or one sum, for
 * one id): refused, naming the first duplicate in feature order and how many
 * ids are duplicated. Sorted, so any number of areas is checked. */
sm_status sm__areas_check_ids(area_reader *R) {
  sm_areas *a = R->a;
  if (R->fid_id < 0 || a->n < 2) return SM_OK; /* FIDs are unique */
  id_ref *r = sm__malloc(a->n * sizeof *r);
  if (!r) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < a->n; i++) r[i] = (id_ref){a->ids[i], i};
  qsort(r, a->n, sizeof *r, cmp_id_ref);
  size_t dup = 0, first = SIZE_MAX, second = 0;
  for (size_t i = 1; i < a->n; i++) {
    if (strcmp(r[i].id, r[i - 1].id)) continue;
    if (i < 2 || strcmp(r[i - 1].id, r[i - 2].id)) dup++; /* a new duplicated id */
    if (r[i - 1].k < first || (r[i - 1].k == first && r[i].k < second)) first = r[i - 1].k, second = r[i].k;
  }
  sm__free(r);
  if (!dup) return SM_OK;
  char more[64] = "";
  if (dup > 1) snprintf(more, sizeof more, " (and %zu other ids are used more than once)", dup - 1);
  return sm__error(R->ctx, SM_E_INPUT,
                   "%s: id '%s' in field %s is used by features %ld and %ld%s; choose a unique field with --id-field",
                   R->source, a->ids[first], a->id_field, a->feat[first], a->feat[second], more);
}

/* ---- overlapping areas ------------------------------------------------------------- */
typedef struct {
  size_t *c;
  size_t n, cap;
  int oom;
} hit_list;

static void strtree_hit(void *item, void *user) {
  hit_list *L = user;
  if (sm__grow((void **)&L->c, &L->cap, L->n + 1, sizeof *L->c)) {
    L->oom = 1;
    return;
  }
  L->c[L->n++] = (size_t)(uintptr_t)item - 1; /* items are k + 1: never NULL */
}

static int cmp_size_t(const void *p, const void *q) {
  size_t x = *(const size_t *)p, y = *(const size_t *)q;
  return (x > y) - (x < y);
}

/* An overlap counts when it is more than 1 m² and more than 0.01 % of the
 * smaller of the two areas: less is a sliver of digitising or rounding. */
static double overlap_threshold(const sm_areas *a, size_t i, size_t j) {
  return fmax(1.0, 1e-4 * fmin(a->area_m2[i], a->area_m2[j]));
}

/* The overlaps found, for one message: how many pairs and the first few. */
typedef struct {
  size_t pairs, unchecked;
  sm_buf text;
} overlaps;

static sm_status note_overlap(area_reader *R, overlaps *O, size_t i, size_t j, double m2) {
  const sm_areas *a = R->a;
  if (++O->pairs > 5) return SM_OK;
  char num[32];
  if (sm__buf_printf(&O->text, "%s'%s'%s%s%s and '%s'%s%s%s by %s m²", O->text.n ? "; " : "", a->ids[i],
                     a->names[i][0] ? " (" : "", a->names[i], a->names[i][0] ? ")" : "", a->ids[j],
                     a->names[j][0] ? " (" : "", a->names[j], a->names[j][0] ? ")" : "",
                     sm__thousands((unsigned long long)llround(m2), num, sizeof num)))
    return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  return SM_OK;
}

/* One thread's share of the check: its own GEOS handle, its own geometries read from the areas' WKB and its own
 * tree (GEOS geometries and trees fill caches when first used: not to be shared between threads), and the
 * overlaps it found. */
typedef struct {
  size_t i, j;
  double m2;
} overlap_hit;

typedef struct {
  sm_geos g;
  GEOSWKBReader *rd;
  GEOSGeometry **geom;
  GEOSSTRtree *tree;
  hit_list L;
  overlap_hit *hit;
  size_t n_hit, cap_hit, unchecked;
  int err;          /* 0, or the first failure: 1 out of memory, 2 GEOS */
  size_t err_area;  /* the area a GEOS failure was on */
  char err_msg[512];
} overlap_part;

static int part_fail(overlap_part *P, int err, size_t area) {
  if (!P->err) {
    P->err = err, P->err_area = area;
    snprintf(P->err_msg, sizeof P->err_msg, "%s", P->g.msg);
  }
  return err;
}

/* The thread's geometries and tree (its GEOS handle made by the calling thread). */
static int part_start(overlap_part *P, const sm_areas *a) {
  GEOSContextHandle_t h = P->g.handle;
  P->rd = GEOSWKBReader_create_r(h);
  P->geom = sm__calloc(a->n, sizeof *P->geom);
  P->tree = GEOSSTRtree_create_r(h, 10);
  if (!P->rd || !P->geom || !P->tree) return part_fail(P, 1, 0);
  for (size_t i = 0; i < a->n; i++) {
    if (!(P->geom[i] = GEOSWKBReader_read_r(h, P->rd, a->wkb[i], a->wkb_n[i]))) return part_fail(P, 2, i);
    GEOSSTRtree_insert_r(h, P->tree, P->geom[i], (void *)(uintptr_t)(i + 1));
  }
  return 0;
}

static void part_end(overlap_part *P, size_t n) {
  GEOSContextHandle_t h = P->g.handle;
  if (h && P->tree) GEOSSTRtree_destroy_r(h, P->tree);
  for (size_t i = 0; h && P->geom && i < n; i++)
    if (P->geom[i]) GEOSGeom_destroy_r(h, P->geom[i]);
  if (h && P->rd) GEOSWKBReader_destroy_r(h, P->rd);
  sm__free(P->geom);
  sm__free(P->L.c);
  sm__geos_finish(&P->g);
}

/* The pairs (i, j > i) among the areas whose envelopes meet area i's
 * (GEOS STRtree), measured: their intersection's area. */
static int overlaps_of(overlap_part *P, const sm_areas *a, size_t i) {
  GEOSContextHandle_t h = P->g.handle;
  GEOSGeometry **g = P->geom;
  hit_list *L = &P->L;
  L->n = 0;
  GEOSSTRtree_query_r(h, P->tree, g[i], strtree_hit, L);
  if (L->oom) return part_fail(P, 1, i);
  qsort(L->c, L->n, sizeof *L->c, cmp_size_t);
  const GEOSPreparedGeometry *pg = NULL;
  int e = 0;
  for (size_t q = 0; q < L->n && !e; q++) {
    size_t j = L->c[q];
    if (j <= i) continue;
    const double *bi = a->bb + 4 * i, *bj = a->bb + 4 * j;
    double thr = overlap_threshold(a, i, j);
    double bw = fmin(bi[2], bj[2]) - fmax(bi[0], bj[0]), bh = fmin(bi[3], bj[3]) - fmax(bi[1], bj[1]);
    if (!(bw > 0 && bh > 0 && bw * bh > thr)) continue; /* the envelopes' overlap is already too small */
    if (!pg && !(pg = GEOSPrepare_r(h, g[i]))) return part_fail(P, 2, i);
    if (GEOSPreparedIntersects_r(h, pg, g[j]) != 1) continue;
    /* interiors that do not meet (areas that only touch, the usual neighbours) share no area: no overlay */
    if (GEOSRelatePattern_r(h, g[i], g[j], "2********") == 0) continue;
    GEOSGeometry *x = GEOSIntersection_r(h, g[i], g[j]);
    double m2 = 0;
    if (!x || !GEOSArea_r(h, x, &m2)) P->unchecked++;
    else if (m2 > thr) {
      if (sm__grow((void **)&P->hit, &P->cap_hit, P->n_hit + 1, sizeof *P->hit)) e = part_fail(P, 1, i);
      else P->hit[P->n_hit++] = (overlap_hit){i, j, m2};
    }
    if (x) GEOSGeom_destroy_r(h, x);
  }
  if (pg) GEOSPreparedGeom_destroy_r(h, pg);
  return e;
}

static int cmp_hit(const void *p, const void *q) {
  const overlap_hit *x = p, *y = q;
  return x->i != y->i ? (x->i > y->i) - (x->i < y->i) : (x->j > y->j) - (x->j < y->j);
}

/* Areas whose interiors overlap (more than a sliver) would share points: a
 * point in both is counted once, in the first of the two in source order (the
 * index's rule). Reported as a warning naming the pairs and the overlaps'
 * areas, or refused with --strict. The areas are shared among the threads; the
 * overlaps found are reported in area order, whatever the thread count. */
sm_status sm__areas_check_overlaps(area_reader *R) {
  sm_areas *a = R->a;
  size_t n = a->n;
  if (n < 2) return SM_OK;
  int nt = n >= 128 ? sm__threads(R->ctx) : 1;
  overlap_part *parts = sm__calloc((size_t)nt, sizeof *parts);
  if (!parts) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  sm_status st = sm__progress(R->ctx, 0.8, "checking areas for overlaps");
  for (int t = 0; t < nt && !st; t++) st = sm__geos_init(R->ctx, &parts[t].g);
  if (!st) {
    atomic_int cancelled; /* the calling thread's progress callback said stop */
    atomic_init(&cancelled, 0);
    atomic_size_t done;
    atomic_init(&done, 0);
#ifdef SM_HAVE_OPENMP
#pragma omp parallel num_threads(nt)
#endif
    {
#ifdef SM_HAVE_OPENMP
      int tid = omp_get_thread_num();
#else
      int tid = 0;
#endif
      overlap_part *P = parts + tid;
      int e = part_start(P, a);
      size_t told = 0; /* areas done when the calling thread last reported */
#ifdef SM_HAVE_OPENMP
#pragma omp for schedule(static, 4) /* fixed: the calling thread gets its share, and reports */
#endif
      for (size_t i = 0; i < n; i++) {
        if (e || atomic_load_explicit(&cancelled, memory_order_relaxed)) continue;
        e = overlaps_of(P, a, i);
        size_t d = atomic_fetch_add_explicit(&done, 1, memory_order_relaxed) + 1;
        if (tid == 0 && d >= told + 64 && !st) { /* progress and cancelling: on the calling thread only */
          told = d;
          st = sm__progress(R->ctx, 0.8 + 0.1 * (double)d / (double)n, "checking areas for overlaps");
          if (st) atomic_store(&cancelled, 1);
        }
      }
      part_end(P, n);
    }
  } else {
    for (int t = 0; t < nt; t++) sm__geos_finish(&parts[t].g);
  }
  overlaps O = {0};
  size_t nh = 0;
  for (int t = 0; t < nt && !st; t++) {
    overlap_part *P = parts + t;
    if (P->err == 1) st = sm__error(R->ctx, SM_E_NOMEM, "out of memory");
    else if (P->err == 2)
      st = sm__error(R->ctx, SM_E_DEPENDENCY, "GEOS: checking area '%s' for overlaps: %s", a->ids[P->err_area],
                     P->err_msg[0] ? P->err_msg : "failed");
    O.unchecked += P->unchecked, nh += P->n_hit;
  }
  overlap_hit *all = !st && nh ? sm__malloc(nh * sizeof *all) : NULL;
  if (!st && nh && !all) st = sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  size_t k = 0;
  for (int t = 0; t < nt && all; t++)
    for (size_t q = 0; q < parts[t].n_hit; q++) all[k++] = parts[t].hit[q];
  for (int t = 0; t < nt; t++) sm__free(parts[t].hit);
  sm__free(parts);
  if (all) qsort(all, nh, sizeof *all, cmp_hit);
  for (size_t q = 0; q < nh && !st; q++) st = note_overlap(R, &O, all[q].i, all[q].j, all[q].m2);
  sm__free(all);
  if (!st) st = sm__progress(R->ctx, 0.9, "checking areas for overlaps");
  char num[32];
  if (!st && O.pairs) {
    const char *many = O.pairs > 5 ? ", ..." : "";
    sm__thousands(O.pairs, num, sizeof num);
    if (R->opts->strict)
      st = sm__error(R->ctx, SM_E_GEOMETRY, "%s: layer '%s': %s pair%s of areas overlap: %s%s (--strict)", R->source,
                     R->lname, num, O.pairs == 1 ? "" : "s", O.text.s, many);
    else {
      sm__log(R->ctx, SM_LOG_WARNING,
              "%s: %s pair%s of areas overlap: %s%s; a point in two areas is counted once, in the first of them in "
              "the source's order",
              R->source, num, O.pairs == 1 ? "" : "s", O.text.s, many);
      st = sm__areas_reader_note(R, "%s pair%s of areas overlap (%s%s); a point in two is counted in the first in the source's order",
                    num, O.pairs == 1 ? "" : "s", O.text.s, many);
    }
  }
  if (!st && O.unchecked) {
    sm__log(R->ctx, SM_LOG_WARNING, "%s: GEOS could not measure the overlap of %zu pair%s of areas; they were not checked",
            R->source, O.unchecked, O.unchecked == 1 ? "" : "s");
    st = sm__areas_reader_note(R, "the overlap of %zu pair%s of areas could not be measured", O.unchecked, O.unchecked == 1 ? "" : "s");
  }
  sm__free(O.text.s);
  return st;
}
