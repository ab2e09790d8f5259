/* Fuzz target: areas (wards) and their contiguity. The input becomes a GeoJSON file in GDAL's /vsimem/
 * (memory): when its first byte is even, the rest is the GeoJSON text itself; when odd, the rest is a list
 * of geometries as WKB, each after its length (2 bytes, little-endian), written as the features of a
 * GeoJSON in EPSG:27700 with ward codes and names. sm_areas_read reads it (geometry checks and repairs,
 * the id and name detection, the CRS, areas and centroids), then queen and rook contiguity weights are
 * built on the areas (sm_weights_contiguity), which must be symmetric. Build with -DSM_FUZZ=ON for
 * libFuzzer, or with standalone_driver.c to replay the corpus. */
#include "fuzz_common.h"

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <ogr_api.h>

static sm_ctx *g_ctx;

/* Appends to a growing string; 0 when out of memory. */
typedef struct fz_buf {
  char *s;
  size_t n, cap;
} fz_buf;

static int put(fz_buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = (b->n + n + 1) * 2;
    char *t = realloc(b->s, cap);
    if (!t) return 0;
    b->s = t, b->cap = cap;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = '\0';
  return 1;
}

/* The WKB list as a GeoJSON FeatureCollection in EPSG:27700. */
static int wkb_to_geojson(const uint8_t *d, size_t n, fz_buf *b) {
  static const char head[] = "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
                             "{\"name\":\"urn:ogc:def:crs:EPSG::27700\"}},\"features\":[";
  if (!put(b, head, sizeof head - 1)) return 0;
  int k = 0;
  for (size_t i = 0; i + 2 <= n && k < 64;) {
    size_t len = (size_t)d[i] | (size_t)d[i + 1] << 8;
    i += 2;
    if (len > n - i) len = n - i;
    OGRGeometryH g = NULL;
    if (OGR_G_CreateFromWkb(d + i, NULL, &g, (int)len) == OGRERR_NONE && g) {
      char *js = OGR_G_ExportToJson(g);
      if (js) {
        char f[160];
        int fl = snprintf(f, sizeof f, "%s{\"type\":\"Feature\",\"properties\":{\"WD24CD\":\"E0500%04d\",\"WD24NM\":\"Ward %d\"},"
                          "\"geometry\":", k ? "," : "", k, k);
        put(b, f, (size_t)fl), put(b, js, strlen(js)), put(b, "}", 1);
        k++;
        CPLFree(js);
      }
      OGR_G_DestroyGeometry(g);
    }
    i += len;
  }
  return put(b, "]}", 2);
}

static void check_weights(sm_ctx *ctx, const sm_areas *a, int queen) {
  sm_weights *w = NULL;
  if (sm_weights_contiguity(ctx, &w, a, queen, 0, 0, 0) != SM_OK) return;
  size_t n = sm_weights_count(w);
  if (n != sm_areas_count(a)) abort();
  for (size_t i = 0; i < n; i++) {
    const size_t *idx;
    const double *wt;
    size_t k = sm_weights_neighbours(w, i);
    sm_weights_row(w, i, &idx, &wt);
    for (size_t e = 0; e < k; e++) {
      size_t j = idx[e];
      if (j >= n || !isfinite(wt[e])) abort();
      /* contiguity is symmetric: i is among j's neighbours */
      const size_t *jdx;
      const double *jwt;
      size_t jk = sm_weights_neighbours(w, j), f = 0;
      sm_weights_row(w, j, &jdx, &jwt);
      while (f < jk && jdx[f] != i) f++;
      if (f == jk) {
        fprintf(stderr, "%s contiguity: %zu is a neighbour of %zu, not the other way\n", queen ? "queen" : "rook", j, i);
        abort();
      }
    }
  }
  sm_weights_destroy(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 1 << 16) return 0;
  fz_buf b = {0};
  if (data[0] % 2 == 0) put(&b, (const char *)data + 1, size - 1);
  else wkb_to_geojson(data + 1, size - 1, &b);
  if (!b.s) return 0;
  const char *dump = getenv("FZ_DUMP"); /* the GeoJSON made of the input, to look at */
  if (dump) {
    FILE *df = fopen(dump, "wb");
    if (df) fwrite(b.s, 1, b.n, df), fclose(df);
  }
  static const char path[] = "/vsimem/safemap-fuzz-areas.geojson";
  VSILFILE *f = VSIFileFromMemBuffer(path, (GByte *)b.s, (vsi_l_offset)b.n, FALSE);
  if (!f) abort();
  VSIFCloseL(f);
  sm_ctx *ctx = fz_ctx(&g_ctx, 1);
  sm_areas_options o = SM_AREAS_OPTIONS_INIT;
  o.analysis_crs = "EPSG:27700";
  o.crs = "EPSG:27700"; /* when the text names none */
  o.strict = size % 2;
  sm_areas *a = NULL;
  sm_status st = sm_areas_read(ctx, &a, path, &o);
  if (getenv("FZ_VERBOSE")) fprintf(stderr, "sm_areas_read: %d %s (%zu areas)\n", st, sm_ctx_last_error(ctx), a ? sm_areas_count(a) : 0);
  if (st == SM_OK) {
    size_t n = sm_areas_count(a);
    double ext[4];
    sm_areas_extent(a, ext);
    for (size_t i = 0; i < n; i++) {
      size_t wl = 0;
      const unsigned char *wkb = sm_areas_wkb(a, i, &wl);
      /* an area without geometry (empty, or none) is kept with a warning: no WKB, area 0 */
      if (!wkb != !wl || !(sm_areas_area_m2(a, i) >= 0) || (!wkb && sm_areas_area_m2(a, i) != 0)) abort();
      double x, y;
      (void)sm_areas_centroid(a, i, &x, &y);
      (void)strlen(sm_areas_id(a, i));
      if (sm_areas_name(a, i)) (void)strlen(sm_areas_name(a, i));
    }
    check_weights(ctx, a, 1);
    check_weights(ctx, a, 0);
    sm_areas_destroy(a);
  }
  VSIUnlink(path);
  free(b.s);
  return 0;
}
