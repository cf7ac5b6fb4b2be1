// Layers beyond a ResNet's, each with PyTorch's constructor arguments, init
// (drawn in PyTorch's order, so seed-identical), state_dict keys and forward:
// AvgPool2d, BatchNorm1d, LayerNorm, GroupNorm, Conv1d, Embedding, Upsample,
// Softmax, LogSoftmax.

import * as F from '../functional.js';
import { native } from '../native.js';
import { checkOptions, describe, type DType, empty, Tensor, tensor, unwrap } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { intAtLeast, pair } from './conv.js';
import { calculateFanInAndFanOut, kaiming_uniform_, normal_, ones_, uniform_, zeros_ } from './init.js';
import { Module } from './module.js';
import { BatchNorm2d } from './normalization.js';

type Pair = [number, number];

function finitePositive(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new RangeError(`${op}: ${name} must be > 0 but received ${String(v)}`);
  return v;
}

export interface AvgPool2dOptions {
  /** Defaults to kernelSize. */
  stride?: number | [number, number] | null;
  padding?: number | [number, number];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/** @example new nn.AvgPool2d(2) ; new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }) */
export class AvgPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(kernelSize: number | [number, number], options: AvgPool2dOptions = {}) {
    super();
    checkOptions('AvgPool2d', options, ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride']);
    this.kernelSize = pair('AvgPool2d', 'kernelSize', kernelSize, 1);
    this.stride = options.stride === undefined || options.stride === null ? this.kernelSize : pair('AvgPool2d', 'stride', options.stride, 1);
    this.padding = pair('AvgPool2d', 'padding', options.padding ?? 0, 0);
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride ?? null;
  }

  forward(input: Tensor): Tensor {
    return F.avgPool2d(input, {
      kernelSize: this.kernelSize, stride: this.stride, padding: this.padding,
      ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride,
    });
  }

  override extraRepr(): string {
    return `kernelSize=[${this.kernelSize.join(', ')}], stride=[${this.stride.join(', ')}], padding=[${this.padding.join(', ')}]`;
  }
}

/**
 * Batch normalization over (N, C) or (N, C, L): BatchNorm2d's parameters,
 * buffers and keys, for 2-D and 3-D inputs.
 * @example new nn.BatchNorm1d(128)
 */
export class BatchNorm1d extends BatchNorm2d {
  protected override checkInputDim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) throw new RangeError(`BatchNorm1d: expected 2D or 3D input (got ${input.ndim}D input)`);
  }
}

export interface NormOptions {
  eps?: number;
  dtype?: DType;
  device?: string;
}

