/* areas: reading, repair, exact point-in-polygon, counts */
#include "testutil.h"

#include <geos_c.h>
#include <math.h>

static sm_ctx *ctx;
static char warnings[4096];

static void log_sink(sm_log_level level, const char *msg, void *user) {
  (void)user;
  if (level <= SM_LOG_WARNING) {
    strncat(warnings, msg, sizeof warnings - strlen(warnings) - 2);
    strcat(warnings, "\n");
  }
}

static int setup(void **state) {
  (void)state;
  if (sm_ctx_create(&ctx)) return 1;
  sm_ctx_set_log(ctx, log_sink, SM_LOG_WARNING, NULL);
  return 0;
}
static int teardown(void **state) {
  (void)state;
  sm_ctx_destroy(ctx);
  return 0;
}

/* ISO WKB MultiPolygon of one ring. */
static size_t wkb_ring(unsigned char *b, const double *xy, uint32_t n) {
  size_t o = 0;
  uint32_t v;
  b[o++] = 1;
  v = 6, memcpy(b + o, &v, 4), o += 4;
  v = 1, memcpy(b + o, &v, 4), o += 4;
  b[o++] = 1;
  v = 3, memcpy(b + o, &v, 4), o += 4;
  v = 1, memcpy(b + o, &v, 4), o += 4;
  memcpy(b + o, &n, 4), o += 4;
  memcpy(b + o, xy, 16 * n), o += 16 * n;
  return o;
}

/* 3 x 3 squares of 100 m from (529000, 183000); ids "r<row>c<col>". */
static const char *grid_gpkg(void) {
  const char *path = tu_path("grid.gpkg");
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, "grid", SM_GEOM_MULTIPOLYGON, "EPSG:27700"));
  size_t fid, fname;
  assert_ok(ctx, sm_layer_add_field(ctx, l, "WD24CD", SM_FIELD_STRING, &fid));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "WD24NM", SM_FIELD_STRING, &fname));
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++) {
      double x0 = 529000 + 100 * c, y0 = 183000 + 100 * r;
      double xy[] = {x0, y0, x0, y0 + 100, x0 + 100, y0 + 100, x0 + 100, y0, x0, y0};
      unsigned char b[256];
      size_t n = wkb_ring(b, xy, 5), row;
      assert_ok(ctx, sm_layer_add_feature(ctx, l, b, n, &row));
      char id[16];
      snprintf(id, sizeof id, "r%dc%d", r, c);
      assert_ok(ctx, sm_layer_set_string(ctx, l, row, fid, id));
      assert_ok(ctx, sm_layer_set_string(ctx, l, row, fname, id));
    }
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  assert_ok(ctx, sm_write_layers(ctx, path, &l, 1, &wo));
  sm_layer_destroy(l);
  return path;
}

static sm_areas *read_areas(const char *path, const char *crs) {
  sm_areas_options o = SM_AREAS_OPTIONS_INIT;
  o.analysis_crs = crs;
  sm_areas *a = NULL;
  assert_ok(ctx, sm_areas_read(ctx, &a, path, &o));
  return a;
}

static const char *where_id(const sm_areas *a, int32_t k) { return k < 0 ? "-" : sm_areas_id(a, (size_t)k); }

