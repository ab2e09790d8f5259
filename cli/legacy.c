/* Options, messages and the progress bar shared by every subcommand. */
/* TEMPORARY: the shared options of the commands not yet moved to option tables (opt.h). */
#include "cli.h"
#include "legacy.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
  O_WARDS = 256, O_WARDS_LAYER, O_WARDS_CRS, O_ID_FIELD, O_NAME_FIELD, O_LAYER, O_X, O_Y, O_LON, O_LAT, O_CRS,
  O_ACRS, O_TIME, O_WEIGHT, O_CATEGORY, O_TYPE, O_FROM, O_TO, O_EXTENT, O_OVERWRITE, O_STRICT, O_SEED,
  O_BANDWIDTH, O_KERNEL, O_CONVENTION, O_UNITS, O_CELL, O_GCUT, O_FLOAT64, O_COG, O_HSA, O_EDGE, O_COMPARE, O_CFROM, O_CTO, O_DUAL, O_EPS, O_NORM, O_ADAPT, O_PILOT, O_TRIM, O_BAND, O_PERM, O_GRID, O_WEIGHTS, O_KNN, O_MINNB, O_RATEF, O_PER, O_OPTIMISED, O_BIN, O_TLAG, O_RULES, O_TALPHA, O_GWIN, O_REF, O_SBANDS, O_TBANDS, O_DIST, O_CLOSED, O_TUNIT, O_BACKTEST, O_AT, O_SBW, O_TBW, O_KDEM, O_COV, O_WARM, O_MSHARE, O_MRAD, O_MWIN, O_PROSP, O_CENTRES, O_METHOD, O_EVAL, O_KDEW
};

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"wards", required_argument, NULL, O_WARDS},
    {"wards-layer", required_argument, NULL, O_WARDS_LAYER},
    {"wards-crs", required_argument, NULL, O_WARDS_CRS},
    {"id-field", required_argument, NULL, O_ID_FIELD},
    {"name-field", required_argument, NULL, O_NAME_FIELD},
    {"layer", required_argument, NULL, O_LAYER},
    {"x", required_argument, NULL, O_X},
    {"y", required_argument, NULL, O_Y},
    {"lon", required_argument, NULL, O_LON},
    {"lat", required_argument, NULL, O_LAT},
    {"crs", required_argument, NULL, O_CRS},
    {"analysis-crs", required_argument, NULL, O_ACRS},
    {"time", required_argument, NULL, O_TIME},
    {"weight", required_argument, NULL, O_WEIGHT},
    {"category", required_argument, NULL, O_CATEGORY},
    {"type", required_argument, NULL, O_TYPE},
    {"from", required_argument, NULL, O_FROM},
    {"to", required_argument, NULL, O_TO},
    {"extent", required_argument, NULL, O_EXTENT},
    {"threads", required_argument, NULL, 'j'},
    {"overwrite", no_argument, NULL, O_OVERWRITE},
    {"strict", no_argument, NULL, O_STRICT},
    {"seed", required_argument, NULL, O_SEED},
    {"bandwidth", required_argument, NULL, O_BANDWIDTH},
    {"kernel", required_argument, NULL, O_KERNEL},
    {"convention", required_argument, NULL, O_CONVENTION},
    {"units", required_argument, NULL, O_UNITS},
    {"cell", required_argument, NULL, O_CELL},
    {"gaussian-cutoff", required_argument, NULL, O_GCUT},
    {"float64", no_argument, NULL, O_FLOAT64},
    {"cog", no_argument, NULL, O_COG},
    {"hotspot-areas", required_argument, NULL, O_HSA},
    {"edge", required_argument, NULL, O_EDGE},
    {"compare", required_argument, NULL, O_COMPARE},
    {"compare-from", required_argument, NULL, O_CFROM},
    {"compare-to", required_argument, NULL, O_CTO},
    {"dual", required_argument, NULL, O_DUAL},
    {"epsilon", required_argument, NULL, O_EPS},
    {"normalise", no_argument, NULL, O_NORM},
    {"adaptive", no_argument, NULL, O_ADAPT},
    {"pilot-bandwidth", required_argument, NULL, O_PILOT},
    {"trim", required_argument, NULL, O_TRIM},
    {"band", required_argument, NULL, O_BAND},
    {"permutations", required_argument, NULL, O_PERM},
    {"grid", required_argument, NULL, O_GRID},
    {"weights", required_argument, NULL, O_WEIGHTS},
    {"neighbours", required_argument, NULL, O_KNN},
    {"min-neighbours", required_argument, NULL, O_MINNB},
    {"rate-field", required_argument, NULL, O_RATEF},
    {"per", required_argument, NULL, O_PER},
    {"optimised", no_argument, NULL, O_OPTIMISED},
    {"bin", required_argument, NULL, O_BIN},
    {"time-lag", required_argument, NULL, O_TLAG},
    {"rules", required_argument, NULL, O_RULES},
    {"trend-alpha", required_argument, NULL, O_TALPHA},
    {"global-window", required_argument, NULL, O_GWIN},
    {"reference", required_argument, NULL, O_REF},
    {"space-bands", required_argument, NULL, O_SBANDS},
    {"time-bands", required_argument, NULL, O_TBANDS},
    {"distance", required_argument, NULL, O_DIST},
    {"closed", required_argument, NULL, O_CLOSED},
    {"time-unit", required_argument, NULL, O_TUNIT},
    {"backtest", no_argument, NULL, O_BACKTEST},
    {"at", required_argument, NULL, O_AT},
    {"space-bandwidth", required_argument, NULL, O_SBW},
    {"time-bandwidth", required_argument, NULL, O_TBW},
    {"kde-months", required_argument, NULL, O_KDEM},
    {"kde-weeks", required_argument, NULL, O_KDEW},
    {"coverage", required_argument, NULL, O_COV},
    {"warmup", required_argument, NULL, O_WARM},
    {"max-share", required_argument, NULL, O_MSHARE},
    {"max-radius", required_argument, NULL, O_MRAD},
    {"max-window", required_argument, NULL, O_MWIN},
    {"prospective", no_argument, NULL, O_PROSP},
    {"centres", required_argument, NULL, O_CENTRES},
    {"method", required_argument, NULL, O_METHOD},
    {"evaluate", required_argument, NULL, O_EVAL},
    {"centers", required_argument, NULL, O_CENTRES},
    {"optimized", no_argument, NULL, O_OPTIMISED},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int legacy_usage_error(const legacy_opts *o, const char *msg, const char *arg) {
  fprintf(stderr, "safemap %s: error: %s%s%s\nTry 'safemap %s --help'.\n", o->cmd, msg, arg ? " " : "", arg ? arg : "", o->cmd);
  return 1;
}

