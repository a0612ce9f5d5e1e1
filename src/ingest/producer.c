/*-------------------------------------------------------------------------
 *
 * producer.c
 *	  The write side of a stream: per-transaction batching of events into
 *	  the rings, routed by ingest/route.c, and the transaction callbacks
 *	  that make stream writes transactional.
 *
 * A backend that writes to a stream claims a producer slot once for its
 * lifetime; the slot owns one SPSC ring to every worker.  Per event the
 * backend forms a MinimalTuple in a scratch buffer and appends a record to
 * the local batch of the worker that owns the event's group (one record per
 * view on the stream).  A full batch (LM_BATCH_BYTES) is written to the ring
 * with one publish.  Nothing per event allocates, locks or makes a system
 * call; the catalog is read once per statement (lm_prod_begin_statement).
 *
 * Transactions: workers stage a producer's events until a COMMIT or ABORT
 * record arrives.  All waiting (backpressure) happens before the commit
 * record is written: in PRE_COMMIT we flush batches and make sure every ring
 * has room for the COMMIT and WATERMARK records, because at COMMIT time we
 * may neither fail nor wait: an ERROR raised in an XACT_EVENT_COMMIT callback
 * aborts a transaction whose commit record is already written, which is a
 * PANIC when it has an xid, and interrupts are held there.  Event
 * pushes always leave LM_ABORT_RESERVE bytes free so that an ABORT record
 * can be written at any time.  Savepoint rollback truncates the local batch
 * or, if the events were already sent, queues a TRUNCATE record for the next
 * write to that ring.
 *
 * The stream's watermark advances at COMMIT: the committing backend raises
 * the stream's shared max event time (shown by laminar.streams) and sends
 * its own max event time minus the delay behind its COMMIT records, so a
 * worker applies a transaction's events before it sees the watermark those
 * events produced.
 *
 * Commit order: at COMMIT the backend takes the next number of a global
 * commit sequence (lm_shared->commit_seq) and stamps its COMMIT and
 * WATERMARK records with it; workers apply transactions in that order, each
 * judged against the watermark of the transactions numbered before it.
 * While between taking the number and publishing the records, the producer
 * slot advertises a lower bound of its number (commit_floor), from which
 * workers compute how far every number is fully published (lm_prod_take_seq
 * and src/worker/README.md, "Commit order").
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/htup_details.h"
#include "access/tupdesc.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/typcache.h"

#include "laminar.h"
#include "ingest/producer.h"

#define LM_BATCH_BYTES (32 * 1024) /* at most a quarter of a ring */
#define LM_ABORT_RESERVE sizeof(LmRecHeader)

/* local batch towards one worker */
typedef struct LmOut
{
	char *buf;
	uint32 len;
	uint32 cap;
	uint64 sent;			/* event bytes of this xact already in the ring */
	int64 pending_truncate; /* -1, or bytes the worker must keep */
	bool need_end;			/* the worker holds staged records of ours */
} LmOut;

/* per-transaction state of one stream written to */
typedef struct LmTxnStream
{
	LmStreamShared *slot;
	Oid relid;
	bool has_wm;
	int64 delay;
	int64 max_ts;
	uint64 events;
} LmTxnStream;

/* savepoint mark */
typedef struct LmMark
{
	SubTransactionId subid;
	uint64 *bytes; /* per worker: sent + buffered */
	int nstreams;
	LmTxnStream *streams;
} LmMark;

static MemoryContext lm_prod_cxt = NULL;  /* backend lifetime */
static MemoryContext lm_route_cxt = NULL; /* reset when the catalog changes */
static List *lm_routes = NIL;
static uint64 lm_routes_gen = 0;

static int lm_producer = -1; /* our producer slot */
static LmOut *lm_out = NULL;
static char *lm_scratch = NULL;
static Size lm_scratch_cap = 0;

static bool lm_txn_wrote = false; /* wrote to any stream */
static bool lm_txn_sent = false;  /* queued records for some worker */
static LmTxnStream *lm_txn_streams = NULL;
static int lm_txn_nstreams = 0;
static int lm_txn_streams_cap = 0;
static List *lm_marks = NIL;

/*
 * lm_prod_detach releases our producer slot at backend exit.
 */
