-- SESSION windows: per key, a session spans [first ts, last ts + gap),
-- half-open (an event at exactly last ts + gap starts a new session); an
-- out-of-order event that bridges two sessions merges them (-a, -b,
-- +merged).  Every view is compared with plain SQL over the events that
-- were not late (gaps and islands with lag()), after every transaction.
SET TimeZone = 'UTC';
CREATE TABLE ss_ev (k int, v int, ts timestamptz, batch int);
SELECT laminar.execute($$
  CREATE STREAM ss (k int, v int, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '2 seconds');
  CREATE MATERIALIZED VIEW ss_upd AS
    SELECT k, window_start, window_end, count(*) AS n, sum(v) AS s, max(v) AS hi
    FROM SESSION(ss, ts, INTERVAL '5 seconds') GROUP BY k, window_start, window_end;
  CREATE MATERIALIZED VIEW ss_close AS
    SELECT k, window_start, window_end, count(*) AS n, avg(v) AS a
    FROM SESSION(ss, ts, INTERVAL '5 seconds') GROUP BY k, window_start, window_end
    EMIT ON WINDOW CLOSE;
  CREATE MATERIALIZED VIEW ss_group AS
    SELECT k, window_start, count(DISTINCT v) AS dv, array_agg(v ORDER BY v) AS vs
    FROM ss GROUP BY k, SESSION(ts, INTERVAL '5 seconds');
  CREATE MATERIALIZED VIEW ss_final AS
    SELECT k, window_start, window_end, count(*) AS n, sum(v) AS s
    FROM SESSION(ss, ts, INTERVAL '5 seconds') GROUP BY k, window_start, window_end
    EMIT FINAL ALLOW LATENESS INTERVAL '3 seconds';
  CREATE MATERIALIZED VIEW ss_having AS
    SELECT k, window_start, window_end, count(*) AS n
    FROM SESSION(ss, ts, INTERVAL '5 seconds') GROUP BY k, window_start, window_end
    HAVING count(*) >= 3;
  CREATE MATERIALIZED VIEW ss_cap AS
    SELECT k, window_start, window_end, count(*) AS n, sum(v) AS s
    FROM SESSION(ss, ts, INTERVAL '5 seconds', INTERVAL '10 seconds')
    GROUP BY k, window_start, window_end
$$);
SELECT view, emit, window_kind, window_size, window_slide AS max_length, allowed_lateness FROM laminar.views
 WHERE view::text LIKE 'ss%' ORDER BY view::text;
SELECT laminar.flush();
SELECT regexp_replace(line, '  \(rows.*', '') AS line
  FROM laminar.explain('ss_upd') WITH ORDINALITY AS e(line, n) WHERE n = 3;
SELECT regexp_replace(line, '  \(rows.*', '') AS line
  FROM laminar.explain('ss_group') WITH ORDINALITY AS e(line, n) WHERE n = 3;
SELECT regexp_replace(line, '  \(rows.*', '') AS line
  FROM laminar.explain('ss_cap') WITH ORDINALITY AS e(line, n) WHERE n = 3;
-- the events each transaction saw as late: ts < watermark - lateness
CREATE VIEW ss_seen AS
SELECT e.*, (SELECT max(p.ts) - interval '2 seconds' FROM ss_ev p WHERE p.batch < e.batch) AS wm
  FROM ss_ev e;
-- sessions in plain SQL: a new one starts where ts >= previous ts + gap,
-- or in the next max_length period from the epoch (the default is 1 day);
-- events at one time share a session (the sum runs over peers)
CREATE FUNCTION ss_sessions(lateness interval, maxlen interval DEFAULT '1 day')
RETURNS TABLE (k int, v int, ts timestamptz, ws timestamptz, we timestamptz) LANGUAGE sql AS $$
  WITH kept AS (
    SELECT k, v, ts FROM ss_seen
     WHERE ts IS NOT NULL AND (wm IS NULL OR ts >= wm - lateness)),
  marked AS (
    SELECT k, v, ts, p,
           CASE WHEN lag(ts) OVER w IS NULL OR ts >= lag(ts) OVER w + interval '5 seconds'
                THEN 1 ELSE 0 END AS starts
      FROM (SELECT *, date_bin(maxlen, ts, 'epoch') AS p FROM kept) kp
    WINDOW w AS (PARTITION BY k, p ORDER BY ts)),
  numbered AS (
    SELECT k, v, ts, p, sum(starts) OVER (PARTITION BY k, p ORDER BY ts) AS sid
      FROM marked)
  SELECT k, v, ts, min(ts) OVER (PARTITION BY k, p, sid), max(ts) OVER (PARTITION BY k, p, sid) + interval '5 seconds'
    FROM numbered
