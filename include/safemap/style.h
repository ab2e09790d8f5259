/**
 * @file safemap/style.h
 * @brief How a result is drawn: one description per layer or surface that drives the QGIS style stored in
 * every GeoPackage, the colours of the map tiles and the viewer's legend.
 *
 * A style is one of four kinds: a single symbol; categories (a colour and a label per value of a field:
 * Gi* bins, local Moran classes, emerging hot spot categories, lamp states); classes (a colour per range of
 * a numeric field: counts per ward, audit priority); or a ramp for a surface (a colour per range of cell
 * values, with the lowest values transparent). sm_style_for_layer() picks the style of each layer safemap
 * makes from its fields; sm_style_for_raster() classifies a surface's values (quantile, equal interval,
 * Jenks natural breaks or fixed breaks) over a named colour ramp. The ramps are data: viridis and magma
 * (Smith and van der Walt's matplotlib colour maps, CC0) in 33 stops of matplotlib's 256-entry tables, and
 * ColorBrewer's YlOrRd, Reds, Blues and RdBu (Cynthia Brewer, Apache 2.0). sm_write_layers() stores each
 * layer's QGIS style in the GeoPackage (layer_styles) and sm_write_raster() a GeoTIFF's beside it (.qml);
 * docs/styles.md shows what each output looks like.
 * @defgroup style Style
 * @{
 */
#ifndef SAFEMAP_STYLE_H
#define SAFEMAP_STYLE_H

#include <math.h>
#include <stdint.h>

#include "safemap/layer.h"
#include "safemap/raster.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A style. Opaque; free with sm_style_destroy(). */
typedef struct sm_style sm_style;

/** What a style colours by. */
typedef enum sm_style_kind {
  SM_STYLE_SINGLE = 0,     /**< one symbol for every feature */
  SM_STYLE_CATEGORIES = 1, /**< a colour per value of a field (text, or a whole number) */
  SM_STYLE_CLASSES = 2,    /**< a colour per range (lower, upper] of a numeric field (the first range closed) */
  SM_STYLE_RAMP = 3        /**< a surface: a colour per range (lower, upper] of cell values; at or below the
                                first lower bound (the threshold), transparent */
} sm_style_kind;

/** How the ranges of a SM_STYLE_CLASSES or SM_STYLE_RAMP style are cut. */
typedef enum sm_style_classes {
  SM_CLASSES_QUANTILE = 0, /**< equal numbers of (positive) values per class */
  SM_CLASSES_EQUAL = 1,    /**< equal widths from the threshold to the maximum */
  SM_CLASSES_JENKS = 2,    /**< Jenks natural breaks (Fisher's exact optimisation, on at most 5,000 values) */
  SM_CLASSES_FIXED = 3     /**< the breaks given */
} sm_style_classes;

/** One class of a style: its range or value, its label in the legend and its colour. */
typedef struct sm_style_class {
  double lower;      /**< classes and ramps: the range's lower bound (exclusive, except a field's first class);
                          categories: the value as a number, NaN for text */
  double upper;      /**< classes and ramps: its upper bound (inclusive; values above the last take its colour) */
  const char *value; /**< categories: the field's value as text ("3", "HH"); NULL otherwise */
  const char *label; /**< legend text, e.g. "Hot spot, 99% confidence" or "12.5 – 40.1" */
  uint8_t rgba[4];   /**< fill (or line, or point) colour; alpha 0 = not drawn */
} sm_style_class;

/** Options of sm_style_for_raster(). Fields are only appended. */
typedef struct sm_style_options {
  int version;             /**< SM_STYLE_OPTIONS_VERSION */
  const char *ramp;        /**< "viridis" (default), "magma", "ylorrd", "reds", "blues", "rdbu"; NULL = default */
  sm_style_classes method; /**< default SM_CLASSES_QUANTILE */
  int n_classes;           /**< 2 to 12; default 7; ignored with SM_CLASSES_FIXED */
  const double *breaks;    /**< SM_CLASSES_FIXED: the n_breaks increasing upper bounds of the classes, the
                                last one the top of the scale; values above it take the last colour */
  size_t n_breaks;
  double threshold;        /**< values <= threshold are transparent; NaN (the default) = 0 for surfaces
                                with no negative value, else the minimum */
  double opacity;          /**< 0 to 1, the alpha of every class; default 0.8 */
} sm_style_options;

#define SM_STYLE_OPTIONS_VERSION 1
#define SM_STYLE_OPTIONS_INIT {SM_STYLE_OPTIONS_VERSION, NULL, SM_CLASSES_QUANTILE, 7, NULL, 0, NAN, 0.8}

/**
 * Initialises options to their defaults.
 * @return SM_OK or SM_E_INVALID_ARG (unknown version).
 * @since 0.3
 */
SM_API sm_status sm_style_options_init(sm_style_options *opts, int version);

/**
 * The style of a layer safemap makes, chosen from its fields: `gi_bin` (Gi* hot and cold spots at 99/95/90%,
 * red–white–blue; `gi_bin_fdr` instead in an Optimized Hot Spot Analysis layer, one with the "optimised"
 * metadata item, or when it is the only bin), `lisa_class` (local Moran High-High, Low-Low, High-Low, Low-High, not significant),
 * `category` in an emerging layer (the 17 emerging hot spot categories), `state` of audit lamps, `priority` of
 * audit segments (YlOrRd classes), dark stretches, `percent` of KDE hot-spot areas, ProMap `rank`, scan
 * clusters, routes, counts per area; any other layer gets a single symbol. A layer without geometry gets a
 * single style too (nothing to draw).
 * @param[out] out free with sm_style_destroy().
 * @return SM_OK, SM_E_INVALID_ARG (NULL), SM_E_NOMEM.
 * @since 0.3
 */
