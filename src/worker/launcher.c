/*-------------------------------------------------------------------------
 *
 * launcher.c
 *	  The launcher: a static background worker that keeps one stream worker
 *	  per configured slot running.
 *
 * The launcher connects to no database (it only reads pg_database, a
 * shared catalog), so it survives DROP DATABASE of laminar.database.  Each
 * second, or when its latch is set, it checks every worker slot: a slot
 * with no live process and no start pending gets a new dynamic background
 * worker (BGW_NEVER_RESTART: restarting is the launcher's job, so a
 * crash-looping worker is restarted at most once a second).  It starts
 * nothing while laminar.database does not exist or a DROP DATABASE of it
 * is in progress.  Catalog changes (CREATE/DROP) are picked up by the
 * workers themselves through the catalog generation counter.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "utils/snapmgr.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"

#include "laminar.h"

/*
 * lm_launcher_register registers the launcher from _PG_init.
 */
void
lm_launcher_register(void)
{
	BackgroundWorker bgw;

	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw.bgw_restart_time = 5;
	strlcpy(bgw.bgw_library_name, "laminar", BGW_MAXLEN);
	strlcpy(bgw.bgw_function_name, "lm_launcher_main", BGW_MAXLEN);
	strlcpy(bgw.bgw_name, "laminar launcher", BGW_MAXLEN);
	strlcpy(bgw.bgw_type, "laminar launcher", BGW_MAXLEN);
	RegisterBackgroundWorker(&bgw);
}

/*
 * lm_launcher_start_worker asks the postmaster for stream worker i.
 */
static bool
lm_launcher_start_worker(int i, BackgroundWorkerHandle **handle)
{
	BackgroundWorker bgw;

	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw.bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(bgw.bgw_library_name, "laminar", BGW_MAXLEN);
	strlcpy(bgw.bgw_function_name, "lm_worker_main", BGW_MAXLEN);
	snprintf(bgw.bgw_name, BGW_MAXLEN, "laminar worker %d", i);
	strlcpy(bgw.bgw_type, "laminar worker", BGW_MAXLEN);
	bgw.bgw_main_arg = Int32GetDatum(i);
	bgw.bgw_notify_pid = MyProcPid;
	return RegisterDynamicBackgroundWorker(&bgw, handle);
}

/*
 * lm_launcher_db_exists says whether laminar.database exists.
 */
static bool
lm_launcher_db_exists(void)
{
	Relation rel;
	TableScanDesc scan;
	HeapTuple tup;
	bool found = false;

	/* a heap scan: without a database, pg_database's indexes are unusable */
	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);

		if (strcmp(NameStr(db->datname), lm_database) == 0 && db->datallowconn)
		{
			found = true;
			break;
		}
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return found;
}

/*
 * lm_launcher_main is the launcher's entry point.
 */
void
lm_launcher_main(Datum arg)
{
	BackgroundWorkerHandle *handles[LM_MAX_WORKERS];
	bool warned_db = false;
	bool warned_slots = false;

	memset(handles, 0, sizeof(handles));
	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	lm_shared->launcher_procno = MyProc->pgprocno;
	ereport(LOG, (errmsg("laminar launcher started: %d workers for database \"%s\"",
						 lm_shared->nworkers, lm_database)));

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		if (pg_atomic_read_u32(&lm_shared->paused) == 0)
		{
			if (!lm_launcher_db_exists())
			{
				if (!warned_db)
					ereport(
						LOG,
						(errmsg(
							 "laminar: database \"%s\" does not exist; stream workers wait for it",
							 lm_database),
						 errhint("Create the database or set laminar.database.")));
				warned_db = true;
			}
			else
			{
				warned_db = false;
				for (int i = 0; i < lm_shared->nworkers; i++)
				{
					pid_t pid;

					if (handles[i] != NULL)
					{
						BgwHandleStatus st = GetBackgroundWorkerPid(handles[i], &pid);

						if (st == BGWH_STARTED || st == BGWH_NOT_YET_STARTED)
							continue;
						pfree(handles[i]);
						handles[i] = NULL;
					}
					if (lm_shared->workers[i].pid != 0)
						continue;
					if (!lm_launcher_start_worker(i, &handles[i]))
					{
						handles[i] = NULL;
						if (!warned_slots)
							ereport(
								WARNING,
								(errmsg(
									 "laminar: no background worker slot free for stream worker %d",
									 i),
								 errhint("Raise max_worker_processes to at least %d plus what "
										 "parallel query and replication need.",
										 lm_shared->nworkers + 1)));
						warned_slots = true;
					}
				}
			}
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1000,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
