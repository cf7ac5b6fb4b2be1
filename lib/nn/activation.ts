// nn.ReLU.

import * as F from '../functional.js';
import { checkOptions, type Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * max(x, 0). With `inplace` the input is overwritten (torchvision's ResNet uses
 * nn.ReLU(inplace=True); the autograd graph then records relu_, as there).
 * @example new nn.ReLU({ inplace: true })
 */
export class ReLU extends Module {
  readonly inplace: boolean;

  constructor(options: { inplace?: boolean } = {}) {
    super();
    checkOptions('ReLU', options, ['inplace']);
    this.inplace = options.inplace ?? false;
  }

  forward(input: Tensor): Tensor {
    return this.inplace ? F.relu_(input) : F.relu(input);
  }

  override extraRepr(): string {
    return this.inplace ? 'inplace=true' : '';
  }
}

/** @example new nn.Sigmoid() */
export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return F.sigmoid(input);
  }
}

/** @example new nn.Tanh() */
export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return F.tanh(input);
  }
}

/** @example new nn.GELU({ approximate: 'tanh' }) */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(options: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    checkOptions('GELU', options, ['approximate']);
    this.approximate = options.approximate ?? 'none';
  }

  forward(input: Tensor): Tensor {
    return F.gelu(input, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** x * sigmoid(x). @example new nn.SiLU() */
export class SiLU extends Module {
  readonly inplace: boolean;

  constructor(options: { inplace?: boolean } = {}) {
    super();
    checkOptions('SiLU', options, ['inplace']);
    this.inplace = options.inplace ?? false;
  }

  forward(input: Tensor): Tensor {
    return F.silu(input, { inplace: this.inplace });
  }
}

/** PyTorch's positional negative_slope: `new nn.LeakyReLU(0.2)`. */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  readonly inplace: boolean;

  constructor(negativeSlope = 0.01, options: { inplace?: boolean } = {}) {
    super();
    checkOptions('LeakyReLU', options, ['inplace']);
    if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
      throw new TypeError(`LeakyReLU: expected a finite number for negativeSlope but received ${String(negativeSlope)}`);
    }
    this.negativeSlope = negativeSlope;
    this.inplace = options.inplace ?? false;
  }

  forward(input: Tensor): Tensor {
    return F.leakyRelu(input, { negativeSlope: this.negativeSlope, inplace: this.inplace });
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}
