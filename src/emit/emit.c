/*-------------------------------------------------------------------------
 *
 * emit.c
 *	  Writes a view's results into its ordinary result table.
 *
 * Statement path, one SPI statement per batch of rows (never per row; the
 * rows travel as one array per column, unnested):
 *	- ON UPDATE with group columns:  INSERT ... SELECT unnest($1), ...
 *	  ON CONFLICT (keys) DO UPDATE ... RETURNING ctid, on the
 *	  NULLS NOT DISTINCT unique index; a group appears once per batch, so no
 *	  row is hit twice;
 *	- a global aggregate (no group columns): UPDATE of its single row;
 *	- ON WINDOW CLOSE and stateless views: plain INSERT.
 * Direct path, for keyed ON UPDATE views on plain heap tables: once a
 * group's row exists its TID is remembered, and later emits update it in
 * place (table_tuple_update, plus index entries when not HOT) after
 * checking under SnapshotSelf that the tuple there still carries the
 * group's key; a new group of a view created after this worker started
 * (so no row can exist for it) is heap-inserted with its index entries.
 * Groups are written in TID order and each page is pruned once per emit,
 * so updates stay HOT.  A rewrite (new relfilenode) forgets every TID; a
 * table with triggers, RLS, CHECK or NOT NULL constraints, generated
 * columns, added columns or changed typmods always takes the statement
 * path.  Before every write the table is checked against the view
 * (lm_emit_check_table): a column renamed, dropped or of another type, or
 * a missing unique index, stops the view with an error; a renamed table
 * gets its statement prepared again.
 * Everything runs as the view's owner under SECURITY_RESTRICTED_OPERATION,
 * with the owner's TimeZone, DateStyle and IntervalStyle from creation
 * time, inside the view's subtransaction of the worker's pass.
 *
 * Careful mode (LmView.careful), after a write of the view failed on a
 * data error: the statement path only, batch by batch in subtransactions,
 * row by row where a batch fails; a failing row is skipped and counted and
 * its group stays dirty (lm_agg_emit_settle).  Groups stay on a window's
 * pending list until the view's subtransaction ends, so a rollback leaves
 * them dirty.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/xact.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/itemptr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "laminar.h"
#include "ops/view.h"

#define LM_EMIT_CHUNK 8192

/* GUC values currently set in this worker, to skip needless re-setting */
static char *lm_cur_timezone = NULL;
static char *lm_cur_datestyle = NULL;
static char *lm_cur_intervalstyle = NULL;

/*
 * lm_emit_set_guc sets one session GUC if it differs from what is set.
 */
static void
lm_emit_set_guc(const char *name, const char *value, char **cur)
{
	if (*cur != NULL && strcmp(*cur, value) == 0)
		return;
	(void) set_config_option(name, value, PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SET, true, 0, false);
	if (*cur)
		pfree(*cur);
	*cur = MemoryContextStrdup(TopMemoryContext, value);
}

/*
 * lm_view_enter switches to the view's owner and creation-time settings,
 * and opens a GUC nest level (as REFRESH MATERIALIZED VIEW does) so that
 * any setting the owner's code changes, search_path included, is undone
 * when the view leaves and never reaches another view or the worker.
 */
void
lm_view_enter(LmView *v, Oid *save_uid, int *save_sec)
{
	lm_emit_set_guc("TimeZone", v->timezone, &lm_cur_timezone);
	lm_emit_set_guc("DateStyle", v->datestyle, &lm_cur_datestyle);
	lm_emit_set_guc("IntervalStyle", v->intervalstyle, &lm_cur_intervalstyle);
	GetUserIdAndSecContext(save_uid, save_sec);
	SetUserIdAndSecContext(v->owner, *save_sec | SECURITY_RESTRICTED_OPERATION);
	v->guc_nest = NewGUCNestLevel();
	lm_worker_hold_begin(v); /* the view holds the worker from now on */
}

/*
 * lm_view_leave undoes the settings the view's code changed and returns to
 * the worker's own identity.
 */
void
lm_view_leave(LmView *v, Oid save_uid, int save_sec)
{
	(void) lm_worker_hold_end();
	AtEOXact_GUC(false, v->guc_nest);
	SetUserIdAndSecContext(save_uid, save_sec);
}

/*
 * lm_view_forget_settings forgets which view settings are set.  A rolled
 * back (sub)transaction undoes the SETs of lm_view_enter made inside it,
 * so after one the next lm_view_enter must set them again.
 */
void
lm_view_forget_settings(void)
{
	char **cur[] = {&lm_cur_timezone, &lm_cur_datestyle, &lm_cur_intervalstyle};

	for (int i = 0; i < lengthof(cur); i++)
	{
		if (*cur[i])
			pfree(*cur[i]);
		*cur[i] = NULL;
	}
}

