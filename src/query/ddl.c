/*-------------------------------------------------------------------------
 *
 * ddl.c
 *	  laminar.execute(): CREATE/DROP STREAM and CREATE/DROP MATERIALIZED
 *	  VIEW in LaminarDB-style SQL.
 *
 * PostgreSQL 15 has no hook ahead of the grammar, so the statements arrive
 * as text.  We find statement and clause boundaries with the core scanner
 * (strings, dollar quotes and comments are single tokens, so they never
 * match), rewrite the Laminar-only parts (WATERMARK, TUMBLE, EMIT) and hand
 * everything else to PostgreSQL's own parser and parse analysis:
 *	- CREATE STREAM becomes CREATE FOREIGN TABLE ... SERVER laminar;
 *	- FROM TUMBLE(s, ts, size) becomes a subquery over s that adds
 *	  window_start/window_end computed with date_bin, so analysis gives the
 *	  select list exactly Postgres's names, types and semantics;
 *	- the analysed Query is stored as schema-qualified SQL (querydef.c),
 *	  which reads back the same whatever the search_path and survives
 *	  pg_dump; the workers analyse it again when they load the view.
 *
 * All work runs in the caller's transaction and as the caller, so DDL is
 * transactional and objects are owned by their creator.  Only the rows of
 * Laminar's own catalog tables are written as the bootstrap superuser,
 * because those rows decide what runs as the owner of a result table.
 *
 * search_path (see src/catalog/README.md): laminar.execute has SET
 * search_path = pg_catalog, pg_temp and receives the caller's search_path
 * as an argument.  Each statement runs with the caller's path, as the
 * caller, so the user's names (streams, views, types, functions) resolve
 * like in ordinary DDL; every query Laminar runs for itself (the catalog
 * module's, catalog/catalog.c) pins pg_catalog, pg_temp again for its duration and
 * schema-qualifies its operators, functions and casts, so no object the
 * caller or anyone else planted can run inside it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/analyze.h"
#include "parser/gramparse.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "parser/parsetree.h"
#include "catalog/pg_authid.h"
#include "commands/defrem.h"
#include "utils/acl.h"
#include "utils/formatting.h"
#include "utils/regproc.h"
#include "utils/ruleutils.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "laminar.h"
#include "worker/view.h"
#include "query/ddl.h"
#include "catalog/catalog.h"
#include "ingest/route.h"
#include "ops/ops.h"

typedef struct LmTok
{
	int tok;	/* core scanner token code */
	int loc;	/* byte offset in the statement */
	char *word; /* lower-cased identifier or keyword, else NULL */
} LmTok;

typedef struct LmToks
{
	const char *src;
	int n;
	LmTok *t;
} LmToks;

/*
 * lm_ddl_tokenize runs the core scanner over src and returns its tokens.
 */
static LmToks
lm_ddl_tokenize(const char *src)
{
	LmToks r;
	core_yy_extra_type extra;
	core_yyscan_t scanner;
	int cap = 64;

	r.src = src;
	r.n = 0;
	r.t = palloc(sizeof(LmTok) * cap);
	scanner = scanner_init(src, &extra, &ScanKeywords, ScanKeywordTokens);
	for (;;)
	{
		core_YYSTYPE lval;
		YYLTYPE lloc;
		int tok = core_yylex(&lval, &lloc, scanner);

		if (tok == 0)
			break;
		if (r.n == cap)
		{
			cap *= 2;
			r.t = repalloc(r.t, sizeof(LmTok) * cap);
		}
		r.t[r.n].tok = tok;
		r.t[r.n].loc = lloc;
		if (tok == IDENT)
			r.t[r.n].word = pstrdup(lval.str);
		else if (tok >= 256 && tok != SCONST && tok != ICONST && tok != FCONST && tok != Op &&
				 tok != PARAM && tok != BCONST && tok != XCONST && tok != UIDENT &&
				 tok != USCONST && tok != TYPECAST && tok != DOT_DOT && tok != COLON_EQUALS &&
				 tok != EQUALS_GREATER && tok != LESS_EQUALS && tok != GREATER_EQUALS &&
				 tok != NOT_EQUALS)
			r.t[r.n].word = pstrdup(lval.keyword);
		else
			r.t[r.n].word = NULL;
		r.n++;
	}
	scanner_finish(scanner);
	return r;
}

/* lm_ddl_is returns whether token i is the word w. */
static inline bool
lm_ddl_is(LmToks *t, int i, const char *w)
{
	return i < t->n && t->t[i].word != NULL && strcmp(t->t[i].word, w) == 0;
}

/*
 * lm_ddl_is_kw returns whether token i is the keyword w, not a quoted
 * identifier spelled the same ("as", "cascade" are valid names).
 */
static inline bool
lm_ddl_is_kw(LmToks *t, int i, const char *w)
{
	return lm_ddl_is(t, i, w) && t->t[i].tok != IDENT;
}

/* lm_ddl_is_char returns whether token i is the single character c. */
static inline bool
lm_ddl_is_char(LmToks *t, int i, char c)
{
	return i < t->n && t->t[i].tok == (int) c;
}

/* lm_ddl_loc returns the offset of token i, or the end of the text. */
static inline int
lm_ddl_loc(LmToks *t, int i)
{
	return i < t->n ? t->t[i].loc : (int) strlen(t->src);
}

/* lm_ddl_text returns the text from token i up to token j (exclusive). */
static char *
lm_ddl_text(LmToks *t, int i, int j)
{
	int a = lm_ddl_loc(t, i);
	int b = lm_ddl_loc(t, j);

	while (b > a && isspace((unsigned char) t->src[b - 1]))
		b--;
	return pnstrdup(t->src + a, b - a);
}

/*
 * lm_ddl_spi runs one SQL command through SPI and fails loudly.
 */
static void
lm_ddl_spi(const char *sql)
{
	int ret = SPI_execute(sql, false, 0);

	if (ret < 0)
		elog(ERROR, "laminar: SPI_execute failed (%d) for: %s", ret, sql);
}

/*
 * lm_ddl_qualified returns the quoted schema-qualified name of a relation.
 */
static char *
lm_ddl_qualified(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/*
 * lm_ddl_name_shape says whether tokens [i, j) have the shape of a
 * possibly qualified name: part ('.' part)*, where a part is an
 * identifier, a keyword, or a U& identifier with an optional UESCAPE
 * clause.  Whether each part is allowed there is the grammar's call.
 */
static bool
lm_ddl_name_shape(LmToks *t, int i, int j)
{
	int k = i;

	for (;;)
	{
		if (k >= j)
			return false;
		if (t->t[k].tok == UIDENT)
		{
			k++;
			if (k < j && t->t[k].tok != IDENT && lm_ddl_is(t, k, "uescape"))
			{
				if (k + 1 >= j || t->t[k + 1].tok != SCONST)
					return false;
				k += 2;
			}
		}
		else if (t->t[k].word != NULL)
			k++; /* an identifier or a keyword */
		else
			return false;
		if (k == j)
			return true;
		if (!lm_ddl_is_char(t, k, '.'))
			return false;
		k++;
	}
}

/*
 * lm_ddl_parse_name parses the relation name written in tokens [i, j) with
 * the core grammar, so that every spelling PostgreSQL accepts means what it
 * means there (quoted and U& identifiers with UESCAPE, keywords where the
 * grammar allows them), and returns it as a RangeVar.  Statements use the
 * RangeVar from then on, never the name's text.  Database-qualified names
 * are refused.  what names the object in messages.
 */
static RangeVar *
lm_ddl_parse_name(LmToks *t, int i, int j, const char *what)
{
	MemoryContext cxt = CurrentMemoryContext;
	char *text = lm_ddl_text(t, i, j);
	char *detail = NULL;
	List *raw = NIL;
	RangeVar *rv;

	if (lm_ddl_name_shape(t, i, j))
	{
		/* the shape check leaves nothing but a name between TABLE and ( */
		PG_TRY();
		{
			raw = raw_parser(psprintf("CREATE TABLE %s\n()", text), RAW_PARSE_DEFAULT);
		}
		PG_CATCH();
		{
			ErrorData *edata;

			MemoryContextSwitchTo(cxt);
			edata = CopyErrorData();
			FlushErrorState();
			detail = edata->message;
			raw = NIL;
		}
		PG_END_TRY();
	}
	if (list_length(raw) != 1 || !IsA(((RawStmt *) linitial(raw))->stmt, CreateStmt))
		ereport(ERROR, (errcode(ERRCODE_INVALID_NAME), errmsg("invalid %s name: %s", what, text),
						detail ? errdetail("%s", detail) : 0,
						errhint("Write name or schema.name, double-quoted where needed.")));
	rv = ((CreateStmt *) ((RawStmt *) linitial(raw))->stmt)->relation;
	if (rv->catalogname != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("%s name must not be qualified with a database name: %s", what, text),
				 errhint("Write name or schema.name.")));
	return rv;
}

/*
 * lm_ddl_rv_name returns a relation name as written, for messages.
 */
static char *
lm_ddl_rv_name(RangeVar *rv)
{
	return rv->schemaname ? psprintf("%s.%s", rv->schemaname, rv->relname) : rv->relname;
}

/*
 * lm_ddl_rv_quoted returns a relation name as a quoted SQL name, qualified
 * only if it was written qualified.
 */
static char *
lm_ddl_rv_quoted(RangeVar *rv)
{
	return quote_qualified_identifier(rv->schemaname, rv->relname);
}

/*
 * lm_ddl_check_not_temp refuses to create a stream or a view (its result
 * table) in a temporary schema: written as pg_temp.x, or unqualified with
 * pg_temp first in search_path.  Stream workers cannot see a session's
 * temporary objects, and nothing would remove their catalog rows when the
 * session ends.
 */
static void
lm_ddl_check_not_temp(RangeVar *rv, const char *what)
{
	Oid nsp = RangeVarGetCreationNamespace(rv);

	if (rv->relpersistence == RELPERSISTENCE_TEMP || isAnyTempNamespace(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot create %s \"%s\" in a temporary schema", what, lm_ddl_rv_name(rv)),
				 errdetail("Stream workers cannot see a session's temporary objects."),
				 errhint("Create it in a permanent schema, and qualify its name if "
						 "pg_temp comes first in search_path.")));
}

/*
 * lm_ddl_resolve resolves a relation name written by the user.
 */
static Oid
lm_ddl_resolve(RangeVar *rv, bool missing_ok)
{
	return RangeVarGetRelid(rv, NoLock, missing_ok);
}

/*
 * lm_ddl_resolve_created finds the relation a CREATE of this name just made:
 * where CREATE puts an unqualified name is the creation namespace, which is
 * not always where a lookup finds it first (pg_catalog comes before it).
 */
static Oid
lm_ddl_resolve_created(RangeVar *rv, bool missing_ok)
{
	Oid nsp = RangeVarGetCreationNamespace(rv);
	Oid relid = get_relname_relid(rv->relname, nsp);

	if (!OidIsValid(relid) && !missing_ok)
		elog(ERROR, "laminar: could not find the relation just created: %s", lm_ddl_rv_name(rv));
	return relid;
}

/*
 * lm_ddl_is_stream says whether relid is a Laminar stream.
 */
static bool
lm_ddl_is_stream(Oid relid)
{
	LmStreamCatalog s;

	return lm_cat_stream_read(relid, LM_CAT_LATEST, &s);
}

/*
 * lm_ddl_interval_us converts a fixed-length interval to microseconds;
 * months have no fixed length and are refused, and so is an interval
 * whose microseconds do not fit in an int64.
 */
