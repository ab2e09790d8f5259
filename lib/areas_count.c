/* Counts of points per area, per category and per month. */
#include "internal/recipe.h"
#include "internal/layer.h"
#include "internal/radix.h"
#include "internal/sm_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Category columns: at most this many, names of at most this many bytes. */
#define SM__MAX_CATEGORY_COLUMNS 200
#define SM__COLUMN_MAX 63

/* SQL-safe column name: lower case, [a-z0-9_], not starting with a digit. */
static char *slug(const char *s) {
  size_t n = strlen(s);
  char *o = sm__malloc(n + 3);
  if (!o) return NULL;
  size_t k = 0;
  int us = 1;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (isalnum(c)) {
      o[k++] = (char)tolower(c);
      us = 0;
    } else if (!us) {
      o[k++] = '_';
      us = 1;
    }
  }
  while (k && o[k - 1] == '_') k--;
  o[k] = '\0';
  if (k == 0 || isdigit((unsigned char)o[0])) {
    memmove(o + 2, o, k + 1);
    o[0] = 'n', o[1] = '_';
  }
  return o;
}

typedef struct {
  const char *name;
  size_t idx;
} named;

static int cmp_named(const void *a, const void *b) {
  return strcmp(((const named *)a)->name, ((const named *)b)->name);
}

/* Working state of sm_areas_count_points. */
typedef struct counts {
  size_t n, na, ncat;
  size_t nslot;  /* category slots: each category, plus one for points without a category */
  size_t nmonth; /* months m0..m1 */
  size_t mslots; /* nmonth + 1: the last slot for points without a time */
  size_t outside;
  int32_t m0, m1;
  int has_time, any_uncat, any_untimed;
  double *cnt; /* [area][category slot][month slot]: the points' weights summed (1 each without --weight) */
  named *order;  /* categories in name order, "(none)" last */
  size_t nord;
  char **cols; /* per entry of order, its column's name */
  uint64_t inside; /* points in an area */
  int32_t *where;  /* per point, its area (-1: outside every area) */
  int weighted;    /* some weight is not 1 */
} counts;

/* The month of a time through a table of the days the points span (a month is whole days), or the calendar
 * where the span is longer than the table: the same month sm_time_month_index gives. */
typedef struct month_tab {
  int64_t d0;
  size_t nd;
  int32_t *m;
} month_tab;

enum { MONTH_TAB_DAYS = 1 << 16 };

static inline int64_t day_of(int64_t t) { return t >= 0 ? t / 86400 : -((-t + 86399) / 86400); }

static inline int32_t month_at(const month_tab *mt, int64_t t) {
  uint64_t k = (uint64_t)(day_of(t) - mt->d0);
  return k < mt->nd ? mt->m[k] : sm_time_month_index(t);
}

/* Month range of the points in areas (m0..m1, from the earliest and latest time; any_untimed if some have no
 * time) and the table of their days; whether some point has no category (any_uncat) and whether some weight
 * is not 1 (weighted). */
static void month_range(sm_ctx *ctx, counts *C, const int32_t *where, const int64_t *t, const int32_t *cat,
                        const double *w, month_tab *mt) {
  int64_t t0 = INT64_MAX, t1 = INT64_MIN;
  int untimed = 0, uncat = 0, weighted = 0, has_time = C->has_time;
  size_t n = C->n;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static) if (n >= 65536) \
    reduction(min : t0) reduction(max : t1) reduction(| : untimed, uncat, weighted)
#endif
  for (size_t i = 0; i < n; i++) {
    uncat |= cat[i] < 0;
    weighted |= w[i] != 1;
    if (where[i] < 0 || !has_time) continue;
    if (t[i] == SM_TIME_MISSING) {
      untimed = 1;
      continue;
    }
    t0 = t[i] < t0 ? t[i] : t0;
    t1 = t[i] > t1 ? t[i] : t1;
  }
  (void)ctx;
  int32_t m0 = INT32_MAX, m1 = INT32_MIN;
  memset(mt, 0, sizeof *mt);
  if (t0 <= t1) {
    m0 = sm_time_month_index(t0), m1 = sm_time_month_index(t1); /* months grow with time */
    int64_t d0 = day_of(t0), d1 = day_of(t1);
    if (d1 - d0 < MONTH_TAB_DAYS && (mt->m = sm__malloc((size_t)(d1 - d0 + 1) * sizeof *mt->m))) {
      mt->d0 = d0, mt->nd = (size_t)(d1 - d0 + 1);
      for (size_t k = 0; k < mt->nd; k++) mt->m[k] = sm_time_month_index((d0 + (int64_t)k) * 86400);
    }
  }
  C->m0 = m0, C->m1 = m1, C->any_untimed = untimed, C->any_uncat = uncat, C->weighted = weighted;
  C->nmonth = C->m0 <= C->m1 ? (size_t)(C->m1 - C->m0 + 1) : 0;
  C->mslots = C->nmonth + 1; /* last slot: no time */
}

/* Locates the points in the areas and counts them per area, category slot
 * and month slot (C->cnt). */