static void
lm_prod_detach(int code, Datum arg)
{
	if (lm_producer < 0 || lm_shared == NULL)
		return;
	LWLockAcquire(lm_shared->producers_lock, LW_EXCLUSIVE);
	lm_shared->producers[lm_producer].pid = 0;
	lm_shared->producers[lm_producer].procno = -1;
	LWLockRelease(lm_shared->producers_lock);
	lm_producer = -1;
}

/*
 * lm_prod_attach claims a producer slot for this backend (once).
 */
static void
lm_prod_attach(void)
{
	int slot = -1;

	if (lm_producer >= 0)
		return;
	lm_require_loaded();

	LWLockAcquire(lm_shared->producers_lock, LW_EXCLUSIVE);
	for (int p = 0; p < lm_shared->nproducers; p++)
	{
		if (lm_shared->producers[p].pid == 0)
		{
			slot = p;
			lm_shared->producers[p].pid = MyProcPid;
			lm_shared->producers[p].procno = MyProc->pgprocno;
			break;
		}
	}
	LWLockRelease(lm_shared->producers_lock);
	if (slot < 0)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("too many sessions writing to laminar streams"),
				 errhint("Raise laminar.max_producers (currently %d) and restart the server.",
						 lm_shared->nproducers)));

	for (int w = 0; w < lm_shared->nworkers; w++)
		lm_ring_get(slot, w)->producer_procno = MyProc->pgprocno;
	lm_producer = slot;
	on_shmem_exit(lm_prod_detach, 0);

	if (lm_out == NULL)
	{
		uint32 batch = (uint32) Min((uint64) LM_BATCH_BYTES, lm_shared->ring_capacity / 4);

		lm_out = MemoryContextAllocZero(lm_prod_cxt, sizeof(LmOut) * lm_shared->nworkers);

		for (int w = 0; w < lm_shared->nworkers; w++)
		{
			lm_out[w].cap = batch;
			lm_out[w].buf = MemoryContextAlloc(lm_prod_cxt, batch);
			lm_out[w].pending_truncate = -1;
		}
	}
}

/*
 * lm_prod_wait_space returns once ring w has `need` free bytes, applying
 * laminar.backpressure while it is full.
 */
static void
lm_prod_wait_space(int w, uint64 need)
{
	LmRing *r = lm_ring_get(lm_producer, w);
	uint64 head = pg_atomic_read_u64(&r->head);
	TimestampTz start;

	if (lm_ring_has_room(r, head, need))
		return;
	if (need > r->capacity)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("laminar event of %llu bytes does not fit in a ring",
							   (unsigned long long) need),
						errhint("Raise laminar.ring_size (currently %llu kB).",
								(unsigned long long) (r->capacity / 1024))));
	if (lm_backpressure == LM_BACKPRESSURE_ERROR)
		ereport(ERROR, (errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
						errmsg("laminar ring to stream worker %d is full", w),
						errhint("The worker is behind. Retry, set laminar.backpressure = 'block', "
								"or raise laminar.ring_size.")));

	start = GetCurrentTimestamp();
	for (;;)
	{
		pg_atomic_write_u32(&r->producer_waiting, 1);
		/* the store before the load of tail: see lm_worker_release */
		pg_memory_barrier();
		if (lm_ring_free(r, head) >= need)
			break;
		lm_wake_worker(w);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (TimestampDifferenceExceeds(start, GetCurrentTimestamp(), lm_backpressure_timeout_ms))
		{
			pg_atomic_write_u32(&r->producer_waiting, 0);
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("timed out waiting for laminar stream worker %d to accept events", w),
					 errhint("Check laminar.workers for a stopped or overloaded worker; raise "
							 "laminar.backpressure_timeout or laminar.ring_size.")));
		}
	}
	pg_atomic_write_u32(&r->producer_waiting, 0);
}

/*
 * lm_prod_push writes len bytes to ring w and publishes them.  The caller
 * has made sure that the space is there.
 */
static void
lm_prod_push(int w, const void *data, uint32 len)
{
	LmRing *r = lm_ring_get(lm_producer, w);
	uint64 head = pg_atomic_read_u64(&r->head);

	lm_ring_write(r, head, data, len);
	lm_ring_publish(r, head + len);
}

