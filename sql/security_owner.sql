-- Issue 9, item 3: a view runs as the current owner of its result table
-- (pg_class.relowner), never as its creator once the table changed owner
-- (ALTER TABLE ... OWNER TO, REASSIGN OWNED); DROP ROLE is refused while
-- the role owns views.
SELECT current_user AS lm_su \gset
CREATE ROLE lm_sec_alice LOGIN;
CREATE ROLE lm_sec_bob LOGIN;
GRANT CREATE, USAGE ON SCHEMA public TO lm_sec_alice, lm_sec_bob;
CREATE TABLE public.lm_sec_trig_log (who text, what text);
GRANT INSERT, SELECT ON public.lm_sec_trig_log TO PUBLIC;
-- a trigger body that records who runs it and tries to escalate
CREATE FUNCTION public.lm_sec_trig() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  BEGIN
    EXECUTE pg_catalog.format('ALTER ROLE %I SUPERUSER', TG_ARGV[0]);
    INSERT INTO public.lm_sec_trig_log VALUES (current_user, 'escalated');
  EXCEPTION WHEN insufficient_privilege THEN
    INSERT INTO public.lm_sec_trig_log VALUES (current_user, 'denied');
  END;
  RETURN NEW;
END $f$;
-- a superuser's view, then ALTER TABLE ... OWNER TO alice
SELECT laminar.execute($$
  CREATE STREAM so (k int8);
  CREATE MATERIALIZED VIEW so_v AS SELECT k, count(*) AS n, current_user AS who FROM so GROUP BY k;
$$);
INSERT INTO so VALUES (1);
SELECT laminar.flush();
SELECT k, n, who = :'lm_su' AS runs_as_creator FROM so_v ORDER BY k;
GRANT SELECT ON so TO lm_sec_alice;
ALTER TABLE so_v OWNER TO lm_sec_alice;
SELECT view, owner FROM laminar.views WHERE view = 'so_v'::regclass;
-- alice, now the owner, adds a trigger that tries to make her superuser
SET ROLE lm_sec_alice;
CREATE TRIGGER so_v_trig BEFORE INSERT OR UPDATE ON so_v
  FOR EACH ROW EXECUTE FUNCTION public.lm_sec_trig('lm_sec_alice');
RESET ROLE;
INSERT INTO so VALUES (1), (2);
SELECT laminar.flush();
SELECT * FROM so_v ORDER BY k;
SELECT DISTINCT who, what FROM public.lm_sec_trig_log;
SELECT rolsuper FROM pg_roles WHERE rolname = 'lm_sec_alice';
SELECT view, last_error FROM laminar.views WHERE view = 'so_v'::regclass;
SELECT laminar.execute('DROP STREAM so CASCADE');
-- REASSIGN OWNED: bob's view now runs as alice; bob can be dropped
SET ROLE lm_sec_bob;
SELECT laminar.execute($$
  CREATE STREAM sr (k int8);
  CREATE MATERIALIZED VIEW sr_v AS SELECT k, count(*) AS n, current_user AS who FROM sr GROUP BY k;
$$);
INSERT INTO sr VALUES (1);
RESET ROLE;
SELECT laminar.flush();
SELECT * FROM sr_v ORDER BY k;
REASSIGN OWNED BY lm_sec_bob TO lm_sec_alice;
SELECT view, stream, owner FROM laminar.views WHERE view = 'sr_v'::regclass;
SET ROLE lm_sec_alice;
CREATE TRIGGER sr_v_trig BEFORE INSERT OR UPDATE ON sr_v
  FOR EACH ROW EXECUTE FUNCTION public.lm_sec_trig('lm_sec_alice');
INSERT INTO sr VALUES (1), (2);
RESET ROLE;
SELECT laminar.flush();
SELECT * FROM sr_v ORDER BY k;
SELECT DISTINCT who, what FROM public.lm_sec_trig_log;
REVOKE ALL ON SCHEMA public FROM lm_sec_bob;
DROP ROLE lm_sec_bob;
-- a role that owns views cannot be dropped (pg_class ownership says so)
\set VERBOSITY terse
DROP ROLE lm_sec_alice;
\set VERBOSITY default
SELECT view, owner FROM laminar.views WHERE view = 'sr_v'::regclass;
-- DROP OWNED drops her streams and views, and the catalog follows
DROP OWNED BY lm_sec_alice;
SELECT count(*) AS views_left FROM laminar.views WHERE view::text IN ('so_v', 'sr_v');
SELECT count(*) AS streams_left FROM laminar.streams WHERE stream::text IN ('so', 'sr');
DROP ROLE lm_sec_alice;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname LIKE 'lm_sec_%';
DROP TABLE public.lm_sec_trig_log;
DROP FUNCTION public.lm_sec_trig();
