/* TEMPORARY: the old shared options, for the commands not yet on option tables. */
#ifndef SAFEMAP_CLI_LEGACY_H
#define SAFEMAP_CLI_LEGACY_H

#include <safemap.h>
#include <stdio.h>

#define LEGACY_MAX_INPUTS 4096

typedef struct legacy_opts {
  const char *cmd;
  const char *inputs[LEGACY_MAX_INPUTS];
  size_t n_inputs;
  const char *output;
  const char *wards, *wards_layer, *wards_crs, *id_field, *name_field;
  sm_read_options read;
  int threads;
  int quiet, verbose;
  int overwrite;
  int strict;
  unsigned long long seed;
  int help;
  /* surfaces */
  const char *bandwidth, *kernel, *convention, *units, *cell, *gaussian_cutoff, *hotspot_areas, *edge;
  const char *compare, *compare_from, *compare_to, *dual, *epsilon;
  int normalise, adaptive;
  const char *pilot, *trim, *band, *grid, *weights;
  long permutations, knn, min_neighbours;
  int optimised;
  const char *bin, *rules, *global_window, *centres, *method, *evaluate;
  const char *space_bands, *time_bands, *distance, *closed, *time_unit;
  int backtest;
  const char *at, *coverage;
  long space_bandwidth, time_bandwidth, kde_months, kde_weeks, warmup;
  double max_share, max_radius;
  long max_window;
  int prospective;
  long time_lag;
  int has_time_lag;
  double trend_alpha;
  int64_t reference;
  int has_reference;
  const char *rate_field;
  double per;
  int float64, cog;
} legacy_opts;

/* Parses the options every subcommand shares. Returns 0 ok, 1 on a usage
 * error (message printed). */
int legacy_parse(legacy_opts *o, int argc, char **argv, const char *usage);
/* Creates the context: threads, seed, log sink, progress bar. */
sm_ctx *legacy_ctx(const legacy_opts *o);
void legacy_ctx_done(sm_ctx *ctx);
/* Erases the progress bar (before printing to the terminal). */
/* Prints the ctx error and returns the exit code for a status. */
int legacy_fail(const legacy_opts *o, sm_ctx *ctx, sm_status st);
/* Reads the points of the inputs; prints errors. */
sm_status legacy_read_points(const legacy_opts *o, sm_ctx *ctx, sm_points **pts);
sm_status legacy_read_areas(const legacy_opts *o, sm_ctx *ctx, const sm_points *pts, sm_areas **areas);
/* --grid and --wards: hexagons, or the wards as units (else fishnet cells); 1 after printing a usage error. */
int legacy_grid_choice(const legacy_opts *o, int *hexagons, int *wards_units);
/* OUT.csv's companion table OUT<suffix>.csv (malloc'd), or NULL (and *csv 0) when OUT is not a CSV. */
char *legacy_companion_csv(const char *out, const char *suffix, int *csv);
/* Two layers into one GeoPackage (companion NULL), or into OUT.csv and its companion CSV: both or neither. */
sm_status legacy_write_two(sm_ctx *ctx, const char *out, const char *companion, sm_layer *first, sm_layer *second,
                        const sm_write_options *wo);
/* ArcGIS's optimised distance band and the incremental spatial autocorrelation behind it, in words. */
void legacy_optimised_band_text(const sm_ohsa_band *b, char *buf, size_t size);
void legacy_optimised_isa_text(const sm_ohsa_band *b, char *buf, size_t size);
/* The points' extent for a grid of `cell` metres, widened so the farthest point falls in a cell. */
void legacy_points_extent(const sm_points *p, double cell, double extent[4]);
/* The locations of a command: the wards, or fishnet/hexagon cells over `extent` (NULL: the wards' or the
 * points'), clipped to the wards when given; every point's unit in *unit_of_point (malloc'd; -1: none). */
sm_status legacy_locations(const legacy_opts *o, sm_ctx *ctx, const sm_points *p, const sm_areas *areas, int wards_units,
                        int hexagons, double cell, const double *extent, sm_units **u, size_t *n_units,
                        int32_t **unit_of_point, size_t *outside);

#endif
