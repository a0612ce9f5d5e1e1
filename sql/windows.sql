-- TUMBLE windows with EMIT ON UPDATE (the default): watermark, lateness, NULL time.
SELECT laminar.execute($$
  CREATE STREAM w (k text, v int8, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '5 seconds');
  CREATE MATERIALIZED VIEW w_up AS
    SELECT k, window_start, window_end, count(*) AS n, sum(v) AS s
    FROM TUMBLE(w, ts, INTERVAL '10 seconds') GROUP BY k, window_start, window_end;
  CREATE MATERIALIZED VIEW w_total AS
    SELECT window_start, count(*) AS n FROM TUMBLE(w, ts, INTERVAL '1 minute') GROUP BY window_start;
$$);
\d w_up
-- windows align like date_bin(size, ts, '1970-01-01')
INSERT INTO w VALUES ('a', 1, '2026-01-01 00:00:00+00'), ('a', 2, '2026-01-01 00:00:09.999999+00'),
                     ('a', 4, '2026-01-01 00:00:10+00'), ('b', 8, '2026-01-01 00:00:03+00'),
                     (NULL, 16, '2026-01-01 00:00:04+00');
SELECT laminar.flush();
SELECT * FROM w_up ORDER BY window_start, k NULLS FIRST;
-- out of order within the bound is fine; older than the watermark is late
-- (watermark is now 00:00:10 - 5s = 00:00:05)
INSERT INTO w VALUES ('a', 100, '2026-01-01 00:00:06+00'), ('c', 200, '2026-01-01 00:00:04.9+00'),
                     ('c', 300, NULL);
SELECT laminar.flush();
SELECT * FROM w_up ORDER BY window_start, k NULLS FIRST;
SELECT watermark, events_in, late_events, null_time_events FROM laminar.views WHERE view = 'w_up'::regclass;
-- events of one transaction never make each other late
BEGIN;
INSERT INTO w VALUES ('d', 1, '2026-01-01 00:01:00+00');
INSERT INTO w VALUES ('d', 1, '2026-01-01 00:00:50+00');
COMMIT;
SELECT laminar.flush();
SELECT k, window_start, n FROM w_up WHERE k = 'd' ORDER BY 2;
SELECT * FROM w_total ORDER BY 1;
-- single-event window, far in the future
INSERT INTO w VALUES ('e', 1, '2027-06-01 12:34:56+00');
SELECT laminar.flush();
SELECT * FROM w_up WHERE k = 'e';
-- everything before the new watermark is now late
INSERT INTO w VALUES ('f', 1, '2026-01-01 00:02:00+00');
SELECT laminar.flush();
SELECT count(*) FROM w_up WHERE k = 'f';
SELECT late_events, null_time_events FROM laminar.views WHERE view = 'w_up'::regclass;
-- a stateless view over TUMBLE tags each event with its window
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW w_tag AS SELECT k, window_start FROM TUMBLE(w, ts, INTERVAL '1 hour') $$);
INSERT INTO w VALUES ('g', 1, '2027-06-01 13:10:00+00'), ('h', 1, '2027-06-01 12:00:00+00');
SELECT laminar.flush();
SELECT * FROM w_tag ORDER BY k;
SELECT laminar.execute('DROP STREAM w CASCADE');
-- LaminarDB's spelling: the window in GROUP BY.  GROUP BY k, TUMBLE(ts, size)
-- is the view FROM TUMBLE(s, ts, size) GROUP BY k, window_start, window_end:
-- the same result table, the same rows.
SELECT laminar.execute($$
  CREATE STREAM wg (k text, v int, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '5 seconds');
  CREATE MATERIALIZED VIEW wg_from AS
    SELECT k, window_start, window_end, count(*) AS n, sum(v) AS total
    FROM TUMBLE(wg, ts, INTERVAL '1 minute') GROUP BY k, window_start, window_end;
  CREATE MATERIALIZED VIEW wg_group AS
    SELECT k, window_start, window_end, count(*) AS n, sum(v) AS total
    FROM wg GROUP BY k, TUMBLE(ts, INTERVAL '1 minute');
  CREATE MATERIALIZED VIEW wg_alias AS
    SELECT e.k, window_start, count(*) AS n
    FROM public.wg AS e GROUP BY TUMBLE(e.ts, INTERVAL '1 minute'), e.k
    EMIT ON WINDOW CLOSE;
$$);
\d wg_group
INSERT INTO wg SELECT chr(97 + i % 3), i, timestamptz '2026-01-01 00:00:00+00' + (i * 7 % 300) * interval '1 second'
  FROM generate_series(1, 200) i;
