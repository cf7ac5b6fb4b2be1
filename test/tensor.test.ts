// Unit tests of the Tensor API: construction, element access, factories and
// the random generator (against PyTorch's numbers for the same seed), views,
// memory scopes, grad mode, autograd accessors, runtime facts and printing.
// Expected PyTorch values come from scripts/reference/ops.py, never typed here.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import type { DType, Tensor } from '../lib/index.js';
import { FIXTURES } from './setup/fixtures.js';

const DIR = join(FIXTURES, 'ops');

interface Ref {
  file: string;
  dtype: DType;
}
interface Manifest {
  threads: number;
  random: { seed: number; calls: { fn: 'rand' | 'randn' | 'randperm'; args: number[]; dtype: DType | null; output: Ref }[] }[];
  factories: { fn: 'arange' | 'full' | 'zeros' | 'ones'; args: unknown[]; options: torch.TensorOptions; output: Ref }[];
  reprs: { name: string; input: Ref; text: string }[];
}
const manifest = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as Manifest;

function load(ref: Ref): Tensor {
  const t = torch.loadNpy(join(DIR, ref.file));
  return t.dtype === ref.dtype ? t : t.to(ref.dtype); // bfloat16 is stored as its exact float32 upcast
}

/** The elements as a plain array (numbers, or bigints for int64). */
function values(t: Tensor): (number | bigint)[] {
  return Array.from(t.toArray() as ArrayLike<number | bigint>);
}

function expectSame(actual: Tensor, ref: Ref): void {
  const expected = load(ref);
  expect(actual.dtype).toBe(ref.dtype);
  expect(actual.shape).toEqual(expected.shape);
  const [a, e] = ref.dtype === 'bfloat16' ? [actual.to('float32'), expected.to('float32')] : [actual, expected];
  expect(a.equal(e), `${String(a)}\n  vs PyTorch\n${String(e)}`).toBe(true);
}

beforeAll(() => {
  torch.setNumThreads(manifest.threads);
});

describe('tensor() from TypedArrays', () => {
  const kinds: [string, () => torch.TensorData | Uint8ClampedArray, DType | undefined, DType, string][] = [
    ['Float32Array', () => new Float32Array([1.5, -2, 3]), undefined, 'float32', 'Float32Array'],
    ['Float64Array', () => new Float64Array([1.5, -2, 3]), undefined, 'float64', 'Float64Array'],
    ['Int32Array', () => new Int32Array([1, -2, 3]), undefined, 'int32', 'Int32Array'],
    ['BigInt64Array', () => new BigInt64Array([1n, -2n, 2n ** 40n]), undefined, 'int64', 'BigInt64Array'],
    ['Uint8Array', () => new Uint8Array([0, 7, 255]), undefined, 'uint8', 'Uint8Array'],
    ['Uint8ClampedArray', () => new Uint8ClampedArray([0, 7, 255]), undefined, 'uint8', 'Uint8Array'],
    ['Uint8Array as bool', () => new Uint8Array([0, 1, 1]), 'bool', 'bool', 'Uint8Array'],
    ['Uint16Array of float16 bits', () => new Uint16Array([0x3c00, 0xc000, 0x7bff]), 'float16', 'float16', 'Uint16Array'],
    ['Uint16Array of bfloat16 bits', () => new Uint16Array([0x3f80, 0xc000, 0x4049]), 'bfloat16', 'bfloat16', 'Uint16Array'],
  ];
  it.each(kinds)('%s keeps its element type and values', (_, make, dtype, expectedDtype, arrayClass) => {
    const data = make();
    const t = torch.tensor(data as torch.TensorData, undefined, dtype ? { dtype } : undefined);
    expect(t.dtype).toBe(expectedDtype);
    expect(t.shape).toEqual([3]);
    const back = t.toArray();
    expect(back.constructor.name).toBe(arrayClass);
    expect(Array.from(back as ArrayLike<number | bigint>)).toEqual(Array.from(data as ArrayLike<number | bigint>));
  });

  it('takes a shape, copies the data and converts to a requested dtype', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = torch.tensor(data, [2, 3]);
    expect(t.shape).toEqual([2, 3]);
    data[0] = 100; // a copy: the tensor does not see later writes
    expect(t.toArray()[0]).toBe(1);
    const d = torch.tensor(new Float32Array([0.1]), [1], { dtype: 'float64' });
    expect(d.dtype).toBe('float64');
    expect(d.item()).toBe(Math.fround(0.1)); // float32 -> float64 is exact
    // A view into a bigger buffer: only its own elements are read.
    const buffer = new Float32Array([9, 9, 1, 2, 9]);
    expect(Array.from(torch.tensor(buffer.subarray(2, 4)).toArray() as Float32Array)).toEqual([1, 2]);
  });
});

