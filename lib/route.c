/* sm_route_run: the shortest and the safest walking route over an audit's street segments (safemap route):
 * the options, reading the audit_segments layer, and the layers written. The routing is in route_graph.c. */
#include "internal/options.h"
#include "internal/recipe.h"
#include "internal/result_build.h"
#include "route_internal.h"

#include <errno.h>
#include <cpl_conv.h>
#include <gdal.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

SM__OPTIONS_INIT_FN(sm_route_options, sm_route_options_init, SM_ROUTE_OPTIONS_VERSION, SM_ROUTE_OPTIONS_INIT)

/* ---- options ----------------------------------------------------------------------- */

static const char *const penalty_names[5] = {"dark", "dark_flag", "maintenance", "crime", "perception"};

static double *penalty(sm_route_options *o, int k) {
  double *f[5] = {&o->k_dark, &o->k_dark_flag, &o->k_maintenance, &o->k_crime, &o->k_perception};
  return f[k];
}

sm_status sm_route_penalties_parse(sm_ctx *ctx, const char *text, sm_route_options *opts) {
  if (!text || !opts) return sm__error(ctx, SM_E_INVALID_ARG, "--penalties: NULL argument");
  sm_route_options o = *opts;
  int seen[5] = {0};
  const char *p = text;
  if (!*p) return sm__error(ctx, SM_E_INVALID_ARG, "--penalties is empty: give NAME=VALUE items, e.g. dark=2,crime=1");
  while (*p) {
    const char *end = strchr(p, ','), *eq = strchr(p, '=');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (!eq || eq >= p + len)
      return sm__error(ctx, SM_E_INVALID_ARG, "--penalties: '%.*s' is not NAME=VALUE (names: dark, dark_flag, "
                                              "maintenance, crime, perception)", (int)len, p);
    size_t nlen = (size_t)(eq - p);
    int k = -1;
    for (int i = 0; i < 5; i++)
      if (strlen(penalty_names[i]) == nlen && !strncmp(p, penalty_names[i], nlen)) k = i;
    if (k < 0)
      return sm__error(ctx, SM_E_INVALID_ARG, "--penalties: unknown name '%.*s' (the names: dark, dark_flag, "
                                              "maintenance, crime, perception)", (int)nlen, p);
    if (seen[k]) return sm__error(ctx, SM_E_INVALID_ARG, "--penalties: %s given twice", penalty_names[k]);
    seen[k] = 1;
    char num[64], *e;
    size_t vlen = len - nlen - 1;
    snprintf(num, sizeof num, "%.*s", (int)(vlen < sizeof num ? vlen : sizeof num - 1), eq + 1);
    errno = 0;
    double v = strtod(num, &e);
    if (!vlen || vlen >= sizeof num || *e || e == num || !isfinite(v))
      return sm__error(ctx, SM_E_INVALID_ARG, "--penalties: %s='%.*s' is not a number", penalty_names[k], (int)vlen,
                       eq + 1);
    if (v < 0)
      return sm__error(ctx, SM_E_INVALID_ARG, "--penalties: %s=%g is negative: a penalty is 0 or more (a negative one "
                                              "would make a segment cheaper than its length)", penalty_names[k], v);
    *penalty(&o, k) = v;
    p += len;
    if (*p == ',') {
      p++;
      if (!*p) return sm__error(ctx, SM_E_INVALID_ARG, "--penalties '%s' ends with a comma", text);
    }
  }
  *opts = o;
  return SM_OK;
}

/* "HH:MM" (or "H:MM", "HH") to minutes after midnight; -1 when not a time of day. */
static int hour_minutes(const char *s) {
  int h = 0, m = 0, n = 0, k = 0;
  while (s[k] >= '0' && s[k] <= '9' && n < 2) h = h * 10 + (s[k++] - '0'), n++;
  if (!n || h > 23) return -1;
  if (!s[k]) return h * 60;
  if (s[k++] != ':') return -1;
  for (n = 0; s[k] >= '0' && s[k] <= '9'; n++) m = m * 10 + (s[k++] - '0');
  if (n != 2 || m > 59) return -1;
  if (s[k] == ':' && s[k + 1] == '0' && s[k + 2] == '0' && !s[k + 3]) k += 3; /* HH:MM:00 */
  return s[k] ? -1 : h * 60 + m;
}

