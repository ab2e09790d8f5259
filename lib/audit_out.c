/* The safety audit's layers: audit_segments, dark_stretches, audit_priorities, audit_lamps, audit_wards, each
 * with the run's recipe; and the reasons text of a segment's priority. */
#include "internal/audit.h"
#include "internal/recipe.h"
#include "internal/result_build.h"
#include "internal/sm_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const COMPONENT[SM__C_END] = {"darkness", "maintenance", "perception", "pins", "crime"};

/* ---- WKB ------------------------------------------------------------------------------------------- */

static unsigned char *put_u32(unsigned char *p, uint32_t v) {
  memcpy(p, &v, 4); /* little-endian hosts only: the byte-order flag says 1 */
  return p + 4;
}
static unsigned char *put_f64(unsigned char *p, double v) {
  memcpy(p, &v, 8);
  return p + 8;
}

/* A linestring (or, with parts > 1, a multilinestring of the listed segments) into buf (grown). */
static sm_status lines_wkb(sm_ctx *ctx, const sm__net *net, const size_t *segs, size_t parts, int multi,
                           unsigned char **buf, size_t *cap, size_t *size) {
  size_t need = multi ? 9 : 0;
  for (size_t k = 0; k < parts; k++) need += 9 + 16 * (net->off[segs[k] + 1] - net->off[segs[k]]);
  if (sm__grow((void **)buf, cap, need, 1)) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  unsigned char *p = *buf;
  if (multi) *p++ = 1, p = put_u32(p, 5), p = put_u32(p, (uint32_t)parts);
  for (size_t k = 0; k < parts; k++) {
    size_t a = net->off[segs[k]], b = net->off[segs[k] + 1];
    *p++ = 1, p = put_u32(p, 2), p = put_u32(p, (uint32_t)(b - a));
    for (size_t v = a; v < b; v++) p = put_f64(p, net->vx[v]), p = put_f64(p, net->vy[v]);
  }
  *size = need;
  return SM_OK;
}

/* ---- columns --------------------------------------------------------------------------------------- */

typedef struct cols {
  sm_layer *L;
  size_t f[128];
  size_t n;
  sm_ctx *ctx;
  sm_status st;
  size_t row;
} cols;

static void col(cols *c, const char *name, sm_field_type t) {
  if (!c->st && c->n < 128) c->st = sm_layer_add_field(c->ctx, c->L, name, t, &c->f[c->n++]);
}
static void set_i(cols *c, size_t k, int64_t v) {
  if (!c->st) c->st = sm_layer_set_int(c->ctx, c->L, c->row, c->f[k], v);
}
/* NaN stays NULL */
static void set_d(cols *c, size_t k, double v) {
  if (!c->st && !isnan(v)) c->st = sm_layer_set_double(c->ctx, c->L, c->row, c->f[k], v);
}
static void set_s(cols *c, size_t k, const char *v) {
  if (!c->st && v) c->st = sm_layer_set_string(c->ctx, c->L, c->row, c->f[k], v);
}

/* A new layer of A's CRS into *out and c, with the columns N (types T). */
static void layer_begin(cols *c, const sm__audit *A, sm_layer **out, const char *name, sm_geom_type g,
                        const char *const *N, const sm_field_type *T, size_t n) {
  memset(c, 0, sizeof *c);
  c->ctx = A->ctx;
  c->st = sm_layer_create(A->ctx, &c->L, name, g, A->crs);
  *out = c->L;
  for (size_t k = 0; k < n; k++) col(c, N[k], T[k]);
}

/* ---- the reasons ------------------------------------------------------------------------------------- */

/* The words and numbers of one component of segment s. */
static void component_text(const sm__audit *A, size_t s, int k, char *b, size_t size) {
  double ta, tm;
  sm_light_class_lux((sm_light_class)A->cls[s], &ta, &tm);
  switch (k) {
  case SM__C_DARK:
    snprintf(b, size, "below %s: %.1f lx average, %.1f lx minimum (target %g / %g)",
             sm_light_class_name((sm_light_class)A->cls[s]), A->lux_avg[s], A->lux_min[s], ta, tm);
    break;
  case SM__C_MAINT:
    if (!A->have_defects && A->have_area_counts) {
      sm__audit_area_text(A, s, b, size);
      break;
    }
    snprintf(b, size, "%d open defect%s (%s)", A->defects_n[s], A->defects_n[s] == 1 ? "" : "s",
             A->defect_cats[s] ? A->defect_cats[s] : "");
    break;
  case SM__C_PERC:
    snprintf(b, size, "walk audits %.1f of 3 (%d audit%s nearby)", A->audit_mean[s], A->audits_n[s],
             A->audits_n[s] == 1 ? "" : "s");
    break;
  case SM__C_PINS: sm__audit_pins_text(A, s, b, size); break;
  case SM__C_CRIME: {
    double top = 100 * (1 - A->s[SM__C_CRIME][s]);
    snprintf(b, size, "VAWG density %.0f per km2, top %.0f%% (%d crime%s on this segment)", A->crime_kde[s],
             top < 1 ? 1 : ceil(top), A->crimes_n[s], A->crimes_n[s] == 1 ? "" : "s");
    break;
  }
  default: snprintf(b, size, "%s", COMPONENT[k]);
  }
}

void sm__audit_reasons(const sm__audit *A, size_t s, char *buf, size_t size) {
  int used[SM__C_END] = {0};
  size_t k = 0;
  buf[0] = 0;
  for (int n = 0; n < 3; n++) {
    int best = -1;
    for (int c = 0; c < SM__C_END; c++)
      if (!used[c] && A->c[c][s] > 0 && (best < 0 || A->c[c][s] > A->c[best][s])) best = c;
    if (best < 0) break;
    used[best] = 1;
    char part[300];
    component_text(A, s, best, part, sizeof part);
    if (k < size) k += (size_t)snprintf(buf + k, size - k, "%s%s", n ? "; " : "", part);
  }
  if (!buf[0]) snprintf(buf, size, "nothing found against it");
}

