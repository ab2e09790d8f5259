/* IES LM-63 photometric files (docs/photometry.md): the reader of type C files, the intensity with the file's
 * symmetry expanded, the flux by the zonal-lumen method, and the C-averaged profile and horizontal illuminance
 * the safety audit's lighting model uses in place of the cosine point source. */
#include "internal/audit_ies.h"
#include "internal/sm_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IES_MAX_BYTES ((size_t)64 << 20) /* the largest real files are some hundred kB */
#define DEG (M_PI / 180.0)

void sm__ies_free(sm__ies *ies) {
  if (!ies) return;
  sm__free(ies->v), sm__free(ies->h), sm__free(ies->cd), sm__free(ies->path);
  memset(ies, 0, sizeof *ies);
}

/* ---- symmetry ------------------------------------------------------------------------------------ */

enum { FORM_ROT, FORM_QUAD, FORM_BILAT, FORM_PLANE90, FORM_FULL, FORM_NONE };

/* The symmetry form of a horizontal angle set (increasing), FORM_NONE when it is none of LM-63's. */
static int h_form(const double *h, size_t n) {
  if (n == 1) return h[0] >= 0 && h[0] <= 360 ? FORM_ROT : FORM_NONE;
  double a = h[0], b = h[n - 1];
  if (a == 0 && b == 90) return FORM_QUAD;
  if (a == 0 && b == 180) return FORM_BILAT;
  if (a == 90 && b == 270) return FORM_PLANE90;
  if (a == 0 && b == 360) return FORM_FULL;
  if (a == 0 && b > 270 && b < 360) { /* 0, 5, ..., 355: a full set whose last step, back to 0, is left out */
    double step = 0;
    for (size_t i = 1; i < n; i++) step = fmax(step, h[i] - h[i - 1]);
    if (360 - b <= step + 1e-9) return FORM_FULL;
  }
  return FORM_NONE;
}

/* The weight of horizontal set i in the mean over the whole circle of C (the trapezium rule over the expanded
 * angles: exact for the linear interpolation in C). The weights add up to 1. */
static double c_weight(const double *h, size_t n, size_t i) {
  if (n == 1) return 1;
  double span = h[n - 1] - h[0], w = 0;
  if (i > 0) w += (h[i] - h[i - 1]) / 2;
  if (i + 1 < n) w += (h[i + 1] - h[i]) / 2;
  if (h_form(h, n) == FORM_FULL && h[n - 1] < 360) {
    double wrap = 360 - h[n - 1];
    span = 360;
    if (i == 0 || i == n - 1) w += wrap / 2;
  }
  return w / span;
}

/* Index k with x[k] <= t <= x[k + 1] (n >= 2, x[0] <= t <= x[n - 1]). */
static size_t bracket(const double *x, size_t n, double t) {
  size_t lo = 0, hi = n - 1;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (x[mid] <= t) lo = mid;
    else hi = mid;
  }
  return lo;
}

/* Intensity of horizontal set i at vertical angle g (degrees, 0..180), linear in g; 0 outside the angles. */
static double set_at(const sm__ies *ies, size_t i, double g) {
  size_t nv = ies->n_v;
  const double *v = ies->v, *f = ies->cd + i * nv;
  if (!(g >= v[0] && g <= v[nv - 1])) return 0;
  size_t k = bracket(v, nv, g);
  double t = (g - v[k]) / (v[k + 1] - v[k]);
  return f[k] + (f[k + 1] - f[k]) * t;
}

