/**
 * @file safemap/plan.h
 * @brief Per-ward burglary plans: the numbers of every ward's plan (how many
 *        and which way, where, for how long, what next), as `safemap plan`
 *        writes them (docs/plan.md, docs/plan_rules.md).
 *
 * The plan calls the library's own analyses: the points are located in the
 * wards (sm_areas_locate()), the hot spots are sm_hotspots_run() with the
 * wards as units and on an optimised fishnet, the near-repeat window is
 * sm_nearrepeat_run() in calendar months, the trend is
 * sm_mann_kendall_test(), the emerging hot spots sm_emerging_run() (the
 * wards, and the optimised fishnet's cells), the hot-spot areas
 * sm_kde_run()'s (clipped to the wards with GEOS), and what next
 * sm_forecast_run() (ProMap) and sm_backtest_run(). The actions come from rules that are data (a
 * built-in template, sm_plan_default_rules(), or a file of the same form).
 * @defgroup plan Ward plans
 * @{
 */
#ifndef SAFEMAP_PLAN_H
#define SAFEMAP_PLAN_H

#include "safemap/areas.h"
#include "safemap/points.h"
#include "safemap/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options of sm_plan_run(). Fields are only ever appended; set with SM_PLAN_OPTIONS_INIT or sm_plan_options_init(). */
typedef struct sm_plan_options {
  int version;                     /**< SM_PLAN_OPTIONS_VERSION */
  const char *ward;                /**< --ward: the code of the one ward to plan; NULL (default) = every ward. The
                                        analyses still run over all wards (ranks and shares are the borough's) */
  const char *households;          /**< --households: a CSV of ward code and households (the denominator of the
                                        rates); NULL (default) = no rates */
  const char *households_id_field; /**< --households-id: its ward code column; NULL (default) = the first column */
  const char *households_field;    /**< --households-field: its denominator column; NULL (default) = "households" */
  unsigned suppress_below;         /**< --suppress-below K: every count of incidents below K is NULL, with
                                        "fewer than K" in its text column; 0 (default) = none */
  const char *rules;               /**< --rules: the action rules file (docs/plan_rules.md); NULL (default) =
                                        the built-in template, sm_plan_default_rules() */
  unsigned min_trend_months;       /**< months a trend needs (the Mann-Kendall test of the monthly series);
                                        fewer give "not enough data" with the reason; default 24 (two seasonal
                                        cycles); at least 3; no CLI option */
  unsigned top_streets;            /**< streets listed per ward (default 10); no CLI option */
  unsigned permutations;           /**< --permutations: of the Knox near-repeat test (default 999) */
  uint64_t seed;                   /**< --seed: of the Knox permutations (default 0) */
} sm_plan_options;

#define SM_PLAN_OPTIONS_VERSION 1
#define SM_PLAN_OPTIONS_INIT {SM_PLAN_OPTIONS_VERSION, NULL, NULL, NULL, NULL, 0, NULL, 24, 10, 999, 0}

/** Initialises options to their defaults. @return SM_OK, or SM_E_INVALID_ARG unless 1 <= version <= SM_PLAN_OPTIONS_VERSION. @since 0.3 */
SM_API sm_status sm_plan_options_init(sm_plan_options *opts, int version);

/**
 * Checks the options before any data is read, with the messages sm_plan_run()
 * would give: the numbers, and the rules file parsed (a bad rule is refused as
 * "FILE:LINE: field 'condition': unknown variable 'x' (...)").
 * @return SM_OK, SM_E_INVALID_ARG (a bad option), SM_E_IO (the rules file cannot be read), SM_E_INPUT (a bad rule).
 * @since 0.3
 */
SM_API sm_status sm_plan_options_check(sm_ctx *ctx, const sm_plan_options *opts);

/** The built-in action rules, in the form of a rules file (docs/plan_rules.md). Static. @since 0.3 */
SM_API const char *sm_plan_default_rules(void);

