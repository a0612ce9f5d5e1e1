-- Non-finite and extreme event times (issue 9, item 7).
-- +-infinity event times are dropped by windowed views and counted in
-- null_time_events, like NULL ones, and never move the watermark; so is a
-- finite time whose window would start or end outside the timestamptz
-- range.  Window bounds, watermarks and interval sizes use overflow-checked
-- arithmetic.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SELECT laminar.execute($$
  CREATE STREAM dt (k int, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '5 seconds');
  CREATE MATERIALIZED VIEW dt_up AS
    SELECT k, window_start, window_end, count(*) AS n
    FROM TUMBLE(dt, ts, INTERVAL '1 hour') GROUP BY k, window_start, window_end;
  CREATE MATERIALIZED VIEW dt_close AS
    SELECT window_start, window_end, count(*) AS n
    FROM TUMBLE(dt, ts, INTERVAL '1 hour') GROUP BY window_start, window_end EMIT ON WINDOW CLOSE;
  CREATE MATERIALIZED VIEW dt_tag AS SELECT k, ts, window_start, window_end FROM TUMBLE(dt, ts, INTERVAL '1 day');
  CREATE MATERIALIZED VIEW dt_all AS SELECT count(*) AS n, count(ts) AS with_time FROM dt;
$$);
INSERT INTO dt VALUES (1, 'infinity'), (2, '-infinity'), (3, '2026-01-01 00:10:00+00');
SELECT laminar.flush();
-- only the finite event has a window; the watermark is 00:09:55, not infinity
SELECT * FROM dt_up ORDER BY k;
SELECT * FROM dt_tag ORDER BY k;
-- a view without a window counts every event
SELECT * FROM dt_all;
SELECT watermark FROM laminar.streams WHERE stream = 'dt'::regclass;
SELECT view, watermark, events_in, late_events, null_time_events
  FROM laminar.views WHERE stream = 'dt'::regclass ORDER BY view::text;
-- later events are judged against the finite watermark (01:29:55 after the
-- first INSERT): 4 counts, 6 and 7 are late
INSERT INTO dt VALUES (4, '2026-01-01 01:30:00+00'), (5, '-infinity'), (5, 'infinity');
INSERT INTO dt VALUES (6, '2026-01-01 01:00:00+00'), (7, '2026-01-01 00:00:00+00');
SELECT laminar.flush();
SELECT * FROM dt_up ORDER BY k;
SELECT * FROM dt_close ORDER BY window_start;
SELECT view, watermark, events_in, late_events, null_time_events
  FROM laminar.views WHERE stream = 'dt'::regclass ORDER BY view::text;
-- every bound written is a valid timestamptz: it survives a text round trip (COPY)
SELECT count(*) AS reloadable FROM (
  SELECT window_start::text::timestamptz, window_end::text::timestamptz FROM dt_up
  UNION ALL SELECT window_start::text::timestamptz, window_end::text::timestamptz FROM dt_close
  UNION ALL SELECT window_start::text::timestamptz, window_end::text::timestamptz FROM dt_tag) s;
SELECT laminar.execute('DROP STREAM dt CASCADE');

-- timestamp without time zone: the same rules
SELECT laminar.execute($$
  CREATE STREAM dtn (k int, ts timestamp, WATERMARK FOR ts AS ts);
  CREATE MATERIALIZED VIEW dtn_v AS
    SELECT window_start, count(*) AS n FROM TUMBLE(dtn, ts, INTERVAL '1 minute') GROUP BY window_start;
$$);
INSERT INTO dtn VALUES (1, 'infinity'), (2, '-infinity'), (3, '2026-01-01 00:00:30');
INSERT INTO dtn VALUES (4, '2026-01-01 00:00:10');
SELECT laminar.flush();
SELECT * FROM dtn_v;
SELECT watermark, late_events, null_time_events FROM laminar.views WHERE view = 'dtn_v'::regclass;
SELECT laminar.execute('DROP STREAM dtn CASCADE');

