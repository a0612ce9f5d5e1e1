/*-------------------------------------------------------------------------
 *
 * agg.c
 *	  The per-event operators of a view: lateness, window assignment,
 *	  filter, grouping and aggregate transition; and window closing.
 *
 * Aggregates run on PostgreSQL's own transition and final functions, with
 * nodeAgg's semantics reproduced (strict transition functions skip NULL
 * input and adopt the first non-NULL input as state; by-reference states
 * are copied into the window's memory context; initial values are copied
 * per group because some transition functions update their state in
 * place).  Functions that insist on an aggregate context get a fake
 * AggState whose curaggcontext points at the window's memory context.
 *
 * Groups of one window live in a TupleHashTable (execGrouping.c, the one
 * nodeAgg uses) allocated in the window's context; a view without plain
 * keys has a single group per window.  Nothing here allocates per event
 * beyond what the hash table does for a new group and what the functions
 * themselves do in the per-tuple context, which is reset in batches.
 *
 * An event is all or nothing for its group: every aggregate's FILTER and
 * arguments are evaluated before any transition, and the transitions can
 * be undone (lm_agg_undo_event) if one of them raises an error, except for
 * a change a transition function made in place before raising it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/int.h"
#include "datatype/timestamp.h"
#include "utils/datum.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "laminar.h"
#include "ops/view.h"

/* microseconds from the PostgreSQL epoch (2000-01-01) back to 1970-01-01 */
#define LM_UNIX_EPOCH_US INT64CONST(-946684800000000)
#define LM_RESET_EVERY 64

/*
 * lm_agg_window_bounds computes the TUMBLE window [start, end) holding ts,
 * aligned like date_bin(size, ts, '1970-01-01'), with overflow-checked
 * arithmetic.  It returns false when ts is not finite (+-infinity) or when
 * the window's start or end falls outside the timestamp range, where
 * date_bin(...) + size would raise "timestamp out of range": such an event
 * has no window a result table could hold.
 */
static inline bool
lm_agg_window_bounds(int64 ts, int64 size, int64 *start, int64 *end)
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
 * lm_agg_find_window returns the window [start, end), creating it.
 */
static LmWindow *
lm_agg_find_window(LmView *v, int64 start, int64 end)
{
	LmWindow *win;
	MemoryContext old;
	int pos;

	/* most events hit the newest window */
	for (int i = v->nwins - 1; i >= 0; i--)
		if (v->wins[i]->start == start)
			return v->wins[i];

	if (v->nwins == v->wins_cap)
	{
		int ncap = Max(4, v->wins_cap * 2);

		v->wins = v->wins ? repalloc(v->wins, sizeof(LmWindow *) * ncap)
						  : MemoryContextAlloc(v->cxt, sizeof(LmWindow *) * ncap);
		v->wins_cap = ncap;
	}
	win = MemoryContextAllocZero(v->cxt, sizeof(LmWindow));
	win->start = start;
	win->end = end;
	win->cxt = AllocSetContextCreate(v->cxt, "laminar window", ALLOCSET_DEFAULT_SIZES);
	if (v->nkeys > 0)
	{
		old = MemoryContextSwitchTo(win->cxt);
		win->table = BuildTupleHashTableExt(NULL, v->keydesc, v->nkeys, v->keycolidx, v->eqfuncs,
											v->hashfns, v->keycoll, 256, 0, win->cxt, win->cxt,
											v->econtext->ecxt_per_tuple_memory, false);
		MemoryContextSwitchTo(old);
	}
	/* keep windows ordered by start */
	pos = v->nwins;
	while (pos > 0 && v->wins[pos - 1]->start > start)
	{
		v->wins[pos] = v->wins[pos - 1];
		pos--;
	}
	v->wins[pos] = win;
	v->nwins++;
	return win;
}

/*
 * lm_agg_new_group allocates a group with every aggregate at its initial
 * value.
 */
