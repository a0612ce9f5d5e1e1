#!/usr/bin/env bash
# Laminar demo (what `make demo` runs): a throwaway cluster, the README's
# windowed view over a bid stream, a minute of generated events plus a few
# rows loaded with COPY, and the results.
#
#   LAMINAR_SKIP_BUILD=1   use the installed laminar.so, do not build
#   LAMINAR_DEMO_DIR       cluster directory (default /tmp/laminar-demo)
#   LAMINAR_DEMO_PORT      port (default 55450)
#   LAMINAR_DEMO_KEEP=1    leave the cluster running at the end
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

PGBIN=/usr/lib/postgresql/15/bin
PG_CONFIG=$PGBIN/pg_config
export PGBIN
DEMO_DIR=${LAMINAR_DEMO_DIR:-/tmp/laminar-demo}
DEMO_PORT=${LAMINAR_DEMO_PORT:-55450}

heading() {
	echo
	echo "=== $* ==="
}

heading "Dependencies"
bash "$ROOT/test/deps.sh"
echo "ok"

if [ "${LAMINAR_SKIP_BUILD:-0}" = 1 ]; then
	heading "Build: skipped (LAMINAR_SKIP_BUILD=1)"
else
	heading "Build and install"
	# shellcheck source=test/cluster.sh
	source "$ROOT/test/cluster.sh"
	lm_build_install "$ROOT"
	echo "ok"
fi

# shellcheck source=test/cluster.sh
source "$ROOT/test/cluster.sh"

heading "Cluster: $DEMO_DIR, port $DEMO_PORT, laminar.workers = 2"
lm_cluster_start "$DEMO_DIR" "$DEMO_PORT" "laminar.workers = 2"
if [ "${LAMINAR_DEMO_KEEP:-0}" != 1 ]; then
	trap 'lm_cluster_stop "$DEMO_DIR"' EXIT
fi

on_error() {
	echo "demo: a step failed" >&2
	lm_log_tail "$DEMO_DIR"
}
trap on_error ERR

psql_demo() {
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -P pager=off -d laminar_regress "$@"
}

psql_demo <<'SQL'
\echo
\echo '=== CREATE EXTENSION laminar ==='
CREATE EXTENSION laminar;

\echo
\echo '=== A stream of bids and a 10-second tumbling-window view over it ==='
SELECT laminar.execute($$
  CREATE STREAM bids (auction int8, bidder int8, price int8, channel text, ts timestamptz,
                      WATERMARK FOR ts AS ts - INTERVAL '2 seconds');
  CREATE MATERIALIZED VIEW bid_stats AS
    SELECT auction, window_start, window_end,
           count(*) AS bids, sum(price) AS volume, min(price) AS low, max(price) AS high, avg(price) AS avg_price
    FROM TUMBLE(bids, ts, INTERVAL '10 seconds')
    WHERE price > 0
    GROUP BY auction, window_start, window_end
    EMIT ON WINDOW CLOSE;
$$) AS "laminar.execute";

\echo
\echo '=== INSERT: 60 seconds of event time, 5 auctions, one bid every 50 ms (1200 events) ==='
\echo '    (every 40th bid has price 0 and is filtered out by WHERE price > 0)'
INSERT INTO bids (auction, bidder, price, channel, ts)
SELECT 1 + i % 5,
       1000 + (i * 7919) % 97,
       CASE WHEN i % 40 = 0 THEN 0 ELSE 100 + (i * 37) % 400 END,
       (ARRAY['web', 'app', 'api'])[1 + i % 3],
       timestamptz '2025-01-01 12:00:00+00' + i * interval '50 milliseconds'
  FROM generate_series(0, 1199) AS i;

\echo
\echo '=== COPY: a few more bids as CSV; they move the watermark past 12:01:00, which closes'
\echo '    the last window; the one at 12:00:05 arrives late (its window has already closed) ==='
COPY bids (auction, bidder, price, channel, ts) FROM STDIN WITH (FORMAT csv);
1,2001,450,web,2025-01-01 12:01:02+00
2,2002,0,app,2025-01-01 12:01:03+00
3,2003,480,api,2025-01-01 12:01:04+00
4,2004,999,web,2025-01-01 12:00:05+00
5,2005,470,app,2025-01-01 12:01:05+00
\.

\echo
\echo '=== SELECT laminar.flush() ==='
SELECT laminar.flush();

\echo
\echo '=== SELECT * FROM bid_stats ORDER BY window_start, auction ==='
\echo '    (six closed windows x five auctions; the window starting 12:01:00 is still open)'
SELECT auction, window_start, window_end, bids, volume, low, high, round(avg_price::numeric, 2) AS avg_price
  FROM bid_stats ORDER BY window_start, auction;

\echo
\echo '=== laminar.streams ==='
SELECT * FROM laminar.streams;

\echo
\echo '=== laminar.views ==='
\x on
SELECT * FROM laminar.views;
\x off

\echo
\echo '=== SELECT * FROM laminar.explain(''bid_stats'') ==='
\echo '    (the operator graph of the view: rows in and out, state held, over both workers)'
SELECT * FROM laminar.explain('bid_stats');

\echo
\echo '=== laminar.workers ==='
SELECT * FROM laminar.workers ORDER BY worker_id;
SQL

trap - ERR
heading "Done"
if [ "${LAMINAR_DEMO_KEEP:-0}" = 1 ]; then
	echo "cluster left running: PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER psql laminar_regress"
	echo "stop it with: bash -c 'source test/cluster.sh; lm_cluster_stop $DEMO_DIR'"
else
	echo "stopping the demo cluster"
fi
