/* Streaming CSV reader; see csv.h. */
#include "csv.h"

#include "sm_internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define SM_CSV_CHUNK (1u << 22)

static int init(sm_csv *c) {
  memset(c, 0, sizeof *c);
  c->sep = ',';
  c->next_line = 1;
  return 0;
}

int sm__csv_open_file(sm_csv *c, FILE *f) {
  init(c);
  c->f = f;
  c->cap = SM_CSV_CHUNK;
  /* a small file gets a buffer of its size (it grows if the file does): not 4 MB per file */
  struct stat sb;
  if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 0 && (uint64_t)sb.st_size < SM_CSV_CHUNK)
    c->cap = (size_t)sb.st_size + 64;
  c->buf = sm__malloc(c->cap + 1);
  if (!c->buf) return SM_CSV_ENOMEM;
  c->own_buf = 1;
  return 0;
}

int sm__csv_open_mem(sm_csv *c, const char *data, size_t len) {
  init(c);
  /* Copy: fields are unescaped in place. */
  c->buf = sm__malloc(len + 1);
  if (!c->buf) return SM_CSV_ENOMEM;
  memcpy(c->buf, data, len);
  c->len = c->cap = len;
  c->eof = 1;
  c->own_buf = 1;
  return 0;
}

int sm__csv_open_span(sm_csv *c, char *data, size_t len, uint64_t first_line) {
  init(c);
  c->buf = data;
  c->len = c->cap = len;
  c->eof = 1;
  c->next_line = first_line;
  return 0;
}

void sm__csv_close(sm_csv *c) {
  if (c->own_buf) sm__free(c->buf);
  sm__free(c->fs);
  sm__free(c->fl);
  memset(c, 0, sizeof *c);
}

/* Moves unread bytes to the front and reads more; grows when full. */
static int refill(sm_csv *c) {
  if (c->eof || !c->f) return 0;
  if (c->pos > 0) {
    memmove(c->buf, c->buf + c->pos, c->len - c->pos);
    c->len -= c->pos;
    c->pos = 0;
  }
  if (c->len == c->cap) {
    if (c->cap > SIZE_MAX / 4) return SM_CSV_ENOMEM;
    char *b = sm__realloc(c->buf, c->cap * 2 + 1);
    if (!b) return SM_CSV_ENOMEM;
    c->buf = b;
    c->cap *= 2;
  }
  size_t got = fread(c->buf + c->len, 1, c->cap - c->len, c->f);
  if (got == 0) {
    if (ferror(c->f)) return SM_CSV_EREAD;
    c->eof = 1;
  }
  c->len += got;
  return 1;
}

static int add_field(sm_csv *c, const char *s, size_t n) {
  if (c->nf == c->fcap) {
    size_t nc = c->fcap ? c->fcap * 2 : 32;
    const char **fs = sm__realloc((void *)c->fs, nc * sizeof *fs);
    if (!fs) return SM_CSV_ENOMEM;
    c->fs = fs;
    size_t *fl = sm__realloc(c->fl, nc * sizeof *fl);
    if (!fl) return SM_CSV_ENOMEM;
    c->fl = fl;
    c->fcap = nc;
  }
  c->fs[c->nf] = s;
  c->fl[c->nf] = n;
  c->nf++;
  return 0;
}

/* Scans one record starting at c->pos. Returns 1 with *end set (index just
 * past the record terminator) and *newlines counted, 0 if the buffer ends
 * before the record does (need more data), or SM_CSV_EQUOTE at EOF inside
 * quotes. */
