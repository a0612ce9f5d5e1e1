/*-------------------------------------------------------------------------
 *
 * graph.c
 *	  Builds and drives the operator graph of one view (see op.h).
 *
 * The driver is the only code that calls operator methods.  A push runs
 * depth first: an operator works through its input batch and, when its
 * output batch is full or its input is done, lm_op_forward runs the
 * operator it feeds on that output.  The operators a push is running
 * through are kept on a small stack, so that after an error the worker can
 * skip the failing row (lm_graph_skip_failed) and continue every
 * interrupted push where it stood (lm_graph_resume).
 *
 * Operators run in the process-local memory of the worker that owns the
 * view; nothing here takes a lock.  Counters are published to the view's
 * shared slot once per batch or pass (lm_graph_publish), never per row.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "utils/resowner.h"
#include "utils/datum.h"
#include "utils/memutils.h"

#include "ops/op.h"

/*
 * lm_graph_create makes an empty graph in a child context of parent.
 */
LmGraph *
lm_graph_create(MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "laminar graph", ALLOCSET_DEFAULT_SIZES);
	LmGraph *g = MemoryContextAllocZero(cxt, sizeof(LmGraph));
	MemoryContext old = MemoryContextSwitchTo(cxt);

	g->cxt = cxt;
	g->estate = CreateExecutorState();
	g->econtext = CreateExprContext(g->estate);
	g->stepcxt = AllocSetContextCreate(cxt, "laminar step rows", ALLOCSET_DEFAULT_SIZES);
	g->horizon = LM_NO_TIME;
	g->input.cap = LM_BATCH_SIZE;
	g->input.tuples = palloc(sizeof(MinimalTuple) * LM_BATCH_SIZE);
	MemoryContextSwitchTo(old);
	return g;
}

/*
 * lm_batch_init allocates a batch of cap rows of natts columns.
 */
void
lm_batch_init(LmBatch *b, MemoryContext cxt, int cap, int natts)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap;
	b->natts = natts;
	if (natts > 0)
	{
		b->values = MemoryContextAllocZero(cxt, sizeof(Datum) * natts * cap);
		b->isnull = MemoryContextAllocZero(cxt, sizeof(bool) * natts * cap);
	}
	b->ts = MemoryContextAllocZero(cxt, sizeof(int64) * cap);
	b->wstart = MemoryContextAllocZero(cxt, sizeof(int64) * cap);
	b->wend = MemoryContextAllocZero(cxt, sizeof(int64) * cap);
	b->weight = MemoryContextAllocZero(cxt, sizeof(int8) * cap);
}

/*
 * lm_batch_reset empties a batch.
 */
void
lm_batch_reset(LmBatch *b)
{
	b->n = 0;
	b->pos = 0;
}

/*
 * lm_op_init fills in the common part of an operator (the LmOp its state
 * struct starts with) and its output batch of natts columns.
 */
