/*-------------------------------------------------------------------------
 *
 * calc.c
 *	  The Calc operator: the view's WHERE and a projection, evaluated for a
 *	  batch of changes at a time.
 *
 * For a stateless view the projection is its select list, and Calc feeds
 * the sink.  For an aggregate view it is what the Aggregate consumes: the
 * group key values, then each aggregate's FILTER and arguments (see
 * LmCalcLayout).  All of a row's expressions are evaluated before the row
 * is emitted, so an error in any of them (a failing cast, a division by
 * zero) leaves every group untouched: the row is skipped whole.
 *
 * Expressions read the event's stream row (ecxt_scantuple) and, in
 * windowed views, window_start and window_end as the PARAM_EXEC parameters
 * the graph reserves for them.  Their per-row memory is the graph's
 * per-tuple memory, reset after each batch.  It holds no state.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "ops/ops.h"

typedef struct LmCalcOp
{
	LmOp op;
	TupleTableSlot *scan; /* a virtual slot over the row being evaluated */
	Datum *scan_values;	  /* its own arrays, put back after each batch */
	bool *scan_isnull;
	ExprState *qual; /* NULL: no WHERE */
	int nproj;
	ExprState **proj;
	bool windowed; /* set window_start / window_end per row */
} LmCalcOp;

/*
 * lm_calc_push filters and projects a batch.
 */
static void
lm_calc_push(LmOp *op, int port, LmBatch *in)
{
	LmCalcOp *c = (LmCalcOp *) op;
	LmGraph *g = op->graph;
	ExprContext *ec = g->econtext;
	LmBatch *out = &op->out;
	ParamExecData *pws = c->windowed ? &g->params[g->param_ws] : NULL;
	ParamExecData *pwe = c->windowed ? &g->params[g->param_we] : NULL;
	TupleTableSlot *scan = c->scan;

	/*
	 * The expressions read the stream row through a virtual slot whose
	 * arrays are pointed at each row of the batch in turn: the Source
	 * deformed the rows once, nothing is copied.
	 */
	scan->tts_nvalid = in->natts;
	scan->tts_flags &= ~TTS_FLAG_EMPTY;
	ec->ecxt_scantuple = scan;
	while (in->pos < in->n)
	{
		int i = in->pos;
		int j;

		if (out->n == out->cap)
			lm_op_forward(op);
		j = out->n;
		op->rows_in++;
		scan->tts_values = &LM_BATCH_VAL(in, 0, i);
		scan->tts_isnull = &LM_BATCH_NULL(in, 0, i);
		if (pws)
		{
			pws->value = Int64GetDatum(in->wstart[i]);
			pws->isnull = false;
			pwe->value = Int64GetDatum(in->wend[i]);
			pwe->isnull = false;
		}
		if (c->qual && !ExecQual(c->qual, ec))
		{
			in->pos++;
			continue;
		}
		for (int k = 0; k < c->nproj; k++)
			LM_BATCH_VAL(out, k, j) =
				ExecEvalExprSwitchContext(c->proj[k], ec, &LM_BATCH_NULL(out, k, j));
		lm_batch_copy_meta(out, j, in, i);
		out->n++;
		in->pos++;
	}
	scan->tts_values = c->scan_values;
	scan->tts_isnull = c->scan_isnull;
	scan->tts_flags |= TTS_FLAG_EMPTY;
	scan->tts_nvalid = 0;
}

/*
 * lm_calc_explain describes the Calc.
 */
static void
lm_calc_explain(LmOp *op, StringInfo line)
{
	LmCalcOp *c = (LmCalcOp *) op;

	appendStringInfo(line, "Calc%s, %d column%s out", c->qual ? " WHERE" : "", c->nproj,
					 c->nproj == 1 ? "" : "s");
}

static const LmOpMethods lm_calc_methods = {
	.name = "Calc",
	.push = lm_calc_push,
	.explain = lm_calc_explain,
};

/*
 * lm_calc_create makes a Calc over stream rows of type desc from a prepared
 * WHERE (or NULL) and nproj prepared projection expressions.
 */
LmOp *
lm_calc_create(LmGraph *g, TupleDesc desc, ExprState *qual, int nproj, ExprState **proj,
			   bool windowed)
{
	LmCalcOp *c = MemoryContextAllocZero(g->cxt, sizeof(LmCalcOp));
	MemoryContext old;

	lm_op_init(&c->op, g, LM_OP_CALC, &lm_calc_methods, Max(nproj, 1));
	c->qual = qual;
	c->nproj = nproj;
	c->proj = proj;
	c->windowed = windowed;
	old = MemoryContextSwitchTo(c->op.cxt);
	c->scan = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);
	c->scan_values = c->scan->tts_values;
	c->scan_isnull = c->scan->tts_isnull;
	MemoryContextSwitchTo(old);
	return &c->op;
}
