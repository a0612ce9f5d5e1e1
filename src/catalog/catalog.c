/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Helpers that keep Laminar's own queries immune to search_path, and
 *	  the one place that says which role a view runs as.
 *
 * See src/catalog/README.md for what runs as whom and why.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "utils/guc.h"
#include "utils/syscache.h"

#include "laminar.h"

/*
 * lm_cat_push_search_path sets search_path to path for the work that
 * follows, in a new GUC nest level (the way a function's SET clause
 * does), and returns that level for lm_cat_pop_search_path.  An error
 * before the pop is cleaned up by the (sub)transaction abort.
 */
int
lm_cat_push_search_path(const char *path)
{
	int level = NewGUCNestLevel();

	(void) set_config_option("search_path", path, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true,
							 0, false);
	return level;
}

/*
 * lm_cat_pop_search_path restores the search_path (and any other setting
 * changed since) of before the matching lm_cat_push_search_path.
 */
void
lm_cat_pop_search_path(int level)
{
	AtEOXact_GUC(true, level);
}

/*
 * lm_cat_view_role returns the role a view runs as: the current owner of
 * its result table (pg_class.relowner), or InvalidOid if the table is gone.
 */
Oid
lm_cat_view_role(Oid result_relid)
{
	HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(result_relid));
	Oid owner;

	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}