/**
 * The numbers of a burglary plan for every ward (or opts->ward alone).
 *
 * The period is the first to the last month of the points (calendar months:
 * police.uk's dates are months; dates and times of day are grouped into their
 * month, and the metadata says so). "Last 12 months" are the period's last 12,
 * "the 12 before" the 12 before them. Counts are of the points in each ward
 * (sm_areas_locate(): a point on a shared edge in exactly one); the points in
 * no ward are counted in the figures, not in any ward.
 *
 * Layers (every one carries its recipe: the inputs, the period, every option,
 * the methods, and with suppression what was suppressed):
 * - "plan_wards" (ward polygons), ranked (1 = most burglaries, ties share the
 *   rank; then by code): ward_code, ward_name, total (burglaries in the
 *   period), last12, prev12, change (last12 − prev12), change_pct (% of prev12;
 *   NULL when prev12 is 0), change_note, mk_s, mk_z, mk_p, mk_tau (Mann-Kendall
 *   of the monthly series), trend ("rising", "falling", "no clear trend" at
 *   p < 0.05, "not enough data", "no burglaries"), trend_note, peak_months (the
 *   three calendar months of highest mean count, "Nov, Dec, Jan"),
 *   peak_mean (incidents per month in the first of them), rank, share
 *   (0..1 of the borough's total in wards), households, rate_per_1000
 *   (last12 per 1,000 households), borough_rate_per_1000, gi_z, gi_p,
 *   gi_bin, gi_bin_fdr, gi_class (Gi* with the wards as units, queen
 *   contiguity; the class from gi_bin_fdr: "hot spot 99%", "cold spot 90%",
 *   "not significant"), lisa_class (local Moran: HH, LL, LH, HL, or "" when
 *   not significant), hot_cells, hot_cells_99, hot_cells_95, hot_cells_90
 *   (optimised fishnet cells with gi_bin_fdr 3, 2, 1 whose centre is in the
 *   ward), repeat_locations, repeat_incidents, top_street, nr_window (the
 *   borough's near-repeat window in words), reasons (the numbers in one
 *   paragraph), actions (the actions triggered, "; " between them);
 *   emerging_category (the ward's emerging hot spot category, ArcGIS Pro's
 *   words, from sm_emerging_run() with the wards as locations, monthly steps,
 *   the defaults otherwise; NULL for a ward without a burglary),
 *   emerging_cells (the categories of the optimised fishnet's cells whose
 *   centre is in the ward, counted: "2 new hot spots, 1 sporadic hot spot";
 *   "" when none has a pattern), kde_area_50_m2, kde_area_75_m2,
 *   kde_area_90_m2 (the parts of the borough KDE's 50/75/90% hot-spot areas
 *   in the ward, m²), promap_cells (the ward's cells among ProMap's top 5%
 *   for the month after the last: their centre in the ward) and
 *   promap_share (0..1: their share of the borough's forecast); and the
 *   text columns total_text, last12_text, prev12_text ("fewer than K" where
 *   suppressed). Counts are INT64; the rest DOUBLE or STRING.
 * - "plan_months" (table): ward_code, ward_name, month (YYYY-MM), count,
 *   count_text, rolling12 (the 12 months ending with it; NULL in the first
 *   11), rolling12_text; every ward x month, zeros included.
 * - "plan_streets" (table): ward_code, ward_name, rank, location (police.uk's
 *   "On or near X"), street (X), count, count_text, last12, last12_text: the
 *   top_streets locations of most burglaries in the period (ties by name).
 * - "plan_repeats" (points): ward_code, ward_name, rank, location, lon, lat,
 *   count, count_text, months ("2024-03 (2), 2024-07"): every snap point (the
 *   same coordinates) with 2 or more burglaries in the last 12 months, most
 *   first (ties by longitude, latitude).
 * - "plan_hot_cells" (polygons): ward_code, ward_name, cell_id, count, gi_z,
 *   gi_bin_fdr: the fishnet's hot cells (gi_bin_fdr > 0) whose centre is in a
 *   ward.
 * - "plan_actions" (table): ward_code, ward_name, rule, action, trigger (the
 *   number that triggered it, "hot_cells = 4 (>= 1)"), variable, value.
 * - "plan_kde_areas" (multipolygons): ward_code, ward_name, level (50, 75,
 *   90), area_m2, ward_share (0..1 of the ward's area): the borough KDE's
 *   hot-spot areas (sm_kde_run() with the wards, the data-driven bandwidth
 *   and cell, every burglary of the period) intersected with each ward; a row
 *   per ward and level with a part in it.
 * - "plan_promap_cells" (polygons): ward_code, ward_name, cell_id (row x
 *   width + column of the forecast's grid, row 0 northernmost), rank (among
 *   the borough's top cells), expected (the cell's ProMap risk): ProMap's
 *   top 5% cells for the month after the last whose centre is in a ward.
 * CSV companions: OUT_months.csv, OUT_streets.csv, OUT_repeats.csv,
 * OUT_hot_cells.csv, OUT_actions.csv, OUT_kde_areas.csv,
 * OUT_promap_cells.csv.
 *
 * An analysis the data cannot support (too few incidents for the optimised
 * fishnet, every ward with the same count, no pair within the near-repeat
 * bands, fewer than 10 months or 3 wards with burglaries for the emerging
 * hot spots, a KDE bandwidth smaller than its cell) leaves its columns NULL
 * (its layer empty, with its columns) and says why in the metadata (gi_note,
 * fishnet_note, near_repeat_note, emerging_note, kde_note, promap_note,
 * backtest_note) and in the figures' texts. emerging_note also says when the
 * data is thin (fewer than 1 burglary per location and month on average).
 *
 * The back-test (sm_backtest_run(): ProMap, the KDE and last month's counts,
 * each month predicted from the months before it, scored at 5% coverage on
 * the forecast's grid) scores the period's last 12 months when it has 24 or
 * more; with fewer its figures are NaN and backtest_note says "not enough
 * data: 18 months; the back-test needs 24 (...)".
 *
 * Figures: "wards" (in the plan), "points", "points_in_wards",
 * "points_outside_wards", "months", "borough_total", "borough_last12",
 * "borough_rate_per_1000" (NaN without households), "near_repeat_significant",
 * "hot_cells", "actions", "backtest_steps" (months scored),
 * "backtest_hit_rate_promap", "backtest_pai_promap", "backtest_hit_rate_kde",
 * "backtest_pai_kde", "backtest_hit_rate_last_month",
 * "backtest_pai_last_month" (means over the months scored; NaN when not
 * run), "promap_cells" (the borough's top cells; NaN when not run). Texts:
 * "period_first", "period_last", "nr_window", "gi_note", "fishnet_note",
 * "near_repeat_note", "time_note", "emerging_note", "kde_note",
 * "promap_note", "promap_month" (the month forecast, "2025-03"),
 * "backtest_note" (one sentence: "ProMap found 33% of next month's
 * burglaries in 5% of the area (PAI 6.5); KDE 37%; last month's counts 23%
 * (...)"). The layers' metadata carry the notes too, and "backtest" (the
 * means, full precision) when the back-test ran.
 *
 * @param points the burglaries, with dates (not empty); @param areas the wards (required).
 * @param opts NULL = defaults.
 * @param[out] out free with sm_result_destroy().
 * @return SM_OK; SM_E_INVALID_ARG (NULL, an options version this library does
 *   not know, a bad option); SM_E_INPUT (no points, points without dates, a
 *   --ward code that is not one of the wards: the closest and the known codes
 *   listed; a households table missing a ward or with a value that is not a
 *   number > 0: the ward named; a bad rule); SM_E_IO (a file that cannot be
 *   read); SM_E_CRS; SM_E_NOMEM; SM_E_CANCELLED.
 * @since 0.3
 */
