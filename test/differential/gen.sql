-- Laminar differential test: deterministic event generator.
--
-- Fills diff_gen (every event of every transaction the test will run, in
-- insertion order) and diff_batches (one row per transaction: how it is
-- inserted and whether it is rolled back).  Only plain SQL; the same seed
-- always yields the same events (setseed + random() is deterministic).
--
-- Shape of the data (see run.sh for the semantics being tested):
--   * ~30k events in 23 transactions; 300 ordinary keys, a few extreme int8
--     keys, ~2% NULL keys;
--   * within a transaction ts runs forward with up to 4.5 s of backwards
--     jitter (out of order, but inside the 5 s watermark delay);
--   * every third transaction carries ~5% stragglers older than the
--     watermark (late), some exactly at the watermark (not late) and one
--     microsecond before it (late);
--   * batch 1 has events from 2001 (not late: no watermark yet);
--   * batch 8 jumps 45 s ahead in one event (same transaction: nothing of
--     batch 8 is late because of it), batch 9 then has 30% stragglers from
--     before the jump (late);
--   * batch 12 has only NULL timestamps;
--   * batch 15 is rolled back and its timestamps are one day ahead: if it
--     raised the watermark, every later event would be late;
--   * the last batch's max ts is a 10 s window boundary + 5 s exactly, so the
--     final watermark equals a window_end (that window must be closed).

DROP TABLE IF EXISTS diff_gen;
DROP TABLE IF EXISTS diff_batches;

CREATE TABLE diff_batches (
	batch int PRIMARY KEY,
	method text NOT NULL,       -- insert_select | values | copy_csv | copy_text | mixed
	rollback bool NOT NULL DEFAULT false
);

CREATE TABLE diff_gen (
	seq bigint PRIMARY KEY,     -- insertion order (global)
	batch int NOT NULL,
	part int NOT NULL,          -- 0..2: which statement of a 'mixed' batch
	k int8,
	grp text,
	amount numeric,
	v float8,
	payload jsonb,
	ts timestamptz
);

DO $gen$
DECLARE
	nbatch constant int := 23;
	base constant timestamptz := '2024-03-10 12:00:00+00';
	grps constant text[] := ARRAY['alpha', 'Alpha', 'ALPHA', 'beta', 'Beta', 'gamma',
		'delta_x', 'Ωmega', 'ωmega', 'with,comma', 'with"quote', E'back\\slash',
		E'tab\there', E'multi\nline', '', ' padded ', 'Zeta', 'zeta', '\.', 'NULL'];
	tags constant text[] := ARRAY['red', 'green', 'blue', 'Red', 'x y'];
	methods constant text[] := ARRAY['insert_select', 'values', 'copy_csv', 'copy_text', 'mixed'];
	b int;
	i int;
	n int;
	seq bigint := 0;
	prevmax timestamptz := NULL;     -- max ts over committed batches so far
	t0 timestamptz;
	span float8;
	w timestamptz;
	r float8;
	kk int8;
	g text;
	am numeric;
	vv float8;
	pl jsonb;
	ts_ timestamptz;
	straggler_rate float8;
	m timestamptz;
