/* CSV sources: police.uk street-level files and generic tables. */
#include "internal/csv.h"
#include "io_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const LON_NAMES[] = {"longitude", "lon", "lng", "long", NULL};
static const char *const LAT_NAMES[] = {"latitude", "lat", NULL};
static const char *const X_NAMES[] = {"x", "easting", "east", "point_x", "xcoord", "x_coord", NULL};
static const char *const Y_NAMES[] = {"y", "northing", "north", "point_y", "ycoord", "y_coord", NULL};
static const char *const TIME_NAMES[] = {"month", "date", "datetime", "date_time", "timestamp", "time",
                                         "occurred", NULL};
static const char *const CAT_NAMES[] = {"crime type", "crime_type", "category", "type", "offence", "offense",
                                        NULL};
static const char *const LABEL_NAMES[] = {"location", NULL};

typedef struct cols {
  long a, b, t, w, cat, label;
  char tname[96];
} cols;

static long find_named(const sm_csv *c, const char *name) {
  for (size_t i = 0; i < c->nf; i++)
    if (sm__strncaseeq(c->fs[i], c->fl[i], name)) return (long)i;
  return -1;
}

static long find_any(const sm_csv *c, const char *const *names) {
  for (int k = 0; names[k]; k++) {
    long i = find_named(c, names[k]);
    if (i >= 0) return i;
  }
  return -1;
}

static char *header_list(const sm_csv *c) {
  sm_buf b = {0};
  for (size_t i = 0; i < c->nf && i < 40; i++) {
    if (i) sm__buf_append(&b, ", ", 2);
    sm__buf_append(&b, c->fs[i], c->fl[i]);
  }
  if (!b.s) sm__buf_append(&b, "", 0);
  return b.s;
}

static sm_status need_col(sm_reader *r, const sm_csv *c, const char *path, const char *opt, const char *name,
                          long *out) {
  *out = find_named(c, name);
  if (*out >= 0) return SM_OK;
  char *h = header_list(c);
  sm_status st = sm__error(r->ctx, SM_E_INVALID_ARG, "%s: no column '%s' (given with %s); its columns are: %s",
                           path, name, opt, h ? h : "");
  sm__free(h);
  return st;
}

static void set_fieldname(char *dst, size_t max, const sm_csv *c, long i) {
  sm__quote(dst, max, c->fs[i], c->fl[i]);
}

