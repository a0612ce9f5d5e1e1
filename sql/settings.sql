-- A view runs with its creator's TimeZone, DateStyle and IntervalStyle from
-- creation time, whatever the worker's or a later session's settings.
SET TimeZone = 'Asia/Tokyo';
SET DateStyle = 'SQL, DMY';
SET IntervalStyle = 'iso_8601';
SELECT laminar.execute($$
  CREATE STREAM tz (id int8, ts timestamptz, d interval);
  CREATE MATERIALIZED VIEW tz_v AS
    SELECT id, ts::date AS local_day, to_char(ts, 'HH24:MI') AS local_time, ts::text AS ts_text,
           d::text AS d_text
    FROM tz;
  CREATE MATERIALIZED VIEW tz_days AS SELECT ts::date AS day, count(*) AS n FROM tz GROUP BY 1;
$$);
RESET TimeZone;
RESET DateStyle;
RESET IntervalStyle;
SET TimeZone = 'UTC';
-- 2026-01-01 20:30 UTC is already 2026-01-02 05:30 in Tokyo
INSERT INTO tz VALUES (1, '2026-01-01 20:30:00+00', '1 day 2 hours'),
                      (2, '2026-01-01 10:00:00+00', '90 minutes');
SELECT laminar.flush();
SELECT id, local_day, local_time, ts_text, d_text FROM tz_v ORDER BY id;
SELECT * FROM tz_days ORDER BY day;
RESET TimeZone;
SELECT laminar.execute('DROP STREAM tz CASCADE');
