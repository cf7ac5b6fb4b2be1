// torch.nn.init: the same arithmetic (gain, fan, bounds in double precision,
// Math.sqrt being IEEE-exact like Python's math.sqrt) and the same generator
// calls in the same order, so `manualSeed(s)` then an initialiser fills a
// tensor with exactly the values PyTorch would. Every initialiser runs under
// no_grad (inside the addon) and returns its tensor.

import { native } from '../native.js';
import { checkOptions, describe, Tensor, unwrap } from '../tensor.js';

export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

export type FanMode = 'fan_in' | 'fan_out';

const LINEAR_FNS = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d'];

function checkTensor(op: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected Tensor for tensor but received ${describe(t)}`);
}

/**
 * The recommended gain for a nonlinearity (torch.nn.init.calculate_gain).
 * @example init.calculate_gain('leaky_relu', Math.sqrt(5))
 */
export function calculate_gain(nonlinearity: Nonlinearity, param?: number): number {
  if (LINEAR_FNS.includes(nonlinearity) || nonlinearity === 'sigmoid') return 1;
  if (nonlinearity === 'tanh') return 5.0 / 3;
  if (nonlinearity === 'relu') return Math.sqrt(2.0);
  if (nonlinearity === 'leaky_relu') {
    let negativeSlope: number;
    if (param === undefined || param === null) negativeSlope = 0.01;
    else if (typeof param === 'number') negativeSlope = param;
    else throw new TypeError(`calculate_gain: negative_slope ${String(param)} not a valid number`);
    // x * x, not x ** 2: both are the correctly rounded square (Python's
    // float ** 2 goes through libm pow), and V8's ** is not guaranteed to be.
    return Math.sqrt(2.0 / (1 + negativeSlope * negativeSlope));
  }
  if (nonlinearity === 'selu') return 3.0 / 4;
  throw new RangeError(`calculate_gain: unsupported nonlinearity '${String(nonlinearity)}'`);
}

/**
 * [fanIn, fanOut] of a weight: size(1) and size(0) times the receptive field
 * (for a grouped conv, size(1) is in_channels / groups, as in PyTorch).
 */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  checkTensor('calculateFanInAndFanOut', t);
  const shape = t.shape;
  if (shape.length < 2) throw new RangeError('Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  let receptiveField = 1;
  for (const s of shape.slice(2)) receptiveField *= s;
  return [shape[1] * receptiveField, shape[0] * receptiveField];
}

function correctFan(t: Tensor, mode: FanMode): number {
  if (mode !== 'fan_in' && mode !== 'fan_out') {
    throw new RangeError(`Mode ${String(mode)} not supported, please use one of fan_in, fan_out`);
  }
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return mode === 'fan_in' ? fanIn : fanOut;
}

/** Fills with U(a, b). @example init.uniform_(bias, -bound, bound) */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  checkTensor('uniform_', t);
  native.uniform_(unwrap(t), a, b);
  return t;
}

/** Fills with N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  checkTensor('normal_', t);
  native.normal_(unwrap(t), mean, std);
  return t;
}

/** Fills with a constant. @example init.constant_(bn.weight, 1) */
export function constant_(t: Tensor, value: number): Tensor {
  checkTensor('constant_', t);
  native.fill_(unwrap(t), value);
  return t;
}

/** Alias of constant_ (PyTorch keeps the old name too). */
export const constant = constant_;

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu only). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function kaimingStd(op: string, t: Tensor, options: KaimingOptions): number {
  checkOptions(op, options, ['a', 'mode', 'nonlinearity']);
  const { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' } = options;
  const fan = correctFan(t, mode);
  const gain = calculate_gain(nonlinearity, a);
  return gain / Math.sqrt(fan);
}

/**
 * He uniform: U(-bound, bound), bound = gain * sqrt(3 / fan). What nn.Conv2d
 * and nn.Linear run on construction, with a = sqrt(5).
 * @example init.kaiming_uniform_(w, { a: Math.sqrt(5) })
 */
export function kaiming_uniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  checkTensor('kaiming_uniform_', t);
  if (t.shape.includes(0)) return t; // PyTorch: "Initializing zero-element tensors is a no-op"
  const std = kaimingStd('kaiming_uniform_', t, options);
  const bound = Math.sqrt(3.0) * std;
  return uniform_(t, -bound, bound);
}

/**
 * He normal: N(0, std²), std = gain / sqrt(fan). torchvision's ResNet uses
 * mode 'fan_out', nonlinearity 'relu' for every conv.
 * @example init.kaiming_normal_(conv.weight, { mode: 'fan_out', nonlinearity: 'relu' })
 */
export function kaiming_normal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  checkTensor('kaiming_normal_', t);
  if (t.shape.includes(0)) return t;
  const std = kaimingStd('kaiming_normal_', t, options);
  return normal_(t, 0, std);
}
