// Adam and AdamW.

import { native } from '../native.js';
import { checkOptions, type Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer.js';
import { checkSingleTensorOptions } from './options.js';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
  /** PyTorch's implementation switches; only the single-tensor path (null / false) exists here. */
  foreach?: boolean | null;
  capturable?: boolean;
  differentiable?: boolean;
  fused?: boolean;
}

abstract class AdamBase extends Optimizer {
  private readonly decoupled: boolean;

  protected constructor(name: string, decoupled: boolean, params: Iterable<Tensor> | Iterable<ParamGroupInput>, options: AdamOptions, defaults: Record<string, unknown>) {
    checkOptions(name, options, Object.keys(defaults));
    const merged = { ...defaults };
    for (const [k, v] of Object.entries(options)) if (v !== undefined) merged[k] = v;
    super(name, params, merged);
    this.decoupled = decoupled;
  }

  protected validate(g: ParamGroup): void {
    const name = this.constructor.name;
    const betas = g.betas as unknown;
    if (typeof g.lr !== 'number' || !(g.lr >= 0)) throw new RangeError(`${name}: invalid learning rate ${String(g.lr)}`);
    if (typeof g.eps !== 'number' || !(g.eps >= 0)) throw new RangeError(`${name}: invalid eps ${String(g.eps)}`);
    if (!Array.isArray(betas) || betas.length !== 2) throw new TypeError(`${name}: betas must be [beta1, beta2]`);
    betas.forEach((b, i) => {
      if (typeof b !== 'number' || !(b >= 0 && b < 1)) throw new RangeError(`${name}: invalid beta parameter at index ${i}: ${String(b)}`);
    });
    if (typeof g.weightDecay !== 'number' || !(g.weightDecay >= 0)) throw new RangeError(`${name}: invalid weightDecay ${String(g.weightDecay)}`);
    checkSingleTensorOptions(name, g);
  }

  step(): void {
    for (const group of this.paramGroups) {
      const states = group.params.map((p) => this.stateOf(p));
      const [beta1, beta2] = group.betas as [number, number];
      const after = native.adamStep(
        group.params.map((p) => p._native),
        states.map((s) => this.tensorState(s, 'step')),
        states.map((s) => this.tensorState(s, 'exp_avg')),
        states.map((s) => this.tensorState(s, 'exp_avg_sq')),
        states.map((s) => this.tensorState(s, 'max_exp_avg_sq')),
        group.lr,
        beta1,
        beta2,
        group.eps,
        group.weightDecay,
        group.amsgrad,
        this.decoupled,
        group.maximize,
      );
      states.forEach((s, i) => {
        const set = (key: string, handle: (typeof after.steps)[number]) => {
          const t = this.adopt(handle, s[key]);
          if (t) s[key] = t;
        };
        set('step', after.steps[i]);
        set('exp_avg', after.expAvgs[i]);
        set('exp_avg_sq', after.expAvgSqs[i]);
        set('max_exp_avg_sq', after.maxExpAvgSqs[i]);
      });
    }
  }
}

/**
 * torch.optim.Adam (L2 weight decay added to the gradient).
 * @example new torch.optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] })
 */
export class Adam extends AdamBase {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, options: AdamOptions = {}) {
    // PyTorch 1.13's Adam defaults, in its order (the order of its state_dict's keys).
    super('Adam', false, params, options, {
      lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false,
      foreach: null, capturable: false, differentiable: false, fused: false,
    });
  }
}

/**
 * torch.optim.AdamW (decoupled weight decay; default weightDecay 0.01 as in PyTorch).
 * @example new torch.optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 })
 */
export class AdamW extends AdamBase {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, options: AdamOptions = {}) {
    // PyTorch 1.13's AdamW defaults, in its order (it has no differentiable / fused).
    super('AdamW', true, params, options, {
      lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, amsgrad: false, foreach: null, maximize: false, capturable: false,
    });
  }
}
