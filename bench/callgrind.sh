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
