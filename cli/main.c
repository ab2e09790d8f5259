/* safemap: command-line front end. Parses, calls the public API, prints. */
#include "cli.h"

#include <string.h>

typedef struct command {
  const char *name;
  int (*fn)(int, char **);
  const char *summary;
} command;

static const command commands[] = {
    {"info", cmd_info, "what is in the data, and what is wrong with it"},
    {"count", cmd_count, "counts per ward (total, per category, per month) to GeoPackage or CSV"},
    {"kde", cmd_kde, "kernel density surface (ArcGIS, QGIS or spatstat conventions) to GeoTIFF"},
    {"hotspots", cmd_hotspots, "Getis-Ord Gi* and local Moran's I by ward, fishnet or hexagons, FDR bins, --optimised"},
    {"emerging", cmd_emerging, "emerging hot spots: space-time Gi*, Mann-Kendall trends, ArcGIS's 17 categories"},
    {"nearrepeat", cmd_nearrepeat, "Knox near-repeat table: pairs by distance and time band against shuffled dates"},
    {"scan", cmd_scan, "space-time permutation scan statistic (SaTScan's): clusters with p-values"},
    {"audit", cmd_audit, "women's safety audit: street lighting, maintenance, walk audits, VAWG crime by segment"},
    {"forecast", cmd_forecast, "ProMap and KDE risk surfaces; scores any surface (hit rate, PAI, PEI); back-test"},
    {"route", cmd_route, "the shortest and the safest walking route over an audit's street segments"},
    {"tiles", cmd_tiles, "map tiles of a surface: XYZ directory, MBTiles or GeoPackage, with value tiles"},
    {"plan", cmd_plan, "per-ward burglary plans: counts, trend, rank, rates, hot cells, repeats, actions"},
    {"report", cmd_report, "the whole pack in one folder: every analysis, the map, the ward plans, a front page"},
};

static void help(FILE *f) {
  fprintf(f,
          "safemap %s: crime hot-spot analysis and women's safety audits\n\n"
          "Usage: safemap COMMAND [OPTIONS] POINTS...\n\n"
          "Commands:\n",
          sm_version_string());
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(f,
          "  help       this text, or 'safemap help COMMAND'\n\n"
          "POINTS are police.uk street-level CSVs (recognised by their header), other CSVs\n"
          "(--lon/--lat or --x/--y --crs), or any GDAL/OGR source (GeoPackage, GeoJSON,\n"
          "Shapefile, FlatGeobuf, 'PG:dbname=...' with --layer). Directories and quoted globs\n"
          "are expanded.\n\n"
          "Example:\n"
          "  safemap count data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg -o counts.gpkg\n\n"
          "Options common to every command: -j/--threads N, -q/--quiet, -v/--verbose, --strict,\n"
          "--overwrite, --seed N. Exit codes: 0 success, 1 bad input or arguments, 2 internal failure.\n"
          "Built with MPI, 'mpirun -np N safemap kde|hotspots|emerging|nearrepeat|scan ...' shares the work\n"
          "over N processes and writes the same bytes as one ('safemap --version' says whether MPI is in).\n"
          "'safemap --version' prints the versions of safemap and its libraries.\n");
}

static int run(int argc, char **argv) {
  if (argc < 2) {
    help(stderr);
    return 1;
  }
  const char *c = argv[1];
  if (!strcmp(c, "--version") || !strcmp(c, "version")) {
    printf("safemap %s\n%s\n", sm_version_string(), sm_version_dependencies());
    return 0;
  }
  if (!strcmp(c, "help") || !strcmp(c, "--help") || !strcmp(c, "-h")) {
    if (argc > 2) {
      for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[2], commands[i].name)) {
          char *hargv[] = {argv[2], "--help", NULL};
          return commands[i].fn(2, hargv);
        }
      fprintf(stderr, "safemap help: error: unknown command '%s'\n\n", argv[2]);
      help(stderr);
      return 1;
    }
    help(stdout);
    return 0;
  }
  cli_handle_signals();
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(c, commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "safemap: error: unknown command '%s'\n\n", c);
  help(stderr);
  return 1;
}

/* Under an MPI launcher (a build with MPI), every rank runs the command; rank 0 alone prints. */
static int start_ranks(int *argc, char ***argv) {
  if (sm_mpi_init(argc, argv) != SM_OK) {
    fprintf(stderr, "safemap: error: MPI could not start\n");
    return 0;
  }
  sm_ctx *ctx = NULL;
  if (sm_ctx_create(&ctx) != SM_OK) return 0;
  cli_rank = sm_ctx_rank(ctx);
  sm_ctx_destroy(ctx);
  if (cli_rank > 0 && !freopen("/dev/null", "w", stdout)) return 0;
  return 1;
}

int main(int argc, char **argv) {
  if (!sm_version_check(SM_VERSION_NUMBER)) {
    fprintf(stderr, "safemap: the library loaded (%s) does not match this program (%s)\n", sm_version_string(),
            SM_VERSION_STRING);
    return 2;
  }
  if (!start_ranks(&argc, &argv)) return 2;
  int rc = run(argc, argv);
  sm_mpi_finalize();
  return rc;
}
