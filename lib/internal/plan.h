/* The plan pipeline's parts (plan.c, plan_rules.c, plan_where.c, plan_inputs.c). Internal. */
#ifndef SM_INTERNAL_PLAN_H
#define SM_INTERNAL_PLAN_H

#include "safemap.h"

/* ---- the variables a rule may test and an action text may quote (docs/plan_rules.md) ---------------- */
enum {
  SM_PV_WARD_CODE, SM_PV_WARD_NAME, SM_PV_TOTAL, SM_PV_LAST12, SM_PV_PREV12, SM_PV_CHANGE, SM_PV_CHANGE_PCT,
  SM_PV_MK_S, SM_PV_MK_Z, SM_PV_MK_P, SM_PV_MK_TAU, SM_PV_TREND, SM_PV_PEAK_MONTHS, SM_PV_RANK, SM_PV_WARDS,
  SM_PV_SHARE_PCT, SM_PV_HOUSEHOLDS, SM_PV_RATE, SM_PV_BOROUGH_RATE, SM_PV_GI_CLASS, SM_PV_LISA_CLASS,
  SM_PV_HOT_CELLS, SM_PV_HOT_CELLS_99, SM_PV_HOT_CELLS_95, SM_PV_HOT_CELLS_90, SM_PV_REPEAT_LOCATIONS,
  SM_PV_REPEAT_INCIDENTS, SM_PV_TOP_STREET, SM_PV_NR_SIGNIFICANT, SM_PV_NR_DISTANCE, SM_PV_NR_MONTHS,
  SM_PV_NR_WINDOW, SM_PV_PROMAP_CELLS, SM_PV_PROMAP_SHARE_PCT, SM_PV_EMERGING_CATEGORY, SM_PV_END_
};

/* One ward's value of a variable. */
typedef struct sm__plan_value {
  int null;          /* not known for this ward (not enough data, no households) */
  int is_text;
  double num;
  const char *text;  /* borrowed */
  int count;         /* a count of incidents: "fewer than K" when below the suppression threshold */
} sm__plan_value;

const char *sm__plan_var_name(int v);

/* One test of a rule's condition: VARIABLE OP VALUE. */
typedef struct sm__plan_test {
  int var;          /* SM_PV_* tested */
  int op;           /* 0 >=, 1 >, 2 <=, 3 <, 4 ==, 5 != */
  double value;
  char *value_text; /* for text variables */
} sm__plan_test;

#define SM__PLAN_MAX_TESTS 4
/* One rule: "id | condition | text", the condition "always" or up to 4 tests joined by "and". */
typedef struct sm__plan_rule {
  char *id, *text;
  size_t n_tests; /* 0: always */
  sm__plan_test test[SM__PLAN_MAX_TESTS];
} sm__plan_rule;

typedef struct sm__plan_rules {
  sm__plan_rule *r;
  size_t n;
  char *source; /* "built-in" or the file */
} sm__plan_rules;

/* Parses rules text (`file` names it in messages). SM_E_INPUT "FILE:LINE: field 'F': ..." for a bad rule. */
sm_status sm__plan_rules_parse(sm_ctx *ctx, const char *text, const char *file, sm__plan_rules *out);
/* The rules of `path` (NULL: the built-in ones). SM_E_IO when it cannot be read. */
sm_status sm__plan_rules_load(sm_ctx *ctx, const char *path, sm__plan_rules *out);
void sm__plan_rules_free(sm__plan_rules *rules);
/* Does the rule fire on these values? A NULL value never fires. */
int sm__plan_rule_fires(const sm__plan_rule *rule, const sm__plan_value *vals);
/* The action text with {variable} filled in, and the trigger ("hot_cells = 4 (>= 1)"); malloc'd.
 * suppress: K (0 none). */
sm_status sm__plan_rule_apply(sm_ctx *ctx, const sm__plan_rule *rule, const sm__plan_value *vals, unsigned suppress,
                              char **text_out, char **trigger_out);
/* A value as text for a person ("fewer than 5" for a suppressed count; "" for NULL); writes buf. */
const char *sm__plan_value_str(const sm__plan_value *v, int var, unsigned suppress, char *buf, size_t size);

/* ---- households ------------------------------------------------------------------------------------- */
/* Reads the denominators of every area from the CSV `path` into hh (n = sm_areas_count values). SM_E_INPUT
 * naming the ward and file:line for a missing ward, a duplicate, a value that is not a number > 0. */
