// Containers: Sequential, ModuleList, ModuleDict, ParameterList. Children are
// named "0", "1", ... (so keys read "layer1.0.conv1.weight") or by their dict key.

import { describe, type Tensor } from '../tensor.js';
import { AdaptiveAvgPool2d, MaxPool2d } from './pooling.js';
import { BatchNorm2d } from './normalization.js';
import { Conv2d } from './conv.js';
import { Flatten } from './flatten.js';
import { Identity, Linear } from './linear.js';
import { type AnyModule, isRetained, Module, Parameter } from './module.js';
import { ReLU } from './activation.js';
import { AvgPool2d, BatchNorm1d, Conv1d, Embedding, GroupNorm, LayerNorm, LogSoftmax, Softmax, Upsample } from './layers.js';

// Layers whose forward keeps no reference to its input or output, so a
// Sequential may free an intermediate once the next layer has used it.
const RELEASING = new Set<unknown>([
  Conv2d, BatchNorm2d, ReLU, MaxPool2d, AdaptiveAvgPool2d, Flatten, Identity, Linear,
  AvgPool2d, BatchNorm1d, Conv1d, Embedding, GroupNorm, LayerNorm, LogSoftmax, Softmax, Upsample,
]);

/**
 * True when `m` keeps no reference to the tensors it receives or returns: a
 * library layer, a Sequential of such, or a user class that declares
 * `static readonly releasesTensors = true`.
 */
export function releasesTensors(m: AnyModule): boolean {
  if (m._hasForwardHooks()) return false;
  if (m instanceof Sequential) return [...m].every(releasesTensors);
  return RELEASING.has(m.constructor) || (m.constructor as { releasesTensors?: unknown }).releasesTensors === true;
}

/**
 * Runs `modules` one after the other on `input` (as a Sequential does) and
 * frees each intermediate as soon as the next module has read it, as Python
 * drops a temporary when its name is rebound: autograd keeps what it saved,
 * so inference peak memory stays PyTorch eager's. `input` is never freed; an
 * intermediate is kept when the module that made it or the one that read it
 * may hold on to it (a hook saw it, a user module without
 * `static releasesTensors = true`). A module of your own uses it for its
 * straight runs of layers.
 * @example forward(x) { return nn.forwardChain(x, [this.conv1, this.bn1, this.relu]); }
 */
export function forwardChain(input: Tensor, modules: Iterable<AnyModule>): Tensor {
  let x = input;
  let producer: AnyModule | null = null;
  for (const m of modules) {
    const y = (m as Module<[Tensor], Tensor>).forward(x);
    if (x !== input && y !== x && producer !== null) release(x, producer, m);
    producer = m;
    x = y;
  }
  return x;
}

/**
 * Frees `t` now when no module in `users` (those that made it or read it)
 * can have kept a reference to it and no hook has seen it; else leaves it
 * to the enclosing `tidy`. Returns true when it freed it.
 * @example const id = this.downsample.forward(x); out.add_(id); nn.release(id, this.downsample);
 */
export function release(t: Tensor, ...users: AnyModule[]): boolean {
  if (isRetained(t) || !users.every(releasesTensors)) return false;
  t.dispose();
  return true;
}

function checkIndex(op: string, index: number, length: number): number {
  if (typeof index !== 'number' || !Number.isInteger(index)) throw new TypeError(`${op}: expected an integer index but received ${describe(index)}`);
  const i = index < 0 ? length + index : index;
  if (i < 0 || i >= length) throw new RangeError(`${op}: index ${index} is out of range for ${length} modules`);
  return i;
}

// PyTorch's slice arithmetic (start/end clamped, negatives from the end).
function sliceRange(length: number, start = 0, end = length): number[] {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? length + v : v, 0), length);
  const out: number[] = [];
  for (let i = clamp(start); i < clamp(end); i++) out.push(i);
  return out;
}

/**
 * Runs its modules one after the other. The type parameter is the modules'
 * type, so `seq.at(0)` is typed: `new nn.Sequential<Bottleneck>(...)`.
 * @example new nn.Sequential(conv1x1(64, 256), new nn.BatchNorm2d(256)) // keys "0.weight", "1.running_mean", ...
 */
export class Sequential<M extends Module = Module> extends Module {
  #length = 0;

