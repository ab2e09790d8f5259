/* sm_result: the layers, rasters and headline figures of a pipeline run. */
#include "internal/mpi.h"
#include "internal/result_build.h"

#include "internal/sm_internal.h"
#include "internal/sources.h"

#include <math.h>
#include <stdio.h>

struct sm_result {
  sm_layer **layers;
  char **suffix; /* companion CSV suffix per layer (NULL: "_" + name) */
  size_t nl, capl;
  sm_raster **rasters;
  size_t nr, capr;
  char **fig_name;
  double *fig_value;
  size_t nf, capf;
  char **text_name, **text_value;
  size_t nt, capt;
};

sm_status sm__result_create(sm_ctx *ctx, sm_result **out) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm__result_create: NULL argument");
  *out = sm__calloc(1, sizeof **out);
  return *out ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
}

void sm_result_destroy(sm_result *r) {
  if (!r) return;
  for (size_t i = 0; i < r->nl; i++) sm_layer_destroy(r->layers[i]), sm__free(r->suffix[i]);
  for (size_t i = 0; i < r->nr; i++) sm_raster_destroy(r->rasters[i]);
  for (size_t i = 0; i < r->nf; i++) sm__free(r->fig_name[i]);
  for (size_t i = 0; i < r->nt; i++) sm__free(r->text_name[i]), sm__free(r->text_value[i]);
  sm__free(r->layers), sm__free(r->suffix), sm__free(r->rasters), sm__free(r->fig_name), sm__free(r->fig_value);
  sm__free(r->text_name), sm__free(r->text_value);
  sm__free(r);
}

