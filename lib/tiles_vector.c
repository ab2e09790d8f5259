/* Vector tiles: layers -> Mapbox vector tiles through GDAL's MVT driver (a directory of z/x/y.pbf or an
 * MBTiles file), and for a directory the layers as GeoJSON scripts for the offline viewer and the entry of
 * the tile set in the directory's manifest. */
#include "internal/sm_internal.h"
#include "internal/tiles.h"
#include "internal/tiles_files.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <errno.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Appends a string literal. */
#define LIT(b, s) sm__buf_append((b), (s), sizeof(s) - 1)

/* A layer bigger than this as GeoJSON is left to the vector tiles: a page would load it whole. */
size_t sm__tiles_geojson_max = (size_t)20 << 20;
/* The default maximum zoom of layers (tiles.h). */
#define LAYER_MAX_ZOOM 16
/* Web Mercator stops here (degrees of latitude). */
#define MERC_LAT_MAX 85.0511287798066

static int ends_with(const char *s, const char *e) {
  size_t n = strlen(s), m = strlen(e);
  return n > m && sm__strcaseeq(s + n - m, e);
}

static const char *geom_word(sm_geom_type t) {
  return t == SM_GEOM_POINT ? "point" : t == SM_GEOM_LINESTRING || t == SM_GEOM_MULTILINESTRING ? "line" : "polygon";
}

static void merc(double lon, double lat, double *x, double *y) {
  if (lat > MERC_LAT_MAX) lat = MERC_LAT_MAX;
  if (lat < -MERC_LAT_MAX) lat = -MERC_LAT_MAX;
  *x = SM_MERC_ORIGIN * lon / 180.0;
  *y = SM_MERC_ORIGIN * log(tan(M_PI / 4 + lat * M_PI / 360.0)) / M_PI;
}

/* The tiles covering bounds b (degrees) at zoom z: x0, y0, x1, y1. */
static void tile_range(const double b[4], int z, int r[4]) {
  double x0, y0, x1, y1;
  merc(b[0], b[1], &x0, &y0);
  merc(b[2], b[3], &x1, &y1);
  sm_tile_of(x0, y1, z, &r[0], &r[1]);
  sm_tile_of(x1, y0, z, &r[2], &r[3]);
}

/* The number of tiles over bounds b at zooms z0 to z1. */
static double tiles_over(const double b[4], int z0, int z1) {
  double t = 0;
  for (int z = z0; z <= z1; z++) {
    int r[4];
    tile_range(b, z, r);
    t += (double)(r[2] - r[0] + 1) * (double)(r[3] - r[1] + 1);
  }
  return t;
}

/* One layer's GeoJSON script SAFEMAP_LAYER("TILESET/LAYER", {...}) in lon/lat rounded to 1e-6 degrees, and
 * the layer's bounds (b stays NaN without geometry). js->s is freed (left NULL) once it passes the limit. */
typedef struct vjs {
  sm_buf js;
  int too_big;
  double b[4];
} vjs;

static sm_status json_props(sm_buf *b, const sm_layer *l, size_t r) {
  sm_status st = LIT(b, "{");
  for (size_t f = 0; f < sm_layer_field_count(l) && !st; f++) {
    if (f) st = LIT(b, ", ");
    if (!st) st = sm__json_str(b, sm_layer_field_name(l, f));
    if (!st) st = LIT(b, ": ");
    if (st) break;
    if (sm_layer_is_null(l, r, f)) st = LIT(b, "null");
    else if (sm_layer_field_type(l, f) == SM_FIELD_INT64)
      st = sm__buf_printf(b, "%lld", (long long)sm_layer_get_int(l, r, f));
    else if (sm_layer_field_type(l, f) == SM_FIELD_DOUBLE) {
      double v = sm_layer_get_double(l, r, f);
      st = isfinite(v) ? sm__buf_printf(b, "%.15g", v) : LIT(b, "null");
    } else st = sm__json_str(b, sm_layer_get_string(l, r, f));
  }
  if (!st) st = LIT(b, "}");
  return st;
}

