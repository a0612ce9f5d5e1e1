/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  Laminar's own catalog (laminar._streams, laminar._views,
 *	  laminar._view_inputs, laminar._horizons): the one module that reads
 *	  and writes it, the structs a row becomes, and the catalog generation.
 *
 * Every statement on these tables is in catalog.c.  Its rows become
 * structs through one function per table (lm_cat_*_from_tuple, static in
 * catalog.c), which reads each column at its Anum_lm_* position; every
 * query the module runs builds its select list from a table indexed by the
 * same constants, so a position is never written by hand anywhere else.
 * The Anum constants number the columns as the module's queries list them,
 * not the tables' attnums: an upgraded laminar._views still holds 0.1.0's
 * dropped owner column (a trigger's row of the table itself is read by
 * column name: lm_cat_view_from_row).
 *
 * Note: this file shadows PostgreSQL's own "catalog/catalog.h" for code
 * built with -Isrc; Laminar includes no declaration from that header.
 * See src/catalog/README.md for the rules every query follows.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LAMINAR_CATALOG_H
#define LAMINAR_CATALOG_H

#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/timestamp.h"

#include "laminar.h"

/* ---------------------------------------------------------------------
 * Enums stored as text or "char" in the catalog; the text <-> enum
 * conversion is done only in catalog.c.
 * ---------------------------------------------------------------------
 */

/* laminar._views.kind: 'stateless', 'aggregate', 'window' */
typedef enum LmViewKind
{
	LM_VIEW_STATELESS,
	LM_VIEW_AGGREGATE,
	LM_VIEW_WINDOW
} LmViewKind;

/* laminar._views.window_kind: 'tumble', 'hop', 'cumulate' (LmWindowKind) */
extern LmWindowKind lm_cat_window_kind_from_text(const char *s);
extern const char *lm_cat_window_kind_text(LmWindowKind kind);

/*
 * laminar._views.emit: 'on update', 'on window close', 'after watermark',
 * 'final', 'every' (with emit_every), 'changes'
 */
typedef enum LmEmitMode
{
	LM_EMIT_ON_UPDATE,
	LM_EMIT_ON_WINDOW_CLOSE,
	LM_EMIT_AFTER_WATERMARK,
	LM_EMIT_FINAL,
	LM_EMIT_EVERY,
	LM_EMIT_CHANGES
} LmEmitMode;

/*
 * laminar._views.route: how the producer sends a view's events to workers
 * (the policy is in ingest/route.c).  Stored as a "char": 'k', 's', 'p'.
 */
typedef enum LmRouteMode
{
	LM_ROUTE_KEYS,	  /* hash of the group key columns */
	LM_ROUTE_SINGLE,  /* one worker per view */
	LM_ROUTE_PRODUCER /* stateless: the producer's own worker */
} LmRouteMode;

#define LM_MAX_ROUTE_KEYS 32

/* ---------------------------------------------------------------------
 * laminar._streams
 * ---------------------------------------------------------------------
 */
#define Anum_lm_streams_stream 1
#define Anum_lm_streams_ts_column 2
#define Anum_lm_streams_ts_attnum 3
#define Anum_lm_streams_watermark_delay 4
#define Anum_lm_streams_watermark_delay_us 5
/* 0.3.0 (read as NULL from an older catalog) */
#define Anum_lm_streams_idle_timeout 6
#define Natts_lm_streams 6

typedef struct LmStreamCatalog
{
	Oid relid;
	char *ts_column;	  /* WATERMARK column, NULL if none */
	AttrNumber ts_attnum; /* 0 if the stream has no WATERMARK */
	Datum delay;		  /* the interval, if has_wm */
	bool has_wm;		  /* watermark_delay_us is set */
	int64 delay_us;
	Datum idle_iv; /* idle_timeout, or (Datum) 0 */
	int64 idle_us; /* ... in microseconds (0: none) */
} LmStreamCatalog;

/* ---------------------------------------------------------------------
 * laminar._views (the columns of 0.1.1 and later, in table order,
 * definition and created_at included)
 * ---------------------------------------------------------------------
 */
#define Anum_lm_views_id 1
#define Anum_lm_views_view 2
#define Anum_lm_views_stream 3
#define Anum_lm_views_kind 4
#define Anum_lm_views_emit 5
#define Anum_lm_views_window_size 6
#define Anum_lm_views_definition 7
#define Anum_lm_views_query 8
#define Anum_lm_views_route 9
#define Anum_lm_views_route_attnums 10
#define Anum_lm_views_key_columns 11
#define Anum_lm_views_timezone 12
#define Anum_lm_views_datestyle 13
#define Anum_lm_views_intervalstyle 14
#define Anum_lm_views_created_at 15
/* 0.3.0 (read as NULL from an older catalog) */
#define Anum_lm_views_window_kind 16
#define Anum_lm_views_window_slide 17
#define Anum_lm_views_window_offset 18
#define Anum_lm_views_allowed_lateness 19
#define Anum_lm_views_emit_every 20
#define Anum_lm_views_late_table 21
#define Natts_lm_views 21

