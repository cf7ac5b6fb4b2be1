// Top-level functions of the tensor surface (issue #11): torch.stack,
// torch.where, the *Like factories, eye, linspace, logspace, randint.
// Tensor methods live in tensor.ts; these are the ones PyTorch keeps at
// torch.* because they make a tensor or take several.

import { native } from './native.js';
import { checkOptions, describe, type DType, finish, type Shape, Tensor, type TensorOptions, unwrap } from './tensor.js';

const FACTORY_OPTIONS = ['dtype', 'device', 'requiresGrad'] as const;

/** Joins tensors of one shape along a new dim. @example torch.stack([a, b], 1) */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors)) throw new TypeError(`stack: expected Array of Tensor for tensors but received ${describe(tensors)}`);
  return new Tensor(native.stack(tensors.map(unwrap), dim));
}

/** `input` where the bool `condition` is true, `other` elsewhere (numbers act as Python numbers). */
export function where(condition: Tensor, input: Tensor | number, other: Tensor | number): Tensor {
  return new Tensor(native.where(unwrap(condition), unwrap(input), unwrap(other)));
}

export interface LikeOptions {
  /** Defaults to the input's dtype. */
  dtype?: DType;
  requiresGrad?: boolean;
}

function like(kind: string, input: Tensor, value: number | boolean | null, options: LikeOptions | undefined): Tensor {
  checkOptions(`${kind}Like`, options, ['dtype', 'requiresGrad']);
  return finish(native.like(kind, unwrap(input), value, options?.dtype ?? null), options);
}

/** Zeros with the shape, dtype and device of `input`. */
export function zerosLike(input: Tensor, options?: LikeOptions): Tensor {
  return like('zeros', input, null, options);
}
export function onesLike(input: Tensor, options?: LikeOptions): Tensor {
  return like('ones', input, null, options);
}
export function emptyLike(input: Tensor, options?: LikeOptions): Tensor {
  return like('empty', input, null, options);
}
/** Uniform on [0, 1) with the shape of `input`, from the generator manualSeed seeds. */
export function randLike(input: Tensor, options?: LikeOptions): Tensor {
  return like('rand', input, null, options);
}
export function randnLike(input: Tensor, options?: LikeOptions): Tensor {
  return like('randn', input, null, options);
}
/** @example torch.fullLike(x, -Infinity) */
export function fullLike(input: Tensor, value: number | boolean, options?: LikeOptions): Tensor {
  return like('full', input, value, options);
}

/** The n x m identity (m defaults to n). @example torch.eye(3) */
export function eye(n: number, m?: number | null, options?: TensorOptions): Tensor {
  checkOptions('eye', options, FACTORY_OPTIONS);
  return finish(native.eye(n, m ?? null, options?.dtype ?? null, options?.device ?? null), options);
}

/** `steps` evenly spaced values from start to end, both included. @example torch.linspace(0, 1, 5) */
export function linspace(start: number, end: number, steps: number, options?: TensorOptions): Tensor {
  checkOptions('linspace', options, FACTORY_OPTIONS);
  return finish(native.linspace(start, end, steps, options?.dtype ?? null, options?.device ?? null), options);
}

/** base ** linspace(start, end, steps). @example torch.logspace(-3, 0, 4) */
export function logspace(start: number, end: number, steps: number, options?: TensorOptions & { base?: number }): Tensor {
  checkOptions('logspace', options, [...FACTORY_OPTIONS, 'base']);
  return finish(native.logspace(start, end, steps, options?.base ?? 10, options?.dtype ?? null, options?.device ?? null), options);
}

/**
 * Uniform integers in [low, high) (int64 by default), from the generator
 * manualSeed seeds. Like PyTorch, `randint(high, shape)` starts at 0.
 * @example torch.randint(0, 10, [4])
 */
export function randint(high: number, shape: Shape, options?: TensorOptions): Tensor;
export function randint(low: number, high: number, shape: Shape, options?: TensorOptions): Tensor;
export function randint(a: number, b: number | Shape, c?: Shape | TensorOptions, d?: TensorOptions): Tensor {
  const [low, high, shape, options] = typeof b === 'number' ? [a, b, c as Shape, d] : [0, a, b, c as TensorOptions | undefined];
  checkOptions('randint', options, ['dtype', 'device']);
  return new Tensor(native.randint(low, high, shape, options?.dtype ?? null, options?.device ?? null));
}
