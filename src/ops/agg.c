/*-------------------------------------------------------------------------
 *
 * agg.c
 *	  The Aggregate operator: folds changes into groups keyed by (window,
 *	  group key) and emits each group's result row as a change.
 *
 * Aggregates run on PostgreSQL's own transition and final functions, with
 * nodeAgg's semantics reproduced (strict transition functions skip NULL
 * input and adopt the first non-NULL input as state; by-reference states
 * are copied into the window's memory context; initial values are copied
 * per group because some transition functions update their state in
 * place).  Functions that insist on an aggregate context get a fake
 * AggState whose curaggcontext points at the window's memory context.  The
 * per-aggregate data (LmAggSpec, fixed, ops/aggfn.c) is kept apart from the
 * per-group values (LmAggVal), as nodeAgg keeps its pertrans and pergroup.
 *
 * Groups of one window live in a TupleHashTable (execGrouping.c, the one
 * nodeAgg uses) allocated in the window's context; a view without plain
 * keys has a single group per window.  A view without a window has one
 * window [0, 0).
 *
 * Output, a changelog.  Each group keeps the row it emitted last (last),
 * so that a change of the group is emitted as -last, +new.  ON UPDATE:
 * flush emits the groups changed since the last flush, and a watermark
 * those of the windows it closes; ON WINDOW CLOSE: a watermark emits every
 * group of the windows it closes, once.  What a step emitted becomes the
 * group's last row when the step commits (settle); a rolled-back step
 * leaves the groups dirty and the windows open, to be emitted again.
 *
 * An event is all or nothing for its group: its FILTERs and arguments were
 * evaluated by Calc before it arrives, and if a transition raises an error
 * the group's values are put back (undo), except for a change a transition
 * function made in place before raising it.
 *
 * Nothing here allocates per event beyond what the hash table does for a
 * new group and what the transition functions do themselves.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "executor/executor.h"
#include "access/nbtree.h"
#include "catalog/pg_am.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "utils/datum.h"
#include "utils/array.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "ops/ops.h"

typedef struct LmAggVal
{
	Datum value;
	bool isnull;
	bool notrans; /* no transition value yet (strict, no initval) */
} LmAggVal;

/* the input an aggregate with an unserializable state has seen (retain) */
typedef struct LmRetained
{
	char *buf;
	uint32 len;
	uint32 cap;
} LmRetained;

/* the most group keys the fast group table holds */
#define LM_FAST_MAXKEYS 4

/* a key of the fast group table: by-value keys with bitwise equality */
typedef struct LmFastKey
{
	Datum k[LM_FAST_MAXKEYS]; /* 0 where NULL or past nkeys */
	uint32 nulls;			  /* bit i: key i is NULL */
} LmFastKey;

typedef struct LmGroup
{
	struct LmGroup *next_dirty;
	struct LmGroup *next_in_win; /* every group of its window */
	MinimalTuple key;			 /* the group's key values (hash table copy) */
	LmFastKey fkey;				 /* ... in the fast group table instead */
	MinimalTuple last;			 /* the row it emitted last, in a committed step */
	MinimalTuple next;			 /* the row the running step emitted */
	Datum *rows;				 /* ... kept inline instead (LmAggOp.inline_rows):
								  * last values, next values, last nulls, next nulls */
	bool haslast;				 /* inline: there is a last row */
	bool hasnext;				 /* inline: there is a next row */
	bool dirty;
	bool seen;		  /* an event reached its aggregates (not only a failed one) */
	bool emit_failed; /* its row failed to compute: retried, counted once */
	int64 next_ws;	  /* the window bounds of its next and last rows (a */
	int64 next_we;	  /* session's bounds move: -last must name the */
	int64 last_ws;	  /* window the sink holds that row in) */
	int64 last_we;
	struct LmKeySessions *sessions; /* session views, in the key directory:
									 * the key's open sessions */
	bool nonext;					/* the running step emitted no row: HAVING is false */
	LmRetained *retained;			/* per aggregate, NULL unless one retains input */
	LmAggVal vals[FLEXIBLE_ARRAY_MEMBER];
} LmGroup;

/* an entry of the fast group table (lib/simplehash.h) */
typedef struct LmFastEntry
{
	LmFastKey key;
	uint32 hash;
	char status;
	LmGroup *g;
} LmFastEntry;

/*
 * lm_fast_hash hashes a fast key.
 */
static inline uint32
lm_fast_hash(const LmFastKey *k)
{
	uint64 h = k->nulls;

	for (int i = 0; i < LM_FAST_MAXKEYS; i++)
	{
		/* the finaliser of MurmurHash3 (fmix64) per key, combined */
		uint64 x = (uint64) k->k[i];

		x ^= x >> 33;
		x *= UINT64CONST(0xff51afd7ed558ccd);
		x ^= x >> 33;
		x *= UINT64CONST(0xc4ceb9fe1a85ec53);
		x ^= x >> 33;
		h = hash_combine64(h, x);
	}
	return (uint32) (h ^ (h >> 32));
}

#define SH_PREFIX lmfast
#define SH_ELEMENT_TYPE LmFastEntry
#define SH_KEY_TYPE LmFastKey
#define SH_KEY key
#define SH_HASH_KEY(tb, key) lm_fast_hash(&(key))
#define SH_EQUAL(tb, a, b) (memcmp(&(a), &(b), sizeof(LmFastKey)) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct LmWindow
{
	LmWindowHead head; /* its bounds, in range (checked when it is made) */
	MemoryContext cxt;
	TupleHashTable table; /* NULL when the view has no plain keys */
	lmfast_hash *fast;	  /* the fast group table instead (LmAggOp.fast) */
	LmGroup *groups;	  /* every group, a list through next_in_win */
	LmGroup *single;	  /* the one group when there are no keys */
	LmGroup *dirty;		  /* groups changed since the last emit */
	LmGroup *pending;	  /* emitted in the running step */
	int64 ngroups;
	bool closing; /* the running step closed it: freed when it commits */
	bool fired;	  /* the watermark reached its end (AFTER WATERMARK) */
	/* session windows: one group (single), the key's session list */
	struct LmKeySessions *ks;
	bool retired;	/* merged into another session: its row is retracted */
	int64 period;	/* the max_session period it lies in (0 without one) */
	bool retracted; /* ... by the running step */
} LmWindow;

/* the open sessions of one key (session views), in no order */
typedef struct LmKeySessions
{
	int n;
	int cap;
	LmWindow **s;
} LmKeySessions;

/* rows whose groups are found before their transitions run */
#define LM_AGG_CHUNK 64

typedef struct LmAggOp
{
	LmOp op;
	LmAggDesc d;
	/* group keys */
	AttrNumber *keycolidx;
	Oid *eqfuncs;
	FmgrInfo *hashfns;
	Oid *keycoll;
	TupleTableSlot *keyslot;  /* input to the hash table */
	TupleTableSlot *keyread;  /* deforms a stored key */
	TupleTableSlot *lastread; /* deforms a stored result row */
	Size group_size;
	bool any_retain;
	StringInfoData retainbuf; /* one event's retained input, being formed */
	bool any_byref;			  /* some aggregate's state is held by reference */
	bool inline_rows;		  /* every output is by value: rows kept inline */
	bool fast;				  /* keys are by-value types with bitwise equality: lmfast */
	/* windows, oldest first (session views: in no order) */
	LmWindow *dir; /* session views: one group per key (its sessions) */
	LmWindow **wins;
	int nwins;
	int wins_cap;
	/* undo of the event whose transitions are running */
	LmGroup *cur_group;
	LmAggVal *savevals;
	int64 *saveretlen;	   /* retained input lengths before it, -1: not retained */
	MemoryContext copycxt; /* a state copy being finalized (finalcopy) */
	/*
	 * The bytes of an inline state that is updated in place (float8_accum's
	 * and int4_avg_accum's arrays, int8_avg_accum's struct), saved before
	 * its transition when a later aggregate of the event could still fail:
	 * LM_AGG_INPLACE_MAX bytes per aggregate, inplace_len[k] of them used
	 * (0: nothing saved for this event).
	 */
	char *inplace_save;
	int *inplace_len;
	Datum *deferred; /* replaced by-reference states, freed after them */
	int *deferred_agg;
	int ndeferred;
	int since_reset;
	/* the chunk of rows being folded (lm_agg_find_groups) */
	LmWindow *rowwin[LM_AGG_CHUNK];
	LmGroup *rowgroup[LM_AGG_CHUNK];
	LmFastKey rowkey[LM_AGG_CHUNK];
	uint32 rowhash[LM_AGG_CHUNK];
} LmAggOp;

#define LM_RESET_EVERY 64

/*
 * lm_agg_new_window makes the window [start, end): listed in the
 * aggregate's windows or not (the session directory), keyed (a group
 * table) or not (a session, whose one group the caller makes).
 */
static LmWindow *
lm_agg_new_window(LmAggOp *a, int64 start, int64 end, bool listed, bool keyed)
{
	LmWindow *win;
	MemoryContext old;

	win = MemoryContextAllocZero(a->op.cxt, sizeof(LmWindow));
	win->head.start = start;
	win->head.end = end;
	/*
	 * Blocks of at most 64 kB come from malloc's heap, not from mmap: a
	 * window's memory, freed when it closes, serves the next window without
	 * new page faults.
	 */
	win->cxt = AllocSetContextCreate(a->op.cxt, "laminar window", ALLOCSET_DEFAULT_MINSIZE,
									 ALLOCSET_DEFAULT_INITSIZE, LM_WINDOW_MAXBLOCK);
	if (!keyed)
		; /* a session: its one group is made by the caller */
	else if (a->fast)
		win->fast = lmfast_create(win->cxt, 256, NULL);
	else if (a->d.nkeys > 0)
	{
		old = MemoryContextSwitchTo(win->cxt);
		win->table = BuildTupleHashTableExt(
			NULL, a->d.keydesc, a->d.nkeys, a->keycolidx, a->eqfuncs, a->hashfns, a->keycoll, 256,
			0, win->cxt, win->cxt, a->op.graph->econtext->ecxt_per_tuple_memory, false);
		MemoryContextSwitchTo(old);
	}
	if (listed)
		a->wins = (LmWindow **) lm_windows_add((void **) a->wins, &a->nwins, &a->wins_cap, win,
											   a->op.cxt);
	return win;
}

