/* plan: sm_plan_run's numbers on made-up burglaries in Camden's wards (the bundled ward polygons), the rules,
 * suppression and every bad input; the Camden numbers themselves are checked by tests/golden/plan/. */
#include "testutil.h"

#include <math.h>
#include <string.h>

static sm_ctx *ctx;
static sm_areas *wards;

static int setup(void **state) {
  (void)state;
  if (sm_ctx_create(&ctx) != SM_OK) return 1;
  sm_areas_options ao = SM_AREAS_OPTIONS_INIT;
  ao.analysis_crs = "EPSG:27700";
  return sm_areas_read(ctx, &wards, TU_CAMDEN_WARDS, &ao) != SM_OK;
}
static int teardown(void **state) {
  (void)state;
  sm_areas_destroy(wards);
  sm_ctx_destroy(ctx);
  return 0;
}

#define CAMDEN_TOWN "E05013655"

static size_t ward_index(const char *code) {
  for (size_t i = 0; i < sm_areas_count(wards); i++)
    if (!strcmp(sm_areas_id(wards, i), code)) return i;
  fail_msg("no ward %s", code);
  return 0;
}

/* counts[m] burglaries in month m (from January 2024) at the centroid of `code` (times at noon on the 10th). */
static sm_points *series_points(const char *code, const int *counts, size_t months) {
  double cx, cy;
  assert_true(sm_areas_centroid(wards, ward_index(code), &cx, &cy));
  size_t n = 0;
  for (size_t m = 0; m < months; m++) n += (size_t)counts[m];
  double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  int64_t *t = malloc(n * sizeof *t);
  size_t k = 0;
  for (size_t m = 0; m < months; m++)
    for (int j = 0; j < counts[m]; j++) {
      char d[64];
      snprintf(d, sizeof d, "%04zu-%02zu-10T12:00:00Z", 2024 + m / 12, m % 12 + 1);
      sm_time_res res;
      assert_int_equal(sm_time_parse(d, strlen(d), &t[k], &res), SM_OK);
      x[k] = cx + (double)(j % 4) * 7, y[k] = cy + (double)(j / 4) * 5, k++; /* metres apart: distinct snap points */
    }
  sm_points *p = NULL;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", n, x, y, t, NULL));
  free(x), free(y), free(t);
  return p;
}

static long col(const sm_layer *L, const char *name) {
  long f = sm_layer_field_index(L, name);
  if (f < 0) fail_msg("no column %s in %s", name, sm_layer_name(L));
  return f;
}

/* The row of ward `code` in plan_wards. */
static size_t row_of(const sm_layer *L, const char *code) {
  for (size_t i = 0; i < sm_layer_feature_count(L); i++)
    if (!strcmp(sm_layer_get_string(L, i, (size_t)col(L, "ward_code")), code)) return i;
  fail_msg("no row for %s", code);
  return 0;
}

static const int WORKED[10] = {1, 3, 2, 5, 4, 6, 8, 7, 9, 10};

/* Mann-Kendall on the worked vector, through the plan: S 39, var 125, Z 3.3988, tau 0.8667; the other wards
 * have no burglaries and their plans say so. */
