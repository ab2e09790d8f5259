/* safemap plan: per-ward burglary plans, the numbers (GeoPackage or CSV). */
#include "cli.h"

#include <math.h>
#include <string.h>

static const cli_command PLAN = {
    "plan",
    "POINTS... --wards W -o DIR|OUT.gpkg|OUT.csv [--households CSV] [--ward CODE]\n"
    "[--suppress-below K] [--rules FILE] [--title TEXT] [options]",
    "The numbers of a burglary plan for every ward: how many and which way (the whole\n"
    "period, the last 12 months against the 12 before, the Mann-Kendall trend of the\n"
    "monthly counts, the peak calendar months, rank and share in the borough, with\n"
    "--households the rate per 1,000 households), where (the top streets from police.uk's\n"
    "Location, repeat locations: the same snap point 2+ times in the last 12 months, the\n"
    "ward's Gi* and local Moran class among the wards, the hot cells of an optimised\n"
    "fishnet whose centre is in it), for how long (the borough's near-repeat window from\n"
    "a Knox test in calendar months: police.uk dates are months, nothing finer can be\n"
    "seen), the ward's emerging hot spot category and its cells', the parts of the\n"
    "borough KDE's 50/75/90% hot-spot areas in it, and what next: ProMap's top 5% cells\n"
    "for the month after the last in the ward, the borough's back-test of ProMap, KDE and\n"
    "last month's counts over the last 12 months (with 24 or more), and actions from rules\n"
    "over those numbers (docs/plan_rules.md; --rules FILE replaces the built-in ones),\n"
    "each naming the number that triggered it.\n"
    "Dates finer than months are counted in their calendar month. A trend needs 24\n"
    "months and the year-on-year change 24: with fewer they say \"not enough data\" and why.\n"
    "\n"
    "-o DIR (a name without .gpkg or .csv) makes a folder of pages people read:\n"
    "DIR/index.html (every ward ranked, linked) and DIR/<ward code>.html per ward (the\n"
    "numbers, a chart of the months, a map, streets, repeats, the near-repeat window,\n"
    "next month's forecast, the actions; opens offline, prints on A4), with every figure\n"
    "in DIR/plans.gpkg and DIR/plans*.csv.\n"
    "OUT.gpkg gets the layers plan_wards (ward polygons, ranked), plan_months (ward x\n"
    "month, zeros included, with the rolling 12-month total), plan_streets, plan_repeats\n"
    "(points), plan_hot_cells (polygons), plan_actions, plan_kde_areas and\n"
    "plan_promap_cells (polygons), each with how it was made; OUT.csv gets plan_wards and\n"
    "OUT_months.csv, OUT_streets.csv, OUT_repeats.csv, OUT_hot_cells.csv, OUT_actions.csv,\n"
    "OUT_kde_areas.csv, OUT_promap_cells.csv. --suppress-below K publishes every count of\n"
    "burglaries below K as NULL with \"fewer than K\" in its text column.\n",
    "# Camden's 20 wards, March 2022 to February 2025, as pages and files in a folder\n"
    "safemap plan data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg -o camden_plans\n"
    "xdg-open camden_plans/index.html\n"
    "# the numbers alone, as a GeoPackage\n"
    "safemap plan data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg -o camden_plan.gpkg\n"
    "ogrinfo camden_plan.gpkg -sql \"SELECT ward_name, total, trend, actions FROM plan_wards LIMIT 5\"\n"
    "# one ward, for publication, with rates (households: ward code, households)\n"
    "safemap plan data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --ward E05013655 \\\n"
    "    --households data/synthetic/camden_households_synthetic.csv --suppress-below 5 -o camden_town.csv\n",
    CLI_G_INPUT | CLI_G_AREAS | CLI_G_OUTPUT | CLI_G_SEED | CLI_G_STRICT,
    NULL};

