/* PNG of a tile, written directly with zlib: a row that repeats the one above with the Up filter (all
 * zeros), any other with the Sub filter; deflate at a fixed level and strategy, no ancillary chunk. The bytes depend only on the pixels. Through GDAL's PNG driver
 * (libpng trying five filters on every row, a /vsimem/ file per tile) the encoding took half of a tile's
 * time. */
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

void sm__png_free(sm__png *p) {
  if (!p) return;
  if (p->z) deflateEnd((z_stream *)p->z);
  sm__free(p->z), sm__free(p->raw), sm__free(p->out);
  memset(p, 0, sizeof *p);
}

/* Makes sure the raw (filtered rows) and output buffers hold raw_n bytes and their compression. */
static int ensure(sm__png *p, size_t raw_n) {
  if (!p->z) {
    z_stream *z = sm__calloc(1, sizeof *z);
    if (!z) return 0;
    if (deflateInit2(z, SM_PNG_ZLEVEL, Z_DEFLATED, 15, 8, SM_PNG_ZSTRATEGY) != Z_OK) {
      sm__free(z);
      return 0;
    }
    p->z = z;
  }
  if (p->raw_n < raw_n) {
    unsigned char *r = sm__realloc(p->raw, raw_n);
    if (!r) return 0;
    p->raw = r, p->raw_n = raw_n;
  }
  size_t out_n = 8 + 25 + 12 + 3 * 256 + 12 + 256 + 12 + deflateBound(p->z, (uLong)raw_n) + 12;
  if (p->out_n < out_n) {
    unsigned char *o = sm__realloc(p->out, out_n);
    if (!o) return 0;
    p->out = o, p->out_n = out_n;
  }
  return 1;
}

/* The PNG of p->raw (raw_n bytes of filtered rows) with the header fields given and, for a palette, its
 * PLTE and tRNS chunks. */
static unsigned char *finish(sm__png *p, size_t raw_n, int w, int h, int depth, int type, const uint8_t *pal,
                             int npal, size_t *n) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  unsigned char *out = p->out;
  memcpy(out, sig, 8);
  size_t k = 8;
  unsigned char *ihdr = out + k + 8;
  be32(ihdr, (uint32_t)w), be32(ihdr + 4, (uint32_t)h);
  ihdr[8] = (unsigned char)depth, ihdr[9] = (unsigned char)type, ihdr[10] = 0, ihdr[11] = 0, ihdr[12] = 0;
  k += chunk(out + k, "IHDR", 13);
  if (pal) {
    for (int i = 0; i < npal; i++) memcpy(out + k + 8 + 3 * i, pal + 4 * i, 3);
    k += chunk(out + k, "PLTE", 3 * (size_t)npal);
    for (int i = 0; i < npal; i++) out[k + 8 + i] = pal[4 * i + 3];
    k += chunk(out + k, "tRNS", (size_t)npal);
  }
  z_stream *z = p->z;
  if (deflateReset(z) != Z_OK) return NULL;
  z->next_in = p->raw, z->avail_in = (uInt)raw_n;
  z->next_out = out + k + 8, z->avail_out = (uInt)(p->out_n - k - 8 - 24);
  if (deflate(z, Z_FINISH) != Z_STREAM_END) return NULL;
  k += chunk(out + k, "IDAT", z->total_out);
  k += chunk(out + k, "IEND", 0);
  unsigned char *res = sm__malloc(k);
  if (res) memcpy(res, out, k), *n = k;
  return res;
}

unsigned char *sm__png_rgba(sm__png *p, const unsigned char *rgba, int w, int h, size_t *n) {
  size_t row = (size_t)w * 4, raw_n = (row + 1) * (size_t)h;
  if (!ensure(p, raw_n)) return NULL;
  for (int y = 0; y < h; y++) {
    const unsigned char *s = rgba + (size_t)y * row;
    unsigned char *d = p->raw + (size_t)y * (row + 1);
    if (y && !memcmp(s, s - row, row)) { /* Up: the row above again (tiles finer than the cells), all zeros */
      d[0] = 2;
      memset(d + 1, 0, row);
      continue;
    }
    d[0] = 1; /* Sub: each byte less the same byte of the pixel to its left */
    memcpy(d + 1, s, 4);
    for (size_t i = 4; i < row; i++) d[1 + i] = (unsigned char)(s[i] - s[i - 4]);
  }
  return finish(p, raw_n, w, h, 8, 6, NULL, 0, n);
}

unsigned char *sm__png_indexed(sm__png *p, const uint8_t *idx, int w, int h, const uint8_t *pal, int npal, size_t *n) {
  if (npal < 1 || npal > 256) return NULL;
  int depth = npal <= 2 ? 1 : npal <= 4 ? 2 : npal <= 16 ? 4 : 8, per = 8 / depth;
  size_t row = ((size_t)w + (size_t)per - 1) / (size_t)per, raw_n = (row + 1) * (size_t)h;
  if (!ensure(p, raw_n)) return NULL;
  for (int y = 0; y < h; y++) {
    const uint8_t *s = idx + (size_t)y * (size_t)w;
    unsigned char *d = p->raw + (size_t)y * (row + 1);
    if (y && !memcmp(s, s - w, (size_t)w)) { /* Up: the row above again */
      d[0] = 2;
      memset(d + 1, 0, row);
      continue;
    }
    d[0] = 1; /* Sub, a byte at a time */
    for (size_t i = 0; i < row; i++) {
      unsigned v = 0;
      for (int b = 0; b < per; b++) {
        size_t x = i * (size_t)per + (size_t)b;
        v = v << depth | (x < (size_t)w ? s[x] : 0u);
      }
      d[1 + i] = (unsigned char)v;
    }
    for (size_t i = row; i > 1; i--) d[i] = (unsigned char)(d[i] - d[i - 1]);
  }
  return finish(p, raw_n, w, h, depth, 3, pal, npal, n);
}
