// Map-style datasets (torch.utils.data): the Dataset protocol, TensorDataset
// over tensors of any dtype, Subset, ConcatDataset and randomSplit.

import { Generator } from '../generator.js';
import { describe, keep, randperm, type Tensor, tensor, tidy } from '../tensor.js';
import { Tensor as TensorClass } from '../tensor.js';

/**
 * A map-style dataset: anything with a `length` and a `get(i)` returning a
 * sample, or a Promise of one (torch.utils.data.Dataset's __len__ / __getitem__).
 * @example const ds: Dataset<[Tensor, number]> = { length: 100, get: (i) => [features(i), labels[i]] };
 */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T | Promise<T>;
}

/** The sample type of a dataset. */
export type SampleOf<D> = D extends Dataset<infer T> ? T : never;

function checkIndex(op: string, index: number, length: number): number {
  if (!Number.isInteger(index)) throw new TypeError(`${op}: expected an integer index but received ${describe(index)}`);
  const i = index < 0 ? length + index : index;
  if (i < 0 || i >= length) throw new RangeError(`${op}: index ${index} is out of range for ${length} samples`);
  return i;
}

/**
 * Samples are the i-th rows of the tensors (any dtypes; the first dims must
 * agree), as torch.utils.data.TensorDataset. With two tensors, a uint8
 * [N, C, H, W] image tensor and int64 [N] labels, the DataLoader takes its
 * native path (batches assembled and augmented off the JS thread).
 * @example new TensorDataset(features, targets)   // get(i) -> [features[i], targets[i]]
 */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];
  readonly classes: readonly string[];

  /** Takes ownership of the tensors (they are kept out of tidy scopes). A trailing string array names the classes. */
  constructor(...args: (Tensor | readonly string[])[]) {
    const classes = args.length > 0 && Array.isArray(args[args.length - 1]) ? (args.pop() as readonly string[]) : [];
    args.forEach((t, i) => {
      if (!(t instanceof TensorClass)) throw new TypeError(`TensorDataset: expected Tensor for tensors[${i}] but received ${describe(t)}`);
    });
    const tensors = args as Tensor[];
    if (tensors.length === 0) throw new RangeError('TensorDataset: needs at least one tensor');
    const n = tensors[0].ndim > 0 ? tensors[0].shape[0] : -1;
    tensors.forEach((t, i) => {
      if (t.ndim === 0 || t.shape[0] !== n) {
        throw new RangeError(`TensorDataset: size mismatch between tensors: tensors[0] has ${n} rows but tensors[${i}] is [${t.shape.join(', ')}]`);
      }
    });
    this.tensors = tensors.map((t) => keep(t));
    this.classes = classes;
  }

  /** The first tensor (the images of an image dataset). */
  get images(): Tensor {
    return this.tensors[0];
  }

  /** The second tensor (the labels of an image dataset). */
  get labels(): Tensor {
    if (this.tensors.length < 2) throw new RangeError('TensorDataset: has no second tensor (labels)');
    return this.tensors[1];
  }

  /** True for uint8 [N, C, H, W] images with int64 [N] labels: the DataLoader's native path. */
  get isImageClassification(): boolean {
    const [x, y] = this.tensors;
    return this.tensors.length === 2 && x.dtype === 'uint8' && x.ndim === 4 && y.dtype === 'int64' && y.ndim === 1;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  /** The i-th row of every tensor (copies; negative indices count from the end). */
  get(index: number): Tensor[] {
    const i = checkIndex('TensorDataset.get', index, this.length);
    return tidy(() => this.tensors.map((t) => rowOf(t, i)));
  }

  /** The first `n` samples (a copy), e.g. for a quick run. */
  head(n: number): TensorDataset {
    const count = Math.max(0, Math.min(n, this.length));
    return new TensorDataset(...this.tensors.map((t) => rows(t, 0, count)), this.classes);
  }

  dispose(): void {
    for (const t of this.tensors) t.dispose();
  }
}

// Rows [start, end) of a tensor as a new tensor, through its elements (no
// indexing op is needed; the dtype is kept).
function rows(t: Tensor, start: number, end: number): Tensor {
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const data = t.toArray();
  return tensor(data.slice(start * per, end * per), [end - start, ...t.shape.slice(1)], { dtype: t.dtype });
}

