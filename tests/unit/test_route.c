/* sm_route_run: the shortest and the safest route over the golden grid (tests/golden/route: segments.csv, and
 * networkx's routes in expected.csv), endpoints in degrees, the penalties, and every refusal. The fixture's
 * GeoPackages are made here through the public API (sm_layer_*, sm_write_layers). */
#include "testutil.h"

#include <math.h>

#define GOLDEN SM_TEST_SRCDIR "/tests/golden/route"

static sm_ctx *ctx;

/* ---- the fixture -------------------------------------------------------------------- */

enum { MAXSEG = 400 };
typedef struct seg {
  double x0, y0, x1, y1;
  long long nf, nt;
  double v[7]; /* length_m, below_target, s_darkness, s_maintenance, s_perception (NaN: NULL), s_crime, vawg */
  char name[64];
} seg;
static seg segs[MAXSEG];
static size_t nseg;
static const char *const vcols[7] = {"length_m", "below_target", "s_darkness", "s_maintenance",
                                     "s_perception", "s_crime", "vawg_per_100m"};

static void read_segments(void) {
  FILE *f = fopen(GOLDEN "/segments.csv", "r");
  assert_non_null(f);
  char line[512];
  assert_non_null(fgets(line, sizeof line, f)); /* header */
  while (fgets(line, sizeof line, f)) {
    assert_true(nseg < MAXSEG);
    seg *s = &segs[nseg++];
    char *p = line;
    assert_int_equal(sscanf(p, "\"LINESTRING (%lf %lf, %lf %lf)\"", &s->x0, &s->y0, &s->x1, &s->y1), 4);
    p = strchr(p + 1, '"') + 2;
    s->nf = strtoll(p, &p, 10), p++;
    s->nt = strtoll(p, &p, 10), p++;
    for (int k = 0; k < 7; k++) {
      s->v[k] = *p == ',' ? NAN : strtod(p, &p);
      p++;
    }
    char *e = strchr(p, ',');
    snprintf(s->name, sizeof s->name, "%.*s", (int)(e - p), p);
  }
  fclose(f);
}

static unsigned char *line_wkb(double x0, double y0, double x1, double y1, size_t *n) {
  static unsigned char w[41];
  uint32_t t = 2, c = 2;
  double v[4] = {x0, y0, x1, y1};
  w[0] = 1;
  memcpy(w + 1, &t, 4), memcpy(w + 5, &c, 4), memcpy(w + 9, v, 32);
  *n = 41;
  return w;
}

/* What to change in the fixture. */
typedef struct fixture {
  const char *layer;     /* NULL: audit_segments */
  const char *drop;      /* a column left out */
  int points;            /* 1: point geometries */
  int island;            /* 1: one more segment, unconnected, 150 m east of the grid */
  long null_length_row;  /* >= 0: that row's length_m NULL */
  double length0;        /* not NaN: row 0's length_m */
  const char *hour;      /* the layer's "hour" metadata item */
} fixture;
#define FIXTURE {NULL, NULL, 0, 0, -1, NAN, NULL}

