// The examples/ programs: each TypeScript port runs next to the Python program
// it ports, and every tensor they write (inputs, outputs, losses, gradients,
// weights after training) must be equal bit for bit: same file set, dtype,
// shape and bytes. One thread on both sides, as in the parity tests.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { PYTHON, ROOT } from './setup/fixtures.js';

const EXAMPLES = ['inference_top5', 'transfer_learning', 'residual_block', 'training_loop', 'feature_extraction'];
const work = mkdtempSync(join(tmpdir(), 'ltr-examples-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

function bytes(t: torch.Tensor): Buffer {
  const a = t.toArray();
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

describe('examples: TypeScript ports against their Python programs, bit for bit', () => {
  for (const name of EXAMPLES) {
    it(name, async () => {
      const py = join(work, `${name}-py`);
      const ts = join(work, `${name}-ts`);
      execFileSync(PYTHON, [join(ROOT, 'examples', `${name}.py`), py], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      const { main } = (await import(`../examples/${name}.ts`)) as { main: (out: string) => void };
      main(ts);
      const files = readdirSync(py).sort();
      expect(files.length).toBeGreaterThan(0);
      expect(readdirSync(ts).sort()).toEqual(files);
      torch.tidy(() => {
        for (const file of files) {
          const [a, b] = [torch.loadNpy(join(ts, file)), torch.loadNpy(join(py, file))];
          expect(`${a.dtype} [${a.shape}]`, file).toBe(`${b.dtype} [${b.shape}]`);
          expect(bytes(a).equals(bytes(b)), `${file} differs from Python's`).toBe(true);
        }
      });
    }, 180_000);
  }
});
