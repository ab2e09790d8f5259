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

