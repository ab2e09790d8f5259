/* Reading incidents: sources, filters, row checks, CRS choice, transform. */
#include "internal/mpi.h"
#include "internal/radix.h"
#include "internal/reader.h"
#include "internal/sources.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

sm_status sm_read_options_init(sm_read_options *opts, int version) {
  if (!opts || version != SM_READ_OPTIONS_VERSION) return SM_E_INVALID_ARG;
  sm_read_options d = SM_READ_OPTIONS_INIT;
  *opts = d;
  return SM_OK;
}

/* ---- options ---------------------------------------------------------------------- */
static sm_status parse_range(sm_reader *r) {
  const sm_read_options *o = r->opts;
  sm_time_res res;
  if (o->time_from) {
    if (sm_time_parse(o->time_from, strlen(o->time_from), &r->t_from, &res))
      return sm__error(r->ctx, SM_E_INVALID_ARG, "--from '%s' is not a date (use YYYY-MM or YYYY-MM-DD)",
                       o->time_from);
    r->has_from = 1;
  }
  if (o->time_to) {
    int64_t t;
    if (sm_time_parse(o->time_to, strlen(o->time_to), &t, &res))
      return sm__error(r->ctx, SM_E_INVALID_ARG, "--to '%s' is not a date (use YYYY-MM or YYYY-MM-DD)",
                       o->time_to);
    if (res == SM_TIME_MONTH) {
      int32_t m = sm_time_month_index(t) + 1;
      char buf[16];
      snprintf(buf, sizeof buf, "%04d-%02d", m / 12, m % 12 + 1);
      sm_time_parse(buf, strlen(buf), &t, &res);
      r->t_to_end = t;
    } else if (res == SM_TIME_DAY) {
      r->t_to_end = t + 86400;
    } else {
      r->t_to_end = t + 1;
    }
    r->has_to = 1;
  }
  if (r->has_from && r->has_to && r->t_to_end <= r->t_from)
    return sm__error(r->ctx, SM_E_INVALID_ARG, "--from %s is after --to %s", o->time_from, o->time_to);
  if (o->types) {
    const char *s = o->types;
    while (*s) {
      const char *e = strchr(s, ',');
      size_t len = e ? (size_t)(e - s) : strlen(s);
      const char *a = s, *b = s + len;
      while (a < b && isspace((unsigned char)*a)) a++;
      while (b > a && isspace((unsigned char)b[-1])) b--;
      if (b > a) {
        char **nt = sm__realloc(r->types, (r->n_types + 1) * sizeof *nt);
        if (!nt) return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
        r->types = nt;
        if (!(r->types[r->n_types] = sm__strndup(a, (size_t)(b - a))))
          return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
        r->n_types++;
      }
      if (!e) break;
      s = e + 1;
    }
    if (!r->n_types) return sm__error(r->ctx, SM_E_INVALID_ARG, "--type '%s' names no category", o->types);
  }
  if (o->has_extent &&
      !(o->extent[0] < o->extent[2] && o->extent[1] < o->extent[3] && isfinite(o->extent[0]) &&
        isfinite(o->extent[1]) && isfinite(o->extent[2]) && isfinite(o->extent[3])))
    return sm__error(r->ctx, SM_E_INVALID_ARG, "--extent %g,%g,%g,%g is not xmin,ymin,xmax,ymax", o->extent[0],
                     o->extent[1], o->extent[2], o->extent[3]);
  return SM_OK;
}