/*
 * lm_agg_find_window returns the window [start, end), creating it.
 */
static LmWindow *
lm_agg_find_window(LmAggOp *a, int64 start, int64 end)
{
	LmWindow *win = lm_windows_find((void **) a->wins, a->nwins, start, end);

	return win != NULL ? win : lm_agg_new_window(a, start, end, true, true);
}

/*
 * lm_agg_new_group allocates a group with every aggregate at its initial
 * value.
 */
static LmGroup *
lm_agg_new_group(LmAggOp *a, LmWindow *win)
{
	LmGroup *g = MemoryContextAllocZero(win->cxt, a->group_size);

	for (int i = 0; i < a->d.naggs; i++)
	{
		LmAggSpec *s = &a->d.aggs[i];

		if (s->initnull)
		{
			g->vals[i].isnull = true;
			g->vals[i].notrans = true;
		}
		else
		{
			MemoryContext old = MemoryContextSwitchTo(win->cxt);

			g->vals[i].value = datumCopy(s->initval, s->transbyval, s->translen);
			MemoryContextSwitchTo(old);
		}
	}
	if (a->any_retain)
		g->retained = MemoryContextAllocZero(win->cxt, sizeof(LmRetained) * a->d.naggs);
	g->next_in_win = win->groups;
	win->groups = g;
	win->ngroups++;
	a->op.groups++;
	return g;
}

/*
 * lm_agg_free_state frees a by-reference transition value we own.
 */
static void
lm_agg_free_state(LmAggSpec *s, Datum d)
{
	if (DatumIsReadWriteExpandedObject(d, false, s->translen))
		DeleteExpandedObject(d);
	else
		pfree(DatumGetPointer(d));
}

/*
 * lm_agg_retain appends the arguments of one event to what a retaining
 * aggregate of a group has seen (the snapshot of its state).
 */
static void
lm_agg_retain(LmAggOp *a, LmAggSpec *s, LmRetained *r, FunctionCallInfo fc, MemoryContext gcxt)
{
	StringInfo buf = &a->retainbuf;

	resetStringInfo(buf);
	for (int i = 0; i < s->nargs; i++)
		lm_snap_put_datum(buf, fc->args[i + 1].value, fc->args[i + 1].isnull, s->argbyval[i],
						  s->arglen[i]);
	if (r->len + buf->len > r->cap)
	{
		uint32 ncap = Max(r->cap * 2, r->len + buf->len);

		ncap = Max(ncap, 256);
		r->buf = r->buf ? repalloc(r->buf, ncap) : MemoryContextAlloc(gcxt, ncap);
		r->cap = ncap;
	}
	memcpy(r->buf + r->len, buf->data, buf->len);
	r->len += buf->len;
}

/*
 * lm_agg_advance feeds one event, whose arguments are in the call info
 * already, to one aggregate of one group.  A replaced by-reference state
 * is not freed here but queued in deferred, so that lm_agg_undo can
 * restore it if a later aggregate of the same event fails.
 */
static inline void
lm_agg_advance(LmAggOp *a, LmAggSpec *s, LmAggVal *val, MemoryContext gcxt)
{
	FunctionCallInfo fc = s->transcall;
	MemoryContext old;
	Datum newv;

	if (s->transstrict)
	{
		for (int i = 0; i < s->nargs; i++)
			if (fc->args[i + 1].isnull)
				return;
		if (val->notrans)
		{
			old = MemoryContextSwitchTo(gcxt);
			val->value = datumCopy(fc->args[1].value, s->transbyval, s->translen);
			MemoryContextSwitchTo(old);
			val->isnull = false;
			val->notrans = false;
			return;
		}
		if (val->isnull)
			return;
	}

	a->d.fake_agg->curaggcontext->ecxt_per_tuple_memory = gcxt;
	fc->args[0].value = val->value;
	fc->args[0].isnull = val->isnull;
	fc->isnull = false;
	old = MemoryContextSwitchTo(a->d.tmpcxt);
	newv = FunctionCallInvoke(fc);
	MemoryContextSwitchTo(old);

	if (!s->transbyval && DatumGetPointer(newv) != DatumGetPointer(val->value))
	{
		if (!fc->isnull)
		{
			if (!(DatumIsReadWriteExpandedObject(newv, false, s->translen) &&
				  MemoryContextGetParent(DatumGetEOHP(newv)->eoh_context) == gcxt))
			{
				old = MemoryContextSwitchTo(gcxt);
				newv = datumCopy(newv, false, s->translen);
				MemoryContextSwitchTo(old);
			}
		}
		if (!val->isnull)
		{
			a->deferred[a->ndeferred] = val->value;
			a->deferred_agg[a->ndeferred++] = (int) (s - a->d.aggs);
		}
	}
	val->value = newv;
	val->isnull = fc->isnull;
	val->notrans = false;
}

/*
 * lm_agg_signed returns a by-value integer datum of typlen len as int64.
 */
static inline int64
lm_agg_signed(Datum d, int16 len)
{
	switch (len)
	{
		case 2:
			return DatumGetInt16(d);
		case 4:
			return DatumGetInt32(d);
		default:
			return DatumGetInt64(d);
	}
}

/*
 * lm_agg_float8_accum is float8_accum (avg, variance and stddev of float8)
 * in an aggregate context: the Youngs-Cramer update of the state array
 * {N, Sx, Sxx}, in place, with the function's overflow and NaN rules.
 * Returns false, to have the function called (and raise its own error),
 * for a state that is not a plain float8[3].
 */
static inline bool
lm_agg_float8_accum(LmAggVal *val, float8 newval)
{
	ArrayType *arr = (ArrayType *) DatumGetPointer(val->value);
	float8 *tv;
	float8 N;
	float8 Sx;
	float8 Sxx;
	float8 tmp;

	if (VARATT_IS_EXTENDED(arr) || ARR_NDIM(arr) != 1 || ARR_DIMS(arr)[0] != 3 ||
		ARR_HASNULL(arr) || ARR_ELEMTYPE(arr) != FLOAT8OID)
		return false;
	tv = (float8 *) ARR_DATA_PTR(arr);
	N = tv[0];
	Sx = tv[1];
	Sxx = tv[2];
	N += 1.0;
	Sx += newval;
	if (tv[0] > 0.0)
	{
		tmp = newval * N - Sx;
		Sxx += tmp * tmp / (N * tv[0]);
		/* finite inputs with an infinite result overflow; infinite ones make NaN */
		if (isinf(Sx) || isinf(Sxx))
		{
			if (!isinf(tv[1]) && !isinf(newval))
				float_overflow_error();
			Sxx = get_float8_nan();
		}
	}
	else if (isnan(newval) || isinf(newval))
		Sxx = get_float8_nan();
	tv[0] = N;
	tv[1] = Sx;
	tv[2] = Sxx;
	return true;
}

/* the largest inline state saved byte for byte (lm_agg_save_in_place) */
#define LM_AGG_INPLACE_MAX 64

/*
 * lm_agg_fast_in_place says whether a specialised transition updates its
 * by-reference state in place.
 */
static inline bool
lm_agg_fast_in_place(int fast)
{
	return fast == LM_AGGFAST_FLOAT8_ACCUM || fast == LM_AGGFAST_AVG_INT ||
		   fast == LM_AGGFAST_INT8_ACCUM;
}

/*
 * lm_agg_save_in_place keeps the bytes of aggregate k's state before its
 * transition updates them in place, for lm_agg_undo.
 */
static inline void
lm_agg_save_in_place(LmAggOp *a, LmAggSpec *s, int k, Datum state)
{
	Size len;

	if (s->fast == LM_AGGFAST_INT8_ACCUM)
	{
#ifdef HAVE_INT128
		len = sizeof(LmInt128AggState);
#else
		return;
#endif
	}
	else
	{
		if (VARATT_IS_EXTENDED(DatumGetPointer(state)))
			return; /* the transition calls the function, which copies */
		len = VARSIZE(DatumGetPointer(state));
	}
	if (len > LM_AGG_INPLACE_MAX)
		return;
	memcpy(a->inplace_save + k * LM_AGG_INPLACE_MAX, DatumGetPointer(state), len);
	a->inplace_len[k] = (int) len;
}

/*
 * lm_agg_int_avg_accum is int2/int4_avg_accum on an int8[2] state {count,
 * sum}, in place, as the function does in an aggregate; returns false, to
 * have the function called (and raise its own error), for a state of
 * another shape.
 */
static inline bool
lm_agg_int_avg_accum(LmAggVal *val, int64 newval)
{
	ArrayType *arr = (ArrayType *) DatumGetPointer(val->value);
	LmInt8TransData *t;

	if (VARATT_IS_EXTENDED(arr) || ARR_HASNULL(arr) ||
		ARR_SIZE(arr) != ARR_OVERHEAD_NONULLS(1) + sizeof(LmInt8TransData))
		return false;
	t = (LmInt8TransData *) ARR_DATA_PTR(arr);
	t->count++;
	t->sum += newval;
	return true;
}

/*
 * lm_agg_fast runs a specialised transition (LmAggFast, picked by
 * lm_aggfn_pick_fast) on one event whose arguments are in the call info:
 * the strict rules of lm_agg_advance, then the function's own arithmetic
 * inline.  Returns false to have the function called instead (count at its
 * overflow, so that the function raises its own error).
 */
