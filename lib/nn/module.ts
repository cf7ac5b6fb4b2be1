// torch.nn.Module: a tree of submodules, parameters and buffers, each under
// the name PyTorch gives it, so that stateDict() keys are checkpoint keys
// ("layer1.0.bn1.running_mean") and a torchvision state_dict loads as is.
//
// Registration is the single source of truth for names, as PyTorch's
// __setattr__: the constructor returns a Proxy whose defineProperty trap sees
// every attribute write (`this.conv = ...` assignments and class fields
// defined with useDefineForClassFields alike), registers Modules,
// nn.Parameter and nn.Buffer tensors under the attribute's name, and keeps a
// registered name registered when it is reassigned. Reads go straight to the
// target (no get trap), so `this.conv1` costs what a plain property costs.

import { capturesGradMode, isGradEnabled, registerHook } from '../autograd.js';
import { native, type NativePlan, type NativeTensor } from '../native.js';
import { getNumThreads } from '../runtime.js';
import { checkOptions, describe, type DType, isDType, keep, type Shape, Tensor, tidy, unwrap, zeros } from '../tensor.js';

const FLOATING: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16'];

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** What a register* call returns: call remove() to unregister the hook. */
export interface RemovableHandle {
  readonly id: number;
  remove(): void;
}

/** A forward pre-hook: sees the inputs; may return replacement inputs (an array, or one value). */
export type ForwardPreHook<M extends AnyModule = AnyModule> = (module: M, inputs: unknown[]) => unknown;
/** A forward hook: sees the inputs and the output; may return a replacement output. */
export type ForwardHook<M extends AnyModule = AnyModule> = (module: M, inputs: unknown[], output: unknown) => unknown;
/**
 * A full backward hook: the gradients w.r.t. the module's tensor inputs
 * (null where an input needs none) and outputs; may return replacement input
 * gradients (a module with one tensor input only).
 */
export type BackwardHook<M extends AnyModule = AnyModule> = (
  module: M,
  gradInput: (Tensor | null)[],
  gradOutput: (Tensor | null)[],
) => (Tensor | null)[] | undefined | void;

/** Any module, whatever its forward's signature (the top type: narrow it with instanceof to call forward). */
export type AnyModule = Module<never, unknown>;

// Tensors marked by nn.Parameter() / nn.Buffer(): assigning one to a module
// attribute registers it, as PyTorch's __setattr__ does for nn.Parameter.
const PARAMETERS = new WeakSet<Tensor>();
const BUFFERS = new WeakMap<Tensor, { persistent: boolean }>();
// Tensors a user may hold on to: handed to a hook, or stored as a plain
// attribute of a module. Sequential never disposes these.
const RETAINED = new WeakSet<Tensor>();

/** @internal True when user code may hold `t` (a hook saw it, or a module attribute refers to it). */
export function isRetained(t: Tensor): boolean {
  return RETAINED.has(t);
}

/**
 * Marks a tensor as a parameter (torch.nn.Parameter): assigned to a module
 * attribute it is registered under that name. Floating point tensors get
 * requiresGrad (unless `requiresGrad` is false).
 * @example this.scale = nn.Parameter(torch.ones([1]));   // key "scale"
 */
export function Parameter(data: Tensor, requiresGrad = true): Tensor {
  if (!(data instanceof Tensor)) throw new TypeError(`Parameter: expected Tensor for data but received ${describe(data)}`);
  if (typeof requiresGrad !== 'boolean') throw new TypeError(`Parameter: expected boolean for requiresGrad but received ${describe(requiresGrad)}`);
  if (!data.isLeaf) throw new TypeError('Parameter: expected a leaf tensor (detach() it first)');
  if (FLOATING.includes(data.dtype)) data.requiresGrad = requiresGrad;
  else if (requiresGrad) throw new TypeError(`Parameter: only floating point tensors can require gradients, but got dtype=${data.dtype} (pass requiresGrad=false)`);
  PARAMETERS.add(data);
  return keep(data);
}

/**
 * Marks a tensor as a buffer (torch.nn.Buffer): assigned to a module
 * attribute it is registered as a buffer (persistent by default, i.e. in stateDict()).
 * @example this.runningMean = nn.Buffer(torch.zeros([4]));
 */