/* ---- post-processing -------------------------------------------------------------- */
/* Median lon/lat of the staged points (a sample), for the CRS choice. */
static sm_status data_centre(sm_reader *r, double *lon, double *lat) {
  sm_points *p = r->p;
  /* each source is sampled from its own start: up to n / step + 1 points per source, n / step + sources in all */
  size_t step = p->n / 20000 + 1, m = 0, cap = p->n / step + r->n_srcs + 1;
  double *a = sm__malloc(cap * sizeof *a), *b = sm__malloc(cap * sizeof *b);
  if (!a || !b) {
    sm__free(a);
    sm__free(b);
    return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
  }
  sm_status st = SM_OK;
  for (size_t s = 0; s < r->n_srcs && !st; s++) {
    const sm_src *src = &r->srcs[s];
    size_t m0 = m;
    for (size_t i = src->start; i < src->end; i += step) {
      double x = p->x[i], y = p->y[i];
      if (!isfinite(x) || !isfinite(y)) continue;
      if (src->lonlat && (fabs(x) > 180 || fabs(y) > 90 || (x == 0 && y == 0))) continue;
      a[m] = x, b[m] = y, m++;
    }
    if (!src->lonlat && m > m0) st = sm__crs_lonlat_approx(r->ctx, src->crs, 0, m - m0, a + m0, b + m0);
  }
  if (!st) {
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
      if (isfinite(a[i]) && isfinite(b[i])) a[k] = a[i], b[k] = b[i], k++;
    if (k == 0) {
      st = SM_E_INPUT; /* caller explains */
    } else {
      *lon = sm__kth_smallest(a, k, k / 2); /* the medians: the values a sort puts there */
      *lat = sm__kth_smallest(b, k, k / 2);
    }
  }
  sm__free(a);
  sm__free(b);
  return st;
}

/* police.uk publishes England, Wales and Northern Ireland: a generous box around the UK, in degrees. */
static const double UK_BOX[4] = {-11.0, 49.0, 3.0, 61.5};

static int in_uk(double lon, double lat) {
  return lon >= UK_BOX[0] && lon <= UK_BOX[2] && lat >= UK_BOX[1] && lat <= UK_BOX[3];
}

/* A police.uk source whose points lie mostly outside the UK is refused: the columns are swapped or the
 * file is not what it says, and its points would choose an analysis CRS on another continent. A few
 * stray rows are left to the row checks. A generic lon/lat source whose every point lies in the UK
 * once its two columns are swapped, and none as it stands, is warned about. */
static sm_status uk_check(sm_reader *r, size_t s) {
  const sm_points *p = r->p;
  const sm_src *src = &r->srcs[s];
  if (!src->lonlat) return SM_OK;
  size_t fin = 0, out = 0, swapped = 0, first = SIZE_MAX;
  double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
  for (size_t i = src->start; i < src->end; i++) {
    double a = p->x[i], b = p->y[i];
    if (!isfinite(a) || !isfinite(b)) continue;
    fin++;
    if (!in_uk(a, b)) {
      out++;
      if (first == SIZE_MAX) first = i;
      if (in_uk(b, a)) swapped++;
    }
    lo[0] = fmin(lo[0], a), hi[0] = fmax(hi[0], a);
    lo[1] = fmin(lo[1], b), hi[1] = fmax(hi[1], b);
  }
  if (!fin) return SM_OK;
  char nb[32], fb[32];
  if (src->policeuk && out * 2 > fin) {
    double a = p->x[first], b = p->y[first];
    sm__thousands(out, nb, sizeof nb);
    sm__thousands(fin, fb, sizeof fb);
    if (swapped * 2 > out)
      return sm__error(r->ctx, SM_E_INPUT,
                       "%s:%llu: %s %.10g, %s %.10g: outside the UK; are %s and %s swapped? (%s of the %s rows "
                       "with coordinates in this police.uk file lie outside the UK, and would lie in it with the "
                       "two columns swapped; police.uk covers England, Wales and Northern Ireland.) Swap the "
                       "names %s and %s in the file's first line, or read it with --lon %s --lat %s",
                       src->name, (unsigned long long)r->row[first], src->fa, a, src->fb, b, src->fa, src->fb, nb, fb,
                       src->fa, src->fb, src->fb, src->fa);
    return sm__error(r->ctx, SM_E_INPUT,
                     "%s:%llu: %s %.10g, %s %.10g: outside the UK (%s of the %s rows with coordinates in this "
                     "police.uk file lie outside it; police.uk covers England, Wales and Northern Ireland, "
                     "longitude %g to %g, latitude %g to %g). Check that the file is a police.uk street-level "
                     "file as downloaded, and that its %s and %s columns hold what their names say",
                     src->name, (unsigned long long)r->row[first], src->fa, a, src->fb, b, nb, fb, UK_BOX[0],
                     UK_BOX[2], UK_BOX[1], UK_BOX[3], src->fa, src->fb);
  }
  if (!src->policeuk && out == fin && swapped == fin) {
    char msg[768];
    snprintf(msg, sizeof msg,
             "%s: every row's %s (%.6g to %.6g) looks like a UK latitude and every %s (%.6g to %.6g) like a UK "
             "longitude: are the columns swapped? If so, name them with --lon %s --lat %s",
             src->name, src->fa, lo[0], hi[0], src->fb, lo[1], hi[1], src->fb, src->fa);
    if (r->opts->strict) return sm__error(r->ctx, SM_E_INPUT, "%s (--strict makes this an error)", msg);
    return sm__points_warn(r->ctx, r->p, "%s", msg);
  }
  return SM_OK;
}

