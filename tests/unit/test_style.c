/* style: classification (quantile, equal, Jenks, fixed) on worked vectors and against R's classInt, colours
 * at the class edges, categories by number and text, the transparent threshold, every bad option, and the
 * QML and JSON forms parsed by Python's XML and JSON readers. */
#include "testutil.h"

#include <math.h>

TU_CTX_FIXTURE

/* A 1-row surface of the n values, in EPSG:27700, with a description and units. */
static sm_raster *surface(const double *v, size_t n) {
  sm_raster *r;
  assert_ok(ctx, sm_raster_create(ctx, &r, n, 1, 500000, 180000, 10, "EPSG:27700"));
  memcpy(sm_raster_data(r), v, n * sizeof *v);
  assert_ok(ctx, sm_raster_set_metadata(ctx, r, "description", "kernel density"));
  assert_ok(ctx, sm_raster_set_metadata(ctx, r, "units", "points per square kilometre"));
  return r;
}

static sm_style *ramp(const double *v, size_t n, sm_style_classes m, int k) {
  sm_raster *r = surface(v, n);
  sm_style_options o;
  assert_ok(ctx, sm_style_options_init(&o, SM_STYLE_OPTIONS_VERSION));
  o.method = m, o.n_classes = k;
  sm_style *s = NULL;
  assert_ok(ctx, sm_style_for_raster(ctx, r, &o, &s));
  sm_raster_destroy(r);
  return s;
}

/* The upper bounds of the style's classes are exactly want[0..n). */
static void assert_uppers(const sm_style *s, const double *want, size_t n) {
  assert_int_equal(sm_style_class_count(s), n);
  for (size_t i = 0; i < n; i++) {
    sm_style_class c;
    assert_ok(ctx, sm_style_class_get(s, i, &c));
    if (c.upper != want[i]) fail_msg("class %zu: upper %.17g, want %.17g", i, c.upper, want[i]);
  }
}

static const double FIVE[] = {1, 2, 3, 4, 100};

static void quantile_breaks(void **state) {
  (void)state;
  sm_style *s = ramp(FIVE, 5, SM_CLASSES_QUANTILE, 2);
  assert_uppers(s, (double[]){3, 100}, 2); /* R quantile type 1: x[ceil(n p)] */
  assert_int_equal(sm_style_get_kind(s), SM_STYLE_RAMP);
  assert_string_equal(sm_style_title(s), "kernel density");
  assert_string_equal(sm_style_units(s), "points per square kilometre");
  sm_style_class c;
  assert_ok(ctx, sm_style_class_get(s, 0, &c));
  assert_true(c.lower == 0); /* from the threshold */
  assert_string_equal(c.label, "0 \xe2\x80\x93 3");
  assert_int_equal(sm_style_class_get(s, 2, &c), SM_E_INVALID_ARG);
  sm_style_destroy(s);
  /* ties: repeated bounds are dropped, fewer classes */
  s = ramp((double[]){1, 1, 1, 1, 2}, 5, SM_CLASSES_QUANTILE, 4);
  assert_uppers(s, (double[]){1, 2}, 2);
  sm_style_destroy(s);
}

static void equal_breaks(void **state) {
  (void)state;
  sm_style *s = ramp(FIVE, 5, SM_CLASSES_EQUAL, 2);
  assert_uppers(s, (double[]){50, 100}, 2); /* from the threshold 0 to the maximum */
  sm_style_destroy(s);
  s = ramp((double[]){3, 6, 9, 12}, 4, SM_CLASSES_EQUAL, 4);
  assert_uppers(s, (double[]){3, 6, 9, 12}, 4);
  sm_style_destroy(s);
}

static void jenks_breaks(void **state) {
  (void)state;
  sm_style *s = ramp(FIVE, 5, SM_CLASSES_JENKS, 2);
  assert_uppers(s, (double[]){4, 100}, 2);
  sm_style_destroy(s);
  /* three clear groups */
  s = ramp((double[]){1, 2, 1.5, 10, 11, 10.5, 30, 31, 29}, 9, SM_CLASSES_JENKS, 3);
  assert_uppers(s, (double[]){2, 11, 31}, 3);
  sm_style_destroy(s);
}

