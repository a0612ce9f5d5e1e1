/*-------------------------------------------------------------------------
 *
 * monitor.c
 *	  Set-returning functions behind the laminar.streams, laminar.views and
 *	  laminar.workers monitoring views, and laminar.explain.
 *
 * They read shared counters without locks (atomics) and text fields under
 * their spinlocks; a snapshot is therefore consistent per field, not
 * across fields.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "common/int.h"
#include "catalog/pg_type.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "laminar.h"
#include "catalog/catalog.h"
#include "ops/op.h"

PG_FUNCTION_INFO_V1(laminar_stream_stats);
PG_FUNCTION_INFO_V1(laminar_view_stats);
PG_FUNCTION_INFO_V1(laminar_worker_stats);
PG_FUNCTION_INFO_V1(laminar_watermark);
PG_FUNCTION_INFO_V1(laminar_explain);

/*
 * laminar_watermark returns max_time - delay_us with overflow checks:
 * -infinity when the difference falls below the timestamptz range, NULL
 * when either argument is NULL.  laminar._watermark(timestamptz, int8).
 */
Datum
laminar_watermark(PG_FUNCTION_ARGS)
{
	TimestampTz max_time;
	int64 delay;
	int64 wm;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	max_time = PG_GETARG_TIMESTAMPTZ(0);
	delay = PG_GETARG_INT64(1);
	if (TIMESTAMP_NOT_FINITE(max_time))
		PG_RETURN_TIMESTAMPTZ(max_time);
	if (pg_sub_s64_overflow(max_time, delay, &wm) || !IS_VALID_TIMESTAMP(wm))
	{
		if (delay > 0)
			TIMESTAMP_NOBEGIN(wm);
		else
			TIMESTAMP_NOEND(wm);
	}
	PG_RETURN_TIMESTAMPTZ(wm);
}

/*
 * laminar_stream_stats returns (stream oid, max_time timestamptz,
 * events_in int8) for the streams of this database that saw events.
 */
