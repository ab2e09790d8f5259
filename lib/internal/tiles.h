/* Shared by the tile writers (lib/tiles*.c): the manifest of a tile directory. */
#ifndef SM_INTERNAL_TILES_H
#define SM_INTERNAL_TILES_H

#include "safemap.h"
#include "safemap/tiles.h"

/* Half the width of the Web Mercator square, metres. */
#define SM_MERC_ORIGIN 20037508.342789244

/* Adds (or replaces, by name) one tile set's entry in dir/safemap_map.json, written atomically. entry is one
 * JSON object on one line beginning {"name": "NAME", ...}. */
sm_status sm__tiles_manifest_add(sm_ctx *ctx, const char *dir, const char *name, const char *entry);

/* The viewer's options as sm_tiles_viewer() checks them (NULL: the defaults), for the writers to refuse bad
 * ones before any tile is made. */
sm_status sm__viewer_options_check(sm_ctx *ctx, const sm_viewer_options *o);

/* The whole manifest (free with sm__free); SM_E_INPUT when there is none. */
sm_status sm__tiles_manifest_read(sm_ctx *ctx, const char *dir, char **json);

/* ---- PNG (lib/tiles_png.c) --------------------------------------------------------------------------------- */
/* zlib's level and strategy for tiles (Z_DEFAULT_STRATEGY 0, Z_RLE 3). */
#ifndef SM_PNG_ZLEVEL
#define SM_PNG_ZLEVEL 3
#endif
#ifndef SM_PNG_ZSTRATEGY
#define SM_PNG_ZSTRATEGY 0
#endif
/* A PNG encoder's state, kept from tile to tile by one thread: zeroed to begin, sm__png_free() to end. */
typedef struct sm__png {
  void *z; /* z_stream */
  unsigned char *raw, *out;
  size_t raw_n, out_n;
} sm__png;
/* An 8-bit RGBA PNG of w x h pixels (row by row, 4 bytes a pixel): sm__malloc'd, its size in *n; NULL when
 * out of memory. */
unsigned char *sm__png_rgba(sm__png *p, const unsigned char *rgba, int w, int h, size_t *n);
/* A palette PNG of w x h indices (a byte each) into pal (npal RGBA entries, 1 to 256), at the smallest bit
 * depth that holds them. */
unsigned char *sm__png_indexed(sm__png *p, const uint8_t *idx, int w, int h, const uint8_t *pal, int npal, size_t *n);
void sm__png_free(sm__png *p);

/* ---- containers (lib/tiles_store.c): where the tiles of one tile set go ----------------------------------- */
/* The format of out: opts' choice, else from the name (*.mbtiles, *.gpkg, else a directory). */
sm_tiles_format sm__tiles_format_of(const char *out, sm_tiles_format f);

/* What a finished tile set records about itself (MBTiles metadata rows, GeoPackage contents and metadata). */
typedef struct sm__tileset_meta {
  const char *description;    /* one line: what the tiles show */
  const char *style_json;     /* sm_style_json(), or NULL */
  const char *value_encoding; /* "float32-rgba-be" when value tiles were stored, else NULL */
  int min_zoom, max_zoom;
  int values_zoom;            /* the one zoom of the value tiles (when value_encoding is set) */
  double bounds[4];           /* west, south, east, north, degrees */
  double merc[4];             /* the same in EPSG:3857 metres: minx, miny, maxx, maxy */
  const char *metadata_json;  /* {"key": "value", ...} of the surface or layer, or NULL */
} sm__tileset_meta;

typedef struct sm__tile_store sm__tile_store;

/* Opens the container of tile set `name` at out: a directory (tiles go to a hidden temporary directory
 * beside out/NAME and move into place when finished), an MBTiles or a GeoPackage file (a temporary file
 * renamed when finished). `ext` is the tiles' file extension and MBTiles format ("png", "pbf"); `values`: a
 * second pyramid of value tiles is stored (out/NAME_values/, the MBTiles table tile_values, the GeoPackage
 * tile table NAME_values). SM_E_IO when the output (or out/NAME) exists and overwrite is 0. */
sm_status sm__tile_store_open(sm_ctx *ctx, const char *out, sm_tiles_format fmt, const char *name, const char *ext,
                              int values, int overwrite, sm__tile_store **s);
/* Stores one tile (XYZ numbering; the MBTiles row is converted to TMS), a value tile when `value` is 1. Tiles
 * must be put in the same order for the same bytes. */
sm_status sm__tile_store_put(sm_ctx *ctx, sm__tile_store *s, int z, int x, int y, int value, const void *data,
                             size_t n);
/* 1 when s is a directory of tiles, whose files sm__tile_store_write_file() writes from any thread. */
int sm__tile_store_is_dir(const sm__tile_store *s);
/* A directory store's tile file, written from any thread (its column's directory made when missing): 0 or an
 * errno value. The file's bytes are the same whichever thread writes it. */
int sm__tile_store_write_file(const sm__tile_store *s, int z, int x, int y, int value, const void *data, size_t n);
/* Writes the metadata, moves the tiles into place and, for a directory, adds manifest_entry (one line) to
 * out/safemap_map.json. Frees s (also on failure, after removing what it wrote). */
sm_status sm__tile_store_finish(sm_ctx *ctx, sm__tile_store *s, const sm__tileset_meta *m, const char *manifest_entry);
/* Removes what s wrote and frees it. NULL is a no-op. */
void sm__tile_store_abort(sm__tile_store *s);

#endif
