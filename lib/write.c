/* Writing layers: GeoPackage (through GDAL) and CSV, atomically. */
#include "internal/gpkg.h"
#include "internal/numfmt.h"
#include "internal/overviews.h"
#include "internal/sm_internal.h"
#include "internal/bands.h"
#include "internal/sources.h"
#include "safemap/style.h"

#include <errno.h>
#include <fenv.h>
#include <locale.h>
#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>
#include <sqlite3.h>
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef SM_HAVE_OPENMP
#include <omp.h>
#endif

sm_status sm_write_options_init(sm_write_options *opts, int version) {
  if (!opts || version < 1 || version > SM_WRITE_OPTIONS_VERSION) return SM_E_INVALID_ARG;
  sm_write_options d = SM_WRITE_OPTIONS_INIT;
  if (version == 1) memcpy(opts, &d, offsetof(sm_write_options, inputs)); /* a version-1 struct is shorter */
  else *opts = d;
  opts->version = version;
  return SM_OK;
}

typedef enum { FMT_GPKG, FMT_CSV, FMT_GTIFF } fmt;

static int ends_with(const char *s, const char *e) {
  size_t n = strlen(s), m = strlen(e);
  return n >= m && sm__strcaseeq(s + n - m, e);
}

static sm_status format_of(sm_ctx *ctx, const char *path, const sm_write_options *o, fmt *f) {
  if (o->format) {
    if (sm__strcaseeq(o->format, "GPKG")) *f = FMT_GPKG;
    else if (sm__strcaseeq(o->format, "CSV")) *f = FMT_CSV;
    else if (sm__strcaseeq(o->format, "GTiff") || sm__strcaseeq(o->format, "COG")) *f = FMT_GTIFF;
    else return sm__error(ctx, SM_E_INVALID_ARG, "unknown output format '%s' (GPKG, CSV or GTiff)", o->format);
    return SM_OK;
  }
  if (ends_with(path, ".gpkg")) *f = FMT_GPKG;
  else if (ends_with(path, ".csv")) *f = FMT_CSV;
  else if (ends_with(path, ".tif") || ends_with(path, ".tiff")) *f = FMT_GTIFF;
  else return sm__error(ctx, SM_E_INVALID_ARG, "cannot tell the format of '%s' from its name: use .gpkg, .csv or .tif", path);
  return SM_OK;
}

/* Directory part of a path ("." when none); malloc'd. */
static char *dir_of(const char *path) {
  const char *s = strrchr(path, '/');
  if (!s) return sm__strdup(".");
  if (s == path) return sm__strdup("/");
  return sm__strndup(path, (size_t)(s - path));
}

sm_status sm_write_check(sm_ctx *ctx, const char *path, const sm_write_options *opts) {
  sm_write_options d = SM_WRITE_OPTIONS_INIT;
  if (!opts) opts = &d;
  if (!path || !*path) return sm__error(ctx, SM_E_INVALID_ARG, "no output path given");
  if (opts->version < 1 || opts->version > SM_WRITE_OPTIONS_VERSION)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_write_options version %d is not 1 to %d", opts->version,
                     SM_WRITE_OPTIONS_VERSION);
  fmt f;
  sm_status st = format_of(ctx, path, opts, &f);
  if (st) return st;
  char *dir = dir_of(path);
  if (!dir) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  struct stat sb;
  if (stat(dir, &sb) != 0) st = sm__error(ctx, SM_E_IO, "cannot write '%s': directory '%s' does not exist", path, dir);
  else if (!S_ISDIR(sb.st_mode)) st = sm__error(ctx, SM_E_IO, "cannot write '%s': '%s' is not a directory", path, dir);
  else if (access(dir, W_OK) != 0)
    st = sm__error(ctx, SM_E_IO, "cannot write '%s': directory '%s' is not writable (%s)", path, dir, strerror(errno));
  if (!st) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    long name_max = pathconf(dir, _PC_NAME_MAX);
    if (name_max <= 0) name_max = 255;
    if ((long)strlen(base) > name_max)
      st = sm__error(ctx, SM_E_IO, "cannot write '%s': the file name is %zu bytes, longer than this file system's %ld",
                     path, strlen(base), name_max);
  }
  sm__free(dir);
  if (st) return st;
  if (opts->version >= 2 && (st = sm__output_not_input(ctx, path, opts->inputs, opts->n_inputs))) return st;
  if (stat(path, &sb) == 0) {
    if (S_ISDIR(sb.st_mode)) return sm__error(ctx, SM_E_IO, "cannot write '%s': it is a directory", path);
    if (!opts->overwrite)
      return sm__error(ctx, SM_E_IO, "'%s' exists already; nothing was written (use --overwrite to replace it)", path);
  }
  /* a GeoTIFF's style beside it: refused and replaced like the GeoTIFF */
  char *qml = f == FMT_GTIFF ? sm_write_style_path(path, opts) : NULL;
  if (!qml) return f == FMT_GTIFF ? sm__error(ctx, SM_E_NOMEM, "out of memory") : SM_OK;
  if (opts->version >= 2) st = sm__output_not_input(ctx, qml, opts->inputs, opts->n_inputs);
  if (!st && stat(qml, &sb) == 0) {
    if (S_ISDIR(sb.st_mode))
      st = sm__error(ctx, SM_E_IO, "cannot write '%s', the style beside '%s': it is a directory", qml, path);
    else if (!opts->overwrite)
      st = sm__error(ctx, SM_E_IO, "'%s' (the style beside '%s') exists already; nothing was written (use --overwrite "
                     "to replace it)", qml, path);
  }
  sm__free(qml);
  return st;
}

/* A short hidden name in the output's directory: rename() within one file
 * system is atomic, and the name stays short whatever the output's length.
 * The temporary files a killed run left there go first. */
static char *temp_name_ext(sm_ctx *ctx, const char *path, const char *ext) {
  static atomic_uint counter;
  char *dir = dir_of(path);
  if (!dir) return NULL;
  sm__temp_clear_stale(ctx, dir);
  char *t = sm__asprintf("%s/.safemap-tmp-%ld-%u%s", dir, (long)getpid(), atomic_fetch_add(&counter, 1u), ext);
  sm__free(dir);
  return t;
}

static char *temp_name(sm_ctx *ctx, const char *path, fmt f) {
  return temp_name_ext(ctx, path, f == FMT_GPKG ? ".gpkg" : f == FMT_CSV ? ".csv" : ".tif");
}

/* Moves a finished temporary file into place, or removes it after a failure; and forgets it. */
static sm_status settle(sm_ctx *ctx, sm_status st, char *tmp, int slot, const char *path) {
  if (!st && rename(tmp, path) != 0)
    st = sm__error(ctx, SM_E_IO, "cannot move the finished output to '%s': %s", path, strerror(errno));
  if (st) sm__temp_remove(tmp);
  else sm__progress(ctx, 1.0, "written");
  sm__temp_untrack(slot);
  sm__free(tmp);
  return st;
}

/* ---- CSV ------------------------------------------------------------------------ */
/* Rows are formatted into memory, CSV_BLOCK rows a block, the blocks of
 * CSV_ROUND rows in parallel, then written in order: the bytes do not depend
 * on the thread count. Progress is reported from the calling thread between
 * rounds, after every 65536th row as before. */
#define CSV_BLOCK 8192
#define CSV_ROUND 65536

typedef struct csv_out {
  char *s;
  size_t n, cap;
} csv_out;

/* Room for `need` more bytes; -1 when out of memory. Plain realloc: this runs
 * on worker threads, and sm__realloc's fail-injection hook is not thread-safe. */
static int csv_room(csv_out *b, size_t need) {
  if (b->cap - b->n >= need) return 0;
  size_t c = b->cap ? b->cap : 65536;
  while (c - b->n < need) c *= 2;
  char *q = sm__realloc(b->s, c);
  if (!q) return -1;
  b->s = q;
  b->cap = c;
  return 0;
}

static int csv_put(csv_out *b, char ch) {
  if (csv_room(b, 1)) return -1;
  b->s[b->n++] = ch;
  return 0;
}

static int csv_str(csv_out *b, const char *s) {
  if (!s) return 0;
  size_t len = strlen(s);
  int q = strpbrk(s, ",\"\r\n") != NULL || (s[0] == ' ') || (s[0] && s[len - 1] == ' ');
  if (csv_room(b, 2 * len + 2)) return -1;
  char *p = b->s + b->n;
  if (!q) {
    memcpy(p, s, len);
    b->n += len;
    return 0;
  }
  *p++ = '"';
  for (; *s; s++) {
    if (*s == '"') *p++ = '"';
    *p++ = *s;
  }
  *p++ = '"';
  b->n = (size_t)(p - b->s);
  return 0;
}

/* Rows [r0, r1) as CSV lines appended to b; -1 when out of memory. `own`:
 * doubles through sm__fmt_g15, else snprintf (see write_csv). */
