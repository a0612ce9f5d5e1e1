-- Privileges: views run as their owner; writers need INSERT; creators need SELECT.
CREATE ROLE lm_alice LOGIN;
CREATE ROLE lm_bob LOGIN;
GRANT CREATE, USAGE ON SCHEMA public TO lm_alice, lm_bob;
SET ROLE lm_alice;
SELECT laminar.execute($$
  CREATE STREAM alice_s (k int8, secret text);
  CREATE MATERIALIZED VIEW alice_v AS SELECT k, count(*) AS n, max(secret) AS s, current_user AS who FROM alice_s GROUP BY k;
$$);
SELECT tableowner FROM pg_tables WHERE tablename = 'alice_v';
INSERT INTO alice_s VALUES (1, 'x');
RESET ROLE;
-- bob may neither write to alice's stream nor read it into a view of his own
SET ROLE lm_bob;
INSERT INTO alice_s VALUES (2, 'y');
\copy alice_s FROM '/dev/null'
SELECT laminar.execute('CREATE MATERIALIZED VIEW bob_v AS SELECT k FROM alice_s');
-- nor forge catalog rows that would make a view run as someone else
INSERT INTO laminar._views (view, stream, kind, emit, definition, query, route, key_columns, timezone, datestyle, intervalstyle)
  VALUES ('alice_v', 'alice_s', 'stateless', 'on update', '', '', 'p', '{}', 'UTC', 'ISO', 'postgres');
SELECT laminar.execute('DROP STREAM alice_s CASCADE');
RESET ROLE;
-- with INSERT granted, bob's events count, and alice's view still runs as alice
GRANT INSERT ON alice_s TO lm_bob;
SET ROLE lm_bob;
INSERT INTO alice_s VALUES (2, 'y');
RESET ROLE;
SELECT laminar.flush();
SELECT * FROM alice_v ORDER BY k;
-- the view's functions run with the owner's EXECUTE rights
CREATE FUNCTION lm_private(int8) RETURNS int8 LANGUAGE sql AS 'SELECT $1 * 10';
REVOKE EXECUTE ON FUNCTION lm_private(int8) FROM PUBLIC;
SET ROLE lm_alice;
SELECT laminar.execute('CREATE MATERIALIZED VIEW alice_p AS SELECT lm_private(k) AS p FROM alice_s');
RESET ROLE;
SELECT laminar.execute('DROP STREAM alice_s CASCADE');
DROP FUNCTION lm_private(int8);
REVOKE ALL ON SCHEMA public FROM lm_alice, lm_bob;
DROP ROLE lm_alice;
DROP ROLE lm_bob;
