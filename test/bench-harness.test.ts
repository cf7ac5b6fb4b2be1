// The logic of `npm run bench` that does not time anything (scripts/bench/lib.ts, npy.ts):
// argument parsing and its errors, case selection, interleaving order, medians and spreads, FLOP
// bounds, output comparison and the markdown report. The timings themselves are not tested.

import { describe, expect, it } from 'vitest';

import {
  allCases,
  type Case,
  compareOutputs,
  CONTENDERS,
  emptyRuns,
  flopBoundMs,
  globMatch,
  key,
  median,
  parseBenchArgs,
  QUICK_CASES,
  renderReport,
  roundOrder,
  type Runs,
  summarize,
} from '../scripts/bench/lib.js';
import { formatNpy, parseNpy } from '../scripts/bench/npy.js';

const byId = (id: string): Case => allCases().find((c) => c.id === id)!;

describe('bench arguments', () => {
  it('defaults to every case, every contender, 3 rounds', () => {
    const o = parseBenchArgs([]);
    expect(o.rounds).toBe(3);
    expect(o.cases.map((c) => c.id)).toEqual(allCases().map((c) => c.id));
    expect(o.contenders).toEqual(CONTENDERS);
    expect([o.warmup, o.minIters, o.maxIters, o.budgetMs, o.rssForwards]).toEqual([3, 5, 50, 3000, 20]);
    expect(o.peak).toBeUndefined();
  });

  it('--quick is one round of a few cases; explicit options win over it', () => {
    const q = parseBenchArgs(['--quick']);
    expect([q.rounds, q.minIters, q.budgetMs, q.trainSteps]).toEqual([1, 3, 1000, 5]);
    expect(q.cases.map((c) => c.id)).toEqual(allCases().filter((c) => QUICK_CASES.some((p) => globMatch(p, c.id))).map((c) => c.id));
    expect(q.cases.map((c) => c.id)).toContain('cold-r18-224-b1-t2');
    const q2 = parseBenchArgs(['--quick', '--rounds', '4', '--cases', 'r50-224-b8-*']);
    expect([q2.rounds, q2.minIters]).toEqual([4, 3]);
    expect(q2.cases.map((c) => c.id)).toEqual(['r50-224-b8-t1', 'r50-224-b8-t2', 'r50-224-b8-t2-busy']);
  });

  it('selects contenders and parses --peak', () => {
    const o = parseBenchArgs(['--contenders', 'exact,ort', '--peak', '1=205,2=410.5']);
    expect(o.contenders).toEqual(['exact', 'ort']);
    expect(o.peak).toEqual({ '1': 205, '2': 410.5 });
  });

  it.each([
    [['--rounds', '0'], "bench: --rounds must be a positive integer but got '0'"],
    [['--rounds', '2.5'], "bench: --rounds must be a positive integer but got '2.5'"],
    [['--contenders', 'exact,tf'], "bench: unknown contender 'tf' (one of: exact, fast, eager, frozen, ort)"],
    [['--cases', 'r18-224-b1-t1,r99-*'], "bench: --cases pattern 'r99-*' matches no case (see --list)"],
    [['--cases', ','], 'bench: --cases is empty'],
    [['--peak', '2:410'], "bench: --peak expects THREADS=GFLOPS pairs like 1=205,2=410 but got '2:410'"],
    [['--peak', '1=0'], "bench: --peak expects THREADS=GFLOPS pairs like 1=205,2=410 but got '1=0'"],
    [['--min-iters', '9', '--max-iters', '4'], 'bench: --max-iters (4) is below --min-iters (9)'],
    [['--warmup=-1'], "bench: --warmup must be a non-negative integer but got '-1'"],
  ])('rejects %j with a RangeError', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(RangeError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });

  it('rejects unknown options', () => {
    expect(() => parseBenchArgs(['--round', '2'])).toThrow(/Unknown option '--round'/);
  });
});

