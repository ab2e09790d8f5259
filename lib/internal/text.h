/* Interned strings, a string builder, and text helpers for parsers and messages. Internal. */
#ifndef SM_INTERNAL_TEXT_H
#define SM_INTERNAL_TEXT_H

#include "internal/ctx.h"

/* ---- string table (interning) ------------------------------------------- */
typedef struct sm_strtab {
  char **strs;
  size_t n, cap;
  uint32_t *slots; /* open addressing, index+1, 0 = empty */
  size_t nslots;
} sm_strtab;
void sm__strtab_init(sm_strtab *t);
void sm__strtab_free(sm_strtab *t);
/* Index of s (len bytes), added if new; -1 on OOM. */
int32_t sm__strtab_intern(sm_strtab *t, const char *s, size_t len);

/* ---- string builder ------------------------------------------------------ */
typedef struct sm_buf {
  char *s;
  size_t n, cap;
} sm_buf;
sm_status sm__buf_append(sm_buf *b, const char *s, size_t n);
sm_status sm__buf_printf(sm_buf *b, const char *fmt, ...) SM_PRINTF(2, 3);
/* s (NULL as "") appended to b as HTML text: &, <, > and " escaped. SM_OK or SM_E_NOMEM. */
sm_status sm__html_str(sm_buf *b, const char *s);
/* A JSON string literal of s (quotes and escapes; NULL as "") appended to b. */
sm_status sm__json_str(sm_buf *b, const char *s);
/* A whole file, NUL-terminated after its *n bytes (free with sm__free); NULL when unreadable or out of memory. */
char *sm__read_file(const char *path, size_t *n);

/* ---- text helpers -------------------------------------------------------- */
int sm__strcaseeq(const char *a, const char *b);
int sm__strncaseeq(const char *a, size_t alen, const char *b);
/* Parses a finite or non-finite double from exactly [s, s+len) (trimmed).
 * Returns 0 ok, 1 empty, 2 not a number. */
int sm__parse_double(const char *s, size_t len, double *out);
/* "6416" -> "6,416" in buf (n bytes); returns buf. */
const char *sm__thousands(unsigned long long v, char *buf, size_t n);
/* Copies at most max-1 chars of s (len) with control chars escaped, for messages. */
void sm__quote(char *dst, size_t max, const char *s, size_t len);

#endif
