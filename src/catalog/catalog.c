/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Every read and write of Laminar's own catalog tables, the helpers
 *	  that keep those queries (and every other query Laminar runs for
 *	  itself) immune to search_path, the one place that says which role a
 *	  view runs as, and the catalog generation.
 *
 * A row becomes a struct only through lm_cat_*_from_tuple, one function
 * per table, reading the columns at their Anum_lm_* positions (catalog.h).
 * Every query here builds its select list from a table indexed by those
 * constants (lm_cat_append_cols), so the positions agree by construction.
 *
 * Every statement pins search_path to LM_SAFE_SEARCH_PATH for its
 * duration, qualifies every operator, function and cast, and takes its
 * values as parameters.  Writes run as the bootstrap superuser under
 * SECURITY_RESTRICTED_OPERATION (lm_cat_write); horizons are written as
 * the worker's own role by its caller.  See src/catalog/README.md for what
 * runs as whom and why.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/syscache.h"

#include "laminar.h"
#include "catalog/catalog.h"

PG_FUNCTION_INFO_V1(laminar_catalog_changed);

static bool lm_cat_changed = false; /* this transaction changed the catalog */

/* ---------------------------------------------------------------------
 * search_path and roles
 * ---------------------------------------------------------------------
 */

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

/* ---------------------------------------------------------------------
 * Text <-> enum: the only place that knows how kinds, EMIT modes and
 * route modes are spelled in the catalog
 * ---------------------------------------------------------------------
 */

/*
 * lm_cat_view_kind_from_text converts laminar._views.kind to its enum
 * (anything unknown reads as an aggregate, as 0.1 did).
 */
LmViewKind
lm_cat_view_kind_from_text(const char *s)
{
	if (strcmp(s, "stateless") == 0)
		return LM_VIEW_STATELESS;
	if (strcmp(s, "window") == 0)
		return LM_VIEW_WINDOW;
	return LM_VIEW_AGGREGATE;
}

/*
 * lm_cat_view_kind_text returns how a view kind is stored.
 */
const char *
lm_cat_view_kind_text(LmViewKind kind)
{
	switch (kind)
	{
		case LM_VIEW_STATELESS:
			return "stateless";
		case LM_VIEW_WINDOW:
			return "window";
		case LM_VIEW_AGGREGATE:
			break;
	}
	return "aggregate";
}

/*
 * lm_cat_emit_from_text converts laminar._views.emit to its enum.
 */
LmEmitMode
lm_cat_emit_from_text(const char *s)
{
	if (strcmp(s, "on window close") == 0)
		return LM_EMIT_ON_WINDOW_CLOSE;
	if (strcmp(s, "after watermark") == 0)
		return LM_EMIT_AFTER_WATERMARK;
	if (strcmp(s, "final") == 0)
		return LM_EMIT_FINAL;
	if (strcmp(s, "every") == 0)
		return LM_EMIT_EVERY;
	if (strcmp(s, "changes") == 0)
		return LM_EMIT_CHANGES;
	return LM_EMIT_ON_UPDATE;
}

/*
 * lm_cat_emit_text returns how an EMIT mode is stored.
 */
const char *
lm_cat_emit_text(LmEmitMode emit)
{
	switch (emit)
	{
		case LM_EMIT_ON_WINDOW_CLOSE:
			return "on window close";
		case LM_EMIT_AFTER_WATERMARK:
			return "after watermark";
		case LM_EMIT_FINAL:
			return "final";
		case LM_EMIT_EVERY:
			return "every";
		case LM_EMIT_CHANGES:
			return "changes";
		case LM_EMIT_ON_UPDATE:
			break;
	}
	return "on update";
}

/*
 * lm_cat_window_kind_from_text converts laminar._views.window_kind to its
 * enum (an unknown text is TUMBLE, what every older row means).
 */
LmWindowKind
lm_cat_window_kind_from_text(const char *s)
{
	if (strcmp(s, "hop") == 0)
		return LM_WINDOW_HOP;
	if (strcmp(s, "cumulate") == 0)
		return LM_WINDOW_CUMULATE;
	if (strcmp(s, "session") == 0)
		return LM_WINDOW_SESSION;
	return LM_WINDOW_TUMBLE;
}

/*
 * lm_cat_window_kind_text returns how a window kind is stored (NULL for
 * none).
 */
const char *
lm_cat_window_kind_text(LmWindowKind kind)
{
	switch (kind)
	{
		case LM_WINDOW_TUMBLE:
			return "tumble";
		case LM_WINDOW_HOP:
			return "hop";
		case LM_WINDOW_CUMULATE:
			return "cumulate";
		case LM_WINDOW_SESSION:
			return "session";
		case LM_WINDOW_NONE:
			break;
	}
	return NULL;
}

/*
 * lm_cat_route_from_char converts laminar._views.route to its enum (an
 * unknown code routes the view to one worker, which is always correct).
 */
LmRouteMode
lm_cat_route_from_char(char c)
{
	switch (c)
	{
		case 'k':
			return LM_ROUTE_KEYS;
		case 'p':
			return LM_ROUTE_PRODUCER;
		default:
			return LM_ROUTE_SINGLE;
	}
}

/*
 * lm_cat_route_char returns how a route mode is stored.
 */
char
lm_cat_route_char(LmRouteMode mode)
{
	switch (mode)
	{
		case LM_ROUTE_KEYS:
			return 'k';
		case LM_ROUTE_PRODUCER:
			return 'p';
		case LM_ROUTE_SINGLE:
			break;
	}
	return 's';
}

/* ---------------------------------------------------------------------
 * Select lists, by the Anum_lm_* constants of catalog.h
 * ---------------------------------------------------------------------
 */

/*
 * a column: its name in the table, how the module's queries select it, and
 * for a column added after 0.2.0, what they select instead from a catalog
 * that has not been updated to it yet (NULL: every catalog has it)
 */
typedef struct LmCatCol
{
	const char *name;
	const char *expr;
	const char *absent;
} LmCatCol;

/* laminar._streams AS s */
static const LmCatCol lm_streams_cols[Natts_lm_streams] = {
	[Anum_lm_streams_stream - 1] = {"stream", "s.stream::pg_catalog.oid"},
	[Anum_lm_streams_ts_column - 1] = {"ts_column", "s.ts_column"},
	[Anum_lm_streams_ts_attnum - 1] = {"ts_attnum", "s.ts_attnum"},
	[Anum_lm_streams_watermark_delay - 1] = {"watermark_delay", "s.watermark_delay"},
	[Anum_lm_streams_watermark_delay_us - 1] = {"watermark_delay_us", "s.watermark_delay_us"},
	[Anum_lm_streams_idle_timeout - 1] = {"idle_timeout", "s.idle_timeout",
										  "NULL::pg_catalog.interval"},
};

