// nn.parallel.DistributedDataParallel on libtorch's c10d::Reducer (issue #13).
//
// The Reducer is PyTorch DDP's engine, driven here exactly as
// torch/nn/parallel/distributed.py (1.13) drives it:
//   construction: verify parameter shapes across ranks, broadcast rank 0's
//     parameters and buffers (broadcast_coalesced, 250 MB buckets), build the
//     Reducer with one bucket (or [1 MB, bucketCapMb] with
//     findUnusedParameters), in reverse parameter order;
//   forward: prepare_for_forward, rebuild_buckets (after iteration 1 the
//     buckets follow the order gradients became ready, capped at bucketCapMb;
//     a collective), broadcast buffers from rank 0 (broadcastBuffers), run the
//     module, prepare_for_backward;
//   backward: the Reducer's hooks on every parameter's AccumulateGrad run
//     inside libtorch's autograd engine; each full bucket is averaged and
//     allreduced on Gloo's threads while backward goes on, and the engine's
//     final callback waits and writes the averaged gradients into .grad.
// Because all of this is PyTorch's own C++, a TypeScript rank and a Python DDP
// rank run the same collectives in the same order.

import { native } from '../native.js';
import { isGradEnabled } from '../autograd.js';
import { checkOptions, describe, Tensor } from '../tensor.js';
import { getDefaultGroup, type ProcessGroup, show } from '../distributed/index.js';
import { type AnyModule, Module } from './module.js';

export interface DistributedDataParallelOptions {
  /** Gradient bucket size in MiB (PyTorch's default 25). */
  bucketCapMb?: number;
  /** Broadcast rank 0's buffers (BatchNorm running stats) before every forward (default true). */
  broadcastBuffers?: boolean;
  /** Search the graph for parameters that got no gradient in a step (default false). */
  findUnusedParameters?: boolean;
  /** Gradients become views into the allreduce buckets (saves a copy; default false). */
  gradientAsBucketView?: boolean;
  processGroup?: ProcessGroup;
}

/** PyTorch's DDP broadcast_bucket_size. */
const BROADCAST_BUCKET_BYTES = 250 * 1024 * 1024;

function collectTensors(out: unknown, acc: Tensor[] = []): Tensor[] {
  if (out instanceof Tensor) acc.push(out);
  else if (Array.isArray(out)) for (const o of out) collectTensors(o, acc);
  else if (out !== null && typeof out === 'object') for (const o of Object.values(out)) collectTensors(o, acc);
  return acc;
}

/**
 * Data-parallel training: wrap the model on every rank, then train as usual; gradients are averaged across ranks during backward.
 * `stateDict()` keys carry PyTorch's `module.` prefix, as PyTorch's DDP does; save `ddp.module.stateDict()` for a checkpoint any model loads.
 * @example const ddp = new torch.nn.parallel.DistributedDataParallel(model); ddp.forward(x) ... loss.backward(); opt.step();
 */
export class DistributedDataParallel<In extends unknown[] = [Tensor], Out = Tensor> extends Module<In, Out> {
  declare readonly module: Module<In, Out>;
  readonly broadcastBuffers: boolean;
  readonly findUnusedParameters: boolean;
  readonly bucketBytesCap: number;
  readonly processGroup: ProcessGroup;
  /** False inside noSync(): gradients accumulate locally. */
  requireBackwardGradSync = true;
  #requireForwardParamSync = true;
  #reducer: object | null;
  #params: Tensor[];

