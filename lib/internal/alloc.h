/* The library's allocator (one hook for the allocation-failure tests) and growing arrays. Internal. */
#ifndef SM_INTERNAL_ALLOC_H
#define SM_INTERNAL_ALLOC_H

#include <stdarg.h>
#include "internal/ctx.h"

/* ---- allocation (fail-injection hook for OOM tests) --------------------- */
void *sm__malloc(size_t n);
void *sm__calloc(size_t n, size_t size);
void *sm__realloc(void *p, size_t n);
void sm__free(void *p);
char *sm__strdup(const char *s);
char *sm__strndup(const char *s, size_t n);
char *sm__asprintf(const char *fmt, ...) SM_PRINTF(1, 2);
/* The same from a va_list (ap is used up). */
char *sm__vasprintf(const char *fmt, va_list ap) SM_PRINTF(1, 0);
/* Test hook: make the k-th allocation from now fail (0 = never). */
void sm__alloc_fail_after(long k);

/* Grows *p (element size `elem`) to hold at least `need` elements. */
sm_status sm__grow(void **p, size_t *cap, size_t need, size_t elem);

#endif
