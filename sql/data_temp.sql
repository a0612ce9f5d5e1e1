-- Streams and views in a temporary schema are refused before anything is
-- created (issue 9, item 10): stream workers cannot see a session's
-- temporary objects, and their catalog rows would outlive the session.
SELECT laminar.execute('CREATE STREAM dtp (k int, ts timestamptz, WATERMARK FOR ts AS ts)');
SELECT laminar.execute('CREATE STREAM pg_temp.dtp_t (k int)');
SELECT laminar.execute('CREATE STREAM IF NOT EXISTS pg_temp.dtp_t (k int)');
SELECT laminar.execute('CREATE MATERIALIZED VIEW pg_temp.dtp_v AS SELECT k FROM dtp');
SELECT laminar.execute('CREATE MATERIALIZED VIEW IF NOT EXISTS pg_temp.dtp_v AS SELECT k FROM dtp');
-- unqualified names when pg_temp comes first in search_path
SET search_path = pg_temp, public;
SELECT laminar.execute('CREATE STREAM dtp_t (k int)');
SELECT laminar.execute('CREATE MATERIALIZED VIEW dtp_v AS SELECT k, count(*) AS n FROM public.dtp GROUP BY k');
RESET search_path;
-- the session's temporary schema under its own name
CREATE TEMP TABLE dtp_anchor (x int);
DO $$
BEGIN
  PERFORM laminar.execute(format('CREATE STREAM %I.dtp_t (k int)', nspname))
     FROM pg_namespace WHERE oid = pg_my_temp_schema();
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'refused: %', regexp_replace(SQLERRM, 'pg_temp_[0-9]+', 'pg_temp_N');
END
$$;
DO $$
BEGIN
  PERFORM laminar.execute(format('CREATE MATERIALIZED VIEW %I.dtp_v AS SELECT k FROM public.dtp', nspname))
     FROM pg_namespace WHERE oid = pg_my_temp_schema();
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'refused: %', regexp_replace(SQLERRM, 'pg_temp_[0-9]+', 'pg_temp_N');
END
$$;
DROP TABLE dtp_anchor;
-- nothing was created
SELECT stream FROM laminar.streams WHERE stream::text LIKE '%dtp%' ORDER BY 1;
SELECT view FROM laminar.views WHERE view::text LIKE '%dtp%' ORDER BY 1;
SELECT count(*) AS temp_relations FROM pg_class WHERE relname IN ('dtp_t', 'dtp_v');
-- a temporary stream left behind by 0.1.0: views over it are refused
BEGIN;
CREATE FOREIGN TABLE pg_temp.dtp_old (k int, ts timestamptz) SERVER laminar;
INSERT INTO laminar._streams (stream, ts_column, ts_attnum, watermark_delay, watermark_delay_us)
  VALUES ('pg_temp.dtp_old'::regclass, 'ts', 2, '0', 0);
SELECT laminar.execute('CREATE MATERIALIZED VIEW dtp_v AS SELECT k FROM pg_temp.dtp_old');
ROLLBACK;
BEGIN;
CREATE FOREIGN TABLE pg_temp.dtp_old (k int, ts timestamptz) SERVER laminar;
INSERT INTO laminar._streams (stream, ts_column, ts_attnum, watermark_delay, watermark_delay_us)
  VALUES ('pg_temp.dtp_old'::regclass, 'ts', 2, '0', 0);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW dtp_v AS
  SELECT window_start, count(*) AS n FROM TUMBLE(pg_temp.dtp_old, ts, INTERVAL '1 minute') GROUP BY window_start $$);
ROLLBACK;
-- permanent streams and views still work, and dropping temp names is harmless
SELECT laminar.execute('CREATE MATERIALIZED VIEW dtp_v AS SELECT k, count(*) AS n FROM dtp GROUP BY k');
INSERT INTO dtp VALUES (1, now()), (1, now());
SELECT laminar.flush();
SELECT * FROM dtp_v;
SELECT laminar.execute('DROP STREAM IF EXISTS pg_temp.dtp_t; DROP MATERIALIZED VIEW IF EXISTS pg_temp.dtp_v');
SELECT laminar.execute('DROP STREAM dtp CASCADE');
-- upgrading from 0.1.0 removes the catalog rows such objects left behind
SELECT current_database() AS dtp_home \gset
CREATE DATABASE lm_data_upgrade;
\c lm_data_upgrade
CREATE EXTENSION laminar VERSION '0.1.0';
CREATE FOREIGN TABLE dtp_kept (k int) SERVER laminar;
CREATE FOREIGN TABLE pg_temp.dtp_tmp (k int) SERVER laminar;
CREATE TABLE dtp_kept_v (k int);
CREATE TABLE dtp_orphan_v (k int);
CREATE TABLE dtp_tmp_v (k int);
INSERT INTO laminar._streams (stream) VALUES ('dtp_kept'::regclass), ('pg_temp.dtp_tmp'::regclass), (4000000000::oid::regclass);
INSERT INTO laminar._views (view, stream, owner, kind, emit, definition, query, route, key_columns, timezone, datestyle, intervalstyle)
  SELECT v, s, 'postgres', 'stateless', 'on update', '', '', 'p', '{}', 'UTC', 'ISO', 'postgres'
    FROM (VALUES ('dtp_kept_v'::regclass, 'dtp_kept'::regclass),
                 (4000000001::oid::regclass, 'dtp_kept'::regclass),
                 ('dtp_orphan_v'::regclass, 4000000000::oid::regclass),
                 ('dtp_tmp_v'::regclass, 'pg_temp.dtp_tmp'::regclass)) x(v, s);
SELECT count(*) AS views_before FROM laminar._views;
ALTER EXTENSION laminar UPDATE;
SELECT stream FROM laminar._streams;
SELECT view, stream FROM laminar._views;
\c :dtp_home
DROP DATABASE lm_data_upgrade;