/* Reads the layer once: the bounds in degrees and (want_js) the GeoJSON script. */
static sm_status layer_pass(sm_ctx *ctx, const sm_layer *l, const char *key, vjs *o) {
  int want_js = key != NULL;
  const char *lname = sm_layer_name(l);
  o->b[0] = o->b[1] = o->b[2] = o->b[3] = NAN;
  OGRSpatialReferenceH src = OSRNewSpatialReference(NULL), wgs = OSRNewSpatialReference(NULL);
  OGRCoordinateTransformationH ct = NULL;
  sm_status st = SM_OK;
  if (!src || !wgs) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  else if (OSRSetFromUserInput(src, sm_layer_crs(l)) != OGRERR_NONE)
    st = sm__error(ctx, SM_E_CRS, "layer '%s': unknown CRS '%s'", lname, sm_layer_crs(l) ? sm_layer_crs(l) : "(none)");
  else if (OSRImportFromEPSG(wgs, 4326) != OGRERR_NONE) st = sm__error(ctx, SM_E_CRS, "EPSG:4326: %s", sm__dep_msg(ctx));
  if (!st) {
    OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    ct = OCTNewCoordinateTransformation(src, wgs);
    if (!ct) st = sm__error(ctx, SM_E_CRS, "layer '%s': cannot transform '%s' to longitude and latitude: %s", lname,
                            sm_layer_crs(l), sm__dep_msg(ctx));
  }
  char *jopts[] = {"COORDINATE_PRECISION=6", NULL};
  if (!st && want_js) {
    st = LIT(&o->js, "SAFEMAP_LAYER(");
    if (!st) st = sm__json_str(&o->js, key);
    if (!st) st = LIT(&o->js, ", {\"type\": \"FeatureCollection\", \"features\": [\n");
  }
  size_t n = sm_layer_feature_count(l);
  for (size_t r = 0; r < n && !st; r++) {
    size_t wn = 0;
    const unsigned char *wkb = sm_layer_get_wkb(l, r, &wn);
    OGRGeometryH g = NULL;
    if (wkb && wn) {
      if (OGR_G_CreateFromWkb(wkb, NULL, &g, (int)wn) != OGRERR_NONE || !g) {
        st = sm__error(ctx, SM_E_GEOMETRY, "layer '%s', feature %zu: malformed geometry", lname, r + 1);
        break;
      }
      if (OGR_G_Transform(g, ct) != OGRERR_NONE) {
        OGR_G_DestroyGeometry(g);
        st = sm__error(ctx, SM_E_CRS, "layer '%s', feature %zu: cannot transform to longitude and latitude: %s", lname,
                       r + 1, sm__dep_msg(ctx));
        break;
      }
      if (!OGR_G_IsEmpty(g)) {
        OGREnvelope e;
        OGR_G_GetEnvelope(g, &e);
        if (!(o->b[0] <= e.MinX)) o->b[0] = e.MinX;
        if (!(o->b[1] <= e.MinY)) o->b[1] = e.MinY;
        if (!(o->b[2] >= e.MaxX)) o->b[2] = e.MaxX;
        if (!(o->b[3] >= e.MaxY)) o->b[3] = e.MaxY;
      }
    }
    if (want_js && !o->too_big) {
      char *gj = g ? OGR_G_ExportToJsonEx(g, jopts) : NULL;
      st = r ? LIT(&o->js, ",\n{\"type\": \"Feature\", \"geometry\": ") : LIT(&o->js, "{\"type\": \"Feature\", \"geometry\": ");
      if (!st) st = gj ? sm__buf_append(&o->js, gj, strlen(gj)) : LIT(&o->js, "null");
      if (!st) st = LIT(&o->js, ", \"properties\": ");
      if (!st) st = json_props(&o->js, l, r);
      if (!st) st = LIT(&o->js, "}");
      CPLFree(gj);
      if (st) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
      if (!st && o->js.n > sm__tiles_geojson_max) {
        o->too_big = 1;
        sm__free(o->js.s);
        o->js = (sm_buf){0};
      }
    }
    if (g) OGR_G_DestroyGeometry(g);
  }
  if (!st && want_js && !o->too_big && LIT(&o->js, "\n]});\n"))
    st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (ct) OCTDestroyCoordinateTransformation(ct);
  if (src) OSRDestroySpatialReference(src);
  if (wgs) OSRDestroySpatialReference(wgs);
  return st;
}