/* Bounding box of the analysis CRS's area of use in the coordinates of `src`. */
static int area_in_source(sm_reader *r, const char *analysis, const sm_src *src, double box[4]) {
  double deg[4];
  if (!sm__crs_area_of_use(r->ctx, analysis, deg)) return 0;
  int utm = 0, zone = 0;
  if (sscanf(analysis, "EPSG:326%d", &zone) == 1 || sscanf(analysis, "EPSG:327%d", &zone) == 1) utm = 1;
  if (utm) { /* a UTM zone is usable well beyond its 6 degrees */
    deg[0] = fmax(-180, deg[0] - 6);
    deg[2] = fmin(180, deg[2] + 6);
  }
  if (src->lonlat) {
    memcpy(box, deg, sizeof deg);
    return 1;
  }
  enum { K = 21 };
  double x[4 * K], y[4 * K];
  for (int i = 0; i < K; i++) {
    double f = (double)i / (K - 1);
    x[i] = deg[0] + f * (deg[2] - deg[0]), y[i] = deg[1];
    x[K + i] = deg[0] + f * (deg[2] - deg[0]), y[K + i] = deg[3];
    x[2 * K + i] = deg[0], y[2 * K + i] = deg[1] + f * (deg[3] - deg[1]);
    x[3 * K + i] = deg[2], y[3 * K + i] = deg[1] + f * (deg[3] - deg[1]);
  }
  if (sm__crs_lonlat_approx(r->ctx, src->crs, 1, 4 * K, x, y)) return 0; /* a plausibility box: the datum shift does not matter */
  box[0] = box[1] = INFINITY;
  box[2] = box[3] = -INFINITY;
  for (int i = 0; i < 4 * K; i++) {
    if (!isfinite(x[i])) continue;
    box[0] = fmin(box[0], x[i]), box[1] = fmin(box[1], y[i]);
    box[2] = fmax(box[2], x[i]), box[3] = fmax(box[3], y[i]);
  }
  return box[0] < box[2];
}

static int inside(const double box[4], double x, double y) {
  return x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3];
}

/* Checks coordinates of one source; marks bad rows in keep[] (0). */
static sm_status check_source(sm_reader *r, size_t s, const char *analysis, unsigned char *keep) {
  sm_points *p = r->p;
  const sm_src *src = &r->srcs[s];
  static const double none[4] = {0, 0, 0, 0};
  double box[4];
  int has_box;
  if (s > 0 && !strcmp(src->crs, r->srcs[s - 1].crs) && r->box_valid) {
    memcpy(box, r->box, sizeof box);
    has_box = r->has_box;
  } else {
    memcpy(box, none, sizeof box);
    has_box = area_in_source(r, analysis, src, box);
    memcpy(r->box, box, sizeof box);
    r->has_box = has_box;
    r->box_valid = 1;
  }
  /* the rows that pass every check, on the threads (2: to look at below, in row order, for their messages) */
  const double *X = p->x, *Y = p->y;
  const int lonlat = src->lonlat;
  size_t look = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(r->ctx)) schedule(static, 65536) reduction(+ : look)