static const char *make(const char *file, fixture fx) {
  sm_layer *L = NULL;
  assert_ok(ctx, sm_layer_create(ctx, &L, fx.layer ? fx.layer : "audit_segments",
                                 fx.points ? SM_GEOM_POINT : SM_GEOM_LINESTRING, "EPSG:27700"));
  size_t fnf, fnt, fv[7], fname, flux;
  assert_ok(ctx, sm_layer_add_field(ctx, L, "node_from", SM_FIELD_INT64, &fnf));
  assert_ok(ctx, sm_layer_add_field(ctx, L, "node_to", SM_FIELD_INT64, &fnt));
  for (int k = 0; k < 7; k++)
    if (!fx.drop || strcmp(fx.drop, vcols[k]))
      assert_ok(ctx, sm_layer_add_field(ctx, L, vcols[k], k == 1 ? SM_FIELD_INT64 : SM_FIELD_DOUBLE, &fv[k]));
    else fv[k] = (size_t)-1;
  assert_ok(ctx, sm_layer_add_field(ctx, L, "street_name", SM_FIELD_STRING, &fname));
  assert_ok(ctx, sm_layer_add_field(ctx, L, "lux", SM_FIELD_DOUBLE, &flux));
  size_t n = nseg + (fx.island ? 1 : 0);
  for (size_t i = 0; i < n; i++) {
    seg isl = {530550, 181700, 530570, 181700, 90001, 90002, {20, 0, 0, 0, NAN, 0, 0}, "Island Lane"};
    const seg *s = i < nseg ? &segs[i] : &isl;
    size_t wn, row;
    unsigned char pt[21];
    const unsigned char *w;
    if (fx.points) {
      uint32_t t = 1;
      pt[0] = 1, memcpy(pt + 1, &t, 4), memcpy(pt + 5, &s->x0, 8), memcpy(pt + 13, &s->y0, 8);
      w = pt, wn = 21;
    } else w = line_wkb(s->x0, s->y0, s->x1, s->y1, &wn);
    assert_ok(ctx, sm_layer_add_feature(ctx, L, w, wn, &row));
    assert_ok(ctx, sm_layer_set_int(ctx, L, row, fnf, s->nf));
    assert_ok(ctx, sm_layer_set_int(ctx, L, row, fnt, s->nt));
    for (int k = 0; k < 7; k++) {
      double v = s->v[k];
      if (k == 0 && (long)i == fx.null_length_row) continue;
      if (k == 0 && i == 0 && !isnan(fx.length0)) v = fx.length0;
      if (fv[k] == (size_t)-1 || isnan(v)) continue;
      if (k == 1) assert_ok(ctx, sm_layer_set_int(ctx, L, row, fv[k], (int64_t)v));
      else assert_ok(ctx, sm_layer_set_double(ctx, L, row, fv[k], v));
    }
    assert_ok(ctx, sm_layer_set_string(ctx, L, row, fname, s->name));
    assert_ok(ctx, sm_layer_set_double(ctx, L, row, flux, 12.5));
  }
  if (fx.hour) assert_ok(ctx, sm_layer_set_metadata(ctx, L, "hour", fx.hour));
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  const char *path = tu_path(file);
  assert_ok(ctx, sm_write_layers(ctx, path, &L, 1, &wo));
  sm_layer_destroy(L);
  return path;
}

static const char *grid; /* the golden fixture as a GeoPackage */

static int setup(void **state) {
  (void)state;
  if (sm_ctx_create(&ctx) != SM_OK) return 1;
  read_segments();
  grid = make("grid.gpkg", (fixture)FIXTURE);
  return 0;
}
static int teardown(void **state) {
  (void)state;
  sm_ctx_destroy(ctx);
  return 0;
}

static sm_route_options endpoints(double fx, double fy, double tx, double ty) {
  sm_route_options o = SM_ROUTE_OPTIONS_INIT;
  o.from_x = fx, o.from_y = fy, o.to_x = tx, o.to_y = ty;
  return o;
}

static size_t col(const sm_layer *L, const char *name) {
  long f = sm_layer_field_index(L, name);
  if (f < 0) fail_msg("no column %s", name);
  return (size_t)f;
}

static int close_rel(double a, double b) { return fabs(a - b) <= 1e-9 * fabs(b); }

/* Route `which` of r as "n0 n1 n2 ..." from layer route_segments. */
static void node_sequence(const sm_result *r, const char *which, char *buf, size_t size) {
  const sm_layer *S = sm_result_layer_named(r, "route_segments");
  assert_non_null(S);
  size_t k = 0, fr = col(S, "route"), ff = col(S, "node_from"), ft = col(S, "node_to"), fs = col(S, "seq");
  long long last = -1, seq = 0;
  buf[0] = 0;
  for (size_t i = 0; i < sm_layer_feature_count(S); i++) {
    if (strcmp(sm_layer_get_string(S, i, fr), which)) continue;
    assert_int_equal(sm_layer_get_int(S, i, fs), ++seq);
    long long a = sm_layer_get_int(S, i, ff);
    if (last >= 0) assert_true(a == last); /* each segment starts where the one before ended */
    k += (size_t)snprintf(buf + k, size - k, "%s%lld", k ? " " : "", a);
    last = sm_layer_get_int(S, i, ft);
  }
  snprintf(buf + k, size - k, " %lld", last);
}

