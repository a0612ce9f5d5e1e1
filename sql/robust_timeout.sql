-- One view cannot stall a worker (issue 9, item 13): laminar.view_timeout
-- cancels a view that holds the worker too long (a function that sleeps,
-- a lock its owner holds on its result table); the view skips that work,
-- counts it, and after 3 timeouts in a row is stopped.  Another user's view
-- keeps being updated and laminar.flush() returns.
CREATE ROLE lm_rt_alice LOGIN;
CREATE ROLE lm_rt_bob LOGIN;
GRANT CREATE, USAGE ON SCHEMA public TO lm_rt_alice, lm_rt_bob;
CREATE FUNCTION rto_nap(s float8) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_sleep(s);
  RETURN true;
END $$;
ALTER SYSTEM SET laminar.view_timeout = '400ms';
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SET ROLE lm_rt_bob;
SELECT laminar.execute($$
  CREATE STREAM rto_bob (k int8);
  CREATE MATERIALIZED VIEW rto_bob_v AS SELECT k, count(*) AS c FROM rto_bob GROUP BY k;
$$);
RESET ROLE;
SET ROLE lm_rt_alice;
SELECT laminar.execute($$
  CREATE STREAM rto (k int8, s float8);
  CREATE MATERIALIZED VIEW rto_where AS SELECT k, count(*) AS c FROM rto WHERE rto_nap(s) GROUP BY k;
  CREATE MATERIALIZED VIEW rto_select AS SELECT k, count(*) AS c, rto_nap(max(s) / 10) AS napped FROM rto GROUP BY k;
$$);
-- an event whose WHERE sleeps a minute, and a group whose row takes 6 s
INSERT INTO rto VALUES (1, 0), (2, 60);
RESET ROLE;
SET ROLE lm_rt_bob;
INSERT INTO rto_bob SELECT g % 10 FROM generate_series(1, 100) g;
SELECT laminar.flush('10s');
SELECT count(*) AS groups, sum(c) AS events FROM rto_bob_v;
RESET ROLE;
-- rto_select times out at every emit: after 3 it is stopped
DO $$
BEGIN
  FOR i IN 1..100 LOOP
    EXIT WHEN (SELECT last_error IS NOT NULL FROM laminar.views WHERE view = 'rto_select'::regclass);
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT * FROM rto_where ORDER BY k;
SELECT * FROM rto_select ORDER BY k;
SELECT view, skipped_events, timeouts, last_error, last_skip_error
  FROM laminar.views WHERE view::text LIKE 'rto%' ORDER BY 1;
SET ROLE lm_rt_bob;
INSERT INTO rto_bob SELECT g % 10 FROM generate_series(1, 100) g;
SELECT laminar.flush('10s');
SELECT count(*) AS groups, sum(c) AS events FROM rto_bob_v;
RESET ROLE;

-- the owner holds a lock on the result table in another session
SET ROLE lm_rt_alice;
SELECT laminar.execute($$
  CREATE STREAM rto_l (k int8);
  CREATE MATERIALIZED VIEW rto_locked AS SELECT k, count(*) AS c FROM rto_l GROUP BY k;
$$);
RESET ROLE;
\! psql -X -q -U lm_rt_alice -d laminar_regress -c 'BEGIN; LOCK TABLE rto_locked; SELECT pg_sleep(4); COMMIT;' >/dev/null 2>&1 &
DO $$
BEGIN
  FOR i IN 1..100 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM pg_locks WHERE relation = 'rto_locked'::regclass
                       AND mode = 'AccessExclusiveLock' AND granted);
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
INSERT INTO rto_l VALUES (1), (2);
SET ROLE lm_rt_bob;
INSERT INTO rto_bob SELECT g % 10 FROM generate_series(1, 100) g;
SELECT laminar.flush('10s');
SELECT count(*) AS groups, sum(c) AS events FROM rto_bob_v;
RESET ROLE;
-- wait for the lock to go
DO $$
BEGIN
  FOR i IN 1..200 LOOP
    EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_locks WHERE relation = 'rto_locked'::regclass
                           AND mode = 'AccessExclusiveLock');
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SELECT laminar.flush('10s');
SELECT view, timeouts, last_error FROM laminar.views WHERE view = 'rto_locked'::regclass;

