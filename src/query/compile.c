/*-------------------------------------------------------------------------
 *
 * compile.c
 *	  Turns a view's stored query, analysed again (querydef.c), into the
 *	  operator chain a stream worker runs (ops/view.h).
 *
 * Aggref cannot be compiled outside an Agg plan node, so the Query is
 * split the way nodeAgg splits it:
 *	- WHERE and the group key expressions are evaluated per event against
 *	  the event slot (Vars read ecxt_scantuple);
 *	- each aggregate's arguments and FILTER are evaluated per event and fed
 *	  to the aggregate's own transition function (ops/agg.c);
 *	- the select list is evaluated per group at emit time, with every
 *	  Aggref, every group key and window_start/window_end replaced by a
 *	  PARAM_EXEC Param that the emitter fills in.
 * For TUMBLE views the Query reads a subquery that adds window_start and
 * window_end; its Vars are mapped back to the stream's attributes, and the
 * window bounds are computed natively (the same arithmetic as date_bin).
 *
 * Everything is compiled as the view's owner (the current owner of its
 * result table), so EXECUTE privileges are those of the owner, never of
 * the worker; lm_view_check_rights checks them, and SELECT on the stream,
 * at each load and whenever the result table changes owner.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_agg.h"
#include "parser/parsetree.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "laminar.h"
#include "ops/view.h"
#include "query/ddl.h"

typedef struct LmMapCtx
{
	LmView *v;
	bool windowed;
	int ws_attno;	   /* subquery attno of window_start */
	AttrNumber *inner; /* subquery attno -> stream attno */
	int ninner;
	List *aggs; /* distinct Aggrefs, in param order */
	List *keys; /* plain group key expressions (unmapped) */
	bool final; /* replacing for the emit-time select list */
} LmMapCtx;

/*
 * lm_compile_param builds a PARAM_EXEC Param standing for a value the
 * worker supplies.
 */
static Param *
lm_compile_param(int id, Oid type, int32 typmod, Oid coll)
{
	Param *p = makeNode(Param);

	p->paramkind = PARAM_EXEC;
	p->paramid = id;
	p->paramtype = type;
	p->paramtypmod = typmod;
	p->paramcollid = coll;
	p->location = -1;
	return p;
}

/*
 * lm_compile_mutator maps subquery Vars to stream Vars or window Params
 * and, for the final select list, Aggrefs and group keys to Params.
 */
static Node *
lm_compile_mutator(Node *node, LmMapCtx *ctx)
{
	if (node == NULL)
		return NULL;
	if (ctx->final)
	{
		ListCell *lc;
		int i = 0;

		foreach (lc, ctx->keys)
		{
			if (equal(node, lfirst(lc)))
				return (Node *) lm_compile_param(list_length(ctx->aggs) + i, exprType(node),
												 exprTypmod(node), exprCollation(node));
			i++;
		}
		if (IsA(node, Aggref))
		{
			i = 0;
			foreach (lc, ctx->aggs)
			{
				if (equal(node, lfirst(lc)))
					return (Node *) lm_compile_param(i, exprType(node), exprTypmod(node),
													 exprCollation(node));
				i++;
			}
			elog(ERROR, "laminar: aggregate not found while compiling a view");
		}
	}
	if (IsA(node, Var))
	{
		Var *var = (Var *) node;

		if (var->varlevelsup != 0)
			elog(ERROR, "laminar: outer reference in a view");
		if (ctx->windowed)
		{
			if (var->varattno == ctx->ws_attno)
				return (Node *) lm_compile_param(ctx->v->param_ws, var->vartype, var->vartypmod,
												 var->varcollid);
			if (var->varattno == ctx->ws_attno + 1)
				return (Node *) lm_compile_param(ctx->v->param_we, var->vartype, var->vartypmod,
												 var->varcollid);
			if (var->varattno <= 0 || var->varattno > ctx->ninner ||
				ctx->inner[var->varattno - 1] == InvalidAttrNumber)
				elog(ERROR, "laminar: unexpected column reference in a windowed view");
			var = copyObject(var);
			var->varattno = ctx->inner[var->varattno - 1];
			var->varattnosyn = var->varattno;
			return (Node *) var;
		}
		if (var->varattno <= 0)
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							errmsg("whole-row references are not supported in continuous views")));
		return (Node *) copyObject(var);
	}
	return expression_tree_mutator(node, lm_compile_mutator, (void *) ctx);
}

