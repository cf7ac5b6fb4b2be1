// forwardAsync: the forward off the JS thread, bit-identical to forward.
// Tracing records the ATen ops the JS forward calls; the worker replays them
// with TorchScript's plain interpreter, so every comparison here is `equal`.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { resnet18, resnet50 } from '../resnet/index.js';
import { PYTHON } from './setup/fixtures.js';
import { Residual } from './setup/modules.js';

const tmp = mkdtempSync(join(tmpdir(), 'ltr-async-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function inFlight(model: nn.Module, inputs: Tensor[]): Promise<void> {
  const expected = torch.noGrad(() => inputs.map((x) => model.forward(x)));
  // First round traces on the first call (the other 7 replay), second round replays only.
  for (let round = 0; round < 2; round++) {
    // noGrad around the calls (each reads the grad mode when made), Promise.all outside it.
    const results: Tensor[] = await Promise.all(torch.noGrad(() => inputs.map((x) => model.forwardAsync(x))));
    results.forEach((r, i) => expect(r.equal(expected[i]), `round ${round} call ${i}`).toBe(true));
    for (const r of results) r.dispose();
  }
  expect(model.planCount).toBe(1);
  for (const e of expected) e.dispose();
}

describe('forwardAsync equals forward bit for bit, 8 calls in flight', () => {
  it('resnet18', async () => {
    torch.manualSeed(0);
    const model = resnet18().eval();
    await inFlight(model, Array.from({ length: 8 }, () => torch.randn([2, 3, 64, 64])));
  });

  it('resnet50', async () => {
    torch.manualSeed(1);
    const model = resnet50({ numClasses: 10 }).eval();
    await inFlight(model, Array.from({ length: 8 }, () => torch.randn([1, 3, 96, 96])));
  });

  it('a user-defined module with a residual add, in eval and in training mode', async () => {
    torch.manualSeed(2);
    const model = new Residual().eval();
    await inFlight(model, Array.from({ length: 8 }, () => torch.randn([4, 3, 9, 7])));
    // Training mode: BatchNorm uses batch statistics and updates its running
    // statistics in place, in the replay too (they are the plan's inputs).
    model.train();
    const x = torch.randn([4, 3, 9, 7]);
    const twin = new Residual();
    twin.loadStateDict(model.stateDict());
    const expected = torch.noGrad(() => twin.forward(x));
    const traced = await torch.noGrad(() => model.forwardAsync(x)); // traced run
    const replayed = await torch.noGrad(() => model.forwardAsync(x)); // replay
    const expected2 = torch.noGrad(() => twin.forward(x));
    expect(traced.equal(expected)).toBe(true);
    expect(replayed.equal(expected2)).toBe(true);
    expect(model.bn.running_mean!.equal(twin.bn.running_mean!)).toBe(true);
    expect(model.bn.num_batches_tracked!.equal(twin.bn.num_batches_tracked!)).toBe(true);
  });
});

describe('forwardAsync state', () => {
  it('carries grad mode into the worker', async () => {
    torch.manualSeed(3);
    const model = new Residual().eval();
    const x = torch.randn([2, 3, 8, 8]);
    await model.forwardAsync(x); // trace with grad on
    const withGrad = await model.forwardAsync(x);
    const without = await torch.noGrad(() => model.forwardAsync(x));
    expect(withGrad.hasGradFn).toBe(true);
    expect(without.hasGradFn).toBe(false);
    expect(withGrad.detach().equal(without)).toBe(true);
    // The replayed graph backpropagates into the module's own parameters.
    withGrad.sum().backward();
    expect(model.fc.weight.grad).not.toBeNull();
  });

  it('sees loadStateDict without retracing, and retraces after a structural change', async () => {
    torch.manualSeed(4);
    const model = new Residual().eval();
    const x = torch.randn([2, 3, 8, 8]);
    await torch.noGrad(() => model.forwardAsync(x));
    const other = new Residual().eval();
    model.loadStateDict(other.stateDict());
    const afterLoad = await torch.noGrad(() => model.forwardAsync(x));
    expect(model.planCount).toBe(1);
    expect(afterLoad.equal(torch.noGrad(() => other.forward(x)))).toBe(true);
    model.fc = new nn.Linear(3, 2);
    const afterSwap = await torch.noGrad(() => model.forwardAsync(x));
    expect(afterSwap.shape).toEqual([2, 2]);
    expect(afterSwap.equal(torch.noGrad(() => model.forward(x)))).toBe(true);
    model.train();
    await torch.noGrad(() => model.forwardAsync(x));
    expect(model.planCount).toBe(3);
  });

  it('warmup traces each shape; a model in training mode is refused', async () => {
    const model = new Residual();
    expect(() => model.warmup([[1, 3, 8, 8]])).toThrow('warmup: the model is in training mode');
    model.eval();
    torch.noGrad(() => model.warmup([[1, 3, 8, 8], [4, 3, 8, 8]]));
    expect(model.planCount).toBe(2);
    expect(() => model.warmup([1, 3] as never)).toThrow(TypeError);
  });

  it('disposing the input, and even the model, right after the call is safe', async () => {
    torch.manualSeed(5);
    const model = resnet18({ numClasses: 10 }).eval();
    const x = torch.randn([2, 3, 64, 64]);
    const expected = torch.noGrad(() => model.forward(x));
    await torch.noGrad(() => model.forwardAsync(x)); // trace
    const pending = torch.noGrad(() => model.forwardAsync(x.clone()));
    const copy = x.clone();
    const pending2 = torch.noGrad(() => model.forwardAsync(copy));
    copy.dispose();
    model.dispose();
    const [a, b] = await Promise.all([pending, pending2]);
    expect(a.equal(expected)).toBe(true);
    expect(b.equal(expected)).toBe(true);
    // The disposed model now refuses new calls with a clear error.
    await expect(model.forwardAsync(x)).rejects.toThrow('forwardAsync: a parameter or buffer of the model is disposed');
  });
});

describe('forwardAsync errors reject the Promise', () => {
  it('bad inputs', async () => {
    const model = new Residual().eval();
    await expect(model.forwardAsync(3 as never)).rejects.toThrow(new TypeError('forwardAsync: expected Tensor for input 0 but received number'));
    await expect(model.forwardAsync()).rejects.toThrow(TypeError);
    const gone = torch.zeros([1, 3, 4, 4]);
    gone.dispose();
    await expect(model.forwardAsync(gone)).rejects.toThrow('forwardAsync: input 0 is a disposed Tensor');
  });

  it('a model with hooks is refused (a replay would skip them), and works again once they are removed', async () => {
    const model = new Residual().eval();
    const seen: Tensor[] = [];
    const handle = model.conv.registerForwardHook((_m, _inputs, out) => {
      seen.push(out as Tensor);
    });
    const x = torch.randn([1, 3, 8, 8]);
    await expect(model.forwardAsync(x)).rejects.toThrow('forwardAsync: Conv2d has hooks, which run in JavaScript and cannot be replayed off the JS thread; remove them or use forward');
    expect(seen).toHaveLength(0);
    handle.remove();
    const y = await torch.noGrad(() => model.forwardAsync(x));
    expect(y.equal(torch.noGrad(() => model.forward(x)))).toBe(true);
  });

  it('an op error inside forward (wrong channel count) names the op', async () => {
    const model = new Residual().eval();
    await expect(model.forwardAsync(torch.zeros([1, 4, 8, 8]))).rejects.toThrow(/^conv2d: /);
    // The failed trace left nothing behind: the next call works and the JS thread is not tracing.
    const x = torch.randn([1, 3, 8, 8]);
    const ok = await torch.noGrad(() => model.forwardAsync(x));
    expect(ok.equal(torch.noGrad(() => model.forward(x)))).toBe(true);
  });

  it("a JS exception in the user's forward, and a result that is not a Tensor", async () => {
    class Throws extends nn.Module {
      forward(): Tensor {
        throw new RangeError('boom');
      }
    }
    await expect(new Throws().forwardAsync(torch.zeros([1]))).rejects.toThrow(new RangeError('boom'));
    class ReturnsNumber extends nn.Module {
      forward(): number {
        return 1;
      }
    }
    await expect(new ReturnsNumber().forwardAsync(torch.zeros([1]))).rejects.toThrow(
      'forwardAsync: ReturnsNumber.forward must return a Tensor or an array of Tensors, but returned number',
    );
  });
});

describe('forwardAsync does not block the event loop', () => {
  /** Worst gap between ticks of a 1 ms interval timer while `work` runs. */
  async function worstLag(work: () => Promise<unknown>): Promise<{ worst: number; ticks: number; elapsed: number }> {
    let worst = 0;
    let ticks = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
      ticks++;
    }, 1);
    const started = performance.now();
    await work();
    const elapsed = performance.now() - started;
    clearInterval(timer);
    return { worst, ticks, elapsed };
  }

  it('a resnet50 batch-8 forward leaves a 1 ms timer with < 20 ms worst lag', async () => {
    torch.manualSeed(6);
    const model = resnet50().eval();
    torch.noGrad(() => model.warmup([[8, 3, 224, 224]]));
    const x = torch.randn([8, 3, 224, 224]);
    // Three rounds of (forward, idle wait of the same length). The idle wait
    // shows what the machine's own load costs the timer (this 2-core machine
    // is shared with compilers and other test files, whose bursts come and
    // go). A forward that blocked the loop would, in every round, stop the
    // timer for the whole forward (seconds): one tick, one gap that long.
    let bestBusy = Infinity;
    let bestIdle = Infinity;
    for (let round = 0; round < 3; round++) {
      let y: Tensor | null = null;
      const busy = await worstLag(async () => {
        y = await torch.noGrad(() => model.forwardAsync(x));
      });
      expect(y!.shape).toEqual([8, 1000]);
      const idle = await worstLag(() => new Promise((resolve) => setTimeout(resolve, busy.elapsed)));
      console.log(
        `resnet50 batch 8 forwardAsync: ${busy.elapsed.toFixed(0)} ms, ${busy.ticks} ticks, worst lag ${busy.worst.toFixed(1)} ms ` +
          `(idle baseline: ${idle.ticks} ticks, worst lag ${idle.worst.toFixed(1)} ms)`,
      );
      expect(busy.elapsed).toBeGreaterThan(200); // the forward really ran while the timer did
      expect(busy.ticks).toBeGreaterThan(idle.ticks / 2);
      expect(busy.worst).toBeLessThan(busy.elapsed / 4);
      bestBusy = Math.min(bestBusy, busy.worst);
      bestIdle = Math.min(bestIdle, idle.worst);
    }
    // The 20 ms target, checked where the machine lets a timer keep it at all.
    if (bestIdle < 10) expect(bestBusy).toBeLessThan(20);
  });
});

describe('exportTorchScript', () => {
  it('writes a module that Python loads with torch.jit.load and that gives the same bits', () => {
    torch.manualSeed(7);
    const model = new Residual().eval();
    const x = torch.randn([2, 3, 8, 8]);
    const path = join(tmp, 'residual.pt');
    torch.noGrad(() => model.exportTorchScript(path, x));
    torch.saveNpy(join(tmp, 'x.npy'), x);
    const expected = torch.noGrad(() => model.forward(x));
    const script = [
      'import sys, numpy as np, torch',
      `torch.set_num_threads(${torch.getNumThreads()})`,
      'm = torch.jit.load(sys.argv[1])',
      'x = torch.from_numpy(np.load(sys.argv[2]))',
      'with torch.no_grad(): y = m(x)',
      'np.save(sys.argv[3], y.numpy())',
      "print(sorted(k for k, _ in m.named_buffers())[:2])",
    ].join('\n');
    const out = execFileSync(PYTHON, ['-c', script, path, join(tmp, 'x.npy'), join(tmp, 'y.npy')], { encoding: 'utf8' });
    expect(out).toContain('bn_bias');
    expect(torch.loadNpy(join(tmp, 'y.npy')).equal(expected)).toBe(true);
  });
});
