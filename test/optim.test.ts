// Optimizers and LR schedules against torch.optim 1.13, bit for bit.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { FIXTURES } from './setup/fixtures.js';

const DIR = join(FIXTURES, 'optim');
const npy = (name: string) => torch.loadNpy(join(DIR, `${name}.npy`));

interface OptimizerCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  options: Record<string, unknown>;
  state: Record<string, string[]>;
}
interface ScheduleCase {
  name: string;
  scheduler: 'StepLR' | 'CosineAnnealingLR' | 'OneCycleLR';
  optimizer: 'SGD' | 'AdamW';
  optimizerOptions: Record<string, unknown>;
  options: Record<string, unknown>;
  lrs: number[];
  momenta: number[];
  momentumKey: 'momentum' | 'betas' | null;
}
interface Manifest {
  steps: number;
  shapes: number[][];
  optimizers: OptimizerCase[];
  schedules: ScheduleCase[];
}

const manifest: Manifest = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8'));

function makeOptimizer(kind: string, params: torch.Tensor[], options: Record<string, unknown>): torch.optim.Optimizer {
  if (kind === 'SGD') return new torch.optim.SGD(params, options);
  if (kind === 'Adam') return new torch.optim.Adam(params, options);
  return new torch.optim.AdamW(params, options);
}

beforeAll(() => torch.setNumThreads(1));

describe('optimizers match torch.optim bit for bit over 10 steps', () => {
  for (const c of manifest.optimizers) {
    it(c.name, () => {
      const params = manifest.shapes.map((_, i) => {
        const p = npy(`param${i}`);
        p.requiresGrad = true;
        return p;
      });
      const opt = makeOptimizer(c.optimizer, params, c.options);
      for (let step = 0; step < manifest.steps; step++) {
        params.forEach((p, i) => {
          const file = join(DIR, `grad${step}_${i}.npy`);
          p.grad = existsSync(file) ? torch.loadNpy(file) : null;
        });
        opt.step();
      }
      params.forEach((p, i) => expect(p.equal(npy(`${c.name}_param${i}`)), `param ${i}`).toBe(true));
      const state = opt.stateDict().state;
      for (const [index, keys] of Object.entries(c.state)) {
        // PyTorch's layout: integer keys (a Map).
        const s = state.get(Number(index))!;
        expect(Object.keys(s).sort()).toEqual([...keys].sort());
        for (const key of keys) {
          expect((s[key] as torch.Tensor).equal(npy(`${c.name}_state${index}_${key}`)), `state ${index}.${key}`).toBe(true);
        }
      }
    });
  }
});

describe('LR schedules match torch.optim.lr_scheduler exactly for 100 steps', () => {
  for (const c of manifest.schedules) {
    it(c.name, () => {
      const param = torch.zeros([1], { requiresGrad: true });
      const opt = c.optimizer === 'SGD' ? new torch.optim.SGD([param], c.optimizerOptions) : new torch.optim.AdamW([param], c.optimizerOptions);
      const Scheduler = torch.optim.lrScheduler[c.scheduler] as unknown as new (o: torch.optim.Optimizer, options: unknown) => torch.optim.lrScheduler.LRScheduler;
      const scheduler = new Scheduler(opt, c.options);
      const lrs: number[] = [];
      const momenta: number[] = [];
      for (let i = 0; i < c.lrs.length; i++) {
        opt.step();
        scheduler.step();
        lrs.push(scheduler.getLastLr()[0]);
        if (c.momentumKey === 'momentum') momenta.push(opt.paramGroups[0].momentum as number);
        if (c.momentumKey === 'betas') momenta.push((opt.paramGroups[0].betas as number[])[0]);
      }
      expect(lrs).toEqual(c.lrs);
      expect(momenta).toEqual(c.momenta);
    });
  }
});

