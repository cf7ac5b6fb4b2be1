// Batches from any map-style Dataset. An image TensorDataset (uint8 images,
// int64 labels) takes the native path: batches assembled and augmented off
// the JS thread. Any other dataset: samples from get(i) (sync or async),
// collated as torch's default_collate does.
//
// Up to `prefetch` batches are in flight on libuv's thread pool while the
// caller trains on the current one, so data preparation overlaps compute.
// Shuffling and augmentation draw from a seeded generator of their own: the
// same seed gives the same batches on any machine.

import { native } from '../native.js';
import { checkOptions, Tensor } from '../tensor.js';
import { collate, type Collated } from './collate.js';
import { checkDataset, type Dataset, type SampleOf, TensorDataset } from './dataset.js';
import { Random } from './random.js';
import type { Sampler } from './sampler.js';

export interface Transform {
  /** RandomCrop(size, padding): pad by `padding` then crop `size` at a random offset. */
  randomCrop?: { size: number | [number, number]; padding?: number };
  /** RandomHorizontalFlip(p). */
  randomHorizontalFlip?: number;
  /** Bilinear resize to [h, w] (align_corners=false), e.g. [32, 32] for CIFAR-style nets. */
  resize?: [number, number];
  /** Repeat a grayscale channel to 3 (for ImageNet-style stems). */
  grayscaleToRgb?: boolean;
  /** Normalize((x - mean) / std) per channel, after scaling to [0, 1]. */
  normalize?: { mean: number[]; std: number[] };
}

export interface DataLoaderOptions {
  batchSize: number;
  shuffle?: boolean;
  /** Seed of the shuffle and augmentation generator. */
  seed?: number;
  dropLast?: boolean;
  transform?: Transform;
  /** Batches prepared ahead (default 2; 0 prepares each batch when asked). */
  prefetch?: number;
  /** The order of the indices (instead of shuffle), e.g. a WeightedRandomSampler. */
  sampler?: Sampler;
}

export interface Batch {
  /** float32 [B, C, H, W] */
  input: Tensor;
  /** int64 [B] */
  target: Tensor;
}

/** What a DataLoader over D yields: Batch for a TensorDataset, the collated samples otherwise. */
export type BatchOf<D> = D extends TensorDataset ? Batch : Collated<SampleOf<D>>;

function disposeTree(value: unknown): void {
  if (value instanceof Tensor) value.dispose();
  else if (Array.isArray(value)) value.forEach(disposeTree);
  else if (value !== null && typeof value === 'object') Object.values(value).forEach(disposeTree);
}

/**
 * @example
 * for await (const { input, target } of new DataLoader(images, { batchSize: 64, shuffle: true })) ...
 * for await (const [x, y] of new DataLoader({ length: n, get: (i) => [features(i), labels[i]] }, { batchSize: 32 })) ...
 */
export class DataLoader<D extends Dataset<unknown> = TensorDataset> implements AsyncIterable<BatchOf<D>> {
  readonly dataset: D;
  readonly sampler: Sampler | null;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly transform: Transform;
  readonly prefetch: number;
  private readonly random: Random;

  /** True when batches come from the native image path. */
  readonly nativePath: boolean;

