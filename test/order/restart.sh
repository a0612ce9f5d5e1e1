#!/usr/bin/env bash
# Restart test (issue 9, item 15): a clean restart of the whole server keeps
# each windowed view's horizon and its stream's watermark (laminar._horizons,
# written in the same transaction as the rows of the windows closed):
#   - an ON WINDOW CLOSE view never writes a window a second time, and an
#     ON UPDATE view never reopens a closed window: an event for one is late;
#   - the window open at shutdown lost its events (in-memory state) and
#     counts the events committed after the restart;
#   - a stream's watermark goes on from where it was.
# Restarts the cluster in LAMINAR_CLUSTER_DIR (test/cluster.sh's
# lm_cluster_restart).  Prints TAP.  Uses PGHOST/PGPORT/PGUSER, database
# laminar_regress.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DB=${LAMINAR_DB:-laminar_regress}
DIR=${LAMINAR_CLUSTER_DIR:-}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export PGTZ=UTC PGDATABASE=$DB PGBIN
# shellcheck source=test/cluster.sh
source "$HERE/../cluster.sh"

psql_cmd() { "$PGBIN/psql" -X -q -At -F ' ' -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

PLAN=9
# shellcheck source=test/tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
skip_rest() {
	while [ "$N" -lt "$PLAN" ]; do not_ok "$1"; done
	exit 0
}

# wait_workers N: until N laminar workers run
wait_workers() {
	local i n
	for ((i = 0; i < 100; i++)); do
		n=$(psql_cmd -c "SELECT count(*) FROM laminar.workers WHERE pid IS NOT NULL" 2>/dev/null)
		[ -n "$n" ] && [ "$n" -ge "$1" ] && return 0
		sleep 0.2
	done
	return 1
}

cleanup() {
	psql_cmd -c "SELECT laminar.execute('DROP STREAM IF EXISTS rst CASCADE')" >/dev/null 2>&1
}

echo "1..$PLAN"
if [ -z "$DIR" ] || [ ! -d "$DIR/data" ]; then
	skip_rest "LAMINAR_CLUSTER_DIR does not name a test cluster"
fi
cleanup
if out=$(psql_cmd 2>&1 <<-'SQL'
	CREATE EXTENSION IF NOT EXISTS laminar;
	SELECT laminar.execute($$
	  CREATE STREAM rst (k int4, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
	  CREATE MATERIALIZED VIEW rst_close AS
	    SELECT window_start, count(*) AS n FROM TUMBLE(rst, ts, INTERVAL '10 seconds')
	    GROUP BY window_start EMIT ON WINDOW CLOSE;
	  CREATE MATERIALIZED VIEW rst_upd AS
	    SELECT k, window_start, count(*) AS n FROM TUMBLE(rst, ts, INTERVAL '10 seconds')
	    GROUP BY k, window_start;
	$$);
	INSERT INTO rst VALUES (1, '2026-01-01 00:00:01+00'), (2, '2026-01-01 00:00:02+00');
	INSERT INTO rst VALUES (1, '2026-01-01 00:00:25+00');
	SELECT laminar.flush();
	SQL
); then
	ok "setup: two windowed views; [00:00, 00:10) closed, [00:20, 00:30) open"
else
	not_ok "setup" "$out"
	skip_rest "not run: setup failed"
fi
before=$(psql_cmd -c "SELECT string_agg(window_start::time || ' n=' || n, ', ' ORDER BY window_start) FROM rst_close")
is "before the restart: rst_close holds the closed window" "$before" "00:00:00 n=2"

workers=$(psql_cmd -c "SELECT count(*) FROM laminar.workers")
if lm_cluster_restart "$DIR" >/dev/null 2>&1 && wait_workers "$workers"; then
	ok "server restarted (fast shutdown), $workers workers running"
else
	not_ok "server restarted" "$(tail -n 5 "$DIR/log" 2>/dev/null)"
	skip_rest "not run: restart failed"
fi

if out=$(psql_cmd 2>&1 <<-'SQL'
	INSERT INTO rst VALUES (2, '2026-01-01 00:00:05+00'), (2, '2026-01-01 00:00:06+00');
	INSERT INTO rst VALUES (2, '2026-01-01 00:00:27+00');
	INSERT INTO rst VALUES (1, '2026-01-01 00:00:45+00');
	SELECT laminar.flush();
	SQL
); then
	ok "after the restart: two formerly late events, one in the open window, one that closes it"
else
	not_ok "events after the restart" "$out"
fi

have=$(psql_cmd -c "SELECT string_agg(window_start::time || ' n=' || n, ', ' ORDER BY window_start) FROM rst_close")
is "rst_close: [00:00, 00:10) written once; the open window counts what came after the restart" \
	"$have" "00:00:00 n=2, 00:00:20 n=1"
have=$(psql_cmd -c "SELECT string_agg(k || '@' || window_start::time || ' n=' || n, ', ' ORDER BY k, window_start) FROM rst_upd")
is "rst_upd: the closed window is not reopened" "$have" \
	"1@00:00:00 n=1, 1@00:00:20 n=1, 1@00:00:40 n=1, 2@00:00:00 n=1, 2@00:00:20 n=1"
have=$(psql_cmd -c "SELECT string_agg(late_events::text, ' ' ORDER BY view) FROM laminar.views WHERE view::text LIKE 'rst_%'")
is "the formerly late events are late in both views" "$have" "2 2"
have=$(psql_cmd -c "SELECT DISTINCT horizon::time || ' ' || watermark::time FROM laminar._horizons h JOIN laminar._views v ON v.id = h.view_id WHERE v.view = 'rst_close'::regclass")
is "saved horizon and watermark moved on" "$have" "00:00:40 00:00:44"
have=$(psql_cmd -c "SELECT count(*) FROM laminar.views WHERE view::text LIKE 'rst_%' AND last_error IS NOT NULL")
is "no view stopped" "$have" "0"

cleanup
exit 0