int legacy_parse(legacy_opts *o, int argc, char **argv, const char *usage) {
  sm_read_options_init(&o->read, SM_READ_OPTIONS_VERSION);
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":o:j:qvh", long_opts, NULL)) != -1) {
    switch (c) {
    case 'o': o->output = optarg; break;
    case O_WARDS: o->wards = optarg; break;
    case O_WARDS_LAYER: o->wards_layer = optarg; break;
    case O_WARDS_CRS: o->wards_crs = optarg; break;
    case O_ID_FIELD: o->id_field = optarg; break;
    case O_NAME_FIELD: o->name_field = optarg; break;
    case O_LAYER: o->read.layer = optarg; break;
    case O_X: o->read.x_field = optarg; break;
    case O_Y: o->read.y_field = optarg; break;
    case O_LON: o->read.lon_field = optarg; break;
    case O_LAT: o->read.lat_field = optarg; break;
    case O_CRS: o->read.crs = optarg; break;
    case O_ACRS: o->read.analysis_crs = optarg; break;
    case O_TIME: o->read.time_field = optarg; break;
    case O_WEIGHT: o->read.weight_field = optarg; break;
    case O_CATEGORY: o->read.category_field = optarg; break;
    case O_TYPE: o->read.types = optarg; break;
    case O_FROM: o->read.time_from = optarg; break;
    case O_TO: o->read.time_to = optarg; break;
    case O_EXTENT: {
      double *e = o->read.extent;
      char tail;
      if (sscanf(optarg, "%lf,%lf,%lf,%lf%c", &e[0], &e[1], &e[2], &e[3], &tail) != 4)
        return legacy_usage_error(o, "--extent needs xmin,ymin,xmax,ymax in metres, not", optarg);
      o->read.has_extent = 1;
      break;
    }
    case 'j': {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v < 0 || v > 4096) return legacy_usage_error(o, "-j/--threads needs a number >= 0 (0 = all cores), not", optarg);
      o->threads = (int)v;
      break;
    }
    case O_SEED: {
      char *end;
      o->seed = strtoull(optarg, &end, 10);
      if (*end) return legacy_usage_error(o, "--seed needs a whole number, not", optarg);
      break;
    }
    case O_BANDWIDTH: o->bandwidth = optarg; break;
    case O_KERNEL: o->kernel = optarg; break;
    case O_CONVENTION: o->convention = optarg; break;
    case O_UNITS: o->units = optarg; break;
    case O_CELL: o->cell = optarg; break;
    case O_GCUT: o->gaussian_cutoff = optarg; break;
    case O_FLOAT64: o->float64 = 1; break;
    case O_COG: o->cog = 1; break;
    case O_HSA: o->hotspot_areas = optarg; break;
    case O_EDGE: o->edge = optarg; break;
    case O_COMPARE: o->compare = optarg; break;
    case O_CFROM: o->compare_from = optarg; break;
    case O_CTO: o->compare_to = optarg; break;
    case O_DUAL: o->dual = optarg; break;
    case O_EPS: o->epsilon = optarg; break;
    case O_NORM: o->normalise = 1; break;
    case O_ADAPT: o->adaptive = 1; break;
    case O_PILOT: o->pilot = optarg; break;
    case O_TRIM: o->trim = optarg; break;
    case O_BAND: o->band = optarg; break;
    case O_GRID: o->grid = optarg; break;
    case O_WEIGHTS: o->weights = optarg; break;
    case O_RATEF: o->rate_field = optarg; break;
    case O_PER: {
      char *end;
      o->per = strtod(optarg, &end);
      if (*end || !(o->per > 0) || !isfinite(o->per)) return legacy_usage_error(o, "--per needs a number > 0, not", optarg);
      break;
    }
    case O_MINNB: {
      char *end;
      o->min_neighbours = strtol(optarg, &end, 10);
      if (*end || o->min_neighbours < 1 || o->min_neighbours > 1000)
        return legacy_usage_error(o, "--min-neighbours needs a whole number from 1 to 1000, not", optarg);
      break;
    }
    case O_KNN: {
      char *end;
      o->knn = strtol(optarg, &end, 10);
      if (*end || o->knn < 1 || o->knn > 1000)
        return legacy_usage_error(o, "--neighbours needs a whole number from 1 to 1000, not", optarg);
      break;
    }
    case O_PERM: {
      char *end;
      o->permutations = strtol(optarg, &end, 10);
      if (*end || o->permutations < 1 || o->permutations > 1000000)
        return legacy_usage_error(o, "--permutations needs a whole number from 1 to 1000000, not", optarg);
      break;
    }
    case O_OPTIMISED: o->optimised = 1; break;
    case O_BIN: o->bin = optarg; break;
    case O_RULES: o->rules = optarg; break;
    case O_GWIN: o->global_window = optarg; break;
    case O_SBANDS: o->space_bands = optarg; break;
    case O_TBANDS: o->time_bands = optarg; break;
    case O_DIST: o->distance = optarg; break;
    case O_CLOSED: o->closed = optarg; break;
    case O_TUNIT: o->time_unit = optarg; break;
    case O_BACKTEST: o->backtest = 1; break;
    case O_PROSP: o->prospective = 1; break;
    case O_CENTRES: o->centres = optarg; break;
    case O_METHOD: o->method = optarg; break;
    case O_EVAL: o->evaluate = optarg; break;
    case O_MSHARE: {
      char *end;
      o->max_share = strtod(optarg, &end);
      if (*end || !(o->max_share > 0 && o->max_share <= 1)) return legacy_usage_error(o, "--max-share needs a share in (0, 1], not", optarg);
      break;
    }
    case O_MRAD: {
      char *end;
      o->max_radius = strtod(optarg, &end);
      if (*end || !(o->max_radius > 0) || !isfinite(o->max_radius)) return legacy_usage_error(o, "--max-radius needs metres > 0, not", optarg);
      break;
    }
    case O_MWIN: {
      char *end;
      o->max_window = strtol(optarg, &end, 10);
      if (*end || o->max_window < 1 || o->max_window > 100000) return legacy_usage_error(o, "--max-window needs a whole number of steps >= 1, not", optarg);
      break;
    }
    case O_AT: o->at = optarg; break;
    case O_COV: o->coverage = optarg; break;
    case O_SBW:
    case O_TBW:
    case O_KDEM:
    case O_KDEW:
    case O_WARM: {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v < 1 || v > 1000) return legacy_usage_error(o, "this option needs a whole number from 1 to 1000, not", optarg);
      if (c == O_SBW) o->space_bandwidth = v;
      else if (c == O_TBW) o->time_bandwidth = v;
      else if (c == O_KDEM) o->kde_months = v;
      else if (c == O_KDEW) o->kde_weeks = v;
      else o->warmup = v;
      break;
    }
    case O_REF: {
      sm_time_res r;
      if (sm_time_parse(optarg, strlen(optarg), &o->reference, &r)) return legacy_usage_error(o, "--reference needs a date (YYYY-MM-DD), not", optarg);
      o->has_reference = 1;
      break;
    }
    case O_TLAG: {
      char *end;
      o->time_lag = strtol(optarg, &end, 10);
      if (*end || o->time_lag < 0 || o->time_lag > 100)
        return legacy_usage_error(o, "--time-lag needs a whole number from 0 to 100, not", optarg);
      o->has_time_lag = 1;
      break;
    }
    case O_TALPHA: {
      char *end;
      o->trend_alpha = strtod(optarg, &end);
      if (*end || !(o->trend_alpha > 0 && o->trend_alpha < 1))
        return legacy_usage_error(o, "--trend-alpha needs a number between 0 and 1, not", optarg);
      break;
    }
    case O_OVERWRITE: o->overwrite = 1; break;
    case O_STRICT: o->strict = o->read.strict = 1; break;
    case 'q': o->quiet = 1; break;
    case 'v': o->verbose++; break;
    case 'h': o->help = 1; break;
    case ':': return legacy_usage_error(o, "option needs a value:", argv[optind - 1]);
    default: return legacy_usage_error(o, "unknown option", argv[optind - 1]);
    }
  }
  if (o->help) {
    fputs(usage, stdout);
    return 0;
  }
  for (int i = optind; i < argc; i++) {
    if (o->n_inputs == LEGACY_MAX_INPUTS) return legacy_usage_error(o, "too many inputs; pass a directory or a quoted glob", NULL);
    o->inputs[o->n_inputs++] = argv[i];
  }
  return 0;
}

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

