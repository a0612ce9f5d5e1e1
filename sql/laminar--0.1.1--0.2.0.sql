-- laminar 0.1.1 -> 0.2.0: the catalog can say what a view reads (issue 10).
-- Every change here is also in laminar--0.2.0.sql (the fresh install);
-- test/upgrade/run.sh checks that both give the same objects.
\echo Use "ALTER EXTENSION laminar UPDATE TO '0.2.0'" to load this file. \quit

-- ===== catalog: the inputs of every view =====
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
-- every existing view reads its stream on port 0
INSERT INTO laminar._view_inputs (view_id, port, stream)
SELECT v.id, 0, v.stream FROM laminar._views v;

-- operator graph (lead)
-- laminar.explain prints a view's operator graph, one operator per line in
-- the order data flows, with the rows in and out and the state held, summed
-- over the workers; for roles that may read the view's result table.
CREATE FUNCTION laminar.explain(view regclass) RETURNS SETOF text
    AS 'MODULE_PATHNAME', 'laminar_explain' LANGUAGE C STRICT VOLATILE
    SET search_path = pg_catalog, pg_temp;