/*
 * lm_prod_maybe_wake sets worker w's latch only when our ring to it is half
 * full.  Otherwise the worker finds the records on its next poll (at most
 * laminar.flush_interval / 2 away), which saves a system call per small
 * transaction; flush() and a blocked producer always wake it.  Half, not
 * less: a woken worker copies half a ring out in microseconds while the
 * producer takes far longer to fill the other half, and every wake-up is
 * two context switches on a core the producer may share.
 */
static inline void
lm_prod_maybe_wake(int w)
{
	LmRing *r = lm_ring_get(lm_producer, w);
	uint64 used = pg_atomic_read_u64(&r->head) - r->tail_cache;

	/* the cached tail only moves when we run short: refresh it first */
	if (used >= r->capacity / 2)
		used = r->capacity - lm_ring_free(r, pg_atomic_read_u64(&r->head));
	if (used >= r->capacity / 2)
		lm_wake_worker(w);
}

/*
 * lm_prod_flush_out sends worker w's pending TRUNCATE and its local batch.
 */
static void
lm_prod_flush_out(int w)
{
	LmOut *o = &lm_out[w];

	if (o->pending_truncate >= 0)
	{
		LmRecValue rec;

		memset(&rec, 0, sizeof(rec));
		rec.hdr.len = sizeof(rec);
		rec.hdr.type = LM_REC_TRUNCATE;
		rec.value = o->pending_truncate;
		lm_prod_wait_space(w, sizeof(rec) + LM_ABORT_RESERVE);
		lm_prod_push(w, &rec, sizeof(rec));
		o->pending_truncate = -1;
	}
	if (o->len == 0)
		return;
	lm_prod_wait_space(w, o->len + LM_ABORT_RESERVE);
	lm_prod_push(w, o->buf, o->len);
	o->sent += o->len;
	o->len = 0;
	o->need_end = true;
	lm_prod_maybe_wake(w);
}

/*
 * lm_prod_txn_stream returns this transaction's entry for a stream.
 */
static LmTxnStream *
lm_prod_txn_stream(LmStreamRoute *route)
{
	LmTxnStream *ts;

	if (route->txn_index >= 0 && route->txn_index < lm_txn_nstreams &&
		lm_txn_streams[route->txn_index].relid == route->relid)
		return &lm_txn_streams[route->txn_index];

	for (int i = 0; i < lm_txn_nstreams; i++)
		if (lm_txn_streams[i].relid == route->relid)
		{
			route->txn_index = i;
			return &lm_txn_streams[i];
		}
	if (lm_txn_nstreams == lm_txn_streams_cap)
	{
		int ncap = Max(8, lm_txn_streams_cap * 2);

		if (lm_txn_streams == NULL)
			lm_txn_streams = MemoryContextAlloc(lm_prod_cxt, sizeof(LmTxnStream) * ncap);
		else
			lm_txn_streams = repalloc(lm_txn_streams, sizeof(LmTxnStream) * ncap);
		lm_txn_streams_cap = ncap;
	}
	ts = &lm_txn_streams[lm_txn_nstreams];
	ts->slot = route->slot;
	ts->relid = route->relid;
	ts->has_wm = route->has_wm;
	ts->delay = route->delay;
	ts->max_ts = LM_NO_TIME;
	ts->events = 0;
	route->txn_index = lm_txn_nstreams++;
	return ts;
}

/*
 * lm_prod_load_route reads the catalog entry of a stream and its views
 * (with the snapshot of the statement) and makes the stream's routing
 * plan.  It runs in the writing backend, as the writing role (possibly a
 * superuser): the catalog module's queries are immune to search_path.
 */
