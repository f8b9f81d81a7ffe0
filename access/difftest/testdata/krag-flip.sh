#!/bin/sh
# A deliberately wrong `krag access eval` (see flip.mjs). diff.mjs must report failures:
#   KRAG_BIN=testdata/krag-flip.sh node diff.mjs --cases 300
if [ "$1 $2" != "access eval" ]; then
  echo "usage: $0 access eval" >&2
  exit 2
fi
exec node "$(dirname "$0")/flip.mjs"
