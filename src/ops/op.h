/*-------------------------------------------------------------------------
 *
 * op.h
 *	  The operator interface: a continuous view is a graph of operators
 *	  that hand each other batches of changes.
 *
 * A change is a row, the event time it derives from, and a weight: +1
 * inserts the row, -1 retracts it.  Rows in a batch are arrays of natts
 * values (values[i * natts + c]), ready to form a tuple from; a batch of
 * stream events holds each event's columns, deformed once by the Source
 * (by-reference values point into the event as staged, which stays put
 * while the batch runs).  Every operator has the same methods,
 *in the spirit of the executor's init/exec/end split (execProcnode.c): the graph driver
 *(ops/graph.c) calls them, and an operator hands its output to the graph (lm_op_forward), never to
 *another operator or a sink directly.
 *
 *	push		takes a batch on an input port; stateless operators transform
 *				it, the aggregate folds it into its groups
 *	watermark	the input's event time has passed wm: close what it closes
 *				(may emit changes)
 *	flush		emits what is pending (the aggregate: changed groups; a
 *				sink: writes its rows), at most budget rows; returns whether
 *				work remains
 *	settle		the step that emitted or wrote ended: committed, or rolled
 *				back, in which case the operator returns to its state at the
 *				step's start (see "Steps" below)
 *	undo		puts back the row whose processing raised an error (in->pos)
 *	snapshot / restore	its state to and from the byte format of
 *				ops/README.md
 *	reset		drops all state (the view stopped)
 *	explain		one line describing the operator and what it holds
 *	end			releases everything
 *
 * Steps.  Events are pushed in the worker's pass transaction, which writes
 * nothing.  Closing windows and emitting run in a subtransaction of the view
 * ("a step"): lm_graph_watermark / lm_graph_flush, then lm_graph_settle.
 * settle(false) puts every operator back where it stood at the step's start,
 * so that the step can run again (carefully, after a data error).
 *
 * Errors.  An operator processes input row in->pos and only then advances
 * in->pos; it forwards its output only between rows.  When an error escapes
 * a push, the worker rolls back, calls lm_graph_skip_failed (the failing
 * operator undoes its row, which is skipped and counted) and
 * lm_graph_resume, which continues every interrupted push where it stood.
 *
 * Memory.  Rows in a batch are valid until the push or step that made them
 * ends; an operator that keeps one longer copies it.  Nothing on the push
 * path allocates per row except state that grows (a new group) and what
 * the view's own functions allocate in the per-tuple memory, reset per
 * batch.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LAMINAR_OP_H
#define LAMINAR_OP_H

#include "common/int.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "nodes/execnodes.h"
#include "utils/resowner.h"

#include "laminar.h"

/* rows per batch: enough to amortise calls, small enough to stay in cache */
#define LM_BATCH_SIZE 1024

/* the first 8 bytes of a snapshot, and the version of its format */
#define LM_SNAPSHOT_MAGIC INT64CONST(0x314e5350414e494c) /* "LINAPSN1" */
#define LM_SNAPSHOT_VERSION 1

typedef struct LmBatch
{
	int n;	   /* rows */
	int cap;   /* rows it can hold */
	int pos;   /* the consumer's position: rows before it are processed */
	int natts; /* columns per row (0 for event batches) */
	Datum *values;
	bool *isnull;
	MinimalTuple *tuples; /* the graph's input: stream events as stored */
	int64 *ts;			  /* event time of each row (LM_NO_TIME: none) */
	int64 *wstart;		  /* its window, in windowed graphs */
	int64 *wend;
	int8 *weight; /* +1 insert, -1 retract */
} LmBatch;

#define LM_BATCH_VAL(b, c, i) ((b)->values[(i) * (b)->natts + (c)])
#define LM_BATCH_NULL(b, c, i) ((b)->isnull[(i) * (b)->natts + (c)])

/*
 * lm_batch_copy_meta copies the time, window and weight of row si of src
 * to row di of dst.
 */
static inline void
lm_batch_copy_meta(LmBatch *dst, int di, const LmBatch *src, int si)
{
	dst->ts[di] = src->ts[si];
	dst->wstart[di] = src->wstart[si];
	dst->wend[di] = src->wend[si];
	dst->weight[di] = src->weight[si];
}

/*
 * lm_batch_copy_row copies the values of row si of src to row di of dst
 * (same number of columns); rows are short, so a loop beats memcpy.
 */