  constructor(module: Module<In, Out>, options: DistributedDataParallelOptions = {}) {
    super();
    const op = 'DistributedDataParallel';
    if (!(module instanceof Module)) throw new TypeError(`${op}: expected Module for module but received ${describe(module)}`);
    if (options === null || typeof options !== 'object') throw new TypeError(`${op}: expected an options object but received ${describe(options)}`);
    checkOptions(op, options, ['bucketCapMb', 'broadcastBuffers', 'findUnusedParameters', 'gradientAsBucketView', 'processGroup']);
    const bucketCapMb = options.bucketCapMb ?? 25;
    if (typeof bucketCapMb !== 'number' || !(bucketCapMb > 0) || !Number.isFinite(bucketCapMb)) throw new RangeError(`${op}: bucketCapMb must be a number > 0 but received ${show(bucketCapMb)}`);
    for (const k of ['broadcastBuffers', 'findUnusedParameters', 'gradientAsBucketView'] as const) {
      if (options[k] !== undefined && typeof options[k] !== 'boolean') throw new TypeError(`${op}: expected boolean for ${k} but received ${describe(options[k])}`);
    }
    this.processGroup = options.processGroup ?? getDefaultGroup();
    this.broadcastBuffers = options.broadcastBuffers ?? true;
    this.findUnusedParameters = options.findUnusedParameters ?? false;
    this.bucketBytesCap = Math.trunc(bucketCapMb * 1024 * 1024);
    this.registerModule('module', module as unknown as AnyModule);

    const named = module.namedParameters().filter(([, p]) => p.requiresGrad);
    if (named.length === 0) throw new RangeError(`${op}: the module has no parameter that requires grad`);
    this.#params = named.map(([, p]) => p);
    const g = this.processGroup._handle;
    native.distVerifyParams(g, this.#params.map((p) => p._native));
    const states = [...module.namedParameters().map(([, p]) => p), ...module.namedBuffers().map(([, b]) => b)];
    native.distBroadcastCoalesced(g, states.map((t) => t._native), BROADCAST_BUCKET_BYTES, 0);
    this.#reducer = native.ddpReducerNew(
      g,
      this.#params.map((p) => p._native),
      named.map(([n]) => n),
      this.bucketBytesCap,
      this.findUnusedParameters,
      options.gradientAsBucketView ?? false,
    );
  }

  #reducerHandle(op: string): object {
    if (this.#reducer === null) throw new Error(`${op}: this DistributedDataParallel was disposed`);
    return this.#reducer;
  }

  forward(...inputs: In): Out {
    const r = this.#reducerHandle('DistributedDataParallel.forward');
    const grad = isGradEnabled();
    const sync = grad && this.requireBackwardGradSync;
    if (grad) native.ddpReducerPrepareForward(r, sync);
    if (this.#requireForwardParamSync && this.broadcastBuffers) {
      const bufs = this.module.buffers();
      if (bufs.length > 0) native.distBroadcastCoalesced(this.processGroup._handle, bufs.map((b) => b._native), BROADCAST_BUCKET_BYTES, 0);
    }
    const out = this.module.forward(...inputs);
    if (sync) {
      this.#requireForwardParamSync = true;
      native.ddpReducerPrepareBackward(r, this.findUnusedParameters ? collectTensors(out).map((t) => t._native) : []);
    } else {
      this.#requireForwardParamSync = false;
    }
    return out;
  }

  /**
   * Runs `fn` with gradient synchronisation off: backward passes inside accumulate into .grad locally;
   * the first backward after it (outside) averages the accumulated gradients. PyTorch's `with ddp.no_sync():`.
   * @example ddp.noSync(() => { ddp.forward(x1) ... .backward(); }); ddp.forward(x2) ... .backward();
   */
  noSync<R>(fn: () => R): R {
    if (typeof fn !== 'function') throw new TypeError(`noSync: expected function for fn but received ${describe(fn)}`);
    const old = this.requireBackwardGradSync;
    this.requireBackwardGradSync = false;
    try {
      const r = fn();
      if (r instanceof Promise) throw new TypeError('noSync: fn must be synchronous (it returned a Promise)');
      return r;
    } finally {
      this.requireBackwardGradSync = old;
    }
  }

  /** How many parameters each gradient bucket holds, in reduction order (one bucket until the rebuild after the first step). */
  bucketSizes(): number[] {
    return native.ddpReducerBuckets(this.#reducerHandle('bucketSizes')) as number[];
  }

  /** Drops the Reducer (its autograd hooks stop) and frees the wrapped module's tensors, as Module.dispose does. */
  override dispose(): void {
    if (this.#reducer !== null) native.ddpReducerDestroy(this.#reducer);
    this.#reducer = null;
    super.dispose();
  }
}