static void fixed_breaks(void **state) {
  (void)state;
  sm_raster *r = surface(FIVE, 5);
  sm_style_options o = SM_STYLE_OPTIONS_INIT;
  o.method = SM_CLASSES_FIXED;
  o.breaks = (const double[]){2.5, 50, 200};
  o.n_breaks = 3;
  o.ramp = "ylorrd";
  sm_style *s = NULL;
  assert_ok(ctx, sm_style_for_raster(ctx, r, &o, &s));
  assert_uppers(s, (double[]){2.5, 50, 200}, 3);
  uint8_t a[4], b[4];
  sm_style_color(s, 300, a); /* above the top: the last colour */
  sm_style_class c;
  assert_ok(ctx, sm_style_class_get(s, 2, &c));
  assert_memory_equal(a, c.rgba, 4);
  sm_style_color(s, 2.5, a);
  sm_style_color(s, 2.5000001, b);
  assert_memory_not_equal(a, b, 3);
  sm_style_destroy(s);
  sm_raster_destroy(r);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* A large surface with many ties in a scrambled order: the quantile breaks are the ranks of the sorted values,
 * and every method gives the same classes as on the same values sorted (only the ranks needed are ordered), on 1,
 * 2 and 3 threads (a surface this large is counted, copied and put in order on the threads). */
static void large_surface_ranks(void **state) {
  (void)state;
  size_t n = 300003;
  double *v = malloc(n * sizeof *v), *sorted = malloc(n * sizeof *v);
  assert_non_null(v);
  assert_non_null(sorted);
  uint64_t x = 88172645463325252ULL;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    v[i] = (double)(x % 5000) / 10.0 + (i % 3 == 0 ? 0 : 0.25); /* ties: 10,000 distinct values */
  }
  memcpy(sorted, v, n * sizeof *v);
  qsort(sorted, n, sizeof *sorted, cmp_double);
  size_t from = 0;
  while (sorted[from] <= 0) from++; /* the values above the threshold 0 */
  sm_style_classes methods[] = {SM_CLASSES_QUANTILE, SM_CLASSES_EQUAL, SM_CLASSES_JENKS};
  for (int th = 1; th <= 3; th++)
  for (int m = 0; m < 3; m++) {
    sm_ctx_set_threads(ctx, th);
    sm_style *a = ramp(v, n, methods[m], 7), *b = ramp(sorted, n, methods[m], 7);
    assert_int_equal(sm_style_class_count(a), sm_style_class_count(b));
    for (size_t i = 0; i < sm_style_class_count(a); i++) {
      sm_style_class ca, cb;
      assert_ok(ctx, sm_style_class_get(a, i, &ca));
      assert_ok(ctx, sm_style_class_get(b, i, &cb));
      assert_true(ca.upper == cb.upper && ca.lower == cb.lower);
      if (methods[m] == SM_CLASSES_QUANTILE) {
        size_t k = n - from, r = (size_t)ceil((double)(i + 1) * (double)k / 7.0) - 1;
        assert_true(ca.upper == sorted[from + r]);
      }
    }
    sm_style_destroy(a), sm_style_destroy(b);
  }
  sm_ctx_set_threads(ctx, 0);
  free(v), free(sorted);
}

/* A surface like a kernel density: values over 40 octaves (1e-12 to 1e4), zeros, NaN, repeated values, and
 * negative values below a threshold: the quantile and equal-interval breaks are those of the values sorted, for
 * 2 to 12 classes (the few buckets of cells that hold a wanted rank are the only ones put in order), on 1, 2 and 3
 * threads. */