export function Buffer(data: Tensor, options: { persistent?: boolean } = {}): Tensor {
  if (!(data instanceof Tensor)) throw new TypeError(`Buffer: expected Tensor for data but received ${describe(data)}`);
  checkOptions('Buffer', options, ['persistent']);
  const persistent = options.persistent ?? true;
  if (typeof persistent !== 'boolean') throw new TypeError(`Buffer: expected boolean for persistent but received ${describe(persistent)}`);
  BUFFERS.set(data, { persistent });
  return keep(data);
}

/** True for tensors made by nn.Parameter() or registered as a module's parameter. */
export function isParameter(t: unknown): boolean {
  return t instanceof Tensor && PARAMETERS.has(t);
}

interface ModuleState {
  target: AnyModule;
  parameters: Map<string, Tensor | null>;
  buffers: Map<string, Tensor | null>;
  nonPersistent: Set<string>;
  modules: Map<string, AnyModule | null>;
  forwardPreHooks: Map<number, ForwardPreHook<AnyModule>>;
  forwardHooks: Map<number, ForwardHook<AnyModule>>;
  backwardHooks: Map<number, BackwardHook<AnyModule>>;
  hooked: boolean;
  /** forwardAsync's recorded forwards, by call signature (see planKey). */
  plans: Map<string, { plan: NativePlan; array: boolean; state: NativeTensor[] }>;
  /**
   * A fresh number on every change of this module's members (registration,
   * attribute assignment, deletion) or its tensors' dtype / device (to()):
   * part of the plan key, so a plan recorded before such a change is never
   * replayed after it.
   */
  version: number;
}

// Module's own state lives here rather than in #private fields: the
// constructor returns a Proxy (so that `this.conv = new nn.Conv2d(...)`
// registers), and private fields cannot be read through a Proxy.
const STATE = new WeakMap<object, ModuleState>();
let nextHookId = 0;
let versions = 0;

/** Marks a module's members as changed (forwardAsync's plans keyed on the old version are never used again). */
function touch(s: ModuleState): void {
  s.version = ++versions;
}

function st(m: AnyModule): ModuleState {
  const s = STATE.get(m);
  if (s === undefined) throw new TypeError('Module: method called on an object that is not a Module');
  return s;
}

function typeName(value: unknown): string {
  if (value instanceof Module) return value.constructor.name;
  return describe(value);
}

/** The Proxy trap: every attribute write ends here (plain assignment and class-field definitions alike). */
function defineAttribute(s: ModuleState, name: string | symbol, desc: PropertyDescriptor): boolean {
  if (typeof name !== 'string' || !('value' in desc)) return Reflect.defineProperty(s.target, name, desc);
  const value: unknown = desc.value;
  const isField = desc.writable === true && desc.enumerable === true && desc.configurable === true;
  const registered = s.parameters.has(name) || s.buffers.has(name) || s.modules.has(name);
  // `conv!: Conv2d` as a class field defines `undefined` after the constructor
  // of a base class may have registered it: keep the registration.
  if (value === undefined && isField && registered) return true;
  const store = (v: unknown): boolean => {
    touch(s);
    return Reflect.defineProperty(s.target, name, { value: v, writable: true, enumerable: true, configurable: true });
  };
  if (value instanceof Tensor && PARAMETERS.has(value)) {
    s.buffers.delete(name);
    s.nonPersistent.delete(name);
    s.modules.delete(name);
    s.parameters.set(name, asParameter(name, value));
    return store(value);
  }
  if (s.parameters.has(name)) {
    if (value !== null && !(value instanceof Tensor)) {
      throw new TypeError(`cannot assign '${typeName(value)}' as parameter '${name}' (expected Tensor or null, e.g. nn.Parameter(t))`);
    }
    s.parameters.set(name, asParameter(name, value));
    return store(value);
  }
  if (value instanceof Module) {
    s.parameters.delete(name);
    s.buffers.delete(name);
    s.nonPersistent.delete(name);
    s.modules.set(name, value);
    return store(value);
  }
  if (s.modules.has(name)) {
    if (value !== null) throw new TypeError(`cannot assign '${typeName(value)}' as child module '${name}' (expected Module or null)`);
    s.modules.set(name, null);
    return store(null);
  }
  if (value instanceof Tensor && BUFFERS.has(value)) {
    s.parameters.delete(name);
    s.modules.delete(name);
    s.buffers.set(name, asBuffer(name, value));
    if (BUFFERS.get(value)!.persistent) s.nonPersistent.delete(name);
    else s.nonPersistent.add(name);
    return store(value);
  }
  if (s.buffers.has(name)) {
    if (value !== null && !(value instanceof Tensor)) {
      throw new TypeError(`cannot assign '${typeName(value)}' as buffer '${name}' (expected Tensor or null)`);
    }
    s.buffers.set(name, asBuffer(name, value));
    return store(value);
  }
  if (value instanceof Tensor) RETAINED.add(value);
  return Reflect.defineProperty(s.target, name, desc);
}