/* laminar._views AS v */
static const LmCatCol lm_views_cols[Natts_lm_views] = {
	[Anum_lm_views_id - 1] = {"id", "v.id"},
	[Anum_lm_views_view - 1] = {"view", "v.view::pg_catalog.oid"},
	[Anum_lm_views_stream - 1] = {"stream", "v.stream::pg_catalog.oid"},
	[Anum_lm_views_kind - 1] = {"kind", "v.kind"},
	[Anum_lm_views_emit - 1] = {"emit", "v.emit"},
	[Anum_lm_views_window_size - 1] = {"window_size", "v.window_size"},
	[Anum_lm_views_definition - 1] = {"definition", "v.definition"},
	[Anum_lm_views_query - 1] = {"query", "v.query"},
	[Anum_lm_views_route - 1] = {"route", "v.route"},
	[Anum_lm_views_route_attnums - 1] = {"route_attnums", "v.route_attnums"},
	[Anum_lm_views_key_columns - 1] = {"key_columns", "v.key_columns"},
	[Anum_lm_views_timezone - 1] = {"timezone", "v.timezone"},
	[Anum_lm_views_datestyle - 1] = {"datestyle", "v.datestyle"},
	[Anum_lm_views_intervalstyle - 1] = {"intervalstyle", "v.intervalstyle"},
	[Anum_lm_views_created_at - 1] = {"created_at", "v.created_at"},
	[Anum_lm_views_window_kind - 1] = {"window_kind", "v.window_kind", "NULL::pg_catalog.text"},
	[Anum_lm_views_window_slide - 1] = {"window_slide", "v.window_slide",
										"NULL::pg_catalog.interval"},
	[Anum_lm_views_window_offset - 1] = {"window_offset", "v.window_offset",
										 "NULL::pg_catalog.interval"},
	[Anum_lm_views_allowed_lateness - 1] = {"allowed_lateness", "v.allowed_lateness",
											"NULL::pg_catalog.interval"},
	[Anum_lm_views_emit_every - 1] = {"emit_every", "v.emit_every", "NULL::pg_catalog.interval"},
	[Anum_lm_views_late_table - 1] = {"late_table", "v.late_table::pg_catalog.oid",
									  "NULL::pg_catalog.oid"},
};

/*
 * laminar._view_inputs AS i, and NULLs of the same types in its place for
 * a catalog that predates the table
 */
static const LmCatCol lm_view_inputs_cols[Natts_lm_view_inputs] = {
	[Anum_lm_view_inputs_view_id - 1] = {"view_id", "i.view_id"},
	[Anum_lm_view_inputs_port - 1] = {"port", "i.port"},
	[Anum_lm_view_inputs_stream - 1] = {"stream", "i.stream::pg_catalog.oid"},
	[Anum_lm_view_inputs_input_view - 1] = {"input_view", "i.input_view"},
};
static const LmCatCol lm_view_inputs_nulls[Natts_lm_view_inputs] = {
	[Anum_lm_view_inputs_view_id - 1] = {"view_id", "NULL::pg_catalog.int4"},
	[Anum_lm_view_inputs_port - 1] = {"port", "NULL::pg_catalog.int2"},
	[Anum_lm_view_inputs_stream - 1] = {"stream", "NULL::pg_catalog.oid"},
	[Anum_lm_view_inputs_input_view - 1] = {"input_view", "NULL::pg_catalog.int4"},
};

/*
 * laminar._horizons AS h, grouped by view: what a worker may start a view
 * from ($1 the worker, $2 when the server started): the highest horizon
 * and the highest watermark of this worker's own rows, or of any row
 * written before the server started (see src/worker/README.md,
 * "Restarts").
 */
static const LmCatCol lm_horizon_seed_cols[Natts_lm_horizons] = {
	[Anum_lm_horizons_view_id - 1] = {"view_id", "h.view_id"},
	[Anum_lm_horizons_worker - 1] = {"worker", "$1"},
	[Anum_lm_horizons_horizon - 1] = {"horizon", "pg_catalog.max(h.horizon) FILTER (WHERE h.worker "
												 "OPERATOR(pg_catalog.=) $1 OR h.written_at "
												 "OPERATOR(pg_catalog.<) $2)"},
	[Anum_lm_horizons_watermark - 1] = {"watermark",
										"pg_catalog.max(h.watermark) FILTER (WHERE h.worker "
										"OPERATOR(pg_catalog.=) $1 OR h.written_at "
										"OPERATOR(pg_catalog.<) $2)"},
	[Anum_lm_horizons_written_at - 1] = {"written_at", "pg_catalog.max(h.written_at)"},
};

/* a view row read by lm_cat_views_read: view, stream, input, owner */
#define LM_CAT_VIEW_STREAM_OFF Natts_lm_views
#define LM_CAT_VIEW_INPUT_OFF (LM_CAT_VIEW_STREAM_OFF + Natts_lm_streams)
#define LM_CAT_VIEW_OWNER_COL (LM_CAT_VIEW_INPUT_OFF + Natts_lm_view_inputs + 1)

static Oid lm_cat_table(const char *name);

/*
 * lm_cat_append_cols appends a select list, comma first if buf is not at
 * the start of one; a column that table laminar.<table> does not have yet
 * is selected as its `absent` expression.
 */
static void
lm_cat_append_cols(StringInfo buf, const LmCatCol *cols, int n, const char *table)
{
	Oid rel = table ? lm_cat_table(table) : InvalidOid;

	for (int i = 0; i < n; i++)
	{
		if (buf->len > 0 && buf->data[buf->len - 1] != ' ')
			appendStringInfoString(buf, ", ");
		if (cols[i].absent != NULL &&
			(!OidIsValid(rel) || get_attnum(rel, cols[i].name) == InvalidAttrNumber))
			appendStringInfoString(buf, cols[i].absent);
		else
			appendStringInfoString(buf, cols[i].expr);
	}
}

/*
 * lm_cat_cols_at fills map with the column numbers of n columns that
 * start after `offset` columns of a query's result.
 */