static int csv_rows_to(const sm_layer_col *cols, size_t nf, size_t r0, size_t r1, int own, csv_out *b) {
  for (size_t r = r0; r < r1; r++) {
    for (size_t c = 0; c < nf; c++) {
      const sm_layer_col *k = &cols[c];
      if (csv_room(b, SM_NUMFMT_MAX + 2)) return -1; /* separator, number, newline */
      if (c) b->s[b->n++] = ',';
      if (k->null[r]) continue;
      switch (k->type) {
      case SM_FIELD_INT64: b->n += (size_t)sm__fmt_i64(k->i[r], b->s + b->n); break;
      case SM_FIELD_DOUBLE: {
        double v = k->d[r];
        if (!isfinite(v)) break; /* empty field */
        if (own) {
          b->n += (size_t)sm__fmt_g15(v, b->s + b->n);
        } else {
          char num[40];
          int len = snprintf(num, sizeof num, "%.15g", v); /* at most 22 bytes for a finite double */
          if (len > 0 && len < (int)sizeof num) {
            memcpy(b->s + b->n, num, (size_t)len);
            b->n += (size_t)len;
          }
        }
        break;
      }
      case SM_FIELD_STRING:
        if (csv_str(b, k->s[r])) return -1;
        break;
      }
    }
    if (csv_put(b, '\n')) return -1;
  }
  return 0;
}

/* csv_rows_to on a copy of *out: the blocks of the other threads sit next to
 * it, and a store to out->n at every cell would bounce that cache line
 * between the cores (it did: two threads were no faster than one). */
static int csv_rows(const sm_layer_col *cols, size_t nf, size_t r0, size_t r1, int own, csv_out *out) {
  csv_out b = *out;
  int rc = csv_rows_to(cols, nf, r0, r1, own, &b);
  *out = b;
  return rc;
}

static sm_status write_csv(sm_ctx *ctx, const char *out, const char *tmp, const sm_layer *l) {
  size_t nf = sm_layer_field_count(l), n = sm_layer_feature_count(l);
  csv_out blk[CSV_ROUND / CSV_BLOCK] = {{0}};
  sm_layer_col *cols = sm__malloc((nf ? nf : 1) * sizeof *cols);
  if (!cols) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t c = 0; c < nf; c++) sm__layer_column(l, c, &cols[c]);
  /* sm__fmt_g15 copies printf in round-to-nearest with a "." decimal point
   * (the C locale); in any other setting printf does it, on this thread,
   * whose locale and rounding mode it is. */
  int own = fegetround() == FE_TONEAREST && strcmp(localeconv()->decimal_point, ".") == 0;
  int nt = own ? sm__threads(ctx) : 1;
  (void)nt; /* unused without OpenMP */
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    sm__free(cols);
    return sm__error(ctx, SM_E_IO, "cannot write '%s' (temporary file %s): %s", out, tmp, strerror(errno));
  }
  sm_status st = SM_OK;
  int werr = 0, oom = 0;
  for (size_t c = 0; c < nf && !oom; c++) {
    if (c) oom = csv_put(&blk[0], ',');
    if (!oom) oom = csv_str(&blk[0], sm_layer_field_name(l, c));
  }
  if (!oom) oom = csv_put(&blk[0], '\n');
  if (!oom && fwrite(blk[0].s, 1, blk[0].n, f) != blk[0].n) werr = errno ? errno : EIO;
  for (size_t r0 = 0; r0 < n && !oom && !werr && !st; r0 += CSV_ROUND) {
    size_t r1 = n - r0 > CSV_ROUND ? r0 + CSV_ROUND : n, nb = (r1 - r0 + CSV_BLOCK - 1) / CSV_BLOCK;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) reduction(| : oom) if (nb > 1)
#endif
    for (size_t i = 0; i < nb; i++) {
      size_t a = r0 + i * CSV_BLOCK, z = r1 - a > CSV_BLOCK ? a + CSV_BLOCK : r1;
      blk[i].n = 0;
      oom |= csv_rows(cols, nf, a, z, own, &blk[i]) != 0;
    }
    for (size_t i = 0; i < nb && !oom && !werr; i++)
      if (fwrite(blk[i].s, 1, blk[i].n, f) != blk[i].n) werr = errno ? errno : EIO;
    /* after every 65536th row, as when rows went out one by one */
    if (!oom && !werr && r1 % 65536 == 0) st = sm__progress(ctx, (double)(r1 - 1) / (double)n, "writing CSV");
  }
  for (size_t i = 0; i < CSV_ROUND / CSV_BLOCK; i++) sm__free(blk[i].s);
  sm__free(cols);
  if (!werr && ferror(f)) werr = errno ? errno : EIO;
  if (fclose(f) != 0 && !werr) werr = errno ? errno : EIO;
  if (oom && !st) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (werr && !st) st = sm__error(ctx, SM_E_IO, "cannot write '%s': %s", out, strerror(werr));
  return st;
}

/* ---- GeoPackage ---------------------------------------------------------------- */
/* The empty table, its columns and metadata; the rows go in through SQLite (gpkg_bulk.c) once GDAL has
 * closed the file. */
static sm_status write_layer(sm_ctx *ctx, GDALDatasetH ds, const sm_layer *l, double f0) {
  OGRSpatialReferenceH srs = NULL;
  const char *lname = sm_layer_name(l);
  sm_status st = sm__progress(ctx, f0, "writing");
  if (st) return st;
  if (sm_layer_geom_type(l) != SM_GEOM_NONE) {
    srs = OSRNewSpatialReference(NULL);
    if (OSRSetFromUserInput(srs, sm_layer_crs(l)) != OGRERR_NONE) {
      OSRDestroySpatialReference(srs);
      return sm__error(ctx, SM_E_CRS, "layer '%s': unknown CRS '%s'", lname, sm_layer_crs(l));
    }
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
  }
  const char *desc = sm_layer_metadata_get(l, "method");
  char *dopt = sm__asprintf("DESCRIPTION=%s", desc ? desc : "");
  char *lopts[] = {"SPATIAL_INDEX=NO", "FID=fid", dopt, NULL}; /* the R-tree: gpkg_bulk.c */
  OGRLayerH L = GDALDatasetCreateLayer(ds, lname, srs, sm__ogr_geom_type(sm_layer_geom_type(l)), dopt ? lopts : NULL);
  sm__free(dopt);
  if (srs) OSRDestroySpatialReference(srs);
  if (!L) return sm__error(ctx, SM_E_IO, "cannot create layer '%s': %s", lname, sm__dep_msg(ctx));
  size_t nf = sm_layer_field_count(l);
  for (size_t c = 0; c < nf; c++) {
    OGRFieldType t = sm_layer_field_type(l, c) == SM_FIELD_INT64    ? OFTInteger64
                     : sm_layer_field_type(l, c) == SM_FIELD_DOUBLE ? OFTReal
                                                                    : OFTString;
    OGRFieldDefnH fd = OGR_Fld_Create(sm_layer_field_name(l, c), t);
    OGRErr e = OGR_L_CreateField(L, fd, 1);
    OGR_Fld_Destroy(fd);
    if (e != OGRERR_NONE)
      return sm__error(ctx, SM_E_IO, "cannot create column '%s' of layer '%s': %s", sm_layer_field_name(l, c), lname,
                       sm__dep_msg(ctx));
  }
  for (size_t i = 0; i < sm_layer_metadata_count(l); i++)
    GDALSetMetadataItem((GDALMajorObjectH)L, sm_layer_metadata_key(l, i), sm_layer_metadata_value(l, i), NULL);
  return SM_OK;
}

static sm_status mem_dataset(sm_ctx *ctx, const char *out, const sm_raster *r, GDALDataType dt, GDALDatasetH *ds_out,
                             void **cells_out);

static const char *raster_table(const sm_raster *r, size_t i, char *buf, size_t n) {
  const char *name = sm_raster_metadata_get(r, "name");
  if (name) return name;
  snprintf(buf, n, i ? "raster_%zu" : "raster", i + 1);
  return buf;
}

/* GDAL (3.6) names a gridded coverage's band after gpkg_2d_gridded_coverage_ancillary.field_name, which it
 * writes as "Height": so QGIS and gdalinfo showed every surface as "Height". The band's name is the raster's
 * description ("kernel density"; else its name), also its quantity_definition; the unit (uom) GDAL already
 * takes from the band's unit type. */
static sm_status name_coverage_band(sm_ctx *ctx, GDALDatasetH ds, const sm_raster *r, size_t i) {
  char tbl[64];
  const char *desc = sm_raster_metadata_get(r, "description"), *units = sm_raster_metadata_get(r, "units");
  if (!desc || !*desc) desc = sm_raster_metadata_get(r, "name");
  if (!desc || !*desc) return SM_OK;
  /* uom too: GDAL takes it from the band only when it copies a dataset, not when it creates one (a banded surface) */
  char *sql = sqlite3_mprintf("UPDATE gpkg_2d_gridded_coverage_ancillary SET field_name = %Q, quantity_definition = %Q%s%Q "
                              "WHERE tile_matrix_set_name = %Q",
                              desc, desc, units && *units ? ", uom = " : "", units && *units ? units : "",
                              raster_table(r, i, tbl, sizeof tbl));
  if (!sql) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  OGRLayerH res = GDALDatasetExecuteSQL(ds, sql, NULL, NULL);
  if (res) GDALDatasetReleaseResultSet(ds, res);
  sqlite3_free(sql);
  return SM_OK;
}

/* ---- QGIS styles ---------------------------------------------------------------- */
/* The table QGIS itself makes when it saves a style into a GeoPackage (QgsOgrProviderMetadata::saveStyle):
 * the same columns, widths and types (useAsDefault a boolean, update_time a DATETIME defaulting to the
 * current time), created through GDAL, which registers it in gpkg_contents as an attributes table. */
