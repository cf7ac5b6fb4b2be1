// The Python reference fixtures, shared by the tests (test/setup/fixtures.ts,
// vitest's global setup) and `npm run parity` (scripts/parity.ts): made once
// by scripts/reference/*.py and cached under
// .cache/fixtures/torch-<version>/<script>/ (ignored by git). A fixture set is
// remade when its script or the shared helper changes, and each torch version
// has its own.
//
// Every scripts/reference/*.py runs as `$LTR_PYTHON SCRIPT OUTDIR`, by default
// `/usr/bin/python3` (Debian's python3-torch: the same libtorch_cpu.so the
// addon links, which is what makes bit-exact parity possible). Against another
// libtorch, LTR_PYTHON must be that libtorch's own Python (e.g. a venv's).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { packageRoot } from '../lib/libtorch.js';

export const ROOT = packageRoot();
/** The Python reference: the Python of the libtorch under test. */
export const PYTHON = process.env.LTR_PYTHON || '/usr/bin/python3';

/** torch.__version__ of PYTHON, asked once per run (vitest's workers inherit it through the environment). */
function torchVersion(): string {
  if (!process.env.LTR_TORCH_VERSION) {
    process.env.LTR_TORCH_VERSION = execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim();
  }
  return process.env.LTR_TORCH_VERSION;
}

export const TORCH_VERSION = torchVersion();
export const FIXTURES = join(ROOT, '.cache', 'fixtures', `torch-${TORCH_VERSION}`);
const REFERENCE = join(ROOT, 'scripts', 'reference');

// The cache stamp covers the script, common.py, and every file the script names on a
// `# fixture-depends: <path from the repository root>` line (helpers it imports from
// elsewhere, e.g. scripts/ddp/rank.py), so editing any of them remakes the fixtures.
function stampFor(script: string): string {
  const hash = createHash('sha256');
  const source = readFileSync(join(REFERENCE, script), 'utf8');
  hash.update(source);
  const common = join(REFERENCE, 'common.py');
  if (existsSync(common)) hash.update(readFileSync(common));
  for (const [, dep] of source.matchAll(/^# fixture-depends: (\S+)$/gm)) hash.update(readFileSync(join(ROOT, dep)));
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