/* The MVT layer of one sm_layer: its fields and features (the driver projects them to EPSG:3857). */
static sm_status mvt_layer(sm_ctx *ctx, GDALDatasetH ds, const sm_layer *l, int zmin, int zmax) {
  const char *lname = sm_layer_name(l);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  if (!srs) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  OSRSetFromUserInput(srs, sm_layer_crs(l)); /* checked by layer_pass */
  OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
  const char *desc = sm_layer_metadata_get(l, "method");
  char o1[32], o2[32], *o3 = sm__asprintf("DESCRIPTION=%s", desc ? desc : "");
  snprintf(o1, sizeof o1, "MINZOOM=%d", zmin);
  snprintf(o2, sizeof o2, "MAXZOOM=%d", zmax);
  char *lopts[] = {o1, o2, o3, NULL};
  static const OGRwkbGeometryType types[] = {wkbNone, wkbPoint, wkbLineString, wkbPolygon, wkbUnknown,
                                             wkbMultiLineString, wkbMultiPolygon};
  OGRLayerH L = o3 ? GDALDatasetCreateLayer(ds, lname, srs, types[sm_layer_geom_type(l)], lopts) : NULL;
  sm__free(o3);
  OSRDestroySpatialReference(srs);
  if (!L) return sm__error(ctx, SM_E_IO, "cannot make the vector tile layer '%s': %s", lname, sm__dep_msg(ctx));
  size_t nf = sm_layer_field_count(l);
  for (size_t c = 0; c < nf; c++) {
    sm_field_type t = sm_layer_field_type(l, c);
    OGRFieldDefnH fd = OGR_Fld_Create(sm_layer_field_name(l, c), t == SM_FIELD_INT64    ? OFTInteger64
                                                                 : t == SM_FIELD_DOUBLE ? OFTReal
                                                                                        : OFTString);
    OGRErr e = OGR_L_CreateField(L, fd, 1);
    OGR_Fld_Destroy(fd);
    if (e != OGRERR_NONE)
      return sm__error(ctx, SM_E_IO, "vector tile layer '%s': cannot add field '%s': %s", lname,
                       sm_layer_field_name(l, c), sm__dep_msg(ctx));
  }
  OGRFeatureDefnH defn = OGR_L_GetLayerDefn(L);
  size_t n = sm_layer_feature_count(l);
  for (size_t r = 0; r < n; r++) {
    size_t wn = 0;
    const unsigned char *wkb = sm_layer_get_wkb(l, r, &wn);
    OGRGeometryH g = NULL;
    if (!wkb || !wn || OGR_G_CreateFromWkb(wkb, NULL, &g, (int)wn) != OGRERR_NONE || !g) continue;
    OGRFeatureH f = OGR_F_Create(defn);
    OGR_F_SetGeometryDirectly(f, g);
    for (size_t c = 0; c < nf; c++) {
      if (sm_layer_is_null(l, r, c)) continue;
      sm_field_type t = sm_layer_field_type(l, c);
      if (t == SM_FIELD_INT64) OGR_F_SetFieldInteger64(f, (int)c, sm_layer_get_int(l, r, c));
      else if (t == SM_FIELD_DOUBLE) {
        double v = sm_layer_get_double(l, r, c);
        if (isfinite(v)) OGR_F_SetFieldDouble(f, (int)c, v);
      } else OGR_F_SetFieldString(f, (int)c, sm_layer_get_string(l, r, c));
    }
    OGRErr e = OGR_L_CreateFeature(L, f);
    OGR_F_Destroy(f);
    if (e != OGRERR_NONE)
      return sm__error(ctx, SM_E_IO, "vector tile layer '%s', feature %zu: %s", lname, r + 1, sm__dep_msg(ctx));
  }
  return SM_OK;
}

