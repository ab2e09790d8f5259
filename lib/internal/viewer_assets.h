/* The files of the offline viewer (lib/viewer/ and Leaflet) embedded at build time by
 * cmake/embed_files.cmake into the generated viewer_assets.c. Internal. */
#ifndef SM_INTERNAL_VIEWER_ASSETS_H
#define SM_INTERNAL_VIEWER_ASSETS_H

#include <stddef.h>

typedef struct sm_viewer_asset {
  const char *path; /* relative to the tile directory, e.g. "safemap_viewer/leaflet.js"; "index.html" is a
                       template (@TITLE@) */
  const unsigned char *data;
  size_t size;
} sm_viewer_asset;

extern const sm_viewer_asset sm__viewer_assets[];
extern const size_t sm__viewer_asset_count;

#endif