static const struct {
  const char *name;
  OGRFieldType type;
  int width, boolean;
} STYLE_COLS[] = {{"f_table_catalog", OFTString, 256, 0},
                  {"f_table_schema", OFTString, 256, 0},
                  {"f_table_name", OFTString, 256, 0},
                  {"f_geometry_column", OFTString, 256, 0},
                  {"styleName", OFTString, 30, 0},
                  {"styleQML", OFTString, 0, 0},
                  {"styleSLD", OFTString, 0, 0},
                  {"useAsDefault", OFTInteger, 0, 1},
                  {"description", OFTString, 0, 0},
                  {"owner", OFTString, 30, 0},
                  {"ui", OFTString, 30, 0},
                  {"update_time", OFTDateTime, 0, 0}};

/* At most max bytes of s, not cutting a UTF-8 character; malloc'd. */
static char *utf8_prefix(const char *s, size_t max) {
  size_t n = strlen(s);
  if (n > max) {
    n = max;
    while (n && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  }
  return sm__strndup(s, n);
}

/* One row: a style of table `tbl` (geometry column `gcol`) named `name`, the default one or not. update_time
 * is left NULL, so that the file does not depend on when it was written. */
static sm_status style_row(sm_ctx *ctx, OGRLayerH S, const char *tbl, const char *gcol, const sm_style *style,
                           sm_geom_type g, const char *sname, int dflt) {
  char *qml = NULL;
  sm_status st = sm_style_qml(ctx, style, g, &qml);
  if (st) return st;
  char *name = utf8_prefix(sname, 30);
  char *desc = sm__asprintf("%s; written by safemap %s", sm_style_title(style), sm_version_string());
  OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(S));
  if (!name || !desc || !f) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) {
    OGR_F_SetFieldString(f, 0, "");
    OGR_F_SetFieldString(f, 1, "");
    OGR_F_SetFieldString(f, 2, tbl);
    OGR_F_SetFieldString(f, 3, gcol);
    OGR_F_SetFieldString(f, 4, name);
    OGR_F_SetFieldString(f, 5, qml);
    OGR_F_SetFieldString(f, 6, "");
    OGR_F_SetFieldInteger(f, 7, dflt);
    OGR_F_SetFieldString(f, 8, desc);
    OGR_F_SetFieldString(f, 9, "");
    OGR_F_SetFieldNull(f, 11);
    if (OGR_L_CreateFeature(S, f) != OGRERR_NONE)
      st = sm__error(ctx, SM_E_IO, "cannot write the style of '%s' into layer_styles: %s", tbl, sm__dep_msg(ctx));
  }
  if (f) OGR_F_Destroy(f);
  sm__free(qml), sm__free(name), sm__free(desc);
  return st;
}

/* The other ways a layer may be drawn, stored as further styles: a hot-spot layer by its Gi* bins, with or
 * without the false discovery rate correction, or by its local Moran's I classes. */
static const char *const STYLE_ALTERNATIVES[] = {"gi_bin", "gi_bin_fdr", "lisa_class"};

/* layer_styles with the default style of every feature layer (tables without geometry have nothing to draw),
 * named after the layer as QGIS names a style it saves, and the layer's other styles named after their field. */
static sm_status write_styles(sm_ctx *ctx, GDALDatasetH ds, sm_layer *const *layers, size_t n) {
  size_t drawn = 0;
  for (size_t i = 0; i < n; i++) drawn += sm_layer_geom_type(layers[i]) != SM_GEOM_NONE;
  if (!drawn) return SM_OK;
  char *lopts[] = {"FID=id", NULL};
  OGRLayerH S = GDALDatasetCreateLayer(ds, "layer_styles", NULL, wkbNone, lopts);
  if (!S) return sm__error(ctx, SM_E_IO, "cannot create table layer_styles: %s", sm__dep_msg(ctx));
  for (size_t c = 0; c < sizeof STYLE_COLS / sizeof *STYLE_COLS; c++) {
    OGRFieldDefnH fd = OGR_Fld_Create(STYLE_COLS[c].name, STYLE_COLS[c].type);
    if (STYLE_COLS[c].width) OGR_Fld_SetWidth(fd, STYLE_COLS[c].width);
    if (STYLE_COLS[c].boolean) OGR_Fld_SetSubType(fd, OFSTBoolean);
    if (STYLE_COLS[c].type == OFTDateTime) OGR_Fld_SetDefault(fd, "CURRENT_TIMESTAMP");
    OGRErr e = OGR_L_CreateField(S, fd, 1);
    OGR_Fld_Destroy(fd);
    if (e != OGRERR_NONE)
      return sm__error(ctx, SM_E_IO, "cannot create column '%s' of layer_styles: %s", STYLE_COLS[c].name,
                       sm__dep_msg(ctx));
  }
  if (OGR_L_StartTransaction(S) != OGRERR_NONE) return sm__error(ctx, SM_E_IO, "cannot write layer_styles");
  sm_status st = SM_OK;
  for (size_t i = 0; i < n && !st; i++) {
    const sm_layer *l = layers[i];
    if (sm_layer_geom_type(l) == SM_GEOM_NONE) continue;
    OGRLayerH L = GDALDatasetGetLayerByName(ds, sm_layer_name(l));
    const char *gcol = L ? OGR_L_GetGeometryColumn(L) : "geom";
    sm_style *style = NULL;
    st = sm_style_for_layer(ctx, l, &style);
    if (!st) st = style_row(ctx, S, sm_layer_name(l), gcol, style, sm_layer_geom_type(l), sm_layer_name(l), 1);
    const char *by = style ? sm_style_field(style) : NULL;
    for (size_t k = 0; k < sizeof STYLE_ALTERNATIVES / sizeof *STYLE_ALTERNATIVES && !st && by; k++) {
      const char *alt = STYLE_ALTERNATIVES[k];
      if (!strcmp(alt, by) || sm_layer_field_index(l, alt) < 0) continue;
      sm_style *other = NULL;
      st = sm_style_for_field(ctx, l, alt, &other);
      if (!st) st = style_row(ctx, S, sm_layer_name(l), gcol, other, sm_layer_geom_type(l), alt, 0);
      sm_style_destroy(other);
    }
    sm_style_destroy(style);
  }
  if (!st && OGR_L_CommitTransaction(S) != OGRERR_NONE)
    st = sm__error(ctx, SM_E_IO, "cannot write layer_styles: %s", sm__dep_msg(ctx));
  return st;
}

static sm_status gpkg_finish(sm_ctx *ctx, const char *out, const char *tmp, const sm_raster *const *rasters, size_t nr,
                             sm_layer *const *layers, size_t n);

/* Rasters as GeoPackage gridded coverages (Float32 TIFF tiles), then layers. */
static sm_status write_gpkg(sm_ctx *ctx, const char *out, const char *tmp, const sm_raster *const *rasters, size_t nr,
                            sm_layer *const *layers, size_t n) {
  GDALDriverH drv = GDALGetDriverByName("GPKG");
  if (!drv) return sm__error(ctx, SM_E_UNSUPPORTED, "this GDAL has no GeoPackage driver");
  for (size_t i = 0; i < nr; i++) {
    GDALDatasetH mem = NULL;
    void *cells = NULL;
    sm_status rs = mem_dataset(ctx, out, rasters[i], GDT_Float32, &mem, &cells);
    if (rs) return rs;
    char tbl[64], o1[128], o2[600];
    snprintf(o1, sizeof o1, "RASTER_TABLE=%s", raster_table(rasters[i], i, tbl, sizeof tbl));
    const char *desc = sm_raster_metadata_get(rasters[i], "method");
    snprintf(o2, sizeof o2, "RASTER_DESCRIPTION=%s", desc ? desc : "");
    char *copts[] = {"TILE_FORMAT=TIFF", o1, o2, i ? "APPEND_SUBDATASET=YES" : NULL, NULL};
    GDALDatasetH t = GDALCreateCopy(drv, tmp, mem, FALSE, copts, NULL, NULL);
    GDALClose(mem);
    sm__free(cells);
    if (!t) return sm__error(ctx, SM_E_IO, "cannot write '%s' (temporary file %s): %s", out, tmp, sm__dep_msg(ctx));
    GDALClose(t);
  }
  return gpkg_finish(ctx, out, tmp, rasters, nr, layers, n);
}

