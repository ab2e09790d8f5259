/* Fuzz target: the command line's option parser (cli/opt.c cli_parse_command) with every command's real
 * table and the shared groups, each command's own checks of its values (custom parsers: --bandwidth,
 * --band, --reference, --max-window, --coverage, --extent, lists) and the library's options checks they
 * call, up to the point where the command would read its input (fuzz_cli.h). The input is the argument
 * list, one argument a line; the first line names the command (info, count, kde, hotspots, emerging,
 * nearrepeat, scan, forecast, audit, route, tiles, plan, report; anything else: info). Build with -DSM_FUZZ=ON for libFuzzer, or with
 * standalone_driver.c to replay the corpus. */
#include "fuzz_cli.h"

#define FZ_MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  char *argv[FZ_MAX_ARGS + 1];
  int argc = 0;
  for (char *p = text; argc < FZ_MAX_ARGS;) {
    char *nl = memchr(p, '\n', (size_t)(text + size - p));
    argv[argc++] = p; /* a NUL inside ends the argument where C sees it */
    if (!nl) break;
    *nl = '\0';
    p = nl + 1;
  }
  argv[argc] = NULL;
  fz_run(argc, argv);
  free(text);
  return 0;
}
