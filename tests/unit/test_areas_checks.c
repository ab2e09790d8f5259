/* areas: the ward sources refused or reported (no id, duplicate ids, no
 * geometry, overlaps, sources that cannot be opened), the contiguity weights
 * of one area, and the count columns made from category names. */
#include "testutil.h"

#include <math.h>

static sm_ctx *ctx;
static char warnings[8192];

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

/* One square area: lower-left corner, side (0: no geometry), id (NULL: unset). */
typedef struct {
  double x0, y0, side;
  const char *id;
} square;

static size_t square_wkb(unsigned char *b, const square *s) {
  double xy[] = {s->x0, s->y0, s->x0, s->y0 + s->side, s->x0 + s->side, s->y0 + s->side, s->x0 + s->side, s->y0,
                 s->x0, s->y0};
  uint32_t v, n = 5;
  size_t o = 0;
  b[o++] = 1;
  v = 6, memcpy(b + o, &v, 4), o += 4;
  v = 1, memcpy(b + o, &v, 4), o += 4;
  b[o++] = 1;
  v = 3, memcpy(b + o, &v, 4), o += 4;
  v = 1, memcpy(b + o, &v, 4), o += 4;
  memcpy(b + o, &n, 4), o += 4;
  memcpy(b + o, xy, sizeof xy), o += sizeof xy;
  return o;
}

/* A GeoPackage of squares (EPSG:27700), ids in WD24CD, names "ward <i>". */
static const char *squares_gpkg(const char *name, const square *sq, size_t n) {
  const char *path = tu_path(name);
  sm_layer *l;
  assert_ok(ctx, sm_layer_create(ctx, &l, "wards", SM_GEOM_MULTIPOLYGON, "EPSG:27700"));
  size_t fid, fname;
  assert_ok(ctx, sm_layer_add_field(ctx, l, "WD24CD", SM_FIELD_STRING, &fid));
  assert_ok(ctx, sm_layer_add_field(ctx, l, "WD24NM", SM_FIELD_STRING, &fname));
  for (size_t i = 0; i < n; i++) {
    unsigned char b[256];
    size_t len = sq[i].side > 0 ? square_wkb(b, &sq[i]) : 0, row;
    assert_ok(ctx, sm_layer_add_feature(ctx, l, len ? b : NULL, len, &row));
    if (sq[i].id) assert_ok(ctx, sm_layer_set_string(ctx, l, row, fid, sq[i].id));
    char nm[32];
    snprintf(nm, sizeof nm, "ward %zu", i + 1);
    assert_ok(ctx, sm_layer_set_string(ctx, l, row, fname, nm));
  }
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  assert_ok(ctx, sm_write_layers(ctx, path, &l, 1, &wo));
  sm_layer_destroy(l);
  return path;
}

/* A row of k 100 m squares from (529000, 183000), ids "w1".."wk". */
static char ids[64][24];
static void row_of(square *sq, size_t k) {
  for (size_t i = 0; i < k; i++) {
    snprintf(ids[i], sizeof ids[i], "w%zu", i + 1);
    sq[i] = (square){529000 + 100.0 * (double)i, 183000, 100, ids[i]};
  }
}

static sm_status read_strict(const char *path, int strict, sm_areas **a) {
  sm_areas_options o = SM_AREAS_OPTIONS_INIT;
  o.analysis_crs = "EPSG:27700";
  o.strict = strict;
  *a = (sm_areas *)1;
  warnings[0] = '\0';
  return sm_areas_read(ctx, a, path, &o);
}

