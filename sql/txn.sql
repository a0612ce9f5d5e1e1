-- Transactions: only committed events count; savepoints; COPY; defaults; prepared INSERT.
SELECT laminar.execute($$
  CREATE STREAM t (k int8, v int8 DEFAULT 7, note text DEFAULT 'none', ts timestamptz DEFAULT now());
  CREATE MATERIALIZED VIEW t_sum AS SELECT k, count(*) AS n, sum(v) AS s FROM t GROUP BY k;
  CREATE MATERIALIZED VIEW t_rows AS SELECT k, v, note FROM t;
$$);
BEGIN;
INSERT INTO t VALUES (1, 1);
ROLLBACK;
BEGIN;
INSERT INTO t VALUES (2, 1);
SAVEPOINT a;
INSERT INTO t VALUES (2, 100);
SAVEPOINT b;
INSERT INTO t VALUES (2, 1000);
ROLLBACK TO b;
INSERT INTO t VALUES (2, 10);
RELEASE a;
SAVEPOINT c;
INSERT INTO t VALUES (3, 1);
ROLLBACK TO c;
COMMIT;
SELECT laminar.flush();
SELECT * FROM t_sum ORDER BY k;
-- an error inside a savepoint undoes only that savepoint's events
BEGIN;
INSERT INTO t VALUES (4, 1);
SAVEPOINT s;
INSERT INTO t VALUES (4, 2);
INSERT INTO t VALUES (4, 'x');
ROLLBACK TO s;
INSERT INTO t VALUES (4, 4);
COMMIT;
-- a PL/pgSQL exception block is a savepoint too
DO $$
BEGIN
  INSERT INTO t VALUES (5, 1);
  BEGIN
    INSERT INTO t VALUES (5, 2);
    PERFORM 1 / 0;
  EXCEPTION WHEN division_by_zero THEN
    NULL;
  END;
  INSERT INTO t VALUES (5, 4);
END $$;
SELECT laminar.flush();
SELECT * FROM t_sum ORDER BY k;
-- columns an INSERT or COPY leaves out get their DEFAULT or NULL
INSERT INTO t (k) VALUES (6);
INSERT INTO t (k, note) VALUES (6, NULL);
COPY t (k, v) FROM STDIN;
6	1
6	\N
\.
COPY t (k, v, note) FROM STDIN (FORMAT csv);
6,2,"a, b"
\.
SELECT laminar.flush();
SELECT * FROM t_rows WHERE k = 6 ORDER BY v NULLS FIRST, note NULLS FIRST;
-- prepared INSERT and INSERT ... SELECT
PREPARE ins(int8, int8) AS INSERT INTO t (k, v) VALUES ($1, $2);
EXECUTE ins(7, 1);
EXECUTE ins(7, 2);
INSERT INTO t (k, v) SELECT 8, g FROM generate_series(1, 1000) g;
-- COPY binary
COPY (SELECT 9::int8, 3::int8, 'bin'::text, now()) TO '/tmp/laminar_regress_copy.bin' (FORMAT binary);
COPY t FROM '/tmp/laminar_regress_copy.bin' (FORMAT binary);
SELECT laminar.flush();
SELECT * FROM t_sum WHERE k >= 7 ORDER BY k;
-- RETURNING works like on a table
INSERT INTO t (k) VALUES (10) RETURNING k, v, note;
-- a view counts transactions that commit after its creating transaction:
-- events written by the creating transaction itself are not counted
BEGIN;
INSERT INTO t VALUES (11, 1);
SELECT laminar.execute('CREATE MATERIALIZED VIEW t_late AS SELECT k, count(*) AS n FROM t GROUP BY k');
INSERT INTO t VALUES (11, 1);
COMMIT;
SELECT laminar.flush();
SELECT * FROM t_late;
INSERT INTO t VALUES (11, 1);
SELECT laminar.flush();
SELECT * FROM t_late;
-- savepoint edge cases: a savepoint taken before the first event; nested
-- savepoints with RELEASE; a rollback to a savepoint whose events had
-- already been sent to the workers (a TRUNCATE record, not a local cut)
SELECT laminar.execute('CREATE STREAM sp (k int8); CREATE MATERIALIZED VIEW spv AS SELECT k, count(*) AS n FROM sp GROUP BY k');
BEGIN; SAVEPOINT a; INSERT INTO sp VALUES (1); ROLLBACK TO a; INSERT INTO sp VALUES (2); COMMIT;
BEGIN; INSERT INTO sp VALUES (3); SAVEPOINT a; INSERT INTO sp VALUES (4); SAVEPOINT b; INSERT INTO sp VALUES (5); RELEASE b; ROLLBACK TO a; INSERT INTO sp VALUES (6); COMMIT;
BEGIN; INSERT INTO sp SELECT 7 FROM generate_series(1, 5000); SAVEPOINT c; INSERT INTO sp SELECT 8 FROM generate_series(1, 20000); ROLLBACK TO c; INSERT INTO sp SELECT 9 FROM generate_series(1, 3); COMMIT;
BEGIN; SAVEPOINT x; INSERT INTO sp VALUES (10); RELEASE x; ROLLBACK;
SELECT laminar.flush();
SELECT * FROM spv ORDER BY k;
SELECT laminar.execute('DROP STREAM sp CASCADE');
SELECT laminar.execute('DROP STREAM t CASCADE');
