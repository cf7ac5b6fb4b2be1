// A fresh clone of the committed main must pass `npm test` on its own: no
// file that exists only in this working tree, no step done by hand. The clone
// runs the whole suite once (LTR_FRESH_CLONE stops it from cloning again).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ROOT } from './setup/fixtures.js';

const nested = process.env.LTR_FRESH_CLONE === '1';
const isRepo = spawnSync('git', ['-C', ROOT, 'rev-parse', '--verify', 'HEAD'], { stdio: 'ignore' }).status === 0;

describe.skipIf(nested || !isRepo)('fresh clone', () => {
  it('git clone of HEAD, then npm test there, passes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ltr-clone-'));
    try {
      execFileSync('git', ['clone', '--quiet', ROOT, join(dir, 'repo')], { stdio: 'inherit' });
      const run = spawnSync('npm', ['test'], {
        cwd: join(dir, 'repo'),
        env: { ...process.env, LTR_FRESH_CLONE: '1', CI: 'true' },
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      });
      const tail = `${run.stdout}\n${run.stderr}`.split('\n').slice(-40).join('\n');
      expect(run.status, tail).toBe(0);
      expect(run.stdout).toMatch(/tests: \d+ passed, 0 failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 3_600_000);
});