sm_status sm__plan_households(sm_ctx *ctx, const char *path, const char *id_field, const char *field,
                              const sm_areas *areas, double *hh);
/* The index of the ward `code`, or SM_E_INPUT listing the closest and the known codes. */
sm_status sm__plan_find_ward(sm_ctx *ctx, const sm_areas *areas, const char *code, size_t *index);

/* ---- the spatial analyses (plan_where.c) ------------------------------------------------------------- */
typedef struct sm__plan_where {
  /* per ward (n wards) */
  double *gi_z, *gi_p;
  int *gi_bin, *gi_bin_fdr;
  char (*lisa)[4];
  int (*hot)[4]; /* [0] all hot cells, [1] 90%, [2] 95%, [3] 99% */
  sm_layer *hot_cells; /* plan_hot_cells: the hot cells of every ward, or of ward `only` */
  int gi_ok, fishnet_ok, nr_ok;
  char *gi_note, *fishnet_note, *nr_note; /* how each was made, or why it could not be */
  char *gi_recipe, *fishnet_recipe;
  size_t nr_significant;
  double nr_distance_m; /* the largest distance band end with a significant cell (0: same location) */
  int nr_months;        /* the largest time band end (months) with a significant cell */
  char *nr_window;      /* in words */
  char *nr_cells;       /* the significant cells' sentences, "; " between */
  double fishnet_cell_m, fishnet_band_m; /* the optimised fishnet's cell and distance band (with fishnet_ok) */
} sm__plan_where;

/* Runs Gi* and local Moran with the wards as units, Gi* on the optimised fishnet, the Knox test. only: the ward
 * whose hot cells are listed, -1 every ward. */
sm_status sm__plan_where_run(sm_ctx *ctx, const sm_points *points, const sm_areas *areas, unsigned permutations,
                             uint64_t seed, long only, sm__plan_where *w);
void sm__plan_where_free(sm__plan_where *w);
/* The centre of the bounding box of a (multi)polygon's first ring (a grid cell's centre); 0 when not a polygon. */
int sm__plan_cell_centre(const unsigned char *wkb, size_t n, double *x, double *y);

/* ---- what next, and the remaining where (plan_next.c) -------------------------------------------------- */
#define SM__PLAN_KDE_LEVELS 3
typedef struct sm__plan_next {
  /* emerging hot spots: the wards as locations, and the optimised fishnet's cells */
  int em_ok, emc_ok;
  int *em_category;        /* per ward: sm_ehsa_category, -1 when the ward is not a location (no burglary) */
  int (*em_cells)[17];     /* per ward: cells whose centre is in it, by category */
  char *em_note;
  /* KDE hot-spot areas clipped to the wards */
  int kde_ok;
  double (*kde_m2)[SM__PLAN_KDE_LEVELS]; /* per ward: area of the 50, 75, 90% areas in it */
  sm_layer *kde_areas;     /* plan_kde_areas */
  char *kde_note;
  /* ProMap's forecast of the month after the last: its top cells per ward */
  int pm_ok;
  int64_t *pm_cells;
  double *pm_share;
  size_t pm_top;           /* the borough's top cells */
  char pm_month[16];
  sm_layer *pm_layer;      /* plan_promap_cells */
  char *pm_note;
  /* the borough's back-test at 5% coverage */
  int bt_ok;
  double bt_steps, bt_hit[3], bt_pai[3]; /* promap, kde, last month; NaN when not run */
  char *bt_note;
} sm__plan_next;

extern const double SM__PLAN_KDE_PERCENTS[SM__PLAN_KDE_LEVELS];

/* Runs the emerging hot spot analyses, the borough KDE's hot-spot areas in the wards, ProMap's forecast and the
 * back-test. T: months in the period. only: the ward whose rows the layers keep, -1 every ward. */
sm_status sm__plan_next_run(sm_ctx *ctx, const sm_points *points, const sm_areas *areas, const sm__plan_where *where,
                            size_t T, long only, sm__plan_next *n);
void sm__plan_next_free(sm__plan_next *n);

/* lib/plan_pdf.c: the browser that prints the pages ($SAFEMAP_CHROMIUM, else chromium, chromium-browser or
 * google-chrome on the PATH; sm__malloc'd, NULL when none), and each DIR/NAME.html printed to DIR/NAME.pdf. */
char *sm__chromium_path(void);
sm_status sm__plan_write_pdf(sm_ctx *ctx, const char *dir);

#endif