static void shared_edges(void **state) {
  (void)state;
  sm_areas *a = read_areas(grid_gpkg(), "EPSG:27700");
  assert_int_equal(sm_areas_count(a), 9);
  assert_string_equal(sm_areas_id_field(a), "WD24CD");
  assert_string_equal(sm_areas_name_field(a), "WD24NM");
  assert_true(fabs(sm_areas_area_m2(a, 0) - 10000) < 1e-6);
  struct {
    double x, y;
    const char *want;
  } cases[] = {
      {529050, 183050, "r0c0"}, /* interior */
      {529100, 183050, "r0c1"}, /* shared vertical edge: the area to the right */
      {529050, 183100, "r1c0"}, /* shared horizontal edge: the area above */
      {529100, 183100, "r1c1"}, /* shared corner: above-right */
      {529000, 183050, "r0c0"}, /* outer left edge: inside */
      {529050, 183000, "r0c0"}, /* outer bottom edge: inside */
      {529300, 183050, "-"},    /* outer right edge: outside */
      {529050, 183300, "-"},    /* outer top edge: outside */
      {528999, 183050, "-"},    {529250, 183250, "r2c2"},
  };
  size_t n = sizeof cases / sizeof cases[0];
  double x[16], y[16];
  for (size_t i = 0; i < n; i++) x[i] = cases[i].x, y[i] = cases[i].y;
  sm_points *p;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", n, x, y, NULL, NULL));
  int32_t w[16];
  size_t outside = 0;
  assert_ok(ctx, sm_areas_locate(ctx, a, p, w, &outside));
  for (size_t i = 0; i < n; i++)
    if (strcmp(where_id(a, w[i]), cases[i].want))
      fail_msg("(%g, %g) in %s, want %s", cases[i].x, cases[i].y, where_id(a, w[i]), cases[i].want);
  assert_int_equal(outside, 3);
  sm_points_destroy(p);
  sm_areas_destroy(a);
}

/* Every point of a dense lattice that includes all edges and vertices lands
 * in exactly one square, and the squares' counts are what the rule says. */
static void lattice_partition(void **state) {
  (void)state;
  sm_areas *a = read_areas(grid_gpkg(), "EPSG:27700");
  size_t n = 0;
  double *x = malloc(301 * 301 * sizeof *x), *y = malloc(301 * 301 * sizeof *y);
  for (int i = 0; i < 300; i++)
    for (int j = 0; j < 300; j++) x[n] = 529000 + i, y[n] = 183000 + j, n++;
  sm_points *p;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", n, x, y, NULL, NULL));
  int32_t *w = malloc(n * sizeof *w);
  size_t outside;
  assert_ok(ctx, sm_areas_locate(ctx, a, p, w, &outside));
  assert_int_equal(outside, 0);
  size_t cnt[9] = {0};
  for (size_t i = 0; i < n; i++) {
    assert_true(w[i] >= 0);
    cnt[w[i]]++;
  }
  for (int k = 0; k < 9; k++) assert_int_equal(cnt[k], 10000); /* half-open squares tile the lattice */
  free(x), free(y), free(w);
  sm_points_destroy(p);
  sm_areas_destroy(a);
}

static uint64_t rng = 88172645463325252ull;
static double urand(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (double)(rng >> 11) / 9007199254740992.0;
}

/* Real wards: agrees with GEOS wherever GEOS says a point is strictly inside
 * one polygon; same answer on 1 and 2 threads. */
