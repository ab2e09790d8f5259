/* The route's network work: snapping the endpoints to nodes, the parts of the network, and the two routes
 * through SpatiaLite's routing (CreateRouting, then a VirtualRouting table queried with NodeFrom/NodeTo). */
#include "route_internal.h"

#include <math.h>
#include <sqlite3.h>
#include <spatialite.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- snapping ------------------------------------------------------------------ */

sm_status sm__route_snap(sm_ctx *ctx, const sm__route_net *net, sm__route_end *e, double snap_m, const char *which) {
  double best = INFINITY;
  for (size_t i = 0; i < net->n; i++) {
    const sm__route_seg *s = &net->s[i];
    for (int end = 0; end < 2; end++) {
      size_t k = end ? s->pt0 + s->npt - 1 : s->pt0;
      double px = net->xy[2 * k], py = net->xy[2 * k + 1], d = hypot(px - e->x, py - e->y);
      if (d < best) best = d, e->node = end ? s->nt : s->nf, e->nx = px, e->ny = py;
    }
  }
  if (!(best <= snap_m)) {
    char given[160];
    if (e->crs) snprintf(given, sizeof given, "%.9g,%.9g in %s", e->gx, e->gy, e->crs);
    else snprintf(given, sizeof given, "%.10g,%.10g", e->gx, e->gy);
    return sm__error(ctx, SM_E_INPUT,
                     "the %s (%s) is %.0f m from the nearest street of the audit %s (limit --snap %g m): check the "
                     "point and its CRS, or raise --snap",
                     which, given, best, net->path, snap_m);
  }
  e->snap_m = best;
  return SM_OK;
}

/* ---- the parts of the network (union-find over the node ids) -------------------------- */

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static size_t node_index(const int64_t *ids, size_t n, int64_t id) {
  const int64_t *p = bsearch(&id, ids, n, sizeof *ids, cmp_i64);
  return p ? (size_t)(p - ids) : (size_t)-1;
}

static size_t find(size_t *parent, size_t i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

sm_status sm__route_connected(sm_ctx *ctx, const sm__route_net *net, int64_t a, int64_t b) {
  size_t m = 2 * net->n, n = 0;
  int64_t *ids = sm__malloc((m ? m : 1) * sizeof *ids);
  size_t *parent = sm__malloc((m ? m : 1) * sizeof *parent), *count = sm__calloc(m ? m : 1, sizeof *count);
  if (!ids || !parent || !count) {
    sm__free(ids), sm__free(parent), sm__free(count);
    return sm__error(ctx, SM_E_NOMEM, "out of memory (%zu segments)", net->n);
  }
  for (size_t i = 0; i < net->n; i++) ids[2 * i] = net->s[i].nf, ids[2 * i + 1] = net->s[i].nt;
  qsort(ids, m, sizeof *ids, cmp_i64);
  for (size_t i = 0; i < m; i++)
    if (!n || ids[i] != ids[n - 1]) ids[n++] = ids[i];
  for (size_t i = 0; i < n; i++) parent[i] = i;
  for (size_t i = 0; i < net->n; i++) {
    size_t p = find(parent, node_index(ids, n, net->s[i].nf)), q = find(parent, node_index(ids, n, net->s[i].nt));
    if (p != q) parent[p] = q;
  }
  for (size_t i = 0; i < net->n; i++) count[find(parent, node_index(ids, n, net->s[i].nf))]++;
  size_t ra = find(parent, node_index(ids, n, a)), rb = find(parent, node_index(ids, n, b));
  sm_status st = SM_OK;
  if (ra != rb)
    st = sm__error(ctx, SM_E_INPUT,
                   "no path: the start and the end are on separate parts of the network of %s (the start's part has "
                   "%zu segments, the end's %zu; the audit has %zu)",
                   net->path, count[ra], count[rb], net->n);
  sm__free(ids), sm__free(parent), sm__free(count);
  return st;
}

/* ---- SpatiaLite's routing --------------------------------------------------------- */

typedef struct routing_db {
  sqlite3 *db;
  void *cache; /* SpatiaLite's connection */
} routing_db;

static sm_status sql_error(sm_ctx *ctx, routing_db *r, const char *what) {
  return sm__error(ctx, SM_E_DEPENDENCY, "SQLite/SpatiaLite: %s: %s", what, r->db ? sqlite3_errmsg(r->db) : "no database");
}

static sm_status exec(sm_ctx *ctx, routing_db *r, const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(r->db, sql, NULL, NULL, &err) == SQLITE_OK) return SM_OK;
  sm_status st = sm__error(ctx, SM_E_DEPENDENCY, "SQLite/SpatiaLite: %s: %s", sql, err ? err : "failed");
  sqlite3_free(err);
  return st;
}

