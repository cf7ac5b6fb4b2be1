// torch.Generator (CPU): a random number generator of its own, for samplers
// and randomSplit, drawing what PyTorch's draws from the same seed.

import { native } from './native.js';
import { describe, Tensor } from './tensor.js';

/** PyTorch's default seed of a new torch.Generator() (c10's default_rng_seed_val). */
const DEFAULT_SEED = 67280421310721;

function checkSeed(op: string, seed: unknown): number {
  if (!Number.isSafeInteger(seed) || (seed as number) < 0) throw new RangeError(`${op}: seed must be a whole number >= 0 but received ${describe(seed)}`);
  return seed as number;
}

/**
 * A CPU generator, as torch.Generator(): `new torch.Generator().manualSeed(42)`
 * gives the permutations `torch.Generator().manual_seed(42)` gives in PyTorch.
 * @example const g = new torch.Generator().manualSeed(0); new data.RandomSampler(ds, { generator: g })
 */
export class Generator {
  /** @internal */
  readonly _handle: object;
  #seed: number;

  constructor() {
    this.#seed = DEFAULT_SEED;
    this._handle = native.generatorNew(DEFAULT_SEED);
  }

  manualSeed(seed: number): this {
    this.#seed = checkSeed('Generator.manualSeed', seed);
    native.generatorManualSeed(this._handle, seed);
    return this;
  }

  initialSeed(): number {
    return this.#seed;
  }

  /** torch.randperm(n, generator=this): int64. */
  randperm(n: number): Tensor {
    return new Tensor(native.randpermWith(this._handle, n));
  }
}