static void camden_matches_geos(void **state) {
  (void)state;
  sm_areas *a = read_areas(SM_TEST_SRCDIR "/data/wards/camden_wards_2024.gpkg", "EPSG:27700");
  assert_int_equal(sm_areas_count(a), 20);
  const size_t n = 200000;
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  for (size_t i = 0; i < n; i++) x[i] = 523900 + urand() * 7700, y[i] = 180900 + urand() * 6700;
  /* some points exactly on vertices of the wards */
  GEOSContextHandle_t h = GEOS_init_r();
  GEOSWKBReader *rd = GEOSWKBReader_create_r(h);
  size_t na = sm_areas_count(a);
  GEOSGeometry **g = calloc(na, sizeof *g);
  const GEOSPreparedGeometry **pg = calloc(na, sizeof *pg);
  size_t v = 0;
  for (size_t k = 0; k < na; k++) {
    size_t wn;
    const unsigned char *wkb = sm_areas_wkb(a, k, &wn);
    g[k] = GEOSWKBReader_read_r(h, rd, wkb, wn);
    pg[k] = GEOSPrepare_r(h, g[k]);
    GEOSGeometry *pts = GEOSGeom_extractUniquePoints_r(h, g[k]);
    int np = GEOSGetNumGeometries_r(h, pts);
    for (int i = 0; i < np && v < 20000; i++, v++) {
      GEOSGeomGetX_r(h, GEOSGetGeometryN_r(h, pts, i), &x[v]);
      GEOSGeomGetY_r(h, GEOSGetGeometryN_r(h, pts, i), &y[v]);
    }
    GEOSGeom_destroy_r(h, pts);
  }
  GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, g, (unsigned)na);
  GEOSGeometry *uni = GEOSUnaryUnion_r(h, coll);
  const GEOSPreparedGeometry *upg = GEOSPrepare_r(h, uni);
  sm_points *p;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", n, x, y, NULL, NULL));
  int32_t *w1 = malloc(n * sizeof *w1), *w2 = malloc(n * sizeof *w2);
  sm_ctx_set_threads(ctx, 1);
  assert_ok(ctx, sm_areas_locate(ctx, a, p, w1, NULL));
  sm_ctx_set_threads(ctx, 2);
  assert_ok(ctx, sm_areas_locate(ctx, a, p, w2, NULL));
  assert_memory_equal(w1, w2, n * sizeof *w1);
  sm_ctx_set_threads(ctx, 0);
  size_t checked = 0, on_boundary = 0;
  for (size_t i = 0; i < n; i++) {
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, x[i], y[i]);
    int32_t inside = -1, covers = 0;
    for (size_t k = 0; k < na; k++) {
      if (GEOSPreparedContainsProperly_r(h, pg[k], pt) == 1) inside = (int32_t)k;
      if (GEOSPreparedCovers_r(h, pg[k], pt) == 1) covers++;
    }
    if (inside >= 0 || covers == 0) {
      if (w1[i] != inside) fail_msg("point %zu (%.3f %.3f): safemap %d, GEOS %d", i, x[i], y[i], w1[i], inside);
      checked++;
    } else {
      /* On a boundary. Shared by two areas: in exactly one of them. On the
       * outer edge of the union: in it or outside, by the half-open rule. */
      on_boundary++;
      if (GEOSPreparedContainsProperly_r(h, upg, pt) == 1 && w1[i] < 0)
        fail_msg("point %zu (%.3f %.3f) inside the union of the wards but in none", i, x[i], y[i]);
      if (w1[i] >= 0) assert_int_equal(GEOSPreparedCovers_r(h, pg[w1[i]], pt), 1);
    }
    GEOSGeom_destroy_r(h, pt);
  }
  assert_true(checked > n - 10000);
  if (on_boundary < 100) fail_msg("only %zu points on boundaries", on_boundary);
  for (size_t k = 0; k < na; k++) GEOSPreparedGeom_destroy_r(h, pg[k]);
  GEOSPreparedGeom_destroy_r(h, upg);
  GEOSGeom_destroy_r(h, uni);
  GEOSGeom_destroy_r(h, coll); /* owns g[] */
  free(g), free(pg);
  GEOSWKBReader_destroy_r(h, rd);
  GEOS_finish_r(h);
  free(x), free(y), free(w1), free(w2);
  sm_points_destroy(p);
  sm_areas_destroy(a);
}

static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int cmp_pair(const void *a, const void *b) {
  const double *p = a, *q = b;
  return p[0] != q[0] ? (p[0] > q[0]) - (p[0] < q[0]) : (p[1] > q[1]) - (p[1] < q[1]);
}

/* Points outside the 3 x 3 grid (one 300 m square together), some repeated, some inside: the distances to the
 * nearest area are those to the square's outline (every area's box is looked at, the nearest first). */
