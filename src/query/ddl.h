/*-------------------------------------------------------------------------
 *
 * ddl.h
 *	  The LaminarDB-style statement language of laminar.execute().
 *
 *-------------------------------------------------------------------------
 */
#ifndef LAMINAR_DDL_H
#define LAMINAR_DDL_H

extern char *lm_ddl_execute(const char *src, const char *user_path);
extern int64 lm_ddl_interval_us(Datum interval, const char *what);

/* querydef.c: a view's query as schema-qualified SQL (survives pg_dump) */
struct Query;
extern char *lm_querydef_deparse(struct Query *q);
extern struct Query *lm_querydef_analyze(const char *sql, bool windowed);
extern List *lm_querydef_rename_begin(void);
extern void lm_querydef_rename_end(List *views);
extern void lm_query_check_aggs(Node *node, bool stored);

#endif /* LAMINAR_DDL_H */
