/* The row-level helpers every reader (CSV, OGR) shares: what a row becomes, why it is skipped, the
 * category and time filters, the CRS of a source (internal/reader.h). io.c drives the readers; the
 * readers call only these, so no reader depends on io.c. */
#include "internal/reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sm__name_in(const char *name, size_t len, const char *const *candidates) {
  for (int i = 0; candidates[i]; i++)
    if (sm__strncaseeq(name, len, candidates[i])) return 1;
  return 0;
}

/* ---- reader helpers ---------------------------------------------------------- */
sm_status sm__reader_bad(sm_reader *r, sm_bad_reason reason, size_t src, uint64_t row, const char *fmt, ...) {
  sm_points *p = r->p;
  p->bad[reason]++;
  if (p->n_examples[reason] < 5 || r->opts->strict) {
    char detail[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    const sm_src *s = &r->srcs[src];
    if (r->opts->strict)
      return sm__error(r->ctx, SM_E_INPUT, "%s:%s%llu: %s (%s; --strict makes this an error)", s->name,
                       strcmp(s->row_word, "row") ? " feature " : "", (unsigned long long)row, detail,
                       sm_bad_reason_str(reason));
    char *ex = sm__asprintf("%s:%s%llu: %s", s->name, strcmp(s->row_word, "row") ? " feature " : "",
                            (unsigned long long)row, detail);
    if (!ex) return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
    p->examples[reason][p->n_examples[reason]++] = ex;
  }
  return SM_OK;
}

int sm__reader_keep_category(sm_reader *r, int32_t cat) {
  if (!r->n_types) return 1;
  if (cat < 0) return 0;
  if ((size_t)cat >= r->cat_keep_cap) {
    size_t old = r->cat_keep_cap;
    if (sm__grow((void **)&r->cat_keep, &r->cat_keep_cap, (size_t)cat + 1, 1)) return 1;
    memset(r->cat_keep + old, 0, r->cat_keep_cap - old);
  }
  if (!r->cat_keep[cat]) {
    const char *name = r->p->cats.strs[cat];
    r->cat_keep[cat] = -1;
    for (size_t i = 0; i < r->n_types; i++)
      if (sm__strcaseeq(name, r->types[i])) r->cat_keep[cat] = 1;
  }
  return r->cat_keep[cat] > 0;
}

int sm__reader_keep_time(const sm_reader *r, int64_t t) {
  if (!r->has_from && !r->has_to) return 1;
  if (t == SM_TIME_MISSING) return 0;
  if (r->has_from && t < r->t_from) return 0;
  if (r->has_to && t >= r->t_to_end) return 0;
  return 1;
}

sm_status sm__reader_push(sm_reader *r, size_t src, uint64_t row, double a, double b, int64_t t, double w,
                          int32_t cat, int32_t label) {
  sm_points *p = r->p;
  if (r->slot && (p->n == p->cap || (label >= 0 && !p->label)))
    return sm__error(r->ctx, SM_E_INTERNAL, "more rows than the table's B-tree holds (a bug in safemap)");
  if (p->n == p->cap || (label >= 0 && !p->label)) {
    sm_status st = sm__points_reserve(r->ctx, p, p->n + 1, 0, label >= 0);
    if (st) return st;
  }
  if (sm__grow((void **)&r->row, &r->row_cap, p->n + 1, sizeof *r->row) ||
      sm__grow((void **)&r->srcidx, &r->srcidx_cap, p->n + 1, sizeof *r->srcidx))
    return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
  size_t i = p->n++;
  p->x[i] = a;
  p->y[i] = b;
  p->t[i] = t;
  p->w[i] = w;
  p->cat[i] = cat;
  if (p->label) p->label[i] = label;
  r->row[i] = row;
  r->srcidx[i] = (uint32_t)src;
  return SM_OK;
}

sm_status sm__reader_crs(sm_reader *r, const char *crs, char **out) {
  if (!r->last_crs_in || strcmp(r->last_crs_in, crs)) {
    char *norm = NULL;
    sm_status st = sm__crs_normalise(r->ctx, crs, &norm);
    if (st) return st;
    sm__free(r->last_crs_in);
    sm__free(r->last_crs_norm);
    r->last_crs_in = sm__strdup(crs);
    r->last_crs_norm = norm;
    if (!r->last_crs_in) return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
  }
  *out = sm__strdup(r->last_crs_norm);
  return *out ? SM_OK : sm__error(r->ctx, SM_E_NOMEM, "out of memory");
}


/* ---- police.uk rows repeated across files ------------------------------------------- */
static uint64_t id_hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h ? h : 1;
}

