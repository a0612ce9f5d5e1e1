/*-------------------------------------------------------------------------
 *
 * view.h
 *	  The runtime of one continuous view inside one stream worker: a chain
 *	  of operators  lateness -> window assign -> filter -> group/aggregate
 *	  -> emit.
 *
 * A view is compiled by query/compile.c from its stored SQL, holds its
 * state in ops/agg.c and writes results through emit/emit.c.  Everything a
 * view owns lives in its memory context (cxt); each open window has a
 * child context, so closing a window is one MemoryContextDelete.  Per-event
 * work uses only the per-tuple memory of the view's ExprContext, reset in
 * batches.  The struct is process-local to the worker that owns it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LAMINAR_VIEW_H
#define LAMINAR_VIEW_H

#include "executor/executor.h"
#include "executor/spi.h"
#include "nodes/execnodes.h"

#include "laminar.h"
#include "catalog/catalog.h"

/* one aggregate of the view, set up like nodeAgg's per-transition data */
typedef struct LmAggSpec
{
	Oid aggfnoid;
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
	ExprState **args;
	ExprState *filter;
	Oid collation;
	FmgrInfo transfn;
	FmgrInfo finalfn;
	FunctionCallInfo transcall;
	FunctionCallInfo finalcall;
	bool skip; /* this event: FILTER said no (set before any transition) */
} LmAggSpec;

typedef struct LmAggVal
{
	Datum value;
	bool isnull;
	bool notrans; /* no transition value yet (strict, no initval) */
} LmAggVal;

typedef struct LmGroup
{
	struct LmGroup *next_dirty;
	MinimalTuple key;	 /* the group's key values (hash table copy) */
	ItemPointerData tid; /* its row in the result table, if known */
	uint32 tid_gen;		 /* ... valid while equal to LmView.tid_gen */
	bool in_table;		 /* a row for it has been written */
	bool dirty;
	bool seen;		  /* an event reached its aggregates (not only a failed one) */
	bool emit_failed; /* its row failed at the last emit: retried, counted once */
	LmAggVal vals[FLEXIBLE_ARRAY_MEMBER];
} LmGroup;

typedef struct LmWindow
{
	int64 start; /* window_start (0 for unwindowed views) */
	int64 end;	 /* window_end, in range (checked when the window is made) */
	MemoryContext cxt;
	TupleHashTable table; /* NULL when the view has no plain keys */
	LmGroup *single;	  /* the one group when there are no keys */
	LmGroup *dirty;		  /* groups changed since the last emit */
	LmGroup *pending;	  /* emitted in the running subtransaction, still dirty */
	int64 ngroups;
} LmWindow;

typedef struct LmStreamWm
{
	Oid relid;
	int64 wm; /* current watermark, LM_NO_TIME if none */
} LmStreamWm;

