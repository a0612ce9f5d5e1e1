-- laminar 0.3.0: streams, continuous views, monitoring (fresh install; laminar--0.1.0--0.1.1.sql,
-- laminar--0.1.1--0.2.0.sql and laminar--0.2.0--0.3.0.sql upgrade older versions to the same objects).
\echo Use "CREATE EXTENSION laminar" to load this file. \quit

-- The stream relation: foreign tables of server laminar.
CREATE FUNCTION laminar._fdw_handler() RETURNS fdw_handler
    AS 'MODULE_PATHNAME', 'laminar_fdw_handler' LANGUAGE C STRICT
    SET search_path = pg_catalog, pg_temp;
GRANT USAGE ON SCHEMA laminar TO PUBLIC;
CREATE FOREIGN DATA WRAPPER laminar HANDLER laminar._fdw_handler;
CREATE SERVER laminar FOREIGN DATA WRAPPER laminar;
GRANT USAGE ON FOREIGN SERVER laminar TO PUBLIC;

-- Catalog.  Rows are written by laminar.execute() as the bootstrap
-- superuser (they decide what runs as the owner of a result table); everyone
-- may read them.  They name no role: a view runs as its result table's
-- current owner (pg_class.relowner).
CREATE TABLE laminar._streams (
    stream              regclass PRIMARY KEY,
    ts_column           name,
    ts_attnum           int2,
    watermark_delay     interval,
    watermark_delay_us  int8,
    idle_timeout        interval
);

CREATE TABLE laminar._views (
    id              serial PRIMARY KEY,
    view            regclass NOT NULL UNIQUE,
    stream          regclass NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('stateless', 'aggregate', 'window')),
    emit            text NOT NULL,
    window_size     interval,
    definition      text NOT NULL,
    query           text NOT NULL,
    route           "char" NOT NULL,
    route_attnums   int2[],
    key_columns     text[] NOT NULL,
    timezone        text NOT NULL,
    datestyle       text NOT NULL,
    intervalstyle   text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- 0.3.0: the window (see laminar--0.2.0--0.3.0.sql), lateness
    window_kind     text CONSTRAINT _views_window_kind_check
                        CHECK (window_kind IN ('tumble', 'hop', 'cumulate', 'session')),
    window_slide    interval,
    window_offset   interval,
    allowed_lateness interval,
    emit_every      interval,
    late_table      regclass,
    CONSTRAINT _views_emit_check
        CHECK (emit IN ('on update', 'on window close', 'after watermark', 'final', 'every', 'changes'))
);
GRANT SELECT ON laminar._streams, laminar._views TO PUBLIC;

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

-- What each view reads, port by port (src/catalog/README.md, "Inputs").
-- Port 0 of every view is the stream it reads today; a later version adds
-- views whose input is another view (input_view) and more ports (joins).
-- Exactly one of stream and input_view is set.  Rows go with their view
-- (ON DELETE CASCADE); a view that another view reads cannot lose its row
-- while that one remains; a statement that removes both defers that check
-- (SET CONSTRAINTS), or its outcome would depend on the order of the rows.
-- Written by laminar.execute() as the bootstrap superuser, like the other
-- catalog rows.
CREATE TABLE laminar._view_inputs (
    view_id     int4 NOT NULL REFERENCES laminar._views (id) ON DELETE CASCADE,
    port        int2 NOT NULL CONSTRAINT port_not_negative CHECK (port >= 0),
    stream      regclass,
    input_view  int4 REFERENCES laminar._views (id) DEFERRABLE,
    PRIMARY KEY (view_id, port),
    CONSTRAINT one_source CHECK ((stream IS NULL) <> (input_view IS NULL)),
    CONSTRAINT not_itself CHECK (input_view <> view_id)
);
GRANT SELECT ON laminar._view_inputs TO PUBLIC;
-- dumped with the data, like the other catalog tables; pg_dump loads it
-- after laminar._views (its foreign keys)
SELECT pg_catalog.pg_extension_config_dump('laminar._view_inputs', '');
-- rows arriving (a restore) tell the workers, as stream rows do
CREATE TRIGGER view_inputs_inserted AFTER INSERT ON laminar._view_inputs
    FOR EACH STATEMENT EXECUTE FUNCTION laminar._streams_inserted();