static void wide_surface_ranks(void **state) {
  (void)state;
  size_t n = 300007;
  double *v = malloc(n * sizeof *v), *sorted = malloc(n * sizeof *v);
  assert_non_null(v);
  assert_non_null(sorted);
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    double u = (double)(x >> 11) / 9007199254740992.0;
    v[i] = i % 11 == 0 ? 0 : i % 97 == 0 ? NAN : i % 5 == 0 ? 3.5 : i % 13 == 0 ? -2.0 : exp(-27.6 + 36.8 * u);
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (v[i] > 0) sorted[k++] = v[i];
  qsort(sorted, k, sizeof *sorted, cmp_double);
  sm_raster *r = surface(v, n);
  for (int th = 1; th <= 3; th++)
  for (int classes = 2; classes <= 12; classes++) {
    sm_ctx_set_threads(ctx, th);
    sm_style_options o = SM_STYLE_OPTIONS_INIT;
    o.n_classes = classes;
    o.threshold = 0;
    sm_style *s = NULL;
    assert_ok(ctx, sm_style_for_raster(ctx, r, &o, &s));
    size_t nc = sm_style_class_count(s), w = 0;
    double want[12];
    for (int j = 1; j <= classes; j++) {
      double b = sorted[(size_t)ceil((double)j * (double)k / (double)classes) - 1];
      if (!w || b > want[w - 1]) want[w++] = b;
    }
    assert_int_equal(nc, w);
    for (size_t i = 0; i < nc; i++) {
      sm_style_class c;
      assert_ok(ctx, sm_style_class_get(s, i, &c));
      assert_true(c.upper == want[i]);
    }
    sm_style_destroy(s);
    o.method = SM_CLASSES_EQUAL;
    assert_ok(ctx, sm_style_for_raster(ctx, r, &o, &s));
    sm_style_class c;
    assert_ok(ctx, sm_style_class_get(s, sm_style_class_count(s) - 1, &c));
    assert_true(c.upper == sorted[k - 1]);
    sm_style_destroy(s);
  }
  sm_ctx_set_threads(ctx, 0);
  sm_raster_destroy(r);
  free(v), free(sorted);
}

/* Colours at the edges: (lower, upper] per class, transparent at or below the threshold and for NaN. */
static void colours_at_edges(void **state) {
  (void)state;
  sm_style *s = ramp(FIVE, 5, SM_CLASSES_QUANTILE, 2);
  sm_style_class c0, c1;
  assert_ok(ctx, sm_style_class_get(s, 0, &c0));
  assert_ok(ctx, sm_style_class_get(s, 1, &c1));
  /* viridis, its two ends, at the default opacity 0.8 */
  assert_memory_equal(c0.rgba, ((uint8_t[]){0x44, 0x01, 0x54, 204}), 4);
  assert_memory_equal(c1.rgba, ((uint8_t[]){0xfd, 0xe7, 0x25, 204}), 4);
  uint8_t rgba[4];
  sm_style_color(s, 0, rgba);
  assert_int_equal(rgba[3], 0);
  sm_style_color(s, -1, rgba);
  assert_int_equal(rgba[3], 0);
  sm_style_color(s, NAN, rgba);
  assert_int_equal(rgba[3], 0);
  sm_style_color(s, 1e-12, rgba);
  assert_memory_equal(rgba, c0.rgba, 4);
  sm_style_color(s, 3, rgba); /* the upper bound is in its class */
  assert_memory_equal(rgba, c0.rgba, 4);
  sm_style_color(s, nextafter(3, 4), rgba);
  assert_memory_equal(rgba, c1.rgba, 4);
  sm_style_color(s, 1e9, rgba);
  assert_memory_equal(rgba, c1.rgba, 4);
  sm_style_destroy(s);
}

