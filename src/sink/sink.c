/*-------------------------------------------------------------------------
 *
 * sink.c
 *	  The sinks: write a view's changes into its ordinary result table.
 *
 * Upsert sink (keyed ON UPDATE views; a global aggregate is the case of no
 * key).  It collapses the changes of a key: a -old says that the key has a
 * row in the table, a +new is the row to write, and of several +new for a
 * key in one step only the newest is written.  It owns the key -> row map:
 * per key the TID of its row once known, so that the next write updates
 * it in place.  Keys are compared by the bytes of their values; a windowed
 * view's keys are kept per window and forgotten when the window closes.
 * Append sink (ON WINDOW CLOSE and stateless views): every +row is
 * appended.  Sinks write in the step's subtransaction, at most a budget of
 * rows per flush, so that the worker can absorb ring input in between; they
 * never call the worker.
 *
 * Statement path, one SPI statement per batch of rows (never per row; the
 * rows travel as one array per column, unnested):
 *	- upsert with group columns:  INSERT ... SELECT unnest($1), ...
 *	  ON CONFLICT (keys) DO UPDATE ... RETURNING ctid, on the
 *	  NULLS NOT DISTINCT unique index; a key appears once per batch, so no
 *	  row is hit twice;
 *	- a global aggregate (no group columns): UPDATE of its single row;
 *	- append: plain INSERT.
 * Direct path, for upserts into plain heap tables: once a key's row exists
 * its TID is remembered, and later writes update it in place
 * (table_tuple_update, plus index entries when not HOT) after checking
 * under SnapshotSelf that the tuple there still carries the key; a new
 * key of a view created after this worker started (so no row can exist
 * for it) is heap-inserted with its index entries.  Rows are written in
 * TID order and each page is pruned once per flush, so updates stay HOT.
 * A rewrite (new relfilenode) forgets every TID; a table with triggers,
 * RLS, CHECK or NOT NULL constraints, generated columns, added columns or
 * changed typmods always takes the statement path.  Before every write the
 * table is checked against the view (lm_sink_check): a column renamed,
 * dropped or of another type, or a missing unique index, stops the view
 * with an error; a renamed table gets its statement prepared again.
 * Everything runs as the view's owner under SECURITY_RESTRICTED_OPERATION
 * (the worker enters the view before a step).
 *
 * Careful mode (LmGraph.careful, after a write of the view failed on a
 * data error): the statement path only, batch by batch in subtransactions,
 * row by row where a batch fails.  A failing upsert row is skipped, counted
 * once, and kept to be written again at the next flush (unless a newer row
 * of its key replaces it); a failing appended row is dropped and counted.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/xact.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/itemptr.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/sortsupport.h"
#include "parser/parse_oper.h"
#include "catalog/pg_collation.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include <xxhash.h>

#include "laminar.h"
#include "sink/sink.h"

#define LM_EMIT_CHUNK 8192

/* one key of an upsert sink */
typedef struct LmSinkEntry
{
	struct LmSinkEntry *next; /* hash chain */
	uint64 hash;
	uint32 keylen;
	ItemPointerData tid; /* its row in the result table, if known */
	uint32 tid_gen;		 /* ... valid while equal to LmSink.tid_gen */
	bool in_table;		 /* a row for it may exist */
	bool failed;		 /* its row failed at the last write */
	int pending;		 /* its row in the step's rows, -1 if none */
	Datum *keptvals;	 /* a failed row, kept to be written again */
	bool *keptnulls;
	char key[FLEXIBLE_ARRAY_MEMBER];
} LmSinkEntry;

/* the keys of one window (or of the whole view) */
typedef struct LmSinkWin
{
	LmWindowHead head; /* its bounds */
	MemoryContext cxt;
	LmSinkEntry **buckets;
	uint32 nbuckets;
	uint64 nentries;
	bool closing; /* a watermark closed it: forgotten when the step commits */
} LmSinkWin;

typedef struct LmSink
{
	LmOp op;
	LmSinkDesc d; /* what it writes, from the planner */
	/* the table */
	AttrNumber *outattnum; /* result table attribute of each output */
	SPIPlanPtr plan;	   /* upsert / insert / update of the result table */
	char *plan_target;	   /* the table's qualified name when plan was prepared */
	bool returning;		   /* the plan returns ctid (keyed upserts) */
	Oid tid_relnode;	   /* relfilenode the cached row TIDs refer to */
	uint32 tid_gen;		   /* bumped when cached TIDs become invalid */
	/* rows to write: row-major, nout values each */
	MemoryContext rowcxt; /* append: the rows' values; upsert: kept rows */
	Datum *vals;
	bool *nulls;
	LmSinkEntry **ents; /* upsert: each row's key */
	int nrows;
	int cap;
	int written; /* rows before it are written in this step */
	int sorted;	 /* rows before it are in write order (lm_sink_order_rows) */
	int mark;	 /* append: rows from it on came in the running step, -1 */
	/* upsert: keys, per window, oldest first */
	LmSinkWin **wins;
	int nwins;
	int wins_cap;
	int64 nfailed;		/* keys whose row fails */
	uint64 lock_missed; /* EMIT CHANGES: flushes put off by another writer */
	StringInfoData keybuf;
	/*
	 * HAVING: keys whose row goes (a -old with no +new), with their key
	 * columns' values (nkeyout each, in delcxt); deleted at the next flush
	 */
	int ndels;
	int delcap;
	LmSinkEntry **dels;
	Datum *delvals;
	bool *delnulls;
	MemoryContext delcxt;
	SPIPlanPtr delplan; /* DELETE of one key without NULLs */
	/* EMIT CHANGES: one row being formed with its weight */
	Datum *chrow;
	bool *chnulls;
	/* the order of the unique index, to insert new keys in */
	int nsortkeys;
	int *sortcols;		 /* outputs of the index's columns, in its order */
	SortSupport sortsup; /* their default btree orderings */
	bool k0int;			 /* the first one is a signed integer in order (int2/4/8,
						  * date, timestamp[tz]): compared inline */
	bool k1int;			 /* ... and so is the second one */
} LmSink;

static inline uint64 lm_sink_tid_key(const struct LmSinkEntry *e);

/* what a direct (TID) update needs, set up once per flush */
typedef struct LmSinkDirect
{
	Relation rel;
	EState *estate;
	ResultRelInfo *rri;
	TupleTableSlot *oldslot;
	TupleTableSlot *newslot;
	CommandId cid;
	Snapshot snapshot;
	BlockNumber last_pruned;
	/* first rows of new keys, inserted LM_SINK_MULTI at a time */
	TupleTableSlot **ins;
	LmSinkEntry **insents;
	TupleDesc insdesc;
	MemoryContext inscxt; /* what one lm_sink_direct_insert_flush allocates */
	int nins;
	int slotsmade;
} LmSinkDirect;

/* rows per heap_multi_insert: one WAL record and one buffer lock per page */
#define LM_SINK_MULTI 512

#define LM_SINK_RECREATE_HINT                                                                      \
	"Drop and re-create the materialized view: its result table must keep the names "              \
	"and types of the view's columns, and the unique index on its group columns."

/*
 * lm_sink_has_arbiter says whether the result table has a unique index
 * that INSERT ... ON CONFLICT (group columns) infers as its arbiter (valid,
 * immediate, on exactly those columns, no expressions, no predicate) and
 * that treats NULL keys as equal (NULLS NOT DISTINCT, or NOT NULL keys):
 * without one, the upsert fails or appends a second row for a group.
 */
static bool
lm_sink_has_arbiter(LmSink *v, Relation rel)
{
	List *indexes = RelationGetIndexList(rel);
	Bitmapset *keys = NULL;
	bool found = false;
	ListCell *lc;

	for (int k = 0; k < v->d.nkeyout; k++)
		keys = bms_add_member(keys, v->outattnum[v->d.keyout[k]]);
	foreach (lc, indexes)
	{
		HeapTuple tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index ix;
		Bitmapset *cols = NULL;
		bool ok;

		if (!HeapTupleIsValid(tup))
			continue;
		ix = (Form_pg_index) GETSTRUCT(tup);
		ok = ix->indisunique && ix->indimmediate && ix->indisvalid &&
			 heap_attisnull(tup, Anum_pg_index_indexprs, NULL) &&
			 heap_attisnull(tup, Anum_pg_index_indpred, NULL);
		for (int k = 0; ok && k < ix->indnkeyatts; k++)
			cols = bms_add_member(cols, ix->indkey.values[k]);
		ok = ok && bms_equal(cols, keys);
		for (int k = 0; ok && !ix->indnullsnotdistinct && k < v->d.nkeyout; k++)
			if (!TupleDescAttr(RelationGetDescr(rel), v->outattnum[v->d.keyout[k]] - 1)->attnotnull)
				ok = false;
		ReleaseSysCache(tup);
		bms_free(cols);
		if (ok)
		{
			found = true;
			break;
		}
	}
	list_free(indexes);
	bms_free(keys);
	return found;
}