static void mann_kendall_worked(void **state) {
  (void)state;
  sm_points *p = series_points(CAMDEN_TOWN, WORKED, 10);
  sm_plan_options o;
  assert_ok(ctx, sm_plan_options_init(&o, SM_PLAN_OPTIONS_VERSION));
  o.min_trend_months = 10;
  o.permutations = 9;
  sm_result *r = NULL;
  assert_ok(ctx, sm_plan_run(ctx, &r, p, wards, &o));
  const sm_layer *L = sm_result_layer_named(r, "plan_wards");
  assert_int_equal(sm_layer_feature_count(L), 20);
  size_t i = row_of(L, CAMDEN_TOWN);
  assert_int_equal(i, 0); /* ranked first */
  assert_int_equal(sm_layer_get_int(L, i, (size_t)col(L, "total")), 55);
  assert_true(sm_layer_get_double(L, i, (size_t)col(L, "mk_s")) == 39);
  assert_true(fabs(sm_layer_get_double(L, i, (size_t)col(L, "mk_z")) - 3.3988) < 5e-5);
  assert_true(fabs(sm_layer_get_double(L, i, (size_t)col(L, "mk_tau")) - 0.8667) < 5e-5);
  assert_string_equal(sm_layer_get_string(L, i, (size_t)col(L, "trend")), "rising");
  assert_string_equal(sm_layer_get_string(L, i, (size_t)col(L, "peak_months")), "Oct, Sep, Jul");
  /* fewer than 24 months: no change, with the reason */
  assert_true(sm_layer_is_null(L, i, (size_t)col(L, "change")));
  assert_true(sm_layer_is_null(L, i, (size_t)col(L, "last12")));
  assert_contains(sm_layer_get_string(L, i, (size_t)col(L, "change_note")), "not enough data: 10 months");
  /* a ward with no burglaries */
  size_t z = row_of(L, "E05013652");
  assert_int_equal(sm_layer_get_int(L, z, (size_t)col(L, "total")), 0);
  assert_int_equal(sm_layer_get_int(L, z, (size_t)col(L, "rank")), 2); /* 19 wards share rank 2 */
  assert_string_equal(sm_layer_get_string(L, z, (size_t)col(L, "trend")), "no burglaries");
  assert_contains(sm_layer_get_string(L, z, (size_t)col(L, "reasons")), "No burglaries were recorded in this ward");
  assert_string_equal(sm_layer_get_string(L, z, (size_t)col(L, "peak_months")), "");
  /* the analyses the data cannot support are left out with the reason */
  assert_contains(sm_result_text(r, "fishnet_note"), "not computed: its cell size");
  assert_contains(sm_result_text(r, "fishnet_note"), "the burglaries are too close together for a fishnet");
  assert_true(sm_layer_is_null(L, i, (size_t)col(L, "hot_cells")));
  const sm_layer *H = sm_result_layer_named(r, "plan_hot_cells");
  assert_int_equal(sm_layer_feature_count(H), 0);
  assert_int_equal(sm_layer_field_count(H), 6);
  /* plan_months: every ward x month */
  const sm_layer *M = sm_result_layer_named(r, "plan_months");
  assert_int_equal(sm_layer_feature_count(M), 200);
  assert_string_equal(sm_result_text(r, "period_first"), "2024-01");
  assert_string_equal(sm_result_text(r, "period_last"), "2024-10");
  assert_contains(sm_layer_metadata_get(L, "time_note"), "counted in its calendar month");
  assert_contains(sm_layer_metadata_get(M, "period"), "2024-01 to 2024-10 (10 calendar months");
  assert_string_equal(sm_layer_metadata_get(M, "option_min_trend_months"), "10");
  sm_result_destroy(r);
  sm_points_destroy(p);
}

static char *slurp_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  if (s && fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
  if (s) s[n] = '\0';
  fclose(f);
  return s;
}

/* The pages of a thin plan (one ward with burglaries, 10 months): a ward with none gets a page that says so;
 * names are escaped for HTML; the index is in rank order; an existing folder is kept without overwrite. */
static void pages(void **state) {
  (void)state;
  sm_points *p = series_points(CAMDEN_TOWN, WORKED, 10);
  sm_plan_options o;
  assert_ok(ctx, sm_plan_options_init(&o, SM_PLAN_OPTIONS_VERSION));
  o.min_trend_months = 10, o.permutations = 9;
  sm_result *r = NULL;
  assert_ok(ctx, sm_plan_run(ctx, &r, p, wards, &o));
  const char *dir = tu_path("pages");
  sm_plan_pages_options po;
  assert_ok(ctx, sm_plan_pages_options_init(&po, SM_PLAN_PAGES_OPTIONS_VERSION));
  assert_ok(ctx, sm_plan_write(ctx, r, dir, &po));
  char path[600];
  snprintf(path, sizeof path, "%s/E05013652.html", dir); /* no burglaries */
  char *page = slurp_text(path);
  assert_non_null(page);
  assert_contains(page, "No burglaries were recorded in this ward");
  assert_contains(page, "<svg class=\"map\"");
  free(page);
  snprintf(path, sizeof path, "%s/index.html", dir);
  page = slurp_text(path);
  assert_non_null(page);
  assert_contains(page, "Holborn &amp; Covent Garden"); /* escaped */
  assert_null(strstr(page, "Holborn & Covent"));
  char *first = strstr(page, "E05013655.html"), *second = strstr(page, "E05013652.html");
  assert_true(first && second && first < second); /* Camden Town, ranked 1, before the rest */
  free(page);
  snprintf(path, sizeof path, "%s/plans.gpkg", dir);
  assert_true(tu_exists(path));
  /* an existing folder is kept */
  assert_int_equal(sm_plan_write(ctx, r, dir, &po), SM_E_IO);
  assert_contains(sm_ctx_last_error(ctx), "exists already");
  po.overwrite = 1;
  assert_ok(ctx, sm_plan_write(ctx, r, dir, &po));
  assert_int_equal(sm_plan_write_pages(ctx, NULL, dir, NULL), SM_E_INVALID_ARG);
  sm_result_destroy(r);
  sm_points_destroy(p);
}