static void threshold_transparent(void **state) {
  (void)state;
  sm_raster *r = surface(FIVE, 5);
  sm_style_options o = SM_STYLE_OPTIONS_INIT;
  o.threshold = 2;
  o.n_classes = 3;
  o.opacity = 1;
  sm_style *s = NULL;
  assert_ok(ctx, sm_style_for_raster(ctx, r, &o, &s));
  assert_uppers(s, (double[]){3, 4, 100}, 3); /* of the values above 2 */
  uint8_t rgba[4];
  sm_style_color(s, 2, rgba);
  assert_int_equal(rgba[3], 0);
  sm_style_color(s, 2.01, rgba);
  assert_int_equal(rgba[3], 255);
  sm_style_destroy(s);
  /* a surface with negative values: the default threshold is its minimum */
  sm_raster_destroy(r);
  r = surface((double[]){-5, -1, 0, 1, 5}, 5);
  assert_ok(ctx, sm_style_for_raster(ctx, r, NULL, &s));
  sm_style_class c;
  assert_ok(ctx, sm_style_class_get(s, 0, &c));
  assert_true(c.lower == -5);
  sm_style_color(s, -5, rgba);
  assert_int_equal(rgba[3], 0);
  sm_style_color(s, -1, rgba);
  assert_int_equal(rgba[3], 204);
  sm_style_destroy(s);
  sm_raster_destroy(r);
}

static void layer_categories(void **state) {
  (void)state;
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, "hotspots", SM_GEOM_POLYGON, "EPSG:27700"));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "gi_bin", SM_FIELD_INT64, NULL));
  sm_style *s = NULL;
  assert_ok(ctx, sm_style_for_layer(ctx, l, &s));
  assert_int_equal(sm_style_get_kind(s), SM_STYLE_CATEGORIES);
  assert_string_equal(sm_style_field(s), "gi_bin");
  assert_int_equal(sm_style_class_count(s), 7);
  sm_style_class c;
  assert_ok(ctx, sm_style_class_get(s, 0, &c));
  assert_string_equal(c.value, "3");
  assert_string_equal(c.label, "Hot spot, 99% confidence");
  uint8_t rgba[4];
  sm_style_color(s, 3, rgba); /* by number */
  assert_memory_equal(rgba, ((uint8_t[]){0xd6, 0x2f, 0x27, 230}), 4);
  sm_style_color(s, -3, rgba);
  assert_memory_equal(rgba, ((uint8_t[]){0x45, 0x75, 0xb5, 230}), 4);
  sm_style_color(s, 4, rgba); /* no such category */
  assert_int_equal(rgba[3], 0);
  sm_style_color_text(s, "HH", rgba); /* numbers are not matched as text */
  sm_style_destroy(s);
  sm_layer_destroy(l);
  /* Optimized Hot Spot Analysis: its result is the bin with the false discovery rate correction */
  assert_ok(ctx, sm_layer_create(ctx, &l, "hotspots", SM_GEOM_POLYGON, "EPSG:27700"));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "gi_bin", SM_FIELD_INT64, NULL));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "gi_bin_fdr", SM_FIELD_INT64, NULL));
  assert_ok(ctx, sm_style_for_layer(ctx, l, &s));
  assert_string_equal(sm_style_field(s), "gi_bin");
  sm_style_destroy(s);
  assert_ok(ctx, sm_layer_set_metadata(ctx, l, "optimised", "ArcGIS Optimized Hot Spot Analysis's rules"));
  assert_ok(ctx, sm_style_for_layer(ctx, l, &s));
  assert_string_equal(sm_style_field(s), "gi_bin_fdr");
  assert_int_equal(sm_style_class_count(s), 7);
  sm_style_destroy(s);
  sm_layer_destroy(l);
  /* another way to draw it: by a named field */
  assert_ok(ctx, sm_layer_create(ctx, &l, "hotspots", SM_GEOM_POLYGON, "EPSG:27700"));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "gi_bin", SM_FIELD_INT64, NULL));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "lisa_class", SM_FIELD_STRING, NULL));
  assert_ok(ctx, sm_style_for_field(ctx, l, "lisa_class", &s));
  assert_string_equal(sm_style_field(s), "lisa_class");
  assert_int_equal(sm_style_class_count(s), 5);
  sm_style_destroy(s);
  assert_int_equal(sm_style_for_field(ctx, l, "gi_bin_fdr", &s), SM_E_INVALID_ARG); /* no such field */
  assert_null(s);
  assert_contains(sm_ctx_last_error(ctx), "layer 'hotspots' has no field 'gi_bin_fdr'");
  assert_int_equal(sm_style_for_field(ctx, l, NULL, &s), SM_E_INVALID_ARG);
  sm_layer_destroy(l);
  /* by text: local Moran's classes */
  assert_ok(ctx, sm_layer_create(ctx, &l, "moran", SM_GEOM_POLYGON, "EPSG:27700"));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "lisa_class", SM_FIELD_STRING, NULL));
  assert_ok(ctx, sm_style_for_layer(ctx, l, &s));
  assert_int_equal(sm_style_class_count(s), 5);
  sm_style_color_text(s, "HH", rgba);
  assert_memory_equal(rgba, ((uint8_t[]){0xff, 0, 0, 230}), 4);
  sm_style_color_text(s, "XX", rgba);
  assert_int_equal(rgba[3], 0);
  sm_style_color(s, 1, rgba); /* a text category has no number */
  assert_int_equal(rgba[3], 0);
  sm_style_destroy(s);
  sm_layer_destroy(l);
  /* the 17 emerging hot spot categories */
  assert_ok(ctx, sm_layer_create(ctx, &l, "emerging", SM_GEOM_POLYGON, "EPSG:27700"));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "category", SM_FIELD_STRING, NULL));
  assert_ok(ctx, sm_style_for_layer(ctx, l, &s));
  assert_int_equal(sm_style_class_count(s), 17);
  sm_style_destroy(s);
  sm_layer_destroy(l);
}