/* ---- ids ------------------------------------------------------------------------------ */
static void ward_without_id_refused(void **state) {
  (void)state;
  square sq[4];
  row_of(sq, 4);
  sq[2].id = NULL; /* NULL */
  sm_areas *a;
  assert_int_equal(read_strict(squares_gpkg("null_id.gpkg", sq, 4), 0, &a), SM_E_INPUT);
  assert_null(a);
  const char *e = sm_ctx_last_error(ctx);
  assert_contains(e, "layer 'wards'");
  assert_contains(e, "feature 3 (FID 3");
  assert_contains(e, "WD24CD is NULL");
  assert_contains(e, "--id-field");
  sq[2].id = "  "; /* blank */
  assert_int_equal(read_strict(squares_gpkg("empty_id.gpkg", sq, 4), 0, &a), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "WD24CD is empty");
}

/* The duplicate check covers any number of areas (it used to stop at 20,000). */
static void duplicate_ids_refused_in_large_layers(void **state) {
  (void)state;
  size_t n = 20100;
  square *sq = calloc(n, sizeof *sq);
  char(*id)[16] = calloc(n, sizeof *id);
  assert_non_null(sq);
  assert_non_null(id);
  for (size_t i = 0; i < n; i++) {
    snprintf(id[i], sizeof id[i], "a%zu", i);
    sq[i] = (square){500000 + 100.0 * (double)(i % 150), 180000 + 100.0 * (double)(i / 150), 100, id[i]};
  }
  sq[n - 1].id = id[20050];
  sm_areas *a;
  assert_int_equal(read_strict(squares_gpkg("dup_ids.gpkg", sq, n), 0, &a), SM_E_INPUT);
  assert_null(a);
  assert_contains(sm_ctx_last_error(ctx), "id 'a20050' in field WD24CD is used by features 20051 and 20100");
  free(sq);
  free(id);
}

/* ---- geometry --------------------------------------------------------------------------- */
static void ward_without_geometry_left_out(void **state) {
  (void)state;
  square sq[4];
  row_of(sq, 4);
  sq[1].side = 0;
  const char *path = squares_gpkg("no_geom.gpkg", sq, 4);
  sm_areas *a;
  assert_ok(ctx, read_strict(path, 0, &a));
  assert_int_equal(sm_areas_count(a), 3);
  assert_string_equal(sm_areas_id(a, 1), "w3");
  assert_contains(warnings, "'w2'");
  assert_contains(warnings, "left out");
  /* the count layer carries the warning */
  double x[] = {529050}, y[] = {183050};
  sm_points *p;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", 1, x, y, NULL, NULL));
  sm_layer *L;
  assert_ok(ctx, sm_areas_count_points(ctx, &L, NULL, a, p, "ward_counts"));
  assert_int_equal(sm_layer_feature_count(L), 3);
  assert_non_null(sm_layer_metadata_get(L, "warnings"));
  assert_contains(sm_layer_metadata_get(L, "warnings"), "1 area without geometry left out (w2)");
  sm_layer_destroy(L);
  sm_points_destroy(p);
  sm_areas_destroy(a);
  /* --strict: refused */
  assert_int_equal(read_strict(path, 1, &a), SM_E_GEOMETRY);
  assert_contains(sm_ctx_last_error(ctx), "'w2'");
  assert_contains(sm_ctx_last_error(ctx), "--strict");
  /* none with a geometry: refused */
  for (int i = 0; i < 4; i++) sq[i].side = 0;
  assert_int_equal(read_strict(squares_gpkg("no_geom_at_all.gpkg", sq, 4), 0, &a), SM_E_GEOMETRY);
  assert_contains(sm_ctx_last_error(ctx), "none of its 4 features has a geometry");
}

