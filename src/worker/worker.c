/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  A stream worker: one per core, pinned, draining its rings and running
 *	  the continuous views whose groups it owns.
 *
 * State machine of a worker:
 *
 *	 START -> (pin, connect, claim slot) -> RESYNC -> RUN <-> WAIT
 *	 RUN --(SIGTERM)--> one last RUN -> EXIT;  RUN --(pause)--> EXIT
 *
 *	- RESYNC: a ring whose previous consumer died between a transaction's
 *	  first event and its COMMIT/ABORT (txn_open set) is skipped up to the
 *	  next COMMIT/ABORT: that transaction's events were partly consumed by
 *	  the dead worker and are lost with its state;
 *	- RUN, one pass (lm_worker_loop), as named steps:
 *	    config   interrupts, SIGHUP, pause (exit), SIGTERM (last pass);
 *	    reload   views match the catalog if its generation moved;
 *	    drain    the rings: EVENT records are staged per producer,
 *	             ABORT/TRUNCATE discard; transactions are applied in global
 *	             commit order (lm_worker_drain): COMMIT pushes the staged
 *	             events through the views' graphs, WATERMARK raises the
 *	             stream's watermark;
 *	    close    the windows the watermark passed, and the view's horizon
 *	             saved (laminar._horizons);
 *	    emit     changed results, when due (the emit cadence: every
 *	             laminar.flush_interval, stretched under load up to
 *	             laminar.max_flush_delay, lm_worker_emit_gap) or when
 *	             laminar.flush() asked; long emits and closes absorb ring
 *	             input every 1024 rows (in-progress events are staged,
 *	             published commits set aside for their turn: lm_worker_pend),
 *	             so that producers keep moving;
 *	    publish  counters; commit; tell flush() its generation is done;
 *	- WAIT: WaitLatch until a producer, flush(), a signal or the timer wakes us;
 *	- EXIT after SIGTERM: the pass that sees it runs in full (it drains what
 *	  is committed, closes what the watermark passed, emits whatever is
 *	  dirty) and commits; then proc_exit(0).
 *
 * Memory: lm_worker.cxt lives as long as the process (views, staging
 * buffers); each pass runs inside one transaction whose memory is released
 * at commit; a view's per-event memory is reset in batches (ops/agg.c).
 *
 * Errors (the rules are in src/worker/README.md, "Robustness"): a view
 * never stops because of its data.  While applying events, the pass's
 * transaction (which has written nothing yet) is rolled back on an error,
 * the failing event is skipped and counted, and the pass resumes after it;
 * while closing windows or emitting, each view works in its own
 * subtransaction, and after a data error the step is redone batch by batch
 * and row by row, skipping the rows that fail.  laminar.view_timeout
 * cancels a view that holds the worker too long; laminar.work_mem stops a
 * view that holds too much memory.  Errors that are not about the data
 * (permissions, missing objects) stop that view on every worker (shown in
 * laminar.views.last_error); other views keep running.  Any other error
 * ends the process with exit code 1 (its message kept in laminar.workers)
 * and the launcher starts a new worker.  Neither takes the cluster down.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "storage/lmgr.h"
#include "utils/guc.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "laminar.h"
#include "ops/ops.h"
#include "sink/sink.h"
#include "worker/view.h"
#include "util/clock.h"

/*
 * A committed transaction that lm_worker_absorb read past (its COMMIT and
 * WATERMARK records), staged and waiting for its turn in commit order; its
 * ring space is back with the producer, which writes its next transaction
 * meanwhile.
 */
typedef struct LmPending
{
	uint64 seq;		/* its commit number */
	bool committed; /* it has a COMMIT for us (else only WATERMARKs) */
	bool skip;		/* its events were dropped (resync) */
	char *buf;		/* its staged events */
	Size len;
	Size cap;
	int nwm;
	LmRecSeq *wm; /* its WATERMARK records */
} LmPending;

/*
 * At most this many transactions set aside per producer: each holds a
 * staging buffer (64 kB at least), and a producer committing small
 * transactions faster than we get to them would otherwise pile them up in
 * our memory instead of in its bounded ring.
 */
#define LM_MAX_PENDING 8

typedef struct LmStaging
{
	char *buf;
	Size len;
	Size cap;
	bool skip;	 /* resync: drop records up to the next end */
	char *spare; /* the buffer of the transaction applied last, reused next */
	Size spare_cap;
	/* committed transactions absorbed, oldest first: pend[pendhead, npend) */
	LmPending *pend;
	int pendhead;
	int npend;
	int pendcap;
} LmStaging;

/* where one drain (or absorb) stands in one ring */
typedef struct LmCursor
{
	uint64 tail; /* consumed and released up to here */
	uint64 pos;	 /* consumed up to here */
	uint64 end;	 /* the head published when the drain started */
	bool at_seq; /* pos is at the commit records of a transaction ... */
	uint64 seq;	 /* ... with this commit number */
} LmCursor;

/*
 * Everything a stream worker keeps between passes: one instance, lm_worker,
 * per process.  Only what the timer's signal handler touches stays outside
 * it, as volatile sig_atomic_t statics (see lm_worker_hold_tick).
 */
typedef struct LmWorker
{
	/* who we are */
	int me;				  /* worker number: our slot in lm_shared->workers */
	LmWorkerShared *self; /* that slot */
	Oid uid;			  /* the worker's own role (laminar._horizons writes) */
	MemoryContext cxt;	  /* lives as long as the process: views, staging */

	/* the rings, one entry per producer */
	LmStaging *staging;	   /* events of a transaction not yet committed */
	LmCursor *cursors;	   /* where the running drain (or absorb) stands */
	uint64 absorb_horizon; /* lm_worker_commit_horizon as the absorb began */

	/* the loaded views and the streams they read */
	List *views;			 /* LmView *, in id order */
	LmView *last_view;		 /* lookup cache of lm_worker_view */
	LmStreamWm **wms;		 /* our watermark of each stream; entries are
							  * allocated one by one: views keep pointers */
	int nwms;				 /* entries in wms */
	int wms_cap;			 /* room in wms */
	uint64 loaded_gen;		 /* catalog generation the views were loaded at */
	int64 reload_retry_at;	 /* load views again then (0: no need) */
	int64 reload_backoff_us; /* 1 s, doubled per failed retry, <= 1 min */
	int32 compiling_id;		 /* view being compiled (lm_worker_compile) */

	/* pushing events */
	LmView *current_view; /* whose operators are running */
	LmView *resume_view;  /* whose push an error interrupted */
	LmView *queued;		  /* views with input waiting, a list */
	uint64 pass_events;	  /* events pushed since the last publish */

	/* laminar.view_timeout: the timer's state the handler does not touch */
	LmView *volatile hold_view; /* the view holding the worker (NULL:
								 * none, or a view being compiled); read at
								 * exit, after the handler killed it */
	int tick_armed_ms;			/* laminar.view_timeout the timer runs for
								 * (-1: not armed yet) */
	TimeoutId tick_id;			/* its timeout.c registration */

	/* the pass (lm_worker_loop): set by one step, read by the next */
	uint64 flush_gen; /* laminar.flush() generation seen at the pass start */
	bool flush_asked; /* ... which this worker has not emitted yet */
	bool wm_moved;	  /* the drain moved a stream's watermark */
	bool dirty;		  /* a view has results to write */
	bool stopping;	  /* SIGTERM: this pass is the last one */

	/* the emit cadence (lm_worker_step_emit) */
	int64 last_emit_at; /* when the last emit started (lm_clock_now_us; 0: none) */
	int64 last_emit_us; /* how long it took */
} LmWorker;

static LmWorker lm_worker = {
	.me = -1,
	.tick_armed_ms = -1,
	.tick_id = MAX_TIMEOUTS,
};

/* what laminar._horizons says about one view, read when views load */
typedef struct LmSeed
{
	int32 view_id;
	int64 horizon; /* the highest horizon any worker saved */
	int64 wm;	   /* the highest stream watermark we may start from */
} LmSeed;

/*
 * The time a view holds the worker (laminar.view_timeout).  A periodic
 * timer ticks four times per laminar.view_timeout; each tick compares the
 * view segment running now (lm_hold_seq, bumped whenever a view starts
 * holding the worker, lm_view_enter, and at each progress of 1024 events
 * applied or 1024 rows written) with the one it saw last.  A segment seen
 * for 4 ticks has run at least laminar.view_timeout: the tick asks for
 * a query cancel, which PostgreSQL raises as an error at the next
 * CHECK_FOR_INTERRUPTS (pg_sleep, lock waits and the executor check it).
 * A segment still running 4 ticks later has swallowed the cancel (a
 * PL/pgSQL handler for query_canceled): the tick ends the process, as
 * pg_terminate_backend would, and the view is stopped at exit.  Nothing of
 * this runs per event: a view switch bumps a counter.
 */
#define LM_TIMEOUT_TICKS 4
#define LM_MAX_TIMEOUTS_IN_ROW 3
#define LM_TIMEOUT_GAP_US (60 * INT64CONST(1000000))

/*
 * The tick while laminar.view_timeout is 0 (no limit): it runs only to
 * bound a shutdown (lm_worker_hold_tick).
 */
#define LM_SHUTDOWN_TICK_MS 1000

/*
 * What the timer's signal handler (lm_worker_hold_tick) reads or writes:
 * these stay file-level statics, volatile sig_atomic_t (or, for the
 * counter, a volatile uint32, which is a single load and store on every
 * platform PostgreSQL supports), because the handler may interrupt the
 * loop between any two instructions and the compiler must neither cache
 * them in registers nor tear their stores.  Everything else is in
 * lm_worker.
 */
static volatile sig_atomic_t lm_hold_active = false;	/* a view holds the worker */
static volatile sig_atomic_t lm_hold_cancelled = false; /* the tick asked for a cancel */
static volatile sig_atomic_t lm_hold_killed = false;	/* the tick ended the process */
static volatile uint32 lm_hold_seq = 0;					/* the view segment running now */
static volatile uint32 lm_tick_seq = 0;					/* the segment the last tick saw */
static volatile sig_atomic_t lm_tick_count = 0;			/* ticks it has been seen for */
static volatile sig_atomic_t lm_tick_limits = false;	/* laminar.view_timeout > 0 */

/* rows an emit writes between two absorbs of ring input */
#define LM_FLUSH_BUDGET 1024

/*
 * The emit cadence (lm_worker_emit_gap): under load the next emit waits
 * this many times as long as the last one took, so that writing results
 * takes at most an eighth of the worker's time ...
 */
#define LM_EMIT_GAP_FACTOR 8
/*
 * ... but never longer than laminar.max_flush_delay, by default (-1) this
 * many times laminar.flush_interval
 */
