/* The plan's action rules (plan.h, docs/plan_rules.md): a small text format, one rule a line,
 * "id | condition | action text", the condition a test of one of the plan's variables, the text quoting them as
 * {variable}. The built-in rules are a file of the same form. */
#include "internal/plan.h"
#include "internal/sm_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const VARS[SM_PV_END_] = {
    "ward_code", "ward_name", "total", "last12", "prev12", "change", "change_pct", "mk_s", "mk_z", "mk_p", "mk_tau",
    "trend", "peak_months", "rank", "wards", "share_pct", "households", "rate_per_1000", "borough_rate_per_1000",
    "gi_class", "lisa_class", "hot_cells", "hot_cells_99", "hot_cells_95", "hot_cells_90", "repeat_locations",
    "repeat_incidents", "top_street", "near_repeat_significant", "nr_distance_m", "nr_months", "nr_window",
    "promap_cells", "promap_share_pct", "emerging_category"};

static const char *const OPS[6] = {">=", ">", "<=", "<", "==", "!="};

static const char DEFAULT_RULES[] =
    "# safemap plan: the built-in action rules (docs/plan_rules.md).\n"
    "# id | condition (VARIABLE OP VALUE [and ...], or always) | action text ({variable} is the ward's value)\n"
    "cocooning | nr_distance_m > 0 and last12 >= 1 | Cocooning: after each burglary, letters and visits to the "
    "homes within {nr_distance_m} m, in its month and the next {nr_months}: {nr_window}\n"
    "revisit | near_repeat_significant >= 1 and nr_distance_m == 0 and last12 >= 1 | Repeat-victim visits: after each "
    "burglary, crime-prevention advice at the same address (snap point), in its month and the next {nr_months}: "
    "{nr_window}\n"
    "patrols | hot_cells >= 1 | Patrols in the ward's {hot_cells} hot cells (Gi* 90% or more), above all in its peak "
    "months: {peak_months}\n"
    "target_hardening | repeat_locations >= 1 | Target hardening (locks, lighting, advice) at the {repeat_locations} "
    "repeat locations: {repeat_incidents} burglaries in the last 12 months\n"
    "review | trend == rising | Review the ward's burglary plan: burglaries are rising (Mann-Kendall Z {mk_z}, p "
    "{mk_p}; {last12} in the last 12 months against {prev12} before)\n"
    "promap_patrols | promap_cells >= 1 | Patrols next month in ProMap's top cells: {promap_cells} of the borough's "
    "top 5% of cells for next month are in the ward ({promap_share_pct}% of the borough's forecast)\n";

const char *sm_plan_default_rules(void) { return DEFAULT_RULES; }

const char *sm__plan_var_name(int v) { return v >= 0 && v < SM_PV_END_ ? VARS[v] : NULL; }

static int var_index(const char *s, size_t n) {
  for (int v = 0; v < SM_PV_END_; v++)
    if (strlen(VARS[v]) == n && !memcmp(VARS[v], s, n)) return v;
  return -1;
}

static int is_text_var(int v) {
  return v == SM_PV_WARD_CODE || v == SM_PV_WARD_NAME || v == SM_PV_TREND || v == SM_PV_PEAK_MONTHS ||
         v == SM_PV_GI_CLASS || v == SM_PV_LISA_CLASS || v == SM_PV_TOP_STREET || v == SM_PV_NR_WINDOW ||
         v == SM_PV_EMERGING_CATEGORY;
}

void sm__plan_rules_free(sm__plan_rules *rules) {
  if (!rules) return;
  for (size_t i = 0; i < rules->n; i++) {
    sm__free(rules->r[i].id);
    sm__free(rules->r[i].text);
    for (size_t k = 0; k < rules->r[i].n_tests; k++) sm__free(rules->r[i].test[k].value_text);
  }
  sm__free(rules->r);
  sm__free(rules->source);
  memset(rules, 0, sizeof *rules);
}