/* ---- the recipe -------------------------------------------------------------------------------------- */

void sm__audit_tally_text(const sm__audit_tally *t, const char *what, char *b, size_t size) {
  snprintf(b, size, "%llu read, %llu %s used", (unsigned long long)t->read, (unsigned long long)t->kept, what);
  size_t k = strlen(b);
  if (t->filtered && k < size)
    k += (size_t)snprintf(b + k, size - k, ", %llu left out by the filter", (unsigned long long)t->filtered);
  if (t->no_position && k < size)
    snprintf(b + k, size - k, ", %llu skipped without a position (the first: %s)", (unsigned long long)t->no_position,
             t->example);
}

sm_status sm__audit_meta(const sm__audit *A, sm_layer *L, const char *k, const char *fmt, ...) {
  char v[3072];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(v, sizeof v, fmt, ap);
  va_end(ap);
  return sm_layer_set_metadata(A->ctx, L, k, v);
}

sm_status sm__audit_recipe(const sm__audit *A, sm_layer *L) {
  const sm_audit_options *o = A->o;
  char b[1024], hour[16];
  if (o->hour >= 0) snprintf(hour, sizeof hour, "%02d:%02d", o->hour / 60, o->hour % 60);
  else snprintf(hour, sizeof hour, "not given");
  sm_status st = sm__audit_meta(A, L, "method",
                      "women's safety audit overlay: streets noded at shared vertices and cut into segments of at most "
                      "%g m; modelled horizontal illuminance at sample points every %g m or less (EN 13201-3 style, "
                      "centred in equal intervals) from point-source lamps with downward cosine intensity I0 = F*MF/pi "
                      "cd (E = I0 h^2 / (h^2 + r^2)^2, reach %g x mounting height); below target when the average or "
                      "minimum is under the EN 13201-2 P class", o->segment_m, o->sample_m, o->reach_factor);
  if (!st) st = sm__audit_meta(A, L, "analysis_crs", "%s", A->crs);
  sm__audit_tally_text(&A->streets.tally, "lines", b, sizeof b);
  if (!st) st = sm__audit_meta(A, L, "streets", "%s: %s; name field %s, type field %s, id field %s; %s; input CRS %s", o->streets,
                     b, A->streets.name_field[0] ? A->streets.name_field : "(none)",
                     A->streets.highway_field[0] ? A->streets.highway_field : "(none)", A->streets.id_field,
                     o->streets_where ? o->streets_where : "default highway filter (what people walk: motorways and "
                     "trunk roads only with a sidewalk or foot tag; no construction, proposed, raceway, bus guideway, "
                     "busway, abandoned, disused, escape; foot=no and access=no out)", A->streets.input_crs);
  if (!st) st = sm__audit_meta(A, L, "segments", "%zu segments, %zu nodes", A->net.n, A->net.n_nodes);
  if (!st && A->have_lights) {
    const sm__lamps *l = &A->lamps;
    sm__audit_tally_text(&l->tally, "lamps", b, sizeof b);
    st = sm__audit_meta(A, L, "lights", "%s: %s; columns: %s; input CRS %s", o->lights, b, l->fields, l->input_crs);
    if (!st)
      st = sm__audit_meta(A, L, "lamps_state", "%zu lit at the hour (%s); %zu out by status; %zu out by an open street-light "
                "defect within %g m; %zu off at the hour by part-night switching", A->lamps_on, hour, A->lamps_out,
                A->lamps_defect_out, o->lamp_defect_radius_m, A->lamps_off_hour);
    if (!st)
      st = sm__audit_meta(A, L, "lamp_types", "%s; %zu lamps with an unrecognised type took the default %s",
                l->has_type ? "types from the lamp-type column" : "no lamp-type column: every lamp taken as the default type",
                l->unknown_types, sm_lamp_type_name(o->default_lamp_type));
    if (!st)
      st = sm__audit_meta(A, L, "efficacy_lm_per_w", "LED %g, HPS %g, LPS %g, MH %g, fluorescent %g, mercury %g (lamp and gear, "
                "typical; default type %s)", sm_lamp_type_efficacy(SM_LAMP_LED), sm_lamp_type_efficacy(SM_LAMP_HPS),
                sm_lamp_type_efficacy(SM_LAMP_LPS), sm_lamp_type_efficacy(SM_LAMP_MH),
                sm_lamp_type_efficacy(SM_LAMP_FLUORESCENT), sm_lamp_type_efficacy(SM_LAMP_MERCURY),
                sm_lamp_type_name(o->default_lamp_type));
    const sm__photometry *ph = &A->photometry;
    char pb[1600] = "";
    size_t pk = 0;
    for (int t = 0; t < SM_LAMP_TYPE_END_ && pk < sizeof pb; t++)
      if (ph->profile[t])
        pk += (size_t)snprintf(pb + pk, sizeof pb - pk, "%s%s: %s (%s, %.0f lm from the table, %.0f%% downward, %s; "
                               "intensity averaged over C)", pk ? "; " : "", sm_lamp_type_name((sm_lamp_type)t),
                               ph->path[t], ph->version[t], ph->flux[t], 100 * ph->downward[t] / ph->flux[t],
                               isnan(ph->lumens[t]) ? "absolute photometry: the lamp's own flux is not used"
                                                    : "scaled to each lamp's flux");
    if (!st)
      st = sm__audit_meta(A, L, "photometry", "%s%s", pb[0] ? pb : "none: every lamp is the cosine point source",
                pb[0] ? "; other types: the cosine point source" : "");
    if (!st)
      st = sm__audit_meta(A, L, "mounting_height", "%zu lamps without a height took %s", A->lamps_default_height,
                o->default_height_m > 0 ? "--height" : "the default of their street type (trunk and primary 10 m, "
                "secondary and tertiary 8 m, footway, path, steps, cycleway 5 m, others 6 m)");
  } else if (!st) {
    st = sm__audit_meta(A, L, "lights", "none given: no lighting figures (NULL), darkness counts 0 in the priority");
  }
  if (!st) st = sm__audit_meta(A, L, "hour", "%s", hour);
  if (!st) st = sm__audit_meta(A, L, "maintenance_factor", "%g", o->maintenance_factor);
  if (!st)
    st = sm__audit_meta(A, L, "target", "%s", o->target != SM_LIGHT_CLASS_AUTO ? sm_light_class_name(o->target)
                                     : "by street type: trunk, primary, secondary, pedestrian P2; tertiary P3; "
                                       "residential, living street, unclassified, footway, path, steps, cycleway and "
                                       "untyped P4; service and bridleway P5; track P6");
  if (!st) st = sm__audit_meta(A, L, "lamp_offset_m", "%g (lamps this close to a street count for its gaps)", o->lamp_offset_m);
  if (!st && A->have_defects) {
    sm__audit_tally_text(&A->defects.tally, "open defects", b, sizeof b);
    st = sm__audit_meta(A, L, "defects", "%s: %s (open %s); within %g m of a segment; weights by category: street light, "
              "footway 3; road surface 2; vegetation, graffiti 1.5; rubbish, fly-tipping, drains, abandoned vehicles, "
              "other 1; signs 0.5", o->defects, b, o->at ? o->at : "now: no fixed date", o->defect_radius_m);
  }
  if (!st && A->have_audits) {
    sm__audit_tally_text(&A->audits.tally, "audits", b, sizeof b);
    size_t k = 0;
    char params[512] = "";
    for (size_t p = 0; p < A->audits.p && k < sizeof params; p++)
      k += (size_t)snprintf(params + k, sizeof params - k, "%s%s", p ? ", " : "", A->audits.param[p]);
    st = sm__audit_meta(A, L, "audits", "%s: %s; parameters %s (0-3); inverse-distance mean (1/d, d >= 1 m) within %g m of a "
              "segment's middle; none nearby is NULL", o->audits, b, params, o->audit_radius_m);
  }
  if (!st && A->crimes) {
    const sm_points *p = A->crimes;
    size_t k = 0;
    char types[512] = "";
    /* the types of the crimes kept (the reader's table also names the types it left out) */
    size_t nc = sm_points_category_count(p), used_n = 0;
    const int32_t *cat = sm_points_category(p);
    unsigned char used[4096] = {0};
    for (size_t i = 0; i < sm_points_count(p); i++)
      if (cat[i] >= 0 && (size_t)cat[i] < sizeof used) used[cat[i]] = 1;
    for (size_t c = 0; c < nc && c < sizeof used && k < sizeof types; c++)
      if (used[c])
        k += (size_t)snprintf(types + k, sizeof types - k, "%s%s", used_n++ ? ", " : "", sm_points_category_name(p, c));
    st = sm__audit_meta(A, L, "crimes", "%zu crimes (types: %s); each counted for its nearest segment within %g m; density: "
              "quartic kernel (3 / (pi R^2) (1 - d^2 / R^2)^2 a crime, per km2, as safemap kde's default), R = %g m%s, "
              "evaluated at each segment's middle", sm_points_count(p), types[0] ? types : "not stated in the input",
              o->crime_radius_m, A->crime_bandwidth, o->crime_bandwidth_m > 0 ? " (--crime-bandwidth)"
              : A->crime_bandwidth_fixed ? " (fixed: too few places for a spread)" : " (spatial Silverman rule)");
  }
  if (!st) st = sm__audit_inputs_recipe(A, L);
  if (!st)
    st = sm__audit_meta(A, L, "priority", "100 x sum of weight x component / sum of weights; weights darkness %g, maintenance %g, "
              "perception %g, pins %g, crime %g; components: darkness = the larger relative shortfall of the average "
              "or minimum against the target (0-1); maintenance = %s; perception = 1 - mean audit score / 3; pins = %s; "
              "crime = percentile of the VAWG density at the segment's middle; a percentile is the share of the "
              "segments with a lower value (0 where the value is 0)",
              o->weights[0], o->weights[1], o->weights[2], o->weights[3], o->weights[4],
              A->have_defects || !A->have_area_counts ? "percentile of the defect score"
                                                      : "percentile of the area reports per km (--defect-areas; no --defects)",
              A->have_pins ? "percentile of the unsafe-place pins within --pin-radius of the segment"
                           : "0 (no --pins)");
  if (!st) st = sm__audit_meta(A, L, "min_dark_m", "%g", o->min_dark_m);
  if (!st) st = sm__layer_recipe_inputs(A->ctx, L, A->crimes, A->wards);
  if (!st && !A->crimes) { /* the input items every output has: no crimes here; the other inputs say theirs above */
    const char *keys[] = {"input_rows_read", "input_rows_skipped", "input_rows_left_out", "input_points"};
    for (size_t k = 0; k < 4 && !st; k++) st = sm__audit_meta(A, L, keys[k], "0 (no crimes given)");
  }
  if (!st && A->warnings) { /* logged once by the run; recorded on every layer */
    const char *old = sm_layer_metadata_get(L, "warnings");
    char *both = old ? sm__asprintf("%s; %s", old, A->warnings) : NULL;
    st = old && !both ? sm__error(A->ctx, SM_E_NOMEM, "out of memory")
                      : sm_layer_set_metadata(A->ctx, L, "warnings", both ? both : A->warnings);
    sm__free(both);
  }
  if (!st && A->notes) st = sm_layer_set_metadata(A->ctx, L, "notes", A->notes);
  return st;
}

