-- pg_dump / pg_restore support (test/dump/run.sh does the real round trip).
-- The catalog tables and the view-id sequence are dumped with the data.
SELECT d::regclass::text AS dumped FROM pg_extension, unnest(extconfig) AS d WHERE extname = 'laminar' ORDER BY 1;
CREATE ROLE ops_carol;
CREATE SCHEMA "Ops Sch";
CREATE FUNCTION "Ops Sch".twice(int8) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
-- created under a search_path, stored as SQL that qualifies every name
-- outside pg_catalog, so it reads back the same whatever the search_path
SET search_path = "Ops Sch", public;
SELECT laminar.execute($$
  CREATE STREAM "Ev" (k int8, "Val" numeric, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE MATERIALIZED VIEW ops_agg AS SELECT twice(k) AS k2, sum("Val") AS s FROM "Ev" GROUP BY 1;
  CREATE MATERIALIZED VIEW ops_win AS SELECT window_start, count(*) AS n FROM TUMBLE("Ev", ts, INTERVAL '1 minute') GROUP BY window_start EMIT ON WINDOW CLOSE
$$);
RESET search_path;
SELECT view, query FROM laminar._views WHERE view::text LIKE '%ops_%' ORDER BY id;
-- the workers analyse that SQL: the views run
INSERT INTO "Ops Sch"."Ev" VALUES (1, 1.5, '2026-01-01 00:00:01+00'), (1, 2, '2026-01-01 00:00:02+00'), (2, 4, '2026-01-01 00:02:00+00');
SELECT laminar.flush();
SELECT * FROM "Ops Sch".ops_agg ORDER BY k2;
SELECT * FROM "Ops Sch".ops_win ORDER BY window_start;
-- CREATE records each dependency once (the insert trigger sees them)
SELECT refobjsubid, count(*) AS deps_on_stream FROM pg_depend
 WHERE classid = 'pg_class'::regclass AND objid = '"Ops Sch".ops_agg'::regclass
   AND refclassid = 'pg_class'::regclass AND refobjid = '"Ops Sch"."Ev"'::regclass
 GROUP BY 1 ORDER BY 1;
-- pg_dump emits ALTER FOREIGN TABLE ... OWNER TO for every stream: allowed;
-- column changes stay refused, also together with OWNER TO
ALTER FOREIGN TABLE "Ops Sch"."Ev" OWNER TO ops_carol;
SELECT relowner::regrole FROM pg_class WHERE oid = '"Ops Sch"."Ev"'::regclass;
ALTER FOREIGN TABLE "Ops Sch"."Ev" ADD COLUMN x int;
ALTER FOREIGN TABLE "Ops Sch"."Ev" OWNER TO postgres, ALTER COLUMN k TYPE int4;
ALTER TABLE "Ops Sch"."Ev" OWNER TO postgres;
-- renames keep the stored SQL current (pg_depend does not stop them)
ALTER FUNCTION "Ops Sch".twice(int8) RENAME TO "Twice";
ALTER SCHEMA "Ops Sch" RENAME TO ops_sch2;
ALTER FOREIGN TABLE ops_sch2."Ev" RENAME COLUMN "Val" TO val;
SELECT view, query FROM laminar._views WHERE view::text LIKE '%ops_%' ORDER BY id;
ALTER SCHEMA ops_sch2 RENAME TO "Ops Sch";
-- a row inserted without its dependencies (as pg_restore does) gets them:
-- drop them and the row, and insert the row again
CREATE TEMP TABLE ops_saved AS SELECT * FROM laminar._views WHERE view = '"Ops Sch".ops_agg'::regclass;
DELETE FROM pg_depend WHERE classid = 'pg_class'::regclass AND objid = '"Ops Sch".ops_agg'::regclass AND objsubid = 0
   AND refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass);
DELETE FROM laminar._views WHERE view = '"Ops Sch".ops_agg'::regclass;
INSERT INTO laminar._views SELECT * FROM ops_saved;
SELECT refobjid::regclass AS depends_on, refobjsubid FROM pg_depend
 WHERE classid = 'pg_class'::regclass AND objid = '"Ops Sch".ops_agg'::regclass AND refclassid = 'pg_class'::regclass
 ORDER BY 2;
SELECT refobjid::regprocedure AS depends_on FROM pg_depend
 WHERE classid = 'pg_class'::regclass AND objid = '"Ops Sch".ops_agg'::regclass AND refclassid = 'pg_proc'::regclass ORDER BY refobjid;
DROP FUNCTION "Ops Sch"."Twice"(int8);
-- a row whose query reads another stream than it names is refused
CREATE TABLE "Ops Sch".plain (k2 int8, s numeric);
SELECT laminar.execute('CREATE STREAM "Ops Sch".other (k int8)');
UPDATE ops_saved SET id = 1000000, view = '"Ops Sch".plain', stream = '"Ops Sch".other';
INSERT INTO laminar._views SELECT * FROM ops_saved;
-- and so is one whose query does not have the shape its row says (a window)
UPDATE ops_saved SET stream = '"Ops Sch"."Ev"', window_size = '1 minute';
INSERT INTO laminar._views SELECT * FROM ops_saved;
-- ordinary roles still cannot write catalog rows
SET ROLE ops_carol;
INSERT INTO laminar._views SELECT * FROM ops_saved;
RESET ROLE;
SELECT laminar.execute('DROP STREAM "Ops Sch"."Ev" CASCADE; DROP STREAM "Ops Sch".other');
DROP SCHEMA "Ops Sch" CASCADE;
DROP ROLE ops_carol;
