#!/usr/bin/env bash
# Laminar: every test suite (what `make test` runs).
#
#   1. test/deps.sh                     install missing Debian packages
#   2. make && make install             unless LAMINAR_SKIP_BUILD=1 (fatal on failure)
#   3. cluster A (laminar.workers=2):   pg_regress (REGRESS in the Makefile),
#                                       pgTAP (test/pgtap/*.sql),
#                                       test/concurrency/run.sh,
#                                       test/memory/run.sh (workers' memory stays flat),
#                                       test/differential/run.sh
#                                       test/order/order.sh (concurrent producers, commit order)
#                                       test/order/restart.sh (restarts the cluster)
#                                       test/upgrade/run.sh (0.1.0 -> default equals a fresh install)
#                                       test/security/run.sh (planted look-alikes never run)
#                                       test/fuzz/run.sh (mutated statements and events: no crash)
#                                       test/dump/run.sh (pg_dump/pg_restore round trip; re-creates laminar_regress)
#   4. cluster A restarted with laminar.workers=1: test/differential/run.sh,
#      test/order/order.sh
#   make format-check (the repo's .clang-format) runs first, as a suite.
#
# Prints a per-suite summary; the very last line is exactly "N passed, N failed".
# Exit status 1 if anything failed or nothing ran.
#
# Environment knobs:
#   LAMINAR_SKIP_BUILD=1     do not build/install (use the installed laminar.so)
#   LAMINAR_SUITES           space-separated subset to run, e.g. "regress pgtap"
#                            (names: format regress security pgtap concurrency
#                            memory upgrade dump differential fuzz snapshot); default: all.  For a quick loop.
#   FUZZ_SEEDS               seeds of the fuzz suite, one run each (default: the
#                            fixed seed of test/fuzz/run.sh); other FUZZ_* knobs
#                            are described there (`make stress` sets them)
#   REGRESS                  with LAMINAR_SUITES=regress: the pg_regress tests to run
#   LAMINAR_TEST_DIR         cluster directory (default /tmp/laminar-test)
#   LAMINAR_TEST_PORT        cluster port (default 55440)
#   LAMINAR_TIMEOUT_REGRESS, LAMINAR_TIMEOUT_PGTAP (per file),
#   LAMINAR_TIMEOUT_CONCURRENCY, LAMINAR_TIMEOUT_DIFFERENTIAL,
#   LAMINAR_TIMEOUT_FUZZ (per seed)                             (seconds)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

PGBIN=/usr/lib/postgresql/15/bin
PG_CONFIG=$PGBIN/pg_config
export PGBIN

TEST_DIR=${LAMINAR_TEST_DIR:-/tmp/laminar-test}
TEST_PORT=${LAMINAR_TEST_PORT:-55440}
T_REGRESS=${LAMINAR_TIMEOUT_REGRESS:-480}
T_PGTAP=${LAMINAR_TIMEOUT_PGTAP:-90}
T_CONC=${LAMINAR_TIMEOUT_CONCURRENCY:-300} # a hang guard: once over 180 s on a machine another cluster loaded
T_DIFF=${LAMINAR_TIMEOUT_DIFFERENTIAL:-360}
T_FUZZ=${LAMINAR_TIMEOUT_FUZZ:-300}

LOGDIR=$TEST_DIR-logs
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"

TOTAL_PASS=0
TOTAL_FAIL=0
SUITE_NAMES=()
SUITE_RESULTS=()

heading() {
	echo
	echo "======================================================================"
	echo "== $*"
	echo "======================================================================"
}

# record SUITE PASS FAIL [note]
record() {
	local name=$1 p=$2 f=$3 note=${4:-}
	TOTAL_PASS=$((TOTAL_PASS + p))
	TOTAL_FAIL=$((TOTAL_FAIL + f))
	SUITE_NAMES+=("$name")
	if [ -n "$note" ]; then
		SUITE_RESULTS+=("$note")
	else
		SUITE_RESULTS+=("$p passed, $f failed")
	fi
}

summary_and_exit() {
	heading "Summary"
	local i
	for i in "${!SUITE_NAMES[@]}"; do
		printf '  %-34s %s\n' "${SUITE_NAMES[$i]}" "${SUITE_RESULTS[$i]}"
	done
	echo "  logs: $LOGDIR"
	local rc=0
	if [ "$TOTAL_FAIL" -ne 0 ] || [ $((TOTAL_PASS + TOTAL_FAIL)) -eq 0 ]; then
		rc=1
	fi
	echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
	exit $rc
}

