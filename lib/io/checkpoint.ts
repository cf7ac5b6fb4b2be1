// Narrowing helpers for what loadCheckpoint returns (a CheckpointValue tree):
// each checks the value's kind at a path and throws a TypeError naming the
// path and what was found, instead of a cast that lies.
//
//   const ckpt = torch.loadCheckpoint('last.pth');
//   model.loadStateDict(torch.io.asStateDict(ckpt, 'model'));
//   const epoch = torch.io.asNumber(ckpt, 'epoch');

import { Tensor } from '../tensor.js';
import type { CheckpointValue } from './pth.js';

export type CheckpointRecord = { [key: string]: CheckpointValue };

function kind(v: unknown): string {
  if (v === null) return 'None';
  if (v === undefined) return 'nothing';
  if (v instanceof Tensor) return 'a Tensor';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Map) return 'a dict with non-string keys (a Map)';
  if (typeof v === 'object') return 'a dict';
  return `a ${typeof v}`;
}

function split(path: string | readonly (string | number)[]): (string | number)[] {
  if (typeof path === 'string') return path === '' ? [] : path.split('.');
  return [...path];
}

/**
 * The value at `path` ('optimizer.state.0', or ['optimizer', 'state', 0])
 * through dicts, Maps (number keys match numeric segments) and lists.
 */
export function at(value: CheckpointValue, path: string | readonly (string | number)[] = ''): CheckpointValue {
  let v: CheckpointValue | undefined = value;
  const done: string[] = [];
  for (const segment of split(path)) {
    const where = done.length === 0 ? 'the checkpoint' : `'${done.join('.')}'`;
    if (Array.isArray(v)) {
      const i = Number(segment);
      if (!Number.isInteger(i) || i < 0 || i >= v.length) throw new RangeError(`checkpoint: ${where} is a list of ${v.length}; it has no item ${String(segment)}`);
      v = v[i];
    } else if (v instanceof Map) {
      const key = [...v.keys()].find((k) => String(k) === String(segment));
      if (key === undefined) throw new RangeError(`checkpoint: ${where} has no key ${String(segment)} (keys: ${[...v.keys()].slice(0, 10).join(', ')})`);
      v = v.get(key);
    } else if (v !== null && typeof v === 'object' && !(v instanceof Tensor)) {
      if (!Object.hasOwn(v, segment)) throw new RangeError(`checkpoint: ${where} has no key '${String(segment)}' (keys: ${Object.keys(v).slice(0, 10).join(', ')})`);
      v = (v as CheckpointRecord)[segment];
    } else {
      throw new TypeError(`checkpoint: ${where} is ${kind(v)}, not a dict or list (looking for '${String(segment)}')`);
    }
    done.push(String(segment));
  }
  return v as CheckpointValue;
}

function narrow<T>(value: CheckpointValue, path: string | readonly (string | number)[], what: string, ok: (v: unknown) => boolean): T {
  const v = at(value, path);
  if (!ok(v)) {
    const where = split(path).length === 0 ? 'the checkpoint' : `'${split(path).join('.')}'`;
    throw new TypeError(`checkpoint: expected ${what} at ${where} but found ${kind(v)}`);
  }
  return v as T;
}

export function isTensor(v: CheckpointValue | undefined): v is Tensor {
  return v instanceof Tensor;
}

export function isRecord(v: CheckpointValue | undefined): v is CheckpointRecord {
  return v !== null && typeof v === 'object' && !(v instanceof Tensor) && !(v instanceof Map) && !Array.isArray(v);
}

export function asTensor(value: CheckpointValue, path: string | readonly (string | number)[] = ''): Tensor {
  return narrow<Tensor>(value, path, 'a Tensor', (v) => v instanceof Tensor);
}

export function asNumber(value: CheckpointValue, path: string | readonly (string | number)[] = ''): number {
  const v = narrow<number | bigint>(value, path, 'a number', (x) => typeof x === 'number' || typeof x === 'bigint');
  return Number(v);
}

export function asString(value: CheckpointValue, path: string | readonly (string | number)[] = ''): string {
  return narrow<string>(value, path, 'a string', (v) => typeof v === 'string');
}

export function asRecord(value: CheckpointValue, path: string | readonly (string | number)[] = ''): CheckpointRecord {
  return narrow<CheckpointRecord>(value, path, 'a dict with string keys', (v) => isRecord(v as CheckpointValue));
}

export function asList(value: CheckpointValue, path: string | readonly (string | number)[] = ''): readonly CheckpointValue[] {
  return narrow<CheckpointValue[]>(value, path, 'a list', (v) => Array.isArray(v));
}

/** A dict of tensors (a model's state_dict), ready for Module.loadStateDict. */
export function asStateDict(value: CheckpointValue, path: string | readonly (string | number)[] = ''): Record<string, Tensor> {
  const record = asRecord(value, path);
  for (const [k, v] of Object.entries(record)) {
    if (!(v instanceof Tensor)) throw new TypeError(`checkpoint: expected a state dict of Tensors at '${split(path).join('.')}' but '${k}' is ${kind(v)}`);
  }
  return record as Record<string, Tensor>;
}