static inline bool
lm_agg_fast(LmAggSpec *s, LmAggVal *val, FunctionCallInfo fc)
{
	Datum x = fc->args[1].value;
	int64 r;

	for (int i = 0; i < s->nargs; i++)
		if (fc->args[i + 1].isnull)
		{
			/*
			 * A strict function is not called; int2/int4_sum return the
			 * state as it was; int8_avg_accum makes an empty state first.
			 */
			return !(s->fast == LM_AGGFAST_INT8_ACCUM && val->isnull);
		}
	if (s->fast == LM_AGGFAST_SUM_INT && val->isnull)
	{
		/* int4_sum: a NULL state becomes the first input, as int8 */
		val->value = Int64GetDatum(lm_agg_signed(x, s->arglen[0]));
		val->isnull = false;
		val->notrans = false;
		return true;
	}
	if (s->fast == LM_AGGFAST_INT8_ACCUM && val->isnull)
		return false; /* the function makes the state */
	if (val->notrans)
	{
		/* the first input becomes the state (by value: no copy) */
		if (s->fast == LM_AGGFAST_COUNT)
			return false;
		val->value = x;
		val->isnull = false;
		val->notrans = false;
		return true;
	}
	if (val->isnull)
		return true;
	switch (s->fast)
	{
		case LM_AGGFAST_COUNT:
			if (pg_add_s64_overflow(DatumGetInt64(val->value), 1, &r))
				return false;
			val->value = Int64GetDatum(r);
			break;
		case LM_AGGFAST_SUM_FLOAT8:
			val->value = Float8GetDatum(float8_pl(DatumGetFloat8(val->value), DatumGetFloat8(x)));
			break;
		case LM_AGGFAST_MAX_INT:
			if (!(lm_agg_signed(val->value, s->translen) > lm_agg_signed(x, s->translen)))
				val->value = x;
			break;
		case LM_AGGFAST_MIN_INT:
			if (!(lm_agg_signed(val->value, s->translen) < lm_agg_signed(x, s->translen)))
				val->value = x;
			break;
		case LM_AGGFAST_MAX_FLOAT8:
			if (!float8_gt(DatumGetFloat8(val->value), DatumGetFloat8(x)))
				val->value = x;
			break;
		case LM_AGGFAST_MIN_FLOAT8:
			if (!float8_lt(DatumGetFloat8(val->value), DatumGetFloat8(x)))
				val->value = x;
			break;
		case LM_AGGFAST_FLOAT8_ACCUM:
			return lm_agg_float8_accum(val, DatumGetFloat8(x));
		case LM_AGGFAST_SUM_INT:
			/* int4_sum adds without an overflow check: so do we */
			val->value = Int64GetDatum(DatumGetInt64(val->value) + lm_agg_signed(x, s->arglen[0]));
			break;
		case LM_AGGFAST_AVG_INT:
			return lm_agg_int_avg_accum(val, lm_agg_signed(x, s->arglen[0]));
		case LM_AGGFAST_INT8_ACCUM:
#ifdef HAVE_INT128
		{
			/* do_int128_accum of utils/adt/numeric.c */
			LmInt128AggState *st = (LmInt128AggState *) DatumGetPointer(val->value);
			int128 v = (int128) DatumGetInt64(x);

			if (st->calcSumX2)
				st->sumX2 += v * v;
			st->sumX += v;
			st->N++;
		}
		break;
#else
			return false;
#endif
		default:
			return false;
	}
	return true;
}

/*
 * lm_agg_undo puts back the group whose transitions were running when an
 * error interrupted them.  A transition function that changed its state in
 * place before raising the error (rather than returning a new one) leaves
 * that change: PostgreSQL's own functions check their input before they
 * write, but a user-defined one may not.
 */
static void
lm_agg_undo(LmOp *op)
{
	LmAggOp *a = (LmAggOp *) op;
	LmGroup *g = a->cur_group;

	if (g == NULL)
		return;
	for (int i = 0; i < a->d.naggs; i++)
	{
		LmAggSpec *s = &a->d.aggs[i];
		LmAggVal *cur = &g->vals[i];
		LmAggVal *was = &a->savevals[i];

		/* a new by-reference state that the failed event made */
		if (!s->transbyval && !cur->isnull && !cur->notrans &&
			(was->isnull || was->notrans ||
			 DatumGetPointer(cur->value) != DatumGetPointer(was->value)))
			lm_agg_free_state(s, cur->value);
		/* an inline state the event updated in place: its bytes back */
		else if (a->inplace_len[i] > 0)
			memcpy(DatumGetPointer(was->value), a->inplace_save + i * LM_AGG_INPLACE_MAX,
				   a->inplace_len[i]);
		*cur = *was;
		/* the input the failed event added to what the group retains */
		if (s->retain && a->saveretlen[i] >= 0)
			g->retained[i].len = (uint32) a->saveretlen[i];
	}
	a->cur_group = NULL;
	a->ndeferred = 0;
}

/*
 * lm_agg_lookup looks up (or makes) the group of key values vals/nulls.
 * Where every key is of a by-value type whose equality is bitwise (integers,
 * dates, timestamps, booleans, OIDs), the fast group table hashes and
 * compares the values' bits directly; it finds exactly the groups the
 * types' equality operators would.  Other keys go through execGrouping's
 * TupleHashTable and the types' own hash and equality functions.
 */
static inline LmGroup *
lm_agg_lookup(LmAggOp *a, LmWindow *win, Datum *vals, bool *nulls)
{
	TupleTableSlot *ks = a->keyslot;
	TupleHashEntry entry;
	LmGroup *g;
	bool isnew;

	if (a->d.nkeys == 0)
	{
		if (win->single == NULL)
			win->single = lm_agg_new_group(a, win);
		return win->single;
	}
	if (a->fast)
	{
		LmFastKey key;
		LmFastEntry *fe;

		memset(&key, 0, sizeof(key));
		for (int k = 0; k < a->d.nkeys; k++)
		{
			if (nulls[k])
				key.nulls |= 1 << k;
			else
				key.k[k] = vals[k];
		}
		fe = lmfast_insert(win->fast, key, &isnew); /* simplehash: "found" */
		if (isnew)
			return fe->g;
		g = lm_agg_new_group(a, win);
		g->fkey = key;
		fe->g = g;
		return g;
	}
	ExecClearTuple(ks);
	for (int k = 0; k < a->d.nkeys; k++)
	{
		ks->tts_values[k] = vals[k];
		ks->tts_isnull[k] = nulls[k];
	}
	ExecStoreVirtualTuple(ks);
	entry = LookupTupleHashEntry(win->table, ks, &isnew, NULL);
	if (!isnew)
		return (LmGroup *) entry->additional;
	g = lm_agg_new_group(a, win);
	g->key = entry->firstTuple;
	entry->additional = g;
	return g;
}

/*
 * lm_agg_apply runs the transitions of row i of a Calc batch on group g.
 */
static inline void
lm_agg_apply(LmAggOp *a, LmWindow *win, LmGroup *g, LmBatch *in, int i)
{
	/* an error from here on is undone by lm_agg_undo */
	for (int k = 0; k < a->d.naggs; k++)
	{
		a->savevals[k] = g->vals[k];
		a->inplace_len[k] = 0;
		a->saveretlen[k] = -1;
	}
	a->ndeferred = 0;
	a->cur_group = g;
	for (int k = 0; k < a->d.naggs; k++)
	{
		LmAggSpec *s = &a->d.aggs[k];
		FunctionCallInfo fc = s->transcall;

		if (s->filtercol >= 0 && (LM_BATCH_NULL(in, s->filtercol, i) ||
								  !DatumGetBool(LM_BATCH_VAL(in, s->filtercol, i))))
			continue;
		for (int x = 0; x < s->nargs; x++)
		{
			fc->args[x + 1].value = LM_BATCH_VAL(in, s->argcol + x, i);
			fc->args[x + 1].isnull = LM_BATCH_NULL(in, s->argcol + x, i);
		}
		if (s->retain)
		{
			a->saveretlen[k] = g->retained[k].len;
			lm_agg_retain(a, s, &g->retained[k], fc, win->cxt);
			/* computed from its input at each emit (lm_aggfn_rebuild) */
			if (s->rebuild)
				continue;
		}
		if (k < a->d.naggs - 1 && lm_agg_fast_in_place(s->fast) && !g->vals[k].isnull &&
			!g->vals[k].notrans)
			lm_agg_save_in_place(a, s, k, g->vals[k].value);
		if (s->fast == LM_AGGFAST_NONE || !lm_agg_fast(s, &g->vals[k], fc))
			lm_agg_advance(a, s, &g->vals[k], win->cxt);
	}
	a->cur_group = NULL;
	for (int k = 0; k < a->ndeferred; k++)
		lm_agg_free_state(&a->d.aggs[a->deferred_agg[k]], a->deferred[k]);
	a->ndeferred = 0;
	g->seen = true;
	if (!g->dirty && !a->d.emit_close)
	{
		g->dirty = true;
		g->next_dirty = win->dirty;
		win->dirty = g;
	}
}

static void lm_agg_replay(LmAggOp *a, LmAggSpec *s, LmGroup *g, int k, LmWindow *win);
static inline bool lm_agg_has_last(LmAggOp *a, LmGroup *g);
static void lm_agg_last_row(LmAggOp *a, LmGroup *g, Datum **vals, bool **nulls);

/*
 * lm_agg_copy_into makes a copy of state vs, in cxt, as the value of an
 * empty group (session merges): a datum copy, or serial then deserial for
 * an internal state.
 */
