/* The option-table parser and the generated help (opt.h). */
#include "opt.h"

#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_rank;

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  if (cli_rank > 0) return 1; /* every rank of an MPI run parsed the same words: rank 0 says what is wrong */
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "safemap %s: error: ", cmd);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nTry 'safemap %s --help'.\n", cmd);
  va_end(ap);
  return 1;
}

/* ---- values ------------------------------------------------------------------------------------ */

static int whole_text(const char *s) { /* the whole argument is a number (for quoting in messages) */
  char *end;
  errno = 0;
  (void)strtod(s, &end);
  return *s && !*end;
}

static void range_text(const cli_opt *d, char *buf, size_t n) {
  if (d->need) snprintf(buf, n, "%s", d->need);
  else if ((d->kind == CLI_INT || d->kind == CLI_UINT) && d->hi >= CLI_HUGE) snprintf(buf, n, "a whole number >= %.0f", d->lo);
  else if (d->kind == CLI_INT || d->kind == CLI_UINT) snprintf(buf, n, "a whole number from %.0f to %.0f", d->lo, d->hi);
  else if (d->kind == CLI_NUMBER && d->hi >= CLI_HUGE) snprintf(buf, n, "a number %s %g", d->lo_open ? ">" : ">=", d->lo);
  else if (d->kind == CLI_NUMBER)
    snprintf(buf, n, "a number in %c%g, %g%c", d->lo_open ? '(' : '[', d->lo, d->hi, d->hi_open ? ')' : ']');
  else if (d->kind == CLI_CHOICE) snprintf(buf, n, "one of %s", d->choices);
  else snprintf(buf, n, "a value");
}

/* How messages name an option: "-j/--threads", "--cell". */
static const char *opt_name(const cli_opt *d, char *buf, size_t n) {
  if (d->short_name) snprintf(buf, n, "-%c/--%s", d->short_name, d->name);
  else snprintf(buf, n, "--%s", d->name);
  return buf;
}

static int bad_value(const char *cmd, const cli_opt *d, const char *arg) {
  char need[200], nm[64];
  range_text(d, need, sizeof need);
  if (d->kind == CLI_CHOICE) {
    char list[200];
    snprintf(list, sizeof list, "%s", d->choices);
    for (char *c = list; *c; c++)
      if (*c == '|') *c = ',';
    return cli_usage_error(cmd, "unknown --%s '%s' (%s)", d->name, arg, list);
  }
  return whole_text(arg) ? cli_usage_error(cmd, "%s needs %s, not %s", opt_name(d, nm, sizeof nm), need, arg)
                         : cli_usage_error(cmd, "%s needs %s, not '%s'", opt_name(d, nm, sizeof nm), need, arg);
}

static int choice_ok(const char *choices, const char *arg) {
  size_t n = strlen(arg);
  for (const char *c = choices; *c;) {
    const char *e = strchr(c, '|');
    size_t k = e ? (size_t)(e - c) : strlen(c);
    if (k == n && !strncmp(c, arg, n)) return 1;
    c += k + (e ? 1 : 0);
    if (!e) break;
  }
  return 0;
}

static int set_value(const char *cmd, cli_opt *d, const char *arg) {
  char *end;
  switch (d->kind) {
  case CLI_FLAG: ++*(int *)d->dest; return 0;
  case CLI_STRING:
    if (!*arg) {
      char nm[64];
      return cli_usage_error(cmd, "%s needs a value", opt_name(d, nm, sizeof nm));
    }
    *(const char **)d->dest = arg;
    return 0;
  case CLI_CHOICE:
    if (!choice_ok(d->choices, arg)) return bad_value(cmd, d, arg);
    *(const char **)d->dest = arg;
    return 0;
  case CLI_INT: {
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (!*arg || *end || errno || v < d->lo || v > d->hi) return bad_value(cmd, d, arg);
    *(long *)d->dest = v;
    return 0;
  }
  case CLI_UINT: {
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (!*arg || *end || errno || v < d->lo || v > d->hi) return bad_value(cmd, d, arg);
    *(unsigned *)d->dest = (unsigned)v;
    return 0;
  }
  case CLI_UINT64: {
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (!*arg || *end || errno || arg[0] == '-') return bad_value(cmd, d, arg);
    *(unsigned long long *)d->dest = v;
    return 0;
  }
  case CLI_NUMBER: {
    errno = 0;
    double v = strtod(arg, &end);
    int ok = *arg && !*end && isfinite(v) && (d->lo_open ? v > d->lo : v >= d->lo) &&
             (d->hi >= CLI_HUGE || (d->hi_open ? v < d->hi : v <= d->hi));
    if (!ok) return bad_value(cmd, d, arg);
    *(double *)d->dest = v;
    return 0;
  }
  case CLI_CUSTOM: return d->check(arg, d->dest) ? bad_value(cmd, d, arg) : 0;
  }
  return 1;
}

/* ---- the parser -------------------------------------------------------------------------------- */


static cli_opt *find_long(cli_opt *own, cli_opt *grp, const char *name, size_t len) {
  for (cli_opt *t = own; t && t->name; t++)
    if (strlen(t->name) == len && !strncmp(t->name, name, len)) return t;
  for (cli_opt *t = grp; t->name; t++)
    if (strlen(t->name) == len && !strncmp(t->name, name, len)) return t;
  return NULL;
}

