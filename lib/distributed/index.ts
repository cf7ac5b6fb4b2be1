// torch.distributed on libtorch's own c10d (issue #13): a TCPStore rendezvous
// and a Gloo process group (native/distributed.cc). The rendezvous is
// PyTorch's, key for key, so TypeScript and Python ranks can form one group.
//
//   await torch.distributed.initProcessGroup({ backend: 'gloo', initMethod: 'tcp://127.0.0.1:29500', rank, worldSize: 2 });
//   await torch.distributed.allReduce(t);            // in place, sum
//   torch.distributed.destroyProcessGroup();

import { native } from '../native.js';
import { checkOptions, describe, Tensor } from '../tensor.js';

/** What `initProcessGroup` takes; `env://` reads MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE as torchrun sets them. */
export interface InitOptions {
  backend?: 'gloo' | 'nccl';
  /** 'tcp://host:port' or 'env://' (the default). */
  initMethod?: string;
  rank?: number;
  worldSize?: number;
  /** How long a rendezvous or a collective may wait for its peers (PyTorch's default: 30 minutes). */
  timeoutMs?: number;
}

export type ReduceOp = 'sum' | 'avg' | 'max' | 'min' | 'product';

/** A process group (the default one is what the functions below use). */
export interface ProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  /** @internal */
  readonly _handle: object;
}

/** PyTorch's default_pg_timeout: 30 minutes. */
export const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

let defaultGroup: ProcessGroup | null = null;

/** @internal A value for a RangeError message: numbers as written (2, -1, NaN), anything else by kind. */
export function show(value: unknown): string {
  return typeof value === 'number' ? String(value) : describe(value);
}

function group(op: string): ProcessGroup {
  if (defaultGroup === null) throw new Error(`${op}: the default process group has not been initialized; call torch.distributed.initProcessGroup first`);
  return defaultGroup;
}

function intFrom(op: string, name: string, value: unknown, source: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (!Number.isSafeInteger(n) || (n as number) < 0) throw new RangeError(`${op}: ${name} must be a whole number >= 0 but ${source} is ${show(value)}`);
  return n as number;
}

/** host, port, rank and worldSize from the options and the environment, as PyTorch's rendezvous handlers read them. */
export function resolveInit(options: InitOptions, env: NodeJS.ProcessEnv = process.env): { host: string; port: number; rank: number; worldSize: number } {
  const op = 'initProcessGroup';
  const method = options.initMethod ?? 'env://';
  if (typeof method !== 'string') throw new TypeError(`${op}: expected string for initMethod but received ${describe(method)}`);
  let host: string;
  let port: number;
  let rank: unknown = options.rank;
  let worldSize: unknown = options.worldSize;
  if (method.startsWith('tcp://')) {
    const m = /^tcp:\/\/(\[[^\]]+\]|[^:/?]+):(\d+)\/?$/.exec(method);
    if (m === null) throw new RangeError(`${op}: initMethod must look like tcp://host:port but received '${method}'`);
    host = m[1].replace(/^\[|\]$/g, '');
    port = Number(m[2]);
    if (rank === undefined) throw new RangeError(`${op}: rank is required with a tcp:// initMethod`);
    if (worldSize === undefined) throw new RangeError(`${op}: worldSize is required with a tcp:// initMethod`);
  } else if (method === 'env://') {
    const need = (name: string): string => {
      const v = env[name];
      if (v === undefined || v === '') throw new RangeError(`${op}: environment variable ${name} expected, but not set (env:// reads MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE)`);
      return v;
    };
    host = need('MASTER_ADDR');
    port = intFrom(op, 'MASTER_PORT', need('MASTER_PORT'), 'the environment variable');
    if (rank === undefined) rank = intFrom(op, 'RANK', need('RANK'), 'the environment variable');
    if (worldSize === undefined) worldSize = intFrom(op, 'WORLD_SIZE', need('WORLD_SIZE'), 'the environment variable');
  } else {
    throw new RangeError(`${op}: initMethod must be 'env://' or 'tcp://host:port' but received '${method}'`);
  }
  if (!Number.isSafeInteger(port) || port < 1 || port > 65535) throw new RangeError(`${op}: port must be in [1, 65535] but received ${port}`);
  if (!Number.isSafeInteger(worldSize) || (worldSize as number) < 1) throw new RangeError(`${op}: worldSize must be a whole number >= 1 but received ${show(worldSize)}`);
  if (!Number.isSafeInteger(rank) || (rank as number) < 0 || (rank as number) >= (worldSize as number)) {
    throw new RangeError(`${op}: rank must be in [0, ${String(worldSize)}) but received ${show(rank)}`);
  }
  return { host, port, rank: rank as number, worldSize: worldSize as number };
}

/**
 * Joins the default process group (torch.distributed.init_process_group). Resolves when every rank has joined.
 * @example await torch.distributed.initProcessGroup({ backend: 'gloo', initMethod: 'tcp://127.0.0.1:29500', rank: 0, worldSize: 2 })
 */
