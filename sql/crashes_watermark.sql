-- WATERMARK FOR col AS <expr> is validated after parse analysis against the
-- stream's columns: exactly "col" or "col - <constant interval>" through
-- pg_catalog's operator; everything else is a clean error that leaves
-- nothing behind.  (Issue 9, item 4: "AS -ts" dereferenced NULL and took
-- the postmaster through a restart.)
\set VERBOSITY default
CREATE TEMP TABLE wm_start AS SELECT pg_postmaster_start_time() AS t;
-- accepted shapes
SELECT laminar.execute($$ CREATE STREAM wm_a (ts timestamptz, WATERMARK FOR ts AS ts) $$);
SELECT laminar.execute($$ CREATE STREAM wm_b (k int, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '2 seconds') $$);
SELECT laminar.execute($$ CREATE STREAM wm_c ("Ts" timestamptz, WATERMARK FOR "Ts" AS ("Ts") - (INTERVAL '1 minute' + INTERVAL '30 seconds')) $$);
SELECT laminar.execute($$ CREATE STREAM wm_d (ts timestamp, WATERMARK FOR ts AS ts - INTERVAL '1 hour') $$);
SELECT laminar.execute($$ CREATE STREAM wm_e (ts timestamptz, WATERMARK FOR ts AS wm_e.ts - make_interval(secs => 5)) $$);
SELECT laminar.execute($$ CREATE STREAM wm_f (ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '0 seconds') $$);
SELECT laminar.execute($$ CREATE STREAM wm_g (ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '100000 days') $$);
SELECT stream, watermark_column, watermark_delay FROM laminar.streams
 WHERE stream::text LIKE 'wm\_%' ORDER BY 1;
-- the delay is the one the expression says
INSERT INTO wm_c VALUES ('2026-01-01 00:10:00+00');
SELECT laminar.flush();
SELECT watermark AT TIME ZONE 'UTC' AS watermark FROM laminar.streams WHERE stream = 'wm_c'::regclass;
-- refused: each error names the WATERMARK construct and has a hint
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS -ts) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts + INTERVAL '1 second') $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS INTERVAL '1 second' + ts) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - ts) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - 5) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - '5 seconds') $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second' - INTERVAL '1 second') $$);
-- another column
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, t2 timestamptz, WATERMARK FOR ts AS t2 - INTERVAL '1 second') $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, t2 timestamptz, WATERMARK FOR ts AS t2) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, k int, WATERMARK FOR ts AS k - INTERVAL '1 second') $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, t2 interval, WATERMARK FOR ts AS ts - t2) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS w) $$);
-- function calls
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS date_trunc('second', ts)) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS greatest(ts, ts)) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - random() * INTERVAL '1 second') $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - (now() - now())) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second' * (1 / 0)) $$);
-- subqueries, aggregates, window functions, set-returning functions, parameters
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - (SELECT INTERVAL '1 second')) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS (SELECT ts)) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - sum(INTERVAL '1 second')) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - sum(INTERVAL '1 second') OVER ()) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - generate_series(1, 2) * INTERVAL '1 second') $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - $1) $$);
-- more than one expression
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts FROM pg_class) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts AS x) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts WHERE false) $$);
-- NULL, months, negative, too large
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - NULL::interval) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - CASE WHEN false THEN INTERVAL '1 second' END) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 month') $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 year -365 days') $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '-5 seconds') $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 day -25 hours') $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '106751991 days') $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '2147483647 days') $$);
-- columns that do not exist or are not timestamps
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR nope AS nope - INTERVAL '1 second') $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS nope - INTERVAL '1 second') $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS nope) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts int8, WATERMARK FOR ts AS -ts) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts date, WATERMARK FOR ts AS ts - INTERVAL '1 day') $$);
-- a timestamp (without time zone) column takes timestamp - interval, and no cast
SELECT laminar.execute($$ CREATE STREAM w (ts timestamp, WATERMARK FOR ts AS -ts) $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamp, WATERMARK FOR ts AS ts::timestamptz - INTERVAL '1 second') $$);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamp, WATERMARK FOR ts AS ts - INTERVAL '1 month') $$);
-- an operator that only looks like pg_catalog's
CREATE FUNCTION wm_minus(timestamptz, interval) RETURNS timestamptz LANGUAGE sql IMMUTABLE
  AS 'SELECT $1 OPERATOR(pg_catalog.-) $2';
CREATE OPERATOR public.- (LEFTARG = timestamptz, RIGHTARG = interval, FUNCTION = wm_minus);
SELECT laminar.execute($$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS ts OPERATOR(public.-) INTERVAL '1 second') $$);
DROP OPERATOR public.- (timestamptz, interval);
DROP FUNCTION wm_minus(timestamptz, interval);
-- nothing half-created: not the stream, not its catalog row, not an earlier
-- statement of the same call, not even when the error is caught
SELECT laminar.execute($$ CREATE STREAM w_ok (ts timestamptz); CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS -ts) $$);
DO $$
BEGIN
  PERFORM laminar.execute($q$ CREATE STREAM w (ts timestamptz, WATERMARK FOR ts AS -ts) $q$);
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'caught: %', SQLERRM;
END $$;
SELECT to_regclass('w') AS w, to_regclass('w_ok') AS w_ok,
       (SELECT count(*) FROM laminar.streams WHERE stream::text IN ('w', 'w_ok')) AS catalog_rows;
-- the server never restarted
SELECT pg_postmaster_start_time() = t AS no_crash FROM wm_start;
SELECT laminar.execute('DROP STREAM wm_a; DROP STREAM wm_b; DROP STREAM wm_c; DROP STREAM wm_d; DROP STREAM wm_e; DROP STREAM wm_f; DROP STREAM wm_g');
