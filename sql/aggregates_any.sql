-- Any aggregate: DISTINCT and ORDER BY inside, ordered-set and
-- hypothetical-set aggregates (computed by PostgreSQL's executor over the
-- input each group retained, at every emit), and aggregates of other
-- extensions (finalized on a copy of their state, whatever aggfinalmodify
-- says: a view finalizes again and again).  After every transaction each
-- view equals plain SQL over the same events, fed in the same order.
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
CREATE EXTENSION IF NOT EXISTS tdigest;
CREATE EXTENSION IF NOT EXISTS hll;
CREATE TABLE ag_ev (seq serial, k int, x float8, t text, ts timestamptz, batch int);
SELECT laminar.execute($$
  CREATE STREAM ag (seq int, k int, x float8, t text, ts timestamptz,
                    WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE MATERIALIZED VIEW ag_distinct AS
    SELECT k, count(DISTINCT t) AS dt, sum(DISTINCT x) AS sx, count(DISTINCT x) FILTER (WHERE x > 0) AS px,
           count(*) AS n
    FROM ag GROUP BY k;
  CREATE MATERIALIZED VIEW ag_ordered AS
    SELECT k, string_agg(t, ',' ORDER BY t DESC, seq) AS s, array_agg(x ORDER BY x NULLS FIRST, seq) AS a,
           string_agg(DISTINCT t COLLATE "C", '|' ORDER BY t COLLATE "C") AS d
    FROM ag GROUP BY k;
  CREATE MATERIALIZED VIEW ag_osa AS
    SELECT k, percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS med,
           percentile_disc('{0.25,0.75}'::float8[]) WITHIN GROUP (ORDER BY x) AS q,
           mode() WITHIN GROUP (ORDER BY t) AS m,
           rank(0.5) WITHIN GROUP (ORDER BY x) AS r
    FROM ag GROUP BY k;
  CREATE MATERIALIZED VIEW ag_win AS
    SELECT k, window_start, percentile_cont(0.9) WITHIN GROUP (ORDER BY x) AS p90, count(DISTINCT t) AS dt
    FROM ag GROUP BY k, TUMBLE(ts, INTERVAL '10 seconds') EMIT ON WINDOW CLOSE;
  CREATE MATERIALIZED VIEW ag_ext AS
    SELECT k, tdigest_percentile(x, 100, 0.5) AS td, hll_add_agg(hll_hash_text(t)) AS h
    FROM ag GROUP BY k
$$);
-- the explain line names the aggregates (once the workers loaded the view)
SELECT laminar.flush();
SELECT regexp_replace(line, '  \(rows.*', '') AS line
  FROM laminar.explain('ag_osa') WITH ORDINALITY AS e(line, n) WHERE n = 3;
SELECT regexp_replace(line, '  \(rows.*', '') AS line
  FROM laminar.explain('ag_ext') WITH ORDINALITY AS e(line, n) WHERE n = 3;
-- every view against plain SQL; the extension aggregates see the events in
-- the order the view saw them (ORDER BY seq inside the aggregate)
CREATE FUNCTION ag_check() RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN NEXT lm_diff('ag_distinct', $q$SELECT k, count(DISTINCT t), sum(DISTINCT x),
        count(DISTINCT x) FILTER (WHERE x > 0), count(*) FROM ag_ev GROUP BY k$q$);
    RETURN NEXT lm_diff('ag_ordered', $q$SELECT k, string_agg(t, ',' ORDER BY t DESC, seq),
        array_agg(x ORDER BY x NULLS FIRST, seq), string_agg(DISTINCT t COLLATE "C", '|' ORDER BY t COLLATE "C")
        FROM ag_ev GROUP BY k$q$);
    RETURN NEXT lm_diff('ag_osa', $q$SELECT k, percentile_cont(0.5) WITHIN GROUP (ORDER BY x),
        percentile_disc('{0.25,0.75}'::float8[]) WITHIN GROUP (ORDER BY x), mode() WITHIN GROUP (ORDER BY t),
        rank(0.5) WITHIN GROUP (ORDER BY x) FROM ag_ev GROUP BY k$q$);
    RETURN NEXT lm_diff('(SELECT k, td, h::text FROM ag_ext) v', $q$SELECT k,
        tdigest_percentile(x, 100, 0.5 ORDER BY seq), hll_add_agg(hll_hash_text(t) ORDER BY seq)::text
        FROM ag_ev GROUP BY k$q$);
END
$$;
-- ten transactions of 80 events over 3 keys: each emits, then grows the
-- groups (the largest to 354 values by the end), with NULLs and repeats
SELECT setseed(0.25);
DO $$
BEGIN
  FOR b IN 1..10 LOOP
    INSERT INTO ag_ev (k, x, t, ts, batch)
    SELECT CASE WHEN random() < 0.05 THEN NULL ELSE (random() * 2)::int END,
           CASE WHEN random() < 0.05 THEN NULL ELSE round((random() * 1000)::numeric, 1)::float8 END,
           CASE WHEN random() < 0.05 THEN NULL ELSE chr(97 + (random() * 5)::int) END,
           '2026-01-01 00:00:00+00'::timestamptz + (b * 3 + random()) * interval '1 second',
           b
      FROM generate_series(1, 80);
  END LOOP;
END $$;
-- each batch in its own transaction, each followed by a flush and a check
-- (rows of plain SQL over the batches sent so far)
CREATE TABLE ag_all AS SELECT * FROM ag_ev;
TRUNCATE ag_ev;
CREATE FUNCTION ag_send(b int) RETURNS void LANGUAGE sql AS $$
    INSERT INTO ag SELECT seq, k, x, t, ts FROM ag_all WHERE batch = b ORDER BY seq
$$;
CREATE FUNCTION ag_step(b int) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ag_ev SELECT * FROM ag_all WHERE batch = b;
    RETURN QUERY SELECT * FROM ag_check();
END
$$;
SELECT ag_send(1);
SELECT laminar.flush();
SELECT * FROM ag_step(1);
SELECT ag_send(2);
SELECT laminar.flush();
SELECT * FROM ag_step(2);
SELECT ag_send(3);
SELECT ag_send(4);
SELECT laminar.flush();
SELECT count(*) FROM ag_step(3);
SELECT * FROM ag_step(4);
SELECT ag_send(5);
SELECT laminar.flush();
SELECT * FROM ag_step(5);
SELECT ag_send(6);
SELECT laminar.flush();
SELECT * FROM ag_step(6);
SELECT ag_send(7);
SELECT laminar.flush();
SELECT * FROM ag_step(7);
SELECT ag_send(8);
SELECT laminar.flush();
SELECT * FROM ag_step(8);
SELECT ag_send(9);
SELECT laminar.flush();
SELECT * FROM ag_step(9);
SELECT ag_send(10);
SELECT laminar.flush();
SELECT * FROM ag_step(10);
SELECT count(*) AS events, min(n), max(n) FROM (SELECT k, count(*) AS n FROM ag_ev GROUP BY k) g;
-- closed windows, once each: the events not late (all are in order here)
SELECT lm_diff('ag_win', $q$SELECT k, date_bin('10 seconds', ts, 'epoch'),
    percentile_cont(0.9) WITHIN GROUP (ORDER BY x), count(DISTINCT t) FROM ag_ev
    WHERE date_bin('10 seconds', ts, 'epoch') + interval '10 seconds'
          <= (SELECT max(ts) - interval '1 second' FROM ag_ev)
    GROUP BY 1, 2$q$);
-- refused: direct arguments that are not constants
\set VERBOSITY default
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW ag_bad AS SELECT k, percentile_cont(k / 10.0) WITHIN GROUP (ORDER BY x) FROM ag GROUP BY k $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW ag_bad AS SELECT k, percentile_cont(random()) WITHIN GROUP (ORDER BY x) FROM ag GROUP BY k $$);
SELECT laminar.execute('DROP STREAM ag CASCADE');
DROP TABLE ag_ev, ag_all;
DROP FUNCTION ag_check(), ag_send(int), ag_step(int);
-- the next run (the snapshot cycle reuses this database) creates them again
DROP EXTENSION hll;
DROP EXTENSION tdigest;
