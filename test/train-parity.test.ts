// Training parity: resnet18 in train mode, 10 optimizer steps from the same
// weights on the same batches, losses and final weights (and BN statistics)
// equal to PyTorch's bit for bit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { resnet18 } from '../resnet/index.js';
import { FIXTURES } from './setup/fixtures.js';

const DIR = join(FIXTURES, 'train');
const npy = (name: string) => torch.loadNpy(join(DIR, `${name}.npy`));
const manifest = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as {
  keys: string[];
  steps: number;
  runs: { name: string; optimizer: 'SGD' | 'AdamW'; options: Record<string, unknown>; losses: number[] }[];
};

beforeAll(() => torch.setNumThreads(1));

describe('training parity with PyTorch (resnet18, 10 steps)', () => {
  for (const run of manifest.runs) {
    it(`${run.optimizer}: losses and final state dict are bit-identical`, () => {
      const model = resnet18({ numClasses: 10 });
      const initial: Record<string, torch.Tensor> = {};
      manifest.keys.forEach((k, i) => (initial[k] = npy(`init_${i}`)));
      model.loadStateDict(initial);
      model.train();
      const opt = run.optimizer === 'SGD' ? new torch.optim.SGD(model.parameters(), run.options) : new torch.optim.AdamW(model.parameters(), run.options);
      const losses: number[] = [];
      for (let s = 0; s < manifest.steps; s++) {
        opt.zeroGrad();
        const loss = torch.tidy(() => {
          const l = torch.nn.functional.crossEntropy(model.forward(npy(`x${s}`)), npy(`y${s}`));
          l.backward();
          return l.item();
        });
        opt.step();
        losses.push(loss);
      }
      expect(losses).toEqual(run.losses);
      const final = model.stateDict();
      expect(Object.keys(final)).toEqual(manifest.keys);
      const mismatched = manifest.keys.filter((k, i) => !final[k].equal(npy(`${run.name}_final_${i}`)));
      expect(mismatched).toEqual([]);
    });
  }
});
