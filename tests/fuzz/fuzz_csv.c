/* Fuzz target: the CSV incident reader. The record parser from memory; then the whole reader on a file of
 * the input (one file, rewritten per input): header detection (police.uk, generic x/y/t and lon/lat
 * columns), number, time and category parsing, the row checks, the --type/--from/--to/--extent filters,
 * strict mode; and the parallel reader in small chunks against the one-thread one (any difference is a
 * bug of the parallel reader). Build with -DSM_FUZZ=ON for libFuzzer, or with standalone_driver.c to
 * replay the corpus (tests/fuzz/README.md). */
#include "fuzz_common.h"

#include "../same_points.h"
#include "internal/csv.h"
#include "internal/reader.h"
#include "internal/sm_internal.h"

static sm_ctx *g_one, *g_many;
static fz_file g_file;

/* The options of pass k (0: everything detected). */
static void pass_options(sm_read_options *o, int k) {
  switch (k) {
  case 0: break;
  case 1: o->crs = "EPSG:27700", o->x_field = "x", o->y_field = "y", o->time_field = "t", o->strict = 1; break;
  case 2:
    o->types = "Burglary,Robbery,Other theft";
    o->time_from = "2023-02", o->time_to = "2024-01-15";
    o->has_extent = 1, o->extent[0] = 520000, o->extent[1] = 180000, o->extent[2] = 535000, o->extent[3] = 190000;
    o->weight_field = "w";
    break;
  case 3: o->crs = "EPSG:27700", o->x_field = "x", o->y_field = "y"; break;
  }
}

/* What a command reads of the points: categories, labels, examples. */
static void look(const sm_points *p) {
  for (size_t i = 0; i < sm_points_category_count(p); i++) (void)strlen(sm_points_category_name(p, i));
  for (int r = 0; r < SM_BAD_REASON_END_; r++)
    for (size_t i = 0; i < sm_points_bad_example_count(p, (sm_bad_reason)r); i++)
      (void)strlen(sm_points_bad_example(p, (sm_bad_reason)r, i));
  if (sm_points_count(p) && sm_points_label(p, 0)) (void)strlen(sm_points_label(p, 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1 << 16) return 0;
  if (!g_one) setenv("OMP_WAIT_POLICY", "passive", 0); /* two cores shared: no spinning threads */
  /* 1: the record parser, from memory */
  sm_csv c;
  if (sm__csv_open_mem(&c, (const char *)data, size) == 0) {
    size_t records = 0;
    while (sm__csv_next(&c) == SM_CSV_RECORD && records < 100000) records++;
    sm__csv_close(&c);
  }
  /* 2: the whole reader, through the file, with one set of options chosen by the input's length (each
   * read costs a 4 MB buffer: one pass per input keeps thousands of inputs a second); 3: the same on
   * three threads in small chunks must give the same points, or the same error */
  fz_file_open(&g_file, "csv", ".csv");
  fz_file_put(&g_file, data, size);
  sm_ctx *one = fz_ctx(&g_one, 1), *many = fz_ctx(&g_many, 3);
  sm_read_tuning tune = {1, 1 + size % 17};
  sm_read_options o = SM_READ_OPTIONS_INIT;
  pass_options(&o, (int)(size % 4));
  const char *src[] = {g_file.path};
  sm_points *a = NULL, *b = NULL;
  sm_status sa = sm__points_read_tuned(one, &a, src, 1, size % 4 ? &o : NULL, NULL);
  sm_status sb = sm__points_read_tuned(many, &b, src, 1, size % 4 ? &o : NULL, &tune);
  if (sa != sb || (sa && strcmp(sm_ctx_last_error(one), sm_ctx_last_error(many))) || sp_diff(a, b)) {
    fprintf(stderr, "one thread: %d %s\nthree: %d %s\n%s\n", sa, sm_ctx_last_error(one), sb,
            sm_ctx_last_error(many), sp_diff(a, b) ? sp_diff(a, b) : "");
    abort();
  }
  if (a) look(a);
  sm_points_destroy(a);
  sm_points_destroy(b);
  return 0;
}
