// torch.nn.Module: a tree of submodules, parameters and buffers, each under
// the name PyTorch gives it, so that stateDict() keys are checkpoint keys
// ("layer1.0.bn1.running_mean") and a torchvision state_dict loads as is.
//
// Registration is the single source of truth for names: registerParameter /
// registerBuffer / registerModule store the value AND define the property of
// the same name on the module (an accessor), so `this.conv1` and the key
// "conv1.weight" cannot drift apart. Assigning the property later
// (`model.fc = new nn.Linear(512, 10)`) replaces the registered value, like
// PyTorch's __setattr__.

import { isGradEnabled } from '../autograd.js';
import { native, type NativePlan, type NativeTensor } from '../native.js';
import { getNumThreads } from '../runtime.js';
import { checkOptions, describe, type DType, isDType, keep, type Shape, Tensor, tidy, unwrap, zeros } from '../tensor.js';

type Kind = 'parameter' | 'buffer' | 'module';

const FLOATING: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16'];

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * Base class of every layer and model.
 *
 * @example
 * class Net extends nn.Module {
 *   declare fc: nn.Linear;                      // typed view of the registered child
 *   constructor() {
 *     super();
 *     this.registerModule('fc', new nn.Linear(4, 2)); // key prefix "fc."
 *   }
 *   forward(x: Tensor): Tensor { return this.fc.forward(x); }
 * }
 */
export abstract class Module {
  /** True in training mode (BatchNorm uses batch statistics); set with train() / eval(). */
  training = true;

  readonly #parameters = new Map<string, Tensor | null>();
  readonly #buffers = new Map<string, Tensor | null>();
  readonly #nonPersistent = new Set<string>();
  readonly #modules = new Map<string, Module | null>();
  // forwardAsync's recorded forwards, by call signature (see #planKey).
  readonly #plans = new Map<string, { plan: NativePlan; array: boolean; state: NativeTensor[] }>();

  /**
   * A fresh number on every change of this module's members (registration,
   * attribute assignment) or its tensors' dtype / device (to()): part of the
   * plan key, so a plan recorded before such a change is never replayed after it.
   */
  #version = 0;
  static #versions = 0;
  /** Plans kept per module (oldest dropped first): one per input shape a server sees. */
  static readonly PLAN_CACHE_SIZE = 64;

  /** The computation. Keep it a plain sequence of tensor ops (no JS-side math on values). */
  abstract forward(...inputs: any[]): any;

  // -------------------------------------------------------------------------
  // Registration

  /**
   * Registers a parameter under `name` (null registers the name without a
   * tensor, like PyTorch's `register_parameter('bias', None)`: it appears in
   * neither parameters() nor stateDict()). The tensor becomes a leaf that
   * requires grad and is exempt from `tidy`.
   */
  registerParameter<T extends Tensor | null>(name: string, value: T): T {
    this.#checkName('registerParameter', name);
    this.#parameters.set(name, Module.#asParameter(name, value));
    this.#defineAccessor(name, 'parameter');
    this.#version = ++Module.#versions;
    return value;
  }

  /**
   * Registers a buffer: state that is not trained (running_mean, ...). Persistent
   * buffers are part of stateDict(); non-persistent ones are not.
   */
  registerBuffer<T extends Tensor | null>(name: string, value: T, options: { persistent?: boolean } = {}): T {
    checkOptions('registerBuffer', options, ['persistent']);
    this.#checkName('registerBuffer', name);
    this.#buffers.set(name, Module.#asBuffer(name, value));
    if (options.persistent === false) this.#nonPersistent.add(name);
    this.#defineAccessor(name, 'buffer');
    this.#version = ++Module.#versions;
    return value;
  }

  /** Registers a child module; its keys get the prefix `name.`. */
  registerModule<M extends Module | null>(name: string, value: M): M {
    this.#checkName('registerModule', name);
    this.#modules.set(name, Module.#asModule(name, value));
    this.#defineAccessor(name, 'module');
    this.#version = ++Module.#versions;
    return value;
  }

