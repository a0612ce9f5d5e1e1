-- Stream workers: monitoring, and a worker ended with pg_terminate_backend is restarted.
-- (No check that last_error is NULL: earlier tests stop views on purpose, and
-- a view's error stays in its worker's last_error.)
SELECT bool_and(pid IS NOT NULL) AS running, bool_and(ring_capacity > 0) AS has_rings,
       bool_and(placement IS NOT NULL) AS placed
  FROM laminar.workers;
SELECT count(*) = current_setting('laminar.workers')::int AS one_row_per_worker FROM laminar.workers;
SELECT laminar.execute($$
  CREATE STREAM wk (k int8, v int8);
  CREATE MATERIALIZED VIEW wk_v AS SELECT k, count(*) AS n FROM wk GROUP BY k;
$$);
INSERT INTO wk SELECT g % 10, g FROM generate_series(1, 1000) g;
SELECT laminar.flush();
SELECT sum(n) FROM wk_v;
SELECT sum(events_in) >= 1000 AS counted, sum(groups_held) AS groups FROM laminar.workers;
CREATE TEMP TABLE before AS SELECT worker_id, pid, restarts FROM laminar.workers;
SELECT pg_terminate_backend(pid) FROM laminar.workers WHERE worker_id = 0;
-- the launcher starts a new worker within a few seconds
DO $$
BEGIN
  FOR i IN 1..100 LOOP
    PERFORM 1 FROM laminar.workers w JOIN before b USING (worker_id)
     WHERE w.worker_id = 0 AND w.pid IS NOT NULL AND w.pid <> b.pid;
    EXIT WHEN FOUND;
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT w.pid <> b.pid AS new_pid, w.restarts = b.restarts + 1 AS restart_counted
  FROM laminar.workers w JOIN before b USING (worker_id) WHERE worker_id = 0;
-- the view says its results count only from the restart on
SELECT v.counting_since >= w.started_at AS counting_since_moved
  FROM laminar.views v, laminar.workers w WHERE v.view = 'wk_v'::regclass AND w.worker_id = 0;
-- the cluster stayed up and the view goes on with new events
INSERT INTO wk SELECT g % 10, g FROM generate_series(1, 100) g;
SELECT laminar.flush();
SELECT count(*) AS groups FROM wk_v;
SELECT laminar.execute('DROP STREAM wk CASCADE');
-- an event that fails in one view is skipped and counted there; the worker and other views go on
SELECT laminar.execute($$
  CREATE STREAM dz (k int8, v int8);
  CREATE MATERIALIZED VIEW dz_bad AS SELECT k, sum(100 / v) AS s FROM dz GROUP BY k;
  CREATE MATERIALIZED VIEW dz_ok AS SELECT k, count(*) AS n FROM dz GROUP BY k;
$$);
CREATE TEMP TABLE w0 AS SELECT worker_id, pid FROM laminar.workers;
INSERT INTO dz VALUES (1, 1), (2, 0), (3, 5);
SELECT laminar.flush();
INSERT INTO dz VALUES (1, 1);
SELECT laminar.flush();
SELECT * FROM dz_ok ORDER BY k;
SELECT * FROM dz_bad ORDER BY k;
SELECT view, last_error, skipped_events, last_skip_error FROM laminar.views WHERE view::text LIKE 'dz%' ORDER BY 1;
SELECT bool_and(w.pid = w0.pid) AS no_worker_restarted
  FROM laminar.workers w JOIN w0 USING (worker_id);
SELECT laminar.execute('DROP STREAM dz CASCADE');
