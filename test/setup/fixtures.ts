// Vitest global setup: makes the Python reference fixtures once and caches
// them under .cache/fixtures/<script>/ (ignored by git). A fixture set is
// remade when its script, the shared helper or the Python torch version changes.
//
// Every scripts/reference/*.py runs as `/usr/bin/python3 SCRIPT OUTDIR`
// (Debian's python3-torch: the same libtorch_cpu.so the addon links, which is
// what makes bit-exact parity possible).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const FIXTURES = join(ROOT, '.cache', 'fixtures');
const REFERENCE = join(ROOT, 'scripts', 'reference');
const PYTHON = '/usr/bin/python3';

function stampFor(script: string): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(join(REFERENCE, script)));
  const common = join(REFERENCE, 'common.py');
  if (existsSync(common)) hash.update(readFileSync(common));
  return hash.digest('hex');
}

export function makeFixtures(only?: string[]): void {
  mkdirSync(FIXTURES, { recursive: true });
  const scripts = readdirSync(REFERENCE).filter((f) => f.endsWith('.py') && f !== 'common.py' && !f.startsWith('_'));
  for (const script of scripts) {
    const name = script.replace(/\.py$/, '');
    if (only && !only.includes(name)) continue;
    const out = join(FIXTURES, name);
    const stamp = stampFor(script);
    const stampFile = join(out, '.stamp');
    if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) continue;
    // Write to a temporary folder and rename, so concurrent runs never see half a set.
    const tmp = `${out}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const started = Date.now();
    execFileSync(PYTHON, [join(REFERENCE, script), tmp], { stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT });
    writeFileSync(join(tmp, '.stamp'), stamp);
    rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
    console.log(`fixtures: ${name} made in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

export default function setup(): void {
  makeFixtures();
}