describe('bench cases', () => {
  it('has unique ids, a busy twin for every 2-thread inference case, and the issue 14 cases', () => {
    const cases = allCases();
    const ids = cases.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const infer = cases.filter((c) => c.kind === 'infer');
    expect(infer).toHaveLength(16);
    for (const c of infer.filter((x) => x.threads === 2)) expect(ids).toContain(`${c.id}-busy`);
    expect(cases.filter((c) => c.kind === 'busy')).toHaveLength(8);
    expect(byId('train-r20-32-b128-t2')).toMatchObject({ kind: 'train', arch: 'resnet20', batch: 128, size: 32 });
    expect(byId('train-r18-32-b64-t2')).toMatchObject({ kind: 'train', arch: 'resnet18', batch: 64, size: 32 });
    expect(byId('rss-r50-224-b8-t2')).toMatchObject({ kind: 'rss', arch: 'resnet50', batch: 8 });
    expect(byId('cold-r18-224-b1-t2')).toMatchObject({ kind: 'cold', arch: 'resnet18', batch: 1 });
  });

  it('globs match whole ids, * only as a wildcard', () => {
    expect(globMatch('r18-*', 'r18-224-b1-t1')).toBe(true);
    expect(globMatch('r18-*', 'train-r18-32-b64-t2')).toBe(false);
    expect(globMatch('*-busy', 'r18-224-b1-t2-busy')).toBe(true);
    expect(globMatch('r18-224-b1-t2', 'r18-224-b1-t2-busy')).toBe(false);
    expect(globMatch('r18.224-b1-t1', 'r18-224-b1-t1')).toBe(false);
  });

  it('rotates the contenders per round, and trains only this library and PyTorch', () => {
    const c = byId('r18-224-b1-t1');
    expect(roundOrder(c, CONTENDERS, 0)).toEqual(['exact', 'fast', 'eager', 'frozen', 'ort']);
    expect(roundOrder(c, CONTENDERS, 1)).toEqual(['fast', 'eager', 'frozen', 'ort', 'exact']);
    expect(roundOrder(c, CONTENDERS, 5)).toEqual(roundOrder(c, CONTENDERS, 0));
    const t = byId('train-r20-32-b128-t2');
    expect(roundOrder(t, CONTENDERS, 0)).toEqual(['exact', 'eager']);
    expect(roundOrder(t, CONTENDERS, 1)).toEqual(['eager', 'exact']);
    expect(roundOrder(t, ['ort'], 0)).toEqual([]);
  });
});

describe('bench statistics', () => {
  it('median of odd, even and empty lists, unsorted input left alone', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('summarize: the median of the run medians and the spread (max - min) / median, failures skipped', () => {
    expect(summarize([10, 12, 11, NaN])).toEqual({ median: 11, min: 10, max: 12, spread: 2 / 11, n: 3 });
    expect(summarize([NaN])).toBeUndefined();
  });

  it('FLOP bound: FLOPs x batch at the peak of the thread count; training counts 3 forwards', () => {
    const meta = { flops: { 'resnet18-224': 3.6e9 }, train_flops: { 'resnet20-32': 8e7 } };
    expect(flopBoundMs(byId('r18-224-b8-t2'), meta, { '1': 200, '2': 400 })).toBeCloseTo(72, 10);
    expect(flopBoundMs(byId('r18-224-b1-t1'), meta, { '1': 200, '2': 400 })).toBeCloseTo(18, 10);
    expect(flopBoundMs(byId('train-r20-32-b128-t2'), meta, { '2': 400 })).toBeCloseTo((3 * 8e7 * 128) / 400e6, 10);
    expect(flopBoundMs(byId('r50-224-b1-t1'), meta, { '1': 200 })).toBeNaN();
    expect(flopBoundMs(byId('r18-224-b1-t1'), meta, { '2': 400 })).toBeNaN();
  });

  it('compareOutputs: bits, max abs diff relative to the range, rows keeping their top-5', () => {
    const ref = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 10, 9, 8, 7, 6, 5, 4]);
    expect(compareOutputs(ref, ref.slice(), 2)).toEqual({ bitEqual: true, maxAbs: 0, relToRange: 0, top5Same: 2, rows: 2 });
    const other = ref.slice();
    other[0] = -0; // equal as numbers, not as bits
    other[13] = 4.5; // row 2 keeps its top-5 (10, 9, 8, 7, 6)
    other[1] = 9; // row 1's top-5 gains index 1
    const c = compareOutputs(ref, other, 2);
    expect(c.bitEqual).toBe(false);
    expect(c.maxAbs).toBe(8);
    expect(c.relToRange).toBe(0.8);
    expect(c.top5Same).toBe(1);
    const signOnly = ref.slice();
    signOnly[0] = -0;
    expect(compareOutputs(ref, signOnly, 2)).toMatchObject({ bitEqual: false, maxAbs: 0 });
    expect(() => compareOutputs(ref, ref.subarray(1), 2)).toThrow('bench: outputs of 14 and 13 values');
  });
});

describe('bench npy', () => {
  it('writes numpy 1.0 headers padded to 64 bytes and reads them back', () => {
    const data = Float32Array.from([1.5, -2, 3, 0.25, 5, 6]);
    const buf = formatNpy({ shape: [2, 3], data });
    expect(buf.toString('latin1', 0, 6)).toBe('\x93NUMPY');
    expect((10 + buf.readUInt16LE(8)) % 64).toBe(0);
    expect(buf.toString('latin1', 10, 10 + buf.readUInt16LE(8))).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    expect(parseNpy(buf)).toEqual({ shape: [2, 3], data });
    expect(parseNpy(formatNpy({ shape: [4], data: data.subarray(0, 4) })).shape).toEqual([4]);
  });

  it('refuses what it cannot read, naming the file', () => {
    const buf = formatNpy({ shape: [2], data: Float32Array.from([1, 2]) });
    expect(() => parseNpy(Buffer.from(buf.toString('latin1').replace('<f4', '<f8'), 'latin1'), 'x.npy')).toThrow("x.npy: expected float32 ('<f4') but found <f8");
    expect(() => parseNpy(buf.subarray(0, buf.length - 4), 'x.npy')).toThrow('x.npy: 4 data bytes for shape [2]');
    expect(() => parseNpy(Buffer.from('hello world'), 'x.npy')).toThrow('x.npy: not an .npy file');
  });
});

