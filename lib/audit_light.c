/* Street lighting in the safety audit: EN 13201-2 P classes, lamp types and efficacies, switching regimes,
 * the point-source illuminance model, and per-segment illuminance and distances to working lamps. */
#include "internal/audit.h"
#include "internal/audit_ies.h"
#include "internal/sm_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const CLASS_NAMES[SM_LIGHT_CLASS_END_] = {"auto", "P1", "P2", "P3", "P4", "P5", "P6"};
/* EN 13201-2:2015 table 3: maintained average and minimum horizontal illuminance of P1..P6 */
static const double CLASS_AVG[SM_LIGHT_CLASS_END_] = {0, 15, 10, 7.5, 5, 3, 2};
static const double CLASS_MIN[SM_LIGHT_CLASS_END_] = {0, 3, 2, 1.5, 1, 0.6, 0.4};

const char *sm_light_class_name(sm_light_class c) {
  return (int)c >= 0 && c < SM_LIGHT_CLASS_END_ ? CLASS_NAMES[c] : NULL;
}

sm_status sm_light_class_from_name(sm_ctx *ctx, const char *name, sm_light_class *out) {
  if (!name || !out) return sm__error(ctx, SM_E_INVALID_ARG, "--target: NULL argument");
  for (int c = 0; c < SM_LIGHT_CLASS_END_; c++)
    if (!strcasecmp(name, CLASS_NAMES[c])) return *out = (sm_light_class)c, SM_OK;
  return sm__error(ctx, SM_E_INVALID_ARG, "--target '%s' is not an EN 13201-2 P class (P1, P2, P3, P4, P5, P6) or auto",
                   name);
}

void sm_light_class_lux(sm_light_class c, double *average_lx, double *minimum_lx) {
  int ok = (int)c > 0 && c < SM_LIGHT_CLASS_END_;
  if (average_lx) *average_lx = ok ? CLASS_AVG[c] : 0;
  if (minimum_lx) *minimum_lx = ok ? CLASS_MIN[c] : 0;
}

static const char *const TYPE_NAMES[SM_LAMP_TYPE_END_] = {"LED", "HPS", "LPS", "MH", "fluorescent", "mercury"};
/* Typical luminous efficacy of the lamp with its gear, lm/W (docs/audit.md gives the sources' ranges). */
static const double TYPE_EFFICACY[SM_LAMP_TYPE_END_] = {100, 90, 140, 85, 60, 45};

const char *sm_lamp_type_name(sm_lamp_type t) { return (int)t >= 0 && t < SM_LAMP_TYPE_END_ ? TYPE_NAMES[t] : NULL; }
double sm_lamp_type_efficacy(sm_lamp_type t) { return (int)t >= 0 && t < SM_LAMP_TYPE_END_ ? TYPE_EFFICACY[t] : 0; }

