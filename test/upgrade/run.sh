#!/usr/bin/env bash
# Upgrade chain: installs the first released version (0.1.0), walks every
# laminar--a--b.sql up to the default version with ALTER EXTENSION UPDATE,
# and checks that the result describes exactly like a fresh install
# (test/upgrade/describe.sql: members, function definitions with their
# search_path, tables, columns, views, ACLs, event triggers, config tables).
# Runs in two scratch databases of the running test cluster; prints TAP.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${PGBIN:=/usr/lib/postgresql/15/bin}"
PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1)
OUT=${LAMINAR_UPGRADE_OUT:-/tmp/laminar-upgrade}
mkdir -p "$OUT"
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }

echo "1..5"
default=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$ROOT/laminar.control")
first=0.1.0
for db in lm_upgrade_fresh lm_upgrade_chain; do
	"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
done

if "${PSQL[@]}" -d lm_upgrade_fresh -c "CREATE EXTENSION laminar" >"$OUT/fresh.log" 2>&1; then
	ok "fresh install of $default"
else
	notok "fresh install of $default"; cat "$OUT/fresh.log"
fi
if "${PSQL[@]}" -d lm_upgrade_chain -c "CREATE EXTENSION laminar VERSION '$first'" >"$OUT/chain.log" 2>&1; then
	ok "install of $first"
else
	notok "install of $first"; cat "$OUT/chain.log"
fi
if "${PSQL[@]}" -d lm_upgrade_chain -c "ALTER EXTENSION laminar UPDATE" >>"$OUT/chain.log" 2>&1; then
	ok "ALTER EXTENSION laminar UPDATE from $first"
else
	notok "ALTER EXTENSION laminar UPDATE from $first"; cat "$OUT/chain.log"
fi
v=$("${PSQL[@]}" -At -d lm_upgrade_chain -c "SELECT extversion FROM pg_extension WHERE extname = 'laminar'")
if [ "$v" = "$default" ]; then ok "the chain ends at $default"; else notok "the chain ends at $default (got '$v')"; fi

"${PSQL[@]}" -d lm_upgrade_fresh -f "$ROOT/test/upgrade/describe.sql" >"$OUT/fresh.txt" 2>&1
"${PSQL[@]}" -d lm_upgrade_chain -f "$ROOT/test/upgrade/describe.sql" >"$OUT/chain.txt" 2>&1
if [ -s "$OUT/fresh.txt" ] && diff -u "$OUT/fresh.txt" "$OUT/chain.txt" >"$OUT/diff.txt"; then
	ok "upgraded objects equal a fresh install ($(wc -l <"$OUT/fresh.txt") lines described)"
else
	notok "upgraded objects equal a fresh install"
	head -n 60 "$OUT/diff.txt"
fi
for db in lm_upgrade_fresh lm_upgrade_chain; do
	"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
done
[ "$fail" -eq 0 ]