static LmStreamRoute *
lm_prod_load_route(Oid relid)
{
	LmStreamRoute *route;
	MemoryContext old;
	Relation rel;
	TupleDesc desc;
	LmStreamCatalog stream;
	LmViewCatalog *views;
	int nviews;

	if (!lm_cat_stream_read(relid, 0, &stream))
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
						errmsg("foreign table \"%s\" is not a laminar stream", get_rel_name(relid)),
						errhint("Create streams with laminar.execute('CREATE STREAM ...').")));
	views = lm_cat_views_read(relid, 0, &nviews);

	old = MemoryContextSwitchTo(lm_route_cxt);
	route = palloc0(sizeof(LmStreamRoute));
	route->relid = relid;
	route->txn_index = -1;
	route->views = palloc0(sizeof(LmViewRoute) * Max(nviews, 1));
	rel = RelationIdGetRelation(relid);
	desc = CreateTupleDescCopy(RelationGetDescr(rel));
	route->desc = desc;
	route->natts = desc->natts;
	route->varlena_atts = palloc(sizeof(int) * desc->natts);
	route->notnull_atts = palloc(sizeof(int) * desc->natts);
	route->fixoff = palloc(sizeof(int32) * Max(desc->natts, 1));
	route->fixed = desc->natts > 0;
	for (int i = 0; i < desc->natts; i++)
	{
		/* the copy drops attnotnull: read it from the relation */
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), i);

		if (att->attisdropped || att->attlen <= 0)
			route->fixed = false;
		else
		{
			/* heap_compute_data_size's offsets for a fixed-length column */
			route->fixlen = att_align_nominal(route->fixlen, att->attalign);
			route->fixoff[i] = (int32) route->fixlen;
			route->fixlen += att->attlen;
		}
		if (att->attisdropped)
			continue;
		if (att->attlen == -1)
			route->varlena_atts[route->nvarlena++] = i;
		if (att->attnotnull)
			route->notnull_atts[route->nnotnull++] = i;
	}
	RelationClose(rel);

	route->ts_attnum = stream.ts_attnum;
	route->has_wm = stream.has_wm;
	route->delay = stream.delay_us;
	for (int i = 0; i < nviews; i++)
		lm_route_prepare(&route->views[route->nviews++], &views[i], desc, lm_route_cxt);
	MemoryContextSwitchTo(old);
	route->slot = lm_stream_slot(relid, true);
	return route;
}

/*
 * lm_prod_begin_statement returns the routing plan of a stream for an
 * INSERT or COPY that is starting, reloading it if the catalog changed.
 */
LmStreamRoute *
lm_prod_begin_statement(Oid relid)
{
	uint64 gen;
	ListCell *lc;
	LmStreamRoute *route;
	MemoryContext old;

	lm_require_loaded();
	if (lm_prod_cxt == NULL)
		lm_prod_cxt =
			AllocSetContextCreate(TopMemoryContext, "laminar producer", ALLOCSET_DEFAULT_SIZES);
	if (lm_route_cxt == NULL)
		lm_route_cxt = AllocSetContextCreate(lm_prod_cxt, "laminar routes", ALLOCSET_DEFAULT_SIZES);

	/*
	 * A repeatable-read transaction reads the catalog with an old snapshot,
	 * so only cache what a fresh snapshot read.
	 */
	gen = lm_cat_generation();
	if (gen != lm_routes_gen || IsolationUsesXactSnapshot())
	{
		MemoryContextReset(lm_route_cxt);
		lm_routes = NIL;
		lm_routes_gen = gen;
	}
	foreach (lc, lm_routes)
	{
		route = (LmStreamRoute *) lfirst(lc);
		if (route->relid == relid)
			return route;
	}
	route = lm_prod_load_route(relid);
	old = MemoryContextSwitchTo(lm_route_cxt);
	lm_routes = lappend(lm_routes, route);
	MemoryContextSwitchTo(old);
	if (route->nviews > 0)
		lm_prod_attach();
	return route;
}

/*
 * lm_prod_advance_watermark makes this transaction raise the watermark of
 * stream relid to at least wm when it commits, as a transaction whose
 * largest event time is wm + delay would (laminar.advance_watermark): the
 * stream's max_time moves there too, and the workers apply it in commit
 * order with everything else.  A watermark never moves back, since workers
 * keep the running maximum.
 */
void
lm_prod_advance_watermark(Oid relid, int64 wm)
{
	LmStreamRoute *route = lm_prod_begin_statement(relid);
	LmTxnStream *ts;
	int64 t;

	if (!route->has_wm)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("stream \"%s\" has no WATERMARK", get_rel_name(relid)),
				 errhint("Declare the stream with WATERMARK FOR ts AS ts - INTERVAL '...'.")));
	/* the event time whose watermark is wm, saturated to the range */
	if (pg_add_s64_overflow(wm, route->delay, &t) || t >= END_TIMESTAMP)
		t = END_TIMESTAMP - 1;
	if (!lm_txn_wrote)
	{
		lm_txn_wrote = true;
		lm_txn_nstreams = 0;
	}
	ts = lm_prod_txn_stream(route);
	if (t > ts->max_ts)
		ts->max_ts = t;
	/* views read the stream: the commit sends its WATERMARK records */
	if (route->nviews > 0)
		lm_txn_sent = true;
}