static sm_status resolve(sm_reader *r, size_t s, const sm_csv *c, cols *k) {
  const sm_read_options *o = r->opts;
  sm_src *src = &r->srcs[s];
  const char *path = src->name;
  sm_status st;
  k->a = k->b = k->t = k->w = k->cat = k->label = -1;
  int policeuk = find_named(c, "Longitude") >= 0 && find_named(c, "Latitude") >= 0 &&
                 find_named(c, "Month") >= 0 && find_named(c, "Crime type") >= 0 &&
                 find_named(c, "Falls within") >= 0;
  if (!policeuk) r->all_policeuk = 0;
  int lonlat = 1;
  if (o->x_field || o->y_field) {
    if (!o->x_field || !o->y_field)
      return sm__error(r->ctx, SM_E_INVALID_ARG, "give both --x and --y (or --lon and --lat)");
    if ((st = need_col(r, c, path, "--x", o->x_field, &k->a)) || (st = need_col(r, c, path, "--y", o->y_field, &k->b)))
      return st;
    lonlat = 0;
  } else if (o->lon_field || o->lat_field) {
    if (!o->lon_field || !o->lat_field)
      return sm__error(r->ctx, SM_E_INVALID_ARG, "give both --lon and --lat (or --x and --y)");
    if ((st = need_col(r, c, path, "--lon", o->lon_field, &k->a)) ||
        (st = need_col(r, c, path, "--lat", o->lat_field, &k->b)))
      return st;
  } else {
    k->a = find_any(c, LON_NAMES);
    k->b = find_any(c, LAT_NAMES);
    if (k->a < 0 || k->b < 0) {
      k->a = find_any(c, X_NAMES);
      k->b = find_any(c, Y_NAMES);
      lonlat = 0;
    }
    if (k->a < 0 || k->b < 0) {
      char *h = header_list(c);
      st = sm__error(r->ctx, SM_E_INPUT,
                     "%s: missing coordinate columns: found no Longitude/Latitude (lon, lng, lat) nor "
                     "x/y (Easting/Northing) column; its columns are: %s. Name them with --lon/--lat or --x/--y",
                     path, h ? h : "");
      sm__free(h);
      return st;
    }
  }
  if (!lonlat && !o->crs)
    return sm__error(r->ctx, SM_E_INVALID_ARG,
                     "%s: columns '%.*s'/'%.*s' are projected coordinates: say which CRS they are in with --crs "
                     "(British National Grid: --crs EPSG:27700)",
                     path, (int)c->fl[k->a], c->fs[k->a], (int)c->fl[k->b], c->fs[k->b]);
  const char *crs = o->crs ? o->crs : "EPSG:4326";
  if ((st = sm__reader_crs(r, crs, &src->crs))) return st;
  if (o->crs) lonlat = sm__crs_is_geographic(r->ctx, src->crs);
  src->lonlat = lonlat;
  set_fieldname(src->fa, sizeof src->fa, c, k->a);
  set_fieldname(src->fb, sizeof src->fb, c, k->b);
  if (o->time_field) {
    if ((st = need_col(r, c, path, "--time", o->time_field, &k->t))) return st;
  } else {
    k->t = find_any(c, TIME_NAMES);
  }
  if (k->t >= 0) set_fieldname(k->tname, sizeof k->tname, c, k->t);
  if (o->category_field) {
    if ((st = need_col(r, c, path, "--category", o->category_field, &k->cat))) return st;
  } else {
    k->cat = find_any(c, CAT_NAMES);
  }
  if (o->weight_field && (st = need_col(r, c, path, "--weight", o->weight_field, &k->w))) return st;
  k->label = o->skip_labels ? -1 : find_any(c, LABEL_NAMES);
  if (r->n_types && k->cat < 0)
    return sm__error(r->ctx, SM_E_INVALID_ARG,
                     "%s: --type needs a category column, and none was found (name it with --category)", path);
  if ((r->has_from || r->has_to) && k->t < 0)
    return sm__error(r->ctx, SM_E_INVALID_ARG,
                     "%s: --from/--to need a time column, and none was found (name it with --time)", path);
  return SM_OK;
}

static void trim(const char **s, size_t *n) {
  while (*n && (**s == ' ' || **s == '\t')) (*s)++, (*n)--;
  while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) (*n)--;
}

