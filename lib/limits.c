/* The run-size limits: their names, defaults and the one check every pipeline makes before it allocates. */
#include "internal/limits.h"

#include "internal/ctx.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
    {"memory", "bytes", 0}, /* half the machine's memory: memory_default() */
};

/* Half of what the machine has, or of the cgroup's limit when that is lower (a container, a Slurm job). */
static double memory_default(void) {
  double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
  if (!(phys > 0)) phys = 8e9;
  const char *files[] = {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
  for (int i = 0; i < 2; i++) {
    FILE *f = fopen(files[i], "r");
    if (!f) continue;
    double v = 0;
    if (fscanf(f, "%lf", &v) == 1 && v > 0 && v < phys) phys = v; /* "max" reads as no number */
    fclose(f);
  }
  return phys / 2;
}

static double limit_default(int kind) { return kind == SM_LIMIT_MEMORY ? memory_default() : LIMITS[kind].def; }

const char *sm_limit_name(sm_limit kind) {
  return (int)kind >= 0 && kind < SM_LIMIT_END_ ? LIMITS[kind].name : "?";
}

sm_status sm_limit_from_name(sm_ctx *ctx, const char *name, sm_limit *out) {
  if (!name || !out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_limit_from_name: NULL argument");
  for (int k = 0; k < SM_LIMIT_END_; k++)
    if (strcmp(name, LIMITS[k].name) == 0) return *out = (sm_limit)k, SM_OK;
  return sm__error(ctx, SM_E_INVALID_ARG,
                   "--limit: unknown limit '%s'; use cells, units, steps, bins, pairs, circles, permutations or memory", name);
}

double sm_limit_default(sm_limit kind) { return (int)kind >= 0 && kind < SM_LIMIT_END_ ? limit_default(kind) : NAN; }

sm_status sm_ctx_set_limit(sm_ctx *ctx, sm_limit kind, double value) {
  if (!ctx) return SM_E_INVALID_ARG;
  if ((int)kind < 0 || kind >= SM_LIMIT_END_) return sm__error(ctx, SM_E_INVALID_ARG, "unknown limit %d", (int)kind);
  if (!(value >= 0) || !isfinite(value))
    return sm__error(ctx, SM_E_INVALID_ARG, "--limit %s: the limit must be a number >= 0 (0: the default %.3g), not %g",
                     LIMITS[kind].name, limit_default(kind), value);
  ctx->limits[kind] = value;
  return SM_OK;
}

double sm__limit(const sm_ctx *ctx, sm_limit kind) {
  if ((int)kind < 0 || kind >= SM_LIMIT_END_) return 0;
  return ctx && ctx->limits[kind] > 0 ? ctx->limits[kind] : limit_default(kind);
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

const char *sm__fmt_bytes(double b, char *buf, size_t n) {
  if (b >= 1024.0 * 1024 * 1024) snprintf(buf, n, "%.1f GiB", b / (1024.0 * 1024 * 1024));
  else if (b >= 1024.0 * 1024) snprintf(buf, n, "%.0f MiB", ceil(b / (1024.0 * 1024)));
  else snprintf(buf, n, "%.0f KiB", ceil(b / 1024.0));
  return buf;
}

sm_status sm__memory_check(sm_ctx *ctx, double bytes, const char *what, const char *advice) {
  double lim = sm__limit(ctx, SM_LIMIT_MEMORY);
  if (bytes <= lim) return SM_OK;
  char a[32], b[32];
  return sm__error(ctx, SM_E_INVALID_ARG, "%s needs about %s, more than the memory limit of %s: %s, or raise the limit with "
                   "--memory-limit SIZE", what, sm__fmt_bytes(bytes, a, sizeof a), sm__fmt_bytes(lim, b, sizeof b), advice);
}

sm_status sm_memory_size_from_text(sm_ctx *ctx, const char *text, double *bytes) {
  if (!text || !bytes) return sm__error(ctx, SM_E_INVALID_ARG, "sm_memory_size_from_text: NULL argument");
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  double mult = 1;
  if (end != text && *end) {
    char u = (char)toupper((unsigned char)*end);
    const char *rest = end + 1;
    if (*end == '%') mult = -1;
    else if (u == 'K') mult = 1024.0;
    else if (u == 'M') mult = 1024.0 * 1024;
    else if (u == 'G') mult = 1024.0 * 1024 * 1024;
    else if (u == 'T') mult = 1024.0 * 1024 * 1024 * 1024;
    else rest = end;
    if (mult != 1 && mult != -1 && (*rest == 'i' || *rest == 'I')) rest++;
    if (mult != 1 && mult != -1 && (*rest == 'b' || *rest == 'B')) rest++;
    end = (char *)(uintptr_t)rest;
  }
  if (end == text || *end || !isfinite(v) || !(v > 0) || (mult == -1 && v > 100))
    return sm__error(ctx, SM_E_INVALID_ARG,
                     "--memory-limit: '%s' is not a size: give bytes (8e9), K, M, G or T (512M, 8G: powers of 1024) or "
                     "a share of the machine's memory (60%%)", text);
  *bytes = mult == -1 ? v / 100 * 2 * memory_default() : v * mult;
  return SM_OK;
}
