/* The size limits every pipeline checks before it allocates or starts a long loop: one check, one message.
 * The values live on the ctx (sm_ctx_set_limit); 0 there means the documented default. Internal. */
#ifndef SM_INTERNAL_LIMITS_H
#define SM_INTERNAL_LIMITS_H

#include "safemap.h"

/* The limit of `kind` in force on ctx (the ctx's, else the default). */
double sm__limit(const sm_ctx *ctx, sm_limit kind);
/* SM_OK when `size` (of what the limit of `kind` counts) is within the limit; else SM_E_INVALID_ARG with the
 * message "WHAT (SIZE UNIT[, BYTES]) is more than the limit of LIMIT UNIT: ADVICE, or raise the limit with
 * --limit KIND=N". `what` names the thing ("a 24,860 x 21,401 grid"), `bytes` its memory (0: not said),
 * `advice` the options that make it smaller ("use a larger --cell or a smaller --extent"). A size that is not
 * a number (NaN) counts as over the limit. Nothing is allocated. */
sm_status sm__limit_check(sm_ctx *ctx, sm_limit kind, double size, double bytes, const char *what, const char *advice);
/* sm__limit_check against `limit` instead of the ctx's (an options struct's own limit, e.g. sm_kde_options.max_cells);
 * limit <= 0: the ctx's. */
sm_status sm__limit_check_at(sm_ctx *ctx, sm_limit kind, double limit, double size, double bytes, const char *what,
                             const char *advice);

/* "8.0 GiB", "512 MiB", "12 KiB" into buf; returns buf. */
const char *sm__fmt_bytes(double bytes, char *buf, size_t n);
/* SM_OK when `bytes` (what a run would hold) is within the memory limit (SM_LIMIT_MEMORY); else SM_E_INVALID_ARG,
 * "WHAT needs about X, more than the memory limit of Y: ADVICE, or raise the limit with --memory-limit SIZE". */
sm_status sm__memory_check(sm_ctx *ctx, double bytes, const char *what, const char *advice);

#endif
