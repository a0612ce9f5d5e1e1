/*-------------------------------------------------------------------------
 *
 * fdw.c
 *	  The stream relation: a foreign table of the `laminar` server.
 *
 * INSERT (VALUES, SELECT, prepared) and COPY FROM reach ExecForeignInsert,
 * which hands each row to the producer (producer.c).  A stream keeps no
 * history, so a scan returns no rows: SELECT from a stream is empty, which
 * also lets EXPLAIN and the planner treat a stream like an empty table.
 * UPDATE, DELETE and TRUNCATE are refused by the core because the FDW
 * offers no callbacks for them.
 *
 * The routing plan is looked up once per statement (Begin* callbacks) and
 * kept in ri_FdwState; the per-row path does no catalog access.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "nodes/makefuncs.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/rel.h"

#include "laminar.h"
#include "ingest/producer.h"

PG_FUNCTION_INFO_V1(laminar_fdw_handler);

/*
 * lm_fdw_rel_size estimates a stream as empty.
 */
static void
lm_fdw_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	baserel->rows = 0;
}

/*
 * lm_fdw_paths offers the one (empty) scan path.
 */
static void
lm_fdw_paths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	add_path(baserel,
			 (Path *) create_foreignscan_path(root, baserel, NULL, 0, 0, 0, NIL, NULL, NULL, NIL));
}

/*
 * lm_fdw_plan builds the scan node.
 */
static ForeignScan *
lm_fdw_plan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid, ForeignPath *best_path,
			List *tlist, List *scan_clauses, Plan *outer_plan)
{
	scan_clauses = extract_actual_clauses(scan_clauses, false);
	return make_foreignscan(tlist, scan_clauses, baserel->relid, NIL, NIL, NIL, NIL, outer_plan);
}

/*
 * lm_fdw_begin_scan has nothing to set up.
 */
static void
lm_fdw_begin_scan(ForeignScanState *node, int eflags)
{
}

/*
 * lm_fdw_iterate returns end-of-scan: streams keep no history.
 */
static TupleTableSlot *
lm_fdw_iterate(ForeignScanState *node)
{
	return ExecClearTuple(node->ss.ss_ScanTupleSlot);
}

/*
 * lm_fdw_rescan has nothing to reset.
 */
static void
lm_fdw_rescan(ForeignScanState *node)
{
}

/*
 * lm_fdw_end_scan has nothing to release.
 */
static void
lm_fdw_end_scan(ForeignScanState *node)
{
}

/*
 * lm_fdw_updatable allows INSERT only.
 */
static int
lm_fdw_updatable(Relation rel)
{
	return (1 << CMD_INSERT);
}

/*
 * lm_fdw_plan_modify needs no private plan data.
 */
static List *
lm_fdw_plan_modify(PlannerInfo *root, ModifyTable *plan, Index resultRelation, int subplan_index)
{
	return NIL;
}

/*
 * lm_fdw_begin_modify looks up the routing plan for an INSERT.
 */
static void
lm_fdw_begin_modify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private,
					int subplan_index, int eflags)
{
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	rinfo->ri_FdwState = lm_prod_begin_statement(RelationGetRelid(rinfo->ri_RelationDesc));
}

/*
 * lm_fdw_insert accepts one row.
 */
static TupleTableSlot *
lm_fdw_insert(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	lm_prod_insert((LmStreamRoute *) rinfo->ri_FdwState, slot);
	return slot;
}

/*
 * lm_fdw_end_modify has nothing to release: batches belong to the
 * transaction, not the statement.
 */
static void
lm_fdw_end_modify(EState *estate, ResultRelInfo *rinfo)
{
}

/*
 * lm_fdw_begin_insert looks up the routing plan for COPY FROM.
 */
static void
lm_fdw_begin_insert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	rinfo->ri_FdwState = lm_prod_begin_statement(RelationGetRelid(rinfo->ri_RelationDesc));
}

/*
 * lm_fdw_end_insert has nothing to release.
 */
static void
lm_fdw_end_insert(EState *estate, ResultRelInfo *rinfo)
{
}

/*
 * laminar_fdw_handler returns the FDW routine.  Every scan callback is set:
 * a NULL one would be a NULL call, i.e. a crash of the backend.
 */
Datum
laminar_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *r = makeNode(FdwRoutine);

	r->GetForeignRelSize = lm_fdw_rel_size;
	r->GetForeignPaths = lm_fdw_paths;
	r->GetForeignPlan = lm_fdw_plan;
	r->BeginForeignScan = lm_fdw_begin_scan;
	r->IterateForeignScan = lm_fdw_iterate;
	r->ReScanForeignScan = lm_fdw_rescan;
	r->EndForeignScan = lm_fdw_end_scan;
	r->IsForeignRelUpdatable = lm_fdw_updatable;
	r->PlanForeignModify = lm_fdw_plan_modify;
	r->BeginForeignModify = lm_fdw_begin_modify;
	r->ExecForeignInsert = lm_fdw_insert;
	r->EndForeignModify = lm_fdw_end_modify;
	r->BeginForeignInsert = lm_fdw_begin_insert;
	r->EndForeignInsert = lm_fdw_end_insert;
	PG_RETURN_POINTER(r);
}
