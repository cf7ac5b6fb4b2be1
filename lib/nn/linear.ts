// nn.Linear and nn.Identity (PyTorch keeps both in linear.py).

import * as F from '../functional.js';
import { checkOptions, type DType, empty, type Tensor } from '../tensor.js';
import { intAtLeast } from './conv.js';
import { calculateFanInAndFanOut, kaiming_uniform_, uniform_ } from './init.js';
import { Module } from './module.js';

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
  device?: string;
}

/**
 * y = x Wᵀ + b, weight (outFeatures, inFeatures), made as PyTorch's constructor makes it.
 * @example new nn.Linear(512, 10)
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  declare weight: Tensor;
  declare bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkOptions('Linear', options, ['bias', 'dtype', 'device']);
    this.inFeatures = intAtLeast('Linear', 'inFeatures', inFeatures, 0);
    this.outFeatures = intAtLeast('Linear', 'outFeatures', outFeatures, 0);
    const factory = { dtype: options.dtype, device: options.device };
    this.registerParameter('weight', empty([outFeatures, inFeatures], factory));
    this.registerParameter('bias', (options.bias ?? true) ? empty([outFeatures], factory) : null);
    this.resetParameters();
  }

  /** PyTorch's reset_parameters: kaiming_uniform_(weight, a = sqrt(5)); bias ~ U(-1/sqrt(inFeatures), 1/sqrt(inFeatures)). */
  resetParameters(): void {
    kaiming_uniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** Returns its input unchanged (a placeholder, e.g. to drop a model's classifier: `model.fc = new nn.Identity()`). */
export class Identity extends Module {
  forward(input: Tensor): Tensor {
    return input;
  }
}
