#!/usr/bin/env bash
# bench/check.sh - cheap checks of the benchmark scripts, run by `make test`
# (test/run.sh, with the format suite); never runs a benchmark.
#
#   - every shell script under bench/ parses (bash -n);
#   - when gnuplot is installed, bench/rates.gp and bench/latency.gp draw
#     PNGs from each committed results directory (bench/results and
#     bench/results/*/) that holds their data, into a scratch directory.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for f in "$HERE"/*.sh; do
	bash -n "$f"
done
echo "ok: bash -n bench/*.sh"
if ! command -v gnuplot >/dev/null; then
	echo "(gnuplot not installed: plot scripts not checked; bash test/deps.sh bench installs it)"
	exit 0
fi
tmp=$(mktemp -d /tmp/laminar-bench-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0
for d in "$HERE/results" "$HERE"/results/*/; do
	d=${d%/}
	[ -f "$d/rates.tsv" ] || continue
	rm -f "$tmp"/*
	cp "$d/rates.tsv" "$tmp/"
	gnuplot -e "outdir='$tmp'" "$HERE/rates.gp"
	[ -s "$tmp/rates.png" ] || { echo "rates.gp drew nothing from $d" >&2; exit 1; }
	if [ -f "$d/latency.tsv" ]; then
		cp "$d/latency.tsv" "$tmp/"
		gnuplot -e "outdir='$tmp'" "$HERE/latency.gp"
		[ -s "$tmp/latency.png" ] || { echo "latency.gp drew nothing from $d" >&2; exit 1; }
	fi
	n=$((n + 1))
done
echo "ok: gnuplot drew the figures of $n committed result sets"
