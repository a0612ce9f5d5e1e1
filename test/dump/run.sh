#!/usr/bin/env bash
# pg_dump / pg_restore round trip, in custom (-Fc, pg_restore) and plain
# (psql) format.  Creates streams and views of every kind (stateless, running
# and global aggregates, TUMBLE with EMIT ON UPDATE and ON WINDOW CLOSE,
# quoted mixed-case names, another schema, a view owned by a non-superuser),
# feeds them, dumps the database, and restores it into a fresh database of
# the same name: the one the workers serve (laminar.database).  Checks that
# the restore exits 0 with ON_ERROR_STOP, that laminar.streams/views list the
# same objects, that result tables keep their rows, that pg_depend protects
# the restored streams again, that view ids go on from the dumped sequence,
# that new events update the restored views, and that DROP works.
#
# It re-creates the database laminar_regress (twice) and leaves it with only
# the extension installed, so it runs after the suites that use it.
# Prints TAP.
set -uo pipefail
: "${PGBIN:=/usr/lib/postgresql/15/bin}"
DB=${LAMINAR_DUMP_DB:-laminar_regress}
OUT=${LAMINAR_DUMP_OUT:-/tmp/laminar-dump}
WORKERS=${LAMINAR_WORKERS:-2}
PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1)
rm -rf "$OUT"
mkdir -p "$OUT"
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }
q() { "${PSQL[@]}" -At -d "$DB" "$@"; }

