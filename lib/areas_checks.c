/* The checks of areas just read: duplicate ids, and areas whose interiors overlap. */
#include "internal/areas_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The pairs (i, j > i) among the areas whose envelopes meet area i's
 * (GEOS STRtree), measured: their intersection's area. */
static sm_status overlaps_of(area_reader *R, GEOSGeometry **g, GEOSSTRtree *tree, size_t i, hit_list *L, overlaps *O) {
  GEOSContextHandle_t h = R->g.handle;
  L->n = 0;
  GEOSSTRtree_query_r(h, tree, g[i], strtree_hit, L);
  if (L->oom) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  qsort(L->c, L->n, sizeof *L->c, cmp_size_t);
  const GEOSPreparedGeometry *pg = NULL;
  sm_status st = SM_OK;
  for (size_t q = 0; q < L->n && !st; q++) {
    size_t j = L->c[q];
    if (j <= i) continue;
    const double *bi = R->a->bb + 4 * i, *bj = R->a->bb + 4 * j;
    double thr = overlap_threshold(R->a, i, j);
    double bw = fmin(bi[2], bj[2]) - fmax(bi[0], bj[0]), bh = fmin(bi[3], bj[3]) - fmax(bi[1], bj[1]);
    if (!(bw > 0 && bh > 0 && bw * bh > thr)) continue; /* the envelopes' overlap is already too small */
    if (!pg && !(pg = GEOSPrepare_r(h, g[i]))) return sm__error(R->ctx, SM_E_DEPENDENCY, "GEOS: %s", R->g.msg);
    if (GEOSPreparedIntersects_r(h, pg, g[j]) != 1) continue;
    GEOSGeometry *x = GEOSIntersection_r(h, g[i], g[j]);
    double m2 = 0;
    if (!x || !GEOSArea_r(h, x, &m2)) O->unchecked++;
    else if (m2 > thr) st = note_overlap(R, O, i, j, m2);
    if (x) GEOSGeom_destroy_r(h, x);
  }
  if (pg) GEOSPreparedGeom_destroy_r(h, pg);
  return st;
}

/* Areas whose interiors overlap (more than a sliver) would share points: a
 * point in both is counted once, in the first of the two in source order (the
 * index's rule). Reported as a warning naming the pairs and the overlaps'
 * areas, or refused with --strict. */
sm_status sm__areas_check_overlaps(area_reader *R) {
  sm_areas *a = R->a;
  size_t n = a->n;
  if (n < 2) return SM_OK;
  GEOSContextHandle_t h = R->g.handle;
  GEOSGeometry **g = sm__calloc(n, sizeof *g);
  GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
  hit_list L = {0};
  overlaps O = {0};
  sm_status st = g && tree ? SM_OK : sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < n && !st; i++) {
    if (!(g[i] = GEOSWKBReader_read_r(h, R->rd, a->wkb[i], a->wkb_n[i])))
      st = sm__error(R->ctx, SM_E_DEPENDENCY, "GEOS: cannot read area '%s' back: %s", a->ids[i], R->g.msg);
    else
      GEOSSTRtree_insert_r(h, tree, g[i], (void *)(uintptr_t)(i + 1));
  }
  for (size_t i = 0; i < n && !st; i++) {
    st = overlaps_of(R, g, tree, i, &L, &O);
    if (!st && (i & 63) == 63) st = sm__progress(R->ctx, 0.8 + 0.1 * (double)i / (double)n, "checking areas for overlaps");
  }
  if (tree) GEOSSTRtree_destroy_r(h, tree);
  for (size_t i = 0; g && i < n; i++)
    if (g[i]) GEOSGeom_destroy_r(h, g[i]);
  sm__free(g);
  sm__free(L.c);
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