describe('tensor() from nested arrays', () => {
  const cases: [string, unknown[], number[], DType][] = [
    ['numbers -> float32', [1, 2.5, -3], [3], 'float32'],
    ['2-D', [[1, 2, 3], [4, 5, 6]], [2, 3], 'float32'],
    ['3-D', [[[1], [2]], [[3], [4]]], [2, 2, 1], 'float32'],
    ['booleans -> bool', [true, false, true], [3], 'bool'],
    ['bigints -> int64', [[1n, 2n], [3n, -4n]], [2, 2], 'int64'],
    ['empty', [], [0], 'float32'],
    ['empty rows', [[], []], [2, 0], 'float32'],
  ];
  it.each(cases)('%s', (_, data, shape, dtype) => {
    const t = torch.tensor(data as number[]);
    expect(t.shape).toEqual(shape);
    expect(t.dtype).toBe(dtype);
    expect(t.numel).toBe(shape.reduce((a, b) => a * b, 1));
  });

  it('rounds numbers once to the target dtype, as PyTorch does with Python floats', () => {
    expect(torch.tensor([0.1]).toArray()[0]).toBe(Math.fround(0.1));
    expect(torch.tensor([0.1], undefined, { dtype: 'float64' }).toArray()[0]).toBe(0.1);
    expect(values(torch.tensor([0.1, 1], undefined, { dtype: 'float16' }))).toEqual([0x2e66, 0x3c00]);
    expect(values(torch.tensor([1, -2], undefined, { dtype: 'bfloat16' }))).toEqual([0x3f80, 0xc000]);
    expect(values(torch.tensor([3, -7], undefined, { dtype: 'int64' }))).toEqual([3n, -7n]);
    expect(values(torch.tensor([3, 0], undefined, { dtype: 'int32' }))).toEqual([3, 0]);
    expect(values(torch.tensor([2, 0, -1], undefined, { dtype: 'bool' }))).toEqual([1, 0, 1]);
  });

  it('an explicit shape overrides the inferred one', () => {
    expect(torch.tensor([[1, 2], [3, 4]], [4]).shape).toEqual([4]);
  });
});

describe('toArray() and item()', () => {
  const arrays: [DType, string][] = [
    ['float32', 'Float32Array'],
    ['float64', 'Float64Array'],
    ['float16', 'Uint16Array'],
    ['bfloat16', 'Uint16Array'],
    ['int64', 'BigInt64Array'],
    ['int32', 'Int32Array'],
    ['uint8', 'Uint8Array'],
    ['bool', 'Uint8Array'],
  ];
  it.each(arrays)('%s -> %s', (dtype, arrayClass) => {
    const t = torch.ones([2, 2], { dtype });
    const a = t.toArray();
    expect(a.constructor.name).toBe(arrayClass);
    expect(a.length).toBe(4);
    const one = { float16: 0x3c00, bfloat16: 0x3f80, int64: 1n } as Record<string, number | bigint>;
    expect(a[0]).toBe(one[dtype] ?? 1);
  });

  it('is a C-order copy of the logical elements, also for non-contiguous views', () => {
    const t = torch.arange(6).reshape([2, 3]);
    const tt = t.transpose(0, 1);
    expect(tt.isContiguous).toBe(false);
    expect(values(tt)).toEqual([0n, 3n, 1n, 4n, 2n, 5n]);
    const copy = t.toArray();
    copy[0] = 42n;
    expect(t.toArray()[0]).toBe(0n);
  });

  it('item() returns the one element as a number', () => {
    expect(torch.tensor([2.5]).item()).toBe(2.5);
    expect(torch.tensor([[7]], undefined, { dtype: 'int64' }).item()).toBe(7);
    expect(torch.tensor([1.5, 2.5]).sum().item()).toBe(4); // 0-d
    expect(torch.tensor([true]).item()).toBe(1);
    expect(torch.tensor([false]).item()).toBe(0);
    expect(torch.tensor([0.1], undefined, { dtype: 'float16' }).item()).toBe(0.0999755859375);
    expect(torch.tensor([0.1]).to('float64').item()).toBe(Math.fround(0.1));
  });
});

