/* The vector code path: the CPU's widest, or the one SAFEMAP_SIMD forces. */
#include "internal/simd.h"
#include "internal/ctx.h"

#include <stdlib.h>
#include <string.h>

static const char *const names[SM_SIMD_END_] = {"base", "avx2", "avx512"};

const char *sm__simd_name(sm_simd s) { return (int)s >= 0 && s < SM_SIMD_END_ ? names[s] : "?"; }

int sm__simd_runs(sm_simd s) {
  switch (s) {
  case SM_SIMD_BASE: return 1;
#if defined(__GNUC__) && defined(__x86_64__)
  case SM_SIMD_AVX2: return __builtin_cpu_supports("avx2");
  case SM_SIMD_AVX512: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
#endif
  default: return 0;
  }
}

sm_status sm__simd_choose(sm_ctx *ctx, sm_simd *out) {
  const char *env = getenv("SAFEMAP_SIMD");
  if (env && *env) {
    for (int s = 0; s < SM_SIMD_END_; s++)
      if (!strcmp(env, names[s])) {
        if (!sm__simd_runs((sm_simd)s))
          return sm__error(ctx, SM_E_UNSUPPORTED, "SAFEMAP_SIMD=%s: this CPU (or this build) has no %s code path", env,
                           env);
        *out = (sm_simd)s;
        return SM_OK;
      }
    return sm__error(ctx, SM_E_INVALID_ARG, "SAFEMAP_SIMD='%.40s' is not a code path: base, avx2 or avx512", env);
  }
  *out = sm__simd_runs(SM_SIMD_AVX512) ? SM_SIMD_AVX512 : sm__simd_runs(SM_SIMD_AVX2) ? SM_SIMD_AVX2 : SM_SIMD_BASE;
  return SM_OK;
}
