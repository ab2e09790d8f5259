/* The inside of sm_points, for the readers. Internal. */
#ifndef SM_INTERNAL_POINTS_H
#define SM_INTERNAL_POINTS_H

#include "internal/text.h"

/* ---- points internals ---------------------------------------------------- */
struct sm_points {
  size_t n, cap;
  double *x, *y;
  double *lon, *lat;    /* NULL unless input was lon/lat */
  int64_t *t;
  double *w;
  int32_t *cat;
  int32_t *label;       /* index into labels, -1 none; NULL if no label column */
  sm_strtab cats;
  sm_strtab labels;
  char *crs;
  char *input_crs;
  sm_time_res time_res;
  int policeuk;
  size_t n_sources;
  uint64_t rows_read;
  uint64_t bad[SM_BAD_REASON_END_];
  uint64_t filtered[SM_FILTER_REASON_END_];
  char *examples[SM_BAD_REASON_END_][5];
  size_t n_examples[SM_BAD_REASON_END_];
  int crs_auto;         /* the analysis CRS was chosen from the data (no analysis_crs option) */
  double crs_lon, crs_lat; /* the centre it was chosen from */
  char *sources;        /* the sources read, for messages: "a.csv" or "36 sources (a.csv .. z.csv)" */
  char *warnings;       /* the reader's warnings, "; " between them; NULL when none */
};

sm_status sm__points_alloc(sm_ctx *ctx, sm_points **out);
sm_status sm__points_reserve(sm_ctx *ctx, sm_points *p, size_t need, int with_lonlat, int with_label);
/* Logs a warning of the reader on the ctx and keeps it with the points (sm_points_warnings()). */
sm_status sm__points_warn(sm_ctx *ctx, sm_points *p, const char *fmt, ...) SM_PRINTF(3, 4);

/* sm_points_check() with the words of the caller: `empty` starts the message when there is no point
 * ("no points to count"), followed by "N rows read, every one skipped or filtered out" and why. */
sm_status sm__points_usable(sm_ctx *ctx, const sm_points *p, const sm_areas *a, const char *empty);

/* Bytes the points' arrays hold (for the memory limit). */
double sm__points_bytes(const sm_points *p);

#endif
