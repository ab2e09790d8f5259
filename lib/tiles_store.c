/* Containers of a tile set: an XYZ directory (out/NAME/z/x/y.EXT), an MBTiles 1.3 file or GeoPackage tiles,
 * written through SQLite in the order the tiles are put, so that the same tiles make the same bytes.
 *
 * MBTiles: the `tiles` table in TMS rows, the metadata rows of the specification (name, format, bounds,
 * center, minzoom, maxzoom, type, version, description, attribution) and safemap's own (generator, style,
 * value_encoding, values_table, safemap_metadata); value tiles go into a second table `tile_values` of the
 * same columns, beside `tiles` in the same file.
 * GeoPackage: a tile matrix set in EPSG:3857 over the whole Web Mercator square (GDAL's GoogleMapsCompatible),
 * a tile matrix per zoom, the tile table NAME and the value tiles' table NAME_values, and the metadata as
 * GDAL's metadata document (gpkg_metadata) of each table, which gdalinfo shows. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "internal/sm_internal.h"
#include "internal/sources.h"
#include "internal/tiles.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sm__tile_store {
  sm_tiles_format fmt;
  char *out, *name, *ext;
  int values, overwrite, made_dir;
  /* directory: the temporary directories of the tiles and value tiles */
  char *tmp[2];
  int last_z[2], last_x[2];
  /* files */
  char *tmpfile;
  int slot;
  sqlite3 *db;
  sqlite3_stmt *ins[2];
};

static int ends_with(const char *s, const char *e) {
  size_t n = strlen(s), m = strlen(e);
  return n >= m && sm__strcaseeq(s + n - m, e);
}

sm_tiles_format sm__tiles_format_of(const char *out, sm_tiles_format f) {
  if (f != SM_TILES_AUTO) return f;
  if (ends_with(out, ".mbtiles")) return SM_TILES_MBTILES;
  if (ends_with(out, ".gpkg")) return SM_TILES_GPKG;
  return SM_TILES_XYZ;
}

static char *dir_of(const char *path) {
  const char *s = strrchr(path, '/');
  if (!s) return sm__strdup(".");
  if (s == path) return sm__strdup("/");
  return sm__strndup(path, (size_t)(s - path));
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *f) {
  (void)sb, (void)f;
  return flag == FTW_DP ? rmdir(p) : unlink(p);
}

