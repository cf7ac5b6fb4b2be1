// The op-parity manifests (scripts/reference/ops.py and ops_surface.py write
// FIXTURES/<name>/cases.json and one .npy per tensor), shared by
// ops-parity.test.ts and ops-surface-parity.test.ts: reading the manifest,
// loading a referenced tensor, pinning the reference's thread count, and the
// check that the manifest covers every op the test's runner table knows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, expect, it } from 'vitest';

import * as torch from '../../lib/index.js';
import type { DType, Tensor } from '../../lib/index.js';
import { FIXTURES } from './fixtures.js';

export interface Ref {
  file: string;
  /** The tensor's real dtype; a bfloat16 tensor is stored as its (exact) float32 upcast. */
  dtype: DType;
}

export interface OpManifest {
  threads: number;
  cases: { op: string }[];
}

/** Reads FIXTURES/<name>/cases.json (JSON has no infinities: the reference writes them as strings). */
export function readOpManifest<M extends OpManifest>(name: string): { manifest: M; load: (ref: Ref) => Tensor } {
  const dir = join(FIXTURES, name);
  const manifest = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8'), (_key, v: unknown) =>
    v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v,
  ) as M;
  const load = (ref: Ref): Tensor => {
    const t = torch.loadNpy(join(dir, ref.file));
    // float32 -> bfloat16 is exact here: the values were bfloat16 to begin with.
    return t.dtype === ref.dtype ? t : t.to(ref.dtype);
  };
  return { manifest, load };
}

/**
 * Pins the reference's intra-op thread count (gradients of conv, matmul and
 * reductions depend on it) and, inside the caller's describe, checks that the
 * reference used one thread and that every op of the runner table has cases.
 */
export function pinThreadsAndCheckCoverage(manifest: OpManifest, runners: Record<string, unknown>): void {
  beforeAll(() => {
    torch.setNumThreads(manifest.threads);
  });
  it('the manifest covers every op the runner knows, and the reference used one thread', () => {
    expect(manifest.threads).toBe(1);
    const ops = new Set(manifest.cases.map((c) => c.op));
    expect(Object.keys(runners).filter((op) => !ops.has(op))).toEqual([]);
  });
}
