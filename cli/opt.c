/* The option-table parser and the generated help (opt.h). */
#include "opt.h"

#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "safemap %s: error: ", cmd);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nTry 'safemap %s --help'.\n", cmd);
  va_end(ap);
  return 1;
}

/* ---- the shared groups ------------------------------------------------------------------------ */

static int parse_extent(const char *arg, void *dest) {
  sm_read_options *r = dest;
  char tail;
  double *e = r->extent;
  if (sscanf(arg, "%lf,%lf,%lf,%lf%c", &e[0], &e[1], &e[2], &e[3], &tail) != 4) return 1;
  for (int k = 0; k < 4; k++)
    if (!isfinite(e[k])) return 1;
  if (!(e[2] > e[0] && e[3] > e[1])) return 1;
  r->has_extent = 1;
  return 0;
}

static long g_threads;

/* The groups' tables, pointing into o. */

/* The entries of the groups in `groups` (and the general ones with CLI_G_GENERAL), pointing into o. */
static const char *g_extent_help = "keep incidents in this box (analysis-CRS metres)";

static size_t group_entries(unsigned groups, struct cli_opts *o, cli_opt *t);

size_t cli__group_entries(unsigned groups, const cli_command *cmd, struct cli_opts *o, cli_opt *t) {
  g_extent_help = cmd && cmd->extent_means ? cmd->extent_means : "keep incidents in this box (analysis-CRS metres)";
  return group_entries(groups, o, t);
}

static size_t group_entries(unsigned groups, struct cli_opts *o, cli_opt *t) {
  size_t n = 0;
#define ADD(...) (t[n++] = (cli_opt)__VA_ARGS__)
  if (groups & CLI_G_OUTPUT) {
    ADD({"output", 'o', CLI_STRING, &o->output, "PATH", "output file; its format from the extension", 0, 0, 0, 0, NULL, NULL, NULL, 0});
    ADD(CLI_O_FLAG("overwrite", 0, &o->overwrite, "replace an existing output"));
  }
  if (groups & CLI_G_AREAS) {
    ADD(CLI_O_STRING("wards", &o->wards, "PATH", "area polygons (wards, LSOAs): any OGR source"));
    ADD(CLI_O_STRING("wards-layer", &o->wards_layer, "NAME", "the layer of --wards (default: the first)"));
    ADD(CLI_O_STRING("wards-crs", &o->wards_crs, "CRS", "CRS of --wards when the file does not say"));
    ADD(CLI_O_STRING("id-field", &o->id_field, "F", "area id column (default: detected, e.g. WD24CD, GSS_CODE)"));
    ADD(CLI_O_STRING("name-field", &o->name_field, "F", "area name column (default: detected, e.g. WD24NM, NAME)"));
  }
  if (groups & CLI_G_INPUT) {
    ADD(CLI_O_STRING("layer", &o->read.layer, "NAME", "the layer of an OGR source (GeoPackage, PostGIS table)"));
    ADD(CLI_O_STRING("x", &o->read.x_field, "COL", "projected x column of a CSV (with --y and --crs)"));
    ADD(CLI_O_STRING("y", &o->read.y_field, "COL", "projected y column of a CSV"));
    ADD(CLI_O_STRING("lon", &o->read.lon_field, "COL", "longitude column of a CSV (with --lat)"));
    ADD(CLI_O_STRING("lat", &o->read.lat_field, "COL", "latitude column of a CSV"));
    ADD(CLI_O_STRING("crs", &o->read.crs, "CRS", "CRS of the input coordinates (EPSG:27700, ...)"));
    ADD(CLI_O_STRING("analysis-crs", &o->read.analysis_crs, "CRS", "CRS of the analysis, in metres (default: British\n"
                                                                 "National Grid in Great Britain, else the UTM zone)"));
    ADD(CLI_O_STRING("time", &o->read.time_field, "COL", "time column (ISO date, date-time, YYYY-MM, DD/MM/YYYY)"));
    ADD(CLI_O_STRING("weight", &o->read.weight_field, "COL", "weight column (default: each incident counts 1)"));
    ADD(CLI_O_STRING("category", &o->read.category_field, "COL", "category column (police.uk: Crime type)"));
    ADD(CLI_O_STRING("type", &o->read.types, "LIST", "keep these categories, comma-separated (Burglary,Robbery)"));
    ADD(CLI_O_STRING("from", &o->read.time_from, "DATE", "keep incidents from this month or day (inclusive)"));
    ADD(CLI_O_STRING("to", &o->read.time_to, "DATE", "keep incidents up to this month or day (inclusive)"));
    ADD(CLI_O_CUSTOM("extent", &o->read, "XMIN,YMIN,XMAX,YMAX", "xmin,ymin,xmax,ymax in metres", parse_extent,
                     g_extent_help));
  }
  if ((groups & CLI_G_GENERAL) && (groups & CLI_G_SEED))
    ADD({"seed", 0, CLI_UINT64, &o->seed, "N", "seed of the random draws (default 0): the same seed gives the same\n"
                                               "results for any number of threads", 0, 0, 0, 0, "a whole number", NULL, NULL, 0});
  if ((groups & CLI_G_GENERAL) && (groups & CLI_G_STRICT))
    ADD(CLI_O_FLAG("strict", 0, &o->strict, "stop at the first bad row or invalid polygon"));
  if (!(groups & CLI_G_GENERAL)) goto done;
  ADD({"threads", 'j', CLI_INT, &g_threads, "N", "threads (default 0: all cores)", 0, 4096, 0, 0,
       "a number >= 0 (0 = all cores)", NULL, NULL, 0});
  ADD(CLI_O_FLAG("quiet", 'q', &o->quiet, "errors only"));
  ADD(CLI_O_FLAG("verbose", 'v', &o->verbose, "more detail (twice: debugging)"));
  ADD(CLI_O_FLAG("help", 'h', &o->help, "this help"));
done:
#undef ADD
  t[n] = (cli_opt)CLI_O_END;
  return n;
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

static int bad_value(const char *cmd, const cli_opt *d, const char *arg) {
  char need[200];
  range_text(d, need, sizeof need);
  if (d->kind == CLI_CHOICE) {
    char list[200];
    snprintf(list, sizeof list, "%s", d->choices);
    for (char *c = list; *c; c++)
      if (*c == '|') *c = ',';
    return cli_usage_error(cmd, "unknown --%s '%s' (%s)", d->name, arg, list);
  }
  return whole_text(arg) ? cli_usage_error(cmd, "--%s needs %s, not %s", d->name, need, arg)
                         : cli_usage_error(cmd, "--%s needs %s, not '%s'", d->name, need, arg);
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
    if (!*arg) return cli_usage_error(cmd, "--%s needs a value", d->name);
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

int cli_parse_command(const cli_command *cmd, cli_opt *own, struct cli_opts *o, int argc, char **argv) {
  cli_opt grp[CLI_MAX_OPTS];
  g_threads = o->threads;
  cli__group_entries(cmd->groups | CLI_G_GENERAL, cmd, o, grp);
  sm_read_options_init(&o->read, SM_READ_OPTIONS_VERSION);
  o->cmd = cmd->name;
  for (cli_opt *t = own; t && t->name; t++) t->given = 0;
  int only_inputs = 0;
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
    if (d->kind != CLI_FLAG && !val) {
      if (i + 1 >= argc) return cli_usage_error(cmd->name, "option needs a value: %s", a);
      val = argv[++i];
    }
    d->given++;
    if (set_value(cmd->name, d, val ? val : "")) return 1;
  }
  o->threads = (int)g_threads;
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