static sm_status count_points(sm_ctx *ctx, counts *C, const sm_areas *areas, const sm_points *points) {
  size_t n = C->n;
  const int32_t *cat = sm_points_category(points);
  const int64_t *t = sm_points_time(points);
  int32_t *where = sm__malloc((n ? n : 1) * sizeof *where);
  if (!where) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  double saved[2];
  sm__progress_push(ctx, 0, 0.8, saved);
  sm_status st = sm_areas_locate(ctx, areas, points, where, &C->outside);
  sm__progress_pop(ctx, saved);
  C->where = where;
  if (st) return st;
  /* Category slots: each category, plus one for points without a category. */
  C->nslot = C->ncat + 1;
  const double *w = sm_points_weight(points);
  month_tab mt;
  month_range(ctx, C, where, t, cat, w, &mt);
  if (C->nmonth > 100000) {
    sm__free(mt.m);
    return sm__error(ctx, SM_E_INPUT, "times span %zu months; that is not a crime series", C->nmonth);
  }
  size_t nslot = C->nslot, mslots = C->mslots;
  C->cnt = sm__calloc(C->na * nslot * mslots, sizeof *C->cnt);
  if (!C->cnt) {
    sm__free(mt.m);
    return sm__error(ctx, SM_E_NOMEM, "out of memory (%zu areas x %zu categories x %zu months)", C->na, nslot, mslots);
  }
  /* Each point's cell of the counts, a block at a time on the threads; added in point order on this one (the
   * same sums, bit for bit, on any number of threads). */
  enum { BLOCK = 1 << 16 };
  size_t *cell = sm__malloc((n < BLOCK ? (n ? n : 1) : BLOCK) * sizeof *cell);
  if (!cell) {
    sm__free(mt.m);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  size_t ncat = C->ncat, nmonth = C->nmonth, inside = 0;
  int32_t m0 = C->m0;
  int has_time = C->has_time;
  for (size_t b = 0; b < n; b += BLOCK) {
    size_t e = b + BLOCK < n ? b + BLOCK : n;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static) if (e - b >= 8192)
#endif
    for (size_t i = b; i < e; i++) {
      if (where[i] < 0) {
        cell[i - b] = SIZE_MAX;
        continue;
      }
      size_t cs = cat[i] < 0 ? ncat : (size_t)cat[i];
      size_t ms = (has_time && t[i] != SM_TIME_MISSING) ? (size_t)(month_at(&mt, t[i]) - m0) : nmonth;
      cell[i - b] = ((size_t)where[i] * nslot + cs) * mslots + ms;
    }
    for (size_t i = b; i < e; i++)
      if (cell[i - b] != SIZE_MAX) C->cnt[cell[i - b]] += w[i], inside++;
  }
  sm__free(cell);
  sm__free(mt.m);
  C->inside = inside;
  return SM_OK;
}

/* Categories in name order; "(none)" last (C->order, and C->cols for their names). */
static sm_status order_categories(sm_ctx *ctx, counts *C, const sm_points *points) {
  C->order = sm__malloc(C->nslot * sizeof *C->order);
  C->cols = sm__calloc(C->nslot, sizeof *C->cols);
  if (!C->order || !C->cols) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  C->nord = 0;
  for (size_t c = 0; c < C->ncat; c++) C->order[C->nord++] = (named){sm_points_category_name(points, c), c};
  qsort(C->order, C->nord, sizeof *C->order, cmp_named);
  if (C->any_uncat) C->order[C->nord++] = (named){"", C->ncat};
  return SM_OK;
}

/* Names a category column may not take: the writers' own columns (the
 * GeoPackage's fid and geom, OGR's ogc_fid and CSV's WKT) and the layer's
 * other columns. */
static const char *const RESERVED[] = {"fid",   "geom",     "geometry", "ogc_fid", "wkt", "area_id",
                                       "area_name", "total", "area_km2", "per_km2", NULL};

static int reserved(const char *s) {
  for (int i = 0; RESERVED[i]; i++)
    if (sm__strcaseeq(s, RESERVED[i])) return 1;
  return 0;
}

/* Whether a category column already has the name s (case folded: SQLite and
 * GeoPackage do not tell "Burglary" from "burglary"). */
static int taken(const counts *C, size_t upto, const char *s) {
  if (reserved(s)) return 1;
  for (size_t o = 0; o < upto; o++)
    if (C->cols[o] && sm__strcaseeq(C->cols[o], s)) return 1;
  return 0;
}

/* Column name of category entry o (C->cols[o]): its slug, cut to
 * SM__COLUMN_MAX bytes, with "_2", "_3", ... (within the limit) until no
 * reserved name or earlier column has it. *changed: 1 when that is not the
 * plain slug. */
static sm_status column_name(sm_ctx *ctx, counts *C, size_t o, int *changed) {
  char *s = slug(C->order[o].name[0] ? C->order[o].name : "uncategorised");
  if (!s) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  size_t len = strlen(s);
  *changed = len > SM__COLUMN_MAX;
  if (len > SM__COLUMN_MAX) s[len = SM__COLUMN_MAX] = '\0';
  char buf[SM__COLUMN_MAX + 1];
  snprintf(buf, sizeof buf, "%s", s);
  for (int k = 2; taken(C, o, buf); k++) {
    char suf[24];
    int sl = snprintf(suf, sizeof suf, "_%d", k);
    size_t keep = len + (size_t)sl > SM__COLUMN_MAX ? SM__COLUMN_MAX - (size_t)sl : len;
    snprintf(buf, sizeof buf, "%.*s%s", (int)keep, s, suf);
    *changed = 1;
  }
  sm__free(s);
  if (!(C->cols[o] = sm__strdup(buf))) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  return SM_OK;
}

/* category_columns metadata: column="category" per category column, "; "
 * between them (a '"' in a category doubled); and a warning listing the
 * first columns that are not the plain slug of their category (changed[o]). */
static sm_status column_map(sm_ctx *ctx, const counts *C, sm_layer *L, const unsigned char *changed) {
  sm_buf b = {0}, w = {0};
  sm_status st = SM_OK;
  size_t nch = 0;
  for (size_t o = 0; o < C->nord && !st; o++) {
    st = sm__buf_printf(&b, "%s%s=\"", o ? "; " : "", C->cols[o]);
    for (const char *p = C->order[o].name; *p && !st; p++) st = sm__buf_append(&b, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
    if (!st) st = sm__buf_append(&b, "\"", 1);
    if (!st && changed[o] && nch++ < 5) st = sm__buf_printf(&w, "%s%s for '%s'", nch > 1 ? ", " : "", C->cols[o], C->order[o].name);
  }
  if (!st) st = sm_layer_set_metadata(ctx, L, "category_columns", b.s ? b.s : "");
  else st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st && nch)
    st = sm__layer_warn(ctx, L,
                        "%zu category column%s not named by the plain rule (lower case, other characters to '_'), that "
                        "name being taken or longer than %d characters: %s%s; the metadata item category_columns maps "
                        "every column to its category",
                        nch, nch == 1 ? " is" : "s are", SM__COLUMN_MAX, w.s, nch > 5 ? ", ..." : "");
  sm__free(b.s);
  sm__free(w.s);
  return st;
}

