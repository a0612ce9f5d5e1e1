/*-------------------------------------------------------------------------
 *
 * producer.h
 *	  Routing plans of streams, cached per backend by ingest/producer.c
 *	  (the routing policy itself is ingest/route.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef LAMINAR_PRODUCER_H
#define LAMINAR_PRODUCER_H

#include "access/tupdesc.h"
#include "fmgr.h"

#include "ingest/route.h"

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
	/*
	 * Every column of fixed length (no varlena, no dropped column): a row
	 * without NULLs is laid out at fixed offsets (heap_fill_tuple's own
	 * alignment), fixlen bytes of data, formed by lm_prod_form_fixed.
	 */
	bool fixed;
	Size fixlen;
	int32 *fixoff;
	int txn_index; /* cached index into the xact's streams */
	int nviews;
	LmViewRoute *views;
} LmStreamRoute;

#endif /* LAMINAR_PRODUCER_H */