/* The GeoPackage tmp, its rasters written: their bands named, the layers, the metadata table, the styles. */
static sm_status gpkg_finish(sm_ctx *ctx, const char *out, const char *tmp, const sm_raster *const *rasters, size_t nr,
                             sm_layer *const *layers, size_t n) {
  GDALDriverH drv = GDALGetDriverByName("GPKG");
  double tg = sm__now();
  GDALDatasetH ds = nr ? GDALOpenEx(tmp, GDAL_OF_VECTOR | GDAL_OF_RASTER | GDAL_OF_UPDATE, NULL, NULL, NULL)
                       : GDALCreate(drv, tmp, 0, 0, 0, GDT_Unknown, NULL);
  if (!ds) return sm__error(ctx, SM_E_IO, "cannot write '%s' (temporary file %s): %s", out, tmp, sm__dep_msg(ctx));
  sm_status st = SM_OK;
  for (size_t i = 0; i < nr && !st; i++) st = name_coverage_band(ctx, ds, rasters[i], i);
  for (size_t i = 0; i < n && !st; i++)
    st = write_layer(ctx, ds, layers[i], (double)i / (double)(n + 1));
  /* How each layer was made, as a plain table anyone can query. */
  if (!st) {
    OGRLayerH M = GDALDatasetCreateLayer(ds, "safemap_metadata", NULL, wkbNone, NULL);
    if (!M) st = sm__error(ctx, SM_E_IO, "cannot create table safemap_metadata: %s", sm__dep_msg(ctx));
    const char *names[] = {"layer", "key", "value"};
    for (int c = 0; c < 3 && !st; c++) {
      OGRFieldDefnH fd = OGR_Fld_Create(names[c], OFTString);
      if (OGR_L_CreateField(M, fd, 1) != OGRERR_NONE) st = sm__error(ctx, SM_E_IO, "cannot create table safemap_metadata");
      OGR_Fld_Destroy(fd);
    }
    if (!st && OGR_L_StartTransaction(M) != OGRERR_NONE) st = sm__error(ctx, SM_E_IO, "cannot write safemap_metadata");
    for (size_t i = 0; i < nr && !st; i++)
      for (size_t k = 0; k < sm_raster_metadata_count(rasters[i]) && !st; k++) {
        char tbl[64];
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(M));
        OGR_F_SetFieldString(f, 0, raster_table(rasters[i], i, tbl, sizeof tbl));
        OGR_F_SetFieldString(f, 1, sm_raster_metadata_key(rasters[i], k));
        OGR_F_SetFieldString(f, 2, sm_raster_metadata_value(rasters[i], k));
        if (OGR_L_CreateFeature(M, f) != OGRERR_NONE) st = sm__error(ctx, SM_E_IO, "cannot write safemap_metadata");
        OGR_F_Destroy(f);
      }
    for (size_t i = 0; i < n && !st; i++)
      for (size_t k = 0; k < sm_layer_metadata_count(layers[i]) && !st; k++) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(M));
        OGR_F_SetFieldString(f, 0, sm_layer_name(layers[i]));
        OGR_F_SetFieldString(f, 1, sm_layer_metadata_key(layers[i], k));
        OGR_F_SetFieldString(f, 2, sm_layer_metadata_value(layers[i], k));
        if (OGR_L_CreateFeature(M, f) != OGRERR_NONE) st = sm__error(ctx, SM_E_IO, "cannot write safemap_metadata");
        OGR_F_Destroy(f);
      }
    if (!st && OGR_L_CommitTransaction(M) != OGRERR_NONE)
      st = sm__error(ctx, SM_E_IO, "cannot write safemap_metadata: %s", sm__dep_msg(ctx));
  }
  if (!st) st = write_styles(ctx, ds, layers, n);
  ctx->dep_error[0] = '\0';
  GDALClose(ds);
  if (!st && ctx->dep_error[0]) st = sm__error(ctx, SM_E_IO, "cannot finish '%s': %s", tmp, ctx->dep_error);
  double t0 = sm__now();
  sm__log(ctx, SM_LOG_DEBUG, "%s: tables, metadata and styles made through GDAL in %.3f s", tmp, t0 - tg);
  if (!st) st = sm__gpkg_bulk_insert(ctx, tmp, layers, n);
  sm__log(ctx, SM_LOG_DEBUG, "bulk inserts into %s took %.3f s", tmp, sm__now() - t0);
  return st;
}

sm_status sm_write_layers(sm_ctx *ctx, const char *path, sm_layer *const *layers, size_t n,
                          const sm_write_options *opts) {
  sm_write_options d = SM_WRITE_OPTIONS_INIT;
  if (!opts) opts = &d;
  sm_status st = sm_write_check(ctx, path, opts);
  if (st) return st;
  if (!layers || n == 0) return sm__error(ctx, SM_E_INVALID_ARG, "nothing to write to '%s'", path);
  for (size_t i = 0; i < n; i++)
    if (!layers[i]) return sm__error(ctx, SM_E_INVALID_ARG, "layer %zu is NULL", i);
  fmt f;
  format_of(ctx, path, opts, &f);
  if (f == FMT_GTIFF)
    return sm__error(ctx, SM_E_INVALID_ARG, "'%s': a GeoTIFF holds rasters; write layers to .gpkg or .csv", path);
  if (f == FMT_CSV && n != 1)
    return sm__error(ctx, SM_E_INVALID_ARG, "a CSV file holds one table, not %zu; write each to its own file", n);
  char *tmp = temp_name(ctx, path, f);
  if (!tmp) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  int slot = sm__temp_track(tmp);
  sm__gdal_begin(ctx);
  double t0 = sm__now();
  st = f == FMT_GPKG ? write_gpkg(ctx, path, tmp, NULL, 0, layers, n) : write_csv(ctx, path, tmp, layers[0]);
  sm__log(ctx, SM_LOG_DEBUG, "%s written in %.3f s", f == FMT_GPKG ? "GeoPackage" : "CSV", sm__now() - t0);
  sm__gdal_end(ctx);
  return settle(ctx, st, tmp, slot, path);
}

/* ---- rasters ---------------------------------------------------------------------- */
/* The band's units and description and the raster's metadata items on ds (set again as the metadata grows). */
static void describe(GDALDatasetH ds, const sm_raster *r) {
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  const char *units = sm_raster_metadata_get(r, "units"), *desc = sm_raster_metadata_get(r, "description");
  if (units) GDALSetRasterUnitType(b, units);
  if (desc) GDALSetDescription(b, desc);
  for (size_t i = 0; i < sm_raster_metadata_count(r); i++)
    GDALSetMetadataItem(ds, sm_raster_metadata_key(r, i), sm_raster_metadata_value(r, i), NULL);
}

/* The grid of r on ds: geotransform, CRS, nodata; then describe(). `out` names the file in messages. */
static sm_status georeference(sm_ctx *ctx, GDALDatasetH ds, const sm_raster *r, const char *out) {
  double gt[6];
  sm_raster_geotransform(r, gt);
  GDALSetGeoTransform(ds, gt);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  char *wkt = NULL;
  sm_status st = SM_OK;
  if (OSRSetFromUserInput(srs, sm_raster_crs(r)) != OGRERR_NONE || OSRExportToWkt(srs, &wkt) != OGRERR_NONE)
    st = sm__error(ctx, SM_E_CRS, "'%s': unknown CRS '%s'", out, sm_raster_crs(r));
  else
    GDALSetProjection(ds, wkt);
  CPLFree(wkt);
  OSRDestroySpatialReference(srs);
  GDALSetRasterNoDataValue(GDALGetRasterBand(ds, 1), sm_raster_nodata(r));
  describe(ds, r);
  return st;
}

/* An in-memory GDAL copy of a raster (geotransform, CRS, nodata, units, metadata) whose cells are *cells_out, to be
 * freed (sm__free) after the dataset is closed: the values as GDAL converts them to dt (GDALCopyWords, the
 * conversion a write through GDALRasterIO makes), NaN as nodata, converted on the threads. */
static sm_status mem_dataset(sm_ctx *ctx, const char *out, const sm_raster *r, GDALDataType dt, GDALDatasetH *ds_out,
                             void **cells_out) {
  size_t w = sm_raster_width(r), h = sm_raster_height(r);
  *ds_out = NULL, *cells_out = NULL;
  if (w > INT32_MAX || h > INT32_MAX) return sm__error(ctx, SM_E_INVALID_ARG, "'%s': raster too large for GDAL", out);
  GDALDriverH mem = GDALGetDriverByName("MEM");
  if (!mem) return sm__error(ctx, SM_E_UNSUPPORTED, "this GDAL has no MEM driver");
  const int size = GDALGetDataTypeSizeBytes(dt);
  unsigned char *cells = sm__malloc((w ? w : 1) * (h ? h : 1) * (size_t)size);
  if (!cells) return sm__error(ctx, SM_E_NOMEM, "cannot hold a %zu x %zu raster in memory", w, h);
  const double *v = sm_raster_values(r), nodata = sm_raster_nodata(r);
  unsigned char nd[8];
  GDALCopyWords(&nodata, GDT_Float64, 0, nd, dt, 0, 1);
  char ptr[64] = "DATAPOINTER=";
  CPLPrintPointer(ptr + strlen(ptr), cells, (int)(sizeof ptr - strlen(ptr)));
  char *bopts[] = {ptr, NULL};
  GDALDatasetH ds = GDALCreate(mem, "", (int)w, (int)h, 0, dt, NULL);
  if (!ds || GDALAddBand(ds, dt, bopts) != CE_None) {
    if (ds) GDALClose(ds);
    sm__free(cells);
    return sm__error(ctx, SM_E_NOMEM, "cannot hold a %zu x %zu raster in memory: %s", w, h, sm__dep_msg(ctx));
  }
  /* The calling thread georeferences the dataset (GDAL's first look at the CRS database: about 10 ms) while the
   * others convert the rows; it then joins them. */
  sm_status st = SM_OK;
  long nrow = (long)h;
  int nth = w * h >= ((size_t)1 << 16) ? sm__threads(ctx) : 1;
  (void)nth;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel num_threads(nth)
#endif
  {
#ifdef SM_HAVE_OPENMP
    if (omp_get_thread_num() == 0)
#endif
      st = georeference(ctx, ds, r, out);
#ifdef SM_HAVE_OPENMP
#pragma omp for schedule(dynamic, 16) nowait
#endif
    for (long j = 0; j < nrow; j++) {
      const double *src = v + (size_t)j * w;
      unsigned char *dst = cells + (size_t)j * w * (size_t)size;
      GDALCopyWords(src, GDT_Float64, 8, dst, dt, size, (int)w);
      for (size_t i = 0; i < w; i++)
        if (isnan(src[i])) memcpy(dst + i * (size_t)size, nd, (size_t)size);
    }
  }
  if (st) {
    GDALClose(ds);
    sm__free(cells);
    return st;
  }
  *ds_out = ds, *cells_out = cells;
  return SM_OK;
}

