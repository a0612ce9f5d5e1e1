/*-------------------------------------------------------------------------
 *
 * source.c
 *	  The Source operator: turns a view's committed stream events into a
 *	  batch of changes.
 *
 * Per event it deforms the event's columns that the view reads into its
 * output batch, once, through one slot (by-reference values point into
 * the event, which stays in the worker's staging buffer while the batch
 * runs) and, for a view with event time, reads the time column: a NULL or
 * infinite time is dropped and counted (null_time_events), and an event
 * behind the stream's watermark or the view's horizon (a window closed,
 * maybe before a restart) is dropped and counted as late.  Every change it
 * emits has weight +1: streams only insert.  With LATE DATA TO, a late
 * event goes to the side output instead, with every stream column and the
 * watermark it was judged against, for the late-data table's Sink.
 *
 * It holds no state; its input and output are batches of LM_BATCH_SIZE.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/memutils.h"

#include "ops/ops.h"

typedef struct LmSourceOp
{
	LmOp op;
	AttrNumber ts_attnum; /* the stream's event time, 0 if the view needs none */
	int natts;			  /* columns deformed: the last one the view reads */
	TupleTableSlot *slot; /* deforms one event at a time, into the batch */
	Datum *slot_values;	  /* its own arrays, put back after each batch */
	bool *slot_isnull;
	char *stream_name;
} LmSourceOp;

/*
 * lm_source_late appends the event deformed into row j of out (every
 * stream column) to the side output, with the watermark it was late for.
 */
static void
lm_source_late(LmSourceOp *s, LmBatch *out, int j)
{
	LmBatch *late = &s->op.side_out;
	int r = late->n;
	int64 wm = *s->op.graph->wm;

	for (int c = 0; c < s->natts; c++)
	{
		LM_BATCH_VAL(late, c, r) = LM_BATCH_VAL(out, c, j);
		LM_BATCH_NULL(late, c, r) = LM_BATCH_NULL(out, c, j);
	}
	LM_BATCH_VAL(late, s->natts, r) = Int64GetDatum(wm);
	LM_BATCH_NULL(late, s->natts, r) = wm == LM_NO_TIME;
	late->ts[r] = out->ts[j];
	late->wstart[r] = late->wend[r] = 0;
	late->weight[r] = 1;
	late->n++;
}

/*
 * lm_source_push admits the events of in that are on time.
 */
static void
lm_source_push(LmOp *op, int port, LmBatch *in)
{
	LmSourceOp *s = (LmSourceOp *) op;
	LmGraph *g = op->graph;
	LmBatch *out = &op->out;
	TupleTableSlot *slot = s->slot;
	int natts = s->natts;

	while (in->pos < in->n)
	{
		int i = in->pos;
		int j;
		int64 ts = LM_NO_TIME;

		if (out->n == out->cap)
			lm_op_forward(op);
		if (op->side >= 0 && op->side_out.n == op->side_out.cap)
			lm_op_forward_side(op);
		j = out->n;

		/* deform straight into the batch: the slot's arrays are the row's */
		slot->tts_values = &LM_BATCH_VAL(out, 0, j);
		slot->tts_isnull = &LM_BATCH_NULL(out, 0, j);
		ExecStoreMinimalTuple(in->tuples[i], slot, false);
		slot_getsomeattrs(slot, natts);
		op->rows_in++;
		in->pos++;
		if (s->ts_attnum > 0)
		{
			if (slot->tts_isnull[s->ts_attnum - 1] ||
				TIMESTAMP_NOT_FINITE(DatumGetInt64(slot->tts_values[s->ts_attnum - 1])))
			{
				g->pend_null++;
				continue;
			}
			ts = DatumGetInt64(slot->tts_values[s->ts_attnum - 1]);
			/*
			 * behind the watermark less the allowed lateness, or before the
			 * horizon: its window was closed, maybe before a restart
			 */
			if ((*g->wm != LM_NO_TIME && ts < lm_graph_free_wm(g, *g->wm)) || ts < g->horizon)
			{
				g->pend_late++;
				if (op->side >= 0)
					lm_source_late(s, out, j);
				continue;
			}
		}
		out->ts[j] = ts;
		out->weight[j] = 1;
		out->n++;
	}
	slot->tts_values = s->slot_values;
	slot->tts_isnull = s->slot_isnull;
	ExecClearTuple(slot);
}

/*
 * lm_source_explain describes the Source.
 */
static void
lm_source_explain(LmOp *op, StringInfo line)
{
	LmSourceOp *s = (LmSourceOp *) op;

	appendStringInfo(line, "Source on %s", s->stream_name);
	if (s->ts_attnum > 0)
		appendStringInfoString(line, " (event time, lateness)");
}

static const LmOpMethods lm_source_methods = {
	.name = "Source",
	.push = lm_source_push,
	.explain = lm_source_explain,
};

/*
 * lm_source_create makes the Source of a view reading a stream of row
 * type desc, whose event time is attribute ts_attnum (0: not needed), and
 * of which the view reads no attribute beyond natts; keep_late: every
 * attribute, for the late-data side output (lm_op_set_side with natts + 1
 * columns, the last the watermark).
 */
LmOp *
lm_source_create(LmGraph *g, TupleDesc desc, AttrNumber ts_attnum, int natts,
				 const char *stream_name, bool keep_late)
{
	LmSourceOp *s = MemoryContextAllocZero(g->cxt, sizeof(LmSourceOp));
	MemoryContext old;

	natts = Max(Min(natts, desc->natts), ts_attnum);
	if (keep_late)
		natts = desc->natts; /* a late event is kept whole (lm_source_late) */
	lm_op_init(&s->op, g, LM_OP_SOURCE, &lm_source_methods, Max(natts, 1));
	s->ts_attnum = ts_attnum;
	s->natts = natts;
	s->stream_name = MemoryContextStrdup(s->op.cxt, stream_name);
	old = MemoryContextSwitchTo(s->op.cxt);
	s->slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	s->slot_values = s->slot->tts_values;
	s->slot_isnull = s->slot->tts_isnull;
	MemoryContextSwitchTo(old);
	return &s->op;
}
