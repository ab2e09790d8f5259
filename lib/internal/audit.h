/* The safety audit's inside (audit*.c): the inputs as read, the segment network, and the per-segment
 * figures. Internal. */
#ifndef SM_INTERNAL_AUDIT_H
#define SM_INTERNAL_AUDIT_H
#include "safemap.h"

/* ---- inputs ------------------------------------------------------------------------------------ */

/* What a reader did with a source's rows (for the recipe). */
typedef struct sm__audit_tally {
  uint64_t read;        /* features (rows) seen */
  uint64_t kept;        /* used */
  uint64_t no_position; /* skipped: no usable position */
  uint64_t filtered;    /* left out by the filter (streets: highway types; defects: not open at the date) */
  char example[256];    /* the first skipped row, "FILE:ROW: field 'Easting' value ''" */
} sm__audit_tally;

/* Street lines in the analysis CRS: line i has vertices vx/vy[off[i] .. off[i+1]). */
typedef struct sm__streets {
  size_t n;
  size_t *off;
  double *vx, *vy;
  char **name;    /* street name, NULL when none */
  char **highway; /* OSM highway (or the network's road type), NULL when none */
  char **source_id;
  sm__audit_tally tally;
  char *name_field, *highway_field, *id_field; /* the columns used ("" when none) */
  char *input_crs;
  uint64_t filtered_by_type[16]; /* not used */
} sm__streets;

/* Lamps in the analysis CRS. */
typedef struct sm__lamps {
  size_t n;
  double *x, *y;
  double *flux;        /* lumens before the maintenance factor */
  double *watts;       /* as read; NaN when the lumens were given */
  unsigned char *flux_src; /* 0 lumens column, 1 wattage, 2 no wattage given: the inventory's median wattage */
  size_t no_watts;         /* lamps with neither lumens nor wattage */
  double median_watts;     /* what they took */
  char no_watts_example[200]; /* the first of them, "FILE: line 20" */
  double *height;      /* metres; NaN = not given (set by street type later) */
  unsigned char *type; /* sm_lamp_type */
  unsigned char *type_known; /* 1 when the row named a known type; 0: the default was used */
  unsigned char *out;  /* 1: status says not working */
  sm_light_regime *regime;
  char **regime_text;
  char **street, **ward, **id;
  long *row;
  unsigned char *on;      /* at the hour: 1 lit, 0 off (out, defect or part-night) */
  unsigned char *why_off; /* 0 lit, 1 out (status), 2 street-light defect, 3 part-night at the hour */
  size_t unknown_types;   /* rows whose type text was not recognised */
  int has_type, has_lumens, has_height, has_status, has_regime;
  sm__audit_tally tally;
  char *input_crs;
  char *fields; /* "position Easting/Northing; wattage Wattage; regime Switch Regime; ..." */
} sm__lamps;

/* Defects (maintenance reports) open at the date. */
typedef struct sm__defects {
  size_t n;
  double *x, *y;
  char **category;
  double *weight;         /* by category (docs/audit.md) */
  double *age_days;       /* open for this long at the date (NaN when no reported date) */
  unsigned char *is_light; /* a street-light report (puts a lamp within lamp_defect_radius out) */
  sm__audit_tally tally;
  char *input_crs;
} sm__defects;

/* Walk audits: n points, p parameters; score[i * p + k] in 0..3 or NaN (not rated). */
typedef struct sm__audits {
  size_t n, p;
  double *x, *y;
  double *score;
  char **param; /* p names */
  sm__audit_tally tally;
  char *input_crs;
} sm__audits;

/* Unsafe-place pins (StreetSafe-like reports): points, each naming some factors. StreetSafe's six are always
 * factors 0..5; others (factor_* columns, list items) follow, up to SM__PIN_FACTORS (the last then takes the
 * rest as "other factors"). */
#define SM__PIN_FACTORS 32
#define SM__PIN_KNOWN 6
typedef struct sm__pins {
  size_t n;
  double *x, *y;
  uint32_t *factors;             /* bit k: the pin names factor k */
  size_t nf;                     /* factors known */
  char *factor[SM__PIN_FACTORS]; /* "street lighting", ... */
  char *column[SM__PIN_FACTORS]; /* "pins_street_lighting", ... */
  uint64_t lumped;               /* factor texts counted under "other factors" */
  sm__audit_tally tally;
  char *input_crs;
  char *fields;                  /* "position ...; factor columns ...; factor lists ..." */
} sm__pins;

