-- SIGTERM (shutdown, pg_terminate_backend): a worker finishes its last
-- pass before it exits: it drains what is committed, closes the windows the
-- watermark passed, writes the changed results and commits.  With a
-- flush_interval of a minute nothing would be written before the exit.
SELECT laminar.execute($$
  CREATE STREAM sd (k int8, ts timestamptz, WATERMARK FOR ts AS ts);
  CREATE MATERIALIZED VIEW sd_upd AS SELECT k, count(*) AS n FROM sd GROUP BY k;
  CREATE MATERIALIZED VIEW sd_close AS
    SELECT window_start, count(*) AS n FROM TUMBLE(sd, ts, INTERVAL '10 seconds')
    GROUP BY window_start EMIT ON WINDOW CLOSE;
$$);
ALTER SYSTEM SET laminar.flush_interval = '60s';
SELECT pg_reload_conf();
-- the workers read the new setting at their next pass (flush() makes one):
-- the next emit is due a minute after the last one
INSERT INTO sd VALUES (1, '2026-01-01 00:00:00+00'), (2, '2026-01-01 00:00:00+00');
SELECT pg_sleep(0.5);
SELECT laminar.flush();
SELECT * FROM sd_upd ORDER BY k;
INSERT INTO sd VALUES (1, '2026-01-01 00:00:01+00'), (2, '2026-01-01 00:00:02+00');
-- the watermark passes [00:00, 00:10)
INSERT INTO sd VALUES (1, '2026-01-01 00:00:15+00');
-- a reload wakes the workers for a pass: it applies the events (closing a
-- window does not wait for the emit cadence) but the next emit is a minute
-- away.  sd_upd is spread over the workers by k, sd_close sits on one
-- worker, which may be another one: wait for both views' counters, and for
-- the closed window's row (a pass publishes its counters just before it
-- commits what it wrote).
DO $$
BEGIN
  FOR i IN 1..200 LOOP
    PERFORM pg_reload_conf();
    EXIT WHEN (SELECT bool_and(events_in = 5) FROM laminar.views
                WHERE view IN ('sd_upd'::regclass, 'sd_close'::regclass))
          AND EXISTS (SELECT 1 FROM sd_close);
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SELECT view, events_in FROM laminar.views WHERE view::text LIKE 'sd_%' ORDER BY 1;
SELECT * FROM sd_upd ORDER BY k;
SELECT * FROM sd_close ORDER BY window_start;
CREATE TEMP TABLE sd_before AS SELECT worker_id, pid FROM laminar.workers;
SELECT count(pg_terminate_backend(pid)) = current_setting('laminar.workers')::int AS terminated
  FROM laminar.workers;
DO $$
BEGIN
  FOR i IN 1..200 LOOP
    PERFORM 1 FROM laminar.workers w JOIN sd_before b USING (worker_id)
     WHERE w.pid IS NULL OR w.pid = b.pid;
    EXIT WHEN NOT FOUND;
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT bool_and(w.pid <> b.pid) AS all_restarted FROM laminar.workers w JOIN sd_before b USING (worker_id);
-- the last passes wrote every result
SELECT * FROM sd_upd ORDER BY k;
-- no worker ended with an error
SELECT count(*) AS worker_errors FROM laminar.workers w JOIN sd_before b USING (worker_id)
 WHERE w.last_error LIKE '%terminat%';
ALTER SYSTEM RESET laminar.flush_interval;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SELECT laminar.flush();
SELECT laminar.execute('DROP STREAM sd CASCADE');

-- laminar.max_flush_delay bounds how far emits are stretched under load;
-- only the administrator sets it (reload)
SHOW laminar.max_flush_delay;
SET laminar.max_flush_delay = '100ms';
SELECT name, context, unit, min_val, max_val FROM pg_settings WHERE name = 'laminar.max_flush_delay';
