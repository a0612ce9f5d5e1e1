/*-------------------------------------------------------------------------
 *
 * ring_bench.c
 *	  Microbenchmark of the SPSC byte ring (src/ring/ring.h) between two
 *	  threads of one ordinary program.
 *
 * Build (bench/run.sh does this):
 *	  gcc -O2 -pthread -I$(pg_config --includedir-server) -Isrc \
 *		  -o ring_bench bench/ring_bench.c
 *
 * ring.h includes "postgres.h" and "port/atomics.h".  atomics.h refuses to
 * be compiled with FRONTEND defined, so this program is compiled like
 * backend code (no FRONTEND) but uses nothing from the backend except
 * inline functions and macros: on x86-64 and aarch64 with gcc every
 * pg_atomic_* and barrier used by ring.h is an inline builtin or asm, so
 * nothing needs to be linked from the server.
 *
 * Producer and consumer threads are pinned to CPU 0 and CPU 1 when the
 * machine allows it (silently unpinned otherwise).  Records are 32 bytes:
 * a 16-byte header (length, kind, sequence number) and a 16-byte payload
 * (sequence number, a value derived from it).  The consumer checks every
 * record's header and payload against the expected sequence and both sides
 * compute a checksum, so a broken ring cannot produce a plausible figure.
 *
 * First the floor: one cache line bounced between the two CPUs (a
 * one-at-a-time hand-off cannot beat one such transfer per record).  Then
 * two modes, N events each (default 50M, argv[1] overrides):
 *	one-at-a-time: producer lm_ring_try_push per record (spinning while the
 *		ring is full); consumer lm_ring_available_cached / lm_ring_read /
 *		lm_ring_release per record;
 *	batched: like Laminar's producer, 64 records are formed in a local
 *		buffer and copied into the ring with one lm_ring_write and one
 *		publish; like Laminar's worker, the consumer reads what is
 *		available record by record and releases once.
 *
 * Output:
 *	  cache-line transfer between CPU 0 and 1 (one way): T ns
 *	  ring one-at-a-time: X ns/event
 *	  ring batched: Y ns/event
 * Exit status 1 if any verification failed.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include "ring/ring.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * port.h (via c.h) maps the printf family onto libpgport's implementations;
 * this program does not link libpgport, so use the C library's.
 */
#undef printf
#undef fprintf
#undef snprintf
#undef vsnprintf
#undef perror

#define RING_CAPACITY	(1024 * 1024)
#define REC_LEN			32
#define HDR_LEN			16
#define BATCH			64
#define REC_KIND		0x4c4d			/* "LM" */

typedef struct RecHeader
{
	uint32		len;			/* whole record, header included */
	uint32		kind;
	uint64		seq;
} RecHeader;

typedef struct RecPayload
{
	uint64		seq;
	uint64		value;
} RecPayload;

typedef struct Rec
{
	RecHeader	h;
	RecPayload	p;
} Rec;

StaticAssertDecl(sizeof(RecHeader) == HDR_LEN, "header must be 16 bytes");
StaticAssertDecl(sizeof(Rec) == REC_LEN, "record must be 32 bytes");

typedef enum Mode
{
	MODE_ONE,
	MODE_BATCH
} Mode;

