// nn.Flatten.

import * as F from '../functional.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Flattens dims startDim..endDim (default: all but the batch dim, as nn.Flatten). @example new nn.Flatten() */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
    if (!Number.isInteger(startDim) || !Number.isInteger(endDim)) {
      throw new TypeError(`Flatten: expected whole numbers for startDim and endDim but received ${startDim}, ${endDim}`);
    }
  }

  forward(input: Tensor): Tensor {
    return F.flatten(input, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