/*
 * lm_compile_collect_aggs gathers the distinct Aggrefs of an expression.
 */
static bool
lm_compile_collect_aggs(Node *node, LmMapCtx *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, Aggref))
	{
		ListCell *lc;

		foreach (lc, ctx->aggs)
			if (equal(node, lfirst(lc)))
				return false;
		ctx->aggs = lappend(ctx->aggs, node);
		return false;
	}
	return expression_tree_walker(node, lm_compile_collect_aggs, (void *) ctx);
}

/*
 * lm_compile_rights_check_func says whether the role in ctx may not
 * EXECUTE the function func_id, raising the error itself.
 */
static bool
lm_compile_rights_check_func(Oid func_id, void *ctx)
{
	if (pg_proc_aclcheck(func_id, *(Oid *) ctx, ACL_EXECUTE) != ACLCHECK_OK)
		ereport(
			ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied for function %s", get_func_name(func_id)),
			 errhint("A continuous view runs with the privileges of its result table's owner.")));
	return false;
}

/*
 * lm_compile_agg sets up one aggregate the way nodeAgg's ExecInitAgg does:
 * transition type, initial value, support functions and their call frames.
 */
static void
lm_compile_agg(LmView *v, LmMapCtx *ctx, Aggref *aggref, LmAggSpec *a)
{
	HeapTuple tup;
	Form_pg_aggregate form;
	Oid inputTypes[FUNC_MAX_ARGS];
	int numArguments;
	Oid transfn_oid, finalfn_oid;
	Expr *transfnexpr, *finalfnexpr;
	Datum textInitVal;
	ListCell *lc;
	int i;

	tup = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(aggref->aggfnoid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for aggregate %u", aggref->aggfnoid);
	form = (Form_pg_aggregate) GETSTRUCT(tup);

	a->aggfnoid = aggref->aggfnoid;
	transfn_oid = form->aggtransfn;
	finalfn_oid = form->aggfinalfn;
	numArguments = get_aggregate_argtypes(aggref, inputTypes);
	a->transtype =
		resolve_aggregate_transtype(aggref->aggfnoid, form->aggtranstype, inputTypes, numArguments);
	get_typlenbyval(a->transtype, &a->translen, &a->transbyval);
	a->collation = aggref->inputcollid;
	a->transstrict = func_strict(transfn_oid);
	a->hasfinal = OidIsValid(finalfn_oid);
	a->nfinalextra = form->aggfinalextra ? numArguments : 0;

	build_aggregate_transfn_expr(inputTypes, numArguments, 0, aggref->aggvariadic, a->transtype,
								 aggref->inputcollid, transfn_oid, InvalidOid, &transfnexpr, NULL);
	fmgr_info_cxt(transfn_oid, &a->transfn, v->cxt);
	fmgr_info_set_expr((Node *) transfnexpr, &a->transfn);
	if (a->hasfinal)
	{
		a->finalstrict = func_strict(finalfn_oid);
		build_aggregate_finalfn_expr(inputTypes, 1 + a->nfinalextra, a->transtype, aggref->aggtype,
									 aggref->inputcollid, finalfn_oid, &finalfnexpr);
		fmgr_info_cxt(finalfn_oid, &a->finalfn, v->cxt);
		fmgr_info_set_expr((Node *) finalfnexpr, &a->finalfn);
		a->finalcall = palloc0(SizeForFunctionCallInfo(1 + a->nfinalextra));
		InitFunctionCallInfoData(*a->finalcall, &a->finalfn, 1 + a->nfinalextra, a->collation,
								 (Node *) v->fake_agg, NULL);
	}

	textInitVal = SysCacheGetAttr(AGGFNOID, tup, Anum_pg_aggregate_agginitval, &a->initnull);
	if (!a->initnull)
	{
		Oid typinput, typioparam;
		char *s = TextDatumGetCString(textInitVal);

		getTypeInputInfo(a->transtype, &typinput, &typioparam);
		a->initval = OidInputFunctionCall(typinput, s, typioparam, -1);
	}
	ReleaseSysCache(tup);

	a->nargs = list_length(aggref->args);
	if (a->transstrict && a->initnull && a->nargs == 0)
		elog(ERROR, "laminar: strict aggregate without arguments and initial value");
	a->args = palloc0(sizeof(ExprState *) * Max(a->nargs, 1));
	i = 0;
	foreach (lc, aggref->args)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		a->args[i++] =
			ExecPrepareExpr((Expr *) lm_compile_mutator((Node *) tle->expr, ctx), v->estate);
	}
	if (aggref->aggfilter)
		a->filter = ExecPrepareExpr((Expr *) lm_compile_mutator((Node *) aggref->aggfilter, ctx),
									v->estate);
	a->transcall = palloc0(SizeForFunctionCallInfo(a->nargs + 1));
	InitFunctionCallInfoData(*a->transcall, &a->transfn, a->nargs + 1, a->collation,
							 (Node *) v->fake_agg, NULL);
}

