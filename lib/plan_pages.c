/* The ward plans as pages people read: DIR/index.html (every ward ranked) and DIR/<ward code>.html (one ward's
 * plan on one to three A4 pages), self-contained (CSS, charts and the map inline as SVG), from the layers of
 * sm_plan_run()'s result alone. */
#include "internal/plan.h"
#include "internal/sm_internal.h"
#include "internal/text.h"
#include "internal/tiles_files.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

sm_status sm_plan_pages_options_init(sm_plan_pages_options *o, int version) {
  if (!o || version != SM_PLAN_PAGES_OPTIONS_VERSION) return SM_E_INVALID_ARG;
  sm_plan_pages_options d = SM_PLAN_PAGES_OPTIONS_INIT;
  *o = d;
  return SM_OK;
}

/* ---- text -------------------------------------------------------------------------------------------- */
#define P(...)                                                                                                   \
  do {                                                                                                           \
    if (!st && sm__buf_printf(b, __VA_ARGS__)) st = SM_E_NOMEM;                                                  \
  } while (0)

static sm_status esc(sm_buf *b, const char *s) { return sm__html_str(b, s); }

typedef struct cols {
  const sm_layer *l;
} cols;

static long fi(const sm_layer *l, const char *name) { return l ? sm_layer_field_index(l, name) : -1; }
static const char *str(const sm_layer *l, size_t r, const char *name) {
  long f = fi(l, name);
  const char *s = f >= 0 ? sm_layer_get_string(l, r, (size_t)f) : NULL;
  return s ? s : "";
}
static double num(const sm_layer *l, size_t r, const char *name) {
  long f = fi(l, name);
  return f >= 0 ? sm_layer_get_double(l, r, (size_t)f) : NAN;
}

/* "1,234" (sm__thousands() of the magnitude) */
static void thousands(double v, char *out, size_t n) {
  if (n < 2) return;
  out[0] = '-';
  sm__thousands((unsigned long long)llround(fabs(v)), out + (v < 0), n - (v < 0));
}

static sm_status cell(sm_buf *b, const char *tag, const char *text) {
  sm_status st = SM_OK;
  P("<%s>", tag);
  if (!st) st = esc(b, text);
  P("</%.*s>", (int)strcspn(tag, " "), tag);
  return st;
}

/* ---- geometry (the layers' own ISO WKB, little- or big-endian) ----------------------------------------- */
typedef struct view {
  double x0, y0, s, w, h; /* map x = (x - x0) * s, y = (y0 - y) * s */
} view;

