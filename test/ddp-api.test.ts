// torch.distributed's API (issue #13): DistributedSampler against PyTorch's,
// collectives across two processes, and the error paths.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { FIXTURES, ROOT } from './setup/fixtures.js';
import { freePort } from './setup/net.js';

const dist = torch.distributed;

describe.runIf(!torch.distributed.isAvailable())('a build without Gloo', () => {
  it('says so when a process group is asked for', async () => {
    await expect(torch.distributed.initProcessGroup({ initMethod: 'tcp://127.0.0.1:29500', rank: 0, worldSize: 1 })).rejects.toThrow(/initProcessGroup: this build of libtorch-resnet has no Gloo backend/);
  });
});

describe('data.DistributedSampler', () => {
  interface Case { n: number; numReplicas: number; rank: number; shuffle: boolean; seed: number; dropLast: boolean; epoch: number; indices: number[]; length: number }
  const cases = (JSON.parse(readFileSync(join(FIXTURES, 'ddp', 'cases.json'), 'utf8')) as { samplers: Case[] }).samplers;

  it.each(cases.map((c) => [`n=${c.n} world=${c.numReplicas} rank=${c.rank} shuffle=${c.shuffle} seed=${c.seed} dropLast=${c.dropLast} epoch=${c.epoch}`, c] as const))(
    "yields PyTorch's indices: %s",
    (_, c) => {
      const s = new torch.data.DistributedSampler(c.n, { numReplicas: c.numReplicas, rank: c.rank, shuffle: c.shuffle, seed: c.seed, dropLast: c.dropLast });
      s.setEpoch(c.epoch);
      expect(s.length).toBe(c.length);
      expect([...s]).toEqual(c.indices);
    },
  );

  it('rejects bad options with messages naming them', () => {
    expect(() => new torch.data.DistributedSampler(10, { numReplicas: 2, rank: 2 })).toThrow(new RangeError('DistributedSampler: Invalid rank 2, rank should be in the interval [0, 1]'));
    expect(() => new torch.data.DistributedSampler(10, { numReplicas: 0, rank: 0 })).toThrow(/DistributedSampler: numReplicas must be a whole number >= 1 but received 0/);
    expect(() => new torch.data.DistributedSampler(10)).toThrow(new RangeError('DistributedSampler: numReplicas and rank are required when no process group is initialized'));
    expect(() => new torch.data.DistributedSampler(10, { numReplicas: 2, rank: 0, shuffle: 'yes' as never })).toThrow(TypeError);
    const s = new torch.data.DistributedSampler(10, { numReplicas: 2, rank: 0 });
    expect(() => s.setEpoch(-1)).toThrow(/DistributedSampler.setEpoch: epoch must be a whole number >= 0 but received -1/);
  });
});

