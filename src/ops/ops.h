/*-------------------------------------------------------------------------
 *
 * ops.h
 *	  The operators of a view's graph and how the planner (query/plan.c)
 *	  makes them.
 *
 *	  Source -> [WindowAssign] -> Calc -> [Aggregate] -> Sink
 *
 * See op.h for the interface they share and ops/README.md for each one's
 * invariant and its snapshot format.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LAMINAR_OPS_H
#define LAMINAR_OPS_H

#include "fmgr.h"
#include "nodes/execnodes.h"

#include "ops/op.h"

/*
 * One aggregate, set up like nodeAgg's per-transition data (fixed: looked
 * up once); the per-group values are LmAggVal.
 */
typedef struct LmAggSpec
{
	Oid aggfnoid;
	char *name;
	Oid transtype;
	bool transbyval;
	int16 translen;
	bool transstrict;
	bool hasfinal;
	bool finalstrict;
	int nfinalextra; /* extra NULL args of the final function */
	Datum initval;
	bool initnull;
	int nargs;
	int argcol;	   /* first argument column in the Calc's output */
	int filtercol; /* FILTER column, -1 if none */
	Oid collation;
	FmgrInfo transfn;
	FmgrInfo finalfn;
	FunctionCallInfo transcall;
	FunctionCallInfo finalcall;
	/* what saving and merging states needs (looked up once) */
	Oid serialfn_oid;
	Oid deserialfn_oid;
	Oid combinefn_oid;
	FmgrInfo serialfn;
	FmgrInfo deserialfn;
	FunctionCallInfo serialcall;
	FunctionCallInfo deserialcall;
	FmgrInfo combinefn; /* merging session windows (if combinefn_oid) */
	FunctionCallInfo combinecall;
	bool retain; /* an internal state with no serialfn: snapshot keeps its input */
	int16 *arglen;
	bool *argbyval;
	/*
	 * rebuild: DISTINCT or ORDER BY inside, ordered-set and hypothetical
	 * aggregates keep only their input (retain) and run no transition; at
	 * each emit PostgreSQL's executor computes them over that input
	 * (rebuildsql, over unnest of one array per argument: lm_aggfn_rebuild).
	 * finalcopy: an aggregate outside pg_catalog, or one whose final
	 * function may modify its state, is finalized on a copy of the state.
	 */
	bool rebuild;
	bool finalcopy;
	char *rebuildsql;
	Oid *argtypes;		/* each argument's type (rebuild) */
	Oid *argarraytypes; /* ... and its array type */
	char *argalign;
	void *rebuildplan; /* SPIPlanPtr, prepared at the first emit */
	Oid restype;	   /* the aggregate's result type */
	int16 reslen;
	bool resbyval;
	/* the fast transitions of ops/aggfn.c, LM_AGGFAST_NONE if none */
	int fast;
} LmAggSpec;

/*
 * A specialised transition (ops/agg.c, lm_agg_fast): the same arithmetic as
 * the transition function, inline, on the same state.
 */
typedef enum LmAggFast
{
	LM_AGGFAST_NONE,
	LM_AGGFAST_COUNT,		 /* int8inc, int8inc_any: count(*), count(x) */
	LM_AGGFAST_SUM_FLOAT8,	 /* float8pl: sum(float8) */
	LM_AGGFAST_MAX_INT,		 /* int2/int4/int8/date/timestamp[tz]larger */
	LM_AGGFAST_MIN_INT,		 /* ... smaller */
	LM_AGGFAST_MAX_FLOAT8,	 /* float8larger */
	LM_AGGFAST_MIN_FLOAT8,	 /* float8smaller */
	LM_AGGFAST_FLOAT8_ACCUM, /* float8_accum: avg, variance, stddev of float8 */
	LM_AGGFAST_SUM_INT,		 /* int2_sum, int4_sum: sum(int2), sum(int4) as int8 */
	LM_AGGFAST_AVG_INT,		 /* int2/int4_avg_accum: avg(int2), avg(int4), int8[2] */
	LM_AGGFAST_INT8_ACCUM	 /* int8_avg_accum: sum(int8), avg(int8), LmInt128AggState */
} LmAggFast;

