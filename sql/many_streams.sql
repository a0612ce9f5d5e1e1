-- Twenty streams with windowed views, written in the same transactions:
-- every view closes its windows correctly (each equals plain SQL over its
-- own stream's events).  A worker keeps one watermark per stream and grows
-- that list as streams appear (0.1 had a fixed array).
SET TimeZone = 'UTC';
CREATE TABLE ms_ev (i int, k int, ts timestamptz);
DO $$
BEGIN
  FOR i IN 1..20 LOOP
    PERFORM laminar.execute(format($f$
      CREATE STREAM ms_s%1$s (k int, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
      CREATE MATERIALIZED VIEW ms_v%1$s AS
        SELECT k, window_start, count(*) AS n FROM ms_s%1$s
        GROUP BY k, TUMBLE(ts, INTERVAL '%1$s seconds') EMIT ON WINDOW CLOSE$f$, i));
  END LOOP;
END $$;
SELECT count(*) AS streams FROM laminar.streams WHERE stream::text LIKE 'ms_s%';
-- two transactions, each writing to all twenty streams
BEGIN;
DO $$
BEGIN
  FOR i IN 1..20 LOOP
    EXECUTE format('INSERT INTO ms_s%s SELECT g %% 3, %L::timestamptz + g * interval ''200 ms'' FROM generate_series(1, 200) g',
                   i, '2026-01-01 00:00:00+00');
    INSERT INTO ms_ev SELECT i, g % 3, '2026-01-01 00:00:00+00'::timestamptz + g * interval '200 ms'
      FROM generate_series(1, 200) g;
  END LOOP;
END $$;
COMMIT;
BEGIN;
DO $$
BEGIN
  FOR i IN 1..20 LOOP
    EXECUTE format('INSERT INTO ms_s%s VALUES (7, %L)', i, '2026-01-01 00:10:00+00');
    INSERT INTO ms_ev VALUES (i, 7, '2026-01-01 00:10:00+00');
  END LOOP;
END $$;
COMMIT;
SELECT laminar.flush();
-- every view: its closed windows (end <= 00:09:59) against plain SQL
CREATE FUNCTION ms_check() RETURNS TABLE (views int, matching int, rows bigint) LANGUAGE plpgsql AS $$
DECLARE
    i int;
    a bigint;
    b bigint;
    n bigint;
BEGIN
    views := 0; matching := 0; rows := 0;
    FOR i IN 1..20 LOOP
        EXECUTE format($q$SELECT
            (SELECT count(*) FROM (SELECT k, window_start, n FROM ms_v%1$s EXCEPT ALL
               SELECT k, date_bin('%1$s seconds', ts, 'epoch'), count(*) FROM ms_ev WHERE i = %1$s
                 AND date_bin('%1$s seconds', ts, 'epoch') + interval '%1$s seconds' <= '2026-01-01 00:09:59+00'
               GROUP BY 1, 2) d),
            (SELECT count(*) FROM (SELECT k, date_bin('%1$s seconds', ts, 'epoch'), count(*) FROM ms_ev WHERE i = %1$s
                 AND date_bin('%1$s seconds', ts, 'epoch') + interval '%1$s seconds' <= '2026-01-01 00:09:59+00'
               GROUP BY 1, 2 EXCEPT ALL SELECT k, window_start, n FROM ms_v%1$s) d),
            (SELECT count(*) FROM ms_v%1$s)$q$, i) INTO a, b, n;
        views := views + 1;
        matching := matching + (a = 0 AND b = 0 AND n > 0)::int;
        rows := rows + n;
    END LOOP;
    RETURN NEXT;
END
$$;
SELECT * FROM ms_check();
SELECT count(*) AS views_with_errors FROM laminar.views WHERE view::text LIKE 'ms_v%' AND last_error IS NOT NULL;
DO $$
BEGIN
  FOR i IN 1..20 LOOP
    PERFORM laminar.execute(format('DROP STREAM ms_s%s CASCADE', i));
  END LOOP;
END $$;
DROP TABLE ms_ev;
DROP FUNCTION ms_check();
