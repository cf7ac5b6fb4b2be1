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

/**
 * Runs `fn` and disposes every tensor created inside it, except the tensors
 * it returns (a Tensor, or Tensors anywhere inside arrays, objects, Maps, Sets or class
 * instances it returns) and those
 * passed to `keep()`. Returned tensors move to the enclosing scope. If `fn`
 * throws, everything it created is disposed and the error is rethrown.
 *
 * @example
 * const probs = torch.tidy(() => model.forward(x).softmax(1)); // logits freed
 */
export function tidy<R>(fn: () => R): R {
  if (typeof fn !== 'function') throw new TypeError(`tidy: expected function for fn but received ${describe(fn)}`);
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
  if (result instanceof Promise) {
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
  /** The largest element, as a 0-d tensor. */
  max(): Tensor {
    return new Tensor(native.max(this._native));
  }
  /** The smallest element, as a 0-d tensor. */
  min(): Tensor {
    return new Tensor(native.min(this._native));
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

  toString(): string {
    return formatTensor(this);
  }
  [inspect.custom](): string {
    return formatTensor(this);
  }
}

const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'uint8', 'bool'];

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------
// Factories

function finish(handle: NativeTensor, options: TensorOptions | undefined): Tensor {
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
