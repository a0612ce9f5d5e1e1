/*-------------------------------------------------------------------------
 *
 * aggfn.c
 *	  The fixed per-aggregate data of the Aggregate operator: transition,
 *	  final, serial, deserial and combine functions, looked up once, as
 *	  nodeAgg's ExecInitAgg does; and how a transition state is saved.
 *
 * A state is saved as its value when its type is a real type, through the
 * aggregate's serial function when it is of type internal, and not at all
 * when an internal state has no serial function (array_agg, string_agg,
 * json[b]_agg, range_agg, the ordered-set aggregates, and some
 * user-defined ones): such an aggregate retains the input it has seen
 * (LmAggSpec.retain), and a restore replays it through the transition
 * function.  The combine function is looked up for merging states (session
 * windows, later); nothing calls it yet.
 *
 * Aggregates that cannot run one event at a time -- DISTINCT or ORDER BY
 * inside, ordered-set and hypothetical aggregates, whose transition
 * functions need the executor's Agg node (AggGetAggref) -- only retain
 * their input; at each emit lm_aggfn_rebuild has PostgreSQL's own executor
 * compute them over that input (one prepared SPI statement per aggregate,
 * SELECT agg(...) FROM unnest(one array per argument)).  An aggregate
 * outside pg_catalog is finalized on a copy of its state: its declared
 * aggfinalmodify cannot be trusted (tdigest's final function compacts a
 * state it declares read-only), and a view finalizes again and again.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "parser/parse_agg.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_operator.h"
#include "executor/spi.h"
#include "nodes/nodeFuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/ruleutils.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "ops/ops.h"

/*
 * lm_aggfn_collate appends the COLLATE clause an argument column needs to
 * carry expr's collation (none when it is its type's default).
 */
static void
lm_aggfn_collate(StringInfo sql, Node *expr)
{
	Oid coll = exprCollation(expr);

	if (OidIsValid(coll) && coll != get_typcollation(exprType(expr)))
		appendStringInfo(sql, " COLLATE %s", generate_collation_name(coll));
}

/*
 * lm_aggfn_sort_item appends one ORDER BY item of an aggregate rebuilt over
 * unnest: the argument column that sort clause sgc sorts by, with its
 * operator and NULLS order spelled out.
 */
static void
lm_aggfn_sort_item(StringInfo sql, Aggref *aggref, SortGroupClause *sgc)
{
	int i = 0;
	ListCell *lc;
	HeapTuple optup;
	Form_pg_operator op;
	TargetEntry *te = NULL;

	foreach (lc, aggref->args)
	{
		i++;
		te = lfirst_node(TargetEntry, lc);
		if (te->ressortgroupref == sgc->tleSortGroupRef)
			break;
	}
	optup = SearchSysCache1(OPEROID, ObjectIdGetDatum(sgc->sortop));
	if (!HeapTupleIsValid(optup))
		elog(ERROR, "cache lookup failed for operator %u", sgc->sortop);
	op = (Form_pg_operator) GETSTRUCT(optup);
	appendStringInfo(sql, "u.a%d", i);
	lm_aggfn_collate(sql, (Node *) te->expr);
	appendStringInfo(sql, " USING OPERATOR(%s.%s) NULLS %s",
					 quote_identifier(get_namespace_name(op->oprnamespace)), NameStr(op->oprname),
					 sgc->nulls_first ? "FIRST" : "LAST");
	ReleaseSysCache(optup);
}

/*
 * lm_aggfn_sort_list appends an aggregate's ORDER BY items, comma-separated.
 */
static void
lm_aggfn_sort_list(StringInfo sql, Aggref *aggref)
{
	ListCell *lc;

	foreach (lc, aggref->aggorder)
	{
		if (lc != list_head(aggref->aggorder))
			appendStringInfoString(sql, ", ");
		lm_aggfn_sort_item(sql, aggref, lfirst_node(SortGroupClause, lc));
	}
}

/*
 * lm_aggfn_rebuild_init writes the statement that computes aggregate
 * aggref over its retained input: SELECT f([DISTINCT] u.a1, ... [ORDER BY
 * ...]) or f(direct args) WITHIN GROUP (ORDER BY ...), FROM ROWS FROM
 * (pg_catalog.unnest($1::t1[]), ...) AS u(a1, ...).  Every name is
 * schema-qualified; FILTER is left out (the Calc applied it before the input
 * was retained).  Direct arguments are constants (checked at CREATE).
 */
