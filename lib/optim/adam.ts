// Adam and AdamW.

import { native } from '../native.js';
import { checkOptions, type Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  maximize?: boolean;
}

abstract class AdamBase extends Optimizer {
  private readonly decoupled: boolean;

  protected constructor(name: string, decoupled: boolean, params: Iterable<Tensor> | Iterable<ParamGroupInput>, options: AdamOptions, weightDecay: number) {
    checkOptions(name, options, ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize']);
    super(name, params, { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false, maximize: false, ...options });
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
  }

  step(): void {
    for (const group of this.paramGroups) {
      const states = group.params.map((p) => this.stateOf(p));
      const [beta1, beta2] = group.betas as [number, number];
      const after = native.adamStep(
        group.params.map((p) => p._native),
        states.map((s) => s.step?._native ?? null),
        states.map((s) => s.exp_avg?._native ?? null),
        states.map((s) => s.exp_avg_sq?._native ?? null),
        states.map((s) => s.max_exp_avg_sq?._native ?? null),
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
    super('Adam', false, params, options, 0);
  }
}

/**
 * torch.optim.AdamW (decoupled weight decay; default weightDecay 0.01 as in PyTorch).
 * @example new torch.optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 })
 */
export class AdamW extends AdamBase {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, options: AdamOptions = {}) {
    super('AdamW', true, params, options, 0.01);
  }
}
