/* safemap tiles: map tiles of a surface (XYZ directory, MBTiles, GeoPackage tiles) or of a vector layer. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const cli_command TILES = {
    "tiles",
    "IN.tif|IN.gpkg [--layer L] [--band N] -o DIR|OUT.mbtiles|OUT.gpkg [options]",
    "Web Mercator map tiles (256 px PNG, EPSG:3857) of a single-band surface: a\n"
    "safemap kde or forecast GeoTIFF or GeoPackage, or any raster GDAL reads; or\n"
    "Mapbox vector tiles of a vector layer (--layer L of a GeoPackage, or any vector\n"
    "file GDAL reads with one layer) into DIR or OUT.mbtiles. Each\n"
    "tile is warped from the surface with GDAL and coloured with the surface's style\n"
    "(a ramp cut into classes; values at or below the threshold are transparent).\n"
    "Beside the colour tiles of one zoom (the first whose pixels are at most half a\n"
    "cell), value tiles keep the exact float32 values (RGBA, big-endian IEEE bits,\n"
    "NaN for no value), for a viewer that shows the value under the cursor. Empty\n"
    "tiles are not written. Same bytes for any thread count.\n"
    "\n"
    "-o DIR writes DIR/NAME/z/x/y.png, DIR/NAME_values/z/x/y.png, lists the tile set\n"
    "in DIR/safemap_map.json (other tile sets in DIR stay) and writes the map page\n"
    "DIR/index.html showing them all; -o OUT.mbtiles writes an\n"
    "MBTiles 1.3 file (value tiles in its table tile_values); -o OUT.gpkg GeoPackage\n"
    "tiles (tables NAME and NAME_values). NAME is --name, else the input's table or\n"
    "file name.\n"
    "\n"
    "Zooms: by default from the zoom at which the surface fits one tile to the first\n"
    "zoom whose pixels are no larger than its cells. More tiles than --max-tiles are\n"
    "refused before any is made. A raster of several bands (an RGB image) is refused\n"
    "unless --band names the band of values.\n",
    "# the Camden burglary surface as a tile directory, zooms 12 to 17, magma ramp\n"
    "safemap kde data/police/camden_burglary --bandwidth 250 --cell 25 -o camden_kde.tif\n"
    "safemap tiles camden_kde.tif --zoom 12-17 --ramp magma -o camden_map\n"
    "ls camden_map/camden_kde/17 | head\n"
    "# one MBTiles file, Jenks classes, nothing drawn below 5 crimes per km2\n"
    "safemap tiles camden_kde.tif --classes jenks --threshold 5 -o camden_kde.mbtiles\n"
    "# a GeoPackage's raster table into GeoPackage tiles\n"
    "safemap tiles camden_kde.gpkg --layer kde -o camden_kde_tiles.gpkg\n"
    "# the layer of Gi* classes safemap hotspots wrote, as vector tiles beside the\n"
    "# surface, on the same page\n"
    "safemap tiles camden_hotspots.gpkg --layer hotspots -o camden_map\n",
    0,
    NULL};

typedef struct zooms {
  int lo, hi;
} zooms;

typedef struct classes {
  sm_style_classes method;
  double breaks[64];
  size_t n;
} classes;

static int zoom_arg(const char *arg, void *dest) {
  zooms *z = dest;
  char *end;
  long a = strtol(arg, &end, 10), b = a;
  if (end == arg || a < 0 || a > 24) return 1;
  if (*end == '-') {
    const char *s = end + 1;
    b = strtol(s, &end, 10);
    if (end == s || b < 0 || b > 24 || b < a) return 1;
  }
  if (*end) return 1;
  z->lo = (int)a, z->hi = (int)b;
  return 0;
}

static int classes_arg(const char *arg, void *dest) {
  classes *c = dest;
  if (!strcmp(arg, "quantile")) c->method = SM_CLASSES_QUANTILE;
  else if (!strcmp(arg, "equal")) c->method = SM_CLASSES_EQUAL;
  else if (!strcmp(arg, "jenks")) c->method = SM_CLASSES_JENKS;
  else if (!strncmp(arg, "fixed:", 6)) {
    c->method = SM_CLASSES_FIXED;
    return cli_numbers(arg + 6, c->breaks, sizeof c->breaks / sizeof *c->breaks, &c->n) || c->n == 0;
  } else
    return 1;
  return 0;
}


static const char *format_name(const char *out) {
  size_t n = strlen(out);
  if (n >= 8 && !strcmp(out + n - 8, ".mbtiles")) return "MBTiles";
  if (n >= 5 && !strcmp(out + n - 5, ".gpkg")) return "GeoPackage tiles";
  return "tile directory";
}

int cmd_tiles(int argc, char **argv) {
  /* the options live here, not in file-scope statics: each call starts from the defaults */
  struct {
    const char *out, *layer, *ramp, *resampling, *name, *basemap, *title;
    long band;
    zooms zoom;
    classes cls;
    double threshold, opacity;
    long n_classes;
    unsigned long long max_tiles;
    int overwrite, no_values;
  } A = {.zoom = {-1, -1}, .threshold = NAN, .opacity = NAN};
  cli_opt OPTS[] = {
      {"output", 'o', CLI_STRING, &A.out, "PATH", "a directory, OUT.mbtiles or OUT.gpkg", 0, 0, 0, 0, NULL, NULL, NULL, 0, 0},
      CLI_O_FLAG("overwrite", 0, &A.overwrite, "replace an existing output (or the tile set of the same name in DIR)"),
      CLI_O_STRING("layer", &A.layer, "L", "the GeoPackage's raster table or vector layer (default: its\n"
                                           "only raster, or a vector file's only layer)"),
      CLI_O_INT("band", &A.band, "N", 1, 65535, "the band of values (required when the raster has several)"),
      CLI_O_STRING("name", &A.name, "NAME", "tile set name (default: the table's or the file's name)"),
      CLI_O_CUSTOM("zoom", &A.zoom, "Z|Z1-Z2", "a zoom or a range like 10-17, from 0 to 24", zoom_arg,
                   "zoom or zoom range (default: automatic from the extent and cell size)"),
      CLI_O_CUSTOM("classes", &A.cls, "quantile|equal|jenks|fixed:A,B,..", "quantile, equal, jenks or fixed:A,B,C",
                   classes_arg,
                   "how the values are cut into classes (default quantile); fixed: the\n"
                   "increasing upper bounds, the last the top of the scale"),
      CLI_O_INT("class-count", &A.n_classes, "N", 2, 12, "number of classes (default 7; not with fixed)"),
      CLI_O_STRING("ramp", &A.ramp, "NAME", "colour ramp: viridis (default), magma, ylorrd, reds, blues"),
      CLI_O_NUMBER("threshold", &A.threshold, "V", -CLI_HUGE, 0, CLI_HUGE, 0, NULL,
                   "values at or below V are transparent (default 0, or the minimum\n"
                   "when the surface has negative values)"),
      CLI_O_NUMBER("opacity", &A.opacity, "A", 0, 0, 1, 0, NULL, "alpha of the colours, 0 to 1 (default 0.8)"),
      CLI_O_CHOICE("resampling", &A.resampling, "near|bilinear|cubic|average",
                   "resampling of the colour tiles (default near; value tiles are always near)"),
      CLI_O_FLAG("no-values", 0, &A.no_values, "colour tiles only, no value tiles"),
      CLI_O_STRING("basemap", &A.basemap, "URL", "a base map under the tiles in the page: a tile address with {z},\n"
                                                 "{x} and {y} (default none: the page needs no network)"),
      CLI_O_STRING("title", &A.title, "TEXT", "the page's title (default safemap)"),
      {"max-tiles", 0, CLI_UINT64, &A.max_tiles, "N", "refuse to make more tiles than N (default 250,000)", 0, 0, 0, 0,
       "a whole number > 0", NULL, NULL, 0, 0},
      CLI_O_END};
  cli_run r;
  if (!cli_start(&r, &TILES, OPTS, CLI_NEEDS_INPUT, NULL, argc, argv)) return cli_finish(&r);
  if (r.o.n_inputs != 1) r.rc = cli_usage_error("tiles", "one input, not %zu", r.o.n_inputs);
  else if (!A.out) r.rc = cli_usage_error("tiles", "-o/--output is required");
  else if (A.cls.method == SM_CLASSES_FIXED && cli_given(OPTS, "class-count"))
    r.rc = cli_usage_error("tiles", "--class-count does not go with --classes fixed: (the breaks give the classes)");
  else if (cli_given(OPTS, "max-tiles") && A.max_tiles == 0)
    r.rc = cli_usage_error("tiles", "--max-tiles must be a whole number > 0");
  if (r.rc) return cli_finish(&r);
  sm_tiles_options to;
  sm_tiles_options_init(&to, SM_TILES_OPTIONS_VERSION);
  to.min_zoom = A.zoom.lo, to.max_zoom = A.zoom.hi;
  to.resampling = A.resampling, to.values = !A.no_values, to.overwrite = A.overwrite || r.o.overwrite, to.name = A.name;
  if (A.max_tiles) to.max_tiles = (size_t)A.max_tiles;
  to.style.ramp = A.ramp, to.style.method = A.cls.method, to.style.threshold = A.threshold;
  if (A.cls.method == SM_CLASSES_FIXED) to.style.breaks = A.cls.breaks, to.style.n_breaks = A.cls.n;
  if (A.n_classes) to.style.n_classes = (int)A.n_classes;
  if (!isnan(A.opacity)) to.style.opacity = A.opacity;
  sm_tiles_info info;
  sm_viewer_options vo = SM_VIEWER_OPTIONS_INIT;
  vo.basemap = A.basemap, vo.title = A.title;
  sm_status st = sm_tiles_file(r.ctx, r.o.inputs[0], A.layer, (int)A.band, A.out, &to, &vo, &info);
  if (st) cli_error(&r, st);
  else if (cli_talk(&r) && info.value_tiles) {
    char b1[32], b2[32], b3[32];
    fprintf(stderr,
            "safemap tiles: %s tiles over zooms %d-%d (%s empty, not written), %s value tiles at zoom %d; %.5f, %.5f to "
            "%.5f, %.5f\n",
            cli_num(info.tiles, b1, sizeof b1), info.min_zoom, info.max_zoom, cli_num(info.empty, b2, sizeof b2),
            cli_num(info.value_tiles, b3, sizeof b3), info.values_zoom, info.bounds[0], info.bounds[1], info.bounds[2],
            info.bounds[3]);
  } else if (cli_talk(&r)) {
    char b1[32], b2[32];
    fprintf(stderr, "safemap tiles: %s tiles over zooms %d-%d (%s empty, not written), no value tiles; %.5f, %.5f to %.5f, %.5f\n",
            cli_num(info.tiles, b1, sizeof b1), info.min_zoom, info.max_zoom, cli_num(info.empty, b2, sizeof b2),
            info.bounds[0], info.bounds[1], info.bounds[2], info.bounds[3]);
  }
  if (!st && cli_talk(&r))
    fprintf(stderr, "safemap tiles: wrote %s (%s)%s%s%s\n", A.out, format_name(A.out), info.page ? "; open " : "",
            info.page ? A.out : "", info.page ? "/index.html" : "");
  return cli_finish(&r);
}