static sm_status metadata_json(sm_buf *b, const sm_layer *l) {
  sm_status st = LIT(b, "{");
  for (size_t i = 0; i < sm_layer_metadata_count(l) && !st; i++) {
    if (i) st = LIT(b, ", ");
    if (!st) st = sm__json_str(b, sm_layer_metadata_key(l, i));
    if (!st) st = LIT(b, ": ");
    if (!st) st = sm__json_str(b, sm_layer_metadata_value(l, i));
  }
  if (!st) st = LIT(b, "}");
  return st;
}

/* The layers' entries of the manifest: [{"name", "fields", "geometry", "style", "metadata", "geojson"}]. */
static sm_status layers_json(sm_ctx *ctx, sm_buf *b, sm_layer *const *layers, size_t n, const vjs *js,
                             char *const *js_files) {
  sm_status st = LIT(b, "[");
  for (size_t i = 0; i < n && !st; i++) {
    const sm_layer *l = layers[i];
    st = i ? LIT(b, ", {\"name\": ") : LIT(b, "{\"name\": ");
    if (!st) st = sm__json_str(b, sm_layer_name(l));
    if (!st) st = LIT(b, ", \"fields\": [");
    for (size_t f = 0; f < sm_layer_field_count(l) && !st; f++) {
      static const char *const tn[] = {"integer", "real", "text"};
      st = f ? LIT(b, ", {\"name\": ") : LIT(b, "{\"name\": ");
      if (!st) st = sm__json_str(b, sm_layer_field_name(l, f));
      if (!st) st = sm__buf_printf(b, ", \"type\": \"%s\"}", tn[sm_layer_field_type(l, f)]);
    }
    if (!st) st = sm__buf_printf(b, "], \"geometry\": \"%s\", \"features\": %zu, \"style\": ",
                                 geom_word(sm_layer_geom_type(l)), sm_layer_feature_count(l));
    if (st) break;
    sm_style *sty = NULL;
    char *sj = NULL;
    if ((st = sm_style_for_layer(ctx, l, &sty)) || (st = sm_style_json(ctx, sty, &sj))) {
      sm_style_destroy(sty);
      return st;
    }
    st = sm__buf_append(b, sj, strlen(sj));
    sm_free(sj);
    sm_style_destroy(sty);
    if (!st) st = LIT(b, ", \"metadata\": ");
    if (!st) st = metadata_json(b, l);
    if (!st) st = LIT(b, ", \"geojson\": ");
    if (!st) st = js_files[i] ? sm__json_str(b, js_files[i]) : LIT(b, "null");
    if (!st && js[i].too_big)
      st = sm__buf_printf(b, ", \"note\": \"more than %.3g MB as GeoJSON: in the vector tiles only, for a map server "
                             "or QGIS, not drawn by the page opened from a folder\"", (double)sm__tiles_geojson_max / (1 << 20));
    if (!st) st = LIT(b, "}");
  }
  if (!st) st = LIT(b, "]");
  return st ? sm__error(ctx, SM_E_NOMEM, "out of memory") : SM_OK;
}

/* Records the layers' metadata in an MBTiles file beside what GDAL wrote: the row "safemap" of table
 * metadata holds {"layers": [...]} as in a directory's manifest. */
static sm_status mbtiles_note(sm_ctx *ctx, const char *path, const char *layers, size_t *tiles) {
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  *tiles = 0;
  char *v = sm__asprintf("{\"layers\": %s}", layers);
  int rc = v ? sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) : SQLITE_NOMEM;
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, "INSERT INTO metadata (name, value) VALUES ('safemap', ?)", -1, &s, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(s, 1, v, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK && sqlite3_step(s) != SQLITE_DONE) rc = SQLITE_ERROR;
  sqlite3_finalize(s);
  s = NULL;
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM tiles", -1, &s, NULL);
  if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) *tiles = (size_t)sqlite3_column_int64(s, 0);
  sm_status st = rc == SQLITE_OK ? SM_OK
                                 : sm__error(ctx, SM_E_IO, "cannot add the metadata to '%s': %s", path,
                                             db ? sqlite3_errmsg(db) : "out of memory");
  sqlite3_finalize(s);
  sqlite3_close(db);
  sm__free(v);
  return st;
}

