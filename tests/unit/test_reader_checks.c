/* The reader's checks of impossible or misleading point data: police.uk points outside the UK (swapped
 * columns), points and areas that do not overlap, a header naming a column twice, CR-only line ends,
 * "no points" with its reasons, police.uk rows repeated across files. Through the public API, plus the
 * internal knob that makes the parallel CSV reader cut small files. */
#include "testutil.h"

#include "internal/sm_internal.h"
#include "internal/reader.h"

TU_CTX_FIXTURE

/* A police.uk file: rows "ID,MONTH,LON,LAT" (the rest filled in). */
static const char *puk(const char *name, const char *header, const char *const *rows, size_t n) {
  static char buf[8192];
  size_t k = (size_t)snprintf(buf, sizeof buf, "%s", header ? header : PUK_HEADER);
  for (size_t i = 0; i < n; i++) {
    char f[4][128] = {{0}};
    const char *q = rows[i];
    for (int j = 0; j < 4; j++) {
      size_t len = strcspn(q, ",");
      if (len >= sizeof f[j]) fail_msg("bad row %s", rows[i]);
      memcpy(f[j], q, len);
      q += len + (q[len] == ',');
    }
    const char *id = f[0], *month = f[1], *lon = f[2], *lat = f[3];
    k += (size_t)snprintf(buf + k, sizeof buf - k,
                          "%s,%s,Metropolitan Police Service,Metropolitan Police Service,%s,%s,On or near X Street,"
                          "E01000907,Camden 001A,Burglary,Under investigation,\n",
                          id, month, lon, lat);
  }
  return tu_write(name, buf);
}

static const char *const CAMDEN[] = {
    "a1,2024-01,-0.142534,51.564511", "a2,2024-01,-0.151036,51.562289", "a3,2024-01,-0.140000,51.550000",
    "a4,2024-01,-0.160000,51.545000", "a5,2024-01,-0.130000,51.540000", "a6,2024-01,-0.170000,51.552000",
};
#define N_CAMDEN (sizeof CAMDEN / sizeof *CAMDEN)

static sm_status read1(const char *path, sm_points **p, const sm_read_options *o) {
  const char *src[] = {path};
  return sm_points_read(ctx, p, src, 1, o);
}

/* ---- police.uk points outside the UK -------------------------------------------------------- */
static void swapped_policeuk_header_refused(void **state) {
  (void)state;
  const char *hdr = "Crime ID,Month,Reported by,Falls within,Latitude,Longitude,Location,LSOA code,LSOA name,Crime "
                    "type,Last outcome category,Context\n";
  const char *f = puk("swapped_header.csv", hdr, CAMDEN, N_CAMDEN);
  sm_points *p = NULL;
  assert_int_equal(read1(f, &p, NULL), SM_E_INPUT);
  assert_null(p);
  const char *m = sm_ctx_last_error(ctx);
  assert_contains(m, "swapped_header.csv:2");
  assert_contains(m, "Longitude 51.564511, Latitude -0.142534");
  assert_contains(m, "outside the UK");
  assert_contains(m, "swapped?");
  assert_contains(m, "--lon Latitude --lat Longitude");
  /* the fix the message gives works */
  sm_read_options o = SM_READ_OPTIONS_INIT;
  o.lon_field = "Latitude";
  o.lat_field = "Longitude";
  assert_ok(ctx, read1(f, &p, &o));
  assert_int_equal(sm_points_count(p), N_CAMDEN);
  assert_string_equal(sm_points_crs(p), "EPSG:27700");
  sm_points_destroy(p);
}

static void policeuk_outside_uk_refused(void **state) {
  (void)state;
  const char *const rows[] = {"b1,2024-01,2.35,48.85", "b2,2024-01,2.36,48.86", "b3,2024-01,2.34,48.84"};
  sm_points *p = NULL;
  assert_int_equal(read1(puk("paris.csv", NULL, rows, 3), &p, NULL), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "paris.csv:2: Longitude 2.35, Latitude 48.85: outside the UK");
  assert_contains(sm_ctx_last_error(ctx), "England, Wales and Northern Ireland");
}

