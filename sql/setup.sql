-- Installs the extension the other regression tests use.
CREATE EXTENSION IF NOT EXISTS laminar;
SELECT extversion FROM pg_extension WHERE extname = 'laminar';
SELECT count(*) = current_setting('laminar.workers')::int AS one_row_per_worker, bool_and(pid IS NOT NULL) AS all_running FROM laminar.workers;
SHOW laminar.flush_interval;
SHOW laminar.backpressure;
-- Shared by the tests that compare a view with plain SQL: how many rows
-- are only in the view, and only in the plain query (both 0 when equal).
CREATE OR REPLACE FUNCTION lm_diff(view text, oracle text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    a int;
    b int;
    n int;
BEGIN
    EXECUTE format('SELECT count(*) FROM (SELECT * FROM %s EXCEPT ALL %s) d', view, oracle) INTO a;
    EXECUTE format('SELECT count(*) FROM (%s EXCEPT ALL SELECT * FROM %s) d', oracle, view) INTO b;
    EXECUTE format('SELECT count(*) FROM %s', view) INTO n;
    RETURN format('%s: %s rows, %s only in the view, %s only in plain SQL', view, n, a, b);
END
$$;
-- ... and by the tests of bad input: what laminar.execute raised, as its
-- SQLSTATE, message and hint on one line.
CREATE OR REPLACE FUNCTION lm_err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text;
    msg text;
    hint text;
BEGIN
    PERFORM laminar.execute(stmt);
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
    RETURN st || ': ' || msg || ' (hint: ' || hint || ')';
END
$$;