/*
 * lm_prod_form_fixed writes the values of a row without NULLs of a stream
 * whose columns all have a fixed length at the offsets heap_fill_tuple
 * would use (data is MAXALIGNed and zeroed, so the padding is too; the
 * infomask bits heap_fill_tuple would set are all clear for such a row).
 */
static inline void
lm_prod_form_fixed(LmStreamRoute *route, Datum *values, char *data)
{
	for (int i = 0; i < route->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(route->desc, i);
		char *p = data + route->fixoff[i];

		if (att->attbyval)
			store_att_byval(p, values[i], att->attlen);
		else
			memcpy(p, DatumGetPointer(values[i]), att->attlen);
	}
}

/*
 * lm_prod_insert accepts one event of a stream into the current
 * transaction.
 */
void
lm_prod_insert(LmStreamRoute *route, TupleTableSlot *slot)
{
	TupleDesc desc = route->desc;
	Datum *values;
	bool *isnull;
	LmTxnStream *ts;
	bool hasnull = false;
	Size hoff, data_len, tup_len, rec_len;
	MinimalTuple tup;
	LmRecHeader *hdr;

	slot_getallattrs(slot);
	values = slot->tts_values;
	isnull = slot->tts_isnull;

	for (int i = 0; i < route->nnotnull; i++)
		if (isnull[route->notnull_atts[i]])
			ereport(
				ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("null value in column \"%s\" of stream \"%s\" violates not-null constraint",
						NameStr(TupleDescAttr(desc, route->notnull_atts[i])->attname),
						get_rel_name(route->relid))));

	if (!lm_txn_wrote)
	{
		lm_txn_wrote = true;
		lm_txn_nstreams = 0;
	}
	ts = lm_prod_txn_stream(route);
	ts->events++;
	if (route->has_wm && !isnull[route->ts_attnum - 1])
	{
		int64 t = DatumGetInt64(values[route->ts_attnum - 1]);

		/* +-infinity never moves the watermark (workers drop such events) */
		if (t > ts->max_ts && !TIMESTAMP_NOT_FINITE(t))
			ts->max_ts = t;
	}
	if (route->nviews == 0)
		return;

	/* values stored out of line must not be referenced from the ring */
	for (int i = 0; i < route->nvarlena; i++)
	{
		int a = route->varlena_atts[i];

		if (!isnull[a] && VARATT_IS_EXTERNAL(DatumGetPointer(values[a])))
			values[a] = PointerGetDatum(
				detoast_external_attr((struct varlena *) DatumGetPointer(values[a])));
	}

	/* form the MinimalTuple once, behind a record header, in scratch */
	for (int i = 0; i < route->natts; i++)
		if (isnull[i])
		{
			hasnull = true;
			break;
		}
	hoff = SizeofMinimalTupleHeader;
	if (hasnull)
		hoff += BITMAPLEN(route->natts);
	hoff = MAXALIGN(hoff);
	data_len =
		route->fixed && !hasnull ? route->fixlen : heap_compute_data_size(desc, values, isnull);
	tup_len = hoff + data_len;
	rec_len = MAXALIGN(sizeof(LmRecHeader) + tup_len);
	/* one row must fit in a ring on its own: report this row's size */
	if ((uint64) rec_len + LM_ABORT_RESERVE > lm_shared->ring_capacity)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("laminar event of %zu bytes does not fit in a ring", rec_len),
				 errdetail("A row of stream \"%s\" takes %zu bytes in a ring; a ring holds %llu "
						   "bytes, of which %zu are kept free for an ABORT record.",
						   get_rel_name(route->relid), rec_len,
						   (unsigned long long) lm_shared->ring_capacity, (Size) LM_ABORT_RESERVE),
				 errhint("Raise laminar.ring_size (currently %llu kB; it needs a server restart), "
						 "or store large values in an ordinary table and send a key.",
						 (unsigned long long) (lm_shared->ring_capacity / 1024))));
	if (rec_len > lm_scratch_cap)
	{
		Size ncap = Max(rec_len, 8192);

		lm_scratch =
			lm_scratch ? repalloc(lm_scratch, ncap) : MemoryContextAlloc(lm_prod_cxt, ncap);
		lm_scratch_cap = ncap;
	}
	hdr = (LmRecHeader *) lm_scratch;
	tup = (MinimalTuple) (lm_scratch + sizeof(LmRecHeader));
	/* zeroed: deforming takes a zero byte before a varlena for padding */
	memset(lm_scratch, 0, rec_len);
	tup->t_len = tup_len;
	HeapTupleHeaderSetNatts(tup, route->natts);
	tup->t_hoff = hoff + MINIMAL_TUPLE_OFFSET;
	if (route->fixed && !hasnull)
		lm_prod_form_fixed(route, values, (char *) tup + hoff);
	else
		heap_fill_tuple(desc, values, isnull, (char *) tup + hoff, data_len, &tup->t_infomask,
						hasnull ? tup->t_bits : NULL);
	hdr->len = rec_len;
	hdr->type = LM_REC_EVENT;
	hdr->aux = route->relid; /* lets the worker check the row type */

	lm_txn_sent = true;
	for (int v = 0; v < route->nviews; v++)
	{
		LmViewRoute *vr = &route->views[v];
		int w = lm_route_worker(vr, values, isnull, lm_producer);
		LmOut *o = &lm_out[w];

		hdr->view_id = vr->view_id;
		if (o->len + rec_len > o->cap)
		{
			lm_prod_flush_out(w);
			if (rec_len > o->cap)
			{
				o->buf = repalloc(o->buf, rec_len);
				o->cap = rec_len;
			}
		}
		memcpy(o->buf + o->len, lm_scratch, rec_len);
		o->len += rec_len;
	}
}

