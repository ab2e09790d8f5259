/* Are two point sets read from the same sources the same, to the bit? Shared
 * by the unit tests and the CSV fuzz target, which read one input on one
 * thread and on several. Needs internal/sm_internal.h (struct sm_points). */
#ifndef SM_SAME_POINTS_H
#define SM_SAME_POINTS_H

#include <stdio.h>
#include <string.h>

#include "internal/sm_internal.h"

static inline int sp_same_array(const void *a, const void *b, size_t n, size_t elem) {
  if (!a || !b) return a == b;
  return n == 0 || memcmp(a, b, n * elem) == 0;
}

static inline int sp_same_str(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

static inline int sp_same_tab(const sm_strtab *a, const sm_strtab *b) {
  if (a->n != b->n) return 0;
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->strs[i], b->strs[i])) return 0;
  return 1;
}

/* NULL when a and b are the same (points, their order, categories and labels
 * with their indices, counts, skipped-row examples, CRS), else what differs. */
static inline const char *sp_diff(const sm_points *a, const sm_points *b) {
  if (!a || !b) return a == b ? NULL : "one of the point sets is missing";
  size_t n = a->n;
  if (n != b->n) return "point count";
  if (!sp_same_array(a->x, b->x, n, sizeof *a->x)) return "x";
  if (!sp_same_array(a->y, b->y, n, sizeof *a->y)) return "y";
  if (!sp_same_array(a->lon, b->lon, n, sizeof *a->lon)) return "lon";
  if (!sp_same_array(a->lat, b->lat, n, sizeof *a->lat)) return "lat";
  if (!sp_same_array(a->t, b->t, n, sizeof *a->t)) return "time";
  if (!sp_same_array(a->w, b->w, n, sizeof *a->w)) return "weight";
  if (!sp_same_array(a->cat, b->cat, n, sizeof *a->cat)) return "category index";
  if (!sp_same_array(a->label, b->label, n, sizeof *a->label)) return "label index";
  if (!sp_same_tab(&a->cats, &b->cats)) return "category table";
  if (!sp_same_tab(&a->labels, &b->labels)) return "label table";
  if (!sp_same_str(a->crs, b->crs) || !sp_same_str(a->input_crs, b->input_crs)) return "CRS";
  if (a->time_res != b->time_res || a->policeuk != b->policeuk || a->n_sources != b->n_sources)
    return "time resolution, police.uk flag or source count";
  if (a->rows_read != b->rows_read) return "rows read";
  for (int k = 0; k < SM_FILTER_REASON_END_; k++)
    if (a->filtered[k] != b->filtered[k]) return "filtered count";
  for (int k = 0; k < SM_BAD_REASON_END_; k++) {
    if (a->bad[k] != b->bad[k]) return "bad-row count";
    if (a->n_examples[k] != b->n_examples[k]) return "bad-row example count";
    for (size_t e = 0; e < a->n_examples[k]; e++)
      if (!sp_same_str(a->examples[k][e], b->examples[k][e])) return "bad-row example";
  }
  return NULL;
}

#endif