static void legacy_clear_progress(void) {
  if (g_term.bar && g_term.last >= 0) {
    fprintf(stderr, "\r%80s\r", "");
    g_term.last = -1;
  }
}

static void log_sink(sm_log_level level, const char *msg, void *user) {
  (void)user;
  legacy_clear_progress();
  static const char *const names[] = {"error", "warning", "info", "debug"};
  fprintf(stderr, "safemap: %s: %s\n", names[level], msg);
}

sm_ctx *legacy_ctx(const legacy_opts *o) {
  sm_ctx *ctx = NULL;
  if (sm_ctx_create(&ctx) != SM_OK) {
    fprintf(stderr, "safemap: out of memory\n");
    return NULL;
  }
  sm_ctx_set_threads(ctx, o->threads);
  sm_ctx_set_seed(ctx, o->seed);
  sm_log_level lvl = o->quiet ? SM_LOG_ERROR : o->verbose >= 2 ? SM_LOG_DEBUG : o->verbose ? SM_LOG_INFO : SM_LOG_WARNING;
  sm_ctx_set_log(ctx, log_sink, lvl, NULL);
  g_term.bar = !o->quiet && isatty(2);
  g_term.last = -1;
  if (g_term.bar) sm_ctx_set_progress(ctx, progress, &g_term);
  return ctx;
}

