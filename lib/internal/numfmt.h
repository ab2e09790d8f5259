/* Number formatting without stdio, byte-identical to glibc's printf. Internal. */
#ifndef SM_NUMFMT_H
#define SM_NUMFMT_H

#include <stdint.h>

/* Room the formatters need at out: they copy in fixed-size chunks past the
 * end of their text (at most 22 bytes, "-2.22507385850720e-308"). */
#define SM_NUMFMT_MAX 40

/* printf("%lld", v) into out (not NUL-terminated); returns the length. */
int sm__fmt_i64(int64_t v, char *out);

/* printf("%.15g", v) of a finite v into out (not NUL-terminated); returns the
 * length. The same bytes as glibc's snprintf in round-to-nearest with a "."
 * decimal point: most values take an exact integer path, the few it cannot
 * round for certain (near a tie) go through snprintf. */
int sm__fmt_g15(double v, char *out);

/* The integer path of sm__fmt_g15 alone: the length, or -1 where sm__fmt_g15
 * would call snprintf (near-ties, non-finite values). For tests. */
int sm__fmt_g15_fast(double v, char *out);

#endif
