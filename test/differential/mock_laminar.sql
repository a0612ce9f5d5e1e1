-- A toy stand-in for the laminar extension, written in plain SQL/PL/pgSQL,
-- used ONLY to validate the differential test itself (DIFF_MOCK=1 run.sh) on
-- a cluster without laminar.so.  Never load it where the extension exists:
-- it creates a schema named laminar.
--
-- It implements the spec incrementally (unlike the oracle, which uses a
-- window function over batches): laminar.flush() walks the not yet processed
-- transactions in xid order (= commit order here: the test commits them one
-- after another), marks each event ok / late / NULL-time against the running
-- watermark, then raises the watermark by the transaction's max ts; result
-- tables are recomputed from the accepted events.
--
-- Fault injection (to prove the test notices): SET laminar_mock.fault via
-- PGOPTIONS to one of late_le, close_early, float_big, float_tiny,
-- numeric_scale, dup_row, drop_row, null_key_split.

DROP SCHEMA IF EXISTS laminar CASCADE;
CREATE SCHEMA laminar;

CREATE TABLE laminar.mock_views (
	name text PRIMARY KEY,
	windowed bool NOT NULL,
	on_close bool NOT NULL,
	q text NOT NULL,
	late_events int8 NOT NULL DEFAULT 0,
	null_time_events int8 NOT NULL DEFAULT 0
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

CREATE FUNCTION laminar.execute(cmds text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	stmt text;
	tags text[] := '{}';
	m text[];
	q text;
	v record;
BEGIN
	FOREACH stmt IN ARRAY regexp_split_to_array(cmds, ';') LOOP
		stmt := btrim(stmt, E' \t\n');
		CONTINUE WHEN stmt = '';
		IF stmt ~* '^DROP STREAM' THEN
			FOR v IN SELECT name FROM laminar.mock_views LOOP
				EXECUTE format('DROP TABLE IF EXISTS %I', v.name);
			END LOOP;
			DELETE FROM laminar.mock_views;
			DELETE FROM laminar.mock_state;
			DROP TABLE IF EXISTS diff_ev;
			tags := tags || 'DROP STREAM'::text;
		ELSIF stmt ~* '^DROP MATERIALIZED VIEW' THEN
			m := regexp_match(stmt, '(\w+)$');
			IF EXISTS (SELECT FROM laminar.mock_views WHERE name = m[1]) THEN
				EXECUTE format('DROP TABLE %I', m[1]);
				DELETE FROM laminar.mock_views WHERE name = m[1];
			END IF;
			tags := tags || 'DROP MATERIALIZED VIEW'::text;
		ELSIF stmt ~* '^CREATE STREAM' THEN
			m := regexp_match(stmt, '^CREATE STREAM\s+(\w+)\s*\((.*),\s*WATERMARK FOR .*\)$', 'is');
			EXECUTE format('CREATE TABLE %I (%s, mock_xid xid8 DEFAULT pg_current_xact_id(), mock_st int DEFAULT 0)',
				m[1], m[2]);
			INSERT INTO laminar.mock_state VALUES (m[1], NULL);
			tags := tags || 'CREATE STREAM'::text;
		ELSIF stmt ~* '^CREATE MATERIALIZED VIEW' THEN
			m := regexp_match(stmt, '^CREATE MATERIALIZED VIEW\s+(\w+)\s+AS\s+(.*?)\s*(EMIT ON (UPDATE|WINDOW CLOSE))?$', 'is');
			q := regexp_replace(m[2], 'TUMBLE\(\s*diff_ev\s*,\s*ts\s*,\s*INTERVAL ''10 seconds''\s*\)',
				$s$(SELECT s.*, date_bin('10 seconds', s.ts, timestamptz '1970-01-01 00:00:00+00') AS window_start,
				     date_bin('10 seconds', s.ts, timestamptz '1970-01-01 00:00:00+00') + interval '10 seconds' AS window_end
				    FROM diff_ev s WHERE s.mock_st = 1) AS diff_ev$s$, 'i');
			IF m[4] ILIKE 'WINDOW CLOSE' THEN
				q := 'SELECT * FROM (' || q || ') x WHERE window_end <= laminar.mock_w()';
			END IF;
			EXECUTE format('CREATE TABLE %I AS %s WITH NO DATA', m[1], q);
			INSERT INTO laminar.mock_views VALUES (m[1], m[2] ~* 'TUMBLE\(', coalesce(m[4] ILIKE 'WINDOW CLOSE', false), q);
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
BEGIN
	SELECT maxts INTO mx FROM laminar.mock_state WHERE stream = 'diff_ev';
	FOR x IN SELECT DISTINCT mock_xid FROM diff_ev WHERE mock_st = 0 ORDER BY 1 LOOP
		w := mx - interval '5 seconds';
		UPDATE diff_ev SET mock_st = CASE
			WHEN ts IS NULL THEN 3
			WHEN w IS NOT NULL AND (ts < w OR (f = 'late_le' AND ts = w)) THEN 2
			ELSE 1 END
		WHERE mock_xid = x AND mock_st = 0;
		SELECT max(ts) INTO bmax FROM diff_ev WHERE mock_xid = x;
		IF bmax IS NOT NULL AND (mx IS NULL OR bmax > mx) THEN
			mx := bmax;
		END IF;
	END LOOP;
	UPDATE laminar.mock_state SET maxts = mx WHERE stream = 'diff_ev';
	FOR v IN SELECT * FROM laminar.mock_views LOOP
		EXECUTE format('TRUNCATE %I', v.name);
		EXECUTE format('INSERT INTO %I %s', v.name, v.q);
		IF v.windowed THEN
			UPDATE laminar.mock_views SET
				late_events = (SELECT count(*) FROM diff_ev WHERE mock_st = 2),
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
	END IF;
END
$$;
