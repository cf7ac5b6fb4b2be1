// Every ResNet factory against torchvision (the CIFAR ResNets against the
// Python reference in scripts/reference/resnet.py), bit for bit at one thread:
// stateDict keys/order/shapes, seeded initial weights, eval forward, train
// forward and loss, the running stats after that step, and every parameter
// gradient after crossEntropy(...).backward(). The checks themselves live in
// scripts/parity.ts (runCase), which `npm run parity` also prints as a matrix.
//
// Why digests: resnet101/152, resnext101_32x8d/64x4d and wide_resnet50_2 /
// wide_resnet101_2 have 44-127 M parameters; their weights and gradients as
// .npy would take ~2.7 GB of fixtures. For those ("digest" cases) Python
// records the SHA-256 of every tensor's exact bytes, and the TypeScript side
// hashes its own tensors: equal digests mean equal bits, so the comparison
// stays exact. Their weights are rebuilt from the seed (proven identical by
// the init digests) rather than loaded. The smaller models ("full" cases) load
// Python's weights from .npy through loadStateDict and keep full gradients,
// so a mismatch also reports its max abs diff.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { type CaseResult, CHECKS, formatMatrix, loadManifest, runCase } from '../scripts/parity.js';

const manifest = loadManifest(); // written by test/setup/fixtures.ts (global setup)
const results: CaseResult[] = [];

beforeAll(() => torch.setNumThreads(1));

afterAll(() => {
  if (results.length > 0) console.log(`ResNet parity matrix (1 thread):\n${formatMatrix(results, manifest.cases)}`);
});

describe('ResNet parity with torchvision, bit for bit', () => {
  it('covers every factory, the 224x224 run and the knobs', () => {
    const factories = new Set(manifest.cases.map((c) => c.factory));
    for (const name of [
      'resnet18',
      'resnet34',
      'resnet50',
      'resnet101',
      'resnet152',
      'resnext50_32x4d',
      'resnext101_32x8d',
      'resnext101_64x4d',
      'wide_resnet50_2',
      'wide_resnet101_2',
      'resnet20',
      'resnet32',
      'resnet44',
      'resnet56',
      'resnet110',
    ]) {
      expect(factories.has(name), name).toBe(true);
    }
    expect(manifest.cases.some((c) => c.factory === 'resnet50' && c.size === 224)).toBe(true);
    const knobs = new Set(manifest.cases.flatMap((c) => Object.keys(c.options)));
    expect([...knobs].sort()).toEqual(['inChannels', 'normLayer', 'numClasses', 'replaceStrideWithDilation', 'zeroInitResidual']);
  });

  for (const c of manifest.cases) {
    it(`${c.name} (${c.batch}x${c.inChannels}x${c.size}x${c.size}, ${c.mode}): ${CHECKS.join(', ')}`, async () => {
      // Each case blocks the event loop for seconds: let vitest's worker answer
      // its pending RPC calls first (it times them out after 60 s).
      await new Promise((resolve) => setImmediate(resolve));
      const result = runCase(c, manifest);
      results.push(result);
      expect(result.checks.map((x) => x.check)).toEqual([...CHECKS]);
      expect(result.checks.filter((x) => !x.exact).map((x) => `${x.check}: ${x.detail}`)).toEqual([]);
    }, 300_000);
  }

  it('the checks can fail: another seed is caught, and Python\'s weights loaded from .npy still give exact outputs', () => {
    const c = manifest.cases.find((x) => x.name === 'resnet20')!;
    const result = runCase(c, { ...manifest, seeds: { ...manifest.seeds, init: manifest.seeds.init + 1 } });
    const byName = Object.fromEntries(result.checks.map((x) => [x.check, x]));
    expect(byName.seed.exact).toBe(false);
    expect(byName.seed.detail).toMatch(/tensors differ \(init:conv1\.weight/);
    for (const check of ['keys', 'state', 'eval', 'train', 'stats', 'grads'] as const) expect(byName[check].exact, check).toBe(true);
  });
});
