// The Optimizer base: parameter groups, per-parameter state, zeroGrad and a
// state dict laid out like PyTorch's ({ state, param_groups } with parameters
// numbered in order), so checkpoints carry over.

import { native, type NativeTensor } from '../native.js';
import { describe, keep, Tensor } from '../tensor.js';

/** Hyper-parameters of one group; schedulers change `lr` (and momentum / betas) in place. */
export interface ParamGroup {
  params: Tensor[];
  lr: number;
  [option: string]: unknown;
}

export type ParamGroupInput = { params: Iterable<Tensor> } & Record<string, unknown>;

/** Per-parameter state: named tensors (momentum buffers, Adam moments, step counts) and plain counters (RMSprop's step). */
export type ParamState = Record<string, Tensor | number>;

/**
 * PyTorch's optimizer state_dict layout: `state` maps integer parameter
 * indices (a Map, so they are saved as Python ints) to per-parameter state;
 * `param_groups` holds each group's options under PyTorch's snake_case names,
 * the parameters as indices last.
 */
export interface OptimizerStateDict {
  state: Map<number, ParamState>;
  param_groups: Record<string, unknown>[];
}

/** What loadStateDict accepts: its own stateDict(), or PyTorch's as loadCheckpoint reads it (Maps, bigint keys, tuples). */
export interface OptimizerStateDictInput {
  state: Map<unknown, unknown> | Record<string, unknown>;
  param_groups: readonly unknown[];
}

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
const camel = (key: string): string => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Marks an option PyTorch requires (SGD's lr): a group without it is an error. */
export const REQUIRED: unique symbol = Symbol('required');

function entriesOf(value: unknown, what: string, op: string): [unknown, unknown][] {
  if (value instanceof Map) return [...value.entries()];
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value);
  throw new TypeError(`${op}.loadStateDict: expected an object or Map for ${what} but received ${value === null ? 'null' : Array.isArray(value) ? 'Array' : typeof value}`);
}

export abstract class Optimizer {
  readonly paramGroups: ParamGroup[] = [];
  readonly defaults: Record<string, unknown>;
  protected readonly state = new Map<Tensor, ParamState>();
  private readonly opName: string;

