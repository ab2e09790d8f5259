/* Status codes, allocation, messages, small text helpers. */
#include "internal/options.h"
#include "internal/sm_internal.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <langinfo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

static const char *const status_names[SM_STATUS_END_] = {
    "success",
    "invalid argument",
    "bad input data",
    "CRS error",
    "I/O error",
    "geometry error",
    "out of memory",
    "cancelled",
    "dependency error",
    "unsupported",
    "internal error",
};

const char *sm_status_str(sm_status status) {
  if ((int)status < 0 || status >= SM_STATUS_END_) return "unknown status";
  return status_names[status];
}

void sm_free(void *ptr) { free(ptr); }

/* ---- allocation ----------------------------------------------------------- */
/* Test hook: the k-th allocation from now fails. Atomic, since the analyses allocate inside parallel
 * regions too (which allocation is the k-th there depends on the threads: the tests only ask that every
 * failure is reported cleanly). */
static _Atomic long fail_countdown = 0;

void sm__alloc_fail_after(long k) { atomic_store(&fail_countdown, k); }

static int should_fail(void) {
  if (atomic_load_explicit(&fail_countdown, memory_order_relaxed) <= 0) return 0;
  return atomic_fetch_sub(&fail_countdown, 1) == 1;
}

void *sm__malloc(size_t n) { return should_fail() ? NULL : malloc(n ? n : 1); }
void *sm__calloc(size_t n, size_t size) { return should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1); }
void *sm__realloc(void *p, size_t n) { return should_fail() ? NULL : realloc(p, n ? n : 1); }
void sm__free(void *p) { free(p); }

char *sm__strdup(const char *s) { return s ? sm__strndup(s, strlen(s)) : NULL; }

char *sm__strndup(const char *s, size_t n) {
  char *d = sm__malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *sm__vasprintf(const char *fmt, va_list ap) {
  va_list aq;
  va_copy(aq, ap);
  int n = vsnprintf(NULL, 0, fmt, aq);
  va_end(aq);
  char *s = n >= 0 ? sm__malloc((size_t)n + 1) : NULL;
  if (s) vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

char *sm__asprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = sm__vasprintf(fmt, ap);
  va_end(ap);
  return s;
}

sm_status sm__html_str(sm_buf *b, const char *s) {
  sm_status st = SM_OK;
  for (; s && *s && !st; s++) {
    switch (*s) {
    case '&': st = sm__buf_append(b, "&amp;", 5); break;
    case '<': st = sm__buf_append(b, "&lt;", 4); break;
    case '>': st = sm__buf_append(b, "&gt;", 4); break;
    case '"': st = sm__buf_append(b, "&quot;", 6); break;
    default: st = sm__buf_append(b, s, 1);
    }
  }
  return st ? SM_E_NOMEM : SM_OK;
}

sm_status sm__grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return SM_OK;
  size_t c = *cap ? *cap : 16;
  while (c < need) {
    if (c > SIZE_MAX / 2 / elem) return SM_E_NOMEM;
    c *= 2;
  }
  void *q = sm__realloc(*p, c * elem);
  if (!q) return SM_E_NOMEM;
  *p = q;
  *cap = c;
  return SM_OK;
}

/* ---- messages --------------------------------------------------------------- */
sm_status sm__error(sm_ctx *ctx, sm_status status, const char *fmt, ...) {
  if (!ctx) return status;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ctx->last_error, sizeof ctx->last_error, fmt, ap);
  va_end(ap);
  ctx->last_status = status;
  return status;
}

