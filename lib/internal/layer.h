/* Column access to a layer, for writers of millions of cells. Internal. */
#ifndef SM_INTERNAL_LAYER_H
#define SM_INTERNAL_LAYER_H

#include "internal/ctx.h"

/* ---- layer internals ------------------------------------------------------------ */
/* Column f's storage, for readers of millions of cells (the CSV writer):
 * null[r] is non-zero for NULL; of i, d and s only the type's array is set. */
typedef struct sm_layer_col {
  sm_field_type type;
  const unsigned char *null;
  const int64_t *i;
  const double *d;
  char *const *s;
} sm_layer_col;
void sm__layer_column(const sm_layer *l, size_t f, sm_layer_col *out);
/* Column f stored as INT64 when it is DOUBLE and every value is a whole number
 * (|v| <= 2^53): counts of unweighted incidents are written as integers. */
sm_status sm__layer_whole_to_int(sm_ctx *ctx, sm_layer *l, size_t f);
/* Room for `rows` rows in all (fields added later grow to the room there is): a layer whose size is known is
 * filled without the copies and the unused half that growing by doubling costs. */
sm_status sm__layer_reserve(sm_ctx *ctx, sm_layer *l, size_t rows);
/* n more rows without geometry, every cell NULL (rows n0 .. n0 + n - 1, n0 the count before): after
 * sm__layer_reserve, their cells can then be set on several threads at once, each row by one thread, with
 * sm_layer_set_int, sm_layer_set_double and sm__layer_string_as (sm_layer_set_string pools its text: one
 * thread). */
sm_status sm__layer_add_rows(sm_ctx *ctx, sm_layer *l, size_t n);
/* Row `row`'s text in column `field` the same as row `from`'s (the pooled string shared, no lookup): for long
 * tables that repeat a few strings. Both rows exist and the column is SM_FIELD_STRING. */
void sm__layer_string_as(sm_layer *l, size_t row, size_t field, size_t from);
/* Renames the layer (name copied). */
sm_status sm__layer_rename(sm_ctx *ctx, sm_layer *l, const char *name);

#endif
