/* The route's result: the layers "routes" and "route_segments", their recipe and the headline figures. */
#include "internal/recipe.h"
#include "internal/result_build.h"
#include "route_internal.h"

#include <math.h>
#include <stdio.h>

static const char *const route_names[2] = {"shortest", "safest"};

/* ISO WKB LineString (little-endian) of the points of segments seg[0..n) walked as rev[] says; a point equal to
 * the last one written is not repeated. sm__malloc'd. */
static sm_status line_wkb(sm_ctx *ctx, const sm__route_net *net, const size_t *seg, const unsigned char *rev, size_t n,
                          unsigned char **out, size_t *size) {
  size_t np = 0;
  for (size_t k = 0; k < n; k++) np += net->s[seg[k]].npt;
  unsigned char *w = sm__malloc(9 + 16 * np);
  if (!w) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  uint32_t type = 2, count = 0;
  w[0] = 1;
  memcpy(w + 1, &type, 4);
  double lx = NAN, ly = NAN;
  for (size_t k = 0; k < n; k++) {
    const sm__route_seg *s = &net->s[seg[k]];
    for (size_t j = 0; j < s->npt; j++) {
      size_t q = s->pt0 + (rev[k] ? s->npt - 1 - j : j);
      double x = net->xy[2 * q], y = net->xy[2 * q + 1];
      if (x == lx && y == ly) continue;
      memcpy(w + 9 + 16 * (size_t)count, &x, 8);
      memcpy(w + 17 + 16 * (size_t)count, &y, 8);
      count++, lx = x, ly = y;
    }
  }
  memcpy(w + 5, &count, 4);
  *out = w, *size = 9 + 16 * (size_t)count;
  return SM_OK;
}