/* [s, e) without the spaces at either end. */
static void trim(const char **s, const char **e) {
  while (*s < *e && isspace((unsigned char)**s)) (*s)++;
  while (*e > *s && isspace((unsigned char)(*e)[-1])) (*e)--;
}

static sm_status bad(sm_ctx *ctx, const char *file, size_t line, const char *field, const char *what, const char *s,
                     size_t n) {
  char q[120];
  sm__quote(q, sizeof q, s, n);
  return sm__error(ctx, SM_E_INPUT, "%s:%zu: field '%s': %s '%s' (docs/plan_rules.md)", file, line, field, what, q);
}

/* "VARIABLE OP VALUE" into r. */
static sm_status test(sm_ctx *ctx, const char *file, size_t line, const char *s, const char *e, sm__plan_test *r) {
  if (s == e) return bad(ctx, file, line, "condition", "empty: give VARIABLE OP VALUE or always, not", s, 0);
  const char *v = s;
  while (v < e && (isalnum((unsigned char)*v) || *v == '_')) v++;
  r->var = var_index(s, (size_t)(v - s));
  if (r->var < 0) {
    char known[1024] = "";
    for (int k = 0; k < SM_PV_END_; k++)
      snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", k ? ", " : "", VARS[k]);
    char q[80];
    sm__quote(q, sizeof q, s, (size_t)(v - s));
    return sm__error(ctx, SM_E_INPUT, "%s:%zu: field 'condition': unknown variable '%s' (known: %s)", file, line, q,
                     known);
  }
  while (v < e && isspace((unsigned char)*v)) v++;
  r->op = -1;
  for (int k = 0; k < 6 && r->op < 0; k++) {
    size_t n = strlen(OPS[k]);
    if ((size_t)(e - v) >= n && !memcmp(v, OPS[k], n) && !(n == 1 && v + 1 < e && v[1] == '=')) r->op = k, v += n;
  }
  if (r->op < 0) return bad(ctx, file, line, "condition", "no operator (>=, >, <=, <, ==, !=) before", v, (size_t)(e - v));
  while (v < e && isspace((unsigned char)*v)) v++;
  if (v == e) return bad(ctx, file, line, "condition", "no value after the operator in", s, (size_t)(e - s));
  if (is_text_var(r->var)) {
    if (r->op != 4 && r->op != 5)
      return bad(ctx, file, line, "condition", "a text variable is compared with == or != only, not", s,
                 (size_t)(e - s));
    r->value_text = sm__strndup(v, (size_t)(e - v));
    return r->value_text ? SM_OK : sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  if (sm__parse_double(v, (size_t)(e - v), &r->value) || !isfinite(r->value))
    return bad(ctx, file, line, "condition", "the value is not a number:", v, (size_t)(e - v));
  return SM_OK;
}

/* "always", or tests joined by " and ", into r. */
static sm_status condition(sm_ctx *ctx, const char *file, size_t line, const char *s, const char *e,
                           sm__plan_rule *r) {
  if (e - s == 6 && !memcmp(s, "always", 6)) return SM_OK;
  sm_status st = SM_OK;
  while (!st) {
    const char *a = s, *and_ = NULL;
    for (; a + 5 <= e; a++)
      if (!memcmp(a, " and ", 5)) {
        and_ = a;
        break;
      }
    const char *te = and_ ? and_ : e, *ts = s;
    trim(&ts, &te);
    if (r->n_tests == SM__PLAN_MAX_TESTS)
      return bad(ctx, file, line, "condition", "at most 4 tests joined by 'and':", s, (size_t)(e - s));
    st = test(ctx, file, line, ts, te, &r->test[r->n_tests++]);
    if (!and_) break;
    s = and_ + 5;
  }
  return st;
}

/* Every {name} of the text is a variable. */
static sm_status text_check(sm_ctx *ctx, const char *file, size_t line, const char *s, const char *e) {
  for (const char *p = s; p < e; p++) {
    if (*p != '{') continue;
    const char *q = memchr(p, '}', (size_t)(e - p));
    if (!q) return bad(ctx, file, line, "action", "a '{' without its '}' in", s, (size_t)(e - s));
    if (var_index(p + 1, (size_t)(q - p - 1)) < 0)
      return bad(ctx, file, line, "action", "unknown variable", p + 1, (size_t)(q - p - 1));
    p = q;
  }
  return SM_OK;
}

sm_status sm__plan_rules_parse(sm_ctx *ctx, const char *text, const char *file, sm__plan_rules *out) {
  memset(out, 0, sizeof *out);
  out->source = sm__strdup(file);
  if (!out->source) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  size_t cap = 0, line = 0;
  sm_status st = SM_OK;
  for (const char *p = text; *p && !st;) {
    const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
    line++;
    const char *s = p, *e = end;
    p = nl ? nl + 1 : end;
    trim(&s, &e);
    if (s == e || *s == '#') continue;
    const char *b1 = memchr(s, '|', (size_t)(e - s));
    const char *b2 = b1 ? memchr(b1 + 1, '|', (size_t)(e - b1 - 1)) : NULL;
    if (!b2) {
      st = bad(ctx, file, line, "id", "a rule has three fields, id | condition | action; this line has fewer:", s,
               (size_t)(e - s));
      break;
    }
    const char *is = s, *ie = b1, *cs = b1 + 1, *ce = b2, *ts = b2 + 1, *te = e;
    trim(&is, &ie), trim(&cs, &ce), trim(&ts, &te);
    if (is == ie) {
      st = bad(ctx, file, line, "id", "empty id in", s, (size_t)(e - s));
      break;
    }
    for (const char *c = is; c < ie && !st; c++)
      if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
        st = bad(ctx, file, line, "id", "an id is letters, digits, '_' and '-':", is, (size_t)(ie - is));
    for (size_t k = 0; k < out->n && !st; k++)
      if (strlen(out->r[k].id) == (size_t)(ie - is) && !memcmp(out->r[k].id, is, (size_t)(ie - is)))
        st = bad(ctx, file, line, "id", "a second rule with the id", is, (size_t)(ie - is));
    if (st) break;
    if (ts == te) {
      st = bad(ctx, file, line, "action", "empty action text in", s, (size_t)(e - s));
      break;
    }
    if ((st = sm__grow((void **)&out->r, &cap, out->n + 1, sizeof *out->r))) {
      st = sm__error(ctx, SM_E_NOMEM, "out of memory");
      break;
    }
    sm__plan_rule *r = &out->r[out->n++];
    memset(r, 0, sizeof *r);
    r->id = sm__strndup(is, (size_t)(ie - is));
    r->text = sm__strndup(ts, (size_t)(te - ts));
    if (!r->id || !r->text) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (!st) st = condition(ctx, file, line, cs, ce, r);
    if (!st) st = text_check(ctx, file, line, ts, te);
  }
  if (!st && out->n == 0)
    st = sm__error(ctx, SM_E_INPUT, "%s:%zu: field 'id': no rule in the file (docs/plan_rules.md)", file, line);
  if (st) sm__plan_rules_free(out);
  return st;
}

sm_status sm__plan_rules_load(sm_ctx *ctx, const char *path, sm__plan_rules *out) {
  memset(out, 0, sizeof *out);
  if (!path) return sm__plan_rules_parse(ctx, DEFAULT_RULES, "built-in rules", out);
  FILE *f = fopen(path, "rb");
  if (!f) return sm__error(ctx, SM_E_IO, "cannot open the rules file %s: %s", path, strerror(errno));
  sm_buf b = {0};
  char chunk[4096];
  size_t n;
  sm_status st = SM_OK;
  while (!st && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (memchr(chunk, 0, n)) st = sm__error(ctx, SM_E_INPUT, "%s: field 'id': the rules file is not text (a NUL byte)", path);
    else if (sm__buf_append(&b, chunk, n)) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (!st && b.n > (1u << 20)) st = sm__error(ctx, SM_E_INPUT, "%s: the rules file is over 1 MiB", path);
  }
  if (!st && ferror(f)) st = sm__error(ctx, SM_E_IO, "cannot read the rules file %s", path);
  fclose(f);
  if (!st && sm__buf_append(&b, "", 1)) st = sm__error(ctx, SM_E_NOMEM, "out of memory");
  if (!st) st = sm__plan_rules_parse(ctx, b.s, path, out);
  sm__free(b.s);
  return st;
}

static int passes(const sm__plan_test *t, const sm__plan_value *vals) {
  const sm__plan_value *v = &vals[t->var];
  if (v->null) return 0;
  if (v->is_text) {
    int eq = v->text && !strcmp(v->text, t->value_text);
    return t->op == 4 ? eq : !eq;
  }
  double a = v->num, b = t->value;
  switch (t->op) {
  case 0: return a >= b;
  case 1: return a > b;
  case 2: return a <= b;
  case 3: return a < b;
  case 4: return a == b;
  default: return a != b;
  }
}

int sm__plan_rule_fires(const sm__plan_rule *rule, const sm__plan_value *vals) {
  for (size_t k = 0; k < rule->n_tests; k++)
    if (!passes(&rule->test[k], vals)) return 0;
  return 1;
}

const char *sm__plan_value_str(const sm__plan_value *v, int var, unsigned suppress, char *buf, size_t size) {
  if (v->null) snprintf(buf, size, "%s", "");
  else if (v->is_text) snprintf(buf, size, "%s", v->text ? v->text : "");
  else if (v->count && suppress && fabs(v->num) < suppress) snprintf(buf, size, "fewer than %u", suppress);
  else if (var == SM_PV_MK_P) snprintf(buf, size, "%.2g", v->num);
  else if (var == SM_PV_MK_Z || var == SM_PV_MK_TAU) snprintf(buf, size, "%.2f", v->num);
  else if (var == SM_PV_SHARE_PCT || var == SM_PV_CHANGE_PCT || var == SM_PV_RATE || var == SM_PV_BOROUGH_RATE ||
           var == SM_PV_PROMAP_SHARE_PCT)
    snprintf(buf, size, "%.1f", v->num);
  else snprintf(buf, size, "%.15g", v->num);
  return buf;
}

sm_status sm__plan_rule_apply(sm_ctx *ctx, const sm__plan_rule *rule, const sm__plan_value *vals, unsigned suppress,
                              char **text_out, char **trigger_out) {
  *text_out = *trigger_out = NULL;
  sm_buf t = {0}, g = {0};
  char v[256];
  int bad_ = 0;
  for (const char *p = rule->text; *p && !bad_;) {
    const char *q = strchr(p, '{');
    if (!q) {
      bad_ = sm__buf_append(&t, p, strlen(p)) != SM_OK;
      break;
    }
    const char *c = strchr(q, '}');
    int k = var_index(q + 1, (size_t)(c - q - 1)); /* checked when parsed */
    bad_ = sm__buf_append(&t, p, (size_t)(q - p)) ||
           sm__buf_printf(&t, "%s", sm__plan_value_str(&vals[k], k, suppress, v, sizeof v));
    p = c + 1;
  }
  if (!bad_ && rule->n_tests == 0) bad_ = sm__buf_printf(&g, "always") != SM_OK;
  for (size_t k = 0; !bad_ && k < rule->n_tests; k++) {
    const sm__plan_test *x = &rule->test[k];
    char cmp[64];
    if (!x->value_text) snprintf(cmp, sizeof cmp, "%.15g", x->value);
    bad_ = sm__buf_printf(&g, "%s%s = %s (%s %s)", k ? "; " : "", VARS[x->var],
                          sm__plan_value_str(&vals[x->var], x->var, suppress, v, sizeof v), OPS[x->op],
                          x->value_text ? x->value_text : cmp) != SM_OK;
  }
  if (bad_ || !t.s || !g.s) {
    sm__free(t.s);
    sm__free(g.s);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  *text_out = t.s, *trigger_out = g.s;
  return SM_OK;
}