static void policeuk_one_stray_row_is_a_skipped_row(void **state) {
  (void)state;
  const char *rows[N_CAMDEN + 1];
  for (size_t i = 0; i < N_CAMDEN; i++) rows[i] = CAMDEN[i];
  rows[N_CAMDEN] = "z9,2024-01,51.5,-0.12";
  sm_points *p = NULL;
  assert_ok(ctx, read1(puk("stray.csv", NULL, rows, N_CAMDEN + 1), &p, NULL));
  assert_int_equal(sm_points_count(p), N_CAMDEN);
  assert_int_equal(sm_points_rows_bad(p, SM_BAD_LATLON_SWAPPED), 1);
  sm_points_destroy(p);
}

static void generic_swapped_warned(void **state) {
  (void)state;
  const char *f = tu_write("generic_swapped.csv", "lon,lat\n51.56,-0.14\n51.55,-0.15\n51.54,-0.13\n");
  sm_points *p = NULL;
  assert_ok(ctx, read1(f, &p, NULL));
  assert_contains(sm_points_warnings(p), "generic_swapped.csv");
  assert_contains(sm_points_warnings(p), "are the columns swapped?");
  assert_contains(sm_points_warnings(p), "--lon lat --lat lon");
  sm_points_destroy(p);
  sm_read_options o = SM_READ_OPTIONS_INIT;
  o.strict = 1;
  assert_int_equal(read1(f, &p, &o), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "--strict makes this an error");
  /* out of range values are skipped rows, as before */
  assert_ok(ctx, read1(tu_write("generic_range.csv", "lon,lat\n-0.14,51.56\n-0.15,95\n500,51.5\n"), &p, NULL));
  assert_int_equal(sm_points_count(p), 1);
  assert_int_equal(sm_points_rows_bad(p, SM_BAD_LATLON_RANGE) + sm_points_rows_bad(p, SM_BAD_LATLON_SWAPPED), 2);
  assert_null(sm_points_warnings(p));
  sm_points_destroy(p);
}

/* ---- points and areas that do not overlap ---------------------------------------------------- */
static void points_and_wards_apart_refused(void **state) {
  (void)state;
  const char *const rows[] = {"m1,2024-01,-2.241,53.481", "m2,2024-01,-2.242,53.482", "m3,2024-01,-2.243,53.483"};
  sm_points *p = NULL;
  sm_areas *a = NULL;
  assert_ok(ctx, read1(puk("manchester.csv", NULL, rows, 3), &p, NULL));
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  ao.analysis_crs = sm_points_crs(p);
  assert_ok(ctx, sm_areas_read(ctx, &a, TU_CAMDEN_WARDS, &ao));
  assert_int_equal(sm_points_check(ctx, p, a), SM_E_INPUT);
  const char *m = sm_ctx_last_error(ctx);
  assert_contains(m, "do not overlap");
  assert_contains(m, "manchester.csv");
  assert_contains(m, "EPSG:27700");
  assert_contains(m, "chosen from the points' centre");
  /* every pipeline asks */
  sm_result *r = NULL;
  assert_int_equal(sm_count_run(ctx, &r, p, a, NULL), SM_E_INPUT);
  assert_null(r);
  assert_contains(sm_ctx_last_error(ctx), "do not overlap");
  assert_int_equal(sm_points_check(ctx, p, NULL), SM_OK);
  sm_areas_destroy(a);
  sm_points_destroy(p);
}

/* Many points apart from the areas (their extent found on the threads, a run each): the message gives the same
 * extent, to the metre, on 1, 2 and 3 threads, with each extreme inside a different run. */
static void many_points_apart_extent(void **state) {
  (void)state;
  size_t n = 90001;
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  for (size_t i = 0; i < n; i++) x[i] = 383000 + (double)(i % 997), y[i] = 398000 + (double)(i % 991);
  x[12345] = 381234, x[45678] = 389876, y[61234] = 397111, y[88888] = 401234;
  sm_points *p = NULL;
  sm_areas *a = NULL;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", n, x, y, NULL, NULL));
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  ao.analysis_crs = "EPSG:27700";
  assert_ok(ctx, sm_areas_read(ctx, &a, TU_CAMDEN_WARDS, &ao));
  for (int th = 1; th <= 3; th++) {
    sm_ctx_set_threads(ctx, th);
    assert_int_equal(sm_points_check(ctx, p, a), SM_E_INPUT);
    assert_contains(sm_ctx_last_error(ctx), "cover x 381234 to 389876, y 397111 to 401234");
  }
  sm_ctx_set_threads(ctx, 0);
  sm_areas_destroy(a);
  sm_points_destroy(p);
  free(x), free(y);
}

