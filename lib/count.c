/* The count pipeline (count.h): points per area, per category and per month, with the full recipe and the
 * figures `safemap count` prints. */
#include "internal/areas.h"
#include "internal/options.h"
#include "internal/recipe.h"
#include "internal/result_build.h"
#include "internal/sm_internal.h"

#include <stdio.h>
#include <stdlib.h>

SM__OPTIONS_INIT_FN(sm_count_options, sm_count_options_init, SM_COUNT_OPTIONS_VERSION, SM_COUNT_OPTIONS_INIT)

/* Where the points outside every area lie: the figures and the note. */
static sm_status outside_figures(sm_ctx *ctx, sm_result *r, sm_layer *L, const sm_points *points, const sm_areas *areas,
                                 const int32_t *where) {
  sm_areas_outside o;
  sm_status st = sm_areas_outside_distance(ctx, areas, points, where, &o);
  char note[512];
  if (!st) sm_areas_outside_describe(&o, sm_points_is_policeuk(points), note, sizeof note);
  if (!st) st = sm__result_figure(ctx, r, "outside_max_m", o.max_m);
  if (!st) st = sm__result_figure(ctx, r, "outside_median_m", o.median_m);
  if (!st) st = sm__result_text(ctx, r, "outside_note", note);
  if (!st && note[0]) st = sm_layer_set_metadata(ctx, L, "points_outside_note", note);
  return st;
}

static sm_status options_recipe(sm_ctx *ctx, sm_layer *L, const sm_count_options *o, const char *name) {
  sm_status st = sm_layer_set_metadata(ctx, L, "layer_name", name);
  if (!st) st = sm__layer_meta(ctx, L, "by_month", "%s", o->by_month ? "yes" : "no");
  return st;
}

static sm_status figures(sm_ctx *ctx, sm_result *r, const sm_layer *L, const sm_points *points, const sm_areas *areas) {
  unsigned long long bad = 0;
  for (int k = 0; k < SM_BAD_REASON_END_; k++) bad += sm_points_rows_bad(points, (sm_bad_reason)k);
  const char *in = sm_layer_metadata_get(L, "points_in_areas"), *out = sm_layer_metadata_get(L, "points_outside_areas");
  sm_status st = sm__result_figure(ctx, r, "rows_read", (double)sm_points_rows_read(points));
  if (!st) st = sm__result_figure(ctx, r, "rows_skipped", (double)bad);
  if (!st) st = sm__result_figure(ctx, r, "points", (double)sm_points_count(points));
  if (!st) st = sm__result_figure(ctx, r, "areas", (double)sm_areas_count(areas));
  if (!st) st = sm__result_figure(ctx, r, "points_in_areas", in ? strtod(in, NULL) : 0);
  if (!st) st = sm__result_figure(ctx, r, "points_outside_areas", out ? strtod(out, NULL) : 0);
  return st;
}

sm_status sm_count_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                       const sm_count_options *opts) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_count_run: NULL result");
  *out = NULL;
  sm_count_options d = SM_COUNT_OPTIONS_INIT;
  if (!opts) opts = &d;
  sm_status vst_ = sm__options_version(ctx, "sm_count_run", opts->version, SM_COUNT_OPTIONS_VERSION);
  if (vst_) return vst_;
  if (!points) return sm__error(ctx, SM_E_INVALID_ARG, "sm_count_run: no points");
  if ((vst_ = sm__points_usable(ctx, points, areas, "no points to count"))) return vst_; /* not a table of zeros */
  if (!areas) return sm__error(ctx, SM_E_INVALID_ARG, "--wards is required");
  const char *name = opts->layer_name && *opts->layer_name ? opts->layer_name : "ward_counts";
  sm_layer *L = NULL, *T = NULL;
  sm_result *r = NULL;
  double saved[2];
  sm__progress_push(ctx, 0, 0.9, saved);
  double t0 = sm__now();
  int32_t *where = NULL; /* each point's area, from the count */
  sm_status st = sm__areas_count_points_where(ctx, &L, opts->by_month ? &T : NULL, areas, points, name, &where);
  sm__progress_pop(ctx, saved);
  double t1 = sm__now();
  if (!st) st = sm__result_create(ctx, &r);
  if (!st) st = options_recipe(ctx, L, opts, name);
  if (!st) st = sm__layer_recipe_inputs(ctx, L, points, areas);
  if (!st && T) st = options_recipe(ctx, T, opts, name);
  if (!st && T) st = sm__layer_recipe_inputs(ctx, T, points, areas);
  if (!st) st = figures(ctx, r, L, points, areas);
  if (!st) st = outside_figures(ctx, r, L, points, areas, where);
  sm__free(where);
  if (!st)
    sm__log(ctx, SM_LOG_DEBUG, "counted in %.3f s (tables made), points outside measured in %.3f s", t1 - t0,
            sm__now() - t1);
  if (st) {
    sm_layer_destroy(L);
    sm_layer_destroy(T);
    sm_result_destroy(r);
    return st;
  }
  st = sm__result_add_layer(ctx, r, L, NULL);
  if (!st && T) st = sm__result_add_layer(ctx, r, T, "_by_month");
  else if (T) sm_layer_destroy(T);
  if (st) {
    sm_result_destroy(r);
    return st;
  }
  *out = r;
  return SM_OK;
}
