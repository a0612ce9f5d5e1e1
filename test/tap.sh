# shellcheck shell=bash
# Sourceable TAP helpers for the shell test suites: `ok DESCRIPTION` and
# `not_ok DESCRIPTION [DETAIL...]` print numbered TAP lines (details as
# "#   " comments); `is DESCRIPTION HAVE WANT` passes when the two are
# equal; N counts the tests, FAILED the failures.
N=0
FAILED=0
ok() {
	N=$((N + 1))
	echo "ok $N - $1"
}
not_ok() {
	N=$((N + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $N - $1"
	shift
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}
# is DESCRIPTION HAVE WANT
is() {
	if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1" "have: $2" "want: $3"; fi
}