static inline void
lm_batch_copy_row(LmBatch *dst, int di, const LmBatch *src, int si)
{
	Datum *dv = &dst->values[di * dst->natts];
	bool *dn = &dst->isnull[di * dst->natts];
	const Datum *sv = &src->values[si * src->natts];
	const bool *sn = &src->isnull[si * src->natts];

	for (int c = 0; c < src->natts; c++)
	{
		dv[c] = sv[c];
		dn[c] = sn[c];
	}
}

typedef enum LmOpKind
{
	LM_OP_SOURCE,
	LM_OP_WINDOW,
	LM_OP_CALC,
	LM_OP_AGG,
	LM_OP_SINK_UPSERT,
	LM_OP_SINK_APPEND
} LmOpKind;

struct LmOp;
struct LmGraph;

typedef struct LmOpMethods
{
	const char *name;
	void (*push)(struct LmOp *op, int port, LmBatch *in);
	void (*watermark)(struct LmOp *op, int64 wm);
	bool (*flush)(struct LmOp *op, int budget);
	int64 (*settle)(struct LmOp *op, bool committed);
	void (*undo)(struct LmOp *op);
	void (*snapshot)(struct LmOp *op, StringInfo buf);
	void (*restore)(struct LmOp *op, const char *data, Size len);
	void (*reset)(struct LmOp *op);
	void (*explain)(struct LmOp *op, StringInfo line);
	void (*end)(struct LmOp *op);
} LmOpMethods;

/* the state every operator starts with (like PlanState) */
typedef struct LmOp
{
	LmOpKind kind;
	const LmOpMethods *methods;
	struct LmGraph *graph;
	int index;		  /* in graph->ops */
	int output;		  /* index of the operator it feeds, -1 for a sink */
	int output_port;  /* and on which input port */
	LmBatch out;	  /* its output, handed on by lm_op_forward */
	int side;		  /* index of the operator its side output feeds, or -1 */
	LmBatch side_out; /* the side output (the Source's late events), handed
					   * on by lm_op_forward_side */
	LmBatch *in;	  /* the batch a running push works on */
	uint64 rows_in;	  /* counters since the last publish */
	uint64 rows_out;
	int64 groups;	   /* state held: groups or rows */
	int64 pub_groups;  /* ... as last published to the view's slot */
	int64 pub_bytes;   /* memory held, as last published */
	MemoryContext cxt; /* everything the operator owns */
} LmOp;

/* the graph of one view, as one worker runs it */
typedef struct LmGraph
{
	int nops;
	LmOp *ops[LM_MAX_OPS]; /* in topological order: sources first */
	MemoryContext cxt;
	EState *estate;		   /* expression evaluation for every operator */
	ExprContext *econtext; /* its per-tuple memory: reset per batch */
	ParamExecData *params; /* PARAM_EXEC values: aggregates, keys, window */
	int param_ws;		   /* window_start's parameter */
	int param_we;		   /* window_end's parameter */
	LmBatch input;		   /* stream events waiting to be pushed */
	MemoryContext stepcxt; /* rows made by a step, reset when it settles */
	int64 *wm;			   /* the worker's watermark of the input stream */
	int64 horizon;		   /* windows ending at or before it are closed for
							* good (laminar._horizons); LM_NO_TIME if none */
	int64 window_us;	   /* the view's window size, 0 if none */
	LmWindowSpec window;   /* the view's window (kind NONE if none) */
	bool careful;		   /* steps write row by row where a batch fails */
	bool in_step;		   /* a step (watermark, flush) is running */
	struct LmViewShared *stats;

	/* a push interrupted by an error: the operators it ran through */
	int depth;
	LmOp *stack[LM_MAX_OPS];
	LmBatch *stack_in[LM_MAX_OPS];
	int stack_port[LM_MAX_OPS];

	/* counters of the source not yet published */
	uint64 pend_late;
	uint64 pend_null;
	uint64 nskipped; /* events and rows skipped on this worker */
} LmGraph;

/*
 * lm_graph_free_wm returns the watermark less the view's allowed lateness:
 * an event below it is late, and a window ending at or before it is done
 * for good (its state is freed).  LM_NO_TIME stays LM_NO_TIME; a result
 * below the int64 range is the smallest time after LM_NO_TIME.
 */