/* GDAL 3.6, whose AVERAGE overviews sm__overview_average reproduces bit for bit (other versions make their own), with
 * none of the settings that change how it makes them. */
static int overviews_as_gdal36(void) {
  long v = atol(GDALVersionInfo("VERSION_NUM"));
  return v >= 3060000 && v < 3070000 && !CPLGetConfigOption("GDAL_OVR_CHUNKYSIZE", NULL) &&
         !CPLTestBool(CPLGetConfigOption("GDAL_OVR_PROPAGATE_NODATA", "NO"));
}

/* The AVERAGE overviews of ds (levels: their factors), as GDALBuildOverviews makes them. A Float32 grid under GDAL
 * 3.6 gets them from sm__overview_average, on the threads, into overviews GDAL creates empty; any other, from GDAL. */
static sm_status build_overviews(sm_ctx *ctx, const char *out, GDALDatasetH ds, const float *cells, size_t w, size_t h,
                                 double nodata, const int *levels, int nl) {
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  unsigned char *valid = NULL;
  float *buf = NULL;
  int ours = GDALGetRasterDataType(b) == GDT_Float32 && overviews_as_gdal36();
  if (ours) {
    valid = sm__malloc(w * h > 0 ? w * h : 1);
    buf = sm__malloc(((w + 1) / 2) * ((h + 1) / 2) * sizeof *buf + sizeof *buf);
    ours = valid && buf && sm__overview_valid(cells, w * h, nodata, valid, sm__threads(ctx)) == 0;
  }
  sm_status st = SM_OK;
  if (GDALBuildOverviews(ds, ours ? "NONE" : "AVERAGE", nl, (int *)levels, 0, NULL, NULL, NULL) != CE_None)
    st = sm__error(ctx, SM_E_DEPENDENCY, "'%s': cannot build overviews: %s", out, sm__dep_msg(ctx));
  double chunk_max = atof(CPLGetConfigOption("GDAL_OVR_CHUNK_MAX_SIZE", "10485760"));
  for (int i = 0; ours && !st && i < GDALGetOverviewCount(b); i++) {
    GDALRasterBandH ob = GDALGetOverview(b, i);
    int dw = GDALGetRasterBandXSize(ob), dh = GDALGetRasterBandYSize(ob);
    if (sm__overview_average(cells, valid, w, h, nodata, buf, (size_t)dw, (size_t)dh, chunk_max, sm__threads(ctx)))
      st = sm__error(ctx, SM_E_NOMEM, "'%s': out of memory for its overviews", out);
    else if (GDALRasterIO(ob, GF_Write, 0, 0, dw, dh, buf, dw, dh, GDT_Float32, 0, 0) != CE_None)
      st = sm__error(ctx, SM_E_DEPENDENCY, "'%s': cannot build overviews: %s", out, sm__dep_msg(ctx));
  }
  sm__free(valid), sm__free(buf);
  return st;
}

static sm_status write_gtiff(sm_ctx *ctx, const char *out, const char *tmp, const sm_raster *r, const sm_write_options *o) {
  size_t w = sm_raster_width(r), h = sm_raster_height(r);
  GDALDriverH drv = GDALGetDriverByName(o->cog ? "COG" : "GTiff");
  if (!drv) return sm__error(ctx, SM_E_UNSUPPORTED, "this GDAL has no %s driver", o->cog ? "COG" : "GTiff");
  GDALDatasetH ds = NULL;
  void *cells = NULL;
  double t0 = sm__now(), t1 = t0, t2 = t0;
  sm_status st = mem_dataset(ctx, out, r, o->float64 ? GDT_Float64 : GDT_Float32, &ds, &cells);
  if (st) return st;
  t1 = t2 = sm__now();
  if (!st) st = sm__progress(ctx, 0.3, "writing raster");
  char threads[32];
  snprintf(threads, sizeof threads, "NUM_THREADS=%d", sm__threads(ctx)); /* compression on every core */
  char *copts_tif[] = {"TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE", "PREDICTOR=3", "ZLEVEL=1",
                       "BIGTIFF=IF_SAFER", "COPY_SRC_OVERVIEWS=YES", threads, NULL};
  char *copts_cog[] = {"COMPRESS=DEFLATE", "PREDICTOR=YES", "BIGTIFF=IF_SAFER", "OVERVIEW_RESAMPLING=AVERAGE", threads, NULL};
  if (!st && !o->cog) {
    int levels[16], nl = 0;
    for (size_t f = 2; nl < 16 && (w / f >= 256 || h / f >= 256); f *= 2) levels[nl++] = (int)f;
    if (nl) st = build_overviews(ctx, out, ds, cells, w, h, sm_raster_nodata(r), levels, nl);
    t2 = sm__now();
  }
  if (!st) {
    GDALDatasetH t = GDALCreateCopy(drv, tmp, ds, FALSE, o->cog ? copts_cog : copts_tif, NULL, NULL);
    if (!t) st = sm__error(ctx, SM_E_IO, "cannot write '%s': %s", out, sm__dep_msg(ctx));
    else {
      ctx->dep_error[0] = '\0';
      GDALClose(t);
      if (ctx->dep_error[0]) st = sm__error(ctx, SM_E_IO, "cannot finish '%s': %s", out, ctx->dep_error);
    }
  }
  GDALClose(ds);
  sm__free(cells);
  if (!st)
    sm__log(ctx, SM_LOG_DEBUG, "%s: %zu x %zu cells held for GDAL in %.3f s, overviews %.3f s, compressed and written in "
            "%.3f s", out, w, h, t1 - t0, t2 - t1, sm__now() - t2);
  return st;
}

static sm_status write_gtiff_set(sm_ctx *ctx, const char *path, const sm_raster *r, const sm_write_options *o);

sm_status sm_write_raster(sm_ctx *ctx, const char *path, const sm_raster *raster, const sm_write_options *opts) {
  sm_write_options d = SM_WRITE_OPTIONS_INIT;
  if (!opts) opts = &d;
  if (!raster) return sm__error(ctx, SM_E_INVALID_ARG, "sm_write_raster: raster is NULL");
  sm_status st = sm_write_check(ctx, path, opts);
  if (st) return st;
  fmt f;
  format_of(ctx, path, opts, &f);
  if (f == FMT_CSV) return sm__error(ctx, SM_E_INVALID_ARG, "'%s': write rasters to .tif or .gpkg", path);
  if (f == FMT_GTIFF) return write_gtiff_set(ctx, path, raster, opts);
  char *tmp = temp_name(ctx, path, f);
  if (!tmp) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  int slot = sm__temp_track(tmp);
  sm__gdal_begin(ctx);
  st = write_gpkg(ctx, path, tmp, &raster, 1, NULL, 0);
  sm__gdal_end(ctx);
  return settle(ctx, st, tmp, slot, path); /* a failure removes GDAL's .aux.xml too */
}

sm_status sm_write_geopackage(sm_ctx *ctx, const char *path, const sm_raster *const *rasters, size_t n_rasters,
                              sm_layer *const *layers, size_t n_layers, const sm_write_options *opts) {
  sm_write_options d = SM_WRITE_OPTIONS_INIT;
  if (!opts) opts = &d;
  sm_status st = sm_write_check(ctx, path, opts);
  if (st) return st;
  fmt f;
  format_of(ctx, path, opts, &f);
  if (f != FMT_GPKG) return sm__error(ctx, SM_E_INVALID_ARG, "'%s': rasters and layers together go to a .gpkg", path);
  if (n_rasters + n_layers == 0) return sm__error(ctx, SM_E_INVALID_ARG, "nothing to write to '%s'", path);
  for (size_t i = 0; i < n_rasters; i++)
    if (!rasters[i]) return sm__error(ctx, SM_E_INVALID_ARG, "raster %zu is NULL", i);
  for (size_t i = 0; i < n_layers; i++)
    if (!layers[i]) return sm__error(ctx, SM_E_INVALID_ARG, "layer %zu is NULL", i);
  char *tmp = temp_name(ctx, path, f);
  if (!tmp) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  int slot = sm__temp_track(tmp);
  sm__gdal_begin(ctx);
  st = write_gpkg(ctx, path, tmp, rasters, n_rasters, layers, n_layers);
  sm__gdal_end(ctx);
  return settle(ctx, st, tmp, slot, path);
}

/* ---- a set of files (a CSV and its companions, a GeoTIFF and its style), all or none ------------- */
typedef struct set_file {
  char *tmp, *bak; /* bak: a link to (or copy of) what the file was, NULL when it is new */
  int slot, moved;
} set_file;

