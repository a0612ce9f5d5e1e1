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

-- (The monitoring section below re-creates laminar.views with more columns;
-- this version must come first: it stops reading _views.owner, which the
-- security section drops before that.)
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
-- 0.1.0 accepted streams and views in temporary schemas.  Their catalog rows
-- outlived the session (no sql_drop event fires when a session's temporary
-- objects go), and workers log "could not open relation" for them at every
-- start.  0.1.1 refuses such objects; remove the rows left behind, and those
-- of temporary objects that still exist (no worker can ever open them).
DELETE FROM laminar._views v
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                    WHERE c.oid OPERATOR(pg_catalog.=) v.view::pg_catalog.oid
                      AND c.relpersistence OPERATOR(pg_catalog.<>) 't')
    OR NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                    WHERE c.oid OPERATOR(pg_catalog.=) v.stream::pg_catalog.oid
                      AND c.relpersistence OPERATOR(pg_catalog.<>) 't');
DELETE FROM laminar._streams s
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_class c
                    WHERE c.oid OPERATOR(pg_catalog.=) s.stream::pg_catalog.oid
                      AND c.relpersistence OPERATOR(pg_catalog.<>) 't');
SELECT laminar._catalog_changed();

-- ===== monitoring: error visibility, per-view timeouts, memory =====
-- New counters (skipped_events, skipped_rows, timeouts, last_skip_error),
-- the view of a worker's last error, and error texts shown only to roles
-- that may read the view's result table.  The functions' result types
-- change, so they and the views over them are dropped and re-created.
DROP VIEW laminar.views;
DROP VIEW laminar.workers;
DROP FUNCTION laminar._view_stats();
DROP FUNCTION laminar._worker_stats();
CREATE FUNCTION laminar._view_stats(OUT view_id int4, OUT events_in int8, OUT late_events int8,
                                    OUT null_time_events int8, OUT rows_emitted int8, OUT last_error text,
                                    OUT skipped_events int8, OUT skipped_rows int8, OUT timeouts int8,
                                    OUT last_skip_error text)
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'laminar_view_stats' LANGUAGE C VOLATILE
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION laminar._worker_stats(OUT worker_id int4, OUT pid int4, OUT cpu int4, OUT pinned bool,
                                      OUT numa_node int4, OUT events_in int8, OUT ring_used int8,
                                      OUT ring_capacity int8, OUT groups_held int8, OUT restarts int4,
                                      OUT last_error text, OUT placement text, OUT started_at timestamptz,
                                      OUT last_error_view oid)
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'laminar_worker_stats' LANGUAGE C VOLATILE
    SET search_path = pg_catalog, pg_temp;

-- Error texts may quote row values (a cast error names the value): like
-- pg_stat_activity with other users' queries, they are shown only to roles
-- that may read the view's result table, members of its owner, and
-- pg_read_all_stats (superusers pass every test); others see
-- '<insufficient privilege>'.
CREATE VIEW laminar.views AS
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
                THEN vs.last_skip_error ELSE '<insufficient privilege>' END AS last_skip_error
      FROM laminar._views v
      JOIN laminar._streams s ON s.stream = v.stream
      JOIN pg_catalog.pg_class c ON c.oid = v.view
      LEFT JOIN laminar._stream_stats() st ON st.stream = v.stream::oid
      LEFT JOIN laminar._view_stats() vs ON vs.view_id = v.id;

-- A worker's last error is shown by the same rule as the view it came
-- from (last_error_view); an error of no view only to pg_read_all_stats.
CREATE VIEW laminar.workers AS
    SELECT w.worker_id, w.pid, w.cpu, w.pinned, w.numa_node, w.events_in, w.ring_used,
           w.ring_capacity, w.groups_held, w.restarts,
           CASE WHEN w.last_error IS NULL
                  OR pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE')
                  OR (c.oid IS NOT NULL
                      AND (pg_catalog.has_table_privilege(c.oid, 'SELECT')
                           OR pg_catalog.pg_has_role(c.relowner, 'USAGE')))
                THEN w.last_error ELSE '<insufficient privilege>' END AS last_error,
           w.placement, w.started_at,
           c.oid::regclass AS last_error_view
      FROM laminar._worker_stats() w
      LEFT JOIN pg_catalog.pg_class c ON c.oid = w.last_error_view;

