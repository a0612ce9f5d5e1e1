-- HOP, CUMULATE and TUMBLE with an offset; EMIT AFTER WATERMARK and EMIT
-- FINAL; ALLOW LATENESS; laminar.advance_watermark; and the errors of each
-- clause.  Every windowed result is compared with plain SQL over the same
-- events (generate_series over the window starts or ends), with the late
-- events left out by the rule: late iff ts < watermark - lateness when the
-- event's transaction is applied.
SET TimeZone = 'UTC';
-- (lm_err, from setup: SQLSTATE, message and hint of what laminar.execute raised)
-- the events, with the transaction (batch) that sent them
CREATE TABLE wk_ev (k int, v int, ts timestamptz, batch int);
-- the same events with the watermark their transaction saw
CREATE VIEW wk_seen AS
SELECT e.*, (SELECT max(p.ts) - interval '2 seconds' FROM wk_ev p WHERE p.batch < e.batch) AS wm
  FROM wk_ev e;
-- a late-data table made beforehand, of the shape LATE DATA TO needs
CREATE TABLE wk_late_hop (k int, v int, ts timestamptz, _watermark timestamptz);
SELECT laminar.execute($$
  CREATE STREAM wk (k int, v int, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '2 seconds');
  CREATE MATERIALIZED VIEW wk_hop AS
    SELECT k, window_start, window_end, count(*) AS n, sum(v) AS s
    FROM HOP(wk, ts, INTERVAL '2 seconds', INTERVAL '5 seconds') GROUP BY k, window_start, window_end
    LATE DATA TO wk_late_hop;
  CREATE MATERIALIZED VIEW wk_hop_group AS
    SELECT k, window_start, window_end, count(*) AS n, sum(v) AS s
    FROM wk GROUP BY k, HOP(ts, INTERVAL '2 seconds', INTERVAL '5 seconds');
  CREATE MATERIALIZED VIEW wk_cum AS
    SELECT window_start, window_end, count(*) AS n, max(v) AS hi
    FROM CUMULATE(wk, ts, INTERVAL '3 seconds', INTERVAL '9 seconds')
    GROUP BY window_start, window_end EMIT ON WINDOW CLOSE;
  CREATE MATERIALIZED VIEW wk_cum_group AS
    SELECT k, window_end, count(*) AS n
    FROM wk GROUP BY k, CUMULATE(ts, INTERVAL '3 seconds', INTERVAL '9 seconds');
  CREATE MATERIALIZED VIEW wk_off AS
    SELECT window_start, window_end, count(*) AS n
    FROM TUMBLE(wk, ts, INTERVAL '10 seconds', INTERVAL '3 seconds') GROUP BY window_start, window_end;
  CREATE MATERIALIZED VIEW wk_off_neg AS
    SELECT window_start, count(*) AS n
    FROM wk GROUP BY TUMBLE(ts, INTERVAL '10 seconds', INTERVAL '-7 seconds');
  CREATE MATERIALIZED VIEW wk_awm AS
    SELECT k, window_start, count(*) AS n, sum(v) AS s
    FROM TUMBLE(wk, ts, INTERVAL '10 seconds') GROUP BY k, window_start
    EMIT AFTER WATERMARK ALLOW LATENESS INTERVAL '5 seconds' LATE DATA TO wk_late;
  CREATE MATERIALIZED VIEW wk_final AS
    SELECT k, window_start, count(*) AS n, sum(v) AS s
    FROM TUMBLE(wk, ts, INTERVAL '10 seconds') GROUP BY k, window_start
    EMIT FINAL ALLOW LATENESS INTERVAL '5 seconds';
  CREATE MATERIALIZED VIEW wk_late_upd AS
    SELECT window_start, count(*) AS n
    FROM wk GROUP BY TUMBLE(ts, INTERVAL '10 seconds') ALLOW LATENESS INTERVAL '5 seconds'
$$);
SELECT view, kind, emit, window_kind, window_size, window_slide, window_offset, allowed_lateness,
       late_table
  FROM laminar.views ORDER BY view::text;