/*
 * lm_view_compile_body builds the runtime of one view, as its owner.
 */
static LmView *
lm_view_compile_body(LmViewCatalog *cat, MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "laminar view", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	LmView *v = palloc0(sizeof(LmView));
	Query *q;
	LmMapCtx ctx;
	Relation rel;
	TupleDesc desc;
	ListCell *lc;
	List *eqops = NIL;
	List *quals;
	Oid save_uid;
	int save_sec;
	int i;
	int n;

	v->cxt = cxt;
	v->id = cat->id;
	v->result_relid = cat->result_relid;
	v->stream_relid = cat->stream_relid;
	v->owner = cat->owner;
	v->kind = cat->kind;
	v->emit_close = cat->emit == LM_EMIT_ON_WINDOW_CLOSE;
	v->window_us = cat->window_us;
	/* a size 0.1.0 accepted and wrapped: the worker reads it as NULL (0) */
	if (v->kind == LM_VIEW_WINDOW && v->window_us <= 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("window size of continuous view \"%s\" is out of range",
							   get_rel_name(v->result_relid)),
						errhint("Drop and re-create the view with a smaller TUMBLE size.")));
	v->ts_attnum = cat->ts_attnum;
	v->timezone = pstrdup(cat->timezone);
	v->datestyle = pstrdup(cat->datestyle);
	v->intervalstyle = pstrdup(cat->intervalstyle);
	v->nkeycols = cat->nkeycols;
	v->keycols = cat->keycols;
	v->tmpcxt = AllocSetContextCreate(cxt, "laminar view scratch", ALLOCSET_DEFAULT_SIZES);
	v->rowcxt = AllocSetContextCreate(cxt, "laminar view rows", ALLOCSET_DEFAULT_SIZES);

	GetUserIdAndSecContext(&save_uid, &save_sec);
	SetUserIdAndSecContext(v->owner, save_sec | SECURITY_RESTRICTED_OPERATION);

	q = lm_querydef_analyze(cat->query, cat->window_us > 0);
	v->query = q;
	lm_view_check_rights(v, v->owner);
	v->estate = CreateExecutorState();
	v->econtext = CreateExprContext(v->estate);

	rel = table_open(v->stream_relid, AccessShareLock);
	desc = CreateTupleDescCopy(RelationGetDescr(rel));
	table_close(rel, AccessShareLock);
	v->evslot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);

	memset(&ctx, 0, sizeof(ctx));
	ctx.v = v;
	ctx.windowed = v->window_us > 0;
	if (ctx.windowed)
	{
		RangeTblEntry *rte = rt_fetch(1, q->rtable);
		List *stl = rte->subquery->targetList;

		ctx.ninner = list_length(stl);
		ctx.ws_attno = ctx.ninner - 1;
		ctx.inner = palloc0(sizeof(AttrNumber) * ctx.ninner);
		i = 0;
		foreach (lc, stl)
		{
			TargetEntry *tle = lfirst_node(TargetEntry, lc);

			if (IsA(tle->expr, Var))
				ctx.inner[i] = ((Var *) tle->expr)->varattno;
			i++;
		}
	}

	/* aggregates and plain group keys decide the parameter numbering */
	lm_compile_collect_aggs((Node *) q->targetList, &ctx);
	foreach (lc, q->groupClause)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		TargetEntry *tle = get_sortgroupclause_tle(sgc, q->targetList);
		Node *e = (Node *) tle->expr;

		if (ctx.windowed && IsA(e, Var) &&
			(((Var *) e)->varattno == ctx.ws_attno || ((Var *) e)->varattno == ctx.ws_attno + 1))
			continue;
		ctx.keys = lappend(ctx.keys, e);
		eqops = lappend_oid(eqops, sgc->eqop);
	}
	v->naggs = list_length(ctx.aggs);
	v->nkeys = list_length(ctx.keys);
	v->param_ws = v->naggs + v->nkeys;
	v->param_we = v->param_ws + 1;
	v->params = palloc0(sizeof(ParamExecData) * (v->param_we + 1));
	v->econtext->ecxt_param_exec_vals = v->params;

	/* the fake Agg node that aggregate support functions ask for */
	v->fake_agg = makeNode(AggState);
	v->fake_agg->curaggcontext = makeNode(ExprContext);
	v->fake_agg->tmpcontext = makeNode(ExprContext);
	v->fake_agg->tmpcontext->ecxt_per_tuple_memory = v->tmpcxt;
	v->fake_agg->curaggcontext->ecxt_per_tuple_memory = v->tmpcxt;

	/* WHERE */
	quals = make_ands_implicit((Expr *) lm_compile_mutator(q->jointree->quals, &ctx));
	if (quals != NIL)
		v->qual = ExecPrepareQual(quals, v->estate);

	/* group keys */
	if (v->nkeys > 0)
	{
		Oid *eqarr = palloc(sizeof(Oid) * v->nkeys);

		v->keyexprs = palloc(sizeof(ExprState *) * v->nkeys);
		v->keydesc = CreateTemplateTupleDesc(v->nkeys);
		v->keycolidx = palloc(sizeof(AttrNumber) * v->nkeys);
		v->keycoll = palloc(sizeof(Oid) * v->nkeys);
		i = 0;
		foreach (lc, ctx.keys)
		{
			Node *e = (Node *) lfirst(lc);

			v->keyexprs[i] = ExecPrepareExpr((Expr *) lm_compile_mutator(e, &ctx), v->estate);
			TupleDescInitEntry(v->keydesc, i + 1, NULL, exprType(e), exprTypmod(e), 0);
			TupleDescInitEntryCollation(v->keydesc, i + 1, exprCollation(e));
			v->keycolidx[i] = i + 1;
			v->keycoll[i] = exprCollation(e);
			eqarr[i] = list_nth_oid(eqops, i);
			i++;
		}
		execTuplesHashPrepare(v->nkeys, eqarr, &v->eqfuncs, &v->hashfns);
		/* like nodeAgg's hashslot: a minimal-tuple slot holding virtual values */
		v->keyslot = MakeSingleTupleTableSlot(v->keydesc, &TTSOpsMinimalTuple);
		v->keyread = MakeSingleTupleTableSlot(v->keydesc, &TTSOpsMinimalTuple);
	}

	/* aggregates */
	v->aggs = palloc0(sizeof(LmAggSpec) * Max(v->naggs, 1));
	i = 0;
	foreach (lc, ctx.aggs)
		lm_compile_agg(v, &ctx, (Aggref *) lfirst(lc), &v->aggs[i++]);
	v->group_size = offsetof(LmGroup, vals) + sizeof(LmAggVal) * v->naggs;
	/* what ops/agg.c needs to undo a failed event's transitions */
	v->savevals = palloc0(sizeof(LmAggVal) * Max(v->naggs, 1));
	v->deferred = palloc0(sizeof(Datum) * Max(v->naggs, 1));
	v->deferred_agg = palloc0(sizeof(int) * Max(v->naggs, 1));

	/*
	 * The select list.  Its types are the query's own, which the compiled
	 * expressions produce; the result table must still have a column of each
	 * name with exactly that type (lm_emit_check_table, run here and again
	 * before every write, since the table can change under a running view).
	 */
	n = list_length(q->targetList);
	ctx.final = v->kind != LM_VIEW_STATELESS;
	v->outexprs = palloc(sizeof(ExprState *) * n);
	v->outtypes = palloc(sizeof(Oid) * n);
	v->outtypmods = palloc(sizeof(int32) * n);
	v->outlen = palloc(sizeof(int16) * n);
	v->outbyval = palloc(sizeof(bool) * n);
	v->outalign = palloc(sizeof(char) * n);
	v->outarraytypes = palloc(sizeof(Oid) * n);
	v->outnames = palloc(sizeof(char *) * n);
	v->outfuncs = palloc0(sizeof(FmgrInfo) * n);
	v->outattnum = palloc0(sizeof(AttrNumber) * n);
	v->keyout = palloc(sizeof(int) * n);
	v->tid_gen = 1;
	v->fresh = cat->fresh;
	foreach (lc, q->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		Oid typ = exprType((Node *) tle->expr);

		if (tle->resjunk)
			continue;
		v->outexprs[v->nout] =
			ExecPrepareExpr((Expr *) lm_compile_mutator((Node *) tle->expr, &ctx), v->estate);
		v->outtypes[v->nout] = typ;
		v->outtypmods[v->nout] = exprTypmod((Node *) tle->expr);
		get_typlenbyvalalign(typ, &v->outlen[v->nout], &v->outbyval[v->nout],
							 &v->outalign[v->nout]);
		v->outarraytypes[v->nout] = get_array_type(typ);
		if (!OidIsValid(v->outarraytypes[v->nout]))
		{
			/* arrays of arrays do not exist: such columns travel as text */
			Oid outfn;
			bool isvarlena;

			getTypeOutputInfo(typ, &outfn, &isvarlena);
			fmgr_info_cxt(outfn, &v->outfuncs[v->nout], v->cxt);
		}
		v->outnames[v->nout] = pstrdup(tle->resname);
		for (int k = 0; k < v->nkeycols; k++)
			if (strcmp(v->keycols[k], v->outnames[v->nout]) == 0)
			{
				v->keyout[v->nkeyout++] = v->nout;
				break;
			}
		v->nout++;
	}
	lm_emit_check_table(v, AccessShareLock, false);

	SetUserIdAndSecContext(save_uid, save_sec);
	MemoryContextSwitchTo(old);
	return v;
}