/* audit priority: fixed classes of 20 from 0 to 100, YlOrRd, opaque */
static void layer_classes(void **state) {
  (void)state;
  sm_layer *l;
  size_t f, r;
  assert_ok(ctx, sm_layer_create(ctx, &l, "audit_segments", SM_GEOM_LINESTRING, "EPSG:27700"));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "priority", SM_FIELD_DOUBLE, &f));
  for (int i = 0; i < 3; i++) {
    assert_ok(ctx, sm_layer_add_feature(ctx, l, NULL, 0, &r));
    assert_ok(ctx, sm_layer_set_double(ctx, l, r, f, 40.0 * i));
  }
  sm_style *s = NULL;
  assert_ok(ctx, sm_style_for_layer(ctx, l, &s));
  assert_int_equal(sm_style_get_kind(s), SM_STYLE_CLASSES);
  assert_uppers(s, (double[]){20, 40, 60, 80, 100}, 5);
  uint8_t rgba[4];
  sm_style_color(s, 0, rgba); /* a field's first class is closed: 0 is drawn */
  assert_int_equal(rgba[3], 255);
  sm_style_color(s, -1, rgba);
  assert_int_equal(rgba[3], 0);
  sm_style_destroy(s);
  sm_layer_destroy(l);
  /* counts per km²: the legend says the units */
  assert_ok(ctx, sm_layer_create(ctx, &l, "ward_counts", SM_GEOM_MULTIPOLYGON, "EPSG:27700"));
  size_t k, t;
  assert_ok(ctx, sm_layer_add_field(ctx, l, "total", SM_FIELD_INT64, &t));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "per_km2", SM_FIELD_DOUBLE, &k));
  for (int i = 0; i < 10; i++) {
    assert_ok(ctx, sm_layer_add_feature(ctx, l, NULL, 0, &r));
    assert_ok(ctx, sm_layer_set_double(ctx, l, r, k, 10.0 * (i + 1)));
  }
  assert_ok(ctx, sm_style_for_layer(ctx, l, &s));
  assert_uppers(s, (double[]){20, 40, 60, 80, 100}, 5);
  sm_style_class c;
  assert_ok(ctx, sm_style_class_get(s, 0, &c));
  assert_string_equal(c.label, "10 \xe2\x80\x93 20 per km\xc2\xb2");
  sm_style_destroy(s);
  sm_layer_destroy(l);
}

