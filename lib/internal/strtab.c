/* Interned strings (categories, location labels): index by content. */
#include "sm_internal.h"

#include <string.h>

void sm__strtab_init(sm_strtab *t) { memset(t, 0, sizeof *t); }

void sm__strtab_free(sm_strtab *t) {
  for (size_t i = 0; i < t->n; i++) sm__free(t->strs[i]);
  sm__free(t->strs);
  sm__free(t->slots);
  memset(t, 0, sizeof *t);
}

static uint64_t hash(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ull;
  }
  return h;
}

static int rehash(sm_strtab *t, size_t nslots) {
  uint32_t *slots = sm__calloc(nslots, sizeof *slots);
  if (!slots) return -1;
  for (size_t i = 0; i < t->n; i++) {
    size_t j = hash(t->strs[i], strlen(t->strs[i])) & (nslots - 1);
    while (slots[j]) j = (j + 1) & (nslots - 1);
    slots[j] = (uint32_t)(i + 1);
  }
  sm__free(t->slots);
  t->slots = slots;
  t->nslots = nslots;
  return 0;
}

int32_t sm__strtab_intern(sm_strtab *t, const char *s, size_t len) {
  if (t->nslots == 0 && rehash(t, 64)) return -1;
  size_t j = hash(s, len) & (t->nslots - 1);
  while (t->slots[j]) {
    const char *c = t->strs[t->slots[j] - 1];
    /* s may hold a NUL byte: c equals it only if c is exactly len bytes long (never read past c's end) */
    if (strnlen(c, len + 1) == len && memcmp(c, s, len) == 0) return (int32_t)(t->slots[j] - 1);
    j = (j + 1) & (t->nslots - 1);
  }
  if (t->n >= INT32_MAX - 1) return -1;
  if (sm__grow((void **)&t->strs, &t->cap, t->n + 1, sizeof *t->strs)) return -1;
  char *d = sm__strndup(s, len);
  if (!d) return -1;
  t->strs[t->n] = d;
  t->slots[j] = (uint32_t)(t->n + 1);
  int32_t idx = (int32_t)t->n++;
  if (t->n * 2 > t->nslots && rehash(t, t->nslots * 2)) return -1;
  return idx;
}
