// Fuzzing the checkpoint readers: a few thousand seeded mutations of valid
// .safetensors, .pth and .npy files (bit flips, byte stomps, truncations,
// insertions, structured header edits, and pickle programs mutated behind a
// valid ZIP so the unpickler itself is exercised). Each load must either
// succeed (the tensors are then usable) or throw an Error named
// `<op>: <path>: ...`; none may take long.
//
// "Never crashes": the loads run in this vitest worker (pool: forks). A
// segfault or abort in the addon would kill the worker, which vitest reports
// as a failed run; the last test below also checks the addon still answers
// after all mutations. A failing input is kept in .cache/fuzz-failures/.

import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { InputFile } from '../lib/io/common.js';
import { readEntry, readZipDirectory, ZipWriter } from '../lib/io/zip.js';
import * as torch from '../lib/index.js';
import { FIXTURES, ROOT } from './setup/fixtures.js';

const DIR = join(FIXTURES, 'io');
const FAILURES = join(ROOT, '.cache', 'fuzz-failures');
/** A load slower than this counts as a hang (the seeds load in about a millisecond). */
const HANG_MS = 2000;

// mulberry32: small, fast, and the same sequence everywhere.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ltr-fuzz-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x2e, 0x28, 0x7d, 0x5d, 0x29, 0x52, 0x71, 0x68];
const INTERESTING_NUMBERS = [-1, 0, 1, 2, 3, 7, 255, 256, 65535, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 1e20, 1.5, -(2 ** 31)];

/** Generic byte-level mutations. */
function mutateBytes(src: Uint8Array, rng: Rng): Buffer {
  let d = Buffer.from(src);
  const kind = rng.int(6);
  if (kind === 0) {
    for (let i = 0, n = 1 + rng.int(8); i < n; i++) d[rng.int(d.length)] ^= 1 << rng.int(8);
  } else if (kind === 1) {
    for (let i = 0, n = 1 + rng.int(4); i < n; i++) d[rng.int(d.length)] = rng.next() < 0.5 ? rng.pick(INTERESTING_BYTES) : rng.int(256);
  } else if (kind === 2) {
    d = d.subarray(0, rng.int(d.length));
  } else if (kind === 3) {
    const at = rng.int(d.length + 1);
    const extra = Buffer.alloc(1 + rng.int(16), rng.int(256));
    d = Buffer.concat([d.subarray(0, at), extra, d.subarray(at)]);
  } else if (kind === 4) {
    const at = rng.int(d.length);
    d = Buffer.concat([d.subarray(0, at), d.subarray(Math.min(d.length, at + 1 + rng.int(16)))]);
  } else {
    // A 32-bit field somewhere set to an interesting value (lengths, offsets, counts).
    if (d.length >= 4) {
      const at = rng.int(d.length - 3);
      const v = rng.pick(INTERESTING_NUMBERS);
      d.writeUInt32LE(Number.isInteger(v) ? (v >>> 0) : 7, at);
    }
  }
  return d;
}

/** Structured safetensors header edits, with the length field right or wrong. */
function mutateSafetensorsHeader(src: Buffer, rng: Rng): Buffer {
  const n = Number(src.readBigUInt64LE(0));
  const header = JSON.parse(src.subarray(8, 8 + n).toString('utf8')) as Record<string, any>;
  const data = src.subarray(8 + n);
  const keys = Object.keys(header).filter((k) => k !== '__metadata__');
  const key = rng.pick(keys);
  const entry = header[key];
  switch (rng.int(9)) {
    case 0:
      entry.shape = entry.shape.length > 0 ? entry.shape.map((d: number) => (rng.next() < 0.5 ? rng.pick(INTERESTING_NUMBERS) : d)) : [rng.pick(INTERESTING_NUMBERS)];
      break;
    case 1:
      entry.data_offsets = [rng.pick(INTERESTING_NUMBERS), rng.pick(INTERESTING_NUMBERS)];
      break;
    case 2:
      entry.data_offsets[rng.int(2)] += rng.pick([-8, -4, -1, 1, 4, 8]);
      break;
    case 3:
      entry.dtype = rng.pick(['F32', 'F64', 'F16', 'BF16', 'I64', 'I32', 'U8', 'BOOL', 'I8', 'X', 7, null]);
      break;
    case 4:
      delete header[key];
      break;
    case 5:
      header[rng.pick(keys)] = rng.pick([null, 1, 'x', [], {}, { dtype: 'F32' }]);
      break;
    case 6:
      header.__metadata__ = rng.pick([null, 1, { a: 1 }, { a: 'b' }, []]);
      break;
    case 7: {
      // Two tensors swap offsets (both still valid ranges; sizes may no longer match).
      const other = header[rng.pick(keys)];
      [entry.data_offsets, other.data_offsets] = [other.data_offsets, entry.data_offsets];
      break;
    }
    default:
      entry.shape = [...entry.shape, ...entry.shape];
  }
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.alloc(8);
  const lengths = [BigInt(json.length), BigInt(json.length + rng.int(16) - 8), BigInt(rng.pick(INTERESTING_NUMBERS.filter((v) => v >= 0 && Number.isSafeInteger(v))))];
  let length = rng.next() < 0.8 ? lengths[0] : rng.pick(lengths);
  if (length < 0n) length = 0n;
  head.writeBigUInt64LE(length);
  return Buffer.concat([head, json, data]);
}