/* ---- audit_segments ------------------------------------------------------------------------------------ */

static sm_status segments_layer(sm__audit *A, sm_layer **out) {
  const sm__net *net = &A->net;
  cols c = {0};
  c.ctx = A->ctx;
  c.st = sm_layer_create(A->ctx, &c.L, "audit_segments", SM_GEOM_LINESTRING, A->crs);
  *out = c.L;
  col(&c, "segment_id", SM_FIELD_INT64), col(&c, "street_name", SM_FIELD_STRING), col(&c, "highway", SM_FIELD_STRING);
  col(&c, "source_id", SM_FIELD_STRING), col(&c, "node_from", SM_FIELD_INT64), col(&c, "node_to", SM_FIELD_INT64);
  col(&c, "length_m", SM_FIELD_DOUBLE), col(&c, "ward_id", SM_FIELD_STRING), col(&c, "ward_name", SM_FIELD_STRING);
  col(&c, "target_class", SM_FIELD_STRING), col(&c, "target_avg_lx", SM_FIELD_DOUBLE);             /* 9, 10 */
  col(&c, "target_min_lx", SM_FIELD_DOUBLE), col(&c, "lux_avg", SM_FIELD_DOUBLE);                   /* 11, 12 */
  col(&c, "lux_min", SM_FIELD_DOUBLE), col(&c, "lux_uniformity", SM_FIELD_DOUBLE);                  /* 13, 14 */
  col(&c, "below_target", SM_FIELD_INT64), col(&c, "shortfall_avg_lx", SM_FIELD_DOUBLE);            /* 15, 16 */
  col(&c, "shortfall_min_lx", SM_FIELD_DOUBLE), col(&c, "lamps_lit", SM_FIELD_INT64);               /* 17, 18 */
  col(&c, "nearest_lamp_m", SM_FIELD_DOUBLE), col(&c, "lamp_gap_m", SM_FIELD_DOUBLE);               /* 19, 20 */
  col(&c, "defects_open", SM_FIELD_INT64), col(&c, "defect_score", SM_FIELD_DOUBLE);                /* 21, 22 */
  col(&c, "oldest_defect_days", SM_FIELD_DOUBLE), col(&c, "defect_categories", SM_FIELD_STRING);    /* 23, 24 */
  col(&c, "audits_n", SM_FIELD_INT64), col(&c, "audit_mean", SM_FIELD_DOUBLE);                      /* 25, 26 */
  col(&c, "vawg_crimes", SM_FIELD_INT64), col(&c, "vawg_per_100m", SM_FIELD_DOUBLE);                /* 27, 28 */
  col(&c, "vawg_density_km2", SM_FIELD_DOUBLE);                                                     /* 29 */
  for (int k = 0; k < SM__C_END; k++) {                                                              /* 30.. 34 */
    char nm[32];
    snprintf(nm, sizeof nm, "s_%s", COMPONENT[k]);
    col(&c, nm, SM_FIELD_DOUBLE);
  }
  for (int k = 0; k < SM__C_END; k++) {                                                              /* 35.. 39 */
    char nm[32];
    snprintf(nm, sizeof nm, "c_%s", COMPONENT[k]);
    col(&c, nm, SM_FIELD_DOUBLE);
  }
  col(&c, "priority", SM_FIELD_DOUBLE), col(&c, "rank", SM_FIELD_INT64), col(&c, "reasons", SM_FIELD_STRING); /* 40-42 */
  col(&c, "dark_stretch", SM_FIELD_INT64);                                                                       /* 43 */
  /* pins, CCTV and area counts: q0 pins, q0+1 cctv_share, q0+2 cctv_m, q0+3 area_id, q0+4 area_reports,
   * q0+5 area_reports_per_km, then pins_<factor> */
  size_t q0 = c.n, nf = A->have_pins ? A->pins.nf : 0;
  col(&c, "pins", SM_FIELD_INT64), col(&c, "cctv_share", SM_FIELD_DOUBLE), col(&c, "cctv_m", SM_FIELD_DOUBLE);
  col(&c, "area_id", SM_FIELD_STRING), col(&c, "area_reports", SM_FIELD_DOUBLE);
  col(&c, "area_reports_per_km", SM_FIELD_DOUBLE);
  for (size_t k = 0; k < nf; k++) col(&c, A->pins.column[k], SM_FIELD_INT64);
  size_t p0 = c.n;
  for (size_t p = 0; p < (A->have_audits ? A->audits.p : 0); p++) {
    char nm[160];
    snprintf(nm, sizeof nm, "audit_%s", A->audits.param[p]);
    col(&c, nm, SM_FIELD_DOUBLE);
  }
  unsigned char *wkb = NULL;
  size_t cap = 0, wn = 0;
  for (size_t s = 0; s < net->n && !c.st; s++) {
    c.st = lines_wkb(A->ctx, net, &s, 1, 0, &wkb, &cap, &wn);
    if (!c.st) c.st = sm_layer_add_feature(A->ctx, c.L, wkb, wn, &c.row);
    const sm__streets *S = &A->streets;
    size_t li = net->street[s];
    set_i(&c, 0, (int64_t)s + 1), set_s(&c, 1, S->name[li]), set_s(&c, 2, S->highway[li]), set_s(&c, 3, S->source_id[li]);
    set_i(&c, 4, net->node_from[s]), set_i(&c, 5, net->node_to[s]), set_d(&c, 6, net->length[s]);
    if (A->ward[s] >= 0) set_s(&c, 7, sm_areas_id(A->wards, (size_t)A->ward[s])), set_s(&c, 8, sm_areas_name(A->wards, (size_t)A->ward[s]));
    double ta, tm;
    sm_light_class_lux((sm_light_class)A->cls[s], &ta, &tm);
    set_s(&c, 9, sm_light_class_name((sm_light_class)A->cls[s])), set_d(&c, 10, ta), set_d(&c, 11, tm);
    if (A->have_lights) {
      set_d(&c, 12, A->lux_avg[s]), set_d(&c, 13, A->lux_min[s]);
      set_d(&c, 14, A->lux_avg[s] > 0 ? A->lux_min[s] / A->lux_avg[s] : NAN);
      set_i(&c, 15, A->below[s]), set_d(&c, 16, fmax(0, ta - A->lux_avg[s])), set_d(&c, 17, fmax(0, tm - A->lux_min[s]));
      set_i(&c, 18, A->lamps_lit[s]), set_d(&c, 19, A->near_lamp[s]), set_d(&c, 20, A->gap[s]);
    }
    if (A->have_defects) {
      set_i(&c, 21, A->defects_n[s]), set_d(&c, 22, A->defect_score[s]), set_d(&c, 23, A->defect_oldest[s]);
      set_s(&c, 24, A->defect_cats[s]);
    }
    if (A->have_audits) {
      set_i(&c, 25, A->audits_n[s]), set_d(&c, 26, A->audit_mean[s]);
      for (size_t p = 0; p < A->audits.p; p++) set_d(&c, p0 + p, A->audit_param[s * A->audits.p + p]);
    }
    if (A->crimes) set_i(&c, 27, A->crimes_n[s]), set_d(&c, 28, A->crime_per_100m[s]), set_d(&c, 29, A->crime_kde[s]);
    for (int k = 0; k < SM__C_END; k++) {
      int null = (k == SM__C_DARK && !A->have_lights) || (k == SM__C_PERC && isnan(A->audit_mean[s]));
      if (!null) set_d(&c, 30 + (size_t)k, A->s[k][s]);
      set_d(&c, 35 + (size_t)k, A->c[k][s]);
    }
    char why[700];
    sm__audit_reasons(A, s, why, sizeof why);
    set_d(&c, 40, A->priority[s]), set_i(&c, 41, (int64_t)A->rank[s]), set_s(&c, 42, why);
    if (A->stretch_of[s] >= 0) set_i(&c, 43, A->stretch_of[s] + 1);
    if (A->have_pins) {
      set_i(&c, q0, (int64_t)A->pins_n[s]);
      for (size_t k = 0; k < nf; k++) set_i(&c, q0 + 6 + k, A->pins_f[s * nf + k]);
    }
    if (A->have_cctv) set_d(&c, q0 + 1, A->cctv_share[s]), set_d(&c, q0 + 2, A->cctv_m[s]);
    if (A->have_area_counts && A->area_of[s] >= 0) {
      set_s(&c, q0 + 3, sm_areas_id(A->areac.areas, (size_t)A->area_of[s]));
      set_d(&c, q0 + 4, A->area_reports[s]), set_d(&c, q0 + 5, A->area_rate[s]);
    }
    if (!c.st && (s & 4095) == 4095) c.st = sm__progress(A->ctx, 0.9, "writing the segments");
  }
  sm__free(wkb);
  if (!c.st) c.st = sm__audit_recipe(A, c.L);
  return c.st;
}