static void
lm_cat_cols_at(int offset, int n, int *map)
{
	for (int i = 0; i < n; i++)
		map[i] = offset + i + 1;
}

/*
 * lm_cat_cols_by_name fills map with the attribute numbers, in a row of
 * the table itself (reldesc), of n columns named in cols.
 */
static void
lm_cat_cols_by_name(TupleDesc reldesc, const LmCatCol *cols, int n, int *map)
{
	for (int i = 0; i < n; i++)
	{
		map[i] = SPI_fnumber(reldesc, cols[i].name);
		if (map[i] <= 0 && cols[i].absent != NULL)
			map[i] = 0; /* not there yet: read as NULL (lm_cat_get) */
		else if (map[i] <= 0)
			elog(ERROR, "laminar: catalog column \"%s\" is missing", cols[i].name);
	}
}

/* ---------------------------------------------------------------------
 * Row -> struct, one function per table
 * ---------------------------------------------------------------------
 */

/*
 * lm_cat_text returns a text column as a C string in the current memory
 * context, or NULL.
 */
static char *
lm_cat_text(HeapTuple tup, TupleDesc td, int col)
{
	bool isnull;
	Datum d = SPI_getbinval(tup, td, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * lm_cat_window_us returns the microseconds of a view's window size as the
 * 0.1 worker query computed them: extract(epoch) * 1000000 rounded to
 * int8, or 0 when that exceeds the int8 range (a size 0.1.0 accepted).
 */
static int64
lm_cat_window_us(Datum iv)
{
	Datum epoch = DirectFunctionCall2(extract_interval, CStringGetTextDatum("epoch"), iv);
	Datum us = DirectFunctionCall2(numeric_mul, epoch, NumericGetDatum(int64_to_numeric(1000000)));

	if (!DatumGetBool(
			DirectFunctionCall2(numeric_le, us, NumericGetDatum(int64_to_numeric(PG_INT64_MAX)))))
		return 0;
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, us));
}

/*
 * lm_cat_get_text returns column col (0: a column the catalog does not have
 * yet, NULL) as a C string, or NULL.
 */
static char *
lm_cat_get_text(HeapTuple tup, TupleDesc td, int col)
{
	return col > 0 ? lm_cat_text(tup, td, col) : NULL;
}

/*
 * lm_cat_get_interval returns a copy of interval column col (0: a column
 * the catalog does not have yet), or (Datum) 0 when NULL.
 */
static Datum
lm_cat_get_interval(HeapTuple tup, TupleDesc td, int col)
{
	bool isnull;
	Datum d;

	if (col <= 0)
		return (Datum) 0;
	d = SPI_getbinval(tup, td, col, &isnull);
	return isnull ? (Datum) 0 : datumCopy(d, false, sizeof(Interval));
}

/*
 * lm_cat_stream_from_tuple fills s from the laminar._streams columns of a
 * row, found at the column numbers in map (by Anum) (relid 0: the columns are NULL).
 */
static void
lm_cat_stream_from_tuple(HeapTuple tup, TupleDesc td, const int *map, LmStreamCatalog *s)
{
	bool isnull;
	Datum d;

	memset(s, 0, sizeof(*s));
	d = SPI_getbinval(tup, td, map[Anum_lm_streams_stream - 1], &isnull);
	if (isnull)
		return;
	s->relid = DatumGetObjectId(d);
	d = SPI_getbinval(tup, td, map[Anum_lm_streams_ts_column - 1], &isnull);
	s->ts_column = isnull ? NULL : pstrdup(NameStr(*DatumGetName(d)));
	d = SPI_getbinval(tup, td, map[Anum_lm_streams_ts_attnum - 1], &isnull);
	s->ts_attnum = isnull ? 0 : DatumGetInt16(d);
	d = SPI_getbinval(tup, td, map[Anum_lm_streams_watermark_delay - 1], &isnull);
	s->delay = isnull ? (Datum) 0 : datumCopy(d, false, sizeof(Interval));
	d = SPI_getbinval(tup, td, map[Anum_lm_streams_watermark_delay_us - 1], &isnull);
	s->has_wm = !isnull;
	s->delay_us = isnull ? 0 : DatumGetInt64(d);
	s->idle_iv = lm_cat_get_interval(tup, td, map[Anum_lm_streams_idle_timeout - 1]);
	s->idle_us = s->idle_iv ? lm_cat_window_us(s->idle_iv) : 0;
}

/*
 * lm_cat_view_from_tuple fills v from the laminar._views columns of a row,
 * found at the column numbers in map (by Anum).  The stream, inputs and owner are
 * the caller's (lm_cat_views_read).
 */
