/* The offline web viewer of a tile directory: index.html, the page's script and style with Leaflet (embedded
 * at build time, internal/viewer_assets.h), safemap_map.js with the manifest, the list of the tiles present and
 * the page's options, and beside every value tile a script holding it for the page (no fetch from file://). */
#include "internal/sm_internal.h"
#include "internal/tiles.h"
#include "internal/tiles_files.h"
#include "internal/viewer_assets.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LIT(b, s) sm__buf_append((b), (s), sizeof(s) - 1)

/* A whole non-negative number of at most 9 digits, from a file name up to `end` ("" or ".png"); -1 otherwise. */
static long number_of(const char *s, const char *end) {
  long v = 0;
  size_t i = 0;
  for (; s[i] >= '0' && s[i] <= '9'; i++) {
    if (i == 9) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return i && !strcmp(s + i, end) ? v : -1;
}

typedef struct zxy {
  long z, x, y;
} zxy;

static int cmp_zxy(const void *a, const void *b) {
  const zxy *p = a, *q = b;
  if (p->z != q->z) return p->z < q->z ? -1 : 1;
  if (p->x != q->x) return p->x < q->x ? -1 : 1;
  return (p->y > q->y) - (p->y < q->y);
}

/* The numbered entries of a directory (names "N" + end), sorted; *n = 0 when it cannot be read. */
static sm_status numbered(sm_ctx *ctx, const char *path, const char *end, long **out, size_t *n) {
  *out = NULL, *n = 0;
  DIR *d = opendir(path);
  if (!d) return SM_OK;
  size_t cap = 0;
  struct dirent *e;
  sm_status st = SM_OK;
  while (!st && (e = readdir(d))) {
    long v = number_of(e->d_name, end);
    if (v < 0) continue;
    if (sm__grow((void **)out, &cap, *n + 1, sizeof **out)) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    else (*out)[(*n)++] = v;
  }
  closedir(d);
  for (size_t i = 1; i < *n; i++) /* few entries: insertion sort */
    for (size_t j = i; j > 0 && (*out)[j - 1] > (*out)[j]; j--) {
      long t = (*out)[j];
      (*out)[j] = (*out)[j - 1], (*out)[j - 1] = t;
    }
  return st;
}

/* The PNG tiles of DIR/set/z/x/y.png. */
static sm_status scan_set(sm_ctx *ctx, const char *dir, const char *set, zxy **t, size_t *n) {
  *t = NULL, *n = 0;
  size_t cap = 0, nz = 0, nx = 0, ny = 0;
  long *zs = NULL, *xs = NULL, *ys = NULL;
  char *p = sm__asprintf("%s/%s", dir, set);
  sm_status st = p ? numbered(ctx, p, "", &zs, &nz) : sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t a = 0; a < nz && !st; a++) {
    char *pz = sm__asprintf("%s/%ld", p, zs[a]);
    st = pz ? numbered(ctx, pz, "", &xs, &nx) : sm__error(ctx, SM_E_NOMEM, "out of memory");
    for (size_t b = 0; b < nx && !st; b++) {
      char *px = sm__asprintf("%s/%ld", pz, xs[b]);
      st = px ? numbered(ctx, px, ".png", &ys, &ny) : sm__error(ctx, SM_E_NOMEM, "out of memory");
      for (size_t c = 0; c < ny && !st; c++) {
        if (sm__grow((void **)t, &cap, *n + 1, sizeof **t)) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
        else (*t)[(*n)++] = (zxy){zs[a], xs[b], ys[c]};
      }
      sm__free(px), sm__free(ys), ys = NULL;
    }
    sm__free(pz), sm__free(xs), xs = NULL;
  }
  sm__free(p), sm__free(zs);
  if (!st && *n) qsort(*t, *n, sizeof **t, cmp_zxy);
  return st;
}