void legacy_ctx_done(sm_ctx *ctx) {
  legacy_clear_progress();
  sm_ctx_destroy(ctx);
}


int legacy_fail(const legacy_opts *o, sm_ctx *ctx, sm_status st) {
  legacy_clear_progress();
  const char *msg = ctx ? sm_ctx_last_error(ctx) : "";
  fprintf(stderr, "safemap %s: error: %s\n", o->cmd, msg && *msg ? msg : sm_status_str(st));
  return cli_exit_code(st);
}


sm_status legacy_read_points(const legacy_opts *o, sm_ctx *ctx, sm_points **pts) {
  return sm_points_read(ctx, pts, o->inputs, o->n_inputs, &o->read);
}

sm_status legacy_read_areas(const legacy_opts *o, sm_ctx *ctx, const sm_points *pts, sm_areas **areas) {
  sm_areas_options ao;
  sm_areas_options_init(&ao, SM_AREAS_OPTIONS_VERSION);
  ao.layer = o->wards_layer;
  ao.id_field = o->id_field;
  ao.name_field = o->name_field;
  ao.crs = o->wards_crs;
  ao.analysis_crs = pts ? sm_points_crs(pts) : o->read.analysis_crs;
  ao.strict = o->strict;
  ao.value_field = o->rate_field;
  return sm_areas_read(ctx, areas, o->wards, &ao);
}