int sm_lamp_type_parse(const char *text, sm_lamp_type *out) {
  static const struct { const char *word; sm_lamp_type t; } W[] = {
      {"led", SM_LAMP_LED},         {"son", SM_LAMP_HPS},         {"sont", SM_LAMP_HPS},
      {"sone", SM_LAMP_HPS},        {"cdmt", SM_LAMP_MH},         {"hps", SM_LAMP_HPS},
      {"highpressuresodium", SM_LAMP_HPS}, {"sox", SM_LAMP_LPS}, {"lps", SM_LAMP_LPS},
      {"lowpressuresodium", SM_LAMP_LPS}, {"cdm", SM_LAMP_MH},   {"cmh", SM_LAMP_MH},
      {"cosmo", SM_LAMP_MH},        {"metalhalide", SM_LAMP_MH},  {"mh", SM_LAMP_MH},
      {"cpo", SM_LAMP_MH},          {"fluorescent", SM_LAMP_FLUORESCENT}, {"cfl", SM_LAMP_FLUORESCENT},
      {"pll", SM_LAMP_FLUORESCENT}, {"pl", SM_LAMP_FLUORESCENT}, {"t5", SM_LAMP_FLUORESCENT},
      {"t8", SM_LAMP_FLUORESCENT},  {"tubular", SM_LAMP_FLUORESCENT}, {"mbf", SM_LAMP_MERCURY},
      {"mercury", SM_LAMP_MERCURY}, {"hpm", SM_LAMP_MERCURY}, {"sodium", SM_LAMP_HPS}};
  if (!text) return 0;
  char b[128];
  size_t k = 0;
  for (const char *p = text; *p && k + 1 < sizeof b; p++)
    if (isalnum((unsigned char)*p)) b[k++] = (char)tolower((unsigned char)*p);
  b[k] = 0;
  if (!k) return 0;
  for (size_t i = 0; i < sizeof W / sizeof W[0]; i++) { /* a short word must end where a letter does not follow */
    size_t n = strlen(W[i].word);
    if (!strncmp(b, W[i].word, n) && (n >= 4 || !isalpha((unsigned char)b[n]))) return *out = W[i].t, 1;
  }
  for (size_t i = 0; i < sizeof W / sizeof W[0]; i++)
    if (strlen(W[i].word) >= 3 && strstr(b, W[i].word)) return *out = W[i].t, 1;
  return 0;
}

sm_status sm_lamp_type_from_name(sm_ctx *ctx, const char *name, sm_lamp_type *out) {
  if (!out) return sm__error(ctx, SM_E_INVALID_ARG, "--lamp-type: NULL argument");
  if (name && sm_lamp_type_parse(name, out)) return SM_OK;
  return sm__error(ctx, SM_E_INVALID_ARG, "--lamp-type '%s' is not a lamp type (LED, HPS or SON, LPS or SOX, MH or CDM, "
                   "fluorescent, mercury)", name ? name : "");
}

/* "05:30", "0530", "5:30", "midnight", "5" -> minutes; -1 when not a time. Advances *p. */
static int clock_at(const char **p) {
  const char *s = *p;
  while (isspace((unsigned char)*s)) s++;
  if (!strncasecmp(s, "midnight", 8)) return *p = s + 8, 0;
  int d = 0, v = 0;
  while (isdigit((unsigned char)s[d]) && d < 4) v = v * 10 + (s[d] - '0'), d++;
  if (!d || isdigit((unsigned char)s[d])) return -1;
  int h, m = 0;
  const char *e = s + d;
  if (*e == ':' || *e == '.') {
    if (d > 2 || !isdigit((unsigned char)e[1]) || !isdigit((unsigned char)e[2]) || isdigit((unsigned char)e[3])) return -1;
    h = v, m = (e[1] - '0') * 10 + (e[2] - '0'), e += 3;
  } else if (d == 4) {
    h = v / 100, m = v % 100;
  } else if (d <= 2) {
    h = v;
  } else {
    return -1;
  }
  if (h > 24 || m > 59 || (h == 24 && m)) return -1;
  *p = e;
  return (h * 60 + m) % 1440;
}

sm_status sm_audit_hour_parse(sm_ctx *ctx, const char *text, int *minute) {
  const char *p = text;
  int m = p ? clock_at(&p) : -1;
  if (m < 0 || *p || !strchr(text, ':'))
    return sm__error(ctx, SM_E_INVALID_ARG, "--hour '%s' is not a time of day (HH:MM, 00:00 to 23:59)", text ? text : "");
  if (minute) *minute = m;
  return SM_OK;
}

