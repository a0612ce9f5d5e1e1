/*-------------------------------------------------------------------------
 *
 * guc.c
 *	  Every laminar.* setting, defined in one place.
 *
 * Settings that size shared memory or the set of worker processes are
 * PGC_POSTMASTER; the emit cadence can change on reload (PGC_SIGHUP) since
 * workers re-read the configuration in their loop; backpressure is chosen
 * per session (PGC_USERSET) because it is the writer who waits or fails.
 * The limits a worker puts on each view (laminar.view_timeout,
 * laminar.work_mem) are PGC_SIGHUP: they protect the views of every user
 * on a worker from one view, so only the administrator sets them, and the
 * workers apply a reload at their next pass.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unistd.h>

#include "utils/guc.h"

#include "laminar.h"

char *lm_database = NULL;
int lm_workers = 1;
bool lm_cpu_pinning = true;
int lm_ring_size_kb = 256;
int lm_flush_interval_ms = 10;
int lm_max_flush_delay_ms = -1;
int lm_backpressure = LM_BACKPRESSURE_BLOCK;
int lm_backpressure_timeout_ms = 30000;
int lm_max_producers = 32;
int lm_view_timeout_ms = 10000;
int lm_work_mem_kb = 1024 * 1024;
bool lm_debug_snapshot_cycle = false;
int lm_max_windows_per_event = 100;
int lm_max_session_length_s = 86400;

static const struct config_enum_entry lm_backpressure_options[] = {
	{"block", LM_BACKPRESSURE_BLOCK, false},
	{"error", LM_BACKPRESSURE_ERROR, false},
	{NULL, 0, false}};

/*
 * lm_default_workers returns the number of online CPUs, capped to the
 * compile-time maximum.
 */
static int
lm_default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (n > LM_MAX_WORKERS)
		n = LM_MAX_WORKERS;
	return (int) n;
}

/*
 * lm_ring_size_check accepts only powers of two so that ring positions can
 * be masked instead of divided.
 */
static bool
lm_ring_size_check(int *newval, void **extra, GucSource source)
{
	if ((*newval & (*newval - 1)) != 0)
	{
		GUC_check_errdetail("laminar.ring_size must be a power of two (in kB).");
		return false;
	}
	return true;
}

/*
 * lm_guc_define defines every setting and reserves the laminar prefix.
 */
void
lm_guc_define(void)
{
	int ncpu = lm_default_workers();

	DefineCustomStringVariable("laminar.database",
							   "Database whose streams and views the Laminar workers serve.", NULL,
							   &lm_database, "postgres", PGC_POSTMASTER, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("laminar.workers", "Number of stream workers (default: online CPUs).",
							NULL, &lm_workers, ncpu, 1, LM_MAX_WORKERS, PGC_POSTMASTER, 0, NULL,
							NULL, NULL);

	DefineCustomBoolVariable("laminar.cpu_pinning", "Pins each stream worker to its own CPU.", NULL,
							 &lm_cpu_pinning, true, PGC_POSTMASTER, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("laminar.ring_size", "Capacity of each producer-to-worker ring.",
							"Shared memory used: ring_size * max_producers * workers.",
							&lm_ring_size_kb, 256, 16, 1024 * 1024, PGC_POSTMASTER, GUC_UNIT_KB,
							lm_ring_size_check, NULL, NULL);

	DefineCustomIntVariable("laminar.max_producers",
							"Number of sessions that can write to streams at the same time.", NULL,
							&lm_max_producers, 32, 1, 1024, PGC_POSTMASTER, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("laminar.flush_interval",
							"Longest time an accepted event waits before its effect is visible.",
							NULL, &lm_flush_interval_ms, 10, 1, 60 * 1000, PGC_SIGHUP, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable(
		"laminar.max_flush_delay",
		"Longest time between two emits of a stream worker when writing results is slow.",
		"Under load a worker waits 8 times as long as its last emit took before the "
		"next one, but never longer than this; under light load it emits every "
		"laminar.flush_interval. -1 means 10 times laminar.flush_interval; a value "
		"up to laminar.flush_interval turns the stretching off.",
		&lm_max_flush_delay_ms, -1, -1, 60 * 60 * 1000, PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);

	DefineCustomEnumVariable("laminar.backpressure",
							 "What a writer does when a worker's ring is full: block or error.",
							 NULL, &lm_backpressure, LM_BACKPRESSURE_BLOCK, lm_backpressure_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("laminar.backpressure_timeout",
							"Longest a blocked writer waits for ring space before an error.", NULL,
							&lm_backpressure_timeout_ms, 30000, 1, INT_MAX, PGC_USERSET,
							GUC_UNIT_MS, NULL, NULL, NULL);

	DefineCustomIntVariable(
		"laminar.view_timeout", "Longest time one view may hold a stream worker at a time.",
		"Applying a view's events, closing its windows or writing its results "
		"is cancelled after this long; the view skips that work and, after "
		"3 timeouts in a row, stops. 0 disables the limit.",
		&lm_view_timeout_ms, 10000, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);

	DefineCustomIntVariable(
		"laminar.work_mem", "Memory one continuous view may hold in a stream worker.",
		"A view whose state (groups, windows, buffered rows) grows beyond this "
		"is stopped and its state freed.",
		&lm_work_mem_kb, 1024 * 1024, 1024, INT_MAX, PGC_SIGHUP, GUC_UNIT_KB, NULL, NULL, NULL);

	/*
	 * Checked when a view is created, so a role must not raise it for
	 * itself: every window an event belongs to costs the stream worker a row
	 * of state.  At most the batch size, so that one event's windows always
	 * fit in one batch (ops/window.c).
	 */
	DefineCustomIntVariable("laminar.max_windows_per_event",
							"Most windows one event may belong to in a new HOP or CUMULATE view.",
							"CREATE MATERIALIZED VIEW refuses a HOP whose size / slide, or a "
							"CUMULATE whose max_size / step, exceeds it.",
							&lm_max_windows_per_event, 100, 1, 1024, PGC_SUSET, 0, NULL, NULL,
							NULL);

	/* read when a SESSION view is created, and kept with it */
	DefineCustomIntVariable(
		"laminar.max_session_length", "Longest period a session of a new SESSION view may span.",
		"Sessions never span two periods epoch + k * this (0: no limit); "
		"SESSION(stream, ts, gap, max_length) sets it per view.",
		&lm_max_session_length_s, 86400, 0, INT_MAX, PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);

	DefineCustomBoolVariable(
		"laminar.debug_snapshot_cycle",
		"Rebuilds every view's operator graph from a snapshot of its state after each pass.",
		"A test of the snapshot format: results must not change. It costs a "
		"compile per view and pass; never set it in production.",
		&lm_debug_snapshot_cycle, false, PGC_SIGHUP, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);

	MarkGUCPrefixReserved("laminar");
}