void
lm_op_init(LmOp *op, LmGraph *g, LmOpKind kind, const LmOpMethods *m, int natts)
{
	op->kind = kind;
	op->methods = m;
	op->graph = g;
	op->output = -1;
	op->side = -1;
	op->cxt = AllocSetContextCreate(g->cxt, "laminar operator", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSetIdentifier(op->cxt, m->name);
	if (kind != LM_OP_SINK_UPSERT && kind != LM_OP_SINK_APPEND)
		lm_batch_init(&op->out, op->cxt, LM_BATCH_SIZE, natts);
}

/*
 * lm_graph_add appends an operator; it feeds the next one added, on port 0
 * (today's graphs are chains).
 */
void
lm_graph_add(LmGraph *g, LmOp *op)
{
	if (g->nops >= LM_MAX_OPS)
		elog(ERROR, "laminar: a view's graph holds at most %d operators", LM_MAX_OPS);
	op->index = g->nops;
	if (g->nops > 0)
	{
		g->ops[g->nops - 1]->output = g->nops;
		g->ops[g->nops - 1]->output_port = 0;
	}
	g->ops[g->nops++] = op;
}

/*
 * lm_graph_add_detached appends an operator that no operator of the chain
 * feeds: it receives only a side output (lm_op_set_side).
 */
void
lm_graph_add_detached(LmGraph *g, LmOp *op)
{
	LmOp *prev = g->nops > 0 ? g->ops[g->nops - 1] : NULL;
	int output = prev ? prev->output : -1;

	lm_graph_add(g, op);
	if (prev)
		prev->output = output; /* not linked to the chain */
}

/*
 * lm_op_set_side gives op a side output of natts columns, feeding `to`
 * (already in the graph) on port 0.
 */
void
lm_op_set_side(LmOp *op, LmOp *to, int natts)
{
	op->side = to->index;
	lm_batch_init(&op->side_out, op->cxt, LM_BATCH_SIZE, natts);
}

/*
 * lm_graph_run runs one operator on a batch, then hands what it produced
 * on.  The operator is on the stack while it runs.
 */
static void
lm_graph_run(LmGraph *g, LmOp *op, int port, LmBatch *in)
{
	int d = g->depth;

	g->stack[d] = op;
	g->stack_in[d] = in;
	g->stack_port[d] = port;
	g->depth = d + 1;
	op->in = in;
	op->methods->push(op, port, in);
	lm_op_forward(op);
	lm_op_forward_side(op);
	g->depth = d;
}

/*
 * lm_op_forward hands an operator's output batch to the operator it feeds
 * and empties it.  Operators call it between rows when the batch is full;
 * the driver calls it when a push, flush or watermark is done.
 */
void
lm_op_forward(LmOp *op)
{
	LmGraph *g = op->graph;

	if (op->out.n == 0 || op->output < 0)
		return;
	op->rows_out += op->out.n;
	op->out.pos = 0;
	lm_graph_run(g, g->ops[op->output], op->output_port, &op->out);
	lm_batch_reset(&op->out);
}

/*
 * lm_op_forward_side hands an operator's side output to the operator it
 * feeds and empties it, as lm_op_forward does with the main output.
 */
void
lm_op_forward_side(LmOp *op)
{
	LmGraph *g = op->graph;

	if (op->side < 0 || op->side_out.n == 0)
		return;
	op->side_out.pos = 0;
	lm_graph_run(g, g->ops[op->side], 0, &op->side_out);
	lm_batch_reset(&op->side_out);
}

/*
 * lm_graph_push runs a batch of stream events through the graph.
 */
void
lm_graph_push(LmGraph *g, LmBatch *in)
{
	g->depth = 0;
	in->pos = 0;
	lm_graph_run(g, g->ops[0], 0, in);
	lm_batch_reset(in);
	ResetExprContext(g->econtext);
}

/*
 * lm_graph_running says whether a push was interrupted by an error.
 */
bool
lm_graph_running(LmGraph *g)
{
	return g->depth > 0;
}

/*
 * lm_graph_skip_failed steps over the row whose processing raised an
 * error: the operator that was working on it undoes it, and the push can
 * go on (lm_graph_resume).  Where no row can be blamed (the error came
 * from outside the rows' processing), the push is abandoned with its
 * input.  Returns whether the push can go on.
 */
bool
lm_graph_skip_failed(LmGraph *g)
{
	LmOp *op;

	if (g->depth == 0)
	{
		lm_graph_abandon(g);
		return false;
	}
	op = g->stack[g->depth - 1];
	if (op->methods->undo)
		op->methods->undo(op);
	if (op->in->pos >= op->in->n)
	{
		lm_graph_abandon(g);
		return false;
	}
	op->in->pos++;
	return true;
}

/*
 * lm_graph_abandon drops an interrupted push and the batches it was
 * working on.
 */
void
lm_graph_abandon(LmGraph *g)
{
	g->depth = 0;
	lm_batch_reset(&g->input);
	for (int i = 0; i < g->nops; i++)
	{
		if (g->ops[i]->kind != LM_OP_SINK_UPSERT && g->ops[i]->kind != LM_OP_SINK_APPEND)
			lm_batch_reset(&g->ops[i]->out);
		if (g->ops[i]->side >= 0)
			lm_batch_reset(&g->ops[i]->side_out);
	}
	ResetExprContext(g->econtext);
}

/*
 * lm_graph_resume continues an interrupted push: the innermost operator
 * first, then each one that was handing it rows.
 */
void
lm_graph_resume(LmGraph *g)
{
	while (g->depth > 0)
	{
		int d = g->depth - 1;
		LmOp *op = g->stack[d];

		op->in = g->stack_in[d];
		op->methods->push(op, g->stack_port[d], g->stack_in[d]);
		lm_op_forward(op);
		lm_op_forward_side(op);
		g->depth = d;
		lm_batch_reset(g->stack_in[d]);
	}
	ResetExprContext(g->econtext);
}

/*
 * lm_graph_watermark delivers the input's watermark to every operator, in
 * order: what a window's closing emits reaches the sinks.
 */
void
lm_graph_watermark(LmGraph *g, int64 wm)
{
	g->depth = 0;
	g->in_step = true;
	for (int i = 0; i < g->nops; i++)
	{
		LmOp *op = g->ops[i];

		if (op->methods->watermark)
		{
			op->methods->watermark(op, wm);
			lm_op_forward(op);
		}
	}
}

/*
 * lm_graph_flush asks every operator (or only the sinks), in order, to
 * emit what is pending, at most budget rows each; returns whether any has
 * more to do.
 */
bool
lm_graph_flush(LmGraph *g, int budget, bool sinks_only)
{
	bool more = false;

	g->depth = 0;
	g->in_step = true;
	for (int i = 0; i < g->nops; i++)
	{
		LmOp *op = g->ops[i];

		if (sinks_only && op->kind != LM_OP_SINK_UPSERT && op->kind != LM_OP_SINK_APPEND)
			continue;
		if (op->methods->flush)
		{
			more |= op->methods->flush(op, budget);
			lm_op_forward(op);
		}
	}
	return more;
}

/*
 * lm_graph_settle ends a step: every operator keeps (committed) or undoes
 * what the step did.  Returns how many rows still fail to be written or
 * computed (the view stays careful while there are any).
 */
int64
lm_graph_settle(LmGraph *g, bool committed)
{
	int64 nfailed = 0;

	g->depth = 0;
	g->in_step = false;
	for (int i = 0; i < g->nops; i++)
		if (g->ops[i]->methods->settle)
			nfailed += g->ops[i]->methods->settle(g->ops[i], committed);
	MemoryContextReset(g->stepcxt);
	ResetExprContext(g->econtext);
	return nfailed;
}

/*
 * lm_graph_end_batch releases the per-row memory of the last batches.
 */
void
lm_graph_end_batch(LmGraph *g)
{
	ResetExprContext(g->econtext);
}

/*
 * lm_graph_reset drops the state of every operator (the view stopped).
 */
void
lm_graph_reset(LmGraph *g)
{
	g->depth = 0;
	lm_batch_reset(&g->input);
	for (int i = 0; i < g->nops; i++)
	{
		if (g->ops[i]->methods->reset)
			g->ops[i]->methods->reset(g->ops[i]);
		lm_batch_reset(&g->ops[i]->out);
	}
	MemoryContextReset(g->stepcxt);
}

/*
 * lm_graph_end releases the graph and everything its operators hold.
 */
void
lm_graph_end(LmGraph *g)
{
	for (int i = 0; i < g->nops; i++)
		if (g->ops[i]->methods->end)
			g->ops[i]->methods->end(g->ops[i]);
	FreeExecutorState(g->estate);
	MemoryContextDelete(g->cxt);
}

/*
 * lm_graph_groups returns the groups (or buffered rows) the graph holds.
 */
int64
lm_graph_groups(LmGraph *g)
{
	int64 n = 0;

	for (int i = 0; i < g->nops; i++)
		if (g->ops[i]->kind == LM_OP_AGG)
			n += g->ops[i]->groups;
	return n;
}

/*
 * lm_graph_skip_row counts a result row a step could not write or compute
 * (unless it failed before: again), keeping its error as the view's
 * sample; the log gets the 1st, 2nd, 4th ... of them.
 */
void
lm_graph_skip_row(LmGraph *g, const char *msg, bool again)
{
	if (g->stats)
		lm_set_view_skip(g->stats, msg);
	if (again)
		return;
	if (g->stats)
		pg_atomic_fetch_add_u64(&g->stats->skipped_rows, 1);
	g->nskipped++;
	if ((g->nskipped & (g->nskipped - 1)) == 0)
		ereport(LOG,
				(errmsg("laminar: view %d skipped a result row (%llu skipped on this "
						"worker): %s",
						g->stats ? g->stats->view_id : 0, (unsigned long long) g->nskipped, msg)));
}

/*
 * lm_error_is_data says whether an error is caused by the data a view
 * processes (a value, a key, a row), so that skipping that event or row is
 * the remedy: data exceptions (22), integrity violations (23, 44, e.g. a
 * CHECK the owner put on the result table), program limits such as an
 * index row that is too large (54), and errors raised by functions (P0,
 * 38, 39, 2F).  Anything else (permissions, missing objects, out of
 * memory, internal errors) is about the view or the server, not about one
 * event: the caller stops the view or, for cancels, skips the cycle.
 */
bool
lm_error_is_data(int sqlerrcode)
{
	switch (ERRCODE_TO_CATEGORY(sqlerrcode))
	{
		case ERRCODE_DATA_EXCEPTION:
		case ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION:
		case ERRCODE_WITH_CHECK_OPTION_VIOLATION:
		case ERRCODE_PROGRAM_LIMIT_EXCEEDED:
		case ERRCODE_PLPGSQL_ERROR:
		case ERRCODE_EXTERNAL_ROUTINE_EXCEPTION:
		case ERRCODE_EXTERNAL_ROUTINE_INVOCATION_EXCEPTION:
		case ERRCODE_SQL_ROUTINE_EXCEPTION:
			return true;
		default:
			return false;
	}
}

/*
 * lm_graph_sub_begin opens a subtransaction for one careful piece of a
 * step (a row computed, a batch written), staying in the caller's memory
 * context and resource owner, which it returns.
 */
void
lm_graph_sub_begin(MemoryContext *cxt, ResourceOwner *owner)
{
	*cxt = CurrentMemoryContext;
	*owner = CurrentResourceOwner;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(*cxt);
}

/*
 * lm_graph_sub_end commits a subtransaction of lm_graph_sub_begin.
 */
void
lm_graph_sub_end(MemoryContext cxt, ResourceOwner owner)
{
	ReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
}

/*
 * lm_graph_sub_abort rolls back a subtransaction of lm_graph_sub_begin after
 * an error and returns the error.  An error that is not about the data (see
 * lm_error_is_data) is raised again, for the step's own subtransaction.
 */
ErrorData *
lm_graph_sub_abort(MemoryContext cxt, ResourceOwner owner)
{
	ErrorData *edata;

	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	FlushErrorState();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	if (!lm_error_is_data(edata->sqlerrcode))
		ReThrowError(edata);
	return edata;
}

/*
 * lm_graph_publish_state adds the change of the groups and memory an
 * operator holds since the last publish to the view's slot, which sums
 * them over the workers.
 */
static void
lm_graph_publish_state(LmOp *op, LmOpShared *s)
{
	int64 bytes = (int64) MemoryContextMemAllocated(op->cxt, true);

	if (op->groups != op->pub_groups)
		pg_atomic_fetch_add_u64(&s->groups, (uint64) (op->groups - op->pub_groups));
	if (bytes != op->pub_bytes)
		pg_atomic_fetch_add_u64(&s->bytes, (uint64) (bytes - op->pub_bytes));
	op->pub_groups = op->groups;
	op->pub_bytes = bytes;
}

/*
 * lm_graph_unpublish takes what the graph's operators hold back out of
 * the view's slot, when the view is unloaded or stops.
 */
void
lm_graph_unpublish(LmGraph *g)
{
	for (int i = 0; i < g->nops && g->stats; i++)
	{
		LmOp *op = g->ops[i];

		pg_atomic_fetch_sub_u64(&g->stats->ops[i].groups, (uint64) op->pub_groups);
		pg_atomic_fetch_sub_u64(&g->stats->ops[i].bytes, (uint64) op->pub_bytes);
		op->pub_groups = op->pub_bytes = 0;
	}
}

/*
 * lm_graph_publish adds the graph's counters to the view's shared slot:
 * events, late and NULL-time events, and each operator's rows and state.
 */
void
lm_graph_publish(LmGraph *g)
{
	LmViewShared *s = g->stats;

	if (s)
	{
		/* the view's events are the Source's rows in */
		if (g->nops > 0 && g->ops[0]->rows_in)
			pg_atomic_fetch_add_u64(&s->events_in, g->ops[0]->rows_in);
		if (g->pend_late)
			pg_atomic_fetch_add_u64(&s->late_events, g->pend_late);
		if (g->pend_null)
			pg_atomic_fetch_add_u64(&s->null_time_events, g->pend_null);
		for (int i = 0; i < g->nops && i < LM_MAX_OPS; i++)
		{
			LmOp *op = g->ops[i];

			if (op->rows_in)
				pg_atomic_fetch_add_u64(&s->ops[i].rows_in, op->rows_in);
			if (op->rows_out)
				pg_atomic_fetch_add_u64(&s->ops[i].rows_out, op->rows_out);
			op->rows_in = op->rows_out = 0;
			lm_graph_publish_state(op, &s->ops[i]);
		}
	}
	g->pend_late = g->pend_null = 0;
}

/*
 * lm_windows_find returns the window [start, end) from an operator's
 * windows (n of them, by end), or NULL; most events hit the newest windows,
 * so the search starts there.
 */
void *
lm_windows_find(void **wins, int n, int64 start, int64 end)
{
	for (int i = n - 1; i >= 0; i--)
	{
		LmWindowHead *h = (LmWindowHead *) wins[i];

		if (h->start == start && h->end == end)
			return wins[i];
	}
	return NULL;
}

/*
 * lm_windows_add adds a window to an operator's windows, keeping them
 * ordered by end, then start (so that the windows a watermark closes come
 * first, for every kind of window), growing the array (allocated in cxt) as needed; returns
 * the array, which may have moved.
 */
void **
lm_windows_add(void **wins, int *n, int *cap, void *win, MemoryContext cxt)
{
	LmWindowHead *h = (LmWindowHead *) win;
	int pos;

	if (*n == *cap)
	{
		int ncap = Max(4, *cap * 2);

		wins = wins ? repalloc(wins, sizeof(void *) * ncap)
					: MemoryContextAlloc(cxt, sizeof(void *) * ncap);
		*cap = ncap;
	}
	pos = *n;
	while (pos > 0 && (((LmWindowHead *) wins[pos - 1])->end > h->end ||
					   (((LmWindowHead *) wins[pos - 1])->end == h->end &&
						((LmWindowHead *) wins[pos - 1])->start > h->start)))
	{
		wins[pos] = wins[pos - 1];
		pos--;
	}
	wins[pos] = win;
	(*n)++;
	return wins;
}

/* ---------------------------------------------------------------------
 * Snapshot format helpers (ops/README.md, "Snapshot format")
 * ---------------------------------------------------------------------
 */

/* lm_snap_put_int64 appends a 64-bit integer (little-endian as stored). */
void
lm_snap_put_int64(StringInfo buf, int64 v)
{
	appendBinaryStringInfo(buf, (const char *) &v, sizeof(v));
}

/* lm_snap_put_bytes appends len bytes. */
void
lm_snap_put_bytes(StringInfo buf, const void *p, Size len)
{
	appendBinaryStringInfo(buf, (const char *) p, len);
}

/* lm_snap_get_bytes reads len bytes, raising an error past the end. */
const char *
lm_snap_get_bytes(const char **p, const char *end, Size len)
{
	const char *r = *p;

	if ((Size) (end - *p) < len)
		ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED), errmsg("laminar snapshot is truncated"),
						errhint("The snapshot was not written by this version of Laminar.")));
	*p += len;
	return r;
}

