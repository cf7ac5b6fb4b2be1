// The caching allocator for large CPU blocks (native/cpu_allocator.cc): blocks of 1 MiB and more
// are mapped on their own, kept when freed (up to the peak of live large bytes) and reused, and
// unmapped when nobody took them for a whole window.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { runProcess } from './setup/child-process.js';
import { ROOT } from './setup/fixtures.js';

const MiB = 1 << 20;
const dir = mkdtempSync(join(tmpdir(), 'ltr-alloc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LIB = pathToFileURL(join(ROOT, 'dist', 'lib', 'index.js')).href;

/** Runs `body` (an ES module importing the library as `torch`) in a child process; returns the JSON of its last line. */
async function inChild<T>(name: string, body: string, env: NodeJS.ProcessEnv): Promise<T> {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, `import * as torch from ${JSON.stringify(LIB)};\n${body}`);
  const r = await runProcess(process.execPath, [file], 60_000, { ...process.env, ...env });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as T;
}

describe('the caching CPU allocator', () => {
  it('is the default', () => {
    expect(torch.cpu.memoryStats().allocator).toBe('caching');
  });

  it('keeps a freed large block and hands it to the next request of that size', () => {
    const before = torch.cpu.memoryStats();
    const a = torch.empty([4 * MiB / 4]); // 4 MiB of float32
    const during = torch.cpu.memoryStats();
    expect(during.liveBytes - before.liveBytes).toBe(4 * MiB);
    a.dispose();
    const after = torch.cpu.memoryStats();
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.cachedBytes - before.cachedBytes).toBe(4 * MiB);

    const b = torch.empty([4 * MiB / 4]);
    const reused = torch.cpu.memoryStats();
    expect(reused.hits).toBe(after.hits + 1);
    expect(reused.misses).toBe(after.misses);
    expect(reused.cachedBytes).toBe(before.cachedBytes);
    b.dispose();
  });

  it('serves a slightly smaller request from a cached block, not a much smaller one', () => {
    // From an empty cache: what is cached is capped at the peak of live large bytes (8 MiB here).
    torch.cpu.emptyCache();
    const big = torch.empty([8 * MiB / 4]);
    big.dispose();
    const s0 = torch.cpu.memoryStats();
    const near = torch.empty([(7.5 * MiB) / 4]); // within 1/8 of 8 MiB
    expect(torch.cpu.memoryStats().hits).toBe(s0.hits + 1);
    near.dispose();
    const s1 = torch.cpu.memoryStats();
    const half = torch.empty([(4.5 * MiB) / 4]); // 8 MiB would waste 44%
    expect(torch.cpu.memoryStats().misses).toBe(s1.misses + 1);
    half.dispose();
  });

  it('leaves small tensors to libtorch\'s allocator', () => {
    const before = torch.cpu.memoryStats();
    const small = torch.ones([1000]);
    const s = torch.cpu.memoryStats();
    expect([s.liveBlocks, s.hits, s.misses]).toEqual([before.liveBlocks, before.hits, before.misses]);
    small.dispose();
  });

  it('gives out reused memory that ops fill as usual (zeros after garbage)', () => {
    const n = 2 * MiB;
    const garbage = torch.full([n], 7);
    garbage.dispose();
    const z = torch.zeros([n]);
    expect(z.sum().item()).toBe(0);
    expect(z.max().item()).toBe(0);
    z.dispose();
  });

  it('caches at most the peak of live large bytes, and unmaps the rest', () => {
    torch.cpu.emptyCache();
    const peak = torch.cpu.memoryStats().peakLiveBytes;
    // Blocks of one size, freed one by one: the cache fills up to the peak, then unmaps.
    const size = 16 * MiB;
    const n = Math.floor(peak / size) + 2;
    const blocks = Array.from({ length: n }, () => torch.empty([size / 4]));
    const peakNow = torch.cpu.memoryStats().peakLiveBytes;
    for (const b of blocks) b.dispose();
    const s = torch.cpu.memoryStats();
    expect(s.cachedBytes).toBeLessThanOrEqual(peakNow);
    expect(s.cachedBytes).toBeGreaterThan(peakNow - size - 1);
    torch.cpu.emptyCache();
  });

  it('empties its cache on request', () => {
    torch.empty([3 * MiB / 4]).dispose();
    const cached = torch.cpu.memoryStats().cachedBytes;
    expect(cached).toBeGreaterThanOrEqual(3 * MiB);
    expect(torch.cpu.emptyCache()).toBe(cached);
    expect(torch.cpu.memoryStats().cachedBytes).toBe(0);
    expect(torch.cpu.memoryStats().cachedBlocks).toBe(0);
  });

  it('lets go of a one-off peak: the limit follows the last two windows of demand', async () => {
    const { afterPeak, later, ms } = await inChild<{ afterPeak: torch.CpuMemoryStats; later: torch.CpuMemoryStats; ms: number }>(
      'window',
      `const MiB = 1 << 20;
const blocks = Array.from({ length: 4 }, () => torch.empty([16 * MiB / 4]));
for (const b of blocks) b.dispose();
const afterPeak = torch.cpu.memoryStats();
// Nothing large is allocated from now on: two windows later the limit, and the cache, are 0.
let s = afterPeak;
const started = Date.now();
while (s.cachedBytes > 0 && Date.now() - started < 10_000) {
  await new Promise((r) => setTimeout(r, 50));
  s = torch.cpu.memoryStats();
}
console.log(JSON.stringify({ afterPeak, later: s, ms: Date.now() - started }));`,
      { LTR_CPU_CACHE_WINDOW_MS: '200' },
    );
    expect(afterPeak.cachedBytes).toBe(64 * MiB);
    expect(afterPeak.cacheLimitBytes).toBe(64 * MiB);
    expect(later.cachedBytes).toBe(0);
    expect(later.cacheLimitBytes).toBe(0);
    expect(later.peakLiveBytes).toBe(64 * MiB); // the all-time figure stays
    expect(ms).toBeGreaterThanOrEqual(200); // not before a full window has passed
  });

  it('unmaps a cached block nobody took for a whole window, and keeps the blocks a loop takes again', async () => {
    const { before, after } = await inChild<{ before: torch.CpuMemoryStats; after: torch.CpuMemoryStats }>(
      'idle',
      `const MiB = 1 << 20;
// Live demand stays at 72 MiB, well above the 40 MiB cached: only idleness can make the cache let go.
const held = torch.empty([64 * MiB / 4]);
torch.empty([32 * MiB / 4]).dispose(); // a one-off: never asked for again
const before = torch.cpu.memoryStats();
const started = Date.now();
while (Date.now() - started < 1500) {
  torch.empty([8 * MiB / 4]).dispose(); // the loop: takes its block again each time
  await new Promise((r) => setTimeout(r, 20));
}
const after = torch.cpu.memoryStats();
held.dispose();
console.log(JSON.stringify({ before, after }));`,
      { LTR_CPU_CACHE_WINDOW_MS: '200' },
    );
    expect(before.cachedBytes).toBe(32 * MiB);
    expect(after.cacheLimitBytes).toBeGreaterThanOrEqual(72 * MiB);
    expect(after.cachedBytes).toBe(8 * MiB); // the loop's block; the one-off's is unmapped
    expect(after.misses).toBe(before.misses + 1); // the loop mapped its block once, then reused it
  });

  it('runs a resnet forward (oneDNN scratch buffers included) to the same bits as libtorch\'s allocator', async () => {
    const resnet = pathToFileURL(join(ROOT, 'dist', 'resnet', 'index.js')).href;
    type Forward = { allocator: string; hits: number; y: number[]; same: boolean };
    const run = (env: NodeJS.ProcessEnv) =>
      inChild<Forward>(
        'forward',
        `import { resnet18 } from ${JSON.stringify(resnet)};
torch.setNumThreads(1);
torch.manualSeed(3);
const model = resnet18({ numClasses: 10 }).eval();
const x = torch.randn([4, 3, 96, 96]);
const ys = [0, 1].map(() => Array.from(torch.noGrad(() => model.forward(x)).toArray()));
const s = torch.cpu.memoryStats();
console.log(JSON.stringify({ allocator: s.allocator, hits: s.hits, y: ys[1], same: JSON.stringify(ys[0]) === JSON.stringify(ys[1]) }));`,
        env,
      );
    const caching = await run({});
    const plain = await run({ LTR_CPU_ALLOCATOR: 'default' });
    expect(caching.allocator).toBe('caching');
    expect(plain.allocator).toBe('default');
    // The second forward reuses the first one's blocks.
    expect(caching.hits).toBeGreaterThan(0);
    expect(caching.same && plain.same).toBe(true);
    expect(caching.y).toEqual(plain.y);
  });
});