/* Moves the finished tiles tmp to final, replacing what is there (put back if the move fails). */
static sm_status put_in_place(sm_ctx *ctx, const char *tmp, const char *final) {
  struct stat sb;
  if (stat(final, &sb) != 0)
    return rename(tmp, final) == 0 ? SM_OK
                                   : sm__error(ctx, SM_E_IO, "cannot move the vector tiles to '%s': %s", final, strerror(errno));
  char *old = sm__asprintf("%s.old", tmp); /* named as the temporary: removed by a later run if this one dies */
  sm_status st = SM_OK;
  if (!old) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  else if (rename(final, old) != 0) st = sm__error(ctx, SM_E_IO, "cannot replace '%s': %s", final, strerror(errno));
  else if (rename(tmp, final) != 0) {
    st = sm__error(ctx, SM_E_IO, "cannot move the vector tiles to '%s': %s", final, strerror(errno));
    rename(old, final);
  } else sm__tiles_rm_tree(old);
  sm__free(old);
  return st;
}

/* The tile set's entry in the directory's manifest. */
static sm_status manifest_entry(sm_ctx *ctx, const char *dir, const char *name, int zmin, int zmax, const double b[4],
                                const sm_buf *layers) {
  sm_buf e = {0};
  char *tpl = sm__asprintf("%s/{z}/{x}/{y}.pbf", name);
  sm_status st = tpl ? LIT(&e, "{\"name\": ") : SM_E_NOMEM;
  if (!st) st = sm__json_str(&e, name);
  if (!st) st = LIT(&e, ", \"kind\": \"vector\", \"tiles\": ");
  if (!st) st = sm__json_str(&e, tpl);
  if (!st) st = sm__buf_printf(&e, ", \"minzoom\": %d, \"maxzoom\": %d, \"bounds\": [%.6f, %.6f, %.6f, %.6f], \"layers\": ",
                               zmin, zmax, b[0], b[1], b[2], b[3]);
  if (!st) st = sm__buf_append(&e, layers->s, layers->n);
  if (!st) st = LIT(&e, "}");
  st = st ? sm__error(ctx, SM_E_NOMEM, "out of memory") : sm__tiles_manifest_add(ctx, dir, name, e.s);
  sm__free(e.s), sm__free(tpl);
  return st;
}

/* The .pbf files in dir, of the tiles over bounds b at zooms z0 to z1. */
static size_t pbf_count(const char *dir, const double b[4], int z0, int z1) {
  size_t n = 0;
  struct stat sb;
  for (int z = z0; z <= z1; z++) {
    int r[4];
    tile_range(b, z, r);
    for (int x = r[0]; x <= r[2]; x++)
      for (int y = r[1]; y <= r[3]; y++) {
        char *p = sm__asprintf("%s/%d/%d/%d.pbf", dir, z, x, y);
        n += p && stat(p, &sb) == 0;
        sm__free(p);
      }
  }
  return n;
}