double sm__ies_intensity(const sm__ies *ies, double gamma_deg, double c_deg) {
  if (!ies || !ies->n_v || !ies->n_h || !isfinite(gamma_deg) || !isfinite(c_deg)) return 0;
  double g = fmod(gamma_deg, 360), c = c_deg;
  if (g < 0) g += 360;
  if (g > 180) g = 360 - g, c += 180; /* through the pole: the other half of the plane */
  const double *h = ies->h;
  size_t nh = ies->n_h;
  int form = h_form(h, nh);
  if (form == FORM_ROT || form == FORM_NONE) return set_at(ies, 0, g);
  c = fmod(c, 360);
  if (c < 0) c += 360;
  switch (form) {
  case FORM_QUAD: /* symmetric about the 0-180 and 90-270 planes */
    if (c > 180) c = 360 - c;
    if (c > 90) c = 180 - c;
    break;
  case FORM_BILAT: /* about the 0-180 plane */
    if (c > 180) c = 360 - c;
    break;
  case FORM_PLANE90: /* about the 90-270 plane */
    if (c < 90) c = 180 - c;
    else if (c > 270) c = 540 - c;
    break;
  default: /* full: from the last angle back to 360 = 0 */
    if (c > h[nh - 1]) {
      double t = (c - h[nh - 1]) / (360 - h[nh - 1]);
      double a = set_at(ies, nh - 1, g), b = set_at(ies, 0, g);
      return a + (b - a) * t;
    }
  }
  if (c < h[0]) c = h[0];
  if (c > h[nh - 1]) c = h[nh - 1];
  size_t i = bracket(h, nh, c);
  double t = (c - h[i]) / (h[i + 1] - h[i]);
  double a = set_at(ies, i, g), b = set_at(ies, i + 1, g);
  return a + (b - a) * t;
}

/* ∫ I(γ) sin γ dγ over [lo, hi] (degrees) for one horizontal set, I linear between the vertical angles (and 0
 * outside them): exact, segment by segment. */
static double zonal(const sm__ies *ies, size_t i, double lo, double hi) {
  const double *v = ies->v;
  double sum = 0;
  for (size_t k = 0; k + 1 < ies->n_v; k++) {
    double a = fmax(v[k], lo), b = fmin(v[k + 1], hi);
    if (!(b > a)) continue;
    double fa = set_at(ies, i, a), fb = set_at(ies, i, b);
    double ar = a * DEG, br = b * DEG, d = br - ar;
    /* I = fa (b - γ)/d + fb (γ - a)/d: B = ∫ (γ - a)/d sin γ, A = ∫ sin γ - B */
    double B = (sin(br) - sin(ar) - d * cos(br)) / d;
    double A = cos(ar) - cos(br) - B;
    sum += fa * A + fb * B;
  }
  return sum;
}

/* ---- reading ------------------------------------------------------------------------------------- */

typedef struct cursor {
  const char *p, *end;
  long line; /* of p */
  long last; /* of the last number read (the TILT line before any) */
} cursor;

static int is_sep(char c) {
  return c == ' ' || c == '\t' || c == ',' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0x1a;
}

/* The next number after the TILT line. 0: *v set; 1: end of the file; 2: a token that is not a number (tok). */
static int next_number(cursor *c, double *v, long *line, const char **tok, size_t *toklen) {
  while (c->p < c->end && is_sep(*c->p)) {
    if (*c->p == '\n' || (*c->p == '\r' && !(c->p + 1 < c->end && c->p[1] == '\n'))) c->line++;
    c->p++;
  }
  if (c->p >= c->end) return *line = c->last, 1;
  *line = c->last = c->line;
  const char *s = c->p;
  while (c->p < c->end && !is_sep(*c->p)) c->p++;
  size_t n = (size_t)(c->p - s);
  *tok = s, *toklen = n;
  char buf[64];
  if (n >= sizeof buf) return 2;
  for (size_t k = 0; k < n; k++)
    if (!strchr("+-.0123456789eE", s[k])) return 2;
  memcpy(buf, s, n);
  buf[n] = 0;
  char *e = NULL;
  errno = 0;
  double x = strtod(buf, &e);
  if (e != buf + n || !isfinite(x)) return 2;
  *v = x;
  return 0;
}

