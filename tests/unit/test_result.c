/* sm_result (result.h): the getters, and sm_result_write's formats, companions and refusals. Public API. */
#include "testutil.h"

#include <dirent.h>

#include <math.h>

static sm_ctx *ctx;
static sm_points *pts;
static sm_areas *wards;
static sm_result *counts, *surface;

static int setup(void **state) {
  (void)state;
  if (sm_ctx_create(&ctx) != SM_OK || tu_read_camden(ctx, &pts, &wards, NULL)) return 1;
  sm_kde_run_options ko = SM_KDE_RUN_OPTIONS_INIT;
  ko.surface.bandwidth_m = 300, ko.surface.cell_m = 200;
  return sm_count_run(ctx, &counts, pts, wards, NULL) || sm_kde_run(ctx, &surface, pts, NULL, &ko);
}

static int teardown(void **state) {
  (void)state;
  sm_result_destroy(counts);
  sm_result_destroy(surface);
  tu_free_camden(ctx, pts, wards);
  return 0;
}

static void getters(void **state) {
  (void)state;
  assert_int_equal(sm_result_layer_count(counts), 2);
  assert_int_equal(sm_result_raster_count(counts), 0);
  assert_string_equal(sm_layer_name(sm_result_layer(counts, 0)), "ward_counts");
  assert_ptr_equal(sm_result_layer_named(counts, "ward_counts_by_month"), sm_result_layer(counts, 1));
  assert_null(sm_result_layer(counts, 2));
  assert_null(sm_result_layer_named(counts, "nothing"));
  assert_null(sm_result_raster(counts, 0));
  assert_true(sm_result_figure(counts, "points_in_areas") == 6051);
  assert_true(isnan(sm_result_figure(counts, "no such figure")));
  assert_null(sm_result_text(counts, "no such text"));
  size_t n = sm_result_figure_count(counts);
  assert_true(n > 0);
  assert_null(sm_result_figure_name(counts, n));
  assert_true(isnan(sm_result_figure_value(counts, n)));
  assert_int_equal(sm_result_raster_count(surface), 1);
  sm_result_destroy(NULL);
  assert_int_equal(sm_result_layer_count(NULL), 0);
}

static void csv_companions(void **state) {
  (void)state;
  char *c = sm_result_csv_path(counts, "/x/a.csv", 1);
  assert_string_equal(c, "/x/a_by_month.csv");
  sm_free(c);
  assert_null(sm_result_csv_path(counts, "/x/a.csv", 0));
  assert_null(sm_result_csv_path(counts, "/x/a.gpkg", 1));
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  const char *out = tu_path("c.csv");
  assert_ok(ctx, sm_result_write(ctx, counts, out, &wo));
  assert_true(tu_exists(out) && tu_exists(tu_path("c_by_month.csv")));
  /* either file there: nothing written, neither changed */
  remove(out);
  assert_int_equal(sm_result_write(ctx, counts, out, &wo), SM_E_IO);
  assert_contains(sm_ctx_last_error(ctx), "c_by_month.csv");
  assert_false(tu_exists(out));
}

static void read_text(const char *path, char *buf, size_t n) {
  FILE *f = fopen(path, "rb");
  buf[0] = '\0';
  if (!f) return;
  size_t k = fread(buf, 1, n - 1, f);
  buf[k] = '\0';
  fclose(f);
}

/* Between writing the files and moving them into place: mode 0 puts a directory where the main file goes
 * (its move fails after the companion's), mode 1 does what a signal handler does and stops the run, mode 2
 * takes the finished temporary files away (the first move fails once the file it replaces is out of the
 * way). */
typedef struct move_hook {
  const char *main;
  int mode, seen, left;
} move_hook;

static int at_move(double f, const char *msg, void *user) {
  (void)f;
  move_hook *h = user;
  if (strcmp(msg, "moving into place")) return 1;
  h->seen++;
  if (h->mode == 0) {
    unlink(h->main);
    return mkdir(h->main, 0755) == 0;
  }
  if (h->mode == 2) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s", h->main);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
      size_t n = strlen(e->d_name);
      if (strstr(e->d_name, "safemap-tmp") && n > 4 && !strcmp(e->d_name + n - 4, ".csv")) {
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
      }
    }
    if (d) closedir(d);
    return 1;
  }
  sm_cleanup_temporary_files();
  h->left = tu_count_files("safemap-tmp");
  return 0;
}

/* CSV companions all or none: a move that fails puts back the companion already moved (the file it replaced,
 * or none), and a run stopped by a signal leaves the old files and no temporary file. */
