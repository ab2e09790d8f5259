/* Reading the safety audit's unsafe-place pins (StreetSafe-like reports with factors), CCTV cameras and
 * maintenance reports counted per area (FixMyStreet per LSOA), with every bad row named. */
#include "internal/audit_src.h"
#include "internal/csv.h"
#include "internal/reader.h"
#include "internal/sm_internal.h"
#include "internal/sources.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- pins ------------------------------------------------------------------------------------------ */

/* StreetSafe's factors: environmental (street lighting, abandoned buildings, poorly designed spaces,
 * vandalism) and behavioural (followed, verbal abuse), each with the normalised words that name it as a
 * column or as an item of a factor list. */
static const struct {
  const char *name, *column;
  const char *words[12];
} KNOWN[SM__PIN_KNOWN] = {
    {"street lighting", "pins_street_lighting",
     {"streetlighting", "lighting", "poorlighting", "poorstreetlighting", "badlighting", "nostreetlighting",
      "streetlights", "streetlight", "poorlylit", "unlit", "darkness", NULL}},
    {"abandoned buildings", "pins_abandoned_buildings",
     {"abandonedbuildings", "abandonedbuilding", "derelictbuildings", "derelictbuilding", "emptybuildings",
      "abandoned", NULL}},
    {"poorly designed spaces", "pins_poorly_designed_spaces",
     {"poorlydesignedspaces", "poorlydesignedspace", "poorlydesigned", "poordesign", NULL}},
    {"vandalism", "pins_vandalism", {"vandalism", "graffiti", "vandalismgraffiti", NULL}},
    {"followed", "pins_followed", {"followed", "beingfollowed", "following", NULL}},
    {"verbal abuse", "pins_verbal_abuse", {"verbalabuse", "verbalharassment", "catcalling", NULL}},
};

/* Columns that list factors as text ("street lighting; followed"). */
static const char *const LIST_COLS[] = {"factors", "factor", "reasons", "reason", "environmental",
                                        "environmentalfactors", "behavioural", "behavioral", "behaviouralfactors",
                                        "behavioralfactors", NULL};

static int known_factor(const char *norm) {
  for (int k = 0; k < SM__PIN_KNOWN; k++)
    for (const char *const *w = KNOWN[k].words; *w; w++)
      if (!strcmp(norm, *w)) return k;
  return -1;
}

static int in_list(const char *norm, const char *const *names) {
  for (const char *const *n = names; *n; n++)
    if (!strcmp(norm, *n)) return 1;
  return 0;
}

void sm__pins_free(sm__pins *p) {
  for (size_t k = 0; k < p->nf; k++) sm__free(p->factor[k]), sm__free(p->column[k]);
  sm__free(p->x), sm__free(p->y), sm__free(p->factors), sm__free(p->input_crs), sm__free(p->fields);
  memset(p, 0, sizeof *p);
}

/* "Dark  Alley " -> name "dark alley", column "pins_dark_alley"; 0 when the text has no letter or digit. */
static int factor_names(const char *text, size_t len, char *name, size_t nsize, char *col, size_t csize) {
  size_t k = 0, c = 0;
  int gap = 0;
  c = (size_t)snprintf(col, csize, "pins_");
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)text[i];
    if (isalnum(ch)) {
      if (gap && k) {
        if (k + 1 < nsize) name[k++] = ' ';
        if (c + 1 < csize) col[c++] = '_';
      }
      gap = 0;
      if (k + 1 < nsize) name[k++] = (char)tolower(ch);
      if (c + 1 < csize) col[c++] = (char)tolower(ch);
    } else if (k) {
      gap = 1;
    }
  }
  name[k] = 0, col[c] = 0;
  return k > 0;
}

/* The factor named by text[0..len) (a list item, or a factor_* column's name without the prefix): a known
 * one, one met before (by its column), a new one, or "other factors" when SM__PIN_FACTORS are taken. -1 when
 * the text names nothing; -2 out of memory. */
