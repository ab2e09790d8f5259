/* Fuzz target: the safety audit's words and files. The input's text through sm_light_regime_parse (a parsed
 * part-night window is inside the day, not empty, and off inside it, on outside), sm_lamp_type_parse,
 * sm_audit_hour_parse and --photometry's TYPE=FILE list (names only); and the input's bytes as an IES LM-63
 * file through the reader (a table read is finite, its flux not negative, its C-averaged profile finite).
 * Build with -DSM_FUZZ=ON for libFuzzer, or with standalone_driver.c to replay the corpus. */
#include "fuzz_common.h"

#include "internal/audit.h"
#include "internal/audit_ies.h"
#include "internal/alloc.h"

static sm_ctx *g_ctx;
static fz_file g_ies;

static void words(sm_ctx *ctx, const char *s) {
  sm_light_regime r;
  if (sm_light_regime_parse(s, &r) && !r.all_night) {
    if (r.off_from < 0 || r.off_from > 1439 || r.off_to < 0 || r.off_to > 1439 || r.off_from == r.off_to) abort();
    if (sm_light_regime_on(&r, r.off_from)) abort();
    if (!sm_light_regime_on(&r, r.off_to)) abort();
  }
  sm_lamp_type t = SM_LAMP_TYPE_END_;
  if (sm_lamp_type_parse(s, &t) && (t < 0 || t >= SM_LAMP_TYPE_END_ || !sm_lamp_type_name(t))) abort();
  int m = -7;
  if (sm_audit_hour_parse(ctx, s, &m) == SM_OK && (m < 0 || m > 1439)) abort();
  sm__photometry ph;
  if (sm__photometry_read(ctx, s, 1, &ph) == SM_OK) sm__photometry_free(&ph);
}

static void ies(sm_ctx *ctx, const uint8_t *data, size_t size) {
  fz_file_open(&g_ies, "audit", ".ies");
  fz_file_put(&g_ies, data, size);
  sm__ies f;
  if (sm__ies_read(ctx, g_ies.path, &f) != SM_OK) return;
  if (!(f.flux >= 0) || !isfinite(f.flux)) abort();
  for (size_t i = 0; i < f.n_v * f.n_h; i++)
    if (!(f.cd[i] >= 0) || !isfinite(f.cd[i])) abort();
  double *prof = NULL;
  size_t n = 0;
  if (sm__ies_mean_profile(ctx, &f, &prof, &n) == SM_OK) {
    for (size_t k = 0; k < n; k++)
      if (!(prof[k] >= 0) || !isfinite(prof[k])) abort();
    double e = sm__ies_illuminance(prof, n, 1, 6, 10);
    if (!(e >= 0) || !isfinite(e)) abort();
    sm__free(prof);
  }
  sm__ies_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sm_ctx *ctx = fz_ctx(&g_ctx, 1);
  if (size < 200) {
    char s[256];
    memcpy(s, data, size);
    s[size] = 0;
    words(ctx, s);
  }
  ies(ctx, data, size);
  return 0;
}