/* Default options with 10 months: the trend too is "not enough data" with the reason, not a number. */
static void fewer_than_24_months(void **state) {
  (void)state;
  sm_points *p = series_points(CAMDEN_TOWN, WORKED, 10);
  sm_plan_options o = SM_PLAN_OPTIONS_INIT;
  o.permutations = 9;
  sm_result *r = NULL;
  assert_ok(ctx, sm_plan_run(ctx, &r, p, wards, &o));
  const sm_layer *L = sm_result_layer_named(r, "plan_wards");
  size_t i = row_of(L, CAMDEN_TOWN);
  assert_string_equal(sm_layer_get_string(L, i, (size_t)col(L, "trend")), "not enough data");
  assert_contains(sm_layer_get_string(L, i, (size_t)col(L, "trend_note")), "10 months in the period; a trend needs at least 24");
  assert_true(sm_layer_is_null(L, i, (size_t)col(L, "mk_z")));
  assert_true(sm_layer_is_null(L, i, (size_t)col(L, "prev12")));
  assert_string_equal(sm_layer_get_string(L, i, (size_t)col(L, "prev12_text")), "not enough data (fewer than 24 months)");
  sm_result_destroy(r);
  sm_points_destroy(p);
}

/* Dates that are not months: each burglary in its calendar month (31 Jan 23:00 and 1 Feb 00:30 apart). */
static void day_dates(void **state) {
  (void)state;
  double cx, cy;
  assert_true(sm_areas_centroid(wards, ward_index(CAMDEN_TOWN), &cx, &cy));
  const char *d[4] = {"2024-01-31T23:00:00Z", "2024-02-01T00:30:00Z", "2024-02-15T10:00:00Z", "2024-03-01T00:00:00Z"};
  double x[4] = {cx, cx + 5, cx + 10, cx + 15}, y[4] = {cy, cy, cy, cy};
  int64_t t[4];
  for (int k = 0; k < 4; k++) {
    sm_time_res res;
    assert_int_equal(sm_time_parse(d[k], strlen(d[k]), &t[k], &res), SM_OK);
  }
  sm_points *p = NULL;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", 4, x, y, t, NULL));
  sm_plan_options o = SM_PLAN_OPTIONS_INIT;
  o.ward = CAMDEN_TOWN;
  o.permutations = 9;
  sm_result *r = NULL;
  assert_ok(ctx, sm_plan_run(ctx, &r, p, wards, &o));
  const sm_layer *M = sm_result_layer_named(r, "plan_months");
  assert_int_equal(sm_layer_feature_count(M), 3); /* --ward: one ward's months */
  int64_t want[3] = {1, 2, 1};
  for (size_t m = 0; m < 3; m++) assert_int_equal(sm_layer_get_int(M, m, (size_t)col(M, "count")), want[m]);
  assert_contains(sm_result_text(r, "time_note"), "not months: every burglary is counted in its calendar month");
  assert_int_equal(sm_layer_feature_count(sm_result_layer_named(r, "plan_wards")), 1);
  sm_result_destroy(r);
  sm_points_destroy(p);
}

/* --suppress-below 5: counts below 5 are NULL with "fewer than 5", in every layer; the metadata says so. */
static void suppression(void **state) {
  (void)state;
  sm_points *p = series_points(CAMDEN_TOWN, WORKED, 10);
  sm_plan_options o = SM_PLAN_OPTIONS_INIT;
  o.suppress_below = 5;
  o.permutations = 9;
  sm_result *r = NULL;
  assert_ok(ctx, sm_plan_run(ctx, &r, p, wards, &o));
  const sm_layer *L = sm_result_layer_named(r, "plan_wards"), *M = sm_result_layer_named(r, "plan_months");
  size_t z = row_of(L, "E05013652");
  assert_true(sm_layer_is_null(L, z, (size_t)col(L, "total")));
  assert_string_equal(sm_layer_get_string(L, z, (size_t)col(L, "total_text")), "fewer than 5");
  assert_true(sm_layer_is_null(L, z, (size_t)col(L, "share")));
  size_t i = row_of(L, CAMDEN_TOWN);
  assert_int_equal(sm_layer_get_int(L, i, (size_t)col(L, "total")), 55);
  assert_string_equal(sm_layer_get_string(L, i, (size_t)col(L, "total_text")), "55");
  size_t shown = 0, hidden = 0;
  for (size_t k = 0; k < sm_layer_feature_count(M); k++) {
    const char *t = sm_layer_get_string(M, k, (size_t)col(M, "count_text"));
    if (sm_layer_is_null(M, k, (size_t)col(M, "count"))) hidden++, assert_string_equal(t, "fewer than 5");
    else shown++, assert_true(sm_layer_get_int(M, k, (size_t)col(M, "count")) >= 5);
  }
  assert_int_equal(shown, 6); /* 5 6 8 7 9 10 */
  assert_int_equal(hidden, 194);
  for (size_t k = 0; k < sm_result_layer_count(r); k++)
    assert_contains(sm_layer_metadata_get(sm_result_layer(r, k), "suppression"), "below 5 are NULL");
  sm_result_destroy(r);
  sm_points_destroy(p);
}