static int factor_of(sm__pins *p, const char *text, size_t len) {
  char norm[128], name[96], col[96];
  char tmp[128];
  size_t n = len < sizeof tmp - 1 ? len : sizeof tmp - 1;
  memcpy(tmp, text, n), tmp[n] = 0;
  sm__src_norm_name(tmp, norm, sizeof norm);
  if (!norm[0]) return -1;
  int k = known_factor(norm);
  if (k >= 0) return k;
  if (!factor_names(text, len, name, sizeof name, col, sizeof col)) return -1;
  for (size_t j = SM__PIN_KNOWN; j < p->nf; j++)
    if (!strcmp(p->column[j], col)) return (int)j;
  if (p->nf == SM__PIN_FACTORS) return p->lumped++, SM__PIN_FACTORS - 1;
  size_t j = p->nf;
  if (j == SM__PIN_FACTORS - 1) { /* the last one takes the rest */
    snprintf(name, sizeof name, "other factors");
    snprintf(col, sizeof col, "pins_other_factors");
    p->lumped++;
  }
  if (!(p->factor[j] = sm__strdup(name)) || !(p->column[j] = sm__strdup(col))) {
    sm__free(p->factor[j]), p->factor[j] = NULL;
    return -2;
  }
  p->nf++;
  return (int)j;
}

/* A factor column's value: 1 yes, 0 no (blank too), -1 neither. */
static int yes_no(const char *t) {
  static const char *const YES[] = {"1", "yes", "true", "y", NULL}, *const NO[] = {"0", "no", "false", "n", NULL};
  if (sm__src_blank(t)) return 0;
  while (isspace((unsigned char)*t)) t++;
  size_t n = strlen(t);
  while (n && isspace((unsigned char)t[n - 1])) n--;
  for (const char *const *w = YES; *w; w++)
    if (strlen(*w) == n && !strncasecmp(t, *w, n)) return 1;
  for (const char *const *w = NO; *w; w++)
    if (strlen(*w) == n && !strncasecmp(t, *w, n)) return 0;
  return -1;
}

typedef struct pin_cols {
  int nb, bf[64], bk[64]; /* boolean columns: field, factor */
  int nl, lf[16];         /* list columns */
} pin_cols;

/* The factor columns of the layer; the factors they name registered. */
static sm_status pin_columns(sm__src *S, sm__pins *p, pin_cols *c) {
  int nfld = OGR_FD_GetFieldCount(S->defn);
  char norm[128];
  c->nb = c->nl = 0;
  for (int i = 0; i < nfld; i++) {
    if (i == S->fx || i == S->fy) continue;
    const char *fname = sm__src_fname(S, i);
    sm__src_norm_name(fname, norm, sizeof norm);
    int k = -1;
    if (in_list(norm, LIST_COLS)) {
      if (c->nl < 16) c->lf[c->nl++] = i;
      continue;
    }
    if ((k = known_factor(norm)) < 0 && !strncmp(norm, "factor", 6) && norm[6]) {
      /* factor_dark_alley: a factor of the user's */
      const char *rest = fname;
      for (int alnum = 0; *rest && alnum < 6; rest++) alnum += isalnum((unsigned char)*rest) != 0;
      if ((k = factor_of(p, rest, strlen(rest))) == -2) return sm__error(S->ctx, SM_E_NOMEM, "out of memory");
    }
    if (k >= 0 && c->nb < 64) c->bf[c->nb] = i, c->bk[c->nb++] = k;
  }
  /* "position Easting/Northing (...); factor columns street_lighting (street lighting), ...; factor lists in factors" */
  char buf[2048];
  size_t n = (size_t)snprintf(buf, sizeof buf, "position %s", S->fx >= 0 ? S->xy_note : "the geometry");
  for (int j = 0; j < c->nb && n < sizeof buf; j++)
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s (%s)", j ? ", " : "; factor columns (1/0, yes/no, true/false, y/n) ",
                          sm__src_fname(S, c->bf[j]), p->factor[c->bk[j]]);
  for (int j = 0; j < c->nl && n < sizeof buf; j++)
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", j ? ", " : "; factor lists (separated by ; or ,) in ",
                          sm__src_fname(S, c->lf[j]));
  if (!c->nb && !c->nl && n < sizeof buf)
    snprintf(buf + n, sizeof buf - n, "; no factor column (each pin counted, with no factor)");
  if (!(p->fields = sm__strdup(buf))) return sm__error(S->ctx, SM_E_NOMEM, "out of memory");
  return SM_OK;
}

