-- EMIT ON WINDOW CLOSE: a window's rows are written once, when the watermark passes its end.
SELECT laminar.execute($$
  CREATE STREAM c (k int8, price int8, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '2 seconds');
  CREATE MATERIALIZED VIEW c_close AS
    SELECT k, window_start, window_end, count(*) AS n, sum(price) AS volume, avg(price) AS mean
    FROM TUMBLE(c, ts, INTERVAL '10 seconds')
    WHERE price > 0
    GROUP BY k, window_start, window_end
    EMIT ON WINDOW CLOSE;
$$);
INSERT INTO c VALUES (1, 10, '2026-01-01 00:00:01+00'), (1, 20, '2026-01-01 00:00:05+00'),
                     (2, 5, '2026-01-01 00:00:09+00'), (2, -1, '2026-01-01 00:00:09+00');
SELECT laminar.flush();
-- watermark 00:00:07: the first window is still open
SELECT count(*) FROM c_close;
INSERT INTO c VALUES (1, 1, '2026-01-01 00:00:11.5+00');
SELECT laminar.flush();
-- watermark 00:00:09.5: still open
SELECT count(*) FROM c_close;
INSERT INTO c VALUES (3, 7, '2026-01-01 00:00:12+00');
SELECT laminar.flush();
-- watermark 00:00:10: closed and written
SELECT * FROM c_close ORDER BY window_start, k;
-- an event for the closed window is late and changes nothing
INSERT INTO c VALUES (1, 1000, '2026-01-01 00:00:09+00');
INSERT INTO c VALUES (9, 1, '2026-01-01 00:01:00+00');
SELECT laminar.flush();
SELECT * FROM c_close ORDER BY window_start, k;
SELECT late_events FROM laminar.views WHERE view = 'c_close'::regclass;
-- an empty window writes nothing; no unique index is needed for append-only output
SELECT count(*) FROM pg_indexes WHERE tablename = 'c_close';
SELECT laminar.execute('DROP STREAM c CASCADE');
