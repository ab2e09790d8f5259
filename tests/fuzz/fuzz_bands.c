/* Fuzz target: the lists and bins of the command line, through the commands that take them (fuzz_cli.h:
 * each command parses, checks and stops before reading) and through the library where it parses them:
 * --space-bands and --time-bands (nearrepeat; cli_numbers, sm_nearrepeat_options_check), --coverage
 * (forecast; the shares or 'curve', sm_forecast_options_check), --hotspot-areas (kde; percentages,
 * sm_kde_run_options_check), --type (the reader's category list) and --extent (a filter for count, the
 * grid for kde). The first byte of the input chooses the list (its value modulo 6), the rest is its text.
 * Build with -DSM_FUZZ=ON for libFuzzer, or with standalone_driver.c to replay the corpus. */
#include "fuzz_cli.h"

static sm_ctx *g_ctx;

/* cli_numbers: on success 1..max finite values, and the text is numbers and commas only. */
static void check_numbers(const char *text) {
  double v[8];
  size_t n = 99;
  if (cli_numbers(text, v, 8, &n)) return;
  if (n < 1 || n > 8) abort();
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i])) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 2048) return 0;
  char *text = malloc(size);
  if (!text) return 0;
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  check_numbers(text);
  char out[160];
  snprintf(out, sizeof out, "%s/safemap-fuzz-never-written-%ld", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
           (long)getpid());
  char gpkg[180], csv[180];
  snprintf(gpkg, sizeof gpkg, "%s.gpkg", out);
  snprintf(csv, sizeof csv, "%s.csv", out);
  char *in = "incidents.csv";
  switch (data[0] % 6) {
  case 0: {
    char *a[] = {"nearrepeat", in, "-o", csv, "--space-bands", text, "--time-bands", "0,7,14", NULL};
    fz_run(8, a);
    break;
  }
  case 1: {
    char *a[] = {"nearrepeat", in, "-o", csv, "--time-bands", text, "--space-bands", "0,100,200", "--time-unit",
                 size % 2 ? "month" : "day", NULL};
    fz_run(10, a);
    break;
  }
  case 2: {
    char *a[] = {"forecast", in, "--coverage", text, "-o", size % 2 ? csv : gpkg, size % 2 ? "--backtest" : "--at",
                 "2025-03", NULL};
    fz_run(size % 2 ? 7 : 8, a);
    break;
  }
  case 3: {
    char *a[] = {"kde", in, "-o", gpkg, "--hotspot-areas", text, NULL};
    fz_run(6, a);
    break;
  }
  case 4: {
    char *a[] = {"count", in, "--wards", "wards.gpkg", "-o", gpkg, "--type", text, NULL};
    fz_run(8, a);
    /* the reader's own parse of the list, before it opens the source (which does not exist) */
    sm_read_options o = SM_READ_OPTIONS_INIT;
    o.types = text;
    const char *src[] = {"/nonexistent/safemap-fuzz.csv"};
    sm_points *p = NULL;
    if (sm_points_read(fz_ctx(&g_ctx, 1), &p, src, 1, &o) == SM_OK) abort();
    break;
  }
  case 5: {
    char *a[] = {"kde", in, "-o", gpkg, "--extent", text, NULL};
    fz_run(6, a);
    char *b[] = {"count", in, "--wards", "wards.gpkg", "-o", gpkg, "--extent", text, NULL};
    fz_run(8, b);
    break;
  }
  }
  free(text);
  return 0;
}
