// `libtorch-resnet train --nproc N`: data-parallel training on this machine
// (like `torchrun --standalone --nproc-per-node N`), or one rank of a
// multi-machine job (--nnodes, --node-rank, --master-addr, --master-port, or
// torchrun's own environment: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
// MASTER_PORT).
//
// The launcher starts the workers as `node <this bin> train ...` with
// torchrun's variables set, in their own process group (detached), so one
// Ctrl-C reaches each worker exactly once: the launcher forwards it. The
// workers stop at the same batch (train() allreduces the stop flag), rank 0
// writes the checkpoint. A worker that dies takes the others down (the
// launcher terminates them), and a worker whose launcher is gone exits (the
// IPC channel closes), so no orphan keeps training.
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

import * as torch from '../lib/index.js';
import { UsageError } from './models.js';
import type { TrainConfig } from './train.js';

export interface DdpSplit {
  launch: boolean;
  nproc: number;
  nnodes: number;
  nodeRank: number;
  masterAddr: string;
  masterPort: number;
  /** The train options without the launcher's. */
  rest: string[];
}

const OPTIONS = ['nproc', 'nnodes', 'node-rank', 'master-addr', 'master-port'];

/** Takes the launcher's options out of `argv`. */
export function splitDdpArgs(argv: string[]): DdpSplit {
  const rest: string[] = [];
  const found: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (m && OPTIONS.includes(m[1])) {
      const value = m[2] ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${m[1]} needs a value`);
      found[m[1]] = value;
    } else {
      rest.push(argv[i]);
    }
  }
  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const v = found[name];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}] but is '${v}'`);
    return n;
  };
  const nnodes = int('nnodes', 1, 1);
  const split: DdpSplit = {
    launch: found.nproc !== undefined && process.env.LTR_DDP_WORKER !== '1',
    nproc: int('nproc', 1, 1, 1024),
    nnodes,
    nodeRank: int('node-rank', 0, 0, nnodes - 1),
    masterAddr: found['master-addr'] ?? process.env.MASTER_ADDR ?? '127.0.0.1',
    masterPort: int('master-port', Number(process.env.MASTER_PORT ?? 29500), 1, 65535),
    rest,
  };
  if (!split.launch && Object.keys(found).length > 0 && process.env.LTR_DDP_WORKER !== '1') {
    throw new UsageError(`--${Object.keys(found)[0]} needs --nproc N (the processes to start on this machine)`);
  }
  return split;
}

/** True in a process started as one rank (by the launcher or by torchrun). */
export function isWorker(): boolean {
  return process.env.RANK !== undefined && process.env.WORLD_SIZE !== undefined;
}

/** Joins the job's process group (env://); without --threads, the cores are shared among this machine's workers. */
export async function joinGroup(config: TrainConfig, argv: string[]): Promise<void> {
  if (process.env.LTR_DDP_WORKER === '1') {
    process.on('disconnect', () => process.exit(1));
    process.channel?.unref();  // the channel only watches the launcher; it must not keep this process alive
  }
  const local = Number(process.env.LOCAL_WORLD_SIZE ?? 1);
  if (!argv.some((a) => a === '--threads' || a.startsWith('--threads='))) config.threads = Math.max(1, Math.floor(availableParallelism() / Math.max(1, local)));
  await torch.distributed.initProcessGroup({ backend: 'gloo', initMethod: 'env://' });
}

/** Starts this machine's workers and waits for them; the exit code is the job's. */
export async function launch(split: DdpSplit, bin: string): Promise<number> {
  const { parseTrainArgs } = await import('./train.js');
  parseTrainArgs(split.rest);
  const world = split.nproc * split.nnodes;
  const children: ChildProcess[] = [];
  const exits: Promise<{ rank: number; code: number | null; signal: NodeJS.Signals | null }>[] = [];
  let failing = false;
  const stopAll = (signal: NodeJS.Signals) => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  };
  for (let local = 0; local < split.nproc; local++) {
    const rank = split.nodeRank * split.nproc + local;
    const child = spawn(process.execPath, [bin, 'train', ...split.rest], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: true,
      env: {
        ...process.env,
        LTR_DDP_WORKER: '1',
        RANK: String(rank),
        LOCAL_RANK: String(local),
        WORLD_SIZE: String(world),
        LOCAL_WORLD_SIZE: String(split.nproc),
        MASTER_ADDR: split.masterAddr,
        MASTER_PORT: String(split.masterPort),
      },
    });
    children.push(child);
    exits.push(
      new Promise((resolve) => {
        child.on('exit', (code, signal) => {
          if (code !== 0 && code !== 130 && !failing) {
            failing = true;
            process.stderr.write(`train: worker ${rank} ${signal ? `was killed (${signal})` : `exited with code ${code}`}; stopping the others\n`);
            stopAll('SIGTERM');
            setTimeout(() => stopAll('SIGKILL'), 10_000).unref();
          }
          resolve({ rank, code, signal });
        });
      }),
    );
  }
  const onSigint = () => stopAll('SIGINT');
  const onSigterm = () => stopAll('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    const results = await Promise.all(exits);
    if (results.every((r) => r.code === 0)) return 0;
    if (!failing && results.every((r) => r.code === 0 || r.code === 130)) return 130;
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}
