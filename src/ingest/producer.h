/*-------------------------------------------------------------------------
 *
 * producer.h
 *	  Routing plans of streams, cached per backend by ingest/producer.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef LAMINAR_PRODUCER_H
#define LAMINAR_PRODUCER_H

#include "access/tupdesc.h"
#include "fmgr.h"

#define LM_MAX_ROUTE_KEYS 32

#define LM_ROUTE_KEYS 'k'	  /* hash of the group key columns */
#define LM_ROUTE_SINGLE 's'	  /* one worker per view */
#define LM_ROUTE_PRODUCER 'p' /* stateless: the producer's own worker */

typedef struct LmViewRoute
{
	int32 view_id;
	char mode;
	int single_worker;
	int nkeys;
	int attidx[LM_MAX_ROUTE_KEYS];
	bool raw[LM_MAX_ROUTE_KEYS]; /* hash the Datum bits */
	Oid collation[LM_MAX_ROUTE_KEYS];
	FmgrInfo hashfn[LM_MAX_ROUTE_KEYS];
} LmViewRoute;

typedef struct LmStreamRoute
{
	Oid relid;
	LmStreamShared *slot;
	TupleDesc desc;
	int natts;
	AttrNumber ts_attnum; /* 0 if the stream has no WATERMARK */
	bool has_wm;
	int64 delay; /* watermark delay, microseconds */
	int nvarlena;
	int *varlena_atts;
	int nnotnull;
	int *notnull_atts;
	int txn_index; /* cached index into the xact's streams */
	int nviews;
	LmViewRoute *views;
} LmStreamRoute;

#endif /* LAMINAR_PRODUCER_H */
