/* Tiles: options, the Web Mercator pyramid and the manifest of a tile directory (safemap_map.json). */
#include "internal/sm_internal.h"
#include "internal/tiles.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

sm_status sm_tiles_options_init(sm_tiles_options *o, int version) {
  if (!o || version != SM_TILES_OPTIONS_VERSION) return SM_E_INVALID_ARG;
  sm_tiles_options d = SM_TILES_OPTIONS_INIT;
  *o = d;
  return SM_OK;
}

void sm_tile_bounds(int z, int x, int y, double b[4]) {
  double size = 2 * SM_MERC_ORIGIN / ldexp(1, z);
  b[0] = -SM_MERC_ORIGIN + x * size, b[2] = b[0] + size;
  b[3] = SM_MERC_ORIGIN - y * size, b[1] = b[3] - size;
}

int sm_tile_tms_row(int z, int y) { return (1 << z) - 1 - y; }

void sm_tile_of(double mx, double my, int z, int *x, int *y) {
  double n = ldexp(1, z), size = 2 * SM_MERC_ORIGIN / n;
  double fx = floor((mx + SM_MERC_ORIGIN) / size), fy = floor((SM_MERC_ORIGIN - my) / size);
  if (!(fx >= 0)) fx = 0;
  if (!(fy >= 0)) fy = 0;
  if (fx > n - 1) fx = n - 1;
  if (fy > n - 1) fy = n - 1;
  *x = (int)fx, *y = (int)fy;
}

sm_status sm__tiles_manifest_read(sm_ctx *ctx, const char *dir, char **json) {
  *json = NULL;
  char *p = sm__asprintf("%s/safemap_map.json", dir);
  if (!p) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  size_t n = 0;
  char *s = sm__read_file(p, &n);
  sm_status st = s ? SM_OK : sm__error(ctx, SM_E_INPUT, "'%s' holds no tiles made by safemap (no %s)", dir, p);
  sm__free(p);
  *json = s;
  return st;
}

/* The manifest is written one entry a line:
 *   {"safemap_map": 1, "tilesets": [
 *   {"name": "kde", ...},
 *   {"name": "hotspots", ...}
 *   ]}
 * so that an entry is found, replaced or added by its line. */
sm_status sm__tiles_manifest_add(sm_ctx *ctx, const char *dir, const char *name, const char *entry) {
  if (strchr(entry, '\n')) return sm__error(ctx, SM_E_INTERNAL, "manifest entry '%s' spans lines", name);
  char *path = sm__asprintf("%s/safemap_map.json", dir), *tmp = sm__asprintf("%s/.safemap_map.json.%ld", dir, (long)getpid());
  sm_buf key = {0}, out = {0};
  sm_status st = path && tmp ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) st = sm__buf_append(&key, "{\"name\": ", 9);
  if (!st) st = sm__json_str(&key, name);
  size_t n = 0;
  char *old = st ? NULL : sm__read_file(path, &n);
  if (!st) st = sm__buf_append(&out, "{\"safemap_map\": 1, \"tilesets\": [\n", 33);
  size_t kept = 0;
  for (char *line = old, *next; !st && line && *line; line = next) {
    char *nl = strchr(line, '\n');
    next = nl ? nl + 1 : line + strlen(line);
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    if (len && line[len - 1] == ',') len--;
    if (len < 9 || strncmp(line, "{\"name\": ", 9)) continue; /* the head and tail lines */
    if (len >= key.n && !strncmp(line, key.s, key.n) && (line[key.n] == ',' || line[key.n] == '}')) continue;
    if (kept++) st = sm__buf_append(&out, ",\n", 2);
    if (!st) st = sm__buf_append(&out, line, len);
  }
  if (!st && kept) st = sm__buf_append(&out, ",\n", 2);
  if (!st) st = sm__buf_append(&out, entry, strlen(entry));
  if (!st) st = sm__buf_append(&out, "\n]}\n", 4);
  sm__free(old);
  if (!st) {
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(out.s, 1, out.n, f) == out.n;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok || rename(tmp, path) != 0) {
      st = sm__error(ctx, SM_E_IO, "cannot write '%s': %s", path, strerror(errno));
      unlink(tmp);
    }
  }
  sm__free(key.s), sm__free(out.s), sm__free(path), sm__free(tmp);
  return st;
}