# Count TAP results in FILE produced by a command that exited with RC.
# Sets TAP_PASS / TAP_FAIL.  "not ok ... # TODO" counts as a pass (TAP
# semantics); tests missing relative to the plan count as failures; a
# non-zero exit without any failure counts as one failure.
tap_count() {
	local file=$1 rc=$2
	local ok notok todo plan
	ok=$(grep -cE '^ok [0-9]+' "$file")
	notok=$(grep -E '^not ok [0-9]+' "$file" | grep -cvE '#[[:space:]]*TODO')
	todo=$(grep -E '^not ok [0-9]+' "$file" | grep -cE '#[[:space:]]*TODO')
	plan=$(grep -E '^1\.\.[0-9]+' "$file" | head -n 1 | sed -E 's/^1\.\.([0-9]+).*/\1/')
	TAP_PASS=$((ok + todo))
	TAP_FAIL=$notok
	if [ -n "$plan" ] && [ $((ok + notok + todo)) -lt "$plan" ]; then
		echo "   (planned $plan tests, saw $((ok + notok + todo)))"
		TAP_FAIL=$((TAP_FAIL + plan - ok - notok - todo))
	fi
	if [ "$rc" -ne 0 ] && [ "$TAP_FAIL" -eq 0 ]; then
		echo "   (exited with status $rc without a failing test: counted as one failure)"
		TAP_FAIL=1
	fi
	return 0
}

run_with_timeout() {
	local secs=$1
	shift
	timeout -k 15 "$secs" "$@"
}

psql_q() {
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d laminar_regress "$@"
}

ensure_extension() {
	psql_q -c "CREATE EXTENSION IF NOT EXISTS laminar" >/dev/null 2>&1 ||
		echo "   (warning: CREATE EXTENSION IF NOT EXISTS laminar failed)"
}

