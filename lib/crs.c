/* Analysis CRS choice and transforms through PROJ. */
#include "internal/proj.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <string.h>
#ifdef SM_HAVE_OPENMP
#include <omp.h>
#endif

static PJ *crs_from_user(sm_ctx *ctx, PJ_CONTEXT *pc, sm__proj_log *log, const char *crs, sm_status *st) {
  *st = SM_OK;
  if (!crs || !*crs) {
    *st = sm__error(ctx, SM_E_CRS, "empty CRS");
    return NULL;
  }
  PJ *p = proj_create(pc, crs);
  if (!p) {
    *st = sm__error(ctx, SM_E_CRS, "unknown CRS '%s'%s%s", crs, log->msg[0] ? ": " : "", log->msg);
    return NULL;
  }
  if (!proj_is_crs(p)) {
    proj_destroy(p);
    *st = sm__error(ctx, SM_E_CRS, "'%s' is not a coordinate reference system", crs);
    return NULL;
  }
  /* PROJ also looks CRS names up approximately ("foo" finds "Amersfoort"):
   * a bare name must be the CRS's exact name. */
  const char *c = crs;
  while (*c == ' ') c++;
  int structured = strchr(c, ':') || strchr(c, '[') || strchr(c, '{') || strchr(c, '+') || strstr(c, "proj=");
  if (!structured) {
    const char *name = proj_get_name(p);
    if (!name || !sm__strcaseeq(name, c)) {
      *st = sm__error(ctx, SM_E_CRS, "unknown CRS '%s'%s%s%s (give it as EPSG:code, WKT or a PROJ string)", crs,
                      name ? "; the closest name is '" : "", name ? name : "", name ? "'" : "");
      proj_destroy(p);
      return NULL;
    }
  }
  return p;
}

sm_status sm_crs_choose(sm_ctx *ctx, char **out, double lon, double lat) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_crs_choose: out is NULL");
  *out = NULL;
  if (!isfinite(lon) || !isfinite(lat) || fabs(lat) > 90 || fabs(lon) > 180)
    return sm__error(ctx, SM_E_INVALID_ARG, "no analysis CRS for lon %g, lat %g", lon, lat);
  double gb[4];
  if (!sm__crs_area_of_use(ctx, "EPSG:27700", gb)) {
    gb[0] = -9.01, gb[1] = 49.75, gb[2] = 2.01, gb[3] = 61.01;
  }
  if (lon >= gb[0] && lon <= gb[2] && lat >= gb[1] && lat <= gb[3]) {
    *out = sm__strdup("EPSG:27700");
  } else {
    int zone = (int)floor((lon + 180.0) / 6.0) + 1;
    if (zone > 60) zone = 60;
    *out = sm__asprintf("EPSG:%d", (lat >= 0 ? 32600 : 32700) + zone);
  }
  return *out ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
}

sm_status sm__crs_normalise(sm_ctx *ctx, const char *crs, char **out) {
  sm__proj_log local, *log;
  *out = NULL;
  PJ_CONTEXT *pc = sm__pctx_get(ctx, &log, &local);
  if (!pc) return sm__error(ctx, SM_E_NOMEM, "PROJ: cannot create a context");
  sm_status st;
  PJ *p = crs_from_user(ctx, pc, log, crs, &st);
  if (!p) {
    sm__pctx_release(ctx, pc);
    return st;
  }
  const char *auth = proj_get_id_auth_name(p, 0), *code = proj_get_id_code(p, 0);
  char *res = NULL;
  if (auth && code) {
    res = sm__asprintf("%s:%s", auth, code);
  } else {
    int *conf = NULL;
    PJ_OBJ_LIST *cands = proj_identify(pc, p, "EPSG", NULL, &conf);
    if (cands && proj_list_get_count(cands) > 0 && conf && conf[0] >= 90) {
      PJ *best = proj_list_get(pc, cands, 0);
      const char *ba = proj_get_id_auth_name(best, 0), *bc = proj_get_id_code(best, 0);
      if (ba && bc) res = sm__asprintf("%s:%s", ba, bc);
      proj_destroy(best);
    }
    if (conf) proj_int_list_destroy(conf);
    if (cands) proj_list_destroy(cands);
    if (!res) {
      const char *wkt = proj_as_wkt(pc, p, PJ_WKT2_2019, NULL);
      res = sm__strdup(wkt ? wkt : crs);
    }
  }
  proj_destroy(p);
  sm__pctx_release(ctx, pc);
  *out = res;
  return res ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
}