SM_API sm_status sm_style_for_layer(sm_ctx *ctx, const sm_layer *layer, sm_style **out);

/**
 * The style safemap gives a layer when it is coloured by `field`, one of those sm_style_for_layer() chooses
 * from (`gi_bin`, `gi_bin_fdr`, `lisa_class`, `category`, `priority`, ...): for a layer that can be drawn
 * more than one way, such as a hot-spot layer by its Gi* bins or by its local Moran's I classes. The
 * GeoPackage writer stores these as further, non-default styles in layer_styles.
 * @param[out] out free with sm_style_destroy().
 * @return SM_OK, SM_E_INVALID_ARG (NULL, or the layer has no such field that safemap colours), SM_E_NOMEM.
 * @since 0.3
 */
SM_API sm_status sm_style_for_field(sm_ctx *ctx, const sm_layer *layer, const char *field, sm_style **out);

/**
 * A ramp style for a surface: its classes cut from the cell values above the threshold (nodata and
 * non-finite cells left out) by opts->method, coloured from opts->ramp. The title and units come from the
 * raster's metadata ("description" or "name", and "units").
 * @param opts NULL for the defaults.
 * @param[out] out free with sm_style_destroy().
 * @return SM_OK, SM_E_INVALID_ARG (unknown ramp, classes out of range, breaks not increasing, opacity not in
 *         0..1), SM_E_INPUT (no cell above the threshold: nothing to draw), SM_E_NOMEM.
 * @since 0.3
 */
SM_API sm_status sm_style_for_raster(sm_ctx *ctx, const sm_raster *raster, const sm_style_options *opts,
                                     sm_style **out);

/** Frees a style. NULL is a no-op. @since 0.3 */
SM_API void sm_style_destroy(sm_style *style);

/** The kind. @since 0.3 */
SM_API sm_style_kind sm_style_get_kind(const sm_style *style);
/** The field coloured by (borrowed); NULL for single symbols and ramps. @since 0.3 */
SM_API const char *sm_style_field(const sm_style *style);
/** The legend's title (borrowed), e.g. "Gi* hot and cold spots". @since 0.3 */
SM_API const char *sm_style_title(const sm_style *style);
/** The units of the values (borrowed), e.g. "crimes per km²"; "" when none. @since 0.3 */
SM_API const char *sm_style_units(const sm_style *style);
/** The geometry the style draws: SM_GEOM_NONE for surfaces and tables. @since 0.3 */
SM_API sm_geom_type sm_style_geom_type(const sm_style *style);
/** The number of classes (0 for a single symbol). @since 0.3 */
SM_API size_t sm_style_class_count(const sm_style *style);
/** Class i (strings borrowed), in legend order. @return SM_OK or SM_E_INVALID_ARG (i out of range). @since 0.3 */
SM_API sm_status sm_style_class_get(const sm_style *style, size_t i, sm_style_class *out);
/** The colour of a single symbol's features. @since 0.3 */
SM_API void sm_style_single_color(const sm_style *style, uint8_t rgba[4]);

/**
 * The colour of a value: ramps and classes by range (transparent below the first class, NaN or at most the
 * threshold), categories by the value as a whole number (use sm_style_color_text for text). Thread-safe.
 * @since 0.3
 */
SM_API void sm_style_color(const sm_style *style, double value, uint8_t rgba[4]);
/** The colour of a category's text value (transparent when not a category). @since 0.3 */
SM_API void sm_style_color_text(const sm_style *style, const char *value, uint8_t rgba[4]);

/**
 * The style as a QGIS style document (QML) for a layer of geometry type `geom` (or a raster when
 * SM_GEOM_NONE and the style is a ramp): categorized, graduated or single-symbol renderers, and a
 * single-band pseudocolour renderer with discrete classes for surfaces (a first, transparent entry at the
 * threshold whose label names the units); labels as in the legend (a field's classes end with its units).
 * Checked with QGIS 3.22: the renderer, the classes and every feature's match (tests/qgis).
 * @param[out] qml NUL-terminated, free with sm_free().
 * @return SM_OK, SM_E_NOMEM.
 * @since 0.3
 */
SM_API sm_status sm_style_qml(sm_ctx *ctx, const sm_style *style, sm_geom_type geom, char **qml);

/**
 * The style as JSON for a web map's legend and colouring:
 * {"kind": "categories"|"classes"|"ramp"|"single", "field": ..., "title": ..., "units": ...,
 *  "classes": [{"lower": .., "upper": .., "value": .., "label": .., "color": "#rrggbb", "opacity": 0..1}],
 *  a category that is no finding ("Not significant", "No pattern detected") also has "neutral": true (a web map
 *  draws its outline only, over a surface),
 *  "color": "#rrggbb" (single)}.
 * @param[out] json free with sm_free().
 * @since 0.3
 */
SM_API sm_status sm_style_json(sm_ctx *ctx, const sm_style *style, char **json);

/**
 * The colour of a named ramp at t in [0, 1] (clamped), interpolated between its stops.
 * @return SM_OK or SM_E_INVALID_ARG (unknown ramp: the message lists the names).
 * @since 0.3
 */
SM_API sm_status sm_style_ramp_color(sm_ctx *ctx, const char *ramp, double t, uint8_t rgb[3]);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_STYLE_H */