/* Every case of expected.csv: both routes are networkx's (nodes, length and cost to 1e-9). */
static void golden(void **state) {
  (void)state;
  FILE *f = fopen(GOLDEN "/expected.csv", "r");
  assert_non_null(f);
  char line[4096], ccase[32], route[32], nodes[3000], got[4000];
  double fe, fn, te, tn, len, cost;
  int nsegs, cases = 0, longer = 0;
  assert_non_null(fgets(line, sizeof line, f));
  while (fgets(line, sizeof line, f)) {
    assert_int_equal(sscanf(line, "%31[^,],%31[^,],%lf,%lf,%lf,%lf,%lf,%lf,%d,%2999[^\n]", ccase, route, &fe, &fn, &te,
                            &tn, &len, &cost, &nsegs, nodes),
                     10);
    sm_route_options o = endpoints(fe, fn, te, tn);
    sm_result *r = NULL;
    assert_ok(ctx, sm_route_run(ctx, &r, grid, &o));
    int safest = !strcmp(route, "safest");
    const sm_layer *R = sm_result_layer_named(r, "routes");
    assert_non_null(R);
    assert_int_equal(sm_layer_feature_count(R), 2);
    assert_string_equal(sm_layer_get_string(R, (size_t)safest, col(R, "route")), route);
    double glen = sm_layer_get_double(R, (size_t)safest, col(R, "length_m"));
    double gcost = sm_layer_get_double(R, (size_t)safest, col(R, "cost"));
    if (!close_rel(glen, len) || !close_rel(gcost, cost))
      fail_msg("%s %s: length %.17g cost %.17g, networkx %.17g %.17g", ccase, route, glen, gcost, len, cost);
    assert_int_equal(sm_layer_get_int(R, (size_t)safest, col(R, "segments")), nsegs);
    node_sequence(r, route, got, sizeof got);
    if (strcmp(got, nodes)) fail_msg("%s %s: nodes\n  %s\nnetworkx\n  %s", ccase, route, got, nodes);
    assert_true(close_rel(sm_result_figure(r, safest ? "safest_m" : "shortest_m"), len));
    assert_true(close_rel(sm_result_figure(r, safest ? "safest_cost" : "shortest_cost"), cost));
    double extra = sm_result_figure(r, "extra_m");
    assert_true(extra >= 0);
    assert_true(sm_layer_get_double(R, 0, col(R, "extra_m")) == 0);
    assert_true(sm_layer_get_double(R, 1, col(R, "extra_m")) == extra);
    if (safest && extra > 1) longer++;
    assert_true(sm_result_figure(r, "from_snap_m") == 0 && sm_result_figure(r, "to_snap_m") == 0);
    assert_true(sm_result_figure(r, "segments_read") == (double)nseg);
    sm_result_destroy(r);
    cases++;
  }
  fclose(f);
  assert_int_equal(cases, 6);
  assert_true(longer >= 1); /* a case where the safest route is longer than the shortest */
}