$$;
CREATE FUNCTION ss_check() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    w timestamptz := (SELECT max(ts) - interval '2 seconds' FROM ss_ev);
BEGIN
    RETURN NEXT lm_diff('ss_upd', 'SELECT k, ws, we, count(*), sum(v), max(v) FROM ss_sessions(''0'') GROUP BY 1, 2, 3');
    RETURN NEXT lm_diff('ss_close', format('SELECT k, ws, we, count(*), avg(v) FROM ss_sessions(''0'')
        WHERE we <= %L GROUP BY 1, 2, 3', w));
    RETURN NEXT lm_diff('ss_group', 'SELECT k, ws, count(DISTINCT v), array_agg(v ORDER BY v) FROM ss_sessions(''0'') GROUP BY 1, 2');
    RETURN NEXT lm_diff('ss_final', format('SELECT k, ws, we, count(*), sum(v) FROM ss_sessions(''3 seconds'')
        WHERE we + interval ''3 seconds'' <= %L GROUP BY 1, 2, 3', w));
    RETURN NEXT lm_diff('ss_cap', 'SELECT k, ws, we, count(*), sum(v) FROM ss_sessions(''0'', ''10 seconds'') GROUP BY 1, 2, 3');
    RETURN NEXT lm_diff('ss_having', 'SELECT k, ws, we, count(*) FROM ss_sessions(''0'') GROUP BY 1, 2, 3 HAVING count(*) >= 3');
END
$$;
CREATE FUNCTION ss_send(b int) RETURNS void LANGUAGE sql AS $$
    INSERT INTO ss SELECT k, v, ts FROM ss_ev WHERE batch = b ORDER BY v
$$;
-- batch 1: sessions of key 1 [00:00, 00:07), [00:10, 00:17), [00:30,
-- 00:35) and [00:36, 00:41) (00:36 >= 00:30 + 5 s: a new one); key 2
-- with an event at exactly last ts + gap (a new session); a NULL key; a
-- NULL time (dropped)
INSERT INTO ss_ev VALUES
  (1, 1, '2026-01-01 00:00:00+00', 1), (1, 2, '2026-01-01 00:00:02+00', 1),
  (1, 3, '2026-01-01 00:00:12+00', 1), (1, 4, '2026-01-01 00:00:10+00', 1),
  (2, 5, '2026-01-01 00:00:01+00', 1), (2, 6, '2026-01-01 00:00:06+00', 1),
  (NULL, 7, '2026-01-01 00:00:03+00', 1), (3, 8, NULL, 1),
  (1, 14, '2026-01-01 00:00:30+00', 1), (1, 15, '2026-01-01 00:00:36+00', 1);
SELECT ss_send(1);
SELECT laminar.flush();
SELECT * FROM ss_check();
SELECT k, window_start, window_end, n FROM ss_upd ORDER BY k NULLS FIRST, window_start;
-- batch 2: 00:00:34.5 (on time: the watermark is 00:00:34) bridges key 1's
-- [00:30, 00:35) and [00:36, 00:41): they merge into [00:30, 00:41), and
-- the two rows written for them are replaced by one (-a, -b, +merged)
-- key 4's 00:00:38 and 00:00:41 make one session, but two in ss_cap
INSERT INTO ss_ev VALUES (1, 9, '2026-01-01 00:00:34.5+00', 2), (2, 10, '2026-01-01 00:00:50+00', 2),
  (4, 16, '2026-01-01 00:00:38+00', 2), (4, 17, '2026-01-01 00:00:41+00', 2);
SELECT ss_send(2);
SELECT laminar.flush();
SELECT * FROM ss_check();
SELECT k, window_start, window_end, n FROM ss_upd ORDER BY k NULLS FIRST, window_start;
SELECT k, window_start, dv, vs FROM ss_group ORDER BY k NULLS FIRST, window_start;
-- ss_cap's sessions never span two 10-second periods from the epoch: key
-- 4's 00:00:38 and 00:00:41 are two sessions there (which overlap), one
-- in ss_upd
SELECT k, window_start, window_end, n FROM ss_cap WHERE k = 4 ORDER BY window_start;
SELECT k, window_start, window_end, n FROM ss_upd WHERE k = 4 ORDER BY window_start;
-- batch 3: late events (00:00:09 < 00:00:48 - 3 s), one late for all but
-- FINAL (00:00:46 >= 00:00:48 - 3 s), one ahead
INSERT INTO ss_ev VALUES (1, 11, '2026-01-01 00:00:09+00', 3), (2, 12, '2026-01-01 00:00:46+00', 3),
  (3, 13, '2026-01-01 00:00:58+00', 3);
SELECT ss_send(3);
SELECT laminar.flush();
SELECT * FROM ss_check();
SELECT k, window_start, window_end, n FROM ss_close ORDER BY k NULLS FIRST, window_start;
SELECT k, window_start, window_end, n, s FROM ss_final ORDER BY k NULLS FIRST, window_start;
-- randomized: 12 transactions of 40 events over 6 keys (NULL included),
-- out of order by up to 8 s, so sessions grow, merge and go late
SELECT setseed(0.5);
DO $$
BEGIN
  FOR b IN 4..15 LOOP
    INSERT INTO ss_ev
    SELECT CASE WHEN random() < 0.1 THEN NULL ELSE (random() * 5)::int END,
           (random() * 100)::int,
           '2026-01-01 00:01:00+00'::timestamptz + (b * 4 - random() * 8) * interval '1 second'
             + (random() * 3)::int * interval '7 seconds',
           b
      FROM generate_series(1, 40);
  END LOOP;
END $$;
SELECT format('SELECT ss_send(%s)', b) FROM generate_series(4, 15) b \gexec
SELECT laminar.flush();
SELECT * FROM ss_check();
SELECT view, late_events > 0 AS some_late FROM laminar.views WHERE view::text LIKE 'ss%' ORDER BY view::text;
-- errors
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, v FROM SESSION(ss, ts, INTERVAL '5 seconds') $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, window_start, count(*) FROM SESSION(ss, ts, INTERVAL '0 seconds') GROUP BY k, window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, window_start, count(*) FROM SESSION(ss, ts, INTERVAL '5 seconds', INTERVAL '1 second') GROUP BY k, window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, window_start, count(*) FROM SESSION(ss, ts, INTERVAL '5 seconds', INTERVAL '-1 hour') GROUP BY k, window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, window_start, count(*) FROM SESSION(ss, ts, INTERVAL '5 seconds', INTERVAL '1 hour', INTERVAL '1 hour') GROUP BY k, window_start $$);
-- laminar.max_session_length is the default cap of new SESSION views (0: none)
SET laminar.max_session_length = 0;
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW ss_nocap AS SELECT k, window_start, count(*) FROM SESSION(ss, ts, INTERVAL '5 seconds') GROUP BY k, window_start $$);
SET laminar.max_session_length = '1h';
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW ss_hour AS SELECT k, window_start, count(*) FROM SESSION(ss, ts, INTERVAL '5 seconds') GROUP BY k, window_start $$);
RESET laminar.max_session_length;
SELECT view, window_slide AS max_length FROM laminar.views WHERE view::text IN ('ss_nocap', 'ss_hour') ORDER BY 1::text;
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, window_start, count(*) FROM SESSION(ss, ts, INTERVAL '5 seconds') WHERE window_end > ts GROUP BY k, window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, window_start, sum(extract(epoch FROM window_end - ts)) FROM SESSION(ss, ts, INTERVAL '5 seconds') GROUP BY k, window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, date_trunc('hour', window_start) AS h, count(*) FROM SESSION(ss, ts, INTERVAL '5 seconds') GROUP BY k, date_trunc('hour', window_start) $$);
SELECT laminar.execute('DROP STREAM ss CASCADE');
DROP VIEW ss_seen;
DROP TABLE ss_ev;
DROP FUNCTION ss_check(), ss_send(int), ss_sessions(interval, interval);
