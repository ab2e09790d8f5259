/* PNG of an RGBA tile, written directly with zlib: every row with the Sub filter, deflate at a fixed
 * level, no ancillary chunk. The bytes depend only on the pixels. Through GDAL's PNG driver (libpng trying
 * five filters on every row, a /vsimem/ file per tile) the encoding took half of a tile's time. */
#include "internal/sm_internal.h"
#include "internal/tiles.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

static void be32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* A chunk of `n` data bytes at p + 8 (length and type before it, CRC after). */
static size_t chunk(unsigned char *p, const char *type, size_t n) {
  be32(p, (uint32_t)n);
  memcpy(p + 4, type, 4);
  be32(p + 8 + n, (uint32_t)crc32(crc32(0L, Z_NULL, 0), p + 4, (uInt)(n + 4)));
  return n + 12;
}

unsigned char *sm__png_rgba(const unsigned char *rgba, int w, int h, size_t *n) {
  size_t row = (size_t)w * 4, raw_n = (row + 1) * (size_t)h;
  unsigned char *raw = sm__malloc(raw_n);
  uLong bound = compressBound((uLong)raw_n);
  unsigned char *out = sm__malloc(8 + 25 + 12 + bound + 12);
  if (!raw || !out) {
    sm__free(raw), sm__free(out);
    return NULL;
  }
  for (int y = 0; y < h; y++) {
    const unsigned char *s = rgba + (size_t)y * row;
    unsigned char *d = raw + (size_t)y * (row + 1);
    d[0] = 1; /* Sub: each byte less the same byte of the pixel to its left */
    memcpy(d + 1, s, 4);
    for (size_t i = 4; i < row; i++) d[1 + i] = (unsigned char)(s[i] - s[i - 4]);
  }
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  memcpy(out, sig, 8);
  size_t k = 8;
  unsigned char *ihdr = out + k + 8;
  be32(ihdr, (uint32_t)w), be32(ihdr + 4, (uint32_t)h);
  ihdr[8] = 8, ihdr[9] = 6, ihdr[10] = 0, ihdr[11] = 0, ihdr[12] = 0; /* 8-bit RGBA, deflate, no interlace */
  k += chunk(out + k, "IHDR", 13);
  uLongf zn = bound;
  if (compress2(out + k + 8, &zn, raw, (uLong)raw_n, SM_PNG_ZLEVEL) != Z_OK) {
    sm__free(raw), sm__free(out);
    return NULL;
  }
  sm__free(raw);
  k += chunk(out + k, "IDAT", zn);
  k += chunk(out + k, "IEND", 0);
  *n = k;
  return out;
}