Datum
laminar_stream_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	lm_require_loaded();
	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < LM_MAX_STREAMS; i++)
	{
		LmStreamShared *s = &lm_shared->streams[i];
		Datum values[3];
		bool nulls[3] = {false, false, false};
		int64 max;

		if (s->relid == InvalidOid || s->dboid != MyDatabaseId)
			continue;
		max = (int64) pg_atomic_read_u64(&s->max_ts);
		values[0] = ObjectIdGetDatum(s->relid);
		values[1] = TimestampTzGetDatum(max);
		nulls[1] = (max == LM_NO_TIME);
		values[2] = Int64GetDatum((int64) pg_atomic_read_u64(&s->events_in));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * laminar_view_stats returns (view_id, events_in, late_events,
 * null_time_events, rows_emitted, last_error, skipped_events, skipped_rows,
 * timeouts, last_skip_error) for this database's views.  The error texts
 * may quote row values: laminar.views shows them only to roles that may
 * read the view's result table.
 */
Datum
laminar_view_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	lm_require_loaded();
	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < LM_MAX_VIEWS; i++)
	{
		LmViewShared *v = &lm_shared->views[i];
		Datum values[10];
		bool nulls[10];
		char err[LM_ERRMSG_LEN];
		char skip[LM_ERRMSG_LEN];

		if (v->view_id == 0 || v->dboid != MyDatabaseId)
			continue;
		memset(nulls, 0, sizeof(nulls));
		values[0] = Int32GetDatum(v->view_id);
		values[1] = Int64GetDatum((int64) pg_atomic_read_u64(&v->events_in));
		values[2] = Int64GetDatum((int64) pg_atomic_read_u64(&v->late_events));
		values[3] = Int64GetDatum((int64) pg_atomic_read_u64(&v->null_time_events));
		values[4] = Int64GetDatum((int64) pg_atomic_read_u64(&v->rows_emitted));
		SpinLockAcquire(&v->mutex);
		strlcpy(err, v->last_error, sizeof(err));
		strlcpy(skip, v->last_skip, sizeof(skip));
		SpinLockRelease(&v->mutex);
		values[5] = CStringGetTextDatum(err);
		nulls[5] = (err[0] == '\0');
		values[6] = Int64GetDatum((int64) pg_atomic_read_u64(&v->skipped_events));
		values[7] = Int64GetDatum((int64) pg_atomic_read_u64(&v->skipped_rows));
		values[8] = Int64GetDatum((int64) pg_atomic_read_u64(&v->timeouts));
		values[9] = CStringGetTextDatum(skip);
		nulls[9] = (skip[0] == '\0');
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * laminar_worker_stats returns one row per configured stream worker; its
 * last column is the result table of the view the last error came from
 * (laminar.workers shows the error text by that table's privileges).
 */
Datum
laminar_worker_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	lm_require_loaded();
	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < lm_shared->nworkers; i++)
	{
		LmWorkerShared *w = &lm_shared->workers[i];
		Datum values[14];
		bool nulls[14];
		Oid err_view;
		char err[LM_ERRMSG_LEN];
		char placement[LM_ERRMSG_LEN];
		int pid, cpu, node, restarts;
		bool pinned;
		TimestampTz started;
		uint64 used = 0;

		memset(nulls, 0, sizeof(nulls));
		SpinLockAcquire(&w->mutex);
		pid = w->pid;
		cpu = w->cpu;
		node = w->numa_node;
		pinned = w->pinned;
		restarts = w->restarts;
		started = w->started_at;
		strlcpy(err, w->last_error, sizeof(err));
		err_view = w->last_error_view;
		strlcpy(placement, w->placement, sizeof(placement));
		SpinLockRelease(&w->mutex);
		for (int p = 0; p < lm_shared->nproducers; p++)
		{
			LmRing *r = lm_ring_get(p, i);

			used += pg_atomic_read_u64(&r->head) - pg_atomic_read_u64(&r->tail);
		}
		values[0] = Int32GetDatum(i);
		values[1] = Int32GetDatum(pid);
		nulls[1] = (pid == 0);
		values[2] = Int32GetDatum(cpu);
		nulls[2] = (cpu < 0);
		values[3] = BoolGetDatum(pinned);
		values[4] = Int32GetDatum(node);
		nulls[4] = (node < 0);
		values[5] = Int64GetDatum((int64) pg_atomic_read_u64(&w->events_in));
		values[6] = Int64GetDatum((int64) used);
		values[7] = Int64GetDatum((int64) (lm_shared->ring_capacity * lm_shared->nproducers));
		values[8] = Int64GetDatum((int64) pg_atomic_read_u64(&w->groups_held));
		values[9] = Int32GetDatum(restarts);
		values[10] = CStringGetTextDatum(err);
		nulls[10] = (err[0] == '\0');
		values[11] = CStringGetTextDatum(placement);
		nulls[11] = (placement[0] == '\0');
		values[12] = TimestampTzGetDatum(started);
		nulls[12] = (started == 0);
		values[13] = ObjectIdGetDatum(err_view);
		nulls[13] = !OidIsValid(err_view);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * laminar_explain returns the operator graph of a continuous view, one
 * operator per line in the order data flows, with the rows in and out and
 * the state held, summed over the workers.  laminar.explain(regclass).
 * It shows a view to whoever may read its result table.
 */
Datum
laminar_explain(PG_FUNCTION_ARGS)
{
	Oid relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char *name = get_rel_name(relid);
	LmViewShared *slot;
	char desc[LM_MAX_OPS][LM_OP_DESC_LEN];
	int kinds[LM_MAX_OPS];
	int nops = 0;
	int32 id;

	lm_require_loaded();
	if (name == NULL || (id = lm_cat_view_id(relid)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("relation \"%s\" is not a continuous view", name ? name : "(dropped)"),
				 errhint("laminar.views lists the continuous views.")));
	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						errmsg("permission denied for continuous view %s", name),
						errhint("laminar.explain shows a view to the roles that may read its "
								"result table.")));
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	slot = lm_view_slot(id, false);
	if (slot != NULL)
	{
		SpinLockAcquire(&slot->mutex);
		nops = Min(slot->nops, LM_MAX_OPS);
		for (int i = 0; i < nops; i++)
		{
			memcpy(desc[i], slot->ops[i].desc, LM_OP_DESC_LEN);
			kinds[i] = slot->ops[i].kind;
		}
		SpinLockRelease(&slot->mutex);
	}
	if (nops == 0)
	{
		Datum value = CStringGetTextDatum("(not loaded by any worker yet)");
		bool isnull = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
		PG_RETURN_VOID();
	}
	for (int i = 0; i < nops; i++)
	{
		LmOpShared *o = &slot->ops[i];
		StringInfoData s;
		Datum value;
		bool isnull = false;
		int64 groups = (int64) pg_atomic_read_u64(&o->groups);
		int64 bytes = (int64) pg_atomic_read_u64(&o->bytes);

		initStringInfo(&s);
		appendStringInfo(&s, "%s%s  (rows in %llu, out %llu", i ? "  -> " : "", desc[i],
						 (unsigned long long) pg_atomic_read_u64(&o->rows_in),
						 (unsigned long long) pg_atomic_read_u64(&o->rows_out));
		/* the state of the operators that hold some (ops/op.h: LmOpKind) */
		if (kinds[i] == LM_OP_AGG || kinds[i] == LM_OP_SINK_UPSERT || kinds[i] == LM_OP_SINK_APPEND)
			appendStringInfo(&s, "; holds %lld %s, %lld kB", (long long) Max(groups, 0),
							 kinds[i] == LM_OP_AGG			 ? "groups"
							 : kinds[i] == LM_OP_SINK_UPSERT ? "keys"
															 : "rows",
							 (long long) Max(bytes, 0) / 1024);
		appendStringInfoChar(&s, ')');
		value = CStringGetTextDatum(s.data);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
	}
	if (pg_atomic_read_u64(&slot->restores) > 0)
	{
		char line[96];
		Datum value;
		bool isnull = false;

		snprintf(line, sizeof(line), "(state restored from a snapshot %llu times)",
				 (unsigned long long) pg_atomic_read_u64(&slot->restores));
		value = CStringGetTextDatum(line);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
	}
	PG_RETURN_VOID();
}
