// MultiStepLR, ExponentialLR, LinearLR, LambdaLR, SequentialLR (warmup by
// composition) and ReduceLROnPlateau: every learning rate of 100 steps equals
// PyTorch 1.13's exactly (scripts/reference/idioms_sched.py; two param groups).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { FIXTURES } from './setup/fixtures.js';

const { optim } = torch;
const S = optim.lrScheduler;
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'idioms_sched', 'cases.json'), 'utf8')) as { steps: number; cases: Record<string, number[][]> };

type Stepper = { step(metric?: number): void };

function groups(): torch.optim.ParamGroupInput[] {
  return [
    { params: [torch.zeros([1], { requiresGrad: true })], lr: 0.1 },
    { params: [torch.zeros([1], { requiresGrad: true })], lr: 0.03 },
  ];
}

const MAKE: Record<string, (o: torch.optim.Optimizer) => Stepper> = {
  multistep: (o) => new S.MultiStepLR(o, { milestones: [10, 30, 30, 60], gamma: 0.3 }),
  exponential: (o) => new S.ExponentialLR(o, { gamma: 0.97 }),
  linear: (o) => new S.LinearLR(o, { startFactor: 0.2, endFactor: 0.9, totalIters: 17 }),
  lambda: (o) => new S.LambdaLR(o, { lrLambda: [(e) => 1.0 / (e + 1), (e) => (e % 2 ? 0.5 : 1.0)] }),
  sequential: (o) => new S.SequentialLR(o, { schedulers: [new S.LinearLR(o, { startFactor: 0.1, totalIters: 5 }), new S.CosineAnnealingLR(o, { tMax: 40 })], milestones: [5] }),
  sequential3: (o) =>
    new S.SequentialLR(o, {
      schedulers: [new S.ExponentialLR(o, { gamma: 0.9 }), new S.MultiStepLR(o, { milestones: [5, 15] }), new S.ExponentialLR(o, { gamma: 0.99 })],
      milestones: [10, 50],
    }),
  plateau: (o) => new S.ReduceLROnPlateau(o, { factor: 0.5, patience: 3, cooldown: 2, minLr: [0.001, 0.0005], threshold: 1e-3 }),
  plateau_max_abs: (o) => new S.ReduceLROnPlateau(o, { mode: 'max', thresholdMode: 'abs', patience: 1 }),
};

describe("schedulers equal PyTorch 1.13's learning rates exactly", () => {
  for (const [name, expected] of Object.entries(manifest.cases)) {
    it(name, () => {
      const opt = new optim.SGD(groups(), { lr: 0.1, momentum: 0.9 });
      const sched = MAKE[name](opt);
      const lrs = [opt.paramGroups.map((g) => g.lr)];
      for (let s = 0; s < manifest.steps; s++) {
        if (name.startsWith('plateau')) sched.step(s < 20 ? 1.0 / (1 + s) : 0.05 + (s % 7 ? 0.0001 : -0.00001 * s));
        else sched.step();
        lrs.push(opt.paramGroups.map((g) => g.lr));
      }
      expect(lrs).toEqual(expected);
    });
  }

  it('bad arguments are clear errors', () => {
    const opt = new optim.SGD(groups(), { lr: 0.1 });
    expect(() => new S.LinearLR(opt, { startFactor: 2 })).toThrow(new RangeError('LinearLR: starting multiplicative factor expected to be between 0 and 1'));
    expect(() => new S.ReduceLROnPlateau(opt, { factor: 1 })).toThrow(new RangeError('ReduceLROnPlateau: factor should be < 1.0'));
    expect(() => new S.ReduceLROnPlateau(opt, { mode: 'up' as never })).toThrow(/mode up is unknown/);
    expect(() => new S.SequentialLR(opt, { schedulers: [new S.ExponentialLR(opt, { gamma: 0.9 })], milestones: [3] })).toThrow(/expects number of schedulers provided to be one more than the number of milestone points/);
    expect(() => new S.LambdaLR(opt, { lrLambda: [(e) => e] })).toThrow(new RangeError('LambdaLR: expected 2 lrLambdas, but got 1'));
  });
});
