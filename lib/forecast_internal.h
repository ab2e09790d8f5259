/* The pieces the forecasting pipelines share (forecast_parts.c), used by forecast_run.c. Internal. */
#ifndef SM_FORECAST_INTERNAL_H
#define SM_FORECAST_INTERNAL_H

#include "internal/sm_internal.h"

/* The surfaces: ProMap, the KDE, the last step's counts. */
enum { K_PROMAP, K_KDE, K_LAST };

/* The options both pipelines share, checked and resolved. */
typedef struct fc_params {
  int weekly;
  double cell, bw;
  int space_bw, time_bw, kde_steps, warmup;
  double *cov; /* owned */
  size_t ncov;
  int curve;
  char cov_text[96]; /* the --coverage recipe: "0.05", "0.01,0.05", "curve" */
} fc_params;

/* The incidents in steps, on ProMap's grid. */
typedef struct fc_data {
  size_t n;
  const double *x, *y;
  double *tm; /* each incident's step */
  double e[4];
  size_t W, H; /* ProMap's grid over e */
  int32_t m0, m1;
  char first[24], last[24];
  int from_areas;
  const char *crs;
  double *px, *py; /* n scratch */
} fc_data;

/* A scores table: month or week, incidents, method, coverage, cells, area_share, hits, hit_rate, pai, pei. */
typedef struct score_table {
  sm_layer *L;
  size_t f[10];
} score_table;

/* Metadata of a layer or a raster, each key set only when a lower-level call has not set it. */
typedef struct meta_target {
  sm_layer *L;
  sm_raster *R;
} meta_target;

/* What a run was given: `method` the surface's name (NULL: the back-test's three, or a given surface), `at` the step
 * (NULL in the back-test), `evaluated` the given surface (NULL: a computed one). */
typedef struct recipe_args {
  const fc_params *q;
  const fc_data *d;
  const char *method, *at, *evaluated;
  int warmup; /* the back-test's; < 0 none */
  const sm_points *points;
  const sm_areas *areas;
} recipe_args;

/* A step's label: "YYYY-MM", or the date of its Monday. */
void sm__fc_step_label(int32_t m, int weekly, char *buf, size_t size);
/* --at: a month (YYYY-MM), or with weekly steps a date (the week holding it). */
sm_status sm__fc_parse_step(sm_ctx *ctx, const char *s, int weekly, int32_t *m);
/* A surface's name in outputs ("promap", "kde", "last_month" / "last_week"): its raster, layer <name>_top, the method column. */
const char *sm__fc_out_name(int weekly, int kind);
/* Checks and resolves the shared options (messages name them as the command line does); p->cov is owned. */
sm_status sm__fc_params_set(sm_ctx *ctx, fc_params *p, sm_forecast_bin bin, double cell, int sbw, int tbw, double bw,
                            int kde_months, int kde_weeks, const double *cov, size_t ncov, int curve);
/* The incidents' steps, span and grid; checks the data. Free with sm__fc_data_free() also on failure. */
sm_status sm__fc_data_prepare(sm_ctx *ctx, fc_data *d, const sm_points *p, const sm_areas *areas, const fc_params *q);
void sm__fc_data_free(fc_data *d);
/* Non-zero when (x, y) falls in a grid cell (its column and row from the north when col is not NULL). */
int sm__fc_on_grid(const fc_data *d, double c, double x, double y, size_t *col, size_t *row);
/* The surface of `kind` for step m from the incidents before it, on ProMap's grid. */
sm_status sm__fc_surface(sm_ctx *ctx, const fc_data *d, const fc_params *q, int kind, int32_t m, sm_raster **out);
/* The incidents of step m (into d->px, d->py); returns how many. */
size_t sm__fc_step_points(const fc_data *d, int32_t m);
sm_status sm__fc_table_create(sm_ctx *ctx, score_table *t, const char *name, int weekly);
/* One scored step and method: a row per coverage. */
sm_status sm__fc_table_add(sm_ctx *ctx, score_table *t, const char *step, size_t incidents, const char *method,
                           const sm_hit_rate *hr, size_t ncov);
/* Sets a metadata key unless a lower-level call has set it. */
sm_status sm__fc_put(sm_ctx *ctx, meta_target o, const char *key, const char *fmt, ...) SM_PRINTF(4, 5);
/* The recipe of an output. */
sm_status sm__fc_recipe(sm_ctx *ctx, meta_target o, const recipe_args *a);
/* The top share `cov` of the surface's cells with risk > 0 as polygons (rank, risk), highest first, ties by cell. */
sm_status sm__fc_top_layer(sm_ctx *ctx, const sm_raster *R, double cov, const char *name, const char *crs, sm_layer **out);

#endif
