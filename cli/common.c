/* The run of a command from parsing to exit code, messages and the progress bar (cli.h). */
#include "cli.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* ---- terminal ---------------------------------------------------------------- */
typedef struct term {
  int bar;
  int last;
  char msg[64];
} term;
static term g_term;

static int progress(double f, const char *msg, void *user) {
  term *t = user;
  int pct = (int)(f * 100 + 0.5);
  if (pct == t->last && strncmp(msg, t->msg, sizeof t->msg - 1) == 0) return 1;
  t->last = pct;
  snprintf(t->msg, sizeof t->msg, "%s", msg);
  int w = 30, k = (int)(f * w);
  fprintf(stderr, "\r[");
  for (int i = 0; i < w; i++) fputc(i < k ? '#' : ' ', stderr);
  fprintf(stderr, "] %3d%% %-40.40s", pct, msg);
  fflush(stderr);
  return 1;
}

void cli_clear_progress(void) {
  if (g_term.bar && g_term.last >= 0) {
    fprintf(stderr, "\r%80s\r", "");
    g_term.last = -1;
  }
}

static void log_sink(sm_log_level level, const char *msg, void *user) {
  (void)user;
  cli_clear_progress();
  static const char *const names[] = {"error", "warning", "info", "debug"};
  fprintf(stderr, "safemap: %s: %s\n", names[level], msg);
}

static sm_ctx *make_ctx(const cli_opts *o) {
  sm_ctx *ctx = NULL;
  if (sm_ctx_create(&ctx) != SM_OK) {
    fprintf(stderr, "safemap: out of memory\n");
    return NULL;
  }
  sm_ctx_set_threads(ctx, (int)o->threads);
  sm_ctx_set_seed(ctx, o->seed);
  for (int k = 0; k < SM_LIMIT_END_; k++) /* checked by the parser: --limit KIND=N, N > 0 */
    if (o->limits[k] > 0) sm_ctx_set_limit(ctx, (sm_limit)k, o->limits[k]);
  sm_log_level lvl = o->quiet ? SM_LOG_ERROR : o->verbose >= 2 ? SM_LOG_DEBUG : o->verbose ? SM_LOG_INFO : SM_LOG_WARNING;
  sm_ctx_set_log(ctx, log_sink, lvl, NULL);
  g_term.bar = !o->quiet && isatty(2);
  g_term.last = -1;
  if (g_term.bar) sm_ctx_set_progress(ctx, progress, &g_term);
  return ctx;
}

/* A run stopped by a signal leaves no temporary file (the library removes them: async-signal-safe), then
 * ends by the same signal, so that the shell sees 130 (SIGINT) or 143 (SIGTERM). */
static void on_signal(int sig) {
  sm_cleanup_temporary_files();
  signal(sig, SIG_DFL);
  raise(sig);
}

void cli_handle_signals(void) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
    struct sigaction old, sa;
    if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN) continue; /* nohup, background */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(sigs[i], &sa, NULL);
  }
}

int cli_exit_code(sm_status st) {
  switch (st) {
  case SM_OK: return 0;
  case SM_E_INVALID_ARG:
  case SM_E_INPUT:
  case SM_E_CRS:
  case SM_E_IO:
  case SM_E_GEOMETRY:
  case SM_E_UNSUPPORTED: return 1;
  default: return 2;
  }
}

int cli_error(cli_run *r, sm_status st) {
  cli_clear_progress();
  const char *msg = r->ctx ? sm_ctx_last_error(r->ctx) : "";
  if (cli_rank == 0) /* an MPI run's errors reach every rank (the first rank's message): rank 0 prints it */
    fprintf(stderr, "safemap %s: error: %s\n", r->cmd->name, msg && *msg ? msg : sm_status_str(st));
  r->rc = cli_exit_code(st);
  return 0;
}

const char *cli_bytes(double b, char *buf, size_t n) {
  if (b >= 1024.0 * 1024 * 1024) snprintf(buf, n, "%.2f GiB", b / (1024.0 * 1024 * 1024));
  else snprintf(buf, n, "%.0f MiB", ceil(b / (1024.0 * 1024)));
  return buf;
}

const char *cli_num(unsigned long long v, char *buf, size_t n) {
  char tmp[32];
  int len = snprintf(tmp, sizeof tmp, "%llu", v), k = 0;
  size_t o = 0;
  for (int i = 0; i < len && o + 1 < n; i++) {
    buf[o++] = tmp[i];
    k = len - i - 1;
    if (k > 0 && k % 3 == 0 && o + 1 < n) buf[o++] = ',';
  }
  buf[o] = '\0';
  return buf;
}

