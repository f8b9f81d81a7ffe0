#!/usr/bin/env bash
# bench/run.sh [sqlite|mysql|postgres] — Krag's HTTP benchmarks beside Better Auth on this machine.
#
# Uses the project's load harness (shared/bench: wrk and a Better Auth 1.7.25 reference server)
# from $BENCH_SRC (default ../shared/bench next to the repository), copied to a scratch folder.
#   sqlite (default): pair.sh, Better Auth vs `krag serve`, both pinned to core 1 and wrk on core
#     0, interleaved runs of sign-up, sign-in, get-session and no-cookie in default and
#     cookie-cache modes, cold starts and idle RSS; then bench.sh, `krag serve` (cookie cache)
#     vs a bare net/http handler (bench/bare), get-session only.
#   mysql, postgres: pair.sh on a private MariaDB or PostgreSQL pinned to core 1 with the
#     servers (its CPU counted with each), WORKLOADS="session nocookie" unless set.
# Results: $OUT (default /tmp/krag-bench/results/<stamp>-<db>): compare.md, summary.md.
# Knobs: every pair.sh/bench.sh variable (RUNS, DURATION, WORKLOADS, ...), SKIP_BARE=1.
# Takes about 40 minutes for sqlite, 12 for the others; record the numbers in docs/benchmarks.md.
set -euo pipefail
DB=${1:-sqlite}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=${BENCH_SRC:-$ROOT/../shared/bench}
WORK=${WORK:-/tmp/krag-bench}
OUT=${OUT:-$WORK/results/$(date +%Y%m%d-%H%M%S)-$DB}
H=$WORK/harness
[[ -d $SRC ]] || { echo "bench/run.sh: no harness at $SRC (set BENCH_SRC)" >&2; exit 2; }
mkdir -p "$WORK" "$OUT" "$H"
tar -C "$SRC" --exclude=node_modules --exclude=results --exclude='bench.db*' -cf - . | tar -C "$H" -xf -
cd "$H"
./setup.sh sqlite >/dev/null
echo "[run] building krag and bare"
(cd "$ROOT" && go build -o "$WORK/krag" ./cmd/krag && go build -o "$WORK/bare" ./bench/bare)
KRAG="$WORK/krag"
KRAG_ENV_CMD="env KRAG_COOKIE_CACHE=\${KRAG_COOKIE_CACHE:-0}"