INSERT INTO wg VALUES (NULL, 5, '2026-01-01 00:04:00+00'), ('a', NULL, '2026-01-01 00:04:01+00'),
                      ('b', 1, NULL), ('c', 1, '2026-01-01 00:10:00+00');
SELECT laminar.flush();
SELECT count(*) AS differences FROM (
  (SELECT * FROM wg_from EXCEPT ALL SELECT * FROM wg_group)
  UNION ALL (SELECT * FROM wg_group EXCEPT ALL SELECT * FROM wg_from)) d;
SELECT count(*) AS rows, sum(n) AS events FROM wg_group;
-- and against plain SQL over the events that were not late (the first
-- transaction's, and the last one of the second: the others fall before
-- the watermark, 00:04:54, or have no time)
CREATE TEMP TABLE wg_in AS
  SELECT chr(97 + i % 3) AS k, i AS v, timestamptz '2026-01-01 00:00:00+00' + (i * 7 % 300) * interval '1 second' AS ts
  FROM generate_series(1, 200) i;
INSERT INTO wg_in VALUES ('c', 1, '2026-01-01 00:10:00+00');
SELECT count(*) AS differences FROM (
  (SELECT * FROM wg_group EXCEPT ALL
   SELECT k, date_bin('1 minute', ts, '1970-01-01 00:00:00+00'), date_bin('1 minute', ts, '1970-01-01 00:00:00+00') + interval '1 minute',
          count(*), sum(v) FROM wg_in GROUP BY 1, 2, 3)
  UNION ALL
  (SELECT k, date_bin('1 minute', ts, '1970-01-01 00:00:00+00'), date_bin('1 minute', ts, '1970-01-01 00:00:00+00') + interval '1 minute',
          count(*), sum(v) FROM wg_in GROUP BY 1, 2, 3
   EXCEPT ALL SELECT * FROM wg_group)) d;
SELECT k, window_start, n FROM wg_alias ORDER BY 2, 1 NULLS FIRST;
-- malformed: no window column selected, a window other than TUMBLE, two
-- windows, the wrong arguments, a bad size, a window in both FROM and GROUP
-- BY, a time column the stream lacks
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW wg_bad AS SELECT k, count(*) FROM wg GROUP BY k, TUMBLE(ts, INTERVAL '1 minute') $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW wg_bad AS SELECT k, count(*) FROM wg GROUP BY k, HOP(ts, INTERVAL '1 minute', INTERVAL '5 minutes') $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW wg_bad AS SELECT k, count(*) FROM wg GROUP BY TUMBLE(ts, INTERVAL '1 minute'), TUMBLE(ts, INTERVAL '1 hour') $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW wg_bad AS SELECT k, count(*) FROM wg GROUP BY k, TUMBLE(wg, ts, INTERVAL '1 minute') $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW wg_bad AS SELECT k, window_start, count(*) FROM wg GROUP BY k, TUMBLE(ts, INTERVAL '-1 minute') $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW wg_bad AS SELECT k, count(*) FROM TUMBLE(wg, ts, INTERVAL '1 minute') GROUP BY k, TUMBLE(ts, INTERVAL '1 minute') $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW wg_bad AS SELECT k, window_start, count(*) FROM wg GROUP BY k, TUMBLE(nosuch, INTERVAL '1 minute') $$);
SELECT laminar.execute('DROP STREAM wg CASCADE');