int sm_light_regime_parse(const char *text, sm_light_regime *out) {
  sm_light_regime r = {1, 0, 0};
  if (!out) return 0;
  char b[160];
  size_t k = 0;
  const char *t = text ? text : "";
  while (isspace((unsigned char)*t)) t++;
  for (const char *p = t; *p && k + 1 < sizeof b; p++) b[k++] = (char)tolower((unsigned char)*p);
  while (k && isspace((unsigned char)b[k - 1])) k--;
  b[k] = 0;
  if (!k) return *out = r, 1;
  /* photocell switching levels, "35/18": on from dusk to dawn */
  int a = 0, c = 0, n = 0;
  if (sscanf(b, "%d/%d%n", &a, &c, &n) == 2 && n == (int)k && a > 0 && c > 0) return *out = r, 1;
  static const char *const ALL[] = {"dusk-dawn", "dusk to dawn", "dusk till dawn", "dusk - dawn", "dusktodawn",
                                    "all night", "all-night", "allnight", "full night", "dusk/dawn", "photocell", NULL};
  for (const char *const *w = ALL; *w; w++)
    if (!strcmp(b, *w)) return *out = r, 1;
  /* a part-night window: the first "T1-T2" in the text */
  for (const char *p = b; *p; p++) {
    if (!(isdigit((unsigned char)*p) || !strncmp(p, "midnight", 8))) continue;
    if (p > b && (isdigit((unsigned char)p[-1]) || p[-1] == ':' || p[-1] == '.')) continue;
    const char *q = p;
    int from = clock_at(&q);
    if (from < 0) continue;
    while (isspace((unsigned char)*q)) q++;
    if (*q == '-' || *q == '/') q++;
    else if (!strncmp(q, "to", 2)) q += 2;
    else continue;
    int to = clock_at(&q);
    while (isspace((unsigned char)*q)) q++;
    if (to < 0 || to == from || *q) continue;
    r.all_night = 0, r.off_from = from, r.off_to = to;
    return *out = r, 1;
  }
  return 0;
}

int sm_light_regime_on(const sm_light_regime *regime, int minute) {
  if (!regime || minute < 0 || regime->all_night) return 1;
  int a = regime->off_from, b = regime->off_to, m = minute % 1440;
  int off = a < b ? (m >= a && m < b) : (m >= a || m < b);
  return !off;
}

double sm_light_illuminance(double flux_lm, double mf, double h_m, double r_m, double reach_m) {
  if (!(r_m < reach_m) || !(h_m > 0)) return 0;
  double d2 = h_m * h_m + r_m * r_m;
  return flux_lm * mf / M_PI * h_m * h_m / (d2 * d2);
}

/* ---- street types ------------------------------------------------------------------------------- */

/* The target class (docs/audit.md's table, after BS 5489-1's guidance) and the default mounting height of a
 * highway type (NULL: the network has no types). */
void sm__street_defaults(const char *highway, sm_light_class *target, double *height_m) {
  static const struct { const char *hw; sm_light_class c; double h; } T[] = {
      {"trunk", SM_LIGHT_P2, 10},       {"primary", SM_LIGHT_P2, 10},      {"secondary", SM_LIGHT_P2, 8},
      {"tertiary", SM_LIGHT_P3, 8},     {"pedestrian", SM_LIGHT_P2, 6},    {"living_street", SM_LIGHT_P4, 6},
      {"residential", SM_LIGHT_P4, 6},  {"unclassified", SM_LIGHT_P4, 6},  {"road", SM_LIGHT_P4, 6},
      {"footway", SM_LIGHT_P4, 5},      {"path", SM_LIGHT_P4, 5},          {"steps", SM_LIGHT_P4, 5},
      {"cycleway", SM_LIGHT_P4, 5},     {"bridleway", SM_LIGHT_P5, 5},     {"service", SM_LIGHT_P5, 6},
      {"track", SM_LIGHT_P6, 5},        {"corridor", SM_LIGHT_P4, 5},      {"motorway", SM_LIGHT_P2, 12}};
  *target = SM_LIGHT_P4, *height_m = 6;
  if (!highway) return;
  for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
    size_t n = strlen(T[i].hw);
    if (!strncmp(highway, T[i].hw, n) && (!highway[n] || !strcmp(highway + n, "_link")))
      return (void)(*target = T[i].c, *height_m = T[i].h);
  }
}

/* ---- per-segment lighting ----------------------------------------------------------------------- */

/* ---- photometry ------------------------------------------------------------------------------- */

