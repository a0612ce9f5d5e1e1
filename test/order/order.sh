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
# Prints TAP.  Uses PGHOST/PGPORT/PGUSER, database laminar_regress.
# Knobs: ORDER_CLIENTS (6), ORDER_TXNS (250 per client).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DB=${LAMINAR_DB:-laminar_regress}
CLIENTS=${ORDER_CLIENTS:-6}
TXNS=${ORDER_TXNS:-250}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export PGTZ=UTC PGDATABASE=$DB

WORK=$(mktemp -d /tmp/laminar-order.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

psql_cmd() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

PLAN=13
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
		DROP TABLE IF EXISTS ord_oracle, ord_ticket;
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
	$$);
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
	SELECT o.*, w.ticket, coalesce(o.ts < w.wm, false) AS late
	  FROM ord_oracle o JOIN w USING (txn);
	SQL
); then
	ok "setup: stream with a 100 ms watermark, an ON UPDATE and an ON WINDOW CLOSE view"
else
	not_ok "setup" "$out"
fi

if out=$("$PGBIN/pgbench" -n -d "$DB" -c "$CLIENTS" -j 2 -t "$TXNS" -f "$HERE/order.pgbench" 2>&1); then
	ok "pgbench: $CLIENTS concurrent producers"
	printf '%s\n' "$out" | grep -E '^(number of transactions actually processed|tps)' | sed 's/^/# /'
else
	not_ok "pgbench: $CLIENTS concurrent producers" "$(printf '%s\n' "$out" | tail -n 15)"
fi

if out=$(psql_cmd -c "SELECT laminar.flush('60s')" 2>&1); then ok "laminar.flush()"; else not_ok "laminar.flush()" "$out"; fi

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

have=$(psql_cmd -c "SELECT count(*) FROM laminar.views WHERE view::text LIKE 'ord%' AND last_error IS NOT NULL" 2>&1)
is "no view stopped" "$have" "0"

[ "${ORDER_KEEP:-0}" = 1 ] || cleanup
exit 0
