/* safemap audit: the women's safety audit overlay (street lighting, maintenance, walk audits, VAWG crime). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const cli_command AUDIT = {
    "audit",
    "--streets STREETS [--lights LAMPS] [--defects D] [--audits A] [--pins P] [--cctv C] [--defect-areas CSV "
    "--defect-area-polygons POLYGONS] [CRIMES...] [--wards W] -o OUT.gpkg|OUT.csv [options]",
    "Women's safety audit overlay: which stretches of which streets are dark, badly kept, and where\n"
    "women are harmed or feel unsafe, and what to fix first. The streets (any OGR line source: an\n"
    "OSM extract, OS Open Roads, a council's network; OSM highways that people do not walk are left\n"
    "out unless --where says otherwise) are cut into segments of at most --segment metres. Each\n"
    "segment gets:\n"
    "  - modelled light: every lamp of the inventory (--lights: Camden's Easting/Northing, Wattage,\n"
    "    Switch Regime columns are recognised; lumens, lamp type, mounting height and status columns\n"
    "    are used when present) lights sample points every --sample metres as a point source, from its\n"
    "    lumens (or watts x its type's efficacy) x --maintenance-factor; the average and minimum lux\n"
    "    against the EN 13201-2 P class of the street (--target P4 for all); lamps out, or switched off\n"
    "    at --hour by a part-night regime (00:00-05:30), give no light; the distance along the streets\n"
    "    to the nearest lit lamp and the gap between lit lamps;\n"
    "  - maintenance: open defects within --defect-radius (--defects: points with category, reported\n"
    "    and fixed dates; open at --at DATE), weighted by category;\n"
    "  - perception: inverse-distance means of walk-audit scores 0-3 (--audits: Safetipin's nine\n"
    "    parameters, or --audit-parameters) within --audit-radius; none nearby is NULL;\n"
    "  - crime: CRIMES (police.uk CSVs; violence and sexual offences, robbery, public order and theft\n"
    "    from the person by default, --crime-types to change) per 100 m and their kernel density;\n"
    "  - pins: unsafe-place reports (--pins: StreetSafe-like points with factor columns, 1/0 or\n"
    "    yes/no, or a 'factors' list) within --pin-radius of the segment, in all and per factor;\n"
    "  - CCTV: the share of the segment within some camera's view (--cctv: points, a radius column\n"
    "    or --cctv-radius), exact; informational, not in the priority;\n"
    "  - maintenance per area: reports counted per area, category and month (--defect-areas:\n"
    "    FixMyStreet's per-LSOA CSVs YYYY-MM.csv with lsoa, SHEF_B_CODE, reports), summed over the\n"
    "    files for --defect-area-categories, and apportioned to the audited segments of each area\n"
    "    (--defect-area-polygons) by length; per km of audited street (a year, with months in the file\n"
    "    names); without --defects they make the maintenance component;\n"
    "  - a priority from 0 to 100: the weighted components (--priority-weights), each contribution\n"
    "    stored, a rank, and the reasons in words.\n"
    "\n"
    "Output (GeoPackage layers, or CSV files OUT.csv, OUT_dark_stretches.csv, ...): audit_segments,\n"
    "dark_stretches (connected below-target runs along a street of at least --min-dark metres),\n"
    "audit_priorities (the --top segments), audit_lamps (each lamp, its light and its state at the\n"
    "hour) and, with --wards, audit_wards (per ward: km below target, dark km, lamps per km, defects,\n"
    "audits, VAWG crimes and its three top priorities). docs/audit.md lists every column.\n",
    "# Camden's lamps on the streets of Holborn and Bloomsbury at 01:00, with the City's VAWG crimes\n"
    "safemap audit --streets data/streets/holborn_osm.gpkg --lights data/lighting/camden_lamps_holborn.csv \\\n"
    "    data/police/city_2023 --wards data/wards/camden_wards_2024.gpkg --hour 01:00 -o audit.gpkg\n",
    CLI_G_INPUT | CLI_G_AREAS | CLI_G_OUTPUT | CLI_G_STRICT,
    NULL};

static void summary(const cli_run *r) {
  const sm_result *res = r->result;
  fprintf(stderr, "safemap audit: %.0f segments, %.1f km of street", sm_result_figure(res, "segments"),
          sm_result_figure(res, "street_km"));
  if (sm_result_figure(res, "lamps") > 0)
    fprintf(stderr, "; %.0f lamps, %.0f lit (%.0f off at the hour, %.0f out); %.1f km below target in %.0f segments; "
            "%.0f dark stretches, %.1f km", sm_result_figure(res, "lamps"), sm_result_figure(res, "lamps_lit"),
            sm_result_figure(res, "lamps_off_at_hour"), sm_result_figure(res, "lamps_out"),
            sm_result_figure(res, "km_below_target"), sm_result_figure(res, "segments_below_target"),
            sm_result_figure(res, "dark_stretches"), sm_result_figure(res, "dark_km"));
  if (sm_result_figure(res, "crimes") > 0)
    fprintf(stderr, "; %.0f crimes, %.0f near a street", sm_result_figure(res, "crimes"),
            sm_result_figure(res, "crimes_on_streets"));
  if (sm_result_figure(res, "defects_open") > 0) fprintf(stderr, "; %.0f open defects", sm_result_figure(res, "defects_open"));
  if (sm_result_figure(res, "audits") > 0) fprintf(stderr, "; %.0f walk audits", sm_result_figure(res, "audits"));
  if (sm_result_figure(res, "pins") > 0)
    fprintf(stderr, "; %.0f unsafe-place pins, %.0f near a street", sm_result_figure(res, "pins"),
            sm_result_figure(res, "pins_near_streets"));
  if (sm_result_figure(res, "cctv_cameras") > 0)
    fprintf(stderr, "; %.0f cameras covering %.1f km", sm_result_figure(res, "cctv_cameras"), sm_result_figure(res, "cctv_km"));
  if (sm_result_figure(res, "area_reports") > 0)
    fprintf(stderr, "; %.0f maintenance reports counted per area, %.0f of them on audited streets",
            sm_result_figure(res, "area_reports"), sm_result_figure(res, "area_reports_on_streets"));
  fprintf(stderr, "\n");
  const char *note = sm_result_text(res, "note");
  if (note) fprintf(stderr, "safemap audit: %s\n", note);
  for (int k = 1; k <= 3; k++) {
    char name[16];
    snprintf(name, sizeof name, "top_%d", k);
    const char *t = sm_result_text(res, name);
    if (t) fprintf(stderr, "safemap audit: priority %d: %s\n", k, t);
  }
  cli_wrote(r);
}

/* --defect-areas, which may be given several times (a file, a folder or a glob each). */
typedef struct area_list {
  const char *v[256];
  size_t n;
} area_list;

