/*-------------------------------------------------------------------------
 *
 * clock.c
 *	  The wall clock behind an interface.
 *
 * Workers ask lm_clock_now_us() when an emit is due.  Tests that need to
 * control time can point lm_clock_source at their own function; nothing
 * else in Laminar calls GetCurrentTimestamp() for scheduling decisions.
 * The variable is process-local and written only at start-up.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/timestamp.h"

#include "laminar.h"
#include "util/clock.h"

/*
 * lm_clock_real returns the system clock in microseconds.
 */
static int64
lm_clock_real(void)
{
	return (int64) GetCurrentTimestamp();
}

LmClockSource lm_clock_source = lm_clock_real;

/*
 * lm_clock_now_us returns the current time of the configured clock source.
 */
int64
lm_clock_now_us(void)
{
	return lm_clock_source();
}
