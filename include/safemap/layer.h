/**
 * @file safemap/layer.h
 * @brief sm_layer: features (geometry + typed attribute columns) and metadata.
 *
 * Every vector result of safemap is an sm_layer; writers (write.h) take
 * layers and nothing else. Columns are stored column-wise. Geometries are
 * ISO WKB in the layer's CRS. Metadata is an ordered list of key/value
 * strings recording how the layer was made.
 * @defgroup layer Layer
 * @{
 */
#ifndef SAFEMAP_LAYER_H
#define SAFEMAP_LAYER_H

#include "context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A table of features. Opaque. */
typedef struct sm_layer sm_layer;

/** Attribute column types. */
typedef enum sm_field_type {
  SM_FIELD_INT64 = 0,
  SM_FIELD_DOUBLE = 1,
  SM_FIELD_STRING = 2
} sm_field_type;

/** Geometry type of a layer. */
typedef enum sm_geom_type {
  SM_GEOM_NONE = 0,        /**< attribute table */
  SM_GEOM_POINT = 1,
  SM_GEOM_LINESTRING = 2,
  SM_GEOM_POLYGON = 3,
  SM_GEOM_MULTILINESTRING = 5, /**< @since 0.3 */
  SM_GEOM_MULTIPOLYGON = 6
} sm_geom_type;

/**
 * Creates an empty layer.
 * @param name layer name, copied.
 * @param crs CRS of the geometries ("EPSG:27700"), copied; NULL for SM_GEOM_NONE.
 * @param[out] out free with sm_layer_destroy().
 * @return SM_OK, SM_E_INVALID_ARG, SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_layer_create(sm_ctx *ctx, sm_layer **out, const char *name,
                                 sm_geom_type geom_type, const char *crs);
/** Frees a layer. NULL is a no-op. @since 0.1 */
SM_API void sm_layer_destroy(sm_layer *layer);

/**
 * Appends a column. Existing features get NULL in it.
 * @param[out] index_out its index; may be NULL.
 * @return SM_OK, SM_E_INVALID_ARG (empty or duplicate name), SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_layer_add_field(sm_ctx *ctx, sm_layer *layer, const char *name,
                                    sm_field_type type, size_t *index_out);

/**
 * Appends a feature with NULL attributes.
 * @param wkb ISO WKB geometry (copied), NULL for none.
 * @param[out] row_out its row index; may be NULL.
 * @return SM_OK, SM_E_INVALID_ARG, SM_E_NOMEM.
 * @since 0.1
 */
SM_API sm_status sm_layer_add_feature(sm_ctx *ctx, sm_layer *layer, const unsigned char *wkb,
                                      size_t wkb_size, size_t *row_out);

/** Sets an INT64 value. @return SM_OK or SM_E_INVALID_ARG (row, field or type wrong). @since 0.1 */
SM_API sm_status sm_layer_set_int(sm_ctx *ctx, sm_layer *layer, size_t row, size_t field, int64_t value);
/** Sets a DOUBLE value. @since 0.1 */
SM_API sm_status sm_layer_set_double(sm_ctx *ctx, sm_layer *layer, size_t row, size_t field, double value);
/** Sets a STRING value (copied; NULL sets NULL). @since 0.1 */
SM_API sm_status sm_layer_set_string(sm_ctx *ctx, sm_layer *layer, size_t row, size_t field, const char *value);

/** Sets (or replaces) a metadata item; both strings copied. @since 0.1 */
SM_API sm_status sm_layer_set_metadata(sm_ctx *ctx, sm_layer *layer, const char *key, const char *value);

