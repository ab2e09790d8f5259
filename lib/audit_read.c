/* Reading the safety audit's inputs (streets, lamps, defects, walk audits) from any OGR source or CSV into
 * the analysis CRS, with their columns found by name and every bad row named. */
#include "internal/audit_src.h"
#include "internal/crs.h"
#include "internal/deps.h"
#include "internal/sm_internal.h"

#include <ctype.h>
#include <cpl_conv.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- streets ------------------------------------------------------------------------------------ */

/* The default filter: what people walk. Motorways and trunk roads only with a footway or foot access. */
static const char *const NOT_WALKED[] = {"motorway", "motorway_link", "trunk", "trunk_link", "construction",
                                         "proposed", "raceway", "bus_guideway", "busway", "abandoned",
                                         "disused", "escape", NULL};

/* osm_lines: the layer is GDAL's OSM "lines" (an other_tags column), where a line without a highway tag is a
 * railway, a river or a wall; elsewhere a street without a type is a street. */
static int walked(const char *highway, const char *other_tags, int osm_lines) {
  if (sm__src_blank(highway)) return !osm_lines;
  int motor = !strncmp(highway, "motorway", 8) || !strncmp(highway, "trunk", 5);
  if (other_tags && (strstr(other_tags, "\"foot\"=>\"no\"") || strstr(other_tags, "\"access\"=>\"no\""))) return 0;
  if (motor && other_tags &&
      (strstr(other_tags, "\"sidewalk\"=>\"both\"") || strstr(other_tags, "\"sidewalk\"=>\"left\"") ||
       strstr(other_tags, "\"sidewalk\"=>\"right\"") || strstr(other_tags, "\"sidewalk\"=>\"yes\"") ||
       strstr(other_tags, "\"sidewalk\"=>\"separate\"") || strstr(other_tags, "\"foot\"=>\"yes\"") ||
       strstr(other_tags, "\"foot\"=>\"designated\"")))
    return 1;
  for (const char *const *n = NOT_WALKED; *n; n++)
    if (!strcmp(highway, *n)) return 0;
  return 1;
}

void sm__streets_free(sm__streets *s) {
  for (size_t i = 0; i < s->n; i++) sm__free(s->name[i]), sm__free(s->highway[i]), sm__free(s->source_id[i]);
  sm__free(s->off), sm__free(s->vx), sm__free(s->vy), sm__free(s->name), sm__free(s->highway);
  sm__free(s->source_id), sm__free(s->name_field), sm__free(s->highway_field), sm__free(s->id_field);
  sm__free(s->input_crs);
  memset(s, 0, sizeof *s);
}

/* Appends one line (its vertices already transformed) with its attributes. */
static sm_status add_line(sm_ctx *ctx, sm__streets *s, size_t *cap, size_t *vcap, const double *x, const double *y,
                          size_t nv, const char *name, const char *hw, const char *id) {
  if (sm__grow((void **)&s->name, cap, s->n + 1, sizeof *s->name)) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  size_t c2 = *cap;
  char **hw2 = sm__realloc(s->highway, c2 * sizeof *s->highway);
  if (hw2) s->highway = hw2;
  char **id2 = hw2 ? sm__realloc(s->source_id, c2 * sizeof *s->source_id) : NULL;
  if (id2) s->source_id = id2;
  size_t *off2 = id2 ? sm__realloc(s->off, (c2 + 1) * sizeof *s->off) : NULL;
  if (off2) s->off = off2;
  if (!off2) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  size_t nvx = s->n ? s->off[s->n] : 0, vc = *vcap;
  if (sm__grow((void **)&s->vx, vcap, nvx + nv, sizeof *s->vx) || sm__grow((void **)&s->vy, &vc, nvx + nv, sizeof *s->vy))
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  memcpy(s->vx + nvx, x, nv * sizeof *x), memcpy(s->vy + nvx, y, nv * sizeof *y);
  size_t i = s->n;
  if (!i) s->off[0] = 0;
  s->name[i] = name && !sm__src_blank(name) ? sm__strdup(name) : NULL;
  s->highway[i] = hw && !sm__src_blank(hw) ? sm__strdup(hw) : NULL;
  s->source_id[i] = id ? sm__strdup(id) : NULL;
  s->off[i + 1] = nvx + nv;
  s->n++;
  if ((name && !sm__src_blank(name) && !s->name[i]) || (hw && !sm__src_blank(hw) && !s->highway[i]) || (id && !s->source_id[i]))
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  return SM_OK;
}

