/*-------------------------------------------------------------------------
 *
 * laminar.c
 *	  Module entry point and the SQL-callable functions of Laminar.
 *
 * _PG_init defines the settings, and when loaded through
 * shared_preload_libraries also requests shared memory, registers the
 * launcher and installs the transaction callbacks and the utility hook.
 * Loaded any other way (e.g. CREATE EXTENSION on a server without the
 * preload), only the settings exist and every function that needs shared
 * memory raises an error with a hint, so pg_dump/restore still works.
 *
 * The utility hook guards streams against ALTERs, direct or through a
 * parent table, and watches DROP DATABASE of laminar.database: it pauses
 * the workers (they hold connections to it) before the drop proceeds.
 * Around ALTER ... RENAME and ALTER ... SET SCHEMA it has every view's
 * stored SQL written again with the new names (query/querydef.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_inherits.h"
#include "commands/dbcommands.h"
#include "catalog/pg_class.h"
#include "foreign/foreign.h"
#include "utils/lsyscache.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "laminar.h"
#include "catalog/catalog.h"
#include "query/ddl.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(laminar_execute);
PG_FUNCTION_INFO_V1(laminar_flush);
PG_FUNCTION_INFO_V1(laminar_advance_watermark);

void _PG_init(void);

static ProcessUtility_hook_type prev_utility_hook = NULL;

/*
 * lm_pause_workers stops every stream worker and waits (up to 10 s) for
 * them to disconnect, so that DROP DATABASE can proceed.
 */
static void
lm_pause_workers(void)
{
	TimestampTz start = GetCurrentTimestamp();

	pg_atomic_write_u32(&lm_shared->paused, 1);
	for (;;)
	{
		bool any = false;

		for (int i = 0; i < lm_shared->nworkers; i++)
		{
			int pid = lm_shared->workers[i].pid;

			if (pid != 0)
			{
				any = true;
				kill(pid, SIGTERM);
			}
		}
		if (!any || TimestampDifferenceExceeds(start, GetCurrentTimestamp(), 10000))
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 50,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * lm_is_stream says whether relid is a foreign table of the laminar server.
 */
static bool
lm_is_stream(Oid relid)
{
	Oid server;

	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE)
		return false;
	server = get_foreign_server_oid("laminar", true);
	return OidIsValid(server) && GetForeignTable(relid)->serverid == server;
}

#define LM_GUARD_DETAIL                                                                            \
	"Workers read each stream's events with the row type the stream had when its views "           \
	"started; an ALTER of a parent table would change the stream's columns under them."
#define LM_GUARD_HINT "Streams cannot take part in table inheritance or partitioning."

/*
 * lm_guard_stream_cmd checks one subcommand of an ALTER whose target is a
 * stream.  Workers deform events with the row type the stream had when a
 * view started, so every subcommand is refused unless a case below lets it
 * through as harmless to them; allowing one more is adding a case.
 */
static void
lm_guard_stream_cmd(const char *relname, AlterTableCmd *cmd)
{
	switch (cmd->subtype)
	{
		case AT_DropInherit:
			/* NO INHERIT only removes a link that the guards never let exist */
			return;
		case AT_ChangeOwner:
			/* leaves the row type alone; pg_dump emits it for every stream */
			return;
		case AT_AddInherit:
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							errmsg("stream \"%s\" cannot inherit from a table", relname),
							errdetail(LM_GUARD_DETAIL), errhint(LM_GUARD_HINT)));
			break;
		default:
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							errmsg("ALTER on stream \"%s\" is not supported yet", relname),
							errhint("Drop and re-create the stream and its views.")));
	}
}

/*
 * lm_guard_changes_columns says whether an ALTER TABLE subcommand changes
 * columns (presence, type, nullability, default, identity or generation),
 * which ALTER TABLE applies to every partition and inheritance child too.
 */
static bool
lm_guard_changes_columns(AlterTableType subtype)
{
	switch (subtype)
	{
		case AT_AddColumn:
		case AT_AddColumnRecurse:
		case AT_ColumnDefault:
		case AT_CookedColumnDefault:
		case AT_DropNotNull:
		case AT_SetNotNull:
		case AT_DropExpression:
		case AT_CheckNotNull:
		case AT_DropColumn:
		case AT_DropColumnRecurse:
		case AT_AlterColumnType:
		case AT_AlterColumnGenericOptions:
		case AT_AddIdentity:
		case AT_SetIdentity:
		case AT_DropIdentity:
			return true;
		default:
			return false;
	}
}