  /**
   * @param defaults every option with its default, in PyTorch's order (the
   *   order of param_groups' keys in the state dict); REQUIRED for options
   *   without a default.
   */
  protected constructor(opName: string, params: Iterable<Tensor> | Iterable<ParamGroupInput>, defaults: Record<string, unknown>) {
    this.opName = opName;
    this.defaults = defaults;
    if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
      throw new TypeError(`${opName}: expected an iterable of Tensors or parameter groups for params but received ${describe(params)}`);
    }
    const list = [...(params as Iterable<Tensor | ParamGroupInput>)];
    if (list.length === 0) throw new RangeError(`${opName}: got an empty parameter list`);
    const isGroup = (x: unknown) => x !== null && typeof x === 'object' && !(x instanceof Tensor) && 'params' in x;
    const groups: ParamGroupInput[] = list.every(isGroup) ? (list as ParamGroupInput[]) : [{ params: list as Tensor[] }];
    for (const group of groups) this.addParamGroup(group);
  }

  /**
   * Adds a group (e.g. to unfreeze layers while training); options missing
   * from it come from the optimizer's defaults.
   * @example opt.addParamGroup({ params: model.fc.parameters(), lr: 0.01 })
   */
  addParamGroup(group: ParamGroupInput): void {
    if (group?.params === null || typeof group?.params !== 'object' || !(Symbol.iterator in group.params)) {
      throw new TypeError(`${this.opName}: a parameter group needs an iterable of Tensors in 'params'`);
    }
    const params = group.params instanceof Tensor ? [group.params] : [...group.params];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${this.opName}: expected Tensor for params[${i}] but received ${describe(p)}`);
      if (!p.isLeaf) throw new RangeError(`${this.opName}: params[${i}] is not a leaf tensor (optimizers update leaves only)`);
      if (seen.has(p)) throw new RangeError(`${this.opName}: some parameters appear in more than one parameter group`);
      seen.add(p);
    });
    for (const key of Object.keys(group)) {
      if (key !== 'params' && !(key in this.defaults)) {
        throw new TypeError(`${this.opName}: unknown option '${key}' in a parameter group (known: ${Object.keys(this.defaults).join(', ')})`);
      }
    }
    const merged: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.defaults)) {
      const v = key in group && group[key] !== undefined ? group[key] : value;
      if (v === REQUIRED) {
        throw new TypeError(`${this.opName}: a parameter group didn't specify a value of required optimization parameter ${key} (PyTorch's ${this.opName} has no default ${key})`);
      }
      merged[key] = v;
    }
    merged.params = params;
    this.validate(merged as ParamGroup);
    this.paramGroups.push(merged as ParamGroup);
  }

  /** Checks a group's options; throws RangeError naming the bad one. */
  protected abstract validate(group: ParamGroup): void;

  /** Applies one update to every parameter that has a gradient. */
  abstract step(): void;

  /**
   * Clears the gradients. With setToNone (the default, as in PyTorch 2) the
   * grads become null; otherwise they are zeroed in place (PyTorch 1.13's default).
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const params = this.paramGroups.flatMap((g) => g.params).map((p) => p._native);
    native.zeroGrad(params, options.setToNone ?? true);
  }

  protected stateOf(param: Tensor): ParamState {
    let s = this.state.get(param);
    if (!s) {
      s = {};
      this.state.set(param, s);
    }
    return s;
  }

  /** @internal A tensor of a parameter's state, or null (for the native step's arguments). */
  protected tensorState(s: ParamState, key: string): NativeTensor | null {
    const v = s[key];
    return v instanceof Tensor ? v._native : null;
  }

  /** Adopts a tensor the native step created as this optimizer's state (never freed by tidy). */
  protected adopt(handle: NativeTensor | null, existing: Tensor | number | undefined): Tensor | undefined {
    const current = existing instanceof Tensor ? existing : undefined;
    if (handle === null) return current;
    if (current && current._native === handle) return current;
    return keep(Tensor._wrap(handle));
  }

  /**
   * PyTorch's layout, key for key: { state: Map(index -> {...}), param_groups:
   * [{ lr, ..., params: [indices] }] }. Saved with torch.saveCheckpoint, Python's
   * optimizer.load_state_dict() reads it (and loadStateDict reads Python's).
   * @example torch.saveCheckpoint('ckpt.pth', { model: model.stateDict(), optimizer: opt.stateDict() })
   */
  stateDict(): OptimizerStateDict {
    let index = 0;
    const state = new Map<number, ParamState>();
    const groups = this.paramGroups.map((group) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(group)) if (key !== 'params') out[snake(key)] = Array.isArray(value) ? [...value] : value;
      out.params = group.params.map((p) => {
        const s = this.state.get(p);
        if (s && Object.keys(s).length > 0) state.set(index, { ...s });
        return index++;
      });
      return out;
    });
    return { state, param_groups: groups };
  }

  /**
   * Restores state saved by stateDict() here or by PyTorch's
   * optimizer.state_dict() (read with loadCheckpoint). Tensors are copied
   * (cast to the parameter's dtype and device, as PyTorch does, except 'step').
   */
  loadStateDict(stateDict: OptimizerStateDict | OptimizerStateDictInput): void {
    const op = this.opName;
    if (stateDict === null || typeof stateDict !== 'object') throw new TypeError(`${op}.loadStateDict: expected a state dict but received ${describe(stateDict)}`);
    const groups = stateDict.param_groups;
    if (!Array.isArray(groups) || groups.length !== this.paramGroups.length) {
      throw new RangeError(`${op}.loadStateDict: the state has ${Array.isArray(groups) ? groups.length : 'no'} parameter groups but the optimizer has ${this.paramGroups.length}`);
    }
    // Saved parameter index -> this optimizer's parameter, as PyTorch's id_map.
    const idMap = new Map<number, Tensor>();
    const newGroups: Record<string, unknown>[] = groups.map((saved, g) => {
      const entries = entriesOf(saved, `param_groups[${g}]`, op);
      const record = new Map(entries.map(([k, v]) => [String(k), v]));
      const ids = record.get('params');
      const mine = this.paramGroups[g].params;
      if (!Array.isArray(ids) || ids.length !== mine.length) {
        throw new RangeError(`${op}.loadStateDict: loaded state dict contains a parameter group that doesn't match the size of optimizer's group ${g}`);
      }
      ids.forEach((id, i) => idMap.set(Number(id), mine[i]));
      const out: Record<string, unknown> = {};
      for (const [key, value] of record) {
        if (key === 'params') continue;
        out[camel(key)] = Array.isArray(value) ? [...value] : value;
      }
      return out;
    });
    const restored = new Map<Tensor, ParamState>();
    for (const [key, saved] of entriesOf(stateDict.state ?? new Map(), 'state', op)) {
      const param = idMap.get(Number(key));
      if (param === undefined) continue; // PyTorch ignores state for parameters it does not have
      const s: ParamState = {};
      for (const [name, value] of entriesOf(saved, `state[${String(key)}]`, op)) {
        const k = String(name);
        if (value instanceof Tensor) {
          const floating = ['float32', 'float64', 'float16', 'bfloat16'].includes(param.dtype);
          const cast = k !== 'step' && floating ? value.to({ dtype: param.dtype, device: param.device, copy: true }) : value.to({ device: value.device, copy: true });
          s[k] = keep(cast);
        } else if (typeof value === 'number' || typeof value === 'bigint') {
          s[k] = Number(value);
        } else {
          throw new TypeError(`${op}.loadStateDict: state ${String(key)}.${k} is ${describe(value)}, not a Tensor or number`);
        }
      }
      restored.set(param, s);
    }
    newGroups.forEach((values, g) => {
      const group = this.paramGroups[g];
      for (const [key, value] of Object.entries(values)) group[key] = value;
    });
    this.state.clear();
    for (const [p, s] of restored) this.state.set(p, s);
  }
}