static uint64_t key_hash(uint64_t idh, double a, double b, int64_t t) {
  uint64_t x, y;
  memcpy(&x, &a, 8);
  memcpy(&y, &b, 8);
  uint64_t h = idh ^ (x * 0x9E3779B97F4A7C15ull) ^ (y * 0xC2B2AE3D27D4EB4Full) ^ ((uint64_t)t * 0x165667B19E3779F9ull);
  h ^= h >> 31;
  return h * 0xBF58476D1CE4E5B9ull;
}

static int same_row(const sm_reader *r, size_t i, uint64_t idh, double a, double b, int64_t t) {
  const sm_points *p = r->p;
  return r->idh[i] == idh && p->t[i] == t && p->x[i] == a && p->y[i] == b;
}

static int rep_grow(sm_reader *r) {
  size_t cap = r->rep_cap ? r->rep_cap * 2 : 1024;
  uint32_t *slot = sm__calloc(cap, sizeof *slot);
  if (!slot) return -1;
  for (size_t i = 0; i < r->idh_n; i++) {
    if (!r->idh[i]) continue;
    size_t j = key_hash(r->idh[i], r->p->x[i], r->p->y[i], r->p->t[i]) & (cap - 1);
    while (slot[j]) j = (j + 1) & (cap - 1);
    slot[j] = (uint32_t)(i + 1);
  }
  sm__free(r->rep_slot);
  r->rep_slot = slot;
  r->rep_cap = cap;
  return 0;
}

int sm__reader_repeat(sm_reader *r, size_t src, uint64_t row, const char *id, size_t n, double a, double b, int64_t t) {
  if (!n || r->n_srcs < 2 || r->p->n >= UINT32_MAX - 1) return 0;
  uint64_t idh = id_hash(id, n);
  if ((r->rep_n + 1) * 2 > r->rep_cap && rep_grow(r)) goto nomem;
  size_t j = key_hash(idh, a, b, t) & (r->rep_cap - 1);
  for (; r->rep_slot[j]; j = (j + 1) & (r->rep_cap - 1)) {
    size_t i = r->rep_slot[j] - 1;
    if (!same_row(r, i, idh, a, b, t)) continue;
    if (r->srcidx[i] == src) break; /* repeated within one file: not ours to judge */
    r->p->filtered[SM_FILTER_DUPLICATE]++;
    if (!r->rep_example) {
      r->rep_example = sm__asprintf("Crime ID %.*s in %s:%llu and %s:%llu", (int)(n > 80 ? 80 : n), id,
                                    r->srcs[src].name, (unsigned long long)row, r->srcs[r->srcidx[i]].name,
                                    (unsigned long long)r->row[i]);
      if (!r->rep_example) goto nomem;
    }
    return 1;
  }
  size_t i = r->p->n; /* the index the caller's push gives it */
  if (sm__grow((void **)&r->idh, &r->idh_cap, i + 1, sizeof *r->idh)) goto nomem;
  while (r->idh_n < i) r->idh[r->idh_n++] = 0;
  r->idh[i] = idh;
  r->idh_n = i + 1;
  if (!r->rep_slot[j]) {
    r->rep_slot[j] = (uint32_t)(i + 1);
    r->rep_n++;
  }
  return 0;
nomem:
  sm__error(r->ctx, SM_E_NOMEM, "out of memory");
  return -1;
}