static sm_status check_args(sm_ctx *ctx, sm_layer *const *layers, size_t n, const char *out, const sm_tiles_options *o,
                            const char *name) {
  if (!out || !*out) return sm__error(ctx, SM_E_INVALID_ARG, "vector tiles: no output given");
  if (o->version != SM_TILES_OPTIONS_VERSION)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_tiles_options version %d is not %d", o->version, SM_TILES_OPTIONS_VERSION);
  if (!layers || n == 0) return sm__error(ctx, SM_E_INVALID_ARG, "vector tiles '%s': no layer given", out);
  for (size_t i = 0; i < n; i++) {
    if (!layers[i]) return sm__error(ctx, SM_E_INVALID_ARG, "vector tiles '%s': layer %zu is NULL", out, i + 1);
    if (sm_layer_geom_type(layers[i]) == SM_GEOM_NONE)
      return sm__error(ctx, SM_E_INVALID_ARG, "vector tiles '%s': layer '%s' is a table without geometry", out,
                       sm_layer_name(layers[i]));
    for (size_t j = 0; j < i; j++)
      if (!strcmp(sm_layer_name(layers[i]), sm_layer_name(layers[j])))
        return sm__error(ctx, SM_E_INVALID_ARG, "vector tiles '%s': two layers are named '%s'", out,
                         sm_layer_name(layers[i]));
  }
  if (!*name || name[0] == '.' || strchr(name, '/'))
    return sm__error(ctx, SM_E_INVALID_ARG, "vector tiles: the tile set name '%s' is not a plain file name", name);
  int a = o->min_zoom, b = o->max_zoom;
  if (a < -1 || a > 24 || b < -1 || b > 24 || (a >= 0 && b >= 0 && a > b))
    return sm__error(ctx, SM_E_INVALID_ARG, "vector tiles: zoom range %d-%d is not within 0-24 (lowest first)", a, b);
  if (o->format == SM_TILES_GPKG || (o->format == SM_TILES_AUTO && ends_with(out, ".gpkg")))
    return sm__error(ctx, SM_E_INVALID_ARG,
                     "vector tiles '%s': GeoPackage holds raster tiles only here; write a directory or a .mbtiles file", out);
  if (o->format < SM_TILES_AUTO || o->format > SM_TILES_GPKG)
    return sm__error(ctx, SM_E_INVALID_ARG, "vector tiles: unknown format %d", (int)o->format);
  return SM_OK;
}