/* ---------------------------------------------------------------------
 * laminar._view_inputs: what a view reads, port by port; exactly one of
 * stream and input_view is set (see src/catalog/README.md)
 * ---------------------------------------------------------------------
 */
#define Anum_lm_view_inputs_view_id 1
#define Anum_lm_view_inputs_port 2
#define Anum_lm_view_inputs_stream 3
#define Anum_lm_view_inputs_input_view 4
#define Natts_lm_view_inputs 4

typedef struct LmViewInput
{
	int16 port;
	Oid stream;		  /* the stream read on this port, or InvalidOid */
	int32 input_view; /* the view whose changes are read, or 0 */
} LmViewInput;

/* the catalog row of a view, with what it reads */
typedef struct LmViewCatalog
{
	int32 id;
	Oid result_relid;
	Oid stream_relid;
	Oid owner; /* pg_class.relowner of the result table (0: table gone) */
	LmViewKind kind;
	LmEmitMode emit;
	bool windowed;	 /* window_size is set (a windowed view) */
	Datum window_iv; /* window_size, if windowed */
	int64 window_us; /* its size; 0 if none or out of range */
	/*
	 * The window in microseconds (kind NONE if not windowed; NULL
	 * window_kind with a size is TUMBLE, as 0.1 and 0.2 wrote it), and the
	 * intervals as written: window_slide (HOP slide, CUMULATE step, SESSION max_length),
	 * window_offset and allowed_lateness, each (Datum) 0 when NULL.
	 */
	LmWindowSpec window;
	Datum slide_iv;
	Datum offset_iv;
	Datum lateness_iv;
	Datum every_iv;		 /* EMIT EVERY's period, or (Datum) 0 */
	int64 emit_every_us; /* ... in microseconds (0: none) */
	Oid late_relid;		 /* LATE DATA TO: the late-data table, or InvalidOid */
	char *definition;
	char *query;
	LmRouteMode route;
	int nroute;
	AttrNumber *route_attnums; /* stream attributes hashed (LM_ROUTE_KEYS) */
	int nkeycols;
	char **keycols;
	char *timezone;
	char *datestyle;
	char *intervalstyle;
	TimestampTz created_at;
	LmStreamCatalog stream; /* its stream's row (relid 0: none) */
	AttrNumber ts_attnum;	/* = stream.ts_attnum */
	int ninputs;
	LmViewInput *inputs; /* by port; port 0 is the stream */
	bool fresh;			 /* set by the worker: created after it started */
} LmViewCatalog;

/* ---------------------------------------------------------------------
 * laminar._horizons
 * ---------------------------------------------------------------------
 */
#define Anum_lm_horizons_view_id 1
#define Anum_lm_horizons_worker 2
#define Anum_lm_horizons_horizon 3
#define Anum_lm_horizons_watermark 4
#define Anum_lm_horizons_written_at 5
#define Natts_lm_horizons 5

typedef struct LmHorizonCatalog
{
	int32 view_id;
	int32 worker;
	int64 horizon; /* LM_NO_TIME if NULL */
	int64 wm;	   /* LM_NO_TIME if NULL */
	TimestampTz written_at;
} LmHorizonCatalog;

/* ---------------------------------------------------------------------
 * The module's functions
 * ---------------------------------------------------------------------
 */

/* flags of the reads */
#define LM_CAT_LATEST 0x01	 /* a new snapshot that sees this transaction's changes */
#define LM_CAT_RUNNABLE 0x02 /* only views whose stream row and table exist */

/* a row of laminar._views as a trigger sees it -> struct */
extern void lm_cat_view_from_row(HeapTuple row, TupleDesc reldesc, LmViewCatalog *v);

/* text <-> enum */
extern LmViewKind lm_cat_view_kind_from_text(const char *s);
extern const char *lm_cat_view_kind_text(LmViewKind kind);
extern LmEmitMode lm_cat_emit_from_text(const char *s);
extern const char *lm_cat_emit_text(LmEmitMode emit);
extern LmRouteMode lm_cat_route_from_char(char c);
extern char lm_cat_route_char(LmRouteMode mode);

/* reads (results are allocated in the caller's memory context) */
extern bool lm_cat_installed(void);
extern bool lm_cat_stream_read(Oid relid, int flags, LmStreamCatalog *s);
extern Oid *lm_cat_stream_list(int flags, int *n);
extern int64 lm_cat_stream_view_count(Oid stream);
extern bool lm_cat_is_view(Oid relid);
extern int32 lm_cat_view_id(Oid relid);
extern LmViewCatalog *lm_cat_views_read(Oid stream, int flags, int *n);
extern LmHorizonCatalog *lm_cat_horizon_seeds(int32 worker, TimestampTz started, int *n);

/* writes */
extern void lm_cat_stream_insert(const LmStreamCatalog *s);
extern void lm_cat_view_insert(const LmViewCatalog *v);
extern void lm_cat_view_set_query(int32 id, const char *query);
extern bool lm_cat_horizon_save(const LmHorizonCatalog *h);

/* the catalog generation: bumped at the commit of a catalog change */
extern void lm_cat_mark_changed(void);
extern uint64 lm_cat_generation(void);
extern void lm_cat_register_callbacks(void);

#endif /* LAMINAR_CATALOG_H */
