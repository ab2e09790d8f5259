/**
 * @file safemap/audit.h
 * @brief Women's safety audit overlay (safemap audit; docs/audit.md): street
 *        segments scored for modelled lighting against EN 13201-2 P classes,
 *        lamps off at an hour of the night, gaps between working lamps, open
 *        maintenance defects, walk-audit scores and VAWG crime, with dark
 *        stretches, priorities and ward summaries.
 *
 * The streets (any OGR line source: OSM extracts, OS Open Roads, a council's
 * network) are noded where lines share a vertex and cut into segments of at
 * most `segment_m`. Lamps (a lamp-column inventory: CSV with Easting/Northing
 * or Longitude/Latitude columns, or any OGR point source) give light at
 * sample points every `sample_m` along each segment through a point-source
 * model: a lamp of flux F lumens (lumens column, or watts × its type's
 * efficacy), maintenance factor MF and mounting height h has the downward
 * intensity I(θ) = I0 cos θ, I0 = F·MF/π candela, so that the horizontal
 * illuminance at horizontal distance r is E(r) = I0 h² / (h² + r²)², whose
 * integral over the ground plane is F·MF. A lamp reaches `reach_factor` × h
 * (10 h holds 99% of its flux).
 * @defgroup audit Safety audit
 * @{
 */