static sm_status pin_feature(sm__src *S, OGRFeatureH f, const pin_cols *c, sm__pins *p, size_t *cap) {
  sm_ctx *ctx = S->ctx;
  char why[200], w[200];
  double x, y;
  p->tally.read++;
  if (!sm__src_point(S, f, &x, &y, why, sizeof why)) return sm__src_skip(S, f, &p->tally, why), SM_OK;
  uint32_t mask = 0;
  for (int j = 0; j < c->nb; j++) {
    const char *t = sm__src_text(S, f, c->bf[j]);
    int v = yes_no(t);
    if (v < 0) {
      sm__src_where(S, f, w, sizeof w);
      return sm__error(ctx, SM_E_INPUT, "%s: field '%s' value '%s': a factor column holds 1/0, yes/no, true/false or "
                       "y/n (blank = no)", w, sm__src_fname(S, c->bf[j]), t);
    }
    if (v) mask |= 1u << c->bk[j];
  }
  for (int j = 0; j < c->nl; j++) {
    const char *t = sm__src_text(S, f, c->lf[j]);
    while (t && *t) {
      size_t len = strcspn(t, ";,");
      int k = factor_of(p, t, len);
      if (k == -2) return sm__error(ctx, SM_E_NOMEM, "out of memory");
      if (k >= 0) mask |= 1u << k;
      t += len;
      if (*t) t++;
    }
  }
  if (p->n == *cap) {
    size_t nc = *cap ? 2 * *cap : 256;
    double *nx = sm__realloc(p->x, nc * sizeof *nx);
    if (nx) p->x = nx;
    double *ny = nx ? sm__realloc(p->y, nc * sizeof *ny) : NULL;
    if (ny) p->y = ny;
    uint32_t *nm = ny ? sm__realloc(p->factors, nc * sizeof *nm) : NULL;
    if (!nm) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    p->factors = nm;
    *cap = nc;
  }
  p->x[p->n] = x, p->y[p->n] = y, p->factors[p->n] = mask;
  p->n++, p->tally.kept++;
  return SM_OK;
}

sm_status sm__audit_read_pins(sm_ctx *ctx, const sm_audit_options *o, const char *crs, sm__pins *p) {
  memset(p, 0, sizeof *p);
  for (int k = 0; k < SM__PIN_KNOWN; k++) {
    p->factor[k] = sm__strdup(KNOWN[k].name), p->column[k] = sm__strdup(KNOWN[k].column);
    p->nf = (size_t)k + 1;
    if (!p->factor[k] || !p->column[k]) {
      sm__pins_free(p);
      return sm__error(ctx, SM_E_NOMEM, "out of memory");
    }
  }
  sm__src S = SM__SRC_INIT(ctx, "pins", o->pins);
  pin_cols c;
  sm__gdal_begin(ctx);
  sm_status st = sm__src_open(&S, o->pins_layer, 0);
  if (!st) st = sm__src_positions(&S, crs, o->pins_crs);
  if (!st) st = pin_columns(&S, p, &c);
  if (!st && !(p->input_crs = sm__strdup(S.input_crs))) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  size_t cap = 0;
  if (!st) OGR_L_ResetReading(S.layer);
  for (OGRFeatureH f; !st && !S.oom && (f = OGR_L_GetNextFeature(S.layer));) {
    st = pin_feature(&S, f, &c, p, &cap);
    OGR_F_Destroy(f);
  }
  if (S.oom) /* a text could not be copied: whatever the row then seemed to hold */
    st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st && !p->n)
    st = sm__error(ctx, SM_E_INPUT, "--pins %s: no pin with a usable position: %llu rows read%s%s", S.source,
                   (unsigned long long)p->tally.read, p->tally.example[0] ? "; the first: " : "", p->tally.example);
  sm__src_close(&S);
  sm__gdal_end(ctx);
  if (st) sm__pins_free(p);
  return st;
}