-- LATE DATA TO made wk_late: the stream's columns and _watermark
\d wk_late
-- the graphs, once the workers loaded the views
SELECT laminar.flush();
SELECT regexp_replace(line, '  \(.*', '') AS line FROM laminar.explain('wk_hop') WITH ORDINALITY AS e(line, n) WHERE n = 2;
SELECT regexp_replace(line, '  \(.*', '') AS line FROM laminar.explain('wk_cum') WITH ORDINALITY AS e(line, n) WHERE n IN (2, 4);
SELECT regexp_replace(line, '  \(.*', '') AS line FROM laminar.explain('wk_off') WITH ORDINALITY AS e(line, n) WHERE n = 2;
SELECT regexp_replace(line, '  \(.*', '') AS line FROM laminar.explain('wk_final') WITH ORDINALITY AS e(line, n) WHERE n IN (2, 4);
SELECT regexp_replace(line, '  \(.*', '') AS line FROM laminar.explain('wk_awm') WITH ORDINALITY AS e(line, n) WHERE n = 4;
-- sends batch b of wk_ev to the stream in one transaction
CREATE FUNCTION wk_send(b int) RETURNS void LANGUAGE sql AS $$
    INSERT INTO wk SELECT k, v, ts FROM wk_ev WHERE batch = b ORDER BY v
$$;
-- batch 1: out of order within a window; 2: moves the watermark to 00:00:13
INSERT INTO wk_ev VALUES
  (1, 1, '2026-01-01 00:00:01+00', 1), (2, 2, '2026-01-01 00:00:07.5+00', 1),
  (1, 3, '2026-01-01 00:00:04+00', 1), (NULL, 4, '2026-01-01 00:00:09.999999+00', 1),
  (2, 5, '2026-01-01 00:00:12+00', 1), (1, 6, NULL, 1),
  (1, 7, '2026-01-01 00:00:15+00', 2), (2, 8, '2026-01-01 00:00:10+00', 2);
SELECT wk_send(1);
SELECT wk_send(2);
SELECT laminar.flush();
-- AFTER WATERMARK: window [0, 10) has fired (watermark 00:00:13), [10, 20) not yet
SELECT * FROM wk_awm ORDER BY window_start, k NULLS FIRST;
-- FINAL: nothing is final before the watermark passes end + 5 s
SELECT count(*) FROM wk_final;
-- batch 3: late but allowed for [0, 10) (00:00:09 >= 13 - 5 = 8), and one
-- event beyond the lateness (00:00:07 < 8)
INSERT INTO wk_ev VALUES (1, 9, '2026-01-01 00:00:09+00', 3), (1, 10, '2026-01-01 00:00:07+00', 3),
  (2, 11, '2026-01-01 00:00:14+00', 3);
SELECT wk_send(3);
SELECT laminar.flush();
SELECT * FROM wk_awm ORDER BY window_start, k NULLS FIRST;
SELECT * FROM wk_late_upd ORDER BY window_start;
SELECT view, late_events FROM laminar.views
 WHERE view IN ('wk_awm'::regclass, 'wk_hop'::regclass) ORDER BY view::text;
-- batch 4: the watermark reaches 00:00:15 = [0, 10) + 5 s: FINAL writes it
INSERT INTO wk_ev VALUES (2, 12, '2026-01-01 00:00:17+00', 4), (1, 13, '2026-01-01 00:00:08.5+00', 4);
SELECT wk_send(4);
SELECT laminar.flush();
SELECT * FROM wk_final ORDER BY window_start, k NULLS FIRST;
-- batch 5: beyond the lateness for [0, 10) now; an early event far ahead
INSERT INTO wk_ev VALUES (1, 14, '2026-01-01 00:00:09.5+00', 5), (3, 15, '2026-01-01 00:00:31+00', 5),
  (3, 16, '2026-01-01 00:00:22+00', 5);