/*
 * lm_error_is_data says whether an error is caused by the data a view
 * processes (a value, a key, a row), so that skipping that event or row is
 * the remedy: data exceptions (22), integrity violations (23, 44, e.g. a
 * CHECK the owner put on the result table), program limits such as an
 * index row that is too large (54), and errors raised by functions (P0,
 * 38, 39, 2F).  Anything else (permissions, missing objects, out of
 * memory, internal errors) is about the view or the server, not about one
 * event: the caller stops the view or, for cancels, skips the cycle.
 */
bool
lm_error_is_data(int sqlerrcode)
{
	switch (ERRCODE_TO_CATEGORY(sqlerrcode))
	{
		case ERRCODE_DATA_EXCEPTION:
		case ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION:
		case ERRCODE_WITH_CHECK_OPTION_VIOLATION:
		case ERRCODE_PROGRAM_LIMIT_EXCEEDED:
		case ERRCODE_PLPGSQL_ERROR:
		case ERRCODE_EXTERNAL_ROUTINE_EXCEPTION:
		case ERRCODE_EXTERNAL_ROUTINE_INVOCATION_EXCEPTION:
		case ERRCODE_SQL_ROUTINE_EXCEPTION:
			return true;
		default:
			return false;
	}
}

/*
 * lm_emit_skip_row counts a result row that could not be written and keeps
 * its error as the view's sample.
 */
void
lm_emit_skip_row(LmView *v, const char *msg)
{
	if (v->stats)
	{
		pg_atomic_fetch_add_u64(&v->stats->skipped_rows, 1);
		lm_set_view_skip(v->stats, msg);
	}
	v->nskipped++;
	if ((v->nskipped & (v->nskipped - 1)) == 0)
		ereport(LOG,
				(errmsg("laminar: view %d skipped a result row (%llu skipped on this worker): %s",
						v->id, (unsigned long long) v->nskipped, msg)));
}

/*
 * lm_emit_global returns whether the view is a global aggregate: one row,
 * no group columns.
 */
static bool
lm_emit_global(LmView *v)
{
	return v->kind != LM_VIEW_STATELESS && v->nkeycols == 0;
}

#define LM_EMIT_RECREATE_HINT                                                                      \
	"Drop and re-create the materialized view: its result table must keep the names "              \
	"and types of the view's columns, and the unique index on its group columns."

/*
 * lm_emit_has_arbiter says whether the result table has a unique index
 * that INSERT ... ON CONFLICT (group columns) infers as its arbiter (valid,
 * immediate, on exactly those columns, no expressions, no predicate) and
 * that treats NULL keys as equal (NULLS NOT DISTINCT, or NOT NULL keys):
 * without one, the upsert fails or appends a second row for a group.
 */
static bool
lm_emit_has_arbiter(LmView *v, Relation rel)
{
	List *indexes = RelationGetIndexList(rel);
	Bitmapset *keys = NULL;
	bool found = false;
	ListCell *lc;

	for (int k = 0; k < v->nkeyout; k++)
		keys = bms_add_member(keys, v->outattnum[v->keyout[k]]);
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
		for (int k = 0; ok && !ix->indnullsnotdistinct && k < v->nkeyout; k++)
			if (!TupleDescAttr(RelationGetDescr(rel), v->outattnum[v->keyout[k]] - 1)->attnotnull)
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
 * lm_emit_check_table checks the result table against the view, and locks
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
 *	- A keyed ON UPDATE view needs its unique index (lm_emit_has_arbiter)
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
void
lm_emit_check_table(LmView *v, LOCKMODE lockmode, bool writing)
{
	Relation rel = try_table_open(v->result_relid, lockmode);
	TupleDesc desc;
	char *target;

	if (rel == NULL)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
						errmsg("the result table of continuous view %d no longer exists", v->id)));
	desc = RelationGetDescr(rel);
	for (int c = 0; c < v->nout; c++)
	{
		Form_pg_attribute att = NULL;

		for (int a = 0; a < desc->natts && att == NULL; a++)
			if (!TupleDescAttr(desc, a)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(desc, a)->attname), v->outnames[c]) == 0)
				att = TupleDescAttr(desc, a);
		if (att == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("result table \"%s\" has no column \"%s\" for its continuous view",
							RelationGetRelationName(rel), v->outnames[c]),
					 errdetail("The view writes its column \"%s\" of type %s there; the "
							   "column was renamed or dropped.",
							   v->outnames[c], format_type_be(v->outtypes[c])),
					 errhint(LM_EMIT_RECREATE_HINT)));
		if (att->atttypid != v->outtypes[c])
			ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
							errmsg("column \"%s\" of result table \"%s\" is of type %s but its "
								   "continuous view produces %s",
								   v->outnames[c], RelationGetRelationName(rel),
								   format_type_be(att->atttypid), format_type_be(v->outtypes[c])),
							errhint(LM_EMIT_RECREATE_HINT)));
		v->outattnum[c] = att->attnum;
	}
	if (writing && v->kind != LM_VIEW_STATELESS && !v->emit_close && v->nkeycols > 0 &&
		!lm_emit_has_arbiter(v, rel))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("result table \"%s\" has no unique index on its group columns",
						RelationGetRelationName(rel)),
				 errdetail("Its continuous view writes each group's row with INSERT ... ON "
						   "CONFLICT on a unique index NULLS NOT DISTINCT over its group columns."),
				 errhint(LM_EMIT_RECREATE_HINT)));
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
 * lm_emit_unnest_list appends the select list that turns the per-column
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
lm_emit_unnest_list(LmView *v, StringInfo sql, Oid *argtypes)
{
	for (int c = 0; c < v->nout; c++)
	{
		appendStringInfo(sql, "%spg_catalog.unnest($%d)", c ? ", " : "", c + 1);
		if (OidIsValid(v->outarraytypes[c]))
			argtypes[c] = v->outarraytypes[c];
		else
		{
			appendStringInfo(sql, "::%s", format_type_be_qualified(v->outtypes[c]));
			argtypes[c] = TEXTARRAYOID;
		}
	}
}