/* lm_snap_get_int64 reads a 64-bit integer. */
int64
lm_snap_get_int64(const char **p, const char *end)
{
	int64 v;

	memcpy(&v, lm_snap_get_bytes(p, end, sizeof(v)), sizeof(v));
	return v;
}

/*
 * lm_snap_put_datum appends a datum: a NULL flag, then by value its 8
 * bytes, by reference its length and bytes (a varlena detoasted and
 * flattened, with a 4-byte header; a cstring with its terminator).
 */
void
lm_snap_put_datum(StringInfo buf, Datum d, bool isnull, bool byval, int16 len)
{
	lm_snap_put_int64(buf, isnull ? 1 : 0);
	if (isnull)
		return;
	if (byval)
	{
		lm_snap_put_int64(buf, (int64) d);
		return;
	}
	if (len == -1)
		d = PointerGetDatum(PG_DETOAST_DATUM(d)); /* also flattens an expanded object */
	lm_snap_put_int64(buf, (int64) datumGetSize(d, false, len));
	lm_snap_put_bytes(buf, DatumGetPointer(d), datumGetSize(d, false, len));
}

/*
 * lm_snap_get_datum reads a datum written by lm_snap_put_datum, copying a
 * by-reference value into the current memory context.
 */
Datum
lm_snap_get_datum(const char **p, const char *end, bool *isnull, bool byval, int16 len)
{
	int64 sz;
	char *v;

	*isnull = lm_snap_get_int64(p, end) != 0;
	if (*isnull)
		return (Datum) 0;
	if (byval)
		return (Datum) lm_snap_get_int64(p, end);
	sz = lm_snap_get_int64(p, end);
	if (sz < 0 || sz > MaxAllocSize)
		ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
						errmsg("laminar snapshot holds a value of invalid size"),
						errhint("The snapshot was not written by this version of Laminar.")));
	v = palloc(sz);
	memcpy(v, lm_snap_get_bytes(p, end, sz), sz);
	return PointerGetDatum(v);
}

