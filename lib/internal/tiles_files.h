/* Files of a tile directory written by the vector tile and viewer writers (lib/tiles_files.c). Internal. */
#ifndef SM_INTERNAL_TILES_FILES_H
#define SM_INTERNAL_TILES_FILES_H

#include "safemap.h"

#include <stddef.h>

/* A layer larger than this as GeoJSON gets no script for the page (20 MB; tests lower it). */
extern size_t sm__tiles_geojson_max;

/* Writes n bytes to path atomically (a temporary name beside it, then rename); SM_E_IO names the path. */
sm_status sm__tiles_write_file(sm_ctx *ctx, const char *path, const void *data, size_t n);
/* The same without a ctx, for threads: 0 or an errno. */
int sm__tiles_write_raw(const char *path, const void *data, size_t n);
/* Makes a directory and its missing parents (mode 0755); SM_E_IO names the path. */
sm_status sm__tiles_mkdirs(sm_ctx *ctx, const char *dir);
/* Removes a file or a directory tree (not following links); 0 or an errno. */
int sm__tiles_rm_tree(const char *path);
/* Removes what a vector tile writer killed before it finished left in dir (".safemap-mvt-<pid>-..." of a
 * process that no longer runs), each named in a warning. */
void sm__tiles_clear_stale(sm_ctx *ctx, const char *dir);
/* A name usable as one file name: characters other than letters, digits, '-' and '_' become '_'. */
char *sm__tiles_file_name(const char *name);

#endif
