#!/usr/bin/env bash
# Bounded memory: a long stream over a bounded key set keeps the stream
# workers' anonymous memory flat.  Views over TUMBLE and HOP windows (ON
# UPDATE, ON WINDOW CLOSE, a DISTINCT aggregate that retains its input)
# receive rounds of events whose time keeps moving forward, so windows keep
# closing and their state must be freed.  RssAnon of every stream worker
# (/proc/PID/status) after the warm-up rounds is compared with the same
# after the last round, and laminar.workers.groups_held must stay bounded.
# Runs in database laminar_regress of the running test cluster; prints TAP.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../tap.sh
source "$ROOT/test/tap.sh"
: "${PGBIN:=/usr/lib/postgresql/15/bin}"
PSQL=("$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d laminar_regress)
ROUNDS=${MEM_ROUNDS:-30}
WARM=${MEM_WARM:-8}
PER_ROUND=${MEM_PER_ROUND:-20000}
KEYS=500

# rss: the summed RssAnon (kB) of the running stream workers
rss() {
	local total=0 pid kb
	for pid in $("${PSQL[@]}" -c "SELECT pid FROM laminar.workers WHERE pid IS NOT NULL"); do
		kb=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		total=$((total + ${kb:-0}))
	done
	echo "$total"
}

echo "1..5"
if "${PSQL[@]}" >/dev/null 2>&1 <<'SQL'; then
SET client_min_messages = warning;
SELECT laminar.execute('DROP STREAM IF EXISTS mem_s CASCADE');
SELECT laminar.execute($$
  CREATE STREAM mem_s (k int, v float8, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
  CREATE MATERIALIZED VIEW mem_upd AS
    SELECT k, window_start, count(*) AS n, sum(v) AS s, avg(v) AS a
    FROM TUMBLE(mem_s, ts, INTERVAL '2 seconds') GROUP BY k, window_start;
  CREATE MATERIALIZED VIEW mem_hop AS
    SELECT k, window_start, count(*) AS n, max(v) AS m
    FROM mem_s GROUP BY k, HOP(ts, INTERVAL '1 second', INTERVAL '3 seconds') EMIT ON WINDOW CLOSE;
  CREATE MATERIALIZED VIEW mem_dist AS
    SELECT k % 10 AS g, window_start, count(DISTINCT k) AS dk
    FROM mem_s GROUP BY k % 10, TUMBLE(ts, INTERVAL '2 seconds') EMIT FINAL
$$);
SQL
	ok "setup: stream mem_s, three windowed views"
else
	not_ok "setup: stream mem_s, three windowed views"
fi

# round R: PER_ROUND events over KEYS keys, 1 ms apart, after round R-1's
round() {
	"${PSQL[@]}" -c "INSERT INTO mem_s SELECT g % $KEYS, random(),
	    timestamptz '2026-01-01 00:00:00+00' + (($1 * $PER_ROUND) + g) * interval '1 ms'
	    FROM generate_series(1, $PER_ROUND) g" -c "SELECT laminar.flush('60s')" >/dev/null
}

for ((r = 0; r < WARM; r++)); do round "$r"; done
before=$(rss)
groups_before=$("${PSQL[@]}" -c "SELECT sum(groups_held) FROM laminar.workers")
for ((r = WARM; r < ROUNDS; r++)); do round "$r"; done
after=$(rss)
groups_after=$("${PSQL[@]}" -c "SELECT sum(groups_held) FROM laminar.workers")
events=$((ROUNDS * PER_ROUND))
echo "# $events events in $ROUNDS rounds; workers' RssAnon ${before} kB after $WARM rounds, ${after} kB after $ROUNDS; groups held $groups_before -> $groups_after"

# flat: at most 10 % (and 8 MB) above the warm level after 2.75 x the events
limit=$((before + before / 10 + 8192))
if [ "$before" -gt 0 ] && [ "$after" -le "$limit" ]; then
	ok "workers' anonymous memory stays flat ($before kB -> $after kB, limit $limit kB)"
else
	not_ok "workers' anonymous memory stays flat" "before: $before kB" "after: $after kB" "limit: $limit kB"
fi
# open windows only: a few windows x KEYS keys per view, whatever the events
bound=$((3 * 5 * KEYS + 100))
if [ -n "$groups_after" ] && [ "$groups_after" -le "$bound" ]; then
	ok "groups held stay bounded ($groups_after <= $bound)"
else
	not_ok "groups held stay bounded" "groups held: $groups_after" "bound: $bound"
fi
# the views still answer correctly: every closed window saw every key (2000
# events per 2 s TUMBLE window over 500 keys: 50 per k % 10; 3000 per 3 s
# HOP window: 6 per key, except the windows that began before or at the
# first event, at 1 ms)
got=$("${PSQL[@]}" -c "SELECT count(*) > 0 AND count(*) FILTER (WHERE dk <> 50) = 0 FROM mem_dist")
is "mem_dist: every final window counts 50 distinct keys per group" "$got" "t"
got=$("${PSQL[@]}" -c "SELECT count(*) > 0 AND count(*) FILTER (WHERE n <> 6) = 0 FROM mem_hop
                       WHERE window_start > '2026-01-01 00:00:00+00'")
is "mem_hop: every closed window holds 6 events per key" "$got" "t"
"${PSQL[@]}" -c "SET client_min_messages = warning" -c "SELECT laminar.execute('DROP STREAM mem_s CASCADE')" >/dev/null 2>&1
[ "$FAILED" -eq 0 ]