/* The "across" case in detail: the shortest crosses the dark middle, the safest goes round it. */
static void across(void **state) {
  (void)state;
  sm_route_options o = endpoints(530000, 181700, 530400, 181700);
  o.hour = "22:00";
  sm_result *r = NULL;
  assert_ok(ctx, sm_route_run(ctx, &r, grid, &o));
  assert_true(sm_result_figure(r, "shortest_dark_m") > 150 && sm_result_figure(r, "safest_dark_m") == 0);
  assert_true(sm_result_figure(r, "safest_crime_exposure") < sm_result_figure(r, "shortest_crime_exposure"));
  assert_true(sm_result_figure(r, "extra_m") > 390);
  const sm_layer *R = sm_result_layer(r, 0);
  assert_string_equal(sm_layer_name(R), "routes");
  assert_int_equal(sm_layer_geom_type(R), SM_GEOM_LINESTRING);
  assert_string_equal(sm_layer_crs(R), "EPSG:27700");
  assert_string_equal(sm_layer_get_string(R, 0, col(R, "streets")), "Row 2 Street");
  assert_true(sm_layer_get_int(R, 0, col(R, "from_node")) == 1010 && sm_layer_get_int(R, 0, col(R, "to_node")) == 1014);
  /* the route's line runs from the start to the end */
  size_t wn = 0;
  const unsigned char *w = sm_layer_get_wkb(R, 1, &wn);
  uint32_t np;
  double x0, y0, x1, y1;
  memcpy(&np, w + 5, 4);
  assert_true(wn == 9 + 16 * (size_t)np);
  memcpy(&x0, w + 9, 8), memcpy(&y0, w + 17, 8), memcpy(&x1, w + 9 + 16 * (np - 1), 8), memcpy(&y1, w + 17 + 16 * (np - 1), 8);
  assert_true(x0 == 530000 && y0 == 181700 && x1 == 530400 && y1 == 181700);
  for (size_t i = 0; i < 2; i++) {
    const sm_layer *L = sm_result_layer(r, i);
    assert_contains(sm_layer_metadata_get(L, "method"), "SpatiaLite VirtualRouting (CreateRouting, Dijkstra");
    assert_string_equal(sm_layer_metadata_get(L, "cost_formula"),
                        "length_m * (1 + 2*s_darkness + 1*below_target + 0.5*s_maintenance + 1*s_crime + "
                        "0.5*s_perception); s_perception NULL counts as 0");
    assert_string_equal(sm_layer_metadata_get(L, "penalties"), "dark=2,dark_flag=1,maintenance=0.5,crime=1,perception=0.5");
    assert_string_equal(sm_layer_metadata_get(L, "hour"), "22:00 (the audit records no hour)");
    assert_string_equal(sm_layer_metadata_get(L, "audit"), grid);
    assert_string_equal(sm_layer_metadata_get(L, "from_snap_m"), "0.00 (to node 1010 at 530000.00,181700.00)");
    assert_string_equal(sm_layer_metadata_get(L, "audit_segments"), "200");
    assert_non_null(sm_layer_metadata_get(L, "safemap_version"));
  }
  /* written as the command line does */
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  assert_ok(ctx, sm_result_write(ctx, r, tu_path("route.gpkg"), &wo));
  assert_ok(ctx, sm_result_write(ctx, r, tu_path("route.csv"), &wo));
  assert_true(tu_exists(tu_path("route_route_segments.csv")));
  sm_result_destroy(r);
}

/* Endpoints in degrees (found by range, or by from_crs) give the same routes; a point off a node snaps. */
static void degrees_and_snap(void **state) {
  (void)state;
  double x[2] = {530000 + 3, 530400}, y[2] = {181700 + 4, 181700};
  assert_ok(ctx, sm_crs_transform(ctx, "EPSG:27700", "EPSG:4326", 2, x, y));
  sm_route_options o = endpoints(x[0], y[0], x[1], y[1]);
  sm_result *r = NULL;
  assert_ok(ctx, sm_route_run(ctx, &r, grid, &o));
  /* PROJ's way there and back is within a few mm */
  assert_true(fabs(sm_result_figure(r, "from_snap_m") - 5) < 0.01 && sm_result_figure(r, "to_snap_m") < 0.01);
  assert_true(sm_result_figure(r, "from_node") == 1010 && sm_result_figure(r, "to_node") == 1014);
  assert_contains(sm_layer_metadata_get(sm_result_layer(r, 0), "from"), "in EPSG:4326 = 530003.00,181704.00 in EPSG:27700");
  sm_result_destroy(r);
  o.from_crs = "EPSG:4326";
  assert_ok(ctx, sm_route_run(ctx, &r, grid, &o));
  assert_true(sm_result_figure(r, "from_node") == 1010);
  sm_result_destroy(r);
}