sm_status sm_tiles_vector(sm_ctx *ctx, sm_layer *const *layers, size_t n, const char *out, const sm_tiles_options *opts,
                          sm_tiles_info *info) {
  if (!ctx) return SM_E_INVALID_ARG;
  sm_tiles_options d = SM_TILES_OPTIONS_INIT;
  const sm_tiles_options *o = opts ? opts : &d;
  const char *name = o->name ? o->name : "layers";
  sm_status st = check_args(ctx, layers, n, out, o, name);
  if (st) return st;
  int mbtiles = o->format == SM_TILES_MBTILES || (o->format == SM_TILES_AUTO && ends_with(out, ".mbtiles"));
  struct stat sb;
  char *final = mbtiles ? sm__strdup(out) : sm__asprintf("%s/%s", out, name);
  if (!final) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (stat(final, &sb) == 0 && !o->overwrite) {
    st = sm__error(ctx, SM_E_IO, "'%s' exists already; nothing was written (use --overwrite to replace it)", final);
    sm__free(final);
    return st;
  }
  if (!mbtiles && stat(out, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
    st = sm__error(ctx, SM_E_IO, "cannot write tiles into '%s': it is a file, not a directory", out);
    sm__free(final);
    return st;
  }

  /* Pass 1: bounds, and the GeoJSON scripts of a directory: DIR/safemap_layers/NAME/LAYER.js, called by
   * their key NAME/LAYER (LAYER as a file name, unique within the tile set). */
  vjs *js = sm__calloc(n, sizeof *js);
  char **js_files = sm__calloc(n, sizeof *js_files), **keys = sm__calloc(n, sizeof *keys);
  if (!js || !js_files || !keys) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < n && !st && !mbtiles; i++) {
    char *base = sm__tiles_file_name(sm_layer_name(layers[i]));
    keys[i] = base ? sm__asprintf("%s/%s", name, base) : NULL;
    for (unsigned dup = 2; keys[i] && dup < 1000; dup++) {
      size_t j = 0;
      while (j < i && strcmp(keys[j], keys[i])) j++;
      if (j == i) break;
      sm__free(keys[i]);
      keys[i] = sm__asprintf("%s/%s_%u", name, base, dup);
    }
    sm__free(base);
    if (!keys[i]) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  sm__gdal_begin(ctx);
  double b[4] = {NAN, NAN, NAN, NAN};
  for (size_t i = 0; i < n && !st; i++) {
    if ((st = sm__progress(ctx, 0.3 * (double)i / (double)n, "reading the layers"))) break;
    st = layer_pass(ctx, layers[i], keys[i], &js[i]);
    if (!st && isfinite(js[i].b[0])) {
      if (!(b[0] <= js[i].b[0])) b[0] = js[i].b[0];
      if (!(b[1] <= js[i].b[1])) b[1] = js[i].b[1];
      if (!(b[2] >= js[i].b[2])) b[2] = js[i].b[2];
      if (!(b[3] >= js[i].b[3])) b[3] = js[i].b[3];
    }
  }
  if (!st && !isfinite(b[0])) st = sm__error(ctx, SM_E_INPUT, "vector tiles '%s': the layers hold no geometry", out);

  /* Zooms, and the number of tiles they would make at most. */
  int zmax = o->max_zoom >= 0 ? o->max_zoom : LAYER_MAX_ZOOM, zmin = o->min_zoom;
  if (o->max_zoom < 0 && zmin > zmax) zmax = zmin;
  if (!st && zmin < 0) {
    for (zmin = zmax; zmin > 0; zmin--) {
      int r[4];
      tile_range(b, zmin, r);
      if (r[0] == r[2] && r[1] == r[3]) break;
    }
  }
  double count = st ? 0 : tiles_over(b, zmin, zmax);
  if (!st && count > (double)o->max_tiles)
    st = sm__error(ctx, SM_E_INVALID_ARG,
                   "vector tiles '%s': zooms %d-%d over these layers could make %.0f tiles, more than the limit of %zu; "
                   "lower the maximum zoom",
                   out, zmin, zmax, count, o->max_tiles);

  /* Pass 2: the tiles, under a temporary name beside the output. */
  static atomic_uint counter;
  unsigned k = atomic_fetch_add(&counter, 1u);
  char *tmp = NULL;
  int made_out = !mbtiles && stat(out, &sb) != 0;
  if (!st && !mbtiles) st = sm__tiles_mkdirs(ctx, out);
  if (!st) {
    const char *slash = strrchr(out, '/');
    char *tdir = mbtiles ? (slash ? sm__strndup(out, (size_t)(slash - out)) : sm__strdup(".")) : sm__strdup(out);
    if (tdir) sm__tiles_clear_stale(ctx, tdir);
    sm__free(tdir);
    tmp = mbtiles ? (slash ? sm__asprintf("%.*s/.safemap-mvt-%ld-%u.mbtiles", (int)(slash - out), out, (long)getpid(), k)
                           : sm__asprintf(".safemap-mvt-%ld-%u.mbtiles", (long)getpid(), k))
                  : sm__asprintf("%s/.safemap-mvt-%ld-%u", out, (long)getpid(), k);
    if (!tmp) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  GDALDriverH drv = st ? NULL : GDALGetDriverByName("MVT");
  if (!st && !drv) st = sm__error(ctx, SM_E_UNSUPPORTED, "this GDAL has no MVT (Mapbox vector tiles) driver");
  char *desc = NULL;
  if (!st) {
    sm_buf db = {0};
    for (size_t i = 0; i < n && !st; i++) {
      const char *m = sm_layer_metadata_get(layers[i], "method");
      st = sm__buf_printf(&db, "%s%s%s%s", i ? "; " : "", sm_layer_name(layers[i]), m ? ": " : "", m ? m : "");
    }
    desc = db.s ? sm__asprintf("DESCRIPTION=%s", db.s) : NULL;
    sm__free(db.s);
    if (!desc) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  GDALDatasetH ds = NULL;
  if (!st) {
    char z0[32], z1[32], *nm = sm__asprintf("NAME=%s", name);
    snprintf(z0, sizeof z0, "MINZOOM=%d", zmin);
    snprintf(z1, sizeof z1, "MAXZOOM=%d", zmax);
    char *copts[] = {mbtiles ? "FORMAT=MBTILES" : "FORMAT=DIRECTORY", "TILE_EXTENSION=pbf", z0, z1, nm, desc, NULL};
    ds = nm ? GDALCreate(drv, tmp, 0, 0, 0, GDT_Unknown, copts) : NULL;
    sm__free(nm);
    if (!ds) st = sm__error(ctx, SM_E_IO, "cannot write vector tiles to '%s': %s", tmp, sm__dep_msg(ctx));
  }
  sm__free(desc);
  for (size_t i = 0; i < n && !st; i++) {
    if ((st = sm__progress(ctx, 0.3 + 0.2 * (double)i / (double)n, "cutting vector tiles"))) break;
    st = mvt_layer(ctx, ds, layers[i], zmin, zmax);
  }
  if (ds) {
    ctx->dep_error[0] = '\0';
    GDALClose(ds); /* the tiles are made here */
    if (!st && ctx->dep_error[0]) st = sm__error(ctx, SM_E_IO, "cannot finish the vector tiles '%s': %s", tmp, ctx->dep_error);
  }
  sm__gdal_end(ctx);

  /* The layers' scripts for the viewer, and the manifest's description of them. */
  char *fname = NULL;
  for (size_t i = 0; i < n && !st && !mbtiles; i++) {
    if (js[i].too_big || !js[i].js.s) continue;
    js_files[i] = sm__asprintf("safemap_layers/%s.js", keys[i]);
    if (!js_files[i]) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  sm_buf lj = {0};
  if (!st) st = layers_json(ctx, &lj, layers, n, js, js_files);
  size_t mb_tiles = 0;
  if (!st && mbtiles) st = mbtiles_note(ctx, tmp, lj.s, &mb_tiles);

  /* Into place: the tiles replace what was there; then the scripts and the manifest entry. */
  if (!st) st = put_in_place(ctx, tmp, final);
  if (st && tmp) {
    sm__tiles_rm_tree(tmp);
    char *tdb = sm__asprintf("%s.temp.db", tmp);
    if (tdb) unlink(tdb);
    sm__free(tdb);
  }
  if (!st && !mbtiles) { /* the tile set's scripts replace those it had */
    char *ldir = sm__asprintf("%s/safemap_layers/%s", out, name);
    if (ldir) sm__tiles_rm_tree(ldir);
    st = ldir ? sm__tiles_mkdirs(ctx, ldir) : sm__error(ctx, SM_E_NOMEM, "out of memory");
    sm__free(ldir);
    for (size_t i = 0; i < n && !st; i++) {
      if (!js_files[i]) continue;
      fname = sm__asprintf("%s/%s", out, js_files[i]);
      st = fname ? sm__tiles_write_file(ctx, fname, js[i].js.s, js[i].js.n) : sm__error(ctx, SM_E_NOMEM, "out of memory");
      sm__free(fname);
    }
  }
  if (!st && !mbtiles) st = manifest_entry(ctx, out, name, zmin, zmax, b, &lj);
  if (!st && info) {
    info->min_zoom = zmin, info->max_zoom = zmax;
    memcpy(info->bounds, b, sizeof b);
    info->tiles = mbtiles ? mb_tiles : pbf_count(final, b, zmin, zmax);
    info->empty = count > (double)info->tiles ? (size_t)(count - (double)info->tiles) : 0;
  }
  if (st && made_out) rmdir(out); /* only when still empty */
  if (!st) sm__progress(ctx, 1.0, "vector tiles written");
  for (size_t i = 0; js && i < n; i++) sm__free(js[i].js.s);
  for (size_t i = 0; js_files && i < n; i++) sm__free(js_files[i]);
  for (size_t i = 0; keys && i < n; i++) sm__free(keys[i]);
  sm__free(js), sm__free(js_files), sm__free(keys), sm__free(lj.s), sm__free(tmp), sm__free(final);
  return st;
}
