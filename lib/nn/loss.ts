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

type Reduction = 'mean' | 'sum' | 'none';

function reductionOption(op: string, options: { reduction?: Reduction }): Reduction {
  const reduction = options.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none' but received ${String(reduction)}`);
  return reduction;
}

/** @example new nn.MSELoss().forward(prediction, target) */
export class MSELoss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: Reduction;

  constructor(options: { reduction?: Reduction } = {}) {
    super();
    checkOptions('MSELoss', options, ['reduction']);
    this.reduction = reductionOption('MSELoss', options);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** @example new nn.L1Loss({ reduction: 'sum' }).forward(prediction, target) */
export class L1Loss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: Reduction;

  constructor(options: { reduction?: Reduction } = {}) {
    super();
    checkOptions('L1Loss', options, ['reduction']);
    this.reduction = reductionOption('L1Loss', options);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Log-probabilities (N, C) and int64 classes (N). @example new nn.NLLLoss().forward(logProbs, labels) */
export class NLLLoss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: Reduction;
  readonly ignoreIndex: number;
  declare weight: Tensor | null;

  constructor(options: { weight?: Tensor | null; reduction?: Reduction; ignoreIndex?: number } = {}) {
    super();
    checkOptions('NLLLoss', options, ['weight', 'reduction', 'ignoreIndex']);
    this.reduction = reductionOption('NLLLoss', options);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.registerBuffer('weight', options.weight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight, reduction: this.reduction, ignoreIndex: this.ignoreIndex });
  }
}

/** A sigmoid and binary cross entropy in one stable op. @example new nn.BCEWithLogitsLoss({ posWeight }).forward(logits, targets) */
export class BCEWithLogitsLoss extends Module<[Tensor, Tensor], Tensor> {
  readonly reduction: Reduction;
  declare weight: Tensor | null;
  declare pos_weight: Tensor | null;

  constructor(options: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}) {
    super();
    checkOptions('BCEWithLogitsLoss', options, ['weight', 'posWeight', 'reduction']);
    this.reduction = reductionOption('BCEWithLogitsLoss', options);
    // Buffers under PyTorch's state_dict names.
    this.registerBuffer('weight', options.weight ?? null);
    this.registerBuffer('pos_weight', options.posWeight ?? null);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}
