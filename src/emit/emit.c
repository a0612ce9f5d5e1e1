/*-------------------------------------------------------------------------
 *
 * emit.c
 *	  Writes a view's results into its ordinary result table.
 *
 * One SPI statement per batch of rows, never one per row: the rows are
 * passed as one array per column and unnested.
 *	- ON UPDATE with group columns:  INSERT ... SELECT * FROM unnest(...)
 *	  ON CONFLICT (keys) DO UPDATE, on the NULLS NOT DISTINCT unique index;
 *	  a group appears once per batch, so no row is hit twice;
 *	- a global aggregate (no group columns): UPDATE of its single row;
 *	- ON WINDOW CLOSE and stateless views: plain INSERT ... unnest.
 * Statements run as the view's owner under SECURITY_RESTRICTED_OPERATION,
 * with the owner's TimeZone, DateStyle and IntervalStyle from creation
 * time, inside the worker's current transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "laminar.h"
#include "ops/view.h"

#define LM_EMIT_CHUNK	8192

/* GUC values currently set in this worker, to skip needless re-setting */
static char *lm_cur_timezone = NULL;
static char *lm_cur_datestyle = NULL;
static char *lm_cur_intervalstyle = NULL;

/*
 * lm_emit_set_guc sets one session GUC if it differs from what is set.
 */
static void
lm_emit_set_guc(const char *name, const char *value, char **cur)
{
	if (*cur != NULL && strcmp(*cur, value) == 0)
		return;
	(void) set_config_option(name, value, PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_SET, true, 0, false);
	if (*cur)
		pfree(*cur);
	*cur = MemoryContextStrdup(TopMemoryContext, value);
}

/*
 * lm_view_enter switches to the view's owner and creation-time settings.
 */
void
lm_view_enter(LmView *v, Oid *save_uid, int *save_sec)
{
	lm_emit_set_guc("TimeZone", v->timezone, &lm_cur_timezone);
	lm_emit_set_guc("DateStyle", v->datestyle, &lm_cur_datestyle);
	lm_emit_set_guc("IntervalStyle", v->intervalstyle, &lm_cur_intervalstyle);
	GetUserIdAndSecContext(save_uid, save_sec);
	SetUserIdAndSecContext(v->owner, *save_sec | SECURITY_RESTRICTED_OPERATION);
}

/*
 * lm_view_leave returns to the worker's own identity.
 */
void
lm_view_leave(LmView *v, Oid save_uid, int save_sec)
{
	SetUserIdAndSecContext(save_uid, save_sec);
}

/*
 * lm_emit_global returns whether the view is a global aggregate: one row,
 * no group columns.
 */
static bool
lm_emit_global(LmView *v)
{
	return v->kind != LM_VIEW_STATELESS && v->nkeycols == 0;
}

/*
 * lm_emit_prepare builds and keeps the view's write statement.
 */