static void
lm_aggfn_rebuild_init(LmAggSpec *a, Aggref *aggref)
{
	StringInfoData sql;
	ListCell *lc;
	int i = 0;
	bool first = true;

	a->retain = true;
	a->argtypes = palloc(sizeof(Oid) * Max(a->nargs, 1));
	a->argarraytypes = palloc(sizeof(Oid) * Max(a->nargs, 1));
	a->argalign = palloc(sizeof(char) * Max(a->nargs, 1));
	initStringInfo(&sql);
	appendStringInfo(
		&sql, "SELECT %s(",
		quote_qualified_identifier(get_namespace_name(get_func_namespace(aggref->aggfnoid)),
								   get_func_name(aggref->aggfnoid)));
	if (aggref->aggkind != AGGKIND_NORMAL)
	{
		foreach (lc, aggref->aggdirectargs)
		{
			appendStringInfo(&sql, "%s%s", first ? "" : ", ",
							 deparse_expression((Node *) lfirst(lc), NIL, false, false));
			first = false;
		}
		appendStringInfoString(&sql, ") WITHIN GROUP (ORDER BY ");
		lm_aggfn_sort_list(&sql, aggref);
	}
	else
	{
		if (aggref->aggdistinct != NIL)
			appendStringInfoString(&sql, "DISTINCT ");
		foreach (lc, aggref->args)
		{
			TargetEntry *te = lfirst_node(TargetEntry, lc);

			i++;
			if (te->resjunk)
				continue;
			appendStringInfo(
				&sql, "%s%su.a%d", first ? "" : ", ",
				aggref->aggvariadic && lnext(aggref->args, lc) == NULL ? "VARIADIC " : "", i);
			lm_aggfn_collate(&sql, (Node *) te->expr);
			first = false;
		}
		if (aggref->aggorder != NIL)
		{
			appendStringInfoString(&sql, " ORDER BY ");
			lm_aggfn_sort_list(&sql, aggref);
		}
	}
	/* ROWS FROM: the multi-argument unnest form exists only unqualified */
	appendStringInfoString(&sql, ") FROM ROWS FROM (");
	i = 0;
	foreach (lc, aggref->args)
	{
		Oid t = exprType((Node *) lfirst_node(TargetEntry, lc)->expr);

		a->argtypes[i] = t;
		get_typlenbyvalalign(t, &a->arglen[i], &a->argbyval[i], &a->argalign[i]);
		a->argarraytypes[i] = get_array_type(t);
		if (!OidIsValid(a->argarraytypes[i]))
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							errmsg("aggregate %s() over type %s is not supported in continuous "
								   "views",
								   get_func_name(aggref->aggfnoid), format_type_be(t)),
							errdetail("Its input is kept as an array, and the type has none.")));
		appendStringInfo(&sql, "%spg_catalog.unnest($%d::%s)", i ? ", " : "", i + 1,
						 format_type_be_qualified(a->argarraytypes[i]));
		i++;
	}
	appendStringInfoString(&sql, ") AS u(");
	for (int k = 0; k < a->nargs; k++)
		appendStringInfo(&sql, "%sa%d", k ? ", " : "", k + 1);
	appendStringInfoChar(&sql, ')');
	a->rebuildsql = sql.data;
}

/*
 * lm_aggfn_rebuild computes a rebuilt aggregate over the input it retained
 * (buf, len bytes: per event its nargs datums in the snapshot format), with
 * the statement of lm_aggfn_rebuild_init, through SPI (the caller is
 * connected: a view's step).  The result is copied into the current memory
 * context.
 */
