// Samplers: the order in which a DataLoader visits a dataset's indices
// (torch.utils.data's SequentialSampler, RandomSampler, WeightedRandomSampler).
// Given a torch.Generator, RandomSampler (without replacement) draws PyTorch's
// permutations exactly; otherwise the random ones draw from a seeded
// data.Random (xoshiro128**), the generator the DataLoader's shuffle uses:
// reproducible on any machine, but not PyTorch's sequence.

import { getRank, getWorldSize, isInitialized, show } from '../distributed/index.js';
import { Generator } from '../generator.js';
import { describe } from '../tensor.js';
import { Random } from './random.js';

/** Yields dataset indices; `length` is how many per epoch. */
export interface Sampler extends Iterable<number> {
  readonly length: number;
}

function sizeOf(op: string, source: { length: number } | number): number {
  const n = typeof source === 'number' ? source : source?.length;
  if (!Number.isInteger(n) || (n as number) < 0) throw new TypeError(`${op}: expected a dataset or a whole number of samples but received ${describe(source)}`);
  return n as number;
}

function generatorOf(op: string, generator: Random | number | undefined): Random {
  if (generator === undefined) return new Random(Math.floor(Math.random() * 2 ** 32));
  if (generator instanceof Random) return generator;
  if (Number.isInteger(generator)) return new Random(generator);
  throw new TypeError(`${op}: expected a data.Random or an integer seed for generator but received ${describe(generator)}`);
}

/** 0, 1, ..., n-1. @example new SequentialSampler(ds) */
export class SequentialSampler implements Sampler {
  readonly length: number;
  constructor(source: { length: number } | number) {
    this.length = sizeOf('SequentialSampler', source);
  }
  *[Symbol.iterator](): IterableIterator<number> {
    for (let i = 0; i < this.length; i++) yield i;
  }
}

/**
 * A new random permutation each epoch, or `numSamples` draws with replacement.
 * With a torch.Generator (and no replacement) the permutations are PyTorch's.
 * @example new RandomSampler(ds, { generator: new torch.Generator().manualSeed(0) })
 */
export class RandomSampler implements Sampler {
  readonly size: number;
  readonly replacement: boolean;
  readonly length: number;
  readonly generator: Random | Generator;

  constructor(source: { length: number } | number, options: { replacement?: boolean; numSamples?: number; generator?: Generator | Random | number } = {}) {
    this.size = sizeOf('RandomSampler', source);
    this.replacement = options.replacement ?? false;
    if (typeof this.replacement !== 'boolean') throw new TypeError(`RandomSampler: replacement should be a boolean value, but got replacement=${String(options.replacement)}`);
    this.length = options.numSamples ?? this.size;
    if (!Number.isInteger(this.length) || this.length <= 0) throw new RangeError(`RandomSampler: numSamples should be a positive integer value, but got numSamples=${String(options.numSamples)}`);
    if (options.generator instanceof Generator && this.replacement) {
      throw new RangeError('RandomSampler: a torch.Generator is supported without replacement only (pass a data.Random or a seed)');
    }
    this.generator = options.generator instanceof Generator ? options.generator : generatorOf('RandomSampler', options.generator);
  }

  *[Symbol.iterator](): IterableIterator<number> {
    const g = this.generator;
    if (g instanceof Generator) {
      // PyTorch 1.13's order: numSamples // n full permutations, then the first
      // numSamples % n of one more (drawn even when that is none).
      const n = this.size;
      const perm = (): number[] => {
        const t = g.randperm(n);
        const out = Array.from(t.toArray() as BigInt64Array, Number);
        t.dispose();
        return out;
      };
      for (let k = 0; k < Math.floor(this.length / n); k++) yield* perm();
      yield* perm().slice(0, this.length % n);
      return;
    }
    if (this.replacement) {
      for (let i = 0; i < this.length; i++) yield g.int(this.size);
      return;
    }
    // As PyTorch: whole permutations, then part of one more.
    for (let k = 0; k < Math.floor(this.length / this.size); k++) yield* g.permutation(this.size);
    yield* g.permutation(this.size).subarray(0, this.length % this.size);
  }
}

/**
 * Draws indices with probability proportional to `weights` (e.g. to balance classes).
 * @example new WeightedRandomSampler(weights, 1000, { generator: 0 })
 */
export class WeightedRandomSampler implements Sampler {
  readonly weights: Float64Array;
  readonly length: number;
  readonly replacement: boolean;
  readonly generator: Random;