static int add_area_source(const char *arg, void *dest) {
  area_list *l = dest;
  if (!*arg || l->n == sizeof l->v / sizeof l->v[0]) return 1;
  l->v[l->n++] = arg;
  return 0;
}

typedef struct audit_args {
  sm_audit_options ao;
  area_list areas;
  const char *target, *lamp_type, *hour, *weights, *crime_types;
  unsigned top;
} audit_args;

/* The named choices and lists into the options, then the options checked as a whole. 1 to go on. */
static int options(cli_run *r, audit_args *a) {
  sm_status st = SM_OK;
  if (a->target) st = sm_light_class_from_name(r->ctx, a->target, &a->ao.target);
  if (!st && a->lamp_type) st = sm_lamp_type_from_name(r->ctx, a->lamp_type, &a->ao.default_lamp_type);
  if (!st && a->hour) st = sm_audit_hour_parse(r->ctx, a->hour, &a->ao.hour);
  if (!st && a->weights) {
    size_t n = 0;
    if (cli_numbers(a->weights, a->ao.weights, 5, &n) || n != 5) {
      r->rc = cli_usage_error("audit", "--priority-weights '%s' is not 5 numbers (darkness, maintenance, perception, "
                              "pins, crime: 0.35,0.15,0.2,0.1,0.2)", a->weights);
      return 0;
    }
  }
  a->ao.top = (size_t)a->top;
  a->ao.area_counts = a->areas.n ? a->areas.v : NULL;
  a->ao.n_area_counts = a->areas.n;
  if (a->crime_types && r->o.read.types) {
    r->rc = cli_usage_error("audit", "--crime-types and --type both choose the crime types: give one");
    return 0;
  }
  if (a->crime_types || !r->o.read.types) r->o.read.types = a->crime_types ? a->crime_types : SM_AUDIT_VAWG_TYPES;
  if (!st) st = sm_audit_options_check(r->ctx, &a->ao, r->o.n_inputs > 0);
  if (a->ao.streets) cli_protect(r, a->ao.streets);
  if (a->ao.lights) cli_protect(r, a->ao.lights);
  if (a->ao.defects) cli_protect(r, a->ao.defects);
  if (a->ao.audits) cli_protect(r, a->ao.audits);
  if (a->ao.pins) cli_protect(r, a->ao.pins);
  if (a->ao.cctv) cli_protect(r, a->ao.cctv);
  if (a->ao.area_polygons) cli_protect(r, a->ao.area_polygons);
  for (size_t i = 0; i < a->areas.n; i++) cli_protect(r, a->areas.v[i]);
  return st ? cli_error(r, st) : 1;
}