/* One count column per category (f_cat[o] for order[o]), named as
 * column_name() says; more than SM__MAX_CATEGORY_COLUMNS is refused. */
static sm_status add_category_fields(sm_ctx *ctx, counts *C, sm_layer *L, size_t *f_cat) {
  if (C->nord > SM__MAX_CATEGORY_COLUMNS) {
    char num[32];
    return sm__error(ctx, SM_E_INPUT,
                     "the points have %s distinct categories (e.g. '%s', '%s'): one count column each would make more "
                     "than %d columns in %s; choose the categories to count with --type, or check that the category "
                     "column is the right one (--category)",
                     sm__thousands(C->nord, num, sizeof num), C->order[0].name, C->order[1].name,
                     SM__MAX_CATEGORY_COLUMNS, sm_layer_name(L));
  }
  unsigned char *changed = sm__calloc(C->nord ? C->nord : 1, 1);
  if (!changed) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm_status st = SM_OK;
  for (size_t o = 0; o < C->nord && !st; o++) {
    int ch = 0;
    if (!(st = column_name(ctx, C, o, &ch))) st = sm_layer_add_field(ctx, L, C->cols[o], SM_FIELD_DOUBLE, &f_cat[o]);
    changed[o] = (unsigned char)ch;
  }
  if (!st) st = column_map(ctx, C, L, changed);
  sm__free(changed);
  return st;
}

/* The per-area layer: each area's geometry, id, name, total, count per
 * category, area in km2 and count per km2 (sums of the points' weights; whole sums as INT64). */
static sm_status make_area_layer(sm_ctx *ctx, counts *C, sm_layer **Lp, const sm_areas *areas, const char *name) {
  sm_status st = sm_layer_create(ctx, Lp, name, SM_GEOM_MULTIPOLYGON, sm_areas_crs(areas));
  if (st) return st;
  sm_layer *L = *Lp;
  size_t f_id, f_name, f_total, f_km2, f_per;
  if ((st = sm_layer_add_field(ctx, L, "area_id", SM_FIELD_STRING, &f_id)) ||
      (st = sm_layer_add_field(ctx, L, "area_name", SM_FIELD_STRING, &f_name)) ||
      (st = sm_layer_add_field(ctx, L, "total", SM_FIELD_DOUBLE, &f_total)))
    return st;
  size_t *f_cat = sm__malloc(C->nslot * sizeof *f_cat);
  if (!f_cat) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  st = add_category_fields(ctx, C, L, f_cat);
  if (!st && !(st = sm_layer_add_field(ctx, L, "area_km2", SM_FIELD_DOUBLE, &f_km2)))
    st = sm_layer_add_field(ctx, L, "per_km2", SM_FIELD_DOUBLE, &f_per);
  size_t nslot = C->nslot, mslots = C->mslots;
  for (size_t k = 0; k < C->na && !st; k++) {
    size_t wn = 0;
    const unsigned char *wkb = sm_areas_wkb(areas, k, &wn);
    size_t row;
    if ((st = sm_layer_add_feature(ctx, L, wkb, wn, &row))) break;
    double tot = 0;
    for (size_t o = 0; o < C->nord; o++) {
      double s = 0;
      for (size_t m = 0; m < mslots; m++) s += C->cnt[((size_t)k * nslot + C->order[o].idx) * mslots + m];
      tot += s;
      if (!st) st = sm_layer_set_double(ctx, L, row, f_cat[o], s);
    }
    double km2 = sm_areas_area_m2(areas, k) / 1e6;
    if (!st) st = sm_layer_set_string(ctx, L, row, f_id, sm_areas_id(areas, k));
    if (!st) st = sm_layer_set_string(ctx, L, row, f_name, sm_areas_name(areas, k));
    if (!st) st = sm_layer_set_double(ctx, L, row, f_total, tot);
    if (!st) st = sm_layer_set_double(ctx, L, row, f_km2, km2);
    if (!st && km2 > 0) st = sm_layer_set_double(ctx, L, row, f_per, tot / km2);
  }
  /* counts are whole numbers unless weights made them otherwise: INT64 columns then */
  if (!st) st = sm__layer_whole_to_int(ctx, L, f_total);
  for (size_t o = 0; o < C->nord && !st; o++) st = sm__layer_whole_to_int(ctx, L, f_cat[o]);
  sm__free(f_cat);
  return st;
}

/* The per-area layer's metadata: method, CRS, fields, month range and the
 * counts of points, rows and repaired areas. */
