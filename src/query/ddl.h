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

#endif /* LAMINAR_DDL_H */