static void companion_rollback(void **state) {
  (void)state;
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = 1;
  const char *out = tu_path("r.csv"), *comp = tu_path("r_by_month.csv");
  char buf[64];
  tu_write("r.csv", "old main\n");
  tu_write("r_by_month.csv", "old companion\n");
  move_hook h = {out, 0, 0, -1};
  sm_ctx_set_progress(ctx, at_move, &h);
  assert_int_equal(sm_result_write(ctx, counts, out, &wo), SM_E_IO);
  assert_int_equal(h.seen, 1);
  assert_contains(sm_ctx_last_error(ctx), "r.csv");
  read_text(comp, buf, sizeof buf);
  assert_string_equal(buf, "old companion\n");
  assert_int_equal(tu_count_files("safemap-tmp"), 0);
  rmdir(out);
  /* no file before: none after */
  remove(comp);
  h.seen = 0;
  assert_int_equal(sm_result_write(ctx, counts, out, &wo), SM_E_IO);
  assert_int_equal(h.seen, 1);
  assert_false(tu_exists(comp));
  assert_int_equal(tu_count_files("safemap-tmp"), 0);
  rmdir(out);
  /* sm_cleanup_temporary_files() (a signal handler's call) removes every temporary file */
  tu_write("r.csv", "old main\n");
  tu_write("r_by_month.csv", "old companion\n");
  h.mode = 1, h.seen = 0;
  assert_int_equal(sm_result_write(ctx, counts, out, &wo), SM_E_CANCELLED);
  assert_int_equal(h.seen, 1);
  assert_int_equal(h.left, 0);
  read_text(out, buf, sizeof buf);
  assert_string_equal(buf, "old main\n");
  read_text(comp, buf, sizeof buf);
  assert_string_equal(buf, "old companion\n");
  sm_ctx_set_progress(ctx, NULL, NULL);
  /* the finished files gone before their move: the file each would replace is back under its name */
  tu_write("r.csv", "old main\n");
  tu_write("r_by_month.csv", "old companion\n");
  h.mode = 2, h.seen = 0;
  sm_ctx_set_progress(ctx, at_move, &h);
  assert_int_equal(sm_result_write(ctx, counts, out, &wo), SM_E_IO);
  assert_int_equal(h.seen, 1);
  read_text(out, buf, sizeof buf);
  assert_string_equal(buf, "old main\n");
  read_text(comp, buf, sizeof buf);
  assert_string_equal(buf, "old companion\n");
  assert_int_equal(tu_count_files("safemap-tmp"), 0);
  sm_ctx_set_progress(ctx, NULL, NULL);
  /* and a plain overwrite replaces both */
  assert_ok(ctx, sm_result_write(ctx, counts, out, &wo));
  read_text(comp, buf, sizeof buf);
  assert_true(strncmp(buf, "old", 3) != 0);
  assert_int_equal(tu_count_files("safemap-tmp"), 0);
  remove(out), remove(comp);
}

static void refusals(void **state) {
  (void)state;
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  assert_int_equal(sm_result_write(ctx, surface, tu_path("s.csv"), &wo), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "cannot hold a surface");
  assert_false(tu_exists(tu_path("s.csv")));
  assert_int_equal(sm_result_write(ctx, counts, tu_path("c.tif"), &wo), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "no surface");
  assert_false(tu_exists(tu_path("c.tif")));
  assert_int_equal(sm_result_write(ctx, counts, tu_path("c.xyz"), &wo), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "unknown output format");
  assert_int_equal(sm_result_write(ctx, NULL, tu_path("c.gpkg"), &wo), SM_E_INVALID_ARG);
  /* a GeoTIFF of the surface, and a GeoPackage of all */
  assert_ok(ctx, sm_result_write(ctx, surface, tu_path("s.tif"), &wo));
  assert_ok(ctx, sm_result_write(ctx, counts, tu_path("c.gpkg"), &wo));
  assert_int_equal(tu_count_files(".tmp"), 0);
}

static void unit_kinds(void **state) {
  (void)state;
  sm_unit_kind k;
  for (int i = 0; i < SM_UNIT_KIND_END_; i++) {
    assert_ok(ctx, sm_unit_kind_from_name(ctx, sm_unit_kind_name((sm_unit_kind)i), &k));
    assert_int_equal(k, i);
  }
  assert_null(sm_unit_kind_name(SM_UNIT_KIND_END_));
  assert_int_equal(sm_unit_kind_from_name(ctx, "square", &k), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "wards, fishnet, hexagon");
  assert_ok(ctx, sm_unit_kind_resolve(ctx, SM_UNIT_AUTO, 1, &k));
  assert_int_equal(k, SM_UNIT_AREAS);
  assert_ok(ctx, sm_unit_kind_resolve(ctx, SM_UNIT_AUTO, 0, &k));
  assert_int_equal(k, SM_UNIT_FISHNET);
  assert_int_equal(sm_unit_kind_resolve(ctx, SM_UNIT_AREAS, 0, &k), SM_E_INVALID_ARG);
  /* every point in a unit or counted outside, for each kind */
  size_t n = sm_points_count(pts), nu, outside;
  int32_t *at = malloc(n * sizeof *at);
  sm_unit_kind kinds[] = {SM_UNIT_AREAS, SM_UNIT_FISHNET, SM_UNIT_HEXAGON};
  for (int i = 0; i < 3; i++) {
    sm_units *u = NULL;
    assert_ok(ctx, sm_units_for_points(ctx, &u, at, &nu, &outside, pts, wards, kinds[i], 250, NULL));
    assert_true((u == NULL) == (kinds[i] == SM_UNIT_AREAS));
    size_t in = 0;
    for (size_t j = 0; j < n; j++) in += at[j] >= 0 && (size_t)at[j] < nu;
    assert_int_equal(in + outside, n);
    sm_units_destroy(u);
  }
  free(at);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(getters), cmocka_unit_test(csv_companions),
                                     cmocka_unit_test(refusals), cmocka_unit_test(unit_kinds),
                                     cmocka_unit_test(companion_rollback)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