/* ---- rules ---- */

static sm_status check_rules(const char *name, const char *text) {
  sm_plan_options o = SM_PLAN_OPTIONS_INIT;
  o.rules = tu_write(name, text);
  return sm_plan_options_check(ctx, &o);
}

static void rules_custom(void **state) {
  (void)state;
  sm_points *p = series_points(CAMDEN_TOWN, WORKED, 10);
  sm_plan_options o = SM_PLAN_OPTIONS_INIT;
  o.rules = tu_write("r.txt", "# mine\n\nbusy | total >= 50 and trend != falling | Extra patrols: {total} burglaries, "
                              "rank {rank} of {wards}\nquiet | total == 0 | Nothing in {ward_name}\n");
  o.min_trend_months = 10;
  o.permutations = 9;
  sm_result *r = NULL;
  assert_ok(ctx, sm_plan_run(ctx, &r, p, wards, &o));
  const sm_layer *A = sm_result_layer_named(r, "plan_actions");
  assert_int_equal(sm_layer_feature_count(A), 20);
  assert_string_equal(sm_layer_get_string(A, 0, (size_t)col(A, "rule")), "busy");
  assert_string_equal(sm_layer_get_string(A, 0, (size_t)col(A, "action")), "Extra patrols: 55 burglaries, rank 1 of 20");
  assert_string_equal(sm_layer_get_string(A, 0, (size_t)col(A, "trigger")),
                      "total = 55 (>= 50); trend = rising (!= falling)");
  assert_true(sm_layer_get_double(A, 0, (size_t)col(A, "value")) == 55);
  assert_contains(sm_layer_get_string(A, 1, (size_t)col(A, "action")), "Nothing in ");
  assert_contains(sm_layer_metadata_get(A, "option_rules"), "r.txt");
  sm_result_destroy(r);
  sm_points_destroy(p);
  /* the built-in rules parse, and name every default action */
  assert_ok(ctx, sm_plan_options_check(ctx, NULL));
  assert_contains(sm_plan_default_rules(), "cocooning |");
  assert_contains(sm_plan_default_rules(), "target_hardening |");
}

static void rules_unknown_variable(void **state) {
  (void)state;
  assert_int_equal(check_rules("r1.txt", "a | total >= 1 | ok\nb | totl >= 1 | x\n"), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "r1.txt:2: field 'condition': unknown variable 'totl' (known: ward_code");
}
static void rules_too_few_fields(void **state) {
  (void)state;
  assert_int_equal(check_rules("r2.txt", "a | total >= 1\n"), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "r2.txt:1: field 'id': a rule has three fields");
}
static void rules_bad_operator(void **state) {
  (void)state;
  assert_int_equal(check_rules("r3.txt", "a | total => 1 | x\n"), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "r3.txt:1: field 'condition': no operator");
}
static void rules_not_a_number(void **state) {
  (void)state;
  assert_int_equal(check_rules("r4.txt", "a | total >= many | x\n"), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "r4.txt:1: field 'condition': the value is not a number: 'many'");
}
static void rules_unknown_placeholder(void **state) {
  (void)state;
  assert_int_equal(check_rules("r5.txt", "a | always | {totals} burglaries\n"), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "r5.txt:1: field 'action': unknown variable 'totals'");
}
static void rules_duplicate_id(void **state) {
  (void)state;
  assert_int_equal(check_rules("r6.txt", "a | always | x\n\na | always | y\n"), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "r6.txt:3: field 'id': a second rule with the id 'a'");
}
static void rules_text_order(void **state) {
  (void)state;
  assert_int_equal(check_rules("r7.txt", "a | trend >= rising | x\n"), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "r7.txt:1: field 'condition': a text variable is compared with == or != only");
}
static void rules_empty(void **state) {
  (void)state;
  assert_int_equal(check_rules("r8.txt", "# nothing\n"), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "no rule in the file");
}
static void rules_missing_file(void **state) {
  (void)state;
  sm_plan_options o = SM_PLAN_OPTIONS_INIT;
  o.rules = tu_path("no-such-rules.txt");
  assert_int_equal(sm_plan_options_check(ctx, &o), SM_E_IO);
  assert_contains(sm_ctx_last_error(ctx), "cannot open the rules file");
}