/* ---- dark_stretches ------------------------------------------------------------------------------------ */

static sm_status stretches_layer(sm__audit *A, sm_layer **out) {
  const sm__net *net = &A->net;
  static const char *const N[] = {"stretch_id", "street_name", "ward_id", "ward_name", "length_m", "segments",
                                  "target_class", "lowest_lux_avg", "lowest_lux_min", "mean_lux_avg", "longest_gap_m",
                                  "lamps_lit", "vawg_crimes", "defects_open", "priority_max", "first_segment"};
  static const sm_field_type T[] = {SM_FIELD_INT64, SM_FIELD_STRING, SM_FIELD_STRING, SM_FIELD_STRING, SM_FIELD_DOUBLE,
                                    SM_FIELD_INT64, SM_FIELD_STRING, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                    SM_FIELD_DOUBLE, SM_FIELD_INT64, SM_FIELD_INT64, SM_FIELD_INT64, SM_FIELD_DOUBLE,
                                    SM_FIELD_INT64};
  cols c;
  layer_begin(&c, A, out, "dark_stretches", SM_GEOM_MULTILINESTRING, N, T, sizeof N / sizeof N[0]);
  size_t ns = A->n_stretches, n = net->n;
  size_t *cnt = sm__calloc(ns + 1, sizeof *cnt), *segs = sm__malloc((n ? n : 1) * sizeof *segs);
  if (!c.st && (!cnt || !segs)) c.st = sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  if (!c.st) { /* the segments of each stretch, in segment order */
    for (size_t s = 0; s < n; s++)
      if (A->stretch_of[s] >= 0) cnt[A->stretch_of[s] + 1]++;
    for (size_t k = 0; k < ns; k++) cnt[k + 1] += cnt[k];
    size_t *fill = sm__malloc((ns ? ns : 1) * sizeof *fill);
    if (!fill) c.st = sm__error(A->ctx, SM_E_NOMEM, "out of memory");
    else {
      memcpy(fill, cnt, ns * sizeof *fill);
      for (size_t s = 0; s < n; s++)
        if (A->stretch_of[s] >= 0) segs[fill[A->stretch_of[s]]++] = s;
      sm__free(fill);
    }
  }
  unsigned char *wkb = NULL;
  size_t cap = 0, wn = 0;
  for (size_t k = 0; k < ns && !c.st; k++) {
    const size_t *sg = segs + cnt[k];
    size_t m = cnt[k + 1] - cnt[k];
    double len = 0, lo_avg = INFINITY, lo_min = INFINITY, lux_len = 0, gap = 0, pmax = 0, best_len = -1;
    int64_t lamps = 0, crimes = 0, defects = 0;
    int cls = SM_LIGHT_P6;
    long ward = -1;
    size_t longest = sg[0];
    for (size_t q = 0; q < m; q++) {
      size_t s = sg[q];
      len += net->length[s], lux_len += A->lux_avg[s] * net->length[s];
      lo_avg = fmin(lo_avg, A->lux_avg[s]), lo_min = fmin(lo_min, A->lux_min[s]);
      if (!isnan(A->gap[s])) gap = fmax(gap, A->gap[s]);
      lamps += A->lamps_lit[s], crimes += A->crimes_n[s], defects += A->defects_n[s];
      pmax = fmax(pmax, A->priority[s]);
      if (A->cls[s] < cls) cls = A->cls[s];
      if (net->length[s] > best_len) best_len = net->length[s], longest = s;
    }
    ward = A->ward[longest];
    c.st = lines_wkb(A->ctx, net, sg, m, 1, &wkb, &cap, &wn);
    if (!c.st) c.st = sm_layer_add_feature(A->ctx, c.L, wkb, wn, &c.row);
    set_i(&c, 0, (int64_t)k + 1), set_s(&c, 1, A->streets.name[net->street[longest]]);
    if (ward >= 0) set_s(&c, 2, sm_areas_id(A->wards, (size_t)ward)), set_s(&c, 3, sm_areas_name(A->wards, (size_t)ward));
    set_d(&c, 4, len), set_i(&c, 5, (int64_t)m), set_s(&c, 6, sm_light_class_name((sm_light_class)cls));
    set_d(&c, 7, lo_avg), set_d(&c, 8, lo_min), set_d(&c, 9, lux_len / len), set_d(&c, 10, gap);
    set_i(&c, 11, lamps), set_i(&c, 12, crimes), set_i(&c, 13, defects), set_d(&c, 14, pmax);
    set_i(&c, 15, (int64_t)sg[0] + 1);
  }
  sm__free(wkb), sm__free(cnt), sm__free(segs);
  if (!c.st) c.st = sm__audit_recipe(A, c.L);
  return c.st;
}

