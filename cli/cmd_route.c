/* safemap route: the shortest and the safest walking route over an audit's street segments. */
#include "cli.h"

#include <math.h>
#include <stdio.h>

static const cli_command ROUTE = {
    "route",
    "AUDIT.gpkg --from E,N|LON,LAT --to E,N|LON,LAT -o OUT.gpkg|OUT.csv [options]",
    "The shortest and the safest walking route between two points over the street segments of a\n"
    "safety audit (the layer audit_segments that safemap audit writes: one line per segment of at\n"
    "most 25 m, with its lighting, defects, walk-audit and VAWG crime scores). Every segment is\n"
    "walkable both ways. The shortest route minimises the length; the safest minimises the sum over\n"
    "its segments of\n"
    "    length_m x (1 + dark*s_darkness + dark_flag*below_target + maintenance*s_maintenance\n"
    "                + crime*s_crime + perception*s_perception)\n"
    "with the penalties of --penalties (defaults dark=2, dark_flag=1, maintenance=0.5, crime=1,\n"
    "perception=0.5; s_perception NULL, no walk audit nearby, counts as 0). Both routes are found by\n"
    "SpatiaLite's routing (CreateRouting, VirtualRouting, Dijkstra).\n"
    "\n"
    "--from and --to are E,N in the audit's CRS or LON,LAT in degrees (a point with |x| <= 180 and\n"
    "|y| <= 90 is taken as degrees; --from-crs names another CRS for both). Each is snapped to the\n"
    "nearest segment end within --snap metres. --hour is recorded, and refused when the audit was\n"
    "made for another hour (the audit's lighting is for one hour: rerun safemap audit --hour).\n"
    "\n"
    "Output: layer routes, two lines (shortest, safest): route, length_m, dark_m (length below its\n"
    "lighting target), crime_exposure (sum of length_m x vawg_per_100m / 100), defect_exposure (sum\n"
    "of length_m x s_maintenance), cost (the safety cost), segments, extra_m (safest - shortest),\n"
    "from_node, to_node, streets; and layer route_segments, each route's segments in walking order\n"
    "(OUT_route_segments.csv beside a CSV).\n",
    "# the safest way from one corner of the audit to another, and how much longer it is\n"
    "safemap route out/holborn_audit.gpkg --from 530000,181500 --to 530800,181300 -o out/holborn_route.gpkg\n"
    "# the same in degrees, after dark, with the crime penalty doubled\n"
    "safemap route out/holborn_audit.gpkg --from -0.1230,51.5180 --to -0.1130,51.5170 --hour 01:00 \\\n"
    "    --penalties crime=2 -o out/route.csv\n",
    CLI_G_OUTPUT,
    NULL};

static void summary(const cli_run *r) {
  const sm_result *res = r->result;
  double sm = sm_result_figure(res, "shortest_m"), fm = sm_result_figure(res, "safest_m");
  fprintf(stderr,
          "safemap route: shortest %.0f m (dark %.0f m, VAWG exposure %.1f, defects %.1f); safest %.0f m (%+.0f m; dark "
          "%.0f m, VAWG exposure %.1f, defects %.1f)\n",
          sm, sm_result_figure(res, "shortest_dark_m"), sm_result_figure(res, "shortest_crime_exposure"),
          sm_result_figure(res, "shortest_defect_exposure"), fm, fm - sm, sm_result_figure(res, "safest_dark_m"),
          sm_result_figure(res, "safest_crime_exposure"), sm_result_figure(res, "safest_defect_exposure"));
  fprintf(stderr, "safemap route: start snapped %.0f m to node %.0f, end %.0f m to node %.0f\n",
          sm_result_figure(res, "from_snap_m"), sm_result_figure(res, "from_node"), sm_result_figure(res, "to_snap_m"),
          sm_result_figure(res, "to_node"));
  cli_wrote(r);
}

/* "E,N" into x, y; 1 to go on. */
static int point(cli_run *r, const char *option, const char *text, double *x, double *y) {
  double v[2];
  size_t n = 0;
  if (!cli_numbers(text, v, 2, &n) && n == 2) return *x = v[0], *y = v[1], 1;
  r->rc = cli_usage_error("route", "%s '%s' is not E,N or LON,LAT (two numbers and a comma: 530000,181500 or "
                                   "-0.1318,51.5220)", option, text);
  return 0;
}

/* The endpoints, the penalties and the rest into `ro`, checked as a whole before the audit is read. */
static int options(cli_run *r, sm_route_options *ro, const char *from, const char *to, const char *penalties) {
  if (r->o.n_inputs != 1) {
    r->rc = cli_usage_error("route", "%s", r->o.n_inputs ? "give one audit file (AUDIT.gpkg)"
                                                         : "no audit file given (AUDIT.gpkg, made by safemap audit)");
    return 0;
  }
  if (!from || !to) {
    r->rc = cli_usage_error("route", "%s is required (E,N in the audit's CRS, or LON,LAT)", !from ? "--from" : "--to");
    return 0;
  }
  if (!point(r, "--from", from, &ro->from_x, &ro->from_y) || !point(r, "--to", to, &ro->to_x, &ro->to_y)) return 0;
  sm_status st = penalties ? sm_route_penalties_parse(r->ctx, penalties, ro) : SM_OK;
  if (!st) st = sm_route_options_check(r->ctx, ro);
  return st ? cli_error(r, st) : 1;
}

int cmd_route(int argc, char **argv) {
  sm_route_options ro;
  sm_route_options_init(&ro, SM_ROUTE_OPTIONS_VERSION);
  const char *from = NULL, *to = NULL, *penalties = NULL;
  cli_opt opts[] = {
      CLI_O_STRING("from", &from, "E,N|LON,LAT", "the start (required)"),
      CLI_O_STRING("to", &to, "E,N|LON,LAT", "the end (required)"),
      CLI_O_STRING("from-crs", &ro.from_crs, "CRS", "the CRS of --from and --to (default: the audit's, or WGS 84\n"
                                                    "degrees for a point that looks like them)"),
      CLI_O_METRES("snap", &ro.snap_m, "farthest an endpoint may be from a segment end (default 100)"),
      CLI_O_STRING("hour", &ro.hour, "HH:MM", "the hour of the walk, recorded; must be the audit's hour"),
      CLI_O_STRING("penalties", &penalties, "LIST", "dark=2,dark_flag=1,maintenance=0.5,crime=1,perception=0.5\n"
                                                    "(the defaults; any of them, each 0 or more)"),
      CLI_O_END};
  cli_run r;
  if (cli_start(&r, &ROUTE, opts, CLI_NEEDS_OUTPUT, "_route_segments", argc, argv) &&
      options(&r, &ro, from, to, penalties) && cli_write(&r, sm_route_run(r.ctx, &r.result, r.o.inputs[0], &ro)) &&
      cli_talk(&r))
    summary(&r);
  return cli_finish(&r);
}