static sm_status check_options(sm_ctx *ctx, const sm_route_options *o) {
  sm_status st = sm__options_version(ctx, "sm_route_run", o->version, SM_ROUTE_OPTIONS_VERSION);
  if (st) return st;
  if (!isfinite(o->from_x) || !isfinite(o->from_y))
    return sm__error(ctx, SM_E_INVALID_ARG, "--from is required (E,N in the audit's CRS, or LON,LAT)");
  if (!isfinite(o->to_x) || !isfinite(o->to_y))
    return sm__error(ctx, SM_E_INVALID_ARG, "--to is required (E,N in the audit's CRS, or LON,LAT)");
  if (!(o->snap_m > 0) || !isfinite(o->snap_m))
    return sm__error(ctx, SM_E_INVALID_ARG, "--snap must be metres > 0, not %g", o->snap_m);
  sm_route_options tmp = *o;
  for (int k = 0; k < 5; k++) {
    double v = *penalty(&tmp, k);
    if (!(v >= 0) || !isfinite(v))
      return sm__error(ctx, SM_E_INVALID_ARG, "--penalties: %s=%g: a penalty is a finite number, 0 or more",
                       penalty_names[k], v);
  }
  if (o->hour && hour_minutes(o->hour) < 0)
    return sm__error(ctx, SM_E_INVALID_ARG, "--hour '%s' is not a time of day HH:MM (00:00 to 23:59)", o->hour);
  if (o->from_crs) {
    char *norm = NULL;
    st = sm__crs_normalise(ctx, o->from_crs, &norm);
    sm__free(norm);
    if (st) return st;
  }
  return SM_OK;
}

sm_status sm_route_options_check(sm_ctx *ctx, const sm_route_options *opts) {
  sm_route_options defaults = SM_ROUTE_OPTIONS_INIT;
  return check_options(ctx, opts ? opts : &defaults);
}

/* ---- reading the audit --------------------------------------------------------------- */

enum { C_NF, C_NT, C_LEN, C_BELOW, C_DARK, C_MAINT, C_PERC, C_CRIME, C_VAWG, C_NAME, NCOL };
static const char *const columns[NCOL] = {"node_from",  "node_to",       "length_m",     "below_target",
                                          "s_darkness", "s_maintenance", "s_perception", "s_crime",
                                          "vawg_per_100m", "street_name"};

static sm_status open_failed(sm_ctx *ctx, const char *path) {
  struct stat sb;
  if (stat(path, &sb) != 0)
    return sm__error(ctx, SM_E_IO, "cannot open the audit '%s': %s", path,
                     errno == ENOENT ? "no such file; make it with safemap audit" : strerror(errno));
  if (S_ISDIR(sb.st_mode)) return sm__error(ctx, SM_E_IO, "cannot open the audit '%s': it is a folder", path);
  const char *dep = sm__dep_msg(ctx);
  return sm__error(ctx, SM_E_IO, "cannot open the audit '%s': not a vector file GDAL can read (a GeoPackage)%s%s", path,
                   dep[0] ? "; " : "", dep);
}

