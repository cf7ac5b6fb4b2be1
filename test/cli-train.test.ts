// The train / evaluate commands as a user runs them: the built bin, a real
// Ctrl-C (SIGINT) in the middle of training, resume, then evaluate.
import { spawn, spawnSync } from 'node:child_process';

/** Runs the bin without blocking this worker's event loop (vitest talks to it meanwhile). */
function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ROOT } from './setup/fixtures.js';

const BIN = join(ROOT, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'ltr-cli-'));
const common = ['--arch', 'resnet20', '--epochs', '2', '--batch-size', '32', '--limit-train', '640', '--limit-test', '200', '--threads', '1'];

describe('libtorch-resnet train / evaluate', () => {
  it('Ctrl-C stops after writing a checkpoint; --resume finishes; evaluate reports accuracy and a confusion matrix', async () => {
    const out = join(dir, 'm.safetensors');
    const child = spawn(process.execPath, [BIN, 'train', ...common, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let sent = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      // Interrupt once the first epoch is under way (the progress lines go to stderr).
      if (!sent && /epoch 1\/2 \d+\/20/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(sent).toBe(true);
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/stopping after this batch/);
    expect(stdout).toMatch(/stopped: checkpoint written to .*m\.ckpt\.pth/);
    expect(existsSync(join(dir, 'm.ckpt.pth'))).toBe(true);
    expect(existsSync(out)).toBe(false);

    const resumed = await run([BIN, 'train', ...common, '--out', out, '--resume', join(dir, 'm.ckpt.pth')]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resuming resnet20 from .*: epoch 1, batch \d+/);
    expect(resumed.stdout).toMatch(/final test accuracy \d+\.\d+%/);
    expect(resumed.stderr).toMatch(/epoch 2\/2 loss [\d.]+ +train acc [\d.]+% +test acc [\d.]+%/);

    const evaluated = await run([BIN, 'evaluate', '--arch', 'resnet20', '--weights', out, '--threads', '1']);
    expect(evaluated.status, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/resnet20 .*m\.safetensors: test accuracy \d+\.\d+% \(10000 images/);
    expect(evaluated.stdout).toMatch(/9 Ankle boot/);
  }, 300_000);

  it.each([
    [['train', '--arch', 'resnet7'], /unknown --arch 'resnet7'/],
    [['train', '--epochs', '0'], /--epochs must be an integer >= 1/],
    [['train', '--optimizer', 'lbfgs'], /unknown --optimizer 'lbfgs'/],
    [['train', '--bogus'], /Unknown option '--bogus'/],
    [['train', '--data', '/nonexistent', '--limit-train', '10'], /train-images-idx3-ubyte.gz not found/],
    [['evaluate', '--arch', 'resnet20'], /--arch and --weights are required/],
  ])('%j fails with a clear message', (args, message) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/    at /); // no stack trace for a usage mistake
  });
});
