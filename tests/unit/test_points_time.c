/* points_time: sm_time_parse / sm_time_format / sm_time_month_index */
#include "testutil.h"

static int64_t parse(const char *s, sm_time_res *res) {
  int64_t t = 0;
  sm_status st = sm_time_parse(s, strlen(s), &t, res);
  if (st) fail_msg("'%s' did not parse", s);
  return t;
}

static void formats(void **state) {
  (void)state;
  sm_time_res r;
  assert_int_equal(parse("1970-01", &r), 0);
  assert_int_equal(r, SM_TIME_MONTH);
  assert_int_equal(parse("2024-03", &r), 1709251200); /* 2024-03-01T00:00:00Z */
  assert_int_equal(parse("2024-03-05", &r), 1709251200 + 4 * 86400);
  assert_int_equal(r, SM_TIME_DAY);
  assert_int_equal(parse("05/03/2024", &r), 1709251200 + 4 * 86400); /* UK day first */
  assert_int_equal(parse("2024/03/05", &r), 1709251200 + 4 * 86400);
  assert_int_equal(parse("2024-03-05T10:20:30Z", &r), 1709251200 + 4 * 86400 + 37230);
  assert_int_equal(r, SM_TIME_SECOND);
  assert_int_equal(parse("2024-03-05 10:20", &r), 1709251200 + 4 * 86400 + 37200);
  assert_int_equal(parse("2024-03-05T10:20:30+01:00", &r), 1709251200 + 4 * 86400 + 37230 - 3600);
  assert_int_equal(parse(" 2024-02-29 ", &r), 1709164800); /* leap day, trimmed */
  assert_int_equal(parse("1969-12-31", &r), -86400);
  assert_int_equal(parse("2024-03-05T24:00", &r), 1709251200 + 5 * 86400); /* the end of the day */
  assert_int_equal(parse("2024-03-05T00:30+01:00", &r), 1709251200 + 4 * 86400 - 1800); /* the day before in UTC */
}

static void bad(void **state) {
  (void)state;
  const char *bad[] = {"", "2024", "2024-13", "2024-00", "2024-02-30", "2023-02-29", "24-03", "2024-3",
                       "March 2024", "2024-03-05T25", "2024-03-05X", "31/02/2024", "2024-03-05T10:20:30Zjunk",
                       /* a clock out of range, with or without an offset (were read as the next day, the next hour) */
                       "2024-12-31T47:59", "2024-03-05T10:75", "2024-03-05T24:01", "2024-03-05T10:20:61",
                       "2024-03-05T25:00+02:00", "2024-03-05T10:00+01:75", "2024-03-05T10:00+19:00"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int64_t t;
    sm_time_res r;
    if (sm_time_parse(bad[i], strlen(bad[i]), &t, &r) == SM_OK) fail_msg("'%s' parsed", bad[i]);
  }
}

static void format_and_month(void **state) {
  (void)state;
  char b[40];
  sm_time_res r;
  int64_t t = parse("2025-02-14T08:09:10Z", &r);
  sm_time_format(t, SM_TIME_MONTH, b, sizeof b);
  assert_string_equal(b, "2025-02");
  sm_time_format(t, SM_TIME_DAY, b, sizeof b);
  assert_string_equal(b, "2025-02-14");
  sm_time_format(t, SM_TIME_SECOND, b, sizeof b);
  assert_string_equal(b, "2025-02-14T08:09:10Z");
  sm_time_format(SM_TIME_MISSING, SM_TIME_DAY, b, sizeof b);
  assert_string_equal(b, "");
  assert_int_equal(sm_time_month_index(t), 2025 * 12 + 1);
  assert_int_equal(sm_time_month_index(parse("1969-12-31", &r)), 1969 * 12 + 11);
  /* every day of 400 years round-trips */
  for (int64_t d = -80000; d < 80000; d += 13) {
    sm_time_format(d * 86400, SM_TIME_DAY, b, sizeof b);
    assert_int_equal(parse(b, &r), d * 86400);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(formats), cmocka_unit_test(bad), cmocka_unit_test(format_and_month)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