GRANT SELECT ON laminar.views, laminar.workers TO PUBLIC;


-- ===== ordering and restart: commit order, persisted horizons =====

-- Progress of windowed views, written by the stream workers in the same
-- transaction as the result rows of the windows they close: every window
-- ending at or before `horizon` is closed for good, also across restarts
-- (an event for one counts as late), and `watermark` was the stream's
-- watermark on that worker then; a restarted worker starts from them.
CREATE TABLE laminar._horizons (
    view_id     int4 NOT NULL REFERENCES laminar._views (id) ON DELETE CASCADE,
    worker      int4 NOT NULL,
    horizon     timestamptz NOT NULL,
    watermark   timestamptz NOT NULL,
    written_at  timestamptz NOT NULL,
    PRIMARY KEY (view_id, worker)
);
GRANT SELECT ON laminar._horizons TO PUBLIC;

-- ===== operations: pg_dump / pg_restore =====

-- pg_dump / pg_restore: the catalog rows are dumped with the data (regclass
-- and regrole columns dump as names and resolve again on restore), and so
-- is the view-id sequence.  laminar._views.query holds the view's SELECT as
-- schema-qualified SQL (src/query/querydef.c), which the workers analyse
-- again when they load a view.  pg_dump does not dump pg_depend: the
-- trigger below records a restored view's dependencies again (as the owner
-- of its result table) and tells the workers.  Only the table owner (a
-- superuser) and laminar.execute() insert rows, so it never runs for
-- ordinary users; ENABLE ALWAYS keeps it on under session_replication_role.
CREATE FUNCTION laminar._views_inserted() RETURNS trigger
    AS 'MODULE_PATHNAME', 'laminar_views_inserted' LANGUAGE C
    SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION laminar._views_inserted() FROM PUBLIC;
CREATE TRIGGER views_inserted AFTER INSERT ON laminar._views
    FOR EACH ROW EXECUTE FUNCTION laminar._views_inserted();
ALTER TABLE laminar._views ENABLE ALWAYS TRIGGER views_inserted;
SELECT pg_catalog.pg_extension_config_dump('laminar._streams', '');
SELECT pg_catalog.pg_extension_config_dump('laminar._views', '');
SELECT pg_catalog.pg_extension_config_dump('laminar._views_id_seq', '');
-- saved horizons and watermarks: restored views keep them (view ids are
-- dumped too), so a window written before the dump is not written again
SELECT pg_catalog.pg_extension_config_dump('laminar._horizons', '');
-- A restore may load laminar._streams after laminar._views (pg_dump orders
-- the catalog tables' data by their foreign keys): tell the workers when
-- stream rows arrive too, so views restored before their stream start.
CREATE FUNCTION laminar._streams_inserted() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM laminar._catalog_changed();
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION laminar._streams_inserted() FROM PUBLIC;
CREATE TRIGGER streams_inserted AFTER INSERT ON laminar._streams
    FOR EACH STATEMENT EXECUTE FUNCTION laminar._streams_inserted();
ALTER TABLE laminar._streams ENABLE ALWAYS TRIGGER streams_inserted;

-- 0.1.0 stored the analysed Query (nodeToString, with OIDs): write it as SQL.
-- (Rows created by the 0.1.1 library before this update already hold SQL.)
CREATE FUNCTION laminar._querydef_from_nodes(text) RETURNS text
    AS 'MODULE_PATHNAME', 'laminar_querydef_from_nodes' LANGUAGE C STRICT
    SET search_path = pg_catalog, pg_temp;
UPDATE laminar._views SET query = laminar._querydef_from_nodes(query)
 WHERE query LIKE '{QUERY %';
DROP FUNCTION laminar._querydef_from_nodes(text);