int64
lm_ddl_interval_us(Datum d, const char *what)
{
	Interval *iv = DatumGetIntervalP(d);
	int64 us;

	if (iv->month != 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s must be a fixed interval", what),
						errhint("Use days, hours, minutes or seconds, not months or years.")));
	/* overflow-checked: a wrapped value would be a different interval */
	if (pg_mul_s64_overflow((int64) iv->day, USECS_PER_DAY, &us) ||
		pg_add_s64_overflow(us, iv->time, &us))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE), errmsg("%s is out of range", what),
				 errhint("It must fit in 64-bit microseconds (about 292,000 years).")));
	return us;
}

/*
 * lm_ddl_rethrow_with_hint rethrows the error being handled (in a
 * PG_CATCH, cxt the context before PG_TRY) with hint added if it has none.
 */
static void
lm_ddl_rethrow_with_hint(MemoryContext cxt, const char *hint)
{
	ErrorData *edata;

	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	FlushErrorState();
	if (edata->hint == NULL)
		edata->hint = pstrdup(hint);
	ReThrowError(edata);
}

/*
 * lm_ddl_const_interval analyses a raw expression that must be a constant
 * interval (a TUMBLE size) and returns it.
 */
static Datum
lm_ddl_const_interval(Node *raw, const char *what)
{
	ParseState *ps = make_parsestate(NULL);
	MemoryContext cxt = CurrentMemoryContext;
	Node *volatile e = NULL;

	PG_TRY();
	{
		e = transformExpr(ps, raw, EXPR_KIND_SELECT_TARGET);
		e = coerce_to_target_type(ps, e, exprType(e), INTERVALOID, -1, COERCION_ASSIGNMENT,
								  COERCE_IMPLICIT_CAST, -1);
		if (e != NULL)
			e = eval_const_expressions(NULL, e);
	}
	PG_CATCH();
	{
		/* a bad literal ('soon'): name the clause and say how to write it */
		lm_ddl_rethrow_with_hint(cxt, psprintf("Write %s as INTERVAL '10 seconds'.", what));
	}
	PG_END_TRY();
	if (e == NULL)
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH), errmsg("%s must be an interval", what),
						errhint("Write it as INTERVAL '10 seconds'.")));
	if (!IsA(e, Const) || ((Const *) e)->constisnull)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s must be a constant interval", what),
						errhint("Write it as INTERVAL '10 seconds'.")));
	free_parsestate(ps);
	return ((Const *) e)->constvalue;
}

/* ------------------------------------------------------------------------
 * CREATE STREAM / DROP STREAM
 * ------------------------------------------------------------------------
 */

#define LM_WM_HINT                                                                                 \
	"Write WATERMARK FOR ts AS ts - INTERVAL '2 seconds' (or AS ts), where ts is the stream's "    \
	"event-time column."

/*
 * lm_ddl_bare_select says whether a raw SELECT is exactly "SELECT <expr>":
 * one unnamed target and no other clause.
 */
static bool
lm_ddl_bare_select(Node *stmt)
{
	SelectStmt *s = (SelectStmt *) stmt;
	ResTarget *rt;

	if (!IsA(stmt, SelectStmt) || list_length(s->targetList) != 1 || s->distinctClause ||
		s->intoClause || s->fromClause || s->whereClause || s->groupClause || s->havingClause ||
		s->windowClause || s->valuesLists || s->sortClause || s->limitOffset || s->limitCount ||
		s->lockingClause || s->withClause || s->op != SETOP_NONE)
		return false;
	rt = linitial_node(ResTarget, s->targetList);
	return rt->name == NULL && rt->indirection == NIL;
}

/*
 * lm_ddl_watermark parses the syntax of "WATERMARK FOR col AS <expr>"
 * (tokens [i, j)): it returns the column name, the raw expression and its
 * text.  The expression is checked by lm_ddl_watermark_check once the
 * stream exists, against its columns.
 */
static void
lm_ddl_watermark(LmToks *t, int i, int j, char **col_out, Node **raw_out, char **text_out)
{
	char *expr_text;
	List *raw;

	if (!lm_ddl_is(t, i + 1, "for") || i + 3 >= j || t->t[i + 2].word == NULL ||
		!lm_ddl_is(t, i + 3, "as"))
		ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR),
						errmsg("malformed WATERMARK clause in CREATE STREAM"),
						errhint("Write WATERMARK FOR ts AS ts - INTERVAL '2 seconds'.")));
	expr_text = lm_ddl_text(t, i + 4, j);
	raw = raw_parser(psprintf("SELECT %s", expr_text), RAW_PARSE_DEFAULT);
	/* "SELECT" alone parses too: anything but one expression is malformed */
	if (list_length(raw) != 1 || !lm_ddl_bare_select(((RawStmt *) linitial(raw))->stmt))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("unsupported WATERMARK expression \"%s\"", expr_text),
						errhint(LM_WM_HINT)));
	*col_out = t->t[i + 2].word;
	*raw_out =
		linitial_node(ResTarget, ((SelectStmt *) ((RawStmt *) linitial(raw))->stmt)->targetList)
			->val;
	*text_out = expr_text;
}

/*
 * lm_ddl_watermark_analyze runs parse analysis over a WATERMARK expression
 * with the stream's columns in scope, and folds the constant part of
 * "col - <delay>".  Any error (an unknown column or operator, a failing
 * cast, ...) is reported as an invalid WATERMARK expression.
 */
static Node *
lm_ddl_watermark_analyze(Oid relid, Node *raw, const char *expr_text)
{
	MemoryContext cxt = CurrentMemoryContext;
	Node *e = NULL;

	PG_TRY();
	{
		Relation rel = table_open(relid, AccessShareLock);
		ParseState *ps = make_parsestate(NULL);
		ParseNamespaceItem *nsi;

		nsi = addRangeTableEntryForRelation(ps, rel, AccessShareLock, NULL, false, true);
		addNSItemToQuery(ps, nsi, false, true, true);
		/* EXPR_KIND_OTHER admits everything; lm_ddl_watermark_check refuses */
		e = transformExpr(ps, copyObject(raw), EXPR_KIND_OTHER);
		assign_expr_collations(ps, e);
		if (IsA(e, OpExpr) && list_length(((OpExpr *) e)->args) == 2)
		{
			OpExpr *op = (OpExpr *) e;

			lsecond(op->args) = eval_const_expressions(NULL, lsecond(op->args));
		}
		free_parsestate(ps);
		table_close(rel, NoLock);
	}
	PG_CATCH();
	{
		ErrorData *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		ereport(ERROR, (errcode(edata->sqlerrcode),
						errmsg("invalid WATERMARK expression \"%s\"", expr_text),
						errdetail("%s", edata->message), errhint(LM_WM_HINT)));
	}
	PG_END_TRY();
	return e;
}

/*
 * lm_ddl_watermark_check validates the WATERMARK clause of the stream
 * relid, which exists by now (an error rolls its creation back).  The
 * analysed expression must be exactly the column, or the column minus a
 * constant interval through pg_catalog's "-"(column type, interval); the
 * delay must be non-NULL, fixed (no months), not negative and small enough
 * that subtracting it from any valid timestamp cannot overflow.
 */
static void
lm_ddl_watermark_check(Oid relid, const char *name, const char *col, Node *raw,
					   const char *expr_text, AttrNumber *att_out, int64 *delay_out,
					   Datum *delay_iv)
{
	AttrNumber att = get_attnum(relid, col);
	Oid typ;
	Oid minus;
	Node *e;
	OpExpr *op;
	Node *rhs;
	Const *c;
	int level;

	if (att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("WATERMARK column \"%s\" does not exist in stream \"%s\"", col, name),
				 errhint("Name one of the stream's columns of type timestamptz.")));
	typ = get_atttype(relid, att);
	if (typ != TIMESTAMPTZOID && typ != TIMESTAMPOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("WATERMARK column \"%s\" is of type %s, not timestamptz", col,
						format_type_be(typ)),
				 errhint("Event time must be a timestamp with time zone (or timestamp) column.")));

	/*
	 * WATERMARK is Laminar's syntax, and its "-" is timestamp minus interval
	 * whatever operators the caller's search_path holds: analyse it with a
	 * fixed one (the column comes from the stream, not from the path).
	 */
	level = lm_cat_push_search_path(LM_SAFE_SEARCH_PATH);
	e = lm_ddl_watermark_analyze(relid, raw, expr_text);
	lm_cat_pop_search_path(level);
#define LM_IS_WM_VAR(n)                                                                            \
	(IsA((n), Var) && ((Var *) (n))->varno == 1 && ((Var *) (n))->varlevelsup == 0 &&              \
	 ((Var *) (n))->varattno == att)
	*att_out = att;
	if (LM_IS_WM_VAR(e))
	{
		*delay_out = 0;
		*delay_iv = IntervalPGetDatum(palloc0(sizeof(Interval)));
		return;
	}
	minus =
		OpernameGetOprid(list_make2(makeString("pg_catalog"), makeString("-")), typ, INTERVALOID);
	op = IsA(e, OpExpr) ? (OpExpr *) e : NULL;
	if (op == NULL || list_length(op->args) != 2 || op->opno != minus ||
		!LM_IS_WM_VAR(linitial(op->args)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("unsupported WATERMARK expression \"%s\"", expr_text),
				 errdetail("The expression must be the WATERMARK column \"%s\", or that column "
						   "minus a constant interval.",
						   col),
				 errhint(LM_WM_HINT)));
#undef LM_IS_WM_VAR
	rhs = lsecond(op->args);
	if (!IsA(rhs, Const) || exprType(rhs) != INTERVALOID)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("WATERMARK delay must be a constant interval"),
						errdetail("The delay in \"%s\" is not a constant.", expr_text),
						errhint("Write it as INTERVAL '10 seconds'; column references, subqueries "
								"and functions that are not immutable cannot be used.")));
	c = (Const *) rhs;
	if (c->constisnull)
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("WATERMARK delay must not be NULL"),
						errhint("Write it as INTERVAL '10 seconds', or AS ts for no delay.")));
	*delay_out = lm_ddl_interval_us(c->constvalue, "WATERMARK delay");
	if (*delay_out < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("WATERMARK delay must not be negative"),
						errhint("Write AS ts for no delay.")));
	/* ts - delay stays representable for every valid timestamp ts */
	if (*delay_out > MIN_TIMESTAMP - PG_INT64_MIN)
	{
		Interval *max = palloc0(sizeof(Interval));

		max->day = (int32) ((MIN_TIMESTAMP - PG_INT64_MIN) / USECS_PER_DAY);
		max->time = (MIN_TIMESTAMP - PG_INT64_MIN) % USECS_PER_DAY;
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("WATERMARK delay is out of range"),
				 errdetail("The largest delay is %s.", DatumGetCString(DirectFunctionCall1(
														   interval_out, IntervalPGetDatum(max)))),
				 errhint("Use a shorter delay.")));
	}
	*delay_iv = c->constvalue;
}

static List *lm_ddl_parse_select(const char *text);

/*
 * lm_ddl_stream_options parses CREATE STREAM's WITH (name = value, ...)
 * from token `from` with the core grammar (as CREATE TABLE's options); the
 * one option is idle_timeout, a non-negative fixed interval.
 */