static int scan(const sm_csv *c, size_t *end, uint64_t *newlines) {
  /* Up to the first quote there is no state to track; most records hold
   * none, and memchr finds their end far faster than the loop below. */
  size_t i = c->pos;
  const char *b = c->buf, *eol = memchr(b + i, '\n', c->len - i);
  size_t stop = eol ? (size_t)(eol - b) : c->len;
  const char *q = memchr(b + i, '"', stop - i);
  if (!q) {
    if (!eol && !c->eof) return 0;
    *end = eol ? stop + 1 : c->len;
    *newlines = eol ? 1 : 0;
    return 1;
  }
  int at_field_start = q == b + i || q[-1] == c->sep;
  i = (size_t)(q - b);
  uint64_t nl = 0;
  while (i < c->len) {
    char ch = c->buf[i];
    if (at_field_start && ch == '"') {
      i++;
      for (;;) {
        if (i >= c->len) return c->eof ? SM_CSV_EQUOTE : 0;
        if (c->buf[i] == '"') {
          if (i + 1 >= c->len && !c->eof) return 0;
          if (i + 1 < c->len && c->buf[i + 1] == '"') {
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c->buf[i] == '\n') nl++;
        i++;
      }
      at_field_start = 0;
      continue;
    }
    if (ch == '\n') {
      *end = i + 1;
      *newlines = nl + 1;
      return 1;
    }
    at_field_start = (ch == c->sep);
    i++;
  }
  if (c->eof) {
    *end = c->len;
    *newlines = nl;
    return 1;
  }
  return 0;
}

/* Index of the first sep in [i, end), or end. Eight bytes at a time where
 * the byte order allows: a field is some twenty bytes. */
static size_t find_sep(const char *b, size_t i, size_t end, char sep) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
  const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  const uint64_t pattern = ones * (unsigned char)sep;
  for (; i + 8 <= end; i += 8) {
    uint64_t v;
    memcpy(&v, b + i, 8);
    v ^= pattern; /* a zero byte where sep is */
    /* flags the first zero byte exactly (later flags may be borrows) */
    uint64_t z = (v - ones) & ~v & highs;
    if (z) return i + (size_t)(__builtin_ctzll(z) >> 3);
  }
#endif
  while (i < end && b[i] != sep) i++;
  return i;
}

int sm__csv_next(sm_csv *c) {
  for (;;) {
    if (c->pos >= c->len) {
      if (c->eof || !c->f) return SM_CSV_EOF;
      int r = refill(c);
      if (r < 0) return r;
      continue;
    }
    size_t end;
    uint64_t nl;
    int r = scan(c, &end, &nl);
    if (r < 0) return r;
    if (r == 0) {
      r = refill(c);
      if (r < 0) return r;
      continue;
    }
    /* Skip a UTF-8 BOM at the very start. */
    if (c->next_line == 1 && c->pos == 0 && c->len >= 3 && (unsigned char)c->buf[0] == 0xEF &&
        (unsigned char)c->buf[1] == 0xBB && (unsigned char)c->buf[2] == 0xBF)
      c->pos = 3;
    c->line = c->next_line;
    c->next_line += nl;
    size_t rec_end = end;
    if (rec_end > c->pos && c->buf[rec_end - 1] == '\n') rec_end--;
    if (rec_end > c->pos && c->buf[rec_end - 1] == '\r') rec_end--;
    /* Split into fields, unescaping quoted ones in place. */
    c->nf = 0;
    size_t i = c->pos;
    for (;;) {
      if (i < rec_end && c->buf[i] == '"') {
        size_t w = i, r2 = i + 1;
        while (r2 < rec_end) {
          if (c->buf[r2] == '"') {
            if (r2 + 1 < rec_end && c->buf[r2 + 1] == '"') {
              c->buf[w++] = '"';
              r2 += 2;
              continue;
            }
            r2++;
            break;
          }
          c->buf[w++] = c->buf[r2++];
        }
        size_t flen = w - i;
        /* Text after the closing quote up to the separator is kept (lenient). */
        size_t extra = r2;
        while (extra < rec_end && c->buf[extra] != c->sep) c->buf[w++] = c->buf[extra++];
        if (add_field(c, c->buf + i, flen + (extra - r2))) return SM_CSV_ENOMEM;
        i = extra;
      } else {
        size_t s = i;
        i = find_sep(c->buf, i, rec_end, c->sep);
        if (add_field(c, c->buf + s, i - s)) return SM_CSV_ENOMEM;
      }
      if (i < rec_end && c->buf[i] == c->sep) {
        i++;
        if (i == rec_end) {
          if (add_field(c, c->buf + i, 0)) return SM_CSV_ENOMEM;
          break;
        }
        continue;
      }
      break;
    }
    c->pos = end;
    return SM_CSV_RECORD;
  }
}

int sm__csv_cr_only(const char *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (b[i] == '\n') return 0;
    if (b[i] == '\r') return i + 1 < n && b[i + 1] != '\n';
  }
  return 0;
}

void sm__csv_cr_to_lf(char *b, size_t n) {
  for (char *p = b, *e = b + n; (p = memchr(p, '\r', (size_t)(e - p))) != NULL; p++)
    if (p + 1 == e || p[1] != '\n') *p = '\n';
}
