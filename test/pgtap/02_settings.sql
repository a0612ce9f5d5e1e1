-- pgTAP: laminar.* settings (README.md "Settings") exist with the expected
-- context and behave accordingly under SET.
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
SELECT plan(32);

-- Every documented setting exists, with its context (13 tests).
SELECT is((SELECT s.context::text FROM pg_settings s WHERE s.name = v.name),
          v.ctx, format('%s exists with context %s', v.name, v.ctx))
  FROM (VALUES
    (1, 'laminar.database',             'postmaster'),
    (2, 'laminar.workers',              'postmaster'),
    (3, 'laminar.cpu_pinning',          'postmaster'),
    (4, 'laminar.ring_size',            'postmaster'),
    (5, 'laminar.max_producers',        'postmaster'),
    (6, 'laminar.flush_interval',       'sighup'),
    (7, 'laminar.backpressure',         'user'),
    (8, 'laminar.backpressure_timeout', 'user'),
    (9, 'laminar.view_timeout',         'sighup'),
    (10, 'laminar.work_mem',            'sighup'),
    (11, 'laminar.max_flush_delay',     'sighup'),
    (12, 'laminar.max_windows_per_event', 'superuser'),
    (13, 'laminar.max_session_length', 'superuser')
  ) AS v(n, name, ctx)
 ORDER BY v.n;

-- No undocumented laminar.* settings (laminar.debug_* are for tests only).
SELECT is((SELECT count(*)::int FROM pg_settings
            WHERE name LIKE 'laminar.%' AND name NOT LIKE 'laminar.debug\_%'),
          13, 'exactly the 13 documented laminar.* settings exist');

-- Types (5 tests).
SELECT is((SELECT s.vartype::text FROM pg_settings s WHERE s.name = v.name),
          v.typ, format('%s is of type %s', v.name, v.typ))
  FROM (VALUES
    (1, 'laminar.database',     'string'),
    (2, 'laminar.workers',      'integer'),
    (3, 'laminar.cpu_pinning',  'bool'),
    (4, 'laminar.max_producers','integer'),
    (5, 'laminar.backpressure', 'enum')
  ) AS v(n, name, typ)
 ORDER BY v.n;

SELECT is((SELECT ARRAY(SELECT unnest(enumvals) ORDER BY 1) FROM pg_settings
            WHERE name = 'laminar.backpressure'),
          ARRAY['block', 'error']::text[],
          'laminar.backpressure accepts block and error');
SELECT is(current_setting('laminar.database'), 'laminar_regress',
          'laminar.database is the value from postgresql.conf');
SELECT cmp_ok(current_setting('laminar.workers')::int, '>=', 1,
              'laminar.workers is at least 1');

-- Context behaviour under SET.
SELECT throws_ok($$SET laminar.workers = 3$$, '55P02', NULL,
                 'laminar.workers cannot be changed with SET (postmaster)');
SELECT throws_ok($$SET laminar.ring_size = 1$$, '55P02', NULL,
                 'laminar.ring_size cannot be changed with SET (postmaster)');
SELECT throws_ok($$SET laminar.database = 'postgres'$$, '55P02', NULL,
                 'laminar.database cannot be changed with SET (postmaster)');
SELECT throws_ok($$SET laminar.flush_interval = 100$$, '55P02', NULL,
                 'laminar.flush_interval cannot be changed with SET (sighup)');
SELECT throws_ok($$SET laminar.view_timeout = 0$$, '55P02', NULL,
                 'laminar.view_timeout cannot be changed with SET (sighup): it protects other users');
SELECT lives_ok($$SET LOCAL laminar.backpressure = 'error'$$,
                'laminar.backpressure can be SET by a session');
SELECT is(current_setting('laminar.backpressure'), 'error',
          'laminar.backpressure took the session value');
SELECT throws_ok($$SET LOCAL laminar.backpressure = 'sometimes'$$, '22023', NULL,
                 'laminar.backpressure rejects values other than block/error');
SELECT lives_ok($$SET LOCAL laminar.backpressure_timeout = '250ms'$$,
                'laminar.backpressure_timeout can be SET by a session');

-- user context: an ordinary role may change them too.
CREATE ROLE lm_tap_guc_user NOLOGIN;
SET LOCAL ROLE lm_tap_guc_user;
SET LOCAL laminar.backpressure = 'block';
SET LOCAL laminar.backpressure_timeout = '1s';
RESET ROLE;
SELECT is(current_setting('laminar.backpressure'), 'block',
          'a non-superuser role can SET laminar.backpressure');

SELECT * FROM finish();
ROLLBACK;