static void
lm_agg_copy_into(LmAggOp *a, LmAggSpec *s, LmAggVal *vs, LmAggVal *vt, MemoryContext cxt)
{
	MemoryContext old;

	if (s->transtype != INTERNALOID)
	{
		old = MemoryContextSwitchTo(cxt);
		vt->value = datumCopy(vs->value, s->transbyval, s->translen);
		MemoryContextSwitchTo(old);
		vt->isnull = false;
	}
	else
	{
		StringInfoData buf;
		const char *p;

		initStringInfo(&buf);
		lm_aggfn_put_state(s, &buf, vs->value, false, cxt, a->d.fake_agg);
		p = buf.data;
		vt->value = lm_aggfn_get_state(s, &p, buf.data + buf.len, &vt->isnull, cxt, a->d.fake_agg);
		pfree(buf.data);
	}
	vt->notrans = false;
}

/*
 * lm_agg_session_merge merges session s into session t of the same key
 * (an event bridged them): t spans both, its states combine s's, by the
 * aggregate's combine function or, for one that retains its input (no
 * combine function), by replaying both inputs; s is retired, and its row
 * is retracted at the next emit.
 */
static void
lm_agg_session_merge(LmAggOp *a, LmWindow *t, LmWindow *s)
{
	LmGroup *gt = t->single;
	LmGroup *gs = s->single;

	t->head.start = Min(t->head.start, s->head.start);
	t->head.end = Max(t->head.end, s->head.end);
	for (int k = 0; k < a->d.naggs; k++)
	{
		LmAggSpec *sp = &a->d.aggs[k];
		LmAggVal *vt = &gt->vals[k];
		LmAggVal *vs = &gs->vals[k];

		if (sp->retain)
		{
			LmRetained *rt = &gt->retained[k];
			LmRetained *rs = &gs->retained[k];

			if (rs->len > 0)
			{
				if (rt->len + rs->len > rt->cap)
				{
					uint32 ncap = Max(rt->cap * 2, rt->len + rs->len);

					rt->buf = rt->buf ? repalloc(rt->buf, ncap) : MemoryContextAlloc(t->cxt, ncap);
					rt->cap = ncap;
				}
				memcpy(rt->buf + rt->len, rs->buf, rs->len);
				rt->len += rs->len;
			}
			if (!sp->rebuild)
			{
				/* the state again, from the initial value over all the input */
				if (!sp->transbyval && !vt->isnull && !vt->notrans)
					lm_agg_free_state(sp, vt->value);
				memset(vt, 0, sizeof(*vt));
				vt->isnull = sp->initnull;
				vt->notrans = sp->initnull;
				if (!sp->initnull)
				{
					MemoryContext old = MemoryContextSwitchTo(t->cxt);

					vt->value = datumCopy(sp->initval, sp->transbyval, sp->translen);
					MemoryContextSwitchTo(old);
				}
				lm_agg_replay(a, sp, gt, k, t);
			}
			continue;
		}
		if (vs->isnull)
			continue; /* s saw no input this aggregate kept */
		if (vt->isnull && sp->transtype != INTERNALOID)
		{
			lm_agg_copy_into(a, sp, vs, vt, t->cxt);
			continue;
		}
		{
			FunctionCallInfo fc = sp->combinecall;
			MemoryContext old;
			Datum newv;

			a->d.fake_agg->curaggcontext->ecxt_per_tuple_memory = t->cxt;
			fc->args[0].value = vt->value;
			fc->args[0].isnull = vt->isnull;
			fc->args[1].value = vs->value;
			fc->args[1].isnull = false;
			fc->isnull = false;
			old = MemoryContextSwitchTo(a->d.tmpcxt);
			newv = FunctionCallInvoke(fc);
			MemoryContextSwitchTo(old);
			if (!sp->transbyval && !fc->isnull &&
				DatumGetPointer(newv) != DatumGetPointer(vt->value) && sp->transtype != INTERNALOID)
			{
				old = MemoryContextSwitchTo(t->cxt);
				newv = datumCopy(newv, false, sp->translen);
				MemoryContextSwitchTo(old);
			}
			vt->value = newv;
			vt->isnull = fc->isnull;
			vt->notrans = false;
			MemoryContextReset(a->d.tmpcxt);
		}
	}
	gt->seen |= gs->seen;
	s->retired = true;
	s->ks = NULL;
}

/*
 * lm_agg_session_add adds session win to a key's open sessions.
 */
static void
lm_agg_session_add(LmAggOp *a, LmKeySessions *ks, LmWindow *win)
{
	if (ks->n == ks->cap)
	{
		int ncap = Max(4, ks->cap * 2);

		ks->s = ks->s ? repalloc(ks->s, sizeof(LmWindow *) * ncap)
					  : MemoryContextAlloc(a->dir->cxt, sizeof(LmWindow *) * ncap);
		ks->cap = ncap;
	}
	ks->s[ks->n++] = win;
	win->ks = ks;
}

/*
 * lm_agg_session_assign finds the session of row i of a Calc batch (its
 * key, its time) and returns its group: the session [ts, ts + gap) of the
 * key, merged with every open session of the key it overlaps (half-open:
 * an event at exactly last ts + gap starts a new session); *winp is set
 * to the session's window.
 */
static LmGroup *
lm_agg_session_assign(LmAggOp *a, LmBatch *in, int i, LmWindow **winp)
{
	int64 lo = in->ts[i];
	int64 hi;
	LmGroup *dg;
	LmKeySessions *ks;
	LmWindow *t = NULL;

	int64 period = a->d.max_session > 0 ? lm_window_floor(lo, a->d.max_session) : 0;

	if (pg_add_s64_overflow(lo, a->d.gap, &hi) || hi >= END_TIMESTAMP)
		hi = END_TIMESTAMP - 1;
	if (a->dir == NULL)
		a->dir = lm_agg_new_window(a, 0, 0, false, true);
	dg = lm_agg_lookup(a, a->dir, &LM_BATCH_VAL(in, 0, i), &LM_BATCH_NULL(in, 0, i));
	if (dg->sessions == NULL)
	{
		/* a directory entry, not a group with state */
		dg->sessions = MemoryContextAllocZero(a->dir->cxt, sizeof(LmKeySessions));
		a->op.groups--;
	}
	ks = dg->sessions;
	for (int j = 0; j < ks->n;)
	{
		LmWindow *s = ks->s[j];

		/* sessions of another max_session period never join this one */
		if (s->period == period && s->head.start < hi && lo < s->head.end)
		{
			if (t == NULL)
			{
				t = s;
				j++;
				continue;
			}
			lm_agg_session_merge(a, t, s);
			ks->s[j] = ks->s[--ks->n];
			continue;
		}
		j++;
	}
	if (t == NULL)
	{
		LmGroup *g;

		t = lm_agg_new_window(a, lo, hi, true, false);
		t->period = period;
		g = lm_agg_new_group(a, t);
		g->fkey = dg->fkey;
		g->key = dg->key;
		t->single = g;
		lm_agg_session_add(a, ks, t);
	}
	else
	{
		t->head.start = Min(t->head.start, lo);
		t->head.end = Max(t->head.end, hi);
	}
	*winp = t;
	return t->single;
}

/*
 * lm_agg_session_forget takes a freed session out of its key's list.
 */
static void
lm_agg_session_forget(LmWindow *win)
{
	LmKeySessions *ks = win->ks;

	if (ks == NULL)
		return;
	for (int j = 0; j < ks->n; j++)
		if (ks->s[j] == win)
		{
			ks->s[j] = ks->s[--ks->n];
			break;
		}
	win->ks = NULL;
}

/*
 * lm_agg_emit_retraction emits the -last row of a retired session's group
 * (merged into another session), in the window the sink holds it in.
 */
static void
lm_agg_emit_retraction(LmAggOp *a, LmWindow *win)
{
	LmOp *op = &a->op;
	LmBatch *out = &op->out;
	LmGroup *g = win->single;
	Datum *lv;
	bool *ln;

	win->retracted = true;
	if (!lm_agg_has_last(a, g))
		return;
	if (out->n + 1 > out->cap)
		lm_op_forward(op);
	lm_agg_last_row(a, g, &lv, &ln);
	for (int c = 0; c < a->d.nout; c++)
	{
		LM_BATCH_VAL(out, c, out->n) = lv[c];
		LM_BATCH_NULL(out, c, out->n) = ln[c];
	}
	out->ts[out->n] = LM_NO_TIME;
	out->wstart[out->n] = g->last_ws;
	out->wend[out->n] = g->last_we;
	out->weight[out->n] = -1;
	out->n++;
}

/*
 * lm_agg_emit_retractions retracts the rows of the sessions merged away
 * since the last step: first, so that the sink deletes them before it
 * writes the merged sessions' rows (which may have the same key).
 */
static void
lm_agg_emit_retractions(LmAggOp *a)
{
	if (!a->d.session)
		return;
	for (int w = 0; w < a->nwins; w++)
		if (a->wins[w]->retired && !a->wins[w]->retracted)
			lm_agg_emit_retraction(a, a->wins[w]);
}

/*
 * lm_agg_find_groups finds (or makes) the window and group of rows
 * [from, to) of a Calc batch.  With the fast group table it does so in two
 * passes, so that memory latency overlaps instead of adding up: first every
 * row's key is hashed and its bucket prefetched, then each row is looked up
 * and its group prefetched for the transitions that follow.
 */
