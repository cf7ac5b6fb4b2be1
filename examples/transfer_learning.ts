// Transfer learning: freeze a resnet18 backbone, replace its classifier, train only the new head.
// The TypeScript port of transfer_learning.py. Run: npx tsc && node dist/examples/transfer_learning.js [OUTDIR]

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import * as torch from '../lib/index.js';
import { resnet18 } from '../resnet/index.js';

const F = torch.nn.functional;

export function main(out = 'examples-out/transfer_learning-ts'): void {
  torch.setNumThreads(1);
  mkdirSync(out, { recursive: true });
  torch.manualSeed(0);
  const model = resnet18();
  for (const p of model.parameters()) p.requiresGrad = false;
  model.fc = new torch.nn.Linear(model.fc.inFeatures, 5); // new head, trainable
  const opt = new torch.optim.SGD(model.fc.parameters(), { lr: 0.05, momentum: 0.9 });

  const x = torch.randn([8, 3, 64, 64]);
  const y = torch.randint(0, 5, [8]);
  model.train();
  const losses: torch.Tensor[] = [];
  for (let step = 0; step < 4; step++) {
    const loss = torch.tidy(() => {
      opt.zeroGrad();
      const l = F.crossEntropy(model.forward(x), y);
      l.backward();
      opt.step();
      return l.detach();
    });
    losses.push(loss);
    console.log(`step ${step}  loss ${loss.item().toFixed(6)}`);
  }

  const frozen = model.namedParameters().filter(([, p]) => !p.requiresGrad);
  console.log(`${frozen.length} frozen tensors, ${model.parameters().filter((p) => p.requiresGrad).length} trainable`);
  torch.saveNpy(join(out, 'losses.npy'), torch.stack(losses));
  torch.saveNpy(join(out, 'fc_weight.npy'), model.fc.weight.detach());
  torch.saveNpy(join(out, 'bn1_running_mean.npy'), (model.bn1 as torch.nn.BatchNorm2d).running_mean!);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv[2]);
