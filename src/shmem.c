/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  Laminar's fixed shared-memory area: worker, stream, view and producer
 *	  slots, and the producer-to-worker rings.
 *
 * Space and the LWLock tranche are requested in shmem_request_hook (PG 15
 * refuses them anywhere else) and laid out in shmem_startup_hook under
 * AddinShmemInitLock.  Both hooks chain to the previous ones.  The area is
 * new after every crash-restart of the postmaster: nothing in it is durable.
 * Rings are found by offset from the start of the area, never by pointer.
 *
 * Locking: "slots" guards claiming/releasing stream and view slots;
 * "producers" guards claiming producer slots.  Neither is taken per event.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shmem.h"

#include "laminar.h"

LmShared *lm_shared = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/*
 * lm_shmem_nworkers returns the number of stream workers the server can
 * run: laminar.workers, capped so that our launcher, the core's logical
 * replication launcher and the workers fit in max_worker_processes (a
 * worker that can never start would leave its rings full and
 * laminar.flush() waiting).
 */
static int
lm_shmem_nworkers(void)
{
	return Max(1, Min(lm_workers, max_worker_processes - 2));
}

/*
 * lm_shmem_layout computes the size of the area and the ring layout.
 */
static Size
lm_shmem_layout(Size *rings_offset, Size *ring_stride)
{
	Size size;
	uint64 capacity = (uint64) lm_ring_size_kb * 1024;

	size = add_size(offsetof(LmShared, producers),
					mul_size(sizeof(LmProducerShared), lm_max_producers));
	size = TYPEALIGN(LM_CACHE_LINE, size);
	*rings_offset = size;
	*ring_stride = TYPEALIGN(LM_CACHE_LINE, lm_ring_bytes(capacity));
	size = add_size(size, mul_size(mul_size(*ring_stride, lm_max_producers), lm_shmem_nworkers()));
	/* slack so the area can be aligned to a cache line */
	return add_size(size, LM_CACHE_LINE);
}

/*
 * lm_shmem_request asks the postmaster for the area and two named LWLocks.
 */
static void
lm_shmem_request(void)
{
	Size off, stride;

	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(lm_shmem_layout(&off, &stride));
	RequestNamedLWLockTranche("laminar", 2);
}

/*
 * lm_shmem_startup lays out the area the first time it is attached.
 */