static sm_status set_count_metadata(sm_ctx *ctx, const counts *C, sm_layer *L, const sm_areas *areas,
                                    const sm_points *points) {
  sm_status st = SM_OK;
  char buf[64];
  char first[16] = "", last[16] = "";
  if (C->nmonth) {
    snprintf(first, sizeof first, "%04d-%02d", C->m0 / 12, C->m0 % 12 + 1);
    snprintf(last, sizeof last, "%04d-%02d", C->m1 / 12, C->m1 % 12 + 1);
  }
  struct {
    const char *k;
    const char *v;
  } md[] = {
      {"safemap_version", sm_version_string()},
      {"method", "count of points per area (point in polygon)"},
      {"assignment_rule", "crossing number with half-open edges: a point on a shared edge goes to exactly one "
                          "area; where areas overlap, the first in source order"},
      {"crs", sm_areas_crs(areas)},
      {"area_id_field", sm_areas_id_field(areas)},
      {"area_name_field", sm_areas_name_field(areas)},
      {"input_crs", sm_points_input_crs(points)},
      {"time_resolution", sm_points_time_resolution(points) == SM_TIME_MONTH ? "month (police.uk)"
                          : sm_points_time_resolution(points) == SM_TIME_DAY  ? "day"
                          : sm_points_time_resolution(points) == SM_TIME_SECOND ? "second"
                                                                                : "none"},
      {"first_month", first},
      {"last_month", last},
  };
  for (size_t i = 0; i < sizeof md / sizeof md[0] && !st; i++) st = sm_layer_set_metadata(ctx, L, md[i].k, md[i].v);
  if (!st && C->weighted)
    st = sm_layer_set_metadata(ctx, L, "weights", "each point counts its weight (the weight column): total, the "
                                                  "category columns and per_km2 are sums of weights");
  snprintf(buf, sizeof buf, "%zu", C->n);
  if (!st) st = sm_layer_set_metadata(ctx, L, "points", buf);
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)C->inside);
  if (!st) st = sm_layer_set_metadata(ctx, L, "points_in_areas", buf);
  snprintf(buf, sizeof buf, "%zu", C->outside);
  if (!st) st = sm_layer_set_metadata(ctx, L, "points_outside_areas", buf);
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)sm_points_rows_read(points));
  if (!st) st = sm_layer_set_metadata(ctx, L, "rows_read", buf);
  uint64_t bad = 0;
  for (int r = 0; r < SM_BAD_REASON_END_; r++) bad += sm_points_rows_bad(points, (sm_bad_reason)r);
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)bad);
  if (!st) st = sm_layer_set_metadata(ctx, L, "rows_skipped", buf);
  snprintf(buf, sizeof buf, "%zu", sm_areas_repaired_count(areas));
  if (!st) st = sm_layer_set_metadata(ctx, L, "areas_repaired", buf);
  const char *notes = sm__areas_notes(areas); /* already logged when the areas were read */
  if (!st && notes) {
    const char *old = sm_layer_metadata_get(L, "warnings");
    char *both = old ? sm__asprintf("%s; %s", old, notes) : NULL;
    if (old && !both) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    st = sm_layer_set_metadata(ctx, L, "warnings", both ? both : notes);
    sm__free(both);
  }
  return st;
}

/* The per-month table (<name>_by_month): one row per area, month and
 * category, zeros included; the month '' for points without a time. */
static sm_status make_month_table(sm_ctx *ctx, const counts *C, sm_layer **Tp, const sm_areas *areas,
                                  const sm_points *points, const char *name) {
  char *tname = sm__asprintf("%s_by_month", name);
  if (!tname) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm_status st = sm_layer_create(ctx, Tp, tname, SM_GEOM_NONE, NULL);
  sm__free(tname);
  sm_layer *T = *Tp;
  size_t t_id, t_name, t_month, t_cat, t_count;
  if (!st) st = sm_layer_add_field(ctx, T, "area_id", SM_FIELD_STRING, &t_id);
  if (!st) st = sm_layer_add_field(ctx, T, "area_name", SM_FIELD_STRING, &t_name);
  if (!st) st = sm_layer_add_field(ctx, T, "month", SM_FIELD_STRING, &t_month);
  if (!st) st = sm_layer_add_field(ctx, T, "category", SM_FIELD_STRING, &t_cat);
  if (!st) st = sm_layer_add_field(ctx, T, "count", SM_FIELD_DOUBLE, &t_count);
  size_t nmonth = C->nmonth, nslot = C->nslot, mslots = C->mslots, nord = C->nord;
  int32_t m0 = C->m0;
  size_t mlast = nmonth + (C->any_untimed || nmonth == 0 ? 1 : 0);
  size_t ocount = nord ? nord : 1;
  if (!st) st = sm__layer_reserve(ctx, T, C->na * mlast * ocount);
  for (size_t k = 0; k < C->na && !st; k++)
    for (size_t m = 0; m < mlast && !st; m++) {
      char mon[16] = "";
      if (m < nmonth) snprintf(mon, sizeof mon, "%04d-%02d", (m0 + (int32_t)m) / 12, (m0 + (int32_t)m) % 12 + 1);
      for (size_t o = 0; o < ocount && !st; o++) {
        size_t slot = nord ? C->order[o].idx : C->ncat;
        size_t ms = m < nmonth ? m : nmonth;
        double v = C->cnt[((size_t)k * nslot + slot) * mslots + ms];
        size_t row;
        if ((st = sm_layer_add_feature(ctx, T, NULL, 0, &row))) break;
        /* each text looked up once: the area's on its first row, a month's and category's on the first area's */
        size_t area_row = (k * mlast) * ocount, first_row = m * ocount + o;
        if (row == area_row) {
          st = sm_layer_set_string(ctx, T, row, t_id, sm_areas_id(areas, k));
          if (!st) st = sm_layer_set_string(ctx, T, row, t_name, sm_areas_name(areas, k));
        } else {
          sm__layer_string_as(T, row, t_id, area_row);
          sm__layer_string_as(T, row, t_name, area_row);
        }
        if (k == 0) {
          if (!st) st = sm_layer_set_string(ctx, T, row, t_month, mon);
          if (!st) st = sm_layer_set_string(ctx, T, row, t_cat, nord ? C->order[o].name : "");
        } else {
          sm__layer_string_as(T, row, t_month, first_row);
          sm__layer_string_as(T, row, t_cat, first_row);
        }
        if (!st) st = sm_layer_set_double(ctx, T, row, t_count, v);
      }
    }
  if (!st) st = sm__layer_whole_to_int(ctx, T, t_count);
  if (!st && C->weighted)
    st = sm_layer_set_metadata(ctx, T, "weights", "each point counts its weight (the weight column): counts are sums");
  if (!st) st = sm_layer_set_metadata(ctx, T, "method", "count of points per area, month and category; zeros included");
  if (!st) st = sm_layer_set_metadata(ctx, T, "safemap_version", sm_version_string());
  if (!st) st = sm_layer_set_metadata(ctx, T, "month_note", sm_points_time_resolution(points) == SM_TIME_MONTH
                                                         ? "police.uk dates are months only"
                                                         : "month of each point's time; '' = no time");
  return st;
}

