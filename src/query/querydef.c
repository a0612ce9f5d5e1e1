/*-------------------------------------------------------------------------
 *
 * querydef.c
 *	  A view's query as schema-qualified SQL, so that it survives pg_dump.
 *
 * laminar._views.query holds the view's analysed SELECT (after the TUMBLE
 * rewrite) written back as SQL by ruleutils' pg_get_querydef, the same
 * deparser pg_dump uses for ordinary views.  An analysed Query holds OIDs,
 * which a restore into another database changes; SQL holds names, which
 * pg_dump recreates.  Every name that is not in pg_catalog is written
 * schema-qualified (deparsed with an empty search_path), and the text is
 * analysed again with search_path = pg_catalog, pg_temp, so it means the
 * same thing whoever reads it and whatever their search_path.  Date,
 * interval and float constants are written in formats that read back
 * exactly (DateStyle ISO, IntervalStyle postgres, extra_float_digits 3;
 * timestamptz constants in UTC with their offset).  The view's own
 * TimeZone, DateStyle and IntervalStyle for evaluation are stored apart.
 *
 * CREATE checks that the SQL analyses back to the same Query (names of
 * range-table aliases aside) and refuses the view otherwise, so a view
 * that runs is a view that can be restored.
 *
 * Names change under a view without pg_depend objecting (ALTER ... RENAME,
 * ALTER ... SET SCHEMA), so the utility hook analyses every view before
 * such a statement and writes its SQL again after it (lm_querydef_rename_*).
 *
 * After a restore, pg_depend holds none of a view's dependencies: the
 * AFTER INSERT trigger laminar._views_inserted records them again for a row
 * that arrives without them (a restored row) and tells the workers.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

#include "laminar.h"
#include "catalog/catalog.h"
#include "query/ddl.h"

PG_FUNCTION_INFO_V1(laminar_views_inserted);
PG_FUNCTION_INFO_V1(laminar_querydef_from_nodes);

/* a view analysed before a rename, to be written again after it */
typedef struct LmRenamed
{
	int32 id;
	Oid view;
	bool windowed;
	char *sql;
	Query *query;
} LmRenamed;

/*
 * lm_querydef_set_gucs opens a GUC nest level with the settings under
 * which a view's SQL is written (reading == false) or read back; the
 * caller closes it with AtEOXact_GUC(true, level).
 */
static int
lm_querydef_set_gucs(bool reading)
{
	int level = NewGUCNestLevel();

	(void) set_config_option("search_path", reading ? "pg_catalog, pg_temp" : "", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("DateStyle", "ISO", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true,
							 0, false);
	(void) set_config_option("IntervalStyle", "postgres", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("extra_float_digits", "3", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	/* timestamptz constants carry their offset: UTC only makes the text stable */
	if (!reading)
		(void) set_config_option("TimeZone", "UTC", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
	return level;
}

/*
 * lm_query_check_aggs_walker refuses an aggregate the worker cannot run;
 * *ctx says whether the query is stored SQL (see lm_query_check_aggs).
 */
static bool
lm_query_check_aggs_walker(Node *node, void *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, Aggref))
	{
		Aggref *a = (Aggref *) node;
		bool rebuild = a->aggdistinct != NIL || a->aggorder != NIL || a->aggkind != AGGKIND_NORMAL;
		ListCell *lc;

		/*
		 * DISTINCT, ORDER BY and ordered-set aggregates are computed from
		 * their retained input (ops/aggfn.c): their arguments travel as
		 * arrays, and their direct arguments are written into a statement
		 */
		if (a->aggdirectargs != NIL && (contain_var_clause((Node *) a->aggdirectargs) ||
										contain_volatile_functions((Node *) a->aggdirectargs)))
		{
			if (*(bool *) ctx)
				ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
								errmsg("stored query of a continuous view uses aggregate %s() with "
									   "direct arguments that are not constants",
									   get_func_name(a->aggfnoid)),
								errhint("Drop and re-create the materialized view.")));
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							errmsg("direct arguments of aggregate %s() must be constants in "
								   "continuous views",
								   get_func_name(a->aggfnoid)),
							errhint("Write a constant, such as percentile_cont(0.5) WITHIN GROUP "
									"(ORDER BY x).")));
		}
		if (rebuild)
			foreach (lc, a->args)
			{
				Oid t = exprType((Node *) lfirst_node(TargetEntry, lc)->expr);

				if (!OidIsValid(get_array_type(t)))
					ereport(
						ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("aggregate %s() over type %s is not supported in continuous "
								"views",
								get_func_name(a->aggfnoid), format_type_be(t)),
						 errdetail("With DISTINCT, ORDER BY or WITHIN GROUP its input is kept as "
								   "an array, and the type has none.")));
			}
		return false;
	}
	return expression_tree_walker(node, lm_query_check_aggs_walker, ctx);
}