static void
lm_shmem_startup(void)
{
	bool found;
	Size off, stride, size;
	char *raw;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	size = lm_shmem_layout(&off, &stride);
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	raw = ShmemInitStruct("laminar", size, &found);
	lm_shared = (LmShared *) TYPEALIGN(LM_CACHE_LINE, raw);
	if (!found)
	{
		LWLockPadded *locks = GetNamedLWLockTranche("laminar");

		memset(lm_shared, 0, off);
		lm_shared->nworkers = lm_shmem_nworkers();
		if (lm_shared->nworkers < lm_workers)
			ereport(LOG,
					(errmsg("laminar: running %d stream workers instead of laminar.workers = %d",
							lm_shared->nworkers, lm_workers),
					 errhint("Raise max_worker_processes (now %d) to at least laminar.workers + 1 "
							 "plus what parallel query and replication need.",
							 max_worker_processes)));
		lm_shared->nproducers = lm_max_producers;
		lm_shared->ring_capacity = (uint64) lm_ring_size_kb * 1024;
		lm_shared->ring_stride = stride;
		lm_shared->rings_offset = off;
		lm_shared->launcher_procno = -1;
		pg_atomic_init_u64(&lm_shared->catalog_gen, 1);
		pg_atomic_init_u64(&lm_shared->flush_gen, 0);
		pg_atomic_init_u64(&lm_shared->commit_seq, 0);
		pg_atomic_init_u32(&lm_shared->paused, 0);
		pg_atomic_init_u64(&lm_shared->slot_clock, 0);
		lm_shared->slots_lock = &locks[0].lock;
		lm_shared->producers_lock = &locks[1].lock;
		for (int i = 0; i < LM_MAX_WORKERS; i++)
		{
			LmWorkerShared *w = &lm_shared->workers[i];

			SpinLockInit(&w->mutex);
			w->procno = -1;
			w->cpu = -1;
			w->numa_node = -1;
			pg_atomic_init_u64(&w->events_in, 0);
			pg_atomic_init_u64(&w->groups_held, 0);
			pg_atomic_init_u64(&w->emit_done, 0);
		}
		for (int i = 0; i < LM_MAX_STREAMS; i++)
		{
			pg_atomic_init_u64(&lm_shared->streams[i].max_ts, (uint64) LM_NO_TIME);
			pg_atomic_init_u64(&lm_shared->streams[i].events_in, 0);
		}
		for (int i = 0; i < LM_MAX_VIEWS; i++)
		{
			LmViewShared *v = &lm_shared->views[i];

			SpinLockInit(&v->mutex);
			pg_atomic_init_u64(&v->events_in, 0);
			pg_atomic_init_u64(&v->late_events, 0);
			pg_atomic_init_u64(&v->null_time_events, 0);
			pg_atomic_init_u64(&v->rows_emitted, 0);
			pg_atomic_init_u32(&v->failed, 0);
			pg_atomic_init_u64(&v->skipped_events, 0);
			pg_atomic_init_u64(&v->skipped_rows, 0);
			pg_atomic_init_u64(&v->timeouts, 0);
			pg_atomic_init_u64(&v->restores, 0);
			v->nops = 0;
			for (int o = 0; o < LM_MAX_OPS; o++)
			{
				pg_atomic_init_u64(&v->ops[o].rows_in, 0);
				pg_atomic_init_u64(&v->ops[o].rows_out, 0);
				pg_atomic_init_u64(&v->ops[o].groups, 0);
				pg_atomic_init_u64(&v->ops[o].bytes, 0);
			}
		}
		for (int p = 0; p < lm_max_producers; p++)
			pg_atomic_init_u64(&lm_shared->producers[p].commit_floor, LM_NO_COMMIT);
		for (int p = 0; p < lm_max_producers; p++)
			for (int w = 0; w < lm_shared->nworkers; w++)
				lm_ring_init(lm_ring_get(p, w), lm_shared->ring_capacity);
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * lm_shmem_install_hooks chains Laminar's shared-memory hooks.
 */
void
lm_shmem_install_hooks(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = lm_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = lm_shmem_startup;
}

/*
 * lm_shmem_ready says whether the area exists (the library was preloaded).
 */
bool
lm_shmem_ready(void)
{
	return lm_shared != NULL;
}

/*
 * lm_require_loaded raises an error if the library was not preloaded, for
 * the SQL functions that need the workers and shared memory.
 */
void
lm_require_loaded(void)
{
	if (lm_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE), errmsg("laminar is not loaded"),
				 errhint("Add laminar to shared_preload_libraries and restart the server.")));
}

/*
 * lm_ring_get returns the ring from producer slot p to worker w.
 */
LmRing *
lm_ring_get(int producer, int worker)
{
	Size off = lm_shared->rings_offset +
			   lm_shared->ring_stride * ((Size) producer * lm_shared->nworkers + worker);

	return (LmRing *) ((char *) lm_shared + off);
}

/*
 * lm_stream_slot finds the shared slot of a stream, claiming a free one if
 * asked.  Callers cache the result for the life of a statement or view.
 */
