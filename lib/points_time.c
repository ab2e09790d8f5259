/* Time parsing and formatting (proleptic Gregorian, UTC). */
#include "internal/sm_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = (int64_t)yoe + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int)(yy + (*m <= 2));
}

static int days_in_month(int y, unsigned m) {
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return dm[m - 1];
}

/* Reads exactly n digits. */
static int digits(const char *s, size_t len, size_t *i, int n, int *out) {
  int v = 0;
  for (int k = 0; k < n; k++) {
    if (*i >= len || !isdigit((unsigned char)s[*i])) return 0;
    v = v * 10 + (s[(*i)++] - '0');
  }
  *out = v;
  return 1;
}

sm_status sm_time_parse(const char *text, size_t len, int64_t *t_out, sm_time_res *res_out) {
  if (!text || !t_out) return SM_E_INVALID_ARG;
  while (len && isspace((unsigned char)*text)) text++, len--;
  while (len && isspace((unsigned char)text[len - 1])) len--;
  if (!len) return SM_E_INPUT;
  size_t i = 0;
  int y = 0, mo = 0, d = 1, hh = 0, mi = 0, ss = 0;
  sm_time_res res;
  if (len >= 8 && isdigit((unsigned char)text[0]) && isdigit((unsigned char)text[1]) && text[2] == '/') {
    /* DD/MM/YYYY (UK order) */
    if (!digits(text, len, &i, 2, &d) || text[i++] != '/' || !digits(text, len, &i, 2, &mo) ||
        i >= len || text[i++] != '/' || !digits(text, len, &i, 4, &y))
      return SM_E_INPUT;
    res = SM_TIME_DAY;
  } else {
    if (!digits(text, len, &i, 4, &y)) return SM_E_INPUT;
    if (i >= len || (text[i] != '-' && text[i] != '/')) return SM_E_INPUT;
    char sep = text[i++];
    if (!digits(text, len, &i, 2, &mo)) return SM_E_INPUT;
    res = SM_TIME_MONTH;
    if (i < len) {
      if (text[i++] != sep || !digits(text, len, &i, 2, &d)) return SM_E_INPUT;
      res = SM_TIME_DAY;
    }
  }
  if (i < len) {
    if (text[i] != 'T' && text[i] != ' ') return SM_E_INPUT;
    i++;
    if (!digits(text, len, &i, 2, &hh) || i >= len || text[i++] != ':' || !digits(text, len, &i, 2, &mi))
      return SM_E_INPUT;
    if (i < len && text[i] == ':') {
      i++;
      if (!digits(text, len, &i, 2, &ss)) return SM_E_INPUT;
      if (i < len && text[i] == '.') { /* fractional seconds: ignored */
        i++;
        while (i < len && isdigit((unsigned char)text[i])) i++;
      }
    }
    /* the clock itself in range (24:00:00 is the end of the day); a leap second allowed */
    if (!(hh <= 23 || (hh == 24 && mi == 0 && ss == 0)) || mi > 59 || ss > 60) return SM_E_INPUT;
    if (i < len && (text[i] == 'Z' || text[i] == 'z')) i++;
    else if (i < len && (text[i] == '+' || text[i] == '-')) {
      /* +HH:MM offset */
      int sign = text[i] == '-' ? -1 : 1, oh = 0, om = 0;
      i++;
      if (!digits(text, len, &i, 2, &oh)) return SM_E_INPUT;
      if (i < len && text[i] == ':') i++;
      if (!digits(text, len, &i, 2, &om) || oh > 18 || om > 59) return SM_E_INPUT;
      mi -= sign * om;
      hh -= sign * oh;
    }
    if (i != len) return SM_E_INPUT;
    res = SM_TIME_SECOND;
  }
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (unsigned)mo)) return SM_E_INPUT;
  int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
  *t_out = days * 86400 + (int64_t)hh * 3600 + (int64_t)mi * 60 + ss;
  if (res_out) *res_out = res;
  return SM_OK;
}

int sm_time_format(int64_t t, sm_time_res res, char *buf, size_t size) {
  if (!buf || !size) return 0;
  if (t == SM_TIME_MISSING) {
    buf[0] = '\0';
    return 0;
  }
  int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  int64_t sec = t - days * 86400;
  int y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  switch (res) {
  case SM_TIME_MONTH: return snprintf(buf, size, "%04d-%02u", y, m);
  case SM_TIME_DAY: return snprintf(buf, size, "%04d-%02u-%02u", y, m, d);
  default:
    return snprintf(buf, size, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, (int)(sec / 3600),
                    (int)(sec / 60 % 60), (int)(sec % 60));
  }
}

int32_t sm_time_month_index(int64_t t) {
  int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  int y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  return (int32_t)(y * 12 + (int)m - 1);
}

int64_t sm__days_from_civil(int64_t y, unsigned m, unsigned d) { return days_from_civil(y, m, d); }
void sm__civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d) { civil_from_days(days, y, m, d); }
