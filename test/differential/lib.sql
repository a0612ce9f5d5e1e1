-- Laminar differential test: the plain-SQL oracle and the comparison helpers.
--
-- diff_oracle holds exactly the events of the committed transactions so far
-- (run.sh copies a batch from diff_gen after its stream transaction commits),
-- each with its batch (= transaction, in commit order).
--
-- Lateness (windowed views only): an event of batch b is late iff
--   ts < W_b - L,  W_b = max(ts over all events of batches < b) - 5 s
-- (W_b = -infinity when there is no earlier non-NULL ts), L the view's
-- ALLOW LATENESS (0 when none).  Events of one batch never make each other
-- late.  An event with a NULL ts is never late (it has no window: the views
-- count it in null_time_events, and it never goes to a LATE DATA TO table).
--
-- LATE DATA TO (diff_v17_late, lateness 6 s): its table must hold exactly
-- the events late for that lateness (a multiset of the stream's columns),
-- each with _watermark = W_b, the watermark its transaction saw:
--   SELECT <stream columns>, w AS _watermark FROM diff_oracle_late('6 seconds') WHERE late
-- EMIT CHANGES (diff_v14, diff_v15): the net changelog (sum(_weight) per
-- distinct row, rows with a non-zero sum) must equal the ON UPDATE oracle,
-- each with net weight exactly 1 (diff_check_rows over a GROUP BY of the
-- changelog), and the changelog itself must be well-formed
-- (diff_check_changelog).

DROP FUNCTION IF EXISTS diff_check_changelog(text, text[], int);
DROP FUNCTION IF EXISTS diff_oracle_late(interval), diff_win_tumble(interval, interval, interval),
	diff_win_hop(interval, interval, interval, interval),
	diff_win_cumulate(interval, interval, interval, interval),
	diff_win_session(interval, interval, text);
DROP VIEW IF EXISTS diff_oracle_tumble;
DROP VIEW IF EXISTS diff_oracle_w;
DROP TABLE IF EXISTS diff_oracle;

CREATE TABLE diff_oracle (LIKE diff_gen);

-- every committed event, with the watermark its transaction saw and 'late'
CREATE VIEW diff_oracle_w AS
WITH bm AS (
	SELECT batch, max(ts) AS mts FROM diff_oracle GROUP BY batch
), bw AS (
	SELECT batch,
		max(mts) OVER (ORDER BY batch ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
			- interval '5 seconds' AS w
	FROM bm
)
SELECT o.*, bw.w, coalesce(o.ts < bw.w, false) AS late
FROM diff_oracle o JOIN bw USING (batch);

-- what TUMBLE(diff_ev, ts, INTERVAL '10 seconds') feeds a windowed view:
-- non-late events with a non-NULL ts, plus window_start / window_end
CREATE VIEW diff_oracle_tumble AS
SELECT k, grp, amount, v, payload, ts,
	date_bin('10 seconds', ts, timestamptz '1970-01-01 00:00:00+00') AS window_start,
	date_bin('10 seconds', ts, timestamptz '1970-01-01 00:00:00+00') + interval '10 seconds' AS window_end
FROM diff_oracle_w
WHERE NOT late AND ts IS NOT NULL;

-- every committed event, late per a view's ALLOW LATENESS l:
-- late iff ts < w - l (w NULL: nothing is late; NULL ts: not late)
CREATE FUNCTION diff_oracle_late(l interval)
RETURNS TABLE (seq bigint, batch int, k int8, grp text, amount numeric, v float8, payload jsonb,
	ts timestamptz, w timestamptz, late bool)
LANGUAGE sql STABLE AS $$
	SELECT o.seq, o.batch, o.k, o.grp, o.amount, o.v, o.payload, o.ts, o.w, coalesce(o.ts < o.w - l, false)
	FROM diff_oracle_w o
$$;

-- What a window table function feeds a windowed view with ALLOW LATENESS l:
-- the non-late events with a non-NULL ts, one row per window holding the
-- event, with window_start / window_end.  Windows are aligned to
-- 1970-01-01 00:00:00+00 plus the offset off.
--   TUMBLE(size, off)
CREATE FUNCTION diff_win_tumble(size interval, off interval, l interval)
RETURNS TABLE (k int8, grp text, amount numeric, v float8, payload jsonb, ts timestamptz,
	window_start timestamptz, window_end timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT e.k, e.grp, e.amount, e.v, e.payload, e.ts,
		date_bin(size, e.ts, timestamptz '1970-01-01 00:00:00+00' + off),
		date_bin(size, e.ts, timestamptz '1970-01-01 00:00:00+00' + off) + size
	FROM diff_oracle_late(l) e
	WHERE NOT e.late AND e.ts IS NOT NULL
$$;

--   HOP(slide, size, off): every [s, s + size) with s = origin + n * slide,
--   s <= ts < s + size
CREATE FUNCTION diff_win_hop(slide interval, size interval, off interval, l interval)
RETURNS TABLE (k int8, grp text, amount numeric, v float8, payload jsonb, ts timestamptz,
	window_start timestamptz, window_end timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT e.k, e.grp, e.amount, e.v, e.payload, e.ts, s.s, s.s + size
	FROM diff_oracle_late(l) e,
		generate_series(date_bin(slide, e.ts - size, timestamptz '1970-01-01 00:00:00+00' + off) + slide,
			e.ts, slide) AS s(s)
	WHERE NOT e.late AND e.ts IS NOT NULL
$$;

--   CUMULATE(step, max_size, off): window_start = date_bin(max_size, ts),
--   window_end = every multiple of step after ts up to window_start + max_size
CREATE FUNCTION diff_win_cumulate(step interval, max_size interval, off interval, l interval)
RETURNS TABLE (k int8, grp text, amount numeric, v float8, payload jsonb, ts timestamptz,
	window_start timestamptz, window_end timestamptz)
LANGUAGE sql STABLE AS $$
	SELECT e.k, e.grp, e.amount, e.v, e.payload, e.ts,
		date_bin(max_size, e.ts, timestamptz '1970-01-01 00:00:00+00' + off), we.we
	FROM diff_oracle_late(l) e,
		generate_series(date_bin(step, e.ts, timestamptz '1970-01-01 00:00:00+00' + off) + step,
			date_bin(max_size, e.ts, timestamptz '1970-01-01 00:00:00+00' + off) + max_size, step) AS we(we)
	WHERE NOT e.late AND e.ts IS NOT NULL
$$;

--   SESSION(gap) per key (by = 'k' or 'grp'; a NULL key is a key of its
--   own): gaps and islands over the key's non-late events in ts order: an
--   event starts a new session iff it is the key's first or ts >= the
--   previous ts + gap (half-open: exactly one gap later is a new session);
--   a session spans [min(ts), max(ts) + gap).  Late events (per l) never
--   join a session, so they cannot bridge two.
CREATE FUNCTION diff_win_session(gap interval, l interval, by text)
RETURNS TABLE (seq bigint, batch int, k int8, grp text, amount numeric, v float8, payload jsonb,
	ts timestamptz, window_start timestamptz, window_end timestamptz)
LANGUAGE sql STABLE AS $$
	WITH e AS (
		SELECT o.*, CASE by WHEN 'k' THEN o.k::text WHEN 'grp' THEN o.grp END AS key
		FROM diff_oracle_late(l) o
		WHERE NOT o.late AND o.ts IS NOT NULL
	), marked AS (
		SELECT e.*,
			CASE WHEN lag(e.ts) OVER w IS NULL OR e.ts >= lag(e.ts) OVER w + gap THEN 1 ELSE 0 END AS starts
		FROM e
		WINDOW w AS (PARTITION BY e.key ORDER BY e.ts, e.seq)
	), numbered AS (
		SELECT m.*, sum(m.starts) OVER (PARTITION BY m.key ORDER BY m.ts, m.seq ROWS UNBOUNDED PRECEDING) AS sid
		FROM marked m
	)
	SELECT n.seq, n.batch, n.k, n.grp, n.amount, n.v, n.payload, n.ts,
		min(n.ts) OVER s, max(n.ts) OVER s + gap
	FROM numbered n
	WINDOW s AS (PARTITION BY n.key, n.sid)
$$;

-- watermark after the last committed transaction (NULL = -infinity)
CREATE OR REPLACE FUNCTION diff_final_w() RETURNS timestamptz
LANGUAGE sql STABLE AS $$ SELECT max(ts) - interval '5 seconds' FROM diff_oracle $$;

-- float comparison: relative 1e-9 (summation order), tiny absolute floor
CREATE OR REPLACE FUNCTION diff_float_eq(a float8, b float8) RETURNS bool
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
		WHEN a IS NULL OR b IS NULL THEN a IS NULL AND b IS NULL
		WHEN a = b THEN true
		ELSE abs(a - b) <= 1e-9 * greatest(abs(a), abs(b)) + 1e-12
	END
$$;

-- "name type, name type, ..." of a relation's columns, in order
CREATE OR REPLACE FUNCTION diff_cols(rel regclass) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT string_agg(quote_ident(attname) || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
	FROM pg_attribute
	WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped
$$;

-- Column names and types of the result table vs. CREATE TABLE AS of the
-- oracle query.  First line 'OK' or 'FAIL', then diagnostics.
CREATE OR REPLACE FUNCTION diff_check_types(res text, oracle text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
	a text;
	b text;
BEGIN
	DROP TABLE IF EXISTS pg_temp.diff_o;
	EXECUTE format('CREATE TEMP TABLE diff_o AS %s', oracle);
	a := diff_cols(res::regclass);
	b := diff_cols('pg_temp.diff_o'::regclass);
	IF a IS NOT DISTINCT FROM b THEN
		RETURN NEXT 'OK';
	ELSE
		RETURN NEXT 'FAIL';
	END IF;
	RETURN NEXT 'result: ' || coalesce(a, '(no columns)');
	RETURN NEXT 'oracle: ' || coalesce(b, '(no columns)');
END
$$;

-- Contents of the result table (res: a table name, or a parenthesized
-- query without an alias) vs. the oracle query.
--   keys IS NULL: compare as multisets of rows (all columns, as text);
--   otherwise: keys identify a row (must be unique in the result); rows are
--   matched on the keys' text, float4/float8 columns compared with
--   diff_float_eq, every other column compared as text (numeric display
--   scale included: the results must be exactly Postgres's).
-- First line 'OK' or 'FAIL', then diagnostics (at most maxshow sample rows).
CREATE OR REPLACE FUNCTION diff_check_rows(res text, oracle text, keys text[], maxshow int DEFAULT 5)
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
	cols text[];
	ftypes oid[];
	rowexpr text;
	kexpr text;
	conds text;
	q text;
	n_res int8;
	n_ora int8;
	n_dup int8 := 0;
	n_bad int8;
	rec record;
	i int;
BEGIN
	DROP TABLE IF EXISTS pg_temp.diff_o;
	EXECUTE format('CREATE TEMP TABLE diff_o AS %s', oracle);
	SELECT array_agg(attname::text ORDER BY attnum), array_agg(atttypid ORDER BY attnum)
		INTO cols, ftypes
	FROM pg_attribute
	WHERE attrelid = 'pg_temp.diff_o'::regclass AND attnum > 0 AND NOT attisdropped;

	EXECUTE format('SELECT count(*) FROM %s t', res) INTO n_res;
	SELECT count(*) INTO n_ora FROM pg_temp.diff_o;

	SELECT 'row(' || string_agg('t.' || quote_ident(c), ', ') || ')::text' INTO rowexpr FROM unnest(cols) c;

	IF keys IS NULL THEN
		q := format($q$
			WITH r AS (SELECT %1$s AS x, count(*) AS cnt FROM %2$s t GROUP BY 1),
			     o AS (SELECT %1$s AS x, count(*) AS cnt FROM pg_temp.diff_o t GROUP BY 1)
			SELECT coalesce(r.x, o.x) AS x, coalesce(r.cnt, 0) AS rc, coalesce(o.cnt, 0) AS oc
			FROM r FULL JOIN o ON r.x = o.x
			WHERE r.cnt IS DISTINCT FROM o.cnt
			ORDER BY 1$q$, rowexpr, res);
		EXECUTE format('SELECT count(*) FROM (%s) d', q) INTO n_bad;
		RETURN NEXT CASE WHEN n_bad = 0 AND n_res = n_ora THEN 'OK' ELSE 'FAIL' END;
		RETURN NEXT format('result rows %s, oracle rows %s, distinct rows with differing multiplicity %s',
			n_res, n_ora, n_bad);
		i := 0;
		FOR rec IN EXECUTE q || format(' LIMIT %s', maxshow) LOOP
			RETURN NEXT format('row %s: %s time(s) in result, %s time(s) in oracle', rec.x, rec.rc, rec.oc);
		END LOOP;
		RETURN;
	END IF;

	IF cardinality(keys) = 0 THEN
		kexpr := '''''::text';
	ELSE
		SELECT 'row(' || string_agg('t.' || quote_ident(c), ', ') || ')::text' INTO kexpr FROM unnest(keys) c;
	END IF;
	EXECUTE format('SELECT count(*) - count(DISTINCT %s) FROM %s t', kexpr, res) INTO n_dup;

	conds := 'false';
	FOR i IN 1..cardinality(cols) LOOP
		IF ftypes[i] IN ('float8'::regtype, 'float4'::regtype) THEN
			conds := conds || format(' OR NOT diff_float_eq(r.%1$I::float8, o.%1$I::float8)', cols[i]);
		ELSE
			conds := conds || format(' OR r.%1$I::text IS DISTINCT FROM o.%1$I::text', cols[i]);
		END IF;
	END LOOP;

	q := format($q$
		WITH r AS (SELECT %1$s AS "#k", %2$s AS "#row", t.* FROM %3$s t),
		     o AS (SELECT %1$s AS "#k", %2$s AS "#row", t.* FROM pg_temp.diff_o t)
		SELECT coalesce(r."#k", o."#k") AS k,
			CASE WHEN r."#k" IS NULL THEN 'missing from result'
			     WHEN o."#k" IS NULL THEN 'unexpected in result'
			     ELSE 'differs' END AS what,
			r."#row" AS rrow, o."#row" AS orow
		FROM r FULL JOIN o ON r."#k" = o."#k"
		WHERE r."#k" IS NULL OR o."#k" IS NULL OR %4$s
		ORDER BY 1, 3$q$, kexpr, rowexpr, res, conds);
	EXECUTE format('SELECT count(*) FROM (%s) d', q) INTO n_bad;
	RETURN NEXT CASE WHEN n_bad = 0 AND n_dup = 0 AND n_res = n_ora THEN 'OK' ELSE 'FAIL' END;
	RETURN NEXT format('result rows %s, oracle rows %s, mismatching keys %s, duplicate keys in result %s',
		n_res, n_ora, n_bad, n_dup);
	FOR rec IN EXECUTE q || format(' LIMIT %s', maxshow) LOOP
		RETURN NEXT format('key %s %s: result %s / oracle %s', rec.k, rec.what,
			coalesce(rec.rrow, '-'), coalesce(rec.orow, '-'));
	END LOOP;
END
$$;

-- An EMIT CHANGES table (res, the view's columns cols plus _weight and
-- _seq) as a changelog: every _seq non-NULL and distinct, every _weight +1
-- or -1, and, per distinct row (cols), the running sum of _weight in _seq
-- order stays 0 or 1: every -1 row is preceded (lower _seq) by a +1 row of
-- the same columns that no earlier -1 row retracted, and a row is never
-- added again before it is retracted.  (Whether the net sums equal the ON
-- UPDATE answer is diff_check_rows' job.)  First line 'OK' or 'FAIL', then
-- diagnostics.
CREATE OR REPLACE FUNCTION diff_check_changelog(res text, cols text[], maxshow int DEFAULT 5)
RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
	rowexpr text;
	q text;
	n int8;
	n_seq int8;
	n_nullseq int8;
	n_badw int8;
	n_plus int8;
	n_minus int8;
	n_neg int8;
	n_over int8;
	rec record;
BEGIN
	SELECT 'row(' || string_agg('t.' || quote_ident(c), ', ') || ')::text' INTO rowexpr FROM unnest(cols) c;
	EXECUTE format($q$SELECT count(*), count(DISTINCT t._seq), count(*) FILTER (WHERE t._seq IS NULL),
			count(*) FILTER (WHERE t._weight IS NULL OR t._weight NOT IN (-1, 1)),
			count(*) FILTER (WHERE t._weight = 1), count(*) FILTER (WHERE t._weight = -1)
		FROM %s t$q$, res)
		INTO n, n_seq, n_nullseq, n_badw, n_plus, n_minus;
	q := format($q$
		WITH c AS (
			SELECT %1$s AS x, t._seq, t._weight,
				sum(t._weight) OVER (PARTITION BY %1$s ORDER BY t._seq ROWS UNBOUNDED PRECEDING) AS run
			FROM %2$s t)
		SELECT x, _seq, _weight, run FROM c WHERE run < 0 OR run > 1$q$, rowexpr, res);
	EXECUTE format('SELECT count(DISTINCT x) FILTER (WHERE run < 0), count(DISTINCT x) FILTER (WHERE run > 1) FROM (%s) d', q)
		INTO n_neg, n_over;
	RETURN NEXT CASE WHEN n_seq = n AND n_nullseq = 0 AND n_badw = 0 AND n_neg = 0 AND n_over = 0
		THEN 'OK' ELSE 'FAIL' END;
	RETURN NEXT format('changelog rows %s (+1: %s, -1: %s), distinct _seq %s, NULL _seq %s, weights not +1/-1 %s, '
		'rows retracted before being added %s, rows added twice %s',
		n, n_plus, n_minus, n_seq, n_nullseq, n_badw, n_neg, n_over);
	FOR rec IN EXECUTE format($q$SELECT _seq, count(*) AS cnt FROM %s GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT %s$q$,
			res, maxshow) LOOP
		RETURN NEXT format('_seq %s appears %s times', rec._seq, rec.cnt);
	END LOOP;
	FOR rec IN EXECUTE q || format(' ORDER BY _seq LIMIT %s', maxshow) LOOP
		RETURN NEXT format('row %s: _weight %s at _seq %s makes its running weight %s', rec.x, rec._weight, rec._seq, rec.run);
	END LOOP;
END
$$;
