/* The run-size limits: their names, defaults and the one check every pipeline makes before it allocates. */
#include "internal/limits.h"

#include "internal/ctx.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct {
  const char *name, *unit;
  double def;
} LIMITS[SM_LIMIT_END_] = {
    {"cells", "cells", 4e8},           /* raster grids: 3.2 GB of doubles */
    {"units", "cells", 1e8},           /* fishnet and hexagon polygons */
    {"steps", "time steps", 1e5},      /* 273 years of days */
    {"bins", "space-time cells", 1e8}, /* places x steps */
    {"pairs", "pairs", 2e8},           /* near-repeat close pairs, space-time neighbour links */
    {"circles", "circle entries", 268435456.0}, /* 2^28: 3 GiB */
    {"permutations", "permutation draws", 1e11},
};

const char *sm_limit_name(sm_limit kind) {
  return (int)kind >= 0 && kind < SM_LIMIT_END_ ? LIMITS[kind].name : "?";
}

sm_status sm_limit_from_name(sm_ctx *ctx, const char *name, sm_limit *out) {
  if (!name || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_limit_from_name: NULL argument");
  for (int k = 0; k < SM_LIMIT_END_; k++)
    if (strcmp(name, LIMITS[k].name) == 0) return *out = (sm_limit)k, SM_OK;
  return sm__error(ctx, SM_E_INVALID_ARG,
                   "--limit: unknown limit '%s'; use cells, units, steps, bins, pairs, circles or permutations", name);
}

double sm_limit_default(sm_limit kind) { return (int)kind >= 0 && kind < SM_LIMIT_END_ ? LIMITS[kind].def : NAN; }

sm_status sm_ctx_set_limit(sm_ctx *ctx, sm_limit kind, double value) {
  if (!ctx) return SM_E_INVALID_ARG;
  if ((int)kind < 0 || kind >= SM_LIMIT_END_) return sm__error(ctx, SM_E_INVALID_ARG, "unknown limit %d", (int)kind);
  if (!(value >= 0) || !isfinite(value))
    return sm__error(ctx, SM_E_INVALID_ARG, "--limit %s: the limit must be a number >= 0 (0: the default %.3g), not %g",
                     LIMITS[kind].name, LIMITS[kind].def, value);
  ctx->limits[kind] = value;
  return SM_OK;
}

double sm__limit(const sm_ctx *ctx, sm_limit kind) {
  if ((int)kind < 0 || kind >= SM_LIMIT_END_) return 0;
  return ctx && ctx->limits[kind] > 0 ? ctx->limits[kind] : LIMITS[kind].def;
}

double sm_ctx_limit(const sm_ctx *ctx, sm_limit kind) {
  return (int)kind >= 0 && kind < SM_LIMIT_END_ ? sm__limit(ctx, kind) : NAN;
}

/* Whole numbers below a million as they are (39999), else %.3g without the exponent's "+" and leading zeros (1.35e8, 4e8) */
static const char *fmt_num(double v, char *buf, size_t n) {
  if (v < 1e6 && v == floor(v)) {
    snprintf(buf, n, "%.0f", v);
    return buf;
  }
  char t[40];
  snprintf(t, sizeof t, "%.3g", v);
  size_t o = 0;
  for (const char *p = t; *p && o + 1 < n; p++) {
    if (*p == '+' || (*p == '0' && p > t && (p[-1] == '+' || p[-1] == 'e' || p[-1] == '-') && p[1])) continue;
    buf[o++] = *p;
  }
  buf[o] = '\0';
  return buf;
}

/* "3.2 GB", "512 MB" */
static void fmt_bytes(double b, const char *of, char *buf, size_t n) {
  if (b >= 1e9) snprintf(buf, n, ", %.1f GB%s", b / 1e9, of);
  else snprintf(buf, n, ", %.0f MB%s", ceil(b / 1e6), of);
}

sm_status sm__limit_check(sm_ctx *ctx, sm_limit kind, double size, double bytes, const char *what, const char *advice) {
  return sm__limit_check_at(ctx, kind, 0, size, bytes, what, advice);
}

sm_status sm__limit_check_at(sm_ctx *ctx, sm_limit kind, double limit, double size, double bytes, const char *what,
                             const char *advice) {
  double lim = limit > 0 ? limit : sm__limit(ctx, kind);
  if (size <= lim) return SM_OK;
  char mem[32] = "", a[40], b[40];
  if (bytes > 0) fmt_bytes(bytes, kind == SM_LIMIT_CELLS ? " of doubles" : "", mem, sizeof mem);
  return sm__error(ctx, SM_E_INVALID_ARG, "%s (%s %s%s) is more than the limit of %s %s: %s, or raise the limit with --limit %s=N",
                   what, fmt_num(size, a, sizeof a), LIMITS[kind].unit, mem, fmt_num(lim, b, sizeof b), LIMITS[kind].unit, advice,
                   LIMITS[kind].name);
}