/* Reads the whole file (at most IES_MAX_BYTES) into *buf (NUL-terminated). */
static sm_status slurp(sm_ctx *ctx, const char *path, char **buf, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return sm__error(ctx, SM_E_IO, "cannot open '%s': %s", path, strerror(errno));
  char *b = NULL;
  size_t n = 0, cap = 0;
  sm_status st = SM_OK;
  for (;;) {
    if (n + 65536 + 1 > cap && (st = sm__grow((void **)&b, &cap, n + 65536 + 1, 1))) {
      st = sm__error(ctx, SM_E_NOMEM, "out of memory");
      break;
    }
    size_t got = fread(b + n, 1, cap - n - 1, f);
    n += got;
    if (n > IES_MAX_BYTES) {
      st = sm__error(ctx, SM_E_INPUT, "%s: more than %zu MiB: not an IES LM-63 photometric file", path,
                     IES_MAX_BYTES >> 20);
      break;
    }
    if (got == 0) {
      if (ferror(f)) st = sm__error(ctx, SM_E_IO, "cannot read '%s': %s", path, strerror(errno));
      break;
    }
  }
  fclose(f);
  if (st) return sm__free(b), st;
  if (!b && !(b = sm__malloc(1))) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  b[n] = 0;
  *buf = b, *len = n;
  return SM_OK;
}

/* The end of the line starting at p, and the start of the next one. */
static const char *line_end(const char *p, const char *end, const char **next) {
  const char *q = p;
  while (q < end && *q != '\n' && *q != '\r') q++;
  *next = q < end ? q + 1 + (*q == '\r' && q + 1 < end && q[1] == '\n') : end;
  return q;
}

static const char *const HEADER_NAME[13] = {
    "the number of lamps", "the lumens per lamp", "the candela multiplier", "the number of vertical angles",
    "the number of horizontal angles", "the photometric type", "the units type", "the luminous opening's width",
    "the luminous opening's length", "the luminous opening's height", "the ballast factor",
    "the ballast-lamp photometric factor (future use)", "the input watts"};

/* What the k-th number after TILT=NONE is, for messages. */
static void describe(char *b, size_t size, size_t k, size_t nv, size_t nh, const double *h) {
  if (k < 13) snprintf(b, size, "%s", HEADER_NAME[k]);
  else if ((k -= 13) < nv) snprintf(b, size, "vertical angle %zu of %zu", k + 1, nv);
  else if ((k -= nv) < nh) snprintf(b, size, "horizontal angle %zu of %zu", k + 1, nh);
  else snprintf(b, size, "candela value %zu of %zu at horizontal angle %g", (k - nh) % nv + 1, nv, h[(k - nh) / nv]);
}

