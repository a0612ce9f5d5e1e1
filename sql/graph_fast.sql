-- The specialised transitions (count, sum(float8), avg and variance of
-- float8, min/max over integers, dates, timestamps and float8) give exactly what the functions give: the
-- same events into a stream and a plain table, with NULLs, NaN, infinities,
-- -0 and the types' extremes.
SELECT laminar.execute($$
  CREATE STREAM gf (k int4, i2 int2, i4 int4, i8 int8, f float8, d date, t timestamp, tz timestamptz, g float8);
  CREATE MATERIALIZED VIEW gf_v AS
    SELECT k, count(*) AS n, count(f) AS nf, sum(f) AS sf,
           min(i2) AS min2, max(i2) AS max2, min(i4) AS min4, max(i4) AS max4,
           min(i8) AS min8, max(i8) AS max8, min(f) AS minf, max(f) AS maxf,
           min(d) AS mind, max(d) AS maxd, min(t) AS mint, max(t) AS maxt,
           min(tz) AS mintz, max(tz) AS maxtz, avg(f) AS af, var_samp(f) AS vf,
           avg(g) AS ag, stddev_pop(g) AS sg
    FROM gf GROUP BY k;
$$);
CREATE TEMP TABLE gf_in AS
  SELECT (i % 4)::int4 AS k,
         (CASE WHEN i % 11 = 0 THEN NULL WHEN i % 13 = 0 THEN 32767 WHEN i % 17 = 0 THEN -32768 ELSE i % 300 - 150 END)::int2 AS i2,
         (CASE WHEN i % 7 = 0 THEN NULL WHEN i % 19 = 0 THEN 2147483647 ELSE i * 7919 % 100000 - 50000 END)::int4 AS i4,
         (CASE WHEN i % 5 = 0 THEN NULL WHEN i % 23 = 0 THEN -9223372036854775808 ELSE i * 104729 END)::int8 AS i8,
         (CASE WHEN i % 3 = 0 THEN NULL WHEN i % 29 = 0 THEN 'NaN' WHEN i % 31 = 0 THEN 'Infinity'
               WHEN i % 37 = 0 THEN '-Infinity' WHEN i % 41 = 0 THEN '-0' ELSE (i * 0.37)::float8 END)::float8 AS f,
         (CASE WHEN i % 6 = 0 THEN NULL WHEN i % 43 = 0 THEN 'infinity' ELSE date '2026-01-01' + i % 400 END)::date AS d,
         (CASE WHEN i % 8 = 0 THEN NULL WHEN i % 47 = 0 THEN '-infinity' ELSE timestamp '2026-01-01' + i * interval '1 minute' END)::timestamp AS t,
         (CASE WHEN i % 9 = 0 THEN NULL ELSE timestamptz '2026-01-01 00:00:00+00' - i * interval '1 hour' END)::timestamptz AS tz,
         (CASE WHEN i % 10 = 0 THEN NULL ELSE sin(i) * 1e3 END)::float8 AS g
  FROM generate_series(1, 3000) i;
-- a group whose every f is NULL or NaN
INSERT INTO gf_in VALUES (9, NULL, NULL, NULL, 'NaN', NULL, NULL, NULL, 'Infinity'), (9, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1);
-- the oracle reads the events in the order the stream got them
INSERT INTO gf SELECT * FROM gf_in;
SELECT laminar.flush();
-- float sums depend on the order of their inputs: the oracle aggregates the
-- events in the order the stream got them (a hash aggregate over gf_in,
-- the table they were inserted from; a sort is not stable)
SET enable_sort = off;
SELECT count(*) AS differences FROM (
  (SELECT * FROM gf_v EXCEPT ALL
   SELECT k, count(*), count(f), sum(f), min(i2), max(i2), min(i4), max(i4), min(i8), max(i8),
          min(f), max(f), min(d), max(d), min(t), max(t), min(tz), max(tz), avg(f), var_samp(f),
          avg(g), stddev_pop(g) FROM gf_in GROUP BY k)
  UNION ALL
  (SELECT k, count(*), count(f), sum(f), min(i2), max(i2), min(i4), max(i4), min(i8), max(i8),
          min(f), max(f), min(d), max(d), min(t), max(t), min(tz), max(tz), avg(f), var_samp(f),
          avg(g), stddev_pop(g) FROM gf_in GROUP BY k
   EXCEPT ALL SELECT * FROM gf_v)) d;