static void
lm_cat_view_from_tuple(HeapTuple tup, TupleDesc td, const int *map, LmViewCatalog *v)
{
	bool isnull;
	Datum d;
	char *s;

	memset(v, 0, sizeof(*v));
	v->id = DatumGetInt32(SPI_getbinval(tup, td, map[Anum_lm_views_id - 1], &isnull));
	v->result_relid =
		DatumGetObjectId(SPI_getbinval(tup, td, map[Anum_lm_views_view - 1], &isnull));
	v->stream_relid =
		DatumGetObjectId(SPI_getbinval(tup, td, map[Anum_lm_views_stream - 1], &isnull));
	s = lm_cat_text(tup, td, map[Anum_lm_views_kind - 1]);
	v->kind = lm_cat_view_kind_from_text(s ? s : "");
	s = lm_cat_text(tup, td, map[Anum_lm_views_emit - 1]);
	v->emit = lm_cat_emit_from_text(s ? s : "");
	d = SPI_getbinval(tup, td, map[Anum_lm_views_window_size - 1], &isnull);
	v->windowed = !isnull;
	v->window_iv = isnull ? (Datum) 0 : datumCopy(d, false, sizeof(Interval));
	v->window_us = isnull ? 0 : lm_cat_window_us(d);
	v->definition = lm_cat_text(tup, td, map[Anum_lm_views_definition - 1]);
	v->query = lm_cat_text(tup, td, map[Anum_lm_views_query - 1]);
	d = SPI_getbinval(tup, td, map[Anum_lm_views_route - 1], &isnull);
	v->route = lm_cat_route_from_char(isnull ? 's' : DatumGetChar(d));
	d = SPI_getbinval(tup, td, map[Anum_lm_views_route_attnums - 1], &isnull);
	if (!isnull)
	{
		ArrayType *arr = DatumGetArrayTypeP(d);
		int16 *attnums = (int16 *) ARR_DATA_PTR(arr);

		v->nroute = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
		v->route_attnums = palloc(sizeof(AttrNumber) * Max(v->nroute, 1));
		for (int k = 0; k < v->nroute; k++)
			v->route_attnums[k] = attnums[k];
	}
	d = SPI_getbinval(tup, td, map[Anum_lm_views_key_columns - 1], &isnull);
	if (!isnull)
	{
		Datum *elems;
		bool *enulls;
		int n;

		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls,
						  &n);
		v->nkeycols = n;
		v->keycols = palloc(sizeof(char *) * Max(n, 1));
		for (int k = 0; k < n; k++)
			v->keycols[k] = TextDatumGetCString(elems[k]);
	}
	v->timezone = lm_cat_text(tup, td, map[Anum_lm_views_timezone - 1]);
	v->datestyle = lm_cat_text(tup, td, map[Anum_lm_views_datestyle - 1]);
	v->intervalstyle = lm_cat_text(tup, td, map[Anum_lm_views_intervalstyle - 1]);
	d = SPI_getbinval(tup, td, map[Anum_lm_views_created_at - 1], &isnull);
	v->created_at = isnull ? 0 : DatumGetTimestampTz(d);

	/* the window (0.3.0 columns; a catalog without them has TUMBLE windows) */
	s = lm_cat_get_text(tup, td, map[Anum_lm_views_window_kind - 1]);
	v->window.kind = !v->windowed ? LM_WINDOW_NONE
					 : s == NULL  ? LM_WINDOW_TUMBLE
								  : lm_cat_window_kind_from_text(s);
	v->window.size = v->window_us;
	v->slide_iv = lm_cat_get_interval(tup, td, map[Anum_lm_views_window_slide - 1]);
	v->offset_iv = lm_cat_get_interval(tup, td, map[Anum_lm_views_window_offset - 1]);
	v->lateness_iv = lm_cat_get_interval(tup, td, map[Anum_lm_views_allowed_lateness - 1]);
	/* SESSION: window_slide is the maximum length (NULL: none) */
	v->window.slide = v->slide_iv							? lm_cat_window_us(v->slide_iv)
					  : v->window.kind == LM_WINDOW_SESSION ? 0
															: v->window.size;
	v->window.offset = v->offset_iv ? lm_cat_window_us(v->offset_iv) : 0;
	v->window.lateness = v->lateness_iv ? lm_cat_window_us(v->lateness_iv) : 0;
	v->every_iv = lm_cat_get_interval(tup, td, map[Anum_lm_views_emit_every - 1]);
	v->emit_every_us = v->every_iv ? lm_cat_window_us(v->every_iv) : 0;
	v->late_relid = InvalidOid;
	if (map[Anum_lm_views_late_table - 1] > 0)
	{
		d = SPI_getbinval(tup, td, map[Anum_lm_views_late_table - 1], &isnull);
		v->late_relid = isnull ? InvalidOid : DatumGetObjectId(d);
	}
}

/*
 * lm_cat_view_input_from_tuple fills in from the laminar._view_inputs
 * columns of a row, found at the column numbers in map (by Anum).  Returns with
 * port -1 when they are NULL.
 */
static void
lm_cat_view_input_from_tuple(HeapTuple tup, TupleDesc td, const int *map, LmViewInput *in)
{
	bool isnull;
	Datum d;

	memset(in, 0, sizeof(*in));
	d = SPI_getbinval(tup, td, map[Anum_lm_view_inputs_port - 1], &isnull);
	in->port = isnull ? -1 : DatumGetInt16(d);
	d = SPI_getbinval(tup, td, map[Anum_lm_view_inputs_stream - 1], &isnull);
	in->stream = isnull ? InvalidOid : DatumGetObjectId(d);
	d = SPI_getbinval(tup, td, map[Anum_lm_view_inputs_input_view - 1], &isnull);
	in->input_view = isnull ? 0 : DatumGetInt32(d);
}

/*
 * lm_cat_horizon_from_tuple fills h from the laminar._horizons columns of
 * a row, found at the column numbers in map (by Anum).
 */
static void
lm_cat_horizon_from_tuple(HeapTuple tup, TupleDesc td, const int *map, LmHorizonCatalog *h)
{
	bool isnull;
	Datum d;

	h->view_id = DatumGetInt32(SPI_getbinval(tup, td, map[Anum_lm_horizons_view_id - 1], &isnull));
	d = SPI_getbinval(tup, td, map[Anum_lm_horizons_worker - 1], &isnull);
	h->worker = isnull ? -1 : DatumGetInt32(d);
	d = SPI_getbinval(tup, td, map[Anum_lm_horizons_horizon - 1], &isnull);
	h->horizon = isnull ? LM_NO_TIME : DatumGetTimestampTz(d);
	d = SPI_getbinval(tup, td, map[Anum_lm_horizons_watermark - 1], &isnull);
	h->wm = isnull ? LM_NO_TIME : DatumGetTimestampTz(d);
	d = SPI_getbinval(tup, td, map[Anum_lm_horizons_written_at - 1], &isnull);
	h->written_at = isnull ? 0 : DatumGetTimestampTz(d);
}

/*
 * lm_cat_view_from_row fills v from a row of laminar._views itself (as a
 * trigger sees it: table attributes, which may include dropped columns),
 * through the same lm_cat_view_from_tuple as every other reader.
 */
void
lm_cat_view_from_row(HeapTuple row, TupleDesc reldesc, LmViewCatalog *v)
{
	int map[Natts_lm_views];

	lm_cat_cols_by_name(reldesc, lm_views_cols, Natts_lm_views, map);
	lm_cat_view_from_tuple(row, reldesc, map, v);
}

/* ---------------------------------------------------------------------
 * Running statements
 * ---------------------------------------------------------------------
 */

/*
 * lm_cat_table returns the relid of table laminar.<name>, or InvalidOid:
 * an installed catalog of an older version may lack a table (or have a
 * column more) until ALTER EXTENSION UPDATE.
 */
static Oid
lm_cat_table(const char *name)
{
	Oid nsp = get_namespace_oid("laminar", true);

	return OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;
}

/*
 * lm_cat_table_exists says whether table laminar.<name> exists.
 */
static bool
lm_cat_table_exists(const char *name)
{
	return OidIsValid(lm_cat_table(name));
}

