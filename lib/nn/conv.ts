// nn.Conv2d: weight (out, in / groups, kH, kW) and an optional bias, made
// exactly as PyTorch's constructor makes them (empty, then reset_parameters:
// kaiming_uniform_(a = sqrt(5)) and a uniform bias), so a seeded constructor
// consumes the generator the same way.

import * as F from '../functional.js';
import { checkOptions, type DType, empty, type Tensor } from '../tensor.js';
import { calculateFanInAndFanOut, kaiming_uniform_, uniform_ } from './init.js';
import { Module } from './module.js';

type Pair = [number, number];

/** PyTorch's _pair, with a check that every entry is a whole number >= min. */
export function pair(op: string, name: string, value: unknown, min: number): Pair {
  const values = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(values) || values.length !== 2 || !values.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    throw new TypeError(`${op}: expected a whole number or [h, w] for ${name} but received ${JSON.stringify(value)}`);
  }
  if (values.some((v: number) => v < min)) throw new RangeError(`${op}: ${name} must be >= ${min} but received ${JSON.stringify(value)}`);
  return [values[0], values[1]];
}

export function intAtLeast(op: string, name: string, value: unknown, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${op}: expected a whole number for ${name} but received ${JSON.stringify(value)}`);
  }
  if (value < min) throw new RangeError(`${op}: ${name} must be >= ${min} but received ${value}`);
  return value;
}

export interface Conv2dOptions {
  stride?: number | [number, number];
  /** number | [h, w] | 'same' | 'valid' (zeros padding). */
  padding?: number | [number, number] | 'same' | 'valid';
  dilation?: number | [number, number];
  groups?: number;
  bias?: boolean;
  dtype?: DType;
  device?: string;
}

/**
 * 2-D convolution layer.
 * @example new nn.Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false })
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair | 'same' | 'valid';
  readonly dilation: Pair;
  readonly groups: number;
  declare weight: Tensor;
  declare bias: Tensor | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], options: Conv2dOptions = {}) {
    super();
    checkOptions('Conv2d', options, ['stride', 'padding', 'dilation', 'groups', 'bias', 'dtype', 'device']);
    this.inChannels = intAtLeast('Conv2d', 'inChannels', inChannels);
    this.outChannels = intAtLeast('Conv2d', 'outChannels', outChannels);
    this.kernelSize = pair('Conv2d', 'kernelSize', kernelSize, 1);
    this.stride = pair('Conv2d', 'stride', options.stride ?? 1, 1);
    const padding = options.padding ?? 0;
    if (padding === 'same' || padding === 'valid') {
      if (padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
        throw new RangeError("Conv2d: padding='same' is not supported for strided convolutions");
      }
      this.padding = padding;
    } else {
      this.padding = pair('Conv2d', 'padding', padding, 0);
    }
    this.dilation = pair('Conv2d', 'dilation', options.dilation ?? 1, 1);
    this.groups = intAtLeast('Conv2d', 'groups', options.groups ?? 1);
    if (inChannels % this.groups !== 0) throw new RangeError(`Conv2d: inChannels (${inChannels}) must be divisible by groups (${this.groups})`);
    if (outChannels % this.groups !== 0) throw new RangeError(`Conv2d: outChannels (${outChannels}) must be divisible by groups (${this.groups})`);
    const factory = { dtype: options.dtype, device: options.device };
    this.registerParameter('weight', empty([outChannels, inChannels / this.groups, ...this.kernelSize], factory));
    this.registerParameter('bias', (options.bias ?? true) ? empty([outChannels], factory) : null);
    this.resetParameters();
  }

  /** PyTorch's reset_parameters: kaiming_uniform_(weight, a = sqrt(5)); bias ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
  resetParameters(): void {
    kaiming_uniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias !== null) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      if (fanIn !== 0) {
        const bound = 1 / Math.sqrt(fanIn);
        uniform_(this.bias, -bound, bound);
      }
    }
  }

  forward(input: Tensor): Tensor {
    return F.conv2d(input, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize.join(', ')}], stride=[${this.stride.join(', ')}]`;
    if (typeof this.padding === 'string') s += `, padding='${this.padding}'`;
    else if (this.padding[0] !== 0 || this.padding[1] !== 0) s += `, padding=[${this.padding.join(', ')}]`;
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) s += `, dilation=[${this.dilation.join(', ')}]`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=false';
    return s;
  }
}