describe('factories', () => {
  it('zeros / ones / full / empty take shape, dtype and requiresGrad', () => {
    const z = torch.zeros([2, 3]);
    expect([z.shape, z.dtype, z.requiresGrad]).toEqual([[2, 3], 'float32', false]);
    expect(values(z)).toEqual([0, 0, 0, 0, 0, 0]);
    const o = torch.ones([3], { dtype: 'int32' });
    expect([o.dtype, values(o)]).toEqual(['int32', [1, 1, 1]]);
    const f = torch.full([2, 2], 7, { dtype: 'float64', requiresGrad: true });
    expect([f.dtype, f.requiresGrad, f.isLeaf, values(f)]).toEqual(['float64', true, true, [7, 7, 7, 7]]);
    const b = torch.full([2], true);
    expect([b.dtype, values(b)]).toEqual(['bool', [1, 1]]);
    const e = torch.empty([4, 0, 2], { dtype: 'uint8' });
    expect([e.shape, e.dtype, e.numel]).toEqual([[4, 0, 2], 'uint8', 0]);
    const s = torch.zeros([]);
    expect([s.shape, s.numel, s.item()]).toEqual([[], 1, 0]);
  });

  it('rand is uniform on [0, 1), randn has the requested dtype and shape', () => {
    const r = torch.rand([1000]);
    const drawn = Array.from(r.toArray() as Float32Array);
    expect(Math.min(...drawn)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...drawn)).toBeLessThan(1);
    const n = torch.randn([3, 4], { dtype: 'float64', requiresGrad: true });
    expect([n.shape, n.dtype, n.requiresGrad]).toEqual([[3, 4], 'float64', true]);
  });

  it('arange infers int64 for whole numbers and float32 otherwise, like PyTorch', () => {
    expect(torch.arange(4).dtype).toBe('int64');
    expect(values(torch.arange(1, 7, 2))).toEqual([1n, 3n, 5n]);
    expect(torch.arange(0, 1, 0.25).dtype).toBe('float32');
    expect(values(torch.arange(0, 1, 0.25))).toEqual([0, 0.25, 0.5, 0.75]);
    expect(torch.arange(3, { dtype: 'float64' }).dtype).toBe('float64');
  });

  it.each(manifest.factories.map((f) => [`${f.fn}(${JSON.stringify(f.args).slice(1, -1)}${Object.keys(f.options).length ? ', ' + JSON.stringify(f.options) : ''})`, f] as const))(
    'torch.%s equals PyTorch',
    (_, f) => {
      const opts = Object.keys(f.options).length ? f.options : undefined;
      let t: Tensor;
      if (f.fn === 'arange') t = (torch.arange as (...a: unknown[]) => Tensor)(...f.args, opts);
      else if (f.fn === 'full') t = torch.full(f.args[0] as number[], f.args[1] as number, opts);
      else t = torch[f.fn](f.args[0] as number[], opts);
      expectSame(t, f.output);
    },
  );
});

