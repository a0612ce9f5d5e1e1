#!/usr/bin/env bash
# bench/run.sh - Laminar benchmarks (what `make bench` runs).
#
# Starts a throwaway PostgreSQL 15 cluster in $BENCH_DIR (default
# /tmp/laminar-bench, port 55460, socket inside it) and measures, on the
# same 1M generated events sent as 100 server-side COPYs of 10k rows (one
# transaction each):
#   (a) UNLOGGED table, no index                      (ingest ceiling)
#   (b) Laminar stream + one tumbling-window view     (until laminar.flush returns)
#   (b2) the same view with EMIT ON WINDOW CLOSE      (rows written once per window)
#   (h) the same aggregates over HOP(2 s, 10 s) windows, EMIT ON WINDOW CLOSE
#       (each event in 5 windows), and (h2) the same with EMIT ON UPDATE
#   (s) the same aggregates over SESSION(ts, 2 s) per key, EMIT ON WINDOW CLOSE
#   (c) plain table + statement-level trigger rollup  (best hand-written rollup)
#   (d) plain table + row-level plpgsql trigger rollup
# and checks that (b)'s view equals (c)'s rollup.  Then:
#   (e) pgbench single-row INSERTs, 8 clients: stream vs plain logged table
#   (f) the ring microbenchmark (bench/ring_bench.c)
#   (g) commit-to-visible latency under a steady background insert load
#   (t) worker throughput: one INSERT ... SELECT of BENCH_TP_EVENTS events into
#       the stream with the same view, as events aggregated per worker
#       CPU-second (utime + stime of the stream workers, from /proc) and per
#       wall-clock second, with laminar.workers = 2 and = 1 (the cluster is
#       restarted for each setting, so this part runs last); the same INSERT
#       into an UNLOGGED table is the baseline
# and prints a summary block to paste into the README.  Results (summary.txt,
# summary.tsv, the plot data and the figures rates.png and latency.png,
# drawn with gnuplot) go to bench/results/; bench/README.md explains them.
#
# Environment:
#   LAMINAR_SKIP_BUILD=1   do not build+install the extension first
#   LAMINAR_SKIP_DEPS=1    do not run test/deps.sh
#   BENCH_PRELOAD          shared_preload_libraries (default 'laminar'); set it
#                          empty to run only the baselines (no extension needed)
#   BENCH_DIR, BENCH_PORT  cluster location (default /tmp/laminar-bench, 55460)
#   BENCH_PGBENCH_SECONDS  duration of each pgbench run in (e) (default 15)
#   BENCH_PGBENCH_MODE     pgbench query mode in (e) and (g) (default prepared)
#   BENCH_RING_EVENTS      events per ring mode (default 50000000)
#   BENCH_LAT_PROBES       probes in (g) (default 300)
#   BENCH_LAT_RATE         background insert rate in (g), rows/s (default 2000)
#   BENCH_REPEAT           rounds of (a)-(d), interleaved; the summary gives
#                          the median (default 3)
#   BENCH_SKIP             space-separated parts to skip, e.g. "d f"
#   BENCH_ONLY             space-separated parts to run, all others skipped;
#                          e.g. BENCH_ONLY=throughput make bench (parts: f a b
#                          b2 h h2 s c d verify_bc verify_cd e_table e_stream g
#                          throughput; "copy" means a b b2 h h2 s c d and the
#                          checks)
#   BENCH_RESULTS          where results and figures go (default bench/results
#                          for a full run; $BENCH_DIR/out when BENCH_ONLY or
#                          BENCH_SKIP is set, so a partial run never overwrites
#                          the committed figures)
#   BENCH_TP_EVENTS        events of the INSERT ... SELECT in (t) (default 4000000)
#   BENCH_TP_ROUNDS        rounds of (t) per setting, after one warm-up round
#                          that is not counted; median (default 3)
#   BENCH_TP_WORKERS       laminar.workers settings of (t), in order (default "2 1")
#   BENCH_PERF=1           (t) also samples the workers with perf (cpu-clock);
#                          BENCH_PERF_G=1 records call graphs too
#   BENCH_EXTRA_CONF       lines appended to the cluster's postgresql.conf
#                          over its counted rounds and prints the top symbols;
#                          perf.wN.data stays in $BENCH_DIR (costs a few %)
#
# Exit status is non-zero if any part failed or a verification did not match;
# every part still runs and the summary says which figure is missing.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PG_CONFIG=${PG_CONFIG:-$PGBIN/pg_config}
BENCH_DIR=${BENCH_DIR:-/tmp/laminar-bench}
PORT=${BENCH_PORT:-55460}
PRELOAD=${BENCH_PRELOAD-laminar}
PGB_SECONDS=${BENCH_PGBENCH_SECONDS:-15}
PGB_MODE=${BENCH_PGBENCH_MODE:-prepared}
PGB_CLIENTS=8
RING_EVENTS=${BENCH_RING_EVENTS:-50000000}
LAT_PROBES=${BENCH_LAT_PROBES:-300}
LAT_RATE=${BENCH_LAT_RATE:-2000}
SKIP=" ${BENCH_SKIP:-} "
ONLY=" ${BENCH_ONLY:-} "
ONLY=${ONLY// copy / a b b2 h h2 s c d verify_bc verify_cd }
TP_EVENTS=${BENCH_TP_EVENTS:-4000000}
TP_ROUNDS=${BENCH_TP_ROUNDS:-3}
TP_WORKERS=${BENCH_TP_WORKERS:-2 1}
TP_TARGET=3000000
TP_PERF=${BENCH_PERF:-0}
REPEAT=${BENCH_REPEAT:-3}
ROUND=1

NFILES=100
ROWS_PER_FILE=10000
NROWS=$((NFILES * ROWS_PER_FILE))
NKEYS=10000

PGDATA="$BENCH_DIR/pgdata"
DATA="$BENCH_DIR/data"
SQLDIR="$BENCH_DIR/sql"
RES="$BENCH_DIR/results"
if [ -n "${BENCH_RESULTS:-}" ]; then
	OUT=$BENCH_RESULTS
elif [ -z "${ONLY// /}" ] && [ -z "${SKIP// /}" ]; then
	OUT=$HERE/results
else
	OUT=$BENCH_DIR/out
fi
LOG="$BENCH_DIR/postgres.log"

case "$BENCH_DIR" in
	/tmp/?*) ;;
	*) echo "bench: BENCH_DIR must be under /tmp (it is wiped): $BENCH_DIR" >&2; exit 2 ;;
esac

say() { printf '%s\n' "$*"; }
hdr() { printf '\n=== %s ===\n' "$*"; }
warn() { printf 'bench: %s\n' "$*" >&2; }

# run a command as the postgres OS user (postgres refuses to run as root)
as_pg() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