static void camden_points_and_wards_overlap(void **state) {
  (void)state;
  sm_points *p = NULL;
  sm_areas *a = NULL;
  assert_int_equal(tu_read_camden(ctx, &p, &a, NULL), 0);
  assert_ok(ctx, sm_points_check(ctx, p, a));
  assert_int_equal(sm_points_rows_filtered(p, SM_FILTER_DUPLICATE), 0); /* the bundled files repeat no row */
  assert_null(sm_points_warnings(p));
  sm_areas_destroy(a);
  sm_points_destroy(p);
}

/* ---- no points: why ------------------------------------------------------------------------ */
static void no_points_says_why(void **state) {
  (void)state;
  const char *const rows[] = {"c1,2024-01,,", "c2,2024-01,,"};
  sm_points *p = NULL;
  assert_ok(ctx, read1(puk("nocoords.csv", NULL, rows, 2), &p, NULL));
  assert_int_equal(sm_points_check(ctx, p, NULL), SM_E_INPUT);
  const char *m = sm_ctx_last_error(ctx);
  assert_contains(m, "no points: 2 rows read, every one skipped or filtered out (");
  assert_contains(m, "nocoords.csv): 2 skipped for no coordinates (e.g. ");
  assert_contains(m, "nocoords.csv:2: fields 'Longitude' and 'Latitude' are empty)");
  sm_result *r = NULL;
  assert_int_equal(sm_kde_run(ctx, &r, p, NULL, NULL), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "no points to estimate a density from: 2 rows read");
  assert_contains(sm_ctx_last_error(ctx), "nocoords.csv:2");
  sm_points_destroy(p);
  /* left out by a filter: the filter and the option to check */
  sm_read_options o = SM_READ_OPTIONS_INIT;
  o.time_from = "2030-01";
  assert_ok(ctx, read1(puk("early.csv", NULL, CAMDEN, N_CAMDEN), &p, &o));
  assert_int_equal(sm_points_check(ctx, p, NULL), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "6 left out by the time range filter");
  assert_contains(sm_ctx_last_error(ctx), "--from/--to");
  sm_points_destroy(p);
}

/* ---- a header naming a column twice -------------------------------------------------------- */
static void duplicate_column_warned(void **state) {
  (void)state;
  const char *f = tu_write("dupcol.csv", "lon,lat,Month,Month\n-0.14,51.56,2024-01,2023-05\n-0.15,51.55,2024-02,2023-06\n");
  sm_points *p = NULL;
  assert_ok(ctx, read1(f, &p, NULL));
  assert_contains(sm_points_warnings(p), "dupcol.csv: the header names column 'Month' twice (columns 3 and 4)");
  assert_contains(sm_points_warnings(p), "column 3 is used");
  char b[16];
  sm_time_format(sm_points_time(p)[0], SM_TIME_MONTH, b, sizeof b);
  assert_string_equal(b, "2024-01");
  /* the warning goes with what is made of the points, in its recipe */
  sm_kde_run_options ko = SM_KDE_RUN_OPTIONS_INIT;
  ko.surface.bandwidth_m = 500, ko.surface.cell_m = 100;
  sm_result *r = NULL;
  assert_ok(ctx, sm_kde_run(ctx, &r, p, NULL, &ko));
  assert_contains(sm_raster_metadata_get(sm_result_raster(r, 0), "warnings"), "the header names column 'Month' twice");
  sm_result_destroy(r);
  sm_points_destroy(p);
  sm_read_options o = SM_READ_OPTIONS_INIT;
  o.strict = 1;
  assert_int_equal(read1(f, &p, &o), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "'Month' twice (columns 3 and 4)");
  /* "Longitude" twice */
  assert_int_equal(read1(tu_write("duplon.csv", "Longitude,Latitude,Longitude\n-0.14,51.56,9\n"), &p, &o), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "'Longitude' twice (columns 1 and 3)");
  /* a name repeated in a column not used is not ours to judge */
  assert_ok(ctx, read1(tu_write("dupunused.csv", "lon,lat,note,note\n-0.14,51.56,a,b\n"), &p, &o));
  assert_null(sm_points_warnings(p));
  sm_points_destroy(p);
}

