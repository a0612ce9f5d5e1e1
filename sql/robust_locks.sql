-- A worker never makes a user's DDL the victim of a deadlock (src/worker/
-- lock.c).  Dropping two views in one transaction locks their tables in
-- the statement's order; a worker loading (or writing) both in its own
-- order, holding the first and waiting for the second, used to close a
-- cycle that the deadlock detector broke by cancelling the DROP (13 in 100
-- rounds of this loop without its events, on the build before the fix).  Now the worker sees that the lock's holder
-- waits for a lock it holds, gives up that step and tries again later.
SELECT laminar.execute($$
  CREATE STREAM rl_s1 (k int);
  CREATE STREAM rl_s2 (k int);
$$);
CREATE PROCEDURE rl_rounds(n int) LANGUAGE plpgsql AS $p$
DECLARE
  deadlocks int := 0;
BEGIN
  FOR i IN 1..n LOOP
    PERFORM laminar.execute($$
      CREATE MATERIALIZED VIEW rl_a AS SELECT k FROM rl_s1;
      CREATE MATERIALIZED VIEW rl_b AS SELECT k, count(*) AS n FROM rl_s2 GROUP BY k;
    $$);
    COMMIT;
    INSERT INTO rl_s1 VALUES (i);
    INSERT INTO rl_s2 VALUES (i);
    COMMIT;
    BEGIN
      -- the reverse of the order the worker loads them in
      PERFORM laminar.execute($$ DROP MATERIALIZED VIEW rl_b; DROP MATERIALIZED VIEW rl_a $$);
    EXCEPTION WHEN deadlock_detected THEN
      deadlocks := deadlocks + 1;
      PERFORM laminar.execute($$
        DROP MATERIALIZED VIEW IF EXISTS rl_b; DROP MATERIALIZED VIEW IF EXISTS rl_a $$);
    END;
    COMMIT;
  END LOOP;
  RAISE NOTICE 'rounds: %, DROPs cancelled by a deadlock: %', n, deadlocks;
END $p$;
CALL rl_rounds(150);
DROP PROCEDURE rl_rounds(int);
-- the workers are fine, and views made afterwards run
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW rl_after AS SELECT k, count(*) AS n FROM rl_s1 GROUP BY k $$);
INSERT INTO rl_s1 VALUES (7), (7), (8);
SELECT laminar.flush();
SELECT * FROM rl_after ORDER BY k;
SELECT count(*) AS workers_running FROM laminar.workers WHERE pid IS NOT NULL;
SELECT laminar.execute('DROP STREAM rl_s1 CASCADE; DROP STREAM rl_s2 CASCADE');