/*
 * lm_graph_snapshot writes the state of every stateful operator: a header
 * (magic, format version, operator count), then per operator its kind and
 * a length-prefixed body in the operator's own format.
 */
void
lm_graph_snapshot(LmGraph *g, StringInfo buf)
{
	lm_snap_put_int64(buf, LM_SNAPSHOT_MAGIC);
	lm_snap_put_int64(buf, LM_SNAPSHOT_VERSION);
	lm_snap_put_int64(buf, g->nops);
	lm_snap_put_int64(buf, g->horizon);
	for (int i = 0; i < g->nops; i++)
	{
		LmOp *op = g->ops[i];
		int lenpos;
		int start;
		int64 len;

		lm_snap_put_int64(buf, op->kind);
		lenpos = buf->len;
		lm_snap_put_int64(buf, 0);
		start = buf->len;
		if (op->methods->snapshot)
			op->methods->snapshot(op, buf);
		len = buf->len - start;
		memcpy(buf->data + lenpos, &len, sizeof(len));
	}
}

/*
 * lm_graph_restore loads a snapshot written by lm_graph_snapshot of the
 * same view into a freshly built graph.
 */
void
lm_graph_restore(LmGraph *g, const char *data, Size size)
{
	const char *p = data;
	const char *end = data + size;
	int64 nops;

	if (lm_snap_get_int64(&p, end) != LM_SNAPSHOT_MAGIC)
		ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED), errmsg("not a laminar snapshot"),
						errhint("The snapshot was not written by Laminar.")));
	if (lm_snap_get_int64(&p, end) != LM_SNAPSHOT_VERSION)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("laminar snapshot format version is not supported"),
						errhint("Snapshots are read by the version of Laminar that wrote them.")));
	nops = lm_snap_get_int64(&p, end);
	if (nops != g->nops)
		ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
						errmsg("laminar snapshot has %lld operators, the view has %d",
							   (long long) nops, g->nops),
						errhint("A snapshot is restored into the view it was taken of.")));
	g->horizon = lm_snap_get_int64(&p, end);
	for (int i = 0; i < g->nops; i++)
	{
		LmOp *op = g->ops[i];
		int64 kind = lm_snap_get_int64(&p, end);
		int64 len = lm_snap_get_int64(&p, end);
		const char *body;

		if (kind != op->kind || len < 0)
			ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
							errmsg("laminar snapshot does not match operator %d of the view", i),
							errhint("A snapshot is restored into the view it was taken of.")));
		body = lm_snap_get_bytes(&p, end, len);
		if (op->methods->restore)
			op->methods->restore(op, body, len);
	}
}

/*
 * lm_graph_describe writes a line describing each operator into the view's
 * shared slot, where laminar.explain reads it with the counters.  Every
 * worker running the view writes the same lines.
 */
void
lm_graph_describe(LmGraph *g)
{
	char desc[LM_MAX_OPS][LM_OP_DESC_LEN];

	if (g->stats == NULL)
		return;
	for (int i = 0; i < g->nops; i++)
	{
		StringInfoData s;

		initStringInfo(&s);
		g->ops[i]->methods->explain(g->ops[i], &s);
		strlcpy(desc[i], s.data, LM_OP_DESC_LEN);
		pfree(s.data);
	}
	SpinLockAcquire(&g->stats->mutex);
	for (int i = 0; i < g->nops; i++)
	{
		memcpy(g->stats->ops[i].desc, desc[i], LM_OP_DESC_LEN);
		g->stats->ops[i].kind = g->ops[i]->kind;
	}
	g->stats->nops = g->nops;
	SpinLockRelease(&g->stats->mutex);
}
