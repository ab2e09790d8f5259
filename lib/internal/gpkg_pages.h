/* A table of a GeoPackage (any SQLite file) read straight from its pages (lib/gpkg_pages.c): the
 * leaves of the table's B-tree listed once, then walked by several threads at once, each over its own
 * run of leaves, with no SQL statement per row. SQLite holds a read transaction the whole time, so no
 * writer can change the pages underneath; what this reader cannot read exactly as SQLite would (a
 * write-ahead log with frames in it, a view, a table WITHOUT ROWID, generated columns, a text encoding
 * other than UTF-8, a damaged page) it declines, and the caller reads the table the ordinary way. */
#ifndef SM_INTERNAL_GPKG_PAGES_H
#define SM_INTERNAL_GPKG_PAGES_H

#include "safemap.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sm_gpkg_pages sm_gpkg_pages;

/* Opens table `table` of the SQLite file `path`. SM_OK with *out set; SM_OK with *out NULL and *why (a
 * static phrase) when the table is not read this way; SM_E_NOMEM (message on ctx) when out of memory. */
sm_status sm__gpkg_pages_open(sm_ctx *ctx, const char *path, const char *table, sm_gpkg_pages **out,
                              const char **why);
void sm__gpkg_pages_close(sm_gpkg_pages *g);

/* The leaves of the table's B-tree, in rowid order. */
size_t sm__gpkg_pages_leaves(const sm_gpkg_pages *g);

/* At most how many rows the leaves [lo, hi) hold, from the rowids the B-tree's interior pages bound them
 * by: 1 with *n, 0 when the keys give no bound (then a cursor does not check rows against them). A
 * cursor stops at a row outside its leaf's bound ("a damaged B-tree page"), so a walk of [lo, hi)
 * never yields more than *n rows. */
int sm__gpkg_pages_rows_at_most(const sm_gpkg_pages *g, size_t lo, size_t hi, uint64_t *n);
/* About how many rows the table holds: its leaves times the larger count of rows of its first and last
 * leaves (0 when the keys give no bound). */
uint64_t sm__gpkg_pages_rows_guess(const sm_gpkg_pages *g);

/* Column `name` (exact, else without regard to case): its position in a record, or -1 if the table has
 * none. *rowid: it is the INTEGER PRIMARY KEY (stored as NULL, its value the rowid); *dflt_null: its
 * default is NULL (what a row written before the column was added holds). */
int sm__gpkg_pages_column(const sm_gpkg_pages *g, const char *name, int *rowid, int *dflt_null);

/* A value of a record. ABSENT: the record ends before this column (written before it was added). */
typedef enum { SM_GV_NULL, SM_GV_INT, SM_GV_FLOAT, SM_GV_TEXT, SM_GV_BLOB, SM_GV_ABSENT } sm_gv_kind;
typedef struct sm_gpkg_val {
  sm_gv_kind kind;
  int64_t i;
  double d;
  const unsigned char *p; /* TEXT and BLOB: the bytes (not NUL-terminated), valid until the next row */
  size_t n;
} sm_gpkg_val;

/* A walk over the rows of the leaves [lo, hi). */
typedef struct sm_gpkg_cursor {
  const sm_gpkg_pages *g;
  size_t leaf, leaf_end;      /* next leaf to load; end */
  unsigned char *buf;         /* a run of consecutive pages, read at once */
  size_t buf_pages, run_at, run_n;
  const unsigned char *page;  /* the leaf being walked */
  unsigned page_no;
  int cell, n_cells;
  unsigned char *spill;       /* a record that overflows its leaf, gathered */
  size_t spill_cap;
  unsigned char *ovf;         /* one overflow page */
  const int *pos;             /* the positions wanted, and their largest */
  int n_pos, max_pos;
  uint32_t *col_off;          /* scratch: offset and serial type of each column up to max_pos */
  uint64_t *col_type;
  const char *why;            /* why the walk stopped early (a damaged page, a failed read) */
  int64_t key_lo, key_hi;     /* the next row's rowid is above key_lo and at most key_hi (when bounded) */
} sm_gpkg_cursor;

/* Starts a walk; pos[n_pos] are the record positions wanted (sm__gpkg_pages_column). SM_E_NOMEM (no
 * message) when out of memory. */
sm_status sm__gpkg_cursor_open(sm_gpkg_cursor *c, const sm_gpkg_pages *g, size_t lo, size_t hi, const int *pos,
                               int n_pos);
/* The next row: 1 with its rowid and v[j] the value at pos[j]; 0 at the end; -1 when the walk cannot go
 * on (c->why says why). */
int sm__gpkg_cursor_next(sm_gpkg_cursor *c, int64_t *rowid, sm_gpkg_val *v);
void sm__gpkg_cursor_close(sm_gpkg_cursor *c);

#endif