/* {"z": {"x": [y0, y1, ...]}} with runs of rows as first, last pairs. */
static sm_status index_json(sm_buf *b, const zxy *t, size_t n) {
  sm_status st = LIT(b, "{");
  for (size_t i = 0; i < n && !st;) {
    long z = t[i].z;
    st = sm__buf_printf(b, "%s\"%ld\": {", i ? ", " : "", z);
    for (int first = 1; i < n && t[i].z == z && !st; first = 0) {
      long x = t[i].x;
      st = sm__buf_printf(b, "%s\"%ld\": [", first ? "" : ", ", x);
      for (int f2 = 1; i < n && t[i].z == z && t[i].x == x && !st; f2 = 0) {
        size_t j = i;
        while (j + 1 < n && t[j + 1].z == z && t[j + 1].x == x && t[j + 1].y == t[j].y + 1) j++;
        st = sm__buf_printf(b, "%s%ld, %ld", f2 ? "" : ", ", t[i].y, t[j].y);
        i = j + 1;
      }
      if (!st) st = LIT(b, "]");
    }
    if (!st) st = LIT(b, "}");
  }
  if (!st) st = LIT(b, "}");
  return st;
}

static sm_status base64(sm_buf *b, const unsigned char *s, size_t n) {
  static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char q[4];
  sm_status st = SM_OK;
  for (size_t i = 0; i < n && !st; i += 3) {
    unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
    q[0] = A[v >> 18], q[1] = A[(v >> 12) & 63];
    q[2] = i + 1 < n ? A[(v >> 6) & 63] : '=';
    q[3] = i + 2 < n ? A[v & 63] : '=';
    st = sm__buf_append(b, q, 4);
  }
  return st;
}

/* DIR/set/z/x/y.js = SAFEMAP_VALUE_TILE("set/z/x/y", "<the PNG in base64>"), unless it is newer than the PNG:
 * 0, or an errno (EPROTO: the PNG could not be read). */
static int value_script(const char *dir, const char *set, const zxy *t, int *written) {
  char *png = sm__asprintf("%s/%s/%ld/%ld/%ld.png", dir, set, t->z, t->x, t->y);
  char *js = sm__asprintf("%s/%s/%ld/%ld/%ld.js", dir, set, t->z, t->x, t->y);
  struct stat sp, sj;
  int err = png && js ? 0 : ENOMEM;
  *written = 0;
  if (!err && !(stat(png, &sp) == 0 && stat(js, &sj) == 0 && sj.st_mtime > sp.st_mtime)) {
    size_t len = 0;
    unsigned char *data = (unsigned char *)sm__read_file(png, &len);
    sm_buf b = {0};
    err = data ? 0 : errno ? errno : EIO;
    if (!err && (sm__buf_printf(&b, "SAFEMAP_VALUE_TILE(\"%s/%ld/%ld/%ld\", \"", set, t->z, t->x, t->y) ||
                 base64(&b, data, len) || LIT(&b, "\");\n")))
      err = ENOMEM;
    if (!err) err = sm__tiles_write_raw(js, b.s, b.n);
    *written = !err;
    sm__free(data), sm__free(b.s);
  }
  sm__free(png), sm__free(js);
  return err;
}

/* The scripts of the value tiles at the highest zoom (the page reads the values there), in parallel, in
 * rounds with progress between them; the first failure in tile order is reported. */
static sm_status value_scripts(sm_ctx *ctx, const char *dir, const char *set, const zxy *t, size_t n, size_t *written) {
  size_t first = n;
  while (first > 0 && t[first - 1].z == t[n - 1].z) first--;
  const size_t round = 1024;
  int *err = sm__calloc(round, sizeof *err), *done = sm__calloc(round, sizeof *done);
  sm_status st = err && done ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  int nt = sm__threads(ctx);
  for (size_t r0 = first; r0 < n && !st; r0 += round) {
    long m = (long)(n - r0 < round ? n - r0 : round);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 8) if (m > 16)
    for (long i = 0; i < m; i++) err[i] = value_script(dir, set, &t[r0 + (size_t)i], &done[i]);
    for (long i = 0; i < m && !st; i++) {
      *written += (size_t)done[i];
      if (err[i] == ENOMEM) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
      else if (err[i])
        st = sm__error(ctx, SM_E_IO, "cannot write the page's copy of the value tile %s/%s/%ld/%ld/%ld.png: %s", dir, set,
                       t[r0 + (size_t)i].z, t[r0 + (size_t)i].x, t[r0 + (size_t)i].y, strerror(err[i]));
    }
    if (!st) st = sm__progress(ctx, 0.1 + 0.8 * (double)(r0 + (size_t)m - first) / (double)(n - first), "value tiles for the page");
  }
  sm__free(err), sm__free(done);
  return st;
}