/*
 * lm_cat_installed says whether this database has Laminar's catalog.
 */
bool
lm_cat_installed(void)
{
	return OidIsValid(get_extension_oid("laminar", true)) && lm_cat_table_exists("_views");
}

/*
 * lm_cat_connect opens an SPI connection and returns the memory context
 * that was current before, where results are to be allocated.
 */
static MemoryContext
lm_cat_connect(void)
{
	MemoryContext cxt = CurrentMemoryContext;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "laminar: SPI_connect failed");
	return cxt;
}

/*
 * lm_cat_select runs a catalog query with search_path pinned.  latest:
 * not read-only, so SPI takes a new snapshot and sees this transaction's
 * earlier changes (and views committed since the running snapshot);
 * otherwise the query reads with the active snapshot.
 */
static void
lm_cat_select(const char *sql, int nargs, Oid *types, Datum *values, bool latest)
{
	int level = lm_cat_push_search_path(LM_SAFE_SEARCH_PATH);
	int ret = SPI_execute_with_args(sql, nargs, types, values, NULL, !latest, 0);

	lm_cat_pop_search_path(level);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "laminar: catalog query failed: %s", sql);
}

/*
 * lm_cat_write runs a parameterised statement on Laminar's catalog as the
 * bootstrap superuser, so that ordinary users cannot forge catalog rows
 * yet every user can create streams and views.  It is the only statement
 * Laminar runs with elevated rights: search_path is pinned to
 * pg_catalog, pg_temp for its duration, the statement qualifies every cast
 * and operator, and SECURITY_RESTRICTED_OPERATION is set.  Needs an SPI
 * connection; returns SPI's result code.
 */
static int
lm_cat_write(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls)
{
	Oid save_uid;
	int save_sec;
	int ret = 0;
	int level;

	level = lm_cat_push_search_path(LM_SAFE_SEARCH_PATH);
	GetUserIdAndSecContext(&save_uid, &save_sec);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		ret = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
		if (ret < 0)
			elog(ERROR, "laminar: catalog update failed (%d)", ret);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_uid, save_sec);
	}
	PG_END_TRY();
	lm_cat_pop_search_path(level);
	return ret;
}

/* ---------------------------------------------------------------------
 * Reads
 * ---------------------------------------------------------------------
 */

/*
 * lm_cat_stream_read reads the catalog row of stream relid into s and
 * says whether there is one.  flags: LM_CAT_LATEST or 0.
 */
bool
lm_cat_stream_read(Oid relid, int flags, LmStreamCatalog *s)
{
	MemoryContext cxt = lm_cat_connect();
	Oid types[1] = {OIDOID};
	Datum values[1] = {ObjectIdGetDatum(relid)};
	StringInfoData sql;
	bool found;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	lm_cat_append_cols(&sql, lm_streams_cols, Natts_lm_streams, "_streams");
	appendStringInfoString(&sql, " FROM laminar._streams s WHERE s.stream OPERATOR(pg_catalog.=) "
								 "$1::pg_catalog.regclass");
	lm_cat_select(sql.data, 1, types, values, (flags & LM_CAT_LATEST) != 0);
	found = SPI_processed > 0;
	if (found)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		int map[Natts_lm_streams];

		lm_cat_cols_at(0, Natts_lm_streams, map);
		lm_cat_stream_from_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, map, s);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return found;
}

/*
 * lm_cat_stream_list returns the relids of every stream in the catalog
 * (none if the extension is not installed), *n of them.
 */
Oid *
lm_cat_stream_list(int flags, int *n)
{
	MemoryContext cxt;
	StringInfoData sql;
	Oid *streams;
	int map[Natts_lm_streams];

	*n = 0;
	if (!lm_cat_installed())
		return NULL;
	cxt = lm_cat_connect();
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	lm_cat_append_cols(&sql, lm_streams_cols, Natts_lm_streams, "_streams");
	appendStringInfoString(&sql, " FROM laminar._streams s");
	lm_cat_select(sql.data, 0, NULL, NULL, (flags & LM_CAT_LATEST) != 0);
	streams = MemoryContextAlloc(cxt, sizeof(Oid) * Max(SPI_processed, 1));
	lm_cat_cols_at(0, Natts_lm_streams, map);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		LmStreamCatalog s;

		lm_cat_stream_from_tuple(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, map, &s);
		streams[(*n)++] = s.relid;
	}
	SPI_finish();
	return streams;
}

/*
 * lm_cat_count runs a one-parameter count on the catalog, seeing this
 * transaction's changes.
 */
static int64
lm_cat_count(const char *sql, Oid arg)
{
	Oid types[1] = {OIDOID};
	Datum values[1] = {ObjectIdGetDatum(arg)};
	bool isnull;
	int64 n;

	(void) lm_cat_connect();
	lm_cat_select(sql, 1, types, values, true);
	if (SPI_processed != 1)
		elog(ERROR, "laminar: catalog query failed: %s", sql);
	n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return isnull ? 0 : n;
}

/*
 * lm_cat_stream_view_count returns how many views read stream.
 */
int64
lm_cat_stream_view_count(Oid stream)
{
	return lm_cat_count("SELECT pg_catalog.count(*) FROM laminar._views v "
						"WHERE v.stream OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
						stream);
}

/*
 * lm_cat_is_view says whether relid is the result table of a view.
 */
bool
lm_cat_is_view(Oid relid)
{
	return lm_cat_count("SELECT pg_catalog.count(*) FROM laminar._views v "
						"WHERE v.view OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
						relid) > 0;
}

/*
 * lm_cat_view_id returns the id of the view whose result table is relid,
 * or 0.
 */
int32
lm_cat_view_id(Oid relid)
{
	return (int32) lm_cat_count(
		"SELECT pg_catalog.max(v.id)::pg_catalog.int8 FROM laminar._views v "
		"WHERE v.view OPERATOR(pg_catalog.=) $1::pg_catalog.regclass",
		relid);
}

/*
 * lm_cat_views_read returns the views in the catalog, in id order, *n of
 * them: all of them, or those of one stream.  flags: LM_CAT_LATEST (a new
 * snapshot: a worker reloading in the middle of a pass sees a view that
 * committed after the pass's snapshot), LM_CAT_RUNNABLE (only views whose
 * stream row and result table exist; a restore may load laminar._views
 * before laminar._streams).  Each view comes with its stream's row, its
 * result table's owner and its inputs by port; a view without rows in
 * laminar._view_inputs (a catalog before 0.2.0, a row inserted by hand)
 * reads its stream on port 0.
 */