static const char *base_of(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

/* Keeps what each file to be replaced is (under a temporary name), and lists the set in a ".set" file that
 * a later run finds if this process dies before the set is complete (sm__temp_clear_stale puts it back). */
static sm_status set_prepare(sm_ctx *ctx, const char *const *paths, set_file *f, size_t n, char **marker, int *mslot) {
  struct stat sb;
  for (size_t i = 0; i < n; i++) {
    if (stat(paths[i], &sb) != 0) {
      sm__temp_set_final(f[i].slot, paths[i], NULL);
      continue;
    }
    if (!(f[i].bak = temp_name_ext(ctx, paths[i], ".bak"))) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    sm__temp_set_final(f[i].slot, paths[i], f[i].bak);
    if (sm__temp_keep(paths[i], f[i].bak) != 0) {
      int e = errno;
      sm__free(f[i].bak), f[i].bak = NULL;
      return sm__error(ctx, SM_E_IO, "cannot keep a copy of '%s' while it is replaced: %s", paths[i], strerror(e));
    }
    sm__temp_flags(f[i].slot, -1, 1);
  }
  if (!(*marker = temp_name_ext(ctx, paths[0], ".set"))) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  *mslot = sm__temp_track(*marker);
  FILE *m = fopen(*marker, "w");
  int bad = !m;
  for (size_t i = 0; m && i < n; i++)
    bad |= fprintf(m, "%s\t%s\n", base_of(paths[i]), f[i].bak ? base_of(f[i].bak) : "") < 0;
  if (m && fclose(m) != 0) bad = 1;
  return bad ? sm__error(ctx, SM_E_IO, "cannot write '%s' (temporary file %s): %s", paths[0], *marker, strerror(errno))
             : SM_OK;
}

/* Moves the companions into place, then the main file (paths[0]); after a failed move, the files moved are
 * put back as they were. */
static sm_status set_move(sm_ctx *ctx, const char *const *paths, set_file *f, size_t n, const char *marker) {
  sm_status st = SM_OK;
  for (size_t j = 1; j <= n && !st; j++) {
    size_t i = j % n; /* 1, 2, ..., n - 1, then 0 */
    sm__temp_flags(f[i].slot, 1, -1);
    /* The file being replaced is kept as bak: its name is taken away first, so that the new file is renamed
     * onto nothing. Renamed over a file, ext4 writes the new file's data out before the rename returns (its
     * auto_da_alloc): 72 ms for emerging's 220 MB table of bins. */
    int gone = f[i].bak && unlink(paths[i]) == 0;
    if (rename(f[i].tmp, paths[i]) != 0) {
      int e = errno;
      if (gone) { /* the file it was, back under its name; else left where it is kept, and said so */
        if (rename(f[i].bak, paths[i]) != 0)
          sm__log(ctx, SM_LOG_WARNING, "cannot put '%s' back as it was: it is kept as '%s'", paths[i], f[i].bak);
        sm__free(f[i].bak), f[i].bak = NULL, sm__temp_flags(f[i].slot, -1, 0);
      }
      sm__temp_flags(f[i].slot, 0, -1);
      st = sm__error(ctx, SM_E_IO, "cannot move the finished output to '%s': %s; nothing was written", paths[i],
                     strerror(e));
    } else {
      f[i].moved = 1;
    }
  }
  if (!st) {
    unlink(marker); /* the set is complete */
    for (size_t i = 0; i < n; i++) sm__temp_flags(f[i].slot, 0, -1);
    return SM_OK;
  }
  for (size_t i = 0; i < n; i++) {
    if (!f[i].moved) continue;
    if (f[i].bak ? rename(f[i].bak, paths[i]) == 0 : unlink(paths[i]) == 0) {
      if (f[i].bak) sm__free(f[i].bak), f[i].bak = NULL, sm__temp_flags(f[i].slot, -1, 0);
    } else {
      sm__log(ctx, SM_LOG_WARNING, "cannot put '%s' back as it was: %s", paths[i], strerror(errno));
    }
    sm__temp_flags(f[i].slot, 0, -1);
  }
  return st;
}

/* Moves a set of finished temporary files into place, all or none (see set_prepare, set_move), after `st`
 * (a failure removes them); then frees f. */
static sm_status set_finish(sm_ctx *ctx, sm_status st, const char *const *paths, set_file *f, size_t n) {
  char *marker = NULL;
  int mslot = -1;
  if (!st) st = set_prepare(ctx, paths, f, n, &marker, &mslot);
  if (!st) st = sm__progress(ctx, 0.99, "moving into place");
  if (!st) st = set_move(ctx, paths, f, n, marker);
  for (size_t i = 0; i < n; i++) {
    if (f[i].bak) unlink(f[i].bak);
    if (f[i].tmp) sm__temp_remove(f[i].tmp);
    sm__temp_untrack(f[i].slot);
    sm__free(f[i].tmp), sm__free(f[i].bak);
  }
  if (marker) unlink(marker);
  sm__temp_untrack(mslot);
  sm__free(marker), sm__free(f);
  if (!st) sm__progress(ctx, 1.0, "written");
  return st;
}

sm_status sm__write_csv_set(sm_ctx *ctx, const char *const *paths, sm_layer *const *layers, size_t n,
                            const sm_write_options *opts) {
  (void)opts; /* checked by the caller (sm_write_check) */
  set_file *f = sm__calloc(n, sizeof *f);
  if (!f) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm_status st = SM_OK;
  double saved[2];
  for (size_t i = 0; i < n; i++) f[i].slot = -1;
  for (size_t i = 0; i < n && !st; i++) {
    if (!(f[i].tmp = temp_name(ctx, paths[i], FMT_CSV))) {
      st = sm__error(ctx, SM_E_NOMEM, "out of memory");
      break;
    }
    f[i].slot = sm__temp_track(f[i].tmp);
    sm__progress_push(ctx, 0.98 * (double)i / (double)n, 0.98 * (double)(i + 1) / (double)n, saved);
    st = write_csv(ctx, paths[i], f[i].tmp, layers[i]);
    sm__progress_pop(ctx, saved);
  }
  return set_finish(ctx, st, paths, f, n);
}

/* ---- a GeoTIFF and its QGIS style ------------------------------------------------------ */
/* A surface with no value above its threshold has nothing to colour: grey from 0 to 1. */
static const char EMPTY_QML[] =
    "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
    "<qgis version=\"3.22.0\" styleCategories=\"Symbology\"><pipe><rasterrenderer type=\"singlebandgray\" "
    "band=\"1\" grayBand=\"1\" opacity=\"1\" alphaBand=\"-1\" gradient=\"BlackToWhite\"><rasterTransparency/>"
    "<contrastEnhancement><minValue>0</minValue><maxValue>1</maxValue>"
    "<algorithm>StretchToMinimumMaximum</algorithm></contrastEnhancement></rasterrenderer></pipe></qgis>\n";

/* The QGIS style of a surface (sm_style_for_raster with the defaults) into the file tmp. */
static sm_status write_qml(sm_ctx *ctx, const char *out, const char *tmp, const sm_raster *r) {
  sm_style *style = NULL;
  char *qml = NULL;
  sm_status st = sm_style_for_raster(ctx, r, NULL, &style);
  if (st == SM_E_INPUT) {
    sm__log(ctx, SM_LOG_DEBUG, "%s: %s; a grey style instead", out, sm_ctx_last_error(ctx));
    st = SM_OK;
  } else if (!st) {
    st = sm_style_qml(ctx, style, SM_GEOM_NONE, &qml);
  }
  sm_style_destroy(style);
  if (st) return st;
  const char *text = qml ? qml : EMPTY_QML;
  FILE *f = fopen(tmp, "wb");
  int werr = !f ? errno : fwrite(text, 1, strlen(text), f) != strlen(text) ? (errno ? errno : EIO) : 0;
  if (f && fclose(f) != 0 && !werr) werr = errno ? errno : EIO;
  sm__free(qml);
  if (werr) st = sm__error(ctx, SM_E_IO, "cannot write '%s' (temporary file %s): %s", out, tmp, strerror(werr));
  return st;
}

/* The GeoTIFF and its style beside it, moved into place together. */
static sm_status write_gtiff_set(sm_ctx *ctx, const char *path, const sm_raster *r, const sm_write_options *o) {
  char *qpath = sm_write_style_path(path, o);
  set_file *f = sm__calloc(2, sizeof *f);
  if (!qpath || !f) {
    sm__free(qpath), sm__free(f);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  const char *paths[2] = {path, qpath};
  f[0].slot = f[1].slot = -1;
  sm_status st = SM_OK;
  if (!(f[0].tmp = temp_name(ctx, path, FMT_GTIFF)) || !(f[1].tmp = temp_name_ext(ctx, path, ".qml")))
    st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) {
    f[0].slot = sm__temp_track(f[0].tmp), f[1].slot = sm__temp_track(f[1].tmp);
    sm__gdal_begin(ctx);
    double t0 = sm__now();
    st = write_gtiff(ctx, path, f[0].tmp, r, o);
    sm__log(ctx, SM_LOG_DEBUG, "GeoTIFF written in %.3f s", sm__now() - t0);
    sm__gdal_end(ctx);
  }
  double t1 = sm__now();
  if (!st) st = write_qml(ctx, qpath, f[1].tmp, r);
  sm__log(ctx, SM_LOG_DEBUG, "QGIS style %s written in %.3f s", qpath, sm__now() - t1);
  st = set_finish(ctx, st, paths, f, 2);
  sm__free(qpath);
  return st;
}

char *sm_write_style_path(const char *path, const sm_write_options *opts) {
  sm_write_options d = SM_WRITE_OPTIONS_INIT;
  fmt f;
  if (!path || !*path || format_of(NULL, path, opts ? opts : &d, &f) || f != FMT_GTIFF) return NULL;
  const char *base = strrchr(path, '/'), *dot = strrchr(base ? base + 1 : path, '.');
  size_t n = dot && dot != (base ? base + 1 : path) ? (size_t)(dot - path) : strlen(path);
  return sm__asprintf("%.*s.qml", (int)n, path);
}

/* ---- a raster written band by band (internal/bands.h) ------------------------------------------------------------ */
/* The cells the style of a banded surface is classed on: every k-th cell of the grid (k = 1 up to this many cells,
 * so that a grid that could be held whole gets the same classes as sm_write_raster gives it). */
#define STYLE_SAMPLE_MAX ((size_t)8 << 20)
/* GDAL's block cache while a raster of several bands is written (its default, 5% of the machine's memory, is filled
 * by the overviews reading the bands back, on top of everything the run holds). */
#define CACHE_BANDS_MAX ((GIntBig)256 << 20)
/* The files' block height (GeoTIFF 256 x 256 tiles; GeoPackage tiles are 256 too): rows are gathered into whole rows
 * of blocks so that each block is compressed and written once. */
#define BLOCK_ROWS 256

struct sm__raster_out {
  sm_ctx *ctx;
  fmt f;
  sm_write_options o;
  char *path, *qpath;
  set_file *set;     /* GeoTIFF: the file and its style; GeoPackage: the file */
  size_t nset;
  char *plain;       /* COG: the tiled GeoTIFF the COG is copied from (removed at the end) */
  int plain_slot;
  GDALDatasetH ds;
  size_t w, h;
  double nodata;
  size_t nb;         /* bands: 1, or a band per field (sm__raster_out_open_bands) */
  GIntBig cache_was; /* several bands: GDAL's block cache before it was held to CACHE_BANDS_MAX, restored at the end;
                        else -1 */
  char **names;      /* the bands' descriptions (nb of them; NULL for one band) */
  char *qml;         /* the QGIS style given whole (NULL: classed on the sample of band 1) */
  double *blocks;    /* the rows of the current row of blocks (BLOCK_ROWS rows) of every band, band after band,
                        written when it is full */
  size_t next_row;   /* the first row not yet given */
  double *sample;    /* the style's cells */
  size_t n_sample, step;
};

double sm__band_bytes(size_t width, size_t height, size_t rows) {
  /* the band's doubles; the writer's row of blocks and GDAL's copy of it (Float64 at most); the style's sample and
   * its sort */
  double cells = (double)width * (double)height, sample = cells < (double)STYLE_SAMPLE_MAX ? cells : (double)STYLE_SAMPLE_MAX;
  return (double)width * (double)rows * 8.0 + (double)width * (height < BLOCK_ROWS ? (double)height : BLOCK_ROWS) * 16.0 +
         sample * 8.0 * 2.0;
}

double sm__grid_bytes(size_t width, size_t height) {
  /* the cells, GDAL's in-memory copy (Float32) and its overviews, the style's copy of the values */
  return (double)width * (double)height * (8.0 + 4.0 * 4.0 / 3.0 + 8.0);
}

static sm_status out_dataset(sm__raster_out *o, const char *file, const sm_raster *hd) {
  sm_ctx *ctx = o->ctx;
  char threads[32], tbl[64], o1[128], o2[600];
  snprintf(threads, sizeof threads, "NUM_THREADS=%d", sm__threads(ctx));
  GDALDriverH drv;
  GDALDataType dt = GDT_Float32;
  char *tif[] = {"TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE", "PREDICTOR=3", "ZLEVEL=1",
                 "BIGTIFF=IF_SAFER", threads, NULL};
  snprintf(o1, sizeof o1, "RASTER_TABLE=%s", raster_table(hd, 0, tbl, sizeof tbl));
  const char *method = sm_raster_metadata_get(hd, "method");
  snprintf(o2, sizeof o2, "RASTER_DESCRIPTION=%s", method ? method : "");
  char *gpkg[] = {"TILE_FORMAT=TIFF", o1, o2, NULL};
  if (o->f == FMT_GPKG) {
    drv = GDALGetDriverByName("GPKG");
  } else {
    drv = GDALGetDriverByName("GTiff");
    if (o->o.float64) dt = GDT_Float64;
  }
  if (!drv) return sm__error(ctx, SM_E_UNSUPPORTED, "this GDAL has no %s driver", o->f == FMT_GPKG ? "GeoPackage" : "GTiff");
  o->ds = GDALCreate(drv, file, (int)o->w, (int)o->h, (int)o->nb, dt, o->f == FMT_GPKG ? gpkg : tif);
  if (!o->ds) return sm__error(ctx, SM_E_IO, "cannot write '%s': %s", o->path, sm__dep_msg(ctx));
  sm_status st = georeference(ctx, o->ds, hd, o->path); /* the units now too: a GeoPackage takes them when it is made */
  for (size_t b = 0; b < o->nb && o->names && !st; b++) { /* the other bands' nodata; every band's name */
    GDALRasterBandH band = GDALGetRasterBand(o->ds, (int)b + 1);
    GDALSetRasterNoDataValue(band, sm_raster_nodata(hd));
    GDALSetDescription(band, o->names[b]);
  }
  return st;
}

static void out_free(sm__raster_out *o) {
  if (o->cache_was >= 0) GDALSetCacheMax64(o->cache_was);
  if (o->plain) {
    sm__temp_remove(o->plain);
    sm__temp_untrack(o->plain_slot);
    sm__free(o->plain);
  }
  sm__free(o->path), sm__free(o->qpath), sm__free(o->blocks), sm__free(o->sample), sm__free(o->qml);
  for (size_t b = 0; o->names && b < o->nb; b++) sm__free(o->names[b]);
  sm__free(o->names);
  sm__free(o);
}

sm_status sm__raster_out_open(sm_ctx *ctx, sm__raster_out **out, const char *path, const sm_raster *header,
                              const sm_write_options *opts) {
  return sm__raster_out_open_bands(ctx, out, path, header, 1, NULL, NULL, opts);
}

sm_status sm__raster_out_open_bands(sm_ctx *ctx, sm__raster_out **out, const char *path, const sm_raster *header,
                                    size_t n_bands, const char *const *names, const char *qml,
                                    const sm_write_options *opts) {
  *out = NULL;
  sm_write_options d = SM_WRITE_OPTIONS_INIT;
  if (!opts) opts = &d;
  sm_status st = sm_write_check(ctx, path, opts);
  if (st) return st;
  fmt f;
  format_of(ctx, path, opts, &f);
  if (f == FMT_CSV) return sm__error(ctx, SM_E_INVALID_ARG, "'%s': write rasters to .tif or .gpkg", path);
  if (n_bands < 1 || (n_bands > 1 && !names) || n_bands > 256)
    return sm__error(ctx, SM_E_INVALID_ARG, "'%s': %zu bands without their names", path, n_bands);
  if (n_bands > 1 && f == FMT_GPKG)
    return sm__error(ctx, SM_E_INVALID_ARG, "'%s': a GeoPackage raster holds one band, not %zu: write to .tif", path,
                     n_bands);
  size_t w = sm_raster_width(header), h = sm_raster_height(header);
  if (w > INT32_MAX || h > INT32_MAX) return sm__error(ctx, SM_E_INVALID_ARG, "'%s': raster too large for GDAL", path);
  sm__raster_out *o = sm__calloc(1, sizeof *o);
  if (!o) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  o->ctx = ctx, o->f = f, o->o = *opts, o->w = w, o->h = h, o->nodata = sm_raster_nodata(header), o->plain_slot = -1;
  o->nb = n_bands, o->cache_was = -1;
  o->o.inputs = NULL, o->o.n_inputs = 0; /* checked above; not kept */
  double cells = (double)w * (double)h;
  o->step = cells <= (double)STYLE_SAMPLE_MAX ? 1 : (size_t)ceil(cells / (double)STYLE_SAMPLE_MAX);
  size_t ns = (size_t)ceil(cells / (double)o->step);
  o->path = sm__strdup(path);
  o->nset = f == FMT_GTIFF ? 2 : 1;
  o->set = sm__calloc(o->nset, sizeof *o->set);
  o->blocks = sm__malloc(n_bands * w * (h < BLOCK_ROWS ? h : BLOCK_ROWS) * sizeof *o->blocks);
  o->sample = f == FMT_GTIFF && !qml ? sm__malloc((ns ? ns : 1) * sizeof *o->sample) : NULL;
  int names_bad = 0;
  if (names && (o->names = sm__calloc(n_bands, sizeof *o->names)) != NULL)
    for (size_t b = 0; b < n_bands; b++) names_bad |= !(o->names[b] = sm__strdup(names[b]));
  if (qml) names_bad |= !(o->qml = sm__strdup(qml));
  if (!o->path || !o->set || !o->blocks || (f == FMT_GTIFF && !qml && !o->sample) || (names && !o->names) || names_bad) {
    sm__free(o->set);
    out_free(o);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < o->nset; i++) o->set[i].slot = -1;
  if (!(o->set[0].tmp = temp_name(ctx, path, f)) ||
      (f == FMT_GTIFF && (!(o->qpath = sm_write_style_path(path, opts)) || !(o->set[1].tmp = temp_name_ext(ctx, path, ".qml")))) ||
      (f == FMT_GTIFF && o->o.cog && !(o->plain = temp_name_ext(ctx, path, ".tif"))))
    st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < o->nset; i++)
    if (o->set[i].tmp) o->set[i].slot = sm__temp_track(o->set[i].tmp);
  if (o->plain) o->plain_slot = sm__temp_track(o->plain);
  if (!st && n_bands > 1 && GDALGetCacheMax64() > CACHE_BANDS_MAX) {
    o->cache_was = GDALGetCacheMax64();
    GDALSetCacheMax64(CACHE_BANDS_MAX);
  }
  if (!st) {
    sm__gdal_begin(ctx);
    st = out_dataset(o, o->plain ? o->plain : o->set[0].tmp, header);
    sm__gdal_end(ctx);
  }
  if (st) {
    if (o->ds) GDALClose(o->ds);
    for (size_t i = 0; i < o->nset; i++) {
      if (o->set[i].tmp) sm__temp_remove(o->set[i].tmp);
      sm__temp_untrack(o->set[i].slot);
      sm__free(o->set[i].tmp);
    }
    sm__free(o->set);
    out_free(o);
    return st;
  }
  *out = o;
  return SM_OK;
}

