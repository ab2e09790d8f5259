/* The metadata store of layers and rasters (internal/meta.h). */
#include "internal/meta.h"

#include "internal/alloc.h"

#include <string.h>

sm_status sm__meta_set(sm_ctx *ctx, sm__meta *m, const char *key, const char *value, const char *who) {
  if (!m || !key || !*key || !value) return sm__error(ctx, SM_E_INVALID_ARG, "%s: key and value are required", who);
  char *v = sm__strdup(value);
  if (!v) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  for (size_t i = 0; i < m->n; i++)
    if (!strcmp(m->key[i], key)) {
      sm__free(m->value[i]);
      m->value[i] = v;
      return SM_OK;
    }
  char *k = sm__strdup(key);
  char **mk = k ? sm__realloc(m->key, (m->n + 1) * sizeof *mk) : NULL;
  if (mk) m->key = mk;
  char **mv = mk ? sm__realloc(m->value, (m->n + 1) * sizeof *mv) : NULL;
  if (!mv) {
    sm__free(k);
    sm__free(v);
    return sm__error(ctx, SM_E_NOMEM, "out of memory");
  }
  m->value = mv;
  m->key[m->n] = k;
  m->value[m->n] = v;
  m->n++;
  return SM_OK;
}

const char *sm__meta_get(const sm__meta *m, const char *key) {
  for (size_t i = 0; m && key && i < m->n; i++)
    if (!strcmp(m->key[i], key)) return m->value[i];
  return NULL;
}

void sm__meta_free(sm__meta *m) {
  if (!m) return;
  for (size_t i = 0; i < m->n; i++) sm__free(m->key[i]), sm__free(m->value[i]);
  sm__free(m->key), sm__free(m->value);
  m->key = m->value = NULL, m->n = 0;
}
