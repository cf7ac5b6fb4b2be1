// The training loop: exact resume (after an epoch and in the middle of one)
// and the checkpoint contents.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DEFAULT_RECIPE, train, type TrainConfig } from '../cli/train.js';
import * as torch from '../lib/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ltr-train-'));

function config(name: string): TrainConfig {
  return {
    ...DEFAULT_RECIPE,
    arch: 'resnet20',
    epochs: 2,
    batchSize: 64,
    lr: 0.1,
    augment: true,
    threads: 1,
    limitTrain: 256,
    limitTest: 100,
    out: join(dir, `${name}.safetensors`),
    checkpoint: join(dir, `${name}.ckpt.pth`),
  };
}

const quiet = { log: () => undefined, progress: false };

/** Stops after `n` batches in total. */
function stopAfter(n: number) {
  let calls = 0;
  return () => ++calls >= n;
}

function expectSameWeights(a: Record<string, torch.Tensor>, b: Record<string, torch.Tensor>): void {
  expect(Object.keys(a)).toEqual(Object.keys(b));
  expect(Object.keys(a).filter((k) => !a[k].equal(b[k]))).toEqual([]);
}

describe('train: resume is exact', () => {
  it('2 epochs in one go == 1 epoch, stop, resume (and == stopping mid-epoch)', async () => {
    const straight = await train(config('straight'), null, quiet);
    expect(straight.history.map((h) => h.epoch)).toEqual([1, 2]);
    const expected = torch.load(join(dir, 'straight.safetensors'));

    // Stop at the end of epoch 1 (4 batches per epoch), then resume.
    const first = await train(config('split'), null, { ...quiet, shouldStop: stopAfter(4) });
    expect(first.stopped).toBe(true);
    const ckpt = torch.loadCheckpoint(join(dir, 'split.ckpt.pth')) as { epoch: number; step: number };
    expect([ckpt.epoch, ckpt.step]).toEqual([1, 0]);
    const resumed = await train(config('split'), join(dir, 'split.ckpt.pth'), quiet);
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(resumed.history[1].testAccuracy).toBe(straight.history[1].testAccuracy);
    expectSameWeights(torch.load(join(dir, 'split.safetensors')), expected);

    // Stop in the middle of epoch 2 (after its 2nd batch), then resume.
    await train(config('mid'), null, { ...quiet, shouldStop: stopAfter(6) });
    const mid = torch.loadCheckpoint(join(dir, 'mid.ckpt.pth')) as { epoch: number; step: number };
    expect([mid.epoch, mid.step]).toEqual([1, 2]);
    await train(config('mid'), join(dir, 'mid.ckpt.pth'), quiet);
    expectSameWeights(torch.load(join(dir, 'mid.safetensors')), expected);
  }, 300_000);

  it('refuses a resume with a different schedule length and a file that is not a checkpoint', async () => {
    await train({ ...config('short'), epochs: 1, limitTrain: 64 }, null, quiet);
    await expect(train({ ...config('short'), epochs: 3 }, join(dir, 'short.ckpt.pth'), quiet)).rejects.toThrow(/made for --epochs 1.*same --epochs/);
    await expect(train(config('short'), join(dir, 'short.safetensors'), quiet)).rejects.toThrow(/not a libtorch-resnet training checkpoint/);
  }, 120_000);
});
