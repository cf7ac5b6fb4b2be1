// A fresh clone of the committed main must pass `npm test` on its own: no
// file that exists only in this working tree, no step done by hand. The clone
// runs the whole suite once (LTR_FRESH_CLONE stops it from cloning again).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ROOT } from './setup/fixtures.js';

const nested = process.env.LTR_FRESH_CLONE === '1';
const isRepo = spawnSync('git', ['-C', ROOT, 'rev-parse', '--verify', 'HEAD'], { stdio: 'ignore' }).status === 0;

describe.skipIf(nested || !isRepo)('fresh clone', () => {
  it('git clone of HEAD, then npm test there, passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ltr-clone-'));
    try {
      execFileSync('git', ['clone', '--quiet', ROOT, join(dir, 'repo')], { stdio: 'inherit' });
      // Asynchronous, so this worker keeps answering vitest while the nested run takes minutes.
      const child = spawn('npm', ['test'], { cwd: join(dir, 'repo'), env: { ...process.env, LTR_FRESH_CLONE: '1', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
      const tail = `${stdout}\n${stderr}`.split('\n').slice(-40).join('\n');
      expect(status, tail).toBe(0);
      expect(stdout).toMatch(/tests: \d+ passed, 0 failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 3_600_000);
});