static void
lm_ddl_stream_options(LmToks *t, int from, Datum *idle_iv, int64 *idle_us)
{
	char *text = lm_ddl_text(t, from, t->n);
	List *raw = NIL;
	CreateStmt *cs;
	ListCell *lc;

	if (!lm_ddl_is_kw(t, from, "with") || !lm_ddl_is_char(t, from + 1, '('))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("unexpected text after the column list of CREATE STREAM: \"%s\"", text),
				 errhint("Stream options go in WITH (idle_timeout = '5s').")));
	raw = lm_ddl_parse_select(psprintf("CREATE TABLE lm_options () %s", text));
	if (list_length(raw) != 1 || !IsA(((RawStmt *) linitial(raw))->stmt, CreateStmt))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR), errmsg("malformed stream options: \"%s\"", text),
				 errhint("Write WITH (idle_timeout = '5s').")));
	cs = (CreateStmt *) ((RawStmt *) linitial(raw))->stmt;
	if (cs->options == NIL || cs->oncommit != ONCOMMIT_NOOP || cs->tablespacename != NULL ||
		cs->accessMethod != NULL || cs->partspec != NULL || cs->inhRelations != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR), errmsg("malformed stream options: \"%s\"", text),
				 errhint("Write WITH (idle_timeout = '5s').")));
	foreach (lc, cs->options)
	{
		DefElem *de = lfirst_node(DefElem, lc);
		MemoryContext cxt = CurrentMemoryContext;
		char *val;

		if (de->defnamespace != NULL || strcmp(de->defname, "idle_timeout") != 0)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("unrecognized stream option \"%s\"", de->defname),
							errhint("The stream option is idle_timeout.")));
		if (de->arg == NULL)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("stream option idle_timeout needs a value"),
							errhint("Write WITH (idle_timeout = '5s').")));
		val = defGetString(de);
		PG_TRY();
		{
			*idle_iv = DirectFunctionCall3(interval_in, CStringGetDatum(val),
										   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
		}
		PG_CATCH();
		{
			lm_ddl_rethrow_with_hint(cxt, "Write WITH (idle_timeout = '5s').");
		}
		PG_END_TRY();
		*idle_us = lm_ddl_interval_us(*idle_iv, "idle_timeout");
		if (*idle_us < 0)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("idle_timeout must not be negative"),
							errhint("Write WITH (idle_timeout = '5s'), or leave it out.")));
		if (*idle_us == 0)
			*idle_iv = (Datum) 0;
	}
}

/*
 * lm_ddl_create_stream executes CREATE STREAM.
 */
static const char *
lm_ddl_create_stream(LmToks *t)
{
	int i = 2;
	bool if_not_exists = false;
	int name_start, open, close = -1, depth = 0;
	char *name;
	RangeVar *rv;
	StringInfoData cols;
	int elem_start;
	char *wm_col = NULL;
	Node *wm_raw = NULL;
	char *wm_text = NULL;
	AttrNumber wm_att = InvalidAttrNumber;
	int64 wm_delay = 0;
	Datum wm_iv = (Datum) 0;
	Datum idle_iv = (Datum) 0;
	int64 idle_us = 0;
	Oid relid;

	if (lm_ddl_is_kw(t, 2, "if") && lm_ddl_is_kw(t, 3, "not") && lm_ddl_is_kw(t, 4, "exists"))
	{
		if_not_exists = true;
		i = 5;
	}
	name_start = i;
	while (i < t->n && !lm_ddl_is_char(t, i, '('))
		i++;
	if (i >= t->n || i == name_start)
		ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR), errmsg("malformed CREATE STREAM statement"),
						errhint("Write CREATE STREAM name (column type, ..., WATERMARK FOR ts AS "
								"ts - INTERVAL '1 second').")));
	rv = lm_ddl_parse_name(t, name_start, i, "stream");
	name = lm_ddl_rv_name(rv);
	lm_ddl_check_not_temp(rv, "stream");
	open = i;

	initStringInfo(&cols);
	elem_start = open + 1;
	for (i = open; i < t->n; i++)
	{
		if (lm_ddl_is_char(t, i, '('))
			depth++;
		else if (lm_ddl_is_char(t, i, ')'))
			depth--;
		if ((depth == 1 && lm_ddl_is_char(t, i, ',')) || depth == 0)
		{
			if (i > elem_start)
			{
				if (lm_ddl_is(t, elem_start, "watermark") && lm_ddl_is(t, elem_start + 1, "for"))
				{
					if (wm_col != NULL)
						ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR),
										errmsg("multiple WATERMARK clauses in CREATE STREAM"),
										errhint("A stream has at most one watermark.")));
					lm_ddl_watermark(t, elem_start, i, &wm_col, &wm_raw, &wm_text);
				}
				else
				{
					if (cols.len > 0)
						appendStringInfoString(&cols, ", ");
					appendStringInfoString(&cols, lm_ddl_text(t, elem_start, i));
				}
			}
			elem_start = i + 1;
		}
		if (depth == 0)
		{
			close = i;
			break;
		}
	}
	if (close < 0)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR), errmsg("unbalanced parentheses in CREATE STREAM")));
	if (close + 1 < t->n)
		lm_ddl_stream_options(t, close + 1, &idle_iv, &idle_us);
	if (cols.len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR), errmsg("CREATE STREAM needs at least one column")));

	if (if_not_exists)
	{
		/* like CREATE TABLE IF NOT EXISTS: look where it would be created */
		relid = lm_ddl_resolve_created(rv, true);
		if (OidIsValid(relid))
		{
			if (!lm_ddl_is_stream(relid))
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_TABLE),
						 errmsg("relation \"%s\" already exists and is not a stream", name)));
			ereport(NOTICE, (errmsg("stream \"%s\" already exists, skipping", name)));
			return "CREATE STREAM";
		}
	}

	lm_ddl_spi(
		psprintf("CREATE FOREIGN TABLE %s (%s) SERVER laminar", lm_ddl_rv_quoted(rv), cols.data));
	relid = lm_ddl_resolve_created(rv, false);
	if (wm_col != NULL)
		lm_ddl_watermark_check(relid, name, wm_col, wm_raw, wm_text, &wm_att, &wm_delay, &wm_iv);
	if (idle_us > 0 && wm_col == NULL)
		ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						errmsg("stream option idle_timeout needs a WATERMARK"),
						errdetail("idle_timeout advances the stream's watermark when no events "
								  "arrive."),
						errhint("Declare WATERMARK FOR ts AS ts - INTERVAL '...' in the column "
								"list.")));

	{
		LmStreamCatalog s;

		memset(&s, 0, sizeof(s));
		s.relid = relid;
		s.has_wm = wm_col != NULL;
		s.ts_column = wm_col;
		s.ts_attnum = wm_att;
		s.delay = wm_iv;
		s.delay_us = wm_delay;
		s.idle_iv = idle_iv;
		s.idle_us = idle_us;
		lm_cat_stream_insert(&s);
	}
	lm_cat_mark_changed();
	return "CREATE STREAM";
}

/*
 * lm_ddl_drop_tail parses "[IF EXISTS] name [CASCADE|RESTRICT]" from token i.
 */
static RangeVar *
lm_ddl_drop_tail(LmToks *t, int i, bool *if_exists, bool *cascade, const char *what)
{
	int end = t->n;

	*if_exists = false;
	*cascade = false;
	if (lm_ddl_is_kw(t, i, "if") && lm_ddl_is_kw(t, i + 1, "exists"))
	{
		*if_exists = true;
		i += 2;
	}
	if (lm_ddl_is_kw(t, end - 1, "cascade"))
	{
		*cascade = true;
		end--;
	}
	else if (lm_ddl_is_kw(t, end - 1, "restrict"))
		end--;
	if (i >= end)
		ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR), errmsg("DROP needs a name")));
	return lm_ddl_parse_name(t, i, end, what);
}

/*
 * lm_ddl_drop_stream executes DROP STREAM.
 */
static const char *
lm_ddl_drop_stream(LmToks *t)
{
	bool if_exists, cascade;
	RangeVar *rv = lm_ddl_drop_tail(t, 2, &if_exists, &cascade, "stream");
	char *name = lm_ddl_rv_name(rv);
	Oid relid = lm_ddl_resolve(rv, if_exists);
	int64 nviews;

	if (!OidIsValid(relid))
	{
		ereport(NOTICE, (errmsg("stream \"%s\" does not exist, skipping", name)));
		return "DROP STREAM";
	}
	if (!lm_ddl_is_stream(relid))
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("\"%s\" is not a stream", name),
						errhint("Use DROP TABLE for ordinary tables.")));
	nviews = lm_cat_stream_view_count(relid);
	if (nviews > 0 && !cascade)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop stream \"%s\" because %lld materialized view(s) depend on it",
						name, (long long) nviews),
				 errhint("Use DROP STREAM ... CASCADE to drop the views too.")));
	lm_ddl_spi(
		psprintf("DROP FOREIGN TABLE %s%s", lm_ddl_qualified(relid), cascade ? " CASCADE" : ""));
	lm_cat_mark_changed();
	return "DROP STREAM";
}

/*
 * lm_ddl_drop_view executes DROP MATERIALIZED VIEW.
 */
static const char *
lm_ddl_drop_view(LmToks *t)
{
	bool if_exists, cascade;
	RangeVar *rv = lm_ddl_drop_tail(t, 3, &if_exists, &cascade, "materialized view");
	char *name = lm_ddl_rv_name(rv);
	Oid relid = lm_ddl_resolve(rv, if_exists);

	if (!OidIsValid(relid))
	{
		ereport(NOTICE, (errmsg("materialized view \"%s\" does not exist, skipping", name)));
		return "DROP MATERIALIZED VIEW";
	}
	if (!lm_cat_is_view(relid))
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
						errmsg("\"%s\" is not a laminar materialized view", name),
						errhint("Use DROP TABLE or DROP MATERIALIZED VIEW outside laminar.execute "
								"for other relations.")));
	lm_ddl_spi(psprintf("DROP TABLE %s%s", lm_ddl_qualified(relid), cascade ? " CASCADE" : ""));
	lm_cat_mark_changed();
	return "DROP MATERIALIZED VIEW";
}

/* ------------------------------------------------------------------------
 * CREATE MATERIALIZED VIEW
 * ------------------------------------------------------------------------
 */

/*
 * lm_ddl_check_wholerow_walker refuses whole-row references (SELECT s FROM s).
 */
static bool
lm_ddl_check_wholerow_walker(Node *node, void *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var) && ((Var *) node)->varattno == InvalidAttrNumber)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("continuous views do not support whole-row references yet"),
						errhint("Name the columns you need.")));
	return expression_tree_walker(node, lm_ddl_check_wholerow_walker, ctx);
}

/*
 * lm_ddl_unsupported raises the standard "not supported yet" error.
 */
static void
lm_ddl_unsupported(const char *what, const char *hint)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					errmsg("continuous views do not support %s yet", what),
					hint ? errhint("%s", hint) : 0));
}

/*
 * lm_ddl_check_select refuses raw-grammar constructs a continuous view
 * cannot have, before analysis, with messages naming them.
 */
static void
lm_ddl_check_select(SelectStmt *s)
{
	if (s->op != SETOP_NONE)
		lm_ddl_unsupported("UNION/INTERSECT/EXCEPT", NULL);
	if (s->valuesLists)
		lm_ddl_unsupported("VALUES", "A continuous view reads from a stream.");
	if (s->withClause)
		lm_ddl_unsupported("WITH (common table expressions)", NULL);
	if (s->intoClause)
		lm_ddl_unsupported("SELECT INTO", NULL);
	if (s->sortClause)
		lm_ddl_unsupported("ORDER BY",
						   "Results land in an ordinary table: order them when you read it.");
	if (s->limitCount || s->limitOffset)
		lm_ddl_unsupported("LIMIT/OFFSET", "Apply LIMIT when you read the result table.");
	if (s->lockingClause)
		lm_ddl_unsupported("FOR UPDATE/SHARE", NULL);
	if (s->distinctClause)
		lm_ddl_unsupported("SELECT DISTINCT", "Use GROUP BY instead.");
	if (s->windowClause)
		lm_ddl_unsupported("WINDOW clause (OVER)", "Use TUMBLE(stream, ts, size) for windows.");
	if (s->havingClause && s->groupClause == NIL)
		lm_ddl_unsupported("HAVING without GROUP BY",
						   "Group by at least one column or window, or filter the result table "
						   "when you read it.");
	if (s->fromClause == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR), errmsg("a continuous view must read FROM a stream"),
				 errhint("Write FROM stream or FROM TUMBLE(stream, ts, INTERVAL '...').")));
	if (list_length(s->fromClause) > 1)
		lm_ddl_unsupported("joins", "A continuous view reads from one stream in Laminar 0.1.");
	{
		ListCell *lc;

		foreach (lc, s->groupClause)
			if (IsA(lfirst(lc), GroupingSet))
				lm_ddl_unsupported("GROUPING SETS, ROLLUP and CUBE", NULL);
	}
}

