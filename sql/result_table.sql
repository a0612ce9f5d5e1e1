-- The result table stays correct when someone else touches it: rewrites
-- (VACUUM FULL, CLUSTER, TRUNCATE), foreign writes and ALTER TABLE.  Laminar
-- remembers where each group's row is; none of this may make it write the
-- wrong row.
SELECT laminar.execute($$
  CREATE STREAM rt (k int8, v int8);
  CREATE MATERIALIZED VIEW rt_v AS SELECT k, count(*) AS n, sum(v) AS s FROM rt GROUP BY k;
$$);
SELECT reloptions FROM pg_class WHERE relname = 'rt_v';
INSERT INTO rt SELECT g % 5, g FROM generate_series(1, 100) g;
SELECT laminar.flush();
SELECT * FROM rt_v ORDER BY k;
-- a rewrite moves every row
VACUUM FULL rt_v;
INSERT INTO rt SELECT g % 5, 1 FROM generate_series(1, 10) g;
SELECT laminar.flush();
SELECT * FROM rt_v ORDER BY k;
CREATE INDEX rt_v_n ON rt_v (n);
CLUSTER rt_v USING rt_v_n;
INSERT INTO rt VALUES (0, 1000);
SELECT laminar.flush();
SELECT * FROM rt_v ORDER BY k;
-- someone else updates and deletes rows: the next emit writes the view's values again
UPDATE rt_v SET n = -1 WHERE k = 1;
DELETE FROM rt_v WHERE k = 2;
VACUUM rt_v;
INSERT INTO rt VALUES (1, 0), (2, 0), (3, 0);
SELECT laminar.flush();
SELECT * FROM rt_v ORDER BY k;
-- TRUNCATE empties it; groups reappear as they change
TRUNCATE rt_v;
INSERT INTO rt VALUES (4, 1);
SELECT laminar.flush();
SELECT * FROM rt_v ORDER BY k;
-- an added column is left alone; a changed type stops the view (see crashes_result_type)
ALTER TABLE rt_v ADD COLUMN note text;
UPDATE rt_v SET note = 'mine';
INSERT INTO rt VALUES (4, 1);
SELECT laminar.flush();
SELECT * FROM rt_v ORDER BY k;
ALTER TABLE rt_v ALTER COLUMN s TYPE text;
INSERT INTO rt VALUES (4, 1);
SELECT laminar.flush();
SELECT * FROM rt_v ORDER BY k;
SELECT last_error FROM laminar.views WHERE view = 'rt_v'::regclass;
SELECT laminar.execute('DROP STREAM rt CASCADE');
