/* Option tables: each command declares the options it takes (name, argument kind, range or choices,
 * where the value goes, a help line); one parser validates every value strictly for every command, and
 * the usage and --help text are generated from the same table. An option a command does not declare is
 * an error. Options shared by several commands (input columns, wards, output, threads...) are declared
 * once here, in groups a command includes. */
#ifndef SAFEMAP_CLI_OPT_H
#define SAFEMAP_CLI_OPT_H

#include <stdint.h>
#include <stdio.h>

typedef enum cli_kind {
  CLI_FLAG,   /* no value; *(int *)dest counts how often it was given */
  CLI_STRING, /* any text: *(const char **)dest */
  CLI_CHOICE, /* one of `choices` ("a|b|c"): *(const char **)dest */
  CLI_INT,    /* a whole number within [lo, hi]: *(long *)dest */
  CLI_UINT,   /* a whole number within [lo, hi]: *(unsigned *)dest */
  CLI_UINT64, /* a whole number >= 0: *(unsigned long long *)dest */
  CLI_NUMBER, /* a finite number within lo..hi (open ends as flagged): *(double *)dest */
  CLI_CUSTOM  /* check(arg, dest) returns 0 when the value is good */
} cli_kind;

typedef struct cli_opt {
  const char *name;    /* long name without "--"; NULL ends a table */
  char short_name;     /* one letter, or 0 */
  cli_kind kind;
  void *dest;
  const char *metavar; /* shown in the help: M, N, PATH, LIST */
  const char *help;    /* one or more lines ("\n" between), without the option itself */
  double lo, hi;       /* CLI_INT and CLI_NUMBER: the allowed range */
  int lo_open, hi_open;/* CLI_NUMBER: lo / hi themselves excluded */
  const char *need;    /* what a value must be, for messages: "metres > 0" (default: from the range) */
  const char *choices; /* CLI_CHOICE: "wards|fishnet|hexagon" */
  int (*check)(const char *arg, void *dest); /* CLI_CUSTOM */
  unsigned given;      /* set by the parser: times given */
  char repeat_sep;     /* 0: a value option is given once; '=': it may be repeated, once per KEY of KEY=VALUE */
} cli_opt;

#define CLI_HUGE 1e300
/* Table entries. */
#define CLI_O_FLAG(n, s, d, h) {n, s, CLI_FLAG, d, NULL, h, 0, 0, 0, 0, NULL, NULL, NULL, 0, 0}
#define CLI_O_STRING(n, d, m, h) {n, 0, CLI_STRING, d, m, h, 0, 0, 0, 0, NULL, NULL, NULL, 0, 0}
#define CLI_O_CHOICE(n, d, c, h) {n, 0, CLI_CHOICE, d, NULL, h, 0, 0, 0, 0, NULL, c, NULL, 0, 0}
#define CLI_O_INT(n, d, m, lo, hi, h) {n, 0, CLI_INT, d, m, h, lo, hi, 0, 0, NULL, NULL, NULL, 0, 0}
#define CLI_O_UINT(n, d, m, lo, hi, h) {n, 0, CLI_UINT, d, m, h, lo, hi, 0, 0, NULL, NULL, NULL, 0, 0}
#define CLI_O_NUMBER(n, d, m, lo, lo_open, hi, hi_open, need, h) {n, 0, CLI_NUMBER, d, m, h, lo, hi, lo_open, hi_open, need, NULL, NULL, 0, 0}
#define CLI_O_METRES(n, d, h) CLI_O_NUMBER(n, d, "M", 0, 1, CLI_HUGE, 0, "metres > 0", h)
#define CLI_O_CUSTOM(n, d, m, need, fn, h) {n, 0, CLI_CUSTOM, d, m, h, 0, 0, 0, 0, need, NULL, fn, 0, 0}
#define CLI_O_END {NULL, 0, CLI_FLAG, NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, 0, 0}

/* The shared groups a command takes. */
enum {
  CLI_G_INPUT = 1,   /* POINTS columns and filters: --layer --x --y --lon --lat --crs --analysis-crs --time
                        --weight --category --type --from --to --extent */
  CLI_G_AREAS = 2,   /* --wards --wards-layer --wards-crs --id-field --name-field */
  CLI_G_OUTPUT = 4,  /* -o/--output --overwrite */
  CLI_G_SEED = 8,    /* --seed */
  CLI_G_STRICT = 16, /* --strict */
  CLI_G_RANKS = 32   /* not options: the command shares its work over MPI ranks (the others refuse several) */
};

/* This process's rank in an MPI run (0 without one): rank 0 alone prints. */
extern int cli_rank;

typedef struct cli_command {
  const char *name;        /* "hotspots" */
  const char *synopsis;    /* the usage lines after "safemap NAME " ("\n" between forms) */
  const char *description; /* paragraphs */
  const char *examples;    /* worked examples: "# what\nsafemap ...\n" */
  unsigned groups;         /* CLI_G_* */
  const char *extent_means; /* NULL: --extent filters the incidents; else what it is (the grid's extent) */
} cli_command;

struct cli_opts;

/* Internal to opt.c and opt_help.c: the general options (--seed and --strict when taken, -j, -q, -v, -h). */
#define CLI_G_GENERAL 0x10000u
/* The entries of the groups in `groups`, pointing into o (cmd: for what --extent means). */
size_t cli__group_entries(unsigned groups, const cli_command *cmd, struct cli_opts *o, cli_opt *t);
#define CLI_MAX_OPTS 160

/* Parses argv (argv[0] is the command name) against the command's own table `own` (may be NULL) and its
 * groups, filling `o` (the shared options) and the table's destinations. Positional arguments go to
 * o->inputs. Returns 0 to go on, 1 after printing a usage error, -1 after printing --help (exit 0). */
int cli_parse_command(const cli_command *cmd, cli_opt *own, struct cli_opts *o, int argc, char **argv);
/* Times option `name` was given (0 when not, or not in the table). */
unsigned cli_given(const cli_opt *own, const char *name);
/* The generated help. */
void cli_print_help(FILE *f, const cli_command *cmd, const cli_opt *own);
/* Prints "safemap CMD: error: MSG\nTry 'safemap CMD --help'." and returns 1. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
