-- Names are parsed by PostgreSQL's own grammar (issue 9, item 11): U&
-- identifiers (with UESCAPE), mixed case, embedded quotes and spaces and
-- schema-qualified names mean what they mean in SQL, in CREATE/DROP STREAM,
-- CREATE/DROP MATERIALIZED VIEW (with IF [NOT] EXISTS), FROM and TUMBLE.
-- Database-qualified and malformed names are refused before anything is created.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SELECT laminar.execute($$ CREATE STREAM U&"\0041\00e9" (k int, ts timestamptz, WATERMARK FOR ts AS ts) $$);
SELECT laminar.execute($$ CREATE STREAM IF NOT EXISTS U&"\0041\00e9" (k int) $$);
SELECT laminar.execute($$ CREATE STREAM IF NOT EXISTS "Aé" (k int) $$);
SELECT laminar.execute($$
  CREATE MATERIALIZED VIEW U&"v\00e9" AS SELECT k, count(*) AS n FROM U&"\0041\00e9" GROUP BY k;
  CREATE MATERIALIZED VIEW U&"w!00e9" UESCAPE '!' AS
    SELECT window_start, count(*) AS n FROM TUMBLE(U&"\0041\00e9", ts, INTERVAL '1 hour') GROUP BY window_start;
  CREATE MATERIALIZED VIEW IF NOT EXISTS U&"v\00e9" AS SELECT k FROM "Aé";
$$);
SELECT relname FROM pg_class WHERE relname IN ('Aé', 'vé', 'wé') ORDER BY 1;
INSERT INTO "Aé" VALUES (1, '2026-01-01 00:00:00+00'), (1, '2026-01-01 00:00:01+00'), (2, '2026-01-01 00:00:02+00');
SELECT laminar.flush();
SELECT * FROM "vé" ORDER BY k;
SELECT * FROM "wé";
SELECT view, stream FROM laminar.views WHERE stream = '"Aé"'::regclass ORDER BY view::text;
-- mixed case, embedded quotes and spaces, schema-qualified, keywords
CREATE SCHEMA "Dn Schema";
SELECT laminar.execute($$
  CREATE STREAM "Dn Schema"."we""ird S" (k int, ts timestamptz, WATERMARK FOR ts AS ts);
  CREATE STREAM "Dn Schema".MiXeD (k int);
  CREATE STREAM "Dn Schema"."MiXeD" (k int);
  CREATE STREAM action (k int);
  CREATE STREAM "Dn Schema".select (k int);
  CREATE MATERIALIZED VIEW "Dn Schema"."v ""1""" AS SELECT k FROM "Dn Schema"."we""ird S";
  CREATE MATERIALIZED VIEW IF NOT EXISTS "Dn Schema"."v ""1""" AS SELECT k FROM "Dn Schema"."we""ird S";
  CREATE MATERIALIZED VIEW "Dn Schema".w AS
    SELECT window_start, count(*) AS n FROM TUMBLE("Dn Schema"."we""ird S", ts, INTERVAL '1 hour') GROUP BY window_start;
  CREATE MATERIALIZED VIEW "Dn Schema"."from" AS SELECT k FROM "Dn Schema".select;
$$);
SELECT stream FROM laminar.streams WHERE stream::text LIKE '%Dn Schema%' OR stream::text = 'action' ORDER BY stream::text;
SELECT view, stream FROM laminar.views WHERE view::text LIKE '%Dn Schema%' ORDER BY view::text;
INSERT INTO "Dn Schema"."we""ird S" VALUES (7, '2026-01-01 00:00:00+00');
SELECT laminar.flush();
SELECT * FROM "Dn Schema"."v ""1""";
SELECT * FROM "Dn Schema".w;
-- a plain relation of the same name is not a view or a stream
CREATE TABLE "Dn Schema"."plain t" (k int);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW IF NOT EXISTS "Dn Schema"."plain t" AS SELECT k FROM "Aé" $$);
SELECT laminar.execute($$ CREATE STREAM IF NOT EXISTS "Dn Schema"."plain t" (k int) $$);
-- refused: database-qualified names, anywhere
SELECT laminar.execute('CREATE STREAM laminar_regress.public.dn3 (k int)');
SELECT laminar.execute('CREATE STREAM other_db.public.dn3 (k int)');
SELECT laminar.execute('CREATE MATERIALIZED VIEW laminar_regress.public.dn3 AS SELECT k FROM action');
SELECT laminar.execute('CREATE MATERIALIZED VIEW dn3 AS SELECT k FROM laminar_regress.public.action');
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW dn3 AS
  SELECT window_start FROM TUMBLE(laminar_regress.public."Aé", ts, INTERVAL '1 hour') GROUP BY window_start $$);