SM_API sm_status sm_plan_run(sm_ctx *ctx, sm_result **out, const sm_points *points, const sm_areas *areas,
                             const sm_plan_options *opts);

/** Options of sm_plan_write_pages(). Fields are only ever appended. */
typedef struct sm_plan_pages_options {
  int version;       /**< SM_PLAN_PAGES_OPTIONS_VERSION */
  const char *title; /**< the pages' title; NULL (default) = "Burglary plans, FIRST to LAST" */
  int overwrite;     /**< sm_plan_write(): 1 = replace an existing output */
  int pdf;           /**< sm_plan_write() into a folder: 1 = each page also as PDF (NAME.pdf, A4) through headless
                          Chromium ($SAFEMAP_CHROMIUM, else chromium on the PATH); without Chromium the write is
                          refused before anything is computed (sm_plan_write_check()) */
} sm_plan_pages_options;

#define SM_PLAN_PAGES_OPTIONS_VERSION 1
#define SM_PLAN_PAGES_OPTIONS_INIT {SM_PLAN_PAGES_OPTIONS_VERSION, NULL, 0, 0}

/** Initialises options to their defaults. @return SM_OK, or SM_E_INVALID_ARG (NULL, unknown version). @since 0.3 */
SM_API sm_status sm_plan_pages_options_init(sm_plan_pages_options *opts, int version);

