/* Mann-Kendall for the library's own callers, with out-of-memory reported (emerging.c). Internal. */
#ifndef SM_INTERNAL_TREND_H
#define SM_INTERNAL_TREND_H

#include "safemap.h"

/* As sm_mann_kendall_test(); returns -1 (p NaN) when a series longer than 4096 values cannot be copied. */
int sm__mann_kendall(const double *x, size_t n, sm_mann_kendall *out);

#endif