function deleteAttribute(s: ModuleState, name: string | symbol): boolean {
  if (typeof name === 'string') {
    touch(s);
    s.parameters.delete(name);
    s.buffers.delete(name);
    s.nonPersistent.delete(name);
    s.modules.delete(name);
  }
  return Reflect.deleteProperty(s.target, name);
}

function asParameter(name: string, value: unknown): Tensor | null {
  if (value === null) return null;
  if (!(value instanceof Tensor)) throw new TypeError(`parameter '${name}': expected Tensor or null but received ${describe(value)}`);
  if (!value.isLeaf) throw new TypeError(`parameter '${name}': expected a leaf tensor (detach() it first), like torch.nn.Parameter`);
  if (!value.requiresGrad && FLOATING.includes(value.dtype) && !PARAMETERS.has(value)) value.requiresGrad = true;
  PARAMETERS.add(value);
  return keep(value);
}

function asBuffer(name: string, value: unknown): Tensor | null {
  if (value === null) return null;
  if (!(value instanceof Tensor)) throw new TypeError(`buffer '${name}': expected Tensor or null but received ${describe(value)}`);
  return keep(value);
}

function asModule(name: string, value: unknown): AnyModule | null {
  if (value === null) return null;
  if (!(value instanceof Module)) throw new TypeError(`module '${name}': expected Module or null but received ${describe(value)}`);
  return value;
}

/** Hands a value to user code (a hook): its tensors are the user's from now on, never disposed by tidy or Sequential. */
function retain(value: unknown, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (value instanceof Tensor) {
    RETAINED.add(value);
    keep(value);
  } else if (Array.isArray(value)) {
    for (const v of value) retain(v, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) retain(v, depth + 1);
  }
}

function callWithHooks(m: AnyModule, s: ModuleState, original: (...args: unknown[]) => unknown, inputs: unknown[]): unknown {
  let args = inputs;
  for (const hook of [...s.forwardPreHooks.values()]) {
    retain(args);
    const replaced = hook(m, args);
    if (replaced !== undefined) args = Array.isArray(replaced) ? replaced : [replaced];
  }
  const backward = s.backwardHooks.size > 0 && isGradEnabled();
  // Full backward hooks: the module runs on stand-ins of its tensor inputs and
  // returns a stand-in of its output (x.mul(1), exact in value and gradient),
  // whose gradient hooks see exactly this module's share of the gradients,
  // as PyTorch's BackwardHookFunction identity nodes do.
  const inputSlots: number[] = [];
  if (backward) {
    args = args.map((a, i) => {
      if (a instanceof Tensor && a.requiresGrad) {
        inputSlots.push(i);
        return a.mul(1);
      }
      return a;
    });
  }
  let output = original.apply(m, args);
  if (backward && output instanceof Tensor && output.requiresGrad) output = attachBackwardHooks(m, s, args, inputSlots, output);
  for (const hook of [...s.forwardHooks.values()]) {
    retain(args);
    retain(output);
    const replaced = hook(m, args, output);
    if (replaced !== undefined) output = replaced;
  }
  return output;
}

