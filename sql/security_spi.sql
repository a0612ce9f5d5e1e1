-- Issue 9, item 2: Laminar's own queries (the producer's route loading in
-- the writing backend, the worker's view loading as the bootstrap
-- superuser, the counts of laminar.execute) never resolve an operator,
-- function or type through search_path.  PostgreSQL has no exact
-- =(regclass, regclass), so a public one would be picked.  (Worker
-- restarts with such operators planted: test/security/suite.sql.)
SELECT current_user AS lm_su \gset
CREATE ROLE lm_sec_mallory LOGIN;
GRANT CREATE, USAGE ON SCHEMA public TO lm_sec_mallory;
CREATE TABLE public.lm_sec_ran (who text, what text);
GRANT INSERT, SELECT ON public.lm_sec_ran TO PUBLIC;
\c - lm_sec_mallory
CREATE FUNCTION public.lm_sec_trap(what text) RETURNS bool LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO public.lm_sec_ran VALUES (current_user, what);
  BEGIN
    EXECUTE 'ALTER ROLE lm_sec_mallory SUPERUSER';
  EXCEPTION WHEN insufficient_privilege THEN NULL;
  END;
  RETURN true;
END $f$;
CREATE FUNCTION public.lm_sec_eq_cc(regclass, regclass) RETURNS bool LANGUAGE sql
  AS $$ SELECT public.lm_sec_trap('=(regclass, regclass)') AND $1::oid OPERATOR(pg_catalog.=) $2::oid $$;
CREATE FUNCTION public.lm_sec_eq_co(regclass, oid) RETURNS bool LANGUAGE sql
  AS $$ SELECT public.lm_sec_trap('=(regclass, oid)') AND $1::oid OPERATOR(pg_catalog.=) $2 $$;
CREATE FUNCTION public.lm_sec_eq_oc(oid, regclass) RETURNS bool LANGUAGE sql
  AS $$ SELECT public.lm_sec_trap('=(oid, regclass)') AND $1 OPERATOR(pg_catalog.=) $2::oid $$;
CREATE FUNCTION public.lm_sec_mul(numeric, integer) RETURNS numeric LANGUAGE sql
  AS $$ SELECT CASE WHEN public.lm_sec_trap('*(numeric, integer)') THEN $1 OPERATOR(pg_catalog.*) $2 END $$;
CREATE OPERATOR public.= (FUNCTION = public.lm_sec_eq_cc, LEFTARG = regclass, RIGHTARG = regclass);
CREATE OPERATOR public.= (FUNCTION = public.lm_sec_eq_co, LEFTARG = regclass, RIGHTARG = oid);
CREATE OPERATOR public.= (FUNCTION = public.lm_sec_eq_oc, LEFTARG = oid, RIGHTARG = regclass);
CREATE OPERATOR public.* (FUNCTION = public.lm_sec_mul, LEFTARG = numeric, RIGHTARG = integer);
\c - :lm_su
-- a superuser with public on its search_path creates, writes and copies
SHOW search_path;
SELECT laminar.execute($$
  CREATE STREAM lm_sec_s (k int8, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE MATERIALIZED VIEW lm_sec_v AS SELECT k, count(*) AS n FROM lm_sec_s GROUP BY k;
  CREATE MATERIALIZED VIEW lm_sec_w AS
    SELECT window_start, count(*) AS n FROM TUMBLE(lm_sec_s, ts, INTERVAL '1 minute')
     GROUP BY window_start EMIT ON WINDOW CLOSE;
$$);
\c - :lm_su
INSERT INTO lm_sec_s VALUES (1, '2026-01-01 00:00:10+00'), (2, '2026-01-01 00:00:20+00');
\c - :lm_su
COPY lm_sec_s FROM STDIN (FORMAT csv);
1,2026-01-01 00:00:30+00
3,2026-01-01 00:02:00+00
\.
SELECT laminar.flush();
SELECT * FROM lm_sec_v ORDER BY k;
SELECT * FROM lm_sec_w ORDER BY window_start;
SELECT view, last_error FROM laminar.views WHERE view::text LIKE 'lm_sec%' ORDER BY 1;
SELECT laminar.execute('DROP MATERIALIZED VIEW lm_sec_w; DROP STREAM lm_sec_s CASCADE');
-- none of the planted code ran, and the role gained nothing
SELECT * FROM public.lm_sec_ran;
SELECT rolsuper FROM pg_roles WHERE rolname = 'lm_sec_mallory';
DROP TABLE public.lm_sec_ran;
DROP OWNED BY lm_sec_mallory;
DROP ROLE lm_sec_mallory;
