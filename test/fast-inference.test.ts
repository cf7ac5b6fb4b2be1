// optimizeForInference: the frozen, oneDNN-optimized forward.
//
// Not bit-exact by nature, so the comparisons here are bounded, and the bound
// is stated with its reason: freezing folds each BatchNorm into the conv
// before it (w * gamma / sqrt(var + eps), computed once, rounded to float32)
// and oneDNN's blocked kernels (and fused conv + add + ReLU) accumulate the
// same products in another order than the plain forward's. Float sums are not
// associative, so each output moves by a few float32 ulps of the values summed
// (measured: 3.4e-7 and 3.7e-7 of the output range for resnet18 and resnet50); 1e-4 of the
// output range leaves two orders of magnitude of room while still catching any
// real error (a missing layer, a wrong BN fold or a wrong layout moves the
// outputs by the order of the range itself).

import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { resnet18, resnet20, resnet50, resnext50_32x4d, wide_resnet50_2 } from '../resnet/index.js';
import { FIXTURES } from './setup/fixtures.js';
import { Residual } from './setup/modules.js';

const RELATIVE_BOUND = 1e-4;

// The 'onednn' backend (native/inference_onednn.cc) runs where the build has it (a libtorch linked
// with the system's oneDNN: Debian's); elsewhere 'auto' is 'torchscript' and says why.
const HAS_ONEDNN = torch.versions().fastBackends.includes('onednn');
const NO_EXECUTOR = /this build has no oneDNN executor/;

/** Max |a - b| over the range of b (max - min). */
function relativeDiff(a: Tensor, b: Tensor): number {
  return torch.tidy(() => a.sub(b).abs().max().item() / (b.max().item() - b.min().item()));
}

/** Running statistics and affine parameters that are not the identity, so folding BatchNorm changes the weights. */
function randomizeNorms(model: nn.Module): void {
  torch.noGrad(() => {
    for (const m of model.modules()) {
      if (m instanceof nn.BatchNorm2d) {
        m.running_mean!.mul_(0).add_(torch.randn(m.running_mean!.shape).mul(0.1));
        m.running_var!.mul_(0).add_(torch.rand(m.running_var!.shape).add(0.5));
        m.weight!.mul_(0).add_(torch.rand(m.weight!.shape).add(0.5));
        m.bias!.mul_(0).add_(torch.randn(m.bias!.shape).mul(0.1));
      }
    }
  });
}

/** Two photographs from the transforms fixtures, center-cropped to 224, scaled and normalized as ImageNet models expect. */
function photos(): Tensor {
  return torch.tidy(() => {
    const crops = ['img_333x500', 'img_101x37'].map((n) => torch.loadNpy(join(FIXTURES, 'transforms', `${n}_center_224.npy`)));
    const mean = torch.tensor([0.485, 0.456, 0.406], [3, 1, 1]);
    const std = torch.tensor([0.229, 0.224, 0.225], [3, 1, 1]);
    return torch.stack(crops.map((c) => c.to('float32').div(255).sub(mean).div(std)));
  });
}

function top5(logits: Tensor): number[][] {
  return torch.tidy(() => {
    const { indices } = logits.topk(5, { dim: 1 });
    return Array.from({ length: logits.shape[0] }, (_, i) => Array.from(indices.select(0, i).toArray() as BigInt64Array, Number));
  });
}