/*
 * lm_query_check_aggs refuses the aggregates in node that the worker
 * cannot run: DISTINCT or ORDER BY inside, ordered-set and hypothetical
 * aggregates, and those whose final function modifies its state (a view
 * emits repeatedly).  stored: node is from a view's stored SQL (a restored
 * row, or names that now resolve to other objects) rather than a CREATE,
 * and the error says to re-create the view.
 */
void
lm_query_check_aggs(Node *node, bool stored)
{
	(void) lm_query_check_aggs_walker(node, &stored);
}

/*
 * lm_querydef_check refuses an analysed stored query whose shape the
 * worker cannot compile: one stream, read directly, or through the window
 * subquery exactly when the view is windowed (HOP and CUMULATE compute
 * their windows with generate_series there; the worker maps only the
 * subquery's plain columns and takes the window bounds from WindowAssign).  CREATE checked far
 * more; this guards rows that were restored or whose names now resolve to other objects, so that
 * they fail with an error instead of crashing a worker.
 */
static void
lm_querydef_check(Query *q, bool windowed)
{
	RangeTblEntry *rte;
	bool ok;

	ok = q->commandType == CMD_SELECT && q->setOperations == NULL && !q->hasSubLinks &&
		 !q->hasWindowFuncs && !q->hasTargetSRFs && !q->hasDistinctOn && q->distinctClause == NIL &&
		 q->cteList == NIL && q->rowMarks == NIL && q->sortClause == NIL && q->limitCount == NULL &&
		 q->limitOffset == NULL && q->groupingSets == NIL &&
		 (q->havingQual == NULL || q->groupClause != NIL) && list_length(q->rtable) == 1 &&
		 q->jointree != NULL && list_length(q->jointree->fromlist) == 1;
	if (ok)
	{
		rte = rt_fetch(1, q->rtable);
		if (windowed)
			ok = rte->rtekind == RTE_SUBQUERY && rte->subquery != NULL &&
				 list_length(rte->subquery->rtable) == 1 &&
				 rt_fetch(1, rte->subquery->rtable)->rtekind == RTE_RELATION &&
				 list_length(rte->subquery->targetList) >= 3 && !rte->subquery->hasAggs &&
				 !rte->subquery->hasSubLinks;
		else
			ok = rte->rtekind == RTE_RELATION;
	}
	if (!ok)
		ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						errmsg("stored query of a continuous view is not one the workers can run"),
						errhint("Drop and re-create the materialized view.")));
	lm_query_check_aggs((Node *) q->targetList, true);
	lm_query_check_aggs(q->jointree->quals, true);
	lm_query_check_aggs(q->havingQual, true);
}

/*
 * lm_querydef_analyze parses and analyses a view's stored SQL (one SELECT)
 * under fixed settings, as the current user, checks its shape (windowed:
 * the view has a TUMBLE window) and returns the Query.
 */
Query *
lm_querydef_analyze(const char *sql, bool windowed)
{
	int level = lm_querydef_set_gucs(true);
	List *raw;
	Query *q = NULL;

	PG_TRY();
	{
		/*
		 * Laminar 0.1.0 stored nodeToString of the Query; the upgrade script
		 * rewrites it as SQL, but workers of the new library may load a view
		 * before ALTER EXTENSION UPDATE ran.  Such a row was never dumped
		 * (0.1.0 marked no table for pg_dump), so its OIDs are this
		 * database's.
		 */
		if (sql[0] == '{')
		{
			q = (Query *) stringToNode(sql);
			if (!IsA(q, Query))
				elog(ERROR, "laminar: stored query is not a Query");
		}
		else
		{
			raw = raw_parser(sql, RAW_PARSE_DEFAULT);
			if (list_length(raw) != 1 || !IsA(((RawStmt *) linitial(raw))->stmt, SelectStmt))
				ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
								errmsg("stored query of a continuous view is not one SELECT"),
								errhint("Drop and re-create the materialized view.")));
			q = parse_analyze_fixedparams((RawStmt *) linitial(raw), sql, NULL, 0, NULL);
		}
		lm_querydef_check(q, windowed);
	}
	PG_FINALLY();
	{
		AtEOXact_GUC(true, level);
	}
	PG_END_TRY();
	return q;
}