/* ---- households ---- */

/* Every ward's households, with ward `code`'s line replaced by `line` (NULL: left out). */
static const char *households(const char *name, const char *code, const char *line) {
  static char buf[4096];
  size_t k = (size_t)snprintf(buf, sizeof buf, "code,households\n");
  for (size_t i = 0; i < sm_areas_count(wards); i++) {
    if (!strcmp(sm_areas_id(wards, i), code)) {
      if (line) k += (size_t)snprintf(buf + k, sizeof buf - k, "%s\n", line);
    } else
      k += (size_t)snprintf(buf + k, sizeof buf - k, "%s,%zu\n", sm_areas_id(wards, i), 4000 + i);
  }
  return tu_write(name, buf);
}

static sm_status run_households(const char *path) {
  sm_points *p = series_points(CAMDEN_TOWN, WORKED, 10);
  sm_plan_options o = SM_PLAN_OPTIONS_INIT;
  o.households = path;
  o.permutations = 9;
  sm_result *r = NULL;
  sm_status st = sm_plan_run(ctx, &r, p, wards, &o);
  sm_result_destroy(r);
  sm_points_destroy(p);
  return st;
}

static void households_ok(void **state) {
  (void)state;
  int counts[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  sm_points *p = series_points(CAMDEN_TOWN, counts, 12);
  sm_plan_options o = SM_PLAN_OPTIONS_INIT;
  o.households = households("h0.csv", CAMDEN_TOWN, CAMDEN_TOWN ",6000");
  o.permutations = 9;
  sm_result *r = NULL;
  assert_ok(ctx, sm_plan_run(ctx, &r, p, wards, &o));
  const sm_layer *L = sm_result_layer_named(r, "plan_wards");
  size_t i = row_of(L, CAMDEN_TOWN);
  assert_true(sm_layer_get_double(L, i, (size_t)col(L, "rate_per_1000")) == 2.0); /* 12 / 6000 x 1000 */
  double all = 6000;
  for (size_t k = 0; k < sm_areas_count(wards); k++)
    if (strcmp(sm_areas_id(wards, k), CAMDEN_TOWN)) all += 4000 + (double)k;
  assert_true(fabs(sm_result_figure(r, "borough_rate_per_1000") - 12000.0 / all) < 1e-12);
  sm_result_destroy(r);
  sm_points_destroy(p);
}
static void households_missing_ward(void **state) {
  (void)state;
  assert_int_equal(run_households(households("h1.csv", CAMDEN_TOWN, NULL)), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "1 ward is missing: " CAMDEN_TOWN " (Camden Town)");
}
static void households_zero(void **state) {
  (void)state;
  assert_int_equal(run_households(households("h2.csv", CAMDEN_TOWN, CAMDEN_TOWN ",0")), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "ward " CAMDEN_TOWN " (Camden Town): field 'households' value '0' is zero");
}
static void households_negative(void **state) {
  (void)state;
  assert_int_equal(run_households(households("h3.csv", CAMDEN_TOWN, CAMDEN_TOWN ",-12")), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "(Camden Town): field 'households' value '-12' is negative");
}
static void households_not_a_number(void **state) {
  (void)state;
  assert_int_equal(run_households(households("h4.csv", CAMDEN_TOWN, CAMDEN_TOWN ",lots")), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "(Camden Town): field 'households' value 'lots' is not a number");
}
static void households_no_column(void **state) {
  (void)state;
  assert_int_equal(run_households(tu_write("h5.csv", "code,homes\nE1,5\n")), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "no column 'households' (--households-field names the denominator)");
}

/* ---- --ward ---- */

static void ward_unknown(void **state) {
  (void)state;
  sm_points *p = series_points(CAMDEN_TOWN, WORKED, 10);
  sm_plan_options o = SM_PLAN_OPTIONS_INIT;
  o.ward = "E05013565";
  sm_result *r = NULL;
  assert_int_equal(sm_plan_run(ctx, &r, p, wards, &o), SM_E_INPUT);
  assert_null(r);
  assert_contains(sm_ctx_last_error(ctx), "--ward 'E05013565' is not one of the 20 wards' codes (field WD24CD); the closest is");
  assert_contains(sm_ctx_last_error(ctx), "the codes are: E05013652, E05013653");
  o.ward = "camden town";
  assert_int_equal(sm_plan_run(ctx, &r, p, wards, &o), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "the closest is " CAMDEN_TOWN " (Camden Town)");
  sm_points_destroy(p);
}

/* Points without dates are refused, with the reason. */
static void no_dates(void **state) {
  (void)state;
  double cx, cy;
  assert_true(sm_areas_centroid(wards, ward_index(CAMDEN_TOWN), &cx, &cy));
  sm_points *p = NULL;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", 1, &cx, &cy, NULL, NULL));
  sm_result *r = NULL;
  assert_int_equal(sm_plan_run(ctx, &r, p, wards, NULL), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "a plan needs the burglaries' dates");
  sm_points_destroy(p);
}

/* docs/plan_rules.md shows the built-in rules as they are. */
static void rules_documented(void **state) {
  (void)state;
  FILE *f = fopen(SM_TEST_SRCDIR "/docs/plan_rules.md", "rb");
  assert_non_null(f);
  static char doc[65536];
  size_t n = fread(doc, 1, sizeof doc - 1, f);
  fclose(f);
  doc[n] = 0;
  char line[1024];
  for (const char *p = sm_plan_default_rules(); *p;) {
    const char *e = strchr(p, '\n');
    size_t k = (size_t)(e - p);
    memcpy(line, p, k), line[k] = 0;
    if (line[0] != '#' && !strstr(doc, line)) fail_msg("docs/plan_rules.md lacks the built-in rule: %s", line);
    p = e + 1;
  }
}

/* What next with 10 months: the back-test's figures are NaN with the reason; the KDE (a bandwidth of a few metres
 * from points a few metres apart) and the emerging hot spots (one ward with burglaries) are left out with the
 * reason, their columns NULL and their layer kept with its columns; ProMap's forecast runs, and a ward with no
 * burglary gets promap_cells 0. */
static void next_too_short(void **state) {
  (void)state;
  sm_points *p = series_points(CAMDEN_TOWN, WORKED, 10);
  sm_plan_options o = SM_PLAN_OPTIONS_INIT;
  o.permutations = 9;
  sm_result *r = NULL;
  assert_ok(ctx, sm_plan_run(ctx, &r, p, wards, &o));
  const char *bt[] = {"backtest_steps", "backtest_hit_rate_promap", "backtest_pai_promap", "backtest_hit_rate_kde",
                      "backtest_pai_kde", "backtest_hit_rate_last_month", "backtest_pai_last_month"};
  for (size_t k = 0; k < sizeof bt / sizeof *bt; k++) assert_true(isnan(sm_result_figure(r, bt[k])));
  assert_string_equal(sm_result_text(r, "backtest_note"), "not enough data: 10 months; the back-test needs 24 (a year "
                                                          "to learn from and the last 12 months to score)");
  const sm_layer *L = sm_result_layer_named(r, "plan_wards");
  assert_string_equal(sm_layer_metadata_get(L, "backtest_note"), sm_result_text(r, "backtest_note"));
  assert_contains(sm_result_text(r, "kde_note"), "the KDE hot-spot areas not computed: ");
  assert_contains(sm_result_text(r, "emerging_note"), "the emerging hot spots of the wards not computed: ");
  size_t i = row_of(L, CAMDEN_TOWN), z = row_of(L, "E05013652");
  assert_true(sm_layer_is_null(L, i, (size_t)col(L, "kde_area_50_m2")));
  assert_true(sm_layer_is_null(L, i, (size_t)col(L, "emerging_category")));
  assert_true(sm_layer_is_null(L, i, (size_t)col(L, "emerging_cells")));
  const sm_layer *K = sm_result_layer_named(r, "plan_kde_areas");
  assert_int_equal(sm_layer_feature_count(K), 0);
  assert_int_equal(sm_layer_field_count(K), 5);
  /* ProMap: the burglaries' ward holds top cells of the forecast (its neighbours within 400 m the others); a ward
   * far from them has 0 */
  assert_string_equal(sm_result_text(r, "promap_month"), "2024-11");
  const sm_layer *C = sm_result_layer_named(r, "plan_promap_cells");
  int64_t cells = sm_layer_get_int(L, i, (size_t)col(L, "promap_cells")), all = 0;
  for (size_t k = 0; k < sm_layer_feature_count(L); k++) all += sm_layer_get_int(L, k, (size_t)col(L, "promap_cells"));
  assert_true(cells >= 1);
  assert_int_equal((int64_t)sm_layer_feature_count(C), all);
  double share = sm_layer_get_double(L, i, (size_t)col(L, "promap_share"));
  assert_true(share > 0 && share <= 1);
  assert_int_equal(sm_layer_get_int(L, z, (size_t)col(L, "promap_cells")), 0);
  assert_true(sm_layer_get_double(L, z, (size_t)col(L, "promap_share")) == 0);
  assert_contains(sm_layer_get_string(L, i, (size_t)col(L, "actions")), "Patrols next month in ProMap's top cells");
  sm_result_destroy(r);
  sm_points_destroy(p);
}

/* 30 months of burglaries around four wards' centres (a few each month, within 250 m): the back-test
 * scores the last 12 months; the emerging hot spots, the KDE areas and ProMap's cells are there, and the wards
 * without a burglary get promap_cells 0 and no emerging category. */
static void next_30_months(void **state) {
  (void)state;
  const char *codes[4] = {CAMDEN_TOWN, "E05013653", "E05013662", "E05013660"};
  size_t n = 0, cap = 30 * 4 * 6;
  double *x = malloc(cap * sizeof *x), *y = malloc(cap * sizeof *y);
  int64_t *t = malloc(cap * sizeof *t);
  uint64_t lcg = 1;
  for (size_t m = 0; m < 30; m++)
    for (size_t w = 0; w < 4; w++) {
      double cx, cy;
      assert_true(sm_areas_centroid(wards, ward_index(codes[w]), &cx, &cy));
      for (size_t j = 0; j < 2 + (m + w) % 4; j++) {
        char d[32];
        snprintf(d, sizeof d, "%04zu-%02zu", 2022 + m / 12, m % 12 + 1);
        sm_time_res res;
        assert_int_equal(sm_time_parse(d, strlen(d), &t[n], &res), SM_OK);
        lcg = lcg * 6364136223846793005u + 1442695040888963407u;
        x[n] = cx + (double)((lcg >> 33) % 500) - 250;
        lcg = lcg * 6364136223846793005u + 1442695040888963407u;
        y[n] = cy + (double)((lcg >> 33) % 500) - 250;
        n++;
      }
    }
  sm_points *p = NULL;
  assert_ok(ctx, sm_points_create(ctx, &p, "EPSG:27700", n, x, y, t, NULL));
  free(x), free(y), free(t);
  sm_plan_options o = SM_PLAN_OPTIONS_INIT;
  o.permutations = 9;
  sm_result *r = NULL;
  assert_ok(ctx, sm_plan_run(ctx, &r, p, wards, &o));
  assert_true(sm_result_figure(r, "backtest_steps") == 12);
  const char *rates[] = {"backtest_hit_rate_promap", "backtest_hit_rate_kde", "backtest_hit_rate_last_month"};
  for (size_t k = 0; k < 3; k++) {
    double h = sm_result_figure(r, rates[k]);
    assert_true(h >= 0 && h <= 1);
  }
  assert_true(sm_result_figure(r, "backtest_pai_promap") > 0);
  assert_contains(sm_result_text(r, "backtest_note"), "% of next month's burglaries in 5% of the area (PAI ");
  assert_contains(sm_result_text(r, "backtest_note"), "the 12 months scored, 2023-07 to 2024-06");
  const sm_layer *L = sm_result_layer_named(r, "plan_wards");
  int64_t cells = 0;
  double share = 0, m2 = 0;
  for (size_t w = 0; w < 4; w++) {
    size_t i = row_of(L, codes[w]);
    assert_false(sm_layer_is_null(L, i, (size_t)col(L, "emerging_category")));
    if (sm_layer_is_null(L, i, (size_t)col(L, "emerging_cells")))
      fail_msg("no emerging_cells: %s / %s", sm_result_text(r, "fishnet_note"), sm_result_text(r, "emerging_note"));
    cells += sm_layer_get_int(L, i, (size_t)col(L, "promap_cells"));
    share += sm_layer_get_double(L, i, (size_t)col(L, "promap_share"));
    double a50 = sm_layer_get_double(L, i, (size_t)col(L, "kde_area_50_m2")),
           a90 = sm_layer_get_double(L, i, (size_t)col(L, "kde_area_90_m2"));
    assert_true(a50 <= a90);
    m2 += a90;
  }
  assert_true(cells >= 1 && share > 0 && share <= 1 + 1e-12 && m2 > 0);
  size_t z = row_of(L, "E05013656"); /* Fortune Green, in the west: no burglary */
  assert_int_equal(sm_layer_get_int(L, z, (size_t)col(L, "promap_cells")), 0);
  assert_true(sm_layer_is_null(L, z, (size_t)col(L, "emerging_category")));
  /* plan_kde_areas: its rows sum to the wards' columns, level by level */
  const sm_layer *K = sm_result_layer_named(r, "plan_kde_areas");
  double sum90 = 0;
  for (size_t k = 0; k < sm_layer_feature_count(K); k++) {
    double share_k = sm_layer_get_double(K, k, (size_t)col(K, "ward_share"));
    assert_true(share_k > 0 && share_k <= 1 + 1e-9);
    if (sm_layer_get_int(K, k, (size_t)col(K, "level")) == 90)
      sum90 += sm_layer_get_double(K, k, (size_t)col(K, "area_m2"));
  }
  double all90 = 0;
  for (size_t i = 0; i < sm_layer_feature_count(L); i++)
    if (!sm_layer_is_null(L, i, (size_t)col(L, "kde_area_90_m2")))
      all90 += sm_layer_get_double(L, i, (size_t)col(L, "kde_area_90_m2"));
  assert_true(fabs(sum90 - all90) <= 1e-9 * all90);
  /* plan_promap_cells: one row per ward top cell, ranked */
  const sm_layer *C = sm_result_layer_named(r, "plan_promap_cells");
  int64_t all = 0;
  for (size_t i = 0; i < sm_layer_feature_count(L); i++) all += sm_layer_get_int(L, i, (size_t)col(L, "promap_cells"));
  assert_int_equal((int64_t)sm_layer_feature_count(C), all);
  assert_true(all <= (int64_t)sm_result_figure(r, "promap_cells"));
  sm_result_destroy(r);
  sm_points_destroy(p);
}

static void options(void **state) {
  (void)state;
  sm_plan_options o;
  assert_int_equal(sm_plan_options_init(&o, 0), SM_E_INVALID_ARG);
  assert_ok(ctx, sm_plan_options_init(&o, SM_PLAN_OPTIONS_VERSION));
  assert_true(o.min_trend_months == 24 && o.top_streets == 10 && o.permutations == 999 && o.suppress_below == 0);
  o.min_trend_months = 2;
  assert_int_equal(sm_plan_options_check(ctx, &o), SM_E_INVALID_ARG);
  sm_plan_options_init(&o, SM_PLAN_OPTIONS_VERSION);
  o.households_field = "hh";
  assert_int_equal(sm_plan_options_check(ctx, &o), SM_E_INVALID_ARG);
  assert_contains(sm_ctx_last_error(ctx), "are for --households");
  sm_result *r = NULL;
  assert_int_equal(sm_plan_run(ctx, &r, NULL, wards, NULL), SM_E_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(mann_kendall_worked), cmocka_unit_test(pages),  cmocka_unit_test(fewer_than_24_months),
      cmocka_unit_test(day_dates),            cmocka_unit_test(suppression),
      cmocka_unit_test(rules_custom),         cmocka_unit_test(rules_unknown_variable),
      cmocka_unit_test(rules_too_few_fields), cmocka_unit_test(rules_bad_operator),
      cmocka_unit_test(rules_not_a_number),   cmocka_unit_test(rules_unknown_placeholder),
      cmocka_unit_test(rules_duplicate_id),   cmocka_unit_test(rules_text_order),
      cmocka_unit_test(rules_empty),          cmocka_unit_test(rules_missing_file),
      cmocka_unit_test(households_ok),        cmocka_unit_test(households_missing_ward),
      cmocka_unit_test(households_zero),      cmocka_unit_test(households_negative),
      cmocka_unit_test(households_not_a_number), cmocka_unit_test(households_no_column),
      cmocka_unit_test(ward_unknown),         cmocka_unit_test(no_dates),
      cmocka_unit_test(rules_documented),     cmocka_unit_test(options),
      cmocka_unit_test(next_too_short),       cmocka_unit_test(next_30_months),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