  // NoInfer: `new Sequential(conv, bn, relu)` is a Sequential<Module> (mixed
  // layers have no best common type to infer); `new Sequential<Block>(...)`
  // types at() and checks the arguments.
  constructor(...modules: NoInfer<M>[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end, under the next index. */
  append(module: M): this {
    this.registerModule(String(this.#length), module);
    this.#length += 1;
    return this;
  }

  get length(): number {
    return this.#length;
  }

  /** The module at `index` (negative counts from the end). @example model.layer1.at(-1) */
  at(index: number): M {
    const i = checkIndex('Sequential.at', index, this.#length);
    return (this as unknown as Record<string, M>)[String(i)];
  }

  /**
   * A new Sequential holding (sharing, not copying) the modules start..end-1,
   * as PyTorch's `seq[start:end]`; negative bounds count from the end.
   * @example const trunk = model.layer1.slice(0, -1)
   */
  slice(start?: number, end?: number): Sequential<M> {
    return new Sequential<M>(...sliceRange(this.#length, start, end).map((i) => this.at(i)));
  }

  *[Symbol.iterator](): IterableIterator<M> {
    for (let i = 0; i < this.#length; i++) yield this.at(i);
  }

  forward(input: Tensor): Tensor {
    return forwardChain(input, this);
  }
}

/**
 * Holds modules in a list (torch.nn.ModuleList): registered, so their
 * parameters count, but with no forward of its own.
 * @example this.blocks = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4)]);
 */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<[], never> {
  #length = 0;

  constructor(modules: Iterable<M> = []) {
    super();
    if (modules === null || typeof modules !== 'object' || !(Symbol.iterator in modules)) {
      throw new TypeError(`ModuleList: expected an iterable of Modules but received ${describe(modules)}`);
    }
    for (const m of modules) this.append(m);
  }

  append(module: M): this {
    if (!(module instanceof Module)) throw new TypeError(`ModuleList.append: expected Module but received ${describe(module)}`);
    this.registerModule(String(this.#length), module);
    this.#length += 1;
    return this;
  }

  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  get length(): number {
    return this.#length;
  }

  at(index: number): M {
    const i = checkIndex('ModuleList.at', index, this.#length);
    return (this as unknown as Record<string, M>)[String(i)];
  }

  /** Replaces the module at `index` (keeps its key). */
  set(index: number, module: M): void {
    const i = checkIndex('ModuleList.set', index, this.#length);
    if (!(module instanceof Module)) throw new TypeError(`ModuleList.set: expected Module but received ${describe(module)}`);
    (this as unknown as Record<string, M>)[String(i)] = module;
  }

  slice(start?: number, end?: number): ModuleList<M> {
    return new ModuleList<M>(sliceRange(this.#length, start, end).map((i) => this.at(i)));
  }

  *[Symbol.iterator](): IterableIterator<M> {
    for (let i = 0; i < this.#length; i++) yield this.at(i);
  }

  forward(): never {
    throw new Error('ModuleList has no forward: iterate over it and call each module');
  }
}

/**
 * Holds modules by name (torch.nn.ModuleDict), in insertion order.
 * @example this.heads = new nn.ModuleDict({ cls: new nn.Linear(512, 10), box: new nn.Linear(512, 4) });
 */
export class ModuleDict<M extends AnyModule = AnyModule> extends Module<[], never> {
  readonly #keys: string[] = [];

  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    if (modules === null || typeof modules !== 'object') throw new TypeError(`ModuleDict: expected an object of Modules but received ${describe(modules)}`);
    const entries = Symbol.iterator in modules ? [...(modules as Iterable<[string, M]>)] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }

  /** Adds or replaces the module under `key`. */
  set(key: string, module: M): void {
    if (!(module instanceof Module)) throw new TypeError(`ModuleDict.set: expected Module for '${key}' but received ${describe(module)}`);
    if (this.#keys.includes(key)) {
      (this as unknown as Record<string, M>)[key] = module;
    } else {
      this.registerModule(key, module);
      this.#keys.push(key);
    }
  }

  get(key: string): M | undefined {
    return this.#keys.includes(key) ? (this as unknown as Record<string, M>)[key] : undefined;
  }

  has(key: string): boolean {
    return this.#keys.includes(key);
  }

  keys(): string[] {
    return [...this.#keys];
  }

  values(): M[] {
    return this.#keys.map((k) => this.get(k)!);
  }

  entries(): [string, M][] {
    return this.#keys.map((k) => [k, this.get(k)!]);
  }

  get size(): number {
    return this.#keys.length;
  }

  forward(): never {
    throw new Error('ModuleDict has no forward: look modules up with get() and call them');
  }
}

/**
 * Holds parameters in a list (torch.nn.ParameterList); keys "0", "1", ...
 * @example this.scales = new nn.ParameterList([torch.ones([4]), torch.ones([4])]);
 */
export class ParameterList extends Module<[], never> {
  #length = 0;

  constructor(parameters: Iterable<Tensor> = []) {
    super();
    for (const p of parameters) this.append(p);
  }

  append(parameter: Tensor): this {
    this.registerParameter(String(this.#length), Parameter(parameter, parameter.requiresGrad || ['float32', 'float64', 'float16', 'bfloat16'].includes(parameter.dtype)));
    this.#length += 1;
    return this;
  }

  get length(): number {
    return this.#length;
  }

  at(index: number): Tensor {
    const i = checkIndex('ParameterList.at', index, this.#length);
    return (this as unknown as Record<string, Tensor>)[String(i)];
  }

  *[Symbol.iterator](): IterableIterator<Tensor> {
    for (let i = 0; i < this.#length; i++) yield this.at(i);
  }

  forward(): never {
    throw new Error('ParameterList has no forward');
  }
}
