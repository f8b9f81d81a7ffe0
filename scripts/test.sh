#!/usr/bin/env bash
# scripts/test.sh — Krag's whole test suite, from a clean clone on a fresh machine.
#
# Installs what it needs (Node.js packages for compat/ from npm), then runs:
#   1. gofmt and go vet
#   2. go test -race ./...                  (unit, HTTP and fixture tests; fuzz seeds included)
#   3. each fuzz target for $FUZZTIME        (default 10s; FUZZTIME=0 skips)
#   4. compat/: the official better-auth@1.7.25 client against `krag serve` (node --test)
#
# Environment: FUZZTIME, SKIP_COMPAT=1, GOFLAGS. KRAG_CI=1 (set by .ci/run) makes tests that need
# an external service fail instead of skipping when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
FUZZTIME=${FUZZTIME:-10s}
step() { printf '\n==> %s\n' "$*"; }
t0=$SECONDS

command -v go >/dev/null || { echo "test.sh: Go is not installed (https://go.dev/dl)" >&2; exit 1; }
if [[ -z ${SKIP_COMPAT:-} ]]; then
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    step "installing Node.js (apt)"
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
fi

step "gofmt and go vet"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './compat/*'))
if [[ -n $unformatted ]]; then echo "gofmt needed:"; echo "$unformatted"; exit 1; fi
go vet ./...

step "go test -race ./..."
go test -race -count=1 ./...

if [[ $FUZZTIME != 0 ]]; then
  step "fuzzing each target for $FUZZTIME"
  while read -r pkg target; do
    echo "--- $pkg $target"
    go test -run '^$' -fuzz "^$target\$" -fuzztime "$FUZZTIME" "$pkg" >/tmp/krag-fuzz.log 2>&1 || { cat /tmp/krag-fuzz.log; exit 1; }
  done < <(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v node_modules | while read -r f; do
    for t in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | cut -c6-); do echo "./$(dirname "${f#./}") $t"; done
  done | sort -u)
fi

if [[ -z ${SKIP_COMPAT:-} ]]; then
  step "compat: better-auth client against krag serve"
  mkdir -p compat/.tmp
  go build -o compat/.tmp/krag ./cmd/krag
  (cd compat && npm ci --no-audit --no-fund --loglevel=error && KRAG_BIN="$ROOT/compat/.tmp/krag" npm test)
fi

step "all tests passed in $((SECONDS - t0)) s"
