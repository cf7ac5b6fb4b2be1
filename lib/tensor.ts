// The Tensor class, tensor factories and memory scopes (tidy / keep).
//
// A Tensor is a thin TypeScript object around a NativeTensor handle; every op
// is one call into the addon, so a module's forward is a plain sequence of
// native ops (what a future off-thread forward records and replays).

import { inspect } from 'node:util';

import { formatTensor } from './format.js';
import { type DType, native, type NativeTensor } from './native.js';

export type { DType } from './native.js';
export type Device = 'cpu' | `cuda:${number}`;
export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;
export type Shape = readonly number[];

export interface TensorOptions {
  dtype?: DType;
  /** 'cpu' (default), 'cuda' or 'cuda:N'. */
  device?: string;
  requiresGrad?: boolean;
}

// ---------------------------------------------------------------------------
// Memory scopes

const scopes: Set<Tensor>[] = [];
const kept = new WeakSet<Tensor>();

const AsyncFunction = (async () => {}).constructor;
const AsyncGeneratorFunction = (async function* () {}).constructor;

/** @internal An `async function` or `async function*`: known to be asynchronous before it is called. */
export function isAsyncFunction(fn: unknown): boolean {
  return fn instanceof AsyncFunction || fn instanceof AsyncGeneratorFunction;
}

/** @internal A Promise or any other thenable. */
export function isThenable(value: unknown): boolean {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Runs `fn` and disposes every tensor created inside it, except the tensors
 * it returns (a Tensor, or Tensors anywhere inside arrays, objects, Maps, Sets or class
 * instances it returns) and those
 * passed to `keep()`. Returned tensors move to the enclosing scope. If `fn`
 * throws, everything it created is disposed and the error is rethrown.
 *
 * @example
 * `fn` must be synchronous. An `async function` is refused with a TypeError
 * before it runs (nothing happens). A plain function that returns a Promise
 * (or any thenable) cannot be recognised before it is called: its synchronous
 * part runs, then every tensor it created is disposed and tidy throws a
 * TypeError; the Promise is left to settle on its own, and tensors it makes
 * after that are not tracked. Await first, then tidy each synchronous step.
 *
 * @example
 * const probs = torch.tidy(() => model.forward(x).softmax(1)); // logits freed
 */
export function tidy<R>(fn: () => R): R {
  if (typeof fn !== 'function') throw new TypeError(`tidy: expected function for fn but received ${describe(fn)}`);
  if (isAsyncFunction(fn)) {
    throw new TypeError(
      'tidy: fn is an async function; tidy tracks synchronous code only (it would free tensors still in use after the first await). ' +
        'Await first, then tidy each synchronous step, e.g. `const y = await model.forwardAsync(x); const p = torch.tidy(() => y.softmax(1));`',
    );
  }
  const scope = new Set<Tensor>();
  scopes.push(scope);
  // Tensors made in the outermost scope are not reported to V8's GC: the scope frees them.
  const outermost = scopes.length === 1;
  if (outermost) native.setChargeNewTensors(false);
  let result: R;
  try {
    result = fn();
  } catch (error) {
    scopes.pop();
    if (outermost) native.setChargeNewTensors(true);
    for (const t of scope) if (!kept.has(t)) t.dispose();
    throw error;
  }
  scopes.pop();
  if (outermost) native.setChargeNewTensors(true);
  if (isThenable(result)) {
    for (const t of scope) if (!kept.has(t)) t.dispose();
    throw new TypeError('tidy: fn returned a Promise; tidy only tracks synchronous code (await first, then tidy each step)');
  }
  const survivors = new Set<Tensor>();
  collectTensors(result, survivors);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (survivors.has(t) || kept.has(t)) {
      if (!kept.has(t)) parent?.add(t);
      // Leaving the scope: from now on only dispose() or the GC frees it.
      if (outermost) t._native.charge();
    } else {
      t.dispose();
    }
  }
  return result;
}

/** Exempts a tensor from every enclosing and future `tidy` (e.g. module parameters). */
export function keep<T extends Tensor>(tensor: T): T {
  if (!(tensor instanceof Tensor)) throw new TypeError(`keep: expected Tensor but received ${describe(tensor)}`);
  kept.add(tensor);
  // Long-lived from now on: V8 should know its size (a no-op if already reported).
  if (scopes.length > 0) tensor._native.charge();
  return tensor;
}

// Finds every Tensor reachable from a tidy result: arrays, plain objects,
// Maps (keys and values), Sets and class instances (their own enumerable
// properties), at any depth, cycles included. Only what JS cannot enumerate
// (private #fields, closures, WeakMaps) is out of sight: keep() those.
/**
 * What the GC backstop holds on this thread: native bytes and count of tensors made
 * outside `tidy` and not disposed yet, and the external-memory total V8's GC sees
 * (`process.memoryUsage().external` does not include it: V8 reports only ArrayBuffers there).
 * @example const { bytes, tensors } = torch.nativeMemory();
 */
export function nativeMemory(): { bytes: number; tensors: number; reportedToV8: number } {
  return native.nativeMemory();
}

function collectTensors(root: unknown, into: Set<Tensor>): void {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object' || seen.has(value)) continue;
    seen.add(value);
    if (value instanceof Tensor) {
      into.add(value);
    } else if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Promise) {
      // no tensors inside
    } else if (value instanceof Map) {
      for (const [k, v] of value) stack.push(k, v);
    } else if (value instanceof Set || Array.isArray(value)) {
      for (const v of value) stack.push(v);
    } else {
      for (const key of Object.keys(value)) stack.push((value as Record<string, unknown>)[key]);
    }
  }
}

// ---------------------------------------------------------------------------
// Helpers shared by the functional API

/** The native handle of a Tensor; anything else passes through so the addon reports its type. */
export function unwrap(value: unknown): unknown {
  return value instanceof Tensor ? value._native : value;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'Array';
  if (value instanceof Tensor) return 'Tensor';
  return typeof value;
}

/** A user string for a message: quoted, at most 40 characters (a 10 MB key is not echoed back whole). */
export function clip(text: string): string {
  return text.length <= 40 ? `'${text}'` : `'${text.slice(0, 40)}...' (${text.length} characters)`;
}

/**
 * Throws a TypeError for option keys the op does not know (catches `kernel_size` for `kernelSize`).
 * @example checkOptions('MyLayer', options, ['stride', 'padding'])
 */