function attachBackwardHooks(m: AnyModule, s: ModuleState, args: unknown[], inputSlots: number[], output: Tensor): Tensor {
  const out = output.mul(1);
  const gradOutput: (Tensor | null)[] = [null];
  const gradInput: (Tensor | null)[] = args.map(() => null);
  let pending = inputSlots.length;
  const call = (): (Tensor | null)[] | undefined => {
    let replaced: (Tensor | null)[] | undefined;
    for (const hook of [...s.backwardHooks.values()]) {
      const r = hook(m, gradInput, gradOutput);
      if (r !== undefined && r !== null) {
        if (!Array.isArray(r) || r.length !== gradInput.length) {
          throw new TypeError(`registerFullBackwardHook: a hook returned ${describe(r)} but expected undefined or an array of ${gradInput.length} gradients`);
        }
        replaced = r;
      }
    }
    return replaced;
  };
  registerHook(out, (g) => {
    gradOutput[0] = g;
    if (pending === 0) call(); // no input needs a gradient: PyTorch calls the hook here
  });
  for (const slot of inputSlots) {
    registerHook(args[slot] as Tensor, (g) => {
      gradInput[slot] = g;
      pending -= 1;
      if (pending > 0) return undefined;
      const replaced = call();
      if (replaced === undefined) return undefined;
      if (inputSlots.length !== 1) throw new TypeError('registerFullBackwardHook: replacing gradInput is supported for modules with one tensor input only');
      const r = replaced[slot];
      if (r !== null && !(r instanceof Tensor)) throw new TypeError(`registerFullBackwardHook: gradInput[${slot}] must be a Tensor or null but is ${describe(r)}`);
      return r ?? undefined;
    });
  }
  return out;
}

function handle(hooks: Map<number, unknown>, id: number): RemovableHandle {
  return {
    id,
    remove: () => {
      hooks.delete(id);
    },
  };
}