/*
 * lm_compile_rights_walker raises an error for the first function,
 * operator or aggregate of a query tree that the role in ctx may not
 * EXECUTE.
 */
static bool
lm_compile_rights_walker(Node *node, void *ctx)
{
	Oid role = *(Oid *) ctx;

	if (node == NULL)
		return false;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, lm_compile_rights_walker, ctx, 0);
	if (IsA(node, Aggref) &&
		pg_proc_aclcheck(((Aggref *) node)->aggfnoid, role, ACL_EXECUTE) != ACLCHECK_OK)
		ereport(
			ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied for aggregate %s",
					get_func_name(((Aggref *) node)->aggfnoid)),
			 errhint("A continuous view runs with the privileges of its result table's owner.")));
	(void) check_functions_in_node(node, lm_compile_rights_check_func, ctx);
	return expression_tree_walker(node, lm_compile_rights_walker, ctx);
}

/*
 * lm_query_check_rights checks that role may run a view's query over
 * stream: SELECT on the stream and EXECUTE on every function, operator and
 * aggregate of the query.  It raises an error otherwise.  CREATE checks the
 * creator with it, and every load and owner change the table's owner.
 */
void
lm_query_check_rights(Query *q, Oid stream, Oid role)
{
	if (pg_class_aclcheck(stream, role, ACL_SELECT) != ACLCHECK_OK)
		ereport(
			ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied for stream %s", get_rel_name(stream)),
			 errhint("A continuous view runs with the privileges of its result table's owner.")));
	(void) lm_compile_rights_walker((Node *) q, &role);
}