/* "Agar Grove, Camden Road": the street names along the route, each once per stretch. */
static sm_status streets(sm_ctx *ctx, const sm__route_net *net, const sm__route_path *p, char **out) {
  sm_buf b = {0};
  const char *last = NULL;
  sm_status st = sm__buf_append(&b, "", 0);
  for (size_t k = 0; k < p->n && !st; k++) {
    const char *nm = net->s[p->seg[k]].name;
    if (!nm || (last && !strcmp(nm, last))) continue;
    st = sm__buf_printf(&b, "%s%s", last ? ", " : "", nm);
    last = nm;
  }
  if (st) {
    sm__free(b.s);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  *out = b.s;
  return SM_OK;
}

static sm_status recipe(sm_ctx *ctx, sm_layer *L, const sm__route_net *net, const sm_route_options *o,
                        const sm__route_end e[2]) {
  sm_status st = sm__layer_meta(ctx, L, "method",
                                "SpatiaLite VirtualRouting (CreateRouting, Dijkstra, no A*) over the %zu segments of "
                                "the audit, every segment walkable both ways; the shortest route on length_m, the "
                                "safest on the safety cost",
                                net->n);
  if (!st)
    st = sm__layer_meta(ctx, L, "cost_formula",
                        "length_m * (1 + %g*s_darkness + %g*below_target + %g*s_maintenance + %g*s_crime + "
                        "%g*s_perception); s_perception NULL counts as 0",
                        o->k_dark, o->k_dark_flag, o->k_maintenance, o->k_crime, o->k_perception);
  if (!st)
    st = sm__layer_meta(ctx, L, "penalties", "dark=%g,dark_flag=%g,maintenance=%g,crime=%g,perception=%g", o->k_dark,
                        o->k_dark_flag, o->k_maintenance, o->k_crime, o->k_perception);
  if (!st) {
    if (o->hour && net->hour) st = sm__layer_meta(ctx, L, "hour", "%s (the audit's: %s)", o->hour, net->hour);
    else if (o->hour) st = sm__layer_meta(ctx, L, "hour", "%s (the audit records no hour)", o->hour);
    else if (net->hour) st = sm__layer_meta(ctx, L, "hour", "%s (the audit's)", net->hour);
    else st = sm__layer_meta(ctx, L, "hour", "not given");
  }
  if (!st) st = sm__layer_meta(ctx, L, "audit", "%s", net->path);
  if (!st) st = sm__layer_meta(ctx, L, "audit_layer", "%s", SM_ROUTE_LAYER);
  if (!st) st = sm__layer_meta(ctx, L, "audit_segments", "%zu", net->n);
  if (!st) st = sm__layer_meta(ctx, L, "audit_crs", "%s", net->crs);
  for (int k = 0; k < 2 && !st; k++) {
    const char *w = k ? "to" : "from";
    char key[32];
    if (e[k].crs)
      st = sm__layer_meta(ctx, L, w, "%.10g,%.10g in %s = %.2f,%.2f in %s", e[k].gx, e[k].gy, e[k].crs, e[k].x, e[k].y,
                          net->crs);
    else st = sm__layer_meta(ctx, L, w, "%.2f,%.2f in %s", e[k].gx, e[k].gy, net->crs);
    snprintf(key, sizeof key, "%s_snap_m", w);
    if (!st) st = sm__layer_meta(ctx, L, key, "%.2f (to node %lld at %.2f,%.2f)", e[k].snap_m, (long long)e[k].node,
                                 e[k].nx, e[k].ny);
    snprintf(key, sizeof key, "%s_node", w);
    if (!st) st = sm__layer_meta(ctx, L, key, "%lld", (long long)e[k].node);
  }
  if (!st) st = sm__layer_recipe_inputs(ctx, L, NULL, NULL);
  /* the input items every output has: here the audit's segments, not incidents */
  size_t loops = 0;
  for (size_t i = 0; i < net->n; i++) loops += net->s[i].nf == net->s[i].nt;
  if (!st) st = sm__layer_meta(ctx, L, "input_rows_read", "%zu (segments of the audit)", net->n);
  if (!st) st = sm__layer_meta(ctx, L, "input_rows_skipped", "0");
  if (!st) st = sm__layer_meta(ctx, L, "input_rows_left_out", "%zu%s", loops, loops ? " (segments from a node to itself)" : "");
  if (!st) st = sm__layer_meta(ctx, L, "input_points", "0 (a route reads the audit's segments, no incidents)");
  if (!st) st = sm__layer_meta(ctx, L, "analysis_crs", "%s", net->crs);
  return st;
}

/* Layer "routes": one row per route. */
static sm_status routes_layer(sm_ctx *ctx, const sm__route_net *net, const sm__route_end e[2],
                              const sm__route_path p[2], sm_layer **out) {
  enum { NF = 11 };
  static const char *const names[NF] = {"route", "length_m", "dark_m", "crime_exposure", "defect_exposure", "cost",
                                        "segments", "extra_m", "from_node", "to_node", "streets"};
  static const sm_field_type types[NF] = {SM_FIELD_STRING, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                          SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_INT64,  SM_FIELD_DOUBLE,
                                          SM_FIELD_INT64,  SM_FIELD_INT64,  SM_FIELD_STRING};
  size_t f[NF];
  sm_status st = sm_layer_create(ctx, out, "routes", SM_GEOM_LINESTRING, net->crs);
  for (int i = 0; i < NF && !st; i++) st = sm_layer_add_field(ctx, *out, names[i], types[i], &f[i]);
  for (int k = 0; k < 2 && !st; k++) {
    unsigned char *wkb = NULL;
    size_t wn = 0, row = 0;
    char *str = NULL;
    st = line_wkb(ctx, net, p[k].seg, p[k].rev, p[k].n, &wkb, &wn);
    if (!st) st = sm_layer_add_feature(ctx, *out, wkb, wn, &row);
    sm__free(wkb);
    if (!st) st = sm_layer_set_string(ctx, *out, row, f[0], route_names[k]);
    if (!st) st = sm_layer_set_double(ctx, *out, row, f[1], p[k].length);
    if (!st) st = sm_layer_set_double(ctx, *out, row, f[2], p[k].dark);
    if (!st) st = sm_layer_set_double(ctx, *out, row, f[3], p[k].crime);
    if (!st) st = sm_layer_set_double(ctx, *out, row, f[4], p[k].defects);
    if (!st) st = sm_layer_set_double(ctx, *out, row, f[5], p[k].cost);
    if (!st) st = sm_layer_set_int(ctx, *out, row, f[6], (int64_t)p[k].n);
    if (!st) st = sm_layer_set_double(ctx, *out, row, f[7], k ? p[1].length - p[0].length : 0);
    if (!st) st = sm_layer_set_int(ctx, *out, row, f[8], e[0].node);
    if (!st) st = sm_layer_set_int(ctx, *out, row, f[9], e[1].node);
    if (!st) st = streets(ctx, net, &p[k], &str);
    if (!st) st = sm_layer_set_string(ctx, *out, row, f[10], str);
    sm__free(str);
  }
  return st;
}

/* Layer "route_segments": the segments of each route in walking order. */
static sm_status segments_layer(sm_ctx *ctx, const sm__route_net *net, const sm__route_path p[2], sm_layer **out) {
  enum { NF = 9 };
  static const char *const names[NF] = {"route", "seq", "segment_fid", "node_from", "node_to", "length_m", "cost",
                                        "below_target", "street_name"};
  static const sm_field_type types[NF] = {SM_FIELD_STRING, SM_FIELD_INT64,  SM_FIELD_INT64,
                                          SM_FIELD_INT64,  SM_FIELD_INT64,  SM_FIELD_DOUBLE,
                                          SM_FIELD_DOUBLE, SM_FIELD_INT64,  SM_FIELD_STRING};
  size_t f[NF];
  sm_status st = sm_layer_create(ctx, out, "route_segments", SM_GEOM_LINESTRING, net->crs);
  for (int i = 0; i < NF && !st; i++) st = sm_layer_add_field(ctx, *out, names[i], types[i], &f[i]);
  for (int k = 0; k < 2 && !st; k++)
    for (size_t j = 0; j < p[k].n && !st; j++) {
      const sm__route_seg *s = &net->s[p[k].seg[j]];
      int rev = p[k].rev[j];
      unsigned char *wkb = NULL;
      size_t wn = 0, row = 0;
      st = line_wkb(ctx, net, &p[k].seg[j], &p[k].rev[j], 1, &wkb, &wn);
      if (!st) st = sm_layer_add_feature(ctx, *out, wkb, wn, &row);
      sm__free(wkb);
      if (!st) st = sm_layer_set_string(ctx, *out, row, f[0], route_names[k]);
      if (!st) st = sm_layer_set_int(ctx, *out, row, f[1], (int64_t)j + 1);
      if (!st) st = sm_layer_set_int(ctx, *out, row, f[2], s->fid);
      if (!st) st = sm_layer_set_int(ctx, *out, row, f[3], rev ? s->nt : s->nf);
      if (!st) st = sm_layer_set_int(ctx, *out, row, f[4], rev ? s->nf : s->nt);
      if (!st) st = sm_layer_set_double(ctx, *out, row, f[5], s->len);
      if (!st) st = sm_layer_set_double(ctx, *out, row, f[6], s->cost);
      if (!st) st = sm_layer_set_int(ctx, *out, row, f[7], s->below);
      if (!st) st = sm_layer_set_string(ctx, *out, row, f[8], s->name);
    }
  return st;
}

static sm_status figures(sm_ctx *ctx, sm_result *r, const sm__route_net *net, const sm__route_end e[2],
                         const sm__route_path p[2]) {
  sm_status st = SM_OK;
  char name[64];
  for (int k = 0; k < 2 && !st; k++) {
    const char *w = route_names[k];
    snprintf(name, sizeof name, "%s_m", w);
    st = sm__result_figure(ctx, r, name, p[k].length);
    snprintf(name, sizeof name, "%s_dark_m", w);
    if (!st) st = sm__result_figure(ctx, r, name, p[k].dark);
    snprintf(name, sizeof name, "%s_crime_exposure", w);
    if (!st) st = sm__result_figure(ctx, r, name, p[k].crime);
    snprintf(name, sizeof name, "%s_defect_exposure", w);
    if (!st) st = sm__result_figure(ctx, r, name, p[k].defects);
    snprintf(name, sizeof name, "%s_cost", w);
    if (!st) st = sm__result_figure(ctx, r, name, p[k].cost);
    snprintf(name, sizeof name, "%s_segments", w);
    if (!st) st = sm__result_figure(ctx, r, name, (double)p[k].n);
  }
  if (!st) st = sm__result_figure(ctx, r, "extra_m", p[1].length - p[0].length);
  if (!st) st = sm__result_figure(ctx, r, "from_snap_m", e[0].snap_m);
  if (!st) st = sm__result_figure(ctx, r, "to_snap_m", e[1].snap_m);
  if (!st) st = sm__result_figure(ctx, r, "from_node", (double)e[0].node);
  if (!st) st = sm__result_figure(ctx, r, "to_node", (double)e[1].node);
  if (!st) st = sm__result_figure(ctx, r, "segments_read", (double)net->n);
  return st;
}

sm_status sm__route_output(sm_ctx *ctx, sm_result **out, const sm__route_net *net, const sm_route_options *o,
                           const sm__route_end ends[2], const sm__route_path paths[2]) {
  sm_layer *R = NULL, *S = NULL;
  sm_result *res = NULL;
  sm_status st = routes_layer(ctx, net, ends, paths, &R);
  if (!st) st = recipe(ctx, R, net, o, ends);
  if (!st) st = segments_layer(ctx, net, paths, &S);
  if (!st) st = recipe(ctx, S, net, o, ends);
  if (!st) st = sm__result_create(ctx, &res);
  if (!st) st = sm__result_add_layer(ctx, res, R, NULL), R = NULL;
  if (!st) st = sm__result_add_layer(ctx, res, S, NULL), S = NULL;
  if (!st) st = figures(ctx, res, net, ends, paths);
  sm_layer_destroy(R);
  sm_layer_destroy(S);
  if (st) sm_result_destroy(res);
  else *out = res;
  return st;
}
