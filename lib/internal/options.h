/* The versioned options structs of the pipelines: their _init() and the run's version check, one
 * definition for all (internal). */
#ifndef SM_INTERNAL_OPTIONS_H
#define SM_INTERNAL_OPTIONS_H

#include "safemap.h"

/* Defines `sm_status FN(TYPE *opts, int version)`: the defaults of INIT (every field exists in every version
 * so far) with opts->version = version; SM_E_INVALID_ARG unless 1 <= version <= CURRENT. */
#define SM__OPTIONS_INIT_FN(TYPE, FN, CURRENT, INIT)                                                            \
  sm_status FN(TYPE *opts, int version) {                                                                       \
    if (!opts || version < 1 || version > (CURRENT)) return SM_E_INVALID_ARG;                                   \
    TYPE d_ = INIT;                                                                                             \
    *opts = d_;                                                                                                 \
    opts->version = version;                                                                                    \
    return SM_OK;                                                                                               \
  }

/* SM_OK when 1 <= version <= current; else SM_E_INVALID_ARG with "WHO: options version V (this library
 * knows 1 to C)" on the ctx. */
sm_status sm__options_version(sm_ctx *ctx, const char *who, int version, int current);

#endif
