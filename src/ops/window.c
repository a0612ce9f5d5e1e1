/*-------------------------------------------------------------------------
 *
 * window.c
 *	  The WindowAssign operator: gives each change the window(s) it belongs
 *	  to, and says which windows a watermark closes for good.
 *
 * TUMBLE(size) assigns the one window [start, start + size) holding the
 * event time, aligned like date_bin(size, ts, '1970-01-01'), with
 * overflow-checked arithmetic; an event whose window would fall outside
 * the timestamp range (where date_bin(...) + size raises "timestamp out of
 * range") is dropped and counted with the NULL-time events.  Windows lie on
 * a grid, so the horizon (the start of the window holding the watermark)
 * is on it too, and an event belongs to a closed window exactly when its
 * time is below the horizon.
 *
 * It runs before Calc: the view's WHERE, group keys and aggregate
 * arguments may read window_start and window_end, as they read the output
 * of a window table function.  It holds no state.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/int.h"
#include "datatype/timestamp.h"
#include "utils/memutils.h"

#include "ops/ops.h"

/* microseconds from the PostgreSQL epoch (2000-01-01) back to 1970-01-01 */
#define LM_UNIX_EPOCH_US INT64CONST(-946684800000000)

typedef struct LmWindowOp
{
	LmOp op;
	int64 size; /* TUMBLE size, microseconds */
} LmWindowOp;

/*
 * lm_window_bounds computes the TUMBLE window [start, end) holding ts;
 * returns false when ts is not finite or the window falls outside the
 * range of timestamps.
 */
bool
lm_window_bounds(int64 ts, int64 size, int64 *start, int64 *end)
{
	int64 r;
	int64 e;

	if (TIMESTAMP_NOT_FINITE(ts) || size <= 0)
		return false;
	/* r = (ts - epoch) mod size, floored; one division when ts - epoch fits */
	if (!pg_sub_s64_overflow(ts, LM_UNIX_EPOCH_US, &r))
		r %= size;
	else
	{
		/* times in the range's last ~30 years: combine the two remainders */
		r = ts % size;
		if (r < 0)
			r += size;
		e = LM_UNIX_EPOCH_US % size;
		if (e < 0)
			e += size;
		r -= e;
	}
	if (r < 0)
		r += size;
	if (pg_sub_s64_overflow(ts, r, start) || pg_add_s64_overflow(*start, size, end))
		return false;
	return IS_VALID_TIMESTAMP(*start) && IS_VALID_TIMESTAMP(*end);
}

/*
 * lm_window_horizon returns the start of the window holding wm: every
 * window ending at or before it is closed once wm has been delivered.
 * LM_NO_TIME without a watermark and where it lies outside the range of
 * timestamps.
 */
int64
lm_window_horizon(int64 size, int64 wm)
{
	int64 start;
	int64 end;

	if (wm == LM_NO_TIME || !lm_window_bounds(wm, size, &start, &end))
		return LM_NO_TIME;
	return start;
}

/*
 * lm_window_push assigns each change its window.
 */
static void
lm_window_push(LmOp *op, int port, LmBatch *in)
{
	LmWindowOp *w = (LmWindowOp *) op;
	LmBatch *out = &op->out;

	while (in->pos < in->n)
	{
		int i = in->pos;
		int64 ws;
		int64 we;

		if (out->n == out->cap)
			lm_op_forward(op);
		op->rows_in++;
		in->pos++;
		if (!lm_window_bounds(in->ts[i], w->size, &ws, &we))
		{
			op->graph->pend_null++;
			continue;
		}
		lm_batch_copy_row(out, out->n, in, i);
		out->ts[out->n] = in->ts[i];
		out->weight[out->n] = in->weight[i];
		out->wstart[out->n] = ws;
		out->wend[out->n] = we;
		out->n++;
	}
}

/*
 * lm_window_explain describes the window.
 */
static void
lm_window_explain(LmOp *op, StringInfo line)
{
	static const struct
	{
		int64 us;
		const char *unit;
	} units[] = {{USECS_PER_DAY, "d"}, {USECS_PER_HOUR, "h"}, {USECS_PER_MINUTE, "min"},
				 {USECS_PER_SEC, "s"}, {1000, "ms"},		  {1, "us"}};
	int64 size = ((LmWindowOp *) op)->size;
	int u = 0;

	while (size % units[u].us != 0)
		u++;
	appendStringInfo(line, "WindowAssign TUMBLE %lld %s", (long long) (size / units[u].us),
					 units[u].unit);
}

static const LmOpMethods lm_window_methods = {
	.name = "WindowAssign",
	.push = lm_window_push,
	.explain = lm_window_explain,
};

/*
 * lm_window_create makes the TUMBLE window assignment of size microseconds,
 * for stream rows of natts columns.
 */
LmOp *
lm_window_create(LmGraph *g, int64 size, int natts)
{
	LmWindowOp *w = MemoryContextAllocZero(g->cxt, sizeof(LmWindowOp));

	lm_op_init(&w->op, g, LM_OP_WINDOW, &lm_window_methods, natts);
	w->size = size;
	return &w->op;
}