/*
 * lm_prod_xact_has_events says whether this transaction wrote to a stream.
 */
bool
lm_prod_xact_has_events(void)
{
	return lm_txn_wrote;
}

/*
 * lm_prod_reset forgets all per-transaction state.
 */
static void
lm_prod_reset(void)
{
	lm_txn_wrote = false;
	lm_txn_sent = false;
	lm_txn_nstreams = 0;
	lm_marks = NIL; /* lived in TopTransactionContext */
	if (lm_out != NULL)
		for (int w = 0; w < lm_shared->nworkers; w++)
		{
			lm_out[w].len = 0;
			lm_out[w].sent = 0;
			lm_out[w].pending_truncate = -1;
			lm_out[w].need_end = false;
		}
}

/*
 * lm_prod_pre_commit flushes every batch and reserves room for the
 * COMMIT and WATERMARK records; it may wait and it may fail.
 */
static void
lm_prod_pre_commit(void)
{
	int nwm = 0;

	if (!lm_txn_sent || lm_out == NULL)
		return;
	for (int i = 0; i < lm_txn_nstreams; i++)
		if (lm_txn_streams[i].has_wm && lm_txn_streams[i].max_ts != LM_NO_TIME)
			nwm++;
	for (int w = 0; w < lm_shared->nworkers; w++)
	{
		lm_prod_flush_out(w);
		lm_prod_wait_space(w, (1 + nwm) * sizeof(LmRecSeq));
	}
}

/*
 * lm_prod_own_watermark returns the watermark a transaction whose largest
 * event time is max_ts implies on its own: max_ts - delay with overflow
 * checks, saturated to the timestamp range.  Below the range it is
 * LM_NO_TIME + 1, which makes nothing late and closes no window (and is not
 * LM_NO_TIME, "no record").  Workers take the running maximum of these in
 * commit order.  It runs in the COMMIT callback, where an error would be a
 * PANIC, so it never fails.
 */
static inline int64
lm_prod_own_watermark(int64 max_ts, int64 delay)
{
	int64 wm;

	if (TIMESTAMP_NOT_FINITE(max_ts))
		return LM_NO_TIME + 1;
	if (pg_sub_s64_overflow(max_ts, delay, &wm))
		return delay > 0 ? LM_NO_TIME + 1 : END_TIMESTAMP - 1;
	if (wm < MIN_TIMESTAMP)
		return LM_NO_TIME + 1;
	if (wm >= END_TIMESTAMP)
		return END_TIMESTAMP - 1;
	return wm;
}