LmViewCatalog *
lm_cat_views_read(Oid stream, int flags, int *n)
{
	MemoryContext cxt;
	StringInfoData sql;
	bool has_inputs = lm_cat_table_exists("_view_inputs");
	bool runnable = (flags & LM_CAT_RUNNABLE) != 0;
	Oid types[1] = {OIDOID};
	Datum values[1] = {ObjectIdGetDatum(stream)};
	LmViewCatalog *views;
	int vmap[Natts_lm_views];
	int smap[Natts_lm_streams];
	int imap[Natts_lm_view_inputs];

	*n = 0;
	if (!lm_cat_installed())
		return NULL;
	lm_cat_cols_at(0, Natts_lm_views, vmap);
	lm_cat_cols_at(LM_CAT_VIEW_STREAM_OFF, Natts_lm_streams, smap);
	lm_cat_cols_at(LM_CAT_VIEW_INPUT_OFF, Natts_lm_view_inputs, imap);
	cxt = lm_cat_connect();
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	lm_cat_append_cols(&sql, lm_views_cols, Natts_lm_views, "_views");
	lm_cat_append_cols(&sql, lm_streams_cols, Natts_lm_streams, "_streams");
	lm_cat_append_cols(&sql, has_inputs ? lm_view_inputs_cols : lm_view_inputs_nulls,
					   Natts_lm_view_inputs, NULL);
	appendStringInfo(&sql,
					 ", c.relowner FROM laminar._views v "
					 "%s JOIN laminar._streams s ON s.stream OPERATOR(pg_catalog.=) v.stream "
					 "%s JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) v.view ",
					 runnable ? "" : "LEFT", runnable ? "" : "LEFT");
	if (has_inputs)
		appendStringInfoString(&sql, "LEFT JOIN laminar._view_inputs i "
									 "ON i.view_id OPERATOR(pg_catalog.=) v.id ");
	if (OidIsValid(stream))
		appendStringInfoString(&sql,
							   "WHERE v.stream OPERATOR(pg_catalog.=) $1::pg_catalog.regclass ");
	appendStringInfo(&sql, "ORDER BY v.id%s", has_inputs ? ", i.port" : "");
	lm_cat_select(sql.data, OidIsValid(stream) ? 1 : 0, types, values,
				  (flags & LM_CAT_LATEST) != 0);

	views = MemoryContextAllocZero(cxt, sizeof(LmViewCatalog) * Max(SPI_processed, 1));
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple tup = SPI_tuptable->vals[r];
		TupleDesc td = SPI_tuptable->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(cxt);
		LmViewCatalog *v = *n > 0 ? &views[*n - 1] : NULL;
		LmViewInput in;
		bool isnull;
		Datum d;

		/* one row per input: a view's further inputs follow its first row */
		if (v == NULL ||
			v->id != DatumGetInt32(SPI_getbinval(tup, td, vmap[Anum_lm_views_id - 1], &isnull)))
		{
			v = &views[(*n)++];
			lm_cat_view_from_tuple(tup, td, vmap, v);
			lm_cat_stream_from_tuple(tup, td, smap, &v->stream);
			v->ts_attnum = v->stream.ts_attnum;
			d = SPI_getbinval(tup, td, LM_CAT_VIEW_OWNER_COL, &isnull);
			v->owner = isnull ? InvalidOid : DatumGetObjectId(d);
			v->inputs = palloc(sizeof(LmViewInput) * 1);
		}
		lm_cat_view_input_from_tuple(tup, td, imap, &in);
		if (in.port >= 0)
		{
			if (v->ninputs > 0)
				v->inputs = repalloc(v->inputs, sizeof(LmViewInput) * (v->ninputs + 1));
			v->inputs[v->ninputs++] = in;
		}
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	for (int i = 0; i < *n; i++)
		if (views[i].ninputs == 0)
		{
			views[i].inputs[0].port = 0;
			views[i].inputs[0].stream = views[i].stream_relid;
			views[i].inputs[0].input_view = 0;
			views[i].ninputs = 1;
		}
	return views;
}

/*
 * lm_cat_horizon_seeds returns, per view, what worker `worker` may start
 * it from (the highest horizon any worker saved; the highest watermark
 * among its own saved rows and any row written before `started`, the
 * server's start), *n of them; none before laminar._horizons exists.
 */
LmHorizonCatalog *
lm_cat_horizon_seeds(int32 worker, TimestampTz started, int *n)
{
	MemoryContext cxt;
	Oid types[2] = {INT4OID, TIMESTAMPTZOID};
	Datum values[2] = {Int32GetDatum(worker), TimestampTzGetDatum(started)};
	StringInfoData sql;
	LmHorizonCatalog *seeds;
	int map[Natts_lm_horizons];

	*n = 0;
	if (!lm_cat_table_exists("_horizons"))
		return NULL;
	cxt = lm_cat_connect();
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	lm_cat_append_cols(&sql, lm_horizon_seed_cols, Natts_lm_horizons, NULL);
	appendStringInfoString(&sql, " FROM laminar._horizons h GROUP BY h.view_id");
	lm_cat_select(sql.data, 2, types, values, true);
	seeds = MemoryContextAlloc(cxt, sizeof(LmHorizonCatalog) * Max(SPI_processed, 1));
	lm_cat_cols_at(0, Natts_lm_horizons, map);
	for (uint64 r = 0; r < SPI_processed; r++)
		lm_cat_horizon_from_tuple(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, map,
								  &seeds[(*n)++]);
	SPI_finish();
	return seeds;
}

/* ---------------------------------------------------------------------
 * Writes
 * ---------------------------------------------------------------------
 */

/*
 * lm_cat_stream_insert writes the catalog row of a new stream.
 */