export function checkOptions(op: string, options: object | undefined, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${op}: expected an options object but received ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      const hint = allowed.includes(camel) ? ` (did you mean '${camel}'?)` : ` (known options: ${allowed.join(', ')})`;
      throw new TypeError(`${op}: unknown option ${clip(key)}${hint}`);
    }
  }
}

function shapeFrom(args: readonly (number | Shape)[]): number[] | unknown {
  // Accepts t.reshape([2, 3]) and t.reshape(2, 3), like PyTorch.
  if (args.length === 1 && Array.isArray(args[0])) return [...(args[0] as Shape)];
  return args;
}

// ---------------------------------------------------------------------------
// Tensor

export class Tensor {
  /** @internal The native handle; use the public API instead. */
  readonly _native: NativeTensor;

  /** @internal Tensors come from factories and ops, never from `new`. */
  constructor(handle: NativeTensor) {
    this._native = handle;
    scopes[scopes.length - 1]?.add(this);
  }

  /** @internal */
  static _wrap(handle: NativeTensor): Tensor {
    return new Tensor(handle);
  }

  get shape(): number[] {
    return this._native.shape;
  }
  get dtype(): DType {
    return this._native.dtype;
  }
  get device(): Device {
    return this._native.device as Device;
  }
  get ndim(): number {
    return this._native.shape.length;
  }
  get numel(): number {
    return this._native.numel;
  }
  get strides(): number[] {
    return this._native.strides;
  }
  get isContiguous(): boolean {
    return this._native.isContiguous;
  }
  get isDisposed(): boolean {
    return this._native.isDisposed;
  }
  get isLeaf(): boolean {
    return this._native.isLeaf;
  }
  /** True when autograd recorded how this tensor was computed. */
  get hasGradFn(): boolean {
    return this._native.hasGradFn;
  }

  /** Settable, like PyTorch's: `w.requiresGrad = true`. */
  get requiresGrad(): boolean {
    return this._native.requiresGrad;
  }
  set requiresGrad(flag: boolean) {
    this._native.requiresGrad = flag;
  }

  /** The accumulated gradient after `backward()`, or null. Assign null to clear it. */
  get grad(): Tensor | null {
    const g = this._native.grad;
    return g === null ? null : new Tensor(g);
  }
  set grad(value: Tensor | null) {
    this._native.grad = unwrap(value) as NativeTensor | null;
  }

  /** Frees the tensor's memory now. Using it afterwards throws; disposing twice is harmless. */
  dispose(): void {
    this._native.dispose();
  }

  /** A copy of the elements in C order: Float32Array for float32, BigInt64Array for int64,
   * Uint8Array for uint8 and bool, Uint16Array of raw bits for float16 / bfloat16. */
  toArray(): TensorData {
    return this._native.toArray();
  }

  /** The value of a one-element tensor (1 / 0 for bool tensors). */
  item(): number {
    return this._native.item();
  }

  /**
   * Computes gradients of this tensor with respect to the leaves that require them.
   * A non-scalar tensor needs `gradient` (same shape), as in PyTorch.
   */
  backward(gradient?: Tensor | null, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    checkOptions('backward', options, ['retainGraph', 'createGraph']);
    this._native.backward(unwrap(gradient ?? null), options.retainGraph ?? null, options.createGraph ?? false);
  }

  detach(): Tensor {
    return new Tensor(native.detach(this._native));
  }
  clone(): Tensor {
    return new Tensor(native.clone(this._native));
  }
  contiguous(): Tensor {
    return new Tensor(native.contiguous(this._native));
  }

  /**
   * Converts to a dtype and/or moves to a device; returns this tensor's data
   * unchanged (a new handle) when nothing changes, like PyTorch.
   * @example x.to('float64'); x.to('cuda'); x.to({ device: 'cuda', dtype: 'float16' })
   */
  to(target: DType | string | { dtype?: DType; device?: string; copy?: boolean }): Tensor {
    if (typeof target === 'string') {
      if (isDType(target)) return new Tensor(native.to(this._native, target, null));
      // Neither a dtype nor a device: say both were tried, instead of the
      // addon's "unknown device 'float'" for what was meant as a dtype.
      if (!/^(cpu|cuda)(:|$)/.test(target)) {
        throw new RangeError(`to: unknown dtype or device '${target}' (dtypes: ${DTYPES.join(', ')}; devices: 'cpu', 'cuda', 'cuda:N')`);
      }
      return new Tensor(native.to(this._native, null, target));
    }
    checkOptions('to', target, ['dtype', 'device', 'copy']);
    return new Tensor(native.to(this._native, target?.dtype ?? null, target?.device ?? null, target?.copy ?? false));
  }

  reshape(...shape: (number | Shape)[]): Tensor {
    return new Tensor(native.reshape(this._native, shapeFrom(shape)));
  }
  view(...shape: (number | Shape)[]): Tensor {
    return new Tensor(native.view(this._native, shapeFrom(shape)));
  }
  permute(...dims: (number | Shape)[]): Tensor {
    return new Tensor(native.permute(this._native, shapeFrom(dims)));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return new Tensor(native.transpose(this._native, dim0, dim1));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return new Tensor(native.flatten(this._native, startDim, endDim));
  }
  unsqueeze(dim: number): Tensor {
    return new Tensor(native.unsqueeze(this._native, dim));
  }
  squeeze(dim?: number): Tensor {
    return new Tensor(native.squeeze(this._native, dim ?? null));
  }

  /** this + alpha * other */
  add(other: Tensor | number, options: { alpha?: number } = {}): Tensor {
    checkOptions('add', options, ['alpha']);
    return new Tensor(native.add(this._native, unwrap(other), options.alpha ?? null));
  }
  /** this - alpha * other */
  sub(other: Tensor | number, options: { alpha?: number } = {}): Tensor {
    checkOptions('sub', options, ['alpha']);
    return new Tensor(native.sub(this._native, unwrap(other), options.alpha ?? null));
  }
  mul(other: Tensor | number): Tensor {
    return new Tensor(native.mul(this._native, unwrap(other)));
  }
  div(other: Tensor | number): Tensor {
    return new Tensor(native.div(this._native, unwrap(other)));
  }
  /** In place: this += alpha * other. Returns this. */
  add_(other: Tensor | number, options: { alpha?: number } = {}): this {
    checkOptions('add', options, ['alpha']);
    native.add(this._native, unwrap(other), options.alpha ?? null, true);
    return this;
  }
  sub_(other: Tensor | number, options: { alpha?: number } = {}): this {
    checkOptions('sub', options, ['alpha']);
    native.sub(this._native, unwrap(other), options.alpha ?? null, true);
    return this;
  }
  mul_(other: Tensor | number): this {
    native.mul(this._native, unwrap(other), null, true);
    return this;
  }
  div_(other: Tensor | number): this {
    native.div(this._native, unwrap(other), null, true);
    return this;
  }
  matmul(other: Tensor): Tensor {
    return new Tensor(native.matmul(this._native, unwrap(other)));
  }
  neg(): Tensor {
    return new Tensor(native.neg(this._native));
  }
  abs(): Tensor {
    return new Tensor(native.abs(this._native));
  }