void sm__photometry_free(sm__photometry *ph) {
  for (int t = 0; t < SM_LAMP_TYPE_END_; t++) sm__free(ph->profile[t]), sm__free(ph->path[t]);
  memset(ph, 0, sizeof *ph);
}

sm_status sm__photometry_read(sm_ctx *ctx, const char *text, int check_only, sm__photometry *ph) {
  memset(ph, 0, sizeof *ph);
  if (!text) return SM_OK;
  sm_status st = SM_OK;
  const char *p = text;
  while (*p && !st) {
    const char *end = strchr(p, ','), *eq = strchr(p, '=');
    if (!end) end = p + strlen(p);
    if (!eq || eq > end || eq == p || eq + 1 == end) {
      st = sm__error(ctx, SM_E_INVALID_ARG, "--photometry '%s': each item is TYPE=FILE.ies (LED=philips.ies,HPS=son.ies), "
                     "not '%.*s'", text, (int)(end - p), p);
      break;
    }
    char type[64], path[4096];
    snprintf(type, sizeof type, "%.*s", (int)(eq - p), p);
    snprintf(path, sizeof path, "%.*s", (int)(end - eq - 1), eq + 1);
    sm_lamp_type t;
    if (!sm_lamp_type_parse(type, &t)) {
      st = sm__error(ctx, SM_E_INVALID_ARG, "--photometry: '%s' is not a lamp type (LED, HPS, LPS, MH, fluorescent, "
                     "mercury)", type);
      break;
    }
    if (ph->path[t]) {
      st = sm__error(ctx, SM_E_INVALID_ARG, "--photometry names type %s twice (%s and %s)", sm_lamp_type_name(t),
                     ph->path[t], path);
      break;
    }
    if (!(ph->path[t] = sm__strdup(path))) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (!st && !check_only) {
      sm__ies ies;
      st = sm__ies_read(ctx, path, &ies);
      if (!st) {
        st = sm__ies_mean_profile(ctx, &ies, &ph->profile[t], &ph->n[t]);
        ph->lumens[t] = ies.lamp_lumens, ph->flux[t] = ies.flux, ph->downward[t] = ies.downward_flux;
        snprintf(ph->version[t], sizeof ph->version[t], "%s", ies.version);
        sm__ies_free(&ies);
      }
    }
    p = *end ? end + 1 : end;
  }
  if (st) sm__photometry_free(ph);
  return st;
}

/* A lamp's illuminance at horizontal distance r: its type's photometry, or the cosine model. */
static double lamp_lux(const sm__lamps *l, size_t L, const sm__photometry *ph, double mf, double r, double reach) {
  int t = l->type[L];
  if (!ph || !ph->profile[t]) return sm_light_illuminance(l->flux[L], mf, l->height[L], r, reach);
  if (!(r < reach)) return 0;
  double scale = isnan(ph->lumens[t]) ? mf : l->flux[L] * mf / ph->lumens[t];
  return sm__ies_illuminance(ph->profile[t], ph->n[t], scale, l->height[L], r);
}