/*
 * lm_ddl_colref_name returns the dotted name of a ColumnRef for messages
 * and resolution.
 */
static List *
lm_ddl_colref_names(Node *n, const char *what)
{
	ListCell *lc;

	if (!IsA(n, ColumnRef))
		ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR), errmsg("%s must be a name", what),
						errhint("Write TUMBLE(stream, ts_column, INTERVAL '10 seconds').")));
	foreach (lc, ((ColumnRef *) n)->fields)
		if (!IsA(lfirst(lc), String))
			ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR), errmsg("%s must be a name", what)));
	return ((ColumnRef *) n)->fields;
}

typedef struct LmViewDef
{
	Oid stream;
	bool windowed;
	Datum window_iv; /* window_size: TUMBLE and HOP size, CUMULATE max_size */
	Datum slide_iv;	 /* HOP slide, CUMULATE step, or (Datum) 0 */
	Datum offset_iv; /* the offset as written, or (Datum) 0 */
	int64 window_us;
	LmWindowSpec spec;
	AttrNumber ts_attnum;
} LmViewDef;

/* the window table functions: name, arguments after (stream, ts) */
typedef struct LmWindowFunc
{
	const char *name; /* lower case, as the grammar gives it */
	const char *upper;
	LmWindowKind kind;
	int nparams; /* without the optional offset */
	const char *usage;
} LmWindowFunc;

static const LmWindowFunc lm_window_funcs[] = {
	{"tumble", "TUMBLE", LM_WINDOW_TUMBLE, 1, "TUMBLE(stream, ts, size [, offset])"},
	{"hop", "HOP", LM_WINDOW_HOP, 2, "HOP(stream, ts, slide, size [, offset])"},
	{"cumulate", "CUMULATE", LM_WINDOW_CUMULATE, 2,
	 "CUMULATE(stream, ts, step, max_size [, offset])"},
	{"session", "SESSION", LM_WINDOW_SESSION, 1, "SESSION(stream, ts, gap [, max_length])"},
};

/*
 * lm_ddl_window_func returns the window table function called fname, or
 * NULL.
 */
static const LmWindowFunc *
lm_ddl_window_func(const char *fname)
{
	for (int i = 0; i < lengthof(lm_window_funcs); i++)
		if (strcmp(fname, lm_window_funcs[i].name) == 0)
			return &lm_window_funcs[i];
	return NULL;
}

/*
 * lm_ddl_window_param analyses one interval parameter of a window
 * function: a positive constant, fixed-length interval.
 */
static int64
lm_ddl_window_param(Node *raw, const LmWindowFunc *wf, const char *param, Datum *iv)
{
	char *what = psprintf("%s %s", wf->upper, param);
	int64 us;

	*iv = lm_ddl_const_interval(raw, what);
	us = lm_ddl_interval_us(*iv, what);
	if (us <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s must be positive", what),
				 errhint("Write a positive interval, such as INTERVAL '1 minute'.")));
	return us;
}

/*
 * lm_ddl_window_spec checks the parameters of a window function (the
 * arguments after stream and time column) and fills def's window.
 */
static void
lm_ddl_window_spec(const LmWindowFunc *wf, List *params, LmViewDef *def)
{
	LmWindowSpec *w = &def->spec;
	int64 unit;
	int64 nwin;

	memset(w, 0, sizeof(*w));
	w->kind = wf->kind;
	if (wf->kind == LM_WINDOW_TUMBLE || wf->kind == LM_WINDOW_SESSION)
	{
		w->size = lm_ddl_window_param(
			linitial(params), wf, wf->kind == LM_WINDOW_SESSION ? "gap" : "size", &def->window_iv);
		w->slide = w->size;
		if (wf->kind == LM_WINDOW_SESSION)
		{
			/*
			 * the maximum length: the argument, or laminar.max_session_length
			 * (0: none); a session never spans two of its periods
			 */
			if (list_length(params) > 1)
			{
				w->slide = lm_ddl_window_param(lsecond(params), wf, "max_length", &def->slide_iv);
				if (w->slide < w->size)
					ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
									errmsg("SESSION max_length must not be shorter than its gap"),
									errdetail("A session of one event already spans the gap."),
									errhint("Write %s with a max_length of at least the gap.",
											wf->usage)));
			}
			else if (lm_max_session_length_s > 0)
			{
				Interval *iv = palloc0(sizeof(Interval));

				iv->time = (int64) lm_max_session_length_s * USECS_PER_SEC;
				w->slide = iv->time;
				/* shown as '1 day' rather than '24:00:00' */
				def->slide_iv = DirectFunctionCall1(interval_justify_hours, IntervalPGetDatum(iv));
			}
			else
				w->slide = 0;
			def->window_us = w->size;
			return;
		}
	}
	else
	{
		w->slide = lm_ddl_window_param(
			linitial(params), wf, wf->kind == LM_WINDOW_HOP ? "slide" : "step", &def->slide_iv);
		w->size = lm_ddl_window_param(
			lsecond(params), wf, wf->kind == LM_WINDOW_HOP ? "size" : "max_size", &def->window_iv);
	}
	if (wf->kind == LM_WINDOW_HOP && w->slide > w->size)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("HOP slide must not be larger than its size"),
						errdetail("Events between windows would belong to no window."),
						errhint("Write HOP(stream, ts, slide, size) with slide <= size, such as "
								"HOP(s, ts, INTERVAL '2 seconds', INTERVAL '10 seconds').")));
	if (wf->kind == LM_WINDOW_CUMULATE && w->size % w->slide != 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("CUMULATE max_size must be a multiple of its step"),
						errhint("Write CUMULATE(stream, ts, step, max_size) with max_size = n * "
								"step, such as CUMULATE(s, ts, INTERVAL '1 minute', INTERVAL "
								"'1 hour').")));
	/* windows per event: HOP ceil(size / slide), CUMULATE size / step */
	nwin = w->size / w->slide + (w->size % w->slide != 0);
	if (nwin > lm_max_windows_per_event)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("%s puts each event in %lld windows, more than "
							   "laminar.max_windows_per_event (%d)",
							   wf->upper, (long long) nwin, lm_max_windows_per_event),
						errhint("Use a larger %s, or raise laminar.max_windows_per_event (at most "
								"%d).",
								wf->kind == LM_WINDOW_HOP ? "slide" : "step", LM_BATCH_SIZE)));
	unit = lm_window_unit(w);
	if (list_length(params) > wf->nparams)
	{
		char *what = psprintf("%s offset", wf->upper);

		w->offset =
			lm_ddl_interval_us(def->offset_iv = lm_ddl_const_interval(llast(params), what), what);
		if (w->offset <= -unit || w->offset >= unit)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("%s must be smaller than the window's %s", what,
								   wf->kind == LM_WINDOW_HOP ? "slide" : "size"),
							errdetail("Windows are aligned to 1970-01-01 00:00 UTC plus the "
									  "offset, modulo the %s.",
									  wf->kind == LM_WINDOW_HOP ? "slide" : "size"),
							errhint("Write an offset between zero and the %s.",
									wf->kind == LM_WINDOW_HOP ? "slide" : "size")));
		if (w->offset < 0)
		{
			/* stored as the offset in [0, unit) it is equivalent to */
			Interval *iv = palloc0(sizeof(Interval));

			w->offset += unit;
			iv->time = w->offset;
			def->offset_iv = IntervalPGetDatum(iv);
		}
		if (w->offset == 0)
			def->offset_iv = (Datum) 0;
	}
	def->window_us = w->size;
}

/*
 * lm_ddl_us_literal returns microseconds as an interval literal that
 * holds no days (so that adding it to a timestamptz is the same in every
 * time zone).
 */
static char *
lm_ddl_us_literal(int64 us)
{
	return psprintf("'%lld microseconds'::pg_catalog.interval", (long long) us);
}

/*
 * lm_ddl_check_stream_rv refuses a database-qualified stream name in a
 * view's FROM or TUMBLE, as lm_ddl_parse_name does for DDL names.
 */
static void
lm_ddl_check_stream_rv(RangeVar *rv)
{
	if (rv->catalogname != NULL)
		ereport(ERROR, (errcode(ERRCODE_INVALID_NAME),
						errmsg("stream name must not be qualified with a database name: %s",
							   NameListToString(list_make3(makeString(rv->catalogname),
														   makeString(rv->schemaname),
														   makeString(rv->relname)))),
						errhint("Write name or schema.name.")));
}

/*
 * lm_ddl_check_stream_not_temp refuses a view over a stream in a temporary
 * schema (made by an older version): workers cannot open it.
 */
static void
lm_ddl_check_stream_not_temp(Oid stream)
{
	if (get_rel_persistence(stream) == RELPERSISTENCE_TEMP)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("continuous views cannot read temporary stream \"%s\"",
							   get_rel_name(stream)),
						errdetail("Stream workers cannot see a session's temporary objects."),
						errhint("Drop it and create the stream in a permanent schema.")));
}

/*
 * lm_ddl_window_call returns the name of a window function call (tumble,
 * hop, session, cumulate) that n is, or NULL.
 */
static const char *
lm_ddl_window_call(Node *n)
{
	const char *fname;

	if (n == NULL || !IsA(n, FuncCall) || list_length(((FuncCall *) n)->funcname) != 1)
		return NULL;
	fname = strVal(linitial(((FuncCall *) n)->funcname));
	if (strcmp(fname, "tumble") == 0 || strcmp(fname, "hop") == 0 ||
		strcmp(fname, "session") == 0 || strcmp(fname, "cumulate") == 0)
		return fname;
	return NULL;
}

/*
 * lm_ddl_rewrite_group_window accepts LaminarDB's spelling of a window, in
 * GROUP BY: SELECT ... FROM s GROUP BY k, TUMBLE(ts, size) is the view
 * SELECT ... FROM TUMBLE(s, ts, size) GROUP BY k, window_start, window_end,
 * so it is rewritten into that before anything else looks at the query.
 */
