-- Security suite (issue 9), driven by test/security/run.sh; see there.
-- Checks print as check:<bool>:<what>.  Every query of this script that
-- runs while the traps are in place and is not a Laminar path under test
-- runs with search_path = pg_catalog, pg_temp and qualified operators, so
-- that only Laminar can spring them.
\set QUIET on
-- :safe switches a session to a path no planted object is on, for the
-- checks; :hostile back to the path under test
\set safe 'SET search_path = pg_catalog, pg_temp'
SET client_min_messages = warning;
SELECT current_user AS lm_su \gset

-- ---------------------------------------------------------------- setup
DROP TABLE IF EXISTS public.lm_ss_ran, public.lm_ss_roles;
DROP ROLE IF EXISTS lm_ss_mallory;
DROP ROLE IF EXISTS lm_ss_alice;
CREATE ROLE lm_ss_mallory LOGIN;
CREATE ROLE lm_ss_alice LOGIN;
-- CREATE on public, and TEMP (granted to PUBLIC by default)
GRANT CREATE, USAGE ON SCHEMA public TO lm_ss_mallory, lm_ss_alice;
CREATE TABLE public.lm_ss_ran (who text, what text);
GRANT INSERT, SELECT ON public.lm_ss_ran TO PUBLIC;
-- every role's attributes and memberships before anything runs
CREATE TABLE public.lm_ss_roles AS
  SELECT r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
         r.rolreplication, r.rolbypassrls,
         ARRAY(SELECT m.roleid::regrole::text FROM pg_catalog.pg_auth_members m
                WHERE m.member OPERATOR(pg_catalog.=) r.oid ORDER BY 1) AS member_of
    FROM pg_catalog.pg_roles r;

-- ---------------------------------------------------------------- plant
\c - lm_ss_mallory
SET client_min_messages = warning;
-- the trap every planted body calls: record, then try to escalate
CREATE FUNCTION public.lm_ss_trap(what text) RETURNS bool LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO public.lm_ss_ran VALUES (current_user, what);
  BEGIN
    EXECUTE 'ALTER ROLE lm_ss_mallory SUPERUSER';
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
  BEGIN
    EXECUTE 'GRANT pg_write_server_files, pg_execute_server_program TO lm_ss_mallory';
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
  RETURN true;