function rowOf(t: Tensor, i: number): Tensor {
  const r = rows(t, i, i + 1);
  const out = r.reshape(t.shape.slice(1));
  return out;
}

/**
 * The samples of `dataset` at `indices`, in that order (torch.utils.data.Subset).
 * @example const val = new Subset(ds, [0, 1, 2]);
 */
export class Subset<T> implements Dataset<T> {
  readonly dataset: Dataset<T>;
  readonly indices: readonly number[];

  constructor(dataset: Dataset<T>, indices: Iterable<number>) {
    checkDataset('Subset', dataset);
    this.dataset = dataset;
    this.indices = [...indices];
    this.indices.forEach((i) => checkIndex('Subset', i, dataset.length));
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T | Promise<T> {
    return this.dataset.get(this.indices[checkIndex('Subset.get', index, this.indices.length)]);
  }
}

/**
 * Datasets one after another (torch.utils.data.ConcatDataset).
 * @example new ConcatDataset([trainA, trainB])
 */
export class ConcatDataset<T> implements Dataset<T> {
  readonly datasets: readonly Dataset<T>[];
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: Iterable<Dataset<T>>) {
    this.datasets = [...datasets];
    if (this.datasets.length === 0) throw new RangeError('ConcatDataset: datasets should not be an empty iterable');
    this.datasets.forEach((d) => checkDataset('ConcatDataset', d));
    let total = 0;
    this.cumulativeSizes = this.datasets.map((d) => (total += d.length));
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }

  get(index: number): T | Promise<T> {
    const i = checkIndex('ConcatDataset.get', index, this.length);
    let d = 0;
    while (this.cumulativeSizes[d] <= i) d++; // bisect_right, as PyTorch
    return this.datasets[d].get(d === 0 ? i : i - this.cumulativeSizes[d - 1]);
  }
}

/** @internal */
export function checkDataset(op: string, dataset: unknown): void {
  const d = dataset as { length?: unknown; get?: unknown } | null;
  if (d === null || typeof d !== 'object' || !Number.isInteger(d.length) || (d.length as number) < 0 || typeof d.get !== 'function') {
    throw new TypeError(`${op}: expected a dataset (an object with a whole-number length and a get(i) method) but received ${describe(dataset)}`);
  }
}

/**
 * Splits a dataset into non-overlapping random subsets of the given lengths
 * (or fractions summing to 1), as torch.utils.data.random_split: the same
 * permutation, drawn from `generator` or else the one torch.manualSeed seeds.
 * @example torch.manualSeed(42); const [train, val] = data.randomSplit(ds, [0.8, 0.2]);
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], options: { generator?: Generator } = {}): Subset<T>[] {
  if (options.generator !== undefined && !(options.generator instanceof Generator)) {
    throw new TypeError(`randomSplit: expected a torch.Generator for generator but received ${describe(options.generator)}`);
  }
  checkDataset('randomSplit', dataset);
  if (!Array.isArray(lengths) || lengths.length === 0) throw new TypeError('randomSplit: expected an array of lengths');
  const n = dataset.length;
  let sizes = [...lengths];
  const total = sizes.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) <= 1e-9 && total <= 1 && total !== n) {
    // Fractions: floor each, then hand the remainder out round-robin (PyTorch 1.13).
    sizes.forEach((f, i) => {
      if (f < 0 || f > 1) throw new RangeError(`randomSplit: fraction at index ${i} is not between 0 and 1`);
    });
    sizes = sizes.map((f) => Math.floor(n * f));
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length] += 1;
  }
  sizes.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 0) throw new RangeError(`randomSplit: lengths[${i}] must be a whole number >= 0 but received ${String(lengths[i])}`);
  });
  if (sizes.reduce((a, b) => a + b, 0) !== n) {
    throw new RangeError('randomSplit: sum of input lengths does not equal the length of the input dataset!');
  }
  const perm = options.generator ? options.generator.randperm(n) : randperm(n);
  const order = Array.from(perm.toArray() as BigInt64Array, Number);
  perm.dispose();
  let offset = 0;
  return sizes.map((s) => new Subset(dataset, order.slice(offset, (offset += s))));
}
