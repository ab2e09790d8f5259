/* sources: every file read once however it is reached (given twice, a folder and a file inside it,
 * overlapping globs, a link to a file already given), folder loops not followed, each named in a warning;
 * and an output refused when it is one of the inputs (sm_write_options.inputs). Public API. */
#include "testutil.h"

#include <errno.h>

static sm_ctx *ctx;
static char warnings[8192];

static void on_log(sm_log_level level, const char *msg, void *user) {
  (void)user;
  if (level != SM_LOG_WARNING) return;
  size_t n = strlen(warnings);
  snprintf(warnings + n, sizeof warnings - n, "%s\n", msg);
}

static int setup(void **state) {
  (void)state;
  if (sm_ctx_create(&ctx) != SM_OK) return 1;
  sm_ctx_set_log(ctx, on_log, SM_LOG_WARNING, NULL);
  return 0;
}
static int teardown(void **state) {
  (void)state;
  sm_ctx_destroy(ctx);
  return 0;
}

#define MONTH1 TU_CAMDEN_POINTS "/2022-03-metropolitan-street-burglary-camden.csv" /* 160 rows */
#define MONTH2 TU_CAMDEN_POINTS "/2022-04-metropolitan-street-burglary-camden.csv"

/* Reads the sources; checks the rows, the files and the warnings (NULL: none). */
static void read_expect(const char *const *src, size_t n, size_t rows, size_t files, const char *warning) {
  warnings[0] = '\0';
  sm_points *p = NULL;
  assert_ok(ctx, sm_points_read(ctx, &p, src, n, NULL));
  assert_int_equal(sm_points_rows_read(p), rows);
  assert_int_equal(sm_points_count(p), rows);
  assert_int_equal(sm_points_source_count(p), files);
  if (warning) assert_contains(warnings, warning);
  else assert_string_equal(warnings, "");
  sm_points_destroy(p);
}

static size_t rows_of(const char *path) {
  sm_points *p = NULL;
  const char *src[] = {path};
  assert_ok(ctx, sm_points_read(ctx, &p, src, 1, NULL));
  size_t n = (size_t)sm_points_rows_read(p);
  sm_points_destroy(p);
  return n;
}

static void same_file_twice(void **state) {
  (void)state;
  const char *src[] = {MONTH1, MONTH1};
  read_expect(src, 2, 160, 1, MONTH1 " was given more than once (as " MONTH1 ", " MONTH1 "): read once");
}

static void same_folder_twice(void **state) {
  (void)state;
  const char *src[] = {TU_CAMDEN_POINTS, TU_CAMDEN_POINTS};
  read_expect(src, 2, 6416, 36, "36 files were given more than once, each is read once");
  assert_contains(warnings, "and 33 more");
}

static void folder_and_file_inside(void **state) {
  (void)state;
  const char *src[] = {TU_CAMDEN_POINTS, MONTH1};
  read_expect(src, 2, 6416, 36, MONTH1 " was given more than once (as " TU_CAMDEN_POINTS ", " MONTH1 ")");
}

static void overlapping_globs(void **state) {
  (void)state;
  const char *src[] = {TU_CAMDEN_POINTS "/2022-0*.csv", TU_CAMDEN_POINTS "/2022-*-street-*.csv"};
  size_t rows = 0;
  for (int m = 3; m <= 12; m++) {
    char p[512];
    snprintf(p, sizeof p, TU_CAMDEN_POINTS "/2022-%02d-metropolitan-street-burglary-camden.csv", m);
    rows += rows_of(p);
  }
  read_expect(src, 2, rows, 10, "7 files were given more than once");
}

static void link_to_file_given(void **state) {
  (void)state;
  const char *link = tu_path("month1-link.csv");
  unlink(link);
  assert_int_equal(symlink(MONTH1, link), 0);
  const char *src[] = {MONTH1, link, MONTH2};
  read_expect(src, 3, 160 + rows_of(MONTH2), 2, "was given more than once (as " MONTH1 ", ");
  assert_contains(warnings, "month1-link.csv");
}

/* a folder holding a link back to itself, and a link to a file beside it */
static void loop_under_folder(void **state) {
  (void)state;
  char dir[512], cmd[8192];
  snprintf(dir, sizeof dir, "%s/loop", tu_dir());
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/sub' && cp '%s' '%s/sub/a.csv' && ln -s .. '%s/sub/up'", dir,
           dir, MONTH1, dir, dir);
  assert_int_equal(system(cmd), 0);
  const char *src[] = {dir};
  read_expect(src, 1, 160, 1, "(a loop): not followed");
  assert_contains(warnings, "sub/up");
  /* the files a folder gives stay in name order, as before */
  snprintf(cmd, sizeof cmd, "cp '%s' '%s/b.csv' && ln -s sub/a.csv '%s/c.csv'", MONTH2, dir, dir);
  assert_int_equal(system(cmd), 0);
  read_expect(src, 1, 160 + rows_of(MONTH2), 2, "/sub/a.csv in ");
}