void legacy_points_extent(const sm_points *p, double cell, double e[4]) {
  const double *x = sm_points_x(p), *y = sm_points_y(p);
  e[0] = e[1] = INFINITY, e[2] = e[3] = -INFINITY;
  for (size_t i = 0; i < sm_points_count(p); i++)
    e[0] = fmin(e[0], x[i]), e[1] = fmin(e[1], y[i]), e[2] = fmax(e[2], x[i]), e[3] = fmax(e[3], y[i]);
  /* the farthest point must fall in a cell: cells are [a, a + cell), so a span of whole cells gets one more */
  for (int k = 0; k < 2; k++) {
    double span = e[k + 2] - e[k];
    if (!(span > 0) || floor(span / cell) == span / cell) e[k + 2] += cell;
  }
}

sm_status legacy_locations(const legacy_opts *o, sm_ctx *ctx, const sm_points *p, const sm_areas *areas, int wards_units,
                        int hexagons, double cell, const double *extent, sm_units **u, size_t *n_units,
                        int32_t **unit_of_point, size_t *outside) {
  size_t n = sm_points_count(p);
  (void)o;
  *u = NULL, *n_units = 0;
  *unit_of_point = malloc((n ? n : 1) * sizeof **unit_of_point);
  if (!*unit_of_point) return SM_E_NOMEM;
  if (wards_units) {
    *n_units = sm_areas_count(areas);
    return sm_areas_locate(ctx, areas, p, *unit_of_point, outside);
  }
  double e[4];
  if (extent) memcpy(e, extent, sizeof e);
  else if (areas) sm_areas_extent(areas, e);
  else legacy_points_extent(p, cell, e);
  sm_status st = hexagons ? sm_units_hexagons(ctx, u, e, cell, sm_points_crs(p), areas)
                          : sm_units_fishnet(ctx, u, e, cell, sm_points_crs(p), areas);
  if (!st) *n_units = sm_units_count(*u), st = sm_units_locate(ctx, *u, p, *unit_of_point, outside);
  return st;
}