-- a view that swallows the cancel (a handler for query_canceled) and sleeps
-- on: the worker ends itself one laminar.view_timeout later, the launcher
-- restarts it, and the view is stopped
CREATE FUNCTION rto_stubborn() RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
  LOOP
    BEGIN
      PERFORM pg_sleep(10);
      RETURN true;
    EXCEPTION WHEN query_canceled THEN
      NULL;
    END;
  END LOOP;
END $$;
CREATE TEMP TABLE rto_w0 AS SELECT worker_id, restarts FROM laminar.workers;
SET ROLE lm_rt_alice;
SELECT laminar.execute($$
  CREATE STREAM rto_s (k int8);
  CREATE MATERIALIZED VIEW rto_stubborn_v AS SELECT k, count(*) AS c FROM rto_s WHERE rto_stubborn() GROUP BY k;
$$);
INSERT INTO rto_s VALUES (1);
RESET ROLE;
DO $$
BEGIN
  FOR i IN 1..200 LOOP
    EXIT WHEN (SELECT last_error IS NOT NULL FROM laminar.views WHERE view = 'rto_stubborn_v'::regclass)
          AND (SELECT bool_and(w.pid IS NOT NULL) AND sum(w.restarts - w0.restarts) > 0
                 FROM laminar.workers w JOIN rto_w0 w0 USING (worker_id));
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SELECT laminar.flush('10s');
SELECT view, last_error FROM laminar.views WHERE view = 'rto_stubborn_v'::regclass;
SELECT sum(w.restarts - w0.restarts) AS worker_restarts
  FROM laminar.workers w JOIN rto_w0 w0 USING (worker_id);
SET ROLE lm_rt_bob;
INSERT INTO rto_bob VALUES (100);
SELECT laminar.flush('10s');
SELECT c FROM rto_bob_v WHERE k = 100;
RESET ROLE;
SET ROLE lm_rt_alice;
SELECT laminar.execute('DROP STREAM rto_s CASCADE');
RESET ROLE;
DROP FUNCTION rto_stubborn();

-- the same in an IMMUTABLE function, which runs when a worker loads the
-- view (constant folding): the workers end themselves once, and the view,
-- stopped, is not loaded again
CREATE FUNCTION rto_stubborn_imm(n int) RETURNS bool IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
  LOOP
    BEGIN
      PERFORM pg_sleep(10);
      RETURN true;
    EXCEPTION WHEN query_canceled THEN
      NULL;
    END;
  END LOOP;
END $$;
CREATE TEMP TABLE rto_w2 AS SELECT worker_id, restarts FROM laminar.workers;
SET ROLE lm_rt_alice;
SELECT laminar.execute($$
  CREATE STREAM rto_i (k int8);
  CREATE MATERIALIZED VIEW rto_immutable AS SELECT k, count(*) AS c FROM rto_i WHERE rto_stubborn_imm(1) GROUP BY k;
$$);
RESET ROLE;
DO $$
BEGIN
  FOR i IN 1..200 LOOP
    EXIT WHEN (SELECT last_error IS NOT NULL FROM laminar.views WHERE view = 'rto_immutable'::regclass);
    PERFORM pg_sleep(0.05);
  END LOOP;
  -- every worker loading it at the same time ends itself: let them all restart
  PERFORM pg_sleep(2);
  FOR i IN 1..200 LOOP
    EXIT WHEN (SELECT bool_and(w.pid IS NOT NULL) AND sum(w.restarts - w2.restarts) > 0
                 FROM laminar.workers w JOIN rto_w2 w2 USING (worker_id));
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SET ROLE lm_rt_bob;
INSERT INTO rto_bob VALUES (300);
SELECT laminar.flush('10s');
SELECT c FROM rto_bob_v WHERE k = 300;
RESET ROLE;
SELECT view, last_error FROM laminar.views WHERE view = 'rto_immutable'::regclass;
-- no more restarts: the stopped view is not loaded again
CREATE TEMP TABLE rto_w3 AS SELECT worker_id, restarts FROM laminar.workers;
SELECT pg_sleep(2);
SELECT laminar.flush('10s');
SELECT sum(w.restarts - w3.restarts) AS restarts_since
  FROM laminar.workers w JOIN rto_w3 w3 USING (worker_id);
