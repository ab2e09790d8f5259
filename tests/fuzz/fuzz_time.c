/* Fuzz target: times and dates. sm_time_parse on the text (every accepted form: YYYY-MM, YYYY-MM-DD,
 * YYYY/MM/DD, DD/MM/YYYY, times with T or a space, seconds, fractions, Z or an offset) and its round trip
 * through sm_time_format; --from/--to as the reader checks them (the text before a '|' is --from, after it
 * --to; no '|': both); --at as the forecasts parse it, monthly and weekly, and the round trip of its step
 * label. Build with -DSM_FUZZ=ON for libFuzzer, or with standalone_driver.c to replay the corpus. */
#include "fuzz_common.h"

#include "forecast_internal.h"

static sm_ctx *g_ctx;

static void check_round_trip(const char *s, size_t n) {
  int64_t t, t2;
  sm_time_res res, res2;
  if (sm_time_parse(s, n, &t, &res) != SM_OK) return;
  if (res < SM_TIME_MONTH || res > SM_TIME_SECOND) abort();
  char buf[64];
  int k = sm_time_format(t, res, buf, sizeof buf);
  if (k <= 0 || (size_t)k >= sizeof buf) abort();
  /* years 1..9999 print as four digits and parse back; an offset may move a time out of them */
  int year = atoi(buf);
  if (buf[0] == '-' || year < 1 || year > 9999 || strlen(buf) != (size_t)k) return;
  if (sm_time_parse(buf, (size_t)k, &t2, &res2) != SM_OK || t2 != t || res2 != res) {
    fprintf(stderr, "'%.*s' -> %lld (%d) -> '%s' -> %lld (%d)\n", (int)n, s, (long long)t, (int)res, buf,
            (long long)t2, (int)res2);
    abort();
  }
  /* the month index and its label agree */
  int32_t m = sm_time_month_index(t);
  char lab[32];
  sm__fc_step_label(m, 0, lab, sizeof lab);
  int64_t tm;
  sm_time_res rm;
  if (sm_time_parse(lab, strlen(lab), &tm, &rm) != SM_OK || sm_time_month_index(tm) != m) abort();
}

static void check_at(sm_ctx *ctx, const char *s) {
  for (int weekly = 0; weekly < 2; weekly++) {
    int32_t m;
    if (sm__fc_parse_step(ctx, s, weekly, &m) != SM_OK) continue;
    char lab[32];
    sm__fc_step_label(m, weekly, lab, sizeof lab);
    int year = atoi(lab);
    if (lab[0] == '-' || year < 1 || year > 9999) continue; /* a time past 9999-12-31 (a leap second) */
    int32_t m2 = -1;
    if (sm__fc_parse_step(ctx, lab, weekly, &m2) != SM_OK || m2 != m) {
      fprintf(stderr, "--at '%s' (%s): step %d, label '%s', step %d\n", s, weekly ? "weekly" : "monthly", (int)m,
              lab, (int)m2);
      abort();
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 256) return 0;
  char s[260];
  memcpy(s, data, size);
  s[size] = '\0';
  check_round_trip(s, size);
  check_round_trip(s, strlen(s)); /* what a C string of it holds */
  sm_ctx *ctx = fz_ctx(&g_ctx, 1);
  check_at(ctx, s);
  /* --from/--to: checked before any source is opened (the one named here does not exist) */
  char *bar = strchr(s, '|');
  sm_read_options o = SM_READ_OPTIONS_INIT;
  if (bar) {
    *bar = '\0';
    o.time_from = *s ? s : NULL;
    o.time_to = bar[1] ? bar + 1 : NULL;
  } else {
    o.time_from = o.time_to = s;
  }
  const char *src[] = {"/nonexistent/safemap-fuzz.csv"};
  sm_points *p = NULL;
  sm_status st = sm_points_read(ctx, &p, src, 1, &o);
  if (st == SM_OK) abort(); /* the source does not exist */
  if (st != SM_E_INVALID_ARG && st != SM_E_IO) abort();
  return 0;
}