/* Penalties all 0: the safest route is the shortest. The parser sets only what it names. */
static void penalties(void **state) {
  (void)state;
  sm_route_options o = endpoints(530000, 181700, 530400, 181700);
  assert_ok(ctx, sm_route_penalties_parse(ctx, "dark=0,dark_flag=0,maintenance=0,crime=0,perception=0", &o));
  sm_result *r = NULL;
  assert_ok(ctx, sm_route_run(ctx, &r, grid, &o));
  assert_true(sm_result_figure(r, "extra_m") == 0);
  assert_true(sm_result_figure(r, "safest_cost") == sm_result_figure(r, "safest_m"));
  sm_result_destroy(r);
  sm_route_options p = SM_ROUTE_OPTIONS_INIT;
  assert_ok(ctx, sm_route_penalties_parse(ctx, "crime=2.5,perception=0", &p));
  assert_true(p.k_crime == 2.5 && p.k_perception == 0 && p.k_dark == 2 && p.k_dark_flag == 1 && p.k_maintenance == 0.5);
  static const char *const bad[][2] = {
      {"darkness=2", "--penalties: unknown name 'darkness' (the names: dark, dark_flag, maintenance, crime, perception)"},
      {"dark=-1", "--penalties: dark=-1 is negative"},
      {"dark=x", "--penalties: dark='x' is not a number"},
      {"dark=", "--penalties: dark='' is not a number"},
      {"dark=1,dark=2", "--penalties: dark given twice"},
      {"dark", "--penalties: 'dark' is not NAME=VALUE"},
      {"dark=1,", "ends with a comma"},
      {"", "--penalties is empty"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    sm_route_options q = SM_ROUTE_OPTIONS_INIT;
    assert_int_equal(sm_route_penalties_parse(ctx, bad[i][0], &q), SM_E_INVALID_ARG);
    assert_contains(sm_ctx_last_error(ctx), bad[i][1]);
    assert_true(q.k_dark == 2);
  }
  o.k_crime = -0.5;
  assert_int_equal(sm_route_options_check(ctx, &o), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--penalties: crime=-0.5");
  assert_int_equal(sm_route_run(ctx, &r, grid, &o), SM_E_INVALID_ARG);
  assert_null(r);
}

/* The options alone: endpoints required, --snap, --hour, --from-crs, the version. */
static void options(void **state) {
  (void)state;
  sm_route_options o;
  assert_ok(ctx, sm_route_options_init(&o, SM_ROUTE_OPTIONS_VERSION));
  assert_true(isnan(o.from_x) && o.snap_m == 100 && o.k_dark == 2 && o.k_dark_flag == 1 && o.k_maintenance == 0.5 &&
              o.k_crime == 1 && o.k_perception == 0.5 && !o.hour && !o.from_crs);
  assert_int_equal(sm_route_options_init(&o, 0), SM_E_INVALID_ARG);
  assert_int_equal(sm_route_options_check(ctx, NULL), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--from is required");
  sm_result *r = NULL;
  assert_int_equal(sm_route_run(ctx, &r, grid, NULL), SM_E_INVALID_ARG);
  assert_null(r);
  o = endpoints(530000, 181700, 530400, NAN);
  assert_int_equal(sm_route_options_check(ctx, &o), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--to is required");
  o = endpoints(530000, 181700, 530400, 181700);
  o.snap_m = 0;
  assert_int_equal(sm_route_options_check(ctx, &o), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "--snap must be metres > 0");
  o.snap_m = 100;
  static const char *const hours[] = {"25:00", "10:7", "ten", "10:00pm", ""};
  for (size_t i = 0; i < sizeof hours / sizeof *hours; i++) {
    o.hour = hours[i];
    assert_int_equal(sm_route_options_check(ctx, &o), SM_E_INVALID_ARG);
    assert_contains(sm_ctx_last_error(ctx), "is not a time of day HH:MM");
  }
  o.hour = "7:30";
  assert_ok(ctx, sm_route_options_check(ctx, &o));
  o.from_crs = "EPSG:999999";
  assert_int_equal(sm_route_options_check(ctx, &o), SM_E_CRS);
  o.from_crs = NULL;
  o.version = SM_ROUTE_OPTIONS_VERSION + 1;
  assert_int_equal(sm_route_run(ctx, &r, grid, &o), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "version");
  assert_null(r);
}

/* An audit made for one hour: the same hour (any spelling) is taken, another refused. */
static void hour(void **state) {
  (void)state;
  const char *p = make("hour.gpkg", (fixture){NULL, NULL, 0, 0, -1, NAN, "22:00"});
  sm_route_options o = endpoints(530000, 181700, 530400, 181700);
  sm_result *r = NULL;
  assert_ok(ctx, sm_route_run(ctx, &r, p, &o));
  assert_string_equal(sm_layer_metadata_get(sm_result_layer(r, 0), "hour"), "22:00 (the audit's)");
  sm_result_destroy(r);
  o.hour = "22";
  assert_ok(ctx, sm_route_run(ctx, &r, p, &o));
  sm_result_destroy(r);
  o.hour = "18:30";
  assert_int_equal(sm_route_run(ctx, &r, p, &o), SM_E_INPUT);
  assert_null(r);
  assert_contains(sm_ctx_last_error(ctx), "is for the hour 22:00, not --hour 18:30");
  assert_contains(sm_ctx_last_error(ctx), "rerun safemap audit --hour 18:30");
}

static void refused(const char *path, sm_route_options o, sm_status want, const char *msg) {
  sm_result *r = NULL;
  sm_status st = sm_route_run(ctx, &r, path, &o);
  if (st != want) fail_msg("status %s, want %s: %s", sm_status_str(st), sm_status_str(want), sm_ctx_last_error(ctx));
  assert_null(r);
  assert_contains(sm_ctx_last_error(ctx), msg);
}

static void off_network(void **state) {
  (void)state;
  refused(grid, endpoints(530000, 181160, 530400, 181700), SM_E_INPUT,
          "the start (530000,181160) is 340 m from the nearest street of the audit");
  assert_contains(sm_ctx_last_error(ctx), "(limit --snap 100 m)");
  sm_route_options o = endpoints(530000, 181700, 530400, 182050);
  refused(grid, o, SM_E_INPUT, "the end (530400,182050) is 150 m from the nearest street");
  o.snap_m = 200;
  sm_result *r = NULL;
  assert_ok(ctx, sm_route_run(ctx, &r, grid, &o));
  assert_true(sm_result_figure(r, "to_snap_m") == 150);
  sm_result_destroy(r);
}

static void not_connected(void **state) {
  (void)state;
  const char *p = make("island.gpkg", (fixture){NULL, NULL, 0, 1, -1, NAN, NULL});
  refused(p, endpoints(530000, 181700, 530560, 181700), SM_E_INPUT,
          "no path: the start and the end are on separate parts of the network");
  assert_contains(sm_ctx_last_error(ctx), "(the start's part has 200 segments, the end's 1; the audit has 201)");
  refused(grid, endpoints(530000, 181700, 530001, 181701), SM_E_INPUT,
          "the start and the end are both nearest to node 1010");
}

static void bad_audits(void **state) {
  (void)state;
  refused(make("layer.gpkg", (fixture){"segments", NULL, 0, 0, -1, NAN, NULL}), endpoints(530000, 181700, 530400, 181700),
          SM_E_INPUT, "has no layer 'audit_segments' (the street segments safemap audit writes); its layers: segments");
  refused(make("column.gpkg", (fixture){NULL, "s_crime", 0, 0, -1, NAN, NULL}), endpoints(530000, 181700, 530400, 181700),
          SM_E_INPUT, "layer 'audit_segments' has no column s_crime (safemap audit writes it)");
  refused(make("points.gpkg", (fixture){NULL, NULL, 1, 0, -1, NAN, NULL}), endpoints(530000, 181700, 530400, 181700),
          SM_E_GEOMETRY, "layer 'audit_segments' holds Point geometries; the street segments must be lines");
  refused(make("null.gpkg", (fixture){NULL, NULL, 0, 0, 4, NAN, NULL}), endpoints(530000, 181700, 530400, 181700),
          SM_E_INPUT, "layer 'audit_segments', segment FID 5: length_m is NULL");
  refused(make("negative.gpkg", (fixture){NULL, NULL, 0, 0, -1, -20, NULL}), endpoints(530000, 181700, 530400, 181700),
          SM_E_INPUT, "layer 'audit_segments', segment FID 1: length_m is negative (-20)");
  refused(tu_path("missing.gpkg"), endpoints(530000, 181700, 530400, 181700), SM_E_IO, "cannot open the audit");
  /* no CRS: a CSV file with WKT lines */
  const char *csv = tu_write("audit_segments.csv",
                             "WKT,node_from,node_to,length_m,below_target,s_darkness,s_maintenance,s_perception,s_crime,"
                             "vawg_per_100m\n\"LINESTRING (0 0, 20 0)\",1,2,20,0,0,0,,0,0\n");
  refused(csv, endpoints(0, 0, 20, 0), SM_E_CRS, "layer 'audit_segments' has no CRS");
  sm_result *r = NULL;
  assert_int_equal(sm_route_run(ctx, NULL, grid, NULL), SM_E_INVALID_ARG);
  sm_route_options o = endpoints(1, 2, 3, 4);
  assert_int_equal(sm_route_run(ctx, &r, NULL, &o), SM_E_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(golden),        cmocka_unit_test(across),        cmocka_unit_test(degrees_and_snap),
      cmocka_unit_test(penalties),     cmocka_unit_test(options),       cmocka_unit_test(hour),
      cmocka_unit_test(off_network),   cmocka_unit_test(not_connected), cmocka_unit_test(bad_audits),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