static int crs_kind(sm_ctx *ctx, const char *crs, int *geographic, int *projected_m, char **name) {
  sm__proj_log local, *log;
  PJ_CONTEXT *pc = sm__pctx_get(ctx, &log, &local);
  if (!pc) return -1;
  sm_status st;
  PJ *p = crs_from_user(ctx, pc, log, crs, &st);
  if (!p) {
    sm__pctx_release(ctx, pc);
    return -1;
  }
  PJ_TYPE t = proj_get_type(p);
  PJ *base = p;
  if (t == PJ_TYPE_BOUND_CRS) {
    base = proj_get_source_crs(pc, p);
    t = base ? proj_get_type(base) : t;
  }
  if (geographic) *geographic = (t == PJ_TYPE_GEOGRAPHIC_2D_CRS || t == PJ_TYPE_GEOGRAPHIC_3D_CRS);
  if (projected_m) {
    *projected_m = 0;
    if (t == PJ_TYPE_PROJECTED_CRS) {
      PJ *cs = proj_crs_get_coordinate_system(pc, base);
      double f = 0;
      if (cs && proj_cs_get_axis_info(pc, cs, 0, NULL, NULL, NULL, &f, NULL, NULL, NULL) && f == 1.0)
        *projected_m = 1;
      proj_destroy(cs);
    }
  }
  if (name) {
    const char *n = proj_get_name(base);
    *name = sm__strdup(n ? n : "");
  }
  if (base != p) proj_destroy(base);
  proj_destroy(p);
  sm__pctx_release(ctx, pc);
  return 0;
}

sm_status sm_crs_describe(sm_ctx *ctx, const char *crs, char **name_out, int *projected_metres_out) {
  if (name_out) *name_out = NULL;
  int pm = 0;
  if (crs_kind(ctx, crs, NULL, &pm, name_out)) return ctx ? ctx->last_status : SM_E_CRS;
  if (projected_metres_out) *projected_metres_out = pm;
  return SM_OK;
}

int sm__crs_is_geographic(sm_ctx *ctx, const char *crs) {
  int g = 0;
  if (crs_kind(ctx, crs, &g, NULL, NULL)) return 0;
  return g;
}

int sm__crs_area_of_use(sm_ctx *ctx, const char *crs, double bbox[4]) {
  sm__proj_log local, *log;
  PJ_CONTEXT *pc = sm__pctx_get(ctx, &log, &local);
  if (!pc) return 0;
  PJ *p = proj_create(pc, crs);
  int ok = 0;
  if (p) {
    double w, s, e, n;
    if (proj_get_area_of_use(pc, p, &w, &s, &e, &n, NULL) && w > -1000) {
      bbox[0] = w, bbox[1] = s, bbox[2] = e, bbox[3] = n;
      ok = 1;
    }
    proj_destroy(p);
  }
  sm__pctx_release(ctx, pc);
  return ok;
}

int sm__crs_equal(sm_ctx *ctx, const char *a, const char *b) {
  if (!a || !b) return 0;
  if (strcmp(a, b) == 0) return 1;
  sm__proj_log local, *log;
  PJ_CONTEXT *pc = sm__pctx_get(ctx, &log, &local);
  if (!pc) return 0;
  PJ *pa = proj_create(pc, a), *pb = proj_create(pc, b);
  int eq = pa && pb && proj_is_equivalent_to(pa, pb, PJ_COMP_EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS);
  proj_destroy(pa);
  proj_destroy(pb);
  sm__pctx_release(ctx, pc);
  return eq;
}

/* One transformer per thread. */
/* dst "@base": from src to its own geographic CRS (the projection's inverse, no datum shift). PROJ finds it
 * without searching the database for datum transformations, which is most of the cost of an operation. */
static PJ *make_op(PJ_CONTEXT *pc, const char *src, const char *dst) {
  if (!strcmp(dst, "@base")) {
    PJ *crs = proj_create(pc, src), *geod = crs ? proj_crs_get_geodetic_crs(pc, crs) : NULL;
    PJ *op = geod ? proj_create_crs_to_crs_from_pj(pc, crs, geod, NULL, NULL) : NULL;
    proj_destroy(crs);
    proj_destroy(geod);
    if (!op) return NULL;
    PJ *norm = proj_normalize_for_visualization(pc, op);
    proj_destroy(op);
    return norm;
  }
  PJ *op = proj_create_crs_to_crs(pc, src, dst, NULL);
  if (!op) return NULL;
  PJ *norm = proj_normalize_for_visualization(pc, op);
  proj_destroy(op);
  return norm;
}

/* The ctx's operation src -> dst, made once; NULL when it cannot be made. */
static PJ *cached_op(sm_ctx *ctx, const char *src, const char *dst) {
  PJ_CONTEXT *pc = sm__proj_ctx(ctx);
  if (!pc) return NULL;
  int free_slot = -1;
  for (int i = 0; i < SM_PROJ_OPS; i++) {
    if (ctx->proj_ops[i].op && !strcmp(ctx->proj_ops[i].src, src) && !strcmp(ctx->proj_ops[i].dst, dst))
      return ctx->proj_ops[i].op;
    if (!ctx->proj_ops[i].op && free_slot < 0) free_slot = i;
  }
  PJ *op = make_op(pc, src, dst);
  if (!op) return NULL;
  if (free_slot < 0) { /* full: drop the oldest */
    proj_destroy(ctx->proj_ops[0].op);
    sm__free(ctx->proj_ops[0].src);
    sm__free(ctx->proj_ops[0].dst);
    memmove(ctx->proj_ops, ctx->proj_ops + 1, (SM_PROJ_OPS - 1) * sizeof ctx->proj_ops[0]);
    free_slot = SM_PROJ_OPS - 1;
  }
  ctx->proj_ops[free_slot].src = sm__strdup(src);
  ctx->proj_ops[free_slot].dst = sm__strdup(dst);
  ctx->proj_ops[free_slot].op = op;
  if (!ctx->proj_ops[free_slot].src || !ctx->proj_ops[free_slot].dst) {
    proj_destroy(op);
    sm__free(ctx->proj_ops[free_slot].src);
    sm__free(ctx->proj_ops[free_slot].dst);
    memset(&ctx->proj_ops[free_slot], 0, sizeof ctx->proj_ops[free_slot]);
    return NULL;
  }
  return op;
}