#ifdef HAVE_INT128
/*
 * The state of int8_avg_accum (sum and avg of int8) where the platform has
 * int128: PostgreSQL 15's Int128AggState, which utils/adt/numeric.c keeps
 * to itself.  lm_aggfn_pick_fast checks the layout against the function
 * itself before the inline transition may use it.
 */
typedef struct LmInt128AggState
{
	bool calcSumX2; /* int8_avg_accum: false */
	int64 N;
	int128 sumX;
	int128 sumX2;
} LmInt128AggState;
#endif

/* int2/int4_avg_accum's state: an int8[2] array of these */
typedef struct LmInt8TransData
{
	int64 count;
	int64 sum;
} LmInt8TransData;

/* what the Aggregate needs to know of a view, filled by the planner */
typedef struct LmAggDesc
{
	int nkeys; /* group key columns: the Calc's first nkeys outputs */
	TupleDesc keydesc;
	Oid *eqops;
	int naggs;
	LmAggSpec *aggs;
	AggState *fake_agg; /* makes AggCheckCallContext() succeed */
	MemoryContext tmpcxt;
	int64 window_us;   /* 0: no window */
	bool emit_close;   /* ON WINDOW CLOSE, FINAL: emit each group once, when the
						* window is done (watermark >= end + lateness) */
	bool emit_fired;   /* AFTER WATERMARK: emit a window's changes only once
						* the watermark has reached its end */
	int64 lateness;	   /* ALLOW LATENESS: windows are kept that much longer */
	int64 every_us;	   /* EMIT EVERY's period (explain only: the worker times it) */
	bool session;	   /* SESSION windows: per key, merged by the Aggregate */
	int64 gap;		   /* ... their gap, microseconds */
	int64 max_session; /* ... their maximum length (0: none): a session
						* never spans two periods epoch + k * max_session */
	int nout;		   /* the view's output columns */
	ExprState **outexprs;
	ExprState *having; /* HAVING: a group has a row only while it holds */
	TupleDesc outdesc;
} LmAggDesc;

/* ops/source.c */
extern LmOp *lm_source_create(LmGraph *g, TupleDesc desc, AttrNumber ts_attnum, int natts,
							  const char *stream_name, bool keep_late);

/* ops/window.c */
extern LmOp *lm_window_create(LmGraph *g, const LmWindowSpec *spec, int natts);
extern int64 lm_window_unit(const LmWindowSpec *w);
extern int64 lm_window_floor(int64 ts, int64 unit);
extern int lm_window_assign(const LmWindowSpec *w, int64 ts, int64 *starts, int64 *ends, int max);
extern int64 lm_window_horizon(const LmWindowSpec *w, int64 wm);
extern void lm_window_interval_text(StringInfo line, int64 us);

/* ops/calc.c */
extern LmOp *lm_calc_create(LmGraph *g, TupleDesc desc, ExprState *qual, int nproj,
							ExprState **proj, bool windowed);

/* ops/agg.c */
extern LmOp *lm_agg_create(LmGraph *g, LmAggDesc *desc);
extern bool lm_agg_has_dirty(LmOp *op);
extern bool lm_agg_has_closable(LmOp *op, int64 wm);

/* ops/aggfn.c */
extern void lm_aggfn_init(LmAggSpec *a, Aggref *aggref, Node *fake_agg, MemoryContext cxt);
extern void lm_aggfn_pick_fast(LmAggSpec *a, AggState *fake_agg);
extern Datum lm_aggfn_rebuild(LmAggSpec *a, const char *buf, uint32 len, bool *isnull);
extern void lm_aggfn_put_state(LmAggSpec *a, StringInfo buf, Datum value, bool isnull,
							   MemoryContext aggcxt, AggState *fake_agg);
extern Datum lm_aggfn_get_state(LmAggSpec *a, const char **p, const char *end, bool *isnull,
								MemoryContext aggcxt, AggState *fake_agg);

#endif /* LAMINAR_OPS_H */