void
lm_cat_stream_insert(const LmStreamCatalog *s)
{
	Oid types[5] = {OIDOID, NAMEOID, INT2OID, INTERVALOID, INT8OID};
	Datum values[5];
	char nulls[6] = "     ";

	values[0] = ObjectIdGetDatum(s->relid);
	if (s->has_wm)
	{
		NameData *nm = palloc0(sizeof(NameData));

		/* a name Datum points to NAMEDATALEN bytes, not to a C string */
		namestrcpy(nm, s->ts_column);
		values[1] = NameGetDatum(nm);
		values[2] = Int16GetDatum(s->ts_attnum);
		values[3] = s->delay;
		values[4] = Int64GetDatum(s->delay_us);
	}
	else
	{
		values[1] = values[2] = values[3] = values[4] = (Datum) 0;
		nulls[1] = nulls[2] = nulls[3] = nulls[4] = 'n';
	}
	(void) lm_cat_connect();
	if (s->idle_iv == (Datum) 0)
		(void) lm_cat_write("INSERT INTO laminar._streams (stream, ts_column, ts_attnum, "
							"watermark_delay, watermark_delay_us) "
							"VALUES ($1::pg_catalog.oid::pg_catalog.regclass, $2, $3, $4, $5)",
							5, types, values, nulls);
	else
	{
		Oid rel = lm_cat_table("_streams");
		Oid types6[6] = {OIDOID, NAMEOID, INT2OID, INTERVALOID, INT8OID, INTERVALOID};
		Datum values6[6];
		char nulls6[7] = "      ";

		if (!OidIsValid(rel) || get_attnum(rel, "idle_timeout") == InvalidAttrNumber)
			ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
							errmsg("stream option idle_timeout needs laminar 0.3.0"),
							errhint("Run ALTER EXTENSION laminar UPDATE.")));
		memcpy(values6, values, sizeof(values));
		memcpy(nulls6, nulls, 5);
		values6[5] = s->idle_iv;
		(void) lm_cat_write("INSERT INTO laminar._streams (stream, ts_column, ts_attnum, "
							"watermark_delay, watermark_delay_us, idle_timeout) "
							"VALUES ($1::pg_catalog.oid::pg_catalog.regclass, $2, $3, $4, $5, $6)",
							6, types6, values6, nulls6);
	}
	SPI_finish();
}

/*
 * lm_cat_catalog_has_owner says whether laminar._views still has the
 * owner column of 0.1.0 (a new library before ALTER EXTENSION UPDATE).
 */
static bool
lm_cat_catalog_has_owner(void)
{
	Oid rel = lm_cat_table("_views");

	return OidIsValid(rel) && get_attnum(rel, "owner") != InvalidAttrNumber;
}

/*
 * lm_cat_view_insert writes the catalog rows of a new view: its row in
 * laminar._views (it names no role: a view runs as its result table's
 * current owner; a 0.1.0 catalog, before ALTER EXTENSION UPDATE, still has
 * the owner column, filled in there with the creating role) and one row
 * per input in laminar._view_inputs (once the catalog has that table).
 */
void
lm_cat_view_insert(const LmViewCatalog *v)
{
	Oid types[20] = {OIDOID,	   OIDOID,		OIDOID,		 TEXTOID,	  TEXTOID,
					 INTERVALOID,  TEXTOID,		TEXTOID,	 CHAROID,	  INT2ARRAYOID,
					 TEXTARRAYOID, TEXTOID,		TEXTOID,	 TEXTOID,	  TEXTOID,
					 INTERVALOID,  INTERVALOID, INTERVALOID, INTERVALOID, OIDOID};
	Datum values[20];
	char nulls[21] = "                    ";
	bool old_catalog = lm_cat_catalog_has_owner();
	Oid rel = lm_cat_table("_views");
	bool has_window_kind = OidIsValid(rel) && get_attnum(rel, "window_kind") != InvalidAttrNumber;
	Datum *rdat = palloc(sizeof(Datum) * Max(v->nroute, 1));
	Datum *kdat = palloc(sizeof(Datum) * Max(v->nkeycols, 1));
	bool isnull;
	int32 id;

	if (v->ninputs < 1)
		elog(ERROR, "laminar: a view needs at least one input");
	for (int k = 0; k < v->nroute; k++)
		rdat[k] = Int16GetDatum(v->route_attnums[k]);
	for (int k = 0; k < v->nkeycols; k++)
		kdat[k] = CStringGetTextDatum(v->keycols[k]);

	values[0] = ObjectIdGetDatum(v->result_relid);
	values[1] = ObjectIdGetDatum(v->stream_relid);
	values[2] = ObjectIdGetDatum(GetUserId());
	values[3] = CStringGetTextDatum(lm_cat_view_kind_text(v->kind));
	values[4] = CStringGetTextDatum(lm_cat_emit_text(v->emit));
	values[5] = v->windowed ? v->window_iv : (Datum) 0;
	if (!v->windowed)
		nulls[5] = 'n';
	values[6] = CStringGetTextDatum(v->definition);
	values[7] = CStringGetTextDatum(v->query);
	values[8] = CharGetDatum(lm_cat_route_char(v->route));
	values[9] = PointerGetDatum(construct_array(rdat, v->nroute, INT2OID, 2, true, TYPALIGN_SHORT));
	if (v->route != LM_ROUTE_KEYS)
		nulls[9] = 'n';
	values[10] =
		PointerGetDatum(construct_array(kdat, v->nkeycols, TEXTOID, -1, false, TYPALIGN_INT));
	values[11] = CStringGetTextDatum(v->timezone);
	values[12] = CStringGetTextDatum(v->datestyle);
	values[13] = CStringGetTextDatum(v->intervalstyle);
	/* 0.3.0: the window's kind and parameters, NULL where not set */
	values[14] = (Datum) 0;
	if (lm_cat_window_kind_text(v->window.kind) != NULL)
		values[14] = CStringGetTextDatum(lm_cat_window_kind_text(v->window.kind));
	values[15] = v->slide_iv;
	values[16] = v->offset_iv;
	values[17] = v->lateness_iv;
	values[18] = v->every_iv;
	values[19] = ObjectIdGetDatum(v->late_relid);
	for (int k = 14; k < 20; k++)
		if (values[k] == (Datum) 0)
			nulls[k] = 'n';
	if (!has_window_kind &&
		(v->window.kind > LM_WINDOW_TUMBLE || v->slide_iv || v->offset_iv ||
		 OidIsValid(v->late_relid) || v->lateness_iv || v->emit > LM_EMIT_ON_WINDOW_CLOSE))
		ereport(
			ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("this materialized view needs laminar 0.3.0"),
			 errdetail("HOP, CUMULATE and SESSION windows, window offsets, ALLOW LATENESS, LATE "
					   "DATA TO, EMIT AFTER WATERMARK, EMIT FINAL, EVERY and CHANGES are stored in "
					   "catalog columns that this database does not have yet."),
			 errhint("Run ALTER EXTENSION laminar UPDATE.")));

	(void) lm_cat_connect();
	if (lm_cat_write(
			psprintf("INSERT INTO laminar._views (view, stream, %s kind, emit, window_size, "
					 "definition, query, route, route_attnums, key_columns, timezone, datestyle, "
					 "intervalstyle%s) "
					 "VALUES ($1::pg_catalog.oid::pg_catalog.regclass, "
					 "$2::pg_catalog.oid::pg_catalog.regclass, %s $4, $5, $6, $7, $8, $9, $10, "
					 "$11, $12, $13, $14%s) RETURNING id",
					 old_catalog ? "owner," : "",
					 has_window_kind
						 ? ", window_kind, window_slide, window_offset, allowed_lateness, "
						   "emit_every, late_table"
						 : "",
					 old_catalog ? "$3::pg_catalog.oid::pg_catalog.regrole," : "",
					 has_window_kind ? ", $15, $16, $17, $18, $19, $20::pg_catalog.regclass" : ""),
			has_window_kind ? 20 : 14, types, values, nulls) != SPI_OK_INSERT_RETURNING ||
		SPI_processed != 1)
		elog(ERROR, "laminar: could not write the catalog row of view \"%s\"",
			 get_rel_name(v->result_relid));
	id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (lm_cat_table_exists("_view_inputs"))
		for (int i = 0; i < v->ninputs; i++)
		{
			Oid itypes[4] = {INT4OID, INT2OID, OIDOID, INT4OID};
			Datum ivalues[4];
			char inulls[5] = "    ";

			ivalues[0] = Int32GetDatum(id);
			ivalues[1] = Int16GetDatum(v->inputs[i].port);
			ivalues[2] = ObjectIdGetDatum(v->inputs[i].stream);
			ivalues[3] = Int32GetDatum(v->inputs[i].input_view);
			if (!OidIsValid(v->inputs[i].stream))
				inulls[2] = 'n';
			if (v->inputs[i].input_view == 0)
				inulls[3] = 'n';
			(void) lm_cat_write("INSERT INTO laminar._view_inputs "
								"(view_id, port, stream, input_view) VALUES ($1, $2, "
								"$3::pg_catalog.oid::pg_catalog.regclass, $4)",
								4, itypes, ivalues, inulls);
		}
	SPI_finish();
}