/* ---- outputs ---------------------------------------------------------------------------------------- */
static void output_is_input(void **state) {
  (void)state;
  char dir[512], cmd[8192];
  snprintf(dir, sizeof dir, "%s/inputs", tu_dir());
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s/deep' && cp '%s' '%s/deep/a.csv' && cp '%s' '%s/w.gpkg' && "
           "ln -s deep/a.csv '%s/link.csv' && echo x > '%s/notes.txt' && echo y > '%s/other.csv'",
           dir, dir, MONTH1, dir, TU_CAMDEN_WARDS, dir, dir, dir, dir);
  assert_int_equal(system(cmd), 0);
  char a[600], w[600], link[600], glob[600], notes[600], other[600];
  snprintf(a, sizeof a, "%s/deep/a.csv", dir);
  snprintf(w, sizeof w, "%s/w.gpkg", dir);
  snprintf(link, sizeof link, "%s/link.csv", dir);
  snprintf(glob, sizeof glob, "%s/deep/*.csv", dir);
  snprintf(notes, sizeof notes, "%s/notes.txt", dir);
  snprintf(other, sizeof other, "%s/other.csv", dir);
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  const char *file_in[] = {a, w};
  wo.inputs = file_in, wo.n_inputs = 2;
  /* the file given, the --wards file, a link to the file given: refused even with overwrite */
  assert_int_equal(sm_write_check(ctx, a, &wo), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "is one of the inputs");
  assert_contains(sm_ctx_last_error(ctx), "choose another output path");
  assert_int_equal(sm_write_check(ctx, w, &wo), SM_E_INVALID_ARG);
  assert_int_equal(sm_write_check(ctx, link, &wo), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "the same file as");
  assert_ok(ctx, sm_write_check(ctx, other, &wo)); /* not an input: replaced with overwrite */
  /* a folder given: a .csv the reader reads in it, and not a file it does not read */
  const char *dir_in[] = {dir};
  wo.inputs = dir_in, wo.n_inputs = 1;
  assert_int_equal(sm_write_check(ctx, a, &wo), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "it is read from the folder");
  assert_int_equal(sm_write_check(ctx, other, &wo), SM_E_INVALID_ARG);
  assert_ok(ctx, sm_write_check(ctx, tu_path("elsewhere.csv"), &wo));
  (void)notes;
  /* a glob given: its matches */
  const char *glob_in[] = {glob};
  wo.inputs = glob_in, wo.n_inputs = 1;
  assert_int_equal(sm_write_check(ctx, a, &wo), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "it matches");
  assert_ok(ctx, sm_write_check(ctx, other, &wo));
  /* every writer refuses it, and the input is untouched */
  struct stat before, after;
  assert_int_equal(stat(a, &before), 0);
  sm_layer *l = NULL;
  assert_ok(ctx, sm_layer_create(ctx, &l, "t", SM_GEOM_NONE, NULL));
  size_t fi, r;
  assert_ok(ctx, sm_layer_add_field(ctx, l, "n", SM_FIELD_INT64, &fi));
  assert_ok(ctx, sm_layer_add_feature(ctx, l, NULL, 0, &r));
  assert_int_equal(sm_write_layers(ctx, a, &l, 1, &wo), SM_E_INVALID_ARG);
  wo.inputs = file_in, wo.n_inputs = 2;
  assert_int_equal(sm_write_geopackage(ctx, w, NULL, 0, &l, 1, &wo), SM_E_INVALID_ARG);
  assert_int_equal(stat(a, &after), 0);
  assert_true(before.st_size == after.st_size && before.st_mtime == after.st_mtime);
  assert_int_equal(rows_of(a), 160);
  /* version 1 of the options (no inputs) is still read */
  sm_write_options v1;
  assert_ok(ctx, sm_write_options_init(&v1, 1));
  v1.overwrite = 1;
  assert_ok(ctx, sm_write_check(ctx, a, &v1));
  sm_layer_destroy(l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(same_file_twice),   cmocka_unit_test(same_folder_twice),  cmocka_unit_test(folder_and_file_inside),
      cmocka_unit_test(overlapping_globs), cmocka_unit_test(link_to_file_given), cmocka_unit_test(loop_under_folder),
      cmocka_unit_test(output_is_input),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
