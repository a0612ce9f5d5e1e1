/*-------------------------------------------------------------------------
 *
 * laminar.h
 *	  Declarations shared by every Laminar subsystem.
 *
 * Naming: every exported symbol starts with lm_ (functions, variables) or
 * Lm (types); constants are LM_UPPER_CASE.  Each subsystem keeps a second
 * prefix: lm_ring_, lm_prod_ and lm_route_ (ingest), lm_ddl_ and
 * lm_querydef_ (query language), lm_plan_/lm_compile_ (planning), lm_cat_
 * (catalog), lm_graph_ and lm_op_ (the operator graph), one per operator
 * (lm_source_, lm_window_, lm_calc_, lm_agg_ with lm_aggfn_, lm_sink_),
 * lm_view_ (a view's runtime), lm_worker_, lm_launcher_.
 * The operators' own declarations are in ops/op.h and ops/ops.h, the
 * ring records in ring/record.h.
 *
 * Shared memory (struct LmShared) is laid out once by the postmaster in
 * shmem.c.  Its ownership rules:
 *	- LmWorkerShared[i] is written by stream worker i (its counters, pid,
 *	  placement) and by the launcher (restarts); text fields under mutex;
 *	- LmStreamShared / LmViewShared slots are claimed and released under
 *	  the laminar "slots" LWLock, counters are atomics written lock-free;
 *	- producer slots are claimed under the "producers" LWLock, once per
 *	  backend lifetime, and released at backend exit;
 *	- rings are single-producer single-consumer (see ring/ring.h).
 *
 *-------------------------------------------------------------------------
 */
#ifndef LAMINAR_H
#define LAMINAR_H

#include "postgres.h"

#include "port/atomics.h"
#include "storage/lockdefs.h"
#include "storage/lwlock.h"
#include "storage/spin.h"
#include "utils/timestamp.h"
#include "ring/ring.h"

#define LM_MAX_WORKERS 64
#define LM_MAX_STREAMS 256
#define LM_MAX_VIEWS 1024
#define LM_ERRMSG_LEN 256

/* ---------------------------------------------------------------------
 * Settings (guc.c)
 * ---------------------------------------------------------------------
 */
typedef enum LmBackpressure
{
	LM_BACKPRESSURE_BLOCK,
	LM_BACKPRESSURE_ERROR
} LmBackpressure;

extern char *lm_database;
extern int lm_workers;
extern bool lm_cpu_pinning;
extern int lm_ring_size_kb;
extern int lm_flush_interval_ms;
extern int lm_backpressure;
extern int lm_backpressure_timeout_ms;
extern int lm_max_producers;
extern int lm_view_timeout_ms;
extern int lm_work_mem_kb;
extern bool lm_debug_snapshot_cycle;
extern int lm_max_windows_per_event;
extern int lm_max_session_length_s;
extern int lm_max_flush_delay_ms;

extern void lm_guc_define(void);

#include "ring/record.h"

/* LmProducerShared.commit_floor while the producer is not committing */
#define LM_NO_COMMIT PG_UINT64_MAX

/* ---------------------------------------------------------------------
 * Shared memory (shmem.c)
 * ---------------------------------------------------------------------
 */
typedef struct LmWorkerShared
{
	slock_t mutex; /* protects the text fields */
	int pid;	   /* 0 when not running */
	int procno;	   /* PGPROC number, for SetLatch; -1 if none */
	int cpu;	   /* pinned CPU, -1 if not pinned */
	int numa_node; /* NUMA node of its memory, -1 unknown */
	bool pinned;
	int restarts; /* starts after the first one */
	TimestampTz started_at;
	pg_atomic_uint64 events_in;
	pg_atomic_uint64 groups_held;
	pg_atomic_uint64 emit_done;	   /* last flush generation fully emitted */
	char placement[LM_ERRMSG_LEN]; /* how affinity/NUMA were set up */
	char last_error[LM_ERRMSG_LEN];
	Oid last_error_view; /* result table the last error came from, or 0 */
} LmWorkerShared;