/**
 * The plans as pages people read, from sm_plan_run()'s result alone: `dir/index.html` (every ward ranked, with
 * its burglaries, last 12 months, change, trend, Gi* class, hot cells and number of actions, each ward linked)
 * and `dir/<ward code>.html` per ward: the headline numbers; a chart of burglaries per month over the period (the
 * last 12 months darker, suppressed months hatched) and of the mean by calendar month; a map (the ward's outline
 * over its neighbours', its hot cells by confidence, the KDE hot-spot areas, next month's ProMap cells, the
 * repeat locations, a scale bar and a north arrow, in the wards' CRS; the hot cells in the shared style's colours,
 * sm_style_for_field()); the top streets and repeat locations; the
 * near-repeat window; next month's forecast and how far to trust it (the back-test); the actions, each with the
 * number that triggered it; and how the plan was made, with police.uk's attribution. Self-contained (CSS,
 * charts and map inline as SVG: nothing from the network), and printable on A4 (a ward's plan on one to three
 * pages). Counts suppressed in the plan (--suppress-below) read "fewer than K" here too.
 * @return SM_OK, SM_E_INVALID_ARG (not a plan's result), SM_E_IO (cannot write), SM_E_NOMEM.
 * @since 0.3
 */
SM_API sm_status sm_plan_write_pages(sm_ctx *ctx, const sm_result *plan, const char *dir,
                                     const sm_plan_pages_options *opts);

/**
 * Writes the plans where `safemap plan -o PATH` puts them: PATH ending in .gpkg or .csv gets the layers
 * (sm_result_write(), CSV companions beside it); any other PATH is a folder holding the pages
 * (sm_plan_write_pages()), plans.gpkg and plans.csv with its companions (plans_months.csv, ...), made under a
 * temporary name and moved into place complete. An existing output is replaced only with opts->overwrite.
 * @return SM_OK, SM_E_IO (exists without overwrite, a folder that is a file, cannot write), SM_E_INVALID_ARG
 *         (opts->pdf with a .gpkg or .csv), SM_E_UNSUPPORTED (opts->pdf without Chromium), SM_E_DEPENDENCY
 *         (Chromium failed), SM_E_NOMEM.
 * @since 0.3
 */
SM_API sm_status sm_plan_write(sm_ctx *ctx, const sm_result *plan, const char *path, const sm_plan_pages_options *opts);

/** What sm_plan_write() refuses before a plan is computed: an output that exists without overwrite, a folder
 * that is a file, a GeoPackage or CSV that cannot be written. @since 0.3 */
SM_API sm_status sm_plan_write_check(sm_ctx *ctx, const char *path, const sm_plan_pages_options *opts);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_PLAN_H */
