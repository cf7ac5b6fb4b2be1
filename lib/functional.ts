// torch.nn.functional: the ops a ResNet is made of, with PyTorch's arguments
// and defaults. Sizes are `number | [h, w]`; options objects are camelCase.

import { native } from './native.js';
import { checkOptions, type DType, Tensor, unwrap } from './tensor.js';

export type Size2 = number | readonly [number, number];

export interface Conv2dOptions {
  stride?: Size2;
  /** number | [h, w] | 'same' | 'valid' */
  padding?: Size2 | 'same' | 'valid';
  dilation?: Size2;
  groups?: number;
}

/**
 * 2-D convolution over an (N, C, H, W) or (C, H, W) input.
 * @example F.conv2d(x, w, null, { stride: 2, padding: 3 })
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  checkOptions('conv2d', options, ['stride', 'padding', 'dilation', 'groups']);
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = options;
  return new Tensor(native.conv2d(unwrap(input), unwrap(weight), unwrap(bias), stride, padding, dilation, groups));
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalization. In training the batch statistics are used and the
 * running statistics (when given) are updated in place, exactly as PyTorch does.
 * @example F.batchNorm(x, bn.runningMean, bn.runningVar, { weight, bias, training: true })
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  checkOptions('batchNorm', options, ['weight', 'bias', 'training', 'momentum', 'eps']);
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = options;
  return new Tensor(
    native.batchNorm(unwrap(input), unwrap(runningMean), unwrap(runningVar), unwrap(weight), unwrap(bias), training, momentum, eps),
  );
}

/** max(x, 0). @example F.relu(x) */
export function relu(input: Tensor): Tensor {
  return new Tensor(native.relu(unwrap(input)));
}

/** max(x, 0) in place (what nn.ReLU(inplace=True) runs); returns `input`. */
export function relu_(input: Tensor): Tensor {
  native.relu(unwrap(input), true);
  return input;
}

export interface MaxPool2dOptions {
  kernelSize: Size2;
  /** Defaults to kernelSize. */
  stride?: Size2 | null;
  padding?: Size2;
  dilation?: Size2;
  ceilMode?: boolean;
}

/** @example F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }) */
export function maxPool2d(input: Tensor, options: MaxPool2dOptions): Tensor {
  checkOptions('maxPool2d', options, ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode']);
  const { kernelSize, stride = null, padding = 0, dilation = 1, ceilMode = false } = options ?? ({} as MaxPool2dOptions);
  return new Tensor(native.maxPool2d(unwrap(input), kernelSize, stride, padding, dilation, ceilMode));
}

export interface AvgPool2dOptions {
  kernelSize: Size2;
  stride?: Size2 | null;
  padding?: Size2;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/** @example F.avgPool2d(x, { kernelSize: 2 }) */
export function avgPool2d(input: Tensor, options: AvgPool2dOptions): Tensor {
  checkOptions('avgPool2d', options, ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride']);
  const { kernelSize, stride = null, padding = 0, ceilMode = false, countIncludePad = true, divisorOverride = null } =
    options ?? ({} as AvgPool2dOptions);
  return new Tensor(native.avgPool2d(unwrap(input), kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride));
}

/** Averages to a fixed output size; a null entry keeps that input dimension. @example F.adaptiveAvgPool2d(x, [1, 1]) */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly [number | null, number | null]): Tensor {
  return new Tensor(native.adaptiveAvgPool2d(unwrap(input), outputSize));
}

/** y = x W^T + b. @example F.linear(x, fc.weight, fc.bias) */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  return new Tensor(native.linear(unwrap(input), unwrap(weight), unwrap(bias)));
}

/** Flattens dims startDim..endDim into one. @example F.flatten(x, 1) */
export function flatten(input: Tensor, startDim = 0, endDim = -1): Tensor {
  return new Tensor(native.flatten(unwrap(input), startDim, endDim));
}

export interface CrossEntropyOptions {
  weight?: Tensor | null;
  reduction?: 'mean' | 'sum' | 'none';
  labelSmoothing?: number;
  ignoreIndex?: number;
}

/**
 * Cross entropy between logits (N, C) and int64 class indices (N) or class
 * probabilities (N, C).
 * @example F.crossEntropy(logits, labels, { labelSmoothing: 0.1 })
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  checkOptions('crossEntropy', options, ['weight', 'reduction', 'labelSmoothing', 'ignoreIndex']);
  const { weight = null, reduction = 'mean', labelSmoothing = 0, ignoreIndex = -100 } = options;
  return new Tensor(native.crossEntropy(unwrap(input), unwrap(target), unwrap(weight), reduction, ignoreIndex, labelSmoothing));
}

export function softmax(input: Tensor, dim: number, options: { dtype?: DType } = {}): Tensor {
  checkOptions('softmax', options, ['dtype']);
  return new Tensor(native.softmax(unwrap(input), dim, options.dtype ?? null));
}

export function logSoftmax(input: Tensor, dim: number, options: { dtype?: DType } = {}): Tensor {
  checkOptions('logSoftmax', options, ['dtype']);
  return new Tensor(native.logSoftmax(unwrap(input), dim, options.dtype ?? null));
}

export interface InterpolateOptions {
  /** Output [h, w] (or one number for both); give this or scaleFactor. */
  size?: Size2 | null;
  scaleFactor?: number | readonly [number, number] | null;
  mode?: 'nearest' | 'nearest-exact' | 'bilinear' | 'bicubic';
  /** Only for 'bilinear' / 'bicubic'; defaults to false there. */
  alignCorners?: boolean | null;
  /** Anti-aliased downsampling (bilinear / bicubic), as torchvision's resize uses. */
  antialias?: boolean;
}

/**
 * Resamples an (N, C, H, W) tensor, as torch.nn.functional.interpolate: the
 * same upsample_* / _upsample_*_aa kernels, so results are bit-identical.
 * @example F.interpolate(x, { size: [224, 224], mode: 'bilinear', antialias: true })
 */
export function interpolate(input: Tensor, options: InterpolateOptions): Tensor {
  checkOptions('interpolate', options, ['size', 'scaleFactor', 'mode', 'alignCorners', 'antialias']);
  const { size = null, scaleFactor = null, mode = 'nearest', alignCorners = null, antialias = false } = options ?? ({} as InterpolateOptions);
  return new Tensor(native.interpolate(unwrap(input), size, scaleFactor, mode, alignCorners, antialias));
}
