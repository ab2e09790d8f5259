/* Internal declarations shared by lib/ sources. Never installed. */
#ifndef SM_INTERNAL_H
#define SM_INTERNAL_H

#include "safemap.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SM_MSG_MAX 2048

struct sm_ctx {
  int threads;
  sm_progress_fn progress;
  void *progress_user;
  sm_log_fn log;
  sm_log_level log_level;
  void *log_user;
  uint64_t seed;
  sm_status last_status;
  char last_error[SM_MSG_MAX];
  /* Last message a dependency (GDAL/PROJ/GEOS) reported while captured. */
  char dep_error[SM_MSG_MAX];
  /* Progress mapping of the current step: fraction f is reported as
   * base + f * span, so nested steps compose. */
  double progress_base, progress_span;
  /* PROJ context of the calling thread, created on first use. */
  void *proj_ctx;
  void *proj_log;
  /* Transformations made on proj_ctx, kept for reuse (calling thread only). */
  struct {
    char *src, *dst;
    void *op; /* PJ * */
  } proj_ops[8];
};

/* ---- errors, logging, progress ------------------------------------------ */
#if defined(__GNUC__)
#define SM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SM_PRINTF(a, b)
#endif

/* Sets the ctx message and returns `status`. */
sm_status sm__error(sm_ctx *ctx, sm_status status, const char *fmt, ...) SM_PRINTF(3, 4);
void sm__log(sm_ctx *ctx, sm_log_level level, const char *fmt, ...) SM_PRINTF(3, 4);
/* Reports progress of the current step; returns SM_E_CANCELLED (with a
 * message) when the callback says stop, else SM_OK. */
sm_status sm__progress(sm_ctx *ctx, double fraction, const char *message);
/* Narrows the progress range for a sub-step: [base, base + span] of the current one.
 * Returns the previous range in saved[2] for sm__progress_pop. */
void sm__progress_push(sm_ctx *ctx, double from, double to, double saved[2]);
void sm__progress_pop(sm_ctx *ctx, const double saved[2]);
int sm__threads(const sm_ctx *ctx);
/* Monotonic seconds, for the step timings logged at SM_LOG_DEBUG. */
double sm__now(void);
/* Days since 1970-01-01 of a proleptic Gregorian date, and back (timeparse.c). */
int64_t sm__days_from_civil(int64_t y, unsigned m, unsigned d);
void sm__civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);
/* ArcGIS's incremental spatial autocorrelation peaks over n z-scores (hotspot.c). */
void sm__isa_peaks(const double *z, size_t n, size_t *first, size_t *highest);
/* Weights from CSR arrays (sm__malloc'd; owned by the result, or freed on failure): row i is
 * col/val[off[i] .. off[i+1]), sorted by column; self[i] when i is in its own row (weights.c). */
sm_status sm__weights_from_csr(sm_ctx *ctx, sm_weights **out, size_t n, size_t *off, size_t *col, double *val,
                               unsigned char *self);

/* ---- allocation (fail-injection hook for OOM tests) --------------------- */
void *sm__malloc(size_t n);
void *sm__calloc(size_t n, size_t size);
void *sm__realloc(void *p, size_t n);
void sm__free(void *p);
char *sm__strdup(const char *s);
char *sm__strndup(const char *s, size_t n);
char *sm__asprintf(const char *fmt, ...) SM_PRINTF(1, 2);
/* Test hook: make the k-th allocation from now fail (0 = never). */
void sm__alloc_fail_after(long k);

/* Grows *p (element size `elem`) to hold at least `need` elements. */
sm_status sm__grow(void **p, size_t *cap, size_t need, size_t elem);

/* ---- dependency error capture ------------------------------------------- */
/* Routes GDAL errors of this thread into ctx->dep_error while active. */
void sm__gdal_begin(sm_ctx *ctx);
void sm__gdal_end(sm_ctx *ctx);
/* "GDAL: <message>" or "" */
const char *sm__dep_msg(const sm_ctx *ctx);
void sm__gdal_init(void);

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

/* ---- text helpers -------------------------------------------------------- */
int sm__strcaseeq(const char *a, const char *b);
int sm__strncaseeq(const char *a, size_t alen, const char *b);
/* Parses a finite or non-finite double from exactly [s, s+len) (trimmed).
 * Returns 0 ok, 1 empty, 2 not a number. */
int sm__parse_double(const char *s, size_t len, double *out);
/* Copies at most max-1 chars of s (len) with control chars escaped, for messages. */
void sm__quote(char *dst, size_t max, const char *s, size_t len);

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
};

sm_status sm__points_alloc(sm_ctx *ctx, sm_points **out);
sm_status sm__points_reserve(sm_ctx *ctx, sm_points *p, size_t need, int with_lonlat, int with_label);

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

/* ---- layer internals ------------------------------------------------------------ */
/* Column f's storage, for readers of millions of cells (the CSV writer):
 * null[r] is non-zero for NULL; of i, d and s only the type's array is set. */
typedef struct sm_layer_col {
  sm_field_type type;
  const unsigned char *null;
  const int64_t *i;
  const double *d;
  char *const *s;
} sm_layer_col;
void sm__layer_column(const sm_layer *l, size_t f, sm_layer_col *out);

/* ---- areas internals ----------------------------------------------------------- */
/* Area containing (x, y) by the half-open rule, or -1. Thread-safe. */
int32_t sm__areas_locate_xy(const sm_areas *areas, double x, double y);

/* ---- CRS internals ---------------------------------------------------------- */
/* Area of use in degrees of a CRS; returns 0 if unknown. */
int sm__crs_area_of_use(sm_ctx *ctx, const char *crs, double bbox[4]);
/* "EPSG:4326"-style identifier of a user CRS (or its WKT when no code); malloc'd. */
sm_status sm__crs_normalise(sm_ctx *ctx, const char *crs, char **out);
/* 1 if two CRS strings denote the same CRS. */
int sm__crs_equal(sm_ctx *ctx, const char *a, const char *b);
/* Transforms from src to EPSG:4326 lon/lat (calling thread, cached operation). */
sm_status sm__crs_to_lonlat(sm_ctx *ctx, const char *src, size_t n, double *x, double *y);
/* Longitude/latitude on src's own datum (inverse = 0), or back (1): the projection alone, tens of metres
 * from WGS84 at most, for choices and plausibility boxes, not for results; far cheaper to set up. */
sm_status sm__crs_lonlat_approx(sm_ctx *ctx, const char *src, int inverse, size_t n, double *x, double *y);
/* Is the CRS geographic (degrees)? */
int sm__crs_is_geographic(sm_ctx *ctx, const char *crs);

#endif