# fresh_db: drops and re-creates the served database (the workers pause
# around DROP DATABASE and come back), then waits for them
fresh_db() {
	"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
	local i c
	for ((i = 0; i < 60; i++)); do
		c=$(q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'laminar worker' AND datname = current_database()" 2>/dev/null)
		[ -n "$c" ] && [ "$c" -ge "$WORKERS" ] && return 0
		sleep 0.5
	done
	echo "# warning: only ${c:-0} of $WORKERS workers connected to $DB"
}

# snapshot FILE: every result table's rows and the catalog, as text
snapshot() {
	q >"$1" 2>&1 <<'SQL'
SELECT 'streams', stream, watermark_column, watermark_delay FROM laminar.streams ORDER BY stream::text;
SELECT 'views', v.view, v.stream, v.kind, v.emit, v.window_size, v.owner, v.last_error FROM laminar.views v ORDER BY v.view::text;
SELECT 'views_ids', id, view FROM laminar._views ORDER BY id;
SELECT 'inputs', v.view, i.port, i.stream, i.input_view FROM laminar._view_inputs i JOIN laminar._views v ON v.id = i.view_id ORDER BY v.id, i.port;
SELECT 'by_auction', * FROM "Dump Sch"."By Auction" ORDER BY 2;
SELECT 'win_close', * FROM "Dump Sch".win_close ORDER BY 2, 3;
SELECT 'win_update', * FROM public."WinUpdate" ORDER BY 2;
SELECT 'global', * FROM public.glob;
SELECT 'stateless', * FROM public.stl ORDER BY 2, 3, 4;
SELECT 'alice', * FROM public.alice_v ORDER BY 2;
SELECT 'hop_final', * FROM public.hop_final ORDER BY 2, 3;
SELECT 'ev2_late', * FROM public.ev2_late ORDER BY 1, 3;
SELECT 'chg', k, dx, _weight, _seq FROM public.chg ORDER BY _seq;
SELECT 'v03', v.view, v.window_kind, v.window_slide, v.allowed_lateness, v.late_table, v.emit
  FROM laminar.views v WHERE v.window_kind IS DISTINCT FROM 'tumble' ORDER BY v.view::text;
SQL
}

echo "1..22"

# ------------------------------------------------------------------ source
fresh_db
"${PSQL[@]}" -d postgres >/dev/null 2>&1 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lm_dump_alice') THEN
    CREATE ROLE lm_dump_alice;
  END IF;
END $$;
SQL
if "${PSQL[@]}" -d "$DB" >"$OUT/setup.log" 2>&1 <<'SQL'
CREATE EXTENSION laminar;
CREATE SCHEMA "Dump Sch";
GRANT CREATE ON SCHEMA public TO lm_dump_alice;
SELECT laminar.execute($$
  CREATE STREAM "Dump Sch"."Bids" (auction int8, "Price" numeric, channel text, ts timestamptz,
                                   WATERMARK FOR ts AS ts - INTERVAL '2 seconds');
  CREATE MATERIALIZED VIEW "Dump Sch"."By Auction" AS
    SELECT auction, count(*) AS n, sum("Price") AS vol FROM "Dump Sch"."Bids" GROUP BY auction;
  CREATE MATERIALIZED VIEW "Dump Sch".win_close AS
    SELECT auction, window_start, window_end, count(*) AS n
      FROM TUMBLE("Dump Sch"."Bids", ts, INTERVAL '10 seconds')
     GROUP BY auction, window_start, window_end EMIT ON WINDOW CLOSE;
  CREATE MATERIALIZED VIEW public."WinUpdate" AS
    SELECT window_start, max("Price") AS hi
      FROM "Dump Sch"."Bids" AS b
     WHERE channel <> 'x' GROUP BY TUMBLE(b.ts, INTERVAL '10 seconds');
  CREATE MATERIALIZED VIEW public.glob AS
    SELECT count(*) AS n, sum("Price") AS total FROM "Dump Sch"."Bids";
  CREATE MATERIALIZED VIEW public.stl AS
    SELECT auction, upper(channel) AS ch, ts + INTERVAL '1 hour' AS later
      FROM "Dump Sch"."Bids" WHERE "Price" > 1.5
$$);
SET ROLE lm_dump_alice;
SELECT laminar.execute($$
  CREATE STREAM public.alice_s (k text NOT NULL, v int4 DEFAULT 1, note text COLLATE "C");
  CREATE MATERIALIZED VIEW public.alice_v AS SELECT k, sum(v) AS s FROM public.alice_s GROUP BY k
$$);
GRANT INSERT ON public.alice_s TO PUBLIC;
COMMENT ON COLUMN public.alice_s.v IS 'defaults to 1';
RESET ROLE;
-- 0.3.0: a HOP view with lateness, a late-data table and a rebuilt
-- aggregate; a changelog with a DISTINCT aggregate and HAVING
SELECT laminar.execute($$
  CREATE STREAM public.ev2 (k int, x float8, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE MATERIALIZED VIEW public.hop_final AS
    SELECT k, window_start, window_end, count(*) AS n,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS med
      FROM HOP(public.ev2, ts, INTERVAL '5 seconds', INTERVAL '10 seconds')
     GROUP BY k, window_start, window_end
     EMIT FINAL ALLOW LATENESS INTERVAL '2 seconds' LATE DATA TO public.ev2_late;
  CREATE MATERIALIZED VIEW public.chg AS
    SELECT k, count(DISTINCT x) AS dx FROM public.ev2 GROUP BY k HAVING count(*) > 1 EMIT CHANGES
$$);
INSERT INTO public.ev2 VALUES (1, 1, '2026-01-01 00:00:01+00'), (1, 2, '2026-01-01 00:00:03+00'),
  (2, 5, '2026-01-01 00:00:04+00'), (1, 2, '2026-01-01 00:00:40+00');
INSERT INTO public.ev2 VALUES (2, 7, '2026-01-01 00:00:05+00'), (2, 8, '2026-01-01 00:00:39+00');
INSERT INTO "Dump Sch"."Bids" VALUES
  (1, 2.5, 'web', '2026-01-01 00:00:01+00'), (2, 3, 'app', '2026-01-01 00:00:02+00'),
  (1, 1, 'web', '2026-01-01 00:00:30+00');
INSERT INTO public.alice_s VALUES ('a', 1), ('b', 2);
SELECT laminar.flush();
SQL
then ok "streams and views created and fed"; else notok "streams and views created and fed"; cat "$OUT/setup.log"; fi
snapshot "$OUT/before.txt"
check "source has 8 views and rows in every result table (late data and a changelog too)" \
	"[ \$(grep -c '^views|' '$OUT/before.txt') -eq 8 ] && grep -q '^win_close|1|' '$OUT/before.txt' && grep -q '^alice|a|1' '$OUT/before.txt' && grep -q '^hop_final|1|' '$OUT/before.txt' && grep -q '^ev2_late|2|7|' '$OUT/before.txt' && grep -q '^chg|1|2|1|' '$OUT/before.txt'"
seq_before=$(q -c "SELECT last_value FROM laminar._views_id_seq")

if "$PGBIN/pg_dump" -Fc -d "$DB" -f "$OUT/db.dump" 2>"$OUT/dump.log" &&
	"$PGBIN/pg_dump" -Fp -d "$DB" -f "$OUT/db.sql" 2>>"$OUT/dump.log"; then
	ok "pg_dump -Fc and -Fp"
else
	notok "pg_dump -Fc and -Fp"; cat "$OUT/dump.log"
fi

# ------------------------------------------------------------------ restores
for fmt in custom plain; do
	fresh_db
	if [ $fmt = custom ]; then
		"$PGBIN/pg_restore" --exit-on-error -d "$DB" "$OUT/db.dump" >"$OUT/restore-$fmt.log" 2>&1
	else
		"${PSQL[@]}" -d "$DB" -f "$OUT/db.sql" >"$OUT/restore-$fmt.log" 2>&1
	fi
	rc=$?
	if [ $rc -eq 0 ]; then ok "$fmt: restore exits 0"; else notok "$fmt: restore exits 0 (got $rc)"; head -n 20 "$OUT/restore-$fmt.log"; fi
	q -c "SELECT laminar.flush()" >/dev/null 2>&1
	snapshot "$OUT/after-$fmt.txt"
	if diff -u "$OUT/before.txt" "$OUT/after-$fmt.txt" >"$OUT/diff-$fmt.txt"; then
		ok "$fmt: streams, views, owners, ids and result rows equal the source"
	else
		notok "$fmt: streams, views, owners, ids and result rows equal the source"; head -n 30 "$OUT/diff-$fmt.txt"
	fi
	got=$(q -c "SELECT count(*) FROM pg_depend WHERE classid = 'pg_class'::regclass AND objid = 'public.alice_v'::regclass AND refobjid = 'public.alice_s'::regclass AND refobjsubid = 0")
	check "$fmt: pg_depend records the restored view on its stream once" "[ '$got' = 1 ]"
	err=$(q -c 'DROP FOREIGN TABLE "Dump Sch"."Bids"' 2>&1)
	check "$fmt: dropping a restored stream under its views is refused" "[[ \"\$err\" == *'other objects depend on it'* ]]"

	# new events reach the restored views
	q >"$OUT/new-$fmt.log" 2>&1 <<'SQL'
INSERT INTO "Dump Sch"."Bids" VALUES (4, 9, 'app', '2026-01-01 00:00:05+00');  -- late
INSERT INTO "Dump Sch"."Bids" VALUES
  (3, 7, 'web', '2026-01-01 00:01:01+00'), (3, 8, 'web', '2026-01-01 00:02:01+00');
INSERT INTO public.alice_s (k) SELECT 'c' FROM generate_series(1, 5);  -- v DEFAULT 1
SELECT laminar.flush();
SQL
	q >"$OUT/new-$fmt.txt" 2>&1 <<'SQL'
SELECT 'by_auction', * FROM "Dump Sch"."By Auction" ORDER BY 2;
SELECT 'win_close', * FROM "Dump Sch".win_close ORDER BY 2, 3;
SELECT 'win_update', * FROM public."WinUpdate" ORDER BY 2;
SELECT 'stateless', * FROM public.stl ORDER BY 2, 3, 4;
SELECT 'alice', * FROM public.alice_v ORDER BY 2;
SELECT 'errors', count(*) FROM laminar.views WHERE last_error IS NOT NULL;
SQL
	cat >"$OUT/new-expected.txt" <<'TXT'
by_auction|1|2|3.5
by_auction|2|1|3
by_auction|3|2|15
by_auction|4|1|9
win_close|1|2026-01-01 00:00:00+00|2026-01-01 00:00:10+00|1
win_close|2|2026-01-01 00:00:00+00|2026-01-01 00:00:10+00|1
win_close|3|2026-01-01 00:01:00+00|2026-01-01 00:01:10+00|1
win_update|2026-01-01 00:00:00+00|3
win_update|2026-01-01 00:00:30+00|1
win_update|2026-01-01 00:01:00+00|7
win_update|2026-01-01 00:02:00+00|8
stateless|1|WEB|2026-01-01 01:00:01+00
stateless|2|APP|2026-01-01 01:00:02+00
stateless|3|WEB|2026-01-01 01:01:01+00
stateless|3|WEB|2026-01-01 01:02:01+00
stateless|4|APP|2026-01-01 01:00:05+00
alice|a|1
alice|b|2
alice|c|5
errors|0
TXT
	if diff -u "$OUT/new-expected.txt" "$OUT/new-$fmt.txt" >"$OUT/newdiff-$fmt.txt"; then
		ok "$fmt: new events update every restored view (all EMIT modes, owner alice, column DEFAULT)"
	else
		notok "$fmt: new events update every restored view"; cat "$OUT/newdiff-$fmt.txt"; cat "$OUT/new-$fmt.log"
	fi
	# the global aggregate counts from the restore on (state is not dumped)
	got=$(q -c "SELECT n || '|' || total FROM public.glob")
	check "$fmt: the global aggregate holds the events since the restore" "[ '$got' = '3|24' ]"
	# the saved horizons and watermarks are restored too: the first event
	# after the restore, for a window written before the dump, is late, and
	# the ON WINDOW CLOSE view does not append that window a second time
	got=$(q -c "SELECT count(*) || '|' || (SELECT late_events FROM laminar.views WHERE view = '\"Dump Sch\".win_close'::regclass) FROM \"Dump Sch\".win_close WHERE window_start = '2026-01-01 00:00:00+00'")
	check "$fmt: a window written before the dump is not written again (horizons are restored)" "[ '$got' = '2|1' ]"

	# ids go on from the dumped sequence
	q -c "SELECT laminar.execute('CREATE MATERIALIZED VIEW public.later AS SELECT k FROM public.alice_s')" >/dev/null 2>&1
	got=$(q -c "SELECT id FROM laminar._views WHERE view = 'public.later'::regclass")
	check "$fmt: a view created after the restore takes the next id ($((seq_before + 1)))" "[ '$got' = '$((seq_before + 1))' ]"

	# DROP works on restored objects
	if q -c "SELECT laminar.execute('DROP MATERIALIZED VIEW public.\"WinUpdate\"; DROP STREAM \"Dump Sch\".\"Bids\" CASCADE; DROP STREAM public.alice_s CASCADE; DROP STREAM public.ev2 CASCADE')" >"$OUT/drop-$fmt.log" 2>&1 &&
		[ "$(q -c 'SELECT count(*) FROM laminar._views')" = 0 ] &&
		[ "$(q -c 'SELECT count(*) FROM laminar._streams')" = 0 ]; then
		ok "$fmt: DROP STREAM ... CASCADE and DROP MATERIALIZED VIEW remove the restored objects"
	else
		notok "$fmt: DROP of restored objects"; cat "$OUT/drop-$fmt.log"
	fi
done

# ------------------------------------------------------------------ no preload
# a server that does not preload laminar restores everything too (the views
# start once it does); run in a throwaway cluster of its own
NP_DIR=${LAMINAR_DUMP_NOPRELOAD_DIR:-/tmp/laminar-dump-nopreload}
NP_PORT=${LAMINAR_DUMP_NOPRELOAD_PORT:-$((${PGPORT:-55440} + 17))}
(
	# shellcheck source=test/cluster.sh
	source "$(dirname "${BASH_SOURCE[0]}")/../cluster.sh"
	trap 'lm_cluster_stop "$NP_DIR"' EXIT
	if ! LAMINAR_PRELOAD='' lm_cluster_start "$NP_DIR" "$NP_PORT" >"$OUT/nopreload.log" 2>&1; then
		echo "# could not start a cluster without the preload"; cat "$OUT/nopreload.log"; exit 1
	fi
	"${PSQL[@]}" -d postgres -c "CREATE ROLE lm_dump_alice" >>"$OUT/nopreload.log" 2>&1 &&
		"$PGBIN/pg_restore" --exit-on-error -d "$DB" "$OUT/db.dump" >>"$OUT/nopreload.log" 2>&1 &&
		[ "$(q -c 'SELECT count(*) FROM laminar._views')" = 8 ] &&
		[ "$(q -c "SELECT count(*) FROM pg_depend WHERE classid = 'pg_class'::regclass AND refobjid = '\"Dump Sch\".\"Bids\"'::regclass AND refobjsubid = 0")" = 5 ]
) && ok "pg_restore into a server without the preload restores streams, views and dependencies" ||
	{ notok "pg_restore into a server without the preload"; tail -n 20 "$OUT/nopreload.log"; }

# ------------------------------------------------------------------ cleanup
fresh_db
q -c "CREATE EXTENSION laminar" >/dev/null
"${PSQL[@]}" -d postgres -c "DROP ROLE IF EXISTS lm_dump_alice" >/dev/null 2>&1
[ "$fail" -eq 0 ]