static LmGroup *
lm_agg_new_group(LmView *v, LmWindow *win)
{
	LmGroup *g = MemoryContextAllocZero(win->cxt, v->group_size);

	for (int i = 0; i < v->naggs; i++)
	{
		LmAggSpec *a = &v->aggs[i];

		if (a->initnull)
		{
			g->vals[i].isnull = true;
			g->vals[i].notrans = true;
		}
		else
		{
			MemoryContext old = MemoryContextSwitchTo(win->cxt);

			g->vals[i].value = datumCopy(a->initval, a->transbyval, a->translen);
			MemoryContextSwitchTo(old);
		}
	}
	win->ngroups++;
	v->ngroups++;
	return g;
}

/*
 * lm_agg_eval_args evaluates one aggregate's FILTER and arguments for the
 * current event into its call info.  Every aggregate's are evaluated before
 * any transition runs, so that an error here (a failing cast, a division
 * by zero) leaves every group as it was.
 */
static inline void
lm_agg_eval_args(LmView *v, LmAggSpec *a)
{
	ExprContext *ec = v->econtext;
	FunctionCallInfo fc = a->transcall;

	a->skip = false;
	if (a->filter)
	{
		bool isnull;
		Datum f = ExecEvalExprSwitchContext(a->filter, ec, &isnull);

		if (isnull || !DatumGetBool(f))
		{
			a->skip = true;
			return;
		}
	}
	for (int i = 0; i < a->nargs; i++)
		fc->args[i + 1].value = ExecEvalExprSwitchContext(a->args[i], ec, &fc->args[i + 1].isnull);
}

/*
 * lm_agg_free_state frees a by-reference transition value we own.
 */
static void
lm_agg_free_state(LmAggSpec *a, Datum d)
{
	if (DatumIsReadWriteExpandedObject(d, false, a->translen))
		DeleteExpandedObject(d);
	else
		pfree(DatumGetPointer(d));
}

/*
 * lm_agg_advance feeds one event (its arguments already evaluated) to one
 * aggregate of one group.  A replaced by-reference state is not freed
 * here but queued in v->deferred, so that lm_agg_undo_event can restore it
 * if a later aggregate of the same event fails.
 */
static inline void
lm_agg_advance(LmView *v, LmAggSpec *a, LmAggVal *val, MemoryContext gcxt)
{
	FunctionCallInfo fc = a->transcall;
	MemoryContext old;
	Datum newv;

	if (a->skip)
		return;
	if (a->transstrict)
	{
		for (int i = 0; i < a->nargs; i++)
			if (fc->args[i + 1].isnull)
				return;
		if (val->notrans)
		{
			old = MemoryContextSwitchTo(gcxt);
			val->value = datumCopy(fc->args[1].value, a->transbyval, a->translen);
			MemoryContextSwitchTo(old);
			val->isnull = false;
			val->notrans = false;
			return;
		}
		if (val->isnull)
			return;
	}

	v->fake_agg->curaggcontext->ecxt_per_tuple_memory = gcxt;
	fc->args[0].value = val->value;
	fc->args[0].isnull = val->isnull;
	fc->isnull = false;
	old = MemoryContextSwitchTo(v->tmpcxt);
	newv = FunctionCallInvoke(fc);
	MemoryContextSwitchTo(old);

	if (!a->transbyval && DatumGetPointer(newv) != DatumGetPointer(val->value))
	{
		if (!fc->isnull)
		{
			if (!(DatumIsReadWriteExpandedObject(newv, false, a->translen) &&
				  MemoryContextGetParent(DatumGetEOHP(newv)->eoh_context) == gcxt))
			{
				old = MemoryContextSwitchTo(gcxt);
				newv = datumCopy(newv, false, a->translen);
				MemoryContextSwitchTo(old);
			}
		}
		if (!val->isnull)
		{
			v->deferred[v->ndeferred] = val->value;
			v->deferred_agg[v->ndeferred++] = (int) (a - v->aggs);
		}
	}
	val->value = newv;
	val->isnull = fc->isnull;
	val->notrans = false;
}

