-- laminar.explain: a view's operator graph, one operator per line in the
-- order data flows, with rows in and out and the state held (memory masked:
-- it depends on the allocator; the line saying how often the state was
-- restored from a snapshot shows only under laminar.debug_snapshot_cycle)
CREATE FUNCTION gx_explain(v regclass) RETURNS SETOF text LANGUAGE sql AS $$
  SELECT regexp_replace(l, '[0-9]+ kB', 'N kB') FROM laminar.explain(v) l
   WHERE l NOT LIKE '(state restored from a snapshot%' $$;
SELECT laminar.execute($$
  CREATE STREAM gx (k int4, v int8, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '5 seconds');
  CREATE MATERIALIZED VIEW gx_agg AS SELECT k, count(*) AS c, sum(v) AS s FROM gx WHERE v > 0 GROUP BY k;
  CREATE MATERIALIZED VIEW gx_total AS SELECT count(*) AS c, avg(v) AS a FROM gx;
  CREATE MATERIALIZED VIEW gx_win AS
    SELECT window_start, k, count(*) AS c FROM TUMBLE(gx, ts, INTERVAL '1 minute')
    GROUP BY window_start, k EMIT ON WINDOW CLOSE;
  CREATE MATERIALIZED VIEW gx_rows AS SELECT k, v * 2 AS v2 FROM gx WHERE k < 3;
$$);
-- before any event: the graph is there, every counter at zero
SELECT laminar.flush();
SELECT * FROM gx_explain('gx_agg');
INSERT INTO gx SELECT i % 5, i - 10, '2026-01-01 00:00:00+00'::timestamptz + i * INTERVAL '1 second'
  FROM generate_series(1, 100) i;
SELECT laminar.flush();
-- 100 events; WHERE v > 0 keeps 90 of them, in 5 groups
SELECT * FROM gx_explain('gx_agg');
SELECT * FROM gx_explain('gx_total');
-- windows the watermark (00:01:35) closed were written and freed: one open
SELECT * FROM gx_explain('gx_win');
SELECT * FROM gx_explain('gx_rows');
-- what explain counts agrees with the views' own counters
SELECT events_in, rows_emitted FROM laminar.views WHERE view = 'gx_rows'::regclass;
SELECT count(*) FROM gx_rows;
-- only roles that may read the result table
CREATE ROLE lm_gx_reader;
SET ROLE lm_gx_reader;
SELECT * FROM laminar.explain('gx_agg');
RESET ROLE;
GRANT SELECT ON gx_agg TO lm_gx_reader;
SET ROLE lm_gx_reader;
SELECT count(*) FROM laminar.explain('gx_agg') l WHERE l NOT LIKE '(state restored%';
RESET ROLE;
-- only continuous views
SELECT * FROM laminar.explain('pg_class');
SELECT * FROM laminar.explain(NULL);
SELECT laminar.execute('DROP STREAM gx CASCADE');
DROP FUNCTION gx_explain(regclass);
DROP ROLE lm_gx_reader;
