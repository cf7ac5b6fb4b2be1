// A training loop with validation: mini-batches from a shuffled index, dropout, SGD, and
// validation loss and accuracy after every epoch. The TypeScript port of training_loop.py.
// Run: npx tsc && node dist/examples/training_loop.js [OUTDIR]

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import * as torch from '../lib/index.js';

const { nn } = torch;
const F = torch.nn.functional;

export function main(out = 'examples-out/training_loop-ts'): void {
  torch.setNumThreads(1);
  mkdirSync(out, { recursive: true });
  torch.manualSeed(0);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(),
    new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(8, 4),
  );
  const [trainX, trainY] = [torch.randn([32, 1, 12, 12]), torch.randint(0, 4, [32])];
  const [valX, valY] = [torch.randn([16, 1, 12, 12]), torch.randint(0, 4, [16])];
  const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });

  const history: torch.Tensor[] = [];
  for (let epoch = 0; epoch < 3; epoch++) {
    const row = torch.tidy(() => {
      model.train();
      const perm = torch.randperm(32);
      let loss = torch.zeros([]);
      for (let i = 0; i < 32; i += 8) {
        const idx = perm.index([i, i + 8]);
        const xb = F.dropout(trainX.index(idx), { p: 0.1, training: true }); // input noise
        opt.zeroGrad();
        loss = F.crossEntropy(model.forward(xb), trainY.index(idx));
        loss.backward();
        opt.step();
      }
      model.eval();
      return torch.noGrad(() => {
        const logits = model.forward(valX);
        const valLoss = F.crossEntropy(logits, valY);
        const correct = logits.max(1).indices.eq(valY).sum();
        console.log(
          `epoch ${epoch}  train loss ${loss.item().toFixed(6)}  val loss ${valLoss.item().toFixed(6)}  val acc ${correct.item()}/16`,
        );
        return torch.stack([loss.detach(), valLoss, correct.float()]);
      });
    });
    history.push(row);
  }

  torch.saveNpy(join(out, 'history.npy'), torch.stack(history));
  torch.saveNpy(join(out, 'fc_weight.npy'), (model.at(5) as torch.nn.Linear).weight.detach());
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv[2]);