BEGIN
	PERFORM setseed(0.4242);
	FOR b IN 1..nbatch LOOP
		INSERT INTO diff_batches VALUES (b, methods[1 + (b % 5)], b = 15);
		n := CASE b WHEN 12 THEN 60 WHEN 15 THEN 400 ELSE 900 + floor(random() * 1300)::int END;
		t0 := coalesce(prevmax, base);
		span := 6 + random() * 12;              -- seconds of event time per batch
		w := prevmax - interval '5 seconds';    -- watermark seen by this batch (NULL = -inf)
		straggler_rate := CASE WHEN b = 9 THEN 0.30 WHEN b % 3 = 0 THEN 0.05 ELSE 0 END;
		FOR i IN 1..n LOOP
			seq := seq + 1;
			-- key
			r := random();
			kk := CASE
				WHEN r < 0.02 THEN NULL
				WHEN r < 0.023 THEN -9223372036854775808
				WHEN r < 0.026 THEN 9223372036854775807
				WHEN r < 0.028 THEN 0
				ELSE 1 + floor(random() * 300)::int8 END;
			-- group text
			r := random();
			g := CASE WHEN r < 0.05 THEN NULL ELSE grps[1 + floor(random() * array_length(grps, 1))::int] END;
			-- amount: mixed scales, some huge, some NULL
			r := random();
			am := CASE
				WHEN r < 0.04 THEN NULL
				WHEN r < 0.05 THEN 12345678901234567890.123 + round((random() * 100)::numeric, 3)
				WHEN r < 0.07 THEN round((random() * 10)::numeric, 8)
				ELSE round((random() * 2000 - 500)::numeric, floor(random() * 5)::int) END;
			-- v: mostly positive, some negative, some NULL
			r := random();
			vv := CASE WHEN r < 0.03 THEN NULL ELSE random() * 2 - 0.25 END;
			-- payload
			r := random();
			IF r < 0.05 THEN
				pl := NULL;
			ELSE
				pl := jsonb_build_object('tag', tags[1 + floor(random() * array_length(tags, 1))::int],
					'n', floor(random() * 1000)::int - 100, 'i', i);
				r := random();
				IF r < 0.08 THEN
					pl := pl - 'n';
				ELSIF r < 0.12 THEN
					pl := jsonb_set(pl, '{n}', 'null');
				ELSIF r < 0.15 THEN
					pl := pl - 'tag';
				ELSIF r < 0.18 THEN
					pl := jsonb_set(pl, '{tag}', to_jsonb(floor(random() * 3)::int));
				ELSIF r < 0.20 THEN
					pl := jsonb_set(pl, '{nested}', '{"a": [1, 2, {"b": "c"}]}');
				END IF;
			END IF;
			-- event time
			r := random();
			IF b = 12 OR r < 0.01 THEN
				ts_ := NULL;
			ELSIF b = 15 THEN
				ts_ := t0 + interval '1 day' + make_interval(secs => random() * span);
			ELSIF b = 1 AND i <= 25 THEN
				ts_ := timestamptz '2001-02-03 04:05:06.789+00' + make_interval(secs => i * 3.7);
			ELSIF w IS NOT NULL AND r < 0.01 + straggler_rate THEN
				-- straggler: late
				ts_ := w - make_interval(secs => 0.000001 + random() * 30);
			ELSIF w IS NOT NULL AND b % 3 = 0 AND r < 0.015 + straggler_rate THEN
				-- exactly at the watermark: not late
				ts_ := w;
			ELSIF w IS NOT NULL AND b % 3 = 0 AND r < 0.02 + straggler_rate THEN
				-- one microsecond before the watermark: late
				ts_ := w - interval '1 microsecond';
			ELSIF b = 8 AND i = n / 2 THEN
				ts_ := t0 + make_interval(secs => span + 45);
			ELSIF r < 0.05 THEN
				-- exactly on a window boundary
				ts_ := date_bin('10 seconds', t0 + make_interval(secs => i * span / n), timestamptz '1970-01-01 00:00:00+00');
				IF w IS NOT NULL AND ts_ < w THEN
					ts_ := ts_ + interval '10 seconds';
				END IF;
			ELSE
				-- forward with backwards jitter inside the 5 s delay; never late
				ts_ := t0 + make_interval(secs => i * span / n - random() * 4.5);
				IF w IS NOT NULL AND ts_ < w THEN
					ts_ := w;
				END IF;
			END IF;
			INSERT INTO diff_gen VALUES (seq, b, CASE WHEN methods[1 + (b % 5)] = 'mixed' THEN (i * 3) / (n + 1) ELSE 0 END,
				kk, g, am, vv, pl, ts_);
		END LOOP;
		IF b = nbatch THEN
			-- final max ts: a window boundary + 5 s exactly (final watermark = window_end)
			SELECT max(ts) INTO m FROM diff_gen WHERE batch = b;
			seq := seq + 1;
			INSERT INTO diff_gen VALUES (seq, b, 0, 42, 'final', 1.5, 0.75, '{"tag": "final", "n": 1}',
				date_bin('10 seconds', m, timestamptz '1970-01-01 00:00:00+00') + interval '15 seconds');
		END IF;
		IF b <> 15 THEN
			SELECT greatest(prevmax, max(ts)) INTO prevmax FROM diff_gen WHERE batch = b;
		END IF;
	END LOOP;
END
$gen$;

ANALYZE diff_gen;
