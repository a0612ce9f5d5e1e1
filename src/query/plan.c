/*-------------------------------------------------------------------------
 *
 * plan.c
 *	  Turns a view's stored query, analysed again (querydef.c), into the
 *	  graph of operators a stream worker runs (ops/op.h):
 *
 *	    Source -> [WindowAssign] -> Calc -> [Aggregate] -> Sink
 *
 * Aggref cannot be compiled outside an Agg plan node, so the Query is
 * split the way nodeAgg splits it:
 *	- WHERE, the group key expressions and each aggregate's FILTER and
 *	  arguments are Calc's: evaluated per event against the event slot
 *	  (Vars read ecxt_scantuple), the keys and arguments projected into the
 *	  rows the Aggregate consumes;
 *	- the Aggregate feeds them to the aggregates' own transition functions;
 *	- the select list is evaluated per group when the Aggregate emits, with
 *	  every Aggref, every group key and window_start/window_end replaced by
 *	  a PARAM_EXEC Param that the Aggregate fills in.
 * A stateless view is Source -> Calc (WHERE and select list) -> Sink.
 * For TUMBLE views the Query reads a subquery that adds window_start and
 * window_end; its Vars are mapped back to the stream's attributes, and the
 * window bounds come from WindowAssign (the same arithmetic as date_bin),
 * which runs before Calc so that every expression may read them.
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
#include "ops/ops.h"
#include "query/ddl.h"
#include "sink/sink.h"
#include "worker/view.h"

typedef struct LmMapCtx
{
	LmGraph *g;
	bool windowed;
	int ws_attno;	   /* subquery attno of window_start */
	AttrNumber *inner; /* subquery attno -> stream attno */
	int ninner;
	int maxatt; /* the last stream attribute an expression reads */
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
				return (Node *) lm_compile_param(ctx->g->param_ws, var->vartype, var->vartypmod,
												 var->varcollid);
			if (var->varattno == ctx->ws_attno + 1)
				return (Node *) lm_compile_param(ctx->g->param_we, var->vartype, var->vartypmod,
												 var->varcollid);
			if (var->varattno <= 0 || var->varattno > ctx->ninner ||
				ctx->inner[var->varattno - 1] == InvalidAttrNumber)
				elog(ERROR, "laminar: unexpected column reference in a windowed view");
			var = copyObject(var);
			var->varattno = ctx->inner[var->varattno - 1];
			var->varattnosyn = var->varattno;
			ctx->maxatt = Max(ctx->maxatt, var->varattno);
			return (Node *) var;
		}
		if (var->varattno <= 0)
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							errmsg("whole-row references are not supported in continuous views")));
		ctx->maxatt = Max(ctx->maxatt, var->varattno);
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

/* the watermark a graph reads until the worker gives it its stream's */
static int64 lm_plan_no_wm = LM_NO_TIME;

/*
 * lm_plan_window_ok says whether a catalog row's window is one the
 * operators can run (CREATE checked it; a restored or hand-made row may
 * not be): positive sizes and slides (a SESSION's maximum length may be 0:
 * none), an offset within the unit, non-negative lateness, a CUMULATE step
 * dividing its size, at most a batch of windows per event.
 */
static bool
lm_plan_window_ok(const LmWindowSpec *w)
{
	if (w->size <= 0 || w->lateness < 0 || w->offset < 0)
		return false;
	if (w->kind == LM_WINDOW_SESSION)
		return w->slide >= 0 && w->offset == 0;
	if (w->slide <= 0 || w->offset >= lm_window_unit(w))
		return false;
	if (w->kind == LM_WINDOW_CUMULATE && w->size % w->slide != 0)
		return false;
	return w->size / w->slide + (w->size % w->slide != 0) <= LM_BATCH_SIZE;
}

/*
 * lm_plan_output_arrays allocates the per-output arrays of a sink for n
 * outputs.
 */
