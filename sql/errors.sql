-- Bad input: every error has an SQLSTATE, a message naming the construct, a hint.
\set VERBOSITY default
SELECT laminar.execute($$ CREATE STREAM e (k int8, v int8, n numeric, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second') $$);
SELECT laminar.execute('CREATE STREAM nots (k int8)');
-- malformed DDL
SELECT laminar.execute('SELECT 1');
SELECT laminar.execute('');
SELECT laminar.execute(NULL);
SELECT laminar.execute('CREATE STREAM');
SELECT laminar.execute('CREATE STREAM z (a int');
SELECT laminar.execute('CREATE STREAM z (a int) WITH (x = 1)');
SELECT laminar.execute('CREATE STREAM z (a int, b nosuchtype)');
SELECT laminar.execute('CREATE MATERIALIZED VIEW');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELEC k FROM e');
-- WATERMARK problems
SELECT laminar.execute($$ CREATE STREAM z (ts int, WATERMARK FOR ts AS ts - INTERVAL '1 second') $$);
SELECT laminar.execute($$ CREATE STREAM z (ts timestamptz, WATERMARK FOR nope AS nope - INTERVAL '1 second') $$);
SELECT laminar.execute($$ CREATE STREAM z (ts timestamptz, WATERMARK FOR ts AS ts - 5) $$);
SELECT laminar.execute($$ CREATE STREAM z (ts timestamptz, WATERMARK FOR ts AS ts + INTERVAL '1 second') $$);
SELECT laminar.execute($$ CREATE STREAM z (ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 month') $$);
SELECT laminar.execute($$ CREATE STREAM z (ts timestamptz, WATERMARK FOR ts AS ts, WATERMARK FOR ts AS ts) $$);
-- unknown stream or column
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT k FROM nosuch');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT nosuch FROM e');
CREATE TABLE plain_t (k int);
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT k FROM plain_t');
-- not supported yet
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT k FROM e ORDER BY k');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT k FROM e LIMIT 5');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT k, sum(v) OVER () FROM e');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT k FROM e WHERE k IN (SELECT 1)');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT e.k FROM e JOIN nots USING (k)');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT e.k FROM e, nots');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT k FROM (SELECT k FROM e) s');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS WITH x AS (SELECT k FROM e) SELECT k FROM x');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT DISTINCT k FROM e');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT count(*) FROM e HAVING count(*) > 1');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT k FROM e UNION SELECT k FROM nots');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT k, percentile_cont(k / 10.0) WITHIN GROUP (ORDER BY v) FROM e GROUP BY k');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT k, count(*) FROM e GROUP BY ROLLUP (k)');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT generate_series(1, k) FROM e');
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT e FROM e');
SELECT laminar.execute($$ CREATE STREAM z (ts timestamptz, WATERMARK FOR ts AS) $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW v AS SELECT k FROM HOP(e, ts, INTERVAL '1 second') $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW v AS SELECT k FROM e EMIT PERIODICALLY $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW v AS SELECT k FROM e EMIT ON WINDOW CLOSE $$);
-- grouping rules
SELECT laminar.execute('CREATE MATERIALIZED VIEW v AS SELECT count(*) FROM e GROUP BY k');
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW v AS SELECT k, count(*) FROM TUMBLE(e, ts, INTERVAL '1 second') GROUP BY k $$);
-- TUMBLE problems
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW v AS SELECT window_start, count(*) FROM TUMBLE(nots, k, INTERVAL '1 second') GROUP BY 1 $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW v AS SELECT window_start, count(*) FROM TUMBLE(e, k, INTERVAL '1 second') GROUP BY 1 $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW v AS SELECT window_start, count(*) FROM TUMBLE(e, ts, INTERVAL '1 month') GROUP BY 1 $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW v AS SELECT window_start, count(*) FROM TUMBLE(e, ts, INTERVAL '-1 second') GROUP BY 1 $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW v AS SELECT window_start, count(*) FROM TUMBLE(e, ts) GROUP BY 1 $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW v AS SELECT window_start, count(*) FROM TUMBLE(e, ts, 'abc') GROUP BY 1 $$);
-- windowed view over a stream without a WATERMARK
CREATE TEMP TABLE dummy (x int);
SELECT laminar.execute($$ CREATE STREAM nowm (k int8, ts timestamptz) $$);
SELECT laminar.execute($$ CREATE MATERIALIZED VIEW v AS SELECT window_start, count(*) FROM TUMBLE(nowm, ts, INTERVAL '1 second') GROUP BY 1 $$);
-- dropping a stream that views depend on
SELECT laminar.execute('CREATE MATERIALIZED VIEW dep_v AS SELECT k, count(*) AS n FROM e GROUP BY k');
SELECT laminar.execute('DROP STREAM e');
DROP FOREIGN TABLE e;
SELECT laminar.execute('DROP STREAM plain_t');
SELECT laminar.execute('DROP MATERIALIZED VIEW plain_t');
SELECT laminar.execute('DROP STREAM nosuch');
SELECT laminar.execute('DROP STREAM IF EXISTS nosuch');
SELECT laminar.execute('DROP MATERIALIZED VIEW IF EXISTS nosuch');
-- nothing half-created by any of the failures above
SELECT view FROM laminar.views ORDER BY 1;
SELECT stream FROM laminar.streams ORDER BY 1;
SELECT relname FROM pg_class WHERE relname IN ('v', 'z') ORDER BY 1;
-- the stream refuses what it cannot do
UPDATE nots SET k = 1;
DELETE FROM nots;
TRUNCATE nots;
CREATE INDEX ON nots (k);
ALTER FOREIGN TABLE nots ADD COLUMN extra int;
ALTER TABLE nots ALTER COLUMN k TYPE text;
-- NOT NULL is enforced on streams
SELECT laminar.execute('CREATE STREAM nn (k int8 NOT NULL, v int8)');
INSERT INTO nn VALUES (NULL, 1);
-- flush inside a transaction that wrote to a stream
BEGIN;
INSERT INTO nn VALUES (1, 1);
SELECT laminar.flush();
ROLLBACK;
-- PREPARE TRANSACTION of stream writes is refused
BEGIN;
INSERT INTO nn VALUES (1, 1);
PREPARE TRANSACTION 'lm';
SELECT laminar.flush('-1 second');
SELECT laminar.execute('DROP STREAM e CASCADE; DROP STREAM nots; DROP STREAM nowm; DROP STREAM nn');
DROP TABLE plain_t;