static inline int64
lm_graph_free_wm(const LmGraph *g, int64 wm)
{
	int64 r;

	if (wm == LM_NO_TIME || g->window.lateness == 0)
		return wm;
	if (pg_sub_s64_overflow(wm, g->window.lateness, &r) || r == LM_NO_TIME)
		return LM_NO_TIME + 1;
	return r;
}

/* ops/graph.c: building and driving a graph */
extern LmGraph *lm_graph_create(MemoryContext parent);
extern void lm_graph_add(LmGraph *g, LmOp *op);
extern void lm_op_init(LmOp *op, LmGraph *g, LmOpKind kind, const LmOpMethods *m, int natts);
extern void lm_batch_init(LmBatch *b, MemoryContext cxt, int cap, int natts);
extern void lm_batch_reset(LmBatch *b);
extern void lm_op_forward(LmOp *op);
extern void lm_op_forward_side(LmOp *op);
extern void lm_op_set_side(LmOp *op, LmOp *to, int natts);
extern void lm_graph_add_detached(LmGraph *g, LmOp *op);
extern void lm_graph_push(LmGraph *g, LmBatch *in);
extern bool lm_graph_skip_failed(LmGraph *g);
extern void lm_graph_abandon(LmGraph *g);
extern void lm_graph_resume(LmGraph *g);
extern bool lm_graph_running(LmGraph *g);
extern void lm_graph_watermark(LmGraph *g, int64 wm);
extern bool lm_graph_flush(LmGraph *g, int budget, bool sinks_only);
extern int64 lm_graph_settle(LmGraph *g, bool committed);
extern void lm_graph_end_batch(LmGraph *g);
extern void lm_graph_reset(LmGraph *g);
extern void lm_graph_end(LmGraph *g);
extern int64 lm_graph_groups(LmGraph *g);
extern void lm_graph_snapshot(LmGraph *g, StringInfo buf);
extern void lm_graph_restore(LmGraph *g, const char *data, Size len);
extern void lm_graph_describe(LmGraph *g);
extern void lm_graph_publish(LmGraph *g);
extern void lm_graph_unpublish(LmGraph *g);
extern void lm_graph_skip_row(LmGraph *g, const char *msg, bool again);
extern void lm_graph_sub_begin(MemoryContext *cxt, ResourceOwner *owner);
extern void lm_graph_sub_end(MemoryContext cxt, ResourceOwner owner);
extern ErrorData *lm_graph_sub_abort(MemoryContext cxt, ResourceOwner owner);
extern bool lm_error_is_data(int sqlerrcode);

/*
 * lm_graph_input adds a committed stream event to the graph's input batch
 * (no copy: the tuple must stay where it is until the batch is pushed);
 * returns whether the batch is full.
 */
static inline bool
lm_graph_input(LmGraph *g, MinimalTuple tup)
{
	if (unlikely(g->input.n >= g->input.cap || g->depth > 0))
		elog(ERROR, "laminar: input of a view's graph added while it is full or running");
	g->input.tuples[g->input.n++] = tup;
	return g->input.n == g->input.cap;
}

/*
 * The windows an operator holds state for, by end then start (ops/graph.c):
 * an array of pointers to structs that start with an LmWindowHead.
 */
typedef struct LmWindowHead
{
	int64 start; /* window_start (0 for unwindowed views) */
	int64 end;	 /* window_end */
} LmWindowHead;

extern void *lm_windows_find(void **wins, int n, int64 start, int64 end);
extern void **lm_windows_add(void **wins, int *n, int *cap, void *win, MemoryContext cxt);
/* the largest memory block of a window's context (below malloc's mmap threshold) */
#define LM_WINDOW_MAXBLOCK (64 * 1024)

/* snapshot helpers (ops/graph.c) */
extern void lm_snap_put_int64(StringInfo buf, int64 v);
extern void lm_snap_put_bytes(StringInfo buf, const void *p, Size len);
extern int64 lm_snap_get_int64(const char **p, const char *end);
extern const char *lm_snap_get_bytes(const char **p, const char *end, Size len);
extern void lm_snap_put_datum(StringInfo buf, Datum d, bool isnull, bool byval, int16 len);
extern Datum lm_snap_get_datum(const char **p, const char *end, bool *isnull, bool byval,
							   int16 len);

#endif /* LAMINAR_OP_H */
