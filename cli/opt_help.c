/* The --help of a command, generated from its option table and groups (opt.h). */
#include "opt.h"

#include "cli.h"

#include <string.h>

/* ---- the help ---------------------------------------------------------------------------------- */

static void print_opt(FILE *f, const cli_opt *d) {
  if (!d->help) return; /* an alias (--optimized, --centers) */
  char head[64];
  const char *mv = d->kind == CLI_CHOICE ? d->choices : d->metavar;
  if (d->short_name)
    snprintf(head, sizeof head, "-%c, --%s%s%s", d->short_name, d->name, mv ? " " : "", mv ? mv : "");
  else snprintf(head, sizeof head, "--%s%s%s", d->name, mv ? " " : "", mv ? mv : "");
  const char *h = d->help ? d->help : "";
  int first = 1;
  if (strlen(head) > 22) fprintf(f, "  %s\n", head), first = 0;
  do {
    const char *nl = strchr(h, '\n');
    int len = nl ? (int)(nl - h) : (int)strlen(h);
    fprintf(f, "  %-22s %.*s\n", first ? head : "", len, h);
    first = 0;
    h = nl ? nl + 1 : NULL;
  } while (h);
}

static int overridden(const cli_opt *own, const char *name) {
  for (const cli_opt *t = own; t && t->name; t++)
    if (!strcmp(t->name, name)) return 1;
  return 0;
}

void cli_print_help(FILE *f, const cli_command *cmd, const cli_opt *own) {
  struct cli_opts dummy;
  memset(&dummy, 0, sizeof dummy);
  cli_opt grp[CLI_MAX_OPTS];
  const char *s = cmd->synopsis;
  for (int first = 1; s && *s; first = 0) {
    const char *nl = strchr(s, '\n');
    int len = nl ? (int)(nl - s) : (int)strlen(s);
    fprintf(f, "%s safemap %s %.*s\n", first ? "Usage:" : "      ", cmd->name, len, s);
    s = nl ? nl + 1 : s + len;
  }
  if (cmd->description) fprintf(f, "\n%s", cmd->description);
  if (own && own->name) {
    fprintf(f, "\nOptions:\n");
    for (const cli_opt *t = own; t->name; t++) print_opt(f, t);
  }
  static const struct {
    unsigned g;
    const char *title;
  } sections[] = {{CLI_G_OUTPUT, "Output"},
                  {CLI_G_AREAS, "Areas"},
                  {CLI_G_INPUT, "Input columns and filters (police.uk CSVs need none)"},
                  {CLI_G_GENERAL, "General"}};
  for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++) {
    if (!((cmd->groups | CLI_G_GENERAL) & sections[k].g)) continue;
    cli__group_entries(sections[k].g == CLI_G_GENERAL ? (cmd->groups | CLI_G_GENERAL) & ~(unsigned)(CLI_G_INPUT | CLI_G_AREAS | CLI_G_OUTPUT)
                                                 : sections[k].g,
                  cmd, &dummy, grp);
    fprintf(f, "\n%s:\n", sections[k].title);
    for (const cli_opt *t = grp; t->name; t++)
      if (!overridden(own, t->name)) print_opt(f, t);
  }
  if (cmd->examples) {
    fprintf(f, "\nExamples:\n");
    for (const char *e = cmd->examples; *e;) {
      const char *nl = strchr(e, '\n');
      int len = nl ? (int)(nl - e) : (int)strlen(e);
      fprintf(f, "  %.*s\n", len, e);
      e = nl ? nl + 1 : e + len;
    }
  }
}
