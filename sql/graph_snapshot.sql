-- Snapshot and restore: with laminar.debug_snapshot_cycle on, after every
-- pass each worker rebuilds every view that saw events from its catalog row
-- and restores the old graph's state into it from a snapshot.  The results
-- must be exactly the plain-SQL answer.  The aggregates cover every way a
-- state is saved: by value (count, sum(int4), min, max), by reference
-- (sum(numeric), string min), through serialfn/deserialfn (avg(int8),
-- sum(int8), avg(numeric), an internal state), and by retained input
-- (array_agg, string_agg, jsonb_agg: internal states without serialfn).
ALTER SYSTEM SET laminar.debug_snapshot_cycle = on;
SELECT pg_reload_conf();
SELECT laminar.execute($$
  CREATE STREAM gs (k int4, v int8, n numeric, t text, ts timestamptz,
                    WATERMARK FOR ts AS ts - INTERVAL '1 minute');
  CREATE MATERIALIZED VIEW gs_keyed AS
    SELECT k, count(*) AS c, count(n) AS cn, sum(k) AS sk, min(v) AS mn, max(t) AS mt,
           sum(n) AS sn, avg(v) AS av, sum(v) AS sv, avg(n) AS an,
           array_agg(v) AS arr, string_agg(t, ',') AS st, jsonb_agg(v) AS js
    FROM gs GROUP BY k;
  CREATE MATERIALIZED VIEW gs_win AS
    SELECT window_start, k, count(*) AS c, sum(n) AS sn, avg(v) AS av
    FROM TUMBLE(gs, ts, INTERVAL '10 seconds') GROUP BY window_start, k EMIT ON WINDOW CLOSE;
  CREATE MATERIALIZED VIEW gs_global AS SELECT count(*) AS c, sum(v) AS s, max(n) AS mx FROM gs;
$$);
CREATE TABLE gs_plain (k int4, v int8, n numeric, t text, ts timestamptz);
-- events in several transactions, so that the graphs are cycled mid-stream
DO $$
BEGIN
  FOR b IN 0..19 LOOP
    INSERT INTO gs SELECT i % 7, (i * 37) % 101 - 50, CASE WHEN i % 9 = 0 THEN NULL ELSE i / 3.0 END,
                          'x' || (i % 13),
                          '2026-01-01 00:00:00+00'::timestamptz + (b * 25 + i % 25) * INTERVAL '1 second'
      FROM generate_series(b * 50, b * 50 + 49) i;
    INSERT INTO gs_plain SELECT i % 7, (i * 37) % 101 - 50, CASE WHEN i % 9 = 0 THEN NULL ELSE i / 3.0 END,
                          'x' || (i % 13),
                          '2026-01-01 00:00:00+00'::timestamptz + (b * 25 + i % 25) * INTERVAL '1 second'
      FROM generate_series(b * 50, b * 50 + 49) i;
    COMMIT;
    PERFORM laminar.flush();
  END LOOP;
END $$;
-- the graphs were really rebuilt from snapshots
SELECT count(*) AS views_restored FROM (VALUES ('gs_keyed'::regclass), ('gs_win'), ('gs_global')) v(v)
  WHERE EXISTS (SELECT FROM laminar.explain(v.v) l WHERE l LIKE '(state restored from a snapshot%');
-- and every result equals the plain-SQL answer (no row differs either way;
-- the order-dependent aggregates are compared sorted)
CREATE VIEW gs_keyed_sorted AS
  SELECT k, c, cn, sk, mn, mt, sn, av, sv, an,
         (SELECT array_agg(x ORDER BY x) FROM unnest(arr) x) AS arr,
         (SELECT string_agg(x, ',' ORDER BY x) FROM unnest(string_to_array(st, ',')) x) AS st,
         (SELECT jsonb_agg(x ORDER BY x) FROM jsonb_array_elements(js) x) AS js
  FROM gs_keyed;
SELECT count(*) AS keyed_differences FROM (
  (SELECT * FROM gs_keyed_sorted EXCEPT ALL
   SELECT k, count(*), count(n), sum(k), min(v), max(t), sum(n), avg(v), sum(v), avg(n),
          array_agg(v ORDER BY v), string_agg(t, ',' ORDER BY t),
          (SELECT jsonb_agg(x ORDER BY x) FROM jsonb_array_elements(jsonb_agg(v)) x)
   FROM gs_plain GROUP BY k)
  UNION ALL
  (SELECT k, count(*), count(n), sum(k), min(v), max(t), sum(n), avg(v), sum(v), avg(n),
          array_agg(v ORDER BY v), string_agg(t, ',' ORDER BY t),
          (SELECT jsonb_agg(x ORDER BY x) FROM jsonb_array_elements(jsonb_agg(v)) x)
   FROM gs_plain GROUP BY k
   EXCEPT ALL SELECT * FROM gs_keyed_sorted)) d;
SELECT count(*) AS keyed_groups FROM gs_keyed;
-- closed windows only: those ending at or before the watermark
SELECT count(*) AS window_differences FROM (
  (SELECT * FROM gs_win EXCEPT ALL
   SELECT date_bin('10 seconds', ts, '1970-01-01'), k, count(*), sum(n), avg(v) FROM gs_plain
   WHERE date_bin('10 seconds', ts, '1970-01-01') + INTERVAL '10 seconds'
         <= (SELECT max(ts) - INTERVAL '1 minute' FROM gs_plain)
   GROUP BY 1, 2)
  UNION ALL
  (SELECT date_bin('10 seconds', ts, '1970-01-01'), k, count(*), sum(n), avg(v) FROM gs_plain
   WHERE date_bin('10 seconds', ts, '1970-01-01') + INTERVAL '10 seconds'
         <= (SELECT max(ts) - INTERVAL '1 minute' FROM gs_plain)
   GROUP BY 1, 2
   EXCEPT ALL SELECT * FROM gs_win)) d;
SELECT count(*) > 0 AS windows_written FROM gs_win;
SELECT (SELECT row(c, s, mx) FROM gs_global) = (SELECT row(count(*), sum(v), max(n)) FROM gs_plain)
  AS global_equal;
SELECT view, skipped_events, skipped_rows, last_error FROM laminar.views
  WHERE view::text LIKE 'gs%' ORDER BY 1;
ALTER SYSTEM RESET laminar.debug_snapshot_cycle;
SELECT pg_reload_conf();
DROP VIEW gs_keyed_sorted;
SELECT laminar.execute('DROP STREAM gs CASCADE');
DROP TABLE gs_plain;
