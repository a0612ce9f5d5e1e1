#!/usr/bin/env bash
# Commit-order test (issue 9, item 16): several pgbench clients commit
# transactions into a stream with a watermark, where whether an event is late
# depends on the order in which the transactions commit.  The oracle orders
# transactions by a ticket drawn under an advisory lock as each one's last
# statement (order.pgbench), which is the commit order:
#   an event is late iff ts < max(ts of the events of every transaction with
#   a smaller ticket) - delay.
# Each windowed view (TUMBLE ON UPDATE and ON WINDOW CLOSE, HOP ON UPDATE,
# SESSION ON WINDOW CLOSE) must equal the same query in plain SQL over the
# non-late events exactly, and count exactly the oracle's late events.
#
# EMIT CHANGES and LATE DATA TO under the same producers: ord_chg (TUMBLE
# 1 s per key, EMIT CHANGES ALLOW LATENESS 50 ms LATE DATA TO ord_late).
# A tailing consumer (a second session, started before pgbench, stopped
# after the final laminar.flush()) polls the changelog in a tight loop, each
# poll its own transaction: INSERT INTO ord_tail ... WHERE _seq > last,
# remembering the largest _seq it saw.  Checks: its copy equals ord_chg
# exactly (EXCEPT ALL both ways: no row missed, none twice); it polled many
# times and rows arrived in many polls; the rows of the writing transactions
# form non-interleaved _seq runs; summing _weight per distinct row gives the
# oracle over the events that are not late for the 50 ms lateness (late iff
# ts < wm - 50 ms), each with net weight exactly 1; late_events is the
# oracle's count for that rule; ord_late holds exactly the oracle's late
# events (multiset), each with _watermark = the watermark of the
# transactions committed before its own (wm in ord_oracle_w).
# Checked to fail: a consumer reading _seq > last + 1, one taking its next
# horizon from max(_seq) in a later statement (misses rows committed in
# between), one taking it from the identity sequence's last_value (misses
# rows of a write in flight), one polling once a second (too few polls),
# the oracle with lateness 0, and _watermark compared with a watermark that
# includes the event's own transaction.
# Prints TAP.  Uses PGHOST/PGPORT/PGUSER, database laminar_regress.
# Knobs: ORDER_CLIENTS (6), ORDER_TXNS (250 per client), ORDER_KEEP=1 (keep
# the tables), ORDER_POLL_MS (0: the consumer's sleep between polls, ms).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DB=${LAMINAR_DB:-laminar_regress}
CLIENTS=${ORDER_CLIENTS:-6}
TXNS=${ORDER_TXNS:-250}
POLL_MS=${ORDER_POLL_MS:-0}
LATENESS='50 milliseconds' # ord_chg's ALLOW LATENESS
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export PGTZ=UTC PGDATABASE=$DB

WORK=$(mktemp -d /tmp/laminar-order.XXXXXX)
TAIL_PID=
# the tailing consumer is a psql session of ours: end it with the script
# (its backend notices within client_connection_check_interval)
trap '[ -n "$TAIL_PID" ] && kill "$TAIL_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

psql_cmd() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

PLAN=22
# shellcheck source=test/tap.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"
# empty DESCRIPTION SQL: ok if the query returns no rows
empty() {
	local out
	if out=$(psql_cmd -c "$2" 2>&1) && [ -z "$out" ]; then ok "$1"; else not_ok "$1" "$out"; fi
}

cleanup() {
	psql_cmd >/dev/null 2>&1 <<-'SQL'
		SELECT laminar.execute('DROP STREAM IF EXISTS ord_ev CASCADE');
		DROP VIEW IF EXISTS ord_oracle_w;
		DROP TABLE IF EXISTS ord_oracle, ord_ticket, ord_late, ord_tail, ord_tail_ctl;
		DROP SEQUENCE IF EXISTS ord_clock;
	SQL
}

