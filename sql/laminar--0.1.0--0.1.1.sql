-- laminar 0.1.0 -> 0.1.1: the security and robustness fixes of issue 9.
-- Every change here is also in laminar--0.1.1.sql (the fresh install);
-- test/upgrade/run.sh checks that both give the same objects.
\echo Use "ALTER EXTENSION laminar UPDATE TO '0.1.1'" to load this file. \quit

-- ===== every function has a fixed search_path; watermark without overflow; owner from pg_class =====
ALTER FUNCTION laminar._fdw_handler() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION laminar.flush(interval) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION laminar._catalog_changed() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION laminar._stream_stats() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION laminar._view_stats() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION laminar._worker_stats() SET search_path = pg_catalog, pg_temp;

-- A stream's watermark, max_time - delay, computed with overflow checks
-- (-infinity when it falls below the timestamptz range; NULL before the
-- first event time).
CREATE FUNCTION laminar._watermark(max_time timestamptz, delay_us int8) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'laminar_watermark' LANGUAGE C IMMUTABLE
    SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE VIEW laminar.streams AS
    SELECT s.stream,
           s.ts_column AS watermark_column,
           s.watermark_delay,
           laminar._watermark(st.max_time, s.watermark_delay_us) AS watermark,
           coalesce(st.events_in, 0) AS events_in
      FROM laminar._streams s
      LEFT JOIN laminar._stream_stats() st ON st.stream = s.stream::oid;

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
           vs.last_error,
           greatest(v.created_at, (SELECT max(w.started_at) FROM laminar._worker_stats() w)) AS counting_since
      FROM laminar._views v
      JOIN laminar._streams s ON s.stream = v.stream
      JOIN pg_catalog.pg_class c ON c.oid = v.view
      LEFT JOIN laminar._stream_stats() st ON st.stream = v.stream::oid
      LEFT JOIN laminar._view_stats() vs ON vs.view_id = v.id;

-- ===== security: search_path-proof functions, owner from pg_class =====

-- laminar.execute gets a fixed search_path; the caller's path arrives as a
-- second argument.  A new signature means a new function: the old one is
-- renamed, its grants copied to the new one, and dropped.
ALTER FUNCTION laminar.execute(text) RENAME TO _execute_0_1_0;
CREATE FUNCTION laminar.execute(statements text,
                                search_path text DEFAULT pg_catalog.current_setting('search_path'))
    RETURNS text
    AS 'MODULE_PATHNAME', 'laminar_execute' LANGUAGE C VOLATILE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION laminar.execute(text, text) IS
    'runs CREATE/DROP STREAM and CREATE/DROP MATERIALIZED VIEW statements';
DO $grants$
DECLARE
    g record;
BEGIN
    IF (SELECT p.proacl FROM pg_catalog.pg_proc p
         WHERE p.oid OPERATOR(pg_catalog.=) 'laminar._execute_0_1_0(text)'::pg_catalog.regprocedure) IS NOT NULL THEN
        REVOKE ALL ON FUNCTION laminar.execute(text, text) FROM PUBLIC;
        FOR g IN SELECT a.grantee, a.is_grantable
                   FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
                  WHERE p.oid OPERATOR(pg_catalog.=) 'laminar._execute_0_1_0(text)'::pg_catalog.regprocedure
        LOOP
            EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION laminar.execute(text, text) TO %s%s',
                CASE WHEN g.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                     ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(g.grantee)) END,
                CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;
    END IF;
END
$grants$;
DROP FUNCTION laminar._execute_0_1_0(text);

-- A view runs as its result table's current owner (pg_class.relowner):
-- the creator recorded here is no longer read, and a role column would
-- keep a dropped role's OID.
ALTER TABLE laminar._views DROP COLUMN owner;

-- ===== crashes: watermark, result-table shape, stream ALTER guard =====

-- ===== data: non-finite times, composite columns, bad events =====

-- ===== monitoring: error visibility, per-view timeouts, memory =====

-- ===== ordering and restart: commit order, persisted horizons =====

-- ===== operations: pg_dump / pg_restore =====