/* CCTV cameras: points, each with the radius of its view. */
typedef struct sm__cameras {
  size_t n;
  double *x, *y, *r;
  size_t default_radius; /* cameras that took --cctv-radius (no radius column, or blank there) */
  double max_r;
  sm__audit_tally tally;
  char *input_crs;
  char *fields;
} sm__cameras;

/* Maintenance reports counted per area, category and month (FixMyStreet per LSOA), summed per polygon. */
typedef struct sm__area_counts {
  sm_areas *areas;         /* the polygons, in the analysis CRS */
  double *total;           /* per polygon: the kept categories' reports over the files */
  size_t files;
  int months_known;        /* every file name holds a month (YYYY-MM) */
  size_t months;           /* distinct months of the file names */
  int month_first, month_last; /* year * 12 + month - 1 */
  uint64_t rows, rows_kept, rows_other_category;
  double reports;          /* kept, in a polygon */
  double unknown_reports;  /* kept, their code no polygon's id */
  size_t unknown_codes;    /* distinct such codes */
  char unknown_example[300];
  char fields[400];        /* "area lsoa, category SHEF_B_CODE, count reports" (the first file's) */
  char *categories;        /* the kept categories as asked, or NULL = all */
  char *categories_missing; /* asked for, in no row: "B99, B98" */
} sm__area_counts;

/* Reading them (audit_inputs_read.c); each frees what it made on failure. */
sm_status sm__audit_read_pins(sm_ctx *ctx, const sm_audit_options *o, const char *crs, sm__pins *p);
sm_status sm__audit_read_cameras(sm_ctx *ctx, const sm_audit_options *o, const char *crs, sm__cameras *c);
sm_status sm__audit_read_area_counts(sm_ctx *ctx, const sm_audit_options *o, const char *crs, sm__area_counts *a);
void sm__pins_free(sm__pins *p);
void sm__cameras_free(sm__cameras *c);
void sm__area_counts_free(sm__area_counts *a);

/* ---- the segment network ------------------------------------------------------------------------ */

typedef struct sm__net {
  size_t n;              /* segments */
  size_t *off;           /* vertices of segment i: vx/vy[off[i] .. off[i+1]) */
  double *vx, *vy;
  int64_t *node_from, *node_to;
  size_t n_nodes;
  double *length;
  double *mx, *my;       /* the point halfway along */
  size_t *street;        /* source line index */
  double *chain0;        /* chainage of the segment's start along its source line */
} sm__net;

/* Reading (audit_read.c). `crs` is the analysis CRS. Each frees what it made on failure. */
sm_status sm__audit_read_streets(sm_ctx *ctx, const sm_audit_options *o, const char *crs, sm__streets *s);
sm_status sm__audit_read_lamps(sm_ctx *ctx, const sm_audit_options *o, const char *crs, sm__lamps *l);
sm_status sm__audit_read_defects(sm_ctx *ctx, const sm_audit_options *o, const char *crs, sm__defects *d);
sm_status sm__audit_read_audits(sm_ctx *ctx, const sm_audit_options *o, const char *crs, sm__audits *a);
/* The analysis CRS chosen from the streets' centre (no crimes given); malloc'd into *crs. */
sm_status sm__audit_streets_crs(sm_ctx *ctx, const sm_audit_options *o, char **crs);
void sm__streets_free(sm__streets *s);
void sm__lamps_free(sm__lamps *l);
void sm__defects_free(sm__defects *d);
void sm__audits_free(sm__audits *a);

/* The network (audit_net.c): lines noded where they share a vertex, cut into pieces of at most seg_m. */
sm_status sm__net_build(sm_ctx *ctx, const sm__streets *s, double seg_m, sm__net *net);
void sm__net_free(sm__net *net);
/* Keeps the segments with keep[s] (in order; nodes keep their numbers). */
sm_status sm__net_keep(sm_ctx *ctx, sm__net *net, const unsigned char *keep);
/* The point at distance t along segment i. */
void sm__net_point_at(const sm__net *net, size_t i, double t, double *x, double *y);
/* Distance from (x, y) to segment i, and the distance along it of the nearest point (may be NULL). */
double sm__net_distance(const sm__net *net, size_t i, double x, double y, double *along);

