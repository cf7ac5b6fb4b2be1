// nn.CrossEntropyLoss.

import * as F from '../functional.js';
import { checkOptions, type Tensor } from '../tensor.js';
import { Module } from './module.js';

export interface CrossEntropyLossOptions {
  /** Per-class weights (a buffer, as in PyTorch). */
  weight?: Tensor | null;
  reduction?: 'mean' | 'sum' | 'none';
  labelSmoothing?: number;
  ignoreIndex?: number;
}

/**
 * Cross entropy between logits (N, C) and int64 class indices (N) or class probabilities (N, C).
 * @example const loss = new nn.CrossEntropyLoss().forward(logits, labels); loss.backward();
 */
export class CrossEntropyLoss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: 'mean' | 'sum' | 'none';
  readonly labelSmoothing: number;
  readonly ignoreIndex: number;
  declare weight: Tensor | null;

  constructor(options: CrossEntropyLossOptions = {}) {
    super();
    checkOptions('CrossEntropyLoss', options, ['weight', 'reduction', 'labelSmoothing', 'ignoreIndex']);
    this.reduction = options.reduction ?? 'mean';
    this.labelSmoothing = options.labelSmoothing ?? 0;
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.registerBuffer('weight', options.weight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, { weight: this.weight, reduction: this.reduction, labelSmoothing: this.labelSmoothing, ignoreIndex: this.ignoreIndex });
  }
}