static void overlapping_wards_reported(void **state) {
  (void)state;
  square sq[4];
  row_of(sq, 3);
  sq[3] = (square){529050, 183000, 100, "w4"}; /* half over w1, half over w2 */
  const char *path = squares_gpkg("overlap.gpkg", sq, 4);
  sm_areas *a;
  assert_ok(ctx, read_strict(path, 0, &a));
  assert_contains(warnings, "2 pairs of areas overlap");
  assert_contains(warnings, "'w1' (ward 1) and 'w4' (ward 4) by 5,000 m²");
  assert_contains(warnings, "'w2' (ward 2) and 'w4' (ward 4) by 5,000 m²");
  assert_contains(warnings, "first of them in the source's order");
  /* the documented rule: a point in w1 and w4 is in w1, the first */
  double x[] = {529075, 529125}, y[] = {183050, 183050};
  sm_points *p;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", 2, x, y, NULL, NULL));
  int32_t where[2];
  assert_ok(ctx, sm_areas_locate(ctx, a, p, where, NULL));
  assert_int_equal(where[0], 0);
  assert_int_equal(where[1], 1);
  sm_layer *L;
  assert_ok(ctx, sm_areas_count_points(ctx, &L, NULL, a, p, "ward_counts"));
  assert_contains(sm_layer_metadata_get(L, "warnings"), "2 pairs of areas overlap");
  sm_layer_destroy(L);
  /* every pipeline's recipe carries the areas' warnings, once */
  sm_result *r = NULL;
  assert_ok(ctx, sm_count_run(ctx, &r, p, a, NULL));
  const char *w = sm_layer_metadata_get(sm_result_layer(r, 0), "warnings");
  assert_contains(w, "2 pairs of areas overlap");
  assert_null(strstr(strstr(w, "2 pairs of areas overlap") + 1, "2 pairs of areas overlap"));
  sm_result_destroy(r);
  sm_kde_run_options ko = SM_KDE_RUN_OPTIONS_INIT;
  ko.surface.bandwidth_m = 100, ko.surface.cell_m = 50;
  assert_ok(ctx, sm_kde_run(ctx, &r, p, a, &ko));
  assert_contains(sm_raster_metadata_get(sm_result_raster(r, 0), "warnings"), "2 pairs of areas overlap");
  sm_result_destroy(r);
  sm_points_destroy(p);
  sm_areas_destroy(a);
  assert_int_equal(read_strict(path, 1, &a), SM_E_GEOMETRY);
  assert_null(a);
  assert_contains(sm_ctx_last_error(ctx), "'w1' (ward 1) and 'w4' (ward 4) by 5,000 m²");
  assert_contains(sm_ctx_last_error(ctx), "--strict");
  /* overlaps whose outlines never cross: the same square twice, and a square inside another on its corner
   * (every vertex on the other's outline or inside it) */
  row_of(sq, 2);
  sq[2] = (square){529000, 183000, 100, "w1b"};
  sq[3] = (square){529100, 183000, 50, "w2c"};
  assert_ok(ctx, read_strict(squares_gpkg("within.gpkg", sq, 4), 0, &a));
  assert_contains(warnings, "2 pairs of areas overlap");
  assert_contains(warnings, "'w1' (ward 1) and 'w1b' (ward 3) by 10,000 m²");
  assert_contains(warnings, "'w2' (ward 2) and 'w2c' (ward 4) by 2,500 m²");
  sm_areas_destroy(a);
  /* a sliver (0.5 m²) and shared edges are not overlaps */
  row_of(sq, 3);
  sq[1].x0 -= 0.005;
  assert_ok(ctx, read_strict(squares_gpkg("sliver.gpkg", sq, 3), 1, &a));
  assert_true(strstr(warnings, "overlap") == NULL);
  sm_areas_destroy(a);
}

/* 144 squares in a 12 x 12 grid and 8 more, each half over two of them: 16 overlaps, reported in area order and
 * with the same words on 1, 2 and 3 threads (the check shares the areas among the threads). */