  constructor(dataset: D, options: DataLoaderOptions) {
    checkOptions('DataLoader', options, ['batchSize', 'shuffle', 'seed', 'dropLast', 'transform', 'prefetch', 'sampler']);
    checkDataset('DataLoader', dataset);
    this.nativePath = dataset instanceof TensorDataset && dataset.isImageClassification;
    if (dataset instanceof TensorDataset && !this.nativePath && dataset.tensors.length !== 2) {
      throw new RangeError(`DataLoader: a TensorDataset yields { input, target } and needs 2 tensors, but this one has ${dataset.tensors.length} (wrap it, e.g. new Subset(ds, indices), to get the collated list)`);
    }
    if (!this.nativePath && options?.transform !== undefined) {
      throw new TypeError('DataLoader: transform applies to image TensorDatasets (uint8 [N, C, H, W] with int64 labels) only; transform samples in your dataset\'s get()');
    }
    if (options?.sampler !== undefined && options.shuffle) throw new RangeError('DataLoader: sampler option is mutually exclusive with shuffle');
    const sampler = options?.sampler;
    if (sampler !== undefined && (sampler === null || typeof sampler !== 'object' || !(Symbol.iterator in sampler))) {
      throw new TypeError(`DataLoader: expected an iterable of indices for sampler but received ${sampler === null ? 'null' : typeof sampler}`);
    }
    this.sampler = sampler ?? null;
    if (!Number.isInteger(options?.batchSize) || options.batchSize < 1) {
      throw new RangeError(`DataLoader: batchSize must be a positive integer but received ${String(options?.batchSize)}`);
    }
    checkOptions('DataLoader transform', options.transform, ['randomCrop', 'randomHorizontalFlip', 'resize', 'grayscaleToRgb', 'normalize']);
    this.dataset = dataset;
    this.batchSize = options.batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.transform = options.transform ?? {};
    this.prefetch = options.prefetch ?? 2;
    if (!Number.isInteger(this.prefetch) || this.prefetch < 0 || this.prefetch > 64) {
      throw new RangeError(`DataLoader: prefetch must be an integer between 0 and 64 but received ${String(this.prefetch)}`);
    }
    const seed = options.seed ?? 0;
    // Random keeps a 32-bit seed: NaN, 'abc' or 2**60 used to shuffle exactly like seed 0.
    if (typeof seed !== 'number') throw new TypeError(`DataLoader: expected integer for seed but received ${typeof seed}`);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`DataLoader: seed must be an integer between 0 and 4294967295 but received ${seed}`);
    }
    this.random = new Random(seed);
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.sampler?.length ?? this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The shuffle/augmentation generator's state: save it with a checkpoint to resume the same epochs. */
  get randomState(): number[] {
    return this.random.state;
  }
  set randomState(state: number[]) {
    this.random.state = state;
  }

  private plan(): Int32Array[] {
    const order =
      this.sampler !== null
        ? Int32Array.from(this.sampler)
        : this.shuffle
          ? this.random.permutation(this.dataset.length)
          : Int32Array.from({ length: this.dataset.length }, (_, i) => i);
    const n = order.length;
    const batches: Int32Array[] = [];
    for (let start = 0; start < n; start += this.batchSize) {
      const batch = order.subarray(start, Math.min(n, start + this.batchSize));
      if (batch.length < this.batchSize && this.dropLast) break;
      batches.push(batch.slice());
    }
    return batches;
  }

  /** The random choices of one batch (crop offsets, flips), drawn in batch order. */
  private draw(indices: Int32Array): Record<string, unknown> {
    if (!this.nativePath) return {};
    const t = this.transform;
    const [, , height, width] = (this.dataset as unknown as TensorDataset).images.shape;
    const options: Record<string, unknown> = {};
    if (t.randomCrop) {
      const size = typeof t.randomCrop.size === 'number' ? [t.randomCrop.size, t.randomCrop.size] : t.randomCrop.size;
      const padding = t.randomCrop.padding ?? 0;
      const offsets = new Int32Array(2 * indices.length);
      for (let b = 0; b < indices.length; b++) {
        offsets[2 * b] = this.random.int(height + 2 * padding - size[0] + 1);
        offsets[2 * b + 1] = this.random.int(width + 2 * padding - size[1] + 1);
      }
      Object.assign(options, { padding, crop: size, cropOffsets: offsets });
    }
    if (t.randomHorizontalFlip !== undefined) {
      const p = t.randomHorizontalFlip;
      options.flips = Uint8Array.from(indices, () => (this.random.next() < p ? 1 : 0));
    }
    if (t.resize) options.resize = t.resize;
    if (t.grayscaleToRgb) options.channels = 3;
    if (t.normalize) Object.assign(options, { mean: t.normalize.mean, std: t.normalize.std });
    return options;
  }

  private launch(indices: Int32Array): Promise<BatchOf<D>> {
    if (!this.nativePath) return this.collateBatch(indices);
    const options = this.draw(indices);
    const ds = this.dataset as unknown as TensorDataset;
    return native
      .makeBatch(ds.images._native, ds.labels._native, indices, options)
      .then(([input, target]) => ({ input: Tensor._wrap(input), target: Tensor._wrap(target) }) as BatchOf<D>);
  }

  private async collateBatch(indices: Int32Array): Promise<BatchOf<D>> {
    const samples = await Promise.all(Array.from(indices, (i) => this.dataset.get(i)));
    const batch = collate(samples);
    if (this.dataset instanceof TensorDataset) {
      disposeTree(samples); // TensorDataset.get makes copies for this batch; a user's get() may return tensors it keeps
      const [input, target] = batch as Tensor[];
      return { input, target } as BatchOf<D>;
    }
    return batch as BatchOf<D>;
  }

  /** One epoch: a new shuffle, batches prefetched in the background. */
  [Symbol.asyncIterator](): AsyncGenerator<BatchOf<D>> {
    return this.epoch();
  }

  /**
   * One epoch, optionally starting after `skip` batches: their random choices
   * are still drawn, so resuming mid-epoch gives exactly the batches an
   * uninterrupted epoch would have.
   */
  async *epoch(options: { skip?: number } = {}): AsyncGenerator<BatchOf<D>> {
    const batches = this.plan();
    const inFlight: Promise<BatchOf<D>>[] = [];
    const skip = Math.min(options.skip ?? 0, batches.length);
    for (let i = 0; i < skip; i++) this.draw(batches[i]);
    let next = skip;
    const fill = () => {
      while (next < batches.length && inFlight.length < Math.max(1, this.prefetch)) inFlight.push(this.launch(batches[next++]));
    };
    try {
      fill();
      while (inFlight.length > 0) {
        const batch = await inFlight.shift()!;
        fill();
        yield batch;
      }
    } finally {
      // Stopped early (break / throw): free what was prepared but not used.
      for (const pending of inFlight) {
        pending.then(disposeTree).catch(() => undefined);
      }
    }
  }
}
