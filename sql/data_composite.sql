-- Composite-type columns (issue 9, item 8): composite, nested composite,
-- domain-over-composite and array-of-composite values round-trip exactly
-- through stateless, aggregate and windowed views, as group keys and as
-- aggregate states and results.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
CREATE TYPE dc_pair AS (a int, b text);
CREATE TYPE dc_nest AS (p dc_pair, f float8, tags text[]);
CREATE DOMAIN dc_dpair AS dc_pair CHECK ((VALUE).a <> 0);
-- composites are ordered (record comparison): min/max aggregates over them
CREATE FUNCTION dc_larger(dc_pair, dc_pair) RETURNS dc_pair LANGUAGE sql IMMUTABLE STRICT
  AS 'SELECT CASE WHEN $1 >= $2 THEN $1 ELSE $2 END';
CREATE FUNCTION dc_smaller(dc_pair, dc_pair) RETURNS dc_pair LANGUAGE sql IMMUTABLE STRICT
  AS 'SELECT CASE WHEN $1 <= $2 THEN $1 ELSE $2 END';
CREATE AGGREGATE dc_max(dc_pair) (SFUNC = dc_larger, STYPE = dc_pair);
CREATE AGGREGATE dc_min(dc_pair) (SFUNC = dc_smaller, STYPE = dc_pair);
SELECT laminar.execute($$
  CREATE STREAM dc (k int, p dc_pair, n dc_nest, d dc_dpair, ps dc_pair[], ts timestamptz,
                    WATERMARK FOR ts AS ts);
  CREATE MATERIALIZED VIEW dc_rows AS SELECT k, p, n, d, ps, (p).b AS pb, ROW(k, (p).b)::dc_pair AS made FROM dc;
  CREATE MATERIALIZED VIEW dc_by_p AS
    SELECT p, count(*) AS c, dc_min(p) AS lo, dc_max(d) AS hi, array_agg(p) AS all_p FROM dc GROUP BY p;
  CREATE MATERIALIZED VIEW dc_by_nd AS SELECT n, d, count(*) AS c FROM dc GROUP BY n, d;
  CREATE MATERIALIZED VIEW dc_by_ps AS SELECT ps, count(*) AS c FROM dc GROUP BY ps;
  CREATE MATERIALIZED VIEW dc_win AS
    SELECT p, window_start, window_end, count(*) AS c, dc_max(p) AS hi
    FROM TUMBLE(dc, ts, INTERVAL '1 minute') GROUP BY p, window_start, window_end;
  CREATE MATERIALIZED VIEW dc_win_close AS
    SELECT window_start, dc_min(p) AS lo, dc_max(p) AS hi, count(*) AS c
    FROM TUMBLE(dc, ts, INTERVAL '1 minute') GROUP BY window_start EMIT ON WINDOW CLOSE;
  CREATE MATERIALIZED VIEW dc_global AS SELECT dc_min(p) AS lo, dc_max(p) AS hi, count(*) AS c FROM dc;
$$);
\d dc_by_p
-- values with separators, quotes, parentheses, backslashes, NULL and empty fields
CREATE TABLE dc_plain (k int, p dc_pair, n dc_nest, d dc_dpair, ps dc_pair[], ts timestamptz);
INSERT INTO dc_plain VALUES
  (1, ROW(1, 'a,b'), ROW(ROW(1, 'a,b'), 0.1, '{x,"y z"}'), ROW(1, 'a,b'), ARRAY[ROW(1, 'a,b'), ROW(2, NULL)]::dc_pair[], '2026-01-01 00:00:01+00'),
  (2, ROW(2, '"quoted" (paren) \back'), ROW(ROW(2, ')'), 1e300, '{}'), ROW(2, ''), ARRAY[ROW(NULL, '')]::dc_pair[], '2026-01-01 00:00:02+00'),
  (3, ROW(NULL, ''), ROW(NULL, NULL, NULL), NULL, '{}', '2026-01-01 00:00:03+00'),
  (4, ROW(3, NULL), NULL, ROW(3, NULL), NULL, '2026-01-01 00:00:04+00'),
  (5, NULL, ROW(ROW(NULL, NULL), -0.0, '{NULL}'), ROW(5, ' '), ARRAY[NULL]::dc_pair[], '2026-01-01 00:00:05+00'),
  (6, ROW(1, 'a,b'), ROW(ROW(1, 'a,b'), 0.1, '{x,"y z"}'), ROW(1, 'a,b'), ARRAY[ROW(1, 'a,b'), ROW(2, NULL)]::dc_pair[], '2026-01-01 00:00:06+00');
