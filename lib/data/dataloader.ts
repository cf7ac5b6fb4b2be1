// Batches from a TensorDataset, assembled and augmented off the JS thread.
//
// Up to `prefetch` batches are in flight on libuv's thread pool while the
// caller trains on the current one, so data preparation overlaps compute.
// Shuffling and augmentation draw from a seeded generator of their own: the
// same seed gives the same batches on any machine.

import { native } from '../native.js';
import { checkOptions, Tensor } from '../tensor.js';
import type { TensorDataset } from './dataset.js';
import { Random } from './random.js';

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
}

export interface Batch {
  /** float32 [B, C, H, W] */
  input: Tensor;
  /** int64 [B] */
  target: Tensor;
}

export class DataLoader implements AsyncIterable<Batch> {
  readonly dataset: TensorDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly transform: Transform;
  readonly prefetch: number;
  private readonly random: Random;

  constructor(dataset: TensorDataset, options: DataLoaderOptions) {
    checkOptions('DataLoader', options, ['batchSize', 'shuffle', 'seed', 'dropLast', 'transform', 'prefetch']);
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
    const n = this.dataset.length;
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
    const n = this.dataset.length;
    const order = this.shuffle ? this.random.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
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
    const t = this.transform;
    const [, , height, width] = this.dataset.images.shape;
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

  private launch(indices: Int32Array): Promise<Batch> {
    const options = this.draw(indices);
    return native
      .makeBatch(this.dataset.images._native, this.dataset.labels._native, indices, options)
      .then(([input, target]) => ({ input: Tensor._wrap(input), target: Tensor._wrap(target) }));
  }

  /** One epoch: a new shuffle, batches prefetched in the background. */
  [Symbol.asyncIterator](): AsyncGenerator<Batch> {
    return this.epoch();
  }

  /**
   * One epoch, optionally starting after `skip` batches: their random choices
   * are still drawn, so resuming mid-epoch gives exactly the batches an
   * uninterrupted epoch would have.
   */
  async *epoch(options: { skip?: number } = {}): AsyncGenerator<Batch> {
    const batches = this.plan();
    const inFlight: Promise<Batch>[] = [];
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
        pending.then((b) => (b.input.dispose(), b.target.dispose())).catch(() => undefined);
      }
    }
  }
}