/**
 * Base class of every layer and model.
 *
 * Attributes register themselves, as in PyTorch: assigning a Module, an
 * nn.Parameter or an nn.Buffer to a field registers it under the field's name
 * (reassigning replaces it, keeping its place in stateDict()).
 *
 * @example
 * class Net extends nn.Module {
 *   fc = new nn.Linear(4, 2);               // key prefix "fc."
 *   scale = nn.Parameter(torch.ones([1]));  // key "scale"
 *   forward(x: Tensor): Tensor { return this.fc.forward(x).mul(this.scale); }
 * }
 */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** True in training mode (BatchNorm uses batch statistics); set with train() / eval(). */
  training = true;

  constructor() {
    const state: ModuleState = {
      target: this,
      parameters: new Map(),
      buffers: new Map(),
      nonPersistent: new Set(),
      modules: new Map(),
      forwardPreHooks: new Map(),
      forwardHooks: new Map(),
      backwardHooks: new Map(),
      hooked: false,
      plans: new Map(),
      version: ++versions,
    };
    const proxy = new Proxy(this, {
      defineProperty: (_target, name, desc) => defineAttribute(state, name, desc),
      deleteProperty: (_target, name) => deleteAttribute(state, name),
    });
    STATE.set(this, state);
    STATE.set(proxy, state);
    // The subclass constructors (and their field initialisers) see the Proxy as `this`.
    // eslint-disable-next-line no-constructor-return
    return proxy;
  }

  /**
   * The computation. Keep it a plain sequence of tensor ops (no JS-side math on values).
   * `nn.Module` is a Tensor -> Tensor module; others say so (`Module<[Tensor, Tensor], Tensor>` for a loss).
   */
  abstract forward(...inputs: In): Out;

  /** Plans kept per module for forwardAsync (oldest dropped first): one per input shape a server sees. */
  static readonly PLAN_CACHE_SIZE = 64;

  // -------------------------------------------------------------------------
  // Registration

  /**
   * Registers a parameter under `name` (null registers the name without a
   * tensor, like PyTorch's `register_parameter('bias', None)`: it appears in
   * neither parameters() nor stateDict()). The tensor becomes a leaf that
   * requires grad and is exempt from `tidy`.
   */
  registerParameter<T extends Tensor | null>(name: string, value: T): T {
    const s = st(this);
    checkName(this, 'registerParameter', name);
    s.parameters.set(name, asParameter(name, value));
    Reflect.defineProperty(s.target, name, { value, writable: true, enumerable: true, configurable: true });
    touch(s);
    return value;
  }

  /**
   * Registers a buffer: state that is not trained (running_mean, ...). Persistent
   * buffers are part of stateDict(); non-persistent ones are not.
   */
  registerBuffer<T extends Tensor | null>(name: string, value: T, options: { persistent?: boolean } = {}): T {
    const s = st(this);
    checkOptions('registerBuffer', options, ['persistent']);
    checkName(this, 'registerBuffer', name);
    s.buffers.set(name, asBuffer(name, value));
    if (options.persistent === false) s.nonPersistent.add(name);
    Reflect.defineProperty(s.target, name, { value, writable: true, enumerable: true, configurable: true });
    touch(s);
    return value;
  }

  /** Registers a child module; its keys get the prefix `name.`. */
  registerModule<M extends AnyModule | null>(name: string, value: M): M {
    const s = st(this);
    checkName(this, 'registerModule', name);
    s.modules.set(name, asModule(name, value));
    Reflect.defineProperty(s.target, name, { value, writable: true, enumerable: true, configurable: true });
    touch(s);
    return value;
  }


  // -------------------------------------------------------------------------
  // Hooks (PyTorch's register_forward_pre_hook / register_forward_hook / register_full_backward_hook)

  /**
   * Calls `hook(module, inputs)` before every forward; a returned value
   * replaces the inputs (an array is the argument list, anything else the one argument).
   * @example const h = model.registerForwardPreHook((m, [x]) => console.log(x.shape)); h.remove();
   */
  registerForwardPreHook(hook: ForwardPreHook<this>): RemovableHandle {
    if (typeof hook !== 'function') throw new TypeError(`registerForwardPreHook: expected function for hook but received ${describe(hook)}`);
    const s = st(this);
    const id = nextHookId++;
    s.forwardPreHooks.set(id, hook as ForwardPreHook<AnyModule>);
    installForwardWrapper(this);
    return handle(s.forwardPreHooks, id);
  }

  /**
   * Calls `hook(module, inputs, output)` after every forward; a returned value
   * replaces the output. The tensors the hook receives are the hook's to keep:
   * neither tidy nor Sequential disposes them.
   * @example const feats: Tensor[] = []; model.layer3.registerForwardHook((m, inputs, out) => { feats.push(out as Tensor); });
   */
  registerForwardHook(hook: ForwardHook<this>): RemovableHandle {
    if (typeof hook !== 'function') throw new TypeError(`registerForwardHook: expected function for hook but received ${describe(hook)}`);
    const s = st(this);
    const id = nextHookId++;
    s.forwardHooks.set(id, hook as ForwardHook<AnyModule>);
    installForwardWrapper(this);
    return handle(s.forwardHooks, id);
  }

  /**
   * Calls `hook(module, gradInput, gradOutput)` once the gradients w.r.t. the
   * module's tensor inputs are computed (register_full_backward_hook); a
   * returned array replaces gradInput. Tensor inputs and outputs only.
   * @example model.layer1.registerFullBackwardHook((m, gIn, gOut) => console.log(gOut[0]?.shape));
   */
  registerFullBackwardHook(hook: BackwardHook<this>): RemovableHandle {
    if (typeof hook !== 'function') throw new TypeError(`registerFullBackwardHook: expected function for hook but received ${describe(hook)}`);
    const s = st(this);
    const id = nextHookId++;
    s.backwardHooks.set(id, hook as BackwardHook<AnyModule>);
    installForwardWrapper(this);
    return handle(s.backwardHooks, id);
  }

  /** @internal True when hooks may see (and keep) this module's tensors. */
  _hasForwardHooks(): boolean {
    const s = st(this);
    return s.forwardHooks.size > 0 || s.backwardHooks.size > 0;
  }

  // -------------------------------------------------------------------------
  // Traversal (all in registration order, as PyTorch's)

  /** Direct children with their names (null slots skipped). */
  namedChildren(): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    for (const [name, m] of st(this).modules) {
      if (m !== null && !seen.has(m)) {
        seen.add(m);
        out.push([name, m]);
      }
    }
    return out;
  }

  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, depth first (pre-order), each once; this module's name is ''. */
  namedModules(prefix = ''): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    const walk = (m: AnyModule, p: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [name, child] of st(m).modules) if (child !== null) walk(child, p === '' ? name : `${p}.${name}`);
    };
    walk(this, prefix);
    return out;
  }

  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter with its dotted name ("layer1.0.conv1.weight"), each tensor once. */
  namedParameters(options: { recurse?: boolean } = {}): [string, Tensor][] {
    return namedMembers(this, (m) => st(m).parameters, options.recurse ?? true);
  }

  parameters(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedParameters(options).map(([, t]) => t);
  }

  /** Every buffer (persistent or not) with its dotted name. */
  namedBuffers(options: { recurse?: boolean } = {}): [string, Tensor][] {
    return namedMembers(this, (m) => st(m).buffers, options.recurse ?? true);
  }

  buffers(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(options).map(([, t]) => t);
  }


  /** Calls fn on every descendant and then on this module (PyTorch's apply order). */
  apply(fn: (m: AnyModule) => void): this {
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
      touch(st(m));
      for (const t of [...st(m).parameters.values(), ...st(m).buffers.values()]) {
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
   * Sets requiresGrad on every parameter (module.requires_grad_), e.g. to
   * freeze a backbone for fine-tuning.
   * @example model.requiresGrad_(false); model.fc.requiresGrad_(true);
   */
  requiresGrad_(requiresGrad = true): this {
    if (typeof requiresGrad !== 'boolean') throw new TypeError(`requiresGrad_: expected boolean for requiresGrad but received ${describe(requiresGrad)}`);
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
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
      for (const t of [...st(m).parameters.values(), ...st(m).buffers.values()]) t?.dispose();
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
    const save = (m: AnyModule, prefix: string): void => {
      for (const [name, t] of st(m).parameters) if (t !== null) out[prefix + name] = t.detach();
      for (const [name, t] of st(m).buffers) if (t !== null && !st(m).nonPersistent.has(name)) out[prefix + name] = t.detach();
      for (const [name, child] of st(m).modules) if (child !== null) save(child, `${prefix}${name}.`);
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
    const load = (m: AnyModule, local: Record<string, unknown>, prefix: string): void => {
      m._loadStateDictPreHook(local, prefix);
      loadOwn(m, local, prefix, missingKeys, unexpectedKeys, errors);
      for (const [name, child] of st(m).modules) {
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
  forwardAsync(...inputs: In & Tensor[]): Promise<Out> {
    // The grad mode is read now and carried to the worker, so noGrad(() => m.forwardAsync(x)) is allowed.
    return capturesGradMode(this.startForwardAsync(inputs as Tensor[]));
  }

  private startForwardAsync(inputs: Tensor[]): Promise<Out> {
    try {
      // Hooks are JavaScript: a replayed plan would silently skip them.
      const hooked = this.modules().find((m) => st(m).forwardPreHooks.size + st(m).forwardHooks.size + st(m).backwardHooks.size > 0);
      if (hooked !== undefined) {
        throw new Error(`forwardAsync: ${hooked.constructor.name} has hooks, which run in JavaScript and cannot be replayed off the JS thread; remove them or use forward`);
      }
      inputs.forEach((x, i) => {
        if (!(x instanceof Tensor)) throw new TypeError(`forwardAsync: expected Tensor for input ${i} but received ${describe(x)}`);
        if (x.isDisposed) throw new Error(`forwardAsync: input ${i} is a disposed Tensor`);
      });
      if (inputs.length === 0) throw new TypeError('forwardAsync: expected at least one input Tensor');
      const grad = isGradEnabled();
      const key = this.planKey(inputs, grad);
      const plan = st(this).plans.get(key);
      if (plan === undefined) {
        const state = this.stateTensors();
        return Promise.resolve(this.traceForward(key, state.length, [...state, ...inputs].map((t) => t._native)) as Out);
      }
      // The key covers every module's version, so the parameters and buffers
      // recorded with the plan are still the module's own (same objects).
      let pending: Promise<NativeTensor[]>;
      try {
        pending = native.jitRun(plan.plan, [...plan.state, ...(inputs as Tensor[]).map((t) => t._native)], grad, getNumThreads());
      } catch (error) {
        this.stateTensors(); // names a disposed parameter or buffer, if that is the cause
        throw error;
      }
      return pending.then((outputs) => Module.results(outputs, plan.array) as Out);
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
        const key = this.planKey(xs, isGradEnabled());
        if (!st(this).plans.has(key)) {
          const state = this.stateTensors();
          this.traceForward(key, state.length, [...state, ...xs].map((t) => t._native));
        }
      });
    }
  }

  /** Forgets every recorded forward (for changes the module cannot see, e.g. a flag forward branches on). */
  clearPlans(): void {
    st(this).plans.clear();
  }

  /** How many recorded forwards are cached on this module. */
  get planCount(): number {
    return st(this).plans.size;
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
    const key = this.planKey(example, isGradEnabled());
    if (!st(this).plans.has(key)) {
      const result = this.traceForward(key, state.length, [...state, ...example].map((t) => t._native));
      for (const t of Array.isArray(result) ? result : [result]) t.dispose();
    }
    native.jitSave(st(this).plans.get(key)?.plan, named.map(([name]) => name), state.map((t) => t._native), path);
  }

  private stateTensors(): Tensor[] {
    const state = [...this.parameters(), ...this.buffers()];
    state.forEach((t) => {
      if (t.isDisposed) throw new Error('forwardAsync: a parameter or buffer of the model is disposed');
    });
    return state;
  }

  private planKey(inputs: Tensor[], grad: boolean): string {
    // Every module's training flag and version: the tree's structure and modes.
    const tree = this.modules().map((m) => `${m.training ? 't' : 'e'}${st(m).version}`).join(',');
    const signature = inputs.map((x) => `${x.dtype}@${x.device}[${x.shape.join(',')}]`).join(';');
    return `${signature}|${grad ? 'grad' : 'nograd'}|${tree}`;
  }

  private traceForward(key: string, stateCount: number, handles: NativeTensor[]): Tensor | Tensor[] {
    const produced: Tensor[] = [];
    let array = false;
    const { plan, outputs } = native.jitTrace((traced) => {
      const result: unknown = tidy(() => this.forward(...(traced.slice(stateCount).map((h) => new Tensor(h)) as unknown as In)));
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
    if (st(this).plans.size >= Module.PLAN_CACHE_SIZE) st(this).plans.delete(st(this).plans.keys().next().value as string);
    st(this).plans.set(key, { plan, array, state: handles.slice(0, stateCount) });
    return Module.results(outputs, array);
  }

  private static results(outputs: NativeTensor[], array: boolean): Tensor | Tensor[] {
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
    for (const [name, child] of st(this).modules) {
      const text = child === null ? 'null' : child.toString();
      lines.push(`(${name}): ${text.split('\n').join('\n  ')}`);
    }
    const extra = this.extraRepr();
    if (lines.length === 0) return `${this.constructor.name}(${extra})`;
    const head = extra === '' ? [] : [extra];
    return `${this.constructor.name}(\n  ${[...head, ...lines].join('\n  ')}\n)`;
  }
}

function checkName(m: AnyModule, op: string, name: string): void {
  const s = st(m);
  if (typeof name !== 'string') throw new TypeError(`${op}: expected string for name but received ${describe(name)}`);
  if (name === '') throw new RangeError(`${op}: the name must not be empty`);
  if (name.includes('.')) throw new RangeError(`${op}: the name must not contain "." but received '${name}'`);
  if (s.parameters.has(name) || s.buffers.has(name) || s.modules.has(name)) {
    throw new Error(`${op}: '${name}' is already registered on ${m.constructor.name}`);
  }
  // A class field declared without `declare` exists as an own property holding
  // undefined until the constructor body runs: that one may be registered.
  const own = Object.getOwnPropertyDescriptor(s.target, name);
  const placeholder = own !== undefined && 'value' in own && own.value === undefined;
  if (name in s.target && !placeholder) {
    throw new Error(`${op}: ${m.constructor.name} already has an attribute '${name}'`);
  }
}

// forward is wrapped (as an own property) only once a hook is registered, so
// modules without hooks pay nothing.
function installForwardWrapper(m: AnyModule): void {
  const s = st(m);
  if (s.hooked) return;
  s.hooked = true;
  const original = (m as unknown as { forward: (...args: unknown[]) => unknown }).forward;
  const self = m;
  const wrapped = function forward(...args: unknown[]): unknown {
    return callWithHooks(self, s, original, args);
  };
  Reflect.defineProperty(s.target, 'forward', { value: wrapped, writable: true, enumerable: false, configurable: true });
}

function namedMembers(self: AnyModule, members: (m: AnyModule) => Map<string, Tensor | null>, recurse: boolean): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  const seen = new Set<Tensor>();
  const modules: [string, AnyModule][] = recurse ? self.namedModules() : [['', self]];
  for (const [prefix, m] of modules) {
    for (const [name, t] of members(m)) {
      if (t === null || seen.has(t)) continue;
      seen.add(t);
      out.push([prefix === '' ? name : `${prefix}.${name}`, t]);
    }
  }
  return out;
}

function loadOwn(self: AnyModule, local: Record<string, unknown>, prefix: string, missing: string[], unexpected: string[], errors: string[]): void {
  const own = new Map<string, Tensor>();
  for (const [name, t] of st(self).parameters) if (t !== null) own.set(name, t);
  for (const [name, t] of st(self).buffers) if (t !== null && !st(self).nonPersistent.has(name)) own.set(name, t);
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
    if (!st(self).modules.has(head) && !own.has(head)) unexpected.push(key);
  }
}
