-- Laminar differential test: deterministic event generator.
--
-- Fills diff_gen (every event of every transaction the test will run, in
-- insertion order) and diff_batches (one row per transaction: how it is
-- inserted and whether it is rolled back).  Only plain SQL; the same seed
-- always yields the same events (setseed + random() is deterministic).
--
-- Shape of the data (see run.sh for the semantics being tested):
--   * ~33k events in 23 transactions; 300 ordinary keys, a few extreme int8
--     keys, ~2% NULL keys;
--   * within a transaction ts runs forward with up to 4.5 s of backwards
--     jitter (out of order, but inside the 5 s watermark delay);
--   * every third transaction carries ~5% stragglers older than the
--     watermark (late), some exactly at the watermark (not late) and one
--     microsecond before it (late); plus, for each ALLOW LATENESS L of the
--     views (4, 6, 8 s), one event exactly at watermark - L (not late for
--     that view) and one a microsecond before it (late for that view);
--   * batch 1 has events from 2001 (not late: no watermark yet);
--   * batch 8 jumps 45 s ahead in one event (same transaction: nothing of
--     batch 8 is late because of it), batch 9 then has 30% stragglers from
--     before the jump (late);
--   * batches 11 and 17 (run.sh's mid-run checkpoints) end with an event
--     that puts the watermark W (max ts - 5 s) on a whole second that is
--     a window_end of diff_v8 (HOP 3 s / 7 s, ends at 1 s mod 3 s), and
--       - after batch 11, W = 19 s (mod 30 s): exactly window_end + 6 s of
--         diff_v9 (TUMBLE 10 s offset 3 s, EMIT FINAL, lateness 6 s): that
--         window is final;
--       - after batch 17, W = 4 s (mod 30 s): a diff_v9 window ended 1 s
--         before W, within its lateness: not final yet;
--     plus one event in the last microsecond of the diff_v8 window ending
--     at W and of the latest diff_v9 window ending at or before W, and one
--     in the first microsecond of the next ones;
--   * SESSION edge events (one key each, k = 100 * view + 10 * checkpoint
--     + case, grp 'session' or, for diff_v12, 'session 12/checkpoint/case';
--     used by no random event) for each session view (gap g, lateness L)
--     and W the watermark after checkpoint batch 11 / 17; cases 2..5 are
--     completed by batch 13 / 18, which sees W (batch 12 has no ts):
--       0: W-L-2g and W-L-g: exactly one gap apart: two sessions, the
--          second ending exactly at W-L: closed at the checkpoint;
--       1: W-L-2g+2us and W-L-g+1us: one session ending at W-L+1us: open;
--       2: W-L-g+2us and W-L+g, bridged (merged) by W-L+1us later;
--       3: W-L-g+2us and W-L+g+2us, only touched by W-L+2us later (half-
--          open: three sessions);
--       4: W-L-g+1us and W-L+g-2us, which W-L-1us later would merge, but
--          it is late (dropped);
--       5: W-L-g+1us, extended later by W-L (not late: exactly the limit);
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
	lat int;
	epart int;
	cw interval;
	e8 timestamptz;
	e9 timestamptz;
	-- SESSION edge events: gap and lateness of diff_v11 / diff_v12 / diff_v13
	sgap constant interval[] := ARRAY[interval '3 seconds', interval '500 milliseconds', interval '4 seconds'];
	slat constant interval[] := ARRAY[interval '0', interval '0', interval '6 seconds'];
	sview constant int[] := ARRAY[11, 12, 13];
	sw timestamptz;                  -- watermark after the last checkpoint batch
	sc int;                          -- 0: checkpoint 11, 1: checkpoint 17
	sv int;
	sg interval;
	sl interval;
	us constant interval := interval '1 microsecond';
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
		-- part of the extra events below: the last statement of a 'mixed' batch
		epart := CASE WHEN methods[1 + (b % 5)] = 'mixed' THEN 2 ELSE 0 END;
		IF w IS NOT NULL AND b % 3 = 0 AND b NOT IN (12, 15) THEN
			-- exactly at watermark - L (not late with ALLOW LATENESS L) and a
			-- microsecond before (late), for every L the views use
			FOREACH lat IN ARRAY ARRAY[4, 6, 8] LOOP
				seq := seq + 1;
				INSERT INTO diff_gen VALUES (seq, b, epart, 100 + lat, 'edge', lat, 0.5,
					jsonb_build_object('tag', 'edge', 'n', lat), w - make_interval(secs => lat));
				seq := seq + 1;
				INSERT INTO diff_gen VALUES (seq, b, epart, 200 + lat, 'edge', -lat, 0.25,
					jsonb_build_object('tag', 'edge', 'n', -lat),
					w - make_interval(secs => lat) - interval '1 microsecond');
			END LOOP;
		END IF;
		IF b IN (11, 17) THEN
			-- checkpoint: new max ts m = first whole second after the batch's
			-- max ts with m - 5 s = 19 s (batch 11) or 4 s (batch 17) mod 30 s
			SELECT max(ts) INTO m FROM diff_gen WHERE batch = b;
			cw := CASE b WHEN 11 THEN interval '19 seconds' ELSE interval '4 seconds' END;
			m := date_bin('30 seconds', m - interval '5 seconds' - cw, timestamptz '1970-01-01 00:00:00+00')
				+ interval '35 seconds' + cw;
			-- ends of the diff_v8 window ending at W and the latest diff_v9 one
			e8 := m - interval '5 seconds';
			e9 := date_bin('10 seconds', e8, timestamptz '1970-01-01 00:00:03+00');
			IF w IS NULL OR e9 - interval '1 microsecond' < w THEN
				RAISE EXCEPTION 'gen.sql: checkpoint edge events of batch % would be late', b;
			END IF;
			FOR i IN 0..4 LOOP
				seq := seq + 1;
				INSERT INTO diff_gen VALUES (seq, b, epart, 7 + i, 'checkpoint', i, 0.5 + i,
					jsonb_build_object('tag', 'checkpoint', 'n', i),
					(ARRAY[m, e8 - interval '1 microsecond', e8, e9 - interval '1 microsecond', e9])[i + 1]);
			END LOOP;
		END IF;
		IF b IN (11, 13, 17, 18) THEN
			-- SESSION edge events (see the header): for each session view
			-- (gap g, lateness L) and W = the watermark after checkpoint batch
			-- 11 / 17, which batch 13 / 18 then sees (batch 12 has no ts)
			IF b IN (11, 17) THEN
				sw := m - interval '5 seconds';
			ELSIF w IS DISTINCT FROM sw THEN
				RAISE EXCEPTION 'gen.sql: batch % saw watermark %, not the checkpoint''s %', b, w, sw;
			END IF;
			sc := CASE WHEN b IN (11, 13) THEN 0 ELSE 1 END;
			FOR sv IN 1..3 LOOP
				sg := sgap[sv];
				sl := slat[sv];
				IF b IN (11, 17) AND (w IS NULL OR sw - sl - 2 * sg < w - sl OR sg - sl >= interval '5 seconds') THEN
					RAISE EXCEPTION 'gen.sql: SESSION edge events of batch % would be late or raise the watermark', b;
				END IF;
				INSERT INTO diff_gen
				SELECT seq + x.ord, b, epart,
					100 * sview[sv] + 10 * sc + x.c,
					CASE WHEN sview[sv] = 12 THEN format('session %s/%s/%s', sview[sv], sc, x.c) ELSE 'session' END,
					x.c, 0.5 + x.c * 0.25, jsonb_build_object('tag', 'session', 'n', x.c), sw - sl + x.off
				FROM (VALUES (1, 0, -2 * sg, 0), (2, 0, -sg, 0),
						(3, 1, -2 * sg + 2 * us, 0), (4, 1, -sg + us, 0),
						(5, 2, -sg + 2 * us, 0), (6, 2, sg, 0), (7, 2, us, 1),
						(8, 3, -sg + 2 * us, 0), (9, 3, sg + 2 * us, 0), (10, 3, 2 * us, 1),
						(11, 4, -sg + us, 0), (12, 4, sg - 2 * us, 0), (13, 4, -us, 1),
						(14, 5, -sg + us, 0), (15, 5, interval '0', 1)) x(ord, c, off, next)
				WHERE x.next = CASE WHEN b IN (11, 17) THEN 0 ELSE 1 END
				ORDER BY x.ord;
				SELECT max(g.seq) INTO seq FROM diff_gen g;
			END LOOP;
		END IF;
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