export async function initProcessGroup(options: InitOptions = {}): Promise<ProcessGroup> {
  const op = 'initProcessGroup';
  if (options === null || typeof options !== 'object') throw new TypeError(`${op}: expected an options object but received ${describe(options)}`);
  checkOptions(op, options, ['backend', 'initMethod', 'rank', 'worldSize', 'timeoutMs']);
  const backend = options.backend ?? 'gloo';
  if (backend === 'nccl') throw new RangeError(`${op}: backend 'nccl' needs a CUDA libtorch with NCCL; this build runs Gloo on CPU (use backend 'gloo')`);
  if (backend !== 'gloo') throw new RangeError(`${op}: backend must be 'gloo' or 'nccl' but received ${show(backend)}`);
  if (defaultGroup !== null) throw new Error(`${op}: trying to initialize the default process group twice (call destroyProcessGroup first)`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new RangeError(`${op}: timeoutMs must be a whole number >= 1 but received ${show(timeoutMs)}`);
  const { host, port, rank, worldSize } = resolveInit(options);
  // torchrun's agent store (torch.distributed.rendezvous._create_c10d_store): the agent hosts it, every rank is a client.
  const agentPrefix = process.env.TORCHELASTIC_USE_AGENT_STORE === 'True' ? `/worker/attempt_${process.env.TORCHELASTIC_RESTART_COUNT ?? '0'}` : null;
  const made = await native.distInit(host, port, rank, worldSize, timeoutMs, agentPrefix);
  if (defaultGroup !== null) {
    native.distDestroy(made.group);
    throw new Error(`${op}: another initProcessGroup finished first`);
  }
  defaultGroup = Object.freeze({ rank: made.rank, worldSize: made.worldSize, _handle: made.group });
  return defaultGroup;
}

/** False when this build has no Gloo backend (Gloo's headers were missing at build time, e.g. against a pip wheel's libtorch). */
export function isAvailable(): boolean {
  return native.distAvailable;
}

/** True once initProcessGroup has resolved (and destroyProcessGroup has not run). */
export function isInitialized(): boolean {
  return defaultGroup !== null;
}

/** This process's rank in the default group. */
export function getRank(): number {
  return group('getRank').rank;
}

/** How many processes the default group has. */
export function getWorldSize(): number {
  return group('getWorldSize').worldSize;
}

/** The default group (for DistributedDataParallel's processGroup option). */
export function getDefaultGroup(): ProcessGroup {
  return group('getDefaultGroup');
}

/** Leaves the group; collectives still in flight finish first. */
export function destroyProcessGroup(): void {
  const g = group('destroyProcessGroup');
  defaultGroup = null;
  native.distDestroy(g._handle);
}

function tensorArg(op: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected Tensor for tensor but received ${describe(t)}`);
  return t;
}

/**
 * Reduces `tensor` across ranks in place (dist.all_reduce). 'avg' is a sum divided by the world size (Gloo has no AVG).
 * @example await torch.distributed.allReduce(grad, 'avg')
 */
export function allReduce(tensor: Tensor, op: ReduceOp = 'sum'): Promise<void> {
  const g = group('allReduce');
  return native.distAllReduce(g._handle, tensorArg('allReduce', tensor)._native, op, true) as Promise<void>;
}

/** allReduce, blocking the JS thread until every rank has contributed. */
export function allReduceSync(tensor: Tensor, op: ReduceOp = 'sum'): void {
  const g = group('allReduceSync');
  native.distAllReduce(g._handle, tensorArg('allReduceSync', tensor)._native, op, false);
}

/** Copies rank `src`'s `tensor` into every rank's `tensor`, in place (dist.broadcast). */
export function broadcast(tensor: Tensor, src = 0): Promise<void> {
  const g = group('broadcast');
  return native.distBroadcast(g._handle, tensorArg('broadcast', tensor)._native, src, true) as Promise<void>;
}

/** broadcast, blocking. */
export function broadcastSync(tensor: Tensor, src = 0): void {
  const g = group('broadcastSync');
  native.distBroadcast(g._handle, tensorArg('broadcastSync', tensor)._native, src, false);
}

/** Every rank's `tensor`, in rank order (dist.all_gather; here the list is returned, not filled in). */
export async function allGather(tensor: Tensor): Promise<Tensor[]> {
  const g = group('allGather');
  const out = (await native.distAllGather(g._handle, tensorArg('allGather', tensor)._native, true)) as unknown as Tensor['_native'][];
  return out.map((h) => Tensor._wrap(h));
}

/** allGather, blocking. */
export function allGatherSync(tensor: Tensor): Tensor[] {
  const g = group('allGatherSync');
  const out = native.distAllGather(g._handle, tensorArg('allGatherSync', tensor)._native, false) as unknown as Tensor['_native'][];
  return out.map((h) => Tensor._wrap(h));
}

/** Resolves when every rank has reached the barrier (dist.barrier). */
export function barrier(): Promise<void> {
  return native.distBarrier(group('barrier')._handle, true) as Promise<void>;
}

/** barrier, blocking. */
export function barrierSync(): void {
  native.distBarrier(group('barrierSync')._handle, false);
}