psql_() { as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$BENCH_DIR" -p "$PORT" -U postgres "$@"; }
# q SQL: one statement in database bench, unaligned tuples-only output
q() { psql_ -d bench -At -c "$1"; }

now() { date +%s.%N; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
# fdiv A B [FMT]: A / B, or n/a
fdiv() {
	awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN {
		if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a";
		else printf f "\n", a / b }'
}

# results: one file per figure so that parts can run in subshells
res() { printf '%s\n' "$2" > "$RES/$1"; }
get() { if [ -s "$RES/$1" ]; then cat "$RES/$1"; else echo "n/a"; fi; }

# wanted NAME: is part NAME to run (BENCH_ONLY, BENCH_SKIP)?
wanted() {
	case "$SKIP" in *" $1 "*) return 1 ;; esac
	[ -z "${ONLY// /}" ] && return 0
	case "$1" in
		verify_bc) wanted b && wanted c ;;
		verify_cd) wanted c && wanted d ;;
		plots) return 0 ;;
		*) [[ "$ONLY" == *" $1 "* ]] ;;
	esac
}

FAILED=()
# part NAME FUNCTION: run a part in a subshell with errexit active; record
# a failure without stopping the other parts
part() {
	local name=$1 fn=$2 rc
	case "$SKIP" in *" $name "*) say "(part $name skipped by BENCH_SKIP)"; res "skip_$name" 1; return 0 ;; esac
	wanted "$name" || { res "skip_$name" 1; return 0; }
	set +e
	( set -euo pipefail; "$fn" ) 2>&1
	rc=$?
	set -e
	if [ $rc -ne 0 ]; then
		warn "part ($name) FAILED (exit $rc)"
		FAILED+=("$name")
	fi
	return 0
}

laminar_on() { [[ ",${PRELOAD// /}," == *",laminar,"* ]]; }