static void outside_distances(void **state) {
  (void)state;
  sm_areas *a = read_areas(grid_gpkg(), "EPSG:27700");
  enum { N = 4000 };
  double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *want = malloc(N * sizeof *want);
  size_t m = 0;
  for (size_t i = 0; i < N; i++) {
    if (i % 5 == 4) { /* the point before again */
      x[i] = x[i - 1], y[i] = y[i - 1];
    } else {
      x[i] = 529150 + (urand() - 0.5) * 6000, y[i] = 183150 + (urand() - 0.5) * 6000;
    }
    double dx = fmax(fmax(529000 - x[i], x[i] - 529300), 0), dy = fmax(fmax(183000 - y[i], y[i] - 183300), 0);
    if (dx > 0 || dy > 0) want[m++] = sqrt(dx * dx + dy * dy);
  }
  sm_points *p;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", N, x, y, NULL, NULL));
  int32_t *w = malloc(N * sizeof *w);
  size_t outside;
  assert_ok(ctx, sm_areas_locate(ctx, a, p, w, &outside));
  assert_int_equal(outside, m);
  sm_areas_outside o;
  assert_ok(ctx, sm_areas_outside_distance(ctx, a, p, w, &o));
  qsort(want, m, sizeof *want, cmp_dbl);
  assert_int_equal(o.n_points, m);
  /* the distinct locations among them, counted by a sort of the pairs */
  double *pr = malloc(2 * m * sizeof *pr);
  size_t k = 0;
  for (size_t i = 0; i < N; i++)
    if (w[i] < 0) pr[2 * k] = x[i], pr[2 * k + 1] = y[i], k++;
  qsort(pr, m, 2 * sizeof *pr, cmp_pair);
  size_t distinct = 0;
  for (size_t i = 0; i < m; i++) distinct += i == 0 || pr[2 * i] != pr[2 * i - 2] || pr[2 * i + 1] != pr[2 * i - 1];
  free(pr);
  assert_int_equal(o.n_locations, distinct);
  assert_true(o.n_locations < m && o.n_locations >= m * 3 / 4);
  assert_true(fabs(o.max_m - want[m - 1]) < 1e-9);
  assert_true(fabs(o.median_m - (m % 2 ? want[m / 2] : (want[m / 2 - 1] + want[m / 2]) / 2)) < 1e-9);
  free(x), free(y), free(want), free(w);
  sm_points_destroy(p);
  sm_areas_destroy(a);
}

/* Distance from a point to a segment (the closest point by projection). */
static double seg_dist(double px, double py, double ax, double ay, double bx, double by) {
  double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy, t = 0;
  if (l2 > 0) t = ((px - ax) * dx + (py - ay) * dy) / l2;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  double ex = ax + t * dx - px, ey = ay + t * dy - py;
  return sqrt(ex * ex + ey * ey);
}

/* The nearest segment is found through a grid of cells (areas_count.c, seg_grid): a spiky star of 400 edges,
 * points around it and far away (up to 40 km, where the rings of cells must reach out), against the scan of every
 * edge. */
static void outside_distances_star(void **state) {
  (void)state;
  enum { V = 400, N = 3000 };
  static double ring[2 * (V + 1)];
  for (int k = 0; k < V; k++) {
    double a = 2 * M_PI * k / V, r = k % 2 ? 600 : 1000 + 50 * sin(7 * a);
    ring[2 * k] = 530000 + r * cos(a), ring[2 * k + 1] = 180000 + r * sin(a);
  }
  ring[2 * V] = ring[0], ring[2 * V + 1] = ring[1];
  const char *path = tu_path("star.gpkg");
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, "star", SM_GEOM_POLYGON, "EPSG:27700"));
  size_t fid, row;
  assert_ok(ctx, sm_layer_add_field(ctx, l, "WD24CD", SM_FIELD_STRING, &fid));
  static unsigned char b[32 + 16 * (V + 1)];
  size_t len = wkb_ring(b, ring, V + 1);
  assert_ok(ctx, sm_layer_add_feature(ctx, l, b, len, &row));
  assert_ok(ctx, sm_layer_set_string(ctx, l, row, fid, "E05000001"));
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  assert_ok(ctx, sm_write_layers(ctx, path, &l, 1, &wo));
  sm_layer_destroy(l);
  sm_areas *a = read_areas(path, "EPSG:27700");
  double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *want = malloc(N * sizeof *want);
  for (size_t i = 0; i < N; i++) {
    double spread = i % 10 == 0 ? 80000 : 4000;
    x[i] = 530000 + (urand() - 0.5) * spread, y[i] = 180000 + (urand() - 0.5) * spread;
  }
  sm_points *p;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", N, x, y, NULL, NULL));
  int32_t *w = malloc(N * sizeof *w);
  size_t outside, m = 0;
  assert_ok(ctx, sm_areas_locate(ctx, a, p, w, &outside));
  for (size_t i = 0; i < N; i++) {
    if (w[i] >= 0) continue;
    double best = INFINITY;
    for (int k = 0; k < V; k++)
      best = fmin(best, seg_dist(x[i], y[i], ring[2 * k], ring[2 * k + 1], ring[2 * k + 2], ring[2 * k + 3]));
    want[m++] = best;
  }
  assert_int_equal(outside, m);
  assert_true(m > N / 2);
  sm_areas_outside o;
  assert_ok(ctx, sm_areas_outside_distance(ctx, a, p, w, &o));
  /* each of the first 400 points outside alone: its own distance */
  for (size_t i = 0, k = 0; i < N && k < 400; i++) {
    if (w[i] >= 0) continue;
    sm_points *one;
    int32_t none = -1;
    assert_ok(ctx, sm_points_create(ctx, &one, "EPSG:27700", 1, x + i, y + i, NULL, NULL));
    sm_areas_outside o1;
    assert_ok(ctx, sm_areas_outside_distance(ctx, a, one, &none, &o1));
    if (!(fabs(o1.max_m - want[k]) <= 1e-9 * want[k]))
      fail_msg("point %zu (%.3f, %.3f): %.9g m, the scan of every edge %.9g m", i, x[i], y[i], o1.max_m, want[k]);
    sm_points_destroy(one);
    k++;
  }
  qsort(want, m, sizeof *want, cmp_dbl);
  assert_int_equal(o.n_points, m);
  assert_true(fabs(o.max_m - want[m - 1]) <= 1e-9 * want[m - 1]);
  double med = m % 2 ? want[m / 2] : (want[m / 2 - 1] + want[m / 2]) / 2;
  assert_true(fabs(o.median_m - med) <= 1e-9 * med);
  free(x), free(y), free(want), free(w);
  sm_points_destroy(p);
  sm_areas_destroy(a);
}