/*
 * lm_agg_undo_event puts back the group whose transitions were running
 * when an error interrupted them (see lm_agg_event); the worker calls it
 * before skipping the event.  A transition function that changed its
 * state in place before raising the error (rather than returning a new
 * one) leaves that change: PostgreSQL's own functions check their input
 * before they write, but a user-defined one may not.
 */
void
lm_agg_undo_event(LmView *v)
{
	LmGroup *g = v->cur_group;

	if (g == NULL)
		return;
	for (int i = 0; i < v->naggs; i++)
	{
		LmAggSpec *a = &v->aggs[i];
		LmAggVal *cur = &g->vals[i];
		LmAggVal *was = &v->savevals[i];

		/* a new by-reference state that the failed event made */
		if (!a->transbyval && !cur->isnull && !cur->notrans &&
			(was->isnull || was->notrans ||
			 DatumGetPointer(cur->value) != DatumGetPointer(was->value)))
			lm_agg_free_state(a, cur->value);
		*cur = *was;
	}
	v->cur_group = NULL;
	v->ndeferred = 0;
}

/*
 * lm_agg_stateless_row evaluates the select list for one event and keeps
 * the row until the next emit.
 */
static void
lm_agg_stateless_row(LmView *v)
{
	MemoryContext old;
	Datum *vals;
	bool *nulls;

	if (v->nrows == v->rows_cap)
	{
		int ncap = Max(256, v->rows_cap * 2);

		old = MemoryContextSwitchTo(v->cxt);
		v->rowvals = v->rowvals ? repalloc(v->rowvals, sizeof(Datum *) * ncap)
								: palloc(sizeof(Datum *) * ncap);
		v->rownulls = v->rownulls ? repalloc(v->rownulls, sizeof(bool *) * ncap)
								  : palloc(sizeof(bool *) * ncap);
		MemoryContextSwitchTo(old);
		v->rows_cap = ncap;
	}
	vals = MemoryContextAlloc(v->rowcxt, sizeof(Datum) * v->nout);
	nulls = MemoryContextAlloc(v->rowcxt, sizeof(bool) * v->nout);
	for (int c = 0; c < v->nout; c++)
	{
		Datum d = ExecEvalExprSwitchContext(v->outexprs[c], v->econtext, &nulls[c]);

		if (!nulls[c])
		{
			old = MemoryContextSwitchTo(v->rowcxt);
			d = datumCopy(d, v->outbyval[c], v->outlen[c]);
			MemoryContextSwitchTo(old);
		}
		vals[c] = d;
	}
	v->rowvals[v->nrows] = vals;
	v->rownulls[v->nrows] = nulls;
	v->nrows++;
}

/*
 * lm_agg_event runs one committed event through the view's operators.
 */