#endif
  for (size_t i = src->start; i < src->end; i++) {
    double a = X[i], b = Y[i];
    int ok = isfinite(a) && isfinite(b) && !(lonlat && (fabs(a) > 180 || fabs(b) > 90)) && (!has_box || inside(box, a, b));
    keep[i] = ok ? 1 : 2, look += !ok;
  }
  for (size_t i = src->start; look && i < src->end; i++) {
    if (keep[i] != 2) continue;
    look--;
    double a = p->x[i], b = p->y[i];
    sm_status st = SM_OK;
    keep[i] = 0;
    if (!isfinite(a) || !isfinite(b)) {
      st = sm__reader_bad(r, SM_BAD_NOT_FINITE, s, r->row[i], "%s %g, %s %g", src->fa, a, src->fb, b);
    } else if (src->lonlat && (fabs(a) > 180 || fabs(b) > 90)) {
      if (fabs(b) <= 180 && fabs(a) <= 90 && (!has_box || inside(box, b, a)))
        st = sm__reader_bad(r, SM_BAD_LATLON_SWAPPED, s, r->row[i],
                            "%s %.10g, %s %.10g: the columns look swapped", src->fa, a, src->fb, b);
      else
        st = sm__reader_bad(r, SM_BAD_LATLON_RANGE, s, r->row[i], "%s %.10g, %s %.10g: %s out of range", src->fa,
                            a, src->fb, b, fabs(b) > 90 ? "latitude" : "longitude");
    } else if (has_box && !inside(box, a, b)) {
      if (inside(box, b, a))
        st = sm__reader_bad(r, SM_BAD_LATLON_SWAPPED, s, r->row[i],
                            "%s %.10g, %s %.10g: the columns look swapped", src->fa, a, src->fb, b);
      else
        st = sm__reader_bad(r, SM_BAD_OUTSIDE_CRS, s, r->row[i], "%s %.10g, %s %.10g is outside the area of %s",
                            src->fa, a, src->fb, b, analysis);
    } else {
      keep[i] = 1;
    }
    if (st) return st;
  }
  return SM_OK;
}

/* Transforms n coordinates in place, each distinct (x, y) once: police.uk
 * data repeats its snap points (a million rows hold ~300,000 places). */
static sm_status transform_unique(sm_ctx *ctx, const char *src, const char *dst, size_t n, double *x, double *y) {
  if (n < 1024) return sm_crs_transform(ctx, src, dst, n, x, y);
  size_t cap = 1;
  while (cap < 2 * n) cap <<= 1;
  uint32_t *slot = sm__calloc(cap, sizeof *slot); /* unique index + 1 */
  uint32_t *of = sm__malloc(n * sizeof *of);
  double *ux = sm__malloc(n * sizeof *ux), *uy = sm__malloc(n * sizeof *uy);
  if (!slot || !of || !ux || !uy || n >= UINT32_MAX) {
    sm__free(slot), sm__free(of), sm__free(ux), sm__free(uy);
    return sm_crs_transform(ctx, src, dst, n, x, y); /* no memory to spare: the plain way */
  }
  size_t nu = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t a, b;
    memcpy(&a, &x[i], 8);
    memcpy(&b, &y[i], 8);
    uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
    size_t j = (size_t)(h >> 17) & (cap - 1);
    while (slot[j]) {
      uint32_t u = slot[j] - 1;
      if (ux[u] == x[i] && uy[u] == y[i] && !isnan(x[i])) break;
      j = (j + 1) & (cap - 1);
    }
    if (!slot[j]) {
      ux[nu] = x[i], uy[nu] = y[i];
      slot[j] = (uint32_t)(++nu);
    }
    of[i] = slot[j] - 1;
  }
  sm__free(slot);
  sm_status st = sm_crs_transform(ctx, src, dst, nu, ux, uy);
  if (!st)
    for (size_t i = 0; i < n; i++) x[i] = ux[of[i]], y[i] = uy[of[i]];
  sm__log(ctx, SM_LOG_DEBUG, "transformed %zu distinct coordinates for %zu points", nu, n);
  sm__free(of), sm__free(ux), sm__free(uy);
  return st;
}