sm_status sm__ies_read(sm_ctx *ctx, const char *path, sm__ies *out) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm__ies_read: NULL argument");
  memset(out, 0, sizeof *out);
  if (!path) return sm__error(ctx, SM_E_INVALID_ARG, "sm__ies_read: NULL path");
  char *buf = NULL;
  size_t len = 0;
  sm_status st = slurp(ctx, path, &buf, &len);
  if (st) return st;
  const char *p = buf, *end = buf + len;
  char q[96];
  if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3; /* a UTF-8 byte-order mark */
  if (!len) {
    st = sm__error(ctx, SM_E_INPUT, "%s: line 1: the file is empty (0 bytes): not an IES LM-63 photometric file", path);
    goto done;
  }
  if (memchr(buf, 0, len)) {
    size_t at = (size_t)((const char *)memchr(buf, 0, len) - buf);
    st = sm__error(ctx, SM_E_INPUT, "%s: not an IES LM-63 photometric file: binary data (a NUL byte at byte %zu)",
                   path, at + 1);
    goto done;
  }
  /* the version line, the keyword (or, before 1995, label) lines, and TILT= */
  const char *next, *e = line_end(p, end, &next);
  while (p < e && (*p == ' ' || *p == '\t')) p++;
  if (!strncasecmp(p, "IESNA:LM-63-", 12) || !strncasecmp(p, "IES:LM-63-", 10)) {
    const char *y = p + (p[3] == ':' ? 10 : 12);
    snprintf(out->version, sizeof out->version, "LM-63-%.*s", (int)fmin(4, (double)(e - y)), y);
  } else if (!strncasecmp(p, "IESNA91", 7)) {
    snprintf(out->version, sizeof out->version, "LM-63-1991");
  } else if (!strncasecmp(p, "IESNA", 5)) {
    snprintf(out->version, sizeof out->version, "LM-63-?");
  } else {
    snprintf(out->version, sizeof out->version, "LM-63-1986"); /* no version line */
  }
  const char *first = p, *first_end = e;
  long line = 1, tilt_line = 0;
  const char *tilt = NULL, *tilt_end = NULL;
  for (p = buf; p < end; p = next, line++) {
    e = line_end(p, end, &next);
    const char *s = p;
    while (s < e && (*s == ' ' || *s == '\t' || *s == '\xEF' || *s == '\xBB' || *s == '\xBF')) s++;
    if (e - s >= 4 && !strncasecmp(s, "TILT", 4)) {
      const char *t = s + 4;
      while (t < e && (*t == ' ' || *t == '\t')) t++;
      if (t < e && *t == '=') {
        tilt = t + 1, tilt_end = e, tilt_line = line;
        break;
      }
    }
  }
  if (!tilt) {
    sm__quote(q, 60, first, (size_t)(first_end - first));
    if (strcmp(out->version, "LM-63-1986")) /* a version line, then no TILT */
      st = sm__error(ctx, SM_E_INPUT, "%s: line %ld: the file ends without its TILT= line: not a whole IES LM-63 file",
                     path, line - 1);
    else
      st = sm__error(ctx, SM_E_INPUT, "%s: line 1: not an IES LM-63 photometric file: no TILT= line (it starts '%s')",
                     path, q);
    goto done;
  }
  while (tilt < tilt_end && (*tilt == ' ' || *tilt == '\t')) tilt++;
  while (tilt_end > tilt && (tilt_end[-1] == ' ' || tilt_end[-1] == '\t' || tilt_end[-1] == 0x1a)) tilt_end--;
  if (!(tilt_end - tilt == 4 && !strncasecmp(tilt, "NONE", 4))) {
    sm__quote(q, 60, tilt, (size_t)(tilt_end - tilt));
    st = sm__error(ctx, SM_E_INPUT,
                   "%s: line %ld: TILT=%s: TILT=INCLUDE/file not supported (the lamp-tilt factors are not read: "
                   "only files with TILT=NONE)",
                   path, tilt_line, q);
    goto done;
  }

  /* the numbers */
  cursor c = {next, end, tilt_line + 1, tilt_line};
  double hd[13];
  size_t nv = 0, nh = 0, k = 0, total = 13;
  long ln = 0, hline[13];
  const char *tok = NULL;
  size_t toklen = 0;
  char what[128];