#define LM_DEFAULT_DELAY_FACTOR 10

static void lm_worker_loop(void) pg_attribute_noreturn();
static bool lm_worker_emit_needed(LmView *v);
static bool lm_worker_view_failed(LmView *v, ErrorData *edata, bool timed_out);

/*
 * lm_worker_detach clears our shared slot at exit.
 */
static void
lm_worker_detach(int code, Datum arg)
{
	if (lm_worker.self == NULL)
		return;
	if (lm_hold_killed && lm_worker.hold_view == NULL && lm_worker.compiling_id != 0)
	{
		/*
		 * Killed while compiling (an IMMUTABLE function runs at constant
		 * folding).  A view that never loaded has no slot yet: claim it, so
		 * that the next worker finds the view stopped and does not compile it.
		 */
		LmViewShared *slot = lm_view_slot(lm_worker.compiling_id, true);

		if (slot != NULL)
		{
			lm_set_view_error(slot, "view exceeded laminar.view_timeout while loading and "
									"ignored the cancel: stopped");
			pg_atomic_write_u32(&slot->failed, 1);
		}
	}
	if (lm_hold_killed && lm_worker.hold_view != NULL && lm_worker.hold_view->stats != NULL)
	{
		char msg[LM_ERRMSG_LEN];

		snprintf(msg, sizeof(msg),
				 "view exceeded laminar.view_timeout (%d ms) and ignored the cancel: stopped",
				 lm_view_timeout_ms);
		lm_set_view_error(lm_worker.hold_view->stats, msg);
		pg_atomic_write_u32(&lm_worker.hold_view->stats->failed, 1);
		lm_set_worker_view_error(lm_worker.me, lm_worker.hold_view->result_relid, msg);
	}
	SpinLockAcquire(&lm_worker.self->mutex);
	lm_worker.self->pid = 0;
	lm_worker.self->procno = -1;
	SpinLockRelease(&lm_worker.self->mutex);
}

/*
 * lm_worker_stream_wm returns the worker's watermark entry of a stream.
 * Entries are allocated one by one and never move, because every view of
 * the stream keeps a pointer to its entry (LmView.wm); only the array of
 * pointers grows.
 */
static LmStreamWm *
lm_worker_stream_wm(Oid relid)
{
	LmStreamWm *e;

	for (int i = 0; i < lm_worker.nwms; i++)
		if (lm_worker.wms[i]->relid == relid)
			return lm_worker.wms[i];
	if (lm_worker.nwms == lm_worker.wms_cap)
	{
		int ncap = Max(16, lm_worker.wms_cap * 2);

		lm_worker.wms = lm_worker.wms
							? repalloc(lm_worker.wms, sizeof(LmStreamWm *) * ncap)
							: MemoryContextAlloc(lm_worker.cxt, sizeof(LmStreamWm *) * ncap);
		lm_worker.wms_cap = ncap;
	}
	/*
	 * Not seeded from the stream's shared maximum: producers raise it at
	 * COMMIT, before we have applied those transactions, so it may run
	 * ahead of the events still in our rings.  Every commit to the stream
	 * sends its watermark behind its events, which is what we wait for.
	 */
	e = MemoryContextAllocZero(lm_worker.cxt, sizeof(LmStreamWm));
	e->relid = relid;
	e->wm = LM_NO_TIME;
	e->arrived_wm = LM_NO_TIME;
	lm_worker.wms[lm_worker.nwms++] = e;
	return e;
}

/*
 * lm_worker_forget_wms frees the watermark entries of streams that no view
 * in the catalog reads any more (nstreams relids in streams); no loaded
 * view points to them.
 */
static void
lm_worker_forget_wms(Oid *streams, int nstreams)
{
	int keep = 0;

	for (int i = 0; i < lm_worker.nwms; i++)
	{
		bool live = false;

		for (int j = 0; j < nstreams && !live; j++)
			live = streams[j] == lm_worker.wms[i]->relid;
		if (live)
			lm_worker.wms[keep++] = lm_worker.wms[i];
		else
			pfree(lm_worker.wms[i]);
	}
	lm_worker.nwms = keep;
}

/*
 * lm_worker_raise_wm raises the watermark of a stream to at least wm (the
 * running maximum, in commit order); returns whether it moved.
 */
static bool
lm_worker_raise_wm(Oid relid, int64 wm)
{
	for (int i = 0; i < lm_worker.nwms; i++)
		if (lm_worker.wms[i]->relid == relid)
		{
			LmStreamWm *e = lm_worker.wms[i];
			bool moved = false;

			if (e->wm == LM_NO_TIME || wm > e->wm)
			{
				e->wm = wm;
				moved = true;
			}
			/* a commit arrived: idle time counts from here */
			if (e->idle_us > 0)
			{
				e->arrived_wm = e->wm;
				e->last_arrival_us = lm_clock_now_us();
			}
			return moved;
		}
	return false;
}

/*
 * lm_worker_idle_advance moves on the watermark of every stream with an
 * idle_timeout that has had no commit for that long: to the watermark at
 * its last arrival plus the wall-clock time since (so the last windows
 * close).  Returns whether a watermark moved.
 */
static bool
lm_worker_idle_advance(void)
{
	int64 now = lm_clock_now_us();
	bool moved = false;

	for (int i = 0; i < lm_worker.nwms; i++)
	{
		LmStreamWm *e = lm_worker.wms[i];
		int64 idle = now - e->last_arrival_us;
		int64 wm;

		if (e->idle_us <= 0 || e->arrived_wm == LM_NO_TIME || idle < e->idle_us)
			continue;
		if (pg_add_s64_overflow(e->arrived_wm, idle, &wm) || wm >= END_TIMESTAMP)
			wm = END_TIMESTAMP - 1;
		if (e->wm == LM_NO_TIME || wm > e->wm)
		{
			e->wm = wm;
			moved = true;
		}
	}
	return moved;
}

/*
 * lm_worker_view returns the loaded view with the given id, or NULL.
 */
static LmView *
lm_worker_view(int32 id)
{
	ListCell *lc;

	if (lm_worker.last_view && lm_worker.last_view->id == id)
		return lm_worker.last_view;
	foreach (lc, lm_worker.views)
	{
		LmView *v = (LmView *) lfirst(lc);

		if (v->id == id)
		{
			lm_worker.last_view = v;
			return v;
		}
	}
	return NULL;
}

/*
 * lm_worker_hold_tick is the timer handler (signal context: it only reads
 * and sets flags) behind laminar.view_timeout, and behind the bound on a
 * shutdown: once SIGTERM asked the worker to stop, a view segment seen at
 * two ticks in a row (a view that made no progress for a whole tick: it
 * sleeps, or waits for a lock) is not waited for; the tick ends the process
 * as die() would have (the view is not stopped: it did nothing wrong).
 */
static void
lm_worker_hold_tick(void)
{
	if (!lm_hold_active)
	{
		lm_tick_count = 0;
		return;
	}
	if (lm_tick_seq != lm_hold_seq)
	{
		lm_tick_seq = lm_hold_seq;
		lm_tick_count = 0;
		return;
	}
	if (ShutdownRequestPending)
	{
		ProcDiePending = true;
		InterruptPending = true;
		return;
	}
	if (!lm_tick_limits)
		return;
	if (++lm_tick_count >= 2 * LM_TIMEOUT_TICKS)
	{
		lm_hold_killed = true;
		ProcDiePending = true;
		InterruptPending = true;
	}
	else if (lm_tick_count >= LM_TIMEOUT_TICKS)
	{
		lm_hold_cancelled = true;
		QueryCancelPending = true;
		InterruptPending = true;
	}
}

/*
 * lm_worker_arm_timer starts or re-times the tick after a change of
 * laminar.view_timeout: a quarter of it, or LM_SHUTDOWN_TICK_MS when it is
 * 0 (no limit; the tick then only bounds a shutdown).
 */
static void
lm_worker_arm_timer(void)
{
	int tick;

	if (lm_worker.tick_armed_ms == lm_view_timeout_ms)
		return;
	if (lm_worker.tick_id == MAX_TIMEOUTS)
		lm_worker.tick_id = RegisterTimeout(USER_TIMEOUT, lm_worker_hold_tick);
	disable_timeout(lm_worker.tick_id, false);
	lm_worker.tick_armed_ms = lm_view_timeout_ms;
	lm_tick_limits = lm_view_timeout_ms > 0;
	tick = lm_view_timeout_ms > 0 ? Max(lm_view_timeout_ms / LM_TIMEOUT_TICKS, 1)
								  : LM_SHUTDOWN_TICK_MS;
	enable_timeout_every(lm_worker.tick_id,
						 TimestampTzPlusMilliseconds(GetCurrentTimestamp(), tick), tick);
}

/*
 * lm_worker_hold_begin says that view v holds the worker from now on
 * (called by lm_view_enter).
 */
void
lm_worker_hold_begin(LmView *v)
{
	lm_hold_cancelled = false;
	lm_worker.hold_view = v;
	lm_hold_seq++;
	lm_hold_active = true;
}

/*
 * lm_worker_hold_end says that no view holds the worker any more; returns
 * whether laminar.view_timeout cancelled it.  A cancel the timer asked for
 * that no CHECK_FOR_INTERRUPTS has raised yet is withdrawn.
 */
bool
lm_worker_hold_end(void)
{
	bool fired;

	lm_hold_active = false;
	fired = lm_hold_cancelled;
	if (fired)
	{
		QueryCancelPending = false;
		lm_hold_cancelled = false;
	}
	return fired;
}

/*
 * lm_error_is_transient says whether an error is about this moment, not
 * about the view or its data: a cancel, a lock not available, a deadlock
 * or serialization failure.  The view skips the work and goes on.
 */
static bool
lm_error_is_transient(int sqlerrcode)
{
	return sqlerrcode == ERRCODE_QUERY_CANCELED || sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE ||
		   ERRCODE_TO_CATEGORY(sqlerrcode) == ERRCODE_TRANSACTION_ROLLBACK;
}

static void lm_worker_fail_view(LmView *v, const char *msg);

/*
 * lm_worker_count_timeout counts a laminar.view_timeout hit of view v and
 * stops the view after LM_MAX_TIMEOUTS_IN_ROW of them in a row: each less
 * than LM_TIMEOUT_GAP_US after the one before.  (Success in between does
 * not break a row: a view whose every emit waits for a lock, or whose
 * every transaction holds one slow event, still does other work between
 * its timeouts, and would otherwise take the worker for laminar.view_timeout
 * at every pass.)
 */
