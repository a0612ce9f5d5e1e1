-- EMIT CHANGES: an append-only changelog, the view's columns plus
-- _weight (+1 / -1) and _seq.  Summing _weight per distinct row gives the
-- ON UPDATE view of the same query; _seq grows in commit order (one writer
-- at a time holds the table until its transaction commits), so the rows of
-- two transactions never interleave in _seq.
SET TimeZone = 'UTC';
SELECT laminar.execute($$
  CREATE STREAM ch (k int, v int, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE MATERIALIZED VIEW ch_upd AS SELECT k, count(*) AS n, sum(v) AS s FROM ch GROUP BY k;
  CREATE MATERIALIZED VIEW ch_log AS SELECT k, count(*) AS n, sum(v) AS s FROM ch GROUP BY k
    EMIT CHANGES;
  CREATE MATERIALIZED VIEW ch_win_upd AS
    SELECT k, window_start, count(*) AS n FROM ch GROUP BY k, TUMBLE(ts, INTERVAL '10 seconds')
    ALLOW LATENESS INTERVAL '5 seconds';
  CREATE MATERIALIZED VIEW ch_win_log AS
    SELECT k, window_start, count(*) AS n FROM ch GROUP BY k, TUMBLE(ts, INTERVAL '10 seconds')
    EMIT CHANGES ALLOW LATENESS INTERVAL '5 seconds';
  CREATE MATERIALIZED VIEW ch_hav_log AS
    SELECT k, count(*) AS n FROM ch GROUP BY k HAVING count(*) % 2 = 0 EMIT CHANGES;
  CREATE MATERIALIZED VIEW ch_hav_upd AS
    SELECT k, count(*) AS n FROM ch GROUP BY k HAVING count(*) % 2 = 0;
  CREATE MATERIALIZED VIEW ch_rows AS SELECT k, v * 2 AS v2 FROM ch WHERE v > 5 EMIT CHANGES;
  CREATE MATERIALIZED VIEW ch_total AS SELECT count(*) AS n FROM ch EMIT CHANGES
$$);
\d ch_log
SELECT view, emit FROM laminar.views WHERE view::text LIKE 'ch%' ORDER BY view::text;
SELECT laminar.flush();
SELECT regexp_replace(line, '  \(.*', '') AS line
  FROM laminar.explain('ch_log') WITH ORDINALITY AS e(line, n) WHERE n = 4;
-- a changelog against the ON UPDATE view: the net weight of each row
CREATE FUNCTION ch_net(log text, upd text, cols text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    a int;
    b int;
    bad int;
BEGIN
    EXECUTE format('SELECT count(*) FROM (SELECT %s FROM %s GROUP BY %s HAVING sum(_weight) <> 0
                    EXCEPT ALL SELECT %s FROM %s) d', cols, log, cols, cols, upd) INTO a;
    EXECUTE format('SELECT count(*) FROM (SELECT %s FROM %s EXCEPT ALL SELECT %s FROM %s
                    GROUP BY %s HAVING sum(_weight) <> 0) d', cols, upd, cols, log, cols) INTO b;
    EXECUTE format('SELECT count(*) FROM (SELECT %s FROM %s GROUP BY %s
                    HAVING sum(_weight) NOT IN (0, 1)) d', cols, log, cols) INTO bad;
    RETURN format('%s: %s rows only in the net changelog, %s only in %s, %s rows of weight other than 0 or 1',
                  log, a, b, upd, bad);
END
$$;
CREATE FUNCTION ch_check() RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN NEXT ch_net('ch_log', 'ch_upd', 'k, n, s');
    RETURN NEXT ch_net('ch_win_log', 'ch_win_upd', 'k, window_start, n');
    RETURN NEXT ch_net('ch_hav_log', 'ch_hav_upd', 'k, n');
    -- every _seq once; the rows of one transaction form a run of _seq
    -- (how many rows depends on how often the worker emitted: not shown)
    RETURN NEXT (SELECT format('ch_log: every _seq distinct: %s, runs interleaved: %s',
                               count(*) = count(DISTINCT _seq),
                               (SELECT count(*) FROM
                                  (SELECT xmin::text AS x, min(_seq) AS lo, max(_seq) AS hi FROM ch_log GROUP BY 1) a
                                  JOIN (SELECT xmin::text AS x, min(_seq) AS lo, max(_seq) AS hi FROM ch_log GROUP BY 1) b
                                    ON a.x <> b.x AND b.lo < a.hi AND b.hi > a.lo))
                   FROM ch_log);
END
$$;
-- transactions over many keys, so that both workers write the changelog
INSERT INTO ch SELECT g % 37, g, '2026-01-01 00:00:00+00'::timestamptz + g * interval '10 ms'
  FROM generate_series(1, 500) g;
SELECT laminar.flush();
SELECT * FROM ch_check();
INSERT INTO ch SELECT g % 41, g, '2026-01-01 00:00:06+00'::timestamptz + g * interval '10 ms'
  FROM generate_series(1, 500) g;
INSERT INTO ch SELECT g % 3, 1, '2026-01-01 00:00:02+00' FROM generate_series(1, 7) g;
SELECT laminar.flush();
SELECT * FROM ch_check();
-- late but allowed: the changelog retracts and re-adds the window's rows
INSERT INTO ch VALUES (1, 1, '2026-01-01 00:00:08+00');
SELECT laminar.flush();
SELECT * FROM ch_check();
SELECT k, window_start, n, _weight FROM ch_win_log
 WHERE k = 1 AND window_start = '2026-01-01 00:00:00+00' ORDER BY _seq DESC LIMIT 2;
-- a stateless changelog: every row once, weight +1
SELECT count(*) AS rows, sum(_weight) AS net, min(_weight), max(_weight) FROM ch_rows;
SELECT 2 * count(*) AS expected FROM generate_series(1, 500) g WHERE g > 5;
-- a global aggregate's changelog starts empty: its first change is its first row
SELECT n, _weight FROM ch_total ORDER BY _seq;
-- retention: compacting folds old rows into their net weights; sums of
-- _weight stay, and nothing appears past the compacted _seq
CREATE TABLE ch_before AS SELECT max(_seq) AS top, count(*) AS n FROM ch_log;
SELECT laminar.compact_changes('ch_log', (SELECT top FROM ch_before) - 10) > 0 AS removed_some;
SELECT * FROM ch_check();
SELECT count(*) < (SELECT n FROM ch_before) AS fewer_rows,
       count(*) FILTER (WHERE _seq > (SELECT top FROM ch_before)) AS new_rows,
       count(*) FILTER (WHERE _weight NOT IN (-1, 1)) AS odd_weights
  FROM ch_log;
-- the changelog goes on after it
INSERT INTO ch VALUES (1, 1, '2026-01-01 00:00:20+00'), (2, 1, '2026-01-01 00:00:20+00');
SELECT laminar.flush();
SELECT * FROM ch_check();
DROP TABLE ch_before;
\set VERBOSITY default
SELECT laminar.compact_changes('ch_upd', 10);
-- refused: a column the changelog adds
\set VERBOSITY default
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW ch_bad AS SELECT k, count(*) AS _seq FROM ch GROUP BY k EMIT CHANGES $$);
SELECT laminar.execute('DROP STREAM ch CASCADE');
DROP FUNCTION ch_check(), ch_net(text, text, text);
