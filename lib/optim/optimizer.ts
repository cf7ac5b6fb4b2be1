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

/** Per-parameter state: named tensors (momentum buffers, Adam moments, step counts). */
export type ParamState = Record<string, Tensor>;

export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  /** Group options with PyTorch's snake_case names, and `params` as indices. */
  param_groups: Record<string, unknown>[];
}

const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
const camel = (key: string): string => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

export abstract class Optimizer {
  readonly paramGroups: ParamGroup[] = [];
  readonly defaults: Record<string, unknown>;
  protected readonly state = new Map<Tensor, ParamState>();
  private readonly opName: string;

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

  /** Adds a group; options missing from it come from the optimizer's defaults. */
  addParamGroup(group: ParamGroupInput): void {
    if (group?.params === null || typeof group?.params !== 'object' || !(Symbol.iterator in group.params)) {
      throw new TypeError(`${this.opName}: a parameter group needs an iterable of Tensors in 'params'`);
    }
    const params = [...group.params];
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
    const merged = { ...this.defaults, ...group, params } as ParamGroup;
    this.validate(merged);
    this.paramGroups.push(merged);
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

  /** Adopts a tensor the native step created as this optimizer's state (never freed by tidy). */
  protected adopt(handle: NativeTensor | null, existing: Tensor | undefined): Tensor | undefined {
    if (handle === null) return existing;
    if (existing && existing._native === handle) return existing;
    return keep(Tensor._wrap(handle));
  }

  /** PyTorch's layout: { state: {index: {...}}, param_groups: [{lr, ..., params: [indices]}] }. */
  stateDict(): OptimizerStateDict {
    let index = 0;
    const state: Record<number, ParamState> = {};
    const groups = this.paramGroups.map((group) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(group)) if (key !== 'params') out[snake(key)] = value;
      out.params = group.params.map((p) => {
        const s = this.state.get(p);
        if (s && Object.keys(s).length > 0) state[index] = { ...s };
        return index++;
      });
      return out;
    });
    return { state, param_groups: groups };
  }

  /** Restores state saved by stateDict() (tensors are copied, so the record may be disposed afterwards). */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const groups = stateDict?.param_groups;
    if (!Array.isArray(groups) || groups.length !== this.paramGroups.length) {
      throw new RangeError(`${this.opName}.loadStateDict: the state has ${Array.isArray(groups) ? groups.length : 'no'} parameter groups but the optimizer has ${this.paramGroups.length}`);
    }
    const params = this.paramGroups.flatMap((g) => g.params);
    groups.forEach((saved, g) => {
      const ids = saved.params as number[];
      if (!Array.isArray(ids) || ids.length !== this.paramGroups[g].params.length) {
        throw new RangeError(`${this.opName}.loadStateDict: parameter group ${g} has a different number of parameters`);
      }
      for (const [key, value] of Object.entries(saved)) {
        if (key !== 'params') this.paramGroups[g][camel(key)] = value;
      }
    });
    this.state.clear();
    for (const [key, saved] of Object.entries(stateDict.state ?? {})) {
      const param = params[Number(key)];
      if (param === undefined) throw new RangeError(`${this.opName}.loadStateDict: state for parameter ${key}, which does not exist`);
      const s: ParamState = {};
      for (const [name, value] of Object.entries(saved)) {
        if (!(value instanceof Tensor)) throw new TypeError(`${this.opName}.loadStateDict: state ${key}.${name} is not a Tensor`);
        s[name] = keep(value.clone());
      }
      this.state.set(param, s);
    }
  }
}