sm_status sm__areas_count_points_where(sm_ctx *ctx, sm_layer **areas_out, sm_layer **table_out,
                                      const sm_areas *areas, const sm_points *points, const char *name,
                                      int32_t **where_out) {
  if (where_out) *where_out = NULL;
  if (!areas_out || !areas || !points || !name || !*name)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_areas_count_points: NULL argument");
  *areas_out = NULL;
  if (table_out) *table_out = NULL;
  counts C = {0};
  C.n = sm_points_count(points), C.na = sm_areas_count(areas);
  C.ncat = sm_points_category_count(points);
  C.has_time = sm_points_time_resolution(points) != SM_TIME_NONE;
  sm_status st = count_points(ctx, &C, areas, points);
  if (st) {
    sm__free(C.where);
    sm__free(C.cnt);
    return st; /* nothing else allocated */
  }
  sm_layer *L = NULL, *T = NULL;
  if (!(st = order_categories(ctx, &C, points)) && !(st = make_area_layer(ctx, &C, &L, areas, name)) &&
      !(st = set_count_metadata(ctx, &C, L, areas, points)) && table_out)
    st = make_month_table(ctx, &C, &T, areas, points, name);
  if (C.cols)
    for (size_t o = 0; o < C.nslot; o++) sm__free(C.cols[o]);
  sm__free(C.cols);
  sm__free(C.order);
  sm__free(C.cnt);
  if (!st) st = sm__progress(ctx, 1.0, "counted");
  if (st) {
    sm__free(C.where);
    sm_layer_destroy(L);
    sm_layer_destroy(T);
    return st;
  }
  *areas_out = L;
  if (table_out) *table_out = T;
  if (where_out) *where_out = C.where;
  else sm__free(C.where);
  return SM_OK;
}

sm_status sm_areas_count_points(sm_ctx *ctx, sm_layer **areas_out, sm_layer **table_out, const sm_areas *areas,
                                const sm_points *points, const char *name) {
  return sm__areas_count_points_where(ctx, areas_out, table_out, areas, points, name, NULL);
}

/* ---- points outside every area ------------------------------------------------------- */

typedef struct {
  const unsigned char *p, *end;
} wkb_rd;

static int rd_u32(wkb_rd *r, int le, uint32_t *v) {
  if (r->end - r->p < 4) return -1;
  const unsigned char *b = r->p;
  *v = le ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24
          : (uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
  r->p += 4;
  return 0;
}

static int rd_f64(wkb_rd *r, int le, double *v) {
  if (r->end - r->p < 8) return -1;
  unsigned char b[8];
  for (int i = 0; i < 8; i++) b[i] = r->p[le ? i : 7 - i];
  uint64_t u = 0;
  for (int i = 7; i >= 0; i--) u = u << 8 | b[i];
  memcpy(v, &u, sizeof *v);
  r->p += 8;
  return 0;
}

static double seg_d2(double px, double py, double ax, double ay, double bx, double by) {
  double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy, t = 0;
  if (l2 > 0) t = ((px - ax) * dx + (py - ay) * dy) / l2;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  double ex = ax + t * dx - px, ey = ay + t * dy - py;
  return ex * ex + ey * ey;
}

/* The rings of the areas as segments, each area's a run of them with its bounding box. */
typedef struct {
  double *ax, *ay, *bx, *by;
  size_t n, cap;
} segs;

static int segs_add(segs *s, double ax, double ay, double bx, double by) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 4096;
    double *p[4] = {s->ax, s->ay, s->bx, s->by};
    for (int k = 0; k < 4; k++) {
      double *q = sm__realloc(p[k], cap * sizeof *q);
      if (!q) return -1;
      p[k] = q;
    }
    s->ax = p[0], s->ay = p[1], s->bx = p[2], s->by = p[3], s->cap = cap;
  }
  s->ax[s->n] = ax, s->ay[s->n] = ay, s->bx[s->n] = bx, s->by[s->n] = by;
  s->n++;
  return 0;
}

/* Appends the ring segments of a (Multi)Polygon WKB to s; -1 on a WKB it cannot read, -2 out of memory. */
static int wkb_segs(wkb_rd *r, segs *s) {
  if (r->p >= r->end) return -1;
  int le = *r->p++ == 1;
  uint32_t type, n;
  if (rd_u32(r, le, &type) || rd_u32(r, le, &n)) return -1;
  int dims = 2 + ((type & 0x80000000u) != 0) + ((type & 0x40000000u) != 0);
  type &= 0x0fffffffu;
  if (type >= 1000) dims = 2 + (type / 1000 == 1 || type / 1000 == 2) + 2 * (type / 1000 == 3), type %= 1000;
  if (type == 6) { /* multipolygon: n polygons */
    for (uint32_t k = 0; k < n; k++) {
      int e = wkb_segs(r, s);
      if (e) return e;
    }
    return 0;
  }
  if (type != 3) return -1;
  for (uint32_t ring = 0; ring < n; ring++) {
    uint32_t np;
    if (rd_u32(r, le, &np)) return -1;
    double px = 0, py = 0, skip;
    for (uint32_t i = 0; i < np; i++) {
      double qx, qy;
      if (rd_f64(r, le, &qx) || rd_f64(r, le, &qy)) return -1;
      for (int d = 2; d < dims; d++)
        if (rd_f64(r, le, &skip)) return -1;
      if (i && segs_add(s, px, py, qx, qy)) return -2;
      px = qx, py = qy;
    }
  }
  return 0;
}

/* Squared distance from (px, py) to an area's box: at most that to any of its segments. */
static inline double box_d2(const double *b, double px, double py) {
  double ex = b[0] - px > px - b[2] ? b[0] - px : px - b[2], ey = b[1] - py > py - b[3] ? b[1] - py : py - b[3];
  ex = ex > 0 ? ex : 0, ey = ey > 0 ? ey : 0;
  return ex * ex + ey * ey;
}