static void list_layers(GDALDatasetH ds, char *buf, size_t size) {
  size_t k = 0;
  buf[0] = 0;
  for (int i = 0; i < GDALDatasetGetLayerCount(ds) && k + 1 < size; i++) {
    int w = snprintf(buf + k, size - k, "%s%s", i ? ", " : "", OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
    if (w < 0) break;
    k += (size_t)w;
  }
  if (!k) snprintf(buf, size, "none");
}

/* The layer, its CRS (projected) and its columns' indices. */
static sm_status open_layer(sm_ctx *ctx, GDALDatasetH ds, sm__route_net *net, OGRLayerH *out, int col[NCOL]) {
  const char *path = net->path, *ln = SM_ROUTE_LAYER;
  OGRLayerH L = GDALDatasetGetLayerByName(ds, ln);
  if (!L) {
    char names[1024];
    list_layers(ds, names, sizeof names);
    return sm__error(ctx, SM_E_INPUT, "%s has no layer '%s' (the street segments safemap audit writes); its layers: %s",
                     path, ln, names);
  }
  OGRwkbGeometryType gt = wkbFlatten(OGR_L_GetGeomType(L));
  if (gt != wkbLineString && gt != wkbUnknown)
    return sm__error(ctx, SM_E_GEOMETRY, "%s: layer '%s' holds %s geometries; the street segments must be lines "
                                         "(LINESTRING)", path, ln, gt == wkbNone ? "no" : OGRGeometryTypeToName(gt));
  OGRFeatureDefnH d = OGR_L_GetLayerDefn(L);
  char missing[512] = "";
  size_t k = 0;
  int nmiss = 0;
  for (int c = 0; c < NCOL; c++) {
    col[c] = OGR_FD_GetFieldIndex(d, columns[c]);
    if (col[c] < 0 && c != C_NAME && k + 1 < sizeof missing) {
      int w = snprintf(missing + k, sizeof missing - k, "%s%s", nmiss++ ? ", " : "", columns[c]);
      if (w > 0) k += (size_t)w;
    }
  }
  if (nmiss)
    return sm__error(ctx, SM_E_INPUT, "%s: layer '%s' has no column%s %s (safemap audit writes %s)", path, ln,
                     nmiss > 1 ? "s" : "", missing, nmiss > 1 ? "them" : "it");
  OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(L);
  /* a GeoPackage's srs_id 0 and -1 read as "Undefined geographic SRS" / "Undefined Cartesian SRS": no CRS */
  const char *srs_name = srs ? OSRGetName(srs) : NULL;
  if (!srs || (srs_name && !strncmp(srs_name, "Undefined ", 10)))
    return sm__error(ctx, SM_E_CRS, "%s: layer '%s' has no CRS; routes need the segments in a projected CRS in metres",
                     path, ln);
  if (OSRIsGeographic(srs) || !OSRIsProjected(srs))
    return sm__error(ctx, SM_E_CRS, "%s: layer '%s' is in a geographic CRS (degrees); routes need a projected CRS in "
                                    "metres (rerun safemap audit)", path, ln);
  char *wkt = NULL;
  OSRExportToWkt(srs, &wkt);
  sm_status st = wkt ? sm__crs_normalise(ctx, wkt, &net->crs) : sm__error(ctx, SM_E_CRS, "%s: cannot read the CRS", path);
  CPLFree(wkt);
  if (st) return st;
  const char *h = GDALGetMetadataItem((GDALMajorObjectH)L, "hour", NULL);
  if (!h) h = GDALGetMetadataItem((GDALMajorObjectH)ds, "hour", NULL);
  if (h && !(net->hour = sm__strdup(h))) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  *out = L;
  return SM_OK;
}

/* A value of feature f's column c: NaN when NULL. */
static double value(OGRFeatureH f, int c) {
  return c >= 0 && OGR_F_IsFieldSetAndNotNull(f, c) ? OGR_F_GetFieldAsDouble(f, c) : NAN;
}

/* One feature into net->s[net->n]; the message names the file, layer, FID, column and value. */
static sm_status read_segment(sm_ctx *ctx, sm__route_net *net, OGRFeatureH f, const int col[NCOL]) {
  const char *path = net->path, *ln = SM_ROUTE_LAYER;
  long long fid = (long long)OGR_F_GetFID(f);
  OGRGeometryH g = OGR_F_GetGeometryRef(f);
  if (!g || OGR_G_IsEmpty(g))
    return sm__error(ctx, SM_E_GEOMETRY, "%s: layer '%s', segment FID %lld has no geometry", path, ln, fid);
  OGRwkbGeometryType gt = wkbFlatten(OGR_G_GetGeometryType(g));
  if (gt != wkbLineString)
    return sm__error(ctx, SM_E_GEOMETRY, "%s: layer '%s', segment FID %lld is a %s, not a LINESTRING", path, ln, fid,
                     OGRGeometryTypeToName(gt));
  int np = OGR_G_GetPointCount(g);
  if (np < 2)
    return sm__error(ctx, SM_E_GEOMETRY, "%s: layer '%s', segment FID %lld has %d point%s; a line needs 2", path, ln,
                     fid, np, np == 1 ? "" : "s");
  if (sm__grow((void **)&net->s, &net->cap, net->n + 1, sizeof *net->s) ||
      sm__grow((void **)&net->xy, &net->cap_xy, 2 * (net->nxy + (size_t)np), sizeof *net->xy))
    return sm__error(ctx, SM_E_NOMEM, "out of memory (%zu segments)", net->n + 1);
  sm__route_seg *s = &net->s[net->n];
  memset(s, 0, sizeof *s);
  s->fid = fid, s->pt0 = net->nxy, s->npt = (size_t)np;
  for (int i = 0; i < np; i++) {
    double x = OGR_G_GetX(g, i), y = OGR_G_GetY(g, i);
    if (!isfinite(x) || !isfinite(y))
      return sm__error(ctx, SM_E_GEOMETRY, "%s: layer '%s', segment FID %lld has a non-finite coordinate", path, ln, fid);
    net->xy[2 * (net->nxy + (size_t)i)] = x, net->xy[2 * (net->nxy + (size_t)i) + 1] = y;
  }
  for (int c = C_NF; c <= C_NT; c++)
    if (!OGR_F_IsFieldSetAndNotNull(f, col[c]))
      return sm__error(ctx, SM_E_INPUT, "%s: layer '%s', segment FID %lld: %s is NULL", path, ln, fid, columns[c]);
  s->nf = OGR_F_GetFieldAsInteger64(f, col[C_NF]);
  s->nt = OGR_F_GetFieldAsInteger64(f, col[C_NT]);
  double v[NCOL];
  for (int c = C_LEN; c <= C_VAWG; c++) {
    v[c] = value(f, col[c]);
    if (c == C_PERC && isnan(v[c])) v[c] = 0; /* no walk audit nearby */
    if (c == C_VAWG && isnan(v[c])) v[c] = 0; /* an audit made without crimes: no exposure to count */
    if ((c == C_BELOW || c == C_DARK) && isnan(v[c]))
      return sm__error(ctx, SM_E_INPUT, "%s: layer '%s', segment FID %lld: %s is NULL: the audit has no lighting "
                       "figures (it was made without --lights), and the safest route weighs darkness; run safemap "
                       "audit with --lights", path, ln, fid, columns[c]);
    const char *why = isnan(v[c]) ? "is NULL" : !isfinite(v[c]) ? "is not finite" : v[c] < 0 ? "is negative" : NULL;
    if (!why && c == C_BELOW && v[c] != 0 && v[c] != 1) why = "is not 0 or 1";
    if (!why && c >= C_DARK && c <= C_CRIME && v[c] > 1) why = "is more than 1 (a score is 0 to 1)";
    if (why && isnan(v[c]))
      return sm__error(ctx, SM_E_INPUT, "%s: layer '%s', segment FID %lld: %s %s", path, ln, fid, columns[c], why);
    if (why)
      return sm__error(ctx, SM_E_INPUT, "%s: layer '%s', segment FID %lld: %s %s (%g)", path, ln, fid, columns[c], why,
                       v[c]);
  }
  s->len = v[C_LEN], s->below = v[C_BELOW] == 1, s->dark = v[C_DARK], s->maint = v[C_MAINT];
  s->perc = v[C_PERC], s->crime = v[C_CRIME], s->vawg = v[C_VAWG];
  if (col[C_NAME] >= 0 && OGR_F_IsFieldSetAndNotNull(f, col[C_NAME]) && *OGR_F_GetFieldAsString(f, col[C_NAME]) &&
      !(s->name = sm__strdup(OGR_F_GetFieldAsString(f, col[C_NAME]))))
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  net->nxy += (size_t)np;
  net->n++;
  return SM_OK;
}

static sm_status read_audit(sm_ctx *ctx, sm__route_net *net) {
  sm__gdal_begin(ctx);
  GDALDatasetH ds = GDALOpenEx(net->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  sm_status st = ds ? SM_OK : open_failed(ctx, net->path);
  OGRLayerH L = NULL;
  int col[NCOL];
  if (!st) st = open_layer(ctx, ds, net, &L, col);
  if (!st) {
    OGRFeatureH f;
    OGR_L_ResetReading(L);
    while (!st && (f = OGR_L_GetNextFeature(L))) {
      st = read_segment(ctx, net, f, col);
      OGR_F_Destroy(f);
    }
  }
  if (!st && !net->n)
    st = sm__error(ctx, SM_E_INPUT, "%s: layer '%s' has no segments", net->path, SM_ROUTE_LAYER);
  if (ds) GDALClose(ds);
  sm__gdal_end(ctx);
  return st;
}

static void net_free(sm__route_net *net) {
  for (size_t i = 0; i < net->n; i++) sm__free(net->s[i].name);
  sm__free(net->s), sm__free(net->xy), sm__free(net->crs), sm__free(net->hour);
}

/* ---- the run ----------------------------------------------------------------------- */

/* The endpoint in the audit's CRS: from_crs when given, else degrees when it looks like them. */
static sm_status place_end(sm_ctx *ctx, const sm__route_net *net, const sm_route_options *o, sm__route_end *e,
                           const char *which) {
  e->x = e->gx, e->y = e->gy;
  e->crs = o->from_crs;
  if (!e->crs && fabs(e->gx) <= 180 && fabs(e->gy) <= 90) e->crs = "EPSG:4326";
  if (!e->crs) return SM_OK;
  sm_status st = sm_crs_transform(ctx, e->crs, net->crs, 1, &e->x, &e->y);
  if (!st && (!isfinite(e->x) || !isfinite(e->y)))
    st = sm__error(ctx, SM_E_CRS, "the %s (%.10g,%.10g in %s) cannot be put in the audit's CRS %s", which, e->gx, e->gy,
                   e->crs, net->crs);
  return st;
}

/* Each segment's safety cost. */
static void costs(sm__route_net *net, const sm_route_options *o) {
  for (size_t i = 0; i < net->n; i++) {
    sm__route_seg *s = &net->s[i];
    s->cost = s->len * (1 + o->k_dark * s->dark + o->k_dark_flag * s->below + o->k_maintenance * s->maint +
                        o->k_crime * s->crime + o->k_perception * s->perc);
  }
}

/* The audit's hour against --hour. */
static sm_status check_hour(sm_ctx *ctx, const sm__route_net *net, const sm_route_options *o) {
  if (!o->hour || !net->hour) return SM_OK;
  int a = hour_minutes(net->hour), b = hour_minutes(o->hour);
  if (a >= 0 ? a == b : !strcmp(net->hour, o->hour)) return SM_OK;
  return sm__error(ctx, SM_E_INPUT, "the audit %s is for the hour %s, not --hour %s: the lighting of an audit holds for "
                                    "one hour; rerun safemap audit --hour %s", net->path, net->hour, o->hour, o->hour);
}

sm_status sm_route_run(sm_ctx *ctx, sm_result **out, const char *audit, const sm_route_options *opts) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_route_run: NULL argument");
  *out = NULL;
  sm_route_options defaults = SM_ROUTE_OPTIONS_INIT;
  const sm_route_options *o = opts ? opts : &defaults;
  sm_status st = check_options(ctx, o);
  if (st) return st;
  if (!audit || !*audit) return sm__error(ctx, SM_E_INVALID_ARG, "no audit file given (AUDIT.gpkg)");
  sm__route_net net = {.path = audit};
  sm__route_end ends[2] = {{.gx = o->from_x, .gy = o->from_y}, {.gx = o->to_x, .gy = o->to_y}};
  sm__route_path paths[2] = {{0}};
  st = read_audit(ctx, &net);
  if (!st) st = check_hour(ctx, &net, o);
  if (!st) st = sm__progress(ctx, 0.2, "audit read");
  if (!st) st = place_end(ctx, &net, o, &ends[0], "start");
  if (!st) st = place_end(ctx, &net, o, &ends[1], "end");
  if (!st) st = sm__route_snap(ctx, &net, &ends[0], o->snap_m, "start");
  if (!st) st = sm__route_snap(ctx, &net, &ends[1], o->snap_m, "end");
  if (!st && ends[0].node == ends[1].node)
    st = sm__error(ctx, SM_E_INPUT, "the start and the end are both nearest to node %lld (%.1f,%.1f): there is no route "
                                    "to find; give points farther apart", (long long)ends[0].node, ends[0].nx, ends[0].ny);
  if (!st) st = sm__route_connected(ctx, &net, ends[0].node, ends[1].node);
  if (!st) costs(&net, o);
  if (!st) st = sm__route_spatialite(ctx, &net, ends[0].node, ends[1].node, paths);
  if (!st) st = sm__route_output(ctx, out, &net, o, ends, paths);
  if (!st) st = sm__progress(ctx, 1.0, "routes found");
  if (st) sm_result_destroy(*out), *out = NULL;
  sm__route_path_free(&paths[0]), sm__route_path_free(&paths[1]);
  net_free(&net);
  return st;
}
