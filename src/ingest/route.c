/*-------------------------------------------------------------------------
 *
 * route.c
 *	  Routing policy: which stream worker gets the events of a view.
 *
 * A view's groups are spread over the workers; all events of one group
 * must reach the worker that holds it.  The policy (src/ingest/README.md):
 *	- views grouping by plain stream columns only (at most
 *	  LM_MAX_ROUTE_KEYS of them, the window aside): the hash of those
 *	  columns' values picks the worker;
 *	- views grouping by an expression, only by the window, or not at all
 *	  (global aggregates), and keyed views whose key type has no hash
 *	  function: one worker per view, the view id modulo the workers;
 *	- stateless views: the writing backend's own worker (no state, so any
 *	  worker will do, and one producer's events stay in order).
 * The per-event step is lm_route_worker in route.h.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/typcache.h"

#include "laminar.h"
#include "ingest/route.h"

/*
 * lm_route_choose returns the route mode of a view at CREATE.  is_agg: it
 * aggregates or groups; key_atts: per group key other than the window, the
 * stream attribute it is, or InvalidAttrNumber for an expression.  For
 * LM_ROUTE_KEYS, *route_atts gets the attributes to hash (NIL otherwise).
 */
LmRouteMode
lm_route_choose(bool is_agg, List *key_atts, List **route_atts)
{
	ListCell *lc;

	*route_atts = NIL;
	if (!is_agg)
		return LM_ROUTE_PRODUCER;
	if (key_atts == NIL || list_length(key_atts) > LM_MAX_ROUTE_KEYS)
		return LM_ROUTE_SINGLE;
	foreach (lc, key_atts)
		if (lfirst_int(lc) == InvalidAttrNumber)
			return LM_ROUTE_SINGLE;
	*route_atts = list_copy(key_atts);
	return LM_ROUTE_KEYS;
}

/*
 * lm_route_prepare fills vr, the plan by which a writing backend routes
 * events of view cat with row type desc: the hash function of each key
 * column (raw Datum bits for types whose equality is bitwise, so that
 * hashing costs nothing; the type's hash function otherwise, so that equal
 * values such as 1.0 and 1.00 meet).  A key type without a hash function
 * routes the view to one worker.  Function data lives in cxt.
 */
void
lm_route_prepare(LmViewRoute *vr, const LmViewCatalog *cat, TupleDesc desc, MemoryContext cxt)
{
	memset(vr, 0, sizeof(*vr));
	vr->view_id = cat->id;
	vr->mode = cat->route;
	vr->single_worker = cat->id % lm_shared->nworkers;
	if (vr->mode != LM_ROUTE_KEYS)
		return;
	vr->nkeys = Min(cat->nroute, LM_MAX_ROUTE_KEYS);
	for (int k = 0; k < vr->nkeys; k++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, cat->route_attnums[k] - 1);
		Oid typ = att->atttypid;

		vr->attidx[k] = cat->route_attnums[k] - 1;
		vr->collation[k] = att->attcollation;
		switch (typ)
		{
			case INT2OID:
			case INT4OID:
			case INT8OID:
			case BOOLOID:
			case DATEOID:
			case TIMESTAMPOID:
			case TIMESTAMPTZOID:
			case OIDOID:
			case TIMEOID:
			case CHAROID:
				vr->raw[k] = true;
				break;
			default:
			{
				TypeCacheEntry *tce = lookup_type_cache(typ, TYPECACHE_HASH_PROC_FINFO);

				if (!OidIsValid(tce->hash_proc))
				{
					/* no hash function: route the view to one worker */
					vr->mode = LM_ROUTE_SINGLE;
					break;
				}
				fmgr_info_cxt(tce->hash_proc, &vr->hashfn[k], cxt);
				vr->raw[k] = false;
			}
		}
	}
}
