/* Helpers shared by the unit tests. */
#ifndef SM_TESTUTIL_H
#define SM_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <safemap.h>

/* The fixture of a test binary whose tests share one ctx and need nothing else: defines `ctx` and the group's
 * setup and teardown (cmocka_run_group_tests(tests, setup, teardown)). */
#define TU_CTX_FIXTURE                                                                                             \
  static sm_ctx *ctx;                                                                                              \
  static int setup(void **state) {                                                                                 \
    (void)state;                                                                                                   \
    return sm_ctx_create(&ctx) != SM_OK;                                                                           \
  }                                                                                                                \
  static int teardown(void **state) {                                                                              \
    (void)state;                                                                                                   \
    sm_ctx_destroy(ctx);                                                                                           \
    return 0;                                                                                                      \
  }

/* A fresh scratch directory per test binary. */
static inline const char *tu_dir(void) {
  static char dir[256];
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/safemap-unit-XXXXXX");
    if (!mkdtemp(dir)) abort();
  }
  return dir;
}

/* Path in the scratch directory (rotating static buffers). */
static inline const char *tu_path(const char *name) {
  static char bufs[8][512];
  static int k = 0;
  char *b = bufs[k++ % 8];
  snprintf(b, 512, "%s/%s", tu_dir(), name);
  return b;
}

static inline const char *tu_write(const char *name, const char *content) {
  const char *p = tu_path(name);
  FILE *f = fopen(p, "wb");
  if (!f) abort();
  fputs(content, f);
  fclose(f);
  return p;
}

static inline int tu_exists(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0;
}

/* Number of entries in the scratch directory whose name contains `part`. */
static inline int tu_count_files(const char *part) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c -- '%s'", tu_dir(), part);
  FILE *f = popen(cmd, "r");
  int n = 0;
  if (f) {
    if (fscanf(f, "%d", &n) != 1) n = 0;
    pclose(f);
  }
  return n;
}

/* Reads the named numeric columns of a CSV (header + rows) into out, row by
 * row; returns the number of rows. Fails the test on a missing file or column. */
static inline size_t tu_read_columns(const char *path, int nc, const char *const *cols, double *out, size_t max_rows) {
  FILE *f = fopen(path, "r");
  if (!f) fail_msg("cannot open %s", path);
  char line[8192];
  if (!fgets(line, sizeof line, f)) fail_msg("%s is empty", path);
  int idx[16];
  for (int c = 0; c < nc; c++) {
    char hdr[8192];
    strcpy(hdr, line);
    idx[c] = -1;
    int k = 0;
    for (char *t = strtok(hdr, ",\n"); t; t = strtok(NULL, ",\n"), k++)
      if (!strcmp(t, cols[c])) idx[c] = k;
    if (idx[c] < 0) fail_msg("%s has no column %s", path, cols[c]);
  }
  size_t n = 0;
  while (n < max_rows && fgets(line, sizeof line, f)) {
    double v[64];
    int k = 0;
    for (char *t = strtok(line, ",\n"); t && k < 64; t = strtok(NULL, ",\n")) v[k++] = strtod(t, NULL);
    for (int c = 0; c < nc; c++) out[n * (size_t)nc + (size_t)c] = v[idx[c]];
    n++;
  }
  fclose(f);
  return n;
}

/* The bundled data: 36 months of police.uk burglary in Camden and Camden's 2024 wards. */
#define TU_CAMDEN_POINTS SM_TEST_SRCDIR "/data/police/camden_burglary"
#define TU_CAMDEN_WARDS SM_TEST_SRCDIR "/data/wards/camden_wards_2024.gpkg"

/* Reads the bundled data as the command line does (ro may be NULL), the wards in the points' CRS. 0 ok. */
static inline int tu_read_camden(sm_ctx *ctx, sm_points **pts, sm_areas **wards, const sm_read_options *ro) {
  const char *src[] = {TU_CAMDEN_POINTS};
  if (sm_points_read(ctx, pts, src, 1, ro) != SM_OK) return 1;
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  ao.analysis_crs = sm_points_crs(*pts);
  return sm_areas_read(ctx, wards, TU_CAMDEN_WARDS, &ao) != SM_OK;
}

/* Frees what tu_read_camden() read, and the ctx. */
static inline void tu_free_camden(sm_ctx *ctx, sm_points *pts, sm_areas *wards) {
  sm_areas_destroy(wards);
  sm_points_destroy(pts);
  sm_ctx_destroy(ctx);
}

#define PUK_HEADER "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n"

#define assert_ok(ctx, expr)                                                   \
  do {                                                                         \
    sm_status st_ = (expr);                                                    \
    if (st_ != SM_OK) fail_msg("%s -> %s: %s", #expr, sm_status_str(st_), sm_ctx_last_error(ctx)); \
  } while (0)

#define assert_contains(haystack, needle)                                      \
  do {                                                                         \
    const char *h_ = (haystack);                                               \
    if (!h_ || !strstr(h_, (needle))) fail_msg("'%s' does not contain '%s'", h_ ? h_ : "(null)", (needle)); \
  } while (0)

#endif