/*
 * lm_sink_check checks the result table against the view, and locks
 * it with lockmode until the end of the transaction, so that it cannot
 * change again before the write.  It runs when the view is compiled and
 * before every write: the table is an ordinary table, and its owner can
 * alter it under a running view.
 *	- Every output of the view needs a live column of its name and of
 *	  exactly its type: the worker builds datums of the query's types, and
 *	  reading them as another type would crash.  RENAME COLUMN, DROP COLUMN
 *	  and ALTER COLUMN TYPE raise an error, which stops the view and shows
 *	  the error in laminar.views.last_error.  A column dropped and added
 *	  again with its name and type is written again (at its new position).
 *	- A keyed ON UPDATE view needs its unique index (lm_sink_has_arbiter)
 *	  when it writes: dropping it stops the view rather than letting it
 *	  append duplicates.  It is not checked when the view is compiled
 *	  (writing is false): a restore creates the index after the catalog
 *	  rows that start the view.
 *	- Added columns are left alone (new rows get their default).
 *	- RENAME and SET SCHEMA keep the table, which the view knows by OID:
 *	  the write statement names the table, so it is prepared again under
 *	  the new name.  Never writing through the old name also means a new
 *	  table created under that name is never written to.
 */
static void
lm_sink_check(LmSink *v, LOCKMODE lockmode, bool writing)
{
	Relation rel;
	TupleDesc desc;
	char *target;

	if (lockmode != NoLock)
		lm_worker_lock_table(v->d.result_relid, lockmode); /* worker/lock.c */
	rel = try_table_open(v->d.result_relid, lockmode);
	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("the result table of continuous view %d no longer exists", v->d.view_id)));
	desc = RelationGetDescr(rel);
	for (int c = 0; c < v->d.nout; c++)
	{
		Form_pg_attribute att = NULL;

		for (int a = 0; a < desc->natts && att == NULL; a++)
			if (!TupleDescAttr(desc, a)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(desc, a)->attname), v->d.outnames[c]) == 0)
				att = TupleDescAttr(desc, a);
		if (att == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("result table \"%s\" has no column \"%s\" for its continuous view",
							RelationGetRelationName(rel), v->d.outnames[c]),
					 errdetail("The view writes its column \"%s\" of type %s there; the "
							   "column was renamed or dropped.",
							   v->d.outnames[c], format_type_be(v->d.outtypes[c])),
					 errhint(LM_SINK_RECREATE_HINT)));
		if (att->atttypid != v->d.outtypes[c])
			ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
							errmsg("column \"%s\" of result table \"%s\" is of type %s but its "
								   "continuous view produces %s",
								   v->d.outnames[c], RelationGetRelationName(rel),
								   format_type_be(att->atttypid), format_type_be(v->d.outtypes[c])),
							errhint(LM_SINK_RECREATE_HINT)));
		v->outattnum[c] = att->attnum;
	}
	if (writing && v->d.upsert && v->d.nkeycols > 0 && !lm_sink_has_arbiter(v, rel))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("result table \"%s\" has no unique index on its group columns",
						RelationGetRelationName(rel)),
				 errdetail("Its continuous view writes each group's row with INSERT ... ON "
						   "CONFLICT on a unique index NULLS NOT DISTINCT over its group columns."),
				 errhint(LM_SINK_RECREATE_HINT)));
	target = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
										RelationGetRelationName(rel));
	if (v->plan != NULL && (v->plan_target == NULL || strcmp(v->plan_target, target) != 0))
	{
		SPI_freeplan(v->plan);
		v->plan = NULL;
		v->returning = false;
	}
	table_close(rel, NoLock);
}

/*
 * lm_sink_unnest_list appends the select list that turns the per-column
 * arrays $1..$n back into rows, and sets the parameter types.  The unnests
 * run in the select list (in lockstep: every array has the batch's length),
 * not in FROM: a set-returning function in FROM expands a composite result
 * (a composite type, a domain over one) into its fields, so a composite
 * column would not fit its target.  In the select list each unnest yields
 * one value of the element type, whatever that type is, and no tuplestore
 * is filled first.  Columns whose type has no array type (arrays, e.g. of
 * composites) travel as text[] and are cast back, which round-trips through
 * the type's own output and input functions.
 */
static void
lm_sink_unnest_list(LmSink *v, StringInfo sql, Oid *argtypes)
{
	for (int c = 0; c < v->d.nout; c++)
	{
		appendStringInfo(sql, "%spg_catalog.unnest($%d)", c ? ", " : "", c + 1);
		if (OidIsValid(v->d.outarraytypes[c]))
			argtypes[c] = v->d.outarraytypes[c];
		else
		{
			appendStringInfo(sql, "::%s", format_type_be_qualified(v->d.outtypes[c]));
			argtypes[c] = TEXTARRAYOID;
		}
	}
}

/*
 * lm_sink_prepare builds and keeps the view's write statement.
 */
static void
lm_sink_prepare(LmSink *v)
{
	StringInfoData sql;
	char *target;
	Oid *argtypes;

	if (v->plan)
		return;
	target = quote_qualified_identifier(get_namespace_name(get_rel_namespace(v->d.result_relid)),
										get_rel_name(v->d.result_relid));
	argtypes = palloc(sizeof(Oid) * v->d.nout);
	initStringInfo(&sql);
	if (v->d.global)
	{
		/* ONLY: never the rows of a table that inherits from the result table */
		appendStringInfo(&sql, "UPDATE ONLY %s SET ", target);
		for (int c = 0; c < v->d.nout; c++)
		{
			appendStringInfo(&sql, "%s%s = $%d", c ? ", " : "", quote_identifier(v->d.outnames[c]),
							 c + 1);
			argtypes[c] = v->d.outtypes[c];
		}
	}
	else
	{
		appendStringInfo(&sql, "INSERT INTO %s (", target);
		for (int c = 0; c < v->d.nout; c++)
			appendStringInfo(&sql, "%s%s", c ? ", " : "", quote_identifier(v->d.outnames[c]));
		appendStringInfoString(&sql, ") SELECT ");
		lm_sink_unnest_list(v, &sql, argtypes);
		if (v->d.upsert)
		{
			bool any = false;

			appendStringInfoString(&sql, " ON CONFLICT (");
			for (int k = 0; k < v->d.nkeycols; k++)
				appendStringInfo(&sql, "%s%s", k ? ", " : "", quote_identifier(v->d.keycols[k]));
			appendStringInfoString(&sql, ") DO UPDATE SET ");
			for (int c = 0; c < v->d.nout; c++)
			{
				bool iskey = false;

				for (int k = 0; k < v->d.nkeycols; k++)
					if (strcmp(v->d.keycols[k], v->d.outnames[c]) == 0)
						iskey = true;
				if (iskey)
					continue;
				appendStringInfo(&sql, "%s%s = EXCLUDED.%s", any ? ", " : "",
								 quote_identifier(v->d.outnames[c]),
								 quote_identifier(v->d.outnames[c]));
				any = true;
			}
			if (!any)
			{
				/* only key columns: nothing to update */
				sql.len -= strlen(" DO UPDATE SET ");
				sql.data[sql.len] = '\0';
				appendStringInfoString(&sql, " DO NOTHING");
			}
			else
			{
				/* remember where each group's row is, for direct updates */
				appendStringInfoString(&sql, " RETURNING ctid");
				v->returning = true;
			}
		}
	}
	v->plan = SPI_prepare(sql.data, v->d.nout, argtypes);
	if (v->plan == NULL)
		elog(ERROR, "laminar: could not prepare \"%s\": %s", sql.data,
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(v->plan);
	if (v->plan_target)
		pfree(v->plan_target);
	v->plan_target = MemoryContextStrdup(v->op.cxt, target);
	pfree(sql.data);
}

/*
 * lm_sink_flush_arrays writes n buffered rows (column-major) through the
 * view's statement.
 */
static void
lm_sink_flush_arrays(LmSink *v, Datum **cols, bool **nulls, int n, LmSinkEntry **groups)
{
	Datum *args = palloc(sizeof(Datum) * v->d.nout);
	int ret;

	if (n == 0)
		return;
	lm_sink_prepare(v);
	if (v->d.global)
	{
		char *argnulls = palloc(v->d.nout + 1);

		/* the last row is the current one */
		for (int c = 0; c < v->d.nout; c++)
		{
			args[c] = cols[c][n - 1];
			argnulls[c] = nulls[c][n - 1] ? 'n' : ' ';
		}
		argnulls[v->d.nout] = '\0';
		ret = SPI_execute_plan(v->plan, args, argnulls, false, 0);
	}
	else
	{
		int dims[1] = {n};
		int lbs[1] = {1};

		for (int c = 0; c < v->d.nout; c++)
		{
			if (!OidIsValid(v->d.outarraytypes[c]))
			{
				for (int i = 0; i < n; i++)
					if (!nulls[c][i])
						cols[c][i] =
							CStringGetTextDatum(OutputFunctionCall(&v->d.outfuncs[c], cols[c][i]));
				args[c] = PointerGetDatum(construct_md_array(cols[c], nulls[c], 1, dims, lbs,
															 TEXTOID, -1, false, TYPALIGN_INT));
				continue;
			}
			args[c] = PointerGetDatum(construct_md_array(cols[c], nulls[c], 1, dims, lbs,
														 v->d.outtypes[c], v->d.outlen[c],
														 v->d.outbyval[c], v->d.outalign[c]));
		}
		ret = SPI_execute_plan(v->plan, args, NULL, false, 0);
	}
	if (ret < 0)
		elog(ERROR, "laminar: writing results of view %d failed: %s", v->d.view_id,
			 SPI_result_code_string(ret));
	if (v->returning && groups != NULL && ret == SPI_OK_INSERT_RETURNING &&
		SPI_processed == (uint64) n)
	{
		/* ModifyTable returns rows in input order */
		for (int i = 0; i < n; i++)
		{
			bool isnull;
			Datum d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);

			if (isnull)
				continue;
			groups[i]->tid = *((ItemPointer) DatumGetPointer(d));
			groups[i]->tid_gen = v->tid_gen;
		}
	}
	if (SPI_tuptable)
		SPI_freetuptable(SPI_tuptable);
	if (v->op.graph->stats)
		pg_atomic_fetch_add_u64(&v->op.graph->stats->rows_emitted, n);
}