int cli_numbers(const char *text, double *out, size_t max, size_t *n) {
  *n = 0;
  for (const char *p = text; *p;) {
    char *end;
    double v = strtod(p, &end);
    if (end == p || !isfinite(v) || *n == max || (*end && *end != ',')) return 1;
    out[(*n)++] = v;
    p = *end ? end + 1 : end;
    if (*end == ',' && !*p) return 1;
  }
  return *n == 0;
}

void cli_print_problems(FILE *f, const sm_points *p, int examples) {
  char b[32];
  int any = 0;
  for (int r = 0; r < SM_BAD_REASON_END_; r++) {
    unsigned long long n = sm_points_rows_bad(p, (sm_bad_reason)r);
    if (!n) continue;
    if (!any) fprintf(f, "Rows skipped (use --strict to stop at the first):\n");
    any = 1;
    fprintf(f, "  %-32s %10s\n", sm_bad_reason_str((sm_bad_reason)r), cli_num(n, b, sizeof b));
    size_t k = sm_points_bad_example_count(p, (sm_bad_reason)r);
    for (size_t i = 0; i < k && (int)i < examples; i++)
      fprintf(f, "      e.g. %s\n", sm_points_bad_example(p, (sm_bad_reason)r, i));
  }
  if (!any) fprintf(f, "Rows skipped: none\n");
  for (int r = 0; r < SM_FILTER_REASON_END_; r++) {
    unsigned long long n = sm_points_rows_filtered(p, (sm_filter_reason)r);
    if (n) fprintf(f, "Rows left out by the %s filter: %s\n", sm_filter_reason_str((sm_filter_reason)r), cli_num(n, b, sizeof b));
  }
}

/* ---- the run of a command ------------------------------------------------------ */

/* OUT.csv's companion OUT<suffix>.csv (malloc'd), or NULL when OUT is not a CSV. */
static char *companion(const char *out, const char *suffix, size_t len) {
  size_t n = strlen(out);
  if (n <= 4 || (strcmp(out + n - 4, ".csv") && strcmp(out + n - 4, ".CSV"))) return NULL;
  char *p = malloc(n + len + 1);
  if (p) snprintf(p, n + len + 1, "%.*s%.*s%s", (int)(n - 4), out, (int)len, suffix, out + n - 4);
  return p;
}

static int check_outputs(cli_run *r, const char *suffixes) {
  sm_status st = sm_write_check(r->ctx, r->o.output, &r->wo);
  for (const char *s = suffixes; !st && s && *s;) {
    const char *e = strchr(s, ',');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    char *c = companion(r->o.output, s, len);
    if (c) st = sm_write_check(r->ctx, c, &r->wo);
    free(c);
    s = e ? e + 1 : s + len;
  }
  return st ? cli_error(r, st) : 1;
}

int cli_start(cli_run *r, const cli_command *cmd, cli_opt *own, unsigned needs, const char *csv_suffixes, int argc,
              char **argv) {
  memset(r, 0, sizeof *r);
  r->cmd = cmd;
  int p = cli_parse_command(cmd, own, &r->o, argc, argv);
  if (p) {
    r->rc = p < 0 ? 0 : 1;
    return 0;
  }
  const char *missing = (needs & CLI_NEEDS_INPUT) && !r->o.n_inputs ? "no input given"
                        : (needs & CLI_NEEDS_WARDS) && !r->o.wards ? "--wards is required"
                        : (needs & CLI_NEEDS_OUTPUT) && !r->o.output ? "-o/--output is required"
                                                                      : NULL;
  if (missing) {
    r->rc = cli_usage_error(cmd->name, "%s", missing);
    return 0;
  }
  r->o.read.skip_labels = !(needs & CLI_WITH_LABELS);
  if (cmd->extent_means && r->o.read.has_extent) { /* the grid's extent, not a filter of the incidents */
    r->has_extent = 1;
    memcpy(r->extent, r->o.read.extent, sizeof r->extent);
    r->o.read.has_extent = 0;
  }
  if (cli_rank > 0) r->o.quiet = 1, r->o.verbose = 0; /* rank 0 talks for an MPI run */
  if (!(r->ctx = make_ctx(&r->o))) {
    r->rc = 2;
    return 0;
  }
  sm_status lst = sm_ctx_check_launch(r->ctx); /* several ranks of mpirun on a build without MPI */
  if (!lst && sm_ctx_ranks(r->ctx) > 1 && !(cmd->groups & CLI_G_RANKS)) {
    if (cli_rank == 0)
      fprintf(stderr, "safemap %s: error: it runs as one process, not as %d MPI ranks (kde, hotspots, emerging, "
              "nearrepeat and scan share their work over ranks): run it without mpirun or srun\n", cmd->name,
              sm_ctx_ranks(r->ctx));
    r->rc = 1;
    return 0;
  }
  if (lst) {
    cli_error(r, lst);
    return 0;
  }
  sm_write_options_init(&r->wo, SM_WRITE_OPTIONS_VERSION);
  r->wo.overwrite = r->o.overwrite;
  for (size_t i = 0; i < r->o.n_inputs; i++) cli_protect(r, r->o.inputs[i]);
  if (r->o.wards) cli_protect(r, r->o.wards);
  return r->o.output && !(needs & CLI_OUTPUT_IS_DIR) ? check_outputs(r, csv_suffixes) : 1;
}