  /** Sum over `dim` (a number or list; all dims when omitted). */
  sum(dim?: number | number[] | null, options: { keepdim?: boolean; dtype?: DType } = {}): Tensor {
    checkOptions('sum', options, ['keepdim', 'dtype']);
    return new Tensor(native.sum(this._native, dim ?? null, options.keepdim ?? false, options.dtype ?? null));
  }
  /** Mean over `dim` (a number or list; all dims when omitted). */
  mean(dim?: number | number[] | null, options: { keepdim?: boolean; dtype?: DType } = {}): Tensor {
    checkOptions('mean', options, ['keepdim', 'dtype']);
    return new Tensor(native.mean(this._native, dim ?? null, options.keepdim ?? false, options.dtype ?? null));
  }
  /** Index of the largest element along `dim` (of the flattened tensor when omitted). */
  argmax(dim?: number | null, options: { keepdim?: boolean } = {}): Tensor {
    checkOptions('argmax', options, ['keepdim']);
    return new Tensor(native.argmax(this._native, dim ?? null, options.keepdim ?? false));
  }
  /**
   * The largest element as a 0-d tensor; with a `dim`, { values, indices }
   * along it (PyTorch's namedtuple); with a tensor, the element-wise maximum.
   * @example x.max(); const { values, indices } = logits.max(1)
   */
  max(): Tensor;
  max(dim: number, options?: { keepdim?: boolean }): ValuesIndices;
  max(other: Tensor): Tensor;
  max(dim?: number | Tensor, options?: { keepdim?: boolean }): Tensor | ValuesIndices {
    return extreme(this, 'max', dim, options, arguments.length);
  }
  /** The smallest element; with a `dim`, { values, indices }; with a tensor, the element-wise minimum. */
  min(): Tensor;
  min(dim: number, options?: { keepdim?: boolean }): ValuesIndices;
  min(other: Tensor): Tensor;
  min(dim?: number | Tensor, options?: { keepdim?: boolean }): Tensor | ValuesIndices {
    return extreme(this, 'min', dim, options, arguments.length);
  }
  relu(): Tensor {
    return new Tensor(native.relu(this._native));
  }
  relu_(): this {
    native.relu(this._native, true);
    return this;
  }
  softmax(dim: number, options: { dtype?: DType } = {}): Tensor {
    checkOptions('softmax', options, ['dtype']);
    return new Tensor(native.softmax(this._native, dim, options.dtype ?? null));
  }
  logSoftmax(dim: number, options: { dtype?: DType } = {}): Tensor {
    checkOptions('logSoftmax', options, ['dtype']);
    return new Tensor(native.logSoftmax(this._native, dim, options.dtype ?? null));
  }

  /** True when both have the same shape, dtype and elements, bit for bit (torch.equal). */
  equal(other: Tensor): boolean {
    return native.equal(this._native, unwrap(other));
  }
  /** |this - other| <= atol + rtol * |other| everywhere (torch.allclose's defaults). */
  allclose(other: Tensor, options: { rtol?: number; atol?: number; equalNan?: boolean } = {}): boolean {
    checkOptions('allclose', options, ['rtol', 'atol', 'equalNan']);
    return native.allclose(this._native, unwrap(other), options.rtol ?? 1e-5, options.atol ?? 1e-8, options.equalNan ?? false);
  }
  /** True when both share storage (one is a view of the other). */
  sharesStorageWith(other: Tensor): boolean {
    return this._native.sameStorage(unwrap(other));
  }

  // -------------------------------------------------------------------------
  // The tensor surface (issue #11), grouped by family. Each method is one
  // native call into the ATen op PyTorch runs; two-result ops return objects
  // with PyTorch's namedtuple field names.

  // --- reductions along a dimension