/* ---- audit_priorities ------------------------------------------------------------------------------------ */

static sm_status priorities_layer(sm__audit *A, sm_layer **out) {
  const sm__net *net = &A->net;
  static const char *const N[] = {"rank", "segment_id", "street_name", "ward_name", "priority", "reasons",
                                  "c_darkness", "c_maintenance", "c_perception", "c_pins", "c_crime", "lux_avg",
                                  "target_class", "dark_stretch", "length_m"};
  static const sm_field_type T[] = {SM_FIELD_INT64, SM_FIELD_INT64, SM_FIELD_STRING, SM_FIELD_STRING, SM_FIELD_DOUBLE,
                                    SM_FIELD_STRING, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                    SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_STRING, SM_FIELD_INT64, SM_FIELD_DOUBLE};
  cols c;
  layer_begin(&c, A, out, "audit_priorities", SM_GEOM_LINESTRING, N, T, sizeof N / sizeof N[0]);
  unsigned char *wkb = NULL;
  size_t cap = 0, wn = 0;
  for (size_t k = 0; k < A->o->top && k < net->n && !c.st; k++) {
    size_t s = A->order[k];
    if (!(A->priority[s] > 0)) break;
    c.st = lines_wkb(A->ctx, net, &s, 1, 0, &wkb, &cap, &wn);
    if (!c.st) c.st = sm_layer_add_feature(A->ctx, c.L, wkb, wn, &c.row);
    char why[700];
    sm__audit_reasons(A, s, why, sizeof why);
    set_i(&c, 0, (int64_t)k + 1), set_i(&c, 1, (int64_t)s + 1), set_s(&c, 2, A->streets.name[net->street[s]]);
    if (A->ward[s] >= 0) set_s(&c, 3, sm_areas_name(A->wards, (size_t)A->ward[s]));
    set_d(&c, 4, A->priority[s]), set_s(&c, 5, why);
    for (int q = 0; q < SM__C_END; q++) set_d(&c, 6 + (size_t)q, A->c[q][s]);
    if (A->have_lights) set_d(&c, 11, A->lux_avg[s]);
    set_s(&c, 12, sm_light_class_name((sm_light_class)A->cls[s]));
    if (A->stretch_of[s] >= 0) set_i(&c, 13, A->stretch_of[s] + 1);
    set_d(&c, 14, net->length[s]);
  }
  sm__free(wkb);
  if (!c.st) c.st = sm__audit_recipe(A, c.L);
  return c.st;
}

