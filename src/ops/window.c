/*-------------------------------------------------------------------------
 *
 * window.c
 *	  The WindowAssign operator: gives each change the window(s) it belongs
 *	  to, and says which windows a watermark closes for good.
 *
 * Windows are aligned to the UTC epoch plus the view's offset:
 *
 *	- TUMBLE(size): the one window [start, start + size) holding the event
 *	  time, start = date_bin(size, ts, epoch + offset);
 *	- HOP(slide, size): every window [start, start + size) holding it whose
 *	  start is epoch + offset + k * slide: about size / slide of them (size
 *	  need not be a multiple of slide);
 *	- CUMULATE(step, size): windows [start, start + j * step), j = 1 ..
 *	  size / step, with start = date_bin(size, ts, epoch + offset): every
 *	  one of them that holds the event time.
 *
 * All arithmetic is overflow-checked; an event one of whose windows would
 * fall outside the timestamp range (where date_bin(...) + size raises
 * "timestamp out of range") is dropped and counted with the NULL-time
 * events, before any of its windows is emitted.
 *
 * Window ends lie on a grid (every slide, with the phase offset + size), so
 * the horizon, the largest window end at or before the watermark, is on it
 * too: an event belongs to a closed window exactly when its time is below
 * the horizon.
 *
 * It runs before Calc: the view's WHERE, group keys and aggregate
 * arguments may read window_start and window_end, as they read the output
 * of a window table function.  It holds no state, and each event's
 * windows go into one output batch (the cap on windows per event is at
 * most the batch size), so that an error downstream never splits an event.
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
	LmWindowSpec spec;
	int64 last_start;			 /* TUMBLE: the window of the previous event, which */
	int64 last_end;				 /* most events share (no division for them) */
	int64 starts[LM_BATCH_SIZE]; /* one event's windows */
	int64 ends[LM_BATCH_SIZE];
} LmWindowOp;

/*
 * lm_window_unit returns the grid window starts are aligned to: the size
 * for TUMBLE and CUMULATE, the slide for HOP.
 */
int64
lm_window_unit(const LmWindowSpec *w)
{
	return w->kind == LM_WINDOW_HOP ? w->slide : w->size;
}

/*
 * lm_window_align returns in *start the largest t <= ts with t = epoch +
 * phase + k * unit (0 <= phase < unit), like date_bin(unit, ts, epoch +
 * phase) but without forming ts - origin, which overflows for times in the
 * range's last ~30 years; false if that falls outside the int64 range.
 */
static bool
lm_window_align(int64 ts, int64 unit, int64 phase, int64 *start)
{
	int64 origin = LM_UNIX_EPOCH_US + phase;
	int64 r;
	int64 e;

	if (!pg_sub_s64_overflow(ts, origin, &r))
		r %= unit;
	else
	{
		/* combine the two remainders */
		r = ts % unit;
		if (r < 0)
			r += unit;
		e = origin % unit;
		if (e < 0)
			e += unit;
		r -= e;
	}
	if (r < 0)
		r += unit;
	return !pg_sub_s64_overflow(ts, r, start);
}

/*
 * lm_window_floor returns the largest epoch + k * unit at or before ts (a
 * session's period when sessions have a maximum length); ts itself where
 * that is out of range.
 */
int64
lm_window_floor(int64 ts, int64 unit)
{
	int64 start;

	return unit > 0 && lm_window_align(ts, unit, 0, &start) ? start : ts;
}

/*
 * lm_window_in_range says whether [start, end) has valid timestamps as
 * both bounds.
 */
static inline bool
lm_window_in_range(int64 start, int64 end)
{
	return IS_VALID_TIMESTAMP(start) && IS_VALID_TIMESTAMP(end);
}

/*
 * lm_window_assign computes the windows holding ts, oldest start first
 * (CUMULATE: smallest end first), into starts/ends (room for max); returns
 * how many, or -1 when ts is not finite or a window falls outside the range
 * of timestamps (or there would be more than max).
 */
int
lm_window_assign(const LmWindowSpec *w, int64 ts, int64 *starts, int64 *ends, int max)
{
	int64 s;
	int64 e;
	int n = 0;

	if (TIMESTAMP_NOT_FINITE(ts) || w->size <= 0 || w->slide <= 0)
		return -1;
	switch (w->kind)
	{
		case LM_WINDOW_TUMBLE:
			if (!lm_window_align(ts, w->size, w->offset, &s) ||
				pg_add_s64_overflow(s, w->size, &e) || !lm_window_in_range(s, e) || max < 1)
				return -1;
			starts[0] = s;
			ends[0] = e;
			return 1;
		case LM_WINDOW_HOP:
		{
			int64 last;

			/*
			 * from the start after the last one at or before ts - size
			 * (whose window ends at or before ts) to the last one at or
			 * before ts
			 */
			if (!lm_window_align(ts, w->slide, w->offset, &last) ||
				pg_sub_s64_overflow(ts, w->size, &s) ||
				!lm_window_align(s, w->slide, w->offset, &s))
				return -1;
			while (s < last)
			{
				s += w->slide; /* <= last: no overflow */
				if (n == max || pg_add_s64_overflow(s, w->size, &e) || !lm_window_in_range(s, e))
					return -1;
				starts[n] = s;
				ends[n] = e;
				n++;
			}
			return n;
		}
		case LM_WINDOW_CUMULATE:
		{
			int64 top;

			/* start: the size grid; ends: every step after ts, up to start + size */
			if (!lm_window_align(ts, w->size, w->offset, &s) ||
				pg_add_s64_overflow(s, w->size, &top) ||
				!lm_window_align(ts, w->slide, w->offset % w->slide, &e) ||
				pg_add_s64_overflow(e, w->slide, &e))
				return -1;
			for (; e <= top; e += w->slide)
			{
				if (n == max || !lm_window_in_range(s, e))
					return -1;
				starts[n] = s;
				ends[n] = e;
				n++;
				if (e > PG_INT64_MAX - w->slide)
					break;
			}
			return n;
		}
		case LM_WINDOW_SESSION:
		case LM_WINDOW_NONE:
			break;
	}
	return -1;
}