LmStreamShared *
lm_stream_slot(Oid relid, bool create)
{
	LmStreamShared *free_slot = NULL;

	LWLockAcquire(lm_shared->slots_lock, create ? LW_EXCLUSIVE : LW_SHARED);
	for (int i = 0; i < LM_MAX_STREAMS; i++)
	{
		LmStreamShared *s = &lm_shared->streams[i];

		if (s->relid == relid && s->dboid == MyDatabaseId)
		{
			LWLockRelease(lm_shared->slots_lock);
			return s;
		}
		if (s->relid == InvalidOid && free_slot == NULL)
			free_slot = s;
	}
	if (create && free_slot != NULL)
	{
		free_slot->dboid = MyDatabaseId;
		free_slot->relid = relid;
		free_slot->created = pg_atomic_fetch_add_u64(&lm_shared->slot_clock, 1);
		pg_atomic_write_u64(&free_slot->max_ts, (uint64) LM_NO_TIME);
		pg_atomic_write_u64(&free_slot->events_in, 0);
	}
	else
		free_slot = NULL;
	LWLockRelease(lm_shared->slots_lock);
	if (create && free_slot == NULL)
		ereport(ERROR, (errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
						errmsg("too many active laminar streams"),
						errhint("At most %d streams can receive events at once.", LM_MAX_STREAMS)));
	return free_slot;
}

/*
 * lm_view_slot finds the shared slot of a view, claiming a free one if asked.
 */
LmViewShared *
lm_view_slot(int32 view_id, bool create)
{
	LmViewShared *free_slot = NULL;

	LWLockAcquire(lm_shared->slots_lock, create ? LW_EXCLUSIVE : LW_SHARED);
	for (int i = 0; i < LM_MAX_VIEWS; i++)
	{
		LmViewShared *v = &lm_shared->views[i];

		if (v->view_id == view_id && v->dboid == MyDatabaseId)
		{
			LWLockRelease(lm_shared->slots_lock);
			return v;
		}
		if (v->view_id == 0 && free_slot == NULL)
			free_slot = v;
	}
	if (create && free_slot != NULL)
	{
		free_slot->dboid = MyDatabaseId;
		free_slot->view_id = view_id;
		free_slot->created = pg_atomic_fetch_add_u64(&lm_shared->slot_clock, 1);
		pg_atomic_write_u64(&free_slot->events_in, 0);
		pg_atomic_write_u64(&free_slot->late_events, 0);
		pg_atomic_write_u64(&free_slot->null_time_events, 0);
		pg_atomic_write_u64(&free_slot->rows_emitted, 0);
		pg_atomic_write_u32(&free_slot->failed, 0);
		pg_atomic_write_u64(&free_slot->skipped_events, 0);
		pg_atomic_write_u64(&free_slot->skipped_rows, 0);
		pg_atomic_write_u64(&free_slot->timeouts, 0);
		pg_atomic_write_u64(&free_slot->restores, 0);
		free_slot->nops = 0;
		for (int o = 0; o < LM_MAX_OPS; o++)
		{
			pg_atomic_write_u64(&free_slot->ops[o].rows_in, 0);
			pg_atomic_write_u64(&free_slot->ops[o].rows_out, 0);
			pg_atomic_write_u64(&free_slot->ops[o].groups, 0);
			pg_atomic_write_u64(&free_slot->ops[o].bytes, 0);
		}
		free_slot->last_error[0] = '\0';
		free_slot->last_skip[0] = '\0';
	}
	else
		free_slot = NULL;
	LWLockRelease(lm_shared->slots_lock);
	return free_slot;
}

/*
 * lm_view_slot_release_missing frees the view slots of this database
 * whose views are no longer in the catalog (live_ids, read in a snapshot
 * taken after slot_clock was `before`); a slot claimed since (another
 * worker loaded a newer view) is kept.
 */
void
lm_view_slot_release_missing(int32 *live_ids, int nlive, uint64 before)
{
	LWLockAcquire(lm_shared->slots_lock, LW_EXCLUSIVE);
	for (int i = 0; i < LM_MAX_VIEWS; i++)
	{
		LmViewShared *v = &lm_shared->views[i];
		bool live = false;

		if (v->view_id == 0 || v->dboid != MyDatabaseId)
			continue;
		/* claimed (by another worker) after our list was read */
		if (v->created >= before)
			continue;
		for (int j = 0; j < nlive; j++)
			if (live_ids[j] == v->view_id)
				live = true;
		if (!live)
			v->view_id = 0;
	}
	LWLockRelease(lm_shared->slots_lock);
}