/* ---- a NUL byte in a category (the fuzzer's: the string table read past the stored name) -------- */
static void category_with_nul_byte(void **state) {
  (void)state;
  static const char body[] = "x,y,cat\n529000,184000,ab\n529100,184100,ab\0cd\n529200,184200,abc\n";
  const char *f = tu_path("nulcat.csv");
  FILE *fp = fopen(f, "wb");
  assert_non_null(fp);
  fwrite(body, 1, sizeof body - 1, fp);
  fclose(fp);
  sm_read_options o = SM_READ_OPTIONS_INIT;
  o.crs = "EPSG:27700", o.x_field = "x", o.y_field = "y", o.category_field = "cat";
  sm_points *p = NULL;
  assert_ok(ctx, read1(f, &p, &o));
  assert_int_equal(sm_points_count(p), 3);
  assert_int_equal(sm_points_category_count(p), 2); /* "ab" (twice: the name ends at the NUL) and "abc" */
  assert_string_equal(sm_points_category_name(p, 0), "ab");
  assert_string_equal(sm_points_category_name(p, 1), "abc");
  sm_points_destroy(p);
}

/* ---- CR-only line ends ---------------------------------------------------------------------- */
static void cr_only_lines_read(void **state) {
  (void)state;
  const char *f = tu_write("cr.csv", "lon,lat,Month\r-0.14,51.56,2024-01\r-0.15,51.55,2024-02\r\"-0.13\",51.54,2024-03\r");
  sm_points *p = NULL;
  assert_ok(ctx, read1(f, &p, NULL));
  assert_int_equal(sm_points_count(p), 3);
  assert_int_equal(sm_points_rows_read(p), 3);
  assert_true(sm_points_lon(p)[2] == -0.13);
  sm_points_destroy(p);
  /* and on several threads, in small chunks */
  sm_ctx_set_threads(ctx, 3);
  sm_read_tuning tune = {1, 7, 0, 0};
  const char *src[] = {f};
  assert_ok(ctx, sm__points_read_tuned(ctx, &p, src, 1, NULL, &tune));
  assert_int_equal(sm_points_count(p), 3);
  sm_points_destroy(p);
  sm_ctx_set_threads(ctx, 1);
}

/* The coordinate checks and the --extent filter run on the threads, the rows they drop reported in row order: 300,000
 * rows with bad ones here and there (out of range, swapped) and some outside the extent give the same points,
 * counts and examples on 1, 2 and 3 threads. */
static void checks_on_threads(void **state) {
  (void)state;
  enum { N = 300000 };
  size_t cap = (size_t)N * 40 + 64, k = 0;
  char *buf = malloc(cap);
  assert_non_null(buf);
  k += (size_t)snprintf(buf + k, cap - k, "lon,lat\n");
  for (int i = 0; i < N; i++) {
    if (i % 49999 == 7) /* out of range */
      k += (size_t)snprintf(buf + k, cap - k, "%d.5,51.5\n", 200 + i % 3);
    else if (i % 70001 == 11) /* swapped */
      k += (size_t)snprintf(buf + k, cap - k, "51.%d,-0.1\n", 40 + i % 50);
    else
      k += (size_t)snprintf(buf + k, cap - k, "-0.%04d,51.%04d\n", 1000 + i % 3000, 4000 + (i * 7) % 3000);
  }
  const char *f = tu_write("checks_threads.csv", buf);
  free(buf);
  sm_read_options o = SM_READ_OPTIONS_INIT;
  o.analysis_crs = "EPSG:27700";
  o.has_extent = 1;
  double ext[4] = {515000, 175000, 535000, 195000};
  memcpy(o.extent, ext, sizeof ext);
  sm_points *p[3];
  for (int t = 0; t < 3; t++) {
    sm_ctx_set_threads(ctx, t + 1);
    assert_ok(ctx, read1(f, &p[t], &o));
  }
  sm_ctx_set_threads(ctx, 1);
  size_t n = sm_points_count(p[0]);
  if (!(n > N / 4 && n < N - 1000)) fail_msg("%zu points kept", n); /* some outside the extent */
  assert_int_equal(sm_points_rows_bad(p[0], SM_BAD_LATLON_RANGE), 6);
  for (int t = 1; t < 3; t++) {
    assert_int_equal(sm_points_count(p[t]), n);
    assert_memory_equal(sm_points_x(p[0]), sm_points_x(p[t]), n * sizeof(double));
    assert_memory_equal(sm_points_y(p[0]), sm_points_y(p[t]), n * sizeof(double));
    for (int why = 0; why < SM_BAD_REASON_END_; why++) {
      assert_int_equal(sm_points_rows_bad(p[0], (sm_bad_reason)why), sm_points_rows_bad(p[t], (sm_bad_reason)why));
      size_t ne = sm_points_bad_example_count(p[0], (sm_bad_reason)why);
      assert_int_equal(ne, sm_points_bad_example_count(p[t], (sm_bad_reason)why));
      for (size_t e = 0; e < ne; e++)
        assert_string_equal(sm_points_bad_example(p[0], (sm_bad_reason)why, e), sm_points_bad_example(p[t], (sm_bad_reason)why, e));
    }
    assert_int_equal(sm_points_rows_filtered(p[0], SM_FILTER_EXTENT), sm_points_rows_filtered(p[t], SM_FILTER_EXTENT));
  }
  assert_true(sm_points_rows_filtered(p[0], SM_FILTER_EXTENT) > 1000);
  assert_true(sm_points_rows_bad(p[0], SM_BAD_LATLON_SWAPPED) + sm_points_rows_bad(p[0], SM_BAD_OUTSIDE_CRS) >= 4);
  for (int t = 0; t < 3; t++) sm_points_destroy(p[t]);
}