static void
lm_ddl_rewrite_group_window(SelectStmt *s)
{
	ListCell *lc;
	FuncCall *win = NULL;
	List *group = NIL;
	RangeVar *rv;
	RangeFunction *rf;
	FuncCall *fc;
	ColumnRef *sref;
	ColumnRef *tsref;
	const char *fname;
	const LmWindowFunc *wf;
	const LmWindowFunc *wfunc = NULL;
	int nwin = 0;

	foreach (lc, s->groupClause)
	{
		Node *item = (Node *) lfirst(lc);

		fname = lm_ddl_window_call(item);
		if (fname == NULL)
		{
			group = lappend(group, item);
			continue;
		}
		wf = lm_ddl_window_func(fname);
		if (win != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_GROUPING_ERROR), errmsg("GROUP BY has more than one window"),
					 errhint("Group by one window, such as TUMBLE(ts, size).")));
		win = (FuncCall *) item;
		wfunc = wf;
	}
	if (win == NULL)
		return;
	wf = wfunc;
	if (list_length(win->args) < wf->nparams + 1 || list_length(win->args) > wf->nparams + 2 ||
		win->agg_star || win->agg_distinct || win->agg_order || win->agg_filter || win->over)
		ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR),
						errmsg("%s in GROUP BY takes %d or %d arguments", wf->upper,
							   wf->nparams + 1, wf->nparams + 2),
						errhint("Write GROUP BY ..., %s, naming the time column and not the "
								"stream.",
								wf->usage)));
	if (IsA(lsecond(win->args), ColumnRef))
		ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR),
						errmsg("%s in GROUP BY takes the time column, not the stream", wf->upper),
						errhint("Write GROUP BY ..., %s(ts, ...) after FROM stream, or FROM %s.",
								wf->upper, wf->usage)));
	if (list_length(s->fromClause) != 1 || !IsA(linitial(s->fromClause), RangeVar))
		ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR),
						errmsg("%s in GROUP BY needs FROM one stream", wf->upper),
						errhint("Write FROM stream ... GROUP BY ..., %s(ts, ...), or FROM %s ... "
								"GROUP BY ..., window_start.",
								wf->upper, wf->usage)));
	rv = (RangeVar *) linitial(s->fromClause);
	lm_ddl_check_stream_rv(rv);
	/* the time column may be qualified by the stream's alias or name */
	tsref = (ColumnRef *) linitial(win->args);
	if (IsA(tsref, ColumnRef) && list_length(tsref->fields) == 2 &&
		IsA(linitial(tsref->fields), String) &&
		strcmp(strVal(linitial(tsref->fields)), rv->alias ? rv->alias->aliasname : rv->relname) ==
			0)
	{
		ColumnRef *bare = makeNode(ColumnRef);

		bare->fields = list_make1(lsecond(tsref->fields));
		bare->location = tsref->location;
		tsref = bare;
	}

	/* FROM TUMBLE(stream, ts, size) [AS alias], and the other windows alike */
	sref = makeNode(ColumnRef);
	sref->fields = rv->schemaname ? list_make2(makeString(rv->schemaname), makeString(rv->relname))
								  : list_make1(makeString(rv->relname));
	sref->location = rv->location;
	fc = makeFuncCall(list_make1(makeString(pstrdup(wf->name))),
					  list_concat(list_make2(sref, tsref), list_copy_tail(win->args, 1)),
					  COERCE_EXPLICIT_CALL, win->location);
	rf = makeNode(RangeFunction);
	rf->functions = list_make1(list_make2(fc, NIL));
	rf->alias = rv->alias;
	s->fromClause = list_make1(rf);

	/*
	 * ... GROUP BY the other items and the window columns the select list
	 * has (a group key is a column of the result table; window_end follows
	 * from window_start, so either one identifies the window)
	 */
	foreach (lc, list_make2("window_start", "window_end"))
	{
		const char *col = (const char *) lfirst(lc);
		bool selected = false;
		ListCell *lt;

		foreach (lt, s->targetList)
		{
			ResTarget *rt = (ResTarget *) lfirst(lt);

			if (IsA(rt->val, ColumnRef) && IsA(llast(((ColumnRef *) rt->val)->fields), String) &&
				strcmp(strVal(llast(((ColumnRef *) rt->val)->fields)), col) == 0)
				selected = true;
		}
		if (selected)
		{
			ColumnRef *c = makeNode(ColumnRef);

			c->fields = list_make1(makeString(pstrdup(col)));
			c->location = win->location;
			group = lappend(group, c);
			nwin++;
		}
	}
	if (nwin == 0)
		ereport(ERROR,
				(errcode(ERRCODE_GROUPING_ERROR),
				 errmsg("a view grouped by %s must select window_start or window_end", wf->upper),
				 errhint("Add window_start (and window_end) to the select list.")));
	s->groupClause = group;
}

/*
 * lm_ddl_rewrite_from checks the FROM item and, for TUMBLE, replaces it by
 * a subquery that adds window_start and window_end.
 */
static void
lm_ddl_rewrite_from(SelectStmt *s, LmViewDef *def)
{
	Node *from = linitial(s->fromClause);

	memset(def, 0, sizeof(*def));
	if (IsA(from, RangeVar))
	{
		lm_ddl_check_stream_rv((RangeVar *) from);
		def->stream = RangeVarGetRelid((RangeVar *) from, AccessShareLock, false);
		return;
	}
	if (IsA(from, JoinExpr))
		lm_ddl_unsupported("joins", "A continuous view reads from one stream in Laminar 0.1.");
	if (IsA(from, RangeSubselect))
		lm_ddl_unsupported("subqueries in FROM", NULL);
	if (IsA(from, RangeFunction))
	{
		RangeFunction *rf = (RangeFunction *) from;
		FuncCall *fc;
		char *fname;
		List *snames;
		List *tsname;
		RangeVar *rv;
		char *alias;
		char *ivtext;
		char *tscol;
		const char *qts;
		const LmWindowFunc *wf;
		Oid tstype;
		const char *origin;
		char *sub;
		List *raw;
		SelectStmt *wrapper;

		if (list_length(rf->functions) != 1 || rf->lateral || rf->ordinality || rf->is_rowsfrom ||
			!IsA(linitial((List *) linitial(rf->functions)), FuncCall))
			lm_ddl_unsupported("this FROM item",
							   "Write FROM stream or FROM TUMBLE(stream, ts, size).");
		fc = (FuncCall *) linitial((List *) linitial(rf->functions));
		fname = strVal(llast(fc->funcname));
		wf = lm_ddl_window_func(fname);
		if (wf == NULL)
			lm_ddl_unsupported(psprintf("function %s() in FROM", fname),
							   "Write FROM stream or FROM TUMBLE(stream, ts, size).");
		if (list_length(fc->args) < wf->nparams + 2 || list_length(fc->args) > wf->nparams + 3)
			ereport(
				ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("%s takes %d or %d arguments", wf->upper, wf->nparams + 2, wf->nparams + 3),
				 errhint("Write %s, with intervals such as INTERVAL '10 seconds'.", wf->usage)));
		snames = lm_ddl_colref_names(linitial(fc->args),
									 psprintf("%s's first argument (the stream)", wf->upper));
		tsname = lm_ddl_colref_names(lsecond(fc->args),
									 psprintf("%s's second argument (the time column)", wf->upper));
		if (list_length(tsname) != 1)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("%s's time column must be an unqualified column name", wf->upper),
					 errhint("Write the column's name alone: %s.", wf->usage)));
		rv = makeRangeVarFromNameList(snames);
		lm_ddl_check_stream_rv(rv);
		def->stream = RangeVarGetRelid(rv, AccessShareLock, false);
		def->windowed = true;
		lm_ddl_window_spec(wf, list_copy_tail(fc->args, 2), def);
		tscol = strVal(linitial(tsname));
		def->ts_attnum = get_attnum(def->stream, tscol);
		if (def->ts_attnum == InvalidAttrNumber)
			ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
							errmsg("column \"%s\" of %s does not exist in stream \"%s\"", tscol,
								   wf->upper, get_rel_name(def->stream)),
							errhint("Name the stream's timestamptz or timestamp column.")));
		tstype = get_atttype(def->stream, def->ts_attnum);
		if (tstype == TIMESTAMPTZOID)
			origin = "'1970-01-01 00:00:00+00'::pg_catalog.timestamptz";
		else if (tstype == TIMESTAMPOID)
			origin = "'1970-01-01 00:00:00'::pg_catalog.timestamp";
		else
			ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
							errmsg("%s time column \"%s\" is of type %s, not timestamptz",
								   wf->upper, tscol, format_type_be(tstype)),
							errhint("Window on a column of type timestamptz or timestamp.")));
		if (def->spec.offset != 0)
			origin = psprintf("(%s OPERATOR(pg_catalog.+) %s)", origin,
							  lm_ddl_us_literal(def->spec.offset));
		alias = rf->alias ? rf->alias->aliasname : get_rel_name(def->stream);
		qts = quote_identifier(tscol);
		/*
		 * The subquery says in plain SQL which windows an event belongs to
		 * (WindowAssign computes the same bounds, in ops/window.c)
		 */
		if (wf->kind == LM_WINDOW_TUMBLE && def->spec.offset == 0)
		{
			/* as 0.1 and 0.2 wrote it: the interval as the user wrote it */
			ivtext = quote_literal_cstr(
				DatumGetCString(DirectFunctionCall1(interval_out, def->window_iv)));
			sub = psprintf("SELECT * FROM (SELECT *, pg_catalog.date_bin(%s::pg_catalog.interval, "
						   "%s, %s) AS window_start, "
						   "pg_catalog.date_bin(%s::pg_catalog.interval, %s, %s) "
						   "OPERATOR(pg_catalog.+) %s::pg_catalog.interval AS window_end "
						   "FROM %s) AS %s",
						   ivtext, qts, origin, ivtext, qts, origin, ivtext,
						   lm_ddl_qualified(def->stream), quote_identifier(alias));
		}
		else
		{
			char *size = lm_ddl_us_literal(def->spec.size);
			char *slide = lm_ddl_us_literal(def->spec.slide);
			char *ws;
			char *we;

			if (wf->kind == LM_WINDOW_TUMBLE)
			{
				ws = psprintf("pg_catalog.date_bin(%s, %s, %s)", size, qts, origin);
				we = psprintf("%s OPERATOR(pg_catalog.+) %s", ws, size);
			}
			else if (wf->kind == LM_WINDOW_SESSION)
			{
				/*
				 * the session of this event alone: the Aggregate merges it
				 * with the key's overlapping sessions (no per-row SQL can)
				 */
				ws = pstrdup(qts);
				we = psprintf("%s OPERATOR(pg_catalog.+) %s", qts, size);
			}
			else if (wf->kind == LM_WINDOW_HOP)
			{
				/* the starts after date_bin(slide, ts - size), up to ts */
				ws = psprintf("pg_catalog.generate_series(pg_catalog.date_bin(%s, %s "
							  "OPERATOR(pg_catalog.-) %s, %s) OPERATOR(pg_catalog.+) %s, %s, %s)",
							  slide, qts, size, origin, slide, qts, slide);
				we = psprintf("%s OPERATOR(pg_catalog.+) %s", ws, size);
			}
			else
			{
				/* one start; the ends from the step after ts up to start + max_size */
				ws = psprintf("pg_catalog.date_bin(%s, %s, %s)", size, qts, origin);
				we = psprintf("pg_catalog.generate_series(pg_catalog.date_bin(%s, %s, %s) "
							  "OPERATOR(pg_catalog.+) %s, %s OPERATOR(pg_catalog.+) %s, %s)",
							  slide, qts, origin, slide, ws, size, slide);
			}
			sub = psprintf("SELECT * FROM (SELECT *, %s AS window_start, %s AS window_end "
						   "FROM %s) AS %s",
						   ws, we, lm_ddl_qualified(def->stream), quote_identifier(alias));
		}
		raw = raw_parser(sub, RAW_PARSE_DEFAULT);
		wrapper = (SelectStmt *) ((RawStmt *) linitial(raw))->stmt;
		s->fromClause = wrapper->fromClause;
		return;
	}
	lm_ddl_unsupported("this FROM item", "Write FROM stream or FROM TUMBLE(stream, ts, size).");
}

/*
 * lm_ddl_is_window_var says whether expr is the subquery's window_start or
 * window_end output (windowed views only).
 */
static bool
lm_ddl_is_window_var(Node *expr, int ws_attno)
{
	return IsA(expr, Var) && ((Var *) expr)->varno == 1 && ((Var *) expr)->varlevelsup == 0 &&
		   (((Var *) expr)->varattno == ws_attno || ((Var *) expr)->varattno == ws_attno + 1);
}

/*
 * lm_ddl_window_ref_walker says whether node reads window_start or
 * window_end of the window subquery (*ws_attno: window_start's attno).
 */
static bool
lm_ddl_window_ref_walker(Node *node, int *ws_attno)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var) && lm_ddl_is_window_var(node, *ws_attno))
		return true;
	return expression_tree_walker(node, lm_ddl_window_ref_walker, (void *) ws_attno);
}

/*
 * lm_ddl_agg_window_ref_walker says whether the arguments, FILTER or direct
 * arguments of an aggregate in node read window_start or window_end (the
 * select list and HAVING outside aggregates may: they are computed when a
 * session's row is).
 */
