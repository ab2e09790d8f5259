/* Streaming RFC 4180 CSV reader: quoted fields, doubled quotes, newlines in
 * quotes, CRLF or LF, UTF-8 BOM (CR-only files: see sm__csv_cr_only). Fields point into the reader's buffer and
 * are valid until the next call. Internal. */
#ifndef SM_CSV_H
#define SM_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct sm_csv {
  FILE *f;           /* NULL when reading from memory */
  char *buf;
  size_t cap, len, pos;
  int eof;
  int own_buf;
  size_t nf, fcap;
  const char **fs;   /* field starts */
  size_t *fl;        /* field lengths */
  uint64_t line;     /* 1-based line of the current record's start */
  uint64_t next_line;
  char sep;
} sm_csv;

enum { SM_CSV_EOF = 0, SM_CSV_RECORD = 1, SM_CSV_ENOMEM = -1, SM_CSV_EQUOTE = -2, SM_CSV_EREAD = -3 };

int sm__csv_open_file(sm_csv *c, FILE *f);
int sm__csv_open_mem(sm_csv *c, const char *data, size_t len);
/* Reads [data, data + len) where it lies, without a copy: quoted fields are
 * unescaped in place, so data must be writable and outlive the reader.
 * first_line numbers the first record; a UTF-8 BOM is only skipped on
 * line 1. */
int sm__csv_open_span(sm_csv *c, char *data, size_t len, uint64_t first_line);
/* Reads the next record into c->fs/c->fl/c->nf. Returns SM_CSV_*. */
int sm__csv_next(sm_csv *c);
void sm__csv_close(sm_csv *c);
/* 1 if the first line of [b, b + n) ends in a lone CR (old Mac line ends): the parser ends records at
 * LF only, and such a file would be one long header. */
int sm__csv_cr_only(const char *b, size_t n);
/* Turns every lone CR of [b, b + n) into LF (CRLF is left alone), in place. */
void sm__csv_cr_to_lf(char *b, size_t n);

#endif