/*
 * lm_sink_alloc_cols allocates column-major buffers for up to n rows.
 */
static void
lm_sink_alloc_cols(LmSink *v, int n, Datum ***cols, bool ***nulls)
{
	*cols = palloc(sizeof(Datum *) * v->d.nout);
	*nulls = palloc(sizeof(bool *) * v->d.nout);
	for (int c = 0; c < v->d.nout; c++)
	{
		(*cols)[c] = palloc(sizeof(Datum) * n);
		(*nulls)[c] = palloc(sizeof(bool) * n);
	}
}

/*
 * lm_sink_direct_begin opens the result table for direct updates of rows
 * whose TID we remember.  It returns false where the ordinary statement
 * must do the work because the table has something a bare heap update
 * would bypass: triggers, row-level security, CHECK or NOT NULL
 * constraints, a partition constraint, generated columns, or no UPDATE
 * privilege for the owner.
 */
static bool
lm_sink_direct_begin(LmSink *v, LmSinkDirect *d)
{
	Relation rel;
	TupleConstr *constr;
	RangeTblEntry *rte;

	if (!v->returning)
		return false;
	lm_worker_lock_table(v->d.result_relid, RowExclusiveLock); /* worker/lock.c */
	rel = table_open(v->d.result_relid, RowExclusiveLock);
	constr = RelationGetDescr(rel)->constr;
	if (rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_rel->relam != HEAP_TABLE_AM_OID ||
		rel->rd_rel->relispartition || rel->trigdesc != NULL || rel->rd_rel->relrowsecurity ||
		(constr &&
		 (constr->num_check > 0 || constr->has_generated_stored || constr->has_not_null)) ||
		pg_class_aclcheck(v->d.result_relid, GetUserId(), ACL_UPDATE) != ACLCHECK_OK)
	{
		table_close(rel, NoLock);
		return false;
	}
	/*
	 * The bare path writes tuples built from our outputs: the table must
	 * have exactly those columns (lm_sink_check_table has checked their
	 * types), and no typmod narrower than our values': added columns or a
	 * changed typmod send us through the statement, which applies defaults
	 * and casts.
	 */
	{
		TupleDesc desc = RelationGetDescr(rel);
		int live = 0;

		for (int a = 0; a < desc->natts; a++)
			if (!TupleDescAttr(desc, a)->attisdropped)
				live++;
		for (int c = 0; c < v->d.nout && live == v->d.nout; c++)
		{
			Form_pg_attribute att;

			if (v->outattnum[c] < 1 || v->outattnum[c] > desc->natts)
			{
				live = -1;
				break;
			}
			att = TupleDescAttr(desc, v->outattnum[c] - 1);
			/* a narrower typmod (varchar(n), numeric(p,s)) needs the cast */
			if (att->attisdropped || att->atttypid != v->d.outtypes[c] ||
				(att->atttypmod >= 0 && att->atttypmod != v->d.outtypmods[c]))
				live = -1;
		}
		if (live != v->d.nout)
		{
			table_close(rel, NoLock);
			return false;
		}
	}
	CheckCmdReplicaIdentity(rel, CMD_UPDATE);

	/* a rewrite (VACUUM FULL, CLUSTER, TRUNCATE) moves every row */
	if (rel->rd_node.relNode != v->tid_relnode)
	{
		v->tid_relnode = rel->rd_node.relNode;
		v->tid_gen++;
	}
	d->rel = rel;
	d->estate = CreateExecutorState();
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = v->d.result_relid;
	rte->relkind = RELKIND_RELATION;
	rte->rellockmode = RowExclusiveLock;
	ExecInitRangeTable(d->estate, list_make1(rte));
	d->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(d->rri, rel, 1, NULL, 0);
	ExecOpenIndices(d->rri, false);
	d->cid = GetCurrentCommandId(true);
	d->estate->es_output_cid = d->cid;
	d->snapshot = GetActiveSnapshot();
	d->estate->es_snapshot = d->snapshot;
	d->last_pruned = InvalidBlockNumber;
	d->oldslot = table_slot_create(rel, NULL);
	d->newslot = table_slot_create(rel, NULL);
	return true;
}

/*
 * lm_sink_direct_end releases what lm_sink_direct_begin set up; the lock
 * is kept until commit.
 */
static void
lm_sink_direct_end(LmSinkDirect *d)
{
	Assert(d->nins == 0);
	for (int i = 0; i < d->slotsmade; i++)
		ExecDropSingleTupleTableSlot(d->ins[i]);
	if (d->inscxt)
		MemoryContextDelete(d->inscxt);
	ExecDropSingleTupleTableSlot(d->oldslot);
	ExecDropSingleTupleTableSlot(d->newslot);
	ExecCloseIndices(d->rri);
	FreeExecutorState(d->estate);
	table_close(d->rel, NoLock);
	CommandCounterIncrement();
}

/*
 * lm_sink_datum_eq compares a stored key value with ours, bytewise after
 * detoasting (a stored varlena may have a short header or be compressed).
 */
static bool
lm_sink_datum_eq(Datum a, Datum b, bool byval, int16 len)
{
	if (byval)
		return a == b;
	if (len == -1)
	{
		struct varlena *va = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(a));
		struct varlena *vb = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(b));

		return VARSIZE_ANY_EXHDR(va) == VARSIZE_ANY_EXHDR(vb) &&
			   memcmp(VARDATA_ANY(va), VARDATA_ANY(vb), VARSIZE_ANY_EXHDR(va)) == 0;
	}
	return datumIsEqual(a, b, byval, len);
}

/*
 * lm_sink_fill_slot stores row i of cols/nulls in the slot, by attribute.
 */
static void
lm_sink_fill_slot(LmSink *v, TupleTableSlot *slot, Datum **cols, bool **nulls, int i)
{
	int natts = slot->tts_tupleDescriptor->natts;

	ExecClearTuple(slot);
	for (int a = 0; a < natts; a++)
	{
		slot->tts_values[a] = (Datum) 0;
		slot->tts_isnull[a] = true;
	}
	for (int c = 0; c < v->d.nout; c++)
	{
		slot->tts_values[v->outattnum[c] - 1] = cols[c][i];
		slot->tts_isnull[v->outattnum[c] - 1] = nulls[c][i];
	}
	ExecStoreVirtualTuple(slot);
}

/*
 * lm_sink_try_direct updates a key's row in place by its remembered TID
 * (row i of cols/nulls).  It checks that the tuple there still carries the
 * key and that the update succeeds; on any doubt it returns false and the
 * row goes through the ordinary upsert.
 */
static bool
lm_sink_try_direct(LmSink *v, LmSinkDirect *d, LmSinkEntry *e, Datum **cols, bool **nulls, int i)
{
	TupleTableSlot *old = d->oldslot;
	TupleTableSlot *slot = d->newslot;
	TM_FailureData tmfd;
	LockTupleMode lockmode;
	bool update_indexes;
	TM_Result res;

	if (e->tid_gen != v->tid_gen || !ItemPointerIsValid(&e->tid))
		return false;

	/*
	 * Nothing on this path reads the page through an index, which is where
	 * heap pruning normally happens; without it the page fills with dead
	 * versions and updates stop being HOT.  Prune here, before fetching (it
	 * may move tuple data).
	 */
	if (ItemPointerGetBlockNumber(&e->tid) != d->last_pruned)
	{
		Buffer buf = ReadBuffer(d->rel, ItemPointerGetBlockNumber(&e->tid));

		heap_page_prune_opt(d->rel, buf);
		ReleaseBuffer(buf);
		d->last_pruned = ItemPointerGetBlockNumber(&e->tid);
	}
	/* SnapshotSelf: committed or ours; never a version from an aborted pass */
	if (!table_tuple_fetch_row_version(d->rel, &e->tid, SnapshotSelf, old))
		return false;
	slot_getallattrs(old);
	for (int k = 0; k < v->d.nkeyout; k++)
	{
		int c = v->d.keyout[k];
		int a = v->outattnum[c] - 1;

		if (old->tts_isnull[a] != nulls[c][i])
			return false;
		if (!nulls[c][i] &&
			!lm_sink_datum_eq(old->tts_values[a], cols[c][i], v->d.outbyval[c], v->d.outlen[c]))
			return false;
	}

	lm_sink_fill_slot(v, slot, cols, nulls, i);
	res = table_tuple_update(d->rel, &e->tid, slot, d->cid, d->snapshot, InvalidSnapshot, true,
							 &tmfd, &lockmode, &update_indexes);
	if (res != TM_Ok)
		return false;
	if (update_indexes && d->rri->ri_NumIndices > 0)
		(void) ExecInsertIndexTuples(d->rri, slot, d->estate, true, false, NULL, NIL);
	e->tid = slot->tts_tid;
	return true;
}

/*
 * lm_sink_direct_insert_flush inserts the rows lm_sink_direct_insert has
 * gathered with one heap_multi_insert (as COPY does), then their index
 * entries one by one, and remembers each row's TID.
 */
