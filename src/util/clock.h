/*-------------------------------------------------------------------------
 *
 * clock.h
 *	  Clock interface: production uses the system clock, tests may swap it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LAMINAR_CLOCK_H
#define LAMINAR_CLOCK_H

typedef int64 (*LmClockSource)(void);

extern LmClockSource lm_clock_source;

#endif /* LAMINAR_CLOCK_H */