/**
 * Normalizes over the last dims (normalizedShape); weight (ones) and bias (zeros) of that shape.
 * @example new nn.LayerNorm(768) ; new nn.LayerNorm([4, 6], { elementwiseAffine: false })
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  declare weight: Tensor | null;
  declare bias: Tensor | null;

  constructor(normalizedShape: number | number[], options: NormOptions & { elementwiseAffine?: boolean } = {}) {
    super();
    checkOptions('LayerNorm', options, ['eps', 'elementwiseAffine', 'dtype', 'device']);
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape)) throw new TypeError(`LayerNorm: expected a number or an array of numbers for normalizedShape but received ${describe(normalizedShape)}`);
    this.normalizedShape = shape.map((d) => intAtLeast('LayerNorm', 'normalizedShape', d, 1));
    this.eps = finitePositive('LayerNorm', 'eps', options.eps ?? 1e-5);
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const factory = { dtype: options.dtype, device: options.device };
    this.registerParameter('weight', this.elementwiseAffine ? empty(this.normalizedShape, factory) : null);
    this.registerParameter('bias', this.elementwiseAffine ? empty(this.normalizedShape, factory) : null);
    this.resetParameters();
  }

  resetParameters(): void {
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  forward(input: Tensor): Tensor {
    return new Tensor(native.layerNorm(unwrap(input), this.normalizedShape, unwrap(this.weight), unwrap(this.bias), this.eps));
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

/**
 * Group normalization: channels split in numGroups groups; per-channel weight (ones) and bias (zeros).
 * @example new nn.GroupNorm(32, 256)
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  declare weight: Tensor | null;
  declare bias: Tensor | null;

  constructor(numGroups: number, numChannels: number, options: NormOptions & { affine?: boolean } = {}) {
    super();
    checkOptions('GroupNorm', options, ['eps', 'affine', 'dtype', 'device']);
    this.numGroups = intAtLeast('GroupNorm', 'numGroups', numGroups, 1);
    this.numChannels = intAtLeast('GroupNorm', 'numChannels', numChannels, 1);
    if (numChannels % numGroups !== 0) throw new RangeError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    this.eps = finitePositive('GroupNorm', 'eps', options.eps ?? 1e-5);
    this.affine = options.affine ?? true;
    const factory = { dtype: options.dtype, device: options.device };
    this.registerParameter('weight', this.affine ? empty([numChannels], factory) : null);
    this.registerParameter('bias', this.affine ? empty([numChannels], factory) : null);
    if (this.weight !== null) ones_(this.weight);
    if (this.bias !== null) zeros_(this.bias);
  }

  forward(input: Tensor): Tensor {
    return new Tensor(native.groupNorm(unwrap(input), this.numGroups, unwrap(this.weight), unwrap(this.bias), this.eps));
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}

export interface Conv1dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
  dtype?: DType;
  device?: string;
}

/**
 * 1-D convolution over (N, C, L); Conv2d's init (kaiming_uniform_ a=sqrt(5), bias U(±1/sqrt(fanIn))).
 * @example new nn.Conv1d(16, 33, 3, { stride: 2 })
 */
export class Conv1d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly groups: number;
  declare weight: Tensor;
  declare bias: Tensor | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: Conv1dOptions = {}) {
    super();
    checkOptions('Conv1d', options, ['stride', 'padding', 'dilation', 'groups', 'bias', 'dtype', 'device']);
    this.inChannels = intAtLeast('Conv1d', 'inChannels', inChannels);
    this.outChannels = intAtLeast('Conv1d', 'outChannels', outChannels);
    this.kernelSize = intAtLeast('Conv1d', 'kernelSize', kernelSize);
    this.stride = intAtLeast('Conv1d', 'stride', options.stride ?? 1);
    this.padding = intAtLeast('Conv1d', 'padding', options.padding ?? 0, 0);
    this.dilation = intAtLeast('Conv1d', 'dilation', options.dilation ?? 1);
    this.groups = intAtLeast('Conv1d', 'groups', options.groups ?? 1);
    if (inChannels % this.groups !== 0) throw new RangeError(`Conv1d: inChannels (${inChannels}) must be divisible by groups (${this.groups})`);
    if (outChannels % this.groups !== 0) throw new RangeError(`Conv1d: outChannels (${outChannels}) must be divisible by groups (${this.groups})`);
    const factory = { dtype: options.dtype, device: options.device };
    this.registerParameter('weight', empty([outChannels, inChannels / this.groups, this.kernelSize], factory));
    this.registerParameter('bias', (options.bias ?? true) ? empty([outChannels], factory) : null);
    kaiming_uniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      if (fanIn !== 0) uniform_(this.bias, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
    }
  }

  forward(input: Tensor): Tensor {
    return new Tensor(native.conv1d(unwrap(input), unwrap(this.weight), unwrap(this.bias), this.stride, this.padding, this.dilation, this.groups));
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}, stride=${this.stride}`;
  }
}

/**
 * A lookup table: indices (int64 / int32) -> rows of weight ~ N(0, 1); the
 * paddingIdx row starts at zero and gets no gradient, as PyTorch's.
 * @example new nn.Embedding(10000, 128, { paddingIdx: 0 })
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly scaleGradByFreq: boolean;
  declare weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, options: { paddingIdx?: number | null; scaleGradByFreq?: boolean; dtype?: DType; device?: string } = {}) {
    super();
    checkOptions('Embedding', options, ['paddingIdx', 'scaleGradByFreq', 'dtype', 'device']);
    this.numEmbeddings = intAtLeast('Embedding', 'numEmbeddings', numEmbeddings, 0);
    this.embeddingDim = intAtLeast('Embedding', 'embeddingDim', embeddingDim, 0);
    let paddingIdx = options.paddingIdx ?? null;
    if (paddingIdx !== null) {
      if (!Number.isInteger(paddingIdx) || paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings) {
        throw new RangeError(`Embedding: paddingIdx must be within numEmbeddings but received ${String(paddingIdx)}`);
      }
      if (paddingIdx < 0) paddingIdx += numEmbeddings;
    }
    this.paddingIdx = paddingIdx;
    this.scaleGradByFreq = options.scaleGradByFreq ?? false;
    this.registerParameter('weight', empty([numEmbeddings, embeddingDim], { dtype: options.dtype, device: options.device }));
    normal_(this.weight);
    if (paddingIdx !== null) {
      // weight[paddingIdx].fill_(0), without an indexing op: a 0/1 row mask,
      // then + 0 so the zeroed row holds +0 as fill_ writes, never -0.
      const mask = new Float32Array(numEmbeddings).fill(1);
      mask[paddingIdx] = 0;
      noGrad(() => {
        const m = tensor(mask, [numEmbeddings, 1], { dtype: this.weight.dtype, device: this.weight.device });
        this.weight.mul_(m).add_(0);
        m.dispose();
      });
    }
  }

  forward(indices: Tensor): Tensor {
    return new Tensor(native.embedding(unwrap(this.weight), unwrap(indices), this.paddingIdx ?? -1, this.scaleGradByFreq, false));
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`;
  }
}

