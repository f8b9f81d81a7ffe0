#!/usr/bin/env bash
# bench/run.sh — Krag's HTTP benchmarks, side by side with Better Auth, on this machine.
#
# Uses the project's load harness (shared/bench: wrk, a Better Auth 1.7.25 reference server) from
# $BENCH_SRC (default ../shared/bench next to the repository), copied to a scratch folder.
#   1. pair.sh: Better Auth vs `krag serve` (SQLite), both pinned to core 1, wrk on core 0,
#      interleaved runs of sign-up, sign-in, get-session and no-cookie, default and cookie-cache
#      modes, cold starts and idle RSS.
#   2. bench.sh: `krag serve` (cookie cache on) vs a bare net/http handler (bench/bare),
#      interleaved, get-session only.
# Results: $OUT (default /tmp/krag-bench/results/<stamp>) — compare.md, summary.md.
# Knobs: RUNS, DURATION, HASH_DURATION, CONNS, HASH_CONNS, COLD_RUNS, SKIP_PAIR=1, SKIP_BARE=1.
# Takes about 40 minutes with the defaults; record the numbers in docs/benchmarks.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=${BENCH_SRC:-$ROOT/../shared/bench}
WORK=${WORK:-/tmp/krag-bench}
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=${OUT:-$WORK/results/$STAMP}
[[ -d $SRC ]] || { echo "bench/run.sh: no harness at $SRC (set BENCH_SRC)" >&2; exit 2; }
mkdir -p "$WORK" "$OUT"
mkdir -p "$WORK/harness"
tar -C "$SRC" --exclude=node_modules --exclude=results --exclude='bench.db*' -cf - . | tar -C "$WORK/harness" -xf -
cd "$WORK/harness"
./setup.sh sqlite
echo "[run] building krag and bare"
(cd "$ROOT" && go build -o "$WORK/krag" ./cmd/krag && go build -o "$WORK/bare" ./bench/bare)

if [[ -z ${SKIP_PAIR:-} ]]; then
  A_NAME=better-auth A_URL=http://127.0.0.1:3000 \
  A_CMD="env PORT=3000 NODE_ENV=production DB_FILE=$WORK/ba.db node server.mjs" \
  A_RESET="rm -f $WORK/ba.db* && DB_FILE=$WORK/ba.db node migrate.mjs" A_CC_ENV="COOKIE_CACHE=1" \
  B_NAME=krag B_URL=http://127.0.0.1:3001 \
  B_CMD="env KRAG_COOKIE_CACHE=\${KRAG_COOKIE_CACHE:-0} $WORK/krag serve --addr 127.0.0.1:3001 --base-url http://127.0.0.1:3001 --database sqlite:$WORK/krag.db" \
  B_RESET="rm -f $WORK/krag.db* && $WORK/krag migrate --database sqlite:$WORK/krag.db" B_CC_ENV="KRAG_COOKIE_CACHE=5m" \
  OUT=$OUT/pair ./pair.sh
fi

if [[ -z ${SKIP_BARE:-} ]]; then
  rm -f "$WORK"/kc.db*
  KRAG_COOKIE_CACHE=5m taskset -c 1 "$WORK/krag" serve --addr 127.0.0.1:3011 --base-url http://127.0.0.1:3011 \
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