/* ---- police.uk rows repeated across files --------------------------------------------------- */
static void repeats_across_files_counted_once(void **state) {
  (void)state;
  const char *const extra[] = {"a1,2024-01,-0.142534,51.564511", "x7,2024-01,-0.150000,51.551000",
                               ",2024-01,-0.170000,51.552000", ",2024-01,-0.170000,51.552000"};
  const char *const first[] = {CAMDEN[0], CAMDEN[1], CAMDEN[2], ",2024-01,-0.170000,51.552000"};
  char a[512], b[512];
  snprintf(a, sizeof a, "%s", puk("borough.csv", NULL, first, 4));
  snprintf(b, sizeof b, "%s", puk("force.csv", NULL, extra, 4));
  const char *src[] = {a, b};
  for (int pass = 0; pass < 2; pass++) {
    sm_points *p = NULL;
    sm_read_tuning tune = {1, 5, 0, 0};
    sm_ctx_set_threads(ctx, pass ? 3 : 1);
    assert_ok(ctx, sm__points_read_tuned(ctx, &p, src, 2, NULL, pass ? &tune : NULL));
    assert_int_equal(sm_points_rows_read(p), 8);
    assert_int_equal(sm_points_rows_filtered(p, SM_FILTER_DUPLICATE), 1); /* a1; empty Crime IDs never */
    assert_int_equal(sm_points_count(p), 7);
    assert_contains(sm_points_warnings(p), "1 police.uk row repeats rows of another file");
    assert_contains(sm_points_warnings(p), "Crime ID a1 in ");
    assert_contains(sm_points_warnings(p), "force.csv:2 and ");
    assert_contains(sm_points_warnings(p), "borough.csv:2");
    sm_points_destroy(p);
  }
  sm_ctx_set_threads(ctx, 1);
  /* the same Crime ID at another place or month is not a repeat */
  const char *const moved[] = {"a1,2024-02,-0.142534,51.564511", "a2,2024-01,-0.151,51.562289"};
  snprintf(b, sizeof b, "%s", puk("moved.csv", NULL, moved, 2));
  sm_points *p = NULL;
  assert_ok(ctx, sm_points_read(ctx, &p, src, 2, NULL));
  assert_int_equal(sm_points_rows_filtered(p, SM_FILTER_DUPLICATE), 0);
  assert_int_equal(sm_points_count(p), 6);
  sm_points_destroy(p);
  assert_string_equal(sm_filter_reason_str(SM_FILTER_DUPLICATE), "duplicate");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(swapped_policeuk_header_refused), cmocka_unit_test(checks_on_threads),
      cmocka_unit_test(policeuk_outside_uk_refused),
      cmocka_unit_test(policeuk_one_stray_row_is_a_skipped_row),
      cmocka_unit_test(generic_swapped_warned),
      cmocka_unit_test(points_and_wards_apart_refused),
      cmocka_unit_test(many_points_apart_extent),
      cmocka_unit_test(camden_points_and_wards_overlap),
      cmocka_unit_test(no_points_says_why),
      cmocka_unit_test(duplicate_column_warned),
      cmocka_unit_test(category_with_nul_byte),
      cmocka_unit_test(cr_only_lines_read),
      cmocka_unit_test(repeats_across_files_counted_once),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
