/* Makes a tile directory for the browser test of the offline page (test_viewer.sh): a synthetic crime density
 * surface over Camden (a hot spot and a weaker second peak) as colour and value tiles (float32 big-endian in
 * RGBA, tiles.h) with its manifest entry, two layers as vector tiles with their GeoJSON scripts, and the page.
 * Writes DIR/expected.txt: where the hot spot is, its colour, and the exact value at a probe point.
 * usage: make_map DIR */
#include "internal/sm_internal.h"
#include "internal/tiles.h"

#include <cpl_conv.h>
#include <gdal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LON0 (-0.1420)
#define LAT0 51.5390
#define ZMIN 13
#define ZMAX 16

static double mx0, my0, sigma;

static void to_merc(double lon, double lat, double *x, double *y) {
  *x = SM_MERC_ORIGIN * lon / 180.0;
  *y = SM_MERC_ORIGIN * log(tan(M_PI / 4 + lat * M_PI / 360.0)) / M_PI;
}

/* crimes per km²: a hot spot at (LON0, LAT0) and a second, weaker peak 900 m east and 500 m south */
static double density(double x, double y) {
  double dx = x - mx0, dy = y - my0, ex = dx - 900 * sigma / 250, ey = dy + 500 * sigma / 250;
  double v = 120 * exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) + 45 * exp(-(ex * ex + ey * ey) / (2 * sigma * sigma));
  return v < 1 ? NAN : v;
}

static int fail(sm_ctx *ctx, const char *what) {
  fprintf(stderr, "make_map: %s: %s\n", what, ctx ? sm_ctx_last_error(ctx) : "");
  return 1;
}

static int write_png(const char *path, const unsigned char *rgba) {
  GDALDriverH mem = GDALGetDriverByName("MEM"), png = GDALGetDriverByName("PNG");
  GDALDatasetH ds = GDALCreate(mem, "", 256, 256, 4, GDT_Byte, NULL);
  for (int b = 0; b < 4; b++) {
    unsigned char band[256 * 256];
    for (int i = 0; i < 256 * 256; i++) band[i] = rgba[4 * i + b];
    if (GDALRasterIOEx(GDALGetRasterBand(ds, b + 1), GF_Write, 0, 0, 256, 256, band, 256, 256, GDT_Byte, 0, 0, NULL) != CE_None)
      return 1;
  }
  char *opts[] = {"WORLDFILE=NO", NULL};
  GDALDatasetH out = GDALCreateCopy(png, path, ds, FALSE, opts, NULL, NULL);
  GDALClose(ds);
  if (!out) return 1;
  GDALClose(out);
  char aux[1100];
  snprintf(aux, sizeof aux, "%s.aux.xml", path);
  remove(aux);
  return 0;
}

static void put_float(unsigned char *p, float v) {
  uint32_t u;
  memcpy(&u, &v, 4);
  p[0] = (unsigned char)(u >> 24), p[1] = (unsigned char)(u >> 16), p[2] = (unsigned char)(u >> 8), p[3] = (unsigned char)u;
}

