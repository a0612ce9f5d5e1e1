/*-------------------------------------------------------------------------
 *
 * view.h
 *	  A continuous view as one stream worker runs it: who it runs as, with
 *	  which settings, and its operator graph (ops/op.h).
 *
 * The planner (query/plan.c) builds it from the view's catalog row; the
 * worker (worker/worker.c) drives its graph.  Everything a view owns lives
 * in its memory context (cxt).  The struct is process-local to the worker
 * that owns it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LAMINAR_VIEW_H
#define LAMINAR_VIEW_H

#include "nodes/parsenodes.h"

#include "laminar.h"
#include "catalog/catalog.h"
#include "ops/op.h"

typedef struct LmStreamWm
{
	Oid relid;
	int64 wm; /* current watermark, LM_NO_TIME if none */
	/*
	 * idle_timeout (CREATE STREAM ... WITH): once no commit to the stream
	 * has arrived for idle_us, the watermark moves on at wall-clock rate
	 * from arrived_wm, the watermark at the last arrival (last_arrival_us,
	 * lm_clock_now_us); 0: never
	 */
	int64 idle_us;
	int64 arrived_wm;
	int64 last_arrival_us;
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
	LmEmitMode emit;
	bool emit_close;	 /* ON WINDOW CLOSE or FINAL: rows appended once */
	int64 emit_every_us; /* EMIT EVERY: its period (0: none) */
	int64 next_every;	 /* ... when its next emit is due (lm_clock_now_us) */
	bool failed;
	char *timezone;
	char *datestyle;
	char *intervalstyle;
	LmViewShared *stats;
	LmStreamWm *wm;			/* the worker's watermark of our stream */
	struct LmOp *late_sink; /* LATE DATA TO: the late-data table's Sink */

	MemoryContext cxt;
	LmGraph *graph;
	LmOp *agg;	/* the graph's Aggregate, NULL for stateless views */
	LmOp *sink; /* the graph's sink */

	/* the worker's bookkeeping of the view */
	struct LmViewCatalog *cat; /* the catalog row it was compiled from */
	bool touched;			   /* saw input since its last snapshot cycle */
	bool queued;			   /* has input waiting (worker.c) */
	struct LmView *next_queued;
	int timeouts_in_row;   /* laminar.view_timeout hits in a row ... */
	int64 last_timeout_us; /* ... each less than a minute after the last */
} LmView;

/* query/plan.c */
extern LmView *lm_view_compile(LmViewCatalog *cat, MemoryContext parent);
extern void lm_view_free(LmView *v);
extern void lm_query_check_rights(Query *q, Oid stream, Oid role);
extern void lm_view_check_rights(LmView *v, Oid role);
extern void lm_view_set_owner(LmView *v, Oid owner);

/* worker/view.c */
extern void lm_view_enter(LmView *v, Oid *save_uid, int *save_sec);
extern void lm_view_leave(LmView *v, Oid save_uid, int save_sec);
extern void lm_view_forget_settings(void);

/* worker/worker.c: the time a view holds the worker (laminar.view_timeout) */
extern void lm_worker_hold_begin(LmView *v);
extern bool lm_worker_hold_end(void);

#endif /* LAMINAR_VIEW_H */