typedef struct LmStreamShared
{
	Oid dboid;
	Oid relid;				 /* InvalidOid: slot free */
	pg_atomic_uint64 max_ts; /* largest committed event time (int64) */
	pg_atomic_uint64 events_in;
	uint64 created; /* lm_shared->slot_clock when claimed (under slots_lock) */
} LmStreamShared;

/* most operators a view's graph holds (their counters are in LmViewShared) */
#define LM_MAX_OPS 8

/* what laminar.explain shows of one operator, summed over the workers */
#define LM_OP_DESC_LEN 256
typedef struct LmOpShared
{
	char desc[LM_OP_DESC_LEN]; /* the operator, as its view's worker describes it
								* (under the view slot's mutex) */
	int kind;				   /* its LmOpKind (under the mutex) */
	pg_atomic_uint64 rows_in;
	pg_atomic_uint64 rows_out;
	pg_atomic_uint64 groups; /* each worker adds the change of what it holds */
	pg_atomic_uint64 bytes;
} LmOpShared;

typedef struct LmViewShared
{
	Oid dboid;
	int32 view_id;	/* 0: slot free */
	uint64 created; /* lm_shared->slot_clock when claimed (under slots_lock) */
	pg_atomic_uint64 events_in;
	pg_atomic_uint64 late_events;
	pg_atomic_uint64 null_time_events;
	pg_atomic_uint64 rows_emitted;
	pg_atomic_uint32 failed;		 /* set by the first worker the view fails on */
	pg_atomic_uint64 skipped_events; /* events that raised a data error */
	pg_atomic_uint64 skipped_rows;	 /* result rows that could not be written */
	pg_atomic_uint64 timeouts;		 /* times it exceeded laminar.view_timeout */
	slock_t mutex;
	char last_error[LM_ERRMSG_LEN];
	char last_skip[LM_ERRMSG_LEN]; /* sample: the latest skipped event or row */
	int nops;					   /* operators described in ops (under mutex) */
	pg_atomic_uint64 restores;	   /* graphs rebuilt from a snapshot */
	LmOpShared ops[LM_MAX_OPS];	   /* per operator of the view's graph */
} LmViewShared;

typedef struct LmProducerShared
{
	int pid; /* 0: slot free */
	int procno;
	/*
	 * While the slot's backend is between taking a commit sequence number
	 * and publishing its COMMIT/WATERMARK records: a lower bound of that
	 * number (commit_seq read before the fetch-add); LM_NO_COMMIT otherwise.
	 */
	pg_atomic_uint64 commit_floor;
} LmProducerShared;

typedef struct LmShared
{
	int nworkers;
	int nproducers;
	uint64 ring_capacity;
	Size ring_stride;
	Size rings_offset;			  /* from the start of LmShared */
	int launcher_procno;		  /* -1 when not running */
	pg_atomic_uint64 catalog_gen; /* bumped at commit of any Laminar DDL */
	pg_atomic_uint64 flush_gen;	  /* bumped by laminar.flush() */
	pg_atomic_uint64 commit_seq;  /* next commit sequence number */
	pg_atomic_uint32 paused;	  /* DROP DATABASE in progress */
	pg_atomic_uint64 slot_clock;  /* counts stream and view slots claimed */
	LWLock *slots_lock;
	LWLock *producers_lock;
	LmWorkerShared workers[LM_MAX_WORKERS];
	LmStreamShared streams[LM_MAX_STREAMS];
	LmViewShared views[LM_MAX_VIEWS];
	LmProducerShared producers[FLEXIBLE_ARRAY_MEMBER];
} LmShared;

extern LmShared *lm_shared;