/** Layer name (borrowed). @since 0.1 */
SM_API const char *sm_layer_name(const sm_layer *layer);
/** Layer CRS (borrowed), NULL for attribute tables. @since 0.1 */
SM_API const char *sm_layer_crs(const sm_layer *layer);
/** Geometry type. @since 0.1 */
SM_API sm_geom_type sm_layer_geom_type(const sm_layer *layer);
/** Number of features. @since 0.1 */
SM_API size_t sm_layer_feature_count(const sm_layer *layer);
/** Number of columns. @since 0.1 */
SM_API size_t sm_layer_field_count(const sm_layer *layer);
/** Column name (borrowed), NULL when out of range. @since 0.1 */
SM_API const char *sm_layer_field_name(const sm_layer *layer, size_t field);
/** Column type. @since 0.1 */
SM_API sm_field_type sm_layer_field_type(const sm_layer *layer, size_t field);
/** Index of a column by name, or -1. @since 0.1 */
SM_API long sm_layer_field_index(const sm_layer *layer, const char *name);
/** 1 if the value is NULL (or row/field out of range). @since 0.1 */
SM_API int sm_layer_is_null(const sm_layer *layer, size_t row, size_t field);
/** INT64 value (0 when NULL or not INT64). @since 0.1 */
SM_API int64_t sm_layer_get_int(const sm_layer *layer, size_t row, size_t field);
/** The value as a double: a DOUBLE field's value or an INT64 field's converted (counts are INT64
 * when every count is whole); NaN when NULL or a STRING field. @since 0.1 */
SM_API double sm_layer_get_double(const sm_layer *layer, size_t row, size_t field);
/** STRING value, borrowed (NULL when NULL or not STRING). @since 0.1 */
SM_API const char *sm_layer_get_string(const sm_layer *layer, size_t row, size_t field);
/** WKB geometry of a row, borrowed; NULL when none. @since 0.1 */
SM_API const unsigned char *sm_layer_get_wkb(const sm_layer *layer, size_t row, size_t *size_out);
/**
 * Column storage, for bindings and bulk readers (a NumPy array over a column without a copy): the n =
 * sm_layer_feature_count() values of an INT64 field (sm_layer_column_int()) or a DOUBLE field
 * (sm_layer_column_double()), and each value's NULL flag (sm_layer_column_null(): non-zero for NULL; a NULL
 * value's slot holds no meaningful number). Borrowed: valid until the layer is changed or freed.
 * @return NULL when the field is out of range, of another type, or the layer has no features.
 * @since 0.3
 */
SM_API const int64_t *sm_layer_column_int(const sm_layer *layer, size_t field);
/** A DOUBLE column's n values (see sm_layer_column_int()). @since 0.3 */
SM_API const double *sm_layer_column_double(const sm_layer *layer, size_t field);
/** Column `field`'s n NULL flags, whatever its type (see sm_layer_column_int()). @since 0.3 */
SM_API const unsigned char *sm_layer_column_null(const sm_layer *layer, size_t field);
/** Number of metadata items. @since 0.1 */
SM_API size_t sm_layer_metadata_count(const sm_layer *layer);
/** Metadata key i (borrowed). @since 0.1 */
SM_API const char *sm_layer_metadata_key(const sm_layer *layer, size_t i);
/** Metadata value i (borrowed). @since 0.1 */
SM_API const char *sm_layer_metadata_value(const sm_layer *layer, size_t i);
/** Metadata value by key (borrowed), NULL when absent. @since 0.1 */
SM_API const char *sm_layer_metadata_get(const sm_layer *layer, const char *key);

/**
 * Reads a vector layer GDAL opens (a GeoPackage layer, a shapefile, GeoJSON, a safemap output, ...): its
 * fields (integers as INT64, reals as DOUBLE, any other type as its text), its geometries as 2D ISO WKB, its
 * CRS ("EPSG:N" when it has an EPSG code, else WKT) and its metadata items, with "source" = path.
 * @param name the layer; NULL = the file's only layer.
 * @param[out] out free with sm_layer_destroy().
 * @return SM_OK, SM_E_IO (not vector data GDAL opens), SM_E_INPUT (no such layer, or several and no name: the
 *         message lists them), SM_E_UNSUPPORTED (multi-points or mixed geometry types), SM_E_CRS (geometries
 *         without a CRS), SM_E_GEOMETRY, SM_E_NOMEM.
 * @since 0.3
 */
SM_API sm_status sm_layer_read(sm_ctx *ctx, sm_layer **out, const char *path, const char *name);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_LAYER_H */