/*
 * lm_guard_stream_below returns a stream among the partitions and
 * inheritance children (at any depth) of relid, or InvalidOid.
 */
static Oid
lm_guard_stream_below(Oid relid)
{
	ListCell *lc;

	if (!OidIsValid(relid) || !has_subclass(relid))
		return InvalidOid;
	foreach (lc, find_all_inheritors(relid, NoLock, NULL))
		if (lfirst_oid(lc) != relid && lm_is_stream(lfirst_oid(lc)))
			return lfirst_oid(lc);
	return InvalidOid;
}

/*
 * lm_guard_alter_table checks an ALTER TABLE (or ALTER FOREIGN TABLE ...)
 * statement: a stream's own subcommands go through lm_guard_stream_cmd;
 * attaching a stream as a partition, or inheriting from a stream, is
 * refused; and a column change that would reach a stream through a parent
 * (a link made before these guards existed) is refused too.
 */
static void
lm_guard_alter_table(AlterTableStmt *at)
{
	Oid relid = RangeVarGetRelid(at->relation, NoLock, true);
	bool is_stream = lm_is_stream(relid);
	ListCell *lc;

	foreach (lc, at->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (is_stream)
		{
			lm_guard_stream_cmd(at->relation->relname, cmd);
			continue;
		}
		if (cmd->subtype == AT_AttachPartition && IsA(cmd->def, PartitionCmd) &&
			lm_is_stream(RangeVarGetRelid(((PartitionCmd *) cmd->def)->name, NoLock, true)))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot attach stream \"%s\" as a partition of \"%s\"",
							((PartitionCmd *) cmd->def)->name->relname, at->relation->relname),
					 errdetail(LM_GUARD_DETAIL), errhint(LM_GUARD_HINT)));
		if (cmd->subtype == AT_AddInherit && IsA(cmd->def, RangeVar) &&
			lm_is_stream(RangeVarGetRelid((RangeVar *) cmd->def, NoLock, true)))
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							errmsg("\"%s\" cannot inherit from stream \"%s\"",
								   at->relation->relname, ((RangeVar *) cmd->def)->relname),
							errhint(LM_GUARD_HINT)));
		if (lm_guard_changes_columns(cmd->subtype))
		{
			Oid stream = lm_guard_stream_below(relid);

			if (OidIsValid(stream))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("ALTER TABLE \"%s\" would change the columns of stream \"%s\"",
								at->relation->relname, get_rel_name(stream)),
						 errdetail(LM_GUARD_DETAIL),
						 errhint("Detach the stream first (ALTER TABLE ... DETACH PARTITION, or "
								 "ALTER FOREIGN TABLE ... NO INHERIT).")));
		}
	}
}

/*
 * lm_utility_note_owner_change makes the commit of a statement that can
 * change a relation's owner (ALTER TABLE ... OWNER TO and its variants,
 * REASSIGN OWNED) tell the workers to reload their views: a view runs as
 * its result table's current owner, so it must not keep running as the
 * old one.  (The workers also check the owner under lock before each
 * write; this makes them switch at once.)
 */
static void
lm_utility_note_owner_change(Node *parsetree)
{
	ListCell *lc;

	if (IsA(parsetree, ReassignOwnedStmt))
	{
		lm_cat_mark_changed();
		return;
	}
	if (!IsA(parsetree, AlterTableStmt))
		return;
	foreach (lc, ((AlterTableStmt *) parsetree)->cmds)
	{
		Node *cmd = (Node *) lfirst(lc);

		if (IsA(cmd, AlterTableCmd) && ((AlterTableCmd *) cmd)->subtype == AT_ChangeOwner)
		{
			lm_cat_mark_changed();
			return;
		}
	}
}

/*
 * lm_guard_create refuses CREATE TABLE ... PARTITION OF / INHERITS that
 * names a stream as the parent, and a foreign table of the laminar server
 * (what a stream is) created as a partition or an inheritance child.
 */
static void
lm_guard_create(CreateStmt *cs, const char *servername)
{
	ListCell *lc;

	foreach (lc, cs->inhRelations)
	{
		RangeVar *parent = lfirst_node(RangeVar, lc);

		if (lm_is_stream(RangeVarGetRelid(parent, NoLock, true)))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 cs->partbound
						 ? errmsg("cannot create a partition of stream \"%s\"", parent->relname)
						 : errmsg("cannot inherit from stream \"%s\"", parent->relname),
					 errhint(LM_GUARD_HINT)));
	}
	if (servername != NULL && strcmp(servername, "laminar") == 0 &&
		(cs->inhRelations != NIL || cs->partbound != NULL))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("a foreign table of server laminar cannot be a partition or an "
							   "inheritance child"),
						errdetail(LM_GUARD_DETAIL), errhint(LM_GUARD_HINT)));
}