static void
lm_worker_count_timeout(LmView *v)
{
	char msg[LM_ERRMSG_LEN];
	int64 now = lm_clock_now_us();

	if (v->stats)
		pg_atomic_fetch_add_u64(&v->stats->timeouts, 1);
	if (now - v->last_timeout_us > LM_TIMEOUT_GAP_US)
		v->timeouts_in_row = 0;
	v->last_timeout_us = now;
	if (++v->timeouts_in_row < LM_MAX_TIMEOUTS_IN_ROW)
	{
		ereport(LOG, (errmsg("laminar worker %d: view %d exceeded laminar.view_timeout (%d ms)",
							 lm_worker.me, v->id, lm_view_timeout_ms)));
		return;
	}
	snprintf(msg, sizeof(msg),
			 "view exceeded laminar.view_timeout (%d ms) %d times in a row: stopped",
			 lm_view_timeout_ms, v->timeouts_in_row);
	ereport(LOG, (errmsg("laminar worker %d: view %d: %s", lm_worker.me, v->id, msg),
				  errhint("Find what makes the view slow (a function that sleeps, a lock held on "
						  "its result table), or raise laminar.view_timeout; then drop and "
						  "re-create the view.")));
	lm_set_worker_view_error(lm_worker.me, v->result_relid, msg);
	lm_worker_fail_view(v, msg);
}

/*
 * lm_worker_skip_event counts an event that view v skipped after an error
 * (or a timeout) and keeps the error as the view's sample.  The log gets
 * the 1st, 2nd, 4th, 8th ... of them, so a flood of bad events cannot
 * flood it.
 */
static void
lm_worker_skip_event(LmView *v, const char *msg, bool timed_out)
{
	char tmsg[LM_ERRMSG_LEN];

	if (timed_out)
	{
		snprintf(tmsg, sizeof(tmsg), "view exceeded laminar.view_timeout (%d ms)",
				 lm_view_timeout_ms);
		msg = tmsg;
	}
	if (v->stats)
	{
		pg_atomic_fetch_add_u64(&v->stats->skipped_events, 1);
		lm_set_view_skip(v->stats, msg);
	}
	v->graph->nskipped++;
	if ((v->graph->nskipped & (v->graph->nskipped - 1)) == 0)
		ereport(
			LOG,
			(errmsg("laminar worker %d: view %d skipped an event (%llu skipped on this worker): %s",
					lm_worker.me, v->id, (unsigned long long) v->graph->nskipped, msg)));
	if (timed_out)
		lm_worker_count_timeout(v);
}

/*
 * lm_worker_check_mem stops a view whose memory exceeds laminar.work_mem
 * and frees its state.  Called per pass and every 64K events, never per
 * event.
 */
static void
lm_worker_check_mem(LmView *v)
{
	Size used, limit = (Size) lm_work_mem_kb * 1024;
	char msg[LM_ERRMSG_LEN];

	if (v->failed || v->cxt == NULL)
		return;
	used = MemoryContextMemAllocated(v->cxt, true);
	if (used <= limit)
		return;
	snprintf(msg, sizeof(msg), "view uses %zu kB, more than laminar.work_mem (%d kB): stopped",
			 used / 1024, lm_work_mem_kb);
	ereport(LOG, (errmsg("laminar worker %d: view %d: %s", lm_worker.me, v->id, msg),
				  errhint("Raise laminar.work_mem, or make the view hold fewer groups (fewer "
						  "or coarser keys, a window); then drop and re-create the view.")));
	lm_set_worker_view_error(lm_worker.me, v->result_relid, msg);
	lm_worker_fail_view(v, msg);
}

/*
 * lm_worker_fail_view marks a view failed after an error in its operators
 * and frees its state.  Called after the transaction was rolled back.
 */
static void
lm_worker_fail_view(LmView *v, const char *msg)
{
	v->failed = true;
	if (v->stats && msg)
	{
		lm_set_view_error(v->stats, msg);
		/* the view stops on every worker, not only on this one */
		pg_atomic_write_u32(&v->stats->failed, 1);
		lm_wake_all_workers();
	}
	if (v->graph)
	{
		/* rows written in the aborted work are gone with the state */
		lm_graph_reset(v->graph);
		lm_graph_unpublish(v->graph);
	}
}

/*
 * lm_worker_read_seeds reads, per view, the highest horizon any worker has
 * saved, and the highest stream watermark this worker may start from: its
 * own saved watermark (a worker restarted while the server runs finds in
 * its rings only transactions that commit after the ones its predecessor
 * applied), or any worker's saved before the server started (the rings
 * were empty then).  Another worker's watermark of this server's lifetime
 * may be ahead of transactions still in our rings, so it is not used.
 * Returns a palloc'd array of *n entries.
 */
static LmSeed *
lm_worker_read_seeds(int *n)
{
	LmHorizonCatalog *h = lm_cat_horizon_seeds(lm_worker.me, PgStartTime, n);
	LmSeed *seeds = MemoryContextAlloc(CurTransactionContext, sizeof(LmSeed) * Max(*n, 1));

	for (int i = 0; i < *n; i++)
	{
		seeds[i].view_id = h[i].view_id;
		seeds[i].horizon = h[i].horizon;
		seeds[i].wm = h[i].wm;
	}
	return seeds;
}

/*
 * lm_worker_seed_view starts a newly loaded view from what was saved: its
 * horizon (no window at or behind it is ever written again: an event for
 * one counts as late) and, if higher than what we hold, its stream's
 * watermark.
 */
static void
lm_worker_seed_view(LmView *v, LmSeed *seeds, int nseeds)
{
	v->graph->horizon = LM_NO_TIME;
	for (int i = 0; i < nseeds; i++)
		if (seeds[i].view_id == v->id)
		{
			v->graph->horizon = seeds[i].horizon;
			if (seeds[i].wm != LM_NO_TIME && v->wm != NULL &&
				(v->wm->wm == LM_NO_TIME || seeds[i].wm > v->wm->wm))
			{
				v->wm->wm = seeds[i].wm;
				/* an idle stream keeps advancing after a restart */
				if (v->wm->arrived_wm == LM_NO_TIME)
					v->wm->arrived_wm = seeds[i].wm;
			}
			break;
		}
}

/*
 * lm_worker_save_horizon records a view's new horizon, with our watermark
 * of its stream, in laminar._horizons.  It runs inside the view's
 * subtransaction, after the rows of the windows it closes were written, so
 * both commit or roll back together; as the worker's own role (the view's
 * owner may not write Laminar's catalog), with no name resolved through
 * search_path.
 */
static void
lm_worker_save_horizon(LmView *v)
{
	LmHorizonCatalog h;
	Oid save_uid;
	int save_sec;

	h.view_id = v->id;
	h.worker = lm_worker.me;
	h.horizon = v->graph->horizon;
	h.wm = v->wm->wm;
	h.written_at = GetCurrentTimestamp();
	GetUserIdAndSecContext(&save_uid, &save_sec);
	SetUserIdAndSecContext(lm_worker.uid, save_sec);
	(void) lm_cat_horizon_save(&h);
	SetUserIdAndSecContext(save_uid, save_sec);
}

/*
 * lm_worker_follow_owner switches a loaded view to its result table's
 * current owner (read by the catalog load) if that changed, after checking
 * the new owner's rights; a view the new owner may not run stops.
 */
static void
lm_worker_follow_owner(LmView *v, Oid owner)
{
	MemoryContext cxt = CurrentMemoryContext;

	if (owner == v->owner)
		return;
	PG_TRY();
	{
		lm_view_set_owner(v, owner);
	}
	PG_CATCH();
	{
		ErrorData *edata;

		MemoryContextSwitchTo(lm_worker.cxt);
		edata = CopyErrorData();
		FlushErrorState();
		MemoryContextSwitchTo(cxt);
		ereport(LOG, (errmsg("laminar worker %d: view %d failed: %s", lm_worker.me, v->id,
							 edata->message)));
		lm_worker_fail_view(v, edata->message);
		FreeErrorData(edata);
	}
	PG_END_TRY();
}

/*
 * lm_worker_check_owner makes sure a view writes as its result table's
 * current owner, never as a former one: it locks the table as the write
 * will (RowExclusiveLock, so that no owner change and no new trigger can
 * commit before this pass does), reads pg_class.relowner, and switches the
 * view to a new owner after checking that role's rights (an error there
 * stops the view).  Called in the view's subtransaction before each write.
 */
static void
lm_worker_check_owner(LmView *v)
{
	Oid owner;

	lm_worker_lock_table(v->result_relid, RowExclusiveLock);
	owner = lm_cat_view_role(v->result_relid);
	if (!OidIsValid(owner))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
						errmsg("result table of view %d no longer exists", v->id)));
	if (owner != v->owner)
		lm_view_set_owner(v, owner);
}

/*
 * lm_worker_forget_error clears the worker's last error if it came from
 * view v, which is being unloaded because it was dropped.
 */
static void
lm_worker_forget_error(LmView *v)
{
	SpinLockAcquire(&lm_worker.self->mutex);
	if (OidIsValid(lm_worker.self->last_error_view) &&
		lm_worker.self->last_error_view == v->result_relid)
	{
		lm_worker.self->last_error[0] = '\0';
		lm_worker.self->last_error_view = InvalidOid;
	}
	SpinLockRelease(&lm_worker.self->mutex);
}

/*
 * lm_worker_compile compiles a view under laminar.view_timeout: compiling
 * opens the result table, and its owner may hold a lock on it.  A view
 * that cannot be compiled in time (or whose lock is not available) is left
 * unloaded, NULL is returned, and the views are loaded again a second
 * later (then 2, 4 ... up to 60 s while it keeps failing, so that a lock
 * held for long costs the worker little); its events are lost meanwhile.
 * Other errors are raised.
 */