describe('optimizer state round trip and errors', () => {
  it('stateDict / loadStateDict resumes SGD with momentum exactly', () => {
    const make = () => {
      const p = npy('param0');
      p.requiresGrad = true;
      return p;
    };
    const grads = [0, 1, 2, 3].map((s) => npy(`grad${s}_0`));
    const a = make();
    const optA = new torch.optim.SGD([a], { lr: 0.05, momentum: 0.9 });
    for (const g of grads) {
      a.grad = g;
      optA.step();
    }
    const b = make();
    const optB = new torch.optim.SGD([b], { lr: 0.05, momentum: 0.9 });
    b.grad = grads[0];
    optB.step();
    b.grad = grads[1];
    optB.step();
    const saved = optB.stateDict();
    const c = b.detach().clone();
    c.requiresGrad = true;
    const optC = new torch.optim.SGD([c], { lr: 0.05, momentum: 0.9 });
    optC.loadStateDict(saved);
    for (const g of grads.slice(2)) {
      c.grad = g;
      optC.step();
    }
    expect(c.equal(a)).toBe(true);
    expect(saved.param_groups[0]).toMatchObject({ lr: 0.05, momentum: 0.9, weight_decay: 0, params: [0] });
  });

  it('zeroGrad clears (null) or zeroes gradients', () => {
    const p = torch.ones([3], { requiresGrad: true });
    const opt = new torch.optim.SGD([p], { lr: 0.1 });
    p.mul(2).sum().backward();
    opt.zeroGrad({ setToNone: false });
    expect(Array.from(p.grad!.toArray() as Float32Array)).toEqual([0, 0, 0]);
    opt.zeroGrad();
    expect(p.grad).toBe(null);
  });

  it.each([
    ['negative lr', () => new torch.optim.SGD([torch.zeros([1], { requiresGrad: true })], { lr: -1 }), RangeError, /SGD: invalid learning rate/],
    ['nesterov without momentum', () => new torch.optim.SGD([torch.zeros([1], { requiresGrad: true })], { lr: 0.1, nesterov: true }), RangeError, /Nesterov/],
    ['unknown option', () => new torch.optim.SGD([torch.zeros([1], { requiresGrad: true })], { lr: 0.1, weight_decay: 1 } as never), TypeError, /did you mean 'weightDecay'/],
    ['empty params', () => new torch.optim.Adam([]), RangeError, /empty parameter list/],
    ['not a tensor', () => new torch.optim.Adam([3 as never]), TypeError, /expected Tensor for params\[0\] but received number/],
    ['non-leaf', () => new torch.optim.Adam([torch.ones([1], { requiresGrad: true }).mul(2)]), RangeError, /not a leaf/],
    ['bad betas', () => new torch.optim.AdamW([torch.zeros([1], { requiresGrad: true })], { betas: [1.5, 0.9] }), RangeError, /invalid beta parameter at index 0/],
    ['StepLR stepSize', () => new torch.optim.lrScheduler.StepLR(new torch.optim.SGD([torch.zeros([1], { requiresGrad: true })], { lr: 1 }), { stepSize: 0 }), RangeError, /stepSize/],
    ['OneCycleLR without steps', () => new torch.optim.lrScheduler.OneCycleLR(new torch.optim.SGD([torch.zeros([1], { requiresGrad: true })], { lr: 1 }), { maxLr: 1 }), RangeError, /totalSteps/],
  ])('%s throws a clear error', (_, fn, kind, message) => {
    expect(fn).toThrow(kind);
    expect(fn).toThrow(message);
  });

  it('OneCycleLR refuses to step past totalSteps', () => {
    const opt = new torch.optim.SGD([torch.zeros([1], { requiresGrad: true })], { lr: 1, momentum: 0.9 });
    const s = new torch.optim.lrScheduler.OneCycleLR(opt, { maxLr: 1, totalSteps: 3 });
    s.step();
    s.step();
    s.step();
    expect(() => s.step()).toThrow(/tried to step 5 times/);
  });
});