/* 12345 -> 12,345 in place. */
static void group_digits(char *s, size_t size) {
  size_t len = strlen(s), commas = len > 3 ? (len - 1) / 3 : 0;
  if (len + commas + 1 > size) return;
  s[len + commas] = '\0';
  for (size_t i = 0; i < len; i++) {
    s[len + commas - 1 - i - i / 3] = s[len - 1 - i];
    if (i % 3 == 2 && i + 1 < len) s[len + commas - 2 - i - i / 3] = ',';
  }
}

/* The segments bucketed in a square grid over their extent (each in every cell its box meets), for the nearest
 * segment to a point: rings of cells around the point's cell (clamped to the grid) until no cell further out can
 * hold anything nearer. Every segment of a cell at ring rho (Chebyshev distance in cells) is at least (rho - 1) cells
 * from the point, wherever the point is. */
typedef struct seg_grid {
  double x0, y0, cs; /* lower-left corner, cell side */
  long nx, ny;
  size_t *start;     /* nx * ny + 1 offsets into idx */
  uint32_t *idx;     /* segment indices, cell by cell */
} seg_grid;

static long grid_cell(double v, double v0, double cs, long n) {
  double f = floor((v - v0) / cs);
  return f < 0 ? 0 : f >= (double)n ? n - 1 : (long)f;
}

static int seg_grid_build(seg_grid *g, const segs *sg) {
  memset(g, 0, sizeof *g);
  if (!sg->n || sg->n >= UINT32_MAX) return -1;
  double e[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (size_t j = 0; j < sg->n; j++) {
    e[0] = fmin(e[0], fmin(sg->ax[j], sg->bx[j])), e[2] = fmax(e[2], fmax(sg->ax[j], sg->bx[j]));
    e[1] = fmin(e[1], fmin(sg->ay[j], sg->by[j])), e[3] = fmax(e[3], fmax(sg->ay[j], sg->by[j]));
  }
  double side = fmax(e[2] - e[0], e[3] - e[1]);
  if (!(side > 0) || !isfinite(side)) return -1;
  long n = (long)ceil(sqrt((double)sg->n / 4.0)); /* some four segments a cell */
  n = n < 1 ? 1 : n > 1024 ? 1024 : n;
  g->x0 = e[0], g->y0 = e[1], g->cs = side / (double)n;
  g->nx = (long)ceil((e[2] - e[0]) / g->cs), g->ny = (long)ceil((e[3] - e[1]) / g->cs);
  g->nx = g->nx < 1 ? 1 : g->nx > n ? n : g->nx, g->ny = g->ny < 1 ? 1 : g->ny > n ? n : g->ny;
  size_t nc = (size_t)g->nx * (size_t)g->ny, total = 0;
  g->start = sm__calloc(nc + 1, sizeof *g->start);
  if (!g->start) return -2;
  for (int pass = 0; pass < 2; pass++) {
    for (size_t j = 0; j < sg->n; j++) {
      long i0 = grid_cell(fmin(sg->ax[j], sg->bx[j]), g->x0, g->cs, g->nx), i1 = grid_cell(fmax(sg->ax[j], sg->bx[j]), g->x0, g->cs, g->nx);
      long k0 = grid_cell(fmin(sg->ay[j], sg->by[j]), g->y0, g->cs, g->ny), k1 = grid_cell(fmax(sg->ay[j], sg->by[j]), g->y0, g->cs, g->ny);
      for (long k = k0; k <= k1; k++)
        for (long i = i0; i <= i1; i++) {
          size_t c = (size_t)k * (size_t)g->nx + (size_t)i;
          if (pass == 0) g->start[c + 1]++;
          else g->idx[g->start[c]++] = (uint32_t)j;
        }
    }
    if (pass == 0) {
      for (size_t c = 0; c < nc; c++) g->start[c + 1] += g->start[c];
      total = g->start[nc];
      if (!(g->idx = sm__malloc((total ? total : 1) * sizeof *g->idx))) return -2;
    } else { /* start[c] now ends cell c: shift back */
      memmove(g->start + 1, g->start, nc * sizeof *g->start);
      g->start[0] = 0;
    }
  }
  return 0;
}

/* The least seg_d2 from (px, py) over every segment: the same value a scan of all of them gives. */
static double seg_grid_nearest(const seg_grid *g, const segs *sg, double px, double py) {
  long cx = grid_cell(px, g->x0, g->cs, g->nx), cy = grid_cell(py, g->y0, g->cs, g->ny);
  long rmax = g->nx > g->ny ? g->nx : g->ny;
  double best = INFINITY;
  for (long r = 0; r <= rmax; r++) {
    for (long k = cy - r; k <= cy + r; k++) {
      if (k < 0 || k >= g->ny) continue;
      long step = (k == cy - r || k == cy + r) ? 1 : 2 * r; /* the ring only */
      for (long i = cx - r; i <= cx + r; i += step ? step : 1) {
        if (i < 0 || i >= g->nx) continue;
        size_t c = (size_t)k * (size_t)g->nx + (size_t)i;
        for (size_t q = g->start[c]; q < g->start[c + 1]; q++) {
          uint32_t j = g->idx[q];
          double d2 = seg_d2(px, py, sg->ax[j], sg->ay[j], sg->bx[j], sg->by[j]);
          if (d2 < best) best = d2;
        }
      }
    }
    /* cells of ring r + 1 and beyond are at least r cells away; a margin for rounding */
    double lb = (double)r * g->cs * (1 - 1e-6);
    if (lb * lb > best) break;
  }
  return best;
}

/* The nearest segment's squared distance from (px, py): through the grid, or (no grid) the area with the nearest
 * box first, then the others whose box is not clearly beyond the best so far; bd: scratch, a box distance per area. */
typedef struct {
  const segs *sg;
  const seg_grid *grid;
  int has_grid;
  const size_t *lo;
  const double *box;
  size_t nb;
} nearest_in;

static double nearest_dist(const nearest_in *N, double *bd, double px, double py) {
  if (N->has_grid) return sqrt(seg_grid_nearest(N->grid, N->sg, px, py));
  const segs *sg = N->sg;
  double best = INFINITY, near_d2 = INFINITY;
  size_t near = 0, nb = N->nb;
  for (size_t a = 0; a < nb; a++) {
    bd[a] = box_d2(N->box + 4 * a, px, py);
    if (bd[a] < near_d2) near_d2 = bd[a], near = a;
  }
  for (size_t q = 0; q <= nb && nb; q++) {
    size_t a = q == 0 ? near : q - 1;
    if ((q && a == near) || bd[a] * (1 - 1e-9) > best) continue;
    for (size_t j = N->lo[a]; j < N->lo[a + 1]; j++) {
      double d2 = seg_d2(px, py, sg->ax[j], sg->ay[j], sg->bx[j], sg->by[j]);
      if (d2 < best) best = d2;
    }
  }
  return isfinite(best) ? sqrt(best) : 0;
}

/* A location's hash: its coordinates' bits (-0 as 0), mixed. */
static inline uint64_t xy_hash(double x, double y) {
  uint64_t a, b;
  x += 0.0, y += 0.0;
  memcpy(&a, &x, 8), memcpy(&b, &y, 8);
  uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ull)) * 0xD6E8FEB86659FD93ull;
  return h ^ (h >> 32);
}