/* Writes the gathered rows [j0, j1) of a row of blocks, then has GDAL compress and write them. */
static sm_status out_blocks(sm__raster_out *o, size_t j0, size_t j1) {
  sm_ctx *ctx = o->ctx;
  sm_status st = SM_OK;
  size_t plane = o->w * (o->h < BLOCK_ROWS ? o->h : BLOCK_ROWS);
  sm__gdal_begin(ctx);
  for (size_t k = 0; k < o->nb && !st; k++) {
    GDALRasterBandH b = GDALGetRasterBand(o->ds, (int)k + 1);
    if (GDALRasterIO(b, GF_Write, 0, (int)j0, (int)o->w, (int)(j1 - j0), o->blocks + k * plane, (int)o->w,
                     (int)(j1 - j0), GDT_Float64, 0, 0) != CE_None || GDALFlushRasterCache(b) != CE_None)
      st = sm__error(ctx, SM_E_IO, "'%s': %s", o->path, sm__dep_msg(ctx));
  }
  sm__gdal_end(ctx);
  return st;
}

sm_status sm__raster_out_rows(sm__raster_out *o, size_t r0, size_t r1, const double *values) {
  return sm__raster_out_rows_bands(o, r0, r1, &values);
}

sm_status sm__raster_out_rows_bands(sm__raster_out *o, size_t r0, size_t r1, const double *const *values) {
  sm_ctx *ctx = o->ctx;
  if (!(r0 < r1 && r1 <= o->h) || r0 != o->next_row)
    return sm__error(ctx, SM_E_INVALID_ARG, "rows %zu to %zu: the next rows to write begin at %zu", r0, r1, o->next_row);
  sm_status st = SM_OK;
  size_t w = o->w;
  size_t plane = w * (o->h < BLOCK_ROWS ? o->h : BLOCK_ROWS);
  for (size_t j = r0; j < r1 && !st; j++) {
    for (size_t k = 0; k < o->nb; k++) {
      const double *vk = values[k] + (j - r0) * w;
      double *row = o->blocks + k * plane + (j % BLOCK_ROWS) * w;
      for (size_t i = 0; i < w; i++) row[i] = isnan(vk[i]) ? o->nodata : vk[i];
    }
    const double *v = values[0] + (j - r0) * w;
    if (o->sample) {
      size_t g0 = j * w, first = (g0 + o->step - 1) / o->step * o->step; /* the first sampled cell of the row */
      for (size_t g = first; g < g0 + w; g += o->step) o->sample[o->n_sample++] = v[g - g0];
    }
    if ((j + 1) % BLOCK_ROWS == 0 || j + 1 == o->h) st = out_blocks(o, j / BLOCK_ROWS * BLOCK_ROWS, j + 1);
  }
  o->next_row = r1;
  return st;
}