static LmView *
lm_worker_compile(LmViewCatalog *cat)
{
	LmView *v = NULL;
	LmViewShared *slot = lm_view_slot(cat->id, false);

	/* a view stopped on another worker (or before a restart) is not compiled */
	if (slot != NULL && pg_atomic_read_u32(&slot->failed))
	{
		v = MemoryContextAllocZero(lm_worker.cxt, sizeof(LmView));
		v->id = cat->id;
		v->result_relid = cat->result_relid;
		v->failed = true;
		v->cxt = AllocSetContextCreate(lm_worker.cxt, "laminar failed view", ALLOCSET_SMALL_SIZES);
		v->stats = slot;
		return v;
	}
	lm_worker.compiling_id = cat->id;
	lm_worker_hold_begin(NULL);
	PG_TRY();
	{
		/* compiling opens both: lock them as a worker should (lock.c) */
		lm_worker_lock_table(cat->result_relid, AccessShareLock);
		lm_worker_lock_table(cat->stream_relid, AccessShareLock);
		v = lm_view_compile(cat, lm_worker.cxt);
	}
	PG_CATCH();
	{
		bool timed_out = lm_worker_hold_end();
		MemoryContext ecxt = MemoryContextSwitchTo(lm_worker.cxt);
		ErrorData *edata = CopyErrorData();

		MemoryContextSwitchTo(ecxt);
		lm_worker.compiling_id = 0;
		if (!timed_out && !lm_error_is_transient(edata->sqlerrcode))
			PG_RE_THROW();
		FlushErrorState();
		ereport(LOG, (errmsg("laminar worker %d: view %d could not be loaded: %s", lm_worker.me,
							 cat->id, timed_out ? "laminar.view_timeout exceeded" : edata->message),
					  errhint("Is its result table locked? Loading is tried again later.")));
		FreeErrorData(edata);
		lm_worker.reload_backoff_us =
			lm_worker.reload_backoff_us == 0
				? 1000000
				: Min(lm_worker.reload_backoff_us * 2, 60 * INT64CONST(1000000));
		lm_worker.reload_retry_at = lm_clock_now_us() + lm_worker.reload_backoff_us;
	}
	PG_END_TRY();
	(void) lm_worker_hold_end();
	lm_worker.compiling_id = 0;
	return v;
}

/*
 * lm_worker_keep_cat copies what compiling a view reads of its catalog row
 * into the worker's memory, to compile it again later (snapshot cycles).
 */
static LmViewCatalog *
lm_worker_keep_cat(LmViewCatalog *cat)
{
	MemoryContext old = MemoryContextSwitchTo(lm_worker.cxt);
	LmViewCatalog *c = palloc(sizeof(LmViewCatalog));

	*c = *cat;
	c->query = pstrdup(cat->query);
	c->timezone = pstrdup(cat->timezone);
	c->datestyle = pstrdup(cat->datestyle);
	c->intervalstyle = pstrdup(cat->intervalstyle);
	c->definition = NULL;
	c->window_iv = (Datum) 0;
	c->route_attnums = NULL;
	c->inputs = NULL;
	c->ninputs = 0;
	c->keycols = palloc(sizeof(char *) * Max(cat->nkeycols, 1));
	for (int k = 0; k < cat->nkeycols; k++)
		c->keycols[k] = pstrdup(cat->keycols[k]);
	memset(&c->stream, 0, sizeof(c->stream));
	MemoryContextSwitchTo(old);
	return c;
}

/*
 * lm_worker_load_views makes the loaded views match the catalog.  Runs in
 * a transaction.
 */
static void
lm_worker_load_views(void)
{
	List *keep = NIL;
	int32 *live;
	Oid *live_streams;
	int nlive = 0;
	LmSeed *seeds = NULL;
	int nseeds = 0;
	LmViewCatalog *cats;
	int ncats;
	uint64 before; /* slot_clock before the catalog read: see lm_view_slot_release_missing */

	seeds = lm_worker_read_seeds(&nseeds);
	/*
	 * We are the bootstrap superuser: the catalog module's query is immune
	 * to search_path.  A view's role is its result table's current owner,
	 * read here at each load.  LM_CAT_LATEST: a reload in the middle of a
	 * pass (a producer routed to a view we do not know yet) sees a view
	 * that committed after the pass's snapshot was taken.
	 */
	before = pg_atomic_read_u64(&lm_shared->slot_clock);
	pg_memory_barrier();
	cats = lm_cat_views_read(InvalidOid, LM_CAT_LATEST | LM_CAT_RUNNABLE, &ncats);
	live = palloc(sizeof(int32) * Max(ncats, 1));
	live_streams = palloc(sizeof(Oid) * Max(ncats, 1));
	for (int r = 0; r < ncats; r++)
	{
		int32 id = cats[r].id;
		Oid relid = cats[r].result_relid;
		LmView *v = lm_worker_view(id);

		/* ids restart after DROP/CREATE EXTENSION: the relation tells */
		if (v != NULL && !v->failed && v->result_relid != relid)
			v = NULL;
		live[nlive++] = id;
		live_streams[nlive - 1] = cats[r].stream_relid;
		/*
		 * The owner comes from the syscache, not from the query: the pass's
		 * snapshot may predate an owner change whose commit we already see.
		 */
		if (v != NULL && !v->failed)
			lm_worker_follow_owner(v, lm_cat_view_role(relid));
		if (v == NULL)
		{
			LmViewCatalog cat = cats[r];
			MemoryContext old = MemoryContextSwitchTo(lm_worker.cxt);
			Oid owner = lm_cat_view_role(relid);
			Oid save_uid;
			int save_sec;
			int nest;

			if (OidIsValid(owner))
				cat.owner = owner;
			/* the compiled view keeps its key column names */
			cat.keycols = palloc(sizeof(char *) * Max(cat.nkeycols, 1));
			for (int k = 0; k < cat.nkeycols; k++)
				cat.keycols[k] = pstrdup(cats[r].keycols[k]);

			/*
			 * A view created after this process started has had all its rows
			 * written by the groups this process holds: a group new to us is
			 * new to the table, and can be inserted without a conflict check.
			 */
			cat.fresh = cat.created_at > lm_worker.self->started_at;
			MemoryContextSwitchTo(old);

			/*
			 * Compiling runs as the view's owner: an error leaves us as that
			 * role, and with whatever settings its code changed, unless we
			 * restore both here (no transaction abort follows).
			 */
			GetUserIdAndSecContext(&save_uid, &save_sec);
			nest = NewGUCNestLevel();
			PG_TRY();
			{
				v = lm_worker_compile(&cat);
				AtEOXact_GUC(false, nest);
			}
			PG_CATCH();
			{
				/* a view that cannot compile stays failed; others go on */
				ErrorData *edata;

				SetUserIdAndSecContext(save_uid, save_sec);
				AtEOXact_GUC(false, nest);
				MemoryContextSwitchTo(lm_worker.cxt);
				edata = CopyErrorData();
				FlushErrorState();
				/*
				 * Not back to the context current at the catch: that is
				 * ErrorContext, which the next error resets, and the list
				 * of kept views grows below.
				 */
				MemoryContextSwitchTo(old);
				v = MemoryContextAllocZero(lm_worker.cxt, sizeof(LmView));
				v->id = id;
				v->result_relid = relid;
				v->failed = true;
				v->cxt = AllocSetContextCreate(lm_worker.cxt, "laminar failed view",
											   ALLOCSET_SMALL_SIZES);
				v->stats = lm_view_slot(id, true);
				if (v->stats)
					lm_set_view_error(v->stats, edata->message);
				ereport(LOG, (errmsg("laminar worker %d: cannot start view %d: %s", lm_worker.me,
									 id, edata->message)));
			}
			PG_END_TRY();
			if (v == NULL)
				continue; /* not loaded in time: lm_worker_compile retries */
			if (!v->failed)
			{
				v->stats = lm_view_slot(id, true);
				v->wm = lm_worker_stream_wm(cat.stream_relid);
				if (v->wm->idle_us != cat.stream.idle_us)
				{
					/* idle time counts from when we learn of the timeout */
					v->wm->idle_us = cat.stream.idle_us;
					v->wm->last_arrival_us = lm_clock_now_us();
				}
				v->graph->stats = v->stats;
				v->graph->wm = &v->wm->wm;
				lm_graph_describe(v->graph);
				v->cat = lm_worker_keep_cat(&cat);
				lm_worker_seed_view(v, seeds, nseeds);
			}
		}
		keep = lappend(keep, v);
	}

	/* views dropped from the catalog */
	{
		ListCell *lc;

		foreach (lc, lm_worker.views)
		{
			LmView *v = (LmView *) lfirst(lc);

			if (!list_member_ptr(keep, v))
			{
				lm_worker_forget_error(v);
				lm_view_free(v);
			}
		}
	}
	lm_worker.last_view = NULL;
	{
		MemoryContext old = MemoryContextSwitchTo(lm_worker.cxt);

		list_free(lm_worker.views);
		lm_worker.views = list_copy(keep);
		MemoryContextSwitchTo(old);
	}
	lm_view_slot_release_missing(live, nlive, before);
	lm_worker_forget_wms(live_streams, nlive);

	/* stream slots of dropped streams (worker 0 does it for everyone) */
	if (lm_worker.me == 0)
	{
		int nstreams;
		uint64 before = pg_atomic_read_u64(&lm_shared->slot_clock);
		Oid *streams;

		/*
		 * A fresh snapshot, taken after reading the clock: a slot claimed
		 * before belongs to a stream committed before, which it sees.
		 */
		pg_memory_barrier();
		streams = lm_cat_stream_list(LM_CAT_LATEST, &nstreams);
		lm_stream_slot_release_missing(streams, nstreams, before);
	}
}

/*
 * lm_worker_run_view pushes a view's waiting input through its graph (or
 * continues the push an error interrupted), as the view's owner.
 */
static void
lm_worker_run_view(LmView *v)
{
	Oid save_uid;
	int save_sec;
	int n = v->graph->input.n;

	lm_worker.current_view = v;
	v->touched = true;
	lm_view_enter(v, &save_uid, &save_sec);
	if (lm_graph_running(v->graph))
		lm_graph_resume(v->graph);
	else
		lm_graph_push(v->graph, &v->graph->input);
	lm_view_leave(v, save_uid, save_sec);
	lm_worker.current_view = NULL;
	lm_worker.pass_events += n;

	/*
	 * A large transaction takes a while to apply: keep its producer (and the
	 * others) moving by staging what they wrote meanwhile (see
	 * lm_worker_apply_commit: the transaction applied has a staging buffer
	 * of its own).
	 */
	lm_worker_absorb();
	if ((lm_worker.pass_events & ~INT64CONST(1023)) !=
		((lm_worker.pass_events - n) & ~INT64CONST(1023)))
	{
		lm_hold_seq++; /* progress: see laminar.view_timeout */
		if ((lm_worker.pass_events & ~INT64CONST(65535)) !=
			((lm_worker.pass_events - n) & ~INT64CONST(65535)))
			lm_worker_check_mem(v);
	}
}

/*
 * lm_worker_run_queued runs every view that has input waiting.
 */
static void
lm_worker_run_queued(void)
{
	if (lm_worker.resume_view != NULL)
	{
		LmView *v = lm_worker.resume_view;

		lm_worker.resume_view = NULL;
		if (!v->failed)
			lm_worker_run_view(v);
	}
	while (lm_worker.queued != NULL)
	{
		LmView *v = lm_worker.queued;

		lm_worker.queued = v->next_queued;
		v->next_queued = NULL;
		v->queued = false;
		if (!v->failed && v->graph->input.n > 0)
			lm_worker_run_view(v);
	}
}

