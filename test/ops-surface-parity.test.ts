// The tensor surface of issue #11 against PyTorch, bit for bit: every output
// (both fields of two-result ops, every piece of split/chunk), in-place
// updates, and the gradient of every input after backward. Table-driven from
// the manifest scripts/reference/ops_surface.py writes; cases cover negative
// dims and indices, empty tensors, non-contiguous views and int/bool dtypes.
// Parity needs the reference's thread count (1).

import { describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import type { IndexSpec, Tensor } from '../lib/index.js';
import { pinThreadsAndCheckCoverage, readOpManifest, type Ref } from './setup/op-manifest.js';

const F = torch.nn.functional;

interface Case {
  id: string;
  op: string;
  inputs: Record<string, Ref | null>;
  views: Record<string, number[]>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  options: Record<string, any>;
  seed: number | null;
  requiresGrad: string[];
  outputs: Record<string, Ref>;
  value: unknown;
  gradOutput: Ref | null;
  grads: Record<string, Ref>;
  after: Record<string, Ref>;
}

interface FactoryCase {
  fn: string;
  args: (number | number[])[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  options: Record<string, any>;
  seed: number | null;
  output: Ref;
}

const { manifest, load } = readOpManifest<{ threads: number; cases: Case[]; factories: FactoryCase[] }>('ops_surface');

/**
 * Same dtype, same shape and the same bytes: stricter than `equal`, since
 * NaN matches NaN (with its payload) and -0 does not match 0.
 */
function expectSame(actual: Tensor, ref: Ref, what: string): void {
  const expected = load(ref);
  expect(actual.dtype, `${what}: dtype`).toBe(ref.dtype);
  expect(actual.shape, `${what}: shape`).toEqual(expected.shape);
  const bytes = (t: Tensor): Buffer => {
    const a = t.toArray();
    return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  };
  if (!bytes(actual).equals(bytes(expected))) {
    expect.fail(`${what} differs from PyTorch:\n${actual.toString()}\nexpected\n${expected.toString()}`);
  }
}

type Inputs = Record<string, Tensor | null>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Options = Record<string, any>;
/** What a runner returns: a tensor, an object of named tensors, a list of tensors, or a plain value. */
type Result = Tensor | Record<string, Tensor | null> | Tensor[] | unknown;

/** Index entries as the manifest spells them; {tensor: name} refers to an input. */
const indices = (t: Inputs, o: Options): IndexSpec[] =>
  (o.indices as unknown[]).map((s) => (s !== null && typeof s === 'object' && !Array.isArray(s) ? t[(s as { tensor: string }).tensor]! : (s as IndexSpec)));

/** In-place ops run on a clone and must return that same tensor. */
const inPlace = (fn: (x: Tensor, t: Inputs, o: Options) => Tensor) => (t: Inputs, o: Options): Tensor => {
  const x = t.input!.clone();
  expect(fn(x, t, o)).toBe(x);
  return x;
};

const UNARY = ['exp', 'expm1', 'log', 'log1p', 'log2', 'log10', 'sqrt', 'rsqrt', 'abs', 'neg', 'sign', 'floor', 'ceil', 'round', 'trunc', 'frac', 'reciprocal', 'square', 'sigmoid', 'tanh', 'sin', 'cos'] as const;
const COMPARE = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;

// The same table as PY_OPS in scripts/reference/ops_surface.py, through the public API.
const RUN: Record<string, (t: Inputs, o: Options) => Result> = {
  max: (t, o) => ('dim' in o ? t.input!.max(o.dim, { keepdim: o.keepdim }) : t.input!.max()),
  min: (t, o) => ('dim' in o ? t.input!.min(o.dim, { keepdim: o.keepdim }) : t.input!.min()),
  maxOther: (t) => t.input!.max(t.other!),
  argmin: (t, o) => t.input!.argmin(o.dim, { keepdim: o.keepdim }),
  prod: (t, o) => t.input!.prod(o.dim, { keepdim: o.keepdim, dtype: o.dtype }),
  std: (t, o) => t.input!.std(o.dim, { keepdim: o.keepdim, correction: o.correction }),
  var: (t, o) => t.input!.var(o.dim, { keepdim: o.keepdim, correction: o.correction }),
  norm: (t, o) => t.input!.norm(o.p, o.dim, { keepdim: o.keepdim }),
  logsumexp: (t, o) => t.input!.logsumexp(o.dim, { keepdim: o.keepdim }),
  cumsum: (t, o) => t.input!.cumsum(o.dim, { dtype: o.dtype }),
  cumprod: (t, o) => t.input!.cumprod(o.dim, { dtype: o.dtype }),
  topk: (t, o) => t.input!.topk(o.k, { dim: o.dim, largest: o.largest, sorted: o.sorted }),
  sort: (t, o) => t.input!.sort(o),
  argsort: (t, o) => t.input!.argsort(o),
  unique: (t, o) => {
    const r = t.input!.unique(o);
    if (!o.returnInverse && !o.returnCounts) return r;
    const { values, inverseIndices, counts } = r as unknown as torch.UniqueResult;
    expect(inverseIndices === null).toBe(!o.returnInverse);
    expect(counts === null).toBe(!o.returnCounts);
    return { values, ...(inverseIndices ? { inverseIndices } : {}), ...(counts ? { counts } : {}) };
  },
  any: (t, o) => t.input!.any(o.dim, { keepdim: o.keepdim }),
  all: (t, o) => t.input!.all(o.dim, { keepdim: o.keepdim }),
  sum: (t, o) => t.input!.sum(o.dim, { keepdim: o.keepdim }),
  mean: (t, o) => t.input!.mean(o.dim, { keepdim: o.keepdim }),
  ...Object.fromEntries(COMPARE.map((op) => [op, (t: Inputs, o: Options) => t.input![op](t.other ?? o.other)])),
  maximum: (t) => t.input!.maximum(t.other!),
  minimum: (t) => t.input!.minimum(t.other!),
  logicalAnd: (t) => t.input!.logicalAnd(t.other!),
  logicalOr: (t) => t.input!.logicalOr(t.other!),
  logicalXor: (t) => t.input!.logicalXor(t.other!),
  logicalNot: (t) => t.input!.logicalNot(),
  isnan: (t) => t.input!.isnan(),
  isfinite: (t) => t.input!.isfinite(),
  isinf: (t) => t.input!.isinf(),
  where: (t, o) => torch.where(t.condition!, t.input ?? o.input, t.other ?? o.other),
  maskedFill: (t, o) => t.input!.maskedFill(t.mask!, t.value ?? o.value),
  maskedFill_: inPlace((x, t, o) => x.maskedFill_(t.mask!, o.value)),
  nonzero: (t) => t.input!.nonzero(),
  index: (t, o) => {
    const r = t.input!.index(...indices(t, o));
    // Integers and slices only: a view of the input, as in PyTorch.
    const basic = (o.indices as unknown[]).every((s) => s === null || typeof s !== 'object' || Array.isArray(s));
    if (basic) expect(r.sharesStorageWith(t.input!), 'a view').toBe(true);
    return r;
  },
  setItem: inPlace((x, t, o) => x.setItem(indices(t, o), t.value ?? o.value)),
  narrow: (t, o) => t.input!.narrow(o.dim, o.start, o.length),
  select: (t, o) => t.input!.select(o.dim, o.index),
  slice: (t, o) => {
    const r = t.input!.slice(o.dim, o.start, o.end, o.step);
    expect(r.sharesStorageWith(t.input!)).toBe(true);
    return r;
  },
  indexSelect: (t, o) => t.input!.indexSelect(o.dim, t.index!),
  gather: (t, o) => t.input!.gather(o.dim, t.index!),
  scatter: (t, o) => t.input!.scatter(o.dim, t.index!, t.src ?? o.src, { reduce: o.reduce }),
  scatterAdd: (t, o) => t.input!.scatterAdd(o.dim, t.index!, t.src!),
  take: (t) => t.input!.take(t.index!),
  maskedSelect: (t) => t.input!.maskedSelect(t.mask!),
  indexPut_: inPlace((x, t, o) => x.indexPut_((o.indexNames as string[]).map((k) => t[k]!), t.values!, { accumulate: o.accumulate })),
  ...Object.fromEntries(UNARY.map((op) => [op, (t: Inputs) => t.input![op]()])),
  ...Object.fromEntries(UNARY.map((op) => [`${op}_`, inPlace((x) => x[`${op}_`]())])),
  pow: (t, o) => t.input!.pow(t.exponent ?? o.exponent),
  pow_: inPlace((x, _t, o) => x.pow_(o.exponent)),
  clamp: (t, o) => t.input!.clamp(t.min ?? o.min ?? null, t.max ?? o.max ?? null),
  clamp_: inPlace((x, _t, o) => x.clamp_(o.min ?? null, o.max ?? null)),
  lerp: (t, o) => t.input!.lerp(t.end!, t.weight ?? o.weight),
  lerp_: inPlace((x, t, o) => x.lerp_(t.end!, o.weight)),
  addcmul: (t, o) => t.input!.addcmul(t.tensor1!, t.tensor2!, { value: o.value }),
  addcdiv: (t, o) => t.input!.addcdiv(t.tensor1!, t.tensor2!, { value: o.value }),
  addcmul_: inPlace((x, t, o) => x.addcmul_(t.tensor1!, t.tensor2!, { value: o.value })),
  stack: (t, o) => torch.stack([t.a!, t.b!, t.c!], o.dim),
  split: (t, o) => t.input!.split(o.splitSize, o.dim),
  chunk: (t, o) => t.input!.chunk(o.chunks, o.dim),
  unbind: (t, o) => t.input!.unbind(o.dim),
  expand: (t, o) => t.input!.expand(o.sizes),
  expandAs: (t) => t.input!.expandAs(t.other!),
  repeat: (t, o) => t.input!.repeat(o.repeats),
  flip: (t, o) => t.input!.flip(o.dims),
  roll: (t, o) => t.input!.roll(o.shifts, o.dims),
  t: (t) => t.input!.t(),
  mm: (t) => t.input!.mm(t.mat2!),
  bmm: (t) => t.input!.bmm(t.mat2!),
  movedim: (t, o) => t.input!.movedim(o.source, o.destination),
  squeeze: (t, o) => t.input!.squeeze(o.dim),
  unsqueeze: (t, o) => t.input!.unsqueeze(o.dim),
  transpose: (t, o) => t.input!.transpose(o.dim0, o.dim1),
  zerosLike: (t, o) => torch.zerosLike(t.input!, o),
  onesLike: (t, o) => torch.onesLike(t.input!, o),
  fullLike: (t, o) => torch.fullLike(t.input!, o.value, { dtype: o.dtype }),
  randLike: (t, o) => torch.randLike(t.input!, o),
  randnLike: (t, o) => torch.randnLike(t.input!, o),
  fill_: inPlace((x, _t, o) => x.fill_(o.value)),
  zero_: inPlace((x) => x.zero_()),
  float: (t) => t.input!.float(),
  double: (t) => t.input!.double(),
  half: (t) => t.input!.half(),
  long: (t) => t.input!.long(),
  int: (t) => t.input!.int(),
  bool: (t) => t.input!.bool(),
  toList: (t) => t.input!.toList(),
  size: (t, o) => t.input!.size(o.dim),
  pad: (t, o) => F.pad(t.input!, o.pad, { mode: o.mode, value: o.value }),
  dropout: (t, o) => F.dropout(t.input!, o),
  softmax: (t, o) => F.softmax(t.input!, o.dim),
  logSoftmax: (t, o) => F.logSoftmax(t.input!, o.dim),
  avgPool2d: (t, o) => F.avgPool2d(t.input!, { kernelSize: o.kernelSize }),
  gelu: (t, o) => F.gelu(t.input!, o),
  silu: (t) => F.silu(t.input!),
  leakyRelu: (t, o) => F.leakyRelu(t.input!, o),
  hardtanh: (t, o) => F.hardtanh(t.input!, o),
  mseLoss: (t, o) => F.mseLoss(t.input!, t.target!, o),
  l1Loss: (t, o) => F.l1Loss(t.input!, t.target!, o),
  nllLoss: (t, o) => F.nllLoss(t.input!, t.target!, { ...o, weight: t.weight }),
  binaryCrossEntropyWithLogits: (t, o) => F.binaryCrossEntropyWithLogits(t.input!, t.target!, { ...o, weight: t.weight, posWeight: t.posWeight }),
  oneHot: (t, o) => F.oneHot(t.input!, o.numClasses),
  normalize: (t, o) => F.normalize(t.input!, o),
  cosineSimilarity: (t, o) => F.cosineSimilarity(t.x1!, t.x2!, o),
};

/** The named tensors of a result, in the reference's naming ('out', field names, or '0', '1', ...). */
function named(result: Result): Record<string, Tensor> | null {
  if (result instanceof torch.Tensor) return { out: result };
  if (Array.isArray(result) && result.every((r) => r instanceof torch.Tensor)) {
    return Object.fromEntries(result.map((r, i) => [String(i), r as Tensor]));
  }
  if (result !== null && typeof result === 'object' && !Array.isArray(result)) return result as Record<string, Tensor>;
  return null;
}

function runCase(c: Case): void {
  const run = RUN[c.op];
  if (run === undefined) throw new Error(`no TypeScript runner for op '${c.op}' (add it to RUN)`);
  torch.tidy(() => {
    const bases: Inputs = {};
    const live: Inputs = {};
    for (const [name, ref] of Object.entries(c.inputs)) {
      if (ref === null) {
        live[name] = null;
        continue;
      }
      const base = load(ref);
      if (c.requiresGrad.includes(name)) base.requiresGrad = true;
      bases[name] = base;
      live[name] = c.views[name] ? base.permute(c.views[name]) : base;
      if (c.views[name]) expect(live[name]!.isContiguous, `${name} is a non-contiguous view`).toBe(false);
    }
    if (c.seed !== null) torch.manualSeed(c.seed);
    const result = run(live, c.options);
    const outputs = named(result);
    if (c.value !== null) {
      expect(outputs, 'a plain value, not tensors').toBeNull();
      expect(result).toEqual(c.value);
      return;
    }
    expect(outputs, 'tensor results').not.toBeNull();
    expect(Object.keys(outputs!).sort(), 'result fields').toEqual(Object.keys(c.outputs).sort());
    for (const [name, ref] of Object.entries(c.outputs)) expectSame(outputs![name], ref, `output ${name}`);
    for (const [name, ref] of Object.entries(c.after)) expectSame(bases[name]!, ref, `${name} after the call`);
    for (const [name, ref] of Object.entries(c.inputs)) {
      if (ref !== null && !(name in c.after)) expectSame(bases[name]!, ref, `input ${name} after the call`);
    }
    const differentiable = Object.values(outputs!).filter((o) => o.requiresGrad);
    if (c.gradOutput === null) {
      expect(differentiable, 'no output requires grad').toEqual([]);
      return;
    }
    torch.cat(differentiable.map((o) => o.reshape(-1))).backward(load(c.gradOutput));
    for (const name of c.requiresGrad) {
      const grad = bases[name]!.grad;
      expect(grad, `gradient of ${name}`).not.toBeNull();
      expectSame(grad!, c.grads[name], `gradient of ${name}`);
    }
  });
}

const FACTORIES: Record<string, (args: FactoryCase['args'], o: Options) => Tensor> = {
  eye: (a, o) => torch.eye(a[0] as number, (a[1] as number | undefined) ?? null, o),
  linspace: (a, o) => torch.linspace(a[0] as number, a[1] as number, a[2] as number, o),
  logspace: (a, o) => torch.logspace(a[0] as number, a[1] as number, a[2] as number, o),
  randint: (a, o) => (a.length === 2 ? torch.randint(a[0] as number, a[1] as number[], o) : torch.randint(a[0] as number, a[1] as number, a[2] as number[], o)),
};

describe('tensor surface parity with PyTorch (bit for bit)', () => {
  pinThreadsAndCheckCoverage(manifest, RUN);

  for (const c of manifest.cases) it(c.id, () => runCase(c));

  for (const f of manifest.factories) {
    it(`factory ${f.fn}(${JSON.stringify(f.args)}${Object.keys(f.options).length ? `, ${JSON.stringify(f.options)}` : ''})`, () => {
      torch.tidy(() => {
        if (f.seed !== null) torch.manualSeed(f.seed);
        expectSame(FACTORIES[f.fn](f.args, f.options), f.output, 'output');
      });
    });
  }
});
