#!/usr/bin/env bash
# Concurrency test: 8 pgbench clients write small transactions (some rolled
# back, some with a rolled-back savepoint) into a stream and, identically,
# into a plain oracle table, while another client loads the stream with COPY.
# After laminar.flush() the continuous view must equal the aggregate of the
# oracle exactly.  A second phase repeats the writes while another session
# keeps dropping and re-creating a second view over the same stream; no
# worker may crash and conc_v must still equal the oracle.  Prints TAP.
#
# Uses PGHOST/PGPORT/PGUSER from the environment, database laminar_regress.
# Knobs: CONC_CLIENTS (8), CONC_SECONDS (20), CONC_COPY_TXNS (8),
#        CONC_COPY_ROWS (400 per COPY transaction), CONC_CHURN_SECONDS (6),
#        CONC_CHURN_ROWS (100000 rows written just before each drop).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DB=${LAMINAR_DB:-laminar_regress}
CLIENTS=${CONC_CLIENTS:-8}
DURATION=${CONC_SECONDS:-20}
COPY_TXNS=${CONC_COPY_TXNS:-8}
COPY_ROWS=${CONC_COPY_ROWS:-400}
CHURN_SECONDS=${CONC_CHURN_SECONDS:-6}
CHURN_ROWS=${CONC_CHURN_ROWS:-100000}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

