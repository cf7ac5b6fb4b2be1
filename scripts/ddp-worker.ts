// One TypeScript rank of the DDP parity runs (issue #13), the twin of
// scripts/ddp/rank.py: same data, same start (rank 0 from the fixture's
// initial weights, the others from a different random resnet18), same
// optimizer, DistributedDataParallel on libtorch's c10d::Reducer.
//
//   node dist/scripts/ddp-worker.js FIXTURE_DIR RANK WORLD INIT_METHOD OUT.pth [STEPS] [--die-at-step K] [--timeout-ms MS]
//
// --die-at-step K: SIGKILLs itself in step K between forward and backward,
// the "rank killed mid-step" fault. Prints one JSON line per step on stdout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as torch from '../lib/index.js';
import { resnet18 } from '../resnet/index.js';

const BATCH = 64;
const BUCKET_CAP_MB = 1;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string): number | undefined => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = Number(args[i + 1]);
    args.splice(i, 2);
    return v;
  };
  const dieAt = flag('--die-at-step');
  const timeoutMs = flag('--timeout-ms') ?? 60_000;
  const [fixture, rankText, worldText, initMethod, out, stepsText] = args;
  const rank = Number(rankText);
  const worldSize = Number(worldText);
  const steps = stepsText === undefined ? 10 : Number(stepsText);
  torch.setNumThreads(1);
  torch.manualSeed(100 + rank);
  const model = resnet18({ numClasses: 10 });
  if (rank === 0) {
    const keys = (JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')) as { keys: string[] }).keys;
    const sd: Record<string, torch.Tensor> = {};
    keys.forEach((k, i) => (sd[k] = torch.loadNpy(join(fixture, `init_${i}.npy`))));
    model.loadStateDict(sd);
  }
  model.train();
  await torch.distributed.initProcessGroup({ backend: 'gloo', initMethod, rank, worldSize, timeoutMs });
  const ddp = new torch.nn.parallel.DistributedDataParallel(model, { bucketCapMb: BUCKET_CAP_MB });
  const opt = new torch.optim.SGD(ddp.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  const per = BATCH / worldSize;
  for (let s = 0; s < steps; s++) {
    torch.tidy(() => {
      const x = torch.loadNpy(join(fixture, `x${s}.npy`)).narrow(0, rank * per, per);
      const y = torch.loadNpy(join(fixture, `y${s}.npy`)).narrow(0, rank * per, per);
      opt.zeroGrad({ setToNone: true });
      const loss = torch.nn.functional.crossEntropy(ddp.forward(x), y);
      if (dieAt === s) process.kill(process.pid, 'SIGKILL');
      loss.backward();
      opt.step();
      process.stdout.write(`${JSON.stringify({ rank, step: s, loss: loss.item(), buckets: ddp.bucketSizes().length })}\n`);
    });
  }
  torch.save(out, ddp.module.stateDict());
  torch.distributed.destroyProcessGroup();
}

main().catch((e: unknown) => {
  process.stderr.write(`ddp-worker: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
