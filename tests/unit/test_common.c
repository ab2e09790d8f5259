/* common, version, context */
#include "testutil.h"

#include "internal/sm_internal.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>

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

/* sm__parse_double as it was before its fast path: strtod on a copy, no hex.
 * The fast path must give the same answer, to the bit. */
static int parse_double_ref(const char *s, size_t len, double *out) {
  while (len && isspace((unsigned char)*s)) s++, len--;
  while (len && isspace((unsigned char)s[len - 1])) len--;
  if (!len) return 1;
  char tmp[64];
  if (len >= sizeof tmp) return 2;
  memcpy(tmp, s, len);
  tmp[len] = '\0';
  char *end = NULL;
  errno = 0;
  double v = strtod(tmp, &end);
  if (end != tmp + len) return 2;
  for (size_t i = 0; i < len; i++)
    if (tmp[i] == 'x' || tmp[i] == 'X') return 2;
  *out = v;
  return 0;
}

static void same_as_strtod(const char *s, size_t n) {
  double a = -1.5, b = -1.5;
  int ra = sm__parse_double(s, n, &a), rb = parse_double_ref(s, n, &b);
  if (ra != rb || (ra == 0 && memcmp(&a, &b, sizeof a) != 0))
    fail_msg("'%.*s': fast %d %.17g, strtod %d %.17g", (int)n, s, ra, a, rb, b);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static size_t digits(char *b, size_t n) {
  for (size_t i = 0; i < n; i++) b[i] = (char)('0' + rnd() % 10);
  return n;
}

/* A random decimal: sign, leading zeros, 0-20 integer and fraction digits,
 * exponents near and beyond +-22 and the double range; some with a flaw. */
static size_t random_number(char *b) {
  size_t n = 0;
  uint64_t r = rnd();
  if (r % 3 == 0) b[n++] = '-';
  else if (r % 97 == 1) b[n++] = '+';
  if (rnd() % 8 == 0) for (int z = (int)(rnd() % 4); z > 0; z--) b[n++] = '0';
  n += digits(b + n, (size_t)(rnd() % 21));
  if (rnd() % 3) {
    b[n++] = '.';
    n += digits(b + n, (size_t)(rnd() % 21));
  }
  switch (rnd() % 6) {
  case 0: n += (size_t)sprintf(b + n, "e%d", (int)(rnd() % 61) - 30); break;
  case 1: n += (size_t)sprintf(b + n, "E%+d", (int)(rnd() % 700) - 350); break;
  default: break;
  }
  if (rnd() % 50 == 0) { /* a flaw somewhere */
    static const char junk[] = {' ', '.', 'e', 'E', '+', '-', 'x', ',', '_', 'a', '\t', '\0'};
    size_t at = (size_t)(rnd() % (n + 1));
    memmove(b + at + 1, b + at, n - at);
    b[at] = junk[rnd() % sizeof junk];
    n++;
  }
  return n;
}

static void parse_double_fast_path(void **state) {
  (void)state;
  static const char *const cases[] = {
      "0", "-0", "0.0", "-0.000", "00012.5000", ".5", "5.", "-.5", "1e22", "1e23", "-1e-22", "1e-23",
      "9007199254740992", "9007199254740993", "-9007199254740993", "123456789012345678901", "0.1", "0.3",
      "532889.53", "-0.141", "51.530", "1.7976931348623157e308", "1.8e308", "4.9e-324", "2.4703282292062327e-324",
      "1e400", "0e999999", "  12.5\t", "+1", "1e", "1e+", "1e-", ".", "-.", "-", "", "  ", "0x10", "0X1p3", "inf",
      "-Infinity", "nan", "NaN(123)", "1,5", "1_000", "1.2.3", "1..2", "--1", "1e5.5", "1 2", "e5",
      "0000000000000000000000000000001", "0.000000000000000000000000000001",
      "1234567890123456789", "12345678901234567890", "0.1234567890123456789e5",
      "1111111111111111111111111111111111111111111111111111111111111111", "\0011", /* \001 then 1 */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) same_as_strtod(cases[i], strlen(cases[i]));
  same_as_strtod("12\0" "3", 4); /* a NUL inside */
  char b[128];
  for (long i = 0; i < 3000000; i++) same_as_strtod(b, random_number(b));
  /* exact-looking values across the whole fast range, to the last digit */
  for (long i = 0; i < 1000000; i++) {
    uint64_t w = rnd() % ((UINT64_C(1) << 53) + 1);
    int e = (int)(rnd() % 45) - 22;
    int n = snprintf(b, sizeof b, "%s%llue%d", rnd() % 2 ? "-" : "", (unsigned long long)w, e);
    same_as_strtod(b, (size_t)n);
  }
  /* a locale whose decimal point is not '.': strtod then stops at '.' */
  locale_t de = newlocale(LC_NUMERIC_MASK, "de_DE.UTF-8", (locale_t)0);
  if (de) {
    locale_t old = uselocale(de);
    same_as_strtod("1.5", 3);
    same_as_strtod("1,5", 3);
    same_as_strtod("15", 2);
    uselocale(old);
    freelocale(de);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(status_strings), cmocka_unit_test(version), cmocka_unit_test(context),
      cmocka_unit_test(out_of_memory), cmocka_unit_test(dependency_errors_captured),
      cmocka_unit_test(parse_double_fast_path),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