/*
 * lm_worker_apply_range hands the staged, now committed events of one
 * producer from *pos to their views' input batches, running a view when
 * its batch is full; *pos ends at len.  The events stay in the staging
 * buffer, which does not move, until lm_worker_run_queued has run them.
 */
static void
lm_worker_apply_range(char *buf, Size len, volatile Size *pos)
{
	while (*pos < len)
	{
		LmRecHeader *h = (LmRecHeader *) (buf + *pos);
		LmView *v = lm_worker_view(h->view_id);

		/*
		 * A producer routes only to committed views, but we may not have
		 * reloaded the catalog since that commit: do it now (after running
		 * what waits: a reload may unload a view).
		 */
		if (v == NULL && lm_cat_generation() != lm_worker.loaded_gen)
		{
			lm_worker_run_queued();
			lm_worker.loaded_gen = lm_cat_generation();
			lm_worker_load_views();
			v = lm_worker_view(h->view_id);
		}
		*pos += h->len;

		/*
		 * The view must read the stream the event was formed for: view ids
		 * restart after DROP/CREATE EXTENSION, and deforming a tuple with
		 * another stream's row type would read garbage.
		 */
		if (v == NULL || v->failed || v->stream_relid != h->aux)
			continue;
		if (!v->queued)
		{
			v->queued = true;
			v->next_queued = lm_worker.queued;
			lm_worker.queued = v;
		}
		if (lm_graph_input(v->graph, (MinimalTuple) ((char *) h + sizeof(LmRecHeader))))
			lm_worker_run_view(v);
	}
}

/*
 * lm_worker_start_xact opens the pass's transaction if none is open.
 */
static void
lm_worker_start_xact(void)
{
	if (IsTransactionState())
		return;
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
}

/*
 * lm_worker_commit_xact commits the pass's transaction if one is open.
 */
static void
lm_worker_commit_xact(void)
{
	if (!IsTransactionState())
		return;
	if (ActiveSnapshotSet())
		PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
}

/*
 * lm_worker_recover handles an error raised while running one view: the
 * view is marked failed, the transaction rolled back, and work goes on.
 * Errors outside any view are re-thrown (the worker exits and restarts).
 */
static void
lm_worker_recover(void)
{
	ErrorData *edata;
	MemoryContext old = MemoryContextSwitchTo(lm_worker.cxt);
	LmView *v = lm_worker.current_view;
	bool timed_out = lm_worker_hold_end();

	edata = CopyErrorData();
	MemoryContextSwitchTo(old);
	if (v == NULL)
		PG_RE_THROW();
	FlushErrorState();
	AbortCurrentTransaction();
	lm_view_forget_settings();
	lm_worker.current_view = NULL;
	/* the row that failed is skipped; the push goes on where it stood */
	if (lm_graph_skip_failed(v->graph))
		lm_worker.resume_view = v;
	if (timed_out || lm_error_is_data(edata->sqlerrcode) ||
		lm_error_is_transient(edata->sqlerrcode))
	{
		/* the event, not the view: skip it (lm_graph_skip_failed) */
		lm_worker_skip_event(v, edata->message, timed_out);
		FreeErrorData(edata);
		return;
	}
	ereport(LOG,
			(errmsg("laminar worker %d: view %d failed: %s", lm_worker.me, v->id, edata->message),
			 errhint("Drop and re-create the materialized view after fixing the cause.")));
	lm_set_worker_view_error(lm_worker.me, v->result_relid, edata->message);
	lm_worker_fail_view(v, edata->message);
	FreeErrorData(edata);
}

/*
 * lm_worker_commit_staged applies a committed transaction's staged events
 * (len bytes of records in buf, which does not move meanwhile).
 */
static void
lm_worker_commit_staged(char *buf, Size len)
{
	/*
	 * Both change inside PG_TRY and are read after a longjmp: volatile, or
	 * the compiler may keep them in registers that the longjmp restores.
	 */
	volatile Size pos = 0;
	volatile bool done = false;

	/* after an error: the interrupted push goes on, then the rest */
	while (!done)
	{
		lm_worker_start_xact();
		PG_TRY();
		{
			/* first the push an error interrupted: its input batch is in use */
			lm_worker_run_queued();
			lm_worker_apply_range(buf, len, &pos);
			lm_worker_run_queued();
			done = true;
		}
		PG_CATCH();
		{
			lm_worker_recover();
		}
		PG_END_TRY();
	}
}

/*
 * lm_worker_stage appends one record to a producer's staging buffer.
 */
static void
lm_worker_stage(LmStaging *st, LmRing *r, uint64 pos, uint32 len)
{
	if (st->len + len > st->cap)
	{
		Size ncap = Max(st->cap * 2, st->len + len);

		ncap = Max(ncap, 64 * 1024);
		st->buf =
			st->buf ? repalloc_huge(st->buf, ncap) : MemoryContextAllocHuge(lm_worker.cxt, ncap);
		st->cap = ncap;
	}
	lm_ring_read(r, pos, st->buf + st->len, len);
	st->len += len;
}

/*
 * lm_worker_check_len ends the process if a record's length does not fit
 * what ring p holds at cursor c.
 */
static inline void
lm_worker_check_len(int p, const LmRecHeader *h, const LmCursor *c)
{
	if (c->end - c->pos < sizeof(LmRecHeader) || h->len < sizeof(LmRecHeader) ||
		h->len > c->end - c->pos || h->len % 8 != 0)
		elog(FATAL, "laminar worker %d: corrupt record in ring of producer %d", lm_worker.me, p);
}

/*
 * lm_worker_read_rec reads the header (and value, seq) of the record at
 * ring p's cursor into rec, checking its length.
 */
static void
lm_worker_read_rec(int p, LmRing *r, LmCursor *c, LmRecSeq *rec)
{
	memset(rec, 0, sizeof(*rec));
	lm_ring_read(r, c->pos, rec, Min(sizeof(*rec), c->end - c->pos));
	lm_worker_check_len(p, &rec->hdr, c);
}

/*
 * lm_worker_set_txn_open records in the ring whether we hold staged,
 * unfinished records of its producer.  txn_open shares the ring's
 * read-mostly cache line with capacity and mask, which the producer reads
 * on every write: store only when the value changes.
 */
static inline void
lm_worker_set_txn_open(LmRing *r, uint32 open)
{
	if (pg_atomic_read_u32(&r->txn_open) != open)
		pg_atomic_write_u32(&r->txn_open, open);
}

/*
 * lm_worker_keep_buffer takes back a staging buffer whose transaction has
 * been applied: it becomes the one staging goes on in if that one is still
 * empty and smaller (so that a run of large transactions does not grow a
 * buffer from scratch, copying it at every doubling, each time), else the
 * spare, unless there is one already.
 */
static void
lm_worker_keep_buffer(LmStaging *st, char *buf, Size cap)
{
	if (st->len == 0 && st->cap < cap)
	{
		char *small = st->buf;
		Size small_cap = st->cap;

		st->buf = buf;
		st->cap = cap;
		buf = small;
		cap = small_cap;
	}
	if (buf == NULL)
		return;
	if (st->spare == NULL)
	{
		st->spare = buf;
		st->spare_cap = cap;
	}
	else if (st->spare_cap < cap)
	{
		pfree(st->spare);
		st->spare = buf;
		st->spare_cap = cap;
	}
	else
		pfree(buf);
}

/*
 * lm_worker_pend reads the commit records of transaction seq at ring p's
 * cursor (its COMMIT, then its WATERMARKs) into a new LmPending at the end
 * of the producer's queue; with a COMMIT the entry takes the events staged
 * for it, and the producer's next transaction gets a fresh staging buffer.
 * Absorbing calls it for a transaction whose turn has not come, and
 * lm_worker_apply_commit for the one it applies now.
 */
static void
lm_worker_pend(int p, LmRing *r, LmCursor *c, uint64 seq)
{
	LmStaging *st = &lm_worker.staging[p];
	LmPending *e;

	if (st->npend == st->pendcap)
	{
		int ncap = Max(4, st->pendcap * 2);

		st->pend = st->pend ? repalloc(st->pend, sizeof(LmPending) * ncap)
							: MemoryContextAlloc(lm_worker.cxt, sizeof(LmPending) * ncap);
		st->pendcap = ncap;
	}
	e = &st->pend[st->npend];
	memset(e, 0, sizeof(*e));
	e->seq = seq;
	while (c->pos < c->end)
	{
		LmRecSeq rec;

		lm_worker_read_rec(p, r, c, &rec);
		if (rec.hdr.type == LM_REC_COMMIT && rec.seq == seq && !e->committed)
			e->committed = true;
		else if (rec.hdr.type == LM_REC_WATERMARK && rec.seq == seq)
		{
			e->wm = e->wm ? repalloc(e->wm, sizeof(LmRecSeq) * (e->nwm + 1))
						  : MemoryContextAlloc(lm_worker.cxt, sizeof(LmRecSeq));
			e->wm[e->nwm++] = rec;
		}
		else
			break;
		c->pos += rec.hdr.len;
	}
	st->npend++;
	if (!e->committed)
		return; /* only WATERMARKs: no events of ours, staging goes on */

	/*
	 * The staged events go with it and are applied from their buffer, while
	 * the producer's next transaction is staged in the spare one: the
	 * buffer applied never moves.
	 */
	e->skip = st->skip;
	e->buf = st->buf;
	e->len = st->len;
	e->cap = st->cap;
	st->buf = st->spare;
	st->cap = st->spare_cap;
	st->spare = NULL;
	st->spare_cap = 0;
	st->len = 0;
	st->skip = false;
	lm_worker_set_txn_open(r, 0);
}

/*
 * lm_worker_apply_pending applies the oldest transaction that absorbing
 * set aside for producer p (as lm_worker_apply_commit would have); returns
 * whether a watermark moved.
 */
static bool
lm_worker_apply_pending(int p)
{
	LmStaging *st = &lm_worker.staging[p];
	/* a copy: absorbing while it is applied may move the array */
	LmPending e = st->pend[st->pendhead++];
	bool moved = false;

	if (st->pendhead == st->npend)
		st->pendhead = st->npend = 0;
	if (e.committed && !e.skip)
		lm_worker_commit_staged(e.buf, e.len);
	for (int i = 0; i < e.nwm; i++)
		moved |= lm_worker_raise_wm(e.wm[i].hdr.aux, e.wm[i].value);
	if (e.wm)
		pfree(e.wm);
	if (e.buf != NULL)
		lm_worker_keep_buffer(st, e.buf, e.cap);
	return moved;
}

/*
 * lm_worker_scan consumes ring p's records from its cursor up to the next
 * COMMIT or WATERMARK record (the start of a transaction's commit records,
 * which lm_worker_drain applies in commit order) or the end: EVENT records
 * are staged, TRUNCATE and ABORT discard.  With events_only it also stops
 * at an ABORT.
 */