SELECT wk_send(5);
SELECT laminar.flush();
-- laminar.advance_watermark closes what is left; it takes effect at commit
BEGIN;
SELECT laminar.advance_watermark('wk', '2026-01-01 00:01:00+00');
SELECT laminar.flush();
ROLLBACK;
SELECT laminar.flush();
SELECT watermark FROM laminar.streams WHERE stream = 'wk'::regclass;
SELECT laminar.advance_watermark('wk', '2026-01-01 00:01:00+00');
SELECT laminar.flush();
SELECT watermark FROM laminar.streams WHERE stream = 'wk'::regclass;
-- it never moves a watermark back
SELECT laminar.advance_watermark('wk', '2026-01-01 00:00:20+00');
SELECT laminar.flush();
SELECT watermark FROM laminar.streams WHERE stream = 'wk'::regclass;
SELECT * FROM wk_final ORDER BY window_start, k NULLS FIRST;
SELECT * FROM wk_awm ORDER BY window_start, k NULLS FIRST;
-- the events each view keeps: not late for its lateness (2 s delay)
CREATE VIEW wk_kept AS SELECT * FROM wk_seen WHERE ts IS NOT NULL AND (wm IS NULL OR ts >= wm);
CREATE VIEW wk_kept5 AS
  SELECT * FROM wk_seen WHERE ts IS NOT NULL AND (wm IS NULL OR ts >= wm - interval '5 seconds');
-- compare with lm_diff (setup): rows only in the view, only in plain SQL
-- HOP: the starts after date_bin(slide, ts - size), up to ts
SELECT lm_diff('wk_hop', $$
  SELECT k, s AS window_start, s + interval '5 seconds' AS window_end, count(*) AS n, sum(v) AS s
    FROM wk_kept, generate_series(date_bin('2 seconds', ts - interval '5 seconds', 'epoch')
                                  + interval '2 seconds', ts, interval '2 seconds') s
   GROUP BY 1, 2, 3 $$);
SELECT lm_diff('wk_hop_group', 'SELECT * FROM wk_hop');
-- CUMULATE: one start per 9 s, ends every 3 s after ts; closed ones only
SELECT lm_diff('wk_cum', $$
  SELECT date_bin('9 seconds', ts, 'epoch') AS window_start, e AS window_end, count(*) AS n,
         max(v) AS hi
    FROM wk_kept, generate_series(date_bin('3 seconds', ts, 'epoch') + interval '3 seconds',
                                  date_bin('9 seconds', ts, 'epoch') + interval '9 seconds',
                                  interval '3 seconds') e
   WHERE e <= '2026-01-01 00:01:00+00'
   GROUP BY 1, 2 $$);
SELECT lm_diff('wk_cum_group', $$
  SELECT k, e AS window_end, count(*) AS n
    FROM wk_kept, generate_series(date_bin('3 seconds', ts, 'epoch') + interval '3 seconds',
                                  date_bin('9 seconds', ts, 'epoch') + interval '9 seconds',
                                  interval '3 seconds') e
   GROUP BY 1, 2 $$);
-- TUMBLE with an offset: date_bin from epoch + offset (-7 s is +3 s)
SELECT lm_diff('wk_off', $$
  SELECT date_bin('10 seconds', ts, timestamptz 'epoch' + interval '3 seconds') AS window_start,
         date_bin('10 seconds', ts, timestamptz 'epoch' + interval '3 seconds') + interval '10 seconds' AS window_end,
         count(*) AS n
    FROM wk_kept GROUP BY 1, 2 $$);
SELECT lm_diff('wk_off_neg', 'SELECT window_start, n FROM wk_off');
-- lateness 5 s: the events not late for it
SELECT lm_diff('wk_awm', $$
  SELECT k, date_bin('10 seconds', ts, 'epoch') AS window_start, count(*) AS n, sum(v) AS s
    FROM wk_kept5 GROUP BY 1, 2 $$);
SELECT lm_diff('wk_final', 'SELECT * FROM wk_awm');
SELECT lm_diff('wk_late_upd', $$
  SELECT date_bin('10 seconds', ts, 'epoch') AS window_start, count(*) AS n
    FROM wk_kept5 GROUP BY 1 $$);

-- the late-data tables: exactly the events late for each view's lateness,
-- with the watermark they arrived at
SELECT lm_diff('wk_late', $$
  SELECT k, v, ts, wm AS _watermark FROM wk_seen WHERE ts < wm - interval '5 seconds' $$);