static void
lm_agg_find_groups(LmAggOp *a, LmBatch *in, int from, int to)
{
	bool windowed = a->d.window_us > 0;
	LmWindow *win = NULL;

	if (a->d.session)
	{
		/* sessions: per key, one row at a time (they may merge) */
		for (int i = from; i < to; i++)
			a->rowgroup[i - from] = lm_agg_session_assign(a, in, i, &a->rowwin[i - from]);
		return;
	}
	for (int i = from; i < to; i++)
	{
		int r = i - from;

		if (win == NULL ||
			(windowed && (win->head.start != in->wstart[i] || win->head.end != in->wend[i])))
			win = lm_agg_find_window(a, windowed ? in->wstart[i] : 0, windowed ? in->wend[i] : 0);
		a->rowwin[r] = win;
		if (!a->fast)
			continue;
		memset(&a->rowkey[r], 0, sizeof(LmFastKey));
		for (int k = 0; k < a->d.nkeys; k++)
		{
			if (LM_BATCH_NULL(in, k, i))
				a->rowkey[r].nulls |= 1 << k;
			else
				a->rowkey[r].k[k] = LM_BATCH_VAL(in, k, i);
		}
		a->rowhash[r] = lm_fast_hash(&a->rowkey[r]);
		__builtin_prefetch(&win->fast->data[a->rowhash[r] & win->fast->sizemask]);
	}
	for (int i = from; i < to; i++)
	{
		int r = i - from;
		LmGroup *g;

		win = a->rowwin[r];
		if (a->fast)
		{
			bool found;
			LmFastEntry *fe = lmfast_insert_hash(win->fast, a->rowkey[r], a->rowhash[r], &found);

			if (found)
				g = fe->g;
			else
			{
				g = lm_agg_new_group(a, win);
				g->fkey = a->rowkey[r];
				fe->g = g;
			}
			/* the values span two or three cache lines */
			__builtin_prefetch(g->vals);
			__builtin_prefetch((char *) g->vals + 64);
			__builtin_prefetch((char *) g->vals + 128);
		}
		else
			g = lm_agg_lookup(a, win, &LM_BATCH_VAL(in, 0, i), &LM_BATCH_NULL(in, 0, i));
		a->rowgroup[r] = g;
	}
	/* states held by reference (avg's array, numeric sums) are one more hop */
	if (a->any_byref)
		for (int i = from; i < to; i++)
		{
			LmGroup *g = a->rowgroup[i - from];

			for (int k = 0; k < a->d.naggs; k++)
				if (!a->d.aggs[k].transbyval && !g->vals[k].isnull)
					__builtin_prefetch(DatumGetPointer(g->vals[k].value));
		}
}

/*
 * lm_agg_push folds a batch of Calc rows into their groups, a chunk of
 * rows at a time: find their groups, then run their transitions in order.
 */
static void
lm_agg_push(LmOp *op, int port, LmBatch *in)
{
	LmAggOp *a = (LmAggOp *) op;

	while (in->pos < in->n)
	{
		int from = in->pos;
		/* sessions: a row's session may merge the previous row's away */
		int to = Min(in->n, from + (a->d.session ? 1 : LM_AGG_CHUNK));

		lm_agg_find_groups(a, in, from, to);
		for (int i = from; i < to; i++)
		{
			op->rows_in++;
			lm_agg_apply(a, a->rowwin[i - from], a->rowgroup[i - from], in, i);
			in->pos++;
			if (++a->since_reset >= LM_RESET_EVERY)
			{
				MemoryContextReset(a->d.tmpcxt);
				a->since_reset = 0;
			}
		}
	}
	MemoryContextReset(a->d.tmpcxt);
	a->since_reset = 0;
}

/*
 * lm_agg_copy_state makes, in copycxt, a copy of aggregate k's state in
 * group g, to be finalized: a real type is copied as a datum, an internal
 * state through its serial and deserial functions, one without them (the
 * aggregate retains its input) is rebuilt by replaying that input.
 */
static void
lm_agg_copy_state(LmAggOp *a, LmAggSpec *s, LmGroup *g, int k, LmAggVal *copy)
{
	LmAggVal *val = &g->vals[k];
	MemoryContext old;

	memset(copy, 0, sizeof(*copy));
	if (s->retain)
	{
		LmRetained *r = &g->retained[k];
		const char *p = r->buf;
		const char *end = r->buf + r->len;
		FunctionCallInfo fc = s->transcall;

		copy->isnull = s->initnull;
		copy->notrans = s->initnull;
		if (!s->initnull)
		{
			old = MemoryContextSwitchTo(a->copycxt);
			copy->value = datumCopy(s->initval, s->transbyval, s->translen);
			MemoryContextSwitchTo(old);
		}
		while (p < end)
		{
			old = MemoryContextSwitchTo(a->d.tmpcxt);
			for (int x = 0; x < s->nargs; x++)
				fc->args[x + 1].value = lm_snap_get_datum(&p, end, &fc->args[x + 1].isnull,
														  s->argbyval[x], s->arglen[x]);
			MemoryContextSwitchTo(old);
			a->ndeferred = 0;
			lm_agg_advance(a, s, copy, a->copycxt);
			a->ndeferred = 0; /* replaced states go with copycxt */
			MemoryContextReset(a->d.tmpcxt);
		}
		return;
	}
	if (s->transtype != INTERNALOID)
	{
		old = MemoryContextSwitchTo(a->copycxt);
		copy->value = datumCopy(val->value, s->transbyval, s->translen);
		MemoryContextSwitchTo(old);
		copy->isnull = false;
		return;
	}
	{
		StringInfoData buf;
		const char *p;

		old = MemoryContextSwitchTo(a->copycxt);
		initStringInfo(&buf);
		MemoryContextSwitchTo(old);
		lm_aggfn_put_state(s, &buf, val->value, false, a->copycxt, a->d.fake_agg);
		p = buf.data;
		copy->value =
			lm_aggfn_get_state(s, &p, buf.data + buf.len, &copy->isnull, a->copycxt, a->d.fake_agg);
	}
}

/*
 * lm_agg_result computes a group's result row into row j of the output
 * batch: the aggregates' final values, the group key and the window bounds
 * become the parameters of the view's select list.
 */
static bool
lm_agg_result(LmAggOp *a, LmWindow *win, LmGroup *g, LmBatch *out, int j)
{
	LmGraph *gr = a->op.graph;
	ExprContext *ec = gr->econtext;
	ParamExecData *params = gr->params;
	int naggs = a->d.naggs;

	if (a->fast)
	{
		for (int k = 0; k < a->d.nkeys; k++)
		{
			params[naggs + k].value = g->fkey.k[k];
			params[naggs + k].isnull = (g->fkey.nulls & (1 << k)) != 0;
		}
	}
	else if (a->d.nkeys > 0)
	{
		ExecStoreMinimalTuple(g->key, a->keyread, false);
		slot_getallattrs(a->keyread);
		for (int k = 0; k < a->d.nkeys; k++)
		{
			params[naggs + k].value = a->keyread->tts_values[k];
			params[naggs + k].isnull = a->keyread->tts_isnull[k];
		}
	}
	if (a->d.window_us > 0)
	{
		params[gr->param_ws].value = Int64GetDatum(win->head.start);
		params[gr->param_ws].isnull = false;
		params[gr->param_we].value = Int64GetDatum(win->head.end);
		params[gr->param_we].isnull = false;
	}
	for (int k = 0; k < naggs; k++)
	{
		LmAggSpec *s = &a->d.aggs[k];
		LmAggVal *val = &g->vals[k];
		ParamExecData *p = &params[k];
		LmAggVal copy;

		if (s->rebuild)
		{
			/* PostgreSQL's executor, over the input the group retained */
			MemoryContext old = MemoryContextSwitchTo(ec->ecxt_per_tuple_memory);

			p->value = lm_aggfn_rebuild(s, g->retained[k].buf, g->retained[k].len, &p->isnull);
			MemoryContextSwitchTo(old);
			continue;
		}
		if (s->finalcopy && !val->isnull)
		{
			/* the final function may change the state: give it a copy */
			lm_agg_copy_state(a, s, g, k, &copy);
			val = &copy;
		}
		if (!s->hasfinal)
		{
			p->value = val->value;
			p->isnull = val->isnull;
		}
		else if (s->finalstrict && val->isnull)
		{
			p->value = (Datum) 0;
			p->isnull = true;
		}
		else
		{
			FunctionCallInfo fc = s->finalcall;
			MemoryContext old = MemoryContextSwitchTo(ec->ecxt_per_tuple_memory);

			a->d.fake_agg->curaggcontext->ecxt_per_tuple_memory =
				val == &copy ? a->copycxt : win->cxt;
			fc->args[0].value = val->value;
			fc->args[0].isnull = val->isnull;
			for (int x = 1; x <= s->nfinalextra; x++)
			{
				fc->args[x].value = (Datum) 0;
				fc->args[x].isnull = true;
			}
			fc->isnull = false;
			p->value = FunctionCallInvoke(fc);
			p->isnull = fc->isnull;
			/* the result may point into the copy: keep it, drop the copy */
			if (val == &copy && !p->isnull)
				p->value = datumCopy(p->value, s->resbyval, s->reslen);
			MemoryContextSwitchTo(old);
		}
		if (val == &copy)
			MemoryContextReset(a->copycxt);
	}
	ec->ecxt_scantuple = NULL;
	/* HAVING false: the group has no row (nothing else is computed) */
	if (a->d.having != NULL && !ExecQual(a->d.having, ec))
		return false;
	for (int c = 0; c < a->d.nout; c++)
		LM_BATCH_VAL(out, c, j) =
			ExecEvalExprSwitchContext(a->d.outexprs[c], ec, &LM_BATCH_NULL(out, c, j));
	out->ts[j] = LM_NO_TIME;
	out->wstart[j] = win->head.start;
	out->wend[j] = win->head.end;
	out->weight[j] = 1;
	return true;
}

/*
 * lm_agg_result_careful computes a group's result row in a subtransaction
 * (after a step failed on a data error), *pass saying whether HAVING holds;
 * returns false, counting the row as skipped the first time, if it raises
 * a data error.
 */