void
lm_emit_prepare(LmView *v)
{
	StringInfoData sql;
	char	   *target;
	Oid		   *argtypes;

	if (v->plan)
		return;
	target = quote_qualified_identifier(get_namespace_name(get_rel_namespace(v->result_relid)),
										get_rel_name(v->result_relid));
	argtypes = palloc(sizeof(Oid) * v->nout);
	initStringInfo(&sql);
	if (lm_emit_global(v))
	{
		appendStringInfo(&sql, "UPDATE %s SET ", target);
		for (int c = 0; c < v->nout; c++)
		{
			appendStringInfo(&sql, "%s%s = $%d", c ? ", " : "", quote_identifier(v->outnames[c]), c + 1);
			argtypes[c] = v->outtypes[c];
		}
	}
	else
	{
		appendStringInfo(&sql, "INSERT INTO %s (", target);
		for (int c = 0; c < v->nout; c++)
			appendStringInfo(&sql, "%s%s", c ? ", " : "", quote_identifier(v->outnames[c]));
		appendStringInfoString(&sql, ") SELECT ");
		for (int c = 0; c < v->nout; c++)
		{
			if (OidIsValid(v->outarraytypes[c]))
				appendStringInfo(&sql, "%sr.c%d", c ? ", " : "", c + 1);
			else
				appendStringInfo(&sql, "%sr.c%d::%s", c ? ", " : "", c + 1,
								 format_type_be_qualified(v->outtypes[c]));
		}
		appendStringInfoString(&sql, " FROM ROWS FROM (");
		for (int c = 0; c < v->nout; c++)
		{
			appendStringInfo(&sql, "%spg_catalog.unnest($%d)", c ? ", " : "", c + 1);
			argtypes[c] = OidIsValid(v->outarraytypes[c]) ? v->outarraytypes[c] : TEXTARRAYOID;
		}
		appendStringInfoString(&sql, ") AS r(");
		for (int c = 0; c < v->nout; c++)
			appendStringInfo(&sql, "%sc%d", c ? ", " : "", c + 1);
		appendStringInfoChar(&sql, ')');
		if (v->kind != LM_VIEW_STATELESS && !v->emit_close)
		{
			bool		any = false;

			appendStringInfoString(&sql, " ON CONFLICT (");
			for (int k = 0; k < v->nkeycols; k++)
				appendStringInfo(&sql, "%s%s", k ? ", " : "", quote_identifier(v->keycols[k]));
			appendStringInfoString(&sql, ") DO UPDATE SET ");
			for (int c = 0; c < v->nout; c++)
			{
				bool		iskey = false;

				for (int k = 0; k < v->nkeycols; k++)
					if (strcmp(v->keycols[k], v->outnames[c]) == 0)
						iskey = true;
				if (iskey)
					continue;
				appendStringInfo(&sql, "%s%s = EXCLUDED.%s", any ? ", " : "",
								 quote_identifier(v->outnames[c]), quote_identifier(v->outnames[c]));
				any = true;
			}
			if (!any)
			{
				/* only key columns: nothing to update */
				sql.len -= strlen(" DO UPDATE SET ");
				sql.data[sql.len] = '\0';
				appendStringInfoString(&sql, " DO NOTHING");
			}
		}
	}
	v->plan = SPI_prepare(sql.data, v->nout, argtypes);
	if (v->plan == NULL)
		elog(ERROR, "laminar: could not prepare \"%s\": %s", sql.data,
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(v->plan);
	pfree(sql.data);
}

/*
 * lm_emit_flush_arrays writes n buffered rows (column-major) through the
 * view's statement.
 */
static void
lm_emit_flush_arrays(LmView *v, Datum **cols, bool **nulls, int n)
{
	Datum	   *args = palloc(sizeof(Datum) * v->nout);
	int			ret;

	if (n == 0)
		return;
	lm_emit_prepare(v);
	if (lm_emit_global(v))
	{
		char	   *argnulls = palloc(v->nout + 1);

		/* the last row is the current one */
		for (int c = 0; c < v->nout; c++)
		{
			args[c] = cols[c][n - 1];
			argnulls[c] = nulls[c][n - 1] ? 'n' : ' ';
		}
		argnulls[v->nout] = '\0';
		ret = SPI_execute_plan(v->plan, args, argnulls, false, 0);
	}
	else
	{
		int			dims[1] = {n};
		int			lbs[1] = {1};

		for (int c = 0; c < v->nout; c++)
		{
			if (!OidIsValid(v->outarraytypes[c]))
			{
				for (int i = 0; i < n; i++)
					if (!nulls[c][i])
						cols[c][i] = CStringGetTextDatum(OutputFunctionCall(&v->outfuncs[c], cols[c][i]));
				args[c] = PointerGetDatum(construct_md_array(cols[c], nulls[c], 1, dims, lbs,
															 TEXTOID, -1, false, TYPALIGN_INT));
				continue;
			}
			args[c] = PointerGetDatum(construct_md_array(cols[c], nulls[c], 1, dims, lbs,
														 v->outtypes[c], v->outlen[c],
														 v->outbyval[c], v->outalign[c]));
		}
		ret = SPI_execute_plan(v->plan, args, NULL, false, 0);
	}
	if (ret < 0)
		elog(ERROR, "laminar: writing results of view %d failed: %s", v->id,
			 SPI_result_code_string(ret));
	if (v->stats)
		pg_atomic_fetch_add_u64(&v->stats->rows_emitted, n);
}

/*
 * lm_emit_alloc_cols allocates column-major buffers for up to n rows.
 */
static void
lm_emit_alloc_cols(LmView *v, int n, Datum ***cols, bool ***nulls)
{
	*cols = palloc(sizeof(Datum *) * v->nout);
	*nulls = palloc(sizeof(bool *) * v->nout);
	for (int c = 0; c < v->nout; c++)
	{
		(*cols)[c] = palloc(sizeof(Datum) * n);
		(*nulls)[c] = palloc(sizeof(bool) * n);
	}
}

/*
 * lm_emit_group_row evaluates the select list for one group into row i.
 */
static void
lm_emit_group_row(LmView *v, LmWindow *win, LmGroup *g, Datum **cols, bool **nulls, int i)
{
	ExprContext *ec = v->econtext;

	if (v->nkeys > 0)
	{
		ExecStoreMinimalTuple(g->key, v->keyread, false);
		slot_getallattrs(v->keyread);
		for (int k = 0; k < v->nkeys; k++)
		{
			v->params[v->naggs + k].value = v->keyread->tts_values[k];
			v->params[v->naggs + k].isnull = v->keyread->tts_isnull[k];
		}
	}
	if (v->window_us > 0)
	{
		v->params[v->param_ws].value = Int64GetDatum(win->start);
		v->params[v->param_ws].isnull = false;
		v->params[v->param_we].value = Int64GetDatum(win->start + v->window_us);
		v->params[v->param_we].isnull = false;
	}
	for (int a = 0; a < v->naggs; a++)
	{
		LmAggSpec  *spec = &v->aggs[a];
		LmAggVal   *val = &g->vals[a];
		ParamExecData *p = &v->params[a];

		if (!spec->hasfinal)
		{
			p->value = val->value;
			p->isnull = val->isnull;
		}
		else if (spec->finalstrict && val->isnull)
		{
			p->value = (Datum) 0;
			p->isnull = true;
		}
		else
		{
			FunctionCallInfo fc = spec->finalcall;

			v->fake_agg->curaggcontext->ecxt_per_tuple_memory = win->cxt;
			fc->args[0].value = val->value;
			fc->args[0].isnull = val->isnull;
			for (int x = 1; x <= spec->nfinalextra; x++)
			{
				fc->args[x].value = (Datum) 0;
				fc->args[x].isnull = true;
			}
			fc->isnull = false;
			p->value = FunctionCallInvoke(fc);
			p->isnull = fc->isnull;
		}
	}
	ec->ecxt_scantuple = NULL;
	for (int c = 0; c < v->nout; c++)
		cols[c][i] = ExecEvalExpr(v->outexprs[c], ec, &nulls[c][i]);
}

/*
 * lm_emit_groups writes the changed groups of a window, or all of them.
 */
void
lm_emit_groups(LmView *v, LmWindow *win, bool all_groups)
{
	MemoryContext old = MemoryContextSwitchTo(v->econtext->ecxt_per_tuple_memory);
	Datum	  **cols;
	bool	  **nulls;
	int			n = 0;

	lm_emit_alloc_cols(v, LM_EMIT_CHUNK, &cols, &nulls);
	if (all_groups)
	{
		if (win->single)
			lm_emit_group_row(v, win, win->single, cols, nulls, n++);
		else if (win->table)
		{
			TupleHashIterator it;
			TupleHashEntry entry;

			InitTupleHashIterator(win->table, &it);
			while ((entry = ScanTupleHashTable(win->table, &it)) != NULL)
			{
				lm_emit_group_row(v, win, (LmGroup *) entry->additional, cols, nulls, n++);
				if (n == LM_EMIT_CHUNK)
				{
					lm_emit_flush_arrays(v, cols, nulls, n);
					n = 0;
				}
			}
			TermTupleHashIterator(&it);
		}
	}
	else
	{
		for (LmGroup *g = win->dirty; g != NULL; g = g->next_dirty)
		{
			lm_emit_group_row(v, win, g, cols, nulls, n++);
			if (n == LM_EMIT_CHUNK)
			{
				lm_emit_flush_arrays(v, cols, nulls, n);
				n = 0;
			}
		}
	}
	lm_emit_flush_arrays(v, cols, nulls, n);
	for (LmGroup *g = win->dirty, *next; g != NULL; g = next)
	{
		next = g->next_dirty;
		g->dirty = false;
		g->next_dirty = NULL;
	}
	win->dirty = NULL;
	MemoryContextSwitchTo(old);
	ResetExprContext(v->econtext);
}

/*
 * lm_emit_rows appends the buffered rows of a stateless view.
 */
void
lm_emit_rows(LmView *v)
{
	MemoryContext old = MemoryContextSwitchTo(v->econtext->ecxt_per_tuple_memory);
	Datum	  **cols;
	bool	  **nulls;
	int			n = 0;

	lm_emit_alloc_cols(v, Min(v->nrows, LM_EMIT_CHUNK), &cols, &nulls);
	for (int r = 0; r < v->nrows; r++)
	{
		for (int c = 0; c < v->nout; c++)
		{
			cols[c][n] = v->rowvals[r][c];
			nulls[c][n] = v->rownulls[r][c];
		}
		if (++n == LM_EMIT_CHUNK)
		{
			lm_emit_flush_arrays(v, cols, nulls, n);
			n = 0;
		}
	}
	lm_emit_flush_arrays(v, cols, nulls, n);
	v->nrows = 0;
	MemoryContextReset(v->rowcxt);
	MemoryContextSwitchTo(old);
	ResetExprContext(v->econtext);
}