int legacy_grid_choice(const legacy_opts *o, int *hexagons, int *wards_units) {
  *hexagons = o->grid && !strcmp(o->grid, "hexagon");
  *wards_units = o->wards && !(o->grid && (!strcmp(o->grid, "fishnet") || *hexagons));
  if (o->grid && strcmp(o->grid, "fishnet") && strcmp(o->grid, "wards") && !*hexagons) {
    fprintf(stderr, "safemap %s: error: unknown --grid '%s' (wards, fishnet, hexagon)\n", o->cmd, o->grid);
    return 1;
  }
  if (o->grid && !strcmp(o->grid, "wards") && !o->wards) {
    fprintf(stderr, "safemap %s: error: --grid wards needs --wards\n", o->cmd);
    return 1;
  }
  return 0;
}

/* ---- the optimised distance band, in words (hotspots --optimised, emerging --band auto) ---- */

void legacy_optimised_band_text(const sm_ohsa_band *b, char *buf, size_t size) {
  int k = 0;
  if (b->rule == SM_OHSA_BAND_FIRST_PEAK || b->rule == SM_OHSA_BAND_MAX_PEAK) {
    size_t i = b->rule == SM_OHSA_BAND_FIRST_PEAK ? b->first_peak : b->max_peak;
    k = snprintf(buf, size, "%g m: the %s peak of incremental spatial autocorrelation (global Moran's I z %.2f)",
                 b->band_m, b->rule == SM_OHSA_BAND_FIRST_PEAK ? "first" : "highest", b->isa[i].moran.z);
  } else {
    k = snprintf(buf, size, "%g m: no peak of incremental spatial autocorrelation, so %s", b->band_m,
                 b->rule == SM_OHSA_BAND_KNN ? "the mean distance to the k-th nearest unit" : "one standard distance");
    if (k > 0 && (size_t)k < size)
      k += snprintf(buf + k, size - (size_t)k, " (k = %zu, mean %.1f m, standard distance %.1f m)", b->knn_k,
                    b->knn_mean_m, b->standard_distance_m);
  }
  if (k > 0 && (size_t)k < size && b->raised_to_min)
    snprintf(buf + k, size - (size_t)k, "; raised to 0.1%% of the extent (%.1f m)", b->min_band_m);
}

/* The incremental spatial autocorrelation run: "band z" pairs. */
void legacy_optimised_isa_text(const sm_ohsa_band *b, char *buf, size_t size) {
  int k = snprintf(buf, size, "%zu bands from %.3f m by %.3f m%s%s:", b->n_isa, b->isa_start_m, b->isa_increment_m,
                   b->isa_rescaled ? " (spread below one standard distance)" : "", b->grid ? " (grid: +0.001 m)" : "");
  for (size_t i = 0; i < b->n_isa && k > 0 && (size_t)k < size; i++)
    k += snprintf(buf + k, size - (size_t)k, "%s %.1f m z %.2f", i ? "," : "", b->isa[i].band_m, b->isa[i].moran.z);
}

/* ---- a main table and its companion (count, emerging, scan) ---- */

char *legacy_companion_csv(const char *out, const char *suffix, int *csv) {
  size_t n = out ? strlen(out) : 0;
  *csv = n > 4 && (!strcmp(out + n - 4, ".csv") || !strcmp(out + n - 4, ".CSV"));
  if (!*csv) return NULL;
  size_t len = n - 4 + strlen(suffix) + 5;
  char *p = malloc(len);
  if (p) snprintf(p, len, "%.*s%s.csv", (int)(n - 4), out, suffix);
  return p;
}

sm_status legacy_write_two(sm_ctx *ctx, const char *out, const char *companion, sm_layer *first, sm_layer *second,
                        const sm_write_options *wo) {
  if (!companion) {
    sm_layer *both[2] = {first, second};
    return sm_write_layers(ctx, out, both, 2, wo);
  }
  sm_status st = sm_write_layers(ctx, out, &first, 1, wo);
  if (!st && (st = sm_write_layers(ctx, companion, &second, 1, wo))) remove(out); /* both or neither */
  return st;
}
