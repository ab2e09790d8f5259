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

/* The whole manifest (free with sm__free); SM_E_INPUT when there is none. */
sm_status sm__tiles_manifest_read(sm_ctx *ctx, const char *dir, char **json);

#endif