SELECT laminar.execute('DROP STREAM laminar_regress.public.action');
SELECT laminar.execute('DROP MATERIALIZED VIEW IF EXISTS laminar_regress.public."vé"');
-- refused: malformed, empty and reserved names
SELECT laminar.execute('CREATE STREAM a.b.c.d (k int)');
SELECT laminar.execute('CREATE STREAM a b (k int)');
SELECT laminar.execute('CREATE STREAM a..b (k int)');
SELECT laminar.execute('CREATE STREAM a. (k int)');
SELECT laminar.execute('CREATE STREAM .a (k int)');
SELECT laminar.execute('CREATE STREAM select (k int)');
SELECT laminar.execute('CREATE STREAM 1 (k int)');
SELECT laminar.execute('CREATE STREAM ''dn3'' (k int)');
SELECT laminar.execute('CREATE STREAM "" (k int)');
SELECT laminar.execute('CREATE STREAM U&"\zzzz" (k int)');
SELECT laminar.execute('CREATE STREAM U&"x" UESCAPE (k int)');
SELECT laminar.execute('CREATE STREAM U&"x" UESCAPE ''ab'' (k int)');
SELECT laminar.execute('CREATE STREAM dn3 UESCAPE ''!'' (k int)');
SELECT laminar.execute('CREATE STREAM (k int)');
SELECT laminar.execute('CREATE MATERIALIZED VIEW AS SELECT k FROM action');
SELECT laminar.execute('CREATE MATERIALIZED VIEW IF NOT EXISTS AS SELECT k FROM action');
SELECT laminar.execute('CREATE MATERIALIZED VIEW dn3 dn4 AS SELECT k FROM action');
SELECT laminar.execute('CREATE MATERIALIZED VIEW dn3() AS SELECT k FROM action');
SELECT laminar.execute('DROP STREAM');
SELECT laminar.execute('DROP STREAM IF EXISTS');
SELECT laminar.execute('DROP STREAM action, "Aé"');
SELECT laminar.execute('DROP MATERIALIZED VIEW "vé" "wé"');
SELECT count(*) AS created FROM pg_class WHERE relname IN ('dn3', 'dn4', 'a', 'b', 'd', 'x');
-- quoted names spelled like the keywords around them are names
SELECT laminar.execute($$
  CREATE STREAM "if" (k int);
  CREATE STREAM IF NOT EXISTS "if" (k int);
  CREATE STREAM "cascade" (k int);
  CREATE MATERIALIZED VIEW "as" AS SELECT k FROM "if";
  CREATE MATERIALIZED VIEW IF NOT EXISTS "restrict" AS SELECT k FROM "cascade";
$$);
SELECT view, stream FROM laminar.views WHERE view IN ('"as"'::regclass, '"restrict"'::regclass) ORDER BY view::text;
SELECT laminar.execute($$
  DROP MATERIALIZED VIEW "restrict" RESTRICT;
  DROP MATERIALIZED VIEW IF EXISTS "as";
  DROP STREAM IF EXISTS "if";
  DROP STREAM "cascade" CASCADE;
$$);
-- a comment inside a name is still just a name
SELECT laminar.execute(E'CREATE STREAM "Dn Schema" -- the schema\n . /* the name */ dn5 (k int); DROP STREAM "Dn Schema".dn5');
-- IF [NOT] EXISTS and DROP with the same spellings
SELECT laminar.execute($$ DROP MATERIALIZED VIEW IF EXISTS U&"\0041\00e9" $$);
SELECT laminar.execute($$ DROP MATERIALIZED VIEW IF EXISTS "Dn Schema"."v ""1"""; DROP MATERIALIZED VIEW IF EXISTS "Dn Schema"."v ""1""" $$);
SELECT laminar.execute($$ DROP MATERIALIZED VIEW U&"w!00e9" UESCAPE '!'; DROP MATERIALIZED VIEW IF EXISTS "wé" $$);
SELECT laminar.execute($$ DROP STREAM IF EXISTS nosuchschema.x; DROP STREAM IF EXISTS "Dn Schema".nosuch $$);
SELECT laminar.execute($$ DROP STREAM U&"\0041\00e9" CASCADE; DROP STREAM IF EXISTS U&"\0041\00e9" $$);
SELECT laminar.execute($$ DROP STREAM "Dn Schema"."we""ird S" CASCADE; DROP STREAM "Dn Schema".MIXED; DROP STREAM "Dn Schema"."MiXeD" $$);
SELECT laminar.execute($$ DROP STREAM "Dn Schema".select CASCADE; DROP STREAM ACTION $$);
DROP SCHEMA "Dn Schema" CASCADE;
SELECT count(*) AS leftovers FROM laminar.streams WHERE stream::text ~ '(Aé|Dn Schema|action|dn[0-9])';
RESET TimeZone;
RESET DateStyle;