describe('manualSeed and the random generator', () => {
  const draw = (call: Manifest['random'][number]['calls'][number]): Tensor =>
    call.fn === 'randperm' ? torch.randperm(call.args[0]) : torch[call.fn](call.args, { dtype: call.dtype! });

  it.each(manifest.random.map((r) => [r.seed, r] as const))('seed %s gives PyTorch’s numbers, call after call', (_, r) => {
    torch.manualSeed(r.seed);
    for (const call of r.calls) expectSame(draw(call), call.output);
  });

  it('the same seed reproduces the same sequence; another seed does not', () => {
    const sequence = (seed: number): Tensor[] => {
      torch.manualSeed(seed);
      return [torch.randn([5]), torch.rand([3, 3]), torch.randperm(8), torch.randn([2], { dtype: 'float64' })];
    };
    const a = sequence(123);
    const b = sequence(123);
    const c = sequence(124);
    a.forEach((t, i) => expect(t.equal(b[i])).toBe(true));
    expect(a[0].equal(c[0])).toBe(false);
  });
});

describe('views and copies', () => {
  it('reshape and view of a contiguous tensor share its storage', () => {
    const x = torch.arange(12, { dtype: 'float32' });
    const r = x.reshape([3, 4]);
    const v = x.view(2, 6);
    const inferred = x.view([-1, 3]);
    expect(inferred.shape).toEqual([4, 3]);
    expect(r.sharesStorageWith(x)).toBe(true);
    expect(v.sharesStorageWith(x)).toBe(true);
    x.mul_(2); // visible through both views
    expect(r.toArray()[5]).toBe(10);
    expect(v.toArray()[7]).toBe(14);
  });

  it('permute and transpose are views; contiguous() copies into C order; clone() never shares', () => {
    const x = torch.arange(24).reshape([2, 3, 4]);
    const p = x.permute(2, 0, 1);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.strides).toEqual([1, 12, 4]);
    expect(p.isContiguous).toBe(false);
    expect(p.sharesStorageWith(x)).toBe(true);
    const c = p.contiguous();
    expect(c.isContiguous).toBe(true);
    expect(c.strides).toEqual([6, 3, 1]);
    expect(c.sharesStorageWith(x)).toBe(false);
    expect(c.equal(p)).toBe(true);
    expect(values(c).slice(0, 4)).toEqual([0n, 4n, 8n, 12n]);
    const contiguousAlready = x.contiguous();
    expect(contiguousAlready.sharesStorageWith(x)).toBe(true);
    expect(x.clone().sharesStorageWith(x)).toBe(false);
    // reshape of a non-viewable layout copies; view refuses it
    expect(p.reshape([-1]).sharesStorageWith(x)).toBe(false);
    expect(() => p.view([-1])).toThrow(/^view: view size is not compatible/);
    expect(x.transpose(0, 2).shape).toEqual([4, 3, 2]);
    expect(x.unsqueeze(0).shape).toEqual([1, 2, 3, 4]);
    expect(x.unsqueeze(0).squeeze().shape).toEqual([2, 3, 4]);
    expect(x.flatten(1).shape).toEqual([2, 12]);
    expect(x.ndim).toBe(3);
    expect(x.numel).toBe(24);
  });

  it('detach() shares storage and drops the graph', () => {
    const x = torch.ones([2], { requiresGrad: true });
    const y = x.mul(2);
    const d = y.detach();
    expect([d.requiresGrad, d.hasGradFn, d.isLeaf, d.sharesStorageWith(y)]).toEqual([false, false, true, true]);
  });

  it('to() converts dtypes and returns the same data when nothing changes', () => {
    const x = torch.tensor([1.7, -2.2]);
    expect(x.to('float32').sharesStorageWith(x)).toBe(true);
    expect(x.to('cpu').sharesStorageWith(x)).toBe(true);
    expect(x.to({ dtype: 'float32', copy: true }).sharesStorageWith(x)).toBe(false);
    expect(values(x.to('int64'))).toEqual([1n, -2n]);
    expect(x.to({ dtype: 'float64' }).dtype).toBe('float64');
  });
});

