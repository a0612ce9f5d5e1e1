/*-------------------------------------------------------------------------
 *
 * record.h
 *	  The records that travel through the rings, from a writing backend to a
 *	  stream worker (see ring/README.md, "Records").
 *
 *-------------------------------------------------------------------------
 */
#ifndef LAMINAR_RECORD_H
#define LAMINAR_RECORD_H

/* ---------------------------------------------------------------------
 * Ring records.  Every record starts with this 16-byte header and its
 * total length is a multiple of 8.  Types are the vocabulary of the whole
 * pipeline: later barriers (checkpoints) and shuffles reuse the format.
 * ---------------------------------------------------------------------
 */
typedef enum LmRecType
{
	LM_REC_EVENT = 1,	  /* header + MinimalTuple; view_id names the view,
						   * aux the stream whose row type it has */
	LM_REC_COMMIT = 2,	  /* the producer's staged events are committed
						   * (LmRecSeq: seq is the commit's number) */
	LM_REC_ABORT = 3,	  /* ... are rolled back */
	LM_REC_TRUNCATE = 4,  /* savepoint rollback: keep only `value` bytes */
	LM_REC_WATERMARK = 5, /* LmRecSeq: commit `seq` raises stream `aux`'s
						   * watermark to at least `value` */
	LM_REC_BARRIER = 6	  /* reserved for checkpoints */
} LmRecType;

typedef struct LmRecHeader
{
	uint32 len;	 /* total bytes including this header */
	uint16 type; /* LmRecType */
	uint16 flags;
	int32 view_id; /* EVENT: target view */
	uint32 aux;	   /* EVENT, WATERMARK: stream relid */
} LmRecHeader;

typedef struct LmRecValue
{
	LmRecHeader hdr;
	int64 value; /* TRUNCATE: bytes kept; WATERMARK: watermark */
} LmRecValue;

/*
 * COMMIT and WATERMARK records carry the global commit sequence number of
 * their transaction, so a worker can apply transactions in commit order
 * across its rings (see src/worker/README.md, "Commit order").
 */
typedef struct LmRecSeq
{
	LmRecHeader hdr;
	int64 value; /* WATERMARK: this transaction's max event time - delay */
	uint64 seq;	 /* lm_shared->commit_seq taken at COMMIT */
} LmRecSeq;

StaticAssertDecl(sizeof(LmRecHeader) == 16, "record header is 16 bytes");
StaticAssertDecl(sizeof(LmRecValue) == 24, "value record is 24 bytes");
StaticAssertDecl(sizeof(LmRecSeq) == 32, "sequenced record is 32 bytes");

#endif /* LAMINAR_RECORD_H */
