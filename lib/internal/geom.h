/* Per-thread GEOS handles and WKB reading. Internal. */
#ifndef SM_INTERNAL_GEOM_H
#define SM_INTERNAL_GEOM_H

#include "internal/ctx.h"
#include <string.h>

/* ---- geometry helpers ------------------------------------------------------ */
/* Per-thread GEOS handle with messages captured into a buffer. */
typedef struct sm_geos {
  void *handle; /* GEOSContextHandle_t */
  char msg[512];
} sm_geos;
sm_status sm__geos_init(sm_ctx *ctx, sm_geos *g);
void sm__geos_finish(sm_geos *g);

/* ---- WKB reading (either byte order) ---------------------------------------------- */
static inline uint32_t sm__wkb_u32(const unsigned char *p, int le) {
  return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
            : (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}
static inline double sm__wkb_f64(const unsigned char *p, int le) {
  unsigned char b[8];
  for (int k = 0; k < 8; k++) b[k] = le ? p[k] : p[7 - k];
  double d;
  memcpy(&d, b, 8);
  return d;
}

#endif