/* ---- CCTV ------------------------------------------------------------------------------------------ */

#define SM__CCTV_MAX_R 1000.0

void sm__cameras_free(sm__cameras *c) {
  sm__free(c->x), sm__free(c->y), sm__free(c->r), sm__free(c->input_crs), sm__free(c->fields);
  memset(c, 0, sizeof *c);
}

sm_status sm__audit_read_cameras(sm_ctx *ctx, const sm_audit_options *o, const char *crs, sm__cameras *c) {
  static const char *const RADIUS[] = {"radius", "radiusm", "range", "rangem", "viewm", NULL};
  memset(c, 0, sizeof *c);
  sm__src S = SM__SRC_INIT(ctx, "cctv", o->cctv);
  sm__gdal_begin(ctx);
  sm_status st = sm__src_open(&S, o->cctv_layer, 0);
  if (!st) st = sm__src_positions(&S, crs, o->cctv_crs);
  int fr = st ? -1 : sm__src_find_field(S.defn, RADIUS);
  if (!st) {
    char buf[400];
    if (fr >= 0)
      snprintf(buf, sizeof buf, "position %s; radius %s (metres; blank: --cctv-radius %g)",
               S.fx >= 0 ? S.xy_note : "the geometry", sm__src_fname(&S, fr), o->cctv_radius_m);
    else
      snprintf(buf, sizeof buf, "position %s; no radius column: every camera --cctv-radius %g m",
               S.fx >= 0 ? S.xy_note : "the geometry", o->cctv_radius_m);
    if (!(c->fields = sm__strdup(buf)) || !(c->input_crs = sm__strdup(S.input_crs)))
      st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  size_t cap = 0;
  if (!st) OGR_L_ResetReading(S.layer);
  for (OGRFeatureH f; !st && !S.oom && (f = OGR_L_GetNextFeature(S.layer)); OGR_F_Destroy(f)) {
    char why[200], w[200];
    double x, y, r = o->cctv_radius_m;
    c->tally.read++;
    if (!sm__src_point(&S, f, &x, &y, why, sizeof why)) {
      sm__src_skip(&S, f, &c->tally, why);
      continue;
    }
    const char *t = sm__src_text(&S, f, fr);
    if (fr >= 0 && !sm__src_blank(t)) {
      if (!sm__src_number(t, &r) || !(r > 0) || r > SM__CCTV_MAX_R) {
        sm__src_where(&S, f, w, sizeof w);
        st = sm__error(ctx, SM_E_INPUT, "%s: field '%s' value '%s': a camera's radius is a number of metres more than "
                       "0 and at most %g", w, sm__src_fname(&S, fr), t, SM__CCTV_MAX_R);
        continue;
      }
    } else {
      c->default_radius++;
    }
    if (c->n == cap) {
      size_t nc = cap ? 2 * cap : 256;
      double *nx = sm__realloc(c->x, nc * sizeof *nx);
      if (nx) c->x = nx;
      double *ny = nx ? sm__realloc(c->y, nc * sizeof *ny) : NULL;
      if (ny) c->y = ny;
      double *nr = ny ? sm__realloc(c->r, nc * sizeof *nr) : NULL;
      if (!nr) {
        st = sm__error(ctx, SM_E_NOMEM, "out of memory");
        continue;
      }
      c->r = nr;
      cap = nc;
    }
    c->x[c->n] = x, c->y[c->n] = y, c->r[c->n] = r;
    if (r > c->max_r) c->max_r = r;
    c->n++, c->tally.kept++;
  }
  if (S.oom) /* a text could not be copied: whatever the row then seemed to hold */
    st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st && !c->n)
    st = sm__error(ctx, SM_E_INPUT, "--cctv %s: no camera with a usable position: %llu rows read%s%s", S.source,
                   (unsigned long long)c->tally.read, c->tally.example[0] ? "; the first: " : "", c->tally.example);
  sm__src_close(&S);
  sm__gdal_end(ctx);
  if (st) sm__cameras_free(c);
  return st;
}