/* A uniform grid over points (or segment boxes) for "what is near here". */
typedef struct sm__grid {
  double x0, y0, cell;
  size_t nx, ny;
  size_t *start; /* nx * ny + 1 */
  size_t *item;
} sm__grid;
/* Items with boxes [bx0, by0, bx1, by1] (4 n values) or points (bb NULL, x/y given). */
sm_status sm__grid_build(sm_ctx *ctx, sm__grid *g, size_t n, const double *x, const double *y, const double *bb,
                         double cell);
void sm__grid_free(sm__grid *g);
/* The grid of the segments' boxes. */
sm_status sm__net_grid(sm_ctx *ctx, const sm__net *net, double cell, sm__grid *g);
/* For each of n points, the nearest segment within `radius` (seg -1: none; ties to the lower segment), the
 * distance along it and the distance to it (along, dist may be NULL). In parallel; the same for any threads. */
void sm__net_nearest(const sm_ctx *ctx, const sm__net *net, const sm__grid *g, size_t n, const double *x,
                     const double *y, double radius, long *seg, double *along, double *dist);
/* Cell range covering [x - r, x + r] × [y - r, y + r], clamped; 0 when none. */
int sm__grid_range(const sm__grid *g, double x, double y, double r, size_t *i0, size_t *i1, size_t *j0, size_t *j1);

/* IES photometry by lamp type (--photometry): the C-averaged intensity profile of each type's file, or NULL
 * for the cosine model. */
typedef struct sm__photometry {
  double *profile[SM_LAMP_TYPE_END_];
  size_t n[SM_LAMP_TYPE_END_];
  double lumens[SM_LAMP_TYPE_END_];  /* the file's lamp lumens; NaN: absolute photometry */
  double flux[SM_LAMP_TYPE_END_];    /* the luminaire's flux integrated from the file */
  double downward[SM_LAMP_TYPE_END_];
  char *path[SM_LAMP_TYPE_END_];
  char version[SM_LAMP_TYPE_END_][24];
} sm__photometry;
/* Reads "LED=a.ies,HPS=b.ies" (check_only: the names and pairs, no file read). */
sm_status sm__photometry_read(sm_ctx *ctx, const char *text, int check_only, sm__photometry *ph);
void sm__photometry_free(sm__photometry *ph);

/* ---- lighting (audit_light.c) -------------------------------------------------------------------- */

/* The target class and the default mounting height of a highway type (NULL: untyped, P4 and 6 m). */
void sm__street_defaults(const char *highway, sm_light_class *target, double *height_m);
/* Average and minimum illuminance at the sample points of every segment (the lamps lit, l->on), and the lit
 * lamps within reach of it. */
sm_status sm__audit_illuminance(sm_ctx *ctx, const sm__net *net, const sm__lamps *l, const double *reach,
                                const sm__photometry *ph, double mf, double sample_m, double *avg, double *min,
                                int32_t *nlamps);
/* Along the streets: the distance from each segment's middle to the nearest lit lamp, and the gap between lit
 * lamps it lies in (twice the farthest any point of it is from one); NaN when none can be reached. */
sm_status sm__audit_lamp_distances(sm_ctx *ctx, const sm__net *net, const sm__lamps *l, const long *seg,
                                   const double *along, double *near, double *gap);

/* ---- one run (audit_run.c scores, audit_out.c makes the layers) --------------------------------- */

enum { SM__C_DARK = 0, SM__C_MAINT, SM__C_PERC, SM__C_PINS, SM__C_CRIME, SM__C_END };