SET ROLE lm_rt_alice;
SELECT laminar.execute('DROP STREAM rto_i CASCADE');
RESET ROLE;
DROP FUNCTION rto_stubborn_imm(int);

-- a restarted worker loads its views while an owner holds a lock on a
-- result table: the other views load and run; that one is loaded later
SET ROLE lm_rt_alice;
SELECT laminar.execute($$
  CREATE STREAM rto_c (k int8);
  CREATE MATERIALIZED VIEW rto_compile AS SELECT k, count(*) AS c FROM rto_c GROUP BY k;
$$);
RESET ROLE;
CREATE TEMP TABLE rto_w1 AS SELECT worker_id, restarts FROM laminar.workers;
\! psql -X -q -U lm_rt_alice -d laminar_regress -c 'BEGIN; LOCK TABLE rto_compile; SELECT pg_sleep(5); COMMIT;' >/dev/null 2>&1 &
DO $$
BEGIN
  FOR i IN 1..100 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM pg_locks WHERE relation = 'rto_compile'::regclass
                       AND mode = 'AccessExclusiveLock' AND granted);
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SELECT count(pg_terminate_backend(pid)) AS terminated FROM laminar.workers;
DO $$
BEGIN
  FOR i IN 1..200 LOOP
    EXIT WHEN (SELECT bool_and(w.pid IS NOT NULL AND w.restarts > w1.restarts)
                 FROM laminar.workers w JOIN rto_w1 w1 USING (worker_id));
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
SET ROLE lm_rt_bob;
INSERT INTO rto_bob VALUES (200);
SELECT laminar.flush('2s');
SELECT c FROM rto_bob_v WHERE k = 200;
RESET ROLE;
-- once the lock is gone, rto_compile is loaded and counts new events
DO $$
BEGIN
  FOR i IN 1..400 LOOP
    EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_locks WHERE relation = 'rto_compile'::regclass
                           AND mode = 'AccessExclusiveLock');
    PERFORM pg_sleep(0.05);
  END LOOP;
END $$;
CREATE PROCEDURE rto_until_loaded() LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..40 LOOP
    INSERT INTO rto_c VALUES (i);
    COMMIT;
    PERFORM laminar.flush('10s');
    EXIT WHEN EXISTS (SELECT 1 FROM rto_compile);
    PERFORM pg_sleep(0.5);
  END LOOP;
END $$;
CALL rto_until_loaded();
SELECT count(*) = 1 AS loaded FROM rto_compile;
SELECT view, last_error FROM laminar.views WHERE view = 'rto_compile'::regclass;
DROP PROCEDURE rto_until_loaded();
SET ROLE lm_rt_alice;
SELECT laminar.execute('DROP STREAM rto_c CASCADE');
RESET ROLE;

ALTER SYSTEM RESET laminar.view_timeout;
SELECT pg_reload_conf();
SET ROLE lm_rt_alice;
SELECT laminar.execute('DROP STREAM rto CASCADE; DROP STREAM rto_l CASCADE');
RESET ROLE;
SET ROLE lm_rt_bob;
SELECT laminar.execute('DROP STREAM rto_bob CASCADE');
RESET ROLE;
DROP FUNCTION rto_nap(float8);
REVOKE CREATE, USAGE ON SCHEMA public FROM lm_rt_alice, lm_rt_bob;
DROP ROLE lm_rt_alice;
DROP ROLE lm_rt_bob;
-- the workers unload the dropped views (and forget their errors)
SELECT laminar.flush();
