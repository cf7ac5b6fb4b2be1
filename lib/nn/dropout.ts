// nn.Dropout and nn.Dropout2d: active in training mode only, drawing their
// masks from the generator manualSeed seeds (same seed, same mask as PyTorch).

import * as F from '../functional.js';
import { checkOptions, type Tensor } from '../tensor.js';
import { Module } from './module.js';

function probability(op: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${op}: dropout probability has to be between 0 and 1, but got ${String(p)}`);
  return p;
}

/** @example new nn.Dropout(0.5) */
export class Dropout extends Module {
  readonly p: number;
  readonly inplace: boolean;

  constructor(p = 0.5, options: { inplace?: boolean } = {}) {
    super();
    checkOptions('Dropout', options, ['inplace']);
    this.p = probability('Dropout', p);
    this.inplace = options.inplace ?? false;
  }

  forward(input: Tensor): Tensor {
    return F.dropout(input, { p: this.p, training: this.training, inplace: this.inplace });
  }

  override extraRepr(): string {
    return `p=${this.p}, inplace=${this.inplace}`;
  }
}

/** Zeroes whole channels of (N, C, H, W) inputs. @example new nn.Dropout2d(0.2) */
export class Dropout2d extends Module {
  readonly p: number;
  readonly inplace: boolean;

  constructor(p = 0.5, options: { inplace?: boolean } = {}) {
    super();
    checkOptions('Dropout2d', options, ['inplace']);
    this.p = probability('Dropout2d', p);
    this.inplace = options.inplace ?? false;
  }

  forward(input: Tensor): Tensor {
    return F.dropout2d(input, { p: this.p, training: this.training, inplace: this.inplace });
  }

  override extraRepr(): string {
    return `p=${this.p}, inplace=${this.inplace}`;
  }
}
