// The public API's types: test/typing/idioms.ts compiles under `tsc --strict`
// (its @ts-expect-error lines prove wrong uses are rejected), and the emitted
// declarations of lib/ contain no `any`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ROOT } from './setup/fixtures.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

describe('typings', () => {
  it('test/typing/idioms.ts compiles with --strict, every @ts-expect-error used', () => {
    const run = () => execFileSync(process.execPath, [TSC, '-p', join(ROOT, 'test', 'typing', 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
    expect(run).not.toThrow();
  }, 120_000);

  it('the declarations of lib/ have no `any`', () => {
    const out = mkdtempSync(join(tmpdir(), 'ltr-dts-'));
    try {
      execFileSync(process.execPath, [TSC, '-p', join(ROOT, 'tsconfig.json'), '--emitDeclarationOnly', '--declaration', '--outDir', out], { stdio: 'pipe' });
      const offenders = files(join(out, 'lib'))
        .filter((f) => f.endsWith('.d.ts'))
        .flatMap((f) => readFileSync(f, 'utf8').split('\n').map((line, i) => ({ f, i, line })))
        // `any` as a type; a method named any (tensor.any(), torch.any) is not one.
        .filter(({ line }) => /\bany\b(?!\s*[(<])/.test(line.replace(/\/\/.*$|\/\*.*?\*\/|^\s*\*.*$/g, '')))
        .map(({ f, i, line }) => `${f.slice(out.length + 1)}:${i + 1}: ${line.trim()}`);
      expect(offenders).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