/*
 * lm_utility_hook guards streams against ALTERs that would change their
 * columns (workers deform events with the row type the stream had when a
 * view started: lm_guard_alter_table, lm_guard_create) and pauses the
 * workers around DROP DATABASE of the database they serve.
 */
static void
lm_utility_hook(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				ProcessUtilityContext context, ParamListInfo params, QueryEnvironment *queryEnv,
				DestReceiver *dest, QueryCompletion *qc)
{
	Node *parsetree = pstmt->utilityStmt;
	bool paused = false;
	Oid dropped_db = InvalidOid;
	List *renamed = NIL;

	if (lm_shared != NULL && IsA(parsetree, AlterTableStmt))
		lm_guard_alter_table((AlterTableStmt *) parsetree);
	if (lm_shared != NULL && IsA(parsetree, CreateStmt))
		lm_guard_create((CreateStmt *) parsetree, NULL);
	if (lm_shared != NULL && IsA(parsetree, CreateForeignTableStmt))
		lm_guard_create(&((CreateForeignTableStmt *) parsetree)->base,
						((CreateForeignTableStmt *) parsetree)->servername);
	if (lm_shared != NULL)
		lm_utility_note_owner_change(parsetree);
	/* dropping the extension removes every view: tell the workers */
	if (lm_shared != NULL && IsA(parsetree, DropStmt) &&
		((DropStmt *) parsetree)->removeType == OBJECT_EXTENSION)
		lm_cat_mark_changed();
	if (lm_shared != NULL && IsA(parsetree, DropdbStmt))
	{
		Oid dboid = get_database_oid(((DropdbStmt *) parsetree)->dbname, true);

		if (strcmp(((DropdbStmt *) parsetree)->dbname, lm_database) == 0)
		{
			lm_pause_workers();
			paused = true;
		}
		if (OidIsValid(dboid))
			dropped_db = dboid;
	}
	/* renames change the names in the views' stored SQL: write it again */
	if (lm_shared != NULL && (IsA(parsetree, RenameStmt) || IsA(parsetree, AlterObjectSchemaStmt)))
		renamed = lm_querydef_rename_begin();
	PG_TRY();
	{
		if (prev_utility_hook)
			prev_utility_hook(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest,
							  qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv,
									dest, qc);
	}
	PG_FINALLY();
	{
		if (paused)
		{
			pg_atomic_write_u32(&lm_shared->paused, 0);
			if (lm_shared->launcher_procno >= 0)
				SetLatch(&ProcGlobal->allProcs[lm_shared->launcher_procno].procLatch);
		}
	}
	PG_END_TRY();

	lm_querydef_rename_end(renamed);

	/* the drop succeeded: forget its streams' and views' counters */
	if (OidIsValid(dropped_db))
		lm_slots_release_database(dropped_db);
}

/*
 * _PG_init is the module's entry point.
 */
void
_PG_init(void)
{
	/*
	 * Without the preload (CREATE EXTENSION or a restore on a server that
	 * does not preload laminar) define nothing: a PGC_POSTMASTER setting
	 * defined after startup is FATAL, and the settings mean nothing there.
	 */
	if (!process_shared_preload_libraries_in_progress)
		return;
	lm_guc_define();
	lm_shmem_install_hooks();
	lm_launcher_register();
	lm_cat_register_callbacks();
	lm_prod_register_callbacks();
	prev_utility_hook = ProcessUtility_hook;
	ProcessUtility_hook = lm_utility_hook;
}

/*
 * laminar_execute runs LaminarDB-style statements:
 * laminar.execute(statements text, search_path text).  The function has
 * SET search_path = pg_catalog, pg_temp; the second argument defaults to
 * the caller's search_path (a default is evaluated in the calling query,
 * before the function's SET applies), and the statements resolve the
 * user's names with it.  The 0.1.0 definition, laminar.execute(text)
 * without SET, runs under the caller's path: then that is the one used.
 */
Datum
laminar_execute(PG_FUNCTION_ARGS)
{
	char *user_path;

	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("laminar.execute needs statements, not NULL")));
	if (PG_NARGS() > 1 && PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("laminar.execute needs a search_path, not NULL"),
						errhint("Leave the argument out to use the caller's search_path.")));
	lm_require_loaded();
	if (PG_NARGS() > 1)
		user_path = text_to_cstring(PG_GETARG_TEXT_PP(1));
	else
		user_path = pstrdup(GetConfigOption("search_path", false, false));
	PG_RETURN_TEXT_P(
		cstring_to_text(lm_ddl_execute(text_to_cstring(PG_GETARG_TEXT_PP(0)), user_path)));
}

