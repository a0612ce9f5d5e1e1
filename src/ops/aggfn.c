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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "parser/parse_agg.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "ops/ops.h"

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
	if (a->transstrict && a->initnull && a->nargs == 0)
		elog(ERROR, "laminar: strict aggregate without arguments and initial value");
	a->arglen = palloc0(sizeof(int16) * Max(a->nargs, 1));
	a->argbyval = palloc0(sizeof(bool) * Max(a->nargs, 1));
	for (int i = 0; i < a->nargs; i++)
	{
		get_typlenbyval(inputTypes[i], &a->arglen[i], &a->argbyval[i]);
	}
	a->transcall = palloc0(SizeForFunctionCallInfo(a->nargs + 1));
	InitFunctionCallInfoData(*a->transcall, &a->transfn, a->nargs + 1, a->collation, fake_agg,
							 NULL);
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