static void
lm_worker_scan(int p, bool events_only)
{
	LmRing *r = lm_ring_get(p, lm_worker.me);
	LmCursor *c = &lm_worker.cursors[p];
	LmStaging *st = &lm_worker.staging[p];

	c->at_seq = false;
	while (c->pos < c->end)
	{
		LmRecSeq rec;

		/*
		 * A run of EVENT records is staged with one copy: only their
		 * headers are read one by one.
		 */
		if (!st->skip)
		{
			uint64 run = c->pos;

			while (c->pos < c->end)
			{
				LmRecHeader h;

				lm_ring_read(r, c->pos, &h, Min(sizeof(h), c->end - c->pos));
				if (c->end - c->pos < sizeof(h) || h.type != LM_REC_EVENT)
					break;
				lm_worker_check_len(p, &h, c);
				c->pos += h.len;
			}
			if (c->pos > run)
			{
				lm_worker_stage(st, r, run, c->pos - run);
				lm_worker_set_txn_open(r, 1);
				continue;
			}
		}
		lm_worker_read_rec(p, r, c, &rec);
		if (rec.hdr.type == LM_REC_COMMIT || rec.hdr.type == LM_REC_WATERMARK)
		{
			/*
			 * Absorbing: a transaction whose records are all published is
			 * set aside until its turn, and the producer's next one staged.
			 */
			if (events_only && rec.seq < lm_worker.absorb_horizon &&
				st->npend - st->pendhead < LM_MAX_PENDING)
			{
				lm_worker_pend(p, r, c, rec.seq);
				continue;
			}
			c->at_seq = true;
			c->seq = rec.seq;
			return;
		}
		/* absorbing only: stop at the first record that would change state */
		if (events_only && rec.hdr.type != LM_REC_EVENT && rec.hdr.type != LM_REC_TRUNCATE)
			return;
		switch (rec.hdr.type)
		{
			case LM_REC_EVENT:
				/* skipped (resync): staged runs are handled above */
				break;
			case LM_REC_TRUNCATE:
				if (!st->skip && rec.value >= 0 && (Size) rec.value < st->len)
					st->len = rec.value;
				break;
			case LM_REC_ABORT:
				st->len = 0;
				st->skip = false;
				lm_worker_set_txn_open(r, 0);
				break;
			default:
				break;
		}
		c->pos += rec.hdr.len;
	}
}

/*
 * lm_worker_release hands ring p's consumed bytes back to its producer and
 * wakes the producer if it waits for room.
 */
static void
lm_worker_release(int p)
{
	LmRing *r = lm_ring_get(p, lm_worker.me);
	LmCursor *c = &lm_worker.cursors[p];

	if (c->pos == c->tail)
		return;
	lm_ring_release(r, c->pos);
	c->tail = c->pos;

	/*
	 * Store tail, then load producer_waiting; the producer stores
	 * producer_waiting, then loads tail.  Without a full barrier on both
	 * sides each load may pass the other's store (x86 reorders a store
	 * with a later load), both see the old values, and the producer sleeps
	 * its whole timeout on a ring with room: a lost wake-up.
	 */
	pg_memory_barrier();
	if (pg_atomic_read_u32(&r->producer_waiting))
	{
		int procno = r->producer_procno;

		if (procno >= 0)
			SetLatch(&ProcGlobal->allProcs[procno].procLatch);
	}
}

/*
 * lm_worker_open_cursor starts reading ring p at its tail, up to the head
 * published now, and consumes up to its first commit record.
 */
static void
lm_worker_open_cursor(int p, bool events_only)
{
	LmRing *r = lm_ring_get(p, lm_worker.me);
	LmCursor *c = &lm_worker.cursors[p];

	c->tail = pg_atomic_read_u64(&r->tail);
	c->pos = c->tail;
	c->end = c->tail + lm_ring_available(r, c->tail);
	c->at_seq = false;
	if (c->pos < c->end)
		lm_worker_scan(p, events_only);
}

/*
 * lm_worker_apply_commit applies the transaction whose commit records are
 * at ring p's cursor: its COMMIT (the staged events, judged against the
 * watermark as it stands, i.e. as of the transactions numbered before it),
 * then its WATERMARK records; then consumes up to the next commit records.
 * Returns whether a watermark moved.
 */
static bool
lm_worker_apply_commit(int p)
{
	LmRing *r = lm_ring_get(p, lm_worker.me);
	LmCursor *c = &lm_worker.cursors[p];
	bool moved;

	/*
	 * Its commit records become the producer's queued transaction (none is
	 * queued before it: lm_worker_drain takes those first), and their ring
	 * space goes back now: the producer may go on meanwhile.
	 */
	lm_worker_pend(p, r, c, c->seq);
	lm_worker_release(p);
	moved = lm_worker_apply_pending(p);
	lm_worker_scan(p, false);
	lm_worker_release(p);
	return moved;
}

/*
 * lm_worker_commit_horizon returns a commit number h such that every
 * transaction numbered below h has published all its records in our rings:
 * the lowest of the next number to be taken and the floors of the producers
 * in the middle of a commit.  Read before the rings' heads.
 *
 * Why: let T, of producer p, have number s < h.  s < commit_seq as read
 * here, so T's fetch-add precedes our read, and T's store of its floor
 * (F <= s) precedes its fetch-add (a full barrier); after our read barrier
 * we therefore see p's floor as F (then h <= F <= s: impossible), or as a
 * later store: T's LM_NO_COMMIT, written after T published (write barrier),
 * or the floor of a later transaction of p, written later still.  Either
 * way T's head stores are visible to our reads of the heads that follow
 * our second read barrier.
 */
static uint64
lm_worker_commit_horizon(void)
{
	uint64 h = pg_atomic_read_u64(&lm_shared->commit_seq);

	pg_read_barrier();
	for (int p = 0; p < lm_shared->nproducers; p++)
	{
		uint64 f = pg_atomic_read_u64(&lm_shared->producers[p].commit_floor);

		if (f < h)
			h = f;
	}
	pg_read_barrier();
	return h;
}

/*
 * lm_worker_drain consumes the records available in the rings and applies
 * the committed transactions in commit order: it merges the rings by the
 * commit numbers of their COMMIT/WATERMARK records and applies a
 * transaction only once every lower number is known to be published
 * (lm_worker_commit_horizon).  A ring stops at a transaction it cannot
 * apply yet; its events stay staged until a later pass.  Returns whether
 * a watermark moved.
 */
static bool
lm_worker_drain(void)
{
	uint64 horizon = lm_worker_commit_horizon();
	bool moved = false;

	for (int p = 0; p < lm_shared->nproducers; p++)
	{
		lm_worker_open_cursor(p, false);
		lm_worker_release(p);
	}
	for (;;)
	{
		int next = -1;
		uint64 nextseq = 0;

		for (int p = 0; p < lm_shared->nproducers; p++)
		{
			LmCursor *c = &lm_worker.cursors[p];
			LmStaging *st = &lm_worker.staging[p];
			uint64 seq;

			/* a producer's transactions set aside come before its ring's */
			if (st->pendhead < st->npend)
				seq = st->pend[st->pendhead].seq;
			else if (c->at_seq)
				seq = c->seq;
			else
				continue;
			if (seq < horizon && (next < 0 || seq < nextseq))
			{
				next = p;
				nextseq = seq;
			}
		}
		if (next < 0)
			break;
		if (lm_worker.staging[next].pendhead < lm_worker.staging[next].npend)
			moved |= lm_worker_apply_pending(next);
		else
			moved |= lm_worker_apply_commit(next);
	}
	return moved;
}

/*
 * lm_worker_absorb moves the events of transactions still in progress from
 * the rings to the staging buffers, and sets aside the transactions whose
 * commit records it reaches if every lower commit number is published
 * (lm_worker_pend; the drain applies them at their turn); it stops at an
 * ABORT and at a commit at or above the horizon.  Long emits, closes and
 * applies call it so that a producer is not left waiting for ring space
 * while we work.
 */
void
lm_worker_absorb(void)
{
	lm_hold_seq++; /* 1024 more rows written: progress (laminar.view_timeout) */
	if (lm_worker.me < 0 || lm_worker.staging == NULL)
		return;
	/*
	 * The last pass sets nothing aside: what it set aside would be lost
	 * with the process, while what stays in the ring is the next worker's.
	 * What earlier passes set aside is below this pass's horizon (horizons
	 * never decrease), so its drain applies it.
	 */
	lm_worker.absorb_horizon = lm_worker.stopping ? 0 : lm_worker_commit_horizon();
	for (int p = 0; p < lm_shared->nproducers; p++)
	{
		lm_worker_open_cursor(p, true);
		lm_worker_release(p);
	}
}

/*
 * lm_worker_each_view runs fn (close windows, emit) on every healthy view
 * for which needed() says there is work, each inside its own
 * subtransaction: an error concerns that view only, and the rows other
 * views wrote in this pass stay.  After a data error the step runs once
 * more, carefully (see lm_worker_view_failed).
 */
static void
lm_worker_each_view(void (*fn)(LmView *), bool (*needed)(LmView *))
{
	ListCell *lc;

	foreach (lc, lm_worker.views)
	{
		LmView *v = (LmView *) lfirst(lc);
		Oid save_uid;
		int save_sec;
		MemoryContext oldcxt;
		ResourceOwner oldowner;

		/* no subtransaction for a view with nothing to do */
		if (v->failed || !needed(v))
			continue;
		lm_worker_start_xact();
		/* a view being dropped: its reload will unload it */
		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(v->result_relid)))
			continue;
		/* a second attempt, row by row where a batch fails, after a data error */
		for (int attempt = 0; attempt < 2; attempt++)
		{
			bool retry = false;

			oldcxt = CurrentMemoryContext;
			oldowner = CurrentResourceOwner;
			BeginInternalSubTransaction(NULL);
			PG_TRY();
			{
				/* waiting for the table's lock counts against the view's time */
				lm_worker_hold_begin(v);
				lm_worker_check_owner(v);
				lm_view_enter(v, &save_uid, &save_sec);
				if (SPI_connect() != SPI_OK_CONNECT)
					elog(ERROR, "laminar: SPI_connect failed");
				fn(v);
				SPI_finish();
				lm_view_leave(v, save_uid, save_sec);
				ReleaseCurrentSubTransaction();
				MemoryContextSwitchTo(oldcxt);
				CurrentResourceOwner = oldowner;
				/*
				 * Careful while a group's row fails; the emit step writes
				 * every dirty group, so it tells (a closing window's failed
				 * rows are gone with the window).
				 */
				if (lm_graph_settle(v->graph, true) > 0)
					v->graph->careful = true;
				else if (needed == lm_worker_emit_needed || v->emit_close)
					v->graph->careful = false;
			}
			PG_CATCH();
			{
				ErrorData *edata;
				bool timed_out = lm_worker_hold_end();

				MemoryContextSwitchTo(lm_worker.cxt);
				edata = CopyErrorData();
				FlushErrorState();
				RollbackAndReleaseCurrentSubTransaction();
				MemoryContextSwitchTo(oldcxt);
				CurrentResourceOwner = oldowner;
				lm_view_forget_settings();
				/* the view keeps its state: what it emitted is dirty again */
				lm_graph_settle(v->graph, false);
				retry = lm_worker_view_failed(v, edata, timed_out);
				FreeErrorData(edata);
			}
			PG_END_TRY();
			if (!retry)
				break;
		}
	}
}