  /** Index of the smallest element along `dim` (of the flattened tensor when omitted). */
  argmin(dim?: number | null, options: { keepdim?: boolean } = {}): Tensor {
    checkOptions('argmin', options, ['keepdim']);
    return new Tensor(native.argmin(this._native, dim ?? null, options.keepdim ?? false));
  }
  /** Product of all elements, or along one `dim`. @example x.prod(1, { keepdim: true }) */
  prod(dim?: number | null, options: { keepdim?: boolean; dtype?: DType } = {}): Tensor {
    checkOptions('prod', options, ['keepdim', 'dtype']);
    return new Tensor(native.prod(this._native, dim ?? null, options.keepdim ?? false, options.dtype ?? null));
  }
  /** Standard deviation over `dim` (all dims when omitted); `correction` 1 is Bessel's (the default), 0 the population std. */
  std(dim?: number | readonly number[] | null, options: { keepdim?: boolean; correction?: number } = {}): Tensor {
    checkOptions('std', options, ['keepdim', 'correction']);
    return new Tensor(native.stdVar(this._native, true, dim ?? null, options.correction ?? null, options.keepdim ?? false));
  }
  /** Variance over `dim` (all dims when omitted). @example x.var(0, { correction: 0 }) */
  var(dim?: number | readonly number[] | null, options: { keepdim?: boolean; correction?: number } = {}): Tensor {
    checkOptions('var', options, ['keepdim', 'correction']);
    return new Tensor(native.stdVar(this._native, false, dim ?? null, options.correction ?? null, options.keepdim ?? false));
  }
  /** The p-norm (2 by default; Infinity for the max norm) over `dim` or the whole tensor. @example x.norm(2, 1) */
  norm(p = 2, dim?: number | readonly number[] | null, options: { keepdim?: boolean } = {}): Tensor {
    checkOptions('norm', options, ['keepdim']);
    return new Tensor(native.norm(this._native, p, dim ?? null, options.keepdim ?? false));
  }
  /** log(sum(exp(x))) over `dim`, computed stably. */
  logsumexp(dim: number | readonly number[], options: { keepdim?: boolean } = {}): Tensor {
    checkOptions('logsumexp', options, ['keepdim']);
    return new Tensor(native.logsumexp(this._native, dim, options.keepdim ?? false));
  }
  /** Running sum along `dim`. */
  cumsum(dim: number, options: { dtype?: DType } = {}): Tensor {
    checkOptions('cumsum', options, ['dtype']);
    return new Tensor(native.cumsum(this._native, dim, options.dtype ?? null));
  }
  /** Running product along `dim`. */
  cumprod(dim: number, options: { dtype?: DType } = {}): Tensor {
    checkOptions('cumprod', options, ['dtype']);
    return new Tensor(native.cumprod(this._native, dim, options.dtype ?? null));
  }
  /**
   * The k largest (or smallest) elements along `dim` (the last by default).
   * @example const { values, indices } = logits.softmax(1).topk(5)
   */
  topk(k: number, options: { dim?: number; largest?: boolean; sorted?: boolean } = {}): ValuesIndices {
    checkOptions('topk', options, ['dim', 'largest', 'sorted']);
    return valuesIndices(native.topk(this._native, k, options.dim ?? -1, options.largest ?? true, options.sorted ?? true));
  }
  /** Sorts along `dim` (the last by default). @example const { values, indices } = x.sort({ descending: true }) */
  sort(options: { dim?: number; descending?: boolean; stable?: boolean } = {}): ValuesIndices {
    checkOptions('sort', options, ['dim', 'descending', 'stable']);
    return valuesIndices(native.sort(this._native, options.dim ?? -1, options.descending ?? false, options.stable ?? false));
  }
  /** The indices that sort along `dim` (the last by default). */
  argsort(options: { dim?: number; descending?: boolean; stable?: boolean } = {}): Tensor {
    checkOptions('argsort', options, ['dim', 'descending', 'stable']);
    return new Tensor(native.argsort(this._native, options.dim ?? -1, options.descending ?? false, options.stable ?? false));
  }
  /**
   * The distinct elements (sorted), or distinct slices along `dim`. With
   * returnInverse / returnCounts, an object { values, inverseIndices, counts }
   * (torch.unique's tuple; the one not asked for is null).
   * @example x.unique(); const { values, counts } = x.unique({ returnCounts: true })
   */
  unique(options?: { sorted?: boolean; dim?: number | null; returnInverse?: false; returnCounts?: false }): Tensor;
  unique(options: UniqueOptions): UniqueResult;
  unique(options: UniqueOptions = {}): Tensor | UniqueResult {
    checkOptions('unique', options, ['sorted', 'dim', 'returnInverse', 'returnCounts']);
    const { sorted = true, dim = null, returnInverse = false, returnCounts = false } = options;
    const [values, inverse, counts] = native.unique(this._native, sorted, returnInverse, returnCounts, dim);
    if (!returnInverse && !returnCounts) {
      inverse.dispose();
      counts.dispose();
      return new Tensor(values);
    }
    const result: UniqueResult = { values: new Tensor(values), inverseIndices: null, counts: null };
    if (returnInverse) result.inverseIndices = new Tensor(inverse);
    else inverse.dispose();
    if (returnCounts) result.counts = new Tensor(counts);
    else counts.dispose();
    return result;
  }
  /** True where any element (along `dim`, or anywhere) is non-zero. */
  any(dim?: number | null, options: { keepdim?: boolean } = {}): Tensor {
    checkOptions('any', options, ['keepdim']);
    return new Tensor(native.any(this._native, dim ?? null, options.keepdim ?? false));
  }
  /** True where every element (along `dim`, or everywhere) is non-zero. */
  all(dim?: number | null, options: { keepdim?: boolean } = {}): Tensor {
    checkOptions('all', options, ['keepdim']);
    return new Tensor(native.all(this._native, dim ?? null, options.keepdim ?? false));
  }

  // --- comparison and logic (other: a tensor, broadcast, or a number)

  eq(other: Tensor | number): Tensor {
    return new Tensor(native.compareOp('eq', this._native, unwrap(other)));
  }
  ne(other: Tensor | number): Tensor {
    return new Tensor(native.compareOp('ne', this._native, unwrap(other)));
  }
  lt(other: Tensor | number): Tensor {
    return new Tensor(native.compareOp('lt', this._native, unwrap(other)));
  }
  le(other: Tensor | number): Tensor {
    return new Tensor(native.compareOp('le', this._native, unwrap(other)));
  }
  gt(other: Tensor | number): Tensor {
    return new Tensor(native.compareOp('gt', this._native, unwrap(other)));
  }
  ge(other: Tensor | number): Tensor {
    return new Tensor(native.compareOp('ge', this._native, unwrap(other)));
  }
  /** Element-wise larger of two tensors (torch.maximum; NaN propagates). */
  maximum(other: Tensor): Tensor {
    return new Tensor(native.compareOp('maximum', this._native, unwrap(other)));
  }
  /** Element-wise smaller of two tensors (torch.minimum). */
  minimum(other: Tensor): Tensor {
    return new Tensor(native.compareOp('minimum', this._native, unwrap(other)));
  }
  logicalAnd(other: Tensor): Tensor {
    return new Tensor(native.compareOp('logicalAnd', this._native, unwrap(other)));
  }
  logicalOr(other: Tensor): Tensor {
    return new Tensor(native.compareOp('logicalOr', this._native, unwrap(other)));
  }
  logicalXor(other: Tensor): Tensor {
    return new Tensor(native.compareOp('logicalXor', this._native, unwrap(other)));
  }
  logicalNot(): Tensor {
    return new Tensor(native.predicate('logicalNot', this._native));
  }
  isnan(): Tensor {
    return new Tensor(native.predicate('isnan', this._native));
  }
  isfinite(): Tensor {
    return new Tensor(native.predicate('isfinite', this._native));
  }
  isinf(): Tensor {
    return new Tensor(native.predicate('isinf', this._native));
  }
  /** Elements of this where `condition` is true, of `other` elsewhere (x.where(c, y) = torch.where(c, x, y)). */
  where(condition: Tensor, other: Tensor | number): Tensor {
    return new Tensor(native.where(unwrap(condition), this._native, unwrap(other)));
  }
  /** A copy with `value` where the bool `mask` is true. @example logits.maskedFill(mask, -Infinity) */
  maskedFill(mask: Tensor, value: number | boolean | Tensor): Tensor {
    return new Tensor(native.maskedFill(this._native, unwrap(mask), unwrap(value)));
  }
  maskedFill_(mask: Tensor, value: number | boolean | Tensor): this {
    native.maskedFill(this._native, unwrap(mask), unwrap(value), true);
    return this;
  }
  /** The (count, ndim) int64 indices of the non-zero elements. */
  nonzero(): Tensor {
    return new Tensor(native.nonzero(this._native));
  }

