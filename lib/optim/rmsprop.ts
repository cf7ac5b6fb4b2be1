// RMSprop (Hinton's, as torch.optim.RMSprop: optional momentum and centering).

import { native } from '../native.js';
import { checkOptions, type Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type ParamGroupInput } from './optimizer.js';
import { checkSingleTensorOptions } from './options.js';

export interface RMSpropOptions {
  lr?: number;
  momentum?: number;
  alpha?: number;
  eps?: number;
  centered?: boolean;
  weightDecay?: number;
  maximize?: boolean;
  /** PyTorch's implementation switches; only the single-tensor path (null / false) exists here. */
  foreach?: boolean | null;
  differentiable?: boolean;
}

/**
 * torch.optim.RMSprop, update for update (bit-identical weights; state keys
 * step, square_avg, momentum_buffer, grad_avg as PyTorch's).
 * @example new torch.optim.RMSprop(model.parameters(), { lr: 0.01, alpha: 0.99, momentum: 0.9 })
 */
export class RMSprop extends Optimizer {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, options: RMSpropOptions = {}) {
    // PyTorch 1.13's defaults, in its order (the order of its state_dict's keys).
    const defaults: Record<string, unknown> = {
      lr: 0.01, momentum: 0, alpha: 0.99, eps: 1e-8, centered: false, weightDecay: 0, foreach: null, maximize: false, differentiable: false,
    };
    checkOptions('RMSprop', options, Object.keys(defaults));
    for (const [k, v] of Object.entries(options)) if (v !== undefined) defaults[k] = v;
    super('RMSprop', params, defaults);
  }

  protected validate(g: ParamGroup): void {
    const atLeastZero = (key: string) => {
      if (typeof g[key] !== 'number' || !((g[key] as number) >= 0)) throw new RangeError(`RMSprop: invalid ${key} value: ${String(g[key])}`);
    };
    ['lr', 'eps', 'momentum', 'weightDecay', 'alpha'].forEach(atLeastZero);
    for (const key of ['centered', 'maximize']) {
      if (typeof g[key] !== 'boolean') throw new TypeError(`RMSprop: expected boolean for ${key} but received ${String(g[key])}`);
    }
    checkSingleTensorOptions('RMSprop', g);
  }

  step(): void {
    for (const group of this.paramGroups) {
      const states = group.params.map((p) => this.stateOf(p));
      const after = native.rmspropStep(
        group.params.map((p) => p._native),
        states.map((s) => this.tensorState(s, 'square_avg')),
        states.map((s) => this.tensorState(s, 'grad_avg')),
        states.map((s) => this.tensorState(s, 'momentum_buffer')),
        group.lr,
        group.alpha,
        group.eps,
        group.weightDecay,
        group.momentum,
        group.centered,
        group.maximize,
      );
      group.params.forEach((p, i) => {
        const grad = p.grad;
        if (grad === null) return;
        grad.dispose(); // our handle only
        const s = states[i];
        // PyTorch's order of state keys: step, square_avg, momentum_buffer, grad_avg.
        s.step = ((s.step as number | undefined) ?? 0) + 1;
        const set = (key: string, handle: (typeof after.squareAvgs)[number]) => {
          const t = this.adopt(handle, s[key]);
          if (t) s[key] = t;
        };
        set('square_avg', after.squareAvgs[i]);
        set('momentum_buffer', after.momentumBuffers[i]);
        set('grad_avg', after.gradAvgs[i]);
      });
    }
  }
}
