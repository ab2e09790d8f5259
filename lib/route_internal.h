/* The route pipeline's parts (route.c: options, reading the audit, output; route_graph.c: snapping, the
 * network's parts, SpatiaLite's routing). Internal. */
#ifndef SM_ROUTE_INTERNAL_H
#define SM_ROUTE_INTERNAL_H

#include "internal/sm_internal.h"

/* One street segment of the audit. */
typedef struct sm__route_seg {
  int64_t fid;           /* the audit feature's FID */
  int64_t nf, nt;        /* node_from, node_to */
  double len;            /* length_m */
  double dark, maint, perc, crime, vawg;
  int below;             /* below_target */
  double cost;           /* the safety cost */
  size_t pt0, npt;       /* its points: xy[2 * pt0 ...], drawn from nf to nt */
  char *name;            /* street_name, or NULL */
} sm__route_seg;

/* The audit's network. */
typedef struct sm__route_net {
  const char *path;  /* the audit file (borrowed) */
  char *crs;         /* the layer's CRS, "EPSG:27700" */
  char *hour;        /* the audit's `hour` metadata item, or NULL */
  sm__route_seg *s;
  size_t n, cap;
  double *xy;        /* the segments' points */
  size_t nxy, cap_xy;
} sm__route_net;

/* An endpoint: as given, in the audit's CRS, and its node. */
typedef struct sm__route_end {
  double gx, gy;     /* as given */
  const char *crs;   /* the CRS it was given in (NULL: the audit's) */
  double x, y;       /* in the audit's CRS */
  int64_t node;
  double nx, ny;     /* the node's position */
  double snap_m;     /* distance to it */
} sm__route_end;

/* A route: its segments in walking order. */
typedef struct sm__route_path {
  size_t n;
  size_t *seg;       /* indices into net->s */
  unsigned char *rev;/* 1: walked from node_to to node_from */
  double length, dark, crime, defects, cost;
} sm__route_path;

/* Snaps `e` (x, y set) to the nearest node within snap_m; `which` is "start" or "end" for messages. */
sm_status sm__route_snap(sm_ctx *ctx, const sm__route_net *net, sm__route_end *e, double snap_m, const char *which);
/* SM_E_INPUT when a and b are on separate parts of the network (the message counts each part's segments). */
sm_status sm__route_connected(sm_ctx *ctx, const sm__route_net *net, int64_t a, int64_t b);
/* The least-length (paths[0]) and least-cost (paths[1]) routes from a to b through SpatiaLite's
 * CreateRouting and VirtualRouting (Dijkstra); the sums filled. */
sm_status sm__route_spatialite(sm_ctx *ctx, const sm__route_net *net, int64_t a, int64_t b, sm__route_path paths[2]);
void sm__route_path_free(sm__route_path *p);
/* The result: layers "routes" and "route_segments", their recipe, the figures (route_output.c). */
sm_status sm__route_output(sm_ctx *ctx, sm_result **out, const sm__route_net *net, const sm_route_options *o,
                           const sm__route_end ends[2], const sm__route_path paths[2]);

#endif
