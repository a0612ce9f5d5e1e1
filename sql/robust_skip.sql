-- One event never stops a view (issue 9, item 9): an event that fails in
-- WHERE, in an aggregate's argument or in a transition is skipped and
-- counted; a group whose row fails at emit keeps its state, its row is
-- skipped and counted once, and it is written once it fits.
SELECT laminar.execute($$
  CREATE STREAM rs (k text, v text, n int4, w text);
  CREATE MATERIALIZED VIEW rs_where AS SELECT k, count(*) AS c FROM rs WHERE v::int > 0 GROUP BY k;
  CREATE MATERIALIZED VIEW rs_arg AS SELECT k, count(*) AS c, sum(100 / n) AS s FROM rs GROUP BY k;
  CREATE MATERIALIZED VIEW rs_sel AS SELECT k, count(*) AS c, min(w)::int AS m FROM rs GROUP BY k;
  CREATE MATERIALIZED VIEW rs_rows AS SELECT k, v::int AS vi FROM rs;
  CREATE MATERIALIZED VIEW rs_ok AS SELECT k, count(*) AS c FROM rs GROUP BY k;
$$);
INSERT INTO rs VALUES ('a', '5', 1, '1'), ('a', 'abc', 0, '2'), ('b', '7', 2, '3'), ('c', '9', 4, 'xyz');
SELECT laminar.flush();
-- the bad event of a is not counted by any aggregate of the views it failed in
SELECT * FROM rs_where ORDER BY k;
SELECT * FROM rs_arg ORDER BY k;
SELECT * FROM rs_rows ORDER BY k;
SELECT * FROM rs_ok ORDER BY k;
-- c's row fails at emit (min(w) = 'xyz' does not cast): skipped, the others written
SELECT * FROM rs_sel ORDER BY k;
SELECT view, events_in, skipped_events, skipped_rows, timeouts, last_error, last_skip_error
  FROM laminar.views WHERE view::text LIKE 'rs%' ORDER BY 1;
-- c is tried again at every emit (counted once), and written once its value fits
INSERT INTO rs VALUES ('a', '1', 1, '0');
SELECT laminar.flush();
SELECT skipped_rows FROM laminar.views WHERE view = 'rs_sel'::regclass;
INSERT INTO rs VALUES ('c', '1', 1, '4');
SELECT laminar.flush();
SELECT * FROM rs_sel ORDER BY k;
SELECT view, skipped_events, skipped_rows, last_error FROM laminar.views WHERE view::text LIKE 'rs%' ORDER BY 1;
SELECT laminar.execute('DROP STREAM rs CASCADE');

-- A transition that fails (interval overflow) is undone for every aggregate
-- of the group; a numeric sum that overflows at emit is retried and written
-- once it is back in range.
SELECT laminar.execute($$
  CREATE STREAM rt (k int4, iv interval, x numeric);
  CREATE MATERIALIZED VIEW rt_iv AS SELECT k, count(*) AS c, sum(iv) AS total FROM rt GROUP BY k;
  CREATE MATERIALIZED VIEW rt_num AS SELECT k, count(*) AS c, sum(x) AS total FROM rt GROUP BY k;
  CREATE MATERIALIZED VIEW rt_win AS SELECT count(*) AS c, sum(iv) AS total FROM rt;
$$);
INSERT INTO rt VALUES (1, '100000000 years', 1), (1, '100000000 years', 2), (1, '1 day', 3);
INSERT INTO rt VALUES (2, '1 day', 9e131071), (2, '1 day', 9e131071);
SELECT laminar.flush();
SELECT * FROM rt_iv ORDER BY k;
SELECT * FROM rt_win;
SELECT k, c, total < 1e10 AS small FROM rt_num ORDER BY k;
SELECT view, skipped_events, skipped_rows, last_error, last_skip_error
  FROM laminar.views WHERE view::text LIKE 'rt%' ORDER BY 1;
INSERT INTO rt VALUES (2, '1 day', -9e131071);
SELECT laminar.flush();
SELECT k, c, total = 9e131071 AS back_in_range FROM rt_num ORDER BY k;
SELECT view, skipped_rows, last_error FROM laminar.views WHERE view = 'rt_num'::regclass;
SELECT laminar.execute('DROP STREAM rt CASCADE');

-- A group key too large for the unique index: that row is skipped and
-- counted, every other group is written, for running and windowed views.
SELECT laminar.execute($$
  CREATE STREAM rk (k text, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE MATERIALIZED VIEW rk_v AS SELECT k, count(*) AS c FROM rk GROUP BY k;
  CREATE MATERIALIZED VIEW rk_w AS SELECT k, window_start, count(*) AS c
    FROM TUMBLE(rk, ts, INTERVAL '1 minute') GROUP BY k, window_start EMIT ON WINDOW CLOSE;
  CREATE MATERIALIZED VIEW rk_len AS SELECT length(k) AS len, count(*) AS c FROM rk GROUP BY 1;
$$);
INSERT INTO rk VALUES ('small', '2026-01-01 00:00:01+00');
INSERT INTO rk SELECT string_agg(md5(i::text), ''), '2026-01-01 00:00:02+00' FROM generate_series(1, 300) i;
INSERT INTO rk VALUES ('small', '2026-01-01 00:00:03+00'), ('other', '2026-01-01 00:05:00+00');
SELECT laminar.flush();
SELECT k, c FROM rk_v ORDER BY k;
SELECT length(k) AS len, window_start, c FROM rk_w ORDER BY 1;
SELECT * FROM rk_len ORDER BY len;
SELECT view, skipped_events, skipped_rows, last_error, last_skip_error LIKE 'index row%' AS index_error
  FROM laminar.views WHERE view::text LIKE 'rk%' ORDER BY 1;
-- later events still go through
INSERT INTO rk VALUES ('small', '2026-01-01 00:05:01+00');
SELECT laminar.flush();
SELECT k, c FROM rk_v ORDER BY k;
SELECT laminar.execute('DROP STREAM rk CASCADE');
-- A CHECK the owner adds to the result table: the rows it rejects are
-- skipped and retried; once it is dropped they are written.
SELECT laminar.execute($$
  CREATE STREAM rc (k int4);
  CREATE MATERIALIZED VIEW rc_v AS SELECT k, count(*) AS c FROM rc GROUP BY k;
$$);
ALTER TABLE rc_v ADD CONSTRAINT rc_small CHECK (c < 3);
INSERT INTO rc VALUES (1), (1), (1), (2);
SELECT laminar.flush();
SELECT * FROM rc_v ORDER BY k;
SELECT skipped_rows, last_error, last_skip_error FROM laminar.views WHERE view = 'rc_v'::regclass;
ALTER TABLE rc_v DROP CONSTRAINT rc_small;
SELECT laminar.flush();
SELECT * FROM rc_v ORDER BY k;
SELECT skipped_rows, last_error FROM laminar.views WHERE view = 'rc_v'::regclass;
SELECT laminar.execute('DROP STREAM rc CASCADE');
-- the workers unload the dropped views (and forget their errors)
SELECT laminar.flush();
