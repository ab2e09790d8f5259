/* One plan run's state, shared by plan.c (the numbers) and plan_layers.c (the layers). Internal. */
#ifndef SM_INTERNAL_PLAN_RUN_H
#define SM_INTERNAL_PLAN_RUN_H

#include "internal/plan.h"

typedef struct sm__plan_ward {
  int64_t total, last12, prev12; /* last12 with 12 months or more, prev12 with 24 */
  sm_mann_kendall mk;
  int has_mk;
  const char *trend;  /* static */
  char *trend_note, *change_note;
  char peak[40];      /* "Nov, Dec, Jan" */
  int n_peak;
  double peak_mean;
  long rank;
  char gi_class[24];
  size_t repeat_locations;
  int64_t repeat_incidents;
  char *top_street;
} sm__plan_ward;

typedef struct sm__plan {
  sm_ctx *ctx;
  const sm_points *pts;
  const sm_areas *areas;
  const sm_plan_options *o;
  size_t nw, T, outside;
  int32_t m0;          /* month index of the period's first month */
  int32_t *ward_of;    /* per point: ward, -1 none */
  int32_t *month_of;   /* per point: month of the period, 0..T-1 */
  int64_t *cnt;        /* ward x month */
  double *hh;          /* households per ward, or NULL */
  double brate;        /* the borough's burglaries in the last 12 months per 1,000 households */
  int64_t btotal, blast12, bprev12;
  unsigned K;          /* suppress counts below K (0: none) */
  long only;           /* --ward's index, -1 every ward */
  sm__plan_ward *w;
  size_t *order;       /* wards by rank, then code */
  sm__plan_where where;
  sm__plan_next next;
  sm__plan_rules rules;
  char *time_note, *period;
} sm__plan;

/* Month m of the period as "YYYY-MM". */
void sm__plan_month(const sm__plan *P, size_t m, char *buf, size_t size);
/* Ward a's values of the rules' variables (SM_PV_END_ of them). */
void sm__plan_values(const sm__plan *P, size_t a, sm__plan_value *v);
/* Builds every layer into r (streets and repeats first: the ward rows quote them). */
sm_status sm__plan_layers(sm__plan *P, sm_result *r, size_t *n_actions);

#endif
