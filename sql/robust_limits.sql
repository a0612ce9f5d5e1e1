-- Limits (issue 9): a row larger than a ring is refused with its own size;
-- a view that outgrows laminar.work_mem is stopped, its state freed, and
-- the other views go on.
\set VERBOSITY default
SELECT laminar.execute($$
  CREATE STREAM rl (k int8, t text);
  CREATE MATERIALIZED VIEW rl_v AS SELECT k, length(t) AS len FROM rl;
$$);
-- two small rows and one of 288000 characters in one statement: the error
-- gives the size of that row, not of everything batched so far
INSERT INTO rl SELECT i, CASE WHEN i = 3 THEN (SELECT string_agg(md5(j::text), '') FROM generate_series(1, 9000) j) ELSE 'x' END
  FROM generate_series(1, 3) i;
INSERT INTO rl VALUES (4, 'fits');
SELECT laminar.flush();
SELECT * FROM rl_v ORDER BY k;
SELECT laminar.execute('DROP STREAM rl CASCADE');
\set VERBOSITY terse

-- laminar.work_mem
ALTER SYSTEM SET laminar.work_mem = '1MB';
SELECT pg_reload_conf();
SELECT laminar.execute($$
  CREATE STREAM rm (k int8);
  CREATE MATERIALIZED VIEW rm_big AS SELECT k, count(*) AS c FROM rm GROUP BY k;
  CREATE MATERIALIZED VIEW rm_small AS SELECT count(*) AS c FROM rm;
$$);
CREATE TABLE rm_sent (n int8);
-- send groups until the workers, having read the new setting, stop the view
CREATE PROCEDURE rm_fill() LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..60 LOOP
    INSERT INTO rm SELECT g FROM generate_series(i * 20000, i * 20000 + 19999) g;
    INSERT INTO rm_sent VALUES (20000);
    COMMIT;
    PERFORM laminar.flush();
    EXIT WHEN (SELECT last_error IS NOT NULL FROM laminar.views WHERE view = 'rm_big'::regclass);
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
CALL rm_fill();
SELECT last_error LIKE 'view uses % kB, more than laminar.work_mem (1024 kB): stopped' AS stopped_by_work_mem
  FROM laminar.views WHERE view = 'rm_big'::regclass;
SELECT count(*) > 0 AS worker_shows_it FROM laminar.workers
 WHERE last_error_view = 'rm_big'::regclass AND last_error LIKE 'view uses % more than laminar.work_mem%';
-- its memory is freed; the other view counts every event
INSERT INTO rm VALUES (1);
INSERT INTO rm_sent VALUES (1);
SELECT laminar.flush();
SELECT c = (SELECT sum(n) FROM rm_sent) AS small_view_counts_all FROM rm_small;
SELECT sum(groups_held) < 20000 AS state_freed FROM laminar.workers;
ALTER SYSTEM RESET laminar.work_mem;
SELECT pg_reload_conf();
DROP PROCEDURE rm_fill();
DROP TABLE rm_sent;
SELECT laminar.execute('DROP STREAM rm CASCADE');
-- the workers unload the dropped views (and forget their errors)
SELECT laminar.flush();