Datum
lm_aggfn_rebuild(LmAggSpec *a, const char *buf, uint32 len, bool *isnull)
{
	MemoryContext cxt = CurrentMemoryContext;
	MemoryContext tmp = AllocSetContextCreate(cxt, "laminar rebuild", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(tmp);
	int n = 0;
	int cap = 64;
	Datum **vals = palloc(sizeof(Datum *) * Max(a->nargs, 1));
	bool **nulls = palloc(sizeof(bool *) * Max(a->nargs, 1));
	Datum *args = palloc(sizeof(Datum) * Max(a->nargs, 1));
	const char *p = buf;
	const char *end = buf + len;
	Datum result;
	int ret;

	for (int x = 0; x < a->nargs; x++)
	{
		vals[x] = palloc(sizeof(Datum) * cap);
		nulls[x] = palloc(sizeof(bool) * cap);
	}
	while (p < end)
	{
		if (n == cap)
		{
			cap *= 2;
			for (int x = 0; x < a->nargs; x++)
			{
				vals[x] = repalloc(vals[x], sizeof(Datum) * cap);
				nulls[x] = repalloc(nulls[x], sizeof(bool) * cap);
			}
		}
		for (int x = 0; x < a->nargs; x++)
			vals[x][n] = lm_snap_get_datum(&p, end, &nulls[x][n], a->argbyval[x], a->arglen[x]);
		n++;
	}
	for (int x = 0; x < a->nargs; x++)
	{
		int dims[1] = {n};
		int lbs[1] = {1};

		args[x] =
			PointerGetDatum(construct_md_array(vals[x], nulls[x], 1, dims, lbs, a->argtypes[x],
											   a->arglen[x], a->argbyval[x], a->argalign[x]));
	}
	if (a->rebuildplan == NULL)
	{
		SPIPlanPtr plan = SPI_prepare(a->rebuildsql, a->nargs, a->argarraytypes);

		if (plan == NULL)
			elog(ERROR, "laminar: could not prepare \"%s\": %s", a->rebuildsql,
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		a->rebuildplan = plan;
	}
	ret = SPI_execute_plan((SPIPlanPtr) a->rebuildplan, args, NULL, false, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "laminar: computing aggregate %s() failed: %s", a->name,
			 SPI_result_code_string(ret));
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, isnull);
	MemoryContextSwitchTo(cxt);
	if (!*isnull)
		result = datumCopy(result, a->resbyval, a->reslen);
	SPI_freetuptable(SPI_tuptable);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	return result;
}

/*
 * lm_aggfn_init sets up one aggregate: transition type, initial value,
 * support functions and their call frames (fake_agg is the AggState the
 * functions see as their context).  Its argument expressions are the
 * planner's business.
 */
void
lm_aggfn_init(LmAggSpec *a, Aggref *aggref, Node *fake_agg, MemoryContext cxt)
{
	HeapTuple tup;
	Form_pg_aggregate form;
	Oid inputTypes[FUNC_MAX_ARGS];
	int numArguments;
	Oid transfn_oid, finalfn_oid;
	Expr *transfnexpr, *finalfnexpr;
	Datum textInitVal;
	MemoryContext old = MemoryContextSwitchTo(cxt);

	tup = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(aggref->aggfnoid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for aggregate %u", aggref->aggfnoid);
	form = (Form_pg_aggregate) GETSTRUCT(tup);

	a->aggfnoid = aggref->aggfnoid;
	a->name = get_func_name(aggref->aggfnoid);
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
	a->serialfn_oid = form->aggserialfn;
	a->deserialfn_oid = form->aggdeserialfn;
	a->combinefn_oid = form->aggcombinefn;

	build_aggregate_transfn_expr(inputTypes, numArguments, 0, aggref->aggvariadic, a->transtype,
								 aggref->inputcollid, transfn_oid, InvalidOid, &transfnexpr, NULL);
	fmgr_info_cxt(transfn_oid, &a->transfn, cxt);
	fmgr_info_set_expr((Node *) transfnexpr, &a->transfn);
	if (a->hasfinal)
	{
		a->finalstrict = func_strict(finalfn_oid);
		build_aggregate_finalfn_expr(inputTypes, 1 + a->nfinalextra, a->transtype, aggref->aggtype,
									 aggref->inputcollid, finalfn_oid, &finalfnexpr);
		fmgr_info_cxt(finalfn_oid, &a->finalfn, cxt);
		fmgr_info_set_expr((Node *) finalfnexpr, &a->finalfn);
		a->finalcall = palloc0(SizeForFunctionCallInfo(1 + a->nfinalextra));
		InitFunctionCallInfoData(*a->finalcall, &a->finalfn, 1 + a->nfinalextra, a->collation,
								 fake_agg, NULL);
	}

	/* merging states (session windows) */
	if (OidIsValid(a->combinefn_oid))
	{
		fmgr_info_cxt(a->combinefn_oid, &a->combinefn, cxt);
		a->combinecall = palloc0(SizeForFunctionCallInfo(2));
		InitFunctionCallInfoData(*a->combinecall, &a->combinefn, 2, a->collation, fake_agg, NULL);
	}

	/* saving the state: its own type, or serialfn/deserialfn, or its input */
	if (a->transtype == INTERNALOID)
	{
		if (OidIsValid(a->serialfn_oid) && OidIsValid(a->deserialfn_oid))
		{
			fmgr_info_cxt(a->serialfn_oid, &a->serialfn, cxt);
			fmgr_info_cxt(a->deserialfn_oid, &a->deserialfn, cxt);
			a->serialcall = palloc0(SizeForFunctionCallInfo(1));
			InitFunctionCallInfoData(*a->serialcall, &a->serialfn, 1, InvalidOid, fake_agg, NULL);
			a->deserialcall = palloc0(SizeForFunctionCallInfo(2));
			InitFunctionCallInfoData(*a->deserialcall, &a->deserialfn, 2, InvalidOid, fake_agg,
									 NULL);
		}
		else
			a->retain = true;
	}

	textInitVal = SysCacheGetAttr(AGGFNOID, tup, Anum_pg_aggregate_agginitval, &a->initnull);
	if (!a->initnull)
	{
		char *s = TextDatumGetCString(textInitVal);

		Oid typinput;
		Oid typioparam;

		getTypeInputInfo(a->transtype, &typinput, &typioparam);
		a->initval = OidInputFunctionCall(typinput, s, typioparam, -1);
	}
	ReleaseSysCache(tup);

	a->nargs = list_length(aggref->args);
	a->restype = aggref->aggtype;
	get_typlenbyval(a->restype, &a->reslen, &a->resbyval);
	a->rebuild =
		aggref->aggdistinct != NIL || aggref->aggorder != NIL || aggref->aggkind != AGGKIND_NORMAL;
	a->finalcopy = !a->rebuild && a->hasfinal &&
				   (get_func_namespace(aggref->aggfnoid) != PG_CATALOG_NAMESPACE ||
					form->aggfinalmodify != AGGMODIFY_READ_ONLY);
	if (a->transstrict && a->initnull && a->nargs == 0 && !a->rebuild)
		elog(ERROR, "laminar: strict aggregate without arguments and initial value");
	a->arglen = palloc0(sizeof(int16) * Max(a->nargs, 1));
	a->argbyval = palloc0(sizeof(bool) * Max(a->nargs, 1));
	if (a->rebuild)
		lm_aggfn_rebuild_init(a, aggref);
	else
		for (int i = 0; i < a->nargs; i++)
		{
			get_typlenbyval(inputTypes[i], &a->arglen[i], &a->argbyval[i]);
		}
	a->transcall = palloc0(SizeForFunctionCallInfo(a->nargs + 1));
	InitFunctionCallInfoData(*a->transcall, &a->transfn, a->nargs + 1, a->collation, fake_agg,
							 NULL);
	if (a->rebuild)
		a->fast = LM_AGGFAST_NONE;
	else
		lm_aggfn_pick_fast(a, (AggState *) fake_agg);
	MemoryContextSwitchTo(old);
}

/*
 * lm_aggfn_int128_ok says whether int8_avg_accum's state is laid out as
 * LmInt128AggState says: it runs the function on two values (in a
 * throw-away context) and reads the state back.
 */
static bool
lm_aggfn_int128_ok(LmAggSpec *a, AggState *fake_agg)
{
#ifdef HAVE_INT128
	MemoryContext cxt;
	MemoryContext saved = fake_agg->curaggcontext->ecxt_per_tuple_memory;
	FunctionCallInfo fc = a->transcall;
	LmInt128AggState *st;
	Datum d;
	bool ok;

	if (a->nargs != 1)
		return false;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "laminar int8 state check",
								ALLOCSET_SMALL_SIZES);
	fake_agg->curaggcontext->ecxt_per_tuple_memory = cxt;
	fc->args[0].value = (Datum) 0;
	fc->args[0].isnull = true;
	fc->args[1].value = Int64GetDatum(-5);
	fc->args[1].isnull = false;
	fc->isnull = false;
	d = FunctionCallInvoke(fc);
	ok = !fc->isnull;
	if (ok)
	{
		fc->args[0].value = d;
		fc->args[0].isnull = false;
		fc->args[1].value = Int64GetDatum(PG_INT64_MAX);
		d = FunctionCallInvoke(fc);
		st = (LmInt128AggState *) DatumGetPointer(d);
		ok = !fc->isnull && st != NULL && !st->calcSumX2 && st->N == 2 &&
			 st->sumX == (int128) PG_INT64_MAX - 5 && st->sumX2 == 0;
	}
	fake_agg->curaggcontext->ecxt_per_tuple_memory = saved;
	MemoryContextDelete(cxt);
	return ok;
#else
	return false;
#endif
}

/*
 * lm_aggfn_pick_fast chooses the specialised transition of an aggregate,
 * if it has one: its transition function is one of PostgreSQL's own whose
 * arithmetic ops/agg.c repeats inline (the same comparisons, the same
 * float8_pl and float8_gt/lt of utils/float.h, float8_accum's Youngs-Cramer
 * update, int4_sum's int8 addition, int4_avg_accum's count and sum,
 * int8_avg_accum's int128 count and sum), on the same state.  numeric
 * aggregates keep their functions: their cost is numeric arithmetic itself,
 * which no inline copy could make cheaper and still be provably identical.
 * Anything else keeps calling the function.
 */
void
lm_aggfn_pick_fast(LmAggSpec *a, AggState *fake_agg)
{
	a->fast = LM_AGGFAST_NONE;
	switch (a->transfn.fn_oid)
	{
		case F_INT2_SUM:
		case F_INT4_SUM:
			/* not strict: a NULL state takes the first input */
			if (a->transbyval && a->translen == 8)
				a->fast = LM_AGGFAST_SUM_INT;
			return;
		case F_INT8_AVG_ACCUM:
			/* not strict: the function makes the state on its first call */
			if (lm_aggfn_int128_ok(a, fake_agg))
				a->fast = LM_AGGFAST_INT8_ACCUM;
			return;
		default:
			break;
	}
	if (!a->transstrict)
		return;
	/* its state is a float8[3] it updates in place, as the function does */
	if (a->transfn.fn_oid == F_FLOAT8_ACCUM)
	{
		a->fast = LM_AGGFAST_FLOAT8_ACCUM;
		return;
	}
	/* an int8[2] {count, sum}, likewise */
	if (a->transfn.fn_oid == F_INT2_AVG_ACCUM || a->transfn.fn_oid == F_INT4_AVG_ACCUM)
	{
		a->fast = LM_AGGFAST_AVG_INT;
		return;
	}
	if (!a->transbyval)
		return;
	switch (a->transfn.fn_oid)
	{
		case F_INT8INC:
		case F_INT8INC_ANY:
			a->fast = LM_AGGFAST_COUNT;
			break;
		case F_FLOAT8PL:
			a->fast = LM_AGGFAST_SUM_FLOAT8;
			break;
		case F_INT2LARGER:
		case F_INT4LARGER:
		case F_INT8LARGER:
		case F_DATE_LARGER:
		case F_TIMESTAMP_LARGER:
		case F_TIMESTAMPTZ_LARGER:
			a->fast = LM_AGGFAST_MAX_INT;
			break;
		case F_INT2SMALLER:
		case F_INT4SMALLER:
		case F_INT8SMALLER:
		case F_DATE_SMALLER:
		case F_TIMESTAMP_SMALLER:
		case F_TIMESTAMPTZ_SMALLER:
			a->fast = LM_AGGFAST_MIN_INT;
			break;
		case F_FLOAT8LARGER:
			a->fast = LM_AGGFAST_MAX_FLOAT8;
			break;
		case F_FLOAT8SMALLER:
			a->fast = LM_AGGFAST_MIN_FLOAT8;
			break;
		default:
			break;
	}
}

/*
 * lm_aggfn_put_state appends a transition value to a snapshot: its datum,
 * or for an internal state the bytea its serial function makes (a retained
 * state appends nothing: its input is saved instead).
 */
void
lm_aggfn_put_state(LmAggSpec *a, StringInfo buf, Datum value, bool isnull, MemoryContext aggcxt,
				   AggState *fake_agg)
{
	if (a->retain)
		return;
	if (a->transtype != INTERNALOID || isnull)
	{
		lm_snap_put_datum(buf, value, isnull, a->transbyval, a->translen);
		return;
	}
	fake_agg->curaggcontext->ecxt_per_tuple_memory = aggcxt;
	a->serialcall->args[0].value = value;
	a->serialcall->args[0].isnull = false;
	a->serialcall->isnull = false;
	value = FunctionCallInvoke(a->serialcall);
	lm_snap_put_datum(buf, value, a->serialcall->isnull, false, -1);
}

/*
 * lm_aggfn_get_state reads a transition value written by
 * lm_aggfn_put_state, allocated in aggcxt (the group's window).
 */
Datum
lm_aggfn_get_state(LmAggSpec *a, const char **p, const char *end, bool *isnull,
				   MemoryContext aggcxt, AggState *fake_agg)
{
	MemoryContext old = MemoryContextSwitchTo(aggcxt);
	Datum d;

	if (a->transtype != INTERNALOID)
		d = lm_snap_get_datum(p, end, isnull, a->transbyval, a->translen);
	else
	{
		Datum bytes = lm_snap_get_datum(p, end, isnull, false, -1);

		d = bytes;
		if (!*isnull)
		{
			fake_agg->curaggcontext->ecxt_per_tuple_memory = aggcxt;
			a->deserialcall->args[0].value = bytes;
			a->deserialcall->args[0].isnull = false;
			a->deserialcall->args[1].value = (Datum) 0;
			a->deserialcall->args[1].isnull = true;
			a->deserialcall->isnull = false;
			d = FunctionCallInvoke(a->deserialcall);
			*isnull = a->deserialcall->isnull;
		}
	}
	MemoryContextSwitchTo(old);
	return d;
}