static void put_u32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make_map DIR\n");
    return 2;
  }
  const char *dir = argv[1];
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx)) return fail(NULL, "ctx");
  GDALAllRegister();
  mkdir(dir, 0755);
  to_merc(LON0, LAT0, &mx0, &my0);
  sigma = 250.0 / cos(LAT0 * M_PI / 180); /* 250 m on the ground */

  /* the style: the surface sampled at 20 m (EPSG:3857) over +-2 km */
  double half = 2000 / cos(LAT0 * M_PI / 180);
  size_t n = 200;
  sm_raster *r;
  if (sm_raster_create(ctx, &r, n, n, mx0 - half, my0 + half, 2 * half / (double)n, "EPSG:3857")) return fail(ctx, "raster");
  double *cells = sm_raster_data(r);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double v = density(mx0 - half + (j + 0.5) * 2 * half / (double)n, my0 + half - (i + 0.5) * 2 * half / (double)n);
      cells[i * n + j] = isnan(v) ? 0 : v;
    }
  sm_raster_set_metadata(ctx, r, "name", "kde");
  sm_raster_set_metadata(ctx, r, "description", "Crime density (test surface)");
  sm_raster_set_metadata(ctx, r, "units", "crimes per km²");
  sm_raster_set_metadata(ctx, r, "method", "synthetic: two Gaussian peaks, sigma 250 m");
  sm_style_options so = SM_STYLE_OPTIONS_INIT;
  so.ramp = "ylorrd";
  so.method = SM_CLASSES_EQUAL;
  so.n_classes = 6;
  so.threshold = 1;
  sm_style *style;
  if (sm_style_for_raster(ctx, r, &so, &style)) return fail(ctx, "style");

  /* colour and value tiles, empty ones skipped */
  double west = LON0 - 0.04, east = LON0 + 0.04, south = LAT0 - 0.025, north = LAT0 + 0.025;
  double bx0, by0, bx1, by1;
  to_merc(west, south, &bx0, &by0);
  to_merc(east, north, &bx1, &by1);
  static unsigned char rgba[256 * 256 * 4], vals[256 * 256 * 4];
  int written = 0;
  for (int z = ZMIN; z <= ZMAX; z++) {
    int x0, y0, x1, y1;
    sm_tile_of(bx0, by1, z, &x0, &y0);
    sm_tile_of(bx1, by0, z, &x1, &y1);
    for (int x = x0; x <= x1; x++)
      for (int y = y0; y <= y1; y++) {
        double b[4];
        sm_tile_bounds(z, x, y, b);
        double px = (b[2] - b[0]) / 256;
        int any = 0;
        for (int i = 0; i < 256; i++)
          for (int j = 0; j < 256; j++) {
            double v = density(b[0] + (j + 0.5) * px, b[3] - (i + 0.5) * px);
            uint8_t c[4] = {0, 0, 0, 0};
            if (!isnan(v)) sm_style_color(style, v, c), any = 1;
            memcpy(rgba + 4 * (i * 256 + j), c, 4);
            put_float(vals + 4 * (i * 256 + j), isnan(v) ? NAN : (float)v);
          }
        if (!any) continue;
        char p[1200];
        for (int k = 0; k < 2; k++) {
          snprintf(p, sizeof p, "%s/%s/%d/%d", dir, k ? "kde_values" : "kde", z, x);
          char cmd[1300];
          snprintf(cmd, sizeof cmd, "mkdir -p '%s'", p);
          if (system(cmd)) return fail(NULL, "mkdir");
          snprintf(p, sizeof p, "%s/%s/%d/%d/%d.png", dir, k ? "kde_values" : "kde", z, x, y);
          if (write_png(p, k ? vals : rgba)) return fail(NULL, p);
        }
        written++;
      }
  }
  char *sj;
  if (sm_style_json(ctx, style, &sj)) return fail(ctx, "style json");
  /* the entry as the surface tile writer makes it */
  char *entry = sm__asprintf("{\"name\": \"kde\", \"kind\": \"raster\", \"description\": \"Crime density (test "
                             "surface)\", \"tiles\": \"kde/{z}/{x}/{y}.png\", \"values\": \"kde_values/{z}/{x}/{y}.png\", "
                             "\"value_encoding\": \"float32-rgba-be\", \"minzoom\": %d, \"maxzoom\": %d, \"bounds\": [%.6f, %.6f, "
                             "%.6f, %.6f], \"style\": %s, \"metadata\": {\"method\": \"synthetic: two Gaussian peaks, "
                             "sigma 250 m\", \"units\": \"crimes per km²\", \"safemap_version\": \"%s\"}}",
                             ZMIN, ZMAX, west, south, east, north, sj, sm_version_string());
  if (sm__tiles_manifest_add(ctx, dir, "kde", entry)) return fail(ctx, "manifest");

  /* layers: Gi* cells south-west of the hot spot, incidents north-east of it */
  sm_layer *cellsl, *pts;
  sm_layer_create(ctx, &cellsl, "hotspots", SM_GEOM_POLYGON, "EPSG:3857");
  sm_layer_add_field(ctx, cellsl, "gi_bin", SM_FIELD_INT64, NULL);
  sm_layer_add_field(ctx, cellsl, "z_score", SM_FIELD_DOUBLE, NULL);
  sm_layer_set_metadata(ctx, cellsl, "method", "Getis-Ord Gi* (test cells)");
  double cs = 250 * sigma / 250;
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) {
      unsigned char w[13 + 5 * 16] = {1};
      put_u32(w + 1, 3), put_u32(w + 5, 1), put_u32(w + 9, 5);
      double x = mx0 - 2500 * cs / 250 + i * cs, y = my0 - 1800 * cs / 250 + j * cs;
      double ring[10] = {x, y, x + cs, y, x + cs, y + cs, x, y + cs, x, y};
      memcpy(w + 13, ring, sizeof ring);
      size_t row;
      sm_layer_add_feature(ctx, cellsl, w, sizeof w, &row);
      int bin = (i + j) % 4 == 0 ? 3 : (i + j) % 4 == 1 ? 1 : (i + j) % 4 == 2 ? -2 : 0;
      sm_layer_set_int(ctx, cellsl, row, 0, bin);
      sm_layer_set_double(ctx, cellsl, row, 1, bin * 1.1);
    }
  sm_layer_create(ctx, &pts, "incidents", SM_GEOM_POINT, "EPSG:4326");
  sm_layer_add_field(ctx, pts, "category", SM_FIELD_STRING, NULL);
  for (int k = 0; k < 12; k++) {
    unsigned char w[21] = {1};
    put_u32(w + 1, 1);
    double xy[2] = {LON0 + 0.012 + 0.002 * (k % 4), LAT0 + 0.008 + 0.0015 * (k / 4)};
    memcpy(w + 5, xy, 16);
    size_t row;
    sm_layer_add_feature(ctx, pts, w, sizeof w, &row);
    sm_layer_set_string(ctx, pts, row, 0, k % 2 ? "burglary" : "theft from the person");
  }
  sm_layer *ls[2] = {cellsl, pts};
  sm_tiles_options to;
  sm_tiles_options_init(&to, SM_TILES_OPTIONS_VERSION);
  to.max_zoom = 16;
  to.overwrite = 1;
  if (sm_tiles_vector(ctx, ls, 2, dir, &to, NULL)) return fail(ctx, "vector tiles");

  sm_viewer_options vo = SM_VIEWER_OPTIONS_INIT;
  vo.title = "Camden: crime density and hot spots (test)";
  if (sm_tiles_viewer(ctx, dir, &vo)) return fail(ctx, "viewer");

  /* what the browser should show */
  sm_style_class top;
  sm_style_class_get(style, sm_style_class_count(style) - 1, &top);
  double plon = LON0 + 0.0006, plat = LAT0 - 0.0003, pmx, pmy;
  to_merc(plon, plat, &pmx, &pmy);
  int tx, ty;
  sm_tile_of(pmx, pmy, ZMAX, &tx, &ty);
  double tb[4];
  sm_tile_bounds(ZMAX, tx, ty, tb);
  double px = (tb[2] - tb[0]) / 256;
  int pj = (int)floor((pmx - tb[0]) / px), pi = (int)floor((tb[3] - pmy) / px);
  float pv = (float)density(tb[0] + (pj + 0.5) * px, tb[3] - (pi + 0.5) * px);
  char p[1200];
  snprintf(p, sizeof p, "%s/expected.txt", dir);
  FILE *f = fopen(p, "w");
  if (!f) return fail(NULL, p);
  fprintf(f, "hotspot %.6f %.6f\ntop %d %d %d %d\nprobe %.6f %.6f %.9g\ntiles %d\n", LAT0, LON0, top.rgba[0], top.rgba[1],
          top.rgba[2], top.rgba[3], plat, plon, (double)pv, written);
  fclose(f);
  sm_free(sj);
  sm__free(entry);
  sm_style_destroy(style);
  sm_raster_destroy(r);
  sm_layer_destroy(cellsl), sm_layer_destroy(pts);
  sm_ctx_destroy(ctx);
  return 0;
}