sm_status sm__audit_illuminance(sm_ctx *ctx, const sm__net *net, const sm__lamps *l, const double *reach,
                                const sm__photometry *ph, double mf, double sample_m, double *avg, double *min,
                                int32_t *nlamps) {
  double rmax = 1;
  for (size_t i = 0; i < l->n; i++) rmax = fmax(rmax, reach[i]);
  sm__grid g;
  sm_status st = sm__grid_build(ctx, &g, l->n, l->x, l->y, NULL, rmax);
  if (st) return st;
  const size_t block = 8192;
  for (size_t b0 = 0; b0 < net->n && !st; b0 += block) {
    long b1 = (long)(b0 + block < net->n ? b0 + block : net->n);
#pragma omp parallel for schedule(dynamic, 64) num_threads(sm__threads(ctx))
    for (long si = (long)b0; si < b1; si++) {
      size_t s = (size_t)si, ns = (size_t)ceil(net->length[s] / sample_m - 1e-9);
      if (ns < 1) ns = 1;
      double step = net->length[s] / (double)ns, sum = 0, lo = INFINITY;
      double r = net->length[s] / 2 + rmax;
      size_t i0, i1, j0, j1;
      int any = sm__grid_range(&g, net->mx[s], net->my[s], r, &i0, &i1, &j0, &j1);
      for (size_t k = 0; k < ns; k++) {
        double px, py, e = 0;
        sm__net_point_at(net, s, ((double)k + 0.5) * step, &px, &py);
        for (size_t j = j0; any && j <= j1; j++)
          for (size_t c = i0; c <= i1; c++)
            for (size_t q = g.start[j * g.nx + c]; q < g.start[j * g.nx + c + 1]; q++) {
              size_t L = g.item[q];
              if (!l->on[L]) continue;
              double dx = l->x[L] - px, dy = l->y[L] - py;
              e += lamp_lux(l, L, ph, mf, sqrt(dx * dx + dy * dy), reach[L]);
            }
        sum += e;
        if (e < lo) lo = e;
      }
      int32_t cnt = 0;
      for (size_t j = j0; any && j <= j1; j++)
        for (size_t c = i0; c <= i1; c++)
          for (size_t q = g.start[j * g.nx + c]; q < g.start[j * g.nx + c + 1]; q++) {
            size_t L = g.item[q];
            if (l->on[L] && sm__net_distance(net, s, l->x[L], l->y[L], NULL) < reach[L]) cnt++;
          }
      avg[s] = sum / (double)ns, min[s] = lo, nlamps[s] = cnt;
    }
    st = sm__progress(ctx, (double)b1 / (double)net->n, "modelling the light along the streets");
  }
  sm__grid_free(&g);
  return st;
}

/* A binary heap of (distance, node) for the multi-source Dijkstra. */
typedef struct heap {
  double *d;
  int64_t *v;
  size_t n, cap;
} heap;

static int heap_push(heap *h, double d, int64_t v) {
  if (h->n == h->cap) {
    size_t c = h->cap ? 2 * h->cap : 1024;
    double *nd = sm__realloc(h->d, c * sizeof *nd);
    if (!nd) return 0;
    h->d = nd;
    int64_t *nv = sm__realloc(h->v, c * sizeof *nv);
    if (!nv) return 0;
    h->v = nv, h->cap = c;
  }
  size_t i = h->n++;
  while (i && (h->d[(i - 1) / 2] > d || (h->d[(i - 1) / 2] == d && h->v[(i - 1) / 2] > v))) {
    h->d[i] = h->d[(i - 1) / 2], h->v[i] = h->v[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  h->d[i] = d, h->v[i] = v;
  return 1;
}

static void heap_pop(heap *h, double *d, int64_t *v) {
  *d = h->d[0], *v = h->v[0];
  double ld = h->d[--h->n];
  int64_t lv = h->v[h->n];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= h->n) break;
    if (c + 1 < h->n && (h->d[c + 1] < h->d[c] || (h->d[c + 1] == h->d[c] && h->v[c + 1] < h->v[c]))) c++;
    if (h->d[c] > ld || (h->d[c] == ld && h->v[c] > lv)) break;
    h->d[i] = h->d[c], h->v[i] = h->v[c];
    i = c;
  }
  h->d[i] = ld, h->v[i] = lv;
}

/* Distances along the streets to the nearest working lamp: at each segment's middle (near[s]) and the gap
 * the segment lies in (gap[s]: twice the farthest any point of it is from a working lamp, i.e. the spacing
 * of the working lamps around it); NaN when no working lamp can be reached. */
