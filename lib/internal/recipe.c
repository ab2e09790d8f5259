/* The part of every output's recipe that is the same for all pipelines (recipe.h). */
#include "internal/recipe.h"

#include "internal/sm_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef sm_status (*set_fn)(sm_ctx *, void *, const char *, const char *);
typedef const char *(*get_fn)(const void *, const char *);

static sm_status set_layer(sm_ctx *ctx, void *o, const char *k, const char *v) { return sm_layer_set_metadata(ctx, o, k, v); }
static sm_status set_raster(sm_ctx *ctx, void *o, const char *k, const char *v) { return sm_raster_set_metadata(ctx, o, k, v); }
static const char *get_layer(const void *o, const char *k) { return sm_layer_metadata_get(o, k); }
static const char *get_raster(const void *o, const char *k) { return sm_raster_metadata_get(o, k); }

static const char *time_res_text(sm_time_res r) {
  switch (r) {
  case SM_TIME_MONTH: return "month (police.uk publishes months, not days)";
  case SM_TIME_DAY: return "day";
  case SM_TIME_SECOND: return "date and time";
  default: return "none (no time column)";
  }
}

/* Appends the input's warnings (already logged when it was read) to the "warnings" item, once. */
static sm_status add_notes(sm_ctx *ctx, set_fn set, get_fn get, void *o, const char *notes) {
  if (!notes || !*notes) return SM_OK;
  const char *old = get(o, "warnings");
  if (old && strstr(old, notes)) return SM_OK;
  char *both = old ? sm__asprintf("%s; %s", old, notes) : NULL;
  if (old && !both) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm_status st = set(ctx, o, "warnings", both ? both : notes);
  sm__free(both);
  return st;
}

static sm_status inputs(sm_ctx *ctx, set_fn set, get_fn get, void *o, const sm_points *p, const sm_areas *a) {
  char v[512];
  sm_status st = set(ctx, o, "safemap_version", sm_version_string());
  if (p) {
    snprintf(v, sizeof v, "%zu%s", sm_points_source_count(p), sm_points_is_policeuk(p) ? " (police.uk street-level CSVs)" : "");
    if (!st) st = set(ctx, o, "input_sources", v);
    snprintf(v, sizeof v, "%llu", (unsigned long long)sm_points_rows_read(p));
    if (!st) st = set(ctx, o, "input_rows_read", v);
    sm_buf b = {0};
    uint64_t bad = 0;
    for (int r = 0; r < SM_BAD_REASON_END_ && !st; r++) {
      uint64_t k = sm_points_rows_bad(p, (sm_bad_reason)r);
      if (!k) continue;
      st = sm__buf_printf(&b, "%s%llu %s", bad ? "; " : "", (unsigned long long)k, sm_bad_reason_str((sm_bad_reason)r));
      bad += k;
    }
    snprintf(v, sizeof v, "%llu%s%s%s", (unsigned long long)bad, bad ? " (" : "", bad && b.s ? b.s : "", bad ? ")" : "");
    if (!st) st = set(ctx, o, "input_rows_skipped", v);
    sm__free(b.s);
    b = (sm_buf){0};
    uint64_t left = 0;
    for (int r = 0; r < SM_FILTER_REASON_END_ && !st; r++) {
      uint64_t k = sm_points_rows_filtered(p, (sm_filter_reason)r);
      if (!k) continue;
      st = sm__buf_printf(&b, "%s%llu by the %s filter", left ? "; " : "", (unsigned long long)k,
                          sm_filter_reason_str((sm_filter_reason)r));
      left += k;
    }
    snprintf(v, sizeof v, "%llu%s%s%s", (unsigned long long)left, left ? " (" : "", left && b.s ? b.s : "", left ? ")" : "");
    if (!st) st = set(ctx, o, "input_rows_left_out", v);
    sm__free(b.s);
    snprintf(v, sizeof v, "%zu", sm_points_count(p));
    if (!st) st = set(ctx, o, "input_points", v);
    if (!st && sm_points_input_crs(p)) st = set(ctx, o, "input_crs", sm_points_input_crs(p));
    if (!st && sm_points_crs(p)) st = set(ctx, o, "analysis_crs", sm_points_crs(p));
    if (!st) st = set(ctx, o, "input_time_resolution", time_res_text(sm_points_time_resolution(p)));
    if (!st) st = add_notes(ctx, set, get, o, sm_points_warnings(p));
  }
  if (a && !st) {
    snprintf(v, sizeof v, "%zu (id field %s%s%s)", sm_areas_count(a), sm_areas_id_field(a) ? sm_areas_id_field(a) : "-",
             sm_areas_name_field(a) && *sm_areas_name_field(a) ? ", name field " : "",
             sm_areas_name_field(a) ? sm_areas_name_field(a) : "");
    st = set(ctx, o, "input_areas", v);
    if (!st && sm_areas_repaired_count(a)) {
      snprintf(v, sizeof v, "%zu", sm_areas_repaired_count(a));
      st = set(ctx, o, "input_areas_repaired", v);
    }
    if (!st) st = add_notes(ctx, set, get, o, sm__areas_notes(a));
  }
  return st;
}

sm_status sm__layer_recipe_inputs(sm_ctx *ctx, sm_layer *l, const sm_points *p, const sm_areas *a) {
  return inputs(ctx, set_layer, get_layer, l, p, a);
}
sm_status sm__raster_recipe_inputs(sm_ctx *ctx, sm_raster *r, const sm_points *p, const sm_areas *a) {
  return inputs(ctx, set_raster, get_raster, r, p, a);
}

static sm_status warn(sm_ctx *ctx, set_fn set, get_fn get, void *o, const char *fmt, va_list ap) {
  char msg[1024];
  vsnprintf(msg, sizeof msg, fmt, ap);
  sm__log(ctx, SM_LOG_WARNING, "%s", msg);
  const char *old = get(o, "warnings");
  if (!old) return set(ctx, o, "warnings", msg);
  char *both = sm__asprintf("%s; %s", old, msg);
  if (!both) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm_status st = set(ctx, o, "warnings", both);
  sm__free(both);
  return st;
}

sm_status sm__layer_warn(sm_ctx *ctx, sm_layer *l, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sm_status st = warn(ctx, set_layer, get_layer, l, fmt, ap);
  va_end(ap);
  return st;
}
sm_status sm__raster_warn(sm_ctx *ctx, sm_raster *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sm_status st = warn(ctx, set_raster, get_raster, r, fmt, ap);
  va_end(ap);
  return st;
}

static sm_status meta(sm_ctx *ctx, set_fn set, void *o, const char *key, const char *fmt, va_list ap) {
  char v[2048];
  vsnprintf(v, sizeof v, fmt, ap);
  return set(ctx, o, key, v);
}
sm_status sm__layer_meta(sm_ctx *ctx, sm_layer *l, const char *key, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sm_status st = meta(ctx, set_layer, l, key, fmt, ap);
  va_end(ap);
  return st;
}
sm_status sm__raster_meta(sm_ctx *ctx, sm_raster *r, const char *key, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sm_status st = meta(ctx, set_raster, r, key, fmt, ap);
  va_end(ap);
  return st;
}