  #checkName(op: string, name: string): void {
    if (typeof name !== 'string') throw new TypeError(`${op}: expected string for name but received ${describe(name)}`);
    if (name === '') throw new RangeError(`${op}: the name must not be empty`);
    if (name.includes('.')) throw new RangeError(`${op}: the name must not contain "." but received '${name}'`);
    if (this.#parameters.has(name) || this.#buffers.has(name) || this.#modules.has(name)) {
      throw new Error(`${op}: '${name}' is already registered on ${this.constructor.name}`);
    }
    // A class field declared without `declare` exists as an own property holding
    // undefined until the constructor body runs: that one may become the accessor.
    const own = Object.getOwnPropertyDescriptor(this, name);
    const placeholder = own !== undefined && 'value' in own && own.value === undefined;
    if (name in this && !placeholder) {
      throw new Error(`${op}: ${this.constructor.name} already has an attribute '${name}'`);
    }
  }

  #defineAccessor(name: string, kind: Kind): void {
    Object.defineProperty(this, name, {
      configurable: true,
      enumerable: true,
      get: () => (kind === 'parameter' ? this.#parameters : kind === 'buffer' ? this.#buffers : this.#modules).get(name) ?? null,
      set: (value: unknown) => {
        if (kind === 'parameter') this.#parameters.set(name, Module.#asParameter(name, value));
        else if (kind === 'buffer') this.#buffers.set(name, Module.#asBuffer(name, value));
        else this.#modules.set(name, Module.#asModule(name, value));
        this.#version = ++Module.#versions;
      },
    });
  }

  static #asParameter(name: string, value: unknown): Tensor | null {
    if (value === null) return null;
    if (!(value instanceof Tensor)) throw new TypeError(`parameter '${name}': expected Tensor or null but received ${describe(value)}`);
    if (!value.isLeaf) throw new TypeError(`parameter '${name}': expected a leaf tensor (detach() it first), like torch.nn.Parameter`);
    if (!value.requiresGrad && FLOATING.includes(value.dtype)) value.requiresGrad = true;
    return keep(value);
  }

  static #asBuffer(name: string, value: unknown): Tensor | null {
    if (value === null) return null;
    if (!(value instanceof Tensor)) throw new TypeError(`buffer '${name}': expected Tensor or null but received ${describe(value)}`);
    return keep(value);
  }

  static #asModule(name: string, value: unknown): Module | null {
    if (value === null) return null;
    if (!(value instanceof Module)) throw new TypeError(`module '${name}': expected Module or null but received ${describe(value)}`);
    return value;
  }

  // -------------------------------------------------------------------------
  // Traversal (all in registration order, as PyTorch's)

  /** Direct children with their names (null slots skipped). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    for (const [name, m] of this.#modules) {
      if (m !== null && !seen.has(m)) {
        seen.add(m);
        out.push([name, m]);
      }
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, depth first (pre-order), each once; this module's name is ''. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const walk = (m: Module, p: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [name, child] of m.#modules) if (child !== null) walk(child, p === '' ? name : `${p}.${name}`);
    };
    walk(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter with its dotted name ("layer1.0.conv1.weight"), each tensor once. */
  namedParameters(options: { recurse?: boolean } = {}): [string, Tensor][] {
    return this.#namedMembers((m) => m.#parameters, options.recurse ?? true);
  }

  parameters(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedParameters(options).map(([, t]) => t);
  }

  /** Every buffer (persistent or not) with its dotted name. */
  namedBuffers(options: { recurse?: boolean } = {}): [string, Tensor][] {
    return this.#namedMembers((m) => m.#buffers, options.recurse ?? true);
  }

  buffers(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(options).map(([, t]) => t);
  }

  #namedMembers(members: (m: Module) => Map<string, Tensor | null>, recurse: boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const modules: [string, Module][] = recurse ? this.namedModules() : [['', this]];
    for (const [prefix, m] of modules) {
      for (const [name, t] of members(m)) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        out.push([prefix === '' ? name : `${prefix}.${name}`, t]);
      }
    }
    return out;
  }

  /** Calls fn on every descendant and then on this module (PyTorch's apply order). */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  // -------------------------------------------------------------------------
  // Modes, devices, gradients

  /** Sets training mode on this module and every descendant. @example model.train() */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError(`train: expected boolean for mode but received ${describe(mode)}`);
    this.training = mode;
    for (const child of this.children()) child.train(mode);
    return this;
  }

  /** Evaluation mode (BatchNorm uses its running statistics). @example model.eval() */
  eval(): this {
    return this.train(false);
  }

  /**
   * Moves parameters and buffers to a device and/or casts the floating point
   * ones to a dtype, in place: every tensor keeps its identity (references held
   * by an optimizer stay valid), as `param.data = ...` does in PyTorch.
   * @example model.to('cuda'); model.to('float64'); model.to({ device: 'cuda', dtype: 'float16' })
   */
  to(target: DType | string | { dtype?: DType; device?: string }): this {
    let dtype: DType | null = null;
    let device: string | null = null;
    if (typeof target === 'string') {
      if (isDType(target)) dtype = target;
      else device = target;
    } else {
      checkOptions('Module.to', target, ['dtype', 'device']);
      dtype = target?.dtype ?? null;
      device = target?.device ?? null;
    }
    if (dtype !== null && !FLOATING.includes(dtype)) {
      throw new TypeError(`Module.to: only floating point dtypes are accepted, but got dtype=${dtype}`);
    }
    const convert = (t: Tensor): void => {
      const moved = t.to({ dtype: dtype !== null && FLOATING.includes(t.dtype) ? dtype : undefined, device: device ?? undefined });
      if (!moved.sharesStorageWith(t) || moved.dtype !== t.dtype) native.setData(unwrap(t), unwrap(moved));
      moved.dispose();
    };
    for (const m of this.modules()) {
      m.#version = ++Module.#versions;
      for (const t of [...m.#parameters.values(), ...m.#buffers.values()]) {
        if (t === null) continue;
        convert(t);
        const grad = t.grad;
        if (grad !== null) {
          convert(grad);
          grad.dispose();
        }
      }
    }
    return this;
  }

  /**
   * Clears the gradients of every parameter: to null (setToNone, the default,
   * as PyTorch 2.x) or to zeros in place.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    checkOptions('zeroGrad', options, ['setToNone']);
    const setToNone = options.setToNone ?? true;
    for (const p of this.parameters()) {
      const grad = p.grad;
      if (grad === null) continue;
      if (setToNone) {
        p.grad = null;
      } else {
        if (grad.requiresGrad && grad.isLeaf) grad.requiresGrad = false;
        native.fill_(unwrap(grad), 0);
      }
      grad.dispose();
    }
  }

  /** Frees every parameter and buffer now; the module is unusable afterwards. */
  dispose(): void {
    for (const m of this.modules()) {
      for (const t of [...m.#parameters.values(), ...m.#buffers.values()]) t?.dispose();
    }
  }

  // -------------------------------------------------------------------------
  // state_dict

  /**
   * Parameters and persistent buffers by PyTorch's key: per module its own
   * parameters, then its buffers, then its children recursively, in
   * registration order (num_batches_tracked included). The values are
   * detached tensors sharing storage with the module's.
   * @example torch.save('model.pth', model.stateDict())
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const save = (m: Module, prefix: string): void => {
      for (const [name, t] of m.#parameters) if (t !== null) out[prefix + name] = t.detach();
      for (const [name, t] of m.#buffers) if (t !== null && !m.#nonPersistent.has(name)) out[prefix + name] = t.detach();
      for (const [name, child] of m.#modules) if (child !== null) save(child, `${prefix}${name}.`);
    };
    save(this, '');
    return out;
  }

  /**
   * Copies values from `stateDict` into this module's parameters and buffers,
   * in place and without recording gradients (existing references stay valid).
   * A shape mismatch throws, naming the key; with `strict` (the default) a
   * missing or unexpected key throws too, as in PyTorch.
   * @example const { missingKeys, unexpectedKeys } = model.loadStateDict(torch.load('resnet18.pth'), { strict: false });
   */
  loadStateDict(stateDict: Record<string, Tensor>, options: { strict?: boolean } = {}): LoadStateDictResult {
    checkOptions('loadStateDict', options, ['strict']);
    if (stateDict === null || typeof stateDict !== 'object' || Array.isArray(stateDict) || stateDict instanceof Tensor) {
      throw new TypeError(`loadStateDict: expected an object of Tensors (key -> Tensor) but received ${describe(stateDict)}`);
    }
    const strict = options.strict ?? true;
    const missingKeys: string[] = [];
    const unexpectedKeys: string[] = [];
    const errors: string[] = [];
    const load = (m: Module, local: Record<string, unknown>, prefix: string): void => {
      m._loadStateDictPreHook(local, prefix);
      m.#loadOwn(local, prefix, missingKeys, unexpectedKeys, errors);
      for (const [name, child] of m.#modules) {
        if (child === null) continue;
        const childPrefix = `${prefix}${name}.`;
        const childLocal: Record<string, unknown> = {};
        for (const key of Object.keys(local)) if (key.startsWith(childPrefix)) childLocal[key] = local[key];
        load(child, childLocal, childPrefix);
      }
    };
    load(this, { ...stateDict }, '');
    if (strict) {
      if (unexpectedKeys.length > 0) errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}. `);
      if (missingKeys.length > 0) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}. `);
    }
    if (errors.length > 0) throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`);
    return { missingKeys, unexpectedKeys };
  }

  /**
   * @internal Lets a layer adapt old checkpoints before its own keys are read
   * (BatchNorm2d fills a missing num_batches_tracked, as PyTorch does).
   */
  protected _loadStateDictPreHook(_stateDict: Record<string, unknown>, _prefix: string): void {}

  #loadOwn(local: Record<string, unknown>, prefix: string, missing: string[], unexpected: string[], errors: string[]): void {
    const own = new Map<string, Tensor>();
    for (const [name, t] of this.#parameters) if (t !== null) own.set(name, t);
    for (const [name, t] of this.#buffers) if (t !== null && !this.#nonPersistent.has(name)) own.set(name, t);
    for (const [name, target] of own) {
      const key = prefix + name;
      if (!Object.prototype.hasOwnProperty.call(local, key)) {
        missing.push(key);
        continue;
      }
      const value = local[key];
      if (!(value instanceof Tensor)) {
        errors.push(`While copying the parameter named "${key}", expected Tensor from checkpoint but received ${describe(value)}`);
        continue;
      }
      const from = value.shape;
      const to = target.shape;
      if (from.length !== to.length || from.some((d, i) => d !== to[i])) {
        errors.push(
          `size mismatch for ${key}: copying a param with shape [${from.join(', ')}] from checkpoint, ` +
            `the shape in current model is [${to.join(', ')}].`,
        );
        continue;
      }
      try {
        native.copy_(unwrap(target), unwrap(value));
      } catch (error) {
        errors.push(`While copying the parameter named "${key}", an exception occurred: ${(error as Error).message}.`);
      }
    }
    for (const key of Object.keys(local)) {
      if (!key.startsWith(prefix)) continue;
      const head = key.slice(prefix.length).split('.', 1)[0];
      if (!this.#modules.has(head) && !own.has(head)) unexpected.push(key);
    }
  }

  // -------------------------------------------------------------------------
  // forwardAsync: the forward off the JS thread

  /**
   * Runs `forward(...inputs)` on a libuv worker thread and resolves with its
   * result (a Tensor, or the array of Tensors forward returns), bit-identical
   * to `forward`.
   *
   * How: the first call for a new signature (input shapes, dtypes and
   * devices, grad mode, every module's training flag) runs `forward` once on
   * the JS thread under libtorch's JIT tracer, which records the ATen ops it
   * calls into a plan cached on this module; that call resolves with the
   * traced run's own result. Later calls with the same signature replay the
   * plan with TorchScript's plain interpreter (no optimisation pass: the same
   * ops in the same order, hence the same bits) on a worker thread, with the
   * caller's grad mode and thread count. The parameters and buffers are the
   * plan's inputs, read at each call, so loadStateDict and optimizer steps are
   * seen; structural changes (registering or assigning members, to()) drop
   * the plans. Call `warmup` at start-up so no request pays for a trace.
   *
   * The worker holds its own references: disposing the inputs (or the model)
   * while a call runs is safe. Calls may overlap. `forward` must be a plain
   * sequence of tensor ops whose control flow depends only on the signature
   * (what tracing in PyTorch requires too).
   * @example const logits = await torch.noGrad(() => model.forwardAsync(x));
   */
  forwardAsync(...inputs: Tensor[]): Promise<any> {
    try {
      inputs.forEach((x, i) => {
        if (!(x instanceof Tensor)) throw new TypeError(`forwardAsync: expected Tensor for input ${i} but received ${describe(x)}`);
        if (x.isDisposed) throw new Error(`forwardAsync: input ${i} is a disposed Tensor`);
      });
      if (inputs.length === 0) throw new TypeError('forwardAsync: expected at least one input Tensor');
      const grad = isGradEnabled();
      const key = this.#planKey(inputs, grad);
      const plan = this.#plans.get(key);
      if (plan === undefined) {
        const state = this.#stateTensors();
        return Promise.resolve(this.#trace(key, state.length, [...state, ...inputs].map((t) => t._native)));
      }
      // The key covers every module's version, so the parameters and buffers
      // recorded with the plan are still the module's own (same objects).
      let pending: Promise<NativeTensor[]>;
      try {
        pending = native.jitRun(plan.plan, [...plan.state, ...inputs.map((t) => t._native)], grad, getNumThreads());
      } catch (error) {
        this.#stateTensors(); // names a disposed parameter or buffer, if that is the cause
        throw error;
      }
      return pending.then((outputs) => Module.#results(outputs, plan.array));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Records the forward for each call signature now (on the JS thread), so
   * that no later forwardAsync call pays for tracing: one shape per call, or
   * an array of shapes for a forward taking several inputs. Run it in the
   * mode and grad mode the server uses:
   * `model.eval(); noGrad(() => model.warmup([[1, 3, 224, 224], [8, 3, 224, 224]]))`.
   * Refuses a model in training mode, whose forward would update BatchNorm statistics.
   */
  warmup(calls: (Shape | Shape[])[], options: { dtype?: DType; device?: string } = {}): void {
    checkOptions('warmup', options, ['dtype', 'device']);
    if (!Array.isArray(calls) || calls.some((c) => !Array.isArray(c))) {
      throw new TypeError(`warmup: expected Array of shapes (number[][], or number[][][] for several inputs) but received ${describe(calls)}`);
    }
    if (this.modules().some((m) => m.training)) {
      throw new Error('warmup: the model is in training mode, where a forward changes its state (BatchNorm statistics); call model.eval() first');
    }
    for (const call of calls) {
      const shapes = (call.length > 0 && Array.isArray(call[0]) ? call : [call]) as Shape[];
      tidy(() => {
        const xs = shapes.map((shape) => zeros(shape, { dtype: options.dtype ?? 'float32', device: options.device }));
        const key = this.#planKey(xs, isGradEnabled());
        if (!this.#plans.has(key)) {
          const state = this.#stateTensors();
          this.#trace(key, state.length, [...state, ...xs].map((t) => t._native));
        }
      });
    }
  }

  /** Forgets every recorded forward (for changes the module cannot see, e.g. a flag forward branches on). */
  clearPlans(): void {
    this.#plans.clear();
  }

  /** How many recorded forwards are cached on this module. */
  get planCount(): number {
    return this.#plans.size;
  }

  /**
   * Writes the forward recorded for `example`'s signature as a TorchScript
   * module (parameters and buffers included) that Python loads with
   * `torch.jit.load(path)`. Attribute names are the state_dict keys with '.' -> '_'.
   * @example model.eval(); noGrad(() => model.exportTorchScript('model.pt', torch.zeros([1, 3, 224, 224])))
   */
  exportTorchScript(path: string, ...example: Tensor[]): void {
    if (typeof path !== 'string') throw new TypeError(`exportTorchScript: expected string for path but received ${describe(path)}`);
    if (example.length === 0 || example.some((x) => !(x instanceof Tensor))) {
      throw new TypeError('exportTorchScript: expected one or more example input Tensors after the path');
    }
    const named = [...this.namedParameters(), ...this.namedBuffers()];
    const state = named.map(([, t]) => t);
    const key = this.#planKey(example, isGradEnabled());
    if (!this.#plans.has(key)) {
      const result = this.#trace(key, state.length, [...state, ...example].map((t) => t._native));
      for (const t of Array.isArray(result) ? result : [result]) t.dispose();
    }
    native.jitSave(this.#plans.get(key)?.plan, named.map(([name]) => name), state.map((t) => t._native), path);
  }

  #stateTensors(): Tensor[] {
    const state = [...this.parameters(), ...this.buffers()];
    state.forEach((t) => {
      if (t.isDisposed) throw new Error('forwardAsync: a parameter or buffer of the model is disposed');
    });
    return state;
  }

  #planKey(inputs: Tensor[], grad: boolean): string {
    // Every module's training flag and version: the tree's structure and modes.
    const tree = this.modules().map((m) => `${m.training ? 't' : 'e'}${m.#version}`).join(',');
    const signature = inputs.map((x) => `${x.dtype}@${x.device}[${x.shape.join(',')}]`).join(';');
    return `${signature}|${grad ? 'grad' : 'nograd'}|${tree}`;
  }

  #trace(key: string, stateCount: number, handles: NativeTensor[]): Tensor | Tensor[] {
    const produced: Tensor[] = [];
    let array = false;
    const { plan, outputs } = native.jitTrace((traced) => {
      const result: unknown = tidy(() => this.forward(...traced.slice(stateCount).map((h) => new Tensor(h))));
      array = Array.isArray(result);
      const tensors = Array.isArray(result) ? result : [result];
      for (const t of tensors) {
        if (!(t instanceof Tensor)) {
          throw new TypeError(`forwardAsync: ${this.constructor.name}.forward must return a Tensor or an array of Tensors, but returned ${describe(t)}`);
        }
        produced.push(t);
      }
      return tensors.map((t: Tensor) => t._native);
    }, handles);
    // The native side holds the results now; the JS wrappers made inside forward can go.
    for (const t of produced) if (!handles.includes(t._native)) t.dispose();
    if (this.#plans.size >= Module.PLAN_CACHE_SIZE) this.#plans.delete(this.#plans.keys().next().value as string);
    this.#plans.set(key, { plan, array, state: handles.slice(0, stateCount) });
    return Module.#results(outputs, array);
  }

  static #results(outputs: NativeTensor[], array: boolean): Tensor | Tensor[] {
    const tensors = outputs.map((h) => new Tensor(h));
    return array ? tensors : tensors[0];
  }

  // -------------------------------------------------------------------------
  // Printing

  /** The layer's settings for toString(), e.g. "3, 64, kernelSize=[7, 7], stride=[2, 2]". */
  extraRepr(): string {
    return '';
  }

  toString(): string {
    const lines: string[] = [];
    for (const [name, child] of this.#modules) {
      const text = child === null ? 'null' : child.toString();
      lines.push(`(${name}): ${text.split('\n').join('\n  ')}`);
    }
    const extra = this.extraRepr();
    if (lines.length === 0) return `${this.constructor.name}(${extra})`;
    const head = extra === '' ? [] : [extra];
    return `${this.constructor.name}(\n  ${[...head, ...lines].join('\n  ')}\n)`;
  }
}