BG_PID=
CLUSTER_UP=0
cleanup() {
	local rc=$?
	if [ -n "$BG_PID" ]; then
		kill -TERM -- "-$BG_PID" 2>/dev/null || true
		wait "$BG_PID" 2>/dev/null || true
	fi
	if [ "$CLUSTER_UP" = 1 ]; then
		as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 ||
			as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
		say "(cluster stopped; log in $LOG)"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
# packages and extension
# ---------------------------------------------------------------------------
if [ "${LAMINAR_SKIP_DEPS:-0}" != 1 ] && [ -f "$ROOT/test/deps.sh" ]; then
	bash "$ROOT/test/deps.sh" bench
fi
if [ "${LAMINAR_SKIP_BUILD:-0}" != 1 ] && laminar_on; then
	say "building and installing the extension (LAMINAR_SKIP_BUILD=1 skips this)"
	make -s -C "$ROOT" install PG_CONFIG="$PG_CONFIG"
fi
if laminar_on && [ ! -f "$($PG_CONFIG --pkglibdir)/laminar.so" ]; then
	warn "$($PG_CONFIG --pkglibdir)/laminar.so is not installed; set BENCH_PRELOAD= to run only the baselines"
	exit 1
fi

# ---------------------------------------------------------------------------
# throwaway cluster
# ---------------------------------------------------------------------------
if [ -f "$PGDATA/postmaster.pid" ]; then
	as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
fi
rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR" "$DATA" "$SQLDIR" "$RES" "$OUT"
chmod 755 "$BENCH_DIR" "$SQLDIR"
chmod 777 "$RES"
if [ "$(id -u)" = 0 ]; then chown postgres: "$BENCH_DIR" "$DATA"; fi
cd "$BENCH_DIR"

START_TIME=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
T_BEGIN=$(now)

hdr "cluster"
as_pg "$PGBIN/initdb" -D "$PGDATA" --auth=trust -U postgres -E UTF8 --locale=C >/dev/null
cat >> "$PGDATA/postgresql.conf" <<EOF

# --- laminar bench ---
listen_addresses = ''
port = $PORT
unix_socket_directories = '$BENCH_DIR'
shared_preload_libraries = '$PRELOAD'
laminar.database = 'bench'
max_worker_processes = 16
shared_buffers = 1GB
synchronous_commit = off
max_wal_size = 4GB
checkpoint_timeout = 30min
timezone = 'UTC'
log_timezone = 'UTC'
${BENCH_EXTRA_CONF:-}
EOF
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$LOG" -w -t 60 start >/dev/null
CLUSTER_UP=1
psql_ -d postgres -c "CREATE DATABASE bench"
LAMINAR=0
LAMINAR_INFO=
if laminar_on; then
	q "CREATE EXTENSION laminar"
	LAMINAR=1
	LAMINAR_INFO="laminar $(q "SELECT extversion FROM pg_extension WHERE extname = 'laminar'"):"
	LAMINAR_INFO+=" workers=$(q 'SHOW laminar.workers'), cpu_pinning=$(q 'SHOW laminar.cpu_pinning'),"
	LAMINAR_INFO+=" ring_size=$(q 'SHOW laminar.ring_size'), flush_interval=$(q 'SHOW laminar.flush_interval')"
	say "extension: $LAMINAR_INFO"
else
	say "extension: not loaded (BENCH_PRELOAD='$PRELOAD'): Laminar parts are skipped"
fi
PGVERSION=$(q "SHOW server_version")
say "PostgreSQL $PGVERSION, shared_preload_libraries='$PRELOAD'"
say "synchronous_commit = $(q 'SHOW synchronous_commit') for every variant; fsync = $(q 'SHOW fsync');" \
	"shared_buffers = $(q 'SHOW shared_buffers'); max_wal_size = $(q 'SHOW max_wal_size')"

# ---------------------------------------------------------------------------
# generated events: 1M rows, 100 CSV files of 10k rows
# ---------------------------------------------------------------------------
copy_wanted() { wanted a || wanted b || wanted b2 || wanted h || wanted h2 || wanted s || wanted c || wanted d; }
if copy_wanted; then
	hdr "data"
	T0=$(now)
	psql_ -d bench <<EOF
SELECT setseed(0.4242) \g /dev/null
CREATE UNLOGGED TABLE gen AS
SELECT i,
       (1 + floor(random() * $NKEYS))::int8 AS k,
       random() * 100 AS v,
       timestamptz '2026-01-01 00:00:00+00' + i * interval '100 microseconds' AS ts
FROM generate_series(0, $NROWS - 1) AS i;
DO \$\$
BEGIN
  FOR f IN 0 .. $NFILES - 1 LOOP
    EXECUTE format(
      'COPY (SELECT k, v, ts FROM gen WHERE i >= %s AND i < %s ORDER BY i) TO %L (FORMAT csv)',
      f * $ROWS_PER_FILE, (f + 1) * $ROWS_PER_FILE,
      '$DATA/' || 'ev_' || lpad(f::text, 3, '0') || '.csv');
  END LOOP;
END
\$\$;
DROP TABLE gen;
EOF
	say "$NROWS events ($NKEYS keys, 100 µs apart from 2026-01-01) in $NFILES CSV files of $ROWS_PER_FILE rows" \
		"($(du -sh "$DATA" | cut -f1)) in $(fsub "$(now)" "$T0") s"
fi

# copy_script TABLE: 100 server-side COPYs, autocommit (one transaction each)
copy_script() {
	local f i
	f="$SQLDIR/copy_$1.sql"
	: > "$f"
	for ((i = 0; i < NFILES; i++)); do
		printf "COPY %s (k, v, ts) FROM '%s/ev_%03d.csv' (FORMAT csv);\n" "$1" "$DATA" "$i" >> "$f"
	done
	echo "$f"
}

# ingest NAME TABLE [EXTRA_SQL_FILE]: time the 100 COPYs (plus the extra
# file, e.g. the flush), store the seconds of this round
ingest() {
	local name=$1 table=$2 extra=${3:-} script t0 t1 secs rps
	script=$(copy_script "$table")
	q "CHECKPOINT" >/dev/null
	t0=$(now)
	if [ -n "$extra" ]; then
		psql_ -d bench -f "$script" -f "$extra" >/dev/null
	else
		psql_ -d bench -f "$script" >/dev/null
	fi
	t1=$(now)
	secs=$(fsub "$t1" "$t0")
	rps=$(awk -v n="$NROWS" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
	res "secs_${name}_$ROUND" "$secs"
	say "($name) $NROWS rows in $secs s = $rps rows/s"
}

# summarize_ingest NAME: median seconds over the rounds -> secs_NAME, rps_NAME
summarize_ingest() {
	local name=$1 r vals="" med
	for ((r = 1; r <= REPEAT; r++)); do
		if [ -s "$RES/secs_${name}_$r" ]; then vals+="$(cat "$RES/secs_${name}_$r") "; fi
	done
	if [ -z "$vals" ]; then return 0; fi
	med=$(printf '%s\n' $vals | sort -g | awk '{ a[NR] = $1 }
		END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
	res "secs_$name" "$med"
	res "rps_$name" "$(awk -v n="$NROWS" -v s="$med" 'BEGIN { printf "%.0f", n / s }')"
	res "all_$name" "${vals% }"
}

STREAM_DDL="CREATE STREAM ev (k int8, v float8, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
 CREATE MATERIALIZED VIEW ev_stats AS
   SELECT k, window_start, window_end, count(*) AS n, sum(v) AS total, avg(v) AS mean
   FROM TUMBLE(ev, ts, INTERVAL '10 seconds')
   GROUP BY k, window_start, window_end"

# the same view over HOP windows: each event in size / slide = 5 of them
HOP_DDL="CREATE STREAM ev (k int8, v float8, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
 CREATE MATERIALIZED VIEW ev_stats AS
   SELECT k, window_start, window_end, count(*) AS n, sum(v) AS total, avg(v) AS mean
   FROM HOP(ev, ts, INTERVAL '2 seconds', INTERVAL '10 seconds')
   GROUP BY k, window_start, window_end"

# the same aggregates per key over sessions with a 2 s gap (a key's events
# come about 1 s apart: sessions grow through the whole run)
SESSION_DDL="CREATE STREAM ev (k int8, v float8, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '1 second');
 CREATE MATERIALIZED VIEW ev_stats AS
   SELECT k, window_start, window_end, count(*) AS n, sum(v) AS total, avg(v) AS mean
   FROM SESSION(ev, ts, INTERVAL '2 seconds')
   GROUP BY k, window_start, window_end"

# ---------------------------------------------------------------------------
# (a) unlogged table
# ---------------------------------------------------------------------------
part_a() {
	hdr "(a) UNLOGGED table, no index [round $ROUND/$REPEAT]"
	psql_ -d bench -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS ev_a" \
		-c "CREATE UNLOGGED TABLE ev_a (k int8, v float8, ts timestamptz)"
	ingest a ev_a
	local n
	n=$(q "SELECT count(*) FROM ev_a")
	[ "$n" = "$NROWS" ] || { warn "(a) holds $n rows, expected $NROWS"; return 1; }
	q "DROP TABLE ev_a"
}

# ---------------------------------------------------------------------------
# (b) Laminar stream + tumbling-window view
# ---------------------------------------------------------------------------
part_b() { run_stream_view b "TUMBLE 10 s, EMIT ON UPDATE" ""; }

# run_stream_view NAME LABEL EMIT_CLAUSE [DDL]: ingest into the stream with
# ev_stats attached until laminar.flush() returns
run_stream_view() {
	local name=$1 label=$2 clause=$3 ddl=${4:-$STREAM_DDL}
	hdr "($name) Laminar stream -> ev_stats ($label), until laminar.flush('10min') returns [round $ROUND/$REPEAT]"
	recreate_stream "$clause" "$ddl"
	echo "SELECT laminar.flush('10min');" > "$SQLDIR/flush.sql"
	ingest "$name" ev "$SQLDIR/flush.sql"
	if [ "$name" = b ] && [ "$ROUND" = "$REPEAT" ]; then
		psql_ -d bench -c "SELECT view, events_in, late_events, null_time_events, watermark, last_error FROM laminar.views" || true
		psql_ -d bench -c "SELECT stream, events_in, watermark FROM laminar.streams" || true
	fi
	say "ev_stats: $(q "SELECT count(*) || ' rows, ' || sum(n) || ' events, ' || count(DISTINCT window_start) || ' windows' FROM ev_stats")"
}

# ---------------------------------------------------------------------------
# (c) statement-level trigger rollup, (d) row-level trigger rollup
# ---------------------------------------------------------------------------
part_c() {
	hdr "(c) plain table + statement-level AFTER INSERT trigger (transition table) upserting a rollup [round $ROUND/$REPEAT]"
	psql_ -d bench <<'EOF'
SET client_min_messages = warning;
DROP TABLE IF EXISTS ev_c, rollup_c;
CREATE TABLE ev_c (k int8, v float8, ts timestamptz);
CREATE TABLE rollup_c (k int8, window_start timestamptz, n int8 NOT NULL, total float8 NOT NULL,
                       PRIMARY KEY (k, window_start));
CREATE OR REPLACE FUNCTION rollup_c_stmt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO rollup_c AS r (k, window_start, n, total)
  SELECT k, date_bin('10 seconds', ts, timestamptz '1970-01-01 00:00:00+00'), count(*), sum(v)
  FROM new_rows GROUP BY 1, 2
  ON CONFLICT (k, window_start) DO UPDATE SET n = r.n + excluded.n, total = r.total + excluded.total;
  RETURN NULL;
END $$;
CREATE TRIGGER ev_c_rollup AFTER INSERT ON ev_c REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rollup_c_stmt();
EOF
	ingest c ev_c
	say "rollup_c: $(q "SELECT count(*) || ' rows, ' || sum(n) || ' events, ' || count(DISTINCT window_start) || ' windows' FROM rollup_c")"
}

part_d() {
	hdr "(d) plain table + row-level AFTER INSERT trigger (plpgsql upsert per row) [round $ROUND/$REPEAT]"
	psql_ -d bench <<'EOF'
SET client_min_messages = warning;
DROP TABLE IF EXISTS ev_d, rollup_d;
CREATE TABLE ev_d (k int8, v float8, ts timestamptz);
CREATE TABLE rollup_d (k int8, window_start timestamptz, n int8 NOT NULL, total float8 NOT NULL,
                       PRIMARY KEY (k, window_start));
CREATE OR REPLACE FUNCTION rollup_d_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO rollup_d AS r (k, window_start, n, total)
  VALUES (NEW.k, date_bin('10 seconds', NEW.ts, timestamptz '1970-01-01 00:00:00+00'), 1, NEW.v)
  ON CONFLICT (k, window_start) DO UPDATE SET n = r.n + 1, total = r.total + excluded.total;
  RETURN NULL;
END $$;
CREATE TRIGGER ev_d_rollup AFTER INSERT ON ev_d
  FOR EACH ROW EXECUTE FUNCTION rollup_d_row();
EOF
	ingest d ev_d
	say "rollup_d: $(q "SELECT count(*) || ' rows, ' || sum(n) || ' events' FROM rollup_d")"
}

# compare_rollups NAME LEFT_QUERY RIGHT_QUERY: (k, window_start, n, total) sets
# must match (n exactly, total within 1e-9 relative)
compare_rollups() {
	local name=$1 l=$2 r=$3 out
	out=$(q "WITH l AS ($l), r AS ($r)
	  SELECT (SELECT count(*) FROM l) || ' ' || (SELECT count(*) FROM r) || ' ' ||
	         count(*) FILTER (WHERE l.k IS NULL OR r.k IS NULL OR l.n <> r.n
	                          OR abs(l.total - r.total) > 1e-9 * greatest(1, abs(r.total)))
	  FROM l FULL JOIN r ON l.k = r.k AND l.window_start = r.window_start")
	set -- $out
	if [ "$3" = 0 ] && [ "$1" = "$2" ] && [ "$1" != 0 ]; then
		res "match_$name" "yes ($1 groups)"
		say "verify $name: MATCH ($1 groups; counts exact, sums within 1e-9 relative)"
	else
		res "match_$name" "NO ($1 vs $2 groups, $3 differ)"
		say "verify $name: MISMATCH ($1 vs $2 groups, $3 groups differ)"
		return 1
	fi
}

part_verify_bc() {
	hdr "verify (b) ev_stats = (c) rollup_c"
	compare_rollups b_vs_c \
		"SELECT k, window_start::timestamptz AS window_start, n::int8 AS n, total::float8 AS total FROM ev_stats" \
		"SELECT k, window_start, n, total FROM rollup_c"
	# the other columns of the view must be consistent too
	local bad
	bad=$(q "SELECT count(*) FROM ev_stats
	         WHERE window_end::timestamptz <> window_start::timestamptz + interval '10 seconds'
	            OR abs(mean - total / n) > 1e-9 * greatest(1, abs(mean))")
	say "ev_stats rows with window_end <> window_start + 10 s or mean <> total/n: $bad"
	[ "$bad" = 0 ] || { res match_b_vs_c "NO ($bad rows with bad window_end/mean)"; return 1; }
}

part_verify_cd() {
	hdr "verify (c) rollup_c = (d) rollup_d"
	compare_rollups c_vs_d "SELECT k, window_start, n, total FROM rollup_c" \
		"SELECT k, window_start, n, total FROM rollup_d"
}

# ---------------------------------------------------------------------------
# (e) pgbench single-row INSERTs: stream vs plain logged table
# ---------------------------------------------------------------------------
# pgbench_tps SCRIPT CLIENTS SECONDS [extra pgbench options]
pgbench_tps() {
	local script=$1 clients=$2 secs=$3 out tps
	shift 3
	out=$(as_pg "$PGBIN/pgbench" -n -h "$BENCH_DIR" -p "$PORT" -U postgres -M "$PGB_MODE" \
		-c "$clients" -j 2 -T "$secs" -f "$script" "$@" bench 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
	printf '%s\n' "$out" | grep -E '^(number of (transactions actually processed|failed)|latency average|tps)' >&2 || true
	tps=$(printf '%s\n' "$out" | awk '/^tps = / { printf "%.0f", $3; exit }')
	[ -n "$tps" ] || { printf '%s\n' "$out" >&2; return 1; }
	echo "$tps"
}

write_insert_script() { # FILE TABLE
	cat > "$1" <<EOF
\\set k random(1, $NKEYS)
INSERT INTO $2 (k, v, ts) VALUES (:k, random() * 100, now());
EOF
}

part_e_table() {
	hdr "(e) pgbench: $PGB_CLIENTS clients x ${PGB_SECONDS} s single-row INSERT into a plain logged table (-M $PGB_MODE)"
	q "CREATE TABLE ev_plain (k int8, v float8, ts timestamptz)"
	write_insert_script "$SQLDIR/pgb_table.sql" ev_plain
	q "CHECKPOINT" >/dev/null
	local tps
	tps=$(pgbench_tps "$SQLDIR/pgb_table.sql" "$PGB_CLIENTS" "$PGB_SECONDS")
	res tps_table "$tps"
	say "(e) plain table: $tps TPS"
}

# fresh stream and view, so (e) and (g) do not see (b)'s groups
recreate_stream() {
	psql_ -d bench -At -c "SET client_min_messages = warning" \
		-c "SELECT laminar.execute(\$\$ DROP STREAM IF EXISTS ev CASCADE \$\$)" >/dev/null
	q "SELECT laminar.execute(\$\$ ${2:-$STREAM_DDL} ${1:-} \$\$)" >/dev/null
}

# (b2) the same view with EMIT ON WINDOW CLOSE: each window's rows are
# written once, so this isolates ingest + aggregation from keeping the
# result table current every flush_interval
part_b2() { run_stream_view b2 "TUMBLE 10 s, EMIT ON WINDOW CLOSE" "EMIT ON WINDOW CLOSE"; }

# (h) HOP(2 s, 10 s): every event is aggregated into 5 windows; issue 11's
# target is h >= b2 / 2 (printed, never enforced). (h2) the same with EMIT
# ON UPDATE, which rewrites about 5 x the rows of (b).
part_h() { run_stream_view h "HOP 2 s / 10 s, EMIT ON WINDOW CLOSE" "EMIT ON WINDOW CLOSE" "$HOP_DDL"; }
part_s() {
	run_stream_view s "SESSION gap 2 s per key, EMIT ON WINDOW CLOSE" "EMIT ON WINDOW CLOSE" "$SESSION_DDL" || return 1
	# the last round's closed sessions against plain SQL (gaps and islands)
	if [ "$ROUND" = "$REPEAT" ]; then
		psql_ -d bench -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS gen" \
			-c "CREATE UNLOGGED TABLE gen (k int8, v float8, ts timestamptz)" >/dev/null
		psql_ -d bench -f "$(copy_script gen)" >/dev/null
		compare_rollups s_vs_sql \
			"SELECT k, window_start::timestamptz AS window_start, n::int8 AS n, total::float8 AS total FROM ev_stats" \
			"WITH m AS (SELECT k, v, ts, CASE WHEN ts >= lag(ts) OVER (PARTITION BY k ORDER BY ts) + interval '2 seconds'
			                               THEN 1 ELSE 0 END AS brk FROM gen),
			      s AS (SELECT k, v, ts, sum(brk) OVER (PARTITION BY k ORDER BY ts) AS sid FROM m)
			 SELECT k, min(ts) AS window_start, count(*) AS n, sum(v) AS total FROM s GROUP BY k, sid
			 HAVING max(ts) + interval '2 seconds' <= (SELECT max(ts) - interval '1 second' FROM gen)" || return 1
		q "DROP TABLE gen" >/dev/null
	fi
}
part_h2() {
	run_stream_view h2 "HOP 2 s / 10 s, EMIT ON UPDATE" "" "$HOP_DDL" || return 1
	# the last round's view against plain SQL over the same events (the
	# generated table is gone by now: load the COPY files again)
	if [ "$ROUND" = "$REPEAT" ]; then
		psql_ -d bench -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS gen" \
			-c "CREATE UNLOGGED TABLE gen (k int8, v float8, ts timestamptz)" >/dev/null
		psql_ -d bench -f "$(copy_script gen)" >/dev/null
		compare_rollups h2_vs_sql \
			"SELECT k, window_start::timestamptz AS window_start, n::int8 AS n, total::float8 AS total FROM ev_stats" \
			"SELECT k, s AS window_start, count(*) AS n, sum(v) AS total FROM gen,
			   generate_series(date_bin('2 seconds', ts - interval '10 seconds', timestamptz 'epoch')
			                   + interval '2 seconds', ts, interval '2 seconds') s GROUP BY 1, 2" || return 1
		q "DROP TABLE gen" >/dev/null
	fi
}

part_e_stream() {
	hdr "(e) pgbench: $PGB_CLIENTS clients x ${PGB_SECONDS} s single-row INSERT into the stream (view ev_stats attached, -M $PGB_MODE)"
	recreate_stream
	write_insert_script "$SQLDIR/pgb_stream.sql" ev
	q "CHECKPOINT" >/dev/null
	local tps t0
	tps=$(pgbench_tps "$SQLDIR/pgb_stream.sql" "$PGB_CLIENTS" "$PGB_SECONDS")
	res tps_stream "$tps"
	say "(e) stream: $tps TPS"
	t0=$(now)
	q "SELECT laminar.flush('10min')" >/dev/null
	say "(e) laminar.flush() after the run took $(fsub "$(now)" "$t0") s;" \
		"ev_stats holds $(q "SELECT coalesce(sum(n), 0) FROM ev_stats") events," \
		"stream events_in $(q "SELECT string_agg(events_in::text, ',') FROM laminar.streams")"
}

# ---------------------------------------------------------------------------
# (f) ring microbenchmark
# ---------------------------------------------------------------------------
part_f() {
	hdr "(f) ring microbenchmark: 1 MiB ring, 32-byte records, $RING_EVENTS events per mode, threads on CPU 0 and 1"
	gcc -O2 -Wall -pthread -I"$($PG_CONFIG --includedir-server)" -I"$ROOT/src" \
		-o "$BENCH_DIR/ring_bench" "$HERE/ring_bench.c"
	local out
	out=$("$BENCH_DIR/ring_bench" "$RING_EVENTS" 2>&1)
	printf '%s\n' "$out"
	res ring_one "$(printf '%s\n' "$out" | awk '/^ring one-at-a-time:/ { print $3 }')"
	res ring_batch "$(printf '%s\n' "$out" | awk '/^ring batched:/ { print $3 }')"
	res ring_xfer "$(printf '%s\n' "$out" | awk '/^cache-line transfer/ { print $(NF-1) }')"
}

# ---------------------------------------------------------------------------
# (g) commit-to-visible latency under load
# ---------------------------------------------------------------------------
part_g() {
	hdr "(g) commit-to-visible latency: $LAT_PROBES probes while pgbench inserts $LAT_RATE rows/s into the stream"
	recreate_stream
	local flushiv
	flushiv=$(q "SHOW laminar.flush_interval")
	res flush_interval "$flushiv"
	write_insert_script "$SQLDIR/pgb_bg.sql" ev
	# background load in its own session (process group) so that it can be
	# stopped by id; -T is a ceiling, it is stopped when the probe ends
	local runas=()
	if [ "$(id -u)" = 0 ]; then runas=(runuser -u postgres --); fi
	setsid "${runas[@]}" "$PGBIN/pgbench" -n -h "$BENCH_DIR" -p "$PORT" -U postgres \
		-M "$PGB_MODE" -c 2 -j 1 -R "$LAT_RATE" -T 600 -f "$SQLDIR/pgb_bg.sql" bench \
		> "$BENCH_DIR/pgbench_bg.log" 2>&1 &
	BG_PID=$!
	# this part runs in a subshell: stop the load even if the probe fails
	trap '[ -z "$BG_PID" ] || kill -TERM -- "-$BG_PID" 2>/dev/null || true' EXIT
	sleep 3
	# The probe commits each INSERT (COMMIT inside a DO block), then polls the
	# view's table with a fresh snapshot per statement every 0.5 ms.  The
	# clock starts just before COMMIT, so the figure includes the commit.
	psql_ -d bench <<EOF
CREATE TABLE lat_result (probe int, ms float8);
DO \$\$
DECLARE
  key int8;
  t0 timestamptz;
  seen bool;
  lat float8[] := '{}';
BEGIN
  FOR i IN 1 .. $LAT_PROBES LOOP
    key := 1000000000 + i;
    INSERT INTO ev (k, v, ts) VALUES (key, 1, clock_timestamp());
    t0 := clock_timestamp();
    COMMIT;
    seen := false;
    LOOP
      PERFORM 1 FROM ev_stats WHERE k = key;
      IF FOUND THEN seen := true; EXIT; END IF;
      EXIT WHEN clock_timestamp() - t0 > interval '10 seconds';
      PERFORM pg_sleep(0.0005);
    END LOOP;
    INSERT INTO lat_result VALUES (i, CASE WHEN seen THEN extract(epoch FROM clock_timestamp() - t0) * 1000 END);
    COMMIT;
    PERFORM pg_sleep(0.005);
  END LOOP;
END
\$\$;
EOF
	kill -TERM -- "-$BG_PID" 2>/dev/null || true
	wait "$BG_PID" 2>/dev/null || true
	BG_PID=
	say "(g) background load: $(q "SELECT events_in - $LAT_PROBES FROM laminar.streams WHERE stream = 'ev'::regclass")" \
		"rows inserted by pgbench -R $LAT_RATE during the probe"
	local r
	r=$(q "SELECT coalesce(round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2)::text, 'n/a') || ' ' ||
	              coalesce(round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2)::text, 'n/a') || ' ' ||
	              coalesce(round(max(ms)::numeric, 2)::text, 'n/a') || ' ' || count(ms) || ' ' || count(*) - count(ms) || ' ' ||
	              coalesce(round(percentile_cont(0.9) WITHIN GROUP (ORDER BY ms)::numeric, 2)::text, 'n/a')
	       FROM lat_result")
	set -- $r
	res lat_p50 "$1"
	res lat_p90 "$6"
	res lat_p99 "$2"
	res lat_max "$3"
	res lat_probes "$4"
	res lat_timeouts "$5"
	res flush_interval_ms "$(q "SELECT setting FROM pg_settings WHERE name = 'laminar.flush_interval'")"
	# every probe's latency, for the CDF in latency.png (a few kB)
	{
		printf '# commit-to-visible latency [ms] of each probe of (g), sorted; not visible within 10 s: %s\n' "$5"
		q "SELECT round(ms::numeric, 3) FROM lat_result WHERE ms IS NOT NULL ORDER BY ms"
	} > "$OUT/latency.tsv"
	say "(g) p50 $1 ms, p90 $6 ms, p99 $2 ms, max $3 ms over $4 probes ($5 not visible within 10 s); laminar.flush_interval = $flushiv"
	[ "$5" = 0 ] || return 1
}

# ---------------------------------------------------------------------------
# (t) worker throughput: one large INSERT ... SELECT
# ---------------------------------------------------------------------------
# worker_pids: pids of the running stream workers
worker_pids() { q "SELECT coalesce(string_agg(pid::text, ' ' ORDER BY worker_id), '') FROM laminar.workers WHERE pid IS NOT NULL"; }

# worker_ticks PID...: utime + stime of each of these processes, in clock
# ticks, space-separated (/proc/PID/stat fields 14 and 15; the name in field
# 2 may hold spaces, so fields are counted after its closing parenthesis)
worker_ticks() {
	local p files=()
	for p in "$@"; do files+=("/proc/$p/stat"); done
	awk '{ sub(/^.*\) /, ""); printf "%s%d", (NR > 1 ? " " : ""), $12 + $13 } END { print "" }' "${files[@]}"
}

# cpu_seconds "TICKS0" "TICKS1": CPU seconds between two worker_ticks
# readings: the total, then each process's in brackets
cpu_seconds() {
	awk -v a="$1" -v b="$2" -v t="$(getconf CLK_TCK)" 'BEGIN {
		n = split(a, x, " "); split(b, y, " "); s = 0; each = "";
		for (i = 1; i <= n; i++) { d = (y[i] - x[i]) / t; s += d; each = each (i > 1 ? " + " : "") sprintf("%.2f", d) }
		printf "%.2f %s\n", s, each }'
}

# restart_with_workers N: restart the cluster with laminar.workers = N and
# wait until the N workers run
restart_with_workers() {
	local n=$1 i
	q "ALTER SYSTEM SET laminar.workers = $n" >/dev/null
	as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$LOG" -m fast -w -t 60 restart >/dev/null
	for ((i = 0; i < 300; i++)); do
		[ "$(q "SELECT count(pid) FROM laminar.workers")" = "$n" ] && return 0
		sleep 0.1
	done
	warn "(t) $n workers did not start"
	return 1
}

# median of the numbers on stdin
median() {
	sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print a[(NR + 1) / 2];
		else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

part_throughput() {
	local w r pids t0 t1 c0 c1 wall cpu each got sum_n cur
	hdr "(t) worker throughput: one INSERT ... SELECT of $TP_EVENTS events into the stream (view ev_stats), laminar.workers = ${TP_WORKERS// /, then }"
	# the events, generated once (same distribution as (a)-(d): 10k keys,
	# 100 µs apart, so 10 s windows of ~10k groups); not timed
	t0=$(now)
	psql_ -d bench <<EOF
SET client_min_messages = warning;
DROP TABLE IF EXISTS tp_gen, tp_u;
SELECT setseed(0.4243) \g /dev/null
CREATE UNLOGGED TABLE tp_gen AS
SELECT (1 + floor(random() * $NKEYS))::int8 AS k,
       random() * 100 AS v,
       timestamptz '2026-01-01 00:00:00+00' + i * interval '100 microseconds' AS ts
FROM generate_series(0, $TP_EVENTS - 1) AS i;
VACUUM ANALYZE tp_gen;
CREATE UNLOGGED TABLE tp_u (k int8, v float8, ts timestamptz);
EOF
	say "(t) $TP_EVENTS events generated in $(fsub "$(now)" "$t0") s"
	# a warm read, so that no round pays for the first read of tp_gen
	q "SELECT count(*) FROM tp_gen" >/dev/null
	: > "$RES/tp_u_secs"
	for w in $TP_WORKERS; do
		cur=$(q "SHOW laminar.workers")
		if [ "$cur" != "$w" ]; then
			say "(t) restarting the cluster with laminar.workers = $w"
			restart_with_workers "$w"
		fi
		: > "$RES/tp_cpu_w$w"
		: > "$RES/tp_wall_w$w"
		# round 0 warms the workers up (their memory, the caches) and is not counted
		for ((r = 0; r <= TP_ROUNDS; r++)); do
			# baseline: the same INSERT into an UNLOGGED table, in the first setting only
			if [ "$w" = "${TP_WORKERS%% *}" ]; then
				q "TRUNCATE tp_u" >/dev/null
				q "CHECKPOINT" >/dev/null
				t0=$(now)
				q "INSERT INTO tp_u SELECT k, v, ts FROM tp_gen" >/dev/null
				t1=$(now)
				wall=$(fsub "$t1" "$t0")
				[ "$r" = 0 ] || echo "$wall" >> "$RES/tp_u_secs"
				say "(t) UNLOGGED table$([ "$r" -gt 0 ] || echo ' (warm-up, not counted)'): $TP_EVENTS rows in $wall s = $(fdiv "$TP_EVENTS" "$wall" %.0f) rows/s"
			fi
			recreate_stream
			q "CHECKPOINT" >/dev/null
			pids=$(worker_pids)
			[ -n "$pids" ] || { warn "(t) no stream worker runs"; return 1; }
			if [ "$TP_PERF" = 1 ] && [ "$r" = 1 ]; then
				perf record -q ${BENCH_PERF_G:+-g} -e cpu-clock -p "${pids// /,}" -o "$BENCH_DIR/perf.w$w.data" > "$BENCH_DIR/perf.w$w.log" 2>&1 &
				PERF_PID=$!
				sleep 0.5
			fi
			# shellcheck disable=SC2086
			c0=$(worker_ticks $pids)
			t0=$(now)
			psql_ -d bench -c "INSERT INTO ev SELECT k, v, ts FROM tp_gen" -c "SELECT laminar.flush('10min')" >/dev/null
			t1=$(now)
			# shellcheck disable=SC2086
			c1=$(worker_ticks $pids)
			[ "$(worker_pids)" = "$pids" ] || { warn "(t) a stream worker restarted during the round"; return 1; }
			wall=$(fsub "$t1" "$t0")
			read -r cpu each <<<"$(cpu_seconds "$c0" "$c1")"
			got=$(q "SELECT events_in FROM laminar.views WHERE view = 'ev_stats'::regclass")
			sum_n=$(q "SELECT coalesce(sum(n), 0) FROM ev_stats")
			if [ "$got" != "$TP_EVENTS" ] || [ "$sum_n" != "$TP_EVENTS" ]; then
				warn "(t) the view counted $got events (sum(n) = $sum_n), expected $TP_EVENTS"
				return 1
			fi
			if [ "$r" -gt 0 ]; then
				echo "$cpu" >> "$RES/tp_cpu_w$w"
				echo "$wall" >> "$RES/tp_wall_w$w"
			fi
			say "(t) workers=$w round $r/$TP_ROUNDS$([ "$r" -gt 0 ] || echo ' (warm-up, not counted)'): $TP_EVENTS events, worker CPU $cpu s" \
				"($each) = $(fdiv "$TP_EVENTS" "$cpu" %.0f) events per worker CPU-s; wall $wall s" \
				"= $(fdiv "$TP_EVENTS" "$wall" %.0f) events/s (INSERT until laminar.flush() returns)"
		done
		if [ -n "${PERF_PID:-}" ]; then
			kill -INT "$PERF_PID" 2>/dev/null || true
			wait "$PERF_PID" 2>/dev/null || true
			PERF_PID=
			say "(t) perf profile of the workers over the counted rounds, laminar.workers = $w ($BENCH_DIR/perf.w$w.data):"
			perf report -i "$BENCH_DIR/perf.w$w.data" --stdio --no-children --sort dso,symbol --percent-limit 1 2>/dev/null |
				grep -v '^#' | grep -v '^$' | head -n 40 || true
		fi
		cpu=$(median < "$RES/tp_cpu_w$w")
		wall=$(median < "$RES/tp_wall_w$w")
		res "tp_cpu_s_w$w" "$cpu"
		res "tp_wall_s_w$w" "$wall"
		res "tp_cpu_rate_w$w" "$(fdiv "$TP_EVENTS" "$cpu" %.0f)"
		res "tp_wall_rate_w$w" "$(fdiv "$TP_EVENTS" "$wall" %.0f)"
		res "tp_all_w$w" "$(paste -sd' ' "$RES/tp_cpu_w$w")"
	done
	if [ -s "$RES/tp_u_secs" ]; then
		wall=$(median < "$RES/tp_u_secs")
		res tp_wall_s_u "$wall"
		res tp_wall_rate_u "$(fdiv "$TP_EVENTS" "$wall" %.0f)"
	fi
}

# ---------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------
# the ring first, while the cluster is idle
part f part_f
# (a)-(d) in interleaved rounds, so that a burst of load from elsewhere on
# the machine does not land on one variant only; the last round's results
# are the ones verified
if copy_wanted; then
	for ((ROUND = 1; ROUND <= REPEAT; ROUND++)); do
		part a part_a
		# HOP first: (b) must be the last to fill ev_stats, which verify_bc reads
		if [ "$LAMINAR" = 1 ]; then part h part_h; part h2 part_h2; part s part_s; part b2 part_b2; part b part_b; fi
		part c part_c
		part d part_d
	done
fi
for v in a b b2 h h2 s c d; do summarize_ingest "$v"; done
if [ "$LAMINAR" = 1 ]; then part verify_bc part_verify_bc; fi
part verify_cd part_verify_cd
part e_table part_e_table
if [ "$LAMINAR" = 1 ]; then
	part e_stream part_e_stream
	part g part_g
	# last: it restarts the cluster with other laminar.workers settings
	part throughput part_throughput
fi

# ---------------------------------------------------------------------------
# summary
# ---------------------------------------------------------------------------
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MACHINE="$(nproc) CPUs, $CPU; $(awk '/^MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo); $(uname -sr)"
VERSION=n/a
if [ "$LAMINAR" = 1 ]; then VERSION=$(q "SELECT extversion FROM pg_extension WHERE extname = 'laminar'"); fi
TOTAL=$(fsub "$(now)" "$T_BEGIN")
hdr "summary"
{
	say "Laminar benchmark, $START_TIME"
	say "machine: $MACHINE"
	say "PostgreSQL $PGVERSION; shared_buffers=1GB, synchronous_commit=off for every variant (fsync on), max_wal_size=4GB"
	if [ "$LAMINAR" = 1 ]; then say "$LAMINAR_INFO"; fi
	if copy_wanted; then
		say "workload: $NROWS events (int8 key uniform over $NKEYS keys, float8 value, ts +100 µs/row),"
		say "          $NFILES server-side COPYs of $ROWS_PER_FILE rows, one transaction each, from one psql session"
		say "  rows/s from the median of $REPEAT interleaved rounds (seconds of each round in brackets):"
		printf '  %-53s %9s rows/s  [%s]\n' "(a) UNLOGGED table, no index" "$(get rps_a)" "$(get all_a)"
		printf '  %-53s %9s rows/s  [%s]\n' "(b) Laminar stream + 10 s TUMBLE view, until flush()" "$(get rps_b)" "$(get all_b)"
		printf '  %-53s %9s rows/s  [%s]\n' "(b2) same view, EMIT ON WINDOW CLOSE" "$(get rps_b2)" "$(get all_b2)"
		printf '  %-53s %9s rows/s  [%s]\n' "(h) HOP 2 s / 10 s view, EMIT ON WINDOW CLOSE" "$(get rps_h)" "$(get all_h)"
		printf '  %-53s %9s rows/s  [%s]\n' "(h2) HOP 2 s / 10 s view, EMIT ON UPDATE" "$(get rps_h2)" "$(get all_h2)"
		printf '  %-53s %9s rows/s  [%s]\n' "(s) SESSION 2 s per key, EMIT ON WINDOW CLOSE" "$(get rps_s)" "$(get all_s)"
		printf '  %-53s %9s rows/s  [%s]\n' "(c) table + statement trigger upsert rollup" "$(get rps_c)" "$(get all_c)"
		printf '  %-53s %9s rows/s  [%s]\n' "(d) table + row trigger upsert rollup" "$(get rps_d)" "$(get all_d)"
		say "  b/a = $(fdiv "$(get rps_b)" "$(get rps_a)")   b/c = $(fdiv "$(get rps_b)" "$(get rps_c)")   b/d = $(fdiv "$(get rps_b)" "$(get rps_d)")   b2/a = $(fdiv "$(get rps_b2)" "$(get rps_a)")"
		say "  h/b2 = $(fdiv "$(get rps_h)" "$(get rps_b2)")   h2/b = $(fdiv "$(get rps_h2)" "$(get rps_b)")   s/b2 = $(fdiv "$(get rps_s)" "$(get rps_b2)")   (target, issue 11: h/b2 >= 0.5)"
		say "  (b) view = (c) rollup: $(get match_b_vs_c);  (c) = (d): $(get match_c_vs_d);  (h2) HOP view = plain SQL: $(get match_h2_vs_sql);  (s) sessions = plain SQL: $(get match_s_vs_sql)"
		say "  target (issue 10): b/a >= 1.0 for EMIT ON UPDATE on this stream (printed, never enforced)"
	fi
	if wanted e_table || wanted e_stream; then
		say "(e) pgbench -c $PGB_CLIENTS -T $PGB_SECONDS -M $PGB_MODE, single-row INSERT transactions:"
		say "  stream $(get tps_stream) TPS, plain logged table $(get tps_table) TPS, stream/table = $(fdiv "$(get tps_stream)" "$(get tps_table)")"
	fi
	if wanted f; then
		say "(f) ring (1 MiB, 32-byte records, 2 threads pinned to CPU 0/1, $RING_EVENTS events):"
		say "  one-at-a-time $(get ring_one) ns/event, batched (64 per publish) $(get ring_batch) ns/event"
		say "  (hardware floor: one cache-line transfer between the two CPUs takes $(get ring_xfer) ns one way)"
	fi
	if wanted g; then
		say "(g) commit-to-visible latency, $LAT_PROBES probes under $LAT_RATE rows/s background inserts:"
		say "  p50 $(get lat_p50) ms, p90 $(get lat_p90) ms, p99 $(get lat_p99) ms, max $(get lat_max) ms (not visible: $(get lat_timeouts)); laminar.flush_interval = $(get flush_interval)"
		say "  (clock from just before COMMIT until a poll of the view's table, every 0.5 ms, sees the row)"
		say "  target p99 <= 5 x flush_interval = $(awk -v f="$(get flush_interval_ms)" 'BEGIN { if (f + 0 > 0) print 5 * f " ms"; else print "n/a" }')"
	fi
	if wanted throughput; then
		say "(t) worker throughput: one INSERT ... SELECT of $TP_EVENTS events (same key/value/time distribution)"
		say "    into the stream with the same view (EMIT ON UPDATE), until laminar.flush() returns; median of $TP_ROUNDS rounds after a warm-up"
		say "    worker CPU = utime + stime of the stream workers (/proc/PID/stat); target >= 3 M events per worker CPU-s"
		for w in $TP_WORKERS; do
			printf '  workers=%s: %s events, worker CPU %s s = %s events per worker CPU-s (target %s); wall %s s = %s events/s  [CPU-s of each round: %s]\n' \
				"$w" "$TP_EVENTS" "$(get "tp_cpu_s_w$w")" "$(get "tp_cpu_rate_w$w")" "$TP_TARGET" \
				"$(get "tp_wall_s_w$w")" "$(get "tp_wall_rate_w$w")" "$(get "tp_all_w$w")"
		done
		say "  the same INSERT ... SELECT into an UNLOGGED table: $(get tp_wall_s_u) s = $(get tp_wall_rate_u) rows/s"
	fi
	if [ ${#FAILED[@]} -gt 0 ]; then
		say "FAILED parts: ${FAILED[*]}"
	fi
	say "total bench time: $TOTAL s"
} | tee "$BENCH_DIR/summary.txt"
cp "$BENCH_DIR/summary.txt" "$OUT/summary.txt"

# ---------------------------------------------------------------------------
# machine-readable results and figures
# ---------------------------------------------------------------------------
# summary.tsv: one figure a line: key, value (n/a if not measured), unit
{
	printf 'key\tvalue\tunit\n'
	printf 'date\t%s\t\n' "$START_TIME"
	printf 'laminar_version\t%s\t\n' "$VERSION"
	printf 'postgres_version\t%s\t\n' "$PGVERSION"
	printf 'cpus\t%s\t\n' "$(nproc)"
	for v in a b b2 h h2 s c d; do printf 'copy_%s\t%s\trows/s\n' "$v" "$(get "rps_$v")"; done
	printf 'copy_h_over_b2\t%s\tratio\n' "$(fdiv "$(get rps_h)" "$(get rps_b2)")"
	printf 'copy_b_over_a\t%s\tratio\n' "$(fdiv "$(get rps_b)" "$(get rps_a)")"
	printf 'copy_b_over_c\t%s\tratio\n' "$(fdiv "$(get rps_b)" "$(get rps_c)")"
	printf 'copy_b2_over_a\t%s\tratio\n' "$(fdiv "$(get rps_b2)" "$(get rps_a)")"
	printf 'match_b_vs_c\t%s\t\n' "$(get match_b_vs_c)"
	printf 'pgbench_stream\t%s\tTPS\n' "$(get tps_stream)"
	printf 'pgbench_table\t%s\tTPS\n' "$(get tps_table)"
	printf 'ring_one\t%s\tns/event\n' "$(get ring_one)"
	printf 'ring_batch\t%s\tns/event\n' "$(get ring_batch)"
	printf 'ring_xfer\t%s\tns\n' "$(get ring_xfer)"
	for p in p50 p90 p99 max; do printf 'latency_%s\t%s\tms\n' "$p" "$(get "lat_$p")"; done
	printf 'latency_not_visible\t%s\tprobes\n' "$(get lat_timeouts)"
	printf 'flush_interval\t%s\tms\n' "$(get flush_interval_ms)"
	printf 'throughput_events\t%s\tevents\n' "$TP_EVENTS"
	for w in $TP_WORKERS; do
		printf 'throughput_cpu_s_w%s\t%s\ts\n' "$w" "$(get "tp_cpu_s_w$w")"
		printf 'throughput_per_cpu_s_w%s\t%s\tevents/CPU-s\n' "$w" "$(get "tp_cpu_rate_w$w")"
		printf 'throughput_wall_w%s\t%s\tevents/s\n' "$w" "$(get "tp_wall_rate_w$w")"
	done
	printf 'throughput_unlogged_wall\t%s\trows/s\n' "$(get tp_wall_rate_u)"
	printf 'throughput_target\t%s\tevents/CPU-s\n' "$TP_TARGET"
} > "$OUT/summary.tsv"

# rates.tsv: the bars of rates.png, one gnuplot data block per panel:
# label, value (0 if not measured), 1 for Laminar / 0 for a Postgres
# baseline, the text above the bar
bar() {
	local v=$2
	case "$v" in '' | n/a) printf '%s\t0\t%s\tn/a\n' "$1" "$3" ;;
		*) printf '%s\t%s\t%s\t%s\n' "$1" "$v" "$3" "$(awk -v x="$v" 'BEGIN {
			if (x >= 1e6) printf "%.2f M", x / 1e6; else if (x >= 1e4) printf "%.0f k", x / 1e3; else printf "%.0f", x }')" ;;
	esac
}
{
	printf '# (a)-(d): 1M events as 100 COPYs of 10k rows [rows/s]\n'
	bar "(a) UNLOGGED table" "$(get rps_a)" 0
	bar "(b) stream, ON UPDATE" "$(get rps_b)" 1
	bar "(b2) stream, ON WINDOW CLOSE" "$(get rps_b2)" 1
	bar "(h) HOP, ON WINDOW CLOSE" "$(get rps_h)" 1
	bar "(s) SESSION, ON WINDOW CLOSE" "$(get rps_s)" 1
	bar "(c) statement trigger" "$(get rps_c)" 0
	bar "(d) row trigger" "$(get rps_d)" 0
	printf '\n\n# (e): pgbench single-row INSERTs, %s clients [TPS]\n' "$PGB_CLIENTS"
	bar "logged table" "$(get tps_table)" 0
	bar "stream" "$(get tps_stream)" 1
	printf '\n\n# (t): one INSERT ... SELECT of %s events, until flush() [events/s, wall clock]\n' "$TP_EVENTS"
	bar "UNLOGGED table" "$(get tp_wall_rate_u)" 0
	for w in $TP_WORKERS; do bar "stream, $w worker$([ "$w" = 1 ] || echo s)" "$(get "tp_wall_rate_w$w")" 1; done
	printf '\n\n# (t): events aggregated per worker CPU-second\n'
	for w in $TP_WORKERS; do bar "$w worker$([ "$w" = 1 ] || echo s)" "$(get "tp_cpu_rate_w$w")" 1; done
} > "$OUT/rates.tsv"

part_plots() {
	hdr "figures: $OUT/rates.png, $OUT/latency.png (gnuplot)"
	command -v gnuplot >/dev/null || { warn "gnuplot is not installed (apt-get install gnuplot-nox, or bash test/deps.sh bench)"; return 1; }
	local title
	title="Laminar $VERSION, PostgreSQL $PGVERSION, $(nproc) CPUs, $START_TIME"
	gnuplot -e "outdir='$OUT'; title_str='${title//\'/}'; tp_target=$TP_TARGET" "$HERE/rates.gp"
	if [ -s "$OUT/latency.tsv" ] && [ "$(grep -vc '^#' "$OUT/latency.tsv")" -gt 0 ]; then
		gnuplot -e "outdir='$OUT'; title_str='${title//\'/}'; flush_ms=$(get flush_interval_ms); p50=$(get lat_p50); p90=$(get lat_p90); p99=$(get lat_p99); pmax=$(get lat_max); load=$LAT_RATE" \
			"$HERE/latency.gp"
	else
		say "(no latency data: latency.png not drawn)"
	fi
	ls -l "$OUT"
}
part plots part_plots
say "results in $OUT"

[ ${#FAILED[@]} -eq 0 ]