typedef struct LmView
{
	int32 id;
	Oid result_relid;
	Oid stream_relid;
	Oid owner;	  /* the result table's owner it was checked for */
	Query *query; /* the stored analysed query, to re-check rights */
	int guc_nest; /* GUC nest level while entered (lm_view_enter) */
	LmViewKind kind;
	bool emit_close;
	bool failed;
	int64 window_us;
	AttrNumber ts_attnum; /* stream attribute of event time */
	char *timezone;
	char *datestyle;
	char *intervalstyle;
	LmViewShared *stats;
	LmStreamWm *wm; /* the worker's watermark of our stream */
	int64 horizon;	/* windows ending at or before it are closed for
					 * good, also across restarts (laminar._horizons);
					 * LM_NO_TIME if none (set by worker.c) */

	MemoryContext cxt;
	MemoryContext tmpcxt; /* transition-call scratch, reset per batch */
	EState *estate;
	ExprContext *econtext;
	TupleTableSlot *evslot; /* an event, as a stream row */
	ParamExecData *params;	/* aggregates, keys, window bounds */
	int param_ws;
	int param_we;
	ExprState *qual;

	/* grouping */
	int nkeys;
	ExprState **keyexprs;
	TupleDesc keydesc;
	TupleTableSlot *keyslot; /* input to the hash table */
	TupleTableSlot *keyread; /* deforms a stored key */
	AttrNumber *keycolidx;
	Oid *eqfuncs;
	FmgrInfo *hashfns;
	Oid *keycoll;
	int naggs;
	LmAggSpec *aggs;
	AggState *fake_agg; /* makes AggCheckCallContext() succeed */
	Size group_size;

	/* windows, oldest first */
	LmWindow **wins;
	int nwins;
	int wins_cap;

	/* output */
	int nout;
	ExprState **outexprs;
	Oid *outtypes; /* the query's output types (never the table's) */
	int32 *outtypmods;
	int16 *outlen;
	bool *outbyval;
	char *outalign;
	Oid *outarraytypes; /* InvalidOid: passed as text[] and cast */
	FmgrInfo *outfuncs; /* output functions of the text[] columns */
	char **outnames;
	int nkeycols; /* first nkeycols of key_columns */
	char **keycols;

	/* stateless output rows waiting for the next emit */
	MemoryContext rowcxt;
	Datum **rowvals;
	bool **rownulls;
	int nrows;
	int rows_cap;

	SPIPlanPtr plan;	   /* upsert / insert / update of the result table */
	char *plan_target;	   /* the table's qualified name when plan was prepared */
	bool returning;		   /* the plan returns ctid (keyed ON UPDATE views) */
	AttrNumber *outattnum; /* result table attribute of each output */
	int *keyout;		   /* outputs that are key columns */
	int nkeyout;
	Oid tid_relnode; /* relfilenode the cached row TIDs refer to */
	uint32 tid_gen;	 /* bumped when cached TIDs become invalid */
	bool fresh;		 /* every row in the table was written by us */

	/* counters not yet added to the shared ones */
	uint64 pend_events;
	uint64 pend_late;
	uint64 pend_null;
	int64 ngroups;
	int since_reset;

	/* robustness (see worker.c): a failed event's undo, emit fallback */
	LmGroup *cur_group; /* group whose transitions are running */
	LmAggVal *savevals; /* its values before them */
	Datum *deferred;	/* replaced by-reference states, freed after them */
	int *deferred_agg;	/* ... and their aggregates */
	int ndeferred;
	bool careful;		   /* emit row by row where a batch fails */
	int timeouts_in_row;   /* laminar.view_timeout hits in a row ... */
	int64 last_timeout_us; /* ... each less than a minute after the last */
	uint64 nskipped;	   /* events and rows skipped on this worker */
} LmView;

/* query/compile.c */
extern LmView *lm_view_compile(LmViewCatalog *cat, MemoryContext parent);
extern void lm_view_free(LmView *v);
extern void lm_query_check_rights(Query *q, Oid stream, Oid role);
extern void lm_view_check_rights(LmView *v, Oid role);
extern void lm_view_set_owner(LmView *v, Oid owner);

/* ops/agg.c */
extern void lm_agg_event(LmView *v, MinimalTuple tup);
extern void lm_agg_end_batch(LmView *v);
extern bool lm_agg_has_dirty(LmView *v);
extern void lm_agg_close_windows(LmView *v);
extern bool lm_agg_has_closable(LmView *v);
extern int64 lm_agg_horizon(LmView *v);
extern void lm_agg_emit_dirty(LmView *v);
extern void lm_agg_undo_event(LmView *v);
extern int64 lm_agg_emit_settle(LmView *v, bool committed);

/* emit/emit.c */
extern void lm_emit_check_table(LmView *v, LOCKMODE lockmode, bool writing);
extern void lm_emit_prepare(LmView *v);
extern void lm_emit_groups(LmView *v, LmWindow *win, bool all_groups);
extern void lm_emit_rows(LmView *v);
extern void lm_view_enter(LmView *v, Oid *save_uid, int *save_sec);
extern void lm_view_leave(LmView *v, Oid save_uid, int save_sec);
extern void lm_view_forget_settings(void);
extern void lm_emit_skip_row(LmView *v, const char *msg);
extern bool lm_error_is_data(int sqlerrcode);

/* worker/worker.c: the time a view holds the worker (laminar.view_timeout) */
extern void lm_worker_hold_begin(LmView *v);
extern bool lm_worker_hold_end(void);

#endif /* LAMINAR_VIEW_H */