#ifndef SAFEMAP_AUDIT_H
#define SAFEMAP_AUDIT_H
#include "safemap/areas.h"
#include "safemap/points.h"
#include "safemap/result.h"
#ifdef __cplusplus
extern "C" {
#endif

/** The police.uk crime types read as violence against women and girls (VAWG) by default (safemap audit's
 * --crime-types): comma-separated, for sm_read_options.types. */
#define SM_AUDIT_VAWG_TYPES "Violence and sexual offences,Robbery,Public order,Theft from the person"

/** EN 13201-2 P (pedestrian and low-speed) lighting classes. */
typedef enum sm_light_class {
  SM_LIGHT_CLASS_AUTO = 0, /**< by street type (docs/audit.md's table) */
  SM_LIGHT_P1 = 1,         /**< average 15 lx, minimum 3 lx */
  SM_LIGHT_P2 = 2,         /**< 10 lx, 2 lx */
  SM_LIGHT_P3 = 3,         /**< 7.5 lx, 1.5 lx */
  SM_LIGHT_P4 = 4,         /**< 5 lx, 1 lx */
  SM_LIGHT_P5 = 5,         /**< 3 lx, 0.6 lx */
  SM_LIGHT_P6 = 6,         /**< 2 lx, 0.4 lx */
  SM_LIGHT_CLASS_END_
} sm_light_class;

/** "P1".."P6" ("auto" for SM_LIGHT_CLASS_AUTO); NULL when out of range. @since 0.3 */
SM_API const char *sm_light_class_name(sm_light_class c);
/** The class named "P1".."P6" (case-insensitive) or "auto". @return SM_OK, SM_E_INVALID_ARG. @since 0.3 */
SM_API sm_status sm_light_class_from_name(sm_ctx *ctx, const char *name, sm_light_class *out);
/** EN 13201-2's maintained average and minimum horizontal illuminance of a P class, in lux (0 when out of
 * range or auto). @since 0.3 */
SM_API void sm_light_class_lux(sm_light_class c, double *average_lx, double *minimum_lx);

/** Lamp types, each with a default luminous efficacy (lumens per watt; docs/audit.md). */
typedef enum sm_lamp_type {
  SM_LAMP_LED = 0,         /**< "LED": 100 lm/W */
  SM_LAMP_HPS = 1,         /**< "HPS" (SON, high-pressure sodium): 90 lm/W */
  SM_LAMP_LPS = 2,         /**< "LPS" (SOX, low-pressure sodium): 140 lm/W */
  SM_LAMP_MH = 3,          /**< "MH" (metal halide, CDM, CosmoPolis): 85 lm/W */
  SM_LAMP_FLUORESCENT = 4, /**< "fluorescent" (CFL, PL, T5): 60 lm/W */
  SM_LAMP_MERCURY = 5,     /**< "mercury" (MBF, high-pressure mercury): 45 lm/W */
  SM_LAMP_TYPE_END_
} sm_lamp_type;
/** The type's name ("LED", "HPS", ...); NULL when out of range. @since 0.3 */
SM_API const char *sm_lamp_type_name(sm_lamp_type t);
/** The type's default efficacy in lm/W (0 when out of range). @since 0.3 */
SM_API double sm_lamp_type_efficacy(sm_lamp_type t);
/** The type named `name` by sm_lamp_type_parse()'s words. @return SM_OK, SM_E_INVALID_ARG (the message lists the
 * types). @since 0.3 */
SM_API sm_status sm_lamp_type_from_name(sm_ctx *ctx, const char *name, sm_lamp_type *out);
/** The type a lamp-type text names ("LED", "SON-T", "sox", "CDM", "PL-L", ...: docs/audit.md lists the words),
 * case-insensitive. @return 1 when recognised, 0 otherwise (*out unchanged). @since 0.3 */
SM_API int sm_lamp_type_parse(const char *text, sm_lamp_type *out);

/** A lamp's switching. */
typedef struct sm_light_regime {
  int all_night;  /**< 1: on from dusk to dawn (photocells "35/18", "70/35", "Dusk-Dawn", "all night") */
  int off_from;   /**< part-night: off from this minute after midnight (0..1439) ... */
  int off_to;     /**< ... to this one (exclusive; may wrap past midnight) */
} sm_light_regime;
/**
 * Parses a switching-regime text: photocell ratios ("35/18", "70/35", "55/28"), "Dusk-Dawn", "dusk to
 * dawn", "all night", "all-night" or empty (on all night), or a part-night window when the lamp is off
 * ("00:00-05:30", "0000-0530", "part night 00:30-05:30", "midnight-05:30").
 * @return 1 when parsed, 0 when not. @since 0.3
 */
SM_API int sm_light_regime_parse(const char *text, sm_light_regime *out);
/** 1 when a lamp of this regime is on at `minute` (0..1439 after midnight; < 0: the hour is not given,
 * every working lamp is on). @since 0.3 */
SM_API int sm_light_regime_on(const sm_light_regime *regime, int minute);
/**
 * Horizontal illuminance (lux) at horizontal distance r_m from a lamp of `flux_lm` lumens × `mf`
 * mounted h_m high, under the cosine intensity above: F·MF/π · h² / (h² + r²)²; 0 beyond reach_m.
 * @since 0.3
 */
SM_API double sm_light_illuminance(double flux_lm, double mf, double h_m, double r_m, double reach_m);

/** A time of night "HH:MM" (00:00 to 23:59, 24:00 = 00:00) as minutes after midnight.
 * @return SM_OK, SM_E_INVALID_ARG ("--hour '25:00' is not a time of day (HH:MM)"). @since 0.3 */
SM_API sm_status sm_audit_hour_parse(sm_ctx *ctx, const char *text, int *minute);

/** Options of sm_audit_run(). Fields are only appended; set with SM_AUDIT_OPTIONS_INIT. */
typedef struct sm_audit_options {
  int version;                  /**< SM_AUDIT_OPTIONS_VERSION */
  const char *streets;          /**< street lines: any OGR source (--streets; required) */
  const char *streets_layer;    /**< its layer (--streets-layer); NULL = the first line layer */
  const char *streets_where;    /**< OGR SQL filter replacing the default highway filter (--where) */
  const char *lights;           /**< lamp-column inventory: CSV or OGR points (--lights) */
  const char *lights_layer;     /**< its layer (--lights-layer) */
  const char *lights_crs;       /**< CRS of the lamps' coordinate columns when it cannot be told (--lights-crs) */
  const char *defects;          /**< maintenance defects: points with category, reported and fixed dates (--defects) */
  const char *defects_layer;    /**< its layer */
  const char *audits;           /**< walk audits: points rated 0-3 per parameter (--audits) */
  const char *audits_layer;     /**< its layer */
  const char *audit_parameters; /**< the parameters, comma-separated; NULL = Safetipin's nine (docs/audit.md) */
  const char *at;               /**< defects open at this date ("YYYY-MM-DD"; --at); NULL = open now (no fixed date) */
  double segment_m;             /**< longest segment (--segment, 25 m) */
  double sample_m;              /**< longest spacing of the illuminance samples along a segment (--sample, 5 m) */
  sm_light_class target;        /**< --target P1..P6 for every segment; auto = by street type */
  double maintenance_factor;    /**< --maintenance-factor (0.8) */
  sm_lamp_type default_lamp_type; /**< type of lamps whose type is unknown or not given (--lamp-type, HPS) */
  double default_height_m;      /**< --height for lamps without one; 0 = by street type (docs/audit.md) */
  double reach_factor;          /**< a lamp lights up to reach_factor × its height (--reach-factor, 10) */
  double lamp_offset_m;         /**< lamps within this of a street count for its gaps (--lamp-offset, 20 m) */
  int hour;                     /**< minutes after midnight (--hour HH:MM); -1 = every working lamp on */
  double defect_radius_m;       /**< --defect-radius (30 m) */
  double lamp_defect_radius_m;  /**< an open street-light defect within this puts a lamp out (15 m) */
  double audit_radius_m;        /**< --audit-radius (50 m) */
  double crime_radius_m;        /**< a crime counts for its nearest segment within this (--crime-radius, 50 m) */
  double crime_bandwidth_m;     /**< quartic KDE radius of the crimes (--crime-bandwidth); 0 = spatial Silverman */
  double min_dark_m;            /**< shortest dark stretch reported (--min-dark, 50 m) */
  size_t top;                   /**< priorities listed (--top, 50) */
  double weights[5];            /**< priority weights: darkness, maintenance, perception, pins, crime
                                     (--priority-weights; 0.35,0.15,0.2,0.1,0.2); any scale, normalised */
  const char *pins;             /**< unsafe-place pins (StreetSafe-like): points with factor columns (--pins) */
  const char *pins_layer;       /**< its layer */
  double pin_radius_m;          /**< pins this close to a segment count (--pin-radius, 50 m) */
  const char *cctv;             /**< CCTV cameras: points, with a radius column or cctv_radius_m (--cctv) */
  const char *cctv_layer;       /**< its layer */
  double cctv_radius_m;         /**< a camera's view when it has no radius column (--cctv-radius, 30 m) */
  const char *const *area_counts; /**< maintenance reports counted per area, category and month (FixMyStreet per
                                     LSOA): CSV files, directories or globs (--defect-areas); borrowed */
  size_t n_area_counts;         /**< their number */
  const char *area_polygons;    /**< the areas' polygons (--defect-area-polygons, e.g. LSOA 2011) */
  const char *area_categories;  /**< category codes to keep, comma-separated ("B19,B25,B28"); NULL = all */
  const char *photometry;       /**< IES LM-63 files by lamp type: "LED=a.ies,HPS=b.ies" (--photometry) */
  const char *defects_crs;      /**< CRS of the defects' coordinate columns (--defects-crs), as lights_crs */
  const char *audits_crs;       /**< CRS of the walk audits' coordinate columns (--audits-crs) */
  const char *pins_crs;         /**< CRS of the pins' coordinate columns (--pins-crs) */
  const char *cctv_crs;         /**< CRS of the cameras' coordinate columns (--cctv-crs) */
} sm_audit_options;
#define SM_AUDIT_OPTIONS_VERSION 1
#define SM_AUDIT_OPTIONS_INIT                                                                                        \
  {SM_AUDIT_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,              \
   25, 5, SM_LIGHT_CLASS_AUTO, 0.8, SM_LAMP_HPS, 0, 10, 20, -1, 30, 15, 50, 50, 0, 50, 50,                       \
   {0.35, 0.15, 0.2, 0.1, 0.2}, NULL, NULL, 50, NULL, NULL, 30, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL}

/** Sets `opts` to the defaults of `version`. @return SM_OK, SM_E_INVALID_ARG. @since 0.3 */
SM_API sm_status sm_audit_options_init(sm_audit_options *opts, int version);
/**
 * Checks the options alone, as sm_audit_run() does first: streets required, at least one of lights,
 * defects, audits or crimes (have_crimes), numbers in range, weights not negative with a positive sum,
 * the hour in 0..1439, the date. What depends on the data is left to the run.
 * @return SM_OK or SM_E_INVALID_ARG (the message names the option as the command line spells it).
 * @since 0.3
 */
SM_API sm_status sm_audit_options_check(sm_ctx *ctx, const sm_audit_options *opts, int have_crimes);
/**
 * The safety audit overlay (safemap audit; docs/audit.md). Reads the streets and the other sources named in
 * `opts` (lamps, defects, walk audits, unsafe-place pins, CCTV, maintenance counts per area, IES files) into
 * the crimes' analysis CRS (else the wards', else EPSG:27700 in Great Britain and the local UTM zone
 * elsewhere), cuts the streets into segments and scores every segment: modelled light against its EN 13201-2
 * class at opts->hour, distances to lit lamps, open defects, audit means, pins, CCTV share, VAWG crimes and
 * their density, and a priority from 0 to 100 whose five contributions add up to it. With wards, segments
 * whose middle is in no ward are left out (a note says how many).
 *
 * Layers: "audit_segments" (lines), "dark_stretches" (multilines), "audit_priorities" (lines), "audit_lamps"
 * (points, with lamps) and "audit_wards" (polygons, with wards); docs/audit.md lists every column. Each
 * carries the run's recipe: the inputs and what was read, used and skipped by reason, every option, the
 * efficacy table, the lamps off and why, the warnings and notes.
 *
 * Figures: "segments", "street_km", "lamps", "lamps_working", "lamps_lit", "lamps_off_at_hour",
 * "lamps_out", "segments_below_target", "km_below_target", "dark_stretches", "dark_km", "crimes",
 * "crimes_on_streets", "defects_open", "audits", and with their inputs "pins", "pins_near_streets",
 * "cctv_cameras", "cctv_km", "area_reports", "area_reports_on_streets". Texts: "top_1".."top_3" (the first
 * priorities and their reasons), "note" (streets left out or beyond the lamps).
 *
 * The same result for any thread count (sm_ctx_set_threads). Not to be called on one ctx from two threads
 * at once.
 *
 * @param crimes VAWG crimes (read with types = SM_AUDIT_VAWG_TYPES), or NULL.
 * @param wards NULL, or the wards to summarise by (in the crimes' CRS when both are given).
 * @param opts streets required (NULL options are refused as having none).
 * @param[out] out free with sm_result_destroy().
 * @return SM_OK; SM_E_INVALID_ARG (options: the message names the option as the command line spells it);
 *   SM_E_INPUT (streets that are not lines or without any left, no usable lamp, a wattage that is 0, negative
 *   or not a number, a regime or status that cannot be read, scores outside 0-3, defects fixed before
 *   reported, no lamp within reach of any street, no street in the wards, and the other inputs' bad rows:
 *   each message names the file, row, field and value); SM_E_CRS (a source with no CRS, or one that cannot be
 *   transformed); SM_E_IO (a source that cannot be opened); SM_E_NOMEM; SM_E_CANCELLED.
 * @since 0.3
 */
SM_API sm_status sm_audit_run(sm_ctx *ctx, sm_result **out, const sm_points *crimes, const sm_areas *wards,
                              const sm_audit_options *opts);

#ifdef __cplusplus
}
#endif
/** @} */
#endif /* SAFEMAP_AUDIT_H */