static bool
lm_ddl_agg_window_ref_walker(Node *node, int *ws_attno)
{
	if (node == NULL)
		return false;
	if (IsA(node, Aggref))
	{
		Aggref *a = (Aggref *) node;

		return lm_ddl_window_ref_walker((Node *) a->args, ws_attno) ||
			   lm_ddl_window_ref_walker((Node *) a->aggfilter, ws_attno) ||
			   lm_ddl_window_ref_walker((Node *) a->aggdirectargs, ws_attno);
	}
	return expression_tree_walker(node, lm_ddl_agg_window_ref_walker, (void *) ws_attno);
}

/*
 * lm_ddl_check_session refuses what a SESSION view cannot compute: a
 * session is known only once the Aggregate has merged the event into its
 * key's sessions, so WHERE, group keys and aggregate arguments cannot read
 * its bounds, and without an aggregate there are no sessions.
 */
static void
lm_ddl_check_session(Query *q, int ws_attno, bool is_agg)
{
	ListCell *lc;

	if (!is_agg)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("SESSION windows need an aggregate"),
						errdetail("A session spans the events of one key; a view without "
								  "GROUP BY has no sessions to write."),
						errhint("Add GROUP BY key, window_start (and an aggregate).")));
	if (lm_ddl_window_ref_walker(q->jointree->quals, &ws_attno) ||
		lm_ddl_agg_window_ref_walker((Node *) q->targetList, &ws_attno) ||
		lm_ddl_agg_window_ref_walker(q->havingQual, &ws_attno))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("WHERE and aggregate arguments of a SESSION view cannot read "
							   "window_start or window_end"),
						errdetail("A session's bounds are known only after its events are "
								  "grouped."),
						errhint("Use window_start and window_end in the select list, GROUP BY "
								"or HAVING only.")));
	foreach (lc, q->groupClause)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		TargetEntry *tle = get_sortgroupclause_tle(sgc, q->targetList);

		if (!lm_ddl_is_window_var((Node *) tle->expr, ws_attno) &&
			lm_ddl_window_ref_walker((Node *) tle->expr, &ws_attno))
			ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							errmsg("a SESSION view cannot group by an expression of window_start "
								   "or window_end"),
							errhint("Group by window_start (and window_end) themselves.")));
	}
}

/*
 * lm_ddl_reposition rethrows the current error with its cursor position
 * moved to the inner query text, so that clients point into the view's
 * SELECT rather than into the laminar.execute() call.
 */
static void
lm_ddl_reposition(MemoryContext cxt, const char *text)
{
	ErrorData *edata;

	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	FlushErrorState();
	if (edata->cursorpos > 0)
	{
		edata->internalquery = pstrdup(text);
		edata->internalpos = edata->cursorpos;
		edata->cursorpos = 0;
	}
	ReThrowError(edata);
}

/*
 * lm_ddl_parse_select runs the core grammar over a view's SELECT.
 */
static List *
lm_ddl_parse_select(const char *text)
{
	MemoryContext cxt = CurrentMemoryContext;
	List *raw = NIL;

	PG_TRY();
	{
		raw = raw_parser(text, RAW_PARSE_DEFAULT);
	}
	PG_CATCH();
	{
		lm_ddl_reposition(cxt, text);
	}
	PG_END_TRY();
	return raw;
}

/*
 * lm_ddl_analyze runs parse analysis over a view's (rewritten) SELECT.
 */
static Query *
lm_ddl_analyze(RawStmt *rs, const char *text)
{
	MemoryContext cxt = CurrentMemoryContext;
	Query *q = NULL;

	PG_TRY();
	{
		q = parse_analyze_fixedparams(rs, text, NULL, 0, NULL);
	}
	PG_CATCH();
	{
		lm_ddl_reposition(cxt, text);
	}
	PG_END_TRY();
	return q;
}

/* the clauses after a view's SELECT */
typedef struct LmViewTail
{
	LmEmitMode emit;
	bool has_emit;
	Datum lateness_iv; /* ALLOW LATENESS, or (Datum) 0 */
	int64 lateness_us;
	Datum every_iv; /* EMIT EVERY's period, or (Datum) 0 */
	int64 every_us;
	RangeVar *late_table; /* LATE DATA TO, or NULL */
} LmViewTail;

/*
 * lm_ddl_is_late_data says whether tokens i.. are LATE DATA TO.
 */
static bool
lm_ddl_is_late_data(LmToks *t, int i)
{
	return i + 2 < t->n && t->t[i].tok == IDENT && lm_ddl_is(t, i, "late") &&
		   lm_ddl_is(t, i + 1, "data") && lm_ddl_is(t, i + 2, "to");
}

/*
 * lm_ddl_view_tail parses what follows a view's SELECT, from token `from`:
 * [EMIT mode] [ALLOW LATENESS interval].
 */
static void
lm_ddl_view_tail(LmToks *t, int from, LmViewTail *tail)
{
	int i = from;

	if (lm_ddl_is(t, i, "emit"))
	{
		tail->has_emit = true;
		if (lm_ddl_is(t, i + 1, "on") && lm_ddl_is(t, i + 2, "update"))
		{
			tail->emit = LM_EMIT_ON_UPDATE;
			i += 3;
		}
		else if (lm_ddl_is(t, i + 1, "on") && lm_ddl_is(t, i + 2, "window") &&
				 lm_ddl_is(t, i + 3, "close"))
		{
			tail->emit = LM_EMIT_ON_WINDOW_CLOSE;
			i += 4;
		}
		else if (lm_ddl_is(t, i + 1, "after") && lm_ddl_is(t, i + 2, "watermark"))
		{
			tail->emit = LM_EMIT_AFTER_WATERMARK;
			i += 3;
		}
		else if (lm_ddl_is(t, i + 1, "final"))
		{
			tail->emit = LM_EMIT_FINAL;
			i += 2;
		}
		else if (lm_ddl_is(t, i + 1, "changes"))
		{
			tail->emit = LM_EMIT_CHANGES;
			i += 2;
		}
		else if (lm_ddl_is(t, i + 1, "every"))
		{
			int end = i + 2;
			List *raw;
			SelectStmt *one;

			while (end < t->n &&
				   !(lm_ddl_is(t, end, "allow") && lm_ddl_is(t, end + 1, "lateness")) &&
				   !lm_ddl_is_late_data(t, end))
				end++;
			if (end == i + 2)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR), errmsg("EMIT EVERY needs an interval"),
						 errhint("Write EMIT EVERY INTERVAL '5 seconds'.")));
			raw = lm_ddl_parse_select(psprintf("SELECT %s", lm_ddl_text(t, i + 2, end)));
			one = list_length(raw) == 1 ? (SelectStmt *) ((RawStmt *) linitial(raw))->stmt : NULL;
			if (one == NULL || !IsA(one, SelectStmt) || list_length(one->targetList) != 1)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR), errmsg("EMIT EVERY takes one interval"),
						 errhint("Write EMIT EVERY INTERVAL '5 seconds'.")));
			tail->emit = LM_EMIT_EVERY;
			tail->every_iv =
				lm_ddl_const_interval(((ResTarget *) linitial(one->targetList))->val, "EMIT EVERY");
			tail->every_us = lm_ddl_interval_us(tail->every_iv, "EMIT EVERY");
			if (tail->every_us <= 0)
				ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								errmsg("EMIT EVERY must be positive"),
								errhint("Write EMIT EVERY INTERVAL '5 seconds'.")));
			i = end;
		}
		else
		{
			int end = i + 1;

			while (end < t->n &&
				   !(lm_ddl_is(t, end, "allow") && lm_ddl_is(t, end + 1, "lateness")) &&
				   !lm_ddl_is_late_data(t, end))
				end++;
			ereport(
				ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("EMIT %s is not supported yet", lm_ddl_text(t, i + 1, Max(end, i + 2))),
				 errhint("Laminar supports EMIT ON UPDATE, EMIT ON WINDOW CLOSE, EMIT AFTER "
						 "WATERMARK, EMIT FINAL, EMIT EVERY INTERVAL '...' and EMIT CHANGES.")));
		}
	}
	if (lm_ddl_is(t, i, "allow") && lm_ddl_is(t, i + 1, "lateness"))
	{
		List *raw;
		ResTarget *rt;
		int end = i + 2;

		while (end < t->n && !lm_ddl_is_late_data(t, end))
			end++;
		if (i + 2 >= end)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR), errmsg("ALLOW LATENESS needs an interval"),
					 errhint("Write ALLOW LATENESS INTERVAL '10 seconds'.")));
		for (int j = i + 2; j < end; j++)
			if (t->t[j].tok == IDENT && lm_ddl_is(t, j, "emit"))
				ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR),
								errmsg("ALLOW LATENESS must follow the EMIT clause"),
								errhint("Write EMIT mode ALLOW LATENESS INTERVAL '...'.")));
		raw = lm_ddl_parse_select(psprintf("SELECT %s", lm_ddl_text(t, i + 2, end)));
		if (list_length(raw) != 1 ||
			list_length(((SelectStmt *) ((RawStmt *) linitial(raw))->stmt)->targetList) != 1)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR), errmsg("ALLOW LATENESS takes one interval"),
					 errhint("Write ALLOW LATENESS INTERVAL '10 seconds' at the end of the "
							 "statement.")));
		rt = linitial(((SelectStmt *) ((RawStmt *) linitial(raw))->stmt)->targetList);
		tail->lateness_iv = lm_ddl_const_interval(rt->val, "ALLOW LATENESS");
		tail->lateness_us = lm_ddl_interval_us(tail->lateness_iv, "ALLOW LATENESS");
		if (tail->lateness_us < 0)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("ALLOW LATENESS must not be negative"),
							errhint("Write ALLOW LATENESS INTERVAL '10 seconds', or leave it out "
									"for none.")));
		if (tail->lateness_us == 0)
			tail->lateness_iv = (Datum) 0;
		i = end;
	}
	if (lm_ddl_is_late_data(t, i))
	{
		if (i + 3 >= t->n)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR), errmsg("LATE DATA TO needs a table name"),
					 errhint("Write LATE DATA TO table_name at the end of the statement.")));
		for (int j = i + 3; j < t->n; j++)
			if (t->t[j].tok == IDENT &&
				(lm_ddl_is(t, j, "emit") ||
				 (lm_ddl_is(t, j, "allow") && lm_ddl_is(t, j + 1, "lateness"))))
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR), errmsg("LATE DATA TO must come last"),
						 errhint("Write [EMIT mode] [ALLOW LATENESS INTERVAL '...'] LATE DATA "
								 "TO table.")));
		tail->late_table = lm_ddl_parse_name(t, i + 3, t->n, "table");
		i = t->n;
	}
	if (i < t->n)
		ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR),
						errmsg("unexpected \"%s\" after the EMIT clause", lm_ddl_text(t, i, t->n)),
						errhint("Write [EMIT mode] [ALLOW LATENESS INTERVAL '...'] [LATE DATA TO "
								"table] at the end of the statement.")));
}

/*
 * lm_ddl_late_table returns the late-data table of a view over stream
 * (LATE DATA TO rv): an existing table must have exactly the stream's
 * columns, then _watermark timestamptz, and take INSERTs from the caller;
 * a missing one is created so, owned by the caller.
 */
