// Every op against PyTorch, bit for bit: forward output, in-place updates
// (batch norm running statistics) and the gradient of every input after
// out.backward(g). Table-driven from the manifest scripts/reference/ops.py
// writes; each comparison is `equal` (same dtype, shape and bits), never a
// tolerance. Parity needs the thread count the reference used (1).

import { describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import type { Tensor } from '../lib/index.js';
import { pinThreadsAndCheckCoverage, readOpManifest, type Ref } from './setup/op-manifest.js';

const F = torch.nn.functional;

interface Case {
  id: string;
  op: string;
  inputs: Record<string, Ref | null>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  options: Record<string, any>;
  requiresGrad: string[];
  output: Ref;
  gradOutput: Ref | null;
  grads: Record<string, Ref>;
  after: Record<string, Ref>;
}

const { manifest, load } = readOpManifest<{ threads: number; cases: Case[] }>('ops');

function describeDifference(actual: Tensor, expected: Tensor): string {
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype}, expected ${expected.dtype}`;
  if (actual.shape.join() !== expected.shape.join()) return `shape [${actual.shape}], expected [${expected.shape}]`;
  const a = actual.to('float64').toArray() as Float64Array;
  const e = expected.to('float64').toArray() as Float64Array;
  let count = 0;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    if (Object.is(a[i], e[i])) continue;
    count++;
    const d = Math.abs(a[i] - e[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  return `${count} of ${a.length} elements differ, largest |difference| ${worst} at flat index ${at} (${a[at]} vs ${e[at]})`;
}

/** Bit-for-bit: same dtype, same shape, same elements. bfloat16 compares through its exact float32 upcast. */
function expectSame(actual: Tensor, ref: Ref, what: string): void {
  const expected = load(ref);
  expect(actual.dtype, `${what}: dtype`).toBe(ref.dtype);
  const [a, e] = ref.dtype === 'bfloat16' ? [actual.to('float32'), expected.to('float32')] : [actual, expected];
  if (!a.equal(e)) expect.fail(`${what} differs from PyTorch: ${describeDifference(a, e)}`);
}

type Inputs = Record<string, Tensor | null>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Options = Record<string, any>;

const other = (t: Inputs, o: Options): Tensor | number => t.other ?? o.other;

// The same table as PY_OPS in scripts/reference/ops.py, through the public API.
const RUN: Record<string, (t: Inputs, o: Options) => Tensor> = {
  conv2d: (t, o) => F.conv2d(t.input!, t.weight!, t.bias ?? null, o),
  batchNorm: (t, o) => F.batchNorm(t.input!, t.runningMean ?? null, t.runningVar ?? null, { ...o, weight: t.weight ?? null, bias: t.bias ?? null }),
  relu: (t) => F.relu(t.input!),
  relu_: (t) => {
    const h = t.input!.mul(1.5);
    const r = F.relu_(h);
    expect(r).toBe(h); // in place: the same tensor comes back
    return r;
  },
  maxPool2d: (t, o) => F.maxPool2d(t.input!, o as torch.nn.functional.MaxPool2dOptions),
  avgPool2d: (t, o) => F.avgPool2d(t.input!, o as torch.nn.functional.AvgPool2dOptions),
  adaptiveAvgPool2d: (t, o) => F.adaptiveAvgPool2d(t.input!, o.outputSize),
  linear: (t) => F.linear(t.input!, t.weight!, t.bias ?? null),
  flatten: (t, o) => F.flatten(t.input!, o.startDim, o.endDim),
  crossEntropy: (t, o) => F.crossEntropy(t.input!, t.target!, { ...o, weight: t.weight ?? null }),
  softmax: (t, o) => F.softmax(t.input!, o.dim, { dtype: o.dtype }),
  logSoftmax: (t, o) => F.logSoftmax(t.input!, o.dim, { dtype: o.dtype }),
  add: (t, o) => t.input!.add(other(t, o), { alpha: o.alpha }),
  sub: (t, o) => t.input!.sub(other(t, o), { alpha: o.alpha }),
  mul: (t, o) => t.input!.mul(other(t, o)),
  div: (t, o) => t.input!.div(other(t, o)),
  add_: (t, o) => {
    const h = t.input!.clone();
    expect(h.add_(other(t, o), { alpha: o.alpha })).toBe(h);
    return h;
  },
  mul_: (t, o) => {
    const h = t.input!.clone();
    expect(h.mul_(other(t, o))).toBe(h);
    return h;
  },
  matmul: (t) => t.input!.matmul(t.other!),
  neg: (t) => t.input!.neg(),
  abs: (t) => t.input!.abs(),
  sum: (t, o) => t.input!.sum(o.dim ?? null, { keepdim: o.keepdim, dtype: o.dtype }),
  mean: (t, o) => t.input!.mean(o.dim ?? null, { keepdim: o.keepdim, dtype: o.dtype }),
  argmax: (t, o) => t.input!.argmax(o.dim ?? null, { keepdim: o.keepdim }),
  max: (t) => t.input!.max(),
  min: (t) => t.input!.min(),
  reshape: (t, o) => t.input!.reshape(o.shape),
  view: (t, o) => {
    const v = t.input!.view(o.shape);
    expect(v.sharesStorageWith(t.input!)).toBe(true);
    return v;
  },
  permute: (t, o) => t.input!.permute(o.dims),
  transpose: (t, o) => t.input!.transpose(o.dim0, o.dim1),
  contiguous: (t, o) => {
    const p = t.input!.permute(o.dims);
    expect(p.isContiguous).toBe(false);
    const c = p.contiguous();
    expect(c.isContiguous).toBe(true);
    return c;
  },
  clone: (t) => {
    const c = t.input!.clone();
    expect(c.sharesStorageWith(t.input!)).toBe(false);
    return c;
  },
  unsqueeze: (t, o) => t.input!.unsqueeze(o.dim),
  squeeze: (t, o) => t.input!.squeeze(o.dim),
  cat: (t, o) => torch.cat([t.a!, t.b!], o.dim),
  to: (t, o) => t.input!.to(o.dtype),
  detach: (t) => t.input!.detach(),
};

function runCase(c: Case): void {
  const run = RUN[c.op];
  if (run === undefined) throw new Error(`no TypeScript runner for op '${c.op}' (add it to RUN)`);
  torch.tidy(() => {
    const inputs: Inputs = {};
    for (const [name, ref] of Object.entries(c.inputs)) {
      inputs[name] = ref === null ? null : load(ref);
      if (c.requiresGrad.includes(name)) inputs[name]!.requiresGrad = true;
    }
    const out = run(inputs, c.options);
    expectSame(out, c.output, 'output');
    // Running statistics and other in-place updates, read after the call.
    for (const [name, ref] of Object.entries(c.after)) expectSame(inputs[name]!, ref, `${name} after the call`);
    // Everything else must be left as it was (no accidental in-place writes).
    for (const [name, ref] of Object.entries(c.inputs)) {
      if (ref !== null && !(name in c.after)) expectSame(inputs[name]!, ref, `input ${name} after the call`);
    }
    if (c.gradOutput === null) {
      expect(out.requiresGrad, 'output requires grad').toBe(false);
      return;
    }
    expect(out.requiresGrad).toBe(true);
    out.backward(load(c.gradOutput));
    for (const name of c.requiresGrad) {
      const grad = inputs[name]!.grad;
      expect(grad, `gradient of ${name}`).not.toBeNull();
      expectSame(grad!, c.grads[name], `gradient of ${name}`);
    }
  });
}

describe('ops parity with PyTorch (bit for bit)', () => {
  pinThreadsAndCheckCoverage(manifest, RUN);

  for (const c of manifest.cases) {
    it(c.id, () => runCase(c));
  }
});
