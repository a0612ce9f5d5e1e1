-- A worker restart keeps each windowed view's horizon and its stream's
-- watermark (laminar._horizons): a window already closed is never written
-- again, and an event for it counts as late.
SELECT laminar.execute($$
  CREATE STREAM rs (k int4, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE MATERIALIZED VIEW rs_close AS
    SELECT window_start, count(*) AS n FROM TUMBLE(rs, ts, INTERVAL '10 seconds')
    GROUP BY window_start EMIT ON WINDOW CLOSE;
  CREATE MATERIALIZED VIEW rs_upd AS
    SELECT k, window_start, count(*) AS n FROM TUMBLE(rs, ts, INTERVAL '10 seconds')
    GROUP BY k, window_start;
$$);
INSERT INTO rs VALUES (1, '2026-01-01 00:00:01+00'), (2, '2026-01-01 00:00:02+00');
-- watermark 00:00:24: [00:00, 00:10) closes; [00:20, 00:30) stays open
INSERT INTO rs VALUES (1, '2026-01-01 00:00:25+00');
SELECT laminar.flush();
SELECT * FROM rs_close ORDER BY window_start;
SELECT * FROM rs_upd ORDER BY k, window_start;
-- what the workers saved: horizon 00:00:20 (every window ending by then is closed)
SELECT DISTINCT h.horizon, h.watermark
  FROM laminar._horizons h JOIN laminar._views v ON v.id = h.view_id
 WHERE v.view IN ('rs_close'::regclass, 'rs_upd'::regclass);
-- end every worker; the launcher starts new ones
CREATE TEMP TABLE rs_before AS SELECT worker_id, pid FROM laminar.workers;
SELECT count(*) > 0 AS terminated FROM (SELECT pg_terminate_backend(pid) FROM laminar.workers) t;
DO $$
BEGIN
  FOR i IN 1..200 LOOP
    PERFORM 1 FROM laminar.workers w JOIN rs_before b USING (worker_id)
     WHERE w.pid IS NULL OR w.pid = b.pid;
    EXIT WHEN NOT FOUND;
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT bool_and(w.pid <> b.pid) AS all_restarted FROM laminar.workers w JOIN rs_before b USING (worker_id);
-- 00:00:05 and 00:00:06 were late before the restart and still are:
-- [00:00, 00:10) is not reopened, so neither view writes it again
INSERT INTO rs VALUES (2, '2026-01-01 00:00:05+00'), (2, '2026-01-01 00:00:06+00');
-- the window open at the restart lost its events (in-memory state); it
-- counts the events committed after the restart
INSERT INTO rs VALUES (2, '2026-01-01 00:00:27+00');
-- watermark 00:00:44: [00:20, 00:30) closes
INSERT INTO rs VALUES (1, '2026-01-01 00:00:45+00');
SELECT laminar.flush();
SELECT * FROM rs_close ORDER BY window_start;
SELECT * FROM rs_upd ORDER BY k, window_start;
SELECT view, late_events FROM laminar.views WHERE view::text LIKE 'rs_%' ORDER BY 1;
-- dropping a view drops its saved horizons
SELECT laminar.execute('DROP STREAM rs CASCADE');
SELECT count(*) AS horizons_left FROM laminar._horizons;
