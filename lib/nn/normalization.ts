// nn.BatchNorm2d, step for step as torch.nn.modules.batchnorm: in training
// num_batches_tracked is incremented in place before F.batch_norm runs, and a
// null momentum means a cumulative average (factor 1 / num_batches_tracked).

import * as F from '../functional.js';
import { checkOptions, type DType, empty, ones, type Tensor, zeros } from '../tensor.js';
import { intAtLeast } from './conv.js';
import { ones_, zeros_ } from './init.js';
import { Module } from './module.js';

export interface BatchNorm2dOptions {
  eps?: number;
  /** Weight of the new batch statistic in the running average; null for a cumulative average. */
  momentum?: number | null;
  /** Learnable weight (gamma) and bias (beta). */
  affine?: boolean;
  /** Keep running_mean / running_var / num_batches_tracked buffers (used in eval mode). */
  trackRunningStats?: boolean;
  dtype?: DType;
  device?: string;
}

/**
 * Batch normalization over (N, C, H, W). Keys: weight, bias, running_mean,
 * running_var, num_batches_tracked (int64), as in PyTorch.
 * @example new nn.BatchNorm2d(64)
 */
export class BatchNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  declare weight: Tensor | null;
  declare bias: Tensor | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(numFeatures: number, options: BatchNorm2dOptions = {}) {
    super();
    checkOptions('BatchNorm2d', options, ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype', 'device']);
    this.numFeatures = intAtLeast('BatchNorm2d', 'numFeatures', numFeatures);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    if (!(this.eps > 0)) throw new RangeError(`BatchNorm2d: eps must be > 0 but received ${this.eps}`);
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new RangeError(`BatchNorm2d: momentum must be in [0, 1] or null but received ${this.momentum}`);
    }
    const factory = { dtype: options.dtype, device: options.device };
    this.registerParameter('weight', this.affine ? empty([numFeatures], factory) : null);
    this.registerParameter('bias', this.affine ? empty([numFeatures], factory) : null);
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], factory));
      this.registerBuffer('running_var', ones([numFeatures], factory));
      this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int64', device: options.device }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
    this.resetParameters();
  }

  resetRunningStats(): void {
    if (this.running_mean !== null) zeros_(this.running_mean);
    if (this.running_var !== null) ones_(this.running_var);
    if (this.num_batches_tracked !== null) zeros_(this.num_batches_tracked);
  }

  /** Running stats to 0 / 1, weight to 1, bias to 0 (no random numbers drawn). */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  /** The input shape check (BatchNorm1d overrides it). */
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 4) throw new RangeError(`BatchNorm2d: expected 4D input (got ${input.ndim}D input)`);
  }

  forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    let factor = this.momentum ?? 0.0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked !== null) {
      this.num_batches_tracked.add_(1);
      // Cumulative moving average: PyTorch reads the count back on the host too.
      factor = this.momentum === null ? 1.0 / this.num_batches_tracked.item() : this.momentum;
    }
    // Batch statistics in training; in eval too when there are no running stats.
    const bnTraining = this.training || (this.running_mean === null && this.running_var === null);
    const useRunning = !this.training || this.trackRunningStats;
    return F.batchNorm(input, useRunning ? this.running_mean : null, useRunning ? this.running_var : null, {
      weight: this.weight,
      bias: this.bias,
      training: bnTraining,
      momentum: factor,
      eps: this.eps,
    });
  }

  protected override _loadStateDictPreHook(stateDict: Record<string, unknown>, prefix: string): void {
    // Checkpoints from before num_batches_tracked existed load with a count of 0
    // (PyTorch does this for state_dicts without version metadata).
    const key = `${prefix}num_batches_tracked`;
    if (this.trackRunningStats && !Object.prototype.hasOwnProperty.call(stateDict, key)) {
      stateDict[key] = zeros([], { dtype: 'int64' });
    }
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}
