/* The plan's own inputs besides points and wards: the households table (the rates' denominators) and the
 * --ward code (plan.h). */
#include "internal/csv.h"
#include "internal/plan.h"
#include "internal/sm_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Field j of the current record, quoted for a message, into q. */
static const char *fq(const sm_csv *c, size_t j, char *q, size_t n) {
  sm__quote(q, n, c->fs[j], c->fl[j]);
  return q;
}

static long column(const sm_csv *c, const char *name) {
  for (size_t j = 0; j < c->nf; j++)
    if (sm__strncaseeq(c->fs[j], c->fl[j], name)) return (long)j;
  return -1;
}

static sm_status header(sm_ctx *ctx, const char *path, sm_csv *c, const char *id_field, const char *field, long *fi,
                        long *fv) {
  int rc = sm__csv_next(c);
  if (rc == SM_CSV_EOF) return sm__error(ctx, SM_E_INPUT, "--households %s: the file is empty (no header)", path);
  if (rc != SM_CSV_RECORD)
    return sm__error(ctx, rc == SM_CSV_ENOMEM ? SM_E_NOMEM : SM_E_INPUT, "--households %s:1: %s", path,
                     rc == SM_CSV_ENOMEM ? "out of memory" : "not a CSV header");
  *fi = id_field ? column(c, id_field) : 0;
  *fv = column(c, field);
  if (*fi >= 0 && *fv >= 0 && *fi != *fv) return SM_OK;
  char head[400] = "", q[80];
  for (size_t j = 0, k = 0; j < c->nf && k < sizeof head; j++)
    k += (size_t)snprintf(head + k, sizeof head - k, "%s%s", j ? "," : "", fq(c, j, q, sizeof q));
  if (*fi < 0)
    return sm__error(ctx, SM_E_INPUT, "--households %s:1: no ward code column '%s' (--households-id); the columns are: %s",
                     path, id_field, head);
  return sm__error(ctx, SM_E_INPUT, "--households %s:1: no column '%s' (--households-field names the denominator); "
                   "the columns are: %s", path, field, head);
}

/* Index of the area with id [s, s+n), or -1. */
static long area_of(const sm_areas *areas, const char *s, size_t n) {
  for (size_t i = 0; i < sm_areas_count(areas); i++) {
    const char *id = sm_areas_id(areas, i);
    if (strlen(id) == n && !memcmp(id, s, n)) return (long)i;
  }
  return -1;
}

