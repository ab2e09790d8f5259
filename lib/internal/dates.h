/* Proleptic Gregorian dates as day numbers (points_time.c / timeparse.c). Internal. */
#ifndef SM_INTERNAL_DATES_H
#define SM_INTERNAL_DATES_H

#include <stdint.h>

/* ---- calendar ---------------------------------------------------------------- */
/* Days since 1970-01-01 of a proleptic Gregorian date, and back (timeparse.c). */
int64_t sm__days_from_civil(int64_t y, unsigned m, unsigned d);
void sm__civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);

#endif
