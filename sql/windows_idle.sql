-- CREATE STREAM ... WITH (idle_timeout): when no transaction commits to the
-- stream for that long, the watermark moves on at wall-clock rate, so the
-- last windows close without more events.
SET TimeZone = 'UTC';
\set VERBOSITY default
SELECT laminar.execute($$
  CREATE STREAM wi (k int, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second')
    WITH (idle_timeout = '1s');
  CREATE MATERIALIZED VIEW wi_close AS
    SELECT window_start, count(*) AS n FROM wi GROUP BY TUMBLE(ts, INTERVAL '2 seconds')
    EMIT ON WINDOW CLOSE;
  CREATE STREAM wi_still (k int, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE MATERIALIZED VIEW wi_still_close AS
    SELECT window_start, count(*) AS n FROM wi_still GROUP BY TUMBLE(ts, INTERVAL '2 seconds')
    EMIT ON WINDOW CLOSE
$$);
SELECT stream, watermark_delay, idle_timeout FROM laminar.streams ORDER BY stream::text;
INSERT INTO wi VALUES (1, '2026-01-01 00:00:00.5+00'), (2, '2026-01-01 00:00:01+00');
INSERT INTO wi_still VALUES (1, '2026-01-01 00:00:00.5+00'), (2, '2026-01-01 00:00:01+00');
SELECT laminar.flush();
-- the watermark is 00:00:00: [00:00, 00:02) is open
SELECT count(*) FROM wi_close;
-- a second later the watermark gains a second per second; the window
-- closes about 2 s after the last commit (the stream without the option
-- keeps it open)
DO $$ BEGIN
  FOR i IN 1..400 LOOP
    EXIT WHEN (SELECT count(*) FROM wi_close) > 0;
    PERFORM pg_sleep(0.025);
  END LOOP;
END $$;
SELECT * FROM wi_close;
SELECT count(*) FROM wi_still_close;
-- events behind the advanced watermark are late
INSERT INTO wi VALUES (3, '2026-01-01 00:00:01.5+00');
SELECT laminar.flush();
SELECT late_events FROM laminar.views WHERE view = 'wi_close'::regclass;
-- malformed options: SQLSTATE-bearing errors with hints, nothing created
SELECT laminar.execute($$ CREATE STREAM wx (ts timestamptz, WATERMARK FOR ts AS ts) WITH (idle_timeout = 'soon') $$);
SELECT laminar.execute($$ CREATE STREAM wx (ts timestamptz, WATERMARK FOR ts AS ts) WITH (idle_timeout = '-1 second') $$);
SELECT laminar.execute($$ CREATE STREAM wx (ts timestamptz, WATERMARK FOR ts AS ts) WITH (idle_timeout = '1 month') $$);
SELECT laminar.execute($$ CREATE STREAM wx (ts timestamptz, WATERMARK FOR ts AS ts) WITH (idle_timeout) $$);
SELECT laminar.execute($$ CREATE STREAM wx (ts timestamptz, WATERMARK FOR ts AS ts) WITH (idle = '1s') $$);
SELECT laminar.execute($$ CREATE STREAM wx (ts timestamptz, WATERMARK FOR ts AS ts) WITH idle_timeout = '1s' $$);
SELECT laminar.execute($$ CREATE STREAM wx (ts timestamptz, WATERMARK FOR ts AS ts) TABLESPACE x $$);
SELECT laminar.execute($$ CREATE STREAM wx (ts timestamptz) WITH (idle_timeout = '1s') $$);
SELECT to_regclass('wx');
SELECT laminar.execute('DROP STREAM wi CASCADE; DROP STREAM wi_still CASCADE');
