#!/usr/bin/env bash
# Time per training step, libtorch-resnet vs PyTorch (Python), side by side on
# this machine: forward + cross entropy + backward + SGD (Nesterov momentum,
# weight decay) + zero_grad on the same model and batch shape, the same thread
# count. The two run alternately (A B A B ...) so drift in machine speed hits
# both; each run reports its median step, and the ratio is taken pair by pair.
#
#   bash scripts/bench-train-step.sh [ARCH] [BATCH] [SIZE] [CHANNELS] [THREADS] [ROUNDS] [STEPS]
#   default: the training recipe's step: resnet20, batch 128, 28x28, 1 channel, all cores
set -euo pipefail
cd "$(dirname "$0")/.."
ARCH=${1:-resnet20} BATCH=${2:-128} SIZE=${3:-28} CHANNELS=${4:-1} THREADS=${5:-$(nproc)} ROUNDS=${6:-5} STEPS=${7:-20}
test -f dist/scripts/bench/train-step.js || bash scripts/setup.sh
echo "training step: $ARCH, batch $BATCH x $CHANNELS x $SIZE x $SIZE, $THREADS thread(s), $ROUNDS rounds of $STEPS steps"
ratios=()
for r in $(seq 1 "$ROUNDS"); do
  ours=$(node dist/scripts/bench/train-step.js "$ARCH" "$BATCH" "$SIZE" "$CHANNELS" "$THREADS" "$STEPS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["median_ms"])')
  theirs=$(/usr/bin/python3 scripts/bench/train_step.py "$ARCH" "$BATCH" "$SIZE" "$CHANNELS" "$THREADS" "$STEPS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["median_ms"])')
  ratio=$(python3 -c "print(f'{$ours / $theirs:.3f}')")
  ratios+=("$ratio")
  printf 'round %d: libtorch-resnet %8.1f ms   PyTorch %8.1f ms   ratio %s\n' "$r" "$ours" "$theirs" "$ratio"
done
python3 - "${ratios[@]}" <<'PY'
import statistics, sys
r = sorted(map(float, sys.argv[1:]))
print(f"ratio libtorch-resnet / PyTorch per step: median {statistics.median(r):.3f} (min {r[0]:.3f}, max {r[-1]:.3f}); target <= 1.05")
PY
