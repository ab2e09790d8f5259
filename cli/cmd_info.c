/* safemap info: what is in the data, and what is wrong with it. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "Usage: safemap info POINTS... [--wards W] [options]\n"
    "\n"
    "Reads incidents and reports what is in them and what is wrong with them:\n"
    "rows read and skipped (by reason, with file:row examples), categories, months,\n"
    "extent, CRS, police.uk facts (month-only dates, snap-point stacking) and, with\n"
    "--wards, counts per area and points outside every area.\n"
    "\n"
    "Options:\n"
    "  --wards PATH           area polygons (any OGR source); --wards-layer, --id-field, --name-field\n"
    "  --layer NAME           layer or table of a GeoPackage/PostGIS points source\n"
    "  --lon COL --lat COL    longitude/latitude columns of a generic CSV\n"
    "  --x COL --y COL        projected columns of a generic CSV (needs --crs)\n"
    "  --crs CRS              CRS of the input coordinates (EPSG:27700, ...)\n"
    "  --analysis-crs CRS     analysis CRS (default EPSG:27700 in Great Britain, else UTM)\n"
    "  --time COL --category COL --weight COL   columns of a generic table\n"
    "  --type LIST            keep these categories (police.uk 'Crime type'), comma-separated\n"
    "  --from DATE --to DATE  keep this period (YYYY-MM or YYYY-MM-DD), inclusive\n"
    "  --extent xmin,ymin,xmax,ymax   keep points inside (analysis-CRS metres)\n"
    "  --strict               stop at the first bad row instead of skipping it\n"
    "  -j, --threads N        threads (0 = all cores)\n"
    "  -q, --quiet            errors only     -v, --verbose   more detail\n"
    "\n"
    "Example (City of London, 2023: 797 rows have no coordinates):\n"
    "  safemap info data/police/city_of_london_2023 --type Burglary,Robbery\n"
    "  safemap info data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg\n";

typedef struct kv {
  const char *k;
  unsigned long long v;
} kv;

static int cmp_kv(const void *a, const void *b) {
  const kv *x = a, *y = b;
  if (x->v != y->v) return x->v > y->v ? -1 : 1;
  return strcmp(x->k, y->k);
}

int cmd_info(int argc, char **argv) {
  cli_opts o;
  memset(&o, 0, sizeof o);
  o.cmd = "info";
  if (cli_parse(&o, argc, argv, USAGE)) return 1;
  if (o.help) return 0;
  if (o.n_inputs == 0) {
    fprintf(stderr, "safemap info: error: no input given\nTry 'safemap info --help'.\n");
    return 1;
  }
  sm_ctx *ctx = cli_ctx(&o);
  if (!ctx) return 2;
  sm_points *p = NULL;
  sm_areas *areas = NULL;
  int32_t *where = NULL;
  int rc = 0;
  sm_status st = cli_read_points(&o, ctx, &p);
  if (!st && o.wards) st = cli_read_areas(&o, ctx, p, &areas);
  size_t n = sm_points_count(p), outside = 0;
  if (!st && areas) {
    where = malloc((n ? n : 1) * sizeof *where);
    st = where ? sm_areas_locate(ctx, areas, p, where, &outside) : SM_E_NOMEM;
  }
  if (st) {
    rc = cli_fail(&o, ctx, st);
    goto out;
  }
  char b1[32], b2[32];
  FILE *f = stdout;
  cli_clear_progress();
  fprintf(f, "Sources: %zu%s\n", sm_points_source_count(p),
          sm_points_is_policeuk(p) ? " (police.uk street-level CSV)" : "");
  fprintf(f, "Rows read: %s    points kept: %s\n", cli_num(sm_points_rows_read(p), b1, sizeof b1), cli_num(n, b2, sizeof b2));
  cli_print_problems(f, p, 3);
  /* CRS and extent */
  char *in_name = NULL, *an_name = NULL;
  sm_crs_describe(ctx, sm_points_input_crs(p), &in_name, NULL);
  sm_crs_describe(ctx, sm_points_crs(p), &an_name, NULL);
  fprintf(f, "CRS: input %s (%s), analysis %s (%s), metres\n", sm_points_input_crs(p), in_name ? in_name : "?",
          sm_points_crs(p), an_name ? an_name : "?");
  sm_free(in_name);
  sm_free(an_name);
  if (n) {
    const double *x = sm_points_x(p), *y = sm_points_y(p), *lon = sm_points_lon(p), *lat = sm_points_lat(p);
    double e[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY}, g[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++) {
      e[0] = fmin(e[0], x[i]), e[1] = fmin(e[1], y[i]), e[2] = fmax(e[2], x[i]), e[3] = fmax(e[3], y[i]);
      if (lon) g[0] = fmin(g[0], lon[i]), g[1] = fmin(g[1], lat[i]), g[2] = fmax(g[2], lon[i]), g[3] = fmax(g[3], lat[i]);
    }
    fprintf(f, "Extent (%s): %.0f %.0f %.0f %.0f  (%.1f x %.1f km)\n", sm_points_crs(p), e[0], e[1], e[2], e[3],
            (e[2] - e[0]) / 1000, (e[3] - e[1]) / 1000);
    if (lon) fprintf(f, "Extent (lon/lat): %.6f %.6f %.6f %.6f\n", g[0], g[1], g[2], g[3]);
  }
  /* Time */
  sm_time_res res = sm_points_time_resolution(p);
  const int64_t *t = sm_points_time(p);
  int64_t t0 = INT64_MAX, t1 = INT64_MIN;
  size_t untimed = 0;
  for (size_t i = 0; i < n; i++) {
    if (t[i] == SM_TIME_MISSING) {
      untimed++;
      continue;
    }
    if (t[i] < t0) t0 = t[i];
    if (t[i] > t1) t1 = t[i];
  }
  if (res == SM_TIME_NONE || t0 > t1) {
    fprintf(f, "Time: none\n");
  } else {
    char a[40], z[40];
    sm_time_format(t0, res, a, sizeof a);
    sm_time_format(t1, res, z, sizeof z);
    fprintf(f, "Time: %s .. %s%s\n", a, z,
            res == SM_TIME_MONTH ? ", month-only dates: weekly, daily and near-repeat analyses are not possible" : "");
    if (untimed) fprintf(f, "      %s points have no time\n", cli_num(untimed, b1, sizeof b1));
  }
  /* Stacking */
  if (n) {
    sm_stacking sk;
    size_t tp[5], tc[5];
    if (!sm_points_stacking(ctx, p, &sk, 5, tp, tc)) {
      fprintf(f, "Locations: %s distinct for %s points (%.1f points per location; %s locations hold 2 or more)%s\n",
              cli_num(sk.n_locations, b1, sizeof b1), cli_num(n, b2, sizeof b2), (double)n / (double)sk.n_locations,
              cli_num(sk.n_stacked_locations, (char[32]){0}, 32),
              sm_points_is_policeuk(p) ? "\n           police.uk moves every crime to an anonymous snap point; stacks are not exact locations" : "");
      if (sk.n_top && tc[0] > 1) {
        fprintf(f, "Most stacked locations:\n");
        const double *x = sm_points_x(p), *y = sm_points_y(p), *lon = sm_points_lon(p), *lat = sm_points_lat(p);
        for (size_t i = 0; i < sk.n_top && tc[i] > 1; i++) {
          const char *lab = sm_points_label(p, tp[i]);
          fprintf(f, "  %8zu  %-40s  x %.0f y %.0f", tc[i], lab ? lab : "", x[tp[i]], y[tp[i]]);
          if (lon) fprintf(f, "  (lon %.6f lat %.6f)", lon[tp[i]], lat[tp[i]]);
          fputc('\n', f);
        }
      }
    }
  }
  /* Categories */
  size_t nc = sm_points_category_count(p);
  const int32_t *cat = sm_points_category(p);
  if (nc) {
    unsigned long long *cc = calloc(nc + 1, sizeof *cc);
    kv *kvs = calloc(nc + 1, sizeof *kvs);
    if (cc && kvs) {
      for (size_t i = 0; i < n; i++) cc[cat[i] < 0 ? nc : (size_t)cat[i]]++;
      size_t m = 0;
      for (size_t c = 0; c < nc; c++)
        if (cc[c]) kvs[m++] = (kv){sm_points_category_name(p, c), cc[c]};
      if (cc[nc]) kvs[m++] = (kv){"(no category)", cc[nc]};
      qsort(kvs, m, sizeof *kvs, cmp_kv);
      fprintf(f, "By category:\n");
      for (size_t i = 0; i < m; i++) fprintf(f, "  %-40s %10s\n", kvs[i].k, cli_num(kvs[i].v, b1, sizeof b1));
    }
    free(cc);
    free(kvs);
  }
  /* Months */
  if (res != SM_TIME_NONE && t0 <= t1) {
    int32_t m0 = sm_time_month_index(t0), m1 = sm_time_month_index(t1);
    size_t nm = (size_t)(m1 - m0 + 1);
    unsigned long long *mc = nm < 100000 ? calloc(nm, sizeof *mc) : NULL;
    if (mc) {
      for (size_t i = 0; i < n; i++)
        if (t[i] != SM_TIME_MISSING) mc[sm_time_month_index(t[i]) - m0]++;
      fprintf(f, "By month:\n");
      for (size_t i = 0; i < nm; i++)
        fprintf(f, "  %04d-%02d %10s%s", (m0 + (int)i) / 12, (m0 + (int)i) % 12 + 1, cli_num(mc[i], b1, sizeof b1),
                (i % 4 == 3 || i + 1 == nm) ? "\n" : "   ");
      free(mc);
    }
  }
  /* Areas */
  if (areas) {
    size_t na = sm_areas_count(areas);
    unsigned long long *ac = calloc(na, sizeof *ac);
    if (ac) {
      for (size_t i = 0; i < n; i++)
        if (where[i] >= 0) ac[where[i]]++;
      fprintf(f, "By area (%s: %zu areas, id %s, name %s%s):\n", o.wards, na, sm_areas_id_field(areas),
              sm_areas_name_field(areas)[0] ? sm_areas_name_field(areas) : "-",
              sm_areas_repaired_count(areas) ? ", some polygons repaired" : "");
      for (size_t k = 0; k < na; k++)
        fprintf(f, "  %-12s %-40s %10s\n", sm_areas_id(areas, k), sm_areas_name(areas, k), cli_num(ac[k], b1, sizeof b1));
      fprintf(f, "  %-53s %10s\n", "(outside every area)", cli_num(outside, b1, sizeof b1));
      free(ac);
    }
  }
out:
  free(where);
  sm_areas_destroy(areas);
  sm_points_destroy(p);
  cli_ctx_done(ctx);
  return rc;
}
