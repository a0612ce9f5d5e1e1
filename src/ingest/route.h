/*-------------------------------------------------------------------------
 *
 * route.h
 *	  Routing policy: which stream worker an event of a view goes to.
 *
 * The whole policy is here and in route.c (src/ingest/README.md,
 * "Routing"): at CREATE, lm_route_choose picks a view's mode from its group
 * keys (stored in laminar._views.route and route_attnums); in a writing
 * backend, lm_route_prepare turns the stored mode into a plan for the
 * stream's row type (and routes to one worker a view whose key type turns
 * out to have no hash function); per event, lm_route_worker applies the
 * plan.  A group's events must all reach the one worker that holds the
 * group: every mode below guarantees it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LAMINAR_ROUTE_H
#define LAMINAR_ROUTE_H

#include <xxhash.h>

#include "access/tupdesc.h"
#include "fmgr.h"
#include "nodes/pg_list.h"

#include "laminar.h"
#include "catalog/catalog.h"

/* the hash of a NULL key value */
#define LM_ROUTE_NULL_HASH UINT64CONST(0x9e3779b97f4a7c15)

/* how one view's events are routed, for one stream's row type */
typedef struct LmViewRoute
{
	int32 view_id;
	LmRouteMode mode;
	int single_worker; /* LM_ROUTE_SINGLE */
	int nkeys;
	int attidx[LM_MAX_ROUTE_KEYS];
	bool raw[LM_MAX_ROUTE_KEYS]; /* hash the Datum bits */
	Oid collation[LM_MAX_ROUTE_KEYS];
	FmgrInfo hashfn[LM_MAX_ROUTE_KEYS];
} LmViewRoute;

extern LmRouteMode lm_route_choose(bool is_agg, List *key_atts, List **route_atts);
extern void lm_route_prepare(LmViewRoute *vr, const LmViewCatalog *cat, TupleDesc desc,
							 MemoryContext cxt);

/*
 * lm_route_worker returns the worker that gets an event of a view (values
 * and isnull: the event's columns; producer: the writing backend's
 * producer slot): for keyed views, XXH3 over the key values (or their
 * type's hash where equality is not bitwise), mapped onto the workers by
 * multiply-shift.  Per event: no allocation, lock or catalog lookup.
 */
static inline int
lm_route_worker(LmViewRoute *vr, Datum *values, bool *isnull, int producer)
{
	uint64 parts[LM_MAX_ROUTE_KEYS];
	uint64 h;

	if (vr->mode == LM_ROUTE_SINGLE)
		return vr->single_worker;
	if (vr->mode == LM_ROUTE_PRODUCER)
		return producer % lm_shared->nworkers;

	for (int k = 0; k < vr->nkeys; k++)
	{
		int a = vr->attidx[k];

		if (isnull[a])
			parts[k] = LM_ROUTE_NULL_HASH;
		else if (vr->raw[k])
			parts[k] = (uint64) values[a];
		else
			parts[k] =
				DatumGetUInt32(FunctionCall1Coll(&vr->hashfn[k], vr->collation[k], values[a]));
	}
	h = XXH3_64bits(parts, sizeof(uint64) * vr->nkeys);
	return (int) (((h >> 32) * (uint64) lm_shared->nworkers) >> 32);
}

#endif /* LAMINAR_ROUTE_H */