sm_status sm__read_csv(sm_reader *r, size_t s) {
  sm_ctx *ctx = r->ctx;
  const char *path = r->srcs[s].name;
  FILE *f = fopen(path, "rb");
  if (!f) return sm__error(ctx, SM_E_IO, "cannot open '%s': %s", path, strerror(errno));
  long fsize = -1;
  if (fseek(f, 0, SEEK_END) == 0) fsize = ftell(f);
  rewind(f);
  sm_csv c;
  if (sm__csv_open_file(&c, f)) {
    fclose(f);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  sm_status st = SM_OK;
  int rc = sm__csv_next(&c);
  if (rc == SM_CSV_EOF || (rc == SM_CSV_RECORD && c.nf == 1 && c.fl[0] == 0 && sm__csv_next(&c) == SM_CSV_EOF)) {
    st = sm__error(ctx, SM_E_INPUT, "%s: the file is empty", path);
    goto done;
  }
  if (rc < 0) goto csv_error;
  cols k;
  if ((st = resolve(r, s, &c, &k))) goto done;
  size_t need = 0;
  long ks[6] = {k.a, k.b, k.t, k.w, k.cat, k.label};
  for (int i = 0; i < 6; i++)
    if (ks[i] + 1 > (long)need) need = (size_t)ks[i] + 1;
  const sm_src *src = &r->srcs[s];
  uint64_t rows = 0;
  sm_time_cache tcache = {0};
  sm_intern_cache ccache = {0};
  while ((rc = sm__csv_next(&c)) == SM_CSV_RECORD) {
    if (c.nf == 1 && c.fl[0] == 0) continue; /* blank line */
    rows++;
    r->p->rows_read++;
    uint64_t row = c.line;
    if (c.nf < need) {
      if ((st = sm__reader_bad(r, SM_BAD_FIELDS, s, row, "the row has %zu fields; the columns used need %zu", c.nf, need)))
        break;
      continue;
    }
#define FIELD(i, sp, np)                    \
  const char *sp = "";                      \
  size_t np = 0;                            \
  if ((i) >= 0 && (size_t)(i) < c.nf) {     \
    sp = c.fs[i];                           \
    np = c.fl[i];                           \
    trim(&sp, &np);                         \
  }
    int32_t cat = -1;
    FIELD(k.cat, cs, cn);
    int keep = sm__reader_category(r, &ccache, cs, cn, &cat);
    if (keep < 0) {
      st = SM_E_NOMEM;
      break;
    }
    if (!keep) continue;
    int64_t t = SM_TIME_MISSING;
    if (k.t >= 0) {
      FIELD(k.t, ts, tn);
      if (!tn) {
        if ((st = sm__reader_bad(r, SM_BAD_NO_TIME, s, row, "field '%s' is empty", k.tname))) break;
        continue;
      }
      {
        sm_time_res res;
        if (sm__time_parse_cached(&tcache, ts, tn, &t, &res)) {
          char q[128];
          sm__quote(q, sizeof q, ts, tn);
          if ((st = sm__reader_bad(r, SM_BAD_TIME, s, row, "field '%s' value '%s' is not a date", k.tname, q)))
            break;
          continue;
        }
        sm__reader_saw_time(r, res);
      }
    }
    if (!sm__reader_keep_time(r, t)) {
      r->p->filtered[SM_FILTER_TIME]++;
      continue;
    }
    FIELD(k.a, as, an);
    FIELD(k.b, bs, bn);
    if (an == 0 || bn == 0) {
      char q[128];
      if (an) sm__quote(q, sizeof q, as, an);
      else if (bn) sm__quote(q, sizeof q, bs, bn);
      if (an == 0 && bn == 0) st = sm__reader_bad(r, SM_BAD_NO_COORDS, s, row, "fields '%s' and '%s' are empty", src->fa, src->fb);
      else st = sm__reader_bad(r, SM_BAD_NO_COORDS, s, row, "field '%s' is empty ('%s' is '%s')", an ? src->fb : src->fa,
                               an ? src->fa : src->fb, q);
      if (st)
        break;
      continue;
    }
    double a, b;
    int ea = sm__parse_double(as, an, &a), eb = sm__parse_double(bs, bn, &b);
    if (ea || eb) {
      char q[128];
      if (ea) sm__quote(q, sizeof q, as, an);
      else sm__quote(q, sizeof q, bs, bn);
      if ((st = sm__reader_bad(r, SM_BAD_NUMBER, s, row, "field '%s' value '%s' is not a number",
                               ea ? src->fa : src->fb, q)))
        break;
      continue;
    }
    double w = 1.0;
    if (k.w >= 0) {
      FIELD(k.w, ws, wn);
      int ew = sm__parse_double(ws, wn, &w);
      if (ew || !isfinite(w) || w < 0) {
        char q[128];
        sm__quote(q, sizeof q, ws, wn);
        if ((st = sm__reader_bad(r, SM_BAD_WEIGHT, s, row, "field '%s' value '%s' is not a weight >= 0",
                                 r->opts->weight_field, q)))
          break;
        continue;
      }
    }
    int32_t label = -1;
    if (k.label >= 0) {
      FIELD(k.label, ls, ln);
      if (ln && (label = sm__strtab_intern(&r->p->labels, ls, ln)) < 0) {
        st = sm__error(ctx, SM_E_NOMEM, "out of memory");
        break;
      }
    }
#undef FIELD
    if ((st = sm__reader_push(r, s, row, a, b, t, w, cat, label))) break;
    if ((rows & 0xffff) == 0 && fsize > 0) {
      if ((st = sm__progress(ctx, (double)ftell(f) / (double)fsize, "reading"))) break;
    }
  }
  if (st) goto done;
  if (rc < 0) goto csv_error;
  if (rows == 0) st = sm__error(ctx, SM_E_INPUT, "%s: the file has a header but no data rows", path);
  goto done;
csv_error:
  if (rc == SM_CSV_ENOMEM) st = sm__error(ctx, SM_E_NOMEM, "out of memory reading %s", path);
  else if (rc == SM_CSV_EQUOTE)
    st = sm__error(ctx, SM_E_INPUT, "%s:%llu: a quoted field is never closed", path, (unsigned long long)c.next_line);
  else st = sm__error(ctx, SM_E_IO, "%s: read error: %s", path, strerror(errno));
done:
  sm__csv_close(&c);
  fclose(f);
  return st;
}