describe('bench report', () => {
  const runs = (medians: number[], extra: Partial<Runs> = {}): Runs => ({ ...emptyRuns(), medians, ...extra });

  it('prints medians of medians with their spread, ratios with missed targets, and every section', () => {
    const cases = ['r18-224-b1-t2', 'r18-224-b1-t2-busy', 'train-r20-32-b128-t2', 'rss-r50-224-b8-t2', 'cold-r18-224-b1-t2'].map(byId);
    const m = new Map<string, Runs>([
      [key('r18-224-b1-t2', 'exact'), runs([30, 26, 28])],
      [key('r18-224-b1-t2', 'fast'), runs([], { na: 'not in this build' })],
      [key('r18-224-b1-t2', 'eager'), runs([27, 27.5, 26.5])],
      [key('r18-224-b1-t2', 'frozen'), runs([20])],
      [key('r18-224-b1-t2', 'ort'), runs([], { errors: ['round 1: exit 1: boom'] })],
      [key('r18-224-b1-t2-busy', 'exact'), runs([280])],
      [key('r18-224-b1-t2-busy', 'eager'), runs([50])],
      [key('train-r20-32-b128-t2', 'exact'), runs([300])],
      [key('train-r20-32-b128-t2', 'eager'), runs([310])],
      [key('rss-r50-224-b8-t2', 'exact'), runs([1], { rssMb: [1100, 1200, 1150] })],
      [key('rss-r50-224-b8-t2', 'eager'), runs([1], { rssMb: [660] })],
      [key('cold-r18-224-b1-t2', 'exact'), runs([650], { importMs: [430] })],
    ]);
    const md = renderReport({
      header: ['HEADER LINE'],
      cases,
      contenders: ['exact', 'fast', 'eager', 'frozen', 'ort'],
      runs: m,
      meta: { flops: { 'resnet18-224': 3.6e9 }, train_flops: { 'resnet20-32': 8e7 } },
      peak: { '2': 360 },
      checks: new Map([['r18-224-b1-t2', { exact: compareOutputs(Float32Array.from([1, 2]), Float32Array.from([1, 2]), 1) }]]),
      rssForwards: 20,
    });
    const lines = md.split('\n');
    expect(lines[0]).toBe('HEADER LINE');
    expect(lines).toContain(
      '| resnet18 b1, 2 threads | 28.0 ±7% | n/a (not in this build) | 27.0 ±2% | 20.0 | failed | 10.0 |',
    );
    // exact / eager = 28 / 27 misses the 1.0x target.
    expect(lines).toContain('| resnet18 b1, 2 threads | 1.04x ✗ | 1.40x | n/a | 2.80x | n/a | n/a | n/a | n/a |');
    expect(lines).toContain('| resnet18 b1, 2 threads | 280 (10.00x ✗) | — | 50.0 (1.85x) | — | — |');
    expect(lines).toContain('| resnet20 32x32 b128, 2 threads | 300 | 310 | 0.97x | 85.3 | 3.52x |');
    expect(lines).toContain('| this library (exact) | 1150 MB ✗ | 1.74x |');
    expect(lines).toContain('| PyTorch eager | 660 MB | 1.00x |');
    expect(lines).toContain('| this library (exact) | 650 | 430 |');
    expect(lines.find((l) => l.startsWith('Peak RSS over 20 forwards of resnet50 b8'))).toBeDefined();
    expect(lines).toContain('| resnet18 b1, 2 threads | bit-equal | — | — | — |');
    expect(lines).toContain('- r18-224-b1-t2|ort: round 1: exit 1: boom');
    expect(md).not.toContain('Faster than the FLOP bound');
  });

  it('says when a run beat the FLOP bound (the peak was measured on a loaded machine)', () => {
    const md = renderReport({
      header: [],
      cases: [byId('r18-224-b1-t1')],
      contenders: ['exact', 'eager', 'ort'],
      runs: new Map([
        [key('r18-224-b1-t1', 'exact'), runs([30])],
        [key('r18-224-b1-t1', 'ort'), runs([15])],
        [key('r18-224-b1-t1', 'eager'), runs([29.9])],
      ]),
      meta: { flops: { 'resnet18-224': 3.6e9 }, train_flops: {} },
      peak: { '1': 180 },
      checks: new Map(),
      rssForwards: 20,
    });
    expect(md).toContain('⚠ Faster than the FLOP bound, so the peak measurement was disturbed (a loaded machine?) and the bound ratios are wrong; rerun with --peak: resnet18 b1, 1 thread (onnxruntime-node).');
    // exact / eager = 1.003 prints as 1.00x, which meets the 1.0x target.
    expect(md).toContain('| resnet18 b1, 1 thread | 1.00x | 2.00x | 1.50x |');
  });
});