/* Every bad option is refused with SM_E_INVALID_ARG and a message; nothing to draw is SM_E_INPUT. */
static void bad_options(void **state) {
  (void)state;
  sm_raster *r = surface(FIVE, 5);
  sm_style *s = (sm_style *)1;
  sm_style_options o = SM_STYLE_OPTIONS_INIT;
  o.ramp = "rainbow";
  assert_int_equal(sm_style_for_raster(ctx, r, &o, &s), SM_E_INVALID_ARG);
  assert_null(s);
  assert_contains(sm_ctx_last_error(ctx), "unknown colour ramp 'rainbow'");
  o = (sm_style_options)SM_STYLE_OPTIONS_INIT;
  o.n_classes = 1;
  assert_int_equal(sm_style_for_raster(ctx, r, &o, &s), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "1 classes: give 2 to 12");
  o.n_classes = 13;
  assert_int_equal(sm_style_for_raster(ctx, r, &o, &s), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "13 classes");
  o = (sm_style_options)SM_STYLE_OPTIONS_INIT;
  o.method = SM_CLASSES_FIXED;
  o.breaks = (const double[]){1, 5, 5};
  o.n_breaks = 3;
  assert_int_equal(sm_style_for_raster(ctx, r, &o, &s), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "increasing (break 3 is 5)");
  o.breaks = (const double[]){0, 5};
  o.n_breaks = 2;
  assert_int_equal(sm_style_for_raster(ctx, r, &o, &s), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "the first fixed break 0 is not above the threshold 0");
  o.breaks = NULL;
  assert_int_equal(sm_style_for_raster(ctx, r, &o, &s), SM_E_INVALID_ARG);
  o = (sm_style_options)SM_STYLE_OPTIONS_INIT;
  o.opacity = 1.5;
  assert_int_equal(sm_style_for_raster(ctx, r, &o, &s), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "opacity 1.5");
  o = (sm_style_options)SM_STYLE_OPTIONS_INIT;
  o.version = 99;
  assert_int_equal(sm_style_for_raster(ctx, r, &o, &s), SM_E_INVALID_ARG);
  assert_int_equal(sm_style_options_init(&o, 99), SM_E_INVALID_ARG);
  /* nothing above the threshold */
  o = (sm_style_options)SM_STYLE_OPTIONS_INIT;
  o.threshold = 100;
  assert_int_equal(sm_style_for_raster(ctx, r, &o, &s), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "no value above 100");
  sm_raster_destroy(r);
  r = surface((double[]){0, 0, NAN}, 3);
  assert_int_equal(sm_style_for_raster(ctx, r, NULL, &s), SM_E_INPUT);
  assert_null(s);
  sm_raster_destroy(r);
  uint8_t rgb[3];
  assert_int_equal(sm_style_ramp_color(ctx, "nope", 0.5, rgb), SM_E_INVALID_ARG);
  assert_ok(ctx, sm_style_ramp_color(ctx, "magma", 2, rgb)); /* clamped */
  assert_int_equal(sm_style_for_layer(ctx, NULL, &s), SM_E_INVALID_ARG);
}

/* R's classInt (fisher) and quantile(type = 1) on a fixed vector: tests/golden/style/classint.R */
static const double GOLDEN_X[] = {0.5,  1.1,  1.3,  2.0,  2.2,  2.9,  4.8,  5.1,  5.3,  5.9,  6.2, 9.7,
                                  10.1, 10.4, 11.0, 15.2, 15.9, 16.4, 23.0, 24.5, 31.7, 32.2, 40.8, 41.0,
                                  55.3, 3.3,  7.7,  12.6, 19.9, 27.4, 36.1, 48.2, 0.9,  8.8,  13.5};

