/**
 * @file safemap/common.h
 * @brief Status codes, export macros and memory release shared by every module.
 * @defgroup common Common
 * @{
 */
#ifndef SAFEMAP_COMMON_H
#define SAFEMAP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && !defined(SM_STATIC)
#  ifdef SM_BUILDING_LIBRARY
#    define SM_API __declspec(dllexport)
#  else
#    define SM_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define SM_API __attribute__((visibility("default")))
#else
#  define SM_API
#endif

#if defined(__GNUC__)
#  define SM_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#  define SM_DEPRECATED(msg)
#endif
/** Marks API that may change in a minor release. */
#define SM_EXPERIMENTAL

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Status returned by every fallible call. `SM_OK` is zero; on any other value
 * the context holds a message (sm_ctx_last_error()) naming the file, row,
 * field and value where there is one. Codes are only ever appended.
 * @since 0.1
 */
typedef enum sm_status {
  SM_OK = 0,
  SM_E_INVALID_ARG = 1, /**< an argument or option is wrong (caller's mistake) */
  SM_E_INPUT = 2,       /**< input data is bad (empty file, missing column, bad row in strict mode) */
  SM_E_CRS = 3,         /**< unknown CRS, or a transformation that cannot be made */
  SM_E_IO = 4,          /**< a file cannot be opened, read or written, or exists already */
  SM_E_GEOMETRY = 5,    /**< wrong geometry type, or a geometry that cannot be repaired */
  SM_E_NOMEM = 6,       /**< out of memory */
  SM_E_CANCELLED = 7,   /**< the progress callback asked to stop */
  SM_E_DEPENDENCY = 8,  /**< GDAL, PROJ or GEOS failed in a way not covered above */
  SM_E_UNSUPPORTED = 9, /**< a format or option this build does not support */
  SM_E_INTERNAL = 10,   /**< a bug in safemap */
  SM_STATUS_END_        /**< sentinel: number of codes */
} sm_status;

/**
 * A short static description of a status code ("invalid argument", ...).
 * Never NULL; unknown codes give "unknown status".
 * @since 0.1
 */
SM_API const char *sm_status_str(sm_status status);

/**
 * Releases a string or buffer the library handed to the caller (documented
 * as "free with sm_free"). NULL is a no-op.
 * @since 0.1
 */
SM_API void sm_free(void *ptr);

#ifdef __cplusplus
}
#endif

/** @} */
#endif /* SAFEMAP_COMMON_H */