/* The style of the surface from its sample: a one-row raster of the sampled cells with the surface's description. */
static sm_status out_style(sm__raster_out *o, const sm_raster *hd) {
  sm_ctx *ctx = o->ctx;
  sm_raster *s = NULL;
  sm_status st = sm_raster_create(ctx, &s, o->n_sample ? o->n_sample : 1, 1, 0, 0, 1, sm_raster_crs(hd));
  if (st) return st;
  double *v = sm_raster_data(s);
  if (o->n_sample) memcpy(v, o->sample, o->n_sample * sizeof *v);
  else v[0] = NAN;
  sm_raster_set_nodata(s, o->nodata);
  const char *keys[] = {"description", "name", "units"};
  for (int i = 0; i < 3 && !st; i++) {
    const char *val = sm_raster_metadata_get(hd, keys[i]);
    if (val) st = sm_raster_set_metadata(ctx, s, keys[i], val);
  }
  if (!st) st = write_qml(ctx, o->qpath, o->set[1].tmp, s);
  sm_raster_destroy(s);
  return st;
}

sm_status sm__raster_out_close(sm__raster_out *o, const sm_raster *header, int commit) {
  if (!o) return SM_OK;
  sm_ctx *ctx = o->ctx;
  sm_status st = commit ? SM_OK : SM_E_CANCELLED;
  sm__gdal_begin(ctx);
  if (!st) describe(o->ds, header); /* the metadata the bands added */
  /* every block compressed and in place before the directory and the overviews are written: with compression on
   * several threads the last row of blocks could otherwise land after the directory, and the file's layout would
   * depend on the number of threads */
  if (!st) GDALFlushCache(o->ds);
  if (!st && o->f == FMT_GTIFF) {
    int levels[16], nl = 0;
    for (size_t f = 2; nl < 16 && (o->w / f >= 256 || o->h / f >= 256); f *= 2) levels[nl++] = (int)f;
    /* read back, averaged and compressed on every core (GDAL_NUM_THREADS): the same bytes as on one, sooner */
    char threads[16];
    snprintf(threads, sizeof threads, "%d", sm__threads(ctx));
    CPLSetThreadLocalConfigOption("GDAL_NUM_THREADS", threads);
    if (!o->o.cog && nl && GDALBuildOverviews(o->ds, o->nb > 1 ? "NEAREST" : "AVERAGE", nl, levels, 0, NULL, NULL, NULL) != CE_None)
      st = sm__error(ctx, SM_E_DEPENDENCY, "'%s': cannot build overviews: %s", o->path, sm__dep_msg(ctx));
    CPLSetThreadLocalConfigOption("GDAL_NUM_THREADS", NULL);
  }
  ctx->dep_error[0] = '\0';
  GDALClose(o->ds);
  o->ds = NULL;
  if (!st && ctx->dep_error[0]) st = sm__error(ctx, SM_E_IO, "cannot finish '%s': %s", o->path, ctx->dep_error);
  if (!st && o->plain) { /* the COG, copied from the tiled GeoTIFF (its overviews made by the COG driver) */
    char threads[32];
    snprintf(threads, sizeof threads, "NUM_THREADS=%d", sm__threads(ctx));
    char *copts[] = {"COMPRESS=DEFLATE", "PREDICTOR=YES", "BIGTIFF=IF_SAFER",
                     o->nb > 1 ? "OVERVIEW_RESAMPLING=NEAREST" : "OVERVIEW_RESAMPLING=AVERAGE", threads, NULL};
    GDALDriverH cog = GDALGetDriverByName("COG");
    GDALDatasetH src = cog ? GDALOpen(o->plain, GA_ReadOnly) : NULL;
    GDALDatasetH t = src ? GDALCreateCopy(cog, o->set[0].tmp, src, FALSE, copts, NULL, NULL) : NULL;
    if (!t) st = sm__error(ctx, SM_E_IO, "cannot write '%s': %s", o->path, cog ? sm__dep_msg(ctx) : "this GDAL has no COG driver");
    else {
      ctx->dep_error[0] = '\0';
      GDALClose(t);
      if (ctx->dep_error[0]) st = sm__error(ctx, SM_E_IO, "cannot finish '%s': %s", o->path, ctx->dep_error);
    }
    if (src) GDALClose(src);
  }
  if (!st && o->f == FMT_GPKG) st = gpkg_finish(ctx, o->path, o->set[0].tmp, &header, 1, NULL, 0);
  sm__gdal_end(ctx);
  if (!st && o->f == FMT_GTIFF && o->qml) { /* the style given */
    FILE *f = fopen(o->set[1].tmp, "wb");
    int werr = !f ? errno : fwrite(o->qml, 1, strlen(o->qml), f) != strlen(o->qml) ? (errno ? errno : EIO) : 0;
    if (f && fclose(f) != 0 && !werr) werr = errno ? errno : EIO;
    if (werr) st = sm__error(ctx, SM_E_IO, "cannot write '%s' (temporary file %s): %s", o->qpath, o->set[1].tmp, strerror(werr));
  } else if (!st && o->f == FMT_GTIFF) {
    st = out_style(o, header);
  }
  if (o->f == FMT_GTIFF) {
    const char *paths[2] = {o->path, o->qpath};
    st = set_finish(ctx, st, paths, o->set, 2);
  } else {
    const char *paths[1] = {o->path};
    st = set_finish(ctx, st, paths, o->set, 1);
  }
  out_free(o);
  return commit ? st : SM_OK;
}