-- the edges of the range: a window must start and end inside it, as
-- date_bin(size, ts, '1970-01-01') + size must; events of one transaction
-- never make each other late
SELECT laminar.execute($$
  CREATE STREAM dte (k int, ts timestamptz, WATERMARK FOR ts AS ts);
  CREATE MATERIALIZED VIEW dte_day AS
    SELECT k, window_start, window_end, count(*) AS n FROM TUMBLE(dte, ts, INTERVAL '1 day')
    GROUP BY k, window_start, window_end;
  CREATE MATERIALIZED VIEW dte_week AS
    SELECT k, window_start, window_end, count(*) AS n FROM TUMBLE(dte, ts, INTERVAL '7 days')
    GROUP BY k, window_start, window_end;
  CREATE MATERIALIZED VIEW dte_huge AS
    SELECT k, window_start, window_end, count(*) AS n
    FROM TUMBLE(dte, ts, INTERVAL '106751991 days 04:00:54.775807') GROUP BY k, window_start, window_end;
$$);
INSERT INTO dte VALUES (1, '4714-11-24 00:00:00+00 BC'), (2, '4714-11-28 00:00:00+00 BC'),
                       (3, '2026-01-01 12:00:00+00'), (4, '294276-12-30 12:00:00+00'),
                       (5, '294276-12-31 23:59:59.999999+00');
SELECT laminar.flush();
SELECT * FROM dte_day ORDER BY k;
SELECT * FROM dte_week ORDER BY k;
SELECT * FROM dte_huge ORDER BY k;
-- the same bounds in plain SQL where date_bin can compute them; PostgreSQL
-- has no value for the windows dropped above (its date_bin also overflows
-- computing ts - origin for times in the last 30 years of the range, where
-- Laminar still finds the window: event 4)
CREATE TABLE dte_plain (k int, ts timestamptz);
INSERT INTO dte_plain VALUES (1, '4714-11-24 00:00:00+00 BC'), (2, '4714-11-28 00:00:00+00 BC'),
                             (3, '2026-01-01 12:00:00+00');
SELECT k, date_bin('1 day', ts, '1970-01-01 00:00:00+00') AS day_start FROM dte_plain ORDER BY k;
SELECT k, date_bin('7 days', ts, '1970-01-01 00:00:00+00') AS week_start FROM dte_plain WHERE k > 1 ORDER BY k;
SELECT date_bin('7 days', '4714-11-24 00:00:00+00 BC'::timestamptz, '1970-01-01 00:00:00+00');
SELECT '294276-12-31 00:00:00+00'::timestamptz + interval '1 day';
DROP TABLE dte_plain;
SELECT view, late_events, null_time_events FROM laminar.views WHERE stream = 'dte'::regclass ORDER BY view::text;
SELECT laminar.execute('DROP STREAM dte CASCADE');

-- a delay as large as the range: the watermark saturates instead of wrapping
-- around, so an event in 4000 BC does not make 2026 late
SELECT laminar.execute($$
  CREATE STREAM dtd (k int, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '104300446 days');
  CREATE MATERIALIZED VIEW dtd_v AS
    SELECT window_start, count(*) AS n FROM TUMBLE(dtd, ts, INTERVAL '1 hour') GROUP BY window_start;
  CREATE MATERIALIZED VIEW dtd_close AS
    SELECT window_start, count(*) AS n FROM TUMBLE(dtd, ts, INTERVAL '1 hour') GROUP BY window_start
    EMIT ON WINDOW CLOSE;
$$);
INSERT INTO dtd VALUES (1, '4000-01-01 00:00:00+00 BC');
INSERT INTO dtd VALUES (2, '2026-01-01 00:00:00+00');
INSERT INTO dtd VALUES (3, '2026-01-01 00:30:00+00');
SELECT laminar.flush();
SELECT * FROM dtd_v ORDER BY window_start;
SELECT count(*) AS closed_windows FROM dtd_close;
SELECT watermark FROM laminar.streams WHERE stream = 'dtd'::regclass;
SELECT view, watermark, events_in, late_events, null_time_events
  FROM laminar.views WHERE stream = 'dtd'::regclass ORDER BY view::text;
SELECT laminar.execute('DROP STREAM dtd CASCADE');

-- sizes and delays that do not fit in 64-bit microseconds are refused, not wrapped
SELECT laminar.execute($$ CREATE STREAM dtx (ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '213503983 days') $$);
SELECT laminar.execute($$ CREATE STREAM dtx (ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '106751991 days 04:00:54.775808') $$);
SELECT laminar.execute($$ CREATE STREAM dtx (ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '106751992 days') $$);
SELECT laminar.execute($$ CREATE STREAM dtx (ts timestamptz, WATERMARK FOR ts AS ts) $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW dtx_v AS
  SELECT window_start, count(*) FROM TUMBLE(dtx, ts, INTERVAL '213503983 days') GROUP BY window_start $$);
SELECT laminar.flush('213503983 days');
SELECT laminar.execute('DROP STREAM dtx');
SELECT count(*) AS leftovers FROM laminar.streams WHERE stream::text LIKE 'dt%';
RESET TimeZone;
RESET DateStyle;