/*
 * lm_worker_view_failed decides what an error in a view's close or emit
 * step does, after its subtransaction was rolled back; returns whether the
 * step is to be run again.  A data error (lm_error_is_data) makes the
 * view write carefully: batch by batch, and row by row where a batch
 * fails, skipping and counting the rows that fail.  A timeout or another
 * transient error skips the step for this cycle (its groups stay dirty).
 * Anything else stops the view.
 */
static bool
lm_worker_view_failed(LmView *v, ErrorData *edata, bool timed_out)
{
	/* a view dropped meanwhile is no failure worth reporting */
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(v->result_relid)))
	{
		lm_worker_fail_view(v, NULL);
		return false;
	}
	if (timed_out)
	{
		if (v->stats)
		{
			char msg[LM_ERRMSG_LEN];

			snprintf(msg, sizeof(msg), "view exceeded laminar.view_timeout (%d ms)",
					 lm_view_timeout_ms);
			lm_set_view_skip(v->stats, msg);
		}
		lm_worker_count_timeout(v);
		return false;
	}
	if (lm_error_is_transient(edata->sqlerrcode))
	{
		if (v->stats)
			lm_set_view_skip(v->stats, edata->message);
		return false;
	}
	if (lm_error_is_data(edata->sqlerrcode) && !v->graph->careful)
	{
		v->graph->careful = true;
		return true;
	}
	ereport(LOG,
			(errmsg("laminar worker %d: view %d failed: %s", lm_worker.me, v->id, edata->message),
			 errhint("Drop and re-create the materialized view after fixing the cause.")));
	lm_set_worker_view_error(lm_worker.me, v->result_relid, edata->message);
	lm_worker_fail_view(v, edata->message);
	return false;
}

/*
 * lm_worker_close_view delivers the stream's watermark to the view's
 * graph, which emits what the windows it closes hold, and writes those
 * rows a budget at a time, absorbing ring input in between; when that
 * moves the view's horizon, it is saved in the same subtransaction.  The
 * Aggregate emits a closing window whole, so that the sink writes its new
 * keys in one index-ordered run (emitting it a budget at a time cost the
 * bench's (t) a quarter more worker CPU in btree inserts).
 */
static void
lm_worker_close_view(LmView *v)
{
	int64 horizon = lm_window_horizon(&v->graph->window, lm_graph_free_wm(v->graph, v->wm->wm));

	lm_graph_watermark(v->graph, v->wm->wm);
	while (lm_graph_flush(v->graph, LM_FLUSH_BUDGET, true))
		lm_worker_absorb();
	if (horizon > v->graph->horizon)
	{
		v->graph->horizon = horizon;
		lm_worker_save_horizon(v);
	}
}

/*
 * lm_worker_close_needed says whether a view has windows to close or a
 * horizon to save.
 */
static bool
lm_worker_close_needed(LmView *v)
{
	if (v->graph->window_us <= 0 || v->agg == NULL)
		return false;
	return lm_agg_has_closable(v->agg, v->wm->wm) ||
		   lm_window_horizon(&v->graph->window, lm_graph_free_wm(v->graph, v->wm->wm)) >
			   v->graph->horizon;
}

/*
 * lm_worker_emit_view writes a view's changed results, a budget of rows at
 * a time, absorbing ring input in between so that producers keep moving.
 */
static void
lm_worker_emit_view(LmView *v)
{
	if (v->emit_every_us > 0)
	{
		/* EMIT EVERY: the next period starts where this one ends, or now */
		int64 now = lm_clock_now_us();

		v->next_every = v->next_every + v->emit_every_us > now ? v->next_every + v->emit_every_us
															   : now + v->emit_every_us;
	}
	while (lm_graph_flush(v->graph, LM_FLUSH_BUDGET, false))
		lm_worker_absorb();
}

/*
 * lm_worker_emit_needed says whether a view has results to write: changed
 * groups, buffered rows, or rows that failed before.  An EMIT EVERY view
 * writes them only once its period has passed, when flush() asks, or on
 * the last pass.
 */
static bool
lm_worker_emit_needed(LmView *v)
{
	if (v->emit_every_us > 0 && !lm_worker.flush_asked && !lm_worker.stopping &&
		lm_clock_now_us() < v->next_every)
		return false;
	return (v->agg != NULL && lm_agg_has_dirty(v->agg)) || lm_sink_has_rows(v->sink) ||
		   (v->late_sink != NULL && lm_sink_has_rows(v->late_sink));
}

/*
 * lm_worker_cycle_view replaces a view's graph by a new one built from its
 * catalog row and restored from a snapshot of the old one's state
 * (laminar.debug_snapshot_cycle): the results must not change.  Returns the
 * view to keep; on an error, the old one.
 */
static LmView *
lm_worker_cycle_view(LmView *v)
{
	MemoryContext cxt = CurrentMemoryContext;
	StringInfoData buf;
	LmView *volatile nv = NULL;

	initStringInfo(&buf);
	lm_graph_snapshot(v->graph, &buf);
	PG_TRY();
	{
		v->cat->owner = v->owner;
		nv = lm_worker_compile(v->cat);
		if (nv != NULL && !nv->failed)
		{
			nv->stats = v->stats;
			nv->wm = v->wm;
			nv->graph->stats = v->stats;
			nv->graph->wm = &v->wm->wm;
			nv->graph->careful = v->graph->careful;
			nv->cat = v->cat;
			nv->timeouts_in_row = v->timeouts_in_row;
			nv->next_every = v->next_every;
			nv->last_timeout_us = v->last_timeout_us;
			lm_graph_restore(nv->graph, buf.data, buf.len);
		}
	}
	PG_CATCH();
	{
		ErrorData *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		ereport(LOG, (errmsg("laminar worker %d: view %d: snapshot cycle failed: %s", lm_worker.me,
							 v->id, edata->message)));
		FreeErrorData(edata);
		if (nv != NULL)
			lm_view_free(nv);
		nv = NULL;
	}
	PG_END_TRY();
	pfree(buf.data);
	if (nv == NULL || nv->failed)
		return v;
	if (nv->stats)
		pg_atomic_fetch_add_u64(&nv->stats->restores, 1);
	lm_view_free(v);
	return nv;
}

/*
 * lm_worker_cycle_views runs lm_worker_cycle_view on every healthy view
 * that saw input since its last cycle.
 */
static void
lm_worker_cycle_views(void)
{
	ListCell *lc;

	foreach (lc, lm_worker.views)
	{
		LmView *v = (LmView *) lfirst(lc);

		if (v->failed || !v->touched || v->graph == NULL || v->cat == NULL)
			continue;
		v->touched = false;
		lfirst(lc) = lm_worker_cycle_view(v);
	}
	lm_worker.last_view = NULL;
}

/*
 * lm_worker_publish_stats updates the counters shown in laminar.workers
 * and laminar.views.
 */
static void
lm_worker_publish_stats(void)
{
	ListCell *lc;
	int64 groups = 0;

	foreach (lc, lm_worker.views)
	{
		LmView *v = (LmView *) lfirst(lc);

		if (!v->failed)
		{
			lm_graph_end_batch(v->graph);
			lm_graph_publish(v->graph);
			lm_worker_check_mem(v);
			groups += lm_graph_groups(v->graph);
		}
	}
	pg_atomic_write_u64(&lm_worker.self->groups_held, (uint64) groups);
	if (lm_worker.pass_events)
		pg_atomic_fetch_add_u64(&lm_worker.self->events_in, lm_worker.pass_events);
	lm_worker.pass_events = 0;
}

/*
 * lm_worker_main is the entry point of stream worker number arg.
 */
void
lm_worker_main(Datum arg)
{
	int cpu, node;
	bool pinned;
	char placement[LM_ERRMSG_LEN];

	lm_worker.me = DatumGetInt32(arg);
	lm_worker_polls_locks = true; /* worker/lock.c */
	/*
	 * SIGTERM (smart and fast shutdown, pg_terminate_backend, laminar's pause
	 * around DROP DATABASE) only sets ShutdownRequestPending, as in
	 * autoprewarm.c: the loop finishes its pass and then one last pass
	 * (lm_worker_step_config) before it exits.  A view that holds the worker
	 * meanwhile is not waited for beyond a tick (lm_worker_hold_tick).
	 */
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();

	if (lm_shared == NULL || lm_worker.me < 0 || lm_worker.me >= lm_shared->nworkers)
		proc_exit(0);
	lm_worker.self = &lm_shared->workers[lm_worker.me];

	/* only one process may own a worker slot */
	SpinLockAcquire(&lm_worker.self->mutex);
	if (lm_worker.self->pid != 0 && lm_worker.self->pid != MyProcPid &&
		kill(lm_worker.self->pid, 0) == 0)
	{
		SpinLockRelease(&lm_worker.self->mutex);
		proc_exit(0);
	}
	if (lm_worker.self->started_at != 0)
		lm_worker.self->restarts++;
	lm_worker.self->pid = MyProcPid;
	lm_worker.self->procno = MyProc->pgprocno;
	lm_worker.self->started_at = GetCurrentTimestamp();
	SpinLockRelease(&lm_worker.self->mutex);
	before_shmem_exit(lm_worker_detach, 0);

	lm_affinity_apply(lm_worker.me, placement, sizeof(placement), &cpu, &node, &pinned);
	SpinLockAcquire(&lm_worker.self->mutex);
	lm_worker.self->cpu = cpu;
	lm_worker.self->numa_node = node;
	lm_worker.self->pinned = pinned;
	strlcpy(lm_worker.self->placement, placement, LM_ERRMSG_LEN);
	SpinLockRelease(&lm_worker.self->mutex);

	BackgroundWorkerInitializeConnection(lm_database, NULL, 0);
	lm_worker.uid = GetUserId();
	pgstat_report_appname("laminar worker");
	lm_worker_arm_timer();

	/*
	 * Result rows are derived state that a restarted worker rebuilds from
	 * new events anyway (0.1 keeps no durable state): waiting for a WAL flush
	 * at every pass would cap the emit rate at the disk's fsync rate.
	 */
	SetConfigOption("synchronous_commit", "off", PGC_SUSET, PGC_S_OVERRIDE);

	/*
	 * We run as the bootstrap superuser, and views run their owners' code
	 * in this process: no schema anyone can create objects in may be on the
	 * path (the same path PostgreSQL 17 gives maintenance commands such as
	 * REFRESH MATERIALIZED VIEW).  A view's stored query holds OIDs; its
	 * functions that need other schemas must SET their own search_path.
	 * Whatever a view's code changes is undone when it leaves
	 * (lm_view_leave), and our own queries pin the path again anyway.
	 */
	SetConfigOption("search_path", LM_SAFE_SEARCH_PATH, PGC_SUSET, PGC_S_SESSION);

	lm_worker.cxt =
		AllocSetContextCreate(TopMemoryContext, "laminar worker", ALLOCSET_DEFAULT_SIZES);
	lm_worker.staging =
		MemoryContextAllocZero(lm_worker.cxt, sizeof(LmStaging) * lm_shared->nproducers);
	lm_worker.cursors =
		MemoryContextAllocZero(lm_worker.cxt, sizeof(LmCursor) * lm_shared->nproducers);
	for (int p = 0; p < lm_shared->nproducers; p++)
		if (pg_atomic_read_u32(&lm_ring_get(p, lm_worker.me)->txn_open))
			lm_worker.staging[p].skip = true;

	ereport(LOG, (errmsg("laminar worker %d started: %s", lm_worker.me, placement)));

	/* an error that escapes a view ends the process: show it first */
	PG_TRY();
	{
		lm_worker_loop();
	}
	PG_CATCH();
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
		ErrorData *edata = CopyErrorData();

		MemoryContextSwitchTo(old);
		lm_set_worker_error(lm_worker.me, edata->message);
		PG_RE_THROW();
	}
	PG_END_TRY();
}