static Oid
lm_ddl_late_table(RangeVar *rv, Oid stream)
{
	Relation srel = table_open(stream, AccessShareLock);
	TupleDesc sdesc = CreateTupleDescCopy(RelationGetDescr(srel));
	const char *name = lm_ddl_rv_name(rv);
	Oid relid;

	table_close(srel, AccessShareLock);
	lm_ddl_check_not_temp(rv, "late-data table");
	for (int c = 0; c < sdesc->natts; c++)
		if (strcmp(NameStr(TupleDescAttr(sdesc, c)->attname), "_watermark") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("stream \"%s\" has a column named _watermark", get_rel_name(stream)),
					 errdetail("The late-data table adds a column of that name."),
					 errhint("Rename the stream's column to use LATE DATA TO.")));
	relid = lm_ddl_resolve_created(rv, true);
	if (!OidIsValid(relid))
	{
		StringInfoData ddl;

		initStringInfo(&ddl);
		appendStringInfo(&ddl, "CREATE TABLE %s (", lm_ddl_rv_quoted(rv));
		for (int c = 0; c < sdesc->natts; c++)
		{
			Form_pg_attribute att = TupleDescAttr(sdesc, c);

			appendStringInfo(&ddl, "%s %s", quote_identifier(NameStr(att->attname)),
							 format_type_with_typemod(att->atttypid, att->atttypmod));
			if (OidIsValid(att->attcollation) &&
				att->attcollation != get_typcollation(att->atttypid))
				appendStringInfo(&ddl, " COLLATE %s", generate_collation_name(att->attcollation));
			appendStringInfoString(&ddl, ", ");
		}
		appendStringInfoString(&ddl, "_watermark pg_catalog.timestamptz)");
		lm_ddl_spi(ddl.data);
		return lm_ddl_resolve_created(rv, false);
	}
	if (get_rel_relkind(relid) != RELKIND_RELATION &&
		get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("\"%s\" is not a table", name),
						errhint("LATE DATA TO names an ordinary table (created if it does not "
								"exist).")));
	if (lm_ddl_is_stream(relid) || lm_cat_is_view(relid))
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
						errmsg("\"%s\" is a stream or a continuous view's result table", name),
						errhint("LATE DATA TO names an ordinary table of its own.")));
	{
		Relation rel = table_open(relid, AccessShareLock);
		TupleDesc desc = RelationGetDescr(rel);
		int c = 0;
		char *problem = NULL;

		for (int a = 0; a < desc->natts && problem == NULL; a++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, a);
			Form_pg_attribute want = c < sdesc->natts ? TupleDescAttr(sdesc, c) : NULL;
			const char *wname = want ? NameStr(want->attname) : "_watermark";
			Oid wtype = want ? want->atttypid : TIMESTAMPTZOID;
			int32 wmod = want ? want->atttypmod : -1;

			if (att->attisdropped)
				continue;
			if (c > sdesc->natts)
				problem =
					psprintf("It has a column \"%s\" after _watermark.", NameStr(att->attname));
			else if (strcmp(NameStr(att->attname), wname) != 0 || att->atttypid != wtype ||
					 att->atttypmod != wmod)
				problem = psprintf("Its column %d is \"%s\" %s where \"%s\" %s is needed.", c + 1,
								   NameStr(att->attname),
								   format_type_with_typemod(att->atttypid, att->atttypmod), wname,
								   format_type_with_typemod(wtype, wmod));
			c++;
		}
		if (problem == NULL && c != sdesc->natts + 1)
			problem = psprintf("It has %d columns; the stream's %d and _watermark are needed.", c,
							   sdesc->natts);
		table_close(rel, AccessShareLock);
		if (problem != NULL)
			ereport(
				ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("late-data table \"%s\" does not have the shape LATE DATA TO needs", name),
				 errdetail("%s", problem),
				 errhint("Name a new table (LATE DATA TO creates it with the stream's columns "
						 "and _watermark timestamptz), or give this one exactly those.")));
	}
	if (pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						errmsg("permission denied for late-data table %s", name),
						errhint("The view's owner needs INSERT on the table it names in LATE DATA "
								"TO.")));
	return relid;
}

/*
 * lm_ddl_create_view executes CREATE MATERIALIZED VIEW.
 */
