-- pgTAP: privileges.  Streams are foreign tables and results are ordinary
-- tables, so the ordinary PostgreSQL privilege rules apply to them:
--   * writing into a stream needs INSERT on it (42501 otherwise);
--   * creating a view over a stream needs SELECT on it (42501 otherwise);
--   * only the owner may drop a stream or a view.
-- Everything happens inside one transaction that is rolled back, roles
-- included.
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
SELECT plan(18);

-- Run SQL as another role.  On success the role is reset; on error the
-- caller's (throws_ok's) subtransaction abort undoes the SET LOCAL ROLE.
CREATE FUNCTION pg_temp.as_role(r text, q text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE format('SET LOCAL ROLE %I', r);
    EXECUTE q;
    RESET ROLE;
END
$fn$;

CREATE ROLE lm_tap_owner  NOLOGIN;
CREATE ROLE lm_tap_writer NOLOGIN;
CREATE ROLE lm_tap_viewer NOLOGIN;

-- Everything a role needs to use Laminar, except privileges on the objects
-- under test.
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['lm_tap_owner', 'lm_tap_writer', 'lm_tap_viewer'] LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA laminar TO %I', r);
        EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA laminar TO %I', r);
        EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA laminar TO %I', r);
        EXECUTE format('GRANT USAGE ON FOREIGN SERVER laminar TO %I', r);
        EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO %I', r);
    END LOOP;
END
$$;

SELECT ok(NOT (SELECT rolsuper FROM pg_roles WHERE rolname = 'lm_tap_owner'),
          'test roles are not superusers');

-- A stream and a view owned by the superuser ---------------------------------
SELECT lives_ok($$SELECT laminar.execute('
    CREATE STREAM tap_priv_s (k int8, v int8, ts timestamptz);
    CREATE MATERIALIZED VIEW tap_priv_v AS
        SELECT k, count(*) AS n, sum(v) AS total FROM tap_priv_s GROUP BY k')$$,
    'superuser creates stream tap_priv_s and view tap_priv_v');

SELECT throws_ok(
    $$SELECT pg_temp.as_role('lm_tap_writer', 'INSERT INTO tap_priv_s VALUES (1, 10, now())')$$,
    '42501', NULL, 'a role without INSERT on a stream cannot write into it');
SELECT throws_ok(
    $$SELECT pg_temp.as_role('lm_tap_writer',
        'INSERT INTO tap_priv_s SELECT g, g, now() FROM generate_series(1, 3) g')$$,
    '42501', NULL, 'a role without INSERT on a stream cannot INSERT ... SELECT into it');
SELECT throws_ok(
    $$SELECT pg_temp.as_role('lm_tap_writer', 'INSERT INTO tap_priv_v (k) VALUES (1)')$$,
    '42501', NULL, 'a role without INSERT on a result table cannot write into it');

GRANT INSERT ON tap_priv_s TO lm_tap_writer;
SELECT lives_ok(
    $$SELECT pg_temp.as_role('lm_tap_writer', 'INSERT INTO tap_priv_s VALUES (1, 10, now())')$$,
    'after GRANT INSERT the role can write into the stream');
REVOKE INSERT ON tap_priv_s FROM lm_tap_writer;
SELECT throws_ok(
    $$SELECT pg_temp.as_role('lm_tap_writer', 'INSERT INTO tap_priv_s VALUES (2, 20, now())')$$,
    '42501', NULL, 'after REVOKE INSERT the role can no longer write into the stream');

-- A view over a stream needs SELECT on the stream --------------------------------
SELECT throws_ok(
    $$SELECT pg_temp.as_role('lm_tap_viewer', $q$SELECT laminar.execute('
        CREATE MATERIALIZED VIEW tap_priv_v2 AS
            SELECT k, max(v) AS top FROM tap_priv_s GROUP BY k')$q$)$$,
    '42501', NULL, 'a role without SELECT on a stream cannot create a view over it');
SELECT hasnt_table('public', 'tap_priv_v2', 'the refused view left no result table behind');
SELECT is((SELECT count(*)::int FROM laminar.views WHERE view::text = 'tap_priv_v2'), 0,
          'the refused view is not in laminar.views');

GRANT SELECT ON tap_priv_s TO lm_tap_viewer;
SELECT lives_ok(
    $$SELECT pg_temp.as_role('lm_tap_viewer', $q$SELECT laminar.execute('
        CREATE MATERIALIZED VIEW tap_priv_v2 AS
            SELECT k, max(v) AS top FROM tap_priv_s GROUP BY k')$q$)$$,
    'after GRANT SELECT the role can create a view over the stream');
SELECT is((SELECT owner::text FROM laminar.views WHERE view::text = 'tap_priv_v2'),
          'lm_tap_viewer', 'laminar.views.owner is the creating role');
SELECT is((SELECT pg_get_userbyid(relowner)::text FROM pg_class
            WHERE oid = to_regclass('public.tap_priv_v2')),
          'lm_tap_viewer', 'the result table is owned by the creating role');

-- Only owners drop ----------------------------------------------------------------
SELECT throws_ok(
    $$SELECT pg_temp.as_role('lm_tap_viewer', 'SELECT laminar.execute(''DROP STREAM tap_priv_s CASCADE'')')$$,
    '42501', NULL, 'a role that does not own a stream cannot drop it');
SELECT throws_ok(
    $$SELECT pg_temp.as_role('lm_tap_viewer', 'SELECT laminar.execute(''DROP MATERIALIZED VIEW tap_priv_v'')')$$,
    '42501', NULL, 'a role that does not own a view cannot drop it');

-- A non-superuser owns what it creates -------------------------------------------
SELECT lives_ok(
    $$SELECT pg_temp.as_role('lm_tap_owner', $q$SELECT laminar.execute('
        CREATE STREAM tap_own_s (k int8, v int8);
        CREATE MATERIALIZED VIEW tap_own_v AS SELECT k, sum(v) AS total FROM tap_own_s GROUP BY k')$q$)$$,
    'a non-superuser creates its own stream and view');
SELECT throws_ok(
    $$SELECT pg_temp.as_role('lm_tap_writer', 'INSERT INTO tap_own_s VALUES (1, 1)')$$,
    '42501', NULL, 'another role cannot write into a non-superuser''s stream without INSERT');
SELECT lives_ok(
    $$SELECT pg_temp.as_role('lm_tap_owner', 'INSERT INTO tap_own_s VALUES (1, 1)')$$,
    'the owner can write into its own stream');

SELECT * FROM finish();
ROLLBACK;