/*
 * lm_flush_consumed_behind says whether some ring has not yet been consumed
 * up to the head recorded when flush() started.
 */
static bool
lm_flush_consumed_behind(uint64 *heads, int np, int nw)
{
	for (int p = 0; p < np; p++)
		for (int w = 0; w < nw; w++)
			if (pg_atomic_read_u64(&lm_ring_get(p, w)->tail) < heads[p * nw + w])
				return true;
	return false;
}

/*
 * lm_flush_emit_behind says whether some worker has not yet emitted and
 * committed at flush generation gen.
 */
static bool
lm_flush_emit_behind(uint64 gen, int nw)
{
	for (int w = 0; w < nw; w++)
		if (pg_atomic_read_u64(&lm_shared->workers[w].emit_done) < gen)
			return true;
	return false;
}

/*
 * lm_flush_wait wakes the workers and sleeps a millisecond, or raises the
 * timeout error naming what the workers were still doing.
 */
static void
lm_flush_wait(TimestampTz start, int64 timeout_us, const char *what)
{
	lm_wake_all_workers();
	if (TimestampDifferenceExceeds(start, GetCurrentTimestamp(),
								   (int) Min(timeout_us / 1000, INT_MAX)))
		ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
						errmsg("laminar.flush() timed out waiting for stream workers to %s", what),
						errhint("Check laminar.workers for stopped or overloaded workers, or pass "
								"a longer timeout.")));
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1,
					 PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/*
 * laminar_flush waits until every event committed before the call has been
 * processed and its effects committed to the result tables:
 * laminar.flush(timeout interval).
 */
Datum
laminar_flush(PG_FUNCTION_ARGS)
{
	int64 timeout_us = lm_ddl_interval_us(PG_GETARG_DATUM(0), "laminar.flush timeout");
	uint64 *heads;
	int np, nw;
	TimestampTz start = GetCurrentTimestamp();
	uint64 gen;

	lm_require_loaded();
	if (timeout_us <= 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("laminar.flush() timeout must be positive"),
						errhint("Pass an interval such as '30 seconds'.")));
	if (lm_prod_xact_has_events())
		ereport(
			ERROR,
			(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
			 errmsg(
				 "laminar.flush() cannot be called in a transaction that has written to a stream"),
			 errhint(
				 "Commit the transaction first: its events become visible only when it commits.")));

	np = lm_shared->nproducers;
	nw = lm_shared->nworkers;
	heads = palloc(sizeof(uint64) * np * nw);
	for (int p = 0; p < np; p++)
		for (int w = 0; w < nw; w++)
			heads[p * nw + w] = pg_atomic_read_u64(&lm_ring_get(p, w)->head);

	/* phase 1: every record published before the call is consumed */
	while (lm_flush_consumed_behind(heads, np, nw))
		lm_flush_wait(start, timeout_us, "consume events");

	/* phase 2: every worker emits and commits what it holds */
	gen = pg_atomic_add_fetch_u64(&lm_shared->flush_gen, 1);
	while (lm_flush_emit_behind(gen, nw))
		lm_flush_wait(start, timeout_us, "emit results");
	PG_RETURN_VOID();
}

/*
 * laminar_advance_watermark moves a stream's watermark forward by hand, at
 * the commit of the calling transaction: laminar.advance_watermark(stream
 * regclass, ts timestamptz).  It needs ownership of the stream and never
 * moves a watermark back.
 */
Datum
laminar_advance_watermark(PG_FUNCTION_ARGS)
{
	Oid relid = PG_GETARG_OID(0);
	TimestampTz ts = PG_GETARG_TIMESTAMPTZ(1);

	lm_require_loaded();
	if (!lm_cat_stream_read(relid, 0, &(LmStreamCatalog){0}))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a laminar stream",
						get_rel_name(relid) ? get_rel_name(relid) : "?"),
				 errhint("Pass a stream created with laminar.execute('CREATE STREAM ...').")));
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_FOREIGN_TABLE, get_rel_name(relid));
	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
						errmsg("laminar.advance_watermark() needs a finite timestamp"),
						errhint("Pass the time every window before it should close at.")));
	lm_prod_advance_watermark(relid, ts);
	PG_RETURN_VOID();
}