  // --- selection and indexing

  /**
   * Python's `x[...]`: each entry is an index (negative counts from the end),
   * a slice (':' , '1:3', '::2', '-3:' or [start, stop, step?] with null for
   * an open end), null (a new axis), '...' or a Tensor (int64 indices or a
   * bool mask). Integers and slices give views, as in PyTorch.
   * @example img.index(':', [16, 240], [16, 240]); batch.index(0); x.index('...', null)
   */
  index(...indices: IndexSpec[]): Tensor {
    return new Tensor(native.index(this._native, indices.map(indexEntry)));
  }
  /**
   * Python's `x[...] = value`, in place: `value` (a number or a tensor
   * broadcast to the indexed shape) is written where `indices` select.
   * `indices` is always a list: x.setItem([0, 2], v) is x[0, 2] = v, and
   * x.setItem([[0, 2]], v) is x[0:2] = v.
   * @example img.setItem([':', [0, 10]], 0); x.setItem([mask], other)
   */
  setItem(indices: readonly IndexSpec[], value: Tensor | number | boolean): this {
    if (!Array.isArray(indices)) throw new TypeError(`setItem: expected Array of indices for indices but received ${describe(indices)}`);
    native.setItem(this._native, indices.map(indexEntry), unwrap(value));
    return this;
  }
  /** `length` elements from `start` along `dim`, as a view. */
  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(native.narrow(this._native, dim, start, length));
  }
  /** The slice at `index` along `dim`, as a view with that dim removed (x[:, 3] is x.select(1, 3)). */
  select(dim: number, index: number): Tensor {
    return new Tensor(native.select(this._native, dim, index));
  }
  /** x[..., start:end:step] along `dim`, as a view; null for an open end. */
  slice(dim: number, start: number | null = null, end: number | null = null, step = 1): Tensor {
    return new Tensor(native.slice(this._native, dim, start, end, step));
  }
  /** The entries at the int64 `index` along `dim` (a copy). */
  indexSelect(dim: number, index: Tensor): Tensor {
    return new Tensor(native.indexSelect(this._native, dim, unwrap(index)));
  }
  /** out[i][j] = this[index[i][j]][j] for dim 0, and so on. */
  gather(dim: number, index: Tensor): Tensor {
    return new Tensor(native.gather(this._native, dim, unwrap(index)));
  }
  /** A copy with `src` (a tensor or a number) written at `index` along `dim`. */
  scatter(dim: number, index: Tensor, src: Tensor | number, options: { reduce?: 'add' | 'multiply' } = {}): Tensor {
    checkOptions('scatter', options, ['reduce']);
    return new Tensor(native.scatter(this._native, dim, unwrap(index), unwrap(src), options.reduce ?? null));
  }
  scatter_(dim: number, index: Tensor, src: Tensor | number, options: { reduce?: 'add' | 'multiply' } = {}): this {
    checkOptions('scatter_', options, ['reduce']);
    native.scatter(this._native, dim, unwrap(index), unwrap(src), options.reduce ?? null, true);
    return this;
  }
  /** A copy with `src` added at `index` along `dim` (differentiable in both). */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return new Tensor(native.scatterAdd(this._native, dim, unwrap(index), unwrap(src)));
  }
  scatterAdd_(dim: number, index: Tensor, src: Tensor): this {
    native.scatterAdd(this._native, dim, unwrap(index), unwrap(src), true);
    return this;
  }
  /** Elements at int64 indices into the flattened tensor. */
  take(index: Tensor): Tensor {
    return new Tensor(native.take(this._native, unwrap(index)));
  }
  /** The elements where the bool `mask` (broadcast) is true, as a 1-d tensor. */
  maskedSelect(mask: Tensor): Tensor {
    return new Tensor(native.maskedSelect(this._native, unwrap(mask)));
  }
  /** this[indices] = values (or += with accumulate), in place; null entries select a whole dim. */
  indexPut_(indices: readonly (Tensor | null)[], values: Tensor, options: { accumulate?: boolean } = {}): this {
    checkOptions('indexPut_', options, ['accumulate']);
    if (!Array.isArray(indices)) throw new TypeError(`indexPut_: expected Array of Tensor or null for indices but received ${describe(indices)}`);
    native.indexPut_(this._native, indices.map(unwrap), unwrap(values), options.accumulate ?? false);
    return this;
  }

  // --- pointwise math (in-place forms end in _)

  exp(): Tensor { return this._unary('exp'); }
  exp_(): this { return this._unary_('exp'); }
  expm1(): Tensor { return this._unary('expm1'); }
  expm1_(): this { return this._unary_('expm1'); }
  log(): Tensor { return this._unary('log'); }
  log_(): this { return this._unary_('log'); }
  log1p(): Tensor { return this._unary('log1p'); }
  log1p_(): this { return this._unary_('log1p'); }
  log2(): Tensor { return this._unary('log2'); }
  log2_(): this { return this._unary_('log2'); }
  log10(): Tensor { return this._unary('log10'); }
  log10_(): this { return this._unary_('log10'); }
  sqrt(): Tensor { return this._unary('sqrt'); }
  sqrt_(): this { return this._unary_('sqrt'); }
  rsqrt(): Tensor { return this._unary('rsqrt'); }
  rsqrt_(): this { return this._unary_('rsqrt'); }
  abs_(): this { return this._unary_('abs'); }
  neg_(): this { return this._unary_('neg'); }
  sign(): Tensor { return this._unary('sign'); }
  sign_(): this { return this._unary_('sign'); }
  floor(): Tensor { return this._unary('floor'); }
  floor_(): this { return this._unary_('floor'); }
  ceil(): Tensor { return this._unary('ceil'); }
  ceil_(): this { return this._unary_('ceil'); }
  /** Rounds half to even, like PyTorch (and unlike Math.round): 0.5 -> 0, 1.5 -> 2, 2.5 -> 2. */
  round(): Tensor { return this._unary('round'); }
  round_(): this { return this._unary_('round'); }
  trunc(): Tensor { return this._unary('trunc'); }
  trunc_(): this { return this._unary_('trunc'); }
  frac(): Tensor { return this._unary('frac'); }
  frac_(): this { return this._unary_('frac'); }
  reciprocal(): Tensor { return this._unary('reciprocal'); }
  reciprocal_(): this { return this._unary_('reciprocal'); }
  square(): Tensor { return this._unary('square'); }
  square_(): this { return this._unary_('square'); }
  sigmoid(): Tensor { return this._unary('sigmoid'); }
  sigmoid_(): this { return this._unary_('sigmoid'); }
  tanh(): Tensor { return this._unary('tanh'); }
  tanh_(): this { return this._unary_('tanh'); }
  sin(): Tensor { return this._unary('sin'); }
  sin_(): this { return this._unary_('sin'); }
  cos(): Tensor { return this._unary('cos'); }
  cos_(): this { return this._unary_('cos'); }
  /** this ** exponent (a tensor, broadcast, or a number). */
  pow(exponent: Tensor | number): Tensor {
    return new Tensor(native.pow(this._native, unwrap(exponent)));
  }
  pow_(exponent: Tensor | number): this {
    native.pow(this._native, unwrap(exponent), true);
    return this;
  }
  /** Limits to [min, max]; either bound may be null. @example x.clamp(0, 1); x.clamp(null, 6) */
  clamp(min: number | Tensor | null, max: number | Tensor | null = null): Tensor {
    return new Tensor(native.clamp(this._native, unwrap(min), unwrap(max)));
  }
  clamp_(min: number | Tensor | null, max: number | Tensor | null = null): this {
    native.clamp(this._native, unwrap(min), unwrap(max), true);
    return this;
  }
  /** this + weight * (end - this). */
  lerp(end: Tensor, weight: Tensor | number): Tensor {
    return new Tensor(native.lerp(this._native, unwrap(end), unwrap(weight)));
  }
  lerp_(end: Tensor, weight: Tensor | number): this {
    native.lerp(this._native, unwrap(end), unwrap(weight), true);
    return this;
  }
  /** this + value * tensor1 * tensor2. */
  addcmul(tensor1: Tensor, tensor2: Tensor, options: { value?: number } = {}): Tensor {
    checkOptions('addcmul', options, ['value']);
    return new Tensor(native.addcmul(this._native, unwrap(tensor1), unwrap(tensor2), options.value ?? null));
  }
  addcmul_(tensor1: Tensor, tensor2: Tensor, options: { value?: number } = {}): this {
    checkOptions('addcmul_', options, ['value']);
    native.addcmul(this._native, unwrap(tensor1), unwrap(tensor2), options.value ?? null, true);
    return this;
  }
  /** this + value * tensor1 / tensor2. */
  addcdiv(tensor1: Tensor, tensor2: Tensor, options: { value?: number } = {}): Tensor {
    checkOptions('addcdiv', options, ['value']);
    return new Tensor(native.addcdiv(this._native, unwrap(tensor1), unwrap(tensor2), options.value ?? null));
  }
  addcdiv_(tensor1: Tensor, tensor2: Tensor, options: { value?: number } = {}): this {
    checkOptions('addcdiv_', options, ['value']);
    native.addcdiv(this._native, unwrap(tensor1), unwrap(tensor2), options.value ?? null, true);
    return this;
  }
  private _unary(op: string): Tensor {
    return new Tensor(native.unary(op, this._native));
  }
  private _unary_(op: string): this {
    native.unary(op, this._native, true);
    return this;
  }

  // --- shapes

  /** Pieces of `splitSize` along `dim` (the last may be smaller), or pieces of the listed sizes. Views. */
  split(splitSize: number | readonly number[], dim = 0): Tensor[] {
    return native.split(this._native, splitSize, dim).map((h) => new Tensor(h));
  }
  /** `chunks` near-equal pieces along `dim` (fewer when the size does not allow). Views. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return native.chunk(this._native, chunks, dim).map((h) => new Tensor(h));
  }
  /** The slices along `dim`, each without that dim. Views. */
  unbind(dim = 0): Tensor[] {
    return native.unbind(this._native, dim).map((h) => new Tensor(h));
  }
  /** A broadcast view to `sizes` (-1 keeps a size). @example bias.view(1, -1, 1, 1).expand(n, -1, h, w) */
  expand(...sizes: (number | Shape)[]): Tensor {
    return new Tensor(native.expand(this._native, shapeFrom(sizes)));
  }
  expandAs(other: Tensor): Tensor {
    return this.expand(other.shape);
  }
  /** Tiles the tensor `repeats` times along each dim (a copy). */
  repeat(...repeats: (number | Shape)[]): Tensor {
    return new Tensor(native.repeat(this._native, shapeFrom(repeats)));
  }
  /** Reverses the order along `dims` (a copy). */
  flip(...dims: (number | Shape)[]): Tensor {
    return new Tensor(native.flip(this._native, shapeFrom(dims)));
  }
  /** Shifts elements circularly; without dims the flattened tensor rolls. */
  roll(shifts: number | readonly number[], dims?: number | readonly number[] | null): Tensor {
    return new Tensor(native.roll(this._native, shifts, dims ?? null));
  }
  /** Transpose of a tensor with <= 2 dims (a view). */
  t(): Tensor {
    return new Tensor(native.t(this._native));
  }
  /** Matrix product of 2-d tensors (no broadcasting). */
  mm(mat2: Tensor): Tensor {
    return new Tensor(native.mm(this._native, unwrap(mat2)));
  }
  /** Batched matrix product of 3-d tensors (no broadcasting). */
  bmm(mat2: Tensor): Tensor {
    return new Tensor(native.bmm(this._native, unwrap(mat2)));
  }
  /** Moves dims `source` to `destination` (a view). @example chw.movedim(0, -1) // HWC */
  movedim(source: number | readonly number[], destination: number | readonly number[]): Tensor {
    return new Tensor(native.movedim(this._native, source, destination));
  }

  // --- filling, dtypes, sizes, lists

  /** Fills with `value` in place (recorded by autograd, as Tensor.fill_). */
  fill_(value: number | boolean | Tensor): this {
    native.fillTensor_(this._native, unwrap(value));
    return this;
  }
  zero_(): this {
    native.zeroTensor_(this._native);
    return this;
  }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  half(): Tensor { return this.to('float16'); }
  bfloat16(): Tensor { return this.to('bfloat16'); }
  long(): Tensor { return this.to('int64'); }
  int(): Tensor { return this.to('int32'); }
  byte(): Tensor { return this.to('uint8'); }
  bool(): Tensor { return this.to('bool'); }
  /** The size of `dim` (negative counts from the end), or the whole shape. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number | number[] {
    const shape = this.shape;
    if (dim === undefined) return shape;
    if (!Number.isInteger(dim)) throw new TypeError(`size: expected integer for dim but received ${describe(dim)}`);
    const n = shape.length;
    if (dim < -n || dim >= n || n === 0) {
      throw new RangeError(`size: dim ${dim} is out of range for a tensor with ${n} dimensions (expected ${-n} to ${n - 1})`);
    }
    return shape[dim < 0 ? dim + n : dim];
  }
  /** The number of dimensions (as PyTorch's dim()). */
  dim(): number {
    return this.ndim;
  }
  /**
   * The elements as nested arrays, like PyTorch's tolist(): numbers for float
   * and integer dtypes (int64 beyond 2^53 loses precision, as item() does),
   * booleans for bool; a 0-d tensor gives a single value.
   */
  toList(): NestedList {
    const flat = this.dtype === 'float16' || this.dtype === 'bfloat16' ? tidy(() => this.to('float32').toArray()) : this.toArray();
    const values: (number | boolean)[] =
      this.dtype === 'bool' ? Array.from(flat as Uint8Array, (v) => v !== 0) : Array.from(flat as ArrayLike<number | bigint>, Number);
    const shape = this.shape;
    let position = 0;
    const build = (depth: number): NestedList => {
      if (depth === shape.length) return values[position++];
      const out: NestedList[] = [];
      for (let i = 0; i < shape[depth]; i++) out.push(build(depth + 1));
      return out;
    };
    return build(0);
  }

  toString(): string {
    return formatTensor(this);
  }
  [inspect.custom](): string {
    return formatTensor(this);
  }
}


