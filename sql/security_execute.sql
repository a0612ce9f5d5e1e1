-- Issue 9, item 1: laminar.execute writes Laminar's catalog rows as the
-- bootstrap superuser.  Nothing from the caller's search_path (pg_temp
-- domains named like the casts it uses, public operators) may run inside
-- that; the caller's own names still resolve with the caller's path.
SELECT current_user AS lm_su \gset
CREATE ROLE lm_sec_nobody LOGIN;
GRANT CREATE, USAGE ON SCHEMA public TO lm_sec_nobody;
CREATE SCHEMA lm_sec_own AUTHORIZATION lm_sec_nobody;
CREATE TABLE public.lm_sec_ran (who text, what text);
GRANT INSERT, SELECT ON public.lm_sec_ran TO PUBLIC;
\c - lm_sec_nobody
-- each planted function records that it ran and tries to escalate
CREATE FUNCTION pg_temp.pwn(what text) RETURNS bool LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO public.lm_sec_ran VALUES (current_user, what);
  BEGIN
    EXECUTE 'ALTER ROLE lm_sec_nobody SUPERUSER';
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
  RETURN true;
END $f$;
CREATE FUNCTION pg_temp.pwn(oid) RETURNS bool LANGUAGE sql AS $$ SELECT pg_temp.pwn('regclass') $$;
-- the exploit from the issue, plus domains for every cast laminar.execute uses
CREATE DOMAIN pg_temp.regclass AS pg_catalog.oid CHECK (pg_temp.pwn(VALUE));
CREATE DOMAIN pg_temp.regrole AS pg_catalog.oid CHECK (pg_temp.pwn('regrole'));
CREATE DOMAIN pg_temp.oid AS pg_catalog.oid CHECK (pg_temp.pwn('oid'));
CREATE DOMAIN pg_temp.int8 AS pg_catalog.int8 CHECK (pg_temp.pwn('int8'));
CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (pg_temp.pwn('text'));
CREATE DOMAIN pg_temp.name AS pg_catalog.name CHECK (pg_temp.pwn('name'));
CREATE DOMAIN pg_temp.int2 AS pg_catalog.int2 CHECK (pg_temp.pwn('int2'));
CREATE DOMAIN pg_temp.interval AS pg_catalog.interval CHECK (pg_temp.pwn('interval'));
-- and operators for the comparisons of its catalog queries
CREATE FUNCTION public.lm_sec_eq(regclass, oid) RETURNS bool LANGUAGE sql
  AS $$ SELECT pg_temp.pwn('=(regclass, oid)') AND $1::pg_catalog.oid OPERATOR(pg_catalog.=) $2 $$;
CREATE FUNCTION public.lm_sec_eq(regclass, regclass) RETURNS bool LANGUAGE plpgsql
  AS $$ BEGIN INSERT INTO public.lm_sec_ran VALUES (current_user, '=(regclass, regclass)');
        RETURN $1::pg_catalog.oid OPERATOR(pg_catalog.=) $2::pg_catalog.oid; END $$;
CREATE OPERATOR public.= (FUNCTION = public.lm_sec_eq, LEFTARG = regclass, RIGHTARG = oid);
CREATE OPERATOR public.= (FUNCTION = public.lm_sec_eq, LEFTARG = regclass, RIGHTARG = regclass);
SET search_path = pg_temp, pg_catalog;
-- the issue's statement, verbatim: a temp-schema stream either works or is
-- refused, but nothing of ours runs as the superuser
DO $$
BEGIN
  PERFORM laminar.execute('CREATE STREAM pg_temp.x (a int)');
  PERFORM laminar.execute('DROP STREAM pg_temp.x');
EXCEPTION WHEN OTHERS THEN NULL;
END $$;
-- the same with a stream and views in public, through every statement
SELECT laminar.execute($$
  CREATE STREAM public.lm_sec_s (k bigint, ts timestamp with time zone,
                                 WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE STREAM IF NOT EXISTS public.lm_sec_s (k bigint);
  CREATE MATERIALIZED VIEW public.lm_sec_v AS
    SELECT k, pg_catalog.count(*) AS n FROM public.lm_sec_s GROUP BY k;
  CREATE MATERIALIZED VIEW public.lm_sec_w AS
    SELECT window_start, pg_catalog.count(*) AS n
      FROM TUMBLE(public.lm_sec_s, ts, INTERVAL '1 minute') GROUP BY window_start;
  CREATE MATERIALIZED VIEW public.lm_sec_g AS SELECT pg_catalog.count(*) AS n FROM public.lm_sec_s;
$$);
SELECT laminar.execute('DROP MATERIALIZED VIEW public.lm_sec_g');
SELECT laminar.execute('DROP STREAM public.lm_sec_s CASCADE');
SHOW search_path;
-- nothing ran, and the role is no superuser
SELECT * FROM public.lm_sec_ran;
SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'lm_sec_nobody';
\c - :lm_su
-- the caller's own names resolve with the caller's path, as the caller
SET ROLE lm_sec_nobody;
CREATE FUNCTION lm_sec_own.twice(int8) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
SET search_path = lm_sec_own, public;
SELECT laminar.execute($$
  CREATE STREAM own_s (k int8);
  CREATE MATERIALIZED VIEW own_v AS SELECT twice(k) AS k2, count(*) AS n FROM own_s GROUP BY 1;
$$);
SHOW search_path;
SELECT view, stream, owner FROM laminar.views WHERE view::text LIKE '%own%';
INSERT INTO own_s VALUES (1), (1), (2);
RESET ROLE;
SELECT laminar.flush();
SELECT * FROM lm_sec_own.own_v ORDER BY k2;
-- an explicit path: the second argument
SET ROLE lm_sec_nobody;
RESET search_path;
SELECT laminar.execute('CREATE STREAM own_t (k int8)', 'lm_sec_own');
SELECT laminar.execute('DROP STREAM own_t', 'public');
SELECT laminar.execute('DROP STREAM own_t', 'lm_sec_own');
SELECT laminar.execute('DROP STREAM own_t', NULL);
SELECT laminar.execute('DROP STREAM own_t', 'a, "b');
SELECT laminar.execute('DROP STREAM lm_sec_own.own_s CASCADE');
RESET ROLE;
SELECT pg_catalog.count(*) AS ran FROM public.lm_sec_ran;
DROP TABLE public.lm_sec_ran;
DROP SCHEMA lm_sec_own CASCADE;
DROP OWNED BY lm_sec_nobody;
DROP ROLE lm_sec_nobody;