static void reader_free(sm_reader *r) {
  sm__free(r->row);
  sm__free(r->srcidx);
  for (size_t i = 0; i < r->n_srcs; i++) {
    sm__free(r->srcs[i].name);
    sm__free(r->srcs[i].crs);
  }
  sm__free(r->srcs);
  for (size_t i = 0; i < r->n_types; i++) sm__free(r->types[i]);
  sm__free(r->types);
  sm__free(r->cat_keep);
  sm__free(r->last_crs_in);
  sm__free(r->last_crs_norm);
  sm__free(r->idh);
  sm__free(r->rep_slot);
  sm__free(r->rep_example);
}

static sm_status finish(sm_reader *r) {
  sm_ctx *ctx = r->ctx;
  sm_points *p = r->p;
  const sm_read_options *o = r->opts;
  sm_status st = SM_OK; /* no point and no analysis CRS: no branch below sets it */
  uint64_t reps = p->filtered[SM_FILTER_DUPLICATE];
  if (reps) {
    char nb[32];
    st = sm__points_warn(ctx, p,
                         "%s police.uk %s repeat%s rows of another file (same Crime ID, month and position), e.g. "
                         "%s: each is counted once, from the file read first. Files that overlap (a force's file "
                         "and a borough's for the same month, or one month downloaded twice) need reading once",
                         sm__thousands(reps, nb, sizeof nb), reps == 1 ? "row" : "rows", reps == 1 ? "s" : "",
                         r->rep_example ? r->rep_example : "");
    if (st) return st;
  }
  for (size_t s = 0; s < r->n_srcs && !st; s++) st = uk_check(r, s);
  if (st) return st;
  /* Analysis CRS. */
  if (o->analysis_crs) {
    if ((st = sm__crs_normalise(ctx, o->analysis_crs, &p->crs))) return st;
    int pm = 0;
    if ((st = sm_crs_describe(ctx, p->crs, NULL, &pm))) return st;
    if (!pm)
      return sm__error(ctx, SM_E_CRS, "analysis CRS %s is not projected in metres (safemap works in metres)",
                       o->analysis_crs);
  } else if (p->n) {
    double lon = 0, lat = 0;
    st = data_centre(r, &lon, &lat);
    if (st == SM_E_INPUT) {
      /* no usable coordinate at all: any CRS will reject them; use GB's. */
      lon = -1, lat = 52;
    } else if (st) {
      return st;
    }
    if ((st = sm_crs_choose(ctx, &p->crs, lon, lat))) return st;
    p->crs_auto = 1, p->crs_lon = lon, p->crs_lat = lat;
  } else {
    p->crs = sm__strdup("EPSG:27700");
    if (!p->crs) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  /* Check, transform and filter per source. */
  unsigned char *keep = sm__malloc(p->n ? p->n : 1);
  if (!keep) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  int all_lonlat = 1;
  for (size_t s = 0; s < r->n_srcs; s++) all_lonlat &= r->srcs[s].lonlat;
  if (all_lonlat && p->n) {
    p->lon = sm__malloc(p->cap * sizeof *p->lon);
    p->lat = sm__malloc(p->cap * sizeof *p->lat);
    if (!p->lon || !p->lat) {
      sm__free(keep);
      return sm__error(ctx, SM_E_NOMEM, "out of memory");
    }
  }
  /* Coordinate checks per source (the area box is cached while the CRS repeats). */
  for (size_t s = 0; s < r->n_srcs && !st; s++) st = check_source(r, s, p->crs, keep);
  if (!st) {
    const size_t n = p->n;
    const int nt = sm__threads(ctx);
    if (p->lon) {
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 65536)
#endif
      for (size_t i = 0; i < n; i++)
        if (keep[i]) p->lon[i] = p->x[i], p->lat[i] = p->y[i];
    }
    /* Transform runs of consecutive sources sharing a CRS in one call. The
     * rejected rows are transformed too (cheap) and dropped afterwards. */
    for (size_t s = 0; s < r->n_srcs && !st;) {
      size_t e = s + 1;
      while (e < r->n_srcs && !strcmp(r->srcs[e].crs, r->srcs[s].crs)) e++;
      size_t lo = r->srcs[s].start, hi = r->srcs[e - 1].end;
      double *X = p->x, *Y = p->y;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(nt) schedule(static, 65536)
#endif
      for (size_t i = lo; i < hi; i++)
        if (!keep[i]) X[i] = Y[i] = 0;
      if (hi > lo && !sm__crs_equal(ctx, r->srcs[s].crs, p->crs)) /* none staged: p->x may be NULL */
        st = transform_unique(ctx, r->srcs[s].crs, p->crs, hi - lo, p->x + lo, p->y + lo);
      s = e;
    }
  }
  for (size_t s = 0; s < r->n_srcs && !st; s++) {
    const sm_src *src = &r->srcs[s];
    /* the kept rows that did not transform (to report, in row order) or lie outside --extent (counted), found on
     * the threads: most runs have none */
    const double *X = p->x, *Y = p->y, *ext = o->extent;
    const int has_extent = o->has_extent;
    size_t look = 0;
#ifdef SM_HAVE_OPENMP
#pragma omp parallel for num_threads(sm__threads(ctx)) schedule(static, 65536) reduction(+ : look)
#endif
    for (size_t i = src->start; i < src->end; i++)
      look += keep[i] && (!isfinite(X[i]) || (has_extent && !(X[i] >= ext[0] && X[i] <= ext[2] && Y[i] >= ext[1] &&
                                                              Y[i] <= ext[3])));
    for (size_t i = src->start; look && i < src->end && !st; i++) {
      if (!keep[i]) continue;
      if (!isfinite(p->x[i])) {
        keep[i] = 0;
        double a = p->lon ? p->lon[i] : NAN, b = p->lat ? p->lat[i] : NAN;
        st = sm__reader_bad(r, SM_BAD_OUTSIDE_CRS, s, r->row[i], "%s %g, %s %g cannot be transformed to %s", src->fa,
                            a, src->fb, b, p->crs);
        look--;
      } else if (o->has_extent && !(p->x[i] >= o->extent[0] && p->x[i] <= o->extent[2] &&
                                    p->y[i] >= o->extent[1] && p->y[i] <= o->extent[3])) {
        keep[i] = 0;
        p->filtered[SM_FILTER_EXTENT]++;
        look--;
      }
    }
  }
  if (!st) {
    size_t k = 0; /* the rows before the first one dropped stay where they are */
    while (k < p->n && keep[k]) k++;
    for (size_t i = k; i < p->n; i++) {
      if (!keep[i]) continue;
      p->x[k] = p->x[i], p->y[k] = p->y[i], p->t[k] = p->t[i], p->w[k] = p->w[i], p->cat[k] = p->cat[i];
      if (p->label) p->label[k] = p->label[i];
      if (p->lon) p->lon[k] = p->lon[i], p->lat[k] = p->lat[i];
      k++;
    }
    p->n = k;
  }
  sm__free(keep);
  if (st) return st;
  /* Input CRS: the sources' if they agree. */
  const char *in = r->n_srcs ? r->srcs[0].crs : "";
  for (size_t s = 1; s < r->n_srcs; s++)
    if (strcmp(in, r->srcs[s].crs) && !sm__crs_equal(ctx, in, r->srcs[s].crs)) in = "mixed";
  p->input_crs = sm__strdup(in ? in : "");
  if (!p->input_crs) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  p->time_res = SM_TIME_NONE;
  for (int res = SM_TIME_MONTH; res <= SM_TIME_SECOND; res++)
    if (r->res_seen[res]) {
      p->time_res = (sm_time_res)res;
      break;
    }
  p->policeuk = r->all_policeuk && r->n_srcs > 0;
  if (r->n_srcs == 1)
    p->sources = sm__strdup(r->srcs[0].name);
  else if (r->n_srcs > 1)
    p->sources = sm__asprintf("%zu sources, %s .. %s", r->n_srcs, r->srcs[0].name, r->srcs[r->n_srcs - 1].name);
  if (r->n_srcs && !p->sources) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  return SM_OK;
}