void cli_protect(cli_run *r, const char *path) {
  if (path && r->wo.n_inputs < sizeof r->protect / sizeof *r->protect) r->protect[r->wo.n_inputs++] = path;
  r->wo.inputs = r->protect;
}

int cli_read(cli_run *r) {
  /* no POINTS: only a command whose points are optional gets here (audit) */
  sm_status st = r->o.n_inputs ? sm_points_read(r->ctx, &r->points, r->o.inputs, r->o.n_inputs, &r->o.read) : SM_OK;
  if (!st && r->points && sm_points_count(r->points) == 0 && !r->o.quiet) {
    cli_clear_progress();
    cli_print_problems(stderr, r->points, 2); /* why nothing is left, before the error */
  }
  if (!st && r->o.wards) {
    sm_areas_options ao;
    sm_areas_options_init(&ao, SM_AREAS_OPTIONS_VERSION);
    ao.layer = r->o.wards_layer;
    ao.id_field = r->o.id_field;
    ao.name_field = r->o.name_field;
    ao.crs = r->o.wards_crs;
    ao.analysis_crs = r->points ? sm_points_crs(r->points) : NULL;
    ao.strict = r->o.strict;
    ao.value_field = r->value_field;
    st = sm_areas_read(r->ctx, &r->areas, r->o.wards, &ao);
  }
  return st ? cli_error(r, st) : 1;
}

int cli_write(cli_run *r, sm_status st) {
  if (!st && r->o.output) st = sm_result_write(r->ctx, r->result, r->o.output, &r->wo);
  return st ? cli_error(r, st) : 1;
}

int cli_talk(const cli_run *r) {
  if (r->o.quiet) return 0;
  cli_clear_progress();
  return 1;
}

void cli_wrote(const cli_run *r) {
  if (!r->o.output || r->o.quiet) return;
  fprintf(stderr, "safemap %s: wrote %s", r->cmd->name, r->o.output);
  size_t n = sm_result_layer_count(r->result);
  for (size_t i = 1; i < n; i++) {
    char *c = sm_result_csv_path(r->result, r->o.output, i);
    if (c) fprintf(stderr, " and %s", c);
    sm_free(c);
  }
  char *qml = sm_write_style_path(r->o.output, &r->wo); /* a GeoTIFF's QGIS style */
  if (qml) fprintf(stderr, " and its QGIS style %s", qml);
  sm_free(qml);
  fprintf(stderr, "\n");
}

int cli_finish(cli_run *r) {
  cli_clear_progress();
  if (r->o.verbose && !r->o.quiet && r->cmd) { /* -v: what the run held at most (resident, as /usr/bin/time -v says) */
    struct rusage ru;
    char b[32];
    if (getrusage(RUSAGE_SELF, &ru) == 0)
      fprintf(stderr, "safemap %s: peak memory %s (resident; the memory limit %s)\n", r->cmd->name,
              cli_bytes((double)ru.ru_maxrss * 1024.0, b, sizeof b),
              r->ctx ? cli_bytes(sm_ctx_limit(r->ctx, SM_LIMIT_MEMORY), (char[32]){0}, 32) : "unknown");
  }
  sm_result_destroy(r->result);
  sm_areas_destroy(r->areas);
  sm_points_destroy(r->points);
  sm_ctx_destroy(r->ctx);
  return r->rc;
}

int cli_tiles_check(cli_run *r, const char *dir) {
  if (!dir) return 1;
  sm_status st = sm_tiles_result_check(r->ctx, dir, NULL);
  return st ? cli_error(r, st) : 1;
}

int cli_tiles(cli_run *r, const char *dir) {
  if (!dir) return 1;
  sm_tiles_options to;
  sm_tiles_options_init(&to, SM_TILES_OPTIONS_VERSION);
  to.overwrite = r->o.overwrite;
  sm_tiles_info info;
  sm_status st = sm_tiles_result(r->ctx, r->result, dir, &to, NULL, &info);
  if (st) return cli_error(r, st);
  if (cli_talk(r)) {
    char b[32];
    fprintf(stderr, "safemap %s: %s map tiles in %zu tile set%s over zooms %d-%d in %s; open %s/index.html\n", r->cmd->name,
            cli_num(info.tiles, b, sizeof b), info.tile_sets, info.tile_sets == 1 ? "" : "s", info.min_zoom,
            info.max_zoom, dir, dir);
  }
  return 1;
}
