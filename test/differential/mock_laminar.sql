-- A toy stand-in for the laminar extension, written in plain SQL/PL/pgSQL,
-- used ONLY to validate the differential test itself (DIFF_MOCK=1 run.sh) on
-- a cluster without laminar.so.  Never load it where the extension exists:
-- it creates a schema named laminar.
--
-- It implements the spec incrementally (unlike the oracle, which uses a
-- window function over batches): laminar.flush() walks the not yet processed
-- transactions in xid order (= commit order here: the test commits them one
-- after another), stamps each event with the running watermark (or marks it
-- NULL-time), then raises the watermark by the transaction's max ts; result
-- tables are recomputed from the events that are not late for the view
-- (ts >= stamped watermark - ALLOW LATENESS).  Windows (TUMBLE, HOP,
-- CUMULATE, with offset) are computed with integer microsecond arithmetic,
-- not date_bin / generate_series like the oracle.  SESSION windows are kept
-- as a table of sessions per view (laminar.mock_sessions), merged once per
-- transaction: the key's sessions and the transaction's non-late events,
-- each as [ts, ts + gap), are unioned as intervals (a new session where an
-- interval starts at or after the running max of the ends before it); an
-- event belongs to the session of its key containing its ts (the oracle
-- instead numbers gaps between consecutive events).
--
-- EMIT CHANGES views keep a changelog: at each flush the view's answer is
-- recomputed and compared with the changelog's net rows (sum(_weight) per
-- distinct row): the net rows no longer in the answer are appended with
-- _weight -1, then the answer's rows not in the net with +1 (_seq from an
-- identity column).  EMIT EVERY views are written at every flush like ON
-- UPDATE ones (the mock has no processing-time period).  LATE DATA TO: when
-- a transaction is applied, its events late for the view (non-NULL ts <
-- watermark - lateness) are appended to the table with _watermark = the
-- watermark the transaction saw.
--
-- Fault injection (to prove the test notices): SET laminar_mock.fault via
-- PGOPTIONS to one of late_le, close_early, float_big, float_tiny,
-- numeric_scale, dup_row, drop_row, null_key_split, dup_final,
-- final_no_lateness, sess_touch (touching sessions merge), sess_late (late
-- events join sessions), sess_split (a merge keeps a stale row);
-- chg_dup (diff_v14's last +1 row of each flush written twice),
-- chg_retract_first (diff_v14: the first row a flush adds is written as
-- -1, +1, +1: right net weight, but retracted before it was added),
-- chg_noretract (diff_v15: one retraction per flush left out: a stale
-- session row), chg_seq_dup (diff_v15: the last row of each flush gets the
-- _seq of the row before it), every_stale (EMIT EVERY views written before
-- the flush applies the new transactions: one transaction behind),
-- late_missing (the earliest late event of each transaction is not written
-- to the late-data table), late_null (NULL-ts events written to it too),
-- late_wm (_watermark = the watermark after the event's transaction).

DROP SCHEMA IF EXISTS laminar CASCADE;
CREATE SCHEMA laminar;

CREATE TABLE laminar.mock_views (
	name text PRIMARY KEY,
	windowed bool NOT NULL,
	on_close bool NOT NULL,
	q text NOT NULL,
	lateness interval NOT NULL DEFAULT '0',
	late_events int8 NOT NULL DEFAULT 0,
	null_time_events int8 NOT NULL DEFAULT 0,
	sess_gap interval,           -- SESSION views: the gap
	sess_keys text,              -- and the GROUP BY keys (SQL over the stream)
	mode text NOT NULL DEFAULT 'on update',  -- EMIT mode (every: EMIT EVERY)
	cols text,                   -- EMIT CHANGES: the view's columns (SQL list)
	late_table text              -- LATE DATA TO
);

-- the sessions of the SESSION views: [ws, we) per key (row(keys)::text)
CREATE TABLE laminar.mock_sessions (
	view text NOT NULL,
	key text NOT NULL,
	ws timestamptz NOT NULL,
	we timestamptz NOT NULL
);

CREATE TABLE laminar.mock_state (
	stream text PRIMARY KEY,
	maxts timestamptz
);

CREATE VIEW laminar.views AS
SELECT name::regclass AS view, 'diff_ev'::text::regclass AS stream,
	CASE WHEN windowed THEN 'windowed' ELSE 'plain' END AS kind,
	CASE WHEN on_close THEN 'window close' ELSE 'update' END AS emit,
	late_events, null_time_events
FROM laminar.mock_views;

CREATE VIEW laminar.streams AS
SELECT stream::regclass AS stream, maxts - interval '5 seconds' AS watermark
FROM laminar.mock_state;

CREATE FUNCTION laminar.mock_fault() RETURNS text
LANGUAGE sql STABLE AS $$ SELECT coalesce(current_setting('laminar_mock.fault', true), '') $$;

CREATE FUNCTION laminar.mock_w() RETURNS timestamptz
LANGUAGE sql STABLE AS $$
	SELECT maxts - interval '5 seconds'
		+ CASE WHEN laminar.mock_fault() = 'close_early' THEN interval '10 seconds' ELSE interval '0' END
	FROM laminar.mock_state WHERE stream = 'diff_ev'
$$;

-- the windows of event time ts: integer microseconds after the epoch
CREATE FUNCTION laminar.mock_floordiv(a int8, b int8) RETURNS int8
LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN a >= 0 THEN a / b ELSE -((-a + b - 1) / b) END $$;

CREATE FUNCTION laminar.mock_us(i interval) RETURNS int8
LANGUAGE sql IMMUTABLE AS $$ SELECT (extract(epoch FROM i) * 1000000)::int8 $$;

CREATE FUNCTION laminar.mock_windows(kind text, ts timestamptz, slide interval, size interval, off interval)
RETURNS TABLE (ws timestamptz, we timestamptz)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	t int8 := (extract(epoch FROM ts) * 1000000)::int8;
	o int8 := laminar.mock_us(off);
	sl int8 := laminar.mock_us(slide);
	sz int8 := laminar.mock_us(size);
	s int8;
	e int8;
	ep timestamptz := timestamptz '1970-01-01 00:00:00+00';
BEGIN
	IF kind = 'tumble' THEN
		s := o + laminar.mock_floordiv(t - o, sz) * sz;
		ws := ep + (s || ' microseconds')::interval;
		we := ws + (sz || ' microseconds')::interval;
		RETURN NEXT;
	ELSIF kind = 'hop' THEN
		s := o + laminar.mock_floordiv(t - o, sl) * sl;
		WHILE s + sz > t LOOP
			ws := ep + (s || ' microseconds')::interval;
			we := ep + ((s + sz) || ' microseconds')::interval;
			RETURN NEXT;
			s := s - sl;
		END LOOP;
	ELSE -- cumulate
		s := o + laminar.mock_floordiv(t - o, sz) * sz;
		e := s + (laminar.mock_floordiv(t - s, sl) + 1) * sl;
		WHILE e <= s + sz LOOP
			ws := ep + (s || ' microseconds')::interval;
			we := ep + (e || ' microseconds')::interval;
			RETURN NEXT;
			e := e + sl;
		END LOOP;
	END IF;
END
$$;

CREATE FUNCTION laminar.execute(cmds text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	stmt text;
	tags text[] := '{}';
	m text[];
	w text[];
	args interval[];
	lat interval;
	emit text;
	ccols text;
	q text;
	v record;
	sgap interval;
	skeys text;
BEGIN
	FOREACH stmt IN ARRAY regexp_split_to_array(cmds, ';') LOOP
		stmt := btrim(stmt, E' \t\n');
		CONTINUE WHEN stmt = '';
		IF stmt ~* '^DROP STREAM' THEN
			FOR v IN SELECT name FROM laminar.mock_views LOOP
				EXECUTE format('DROP TABLE IF EXISTS %I', v.name);
			END LOOP;
			DELETE FROM laminar.mock_views;
			DELETE FROM laminar.mock_sessions;
			DELETE FROM laminar.mock_state;
			DROP TABLE IF EXISTS diff_ev;
			tags := tags || 'DROP STREAM'::text;
		ELSIF stmt ~* '^DROP MATERIALIZED VIEW' THEN
			m := regexp_match(stmt, '(\w+)$');
			IF EXISTS (SELECT FROM laminar.mock_views WHERE name = m[1]) THEN
				EXECUTE format('DROP TABLE %I', m[1]);
				DELETE FROM laminar.mock_views WHERE name = m[1];
				DELETE FROM laminar.mock_sessions WHERE view = m[1];
			END IF;
			tags := tags || 'DROP MATERIALIZED VIEW'::text;
		ELSIF stmt ~* '^CREATE STREAM' THEN
			m := regexp_match(stmt, '^CREATE STREAM\s+(\w+)\s*\((.*),\s*WATERMARK FOR .*\)$', 'is');
			EXECUTE format('CREATE TABLE %I (%s, mock_xid xid8 DEFAULT pg_current_xact_id(), mock_st int DEFAULT 0,
				mock_w timestamptz)', m[1], m[2]);
			INSERT INTO laminar.mock_state VALUES (m[1], NULL);
			tags := tags || 'CREATE STREAM'::text;
		ELSIF stmt ~* '^CREATE MATERIALIZED VIEW' THEN
			m := regexp_match(stmt, '^CREATE MATERIALIZED VIEW\s+(\w+)\s+AS\s+(.*?)\s*'
				'(EMIT\s+(ON UPDATE|ON WINDOW CLOSE|AFTER WATERMARK|FINAL|CHANGES|EVERY\s+INTERVAL\s+''[^'']*''))?\s*'
				'(ALLOW LATENESS INTERVAL ''([^'']*)'')?\s*(LATE DATA TO\s+(\w+))?$', 'is');
			q := m[2];
			lat := coalesce(m[6]::interval, '0');
			emit := lower(coalesce(m[4], 'on update'));
			IF emit LIKE 'every%' THEN
				emit := 'every';
			END IF;
			-- LaminarDB spelling: GROUP BY ..., HOP(ts, ...) -> FROM HOP(diff_ev, ts, ...)
			w := regexp_match(q, '^(.*)FROM\s+diff_ev\s+GROUP BY\s+(.*?),\s*(TUMBLE|HOP|CUMULATE|SESSION)\(\s*ts\s*,(.*)\)\s*$', 'is');
			IF w IS NOT NULL THEN
				q := format('%sFROM %s(diff_ev, ts,%s) GROUP BY %s, window_start, window_end', w[1], w[3], w[4], w[2]);
			END IF;
			sgap := NULL;
			skeys := NULL;
			w := regexp_match(q, '(SESSION\(\s*diff_ev\s*,\s*ts\s*,([^)]*)\))', 'i');
			IF w IS NOT NULL THEN
				-- SESSION(diff_ev, ts, gap) ... GROUP BY keys, window_start, window_end
				EXECUTE format('SELECT %s::interval', w[2]) INTO sgap;
				skeys := (regexp_match(q, 'GROUP BY\s+(.*?),\s*window_start\s*,\s*window_end\s*$', 'is'))[1];
				IF skeys IS NULL THEN
					RAISE EXCEPTION 'mock laminar.execute: SESSION view needs GROUP BY keys, window_start, window_end: %', stmt;
				END IF;
				q := replace(q, w[1], format($s$(SELECT s.*, ms.ws AS window_start, ms.we AS window_end
					FROM diff_ev s JOIN laminar.mock_sessions ms ON ms.view = %L AND ms.key = row(%s)::text
						AND s.ts >= ms.ws AND s.ts < ms.we
					WHERE s.mock_st = 1 AND NOT coalesce(s.ts < s.mock_w - %L::interval AND %L <> 'sess_late', false)) AS diff_ev$s$,
					m[1], skeys, lat, laminar.mock_fault()));
			END IF;
			w := regexp_match(q, '((TUMBLE|HOP|CUMULATE)\(\s*diff_ev\s*,\s*ts\s*,([^)]*)\))', 'i');
			IF w IS NOT NULL THEN
				EXECUTE format('SELECT ARRAY[%s]::interval[]', w[3]) INTO args;
				IF lower(w[2]) = 'tumble' THEN
					args := ARRAY[args[1]] || args; -- slide = size
				END IF;
				q := replace(q, w[1], format($s$(SELECT s.*, x.ws AS window_start, x.we AS window_end
					FROM diff_ev s, laminar.mock_windows(%L, s.ts, %L, %L, %L) x
					WHERE s.mock_st = 1 AND NOT coalesce(s.ts %s s.mock_w - %L::interval, false)) AS diff_ev$s$,
					lower(w[2]), args[1], args[2], coalesce(args[3], '0'),
					CASE WHEN laminar.mock_fault() = 'late_le' THEN '<=' ELSE '<' END, lat));
			END IF;
			IF emit IN ('on window close', 'after watermark') THEN
				q := 'SELECT * FROM (' || q || ') x WHERE window_end <= laminar.mock_w()';
			ELSIF emit = 'final' THEN
				q := format('SELECT * FROM (%s) x WHERE window_end + %L::interval <= laminar.mock_w()', q,
					CASE WHEN laminar.mock_fault() = 'final_no_lateness' THEN '0' ELSE lat END);
			END IF;
			EXECUTE format('CREATE TABLE %I AS %s WITH NO DATA', m[1], q);
			ccols := NULL;
			IF emit = 'changes' THEN
				SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO ccols
				FROM pg_attribute WHERE attrelid = m[1]::regclass AND attnum > 0 AND NOT attisdropped;
				-- (BY DEFAULT rather than ALWAYS, so that chg_seq_dup can
				-- write a duplicate; no unique index on _seq, same reason)
				EXECUTE format('ALTER TABLE %I ADD COLUMN _weight smallint NOT NULL,
					ADD COLUMN _seq bigint GENERATED BY DEFAULT AS IDENTITY', m[1]);
			END IF;
			IF m[8] IS NOT NULL AND to_regclass(m[8]) IS NULL THEN
				-- the stream's declared columns, then _watermark
				EXECUTE format('CREATE TABLE %I AS SELECT %s, NULL::timestamptz AS _watermark FROM diff_ev WITH NO DATA',
					m[8], (SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
						WHERE attrelid = 'diff_ev'::regclass AND attnum > 0 AND NOT attisdropped
							AND attname NOT LIKE 'mock\_%'));
			END IF;
			INSERT INTO laminar.mock_views VALUES (m[1], w IS NOT NULL OR sgap IS NOT NULL,
				emit IN ('on window close', 'final'), q, lat, 0, 0, sgap, skeys, emit, ccols, m[8]);
			tags := tags || 'CREATE MATERIALIZED VIEW'::text;
		ELSE
			RAISE EXCEPTION 'mock laminar.execute: unsupported statement: %', stmt;
		END IF;
	END LOOP;
	RETURN array_to_string(tags, '; ');
END
$$;

CREATE FUNCTION laminar.flush(timeout interval DEFAULT '30s') RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	x xid8;
	w timestamptz;
	mx timestamptz;
	bmax timestamptz;
	v record;
	f text := laminar.mock_fault();
	scols text;
	first_add text;
BEGIN
	SELECT maxts INTO mx FROM laminar.mock_state WHERE stream = 'diff_ev';
	SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO scols FROM pg_attribute
	WHERE attrelid = 'diff_ev'::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE 'mock\_%';
	IF f = 'every_stale' THEN  -- EVERY views written before the new transactions are applied
		FOR v IN SELECT * FROM laminar.mock_views WHERE mode = 'every' LOOP
			EXECUTE format('TRUNCATE %I', v.name);
			EXECUTE format('INSERT INTO %I %s', v.name, v.q);
		END LOOP;
	END IF;
	FOR x IN SELECT DISTINCT mock_xid FROM diff_ev WHERE mock_st = 0 ORDER BY 1 LOOP
		w := mx - interval '5 seconds';
		-- lateness is judged per view (ts < mock_w - its lateness)
		UPDATE diff_ev SET mock_st = CASE WHEN ts IS NULL THEN 3 ELSE 1 END, mock_w = w
		WHERE mock_xid = x AND mock_st = 0;
		-- SESSION views: merge the transaction's non-late events into the
		-- sessions (interval union per key)
		FOR v IN SELECT * FROM laminar.mock_views WHERE sess_gap IS NOT NULL LOOP
			EXECUTE format($m$
				WITH iv AS (
					SELECT key, ws, we FROM laminar.mock_sessions WHERE view = %1$L
					UNION ALL
					SELECT row(%2$s)::text, ts, ts + %3$L::interval FROM diff_ev
					WHERE mock_xid = %4$L AND mock_st = 1
						AND NOT coalesce(ts < mock_w - %5$L::interval AND %6$L <> 'sess_late', false)
				), o AS (
					SELECT key, ws, we, max(we) OVER (PARTITION BY key ORDER BY ws, we
						ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pe
					FROM iv
				), i AS (
					SELECT key, ws, we, sum(CASE WHEN pe IS NULL OR ws %7$s pe THEN 1 ELSE 0 END)
						OVER (PARTITION BY key ORDER BY ws, we ROWS UNBOUNDED PRECEDING) AS isl
					FROM o
				), d AS (
					DELETE FROM laminar.mock_sessions WHERE view = %1$L
				)
				INSERT INTO laminar.mock_sessions SELECT %1$L, key, min(ws), max(we) FROM i GROUP BY key, isl$m$,
				v.name, v.sess_keys, v.sess_gap, x, v.lateness, f, CASE WHEN f = 'sess_touch' THEN '>' ELSE '>=' END);
		END LOOP;
		SELECT max(ts) INTO bmax FROM diff_ev WHERE mock_xid = x;
		IF bmax IS NOT NULL AND (mx IS NULL OR bmax > mx) THEN
			mx := bmax;
		END IF;
		-- LATE DATA TO: the transaction's late events, with the watermark
		-- it saw (late_wm: the one after it)
		FOR v IN SELECT * FROM laminar.mock_views WHERE late_table IS NOT NULL LOOP
			EXECUTE format($l$
				INSERT INTO %1$I SELECT %2$s, CASE WHEN %5$L = 'late_wm' THEN %6$L::timestamptz ELSE mock_w END
				FROM diff_ev e
				WHERE mock_xid = %3$L AND ((mock_st = 1 AND ts %7$s mock_w - %4$L::interval) OR (%5$L = 'late_null' AND mock_st = 3))
					AND NOT (%5$L = 'late_missing' AND ts = (SELECT min(ts) FROM diff_ev
						WHERE mock_xid = %3$L AND mock_st = 1 AND ts < mock_w - %4$L::interval))
				ORDER BY ts$l$,
				v.late_table, scols, x, v.lateness, f, mx - interval '5 seconds',
				CASE WHEN f = 'late_le' THEN '<=' ELSE '<' END);
		END LOOP;
	END LOOP;
	UPDATE laminar.mock_state SET maxts = mx WHERE stream = 'diff_ev';
	FOR v IN SELECT * FROM laminar.mock_views LOOP
		IF v.mode = 'changes' THEN
			-- the changelog: retract the net rows no longer in the answer, add
			-- the answer's rows not in the net
			DROP TABLE IF EXISTS pg_temp.mock_cur, pg_temp.mock_add;
			EXECUTE format('CREATE TEMP TABLE mock_cur AS %s', v.q);
			EXECUTE format($c$INSERT INTO %1$I (%2$s, _weight)
				SELECT %2$s, -1 FROM (SELECT %2$s FROM %1$I GROUP BY %2$s HAVING sum(_weight) <> 0
					EXCEPT ALL SELECT %2$s FROM mock_cur) d ORDER BY d::text %3$s$c$,
				v.name, v.cols,
				CASE WHEN f = 'chg_noretract' AND v.name = 'diff_v15_session_changes' THEN 'OFFSET 1' ELSE '' END);
			EXECUTE format($c$CREATE TEMP TABLE mock_add AS SELECT * FROM (SELECT %2$s FROM mock_cur
				EXCEPT ALL SELECT %2$s FROM %1$I GROUP BY %2$s HAVING sum(_weight) <> 0) d$c$, v.name, v.cols);
			first_add := NULL;
			IF f = 'chg_retract_first' AND v.name = 'diff_v14_changes' THEN
				SELECT min(a::text) INTO first_add FROM mock_add a;
				EXECUTE format($c$INSERT INTO %1$I (%2$s, _weight) SELECT %2$s, -1 FROM mock_add a WHERE a::text = %3$L$c$,
					v.name, v.cols, first_add);
			END IF;
			EXECUTE format($c$INSERT INTO %1$I (%2$s, _weight) SELECT %2$s, 1 FROM mock_add a ORDER BY a::text$c$,
				v.name, v.cols);
			IF first_add IS NOT NULL THEN
				EXECUTE format($c$INSERT INTO %1$I (%2$s, _weight) SELECT %2$s, 1 FROM mock_add a WHERE a::text = %3$L$c$,
					v.name, v.cols, first_add);
			END IF;
			IF f = 'chg_dup' AND v.name = 'diff_v14_changes' THEN
				EXECUTE format($c$INSERT INTO %1$I (%2$s, _weight) SELECT %2$s, 1 FROM %1$I
					WHERE _seq = (SELECT max(_seq) FROM %1$I WHERE _weight = 1)$c$, v.name, v.cols);
			ELSIF f = 'chg_seq_dup' AND v.name = 'diff_v15_session_changes' THEN
				EXECUTE format($c$UPDATE %1$I SET _seq = _seq - 1 WHERE _seq = (SELECT max(_seq) FROM %1$I)$c$, v.name);
			END IF;
			DROP TABLE pg_temp.mock_cur, pg_temp.mock_add;
		ELSIF v.mode <> 'every' OR f <> 'every_stale' THEN
			EXECUTE format('TRUNCATE %I', v.name);
			EXECUTE format('INSERT INTO %I %s', v.name, v.q);
		END IF;
		IF v.windowed THEN
			UPDATE laminar.mock_views SET
				late_events = (SELECT count(*) FROM diff_ev WHERE mock_st = 1
					AND (ts < mock_w - v.lateness OR (f = 'late_le' AND ts = mock_w - v.lateness))),
				null_time_events = (SELECT count(*) FROM diff_ev WHERE mock_st = 3)
			WHERE name = v.name;
		END IF;
	END LOOP;
	-- injected faults on the results
	IF f = 'float_big' THEN
		UPDATE diff_v4_win SET sv = sv * (1 + 1e-7) WHERE ctid = (SELECT min(ctid) FROM diff_v4_win WHERE sv <> 0);
	ELSIF f = 'float_tiny' THEN   -- within tolerance: must still pass
		UPDATE diff_v4_win SET sv = sv * (1 + 1e-13);
		UPDATE diff_v3_global SET av = av * (1 - 1e-12);
	ELSIF f = 'numeric_scale' THEN -- same value, different display scale
		UPDATE diff_v2_keyed SET s = round(s, 12) WHERE ctid = (SELECT min(ctid) FROM diff_v2_keyed WHERE s IS NOT NULL);
	ELSIF f = 'dup_row' THEN
		INSERT INTO diff_v2_keyed SELECT * FROM diff_v2_keyed WHERE k = 7;
		INSERT INTO diff_v1_stateless SELECT * FROM diff_v1_stateless WHERE k = 7 LIMIT 1;
	ELSIF f = 'drop_row' THEN
		DELETE FROM diff_v5_close WHERE ctid = (SELECT max(ctid) FROM diff_v5_close);
	ELSIF f = 'null_key_split' THEN
		UPDATE diff_v2_keyed SET k = -1 WHERE k IS NULL;
	ELSIF f = 'sess_split' THEN   -- a merged session's older part keeps its row
		INSERT INTO diff_v11_session
		SELECT k, ws, ws + interval '3 seconds', 1, NULL, NULL
		FROM (SELECT k, window_start AS ws FROM diff_v11_session WHERE n > 1 ORDER BY k, window_start LIMIT 1) x;
	ELSIF f = 'dup_final' THEN    -- a window written twice by an append-only view
		INSERT INTO diff_v9_final SELECT * FROM diff_v9_final WHERE ctid = (SELECT max(ctid) FROM diff_v9_final);
		INSERT INTO diff_v7_cumulate SELECT * FROM diff_v7_cumulate WHERE ctid = (SELECT min(ctid) FROM diff_v7_cumulate);
	END IF;
END
$$;