sm_status sm_crs_transform(sm_ctx *ctx, const char *src, const char *dst, size_t n, double *x, double *y) {
  if (!src || !dst || (n && (!x || !y)))
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_crs_transform: NULL argument");
  if (n == 0 || sm__crs_equal(ctx, src, dst)) return SM_OK;
  /* Check both ends once on the calling thread, for a clear message. */
  {
    sm__proj_log local, *log;
    PJ_CONTEXT *pc = sm__pctx_get(ctx, &log, &local);
    if (!pc) return sm__error(ctx, SM_E_NOMEM, "PROJ: cannot create a context");
    sm_status st;
    PJ *a = crs_from_user(ctx, pc, log, src, &st);
    PJ *b = a ? crs_from_user(ctx, pc, log, dst, &st) : NULL;
    PJ *op = b ? cached_op(ctx, src, dst) : NULL;
    if (a && b && !op)
      st = sm__error(ctx, SM_E_CRS, "no transformation from %s to %s%s%s", src, dst, log->msg[0] ? ": " : "",
                     log->msg);
    proj_destroy(a);
    proj_destroy(b);
    sm__pctx_release(ctx, pc);
    if (st) return st;
  }
  int nt = sm__threads(ctx);
  if ((size_t)nt > n / 4096 + 1) nt = (int)(n / 4096 + 1);
  int failed = 0;
  if (nt == 1) { /* small job: the ctx's own context and cached operation */
    PJ *op = cached_op(ctx, src, dst);
    if (!op) {
      failed = 1;
    } else {
      proj_trans_generic(op, PJ_FWD, x, sizeof(double), n, y, sizeof(double), n, NULL, 0, 0, NULL, 0, 0);
      for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]) || !isfinite(y[i]) || x[i] == HUGE_VAL) x[i] = y[i] = NAN;
    }
  } else {
#ifdef SM_HAVE_OPENMP
#pragma omp parallel num_threads(nt) reduction(| : failed)
#endif
  {
#ifdef SM_HAVE_OPENMP
    int tid = omp_get_thread_num(), T = omp_get_num_threads();
#else
    int tid = 0, T = 1;
#endif
    size_t lo = n * (size_t)tid / (size_t)T, hi = n * (size_t)(tid + 1) / (size_t)T;
    sm__proj_log log;
    PJ_CONTEXT *pc = sm__pctx_new(&log);
    PJ *op = pc ? make_op(pc, src, dst) : NULL;
    if (!op) {
      failed = 1;
    } else if (hi > lo) {
      proj_trans_generic(op, PJ_FWD, x + lo, sizeof(double), hi - lo, y + lo, sizeof(double), hi - lo, NULL, 0,
                         0, NULL, 0, 0);
      for (size_t i = lo; i < hi; i++)
        if (!isfinite(x[i]) || !isfinite(y[i]) || x[i] == HUGE_VAL) x[i] = y[i] = NAN;
    }
    proj_destroy(op);
    if (pc) proj_context_destroy(pc);
  }
  }
  if (failed) return sm__error(ctx, SM_E_CRS, "PROJ: cannot create the transformation %s -> %s", src, dst);
  return SM_OK;
}

sm_status sm__crs_to_lonlat(sm_ctx *ctx, const char *src, size_t n, double *x, double *y) {
  /* The inverse of the cached 4326 -> src operation: one operation serves
   * both directions (area-of-use boxes go the other way). */
  PJ *op = cached_op(ctx, "EPSG:4326", src);
  if (!op) return sm__error(ctx, SM_E_CRS, "no transformation from %s to EPSG:4326", src);
  proj_trans_generic(op, PJ_INV, x, sizeof(double), n, y, sizeof(double), n, NULL, 0, 0, NULL, 0, 0);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]) || !isfinite(y[i]) || x[i] == HUGE_VAL) x[i] = y[i] = NAN;
  return SM_OK;
}

sm_status sm__crs_lonlat_approx(sm_ctx *ctx, const char *src, int inverse, size_t n, double *x, double *y) {
  PJ *op = cached_op(ctx, src, "@base");
  if (!op) return sm__error(ctx, SM_E_CRS, "no geographic coordinates for %s", src);
  proj_trans_generic(op, inverse ? PJ_INV : PJ_FWD, x, sizeof(double), n, y, sizeof(double), n, NULL, 0, 0, NULL, 0, 0);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]) || !isfinite(y[i]) || x[i] == HUGE_VAL) x[i] = y[i] = NAN;
  return SM_OK;
}
