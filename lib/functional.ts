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

// ---------------------------------------------------------------------------
// The functional ops of the tensor surface (issue #11): padding, dropout,
// activations, losses, oneHot, normalize, cosineSimilarity.

export type Reduction = 'mean' | 'sum' | 'none';

export interface PadOptions {
  mode?: 'constant' | 'reflect' | 'replicate' | 'circular';
  /** The fill value of mode 'constant' (0 by default). */
  value?: number;
}

/**
 * Pads the last dims: `pad` lists (left, right) for the last dim, then (top, bottom), ...
 * @example F.pad(img, [1, 1, 2, 2], { mode: 'reflect' })
 */
export function pad(input: Tensor, padding: readonly number[], options: PadOptions = {}): Tensor {
  checkOptions('pad', options, ['mode', 'value']);
  return new Tensor(native.pad(unwrap(input), padding, options.mode ?? 'constant', options.value ?? null));
}

/**
 * Zeroes elements with probability p and scales the rest by 1 / (1 - p) in
 * training (the generator manualSeed seeds; same seed, same mask as PyTorch).
 * @example F.dropout(x, { p: 0.5, training: model.training })
 */
export function dropout(input: Tensor, options: { p?: number; training?: boolean; inplace?: boolean } = {}): Tensor {
  checkOptions('dropout', options, ['p', 'training', 'inplace']);
  const { p = 0.5, training = true, inplace = false } = options;
  const out = native.dropout(unwrap(input), p, training, inplace);
  return inplace ? input : new Tensor(out);
}

/**
 * Zeroes whole channels of an (N, C, H, W) input with probability p, scaling
 * the rest by 1 / (1 - p) (PyTorch's feature_dropout; a 3-D input is taken as
 * (N, C, L), as PyTorch 1.13 does).
 * @example F.dropout2d(x, { p: 0.2, training: model.training })
 */
export function dropout2d(input: Tensor, options: { p?: number; training?: boolean; inplace?: boolean } = {}): Tensor {
  checkOptions('dropout2d', options, ['p', 'training', 'inplace']);
  const { p = 0.5, training = true, inplace = false } = options;
  if (input.dim() !== 3 && input.dim() !== 4) throw new RangeError(`dropout2d: expected a 3-D or 4-D input but it has ${input.dim()} dimensions`);
  const out = native.dropout(unwrap(input), p, training, inplace, true);
  return inplace ? input : new Tensor(out);
}

/** @example F.gelu(x, { approximate: 'tanh' }) */
export function gelu(input: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  checkOptions('gelu', options, ['approximate']);
  return new Tensor(native.gelu(unwrap(input), options.approximate ?? 'none'));
}

/** x * sigmoid(x). */
export function silu(input: Tensor, options: { inplace?: boolean } = {}): Tensor {
  checkOptions('silu', options, ['inplace']);
  const out = native.silu(unwrap(input), options.inplace ?? false);
  return options.inplace ? input : new Tensor(out);
}

/** max(0, x) + negativeSlope * min(0, x). */
export function leakyRelu(input: Tensor, options: { negativeSlope?: number; inplace?: boolean } = {}): Tensor {
  checkOptions('leakyRelu', options, ['negativeSlope', 'inplace']);
  const out = native.leakyRelu(unwrap(input), options.negativeSlope ?? 0.01, options.inplace ?? false);
  return options.inplace ? input : new Tensor(out);
}

/** Clamps to [minVal, maxVal] ([-1, 1] by default). */
export function hardtanh(input: Tensor, options: { minVal?: number; maxVal?: number; inplace?: boolean } = {}): Tensor {
  checkOptions('hardtanh', options, ['minVal', 'maxVal', 'inplace']);
  const out = native.hardtanh(unwrap(input), options.minVal ?? -1, options.maxVal ?? 1, options.inplace ?? false);
  return options.inplace ? input : new Tensor(out);
}

export function sigmoid(input: Tensor): Tensor {
  return input.sigmoid();
}

export function tanh(input: Tensor): Tensor {
  return input.tanh();
}

/** Mean squared error; input and target broadcast as in F.mse_loss. */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkOptions('mseLoss', options, ['reduction']);
  return new Tensor(native.mseLoss(unwrap(input), unwrap(target), options.reduction ?? 'mean'));
}

/** Mean absolute error. */
export function l1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkOptions('l1Loss', options, ['reduction']);
  return new Tensor(native.l1Loss(unwrap(input), unwrap(target), options.reduction ?? 'mean'));
}

/** Negative log likelihood of log-probabilities (N, C, ...) for int64 classes (N, ...). */
export function nllLoss(
  input: Tensor,
  target: Tensor,
  options: { weight?: Tensor | null; reduction?: Reduction; ignoreIndex?: number } = {},
): Tensor {
  checkOptions('nllLoss', options, ['weight', 'reduction', 'ignoreIndex']);
  const { weight = null, reduction = 'mean', ignoreIndex = -100 } = options;
  return new Tensor(native.nllLoss(unwrap(input), unwrap(target), unwrap(weight), reduction, ignoreIndex));
}

/** Binary cross entropy on logits (a sigmoid folded in, computed stably). */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  checkOptions('binaryCrossEntropyWithLogits', options, ['weight', 'posWeight', 'reduction']);
  const { weight = null, posWeight = null, reduction = 'mean' } = options;
  return new Tensor(native.binaryCrossEntropyWithLogits(unwrap(input), unwrap(target), unwrap(weight), unwrap(posWeight), reduction));
}

/** int64 classes -> int64 one-hot rows (numClasses -1 infers max + 1). @example F.oneHot(labels, 10) */
export function oneHot(input: Tensor, numClasses = -1): Tensor {
  return new Tensor(native.oneHot(unwrap(input), numClasses));
}

/** input / max(||input||_p along dim, eps). @example F.normalize(embeddings, { dim: 1 }) */
export function normalize(input: Tensor, options: { p?: number; dim?: number; eps?: number } = {}): Tensor {
  checkOptions('normalize', options, ['p', 'dim', 'eps']);
  return new Tensor(native.normalize(unwrap(input), options.p ?? 2, options.dim ?? 1, options.eps ?? 1e-12));
}

/** Cosine of the angle between x1 and x2 along dim (broadcast). */
export function cosineSimilarity(x1: Tensor, x2: Tensor, options: { dim?: number; eps?: number } = {}): Tensor {
  checkOptions('cosineSimilarity', options, ['dim', 'eps']);
  return new Tensor(native.cosineSimilarity(unwrap(x1), unwrap(x2), options.dim ?? 1, options.eps ?? 1e-8));
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