static bool
lm_agg_result_careful(LmAggOp *a, LmWindow *win, LmGroup *g, LmBatch *out, int j, bool *pass)
{
	MemoryContext cxt;
	ResourceOwner owner;
	bool ok = true;

	lm_graph_sub_begin(&cxt, &owner);
	PG_TRY();
	{
		*pass = lm_agg_result(a, win, g, out, j);
		lm_graph_sub_end(cxt, owner);
	}
	PG_CATCH();
	{
		ErrorData *edata = lm_graph_sub_abort(cxt, owner);

		lm_graph_skip_row(a->op.graph, edata->message, g->emit_failed);
		g->emit_failed = true;
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/*
 * lm_agg_keep_next keeps a group's new row (nout values) as its next row,
 * which becomes its last one when the step commits.  Rows of by-value
 * columns are kept inline, allocated once per group; others as a minimal
 * tuple.
 */
static void
lm_agg_keep_next(LmAggOp *a, LmWindow *win, LmGroup *g, Datum *vals, bool *nulls)
{
	int n = a->d.nout;
	MemoryContext old;

	g->nonext = false;
	g->next_ws = win->head.start;
	g->next_we = win->head.end;
	if (a->inline_rows)
	{
		if (g->rows == NULL)
			g->rows = MemoryContextAlloc(win->cxt, (sizeof(Datum) + sizeof(bool)) * 2 * n);
		memcpy(&g->rows[n], vals, sizeof(Datum) * n);
		memcpy((bool *) &g->rows[2 * n] + n, nulls, sizeof(bool) * n);
		g->hasnext = true;
		return;
	}
	old = MemoryContextSwitchTo(win->cxt);
	if (g->next)
		pfree(g->next);
	g->next = heap_form_minimal_tuple(a->d.outdesc, vals, nulls);
	MemoryContextSwitchTo(old);
}

/*
 * lm_agg_drop_next says that the running step emitted no row for a group
 * (its HAVING is false): when the step commits, it has no last row.
 */
static void
lm_agg_drop_next(LmAggOp *a, LmGroup *g)
{
	if (!a->inline_rows && g->next)
	{
		pfree(g->next);
		g->next = NULL;
	}
	g->hasnext = false;
	g->nonext = true;
}

/*
 * lm_agg_has_last says whether a group has emitted a row in a committed
 * step.
 */
static inline bool
lm_agg_has_last(LmAggOp *a, LmGroup *g)
{
	return a->inline_rows ? g->haslast : g->last != NULL;
}

/*
 * lm_agg_last_row points vals/nulls at a group's last row.
 */
static void
lm_agg_last_row(LmAggOp *a, LmGroup *g, Datum **vals, bool **nulls)
{
	if (a->inline_rows)
	{
		*vals = g->rows;
		*nulls = (bool *) &g->rows[2 * a->d.nout];
		return;
	}
	ExecStoreMinimalTuple(g->last, a->lastread, false);
	slot_getallattrs(a->lastread);
	*vals = a->lastread->tts_values;
	*nulls = a->lastread->tts_isnull;
}

/*
 * lm_agg_settle_row ends a step for a group that emitted: committed, its
 * next row becomes its last; rolled back, the next row is dropped.
 */
static void
lm_agg_settle_row(LmAggOp *a, LmGroup *g, bool committed)
{
	int n = a->d.nout;

	if (committed && (g->hasnext || g->next != NULL))
	{
		g->last_ws = g->next_ws;
		g->last_we = g->next_we;
	}
	if (committed && g->nonext)
	{
		/* HAVING turned false: the sink deleted its row */
		if (!a->inline_rows && g->last)
			pfree(g->last);
		g->last = NULL;
		g->haslast = false;
	}
	g->nonext = false;
	if (a->inline_rows)
	{
		if (committed && g->hasnext)
		{
			memcpy(g->rows, &g->rows[n], sizeof(Datum) * n);
			memcpy((bool *) &g->rows[2 * n], (bool *) &g->rows[2 * n] + n, sizeof(bool) * n);
			g->haslast = true;
		}
		g->hasnext = false;
		return;
	}
	if (committed && g->next)
	{
		if (g->last)
			pfree(g->last);
		g->last = g->next;
	}
	else if (g->next)
		pfree(g->next);
	g->next = NULL;
}

/*
 * lm_agg_emit_group emits a group's change: -last (if it emitted a row
 * before), +new.  The new row is kept as the group's next row until the
 * step settles.  Returns false if its row could not be computed (careful
 * mode), leaving the group to be tried again.
 */
static bool
lm_agg_emit_group(LmAggOp *a, LmWindow *win, LmGroup *g)
{
	LmOp *op = &a->op;
	LmBatch *out = &op->out;
	bool pass;
	int j;

	if (out->n + 2 > out->cap)
		lm_op_forward(op);
	j = out->n + lm_agg_has_last(a, g);
	if (op->graph->careful)
	{
		if (!lm_agg_result_careful(a, win, g, out, j, &pass))
			return false;
		g->emit_failed = false;
	}
	else
		pass = lm_agg_result(a, win, g, out, j);
	/* the row becomes the group's last one, unless its window is closing */
	if (!win->closing && pass)
		lm_agg_keep_next(a, win, g, &LM_BATCH_VAL(out, 0, j), &LM_BATCH_NULL(out, 0, j));
	else if (!win->closing)
		lm_agg_drop_next(a, g);
	if (lm_agg_has_last(a, g))
	{
		Datum *lv;
		bool *ln;

		/* -last: the row the sink holds for the group */
		lm_agg_last_row(a, g, &lv, &ln);
		for (int c = 0; c < a->d.nout; c++)
		{
			LM_BATCH_VAL(out, c, out->n) = lv[c];
			LM_BATCH_NULL(out, c, out->n) = ln[c];
		}
		out->ts[out->n] = LM_NO_TIME;
		/* a session's bounds move: the sink holds the row in its old window */
		out->wstart[out->n] = a->d.session ? g->last_ws : win->head.start;
		out->wend[out->n] = a->d.session ? g->last_we : win->head.end;
		out->weight[out->n] = -1;
		out->n++;
	}
	/* +new, unless HAVING is false: then the sink deletes the -last row */
	if (pass)
		out->n++;
	return true;
}

/*
 * lm_agg_flush emits the changed groups (ON UPDATE), at most budget.
 */
static bool
lm_agg_flush(LmOp *op, int budget)
{
	LmAggOp *a = (LmAggOp *) op;
	int done = 0;

	if (a->d.emit_close)
		return false;
	lm_agg_emit_retractions(a);
	for (int w = 0; w < a->nwins; w++)
	{
		LmWindow *win = a->wins[w];

		if (win->retired)
			continue;
		if (a->d.emit_fired && !win->fired)
			continue;
		while (win->dirty != NULL)
		{
			LmGroup *g = win->dirty;

			if (done >= budget)
				return true;
			/* settled with the step: clean if it commits, dirty again if not */
			win->dirty = g->next_dirty;
			g->next_dirty = win->pending;
			win->pending = g;
			(void) lm_agg_emit_group(a, win, g);
			done++;
		}
	}
	return false;
}

/*
 * lm_agg_has_dirty says whether the aggregate has changes to flush.
 */
bool
lm_agg_has_dirty(LmOp *op)
{
	LmAggOp *a = (LmAggOp *) op;

	if (a->d.emit_close)
		return false;
	for (int i = 0; i < a->nwins; i++)
	{
		LmWindow *win = a->wins[i];

		if (win->retired)
		{
			/* a merged session whose row is still in the table */
			if (!win->retracted && lm_agg_has_last(a, win->single))
				return true;
			continue;
		}
		if (win->dirty && (win->fired || !a->d.emit_fired))
			return true;
	}
	return false;
}

/*
 * lm_agg_has_closable says whether wm closes a window for good (its end
 * plus the lateness) or, AFTER WATERMARK, fires one (its end).
 */
bool
lm_agg_has_closable(LmOp *op, int64 wm)
{
	LmAggOp *a = (LmAggOp *) op;
	int64 done_wm = lm_graph_free_wm(op->graph, wm);

	if (a->d.window_us <= 0 || wm == LM_NO_TIME)
		return false;
	/* windows are ordered by end (sessions, whose bounds move, are not) */
	for (int w = 0; w < a->nwins && (a->d.session || a->wins[w]->head.end <= wm); w++)
	{
		if (a->wins[w]->retired || a->wins[w]->head.end > wm)
			continue;
		if (a->wins[w]->head.end <= done_wm)
			return true;
		if (a->d.emit_fired && !a->wins[w]->fired)
			return true;
	}
	return false;
}

/*
 * lm_agg_emit_dirty emits the changed groups of a window (put on its
 * pending list, settled with the step).
 */
static void
lm_agg_emit_dirty(LmAggOp *a, LmWindow *win)
{
	while (win->dirty != NULL)
	{
		LmGroup *g = win->dirty;

		win->dirty = g->next_dirty;
		g->next_dirty = win->pending;
		win->pending = g;
		(void) lm_agg_emit_group(a, win, g);
	}
}

/*
 * lm_agg_watermark handles the windows wm passes.  A window is done for
 * good once wm reaches its end plus the allowed lateness: ON WINDOW CLOSE
 * and FINAL then emit every group that saw an event, ON UPDATE and AFTER
 * WATERMARK the changed ones, and the window is freed when the step
 * commits.  AFTER WATERMARK also fires a window when wm reaches its end:
 * its groups are emitted then, and updated by late events afterwards.
 */
static void
lm_agg_watermark(LmOp *op, int64 wm)
{
	LmAggOp *a = (LmAggOp *) op;
	int64 done_wm = lm_graph_free_wm(op->graph, wm);

	if (a->d.window_us <= 0 || wm == LM_NO_TIME)
		return;
	lm_agg_emit_retractions(a);
	for (int w = 0; w < a->nwins; w++)
	{
		LmWindow *win = a->wins[w];

		if (win->head.end > wm || win->closing || win->retired)
			continue;
		if (win->head.end > done_wm)
		{
			/* fired, but late events may still change it */
			if (a->d.emit_fired && !win->fired)
			{
				win->fired = true;
				lm_agg_emit_dirty(a, win);
			}
			continue;
		}
		win->closing = true;
		win->fired = true;
		if (a->d.emit_close)
		{
			/* a group whose only events failed has no row */
			for (LmGroup *g = win->groups; g != NULL; g = g->next_in_win)
				if (g->seen)
					(void) lm_agg_emit_group(a, win, g);
		}
		else
			lm_agg_emit_dirty(a, win);
	}
}

/*
 * lm_agg_settle ends a step.  Committed: emitted groups are clean and
 * their new row becomes their last one, except groups whose row failed,
 * which stay dirty; closed windows are freed.  Rolled back: every emitted
 * group is dirty again and closed windows open again.  Returns how many
 * groups still have a row that fails.
 */
static int64
lm_agg_settle(LmOp *op, bool committed)
{
	LmAggOp *a = (LmAggOp *) op;
	int64 nfailed = 0;
	int keep = 0;

	for (int w = 0; w < a->nwins; w++)
	{
		LmWindow *win = a->wins[w];

		for (LmGroup *g = win->pending, *nx; g != NULL; g = nx)
		{
			nx = g->next_dirty;
			if (committed && !g->emit_failed)
			{
				/* the row it emitted is the one the sink now holds */
				lm_agg_settle_row(a, g, true);
				g->dirty = false;
				g->next_dirty = NULL;
			}
			else
			{
				lm_agg_settle_row(a, g, false);
				nfailed += g->emit_failed;
				g->next_dirty = win->dirty;
				win->dirty = g;
			}
		}
		win->pending = NULL;
		/* a merged session goes once its row is retracted (or it had none) */
		if (committed && (win->closing ||
						  (win->retired && (win->retracted || !lm_agg_has_last(a, win->single)))))
		{
			lm_agg_session_forget(win);
			a->op.groups -= win->ngroups;
			MemoryContextDelete(win->cxt);
			pfree(win);
			continue;
		}
		win->closing = false;
		win->retracted = false;
		a->wins[keep++] = win;
	}
	a->nwins = keep;
	return nfailed;
}

/*
 * lm_agg_reset drops every window.
 */
static void
lm_agg_reset(LmOp *op)
{
	LmAggOp *a = (LmAggOp *) op;

	for (int i = 0; i < a->nwins; i++)
	{
		MemoryContextDelete(a->wins[i]->cxt);
		pfree(a->wins[i]);
	}
	a->nwins = 0;
	a->op.groups = 0;
	a->cur_group = NULL;
	if (a->dir != NULL)
	{
		MemoryContextDelete(a->dir->cxt);
		pfree(a->dir);
		a->dir = NULL;
	}
}

/*
 * lm_agg_explain describes the aggregate and what it holds.
 */
static void
lm_agg_explain(LmOp *op, StringInfo line)
{
	LmAggOp *a = (LmAggOp *) op;

	appendStringInfo(line, "Aggregate %s",
					 a->d.emit_close	 ? (a->d.lateness > 0 ? "FINAL" : "ON WINDOW CLOSE")
					 : a->d.emit_fired	 ? "AFTER WATERMARK"
					 : a->d.every_us > 0 ? "EVERY"
										 : "ON UPDATE");
	if (a->d.every_us > 0)
	{
		appendStringInfoChar(line, ' ');
		lm_window_interval_text(line, a->d.every_us);
	}
	if (a->d.session)
	{
		appendStringInfoString(line, " per SESSION gap ");
		lm_window_interval_text(line, a->d.gap);
		if (a->d.max_session > 0)
		{
			appendStringInfoString(line, " max ");
			lm_window_interval_text(line, a->d.max_session);
		}
	}
	if (a->d.nkeys > 0)
		appendStringInfo(line, ", %d key%s", a->d.nkeys, a->d.nkeys == 1 ? "" : "s");
	appendStringInfoString(line, ":");
	for (int i = 0; i < a->d.naggs; i++)
	{
		LmAggSpec *s = &a->d.aggs[i];

		/* how it runs, where that is not one event at a time (ops/README.md) */
		appendStringInfo(line, "%s %s%s", i ? "," : "", s->name,
						 s->rebuild		? " (from its input)"
						 : s->finalcopy ? " (final on a copy)"
										: "");
		if (a->d.session && !s->rebuild)
			appendStringInfoString(line,
								   s->retain ? " (merges by replay)" : " (merges by combine)");
	}
}

/* flags of a group in a snapshot */
#define LM_SNAP_SEEN 1
#define LM_SNAP_DIRTY 2
#define LM_SNAP_FAILED 4
#define LM_SNAP_LAST 8
#define LM_SNAP_RETIRED 16 /* sessions: merged away, its row not yet retracted */

/*
 * lm_agg_put_tuple appends a minimal tuple: its length, then its bytes.
 */
static void
lm_agg_put_tuple(StringInfo buf, MinimalTuple t)
{
	lm_snap_put_int64(buf, t->t_len);
	lm_snap_put_bytes(buf, t, t->t_len);
}

/*
 * lm_agg_get_tuple reads a minimal tuple into cxt.
 */
static MinimalTuple
lm_agg_get_tuple(const char **p, const char *end, MemoryContext cxt)
{
	int64 len = lm_snap_get_int64(p, end);
	MinimalTuple t;

	if (len < (int64) SizeofMinimalTupleHeader || len > MaxAllocSize)
		ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
						errmsg("laminar snapshot holds a tuple of invalid length"),
						errhint("The snapshot was not written by this version of Laminar.")));
	t = MemoryContextAlloc(cxt, len);
	memcpy(t, lm_snap_get_bytes(p, end, len), len);
	return t;
}