extern void lm_shmem_install_hooks(void);
extern bool lm_shmem_ready(void);
extern void lm_require_loaded(void);
extern LmRing *lm_ring_get(int producer, int worker);
extern LmStreamShared *lm_stream_slot(Oid relid, bool create);
extern LmViewShared *lm_view_slot(int32 view_id, bool create);
extern void lm_view_slot_release_missing(int32 *live_ids, int nlive, uint64 before);
extern void lm_stream_slot_release_missing(Oid *live, int nlive, uint64 before);
extern void lm_slots_release_database(Oid dboid);
extern void lm_wake_worker(int worker);
extern void lm_wake_all_workers(void);
extern void lm_set_worker_error(int worker, const char *msg);
extern void lm_set_worker_view_error(int worker, Oid view_relid, const char *msg);
extern void lm_set_view_error(LmViewShared *slot, const char *msg);
extern void lm_set_view_skip(LmViewShared *slot, const char *msg);

/* ---------------------------------------------------------------------
 * Ingest (ingest/producer.c, ingest/fdw.c)
 * ---------------------------------------------------------------------
 */
struct TupleTableSlot;
struct LmStreamRoute;
extern void lm_prod_register_callbacks(void);
extern struct LmStreamRoute *lm_prod_begin_statement(Oid relid);
extern void lm_prod_insert(struct LmStreamRoute *route, struct TupleTableSlot *slot);
extern bool lm_prod_xact_has_events(void);
extern void lm_prod_advance_watermark(Oid relid, int64 wm);

/* ---------------------------------------------------------------------
 * Catalog (catalog/catalog.c): every query Laminar runs for itself pins
 * search_path to LM_SAFE_SEARCH_PATH and schema-qualifies its operators,
 * functions and casts; a view runs as its result table's current owner.
 * The catalog tables, their structs and the catalog generation:
 * catalog/catalog.h.
 * ---------------------------------------------------------------------
 */
#define LM_SAFE_SEARCH_PATH "pg_catalog, pg_temp"

extern int lm_cat_push_search_path(const char *path);
extern void lm_cat_pop_search_path(int level);
extern Oid lm_cat_view_role(Oid result_relid);

/* ---------------------------------------------------------------------
 * Worker, launcher (worker/)
 * ---------------------------------------------------------------------
 */
PGDLLEXPORT void lm_launcher_main(Datum arg);
PGDLLEXPORT void lm_worker_main(Datum arg);
extern void lm_launcher_register(void);
extern void lm_worker_absorb(void);
/* worker/lock.c: a user table's lock, taken as a stream worker should */
extern bool lm_worker_polls_locks;
extern void lm_worker_lock_table(Oid relid, LOCKMODE mode);
extern void lm_affinity_apply(int worker, char *placement, Size len, int *cpu, int *numa_node,
							  bool *pinned);

/* ---------------------------------------------------------------------
 * Misc
 * ---------------------------------------------------------------------
 */
extern int64 lm_clock_now_us(void); /* util/clock.c, a seam for tests */

/* stored timestamp value for "no event time seen" */
#define LM_NO_TIME PG_INT64_MIN

/*
 * A view's window (ops/window.c; stored in laminar._views as window_kind,
 * window_size, window_slide and window_offset).  Windows are aligned to the
 * UTC epoch plus offset: TUMBLE and HOP windows start at epoch + offset +
 * k * slide (TUMBLE: slide = size), CUMULATE windows at epoch + offset +
 * k * size and end at every step (slide) after that, up to size.
 */
typedef enum LmWindowKind
{
	LM_WINDOW_NONE = 0,
	LM_WINDOW_TUMBLE,
	LM_WINDOW_HOP,
	LM_WINDOW_CUMULATE,
	LM_WINDOW_SESSION /* per key; assigned and merged by the Aggregate */
} LmWindowKind;

typedef struct LmWindowSpec
{
	LmWindowKind kind;
	int64 size;		/* TUMBLE, HOP: the window's length; CUMULATE: max_size;
					 * SESSION: the gap */
	int64 slide;	/* HOP: slide; CUMULATE: step; TUMBLE: = size;
					 * SESSION: the maximum length (0: none) */
	int64 offset;	/* 0 <= offset < the alignment unit (lm_window_unit) */
	int64 lateness; /* ALLOW LATENESS, microseconds (0: none) */
} LmWindowSpec;

#endif /* LAMINAR_H */
