// `libtorch-resnet train --nproc 2` (issue #13): a real Ctrl-C stops both
// workers at the same batch with a valid checkpoint and no process left
// behind; --resume then ends with exactly the weights of an uninterrupted run.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { ROOT } from './setup/fixtures.js';
import { freePort } from './setup/net.js';

const BIN = join(ROOT, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'ltr-ddp-cli-'));
// --augment: each rank draws its own augmentation stream, which the checkpoint must keep per rank.
const common = ['--arch', 'resnet20', '--epochs', '2', '--batch-size', '32', '--limit-train', '640', '--limit-test', '200', '--threads', '1', '--nproc', '2', '--augment'];

function run(args: string[], interruptAt?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string; sent: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'train', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (interruptAt && !sent && interruptAt.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('close', (code) => resolve({ code, stdout, stderr, sent }));
  });
}

/** Processes whose command line mentions `needle` (the run's own folder). */
function processesWith(needle: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(needle));
}

describe.skipIf(!torch.distributed.isAvailable())('libtorch-resnet train --nproc 2', () => {
  it('Ctrl-C stops both workers with a checkpoint; --resume ends with the weights of an uninterrupted run', async () => {
    const stopped = await run([...common, '--out', join(dir, 'a.safetensors'), '--master-port', String(await freePort())], /epoch 1\/2 \d+\/20/);
    expect(stopped.sent).toBe(true);
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stdout).toMatch(/1 thread\(s\) x 2 processes/);
    // Rank 0 alone logs and writes.
    expect(stopped.stdout.match(/stopped: checkpoint written to .*a\.ckpt\.pth/g)).toHaveLength(1);
    expect(stopped.stderr.match(/epoch 1\/2 stopped at batch \d+\/20/g)).toHaveLength(1);
    expect(existsSync(join(dir, 'a.safetensors'))).toBe(false);
    const ckpt = torch.loadCheckpoint(join(dir, 'a.ckpt.pth')) as { format: string; epoch: number; step: number; model: Record<string, torch.Tensor> };
    expect(ckpt.format).toBe('libtorch-resnet-checkpoint');
    expect(ckpt.epoch).toBe(0);
    expect(ckpt.step).toBeGreaterThan(0);
    expect(Object.keys(ckpt.model)[0]).toBe('conv1.weight'); // the module's keys, no DDP 'module.' prefix
    expect(processesWith(dir)).toEqual([]);

    const resumed = await run([...common, '--out', join(dir, 'a.safetensors'), '--master-port', String(await freePort()), '--resume', join(dir, 'a.ckpt.pth')]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resuming resnet20 from .*: epoch 1, batch \d+/);
    expect(resumed.stdout.match(/final test accuracy \d+\.\d+%/g)).toHaveLength(1);

    const straight = await run([...common, '--out', join(dir, 'b.safetensors'), '--master-port', String(await freePort())]);
    expect(straight.code, straight.stderr).toBe(0);
    const a = torch.load(join(dir, 'a.safetensors'));
    const b = torch.load(join(dir, 'b.safetensors'));
    expect(Object.keys(a).filter((k) => !a[k].equal(b[k]))).toEqual([]);
    expect(processesWith(dir)).toEqual([]);
  }, 240_000);

  it('usage errors', async () => {
    const e = await run(['--nnodes', '2']);
    expect(e.code).not.toBe(0);
    expect(e.stderr).toMatch(/--nnodes needs --nproc N/);
    const f = await run(['--nproc', '0']);
    expect(f.stderr).toMatch(/--nproc must be an integer in \[1, 1024\] but is '0'/);
    const g = await run(['--nproc', '3', '--batch-size', '32', '--limit-train', '64', '--threads', '1', '--master-port', String(await freePort())]);
    expect(g.code).toBe(1);
    expect(g.stderr).toMatch(/--batch-size 32 must be a multiple of the 3 processes/);
  }, 120_000);
});