describe('tidy and keep', () => {
  it('disposes intermediates and keeps the returned tensor', () => {
    let a!: Tensor;
    let b!: Tensor;
    const result = torch.tidy(() => {
      a = torch.ones([2]);
      b = a.add(1);
      return b.mul(3);
    });
    expect(a.isDisposed).toBe(true);
    expect(b.isDisposed).toBe(true);
    expect(result.isDisposed).toBe(false);
    expect(values(result)).toEqual([6, 6]);
  });

  it('keeps tensors returned in arrays and plain objects, and non-tensor results', () => {
    let scratch!: Tensor;
    const { pair, nested } = torch.tidy(() => {
      scratch = torch.zeros([1]);
      return { pair: [torch.ones([1]), torch.ones([2])], nested: { deep: torch.ones([3]) } };
    });
    expect(scratch.isDisposed).toBe(true);
    expect(pair.map((t) => t.isDisposed)).toEqual([false, false]);
    expect(nested.deep.isDisposed).toBe(false);
    expect(torch.tidy(() => torch.ones([2]).sum().item())).toBe(2);
  });

  it('nests: the inner result moves to the outer scope', () => {
    let inner!: Tensor;
    let innerScratch!: Tensor;
    const outer = torch.tidy(() => {
      inner = torch.tidy(() => {
        innerScratch = torch.ones([2]);
        return innerScratch.add(1);
      });
      expect(innerScratch.isDisposed).toBe(true);
      expect(inner.isDisposed).toBe(false);
      return inner.mul(2);
    });
    expect(inner.isDisposed).toBe(true); // freed by the outer tidy
    expect(outer.isDisposed).toBe(false);
  });

  it('disposes everything it created when fn throws, and rethrows', () => {
    let a!: Tensor;
    expect(() =>
      torch.tidy(() => {
        a = torch.ones([2]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(a.isDisposed).toBe(true);
    // The scope stack is intact: a later tidy still works.
    expect(torch.tidy(() => torch.ones([1])).isDisposed).toBe(false);
  });

  it('keep() exempts a tensor from every enclosing tidy', () => {
    let kept!: Tensor;
    torch.tidy(() => {
      torch.tidy(() => {
        kept = torch.keep(torch.ones([2]));
      });
    });
    expect(kept.isDisposed).toBe(false);
  });

  it('tensors made outside any tidy are left alone', () => {
    const outside = torch.ones([2]);
    torch.tidy(() => outside.add(1));
    expect(outside.isDisposed).toBe(false);
  });
});

describe('grad mode', () => {
  it('noGrad records no graph; enableGrad turns it back on inside', () => {
    const w = torch.ones([2], { requiresGrad: true });
    const y = torch.noGrad(() => w.mul(2));
    expect([y.hasGradFn, y.requiresGrad]).toEqual([false, false]);
    expect(torch.noGrad(() => torch.isGradEnabled())).toBe(false);
    const z = torch.noGrad(() => torch.enableGrad(() => w.mul(2)));
    expect(z.hasGradFn).toBe(true);
    expect(torch.isGradEnabled()).toBe(true);
    expect(torch.noGrad(() => 42)).toBe(42);
  });

  it('restores the previous mode when fn throws', () => {
    expect(() =>
      torch.noGrad(() => {
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(torch.isGradEnabled()).toBe(true);
    torch.noGrad(() => {
      expect(() =>
        torch.enableGrad(() => {
          throw new Error('nested');
        }),
      ).toThrow('nested');
      expect(torch.isGradEnabled()).toBe(false);
    });
    expect(torch.isGradEnabled()).toBe(true);
  });
});

describe('autograd accessors', () => {
  it('requiresGrad is settable on leaves', () => {
    const x = torch.ones([2]);
    expect(x.requiresGrad).toBe(false);
    x.requiresGrad = true;
    expect([x.requiresGrad, x.isLeaf]).toEqual([true, true]);
    const y = x.mul(2);
    expect([y.requiresGrad, y.isLeaf, y.hasGradFn]).toEqual([true, false, true]);
    x.requiresGrad = false;
    expect(x.requiresGrad).toBe(false);
    expect(() => {
      torch.ones([2], { dtype: 'int64' }).requiresGrad = true;
    }).toThrow(/^requiresGrad: only floating point tensors can require gradients/);
  });

  it('grad is null before backward, accumulates, can be set and cleared with null', () => {
    const x = torch.tensor([1, 2, 3], undefined, { requiresGrad: true });
    expect(x.grad).toBeNull();
    x.mul(x).sum().backward(); // d/dx sum(x^2) = 2x
    expect(values(x.grad!)).toEqual([2, 4, 6]);
    x.sum().backward(); // accumulates
    expect(values(x.grad!)).toEqual([3, 5, 7]);
    x.grad = torch.zeros([3]);
    expect(values(x.grad!)).toEqual([0, 0, 0]);
    x.grad = null;
    expect(x.grad).toBeNull();
    // Disposing a handle returned by the getter does not free the gradient itself.
    x.sum().backward();
    x.grad!.dispose();
    expect(values(x.grad!)).toEqual([1, 1, 1]);
  });

  it('backward on a non-scalar needs a gradient, and says so', () => {
    const x = torch.ones([2, 3], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(RangeError);
    expect(() => y.backward()).toThrow(/^backward: a gradient is needed for a non-scalar tensor of shape \[2, 3\]/);
    y.backward(torch.full([2, 3], 0.5));
    expect(values(x.grad!)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('retainGraph allows a second backward', () => {
    const x = torch.tensor([3], undefined, { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(null, { retainGraph: true });
    y.backward();
    expect(x.grad!.item()).toBe(12);
  });
});

describe('runtime facts', () => {
  it('this libtorch has no CUDA', () => {
    expect(torch.cuda.isAvailable()).toBe(false);
    expect(torch.cuda.deviceCount()).toBe(0);
  });

  it('versions() reports libtorch, the addon and no CUDA', () => {
    const v = torch.versions();
    expect(v.libtorch).toMatch(/^\d+\.\d+\.\d+/);
    expect(v.addon).toBe(JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')).version);
    expect(v.cuda).toBeNull();
    expect(v.cudnn).toBeNull();
    expect(v.prebuilt).toBe(false);
    expect(v.parallel).toContain('get_num_threads');
  });

  it('setNumThreads / getNumThreads round trip', () => {
    const before = torch.getNumThreads();
    try {
      torch.setNumThreads(2);
      expect(torch.getNumThreads()).toBe(2);
      torch.setNumThreads(1);
      expect(torch.getNumThreads()).toBe(1);
    } finally {
      torch.setNumThreads(before);
    }
  });
});

describe('printing', () => {
  // PyTorch's own str() of the same tensors; our dtype names replace torch.float64 & co.
  it.each(manifest.reprs.map((r) => [r.name, r] as const))('%s prints as in PyTorch', (_, r) => {
    expect(String(load(r.input))).toBe(r.text.replace(/dtype=torch\./, 'dtype='));
  });

  it('summarizes a big tensor with ... instead of printing every element', () => {
    const text = String(torch.zeros([100, 100]));
    expect(text).toContain('...');
    expect(text.split('\n').length).toBeLessThan(10);
    expect(text.length).toBeLessThan(500);
  });

  it('marks leaves that require grad and results of recorded ops; a disposed tensor prints as such', () => {
    const x = torch.tensor([1.5], undefined, { requiresGrad: true });
    expect(String(x)).toBe('tensor([1.5000], requires_grad=True)');
    expect(String(x.mul(2))).toBe('tensor([3.], grad_fn=<...>)');
    x.dispose();
    expect(String(x)).toBe('tensor(<disposed>)');
  });
});

describe('dispose', () => {
  it('frees now; twice is harmless; the handle reports it', () => {
    const x = torch.ones([1000]);
    x.dispose();
    expect(x.isDisposed).toBe(true);
    expect(() => x.dispose()).not.toThrow();
    expect(torch.ones([2]).sum().item()).toBe(2);
  });

  it('a view keeps the storage alive after its base is disposed', () => {
    const base = torch.arange(6, { dtype: 'float32' });
    const view = base.view([2, 3]);
    base.dispose();
    expect(values(view)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
