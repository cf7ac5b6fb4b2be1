#!/usr/bin/env bash
# Serving benchmark, loopback only and bounded in time: `libtorch-resnet serve`
# (resnet50, random weights: speed does not depend on them) with micro-batching
# on and off at concurrency 1, 8 and 32, then the same model exported to ONNX
# in a minimal onnxruntime-node + fastify server. Prints requests/s, p50/p99
# latency, errors and the server's event-loop lag p99.
#
#   bash scripts/bench-serve.sh            # BENCH_SECONDS=10 per level, ARCH=resnet50
#   BENCH_LEVELS=8 BENCH_SERVERS=on,off,fast-on,fast-off bash scripts/bench-serve.sh
#     BENCH_LEVELS: concurrency levels (default 1,8,32); BENCH_SERVERS: which servers, in order,
#     from on, off (micro-batching on / off), fast-on, fast-off (the same with serve --fast) and
#     ort (default on,off,ort); BENCH_THREADS: the servers' intra-op threads (default 1);
#     BENCH_ROUNDS: interleaved slices of BENCH_SECONDS per server and level, every other round
#     in reverse order (default 1).
#
# onnxruntime-node is installed on first use into .cache/bench-ort by
# scripts/bench/ort.sh (npm; the CUDA download is skipped). Without it,
# or if torch.onnx.export fails, the comparison is skipped and said so.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null

SECONDS_PER_LEVEL="${BENCH_SECONDS:-10}"
ARCH="${ARCH:-resnet50}"
SERVERS="${BENCH_SERVERS:-on,off,ort}"
WANT_ORT=0
if [[ ",$SERVERS," == *,ort,* ]]; then WANT_ORT=1; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 - "$ARCH" "$work" "$WANT_ORT" <<'PY'
import sys, torch, torchvision
arch, out, want_ort = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
torch.manual_seed(0)
model = getattr(torchvision.models, arch)().eval()
torch.save(model.state_dict(), f"{out}/weights.pth")
if not want_ort:
    sys.exit(0)
try:
    torch.onnx.export(model, torch.zeros(1, 3, 224, 224), f"{out}/model.onnx", input_names=["input"], output_names=["logits"], opset_version=13)
except Exception as e:  # the comparison is optional
    print(f"bench-serve: torch.onnx.export failed ({e}); skipping the onnxruntime comparison", file=sys.stderr)
PY

ort_args=()
if [ -f "$work/model.onnx" ]; then
  source scripts/bench/ort.sh
  if [ -n "${BENCH_ORT_DIR:-}" ]; then
    ort_args=(--onnx "$work/model.onnx" --ort-server "$PWD/dist/scripts/bench-ort-server.js" --ort-dir "$BENCH_ORT_DIR")
  fi
fi

echo "bench-serve: $ARCH, ${SECONDS_PER_LEVEL} s per level, $(nproc) cores, $(node --version)"
node dist/scripts/bench-serve.js --weights "$work/weights.pth" --arch "$ARCH" --seconds "$SECONDS_PER_LEVEL" \
  --levels "${BENCH_LEVELS:-1,8,32}" --servers "$SERVERS" --threads "${BENCH_THREADS:-1}" --rounds "${BENCH_ROUNDS:-1}" "${ort_args[@]}"