static void
lm_sink_direct_insert_flush(LmSink *v, LmSinkDirect *d)
{
	MemoryContext old;

	if (d->nins == 0)
		return;
	old = MemoryContextSwitchTo(d->inscxt);
	table_multi_insert(d->rel, d->ins, d->nins, d->cid, 0, NULL);
	for (int i = 0; i < d->nins; i++)
	{
		LmSinkEntry *e = d->insents[i];

		if (d->rri->ri_NumIndices > 0)
			(void) ExecInsertIndexTuples(d->rri, d->ins[i], d->estate, false, false, NULL, NIL);
		e->tid = d->ins[i]->tts_tid;
		e->tid_gen = v->tid_gen;
		e->in_table = true;
		ExecClearTuple(d->ins[i]);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(d->inscxt);
	d->nins = 0;
}

/*
 * lm_sink_direct_insert queues the first row of a key of a fresh view (no
 * row can exist for it: see LmSinkDesc.fresh) for
 * lm_sink_direct_insert_flush.  The unique index still checks; a violation
 * is an error that stops the view, never a duplicate.
 */
static bool
lm_sink_direct_insert(LmSink *v, LmSinkDirect *d, LmSinkEntry *e, Datum **cols, bool **nulls, int i)
{
	TupleTableSlot *slot;

	if (d->ins == NULL)
	{
		d->ins = palloc(sizeof(TupleTableSlot *) * LM_SINK_MULTI);
		d->insents = palloc(sizeof(LmSinkEntry *) * LM_SINK_MULTI);
		/* an unpinned copy: hundreds of pins of one descriptor cost O(n) each */
		d->insdesc = CreateTupleDescCopy(RelationGetDescr(d->rel));
		d->inscxt = AllocSetContextCreate(CurrentMemoryContext, "laminar sink inserts",
										  ALLOCSET_DEFAULT_SIZES);
	}
	/*
	 * Virtual slots: heap_multi_insert forms each tuple from the values, and
	 * the index entries read the same values without deforming the tuple
	 * again (the tuples it forms live in inscxt until the flush ends).
	 */
	if (d->nins == d->slotsmade)
		d->ins[d->slotsmade++] = MakeSingleTupleTableSlot(d->insdesc, &TTSOpsVirtual);
	slot = d->ins[d->nins];
	lm_sink_fill_slot(v, slot, cols, nulls, i);
	d->insents[d->nins++] = e;
	if (d->nins == LM_SINK_MULTI)
		lm_sink_direct_insert_flush(v, d);
	return true;
}

/* a row to write, with the sort key of its key's TID (PG_UINT64_MAX: none) */
typedef struct LmSinkOrder
{
	uint64 tid;
	int64 k0; /* the first index column as an integer (LmSink.k0int) */
	int64 k1; /* the second one (LmSink.k1int) */
	bool n0;  /* ... is NULL */
	bool n1;
	int row;
} LmSinkOrder;

/*
 * lm_sink_cmp_keys orders two rows of new keys by the index's columns from
 * the first one on.
 */
static int
lm_sink_cmp_keys(LmSink *v, int a, int b, int first)
{
	const Datum *va = &v->vals[a * v->d.nout];
	const Datum *vb = &v->vals[b * v->d.nout];
	const bool *na = &v->nulls[a * v->d.nout];
	const bool *nb = &v->nulls[b * v->d.nout];

	for (int k = first; k < v->nsortkeys; k++)
	{
		int c = v->sortcols[k];
		int r = ApplySortComparator(va[c], na[c], vb[c], nb[c], &v->sortsup[k]);

		if (r != 0)
			return r;
	}
	return 0;
}

/*
 * lm_sink_cmp_rows orders rows to write: rows whose key's TID is known
 * first, in TID order, so that each heap page is pruned and visited once;
 * then rows of new keys in the order of the result table's unique index,
 * so that its leaf pages are filled in turn rather than at random.  The
 * first index column, when it is an integer, is compared inline.
 */
static inline int
lm_sink_cmp_rows(const LmSinkOrder *oa, const LmSinkOrder *ob, LmSink *v)
{
	if (oa->tid != ob->tid || oa->tid != PG_UINT64_MAX)
		return oa->tid < ob->tid ? -1 : oa->tid > ob->tid ? 1 : 0;
	if (!v->k0int)
		return lm_sink_cmp_keys(v, oa->row, ob->row, 0);
	if (oa->n0 != ob->n0)
		return oa->n0 ? 1 : -1;
	if (oa->k0 != ob->k0)
		return oa->k0 < ob->k0 ? -1 : 1;
	if (!v->k1int)
		return lm_sink_cmp_keys(v, oa->row, ob->row, 1);
	if (oa->n1 != ob->n1)
		return oa->n1 ? 1 : -1;
	if (oa->k1 != ob->k1)
		return oa->k1 < ob->k1 ? -1 : 1;
	return lm_sink_cmp_keys(v, oa->row, ob->row, 2);
}

/* lm_sink_sort: an inlined sort of LmSinkOrder (lib/sort_template.h) */
#define ST_SORT lm_sink_sort
#define ST_ELEMENT_TYPE LmSinkOrder
#define ST_COMPARE(a, b, arg) lm_sink_cmp_rows(a, b, arg)
#define ST_COMPARE_ARG_TYPE LmSink
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * lm_sink_int_key returns output column c of row r, of an integer-like type
 * (LmSink.k0int), as an int64 that orders the same way.
 */
static inline int64
lm_sink_int_key(LmSink *v, int r, int c, bool *isnull)
{
	Datum d = v->vals[r * v->d.nout + c];

	*isnull = v->nulls[r * v->d.nout + c];
	if (*isnull)
		return 0;
	return v->d.outlen[c] == 8	 ? DatumGetInt64(d)
		   : v->d.outlen[c] == 4 ? DatumGetInt32(d)
								 : DatumGetInt16(d);
}

/*
 * lm_sink_order_rows puts the rows not written yet in write order
 * (lm_sink_cmp_rows), moving them in place and updating their keys.
 */
static void
lm_sink_order_rows(LmSink *v)
{
	int n = v->nrows - v->written;
	LmSinkOrder *order;
	int *idx;
	Datum *vals;
	bool *nulls;
	LmSinkEntry **ents;

	if (n < 2)
	{
		v->sorted = v->nrows;
		return;
	}
	order = palloc(sizeof(LmSinkOrder) * n);
	idx = palloc(sizeof(int) * n);
	for (int i = 0; i < n; i++)
	{
		int r = v->written + i;

		if (i + 8 < n)
			__builtin_prefetch(v->ents[r + 8]);
		order[i].row = r;
		order[i].tid = lm_sink_tid_key(v->ents[r]);
		if (v->k0int)
			order[i].k0 = lm_sink_int_key(v, r, v->sortcols[0], &order[i].n0);
		if (v->k1int)
			order[i].k1 = lm_sink_int_key(v, r, v->sortcols[1], &order[i].n1);
	}
	lm_sink_sort(order, n, v);
	for (int i = 0; i < n; i++)
		idx[i] = order[i].row;
	pfree(order);
	vals = palloc(sizeof(Datum) * v->d.nout * n);
	nulls = palloc(sizeof(bool) * v->d.nout * n);
	ents = palloc(sizeof(LmSinkEntry *) * n);
	for (int i = 0; i < n; i++)
	{
		memcpy(&vals[i * v->d.nout], &v->vals[idx[i] * v->d.nout], sizeof(Datum) * v->d.nout);
		memcpy(&nulls[i * v->d.nout], &v->nulls[idx[i] * v->d.nout], sizeof(bool) * v->d.nout);
		ents[i] = v->ents[idx[i]];
	}
	memcpy(&v->vals[v->written * v->d.nout], vals, sizeof(Datum) * v->d.nout * n);
	memcpy(&v->nulls[v->written * v->d.nout], nulls, sizeof(bool) * v->d.nout * n);
	memcpy(&v->ents[v->written], ents, sizeof(LmSinkEntry *) * n);
	for (int i = 0; i < n; i++)
		if (ents[i]->pending == idx[i])
			ents[i]->pending = v->written + i;
	pfree(idx);
	pfree(vals);
	pfree(nulls);
	pfree(ents);
	v->sorted = v->nrows;
}

/*
 * lm_sink_tid_key returns a key that orders rows by the TID of their key's
 * row.
 */
static inline uint64
lm_sink_tid_key(const LmSinkEntry *e)
{
	if (!ItemPointerIsValid(&e->tid))
		return PG_UINT64_MAX;
	return (uint64) itemptr_encode((ItemPointer) &e->tid);
}

/* ---------------------------------------------------------------------
 * Keys of the upsert sink
 * ---------------------------------------------------------------------
 */

/*
 * lm_sink_find_win returns the key set of the window [start, end),
 * creating it.
 */
static LmSinkWin *
lm_sink_find_win(LmSink *v, int64 start, int64 end)
{
	LmSinkWin *w = lm_windows_find((void **) v->wins, v->nwins, start, end);

	if (w != NULL)
		return w;
	w = MemoryContextAllocZero(v->op.cxt, sizeof(LmSinkWin));
	w->head.start = start;
	w->head.end = end;
	/* small blocks, reused from malloc's heap by the next window (ops/agg.c) */
	w->cxt = AllocSetContextCreate(v->op.cxt, "laminar sink keys", ALLOCSET_DEFAULT_MINSIZE,
								   ALLOCSET_DEFAULT_INITSIZE, LM_WINDOW_MAXBLOCK);
	w->nbuckets = 256;
	w->buckets = MemoryContextAllocZero(w->cxt, sizeof(LmSinkEntry *) * w->nbuckets);
	v->wins =
		(LmSinkWin **) lm_windows_add((void **) v->wins, &v->nwins, &v->wins_cap, w, v->op.cxt);
	return w;
}

/*
 * lm_sink_key_bytes writes the key columns of a row (values/nulls, nout
 * each) into keybuf, as bytes that are equal exactly when the keys are.
 */
static void
lm_sink_key_bytes(LmSink *v, Datum *vals, bool *nulls)
{
	resetStringInfo(&v->keybuf);
	for (int k = 0; k < v->d.nkeyout; k++)
	{
		int c = v->d.keyout[k];

		lm_snap_put_datum(&v->keybuf, vals[c], nulls[c], v->d.outbyval[c], v->d.outlen[c]);
	}
}

/*
 * lm_sink_entry finds the entry of the key now in keybuf, creating it.
 */
static LmSinkEntry *
lm_sink_entry(LmSink *v, LmSinkWin *w)
{
	uint64 h = XXH3_64bits(v->keybuf.data, v->keybuf.len);
	LmSinkEntry *e;

	for (e = w->buckets[h & (w->nbuckets - 1)]; e != NULL; e = e->next)
		if (e->hash == h && e->keylen == (uint32) v->keybuf.len &&
			memcmp(e->key, v->keybuf.data, e->keylen) == 0)
			return e;
	if (w->nentries >= w->nbuckets)
	{
		/* double the buckets: the chains stay short */
		uint32 nb = w->nbuckets * 2;
		LmSinkEntry **b = MemoryContextAllocZero(w->cxt, sizeof(LmSinkEntry *) * nb);

		for (uint32 i = 0; i < w->nbuckets; i++)
			for (LmSinkEntry *x = w->buckets[i], *nx; x != NULL; x = nx)
			{
				nx = x->next;
				x->next = b[x->hash & (nb - 1)];
				b[x->hash & (nb - 1)] = x;
			}
		pfree(w->buckets);
		w->buckets = b;
		w->nbuckets = nb;
	}
	e = MemoryContextAllocZero(w->cxt, offsetof(LmSinkEntry, key) + v->keybuf.len);
	e->hash = h;
	e->keylen = v->keybuf.len;
	e->pending = -1;
	memcpy(e->key, v->keybuf.data, v->keybuf.len);
	e->next = w->buckets[h & (w->nbuckets - 1)];
	w->buckets[h & (w->nbuckets - 1)] = e;
	w->nentries++;
	v->op.groups++;
	return e;
}

/*
 * lm_sink_add_row appends a row to the rows to write (the values are not
 * copied: they live until the step settles, or are kept by the entry).
 */
static int
lm_sink_add_row(LmSink *v, Datum *vals, bool *nulls, LmSinkEntry *e)
{
	int r;

	if (v->nrows == v->cap)
	{
		int ncap = Max(256, v->cap * 2);

		v->vals = v->vals ? repalloc_huge(v->vals, sizeof(Datum) * v->d.nout * ncap)
						  : MemoryContextAllocHuge(v->op.cxt, sizeof(Datum) * v->d.nout * ncap);
		v->nulls = v->nulls ? repalloc_huge(v->nulls, sizeof(bool) * v->d.nout * ncap)
							: MemoryContextAllocHuge(v->op.cxt, sizeof(bool) * v->d.nout * ncap);
		v->ents = v->ents ? repalloc_huge(v->ents, sizeof(LmSinkEntry *) * ncap)
						  : MemoryContextAllocHuge(v->op.cxt, sizeof(LmSinkEntry *) * ncap);
		v->cap = ncap;
	}
	r = v->nrows++;
	memcpy(&v->vals[r * v->d.nout], vals, sizeof(Datum) * v->d.nout);
	memcpy(&v->nulls[r * v->d.nout], nulls, sizeof(bool) * v->d.nout);
	v->ents[r] = e;
	return r;
}

/*
 * lm_sink_same_key says whether rows a and b of a batch have the same key
 * (and window): the same bits in every key column.
 */
static bool
lm_sink_same_key(LmSink *v, LmBatch *in, int a, int b)
{
	if (v->d.windowed && (in->wstart[a] != in->wstart[b] || in->wend[a] != in->wend[b]))
		return false;
	for (int k = 0; k < v->d.nkeyout; k++)
	{
		int c = v->d.keyout[k];
		bool na = LM_BATCH_NULL(in, c, a);
		Datum da = LM_BATCH_VAL(in, c, a);
		Datum db = LM_BATCH_VAL(in, c, b);

		if (na != LM_BATCH_NULL(in, c, b))
			return false;
		if (!na && !(v->d.outbyval[c] ? da == db : datumIsEqual(da, db, false, v->d.outlen[c])))
			return false;
	}
	return true;
}

/*
 * lm_sink_queue_delete queues the deletion of key e's row, whose key
 * columns are among vals/nulls (a row of nout values).  A failed row kept
 * for the key is dropped: the key has no row any more.
 */
static void
lm_sink_queue_delete(LmSink *v, LmSinkEntry *e, Datum *vals, bool *nulls)
{
	MemoryContext old;
	int k = v->d.nkeyout;

	if (v->ndels == v->delcap)
	{
		int ncap = Max(16, v->delcap * 2);

		v->dels = v->dels ? repalloc(v->dels, sizeof(LmSinkEntry *) * ncap)
						  : MemoryContextAlloc(v->op.cxt, sizeof(LmSinkEntry *) * ncap);
		v->delvals = v->delvals ? repalloc(v->delvals, sizeof(Datum) * Max(k, 1) * ncap)
								: MemoryContextAlloc(v->op.cxt, sizeof(Datum) * Max(k, 1) * ncap);
		v->delnulls = v->delnulls ? repalloc(v->delnulls, sizeof(bool) * Max(k, 1) * ncap)
								  : MemoryContextAlloc(v->op.cxt, sizeof(bool) * Max(k, 1) * ncap);
		v->delcap = ncap;
	}
	if (v->delcxt == NULL)
		v->delcxt = AllocSetContextCreate(v->op.cxt, "laminar sink deletes", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(v->delcxt);
	for (int i = 0; i < k; i++)
	{
		int c = v->d.keyout[i];

		v->delnulls[v->ndels * k + i] = nulls[c];
		v->delvals[v->ndels * k + i] =
			nulls[c] ? (Datum) 0 : datumCopy(vals[c], v->d.outbyval[c], v->d.outlen[c]);
	}
	MemoryContextSwitchTo(old);
	v->dels[v->ndels++] = e;
	if (e->keptvals != NULL)
	{
		e->keptvals = NULL;
		e->keptnulls = NULL;
	}
	if (e->failed)
	{
		e->failed = false;
		v->nfailed--;
	}
}

/*
 * lm_sink_delete_where appends "col = $n" (or "col IS NULL") for every key
 * column of the view, joined by AND, with the type's default equality
 * operator, schema-qualified; nulls NULL: every column by value.
 */
static void
lm_sink_delete_where(LmSink *v, StringInfo sql, const bool *nulls, Oid *argtypes, int *nargs)
{
	*nargs = 0;
	for (int i = 0; i < v->d.nkeyout; i++)
	{
		int c = v->d.keyout[i];
		Oid eqop;
		HeapTuple optup;
		Form_pg_operator opform;

		appendStringInfo(sql, "%s%s", i ? " AND " : "", quote_identifier(v->d.outnames[c]));
		if (nulls && nulls[i])
		{
			appendStringInfoString(sql, " IS NULL");
			continue;
		}
		eqop = lookup_type_cache(v->d.outtypes[c], TYPECACHE_EQ_OPR)->eq_opr;
		optup = SearchSysCache1(OPEROID, ObjectIdGetDatum(eqop));
		if (!HeapTupleIsValid(optup))
			elog(ERROR, "laminar: no equality operator for a key of view %d", v->d.view_id);
		opform = (Form_pg_operator) GETSTRUCT(optup);
		appendStringInfo(sql, " OPERATOR(%s.%s) $%d",
						 quote_identifier(get_namespace_name(opform->oprnamespace)),
						 NameStr(opform->oprname), *nargs + 1);
		ReleaseSysCache(optup);
		argtypes[(*nargs)++] = v->d.outtypes[c];
	}
}

/*
 * lm_sink_delete deletes the rows of the keys queued by
 * lm_sink_queue_delete, one statement per key (HAVING turning false is
 * rare): ONLY the result table, by its key columns, NULL-safe.
 */
static void
lm_sink_delete(LmSink *v)
{
	int k = v->d.nkeyout;
	char *target;
	Oid *argtypes;
	Datum *args;

	if (v->ndels == 0)
		return;
	target = quote_qualified_identifier(get_namespace_name(get_rel_namespace(v->d.result_relid)),
										get_rel_name(v->d.result_relid));
	argtypes = palloc(sizeof(Oid) * Max(k, 1));
	args = palloc(sizeof(Datum) * Max(k, 1));
	for (int d = 0; d < v->ndels; d++)
	{
		bool *nulls = &v->delnulls[d * k];
		bool anynull = false;
		int nargs = 0;
		int ret;

		for (int i = 0; i < k; i++)
		{
			anynull |= nulls[i];
			if (!nulls[i])
				args[nargs++] = v->delvals[d * k + i];
		}
		if (!anynull)
		{
			if (v->delplan == NULL)
			{
				StringInfoData sql;

				initStringInfo(&sql);
				appendStringInfo(&sql, "DELETE FROM ONLY %s WHERE ", target);
				lm_sink_delete_where(v, &sql, NULL, argtypes, &nargs);
				v->delplan = SPI_prepare(sql.data, nargs, argtypes);
				if (v->delplan == NULL)
					elog(ERROR, "laminar: could not prepare \"%s\"", sql.data);
				SPI_keepplan(v->delplan);
			}
			ret = SPI_execute_plan(v->delplan, args, NULL, false, 0);
		}
		else
		{
			StringInfoData sql;

			initStringInfo(&sql);
			appendStringInfo(&sql, "DELETE FROM ONLY %s WHERE ", target);
			lm_sink_delete_where(v, &sql, nulls, argtypes, &nargs);
			ret = SPI_execute_with_args(sql.data, nargs, argtypes, args, NULL, false, 0);
		}
		if (ret != SPI_OK_DELETE)
			elog(ERROR, "laminar: deleting a row of view %d failed: %s", v->d.view_id,
				 SPI_result_code_string(ret));
		v->dels[d]->in_table = false;
		ItemPointerSetInvalid(&v->dels[d]->tid);
	}
	v->ndels = 0;
	MemoryContextReset(v->delcxt);
}

/*
 * lm_sink_push takes a batch of changes.  Upsert: -old marks its key as
 * having a row, +new becomes the row to write for its key (replacing one
 * not written yet).  Append: +rows are copied into the sink's memory.
 */
static void
lm_sink_push(LmOp *op, int port, LmBatch *in)
{
	LmSink *v = (LmSink *) op;

	LmSinkEntry *retracted = NULL; /* the key of the previous row, a -old */

	if (!v->d.upsert && op->graph->in_step && v->mark < 0)
		v->mark = v->nrows;
	while (in->pos < in->n)
	{
		int i = in->pos;
		Datum *vals = &LM_BATCH_VAL(in, 0, i);
		bool *nulls = &LM_BATCH_NULL(in, 0, i);

		op->rows_in++;
		if (v->d.changes)
		{
			/* the change and its weight, the last output (_weight) */
			memcpy(v->chrow, vals, sizeof(Datum) * (v->d.nout - 1));
			memcpy(v->chnulls, nulls, sizeof(bool) * (v->d.nout - 1));
			v->chrow[v->d.nout - 1] = Int16GetDatum(in->weight[i]);
			v->chnulls[v->d.nout - 1] = false;
			vals = v->chrow;
			nulls = v->chnulls;
		}
		if (!v->d.upsert)
		{
			if (in->weight[i] > 0 || v->d.changes)
			{
				int r = lm_sink_add_row(v, vals, nulls, NULL);
				MemoryContext old = MemoryContextSwitchTo(v->rowcxt);

				for (int c = 0; c < v->d.nout; c++)
					if (!nulls[c] && !v->d.outbyval[c])
						v->vals[r * v->d.nout + c] = datumCopy(vals[c], false, v->d.outlen[c]);
				MemoryContextSwitchTo(old);
				op->groups = v->nrows;
			}
		}
		else
		{
			LmSinkEntry *e;

			/*
			 * The Aggregate emits a group's -old and +new next to each other:
			 * the +new of the key just retracted needs no second lookup.
			 */
			if (retracted != NULL && in->weight[i] > 0 && i > 0 && in->weight[i - 1] < 0 &&
				lm_sink_same_key(v, in, i - 1, i))
				e = retracted;
			else
			{
				LmSinkWin *w = lm_sink_find_win(v, v->d.windowed ? in->wstart[i] : 0,
												v->d.windowed ? in->wend[i] : 0);

				lm_sink_key_bytes(v, vals, nulls);
				e = lm_sink_entry(v, w);
			}
			retracted = NULL;
			if (in->weight[i] < 0)
			{
				e->in_table = true;
				retracted = e;
				/* no +new for the key: HAVING turned false, its row goes */
				if (i + 1 >= in->n || in->weight[i + 1] < 0 || !lm_sink_same_key(v, in, i, i + 1))
					lm_sink_queue_delete(v, e, vals, nulls);
			}
			else if (e->pending >= v->written)
			{
				memcpy(&v->vals[e->pending * v->d.nout], vals, sizeof(Datum) * v->d.nout);
				memcpy(&v->nulls[e->pending * v->d.nout], nulls, sizeof(bool) * v->d.nout);
			}
			else
				e->pending = lm_sink_add_row(v, vals, nulls, e);
		}
		in->pos++;
	}
}

/*
 * lm_sink_requeue_kept adds the rows that failed at an earlier flush and
 * were not replaced since to the rows to write.
 */
static void
lm_sink_requeue_kept(LmSink *v)
{
	if (v->nfailed == 0)
		return;
	for (int w = 0; w < v->nwins; w++)
		for (uint32 b = 0; b < v->wins[w]->nbuckets; b++)
			for (LmSinkEntry *e = v->wins[w]->buckets[b]; e != NULL; e = e->next)
				if (e->keptvals != NULL && e->pending < 0)
					e->pending = lm_sink_add_row(v, e->keptvals, e->keptnulls, e);
}

/*
 * lm_sink_columns copies rows [from, from + n) of the rows to write (in the
 * order of idx, if given) into column arrays.
 */
static void
lm_sink_columns(LmSink *v, const int *idx, int from, int n, Datum **cols, bool **nulls)
{
	for (int i = 0; i < n; i++)
	{
		int r = idx ? idx[from + i] : from + i;

		for (int c = 0; c < v->d.nout; c++)
		{
			cols[c][i] = v->vals[r * v->d.nout + c];
			nulls[c][i] = v->nulls[r * v->d.nout + c];
		}
	}
}

/*
 * lm_sink_careful_chunk writes rows (idx[from..from+n) or from..from+n)
 * with one statement in a subtransaction; returns false, having written
 * nothing, after a data error, which for a single row is counted.
 */
static bool
lm_sink_careful_chunk(LmSink *v, const int *idx, int from, int n, Datum **cols, bool **nulls)
{
	MemoryContext cxt;
	ResourceOwner owner;
	LmSinkEntry **ents = palloc(sizeof(LmSinkEntry *) * n);
	bool ok = true;

	lm_sink_columns(v, idx, from, n, cols, nulls);
	for (int i = 0; i < n; i++)
		ents[i] = v->ents[idx ? idx[from + i] : from + i];
	lm_graph_sub_begin(&cxt, &owner);
	PG_TRY();
	{
		lm_sink_flush_arrays(v, cols, nulls, n, v->d.upsert ? ents : NULL);
		lm_graph_sub_end(cxt, owner);
	}
	PG_CATCH();
	{
		ErrorData *edata = lm_graph_sub_abort(cxt, owner);

		ok = false;
		if (n == 1)
			lm_graph_skip_row(v->op.graph, edata->message, ents[0] != NULL && ents[0]->failed);
		if (n == 1 && ents[0] != NULL && !ents[0]->failed)
		{
			ents[0]->failed = true;
			v->nfailed++;
		}
		FreeErrorData(edata);
	}
	PG_END_TRY();
	if (ok)
		for (int i = 0; i < n; i++)
		{
			if (ents[i] != NULL && ents[i]->failed)
			{
				ents[i]->failed = false;
				v->nfailed--;
			}
			if (ents[i] != NULL)
				ents[i]->in_table = true;
		}
	pfree(ents);
	return ok;
}

/*
 * lm_sink_write_careful writes n rows from from batch by batch, each in a
 * subtransaction, and row by row where a batch fails.
 */
static void
lm_sink_write_careful(LmSink *v, const int *idx, int from, int n, Datum **cols, bool **nulls)
{
	for (int r0 = 0; r0 < n; r0 += LM_EMIT_CHUNK)
	{
		int k = Min(LM_EMIT_CHUNK, n - r0);

		if (!lm_sink_careful_chunk(v, idx, from + r0, k, cols, nulls) && k > 1)
			for (int i = 0; i < k; i++)
				(void) lm_sink_careful_chunk(v, idx, from + r0 + i, 1, cols, nulls);
	}
}

/*
 * lm_sink_write_upsert writes rows [from, from + n) of an upsert sink: in
 * place where the key's row is known, else by the upsert statement, in
 * batches.
 */
static void
lm_sink_write_upsert(LmSink *v, int from, int n, Datum **cols, bool **nulls)
{
	LmSinkDirect d = {0};
	bool direct;
	int *idx = palloc(sizeof(int) * n);
	LmSinkEntry **batch = palloc(sizeof(LmSinkEntry *) * Min(n, LM_EMIT_CHUNK));
	int nb = 0;
	uint64 ndirect = 0;

	for (int i = 0; i < n; i++)
		idx[i] = from + i;
	if (v->op.graph->careful)
	{
		lm_sink_write_careful(v, idx, 0, n, cols, nulls);
		pfree(idx);
		return;
	}
	direct = lm_sink_direct_begin(v, &d);
	for (int i = 0; i < n; i++)
	{
		int r = idx[i];
		LmSinkEntry *e = v->ents[r];

		/* the keys are all over memory: ask for the next ones early */
		if (i + 8 < n)
			__builtin_prefetch(v->ents[idx[i + 8]]);

		for (int c = 0; c < v->d.nout; c++)
		{
			cols[c][nb] = v->vals[r * v->d.nout + c];
			nulls[c][nb] = v->nulls[r * v->d.nout + c];
		}
		if (direct &&
			(e->in_table ? lm_sink_try_direct(v, &d, e, cols, nulls, nb)
						 : v->d.fresh && lm_sink_direct_insert(v, &d, e, cols, nulls, nb)))
		{
			ndirect++;
			continue;
		}
		e->in_table = true;
		batch[nb++] = e;
		if (nb == LM_EMIT_CHUNK)
		{
			if (direct)
				lm_sink_direct_insert_flush(v, &d);
			lm_sink_flush_arrays(v, cols, nulls, nb, batch);
			nb = 0;
		}
	}
	if (direct)
		lm_sink_direct_insert_flush(v, &d);
	lm_sink_flush_arrays(v, cols, nulls, nb, batch);
	if (direct)
		lm_sink_direct_end(&d);
	if (ndirect > 0 && v->op.graph->stats)
		pg_atomic_fetch_add_u64(&v->op.graph->stats->rows_emitted, ndirect);
	pfree(idx);
	pfree(batch);
}

/*
 * lm_sink_write_append appends rows [from, from + n).
 */
static void
lm_sink_write_append(LmSink *v, int from, int n, Datum **cols, bool **nulls)
{
	if (v->op.graph->careful)
	{
		lm_sink_write_careful(v, NULL, from, n, cols, nulls);
		return;
	}
	for (int r0 = 0; r0 < n; r0 += LM_EMIT_CHUNK)
	{
		int k = Min(LM_EMIT_CHUNK, n - r0);

		lm_sink_columns(v, NULL, from + r0, k, cols, nulls);
		lm_sink_flush_arrays(v, cols, nulls, k, NULL);
	}
}

/*
 * lm_sink_flush writes up to budget of the rows not written yet; returns
 * whether rows remain.  A global aggregate writes only its newest row.
 */
static bool
lm_sink_flush(LmOp *op, int budget)
{
	LmSink *v = (LmSink *) op;
	MemoryContext old;
	Datum **cols;
	bool **nulls;
	int n;

	if (v->written == 0 && v->d.upsert)
		lm_sink_requeue_kept(v);
	if (v->ndels > 0)
	{
		old = MemoryContextSwitchTo(op->graph->stepcxt);
		lm_sink_check(v, RowExclusiveLock, true);
		lm_sink_delete(v);
		MemoryContextSwitchTo(old);
	}
	if (v->written >= v->nrows)
		return false;
	/*
	 * EMIT CHANGES: _seq must grow in commit order, so one writer at a time
	 * holds the table (self-conflicting lock, kept until the worker's pass
	 * commits).  Never wait: another worker holding it means we write at
	 * our next pass; the rows stay (lm_sink_has_rows).
	 */
	if (v->d.changes && !ConditionalLockRelationOid(v->d.result_relid, ShareRowExclusiveLock))
	{
		v->lock_missed++;
		return false;
	}
	if (v->d.global)
	{
		/* one row: its newest value */
		v->written = v->nrows - 1;
		budget = 1;
	}
	n = Min(budget, v->nrows - v->written);
	old = MemoryContextSwitchTo(op->graph->stepcxt);
	if (v->d.upsert && !v->d.global && !op->graph->careful && v->sorted < v->nrows)
		lm_sink_order_rows(v);
	lm_sink_check(v, RowExclusiveLock, true);
	lm_sink_prepare(v);
	lm_sink_alloc_cols(v, Min(n, LM_EMIT_CHUNK), &cols, &nulls);
	if (v->d.upsert)
		lm_sink_write_upsert(v, v->written, n, cols, nulls);
	else
		lm_sink_write_append(v, v->written, n, cols, nulls);
	v->written += n;
	op->rows_out += n;
	MemoryContextSwitchTo(old);
	return v->written < v->nrows;
}

/*
 * lm_sink_has_rows says whether the sink has rows to write.
 */
bool
lm_sink_has_rows(LmOp *op)
{
	LmSink *v = (LmSink *) op;

	return v->nrows > v->written || v->nfailed > 0 || v->ndels > 0;
}

/*
 * lm_sink_watermark marks the windows wm closes for good (after the allowed
 * lateness): their keys are forgotten when the step commits (their rows are
 * written by then).
 */
static void
lm_sink_watermark(LmOp *op, int64 wm)
{
	LmSink *v = (LmSink *) op;

	if (!v->d.windowed || wm == LM_NO_TIME)
		return;
	/* with ALLOW LATENESS, late events may still update a window's rows */
	wm = lm_graph_free_wm(op->graph, wm);
	for (int i = 0; i < v->nwins; i++)
		if (v->wins[i]->head.end <= wm)
			v->wins[i]->closing = true;
}

/*
 * lm_sink_keep copies the row of a key that failed to be written into the
 * key's memory, to be written again at the next flush.
 */
static void
lm_sink_keep(LmSink *v, LmSinkEntry *e, LmSinkWin *w, int r)
{
	MemoryContext old;
	Datum *vals = &v->vals[r * v->d.nout];
	bool *nulls = &v->nulls[r * v->d.nout];

	if (e->keptvals == vals)
		return;
	old = MemoryContextSwitchTo(w->cxt);
	if (e->keptvals == NULL)
	{
		e->keptvals = palloc(sizeof(Datum) * v->d.nout);
		e->keptnulls = palloc(sizeof(bool) * v->d.nout);
	}
	for (int c = 0; c < v->d.nout; c++)
	{
		e->keptnulls[c] = nulls[c];
		e->keptvals[c] =
			nulls[c] ? (Datum) 0 : datumCopy(vals[c], v->d.outbyval[c], v->d.outlen[c]);
	}
	MemoryContextSwitchTo(old);
}

/*
 * lm_sink_win_of returns the window holding an entry (a linear search over
 * the few open windows; only failed rows need it).
 */
static LmSinkWin *
lm_sink_win_of(LmSink *v, LmSinkEntry *e)
{
	for (int w = 0; w < v->nwins; w++)
		for (LmSinkEntry *x = v->wins[w]->buckets[e->hash & (v->wins[w]->nbuckets - 1)]; x;
			 x = x->next)
			if (x == e)
				return v->wins[w];
	return NULL;
}

/*
 * lm_sink_settle ends a step.  Committed: written rows are done, rows that
 * failed are kept by their key, closed windows' keys are forgotten.
 * Rolled back: the rows written are gone (upstream emits again what it
 * emitted in the step; an append sink keeps the rows that came before the
 * step), and the TIDs learned are forgotten.  Returns the keys whose row
 * still fails.
 */
static int64
lm_sink_settle(LmOp *op, bool committed)
{
	LmSink *v = (LmSink *) op;
	int keep = 0;

	if (v->d.upsert)
	{
		for (int r = 0; r < v->nrows; r++)
		{
			LmSinkEntry *e = v->ents[r];

			if (e->pending != r)
				continue;
			e->pending = -1;
			if (committed && e->failed)
			{
				LmSinkWin *w = lm_sink_win_of(v, e);

				if (w != NULL)
					lm_sink_keep(v, e, w, r);
			}
			else if (committed && e->keptvals)
			{
				e->keptvals = NULL;
				e->keptnulls = NULL;
			}
		}
		v->nrows = 0;
	}
	else if (committed && v->written < v->nrows)
	{
		/* rows put off (EMIT CHANGES: another writer held the table) stay */
		int left = v->nrows - v->written;

		memmove(v->vals, &v->vals[v->written * v->d.nout], sizeof(Datum) * left * v->d.nout);
		memmove(v->nulls, &v->nulls[v->written * v->d.nout], sizeof(bool) * left * v->d.nout);
		v->nrows = left;
	}
	else if (committed)
	{
		v->nrows = 0;
		MemoryContextReset(v->rowcxt);
	}
	else if (v->mark >= 0)
		v->nrows = v->mark;
	v->written = 0;
	v->sorted = 0;
	v->mark = -1;
	/* deletes not run: the rolled-back step's groups are emitted again */
	v->ndels = 0;
	if (v->delcxt)
		MemoryContextReset(v->delcxt);
	if (!v->d.upsert)
		op->groups = v->nrows;
	if (!committed)
		v->tid_gen++; /* rows written in the rolled-back work are gone */
	for (int i = 0; i < v->nwins; i++)
	{
		LmSinkWin *w = v->wins[i];

		if (committed && w->closing)
		{
			for (uint32 b = 0; b < w->nbuckets; b++)
				for (LmSinkEntry *e = w->buckets[b]; e != NULL; e = e->next)
					v->nfailed -= e->failed;
			op->groups -= w->nentries;
			MemoryContextDelete(w->cxt);
			pfree(w);
			continue;
		}
		w->closing = false;
		v->wins[keep++] = w;
	}
	v->nwins = keep;
	return v->nfailed;
}

/*
 * lm_sink_reset forgets every row and key (the view stopped).
 */
static void
lm_sink_reset(LmOp *op)
{
	LmSink *v = (LmSink *) op;

	for (int i = 0; i < v->nwins; i++)
	{
		MemoryContextDelete(v->wins[i]->cxt);
		pfree(v->wins[i]);
	}
	v->nwins = 0;
	v->nrows = v->written = v->sorted = 0;
	v->mark = -1;
	v->nfailed = 0;
	op->groups = 0;
	MemoryContextReset(v->rowcxt);
	v->plan = NULL;
	v->tid_gen++;
}

/*
 * lm_sink_end frees the prepared statement.
 */
static void
lm_sink_end(LmOp *op)
{
	LmSink *v = (LmSink *) op;

	if (v->plan)
		SPI_freeplan(v->plan);
	v->plan = NULL;
}

/*
 * lm_sink_explain describes the sink.
 */
static void
lm_sink_explain(LmOp *op, StringInfo line)
{
	LmSink *v = (LmSink *) op;
	char *name = get_rel_name(v->d.result_relid);

	if (v->d.global)
		appendStringInfo(line, "Sink update of the one row of %s", name ? name : "?");
	else if (v->d.upsert)
		appendStringInfo(line, "Sink upsert into %s on (%s%s)", name ? name : "?",
						 v->d.nkeycols > 0 ? v->d.keycols[0] : "",
						 v->d.nkeycols > 1 ? ", ..." : "");
	else if (v->d.changes)
		appendStringInfo(line, "Sink changes into %s (_weight, _seq)", name ? name : "?");
	else
		appendStringInfo(line, "Sink append into %s", name ? name : "?");
}

/*
 * lm_sink_put_row appends one row (nout datums) to a snapshot.
 */
static void
lm_sink_put_row(LmSink *v, StringInfo buf, Datum *vals, bool *nulls)
{
	for (int c = 0; c < v->d.nout; c++)
		lm_snap_put_datum(buf, vals[c], nulls[c], v->d.outbyval[c], v->d.outlen[c]);
}

/*
 * lm_sink_get_row reads one row written by lm_sink_put_row into cxt.
 */
static void
lm_sink_get_row(LmSink *v, const char **p, const char *end, Datum *vals, bool *nulls,
				MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);

	for (int c = 0; c < v->d.nout; c++)
		vals[c] = lm_snap_get_datum(p, end, &nulls[c], v->d.outbyval[c], v->d.outlen[c]);
	MemoryContextSwitchTo(old);
}

/*
 * lm_sink_snapshot writes the sink's state: an append sink's rows not yet
 * written; an upsert sink's keys with their row's TID and a failed row.
 * Taken between steps.
 */
static void
lm_sink_snapshot(LmOp *op, StringInfo buf)
{
	LmSink *v = (LmSink *) op;

	if (!v->d.upsert)
	{
		lm_snap_put_int64(buf, v->nrows);
		for (int r = 0; r < v->nrows; r++)
			lm_sink_put_row(v, buf, &v->vals[r * v->d.nout], &v->nulls[r * v->d.nout]);
		return;
	}
	lm_snap_put_int64(buf, v->nwins);
	for (int i = 0; i < v->nwins; i++)
	{
		LmSinkWin *w = v->wins[i];

		lm_snap_put_int64(buf, w->head.start);
		lm_snap_put_int64(buf, w->head.end);
		lm_snap_put_int64(buf, w->nentries);
		for (uint32 b = 0; b < w->nbuckets; b++)
			for (LmSinkEntry *e = w->buckets[b]; e != NULL; e = e->next)
			{
				bool tid_ok = e->tid_gen == v->tid_gen && ItemPointerIsValid(&e->tid);

				lm_snap_put_int64(buf, e->keylen);
				lm_snap_put_bytes(buf, e->key, e->keylen);
				lm_snap_put_int64(buf, (e->in_table ? 1 : 0) | (e->failed ? 2 : 0) |
										   (tid_ok ? 4 : 0) | (e->keptvals ? 8 : 0));
				lm_snap_put_int64(buf, tid_ok ? (int64) lm_sink_tid_key(e) : 0);
				if (e->keptvals)
					lm_sink_put_row(v, buf, e->keptvals, e->keptnulls);
			}
	}
}

/*
 * lm_sink_restore replaces the sink's state with a snapshot's.
 */
static void
lm_sink_restore(LmOp *op, const char *data, Size len)
{
	LmSink *v = (LmSink *) op;
	const char *p = data;
	const char *end = data + len;
	int64 n;

	lm_sink_reset(op);
	n = lm_snap_get_int64(&p, end);
	if (!v->d.upsert)
	{
		Datum *vals = palloc(sizeof(Datum) * v->d.nout);
		bool *nulls = palloc(sizeof(bool) * v->d.nout);

		for (int64 r = 0; r < n; r++)
		{
			lm_sink_get_row(v, &p, end, vals, nulls, v->rowcxt);
			(void) lm_sink_add_row(v, vals, nulls, NULL);
		}
		op->groups = v->nrows;
		return;
	}
	for (int64 i = 0; i < n; i++)
	{
		int64 start = lm_snap_get_int64(&p, end);
		int64 wend = lm_snap_get_int64(&p, end);
		int64 nent = lm_snap_get_int64(&p, end);
		LmSinkWin *w = lm_sink_find_win(v, start, wend);

		for (int64 k = 0; k < nent; k++)
		{
			int64 keylen = lm_snap_get_int64(&p, end);
			int64 flags;
			int64 tid;
			LmSinkEntry *e;

			if (keylen < 0 || keylen > MaxAllocSize)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("laminar snapshot holds a key of invalid length"),
						 errhint("The snapshot was not written by this version of Laminar.")));
			resetStringInfo(&v->keybuf);
			appendBinaryStringInfo(&v->keybuf, lm_snap_get_bytes(&p, end, keylen), keylen);
			e = lm_sink_entry(v, w);
			flags = lm_snap_get_int64(&p, end);
			tid = lm_snap_get_int64(&p, end);
			e->in_table = (flags & 1) != 0;
			if (flags & 2)
			{
				e->failed = true;
				v->nfailed++;
			}
			if (flags & 4)
			{
				ItemPointerSet(&e->tid, (BlockNumber) (tid >> 16), (OffsetNumber) (tid & 0xFFFF));
				e->tid_gen = v->tid_gen;
			}
			if (flags & 8)
			{
				e->keptvals = MemoryContextAlloc(w->cxt, sizeof(Datum) * v->d.nout);
				e->keptnulls = MemoryContextAlloc(w->cxt, sizeof(bool) * v->d.nout);
				lm_sink_get_row(v, &p, end, e->keptvals, e->keptnulls, w->cxt);
			}
		}
	}
}

