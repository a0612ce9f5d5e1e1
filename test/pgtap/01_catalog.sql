-- pgTAP: the laminar schema, its catalog/monitoring views, functions,
-- foreign data wrapper and server (README.md, "Interface (0.1)").
CREATE EXTENSION IF NOT EXISTS pgtap;
BEGIN;
SELECT plan(78);

-- Extension and schema -------------------------------------------------------
SELECT has_extension('laminar', 'extension laminar is installed');
SELECT has_schema('laminar', 'schema laminar exists');
SELECT is((SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'laminar'),
          'laminar', 'extension laminar lives in schema laminar');

-- Views ----------------------------------------------------------------------
SELECT has_view('laminar', 'streams', 'view laminar.streams exists');
SELECT has_view('laminar', 'views', 'view laminar.views exists');
SELECT has_view('laminar', 'workers', 'view laminar.workers exists');

-- Column names, exactly as in README.md ("Monitoring"), in order.
SELECT is(
    ARRAY(SELECT attname::text FROM pg_attribute
           WHERE attrelid = to_regclass('laminar.' || v.rel) AND attnum > 0 AND NOT attisdropped
           ORDER BY attnum),
    v.cols, format('laminar.%s has exactly the README columns, in README order', v.rel))
  FROM (VALUES
    (1, 'streams', ARRAY['stream', 'watermark_column', 'watermark_delay', 'watermark',
                         'events_in', 'idle_timeout']),
    (2, 'views',   ARRAY['view', 'stream', 'kind', 'emit', 'window_size', 'definition',
                         'owner', 'watermark', 'events_in', 'late_events',
                         'null_time_events', 'rows_emitted', 'last_error', 'counting_since',
                         'skipped_events', 'skipped_rows', 'timeouts', 'last_skip_error',
                         'window_kind', 'window_slide', 'window_offset', 'allowed_lateness',
                         'emit_every', 'late_table']),
    (3, 'workers', ARRAY['worker_id', 'pid', 'cpu', 'pinned', 'numa_node', 'events_in',
                         'ring_used', 'ring_capacity', 'groups_held', 'restarts',
                         'last_error', 'placement', 'started_at', 'last_error_view'])
  ) AS v(n, rel, cols)
 ORDER BY v.n;

-- Column types (6 + 24 + 14 = 44 tests).
SELECT is((SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
            WHERE a.attrelid = to_regclass('laminar.' || v.rel) AND a.attname = v.col
              AND NOT a.attisdropped),
          v.typ, format('laminar.%s.%s is %s', v.rel, v.col, v.typ))
  FROM (VALUES
    (1,  'streams', 'stream',           'regclass'),
    (2,  'streams', 'watermark_column', 'name'),
    (3,  'streams', 'watermark_delay',  'interval'),
    (4,  'streams', 'watermark',        'timestamp with time zone'),
    (5,  'streams', 'events_in',        'bigint'),
    (501,'streams', 'idle_timeout',     'interval'),
    (6,  'views',   'view',             'regclass'),
    (7,  'views',   'stream',           'regclass'),
    (8,  'views',   'kind',             'text'),
    (9,  'views',   'emit',             'text'),
    (10, 'views',   'window_size',      'interval'),
    (11, 'views',   'definition',       'text'),
    (12, 'views',   'owner',            'regrole'),
    (13, 'views',   'watermark',        'timestamp with time zone'),
    (14, 'views',   'events_in',        'bigint'),
    (15, 'views',   'late_events',      'bigint'),
    (16, 'views',   'null_time_events', 'bigint'),
    (17, 'views',   'last_error',       'text'),
    (171,'views',   'rows_emitted',     'bigint'),
    (172,'views',   'counting_since',   'timestamp with time zone'),
    (173,'views',   'skipped_events',   'bigint'),
    (174,'views',   'skipped_rows',     'bigint'),
    (175,'views',   'timeouts',         'bigint'),
    (176,'views',   'last_skip_error',  'text'),
    (177,'views',   'window_kind',      'text'),
    (178,'views',   'window_slide',     'interval'),
    (179,'views',   'window_offset',    'interval'),
    (180,'views',   'allowed_lateness', 'interval'),
    (181,'views',   'emit_every',       'interval'),
    (182,'views',   'late_table',       'regclass'),
    (18, 'workers', 'worker_id',        'integer'),
    (19, 'workers', 'pid',              'integer'),
    (20, 'workers', 'cpu',              'integer'),
    (21, 'workers', 'pinned',           'boolean'),
    (22, 'workers', 'numa_node',        'integer'),
    (23, 'workers', 'events_in',        'bigint'),
    (24, 'workers', 'ring_used',        'bigint'),
    (25, 'workers', 'ring_capacity',    'bigint'),
    (26, 'workers', 'groups_held',      'bigint'),
    (27, 'workers', 'restarts',         'integer'),
    (28, 'workers', 'last_error',       'text'),
    (29, 'workers', 'placement',        'text'),
    (30, 'workers', 'started_at',       'timestamp with time zone'),
    (301,'workers', 'last_error_view',  'regclass')
  ) AS v(n, rel, col, typ)
 ORDER BY v.n;

