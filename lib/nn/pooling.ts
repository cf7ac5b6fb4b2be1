// nn.MaxPool2d and nn.AdaptiveAvgPool2d.

import * as F from '../functional.js';
import { checkOptions, type Tensor } from '../tensor.js';
import { pair } from './conv.js';
import { Module } from './module.js';

type Pair = [number, number];

export interface MaxPool2dOptions {
  /** Defaults to kernelSize. */
  stride?: number | [number, number] | null;
  padding?: number | [number, number];
  dilation?: number | [number, number];
  ceilMode?: boolean;
}

/** @example new nn.MaxPool2d(3, { stride: 2, padding: 1 }) */
export class MaxPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly ceilMode: boolean;

  constructor(kernelSize: number | [number, number], options: MaxPool2dOptions = {}) {
    super();
    checkOptions('MaxPool2d', options, ['stride', 'padding', 'dilation', 'ceilMode']);
    this.kernelSize = pair('MaxPool2d', 'kernelSize', kernelSize, 1);
    this.stride = options.stride === undefined || options.stride === null ? this.kernelSize : pair('MaxPool2d', 'stride', options.stride, 1);
    this.padding = pair('MaxPool2d', 'padding', options.padding ?? 0, 0);
    this.dilation = pair('MaxPool2d', 'dilation', options.dilation ?? 1, 1);
    this.ceilMode = options.ceilMode ?? false;
  }

  forward(input: Tensor): Tensor {
    return F.maxPool2d(input, { kernelSize: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }

  override extraRepr(): string {
    return `kernelSize=[${this.kernelSize.join(', ')}], stride=[${this.stride.join(', ')}], padding=[${this.padding.join(', ')}], dilation=[${this.dilation.join(', ')}], ceilMode=${this.ceilMode}`;
  }
}

/**
 * Averages each channel to a fixed output size (a null entry keeps that input size).
 * @example new nn.AdaptiveAvgPool2d([1, 1])
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number | null, number | null];

  constructor(outputSize: number | [number | null, number | null]) {
    super();
    const size = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
    if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => v === null || (Number.isInteger(v) && (v as number) >= 1))) {
      throw new TypeError(`AdaptiveAvgPool2d: expected a whole number >= 1 or [h, w] (null keeps a size) for outputSize but received ${JSON.stringify(outputSize)}`);
    }
    this.outputSize = [size[0], size[1]];
  }

  forward(input: Tensor): Tensor {
    return F.adaptiveAvgPool2d(input, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=[${this.outputSize.map((v) => (v === null ? 'null' : v)).join(', ')}]`;
  }
}