static sm_status street_feature(sm__src *S, OGRFeatureH f, int fn, int fh, int fi, int fo, int filter, sm__streets *s,
                                size_t *cap, size_t *vcap, double **bx, double **by, size_t *bcap) {
  sm_ctx *ctx = S->ctx;
  s->tally.read++;
  const char *hw = sm__src_text(S, f, fh);
  if (filter && fh >= 0 && !walked(hw, sm__src_text(S, f, fo), fo >= 0)) return s->tally.filtered++, SM_OK;
  OGRGeometryH g = OGR_F_GetGeometryRef(f);
  char w[200];
  if (!g || OGR_G_IsEmpty(g)) return sm__src_skip(S, f, &s->tally, "no geometry"), SM_OK;
  OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
  if (t != wkbLineString && t != wkbMultiLineString) {
    sm__src_where(S, f, w, sizeof w);
    return sm__error(ctx, SM_E_INPUT, "%s is a %s: the streets must be lines (LineString or MultiLineString)", w,
                     OGRGeometryTypeToName(OGR_G_GetGeometryType(g)));
  }
  int np = t == wkbLineString ? 1 : OGR_G_GetGeometryCount(g);
  char idbuf[32];
  const char *id = sm__src_text(S, f, fi);
  if (!id) snprintf(idbuf, sizeof idbuf, "%lld", (long long)OGR_F_GetFID(f)), id = idbuf;
  for (int p = 0; p < np; p++) {
    OGRGeometryH part = t == wkbLineString ? g : OGR_G_GetGeometryRef(g, p);
    size_t nv = (size_t)OGR_G_GetPointCount(part);
    if (nv < 2) continue;
    size_t c = *bcap;
    if (sm__grow((void **)bx, bcap, nv, sizeof **bx) || sm__grow((void **)by, &c, nv, sizeof **by))
      return sm__error(ctx, SM_E_NOMEM, "out of memory");
    for (size_t k = 0; k < nv; k++) (*bx)[k] = OGR_G_GetX(part, (int)k), (*by)[k] = OGR_G_GetY(part, (int)k);
    if (S->ct && !OCTTransform(S->ct, (int)nv, *bx, *by, NULL)) {
      sm__src_where(S, f, w, sizeof w);
      return sm__error(ctx, SM_E_CRS, "%s: cannot transform its vertices to the analysis CRS", w);
    }
    sm_status st = add_line(ctx, s, cap, vcap, *bx, *by, nv, sm__src_text(S, f, fn), hw, id);
    if (st) return st;
  }
  s->tally.kept++;
  return SM_OK;
}