-- The views can be read.
SELECT lives_ok('SELECT * FROM laminar.streams', 'laminar.streams can be queried');
SELECT lives_ok('SELECT * FROM laminar.views', 'laminar.views can be queried');
SELECT lives_ok('SELECT * FROM laminar.workers', 'laminar.workers can be queried');

-- One row per configured worker, each with a live backend pid.
SELECT is((SELECT count(*)::int FROM laminar.workers),
          current_setting('laminar.workers')::int,
          'laminar.workers has one row per laminar.workers');
SELECT is((SELECT count(*)::int FROM laminar.workers w
            WHERE w.pid IS NOT NULL AND w.pid > 0),
          current_setting('laminar.workers')::int,
          'every worker has a pid');
SELECT is((SELECT count(*)::int FROM laminar.workers w
            JOIN pg_stat_activity a ON a.pid = w.pid),
          current_setting('laminar.workers')::int,
          'every worker pid is a live server process (pg_stat_activity)');
SELECT is((SELECT count(DISTINCT worker_id)::int FROM laminar.workers),
          current_setting('laminar.workers')::int,
          'worker ids are distinct');
SELECT ok((SELECT bool_and(ring_capacity > 0 AND ring_used >= 0 AND ring_used <= ring_capacity)
             FROM laminar.workers),
          'worker rings: 0 <= ring_used <= ring_capacity, capacity > 0');

-- Functions --------------------------------------------------------------------
SELECT has_function('laminar', 'execute', ARRAY['text', 'text'], 'function laminar.execute(text, text) exists');
SELECT function_returns('laminar', 'execute', ARRAY['text', 'text'], 'text',
                        'laminar.execute(text, text) returns text');
SELECT has_function('laminar', 'advance_watermark', ARRAY['regclass', 'timestamp with time zone'],
                    'function laminar.advance_watermark(regclass, timestamptz) exists');
SELECT function_returns('laminar', 'advance_watermark', ARRAY['regclass', 'timestamp with time zone'],
                        'void', 'laminar.advance_watermark returns void');
SELECT has_function('laminar', 'compact_changes', ARRAY['regclass', 'bigint'],
                    'function laminar.compact_changes(regclass, bigint) exists');
SELECT function_returns('laminar', 'compact_changes', ARRAY['regclass', 'bigint'], 'bigint',
                        'laminar.compact_changes returns bigint');
SELECT has_function('laminar', 'flush', ARRAY['interval'], 'function laminar.flush(interval) exists');
SELECT function_returns('laminar', 'flush', ARRAY['interval'], 'void',
                        'laminar.flush(interval) returns void');
SELECT is((SELECT p.pronargdefaults::int FROM pg_proc p
            WHERE p.oid = to_regprocedure('laminar.flush(interval)')),
          1, 'laminar.flush timeout argument has a default');
SELECT is((SELECT p.proargnames::text[] FROM pg_proc p
            WHERE p.oid = to_regprocedure('laminar.flush(interval)')),
          ARRAY['timeout']::text[], 'laminar.flush argument is named timeout');
SELECT is((SELECT pg_get_expr(p.proargdefaults, 0)::text FROM pg_proc p
            WHERE p.oid = to_regprocedure('laminar.flush(interval)')),
          '''00:00:30''::interval', 'laminar.flush timeout defaults to 30 seconds');
SELECT ok(to_regprocedure('laminar.flush()') IS NULL,
          'no separate zero-argument laminar.flush() overload (the default covers it)');

-- Foreign data wrapper and server ------------------------------------------------
SELECT ok(EXISTS (SELECT 1 FROM pg_foreign_data_wrapper WHERE fdwname = 'laminar'),
          'foreign data wrapper laminar exists');
SELECT ok((SELECT fdwhandler <> 0 FROM pg_foreign_data_wrapper WHERE fdwname = 'laminar'),
          'foreign data wrapper laminar has a handler');
SELECT ok(EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = 'laminar'),
          'foreign server laminar exists');
SELECT is((SELECT w.fdwname::text FROM pg_foreign_server s
             JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
            WHERE s.srvname = 'laminar'),
          'laminar', 'server laminar uses foreign data wrapper laminar');
SELECT is((SELECT count(*)::int FROM pg_depend d
            WHERE d.classid = 'pg_foreign_server'::regclass
              AND d.objid = (SELECT oid FROM pg_foreign_server WHERE srvname = 'laminar')
              AND d.refclassid = 'pg_extension'::regclass
              AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'laminar')
              AND d.deptype = 'e'),
          1, 'server laminar is a member of extension laminar');

SELECT * FROM finish();
ROLLBACK;
