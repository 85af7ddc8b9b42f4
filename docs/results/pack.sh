#!/usr/bin/env bash
# Copies the sweeps of docs/results/sweeps.sh from $OUT (default runs/results) into docs/results/data,
# one folder per sweep: grid.json as is, runs.jsonl in grid order (sarlab merge) and gzip-compressed.
set -euo pipefail
OUT=${OUT:-runs/results}
DATA=${DATA:-docs/results/data}
SARLAB=${SARLAB:-node bin/sarlab.js}
# Sweeps of earlier rounds that no longer belong to the results (docs/results/sweeps.sh says why):
# removed from $DATA unless $OUT has them again.
RETIRED=${RETIRED:-enki-2021 sign-gradient}
for name in $RETIRED; do
  if [ ! -d "$OUT/$name" ] && [ -d "$DATA/$name" ]; then
    rm -rf "${DATA:?}/$name"
    echo "$name: retired"
  fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for dir in "$OUT"/*/; do
  name=$(basename "$dir")
  [ -f "$dir/grid.json" ] || continue
  $SARLAB merge "$dir" --out "$tmp/$name" > /dev/null
  mkdir -p "$DATA/$name"
  cp "$tmp/$name/grid.json" "$DATA/$name/grid.json"
  gzip -9 -n -c "$tmp/$name/runs.jsonl" > "$DATA/$name/runs.jsonl.gz"
  echo "$name: $(wc -l < "$tmp/$name/runs.jsonl") runs"
done