/*
 * lm_stream_slot_release_missing frees the stream slots of this database
 * whose streams are no longer in the catalog (live relids, read in a
 * snapshot taken after slot_clock was `before`).  A slot claimed since is
 * kept: a producer claims it once its own snapshot sees the stream, which
 * may be after the list's snapshot was taken (it was released wrongly
 * before, and laminar.views showed no watermark for such a stream).
 */
void
lm_stream_slot_release_missing(Oid *live, int nlive, uint64 before)
{
	LWLockAcquire(lm_shared->slots_lock, LW_EXCLUSIVE);
	for (int i = 0; i < LM_MAX_STREAMS; i++)
	{
		LmStreamShared *st = &lm_shared->streams[i];
		bool found = false;

		if (st->relid == InvalidOid || st->dboid != MyDatabaseId)
			continue;
		/* claimed after the list was read: its stream may be too new for it */
		if (st->created >= before)
			continue;
		for (int j = 0; j < nlive && !found; j++)
			found = (live[j] == st->relid);
		if (!found)
			st->relid = InvalidOid;
	}
	LWLockRelease(lm_shared->slots_lock);
}

/*
 * lm_slots_release_database frees every stream and view slot of a
 * database (it is being dropped).
 */
void
lm_slots_release_database(Oid dboid)
{
	LWLockAcquire(lm_shared->slots_lock, LW_EXCLUSIVE);
	for (int i = 0; i < LM_MAX_STREAMS; i++)
		if (lm_shared->streams[i].dboid == dboid)
			lm_shared->streams[i].relid = InvalidOid;
	for (int i = 0; i < LM_MAX_VIEWS; i++)
		if (lm_shared->views[i].dboid == dboid)
			lm_shared->views[i].view_id = 0;
	LWLockRelease(lm_shared->slots_lock);
}

/*
 * lm_wake_worker sets the latch of stream worker w if it is running.
 */
void
lm_wake_worker(int worker)
{
	int procno = lm_shared->workers[worker].procno;

	if (procno >= 0)
		SetLatch(&ProcGlobal->allProcs[procno].procLatch);
}

/*
 * lm_wake_all_workers sets the latch of every running stream worker.
 */
void
lm_wake_all_workers(void)
{
	for (int w = 0; w < lm_shared->nworkers; w++)
		lm_wake_worker(w);
}

/*
 * lm_set_worker_error records the last error of worker w for laminar.workers.
 */
void
lm_set_worker_error(int worker, const char *msg)
{
	LmWorkerShared *w = &lm_shared->workers[worker];

	SpinLockAcquire(&w->mutex);
	strlcpy(w->last_error, msg ? msg : "", LM_ERRMSG_LEN);
	w->last_error_view = InvalidOid;
	SpinLockRelease(&w->mutex);
}

/*
 * lm_set_worker_view_error records the last error of worker w and the
 * result table of the view it came from: laminar.workers shows its text
 * only to roles that may read that table (the text may quote row values).
 */
void
lm_set_worker_view_error(int worker, Oid view_relid, const char *msg)
{
	LmWorkerShared *w = &lm_shared->workers[worker];

	SpinLockAcquire(&w->mutex);
	strlcpy(w->last_error, msg ? msg : "", LM_ERRMSG_LEN);
	w->last_error_view = view_relid;
	SpinLockRelease(&w->mutex);
}

/*
 * lm_set_view_error records the last error of a view for laminar.views.
 */
void
lm_set_view_error(LmViewShared *slot, const char *msg)
{
	SpinLockAcquire(&slot->mutex);
	strlcpy(slot->last_error, msg ? msg : "", LM_ERRMSG_LEN);
	SpinLockRelease(&slot->mutex);
}

/*
 * lm_set_view_skip keeps a sample of the latest data error a view skipped
 * (an event or a result row) for laminar.views.last_skip_error.
 */
void
lm_set_view_skip(LmViewShared *slot, const char *msg)
{
	SpinLockAcquire(&slot->mutex);
	strlcpy(slot->last_skip, msg ? msg : "", LM_ERRMSG_LEN);
	SpinLockRelease(&slot->mutex);
}
