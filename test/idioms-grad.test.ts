// Grad mode scopes (async refused, not silently wrong), inference mode, and
// torch.nn.utils gradient utilities with PyTorch's arithmetic
// (scripts/reference/idioms_grad.py: clip_grad_norm_ over 10 resnet18 steps).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { type Tensor } from '../lib/index.js';
import { resnet18 } from '../resnet/index.js';
import { FIXTURES } from './setup/fixtures.js';

const { nn } = torch;
const DIR = join(FIXTURES, 'idioms_grad');
const npy = (name: string) => torch.loadNpy(join(DIR, `${name}.npy`));
const manifest = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as {
  keys: string[]; steps: number; norm_types: (number | 'inf')[]; max_norm: number; clip_value: number;
};

beforeAll(() => torch.setNumThreads(1));

describe('grad mode scopes and async functions', () => {
  it('noGrad / enableGrad / inferenceMode refuse an async function before running it', async () => {
    let ran = false;
    const body = async () => {
      ran = true;
      await Promise.resolve();
      return torch.isGradEnabled();
    };
    expect(() => torch.noGrad(body)).toThrow(TypeError);
    expect(() => torch.noGrad(body)).toThrow(/noGrad: fn is an async function; grad mode is a per-thread flag that cannot follow an async function across its awaits/);
    expect(() => torch.enableGrad(body)).toThrow(/enableGrad: fn is an async function/);
    expect(() => torch.inferenceMode(body)).toThrow(/inferenceMode: fn is an async function/);
    expect(ran).toBe(false);
    expect(torch.isGradEnabled()).toBe(true);
  });

  it('a plain function that returns a Promise is refused too (and grad mode is restored)', () => {
    expect(() => torch.noGrad(() => Promise.resolve(1))).toThrow(new TypeError('noGrad: fn returned a Promise; noGrad covers synchronous code only (call it around each synchronous step)'));
    expect(torch.isGradEnabled()).toBe(true);
  });

  it('the pattern that replaces it: a synchronous scope per step inside the async loop', async () => {
    async function* batches() {
      for (let i = 0; i < 2; i++) yield torch.ones([1], { requiresGrad: true });
    }
    const w = torch.ones([1], { requiresGrad: true });
    for await (const b of batches()) {
      const y = torch.noGrad(() => {
        expect(torch.isGradEnabled()).toBe(false);
        return b.mul(w);
      });
      expect(y.requiresGrad).toBe(false);
    }
    expect(torch.isGradEnabled()).toBe(true);
  });

  it('tidy refuses an async function before running it: no side effects', () => {
    let ran = 0;
    const before = torch.nativeMemory().tensors;
    const asyncFn = async () => {
      ran++;
      return torch.ones([4]);
    };
    expect(() => torch.tidy(asyncFn)).toThrow(new TypeError(
      'tidy: fn is an async function; tidy tracks synchronous code only (it would free tensors still in use after the first await). ' +
        'Await first, then tidy each synchronous step, e.g. `const y = await model.forwardAsync(x); const p = torch.tidy(() => y.softmax(1));`',
    ));
    const asyncGen = async function* () {
      ran++;
      yield torch.ones([4]);
    };
    expect(() => torch.tidy(asyncGen as unknown as () => unknown)).toThrow(/^tidy: fn is an async function/);
    expect(ran).toBe(0);
    expect(torch.nativeMemory().tensors).toBeLessThanOrEqual(before);
  });

  it('tidy with a plain function returning a Promise or thenable: its sync part ran, its tensors are disposed, then a TypeError', async () => {
    let made: torch.Tensor | undefined;
    let later: torch.Tensor | undefined;
    const pending = new Promise<void>((resolve) => setTimeout(resolve, 0));
    const fn = () => {
      made = torch.ones([4]);
      return pending.then(() => {
        later = torch.ones([2]);
      });
    };
    expect(() => torch.tidy(fn)).toThrow(new TypeError('tidy: fn returned a Promise; tidy only tracks synchronous code (await first, then tidy each step)'));
    expect(made?.isDisposed).toBe(true);
    // The Promise settles on its own; what it makes afterwards is outside any scope.
    await pending;
    await Promise.resolve();
    expect(later?.isDisposed).toBe(false);
    const thenable = { then: (resolve: (v: number) => void) => resolve(1) };
    expect(() => torch.tidy(() => thenable)).toThrow(/^tidy: fn returned a Promise/);
  });

  it('inferenceMode, setGradEnabled, requiresGrad_', () => {
    const w = torch.ones([2], { requiresGrad: true });
    const y = torch.inferenceMode(() => {
      expect(torch.isInferenceModeEnabled()).toBe(true);
      return w.mul(2);
    });
    expect(torch.isInferenceModeEnabled()).toBe(false);
    expect(y.requiresGrad).toBe(false);
    expect(() => y.mul(w).sum().backward()).toThrow(/[Ii]nference tensor/);
    const previous = torch.setGradEnabled(false);
    expect(previous).toBe(true);
    expect(w.mul(2).requiresGrad).toBe(false);
    torch.setGradEnabled(previous);
    expect(w.mul(2).requiresGrad).toBe(true);
    expect(() => torch.setGradEnabled('no' as never)).toThrow(new TypeError('setGradEnabled: expected boolean for mode but received string'));
    const t = torch.zeros([2]);
    expect(t.requiresGrad_()).toBe(t);
    expect(t.requiresGrad).toBe(true);
    t.requiresGrad_(false);
    expect(t.requiresGrad).toBe(false);
    const net = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 1));
    net.requiresGrad_(false);
    expect(net.parameters().every((p) => !p.requiresGrad)).toBe(true);
    (net.at(1) as torch.nn.Linear).requiresGrad_(true);
    expect(net.parameters().map((p) => p.requiresGrad)).toEqual([false, false, true, true]);
  });
});