/*
 * lm_cat_view_set_query replaces the stored SQL of view id (after a
 * rename changed the names in it).
 */
void
lm_cat_view_set_query(int32 id, const char *query)
{
	Oid types[2] = {INT4OID, TEXTOID};
	Datum values[2];

	values[0] = Int32GetDatum(id);
	values[1] = CStringGetTextDatum(query);
	(void) lm_cat_connect();
	(void) lm_cat_write("UPDATE laminar._views SET query = $2 WHERE id OPERATOR(pg_catalog.=) $1",
						2, types, values, NULL);
	SPI_finish();
}

/*
 * lm_cat_horizon_save upserts a view's horizon on one worker, as the
 * current role (a stream worker writes as its own role, never as a view's
 * owner).  Returns false, writing nothing, before laminar._horizons
 * exists.
 */
bool
lm_cat_horizon_save(const LmHorizonCatalog *h)
{
	Oid types[5] = {INT4OID, INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum values[5];
	int level;
	int ret;

	if (!lm_cat_table_exists("_horizons"))
		return false;
	values[0] = Int32GetDatum(h->view_id);
	values[1] = Int32GetDatum(h->worker);
	values[2] = TimestampTzGetDatum(h->horizon);
	values[3] = TimestampTzGetDatum(h->wm);
	values[4] = TimestampTzGetDatum(h->written_at);
	(void) lm_cat_connect();
	level = lm_cat_push_search_path(LM_SAFE_SEARCH_PATH);
	ret = SPI_execute_with_args("INSERT INTO laminar._horizons "
								"(view_id, worker, horizon, watermark, written_at) "
								"VALUES ($1, $2, $3, $4, $5) ON CONFLICT (view_id, worker) "
								"DO UPDATE SET horizon = EXCLUDED.horizon, "
								"watermark = EXCLUDED.watermark, written_at = EXCLUDED.written_at",
								5, types, values, NULL, false, 0);
	lm_cat_pop_search_path(level);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "laminar: could not write laminar._horizons");
	SPI_finish();
	return true;
}

/* ---------------------------------------------------------------------
 * The catalog generation
 * ---------------------------------------------------------------------
 */

/*
 * lm_cat_mark_changed makes the commit of this transaction bump the
 * catalog generation, so that workers and producers reload.
 */
void
lm_cat_mark_changed(void)
{
	lm_cat_changed = true;
}

/*
 * lm_cat_generation returns the catalog generation: it moves at every
 * commit that changed the catalog.
 */
uint64
lm_cat_generation(void)
{
	return pg_atomic_read_u64(&lm_shared->catalog_gen);
}

/*
 * lm_cat_xact_callback bumps the generation and wakes the workers at the
 * commit of a transaction that changed the catalog, and refuses PREPARE of
 * one (an extension cannot take part in two-phase commit).
 */
static void
lm_cat_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_PREPARE:
			if (lm_cat_changed)
				ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
								errmsg("cannot PREPARE a transaction that has changed laminar "
									   "streams or views")));
			break;
		case XACT_EVENT_COMMIT:
			if (lm_cat_changed && lm_shared != NULL)
			{
				pg_atomic_fetch_add_u64(&lm_shared->catalog_gen, 1);
				lm_wake_all_workers();
			}
			lm_cat_changed = false;
			break;
		case XACT_EVENT_ABORT:
			lm_cat_changed = false;
			break;
		default:
			break;
	}
}

/*
 * lm_cat_register_callbacks installs the transaction callback (once, from
 * _PG_init, before the producer's: callbacks run newest first, so the
 * generation moves after the producer has published the commit).
 */
void
lm_cat_register_callbacks(void)
{
	RegisterXactCallback(lm_cat_xact_callback, NULL);
}

/*
 * laminar_catalog_changed makes the current transaction's commit tell the
 * workers and producers to reload the catalog (laminar._catalog_changed(),
 * used by the drop trigger, the restore triggers and upgrade scripts).
 */
Datum
laminar_catalog_changed(PG_FUNCTION_ARGS)
{
	lm_cat_mark_changed();
	PG_RETURN_VOID();
}
