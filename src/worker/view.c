/*-------------------------------------------------------------------------
 *
 * view.c
 *	  Entering and leaving a view: its owner's identity and its
 *	  creation-time settings, for as long as its code runs in the worker.
 *
 * A view runs as its result table's current owner under
 * SECURITY_RESTRICTED_OPERATION, with the TimeZone, DateStyle and
 * IntervalStyle of its creation, inside a GUC nest level so that whatever
 * its code changes (search_path included) is undone when it leaves.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "worker/view.h"

/* GUC values currently set in this worker, to skip needless re-setting */
static char *lm_cur_timezone = NULL;
static char *lm_cur_datestyle = NULL;
static char *lm_cur_intervalstyle = NULL;

/*
 * lm_view_set_guc sets one session GUC if it differs from what is set.
 */
static void
lm_view_set_guc(const char *name, const char *value, char **cur)
{
	if (*cur != NULL && strcmp(*cur, value) == 0)
		return;
	(void) set_config_option(name, value, PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SET, true, 0, false);
	if (*cur)
		pfree(*cur);
	*cur = MemoryContextStrdup(TopMemoryContext, value);
}

/*
 * lm_view_enter switches to the view's owner and creation-time settings,
 * and opens a GUC nest level (as REFRESH MATERIALIZED VIEW does) so that
 * any setting the owner's code changes, search_path included, is undone
 * when the view leaves and never reaches another view or the worker.
 */
void
lm_view_enter(LmView *v, Oid *save_uid, int *save_sec)
{
	lm_view_set_guc("TimeZone", v->timezone, &lm_cur_timezone);
	lm_view_set_guc("DateStyle", v->datestyle, &lm_cur_datestyle);
	lm_view_set_guc("IntervalStyle", v->intervalstyle, &lm_cur_intervalstyle);
	GetUserIdAndSecContext(save_uid, save_sec);
	SetUserIdAndSecContext(v->owner, *save_sec | SECURITY_RESTRICTED_OPERATION);
	v->guc_nest = NewGUCNestLevel();
	lm_worker_hold_begin(v); /* the view holds the worker from now on */
}

/*
 * lm_view_leave undoes the settings the view's code changed and returns to
 * the worker's own identity.
 */
void
lm_view_leave(LmView *v, Oid save_uid, int save_sec)
{
	(void) lm_worker_hold_end();
	AtEOXact_GUC(false, v->guc_nest);
	SetUserIdAndSecContext(save_uid, save_sec);
}

/*
 * lm_view_forget_settings forgets which view settings are set.  A rolled
 * back (sub)transaction undoes the SETs of lm_view_enter made inside it,
 * so after one the next lm_view_enter must set them again.
 */
void
lm_view_forget_settings(void)
{
	char **cur[] = {&lm_cur_timezone, &lm_cur_datestyle, &lm_cur_intervalstyle};

	for (int i = 0; i < lengthof(cur); i++)
	{
		if (*cur[i])
			pfree(*cur[i]);
		*cur[i] = NULL;
	}
}
