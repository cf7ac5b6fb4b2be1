#!/usr/bin/env bash
# Data-parallel throughput (issue #13): resnet18 (numClasses 10, 32x32), batch
# 32 per process, 1 intra-op thread per process, on this machine: 1 process vs
# 2 processes with DistributedDataParallel over Gloo (loopback). Prints
# images/s, the scaling efficiency (2-process images/s / (2 x 1-process)),
# and the event-loop lag while async allReduce calls (11.2 M floats, resnet18's
# gradient size) are in flight.
#
#   bash scripts/bench-ddp.sh            BENCH_STEPS=40 bash scripts/bench-ddp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
run() {
  local n=$1 p; p=$(port)
  local pids=()
  for ((r = 0; r < n; r++)); do
    MASTER_ADDR=127.0.0.1 MASTER_PORT=$p RANK=$r WORLD_SIZE=$n OMP_NUM_THREADS=1 node dist/scripts/bench-ddp.js > ".cache/bench-ddp-$n-$r.json" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  cat ".cache/bench-ddp-$n-0.json"
}
mkdir -p .cache
one=$(run 1)
two=$(run 2)
echo "1 process:   $one"
echo "2 processes: $two"
node -e '
const [a, b] = process.argv.slice(1).map((s) => JSON.parse(s));
const f = (x) => x.toFixed(1);
console.log(`images/s: 1 process ${f(a.imagesPerSecond)}, 2 processes ${f(b.imagesPerSecond)} (${f(b.perRankImagesPerSecond)} per process)`);
console.log(`scaling efficiency: ${f((100 * b.imagesPerSecond) / (2 * a.imagesPerSecond))} %  (step ${f(a.stepMs)} ms alone, ${f(b.stepMs)} ms in DDP)`);
console.log(`async allReduce of 11.2 M floats: ${f(b.allReduce11MMs)} ms; event-loop lag meanwhile p50 ${b.loopLagP50Ms.toFixed(2)} ms, p99 ${b.loopLagP99Ms.toFixed(2)} ms, max ${b.loopLagMaxMs.toFixed(2)} ms`);
' "$one" "$two"