END $f$;
-- Plants the look-alikes in schema nsp (public, or this session's pg_temp).
CREATE FUNCTION public.lm_ss_plant(nsp text) RETURNS void LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp AS $plant$
DECLARE
  t text;
  o record;
  f record;
  i int := 0;
BEGIN
  -- domains named like every type Laminar casts to or names
  FOREACH t IN ARRAY ARRAY['regclass', 'regrole', 'regproc', 'regprocedure', 'regtype',
      'regnamespace', 'oid', 'text', 'name', 'int8', 'int4', 'int2', 'interval', 'timestamptz',
      'timestamp', 'numeric', 'bool', 'char', 'bytea', 'float8', 'varchar', 'aclitem'] LOOP
    BEGIN
      EXECUTE format('CREATE DOMAIN %I.%I AS pg_catalog.%I CHECK (public.lm_ss_trap(%L))',
                     nsp, t, t, 'domain ' || nsp || '.' || t);
    EXCEPTION WHEN OTHERS THEN
      -- a type that cannot carry a domain: a shell type of that name instead
      EXECUTE format('CREATE TYPE %I.%I', nsp, t);
    END;
  END LOOP;
  -- operators for every type pair Laminar's queries compare or compute with
  FOR o IN SELECT * FROM (VALUES
      ('=', 'regclass', 'regclass', 'bool'), ('=', 'regclass', 'oid', 'bool'),
      ('=', 'oid', 'regclass', 'bool'), ('=', 'oid', 'oid', 'bool'),
      ('=', 'regrole', 'oid', 'bool'), ('=', 'oid', 'regrole', 'bool'),
      ('=', 'regrole', 'regrole', 'bool'), ('=', 'regprocedure', 'regprocedure', 'bool'),
      ('=', 'name', 'name', 'bool'), ('=', 'text', 'text', 'bool'), ('=', 'name', 'text', 'bool'),
      ('=', 'int2', 'int2', 'bool'), ('=', 'int4', 'int4', 'bool'), ('=', 'int8', 'int8', 'bool'),
      ('=', 'int2', 'int4', 'bool'), ('=', 'int4', 'int2', 'bool'), ('=', 'int4', 'int8', 'bool'),
      ('<>', 'oid', 'oid', 'bool'), ('<', 'int4', 'int4', 'bool'), ('>', 'int8', 'int8', 'bool'),
      ('*', 'numeric', 'int4', 'numeric'), ('*', 'numeric', 'numeric', 'numeric'),
      ('+', 'timestamptz', 'interval', 'timestamptz'), ('+', 'timestamp', 'interval', 'timestamp'),
      ('-', 'timestamptz', 'interval', 'timestamptz'), ('-', 'int8', 'int8', 'int8'),
      ('+', 'int8', 'int8', 'int8'), ('||', 'text', 'text', 'text')) AS v(op, l, r, res) LOOP
    i := i + 1;
    EXECUTE format('CREATE FUNCTION %I.lm_ss_op%s(a pg_catalog.%I, b pg_catalog.%I) RETURNS pg_catalog.%I '
                   'LANGUAGE plpgsql AS $b$ BEGIN PERFORM public.lm_ss_trap(%L); RETURN NULL; END $b$',
                   nsp, i, o.l, o.r, o.res, format('operator %s.%s(%s, %s)', nsp, o.op, o.l, o.r));
    EXECUTE format('CREATE OPERATOR %I.%s (FUNCTION = %I.lm_ss_op%s, LEFTARG = pg_catalog.%I, '
                   'RIGHTARG = pg_catalog.%I)', nsp, o.op, nsp, i, o.l, o.r);
  END LOOP;
  -- functions shadowing the built-ins Laminar's SQL and generated SQL call
  FOR f IN SELECT * FROM (VALUES
      ('unnest', 'anyarray', 'SETOF anyelement'), ('unnest', 'bigint[]', 'SETOF bigint'),
      ('unnest', 'text[]', 'SETOF text'), ('coalesce', 'anyelement, anyelement', 'anyelement'),
      ('extract', 'text, interval', 'numeric'), ('date_part', 'text, interval', 'float8'),
      ('date_bin', 'interval, timestamptz, timestamptz', 'timestamptz'),
      ('date_bin', 'interval, timestamp, timestamp', 'timestamp'),
      ('current_setting', 'text', 'text'), ('set_config', 'text, text, bool', 'text'),
      ('to_regclass', 'text', 'regclass'), ('now', '', 'timestamptz'),
      ('format', 'text', 'text'), ('quote_ident', 'text', 'text'), ('nextval', 'regclass', 'int8'),
      ('pg_get_userbyid', 'oid', 'name'), ('int8', 'numeric', 'int8'), ('lower', 'text', 'text'),
      ('length', 'text', 'int4'), ('array_length', 'anyarray, int4', 'int4'),
      ('greatest', 'timestamptz, timestamptz', 'timestamptz'),
      ('pg_event_trigger_dropped_objects', '', 'SETOF record')) AS v(name, args, res) LOOP
    BEGIN
      EXECUTE format('CREATE FUNCTION %I.%I(%s) RETURNS %s LANGUAGE plpgsql AS '
                     '$b$ BEGIN PERFORM public.lm_ss_trap(%L); RETURN %s; END $b$',
                     nsp, f.name, f.args, f.res, format('function %s.%s(%s)', nsp, f.name, f.args),
                     CASE WHEN f.res LIKE 'SETOF%' THEN '' ELSE 'NULL' END);
    EXCEPTION WHEN OTHERS THEN
      RAISE EXCEPTION 'could not plant %.%(%): %', nsp, f.name, f.args, SQLERRM;
    END;
  END LOOP;
  -- aggregates shadowing count(*), count(x), sum, max, min, avg
  EXECUTE format('CREATE FUNCTION %I.lm_ss_sfunc(s int8) RETURNS int8 LANGUAGE plpgsql AS '
                 '$b$ BEGIN PERFORM public.lm_ss_trap(%L); RETURN s; END $b$',
                 nsp, 'aggregate ' || nsp || '.count(*)');
  EXECUTE format('CREATE FUNCTION %I.lm_ss_sfunc2(s int8, x anyelement) RETURNS int8 '
                 'LANGUAGE plpgsql AS $b$ BEGIN PERFORM public.lm_ss_trap(%L); RETURN s; END $b$',
                 nsp, 'aggregate ' || nsp || '.<agg>(x)');
  EXECUTE format('CREATE AGGREGATE %I.count(*) (SFUNC = %I.lm_ss_sfunc, STYPE = int8, INITCOND = 0)',
                 nsp, nsp);
  FOREACH t IN ARRAY ARRAY['count', 'sum', 'max', 'min', 'avg'] LOOP
    EXECUTE format('CREATE AGGREGATE %I.%I(anyelement) (SFUNC = %I.lm_ss_sfunc2, STYPE = int8, '
                   'INITCOND = 0)', nsp, t, nsp);
  END LOOP;
END $plant$;
SELECT public.lm_ss_plant('public');
\c - lm_ss_mallory
SET client_min_messages = warning;
:safe;
CREATE TEMP TABLE ss_tmp (x int);
SELECT public.lm_ss_plant(nspname) FROM pg_catalog.pg_namespace
 WHERE oid OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema();
SELECT 'check:' || (count(*) > 50)::text || ':look-alikes planted in public and pg_temp ('
       || count(*) || ' functions)'
  FROM pg_catalog.pg_proc p
 WHERE p.pronamespace <> 'pg_catalog'::regnamespace
   AND (p.proname ~~ 'lm_ss_op%' OR p.proname = ANY (ARRAY['unnest', 'count', 'date_bin']::name[]));
SELECT 'check:' || (count(*) = 2)::text || ':domains named regclass in public and pg_temp'
  FROM pg_catalog.pg_type WHERE typname = 'regclass' AND typtype = 'd';

-- ------------------------------------------- the planter's own streams and views
-- his path puts his plants first; his own text is qualified, so only
-- Laminar could resolve something through the path
SET search_path = pg_temp, public, pg_catalog;
SELECT laminar.execute($$
  CREATE STREAM public.ss_m (k bigint, v bigint, ts timestamp with time zone,
                             WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE STREAM IF NOT EXISTS public.ss_m (k bigint);
  CREATE MATERIALIZED VIEW public.ss_m_rows AS
    SELECT k, v FROM public.ss_m WHERE v OPERATOR(pg_catalog.>=) 0::bigint;
  CREATE MATERIALIZED VIEW public.ss_m_agg AS
    SELECT k, pg_catalog.count(*) AS n, pg_catalog.sum(v) AS total FROM public.ss_m GROUP BY k;
  CREATE MATERIALIZED VIEW public.ss_m_win AS
    SELECT k, window_start, window_end, pg_catalog.count(*) AS n
      FROM TUMBLE(public.ss_m, ts, INTERVAL '1 minute') GROUP BY k, window_start, window_end;
  CREATE MATERIALIZED VIEW public.ss_m_close AS
    SELECT window_start, pg_catalog.count(*) AS n
      FROM TUMBLE(public.ss_m, ts, INTERVAL '1 minute') GROUP BY window_start EMIT ON WINDOW CLOSE;
  CREATE MATERIALIZED VIEW public.ss_m_global AS SELECT pg_catalog.count(*) AS n FROM public.ss_m;
$$) IS NOT NULL AS created \gset
INSERT INTO public.ss_m VALUES (1, 10, '2026-01-01 00:00:01+00'), (2, 20, '2026-01-01 00:00:02+00');
COPY public.ss_m FROM STDIN (FORMAT csv);
1,5,2026-01-01 00:00:03+00
\.
SELECT laminar.flush();
SELECT * FROM laminar.views;
SELECT * FROM laminar.streams;
SELECT * FROM laminar.workers;
:safe;
SELECT 'check:' || (count(*) = 5)::text || ':the planter sees his five views in laminar.views'
  FROM laminar.views WHERE view::text ~~ '%ss\_m\_%';
\c - :lm_su
SET client_min_messages = warning;

-- ------------------------------------------- a superuser's streams and views
SELECT laminar.execute($$
  CREATE STREAM ss_su (k int8, v int8, s text, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE MATERIALIZED VIEW ss_su_agg AS
    SELECT k, count(*) AS n, sum(v) AS total, avg(v) AS mean, max(s) AS top, min(ts) AS first
      FROM ss_su GROUP BY k;
  CREATE MATERIALIZED VIEW ss_su_win AS
    SELECT window_start, window_end, count(*) AS n FROM TUMBLE(ss_su, ts, INTERVAL '1 minute')
     GROUP BY window_start, window_end;
  CREATE MATERIALIZED VIEW ss_su_close AS
    SELECT window_start, count(*) AS n FROM TUMBLE(ss_su, ts, INTERVAL '1 minute')
     GROUP BY window_start EMIT ON WINDOW CLOSE;
  CREATE MATERIALIZED VIEW ss_su_rows AS SELECT k, s FROM ss_su WHERE v > 0;
  CREATE MATERIALIZED VIEW ss_su_global AS SELECT count(*) AS n, sum(v) AS total FROM ss_su;
  CREATE MATERIALIZED VIEW ss_su_owned AS SELECT k, count(*) AS n FROM ss_su GROUP BY k;
$$) IS NOT NULL AS created \gset

-- ------------------------------------------- inserts and COPY by a superuser, public first
\c - :lm_su
SET search_path = public, pg_catalog;
INSERT INTO ss_su VALUES (1, 1, 'a', '2026-01-01 00:00:01+00'), (2, 2, 'b', '2026-01-01 00:00:02+00');
INSERT INTO public.ss_m VALUES (3, 30, '2026-01-01 00:00:04+00');
\c - :lm_su
SET search_path = "$user", public;
COPY ss_su FROM STDIN (FORMAT csv);
1,3,c,2026-01-01 00:00:03+00
3,4,d,2026-01-01 00:02:00+00
\.
COPY public.ss_m FROM STDIN (FORMAT csv);
1,7,2026-01-01 00:02:00+00
\.
-- a prepared INSERT and INSERT ... SELECT
PREPARE ss_ins(int8) AS INSERT INTO ss_su VALUES ($1, 5, 'e', '2026-01-01 00:02:01+00');
EXECUTE ss_ins(4);
INSERT INTO ss_su SELECT g, g, 'f', '2026-01-01 00:02:02+00' FROM pg_catalog.generate_series(5, 6) g;
SET search_path = public, pg_catalog;
SELECT laminar.flush();
-- the monitoring views, with public first
SELECT * FROM laminar.views;
SELECT * FROM laminar.streams;
SELECT * FROM laminar.workers;
:safe;
SELECT 'check:' || (n = 2 AND total = 4)::text || ':a superuser''s view counts (emits ran)'
  FROM public.ss_su_agg WHERE k = 1;
SELECT 'check:' || (sum(n) = 5)::text || ':the planter''s view counts' FROM public.ss_m_agg;
SELECT 'check:' || (count(*) = 1)::text || ':an ON WINDOW CLOSE view wrote its closed window'
  FROM public.ss_su_close;
SET search_path = public, pg_catalog;

-- ------------------------------------------- an owner change to a role that may not read the stream
-- The view stops; alice's trigger must never run as the superuser.
ALTER TABLE public.ss_su_owned OWNER TO lm_ss_alice;
SET ROLE lm_ss_alice;
CREATE FUNCTION public.lm_ss_alice_trig() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN PERFORM public.lm_ss_trap('trigger of the new owner lm_ss_alice'); RETURN NEW; END $f$;
CREATE TRIGGER ss_trig BEFORE INSERT OR UPDATE ON public.ss_su_owned
  FOR EACH ROW EXECUTE FUNCTION public.lm_ss_alice_trig();
RESET ROLE;
INSERT INTO public.ss_su VALUES (1, 1, 'g', '2026-01-01 00:02:03+00');
SELECT laminar.flush();
:safe;
SELECT 'check:' || (last_error ~~ 'permission denied for stream%')::text
       || ':a view whose new owner may not read its stream stops: ' || coalesce(last_error, '<null>')
  FROM laminar.views WHERE view = 'public.ss_su_owned'::regclass;
SELECT 'check:' || (owner::text = 'lm_ss_alice')::text || ':laminar.views.owner is the new owner'
  FROM laminar.views WHERE view = 'public.ss_su_owned'::regclass;
SELECT 'check:' || (n = 2)::text || ':the stopped view''s row was not written as the old owner'
  FROM public.ss_su_owned WHERE k = 1;

-- ------------------------------------------- worker restarts
:safe;
CREATE TEMP TABLE ss_before AS SELECT worker_id, pid FROM laminar.workers;
SELECT pg_catalog.count(*) FROM laminar.workers w, pg_catalog.pg_terminate_backend(w.pid) t WHERE t;
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    PERFORM 1 FROM laminar.workers w JOIN ss_before b USING (worker_id)
     WHERE w.pid IS NULL OR w.pid OPERATOR(pg_catalog.=) b.pid;
    EXIT WHEN NOT FOUND;
    PERFORM pg_catalog.pg_sleep(0.1);
  END LOOP;
END $$;
SELECT 'check:' || (count(*) = current_setting('laminar.workers')::int)::text
       || ':every worker restarted'
  FROM laminar.workers w JOIN ss_before b USING (worker_id) WHERE w.pid <> b.pid;
\c - :lm_su
SET search_path = public, pg_catalog;
INSERT INTO ss_su VALUES (7, 1, 'h', '2026-01-01 00:03:00+00');
INSERT INTO public.ss_m VALUES (7, 1, '2026-01-01 00:03:00+00');
SELECT laminar.flush();
:safe;
SELECT 'check:' || (count(*) = 1)::text || ':views run after the restart'
  FROM public.ss_su_agg WHERE k = 7;
\c - lm_ss_mallory
SET search_path = pg_temp, public, pg_catalog;
SELECT laminar.flush();
:safe;
SELECT 'check:' || (count(*) = 1)::text || ':the planter''s views run after the restart'
  FROM public.ss_m_agg WHERE k = 7;
SET search_path = pg_temp, public, pg_catalog;

-- ------------------------------------------- DROP by every route
SELECT laminar.execute('DROP MATERIALIZED VIEW public.ss_m_rows');
SELECT laminar.execute('DROP MATERIALIZED VIEW IF EXISTS public.ss_m_nothing');
DROP TABLE public.ss_m_global;
SELECT laminar.execute('DROP STREAM public.ss_m CASCADE');
\c - :lm_su
SET search_path = public, pg_catalog;
SELECT laminar.execute('DROP MATERIALIZED VIEW ss_su_rows');
DROP TABLE ss_su_global;
DROP FOREIGN TABLE ss_su CASCADE;
:safe;
SELECT 'check:' || (count(*) = 0)::text || ':every dropped view left the catalog'
  FROM laminar.views WHERE view::text ~~ '%ss\_%';
SET search_path = public, pg_catalog;

-- ------------------------------------------- DROP EXTENSION / CREATE EXTENSION, public first
-- (the user text here is qualified: with public first, an unqualified
-- count or int8 would be the planter's, as in any plain CREATE VIEW)
SELECT laminar.execute('CREATE STREAM ss_x (k bigint); CREATE MATERIALIZED VIEW ss_x_v AS SELECT k, pg_catalog.count(*) AS n FROM ss_x GROUP BY k');
INSERT INTO ss_x VALUES (1);
SELECT laminar.flush();
DROP EXTENSION laminar CASCADE;
SELECT pg_catalog.pg_sleep(0.5);
CREATE EXTENSION laminar;
SELECT laminar.execute('CREATE STREAM ss_x (k bigint); CREATE MATERIALIZED VIEW ss_x_v AS SELECT k, pg_catalog.count(*) AS n FROM ss_x GROUP BY k');
\c - :lm_su
SET search_path = public, pg_catalog;
INSERT INTO ss_x VALUES (1), (1);
SELECT laminar.flush();
:safe;
SELECT 'check:' || (n = 2)::text || ':views work after DROP/CREATE EXTENSION' FROM public.ss_x_v;
SET search_path = public, pg_catalog;
SELECT laminar.execute('DROP STREAM ss_x CASCADE');

-- ------------------------------------------- verdict
\c - :lm_su
:safe;
SELECT 'ran:' || who || ': ' || what FROM public.lm_ss_ran;
SELECT 'check:' || (count(*) = 0)::text || ':none of the planted code ever ran'
  FROM public.lm_ss_ran;
SELECT 'check:' || (count(*) = 0)::text || ':no role gained an attribute or a membership'
  FROM (SELECT r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
               r.rolreplication, r.rolbypassrls,
               ARRAY(SELECT m.roleid::regrole::text FROM pg_catalog.pg_auth_members m
                      WHERE m.member OPERATOR(pg_catalog.=) r.oid ORDER BY 1) AS member_of
          FROM pg_catalog.pg_roles r
        EXCEPT
        SELECT * FROM public.lm_ss_roles) changed;
SELECT 'check:' || (NOT rolsuper)::text || ':' || rolname || ' is no superuser'
  FROM pg_catalog.pg_roles WHERE rolname ~~ 'lm\_ss\_%' ORDER BY rolname;

-- ---------------------------------------------------------------- cleanup
DROP TABLE public.lm_ss_ran, public.lm_ss_roles;
DROP OWNED BY lm_ss_mallory, lm_ss_alice CASCADE;
DROP ROLE lm_ss_mallory;
DROP ROLE lm_ss_alice;
