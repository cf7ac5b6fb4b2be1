// One side of scripts/bench-train-step.sh: the same training step in libtorch-resnet.
// usage: node dist/scripts/bench/train-step.js ARCH BATCH SIZE CHANNELS THREADS STEPS

import { makeModel } from '../../cli/models.js';
import * as torch from '../../lib/index.js';

const [arch, ...rest] = process.argv.slice(2);
const [batch, size, channels, threads, steps] = rest.map(Number);
torch.setNumThreads(threads);
torch.manualSeed(0);
const model = makeModel(arch, { numClasses: 10, inChannels: channels }).train();
const opt = new torch.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: true });
const x = torch.randn([batch, channels, size, size]);
const y = torch.tensor(BigInt64Array.from({ length: batch }, (_, i) => BigInt(i % 10)), [batch]);

function step(): number {
  const loss = torch.tidy(() => {
    const l = torch.nn.functional.crossEntropy(model.forward(x), y);
    l.backward();
    return l.item();
  });
  opt.step();
  opt.zeroGrad();
  return loss;
}

for (let i = 0; i < 3; i++) step();
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  const t = process.hrtime.bigint();
  step();
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ side: 'libtorch-resnet', median_ms: times[Math.floor(times.length / 2)], ms: times }));