void
lm_agg_event(LmView *v, MinimalTuple tup)
{
	ExprContext *ec = v->econtext;
	int64 ws = 0;
	int64 we = 0;
	LmWindow *win;
	LmGroup *g;

	v->pend_events++;
	ExecStoreMinimalTuple(tup, v->evslot, false);

	if (v->window_us > 0)
	{
		bool isnull;
		Datum d = slot_getattr(v->evslot, v->ts_attnum, &isnull);
		int64 ts;

		if (isnull)
		{
			v->pend_null++;
			return;
		}
		ts = DatumGetInt64(d);
		/* +-infinity, or no window in range: dropped and counted like NULL */
		if (!lm_agg_window_bounds(ts, v->window_us, &ws, &we))
		{
			v->pend_null++;
			return;
		}
		/* before the horizon: its window was closed, maybe before a restart */
		if ((v->wm->wm != LM_NO_TIME && ts < v->wm->wm) || ts < v->horizon)
		{
			v->pend_late++;
			return;
		}
		v->params[v->param_ws].value = Int64GetDatum(ws);
		v->params[v->param_ws].isnull = false;
		v->params[v->param_we].value = Int64GetDatum(we);
		v->params[v->param_we].isnull = false;
	}

	ec->ecxt_scantuple = v->evslot;
	if (v->qual && !ExecQual(v->qual, ec))
		goto done;

	if (v->kind == LM_VIEW_STATELESS)
	{
		lm_agg_stateless_row(v);
		goto done;
	}

	win = lm_agg_find_window(v, ws, we);
	if (v->nkeys == 0)
	{
		if (win->single == NULL)
			win->single = lm_agg_new_group(v, win);
		g = win->single;
	}
	else
	{
		TupleTableSlot *ks = v->keyslot;
		TupleHashEntry entry;
		bool isnew;

		ExecClearTuple(ks);
		for (int k = 0; k < v->nkeys; k++)
			ks->tts_values[k] = ExecEvalExprSwitchContext(v->keyexprs[k], ec, &ks->tts_isnull[k]);
		ExecStoreVirtualTuple(ks);
		entry = LookupTupleHashEntry(win->table, ks, &isnew, NULL);
		if (isnew)
		{
			g = lm_agg_new_group(v, win);
			g->key = entry->firstTuple;
			entry->additional = g;
		}
		else
			g = (LmGroup *) entry->additional;
	}

	/* arguments first: an error there changes nothing */
	for (int i = 0; i < v->naggs; i++)
		lm_agg_eval_args(v, &v->aggs[i]);
	/* transitions: an error there is undone by lm_agg_undo_event */
	memcpy(v->savevals, g->vals, sizeof(LmAggVal) * v->naggs);
	v->ndeferred = 0;
	v->cur_group = g;
	for (int i = 0; i < v->naggs; i++)
		lm_agg_advance(v, &v->aggs[i], &g->vals[i], win->cxt);
	v->cur_group = NULL;
	for (int i = 0; i < v->ndeferred; i++)
		lm_agg_free_state(&v->aggs[v->deferred_agg[i]], v->deferred[i]);
	v->ndeferred = 0;
	g->seen = true;

	if (!g->dirty)
	{
		g->dirty = true;
		g->next_dirty = win->dirty;
		win->dirty = g;
	}

done:
	if (++v->since_reset >= LM_RESET_EVERY)
	{
		ResetExprContext(ec);
		MemoryContextReset(v->tmpcxt);
		v->since_reset = 0;
	}
}

/*
 * lm_agg_end_batch releases per-event memory and publishes the counters.
 */
void
lm_agg_end_batch(LmView *v)
{
	ResetExprContext(v->econtext);
	MemoryContextReset(v->tmpcxt);
	v->since_reset = 0;
	if (v->stats)
	{
		if (v->pend_events)
			pg_atomic_fetch_add_u64(&v->stats->events_in, v->pend_events);
		if (v->pend_late)
			pg_atomic_fetch_add_u64(&v->stats->late_events, v->pend_late);
		if (v->pend_null)
			pg_atomic_fetch_add_u64(&v->stats->null_time_events, v->pend_null);
	}
	v->pend_events = v->pend_late = v->pend_null = 0;
}

/*
 * lm_agg_has_dirty says whether the view has results not yet emitted.
 */
bool
lm_agg_has_dirty(LmView *v)
{
	if (v->kind == LM_VIEW_STATELESS)
		return v->nrows > 0;
	if (v->emit_close)
		return false;
	for (int i = 0; i < v->nwins; i++)
		if (v->wins[i]->dirty)
			return true;
	return false;
}

/*
 * lm_agg_emit_dirty writes every changed group (ON UPDATE) or the buffered
 * rows (stateless views).
 */