/* Every tile set folder of DIR (a folder holding z/x/y.png), in name order: their index for the page, and the
 * scripts of the value tiles (folders named *_values). */
static sm_status tile_folders(sm_ctx *ctx, const char *dir, sm_buf *index, size_t *scripts) {
  DIR *d = opendir(dir);
  if (!d) return sm__error(ctx, SM_E_IO, "cannot read the directory '%s': %s", dir, strerror(errno));
  char **names = NULL;
  size_t nn = 0, cap = 0;
  struct dirent *e;
  sm_status st = SM_OK;
  while (!st && (e = readdir(d))) {
    if (e->d_name[0] == '.' || !strncmp(e->d_name, "safemap_", 8)) continue;
    if (sm__grow((void **)&names, &cap, nn + 1, sizeof *names) || !(names[nn++] = sm__strdup(e->d_name)))
      st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  closedir(d);
  for (size_t i = 1; i < nn && names[nn - 1]; i++)
    for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
      char *t = names[j];
      names[j] = names[j - 1], names[j - 1] = t;
    }
  int first = 1;
  if (!st) st = LIT(index, "{");
  for (size_t i = 0; i < nn && !st; i++) {
    zxy *t = NULL;
    size_t n = 0;
    st = scan_set(ctx, dir, names[i], &t, &n);
    if (!st && n) {
      st = first ? SM_OK : LIT(index, ",\n");
      first = 0;
      if (!st) st = sm__json_str(index, names[i]);
      if (!st) st = LIT(index, ": ");
      if (!st) st = index_json(index, t, n);
      if (st) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
      size_t len = strlen(names[i]);
      if (!st && len > 7 && !strcmp(names[i] + len - 7, "_values")) st = value_scripts(ctx, dir, names[i], t, n, scripts);
    }
    sm__free(t);
  }
  if (!st && LIT(index, "}")) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < nn; i++) sm__free(names[i]);
  sm__free(names);
  return st;
}

static sm_status html_text(sm_buf *b, const char *s) {
  sm_status st = SM_OK;
  for (; *s && !st; s++) {
    switch (*s) {
    case '&': st = LIT(b, "&amp;"); break;
    case '<': st = LIT(b, "&lt;"); break;
    case '>': st = LIT(b, "&gt;"); break;
    case '"': st = LIT(b, "&quot;"); break;
    default: st = sm__buf_append(b, s, 1);
    }
  }
  return st;
}

/* The page: the template with @TITLE@ replaced. */
static sm_status page(sm_buf *b, const sm_viewer_asset *a, const char *title) {
  const char *s = (const char *)a->data, *end = s + a->size, *m;
  sm_status st = SM_OK;
  while (!st && (m = strstr(s, "@TITLE@")) && m < end) {
    st = sm__buf_append(b, s, (size_t)(m - s));
    if (!st) st = html_text(b, title);
    s = m + 7;
  }
  if (!st) st = sm__buf_append(b, s, (size_t)(end - s));
  return st;
}

static const char *basemap_credit(const char *url) {
  if (strstr(url, "openstreetmap")) return "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors";
  return NULL;
}

sm_status sm__viewer_options_check(sm_ctx *ctx, const sm_viewer_options *o) {
  if (!o) return SM_OK;
  if (o->version != SM_VIEWER_OPTIONS_VERSION)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_viewer_options version %d is not %d", o->version, SM_VIEWER_OPTIONS_VERSION);
  if (o->basemap && (!strstr(o->basemap, "{z}") || !strstr(o->basemap, "{x}") || !strstr(o->basemap, "{y}")))
    return sm__error(ctx, SM_E_INVALID_ARG, "viewer: the base map '%s' is not a tile address with {z}, {x} and {y}",
                     o->basemap);
  return SM_OK;
}