typedef struct sm__audit {
  sm_ctx *ctx;
  const sm_audit_options *o;
  const sm_points *crimes;
  const sm_areas *wards;
  char *crs;
  sm__streets streets;
  sm__net net;
  sm__grid seg_grid;
  int have_lights, have_defects, have_audits;
  sm__lamps lamps;
  sm__photometry photometry;
  sm__defects defects;
  sm__audits audits;
  /* lamps */
  double *reach;       /* metres */
  long *lamp_seg;      /* nearest segment within the largest reach, -1 none */
  double *lamp_along, *lamp_dist;
  size_t lamps_on, lamps_off_hour, lamps_out, lamps_defect_out, lamps_default_height;
  /* per segment */
  double *lux_avg, *lux_min;
  int32_t *lamps_lit;
  double *near_lamp, *gap;
  unsigned char *cls;          /* target class */
  unsigned char *below;
  int32_t *defects_n;
  double *defect_score, *defect_oldest;
  char **defect_cats;           /* "footway 2; street light 1" or NULL */
  int32_t *audits_n;
  double *audit_param;          /* n × p inverse-distance means, NaN without audits nearby */
  double *audit_mean;
  int32_t *crimes_n;
  double *crime_per_100m, *crime_kde;
  double crime_bandwidth;
  int crime_bandwidth_fixed;   /* 1: too few places for the rule: 200 m */
  int32_t *ward;                /* ward of the midpoint, -1 none */
  double *s[SM__C_END];         /* components 0..1 */
  double *c[SM__C_END];         /* contributions to the priority (0..100 in all) */
  double *priority;
  size_t *order;                /* segments by priority, highest first */
  size_t *rank;                 /* 1-based */
  /* dark stretches: segment -> stretch (-1 none), and per stretch */
  long *stretch_of;
  size_t n_stretches;
  size_t outside_wards;      /* segments left out: their middle is in no ward */
  double outside_wards_km;
  double unlit_km;           /* street with no lamp (lit or not) within 100 m: outside the inventory? */
  char *warnings;            /* the run's own warnings (data problems), logged once, on every layer */
  char *notes;               /* what is worth knowing (streets outside the wards, beyond the lamps), likewise */
  /* unsafe-place pins, CCTV, maintenance counts per area (audit_inputs.c; NULL arrays when not given) */
  int have_pins, have_cctv, have_area_counts;
  sm__pins pins;
  sm__cameras cameras;
  sm__area_counts areac;
  double *pins_n;            /* per segment: pins within --pin-radius of its line */
  int32_t *pins_f;           /* n x pins.nf: of them, those naming each factor */
  size_t pins_near;          /* pins within --pin-radius of some segment */
  double *cctv_share, *cctv_m; /* per segment: share and metres of it within some camera's view */
  int32_t *area_of;          /* per segment: the polygon of its middle, -1 none */
  double *area_reports;      /* per segment: its area's reports x its length / the area's audited length (NaN: none) */
  double *area_rate;         /* per segment: its area's reports per km of audited street (per year with months) */
  double *area_km;           /* per polygon: audited street km */
  size_t area_no_street;     /* polygons with reports but no audited street ... */
  double area_no_street_reports; /* ... and their reports */
  size_t area_outside;       /* segments whose middle lies in no polygon ... */
  double area_outside_km;    /* ... and their km */
  char *inputs_notes;        /* warnings of these inputs, joined into the run's warnings */
} sm__audit;

/* Pins, CCTV and area counts per segment (audit_inputs.c): after the segments are final; their warnings
 * into A->inputs_notes. */
sm_status sm__audit_inputs_score(sm__audit *A);
void sm__audit_inputs_free(sm__audit *A);
/* "4 unsafe-place pins (street lighting 3, followed 1)" */
void sm__audit_pins_text(const sm__audit *A, size_t s, char *b, size_t size);
/* "12.5 area reports per km a year in E01000915 (...)" */
void sm__audit_area_text(const sm__audit *A, size_t s, char *b, size_t size);
/* The recipe items "pins", "cctv" and "defect_areas". */
sm_status sm__audit_inputs_recipe(const sm__audit *A, sm_layer *L);
/* The figures of these inputs. */
sm_status sm__audit_inputs_figures(const sm__audit *A, sm_result *r);

/* The layers of a scored run into r (audit_out.c). */
sm_status sm__audit_layers(sm__audit *A, sm_result *r);
/* The reasons text of segment s ("below P4: 1.2 lx average; ..."); into buf. */
void sm__audit_reasons(const sm__audit *A, size_t s, char *buf, size_t size);
/* "12 read, 11 lamps used, 1 skipped without a position (the first: ...)" into b. */
void sm__audit_tally_text(const sm__audit_tally *t, const char *what, char *b, size_t size);
/* Sets metadata item k of L to the formatted text. */
sm_status sm__audit_meta(const sm__audit *A, sm_layer *L, const char *k, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* The recipe shared by every layer: inputs, what was read and skipped, every option, the efficacy table. */
sm_status sm__audit_recipe(const sm__audit *A, sm_layer *L);

#endif