void
lm_agg_emit_dirty(LmView *v)
{
	if (v->kind == LM_VIEW_STATELESS)
	{
		if (v->nrows > 0)
			lm_emit_rows(v);
		return;
	}
	if (v->emit_close)
		return;
	for (int i = 0; i < v->nwins; i++)
		if (v->wins[i]->dirty)
			lm_emit_groups(v, v->wins[i], false);
}

/*
 * lm_agg_has_closable says whether the watermark has passed the end of the
 * view's oldest open window.
 */
bool
lm_agg_has_closable(LmView *v)
{
	if (v->window_us <= 0 || v->kind == LM_VIEW_STATELESS || v->nwins == 0 || v->wm == NULL ||
		v->wm->wm == LM_NO_TIME)
		return false;
	return v->wins[0]->end <= v->wm->wm;
}

/*
 * lm_agg_horizon returns the start of the window holding the watermark:
 * every window ending at or before it is closed once lm_agg_close_windows
 * has run (the watermark has passed its end), whether or not the view held
 * groups in it.  Windows lie on a grid and the horizon is on it, so an
 * event belongs to such a window exactly when its time is below the
 * horizon.  LM_NO_TIME without a watermark, for views without a window, and
 * where the watermark lies outside the range of timestamps.
 */
int64
lm_agg_horizon(LmView *v)
{
	int64 wm;
	int64 start;
	int64 end;

	if (v->window_us <= 0 || v->kind == LM_VIEW_STATELESS || v->wm == NULL)
		return LM_NO_TIME;
	wm = v->wm->wm;
	if (wm == LM_NO_TIME || !lm_agg_window_bounds(wm, v->window_us, &start, &end))
		return LM_NO_TIME;
	return start;
}

/*
 * lm_agg_close_windows finishes every window the watermark has passed:
 * ON WINDOW CLOSE writes its rows once, ON UPDATE writes what changed; then
 * the window's state is freed.
 */
void
lm_agg_close_windows(LmView *v)
{
	int keep = 0;
	int64 wm = v->wm ? v->wm->wm : LM_NO_TIME;

	if (v->window_us <= 0 || v->kind == LM_VIEW_STATELESS || wm == LM_NO_TIME)
		return;
	/*
	 * Write every closable window first and free them after: if a write
	 * fails, the view's subtransaction rolls back and every window is still
	 * there to be written again.
	 */
	for (int i = 0; i < v->nwins; i++)
	{
		LmWindow *win = v->wins[i];

		if (win->end <= wm)
		{
			if (v->emit_close)
				lm_emit_groups(v, win, true);
			else if (win->dirty)
				lm_emit_groups(v, win, false);
		}
	}
	for (int i = 0; i < v->nwins; i++)
	{
		LmWindow *win = v->wins[i];

		if (win->start + v->window_us <= wm)
		{
			v->ngroups -= win->ngroups;
			MemoryContextDelete(win->cxt);
			pfree(win);
		}
		else
			v->wins[keep++] = win;
	}
	v->nwins = keep;
}

/*
 * lm_agg_emit_settle ends the emit of the view's windows once its
 * subtransaction has ended.  Committed: emitted groups are clean, except
 * those whose row failed (emit_failed), which stay dirty for the next
 * emit.  Rolled back: every emitted group is dirty again, and the row
 * TIDs learned in the rolled-back work are forgotten.  Returns how many
 * groups still have a row that failed.
 */
int64
lm_agg_emit_settle(LmView *v, bool committed)
{
	int64 nfailed = 0;

	if (!committed)
		v->tid_gen++;
	for (int i = 0; i < v->nwins; i++)
	{
		LmWindow *win = v->wins[i];

		for (LmGroup *g = win->pending, *nx; g != NULL; g = nx)
		{
			nx = g->next_dirty;
			if (committed && !g->emit_failed)
			{
				g->dirty = false;
				g->next_dirty = NULL;
			}
			else
			{
				nfailed += g->emit_failed;
				g->next_dirty = win->dirty;
				win->dirty = g;
			}
		}
		win->pending = NULL;
	}
	return nfailed;
}
