/*-------------------------------------------------------------------------
 *
 * lock.c
 *	  How a stream worker takes its lock on a user's table (a view's result
 *	  table, a LATE DATA TO table, a stream) without deadlocking with DDL.
 *
 * A worker's pass is one transaction: it keeps the lock on every table it
 * wrote or compiled until it commits.  A session that drops two views in
 * one transaction (laminar.execute('DROP ...; DROP ...'), DROP STREAM
 * CASCADE, DROP SCHEMA, DROP EXTENSION) locks their tables in its own
 * order.  If the worker holds the first and waits in the lock manager for
 * the second while the session holds the second and waits for the first,
 * Postgres's deadlock detector breaks the cycle by cancelling whichever of
 * the two checks first, and that was often the user's DDL ("deadlock
 * detected" on a plain DROP).
 *
 * So a worker does not queue for such a lock at once.  It asks without
 * waiting (ConditionalLockRelationOid) and, while the lock is taken, polls
 * every millisecond for up to deadlock_timeout; between polls it looks at
 * the holders of the conflicting locks (GetLockConflicts) and, if one of
 * them is itself waiting for a lock this transaction holds, gives up at
 * once with ERRCODE_LOCK_NOT_AVAILABLE: a transient error, after which the
 * view skips this step and tries again at its next pass (its groups stay
 * dirty), or its loading is retried a second later.  The session's DDL then
 * goes on when the pass commits.  When nobody holds a conflicting lock and
 * the worker was refused only because a waiter is queued ahead (a DROP
 * waiting for the table the worker compiled, which it now writes), the
 * worker queues at once: holding a lock on the table puts it ahead of that
 * waiter, and it is granted immediately.  A holder that waits for nothing (a
 * session that LOCKs the table and sleeps) is waited for as before: after
 * the polling the worker queues in the lock manager, bounded by
 * laminar.view_timeout, and a longer cycle than one hop is still broken by
 * the deadlock detector, whose check the worker, waiting last, runs first.
 *
 * Reading another backend's waitLock without its lock partition's LWLock is
 * a hint, not a fact: a stale answer costs one skipped pass or one
 * deadlock_timeout of polling, never correctness.  Outside a stream worker
 * (a backend checking a view) the lock is taken the plain way.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "storage/sinvaladt.h"
#include "utils/lsyscache.h"
#include "utils/wait_event.h"

#include "laminar.h"

/* set by lm_worker_main: this process is a stream worker */
bool lm_worker_polls_locks = false;

/* what stands between a worker and a lock it asked for (lm_lock_obstacle) */
typedef enum LmLockObstacle
{
	LM_LOCK_HOLDERS, /* other transactions hold it: poll on */
	LM_LOCK_CYCLE,	 /* ... and one of them waits for a lock we hold */
	LM_LOCK_QUEUE	 /* nobody holds a conflicting lock: a waiter is ahead */
} LmLockObstacle;

/*
 * lm_lock_held_by_me says whether this transaction holds the lock tagged
 * tag in any mode.
 */
static bool
lm_lock_held_by_me(const LOCKTAG *tag)
{
	for (LOCKMODE m = 1; m <= MaxLockMode; m++)
		if (LockHeldByMe(tag, m))
			return true;
	return false;
}

/*
 * lm_lock_obstacle says why mode on the relation tagged tag was not
 * granted: its holders (LM_LOCK_HOLDERS), a holder that is itself waiting
 * for a lock this transaction holds (LM_LOCK_CYCLE: waiting would close a
 * cycle), or no conflicting holder at all, only a waiter queued ahead
 * (LM_LOCK_QUEUE).
 */
static LmLockObstacle
lm_lock_obstacle(const LOCKTAG *tag, LOCKMODE mode)
{
	VirtualTransactionId *holders = GetLockConflicts(tag, mode, NULL);
	LmLockObstacle what = VirtualTransactionIdIsValid(holders[0]) ? LM_LOCK_HOLDERS : LM_LOCK_QUEUE;

	for (int i = 0; what == LM_LOCK_HOLDERS && VirtualTransactionIdIsValid(holders[i]); i++)
	{
		PGPROC *proc = BackendIdGetProc(holders[i].backendId);
		LOCK *waiting;
		LOCKTAG wtag;

		if (proc == NULL)
			continue; /* a prepared transaction waits for nothing */
		waiting = proc->waitLock;
		if (waiting == NULL)
			continue;
		wtag = waiting->tag;
		if (lm_lock_held_by_me(&wtag))
			what = LM_LOCK_CYCLE;
	}
	pfree(holders);
	return what;
}

/*
 * lm_worker_lock_table takes mode on relation relid for the current
 * transaction, as a stream worker should (the file header): without
 * waiting if it is free, by polling while its holders might be waiting for
 * us, and with an ERRCODE_LOCK_NOT_AVAILABLE error when one of them is.
 */
void
lm_worker_lock_table(Oid relid, LOCKMODE mode)
{
	LOCKTAG tag;
	TimestampTz until;

	if (ConditionalLockRelationOid(relid, mode))
		return;
	if (!lm_worker_polls_locks)
	{
		LockRelationOid(relid, mode);
		return;
	}
	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), DeadlockTimeout);
	for (;;)
	{
		LmLockObstacle what;

		CHECK_FOR_INTERRUPTS(); /* laminar.view_timeout cancels the wait */
		what = lm_lock_obstacle(&tag, mode);
		/*
		 * Only a waiter is in the way (a DROP queued for the table we
		 * compiled): holding a lock on the table, we go ahead of it in the
		 * queue and are granted at once.
		 */
		if (what == LM_LOCK_QUEUE && lm_lock_held_by_me(&tag))
			break;
		if (what == LM_LOCK_CYCLE)
		{
			char *name = get_rel_name(relid);

			ereport(ERROR, (errcode(ERRCODE_LOCK_NOT_AVAILABLE),
							errmsg("could not lock relation \"%s\": its holder waits for a lock "
								   "this stream worker holds",
								   name ? name : "?"),
							errhint("The worker tries again at its next pass.")));
		}
		if (GetCurrentTimestamp() >= until)
			break;
		pgstat_report_wait_start(WAIT_EVENT_PG_SLEEP);
		pg_usleep(1000L);
		pgstat_report_wait_end();
		if (ConditionalLockRelationOid(relid, mode))
			return;
	}
	LockRelationOid(relid, mode);
}