static const char *one_polygon_gpkg(const char *name, const double *xy, uint32_t n, sm_geom_type gt) {
  const char *path = tu_path(name);
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, "w", gt, "EPSG:27700"));
  size_t fid;
  assert_ok(ctx, sm_layer_add_field(ctx, l, "GSS_CODE", SM_FIELD_STRING, &fid));
  unsigned char b[512];
  size_t len;
  if (gt == SM_GEOM_POINT) {
    b[0] = 1;
    uint32_t t = 1;
    memcpy(b + 1, &t, 4);
    memcpy(b + 5, xy, 16);
    len = 21;
  } else {
    len = wkb_ring(b, xy, n);
  }
  size_t row;
  assert_ok(ctx, sm_layer_add_feature(ctx, l, b, len, &row));
  assert_ok(ctx, sm_layer_set_string(ctx, l, row, fid, "E05000001"));
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  assert_ok(ctx, sm_write_layers(ctx, path, &l, 1, &wo));
  sm_layer_destroy(l);
  return path;
}

static void invalid_polygon_repaired(void **state) {
  (void)state;
  double bow[] = {529000, 183000, 529100, 183100, 529100, 183000, 529000, 183100, 529000, 183000};
  const char *path = one_polygon_gpkg("bowtie.gpkg", bow, 5, SM_GEOM_MULTIPOLYGON);
  warnings[0] = '\0';
  sm_areas *a = read_areas(path, "EPSG:27700");
  assert_int_equal(sm_areas_repaired_count(a), 1);
  assert_contains(warnings, "E05000001");
  assert_contains(warnings, "repaired");
  assert_true(fabs(sm_areas_area_m2(a, 0) - 5000) < 1e-6); /* two triangles */
  sm_areas_destroy(a);
  sm_areas_options o = SM_AREAS_OPTIONS_INIT;
  o.strict = 1;
  a = (sm_areas *)1;
  assert_int_equal(sm_areas_read(ctx, &a, path, &o), SM_E_GEOMETRY);
  assert_null(a);
  assert_contains(sm_ctx_last_error(ctx), "E05000001");
  assert_contains(sm_ctx_last_error(ctx), "invalid");
}