static void
lm_plan_output_arrays(LmSinkDesc *sd, int n)
{
	sd->outtypes = palloc(sizeof(Oid) * n);
	sd->outtypmods = palloc(sizeof(int32) * n);
	sd->outlen = palloc(sizeof(int16) * n);
	sd->outbyval = palloc(sizeof(bool) * n);
	sd->outalign = palloc(sizeof(char) * n);
	sd->outarraytypes = palloc(sizeof(Oid) * n);
	sd->outnames = palloc(sizeof(char *) * n);
	sd->outfuncs = palloc0(sizeof(FmgrInfo) * n);
	sd->keyout = palloc(sizeof(int) * n);
}

/*
 * lm_plan_output_col describes output column sd->nout (the next one): its
 * type, and how its values travel to the table (arrays of the type, or
 * text through the type's output function where no array type exists).
 */
static void
lm_plan_output_col(LmSinkDesc *sd, Oid typ, int32 typmod, const char *name, MemoryContext cxt)
{
	int c = sd->nout++;

	sd->outtypes[c] = typ;
	sd->outtypmods[c] = typmod;
	get_typlenbyvalalign(typ, &sd->outlen[c], &sd->outbyval[c], &sd->outalign[c]);
	sd->outarraytypes[c] = get_array_type(typ);
	if (!OidIsValid(sd->outarraytypes[c]))
	{
		/* arrays of arrays do not exist: such columns travel as text */
		Oid outfn;
		bool isvarlena;

		getTypeOutputInfo(typ, &outfn, &isvarlena);
		fmgr_info_cxt(outfn, &sd->outfuncs[c], cxt);
	}
	sd->outnames[c] = pstrdup(name);
}

/*
 * lm_plan_outputs describes the select list for the sink: names, types
 * and how each column travels to the table.
 */
static void
lm_plan_outputs(Query *q, LmSinkDesc *sd, LmViewCatalog *cat, MemoryContext cxt)
{
	ListCell *lc;

	lm_plan_output_arrays(sd, list_length(q->targetList));
	sd->nkeycols = cat->nkeycols;
	sd->keycols = cat->keycols;
	foreach (lc, q->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		int c = sd->nout;

		if (tle->resjunk)
			continue;
		lm_plan_output_col(sd, exprType((Node *) tle->expr), exprTypmod((Node *) tle->expr),
						   tle->resname, cxt);
		for (int k = 0; k < sd->nkeycols; k++)
			if (strcmp(sd->keycols[k], sd->outnames[c]) == 0)
			{
				sd->keyout[sd->nkeyout++] = c;
				break;
			}
	}
}

/*
 * lm_plan_late_outputs fills the outputs of a late-data table's Sink: the
 * stream's columns (row type desc), then _watermark timestamptz.
 */
static void
lm_plan_late_outputs(TupleDesc desc, LmSinkDesc *sd, MemoryContext cxt)
{
	lm_plan_output_arrays(sd, desc->natts + 1);
	for (int c = 0; c < desc->natts; c++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, c);

		lm_plan_output_col(sd, att->atttypid, att->atttypmod, NameStr(att->attname), cxt);
	}
	lm_plan_output_col(sd, TIMESTAMPTZOID, -1, "_watermark", cxt);
}

/*
 * lm_plan_select_list prepares the view's select list (final: Aggrefs and
 * keys read the Aggregate's parameters) and its tuple descriptor.
 */
static ExprState **
lm_plan_select_list(Query *q, LmMapCtx *ctx, TupleDesc *desc)
{
	ExprState **exprs = palloc(sizeof(ExprState *) * Max(list_length(q->targetList), 1));
	int n = 0;
	ListCell *lc;

	*desc = CreateTemplateTupleDesc(Max(list_length(q->targetList), 1));
	foreach (lc, q->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resjunk)
			continue;
		exprs[n] =
			ExecPrepareExpr((Expr *) lm_compile_mutator((Node *) tle->expr, ctx), ctx->g->estate);
		TupleDescInitEntry(*desc, n + 1, NULL, exprType((Node *) tle->expr),
						   exprTypmod((Node *) tle->expr), 0);
		n++;
	}
	(*desc)->natts = n;
	return exprs;
}

