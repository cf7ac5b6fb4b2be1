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