/*
 * lm_agg_snapshot_group appends one group: flags, key, last row, and per
 * aggregate its state or its retained input.
 */
static void
lm_agg_snapshot_group(LmAggOp *a, LmWindow *win, LmGroup *g, StringInfo buf)
{
	int64 flags = (g->seen ? LM_SNAP_SEEN : 0) | (g->dirty ? LM_SNAP_DIRTY : 0) |
				  (g->emit_failed ? LM_SNAP_FAILED : 0) |
				  (lm_agg_has_last(a, g) ? LM_SNAP_LAST : 0) | (win->retired ? LM_SNAP_RETIRED : 0);

	lm_snap_put_int64(buf, flags);
	if (a->fast)
	{
		Datum vals[LM_FAST_MAXKEYS];
		bool nulls[LM_FAST_MAXKEYS];
		MinimalTuple t;

		for (int k = 0; k < a->d.nkeys; k++)
		{
			vals[k] = g->fkey.k[k];
			nulls[k] = (g->fkey.nulls & (1 << k)) != 0;
		}
		t = heap_form_minimal_tuple(a->d.keydesc, vals, nulls);
		lm_agg_put_tuple(buf, t);
		pfree(t);
	}
	else if (a->d.nkeys > 0)
		lm_agg_put_tuple(buf, g->key);
	if (lm_agg_has_last(a, g))
	{
		Datum *lv;
		bool *ln;
		MinimalTuple t;

		lm_agg_last_row(a, g, &lv, &ln);
		t = heap_form_minimal_tuple(a->d.outdesc, lv, ln);
		lm_agg_put_tuple(buf, t);
		pfree(t);
		/* sessions: the window the last row is in (the bounds moved since) */
		if (a->d.session)
		{
			lm_snap_put_int64(buf, g->last_ws);
			lm_snap_put_int64(buf, g->last_we);
		}
	}
	for (int k = 0; k < a->d.naggs; k++)
	{
		LmAggSpec *s = &a->d.aggs[k];

		lm_snap_put_int64(buf, g->vals[k].notrans);
		if (s->retain)
		{
			lm_snap_put_int64(buf, g->retained[k].len);
			lm_snap_put_bytes(buf, g->retained[k].buf, g->retained[k].len);
		}
		else
			lm_aggfn_put_state(s, buf, g->vals[k].value, g->vals[k].isnull, win->cxt,
							   a->d.fake_agg);
	}
}

/*
 * lm_agg_snapshot writes the aggregate's windows and groups (format in
 * ops/README.md).  Taken between steps: no group is pending.
 */
static void
lm_agg_snapshot(LmOp *op, StringInfo buf)
{
	LmAggOp *a = (LmAggOp *) op;

	lm_snap_put_int64(buf, a->nwins);
	for (int w = 0; w < a->nwins; w++)
	{
		LmWindow *win = a->wins[w];
		int64 n = 0;

		lm_snap_put_int64(buf, win->head.start);
		lm_snap_put_int64(buf, win->head.end);
		for (LmGroup *g = win->groups; g != NULL; g = g->next_in_win)
			n++;
		lm_snap_put_int64(buf, n);
		for (LmGroup *g = win->groups; g != NULL; g = g->next_in_win)
			lm_agg_snapshot_group(a, win, g, buf);
	}
}

/*
 * lm_agg_replay feeds a retained aggregate's saved input through its
 * transition function again.
 */
static void
lm_agg_replay(LmAggOp *a, LmAggSpec *s, LmGroup *g, int k, LmWindow *win)
{
	LmRetained *r = &g->retained[k];
	const char *p = r->buf;
	const char *end = r->buf + r->len;
	FunctionCallInfo fc = s->transcall;

	while (p < end)
	{
		MemoryContext old = MemoryContextSwitchTo(a->d.tmpcxt);

		for (int x = 0; x < s->nargs; x++)
			fc->args[x + 1].value =
				lm_snap_get_datum(&p, end, &fc->args[x + 1].isnull, s->argbyval[x], s->arglen[x]);
		MemoryContextSwitchTo(old);
		a->ndeferred = 0;
		lm_agg_advance(a, s, &g->vals[k], win->cxt);
		for (int d = 0; d < a->ndeferred; d++)
			lm_agg_free_state(s, a->deferred[d]);
		a->ndeferred = 0;
		MemoryContextReset(a->d.tmpcxt);
	}
}

/*
 * lm_agg_restore_group reads one group into window win.
 */