static void summary(const cli_run *r) {
  const sm_result *res = r->result;
  char b1[32], b2[32];
  fprintf(stderr, "safemap plan: %.0f wards, %s burglaries in them from %s to %s (%.0f months); %s in no ward\n",
          sm_result_figure(res, "wards"), cli_num((unsigned long long)sm_result_figure(res, "points_in_wards"), b1, sizeof b1),
          sm_result_text(res, "period_first"), sm_result_text(res, "period_last"), sm_result_figure(res, "months"),
          cli_num((unsigned long long)sm_result_figure(res, "points_outside_wards"), b2, sizeof b2));
  const sm_layer *L = sm_result_layer_named(res, "plan_wards");
  long fr = sm_layer_field_index(L, "rank"), fn = sm_layer_field_index(L, "ward_name"),
       fc = sm_layer_field_index(L, "ward_code"), ft = sm_layer_field_index(L, "total_text"),
       fw = sm_layer_field_index(L, "trend");
  for (size_t i = 0; i < sm_layer_feature_count(L) && i < 5; i++)
    fprintf(stderr, "safemap plan: %2lld. %s (%s): %s burglaries, %s\n", (long long)sm_layer_get_int(L, i, (size_t)fr),
            sm_layer_get_string(L, i, (size_t)fn), sm_layer_get_string(L, i, (size_t)fc),
            sm_layer_get_string(L, i, (size_t)ft), sm_layer_get_string(L, i, (size_t)fw));
  const char *notes[] = {"nr_window", "gi_note", "fishnet_note"};
  for (size_t k = 0; k < 3; k++) {
    const char *t = sm_result_text(res, notes[k]);
    if (t && strstr(t, "not computed")) fprintf(stderr, "safemap plan: %s\n", t);
    else if (k == 0 && t && *t) fprintf(stderr, "safemap plan: near repeats: %s\n", t);
  }
  const char *nr = sm_result_text(res, "near_repeat_note");
  if (nr && strstr(nr, "not computed")) fprintf(stderr, "safemap plan: %s\n", nr);
  const char *bt = sm_result_text(res, "backtest_note");
  if (bt && *bt) fprintf(stderr, "safemap plan: back-test: %s\n", bt);
  fprintf(stderr, "safemap plan: %.0f actions\n", sm_result_figure(res, "actions"));
  cli_wrote(r);
}

int cmd_plan(int argc, char **argv) {
  sm_plan_options po;
  sm_plan_options_init(&po, SM_PLAN_OPTIONS_VERSION);
  sm_plan_pages_options pages;
  sm_plan_pages_options_init(&pages, SM_PLAN_PAGES_OPTIONS_VERSION);
  cli_opt opts[] = {
      CLI_O_STRING("households", &po.households, "CSV", "ward code and households per ward: rates per 1,000\n"
                                                        "households (every ward needs a number > 0)"),
      CLI_O_STRING("households-id", &po.households_id_field, "NAME", "its ward code column (default: the first)"),
      CLI_O_STRING("households-field", &po.households_field, "NAME", "its denominator column (default households)"),
      CLI_O_STRING("ward", &po.ward, "CODE", "the plan of this ward alone (ranks stay the borough's)"),
      CLI_O_UINT("suppress-below", &po.suppress_below, "K", 0, 1000000,
                 "counts of burglaries below K as \"fewer than K\" (default 0: none)"),
      CLI_O_STRING("rules", &po.rules, "FILE", "the action rules (default: the built-in ones, docs/plan_rules.md)"),
      CLI_O_UINT("permutations", &po.permutations, "N", 1, 1000000,
                 "of the near-repeat Knox test's dates (default 999)"),
      CLI_O_STRING("title", &pages.title, "TEXT", "the pages' title (-o DIR; default: Burglary plans, FIRST to LAST)"),
      CLI_O_FLAG("pdf", 0, &pages.pdf, "-o DIR: each page also as PDF on A4, through headless Chromium"),
      CLI_O_END};
  cli_run r;
  /* -o is a folder, a GeoPackage or a CSV: sm_plan_write_check() checks it */
  if (!cli_start(&r, &PLAN, opts, CLI_NEEDS_INPUT | CLI_NEEDS_WARDS | CLI_NEEDS_OUTPUT | CLI_WITH_LABELS | CLI_OUTPUT_IS_DIR,
                 NULL, argc, argv))
    return cli_finish(&r);
  pages.overwrite = r.o.overwrite;
  po.seed = r.o.seed;
  if (po.households) cli_protect(&r, po.households);
  if (po.rules) cli_protect(&r, po.rules);
  sm_status st = sm_plan_options_check(r.ctx, &po);
  if (!st) st = sm_plan_write_check(r.ctx, r.o.output, &pages); /* before the plan is computed */
  if (st) {
    cli_error(&r, st);
    return cli_finish(&r);
  }
  if (cli_read(&r)) {
    st = sm_plan_run(r.ctx, &r.result, r.points, r.areas, &po);
    if (!st) st = sm_plan_write(r.ctx, r.result, r.o.output, &pages);
    if (st) cli_error(&r, st);
    else if (cli_talk(&r)) summary(&r);
  }
  return cli_finish(&r);
}