/* A grid of tiles over the points outside: its corner, cells per metre, size, and number of tiles. */
typedef struct {
  double x0, y0, sx, sy;
  long nx, ny;
  size_t n;
} tiles;

static inline size_t tile_of(const tiles *t, double x, double y) {
  long tx = (long)((x - t->x0) * t->sx), ty = (long)((y - t->y0) * t->sy);
  tx = tx < 0 ? 0 : tx >= t->nx ? t->nx - 1 : tx, ty = ty < 0 ? 0 : ty >= t->ny ? t->ny - 1 : ty;
  return (size_t)ty * (size_t)t->nx + (size_t)tx;
}

enum { TILE_RUN = 65536 };

/* One pass over the points in runs of TILE_RUN on the threads: with xy NULL, the points outside every area
 * counted per run and tile into at[run * t->n + tile]; else each placed at its run's next slot of its tile
 * (at then holding the offsets), in point order. */
static void tile_runs(int nt, size_t n, const int32_t *where, const double *x, const double *y, const tiles *t,
                      size_t *at, double *xy) {
  size_t nrun = (n + TILE_RUN - 1) / TILE_RUN;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
  for (size_t c = 0; c < nrun; c++) {
    size_t e = (c + 1) * TILE_RUN < n ? (c + 1) * TILE_RUN : n, *k = at + c * t->n;
    for (size_t i = c * TILE_RUN; i < e; i++) {
      if (where[i] >= 0) continue;
      size_t j = k[tile_of(t, x[i], y[i])]++;
      if (xy) xy[2 * j] = x[i], xy[2 * j + 1] = y[i];
    }
  }
  (void)nt;
}

sm_status sm_areas_outside_distance(sm_ctx *ctx, const sm_areas *areas, const sm_points *points,
                                    const int32_t *area_of_point, sm_areas_outside *out) {
  if (!areas || !points || !area_of_point || !out)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_areas_outside_distance: NULL argument");
  memset(out, 0, sizeof *out);
  size_t n = sm_points_count(points), m = 0, na = sm_areas_count(areas);
  int nt = sm__threads(ctx);
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 65536) reduction(+ : m)
#endif
  for (size_t i = 0; i < n; i++) m += area_of_point[i] < 0;
  if (!m) return SM_OK;
  /* The outside points' coordinates, shared out into parts by a grid of tiles over them, some 512 points a tile
   * on average (a run of points on each thread counted, then placed): a location's points all in one part, and
   * the locations of a part near one another, for the segment grid's sake. */
  const double *x = sm_points_x(points), *y = sm_points_y(points);
  double ex0 = INFINITY, ey0 = INFINITY, ex1 = -INFINITY, ey1 = -INFINITY;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 65536) reduction(min : ex0, ey0) reduction(max : ex1, ey1)