static cli_opt *find_short(cli_opt *own, cli_opt *grp, char c) {
  for (cli_opt *t = own; t && t->name; t++)
    if (t->short_name == c) return t;
  for (cli_opt *t = grp; t->name; t++)
    if (t->short_name == c) return t;
  return NULL;
}

/* One option under two names (--centres/--centers) is one option: the same destination and kind. */
static int same_option(const cli_opt *a, const cli_opt *b) {
  return a == b || (a->dest == b->dest && a->kind == b->kind && a->check == b->check);
}

/* An option that takes a value, given a second time: an error naming both values (which one was meant is
 * not for the program to guess). Flags may repeat (-v -v); a keyed option (--limit KIND=N) may repeat
 * with another key, not the same one. 0 ok, 1 after the message. */
typedef struct given_value {
  const cli_opt *d;
  const char *val;
} given_value;

/* Whether two values of d are for the same thing: always, unless d is keyed (then the same KEY). */
static int same_key(const cli_opt *d, const char *a, const char *b) {
  if (!d->repeat_sep) return 1;
  size_t la = strcspn(a, (char[]){d->repeat_sep, 0}), lb = strcspn(b, (char[]){d->repeat_sep, 0});
  return la == lb && strncmp(a, b, la) == 0;
}

static int note_value(const char *cmd, given_value *seen, size_t *n, const cli_opt *d, const char *val) {
  char nm[64];
  for (size_t i = 0; i < *n; i++)
    if (same_option(seen[i].d, d) && same_key(d, seen[i].val, val))
      return cli_usage_error(cmd, "%s given twice (%s, %s): give it once", opt_name(d, nm, sizeof nm), seen[i].val, val);
  if (*n < CLI_MAX_OPTS) seen[(*n)++] = (given_value){d, val};
  return 0;
}

/* The value after an option, or an error when there is none: the end of the line, or one of the
 * command's options ("-o --wards w.gpkg" would write to a file called --wards). */
static int value_after(const char *cmd, cli_opt *own, cli_opt *grp, const cli_opt *d, int argc, char **argv, int *i,
                       const char **val) {
  char nm[64];
  const char *next = *i + 1 < argc ? argv[*i + 1] : NULL;
  if (!next) return cli_usage_error(cmd, "%s needs a value", opt_name(d, nm, sizeof nm));
  if (next[0] == '-' && next[1] == '-' && next[2]) {
    size_t len = strcspn(next + 2, "=");
    if (find_long(own, grp, next + 2, len))
      return cli_usage_error(cmd, "%s needs a value (%s is an option)", opt_name(d, nm, sizeof nm), next);
  }
  *val = argv[++*i];
  return 0;
}

int cli_parse_command(const cli_command *cmd, cli_opt *own, struct cli_opts *o, int argc, char **argv) {
  cli_opt grp[CLI_MAX_OPTS];
  cli__group_entries(cmd->groups | CLI_G_GENERAL, cmd, o, grp);
  sm_read_options_init(&o->read, SM_READ_OPTIONS_VERSION);
  o->cmd = cmd->name;
  for (cli_opt *t = own; t && t->name; t++) t->given = 0;
  int only_inputs = 0;
  given_value seen[CLI_MAX_OPTS];
  size_t n_seen = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (only_inputs || a[0] != '-' || !a[1]) {
      if (o->n_inputs == CLI_MAX_INPUTS) return cli_usage_error(cmd->name, "too many inputs; pass a directory or a quoted glob");
      o->inputs[o->n_inputs++] = argv[i];
      continue;
    }
    if (!strcmp(a, "--")) {
      only_inputs = 1;
      continue;
    }
    cli_opt *d;
    const char *val = NULL;
    if (a[1] == '-') {
      const char *eq = strchr(a + 2, '=');
      size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
      d = find_long(own, grp, a + 2, len);
      if (!d) return cli_usage_error(cmd->name, "unknown option %.*s (this command does not take it)", (int)(len + 2), a);
      if (eq) {
        if (d->kind == CLI_FLAG) return cli_usage_error(cmd->name, "--%s takes no value", d->name);
        val = eq + 1;
      }
    } else {
      d = find_short(own, grp, a[1]);
      if (!d) return cli_usage_error(cmd->name, "unknown option -%c (this command does not take it)", a[1]);
      if (d->kind == CLI_FLAG) { /* -qv */
        for (const char *c = a + 1; *c; c++) {
          cli_opt *f = find_short(own, grp, *c);
          if (!f || f->kind != CLI_FLAG) return cli_usage_error(cmd->name, "unknown option -%c in %s", *c, a);
          f->given++, set_value(cmd->name, f, "");
        }
        continue;
      }
      if (a[2]) val = a + 2; /* -j2 */
    }
    if (d->kind != CLI_FLAG && !val && value_after(cmd->name, own, grp, d, argc, argv, &i, &val)) return 1;
    if (d->kind != CLI_FLAG && note_value(cmd->name, seen, &n_seen, d, val)) return 1;
    d->given++;
    if (set_value(cmd->name, d, val ? val : "")) return 1;
  }
  o->read.strict = o->strict;
  /* the own table's given counts go back to the caller's table (grp is local) */
  if (o->help) {
    cli_print_help(stdout, cmd, own);
    return -1;
  }
  return 0;
}

unsigned cli_given(const cli_opt *own, const char *name) {
  for (const cli_opt *t = own; t && t->name; t++)
    if (!strcmp(t->name, name)) return t->given;
  return 0;
}