/*
 * lm_querydef_text deparses an analysed Query to schema-qualified SQL.
 */
static char *
lm_querydef_text(Query *q)
{
	int level = lm_querydef_set_gucs(false);
	char *sql = NULL;

	PG_TRY();
	{
		sql = pg_get_querydef(q, false);
	}
	PG_FINALLY();
	{
		AtEOXact_GUC(true, level);
	}
	PG_END_TRY();
	return sql;
}

/*
 * lm_querydef_strip_aliases clears the range-table aliases of a Query and
 * its subqueries: the deparser may rename them to keep them unique, which
 * changes no meaning.
 */
static bool
lm_querydef_strip_aliases(Node *node, void *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, RangeTblEntry))
	{
		RangeTblEntry *rte = (RangeTblEntry *) node;

		rte->alias = NULL;
		rte->eref = NULL;
		return false;
	}
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, lm_querydef_strip_aliases, ctx,
								 QTW_EXAMINE_RTES_BEFORE);
	return expression_tree_walker(node, lm_querydef_strip_aliases, ctx);
}

/*
 * lm_querydef_deparse returns the SQL to store for a view's analysed
 * query, after checking that it analyses back to the same Query.
 */
char *
lm_querydef_deparse(Query *q)
{
	char *sql = lm_querydef_text(q);
	Query *orig = copyObject(q);
	Query *again = lm_querydef_analyze(sql, q->rtable != NIL &&
												rt_fetch(1, q->rtable)->rtekind == RTE_SUBQUERY);

	(void) lm_querydef_strip_aliases((Node *) orig, NULL);
	(void) lm_querydef_strip_aliases((Node *) again, NULL);
	if (!equal(orig, again))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("continuous view cannot be stored as SQL that means the same query"),
				 errdetail("Its query deparses to: %s", sql),
				 errhint("Write casts and names explicitly, as pg_dump would need them for an "
						 "ordinary view.")));
	return sql;
}

/*
 * lm_querydef_has_stream_dep says whether pg_depend records that the
 * result table view depends on the stream.
 */
static bool
lm_querydef_has_stream_dep(Oid view, Oid stream)
{
	Relation rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key[3];
	SysScanDesc scan;
	HeapTuple tup;
	bool found = false;

	ScanKeyInit(&key[0], Anum_pg_depend_classid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(RelationRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_objid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(view));
	ScanKeyInit(&key[2], Anum_pg_depend_objsubid, BTEqualStrategyNumber, F_INT4EQ,
				Int32GetDatum(0));
	scan = systable_beginscan(rel, DependDependerIndexId, true, NULL, 3, key);
	while (!found && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend d = (Form_pg_depend) GETSTRUCT(tup);

		found = d->refclassid == RelationRelationId && d->refobjid == stream;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * lm_querydef_stream returns the stream a view's analysed query reads:
 * its one relation, directly or inside the TUMBLE subquery.
 */
static Oid
lm_querydef_stream(Query *q)
{
	RangeTblEntry *rte;

	if (list_length(q->rtable) != 1)
		return InvalidOid;
	rte = rt_fetch(1, q->rtable);
	if (rte->rtekind == RTE_SUBQUERY && rte->subquery != NULL &&
		list_length(rte->subquery->rtable) == 1)
		rte = rt_fetch(1, rte->subquery->rtable);
	return rte->rtekind == RTE_RELATION ? rte->relid : InvalidOid;
}

/*
 * lm_querydef_analyze_as analyses a view's SQL as the current owner of
 * its result table, in a security-restricted operation.
 */
static Query *
lm_querydef_analyze_as(Oid view, const char *sql, bool windowed)
{
	HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(view));
	Oid owner;
	Oid save_uid;
	int save_sec;
	Query *q;

	if (!HeapTupleIsValid(tup))
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE),
						errmsg("result table %u of a continuous view does not exist", view)));
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	GetUserIdAndSecContext(&save_uid, &save_sec);
	SetUserIdAndSecContext(owner, save_sec | SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		q = lm_querydef_analyze(sql, windowed);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_uid, save_sec);
	}
	PG_END_TRY();
	return q;
}