static uint32_t u32(const unsigned char *p, int le) {
  return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
            : (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}
static double f64(const unsigned char *p, int le) {
  unsigned char t[8];
  for (int i = 0; i < 8; i++) t[i] = le ? p[i] : p[7 - i];
  double d;
  memcpy(&d, t, 8);
  return d;
}

/* Walks a point, polygon or multipolygon: calls fn(ring_start, x, y) per vertex (ring_start 1 at a ring's
 * first); returns the bytes read, 0 when malformed. */
typedef void (*vertex_fn)(void *u, int start, double x, double y);
static size_t walk(const unsigned char *w, size_t n, vertex_fn fn, void *u) {
  if (n < 5) return 0;
  int le = w[0] == 1;
  uint32_t t = u32(w + 1, le) % 1000;
  size_t k = 5;
  if (t == 1) {
    if (n < k + 16) return 0;
    fn(u, 1, f64(w + k, le), f64(w + k + 8, le));
    return k + 16;
  }
  if (t == 3) {
    if (n < k + 4) return 0;
    uint32_t nr = u32(w + k, le);
    k += 4;
    for (uint32_t r = 0; r < nr; r++) {
      if (n < k + 4) return 0;
      uint32_t np = u32(w + k, le);
      k += 4;
      if (n < k + (size_t)np * 16) return 0;
      for (uint32_t p = 0; p < np; p++, k += 16) fn(u, p == 0, f64(w + k, le), f64(w + k + 8, le));
    }
    return k;
  }
  if (t == 4 || t == 6) {
    if (n < k + 4) return 0;
    uint32_t ng = u32(w + k, le);
    k += 4;
    for (uint32_t g = 0; g < ng; g++) {
      size_t used = walk(w + k, n - k, fn, u);
      if (!used) return 0;
      k += used;
    }
    return k;
  }
  return 0;
}

static void grow_box(void *u, int start, double x, double y) {
  (void)start;
  double *b = u;
  if (x < b[0]) b[0] = x;
  if (y < b[1]) b[1] = y;
  if (x > b[2]) b[2] = x;
  if (y > b[3]) b[3] = y;
}

typedef struct path_ctx {
  sm_buf *b;
  const view *v;
  int err;
} path_ctx;

static void path_vertex(void *u, int start, double x, double y) {
  path_ctx *p = u;
  if (p->err) return;
  if (sm__buf_printf(p->b, "%s%.1f %.1f", start ? "M" : "L", (x - p->v->x0) * p->v->s, (p->v->y0 - y) * p->v->s)) p->err = 1;
}

/* One feature as an SVG path (polygons; a point as a small circle). */
static sm_status svg_feature(sm_buf *b, const view *v, const unsigned char *w, size_t n, const char *attrs) {
  sm_status st = SM_OK;
  if (!w || n < 5) return SM_OK;
  if (u32(w + 1, w[0] == 1) % 1000 == 1 && n >= 21) {
    int le = w[0] == 1;
    P("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" %s/>\n", (f64(w + 5, le) - v->x0) * v->s, (v->y0 - f64(w + 13, le)) * v->s, attrs);
    return st;
  }
  P("<path d=\"");
  path_ctx pc = {b, v, 0};
  if (!st && !walk(w, n, path_vertex, &pc)) return SM_OK; /* malformed: left out */
  if (pc.err) return SM_E_NOMEM;
  P("Z\" %s/>\n", attrs);
  return st;
}

/* ---- charts ------------------------------------------------------------------------------------------ */
static double nice_max(double m) {
  if (!(m > 0)) return 1;
  static const double STEP[] = {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10};
  double p = pow(10, floor(log10(m))), f = m / p;
  size_t k = 0;
  while (k < 9 && f > STEP[k] * (1 + 1e-12)) k++;
  return STEP[k] * p;
}

/* Burglaries per month over the whole period, the last 12 in a darker colour; suppressed months hatched. */
static sm_status chart_months(sm_buf *b, const sm_layer *M, const char *code, unsigned suppress) {
  sm_status st = SM_OK;
  size_t n = 0, cap = 0;
  double *v = NULL;
  char (*lab)[8] = NULL;
  for (size_t r = 0; M && r < sm_layer_feature_count(M); r++) {
    if (strcmp(str(M, r, "ward_code"), code)) continue;
    if (n == cap) {
      size_t c2 = cap ? 2 * cap : 64;
      double *nv = sm__realloc(v, c2 * sizeof *v);
      char(*nl)[8] = nv ? sm__realloc(lab, c2 * sizeof *lab) : NULL;
      if (nv) v = nv;
      if (!nv || !nl) {
        sm__free(v), sm__free(lab);
        return SM_E_NOMEM;
      }
      lab = nl, cap = c2;
    }
    v[n] = num(M, r, "count");
    snprintf(lab[n], 8, "%.7s", str(M, r, "month"));
    n++;
  }
  if (!n) {
    sm__free(v), sm__free(lab);
    return sm__buf_printf(b, "<p>No months.</p>") ? SM_E_NOMEM : SM_OK;
  }
  double mx = 0;
  for (size_t i = 0; i < n; i++)
    if (v[i] > mx) mx = v[i];
  if (suppress && mx < suppress) mx = suppress;
  double top = nice_max(mx), W = 660, H = 150, L = 34, bw = (W - L) / (double)n;
  P("<svg class=\"chart\" viewBox=\"0 -8 %.0f %.0f\" role=\"img\" aria-label=\"Burglaries per month\">\n", W, H + 42);
  for (int g = 0; g <= 4; g++) {
    double y = H - H * g / 4.0;
    P("<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" class=\"grid\"/><text x=\"%.0f\" y=\"%.1f\" "
      "class=\"ax\" text-anchor=\"end\">%g</text>\n",
      L, y, W, y, L - 4, y + 4, top * g / 4);
  }
  for (size_t i = 0; i < n && !st; i++) {
    double x = L + i * bw, last = i + 12 >= n;
    if (isnan(v[i])) {
      double h = H * (suppress ? suppress : 1) / top;
      P("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"sup\"><title>%s: fewer than %u</title></rect>\n",
        x + 0.5, H - h, bw - 1, h, lab[i], suppress);
    } else {
      double h = H * v[i] / top;
      P("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"%s\"><title>%s: %.0f</title></rect>\n",
        x + 0.5, H - h, bw - 1, h, last ? "bar12" : "bar", lab[i], v[i]);
    }
    if (i % 6 == 0) P("<text x=\"%.1f\" y=\"%.0f\" class=\"ax\">%s</text>\n", x, H + 14, lab[i]);
  }
  P("<text x=\"%.0f\" y=\"%.0f\" class=\"ax\">darker: the last 12 months</text>\n</svg>\n", L, H + 30);
  sm__free(v), sm__free(lab);
  return st;
}

/* Mean burglaries by calendar month. */
static sm_status chart_season(sm_buf *b, const sm_layer *M, const char *code) {
  double sum[12] = {0}, cnt[12] = {0};
  for (size_t r = 0; M && r < sm_layer_feature_count(M); r++) {
    if (strcmp(str(M, r, "ward_code"), code)) continue;
    const char *m = str(M, r, "month");
    int mo = strlen(m) >= 7 ? atoi(m + 5) : 0;
    double c = num(M, r, "count");
    if (mo >= 1 && mo <= 12 && !isnan(c)) sum[mo - 1] += c, cnt[mo - 1]++;
  }
  static const char *const MON[] = {"J", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D"};
  double mx = 0, mean[12];
  for (int i = 0; i < 12; i++) mean[i] = cnt[i] ? sum[i] / cnt[i] : 0, mx = fmax(mx, mean[i]);
  double top = nice_max(mx), W = 300, H = 110, L = 30, bw = (W - L) / 12;
  sm_status st = SM_OK;
  P("<svg class=\"chart small\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"Mean burglaries by calendar month\">\n", W, H + 18);
  P("<text x=\"%.0f\" y=\"10\" class=\"ax\" text-anchor=\"end\">%g</text><line x1=\"%.0f\" y1=\"6\" x2=\"%.0f\" y2=\"6\" class=\"grid\"/>\n",
    L - 4, top, L, W);
  for (int i = 0; i < 12; i++) {
    double h = (H - 6) * mean[i] / top;
    P("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"bar\"><title>%.1f a month</title></rect>"
      "<text x=\"%.1f\" y=\"%.0f\" class=\"ax\" text-anchor=\"middle\">%s</text>\n",
      L + i * bw + 1, H - h, bw - 2, h, mean[i], L + i * bw + bw / 2, H + 14, MON[i]);
  }
  P("</svg>\n<p class=\"ax\">Mean burglaries a month, by calendar month.</p>\n");
  return st;
}

/* ---- the map ----------------------------------------------------------------------------------------- */
static sm_status features_of(sm_buf *b, const view *v, const sm_layer *l, const char *code, const char *field,
                             const char *(*attrs)(double)) {
  sm_status st = SM_OK;
  for (size_t r = 0; l && r < sm_layer_feature_count(l) && !st; r++) {
    if (code && strcmp(str(l, r, "ward_code"), code)) continue;
    size_t n = 0;
    const unsigned char *w = sm_layer_get_wkb(l, r, &n);
    st = svg_feature(b, v, w, n, attrs(field ? num(l, r, field) : 0));
  }
  return st;
}
/* Features coloured by the shared style of their field (the hot cells by sm_style_for_field(gi_bin_fdr): the
 * colours of the tiles, the page and QGIS). */
static sm_status styled_features(sm_buf *b, const view *v, const sm_layer *l, const char *code, const char *field,
                                 const sm_style *style) {
  sm_status st = SM_OK;
  for (size_t r = 0; l && r < sm_layer_feature_count(l) && !st; r++) {
    if (code && strcmp(str(l, r, "ward_code"), code)) continue;
    uint8_t c[4];
    sm_style_color(style, num(l, r, field), c);
    if (!c[3]) continue;
    char attrs[96];
    snprintf(attrs, sizeof attrs, "fill=\"#%02x%02x%02x\" fill-opacity=\"%.2f\"", c[0], c[1], c[2], c[3] / 255.0);
    size_t n = 0;
    const unsigned char *w = sm_layer_get_wkb(l, r, &n);
    st = svg_feature(b, v, w, n, attrs);
  }
  return st;
}

static const char *hot_attrs(double bin) {
  return bin >= 3 ? "class=\"hot3\"" : bin >= 2 ? "class=\"hot2\"" : bin >= 1 ? "class=\"hot1\"" : "class=\"cold\"";
}
static const char *kde_attrs(double level) { return level <= 50 ? "class=\"kde50\"" : level <= 75 ? "class=\"kde75\"" : "class=\"kde90\""; }
static const char *promap_attrs(double v) {
  (void)v;
  return "class=\"promap\"";
}
static const char *repeat_attrs(double v) {
  (void)v;
  return "class=\"repeat\"";
}
static const char *other_attrs(double v) {
  (void)v;
  return "class=\"other\"";
}

static sm_status map_svg(sm_ctx *ctx, sm_buf *b, const sm_result *plan, const sm_layer *W, size_t row) {
  const char *code = str(W, row, "ward_code");
  size_t n = 0;
  const unsigned char *w = sm_layer_get_wkb(W, row, &n);
  double box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  if (!w || !walk(w, n, grow_box, box) || !(box[2] > box[0]) || !(box[3] > box[1]))
    return sm__buf_printf(b, "<p>No map: the ward has no outline.</p>") ? SM_E_NOMEM : SM_OK;
  double mx = (box[2] - box[0]) * 0.08, my = (box[3] - box[1]) * 0.08;
  box[0] -= mx, box[2] += mx, box[1] -= my, box[3] += my;
  double Wd = 660, s = Wd / (box[2] - box[0]), Hd = (box[3] - box[1]) * s;
  if (Hd > 520) s *= 520 / Hd, Hd = 520, Wd = (box[2] - box[0]) * s;
  view v = {box[0], box[3], s, Wd, Hd};
  sm_status st = SM_OK;
  P("<svg class=\"map\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"Map of the ward\">\n", Wd, Hd + 32);
  P("<defs><clipPath id=\"frame\"><rect width=\"%.0f\" height=\"%.0f\"/></clipPath></defs>\n<g clip-path=\"url(#frame)\">\n", Wd, Hd);
  if (!st) st = features_of(b, &v, W, NULL, NULL, other_attrs); /* the neighbours, for context */
  if (!st) st = features_of(b, &v, sm_result_layer_named(plan, "plan_kde_areas"), code, "level", kde_attrs);
  const sm_layer *H = sm_result_layer_named(plan, "plan_hot_cells");
  sm_style *hs = NULL;
  if (!st && H && sm_style_for_field(ctx, H, "gi_bin_fdr", &hs) == SM_OK) st = styled_features(b, &v, H, code, "gi_bin_fdr", hs);
  else if (!st) st = features_of(b, &v, H, code, "gi_bin_fdr", hot_attrs);
  sm_style_destroy(hs);
  if (!st) st = features_of(b, &v, sm_result_layer_named(plan, "plan_promap_cells"), code, NULL, promap_attrs);
  if (!st) st = svg_feature(b, &v, w, n, "class=\"ward\"");
  if (!st) st = features_of(b, &v, sm_result_layer_named(plan, "plan_repeats"), code, NULL, repeat_attrs);
  P("</g>\n");
  /* scale bar (a round length near a fifth of the width) and north arrow */
  double want = (box[2] - box[0]) / 5, len = pow(10, floor(log10(want)));
  if (want / len >= 5) len *= 5;
  else if (want / len >= 2) len *= 2;
  P("<g class=\"furniture\"><rect x=\"10\" y=\"%.0f\" width=\"%.1f\" height=\"5\"/><text x=\"10\" y=\"%.0f\">%g %s</text>\n",
    Hd - 18, len * s, Hd - 22, len >= 1000 ? len / 1000 : len, len >= 1000 ? "km" : "m");
  P("<path d=\"M%.0f 12 l7 20 l-7 -5 l-7 5 z\"/><text x=\"%.0f\" y=\"44\" text-anchor=\"middle\">N</text></g>\n", Wd - 20, Wd - 20);
  P("<text x=\"0\" y=\"%.0f\" class=\"ax\">Ward outline (thick); hot cells (red: 99%%, 95%%, 90%%); KDE hot-spot areas "
    "(shaded);</text>\n<text x=\"0\" y=\"%.0f\" class=\"ax\">next month's ProMap cells (outlined); repeat locations "
    "(dots).</text>\n</svg>\n",
    Hd + 14, Hd + 26);
  return st;
}

/* ---- pages ------------------------------------------------------------------------------------------- */
static const char CSS[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d1d1d;max-width:50em;margin:1.5em auto;"
    "padding:0 1em}\nh1{font-size:1.5em;margin:.1em 0}\nh2{font-size:1.1em;margin:1.2em 0 .3em;border-bottom:1px solid "
    "#ccc}\n.sub{color:#555;margin:0 0 .8em}\n.head{display:flex;flex-wrap:wrap;gap:.6em}\n.head div{border:1px solid "
    "#ddd;border-radius:4px;padding:.3em .7em;min-width:8em}\n.head b{display:block;font-size:1.35em}\ntable{border-"
    "collapse:collapse;width:100%;margin:.3em 0}\nth,td{text-align:left;padding:.2em .5em;border-bottom:1px solid "
    "#e4e4e4;vertical-align:top}\nth{background:#f4f4f4}\ntd.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".chart{width:100%;max-width:660px}\n.chart.small{max-width:320px}\n.grid{stroke:#e2e2e2}\n.ax{font-size:10px;"
    "fill:#555}\n.bar{fill:#9ecae1}\n.bar12{fill:#3182bd}\n.sup{fill:#ddd;stroke:#999;stroke-dasharray:2 2}\n"
    ".map{width:100%;max-width:660px;border:1px solid #ccc;background:#fbfbf8}\n.map .other{fill:none;stroke:#bbb;"
    "stroke-width:1}\n.map .ward{fill:none;stroke:#222;stroke-width:2.5}\n.map .hot3{fill:#d62f27;fill-opacity:.8}\n"
    ".map .hot2{fill:#ed7551;fill-opacity:.8}\n.map .hot1{fill:#fab984;fill-opacity:.8}\n.map .cold{fill:#849eba;"
    "fill-opacity:.6}\n.map .kde50{fill:#bd0026;fill-opacity:.18}\n.map .kde75{fill:#fd8d3c;fill-opacity:.15}\n.map "
    ".kde90{fill:#fed976;fill-opacity:.15}\n.map .promap{fill:none;stroke:#54278f;stroke-width:1.2}\n.map .repeat{fill:"
    "#111;stroke:#fff;stroke-width:1}\n.map .furniture{font-size:12px}\n.note{color:#555}\n.actions li{margin:.3em 0}\n"
    ".trig{color:#555;font-size:.9em}\nfooter{color:#666;font-size:.85em;margin-top:2em;border-top:1px solid #ddd;"
    "padding-top:.5em}\n.wide{max-width:62em}\n.nw{white-space:nowrap}\n@page{size:A4;margin:15mm}\n@media print{body{margin:0;max-width:none;font-size:11.5px}"
    "a{color:inherit;text-decoration:none}h2{break-after:avoid;margin-top:.8em}table,svg,.head,li{break-inside:avoid}"
    ".noprint{display:none}.map{max-height:95mm;width:auto;max-width:100%}.chart{max-height:40mm;width:auto}"
    ".chart.small{max-height:28mm}th,td{padding:.1em .4em}}\n";

static sm_status page_start(sm_buf *b, const char *title) {
  sm_status st = SM_OK;
  P("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
    "content=\"width=device-width, initial-scale=1\">\n<title>");
  if (!st) st = esc(b, title);
  P("</title>\n<style>\n%s</style>\n</head>\n<body>\n", CSS);
  return st;
}

static sm_status footer(sm_buf *b, const sm_layer *W) {
  sm_status st = SM_OK;
  const char *keys[] = {"input_sources", "time_span", "input_points", "input_areas", "method", "safemap_version"};
  P("<footer>How this was made: ");
  for (size_t k = 0; k < sizeof keys / sizeof *keys && !st; k++) {
    const char *v = sm_layer_metadata_get(W, keys[k]);
    if (!v) continue;
    P("%s: ", keys[k]);
    if (!st) st = esc(b, v);
    P("; ");
  }
  P("every figure is in the layers of the plans' GeoPackage, each with its full recipe. Crime data: police.uk, "
    "Contains public sector information licensed under the Open Government Licence v3.0.</footer>\n</body>\n</html>\n");
  return st;
}

static sm_status kv(sm_buf *b, const char *label, const char *value) {
  sm_status st = SM_OK;
  P("<div>");
  if (!st) st = esc(b, label);
  P("<b>");
  if (!st) st = esc(b, value && *value ? value : "—");
  P("</b></div>\n");
  return st;
}

static void fmt_num(double v, const char *text, char *out, size_t n) {
  if (text && *text && isnan(v)) snprintf(out, n, "%s", text);
  else if (isnan(v)) snprintf(out, n, "—");
  else thousands(v, out, n);
}

static sm_status ward_page(sm_ctx *ctx, sm_buf *b, const sm_result *plan, const sm_layer *W, size_t r, unsigned suppress,
                           const char *title) {
  const char *code = str(W, r, "ward_code"), *name = str(W, r, "ward_name");
  char t[512], a1[64], a2[64], a3[64], a4[96];
  snprintf(t, sizeof t, "%s (%s): burglary plan", name, code);
  sm_status st = page_start(b, t);
  P("<p class=\"noprint\"><a href=\"index.html\">All wards</a></p>\n<h1>");
  if (!st) st = esc(b, name);
  P("</h1>\n<p class=\"sub\">");
  if (!st) st = esc(b, code);
  P(" · ");
  if (!st) st = esc(b, title);
  P(" · rank %.0f of %zu wards</p>\n<div class=\"head\">\n", num(W, r, "rank"), sm_layer_feature_count(W));
  fmt_num(num(W, r, "total"), str(W, r, "total_text"), a1, sizeof a1);
  fmt_num(num(W, r, "last12"), str(W, r, "last12_text"), a2, sizeof a2);
  double pct = num(W, r, "change_pct");
  if (isnan(pct)) snprintf(a3, sizeof a3, "%s", isnan(num(W, r, "change")) ? "not enough data" : "—");
  else snprintf(a3, sizeof a3, "%+.1f%%", pct);
  double p = num(W, r, "mk_p");
  if (isnan(p)) snprintf(a4, sizeof a4, "%s", str(W, r, "trend"));
  else snprintf(a4, sizeof a4, "%s (%s%.3g)", str(W, r, "trend"), p < 0.001 ? "p < " : "p = ", p < 0.001 ? 0.001 : p);
  if (!st) st = kv(b, "Burglaries in the period", a1);
  if (!st) st = kv(b, "Last 12 months", a2);
  if (!st) st = kv(b, "Change on the 12 before", a3);
  if (!st) st = kv(b, "Trend", a4);
  double rate = num(W, r, "rate_per_1000");
  if (!isnan(rate)) {
    snprintf(a1, sizeof a1, "%.1f (borough %.1f)", rate, num(W, r, "borough_rate_per_1000"));
    if (!st) st = kv(b, "Per 1,000 households", a1);
  }
  P("</div>\n<h2>How many and which way</h2>\n");
  if (!st) st = chart_months(b, sm_result_layer_named(plan, "plan_months"), code, suppress);
  P("<p>Share of the borough's burglaries in wards: %.1f%%. Peak months: ", 100 * num(W, r, "share"));
  if (!st) st = esc(b, str(W, r, "peak_months"));
  P(". ");
  if (!st) st = esc(b, str(W, r, "trend_note"));
  P("</p>\n");
  if (!st) st = chart_season(b, sm_result_layer_named(plan, "plan_months"), code);
  P("<h2>Where</h2>\n");
  if (!st) st = map_svg(ctx, b, plan, W, r);
  P("<p>Gi* among the wards: <b>");
  if (!st) st = esc(b, str(W, r, "gi_class"));
  P("</b>; local Moran: <b>");
  if (!st) st = esc(b, *str(W, r, "lisa_class") ? str(W, r, "lisa_class") : "not significant");
  P("</b>; hot cells of the optimised fishnet: <b>%.0f</b> (99%%: %.0f, 95%%: %.0f, 90%%: %.0f)", num(W, r, "hot_cells"),
    num(W, r, "hot_cells_99"), num(W, r, "hot_cells_95"), num(W, r, "hot_cells_90"));
  if (*str(W, r, "emerging_category")) {
    P("; emerging hot spot category: <b>");
    if (!st) st = esc(b, str(W, r, "emerging_category"));
    P("</b>");
    if (*str(W, r, "emerging_cells")) {
      P(" (its cells: ");
      if (!st) st = esc(b, str(W, r, "emerging_cells"));
      P(")");
    }
  }
  if (!isnan(num(W, r, "kde_area_50_m2")))
    P("; KDE hot-spot areas in the ward: %.2f km² holding the borough's densest 50%%, %.2f km² the 75%%", num(W, r, "kde_area_50_m2") / 1e6,
      num(W, r, "kde_area_75_m2") / 1e6);
  P(".</p>\n");
  /* top streets */
  const sm_layer *S = sm_result_layer_named(plan, "plan_streets");
  P("<table><tr><th>Top streets (police.uk's \"On or near\")</th><th class=\"n\">Burglaries</th><th class=\"n\">Last 12 "
    "months</th></tr>\n");
  size_t ns = 0;
  for (size_t k = 0; S && k < sm_layer_feature_count(S) && !st; k++) {
    if (strcmp(str(S, k, "ward_code"), code)) continue;
    ns++;
    P("<tr>");
    if (!st) st = cell(b, "td", str(S, k, "street"));
    fmt_num(num(S, k, "count"), str(S, k, "count_text"), a1, sizeof a1);
    fmt_num(num(S, k, "last12"), str(S, k, "last12_text"), a2, sizeof a2);
    P("<td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n", a1, a2);
  }
  if (!ns) P("<tr><td colspan=\"3\" class=\"note\">No burglary with a street name.</td></tr>\n");
  P("</table>\n");
  const sm_layer *R = sm_result_layer_named(plan, "plan_repeats");
  P("<table><tr><th>Repeat locations (the same police.uk snap point 2+ times in the last 12 months)</th>"
    "<th class=\"n\">Burglaries</th><th>Months</th></tr>\n");
  size_t nr = 0;
  for (size_t k = 0; R && k < sm_layer_feature_count(R) && !st; k++) {
    if (strcmp(str(R, k, "ward_code"), code)) continue;
    if (++nr > 8) continue;
    P("<tr>");
    if (!st) st = cell(b, "td", str(R, k, "location"));
    fmt_num(num(R, k, "count"), str(R, k, "count_text"), a1, sizeof a1);
    P("<td class=\"n\">%s</td>", a1);
    if (!st) st = cell(b, "td", str(R, k, "months"));
    P("</tr>\n");
  }
  if (!nr) P("<tr><td colspan=\"3\" class=\"note\">None.</td></tr>\n");
  else if (nr > 8) P("<tr><td colspan=\"3\" class=\"note\">and %zu more (every one in the GeoPackage)</td></tr>\n", nr - 8);
  P("</table>\n<h2>For how long</h2>\n<p>");
  const char *nrw = str(W, r, "nr_window");
  if (!st) st = esc(b, *nrw ? nrw : "No near-repeat window was found.");
  if (!strstr(nrw, "finer than a month")) P(" police.uk gives months only: the window cannot be resolved finer than a month.");
  P("</p>\n<h2>What next</h2>\n<p>");
  double pc = num(W, r, "promap_cells");
  if (!isnan(pc))
    P("Next month's ProMap forecast puts %.0f of its top cells (5%% of the area) in this ward, %.1f%% of the borough's "
      "forecast. ",
      pc, 100 * num(W, r, "promap_share"));
  const char *bt = sm_result_text(plan, "backtest_note");
  if (bt && *bt) {
    P("How far to trust it: ");
    if (!st) st = esc(b, bt);
    P(".");
  } else if (isnan(pc)) {
    P("No forecast was computed.");
  }
  P("</p>\n<h2>Actions</h2>\n<ul class=\"actions\">\n");
  const sm_layer *A = sm_result_layer_named(plan, "plan_actions");
  size_t na = 0;
  for (size_t k = 0; A && k < sm_layer_feature_count(A) && !st; k++) {
    if (strcmp(str(A, k, "ward_code"), code)) continue;
    na++;
    P("<li>");
    if (!st) st = esc(b, str(A, k, "action"));
    P(" <span class=\"trig\">(because ");
    if (!st) st = esc(b, str(A, k, "trigger"));
    P(")</span></li>\n");
  }
  if (!na) P("<li class=\"note\">No rule was triggered.</li>\n");
  P("</ul>\n<h2>In short</h2>\n<p>");
  if (!st) st = esc(b, str(W, r, "reasons"));
  P("</p>\n");
  if (!st) st = footer(b, W);
  return st;
}

static sm_status index_page(sm_buf *b, const sm_layer *W, const char *title) {
  sm_status st = page_start(b, title);
  P("<div class=\"wide\">\n<h1>");
  if (!st) st = esc(b, title);
  P("</h1>\n<p class=\"sub\">%zu wards, most burglaries first. Each ward's plan opens from its name and prints on A4.</p>\n",
    sm_layer_feature_count(W));
  P("<table>\n<tr><th class=\"n\">Rank</th><th>Ward</th><th class=\"n\">Burglaries</th><th class=\"n\">Last 12 months</th>"
    "<th class=\"n\">Change</th><th>Trend</th><th>Gi*</th><th class=\"n\">Hot cells</th><th class=\"n\">Actions</th></tr>\n");
  size_t n = sm_layer_feature_count(W);
  for (size_t r = 0; r < n && !st; r++) {
    char a1[64], a2[64], a3[32];
    fmt_num(num(W, r, "total"), str(W, r, "total_text"), a1, sizeof a1);
    fmt_num(num(W, r, "last12"), str(W, r, "last12_text"), a2, sizeof a2);
    double pct = num(W, r, "change_pct");
    if (isnan(pct)) snprintf(a3, sizeof a3, "—");
    else snprintf(a3, sizeof a3, "%+.1f%%", pct);
    const char *acts = str(W, r, "actions");
    size_t nact = *acts ? 1 : 0;
    for (const char *c = acts; *c; c++) nact += c[0] == ';' && c[1] == ' ';
    P("<tr><td class=\"n\">%.0f</td><td><a href=\"", num(W, r, "rank"));
    char *file = sm__tiles_file_name(str(W, r, "ward_code"));
    if (!file) st = SM_E_NOMEM;
    if (!st) st = esc(b, file);
    sm__free(file);
    P(".html\">");
    if (!st) st = esc(b, str(W, r, "ward_name"));
    P("</a></td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>", a1, a2, a3);
    if (!st) st = cell(b, "td class=\"nw\"", str(W, r, "trend"));
    if (!st) st = cell(b, "td class=\"nw\"", str(W, r, "gi_class"));
    P("<td class=\"n\">%.0f</td><td class=\"n\">%zu</td></tr>\n", num(W, r, "hot_cells"), nact);
  }
  P("</table>\n</div>\n");
  if (!st) st = footer(b, W);
  return st;
}

sm_status sm_plan_write_pages(sm_ctx *ctx, const sm_result *plan, const char *dir, const sm_plan_pages_options *opts) {
  sm_plan_pages_options dflt = SM_PLAN_PAGES_OPTIONS_INIT;
  const sm_plan_pages_options *o = opts ? opts : &dflt;
  if (!plan || !dir || !*dir) return sm__error(ctx, SM_E_INVALID_ARG, "sm_plan_write_pages: %s is missing", plan ? "the folder" : "the plan");
  if (o->version != SM_PLAN_PAGES_OPTIONS_VERSION)
    return sm__error(ctx, SM_E_INVALID_ARG, "sm_plan_pages_options version %d is not %d", o->version, SM_PLAN_PAGES_OPTIONS_VERSION);
  const sm_layer *W = sm_result_layer_named(plan, "plan_wards");
  if (!W) return sm__error(ctx, SM_E_INVALID_ARG, "sm_plan_write_pages: the result has no plan_wards layer (not a plan)");
  const char *first = sm_result_text(plan, "period_first"), *last = sm_result_text(plan, "period_last");
  char *title = o->title ? sm__strdup(o->title)
                         : sm__asprintf("Burglary plans, %s to %s", first ? first : "?", last ? last : "?");
  unsigned suppress = (unsigned)atoi(sm_layer_metadata_get(W, "option_suppress_below") ? sm_layer_metadata_get(W, "option_suppress_below") : "0");
  sm_status st = title ? sm__tiles_mkdirs(ctx, dir) : sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm_buf b = {0};
  for (size_t r = 0; r < sm_layer_feature_count(W) && !st; r++) {
    b.n = 0;
    st = ward_page(ctx, &b, plan, W, r, suppress, title);
    char *file = st ? NULL : sm__tiles_file_name(str(W, r, "ward_code"));
    char *path = file ? sm__asprintf("%s/%s.html", dir, file) : NULL;
    if (st || !path) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    else st = sm__tiles_write_file(ctx, path, b.s, b.n);
    sm__free(file), sm__free(path);
  }
  if (!st) {
    b.n = 0;
    char *path = sm__asprintf("%s/index.html", dir);
    st = path && !index_page(&b, W, title) ? sm__tiles_write_file(ctx, path, b.s, b.n) : sm__error(ctx, SM_E_NOMEM, "out of memory");
    sm__free(path);
  }
  sm__free(b.s), sm__free(title);
  return st;
}

static int is_file_output(const char *path) {
  size_t n = strlen(path);
  return (n > 5 && !strcmp(path + n - 5, ".gpkg")) || (n > 4 && !strcmp(path + n - 4, ".csv"));
}

sm_status sm_plan_write_check(sm_ctx *ctx, const char *path, const sm_plan_pages_options *opts) {
  sm_plan_pages_options dflt = SM_PLAN_PAGES_OPTIONS_INIT;
  const sm_plan_pages_options *o = opts ? opts : &dflt;
  if (!path || !*path) return sm__error(ctx, SM_E_INVALID_ARG, "the plans' output is missing");
  if (o->pdf && is_file_output(path))
    return sm__error(ctx, SM_E_INVALID_ARG, "PDF is of the pages: name a folder (-o DIR), not '%s'", path);
  if (o->pdf) {
    char *c = sm__chromium_path();
    sm__free(c);
    if (!c)
      return sm__error(ctx, SM_E_UNSUPPORTED,
                       "PDF needs Chromium, which is not installed (apt-get install chromium, or set SAFEMAP_CHROMIUM "
                       "to a Chromium or Chrome program); nothing was written");
  }
  if (is_file_output(path)) {
    sm_write_options wo = SM_WRITE_OPTIONS_INIT;
    wo.overwrite = o->overwrite;
    return sm_write_check(ctx, path, &wo);
  }
  struct stat sb;
  if (stat(path, &sb) == 0 && !S_ISDIR(sb.st_mode))
    return sm__error(ctx, SM_E_IO, "'%s' exists and is not a folder: the plans' pages go in a folder (or name a .gpkg or .csv)", path);
  if (stat(path, &sb) == 0 && !o->overwrite)
    return sm__error(ctx, SM_E_IO, "'%s' exists already; nothing was written (use --overwrite to replace it)", path);
  return SM_OK;
}

sm_status sm_plan_write(sm_ctx *ctx, const sm_result *plan, const char *path, const sm_plan_pages_options *opts) {
  sm_plan_pages_options dflt = SM_PLAN_PAGES_OPTIONS_INIT;
  const sm_plan_pages_options *o = opts ? opts : &dflt;
  sm_status st = sm_plan_write_check(ctx, path, o);
  if (st) return st;
  sm_write_options wo = SM_WRITE_OPTIONS_INIT;
  wo.overwrite = o->overwrite;
  if (is_file_output(path)) return sm_result_write(ctx, plan, path, &wo);
  const char *slash = strrchr(path, '/');
  char *tmp = slash ? sm__asprintf("%.*s/.%s.tmp-%ld", (int)(slash - path), path, slash + 1, (long)getpid())
                    : sm__asprintf(".%s.tmp-%ld", path, (long)getpid());
  char *g = tmp ? sm__asprintf("%s/plans.gpkg", tmp) : NULL, *c = tmp ? sm__asprintf("%s/plans.csv", tmp) : NULL;
  if (!tmp || !g || !c) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) sm__tiles_rm_tree(tmp);
  if (!st) st = sm__tiles_mkdirs(ctx, tmp);
  int made = !st;
  if (!st) st = sm_result_write(ctx, plan, g, &wo);
  if (!st) st = sm_result_write(ctx, plan, c, &wo);
  if (!st) st = sm_plan_write_pages(ctx, plan, tmp, o);
  if (!st && o->pdf) st = sm__plan_write_pdf(ctx, tmp);
  if (!st) {
    struct stat sb;
    char *old = sm__asprintf("%s.old-%ld", path, (long)getpid());
    int had = stat(path, &sb) == 0;
    if (!old) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    else if (had && rename(path, old) != 0) st = sm__error(ctx, SM_E_IO, "cannot replace '%s': %s", path, strerror(errno));
    else if (rename(tmp, path) != 0) {
      st = sm__error(ctx, SM_E_IO, "cannot write '%s': %s", path, strerror(errno));
      if (had) rename(old, path);
    } else if (had) {
      sm__tiles_rm_tree(old);
    }
    sm__free(old);
  }
  if (st && made) sm__tiles_rm_tree(tmp);
  sm__free(tmp), sm__free(g), sm__free(c);
  return st;
}