/* ---- maintenance counts per area ---------------------------------------------------------------------- */

void sm__area_counts_free(sm__area_counts *a) {
  sm_areas_destroy(a->areas);
  sm__free(a->total), sm__free(a->categories), sm__free(a->categories_missing);
  memset(a, 0, sizeof *a);
}

/* The month (year * 12 + month - 1) of the first YYYY-MM in a file's name; -1 none. */
static int month_of_name(const char *path) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  for (const char *p = b; p[0]; p++) {
    if (!(isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
          isdigit((unsigned char)p[3]) && p[4] == '-' && isdigit((unsigned char)p[5]) && isdigit((unsigned char)p[6])))
      continue;
    if (p > b && isdigit((unsigned char)p[-1])) continue;
    if (isdigit((unsigned char)p[7])) continue;
    int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    int m = (p[5] - '0') * 10 + (p[6] - '0');
    if (m >= 1 && m <= 12 && y >= 1900) return y * 12 + m - 1;
  }
  return -1;
}

typedef struct id_ix {
  const char *id;
  size_t i;
} id_ix;

static int id_cmp(const void *a, const void *b) { return strcmp(((const id_ix *)a)->id, ((const id_ix *)b)->id); }

/* The state of one read of the area counts. */
typedef struct area_read {
  sm_ctx *ctx;
  const sm_audit_options *o;
  sm__area_counts *a;
  id_ix *ids;
  size_t nids;
  char **cats;         /* the categories to keep (trimmed), NULL = all */
  size_t ncats;
  unsigned char *cat_seen;
  char **unknown;      /* the codes met that no polygon has */
  size_t nunknown, unknown_cap;
  int *months;
  size_t nmonths, months_cap;
  uint64_t matched;    /* rows kept whose code is a polygon's id */
  char text[1024];     /* a field as a string */
} area_read;

static const char *field_text(area_read *R, const sm_csv *c, int k) {
  if (k < 0 || (size_t)k >= c->nf) return R->text[0] = 0, R->text;
  size_t n = c->fl[k] < sizeof R->text - 1 ? c->fl[k] : sizeof R->text - 1;
  memcpy(R->text, c->fs[k], n);
  R->text[n] = 0;
  return R->text;
}

/* Trimmed copy of t into out. */
static void trimmed(const char *t, char *out, size_t size) {
  while (isspace((unsigned char)*t)) t++;
  size_t n = strlen(t);
  while (n && isspace((unsigned char)t[n - 1])) n--;
  if (n >= size) n = size - 1;
  memcpy(out, t, n);
  out[n] = 0;
}

static int header_field(area_read *R, const sm_csv *c, const char *const *names) {
  char norm[128];
  for (const char *const *n = names; *n; n++)
    for (size_t k = 0; k < c->nf; k++) {
      sm__src_norm_name(field_text(R, c, (int)k), norm, sizeof norm);
      if (!strcmp(norm, *n)) return (int)k;
    }
  return -1;
}