typedef struct Shared
{
	LmRing	   *ring;
	Mode		mode;
	uint64		n;
	pg_atomic_uint32 ready;		/* threads that reached the start line */
	pg_atomic_uint32 go;
	uint64		prod_sum;
	uint64		cons_sum;
	uint64		errors;
	uint64		first_error_seq;
	uint64		full_spins;		/* producer found the ring full */
	uint64		empty_spins;	/* consumer found the ring empty */
	int			pinned[2];
} Shared;

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* a cheap bijective mixer so the value is not trivially the sequence */
static inline uint64
mix(uint64 x)
{
	x ^= x >> 33;
	x *= UINT64CONST(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64CONST(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

/* order-sensitive checksum step */
static inline uint64
csum_step(uint64 sum, uint64 seq, uint64 value)
{
	return (sum ^ (seq + value)) * UINT64CONST(0x100000001b3) + 1;
}

static inline void
make_rec(Rec *rec, uint64 seq)
{
	rec->h.len = REC_LEN;
	rec->h.kind = REC_KIND;
	rec->h.seq = seq;
	rec->p.seq = seq;
	rec->p.value = mix(seq);
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

static int
pin_to(int cpu)
{
	cpu_set_t	set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

static void
start_line(Shared *sh)
{
	pg_atomic_fetch_add_u32(&sh->ready, 1);
	while (pg_atomic_read_u32(&sh->go) == 0)
		cpu_relax();
}

static void *
producer_main(void *arg)
{
	Shared	   *sh = (Shared *) arg;
	LmRing	   *r = sh->ring;
	uint64		n = sh->n;
	uint64		sum = 0;
	uint64		spins = 0;
	Rec			rec;

	sh->pinned[0] = pin_to(0);
	start_line(sh);

	if (sh->mode == MODE_ONE)
	{
		for (uint64 seq = 0; seq < n; seq++)
		{
			make_rec(&rec, seq);
			sum = csum_step(sum, rec.p.seq, rec.p.value);
			while (!lm_ring_try_push(r, &rec, REC_LEN, 0))
			{
				spins++;
				cpu_relax();
			}
		}
	}
	else
	{
		uint64		head = pg_atomic_read_u64(&r->head);
		uint64		free_bytes = 0;
		uint64		seq = 0;
		Rec			batch[BATCH];

		while (seq < n)
		{
			uint64		cnt = Min((uint64) BATCH, n - seq);
			uint64		need = cnt * REC_LEN;

			/* re-read the consumer's tail only when the cached space is short */
			while (free_bytes < need)
			{
				free_bytes = lm_ring_free(r, head);
				if (free_bytes < need)
				{
					spins++;
					cpu_relax();
				}
			}
			/* like Laminar's producer: form the batch locally, one copy in */
			for (uint64 i = 0; i < cnt; i++, seq++)
			{
				make_rec(&batch[i], seq);
				sum = csum_step(sum, batch[i].p.seq, batch[i].p.value);
			}
			lm_ring_write(r, head, batch, need);
			head += need;
			free_bytes -= need;
			lm_ring_publish(r, head);
		}
	}

	sh->prod_sum = sum;
	sh->full_spins = spins;
	return NULL;
}

static inline void
check_rec(Shared *sh, const Rec *rec, uint64 expect, uint64 *errors)
{
	if (unlikely(rec->h.len != REC_LEN || rec->h.kind != REC_KIND ||
				 rec->h.seq != expect || rec->p.seq != expect ||
				 rec->p.value != mix(expect)))
	{
		if (*errors == 0)
			sh->first_error_seq = expect;
		(*errors)++;
	}
}

static void *
consumer_main(void *arg)
{
	Shared	   *sh = (Shared *) arg;
	LmRing	   *r = sh->ring;
	uint64		n = sh->n;
	uint64		sum = 0;
	uint64		errors = 0;
	uint64		spins = 0;
	uint64		tail = pg_atomic_read_u64(&r->tail);
	uint64		seq = 0;
	Rec			rec;

	sh->pinned[1] = pin_to(1);
	start_line(sh);

	if (sh->mode == MODE_ONE)
	{
		while (seq < n)
		{
			if (lm_ring_available_cached(r, tail) < HDR_LEN)
			{
				spins++;
				cpu_relax();
				continue;
			}
			/* header first, then the payload it announces */
			lm_ring_read(r, tail, &rec.h, HDR_LEN);
			if (unlikely(rec.h.len != REC_LEN))
			{
				fprintf(stderr, "ring_bench: bad record length %u at seq %llu\n",
						rec.h.len, (unsigned long long) seq);
				sh->errors = errors + 1;
				sh->first_error_seq = seq;
				return NULL;
			}
			lm_ring_read(r, tail + HDR_LEN, &rec.p, REC_LEN - HDR_LEN);
			tail += REC_LEN;
			lm_ring_release(r, tail);
			check_rec(sh, &rec, seq, &errors);
			sum = csum_step(sum, rec.p.seq, rec.p.value);
			seq++;
		}
	}
	else
	{
		while (seq < n)
		{
			uint64		avail = lm_ring_available(r, tail);
			uint64		pos = tail;
			uint64		end = tail + avail;

			if (avail < REC_LEN)
			{
				spins++;
				cpu_relax();
				continue;
			}
			while (end - pos >= REC_LEN)
			{
				lm_ring_read(r, pos, &rec, REC_LEN);
				if (unlikely(rec.h.len != REC_LEN))
				{
					fprintf(stderr, "ring_bench: bad record length %u at seq %llu\n",
							rec.h.len, (unsigned long long) seq);
					sh->errors = errors + 1;
					sh->first_error_seq = seq;
					return NULL;
				}
				check_rec(sh, &rec, seq, &errors);
				sum = csum_step(sum, rec.p.seq, rec.p.value);
				seq++;
				pos += REC_LEN;
			}
			tail = pos;
			lm_ring_release(r, tail);
		}
	}

	sh->cons_sum = sum;
	sh->errors = errors;
	sh->empty_spins = spins;
	return NULL;
}

static int
run_mode(Mode mode, uint64 n, const char *label)
{
	LmRing	   *ring;
	Shared		sh;
	pthread_t	prod,
				cons;
	double		t0,
				t1;
	int			ok;

	ring = aligned_alloc(LM_CACHE_LINE,
						 TYPEALIGN(LM_CACHE_LINE, lm_ring_bytes(RING_CAPACITY)));
	if (ring == NULL)
	{
		perror("ring_bench: aligned_alloc");
		exit(2);
	}
	lm_ring_init(ring, RING_CAPACITY);
	/* fault the buffer in before timing */
	memset(ring->data, 0, RING_CAPACITY);

	memset(&sh, 0, sizeof(sh));
	sh.ring = ring;
	sh.mode = mode;
	sh.n = n;
	pg_atomic_init_u32(&sh.ready, 0);
	pg_atomic_init_u32(&sh.go, 0);

	if (pthread_create(&cons, NULL, consumer_main, &sh) != 0 ||
		pthread_create(&prod, NULL, producer_main, &sh) != 0)
	{
		perror("ring_bench: pthread_create");
		exit(2);
	}
	while (pg_atomic_read_u32(&sh.ready) < 2)
		cpu_relax();
	t0 = now_ns();
	pg_atomic_write_u32(&sh.go, 1);
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);
	t1 = now_ns();

	ok = (sh.errors == 0 && sh.prod_sum == sh.cons_sum &&
		  pg_atomic_read_u64(&ring->head) == n * REC_LEN &&
		  pg_atomic_read_u64(&ring->tail) == n * REC_LEN);

	printf("ring %s: %.2f ns/event\n", label, (t1 - t0) / (double) n);
	fprintf(stderr,
			"  [%s] %llu events in %.3f s; checksum %016llx/%016llx %s; "
			"errors %llu; pinned producer=%s consumer=%s; "
			"full spins %llu, empty spins %llu\n",
			label, (unsigned long long) n, (t1 - t0) / 1e9,
			(unsigned long long) sh.prod_sum, (unsigned long long) sh.cons_sum,
			ok ? "OK" : "MISMATCH",
			(unsigned long long) sh.errors,
			sh.pinned[0] ? "cpu0" : "no", sh.pinned[1] ? "cpu1" : "no",
			(unsigned long long) sh.full_spins,
			(unsigned long long) sh.empty_spins);
	if (!ok)
		fprintf(stderr, "ring_bench: %s verification FAILED (first bad seq %llu)\n",
				label, (unsigned long long) sh.first_error_seq);
	free(ring);
	return ok;
}

/*
 * The hardware floor for one-at-a-time hand-off: a cache line bounced
 * between the two pinned CPUs.  A consumer that keeps up with a producer
 * publishing one record at a time needs at least one such transfer per
 * record, so this bounds what any SPSC queue can do on the machine.
 */
static pg_atomic_uint64 pp_flag;
static uint64 pp_rounds;

static void *
pingpong_main(void *arg)
{
	(void) pin_to(1);
	for (uint64 i = 0; i < pp_rounds; i++)
	{
		while (pg_atomic_read_u64(&pp_flag) != 2 * i + 1)
			;
		pg_atomic_write_u64(&pp_flag, 2 * i + 2);
	}
	return NULL;
}

static void
run_pingpong(void)
{
	pthread_t	t;
	double		t0,
				t1;

	pp_rounds = 1000000;
	pg_atomic_init_u64(&pp_flag, 0);
	(void) pin_to(0);
	if (pthread_create(&t, NULL, pingpong_main, NULL) != 0)
		return;
	t0 = now_ns();
	for (uint64 i = 0; i < pp_rounds; i++)
	{
		pg_atomic_write_u64(&pp_flag, 2 * i + 1);
		while (pg_atomic_read_u64(&pp_flag) != 2 * i + 2)
			;
	}
	t1 = now_ns();
	pthread_join(t, NULL);
	printf("cache-line transfer between CPU 0 and 1 (one way): %.2f ns\n",
		   (t1 - t0) / (double) pp_rounds / 2);
}

/*
 * run_single pushes and pops n records on one thread, with no waiting, so
 * that valgrind --tool=callgrind counts the ring's own instructions per
 * record repeatably (bench/callgrind.sh).  Both paths of the real code are
 * exercised: one-at-a-time (try_push / available_cached / read / release)
 * for the first half, batched (write + publish of 64 / read per record +
 * one release) for the second.
 */
static int
run_single(uint64 n)
{
	Size		bytes = TYPEALIGN(LM_CACHE_LINE, lm_ring_bytes(RING_CAPACITY));
	LmRing	   *r = aligned_alloc(LM_CACHE_LINE, bytes);
	uint64		tail = 0,
				head = 0,
				sum_in = 0,
				sum_out = 0,
				errors = 0;
	Rec			rec,
				batch[BATCH];

	lm_ring_init(r, RING_CAPACITY);
	for (uint64 seq = 0; seq < n / 2; seq++)
	{
		make_rec(&rec, seq);
		sum_in += rec.p.value;
		if (!lm_ring_try_push(r, &rec, REC_LEN, 0) ||
			lm_ring_available_cached(r, tail) < REC_LEN)
			errors++;
		lm_ring_read(r, tail, &rec, REC_LEN);
		tail += REC_LEN;
		lm_ring_release(r, tail);
		errors += (rec.p.seq != seq);
		sum_out += rec.p.value;
	}
	head = tail;
	for (uint64 seq = n / 2; seq < n; seq += BATCH)
	{
		uint64		cnt = Min((uint64) BATCH, n - seq);

		for (uint64 i = 0; i < cnt; i++)
		{
			make_rec(&batch[i], seq + i);
			sum_in += batch[i].p.value;
		}
		if (lm_ring_free(r, head) < cnt * REC_LEN)
			errors++;
		lm_ring_write(r, head, batch, cnt * REC_LEN);
		head += cnt * REC_LEN;
		lm_ring_publish(r, head);
		while (lm_ring_available(r, tail) >= REC_LEN)
		{
			lm_ring_read(r, tail, &rec, REC_LEN);
			tail += REC_LEN;
			sum_out += rec.p.value;
		}
		lm_ring_release(r, tail);
	}
	free(r);
	printf("single-thread: %llu records, %s\n", (unsigned long long) n,
		   errors == 0 && sum_in == sum_out ? "verified" : "MISMATCH");
	return errors == 0 && sum_in == sum_out;
}

int
main(int argc, char **argv)
{
	uint64		n = UINT64CONST(50000000);
	int			ok = 1;

	if (argc > 1 && strcmp(argv[1], "--single") == 0)
		return run_single(argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000) ? 0 : 1;
	if (argc > 1)
	{
		char	   *end;

		n = strtoull(argv[1], &end, 10);
		if (*end != '\0' || n == 0)
		{
			fprintf(stderr, "usage: %s [events]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	run_pingpong();
	ok &= run_mode(MODE_ONE, n, "one-at-a-time");
	ok &= run_mode(MODE_BATCH, n, "batched");
	return ok ? 0 : 1;
}