int cmd_audit(int argc, char **argv) {
  audit_args a = {0};
  sm_audit_options_init(&a.ao, SM_AUDIT_OPTIONS_VERSION);
  a.top = 50;
  sm_audit_options *o = &a.ao;
  cli_opt opts[] = {
      CLI_O_STRING("streets", &o->streets, "SOURCE", "street lines, any OGR source (required)"),
      CLI_O_STRING("streets-layer", &o->streets_layer, "NAME", "its layer (default: the first line layer)"),
      CLI_O_STRING("where", &o->streets_where, "SQL", "OGR SQL filter of the streets, instead of the default\n"
                                                      "highway filter (e.g. \"highway <> 'service'\")"),
      CLI_O_STRING("lights", &o->lights, "SOURCE", "lamp-column inventory: CSV (Easting/Northing or Longitude/\n"
                                                   "Latitude) or OGR points, with Wattage or Lumens"),
      CLI_O_STRING("lights-layer", &o->lights_layer, "NAME", "its layer"),
      CLI_O_STRING("lights-crs", &o->lights_crs, "CRS", "CRS of the lamps' X/Y columns (Easting/Northing: EPSG:27700)"),
      CLI_O_STRING("defects", &o->defects, "SOURCE", "maintenance defects: points with category, reported and\n"
                                                     "fixed dates"),
      CLI_O_STRING("defects-layer", &o->defects_layer, "NAME", "its layer"),
      CLI_O_STRING("defects-crs", &o->defects_crs, "CRS", "CRS of the defects' X/Y columns"),
      CLI_O_STRING("at", &o->at, "DATE", "defects open at this date (YYYY-MM-DD; default: no fixed date)"),
      CLI_O_STRING("audits", &o->audits, "SOURCE", "walk audits: points rated 0-3 per parameter"),
      CLI_O_STRING("audits-layer", &o->audits_layer, "NAME", "its layer"),
      CLI_O_STRING("audits-crs", &o->audits_crs, "CRS", "CRS of the audits' X/Y columns"),
      CLI_O_STRING("audit-parameters", &o->audit_parameters, "LIST", "the audit columns (default: lighting, openness,\n"
                   "visibility, people, security, walk_path, public_transport,\ngender_usage, feeling)"),
      CLI_O_STRING("pins", &o->pins, "SOURCE", "unsafe-place pins (StreetSafe-like): CSV (Easting/\n"
                   "Northing or Longitude/Latitude) or OGR points, with factor\n"
                   "columns (street_lighting, followed, ...: 1/0, yes/no,\n"
                   "true/false, y/n) or a 'factors' list"),
      CLI_O_STRING("pins-layer", &o->pins_layer, "NAME", "its layer"),
      CLI_O_STRING("pins-crs", &o->pins_crs, "CRS", "CRS of the pins' X/Y columns"),
      CLI_O_METRES("pin-radius", &o->pin_radius_m, "pins this close to a segment's line count (default 50)"),
      CLI_O_STRING("cctv", &o->cctv, "SOURCE", "CCTV cameras: CSV or OGR points, with a radius\n"
                   "column (radius, radius_m, range, view_m) or --cctv-radius"),
      CLI_O_STRING("cctv-layer", &o->cctv_layer, "NAME", "its layer"),
      CLI_O_STRING("cctv-crs", &o->cctv_crs, "CRS", "CRS of the cameras' X/Y columns"),
      CLI_O_NUMBER("cctv-radius", &o->cctv_radius_m, "M", 0, 1, 1000, 0, "metres, more than 0 and at most 1000",
                   "a camera's view without a radius column (default 30)"),
      CLI_O_CUSTOM("defect-areas", &a.areas, "CSV", "a file, folder or glob", add_area_source,
                   "maintenance reports counted per area, category and\n"
                   "month: CSV files (area code, category, count; the month\n"
                   "in the file name, YYYY-MM), a folder of them or a quoted\n"
                   "glob; may be repeated"),
      CLI_O_STRING("defect-area-polygons", &o->area_polygons, "POLYGONS", "the areas' polygons (any OGR source; e.g. LSOA 2011\n"
                   "for FixMyStreet's counts)"),
      CLI_O_STRING("defect-area-categories", &o->area_categories, "LIST", "the categories to count, comma-separated (e.g.\n"
                   "B19,B25,B28: pavements, road surface, street lights;\n"
                   "default: all)"),
      CLI_O_STRING("crime-types", &a.crime_types, "LIST", "crime types of CRIMES to use (default: Violence and sexual\n"
                   "offences, Robbery, Public order, Theft from the person)"),
      CLI_O_STRING("hour", &a.hour, "HH:MM", "time of night: part-night lamps off then (default: every\n"
                                             "working lamp on)"),
      CLI_O_STRING("target", &a.target, "P1..P6|auto", "EN 13201-2 class of every segment (default auto: by street type)"),
      CLI_O_METRES("segment", &o->segment_m, "longest segment (default 25)"),
      CLI_O_METRES("sample", &o->sample_m, "spacing of the illuminance samples at most (default 5)"),
      CLI_O_NUMBER("maintenance-factor", &o->maintenance_factor, "F", 0, 1, 1, 0, "more than 0, at most 1",
                   "light kept after ageing and dirt (default 0.8)"),
      CLI_O_STRING("photometry", &o->photometry, "TYPE=FILE,...", "IES LM-63 files by lamp type (LED=a.ies,HPS=b.ies):\n"
                   "their light distribution instead of the cosine source"),
      CLI_O_STRING("lamp-type", &a.lamp_type, "TYPE", "type of lamps without a known one: LED, HPS, LPS, MH,\n"
                                                      "fluorescent, mercury (default HPS)"),
      CLI_O_METRES("height", &o->default_height_m, "mounting height of lamps without one (default: by street type)"),
      CLI_O_NUMBER("reach-factor", &o->reach_factor, "K", 0, 1, 100, 0, "more than 0, at most 100",
                   "a lamp lights up to K x its height (default 10: 99% of its light)"),
      CLI_O_METRES("lamp-offset", &o->lamp_offset_m, "lamps this close to a street count for its gaps (default 20)"),
      CLI_O_METRES("defect-radius", &o->defect_radius_m, "defects this close to a segment count (default 30)"),
      CLI_O_METRES("audit-radius", &o->audit_radius_m, "audits this close to a segment's middle count (default 50)"),
      CLI_O_METRES("crime-radius", &o->crime_radius_m, "a crime counts for its nearest segment this close (default 50)"),
      CLI_O_METRES("crime-bandwidth", &o->crime_bandwidth_m, "quartic KDE radius of the crimes (default: spatial Silverman)"),
      CLI_O_NUMBER("min-dark", &o->min_dark_m, "M", 0, 0, CLI_HUGE, 0, "metres >= 0",
                   "shortest dark stretch listed (default 50)"),
      CLI_O_UINT("top", &a.top, "N", 1, 1000000, "priorities listed (default 50)"),
      CLI_O_STRING("priority-weights", &a.weights, "LIST", "darkness, maintenance, perception, pins, crime\n"
                                                           "(default 0.35,0.15,0.2,0.1,0.2)"),
      CLI_O_END};
  for (cli_opt *t = opts; t->name; t++)
    if (!strcmp(t->name, "defect-areas")) t->repeat_sep = '\n'; /* repeated with other sources, not the same twice */
  cli_run r;
  if (cli_start(&r, &AUDIT, opts, CLI_NEEDS_OUTPUT, "_dark_stretches,_priorities,_lamps,_wards", argc, argv) &&
      options(&r, &a) && cli_read(&r) &&
      cli_write(&r, sm_audit_run(r.ctx, &r.result, r.points, r.areas, &a.ao)) && cli_talk(&r))
    summary(&r);
  return cli_finish(&r);
}