#endif
  for (size_t i = 0; i < n; i++)
    if (area_of_point[i] < 0) {
      ex0 = x[i] < ex0 ? x[i] : ex0, ex1 = x[i] > ex1 ? x[i] : ex1;
      ey0 = y[i] < ey0 ? y[i] : ey0, ey1 = y[i] > ey1 ? y[i] : ey1;
    }
  double want = fmin(65536, fmax(1, (double)m / 512)), tw = ex1 - ex0, th = ey1 - ey0;
  double side = sqrt(fmax(tw * th, 1e-300) / want);
  if (!(side > 0) || !isfinite(side)) side = 1;
  long nx = (long)fmin(fmax(tw / side, 1), want), ny = (long)fmin(fmax(th / side, 1), want);
  while ((double)nx * (double)ny > 65536) nx = (nx + 1) / 2, ny = (ny + 1) / 2;
  double sx = tw > 0 ? (double)nx / tw : 0, sy = th > 0 ? (double)ny / th : 0;
  size_t nparts = (size_t)nx * (size_t)ny;
  size_t nrun = (n + TILE_RUN - 1) / TILE_RUN;
  double *d = sm__malloc(m * sizeof *d), *xy = sm__malloc(2 * m * sizeof *xy);
  size_t *at = sm__calloc(nrun * nparts + 1, sizeof *at), *part = sm__malloc((nparts + 1) * sizeof *part);
  if (!d || !xy || !at || !part) {
    sm__free(d), sm__free(xy), sm__free(at), sm__free(part);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  tiles tg = {ex0, ey0, sx, sy, nx, ny, nparts};
  tile_runs(nt, n, area_of_point, x, y, &tg, at, NULL);
  /* offsets: part by part, run by run within a part (the points of a part in point order) */
  size_t sum = 0;
  for (size_t q = 0; q < nparts; q++) {
    part[q] = sum;
    for (size_t c = 0; c < nrun; c++) {
      size_t k = at[c * nparts + q];
      at[c * nparts + q] = sum;
      sum += k;
    }
  }
  part[nparts] = sum;
  tile_runs(nt, n, area_of_point, x, y, &tg, at, xy);
  sm__free(at);
  size_t biggest = 0;
  for (size_t q = 0; q < nparts; q++) biggest = part[q + 1] - part[q] > biggest ? part[q + 1] - part[q] : biggest;
  /* the areas' segments, decoded once; an area whose WKB cannot be read is left out */
  segs sg = {0};
  size_t *lo = sm__malloc((na + 1) * sizeof *lo);
  double *box = sm__malloc((na ? na : 1) * 4 * sizeof *box);
  sm_status st = lo && box ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  size_t nb = 0; /* areas kept */
  for (size_t a = 0; a < na && !st; a++) {
    size_t wn = 0, at0 = sg.n;
    const unsigned char *w = sm_areas_wkb(areas, a, &wn);
    wkb_rd r = {w, w ? w + wn : NULL};
    int e = w ? wkb_segs(&r, &sg) : -1;
    if (e == -2) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (e || sg.n == at0) {
      sg.n = at0;
      continue;
    }
    double *b = box + 4 * nb;
    b[0] = b[2] = sg.ax[at0], b[1] = b[3] = sg.ay[at0];
    for (size_t j = at0; j < sg.n; j++) {
      b[0] = fmin(b[0], fmin(sg.ax[j], sg.bx[j])), b[2] = fmax(b[2], fmax(sg.ax[j], sg.bx[j]));
      b[1] = fmin(b[1], fmin(sg.ay[j], sg.by[j])), b[3] = fmax(b[3], fmax(sg.ay[j], sg.by[j]));
    }
    lo[nb++] = at0;
  }
  seg_grid grid = {0};
  int has_grid = 0;
  if (!st) {
    int ge = seg_grid_build(&grid, &sg);
    if (ge == -2) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    has_grid = ge == 0;
  }
  size_t nl = 0;
  if (!st) {
    lo[nb] = sg.n;
    nearest_in N = {&sg, &grid, has_grid, lo, box, nb};
    /* Each part's distinct locations through a small hash table of its own; each measured once, its distance
     * given to each of its points. */
    size_t slots = 16;
    while (slots < 2 * biggest) slots *= 2;
    int nomem = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel num_threads(nt) reduction(| : nomem) reduction(+ : nl)
#endif
    {
      double *bd = sm__malloc((nb ? nb : 1) * sizeof *bd), *tab = sm__malloc(slots * 3 * sizeof *tab);
      unsigned char *used = sm__malloc(slots);
      nomem = !bd || !tab || !used;
#ifdef SM_HAVE_OPENMP
#pragma omp for schedule(dynamic, 4)
#endif
      for (size_t q = 0; q < nparts; q++) {
        if (nomem) continue;
        size_t p0 = part[q], p1 = part[q + 1], mask = 15;
        while (mask + 1 < 2 * (p1 - p0)) mask = 2 * mask + 1;
        memset(used, 0, mask + 1);
        for (size_t i = p0; i < p1; i++) {
          double px = xy[2 * i] + 0.0, py = xy[2 * i + 1] + 0.0;
          size_t h = (size_t)(xy_hash(px, py) >> 17) & mask;
          while (used[h] && !(tab[3 * h] == px && tab[3 * h + 1] == py)) h = (h + 1) & mask;
          if (!used[h]) {
            used[h] = 1, tab[3 * h] = px, tab[3 * h + 1] = py, tab[3 * h + 2] = nearest_dist(&N, bd, px, py);
            nl++;
          }
          d[i] = tab[3 * h + 2];
        }
      }
      sm__free(bd), sm__free(tab), sm__free(used);
    }
    if (nomem) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  sm__free(part), sm__free(lo), sm__free(box), sm__free(grid.start), sm__free(grid.idx);
  sm__free(sg.ax), sm__free(sg.ay), sm__free(sg.bx), sm__free(sg.by);
  sm__free(xy);
  if (st) {
    sm__free(d);
    return st;
  }
  out->n_locations = nl;
  out->n_points = m;
  /* the largest, and the median by selection: the values a sort would put there */
  double hi = sm__kth_smallest(d, m, m / 2), below = hi, mx = hi;
  for (size_t i = 0; i < m / 2; i++) below = i == 0 || d[i] > below ? d[i] : below;
  for (size_t i = m / 2; i < m; i++) mx = d[i] > mx ? d[i] : mx;
  out->max_m = mx;
  out->median_m = m % 2 ? hi : (below + hi) / 2;
  sm__free(d);
  return SM_OK;
}

void sm_areas_outside_describe(const sm_areas_outside *o, int police_uk, char *buf, size_t size) {
  if (!buf || !size) return;
  buf[0] = '\0';
  if (!o || !o->n_points) return;
  char num[32];
  snprintf(num, sizeof num, "%zu", o->n_points);
  group_digits(num, sizeof num);
  if (police_uk && o->max_m <= 250)
    snprintf(buf, size,
             "%s point%s outside every area, all within %.0f m of one (half within %.0f m): police.uk moves each "
             "incident to a snap point on a nearby street, and those just beyond the areas' outer boundary fall outside "
             "them; they are left out of the counts",
             num, o->n_points == 1 ? " lies" : "s lie", ceil(o->max_m), ceil(o->median_m));
  else
    snprintf(buf, size,
             "%s point%s outside every area, up to %.1f km from the nearest (half within %.0f m): the areas do not "
             "cover all the data; those points are left out of the counts",
             num, o->n_points == 1 ? " lies" : "s lie", o->max_m / 1000, ceil(o->median_m));
}