/**
 * Upsamples (N, C, H, W) to `size` or by `scaleFactor` ('nearest' or 'bilinear'), as nn.Upsample / F.interpolate.
 * @example new nn.Upsample({ scaleFactor: 2, mode: 'nearest' })
 */
export class Upsample extends Module {
  readonly size: Pair | null;
  readonly scaleFactor: [number, number] | null;
  readonly mode: 'nearest' | 'bilinear';
  readonly alignCorners: boolean | null;

  constructor(options: { size?: number | [number, number]; scaleFactor?: number | [number, number]; mode?: 'nearest' | 'bilinear'; alignCorners?: boolean | null } = {}) {
    super();
    checkOptions('Upsample', options, ['size', 'scaleFactor', 'mode', 'alignCorners']);
    if ((options.size === undefined) === (options.scaleFactor === undefined)) throw new RangeError('Upsample: give exactly one of size and scaleFactor');
    this.size = options.size === undefined ? null : pair('Upsample', 'size', options.size, 1);
    const sf = options.scaleFactor;
    this.scaleFactor = sf === undefined ? null : typeof sf === 'number' ? [sf, sf] : [sf[0], sf[1]];
    this.mode = options.mode ?? 'nearest';
    if (this.mode !== 'nearest' && this.mode !== 'bilinear') throw new RangeError(`Upsample: mode must be 'nearest' or 'bilinear' but received '${String(this.mode)}'`);
    this.alignCorners = options.alignCorners ?? null;
    if (this.alignCorners !== null && this.mode === 'nearest') throw new RangeError("Upsample: alignCorners only applies to mode 'bilinear'");
  }

  forward(input: Tensor): Tensor {
    return new Tensor(native.upsample(unwrap(input), this.size, this.scaleFactor, this.mode, this.alignCorners));
  }

  override extraRepr(): string {
    return this.size !== null ? `size=[${this.size.join(', ')}], mode='${this.mode}'` : `scaleFactor=[${this.scaleFactor!.join(', ')}], mode='${this.mode}'`;
  }
}

/** softmax along `dim`. @example new nn.Softmax(1) */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
    if (!Number.isInteger(dim)) throw new TypeError(`Softmax: expected an integer dim but received ${describe(dim)}`);
  }

  forward(input: Tensor): Tensor {
    return input.softmax(this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(softmax) along `dim`, computed stably. @example new nn.LogSoftmax(1) */
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
    if (!Number.isInteger(dim)) throw new TypeError(`LogSoftmax: expected an integer dim but received ${describe(dim)}`);
  }

  forward(input: Tensor): Tensor {
    return input.logSoftmax(this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
