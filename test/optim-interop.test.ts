// Optimizer checkpoints across languages: for SGD (momentum), Adam (with a
// LinearLR warmup composed with ExponentialLR through SequentialLR), AdamW
// (amsgrad, MultiStepLR) and RMSprop (centered, momentum, CosineAnnealingLR),
// 5 steps in one language, a .pth checkpoint {model, optimizer, scheduler},
// 5 more in the other: the final weights equal PyTorch's uninterrupted run bit
// for bit, both directions. Fixtures: scripts/reference/optim_interop.py.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { type Tensor } from '../lib/index.js';
import { FIXTURES, PYTHON, ROOT } from './setup/fixtures.js';

const { nn, optim } = torch;
const { lrScheduler } = optim;
const DIR = join(FIXTURES, 'optim_interop');
const manifest = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { keys: string[]; steps: number; half: number; names: string[] };
const npy = (name: string) => torch.loadNpy(join(DIR, `${name}.npy`));
const tmp = mkdtempSync(join(tmpdir(), 'ltr-optim-interop-'));

beforeAll(() => torch.setNumThreads(1));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Scheduler {
  step(): void;
  stateDict(): Record<string, unknown>;
  loadStateDict(state: Record<string, unknown>): void;
}

function makeModel(): torch.nn.Sequential {
  const model = new nn.Sequential(new nn.Linear(6, 8), new nn.ReLU(), new nn.Linear(8, 3));
  const initial: Record<string, Tensor> = {};
  manifest.keys.forEach((k, i) => (initial[k] = npy(`init_${i}`)));
  model.loadStateDict(initial);
  return model;
}

// The same optimizers and schedules as optim_interop.py's make_optimizer.
function makeOptimizer(name: string, params: Tensor[]): [torch.optim.Optimizer, Scheduler] {
  if (name === 'sgd') {
    const opt = new optim.SGD(params, { lr: 0.1, momentum: 0.9, weightDecay: 1e-3 });
    return [opt, new lrScheduler.StepLR(opt, { stepSize: 3, gamma: 0.5 })];
  }
  if (name === 'adam') {
    const opt = new optim.Adam(params, { lr: 0.01, betas: [0.8, 0.99], weightDecay: 1e-3 });
    const warmup = new lrScheduler.LinearLR(opt, { startFactor: 0.25, totalIters: 3 });
    const decay = new lrScheduler.ExponentialLR(opt, { gamma: 0.9 });
    return [opt, new lrScheduler.SequentialLR(opt, { schedulers: [warmup, decay], milestones: [3] })];
  }
  if (name === 'adamw') {
    const opt = new optim.AdamW(params, { lr: 0.01, weightDecay: 0.05, amsgrad: true });
    return [opt, new lrScheduler.MultiStepLR(opt, { milestones: [2, 6], gamma: 0.3 })];
  }
  const opt = new optim.RMSprop(params, { lr: 0.01, momentum: 0.5, centered: true, weightDecay: 1e-3 });
  return [opt, new lrScheduler.CosineAnnealingLR(opt, { tMax: 10 })];
}

function train(model: torch.nn.Module, opt: torch.optim.Optimizer, sched: Scheduler, start: number, end: number): void {
  for (let s = start; s < end; s++) {
    opt.zeroGrad();
    torch.tidy(() => torch.nn.functional.crossEntropy(model.forward(npy(`x${s}`)), npy(`y${s}`)).backward());
    opt.step();
    sched.step();
  }
}

function mismatches(final: Tensor[], prefix: string, dir = DIR): string[] {
  return manifest.keys.filter((k, i) => !final[i].equal(torch.loadNpy(join(dir, `${prefix}${i}.npy`))));
}