/* Removes a directory tree (or a file); 0 when it is gone. */
static int rm_tree(const char *p) {
  struct stat sb;
  if (lstat(p, &sb) != 0) return errno == ENOENT ? 0 : -1;
  if (!S_ISDIR(sb.st_mode)) return unlink(p);
  return nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int mkdir_p(const char *path) {
  char *p = sm__strdup(path);
  if (!p) return -1;
  int rc = 0;
  for (char *s = p + 1; rc == 0; s++) {
    if (*s != '/' && *s) continue;
    char c = *s;
    *s = '\0';
    if (mkdir(p, 0777) != 0 && errno != EEXIST) rc = -1;
    *s = c;
    if (!c) break;
  }
  sm__free(p);
  return rc;
}

static sm_status sql(sm_ctx *ctx, sm__tile_store *s, const char *q) {
  char *err = NULL;
  if (sqlite3_exec(s->db, q, NULL, NULL, &err) == SQLITE_OK) return SM_OK;
  sm_status st = sm__error(ctx, SM_E_IO, "cannot write '%s': SQLite: %s", s->out, err ? err : "error");
  sqlite3_free(err);
  return st;
}

static const char *MBTILES_SCHEMA =
    "PRAGMA page_size = 4096; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN;"
    "CREATE TABLE metadata (name TEXT, value TEXT);"
    "CREATE UNIQUE INDEX name ON metadata (name);"
    "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);"
    "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);";

static const char *GPKG_SCHEMA =
    "PRAGMA page_size = 4096; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
    "PRAGMA application_id = 1196444487; PRAGMA user_version = 10200; BEGIN;"
    "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization "
    "TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);"
    "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT "
    "UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT "
    "(strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id "
    "INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));"
    "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name "
    "TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols "
    "PRIMARY KEY (table_name, column_name));"
    "CREATE TABLE gpkg_tile_matrix_set (table_name TEXT NOT NULL PRIMARY KEY, srs_id INTEGER NOT NULL, min_x "
    "DOUBLE NOT NULL, min_y DOUBLE NOT NULL, max_x DOUBLE NOT NULL, max_y DOUBLE NOT NULL, CONSTRAINT "
    "fk_gtms_table_name FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gtms_srs "
    "FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));"
    "CREATE TABLE gpkg_tile_matrix (table_name TEXT NOT NULL, zoom_level INTEGER NOT NULL, matrix_width INTEGER "
    "NOT NULL, matrix_height INTEGER NOT NULL, tile_width INTEGER NOT NULL, tile_height INTEGER NOT NULL, "
    "pixel_x_size DOUBLE NOT NULL, pixel_y_size DOUBLE NOT NULL, CONSTRAINT pk_ttm PRIMARY KEY (table_name, "
    "zoom_level), CONSTRAINT fk_tmm_table_name FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name));"
    "CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition "
    "TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));"
    "CREATE TABLE gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL, md_scope TEXT NOT NULL "
    "DEFAULT 'dataset', md_standard_uri TEXT NOT NULL, mime_type TEXT NOT NULL DEFAULT 'text/xml', metadata TEXT "
    "NOT NULL DEFAULT '');"
    "CREATE TABLE gpkg_metadata_reference (reference_scope TEXT NOT NULL, table_name TEXT, column_name TEXT, "
    "row_id_value INTEGER, timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), md_file_id "
    "INTEGER NOT NULL, md_parent_id INTEGER, CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES "
    "gpkg_metadata(id), CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id));"
    "INSERT INTO gpkg_extensions VALUES ('gpkg_metadata', NULL, 'gpkg_metadata', "
    "'http://www.geopackage.org/spec120/#extension_metadata', 'read-write');"
    "INSERT INTO gpkg_extensions VALUES ('gpkg_metadata_reference', NULL, 'gpkg_metadata', "
    "'http://www.geopackage.org/spec120/#extension_metadata', 'read-write');";

static sm_status prepare_table(sm_ctx *ctx, sm__tile_store *s, int v) {
  char *q = NULL;
  if (s->fmt == SM_TILES_MBTILES) {
    q = v ? sm__asprintf("CREATE TABLE tile_values (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
                         "tile_data BLOB); CREATE UNIQUE INDEX tile_values_index ON tile_values (zoom_level, "
                         "tile_column, tile_row);")
          : NULL;
  } else {
    q = sm__asprintf("CREATE TABLE \"%s%s\" (id INTEGER PRIMARY KEY AUTOINCREMENT, zoom_level INTEGER NOT NULL, "
                     "tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL, tile_data BLOB NOT NULL, UNIQUE "
                     "(zoom_level, tile_column, tile_row));",
                     s->name, v ? "_values" : "");
    if (!q) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  sm_status st = q ? sql(ctx, s, q) : SM_OK;
  sm__free(q);
  if (st) return st;
  char *ins = s->fmt == SM_TILES_MBTILES
                  ? sm__asprintf("INSERT INTO %s (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)",
                                 v ? "tile_values" : "tiles")
                  : sm__asprintf("INSERT INTO \"%s%s\" (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)",
                                 s->name, v ? "_values" : "");
  if (!ins) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  int rc = sqlite3_prepare_v2(s->db, ins, -1, &s->ins[v], NULL);
  sm__free(ins);
  return rc == SQLITE_OK ? SM_OK : sm__error(ctx, SM_E_IO, "cannot write '%s': SQLite: %s", s->out, sqlite3_errmsg(s->db));
}

static sm_status open_file(sm_ctx *ctx, sm__tile_store *s) {
  static atomic_uint counter;
  char *dir = dir_of(s->out);
  if (!dir) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  struct stat sb;
  sm_status st = SM_OK;
  if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
    st = sm__error(ctx, SM_E_IO, "cannot write '%s': directory '%s' does not exist", s->out, dir);
  else if (access(dir, W_OK) != 0)
    st = sm__error(ctx, SM_E_IO, "cannot write '%s': directory '%s' is not writable (%s)", s->out, dir, strerror(errno));
  else if (stat(s->out, &sb) == 0 && S_ISDIR(sb.st_mode))
    st = sm__error(ctx, SM_E_IO, "cannot write '%s': it is a directory", s->out);
  else if (stat(s->out, &sb) == 0 && !s->overwrite)
    st = sm__error(ctx, SM_E_IO, "'%s' exists already; nothing was written (use --overwrite to replace it)", s->out);
  if (!st) {
    sm__temp_clear_stale(ctx, dir);
    s->tmpfile = sm__asprintf("%s/.safemap-tmp-%ld-%u%s", dir, (long)getpid(), atomic_fetch_add(&counter, 1u),
                              s->fmt == SM_TILES_GPKG ? ".gpkg" : ".mbtiles");
    if (!s->tmpfile) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  sm__free(dir);
  if (st) return st;
  s->slot = sm__temp_track(s->tmpfile);
  if (sqlite3_open_v2(s->tmpfile, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    return sm__error(ctx, SM_E_IO, "cannot write '%s': SQLite: %s", s->out, s->db ? sqlite3_errmsg(s->db) : "cannot open");
  st = sql(ctx, s, s->fmt == SM_TILES_GPKG ? GPKG_SCHEMA : MBTILES_SCHEMA);
  for (int v = 0; v <= s->values && !st; v++) st = prepare_table(ctx, s, v);
  return st;
}

static sm_status open_dir(sm_ctx *ctx, sm__tile_store *s) {
  struct stat sb;
  if (stat(s->out, &sb) == 0) {
    if (!S_ISDIR(sb.st_mode))
      return sm__error(ctx, SM_E_IO, "cannot write tiles to '%s': it is a file, not a directory", s->out);
  } else {
    if (mkdir_p(s->out) != 0) return sm__error(ctx, SM_E_IO, "cannot create the directory '%s': %s", s->out, strerror(errno));
    s->made_dir = 1;
  }
  if (access(s->out, W_OK) != 0)
    return sm__error(ctx, SM_E_IO, "cannot write tiles to '%s': %s", s->out, strerror(errno));
  for (int v = 0; v <= s->values; v++) {
    char *final = sm__asprintf("%s/%s%s", s->out, s->name, v ? "_values" : "");
    if (!final) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    int exists = lstat(final, &sb) == 0;
    sm__free(final);
    if (exists && !s->overwrite)
      return sm__error(ctx, SM_E_IO, "'%s/%s%s' exists already; nothing was written (use --overwrite to replace it)",
                       s->out, s->name, v ? "_values" : "");
    s->tmp[v] = sm__asprintf("%s/.%s%s.tmp-%ld", s->out, s->name, v ? "_values" : "", (long)getpid());
    if (!s->tmp[v]) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    rm_tree(s->tmp[v]);
    if (mkdir(s->tmp[v], 0777) != 0)
      return sm__error(ctx, SM_E_IO, "cannot create the directory '%s': %s", s->tmp[v], strerror(errno));
    s->last_z[v] = s->last_x[v] = -1;
  }
  return SM_OK;
}

sm_status sm__tile_store_open(sm_ctx *ctx, const char *out, sm_tiles_format fmt, const char *name, const char *ext,
                              int values, int overwrite, sm__tile_store **sp) {
  *sp = NULL;
  sm__tile_store *s = sm__calloc(1, sizeof *s);
  if (!s) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  s->fmt = sm__tiles_format_of(out, fmt), s->values = values ? 1 : 0, s->overwrite = overwrite, s->slot = -1;
  s->out = sm__strdup(out), s->name = sm__strdup(name), s->ext = sm__strdup(ext);
  sm_status st = s->out && s->name && s->ext ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) st = s->fmt == SM_TILES_XYZ ? open_dir(ctx, s) : open_file(ctx, s);
  if (st) {
    sm__tile_store_abort(s);
    return st;
  }
  *sp = s;
  return SM_OK;
}

int sm__tile_store_is_dir(const sm__tile_store *s) { return s && s->fmt == SM_TILES_XYZ; }

int sm__tile_store_write_file(const sm__tile_store *s, int z, int x, int y, int value, const void *data, size_t n) {
  int v = value ? 1 : 0;
  char *p = sm__asprintf("%s/%d/%d/%d.%s", s->tmp[v], z, x, y, s->ext);
  if (!p) return ENOMEM;
  FILE *f = fopen(p, "wb");
  if (!f && errno == ENOENT) { /* the column's directory, made once by whichever thread comes first */
    char *d = sm__asprintf("%s/%d/%d", s->tmp[v], z, x);
    if (d && mkdir_p(d) == 0) f = fopen(p, "wb");
    sm__free(d);
  }
  int err = f ? 0 : errno ? errno : EIO;
  if (f && n && fwrite(data, 1, n, f) != n) err = errno ? errno : EIO;
  if (f && fclose(f) != 0 && !err) err = errno ? errno : EIO;
  sm__free(p);
  return err;
}

sm_status sm__tile_store_put(sm_ctx *ctx, sm__tile_store *s, int z, int x, int y, int value, const void *data,
                             size_t n) {
  int v = value ? 1 : 0;
  if (s->fmt == SM_TILES_XYZ) {
    char *p = sm__asprintf("%s/%d/%d/%d.%s", s->tmp[v], z, x, y, s->ext);
    if (!p) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    sm_status st = SM_OK;
    if (s->last_z[v] != z || s->last_x[v] != x) {
      char *d = sm__asprintf("%s/%d/%d", s->tmp[v], z, x);
      if (!d || mkdir_p(d) != 0) st = sm__error(ctx, SM_E_IO, "cannot create the directory '%s': %s", d ? d : p, strerror(errno));
      sm__free(d);
      s->last_z[v] = z, s->last_x[v] = x;
    }
    FILE *f = st ? NULL : fopen(p, "wb");
    int ok = f && fwrite(data, 1, n, f) == n;
    if (f && fclose(f) != 0) ok = 0;
    if (!st && !ok) st = sm__error(ctx, SM_E_IO, "cannot write '%s': %s", p, strerror(errno));
    sm__free(p);
    return st;
  }
  sqlite3_stmt *q = s->ins[v];
  sqlite3_reset(q);
  sqlite3_bind_int(q, 1, z);
  sqlite3_bind_int(q, 2, x);
  sqlite3_bind_int(q, 3, s->fmt == SM_TILES_MBTILES ? sm_tile_tms_row(z, y) : y);
  sqlite3_bind_blob(q, 4, data, (int)n, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  sqlite3_clear_bindings(q);
  return rc == SQLITE_DONE ? SM_OK : sm__error(ctx, SM_E_IO, "cannot write '%s': SQLite: %s", s->out, sqlite3_errmsg(s->db));
}

/* ---- metadata ---------------------------------------------------------------------------------------- */
static sm_status meta_row(sm_ctx *ctx, sm__tile_store *s, sqlite3_stmt *q, const char *k, const char *v) {
  sqlite3_reset(q);
  sqlite3_bind_text(q, 1, k, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, v ? v : "", -1, SQLITE_STATIC);
  return sqlite3_step(q) == SQLITE_DONE ? SM_OK : sm__error(ctx, SM_E_IO, "cannot write '%s': SQLite: %s", s->out, sqlite3_errmsg(s->db));
}

static sm_status mbtiles_meta(sm_ctx *ctx, sm__tile_store *s, const sm__tileset_meta *m) {
  sqlite3_stmt *q = NULL;
  if (sqlite3_prepare_v2(s->db, "INSERT INTO metadata (name, value) VALUES (?, ?)", -1, &q, NULL) != SQLITE_OK)
    return sm__error(ctx, SM_E_IO, "cannot write '%s': SQLite: %s", s->out, sqlite3_errmsg(s->db));
  char bounds[128], center[128], minz[16], maxz[16], vz[16];
  snprintf(bounds, sizeof bounds, "%.9f,%.9f,%.9f,%.9f", m->bounds[0], m->bounds[1], m->bounds[2], m->bounds[3]);
  snprintf(center, sizeof center, "%.9f,%.9f,%d", (m->bounds[0] + m->bounds[2]) / 2, (m->bounds[1] + m->bounds[3]) / 2,
           m->min_zoom);
  snprintf(minz, sizeof minz, "%d", m->min_zoom);
  snprintf(maxz, sizeof maxz, "%d", m->max_zoom);
  snprintf(vz, sizeof vz, "%d", m->values_zoom);
  char *gen = sm__asprintf("safemap %s", sm_version_string());
  const char *rows[][2] = {{"name", s->name},
                           {"format", s->ext},
                           {"bounds", bounds},
                           {"center", center},
                           {"minzoom", minz},
                           {"maxzoom", maxz},
                           {"type", "overlay"},
                           {"version", "1"},
                           {"description", m->description},
                           {"attribution", "made with safemap"},
                           {"generator", gen},
                           {"safemap_style", m->style_json},
                           {"value_encoding", s->values ? m->value_encoding : NULL},
                           {"values_table", s->values ? "tile_values" : NULL},
                           {"values_zoom", s->values ? vz : NULL},
                           {"safemap_metadata", m->metadata_json}};
  sm_status st = gen ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < sizeof rows / sizeof rows[0] && !st; i++)
    if (rows[i][1]) st = meta_row(ctx, s, q, rows[i][0], rows[i][1]);
  sqlite3_finalize(q);
  sm__free(gen);
  return st;
}

/* The time written into gpkg_contents: SOURCE_DATE_EPOCH when set (reproducible files), else now. */
static void gpkg_time(char *b, size_t n) {
  const char *e = getenv("SOURCE_DATE_EPOCH");
  char *end = NULL;
  long long v = e ? strtoll(e, &end, 10) : 0;
  time_t t = e && *e && end && !*end ? (time_t)v : time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(b, n, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

static sm_status xml_esc(sm_buf *b, const char *t) {
  sm_status st = SM_OK;
  for (; *t && !st; t++) {
    switch (*t) {
    case '<': st = sm__buf_append(b, "&lt;", 4); break;
    case '>': st = sm__buf_append(b, "&gt;", 4); break;
    case '&': st = sm__buf_append(b, "&amp;", 5); break;
    case '"': st = sm__buf_append(b, "&quot;", 6); break;
    default: st = sm__buf_append(b, t, 1);
    }
  }
  return st;
}

static sm_status gpkg_meta(sm_ctx *ctx, sm__tile_store *s, const sm__tileset_meta *m) {
  char when[64];
  gpkg_time(when, sizeof when);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  char *wkt = NULL;
  sm_status st = SM_OK;
  if (OSRImportFromEPSG(srs, 3857) != OGRERR_NONE || OSRExportToWkt(srs, &wkt) != OGRERR_NONE)
    st = sm__error(ctx, SM_E_CRS, "cannot make the definition of EPSG:3857");
  OSRDestroySpatialReference(srs);
  char *q = st ? NULL
               : sqlite3_mprintf(
                     "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', "
                     "'undefined cartesian coordinate reference system');"
                     "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', "
                     "'undefined geographic coordinate reference system');"
                     "INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS[\"WGS "
                     "84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],"
                     "AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\","
                     "0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],"
                     "AUTHORITY[\"EPSG\",\"4326\"]]', 'longitude/latitude coordinates in decimal degrees on the WGS 84 "
                     "spheroid');"
                     "INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 / Pseudo-Mercator', 3857, 'EPSG', 3857, %Q, NULL);",
                     wkt);
  CPLFree(wkt);
  if (!st && !q) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) st = sql(ctx, s, q);
  sqlite3_free(q);
  /* each pyramid: contents, matrix set, a matrix per zoom, GDAL's metadata document */
  const double O = SM_MERC_ORIGIN, w = m->merc[0], so = m->merc[1], e = m->merc[2], no = m->merc[3];
  for (int v = 0; v <= s->values && !st; v++) {
    char tname[600];
    snprintf(tname, sizeof tname, "%s%s", s->name, v ? "_values" : "");
    char *desc = v ? sm__asprintf("%s: value tiles, %s", m->description ? m->description : s->name,
                                  m->value_encoding ? m->value_encoding : "")
                   : sm__strdup(m->description ? m->description : s->name);
    sm_buf md = {0};
    st = desc ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (!st) st = sm__buf_printf(&md, "<GDALMultiDomainMetadata>\n  <Metadata>\n");
    const char *items[][2] = {{"generator", "safemap"},
                              {"version", sm_version_string()},
                              {"safemap_style", m->style_json},
                              {"value_encoding", v ? m->value_encoding : NULL},
                              {"safemap_metadata", m->metadata_json}};
    for (size_t i = 0; i < sizeof items / sizeof items[0] && !st; i++) {
      if (!items[i][1]) continue;
      st = sm__buf_printf(&md, "    <MDI key=\"%s\">", items[i][0]);
      if (!st) st = xml_esc(&md, items[i][1]);
      if (!st) st = sm__buf_printf(&md, "</MDI>\n");
    }
    if (!st) st = sm__buf_printf(&md, "  </Metadata>\n</GDALMultiDomainMetadata>\n");
    if (st) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    q = st ? NULL
           : sqlite3_mprintf(
                 "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, min_x, "
                 "min_y, max_x, max_y, srs_id) VALUES (%Q, 'tiles', %Q, %Q, %Q, %.17g, %.17g, %.17g, %.17g, 3857);"
                 "INSERT INTO gpkg_tile_matrix_set VALUES (%Q, 3857, %.17g, %.17g, %.17g, %.17g);"
                 "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) VALUES ('dataset', "
                 "'http://gdal.org', 'text/xml', %Q);"
                 "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, timestamp, md_file_id) VALUES "
                 "('table', %Q, %Q, last_insert_rowid());",
                 tname, tname, desc, when, w, so, e, no, tname, -O, -O, O, O, md.s, tname, when);
    if (!st && !q) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (!st) st = sql(ctx, s, q);
    sqlite3_free(q);
    for (int z = v ? m->values_zoom : m->min_zoom; z <= (v ? m->values_zoom : m->max_zoom) && !st; z++) {
      double px = 2 * O / 256 / ldexp(1, z);
      q = sqlite3_mprintf("INSERT INTO gpkg_tile_matrix VALUES (%Q, %d, %d, %d, 256, 256, %.17g, %.17g);", tname, z,
                          1 << z, 1 << z, px, px);
      st = q ? sql(ctx, s, q) : sm__error(ctx, SM_E_NOMEM, "out of memory");
      sqlite3_free(q);
    }
    sm__free(desc), sm__free(md.s);
  }
  return st;
}

static sm_status replace_dir(sm_ctx *ctx, const char *tmp, const char *final) {
  char *old = sm__asprintf("%s.old-%ld", final, (long)getpid());
  if (!old) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  struct stat sb;
  int had = lstat(final, &sb) == 0;
  sm_status st = SM_OK;
  if (had && rename(final, old) != 0) st = sm__error(ctx, SM_E_IO, "cannot replace '%s': %s", final, strerror(errno));
  if (!st && rename(tmp, final) != 0) {
    st = sm__error(ctx, SM_E_IO, "cannot move the tiles to '%s': %s", final, strerror(errno));
    if (had) rename(old, final);
  }
  if (!st && had) rm_tree(old);
  sm__free(old);
  return st;
}

sm_status sm__tile_store_finish(sm_ctx *ctx, sm__tile_store *s, const sm__tileset_meta *m, const char *entry) {
  sm_status st = SM_OK;
  if (s->fmt == SM_TILES_XYZ) {
    for (int v = 0; v <= s->values && !st; v++) {
      char *final = sm__asprintf("%s/%s%s", s->out, s->name, v ? "_values" : "");
      st = final ? replace_dir(ctx, s->tmp[v], final) : sm__error(ctx, SM_E_NOMEM, "out of memory");
      sm__free(final);
      if (!st) sm__free(s->tmp[v]), s->tmp[v] = NULL;
    }
    if (!st && !s->values) { /* value tiles of an earlier run no longer match: gone */
      char *stale = sm__asprintf("%s/%s_values", s->out, s->name);
      if (stale) rm_tree(stale);
      sm__free(stale);
    }
    if (!st && entry) st = sm__tiles_manifest_add(ctx, s->out, s->name, entry);
    if (!st) s->made_dir = 0;
  } else {
    st = s->fmt == SM_TILES_MBTILES ? mbtiles_meta(ctx, s, m) : gpkg_meta(ctx, s, m);
    if (!st) st = sql(ctx, s, "COMMIT;");
    for (int v = 0; v < 2; v++) sqlite3_finalize(s->ins[v]), s->ins[v] = NULL;
    if (sqlite3_close(s->db) != SQLITE_OK && !st) st = sm__error(ctx, SM_E_IO, "cannot finish '%s'", s->out);
    s->db = NULL;
    if (!st && rename(s->tmpfile, s->out) != 0)
      st = sm__error(ctx, SM_E_IO, "cannot move the finished output to '%s': %s", s->out, strerror(errno));
    if (!st) sm__free(s->tmpfile), s->tmpfile = NULL;
  }
  sm__tile_store_abort(s);
  return st;
}

void sm__tile_store_abort(sm__tile_store *s) {
  if (!s) return;
  for (int v = 0; v < 2; v++) {
    if (s->ins[v]) sqlite3_finalize(s->ins[v]);
    if (s->tmp[v]) rm_tree(s->tmp[v]);
    sm__free(s->tmp[v]);
  }
  if (s->db) sqlite3_close(s->db);
  if (s->tmpfile) sm__temp_remove(s->tmpfile);
  if (s->slot >= 0) sm__temp_untrack(s->slot);
  if (s->made_dir) rmdir(s->out); /* only when empty: what we made and nothing else */
  sm__free(s->tmpfile), sm__free(s->out), sm__free(s->name), sm__free(s->ext), sm__free(s);
}
