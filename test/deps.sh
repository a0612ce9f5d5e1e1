#!/usr/bin/env bash
# Install the Debian packages Laminar needs to build and test.
#
#   bash test/deps.sh          what `make test` needs
#   bash test/deps.sh bench    that, plus what `make bench` needs (gnuplot-nox
#                              for the figures in bench/results/)
#
# Idempotent: when every package is already installed this does nothing (no
# apt-get update, no network).  Otherwise it installs them non-interactively
# and stops/disables the Debian default cluster the postgresql package starts,
# because the test clusters are private (see test/cluster.sh).
set -euo pipefail

PACKAGES=(
	postgresql-15
	postgresql-server-dev-15
	postgresql-contrib-15
	liburing-dev
	libnuma-dev
	libbpf-dev
	libxxhash-dev
	postgresql-15-pgtap
	postgresql-15-hll
	postgresql-15-tdigest
	libtap-parser-sourcehandler-pgtap-perl
	build-essential
	clang-format
)
if [ "${1:-}" = bench ]; then
	PACKAGES+=(gnuplot-nox)
fi

# Is package $1 installed?  postgresql-contrib-15 is a virtual package on
# Debian 12 (provided by postgresql-15), so also accept an installed package
# that Provides it.
pkg_installed() {
	local pkg=$1
	if dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
		return 0
	fi
	dpkg-query -W -f='${Status}|${Provides}\n' 2>/dev/null |
		grep '^install ok installed|' |
		cut -d'|' -f2 | tr ',' '\n' | sed -e 's/ *(.*//' -e 's/^ *//' |
		grep -qx -- "$pkg"
}

missing=()
for p in "${PACKAGES[@]}"; do
	pkg_installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

echo "deps.sh: installing missing packages: ${missing[*]}" >&2

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=(sudo -n)
	else
		echo "deps.sh: not root and no sudo; cannot install ${missing[*]}" >&2
		exit 1
	fi
fi

# Do not let the package's postinst start the default cluster if we can help
# it (policy-rc.d is honoured by invoke-rc.d in containers); remove our file
# afterwards.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	if printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null 2>&1; then
		"${SUDO[@]}" chmod +x "$policy"
		created_policy=1
	fi
fi
cleanup() {
	if [ "$created_policy" -eq 1 ]; then
		"${SUDO[@]}" rm -f "$policy" || true
	fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends "${PACKAGES[@]}"

# Stop and disable the Debian default cluster, if one was created/started.
if command -v pg_ctlcluster >/dev/null 2>&1; then
	"${SUDO[@]}" pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
fi
if [ -f /etc/postgresql/15/main/start.conf ]; then
	echo manual | "${SUDO[@]}" tee /etc/postgresql/15/main/start.conf >/dev/null || true
fi
if command -v systemctl >/dev/null 2>&1; then
	"${SUDO[@]}" systemctl disable --now postgresql >/dev/null 2>&1 || true
fi

# Verify.
still=()
for p in "${PACKAGES[@]}"; do
	pkg_installed "$p" || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
	echo "deps.sh: still missing after install: ${still[*]}" >&2
	exit 1
fi
echo "deps.sh: packages installed" >&2