static void golden_classint(void **state) {
  (void)state;
  FILE *f = fopen(SM_TEST_SRCDIR "/tests/golden/style/classint_expected.txt", "r");
  assert_non_null(f);
  char line[1024];
  int checked = 0;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    char method[32];
    int k, used;
    if (sscanf(line, "%31s %d%n", method, &k, &used) != 2) continue;
    double want[12];
    size_t n = 0;
    for (char *p = line + used, *e; n < 12; p = e) {
      want[n] = strtod(p, &e);
      if (e == p) break;
      n++;
    }
    assert_int_equal(n, (size_t)k);
    sm_style *s = ramp(GOLDEN_X, sizeof GOLDEN_X / sizeof *GOLDEN_X,
                       strcmp(method, "fisher") ? SM_CLASSES_QUANTILE : SM_CLASSES_JENKS, k);
    assert_uppers(s, want, n);
    sm_style_destroy(s);
    checked++;
  }
  fclose(f);
  assert_int_equal(checked, 5);
}

/* QML and JSON of every kind, parsed by Python (skipped when /usr/bin/python3 is missing). */
static void qml_and_json_parse(void **state) {
  (void)state;
  if (access("/usr/bin/python3", X_OK) != 0) {
    print_message("skipped: no /usr/bin/python3\n");
    return;
  }
  sm_style *styles[4];
  styles[0] = ramp(FIVE, 5, SM_CLASSES_QUANTILE, 3);
  const char *names[] = {"hotspots", "moran", "scan_clusters"};
  const char *fields[] = {"gi_bin", "lisa_class", "cluster"};
  for (int i = 0; i < 3; i++) {
    sm_layer *l;
    assert_ok(ctx, sm_layer_create(ctx, &l, names[i], SM_GEOM_POLYGON, "EPSG:27700"));
    assert_ok(ctx, sm_layer_add_field(ctx, l, fields[i], i ? SM_FIELD_STRING : SM_FIELD_INT64, NULL));
    assert_ok(ctx, sm_style_for_layer(ctx, l, &styles[i + 1]));
    sm_layer_destroy(l);
  }
  for (int i = 0; i < 4; i++) {
    char *qml = NULL, *json = NULL, name[32];
    assert_ok(ctx, sm_style_qml(ctx, styles[i], i ? SM_GEOM_POLYGON : SM_GEOM_NONE, &qml));
    assert_ok(ctx, sm_style_json(ctx, styles[i], &json));
    snprintf(name, sizeof name, "s%d.qml", i);
    tu_write(name, qml);
    snprintf(name, sizeof name, "s%d.json", i);
    tu_write(name, json);
    sm_free(qml), sm_free(json);
    sm_style_destroy(styles[i]);
  }
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c 'import sys, json, xml.etree.ElementTree as E\n"
           "for i in range(4):\n"
           "  q = E.parse(sys.argv[1] + \"/s%%d.qml\" %% i).getroot()\n"
           "  assert q.tag == \"qgis\", q.tag\n"
           "  j = json.load(open(sys.argv[1] + \"/s%%d.json\" %% i))\n"
           "  assert j[\"kind\"] in (\"ramp\", \"categories\", \"single\"), j\n"
           "  assert (q.find(\"pipe\") is not None) == (j[\"kind\"] == \"ramp\")\n"
           "  n = len(q.findall(\".//item\")) - 1 if i == 0 else len(q.findall(\".//category\"))\n"
           "  assert n == len(j[\"classes\"]), (i, n)\n"
           "' '%s'",
           tu_dir());
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(quantile_breaks), cmocka_unit_test(wide_surface_ranks),       cmocka_unit_test(equal_breaks),    cmocka_unit_test(jenks_breaks),
      cmocka_unit_test(fixed_breaks),          cmocka_unit_test(colours_at_edges), cmocka_unit_test(threshold_transparent),
      cmocka_unit_test(layer_categories),      cmocka_unit_test(layer_classes),   cmocka_unit_test(bad_options),
      cmocka_unit_test(golden_classint),       cmocka_unit_test(qml_and_json_parse), cmocka_unit_test(large_surface_ranks),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