RESET enable_sort;
SELECT k, n, nf, sf, minf, maxf, af, vf, round(ag::numeric, 6) AS ag, round(sg::numeric, 6) AS sg FROM gf_v ORDER BY k;
-- an overflow of finite inputs raises float8_accum's own error: the event is skipped
INSERT INTO gf (k, g) VALUES (20, 1e308), (20, -1e308);
SELECT laminar.flush();
SELECT k, ag FROM gf_v WHERE k = 20;
SELECT skipped_events, last_skip_error FROM laminar.views WHERE view = 'gf_v'::regclass;
SELECT laminar.execute('DROP STREAM gf CASCADE');
-- sum and avg over int2, int4 and int8 (int2/int4_sum, int2/int4_avg_accum,
-- int8_avg_accum's int128 state), against the functions: NULLs, a group
-- whose values are all NULL, the types' extremes, and int8 sums far beyond
-- the int8 range.
SELECT laminar.execute($$
  CREATE STREAM gi (k int4, i2 int2, i4 int4, i8 int8);
  CREATE MATERIALIZED VIEW gi_v AS
    SELECT k, sum(i2) AS s2, avg(i2) AS a2, sum(i4) AS s4, avg(i4) AS a4,
           sum(i8) AS s8, avg(i8) AS a8, count(i8) AS n8
    FROM gi GROUP BY k;
$$);
CREATE TEMP TABLE gi_in AS
  SELECT (i % 3)::int4 AS k,
         (CASE WHEN i % 11 = 0 THEN NULL WHEN i % 13 = 0 THEN 32767 WHEN i % 17 = 0 THEN -32768 ELSE i % 300 - 150 END)::int2 AS i2,
         (CASE WHEN i % 7 = 0 THEN NULL WHEN i % 19 = 0 THEN 2147483647 WHEN i % 23 = 0 THEN -2147483648 ELSE i * 7919 % 100000 - 50000 END)::int4 AS i4,
         (CASE WHEN i % 5 = 0 THEN NULL WHEN i % 3 = 0 THEN 9223372036854775807 WHEN i % 29 = 0 THEN -9223372036854775808 ELSE i * 104729 END)::int8 AS i8
  FROM generate_series(1, 3000) i;
INSERT INTO gi_in VALUES (9, NULL, NULL, NULL), (9, NULL, NULL, NULL);
INSERT INTO gi SELECT * FROM gi_in;
SELECT laminar.flush();
SELECT count(*) AS differences FROM (
  (SELECT * FROM gi_v EXCEPT ALL
   SELECT k, sum(i2), avg(i2), sum(i4), avg(i4), sum(i8), avg(i8), count(i8) FROM gi_in GROUP BY k)
  UNION ALL
  (SELECT k, sum(i2), avg(i2), sum(i4), avg(i4), sum(i8), avg(i8), count(i8) FROM gi_in GROUP BY k
   EXCEPT ALL SELECT * FROM gi_v)) d;
SELECT k, s2, s4, s8, round(a8, 3) AS a8, n8 FROM gi_v ORDER BY k;
SELECT laminar.execute('DROP STREAM gi CASCADE');
-- An event that fails in a later aggregate's transition is skipped whole:
-- the states that earlier aggregates updated in place (avg of int4, int8
-- and float8) are put back.  The second event's sum(g) overflows.
SELECT laminar.execute($$
  CREATE STREAM gu (k int4, i4 int4, i8 int8, f float8, g float8);
  CREATE MATERIALIZED VIEW gu_v AS
    SELECT k, avg(i4) AS a4, avg(i8) AS a8, avg(f) AS af, sum(i8) AS s8, count(*) AS n, sum(g) AS sg
    FROM gu GROUP BY k;
$$);
INSERT INTO gu VALUES (1, 5, 50, 0.5, 1e308);
INSERT INTO gu VALUES (1, 700, 7000, 70.5, 1e308);
INSERT INTO gu VALUES (1, 9, 90, 0.9, -1e308);
SELECT laminar.flush();
SELECT k, a4, a8, af, s8, n, sg FROM gu_v;
SELECT skipped_events, last_skip_error FROM laminar.views WHERE view = 'gu_v'::regclass;
SELECT laminar.execute('DROP STREAM gu CASCADE');
-- The producer lays out a row of a stream whose columns all have a fixed
-- length at fixed offsets when it has no NULL (heap_fill_tuple otherwise):
-- every alignment, by-value and by-reference fixed-length types, rows with
-- and without NULLs, read back through a stateless view.
SELECT laminar.execute($$
  CREATE STREAM gx (b bool, s int2, c "char", u uuid, i interval, m macaddr, f4 float4,
                    n name, f8 float8, ts timestamptz, k int8, p point);
  CREATE MATERIALIZED VIEW gx_v AS SELECT b, s, c, u, i, m, f4, n, f8, ts, k, p FROM gx;
$$);
CREATE TEMP TABLE gx_in AS
  SELECT (i % 2 = 0) AS b, (i * 31 % 65536 - 32768)::int2 AS s, chr(65 + i % 26)::"char" AS c,
         md5(i::text)::uuid AS u, make_interval(days => i, secs => i * 0.5) AS i,
         ('08:00:2b:01:02:' || lpad(to_hex(i % 256), 2, '0'))::macaddr AS m, (i / 7.0)::float4 AS f4,
         ('name' || i)::name AS n, i * 1.25 AS f8, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second' AS ts,
         i * 1000003::int8 AS k, point(i, -i) AS p
  FROM generate_series(1, 500) i;
UPDATE gx_in SET u = NULL WHERE k % 7 = 0;
UPDATE gx_in SET n = NULL, s = NULL WHERE k % 11 = 0;
INSERT INTO gx SELECT * FROM gx_in;
SELECT laminar.flush();
SELECT count(*) AS differences FROM (
  (SELECT b, s, c, u, i, m, f4, n, f8, ts, k, p::text FROM gx_v EXCEPT ALL
   SELECT b, s, c, u, i, m, f4, n, f8, ts, k, p::text FROM gx_in)
  UNION ALL
  (SELECT b, s, c, u, i, m, f4, n, f8, ts, k, p::text FROM gx_in EXCEPT ALL
   SELECT b, s, c, u, i, m, f4, n, f8, ts, k, p::text FROM gx_v)) d;
SELECT count(*) AS rows, count(u) AS with_u, count(n) AS with_n FROM gx_v;
SELECT laminar.execute('DROP STREAM gx CASCADE');