#define NEXT(dst)                                                                                                  \
  do {                                                                                                             \
    int r_ = next_number(&c, &(dst), &ln, &tok, &toklen);                                                          \
    if (r_) {                                                                                                      \
      describe(what, sizeof what, k, nv, nh, out->h);                                                              \
      if (r_ == 1 && k >= 5)                                                                                       \
        st = sm__error(ctx, SM_E_INPUT,                                                                            \
                       "%s: line %ld: the file ends before %s: %zu of the %zu numbers after TILT=NONE (truncated)", \
                       path, ln, what, k, total);                                                                  \
      else if (r_ == 1)                                                                                            \
        st = sm__error(ctx, SM_E_INPUT, "%s: line %ld: the file ends before %s, after %zu numbers (truncated)",   \
                       path, ln, what, k);                                                                         \
      else {                                                                                                       \
        sm__quote(q, 40, tok, toklen);                                                                             \
        st = sm__error(ctx, SM_E_INPUT, "%s: line %ld: '%s' is not a number (%s)", path, ln, q, what);             \
      }                                                                                                            \
      goto done;                                                                                                   \
    }                                                                                                              \
    k++;                                                                                                           \
  } while (0)
  for (int f = 0; f < 13; f++) {
    NEXT(hd[f]);
    hline[f] = ln;
    if (f == 4) { /* the counts: is there room for the table they promise? */
      for (int g = 3; g <= 4; g++)
        if (hd[g] != floor(hd[g]) || hd[g] < (g == 3 ? 2 : 1) || hd[g] > 1e6) {
          st = sm__error(ctx, SM_E_INPUT, "%s: line %ld: %s is %g, not a whole number of at least %d", path,
                         hline[g], HEADER_NAME[g], hd[g], g == 3 ? 2 : 1);
          goto done;
        }
      double want = 8 + hd[3] + hd[4] + hd[3] * hd[4], room = (double)(end - c.p) / 2 + 1;
      if (want > room) {
        long last = c.line;
        for (long l = c.line; c.p < end; c.p++) { /* the last line with something on it */
          if (*c.p == '\n' || (*c.p == '\r' && !(c.p + 1 < end && c.p[1] == '\n'))) l++;
          else if (!is_sep(*c.p)) last = l;
        }
        st = sm__error(ctx, SM_E_INPUT,
                       "%s: line %ld: the file ends before the table of %g vertical × %g horizontal angles that line "
                       "%ld promises (%g numbers; the rest of the file holds at most %g): truncated",
                       path, last, hd[3], hd[4], hline[4], want, floor(room));
        goto done;
      }
      nv = (size_t)hd[3], nh = (size_t)hd[4];
      total = 13 + nv + nh + nv * nh;
    }
  }
  /* the header's values */
  if (!(hd[2] > 0)) {
    st = sm__error(ctx, SM_E_INPUT, "%s: line %ld: the candela multiplier %g is not positive", path, hline[2], hd[2]);
    goto done;
  }
  if (hd[5] != 1) {
    int type = hd[5] == 2 ? 2 : 3;
    if (hd[5] == 2 || hd[5] == 3)
      st = sm__error(ctx, SM_E_INPUT,
                     "%s: line %ld: photometric type %d (type %s) is not supported: only type C photometry (1), that of "
                     "road and area luminaires, is read",
                     path, hline[5], type, type == 2 ? "B" : "A");
    else
      st = sm__error(ctx, SM_E_INPUT, "%s: line %ld: photometric type %g is not 1 (C), 2 (B) or 3 (A)", path,
                     hline[5], hd[5]);
    goto done;
  }
  if (hd[6] != 1 && hd[6] != 2) {
    st = sm__error(ctx, SM_E_INPUT, "%s: line %ld: units type %g is not 1 (feet) or 2 (metres)", path, hline[6], hd[6]);
    goto done;
  }
  if (hd[1] != -1 && !(hd[1] > 0 && hd[0] > 0)) {
    st = sm__error(ctx, SM_E_INPUT,
                   "%s: line %ld: %g lamps of %g lumens: the lumens per lamp must be positive, or -1 for absolute "
                   "photometry, with a positive number of lamps",
                   path, hline[1], hd[0], hd[1]);
    goto done;
  }
  if (!(hd[10] > 0)) {
    st = sm__error(ctx, SM_E_INPUT, "%s: line %ld: the ballast factor %g is not positive", path, hline[10], hd[10]);
    goto done;
  }
  out->lamp_lumens = hd[1] == -1 ? NAN : hd[0] * hd[1];
  out->multiplier = hd[2] * hd[10];
  out->units = (int)hd[6];
  for (int d = 0; d < 3; d++) out->opening_m[d] = hd[7 + d] * (out->units == 1 ? 0.3048 : 1);
  out->input_watts = hd[12];
  out->n_v = nv, out->n_h = nh;
  out->v = sm__malloc(nv * sizeof *out->v), out->h = sm__malloc(nh * sizeof *out->h);
  out->cd = sm__malloc(nv * nh * sizeof *out->cd);
  out->path = sm__strdup(path);
  if (!out->v || !out->h || !out->cd || !out->path) {
    st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    goto done;
  }
  /* the angles */
  for (size_t j = 0; j < nv; j++) {
    NEXT(out->v[j]);
    double a = out->v[j];
    if (!(a >= 0 && a <= 180))
      st = sm__error(ctx, SM_E_INPUT, "%s: line %ld: vertical angle %zu is %g, outside 0-180", path, ln, j + 1, a);
    else if (j == 0 && a != 0 && a != 90)
      st = sm__error(ctx, SM_E_INPUT,
                     "%s: line %ld: the vertical angles start at %g, not at 0 or 90 as type C photometry's do", path,
                     ln, a);
    else if (j > 0 && !(a > out->v[j - 1]))
      st = sm__error(ctx, SM_E_INPUT, "%s: line %ld: the vertical angles are not increasing: %g after %g (angles %zu "
                     "and %zu)", path, ln, a, out->v[j - 1], j, j + 1);
    if (st) goto done;
  }
  for (size_t i = 0; i < nh; i++) {
    NEXT(out->h[i]);
    double a = out->h[i];
    if (!(a >= 0 && a <= 360))
      st = sm__error(ctx, SM_E_INPUT, "%s: line %ld: horizontal angle %zu is %g, outside 0-360", path, ln, i + 1, a);
    else if (i > 0 && !(a > out->h[i - 1]))
      st = sm__error(ctx, SM_E_INPUT, "%s: line %ld: the horizontal angles are not increasing: %g after %g (angles "
                     "%zu and %zu)", path, ln, a, out->h[i - 1], i, i + 1);
    if (st) goto done;
  }
  if (h_form(out->h, nh) == FORM_NONE) {
    st = sm__error(ctx, SM_E_INPUT,
                   "%s: line %ld: horizontal angles from %g to %g are not one of LM-63's symmetry forms for type C "
                   "(0 alone: rotationally symmetric; 0 to 90: quadrant; 0 to 180: bilateral; 90 to 270; 0 to 360)",
                   path, ln, out->h[0], out->h[nh - 1]);
    goto done;
  }
  /* the candela */
  for (size_t i = 0; i < nh; i++)
    for (size_t j = 0; j < nv; j++) {
      double x;
      NEXT(x);
      if (x < 0) {
        st = sm__error(ctx, SM_E_INPUT,
                       "%s: line %ld: negative candela %g at horizontal angle %g, vertical angle %g", path, ln, x,
                       out->h[i], out->v[j]);
        goto done;
      }
      out->cd[i * nv + j] = x * out->multiplier;
    }