describe('optimizeForInference', () => {
  for (const [name, factory] of [['resnet18', resnet18], ['resnet50', resnet50]] as const) {
    it(`${name}: within ${RELATIVE_BOUND} of the output range of forward, same top-5 on photographs`, async () => {
      torch.setNumThreads(2);
      torch.manualSeed(0);
      const model = factory().eval();
      randomizeNorms(model);
      const x = photos();
      const fast = torch.optimizeForInference(model, { example: x });
      expect(fast.backend).toBe(HAS_ONEDNN ? 'onednn' : 'torchscript');
      const expected = torch.noGrad(() => model.forward(x));
      const got = fast.forward(x);
      const gotAsync = await fast.forwardAsync(x);
      const diff = relativeDiff(got, expected);
      console.log(`${name}: max |fast - forward| / range = ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(RELATIVE_BOUND);
      // Not a no-op: BN really was folded (the exact path's bits differ).
      expect(got.equal(expected)).toBe(false);
      expect(gotAsync.equal(got)).toBe(true);
      expect(top5(got)).toEqual(top5(expected));
      for (const t of [x, expected, got, gotAsync]) t.dispose();
    }, 120_000);
  }

  it('a user module: conv, BatchNorm, residual add, pooling, classifier', () => {
    torch.manualSeed(1);
    const model = new Residual().eval();
    randomizeNorms(model);
    const x = torch.randn([4, 3, 16, 16]);
    const fast = torch.optimizeForInference(model, { example: x });
    expect(fast.inputShape).toEqual([4, 3, 16, 16]);
    const y = torch.randn([4, 3, 16, 16]);
    const expected = torch.noGrad(() => model.forward(y));
    expect(relativeDiff(fast.forward(y), expected)).toBeLessThan(RELATIVE_BOUND);
  });

  // dynamicBatch: oneDNN may pick another kernel for another batch size, which sums in another
  // order, so rows are compared with the fast-mode bound (measured: bit-equal, logged).
  it('dynamicBatch: one module runs every batch size like a module optimized for that size', () => {
    torch.manualSeed(4);
    torch.setNumThreads(2);
    const model = resnet18({ numClasses: 10 }).eval();
    randomizeNorms(model);
    const x = torch.randn([7, 3, 64, 64]);
    const shared = torch.optimizeForInference(model, { example: x.narrow(0, 0, 4), dynamicBatch: true });
    expect(shared.dynamicBatch).toBe(true);
    expect(shared.inputShape).toEqual([4, 3, 64, 64]);
    for (const n of [1, 3, 4, 7]) {
      const batch = x.narrow(0, 0, n);
      const got = shared.forward(batch);
      const own = torch.optimizeForInference(model, { example: batch }).forward(batch);
      expect(got.shape).toEqual([n, 10]);
      console.log(`dynamicBatch at batch ${n}: ${got.equal(own) ? 'bit-equal' : `max |difference| / range ${relativeDiff(got, own).toExponential(2)}`} to a module optimized at ${n}`);
      expect(relativeDiff(got, own)).toBeLessThan(RELATIVE_BOUND);
      expect(relativeDiff(got, torch.noGrad(() => model.forward(batch)))).toBeLessThan(RELATIVE_BOUND);
    }
  }, 60_000);

  // Blocks of 1 MiB and more are the caching allocator's (see cpu-allocator.test.ts), counted in 64 KiB granules.
  const largeBytes = (t: Tensor) => (t.numel * 4 >= 1 << 20 ? Math.ceil((t.numel * 4) / 65536) * 65536 : 0);

  it('leaves nothing behind: no handles, only the activations cached, and the model frees its weights when disposed', () => {
    torch.manualSeed(5);
    torch.setNumThreads(2);
    const model = resnet18().eval();
    const x = torch.randn([4, 3, 128, 128]);
    // What loading a state dict leaves in the cache: blocks no forward asks for.
    torch.zeros([8 << 20]).dispose();
    const handles = torch.nativeMemory().tensors;
    const fast = torch.optimizeForInference(model, { example: x });
    // The tracer's handles on the parameters are disposed when it is done, not left to the GC
    // (which may meanwhile have collected earlier tests' garbage: at most as many as before).
    expect(torch.nativeMemory().tensors).toBeLessThanOrEqual(handles);
    const cachedAfterOptimizing = torch.cpu.memoryStats().cachedBytes;
    // What one forward caches: its activations, which the next forward takes again.
    torch.cpu.emptyCache();
    fast.forward(x).dispose();
    const { cachedBytes: forwardBlocks, misses } = torch.cpu.memoryStats();
    expect(forwardBlocks).toBeGreaterThan(0);
    fast.forward(x).dispose();
    expect(torch.cpu.memoryStats().misses).toBe(misses);
    expect(cachedAfterOptimizing).toBe(forwardBlocks);
    // The optimized module holds its own (folded, prepacked) conv weights, not the model's.
    const convBytes = [...model.namedParameters()].filter(([n]) => /conv|downsample\.0/.test(n)).reduce((sum, [, t]) => sum + largeBytes(t), 0);
    expect(convBytes).toBeGreaterThan(10 << 20);
    const live = torch.cpu.memoryStats().liveBytes;
    model.dispose();
    expect(live - torch.cpu.memoryStats().liveBytes).toBeGreaterThanOrEqual(convBytes);
    const y = fast.forward(x);
    expect(y.shape).toEqual([4, 1000]);
    for (const t of [x, y]) t.dispose();
  }, 60_000);

  it('the optimized module keeps its own weights: later changes to the model are not seen', () => {
    torch.manualSeed(2);
    const model = new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU()).eval();
    const x = torch.randn([1, 3, 8, 8]);
    const fast = torch.optimizeForInference(model, { example: x });
    const before = fast.forward(x);
    torch.noGrad(() => (model.at(0) as nn.Conv2d).weight.zero_());
    expect(fast.forward(x).equal(before)).toBe(true);
  });
});

describe('optimizeForInference backends', () => {
  /** Optimizes with backend 'auto' and checks that it ran on 'onednn' (unless the build has none). */
  function onOnednn(model: nn.Module, example: Tensor, dynamicBatch = false): torch.InferenceModule {
    const fast = torch.optimizeForInference(model, { example, dynamicBatch });
    expect([fast.backend, fast.backendReason]).toEqual(HAS_ONEDNN ? ['onednn', ''] : ['torchscript', expect.stringMatching(NO_EXECUTOR)]);
    return fast;
  }

  it('the two backends agree within the bound, and TorchScript is there when asked for', () => {
    torch.manualSeed(6);
    torch.setNumThreads(2);
    const model = resnet18({ numClasses: 10 }).eval();
    randomizeNorms(model);
    const x = torch.randn([3, 3, 64, 64]);
    const auto = onOnednn(model, x);
    const script = torch.optimizeForInference(model, { example: x, backend: 'torchscript' });
    expect(script.backend).toBe('torchscript');
    expect(script.backendReason).toBe("the 'torchscript' backend was asked for");
    const expected = torch.noGrad(() => model.forward(x));
    for (const fast of [auto, script]) expect(relativeDiff(fast.forward(x), expected)).toBeLessThan(RELATIVE_BOUND);
    console.log(`backend ${auto.backend} vs torchscript: max |difference| / range ${relativeDiff(auto.forward(x), script.forward(x)).toExponential(2)}`);
  });

  // Grouped convs (ResNeXt), wide bottlenecks, a softmax head (what serve --fast optimizes) and
  // dropout in eval mode: all lowered to oneDNN primitives.
  for (const [name, make] of [
    ['resnext50_32x4d', () => resnext50_32x4d({ numClasses: 10 })],
    ['wide_resnet50_2', () => wide_resnet50_2({ numClasses: 10 })],
    ['resnet18 + dropout + softmax', () => new nn.Sequential(resnet18({ numClasses: 10 }), new nn.Dropout(0.5), new nn.Softmax(1))],
    ['resnet20 (CIFAR)', () => resnet20()],
  ] as const) {
    it(`${name}: within the bound of forward`, () => {
      torch.manualSeed(7);
      torch.setNumThreads(2);
      const model = make().eval();
      randomizeNorms(model);
      const x = torch.randn([2, 3, 64, 64]);
      const fast = onOnednn(model, x);
      expect(relativeDiff(fast.forward(x), torch.noGrad(() => model.forward(x)))).toBeLessThan(RELATIVE_BOUND);
    }, 60_000);
  }

  it('a model with an op it does not run falls back to TorchScript, and says which op', () => {
    torch.manualSeed(8);
    const model = new nn.Sequential(new nn.Conv2d(3, 8, 3), new nn.BatchNorm2d(8), new nn.Sigmoid()).eval();
    const x = torch.randn([2, 3, 16, 16]);
    const fast = torch.optimizeForInference(model, { example: x });
    expect(fast.backend).toBe('torchscript');
    expect(fast.backendReason).toMatch(HAS_ONEDNN ? /^aten::sigmoid is not supported$/ : NO_EXECUTOR);
    expect(relativeDiff(fast.forward(x), torch.noGrad(() => model.forward(x)))).toBeLessThan(RELATIVE_BOUND);
    expect(() => torch.optimizeForInference(model, { example: x, backend: 'onednn' })).toThrow(
      HAS_ONEDNN ? "optimizeForInference: the 'onednn' backend cannot run this model: aten::sigmoid is not supported" : NO_EXECUTOR,
    );
  });

  it('calls in flight at once each get their own buffers: the same outputs as one by one', async () => {
    torch.manualSeed(9);
    torch.setNumThreads(1);
    const model = resnet18({ numClasses: 10 }).eval();
    randomizeNorms(model);
    const xs = [1, 2, 3, 2, 1, 3].map((n) => torch.randn([n, 3, 48, 48]));
    const fast = onOnednn(model, xs[0], true);
    const oneByOne = xs.map((x) => fast.forward(x));
    const atOnce = await Promise.all(xs.map((x) => fast.forwardAsync(x)));
    atOnce.forEach((y, i) => expect(y.equal(oneByOne[i])).toBe(true));
    torch.setNumThreads(2);
  }, 60_000);
});

describe('optimizeForInference errors', () => {
  const model = () => new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.ReLU()).eval();

  it('needs an example Tensor', () => {
    expect(() => torch.optimizeForInference(model(), undefined as never)).toThrow(
      new TypeError('optimizeForInference: expected an options object { example } but received undefined'),
    );
    expect(() => torch.optimizeForInference(model(), {} as never)).toThrow(new TypeError('optimizeForInference: expected Tensor for example but received undefined'));
    expect(() => torch.optimizeForInference(model(), { example: [1, 3, 8, 8] } as never)).toThrow(
      new TypeError('optimizeForInference: expected Tensor for example but received Array'),
    );
    expect(() => torch.optimizeForInference(model(), { example: torch.zeros([1, 3, 8, 8]), shape: 1 } as never)).toThrow(
      "optimizeForInference: unknown option 'shape' (known options: example, dynamicBatch, backend)",
    );
    expect(() => torch.optimizeForInference(model(), { example: torch.zeros([1, 3, 8, 8]), backend: 'mkldnn' } as never)).toThrow(
      new RangeError("optimizeForInference: backend must be 'auto', 'onednn' or 'torchscript' but received 'mkldnn'"),
    );
    expect(() => torch.optimizeForInference(model(), { example: torch.zeros([1, 3, 8, 8]), dynamicBatch: 1 } as never)).toThrow(
      new TypeError('optimizeForInference: expected boolean for dynamicBatch but received number'),
    );
    expect(() => torch.optimizeForInference(model(), { example: torch.zeros([]), dynamicBatch: true })).toThrow(
      new RangeError('optimizeForInference: dynamicBatch needs an example with a batch dimension but received a 0-d Tensor'),
    );
    expect(() => torch.optimizeForInference({} as never, { example: torch.zeros([1, 3, 8, 8]) })).toThrow(
      new TypeError('optimizeForInference: expected Module for model but received object'),
    );
  });

  it('refuses a hooked module and a module in training mode', () => {
    const hooked = model();
    hooked.at(1).registerForwardHook(() => undefined);
    expect(() => torch.optimizeForInference(hooked, { example: torch.zeros([1, 3, 8, 8]) })).toThrow(
      'optimizeForInference: ReLU has hooks, which run in JavaScript and cannot be part of the optimized forward; remove them or use forward',
    );
    expect(() => torch.optimizeForInference(model().train(), { example: torch.zeros([1, 3, 8, 8]) })).toThrow(
      'optimizeForInference: the model is in training mode (BatchNorm would use batch statistics); call model.eval() first',
    );
  });

  it('a wrong input shape, dtype or kind', async () => {
    const fast = torch.optimizeForInference(model(), { example: torch.zeros([1, 3, 8, 8]) });
    const message =
      'optimizeForInference: the module was optimized for float32 input of shape [1, 3, 8, 8] on cpu but received float32 [2, 3, 8, 8] on cpu; optimize once per input shape, or with { dynamicBatch: true }';
    expect(() => fast.forward(torch.zeros([2, 3, 8, 8]))).toThrow(new RangeError(message));
    await expect(fast.forwardAsync(torch.zeros([2, 3, 8, 8]))).rejects.toThrow(new RangeError(message));
    expect(() => fast.forward(torch.zeros([1, 3, 8, 8], { dtype: 'float64' }))).toThrow(/optimized for float32 .* but received float64/);
    expect(() => fast.forward(7 as never)).toThrow(new TypeError('optimizeForInference: expected Tensor for input but received number'));
    const gone = torch.zeros([1, 3, 8, 8]);
    gone.dispose();
    expect(() => fast.forward(gone)).toThrow('optimizeForInference: the input is a disposed Tensor');
    // With dynamicBatch only the first dimension may differ.
    const dynamic = torch.optimizeForInference(model(), { example: torch.zeros([2, 3, 8, 8]), dynamicBatch: true });
    expect(dynamic.forward(torch.zeros([5, 3, 8, 8])).shape).toEqual([5, 4, 6, 6]);
    expect(() => dynamic.forward(torch.zeros([5, 3, 9, 8]))).toThrow(
      new RangeError(
        'optimizeForInference: the module was optimized for float32 input of shape [N, 3, 8, 8] on cpu but received float32 [5, 3, 9, 8] on cpu; optimize once per input shape (only the batch size may vary)',
      ),
    );
  });

  it('dynamicBatch refuses a forward that fixed the batch size when recorded', () => {
    // x.shape[0] is a JS number: tracing records it as a constant.
    class FixedBatch extends nn.Module {
      declare fc: nn.Linear;
      constructor() {
        super();
        this.registerModule('fc', new nn.Linear(48, 5));
      }
      forward(x: Tensor): Tensor {
        return this.fc.forward(x.reshape([x.shape[0], -1]));
      }
    }
    const example = torch.zeros([2, 3, 4, 4]);
    const fixed = () => torch.optimizeForInference(new FixedBatch().eval(), { example, dynamicBatch: true });
    // The op's own message in between (libtorch 2.x puts the op's name, "mm: ", before it).
    expect(fixed).toThrow('optimizeForInference: dynamicBatch: FixedBatch.forward, recorded at batch 2, fails at batch 4 (');
    expect(fixed).toThrow(
      'mat1 and mat2 shapes cannot be multiplied (2x96 and 48x5)). ' +
        'It fixed the batch size when recorded (a shape read in JavaScript, like x.shape[0], is recorded as a constant): use flatten(1) or -1 instead, or optimize once per batch size',
    );
    // Without dynamicBatch the same module is fine at its own batch size.
    expect(torch.optimizeForInference(new FixedBatch().eval(), { example }).forward(example).shape).toEqual([2, 5]);
    // A batch-sized constant made inside forward no longer broadcasts at another batch size: refused too.
    class BatchConstant extends nn.Module {
      forward(x: Tensor): Tensor {
        return x.flatten(1).add(torch.arange(x.shape[0]).reshape([-1, 1]));
      }
    }
    expect(() => torch.optimizeForInference(new BatchConstant().eval(), { example, dynamicBatch: true })).toThrow(
      /^optimizeForInference: dynamicBatch: BatchConstant\.forward, recorded at batch 2, fails at batch 4 \(/,
    );
    // A fixed length along the batch: the wrong number of rows.
    class FirstRows extends nn.Module {
      forward(x: Tensor): Tensor {
        return x.narrow(0, 0, x.shape[0]).flatten(1);
      }
    }
    expect(() => torch.optimizeForInference(new FirstRows().eval(), { example, dynamicBatch: true })).toThrow(
      'optimizeForInference: dynamicBatch: FirstRows.forward, recorded at batch 2, returns shape [2, 48] at batch 4 where [4, 48] was expected.',
    );
    // Rows that depend on the other rows: the same inputs give other outputs in a larger batch.
    class RunningSum extends nn.Module {
      forward(x: Tensor): Tensor {
        return x.flatten(1).cumsum(0);
      }
    }
    expect(() => torch.optimizeForInference(new RunningSum().eval(), { example: torch.ones([2, 3, 4, 4]), dynamicBatch: true })).toThrow(
      'optimizeForInference: dynamicBatch: RunningSum.forward, recorded at batch 2, gives other outputs for the same inputs at batch 4 (max |difference| 2.00e+0, output range 1.00e+0).',
    );
  });
});

describe('optimizeForInference forwardAsync', () => {
  it('does not block the event loop', async () => {
    torch.manualSeed(3);
    const model = resnet50().eval();
    const x = torch.randn([8, 3, 224, 224]);
    const fast = torch.optimizeForInference(model, { example: x });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    const y = await fast.forwardAsync(x);
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(y.shape).toEqual([8, 1000]);
    // A forward that blocked the loop would leave the timer no tick at all
    // until it returned; a worker lets it tick all along (this shared machine
    // delays timers, so ask for far fewer ticks than elapsed milliseconds).
    console.log(`resnet50 b8 fast forwardAsync: ${elapsed.toFixed(0)} ms, ${ticks} timer ticks`);
    expect(ticks).toBeGreaterThan(Math.min(20, elapsed / 20));
  }, 120_000);
});
