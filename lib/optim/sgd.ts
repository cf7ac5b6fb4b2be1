// Stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

import { native } from '../native.js';
import { checkOptions, type Tensor } from '../tensor.js';
import { Optimizer, type ParamGroup, type ParamGroupInput, REQUIRED } from './optimizer.js';
import { checkSingleTensorOptions } from './options.js';

export interface SGDOptions {
  lr?: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
  /** PyTorch's implementation switches; only the single-tensor path (null / false) exists here. */
  foreach?: boolean | null;
  differentiable?: boolean;
}

/**
 * torch.optim.SGD, update for update (bit-identical weights). `lr` is required, as in PyTorch.
 * @example const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
 */
export class SGD extends Optimizer {
  constructor(params: Iterable<Tensor> | Iterable<ParamGroupInput>, options: SGDOptions = {}) {
    checkOptions('SGD', options, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize', 'foreach', 'differentiable']);
    // PyTorch 1.13's SGD has no default lr; the keys in PyTorch's order (its state_dict's).
    const defaults = { lr: REQUIRED as unknown, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, foreach: null, differentiable: false };
    for (const [k, v] of Object.entries(options)) if (v !== undefined) (defaults as Record<string, unknown>)[k] = v;
    super('SGD', params, defaults);
  }

  protected validate(g: ParamGroup): void {
    const number = (key: string) => {
      if (typeof g[key] !== 'number' || !Number.isFinite(g[key])) throw new TypeError(`SGD: expected a finite number for ${key} but received ${String(g[key])}`);
      return g[key] as number;
    };
    if (number('lr') < 0) throw new RangeError(`SGD: invalid learning rate ${g.lr}`);
    if (number('momentum') < 0) throw new RangeError(`SGD: invalid momentum ${g.momentum}`);
    if (number('weightDecay') < 0) throw new RangeError(`SGD: invalid weightDecay ${g.weightDecay}`);
    number('dampening');
    checkSingleTensorOptions('SGD', g);
    if (g.nesterov && ((g.momentum as number) <= 0 || g.dampening !== 0)) {
      throw new RangeError('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
  }

  step(): void {
    for (const group of this.paramGroups) {
      const states = group.params.map((p) => this.stateOf(p));
      const buffers = states.map((s) => this.tensorState(s, 'momentum_buffer'));
      const after = native.sgdStep(
        group.params.map((p) => p._native),
        buffers,
        group.lr,
        group.momentum,
        group.dampening,
        group.weightDecay,
        group.nesterov,
        group.maximize,
      );
      states.forEach((s, i) => {
        const buffer = this.adopt(after[i], s.momentum_buffer);
        if (buffer) s.momentum_buffer = buffer;
      });
    }
  }
}