sm_status sm__audit_lamp_distances(sm_ctx *ctx, const sm__net *net, const sm__lamps *l, const long *seg,
                                   const double *along, double *near, double *gap) {
  size_t nn = net->n_nodes;
  double *dist = sm__malloc((nn ? nn : 1) * sizeof *dist);
  size_t *adj_off = sm__calloc(nn + 1, sizeof *adj_off), *adj = sm__malloc((2 * net->n + 1) * sizeof *adj);
  heap h = {0};
  sm_status st = dist && adj_off && adj ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) {
    for (size_t s = 0; s < net->n; s++) adj_off[net->node_from[s] + 1]++, adj_off[net->node_to[s] + 1]++;
    for (size_t v = 0; v < nn; v++) adj_off[v + 1] += adj_off[v];
    size_t *fill = sm__malloc((nn ? nn : 1) * sizeof *fill);
    if (!fill) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    else {
      memcpy(fill, adj_off, nn * sizeof *fill);
      for (size_t s = 0; s < net->n; s++) adj[fill[net->node_from[s]]++] = s, adj[fill[net->node_to[s]]++] = s;
      sm__free(fill);
    }
  }
  for (size_t v = 0; v < nn && !st; v++) dist[v] = INFINITY;
  for (size_t L = 0; L < l->n && !st; L++) {
    if (!l->on[L] || seg[L] < 0) continue;
    size_t s = (size_t)seg[L];
    double da = along[L], db = net->length[s] - along[L];
    if (da < dist[net->node_from[s]]) dist[net->node_from[s]] = da, st = heap_push(&h, da, net->node_from[s]) ? SM_OK : SM_E_NOMEM;
    if (!st && db < dist[net->node_to[s]]) dist[net->node_to[s]] = db, st = heap_push(&h, db, net->node_to[s]) ? SM_OK : SM_E_NOMEM;
    if (st) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  while (!st && h.n) {
    double d;
    int64_t v;
    heap_pop(&h, &d, &v);
    if (d > dist[v]) continue;
    for (size_t k = adj_off[v]; k < adj_off[v + 1] && !st; k++) {
      size_t s = adj[k];
      int64_t w = net->node_from[s] == v ? net->node_to[s] : net->node_from[s];
      double nd = d + net->length[s];
      if (nd < dist[w]) {
        dist[w] = nd;
        if (!heap_push(&h, nd, w)) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
      }
    }
  }
  if (!st) {
    /* the lamps on each segment, for the distances inside it */
    size_t *lo = sm__calloc(net->n + 1, sizeof *lo), *li = sm__malloc((l->n ? l->n : 1) * sizeof *li);
    if (!lo || !li) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    for (size_t L = 0; L < l->n && !st; L++)
      if (l->on[L] && seg[L] >= 0) lo[seg[L] + 1]++;
    for (size_t s = 0; s < net->n && !st; s++) lo[s + 1] += lo[s];
    size_t *fill = st ? NULL : sm__malloc((net->n ? net->n : 1) * sizeof *fill);
    if (!st && !fill) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (!st) {
      memcpy(fill, lo, net->n * sizeof *fill);
      for (size_t L = 0; L < l->n; L++)
        if (l->on[L] && seg[L] >= 0) li[fill[seg[L]]++] = L;
#pragma omp parallel for schedule(static) num_threads(sm__threads(ctx))
      for (long si = 0; si < (long)net->n; si++) {
        size_t s = (size_t)si;
        double len = net->length[s], da = dist[net->node_from[s]], db = dist[net->node_to[s]], far = 0, mid = INFINITY;
        size_t steps = (size_t)ceil(len) + 1;
        for (size_t k = 0; k <= steps; k++) {
          double t = len * (double)k / (double)steps, f = fmin(da + t, db + len - t);
          for (size_t q = lo[s]; q < lo[s + 1]; q++) f = fmin(f, fabs(t - along[li[q]]));
          far = fmax(far, f);
        }
        mid = fmin(da + len / 2, db + len / 2);
        for (size_t q = lo[s]; q < lo[s + 1]; q++) mid = fmin(mid, fabs(len / 2 - along[li[q]]));
        near[s] = isfinite(mid) ? mid : NAN;
        gap[s] = isfinite(far) ? 2 * far : NAN;
      }
    }
    sm__free(fill), sm__free(lo), sm__free(li);
  }
  sm__free(h.d), sm__free(h.v), sm__free(dist), sm__free(adj_off), sm__free(adj);
  return st;
}
