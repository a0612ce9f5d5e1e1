-- Dropping things by any route leaves no orphaned state.
SELECT laminar.execute($$
  CREATE STREAM d (k int8, ts timestamptz, WATERMARK FOR ts AS ts);
  CREATE MATERIALIZED VIEW d_v1 AS SELECT k, count(*) AS n FROM d GROUP BY k;
  CREATE MATERIALIZED VIEW d_v2 AS SELECT k FROM d;
$$);
INSERT INTO d VALUES (1, now());
SELECT laminar.flush();
-- dropping the result table directly removes the view
DROP TABLE d_v1;
SELECT view FROM laminar.views ORDER BY 1;
-- plain DROP FOREIGN TABLE follows Postgres's dependency rules
DROP FOREIGN TABLE d;
DROP FOREIGN TABLE d CASCADE;
SELECT count(*) AS views, (SELECT count(*) FROM laminar.streams) AS streams FROM laminar.views;
INSERT INTO d VALUES (1, now());
-- dropping a function a view uses is refused
CREATE FUNCTION d_f(int8) RETURNS int8 LANGUAGE sql IMMUTABLE AS 'SELECT $1 + 1';
SELECT laminar.execute('CREATE STREAM d2 (k int8); CREATE MATERIALIZED VIEW d2_v AS SELECT d_f(k) AS k1 FROM d2');
DROP FUNCTION d_f(int8);
-- altering a stream is refused (workers deform events with its row type)
ALTER FOREIGN TABLE d2 DROP COLUMN k;
SELECT laminar.execute('DROP STREAM d2 CASCADE');
DROP FUNCTION d_f(int8);
-- DROP EXTENSION CASCADE removes streams, views and result tables
SELECT laminar.execute('CREATE STREAM d3 (k int8); CREATE MATERIALIZED VIEW d3_v AS SELECT k, count(*) AS n FROM d3 GROUP BY k');
INSERT INTO d3 VALUES (1);
SELECT laminar.flush();
DROP EXTENSION laminar CASCADE;
SELECT relname FROM pg_class WHERE relname IN ('d3', 'd3_v');
-- workers keep running, and the extension can come back
SELECT pg_sleep(0.5);
CREATE EXTENSION laminar;
SELECT count(*) > 0 AS workers_alive FROM laminar.workers WHERE pid IS NOT NULL;
SELECT laminar.execute('CREATE STREAM d3 (k int8); CREATE MATERIALIZED VIEW d3_v AS SELECT k, count(*) AS n FROM d3 GROUP BY k');
INSERT INTO d3 VALUES (1), (1);
SELECT laminar.flush();
SELECT * FROM d3_v;
SELECT laminar.execute('DROP STREAM d3 CASCADE');