static const char *
lm_ddl_create_view(LmToks *t, const char *stmt_text)
{
	int as = -1, emit = -1, depth = 0;
	int name_start = 3;
	bool if_not_exists = false;
	char *name;
	RangeVar *rv;
	char *select_text;
	bool emit_close = false;
	LmViewTail tail;
	Oid late_relid = InvalidOid;
	List *raw;
	RawStmt *rs;
	SelectStmt *sel;
	LmViewDef def;
	Query *q;
	RangeTblEntry *rte;
	int ws_attno = 0;
	bool is_agg;
	ListCell *lc;
	StringInfoData ddl;
	StringInfoData keys;
	List *key_names = NIL;
	List *key_atts = NIL;
	List *route_atts = NIL;
	LmRouteMode route = LM_ROUTE_PRODUCER;
	Oid relid;

	if (lm_ddl_is_kw(t, 3, "if") && lm_ddl_is_kw(t, 4, "not") && lm_ddl_is_kw(t, 5, "exists"))
	{
		if_not_exists = true;
		name_start = 6;
	}
	for (int i = name_start; i < t->n; i++)
	{
		if (lm_ddl_is_char(t, i, '('))
			depth++;
		else if (lm_ddl_is_char(t, i, ')'))
			depth--;
		else if (depth == 0 && as < 0 && lm_ddl_is_kw(t, i, "as"))
			as = i;
		else if (depth == 0 && as >= 0 && t->t[i].tok == IDENT &&
				 ((lm_ddl_is(t, i, "emit") &&
				   (lm_ddl_is(t, i + 1, "on") || lm_ddl_is(t, i + 1, "after") ||
					lm_ddl_is(t, i + 1, "final") || lm_ddl_is(t, i + 1, "changes") ||
					lm_ddl_is(t, i + 1, "every") || lm_ddl_is(t, i + 1, "periodically") ||
					(i + 1 < t->n && t->t[i + 1].tok == IDENT))) ||
				  (lm_ddl_is(t, i, "allow") && lm_ddl_is(t, i + 1, "lateness")) ||
				  lm_ddl_is_late_data(t, i)))
		{
			/* a column called emit or allow is not an EMIT or ALLOW clause */
			emit = i;
			break;
		}
	}
	if (as < 0 || as == name_start || as + 1 >= t->n)
		ereport(
			ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR), errmsg("malformed CREATE MATERIALIZED VIEW statement"),
			 errhint("Write CREATE MATERIALIZED VIEW name AS SELECT ... FROM stream [EMIT ...].")));
	rv = lm_ddl_parse_name(t, name_start, as, "materialized view");
	name = lm_ddl_rv_name(rv);
	lm_ddl_check_not_temp(rv, "materialized view");
	if (if_not_exists)
	{
		/* like CREATE STREAM IF NOT EXISTS: look where it would be created */
		relid = lm_ddl_resolve_created(rv, true);
		if (OidIsValid(relid))
		{
			if (!lm_cat_is_view(relid))
				ereport(ERROR, (errcode(ERRCODE_DUPLICATE_TABLE),
								errmsg("relation \"%s\" already exists and is not a laminar "
									   "materialized view",
									   name)));
			ereport(NOTICE, (errmsg("materialized view \"%s\" already exists, skipping", name)));
			return "CREATE MATERIALIZED VIEW";
		}
	}
	select_text = lm_ddl_text(t, as + 1, emit >= 0 ? emit : t->n);
	memset(&tail, 0, sizeof(tail));
	if (emit >= 0)
		lm_ddl_view_tail(t, emit, &tail);
	/* ON WINDOW CLOSE and FINAL append each window's rows once */
	emit_close = tail.emit == LM_EMIT_ON_WINDOW_CLOSE || tail.emit == LM_EMIT_FINAL;

	raw = lm_ddl_parse_select(select_text);
	if (list_length(raw) != 1 || !IsA(((RawStmt *) linitial(raw))->stmt, SelectStmt))
		ereport(ERROR, (errcode(ERRCODE_SYNTAX_ERROR),
						errmsg("a continuous view must be defined by one SELECT")));
	rs = (RawStmt *) linitial(raw);
	sel = (SelectStmt *) rs->stmt;
	lm_ddl_check_select(sel);
	lm_ddl_rewrite_group_window(sel);
	lm_ddl_rewrite_from(sel, &def);
	lm_ddl_check_stream_not_temp(def.stream);
	if (!lm_ddl_is_stream(def.stream))
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
						errmsg("\"%s\" is not a stream", get_rel_name(def.stream)),
						errhint("Continuous views read from streams created with CREATE STREAM.")));
	if (pg_class_aclcheck(def.stream, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for stream %s", get_rel_name(def.stream)),
				 errhint("A continuous view can only read streams its owner may SELECT from.")));
	if (def.windowed)
	{
		LmStreamCatalog s;
		int64 wm_att =
			lm_cat_stream_read(def.stream, LM_CAT_LATEST, &s) && s.has_wm ? s.ts_attnum : 0;

		if (wm_att == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("windowed view over stream \"%s\" needs a WATERMARK",
							get_rel_name(def.stream)),
					 errhint("Declare the stream with WATERMARK FOR ts AS ts - INTERVAL '...'.")));
		if (wm_att != def.ts_attnum)
			ereport(ERROR, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
							errmsg("a window must use the stream's WATERMARK column \"%s\"",
								   get_attname(def.stream, (AttrNumber) wm_att, false)),
							errhint("Windows close when the watermark passes them, so they must be "
									"over event time.")));
	}

	q = lm_ddl_analyze(rs, select_text);

	if (q->hasSubLinks)
		lm_ddl_unsupported("subqueries", NULL);
	if (q->hasWindowFuncs)
		lm_ddl_unsupported("window functions (OVER)", "Use TUMBLE(stream, ts, size) for windows.");
	if (q->hasTargetSRFs)
		lm_ddl_unsupported("set-returning functions", NULL);
	if (q->hasDistinctOn)
		lm_ddl_unsupported("DISTINCT ON", NULL);
	if (q->cteList)
		lm_ddl_unsupported("WITH (common table expressions)", NULL);
	if (list_length(q->rtable) != 1 || list_length(q->jointree->fromlist) != 1)
		lm_ddl_unsupported("joins", "A continuous view reads from one stream in Laminar 0.1.");
	lm_query_check_aggs((Node *) q->targetList, false);
	lm_query_check_aggs(q->havingQual, false);
	lm_query_check_rights(q, def.stream, GetUserId());
	lm_ddl_check_wholerow_walker((Node *) q->targetList, NULL);
	lm_ddl_check_wholerow_walker(q->havingQual, NULL);
	lm_ddl_check_wholerow_walker(q->jointree->quals, NULL);

	rte = rt_fetch(1, q->rtable);
	if (def.windowed)
		ws_attno = list_length(rte->subquery->targetList) - 1;
	is_agg = q->hasAggs || q->groupClause != NIL;
	if (def.windowed && def.spec.kind == LM_WINDOW_SESSION && !is_agg)
		lm_ddl_check_session(q, ws_attno, is_agg);

	if (tail.emit == LM_EMIT_EVERY && !is_agg)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("EMIT EVERY needs an aggregate"),
				 errdetail("A view without aggregates appends each event's row as it "
						   "arrives; it has no current values to write periodically."),
				 errhint("Leave out the EMIT clause, or aggregate with GROUP BY.")));
	if (tail.emit != LM_EMIT_ON_UPDATE && tail.emit != LM_EMIT_EVERY &&
		tail.emit != LM_EMIT_CHANGES && !(is_agg && def.windowed))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("EMIT %s needs a windowed aggregate",
							   asc_toupper(lm_cat_emit_text(tail.emit),
										   strlen(lm_cat_emit_text(tail.emit)))),
						errdetail("It emits a window's rows when the watermark passes the window."),
						errhint("Use FROM TUMBLE(stream, ts, size) with GROUP BY window_start, "
								"or EMIT ON UPDATE.")));
	if (tail.lateness_us > 0 && !(is_agg && def.windowed))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("ALLOW LATENESS needs a windowed aggregate"),
						errdetail("Lateness keeps a window's state after the watermark passes "
								  "it; this view keeps no windows."),
						errhint("Leave out ALLOW LATENESS, or window the view with FROM "
								"TUMBLE(stream, ts, size).")));
	if (tail.lateness_us > 0 && tail.emit == LM_EMIT_ON_WINDOW_CLOSE)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("EMIT ON WINDOW CLOSE cannot be combined with ALLOW LATENESS"),
						errdetail("ON WINDOW CLOSE appends each window's rows once; late events "
								  "allowed afterwards could not change them."),
						errhint("Use EMIT AFTER WATERMARK (rows updated by late events) or EMIT "
								"FINAL (rows written once the lateness has passed).")));
	def.spec.lateness = tail.lateness_us;
	if (tail.late_table != NULL && !def.windowed)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("LATE DATA TO needs a windowed view"),
						errdetail("Only views over a window drop late events."),
						errhint("Leave out LATE DATA TO, or window the view with FROM "
								"TUMBLE(stream, ts, size).")));

	/* group keys: in the select list; windowed aggregates group by the window */
	if (is_agg)
	{
		bool has_window_key = false;
		bool has_window_end = false;

		foreach (lc, q->groupClause)
		{
			SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
			TargetEntry *tle = get_sortgroupclause_tle(sgc, q->targetList);

			if (tle->resjunk)
				ereport(
					ERROR,
					(errcode(ERRCODE_GROUPING_ERROR),
					 errmsg("GROUP BY expression is not in the select list of the continuous view"),
					 errdetail(
						 "Every group key of a continuous view is a column of its result table."),
					 errhint("Add the GROUP BY expression to the select list.")));
			if (!OidIsValid(sgc->eqop) || !sgc->hashable)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot group by column \"%s\": its type has no hash opclass",
								tle->resname)));
			key_names = lappend(key_names, tle->resname);
			if (def.windowed && lm_ddl_is_window_var((Node *) tle->expr, ws_attno))
			{
				has_window_key = true;
				if (((Var *) tle->expr)->varattno == ws_attno + 1)
					has_window_end = true;
				continue;
			}
			{
				Node *e = (Node *) tle->expr;

				if (def.windowed && IsA(e, Var) && ((Var *) e)->varno == 1)
				{
					TargetEntry *inner =
						list_nth(rte->subquery->targetList, ((Var *) e)->varattno - 1);

					e = (Node *) inner->expr;
				}
				/* the stream attribute the key is, if it is one (routing) */
				key_atts = lappend_int(key_atts, IsA(e, Var) && ((Var *) e)->varlevelsup == 0
													 ? ((Var *) e)->varattno
													 : InvalidAttrNumber);
			}
		}
		if (def.windowed && !has_window_key)
			ereport(
				ERROR,
				(errcode(ERRCODE_GROUPING_ERROR),
				 errmsg("a windowed view must GROUP BY window_start or window_end"),
				 errhint("Add window_start (and window_end) to GROUP BY and to the select list.")));
		if (def.spec.kind == LM_WINDOW_SESSION)
			lm_ddl_check_session(q, ws_attno, is_agg);
		if (def.spec.kind == LM_WINDOW_CUMULATE && !has_window_end)
			ereport(ERROR, (errcode(ERRCODE_GROUPING_ERROR),
							errmsg("a CUMULATE view must GROUP BY window_end"),
							errdetail("CUMULATE windows of one period share their window_start."),
							errhint("Add window_end to GROUP BY and to the select list.")));
	}
	route = lm_route_choose(is_agg, key_atts, &route_atts);

	/* the result table: exactly the select list's columns */
	initStringInfo(&ddl);
	appendStringInfo(&ddl, "CREATE TABLE %s (", lm_ddl_rv_quoted(rv));
	{
		bool first = true;

		foreach (lc, q->targetList)
		{
			TargetEntry *tle = lfirst_node(TargetEntry, lc);
			Oid typ = exprType((Node *) tle->expr);
			Oid coll = exprCollation((Node *) tle->expr);

			if (tle->resjunk)
				continue;
			if (tail.emit == LM_EMIT_CHANGES &&
				(strcmp(tle->resname, "_weight") == 0 || strcmp(tle->resname, "_seq") == 0))
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("an EMIT CHANGES view cannot have a column named %s", tle->resname),
						 errdetail("Its result table adds _weight and _seq to the select "
								   "list's columns."),
						 errhint("Rename the column with AS.")));
			if (typ == UNKNOWNOID)
				typ = TEXTOID;
			appendStringInfo(&ddl, "%s%s %s", first ? "" : ", ", quote_identifier(tle->resname),
							 format_type_with_typemod(typ, exprTypmod((Node *) tle->expr)));
			if (OidIsValid(coll) && coll != get_typcollation(typ))
				appendStringInfo(&ddl, " COLLATE %s", generate_collation_name(coll));
			first = false;
		}
	}
	/*
	 * EMIT CHANGES: the changelog's weight (+1 / -1) and its sequence, from
	 * an identity column, assigned in commit order (see sink/sink.c)
	 */
	if (tail.emit == LM_EMIT_CHANGES)
		appendStringInfoString(&ddl, ", _weight pg_catalog.int2 NOT NULL, _seq pg_catalog.int8 "
									 "GENERATED ALWAYS AS IDENTITY");
	appendStringInfoChar(&ddl, ')');
	/* rows of ON UPDATE views are rewritten constantly: leave room for HOT */
	if (is_agg && !emit_close && tail.emit != LM_EMIT_CHANGES)
		appendStringInfoString(&ddl, " WITH (fillfactor = 50)");
	lm_ddl_spi(ddl.data);
	relid = lm_ddl_resolve_created(rv, false);

	initStringInfo(&keys);
	foreach (lc, key_names)
		appendStringInfo(&keys, "%s%s", keys.len ? ", " : "",
						 quote_identifier((char *) lfirst(lc)));
	if (is_agg && key_names != NIL && !emit_close && tail.emit != LM_EMIT_CHANGES)
		lm_ddl_spi(psprintf("CREATE UNIQUE INDEX ON %s (%s) NULLS NOT DISTINCT",
							lm_ddl_qualified(relid), keys.data));
	/* consumers read a changelog by _seq */
	if (tail.emit == LM_EMIT_CHANGES)
		lm_ddl_spi(psprintf("CREATE UNIQUE INDEX ON %s (_seq)", lm_ddl_qualified(relid)));
	/* (a changelog starts empty: its first change is the first row) */
	if (is_agg && q->groupClause == NIL && tail.emit != LM_EMIT_CHANGES)
	{
		/* a global aggregate holds Postgres's answer over no events yet */
		lm_ddl_spi(psprintf("INSERT INTO %s %s", lm_ddl_qualified(relid), select_text));
	}

	/* the late-data table: checked or created, after the result table */
	if (tail.late_table != NULL)
		late_relid = lm_ddl_late_table(tail.late_table, def.stream);

	/*
	 * dependencies: the stream, every function, operator and column used,
	 * and the late-data table
	 */
	{
		ObjectAddress self, stream;

		ObjectAddressSet(self, RelationRelationId, relid);
		ObjectAddressSet(stream, RelationRelationId, def.stream);
		recordDependencyOn(&self, &stream, DEPENDENCY_NORMAL);
		recordDependencyOnExpr(&self, (Node *) q, NIL, DEPENDENCY_NORMAL);
		if (OidIsValid(late_relid))
		{
			ObjectAddressSet(stream, RelationRelationId, late_relid);
			recordDependencyOn(&self, &stream, DEPENDENCY_NORMAL);
		}
	}

	/*
	 * The catalog rows.  They name no role: a view runs as its result
	 * table's current owner (pg_class.relowner).  It reads its stream on
	 * port 0.
	 */
	{
		LmViewCatalog cat;
		LmViewInput input;
		int k = 0;

		memset(&cat, 0, sizeof(cat));
		cat.result_relid = relid;
		cat.stream_relid = def.stream;
		cat.kind = !is_agg ? LM_VIEW_STATELESS : def.windowed ? LM_VIEW_WINDOW : LM_VIEW_AGGREGATE;
		cat.emit = tail.emit;
		cat.windowed = def.windowed;
		cat.window_iv = def.window_iv;
		cat.window = def.spec;
		cat.slide_iv = def.windowed && def.spec.kind != LM_WINDOW_TUMBLE ? def.slide_iv : (Datum) 0;
		cat.offset_iv = def.offset_iv;
		cat.lateness_iv = tail.lateness_iv;
		cat.every_iv = tail.every_iv;
		cat.late_relid = late_relid;
		cat.definition = (char *) stmt_text;
		cat.query = lm_querydef_deparse(q);
		cat.route = route;
		cat.nroute = list_length(route_atts);
		cat.route_attnums = palloc(sizeof(AttrNumber) * Max(cat.nroute, 1));
		foreach (lc, route_atts)
			cat.route_attnums[k++] = lfirst_int(lc);
		cat.nkeycols = list_length(key_names);
		cat.keycols = palloc(sizeof(char *) * Max(cat.nkeycols, 1));
		k = 0;
		foreach (lc, key_names)
			cat.keycols[k++] = (char *) lfirst(lc);
		cat.timezone = (char *) GetConfigOption("TimeZone", false, false);
		cat.datestyle = (char *) GetConfigOption("DateStyle", false, false);
		cat.intervalstyle = (char *) GetConfigOption("IntervalStyle", false, false);
		memset(&input, 0, sizeof(input));
		input.port = 0;
		input.stream = def.stream;
		cat.ninputs = 1;
		cat.inputs = &input;
		lm_cat_view_insert(&cat);
	}
	lm_cat_mark_changed();
	return "CREATE MATERIALIZED VIEW";
}

/*
 * lm_ddl_execute_one dispatches one statement.
 */
static const char *
lm_ddl_execute_one(const char *stmt)
{
	LmToks t = lm_ddl_tokenize(stmt);

	if (lm_ddl_is(&t, 0, "create") && lm_ddl_is(&t, 1, "stream"))
		return lm_ddl_create_stream(&t);
	if (lm_ddl_is(&t, 0, "drop") && lm_ddl_is(&t, 1, "stream"))
		return lm_ddl_drop_stream(&t);
	if (lm_ddl_is(&t, 0, "create") && lm_ddl_is(&t, 1, "materialized") && lm_ddl_is(&t, 2, "view"))
		return lm_ddl_create_view(&t, stmt);
	if (lm_ddl_is(&t, 0, "drop") && lm_ddl_is(&t, 1, "materialized") && lm_ddl_is(&t, 2, "view"))
		return lm_ddl_drop_view(&t);
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("unsupported laminar statement: \"%s\"", lm_ddl_text(&t, 0, Min(t.n, 4))),
			 errhint("laminar.execute accepts CREATE STREAM, DROP STREAM, CREATE MATERIALIZED VIEW "
					 "and DROP MATERIALIZED VIEW.")));
	return NULL;
}

/*
 * lm_ddl_execute splits src into statements at top-level semicolons and
 * runs each with the caller's search_path user_path (the names the user
 * wrote resolve as in ordinary DDL); it returns their command tags
 * separated by "; ".
 */
char *
lm_ddl_execute(const char *src, const char *user_path)
{
	LmToks t = lm_ddl_tokenize(src);
	StringInfoData tags;
	int start = 0, depth = 0;
	int level;

	initStringInfo(&tags);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "laminar: SPI_connect failed");
	level = lm_cat_push_search_path(user_path);
	for (int i = 0; i <= t.n; i++)
	{
		if (i < t.n && lm_ddl_is_char(&t, i, '('))
			depth++;
		else if (i < t.n && lm_ddl_is_char(&t, i, ')'))
			depth--;
		if (i == t.n || (depth == 0 && lm_ddl_is_char(&t, i, ';')))
		{
			if (i > start)
			{
				char *stmt = lm_ddl_text(&t, start, i);
				const char *tag = lm_ddl_execute_one(stmt);

				if (tags.len > 0)
					appendStringInfoString(&tags, "; ");
				appendStringInfoString(&tags, tag);
			}
			start = i + 1;
		}
	}
	lm_cat_pop_search_path(level);
	SPI_finish();
	if (tags.len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR), errmsg("laminar.execute was given no statement"),
				 errhint("Pass one or more statements separated by semicolons.")));
	return tags.data;
}