INSERT INTO dc SELECT * FROM dc_plain;
SELECT laminar.flush();
SELECT view, last_error FROM laminar.views WHERE stream = 'dc'::regclass ORDER BY view::text;
SELECT * FROM dc_rows ORDER BY k;
SELECT * FROM dc_by_p ORDER BY p;
SELECT * FROM dc_by_nd ORDER BY n, d;
SELECT * FROM dc_by_ps ORDER BY ps;
SELECT * FROM dc_win ORDER BY p;
SELECT * FROM dc_global;
-- every value is exactly what plain SQL gives
CREATE FUNCTION dc_check() RETURNS TABLE (view text, same bool) LANGUAGE sql AS $f$
  SELECT 'dc_rows', (SELECT array_agg(x::text ORDER BY x::text) FROM dc_rows x)
    = (SELECT array_agg(y::text ORDER BY y::text) FROM
       (SELECT k, p, n, d, ps, (p).b AS pb, ROW(k, (p).b)::dc_pair AS made FROM dc_plain) y)
  UNION ALL
  SELECT 'dc_by_p', (SELECT array_agg(x::text ORDER BY x::text) FROM dc_by_p x)
    = (SELECT array_agg(y::text ORDER BY y::text) FROM
       (SELECT p, count(*) AS c, dc_min(p) AS lo, dc_max(d) AS hi, array_agg(p) AS all_p FROM dc_plain GROUP BY p) y)
  UNION ALL
  SELECT 'dc_by_nd', (SELECT array_agg(x::text ORDER BY x::text) FROM dc_by_nd x)
    = (SELECT array_agg(y::text ORDER BY y::text) FROM (SELECT n, d, count(*) AS c FROM dc_plain GROUP BY n, d) y)
  UNION ALL
  SELECT 'dc_by_ps', (SELECT array_agg(x::text ORDER BY x::text) FROM dc_by_ps x)
    = (SELECT array_agg(y::text ORDER BY y::text) FROM (SELECT ps, count(*) AS c FROM dc_plain GROUP BY ps) y)
  UNION ALL
  SELECT 'dc_win', (SELECT array_agg(x::text ORDER BY x::text) FROM dc_win x)
    = (SELECT array_agg(y::text ORDER BY y::text) FROM
       (SELECT p, date_bin('1 minute', ts, '1970-01-01 00:00:00+00') AS window_start,
               date_bin('1 minute', ts, '1970-01-01 00:00:00+00') + interval '1 minute' AS window_end,
               count(*) AS c, dc_max(p) AS hi FROM dc_plain GROUP BY 1, 2, 3) y)
  UNION ALL
  SELECT 'dc_global', (SELECT array_agg(x::text) FROM dc_global x)
    = (SELECT array_agg(y::text) FROM (SELECT dc_min(p) AS lo, dc_max(p) AS hi, count(*) AS c FROM dc_plain) y)
$f$;
SELECT * FROM dc_check();
-- the same groups again (rows updated in place or upserted), and a closing window
INSERT INTO dc_plain VALUES
  (7, ROW(1, 'a,b'), ROW(ROW(1, 'a,b'), 0.1, '{x,"y z"}'), ROW(1, 'a,b'), ARRAY[ROW(1, 'a,b'), ROW(2, NULL)]::dc_pair[], '2026-01-01 00:00:07+00'),
  (8, ROW(3, NULL), NULL, ROW(3, NULL), NULL, '2026-01-01 00:01:08+00'),
  (9, ROW(-1, 'zz'), ROW(ROW(-1, 'zz'), 2.5, '{}'), ROW(-1, 'zz'), '{}', '2026-01-01 00:01:09+00');
INSERT INTO dc SELECT * FROM dc_plain WHERE k >= 7;
SELECT laminar.flush();
SELECT * FROM dc_check();
SELECT * FROM dc_by_p ORDER BY p;
SELECT * FROM dc_win_close ORDER BY window_start;
SELECT view, last_error, rows_emitted > 0 AS wrote FROM laminar.views WHERE stream = 'dc'::regclass ORDER BY view::text;
-- equality of the stored values, not only of their text
SELECT bool_and(r.p IS NOT DISTINCT FROM t.p AND r.n IS NOT DISTINCT FROM t.n AND r.d IS NOT DISTINCT FROM t.d
                AND r.ps IS NOT DISTINCT FROM t.ps) AS exact
  FROM dc_rows r JOIN dc_plain t USING (k);
SELECT laminar.execute('DROP STREAM dc CASCADE');
DROP FUNCTION dc_check();
DROP TABLE dc_plain;
DROP AGGREGATE dc_max(dc_pair);
DROP AGGREGATE dc_min(dc_pair);
DROP FUNCTION dc_larger(dc_pair, dc_pair);
DROP FUNCTION dc_smaller(dc_pair, dc_pair);
DROP DOMAIN dc_dpair;
DROP TYPE dc_nest;
DROP TYPE dc_pair;
RESET TimeZone;
RESET DateStyle;