interface Records {
  names: string[];
  data: Buffer[];
}

function readRecords(path: string): Records {
  const file = InputFile.open(path);
  try {
    const dir = readZipDirectory(file);
    const names = [...dir.entries.keys()];
    return { names, data: names.map((n) => readEntry(file, dir, dir.entries.get(n)!, 1 << 30)) };
  } finally {
    file.close();
  }
}

function writeZip(path: string, records: Records): void {
  const fd = openSync(path, 'w');
  try {
    const z = new ZipWriter(fd);
    records.names.forEach((n, i) => z.add(n, records.data[i]));
    z.finish();
  } finally {
    closeSync(fd);
  }
}

/** A pickle program mutated, rezipped with valid CRCs: the unpickler sees the damage. */
function mutatePickle(records: Records, rng: Rng): Records {
  const i = records.names.findIndex((n) => n.endsWith('/data.pkl'));
  const data = records.data.slice();
  let pkl = mutateBytes(records.data[i], rng);
  if (rng.next() < 0.3) pkl = mutateBytes(pkl, rng);
  data[i] = pkl;
  return { names: records.names, data };
}

interface Tally {
  mutations: number;
  loaded: number;
  rejected: number;
  slowestMs: number;
  problems: Map<string, number>;
}

const tallies: Record<string, Tally> = {};

function tally(name: string): Tally {
  return (tallies[name] ??= { mutations: 0, loaded: 0, rejected: 0, slowestMs: 0, problems: new Map() });
}

const OPS = ['load', 'loadCheckpoint', 'inspect'] as const;