/* The arcs: one row per segment (rowid = its index + 1), both costs. A segment from a node to itself is left out:
 * no shortest route goes round a loop. */
static sm_status load_arcs(sm_ctx *ctx, routing_db *r, const sm__route_net *net) {
  sm_status st = exec(ctx, r, "CREATE TABLE arcs (id INTEGER PRIMARY KEY, node_from INTEGER NOT NULL, "
                              "node_to INTEGER NOT NULL, length DOUBLE NOT NULL, safety DOUBLE NOT NULL)");
  if (!st) st = exec(ctx, r, "BEGIN");
  if (st) return st;
  sqlite3_stmt *ins = NULL;
  if (sqlite3_prepare_v2(r->db, "INSERT INTO arcs VALUES (?, ?, ?, ?, ?)", -1, &ins, NULL) != SQLITE_OK)
    return sql_error(ctx, r, "preparing the arcs");
  for (size_t i = 0; i < net->n && !st; i++) {
    const sm__route_seg *s = &net->s[i];
    if (s->nf == s->nt) continue;
    sqlite3_bind_int64(ins, 1, (sqlite3_int64)i + 1);
    sqlite3_bind_int64(ins, 2, s->nf);
    sqlite3_bind_int64(ins, 3, s->nt);
    sqlite3_bind_double(ins, 4, s->len);
    sqlite3_bind_double(ins, 5, s->cost);
    if (sqlite3_step(ins) != SQLITE_DONE) st = sql_error(ctx, r, "loading the arcs");
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  return st ? st : exec(ctx, r, "COMMIT");
}

/* CreateRouting(data table, virtual table, input table, from, to, geometry NULL (no A*: Dijkstra), cost,
 * name NULL, A* 0, bidirectional 1). */
static sm_status create_routing(sm_ctx *ctx, routing_db *r, const char *name, const char *cost) {
  char sql[512];
  snprintf(sql, sizeof sql, "SELECT CreateRouting('%s_data', '%s', 'arcs', 'node_from', 'node_to', NULL, '%s', NULL, 0, 1)",
           name, name, cost);
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(r->db, sql, -1, &q, NULL) != SQLITE_OK) return sql_error(ctx, r, "CreateRouting");
  int ok = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == 1;
  sqlite3_finalize(q);
  if (ok) return SM_OK;
  char why[512] = "no reason given";
  if (sqlite3_prepare_v2(r->db, "SELECT CreateRouting_GetLastError()", -1, &q, NULL) == SQLITE_OK) {
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
      snprintf(why, sizeof why, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
  }
  return sm__error(ctx, SM_E_DEPENDENCY, "SpatiaLite: CreateRouting on the %s of the segments failed: %s", cost, why);
}

static sm_status path_push(sm_ctx *ctx, sm__route_path *p, size_t *cap, size_t seg, int rev) {
  if (p->n == *cap) {
    size_t c = *cap ? 2 * *cap : 64;
    size_t *s = sm__realloc(p->seg, c * sizeof *s);
    if (!s) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    p->seg = s;
    unsigned char *rv = sm__realloc(p->rev, c);
    if (!rv) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    p->rev = rv, *cap = c;
  }
  p->seg[p->n] = seg, p->rev[p->n++] = (unsigned char)rev;
  return SM_OK;
}

/* One query of the VirtualRouting table `name`: the "Route" row, then one "Link" row per arc walked
 * (LinkRowid, NodeFrom, NodeTo as walked). Unreachable ends are refused before, by sm__route_connected. */
static sm_status query_route(sm_ctx *ctx, routing_db *r, const sm__route_net *net, const char *name, int64_t a,
                             int64_t b, sm__route_path *p) {
  char sql[256];
  snprintf(sql, sizeof sql, "SELECT Role, LinkRowid, NodeFrom, NodeTo FROM \"%s\" WHERE NodeFrom = ? AND NodeTo = ?",
           name);
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(r->db, sql, -1, &q, NULL) != SQLITE_OK) return sql_error(ctx, r, "querying the routing");
  sqlite3_bind_int64(q, 1, a);
  sqlite3_bind_int64(q, 2, b);
  sm_status st = SM_OK;
  size_t cap = 0;
  int rc, rows = 0;
  while (!st && (rc = sqlite3_step(q)) == SQLITE_ROW) {
    const char *role = (const char *)sqlite3_column_text(q, 0);
    if (rows++ == 0) {
      if (!role || strcmp(role, "Route"))
        st = sm__error(ctx, SM_E_INPUT, "no path from node %lld to node %lld (SpatiaLite's routing says '%s')",
                       (long long)a, (long long)b, role ? role : "nothing");
      continue;
    }
    if (!role || strcmp(role, "Link")) continue;
    sqlite3_int64 id = sqlite3_column_int64(q, 1);
    if (id < 1 || (uint64_t)id > net->n) {
      st = sm__error(ctx, SM_E_INTERNAL, "SpatiaLite's routing returned arc %lld, not one of the %zu segments",
                     (long long)id, net->n);
      break;
    }
    size_t i = (size_t)id - 1;
    int64_t from = sqlite3_column_int64(q, 2);
    st = path_push(ctx, p, &cap, i, from != net->s[i].nf);
  }
  if (!st && rc != SQLITE_DONE && rc != SQLITE_ROW) st = sql_error(ctx, r, "querying the routing");
  if (!st && !rows) st = sm__error(ctx, SM_E_DEPENDENCY, "SpatiaLite's routing answered nothing for %lld to %lld",
                                   (long long)a, (long long)b);
  sqlite3_finalize(q);
  if (!st && p->n == 0)
    st = sm__error(ctx, SM_E_INPUT, "no path from node %lld to node %lld", (long long)a, (long long)b);
  for (size_t k = 0; k < p->n && !st; k++) {
    const sm__route_seg *s = &net->s[p->seg[k]];
    p->length += s->len, p->cost += s->cost;
    p->dark += s->below ? s->len : 0;
    p->crime += s->len * s->vawg / 100;
    p->defects += s->len * s->maint;
  }
  return st;
}