SELECT lm_diff('wk_late_hop', $$
  SELECT k, v, ts, wm AS _watermark FROM wk_seen WHERE ts < wm $$);
SELECT * FROM wk_late ORDER BY v;
-- the view depends on its late-data table
DROP TABLE wk_late;

-- advance_watermark needs ownership of the stream, a stream, a finite time
CREATE ROLE wk_other;
SET ROLE wk_other;
SELECT laminar.advance_watermark('wk', '2026-01-01 00:02:00+00');
RESET ROLE;
DROP ROLE wk_other;
SELECT laminar.advance_watermark('wk_ev', '2026-01-01 00:02:00+00');
SELECT laminar.advance_watermark('wk', 'infinity');
SELECT laminar.execute('CREATE STREAM wk_nowm (k int)');
SELECT laminar.advance_watermark('wk_nowm', '2026-01-01 00:02:00+00');

-- malformed windows and clauses: SQLSTATE, message naming the construct, hint
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM HOP(wk, ts, INTERVAL '0 seconds', INTERVAL '5 seconds') GROUP BY window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM HOP(wk, ts, INTERVAL '1 second', INTERVAL '-5 seconds') GROUP BY window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM TUMBLE(wk, ts, INTERVAL '0 seconds') GROUP BY window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM HOP(wk, ts, INTERVAL '6 seconds', INTERVAL '5 seconds') GROUP BY window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_end, count(*) FROM CUMULATE(wk, ts, INTERVAL '4 seconds', INTERVAL '9 seconds') GROUP BY window_end $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM HOP(wk, ts, INTERVAL '1 second', INTERVAL '101 seconds') GROUP BY window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_end, count(*) FROM CUMULATE(wk, ts, INTERVAL '1 second', INTERVAL '1 hour') GROUP BY window_end $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM CUMULATE(wk, ts, INTERVAL '1 second', INTERVAL '9 seconds') GROUP BY window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM HOP(wk, ts, INTERVAL '1 second') GROUP BY window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM HOP(wk, ts, INTERVAL '1 month', INTERVAL '2 months') GROUP BY window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM TUMBLE(wk, ts, INTERVAL '10 seconds', INTERVAL '10 seconds') GROUP BY window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM HOP(wk, ts, INTERVAL '2 seconds', INTERVAL '10 seconds', INTERVAL '3 seconds') GROUP BY window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM TUMBLE(wk, ts, INTERVAL '10 seconds', 'soon') GROUP BY window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM SESSION(wk, ts) GROUP BY window_start $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, window_start, count(*) FROM wk GROUP BY k, HOP(ts, INTERVAL '1 second') $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, count(*) FROM wk GROUP BY k, HOP(ts, INTERVAL '1 second', INTERVAL '2 seconds') $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, window_start FROM wk GROUP BY k, HOP(ts, INTERVAL '1 second', INTERVAL '2 seconds'), TUMBLE(ts, INTERVAL '1 second') $$);
-- window-only EMIT modes and lateness on views without windows
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, count(*) FROM wk GROUP BY k EMIT FINAL $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, count(*) FROM wk GROUP BY k EMIT AFTER WATERMARK $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, v FROM wk ALLOW LATENESS INTERVAL '1 second' $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, count(*) FROM wk GROUP BY k ALLOW LATENESS INTERVAL '1 second' $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM wk GROUP BY TUMBLE(ts, INTERVAL '1 second') EMIT ON WINDOW CLOSE ALLOW LATENESS INTERVAL '1 second' $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM wk GROUP BY TUMBLE(ts, INTERVAL '1 second') ALLOW LATENESS INTERVAL '-1 second' $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM wk GROUP BY TUMBLE(ts, INTERVAL '1 second') ALLOW LATENESS $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM wk GROUP BY TUMBLE(ts, INTERVAL '1 second') ALLOW LATENESS INTERVAL '1 second' EMIT FINAL $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM wk GROUP BY TUMBLE(ts, INTERVAL '1 second') EMIT FINAL ALLOW LATENESS INTERVAL '1 second', 2 $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM wk GROUP BY TUMBLE(ts, INTERVAL '1 second') EMIT SOMETIMES $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, v FROM wk EMIT EVERY INTERVAL '1 second' $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, count(*) FROM wk GROUP BY k EMIT EVERY $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, count(*) FROM wk GROUP BY k EMIT EVERY INTERVAL '0 seconds' $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, count(*) FROM wk GROUP BY k EMIT EVERY 5 $$);
-- LATE DATA TO: a windowed view, a table of the right shape
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT k, count(*) FROM wk GROUP BY k LATE DATA TO x_late $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM wk GROUP BY TUMBLE(ts, INTERVAL '1 second') LATE DATA TO wk_ev $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM wk GROUP BY TUMBLE(ts, INTERVAL '1 second') LATE DATA TO wk $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM wk GROUP BY TUMBLE(ts, INTERVAL '1 second') LATE DATA TO wk_seen $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM wk GROUP BY TUMBLE(ts, INTERVAL '1 second') LATE DATA TO $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM wk GROUP BY TUMBLE(ts, INTERVAL '1 second') LATE DATA TO pg_temp.x_late $$);
SELECT lm_err($$ CREATE MATERIALIZED VIEW x AS SELECT window_start, count(*) FROM wk GROUP BY TUMBLE(ts, INTERVAL '1 second') LATE DATA TO x_late ALLOW LATENESS INTERVAL '1 second' $$);
SELECT to_regclass('x_late');
-- the cap is a superuser setting
SET laminar.max_windows_per_event = 200;
SELECT lm_err($$ CREATE MATERIALIZED VIEW wk_many AS SELECT window_start, count(*) FROM HOP(wk, ts, INTERVAL '1 second', INTERVAL '101 seconds') GROUP BY window_start $$);
RESET laminar.max_windows_per_event;
SELECT context FROM pg_settings WHERE name = 'laminar.max_windows_per_event';
SELECT count(*) FROM laminar.views WHERE view::text = 'x';
SELECT laminar.execute('DROP STREAM wk CASCADE; DROP STREAM wk_nowm');
-- EMIT EVERY: the current values, written once per period (processing
-- time) instead of at every flush interval; laminar.flush() writes them too
SELECT laminar.execute($$
  CREATE STREAM we (k int, v int);
  CREATE MATERIALIZED VIEW we_every AS SELECT k, sum(v) AS s FROM we GROUP BY k EMIT EVERY INTERVAL '1 hour';
  CREATE MATERIALIZED VIEW we_fast AS SELECT k, count(*) AS n FROM we GROUP BY k EMIT EVERY INTERVAL '300 milliseconds';
  CREATE MATERIALIZED VIEW we_now AS SELECT k, sum(v) AS s FROM we GROUP BY k
$$);
SELECT view, emit, emit_every FROM laminar.views WHERE view::text LIKE 'we%' ORDER BY view::text;
SELECT laminar.flush();
SELECT regexp_replace(line, '  \(.*', '') AS line FROM laminar.explain('we_every') WITH ORDINALITY AS e(line, n) WHERE n = 3;
INSERT INTO we VALUES (1, 10), (2, 20);
-- the ON UPDATE view shows them within the flush interval; the 1-hour one not
DO $$ BEGIN
  FOR i IN 1..400 LOOP
    EXIT WHEN (SELECT count(*) FROM we_now) = 2;
    PERFORM pg_sleep(0.025);
  END LOOP;
END $$;
SELECT count(*) AS we_now FROM we_now;
SELECT count(*) AS we_every FROM we_every;
-- the 300 ms one writes them when its period ends
DO $$ BEGIN
  FOR i IN 1..400 LOOP
    EXIT WHEN (SELECT count(*) FROM we_fast) = 2;
    PERFORM pg_sleep(0.025);
  END LOOP;
END $$;
SELECT * FROM we_fast ORDER BY k;
SELECT count(*) AS we_every FROM we_every;
SELECT laminar.flush();
SELECT * FROM we_every ORDER BY k;
SELECT laminar.execute('DROP STREAM we CASCADE');
DROP VIEW wk_kept, wk_kept5, wk_seen;
DROP TABLE wk_ev, wk_late, wk_late_hop;
DROP FUNCTION wk_send(int);
