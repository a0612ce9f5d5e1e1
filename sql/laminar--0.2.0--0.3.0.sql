-- laminar 0.2.0 -> 0.3.0: every window, every EMIT mode, late data (issue 11).
-- Every change here is also in laminar--0.3.0.sql (the fresh install);
-- test/upgrade/run.sh checks that both give the same objects.
\echo Use "ALTER EXTENSION laminar UPDATE TO '0.3.0'" to load this file. \quit

-- ===== catalog: the window of a view, its EMIT mode and lateness =====
-- window_kind: 'tumble', 'hop' or 'cumulate' (NULL for a view without a
-- window; every windowed view of 0.2.0 is a TUMBLE).  window_size is the
-- TUMBLE and HOP size and the CUMULATE max_size; window_slide the HOP slide
-- and the CUMULATE step (NULL for TUMBLE); window_offset the alignment
-- after 1970-01-01 00:00 UTC (NULL: none); allowed_lateness ALLOW LATENESS
-- (NULL: none); emit_every the period of EMIT EVERY (emit = 'every');
-- late_table the table LATE DATA TO appends late events to (NULL: none).
ALTER TABLE laminar._views DROP CONSTRAINT _views_emit_check;
ALTER TABLE laminar._views ADD CONSTRAINT _views_emit_check
    CHECK (emit IN ('on update', 'on window close', 'after watermark', 'final', 'every', 'changes'));
ALTER TABLE laminar._views
    ADD COLUMN window_kind text CONSTRAINT _views_window_kind_check
        CHECK (window_kind IN ('tumble', 'hop', 'cumulate', 'session')),
    ADD COLUMN window_slide interval,
    ADD COLUMN window_offset interval,
    ADD COLUMN allowed_lateness interval,
    ADD COLUMN emit_every interval,
    ADD COLUMN late_table regclass;
UPDATE laminar._views SET window_kind = 'tumble' WHERE window_size IS NOT NULL;

-- ===== catalog: a stream's idle_timeout =====
-- CREATE STREAM ... WITH (idle_timeout = '5s'): once no commit to the
-- stream has arrived for that long, the workers move its watermark on at
-- wall-clock rate (NULL: never).
ALTER TABLE laminar._streams ADD COLUMN idle_timeout interval;
CREATE OR REPLACE VIEW laminar.streams AS
    SELECT s.stream,
           s.ts_column AS watermark_column,
           s.watermark_delay,
           laminar._watermark(st.max_time, s.watermark_delay_us) AS watermark,
           coalesce(st.events_in, 0) AS events_in,
           s.idle_timeout
      FROM laminar._streams s
      LEFT JOIN laminar._stream_stats() st ON st.stream = s.stream::oid;

-- laminar.views shows them (new columns at the end)
CREATE OR REPLACE VIEW laminar.views AS
    SELECT v.view,
           v.stream,
           v.kind,
           v.emit,
           v.window_size,
           v.definition,
           c.relowner::regrole AS owner,
           laminar._watermark(st.max_time, s.watermark_delay_us) AS watermark,
           coalesce(vs.events_in, 0) AS events_in,
           coalesce(vs.late_events, 0) AS late_events,
           coalesce(vs.null_time_events, 0) AS null_time_events,
           coalesce(vs.rows_emitted, 0) AS rows_emitted,
           CASE WHEN vs.last_error IS NULL
                  OR pg_catalog.has_table_privilege(c.oid, 'SELECT')
                  OR pg_catalog.pg_has_role(c.relowner, 'USAGE')
                  OR pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE')
                THEN vs.last_error ELSE '<insufficient privilege>' END AS last_error,
           greatest(v.created_at, (SELECT max(w.started_at) FROM laminar._worker_stats() w)) AS counting_since,
           coalesce(vs.skipped_events, 0) AS skipped_events,
           coalesce(vs.skipped_rows, 0) AS skipped_rows,
           coalesce(vs.timeouts, 0) AS timeouts,
           CASE WHEN vs.last_skip_error IS NULL
                  OR pg_catalog.has_table_privilege(c.oid, 'SELECT')
                  OR pg_catalog.pg_has_role(c.relowner, 'USAGE')
                  OR pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE')
                THEN vs.last_skip_error ELSE '<insufficient privilege>' END AS last_skip_error,
           v.window_kind,
           v.window_slide,
           v.window_offset,
           v.allowed_lateness,
           v.emit_every,
           v.late_table
      FROM laminar._views v
      JOIN laminar._streams s ON s.stream = v.stream
      JOIN pg_catalog.pg_class c ON c.oid = v.view
      LEFT JOIN laminar._stream_stats() st ON st.stream = v.stream::oid
      LEFT JOIN laminar._view_stats() vs ON vs.view_id = v.id;

-- laminar.advance_watermark moves a stream's watermark forward by hand (so
-- that the last windows close when no more events come); it takes effect
-- when the calling transaction commits, needs ownership of the stream, and
-- never moves a watermark back.
CREATE FUNCTION laminar.advance_watermark(stream regclass, ts timestamptz) RETURNS void
    AS 'MODULE_PATHNAME', 'laminar_advance_watermark' LANGUAGE C STRICT VOLATILE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION laminar.advance_watermark(regclass, timestamptz) IS
    'moves the watermark of a stream forward to ts when the transaction commits (stream owner only)';

-- laminar.compact_changes folds the rows of an EMIT CHANGES table with
-- _seq <= upto into their net weights: one row per distinct row whose
-- weights do not sum to 0, with the highest _seq of its rows, so that sums
-- of _weight stay what they were and readers past upto see nothing new.
-- It runs as the caller (the table's owner, or a role that may DELETE and
-- INSERT there), holding the table as the workers do when they write, and
-- returns how many rows it removed.
CREATE FUNCTION laminar.compact_changes(view regclass, upto bigint) RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cols text;
    removed bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM laminar._views v
                    WHERE v.view OPERATOR(pg_catalog.=) compact_changes.view
                      AND v.emit OPERATOR(pg_catalog.=) 'changes') THEN
        RAISE EXCEPTION USING ERRCODE = 'wrong_object_type',
            MESSAGE = pg_catalog.format('%s is not the result table of an EMIT CHANGES view', view),
            HINT = 'Pass the table of a view created with EMIT CHANGES.';
    END IF;
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
      INTO cols
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid OPERATOR(pg_catalog.=) view AND a.attnum OPERATOR(pg_catalog.>) 0
       AND NOT a.attisdropped AND a.attname NOT IN ('_weight', '_seq');
    EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', view);
    EXECUTE pg_catalog.format(
        'WITH old AS (DELETE FROM ONLY %1$s WHERE _seq OPERATOR(pg_catalog.<=) $1 RETURNING *), '
        'net AS (SELECT %2$s, pg_catalog.sum(_weight)::pg_catalog.int2 AS _weight, pg_catalog.max(_seq) AS _seq '
        '        FROM old GROUP BY %2$s HAVING pg_catalog.sum(_weight) OPERATOR(pg_catalog.<>) 0), '
        'ins AS (INSERT INTO %1$s (%2$s, _weight, _seq) OVERRIDING SYSTEM VALUE '
        '        SELECT %2$s, _weight, _seq FROM net RETURNING 1) '
        'SELECT (SELECT pg_catalog.count(*) FROM old) OPERATOR(pg_catalog.-) '
        '       (SELECT pg_catalog.count(*) FROM ins)', view, cols)
      INTO removed USING upto;
    RETURN removed;
END
$$;