static void overlaps_same_on_any_thread_count(void **state) {
  (void)state;
  enum { G = 12, E = 8 };
  static char gid[G * G + E][16];
  square sq[G * G + E];
  for (int r = 0; r < G; r++)
    for (int c = 0; c < G; c++) {
      snprintf(gid[r * G + c], sizeof gid[0], "g%d_%d", r, c);
      sq[r * G + c] = (square){529000 + 100.0 * c, 183000 + 100.0 * r, 100, gid[r * G + c]};
    }
  for (int k = 0; k < E; k++) {
    snprintf(gid[G * G + k], sizeof gid[0], "e%d", k);
    sq[G * G + k] = (square){529000 + 100.0 * k + 50, 183000 + 100.0 * k, 100, gid[G * G + k]};
  }
  const char *path = squares_gpkg("overlap_grid.gpkg", sq, G * G + E);
  char first[8192] = "";
  for (int t = 1; t <= 3; t++) {
    assert_ok(ctx, sm_ctx_set_threads(ctx, t));
    sm_areas *a;
    assert_ok(ctx, read_strict(path, 0, &a));
    sm_areas_destroy(a);
    assert_contains(warnings, "16 pairs of areas overlap: 'g0_0' (ward 1) and 'e0' (ward 145) by 5,000 m²; "
                              "'g0_1' (ward 2) and 'e0' (ward 145) by 5,000 m²; 'g1_1' (ward 14) and 'e1' (ward 146) by "
                              "5,000 m²; 'g1_2' (ward 15) and 'e1' (ward 146) by 5,000 m²; 'g2_2' (ward 27) and 'e2' "
                              "(ward 147) by 5,000 m², ...");
    if (t == 1) snprintf(first, sizeof first, "%s", warnings);
    else assert_string_equal(warnings, first);
  }
  assert_ok(ctx, sm_ctx_set_threads(ctx, 0));
}

/* Cancelling while the areas are checked for overlaps (the check on the threads, the progress on the calling one):
 * the read stops, nothing is returned, on 1 and on 2 threads. */
static int overlap_calls;
static int cancel_in_overlaps(double f, const char *msg, void *user) {
  (void)user;
  if (strcmp(msg, "checking areas for overlaps") != 0 || !(f > 0.8 && f < 0.9)) return 1; /* go on: not in the loop */
  overlap_calls++;
  return 0; /* stop */
}

static void cancel_during_overlap_check(void **state) {
  (void)state;
  enum { G = 32 };
  static char gid[G * G][16];
  static square sq[G * G];
  for (int i = 0; i < G * G; i++) {
    snprintf(gid[i], sizeof gid[0], "c%d", i);
    sq[i] = (square){529000 + 100.0 * (i % G), 183000 + 100.0 * (i / G), 100, gid[i]};
  }
  const char *path = squares_gpkg("cancel_grid.gpkg", sq, G * G);
  for (int t = 1; t <= 2; t++) {
    assert_ok(ctx, sm_ctx_set_threads(ctx, t));
    sm_ctx_set_progress(ctx, cancel_in_overlaps, NULL);
    overlap_calls = 0;
    sm_areas *a;
    assert_int_equal(read_strict(path, 0, &a), SM_E_CANCELLED);
    assert_null(a);
    assert_int_equal(overlap_calls, 1);
    sm_ctx_set_progress(ctx, NULL, NULL);
  }
  assert_ok(ctx, sm_ctx_set_threads(ctx, 0));
}

/* ---- opening ---------------------------------------------------------------------------- */
/* A ward 1e12 m from the origin (the fuzzer's 1e211 m made the index's grid NaN): refused, naming the CRS. */
static void far_coordinates_refused(void **state) {
  (void)state;
  square sq[3];
  row_of(sq, 3);
  sq[2] = (square){1e12, 183000, 100, "w3"};
  sm_areas *a;
  assert_int_equal(read_strict(squares_gpkg("far.gpkg", sq, 3), 0, &a), SM_E_GEOMETRY);
  assert_null(a);
  assert_contains(sm_ctx_last_error(ctx), "'w3'");
  assert_contains(sm_ctx_last_error(ctx), "more than 1e9 m from its origin: is the wards' CRS right (--wards-crs)?");
}

