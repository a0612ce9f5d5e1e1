#!/usr/bin/env bash
# Security suite (issue 9): non-superusers with CREATE on public and TEMP
# plant look-alike objects (domains named like the casts Laminar uses,
# operators for the type pairs its queries compare, functions and
# aggregates shadowing the built-ins its generated SQL calls, in public and
# in pg_temp); every planted body records that it ran and tries to make its
# role superuser.  test/security/suite.sql then drives every Laminar path
# (laminar.execute DDL by the planter and by a superuser, INSERT and COPY by
# a superuser whose search_path puts public first, flush and emits, worker
# restarts, an owner change, DROP of views and streams by every route,
# DROP/CREATE EXTENSION, the monitoring views) and checks that none of the
# planted code ran and that no role gained rights.
#
# suite.sql prints its checks as "check:true:<what>" / "check:false:<what>";
# this script turns them into TAP.  Runs against the test cluster's
# laminar_regress database (PGHOST/PGPORT/PGUSER from the environment).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${PGBIN:=/usr/lib/postgresql/15/bin}"
OUT=${LAMINAR_SECURITY_OUT:-/tmp/laminar-security}
mkdir -p "$OUT"

"$PGBIN/psql" -X -At -v ON_ERROR_STOP=1 -d laminar_regress -f "$ROOT/test/security/suite.sql" \
	>"$OUT/suite.out" 2>&1
rc=$?

# Whatever happened, the planted objects must not outlive the suite: they
# would shadow built-ins for every later suite in this database.
"$PGBIN/psql" -X -q -d laminar_regress >>"$OUT/cleanup.out" 2>&1 <<'EOF'
SET search_path = pg_catalog, pg_temp;
DROP TABLE IF EXISTS public.lm_ss_ran, public.lm_ss_roles;
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname IN ('lm_ss_mallory', 'lm_ss_alice')) THEN
        EXECUTE 'DROP OWNED BY ' || (SELECT string_agg(quote_ident(rolname), ', ')
                                        FROM pg_roles
                                       WHERE rolname IN ('lm_ss_mallory', 'lm_ss_alice'))
                || ' CASCADE';
    END IF;
END $$;
DROP ROLE IF EXISTS lm_ss_mallory;
DROP ROLE IF EXISTS lm_ss_alice;
EOF

n=0
fail=0
while IFS= read -r line; do
	case $line in
		check:true:*)
			n=$((n + 1))
			echo "ok $n - ${line#check:true:}"
			;;
		check:false:* | check::*)
			n=$((n + 1))
			fail=$((fail + 1))
			echo "not ok $n - ${line#check:*:}"
			;;
	esac
done <"$OUT/suite.out"
n=$((n + 1))
if [ "$rc" -eq 0 ]; then
	echo "ok $n - suite.sql ran to the end"
else
	fail=$((fail + 1))
	echo "not ok $n - suite.sql ran to the end (psql exit status $rc; last lines of $OUT/suite.out:)"
	tail -n 25 "$OUT/suite.out" | sed 's/^/# /'
fi
if [ "$fail" -ne 0 ]; then
	echo "# what the planted code recorded, if anything:"
	grep -E '^ran:' "$OUT/suite.out" | sed 's/^/# /'
fi
echo "1..$n"
[ "$fail" -eq 0 ]