echo "1..$PLAN"
echo "# commit order: $CLIENTS clients x $TXNS transactions (workers=${LAMINAR_WORKERS:-?})"
cleanup
if out=$(psql_cmd 2>&1 <<-'SQL'
	CREATE EXTENSION IF NOT EXISTS laminar;
	CREATE SEQUENCE ord_clock;
	CREATE TABLE ord_oracle (txn int8, k int4, ts timestamptz);
	CREATE TABLE ord_ticket (ticket bigserial, txn int8 PRIMARY KEY);
	SELECT laminar.execute($$
	  CREATE STREAM ord_ev (k int4, ts timestamptz, WATERMARK FOR ts AS ts - INTERVAL '100 milliseconds');
	  CREATE MATERIALIZED VIEW ord_upd AS
	    SELECT k, window_start, window_end, count(*) AS n, max(ts) AS last
	    FROM TUMBLE(ord_ev, ts, INTERVAL '1 second') GROUP BY k, window_start, window_end;
	  CREATE MATERIALIZED VIEW ord_close AS
	    SELECT window_start, window_end, count(*) AS n, min(ts) AS first
	    FROM TUMBLE(ord_ev, ts, INTERVAL '500 milliseconds') GROUP BY window_start, window_end
	    EMIT ON WINDOW CLOSE;
	  CREATE MATERIALIZED VIEW ord_hop AS
	    SELECT k, window_start, count(*) AS n, max(ts) AS last
	    FROM ord_ev GROUP BY k, HOP(ts, INTERVAL '250 milliseconds', INTERVAL '1 second');
	  CREATE MATERIALIZED VIEW ord_sess AS
	    SELECT k, window_start, window_end, count(*) AS n, min(ts) AS first
	    FROM SESSION(ord_ev, ts, INTERVAL '60 milliseconds') GROUP BY k, window_start, window_end
	    EMIT ON WINDOW CLOSE;
	  CREATE MATERIALIZED VIEW ord_chg AS
	    SELECT k, window_start, window_end, count(*) AS n
	    FROM TUMBLE(ord_ev, ts, INTERVAL '1 second') GROUP BY k, window_start, window_end
	    EMIT CHANGES ALLOW LATENESS INTERVAL '50 milliseconds' LATE DATA TO ord_late;
	$$);
	-- the tailing consumer's copy of the changelog (and the poll that read
	-- each row), and its control row
	CREATE TABLE ord_tail AS SELECT *, 0 AS poll FROM ord_chg WITH NO DATA;
	CREATE TABLE ord_tail_ctl (stop bool NOT NULL DEFAULT false, pid int4, done bool NOT NULL DEFAULT false,
	                           polls int4, busy_polls int4, last_seq int8, writers int4[]);
	INSERT INTO ord_tail_ctl DEFAULT VALUES;
	-- every committed event with the watermark of the transactions committed
	-- before its own (ticket order) and whether it is late
	CREATE VIEW ord_oracle_w AS
	WITH t AS (
	  SELECT o.txn, tk.ticket, max(o.ts) AS mts
	    FROM ord_oracle o JOIN ord_ticket tk USING (txn) GROUP BY o.txn, tk.ticket
	), w AS (
	  SELECT txn, ticket, max(mts) OVER (ORDER BY ticket ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
	                      - interval '100 milliseconds' AS wm
	    FROM t
	)
	SELECT o.*, w.ticket, w.wm, coalesce(o.ts < w.wm, false) AS late
	  FROM ord_oracle o JOIN w USING (txn);
	SQL
); then
	ok "setup: stream with a 100 ms watermark, TUMBLE, HOP, SESSION and EMIT CHANGES views, LATE DATA TO"
else
	not_ok "setup" "$out"
fi

# the tailing consumer: one session, each poll its own transaction (COMMIT
# in a DO block), reading the rows past the largest _seq it has seen; it
# reads the stop flag before its poll, so its last poll comes after the
# final laminar.flush()
# (psql itself in the background, not psql_cmd, so that $! is its pid)
"$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" >"$WORK/tail.log" 2>&1 <<-SQL &
	SET client_connection_check_interval = '1s';
	DO \$\$
	DECLARE
	  v_last int8 := 0;
	  v_polls int4 := 0;
	  v_busy int4 := 0;
	  v_got int8;
	  v_top int8;
	  v_stop bool;
	  v_writers int4[] := '{}';
	  v_t0 timestamptz := clock_timestamp();
	BEGIN
	  UPDATE ord_tail_ctl SET pid = pg_backend_pid();
	  COMMIT;
	  LOOP
	    SELECT stop INTO v_stop FROM ord_tail_ctl;
	    v_polls := v_polls + 1;
	    WITH ins AS (
	      INSERT INTO ord_tail SELECT c.*, v_polls FROM ord_chg c WHERE c._seq > v_last RETURNING _seq)
	    SELECT count(*), max(_seq) INTO v_got, v_top FROM ins;
	    IF v_got > 0 THEN
	      v_busy := v_busy + 1;
	      v_last := v_top;
	    END IF;
	    -- which workers were seen writing the changelog (a sample)
	    IF v_polls % 10 = 0 THEN
	      SELECT coalesce(array_agg(DISTINCT x ORDER BY x), '{}') INTO v_writers
	        FROM (SELECT unnest(v_writers)
	              UNION SELECT w.worker_id FROM pg_locks l JOIN laminar.workers w ON w.pid = l.pid
	                     WHERE l.relation = 'ord_chg'::regclass AND l.mode = 'ShareRowExclusiveLock') s(x);
	    END IF;
	    COMMIT;
	    EXIT WHEN v_stop OR clock_timestamp() > v_t0 + interval '170 seconds';
	    PERFORM pg_sleep($POLL_MS / 1000.0);
	  END LOOP;
	  UPDATE ord_tail_ctl SET done = v_stop, polls = v_polls, busy_polls = v_busy, last_seq = v_last,
	                          writers = v_writers;
	END
	\$\$;