sm_status sm__audit_read_streets(sm_ctx *ctx, const sm_audit_options *o, const char *crs, sm__streets *s) {
  static const char *const NAME[] = {"name", "streetname", "roadname", "name1", "street", "roadname1", NULL};
  static const char *const HW[] = {"highway", "roadtype", "function", "roadclassification", "class", NULL};
  static const char *const ID[] = {"osmid", "id", "identifier", "usrn", "toid", NULL};
  memset(s, 0, sizeof *s);
  sm__src S = SM__SRC_INIT(ctx, "streets", o->streets);
  sm__gdal_begin(ctx);
  sm_status st = sm__src_open(&S, o->streets_layer, 1);
  if (!st && OGR_FD_GetGeomFieldCount(S.defn) == 0)
    st = sm__error(ctx, SM_E_INPUT, "--streets %s: layer '%s' has no geometry: the streets must be lines", S.source, S.lname);
  if (!st) {
    OGRwkbGeometryType t = wkbFlatten(OGR_L_GetGeomType(S.layer));
    if (t != wkbUnknown && t != wkbLineString && t != wkbMultiLineString)
      st = sm__error(ctx, SM_E_INPUT, "--streets %s: layer '%s' holds %ss: the streets must be lines (LineString or "
                     "MultiLineString)", S.source, S.lname, OGRGeometryTypeToName(OGR_L_GetGeomType(S.layer)));
  }
  if (!st) st = sm__src_crs(&S, crs, NULL);
  if (!st && o->streets_where && OGR_L_SetAttributeFilter(S.layer, o->streets_where) != OGRERR_NONE)
    st = sm__error(ctx, SM_E_INVALID_ARG, "--where '%s' is not an OGR SQL filter of layer '%s'%s%s", o->streets_where,
                   S.lname, sm__dep_msg(ctx)[0] ? ": " : "", sm__dep_msg(ctx));
  int fn = sm__src_find_field(S.defn, NAME), fh = sm__src_find_field(S.defn, HW), fi = sm__src_find_field(S.defn, ID);
  int fo = OGR_FD_GetFieldIndex(S.defn, "other_tags");
  if (!st) {
    s->name_field = sm__strdup(fn >= 0 ? sm__src_fname(&S, fn) : "");
    s->highway_field = sm__strdup(fh >= 0 ? sm__src_fname(&S, fh) : "");
    s->id_field = sm__strdup(fi >= 0 ? sm__src_fname(&S, fi) : "FID");
    s->input_crs = sm__strdup(S.input_crs);
    if (!s->name_field || !s->highway_field || !s->id_field || !s->input_crs) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  size_t cap = 0, vcap = 0, bcap = 0;
  double *bx = NULL, *by = NULL;
  if (!st) OGR_L_ResetReading(S.layer);
  for (OGRFeatureH f; !st && !S.oom && (f = OGR_L_GetNextFeature(S.layer));) {
    st = street_feature(&S, f, fn, fh, fi, fo, !o->streets_where, s, &cap, &vcap, &bx, &by, &bcap);
    OGR_F_Destroy(f);
  }
  if (S.oom) /* a text could not be copied: whatever the row then seemed to hold */
    st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm__free(bx), sm__free(by);
  if (!st && !s->n)
    st = sm__error(ctx, SM_E_INPUT, "--streets %s: no street to audit: %llu features read, %llu left out by the %s%s%s",
                   S.source, (unsigned long long)s->tally.read, (unsigned long long)s->tally.filtered,
                   o->streets_where ? "filter --where " : "highway filter (what people walk; --where to choose)",
                   o->streets_where ? o->streets_where : "",
                   s->tally.no_position ? ", the rest without geometry"
                   : o->streets_where && !s->tally.read ? " (no feature passes it: check its columns and values)" : "");
  sm__src_close(&S);
  sm__gdal_end(ctx);
  if (st) sm__streets_free(s);
  return st;
}

sm_status sm__audit_streets_crs(sm_ctx *ctx, const sm_audit_options *o, char **crs) {
  sm__src S = SM__SRC_INIT(ctx, "streets", o->streets);
  sm__gdal_begin(ctx);
  sm_status st = sm__src_open(&S, o->streets_layer, 1);
  if (!st && OGR_FD_GetGeomFieldCount(S.defn) == 0)
    st = sm__error(ctx, SM_E_INPUT, "--streets %s: layer '%s' has no geometry: the streets must be lines", S.source, S.lname);
  OGREnvelope env;
  if (!st && OGR_L_GetExtent(S.layer, &env, 1) != OGRERR_NONE)
    st = sm__error(ctx, SM_E_INPUT, "--streets %s: layer '%s' has no features", S.source, S.lname);
  OGRSpatialReferenceH l = st ? NULL : OGR_L_GetSpatialRef(S.layer);
  if (!st && !l)
    st = sm__error(ctx, SM_E_CRS, "--streets %s: layer '%s' has no CRS; give it one (ogr2ogr -a_srs EPSG:27700)",
                   S.source, S.lname);
  if (!st) {
    double cx = (env.MinX + env.MaxX) / 2, cy = (env.MinY + env.MaxY) / 2;
    char *wkt = NULL;
    OSRExportToWkt(l, &wkt);
    st = wkt ? sm__crs_to_lonlat(ctx, wkt, 1, &cx, &cy) : sm__error(ctx, SM_E_CRS, "--streets %s: cannot read the CRS", S.source);
    CPLFree(wkt);
    if (!st) st = sm_crs_choose(ctx, crs, cx, cy);
  }
  sm__src_close(&S);
  sm__gdal_end(ctx);
  return st;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* ---- lamps -------------------------------------------------------------------------------------- */

void sm__lamps_free(sm__lamps *l) {
  for (size_t i = 0; i < l->n; i++)
    sm__free(l->regime_text[i]), sm__free(l->street[i]), sm__free(l->ward[i]), sm__free(l->id[i]);
  sm__free(l->x), sm__free(l->y), sm__free(l->flux), sm__free(l->watts), sm__free(l->flux_src), sm__free(l->height), sm__free(l->type), sm__free(l->type_known);
  sm__free(l->out), sm__free(l->regime), sm__free(l->regime_text), sm__free(l->street), sm__free(l->ward);
  sm__free(l->id), sm__free(l->row), sm__free(l->on), sm__free(l->why_off), sm__free(l->input_crs), sm__free(l->fields);
  memset(l, 0, sizeof *l);
}

static sm_status lamps_grow(sm_ctx *ctx, sm__lamps *l, size_t *cap) {
  if (l->n < *cap) return SM_OK;
  size_t c = *cap ? 2 * *cap : 1024;
#define G(a)                                                                                                          \
  do {                                                                                                                \
    void *q_ = sm__realloc(l->a, c * sizeof *(l->a));                                                                 \
    if (!q_) return sm__error(ctx, SM_E_NOMEM, "out of memory");                                                      \
    l->a = q_;                                                                                                        \
  } while (0)
  G(x); G(y); G(flux); G(watts); G(flux_src); G(height); G(type); G(type_known); G(out); G(regime); G(regime_text); G(street); G(ward);
  G(id); G(row); G(on); G(why_off);
#undef G
  *cap = c;
  return SM_OK;
}

/* Working (1) or out (0) from a status text; -1 when it cannot be told. */
static int status_working(const char *t) {
  static const char *const OUT[] = {"out", "fault", "faulty", "notworking", "off", "dead", "failed", "broken",
                                    "0", "no", "false", "outoflight", "outofservice", "removed", "dayburner", NULL};
  static const char *const WORKING[] = {"working", "ok", "on", "1", "yes", "true", "inservice", "live", "lit",
                                        "operational", "active", "good", NULL};
  char b[64];
  if (sm__src_blank(t)) return 1;
  sm__src_norm_name(t, b, sizeof b);
  for (const char *const *n = OUT; *n; n++)
    if (!strcmp(b, *n)) return 0;
  for (const char *const *n = WORKING; *n; n++)
    if (!strcmp(b, *n)) return 1;
  return -1;
}

typedef struct lamp_cols {
  int watt, lumen, type, height, status, regime, street, ward, id;
} lamp_cols;

/* One lamp row: its position (or a skip), flux, type, height, status and regime; bad values refused. */
static sm_status lamp_feature(sm__src *S, OGRFeatureH f, const lamp_cols *c, const sm_audit_options *o, sm__lamps *l,
                              size_t *cap) {
  sm_ctx *ctx = S->ctx;
  char w[200], why[200];
  double x, y, v;
  l->tally.read++;
  if (!sm__src_point(S, f, &x, &y, why, sizeof why)) return sm__src_skip(S, f, &l->tally, why), SM_OK;
  sm_status st = lamps_grow(ctx, l, cap);
  if (st) return st;
  size_t i = l->n;
  sm__src_where(S, f, w, sizeof w);
  l->x[i] = x, l->y[i] = y, l->row[i] = (long)OGR_F_GetFID(f) + (S->is_csv ? 1 : 0);
  sm_lamp_type type = o->default_lamp_type;
  const char *tt = sm__src_text(S, f, c->type);
  l->type_known[i] = 0;
  if (!sm__src_blank(tt)) {
    if (sm_lamp_type_parse(tt, &type)) l->type_known[i] = 1;
    else l->unknown_types++;
  }
  l->type[i] = (unsigned char)type;
  const char *lt = sm__src_text(S, f, c->lumen), *wt = sm__src_text(S, f, c->watt);
  if (c->lumen >= 0 && !sm__src_blank(lt)) {
    if (!sm__src_number(lt, &v) || v <= 0)
      return sm__error(ctx, SM_E_INPUT, "%s: field '%s' value '%s': a lamp's lumens must be a positive number", w,
                       sm__src_fname(S, c->lumen), lt);
    l->flux[i] = v, l->watts[i] = NAN, l->flux_src[i] = 0;
  } else if (c->watt >= 0 && sm__src_blank(wt)) { /* a lamp of unknown output: the inventory's median, counted and stated */
    if (!l->no_watts++) snprintf(l->no_watts_example, sizeof l->no_watts_example, "%s", w);
    l->flux[i] = NAN, l->watts[i] = NAN, l->flux_src[i] = 2;
  } else if (c->watt >= 0) {
    if (!sm__src_number(wt, &v) || v <= 0)
      return sm__error(ctx, SM_E_INPUT, "%s: field '%s' value '%s': a lamp's wattage must be a positive number of watts%s",
                       w, sm__src_fname(S, c->watt), wt ? wt : "", c->lumen >= 0 ? " (or give its lumens)" : "");
    if (v > 5000)
      return sm__error(ctx, SM_E_INPUT, "%s: field '%s' value '%s': %g W is not a street lamp (at most 5000 W)", w,
                       sm__src_fname(S, c->watt), wt, v);
    l->flux[i] = v * sm_lamp_type_efficacy(type), l->watts[i] = v, l->flux_src[i] = 1;
  } else {
    return sm__error(ctx, SM_E_INPUT, "%s: field '%s' is empty and there is no wattage column", w, sm__src_fname(S, c->lumen));
  }
  l->height[i] = NAN;
  const char *ht = sm__src_text(S, f, c->height);
  if (c->height >= 0 && !sm__src_blank(ht)) {
    if (!sm__src_number(ht, &v) || v < 2 || v > 40)
      return sm__error(ctx, SM_E_INPUT, "%s: field '%s' value '%s': a mounting height must be 2 to 40 metres", w,
                       sm__src_fname(S, c->height), ht);
    l->height[i] = v;
  }
  const char *stt = sm__src_text(S, f, c->status);
  int working = status_working(stt);
  if (working < 0)
    return sm__error(ctx, SM_E_INPUT, "%s: field '%s' value '%s': not a lamp status (working, ok, on; out, faulty, off)",
                     w, sm__src_fname(S, c->status), stt);
  l->out[i] = !working;
  const char *rt = sm__src_text(S, f, c->regime);
  l->regime_text[i] = NULL;
  l->street[i] = l->ward[i] = l->id[i] = NULL;
  l->n++; /* from here the strings are the lamps' to free */
  if (!sm_light_regime_parse(rt, &l->regime[i]))
    return sm__error(ctx, SM_E_INPUT, "%s: field '%s' value '%s': not a switching regime (a photocell such as 35/18, "
                     "Dusk-Dawn, all night, or a part-night window when the lamp is off such as 00:00-05:30)",
                     w, sm__src_fname(S, c->regime), rt);
  const char *sn = sm__src_text(S, f, c->street), *wn = sm__src_text(S, f, c->ward), *id = sm__src_text(S, f, c->id);
  char idb[32];
  if (!id) snprintf(idb, sizeof idb, "%ld", l->row[i]), id = idb;
  if ((!sm__src_blank(rt) && !(l->regime_text[i] = sm__strdup(rt))) || (!sm__src_blank(sn) && !(l->street[i] = sm__strdup(sn))) ||
      (!sm__src_blank(wn) && !(l->ward[i] = sm__strdup(wn))) || !(l->id[i] = sm__strdup(id)))
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  l->tally.kept++;
  return SM_OK;
}

/* "position Easting/Northing (EPSG:27700); wattage Wattage; ..." */
static char *lamp_fields_text(const sm__src *S, const lamp_cols *c) {
  char buf[1024];
  int k = snprintf(buf, sizeof buf, "position %s", S->fx >= 0 ? S->xy_note : "the geometry");
  const int *f[] = {&c->lumen, &c->watt, &c->type, &c->height, &c->status, &c->regime, &c->street, &c->ward, &c->id};
  const char *nm[] = {"lumens", "wattage", "lamp type", "mounting height", "status", "switch regime", "street", "ward", "id"};
  for (size_t j = 0; j < sizeof f / sizeof f[0] && k > 0 && (size_t)k < sizeof buf; j++)
    if (*f[j] >= 0) k += snprintf(buf + k, sizeof buf - (size_t)k, "; %s %s", nm[j], sm__src_fname(S, *f[j]));
  return sm__strdup(buf);
}

sm_status sm__audit_read_lamps(sm_ctx *ctx, const sm_audit_options *o, const char *crs, sm__lamps *l) {
  static const char *const WATT[] = {"wattage", "watts", "watt", "lampwattage", "power", "powerw", "w", NULL};
  static const char *const LUMEN[] = {"lumens", "lumen", "flux", "fluxlm", "lumenoutput", "lm", NULL};
  static const char *const TYPE[] = {"lamptype", "lamp", "lightsource", "lampsource", "technology", "type", NULL};
  static const char *const HEIGHT[] = {"mountingheight", "columnheight", "height", "heightm", "mounting", NULL};
  static const char *const STATUS[] = {"status", "state", "working", "condition", "operational", NULL};
  static const char *const REGIME[] = {"switchregime", "switchingregime", "regime", "switching", "switch", NULL};
  static const char *const STREET[] = {"streetname", "street", "roadname", "road", NULL};
  static const char *const WARD[] = {"wardname", "ward", NULL};
  static const char *const ID[] = {"unitid", "unitno", "assetid", "columnid", "id", "reference", "ref", NULL};
  memset(l, 0, sizeof *l);
  sm__src S = SM__SRC_INIT(ctx, "lights", o->lights);
  sm__gdal_begin(ctx);
  sm_status st = sm__src_open(&S, o->lights_layer, 0);
  if (!st) st = sm__src_positions(&S, crs, o->lights_crs);
  lamp_cols c = {-1, -1, -1, -1, -1, -1, -1, -1, -1};
  if (!st) {
    c.watt = sm__src_find_field(S.defn, WATT), c.lumen = sm__src_find_field(S.defn, LUMEN), c.type = sm__src_find_field(S.defn, TYPE);
    c.height = sm__src_find_field(S.defn, HEIGHT), c.status = sm__src_find_field(S.defn, STATUS), c.regime = sm__src_find_field(S.defn, REGIME);
    c.street = sm__src_find_field(S.defn, STREET), c.ward = sm__src_find_field(S.defn, WARD), c.id = sm__src_find_field(S.defn, ID);
    if (c.watt < 0 && c.lumen < 0)
      st = sm__error(ctx, SM_E_INPUT, "--lights %s: no wattage or lumens column (a lamp's light comes from one of them: "
                     "Wattage, Watts, Lumens)", S.source);
    l->has_type = c.type >= 0, l->has_lumens = c.lumen >= 0, l->has_height = c.height >= 0;
    l->has_status = c.status >= 0, l->has_regime = c.regime >= 0;
    if (!st && (!(l->input_crs = sm__strdup(S.input_crs)) || !(l->fields = lamp_fields_text(&S, &c))))
      st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  size_t cap = 0;
  if (!st) OGR_L_ResetReading(S.layer);
  for (OGRFeatureH f; !st && !S.oom && (f = OGR_L_GetNextFeature(S.layer));) {
    st = lamp_feature(&S, f, &c, o, l, &cap);
    OGR_F_Destroy(f);
  }
  if (S.oom) /* a text could not be copied: whatever the row then seemed to hold */
    st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st && l->no_watts) { /* the median wattage of the lamps that have one */
    double *w = sm__malloc(l->n * sizeof *w);
    size_t k = 0;
    for (size_t i = 0; w && i < l->n; i++)
      if (l->flux_src[i] == 1) w[k++] = l->watts[i];
    if (!w) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    else if (!k)
      st = sm__error(ctx, SM_E_INPUT, "--lights %s: no lamp has a wattage or lumens: their light cannot be modelled",
                     S.source);
    else {
      qsort(w, k, sizeof *w, cmp_double);
      l->median_watts = k % 2 ? w[k / 2] : (w[k / 2 - 1] + w[k / 2]) / 2;
      for (size_t i = 0; i < l->n; i++)
        if (l->flux_src[i] == 2) l->flux[i] = l->median_watts * sm_lamp_type_efficacy((sm_lamp_type)l->type[i]);
    }
    sm__free(w);
  }
  if (!st && !l->n)
    st = sm__error(ctx, SM_E_INPUT, "--lights %s: no lamp with a usable position: %llu rows read%s%s", S.source,
                   (unsigned long long)l->tally.read, l->tally.example[0] ? "; the first: " : "", l->tally.example);
  sm__src_close(&S);
  sm__gdal_end(ctx);
  if (st) sm__lamps_free(l);
  return st;
}

/* ---- defects ------------------------------------------------------------------------------------ */

void sm__defects_free(sm__defects *d) {
  for (size_t i = 0; i < d->n; i++) sm__free(d->category[i]);
  sm__free(d->x), sm__free(d->y), sm__free(d->category), sm__free(d->weight), sm__free(d->age_days);
  sm__free(d->is_light), sm__free(d->input_crs);
  memset(d, 0, sizeof *d);
}

/* The weight of a defect category (docs/audit.md), and whether it is a street-light report. */
static double defect_weight(const char *cat, int *is_light) {
  static const struct { const char *word; double w; int light; } T[] = {
      {"trafficlight", 1, 0}, {"streetlight", 3, 1}, {"lighting", 3, 1}, {"lamp", 3, 1}, {"light", 3, 1},
      {"footway", 3, 0}, {"pavement", 3, 0}, {"footpath", 3, 0}, {"trip", 3, 0}, {"pothole", 2, 0},
      {"roadsurface", 2, 0}, {"road", 2, 0}, {"overgrown", 1.5, 0}, {"vegetation", 1.5, 0}, {"tree", 1.5, 0},
      {"graffiti", 1.5, 0}, {"vandal", 1.5, 0}, {"incivilit", 1.5, 0}, {"flytip", 1, 0}, {"rubbish", 1, 0},
      {"litter", 1, 0}, {"abandoned", 1, 0}, {"drain", 1, 0}, {"flood", 1, 0}, {"sign", 0.5, 0}};
  char b[128];
  sm__src_norm_name(cat ? cat : "", b, sizeof b);
  *is_light = 0;
  for (size_t k = 0; k < sizeof T / sizeof T[0]; k++)
    if (strstr(b, T[k].word)) return *is_light = T[k].light, T[k].w;
  return 1;
}

static sm_status defects_grow(sm_ctx *ctx, sm__defects *d, size_t *cap) {
  if (d->n < *cap) return SM_OK;
  size_t c = *cap ? 2 * *cap : 256;
#define G(a)                                                                                                          \
  do {                                                                                                                \
    void *q_ = sm__realloc(d->a, c * sizeof *(d->a));                                                                 \
    if (!q_) return sm__error(ctx, SM_E_NOMEM, "out of memory");                                                      \
    d->a = q_;                                                                                                        \
  } while (0)
  G(x); G(y); G(category); G(weight); G(age_days); G(is_light);
#undef G
  *cap = c;
  return SM_OK;
}

/* A date field: 1 with *t set, 0 when blank; -1 when not a date. */
static int date_of(const char *t, int64_t *out) {
  if (sm__src_blank(t)) return 0;
  while (isspace((unsigned char)*t)) t++;
  size_t n = strlen(t);
  while (n && isspace((unsigned char)t[n - 1])) n--;
  sm_time_res res;
  if (sm_time_parse(t, n, out, &res) == SM_OK) return 1;
  /* OGR's own rendering of DateTime fields: "2024/03/05 10:00:00+00" */
  if (n >= 10 && sm_time_parse(t, 10, out, &res) == SM_OK) return 1;
  return -1;
}

static sm_status defect_feature(sm__src *S, OGRFeatureH f, const int *c, int64_t at, sm__defects *d, size_t *cap) {
  sm_ctx *ctx = S->ctx;
  char w[200], why[200];
  double x, y;
  int64_t rep = 0, fix = 0;
  d->tally.read++;
  if (!sm__src_point(S, f, &x, &y, why, sizeof why)) return sm__src_skip(S, f, &d->tally, why), SM_OK;
  sm__src_where(S, f, w, sizeof w);
  const char *rt = sm__src_text(S, f, c[1]), *ft = sm__src_text(S, f, c[2]);
  int hr = date_of(rt, &rep), hf = date_of(ft, &fix);
  if (hr < 0) return sm__error(ctx, SM_E_INPUT, "%s: field '%s' value '%s' is not a date", w, sm__src_fname(S, c[1]), rt);
  if (hf < 0) return sm__error(ctx, SM_E_INPUT, "%s: field '%s' value '%s' is not a date", w, sm__src_fname(S, c[2]), ft);
  if (hr > 0 && hf > 0 && fix < rep)
    return sm__error(ctx, SM_E_INPUT, "%s: fixed before it was reported: field '%s' value '%s', field '%s' value '%s'", w,
                     sm__src_fname(S, c[2]), ft, sm__src_fname(S, c[1]), rt);
  int open = at == INT64_MIN ? !hf : (hr <= 0 || rep <= at) && (!hf || fix > at);
  if (hr > 0 && at != INT64_MIN && rep > at) open = 0;
  if (!open) return d->tally.filtered++, SM_OK;
  sm_status st = defects_grow(ctx, d, cap);
  if (st) return st;
  size_t i = d->n;
  const char *cat = sm__src_text(S, f, c[0]);
  int light = 0;
  d->x[i] = x, d->y[i] = y;
  d->weight[i] = defect_weight(cat, &light);
  d->is_light[i] = (unsigned char)light;
  int64_t ref = at != INT64_MIN ? at : 0;
  d->age_days[i] = hr > 0 && at != INT64_MIN ? (double)(ref - rep) / 86400.0 : NAN;
  d->category[i] = sm__strdup(sm__src_blank(cat) ? "(no category)" : cat);
  d->n++;
  if (!d->category[i]) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  d->tally.kept++;
  return SM_OK;
}

sm_status sm__audit_read_defects(sm_ctx *ctx, const sm_audit_options *o, const char *crs, sm__defects *d) {
  static const char *const CAT[] = {"category", "defecttype", "problem", "type", "subcategory", "shefb", NULL};
  static const char *const REP[] = {"reported", "reporteddate", "datereported", "created", "confirmed", "opened",
                                    "reportdate", "raised", NULL};
  static const char *const FIX[] = {"fixed", "fixeddate", "datefixed", "closed", "dateclosed", "resolved",
                                    "completed", NULL};
  memset(d, 0, sizeof *d);
  int64_t at = INT64_MIN;
  if (o->at) {
    sm_time_res res;
    if (sm_time_parse(o->at, strlen(o->at), &at, &res) != SM_OK)
      return sm__error(ctx, SM_E_INVALID_ARG, "--at '%s' is not a date (YYYY-MM-DD)", o->at);
    at += res == SM_TIME_MONTH ? 0 : 86399; /* the end of the day */
  }
  sm__src S = SM__SRC_INIT(ctx, "defects", o->defects);
  sm__gdal_begin(ctx);
  sm_status st = sm__src_open(&S, o->defects_layer, 0);
  if (!st) st = sm__src_positions(&S, crs, o->defects_crs);
  int c[3] = {-1, -1, -1};
  if (!st) {
    c[0] = sm__src_find_field(S.defn, CAT), c[1] = sm__src_find_field(S.defn, REP), c[2] = sm__src_find_field(S.defn, FIX);
    if (c[2] < 0 && !o->at)
      st = sm__error(ctx, SM_E_INPUT, "--defects %s: no fixed-date column (Fixed, Closed, Resolved): which defects are "
                     "open cannot be told", S.source);
    else if (o->at && c[1] < 0)
      st = sm__error(ctx, SM_E_INPUT, "--defects %s: no reported-date column (Reported, Created): what was open at --at "
                     "%s cannot be told", S.source, o->at);
    else if (!(d->input_crs = sm__strdup(S.input_crs)))
      st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  size_t cap = 0;
  if (!st) OGR_L_ResetReading(S.layer);
  for (OGRFeatureH f; !st && !S.oom && (f = OGR_L_GetNextFeature(S.layer));) {
    st = defect_feature(&S, f, c, at, d, &cap);
    OGR_F_Destroy(f);
  }
  if (S.oom) /* a text could not be copied: whatever the row then seemed to hold */
    st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm__src_close(&S);
  sm__gdal_end(ctx);
  if (st) sm__defects_free(d);
  return st;
}

/* ---- walk audits -------------------------------------------------------------------------------- */

void sm__audits_free(sm__audits *a) {
  for (size_t k = 0; k < a->p; k++) sm__free(a->param[k]);
  sm__free(a->x), sm__free(a->y), sm__free(a->score), sm__free(a->param), sm__free(a->input_crs);
  memset(a, 0, sizeof *a);
}

/* The parameters: the user's list, or Safetipin's nine; the columns found for them (fields[k], -1 absent). */
static sm_status audit_params(sm_ctx *ctx, sm__src *S, const char *list, sm__audits *a, int *fields) {
  static const char *const NINE[] = {"lighting", "openness", "visibility", "people", "security", "walk_path",
                                     "public_transport", "gender_usage", "feeling"};
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", list ? list : "");
  const char *names[64];
  size_t n = 0;
  if (list) {
    for (char *tok = strtok(buf, ","); tok && n < 64; tok = strtok(NULL, ",")) {
      while (isspace((unsigned char)*tok)) tok++;
      if (*tok) names[n++] = tok;
    }
    if (!n) return sm__error(ctx, SM_E_INVALID_ARG, "--audit-parameters '%s' names no parameter", list);
  } else {
    for (size_t k = 0; k < 9; k++) names[n++] = NINE[k];
  }
  if (!(a->param = sm__calloc(n, sizeof *a->param))) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  size_t found = 0;
  for (size_t k = 0; k < n; k++) {
    char nb[128];
    sm__src_norm_name(names[k], nb, sizeof nb);
    const char *one[] = {nb, NULL};
    fields[k] = sm__src_find_field(S->defn, one);
    if (fields[k] < 0 && !strcmp(nb, "genderusage")) {
      const char *alt[] = {"gender", "diversity", NULL};
      fields[k] = sm__src_find_field(S->defn, alt);
    }
    if (!(a->param[k] = sm__strdup(names[k]))) return a->p = k, sm__error(ctx, SM_E_NOMEM, "out of memory");
    found += fields[k] >= 0;
  }
  a->p = n;
  if (!found)
    return sm__error(ctx, SM_E_INPUT, "--audits %s: none of the audit parameters (%s%s) is a column", S->source,
                     list ? list : "lighting, openness, visibility, people, security, walk path, public transport, "
                                   "gender usage, feeling", list ? "; --audit-parameters" : "");
  if (list && found < n)
    for (size_t k = 0; k < n; k++)
      if (fields[k] < 0)
        return sm__error(ctx, SM_E_INPUT, "--audits %s: no column for the parameter '%s' (--audit-parameters)", S->source,
                         names[k]);
  return SM_OK;
}

sm_status sm__audit_read_audits(sm_ctx *ctx, const sm_audit_options *o, const char *crs, sm__audits *a) {
  memset(a, 0, sizeof *a);
  sm__src S = SM__SRC_INIT(ctx, "audits", o->audits);
  int fields[64];
  sm__gdal_begin(ctx);
  sm_status st = sm__src_open(&S, o->audits_layer, 0);
  if (!st) st = sm__src_positions(&S, crs, o->audits_crs);
  if (!st) st = audit_params(ctx, &S, o->audit_parameters, a, fields);
  if (!st && !(a->input_crs = sm__strdup(S.input_crs))) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  size_t cap = 0;
  if (!st) OGR_L_ResetReading(S.layer);
  for (OGRFeatureH f; !st && !S.oom && (f = OGR_L_GetNextFeature(S.layer)); OGR_F_Destroy(f)) {
    char w[200], why[200];
    double x, y, v;
    a->tally.read++;
    if (!sm__src_point(&S, f, &x, &y, why, sizeof why)) {
      sm__src_skip(&S, f, &a->tally, why);
      continue;
    }
    if (a->n == cap) {
      size_t c = cap ? 2 * cap : 256;
      double *nx = sm__realloc(a->x, c * sizeof *nx);
      if (nx) a->x = nx;
      double *ny = nx ? sm__realloc(a->y, c * sizeof *ny) : NULL;
      if (ny) a->y = ny;
      double *ns = ny ? sm__realloc(a->score, c * a->p * sizeof *ns) : NULL;
      if (ns) a->score = ns;
      if (!ns) {
        st = sm__error(ctx, SM_E_NOMEM, "out of memory");
        continue;
      }
      cap = c;
    }
    a->x[a->n] = x, a->y[a->n] = y;
    for (size_t k = 0; k < a->p && !st; k++) {
      const char *t = sm__src_text(&S, f, fields[k]);
      double *s = a->score + a->n * a->p + k;
      *s = NAN;
      if (sm__src_blank(t)) continue;
      if (!sm__src_number(t, &v) || v < 0 || v > 3) {
        sm__src_where(&S, f, w, sizeof w);
        st = sm__error(ctx, SM_E_INPUT, "%s: field '%s' value '%s': audit scores are 0 to 3 (Safetipin's scale)", w,
                       sm__src_fname(&S, fields[k]), t);
      }
      *s = v;
    }
    if (!st) a->n++, a->tally.kept++;
  }
  if (S.oom) /* a text could not be copied: whatever the row then seemed to hold */
    st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm__src_close(&S);
  sm__gdal_end(ctx);
  if (st) sm__audits_free(a);
  return st;
}