/* One CSV file of counts: header, then each row summed into its polygon. */
static sm_status area_file(area_read *R, const char *path) {
  static const char *const AREA[] = {"lsoa", "lsoacode", "lsoa11cd", "lsoa21cd", "lsoa11", "lsoa21", "area",
                                     "areacode", "areaid", "code", NULL};
  static const char *const CAT[] = {"shefbcode", "shefb", "category", "categorycode", "type", NULL};
  static const char *const COUNT[] = {"reports", "count", "counts", "n", "total", "number", NULL};
  sm_ctx *ctx = R->ctx;
  sm__area_counts *a = R->a;
  FILE *f = fopen(path, "rb");
  if (!f) return sm__error(ctx, SM_E_IO, "--defect-areas %s: cannot open it: %s", path, strerror(errno));
  sm_csv c;
  if (sm__csv_open_file(&c, f)) {
    fclose(f);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  sm_status st = SM_OK;
  int rc = sm__csv_next(&c), fa = -1, fc = -1, fn = -1;
  if (rc == SM_CSV_EOF) st = sm__error(ctx, SM_E_INPUT, "--defect-areas %s: the file is empty (no header)", path);
  else if (rc != SM_CSV_RECORD) st = sm__error(ctx, rc == SM_CSV_ENOMEM ? SM_E_NOMEM : SM_E_INPUT, "--defect-areas %s: line 1: %s",
                                               path, rc == SM_CSV_ENOMEM ? "out of memory" : "not a CSV header");
  if (!st) {
    fn = header_field(R, &c, COUNT);
    fc = header_field(R, &c, CAT);
    /* the area column: "code" only when it is not the category's */
    fa = header_field(R, &c, AREA);
    if (fa >= 0 && fa == fc) fa = -1;
    if (fa < 0 || fn < 0 || (R->cats && fc < 0)) {
      char head[400];
      size_t k = 0;
      head[0] = 0;
      for (size_t j = 0; j < c.nf && k < sizeof head; j++)
        k += (size_t)snprintf(head + k, sizeof head - k, "%s%s", j ? "," : "", field_text(R, &c, (int)j));
      st = sm__error(ctx, SM_E_INPUT, "--defect-areas %s: line 1: no %s column (%s); the columns are: %s", path,
                     fa < 0 ? "area code" : fn < 0 ? "count" : "category",
                     fa < 0 ? "lsoa, lsoa11cd, area, area_code" : fn < 0 ? "reports, count, n"
                                                                 : "SHEF_B_CODE, category: --defect-area-categories needs it",
                     head);
    }
  }
  char an[100] = "", cn[100] = "", nn[100] = "";
  if (!st) {
    snprintf(an, sizeof an, "%s", field_text(R, &c, fa));
    snprintf(cn, sizeof cn, "%s", fc >= 0 ? field_text(R, &c, fc) : "");
    snprintf(nn, sizeof nn, "%s", field_text(R, &c, fn));
    if (!a->fields[0])
      snprintf(a->fields, sizeof a->fields, "area %s, category %s, count %s", an, fc >= 0 ? cn : "(none: every row)", nn);
  }
  while (!st && (rc = sm__csv_next(&c)) == SM_CSV_RECORD) {
    if (c.nf == 1 && c.fl[0] == 0) continue; /* a blank line */
    a->rows++;
    char code[128], cat[128];
    double v;
    unsigned long long line = (unsigned long long)c.line;
    trimmed(field_text(R, &c, fa), code, sizeof code);
    if (!code[0]) {
      st = sm__error(ctx, SM_E_INPUT, "%s: line %llu: field '%s' value '%s': a row needs an area code", path, line, an,
                     field_text(R, &c, fa));
      break;
    }
    const char *nt = field_text(R, &c, fn);
    if (!sm__src_number(nt, &v) || v < 0) {
      st = sm__error(ctx, SM_E_INPUT, "%s: line %llu: field '%s' value '%s': a count of reports is a number 0 or more",
                     path, line, nn, nt);
      break;
    }
    if (R->cats) {
      trimmed(field_text(R, &c, fc), cat, sizeof cat);
      size_t j = 0;
      while (j < R->ncats && strcasecmp(R->cats[j], cat)) j++;
      if (j == R->ncats) {
        a->rows_other_category++;
        continue;
      }
      R->cat_seen[j] = 1;
    }
    a->rows_kept++;
    id_ix key = {code, 0}, *hit = R->nids ? bsearch(&key, R->ids, R->nids, sizeof *R->ids, id_cmp) : NULL;
    if (hit) {
      a->total[hit->i] += v, a->reports += v, R->matched++;
      continue;
    }
    a->unknown_reports += v;
    if (!R->nunknown) snprintf(a->unknown_example, sizeof a->unknown_example, "%s: line %llu: '%s'", path, line, code);
    if (R->nunknown < 10000000) { /* every sighting: the distinct codes are counted at the end */
      if (sm__grow((void **)&R->unknown, &R->unknown_cap, R->nunknown + 1, sizeof *R->unknown) ||
          !(R->unknown[R->nunknown] = sm__strdup(code)))
        st = sm__error(ctx, SM_E_NOMEM, "out of memory");
      else
        R->nunknown++;
    }
  }
  if (!st && rc != SM_CSV_EOF)
    st = rc == SM_CSV_ENOMEM ? sm__error(ctx, SM_E_NOMEM, "out of memory")
                             : sm__error(ctx, SM_E_INPUT, "%s: line %llu: a quote that is never closed, or the file "
                                         "cannot be read", path, (unsigned long long)c.line);
  sm__csv_close(&c);
  fclose(f);
  if (!st) {
    int m = month_of_name(path);
    if (m < 0) a->months_known = 0;
    else if (sm__grow((void **)&R->months, &R->months_cap, R->nmonths + 1, sizeof *R->months))
      st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    else
      R->months[R->nmonths++] = m;
    a->files++;
  }
  return st;
}

static int str_cmp(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

static int int_cmp(const void *x, const void *y) {
  int a = *(const int *)x, b = *(const int *)y;
  return a < b ? -1 : a > b;
}

/* The categories to keep, from "B19, B25,B28". */
static sm_status parse_categories(area_read *R) {
  const char *list = R->o->area_categories;
  if (!list) return SM_OK;
  for (const char *t = list; *t;) {
    size_t len = strcspn(t, ",");
    char one[128];
    size_t n = len < sizeof one - 1 ? len : sizeof one - 1;
    memcpy(one, t, n), one[n] = 0;
    char tr[128];
    trimmed(one, tr, sizeof tr);
    if (tr[0]) {
      char **nc = sm__realloc(R->cats, (R->ncats + 1) * sizeof *nc);
      if (!nc) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
      R->cats = nc;
      if (!(R->cats[R->ncats] = sm__strdup(tr))) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
      R->ncats++;
    }
    t += len;
    if (*t) t++;
  }
  if (!R->ncats)
    return sm__error(R->ctx, SM_E_INVALID_ARG, "--defect-area-categories '%s' names no category", list);
  if (!(R->cat_seen = sm__calloc(R->ncats, 1))) return sm__error(R->ctx, SM_E_NOMEM, "out of memory");
  return (R->a->categories = sm__strdup(list)) ? SM_OK : sm__error(R->ctx, SM_E_NOMEM, "out of memory");
}

sm_status sm__audit_read_area_counts(sm_ctx *ctx, const sm_audit_options *o, const char *crs, sm__area_counts *a) {
  memset(a, 0, sizeof *a);
  area_read R;
  memset(&R, 0, sizeof R);
  R.ctx = ctx, R.o = o, R.a = a;
  a->months_known = 1;
  sm_reader files;
  memset(&files, 0, sizeof files);
  files.ctx = ctx;
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  ao.analysis_crs = crs;
  sm_status st = sm_areas_read(ctx, &a->areas, o->area_polygons, &ao);
  if (st) { /* the message names the option */
    char msg[SM_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", sm_ctx_last_error(ctx));
    st = sm__error(ctx, st, "--defect-area-polygons %s: %s", o->area_polygons, msg);
  }
  size_t na = st ? 0 : sm_areas_count(a->areas);
  if (!st && (!(a->total = sm__calloc(na ? na : 1, sizeof *a->total)) || !(R.ids = sm__malloc((na ? na : 1) * sizeof *R.ids))))
    st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) {
    for (size_t i = 0; i < na; i++) R.ids[i].id = sm_areas_id(a->areas, i), R.ids[i].i = i;
    R.nids = na;
    qsort(R.ids, na, sizeof *R.ids, id_cmp);
  }
  if (!st) st = parse_categories(&R);
  if (!st) {
    st = sm__sources_expand(&files, o->area_counts, o->n_area_counts);
    if (st) {
      char msg[SM_MSG_MAX];
      snprintf(msg, sizeof msg, "%s", sm_ctx_last_error(ctx));
      st = sm__error(ctx, st, "--defect-areas: %s", msg);
    }
  }
  for (size_t i = 0; i < files.n_srcs && !st; i++) {
    st = area_file(&R, files.srcs[i].name);
    if (!st) st = sm__progress(ctx, 0.2, "reading the maintenance counts per area");
  }
  if (!st && !files.n_srcs) st = sm__error(ctx, SM_E_INVALID_ARG, "--defect-areas: no file given");
  if (!st && !a->rows_kept)
    st = sm__error(ctx, SM_E_INPUT, "--defect-areas: no row to count in %zu files (%llu rows%s%s)", a->files,
                   (unsigned long long)a->rows, R.cats ? ", none in the categories " : "", R.cats ? o->area_categories : "");
  if (R.nunknown) { /* distinct unknown codes */
    qsort(R.unknown, R.nunknown, sizeof *R.unknown, str_cmp);
    for (size_t u = 0; u < R.nunknown; u++) a->unknown_codes += !u || strcmp(R.unknown[u], R.unknown[u - 1]);
  }
  if (!st && a->rows_kept && !R.matched)
    st = sm__error(ctx, SM_E_INPUT, "--defect-areas: none of the %zu area codes (the first: %s) is an id of "
                   "--defect-area-polygons %s (its ids are in field %s, e.g. '%s'): are they the same areas (LSOA 2011 or "
                   "2021)?", a->unknown_codes, a->unknown_example, o->area_polygons, sm_areas_id_field(a->areas),
                   na ? sm_areas_id(a->areas, 0) : "");
  if (!st && R.cats) { /* categories asked for that no row has */
    char buf[512];
    size_t k = 0;
    buf[0] = 0;
    for (size_t j = 0; j < R.ncats && k < sizeof buf; j++)
      if (!R.cat_seen[j]) k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", k ? ", " : "", R.cats[j]);
    if (buf[0] && !(a->categories_missing = sm__strdup(buf))) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  if (!st && a->months_known && R.nmonths) {
    qsort(R.months, R.nmonths, sizeof *R.months, int_cmp);
    size_t d = 0;
    for (size_t i = 0; i < R.nmonths; i++) d += !i || R.months[i] != R.months[i - 1];
    a->months = d, a->month_first = R.months[0], a->month_last = R.months[R.nmonths - 1];
  } else {
    a->months_known = 0;
  }
  for (size_t i = 0; i < files.n_srcs; i++) sm__free(files.srcs[i].name);
  sm__free(files.srcs);
  for (size_t j = 0; j < R.ncats; j++) sm__free(R.cats[j]);
  for (size_t u = 0; u < R.nunknown; u++) sm__free(R.unknown[u]);
  sm__free(R.cats), sm__free(R.cat_seen), sm__free(R.unknown), sm__free(R.months), sm__free(R.ids);
  if (st) sm__area_counts_free(a);
  return st;
}