/*
 * lm_window_horizon returns the largest window end at or before wm: every
 * window ending there or before is closed once wm has been delivered, and
 * an event below it belongs to one of them.  LM_NO_TIME without a
 * watermark and where it lies outside the range of timestamps.
 */
int64
lm_window_horizon(const LmWindowSpec *w, int64 wm)
{
	int64 end;

	/* sessions lie on no grid: each ends at or before wm once closed */
	if (w->kind == LM_WINDOW_SESSION && wm != LM_NO_TIME)
		return wm;
	if (wm == LM_NO_TIME || w->kind == LM_WINDOW_NONE || w->slide <= 0 ||
		!lm_window_align(wm, w->slide, (w->offset + w->size % w->slide) % w->slide, &end) ||
		!IS_VALID_TIMESTAMP(end))
		return LM_NO_TIME;
	return end;
}

/*
 * lm_window_push assigns each change its windows: one output row per
 * window, the event's windows always in one output batch.
 */
static void
lm_window_push(LmOp *op, int port, LmBatch *in)
{
	LmWindowOp *w = (LmWindowOp *) op;
	LmBatch *out = &op->out;

	while (in->pos < in->n)
	{
		int i = in->pos;
		int64 ts = in->ts[i];
		int n;

		if (w->spec.kind == LM_WINDOW_TUMBLE && ts >= w->last_start && ts < w->last_end)
		{
			/* the previous event's window (in range: it was checked) */
			w->starts[0] = w->last_start;
			w->ends[0] = w->last_end;
			n = 1;
		}
		else
		{
			n = lm_window_assign(&w->spec, ts, w->starts, w->ends, LM_BATCH_SIZE);
			if (w->spec.kind == LM_WINDOW_TUMBLE && n == 1)
			{
				w->last_start = w->starts[0];
				w->last_end = w->ends[0];
			}
		}

		if (n > 0 && out->n + n > out->cap)
			lm_op_forward(op);
		op->rows_in++;
		in->pos++;
		if (n < 0)
		{
			op->graph->pend_null++;
			continue;
		}
		for (int k = 0; k < n; k++)
		{
			lm_batch_copy_row(out, out->n, in, i);
			out->ts[out->n] = in->ts[i];
			out->weight[out->n] = in->weight[i];
			out->wstart[out->n] = w->starts[k];
			out->wend[out->n] = w->ends[k];
			out->n++;
		}
	}
}

/*
 * lm_window_interval_text appends a number of microseconds in the largest
 * unit that divides it (explain lines).
 */
void
lm_window_interval_text(StringInfo line, int64 us)
{
	static const struct
	{
		int64 us;
		const char *unit;
	} units[] = {{USECS_PER_DAY, "d"}, {USECS_PER_HOUR, "h"}, {USECS_PER_MINUTE, "min"},
				 {USECS_PER_SEC, "s"}, {1000, "ms"},		  {1, "us"}};
	int u = 0;

	while (us % units[u].us != 0)
		u++;
	appendStringInfo(line, "%lld %s", (long long) (us / units[u].us), units[u].unit);
}

/*
 * lm_window_explain describes the window.
 */
static void
lm_window_explain(LmOp *op, StringInfo line)
{
	LmWindowSpec *w = &((LmWindowOp *) op)->spec;

	appendStringInfoString(line, "WindowAssign ");
	switch (w->kind)
	{
		case LM_WINDOW_HOP:
			appendStringInfoString(line, "HOP slide ");
			lm_window_interval_text(line, w->slide);
			appendStringInfoString(line, " size ");
			break;
		case LM_WINDOW_SESSION:
			appendStringInfoString(line, "SESSION gap ");
			break;
		case LM_WINDOW_CUMULATE:
			appendStringInfoString(line, "CUMULATE step ");
			lm_window_interval_text(line, w->slide);
			appendStringInfoString(line, " size ");
			break;
		default:
			appendStringInfoString(line, "TUMBLE ");
			break;
	}
	lm_window_interval_text(line, w->size);
	if (w->offset != 0)
	{
		appendStringInfoString(line, " offset ");
		lm_window_interval_text(line, w->offset);
	}
	if (w->lateness != 0)
	{
		appendStringInfoString(line, " lateness ");
		lm_window_interval_text(line, w->lateness);
	}
}

static const LmOpMethods lm_window_methods = {
	.name = "WindowAssign",
	.push = lm_window_push,
	.explain = lm_window_explain,
};

/*
 * lm_window_create makes the window assignment of spec, for stream rows of
 * natts columns.
 */
LmOp *
lm_window_create(LmGraph *g, const LmWindowSpec *spec, int natts)
{
	LmWindowOp *w = MemoryContextAllocZero(g->cxt, sizeof(LmWindowOp));

	lm_op_init(&w->op, g, LM_OP_WINDOW, &lm_window_methods, natts);
	w->spec = *spec;
	w->last_start = w->last_end = 0; /* empty: no ts is in [0, 0) */
	return &w->op;
}