/* ---- audit_lamps ------------------------------------------------------------------------------------------ */

static sm_status lamps_layer(sm__audit *A, sm_layer **out) {
  const sm__lamps *l = &A->lamps;
  static const char *const N[] = {"lamp_id", "row", "street_name", "ward_name", "wattage", "lamp_type", "type_given",
                                  "flux_lm", "height_m", "reach_m", "switch_regime", "state", "lit", "nearest_segment",
                                  "distance_to_street_m", "flux_source"};
  static const sm_field_type T[] = {SM_FIELD_STRING, SM_FIELD_INT64, SM_FIELD_STRING, SM_FIELD_STRING, SM_FIELD_DOUBLE,
                                    SM_FIELD_STRING, SM_FIELD_INT64, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                    SM_FIELD_STRING, SM_FIELD_STRING, SM_FIELD_INT64, SM_FIELD_INT64, SM_FIELD_DOUBLE,
                                    SM_FIELD_STRING};
  cols c;
  layer_begin(&c, A, out, "audit_lamps", SM_GEOM_POINT, N, T, sizeof N / sizeof N[0]);
  static const char *const SRC[] = {"lumens column", "wattage x efficacy", "no wattage: the inventory's median"};
  char hour[16];
  snprintf(hour, sizeof hour, "%02d:%02d", A->o->hour / 60 % 24, A->o->hour % 60);
  for (size_t i = 0; i < l->n && !c.st; i++) {
    unsigned char wkb[21];
    wkb[0] = 1;
    put_f64(put_f64(put_u32(wkb + 1, 1), l->x[i]), l->y[i]);
    c.st = sm_layer_add_feature(A->ctx, c.L, wkb, sizeof wkb, &c.row);
    char state[120];
    switch (l->why_off[i]) {
    case 1: snprintf(state, sizeof state, "out (status)"); break;
    case 2: snprintf(state, sizeof state, "out (open street-light defect within %g m)", A->o->lamp_defect_radius_m); break;
    case 3:
      snprintf(state, sizeof state, "off at %s (part-night %02d:%02d-%02d:%02d)", hour, l->regime[i].off_from / 60,
               l->regime[i].off_from % 60, l->regime[i].off_to / 60, l->regime[i].off_to % 60);
      break;
    default: snprintf(state, sizeof state, "lit");
    }
    set_s(&c, 0, l->id[i]), set_i(&c, 1, l->row[i]), set_s(&c, 2, l->street[i]), set_s(&c, 3, l->ward[i]);
    set_d(&c, 4, l->watts[i]), set_s(&c, 5, sm_lamp_type_name((sm_lamp_type)l->type[i])), set_i(&c, 6, l->type_known[i]);
    set_d(&c, 7, l->flux[i]), set_d(&c, 8, l->height[i]), set_d(&c, 9, A->reach[i]), set_s(&c, 10, l->regime_text[i]);
    set_s(&c, 11, state), set_i(&c, 12, l->on[i]);
    if (A->lamp_seg[i] >= 0) set_i(&c, 13, A->lamp_seg[i] + 1), set_d(&c, 14, A->lamp_dist[i]);
    set_s(&c, 15, SRC[l->flux_src[i] < 3 ? l->flux_src[i] : 0]);
  }
  if (!c.st) c.st = sm__audit_recipe(A, c.L);
  return c.st;
}