describe('torch.nn.utils', () => {
  it("clipGradNorm_ over 10 steps of resnet18 training equals PyTorch's (norm types 2, inf, 1, 2.5)", () => {
    const model = resnet18({ numClasses: 10 });
    const initial: Record<string, Tensor> = {};
    manifest.keys.forEach((k, i) => (initial[k] = npy(`init_${i}`)));
    model.loadStateDict(initial);
    model.train();
    const opt = new torch.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    for (let s = 0; s < manifest.steps; s++) {
      opt.zeroGrad();
      torch.tidy(() => torch.nn.functional.crossEntropy(model.forward(npy(`x${s}`)), npy(`y${s}`)).backward());
      const t = manifest.norm_types[s];
      const total = nn.utils.clipGradNorm_(model.parameters(), manifest.max_norm, { normType: t === 'inf' ? Infinity : t });
      expect(total.equal(npy(`norm${s}`)), `step ${s} norm`).toBe(true);
      opt.step();
    }
    const final = model.stateDict();
    expect(manifest.keys.filter((k, i) => !final[k].equal(npy(`final_${i}`)))).toEqual([]);
  });

  it("clipGradValue_ equals PyTorch's", () => {
    const ps = [0, 1].map((i) => {
      const p = torch.zeros(npy(`value_grad_in${i}`).shape, { requiresGrad: true });
      p.grad = npy(`value_grad_in${i}`);
      return p;
    });
    nn.utils.clipGradValue_(ps, manifest.clip_value);
    ps.forEach((p, i) => expect(p.grad!.equal(npy(`value_grad_out${i}`))).toBe(true));
  });

  it('clipGradNorm_ with no gradients returns 0; errorIfNonfinite; bad arguments', () => {
    const p = torch.zeros([2], { requiresGrad: true });
    expect(nn.utils.clipGradNorm_([p], 1).item()).toBe(0);
    p.grad = torch.tensor([Infinity, 1]);
    expect(() => nn.utils.clipGradNorm_(p, 1, { errorIfNonfinite: true })).toThrow(/clipGradNorm_: the total norm of order 2\.0+ for gradients from `parameters` is non-finite/);
    expect(() => nn.utils.clipGradNorm_([p], '1' as never)).toThrow(new TypeError('clipGradNorm_: expected number for maxNorm but received string'));
    expect(() => nn.utils.clipGradNorm_([3] as never, 1)).toThrow(new TypeError('clipGradNorm_: expected Tensor for parameters[0] but received number'));
    expect(() => nn.utils.clipGradNorm_([p], 1, { norm_type: 2 } as never)).toThrow(/did you mean 'normType'/);
  });

  it('parametersToVector / vectorToParameters round trip; parameters become views of the vector', () => {
    const net = new nn.Sequential(new nn.Linear(3, 2), new nn.Linear(2, 1));
    const vec = nn.utils.parametersToVector(net.parameters());
    expect(vec.shape).toEqual([11]);
    const doubled = vec.mul(2);
    nn.utils.vectorToParameters(doubled, net.parameters());
    expect(nn.utils.parametersToVector(net.parameters()).equal(doubled)).toBe(true);
    expect(net.parameters()[0].shape).toEqual([2, 3]);
    expect(() => nn.utils.vectorToParameters(torch.zeros([3]), net.parameters())).toThrow(new RangeError('vectorToParameters: vec has 3 elements but the parameters have 11'));
  });
});