SQL
TAIL_PID=$!
# started before the producers: wait for its first transaction
for _ in $(seq 100); do
	have=$(psql_cmd -c "SELECT pid IS NOT NULL FROM ord_tail_ctl" 2>/dev/null)
	[ "$have" = t ] && break
	kill -0 "$TAIL_PID" 2>/dev/null || break
	sleep 0.1
done
if [ "$have" = t ]; then
	ok "tailing consumer polls ord_chg before the producers start"
else
	not_ok "tailing consumer polls ord_chg before the producers start" "$(cat "$WORK/tail.log")"
fi

if out=$("$PGBIN/pgbench" -n -d "$DB" -c "$CLIENTS" -j 2 -t "$TXNS" -f "$HERE/order.pgbench" 2>&1); then
	ok "pgbench: $CLIENTS concurrent producers"
	printf '%s\n' "$out" | grep -E '^(number of transactions actually processed|tps)' | sed 's/^/# /'
else
	not_ok "pgbench: $CLIENTS concurrent producers" "$(printf '%s\n' "$out" | tail -n 15)"
fi

if out=$(psql_cmd -c "SELECT laminar.flush('60s')" 2>&1); then ok "laminar.flush()"; else not_ok "laminar.flush()" "$out"; fi

# stop the consumer: it sees the flag in its next poll, polls once more and ends
psql_cmd -c "UPDATE ord_tail_ctl SET stop = true" >/dev/null 2>&1
for _ in $(seq 150); do
	kill -0 "$TAIL_PID" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$TAIL_PID" 2>/dev/null; then
	not_ok "tailing consumer stops after the final flush" "still running after 15 s"
else
	wait "$TAIL_PID"
	rc=$?
	TAIL_PID=
	have=$(psql_cmd -F ' ' -c "SELECT done, polls, busy_polls, last_seq FROM ord_tail_ctl" 2>&1)
	if [ "$rc" -eq 0 ] && [[ $have == "t "* ]]; then
		ok "tailing consumer stops after the final flush"
	else
		not_ok "tailing consumer stops after the final flush" "exit status $rc" "$have" "$(cat "$WORK/tail.log")"
	fi
fi