WORK=$(mktemp -d /tmp/laminar-conc.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

psql_cmd() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

PLAN=25
# shellcheck source=test/tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
# check DESCRIPTION COMMAND... : ok if the command succeeds
check() {
	local desc=$1
	shift
	local out
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}

# view_matches_oracle DESC1 DESC2: two tests, view EXCEPT oracle and the reverse
view_matches_oracle() {
	local d rc
	d=$(psql_cmd -c "SELECT k, n, total FROM conc_v
	                 EXCEPT SELECT k, count(*), sum(v) FROM conc_oracle GROUP BY k
	                 ORDER BY 1 LIMIT 20" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$d" ]; then ok "$1"; else not_ok "$1" "k|n|total in view only:" "$d"; fi
	d=$(psql_cmd -c "SELECT k, count(*), sum(v) FROM conc_oracle GROUP BY k
	                 EXCEPT SELECT k, n, total FROM conc_v
	                 ORDER BY 1 LIMIT 20" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$d" ]; then ok "$2"; else not_ok "$2" "k|n|total in oracle only:" "$d"; fi
}

cleanup_sql="
SELECT laminar.execute('DROP MATERIALIZED VIEW IF EXISTS conc_churn; DROP MATERIALIZED VIEW IF EXISTS conc_v; DROP STREAM IF EXISTS conc_s CASCADE');
DROP TABLE IF EXISTS conc_oracle;"

echo "1..$PLAN"

# 1. setup ---------------------------------------------------------------------
if out=$(psql_cmd 2>&1 <<EOF
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS laminar;
$cleanup_sql
SELECT laminar.execute(\$\$
    CREATE STREAM conc_s (k int8, v int8, ts timestamptz);
    CREATE MATERIALIZED VIEW conc_v AS SELECT k, count(*) AS n, sum(v) AS total FROM conc_s GROUP BY k
\$\$);
CREATE TABLE conc_oracle (k int8, v int8);
EOF
); then
	ok "setup: stream conc_s, view conc_v, table conc_oracle"
else
	not_ok "setup: stream conc_s, view conc_v, table conc_oracle" "$out"
	echo "Bail out! setup failed"
	exit 1
fi
worker_pids() { psql_cmd -c "SELECT string_agg(worker_id || ':' || pid, ' ' ORDER BY worker_id) FROM laminar.workers" 2>&1; }
pids_before=$(worker_pids)

# 2-3. concurrent writers -----------------------------------------------------------
# The COPY client: COPY_TXNS transactions spread over the pgbench run, each
# COPYing the same rows into conc_s and conc_oracle; every 4th one rolls back.
copy_client() {
	local i rows end pause
	pause=$(awk -v d="$DURATION" -v n="$COPY_TXNS" 'BEGIN { printf "%.2f", (n > 0 ? d / (n + 1) : 0) }')
	for ((i = 1; i <= COPY_TXNS; i++)); do
		sleep "$pause"
		rows=$(awk -v seed="$i" -v n="$COPY_ROWS" 'BEGIN {
			srand(seed * 7919);
			for (r = 0; r < n; r++)
				printf "%d,%d\n", 1 + int(rand() * 64), int(rand() * 2001) - 1000;
		}')
		if ((i % 4 == 0)); then end=ROLLBACK; else end=COMMIT; fi
		{
			echo "BEGIN;"
			echo "COPY conc_s (k, v) FROM STDIN WITH (FORMAT csv);"
			echo "$rows"
			echo '\.'
			echo "COPY conc_oracle (k, v) FROM STDIN WITH (FORMAT csv);"
			echo "$rows"
			echo '\.'
			echo "$end;"
		} >"$WORK/copy$i.sql"
		psql_cmd -f "$WORK/copy$i.sql" || return 1
	done
}

"$PGBIN/pgbench" -n -f "$HERE/txn.pgbench" -c "$CLIENTS" -j 2 -T "$DURATION" "$DB" \
	>"$WORK/pgbench.out" 2>&1 &
pgbench_pid=$!
copy_client >"$WORK/copy.out" 2>&1 &
copy_pid=$!
wait "$pgbench_pid"
pgbench_rc=$?
wait "$copy_pid"
copy_rc=$?

if [ "$pgbench_rc" -eq 0 ] && ! grep -qiE 'aborted|error' "$WORK/pgbench.out"; then
	ok "pgbench: $CLIENTS clients x ${DURATION}s, no errors ($(grep -E '^number of transactions actually processed' "$WORK/pgbench.out" | sed 's/.*: //') transactions)"
else
	not_ok "pgbench: $CLIENTS clients x ${DURATION}s, no errors (exit $pgbench_rc)" "$(tail -n 25 "$WORK/pgbench.out")"
fi
if [ "$copy_rc" -eq 0 ]; then
	ok "COPY client: $COPY_TXNS transactions of $COPY_ROWS rows"
else
	not_ok "COPY client: $COPY_TXNS transactions of $COPY_ROWS rows (exit $copy_rc)" "$(tail -n 25 "$WORK/copy.out")"
fi

# 4. flush ------------------------------------------------------------------------
check "laminar.flush() returns" psql_cmd -c "SELECT laminar.flush('60s')"

# 5-13. compare view and oracle ------------------------------------------------
oracle_rows=$(psql_cmd -c "SELECT count(*) FROM conc_oracle" 2>&1)
if [[ "$oracle_rows" =~ ^[0-9]+$ ]] && [ "$oracle_rows" -gt 0 ]; then
	ok "oracle has rows ($oracle_rows)"
else
	not_ok "oracle has rows" "$oracle_rows"
fi

is "view row count = number of distinct keys" \
	"$(psql_cmd -c "SELECT count(*) FROM conc_v" 2>&1)" \
	"$(psql_cmd -c "SELECT count(DISTINCT k) FROM conc_oracle" 2>&1)"

view_matches_oracle "every view row matches the oracle (view EXCEPT oracle is empty)" \
	"every oracle group is in the view (oracle EXCEPT view is empty)"

is "sum(n) over the view = count(*) of the oracle" \
	"$(psql_cmd -c "SELECT coalesce(sum(n), 0) FROM conc_v" 2>&1)" "$oracle_rows"

is "sum(total) over the view = sum(v) of the oracle" \
	"$(psql_cmd -c "SELECT coalesce(sum(total), 0) FROM conc_v" 2>&1)" \
	"$(psql_cmd -c "SELECT coalesce(sum(v), 0) FROM conc_oracle" 2>&1)"

is "laminar.views.last_error is NULL for conc_v" \
	"$(psql_cmd -c "SELECT coalesce(last_error, '<null>') FROM laminar.views WHERE view = 'conc_v'::regclass" 2>&1)" \
	"<null>"

# Rolled-back events never enter the stream: the counters equal the oracle.
is "laminar.streams.events_in for conc_s = committed rows" \
	"$(psql_cmd -c "SELECT events_in FROM laminar.streams WHERE stream = 'conc_s'::regclass" 2>&1)" \
	"$oracle_rows"
is "laminar.views.events_in for conc_v = committed rows" \
	"$(psql_cmd -c "SELECT events_in FROM laminar.views WHERE view = 'conc_v'::regclass" 2>&1)" \
	"$oracle_rows"

# 14-19. DDL churn: writes continue while a second view over conc_s is created,
# given a backlog of committed events and dropped at once, over and over.  The
# second view selects only the backlog rows (v > 100000; pgbench writes
# |v| <= 1000), so it is dropped before it has emitted anything -------------
"$PGBIN/pgbench" -n -f "$HERE/txn.pgbench" -c 4 -j 2 -T "$CHURN_SECONDS" "$DB" \
	>"$WORK/pgbench2.out" 2>&1 &
pgbench_pid=$!
churn_fail=0
churn_n=0
churn_end=$((SECONDS + CHURN_SECONDS - 1))
: >"$WORK/churn.out"
while [ "$SECONDS" -lt "$churn_end" ] && [ "$churn_fail" -eq 0 ]; do
	churn_n=$((churn_n + 1))
	psql_cmd -c "SELECT laminar.execute('CREATE MATERIALIZED VIEW conc_churn AS SELECT k, max(v) AS top FROM conc_s WHERE v > 100000 GROUP BY k')" \
		>>"$WORK/churn.out" 2>&1 || churn_fail=$((churn_fail + 1))
	# a backlog of committed events, then drop the view right away
	psql_cmd >>"$WORK/churn.out" 2>&1 <<EOF || churn_fail=$((churn_fail + 1))
BEGIN;
INSERT INTO conc_oracle (k, v) SELECT g % 64 + 1, 100001 + g % 1000 FROM generate_series(1, $CHURN_ROWS) g;
INSERT INTO conc_s (k, v, ts) SELECT g % 64 + 1, 100001 + g % 1000, clock_timestamp() FROM generate_series(1, $CHURN_ROWS) g;
COMMIT;
SELECT laminar.execute('DROP MATERIALIZED VIEW conc_churn');
EOF
done
wait "$pgbench_pid"
pgbench_rc=$?
if [ "$churn_fail" -eq 0 ]; then
	ok "DDL churn: $churn_n create/drop cycles of view conc_churn during writes"
else
	not_ok "DDL churn: $churn_n create/drop cycles of view conc_churn during writes ($churn_fail failed)" \
		"$(grep -v '^$' "$WORK/churn.out" | tail -n 10)"
fi
if [ "$pgbench_rc" -eq 0 ] && ! grep -qiE 'aborted|error' "$WORK/pgbench2.out"; then
	ok "pgbench during DDL churn: no errors"
else
	not_ok "pgbench during DDL churn: no errors (exit $pgbench_rc)" "$(tail -n 15 "$WORK/pgbench2.out")"
fi
check "laminar.flush() after the churn" psql_cmd -c "SELECT laminar.flush('60s')"
view_matches_oracle "after the churn: view EXCEPT oracle is empty" \
	"after the churn: oracle EXCEPT view is empty"
pids_after=$(worker_pids)
is "no laminar worker crashed or restarted (same worker pids)" "$pids_after" "$pids_before"

# 21-25. backpressure ----------------------------------------------------------------
# With every worker stopped (SIGSTOP), nothing drains the rings: a large
# transaction must fail cleanly in 'error' mode and after the timeout in
# 'block' mode, count nothing, and succeed once the workers run again.
bp_pids=$(psql_cmd -c "SELECT string_agg(pid::text, ' ') FROM laminar.workers WHERE pid IS NOT NULL")
bp_resume() { [ -n "$bp_pids" ] && kill -CONT $bp_pids 2>/dev/null; true; }
trap 'bp_resume; rm -rf "$WORK"' EXIT
psql_cmd -c "SELECT laminar.execute('CREATE STREAM bp_s (k int8, pad text); CREATE MATERIALIZED VIEW bp_v AS SELECT k % 4 AS b, count(*) AS n FROM bp_s GROUP BY 1')" >/dev/null
bp_insert="INSERT INTO bp_s SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g"
# Stop the workers only while they sleep between passes: a worker stopped
# in the middle of one (loading bp_v, reading the catalog) may hold a buffer
# or shared-memory LWLock the INSERTs below need, and they would wait for it
# until the harness's timeout (seen once in five runs).  A long flush
# interval makes them sleep 10 s between passes; flush() has them load bp_v
# and finish a pass first.
psql_cmd -c "ALTER SYSTEM SET laminar.flush_interval = '20s'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
psql_cmd -c "SELECT laminar.flush('60s')" >/dev/null
psql_cmd -c "DO \$\$ BEGIN
	FOR i IN 1..100 LOOP
		EXIT WHEN (SELECT bool_and(a.state = 'idle' AND a.wait_event_type = 'Extension')
		             FROM laminar.workers w JOIN pg_stat_activity a USING (pid));
		PERFORM pg_sleep(0.05);
	END LOOP;
END \$\$" >/dev/null
if kill -STOP $bp_pids 2>/dev/null; then
	out=$(psql_cmd -c "SET laminar.backpressure = 'error'" -c "$bp_insert" 2>&1)
	case $out in
		*"is full"*) ok "backpressure=error: a full ring fails the statement" ;;
		*) not_ok "backpressure=error: a full ring fails the statement" "$out" ;;
	esac
	out=$(psql_cmd -c "SET laminar.backpressure = 'block'" -c "SET laminar.backpressure_timeout = '300ms'" -c "$bp_insert" 2>&1)
	case $out in
		*"timed out waiting"*) ok "backpressure=block: waits, then fails after laminar.backpressure_timeout" ;;
		*) not_ok "backpressure=block: waits, then fails after laminar.backpressure_timeout" "$out" ;;
	esac
	# a blocked writer goes on when the workers resume
	( psql_cmd -c "SET laminar.backpressure_timeout = '60s'" -c "$bp_insert" > "$WORK/bp.out" 2>&1; echo $? > "$WORK/bp.rc" ) &
	bp_writer=$!
	sleep 1
	bp_resume
	wait "$bp_writer"
	is "backpressure=block: the writer completes once the workers resume" "$(cat "$WORK/bp.rc")" "0"
else
	ok "backpressure tests skipped: cannot stop the workers (not root?) # SKIP"
	ok "backpressure tests skipped # SKIP"
	ok "backpressure tests skipped # SKIP"
fi
psql_cmd -c "ALTER SYSTEM RESET laminar.flush_interval" -c "SELECT pg_reload_conf()" >/dev/null
check "laminar.flush() after backpressure" psql_cmd -c "SELECT laminar.flush('60s')"
is "only the committed 20000 events counted (failed transactions count nothing)" \
	"$(psql_cmd -c "SELECT coalesce(sum(n), 0) FROM bp_v" 2>&1)" "20000"
psql_cmd -c "SELECT laminar.execute('DROP STREAM bp_s CASCADE')" >/dev/null 2>&1

# 20. cleanup -----------------------------------------------------------------------
check "cleanup: drop view, stream and oracle" psql_cmd -c "SET client_min_messages = warning" -c "$cleanup_sql"

[ "$FAILED" -eq 0 ]