/* A fingerprint of the points every rank read: their number, coordinates, times and weights (FNV-1a, 64 bits). */
static size_t points_fingerprint(const sm_points *p) {
  uint64_t h = 1469598103934665603ULL;
  size_t n = sm_points_count(p);
  const void *cols[4] = {sm_points_x(p), sm_points_y(p), sm_points_time(p), sm_points_weight(p)};
  h = (h ^ (uint64_t)n) * 1099511628211ULL;
  for (size_t c = 0; c < 4; c++) {
    const unsigned char *b = cols[c];
    for (size_t i = 0; b && i < n * 8; i++) h = (h ^ b[i]) * 1099511628211ULL;
  }
  return (size_t)h;
}

sm_status sm_points_read(sm_ctx *ctx, sm_points **out, const char *const *sources, size_t n_sources,
                         const sm_read_options *opts) {
  sm_status st = sm__mpi_agree(ctx, sm__points_read_tuned(ctx, out, sources, n_sources, opts, NULL));
  if (!st && sm__ranks(ctx) > 1) { /* the ranks share the work out on the understanding that they read the same */
    size_t f = points_fingerprint(*out), lo = f, nlo = ~f, n = sm_points_count(*out), nmin = n, nneg = ~n;
    st = sm__mpi_min(ctx, &lo);
    if (!st) st = sm__mpi_min(ctx, &nlo);
    if (!st) st = sm__mpi_min(ctx, &nmin);
    if (!st) st = sm__mpi_min(ctx, &nneg);
    if (!st && (lo != ~nlo))
      st = sm__error(ctx, SM_E_INPUT, "the %d ranks read different points from %s%s (%zu to %zu points): every rank "
                     "must see the same files (a shared file system, not a node's own disk), unchanged while it runs",
                     sm__ranks(ctx), n_sources == 1 ? "" : "the sources starting with ", sources[0], nmin, ~nneg);
  }
  if (st && out) sm_points_destroy(*out), *out = NULL; /* another rank failed: every rank stops */
  return st;
}

