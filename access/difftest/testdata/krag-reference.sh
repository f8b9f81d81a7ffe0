#!/bin/sh
# A stand-in for `krag access eval` that answers with the real @casl/ability (../reference.mjs).
# Pointing diff.mjs at it must give zero disagreements:  KRAG_BIN=testdata/krag-reference.sh npm test
if [ "$1 $2" != "access eval" ]; then
  echo "usage: $0 access eval" >&2
  exit 2
fi
exec node "$(dirname "$0")/../reference.mjs"