static void
lm_agg_restore_group(LmAggOp *a, LmWindow *win, const char **p, const char *end)
{
	int64 flags = lm_snap_get_int64(p, end);
	LmGroup *g;

	if (a->d.session)
	{
		/* a session: its key's directory entry, then its one group */
		LmGroup *dg;

		if (a->dir == NULL)
			a->dir = lm_agg_new_window(a, 0, 0, false, true);
		if (a->d.nkeys > 0)
		{
			MinimalTuple key = lm_agg_get_tuple(p, end, a->d.tmpcxt);

			ExecStoreMinimalTuple(key, a->keyread, false);
			slot_getallattrs(a->keyread);
			dg = lm_agg_lookup(a, a->dir, a->keyread->tts_values, a->keyread->tts_isnull);
			ExecClearTuple(a->keyread);
		}
		else
			dg = lm_agg_lookup(a, a->dir, NULL, NULL);
		if (dg->sessions == NULL)
		{
			dg->sessions = MemoryContextAllocZero(a->dir->cxt, sizeof(LmKeySessions));
			a->op.groups--;
		}
		if (win->single != NULL)
			ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
							errmsg("laminar snapshot holds a session with two groups"),
							errhint("The snapshot was not written by this version of Laminar.")));
		g = lm_agg_new_group(a, win);
		g->fkey = dg->fkey;
		g->key = dg->key;
		win->single = g;
		/* a session starts at an event: its period follows from its start */
		win->period = a->d.max_session > 0 ? lm_window_floor(win->head.start, a->d.max_session) : 0;
		win->retired = (flags & LM_SNAP_RETIRED) != 0;
		if (!win->retired)
		{
			lm_agg_session_add(a, dg->sessions, win);
		}
	}
	else
	{
		if (a->d.nkeys > 0)
		{
			MinimalTuple key = lm_agg_get_tuple(p, end, a->d.tmpcxt);
			int64 before = win->ngroups;

			ExecStoreMinimalTuple(key, a->keyread, false);
			slot_getallattrs(a->keyread);
			g = lm_agg_lookup(a, win, a->keyread->tts_values, a->keyread->tts_isnull);
			ExecClearTuple(a->keyread);
			if (win->ngroups == before)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("laminar snapshot holds a group twice"),
						 errhint("The snapshot was not written by this version of Laminar.")));
		}
		else
		{
			if (win->single != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("laminar snapshot holds a group twice"),
						 errhint("The snapshot was not written by this version of Laminar.")));
			g = lm_agg_lookup(a, win, NULL, NULL);
		}
	}
	g->seen = (flags & LM_SNAP_SEEN) != 0;
	g->emit_failed = (flags & LM_SNAP_FAILED) != 0;
	if (flags & LM_SNAP_LAST)
	{
		MinimalTuple t = lm_agg_get_tuple(p, end, win->cxt);

		if (a->inline_rows)
		{
			/* kept inline: as the next row of a committed step */
			ExecStoreMinimalTuple(t, a->lastread, false);
			slot_getallattrs(a->lastread);
			lm_agg_keep_next(a, win, g, a->lastread->tts_values, a->lastread->tts_isnull);
			lm_agg_settle_row(a, g, true);
			ExecClearTuple(a->lastread);
			pfree(t);
		}
		else
			g->last = t;
		g->last_ws = win->head.start;
		g->last_we = win->head.end;
		if (a->d.session)
		{
			g->last_ws = lm_snap_get_int64(p, end);
			g->last_we = lm_snap_get_int64(p, end);
		}
	}
	for (int k = 0; k < a->d.naggs; k++)
	{
		LmAggSpec *s = &a->d.aggs[k];
		LmAggVal *val = &g->vals[k];
		bool notrans = lm_snap_get_int64(p, end) != 0;

		if (s->retain)
		{
			int64 len = lm_snap_get_int64(p, end);
			LmRetained *r = &g->retained[k];

			if (len < 0 || len > MaxAllocSize)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("laminar snapshot holds retained input of invalid length"),
						 errhint("The snapshot was not written by this version of Laminar.")));
			if (len > 0)
			{
				r->buf = MemoryContextAlloc(win->cxt, len);
				memcpy(r->buf, lm_snap_get_bytes(p, end, len), len);
			}
			r->len = r->cap = (uint32) len;
			/* a rebuilt aggregate has no state: its input is all it keeps */
			if (!s->rebuild)
				lm_agg_replay(a, s, g, k, win);
			continue;
		}
		if (!s->transbyval && !val->isnull)
			lm_agg_free_state(s, val->value);
		val->value = lm_aggfn_get_state(s, p, end, &val->isnull, win->cxt, a->d.fake_agg);
		val->notrans = notrans;
	}
	if (flags & LM_SNAP_DIRTY)
	{
		g->dirty = true;
		g->next_dirty = win->dirty;
		win->dirty = g;
	}
}

/*
 * lm_agg_restore replaces the aggregate's state with a snapshot's.
 */
static void
lm_agg_restore(LmOp *op, const char *data, Size len)
{
	LmAggOp *a = (LmAggOp *) op;
	const char *p = data;
	const char *end = data + len;
	int64 nwins;

	lm_agg_reset(op);
	nwins = lm_snap_get_int64(&p, end);
	for (int64 w = 0; w < nwins; w++)
	{
		int64 start = lm_snap_get_int64(&p, end);
		int64 wend = lm_snap_get_int64(&p, end);
		int64 n = lm_snap_get_int64(&p, end);
		/* sessions of different keys may share bounds: each is its own */
		LmWindow *win = a->d.session ? lm_agg_new_window(a, start, wend, true, false)
									 : lm_agg_find_window(a, start, wend);

		for (int64 i = 0; i < n; i++)
			lm_agg_restore_group(a, win, &p, end);
	}
	MemoryContextReset(a->d.tmpcxt);
}

static const LmOpMethods lm_agg_methods = {
	.name = "Aggregate",
	.push = lm_agg_push,
	.watermark = lm_agg_watermark,
	.flush = lm_agg_flush,
	.settle = lm_agg_settle,
	.undo = lm_agg_undo,
	.snapshot = lm_agg_snapshot,
	.restore = lm_agg_restore,
	.reset = lm_agg_reset,
	.explain = lm_agg_explain,
};

/*
 * lm_agg_bitwise_type says whether values of type typid are equal under
 * eqop exactly when their bits are: the by-value integer, date, time,
 * boolean and OID types with their default equality.  (Not float: 0 and
 * -0 are equal, and NaNs are equal to each other.)
 */
static bool
lm_agg_bitwise_type(Oid typid, Oid eqop)
{
	switch (typid)
	{
		case BOOLOID:
		case CHAROID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case OIDOID:
		case DATEOID:
		case TIMEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return eqop ==
				   get_opfamily_member(get_opclass_family(GetDefaultOpClass(typid, BTREE_AM_OID)),
									   typid, typid, BTEqualStrategyNumber);
		default:
			return false;
	}
}

/*
 * lm_agg_create makes the Aggregate of a view from what the planner found.
 */
LmOp *
lm_agg_create(LmGraph *g, LmAggDesc *desc)
{
	LmAggOp *a = MemoryContextAllocZero(g->cxt, sizeof(LmAggOp));
	MemoryContext old;
	int n = desc->nkeys;

	lm_op_init(&a->op, g, LM_OP_AGG, &lm_agg_methods, Max(desc->nout, 1));
	a->d = *desc;
	old = MemoryContextSwitchTo(a->op.cxt);
	if (n > 0)
	{
		a->keycolidx = palloc(sizeof(AttrNumber) * n);
		a->keycoll = palloc(sizeof(Oid) * n);
		for (int k = 0; k < n; k++)
		{
			a->keycolidx[k] = k + 1;
			a->keycoll[k] = TupleDescAttr(desc->keydesc, k)->attcollation;
		}
		execTuplesHashPrepare(n, desc->eqops, &a->eqfuncs, &a->hashfns);
		a->fast = n <= LM_FAST_MAXKEYS;
		for (int k = 0; k < n; k++)
			a->fast &=
				lm_agg_bitwise_type(TupleDescAttr(desc->keydesc, k)->atttypid, desc->eqops[k]);
		/* like nodeAgg's hashslot: a minimal-tuple slot holding virtual values */
		a->keyslot = MakeSingleTupleTableSlot(desc->keydesc, &TTSOpsMinimalTuple);
		a->keyread = MakeSingleTupleTableSlot(desc->keydesc, &TTSOpsMinimalTuple);
	}
	a->lastread = MakeSingleTupleTableSlot(desc->outdesc, &TTSOpsMinimalTuple);
	a->group_size = offsetof(LmGroup, vals) + sizeof(LmAggVal) * desc->naggs;
	a->savevals = palloc0(sizeof(LmAggVal) * Max(desc->naggs, 1));
	a->saveretlen = palloc0(sizeof(int64) * Max(desc->naggs, 1));
	a->copycxt = AllocSetContextCreate(a->op.cxt, "laminar state copy", ALLOCSET_DEFAULT_SIZES);
	a->inplace_save = palloc0(LM_AGG_INPLACE_MAX * Max(desc->naggs, 1));
	a->inplace_len = palloc0(sizeof(int) * Max(desc->naggs, 1));
	a->deferred = palloc0(sizeof(Datum) * Max(desc->naggs, 1));
	a->deferred_agg = palloc0(sizeof(int) * Max(desc->naggs, 1));
	for (int i = 0; i < desc->naggs; i++)
	{
		a->any_retain |= desc->aggs[i].retain;
		a->any_byref |= !desc->aggs[i].transbyval;
	}
	if (a->any_retain)
		initStringInfo(&a->retainbuf);
	a->inline_rows = desc->nout > 0;
	for (int c = 0; c < desc->nout; c++)
		a->inline_rows &= TupleDescAttr(desc->outdesc, c)->attbyval;
	MemoryContextSwitchTo(old);
	return &a->op;
}