// ---------------------------------------------------------------------------
// Types and helpers of the tensor surface (issue #11)

/** What two-result ops return, with PyTorch's namedtuple field names (max/min with a dim, topk, sort). */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

export interface UniqueOptions {
  sorted?: boolean;
  dim?: number | null;
  returnInverse?: boolean;
  returnCounts?: boolean;
}

/** torch.unique's (output, inverse_indices, counts); the ones not asked for are null. */
export interface UniqueResult {
  values: Tensor;
  inverseIndices: Tensor | null;
  counts: Tensor | null;
}

/** Nested arrays of numbers / booleans, as tolist() gives. */
export type NestedList = number | boolean | NestedList[];

/**
 * One entry of Tensor.index / setItem: an integer, a slice (':', '1:3', '::2',
 * or [start, stop, step?] with null for an open end), null (new axis), '...',
 * a boolean, or a Tensor (int64 indices or a bool mask).
 */
export type IndexSpec = number | string | null | boolean | Tensor | readonly [number | null, (number | null)?, (number | null)?];

function valuesIndices(handles: NativeTensor[]): ValuesIndices {
  return { values: new Tensor(handles[0]), indices: new Tensor(handles[1]) };
}

function extreme(t: Tensor, op: 'max' | 'min', dim: number | Tensor | undefined, options: { keepdim?: boolean } | undefined, argc: number): Tensor | ValuesIndices {
  if (dim instanceof Tensor) {
    if (argc > 1) throw new TypeError(`${op}: the element-wise form max(other) takes no options`);
    return new Tensor(native.compareOp(op === 'max' ? 'maximum' : 'minimum', t._native, dim._native));
  }
  if (dim === undefined && argc === 0) return new Tensor(op === 'max' ? native.max(t._native) : native.min(t._native));
  // A dim was passed: never fall back to the global extreme (x.max(1) must not ignore the 1).
  if (typeof dim !== 'number') throw new TypeError(`${op}: expected integer or Tensor for dim but received ${describe(dim)}`);
  checkOptions(op, options, ['keepdim']);
  const keepdim = options?.keepdim ?? false;
  return valuesIndices(op === 'max' ? native.maxDim(t._native, dim, keepdim) : native.minDim(t._native, dim, keepdim));
}

