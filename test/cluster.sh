# shellcheck shell=bash
# Sourceable library: throwaway PostgreSQL 15 clusters for Laminar tests.
#
#   source test/cluster.sh
#   lm_cluster_start DIR PORT [extra postgresql.conf lines...]
#   lm_cluster_restart DIR [extra postgresql.conf lines...]   # keeps data
#   lm_cluster_stop DIR
#
# DIR must be under /tmp (the postgres user must be able to traverse it).
# When run as root, server commands (initdb, pg_ctl) run as the postgres user
# via runuser; clients (psql, pg_regress, pg_prove, pgbench) can stay root and
# connect with -U postgres.  After lm_cluster_start, PGHOST/PGPORT/PGUSER are
# exported, and database laminar_regress exists.
#
# Environment:
#   LAMINAR_PRELOAD   value of shared_preload_libraries (default 'laminar';
#                     set it to '' to start a cluster without the extension)
#   LAMINAR_DB        database to create (default laminar_regress)
#   PGBIN             PostgreSQL binaries (default /usr/lib/postgresql/15/bin)

: "${PGBIN:=/usr/lib/postgresql/15/bin}"
: "${LAMINAR_DB:=laminar_regress}"

# Run a server-side command as the postgres OS user (or as ourselves when we
# are not root: then we are presumably allowed to own a cluster).
lm_as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

lm_server_user() {
	if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

lm_log_tail() {
	local dir=$1
	if [ -f "$dir/log" ]; then
		echo "---- server log tail ($dir/log) ----" >&2
		tail -n 40 "$dir/log" >&2
		echo "---- end of server log ----" >&2
	fi
}

# Stop whatever server runs in DIR/data (quietly; used before re-creating).
lm_cluster_stop() {
	local dir=${1:?lm_cluster_stop DIR}
	if [ -f "$dir/data/postmaster.pid" ]; then
		lm_as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
			lm_as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
			true
	fi
}

lm__export_env() {
	local dir=$1 port=$2
	export PGHOST="$dir/sock" PGPORT="$port" PGUSER=postgres
}

lm__pg_ctl_start() {
	local dir=$1
	if ! lm_as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 90 start >/dev/null; then
		echo "lm_cluster: server in $dir failed to start" >&2
		lm_log_tail "$dir"
		return 1
	fi
}

lm_cluster_start() {
	local dir=${1:?lm_cluster_start DIR PORT [conf lines...]}
	local port=${2:?lm_cluster_start DIR PORT [conf lines...]}
	shift 2
	local preload=${LAMINAR_PRELOAD-laminar}
	local user
	user=$(lm_server_user)

	case "$dir" in
	/tmp/?*) ;;
	*)
		echo "lm_cluster_start: DIR must be under /tmp (got '$dir')" >&2
		return 1
		;;
	esac

	# (Re)create: stop a server left over in DIR, then wipe it.
	lm_cluster_stop "$dir"
	if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" >/dev/null 2>&1; then
		echo "lm_cluster_start: port $port is already in use by another server" >&2
		return 1
	fi
	rm -rf "$dir"
	mkdir -p "$dir/sock" || return 1
	chmod 755 "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R postgres:postgres "$dir" || return 1
	fi

	if ! lm_as_postgres "$PGBIN/initdb" --auth=trust -U postgres -E UTF8 --locale=C \
		-D "$dir/data" >"$dir/initdb.log" 2>&1; then
		echo "lm_cluster_start: initdb failed:" >&2
		tail -n 20 "$dir/initdb.log" >&2
		return 1
	fi

	{
		echo ""
		echo "# ---- laminar test cluster (test/cluster.sh) ----"
		echo "port = $port"
		echo "listen_addresses = '127.0.0.1'"
		echo "unix_socket_directories = '$dir/sock'"
		echo "shared_preload_libraries = '$preload'"
		echo "laminar.database = '$LAMINAR_DB'"
		echo "max_worker_processes = 16"
		echo "max_connections = 60"
		echo "fsync = off"
		echo "synchronous_commit = off"
		echo "full_page_writes = off"
		echo "log_min_messages = warning"
		echo "log_line_prefix = '%m [%p] %b %q%u@%d '"
		echo "shared_buffers = 128MB"
		echo "max_wal_size = 1GB"
		echo "checkpoint_timeout = 30min"
		echo "autovacuum_naptime = 10s"
		local line
		for line in "$@"; do
			echo "$line"
		done
	} >>"$dir/data/postgresql.conf"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres:postgres "$dir/data/postgresql.conf"
	fi

	lm__pg_ctl_start "$dir" || return 1
	lm__export_env "$dir" "$port"

	if ! "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d postgres \
		-c "CREATE DATABASE $LAMINAR_DB" >/dev/null; then
		echo "lm_cluster_start: could not create database $LAMINAR_DB" >&2
		lm_log_tail "$dir"
		return 1
	fi
	echo "lm_cluster: started $dir on port $port (server user $user, preload '$preload')" >&2
}

# Restart the server in DIR, keeping its data; extra lines are appended to
# postgresql.conf first (later lines override earlier ones).
lm_cluster_restart() {
	local dir=${1:?lm_cluster_restart DIR [conf lines...]}
	shift
	local port
	port=$(sed -n "s/^port = \([0-9]*\)$/\1/p" "$dir/data/postgresql.conf" | tail -n 1)
	lm_cluster_stop "$dir"
	local line
	for line in "$@"; do
		echo "$line" >>"$dir/data/postgresql.conf"
	done
	lm__pg_ctl_start "$dir" || return 1
	lm__export_env "$dir" "$port"
	echo "lm_cluster: restarted $dir on port $port" >&2
}

# lm_build_install ROOT: builds and installs the extension with PGXS (sudo -n
# when not root). Prints which step failed and returns non-zero on failure.
lm_build_install() {
	local root=$1 pg_config=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
	local sudo=()
	if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); fi
	if ! make -s -C "$root" PG_CONFIG="$pg_config"; then
		echo "BUILD FAILED"
		return 1
	fi
	if ! "${sudo[@]}" make -s -C "$root" install PG_CONFIG="$pg_config"; then
		echo "INSTALL FAILED"
		return 2
	fi
}