/*
 * lm_worker_step_config handles what arrived since the last pass: pending
 * interrupts (a laminar.view_timeout kill, postmaster death is handled by
 * WaitLatch), a configuration reload (SIGHUP, which may re-time the tick),
 * a pause (DROP DATABASE of our database: exit at once, the database is
 * going away), and a shutdown request (SIGTERM: this pass is the last one).
 */
static void
lm_worker_step_config(void)
{
	CHECK_FOR_INTERRUPTS();
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
		lm_worker_arm_timer();
	}
	if (pg_atomic_read_u32(&lm_shared->paused))
		proc_exit(0);
	if (ShutdownRequestPending)
		lm_worker.stopping = true;
}

/*
 * lm_worker_step_reload makes the loaded views match the catalog when its
 * generation moved (or a view that could not be loaded in time is due for
 * another try), and stops here the views another worker stopped.
 */
static void
lm_worker_step_reload(void)
{
	uint64 gen = lm_cat_generation();
	ListCell *lc;

	if (gen != lm_worker.loaded_gen ||
		(lm_worker.reload_retry_at != 0 && lm_clock_now_us() >= lm_worker.reload_retry_at))
	{
		lm_worker.reload_retry_at = 0;
		lm_worker_start_xact();
		lm_worker_load_views();
		if (lm_worker.reload_retry_at == 0)
			lm_worker.reload_backoff_us = 0; /* every view loaded */
		lm_worker.loaded_gen = gen;
	}

	foreach (lc, lm_worker.views)
	{
		LmView *v = (LmView *) lfirst(lc);

		if (!v->failed && v->stats && pg_atomic_read_u32(&v->stats->failed))
			lm_worker_fail_view(v, NULL);
	}
}

/*
 * lm_worker_step_drain notes the laminar.flush() generation, then applies
 * every transaction committed in the rings, in commit order
 * (lm_worker_drain).  The generation is read first: a flush() that
 * returns once emit_done reaches it has had every transaction committed
 * before it applied, and emitted.
 */
static void
lm_worker_step_drain(void)
{
	pgstat_report_activity(STATE_RUNNING, NULL);
	lm_worker.flush_gen = pg_atomic_read_u64(&lm_shared->flush_gen);
	lm_worker.flush_asked = lm_worker.flush_gen > pg_atomic_read_u64(&lm_worker.self->emit_done);
	lm_worker.wm_moved = lm_worker_drain();
	lm_worker.wm_moved |= lm_worker_idle_advance();
}

/*
 * lm_worker_step_close closes, in every view, the windows the watermark
 * passed, when a watermark moved, flush() asked, or this is the last pass;
 * each view in its own subtransaction (lm_worker_each_view).
 */
static void
lm_worker_step_close(void)
{
	if (lm_worker.wm_moved || lm_worker.flush_asked || lm_worker.stopping)
		lm_worker_each_view(lm_worker_close_view, lm_worker_close_needed);
}

/*
 * lm_worker_emit_gap returns how long after the start of an emit that took
 * took_us the next one is due: laminar.flush_interval while emitting is
 * cheap, and under load LM_EMIT_GAP_FACTOR times the emit's duration, so
 * that writing results takes at most 1 / LM_EMIT_GAP_FACTOR of the
 * worker's time and a group changed many times in between is written once;
 * never more than laminar.max_flush_delay (see src/worker/README.md, "Emit
 * cadence").
 */
static int64
lm_worker_emit_gap(int64 took_us)
{
	int64 interval = (int64) lm_flush_interval_ms * 1000;
	int64 bound = lm_max_flush_delay_ms < 0 ? LM_DEFAULT_DELAY_FACTOR * interval
											: (int64) lm_max_flush_delay_ms * 1000;
	int64 gap = LM_EMIT_GAP_FACTOR * took_us;

	bound = Max(bound, interval);
	return Min(Max(gap, interval), bound);
}

/*
 * lm_worker_next_emit returns when the next emit is due: lm_worker_emit_gap
 * after the start of the last one, from the settings in force now, so that
 * a reload changing laminar.flush_interval re-times it (raised from 10 ms to
 * a minute, the next emit is a minute after the last, not 10 ms).  Before
 * the first emit it is due at once.
 */
static int64
lm_worker_next_emit(void)
{
	return lm_worker.last_emit_at + lm_worker_emit_gap(lm_worker.last_emit_us);
}

/*
 * lm_worker_step_emit writes the views' changed results when they are due
 * (lm_worker_emit_gap after the last emit), when flush() asked, or on the
 * last pass; each view in its own subtransaction, a budget of rows at a
 * time with ring input absorbed in between (lm_worker_emit_view).  It
 * measures the emit, which sets when the next one is due.
 */
static void
lm_worker_step_emit(void)
{
	int64 now = lm_clock_now_us();
	ListCell *lc;

	lm_worker.dirty = false;
	foreach (lc, lm_worker.views)
	{
		LmView *v = (LmView *) lfirst(lc);

		if (!v->failed && lm_worker_emit_needed(v))
		{
			lm_worker.dirty = true;
			break;
		}
	}
	if (!lm_worker.dirty)
		return;
	if (now < lm_worker_next_emit() && !lm_worker.flush_asked && !lm_worker.stopping)
		return;
	lm_worker_each_view(lm_worker_emit_view, lm_worker_emit_needed);
	lm_worker.last_emit_us = Max(lm_clock_now_us() - now, 0);
	lm_worker.last_emit_at = now;
	lm_worker.dirty = false;
}

/*
 * lm_worker_changes_left says whether an EMIT CHANGES view has rows it
 * could not write yet (lm_sink_flush: another worker held its table).
 */
static bool
lm_worker_changes_left(void)
{
	ListCell *lc;

	foreach (lc, lm_worker.views)
	{
		LmView *v = (LmView *) lfirst(lc);

		if (!v->failed && v->emit == LM_EMIT_CHANGES && lm_sink_has_rows(v->sink))
			return true;
	}
	return false;
}

/*
 * lm_worker_step_publish publishes the counters, rebuilds the views from
 * snapshots when laminar.debug_snapshot_cycle asks, commits the pass's
 * transaction (what the close and emit steps wrote becomes visible), and
 * then tells laminar.flush() the generation it waits for is done.
 */
static void
lm_worker_step_publish(void)
{
	lm_worker_publish_stats();
	if (lm_debug_snapshot_cycle)
	{
		lm_worker_start_xact();
		lm_worker_cycle_views();
	}
	lm_worker_commit_xact();
	/*
	 * A changelog (EMIT CHANGES) whose table another worker held has rows
	 * left: flush() is done only when they are written, at a next pass.
	 */
	if (lm_worker.flush_asked && !lm_worker_changes_left())
		pg_atomic_write_u64(&lm_worker.self->emit_done, lm_worker.flush_gen);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * lm_worker_step_exit ends the process after the last pass (SIGTERM): what
 * was committed is applied, the windows the watermark passed are closed,
 * and the results are written and committed.  This is where a final
 * checkpoint of the views' state will go (durable state, a later issue):
 * after the last commit, before the exit.
 */
static void
lm_worker_step_exit(void)
{
	ereport(LOG, (errmsg("laminar worker %d: shutting down", lm_worker.me)));
	proc_exit(0);
}

/*
 * lm_worker_step_wait sleeps until a producer, flush(), SIGHUP, SIGTERM or
 * the timeout wakes us.  Producers do not wake us for every commit: poll
 * twice per flush interval, and sleep until the next emit when results are
 * waiting.  A shutdown requested during the pass does not wait: the next
 * pass is the last one.
 */
static void
lm_worker_step_wait(void)
{
	long timeout = Max(1, lm_flush_interval_ms / 2);

	if (ShutdownRequestPending)
		return;
	if (lm_worker.dirty)
		timeout = Min(timeout, Max(1, (lm_worker_next_emit() - lm_clock_now_us()) / 1000));
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, timeout,
					 PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
}

/*
 * lm_worker_loop is the worker's main loop, one pass per turn; it never
 * returns (lm_worker_step_exit ends the process).
 */
static void
lm_worker_loop(void)
{
	for (;;)
	{
		lm_worker_step_config();  /* interrupts, reload, pause, shutdown */
		lm_worker_step_reload();  /* views match the catalog */
		lm_worker_step_drain();	  /* committed events through the graphs */
		lm_worker_step_close();	  /* windows the watermark passed */
		lm_worker_step_emit();	  /* changed results, on their cadence */
		lm_worker_step_publish(); /* counters, commit, flush() done */
		if (lm_worker.stopping)
			lm_worker_step_exit();
		lm_worker_step_wait(); /* latch, timeout */
	}
}
