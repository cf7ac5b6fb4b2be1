// One rank of scripts/bench-ddp.sh: resnet18 (numClasses 10, 32x32), batch
// 32 per rank, SGD, 1 intra-op thread; DistributedDataParallel when
// WORLD_SIZE > 1 (a plain model when 1). Prints one JSON line (rank 0):
// images/s over the timed steps, and the event-loop lag while an async
// allReduce of 11.2 M floats (resnet18's gradient size) is in flight.
import { monitorEventLoopDelay } from 'node:perf_hooks';

import * as torch from '../lib/index.js';
import { resnet18 } from '../resnet/index.js';

const WARMUP = 3;
const STEPS = Number(process.env.BENCH_STEPS ?? 20);
const BATCH = 32;

async function main(): Promise<void> {
  torch.setNumThreads(1);
  torch.manualSeed(0);
  const world = Number(process.env.WORLD_SIZE ?? 1);
  await torch.distributed.initProcessGroup({ initMethod: 'env://', timeoutMs: 120_000 });
  const rank = torch.distributed.getRank();
  const model = resnet18({ numClasses: 10 });
  const net: torch.nn.Module = world > 1 ? new torch.nn.parallel.DistributedDataParallel(model) : model;
  const opt = new torch.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = torch.randn([BATCH, 3, 32, 32]);
  const y = torch.randint(0, 10, [BATCH]);
  let t0 = 0;
  for (let s = 0; s < WARMUP + STEPS; s++) {
    if (s === WARMUP) {
      torch.distributed.barrierSync();
      t0 = performance.now();
    }
    torch.tidy(() => {
      opt.zeroGrad();
      torch.nn.functional.crossEntropy(net.forward(x), y).backward();
      opt.step();
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  // Event-loop lag during async collectives.
  const big = torch.zeros([11_200_000]);
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const c0 = performance.now();
  const rounds = 10;
  for (let i = 0; i < rounds; i++) await torch.distributed.allReduce(big, 'sum');
  const collectiveMs = (performance.now() - c0) / rounds;
  h.disable();
  if (rank === 0) {
    process.stdout.write(
      `${JSON.stringify({
        world,
        imagesPerSecond: (world * BATCH * STEPS) / seconds,
        perRankImagesPerSecond: (BATCH * STEPS) / seconds,
        stepMs: (1000 * seconds) / STEPS,
        allReduce11MMs: collectiveMs,
        loopLagP50Ms: h.percentile(50) / 1e6,
        loopLagP99Ms: h.percentile(99) / 1e6,
        loopLagMaxMs: h.max / 1e6,
      })}\n`,
    );
  }
  torch.distributed.destroyProcessGroup();
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-ddp: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