/*
 * lm_prod_take_seq takes this commit's number in the global commit order.
 *
 * The slot first advertises a lower bound of the number it is about to
 * take (commit_seq as read now), then takes it with a fetch-add, which is a
 * full barrier: a worker that reads commit_seq past our number and then our
 * floor (with a read barrier between) sees this floor or a later store.
 * lm_prod_end_seq clears the floor after the records are published.
 */
static inline uint64
lm_prod_take_seq(void)
{
	pg_atomic_uint64 *floor = &lm_shared->producers[lm_producer].commit_floor;

	pg_atomic_write_u64(floor, pg_atomic_read_u64(&lm_shared->commit_seq));
	return pg_atomic_fetch_add_u64(&lm_shared->commit_seq, 1);
}

/*
 * lm_prod_end_seq says that every record of our commit is published: the
 * write barrier orders the stores of the rings' heads before the store
 * that clears the floor.
 */
static inline void
lm_prod_end_seq(void)
{
	pg_write_barrier();
	pg_atomic_write_u64(&lm_shared->producers[lm_producer].commit_floor, LM_NO_COMMIT);
}

/*
 * lm_prod_commit publishes the transaction: COMMIT records to the workers
 * holding our events, then this transaction's stream watermarks, all
 * stamped with its number in the global commit order.  It neither
 * allocates nor fails nor waits.
 */
static void
lm_prod_commit(void)
{
	int64 wm[LM_MAX_STREAMS];
	Oid wm_rel[LM_MAX_STREAMS];
	int nwm = 0;
	uint64 seq;

	for (int i = 0; i < lm_txn_nstreams; i++)
	{
		LmTxnStream *ts = &lm_txn_streams[i];
		uint64 old;

		if (ts->slot == NULL)
			continue;
		pg_atomic_fetch_add_u64(&ts->slot->events_in, ts->events);
		if (!ts->has_wm || ts->max_ts == LM_NO_TIME)
			continue;
		old = pg_atomic_read_u64(&ts->slot->max_ts);
		while ((int64) old < ts->max_ts &&
			   !pg_atomic_compare_exchange_u64(&ts->slot->max_ts, &old, (uint64) ts->max_ts))
			;
		/*
		 * Our own watermark, not the shared maximum: that may already hold
		 * the times of transactions that commit after us in commit order.
		 */
		if (nwm < LM_MAX_STREAMS)
		{
			wm_rel[nwm] = ts->relid;
			wm[nwm++] = lm_prod_own_watermark(ts->max_ts, ts->delay);
		}
	}
	if (lm_producer < 0 || !lm_txn_sent)
		return;

	seq = lm_prod_take_seq();

	for (int w = 0; w < lm_shared->nworkers; w++)
	{
		LmRing *r = lm_ring_get(lm_producer, w);
		uint64 head = pg_atomic_read_u64(&r->head);
		bool wrote = false;

		if (lm_out[w].need_end)
		{
			LmRecSeq rec;

			memset(&rec, 0, sizeof(rec));
			rec.hdr.len = sizeof(rec);
			rec.hdr.type = LM_REC_COMMIT;
			rec.seq = seq;
			lm_ring_write(r, head, &rec, sizeof(rec));
			head += sizeof(rec);
			wrote = true;
		}
		for (int i = 0; i < nwm; i++)
		{
			LmRecSeq rec;

			memset(&rec, 0, sizeof(rec));
			rec.hdr.len = sizeof(rec);
			rec.hdr.type = LM_REC_WATERMARK;
			rec.hdr.aux = wm_rel[i];
			rec.value = wm[i];
			rec.seq = seq;
			lm_ring_write(r, head, &rec, sizeof(rec));
			head += sizeof(rec);
			wrote = true;
		}
		if (wrote)
		{
			lm_ring_publish(r, head);
			lm_prod_maybe_wake(w);
		}
	}
	lm_prod_end_seq();
}

/*
 * lm_prod_abort tells every worker holding our staged events to drop them.
 * The reserve kept free by every push guarantees the room.
 */