const SLICE = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/;

/** An IndexSpec as the addon reads it: slices become [start, stop, step] arrays. */
function indexEntry(spec: IndexSpec): unknown {
  if (spec instanceof Tensor) return spec._native;
  if (typeof spec === 'string') {
    if (spec === '...') return spec;
    const m = SLICE.exec(spec);
    if (m === null) throw new RangeError(`index: cannot read '${spec}' as an index (expected a slice like ':', '1:3', '::2', '-3:' or '...')`);
    const part = (s: string | undefined): number | null => (s === undefined ? null : Number(s));
    return [part(m[1]), part(m[2]), part(m[3])];
  }
  if (Array.isArray(spec)) return spec.map((v) => (v === undefined ? null : v));
  return spec;
}

const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'uint8', 'bool'];

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------
// Factories

/** @internal Wraps a factory's result and applies requiresGrad (freeing the tensor if that fails). */
export function finish(handle: NativeTensor, options: { requiresGrad?: boolean } | undefined): Tensor {
  const t = new Tensor(handle);
  if (options?.requiresGrad) {
    try {
      t.requiresGrad = true;
    } catch (error) {
      t.dispose(); // e.g. an int64 tensor: free it now rather than leave it to the GC
      throw error;
    }
  }
  return t;
}

const FACTORY_OPTIONS = ['dtype', 'device', 'requiresGrad'] as const;

type NestedNumbers = number | boolean | bigint | readonly NestedNumbers[];

function flattenNested(data: readonly NestedNumbers[], op: string): { values: (number | boolean | bigint)[]; shape: number[] } {
  const shape: number[] = [];
  let level: unknown = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const values: (number | boolean | bigint)[] = [];
  const walk = (v: unknown, depth: number, path: string): void => {
    if (depth < shape.length) {
      if (!Array.isArray(v) || v.length !== shape[depth]) {
        throw new RangeError(`${op}: nested arrays are not rectangular at data${path} (expected ${shape[depth]} elements)`);
      }
      v.forEach((x, i) => walk(x, depth + 1, `${path}[${i}]`));
    } else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
      values.push(v);
    } else {
      throw new TypeError(`${op}: expected number, boolean or bigint at data${path} but received ${describe(v)}`);
    }
  };
  walk(data, 0, '');
  return { values, shape };
}

