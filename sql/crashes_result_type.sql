-- A result column whose type no longer matches what the view computes
-- stops the view with a clear error, both when the view is compiled (after
-- a worker restart) and when the table changes under a running view.
-- (Issue 9, item 5: after ALTER COLUMN TYPE and a worker restart, every
-- INSERT into the stream killed a worker with SIGSEGV.)
CREATE TEMP TABLE rty_start AS SELECT pg_postmaster_start_time() AS t;
SELECT laminar.execute($$
  CREATE STREAM rty (k int8, v int8, ts timestamptz, WATERMARK FOR ts AS ts);
  CREATE MATERIALIZED VIEW rty_keyed AS SELECT k, count(*) AS n, sum(v) AS s FROM rty GROUP BY k;
  CREATE MATERIALIZED VIEW rty_rows AS SELECT k, v FROM rty;
  CREATE MATERIALIZED VIEW rty_global AS SELECT count(*) AS n, max(v) AS top FROM rty;
  CREATE MATERIALIZED VIEW rty_win AS SELECT k, window_start, count(*) AS n
    FROM TUMBLE(rty, ts, INTERVAL '1 minute') GROUP BY k, window_start EMIT ON WINDOW CLOSE;
  CREATE MATERIALIZED VIEW rty_cold AS SELECT k, count(*) AS n FROM rty GROUP BY k;
  CREATE MATERIALIZED VIEW rty_cold_rows AS SELECT k, v FROM rty;
  CREATE MATERIALIZED VIEW rty_ok AS SELECT k, count(*) AS n FROM rty GROUP BY k;
$$);
INSERT INTO rty VALUES (1, 10, '2026-01-01 00:00:00+00'), (2, 20, '2026-01-01 00:00:01+00');
SELECT laminar.flush();
-- under running views: the next write finds the table changed and stops the view
ALTER TABLE rty_keyed ALTER COLUMN n TYPE text;
ALTER TABLE rty_rows ALTER COLUMN v TYPE int4;
ALTER TABLE rty_global ALTER COLUMN top TYPE numeric;
ALTER TABLE rty_win ALTER COLUMN window_start TYPE timestamp;
INSERT INTO rty VALUES (1, 1, '2026-01-01 00:02:00+00');
SELECT laminar.flush();
SELECT view, last_error FROM laminar.views WHERE view::text LIKE 'rty%' ORDER BY 1;
-- their rows stay as last written
SELECT * FROM rty_keyed ORDER BY k;
SELECT * FROM rty_rows ORDER BY k, v;
SELECT * FROM rty_global;
SELECT count(*) AS windows FROM rty_win;
-- with no write in between, then the workers restart: the views are
-- compiled again against the altered tables
ALTER TABLE rty_cold ALTER COLUMN n TYPE text;
ALTER TABLE rty_cold_rows ALTER COLUMN k TYPE text;
CREATE TEMP TABLE rty_pids AS SELECT worker_id, pid FROM laminar.workers;
SELECT count(pg_terminate_backend(pid)) = current_setting('laminar.workers')::int AS terminated
  FROM laminar.workers;
DO $$
BEGIN
  FOR i IN 1..200 LOOP
    PERFORM 1 FROM laminar.workers w JOIN rty_pids p USING (worker_id)
     WHERE w.pid IS NULL OR w.pid = p.pid;
    EXIT WHEN NOT FOUND;
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SELECT bool_and(w.pid <> p.pid) AS all_restarted FROM laminar.workers w JOIN rty_pids p USING (worker_id);
INSERT INTO rty SELECT g % 3, g, '2026-01-01 00:03:00+00' FROM generate_series(1, 30) g;
SELECT laminar.flush();
INSERT INTO rty SELECT g % 3, g, '2026-01-01 00:03:00+00' FROM generate_series(1, 30) g;
SELECT laminar.flush();
SELECT view, last_error FROM laminar.views WHERE view::text LIKE 'rty%' ORDER BY 1;
SELECT * FROM rty_cold ORDER BY k;
SELECT count(*) AS rows FROM rty_cold_rows;
-- a healthy view on the same stream goes on, and nothing crashed
SELECT * FROM rty_ok ORDER BY k;
SELECT pg_postmaster_start_time() = t AS no_crash FROM rty_start;
SELECT laminar.execute('DROP STREAM rty CASCADE');
