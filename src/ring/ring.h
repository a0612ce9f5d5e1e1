/*-------------------------------------------------------------------------
 *
 * ring.h
 *	  Lock-free single-producer single-consumer byte rings in shared memory.
 *
 * A ring carries a stream of variable-length records from exactly one
 * producer process to exactly one consumer process.  Capacity is a power of
 * two; head (bytes ever written) and tail (bytes ever consumed) are 64-bit
 * monotonic counters, each on its own cache line, so "used" is head - tail
 * and no wrap flag is needed.  Records may straddle the physical end of the
 * buffer: lm_ring_write() and lm_ring_read() split the copy in two.
 *
 * Ownership and ordering (the protocol of core's shm_mq):
 *	- only the producer stores head; only the consumer stores tail;
 *	- producer: read tail, read barrier, copy bytes, write barrier, store head;
 *	- consumer: read head, read barrier, copy bytes, read barrier, store tail.
 * (A read barrier orders loads before later stores on x86 and ARMv8; see
 * lm_ring_free.)  Each side caches the other's counter in its own cache
 * line and re-reads it only when the cached value says "full" or "empty".
 * Nothing here takes a lock, allocates or makes a system call; waking the
 * other side (SetLatch) is the caller's business and is done once per batch.
 *
 * The header needs only postgres.h and port/atomics.h, so
 * bench/ring_bench.c measures exactly this code in a plain program.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LAMINAR_RING_H
#define LAMINAR_RING_H

#include "postgres.h"
#include "port/atomics.h"

#define LM_CACHE_LINE 64

typedef struct LmRing
{
	/* written by the producer, read by the consumer */
	pg_atomic_uint64 head;
	pg_atomic_uint32 producer_waiting; /* producer sleeps on a full ring */
	int32 producer_procno;			   /* whose latch to set when space frees */
	uint64 tail_cache;				   /* producer-private: last tail it read */
	char pad1[LM_CACHE_LINE - 2 * sizeof(uint64) - 2 * sizeof(uint32)];

	/* written by the consumer, read by the producer */
	pg_atomic_uint64 tail;
	uint64 head_cache; /* consumer-private: last head it read */
	char pad2[LM_CACHE_LINE - 2 * sizeof(uint64)];

	/* set once at initialisation */
	uint64 capacity; /* power of two, bytes */
	uint64 mask;
	/* consumer bookkeeping that must survive a consumer restart */
	pg_atomic_uint32 txn_open; /* consumer holds staged, unfinished records;
								* stored only when it changes (this line is
								* read by the producer on every write) */
	char pad3[LM_CACHE_LINE - 2 * sizeof(uint64) - sizeof(uint32)];

	char data[FLEXIBLE_ARRAY_MEMBER];
} LmRing;

/* lm_ring_bytes returns the shared-memory size of a ring of capacity bytes. */
static inline Size
lm_ring_bytes(uint64 capacity)
{
	return offsetof(LmRing, data) + capacity;
}

/* lm_ring_init initialises an empty ring; capacity must be a power of two. */
static inline void
lm_ring_init(LmRing *r, uint64 capacity)
{
	pg_atomic_init_u64(&r->head, 0);
	pg_atomic_init_u64(&r->tail, 0);
	pg_atomic_init_u32(&r->producer_waiting, 0);
	pg_atomic_init_u32(&r->txn_open, 0);
	r->tail_cache = 0;
	r->head_cache = 0;
	r->producer_procno = -1;
	r->capacity = capacity;
	r->mask = capacity - 1;
}

/*
 * lm_ring_free returns the bytes the producer may write now.  It reads the
 * consumer's tail (a cache line the consumer owns) and remembers it.
 *
 * The load of tail must complete before our later stores into data.  A
 * read barrier suffices: on x86 loads are never reordered with later
 * stores, on ARMv8 pg_read_barrier is "dmb ishld", which orders earlier
 * loads before later loads and stores; and the stores are control-dependent
 * on the loaded value anyway.
 */
static inline uint64
lm_ring_free(LmRing *r, uint64 head)
{
	uint64 tail = pg_atomic_read_u64(&r->tail);

	pg_read_barrier();
	r->tail_cache = tail;
	return r->capacity - (head - tail);
}

/*
 * lm_ring_has_room says whether `need` bytes can be written at head,
 * reading the consumer's tail only when the remembered one says no.
 */
static inline bool
lm_ring_has_room(LmRing *r, uint64 head, uint64 need)
{
	if (r->capacity - (head - r->tail_cache) >= need)
		return true;
	return lm_ring_free(r, head) >= need;
}

/*
 * lm_ring_write copies len bytes to ring position pos (a head-relative
 * counter), splitting the copy at the physical end of the buffer.  It does
 * not publish: call lm_ring_publish once for the whole batch.
 */
static inline void
lm_ring_write(LmRing *r, uint64 pos, const void *src, uint64 len)
{
	uint64 off = pos & r->mask;
	uint64 first = r->capacity - off;

	if (len <= first)
		memcpy(r->data + off, src, len);
	else
	{
		memcpy(r->data + off, src, first);
		memcpy(r->data, (const char *) src + first, len - first);
	}
}

/* lm_ring_publish makes everything written up to new_head visible. */
static inline void
lm_ring_publish(LmRing *r, uint64 new_head)
{
	pg_write_barrier();
	pg_atomic_write_u64(&r->head, new_head);
}

/*
 * lm_ring_try_push writes one record and publishes it if at least
 * len + reserve bytes are free; it returns false (writing nothing) otherwise.
 * This is the one-at-a-time path; batches use lm_ring_write + publish.
 */
static inline bool
lm_ring_try_push(LmRing *r, const void *src, uint64 len, uint64 reserve)
{
	uint64 head = pg_atomic_read_u64(&r->head);

	if (!lm_ring_has_room(r, head, len + reserve))
		return false;
	lm_ring_write(r, head, src, len);
	lm_ring_publish(r, head + len);
	return true;
}

/*
 * lm_ring_available returns how many bytes the consumer may read from tail;
 * it reads the producer's head and remembers it.
 */
static inline uint64
lm_ring_available(LmRing *r, uint64 tail)
{
	uint64 head = pg_atomic_read_u64(&r->head);

	/* loads of data must not be satisfied before the load of head */
	pg_read_barrier();
	r->head_cache = head;
	return head - tail;
}

/*
 * lm_ring_available_cached returns the bytes readable from tail, reading the
 * producer's head only when the remembered one shows nothing.
 */
static inline uint64
lm_ring_available_cached(LmRing *r, uint64 tail)
{
	if (r->head_cache > tail)
		return r->head_cache - tail;
	return lm_ring_available(r, tail);
}

/* lm_ring_read copies len bytes from ring position pos into dst. */
static inline void
lm_ring_read(LmRing *r, uint64 pos, void *dst, uint64 len)
{
	uint64 off = pos & r->mask;
	uint64 first = r->capacity - off;

	if (len <= first)
		memcpy(dst, r->data + off, len);
	else
	{
		memcpy(dst, r->data + off, first);
		memcpy((char *) dst + first, r->data, len - first);
	}
}

/*
 * lm_ring_release hands the bytes up to new_tail back to the producer.  Our
 * loads of the data must complete before the store that lets the producer
 * overwrite it: load-store ordering, which pg_read_barrier gives on x86
 * (free) and ARMv8 ("dmb ishld"), as in shm_mq_inc_bytes_read.
 */
static inline void
lm_ring_release(LmRing *r, uint64 new_tail)
{
	pg_read_barrier();
	pg_atomic_write_u64(&r->tail, new_tail);
}

#endif /* LAMINAR_RING_H */