/** Loads one mutated file; returns a failure description or null. */
function attempt(path: string, op: (typeof OPS)[number] | 'loadNpy', t: Tally): string | null {
  t.mutations++;
  const started = performance.now();
  let result: unknown;
  let error: unknown;
  try {
    result = op === 'load' ? torch.load(path) : op === 'loadCheckpoint' ? torch.loadCheckpoint(path) : op === 'inspect' ? torch.inspectFile(path) : torch.loadNpy(path);
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - started;
  t.slowestMs = Math.max(t.slowestMs, ms);
  if (ms > HANG_MS) return `${op} took ${ms.toFixed(0)} ms`;
  if (error !== undefined) {
    t.rejected++;
    if (!(error instanceof Error)) return `${op} threw a non-Error: ${String(error)}`;
    const prefix = `${op}: ${path}: `;
    if (!error.message.startsWith(prefix)) return `${op} threw "${error.message}" without the "${prefix}" prefix`;
    const problem = error.message.slice(prefix.length).replace(/\d+/g, 'N').slice(0, 48);
    t.problems.set(problem, (t.problems.get(problem) ?? 0) + 1);
    return null;
  }
  t.loaded++;
  // What loaded must be usable: read every (reasonably sized) tensor, then free it.
  const seen = new Set<unknown>();
  const visit = (v: unknown, depth: number): void => {
    if (depth > 300 || v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof torch.Tensor) {
      if (v.numel <= 1 << 20) v.toArray();
      v.dispose();
    } else if (v instanceof Map) {
      for (const x of v.values()) visit(x, depth + 1);
    } else if (Array.isArray(v)) {
      for (const x of v) visit(x, depth + 1);
    } else if (!(v instanceof Uint8Array)) {
      for (const x of Object.values(v)) visit(x, depth + 1);
    }
  };
  visit(result, 0);
  return null;
}

function keepFailure(path: string, label: string): string {
  mkdirSync(FAILURES, { recursive: true });
  const kept = join(FAILURES, `${label}-${Date.now()}-${path.split('/').pop()}`);
  copyFileSync(path, kept);
  return kept;
}

function run(label: string, count: number, seed: number, ext: string, mutate: (rng: Rng) => Buffer | Records, ops: readonly string[]): void {
  const rng = new Rng(seed);
  const t = tally(label);
  const path = join(tmp, `${label}${ext}`);
  const failures: string[] = [];
  for (let i = 0; i < count; i++) {
    const mutated = mutate(rng);
    if (Buffer.isBuffer(mutated)) writeFileSync(path, mutated);
    else writeZip(path, mutated);
    const failure = attempt(path, rng.pick(ops) as (typeof OPS)[number], t);
    if (failure !== null) failures.push(`#${i}: ${failure} (input kept at ${keepFailure(path, label)})`);
  }
  expect(failures).toEqual([]);
  expect(t.mutations).toBe(count);
}

describe('fuzz: mutated checkpoints load or throw, never crash or hang', () => {
  const st = (): Buffer => readFileSync(join(DIR, 'tensors.safetensors'));
  const started = performance.now();

  it('.safetensors: byte-level mutations (1000)', () => {
    const seeds = [st()];
    const small = join(tmp, 'small.safetensors');
    torch.save(small, { a: torch.ones([2, 3]), b: torch.tensor([true, false, true]), c: torch.zeros([0]) });
    seeds.push(readFileSync(small));
    run('st-bytes', 1000, 1, '.safetensors', (rng) => mutateBytes(rng.pick(seeds), rng), OPS);
  });

  it('.safetensors: header edits (800)', () => {
    const seed = st();
    run('st-header', 800, 2, '.safetensors', (rng) => mutateSafetensorsHeader(seed, rng), OPS);
  });

  it('.pth: byte-level mutations of whole archives (800)', () => {
    const seeds = [readFileSync(join(DIR, 'tensors.pth')), readFileSync(join(DIR, 'views.pth'))];
    run('pth-bytes', 800, 3, '.pth', (rng) => mutateBytes(rng.pick(seeds), rng), OPS);
  });

  it('.pth: ZIP structure mutations near the directory (400)', () => {
    const seed = readFileSync(join(DIR, 'views.pth'));
    run('pth-zip', 400, 4, '.pth', (rng) => {
      // Aim at the last 300 bytes: central directory, ZIP64 records, end record.
      const d = Buffer.from(seed);
      const tailStart = Math.max(0, d.length - 300);
      const tail = mutateBytes(d.subarray(tailStart), rng);
      return Buffer.concat([d.subarray(0, tailStart), tail]);
    }, OPS);
  });

  it('.pth: pickle programs mutated behind valid CRCs (1200)', () => {
    const nested = join(tmp, 'nested.pth');
    const w = torch.randn([3, 4]);
    torch.saveCheckpoint(nested, { model: { w, v: w }, epoch: 3, lr: 0.1, hist: [1, 2.5, 'x', null, true], state: new Map([[0, { m: torch.zeros([2]) }]]), big: 2n ** 70n });
    const seeds = [readRecords(join(DIR, 'tensors.pth')), readRecords(join(DIR, 'views.pth')), readRecords(join(DIR, 'tensors_p4.pth')), readRecords(nested)];
    run('pth-pickle', 1200, 5, '.pth', (rng) => mutatePickle(rng.pick(seeds), rng), OPS);
  });

  it('.npy: byte-level mutations (300)', () => {
    const seeds = ['np_f32.npy', 'np_i64.npy', 'np_bool.npy', 'np_v2.npy'].map((f) => readFileSync(join(DIR, f)));
    run('npy', 300, 6, '.npy', (rng) => mutateBytes(rng.pick(seeds), rng), ['loadNpy']);
  });

  it('the process is alive and the addon still works; totals', () => {
    expect(process.pid).toBeGreaterThan(0);
    expect(torch.ones([2, 2]).sum().item()).toBe(4);
    const total = Object.values(tallies).reduce((n, t) => n + t.mutations, 0);
    const seconds = (performance.now() - started) / 1000;
    const lines = Object.entries(tallies).map(
      ([k, t]) =>
        `${k.padEnd(11)} ${String(t.mutations).padStart(5)} mutations: ${String(t.loaded).padStart(4)} loaded, ${String(t.rejected).padStart(4)} rejected ` +
        `(${t.problems.size} distinct problems), slowest ${t.slowestMs.toFixed(1)} ms`,
    );
    console.log(`fuzz: ${total} mutations in ${seconds.toFixed(1)} s\n${lines.join('\n')}`);
    if (process.env.FUZZ_DUMP) for (const [k, t] of Object.entries(tallies)) console.log(k, [...t.problems.entries()].sort((a, b) => b[1] - a[1]));
    expect(total).toBe(4500);
    // Both outcomes occur: the fuzzer reaches past the first checks and still finds rejections.
    for (const t of Object.values(tallies)) {
      expect(t.rejected).toBeGreaterThan(0);
      expect(t.problems.size).toBeGreaterThan(3);
    }
  });
});