static const LmOpMethods lm_sink_methods = {
	.name = "Sink",
	.push = lm_sink_push,
	.watermark = lm_sink_watermark,
	.flush = lm_sink_flush,
	.settle = lm_sink_settle,
	.snapshot = lm_sink_snapshot,
	.restore = lm_sink_restore,
	.reset = lm_sink_reset,
	.explain = lm_sink_explain,
	.end = lm_sink_end,
};

/*
 * lm_sink_int_type says whether values of a type are signed integers whose
 * default btree order is their numeric order.
 */
static bool
lm_sink_int_type(Oid typid)
{
	return typid == INT2OID || typid == INT4OID || typid == INT8OID || typid == DATEOID ||
		   typid == TIMESTAMPOID || typid == TIMESTAMPTZOID;
}

/*
 * lm_sink_create makes the sink of a view and checks its result table
 * (not yet its unique index: a restore creates the index after the catalog
 * rows that start the view).
 */
LmOp *
lm_sink_create(LmGraph *g, LmSinkDesc *d)
{
	LmSink *v = MemoryContextAllocZero(g->cxt, sizeof(LmSink));

	lm_op_init(&v->op, g, d->upsert ? LM_OP_SINK_UPSERT : LM_OP_SINK_APPEND, &lm_sink_methods, 0);
	v->d = *d;
	v->outattnum = MemoryContextAllocZero(v->op.cxt, sizeof(AttrNumber) * Max(d->nout, 1));
	v->tid_gen = 1;
	v->mark = -1;
	v->rowcxt = AllocSetContextCreate(v->op.cxt, "laminar sink rows", ALLOCSET_DEFAULT_SIZES);
	if (d->changes)
	{
		v->chrow = MemoryContextAllocZero(v->op.cxt, sizeof(Datum) * d->nout);
		v->chnulls = MemoryContextAllocZero(v->op.cxt, sizeof(bool) * d->nout);
	}
	{
		MemoryContext old = MemoryContextSwitchTo(v->op.cxt);

		initStringInfo(&v->keybuf);
		MemoryContextSwitchTo(old);
	}
	if (v->d.upsert && v->d.nkeycols > 0)
	{
		/* the unique index's columns are the key columns, in their order */
		v->sortcols = MemoryContextAlloc(v->op.cxt, sizeof(int) * v->d.nkeycols);
		v->sortsup = MemoryContextAllocZero(v->op.cxt, sizeof(SortSupportData) * v->d.nkeycols);
		for (int k = 0; k < v->d.nkeycols; k++)
			for (int c = 0; c < v->d.nout; c++)
				if (strcmp(v->d.outnames[c], v->d.keycols[k]) == 0)
				{
					Oid lt;

					get_sort_group_operators(v->d.outtypes[c], false, false, false, &lt, NULL, NULL,
											 NULL);
					if (!OidIsValid(lt))
						break;
					v->sortsup[v->nsortkeys].ssup_cxt = v->op.cxt;
					v->sortsup[v->nsortkeys].ssup_collation =
						type_is_collatable(v->d.outtypes[c]) ? DEFAULT_COLLATION_OID : InvalidOid;
					PrepareSortSupportFromOrderingOp(lt, &v->sortsup[v->nsortkeys]);
					if (v->nsortkeys == 0)
						v->k0int = lm_sink_int_type(v->d.outtypes[c]);
					if (v->nsortkeys == 1)
						v->k1int = v->k0int && lm_sink_int_type(v->d.outtypes[c]);
					v->sortcols[v->nsortkeys++] = c;
					break;
				}
	}
	lm_sink_check(v, AccessShareLock, false);
	return &v->op;
}

/*
 * lm_sink_check_table checks the result table against the view (see
 * lm_sink_check); the worker calls it before it writes.
 */
void
lm_sink_check_table(LmOp *op, LOCKMODE lockmode, bool writing)
{
	lm_sink_check((LmSink *) op, lockmode, writing);
}

/*
 * lm_sink_forget_plan drops the prepared write statement, to be prepared
 * again as the view's new owner.
 */
void
lm_sink_forget_plan(LmOp *op)
{
	LmSink *v = (LmSink *) op;

	if (v->plan)
		SPI_freeplan(v->plan);
	v->plan = NULL;
}