void sm__route_path_free(sm__route_path *p) {
  sm__free(p->seg), sm__free(p->rev);
  memset(p, 0, sizeof *p);
}

sm_status sm__route_spatialite(sm_ctx *ctx, const sm__route_net *net, int64_t a, int64_t b, sm__route_path paths[2]) {
  routing_db r = {0};
  if (sqlite3_open_v2(":memory:", &r.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    sm_status st = sql_error(ctx, &r, "opening an in-memory database");
    sqlite3_close(r.db);
    return st;
  }
  sm_status st = SM_OK;
  if (!(r.cache = spatialite_alloc_connection())) st = sm__error(ctx, SM_E_NOMEM, "SpatiaLite: out of memory");
  if (!st) spatialite_init_ex(r.db, r.cache, 0);
  if (!st) st = load_arcs(ctx, &r, net);
  if (!st) st = sm__progress(ctx, 0.5, "routing networks");
  if (!st) st = create_routing(ctx, &r, "by_length", "length");
  if (!st) st = create_routing(ctx, &r, "by_safety", "safety");
  if (!st) st = query_route(ctx, &r, net, "by_length", a, b, &paths[0]);
  if (!st) st = query_route(ctx, &r, net, "by_safety", a, b, &paths[1]);
  sqlite3_close(r.db);
  if (r.cache) spatialite_cleanup_ex(r.cache);
  return st;
}
