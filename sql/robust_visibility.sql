-- Error texts can quote row values (issue 9, item 12): laminar.views and
-- laminar.workers show them only to roles that may read the view's result
-- table, its owner's members, pg_read_all_stats and superusers.
CREATE ROLE lm_rv_alice LOGIN;
CREATE ROLE lm_rv_bob LOGIN;
GRANT CREATE, USAGE ON SCHEMA public TO lm_rv_alice, lm_rv_bob;
-- a function that stops the view with an error quoting the value (not a data error)
CREATE FUNCTION rv_check(v text) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN
  IF v LIKE 'stop%' THEN
    RAISE EXCEPTION 'cannot use %', v USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN true;
END $$;
SET ROLE lm_rv_alice;
SELECT laminar.execute($$
  CREATE STREAM rv_s (k int8, v text);
  CREATE MATERIALIZED VIEW rv_cast AS SELECT k, count(*) AS c FROM rv_s WHERE k = 1 AND v::int > 0 GROUP BY k;
  CREATE MATERIALIZED VIEW rv_stop AS SELECT k, count(*) AS c FROM rv_s WHERE rv_check(v) GROUP BY k;
$$);
INSERT INTO rv_s VALUES (1, 'alice-credit-card-4111'), (2, 'stop-alice-secret');
RESET ROLE;
SELECT laminar.flush();
-- alice sees her errors
SET ROLE lm_rv_alice;
SELECT view, last_error, last_skip_error FROM laminar.views WHERE view::text LIKE 'rv%' ORDER BY 1;
SELECT last_error FROM laminar.workers WHERE last_error_view = 'rv_stop'::regclass;
RESET ROLE;
-- bob does not
SET ROLE lm_rv_bob;
SELECT view, last_error, last_skip_error FROM laminar.views WHERE view::text LIKE 'rv%' ORDER BY 1;
SELECT last_error FROM laminar.workers WHERE last_error_view = 'rv_stop'::regclass;
SELECT count(*) AS leaks FROM laminar.workers WHERE last_error LIKE '%alice%';
RESET ROLE;
-- once he may read the result tables, he does
GRANT SELECT ON rv_cast, rv_stop TO lm_rv_bob;
SET ROLE lm_rv_bob;
SELECT view, last_error, last_skip_error FROM laminar.views WHERE view::text LIKE 'rv%' ORDER BY 1;
SELECT last_error FROM laminar.workers WHERE last_error_view = 'rv_stop'::regclass;
RESET ROLE;
-- and so does a member of pg_read_all_stats
REVOKE SELECT ON rv_cast, rv_stop FROM lm_rv_bob;
GRANT pg_read_all_stats TO lm_rv_bob;
SET ROLE lm_rv_bob;
SELECT view, last_error, last_skip_error FROM laminar.views WHERE view::text LIKE 'rv%' ORDER BY 1;
RESET ROLE;
REVOKE pg_read_all_stats FROM lm_rv_bob;
-- superusers see everything
SELECT view, last_error, last_skip_error FROM laminar.views WHERE view::text LIKE 'rv%' ORDER BY 1;
SET ROLE lm_rv_alice;
SELECT laminar.execute('DROP STREAM rv_s CASCADE');
RESET ROLE;
DROP FUNCTION rv_check(text);
REVOKE CREATE, USAGE ON SCHEMA public FROM lm_rv_alice, lm_rv_bob;
DROP ROLE lm_rv_alice;
DROP ROLE lm_rv_bob;
-- the workers unload the dropped views (and forget their errors)
SELECT laminar.flush();