sm_status sm_tiles_viewer(sm_ctx *ctx, const char *dir, const sm_viewer_options *opts) {
  if (!ctx) return SM_E_INVALID_ARG;
  sm_viewer_options d = SM_VIEWER_OPTIONS_INIT;
  const sm_viewer_options *o = opts ? opts : &d;
  if (!dir || !*dir) return sm__error(ctx, SM_E_INVALID_ARG, "viewer: no directory given");
  sm_status st = sm__viewer_options_check(ctx, o);
  if (st) return st;
  char *manifest = NULL;
  st = sm__tiles_manifest_read(ctx, dir, &manifest);
  if (st) return st;
  if (!strstr(manifest, "{\"name\": ")) {
    sm__free(manifest);
    return sm__error(ctx, SM_E_INPUT, "'%s/safemap_map.json' lists no tile set: write tiles into '%s' first", dir, dir);
  }
  const char *title = o->title && *o->title ? o->title : "safemap";

  sm_buf idx = {0}, js = {0}, html = {0};
  size_t scripts = 0;
  st = sm__progress(ctx, 0.0, "writing the map page");
  if (!st) st = tile_folders(ctx, dir, &idx, &scripts);

  /* the page's files */
  const sm_viewer_asset *tpl = NULL;
  for (size_t i = 0; i < sm__viewer_asset_count && !st; i++) {
    const sm_viewer_asset *a = &sm__viewer_assets[i];
    if (!strcmp(a->path, "index.html")) {
      tpl = a;
      continue;
    }
    char *p = sm__asprintf("%s/%s", dir, a->path);
    char *slash = p ? strrchr(p, '/') : NULL;
    if (!p) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (!st) {
      *slash = '\0';
      st = sm__tiles_mkdirs(ctx, p);
      *slash = '/';
    }
    if (!st) st = sm__tiles_write_file(ctx, p, a->data, a->size);
    sm__free(p);
  }
  if (!st && !tpl) st = sm__error(ctx, SM_E_INTERNAL, "the viewer's page is missing from this build");

  /* safemap_map.js: the manifest, the tiles present and the page's options */
  if (!st) {
    st = LIT(&js, "window.SAFEMAP_MAP = ");
    size_t ml = strlen(manifest);
    while (ml && (manifest[ml - 1] == '\n' || manifest[ml - 1] == ' ')) ml--;
    if (!st) st = sm__buf_append(&js, manifest, ml);
    if (!st) st = LIT(&js, ";\nwindow.SAFEMAP_TILES = ");
    if (!st) st = sm__buf_append(&js, idx.s, idx.n);
    if (!st) st = LIT(&js, ";\nwindow.SAFEMAP_VIEWER = {\"title\": ");
    if (!st) st = sm__json_str(&js, title);
    if (!st) st = LIT(&js, ", \"basemap\": ");
    if (!st) st = o->basemap ? sm__json_str(&js, o->basemap) : LIT(&js, "null");
    if (!st) st = LIT(&js, ", \"basemap_attribution\": ");
    if (!st) {
      const char *credit = o->basemap ? basemap_credit(o->basemap) : NULL;
      char *host = NULL;
      if (o->basemap && !credit) {
        const char *h = strstr(o->basemap, "://");
        h = h ? h + 3 : o->basemap;
        size_t hl = strcspn(h, "/");
        host = sm__asprintf("Base map: %.*s", (int)hl, h);
      }
      st = sm__json_str(&js, credit ? credit : host ? host : "");
      sm__free(host);
    }
    if (!st) st = sm__buf_printf(&js, ", \"made_by\": \"safemap %s\"};\n", sm_version_string());
    if (st) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  char *p = NULL;
  if (!st) {
    p = sm__asprintf("%s/safemap_map.js", dir);
    st = p ? sm__tiles_write_file(ctx, p, js.s, js.n) : sm__error(ctx, SM_E_NOMEM, "out of memory");
    sm__free(p);
  }
  /* the page last: it appears when all it needs is there */
  if (!st) {
    st = page(&html, tpl, title);
    p = st ? NULL : sm__asprintf("%s/index.html", dir);
    st = p ? sm__tiles_write_file(ctx, p, html.s, html.n) : sm__error(ctx, SM_E_NOMEM, "out of memory");
    sm__free(p);
  }
  if (!st) {
    sm__log(ctx, SM_LOG_INFO, "map page %s/index.html written (%zu value tile scripts)", dir, scripts);
    sm__progress(ctx, 1.0, "map page written");
  }
  sm__free(manifest), sm__free(idx.s), sm__free(js.s), sm__free(html.s);
  return st;
}
