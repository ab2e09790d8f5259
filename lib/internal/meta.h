/* The metadata store of layers and rasters: ordered key/value strings, a key set twice keeps its place
 * and takes the new value. One implementation for both (internal/meta.c). Internal. */
#ifndef SM_INTERNAL_META_H
#define SM_INTERNAL_META_H

#include "internal/ctx.h"

typedef struct sm__meta {
  char **key, **value;
  size_t n;
} sm__meta;

/* Sets (or replaces) key; both copied. `who` names the public call for the message. */
sm_status sm__meta_set(sm_ctx *ctx, sm__meta *m, const char *key, const char *value, const char *who);
/* The value of key (borrowed), or NULL. */
const char *sm__meta_get(const sm__meta *m, const char *key);
void sm__meta_free(sm__meta *m);

#endif
