-- Aggregates: results and types exactly as Postgres computes them.
SELECT laminar.execute($$
  CREATE STREAM m (k int8, i int4, b int8, n numeric, f float8, t text, ts timestamptz);
  CREATE MATERIALIZED VIEW m_all AS
    SELECT k, count(*) AS cnt, count(n) AS cnt_n, sum(i) AS sum_i, sum(b) AS sum_b, sum(n) AS sum_n,
           sum(f) AS sum_f, min(t) AS min_t, max(t) AS max_t, min(n) AS min_n, max(b) AS max_b,
           avg(i) AS avg_i, avg(b) AS avg_b, avg(n) AS avg_n, avg(f) AS avg_f,
           max(b) - min(b) AS spread, round(avg(n), 2) AS avg2, bool_and(i > 0) AS all_pos,
           count(*) FILTER (WHERE f > 1) AS big_f
    FROM m GROUP BY k;
  CREATE MATERIALIZED VIEW m_global AS SELECT count(*) AS n, sum(b) AS s, avg(n) AS a, max(t) AS mx FROM m;
  CREATE MATERIALIZED VIEW m_expr AS SELECT k % 3 AS bucket, upper(t) AS ut, count(*) AS n FROM m GROUP BY 1, upper(t);
$$);
-- a global aggregate holds Postgres's answer before any event
SELECT * FROM m_global;
CREATE TABLE m_oracle (k int8, i int4, b int8, n numeric, f float8, t text, ts timestamptz);
INSERT INTO m_oracle VALUES
  (1, 1, 10, 1.5, 0.5, 'b', now()), (1, 2, NULL, NULL, 2.5, 'a', now()), (1, NULL, 30, 2.25, NULL, NULL, now()),
  (2, -5, 9223372036854775807, 1e20, 1e100, 'zz', now()), (2, 5, 9223372036854775807, -1e20, 1, 'Z', now()),
  (NULL, 7, 7, 7, 7, 'n', now()), (NULL, 8, 8, 8, 8, 'N', now()), (3, NULL, NULL, NULL, NULL, NULL, now());
INSERT INTO m SELECT * FROM m_oracle;
SELECT laminar.flush();
\x on
SELECT * FROM m_all ORDER BY k NULLS FIRST;
\x off
-- the same query as plain SQL: no difference
(SELECT * FROM m_all EXCEPT
 SELECT k, count(*), count(n), sum(i), sum(b), sum(n), sum(f), min(t), max(t), min(n), max(b),
        avg(i), avg(b), avg(n), avg(f), max(b) - min(b), round(avg(n), 2), bool_and(i > 0),
        count(*) FILTER (WHERE f > 1) FROM m_oracle GROUP BY k)
UNION ALL
(SELECT k, count(*), count(n), sum(i), sum(b), sum(n), sum(f), min(t), max(t), min(n), max(b),
        avg(i), avg(b), avg(n), avg(f), max(b) - min(b), round(avg(n), 2), bool_and(i > 0),
        count(*) FILTER (WHERE f > 1) FROM m_oracle GROUP BY k
 EXCEPT SELECT * FROM m_all);
SELECT * FROM m_global;
SELECT * FROM m_expr ORDER BY 1 NULLS FIRST, 2 NULLS FIRST;
-- result column types are the select list's types
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'm_all'::regclass AND attnum > 0 ORDER BY attnum;
-- running aggregates keep accumulating
INSERT INTO m (k, b, t) VALUES (1, 5, 'c'), (4, 1, 'x');
SELECT laminar.flush();
SELECT k, cnt, sum_b, max_t FROM m_all ORDER BY k NULLS FIRST;
SELECT * FROM m_global;
SELECT laminar.execute('DROP STREAM m CASCADE');
DROP TABLE m_oracle;
-- aggregates with internal or array states, and array/jsonb result columns
SELECT laminar.execute($$
  CREATE STREAM sa (k int8, t text, x float8);
  CREATE MATERIALIZED VIEW sa_v AS
    SELECT k, string_agg(t, ',') AS ts, stddev(x) AS sd, array_agg(t) AS arr, bool_or(x > 1) AS b,
           variance(k) AS var, jsonb_agg(t) AS j, array_agg(x) FILTER (WHERE x > 2) AS big
    FROM sa GROUP BY k
$$);
INSERT INTO sa VALUES (1, 'a', 1), (1, 'b', 2), (2, 'c', 3), (2, NULL, NULL);
SELECT laminar.flush();
SELECT * FROM sa_v ORDER BY k;
SELECT laminar.execute('DROP STREAM sa CASCADE');
-- keys that are equal but not bytewise equal (1.0 = 1.00, -0.0 = 0.0,
-- '1 day' = '24 hours') form one group, whichever worker they are routed to
SELECT laminar.execute($$
  CREATE STREAM eq (n numeric, f float8, i interval);
  CREATE MATERIALIZED VIEW eq_n AS SELECT n, count(*) AS c FROM eq GROUP BY n;
  CREATE MATERIALIZED VIEW eq_f AS SELECT f, count(*) AS c FROM eq GROUP BY f;
  CREATE MATERIALIZED VIEW eq_i AS SELECT i, count(*) AS c FROM eq GROUP BY i;
$$);
INSERT INTO eq SELECT (ARRAY['1'::numeric, '1.0', '1.00', '1.000'])[g % 4 + 1],
                      CASE WHEN g % 2 = 0 THEN 0.0 ELSE -0.0 END,
                      CASE WHEN g % 2 = 0 THEN interval '1 day' ELSE interval '24 hours' END
                 FROM generate_series(1, 100) g;
SELECT laminar.flush();
SELECT (SELECT count(*) FROM eq_n) AS n_groups, (SELECT sum(c) FROM eq_n) AS n_events,
       (SELECT count(*) FROM eq_f) AS f_groups, (SELECT count(*) FROM eq_i) AS i_groups;
SELECT laminar.execute('DROP STREAM eq CASCADE');
