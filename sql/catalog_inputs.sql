-- Issue 10, item 3: the catalog module (src/catalog/README.md).  Kind,
-- EMIT mode and route are stored as 0.1 stored them; every view records
-- what it reads in laminar._view_inputs (port 0: its stream), removed with
-- the view; those rows obey their constraints and only laminar.execute
-- writes them; and every catalog statement stays immune to search_path.
SET TimeZone = 'UTC';
\set VERBOSITY terse
SELECT laminar.execute($$
  CREATE STREAM cat_s (k int8, g text, x numeric, ts timestamptz,
                       WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE MATERIALIZED VIEW cat_stateless AS SELECT k, x FROM cat_s WHERE x > 0;
  CREATE MATERIALIZED VIEW cat_keys AS SELECT k, g, count(*) AS n FROM cat_s GROUP BY k, g;
  CREATE MATERIALIZED VIEW cat_expr AS SELECT k % 2 AS odd, count(*) AS n FROM cat_s GROUP BY 1;
  CREATE MATERIALIZED VIEW cat_global AS SELECT count(*) AS n, sum(x) AS total FROM cat_s;
  CREATE MATERIALIZED VIEW cat_win AS SELECT window_start, count(*) AS n
    FROM TUMBLE(cat_s, ts, INTERVAL '1 minute') GROUP BY window_start EMIT ON WINDOW CLOSE;
  CREATE MATERIALIZED VIEW cat_win_keys AS SELECT k, window_start, sum(x) AS s
    FROM TUMBLE(cat_s, ts, INTERVAL '1 minute') GROUP BY k, window_start;
  CREATE MATERIALIZED VIEW cat_win_rows AS SELECT k, window_start
    FROM TUMBLE(cat_s, ts, INTERVAL '1 minute') WHERE x > 18;
$$);
-- kind, EMIT mode and route (k: hash of the key columns, s: one worker,
-- p: the producer's worker), as stored
SELECT view, kind, emit, route, route_attnums, key_columns, window_size
  FROM laminar._views WHERE view::text LIKE 'cat\_%' ORDER BY id;
-- every view reads its stream on port 0
SELECT v.view, i.port, i.stream, i.input_view
  FROM laminar._view_inputs i JOIN laminar._views v ON v.id = i.view_id
 WHERE v.view::text LIKE 'cat\_%' ORDER BY v.id, i.port;
-- events reach every kind of view through its route
INSERT INTO cat_s SELECT i, 'g' || (i % 3), i, '2026-01-01 00:00:00+00'::timestamptz + i * INTERVAL '10 seconds'
  FROM generate_series(1, 20) i;
SELECT laminar.flush();
SELECT count(*) AS rows, sum(x) AS total FROM cat_stateless;
SELECT count(*) AS groups, sum(n) AS events FROM cat_keys;
SELECT * FROM cat_expr ORDER BY odd;
SELECT * FROM cat_global;
SELECT * FROM cat_win ORDER BY window_start;
SELECT count(*) AS groups, sum(s) AS total FROM cat_win_keys;
SELECT * FROM cat_win_rows ORDER BY k;
-- the rows' constraints: one source per port, never the view itself, no
-- negative port, one row per port
INSERT INTO laminar._view_inputs SELECT id, 1, NULL, NULL FROM laminar._views WHERE view = 'cat_keys'::regclass;
INSERT INTO laminar._view_inputs SELECT k.id, 1, 'cat_s', g.id FROM laminar._views k, laminar._views g
 WHERE k.view = 'cat_keys'::regclass AND g.view = 'cat_global'::regclass;
INSERT INTO laminar._view_inputs SELECT id, 1, NULL, id FROM laminar._views WHERE view = 'cat_keys'::regclass;
INSERT INTO laminar._view_inputs SELECT id, -1, 'cat_s', NULL FROM laminar._views WHERE view = 'cat_keys'::regclass;
INSERT INTO laminar._view_inputs SELECT id, 0, 'cat_s', NULL FROM laminar._views WHERE view = 'cat_keys'::regclass;
INSERT INTO laminar._view_inputs SELECT id, 1, NULL, 2147483647 FROM laminar._views WHERE view = 'cat_keys'::regclass;
-- a view another view reads cannot lose its row while that one remains;
-- with the check deferred, both may go together in either order (nothing
-- creates such a view yet: this row is written by hand)
BEGIN;
INSERT INTO laminar._view_inputs SELECT k.id, 1, NULL, g.id FROM laminar._views k, laminar._views g
 WHERE k.view = 'cat_keys'::regclass AND g.view = 'cat_global'::regclass;
DELETE FROM laminar._views WHERE view = 'cat_global'::regclass;
ROLLBACK;
BEGIN;
INSERT INTO laminar._view_inputs SELECT k.id, 1, NULL, g.id FROM laminar._views k, laminar._views g
 WHERE k.view = 'cat_keys'::regclass AND g.view = 'cat_global'::regclass;
SET CONSTRAINTS laminar._view_inputs_input_view_fkey DEFERRED;
DELETE FROM laminar._views WHERE view = 'cat_global'::regclass;
DELETE FROM laminar._views WHERE view = 'cat_keys'::regclass;
SET CONSTRAINTS laminar._view_inputs_input_view_fkey IMMEDIATE;
SELECT count(*) AS both_gone FROM laminar._views WHERE view IN ('cat_global'::regclass, 'cat_keys'::regclass);
ROLLBACK;
SELECT count(*) AS both_kept FROM laminar._views WHERE view IN ('cat_global'::regclass, 'cat_keys'::regclass);
-- ordinary roles read them and cannot write them
CREATE ROLE cat_dave;
SET ROLE cat_dave;
SELECT count(*) > 0 AS readable FROM laminar._view_inputs;
INSERT INTO laminar._view_inputs SELECT id, 1, 'cat_s', NULL FROM laminar._views WHERE view = 'cat_keys'::regclass;
DELETE FROM laminar._view_inputs;
RESET ROLE;
-- a view without input rows (an older catalog, a row written by hand)
-- reads its stream on port 0
DELETE FROM laminar._view_inputs WHERE view_id = (SELECT id FROM laminar._views WHERE view = 'cat_keys'::regclass);
SELECT laminar.execute('CREATE MATERIALIZED VIEW cat_late AS SELECT g, count(*) AS n FROM cat_s GROUP BY g');
INSERT INTO cat_s VALUES (1, 'g1', 1, '2026-01-01 00:10:00+00');
SELECT laminar.flush();
SELECT * FROM cat_keys WHERE k = 1;
SELECT * FROM cat_late;
-- catalog statements resolve nothing through search_path: operators
-- planted in public, first on the path, would fail every statement that
-- picked them (creating, looking up, routing, renaming, dropping)
CREATE FUNCTION public.cat_trap_ii(int4, int4) RETURNS bool LANGUAGE plpgsql
  AS $$ BEGIN RAISE EXCEPTION 'planted =(int4, int4) ran'; END $$;
CREATE FUNCTION public.cat_trap_co(regclass, oid) RETURNS bool LANGUAGE plpgsql
  AS $$ BEGIN RAISE EXCEPTION 'planted =(regclass, oid) ran'; END $$;
CREATE FUNCTION public.cat_trap_cc(regclass, regclass) RETURNS bool LANGUAGE plpgsql
  AS $$ BEGIN RAISE EXCEPTION 'planted =(regclass, regclass) ran'; END $$;
CREATE OPERATOR public.= (FUNCTION = public.cat_trap_ii, LEFTARG = int4, RIGHTARG = int4);
CREATE OPERATOR public.= (FUNCTION = public.cat_trap_co, LEFTARG = regclass, RIGHTARG = oid);
CREATE OPERATOR public.= (FUNCTION = public.cat_trap_cc, LEFTARG = regclass, RIGHTARG = regclass);
SET search_path = public, pg_catalog;
SELECT laminar.execute($$
  CREATE MATERIALIZED VIEW IF NOT EXISTS cat_keys AS SELECT k FROM cat_s;
  CREATE MATERIALIZED VIEW cat_trap_v AS SELECT g, sum(x) AS s FROM cat_s GROUP BY g;
$$);
SELECT laminar.execute('DROP STREAM cat_s');
INSERT INTO cat_s VALUES (2, 'g2', 5, '2026-01-01 00:20:00+00');
ALTER FOREIGN TABLE cat_s RENAME TO cat_s2;
ALTER FOREIGN TABLE cat_s2 RENAME TO cat_s;
SELECT laminar.execute('DROP MATERIALIZED VIEW cat_trap_v');
RESET search_path;
DROP OPERATOR public.= (int4, int4);
DROP OPERATOR public.= (regclass, oid);
DROP OPERATOR public.= (regclass, regclass);
DROP FUNCTION public.cat_trap_ii(int4, int4), public.cat_trap_co(regclass, oid), public.cat_trap_cc(regclass, regclass);
SELECT laminar.flush();
SELECT * FROM cat_keys WHERE k = 2;
SELECT view, last_error FROM laminar.views WHERE view::text LIKE 'cat\_%' ORDER BY 1;
-- dropping a view removes its inputs; dropping the stream, the rest
SELECT count(*) AS n0 FROM laminar._view_inputs \gset
SELECT laminar.execute('DROP MATERIALIZED VIEW cat_win_rows');
SELECT :n0 - count(*) AS inputs_removed FROM laminar._view_inputs;
SELECT laminar.execute('DROP STREAM cat_s CASCADE');
-- (cat_keys had no input rows left)
SELECT :n0 - count(*) AS inputs_removed FROM laminar._view_inputs;
SELECT count(*) AS views_left FROM laminar._views WHERE view::text LIKE 'cat\_%';
DROP ROLE cat_dave;