/*
 * lm_view_check_rights checks that role may run the view, as REFRESH
 * MATERIALIZED VIEW checks its owner's rights at each refresh
 * (lm_query_check_rights).
 */
void
lm_view_check_rights(LmView *v, Oid role)
{
	lm_query_check_rights(v->query, v->stream_relid, role);
}

/*
 * lm_view_set_owner makes a compiled view run as a new owner of its result
 * table, after checking that role's rights.  The compiled expressions do
 * not depend on the role (only their privilege checks did, redone here);
 * the prepared write statement is dropped and prepared again as the new
 * owner.  The view's state is kept.
 */
void
lm_view_set_owner(LmView *v, Oid owner)
{
	lm_view_check_rights(v, owner);
	v->owner = owner;
	if (v->plan)
	{
		SPI_freeplan(v->plan);
		v->plan = NULL;
	}
}

/*
 * lm_view_compile builds the runtime of one view.  Call inside a
 * transaction; the result lives in a child context of parent.  It runs in
 * a subtransaction, so that an error (say, a result table that no longer
 * matches the view) leaves no relation open and does not leave the worker
 * running as the view's owner; the error is re-thrown for the caller.
 */
LmView *
lm_view_compile(LmViewCatalog *cat, MemoryContext parent)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	LmView *v = NULL;

	BeginInternalSubTransaction(NULL);
	PG_TRY();
	{
		v = lm_view_compile_body(cat, parent);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		ReThrowError(edata);
	}
	PG_END_TRY();
	return v;
}

/*
 * lm_view_free releases everything a view holds.
 */
void
lm_view_free(LmView *v)
{
	if (v->plan)
		SPI_freeplan(v->plan);
	MemoryContextDelete(v->cxt);
}