static void not_polygons(void **state) {
  (void)state;
  double pt[] = {529000, 183000};
  const char *path = one_polygon_gpkg("points.gpkg", pt, 1, SM_GEOM_POINT);
  sm_areas *a = (sm_areas *)1;
  assert_int_equal(sm_areas_read(ctx, &a, path, NULL), SM_E_GEOMETRY);
  assert_null(a);
  assert_contains(sm_ctx_last_error(ctx), "Point");
  assert_contains(sm_ctx_last_error(ctx), "polygons");
}

static void count_layers(void **state) {
  (void)state;
  sm_areas *a = read_areas(grid_gpkg(), "EPSG:27700");
  double x[] = {529050, 529050, 529150, 529999};
  double y[] = {183050, 183060, 183050, 183000};
  int64_t t[] = {1709251200, 1709251200 + 40 * 86400, 1709251200, 1709251200};
  sm_points *p;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", 4, x, y, t, NULL));
  sm_layer *L, *T;
  assert_ok(ctx, sm_areas_count_points(ctx, &L, &T, a, p, "ward_counts"));
  assert_int_equal(sm_layer_feature_count(L), 9);
  long ft = sm_layer_field_index(L, "total");
  assert_true(ft >= 0);
  assert_int_equal(sm_layer_get_int(L, 0, (size_t)ft), 2);
  assert_int_equal(sm_layer_get_int(L, 1, (size_t)ft), 1);
  assert_string_equal(sm_layer_get_string(L, 0, (size_t)sm_layer_field_index(L, "area_id")), "r0c0");
  assert_string_equal(sm_layer_metadata_get(L, "points_outside_areas"), "1");
  assert_true(fabs(sm_layer_get_double(L, 0, (size_t)sm_layer_field_index(L, "per_km2")) - 200) < 1e-9);
  /* 9 areas x 2 months (2024-03, 2024-04) x 1 (no category) */
  assert_int_equal(sm_layer_feature_count(T), 18);
  assert_string_equal(sm_layer_get_string(T, 1, (size_t)sm_layer_field_index(T, "month")), "2024-04");
  assert_int_equal(sm_layer_get_int(T, 0, (size_t)sm_layer_field_index(T, "count")), 1);
  assert_int_equal(sm_layer_get_int(T, 1, (size_t)sm_layer_field_index(T, "count")), 1);
  sm_layer_destroy(L);
  sm_layer_destroy(T);
  /* CRS mismatch */
  sm_points *q;
  assert_ok(ctx, sm_points_create(ctx, &q, "EPSG:32630", 4, x, y, NULL, NULL));
  assert_int_equal(sm_areas_count_points(ctx, &L, &T, a, q, "ward_counts"), SM_E_CRS);
  sm_points_destroy(q);
  sm_points_destroy(p);
  sm_areas_destroy(a);
}

/* Months per area, by the table of days (a span under 179 years) and by the calendar (longer): the count of each
 * area and month is that of the points whose sm_time_month_index is that month, times before 1970 among them,
 * and every text of the table right (each looked up once per area or month, then shared). */