# wait_ready: the server accepts connections and all laminar workers run
# (after a start, a restart, or a crash and recovery in an earlier suite).
wait_ready() {
	local i n=""
	for ((i = 0; i < 60; i++)); do
		n=$(psql_q -At -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'laminar worker'" 2>/dev/null)
		if [ -n "$n" ] && [ "$n" -ge "$LAMINAR_WORKERS" ]; then
			return 0
		fi
		sleep 1
	done
	echo "   (warning: server not ready or only ${n:-0} of $LAMINAR_WORKERS laminar workers running after 60 s)"
}

server_log_size() { stat -c %s "$TEST_DIR/log" 2>/dev/null || echo 0; }

# run_suite FUNCTION ARGS...: wait for the server, run the suite, then look
# for crashes in the server log written meanwhile; a crash counts as one more
# failure of that suite.
run_suite() {
	local off crashes
	wait_ready
	off=$(server_log_size)
	"$@"
	crashes=$(tail -c +"$((off + 1))" "$TEST_DIR/log" 2>/dev/null |
		grep -E 'terminated by signal|was terminated by exception|PANIC:|TRAP:' | head -n 5)
	if [ -n "$crashes" ]; then
		echo "   SERVER CRASH during this suite (server log, $TEST_DIR/log):"
		printf '%s\n' "$crashes" | sed 's/^/     /'
		TOTAL_FAIL=$((TOTAL_FAIL + 1))
		local last=$((${#SUITE_RESULTS[@]} - 1))
		SUITE_RESULTS[$last]="${SUITE_RESULTS[$last]} + 1 server crash"
	fi
}

SUITES=${LAMINAR_SUITES:-format regress security pgtap concurrency memory upgrade dump differential fuzz snapshot}
want() { [[ " $SUITES " == *" $1 "* ]]; }

# ---------------------------------------------------------------- 1. deps
heading "Dependencies (test/deps.sh)"
if ! bash "$ROOT/test/deps.sh"; then
	echo "test/deps.sh failed"
	record "deps" 0 1 "FAILED"
	summary_and_exit
fi
echo "ok"

# ---------------------------------------------------------------- 2. build
if [ "${LAMINAR_SKIP_BUILD:-0}" = 1 ]; then
	heading "Build: skipped (LAMINAR_SKIP_BUILD=1)"
else
	heading "Build and install"
	# shellcheck source=test/cluster.sh
	source "$ROOT/test/cluster.sh"
	lm_build_install "$ROOT"
	case $? in
		0) ;;
		1) record "build" 0 1 "FAILED"; summary_and_exit ;;
		*) record "build" 0 1 "FAILED (install)"; summary_and_exit ;;
	esac
	echo "built and installed"
fi

if [ ! -f "$($PG_CONFIG --pkglibdir)/laminar.so" ]; then
	echo "laminar.so is not installed in $($PG_CONFIG --pkglibdir)"
	record "build" 0 1 "FAILED (laminar.so not installed)"
	summary_and_exit
fi

# ---------------------------------------------------------------- format
if want format; then
	heading "make format-check (.clang-format)"
	if make -s --no-print-directory format-check >"$LOGDIR/format.out" 2>&1; then
		echo "ok: every file under src/ is formatted"
		record "format-check" 1 0
	else
		head -n 40 "$LOGDIR/format.out"
		record "format-check" 0 1
	fi
fi

# ---------------------------------------------------------------- bench scripts
# `make bench` is not part of `make test`; check only that its scripts parse
# (bash -n) and, when gnuplot is installed, that the plot scripts still draw
# the committed results
if want format; then
	heading "bench scripts (bash -n; gnuplot on bench/results when installed)"
	if bash "$ROOT/bench/check.sh" >"$LOGDIR/bench-check.out" 2>&1; then
		cat "$LOGDIR/bench-check.out"
		record "bench-scripts" 1 0
	else
		head -n 40 "$LOGDIR/bench-check.out"
		record "bench-scripts" 0 1
	fi
fi

# ---------------------------------------------------------------- cluster
# shellcheck source=test/cluster.sh
source "$ROOT/test/cluster.sh"
trap 'lm_cluster_stop "$TEST_DIR"' EXIT

heading "Cluster: $TEST_DIR port $TEST_PORT, laminar.workers=2"
if ! lm_cluster_start "$TEST_DIR" "$TEST_PORT" "laminar.workers = 2" ${LAMINAR_EXTRA_CONF:+"$LAMINAR_EXTRA_CONF"}; then
	record "cluster (workers=2)" 0 1 "FAILED to start"
	summary_and_exit
fi

# ---------------------------------------------------------------- suites

suite_regress() {
	local name=${1:-pg_regress}
	heading "$name (make installcheck)"
	local all existing=() missing=() noexp=() t
	all=${REGRESS:-}
	[ -n "$all" ] || all=$(make -s --no-print-directory PG_CONFIG="$PG_CONFIG" -f Makefile -f - lm-print-regress \
		<<<'lm-print-regress: ; @echo $(REGRESS)' 2>/dev/null)
	[ -n "$all" ] || all=$(sed -n 's/^REGRESS[[:space:]]*=[[:space:]]*//p' Makefile)
	for t in $all; do
		if [ ! -f "sql/$t.sql" ]; then
			missing+=("$t")
		elif ! compgen -G "expected/$t.out" >/dev/null && ! compgen -G "expected/${t}_[0-9].out" >/dev/null; then
			noexp+=("$t")
		else
			existing+=("$t")
		fi
	done
	if [ ${#missing[@]} -ne 0 ]; then
		echo "note: skipping tests without sql/<name>.sql: ${missing[*]}"
	fi
	# pg_regress aborts the whole run when an expected file is missing, so
	# such tests are counted as failures here and left out of the run.
	for t in "${noexp[@]}"; do
		echo "test $t: FAILED (sql/$t.sql exists but expected/$t.out does not)"
	done
	if [ ${#existing[@]} -eq 0 ]; then
		if [ ${#noexp[@]} -eq 0 ]; then
			echo "note: no pg_regress tests exist yet: suite skipped"
			record "$name" 0 0 "skipped (no tests)"
		else
			record "$name" 0 "${#noexp[@]}"
		fi
		return
	fi
	rm -rf results regression.diffs regression.out
	# PGXS appends --dbname=$(CONTRIB_TESTDB) after REGRESS_OPTS and the last
	# --dbname wins, so the database is set through CONTRIB_TESTDB.
	local out=$LOGDIR/regress.out rc
	run_with_timeout "$T_REGRESS" make -s --no-print-directory installcheck \
		PG_CONFIG="$PG_CONFIG" REGRESS="${existing[*]}" CONTRIB_TESTDB=laminar_regress 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	local p f
	p=$(grep -cE '\.\.\. +ok( |$)' "$out")
	f=$(grep -cE '\.\.\. +(FAILED|failed)' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "   (pg_regress exited with status $rc without a failing test: counted as one failure)"
		f=1
	fi
	f=$((f + ${#noexp[@]}))
	if [ "$f" -ne 0 ] && [ -s regression.diffs ]; then
		cp regression.diffs "$LOGDIR/regression.diffs"
		echo "---- regression.diffs (first 80 lines; full file: $LOGDIR/regression.diffs) ----"
		head -n 80 regression.diffs
		echo "---- end of regression.diffs ----"
	fi
	record "$name" "$p" "$f"
}

suite_pgtap() {
	heading "pgTAP (test/pgtap/*.sql)"
	local files=()
	shopt -s nullglob
	files=("$ROOT"/test/pgtap/*.sql)
	shopt -u nullglob
	if [ ${#files[@]} -eq 0 ]; then
		echo "note: no pgTAP tests exist yet: suite skipped"
		record "pgTAP" 0 0 "skipped (no tests)"
		return
	fi
	if ! command -v pg_prove >/dev/null 2>&1; then
		echo "pg_prove not found"
		record "pgTAP" 0 1 "FAILED (no pg_prove)"
		return
	fi
	ensure_extension
	local p=0 f=0 file out rc
	for file in "${files[@]}"; do
		out=$LOGDIR/pgtap-$(basename "$file" .sql).out
		run_with_timeout "$T_PGTAP" pg_prove -v -d laminar_regress "$file" 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
		tap_count "$out" "$rc"
		p=$((p + TAP_PASS))
		f=$((f + TAP_FAIL))
	done
	record "pgTAP" "$p" "$f"
}

# suite_script NAME SCRIPT TIMEOUT
suite_script() {
	local name=$1 script=$2 secs=$3
	heading "$name ($script)"
	if [ ! -f "$ROOT/$script" ]; then
		echo "note: $script does not exist yet: suite skipped"
		record "$name" 0 0 "skipped (no script)"
		return
	fi
	ensure_extension
	local out rc
	out=$LOGDIR/$(echo "$name" | tr -c 'A-Za-z0-9\n' '_').out
	run_with_timeout "$secs" bash "$ROOT/$script" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	[ "$rc" -eq 124 ] && echo "   (timed out after ${secs}s)"
	tap_count "$out" "$rc"
	record "$name" "$TAP_PASS" "$TAP_FAIL"
}

export LAMINAR_WORKERS=2
want regress && run_suite suite_regress
want security && run_suite suite_script "security" test/security/run.sh 300
want pgtap && run_suite suite_pgtap
want concurrency && run_suite suite_script "concurrency" test/concurrency/run.sh "$T_CONC"
want memory && run_suite suite_script "bounded memory" test/memory/run.sh 300
want upgrade && run_suite suite_script "upgrade chain" test/upgrade/run.sh 120
want dump && run_suite suite_script "dump/restore" test/dump/run.sh 240
want differential && run_suite suite_script "differential (workers=2)" test/differential/run.sh "$T_DIFF"
want differential && run_suite suite_script "commit order (workers=2)" test/order/order.sh 180
# restarts the cluster (same settings) in the middle
export LAMINAR_CLUSTER_DIR=$TEST_DIR
want differential && run_suite suite_script "restart (workers=2)" test/order/restart.sh 180
# fuzz last on this cluster: a crash it finds (a crash-restart) cannot spoil
# the suites before it, and the restart below gives the next one a clean start
if want fuzz; then
	export LAMINAR_SERVER_LOG=$TEST_DIR/log
	for seed in ${FUZZ_SEEDS:-default}; do
		if [ "$seed" = default ]; then
			run_suite suite_script "fuzz" test/fuzz/run.sh "$T_FUZZ"
		else
			FUZZ_SEED=$seed run_suite suite_script "fuzz (seed $seed)" test/fuzz/run.sh "$T_FUZZ"
		fi
	done
fi

if want differential; then
	heading "Cluster: restart with laminar.workers=1"
	if lm_cluster_restart "$TEST_DIR" "laminar.workers = 1"; then
		export LAMINAR_WORKERS=1
		run_suite suite_script "differential (workers=1)" test/differential/run.sh "$T_DIFF"
		run_suite suite_script "commit order (workers=1)" test/order/order.sh 180
	else
		record "cluster (workers=1)" 0 1 "FAILED to restart"
	fi
fi

# every view of the pg_regress, differential and commit-order tests, rebuilt
# from a snapshot of its state after every pass: the results must not change
if want snapshot; then
	heading "Cluster: restart with laminar.workers=2, laminar.debug_snapshot_cycle=on"
	if lm_cluster_restart "$TEST_DIR" "laminar.workers = 2" "laminar.debug_snapshot_cycle = on"; then
		export LAMINAR_WORKERS=2
		# the setup test installs the extension: start from a database without it
		psql_q -c "DROP EXTENSION IF EXISTS laminar CASCADE" >/dev/null 2>&1
		run_suite suite_regress "pg_regress (snapshot cycle)"
		run_suite suite_script "differential (snapshot cycle)" test/differential/run.sh "$T_DIFF"
		run_suite suite_script "commit order (snapshot cycle)" test/order/order.sh 180
	else
		record "cluster (snapshot cycle)" 0 1 "FAILED to restart"
	fi
fi

lm_cluster_stop "$TEST_DIR"
trap - EXIT
summary_and_exit