sm_status sm__plan_households(sm_ctx *ctx, const char *path, const char *id_field, const char *field,
                              const sm_areas *areas, double *hh) {
  size_t na = sm_areas_count(areas);
  for (size_t i = 0; i < na; i++) hh[i] = NAN;
  if (!field) field = "households";
  FILE *f = fopen(path, "rb");
  if (!f) return sm__error(ctx, SM_E_IO, "--households %s: cannot open it: %s", path, strerror(errno));
  sm_csv c;
  if (sm__csv_open_file(&c, f)) {
    fclose(f);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  long fi = -1, fv = -1;
  sm_status st = header(ctx, path, &c, id_field, field, &fi, &fv);
  uint64_t *line_of = st ? NULL : sm__calloc(na ? na : 1, sizeof *line_of);
  if (!st && !line_of) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  int rc;
  char q1[80], q2[80];
  while (!st && (rc = sm__csv_next(&c)) == SM_CSV_RECORD) {
    if (c.nf == 1 && c.fl[0] == 0) continue; /* a blank line */
    if ((size_t)fi >= c.nf || (size_t)fv >= c.nf) {
      st = sm__error(ctx, SM_E_INPUT, "--households %s:%llu: the row has %zu fields, too few for the columns used", path,
                     (unsigned long long)c.line, c.nf);
      break;
    }
    const char *s = c.fs[fi], *e = s + c.fl[fi];
    while (s < e && isspace((unsigned char)*s)) s++;
    while (e > s && isspace((unsigned char)e[-1])) e--;
    long a = area_of(areas, s, (size_t)(e - s));
    if (a < 0) {
      sm__log(ctx, SM_LOG_WARNING, "--households %s:%llu: ward '%s' is not one of the wards; left out", path,
              (unsigned long long)c.line, fq(&c, (size_t)fi, q1, sizeof q1));
      continue;
    }
    const char *name = sm_areas_name(areas, (size_t)a);
    if (line_of[a]) {
      st = sm__error(ctx, SM_E_INPUT, "--households %s:%llu: ward %s (%s) is given twice (also on line %llu)", path,
                     (unsigned long long)c.line, sm_areas_id(areas, (size_t)a), name, (unsigned long long)line_of[a]);
      break;
    }
    line_of[a] = c.line;
    double v;
    int pr = sm__parse_double(c.fs[fv], c.fl[fv], &v);
    if (pr || !isfinite(v) || v <= 0) {
      st = sm__error(ctx, SM_E_INPUT, "--households %s:%llu: ward %s (%s): field '%s' value '%s' is %s", path,
                     (unsigned long long)c.line, sm_areas_id(areas, (size_t)a), name, field,
                     fq(&c, (size_t)fv, q2, sizeof q2),
                     pr == 1 ? "empty: every ward needs a number of households > 0"
                     : pr || !isfinite(v) ? "not a number"
                     : v == 0 ? "zero: a rate per household needs households > 0"
                              : "negative: households are a count > 0");
      break;
    }
    hh[a] = v;
  }
  if (!st && rc != SM_CSV_EOF)
    st = sm__error(ctx, rc == SM_CSV_ENOMEM ? SM_E_NOMEM : SM_E_INPUT, "--households %s:%llu: %s", path,
                   (unsigned long long)c.line, rc == SM_CSV_ENOMEM ? "out of memory" : "an unterminated quoted field");
  if (!st) {
    sm_buf miss = {0};
    size_t nmiss = 0;
    for (size_t i = 0; i < na && !st; i++)
      if (!line_of[i] && nmiss++ < 10 &&
          sm__buf_printf(&miss, "%s%s (%s)", miss.n ? ", " : "", sm_areas_id(areas, i), sm_areas_name(areas, i)))
        st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (!st && nmiss)
      st = sm__error(ctx, SM_E_INPUT, "--households %s: %zu ward%s missing: %s%s; every ward needs its households", path,
                     nmiss, nmiss == 1 ? " is" : "s are", miss.s, nmiss > 10 ? ", ..." : "");
    sm__free(miss.s);
  }
  sm__free(line_of);
  sm__csv_close(&c);
  fclose(f);
  return st;
}

/* Edit distance of two short strings, case folded (capped at 64 characters). */
static size_t distance(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b), row[65];
  if (na > 64) na = 64;
  if (nb > 64) nb = 64;
  for (size_t j = 0; j <= nb; j++) row[j] = j;
  for (size_t i = 1; i <= na; i++) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= nb; j++) {
      size_t cur = row[j], sub = prev + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
      size_t best = row[j] + 1 < row[j - 1] + 1 ? row[j] + 1 : row[j - 1] + 1;
      row[j] = sub < best ? sub : best;
      prev = cur;
    }
  }
  return row[nb];
}

sm_status sm__plan_find_ward(sm_ctx *ctx, const sm_areas *areas, const char *code, size_t *index) {
  size_t n = sm_areas_count(areas), best = 0, bd = (size_t)-1;
  for (size_t i = 0; i < n; i++)
    if (!strcmp(sm_areas_id(areas, i), code)) return *index = i, SM_OK;
  for (size_t i = 0; i < n; i++) { /* the closest by code, or by name */
    size_t d = distance(code, sm_areas_id(areas, i)), dn = distance(code, sm_areas_name(areas, i));
    if (dn < d) d = dn;
    if (d < bd) bd = d, best = i;
  }
  sm_buf known = {0};
  for (size_t i = 0; i < n && i < 40; i++)
    if (sm__buf_printf(&known, "%s%s", i ? ", " : "", sm_areas_id(areas, i))) {
      sm__free(known.s);
      return sm__error(ctx, SM_E_NOMEM, "out of memory");
    }
  char q[80];
  sm__quote(q, sizeof q, code, strlen(code));
  sm_status st = sm__error(ctx, SM_E_INPUT, "--ward '%s' is not one of the %zu wards' codes (field %s); the closest is %s "
                           "(%s); the codes are: %s%s", q, n, sm_areas_id_field(areas),
                           n ? sm_areas_id(areas, best) : "none", n ? sm_areas_name(areas, best) : "",
                           known.s ? known.s : "", n > 40 ? ", ..." : "");
  sm__free(known.s);
  return st;
}