describe('optimizer + scheduler checkpoints between TypeScript and PyTorch', () => {
  for (const name of manifest.names) {
    it(`${name}: an uninterrupted TypeScript run equals PyTorch's bit for bit`, () => {
      const model = makeModel();
      const [opt, sched] = makeOptimizer(name, model.parameters());
      train(model, opt, sched, 0, manifest.steps);
      expect(mismatches(Object.values(model.stateDict()), `${name}_final_`)).toEqual([]);
    });

    it(`${name}: Python's checkpoint resumes in TypeScript with identical steps`, () => {
      const ckpt = torch.loadCheckpoint(join(DIR, `${name}_py${manifest.half}.pth`)) as Record<string, unknown>;
      const model = makeModel();
      model.loadStateDict(ckpt.model as Record<string, Tensor>);
      const [opt, sched] = makeOptimizer(name, model.parameters());
      const saved = ckpt.optimizer as torch.optim.OptimizerStateDictInput;
      // PyTorch's integer state keys arrive as a Map; every parameter's state attaches.
      expect(saved.state).toBeInstanceOf(Map);
      opt.loadStateDict(saved);
      expect(opt.stateDict().state.size).toBe(model.parameters().length);
      sched.loadStateDict(ckpt.scheduler as Record<string, unknown>);
      train(model, opt, sched, manifest.half, manifest.steps);
      expect(mismatches(Object.values(model.stateDict()), `${name}_final_`)).toEqual([]);
    });

    it(`${name}: a TypeScript checkpoint resumes in Python with identical steps`, () => {
      const model = makeModel();
      const [opt, sched] = makeOptimizer(name, model.parameters());
      train(model, opt, sched, 0, manifest.half);
      const path = join(tmp, `${name}.pth`);
      torch.saveCheckpoint(path, { model: model.stateDict(), optimizer: opt.stateDict(), scheduler: sched.stateDict() });
      const out = join(tmp, `${name}-resumed`);
      execFileSync(PYTHON, [join(ROOT, 'scripts', 'reference', '_optim_resume.py'), name, path, DIR, out], { stdio: ['ignore', 'pipe', 'pipe'] });
      const final = manifest.keys.map((_, i) => torch.loadNpy(join(out, `final_${i}.npy`)));
      expect(mismatches(final, `${name}_final_`)).toEqual([]);
    });
  }

  it("the state dict has PyTorch's layout: integer keys, 1.13's param_groups fields in order", () => {
    const p = torch.zeros([2], { requiresGrad: true });
    p.grad = torch.ones([2]);
    const sgd = new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
    sgd.step();
    const sd = sgd.stateDict();
    expect([...sd.state.keys()]).toEqual([0]);
    expect(Object.keys(sd.param_groups[0])).toEqual(['lr', 'momentum', 'dampening', 'weight_decay', 'nesterov', 'maximize', 'foreach', 'differentiable', 'params']);
    const adam = new optim.Adam([p]);
    expect(Object.keys(adam.stateDict().param_groups[0])).toEqual([
      'lr', 'betas', 'eps', 'weight_decay', 'amsgrad', 'maximize', 'foreach', 'capturable', 'differentiable', 'fused', 'params',
    ]);
    const adamw = new optim.AdamW([p]);
    expect(Object.keys(adamw.stateDict().param_groups[0])).toEqual(['lr', 'betas', 'eps', 'weight_decay', 'amsgrad', 'foreach', 'maximize', 'capturable', 'params']);
  });

  it('SGD requires lr, as PyTorch 1.13; per-group options and addParamGroup', () => {
    const a = torch.zeros([2], { requiresGrad: true });
    const b = torch.zeros([3], { requiresGrad: true });
    expect(() => new optim.SGD([a])).toThrow(new TypeError("SGD: a parameter group didn't specify a value of required optimization parameter lr (PyTorch's SGD has no default lr)"));
    const opt = new optim.SGD([{ params: [a], lr: 0.1 }], { momentum: 0.9 });
    opt.addParamGroup({ params: [b], lr: 0.01, momentum: 0 });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([[0.1, 0.9], [0.01, 0]]);
    a.grad = torch.ones([2]);
    b.grad = torch.ones([3]);
    opt.step();
    expect([...a.toArray()]).toEqual([-0.1, -0.1].map((v) => Math.fround(v)));
    expect([...b.toArray()]).toEqual([-0.01, -0.01, -0.01].map((v) => Math.fround(v)));
    expect(() => new optim.Adam([a], { foreach: true })).toThrow(new RangeError('Adam: foreach=true is not supported (only the single-tensor implementation: foreach null or false)'));
  });
});