static void unopenable_sources_say_why(void **state) {
  (void)state;
  sm_areas *a;
  assert_int_equal(read_strict(tu_path("no_such_wards.gpkg"), 0, &a), SM_E_IO);
  assert_contains(sm_ctx_last_error(ctx), "no_such_wards.gpkg': no such file or folder");
  mkdir(tu_path("empty_folder"), 0755);
  assert_int_equal(read_strict(tu_path("empty_folder"), 0, &a), SM_E_IO);
  assert_contains(sm_ctx_last_error(ctx), "it is a folder");
  assert_int_equal(read_strict(tu_write("zero.gpkg", ""), 0, &a), SM_E_IO);
  assert_contains(sm_ctx_last_error(ctx), "zero.gpkg': the file is empty (0 bytes)");
  assert_int_equal(read_strict(tu_write("text.gpkg", "not a geopackage\n"), 0, &a), SM_E_IO);
  assert_contains(sm_ctx_last_error(ctx), "text.gpkg': not a vector format GDAL can read");
  square sq[3];
  row_of(sq, 3);
  const char *path = squares_gpkg("three.gpkg", sq, 3);
  sm_areas_options o = SM_AREAS_OPTIONS_INIT;
  o.layer = "wrads";
  a = (sm_areas *)1;
  assert_int_equal(sm_areas_read(ctx, &a, path, &o), SM_E_INVALID_ARG);
  assert_null(a);
  assert_contains(sm_ctx_last_error(ctx), "no layer 'wrads' (given with --wards-layer); its layers: wards (Multi Polygon)");
}

/* ---- weights of one area ------------------------------------------------------------------ */
static void contiguity_of_one_area(void **state) {
  (void)state;
  square sq[1];
  row_of(sq, 1);
  sm_areas *a;
  assert_ok(ctx, read_strict(squares_gpkg("one.gpkg", sq, 1), 0, &a));
  sm_weights *w = NULL;
  assert_ok(ctx, sm_weights_contiguity(ctx, &w, a, 1, 0, 1, 1.0));
  assert_int_equal(sm_weights_count(w), 1);
  assert_int_equal(sm_weights_neighbours(w, 0), 1); /* itself */
  sm_weights_destroy(w);
  assert_ok(ctx, sm_weights_contiguity(ctx, &w, a, 1, 0, 0, 0));
  assert_int_equal(sm_weights_neighbours(w, 0), 0);
  sm_weights_destroy(w);
  sm_areas_destroy(a);
}

/* ---- category columns ----------------------------------------------------------------------- */
/* Points at (529050, 183050) with the given categories, one each, read from a CSV. */
static sm_points *points_with_categories(const char *name, const char *const *cats, size_t n) {
  const char *path = tu_path(name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "x,y,category\n");
  for (size_t i = 0; i < n; i++) {
    fputs("529050,183050,\"", f);
    for (const char *c = cats[i]; *c; c++) fputs(*c == '"' ? "\"\"" : (char[]){*c, 0}, f);
    fputs("\"\n", f);
  }
  fclose(f);
  sm_read_options ro = SM_READ_OPTIONS_INIT;
  ro.crs = "EPSG:27700";
  ro.analysis_crs = "EPSG:27700";
  ro.category_field = "category";
  sm_points *p = NULL;
  const char *src[] = {path};
  assert_ok(ctx, sm_points_read(ctx, &p, src, 1, &ro));
  return p;
}

static sm_layer *count_layer(const sm_points *p, sm_status want) {
  square sq[2];
  row_of(sq, 2);
  sm_areas *a;
  assert_ok(ctx, read_strict(squares_gpkg("two.gpkg", sq, 2), 0, &a));
  sm_layer *L = NULL;
  warnings[0] = '\0';
  assert_int_equal(sm_areas_count_points(ctx, &L, NULL, a, p, "ward_counts"), want);
  sm_areas_destroy(a);
  return L;
}