/*
 * laminar_views_inserted is the AFTER INSERT row trigger of
 * laminar._views.  A row that arrives without its pg_depend entries (a
 * restored row: pg_dump does not dump pg_depend) gets them again, from its
 * SQL analysed as the result table's owner; the workers reload either way.
 * Only the table's owner (a superuser) and laminar.execute can insert.
 */
Datum
laminar_views_inserted(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	LmViewCatalog cat;
	Oid view, stream;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_INSERT(td->tg_event))
		ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
						errmsg("laminar._views_inserted() must be an AFTER INSERT row trigger")));
	lm_cat_view_from_row(td->tg_trigtuple, RelationGetDescr(td->tg_relation), &cat);
	view = cat.result_relid;
	stream = cat.stream_relid;
	if (!lm_querydef_has_stream_dep(view, stream))
	{
		Query *q = lm_querydef_analyze_as(view, cat.query, cat.windowed);
		ObjectAddress self, ref;

		if (lm_querydef_stream(q) != stream)
			ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
							errmsg("continuous view \"%s\" does not read stream \"%s\"",
								   get_rel_name(view), get_rel_name(stream)),
							errhint("Its row in laminar._views is inconsistent.")));
		ObjectAddressSet(self, RelationRelationId, view);
		ObjectAddressSet(ref, RelationRelationId, stream);
		recordDependencyOn(&self, &ref, DEPENDENCY_NORMAL);
		recordDependencyOnExpr(&self, (Node *) q, NIL, DEPENDENCY_NORMAL);
		/* LATE DATA TO: the view writes that table */
		if (OidIsValid(cat.late_relid))
		{
			ObjectAddressSet(ref, RelationRelationId, cat.late_relid);
			recordDependencyOn(&self, &ref, DEPENDENCY_NORMAL);
		}
	}
	if (lm_shared != NULL)
		lm_cat_mark_changed();
	return PointerGetDatum(NULL);
}

/*
 * lm_querydef_rename_begin, called before a statement that renames or
 * moves objects (RenameStmt, AlterObjectSchemaStmt), analyses every view of
 * this database and returns them; views that do not analyse (their owner
 * lost a right, say) are left out and keep their SQL.
 */
List *
lm_querydef_rename_begin(void)
{
	MemoryContext cxt = CurrentMemoryContext;
	List *rows = NIL;
	List *out = NIL;
	ListCell *lc;
	LmViewCatalog *cats;
	int ncats;

	cats = lm_cat_views_read(InvalidOid, 0, &ncats);
	for (int r = 0; r < ncats; r++)
	{
		LmRenamed *v = palloc0(sizeof(LmRenamed));

		v->id = cats[r].id;
		v->view = cats[r].result_relid;
		v->sql = cats[r].query;
		v->windowed = cats[r].windowed;
		rows = lappend(rows, v);
	}

	foreach (lc, rows)
	{
		LmRenamed *v = (LmRenamed *) lfirst(lc);
		ResourceOwner owner = CurrentResourceOwner;

		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(cxt);
		PG_TRY();
		{
			v->query = lm_querydef_analyze_as(v->view, v->sql, v->windowed);
			ReleaseCurrentSubTransaction();
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(cxt);
			FlushErrorState();
			RollbackAndReleaseCurrentSubTransaction();
			v->query = NULL;
		}
		PG_END_TRY();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (v->query != NULL)
			out = lappend(out, v);
	}
	return out;
}

/*
 * lm_querydef_rename_end, called after the rename succeeded, writes the
 * SQL of every view analysed by lm_querydef_rename_begin again, with the
 * new names.
 */
void
lm_querydef_rename_end(List *views)
{
	ListCell *lc;

	if (views == NIL)
		return;
	CommandCounterIncrement();
	foreach (lc, views)
	{
		LmRenamed *v = (LmRenamed *) lfirst(lc);
		char *sql = lm_querydef_text(v->query);

		if (strcmp(sql, v->sql) == 0)
			continue;
		lm_cat_view_set_query(v->id, sql);
	}
}

/*
 * laminar_querydef_from_nodes converts a query stored by Laminar 0.1.0
 * (nodeToString of the analysed Query) to its SQL; used once by the
 * upgrade script: laminar._querydef_from_nodes(text).
 */
Datum
laminar_querydef_from_nodes(PG_FUNCTION_ARGS)
{
	Query *q = (Query *) stringToNode(text_to_cstring(PG_GETARG_TEXT_PP(0)));

	if (!IsA(q, Query))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("not a stored query of a continuous view")));
	PG_RETURN_TEXT_P(cstring_to_text(lm_querydef_text(q)));
}