describe.skipIf(!torch.distributed.isAvailable())('collectives across two processes', () => {
  it('allReduce sum/avg/max/min, broadcast, allGather, barrier (async and sync) give what every rank expects', async () => {
    const port = await freePort();
    const script = `
      import * as torch from ${JSON.stringify(join(ROOT, 'dist', 'lib', 'index.js'))};
      const d = torch.distributed;
      const rank = Number(process.argv[1]);
      await d.initProcessGroup({ initMethod: 'tcp://127.0.0.1:${port}', rank, worldSize: 2, timeoutMs: 20000 });
      const r = {};
      for (const op of ['sum', 'avg', 'max', 'min']) {
        const t = torch.tensor([rank + 1, 10 * (rank + 1), -rank], [3]);
        await d.allReduce(t, op);
        r[op] = Array.from(t.toArray());
      }
      const s = torch.tensor([rank + 1, rank + 1], [2]);
      d.allReduceSync(s, 'sum');
      r.sync = Array.from(s.toArray());
      const b = torch.tensor([rank * 7 + 1], [1]);
      await d.broadcast(b, 1);
      r.broadcast = Array.from(b.toArray());
      r.gather = (await d.allGather(torch.tensor([rank, rank], [2]))).map((t) => Array.from(t.toArray()));
      r.gatherSync = d.allGatherSync(torch.tensor([rank], [1])).map((t) => Array.from(t.toArray()));
      await d.barrier();
      d.barrierSync();
      r.rank = d.getRank(); r.world = d.getWorldSize();
      const sampler = new torch.data.DistributedSampler(5, { shuffle: false });
      r.sampler = [...sampler];
      d.destroyProcessGroup();
      console.log(JSON.stringify(r));
    `;
    const run = (rank: number): Promise<{ code: number | null; out: string; err: string }> =>
      new Promise((resolve) => {
        const c = spawn(process.execPath, ['--input-type=module', '-e', script, String(rank)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        c.stdout.on('data', (d) => (out += d));
        c.stderr.on('data', (d) => (err += d));
        c.on('close', (code) => resolve({ code, out, err }));
      });
    const res = await Promise.all([run(0), run(1)]);
    for (const [rank, r] of res.entries()) {
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const v = JSON.parse(r.out);
      expect(v).toEqual({
        sum: [3, 30, -1],
        avg: [1.5, 15, -0.5],
        max: [2, 20, 0],
        min: [1, 10, -1],
        sync: [3, 3],
        broadcast: [8],
        gather: [[0, 0], [1, 1]],
        gatherSync: [[0], [1]],
        rank,
        world: 2,
        sampler: rank === 0 ? [0, 2, 4] : [1, 3, 0],
      });
    }
  }, 60_000);
});

describe.skipIf(!torch.distributed.isAvailable())('a group of one in this process', () => {
  afterAll(() => {
    if (dist.isInitialized()) dist.destroyProcessGroup();
  });

  it('needs initProcessGroup first, with clear errors', () => {
    expect(() => dist.getRank()).toThrow(new Error('getRank: the default process group has not been initialized; call torch.distributed.initProcessGroup first'));
    expect(() => dist.allReduce(torch.ones([1]))).toThrow(/allReduce: the default process group has not been initialized/);
  });

  it('checks initProcessGroup options', async () => {
    await expect(dist.initProcessGroup({ initMethod: 'tcp://127.0.0.1' })).rejects.toThrow(new RangeError("initProcessGroup: initMethod must look like tcp://host:port but received 'tcp://127.0.0.1'"));
    await expect(dist.initProcessGroup({ initMethod: 'file:///tmp/x', rank: 0, worldSize: 1 })).rejects.toThrow(/initProcessGroup: initMethod must be 'env:\/\/' or 'tcp:\/\/host:port' but received 'file:\/\/\/tmp\/x'/);
    await expect(dist.initProcessGroup({ initMethod: 'tcp://127.0.0.1:1234', rank: 2, worldSize: 2 })).rejects.toThrow(new RangeError('initProcessGroup: rank must be in [0, 2) but received 2'));
    await expect(dist.initProcessGroup({ initMethod: 'tcp://127.0.0.1:1234', rank: 0 })).rejects.toThrow(/worldSize is required with a tcp:\/\/ initMethod/);
    await expect(dist.initProcessGroup({ backend: 'mpi' as never })).rejects.toThrow(/initProcessGroup: backend must be 'gloo' or 'nccl' but received/);
    await expect(dist.initProcessGroup({ backend: 'nccl' })).rejects.toThrow(/backend 'nccl' needs a CUDA libtorch/);
    await expect(dist.initProcessGroup({ timeoutMs: 0, initMethod: 'tcp://127.0.0.1:1234', rank: 0, worldSize: 1 })).rejects.toThrow(/timeoutMs must be a whole number >= 1/);
    await expect(dist.initProcessGroup({ rank: 0, worldSize: 1, bogus: 1 } as never)).rejects.toThrow(/initProcessGroup: unknown option 'bogus'|bogus/);
    expect(() => dist.resolveInit({}, {})).toThrow(/environment variable MASTER_ADDR expected, but not set/);
    expect(dist.resolveInit({}, { MASTER_ADDR: 'h', MASTER_PORT: '29500', RANK: '1', WORLD_SIZE: '4' })).toEqual({ host: 'h', port: 29500, rank: 1, worldSize: 4 });
  });

  it('runs collectives and DDP with worldSize 1; the event loop keeps running during an async collective', async () => {
    const port = await freePort();
    await dist.initProcessGroup({ initMethod: `tcp://127.0.0.1:${port}`, rank: 0, worldSize: 1, timeoutMs: 10_000 });
    await expect(dist.initProcessGroup({ initMethod: `tcp://127.0.0.1:${port}`, rank: 0, worldSize: 1 })).rejects.toThrow(/initialize the default process group twice/);
    const t = torch.tensor([1, 2, 3], [3]);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    for (let i = 0; i < 50; i++) await dist.allReduce(t, 'avg');
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    expect(Array.from(t.toArray())).toEqual([1, 2, 3]);
    expect(() => dist.allReduce(t, 'mean' as never)).toThrow(new RangeError("allReduce: op must be 'sum', 'avg', 'max', 'min' or 'product' but received 'mean'"));
    expect(() => dist.broadcast(t, 1)).toThrow(new RangeError('broadcast: src must be in [0, 1) but received 1'));
    expect(() => dist.allReduce(3 as never)).toThrow(new TypeError('allReduce: expected Tensor for tensor but received number'));
    expect(() => dist.allReduceSync(torch.ones([4, 4]).t())).toThrow(new RangeError('allReduce: tensor must be contiguous'));

    const model = new torch.nn.Sequential(new torch.nn.Linear(4, 3), new torch.nn.ReLU(), new torch.nn.Linear(3, 2));
    expect(() => new torch.nn.parallel.DistributedDataParallel(model, { bucketCapMb: -1 })).toThrow(new RangeError('DistributedDataParallel: bucketCapMb must be a number > 0 but received -1'));
    expect(() => new torch.nn.parallel.DistributedDataParallel({} as never)).toThrow(/DistributedDataParallel: expected Module for module but received/);
    const ddp = new torch.nn.parallel.DistributedDataParallel(model);
    expect(ddp.module).toBe(model);
    expect(Object.keys(ddp.stateDict())).toEqual(Object.keys(model.stateDict()).map((k) => `module.${k}`));
    const x = torch.randn([5, 4]);
    // noSync: gradients accumulate locally; world 1 averages over 1 rank, so .grad is the plain sum either way.
    ddp.noSync(() => ddp.forward(x).sum().backward());
    const g1 = model.parameters()[0].grad!.clone();
    ddp.forward(x).sum().backward();
    expect(model.parameters()[0].grad!.equal(g1.mul(2))).toBe(true);
    ddp.dispose();

    // A parameter that gets no gradient: the Reducer's own check, and findUnusedParameters.
    class Branchy extends torch.nn.Module {
      used = new torch.nn.Linear(4, 2);
      unused = new torch.nn.Linear(4, 2);
      forward(input: torch.Tensor): torch.Tensor {
        return this.used.forward(input);
      }
    }
    const strict = new torch.nn.parallel.DistributedDataParallel(new Branchy());
    strict.forward(x).sum().backward();
    expect(() => strict.forward(x)).toThrow(/^DistributedDataParallel: Expected to have finished reduction in the prior iteration before starting a new one/);
    const branchy = new Branchy();
    const found = new torch.nn.parallel.DistributedDataParallel(branchy, { findUnusedParameters: true });
    for (let i = 0; i < 3; i++) found.forward(x).sum().backward();
    expect(branchy.unused.weight.grad).toBe(null);
    expect(branchy.used.weight.grad).not.toBe(null);
    dist.destroyProcessGroup();
    expect(dist.isInitialized()).toBe(false);
  }, 60_000);
});
