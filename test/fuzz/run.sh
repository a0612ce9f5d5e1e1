#!/usr/bin/env bash
# Fuzz test: mutated laminar.execute statements and events must never crash
# the server.  Prints TAP.
#
# gen.pl (core Perl, fixed seed) takes every laminar.execute statement of the
# regress, pgTAP and script suites and mutates it (see its header).  Then:
#   setup    scratch schema lm_fuzz holding every CREATE STREAM of the corpus
#            (committed, so mutated views find their streams);
#   phase 1  each mutated statement, and DML with extreme values into the
#            streams plus laminar.flush() calls, in its own transaction,
#            rolled back;
#   phase 2  committed: mutated CREATE MATERIALIZED VIEW lm_fuzz.fzv_N over
#            the scratch streams, then events (extreme values, NULLs, 1 MB
#            text, infinite timestamps; some rolled back, some in
#            savepoints), views created and dropped meanwhile, and
#            laminar.flush() every 15 statements, so the worker paths run;
#            now and then a result table or a stream is changed under its
#            view (column type, rename, drop, set schema, dropped index,
#            TRUNCATE, a CHECK, a partitioned or inheritance parent), and a
#            worker is terminated so that views reload;
#   cleanup  DROP SCHEMA lm_fuzz, lm_fuzz_b CASCADE.
# Passes only if no session lost its connection, the postmaster start time
# did not change, no worker restarted, and the server log written meanwhile
# has no "terminated by signal", "was terminated by exception", PANIC or
# TRAP line.  On a crash it prints the seed, the block number and the
# statement, writes the block to $FUZZ_OUT/crash-*.sql, waits for the server
# to recover, and goes on after that block (at most FUZZ_MAX_CRASHES times).
#
# Uses PGHOST/PGPORT/PGUSER from the environment, database laminar_regress.
# Knobs:
#   FUZZ_SEED (20261206)  FUZZ_STATEMENTS (4000)  FUZZ_DML (600)
#   FUZZ_VIEWS (300)      FUZZ_EVENTS (3000)      FUZZ_MAX_CRASHES (5)
#   FUZZ_TAMPER (60)      changes to result tables and streams in phase 2
#   FUZZ_TERMINATE (8)    worker terminations in phase 2
#   FUZZ_PHASE_TIMEOUT (120)  seconds a phase may take (a stalled worker
#                  would otherwise make every flush wait its full timeout)
#   FUZZ_ONLY=p1:N, p2:N or p2:A-N   run the setup and only block N (or blocks A
#                  to N) of that phase: a reproduction
#   FUZZ_KNOWN     regexes of known crashes not to generate (default
#                  test/fuzz/known-crashes.txt; FUZZ_KNOWN= generates everything)
#   FUZZ_OUT       where the generated files go (default: a temp dir, removed
#                  at the end unless something failed)
#   LAMINAR_SERVER_LOG  the server log (default: DIR/log next to the data
#                  directory, as test/cluster.sh lays it out)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DB=${LAMINAR_DB:-laminar_regress}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SEED=${FUZZ_SEED:-20261206}
STATEMENTS=${FUZZ_STATEMENTS:-4000}
DML=${FUZZ_DML:-600}
VIEWS=${FUZZ_VIEWS:-300}
EVENTS=${FUZZ_EVENTS:-3000}
TAMPER=${FUZZ_TAMPER:-60}
TERMINATE=${FUZZ_TERMINATE:-8}
MAX_CRASHES=${FUZZ_MAX_CRASHES:-5}
PHASE_TIMEOUT=${FUZZ_PHASE_TIMEOUT:-120}
ONLY=${FUZZ_ONLY:-}
# block numbers depend on every generator setting: a repro repeats them
REPRO="FUZZ_SEED=$SEED FUZZ_STATEMENTS=$STATEMENTS FUZZ_DML=$DML FUZZ_VIEWS=$VIEWS FUZZ_EVENTS=$EVENTS"
REPRO="$REPRO FUZZ_TAMPER=$TAMPER FUZZ_TERMINATE=$TERMINATE${FUZZ_KNOWN+ FUZZ_KNOWN='$FUZZ_KNOWN'}"

export PGDATABASE=$DB PGCLIENTENCODING=UTF8 PGTZ=UTC

