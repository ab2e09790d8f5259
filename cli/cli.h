/* What the safemap subcommands share: the options every command may take (opt.h declares them in
 * groups), the run of a command from parsing to exit code, and terminal output. The commands only parse,
 * call the library's pipelines and print: nothing here decides anything about the data. */
#ifndef SAFEMAP_CLI_H
#define SAFEMAP_CLI_H

#include <safemap.h>
#include <stdio.h>

#include "opt.h"

#define CLI_MAX_INPUTS 4096

/* The options shared by the commands (the groups of opt.h). */
typedef struct cli_opts {
  const char *cmd;
  const char *inputs[CLI_MAX_INPUTS];
  size_t n_inputs;
  const char *output;
  const char *wards, *wards_layer, *wards_crs, *id_field, *name_field;
  sm_read_options read;
  long threads; /* -j: the parser writes CLI_INT values as long */
  int quiet, verbose;
  int overwrite;
  int strict;
  unsigned long long seed;
  double limits[SM_LIMIT_END_]; /* --limit KIND=N, by sm_limit (0: the library's default) */
  int help;
} cli_opts;

/* What a command needs before it runs (cli_start). */
enum {
  CLI_NEEDS_INPUT = 1,  /* at least one POINTS source */
  CLI_NEEDS_OUTPUT = 2, /* -o */
  CLI_NEEDS_WARDS = 4,  /* --wards */
  CLI_WITH_LABELS = 8,  /* keep the location labels of the points (info) */
  CLI_OUTPUT_IS_DIR = 16 /* -o names a folder the library writes and checks itself (report) */
};

/* One command's run: its options, ctx, inputs and result, and the exit code so far. */
typedef struct cli_run {
  cli_opts o;
  const cli_command *cmd;
  sm_ctx *ctx;
  sm_write_options wo;
  sm_points *points;
  sm_areas *areas;
  sm_result *result;
  int has_extent;          /* --extent given, when the command's extent is its grid's (cli_command.extent_means) */
  double extent[4];
  const char *value_field; /* the wards' numeric field to read (a rate's denominator), or NULL */
  const char *protect[CLI_MAX_INPUTS + 8]; /* the inputs, which no output may replace (r->wo.inputs) */
  int rc;
} cli_run;

/* Parses argv against the command's table `own` and its groups, checks what `needs` asks (inputs, -o,
 * --wards), creates the ctx and checks up front that -o (and its CSV companions, `csv_suffixes`:
 * "_by_month,_bins" or NULL) could be written. Returns 1 to go on; 0 to stop with r->rc (0 after --help). */
int cli_start(cli_run *r, const cli_command *cmd, cli_opt *own, unsigned needs, const char *csv_suffixes, int argc,
              char **argv);
/* Adds a file the command reads besides POINTS and --wards (kde --compare, forecast --evaluate) to the
 * inputs that no output may replace. */
void cli_protect(cli_run *r, const char *path);
/* Reads the points, and the wards when --wards is given. Returns 1 to go on, 0 after printing the error. */
int cli_read(cli_run *r);
/* After a pipeline returned st: on failure prints the error (r->rc set); on success writes r->result to -o
 * when given. Returns 1 when all went well. */
int cli_write(cli_run *r, sm_status st);
/* Frees everything; returns the exit code. */
int cli_finish(cli_run *r);
/* 1 when the summary should be printed (not -q); clears the progress bar first. */
int cli_talk(const cli_run *r);
/* "safemap CMD: wrote OUT[ and COMPANION...]". */
void cli_wrote(const cli_run *r);
/* Prints the ctx error for st and sets r->rc; returns 0. */
int cli_error(cli_run *r, sm_status st);
/* --tiles DIR: the map of r->result (sm_tiles_result(): its surfaces and layers as tiles, and the page) into
 * DIR, with -o's --overwrite. dir NULL: nothing. Returns 1 when all went well, 0 after printing the error. */
int cli_tiles(cli_run *r, const char *dir);
/* Before the analysis: refuses a --tiles DIR that sm_tiles_result() would refuse whatever the result (so that
 * nothing is written). Returns 1 to go on, 0 after printing the error. */
int cli_tiles_check(cli_run *r, const char *dir);

/* Installs the SIGINT/SIGTERM/SIGHUP handler that removes the library's temporary files and ends the process
 * by the same signal (exit status 128 + signal in a shell). */
void cli_handle_signals(void);
/* Erases the progress bar (before printing to the terminal). */
void cli_clear_progress(void);
int cli_exit_code(sm_status st);
/* Prints rows skipped/filtered with examples (to f). */
void cli_print_problems(FILE *f, const sm_points *p, int examples);
/* 12,345 */
/* "1.25 GiB", "512 MiB" */
const char *cli_bytes(double bytes, char *buf, size_t n);
const char *cli_num(unsigned long long v, char *buf, size_t n);
/* A comma-separated list of numbers ("50,75,90"): n values into out (at most max); 0 ok, 1 bad. */
int cli_numbers(const char *text, double *out, size_t max, size_t *n);

int cmd_info(int argc, char **argv);
int cmd_count(int argc, char **argv);
int cmd_kde(int argc, char **argv);
int cmd_hotspots(int argc, char **argv);
int cmd_emerging(int argc, char **argv);
int cmd_nearrepeat(int argc, char **argv);
int cmd_forecast(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_route(int argc, char **argv);
int cmd_tiles(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_plan(int argc, char **argv);

#endif
