/* common, version, context */
#include "testutil.h"

#include "internal/sm_internal.h"

static void status_strings(void **state) {
  (void)state;
  for (int s = 0; s < SM_STATUS_END_; s++) {
    const char *m = sm_status_str((sm_status)s);
    assert_non_null(m);
    assert_true(strlen(m) > 0);
    assert_string_not_equal(m, "unknown status");
  }
  assert_string_equal(sm_status_str(SM_STATUS_END_), "unknown status");
  assert_string_equal(sm_status_str((sm_status)-1), "unknown status");
  assert_string_equal(sm_status_str(SM_OK), "success");
}

static void version(void **state) {
  (void)state;
  assert_int_equal(sm_version_number(), SM_VERSION_NUMBER);
  assert_string_equal(sm_version_string(), SM_VERSION_STRING);
  assert_true(sm_version_check(SM_VERSION_NUMBER));
  assert_false(sm_version_check(SM_VERSION_NUMBER + 10000));     /* other ABI major */
  assert_false(sm_version_check(SM_VERSION_NUMBER + 1));         /* newer than the library */
  assert_true(SM_VERSION_AT_LEAST(0, 0, 1));
  assert_contains(sm_version_dependencies(), "GDAL");
  assert_contains(sm_version_dependencies(), "GEOS");
  assert_contains(sm_version_dependencies(), "PROJ");
}

static int log_count;
static void count_log(sm_log_level level, const char *msg, void *user) {
  (void)level, (void)msg;
  (*(int *)user)++;
}

static int stop_after_first(double f, const char *msg, void *user) {
  (void)f, (void)msg;
  return (*(int *)user)++ < 1;
}

static void context(void **state) {
  (void)state;
  sm_ctx *ctx = NULL;
  assert_int_equal(sm_ctx_create(NULL), SM_E_INVALID_ARG);
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  assert_string_equal(sm_ctx_last_error(ctx), "");
  assert_int_equal(sm_ctx_last_status(ctx), SM_OK);
  assert_true(sm_ctx_threads(ctx) >= 1);
  assert_int_equal(sm_ctx_set_threads(ctx, -1), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "thread");
  assert_int_equal(sm_ctx_last_status(ctx), SM_E_INVALID_ARG);
  sm_ctx_clear_error(ctx);
  assert_string_equal(sm_ctx_last_error(ctx), "");
  assert_int_equal(sm_ctx_set_threads(ctx, 3), SM_OK);
#ifdef SM_HAVE_OPENMP
  assert_int_equal(sm_ctx_threads(ctx), 3);
#endif
  sm_ctx_set_seed(ctx, 42);
  assert_int_equal(sm_ctx_seed(ctx), 42);
  /* log sink with a level filter */
  log_count = 0;
  sm_ctx_set_log(ctx, count_log, SM_LOG_WARNING, &log_count);
  sm__log(ctx, SM_LOG_WARNING, "w");
  sm__log(ctx, SM_LOG_DEBUG, "d");
  assert_int_equal(log_count, 1);
  /* progress callback cancels */
  int calls = 0;
  sm_ctx_set_progress(ctx, stop_after_first, &calls);
  assert_int_equal(sm__progress(ctx, 0.1, "step"), SM_OK);
  assert_int_equal(sm__progress(ctx, 0.2, "step"), SM_E_CANCELLED);
  assert_contains(sm_ctx_last_error(ctx), "cancel");
  sm_ctx_destroy(ctx);
  sm_ctx_destroy(NULL); /* no-op */
  sm_free(NULL);
}

static void out_of_memory(void **state) {
  (void)state;
  sm_ctx *ctx = (sm_ctx *)1;
  sm__alloc_fail_after(1);
  assert_int_equal(sm_ctx_create(&ctx), SM_E_NOMEM);
  assert_null(ctx);
  sm__alloc_fail_after(0);
}

static void dependency_errors_captured(void **state) {
  (void)state;
  sm_ctx *ctx;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  char *name = NULL;
  /* PROJ's complaint reaches the ctx message, nothing is printed */
  assert_int_equal(sm_crs_describe(ctx, "EPSG:999999", &name, NULL), SM_E_CRS);
  assert_contains(sm_ctx_last_error(ctx), "EPSG:999999");
  assert_null(name);
  /* GDAL's complaint too */
  sm_areas *a = NULL;
  assert_int_equal(sm_areas_read(ctx, &a, "/nonexistent/wards.gpkg", NULL), SM_E_IO);
  assert_contains(sm_ctx_last_error(ctx), "/nonexistent/wards.gpkg");
  assert_null(a);
  sm_ctx_destroy(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(status_strings), cmocka_unit_test(version), cmocka_unit_test(context),
      cmocka_unit_test(out_of_memory), cmocka_unit_test(dependency_errors_captured),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