static void column_of(const sm_layer *L, const char *col, int64_t want) {
  long k = sm_layer_field_index(L, col);
  if (k < 0) fail_msg("no column %s", col);
  assert_int_equal(sm_layer_get_int(L, 0, (size_t)k), want);
}

static void category_columns_distinct_and_mapped(void **state) {
  (void)state;
  const char *cats[] = {"Burglary", "burglary", "fid", "geom", "Total", "area_km2", "Anti-social behaviour",
                        "Burglary", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAx",
                        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAy", "say \"hi\""};
  size_t n = sizeof cats / sizeof *cats;
  sm_points *p = points_with_categories("cats.csv", cats, n);
  sm_layer *L = count_layer(p, SM_OK);
  column_of(L, "total", (int64_t)n);
  column_of(L, "burglary", 2); /* "Burglary" sorts first: the plain name */
  column_of(L, "burglary_2", 1);
  column_of(L, "fid_2", 1);
  column_of(L, "geom_2", 1);
  column_of(L, "total_2", 1);
  column_of(L, "area_km2_2", 1);
  column_of(L, "anti_social_behaviour", 1);
  column_of(L, "say_hi", 1);
  char a63[64], a61[70];
  memset(a63, 'a', 63), a63[63] = '\0';
  memset(a61, 'a', 61), strcpy(a61 + 61, "_2");
  column_of(L, a63, 1);
  column_of(L, a61, 1);
  for (size_t c = 0; c < sm_layer_field_count(L); c++) assert_true(strlen(sm_layer_field_name(L, c)) <= 63);
  const char *map = sm_layer_metadata_get(L, "category_columns");
  assert_non_null(map);
  assert_contains(map, "burglary=\"Burglary\"");
  assert_contains(map, "burglary_2=\"burglary\"");
  assert_contains(map, "fid_2=\"fid\"");
  assert_contains(map, "say_hi=\"say \"\"hi\"\"\"");
  assert_contains(sm_layer_metadata_get(L, "warnings"), "category columns are not named by the plain rule");
  assert_contains(warnings, "total_2 for 'Total'");
  sm_layer_destroy(L);
  sm_points_destroy(p);
}

static void too_many_categories_refused(void **state) {
  (void)state;
  size_t n = 201;
  char(*names)[16] = calloc(n, sizeof *names);
  const char **cats = calloc(n, sizeof *cats);
  for (size_t i = 0; i < n; i++) snprintf(names[i], sizeof names[i], "type %03zu", i), cats[i] = names[i];
  sm_points *p = points_with_categories("many.csv", cats, n);
  sm_layer *L = count_layer(p, SM_E_INPUT);
  assert_null(L);
  assert_contains(sm_ctx_last_error(ctx), "201 distinct categories");
  assert_contains(sm_ctx_last_error(ctx), "more than 200 columns");
  assert_contains(sm_ctx_last_error(ctx), "--type");
  sm_points_destroy(p);
  /* 200 are fine */
  p = points_with_categories("many200.csv", cats, 200);
  L = count_layer(p, SM_OK);
  column_of(L, "type_199", 1);
  sm_layer_destroy(L);
  sm_points_destroy(p);
  free(cats);
  free(names);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ward_without_id_refused),
      cmocka_unit_test(duplicate_ids_refused_in_large_layers),
      cmocka_unit_test(ward_without_geometry_left_out),
      cmocka_unit_test(overlapping_wards_reported),
      cmocka_unit_test(overlaps_same_on_any_thread_count),
      cmocka_unit_test(cancel_during_overlap_check),
      cmocka_unit_test(far_coordinates_refused),
      cmocka_unit_test(unopenable_sources_say_why),
      cmocka_unit_test(contiguity_of_one_area),
      cmocka_unit_test(category_columns_distinct_and_mapped),
      cmocka_unit_test(too_many_categories_refused),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
