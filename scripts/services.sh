#!/usr/bin/env bash
# scripts/services.sh start|stop|env — MariaDB and PostgreSQL for Krag's integration tests.
#
# start: installs MariaDB from Debian's packages when absent (PostgreSQL 15 is on the base image,
#        installed too when absent), creates throwaway data directories under $KRAG_SERVICES_DIR
#        (default /tmp/krag-services), starts both servers on loopback (MariaDB 127.0.0.1:3307,
#        PostgreSQL 127.0.0.1:5433), waits until they answer and writes their DSNs to
#        $KRAG_SERVICES_DIR/env.
# env:   prints the export lines (eval "$(scripts/services.sh env)").
# stop:  stops both servers and removes the data directories.
# mariadb-stop, mariadb-start: stop MariaDB and start it again on the same data (outage test).
set -euo pipefail
DIR=${KRAG_SERVICES_DIR:-/tmp/krag-services}
MY_PORT=${KRAG_MYSQL_PORT:-3307}
PG_PORT=${KRAG_POSTGRES_PORT:-5433}
log() { echo "[services] $*" >&2; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# free_port N: N, or the next port above it that nothing listens on.
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

install() {
  local pkgs=()
  command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]] || pkgs+=(mariadb-server mariadb-client)
  [[ -n $(pg_bin) ]] || pkgs+=(postgresql)
  if ((${#pkgs[@]})); then
    log "installing ${pkgs[*]} (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  fi
}

start_mariadb() {
  local d=$DIR/mariadb
  mkdir -p "$d"
  chown -R mysql:mysql "$d"
  if [[ ! -d $d/data/mysql ]]; then
    mariadb-install-db --no-defaults --user=mysql --datadir="$d/data" --auth-root-authentication-method=normal \
      --skip-test-db >"$d/install.log" 2>&1 || { cat "$d/install.log" >&2; exit 1; }
  fi
  /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$d/data" --socket="$d/sock" --pid-file="$d/pid" \
    --bind-address=127.0.0.1 --port="$MY_PORT" --skip-name-resolve --innodb-flush-log-at-trx-commit=2 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --max-connections=500 --log-error="$d/error.log" >"$d/stdout.log" 2>&1 &
  for _ in $(seq 200); do
    mariadb --no-defaults -uroot --socket="$d/sock" -e 'select 1' >/dev/null 2>&1 && break
    sleep 0.1
  done
  mariadb --no-defaults -uroot --socket="$d/sock" -e "
    create user if not exists 'krag'@'127.0.0.1' identified by 'krag';
    grant all privileges on *.* to 'krag'@'127.0.0.1' with grant option;
    create database if not exists krag;" || { tail -20 "$d/error.log" >&2; exit 1; }
  log "MariaDB $(mariadb --no-defaults -uroot --socket="$d/sock" -N -e 'select version()') on 127.0.0.1:$MY_PORT"
}

start_postgres() {
  local d=$DIR/postgres bin
  bin=$(pg_bin)
  mkdir -p "$d"
  chown -R postgres:postgres "$d"
  if [[ ! -f $d/data/PG_VERSION ]]; then
    su postgres -c "$bin/initdb -D '$d/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >"$d/init.log" 2>&1 ||
      { cat "$d/init.log" >&2; exit 1; }
  fi
  su postgres -c "$bin/pg_ctl -D '$d/data' -l '$d/server.log' -w -o \"-c listen_addresses=127.0.0.1 -p $PG_PORT -k '$d' -c fsync=off -c max_connections=300\" start" >/dev/null ||
    { tail -20 "$d/server.log" >&2; exit 1; }
  log "PostgreSQL $(su postgres -c "$bin/postgres --version" | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

write_env() {
  cat >"$DIR/env" <<EOV
export KRAG_TEST_MYSQL_DSN='mysql://krag:krag@127.0.0.1:$MY_PORT/krag'
export KRAG_TEST_POSTGRES_DSN='postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable'
EOV
}

stop() {
  if [[ -f $DIR/mariadb/pid ]]; then kill "$(cat "$DIR/mariadb/pid")" 2>/dev/null || true; fi
  local bin
  bin=$(pg_bin)
  if [[ -n $bin && -f $DIR/postgres/data/postmaster.pid ]]; then
    su postgres -c "$bin/pg_ctl -D '$DIR/postgres/data' -m fast -w stop" >/dev/null 2>&1 || true
  fi
  for _ in $(seq 50); do [[ -S $DIR/mariadb/sock ]] || break; sleep 0.1; done
  rm -rf "$DIR"
}

case ${1:-} in
  start)
    install
    stop
    mkdir -p "$DIR"
    MY_PORT=$(free_port "$MY_PORT")
    PG_PORT=$(free_port "$PG_PORT")
    echo "$MY_PORT" >"$DIR/mysql.port"
    start_mariadb
    start_postgres
    write_env ;;
  stop) stop ;;
  mariadb-stop)   # for the outage test: stop MariaDB, keep its data
    kill "$(cat "$DIR/mariadb/pid")"
    for _ in $(seq 100); do [[ -S $DIR/mariadb/sock ]] || break; sleep 0.1; done ;;
  mariadb-start) MY_PORT=$(cat "$DIR/mysql.port"); start_mariadb ;;
  env) cat "$DIR/env" ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