/**
 * Makes a tensor from a TypedArray or (nested) number array. The data is copied.
 * A TypedArray keeps its element type (Float64Array -> float64, BigInt64Array -> int64, ...);
 * number arrays default to float32, boolean arrays to bool.
 * @example torch.tensor([[1, 2], [3, 4]]); torch.tensor(new Float32Array(6), [2, 3])
 */
export function tensor(data: TensorData | Uint8ClampedArray | readonly NestedNumbers[], shape?: Shape, options?: TensorOptions): Tensor {
  checkOptions('tensor', options, FACTORY_OPTIONS);
  const dtype = options?.dtype ?? null;
  const device = options?.device ?? null;
  if (ArrayBuffer.isView(data)) {
    const s = shape ?? [(data as TensorData).length];
    return finish(native.fromData(data, s, dtype, device), options);
  }
  if (!Array.isArray(data)) {
    throw new TypeError(`tensor: expected TypedArray or Array for data but received ${describe(data)}`);
  }
  const { values, shape: inferred } = flattenNested(data, 'tensor');
  const target: DType =
    dtype ?? (values.length > 0 && typeof values[0] === 'boolean' ? 'bool' : typeof values[0] === 'bigint' ? 'int64' : 'float32');
  let typed: TensorData;
  if (target === 'int64') {
    typed = new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i++) typed[i] = toInt64(values[i], i);
  } else {
    // float64 holds every JS number exactly; libtorch converts once, as
    // PyTorch does with Python numbers: nonzero (and NaN) is true for bool,
    // fractions truncate toward zero, and a value outside an integer dtype's
    // range is a RangeError (never a wrap).
    typed = Float64Array.from(values, (v) => Number(v));
  }
  return finish(native.fromData(typed, shape ?? inferred, target, device), options);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function toInt64(v: number | boolean | bigint, index: number): bigint {
  let b: bigint;
  if (typeof v === 'bigint') {
    b = v;
  } else {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new RangeError(`tensor: ${n} (element ${index}) cannot be converted to int64`);
    // Doubles at or past 2^63 are outside int64; BigInt of the truncation is exact below it.
    if (Math.abs(Math.trunc(n)) >= 2 ** 63 && Math.trunc(n) !== -(2 ** 63)) {
      throw new RangeError(`tensor: value ${n} (element ${index}) cannot be converted to int64 without overflow`);
    }
    b = BigInt(Math.trunc(n));
  }
  if (b < INT64_MIN || b > INT64_MAX) {
    throw new RangeError(`tensor: value ${b} (element ${index}) cannot be converted to int64 without overflow`);
  }
  return b;
}

/** @example torch.zeros([2, 3]) */
export function zeros(shape: Shape, options?: TensorOptions): Tensor {
  checkOptions('zeros', options, FACTORY_OPTIONS);
  return finish(native.zeros(shape, options?.dtype ?? null, options?.device ?? null), options);
}
/** @example torch.ones([2, 3], { dtype: 'float64' }) */
export function ones(shape: Shape, options?: TensorOptions): Tensor {
  checkOptions('ones', options, FACTORY_OPTIONS);
  return finish(native.ones(shape, options?.dtype ?? null, options?.device ?? null), options);
}
/** Uninitialised memory, like torch.empty. */
export function empty(shape: Shape, options?: TensorOptions): Tensor {
  checkOptions('empty', options, FACTORY_OPTIONS);
  return finish(native.empty(shape, options?.dtype ?? null, options?.device ?? null), options);
}
/** Uniform on [0, 1), from the generator `manualSeed` seeds. */
export function rand(shape: Shape, options?: TensorOptions): Tensor {
  checkOptions('rand', options, FACTORY_OPTIONS);
  return finish(native.rand(shape, options?.dtype ?? null, options?.device ?? null), options);
}
/** Standard normal, from the generator `manualSeed` seeds. @example torch.randn([2, 3]) */
export function randn(shape: Shape, options?: TensorOptions): Tensor {
  checkOptions('randn', options, FACTORY_OPTIONS);
  return finish(native.randn(shape, options?.dtype ?? null, options?.device ?? null), options);
}
/** @example torch.full([2, 2], 7) */
export function full(shape: Shape, value: number | boolean, options?: TensorOptions): Tensor {
  checkOptions('full', options, FACTORY_OPTIONS);
  const dtype = options?.dtype ?? (typeof value === 'boolean' ? 'bool' : null);
  return finish(native.full(shape, value, dtype, options?.device ?? null), options);
}

/**
 * Values from start (inclusive) to end (exclusive). Like PyTorch, whole-number
 * arguments give int64 and any fraction gives float32.
 * @example torch.arange(5); torch.arange(0, 1, 0.25)
 */
export function arange(end: number, options?: TensorOptions): Tensor;
export function arange(start: number, end: number, step?: number, options?: TensorOptions): Tensor;
export function arange(a: number, b?: number | TensorOptions, c?: number | TensorOptions, d?: TensorOptions): Tensor {
  let start = 0;
  let end: number;
  let step = 1;
  let options: TensorOptions | undefined;
  if (typeof b === 'number') {
    start = a;
    end = b;
    if (typeof c === 'number') {
      step = c;
      options = d;
    } else {
      options = c;
    }
  } else {
    end = a;
    options = b;
  }
  checkOptions('arange', options, FACTORY_OPTIONS);
  const integral = [start, end, step].every((v) => Number.isInteger(v));
  const dtype = options?.dtype ?? (integral ? 'int64' : 'float32');
  return finish(native.arange(start, end, step, dtype, options?.device ?? null), options);
}

/** A random permutation of 0..n-1 (int64), as torch.randperm. */
export function randperm(n: number): Tensor {
  return new Tensor(native.randperm(n));
}

/**
 * Seeds the generator PyTorch's torch.manual_seed seeds: same seed, same calls, same numbers.
 * Generators are per thread: the main thread uses libtorch's default generator (so results
 * match PyTorch's), and each worker thread has its own, so two workers seeded alike draw alike
 * and never take numbers from each other or from the main thread.
 */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

/** Concatenates tensors along `dim`. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors)) throw new TypeError(`cat: expected Array of Tensor for tensors but received ${describe(tensors)}`);
  return new Tensor(native.cat(tensors.map(unwrap), dim));
}