static void
lm_prod_abort(void)
{
	if (lm_producer < 0 || lm_out == NULL)
		return;
	for (int w = 0; w < lm_shared->nworkers; w++)
	{
		LmRecHeader rec;

		if (!lm_out[w].need_end)
			continue;
		memset(&rec, 0, sizeof(rec));
		rec.len = sizeof(rec);
		rec.type = LM_REC_ABORT;
		lm_prod_push(w, &rec, sizeof(rec));
	}
}

/*
 * lm_prod_xact_callback drives the per-transaction protocol.
 */
static void
lm_prod_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			lm_prod_pre_commit();
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (lm_txn_wrote)
				ereport(
					ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot PREPARE a transaction that has written to a laminar stream"),
					 errhint("Commit stream writes in an ordinary transaction.")));
			break;
		case XACT_EVENT_COMMIT:
			if (lm_txn_wrote)
				lm_prod_commit();
			lm_prod_reset();
			break;
		case XACT_EVENT_ABORT:
			if (lm_txn_sent)
				lm_prod_abort();
			lm_prod_reset();
			break;
		default:
			break;
	}
}

/*
 * lm_prod_subxact_callback keeps savepoint marks and undoes the events of
 * rolled-back subtransactions.
 */
static void
lm_prod_subxact_callback(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid,
						 void *arg)
{
	switch (event)
	{
		case SUBXACT_EVENT_START_SUB:
			if (lm_txn_wrote)
			{
				MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
				LmMark *m = palloc(sizeof(LmMark));
				int nw = lm_shmem_ready() ? lm_shared->nworkers : 0;

				m->subid = mySubid;
				m->bytes = palloc(sizeof(uint64) * Max(nw, 1));
				for (int w = 0; w < nw; w++)
					m->bytes[w] = lm_out ? lm_out[w].sent + lm_out[w].len : 0;
				m->nstreams = lm_txn_nstreams;
				m->streams = palloc(sizeof(LmTxnStream) * Max(lm_txn_nstreams, 1));
				memcpy(m->streams, lm_txn_streams, sizeof(LmTxnStream) * lm_txn_nstreams);
				lm_marks = lappend(lm_marks, m);
				MemoryContextSwitchTo(old);
			}
			break;
		case SUBXACT_EVENT_COMMIT_SUB:
			if (lm_marks != NIL && ((LmMark *) llast(lm_marks))->subid == mySubid)
				lm_marks = list_delete_last(lm_marks);
			break;
		case SUBXACT_EVENT_ABORT_SUB:
			if (!lm_txn_wrote)
				break;
			{
				LmMark *m = NULL;

				while (lm_marks != NIL)
				{
					LmMark *top = (LmMark *) llast(lm_marks);

					lm_marks = list_delete_last(lm_marks);
					if (top->subid == mySubid)
					{
						m = top;
						break;
					}
					if (top->subid < mySubid)
					{
						/* belongs to an outer level: keep it */
						lm_marks = lappend(lm_marks, top);
						break;
					}
				}
				/* no mark: the subtransaction began before any write */
				for (int w = 0; lm_out && w < lm_shared->nworkers; w++)
				{
					LmOut *o = &lm_out[w];
					uint64 keep = m ? m->bytes[w] : 0;

					if (keep >= o->sent)
						o->len = keep - o->sent;
					else
					{
						o->len = 0;
						o->sent = keep;
						o->pending_truncate = keep;
					}
				}
				if (m)
				{
					for (int i = 0; i < lm_txn_nstreams; i++)
					{
						if (i < m->nstreams)
						{
							lm_txn_streams[i].events = m->streams[i].events;
							lm_txn_streams[i].max_ts = m->streams[i].max_ts;
						}
						else
						{
							lm_txn_streams[i].events = 0;
							lm_txn_streams[i].max_ts = LM_NO_TIME;
						}
					}
				}
				else
					for (int i = 0; i < lm_txn_nstreams; i++)
					{
						lm_txn_streams[i].events = 0;
						lm_txn_streams[i].max_ts = LM_NO_TIME;
					}
			}
			break;
		default:
			break;
	}
}

/*
 * lm_prod_register_callbacks installs the transaction callbacks (once, from
 * _PG_init).
 */
void
lm_prod_register_callbacks(void)
{
	RegisterXactCallback(lm_prod_xact_callback, NULL);
	RegisterSubXactCallback(lm_prod_subxact_callback, NULL);
}