sm_status sm__result_add_layer(sm_ctx *ctx, sm_result *r, sm_layer *layer, const char *csv_suffix) {
  if (!r || !layer) {
    sm_layer_destroy(layer);
    return sm__error(ctx, SM_E_INVALID_ARG, "sm__result_add_layer: NULL argument");
  }
  size_t cap = r->capl;
  char *suf = csv_suffix ? sm__strdup(csv_suffix) : sm__asprintf("_%s", sm_layer_name(layer));
  if (!suf || sm__grow((void **)&r->layers, &cap, r->nl + 1, sizeof *r->layers) ||
      sm__grow((void **)&r->suffix, &r->capl, r->nl + 1, sizeof *r->suffix)) {
    sm__free(suf), sm_layer_destroy(layer);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  r->layers[r->nl] = layer, r->suffix[r->nl] = suf, r->nl++;
  return SM_OK;
}

sm_status sm__result_add_raster(sm_ctx *ctx, sm_result *r, sm_raster *raster) {
  if (!r || !raster) {
    sm_raster_destroy(raster);
    return sm__error(ctx, SM_E_INVALID_ARG, "sm__result_add_raster: NULL argument");
  }
  if (sm__grow((void **)&r->rasters, &r->capr, r->nr + 1, sizeof *r->rasters)) {
    sm_raster_destroy(raster);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  r->rasters[r->nr++] = raster;
  return SM_OK;
}

sm_status sm__result_figure(sm_ctx *ctx, sm_result *r, const char *name, double value) {
  if (!r || !name) return sm__error(ctx, SM_E_INVALID_ARG, "sm__result_figure: NULL argument");
  for (size_t i = 0; i < r->nf; i++)
    if (!strcmp(r->fig_name[i], name)) return r->fig_value[i] = value, SM_OK;
  size_t cap = r->capf;
  char *n = sm__strdup(name);
  if (!n || sm__grow((void **)&r->fig_name, &cap, r->nf + 1, sizeof *r->fig_name) ||
      sm__grow((void **)&r->fig_value, &r->capf, r->nf + 1, sizeof *r->fig_value)) {
    sm__free(n);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  r->fig_name[r->nf] = n, r->fig_value[r->nf] = value, r->nf++;
  return SM_OK;
}

sm_status sm__result_text(sm_ctx *ctx, sm_result *r, const char *name, const char *value) {
  if (!r || !name || !value) return sm__error(ctx, SM_E_INVALID_ARG, "sm__result_text: NULL argument");
  char *v = sm__strdup(value);
  if (!v) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < r->nt; i++)
    if (!strcmp(r->text_name[i], name)) {
      sm__free(r->text_value[i]);
      r->text_value[i] = v;
      return SM_OK;
    }
  size_t cap = r->capt;
  char *n = sm__strdup(name);
  if (!n || sm__grow((void **)&r->text_name, &cap, r->nt + 1, sizeof *r->text_name) ||
      sm__grow((void **)&r->text_value, &r->capt, r->nt + 1, sizeof *r->text_value)) {
    sm__free(n), sm__free(v);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  r->text_name[r->nt] = n, r->text_value[r->nt] = v, r->nt++;
  return SM_OK;
}

size_t sm_result_layer_count(const sm_result *r) { return r ? r->nl : 0; }
sm_layer *sm_result_layer(const sm_result *r, size_t i) { return r && i < r->nl ? r->layers[i] : NULL; }
sm_layer *sm_result_layer_named(const sm_result *r, const char *name) {
  for (size_t i = 0; r && name && i < r->nl; i++)
    if (!strcmp(sm_layer_name(r->layers[i]), name)) return r->layers[i];
  return NULL;
}
size_t sm_result_raster_count(const sm_result *r) { return r ? r->nr : 0; }
sm_raster *sm_result_raster(const sm_result *r, size_t i) { return r && i < r->nr ? r->rasters[i] : NULL; }
size_t sm_result_figure_count(const sm_result *r) { return r ? r->nf : 0; }
const char *sm_result_figure_name(const sm_result *r, size_t i) { return r && i < r->nf ? r->fig_name[i] : NULL; }
double sm_result_figure_value(const sm_result *r, size_t i) { return r && i < r->nf ? r->fig_value[i] : NAN; }
double sm_result_figure(const sm_result *r, const char *name) {
  for (size_t i = 0; r && name && i < r->nf; i++)
    if (!strcmp(r->fig_name[i], name)) return r->fig_value[i];
  return NAN;
}
const char *sm_result_text(const sm_result *r, const char *name) {
  for (size_t i = 0; r && name && i < r->nt; i++)
    if (!strcmp(r->text_name[i], name)) return r->text_value[i];
  return NULL;
}
size_t sm_result_text_count(const sm_result *r) { return r ? r->nt : 0; }
const char *sm_result_text_name(const sm_result *r, size_t i) { return r && i < r->nt ? r->text_name[i] : NULL; }
const char *sm_result_text_value(const sm_result *r, size_t i) { return r && i < r->nt ? r->text_value[i] : NULL; }

typedef enum { F_GPKG, F_CSV, F_TIF, F_UNKNOWN } fmt;

static fmt format_of(const char *path, const sm_write_options *o) {
  const char *f = o && o->format ? o->format : NULL;
  if (f) return sm__strcaseeq(f, "GPKG") ? F_GPKG : sm__strcaseeq(f, "CSV") ? F_CSV : sm__strcaseeq(f, "GTiff") ? F_TIF : F_UNKNOWN;
  const char *dot = path ? strrchr(path, '.') : NULL;
  if (!dot) return F_UNKNOWN;
  return sm__strcaseeq(dot, ".gpkg") ? F_GPKG : sm__strcaseeq(dot, ".csv") ? F_CSV
         : sm__strcaseeq(dot, ".tif") || sm__strcaseeq(dot, ".tiff") ? F_TIF : F_UNKNOWN;
}

char *sm_result_csv_path(const sm_result *r, const char *path, size_t i) {
  if (!r || !path || i == 0 || i >= r->nl || format_of(path, NULL) != F_CSV) return NULL;
  size_t n = strlen(path);
  return sm__asprintf("%.*s%s%s", (int)(n - 4), path, r->suffix[i], path + n - 4);
}

static sm_status result_write(sm_ctx *ctx, const sm_result *r, const char *path, const sm_write_options *opts);

sm_status sm_result_write(sm_ctx *ctx, const sm_result *r, const char *path, const sm_write_options *opts) {
  /* the ranks of an MPI run hold the same result: once every rank is known to have it, rank 0 writes it, and
   * every rank learns how that went (a rank that failed before is at its own agreement: nothing is written) */
  sm_status st = sm__mpi_agree(ctx, SM_OK);
  if (!st && sm__rank(ctx) == 0) st = result_write(ctx, r, path, opts);
  return sm__mpi_agree(ctx, st);
}

static sm_status result_write(sm_ctx *ctx, const sm_result *r, const char *path, const sm_write_options *opts) {
  if (!r || !path) return sm__error(ctx, SM_E_INVALID_ARG, "sm_result_write: NULL argument");
  switch (format_of(path, opts)) {
  case F_GPKG: return sm_write_geopackage(ctx, path, (const sm_raster *const *)r->rasters, r->nr, r->layers, r->nl, opts);
  case F_TIF:
    if (!r->nr) return sm__error(ctx, SM_E_INVALID_ARG, "%s: this result has no surface for a GeoTIFF; write a .gpkg or .csv", path);
    return sm_write_raster(ctx, path, r->rasters[0], opts);
  case F_CSV: {
    if (r->nr) return sm__error(ctx, SM_E_INVALID_ARG, "%s: a CSV cannot hold a surface; write a .gpkg or .tif", path);
    if (!r->nl) return sm__error(ctx, SM_E_INVALID_ARG, "%s: this result has no table to write", path);
    char **paths = sm__calloc(r->nl, sizeof *paths);
    sm_status st = paths ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
    for (size_t i = 1; !st && i < r->nl; i++)
      if (!(paths[i] = sm_result_csv_path(r, path, i))) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (paths) paths[0] = (char *)path;
    for (size_t i = 0; !st && i < r->nl; i++) st = sm_write_check(ctx, paths[i], opts);
    /* all or none: written under temporary names, then moved into place (internal/sources.h) */
    if (!st) st = r->nl == 1 ? sm_write_layers(ctx, path, r->layers, 1, opts)
                             : sm__write_csv_set(ctx, (const char *const *)paths, r->layers, r->nl, opts);
    for (size_t i = 1; paths && i < r->nl; i++) sm__free(paths[i]);
    sm__free(paths);
    return st;
  }
  default: return sm__error(ctx, SM_E_INVALID_ARG, "%s: unknown output format (use .gpkg, .csv or .tif)", path);
  }
}

sm_status sm__result_adopt(sm_ctx *ctx, sm_result *dst, sm_result *src, const char *prefix) {
  if (!dst || !src) return sm__error(ctx, SM_E_INVALID_ARG, "sm__result_adopt: NULL argument");
  sm_status st = SM_OK;
  for (size_t i = 0; i < src->nl; i++) {
    sm_layer *l = src->layers[i];
    src->layers[i] = NULL;
    if (!st && prefix) {
      char *n = sm__asprintf("%s%s", prefix, sm_layer_name(l));
      st = n ? sm__layer_rename(ctx, l, n) : sm__error(ctx, SM_E_NOMEM, "out of memory");
      sm__free(n);
    }
    if (st) sm_layer_destroy(l);
    else st = sm__result_add_layer(ctx, dst, l, prefix ? NULL : src->suffix[i]);
    sm__free(src->suffix[i]);
    src->suffix[i] = NULL;
  }
  for (size_t i = 0; i < src->nr; i++) {
    sm_raster *r = src->rasters[i];
    src->rasters[i] = NULL;
    if (st) sm_raster_destroy(r);
    else st = sm__result_add_raster(ctx, dst, r);
  }
  src->nl = src->nr = 0;
  return st;
}