case $DB in
  sqlite)
    A_NAME=better-auth A_URL=http://127.0.0.1:3000 \
    A_CMD="env PORT=3000 NODE_ENV=production DB_FILE=$WORK/ba.db node server.mjs" \
    A_RESET="rm -f $WORK/ba.db* && DB_FILE=$WORK/ba.db node migrate.mjs" A_CC_ENV="COOKIE_CACHE=1" \
    B_NAME=krag B_URL=http://127.0.0.1:3001 \
    B_CMD="$KRAG_ENV_CMD $KRAG serve --addr 127.0.0.1:3001 --base-url http://127.0.0.1:3001 --database sqlite:$WORK/krag.db" \
    B_RESET="rm -f $WORK/krag.db* && $KRAG migrate --database sqlite:$WORK/krag.db" B_CC_ENV="KRAG_COOKIE_CACHE=5m" \
    OUT=$OUT/pair ./pair.sh ;;
  mysql)
    ./mariadb.sh start
    CLI=(mariadb --no-defaults --protocol=socket --socket=/var/tmp/bench-mariadb/mysqld.sock -uroot)
    "${CLI[@]}" -e "CREATE USER IF NOT EXISTS 'bench'@'127.0.0.1' IDENTIFIED BY 'bench'; GRANT ALL ON *.* TO 'bench'@'127.0.0.1'; FLUSH PRIVILEGES;"
    MY=mysql://bench:bench@127.0.0.1:3306
    KRESET="mariadb --no-defaults --protocol=socket --socket=/var/tmp/bench-mariadb/mysqld.sock -uroot -e 'drop database if exists krag; create database krag' && $KRAG migrate --database $MY/krag"
    WORKLOADS=${WORKLOADS:-"session nocookie"} \
    A_NAME=better-auth-mysql A_URL=http://127.0.0.1:3000 A_EXTRA_PIDS="$(./mariadb.sh pid)" \
    A_CMD="env PORT=3000 NODE_ENV=production DB=mysql DATABASE_URL=$MY/betterauth node server.mjs" \
    A_RESET="./mariadb.sh reset && DB=mysql DATABASE_URL=$MY/betterauth node migrate.mjs" A_CC_ENV="COOKIE_CACHE=1" \
    B_NAME=krag-mysql B_URL=http://127.0.0.1:3001 B_EXTRA_PIDS="$(./mariadb.sh pid)" \
    B_CMD="$KRAG_ENV_CMD $KRAG serve --addr 127.0.0.1:3001 --base-url http://127.0.0.1:3001 --database $MY/krag" \
    B_RESET="$KRESET" B_CC_ENV="KRAG_COOKIE_CACHE=5m" \
    OUT=$OUT/pair ./pair.sh
    ./mariadb.sh stop ;;
  postgres)
    [[ -f auth-options.base.mjs ]] || mv auth-options.mjs auth-options.base.mjs
    cp "$ROOT/bench/pg-auth-options.mjs" auth-options.mjs
    [[ -d node_modules/pg ]] || npm install --no-save --no-audit --no-fund pg@8.23.1 >/dev/null
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    PGD=/var/tmp/bench-postgres
    if [[ ! -f $PGD/PG_VERSION ]]; then
      mkdir -p $PGD && chown postgres:postgres $PGD
      su postgres -c "$PGBIN/initdb -D $PGD -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
    fi
    su postgres -c "taskset -c 1 $PGBIN/pg_ctl -D $PGD -l $PGD/log -w -o '-c listen_addresses=127.0.0.1 -p 5434 -k $PGD' start" >/dev/null
    trap "su postgres -c '$PGBIN/pg_ctl -D $PGD -m fast -w stop' >/dev/null" EXIT
    PGPIDS=$(pgrep -d' ' -f "$PGD" || true)
    PG=postgres://postgres@127.0.0.1:5434
    PSQL="$PGBIN/psql -h 127.0.0.1 -p 5434 -U postgres -q"
    WORKLOADS=${WORKLOADS:-"session nocookie"} \
    A_NAME=better-auth-postgres A_URL=http://127.0.0.1:3000 A_EXTRA_PIDS="$PGPIDS" \
    A_CMD="env PORT=3000 NODE_ENV=production DB=postgres DATABASE_URL=$PG/betterauth node server.mjs" \
    A_RESET="$PSQL -c 'drop database if exists betterauth' -c 'create database betterauth' && DB=postgres DATABASE_URL=$PG/betterauth node migrate.mjs" A_CC_ENV="COOKIE_CACHE=1" \
    B_NAME=krag-postgres B_URL=http://127.0.0.1:3001 B_EXTRA_PIDS="$PGPIDS" \
    B_CMD="$KRAG_ENV_CMD $KRAG serve --addr 127.0.0.1:3001 --base-url http://127.0.0.1:3001 --database $PG/krag?sslmode=disable" \
    B_RESET="$PSQL -c 'drop database if exists krag' -c 'create database krag' && $KRAG migrate --database '$PG/krag?sslmode=disable'" B_CC_ENV="KRAG_COOKIE_CACHE=5m" \
    OUT=$OUT/pair ./pair.sh ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac

if [[ $DB == sqlite && -z ${SKIP_BARE:-} ]]; then
  rm -f "$WORK"/kc.db*
  KRAG_COOKIE_CACHE=5m taskset -c 1 "$KRAG" serve --addr 127.0.0.1:3011 --base-url http://127.0.0.1:3011 \
    --database "sqlite:$WORK/kc.db" >"$OUT/krag-cc.log" 2>&1 &
  kpid=$!
  taskset -c 1 "$WORK/bare" --addr 127.0.0.1:3012 >"$OUT/bare.log" 2>&1 &
  bpid=$!
  trap 'kill $kpid $bpid 2>/dev/null || true' EXIT
  for u in 3011 3012; do
    for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$u/api/auth/ok" && break; sleep 0.1; done
  done
  LABEL="krag-cookie-cache|bare-net-http" SERVER_PID="$kpid|$bpid" WORKLOADS=session MODE=cookie-cache \
    ./bench.sh http://127.0.0.1:3011 http://127.0.0.1:3012 "$OUT/bare"
fi
echo "[run] results in $OUT"