if [ -n "${FUZZ_OUT:-}" ]; then
	OUT=$FUZZ_OUT
	mkdir -p "$OUT" || exit 2
	KEEP=1
else
	OUT=$(mktemp -d /tmp/laminar-fuzz.XXXXXX) || exit 2
	KEEP=0
fi

psql_cmd() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

# shellcheck source=test/tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

PLAN=9
[ -n "$ONLY" ] && PLAN=4
echo "1..$PLAN"

# ------------------------------------------------------------------ server log
LOG=${LAMINAR_SERVER_LOG:-}
if [ -z "$LOG" ]; then
	datadir=$(psql_cmd -c "SHOW data_directory" 2>/dev/null)
	[ -n "$datadir" ] && LOG=$(dirname "$datadir")/log
fi
log_size() { if [ -n "$LOG" ] && [ -r "$LOG" ]; then stat -c %s "$LOG"; else echo 0; fi; }
LOG_OFF=$(log_size)
log_since() { [ -n "$LOG" ] && [ -r "$LOG" ] && tail -c +"$(($1 + 1))" "$LOG"; }
CRASH_RE='terminated by signal|was terminated by exception|PANIC:|TRAP:'

# wait_server: the server accepts connections again and every worker runs
wait_server() {
	local i n want
	for ((i = 0; i < 120; i++)); do
		psql_cmd -c "SELECT 1" >/dev/null 2>&1 && break
		sleep 1
	done
	want=$(psql_cmd -c "SHOW laminar.workers" 2>/dev/null)
	for ((i = 0; i < 60; i++)); do
		n=$(psql_cmd -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'laminar worker'" 2>/dev/null)
		[ -n "$n" ] && [ -n "$want" ] && [ "$n" -ge "$want" ] && return 0
		sleep 1
	done
}

psql_cmd -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS laminar" >/dev/null 2>&1
START_TIME=$(psql_cmd -c "SELECT pg_postmaster_start_time()" 2>&1)
restarts() { psql_cmd -c "SELECT sum(restarts) FROM laminar.workers" 2>&1; }
counts() { psql_cmd -c "SELECT (SELECT count(*) FROM laminar.streams) || ' streams, ' || (SELECT count(*) FROM laminar.views) || ' views'" 2>&1; }
COUNTS_BEFORE=$(counts)

# the session settings of every phase
cat >"$OUT/prologue.sql" <<EOF
SET client_min_messages = warning;
SET search_path = lm_fuzz, public;
SET statement_timeout = '30s';
SET log_min_error_statement = panic;
\\set VERBOSITY verbose
\\set SHOW_CONTEXT never
EOF

# ------------------------------------------------------------------ 1. setup
if out=$(perl "$HERE/gen.pl" --mode setup --root "$ROOT" --out "$OUT" 2>&1) &&
	psql_cmd -f "$OUT/prologue.sql" -v ON_ERROR_STOP=0 -f "$OUT/setup.sql" >"$OUT/setup.out" 2>&1 &&
	psql_cmd >"$OUT/streams.txt" 2>>"$OUT/setup.out" <<'EOF'
SELECT format('lm_fuzz.%I', c.relname) || E'\t' || quote_ident(a.attname) || E'\t' || format_type(a.atttypid, a.atttypmod)
  FROM laminar.streams s JOIN pg_class c ON c.oid = s.stream
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'lm_fuzz'::regnamespace
 ORDER BY c.relname COLLATE "C", a.attnum;
EOF
then
	# the corpus view queries that work unmutated over these streams
	psql_cmd -v ON_ERROR_STOP=0 -f "$OUT/prologue.sql" -f "$OUT/views.sql" 2>/dev/null |
		awk '/^@@ /{ n = $2; next } /^CREATE MATERIALIZED VIEW/{ print n }' >"$OUT/valid.txt"
	nstreams=$(cut -f1 "$OUT/streams.txt" | sort -u | wc -l)
	if [ "$nstreams" -gt 0 ]; then
		ok "setup: schema lm_fuzz with $nstreams corpus streams, $(wc -l <"$OUT/valid.txt") corpus views valid over them ($out)"
	else
		not_ok "setup: no stream was created in lm_fuzz" "$(grep ERROR "$OUT/setup.out" | head -n 10)"
	fi
else
	not_ok "setup" "$out" "$(tail -n 20 "$OUT/setup.out")"
	echo "Bail out! setup failed"
	exit 1
fi

# ------------------------------------------------------------------ generate
if gen=$(perl "$HERE/gen.pl" --mode run --root "$ROOT" --out "$OUT" --streams "$OUT/streams.txt" --valid "$OUT/valid.txt" \
	--known "${FUZZ_KNOWN-$HERE/known-crashes.txt}" \
	--seed "$SEED" --statements "$STATEMENTS" --dml "$DML" --views "$VIEWS" --events "$EVENTS" --tamper "$TAMPER" --terminate "$TERMINATE" 2>&1); then
	ok "generator: $(head -n 1 <<<"$gen")"
	diag "$(tail -n +2 <<<"$gen")"
else
	not_ok "generator (seed $SEED)" "$gen"
	echo "Bail out! generator failed"
	exit 1
fi

# block FILE N: the text of block N of FILE
block() { awk -v n="$2" '/^\\warn @@ /{ p = ($3 + 0 == n) ; next } p' "$1"; }

CRASHES=0
CRASH_LINES=()
# run_phase NAME FILE [FIRST [LAST]]: runs the blocks of FILE with one psql
# session; after a lost connection, reports the block, waits for the server
# and goes on with the next block.  Sets PHASE_LOST (connections lost).
run_phase() {
	local name=$1 file=$2 from=${3:-1} last=${4:-999999999} rc n off
	PHASE_LOST=0
	PHASE_TIMEDOUT=
	: >"$OUT/$name.out"
	: >"$OUT/$name.err"
	while :; do
		awk -v from="$from" -v last="$last" '/^\\warn @@ /{ p = ($3 + 0 >= from && $3 + 0 <= last) } p' \
			"$file" >"$OUT/$name.part"
		off=$(log_size)
		timeout -k 5 "$PHASE_TIMEOUT" "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=0 -d "$DB" \
			-f "$OUT/prologue.sql" -f "$OUT/$name.part" >"$OUT/$name.cur.out" 2>"$OUT/$name.cur.err"
		rc=$?
		cat "$OUT/$name.cur.out" >>"$OUT/$name.out"
		cat "$OUT/$name.cur.err" >>"$OUT/$name.err"
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			n=$(grep -E '^@@ [0-9]+$' "$OUT/$name.cur.err" | tail -n 1 | cut -d' ' -f2)
			PHASE_TIMEDOUT="did not finish within ${PHASE_TIMEOUT}s (FUZZ_PHASE_TIMEOUT): stopped in block ${n:-?}"
			break
		fi
		if [ "$rc" -ne 2 ] && ! grep -qE 'connection to server was lost|server closed the connection' "$OUT/$name.cur.err"; then
			break
		fi
		n=$(grep -E '^@@ [0-9]+$' "$OUT/$name.cur.err" | tail -n 1 | cut -d' ' -f2)
		[ -n "$n" ] || n=$from
		PHASE_LOST=$((PHASE_LOST + 1))
		CRASHES=$((CRASHES + 1))
		block "$file" "$n" >"$OUT/crash-$name-$n.sql"
		sleep 1
		CRASH_LINES+=("connection lost in $name block $n (seed $SEED; repro: $REPRO FUZZ_ONLY=$name:$n bash test/fuzz/run.sh):")
		CRASH_LINES+=("$(grep -v '^--' "$OUT/crash-$name-$n.sql" | cut -c1-600 | head -n 12)")
		CRASH_LINES+=("server log:" "$(log_since "$off" | grep -E "$CRASH_RE|Failed process was running" | cut -c1-400 | head -n 4)")
		if log_since "$off" | grep -E "$CRASH_RE" | grep -q 'background worker'; then
			CRASH_LINES+=("a background worker crashed: the cause may be any view or event before this block (repro: $REPRO FUZZ_ONLY=$name:1-$n)")
		fi
		wait_server
		[ "$CRASHES" -ge "$MAX_CRASHES" ] && { CRASH_LINES+=("stopped after $CRASHES crashes (FUZZ_MAX_CRASHES)"); break; }
		from=$((n + 1))
		[ "$from" -gt "$last" ] && break
	done
}

# summary of the errors psql saw: SQLSTATE histogram, internal errors, warnings
error_summary() {
	local err=$1
	diag "errors by SQLSTATE: $(grep -oE 'ERROR:  [0-9A-Z]{5}' "$err" | cut -c9- | sort | uniq -c | sort -rn |
		awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }')"
	local xx
	# internal errors, each with the first block that raised it
	xx=$(awk '/^@@ [0-9]+$/ { b = $2; next }
		/ERROR:  XX[0-9A-Z][0-9A-Z][0-9A-Z]/ { sub(/^psql:[^:]*:[0-9]+: /, ""); m = substr($0, 1, 200);
			if (!(m in first)) { first[m] = b; order[++k] = m } count[m]++ }
		END { for (i = 1; i <= k; i++) printf "%5d  %s  (first in block %s)\n", count[order[i]], order[i], first[order[i]] }' "$err")
	[ -n "$xx" ] && diag "internal errors (XX...: worth a look):" "$xx"
	xx=$(grep -E 'WARNING:' "$err" | sed -E 's/^psql:[^:]*:[0-9]+: //' | cut -c1-200 | sort | uniq -c | sort -rn | head -n 10)
	[ -n "$xx" ] && diag "warnings:" "$xx"
	return 0
}

if [ -n "$ONLY" ]; then
	name=${ONLY%%:*}
	range=${ONLY#*:}
	first=${range%-*}
	n=${range#*-}
	diag "block $n of $name (seed $SEED):" "$(block "$OUT/$name.sql" "$n" | cut -c1-2000)"
	run_phase "$name" "$OUT/$name.sql" "$first" "$n"
	if [ "$PHASE_LOST" -eq 0 ]; then
		ok "$ONLY: the connection survived"
	else
		not_ok "$ONLY: connection lost" "${CRASH_LINES[@]}"
	fi
	psql_cmd -c "SELECT laminar.flush('20s')" >/dev/null 2>&1
	cat "$OUT/$name.err" | grep -v '^LOCATION' | head -n 5 | sed 's/^/# /'
	crashes=$(log_since "$LOG_OFF" | grep -E "$CRASH_RE" | head -n 5)
	if [ -z "$crashes" ]; then ok "server log: no crash"; else not_ok "server log: crash" "$crashes"; fi
	psql_cmd -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS lm_fuzz, lm_fuzz_b CASCADE" >/dev/null 2>&1
	[ "$KEEP" -eq 1 ] || rm -rf "$OUT"
	exit 0
fi

# ------------------------------------------------------------------ 3. phase 1
TIMES="setup $SECONDS"
t0=$SECONDS
run_phase p1 "$OUT/p1.sql"
nblocks=$(grep -c '^\\warn @@ ' "$OUT/p1.sql")
if [ "$PHASE_LOST" -eq 0 ] && [ -z "$PHASE_TIMEDOUT" ]; then
	ok "phase 1: $nblocks blocks, each rolled back; the connection survived ($((SECONDS - t0)) s)"
else
	not_ok "phase 1: $nblocks blocks, each rolled back: $PHASE_LOST lost connections $PHASE_TIMEDOUT" "${CRASH_LINES[@]}"
	CRASH_LINES=()
fi
error_summary "$OUT/p1.err"
TIMES="$TIMES, phase 1 $((SECONDS - t0))"

# ------------------------------------------------------------------ 4. phase 2
t0=$SECONDS
r_before=$(restarts)
run_phase p2 "$OUT/p2.sql"
nblocks=$(grep -c '^\\warn @@ ' "$OUT/p2.sql")
if [ "$PHASE_LOST" -eq 0 ] && [ -z "$PHASE_TIMEDOUT" ]; then
	ok "phase 2: $nblocks committed blocks (views, events, flushes); the connection survived ($((SECONDS - t0)) s)"
else
	not_ok "phase 2: $nblocks committed blocks: $PHASE_LOST lost connections $PHASE_TIMEDOUT" "${CRASH_LINES[@]}"
	CRASH_LINES=()
fi
error_summary "$OUT/p2.err"
TIMES="$TIMES, phase 2 $((SECONDS - t0))"
t0=$SECONDS
if out=$(psql_cmd -c "SELECT laminar.flush('60s')" 2>&1); then
	ok "phase 2: a final laminar.flush() returns"
else
	not_ok "phase 2: a final laminar.flush() returns" "$out"
fi
diag "views in lm_fuzz: $(psql_cmd -c "SELECT count(*) || ' live, ' || count(last_error) || ' stopped by an error, ' || coalesce(sum(events_in), 0) || ' events in'
	FROM laminar.views v JOIN pg_class c ON c.oid = v.view WHERE c.relnamespace = 'lm_fuzz'::regnamespace" 2>&1)"
# the stopped views, with their definitions, for a look after the run
psql_cmd -F ' | ' -c "SELECT c.relname, last_error, definition FROM laminar.views v JOIN pg_class c ON c.oid = v.view
	WHERE c.relnamespace = 'lm_fuzz'::regnamespace AND last_error IS NOT NULL ORDER BY 1" >"$OUT/stopped-views.txt" 2>&1
diag "$(psql_cmd -c "SELECT 'views stopped by: ' || string_agg(DISTINCT left(regexp_replace(last_error, '[0-9]+', 'N', 'g'), 80), ' | ')
	FROM laminar.views v JOIN pg_class c ON c.oid = v.view WHERE c.relnamespace = 'lm_fuzz'::regnamespace" 2>&1)"
# the fuzzer terminates workers now and then: only those restarts are allowed
wait_server
r_after=$(restarts)
terminated=$(awk -F: '/^terminated:[0-9]+$/ { n += $2 } END { print n + 0 }' "$OUT/p2.out")
if [[ "$r_before" =~ ^[0-9]+$ ]] && [[ "$r_after" =~ ^[0-9]+$ ]] && [ $((r_after - r_before)) -eq "$terminated" ]; then
	ok "no laminar worker exited by itself (restarts $r_before -> $r_after, $terminated terminated by the fuzzer)"
else
	not_ok "no laminar worker exited by itself" "restarts before: $r_before, after: $r_after" \
		"workers terminated by the fuzzer: $terminated" \
		"$(log_since "$LOG_OFF" | grep -E 'laminar worker.*(exited|FATAL|ERROR)' | cut -c1-300 | tail -n 5)"
fi

TIMES="$TIMES, final flush $((SECONDS - t0))"
# ------------------------------------------------------------------ 5. cleanup
t0=$SECONDS
if out=$(psql_cmd -c "SET client_min_messages = warning" -c "DROP SCHEMA lm_fuzz, lm_fuzz_b CASCADE" 2>&1) &&
	[ "$(counts)" == "$COUNTS_BEFORE" ]; then
	ok "cleanup: DROP SCHEMA lm_fuzz, lm_fuzz_b CASCADE leaves the laminar catalog as before ($COUNTS_BEFORE)"
else
	not_ok "cleanup: DROP SCHEMA lm_fuzz, lm_fuzz_b CASCADE leaves the laminar catalog as before" "$out" \
		"before: $COUNTS_BEFORE" "after: $(counts)"
fi

TIMES="$TIMES, cleanup $((SECONDS - t0))"
# ------------------------------------------------------------------ 6. verdict
END_TIME=$(psql_cmd -c "SELECT pg_postmaster_start_time()" 2>&1)
if [ "$START_TIME" == "$END_TIME" ]; then
	ok "postmaster start time unchanged ($END_TIME)"
else
	not_ok "postmaster start time unchanged" "before: $START_TIME" "after:  $END_TIME"
fi
if [ -z "$LOG" ] || [ ! -r "$LOG" ]; then
	not_ok "server log readable (set LAMINAR_SERVER_LOG)" "log: '${LOG}'"
else
	crashes=$(log_since "$LOG_OFF" | grep -E "$CRASH_RE" | cut -c1-300 | head -n 10)
	if [ -z "$crashes" ]; then
		ok "server log: no 'terminated by signal', 'was terminated by exception', PANIC or TRAP line"
	else
		not_ok "server log: crash lines (seed $SEED)" "$crashes"
	fi
fi

diag "seconds: $TIMES, total $SECONDS"
if [ "$FAILED" -eq 0 ] && [ "$KEEP" -eq 0 ]; then
	rm -rf "$OUT"
else
	diag "generated files and psql output kept in $OUT"
fi
exit 0
