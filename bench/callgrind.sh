#!/usr/bin/env bash
# bench/callgrind.sh - repeatable instruction counts for the ring code.
#
# This machine is noisy and has no hardware counters, so timings drift by
# ±15 % between runs; instruction counts under valgrind's callgrind do not.
# Runs bench/ring_bench --single (one thread, no waiting: half the records
# one at a time, half in batches of 64, every record verified) for N and 2N
# records and prints (Ir(2N) - Ir(N)) / N, i.e. instructions per record
# with start-up cost removed.  Compare the figure before and after a change
# to src/ring/ring.h.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
N=${1:-200000}
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
OUT=$(mktemp -d /tmp/laminar-callgrind.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
gcc -O2 -Wall -pthread -I"$($PG_CONFIG --includedir-server)" -I"$ROOT/src" \
	-o "$OUT/ring_bench" "$HERE/ring_bench.c"
ir() {
	valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$1" "$OUT/ring_bench" --single "$1" 2>&1 |
		awk '/I *refs:/ { gsub(",", "", $NF); print $NF }'
}
a=$(ir "$N")
b=$(ir "$((2 * N))")
awk -v a="$a" -v b="$b" -v n="$N" 'BEGIN {
	printf "ring (callgrind, one thread): %.1f instructions per record (Ir %d for %d records, %d for %d)\n",
		(b - a) / n, a, n, b, 2 * n }'

# ---------------------------------------------------------------------------
# The producer side: instructions per row of COPY, measured in a single-user
# backend (postgres --single: no workers, so the events stay in the rings,
# and nothing else runs) for the same generated rows into
#   an UNLOGGED table, a stream without views, a stream with one TUMBLE view.
# Needs the extension installed (make install).
# ---------------------------------------------------------------------------
PGBIN=$($PG_CONFIG --bindir)
CG=/tmp/laminar-callgrind-cluster
rm -rf "$CG"
mkdir -p "$CG/sock"
chown -R postgres "$CG"
as_pg() { runuser -u postgres -- "$@"; }
as_pg "$PGBIN/initdb" -D "$CG/data" --auth=trust -U postgres >/dev/null
cat >> "$CG/data/postgresql.conf" <<EOC
port = 55470
listen_addresses = ''
unix_socket_directories = '$CG/sock'
shared_preload_libraries = 'laminar'
laminar.database = 'cg'
laminar.workers = 2
EOC
as_pg "$PGBIN/pg_ctl" -D "$CG/data" -l "$CG/log" -w start >/dev/null
psql_cg() { "$PGBIN/psql" -X -q -h "$CG/sock" -p 55470 -U postgres "$@"; }
psql_cg -d postgres -c "CREATE DATABASE cg"
psql_cg -d cg -c "CREATE EXTENSION laminar" \
	-c "SELECT laminar.execute(\$\$ CREATE STREAM ev (k int8, v float8, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
	      CREATE MATERIALIZED VIEW ev_stats AS SELECT k, window_start, window_end, count(*) AS n, sum(v) AS total, avg(v) AS mean
	        FROM TUMBLE(ev, ts, INTERVAL '10 seconds') GROUP BY k, window_start, window_end;
	      CREATE STREAM ev0 (k int8, v float8, ts timestamptz) \$\$)" \
	-c "CREATE UNLOGGED TABLE ua (k int8, v float8, ts timestamptz)" >/dev/null
for rows in 2000 4000; do
	psql_cg -d cg -c "COPY (SELECT (g * 7919 % 10000)::int8, g * 0.5, '2026-01-01'::timestamptz + g * interval '100 us'
	                        FROM generate_series(1, $rows) g) TO '$CG/ev$rows.csv' (FORMAT csv)"
done
as_pg "$PGBIN/pg_ctl" -D "$CG/data" -w stop -m fast >/dev/null
single_ir() {
	echo "COPY $1 FROM '$CG/ev$2.csv' (FORMAT csv)" |
		as_pg valgrind --tool=callgrind --callgrind-out-file="$CG/cg.$1.$2" \
			"$PGBIN/postgres" --single -D "$CG/data" cg 2>&1 |
		awk '/I *refs:/ { gsub(",", "", $NF); print $NF }'
}
for t in ua ev0 ev; do
	a=$(single_ir "$t" 2000)
	b=$(single_ir "$t" 4000)
	case $t in
		ua) what="UNLOGGED table" ;;
		ev0) what="stream, no view" ;;
		ev) what="stream + TUMBLE view (producer side only)" ;;
	esac
	awk -v a="$a" -v b="$b" -v w="$what" 'BEGIN { printf "COPY into %-42s %6.0f instructions per row\n", w ":", (b - a) / 2000 }'
done
rm -rf "$CG"