/*
 * lm_plan_aggregate sets up the Aggregate's description and the part of
 * Calc's projection it consumes: the group keys, then per aggregate its
 * FILTER (if any) and its arguments.  Returns the projection.
 */
static List *
lm_plan_aggregate(LmView *v, Query *q, LmMapCtx *ctx, List *eqops, LmAggDesc *ad)
{
	LmGraph *g = v->graph;
	List *proj = NIL;
	ListCell *lc;
	int i = 0;

	ad->nkeys = list_length(ctx->keys);
	ad->naggs = list_length(ctx->aggs);
	ad->window_us = g->window_us;
	ad->emit_close = v->emit_close;
	ad->emit_fired = v->emit == LM_EMIT_AFTER_WATERMARK;
	ad->lateness = g->window.lateness;
	ad->every_us = v->emit_every_us;
	ad->session = g->window.kind == LM_WINDOW_SESSION;
	ad->gap = g->window.size;
	ad->max_session = ad->session ? g->window.slide : 0;
	ad->tmpcxt = AllocSetContextCreate(v->cxt, "laminar view scratch", ALLOCSET_DEFAULT_SIZES);

	/* the fake Agg node that aggregate support functions ask for */
	ad->fake_agg = makeNode(AggState);
	ad->fake_agg->curaggcontext = makeNode(ExprContext);
	ad->fake_agg->tmpcontext = makeNode(ExprContext);
	ad->fake_agg->tmpcontext->ecxt_per_tuple_memory = ad->tmpcxt;
	ad->fake_agg->curaggcontext->ecxt_per_tuple_memory = ad->tmpcxt;

	if (ad->nkeys > 0)
	{
		ad->keydesc = CreateTemplateTupleDesc(ad->nkeys);
		ad->eqops = palloc(sizeof(Oid) * ad->nkeys);
		foreach (lc, ctx->keys)
		{
			Node *e = (Node *) lfirst(lc);

			proj = lappend(proj, lm_compile_mutator(e, ctx));
			TupleDescInitEntry(ad->keydesc, i + 1, NULL, exprType(e), exprTypmod(e), 0);
			TupleDescInitEntryCollation(ad->keydesc, i + 1, exprCollation(e));
			ad->eqops[i] = list_nth_oid(eqops, i);
			i++;
		}
	}
	ad->aggs = palloc0(sizeof(LmAggSpec) * Max(ad->naggs, 1));
	i = 0;
	foreach (lc, ctx->aggs)
	{
		Aggref *aggref = (Aggref *) lfirst(lc);
		LmAggSpec *a = &ad->aggs[i++];
		ListCell *al;

		lm_aggfn_init(a, aggref, (Node *) ad->fake_agg, v->cxt);
		/* sessions merge: by the combine function, or by replaying input */
		if (ad->session && !a->retain && !OidIsValid(a->combinefn_oid))
			a->retain = true;
		a->filtercol = -1;
		if (aggref->aggfilter)
		{
			a->filtercol = list_length(proj);
			proj = lappend(proj, lm_compile_mutator((Node *) aggref->aggfilter, ctx));
		}
		a->argcol = list_length(proj);
		foreach (al, aggref->args)
			proj =
				lappend(proj, lm_compile_mutator((Node *) lfirst_node(TargetEntry, al)->expr, ctx));
	}
	ctx->final = true;
	ad->outexprs = lm_plan_select_list(q, ctx, &ad->outdesc);
	ad->nout = ad->outdesc->natts;
	/* HAVING reads the same parameters as the select list */
	if (q->havingQual != NULL)
		ad->having = ExecPrepareQual(
			make_ands_implicit((Expr *) lm_compile_mutator(q->havingQual, ctx)), g->estate);
	return proj;
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
	LmGraph *g;
	Query *q;
	LmMapCtx ctx;
	Relation rel;
	TupleDesc desc;
	ListCell *lc;
	List *eqops = NIL;
	List *quals;
	List *proj = NIL;
	ExprState *qual = NULL;
	ExprState **projstates;
	LmSinkDesc sd;
	LmAggDesc ad;
	LmOp *source;
	LmOp *calc;
	char *stream_name;
	Oid save_uid;
	int save_sec;
	int i;

	v->cxt = cxt;
	v->id = cat->id;
	v->result_relid = cat->result_relid;
	v->stream_relid = cat->stream_relid;
	v->owner = cat->owner;
	v->kind = cat->kind;
	v->emit = cat->emit;
	v->emit_every_us = cat->emit == LM_EMIT_EVERY ? Max(cat->emit_every_us, 1) : 0;
	/* the first period starts when the view loads */
	v->next_every = lm_clock_now_us() + v->emit_every_us;
	v->emit_close = cat->emit == LM_EMIT_ON_WINDOW_CLOSE || cat->emit == LM_EMIT_FINAL;
	/* a size 0.1.0 accepted and wrapped: the worker reads it as NULL (0) */
	if (v->kind == LM_VIEW_WINDOW && cat->window_us <= 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("window size of continuous view \"%s\" is out of range",
							   get_rel_name(v->result_relid)),
						errhint("Drop and re-create the view with a smaller TUMBLE size.")));
	v->timezone = pstrdup(cat->timezone);
	v->datestyle = pstrdup(cat->datestyle);
	v->intervalstyle = pstrdup(cat->intervalstyle);
	g = v->graph = lm_graph_create(cxt);
	g->window_us = cat->window_us;
	g->window = cat->window;
	if (cat->window.kind != LM_WINDOW_NONE && !lm_plan_window_ok(&cat->window))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("window of continuous view \"%s\" is out of range",
							   get_rel_name(v->result_relid)),
						errhint("Drop and re-create the view.")));
	g->wm = &lm_plan_no_wm;

	GetUserIdAndSecContext(&save_uid, &save_sec);
	SetUserIdAndSecContext(v->owner, save_sec | SECURITY_RESTRICTED_OPERATION);

	q = lm_querydef_analyze(cat->query, cat->window_us > 0);
	v->query = q;
	lm_view_check_rights(v, v->owner);

	rel = table_open(v->stream_relid, AccessShareLock);
	desc = CreateTupleDescCopy(RelationGetDescr(rel));
	stream_name = pstrdup(RelationGetRelationName(rel));
	table_close(rel, AccessShareLock);

	memset(&ctx, 0, sizeof(ctx));
	ctx.g = g;
	ctx.windowed = g->window_us > 0;
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
	lm_compile_collect_aggs(q->havingQual, &ctx);
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
	g->param_ws = list_length(ctx.aggs) + list_length(ctx.keys);
	g->param_we = g->param_ws + 1;
	g->params = palloc0(sizeof(ParamExecData) * (g->param_we + 1));
	g->econtext->ecxt_param_exec_vals = g->params;

	/* WHERE */
	quals = make_ands_implicit((Expr *) lm_compile_mutator(q->jointree->quals, &ctx));
	if (quals != NIL)
		qual = ExecPrepareQual(quals, g->estate);

	/*
	 * The select list.  Its types are the query's own, which the compiled
	 * expressions produce; the result table must still have a column of each
	 * name with exactly that type (the sink checks, here and again before
	 * every write, since the table can change under a running view).
	 */
	memset(&sd, 0, sizeof(sd));
	memset(&ad, 0, sizeof(ad));
	lm_plan_outputs(q, &sd, cat, cxt);
	if (v->kind == LM_VIEW_STATELESS)
	{
		TupleDesc outdesc;

		projstates = lm_plan_select_list(q, &ctx, &outdesc);
		calc = lm_calc_create(g, desc, qual, outdesc->natts, projstates, ctx.windowed);
	}
	else
	{
		proj = lm_plan_aggregate(v, q, &ctx, eqops, &ad);
		projstates = palloc(sizeof(ExprState *) * Max(list_length(proj), 1));
		i = 0;
		foreach (lc, proj)
			projstates[i++] = ExecPrepareExpr((Expr *) lfirst(lc), g->estate);
		calc = lm_calc_create(g, desc, qual, list_length(proj), projstates, ctx.windowed);
		v->agg = lm_agg_create(g, &ad);
	}

	/* the Source deforms the columns up to the last one any expression reads */
	source = lm_source_create(g, desc, g->window_us > 0 ? cat->ts_attnum : 0, ctx.maxatt,
							  stream_name, g->window_us > 0 && OidIsValid(cat->late_relid));
	lm_graph_add(g, source);
	/* sessions are assigned (and merged) by the Aggregate, per key */
	if (g->window_us > 0 && g->window.kind != LM_WINDOW_SESSION)
		lm_graph_add(g, lm_window_create(g, &g->window, source->out.natts));
	lm_graph_add(g, calc);
	if (v->agg)
		lm_graph_add(g, v->agg);

	sd.view_id = v->id;
	sd.result_relid = v->result_relid;
	sd.upsert = v->kind != LM_VIEW_STATELESS && !v->emit_close && v->emit != LM_EMIT_CHANGES;
	if (v->emit == LM_EMIT_CHANGES)
	{
		/* the changelog's weight: one more output, filled by the sink */
		int n = sd.nout + 1;

		sd.changes = true;
		sd.outtypes = repalloc(sd.outtypes, sizeof(Oid) * n);
		sd.outtypmods = repalloc(sd.outtypmods, sizeof(int32) * n);
		sd.outlen = repalloc(sd.outlen, sizeof(int16) * n);
		sd.outbyval = repalloc(sd.outbyval, sizeof(bool) * n);
		sd.outalign = repalloc(sd.outalign, sizeof(char) * n);
		sd.outarraytypes = repalloc(sd.outarraytypes, sizeof(Oid) * n);
		sd.outnames = repalloc(sd.outnames, sizeof(char *) * n);
		sd.outfuncs = repalloc(sd.outfuncs, sizeof(FmgrInfo) * n);
		lm_plan_output_col(&sd, INT2OID, -1, "_weight", cxt);
	}
	sd.global = sd.upsert && sd.nkeycols == 0;
	sd.windowed = sd.upsert && g->window_us > 0;
	/* a session's key may have a row from before a merge: no blind inserts */
	sd.fresh = cat->fresh && g->window.kind != LM_WINDOW_SESSION;
	v->sink = lm_sink_create(g, &sd);
	lm_graph_add(g, v->sink);

	/* LATE DATA TO: the Source's late events, through an append Sink */
	if (g->window_us > 0 && OidIsValid(cat->late_relid))
	{
		LmSinkDesc ld;

		if (pg_class_aclcheck(cat->late_relid, v->owner, ACL_INSERT) != ACLCHECK_OK)
			ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
							errmsg("permission denied for late-data table %s",
								   get_rel_name(cat->late_relid)),
							errhint("The view's owner needs INSERT on the table it names in LATE "
									"DATA TO.")));
		memset(&ld, 0, sizeof(ld));
		lm_plan_late_outputs(desc, &ld, cxt);
		ld.view_id = v->id;
		ld.result_relid = cat->late_relid;
		ld.fresh = false;
		v->late_sink = lm_sink_create(g, &ld);
		lm_graph_add_detached(g, v->late_sink);
		lm_op_set_side(source, v->late_sink, source->out.natts + 1);
	}

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
	if (v->sink)
		lm_sink_forget_plan(v->sink);
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
	if (v->graph)
	{
		lm_graph_unpublish(v->graph);
		lm_graph_end(v->graph);
	}
	MemoryContextDelete(v->cxt);
}
