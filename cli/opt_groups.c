/* The option groups several commands share (opt.h: CLI_G_INPUT, CLI_G_AREAS, CLI_G_OUTPUT and the
 * general ones), as table entries pointing into the shared cli_opts. */
#include "opt.h"

#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* --limit KIND=N: the kind as the library names it, N a number > 0 (1e9 is fine); into limits[kind]. */
static int parse_limit(const char *arg, void *dest) {
  double *limits = dest;
  const char *eq = strchr(arg, '=');
  char kind[32], *end;
  if (!eq || (size_t)(eq - arg) >= sizeof kind) return 1;
  memcpy(kind, arg, (size_t)(eq - arg)), kind[eq - arg] = '\0';
  sm_limit k;
  if (sm_limit_from_name(NULL, kind, &k) != SM_OK) return 1;
  double v = strtod(eq + 1, &end);
  if (end == eq + 1 || *end || !isfinite(v) || !(v > 0)) return 1;
  limits[k] = v;
  return 0;
}

/* --memory-limit SIZE (8G, 512M, 60%): the library reads it; into limits[SM_LIMIT_MEMORY]. */
static int parse_memory(const char *arg, void *dest) {
  double *limits = dest;
  return sm_memory_size_from_text(NULL, arg, &limits[SM_LIMIT_MEMORY]) != SM_OK;
}

/* The entries of the groups in `groups` (and the general ones with CLI_G_GENERAL), pointing into o. */
size_t cli__group_entries(unsigned groups, const cli_command *cmd, struct cli_opts *o, cli_opt *t) {
  const char *extent_help = cmd && cmd->extent_means ? cmd->extent_means : "keep incidents in this box (analysis-CRS metres)";
  size_t n = 0;
#define ADD(...) (t[n++] = (cli_opt)__VA_ARGS__)
  if (groups & CLI_G_OUTPUT) {
    ADD({"output", 'o', CLI_STRING, &o->output, "PATH", "output file; its format from the extension", 0, 0, 0, 0, NULL, NULL, NULL, 0, 0});
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
    ADD(CLI_O_STRING("category", &o->read.category_field, "COL", "category column: text or whole-number codes (police.uk: Crime type)"));
    ADD(CLI_O_STRING("type", &o->read.types, "LIST", "keep these categories, comma-separated (Burglary,Robbery)"));
    ADD(CLI_O_STRING("from", &o->read.time_from, "DATE", "keep incidents from this month or day (inclusive)"));
    ADD(CLI_O_STRING("to", &o->read.time_to, "DATE", "keep incidents up to this month or day (inclusive)"));
    ADD(CLI_O_CUSTOM("extent", &o->read, "XMIN,YMIN,XMAX,YMAX", "xmin,ymin,xmax,ymax in metres", parse_extent,
                     extent_help));
  }
  if ((groups & CLI_G_GENERAL) && (groups & CLI_G_SEED))
    ADD({"seed", 0, CLI_UINT64, &o->seed, "N", "seed of the random draws (default 0): the same seed gives the same\n"
                                               "results for any number of threads", 0, 0, 0, 0, "a whole number", NULL, NULL, 0, 0});
  if ((groups & CLI_G_GENERAL) && (groups & CLI_G_STRICT))
    ADD(CLI_O_FLAG("strict", 0, &o->strict, "stop at the first bad row or invalid polygon"));
  if (!(groups & CLI_G_GENERAL)) goto done;
  ADD({"threads", 'j', CLI_INT, &o->threads, "N", "threads (default 0: all cores)", 0, 4096, 0, 0,
       "a number >= 0 (0 = all cores)", NULL, NULL, 0, 0});
  ADD(CLI_O_CUSTOM("limit", o->limits, "KIND=N",
                   "KIND one of cells, units, steps, bins, pairs, circles, permutations, memory; N a number > 0",
                   parse_limit,
                   "raise (or lower) a size limit: cells=4e8 (grids), units=1e8 (fishnet\n"
                   "cells), steps=1e5, bins=1e8 (cells x steps), pairs=2e8, circles=2.7e8,\n"
                   "permutations=1e11 (x units); may be repeated (docs/README.md, Limits)"));
  t[n - 1].repeat_sep = '='; /* --limit cells=1e9 --limit units=1e9: one value per KIND */
  ADD(CLI_O_CUSTOM("memory-limit", o->limits, "SIZE", "a size: 8G, 512M (powers of 1024), 8e9 bytes, or 60%", parse_memory,
                   "memory a run may hold (default half the machine's): a surface\n"
                   "larger than that is computed and written in bands; other runs\n"
                   "that would need more are refused before they start"));
  ADD(CLI_O_FLAG("quiet", 'q', &o->quiet, "errors only"));
  ADD(CLI_O_FLAG("verbose", 'v', &o->verbose, "more detail (twice: debugging)"));
  ADD(CLI_O_FLAG("help", 'h', &o->help, "this help"));
done:
#undef ADD
  t[n] = (cli_opt)CLI_O_END;
  return n;
}