# the test is only meaningful if lateness does depend on the commit order:
# some events are late and would not be in clock order, or the reverse
out=$(psql_cmd -F ' ' 2>&1 <<-'SQL'
	WITH t AS (SELECT txn, max(ts) AS mts FROM ord_oracle JOIN ord_ticket USING (txn) GROUP BY txn),
	     c AS (SELECT txn, max(mts) OVER (ORDER BY txn ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
	                       - interval '100 milliseconds' AS wm FROM t)
	SELECT count(*) FILTER (WHERE late), count(*),
	       count(*) FILTER (WHERE late IS DISTINCT FROM coalesce(o.ts < c.wm, false)),
	       (SELECT count(*) FROM (SELECT ticket, lag(txn) OVER (ORDER BY ticket) > txn AS inv FROM ord_ticket) x WHERE inv)
	  FROM ord_oracle_w o JOIN c USING (txn)
	SQL
)
read -r LATE TOTAL ORDER_DEP INVERSIONS <<<"$out"
if [ "${ORDER_DEP:-0}" -gt 0 ] 2>/dev/null && [ "${LATE:-0}" -gt 0 ]; then
	ok "the oracle depends on commit order"
else
	not_ok "the oracle depends on commit order" "$out"
fi
echo "# $TOTAL committed events, $LATE late; $ORDER_DEP judged differently in clock order; $INVERSIONS commit-order inversions"

empty "ord_upd (TUMBLE 1 s, ON UPDATE) equals the oracle over non-late events" "
	(SELECT k, window_start, window_end, n, last FROM ord_upd
	 EXCEPT ALL
	 SELECT k, ws, ws + interval '1 second', count(*), max(ts)
	   FROM (SELECT *, date_bin('1 second', ts, timestamptz '1970-01-01 00:00:00+00') AS ws
	           FROM ord_oracle_w WHERE NOT late) x GROUP BY k, ws)
	UNION ALL
	(SELECT k, ws, ws + interval '1 second', count(*), max(ts)
	   FROM (SELECT *, date_bin('1 second', ts, timestamptz '1970-01-01 00:00:00+00') AS ws
	           FROM ord_oracle_w WHERE NOT late) x GROUP BY k, ws
	 EXCEPT ALL
	 SELECT k, window_start, window_end, n, last FROM ord_upd)
	LIMIT 10"

empty "ord_close (TUMBLE 500 ms, ON WINDOW CLOSE) equals the oracle's closed windows" "
	WITH o AS (
	  SELECT ws, ws + interval '500 milliseconds' AS we, count(*) AS n, min(ts) AS first
	    FROM (SELECT *, date_bin('500 milliseconds', ts, timestamptz '1970-01-01 00:00:00+00') AS ws
	            FROM ord_oracle_w WHERE NOT late) x GROUP BY ws
	  HAVING ws + interval '500 milliseconds'
	         <= (SELECT max(ts) - interval '100 milliseconds' FROM ord_oracle_w))
	(SELECT window_start, window_end, n, first FROM ord_close EXCEPT ALL SELECT * FROM o)
	UNION ALL
	(SELECT * FROM o EXCEPT ALL SELECT window_start, window_end, n, first FROM ord_close)
	LIMIT 10"

empty "ord_hop (HOP 250 ms / 1 s, ON UPDATE) equals the oracle over non-late events" "
	WITH o AS (
	  SELECT k, s AS ws, count(*) AS n, max(ts) AS last
	    FROM ord_oracle_w, generate_series(date_bin('250 milliseconds', ts - interval '1 second',
	                                                timestamptz '1970-01-01 00:00:00+00')
	                                       + interval '250 milliseconds', ts, interval '250 milliseconds') s
	   WHERE NOT late GROUP BY k, s)
	(SELECT k, window_start, n, last FROM ord_hop EXCEPT ALL SELECT * FROM o)
	UNION ALL
	(SELECT * FROM o EXCEPT ALL SELECT k, window_start, n, last FROM ord_hop)
	LIMIT 10"

empty "ord_sess (SESSION 60 ms per key, ON WINDOW CLOSE) equals the oracle's closed sessions" "
	WITH m AS (
	  SELECT k, ts, CASE WHEN lag(ts) OVER (PARTITION BY k ORDER BY ts) IS NULL
	                       OR ts >= lag(ts) OVER (PARTITION BY k ORDER BY ts) + interval '60 milliseconds'
	                     THEN 1 ELSE 0 END AS brk
	    FROM ord_oracle_w WHERE NOT late),
	s AS (SELECT k, ts, sum(brk) OVER (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid FROM m),
	o AS (SELECT k, min(ts) AS ws, max(ts) + interval '60 milliseconds' AS we, count(*) AS n, min(ts) AS first
	        FROM s GROUP BY k, sid
	      HAVING max(ts) + interval '60 milliseconds'
	             <= (SELECT max(ts) - interval '100 milliseconds' FROM ord_oracle_w))
	(SELECT k, window_start, window_end, n, first FROM ord_sess EXCEPT ALL SELECT * FROM o)
	UNION ALL
	(SELECT * FROM o EXCEPT ALL SELECT k, window_start, window_end, n, first FROM ord_sess)
	LIMIT 10"

for v in ord_upd ord_close ord_hop ord_sess; do
	have=$(psql_cmd -c "SELECT late_events FROM laminar.views WHERE view = '$v'::regclass" 2>&1)
	is "$v: late_events equals the oracle's late events" "$have" "$LATE"
done

# ---- EMIT CHANGES under concurrent writers, read by the tailing consumer
read -r POLLS BUSY LAST_SEQ WRITERS <<<"$(psql_cmd -F ' ' -c "SELECT polls, busy_polls, last_seq, writers FROM ord_tail_ctl" 2>&1)"
out=$(psql_cmd -F ' ' -c "SELECT count(*), count(DISTINCT xmin::text), max(_seq) FROM ord_chg" 2>&1)
read -r CHG_ROWS CHG_TXNS CHG_MAX <<<"$out"
echo "# consumer: $POLLS polls, $BUSY of them brought rows, last _seq $LAST_SEQ;" \
	"changelog: $CHG_ROWS rows from $CHG_TXNS transactions, max _seq $CHG_MAX;" \
	"workers seen holding its lock: $WRITERS"

empty "the consumer's copy equals the changelog ord_chg exactly (no row missed, none twice)" "
	(SELECT k, window_start, window_end, n, _weight, _seq FROM ord_tail
	 EXCEPT ALL SELECT k, window_start, window_end, n, _weight, _seq FROM ord_chg)
	UNION ALL
	(SELECT k, window_start, window_end, n, _weight, _seq FROM ord_chg
	 EXCEPT ALL SELECT k, window_start, window_end, n, _weight, _seq FROM ord_tail)
	ORDER BY _seq LIMIT 10"

# meaningful only if the consumer really tailed the changelog as it grew
have=$(psql_cmd -c "SELECT count(DISTINCT poll) >= 10 AND $POLLS >= 50 AND $BUSY >= 10 FROM ord_tail" 2>&1)
is "the consumer polled while rows arrived: $POLLS polls, rows in $BUSY of them (>= 50, >= 10)" "$have" "t"

empty "ord_chg: the _seq runs of the writing transactions do not interleave" "
	WITH r AS (SELECT xmin::text AS x, min(_seq) AS lo, max(_seq) AS hi FROM ord_chg GROUP BY 1)
	SELECT a.x, a.lo, a.hi, b.x, b.lo, b.hi FROM r a JOIN r b ON a.x <> b.x AND b.lo < a.hi AND b.hi > a.lo
	LIMIT 10"

empty "ord_chg: net weights equal the oracle over events not late for ALLOW LATENESS $LATENESS, each 1" "
	WITH o AS (
	  SELECT k, ws, ws + interval '1 second' AS we, count(*) AS n, 1 AS w
	    FROM (SELECT *, date_bin('1 second', ts, timestamptz '1970-01-01 00:00:00+00') AS ws
	            FROM ord_oracle_w WHERE NOT coalesce(ts < wm - interval '$LATENESS', false)) x
	   GROUP BY k, ws),
	c AS (SELECT k, window_start, window_end, n, sum(_weight)::int AS w FROM ord_chg
	       GROUP BY k, window_start, window_end, n HAVING sum(_weight) <> 0)
	(SELECT * FROM c EXCEPT ALL SELECT * FROM o)
	UNION ALL
	(SELECT * FROM o EXCEPT ALL SELECT * FROM c)
	LIMIT 10"

# ---- LATE DATA TO: the events late for the 50 ms lateness, with the
# watermark of the transactions committed before their own
LATE_L=$(psql_cmd -c "SELECT count(*) FROM ord_oracle_w WHERE ts < wm - interval '$LATENESS'" 2>&1)
echo "# ord_chg: $LATE_L events late for ALLOW LATENESS $LATENESS" \
	"($((${LATE:-0} - ${LATE_L:-0})) late but allowed)"
have=$(psql_cmd -c "SELECT late_events FROM laminar.views WHERE view = 'ord_chg'::regclass" 2>&1)
is "ord_chg: late_events equals the oracle's events older than wm - $LATENESS" "$have" "$LATE_L"

empty "ord_late holds exactly the oracle's late events (ts < wm - $LATENESS)" "
	(SELECT k, ts FROM ord_late
	 EXCEPT ALL SELECT k, ts FROM ord_oracle_w WHERE ts < wm - interval '$LATENESS')
	UNION ALL
	(SELECT k, ts FROM ord_oracle_w WHERE ts < wm - interval '$LATENESS'
	 EXCEPT ALL SELECT k, ts FROM ord_late)
	LIMIT 10"

empty "ord_late: each event's _watermark is the watermark of the transactions committed before its own" "
	(SELECT k, ts, _watermark FROM ord_late
	 EXCEPT ALL SELECT k, ts, wm FROM ord_oracle_w WHERE ts < wm - interval '$LATENESS')
	UNION ALL
	(SELECT k, ts, wm FROM ord_oracle_w WHERE ts < wm - interval '$LATENESS'
	 EXCEPT ALL SELECT k, ts, _watermark FROM ord_late)
	LIMIT 10"

have=$(psql_cmd -c "SELECT count(*) FROM laminar.views WHERE view::text LIKE 'ord%' AND last_error IS NOT NULL" 2>&1)
is "no view stopped" "$have" "0"

[ "${ORDER_KEEP:-0}" = 1 ] || cleanup
echo "# elapsed: ${SECONDS} s"
exit 0