void sm__log(sm_ctx *ctx, sm_log_level level, const char *fmt, ...) {
  if (!ctx || !ctx->log || level > ctx->log_level) return;
  char msg[SM_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  ctx->log(level, msg, ctx->log_user);
}

sm_status sm__progress(sm_ctx *ctx, double fraction, const char *message) {
  if (!ctx || !ctx->progress) return SM_OK;
  if (fraction < 0) fraction = 0;
  if (fraction > 1) fraction = 1;
  double f = ctx->progress_base + fraction * ctx->progress_span;
  if (!ctx->progress(f, message ? message : "", ctx->progress_user))
    return sm__error(ctx, SM_E_CANCELLED, "cancelled by the caller%s%s", message ? " during " : "",
                     message ? message : "");
  return SM_OK;
}

void sm__progress_push(sm_ctx *ctx, double from, double to, double saved[2]) {
  saved[0] = ctx->progress_base;
  saved[1] = ctx->progress_span;
  ctx->progress_base = saved[0] + from * saved[1];
  ctx->progress_span = (to - from) * saved[1];
}

void sm__progress_pop(sm_ctx *ctx, const double saved[2]) {
  ctx->progress_base = saved[0];
  ctx->progress_span = saved[1];
}

/* ---- buffers ------------------------------------------------------------------ */
sm_status sm__buf_append(sm_buf *b, const char *s, size_t n) {
  if (sm__grow((void **)&b->s, &b->cap, b->n + n + 1, 1)) return SM_E_NOMEM;
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = '\0';
  return SM_OK;
}

sm_status sm__buf_printf(sm_buf *b, const char *fmt, ...) {
  va_list ap, aq;
  va_start(ap, fmt);
  va_copy(aq, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || sm__grow((void **)&b->s, &b->cap, b->n + (size_t)n + 1, 1)) {
    va_end(aq);
    return SM_E_NOMEM;
  }
  vsnprintf(b->s + b->n, (size_t)n + 1, fmt, aq);
  va_end(aq);
  b->n += (size_t)n;
  return SM_OK;
}

/* ---- text --------------------------------------------------------------------- */
int sm__strcaseeq(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
  return *a == *b;
}

int sm__strncaseeq(const char *a, size_t alen, const char *b) {
  size_t i = 0;
  for (; i < alen && b[i]; i++)
    if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return 0;
  return i == alen && b[i] == '\0';
}

/* Plain decimals ([-]digits[.digits][e[+-]digits]) whose digits make an
 * integer w <= 2^53 and whose decimal exponent is within 22: w and 10^|e| are
 * exact doubles, so one multiplication or division rounds the true value
 * once, correctly, as strtod does (Clinger 1990): the same bits, without
 * strtod's cost. Returns 0 for anything else, which strtod then judges. */
static int parse_plain_decimal(const char *s, size_t len, double *out) {
#if FLT_EVAL_METHOD == 0
  static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  size_t i = s[0] == '-';
  uint64_t w = 0;
  int nd = 0, e10 = 0, any = 0, dot = 0;
  for (; i < len; i++) {
    unsigned d = (unsigned)(unsigned char)s[i] - '0';
    if (d < 10) {
      any = 1;
      if (dot) e10--;
      if (w == 0 && d == 0) continue; /* a leading zero */
      if (++nd > 19) return 0;        /* w would overflow */
      w = w * 10 + d;
    } else if (s[i] == '.' && !dot) {
      dot = 1;
    } else {
      break;
    }
  }
  if (!any) return 0;
  if (i < len) {
    if (s[i] != 'e' && s[i] != 'E') return 0;
    i++;
    int eneg = 0, ex = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    if (i == len) return 0;
    for (; i < len; i++) {
      unsigned d = (unsigned)(unsigned char)s[i] - '0';
      if (d >= 10 || ex > 9999) return 0;
      ex = ex * 10 + (int)d;
    }
    e10 += eneg ? -ex : ex;
  }
  if (w > (UINT64_C(1) << 53)) return 0;
  /* strtod's decimal point is the locale's (this thread's): "." here. */
  if (dot) {
    const char *radix = nl_langinfo(RADIXCHAR);
    if (!radix || radix[0] != '.' || radix[1] != '\0') return 0;
  }
  double v = s[0] == '-' ? -(double)w : (double)w; /* the sign first: right in any rounding mode */
  if (w == 0) {
    *out = v;
    return 1;
  }
  if (e10 < -22 || e10 > 22) return 0;
  *out = e10 < 0 ? v / pow10[-e10] : v * pow10[e10];
  return 1;
#else
  (void)s, (void)len, (void)out;
  return 0; /* excess precision would round twice */
#endif
}

int sm__parse_double(const char *s, size_t len, double *out) {
  while (len && isspace((unsigned char)*s)) s++, len--;
  while (len && isspace((unsigned char)s[len - 1])) len--;
  if (!len) return 1;
  char tmp[64];
  if (len >= sizeof tmp) return 2;
  if (parse_plain_decimal(s, len, out)) return 0;
  memcpy(tmp, s, len);
  tmp[len] = '\0';
  char *end = NULL;
  errno = 0;
  double v = strtod(tmp, &end);
  if (end != tmp + len) return 2;
  /* strtod accepts hex floats; coordinates never are. */
  for (size_t i = 0; i < len; i++)
    if (tmp[i] == 'x' || tmp[i] == 'X') return 2;
  *out = v;
  return 0;
}

void sm__quote(char *dst, size_t max, const char *s, size_t len) {
  size_t o = 0;
  if (!max) return;
  for (size_t i = 0; i < len && o + 5 < max; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7f) o += (size_t)snprintf(dst + o, max - o, "\\x%02x", c);
    else dst[o++] = (char)c;
  }
  if (len && o + 5 >= max && o + 4 < max) {
    dst[o++] = '.', dst[o++] = '.', dst[o++] = '.';
  }
  dst[o] = '\0';
}

double sm__now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

sm_status sm__options_version(sm_ctx *ctx, const char *who, int version, int current) {
  if (version >= 1 && version <= current) return SM_OK;
  return sm__error(ctx, SM_E_INVALID_ARG, "%s: options version %d (this library knows 1 to %d)", who, version, current);
}

const char *sm__thousands(unsigned long long v, char *buf, size_t n) {
  char tmp[32];
  int len = snprintf(tmp, sizeof tmp, "%llu", v);
  size_t o = 0;
  for (int i = 0; i < len && o + 1 < n; i++) {
    buf[o++] = tmp[i];
    int k = len - i - 1;
    if (k > 0 && k % 3 == 0 && o + 1 < n) buf[o++] = ',';
  }
  if (n) buf[o < n ? o : n - 1] = '\0';
  return buf;
}

sm_status sm__json_str(sm_buf *b, const char *t) {
  sm_status st = sm__buf_append(b, "\"", 1);
  for (const unsigned char *c = (const unsigned char *)(t ? t : ""); *c && !st; c++) {
    if (*c == '"' || *c == '\\') {
      char e[2] = {'\\', (char)*c};
      st = sm__buf_append(b, e, 2);
    } else if (*c < 0x20) st = sm__buf_printf(b, "\\u%04x", *c);
    else st = sm__buf_append(b, (const char *)c, 1);
  }
  return st ? st : sm__buf_append(b, "\"", 1);
}

/* A whole file (NUL-terminated after its *n bytes; free with sm__free); NULL when it cannot be opened or read, or
 * memory runs out. */
char *sm__read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  sm_buf b = {0};
  char chunk[65536];
  size_t k;
  int ok = 1;
  while (ok && (k = fread(chunk, 1, sizeof chunk, f)) > 0) ok = !sm__buf_append(&b, chunk, k);
  if (ferror(f)) ok = 0;
  fclose(f);
  if (!ok) {
    sm__free(b.s);
    return NULL;
  }
  *n = b.n;
  return b.s ? b.s : sm__strdup("");
}
