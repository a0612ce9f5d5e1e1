-- The result table is an ordinary table that its owner can change under a
-- running view.  Each change ends in a view that keeps writing the right
-- table, or in a stopped view whose error is in laminar.views.last_error;
-- never a crash or a write to the wrong place.  (Issue 9, item 6.)
CREATE TEMP TABLE ra_start AS SELECT pg_postmaster_start_time() AS t;
SELECT laminar.execute($$
  CREATE STREAM ra (k int8, v int8);
  CREATE MATERIALIZED VIEW ra_ren AS SELECT k, count(*) AS n FROM ra GROUP BY k;
  CREATE MATERIALIZED VIEW ra_sch AS SELECT k, count(*) AS n FROM ra GROUP BY k;
  CREATE MATERIALIZED VIEW ra_rows AS SELECT k, v FROM ra;
  CREATE MATERIALIZED VIEW ra_glob AS SELECT count(*) AS n FROM ra;
  CREATE MATERIALIZED VIEW ra_col AS SELECT k, count(*) AS n FROM ra GROUP BY k;
  CREATE MATERIALIZED VIEW ra_drop AS SELECT k, count(*) AS n, sum(v) AS s FROM ra GROUP BY k;
  CREATE MATERIALIZED VIEW ra_rows_drop AS SELECT k, v FROM ra;
  CREATE MATERIALIZED VIEW ra_glob_col AS SELECT count(*) AS n FROM ra;
  CREATE MATERIALIZED VIEW ra_readd AS SELECT k, count(*) AS n FROM ra GROUP BY k;
  CREATE MATERIALIZED VIEW ra_add AS SELECT k, count(*) AS n FROM ra GROUP BY k;
  CREATE MATERIALIZED VIEW ra_nn AS SELECT k, max(v) AS top FROM ra GROUP BY k;
  CREATE MATERIALIZED VIEW ra_idx AS SELECT k, count(*) AS n FROM ra GROUP BY k;
  CREATE MATERIALIZED VIEW ra_idx_nulls AS SELECT k, count(*) AS n FROM ra GROUP BY k;
  CREATE MATERIALIZED VIEW ra_pk AS SELECT k, count(*) AS n FROM ra WHERE k IS NOT NULL GROUP BY k;
  CREATE MATERIALIZED VIEW ra_part AS SELECT k, count(*) AS n FROM ra GROUP BY k;
$$);
INSERT INTO ra VALUES (1, 10), (2, 20), (NULL, 5);
SELECT laminar.flush();
-- RENAME and SET SCHEMA: the same table under a new name; the view writes
-- it there, never to a new table that takes the old name
ALTER TABLE ra_ren RENAME TO ra_ren_new;
CREATE TABLE ra_ren (k int8, n int8);
CREATE SCHEMA ra_s;
ALTER TABLE ra_sch SET SCHEMA ra_s;
CREATE TABLE ra_sch (k int8, n int8);
ALTER TABLE ra_rows RENAME TO ra_rows_new;
ALTER TABLE ra_glob SET SCHEMA ra_s;
-- RENAME COLUMN and DROP COLUMN: the view can no longer write its columns
ALTER TABLE ra_col RENAME COLUMN n TO cnt;
ALTER TABLE ra_drop DROP COLUMN s;
ALTER TABLE ra_rows_drop DROP COLUMN v;
ALTER TABLE ra_glob_col RENAME COLUMN n TO total;
-- a column dropped and added again with its name and type is written again
ALTER TABLE ra_readd DROP COLUMN n;
ALTER TABLE ra_readd ADD COLUMN n int8;
-- ADD COLUMN: left alone; new rows get its default
ALTER TABLE ra_add ADD COLUMN note text DEFAULT 'new';
UPDATE ra_add SET note = 'mine';
-- a NOT NULL column: the statement path enforces it (a NULL max is a data
-- error: that group's row is skipped and counted, the view goes on)
ALTER TABLE ra_nn ALTER COLUMN top SET NOT NULL;
-- the unique index: dropped, or replaced by one that lets NULL keys repeat
DROP INDEX ra_idx_k_idx;
DROP INDEX ra_idx_nulls_k_idx;
CREATE UNIQUE INDEX ON ra_idx_nulls (k);
-- a primary key instead: its keys cannot be NULL, so it serves
ALTER TABLE ra_pk ADD PRIMARY KEY (k);
DROP INDEX ra_pk_k_idx;
-- attached as a partition, then the parent changes the column's type
CREATE TABLE ra_parent (k int8, n int8) PARTITION BY LIST (k);
ALTER TABLE ra_parent ATTACH PARTITION ra_part DEFAULT;
ALTER TABLE ra_parent ALTER COLUMN n TYPE numeric;
-- a table that inherits from the global aggregate's table is not updated
CREATE TABLE ra_glob_child () INHERITS (ra_s.ra_glob);
INSERT INTO ra_glob_child VALUES (-1);
INSERT INTO ra VALUES (1, 1), (3, 30), (NULL, 6);
SELECT laminar.flush();
INSERT INTO ra VALUES (1, 2), (4, NULL);
SELECT laminar.flush();
SELECT view::regclass, last_error FROM laminar.views WHERE stream = 'ra'::regclass ORDER BY view::regclass::text;
SELECT view::regclass, skipped_rows > 0 AS rows_skipped, last_skip_error FROM laminar.views WHERE view = 'ra_nn'::regclass;
SELECT * FROM ra_ren_new ORDER BY k;
SELECT count(*) AS decoy_rows FROM ra_ren;
SELECT * FROM ra_s.ra_sch ORDER BY k;
SELECT count(*) AS decoy_rows FROM ra_sch;
SELECT * FROM ra_rows_new ORDER BY k, v;
SELECT * FROM ONLY ra_s.ra_glob;
SELECT * FROM ra_glob_child;
SELECT * FROM ra_readd ORDER BY k;
SELECT * FROM ra_add ORDER BY k;
SELECT * FROM ra_idx_nulls ORDER BY k;
SELECT * FROM ra_pk ORDER BY k;
SELECT pg_postmaster_start_time() = t AS no_crash FROM ra_start;
DROP TABLE ra_ren, ra_sch, ra_glob_child;
SELECT laminar.execute('DROP STREAM ra CASCADE');
DROP TABLE ra_parent;
DROP SCHEMA ra_s;
