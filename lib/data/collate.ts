// collate: samples -> one batch, as torch.utils.data's default_collate:
// tensors are stacked along a new first dim, numbers become a tensor (int64
// for integers, float64 otherwise), booleans a bool tensor, strings stay a
// list, and arrays / plain objects are collated position by position / key by key.

import { cat, describe, Tensor, tensor, tidy } from '../tensor.js';

/** The type collate() makes of a batch of T. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | bigint | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { [K in keyof T]: Collated<T[K]> }
          : never;

/**
 * Collates samples into a batch.
 * @example collate([[x0, 1], [x1, 0]]) // [stack([x0, x1]), tensor([1, 0])]
 */
export function collate<T>(samples: readonly T[]): Collated<T> {
  if (!Array.isArray(samples) || samples.length === 0) throw new TypeError('collate: expected a non-empty array of samples');
  return collateAt(samples as readonly unknown[], 'batch') as Collated<T>;
}

function collateAt(items: readonly unknown[], where: string): unknown {
  const first = items[0];
  const same = (check: (v: unknown) => boolean, what: string) => {
    items.forEach((v, i) => {
      if (!check(v)) throw new TypeError(`collate: ${where}[${i}] is ${describe(v)} but ${where}[0] is ${what}`);
    });
  };
  if (first instanceof Tensor) {
    same((v) => v instanceof Tensor, 'a Tensor');
    const ts = items as Tensor[];
    ts.forEach((t, i) => {
      if (t.shape.length !== first.shape.length || t.shape.some((d, k) => d !== first.shape[k])) {
        throw new RangeError(`collate: stack expects each tensor to be equal size, but got [${first.shape.join(', ')}] at entry 0 and [${t.shape.join(', ')}] at entry ${i} (${where})`);
      }
    });
    return tidy(() => cat(ts.map((t) => t.unsqueeze(0)), 0));
  }
  if (typeof first === 'number') {
    same((v) => typeof v === 'number', 'a number');
    const values = items as number[];
    return values.every(Number.isInteger) ? tensor(BigInt64Array.from(values, (v) => BigInt(v))) : tensor(Float64Array.from(values));
  }
  if (typeof first === 'bigint') {
    same((v) => typeof v === 'bigint', 'a bigint');
    return tensor(BigInt64Array.from(items as bigint[]));
  }
  if (typeof first === 'boolean') {
    same((v) => typeof v === 'boolean', 'a boolean');
    return tensor(items as boolean[]);
  }
  if (typeof first === 'string') {
    same((v) => typeof v === 'string', 'a string');
    return [...(items as string[])];
  }
  if (Array.isArray(first)) {
    same((v) => Array.isArray(v) && v.length === first.length, `an array of ${first.length}`);
    return first.map((_, k) => collateAt(items.map((v) => (v as unknown[])[k]), `${where}[*][${k}]`));
  }
  if (first !== null && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    const keys = Object.keys(first);
    same((v) => v !== null && typeof v === 'object' && Object.keys(v).length === keys.length, 'an object with the same keys');
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = collateAt(items.map((v) => (v as Record<string, unknown>)[k]), `${where}[*].${k}`);
    return out;
  }
  throw new TypeError(`collate: cannot collate ${describe(first)} (${where}[0]); pass your own collate function`);
}