/* ---- audit_wards ------------------------------------------------------------------------------------------ */

/* The ward of each of n points (-1 none). */
static sm_status locate(sm__audit *A, size_t n, const double *x, const double *y, int32_t **out) {
  *out = sm__malloc((n ? n : 1) * sizeof **out);
  if (!*out) return sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  if (!n) return SM_OK;
  sm_points *p = NULL;
  sm_status st = sm_points_create(A->ctx, &p, A->crs, n, x, y, NULL, NULL);
  if (!st) st = sm_areas_locate(A->ctx, A->wards, p, *out, NULL);
  sm_points_destroy(p);
  return st;
}

static sm_status wards_layer(sm__audit *A, sm_layer **out) {
  const sm__net *net = &A->net;
  size_t nw = sm_areas_count(A->wards), np = A->have_audits ? A->audits.p : 0;
  static const char *const N[] = {"ward_id", "ward_name", "street_km", "km_below_target", "share_below_target",
                                  "dark_km", "dark_stretches", "lamps", "working_lamps_per_km", "lamps_off_at_hour",
                                  "defects_open", "open_defects_per_km", "audits", "audit_mean", "vawg_crimes",
                                  "vawg_per_km", "top_priorities", "pins", "pins_per_km", "cctv_km", "cctv_share",
                                  "area_reports", "area_reports_per_km"};
  static const sm_field_type T[] = {SM_FIELD_STRING, SM_FIELD_STRING, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                    SM_FIELD_DOUBLE, SM_FIELD_INT64, SM_FIELD_INT64, SM_FIELD_DOUBLE, SM_FIELD_INT64,
                                    SM_FIELD_INT64, SM_FIELD_DOUBLE, SM_FIELD_INT64, SM_FIELD_DOUBLE, SM_FIELD_INT64,
                                    SM_FIELD_DOUBLE, SM_FIELD_STRING, SM_FIELD_INT64, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE,
                                    SM_FIELD_DOUBLE, SM_FIELD_DOUBLE, SM_FIELD_DOUBLE};
  cols c;
  layer_begin(&c, A, out, "audit_wards", SM_GEOM_MULTIPOLYGON, N, T, sizeof N / sizeof N[0]);
  size_t p0 = c.n;
  for (size_t p = 0; p < np; p++) {
    char nm[160];
    snprintf(nm, sizeof nm, "audit_%s", A->audits.param[p]);
    col(&c, nm, SM_FIELD_DOUBLE);
  }
  int32_t *lw = NULL, *dw = NULL, *aw = NULL, *pw = NULL;
  if (!c.st) c.st = locate(A, A->have_lights ? A->lamps.n : 0, A->lamps.x, A->lamps.y, &lw);
  if (!c.st) c.st = locate(A, A->have_defects ? A->defects.n : 0, A->defects.x, A->defects.y, &dw);
  if (!c.st) c.st = locate(A, A->have_audits ? A->audits.n : 0, A->audits.x, A->audits.y, &aw);
  if (!c.st) c.st = locate(A, A->have_pins ? A->pins.n : 0, A->pins.x, A->pins.y, &pw);
  /* per ward: sums over its segments, lamps, defects, audits and pins */
  enum { KM, BELOW, DARK, LAMPS, WORKING, OFFH, DEF, AUD, AUDSUM, AUDN, CRIME, STRETCHES, PINS, CCTV, AREA, NV };
  double *W = c.st ? NULL : sm__calloc(nw * (NV + 2 * np) + 1, sizeof *W);
  if (!c.st && !W) c.st = sm__error(A->ctx, SM_E_NOMEM, "out of memory");
  size_t stride = NV + 2 * np;
  if (!c.st) {
    for (size_t s = 0; s < net->n; s++) {
      if (A->ward[s] < 0) continue;
      double *w = W + (size_t)A->ward[s] * stride;
      w[KM] += net->length[s] / 1000;
      if (A->below[s]) w[BELOW] += net->length[s] / 1000;
      if (A->stretch_of[s] >= 0) w[DARK] += net->length[s] / 1000;
      w[CRIME] += A->crimes_n[s];
      if (A->have_cctv) w[CCTV] += A->cctv_m[s] / 1000;
      if (A->have_area_counts && !isnan(A->area_reports[s])) w[AREA] += A->area_reports[s];
    }
    for (size_t i = 0; A->have_pins && i < A->pins.n; i++)
      if (pw[i] >= 0) W[(size_t)pw[i] * stride + PINS]++;
    for (size_t i = 0; A->have_lights && i < A->lamps.n; i++) {
      if (lw[i] < 0) continue;
      double *w = W + (size_t)lw[i] * stride;
      w[LAMPS]++, w[WORKING] += A->lamps.why_off[i] != 1 && A->lamps.why_off[i] != 2, w[OFFH] += A->lamps.why_off[i] == 3;
    }
    for (size_t i = 0; A->have_defects && i < A->defects.n; i++)
      if (dw[i] >= 0) W[(size_t)dw[i] * stride + DEF]++;
    for (size_t i = 0; A->have_audits && i < A->audits.n; i++) {
      if (aw[i] < 0) continue;
      double *w = W + (size_t)aw[i] * stride;
      w[AUD]++;
      for (size_t p = 0; p < np; p++) {
        double v = A->audits.score[i * np + p];
        if (!isnan(v)) w[NV + 2 * p] += v, w[NV + 2 * p + 1]++, w[AUDSUM] += v, w[AUDN]++;
      }
    }
    /* stretches by the ward of their longest segment: counted where their first segment lies */
    long last = -1;
    for (size_t s = 0; s < net->n; s++)
      if (A->stretch_of[s] > last && A->ward[s] >= 0) last = A->stretch_of[s], W[(size_t)A->ward[s] * stride + STRETCHES]++;
  }
  for (size_t k = 0; k < nw && !c.st; k++) {
    if (!(W[k * stride + KM] > 0)) continue; /* a ward with no street audited says nothing */
    size_t wn = 0;
    const unsigned char *wkb = sm_areas_wkb(A->wards, k, &wn);
    c.st = sm_layer_add_feature(A->ctx, c.L, wkb, wn, &c.row);
    const double *w = W + k * stride;
    set_s(&c, 0, sm_areas_id(A->wards, k)), set_s(&c, 1, sm_areas_name(A->wards, k)), set_d(&c, 2, w[KM]);
    if (A->have_lights && w[KM] > 0) {
      set_d(&c, 3, w[BELOW]), set_d(&c, 4, w[BELOW] / w[KM]), set_d(&c, 5, w[DARK]), set_i(&c, 6, (int64_t)w[STRETCHES]);
    }
    if (A->have_lights) {
      set_i(&c, 7, (int64_t)w[LAMPS]), set_i(&c, 9, (int64_t)w[OFFH]);
      if (w[KM] > 0) set_d(&c, 8, w[WORKING] / w[KM]);
    }
    if (A->have_defects) {
      set_i(&c, 10, (int64_t)w[DEF]);
      if (w[KM] > 0) set_d(&c, 11, w[DEF] / w[KM]);
    }
    if (A->have_audits) {
      set_i(&c, 12, (int64_t)w[AUD]);
      if (w[AUDN] > 0) set_d(&c, 13, w[AUDSUM] / w[AUDN]);
      for (size_t p = 0; p < np; p++)
        if (w[NV + 2 * p + 1] > 0) set_d(&c, p0 + p, w[NV + 2 * p] / w[NV + 2 * p + 1]);
    }
    if (A->crimes) {
      set_i(&c, 14, (int64_t)w[CRIME]);
      if (w[KM] > 0) set_d(&c, 15, w[CRIME] / w[KM]);
    }
    if (A->have_pins) {
      set_i(&c, 17, (int64_t)w[PINS]);
      if (w[KM] > 0) set_d(&c, 18, w[PINS] / w[KM]);
    }
    if (A->have_cctv) {
      set_d(&c, 19, w[CCTV]);
      if (w[KM] > 0) set_d(&c, 20, w[CCTV] / w[KM]);
    }
    if (A->have_area_counts) {
      double years = A->areac.months_known && A->areac.months ? (double)A->areac.months / 12.0 : 1;
      set_d(&c, 21, w[AREA]);
      if (w[KM] > 0) set_d(&c, 22, w[AREA] / w[KM] / years);
    }
    /* its three top priorities */
    char top[1200];
    size_t tk = 0, found = 0;
    top[0] = 0;
    for (size_t q = 0; q < net->n && found < 3; q++) {
      size_t s = A->order[q];
      if (A->ward[s] != (int32_t)k || !(A->priority[s] > 0)) continue;
      const char *street = A->streets.name[net->street[s]];
      char why[700];
      sm__audit_reasons(A, s, why, sizeof why);
      if (tk < sizeof top)
        tk += (size_t)snprintf(top + tk, sizeof top - tk, "%s%zu. %s (segment %zu, rank %zu): %s", found ? " | " : "",
                               found + 1, street ? street : "unnamed street", s + 1, q + 1, why);
      found++;
    }
    if (found) set_s(&c, 16, top);
  }
  sm__free(W), sm__free(lw), sm__free(dw), sm__free(aw), sm__free(pw);
  if (!c.st) c.st = sm__audit_recipe(A, c.L);
  return c.st;
}

sm_status sm__audit_layers(sm__audit *A, sm_result *r) {
  sm_layer *L = NULL;
  sm_status st = segments_layer(A, &L);
  st = st ? (sm_layer_destroy(L), st) : sm__result_add_layer(A->ctx, r, L, NULL);
  if (!st) {
    st = stretches_layer(A, &L);
    st = st ? (sm_layer_destroy(L), st) : sm__result_add_layer(A->ctx, r, L, "_dark_stretches");
  }
  if (!st) {
    st = priorities_layer(A, &L);
    st = st ? (sm_layer_destroy(L), st) : sm__result_add_layer(A->ctx, r, L, "_priorities");
  }
  if (!st && A->have_lights) {
    st = lamps_layer(A, &L);
    st = st ? (sm_layer_destroy(L), st) : sm__result_add_layer(A->ctx, r, L, "_lamps");
  }
  if (!st && A->wards) {
    st = wards_layer(A, &L);
    st = st ? (sm_layer_destroy(L), st) : sm__result_add_layer(A->ctx, r, L, "_wards");
  }
  return st;
}
