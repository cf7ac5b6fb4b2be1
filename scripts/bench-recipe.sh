#!/usr/bin/env bash
# The accuracy targets, measured: trains with the documented default recipe
# (and the demo's shorter one) from scratch on this machine and prints the
# final Fashion-MNIST test accuracy and the wall time against the targets
# (recipe: >= 93 % within 20 min; demo: >= 88 % within 5 min, 2-core CPU).
#
#   bash scripts/bench-recipe.sh [recipe|demo|both] [extra train args...]
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-both}
shift || true
test -f dist/cli/main.js || bash scripts/setup.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() {
  local name=$1 target_acc=$2 target_min=$3
  shift 3
  local started ended
  started=$(date +%s)
  node dist/cli/main.js train --out "$out/$name.safetensors" "$@" 2>&1 | tee "$out/$name.log" | grep -v '^epoch .* [0-9]*/[0-9]*  loss'
  ended=$(date +%s)
  local acc
  acc=$(sed -n 's/^final test accuracy \([0-9.]*\)%$/\1/p' "$out/$name.log")
  python3 - "$name" "$acc" "$(( ended - started ))" "$target_acc" "$target_min" <<'PY'
import sys
name, acc, seconds, target_acc, target_min = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
minutes = seconds / 60
ok = acc >= target_acc and minutes <= target_min
print(f"{name}: test accuracy {acc:.2f}% (target >= {target_acc}%) in {minutes:.1f} min (target <= {target_min} min): {'met' if ok else 'NOT met'}")
PY
}

if [ "$which" = recipe ] || [ "$which" = both ]; then run recipe 93 20 "$@"; fi
if [ "$which" = demo ] || [ "$which" = both ]; then run demo 88 5 --epochs 1 "$@"; fi
