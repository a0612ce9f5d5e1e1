/*-------------------------------------------------------------------------
 *
 * sink.h
 *	  The sinks: the operators that write a view's changes into its
 *	  ordinary result table (see sink/README.md).
 *
 *	- the upsert sink (keyed ON UPDATE views, and global aggregates):
 *	  collapses each key's -old/+new into one write of its newest row, an
 *	  upsert or an in-place update, and owns the key -> row (TID) map;
 *	- the append sink (ON WINDOW CLOSE and stateless views): appends.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LAMINAR_SINK_H
#define LAMINAR_SINK_H

#include "executor/spi.h"
#include "storage/lockdefs.h"

#include "ops/op.h"

/* what a sink writes, filled by the planner */
typedef struct LmSinkDesc
{
	int32 view_id;
	Oid result_relid;
	bool upsert;   /* keyed ON UPDATE view or global aggregate */
	bool global;   /* no group columns: UPDATE of the table's one row */
	bool windowed; /* keys carry a window: forgotten when it closes */
	bool fresh;	   /* every row in the table was written by this process */
	bool changes;  /* EMIT CHANGES: append every change, its weight in the
					* last output (_weight int2); serialized per table */
	int nout;	   /* the view's output columns */
	Oid *outtypes; /* the query's output types (never the table's) */
	int32 *outtypmods;
	int16 *outlen;
	bool *outbyval;
	char *outalign;
	Oid *outarraytypes; /* InvalidOid: passed as text[] and cast */
	FmgrInfo *outfuncs; /* output functions of the text[] columns */
	char **outnames;
	int nkeycols; /* the group columns of the result table */
	char **keycols;
	int *keyout; /* outputs that are key columns */
	int nkeyout;
} LmSinkDesc;

extern LmOp *lm_sink_create(LmGraph *g, LmSinkDesc *desc);
extern void lm_sink_check_table(LmOp *op, LOCKMODE lockmode, bool writing);
extern void lm_sink_forget_plan(LmOp *op);
extern bool lm_sink_has_rows(LmOp *op);

#endif /* LAMINAR_SINK_H */