#undef NEXT
  {
    double extra;
    long eln;
    int r = next_number(&c, &extra, &eln, &tok, &toklen);
    if (r != 1)
      sm__log(ctx, SM_LOG_WARNING, "%s: line %ld: what follows the %zu numbers of the candela table is ignored", path,
              eln, nv * nh);
  }
  /* the flux: 2π × the mean over C of ∫ I sin γ dγ */
  double flux = 0, down = 0;
  for (size_t i = 0; i < nh; i++) {
    double w = c_weight(out->h, nh, i);
    flux += w * zonal(out, i, 0, 180), down += w * zonal(out, i, 0, 90);
  }
  out->flux = 2 * M_PI * flux, out->downward_flux = 2 * M_PI * down;
done:
  sm__free(buf);
  if (st) sm__ies_free(out);
  return st;
}

/* ---- the model's use ----------------------------------------------------------------------------- */

sm_status sm__ies_mean_profile(sm_ctx *ctx, const sm__ies *ies, double **cd_out, size_t *n_out) {
  if (!ies || !cd_out || !n_out || !ies->n_v || !ies->n_h)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm__ies_mean_profile: NULL argument or no photometry read");
  size_t n = (size_t)lround(90 / SM__IES_PROFILE_STEP_DEG) + 1;
  double *p = sm__malloc(n * sizeof *p);
  if (!p) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t k = 0; k < n; k++) {
    double g = (double)k * SM__IES_PROFILE_STEP_DEG, s = 0;
    for (size_t i = 0; i < ies->n_h; i++) s += c_weight(ies->h, ies->n_h, i) * set_at(ies, i, g);
    p[k] = s;
  }
  *cd_out = p, *n_out = n;
  return SM_OK;
}

double sm__ies_illuminance(const double *profile, size_t n, double scale, double h_m, double r_m) {
  if (!profile || n < 2 || !(h_m > 0) || !isfinite(r_m)) return 0;
  double r = fabs(r_m), d2 = h_m * h_m + r * r;
  double x = atan2(r, h_m) / DEG / (90.0 / (double)(n - 1));
  size_t k = (size_t)x;
  if (k >= n - 1) return 0;
  double I = profile[k] + (profile[k + 1] - profile[k]) * (x - (double)k);
  return I * scale * (h_m / sqrt(d2)) / d2;
}
