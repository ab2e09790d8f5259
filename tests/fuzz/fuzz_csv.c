/* Fuzz target: the CSV incident reader end to end (CSV parser, header
 * detection, number/time parsing, row checks), and the parallel reader
 * against the one-thread one. Build with -fsanitize=fuzzer for libFuzzer,
 * or with standalone_driver.c to replay the corpus. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../same_points.h"
#include "internal/csv.h"
#include "internal/sm_internal.h"
#include "internal/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* 1: the raw parser */
  sm_csv c;
  if (sm__csv_open_mem(&c, (const char *)data, size) == 0) {
    int rc;
    size_t records = 0;
    while ((rc = sm__csv_next(&c)) == SM_CSV_RECORD && records < 100000) records++;
    sm__csv_close(&c);
  }
  /* 2: the whole reader, through a file */
  char path[] = "/tmp/safemap-fuzz-XXXXXX.csv";
  int fd = mkstemps(path, 4);
  if (fd < 0) return 0;
  FILE *f = fdopen(fd, "wb");
  fwrite(data, 1, size, f);
  fclose(f);
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) == SM_OK) {
    sm_ctx_set_threads(ctx, 1);
    sm_points *p = NULL;
    const char *src[] = {path};
    if (sm_points_read(ctx, &p, src, 1, NULL) == SM_OK) sm_points_destroy(p);
    sm_read_options o = SM_READ_OPTIONS_INIT;
    o.crs = "EPSG:27700";
    o.x_field = "x";
    o.y_field = "y";
    o.time_field = "t";
    o.strict = 1;
    if (sm_points_read(ctx, &p, src, 1, &o) == SM_OK) sm_points_destroy(p);
    sm_ctx_destroy(ctx);
  }
  /* 3: on several threads in small chunks, the same as on one: any
   * difference is a bug of the parallel reader */
  sm_ctx *one = NULL, *many = NULL;
  if (sm_ctx_create(&one) == SM_OK && sm_ctx_create(&many) == SM_OK) {
    sm_ctx_set_threads(one, 1);
    sm_ctx_set_threads(many, 3);
    sm_read_tuning tune = {1, 1 + size % 17};
    sm_read_options o = SM_READ_OPTIONS_INIT;
    o.crs = "EPSG:27700";
    o.x_field = "x";
    o.y_field = "y";
    for (int pass = 0; pass < 3; pass++) {
      const sm_read_options *opts = pass == 0 ? NULL : &o;
      o.strict = pass == 2;
      const char *src[] = {path};
      sm_points *a = NULL, *b = NULL;
      sm_status sa = sm__points_read_tuned(one, &a, src, 1, opts, NULL);
      sm_status sb = sm__points_read_tuned(many, &b, src, 1, opts, &tune);
      if (sa != sb || (sa && strcmp(sm_ctx_last_error(one), sm_ctx_last_error(many))) || sp_diff(a, b)) {
        fprintf(stderr, "one thread: %d %s\nthree: %d %s\n%s\n", sa, sm_ctx_last_error(one), sb,
                sm_ctx_last_error(many), sp_diff(a, b) ? sp_diff(a, b) : "");
        abort();
      }
      sm_points_destroy(a);
      sm_points_destroy(b);
    }
  }
  sm_ctx_destroy(one);
  sm_ctx_destroy(many);
  unlink(path);
  return 0;
}