static void count_months_long_and_short(void **state) {
  (void)state;
  sm_areas *a = read_areas(grid_gpkg(), "EPSG:27700");
  enum { N = 3000 };
  static double x[N], y[N];
  static int64_t t[N];
  const int64_t spans[2] = {40LL * 365 * 86400, 230LL * 365 * 86400}; /* 40 and 230 years */
  for (int s = 0; s < 2; s++) {
    for (size_t i = 0; i < N; i++) {
      x[i] = 529000 + urand() * 300, y[i] = 183000 + urand() * 300;
      t[i] = -(int64_t)(10LL * 365 * 86400) + (int64_t)(urand() * (double)spans[s]);
      if (i % 7 == 3) t[i] = t[i] / 86400 * 86400; /* midnight: a month's first second among them */
    }
    sm_points *p;
    assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", N, x, y, t, NULL));
    int32_t *w = malloc(N * sizeof *w);
    size_t outside;
    assert_ok(ctx, sm_areas_locate(ctx, a, p, w, &outside));
    sm_layer *L, *T;
    assert_ok(ctx, sm_areas_count_points(ctx, &L, &T, a, p, "ward_counts"));
    int32_t m0 = INT32_MAX, m1 = INT32_MIN;
    for (size_t i = 0; i < N; i++)
      if (w[i] >= 0) m0 = sm_time_month_index(t[i]) < m0 ? sm_time_month_index(t[i]) : m0, m1 = sm_time_month_index(t[i]) > m1 ? sm_time_month_index(t[i]) : m1;
    size_t nm = (size_t)(m1 - m0 + 1);
    assert_int_equal(sm_layer_feature_count(T), 9 * nm);
    long *want = calloc(9 * nm, sizeof *want);
    for (size_t i = 0; i < N; i++)
      if (w[i] >= 0) want[(size_t)w[i] * nm + (size_t)(sm_time_month_index(t[i]) - m0)]++;
    size_t fc = (size_t)sm_layer_field_index(T, "count"), fm = (size_t)sm_layer_field_index(T, "month"),
           fi = (size_t)sm_layer_field_index(T, "area_id");
    for (size_t r = 0; r < 9 * nm; r++) {
      int32_t mi = m0 + (int32_t)(r % nm);
      char mon[16];
      snprintf(mon, sizeof mon, "%04d-%02d", mi / 12, mi % 12 + 1);
      assert_string_equal(sm_layer_get_string(T, r, fm), mon);
      assert_string_equal(sm_layer_get_string(T, r, fi), sm_areas_id(a, r / nm));
      if (sm_layer_get_int(T, r, fc) != want[r])
        fail_msg("span %d, row %zu (%s, %s): %lld, want %ld", s, r, sm_areas_id(a, r / nm), mon,
                 (long long)sm_layer_get_int(T, r, fc), want[r]);
    }
    free(want), free(w);
    sm_layer_destroy(L);
    sm_layer_destroy(T);
    sm_points_destroy(p);
  }
  sm_areas_destroy(a);
}

/* The median and largest distance of the points outside, by selection: with many equal distances, for odd and
 * even counts, the values a sort gives (exactly). */
static void outside_median_ties(void **state) {
  (void)state;
  sm_areas *a = read_areas(grid_gpkg(), "EPSG:27700");
  const size_t counts[] = {1, 2, 3, 4, 5, 6, 101, 1000, 4001};
  for (size_t c = 0; c < 2 * sizeof counts / sizeof *counts; c++) {
    size_t m = counts[c / 2];
    int north = c % 2; /* east of the square (one y), or north of it (one x) */
    double *x = malloc(m * sizeof *x), *y = malloc(m * sizeof *y), *want = malloc(m * sizeof *want);
    for (size_t i = 0; i < m; i++) {
      double d = 10.0 * (1 + (double)(size_t)(urand() * (i % 3 ? 4 : 40))); /* few values, many ties */
      x[i] = north ? 529150 : 529300 + d, y[i] = north ? 183300 + d : 183150, want[i] = d;
    }
    sm_points *p;
    assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", m, x, y, NULL, NULL));
    int32_t *w = malloc(m * sizeof *w);
    size_t outside;
    assert_ok(ctx, sm_areas_locate(ctx, a, p, w, &outside));
    assert_int_equal(outside, m);
    sm_areas_outside o;
    assert_ok(ctx, sm_areas_outside_distance(ctx, a, p, w, &o));
    qsort(want, m, sizeof *want, cmp_dbl);
    size_t distinct = 0;
    for (size_t i = 0; i < m; i++) distinct += i == 0 || want[i] != want[i - 1];
    assert_int_equal(o.n_locations, distinct);
    assert_true(o.max_m == want[m - 1]);
    assert_true(o.median_m == (m % 2 ? want[m / 2] : (want[m / 2 - 1] + want[m / 2]) / 2));
    free(x), free(y), free(want), free(w);
    sm_points_destroy(p);
  }
  sm_areas_destroy(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(shared_edges),        cmocka_unit_test(lattice_partition),
      cmocka_unit_test(camden_matches_geos), cmocka_unit_test(invalid_polygon_repaired),
      cmocka_unit_test(not_polygons),        cmocka_unit_test(count_layers),
      cmocka_unit_test(outside_distances),
      cmocka_unit_test(outside_distances_star),
      cmocka_unit_test(outside_median_ties),
      cmocka_unit_test(count_months_long_and_short),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