  constructor(weights: ArrayLike<number>, numSamples: number, options: { replacement?: boolean; generator?: Random | number } = {}) {
    if (weights === null || typeof weights !== 'object' || typeof weights.length !== 'number') {
      throw new TypeError(`WeightedRandomSampler: expected an array of weights but received ${describe(weights)}`);
    }
    this.weights = Float64Array.from(weights);
    this.weights.forEach((w, i) => {
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`WeightedRandomSampler: weights[${i}] must be a finite number >= 0 but received ${w}`);
    });
    if (!Number.isInteger(numSamples) || numSamples <= 0) throw new RangeError(`WeightedRandomSampler: numSamples should be a positive integer value, but got numSamples=${String(numSamples)}`);
    this.length = numSamples;
    this.replacement = options.replacement ?? true;
    if (!this.replacement && numSamples > this.weights.filter((w) => w > 0).length) {
      throw new RangeError('WeightedRandomSampler: cannot draw more samples without replacement than there are non-zero weights');
    }
    this.generator = generatorOf('WeightedRandomSampler', options.generator);
  }

  *[Symbol.iterator](): IterableIterator<number> {
    const w = Float64Array.from(this.weights);
    for (let k = 0; k < this.length; k++) {
      const total = w.reduce((a, b) => a + b, 0);
      let r = this.generator.next() * total;
      let i = 0;
      while (i < w.length - 1 && (r >= w[i] || w[i] === 0)) {
        r -= w[i];
        i++;
      }
      yield i;
      if (!this.replacement) w[i] = 0;
    }
  }
}

/**
 * Each rank's share of a dataset (torch.utils.data.DistributedSampler), index
 * for index PyTorch's: with shuffle, the permutation of a torch.Generator
 * seeded `seed + epoch`; padded by repeating the first indices to a multiple
 * of numReplicas (or cut with dropLast); rank r takes every numReplicas-th
 * index from r. Call setEpoch(e) before each epoch, or every epoch repeats
 * the same order. numReplicas and rank default to the default process group's.
 * @example const s = new data.DistributedSampler(ds, { shuffle: true, seed: 0 }); s.setEpoch(epoch);
 */
export class DistributedSampler implements Sampler {
  readonly size: number;
  readonly numReplicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  /** Indices per rank and epoch. */
  readonly length: number;
  readonly totalSize: number;
  epoch = 0;

  constructor(
    source: { length: number } | number,
    options: { numReplicas?: number; rank?: number; shuffle?: boolean; seed?: number; dropLast?: boolean } = {},
  ) {
    const op = 'DistributedSampler';
    this.size = sizeOf(op, source);
    if (options === null || typeof options !== 'object') throw new TypeError(`${op}: expected an options object but received ${describe(options)}`);
    let group: { rank: number; worldSize: number } | undefined;
    const fromGroup = (): { rank: number; worldSize: number } => {
      if (group === undefined) {
        if (!isInitialized()) throw new RangeError(`${op}: numReplicas and rank are required when no process group is initialized`);
        group = { rank: getRank(), worldSize: getWorldSize() };
      }
      return group;
    };
    this.numReplicas = options.numReplicas ?? fromGroup().worldSize;
    if (!Number.isSafeInteger(this.numReplicas) || this.numReplicas < 1) throw new RangeError(`${op}: numReplicas must be a whole number >= 1 but received ${show(options.numReplicas)}`);
    this.rank = options.rank ?? fromGroup().rank;
    if (!Number.isSafeInteger(this.rank) || this.rank < 0 || this.rank >= this.numReplicas) {
      throw new RangeError(`${op}: Invalid rank ${show(this.rank)}, rank should be in the interval [0, ${this.numReplicas - 1}]`);
    }
    this.shuffle = options.shuffle ?? true;
    if (typeof this.shuffle !== 'boolean') throw new TypeError(`${op}: expected boolean for shuffle but received ${describe(options.shuffle)}`);
    this.seed = options.seed ?? 0;
    if (!Number.isSafeInteger(this.seed) || this.seed < 0) throw new RangeError(`${op}: seed must be a whole number >= 0 but received ${show(options.seed)}`);
    this.dropLast = options.dropLast ?? false;
    if (typeof this.dropLast !== 'boolean') throw new TypeError(`${op}: expected boolean for dropLast but received ${describe(options.dropLast)}`);
    this.length =
      this.dropLast && this.size % this.numReplicas !== 0
        ? Math.ceil((this.size - this.numReplicas) / this.numReplicas)
        : Math.ceil(this.size / this.numReplicas);
    this.totalSize = this.length * this.numReplicas;
  }

  /** The epoch whose order the next iteration yields (seed + epoch seeds the shuffle). */
  setEpoch(epoch: number): void {
    if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`DistributedSampler.setEpoch: epoch must be a whole number >= 0 but received ${show(epoch)}`);
    this.epoch = epoch;
  }

  *[Symbol.iterator](): IterableIterator<number> {
    let indices: number[];
    if (this.shuffle && this.size > 0) {
      const t = new Generator().manualSeed(this.seed + this.epoch).randperm(this.size);
      indices = Array.from(t.toArray() as BigInt64Array, Number);
      t.dispose();
    } else {
      indices = Array.from({ length: this.size }, (_, i) => i);
    }
    if (!this.dropLast) {
      const padding = this.totalSize - indices.length;
      if (padding > 0 && indices.length === 0) throw new RangeError('DistributedSampler: cannot pad an empty dataset');
      const base = indices.slice();
      while (indices.length < this.totalSize) indices.push(...base.slice(0, this.totalSize - indices.length));
    } else {
      indices = indices.slice(0, this.totalSize);
    }
    for (let i = this.rank; i < this.totalSize; i += this.numReplicas) yield indices[i];
  }
}