ALTER TABLE laminar._view_inputs ENABLE ALWAYS TRIGGER view_inputs_inserted;

-- Statements and the barrier.  laminar.execute runs with a fixed
-- search_path like every function here; the caller's path arrives as the
-- second argument (a default is evaluated in the calling query, before the
-- function's SET applies) and is used only to resolve the names the user
-- wrote, as the caller.
CREATE FUNCTION laminar.execute(statements text,
                                search_path text DEFAULT pg_catalog.current_setting('search_path'))
    RETURNS text
    AS 'MODULE_PATHNAME', 'laminar_execute' LANGUAGE C VOLATILE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION laminar.execute(text, text) IS
    'runs CREATE/DROP STREAM and CREATE/DROP MATERIALIZED VIEW statements';

CREATE FUNCTION laminar.flush(timeout interval DEFAULT '30s') RETURNS void
    AS 'MODULE_PATHNAME', 'laminar_flush' LANGUAGE C VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION laminar.flush(interval) IS
    'returns once every event committed before the call is processed and its effects are committed';

CREATE FUNCTION laminar._catalog_changed() RETURNS void
    AS 'MODULE_PATHNAME', 'laminar_catalog_changed' LANGUAGE C VOLATILE
    SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION laminar._catalog_changed() FROM PUBLIC;

-- Monitoring.
CREATE FUNCTION laminar._stream_stats(OUT stream oid, OUT max_time timestamptz, OUT events_in int8)
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'laminar_stream_stats' LANGUAGE C VOLATILE
    SET search_path = pg_catalog, pg_temp;
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

-- A stream's watermark, max_time - delay, computed with overflow checks
-- (-infinity when it falls below the timestamptz range; NULL before the
-- first event time).
CREATE FUNCTION laminar._watermark(max_time timestamptz, delay_us int8) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'laminar_watermark' LANGUAGE C IMMUTABLE
    SET search_path = pg_catalog, pg_temp;

CREATE VIEW laminar.streams AS
    SELECT s.stream,
           s.ts_column AS watermark_column,
           s.watermark_delay,
           laminar._watermark(st.max_time, s.watermark_delay_us) AS watermark,
           coalesce(st.events_in, 0) AS events_in,
           s.idle_timeout
      FROM laminar._streams s
      LEFT JOIN laminar._stream_stats() st ON st.stream = s.stream::oid;

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

GRANT SELECT ON laminar.streams, laminar.views, laminar.workers TO PUBLIC;

-- Dropping a stream or a result table by any route (DROP TABLE, DROP
-- FOREIGN TABLE ... CASCADE, DROP SCHEMA ... CASCADE) removes its catalog rows.
CREATE FUNCTION laminar._on_sql_drop() RETURNS event_trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n int := 0;
    m int := 0;
BEGIN
    IF to_regclass('laminar._views') IS NULL THEN
        RETURN;
    END IF;
    DELETE FROM laminar._views v
     USING pg_event_trigger_dropped_objects() d
     WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0
       AND (d.objid = v.view::oid OR d.objid = v.stream::oid);
    GET DIAGNOSTICS n = ROW_COUNT;
    DELETE FROM laminar._streams s
     USING pg_event_trigger_dropped_objects() d
     WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0 AND d.objid = s.stream::oid;
    GET DIAGNOSTICS m = ROW_COUNT;
    IF n + m > 0 THEN
        PERFORM laminar._catalog_changed();
    END IF;
END
$$;
CREATE EVENT TRIGGER laminar_sql_drop ON sql_drop EXECUTE FUNCTION laminar._on_sql_drop();

SELECT laminar._catalog_changed();

-- operator graph (lead)
-- laminar.explain prints a view's operator graph, one operator per line in
-- the order data flows, with the rows in and out and the state held, summed
-- over the workers; for roles that may read the view's result table.
CREATE FUNCTION laminar.explain(view regclass) RETURNS SETOF text
    AS 'MODULE_PATHNAME', 'laminar_explain' LANGUAGE C STRICT VOLATILE
    SET search_path = pg_catalog, pg_temp;

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
