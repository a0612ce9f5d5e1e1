-- 0.1.0 accepted TUMBLE sizes that do not fit in 64-bit microseconds (they
-- wrapped).  Such a catalog row, surviving an upgrade, must stop only its
-- own view when the workers load it, never put every worker in a restart
-- loop ("bigint out of range" while reading the catalog).
SELECT laminar.execute($$
  CREATE STREAM ls (k int4, ts timestamptz, WATERMARK FOR ts AS ts);
  CREATE MATERIALIZED VIEW ls_win AS
    SELECT window_start, count(*) AS n FROM TUMBLE(ls, ts, INTERVAL '1 hour') GROUP BY window_start;
  CREATE MATERIALIZED VIEW ls_count AS SELECT k, count(*) AS n FROM ls GROUP BY k;
$$);
-- what a 0.1.0 row could hold (written directly, as an upgrade leaves it)
UPDATE laminar._views SET window_size = INTERVAL '213503983 days' WHERE view = 'ls_win'::regclass;
-- every worker loads its views again
CREATE TEMP TABLE ls_before AS SELECT worker_id, pid FROM laminar.workers;
SELECT count(*) > 0 AS terminated FROM (SELECT pg_terminate_backend(pid) FROM laminar.workers) t;
DO $$
BEGIN
  FOR i IN 1..200 LOOP
    PERFORM 1 FROM laminar.workers w JOIN ls_before b USING (worker_id)
     WHERE w.pid IS NULL OR w.pid = b.pid;
    EXIT WHEN NOT FOUND;
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT bool_and(w.pid <> b.pid) AS all_restarted FROM laminar.workers w JOIN ls_before b USING (worker_id);
INSERT INTO ls VALUES (1, '2026-01-01 00:00:01+00'), (1, '2026-01-01 00:00:02+00');
SELECT laminar.flush();
-- the other view runs; the one with the wrapped size is stopped, with a reason
SELECT * FROM ls_count;
SELECT view, last_error FROM laminar.views WHERE stream = 'ls'::regclass ORDER BY view::text;
-- the workers stayed up: no restart since the one above
SELECT bool_and(w.pid <> b.pid) AS same_new_workers FROM laminar.workers w JOIN ls_before b USING (worker_id);
SELECT laminar.execute('DROP STREAM ls CASCADE');
