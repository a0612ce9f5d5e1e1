-- More than 16 streams with windowed views: every view keeps reading its own
-- stream's watermark (the worker's table of watermarks grows under them).
SELECT laminar.execute(string_agg(format($f$
  CREATE STREAM ost_%s (k int4, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE MATERIALIZED VIEW ost_v%s AS
    SELECT window_start, count(*) AS n FROM TUMBLE(ost_%s, ts, INTERVAL '10 seconds')
    GROUP BY window_start EMIT ON WINDOW CLOSE$f$, i, i, i), ';' ORDER BY i)) IS NOT NULL AS created
  FROM generate_series(1, 20) i;
-- in every stream: two events in [00:00, 00:10), then one at 00:25 (watermark 00:24)
DO $$
BEGIN
  FOR i IN 1..20 LOOP
    EXECUTE format($f$INSERT INTO ost_%s VALUES (1, '2026-01-01 00:00:01+00'), (2, '2026-01-01 00:00:02+00')$f$, i);
    EXECUTE format($f$INSERT INTO ost_%s VALUES (3, '2026-01-01 00:00:25+00')$f$, i);
  END LOOP;
END $$;
SELECT laminar.flush();
-- each view has written its closed window, once
SELECT i AS stream,
       (xpath('/row/r/text()', query_to_xml(format(
          'SELECT string_agg(window_start || '' n='' || n, '', '') AS r FROM ost_v%s', i),
          false, true, '')))[1]::text AS emitted
  FROM generate_series(1, 20) i ORDER BY i;
SELECT count(*) AS stopped FROM laminar.views WHERE view::text LIKE 'ost%' AND last_error IS NOT NULL;
-- drop some streams, add others: the remaining views go on
SELECT laminar.execute('DROP STREAM ost_2 CASCADE; DROP STREAM ost_5 CASCADE; DROP STREAM ost_17 CASCADE');
SELECT laminar.execute($f$
  CREATE STREAM ost_21 (k int4, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE MATERIALIZED VIEW ost_v21 AS
    SELECT window_start, count(*) AS n FROM TUMBLE(ost_21, ts, INTERVAL '10 seconds')
    GROUP BY window_start EMIT ON WINDOW CLOSE$f$);
INSERT INTO ost_1 VALUES (4, '2026-01-01 00:00:26+00');
INSERT INTO ost_1 VALUES (5, '2026-01-01 00:00:45+00');
INSERT INTO ost_20 VALUES (6, '2026-01-01 00:00:33+00');
INSERT INTO ost_21 VALUES (7, '2026-01-01 00:00:03+00'), (8, '2026-01-01 00:00:12+00');
SELECT laminar.flush();
SELECT * FROM ost_v1 ORDER BY window_start;
SELECT * FROM ost_v20 ORDER BY window_start;
SELECT * FROM ost_v21 ORDER BY window_start;
SELECT laminar.execute(string_agg(format('DROP STREAM ost_%s CASCADE', i), ';'))
  FROM generate_series(1, 21) i WHERE i NOT IN (2, 5, 17);
