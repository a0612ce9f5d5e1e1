#!/usr/bin/env bash
# Upgrade chain: installs each released version, walks every
# laminar--a--b.sql up to the default version with ALTER EXTENSION UPDATE
# (one step at a time), and checks that the result describes exactly like a
# fresh install of the default version (test/upgrade/describe.sql: members,
# function definitions with their search_path, tables, columns, views,
# ACLs, event triggers, config tables).  Two walks: from the first release
# (0.1.0 -> 0.1.1 -> ... -> default) and from the last release before the
# default alone.  Each walk starts with a stream and a view created at the
# old version, whose catalog rows the upgrade must carry over (0.2.0:
# every view reads its stream on port 0 of laminar._view_inputs; 0.3.0:
# every windowed view is a TUMBLE).
# Runs in scratch databases of the running test cluster; prints TAP.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../tap.sh
source "$ROOT/test/tap.sh"
: "${PGBIN:=/usr/lib/postgresql/15/bin}"
PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1)
OUT=${LAMINAR_UPGRADE_OUT:-/tmp/laminar-upgrade}
mkdir -p "$OUT"

default=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$ROOT/laminar.control")
first=0.1.0

# next_version V: the version that an upgrade script from V leads to
next_version() {
	local f
	for f in "$ROOT"/sql/laminar--"$1"--*.sql; do
		[ -f "$f" ] || continue
		f=${f##*--}
		echo "${f%.sql}"
		return
	done
}

# the chain from the first release to the default version
chain=("$first")
while [ "${chain[-1]}" != "$default" ]; do
	nv=$(next_version "${chain[-1]}")
	if [ -z "$nv" ] || [ ${#chain[@]} -gt 50 ]; then
		break
	fi
	chain+=("$nv")
done
# the walks: from the first release, and from the release before the default
walks=("$first")
if [ ${#chain[@]} -ge 3 ]; then
	walks+=("${chain[-2]}")
fi

echo "1..$((2 + ${#walks[@]} * 8))"
if [ "${chain[-1]}" = "$default" ]; then
	ok "upgrade scripts lead from $first to $default: ${chain[*]}"
else
	not_ok "upgrade scripts lead from $first to $default" "chain: ${chain[*]}"
fi

dbs=(lm_upgrade_fresh)
for w in "${walks[@]}"; do dbs+=("lm_upgrade_${w//./_}"); done
for db in "${dbs[@]}"; do
	"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
done

if "${PSQL[@]}" -d lm_upgrade_fresh -c "CREATE EXTENSION laminar" >"$OUT/fresh.log" 2>&1; then
	ok "fresh install of $default"
else
	not_ok "fresh install of $default" "$(cat "$OUT/fresh.log")"
fi
"${PSQL[@]}" -d lm_upgrade_fresh -f "$ROOT/test/upgrade/describe.sql" >"$OUT/fresh.txt" 2>&1

for w in "${walks[@]}"; do
	db=lm_upgrade_${w//./_}
	log=$OUT/$db.log
	if "${PSQL[@]}" -d "$db" >"$log" 2>&1 <<SQL; then
CREATE EXTENSION laminar VERSION '$w';
SELECT laminar.execute(\$\$
  CREATE STREAM up_s (k int8, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE MATERIALIZED VIEW up_v AS SELECT k, count(*) AS n FROM up_s GROUP BY k;
  CREATE MATERIALIZED VIEW up_w AS SELECT window_start, count(*) AS n
    FROM TUMBLE(up_s, ts, INTERVAL '1 minute') GROUP BY window_start
\$\$);
SQL
		ok "install of $w, with a stream and two views"
	else
		not_ok "install of $w, with a stream and two views" "$(cat "$log")"
	fi
	# the 0.3.0 library on the old catalog refuses what needs 0.3.0's columns
	got=$("${PSQL[@]}" -At -d "$db" -c "CREATE FUNCTION pg_temp.st(q text) RETURNS text LANGUAGE plpgsql AS \$f\$
	    BEGIN PERFORM laminar.execute(q); RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END \$f\$" \
		-c "SELECT string_agg(pg_temp.st(q), ' ' ORDER BY n) FROM (VALUES
	      (1, 'CREATE MATERIALIZED VIEW up_h AS SELECT window_start, count(*) FROM HOP(up_s, ts, INTERVAL ''1 second'', INTERVAL ''2 seconds'') GROUP BY window_start'),
	      (2, 'CREATE MATERIALIZED VIEW up_x AS SELECT k, window_start, count(*) FROM SESSION(up_s, ts, INTERVAL ''1 second'') GROUP BY k, window_start'),
	      (3, 'CREATE MATERIALIZED VIEW up_c AS SELECT k, count(*) FROM up_s GROUP BY k EMIT CHANGES'),
	      (4, 'CREATE STREAM up_i (k int8, ts timestamptz, WATERMARK FOR ts AS ts) WITH (idle_timeout = ''5s'')')) AS t(n, q)" 2>&1)
	is "$w: HOP, SESSION, EMIT CHANGES and idle_timeout need the update (55000)" "$got" "55000 55000 55000 55000"
	# walk the chain from $w, one ALTER EXTENSION UPDATE TO per step
	steps_ok=1
	started=0
	for v in "${chain[@]}"; do
		if [ "$v" = "$w" ]; then
			started=1
			continue
		fi
		[ "$started" -eq 1 ] || continue
		if ! "${PSQL[@]}" -d "$db" -c "ALTER EXTENSION laminar UPDATE TO '$v'" >>"$log" 2>&1; then
			steps_ok=0
			break
		fi
	done
	if [ "$steps_ok" -eq 1 ]; then
		ok "$w: ALTER EXTENSION laminar UPDATE step by step to $default"
	else
		not_ok "$w: ALTER EXTENSION laminar UPDATE step by step to $default" "$(tail -n 20 "$log")"
	fi
	v=$("${PSQL[@]}" -At -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'laminar'")
	is "$w: the walk ends at $default" "$v" "$default"

	"${PSQL[@]}" -d "$db" -f "$ROOT/test/upgrade/describe.sql" >"$OUT/$db.txt" 2>&1
	if [ -s "$OUT/fresh.txt" ] && diff -u "$OUT/fresh.txt" "$OUT/$db.txt" >"$OUT/$db.diff"; then
		ok "$w: upgraded objects equal a fresh install ($(wc -l <"$OUT/fresh.txt") lines described)"
	else
		not_ok "$w: upgraded objects equal a fresh install" "$(head -n 60 "$OUT/$db.diff")"
	fi

	# the views made at the old version keep their rows and read their stream on port 0
	got=$("${PSQL[@]}" -At -d "$db" -c "SELECT string_agg(v.view::text || ' ' || v.kind || ' ' || i.port || ' ' || i.stream::text, ', ' ORDER BY v.id) FROM laminar._views v JOIN laminar._view_inputs i ON i.view_id = v.id" 2>&1)
	is "$w: the upgrade gives every view its input" "$got" "up_v aggregate 0 up_s, up_w window 0 up_s"
	# 0.3.0: a windowed view of an older version is a TUMBLE
	got=$("${PSQL[@]}" -At -d "$db" -c "SELECT string_agg(v.view::text || ' ' || coalesce(v.window_kind, '-'), ', ' ORDER BY v.id) FROM laminar._views v" 2>&1)
	is "$w: the upgrade makes every windowed view a TUMBLE" "$got" "up_v -, up_w tumble"
	err=$("${PSQL[@]}" -At -d "$db" -c "SET client_min_messages = warning" -c "SELECT laminar.execute('DROP STREAM up_s CASCADE')" \
		-c "SELECT count(*) FROM laminar._views" -c "SELECT count(*) FROM laminar._view_inputs" 2>&1 | tr '\n' ' ')
	is "$w: dropping the stream removes the views and their inputs" "$err" "DROP STREAM 0 0 "
done

for db in "${dbs[@]}"; do
	"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
done
[ "$FAILED" -eq 0 ]