sm_status sm__points_read_tuned(sm_ctx *ctx, sm_points **out, const char *const *sources, size_t n_sources,
                                const sm_read_options *opts, const sm_read_tuning *tune) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "sm_points_read: out is NULL");
  *out = NULL;
  if (!sources || n_sources == 0) return sm__error(ctx, SM_E_INVALID_ARG, "no input given");
  sm_read_options defaults = SM_READ_OPTIONS_INIT;
  if (!opts) opts = &defaults;
  if (opts->version != SM_READ_OPTIONS_VERSION)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_read_options version %d is not %d", opts->version,
                     SM_READ_OPTIONS_VERSION);
  sm_reader r;
  memset(&r, 0, sizeof r);
  r.ctx = ctx;
  r.opts = opts;
  r.tune = tune;
  r.all_policeuk = 1;
  sm_status st = sm__points_alloc(ctx, &r.p);
  if (st) return st;
  if (!(st = parse_range(&r)))
    st = sm__sources_expand(&r, sources, n_sources);
  double saved[2], t0 = sm__now();
  for (size_t s = 0; s < r.n_srcs && !st; s++) {
    char msg[64];
    snprintf(msg, sizeof msg, "reading %zu of %zu", s + 1, r.n_srcs);
    if ((st = sm__progress(ctx, 0.9 * (double)s / (double)r.n_srcs, msg))) break;
    sm__progress_push(ctx, 0.9 * (double)s / (double)r.n_srcs, 0.9 * (double)(s + 1) / (double)r.n_srcs, saved);
    sm_src *src = &r.srcs[s];
    src->start = r.p->n;
    if (!sm__source_is_connection(src->name) && sm__source_has_ext(src->name, ".csv"))
      st = sm__read_csv(&r, s);
    else
      st = sm__read_ogr(&r, s);
    src->end = r.p->n;
    sm__progress_pop(ctx, saved);
    r.p->n_sources++;
  }
  double t1 = sm__now();
  if (!st) st = finish(&r);
  if (!st) st = sm__progress(ctx, 1.0, "read");
  if (!st)
    sm__log(ctx, SM_LOG_DEBUG, "read %zu sources in %.3f s, checked and transformed in %.3f s", r.n_srcs, t1 - t0,
            sm__now() - t1);
  reader_free(&r);
  if (st) {
    sm_points_destroy(r.p);
    return st;
  }
  *out = r.p;
  return SM_OK;
}