/*
 * lm_emit_prepare builds and keeps the view's write statement.
 */
void
lm_emit_prepare(LmView *v)
{
	StringInfoData sql;
	char *target;
	Oid *argtypes;

	if (v->plan)
		return;
	target = quote_qualified_identifier(get_namespace_name(get_rel_namespace(v->result_relid)),
										get_rel_name(v->result_relid));
	argtypes = palloc(sizeof(Oid) * v->nout);
	initStringInfo(&sql);
	if (lm_emit_global(v))
	{
		/* ONLY: never the rows of a table that inherits from the result table */
		appendStringInfo(&sql, "UPDATE ONLY %s SET ", target);
		for (int c = 0; c < v->nout; c++)
		{
			appendStringInfo(&sql, "%s%s = $%d", c ? ", " : "", quote_identifier(v->outnames[c]),
							 c + 1);
			argtypes[c] = v->outtypes[c];
		}
	}
	else
	{
		appendStringInfo(&sql, "INSERT INTO %s (", target);
		for (int c = 0; c < v->nout; c++)
			appendStringInfo(&sql, "%s%s", c ? ", " : "", quote_identifier(v->outnames[c]));
		appendStringInfoString(&sql, ") SELECT ");
		lm_emit_unnest_list(v, &sql, argtypes);
		if (v->kind != LM_VIEW_STATELESS && !v->emit_close)
		{
			bool any = false;

			appendStringInfoString(&sql, " ON CONFLICT (");
			for (int k = 0; k < v->nkeycols; k++)
				appendStringInfo(&sql, "%s%s", k ? ", " : "", quote_identifier(v->keycols[k]));
			appendStringInfoString(&sql, ") DO UPDATE SET ");
			for (int c = 0; c < v->nout; c++)
			{
				bool iskey = false;

				for (int k = 0; k < v->nkeycols; k++)
					if (strcmp(v->keycols[k], v->outnames[c]) == 0)
						iskey = true;
				if (iskey)
					continue;
				appendStringInfo(&sql, "%s%s = EXCLUDED.%s", any ? ", " : "",
								 quote_identifier(v->outnames[c]),
								 quote_identifier(v->outnames[c]));
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
	v->plan = SPI_prepare(sql.data, v->nout, argtypes);
	if (v->plan == NULL)
		elog(ERROR, "laminar: could not prepare \"%s\": %s", sql.data,
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(v->plan);
	if (v->plan_target)
		pfree(v->plan_target);
	v->plan_target = MemoryContextStrdup(v->cxt, target);
	pfree(sql.data);
}

/*
 * lm_emit_flush_arrays writes n buffered rows (column-major) through the
 * view's statement.
 */
static void
lm_emit_flush_arrays(LmView *v, Datum **cols, bool **nulls, int n, LmGroup **groups)
{
	Datum *args = palloc(sizeof(Datum) * v->nout);
	int ret;

	if (n == 0)
		return;
	lm_emit_prepare(v);
	if (lm_emit_global(v))
	{
		char *argnulls = palloc(v->nout + 1);

		/* the last row is the current one */
		for (int c = 0; c < v->nout; c++)
		{
			args[c] = cols[c][n - 1];
			argnulls[c] = nulls[c][n - 1] ? 'n' : ' ';
		}
		argnulls[v->nout] = '\0';
		ret = SPI_execute_plan(v->plan, args, argnulls, false, 0);
	}
	else
	{
		int dims[1] = {n};
		int lbs[1] = {1};

		for (int c = 0; c < v->nout; c++)
		{
			if (!OidIsValid(v->outarraytypes[c]))
			{
				for (int i = 0; i < n; i++)
					if (!nulls[c][i])
						cols[c][i] =
							CStringGetTextDatum(OutputFunctionCall(&v->outfuncs[c], cols[c][i]));
				args[c] = PointerGetDatum(construct_md_array(cols[c], nulls[c], 1, dims, lbs,
															 TEXTOID, -1, false, TYPALIGN_INT));
				continue;
			}
			args[c] =
				PointerGetDatum(construct_md_array(cols[c], nulls[c], 1, dims, lbs, v->outtypes[c],
												   v->outlen[c], v->outbyval[c], v->outalign[c]));
		}
		ret = SPI_execute_plan(v->plan, args, NULL, false, 0);
	}
	if (ret < 0)
		elog(ERROR, "laminar: writing results of view %d failed: %s", v->id,
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
	if (v->stats)
		pg_atomic_fetch_add_u64(&v->stats->rows_emitted, n);
}

/*
 * lm_emit_alloc_cols allocates column-major buffers for up to n rows.
 */
static void
lm_emit_alloc_cols(LmView *v, int n, Datum ***cols, bool ***nulls)
{
	*cols = palloc(sizeof(Datum *) * v->nout);
	*nulls = palloc(sizeof(bool *) * v->nout);
	for (int c = 0; c < v->nout; c++)
	{
		(*cols)[c] = palloc(sizeof(Datum) * n);
		(*nulls)[c] = palloc(sizeof(bool) * n);
	}
}

/*
 * lm_emit_group_row evaluates the select list for one group into row i.
 */
static void
lm_emit_group_row(LmView *v, LmWindow *win, LmGroup *g, Datum **cols, bool **nulls, int i)
{
	ExprContext *ec = v->econtext;

	if (v->nkeys > 0)
	{
		ExecStoreMinimalTuple(g->key, v->keyread, false);
		slot_getallattrs(v->keyread);
		for (int k = 0; k < v->nkeys; k++)
		{
			v->params[v->naggs + k].value = v->keyread->tts_values[k];
			v->params[v->naggs + k].isnull = v->keyread->tts_isnull[k];
		}
	}
	if (v->window_us > 0)
	{
		v->params[v->param_ws].value = Int64GetDatum(win->start);
		v->params[v->param_ws].isnull = false;
		v->params[v->param_we].value = Int64GetDatum(win->end);
		v->params[v->param_we].isnull = false;
	}
	for (int a = 0; a < v->naggs; a++)
	{
		LmAggSpec *spec = &v->aggs[a];
		LmAggVal *val = &g->vals[a];
		ParamExecData *p = &v->params[a];

		if (!spec->hasfinal)
		{
			p->value = val->value;
			p->isnull = val->isnull;
		}
		else if (spec->finalstrict && val->isnull)
		{
			p->value = (Datum) 0;
			p->isnull = true;
		}
		else
		{
			FunctionCallInfo fc = spec->finalcall;

			v->fake_agg->curaggcontext->ecxt_per_tuple_memory = win->cxt;
			fc->args[0].value = val->value;
			fc->args[0].isnull = val->isnull;
			for (int x = 1; x <= spec->nfinalextra; x++)
			{
				fc->args[x].value = (Datum) 0;
				fc->args[x].isnull = true;
			}
			fc->isnull = false;
			p->value = FunctionCallInvoke(fc);
			p->isnull = fc->isnull;
		}
	}
	ec->ecxt_scantuple = NULL;
	for (int c = 0; c < v->nout; c++)
		cols[c][i] = ExecEvalExpr(v->outexprs[c], ec, &nulls[c][i]);
}

static void lm_emit_fill_slot(LmView *v, TupleTableSlot *slot, Datum **cols, bool **nulls, int i);

/* what a direct (TID) update needs, set up once per emit */
typedef struct LmDirect
{
	Relation rel;
	EState *estate;
	ResultRelInfo *rri;
	TupleTableSlot *oldslot;
	TupleTableSlot *newslot;
	CommandId cid;
	Snapshot snapshot;
	BlockNumber last_pruned;
} LmDirect;

/*
 * lm_emit_direct_begin opens the result table for direct updates of rows
 * whose TID we remember.  It returns false where the ordinary statement
 * must do the work because the table has something a bare heap update
 * would bypass: triggers, row-level security, CHECK or NOT NULL
 * constraints, a partition constraint, generated columns, or no UPDATE
 * privilege for the owner.
 */
static bool
lm_emit_direct_begin(LmView *v, LmDirect *d)
{
	Relation rel;
	TupleConstr *constr;
	RangeTblEntry *rte;

	if (!v->returning)
		return false;
	rel = table_open(v->result_relid, RowExclusiveLock);
	constr = RelationGetDescr(rel)->constr;
	if (rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_rel->relam != HEAP_TABLE_AM_OID ||
		rel->rd_rel->relispartition || rel->trigdesc != NULL || rel->rd_rel->relrowsecurity ||
		(constr &&
		 (constr->num_check > 0 || constr->has_generated_stored || constr->has_not_null)) ||
		pg_class_aclcheck(v->result_relid, GetUserId(), ACL_UPDATE) != ACLCHECK_OK)
	{
		table_close(rel, NoLock);
		return false;
	}
	/*
	 * The bare path writes tuples built from our outputs: the table must
	 * have exactly those columns (lm_emit_check_table has checked their
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
		for (int c = 0; c < v->nout && live == v->nout; c++)
		{
			Form_pg_attribute att;

			if (v->outattnum[c] < 1 || v->outattnum[c] > desc->natts)
			{
				live = -1;
				break;
			}
			att = TupleDescAttr(desc, v->outattnum[c] - 1);
			/* a narrower typmod (varchar(n), numeric(p,s)) needs the cast */
			if (att->attisdropped || att->atttypid != v->outtypes[c] ||
				(att->atttypmod >= 0 && att->atttypmod != v->outtypmods[c]))
				live = -1;
		}
		if (live != v->nout)
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
	rte->relid = v->result_relid;
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
 * lm_emit_direct_end releases what lm_emit_direct_begin set up; the lock
 * is kept until commit.
 */
static void
lm_emit_direct_end(LmDirect *d)
{
	ExecDropSingleTupleTableSlot(d->oldslot);
	ExecDropSingleTupleTableSlot(d->newslot);
	ExecCloseIndices(d->rri);
	FreeExecutorState(d->estate);
	table_close(d->rel, NoLock);
	CommandCounterIncrement();
}

/*
 * lm_emit_datum_eq compares a stored key value with ours, bytewise after
 * detoasting (a stored varlena may have a short header or be compressed).
 */
static bool
lm_emit_datum_eq(Datum a, Datum b, bool byval, int16 len)
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
 * lm_emit_try_direct updates a group's row in place by its remembered TID
 * (row i of cols/nulls).  It checks that the tuple there still carries the
 * group's key and that the update succeeds; on any doubt it returns false
 * and the row goes through the ordinary upsert.
 */
static bool
lm_emit_try_direct(LmView *v, LmDirect *d, LmGroup *g, Datum **cols, bool **nulls, int i)
{
	TupleTableSlot *old = d->oldslot;
	TupleTableSlot *slot = d->newslot;
	TM_FailureData tmfd;
	LockTupleMode lockmode;
	bool update_indexes;
	TM_Result res;

	if (g->tid_gen != v->tid_gen || !ItemPointerIsValid(&g->tid))
		return false;

	/*
	 * Nothing on this path reads the page through an index, which is where
	 * heap pruning normally happens; without it the page fills with dead
	 * versions and updates stop being HOT.  Prune here, before fetching (it
	 * may move tuple data).
	 */
	if (ItemPointerGetBlockNumber(&g->tid) != d->last_pruned)
	{
		Buffer buf = ReadBuffer(d->rel, ItemPointerGetBlockNumber(&g->tid));

		heap_page_prune_opt(d->rel, buf);
		ReleaseBuffer(buf);
		d->last_pruned = ItemPointerGetBlockNumber(&g->tid);
	}
	/* SnapshotSelf: committed or ours; never a version from an aborted pass */
	if (!table_tuple_fetch_row_version(d->rel, &g->tid, SnapshotSelf, old))
		return false;
	slot_getallattrs(old);
	for (int k = 0; k < v->nkeyout; k++)
	{
		int c = v->keyout[k];
		int a = v->outattnum[c] - 1;

		if (old->tts_isnull[a] != nulls[c][i])
			return false;
		if (!nulls[c][i] &&
			!lm_emit_datum_eq(old->tts_values[a], cols[c][i], v->outbyval[c], v->outlen[c]))
			return false;
	}

	lm_emit_fill_slot(v, slot, cols, nulls, i);
	res = table_tuple_update(d->rel, &g->tid, slot, d->cid, d->snapshot, InvalidSnapshot, true,
							 &tmfd, &lockmode, &update_indexes);
	if (res != TM_Ok)
		return false;
	if (update_indexes && d->rri->ri_NumIndices > 0)
		(void) ExecInsertIndexTuples(d->rri, slot, d->estate, true, false, NULL, NIL);
	g->tid = slot->tts_tid;
	return true;
}

/*
 * lm_emit_fill_slot stores row i of cols/nulls in the slot, by attribute.
 */
static void
lm_emit_fill_slot(LmView *v, TupleTableSlot *slot, Datum **cols, bool **nulls, int i)
{
	int natts = slot->tts_tupleDescriptor->natts;

	ExecClearTuple(slot);
	for (int a = 0; a < natts; a++)
	{
		slot->tts_values[a] = (Datum) 0;
		slot->tts_isnull[a] = true;
	}
	for (int c = 0; c < v->nout; c++)
	{
		slot->tts_values[v->outattnum[c] - 1] = cols[c][i];
		slot->tts_isnull[v->outattnum[c] - 1] = nulls[c][i];
	}
	ExecStoreVirtualTuple(slot);
}

/*
 * lm_emit_direct_insert inserts the first row of a group of a fresh view
 * (no row can exist for it: see LmView.fresh).  The unique index still
 * checks; a violation is an error that stops the view, never a duplicate.
 */
static bool
lm_emit_direct_insert(LmView *v, LmDirect *d, LmGroup *g, Datum **cols, bool **nulls, int i)
{
	TupleTableSlot *slot = d->newslot;

	lm_emit_fill_slot(v, slot, cols, nulls, i);
	table_tuple_insert(d->rel, slot, d->cid, 0, NULL);
	if (d->rri->ri_NumIndices > 0)
		(void) ExecInsertIndexTuples(d->rri, slot, d->estate, false, false, NULL, NIL);
	g->tid = slot->tts_tid;
	g->tid_gen = v->tid_gen;
	g->in_table = true;
	return true;
}

/* a group and the sort key of its row's TID (invalid TIDs sort last) */
typedef struct LmTidSort
{
	uint64 key;
	LmGroup *g;
} LmTidSort;

/* lm_tid_sort: an inlined sort on the uint64 key (lib/sort_template.h) */
#define ST_SORT lm_tid_sort
#define ST_ELEMENT_TYPE LmTidSort
#define ST_COMPARE(a, b) ((a)->key < (b)->key ? -1 : (a)->key > (b)->key ? 1 : 0)
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * lm_emit_tid_key returns a key that orders groups by the TID of their row.
 */
static inline uint64
lm_emit_tid_key(const LmGroup *g)
{
	if (!ItemPointerIsValid(&g->tid))
		return PG_UINT64_MAX;
	return ((uint64) ItemPointerGetBlockNumberNoCheck(&g->tid) << 16) |
		   ItemPointerGetOffsetNumberNoCheck(&g->tid);
}

/*
 * lm_emit_sub_begin opens a subtransaction for one careful write, staying
 * in the caller's memory context and resource owner.
 */
static void
lm_emit_sub_begin(MemoryContext *cxt, ResourceOwner *owner)
{
	*cxt = CurrentMemoryContext;
	*owner = CurrentResourceOwner;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(*cxt);
}

/*
 * lm_emit_sub_end commits the subtransaction of a careful write.
 */
static void
lm_emit_sub_end(MemoryContext cxt, ResourceOwner owner)
{
	ReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
}

/*
 * lm_emit_sub_abort rolls back the subtransaction of a careful write after
 * an error and returns the error.  An error that is not about the data
 * (see lm_error_is_data) is raised again, for the view's subtransaction.
 */
static ErrorData *
lm_emit_sub_abort(LmView *v, MemoryContext cxt, ResourceOwner owner)
{
	ErrorData *edata;

	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	FlushErrorState();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	if (!lm_error_is_data(edata->sqlerrcode))
		ReThrowError(edata);
	return edata;
}

/*
 * lm_emit_careful_chunk writes n groups with one statement inside a
 * subtransaction; returns false, having written nothing, if a data error
 * occurs.
 */
static bool
lm_emit_careful_chunk(LmView *v, LmWindow *win, LmGroup **gs, int n, bool one)
{
	MemoryContext cxt;
	ResourceOwner owner;
	Datum **cols;
	bool **nulls;
	bool ok = true;

	lm_emit_alloc_cols(v, n, &cols, &nulls);
	lm_emit_sub_begin(&cxt, &owner);
	PG_TRY();
	{
		for (int i = 0; i < n; i++)
		{
			lm_emit_group_row(v, win, gs[i], cols, nulls, i);
			gs[i]->in_table = true;
		}
		lm_emit_flush_arrays(v, cols, nulls, n, gs);
		lm_emit_sub_end(cxt, owner);
	}
	PG_CATCH();
	{
		ErrorData *edata = lm_emit_sub_abort(v, cxt, owner);

		ok = false;
		if (one)
		{
			/* counted once until the group is written */
			if (!gs[0]->emit_failed)
				lm_emit_skip_row(v, edata->message);
			else if (v->stats)
				lm_set_view_skip(v->stats, edata->message);
			gs[0]->emit_failed = true;
		}
		FreeErrorData(edata);
	}
	PG_END_TRY();
	if (ok)
		for (int i = 0; i < n; i++)
			gs[i]->emit_failed = false;
	return ok;
}

/*
 * lm_emit_careful_groups is the emit of a view in which a write failed:
 * groups whose row failed before go one by one, each in its own
 * subtransaction; the others in batches, each in a subtransaction, and a
 * batch that fails is written again row by row.  A row that fails is
 * skipped and counted, and its group stays dirty to be tried again at the
 * next emit (lm_agg_emit_settle); a closing window's failed row is lost
 * with the window.
 */
static void
lm_emit_careful_groups(LmView *v, LmWindow *win, LmGroup **todo, int64 ntodo)
{
	LmGroup **batch = palloc(sizeof(LmGroup *) * LM_EMIT_CHUNK);
	int n = 0;

	for (int64 t = 0; t < ntodo; t++)
		if (todo[t]->emit_failed)
			(void) lm_emit_careful_chunk(v, win, &todo[t], 1, true);
	for (int64 t = 0; t <= ntodo; t++)
	{
		if (t < ntodo && !todo[t]->emit_failed)
		{
			/* keep producers moving while a large emit runs */
			if ((t & 1023) == 1023)
				lm_worker_absorb();
			batch[n++] = todo[t];
			if (n < LM_EMIT_CHUNK && t + 1 < ntodo)
				continue;
		}
		if (n > 0 && !lm_emit_careful_chunk(v, win, batch, n, n == 1))
		{
			if (n > 1)
				for (int i = 0; i < n; i++)
					(void) lm_emit_careful_chunk(v, win, &batch[i], 1, true);
		}
		n = 0;
	}
	pfree(batch);
}

/*
 * lm_emit_careful_append appends n buffered rows of a stateless view from
 * row first, inside a subtransaction; returns false after a data error,
 * which for a single row is counted (the row is dropped).
 */
static bool
lm_emit_careful_append(LmView *v, Datum **cols, bool **nulls, int first, int n)
{
	MemoryContext cxt;
	ResourceOwner owner;
	bool ok = true;

	for (int k = 0; k < n; k++)
		for (int c = 0; c < v->nout; c++)
		{
			cols[c][k] = v->rowvals[first + k][c];
			nulls[c][k] = v->rownulls[first + k][c];
		}
	lm_emit_sub_begin(&cxt, &owner);
	PG_TRY();
	{
		lm_emit_flush_arrays(v, cols, nulls, n, NULL);
		lm_emit_sub_end(cxt, owner);
	}
	PG_CATCH();
	{
		ErrorData *edata = lm_emit_sub_abort(v, cxt, owner);

		ok = false;
		if (n == 1)
			lm_emit_skip_row(v, edata->message);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	return ok;
}

/*
 * lm_emit_careful_rows appends a stateless view's buffered rows in batches,
 * each in a subtransaction; a batch that fails is written again row by
 * row, and a row that fails is dropped and counted (an appended row has no
 * state to retry from).
 */
static void
lm_emit_careful_rows(LmView *v, Datum **cols, bool **nulls)
{
	for (int r0 = 0; r0 < v->nrows; r0 += LM_EMIT_CHUNK)
	{
		int n = Min(LM_EMIT_CHUNK, v->nrows - r0);

		/* the whole batch, or else row by row */
		if (!lm_emit_careful_append(v, cols, nulls, r0, n))
			for (int i = 0; i < n; i++)
				(void) lm_emit_careful_append(v, cols, nulls, r0 + i, 1);
	}
}

/*
 * lm_emit_groups writes the changed groups of a window, or all of them.
 * Rows whose place in the table is known are updated in place; the others
 * are upserted (or appended) in batches.
 */
void
lm_emit_groups(LmView *v, LmWindow *win, bool all_groups)
{
	MemoryContext old = MemoryContextSwitchTo(v->econtext->ecxt_per_tuple_memory);
	Datum **cols;
	bool **nulls;
	LmGroup **groups;
	int n = 0;
	LmDirect d = {0};
	bool direct;
	TupleHashIterator it;
	LmGroup *g;
	LmGroup **todo;
	int64 ntodo;
	uint64 ndirect = 0;

	lm_emit_check_table(v, RowExclusiveLock, true);
	lm_emit_prepare(v);
	direct = !v->careful && lm_emit_direct_begin(v, &d);
	lm_emit_alloc_cols(v, LM_EMIT_CHUNK, &cols, &nulls);
	groups = palloc(sizeof(LmGroup *) * LM_EMIT_CHUNK);

	/* the groups to write: every group of the window, or the changed ones */
	ntodo = 0;
	todo = palloc(sizeof(LmGroup *) * Max(win->ngroups, 1));
	if (!all_groups)
	{
		for (g = win->dirty; g != NULL && ntodo < win->ngroups; g = g->next_dirty)
			todo[ntodo++] = g;
	}
	else if (win->table)
	{
		TupleHashEntry entry;

		InitTupleHashIterator(win->table, &it);
		while ((entry = ScanTupleHashTable(win->table, &it)) != NULL && ntodo < win->ngroups)
		{
			/* a group whose only events failed has no row */
			if (((LmGroup *) entry->additional)->seen)
				todo[ntodo++] = (LmGroup *) entry->additional;
		}
		TermTupleHashIterator(&it);
	}
	else if (win->single && win->single->seen)
		todo[ntodo++] = win->single;

	if (v->careful)
	{
		lm_emit_careful_groups(v, win, todo, ntodo);
		ntodo = 0;
	}

	/* in table order: each heap page is pruned and visited once */
	if (direct && ntodo > 1)
	{
		LmTidSort *keys = palloc(sizeof(LmTidSort) * ntodo);

		for (int64 t = 0; t < ntodo; t++)
		{
			keys[t].key = lm_emit_tid_key(todo[t]);
			keys[t].g = todo[t];
		}
		lm_tid_sort(keys, ntodo);
		for (int64 t = 0; t < ntodo; t++)
			todo[t] = keys[t].g;
	}

	for (int t = 0; t < ntodo; t++)
	{
		/* keep producers moving while a large emit runs */
		if ((t & 1023) == 1023)
			lm_worker_absorb();
		g = todo[t];
		lm_emit_group_row(v, win, g, cols, nulls, n);
		if (direct && (g->in_table ? lm_emit_try_direct(v, &d, g, cols, nulls, n)
								   : v->fresh && lm_emit_direct_insert(v, &d, g, cols, nulls, n)))
		{
			ndirect++;
			continue;
		}
		g->in_table = true;
		groups[n++] = g;
		if (n == LM_EMIT_CHUNK)
		{
			lm_emit_flush_arrays(v, cols, nulls, n, groups);
			n = 0;
		}
	}
	lm_emit_flush_arrays(v, cols, nulls, n, groups);
	if (direct)
		lm_emit_direct_end(&d);
	if (ndirect > 0 && v->stats)
		pg_atomic_fetch_add_u64(&v->stats->rows_emitted, ndirect);

	/* clean once the view's subtransaction commits: lm_agg_emit_settle */
	if (win->dirty != NULL)
	{
		LmGroup *last = win->dirty;

		while (last->next_dirty != NULL)
			last = last->next_dirty;
		last->next_dirty = win->pending;
		win->pending = win->dirty;
		win->dirty = NULL;
	}
	MemoryContextSwitchTo(old);
	ResetExprContext(v->econtext);
}

/*
 * lm_emit_rows appends the buffered rows of a stateless view.
 */
void
lm_emit_rows(LmView *v)
{
	MemoryContext old = MemoryContextSwitchTo(v->econtext->ecxt_per_tuple_memory);
	Datum **cols;
	bool **nulls;
	int n = 0;

	lm_emit_check_table(v, RowExclusiveLock, true);
	lm_emit_alloc_cols(v, Min(v->nrows, LM_EMIT_CHUNK), &cols, &nulls);
	if (v->careful)
	{
		lm_emit_careful_rows(v, cols, nulls);
		v->nrows = 0;
	}
	for (int r = 0; r < v->nrows; r++)
	{
		for (int c = 0; c < v->nout; c++)
		{
			cols[c][n] = v->rowvals[r][c];
			nulls[c][n] = v->rownulls[r][c];
		}
		if (++n == LM_EMIT_CHUNK)
		{
			lm_emit_flush_arrays(v, cols, nulls, n, NULL);
			n = 0;
		}
	}
	lm_emit_flush_arrays(v, cols, nulls, n, NULL);
	v->nrows = 0;
	MemoryContextReset(v->rowcxt);
	MemoryContextSwitchTo(old);
	ResetExprContext(v->econtext);
}
